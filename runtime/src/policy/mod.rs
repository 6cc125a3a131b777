//! The executor's policies, one file each: a policy owns its configuration, its state, its typed
//! decision (recorded in [`audit::Decisions`]) and the errors it answers with. The executor only
//! lists them in order; [`layer`] is where user code joins that list.

use std::sync::{Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

use crate::{Principal, ToolCall};

pub mod audit;
pub mod bulkhead;
pub mod circuit_breaker;
pub mod confirm;
pub(crate) mod execute;
pub mod layer;
pub mod limits;
pub mod permission;
pub mod rate_limit;
pub mod validation;

/// Declares a policy's decision: a fieldless enum recorded in audit records by its snake_case
/// name, with `as_str` and `Display` giving the same name.
macro_rules! decision {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// The decision's name, as audit records spell it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use decision;

/// How a call reached the executor.
#[derive(Clone, Copy)]
pub(crate) enum Entry<'a> {
    /// Straight from the model; `confirmer` overrides the executor's for this call.
    Fresh(Option<&'a dyn confirm::Confirmer>),
    /// Straight from the model, through a client that answers confirmation in a later request
    /// (MCP 2026-07-28): `recorder` is shown what a human would be asked, and a call that needs
    /// one ends `confirmation_required`, like a ticket.
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    Asking(&'a dyn confirm::Confirmer),
    /// Resumed from a ticket with a human's decision.
    Resumed(&'a confirm::Decision),
}

/// What every policy may read about one call, and the decisions they record. Shared by
/// reference through the whole chain, user layers included, so a dropped call can still audit
/// how far it got.
pub(crate) struct CallState<'a> {
    pub(crate) principal: &'a Principal,
    pub(crate) call: &'a ToolCall,
    pub(crate) entry: Entry<'a>,
    /// Fires when the caller drops the call; every attempt's token is its child.
    pub(crate) cancel: CancellationToken,
    /// When the call arrived: the admission checks' "now", and the start of its duration.
    pub(crate) started: tokio::time::Instant,
    decisions: Mutex<audit::Decisions>,
    /// How many user-layer steps `decisions` holds (read without its lock).
    layer_steps: std::sync::atomic::AtomicUsize,
    retries: std::sync::atomic::AtomicU32,
}

impl<'a> CallState<'a> {
    pub(crate) fn new(principal: &'a Principal, call: &'a ToolCall, entry: Entry<'a>) -> Self {
        Self {
            principal,
            call,
            entry,
            cancel: CancellationToken::new(),
            started: tokio::time::Instant::now(),
            decisions: Mutex::default(),
            layer_steps: std::sync::atomic::AtomicUsize::new(0),
            retries: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// Whether the call came straight from the model (not resumed from a ticket).
    pub(crate) fn is_fresh(&self) -> bool {
        matches!(self.entry, Entry::Fresh(_) | Entry::Asking(_))
    }

    /// Records a decision.
    pub(crate) fn decide(&self, record: impl FnOnce(&mut audit::Decisions)) {
        record(
            &mut self
                .decisions
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    /// Records `ok` or `err` as the decision `field` by how `result` came out, and returns it.
    pub(crate) fn decide_by<T, D>(
        &self,
        result: Result<T, crate::ToolError>,
        [ok, err]: [D; 2],
        field: fn(&mut audit::Decisions) -> &mut Option<D>,
    ) -> Result<T, crate::ToolError> {
        let decision = if result.is_ok() { ok } else { err };
        self.decide(|d| *field(d) = Some(decision));
        result
    }

    /// The decisions so far.
    pub(crate) fn decisions(&self) -> audit::Decisions {
        self.decisions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Makes room for the steps of `layers` user layers, so recording them never reallocates.
    pub(crate) fn expect_layers(&self, layers: usize) {
        if layers > 0 {
            self.decide(|d| d.layers.reserve(layers));
        }
    }

    /// Records what a user layer did.
    pub(crate) fn record_layer(&self, step: layer::LayerStep) {
        self.decide(|d| d.layers.push(step));
        self.layer_steps
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many user layers recorded a step so far.
    pub(crate) fn layer_steps(&self) -> usize {
        self.layer_steps.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn set_retries(&self, n: u32) {
        self.retries.store(n, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn retries(&self) -> u32 {
        self.retries.load(std::sync::atomic::Ordering::Relaxed)
    }
}

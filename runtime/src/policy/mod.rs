//! The executor's policies, one file each: a policy owns its configuration, its state, its typed
//! decision (recorded in [`audit::Decisions`]) and the errors it answers with. The executor only
//! lists them in order; [`layer`] is where user code joins that list.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicUsize, Ordering};
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
pub mod switch;
pub mod validation;

/// Declares a policy's decision: a fieldless enum recorded in audit records by its snake_case
/// name, with `as_str` and `Display` giving the same name. `in field` makes it the decision kept
/// in that field of [`audit::Decisions`] (see [`Decided`]).
macro_rules! decision {
    ($(#[$meta:meta])* pub enum $name:ident in $field:ident {
        $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+
    }) => {
        $crate::policy::decision! {
            $(#[$meta])* pub enum $name { $($(#[$vmeta])* $variant => $text,)+ }
        }

        impl $crate::policy::Decided for $name {
            const SLOT: $crate::policy::Slot = $crate::policy::Slot::$field;
            const ALL: &'static [Self] = &[$(Self::$variant,)+];
            fn field(d: &mut $crate::policy::audit::Decisions) -> &mut Option<Self> {
                &mut d.$field
            }
        }
    };
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

/// The built-in decisions, each with its field of [`audit::Decisions`] (named so in its
/// `decision!` too): a call's state keeps each in one byte, so recording one is a store, never
/// a lock. A new policy's decision is one line here.
macro_rules! slots {
    ($($field:ident: $decision:ty,)+) => {
        /// Where a call's state keeps each built-in decision.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy)]
        pub(crate) enum Slot {
            $($field,)+
        }

        impl Slot {
            const COUNT: usize = [$(Slot::$field),+].len();
        }

        /// Every decision kept in `codes`.
        fn read_all(codes: &[AtomicU8; Slot::COUNT]) -> audit::Decisions {
            let mut d = audit::Decisions::default();
            $(read_into::<$decision>(codes, &mut d);)+
            d
        }
    };
}

slots! {
    permission: permission::PermissionDecision,
    rate_limit: rate_limit::RateLimitDecision,
    circuit_breaker: circuit_breaker::BreakerDecision,
    validation: validation::ValidationDecision,
    confirmation: confirm::ConfirmationDecision,
    bulkhead: bulkhead::BulkheadDecision,
}

/// A built-in policy's decision, declared with `decision! { pub enum … in field { … } }`.
pub(crate) trait Decided: Copy + 'static {
    /// Where the call's state keeps it.
    const SLOT: Slot;
    /// Every value, in declaration order: the byte kept is the index plus one (0: not decided).
    const ALL: &'static [Self];
    /// Its field in the audit record's decisions.
    fn field(d: &mut audit::Decisions) -> &mut Option<Self>;
}

/// The byte that keeps `d`.
fn code_of<D: Decided + PartialEq>(d: D) -> u8 {
    // At most a handful of values per decision: the position always fits.
    D::ALL
        .iter()
        .position(|x| *x == d)
        .map_or(0, |i| i as u8 + 1)
}

/// Copies the decision kept in `codes` into `decisions`.
fn read_into<D: Decided>(codes: &[AtomicU8; Slot::COUNT], decisions: &mut audit::Decisions) {
    let code = codes[D::SLOT as usize].load(Ordering::Acquire);
    *D::field(decisions) = usize::from(code)
        .checked_sub(1)
        .and_then(|i| D::ALL.get(i).copied());
}

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
    /// The built-in policies' decisions, a byte each (see [`Slot`]).
    decided: [AtomicU8; Slot::COUNT],
    /// What the user layers did, in order.
    layers: Mutex<Vec<layer::LayerStep>>,
    /// How many steps `layers` holds (read without its lock).
    layer_steps: AtomicUsize,
    retries: AtomicU32,
}

impl<'a> CallState<'a> {
    pub(crate) fn new(principal: &'a Principal, call: &'a ToolCall, entry: Entry<'a>) -> Self {
        Self {
            principal,
            call,
            entry,
            cancel: CancellationToken::new(),
            started: tokio::time::Instant::now(),
            decided: Default::default(),
            layers: Mutex::default(),
            layer_steps: AtomicUsize::new(0),
            retries: AtomicU32::new(0),
        }
    }

    /// Whether the call came straight from the model (not resumed from a ticket).
    pub(crate) fn is_fresh(&self) -> bool {
        matches!(self.entry, Entry::Fresh(_) | Entry::Asking(_))
    }

    /// Records a built-in policy's decision.
    pub(crate) fn decide<D: Decided + PartialEq>(&self, decision: D) {
        self.decided[D::SLOT as usize].store(code_of(decision), Ordering::Release);
    }

    /// Records `ok` or `err` by how `result` came out, and returns it.
    pub(crate) fn decide_by<T, D: Decided + PartialEq>(
        &self,
        result: Result<T, crate::ToolError>,
        [ok, err]: [D; 2],
    ) -> Result<T, crate::ToolError> {
        self.decide(if result.is_ok() { ok } else { err });
        result
    }

    /// The decisions so far.
    pub(crate) fn decisions(&self) -> audit::Decisions {
        let mut d = read_all(&self.decided);
        if self.layer_steps() > 0 {
            d.layers = self.layers().clone();
        }
        d
    }

    fn layers(&self) -> std::sync::MutexGuard<'_, Vec<layer::LayerStep>> {
        self.layers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes room for the steps of `layers` user layers, so recording them never reallocates.
    pub(crate) fn expect_layers(&self, layers: usize) {
        if layers > 0 {
            self.layers().reserve(layers);
        }
    }

    /// Records what a user layer did.
    pub(crate) fn record_layer(&self, step: layer::LayerStep) {
        self.layers().push(step);
        self.layer_steps.fetch_add(1, Ordering::Relaxed);
    }

    /// How many user layers recorded a step so far.
    pub(crate) fn layer_steps(&self) -> usize {
        self.layer_steps.load(Ordering::Relaxed)
    }

    /// An attempt's token: its own, or the call's.
    pub(crate) fn token(
        &self,
        own: Option<CancellationToken>,
    ) -> std::borrow::Cow<'_, CancellationToken> {
        own.map_or(
            std::borrow::Cow::Borrowed(&self.cancel),
            std::borrow::Cow::Owned,
        )
    }

    pub(crate) fn set_retries(&self, n: u32) {
        self.retries.store(n, Ordering::Relaxed);
    }

    pub(crate) fn retries(&self) -> u32 {
        self.retries.load(Ordering::Relaxed)
    }
}

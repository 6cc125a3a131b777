//! User layers: your code in the executor's order of policies, at named [`Position`]s.
//!
//! A layer is tower's `Layer`/`Service` folded into one object-safe trait, in the shape of
//! axum's `middleware::from_fn`: it receives the [`Request`] and a [`Next`], and either passes
//! the request on (`next.run(request)`) — possibly changed — and may change what comes back, or
//! answers itself. What a layer can do:
//!
//! - **reject** the call: return `Err(ToolError)` without calling `next`; the error reaches the
//!   model and the audit record (its [`LayerStep`] says `rejected`);
//! - **rewrite the arguments** ([`Request::set_arguments`]): the new arguments go through the
//!   argument caps and validation again, so no layer can smuggle invalid arguments to a tool;
//! - **require confirmation** by a predicate on the arguments ([`Request::require_confirmation`],
//!   before confirmation only): the call then waits for a human like a destructive one;
//! - **transform the output** (an output guardrail): map what `next.run` returns;
//! - **short-circuit** with a cached result: return `Ok(value)` without calling `next`.
//!
//! What a layer cannot do: skip a policy. Permission, argument caps, rate limits and the
//! circuit breaker run before every layer; the only way to the tool's body is `next`, which
//! always runs validation and confirmation for the arguments as they are then. A layer after
//! confirmation that changes the arguments of a confirmed call gets a denial, never a body run
//! with arguments no human saw. Answering without `next` runs no body at all.
//!
//! ```
//! use serde_json::json;
//! use toolwright::policy::layer::{from_fn, Position};
//! use toolwright::{tool, Executor, Principal, Registry, ToolCall, ToolError};
//!
//! /// Send an email to one recipient with a subject and a body. Returns the message id.
//! #[tool(permissions = ["mail:send"])]
//! async fn send_email(
//!     /// Recipient address, e.g. "ana@example.com"
//!     to: String,
//!     /// Subject line, e.g. "Your refund"
//!     subject: String,
//! ) -> Result<String, ToolError> {
//!     Ok(format!("sent to {to}: {subject}"))
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let executor = Executor::builder(Registry::builder().tool(send_email).build()?)
//!     // Mail outside the company needs a human's yes (and there is no confirmer: denied).
//!     .layer(Position::BeforeConfirmation, from_fn("external_mail", |mut request, next| {
//!         Box::pin(async move {
//!             let outside = request.arguments().and_then(|a| a["to"].as_str())
//!                 .is_some_and(|to| !to.ends_with("@example.com"));
//!             if outside {
//!                 request.require_confirmation();
//!             }
//!             next.run(request).await
//!         })
//!     }))
//!     .build();
//! let alice = Principal::new("alice").grant("mail:send");
//! let inside = ToolCall::new("c1", "send_email", r#"{"to":"bo@example.com","subject":"hi"}"#);
//! assert_eq!(executor.call(&alice, &inside).await.outcome?, json!("sent to bo@example.com: hi"));
//! let outside = ToolCall::new("c2", "send_email", r#"{"to":"eve@evil.test","subject":"hi"}"#);
//! assert!(executor.call(&alice, &outside).await.is_error());
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde_json::Value;

use crate::call::CallArguments;
use crate::policy::bulkhead::Lease;
use crate::policy::validation::Prepared;
use crate::policy::{CallState, decision};
use crate::registry::ToolEntry;
use crate::tool::BoxFuture;
use crate::{Principal, ToolError};

/// Where a user layer sits in the executor's order of policies.
///
/// ```text
/// permission → argument caps → rate limit → circuit breaker
///   → BeforeValidation → validation → BeforeConfirmation → confirmation → bulkhead
///   → OnResult → AroundExecution → execution (timeout, retries) → output cap → audit
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Position {
    /// The arguments as the model sent them (or a previous layer rewrote them), not yet
    /// validated: [`Request::arguments`] is `None` for text that is not JSON.
    BeforeValidation,
    /// The arguments are valid; no human was asked yet. The place for a confirmation
    /// predicate, and for a cache that must not be answered for invalid arguments.
    BeforeConfirmation,
    /// The call may run (confirmed if it had to be, a bulkhead slot held); sees the final
    /// result of all attempts. The place for output guardrails.
    OnResult,
    /// Innermost: directly around the execution of the body (all attempts).
    AroundExecution,
}

/// A user layer. Implement it, or build one from a closure with [`from_fn`].
pub trait Layer: Send + Sync + 'static {
    /// The layer's name in audit records.
    fn name(&self) -> &'static str;

    /// Handles one call: pass it on with `next.run(request)`, or answer it.
    fn call<'a>(
        &'a self,
        request: Request<'a>,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<Value, ToolError>>;
}

/// A layer made of a closure; see [`from_fn`].
pub struct FromFn<F> {
    name: &'static str,
    f: F,
}

/// A layer from a closure `|request, next| Box::pin(async move { … })`, named `name` in
/// audit records. See the [module docs](self) for an example.
pub fn from_fn<F>(name: &'static str, f: F) -> FromFn<F>
where
    F: for<'a> Fn(Request<'a>, Next<'a>) -> BoxFuture<'a, Result<Value, ToolError>>
        + Send
        + Sync
        + 'static,
{
    FromFn { name, f }
}

impl<F> Layer for FromFn<F>
where
    F: for<'a> Fn(Request<'a>, Next<'a>) -> BoxFuture<'a, Result<Value, ToolError>>
        + Send
        + Sync
        + 'static,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn call<'a>(
        &'a self,
        request: Request<'a>,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<Value, ToolError>> {
        (self.f)(request, next)
    }
}

decision! {
    /// What a user layer did with a call.
    pub enum LayerAction {
        /// Passed it on unchanged.
        Passed => "passed",
        /// Passed it on with rewritten arguments.
        Rewrote => "rewrote",
        /// Answered it with an error.
        Rejected => "rejected",
        /// Answered it with a value of its own (e.g. a cached result); no body ran for it.
        Answered => "answered",
    }
}

/// One user layer's part in a call, as audit records show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LayerStep {
    /// The layer's name.
    pub layer: &'static str,
    /// What it did.
    pub action: LayerAction,
}

/// One call as a user layer sees it.
pub struct Request<'a> {
    principal: &'a Principal,
    tool: &'a ToolEntry,
    call_id: &'a str,
    position: Position,
    arguments: Arguments<'a>,
    /// The text arguments, parsed when a layer first asks. (Boxed, as the rewritten arguments
    /// are: each stage's future holds a request, and most calls need neither.)
    parsed: OnceLock<Option<Box<Value>>>,
    /// Set once the arguments as they are now were validated; cleared by a rewrite.
    pub(crate) prepared: Option<Prepared>,
    /// A layer asked for a human's yes.
    pub(crate) confirm: bool,
    /// A human approved the call with the arguments as they were then.
    pub(crate) confirmed: bool,
    pub(crate) lease: Option<Lease>,
    rewritten: bool,
}

enum Arguments<'a> {
    Sent(&'a CallArguments),
    Rewritten(Box<CallArguments>),
}

impl<'a> Request<'a> {
    pub(crate) fn new(state: &'a CallState<'a>, tool: &'a ToolEntry) -> Self {
        Self {
            principal: state.principal,
            tool,
            call_id: &state.call.id,
            position: Position::BeforeValidation,
            arguments: Arguments::Sent(&state.call.arguments),
            parsed: OnceLock::new(),
            prepared: None,
            confirm: false,
            confirmed: false,
            lease: None,
            rewritten: false,
        }
    }

    /// Who calls.
    pub fn principal(&self) -> &Principal {
        self.principal
    }

    /// The tool called (the principal may use it: permission ran before any layer).
    pub fn tool(&self) -> &ToolEntry {
        self.tool
    }

    /// The model's call id.
    pub fn call_id(&self) -> &str {
        self.call_id
    }

    /// Where the layer now handling the call sits.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The arguments as a JSON value (an empty text is `{}`); `None` when they are not JSON.
    /// Valid from [`Position::BeforeConfirmation`] on.
    pub fn arguments(&self) -> Option<&Value> {
        let args = self.call_arguments();
        if let CallArguments::Json(value) = args {
            return Some(value);
        }
        self.parsed
            .get_or_init(|| args.to_value().map(|v| Box::new(v.into_owned())))
            .as_deref()
    }

    /// The arguments as the executor will validate and run them.
    pub(crate) fn call_arguments(&self) -> &CallArguments {
        match &self.arguments {
            Arguments::Sent(args) => args,
            Arguments::Rewritten(args) => args,
        }
    }

    /// Replaces the arguments. They are capped and validated again before anything runs; after
    /// a human approved the call, changed arguments deny it.
    pub fn set_arguments(&mut self, arguments: Value) {
        self.arguments = Arguments::Rewritten(Box::new(CallArguments::Json(arguments)));
        self.parsed = OnceLock::new();
        self.prepared = None;
        self.rewritten = true;
    }

    /// Asks for a human's yes before the body runs, as for a destructive tool. Takes effect
    /// before confirmation ([`Position::BeforeValidation`], [`Position::BeforeConfirmation`]);
    /// later it is too late, and ignored.
    pub fn require_confirmation(&mut self) {
        self.confirm = true;
    }
}

/// The rest of the chain after a layer: call [`Next::run`] at most once (it takes `self`).
pub struct Next<'a> {
    layers: &'a [(Position, Arc<dyn Layer>)],
    /// The layer that holds this `Next`, if any.
    caller: Option<&'static str>,
    state: &'a CallState<'a>,
    rest: &'a (dyn Continue + 'a),
    stage: Stage,
}

/// The built-in steps after a run of layers, as the executor defines them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stage {
    Validate,
    Confirm,
    Execute,
}

/// The executor's side of [`Next`]: runs the built-in steps from `stage` on.
pub(crate) trait Continue: Send + Sync {
    fn run<'a>(
        &'a self,
        stage: Stage,
        request: Request<'a>,
    ) -> BoxFuture<'a, Result<Value, ToolError>>;
}

impl<'a> Next<'a> {
    pub(crate) fn new(
        layers: &'a [(Position, Arc<dyn Layer>)],
        state: &'a CallState<'a>,
        rest: &'a (dyn Continue + 'a),
        stage: Stage,
    ) -> Self {
        Self {
            layers,
            caller: None,
            state,
            rest,
            stage,
        }
    }

    /// Passes the call on: to the next layer, or to the executor's next step.
    pub fn run(self, mut request: Request<'a>) -> BoxFuture<'a, Result<Value, ToolError>> {
        let state = self.state;
        if let Some(layer) = self.caller {
            let action = if std::mem::take(&mut request.rewritten) {
                LayerAction::Rewrote
            } else {
                LayerAction::Passed
            };
            state.record_layer(LayerStep { layer, action });
        }
        let Some(((position, layer), rest)) = self.layers.split_first() else {
            return self.rest.run(self.stage, request);
        };
        request.position = *position;
        let next = Next {
            layers: rest,
            caller: Some(layer.name()),
            ..self
        };
        // No wrapper future here: the layer that ends the call itself is found once the chain
        // has returned ([`Next::enter`]).
        layer.call(request, next)
    }

    /// Runs the layers of one position and the steps after them, then records the layer that
    /// ended the call without passing it on (answered or rejected), if one did. Every layer that
    /// passes the call on records its step in [`Next::run`] before anything after it runs, so
    /// the steps recorded since entering count the layers that passed; the one at that index
    /// stopped the call.
    pub(crate) async fn enter(self, request: Request<'a>) -> Result<Value, ToolError> {
        let (state, layers) = (self.state, self.layers);
        let before = state.layer_steps();
        let result = self.run(request).await;
        if let Some((_, stopper)) = layers.get(state.layer_steps() - before) {
            let action = if result.is_ok() {
                LayerAction::Answered
            } else {
                LayerAction::Rejected
            };
            state.record_layer(LayerStep {
                layer: stopper.name(),
                action,
            });
        }
        result
    }
}

/// The user layers of an executor, in order of position, then of registration.
#[derive(Default)]
pub(crate) struct Layers {
    all: Vec<(Position, Arc<dyn Layer>)>,
}

impl Layers {
    /// How many layers there are, at all positions.
    pub(crate) fn len(&self) -> usize {
        self.all.len()
    }

    /// Whether there are none: the executor then runs its steps straight.
    pub(crate) fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    pub(crate) fn push(&mut self, position: Position, layer: Arc<dyn Layer>) {
        // Stable: layers at one position keep the order they were added in.
        let at = self.all.partition_point(|(p, _)| *p <= position);
        self.all.insert(at, (position, layer));
    }

    /// The layers that run before `stage`.
    pub(crate) fn before(&self, stage: Stage) -> &[(Position, Arc<dyn Layer>)] {
        let range = |positions: &[Position]| -> Range<usize> {
            let start = self.all.partition_point(|(p, _)| *p < positions[0]);
            let end = self
                .all
                .partition_point(|(p, _)| *p <= positions[positions.len() - 1]);
            start..end
        };
        let r = match stage {
            Stage::Validate => range(&[Position::BeforeValidation]),
            Stage::Confirm => range(&[Position::BeforeConfirmation]),
            Stage::Execute => range(&[Position::OnResult, Position::AroundExecution]),
        };
        &self.all[r]
    }
}

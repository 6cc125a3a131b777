//! The executor: one call through the ordered list of policies. Each policy is one file under
//! [`crate::policy`] (its configuration, state, decision and errors); this file is only their
//! order, and where user [`layers`](crate::policy::layer) join it.
//!
//! ```text
//! lookup + permission  hidden tools answer exactly like unknown ones
//! switch               a tool the operator took out of service is refused
//! argument caps        size and nesting depth, before any parsing
//! rate limit           per principal, per (principal, tool), per tool; tenants apart
//! circuit breaker      per tool; open after repeated failures from more than one caller
//!   [BeforeValidation layers]
//! validate             parse + declared constraints; every error with its JSON pointer
//!   [BeforeConfirmation layers]
//! confirm              destructive: a human decision before the body runs; deny by default
//! bulkhead             per tool: at most N bodies running, a hung one holds its slot
//!   [OnResult layers] [AroundExecution layers]
//! execute              switch again, own task, timeout, panic capture, retries with backoff
//! output cap           the result's serialized size
//! audit                a record per attempt and one final record, secrets redacted
//! ```
//!
//! **Why two shapes of step.** The admission checks before the first user layer (permission,
//! caps, rate limit, breaker) are synchronous functions over the call's `CallState`: no
//! future, no allocation, no dynamic dispatch. Only the steps that may wait (a user layer,
//! confirmation, the body) are async. An executor without user layers runs them one after
//! another with plain `.await`s (`Flow::straight`), so it pays nothing for layers (measured
//! in `benches/call_overhead.rs`). With user layers, each stage is entered through the `Next`
//! chain of the layers before it, as in axum's `from_fn`, or as a boxed future where that
//! position has none; no stage holds the next one inline, so each boxed future is one stage
//! (hundreds of bytes, not kilobytes). A `Vec<Box<dyn Layer>>` for the built-in policies would
//! cost a boxed future per policy per call and hide the order this file shows.
//!
//! **Adding a policy** is one file under `policy/` that owns its settings, state, decision
//! (a `decision!` enum, recorded in [`Decisions`](crate::policy::audit::Decisions)) and errors,
//! plus one field and builder method here and one line in the order below. The bulkhead is
//! wired so: `policy/bulkhead.rs` holds all of it; here it is the `bulkhead` field, the
//! `max_concurrent_calls` builder methods and `x.bulkheads.admit(..)` in `Flow::confirmed`.
//!
//! Dropping the future of a call (the caller went away, an MCP client cancelled) cancels the
//! tool's token at once, abandons a pending confirmation and aborts the body's task after a
//! short grace: nothing runs after that, and the final audit record says `cancelled`.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::Value;
use tracing::Instrument;

use crate::call::{ToolCall, ToolResult};
use crate::policy::audit::{self, AuditPolicy, AuditSink, CallAudit, Moment};
use crate::policy::bulkhead::{BulkheadConfig, Bulkheads};
use crate::policy::circuit_breaker::{BreakerConfig, BreakerState, Breakers, CircuitBreaker};
use crate::policy::confirm::{
    Confirmation, ConfirmationConfig, ConfirmationDecision, Confirmer, Decision, TicketQuota,
};
use crate::policy::execute::{self, Attempt, Execution};
use crate::policy::layer::{Continue, Layer, Layers, Next, Position, Request, Stage};
use crate::policy::limits::Limits;
use crate::policy::rate_limit::{Rate, RateLimits, RateLimitsBuilder};
use crate::policy::switch::Switches;
use crate::policy::{CallState, Entry, permission, validation};
use crate::store::Store;
use crate::telemetry::{CallTelemetry, Telemetry};
use crate::tool::BoxFuture;
use crate::{ErrorKind, Principal, Registry, ToolEntry, ToolError};

/// Executes the model's tool calls against a [`Registry`], through every policy.
///
/// Cheap to clone; share one executor between tasks.
///
/// ```
/// use toolwright::{tool, Executor, Principal, Registry, ToolCall};
///
/// /// Add two integers and return their sum as an integer.
/// #[tool(read_only, idempotent)]
/// fn add_two_integers(
///     /// The first addend, any 64-bit signed integer
///     a: i64,
///     /// The second addend, any 64-bit signed integer
///     b: i64,
/// ) -> i64 {
///     a + b
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(add_two_integers).build()?);
/// let result = executor
///     .call(&Principal::anonymous(), &ToolCall::new("call_1", "add_two_integers", r#"{"a":2,"b":3}"#))
///     .await;
/// assert_eq!(result.outcome.unwrap(), 5);
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct Executor(Arc<Inner>);

/// The policies, each with its own configuration and state.
struct Inner {
    registry: Registry,
    limits: Limits,
    rate_limits: RateLimits,
    breakers: Breakers,
    confirmation: Confirmation,
    bulkheads: Bulkheads,
    execution: Execution,
    audit: AuditPolicy,
    layers: Layers,
    telemetry: Telemetry,
    switches: Switches,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("registry", &self.0.registry)
            .finish_non_exhaustive()
    }
}

/// Configures an [`Executor`]. Every default is the safe one: no confirmer (destructive calls
/// are denied), 30 s timeouts, capped arguments and outputs, redaction of common secret keys.
///
/// ```
/// use toolwright::{ErrorKind, Executor, Principal, Rate, Registry, ToolCall, tool};
///
/// /// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
/// #[tool(read_only)]
/// fn get_current_time() -> String {
///     "2026-12-02T12:00:00Z".into()
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::builder(Registry::builder().tool(get_current_time).build()?)
///     .rate_limit_per_principal(Rate::per_minute(1))
///     .max_concurrent_calls(8)
///     .build();
/// let alice = Principal::new("alice");
/// let call = ToolCall::new("c1", "get_current_time", "{}");
/// assert!(executor.call(&alice, &call).await.outcome.is_ok());
/// let again = executor.call(&alice, &call).await.outcome.unwrap_err();
/// assert_eq!(again.kind(), ErrorKind::RateLimited);
/// assert!(again.retry_after().is_some());
/// // The limit is per principal: someone else still gets through.
/// assert!(executor.call(&Principal::new("bob"), &call).await.outcome.is_ok());
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
pub struct ExecutorBuilder {
    registry: Registry,
    limits: Limits,
    rate_limits: RateLimitsBuilder,
    breaker: BreakerConfig,
    confirmation: ConfirmationConfig,
    bulkhead: BulkheadConfig,
    store: Store,
    execution: Execution,
    audit: AuditPolicy,
    layers: Layers,
    telemetry: Telemetry,
}

impl ExecutorBuilder {
    crate::setters! {
        /// Rate limit per principal, across all tools.
        pub fn rate_limit_per_principal(rate: Rate) => rate_limits.per_principal = Some(rate);
        /// Rate limit per tool, across all principals.
        pub fn rate_limit_per_tool(rate: Rate) => rate_limits.per_tool = Some(rate);
        /// Rate limit per (principal, tool) for tools that declare no `rate_limit`.
        pub fn default_tool_rate_limit(rate: Rate) => rate_limits.per_principal_tool = Some(rate);
        /// The most rate-limit keys kept at once (default 100 000); bounds memory under a flood
        /// of fresh principals.
        pub fn max_rate_limit_keys(max: usize) => rate_limits.max_keys = Some(max);
    }

    /// Keeps the state replicas must share in `store`: rate-limit cells, confirmation tickets
    /// and their per-principal quota (default: [`Store::memory`], this process only). Every
    /// replica built with the same shared store enforces one policy: a caller's limits count
    /// once across all of them, and a ticket issued by one is resumed once on any. Circuit
    /// breakers and bulkheads stay per process by design (they guard this replica's view of its
    /// dependencies and its own threads).
    ///
    /// When a shared store cannot answer, calls that need it are refused with `unavailable`:
    /// rate limits fail closed unless [`ExecutorBuilder::fail_open_rate_limits`], tickets and
    /// their resumes always do.
    ///
    /// ```no_run
    /// # #[cfg(feature = "redis")]
    /// # async fn demo(registry: toolwright::Registry) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use toolwright::store::RedisStore;
    /// use toolwright::{Decision, Executor, Principal, Rate, ToolCall};
    ///
    /// let store = RedisStore::builder("redis://10.0.0.5:6379/").prefix("desk").build()?;
    /// let executor = Executor::builder(registry)
    ///     .store(store)
    ///     .rate_limit_per_principal(Rate::per_minute(30))
    ///     .confirmation_tickets(Duration::from_secs(600))
    ///     .build();
    /// // Replica A answers a destructive call with a ticket (`confirmation_required`) …
    /// let alice = Principal::new("alice");
    /// let call = ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#);
    /// let pending = executor.call(&alice, &call).await;
    /// // … and any replica runs it once, after the human said yes.
    /// # let ticket = String::new();
    /// let done = executor.resume(&alice, &ticket, Decision::Approve).await;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn store(mut self, store: impl Into<Store>) -> Self {
        let store = store.into();
        self.rate_limits = self.rate_limits.store(store.clone());
        self.store = store;
        self
    }

    /// When the shared store cannot answer, lets calls through the rate limits instead of
    /// refusing them (the default). Calls that need a human's confirmation are refused even
    /// so. The audit record's rate-limit decision says `failed_open`.
    #[must_use]
    pub fn fail_open_rate_limits(mut self) -> Self {
        self.rate_limits = self.rate_limits.fail_open();
        self
    }

    /// Circuit breaker settings for every tool.
    #[must_use]
    pub fn circuit_breaker(mut self, config: BreakerConfig) -> Self {
        self.breaker = config;
        self
    }

    /// The most bodies of one tool that run at once (default 32); a call beyond that is
    /// answered `busy` at once. A body holds its slot until it really ends, so a hung tool
    /// cannot take more threads or tasks than this.
    #[must_use]
    pub fn max_concurrent_calls(mut self, max: usize) -> Self {
        self.bulkhead.max_concurrent = max;
        self
    }

    /// Like [`ExecutorBuilder::max_concurrent_calls`], for one tool.
    #[must_use]
    pub fn max_concurrent_calls_of(mut self, tool: impl Into<String>, max: usize) -> Self {
        self.bulkhead.of_tool.insert(tool.into(), max);
        self
    }

    /// Asks `confirmer` before every call that needs confirmation.
    #[must_use]
    pub fn confirmer(mut self, confirmer: impl Confirmer + 'static) -> Self {
        self.confirmation.confirmer = Some(Arc::new(confirmer));
        self
    }

    /// Without a confirmer, answers calls that need confirmation with a pending ticket
    /// (`confirmation_required`) that [`Executor::resume`] runs once a human decides. Tickets
    /// expire after `ttl`.
    #[must_use]
    pub fn confirmation_tickets(mut self, ttl: Duration) -> Self {
        self.confirmation.tickets = Some(ttl);
        self
    }

    /// Bounds pending confirmation tickets: at most `total` at once (default 10 000), at most
    /// `per_principal` for any one principal (default 100), so one caller cannot lock everyone
    /// out. Each ticket keeps one canonical copy of its arguments (at most the argument cap),
    /// and all of them together at most 64 MiB
    /// ([`max_pending_confirmation_bytes`](Self::max_pending_confirmation_bytes)).
    #[must_use]
    pub fn max_pending_confirmations(mut self, total: usize, per_principal: usize) -> Self {
        // Only bounds tickets: they stay off unless `confirmation_tickets` turns them on.
        self.confirmation.quota = TicketQuota {
            total,
            per_principal,
            ..self.confirmation.quota
        };
        self
    }

    /// Bounds the argument bytes all pending confirmation tickets hold together (default
    /// 64 MiB), in this process or, with a shared [`store`](Self::store), across every replica
    /// on it. A ticket that would pass the bound is refused like one past the count.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use toolwright::{Executor, Registry};
    /// let executor = Executor::builder(Registry::builder().build()?)
    ///     .confirmation_tickets(Duration::from_secs(600))
    ///     .max_pending_confirmation_bytes(8 << 20)
    ///     .build();
    /// # Ok::<(), toolwright::RegistryError>(())
    /// ```
    #[must_use]
    pub fn max_pending_confirmation_bytes(mut self, bytes: usize) -> Self {
        self.confirmation.quota.bytes = bytes;
        self
    }

    /// Requires confirmation for `tool` too, although it is not declared `destructive`.
    #[must_use]
    pub fn require_confirmation(mut self, tool: impl Into<String>) -> Self {
        self.confirmation.also.insert(tool.into());
        self
    }

    /// How long a confirmer may take before the call is denied (default 120 s).
    #[must_use]
    pub fn confirmation_timeout(mut self, timeout: Duration) -> Self {
        self.confirmation.timeout = timeout;
        self
    }

    /// Sends audit records to `sink` (any number of sinks).
    #[must_use]
    pub fn audit(mut self, sink: impl AuditSink + 'static) -> Self {
        self.audit.sinks.push(Arc::new(sink));
        self
    }

    /// Also redacts argument keys containing `key` (any depth, ignoring case, `-` and `_`).
    #[must_use]
    pub fn redact_key(mut self, key: &str) -> Self {
        self.audit.secret_keys.extend(audit::normalize_keys([key]));
        self
    }

    /// Adds each call's arguments and result to its `execute_tool` span, as the OpenTelemetry
    /// GenAI attributes `gen_ai.tool.call.arguments` and `gen_ai.tool.call.result` (JSON text),
    /// each cut to at most `max_bytes`. Off by default: they are the model's and the tool's
    /// data. Redacted like audit records: `#[arg(secret)]` parameters, keys matching the secret
    /// keys at any depth (see [`ExecutorBuilder::redact_key`]), and undeclared arguments keep
    /// only their names; in a result, values under secret keys.
    ///
    /// ```
    /// # use toolwright::{Executor, Registry};
    /// let executor = Executor::builder(Registry::builder().build()?)
    ///     .trace_content(4096)
    ///     .build();
    /// # Ok::<(), toolwright::RegistryError>(())
    /// ```
    #[must_use]
    pub fn trace_content(mut self, max_bytes: usize) -> Self {
        self.telemetry.content = Some(max_bytes);
        self
    }

    /// Records the `gen_ai.execute_tool.duration` histogram (seconds, for every call) with
    /// instruments from `meter` (feature `otel`). Without this, the executor takes the global
    /// meter provider's meter (scope `toolwright`) when it is built: install the provider
    /// first.
    #[cfg(feature = "otel")]
    #[must_use]
    pub fn meter(mut self, meter: &opentelemetry::metrics::Meter) -> Self {
        self.telemetry.duration = Some(crate::telemetry::otel::Duration::new(meter));
        self
    }

    /// Argument, depth and output caps.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Retry backoff: random in `[0, min(cap, base * 2^n)]` before retry `n`.
    #[must_use]
    pub fn retry_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.execution = Execution {
            backoff_base: base,
            backoff_cap: cap,
        };
        self
    }

    /// Adds a user layer at `position` (see [`crate::policy::layer`]): after the layers
    /// already there, so the first added is the outermost.
    #[must_use]
    pub fn layer(mut self, position: Position, layer: impl Layer) -> Self {
        self.layers.push(position, Arc::new(layer));
        self
    }

    /// The executor.
    pub fn build(mut self) -> Executor {
        self.audit.know(&self.registry);
        let mut rate_limits = self.rate_limits.build();
        for entry in &self.registry {
            rate_limits.register_tool(entry.name(), entry.policy().rate_limit);
        }
        Executor(Arc::new(Inner {
            limits: self.limits,
            rate_limits,
            breakers: Breakers::new(&self.registry, &self.breaker),
            confirmation: self.confirmation.build(self.store),
            bulkheads: self.bulkhead.build(&self.registry),
            execution: self.execution,
            audit: self.audit,
            layers: self.layers,
            telemetry: self.telemetry.build(),
            registry: self.registry,
            switches: Switches::default(),
        }))
    }
}

impl Executor {
    /// An executor with safe defaults.
    pub fn new(registry: Registry) -> Self {
        Self::builder(registry).build()
    }

    /// Configures an executor.
    pub fn builder(registry: Registry) -> ExecutorBuilder {
        ExecutorBuilder {
            registry,
            limits: Limits::default(),
            rate_limits: RateLimits::builder(),
            breaker: BreakerConfig::default(),
            confirmation: ConfirmationConfig::default(),
            bulkhead: BulkheadConfig::default(),
            store: Store::memory(),
            execution: Execution::default(),
            audit: AuditPolicy::default(),
            layers: Layers::default(),
            telemetry: Telemetry::default(),
        }
    }

    /// The registry this executor serves.
    pub fn registry(&self) -> &Registry {
        &self.0.registry
    }

    /// The circuit breaker state of `tool`, if registered.
    pub fn breaker_state(&self, tool: &str) -> Option<BreakerState> {
        let entry = self.0.registry.get(tool)?;
        self.0.breakers.of(entry).map(CircuitBreaker::state)
    }

    /// How many bodies of `tool` are running now (bounded by its bulkhead), if registered. A
    /// body that timed out but has not stopped yet still counts.
    pub fn running_calls(&self, tool: &str) -> Option<usize> {
        let entry = self.0.registry.get(tool)?;
        self.0.bulkheads.of(entry).map(|b| b.in_flight())
    }

    /// How many rate-limit keys are held (bounded by `max_rate_limit_keys`).
    pub fn rate_limit_keys(&self) -> usize {
        self.0.rate_limits.keys()
    }

    /// Drops rate-limit keys whose state decayed back to "never seen" (lossless); call it
    /// periodically to return memory after a burst of callers.
    pub fn evict_idle_rate_limit_keys(&self) {
        self.0.rate_limits.evict_idle();
    }

    /// The store this executor keeps shared policy state in.
    pub fn store(&self) -> &Store {
        self.0.rate_limits.store()
    }

    /// Takes `tool` out of service for `reason` until [`Executor::enable_tool`] (see
    /// [`crate::policy::switch`]): its calls are refused as `denied` with the reason, and MCP
    /// servers no longer list it. Returns whether the registry has such a tool. To tell
    /// connected MCP clients, use `SharedExecutor::disable_tool` (feature `mcp`).
    pub fn disable_tool(&self, tool: &str, reason: impl Into<String>) -> bool {
        self.switch_off(tool, reason.into()).is_some()
    }

    /// [`Executor::disable_tool`]: `None` for a tool the registry lacks, else whether it was in
    /// service until now.
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub(crate) fn switch_off(&self, tool: &str, reason: String) -> Option<bool> {
        self.0.registry.get(tool)?;
        Some(self.0.switches.disable(tool, reason))
    }

    /// Puts `tool` back in service; returns whether it was out of service.
    pub fn enable_tool(&self, tool: &str) -> bool {
        self.0.switches.enable(tool)
    }

    /// The tools out of service, each with its reason, by name.
    pub fn disabled_tools(&self) -> Vec<(String, String)> {
        self.0.switches.list()
    }

    /// Whether `tool` is out of service.
    pub fn is_tool_disabled(&self, tool: &str) -> bool {
        self.0.switches.is_off(tool)
    }

    /// How many calls wait for a human's decision (confirmation tickets) in this process;
    /// with a shared store, ask [`Store::pending_confirmations`] for all replicas.
    pub fn pending_confirmations(&self) -> usize {
        self.0.confirmation.pending()
    }

    /// Runs one call for `principal`. Never panics, whatever the model sent.
    pub async fn call(&self, principal: &Principal, call: &ToolCall) -> ToolResult {
        self.run(principal, call, Entry::Fresh(None)).await
    }

    /// Runs one call, asking `confirmer` (instead of the executor's) if it needs confirmation.
    pub async fn call_with_confirmer(
        &self,
        principal: &Principal,
        call: &ToolCall,
        confirmer: &dyn Confirmer,
    ) -> ToolResult {
        self.run(principal, call, Entry::Fresh(Some(confirmer)))
            .await
    }

    /// Runs one call up to its confirmation for a client that asks the human itself and answers
    /// in a later request: `recorder` sees what the human would be asked, and a call that needs
    /// them ends `confirmation_required` (audited as pending, not as a denial).
    #[cfg(feature = "mcp")]
    pub(crate) async fn call_asking(
        &self,
        principal: &Principal,
        call: &ToolCall,
        recorder: &dyn Confirmer,
    ) -> ToolResult {
        self.run(principal, call, Entry::Asking(recorder)).await
    }

    /// Runs a call a human approved through the client, after the caller checked that the
    /// approval is for exactly this principal, tool and arguments and was not used before. Like
    /// a resumed ticket, it is not counted against the rate limits again.
    #[cfg(feature = "mcp")]
    pub(crate) async fn call_approved(&self, principal: &Principal, call: &ToolCall) -> ToolResult {
        self.run(principal, call, Entry::Resumed(&Decision::Approve))
            .await
    }

    /// Runs the call held by `ticket` with a human's `decision`. The ticket is used once,
    /// only by the principal it was issued to, and only before it expires.
    ///
    /// Tickets are how a web app confirms: with
    /// [`confirmation_tickets`](ExecutorBuilder::confirmation_tickets) and no confirmer, a call
    /// that needs a human answers `confirmation_required` with the ticket in its details, and
    /// nothing runs until a decision comes back here.
    ///
    /// ```
    /// use std::time::Duration;
    /// use toolwright::{Decision, ErrorKind, Executor, Principal, Registry, ToolCall, ToolError, tool};
    ///
    /// /// Permanently delete a document from the knowledge base by its id. Returns the deleted id.
    /// #[tool(permissions = ["kb:write"], destructive)]
    /// async fn delete_document(
    ///     /// Id of the document, e.g. "kb-102", as listed by search results
    ///     id: String,
    /// ) -> Result<String, ToolError> {
    ///     Ok(id)
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let registry = Registry::builder().tool(delete_document).build().unwrap();
    /// let executor = Executor::builder(registry)
    ///     .confirmation_tickets(Duration::from_secs(600))
    ///     .build();
    /// let editor = Principal::new("editor").grant("kb:write");
    /// let call = ToolCall::new("c1", "delete_document", r#"{"id": "kb-102"}"#);
    ///
    /// let pending = executor.call(&editor, &call).await.outcome.unwrap_err();
    /// assert_eq!(pending.kind(), ErrorKind::ConfirmationRequired);
    /// let ticket = pending.details()["ticket"].as_str().unwrap().to_owned();
    ///
    /// // Show the call to a human; they approve, and the body runs once.
    /// let done = executor.resume(&editor, &ticket, Decision::Approve).await;
    /// assert_eq!(done.outcome.unwrap(), "kb-102");
    /// let replay = executor.resume(&editor, &ticket, Decision::Approve).await;
    /// assert!(replay.outcome.is_err());
    /// # });
    /// ```
    pub async fn resume(
        &self,
        principal: &Principal,
        ticket: &str,
        decision: Decision,
    ) -> ToolResult {
        self.resume_checked(principal, ticket, None, decision).await
    }

    /// Like [`Executor::resume`], but also checks that `call` names the same tool and carries
    /// exactly the arguments the ticket was issued for (a changed call consumes the ticket and
    /// is denied).
    pub async fn resume_call(
        &self,
        principal: &Principal,
        ticket: &str,
        call: &ToolCall,
        decision: Decision,
    ) -> ToolResult {
        self.resume_checked(principal, ticket, Some(call), decision)
            .await
    }

    async fn resume_checked(
        &self,
        principal: &Principal,
        ticket: &str,
        call: Option<&ToolCall>,
        decision: Decision,
    ) -> ToolResult {
        match self.0.confirmation.take(principal, ticket, call).await {
            Ok(call) => self.run(principal, &call, Entry::Resumed(&decision)).await,
            Err(unusable) => {
                // A refused resume is audited too: someone tried to run a held call with a
                // ticket that is not theirs, expired, already used, or for other arguments.
                let attempted = call.cloned().unwrap_or_else(|| {
                    ToolCall::new(unusable.call_id.clone(), unusable.name.clone(), "")
                });
                let outcome = Err(unusable.error);
                let decisions = audit::Decisions {
                    confirmation: Some(match &outcome {
                        Err(e) if e.kind() == ErrorKind::Unavailable => {
                            ConfirmationDecision::Unavailable
                        }
                        _ => ConfirmationDecision::Denied,
                    }),
                    ..audit::Decisions::default()
                };
                CallAudit::new(&self.0.audit, &self.0.registry, principal, &attempted).emit(
                    Moment::last(0, Duration::ZERO),
                    &decisions,
                    &outcome,
                );
                ToolResult {
                    call_id: unusable.call_id,
                    name: unusable.name,
                    outcome,
                }
            }
        }
    }

    async fn run(&self, principal: &Principal, call: &ToolCall, how: Entry<'_>) -> ToolResult {
        let x = &*self.0;
        let audit = CallAudit::new(&x.audit, &x.registry, principal, call);
        let telemetry = x.telemetry.start(&x.registry, call, &audit);
        let span = telemetry.span();
        let state = CallState::new(principal, call, how);
        state.expect_layers(x.layers.len());
        let mut unfinished = Unfinished {
            audit: &audit,
            telemetry: &telemetry,
            state: &state,
            finished: false,
        };
        let outcome = {
            let pipeline = self.pipeline(&state, &audit);
            // Entering a span on every poll costs even when nobody listens: instrument only then.
            let caught = if span.is_disabled() {
                AssertUnwindSafe(pipeline).catch_unwind().await
            } else {
                AssertUnwindSafe(pipeline.instrument(span.clone()))
                    .catch_unwind()
                    .await
            };
            caught.unwrap_or_else(|payload| Err(execute::panicked(&*payload)))
        };
        unfinished.finished = true;
        let outcome = outcome.map_err(|e| x.limits.cap_error(e));
        let took = state.started.elapsed();
        telemetry.finish(&outcome, took);
        audit.emit(
            Moment::last(state.retries(), took),
            &state.decisions(),
            &outcome,
        );
        ToolResult {
            call_id: call.id.clone(),
            name: call.name.clone(),
            outcome,
        }
    }

    /// The admission checks, then the chain of user layers and the steps that may wait.
    async fn pipeline(
        &self,
        state: &CallState<'_>,
        audit: &CallAudit<'_>,
    ) -> Result<Value, ToolError> {
        let x = &*self.0;
        let entry = permission::admit(&x.registry, &x.rate_limits, &x.switches, state).await?;
        audit.found(entry);
        x.switches.admit(entry)?;
        x.limits.admit(state, &state.call.arguments)?;
        let critical = x.confirmation.required(entry, false);
        x.rate_limits
            .admit(state, Some(entry.name()), critical)
            .await?;
        let permit = x.breakers.admit(state, entry)?;
        let flow = Flow {
            x,
            state,
            audit,
            entry,
        };
        let request = Request::new(state, entry);
        let result = if x.layers.is_empty() {
            flow.straight(request).await
        } else {
            flow.step(Stage::Validate, request).await
        };
        Breakers::settle(permit, state.principal, &result);
        result
    }
}

/// The steps after the admission checks, for one call: what a [`Next`] continues with.
struct Flow<'a> {
    x: &'a Inner,
    state: &'a CallState<'a>,
    audit: &'a CallAudit<'a>,
    entry: &'a ToolEntry,
}

impl Continue for Flow<'_> {
    fn run<'a>(
        &'a self,
        stage: Stage,
        request: Request<'a>,
    ) -> BoxFuture<'a, Result<Value, ToolError>> {
        match stage {
            Stage::Validate => Box::pin(self.validate(request)),
            Stage::Confirm => Box::pin(self.confirm(request)),
            Stage::Execute => Box::pin(self.execute(request)),
        }
    }
}

impl<'a> Flow<'a> {
    /// The layers before `stage`, if there are any.
    fn next(&'a self, stage: Stage) -> Option<Next<'a>> {
        let layers = self.x.layers.before(stage);
        (!layers.is_empty()).then(|| Next::new(layers, self.state, self, stage))
    }

    /// Caps and validation for the arguments as they are now, unless already done for them.
    fn validated(&self, request: &mut Request<'_>) -> Result<(), ToolError> {
        if request.prepared.is_none() {
            let args = request.call_arguments();
            // The arguments as sent were capped before the first layer; rewritten ones are now.
            if !std::ptr::eq(args, &self.state.call.arguments) {
                self.x.limits.admit(self.state, args)?;
            }
            request.prepared = Some(validation::admit(
                &self.x.registry,
                self.state,
                self.entry,
                args,
            )?);
        }
        Ok(())
    }

    /// An executor without user layers: the steps one after another, no boxed future.
    async fn straight(&'a self, mut request: Request<'a>) -> Result<Value, ToolError> {
        self.validated(&mut request)?;
        self.confirmed(&mut request).await?;
        self.output_capped(self.execute(request).await)
    }

    /// With user layers, `stage`: entered through the layers before it, or (none there) as a
    /// boxed future. Each stage reaches the next through here, never inline, so the future
    /// a layer's `next.run` boxes holds one stage, not every stage after it (kilobytes).
    async fn step(&'a self, stage: Stage, request: Request<'a>) -> Result<Value, ToolError> {
        match self.next(stage) {
            Some(next) => next.enter(request).await,
            None => self.run(stage, request).await,
        }
    }

    async fn validate(&'a self, mut request: Request<'a>) -> Result<Value, ToolError> {
        self.validated(&mut request)?;
        self.step(Stage::Confirm, request).await
    }

    async fn confirm(&'a self, mut request: Request<'a>) -> Result<Value, ToolError> {
        self.validated(&mut request)?;
        self.confirmed(&mut request).await?;
        self.output_capped(self.step(Stage::Execute, request).await)
    }

    /// The output cap: a result larger than it becomes `output_too_large`.
    fn output_capped(&self, result: Result<Value, ToolError>) -> Result<Value, ToolError> {
        result.and_then(|v| self.x.limits.check_output(&v).map(|()| v))
    }

    /// Confirmation when the call needs it, then a bulkhead slot for the body.
    async fn confirmed(&'a self, request: &mut Request<'a>) -> Result<(), ToolError> {
        let x = self.x;
        let required = x.confirmation.required(self.entry, request.confirm);
        x.confirmation
            .admit(
                self.state,
                self.entry,
                request.call_arguments(),
                required,
                self.audit,
            )
            .await?;
        request.confirmed = required;
        request.lease = Some(x.bulkheads.admit(self.state, self.entry)?);
        Ok(())
    }

    async fn execute(&'a self, mut request: Request<'a>) -> Result<Value, ToolError> {
        let x = self.x;
        if request.prepared.is_none() && request.confirmed {
            return Err(ToolError::new(
                ErrorKind::Denied,
                "the arguments changed after a human approved the call",
            )
            .with_suggestion("ask the user to confirm the call again"));
        }
        self.validated(&mut request)?;
        // Taken out of service while this call waited (for a human, for a slot): not run.
        x.switches.admit(self.entry)?;
        let (Some(first), Some(lease)) = (request.prepared.take(), request.lease.take()) else {
            return Err(ToolError::new(
                ErrorKind::Unavailable,
                "the call reached execution without a validated body",
            ));
        };
        let args = request.call_arguments();
        let breaker = x.breakers.of(self.entry);
        let (result, retries) = execute::run_attempts(
            Attempt {
                body: first.body,
                cancel: self.state.token(first.cancel),
                lease,
            },
            &x.execution.plan(&x.registry, self.entry),
            |attempt| {
                x.switches.admit(self.entry)?;
                let p = validation::prepare(&x.registry, self.state, self.entry, args, attempt)?;
                Ok(Attempt {
                    body: p.body,
                    cancel: self.state.token(p.cancel),
                    lease: x.bulkheads.acquire(self.entry)?,
                })
            },
            |attempt, started, result, again| {
                if again {
                    let at = Moment::attempt(attempt, started.elapsed());
                    self.audit.emit(at, &self.state.decisions(), result);
                }
            },
            || breaker.is_some_and(|b| b.state() == BreakerState::Open),
        )
        .await;
        self.state.set_retries(retries);
        result
    }
}

/// A call whose future may be dropped before it ends: then the tool's token fires (the body's
/// task is aborted with the dropped future) and the final audit record says `cancelled`.
struct Unfinished<'a> {
    audit: &'a CallAudit<'a>,
    telemetry: &'a CallTelemetry<'a>,
    state: &'a CallState<'a>,
    finished: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.state.cancel.cancel();
        let cancelled = Err(ToolError::new(
            ErrorKind::Cancelled,
            "the call was cancelled before it finished",
        ));
        let took = self.state.started.elapsed();
        self.telemetry.finish(&cancelled, took);
        self.audit.emit(
            Moment::last(self.state.retries(), took),
            &self.state.decisions(),
            &cancelled,
        );
    }
}

//! The executor: one call through the ordered list of policies.
//!
//! ```text
//! lookup + permission  hidden tools answer exactly like unknown ones
//! argument caps        size and nesting depth, before any parsing
//! rate limit           per principal, per (principal, tool), per tool; tenants apart
//! circuit breaker      per tool; open after repeated failures from more than one caller
//! validate             parse + declared constraints; every error with its JSON pointer
//! confirm              destructive: a human decision before the body runs; deny by default
//! bulkhead             per tool: at most N bodies running, a hung one holds its slot
//! execute              own task, timeout, panic capture, retries with backoff, output cap
//! audit                a record per attempt and one final record, secrets redacted
//! ```
//!
//! Dropping the future of a call (the caller went away, an MCP client cancelled) cancels the
//! tool's token at once, abandons a pending confirmation and aborts the body's task after a
//! short grace: nothing runs after that, and the final audit record says `cancelled`.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::call::{CallArguments, ToolCall, ToolResult};
use crate::policy::audit::{self, AuditRecord, AuditSink, Decisions};
use crate::policy::bulkhead::Bulkhead;
use crate::policy::circuit_breaker::{BreakerConfig, BreakerState, CircuitBreaker};
use crate::policy::confirm::{
    self, ConfirmationRequest, Confirmer, Decision, TicketError, TicketStore,
};
use crate::policy::execute::{self, Attempt, Plan};
use crate::policy::limits::Limits;
use crate::policy::permission;
use crate::policy::rate_limit::{Rate, RateDecision, RateLimits};
use crate::registry::ToolEntry;
use crate::tool::RawArgs;
use crate::{ErrorKind, FieldError, Principal, Registry, ToolError};

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

struct Inner {
    registry: Registry,
    rate_limits: RateLimits,
    breakers: Vec<CircuitBreaker>,
    bulkheads: Vec<Bulkhead>,
    confirmer: Option<Arc<dyn Confirmer>>,
    tickets: Option<TicketStore>,
    confirm_also: HashSet<String>,
    confirm_timeout: Duration,
    sinks: Vec<Arc<dyn AuditSink>>,
    secret_keys: Vec<String>,
    limits: Limits,
    backoff_base: Duration,
    backoff_cap: Duration,
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
pub struct ExecutorBuilder {
    registry: Registry,
    rate_limits: crate::policy::rate_limit::RateLimitsBuilder,
    breaker: BreakerConfig,
    max_concurrent: usize,
    max_concurrent_of: std::collections::HashMap<String, usize>,
    confirmer: Option<Arc<dyn Confirmer>>,
    tickets: Option<Duration>,
    ticket_quota: confirm::TicketQuota,
    confirm_also: HashSet<String>,
    confirm_timeout: Duration,
    sinks: Vec<Arc<dyn AuditSink>>,
    secret_keys: Vec<String>,
    limits: Limits,
    backoff_base: Duration,
    backoff_cap: Duration,
}

impl ExecutorBuilder {
    /// Rate limit per principal, across all tools.
    #[must_use]
    pub fn rate_limit_per_principal(mut self, rate: Rate) -> Self {
        self.rate_limits = self.rate_limits.per_principal(rate);
        self
    }

    /// Rate limit per tool, across all principals.
    #[must_use]
    pub fn rate_limit_per_tool(mut self, rate: Rate) -> Self {
        self.rate_limits = self.rate_limits.per_tool(rate);
        self
    }

    /// Rate limit per (principal, tool) for tools that declare no `rate_limit`.
    #[must_use]
    pub fn default_tool_rate_limit(mut self, rate: Rate) -> Self {
        self.rate_limits = self.rate_limits.per_principal_tool(rate);
        self
    }

    /// The most rate-limit keys kept at once (default 100 000); bounds memory under a flood
    /// of fresh principals.
    #[must_use]
    pub fn max_rate_limit_keys(mut self, max: usize) -> Self {
        self.rate_limits = self.rate_limits.max_keys(max);
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
        self.max_concurrent = max;
        self
    }

    /// Like [`ExecutorBuilder::max_concurrent_calls`], for one tool.
    #[must_use]
    pub fn max_concurrent_calls_of(mut self, tool: impl Into<String>, max: usize) -> Self {
        self.max_concurrent_of.insert(tool.into(), max);
        self
    }

    /// Asks `confirmer` before every call that needs confirmation.
    #[must_use]
    pub fn confirmer(mut self, confirmer: impl Confirmer + 'static) -> Self {
        self.confirmer = Some(Arc::new(confirmer));
        self
    }

    /// Without a confirmer, answers calls that need confirmation with a pending ticket
    /// (`confirmation_required`) that [`Executor::resume`] runs once a human decides. Tickets
    /// expire after `ttl`.
    #[must_use]
    pub fn confirmation_tickets(mut self, ttl: Duration) -> Self {
        self.tickets = Some(ttl);
        self
    }

    /// Bounds pending confirmation tickets: at most `total` at once (default 10 000), at most
    /// `per_principal` for any one principal (default 100), so one caller cannot lock everyone
    /// out. Each ticket keeps one canonical copy of its arguments (at most the argument cap),
    /// and all of them together at most 64 MiB.
    #[must_use]
    pub fn max_pending_confirmations(mut self, total: usize, per_principal: usize) -> Self {
        // Only bounds tickets: they stay off unless `confirmation_tickets` turns them on.
        self.ticket_quota = confirm::TicketQuota {
            total,
            per_principal,
            ..confirm::TicketQuota::default()
        };
        self
    }

    /// Requires confirmation for `tool` too, although it is not declared `destructive`.
    #[must_use]
    pub fn require_confirmation(mut self, tool: impl Into<String>) -> Self {
        self.confirm_also.insert(tool.into());
        self
    }

    /// How long a confirmer may take before the call is denied (default 120 s).
    #[must_use]
    pub fn confirmation_timeout(mut self, timeout: Duration) -> Self {
        self.confirm_timeout = timeout;
        self
    }

    /// Sends audit records to `sink` (any number of sinks).
    #[must_use]
    pub fn audit(mut self, sink: impl AuditSink + 'static) -> Self {
        self.sinks.push(Arc::new(sink));
        self
    }

    /// Also redacts argument keys containing `key` (any depth, ignoring case, `-` and `_`).
    #[must_use]
    pub fn redact_key(mut self, key: &str) -> Self {
        self.secret_keys.extend(audit::normalize_keys([key]));
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
        self.backoff_base = base;
        self.backoff_cap = cap;
        self
    }

    /// The executor.
    pub fn build(self) -> Executor {
        let mut rate_limits = self.rate_limits.build();
        for entry in &self.registry {
            rate_limits.register_tool(entry.name(), entry.policy().rate_limit);
        }
        let breakers = self
            .registry
            .iter()
            .map(|_| CircuitBreaker::new(self.breaker.clone()))
            .collect();
        let bulkheads = self
            .registry
            .iter()
            .map(|e| {
                Bulkhead::new(
                    self.max_concurrent_of
                        .get(e.name())
                        .copied()
                        .unwrap_or(self.max_concurrent),
                )
            })
            .collect();
        Executor(Arc::new(Inner {
            registry: self.registry,
            rate_limits,
            breakers,
            bulkheads,
            confirmer: self.confirmer,
            tickets: self
                .tickets
                .map(|ttl| TicketStore::new(ttl, self.ticket_quota)),
            confirm_also: self.confirm_also,
            confirm_timeout: self.confirm_timeout,
            sinks: self.sinks,
            secret_keys: self.secret_keys,
            limits: self.limits,
            backoff_base: self.backoff_base,
            backoff_cap: self.backoff_cap,
        }))
    }
}

/// How a call reached the pipeline.
#[derive(Clone, Copy)]
enum Entry<'a> {
    /// Straight from the model; `confirmer` overrides the executor's for this call.
    Fresh(Option<&'a dyn Confirmer>),
    /// Resumed from a ticket with a human's decision.
    Resumed(&'a Decision),
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
            rate_limits: RateLimits::builder(),
            breaker: BreakerConfig::default(),
            max_concurrent: Bulkhead::DEFAULT_MAX_CONCURRENT,
            max_concurrent_of: std::collections::HashMap::new(),
            confirmer: None,
            tickets: None,
            ticket_quota: confirm::TicketQuota::default(),
            confirm_also: HashSet::new(),
            confirm_timeout: Duration::from_secs(120),
            sinks: Vec::new(),
            secret_keys: audit::normalize_keys(audit::DEFAULT_SECRET_KEYS.iter().copied()),
            limits: Limits::default(),
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(2),
        }
    }

    /// The registry this executor serves.
    pub fn registry(&self) -> &Registry {
        &self.0.registry
    }

    /// The circuit breaker state of `tool`, if registered.
    pub fn breaker_state(&self, tool: &str) -> Option<BreakerState> {
        let entry = self.0.registry.get(tool)?;
        self.0
            .breakers
            .get(entry.index())
            .map(CircuitBreaker::state)
    }

    /// How many bodies of `tool` are running now (bounded by its bulkhead), if registered. A
    /// body that timed out but has not stopped yet still counts.
    pub fn running_calls(&self, tool: &str) -> Option<usize> {
        let entry = self.0.registry.get(tool)?;
        self.0.bulkheads.get(entry.index()).map(Bulkhead::in_flight)
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

    /// How many calls wait for a human's decision (confirmation tickets).
    pub fn pending_confirmations(&self) -> usize {
        self.0.tickets.as_ref().map_or(0, TicketStore::len)
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

    /// Runs the call held by `ticket` with a human's `decision`. The ticket is used once,
    /// only by the principal it was issued to, and only before it expires.
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
        let canonical = canonical_args(&call.arguments);
        self.resume_checked(principal, ticket, Some((call, canonical)), decision)
            .await
    }

    async fn resume_checked(
        &self,
        principal: &Principal,
        ticket: &str,
        call: Option<(&ToolCall, String)>,
        decision: Decision,
    ) -> ToolResult {
        let denied = |call_id: String, name: String, message: &str| ToolResult {
            call_id,
            name,
            outcome: Err(ToolError::new(ErrorKind::Denied, message)
                .with_suggestion("ask the user to confirm the call again")),
        };
        let Some(store) = &self.0.tickets else {
            return denied(
                String::new(),
                String::new(),
                "confirmation tickets are not enabled",
            );
        };
        let (call_id, name) = call.as_ref().map_or_else(
            || (String::new(), String::new()),
            |(c, _)| (c.id.clone(), c.name.clone()),
        );
        let expected = call
            .as_ref()
            .map(|(c, canonical)| (c.name.as_str(), canonical.as_str()));
        let ticket = match store.take(ticket, principal, expected) {
            Ok(t) => t,
            Err(e) => {
                let why = match e {
                    TicketError::Unknown => {
                        "this confirmation ticket is unknown or was already used"
                    }
                    TicketError::Expired => "this confirmation ticket expired",
                    TicketError::WrongPrincipal => {
                        "this confirmation ticket belongs to someone else"
                    }
                    TicketError::ChangedCall => {
                        "the tool or arguments differ from the ones the human was asked to confirm"
                    }
                    TicketError::Full | TicketError::PrincipalFull => {
                        "too many calls wait for confirmation"
                    }
                };
                return denied(call_id, name, why);
            }
        };
        let call = ToolCall {
            id: ticket.call_id,
            name: ticket.tool,
            arguments: CallArguments::Text(ticket.canonical_args),
            provider_data: None,
        };
        self.run(principal, &call, Entry::Resumed(&decision)).await
    }

    async fn run(&self, principal: &Principal, call: &ToolCall, how: Entry<'_>) -> ToolResult {
        // Names and ids are the model's text: escaped and capped before they reach text logs.
        let span = tracing::info_span!(
            "execute_tool",
            "otel.name" = %format_args!("execute_tool {}", Printable(&call.name)),
            "gen_ai.operation.name" = "execute_tool",
            "gen_ai.tool.name" = %Printable(&call.name),
            "gen_ai.tool.call.id" = %Printable(&call.id),
            "error.type" = tracing::field::Empty,
        );
        let audit = Audit::new(&self.0, principal, call);
        let mut unfinished = Unfinished {
            audit: &audit,
            cancel: CancellationToken::new(),
            started: Instant::now(),
            decisions: Decisions::default(),
            retries: 0,
            finished: false,
        };
        let outcome = {
            let pipeline = self.pipeline(
                principal,
                call,
                how,
                &audit,
                &unfinished.cancel,
                &mut unfinished.decisions,
                &mut unfinished.retries,
            );
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
        let outcome = outcome.map_err(|e| self.0.limits.cap_error(e));
        if let Err(e) = &outcome {
            span.record("error.type", e.kind().as_str());
        }
        audit.emit(
            0,
            true,
            unfinished.retries,
            unfinished.started.elapsed(),
            &unfinished.decisions,
            &outcome,
        );
        ToolResult {
            call_id: call.id.clone(),
            name: call.name.clone(),
            outcome,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn pipeline(
        &self,
        principal: &Principal,
        call: &ToolCall,
        how: Entry<'_>,
        audit: &Audit<'_>,
        call_cancel: &CancellationToken,
        d: &mut Decisions,
        retries: &mut u32,
    ) -> Result<Value, ToolError> {
        let x = &*self.0;

        // lookup + permission: a hidden tool is indistinguishable from a missing one. Calls to
        // unknown names still count against the caller's own rate limit.
        let entry = match permission::find(&x.registry, principal, &call.name) {
            Ok(entry) => entry,
            Err(unknown) => {
                d.permission = Some("unknown_tool");
                if matches!(how, Entry::Fresh(_)) {
                    check_rate(x.rate_limits.check_principal(principal), d)?;
                }
                return Err(unknown);
            }
        };
        d.permission = Some("allowed");

        // argument caps, before any parsing.
        x.limits.check_arguments(&call.arguments).inspect_err(|_| {
            d.validation = Some("invalid");
        })?;

        // rate limit: a resumed call was counted when it was first made.
        if matches!(how, Entry::Fresh(_)) {
            check_rate(x.rate_limits.check(principal, entry.name()), d)?;
        }

        // circuit breaker.
        let breaker = &x.breakers[entry.index()];
        let permit = match breaker.try_acquire() {
            Ok(p) => p,
            Err(open) => {
                d.circuit_breaker = Some("open");
                return Err(ToolError::new(
                    ErrorKind::CircuitOpen,
                    "this tool is failing repeatedly and is paused",
                )
                .with_suggestion("try again later or use another tool")
                .with_detail("retry_after_ms", audit::millis(open.retry_after)));
            }
        };
        d.circuit_breaker = Some(if permit.is_probe() {
            "half_open"
        } else {
            "closed"
        });

        // validate.
        let args = raw_args(&call.arguments)?;
        let call_id: Arc<str> = Arc::from(call.id.as_str());
        let prepare = |attempt: u32| {
            let ctx = x
                .registry
                .context(call_id.clone(), entry, principal, attempt, call_cancel);
            let cancel = ctx.cancellation().clone();
            x.registry
                .prepare(entry, args, ctx)
                .map(|body| (body, cancel))
        };
        let (body, cancel) = prepare(0).inspect_err(|_| d.validation = Some("invalid"))?;
        d.validation = Some("valid");

        // confirm.
        if entry.policy().destructive || x.confirm_also.contains(entry.name()) {
            self.confirm(principal, call, entry, how, audit, d).await?;
        } else {
            d.confirmation = Some("not_required");
        }

        // bulkhead: a slot per running body, taken only once the call may run.
        let bulkhead = &x.bulkheads[entry.index()];
        let lease = bulkhead
            .try_acquire()
            .inspect_err(|_| d.bulkhead = Some("full"))?;
        d.bulkhead = Some("admitted");
        let first = Attempt {
            body,
            cancel,
            lease,
        };

        // execute.
        let policy = entry.policy();
        let timeout = x.registry.timeout_of(entry);
        let plan = Plan {
            timeout,
            retries: policy.retries,
            retry_safe: policy.idempotent || policy.read_only,
            deadline: Instant::now() + timeout.saturating_mul(policy.retries.saturating_add(1)),
            backoff_base: x.backoff_base,
            backoff_cap: x.backoff_cap,
        };
        let decisions = d.clone();
        let (result, used) = execute::run_attempts(
            first,
            &plan,
            |attempt| {
                let (body, cancel) = prepare(attempt)?;
                Ok(Attempt {
                    body,
                    cancel,
                    lease: bulkhead.try_acquire()?,
                })
            },
            |attempt, took, result, again| {
                if again {
                    audit.emit(attempt, false, attempt, took, &decisions, result);
                }
            },
            || breaker.state() == BreakerState::Open,
        )
        .await;
        *retries = used;
        let result = result.and_then(|v| x.limits.check_output(&v).map(|()| v));
        match &result {
            Ok(_) => permit.success(),
            Err(e) if e.kind().is_infrastructure() => permit.failure(principal, e.kind()),
            Err(_) => permit.ignore(),
        }
        result
    }

    async fn confirm(
        &self,
        principal: &Principal,
        call: &ToolCall,
        entry: &ToolEntry,
        how: Entry<'_>,
        audit: &Audit<'_>,
        d: &mut Decisions,
    ) -> Result<(), ToolError> {
        let x = &*self.0;
        let decision = match how {
            Entry::Resumed(decision) => decision.clone(),
            Entry::Fresh(confirmer) => match confirmer.or(x.confirmer.as_deref()) {
                Some(confirmer) => {
                    let request = ConfirmationRequest {
                        call_id: call.id.clone(),
                        tool: entry.name(),
                        description: entry.description(),
                        principal: principal.clone(),
                        arguments: Value::clone(audit.arguments()),
                    };
                    let asked = AssertUnwindSafe(confirmer.confirm(&request)).catch_unwind();
                    match tokio::time::timeout(x.confirm_timeout, asked).await {
                        Ok(Ok(decision)) => decision,
                        Ok(Err(_panic)) => Decision::deny("the confirmation prompt failed"),
                        Err(_) => Decision::deny("nobody answered the confirmation prompt in time"),
                    }
                }
                None => match &x.tickets {
                    Some(store) => {
                        d.confirmation = Some("pending");
                        let canonical = canonical_args(&call.arguments);
                        return Err(match store.issue(principal, call, canonical) {
                            Ok(ticket) => ToolError::new(
                                ErrorKind::ConfirmationRequired,
                                "a human must approve this call before it runs",
                            )
                            .with_suggestion(
                                "tell the user this action waits for their approval; do not call it again",
                            )
                            .with_detail("ticket", ticket)
                            .with_detail("expires_in_ms", audit::millis(store.ttl())),
                            Err(TicketError::PrincipalFull) => ToolError::new(
                                ErrorKind::Denied,
                                "you already have too many calls waiting for confirmation",
                            )
                            .with_suggestion(
                                "ask the user to decide on the pending calls first",
                            ),
                            Err(_) => ToolError::new(
                                ErrorKind::Denied,
                                "too many calls are waiting for confirmation",
                            ),
                        });
                    }
                    None => Decision::deny(
                        "this action needs a human's approval and no one is available to give it",
                    ),
                },
            },
        };
        match decision {
            Decision::Approve => {
                d.confirmation = Some("approved");
                // Fail closed: an approved destructive call runs only if its audit trail can
                // be written.
                if !audit.emit_intent(d) {
                    return Err(ToolError::new(
                        ErrorKind::Denied,
                        "the audit log is unavailable, so this action is refused",
                    )
                    .with_suggestion("try again later"));
                }
                Ok(())
            }
            Decision::Deny { reason } => {
                d.confirmation = Some("denied");
                Err(ToolError::new(
                    ErrorKind::Denied,
                    format!("the call was not approved: {reason}"),
                )
                .with_suggestion("do not retry; ask the user what they want instead"))
            }
        }
    }
}

/// Records a rate-limit decision; a refusal ends the call.
fn check_rate(decision: RateDecision, d: &mut Decisions) -> Result<(), ToolError> {
    match decision {
        RateDecision::Allowed => {
            d.rate_limit = Some("allowed");
            Ok(())
        }
        RateDecision::Limited { retry_after } => {
            d.rate_limit = Some("limited");
            Err(rate_limited(
                retry_after,
                "this tool's rate limit is reached",
            ))
        }
        RateDecision::Saturated { retry_after } => {
            d.rate_limit = Some("saturated");
            Err(rate_limited(
                retry_after,
                "the service is handling too many callers",
            ))
        }
    }
}

/// A call whose future may be dropped before it ends: then the tool's token fires (the body's
/// task is aborted with the dropped future) and the final audit record says `cancelled`.
struct Unfinished<'a> {
    audit: &'a Audit<'a>,
    cancel: CancellationToken,
    started: Instant,
    decisions: Decisions,
    retries: u32,
    finished: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.cancel.cancel();
        let cancelled = Err(ToolError::new(
            ErrorKind::Cancelled,
            "the call was cancelled before it finished",
        ));
        self.audit.emit(
            0,
            true,
            self.retries,
            self.started.elapsed(),
            &self.decisions,
            &cancelled,
        );
    }
}

/// The model's text for a text log: control characters escaped, at most 128 characters.
struct Printable<'a>(&'a str);

impl std::fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        for (i, c) in self.0.chars().enumerate() {
            if i == 128 {
                return f.write_char('…');
            }
            if c.is_control() || c == '\\' {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
fn capped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn rate_limited(retry_after: Duration, message: &str) -> ToolError {
    let ms = audit::millis(retry_after).max(1);
    ToolError::new(ErrorKind::RateLimited, message)
        .with_suggestion(format!("wait {ms} ms before calling this tool again"))
        .with_detail("retry_after_ms", ms)
}

/// The arguments as the tool's `prepare` reads them. Anything but a JSON object is refused here,
/// whatever the tool: a hand-written `Tool` gets the same guarantee as a generated one.
fn raw_args(args: &CallArguments) -> Result<RawArgs<'_>, ToolError> {
    let not_an_object = |kind: &str| {
        ToolError::invalid_arguments(vec![FieldError::new(
            "",
            format!("the arguments must be a JSON object, got {kind}"),
        )])
    };
    match args {
        CallArguments::Text(text) => match crate::validate::root_of(text) {
            crate::validate::Root::Other(kind) => Err(not_an_object(kind)),
            _ => Ok(RawArgs::Text(text)),
        },
        CallArguments::Json(value) if !value.is_object() => {
            Err(not_an_object(crate::validate::json_type_name(value)))
        }
        CallArguments::Json(value) => Ok(RawArgs::Json(value)),
        CallArguments::Invalid { error, .. } => {
            Err(ToolError::invalid_arguments(vec![FieldError::new(
                "",
                format!("the arguments are not a JSON object: {error}"),
            )]))
        }
    }
}

fn canonical_args(args: &CallArguments) -> String {
    match args {
        CallArguments::Json(v) => confirm::canonical(v),
        CallArguments::Text(t) if t.trim().is_empty() => "{}".into(),
        CallArguments::Text(t) => serde_json::from_str::<Value>(t)
            .map_or_else(|_| format!("invalid:{t}"), |v| confirm::canonical(&v)),
        CallArguments::Invalid { raw, .. } => format!("invalid:{raw}"),
    }
}

/// The audit side of one call: redacts the arguments once, on first use.
struct Audit<'a> {
    x: &'a Inner,
    principal: &'a Principal,
    call: &'a ToolCall,
    arguments: OnceLock<Arc<Value>>,
}

impl<'a> Audit<'a> {
    fn new(x: &'a Inner, principal: &'a Principal, call: &'a ToolCall) -> Self {
        Self {
            x,
            principal,
            call,
            arguments: OnceLock::new(),
        }
    }

    fn arguments(&self) -> &Arc<Value> {
        self.arguments.get_or_init(|| {
            // Secret parameters are redacted even when the tool is hidden from this caller.
            let params = self
                .x
                .registry
                .get(&self.call.name)
                .map_or(&[][..], ToolEntry::params);
            Arc::new(audit::redact(
                &audit::arguments_value(&self.call.arguments),
                params,
                &self.x.secret_keys,
            ))
        })
    }

    fn record(
        &self,
        attempt: u32,
        final_record: bool,
        retries: u32,
        took: Duration,
        decisions: &Decisions,
    ) -> AuditRecord {
        // The model chooses the id and the name: a record keeps a bounded copy.
        AuditRecord {
            timestamp_ms: audit::now_ms(),
            call_id: capped(&self.call.id, 256),
            principal: self.principal.id().to_owned(),
            tenant: self.principal.tenant().map(str::to_owned),
            tool: capped(&self.call.name, 128),
            arguments: self.arguments().clone(),
            decisions: decisions.clone(),
            attempt,
            final_record,
            retries,
            duration_ms: audit::millis(took),
            outcome: String::from("ok"),
            error: None,
        }
    }

    /// Sends a record to every sink; `false` when any sink failed.
    fn send(&self, record: &AuditRecord) -> bool {
        let mut ok = true;
        for sink in &self.x.sinks {
            if let Err(e) = sink.record(record) {
                tracing::error!(target: "toolwright::audit", error = %e, "audit sink failed");
                ok = false;
            }
        }
        ok
    }

    fn emit(
        &self,
        attempt: u32,
        final_record: bool,
        retries: u32,
        took: Duration,
        decisions: &Decisions,
        result: &Result<Value, ToolError>,
    ) {
        if self.x.sinks.is_empty() {
            return;
        }
        let mut rec = self.record(attempt, final_record, retries, took, decisions);
        if let Err(e) = result {
            e.kind().as_str().clone_into(&mut rec.outcome);
            rec.error = Some(e.message().to_owned());
        }
        self.send(&rec);
    }

    /// Records that an approved call is about to run. `false` when it could not be recorded.
    fn emit_intent(&self, decisions: &Decisions) -> bool {
        if self.x.sinks.is_empty() {
            return true;
        }
        let mut rec = self.record(0, false, 0, Duration::ZERO, decisions);
        "approved".clone_into(&mut rec.outcome);
        self.send(&rec)
    }
}

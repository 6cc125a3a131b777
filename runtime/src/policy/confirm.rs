//! Human confirmation before destructive calls. Deny by default: with no confirmer configured,
//! a call that needs confirmation is refused and its body never runs.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::Value;

use crate::call::CallArguments;
use crate::policy::audit::{self, CallAudit};
use crate::policy::{CallState, Entry, decision};
use crate::registry::ToolEntry;
use crate::store::{Backend, Store, StoreError};
use crate::tool::BoxFuture;
use crate::{ErrorKind, Principal, ToolCall, ToolError};

decision! {
    /// How confirmation decided.
    pub enum ConfirmationDecision in confirmation {
        /// The call needs no human.
        NotRequired => "not_required",
        /// A human approved it.
        Approved => "approved",
        /// A human (or the lack of one) denied it.
        Denied => "denied",
        /// It waits for a human as a ticket.
        Pending => "pending",
        /// The shared store could not file its ticket, so it was refused.
        Unavailable => "store_unavailable",
    }
}

/// The confirmation policy's settings, as the executor's builder collects them.
pub(crate) struct ConfirmationConfig {
    pub(crate) confirmer: Option<Arc<dyn Confirmer>>,
    pub(crate) tickets: Option<Duration>,
    pub(crate) quota: TicketQuota,
    pub(crate) also: HashSet<String>,
    pub(crate) timeout: Duration,
}

impl Default for ConfirmationConfig {
    fn default() -> Self {
        Self {
            confirmer: None,
            tickets: None,
            quota: TicketQuota::default(),
            also: HashSet::new(),
            timeout: Duration::from_secs(120),
        }
    }
}

impl ConfirmationConfig {
    pub(crate) fn build(self, store: Store) -> Confirmation {
        Confirmation {
            tickets: self
                .tickets
                .map(|ttl| TicketStore::new(ttl, self.quota).with_store(store)),
            confirmer: self.confirmer,
            also: self.also,
            timeout: self.timeout,
        }
    }
}

/// The policy: who confirms, the pending tickets, which tools need it besides destructive ones.
pub(crate) struct Confirmation {
    confirmer: Option<Arc<dyn Confirmer>>,
    pub(crate) tickets: Option<TicketStore>,
    also: HashSet<String>,
    timeout: Duration,
}

impl Confirmation {
    /// Whether `entry` needs a human's yes (`asked`: a user layer asked for one).
    pub(crate) fn required(&self, entry: &ToolEntry, asked: bool) -> bool {
        asked || entry.policy().destructive || self.also.contains(entry.name())
    }

    /// The policy's step. `args` are the arguments that will run (a user layer may have
    /// rewritten them); the human sees them with secrets redacted. An approved call runs only
    /// if its audit trail can be written.
    pub(crate) async fn admit(
        &self,
        state: &CallState<'_>,
        entry: &ToolEntry,
        args: &CallArguments,
        required: bool,
        audit: &CallAudit<'_>,
    ) -> Result<(), ToolError> {
        if !required {
            state.decide(ConfirmationDecision::NotRequired);
            return Ok(());
        }
        let decision = match self.decision(state, entry, args, audit).await {
            Ok(decision) => decision,
            Err(pending) => {
                let recorded = if pending.kind() == ErrorKind::Unavailable {
                    ConfirmationDecision::Unavailable
                } else {
                    ConfirmationDecision::Pending
                };
                state.decide(recorded);
                return Err(pending);
            }
        };
        match decision {
            Decision::Approve => {
                state.decide(ConfirmationDecision::Approved);
                if !audit.emit_intent(&state.decisions()) {
                    return Err(ToolError::new(
                        ErrorKind::Denied,
                        "the audit log is unavailable, so this action is refused",
                    )
                    .with_suggestion("try again later"));
                }
                Ok(())
            }
            Decision::Deny { reason } => {
                state.decide(ConfirmationDecision::Denied);
                Err(ToolError::new(
                    ErrorKind::Denied,
                    format!("the call was not approved: {reason}"),
                )
                .with_suggestion("do not retry; ask the user what they want instead"))
            }
        }
    }

    /// A human's decision: the resumed one, the confirmer's (a panic or no answer in time is a
    /// denial), or, with tickets on and no confirmer, an error carrying a pending ticket.
    async fn decision(
        &self,
        state: &CallState<'_>,
        entry: &ToolEntry,
        args: &CallArguments,
        audit: &CallAudit<'_>,
    ) -> Result<Decision, ToolError> {
        let (confirmer, asking) = match state.entry {
            Entry::Resumed(decision) => return Ok(decision.clone()),
            Entry::Fresh(confirmer) => (confirmer.or(self.confirmer.as_deref()), false),
            Entry::Asking(recorder) => (Some(recorder), true),
        };
        if let Some(confirmer) = confirmer {
            let arguments = if std::ptr::eq(args, &state.call.arguments) {
                audit.arguments().to_value()
            } else {
                audit.redacted(args)
            };
            let request = ConfirmationRequest {
                call_id: state.call.id.clone(),
                tool: entry.name(),
                description: entry.description(),
                principal: state.principal.clone(),
                arguments,
            };
            let asked = AssertUnwindSafe(confirmer.confirm(&request)).catch_unwind();
            let decision = match tokio::time::timeout(self.timeout, asked).await {
                Ok(Ok(decision)) => decision,
                Ok(Err(_panic)) => Decision::deny("the confirmation prompt failed"),
                Err(_) => Decision::deny("nobody answered the confirmation prompt in time"),
            };
            if asking {
                // The human answers through the client, in a later request: this one waits.
                return Err(ToolError::new(
                    ErrorKind::ConfirmationRequired,
                    "a human must approve this call before it runs",
                ));
            }
            return Ok(decision);
        }
        let Some(store) = &self.tickets else {
            return Ok(Decision::deny(
                "this action needs a human's approval and no one is available to give it",
            ));
        };
        let canonical = canonical_args(&state.call.arguments);
        Err(
            match store.issue(state.principal, state.call, canonical).await {
                Ok(ticket) => ToolError::new(
                    ErrorKind::ConfirmationRequired,
                    "a human must approve this call before it runs",
                )
                .with_suggestion(
                    "tell the user this action waits for their approval; do not call it again",
                )
                .with_detail("ticket", ticket)
                .with_detail("expires_in_ms", audit::millis(store.ttl())),
                Err(Issue::Store(e)) => e.to_tool_error("this action needs a human's approval"),
                Err(Issue::Refused(TicketError::PrincipalFull)) => ToolError::new(
                    ErrorKind::Denied,
                    "you already have too many calls waiting for confirmation",
                )
                .with_suggestion("ask the user to decide on the pending calls first"),
                Err(_) => ToolError::new(
                    ErrorKind::Denied,
                    "too many calls are waiting for confirmation",
                ),
            },
        )
    }

    /// Takes `ticket` for `principal` (checking the tool and arguments of `call` when given)
    /// and returns the call it holds, or the denial the caller sees.
    pub(crate) async fn take(
        &self,
        principal: &Principal,
        ticket: &str,
        call: Option<&ToolCall>,
    ) -> Result<ToolCall, ToolResultError> {
        let (call_id, name) =
            call.map_or_else(Default::default, |c| (c.id.clone(), c.name.clone()));
        let fail = |error: ToolError| ToolResultError {
            call_id: call_id.clone(),
            name: name.clone(),
            error,
        };
        let denied = |message: &str| {
            fail(
                ToolError::new(ErrorKind::Denied, message)
                    .with_suggestion("ask the user to confirm the call again"),
            )
        };
        let Some(store) = &self.tickets else {
            return Err(denied("confirmation tickets are not enabled"));
        };
        let canonical = call.map(|c| canonical_args(&c.arguments));
        let expected = call
            .zip(canonical.as_deref())
            .map(|(c, a)| (c.name.as_str(), a));
        let ticket = store.take(ticket, principal, expected).await.map_err(|e| {
            let e = match e {
                Issue::Refused(e) => e,
                Issue::Store(e) => {
                    return fail(e.to_tool_error("the confirmation ticket could not be used"));
                }
            };
            denied(match e {
                TicketError::Unknown => {
                    "this confirmation ticket is unknown, expired or was already used"
                }
                TicketError::Expired => "this confirmation ticket expired",
                TicketError::WrongPrincipal => "this confirmation ticket belongs to someone else",
                TicketError::ChangedCall => {
                    "the tool or arguments differ from the ones the human was asked to confirm"
                }
                TicketError::Full | TicketError::PrincipalFull => {
                    "too many calls wait for confirmation"
                }
            })
        })?;
        Ok(ToolCall {
            id: ticket.call_id,
            name: ticket.tool,
            arguments: CallArguments::Text(ticket.canonical_args),
            provider_data: None,
        })
    }

    /// How many calls wait for a human's decision (in this process's store).
    pub(crate) fn pending(&self) -> usize {
        self.tickets.as_ref().map_or(0, TicketStore::len)
    }
}

/// A ticket that could not be used, as the result the caller sees.
pub(crate) struct ToolResultError {
    pub(crate) call_id: String,
    pub(crate) name: String,
    pub(crate) error: ToolError,
}

/// The arguments a ticket binds to: canonical JSON, or the text itself when it is not JSON.
fn canonical_args(args: &CallArguments) -> String {
    match (args, args.to_value()) {
        (_, Some(v)) => canonical(&v),
        (CallArguments::Text(raw) | CallArguments::Invalid { raw, .. }, None) => {
            format!("invalid:{raw}")
        }
        (CallArguments::Json(_), None) => String::new(),
    }
}

/// What a human is asked to decide: handed to a [`Confirmer`] (whose example reads it).
///
/// ```
/// use toolwright::{ConfirmationRequest, Principal};
///
/// fn question(request: &ConfirmationRequest) -> String {
///     format!("{} wants to run {} with {}. Approve?", request.principal.id(), request.tool, request.arguments)
/// }
///
/// let request = ConfirmationRequest {
///     call_id: "c1".into(),
///     tool: "delete_document",
///     description: "Permanently delete a document from the knowledge base by its id.",
///     principal: Principal::new("editor"),
///     arguments: serde_json::json!({"id": "kb-102"}),
/// };
/// assert_eq!(question(&request), r#"editor wants to run delete_document with {"id":"kb-102"}. Approve?"#);
/// ```
#[derive(Clone, Debug)]
pub struct ConfirmationRequest {
    /// The model's call id.
    pub call_id: String,
    /// The tool to run.
    pub tool: &'static str,
    /// The tool's description.
    pub description: &'static str,
    /// Who asks.
    pub principal: Principal,
    /// The validated arguments, with secret values shown as `"[REDACTED]"`.
    pub arguments: Value,
}

/// A human's answer, from a [`Confirmer`] (see its example) or given to
/// [`Executor::resume`](crate::Executor::resume) for a confirmation ticket.
///
/// ```
/// use toolwright::Decision;
///
/// assert_eq!(Decision::deny("not today"), Decision::Deny { reason: "not today".into() });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Run the call.
    Approve,
    /// Do not run it; the reason is shown to the model.
    Deny {
        /// Why, in words for the model.
        reason: String,
    },
}

impl Decision {
    /// A denial with a reason.
    pub fn deny(reason: impl Into<String>) -> Self {
        Self::Deny {
            reason: reason.into(),
        }
    }
}

/// Asks a human (a terminal prompt, a chat UI, an MCP client's elicitation) to approve a call.
///
/// The executor awaits the answer under the call's deadline; an error or no answer is a denial.
/// Give one to [`ExecutorBuilder::confirmer`](crate::ExecutorBuilder::confirmer); toolwright
/// comes with [`TerminalPrompt`], and [`AutoApprove`] and [`AlwaysDeny`] for tests. A custom
/// one reads the [`ConfirmationRequest`] and answers with a [`Decision`]:
///
/// ```
/// use toolwright::{
///     BoxFuture, ConfirmationRequest, Confirmer, Decision, ErrorKind, Executor, Principal,
///     Registry, ToolCall, ToolError, tool,
/// };
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
/// /// Lets editors delete drafts on their own. A real confirmer would ask a human here (a
/// /// chat message, a push notification) and await the answer.
/// struct DraftsOnly;
///
/// impl Confirmer for DraftsOnly {
///     fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
///         let draft = request.arguments["id"].as_str().is_some_and(|id| id.starts_with("draft-"));
///         Box::pin(async move {
///             if draft {
///                 Decision::Approve
///             } else {
///                 Decision::deny(format!("{} may delete only drafts", request.principal.id()))
///             }
///         })
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let registry = Registry::builder().tool(delete_document).build()?;
/// let executor = Executor::builder(registry).confirmer(DraftsOnly).build();
/// let editor = Principal::new("editor").grant("kb:write");
///
/// let draft = ToolCall::new("c1", "delete_document", r#"{"id": "draft-7"}"#);
/// assert_eq!(executor.call(&editor, &draft).await.outcome.unwrap(), "draft-7");
///
/// let published = ToolCall::new("c2", "delete_document", r#"{"id": "kb-102"}"#);
/// let refused = executor.call(&editor, &published).await.outcome.unwrap_err();
/// assert_eq!(refused.kind(), ErrorKind::Denied);
/// assert_eq!(refused.message(), "the call was not approved: editor may delete only drafts");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
pub trait Confirmer: Send + Sync {
    /// Decides on one call.
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision>;
}

/// A confirmer that approves everything. For tests and demos only: it defeats the purpose of
/// confirmation in production.
///
/// ```
/// use toolwright::{AutoApprove, Executor, Principal, Registry, ToolCall, ToolError, tool};
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
/// let registry = Registry::builder().tool(delete_document).build()?;
/// let executor = Executor::builder(registry).confirmer(AutoApprove).build();
/// let editor = Principal::new("editor").grant("kb:write");
/// let call = ToolCall::new("c1", "delete_document", r#"{"id": "kb-102"}"#);
/// assert_eq!(executor.call(&editor, &call).await.outcome.unwrap(), "kb-102");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct AutoApprove;

impl Confirmer for AutoApprove {
    fn confirm<'a>(&'a self, _request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        Box::pin(std::future::ready(Decision::Approve))
    }
}

/// A confirmer that denies everything, with a reason the model reads.
///
/// ```
/// use toolwright::{AlwaysDeny, ErrorKind, Executor, Principal, Registry, ToolCall, ToolError, tool};
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
/// let registry = Registry::builder().tool(delete_document).build()?;
/// let executor = Executor::builder(registry)
///     .confirmer(AlwaysDeny("deleting is paused during the migration".into()))
///     .build();
/// let editor = Principal::new("editor").grant("kb:write");
/// let call = ToolCall::new("c1", "delete_document", r#"{"id": "kb-102"}"#);
/// let refused = executor.call(&editor, &call).await.outcome.unwrap_err();
/// assert_eq!(refused.kind(), ErrorKind::Denied);
/// assert_eq!(refused.message(), "the call was not approved: deleting is paused during the migration");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct AlwaysDeny(pub String);

impl Confirmer for AlwaysDeny {
    fn confirm<'a>(&'a self, _request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        Box::pin(std::future::ready(Decision::deny(self.0.clone())))
    }
}

/// Asks on the terminal: prints the tool and its (redacted) arguments to stderr and reads
/// `y`/`n` from stdin. Denies when stdin is not a terminal, so a piped or CI run never
/// approves by accident.
///
/// `no_run`: it waits for someone to answer at the terminal.
///
/// ```no_run
/// use toolwright::{Executor, Principal, Registry, TerminalPrompt, ToolCall, ToolError, tool};
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
/// let registry = Registry::builder().tool(delete_document).build()?;
/// let executor = Executor::builder(registry).confirmer(TerminalPrompt).build();
/// let editor = Principal::new("editor").grant("kb:write");
/// let call = ToolCall::new("c1", "delete_document", r#"{"id": "kb-102"}"#);
/// // Asks on stderr: editor wants to run `delete_document` with {"id":"kb-102"} … Approve? [y/N]
/// let result = executor.call(&editor, &call).await;
/// println!("{}", result.to_model_json());
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TerminalPrompt;

impl Confirmer for TerminalPrompt {
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        use std::io::{BufRead, IsTerminal, Write};
        let question = format!(
            "\n{} wants to run `{}` with {}\n  {}\nApprove? [y/N] ",
            request.principal.id(),
            request.tool,
            request.arguments,
            request.description
        );
        Box::pin(async move {
            if !std::io::stdin().is_terminal() {
                return Decision::deny("no one is at the terminal to approve it");
            }
            let answer = tokio::task::spawn_blocking(move || {
                let mut err = std::io::stderr();
                let _ = err.write_all(question.as_bytes());
                let _ = err.flush();
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map(|_| line)
            })
            .await;
            match answer {
                Ok(Ok(line)) if matches!(line.trim(), "y" | "Y" | "yes" | "Yes") => {
                    Decision::Approve
                }
                _ => Decision::deny("the user declined"),
            }
        })
    }
}

/// A pending call waiting for a human decision (the non-blocking form of confirmation).
#[derive(Clone, Debug)]
pub(crate) struct Ticket {
    pub principal: Principal,
    pub call_id: String,
    pub tool: String,
    /// The exact arguments, canonical (keys sorted): the one copy kept, the call is bound to
    /// them, and a resumed call runs with them.
    pub canonical_args: String,
    pub expires_at: tokio::time::Instant,
}

/// How many tickets may wait at once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TicketQuota {
    pub total: usize,
    pub per_principal: usize,
    /// The most argument bytes all pending tickets hold together.
    pub bytes: usize,
}

impl Default for TicketQuota {
    fn default() -> Self {
        Self {
            total: 10_000,
            per_principal: 100,
            bytes: 64 << 20,
        }
    }
}

type Owner = (String, Option<String>);

fn owner(p: &Principal) -> Owner {
    (p.id().to_owned(), p.tenant().map(str::to_owned))
}

#[derive(Default)]
struct Pending {
    tickets: std::collections::HashMap<String, Ticket>,
    per_owner: std::collections::HashMap<Owner, usize>,
    bytes: usize,
}

impl Pending {
    fn remove(&mut self, id: &str) -> Option<Ticket> {
        let ticket = self.tickets.remove(id)?;
        self.bytes -= ticket.canonical_args.len();
        let key = owner(&ticket.principal);
        if let Some(n) = self.per_owner.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.per_owner.remove(&key);
            }
        }
        Some(ticket)
    }

    fn drop_expired(&mut self, now: tokio::time::Instant) {
        let expired: Vec<String> = self
            .tickets
            .iter()
            .filter(|(_, t)| t.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.remove(&id);
        }
    }
}

/// Pending tickets: single use (taken under a lock), bound to a principal, a tool and its
/// arguments, expiring, and bounded in number overall and per principal.
pub(crate) struct TicketStore {
    pending: std::sync::Mutex<Pending>,
    ttl: std::time::Duration,
    quota: TicketQuota,
    /// Where tickets live when not in `pending` (a shared store).
    store: Store,
}

/// Why a ticket could not be issued or taken: a policy refusal, or the store did not answer.
#[derive(Debug)]
pub(crate) enum Issue {
    Refused(TicketError),
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Store(StoreError),
}

impl From<TicketError> for Issue {
    fn from(e: TicketError) -> Self {
        Self::Refused(e)
    }
}

/// A ticket as a shared store keeps it (the owner is kept beside it by the store).
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    call_id: String,
    tool: String,
    args: String,
}

/// Why a ticket could not be issued or used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TicketError {
    Unknown,
    Expired,
    WrongPrincipal,
    ChangedCall,
    Full,
    PrincipalFull,
}

impl TicketStore {
    pub(crate) fn new(ttl: std::time::Duration, quota: TicketQuota) -> Self {
        Self {
            pending: std::sync::Mutex::new(Pending::default()),
            ttl,
            quota,
            store: Store::memory(),
        }
    }

    pub(crate) fn with_store(mut self, store: Store) -> Self {
        self.store = store;
        self
    }

    /// Files a ticket in the configured store and returns its id.
    pub(crate) async fn issue(
        &self,
        principal: &Principal,
        call: &crate::ToolCall,
        canonical_args: String,
    ) -> Result<String, Issue> {
        match &self.store.0 {
            Backend::Memory => Ok(self.issue_here(principal, call, canonical_args)?),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => {
                use crate::store::{RedisIssued, TicketRoom};
                if canonical_args.len() > self.quota.bytes {
                    return Err(TicketError::Full.into());
                }
                let room = TicketRoom {
                    per_owner: self.quota.per_principal,
                    total: self.quota.total,
                    bytes: canonical_args.len(),
                    max_bytes: self.quota.bytes,
                };
                let id = new_ticket_id();
                let body = serde_json::to_string(&Stored {
                    call_id: call.id.clone(),
                    tool: call.name.clone(),
                    args: canonical_args,
                })
                .map_err(|_| Issue::Store(StoreError::new("cannot encode the ticket")))?;
                let owner = crate::store::principal_key(principal);
                match redis
                    .issue_ticket(&id, &owner, &body, self.ttl, room)
                    .await
                    .map_err(Issue::Store)?
                {
                    RedisIssued::Filed => Ok(id),
                    RedisIssued::PrincipalFull => Err(TicketError::PrincipalFull.into()),
                    RedisIssued::Full => Err(TicketError::Full.into()),
                }
            }
        }
    }

    /// Takes a ticket from the configured store: see [`TicketStore::take_here`]. A shared
    /// store consumes it in one atomic step before anything runs, so a lost reply can cost
    /// the human a new approval but never run the call twice.
    pub(crate) async fn take(
        &self,
        id: &str,
        principal: &Principal,
        expected: Option<(&str, &str)>,
    ) -> Result<Ticket, Issue> {
        match &self.store.0 {
            Backend::Memory => Ok(self.take_here(id, principal, expected)?),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => {
                use crate::store::RedisTaken;
                if !is_ticket_id(id) {
                    return Err(TicketError::Unknown.into());
                }
                let owner = crate::store::principal_key(principal);
                let body = match redis.take_ticket(id, &owner).await.map_err(Issue::Store)? {
                    RedisTaken::Unknown => return Err(TicketError::Unknown.into()),
                    RedisTaken::WrongPrincipal => return Err(TicketError::WrongPrincipal.into()),
                    RedisTaken::Ticket(body) => body,
                };
                let stored: Stored = serde_json::from_str(&body).map_err(|_| {
                    Issue::Store(StoreError::new("the stored ticket is unreadable"))
                })?;
                if let Some((tool, args)) = expected
                    && (tool != stored.tool || args != stored.args)
                {
                    return Err(TicketError::ChangedCall.into());
                }
                Ok(Ticket {
                    principal: principal.clone(),
                    call_id: stored.call_id,
                    tool: stored.tool,
                    canonical_args: stored.args,
                    expires_at: crate::policy::execute::later(
                        tokio::time::Instant::now(),
                        self.ttl,
                    ),
                })
            }
        }
    }

    pub(crate) fn ttl(&self) -> std::time::Duration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Files a ticket in this process and returns its id.
    pub(crate) fn issue_here(
        &self,
        principal: &Principal,
        call: &crate::ToolCall,
        canonical_args: String,
    ) -> Result<String, TicketError> {
        let now = tokio::time::Instant::now();
        let key = owner(principal);
        let mut pending = self.lock();
        let over = |p: &Pending| {
            if p.per_owner.get(&key).copied().unwrap_or(0) >= self.quota.per_principal.max(1) {
                Some(TicketError::PrincipalFull)
            } else if p.tickets.len() >= self.quota.total.max(1)
                || p.bytes + canonical_args.len() > self.quota.bytes
            {
                Some(TicketError::Full)
            } else {
                None
            }
        };
        if over(&pending).is_some() {
            pending.drop_expired(now);
            if let Some(e) = over(&pending) {
                return Err(e);
            }
        }
        let id = new_ticket_id();
        pending.bytes += canonical_args.len();
        pending.tickets.insert(
            id.clone(),
            Ticket {
                principal: principal.clone(),
                call_id: call.id.clone(),
                tool: call.name.clone(),
                canonical_args,
                expires_at: crate::policy::execute::later(now, self.ttl),
            },
        );
        *pending.per_owner.entry(key).or_insert(0) += 1;
        Ok(id)
    }

    /// Takes a ticket for `principal`, checking the tool name and canonical arguments when
    /// given. The ticket is consumed by any attempt that names it with the right principal,
    /// whatever the outcome, so it can never be used twice.
    pub(crate) fn take_here(
        &self,
        id: &str,
        principal: &Principal,
        expected: Option<(&str, &str)>,
    ) -> Result<Ticket, TicketError> {
        let mut pending = self.lock();
        let Some(ticket) = pending.tickets.get(id) else {
            return Err(TicketError::Unknown);
        };
        if ticket.principal.id() != principal.id()
            || ticket.principal.tenant() != principal.tenant()
        {
            // Another principal cannot burn someone else's ticket either.
            return Err(TicketError::WrongPrincipal);
        }
        let ticket = pending.remove(id).ok_or(TicketError::Unknown)?;
        if ticket.expires_at <= tokio::time::Instant::now() {
            return Err(TicketError::Expired);
        }
        if let Some((tool, args)) = expected
            && (tool != ticket.tool || args != ticket.canonical_args)
        {
            return Err(TicketError::ChangedCall);
        }
        Ok(ticket)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().tickets.len()
    }
}

/// Whether `id` has the shape [`new_ticket_id`] gives, so nothing else reaches a store's keys.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn is_ticket_id(id: &str) -> bool {
    id.len() == 36 && id.starts_with("tkt_") && id[4..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// 128 unguessable bits, from std's randomly keyed SipHash.
fn new_ticket_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut id = String::from("tkt_");
    for _ in 0..2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        id.push_str(&format!("{:016x}", h.finish()));
    }
    id
}

/// The JSON arguments in canonical form (object keys sorted at every level), so a ticket binds
/// to their meaning, not their formatting.
pub(crate) fn canonical(value: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A store whose tickets live 60 s, holding at most `total` tickets, `per_principal` of
    /// them one principal's (and 1 MiB of arguments).
    fn ticket_store(total: usize, per_principal: usize) -> TicketStore {
        let quota = TicketQuota {
            total,
            per_principal,
            bytes: 1 << 20,
        };
        TicketStore::new(Duration::from_secs(60), quota)
    }

    fn call() -> crate::ToolCall {
        crate::ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#)
    }

    /// A roomy store holding one ticket: alice's, for `call()` with the arguments `{}`.
    fn alices_ticket() -> (TicketStore, Principal, String) {
        let store = ticket_store(10, 10);
        let alice = Principal::new("alice");
        let id = store.issue_here(&alice, &call(), "{}".into()).unwrap();
        (store, alice, id)
    }

    /// Why `store` refuses `who` the ticket `id` when no call is compared; the test fails if
    /// the ticket is handed over instead.
    fn refusal(store: &TicketStore, id: &str, who: &Principal) -> TicketError {
        store.take_here(id, who, None).unwrap_err()
    }

    #[tokio::test(start_paused = true)]
    async fn a_ticket_is_single_use() {
        let (store, alice, id) = alices_ticket();
        assert!(store.take_here(&id, &alice, None).is_ok());
        assert_eq!(refusal(&store, &id, &alice), TicketError::Unknown);
    }

    #[tokio::test(start_paused = true)]
    async fn a_ticket_expires() {
        let (store, alice, id) = alices_ticket();
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(refusal(&store, &id, &alice), TicketError::Expired);
    }

    #[tokio::test(start_paused = true)]
    async fn another_principal_can_neither_use_nor_burn_a_ticket() {
        let (store, alice, id) = alices_ticket();
        let mallory = Principal::new("mallory");
        assert_eq!(refusal(&store, &id, &mallory), TicketError::WrongPrincipal);
        assert!(store.take_here(&id, &alice, None).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn changed_arguments_consume_the_ticket_without_running() {
        let store = ticket_store(10, 10);
        let alice = Principal::new("alice");
        let id = store
            .issue_here(&alice, &call(), "{\"id\":\"kb-1\"}".into())
            .unwrap();
        assert_eq!(
            store
                .take_here(&id, &alice, Some(("delete_document", "{\"id\":\"kb-2\"}")))
                .unwrap_err(),
            TicketError::ChangedCall
        );
        assert_eq!(refusal(&store, &id, &alice), TicketError::Unknown);
    }

    #[tokio::test(start_paused = true)]
    async fn the_store_is_bounded() {
        let store = ticket_store(2, 10);
        let alice = Principal::new("alice");
        store.issue_here(&alice, &call(), "{}".into()).unwrap();
        store.issue_here(&alice, &call(), "{}".into()).unwrap();
        assert_eq!(
            store.issue_here(&alice, &call(), "{}".into()).unwrap_err(),
            TicketError::Full
        );
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(store.issue_here(&alice, &call(), "{}".into()).is_ok());
        assert_eq!(store.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn another_tool_name_consumes_the_ticket_without_running() {
        let (store, alice, id) = alices_ticket();
        assert_eq!(
            store
                .take_here(&id, &alice, Some(("delete_everything", "{}")))
                .unwrap_err(),
            TicketError::ChangedCall
        );
        assert_eq!(store.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn one_principal_cannot_fill_the_store_for_everyone() {
        let store = ticket_store(10, 3);
        let (mallory, alice) = (Principal::new("mallory"), Principal::new("alice"));
        for _ in 0..3 {
            store.issue_here(&mallory, &call(), "{}".into()).unwrap();
        }
        assert_eq!(
            store
                .issue_here(&mallory, &call(), "{}".into())
                .unwrap_err(),
            TicketError::PrincipalFull
        );
        // The same id in another tenant is another principal.
        let other_tenant = Principal::new("mallory").with_tenant("acme");
        assert!(
            store
                .issue_here(&other_tenant, &call(), "{}".into())
                .is_ok()
        );
        let id = store.issue_here(&alice, &call(), "{}".into()).unwrap();
        // Taking a ticket gives its slot back.
        store.take_here(&id, &alice, None).unwrap();
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(store.issue_here(&mallory, &call(), "{}".into()).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn the_arguments_all_tickets_hold_are_bounded_in_bytes() {
        let store = TicketStore::new(
            Duration::from_secs(60),
            TicketQuota {
                total: 100,
                per_principal: 100,
                bytes: 2_500,
            },
        );
        let alice = Principal::new("alice");
        let big = format!("{{\"id\":\"{}\"}}", "x".repeat(1_000));
        let first = store.issue_here(&alice, &call(), big.clone()).unwrap();
        store.issue_here(&alice, &call(), big.clone()).unwrap();
        assert_eq!(
            store.issue_here(&alice, &call(), big.clone()).unwrap_err(),
            TicketError::Full
        );
        // A small ticket still fits; taking one gives its bytes back.
        store.issue_here(&alice, &call(), "{}".into()).unwrap();
        store.take_here(&first, &alice, None).unwrap();
        assert!(store.issue_here(&alice, &call(), big).is_ok());
    }

    #[test]
    fn canonical_form_ignores_key_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"c":3,"d":2},"b":1}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
    }
}

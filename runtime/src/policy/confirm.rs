//! Human confirmation before destructive calls. Deny by default: with no confirmer configured,
//! a call that needs confirmation is refused and its body never runs.

use serde_json::Value;

use crate::Principal;
use crate::tool::BoxFuture;

/// What a human is asked to decide.
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

/// A human's answer.
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
pub trait Confirmer: Send + Sync {
    /// Decides on one call.
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision>;
}

/// A confirmer that approves everything. For tests and demos only: it defeats the purpose of
/// confirmation in production.
#[derive(Clone, Copy, Debug, Default)]
pub struct AutoApprove;

impl Confirmer for AutoApprove {
    fn confirm<'a>(&'a self, _request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        Box::pin(std::future::ready(Decision::Approve))
    }
}

/// A confirmer that denies everything, with a reason.
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
    /// The exact arguments, canonical (keys sorted), as the call is bound to them.
    pub canonical_args: String,
    pub arguments: crate::call::CallArguments,
    pub expires_at: tokio::time::Instant,
}

/// Pending tickets: single use (taken under a lock), bound to a principal and arguments,
/// expiring, and bounded in number.
pub(crate) struct TicketStore {
    tickets: std::sync::Mutex<std::collections::HashMap<String, Ticket>>,
    ttl: std::time::Duration,
    max_pending: usize,
}

/// Why a ticket could not be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TicketError {
    Unknown,
    Expired,
    WrongPrincipal,
    ChangedArguments,
    Full,
}

impl TicketStore {
    pub(crate) fn new(ttl: std::time::Duration, max_pending: usize) -> Self {
        Self {
            tickets: std::sync::Mutex::new(std::collections::HashMap::new()),
            ttl,
            max_pending,
        }
    }

    pub(crate) fn ttl(&self) -> std::time::Duration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Ticket>> {
        self.tickets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Files a ticket and returns its id.
    pub(crate) fn issue(
        &self,
        principal: &Principal,
        call: &crate::ToolCall,
        canonical_args: String,
    ) -> Result<String, TicketError> {
        let now = tokio::time::Instant::now();
        let mut tickets = self.lock();
        if tickets.len() >= self.max_pending {
            tickets.retain(|_, t| t.expires_at > now);
            if tickets.len() >= self.max_pending {
                return Err(TicketError::Full);
            }
        }
        let id = new_ticket_id();
        tickets.insert(
            id.clone(),
            Ticket {
                principal: principal.clone(),
                call_id: call.id.clone(),
                tool: call.name.clone(),
                canonical_args,
                arguments: call.arguments.clone(),
                expires_at: now + self.ttl,
            },
        );
        Ok(id)
    }

    /// Takes a ticket for `principal`, checking the arguments when given. The ticket is
    /// consumed by any attempt that names it with the right principal, whatever the outcome,
    /// so it can never be used twice.
    pub(crate) fn take(
        &self,
        id: &str,
        principal: &Principal,
        canonical_args: Option<&str>,
    ) -> Result<Ticket, TicketError> {
        let mut tickets = self.lock();
        let Some(ticket) = tickets.get(id) else {
            return Err(TicketError::Unknown);
        };
        if ticket.principal.id() != principal.id()
            || ticket.principal.tenant() != principal.tenant()
        {
            // Another principal cannot burn someone else's ticket either.
            return Err(TicketError::WrongPrincipal);
        }
        let ticket = tickets.remove(id).ok_or(TicketError::Unknown)?;
        if ticket.expires_at <= tokio::time::Instant::now() {
            return Err(TicketError::Expired);
        }
        if let Some(args) = canonical_args
            && args != ticket.canonical_args
        {
            return Err(TicketError::ChangedArguments);
        }
        Ok(ticket)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
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

    fn call() -> crate::ToolCall {
        crate::ToolCall::new("c1", "delete_document", r#"{"id":"kb-1"}"#)
    }

    #[tokio::test(start_paused = true)]
    async fn a_ticket_is_single_use() {
        let store = TicketStore::new(Duration::from_secs(60), 10);
        let alice = Principal::new("alice");
        let id = store.issue(&alice, &call(), "{}".into()).unwrap();
        assert!(store.take(&id, &alice, None).is_ok());
        assert_eq!(
            store.take(&id, &alice, None).unwrap_err(),
            TicketError::Unknown
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_ticket_expires() {
        let store = TicketStore::new(Duration::from_secs(60), 10);
        let alice = Principal::new("alice");
        let id = store.issue(&alice, &call(), "{}".into()).unwrap();
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(
            store.take(&id, &alice, None).unwrap_err(),
            TicketError::Expired
        );
    }

    #[tokio::test(start_paused = true)]
    async fn another_principal_can_neither_use_nor_burn_a_ticket() {
        let store = TicketStore::new(Duration::from_secs(60), 10);
        let (alice, mallory) = (Principal::new("alice"), Principal::new("mallory"));
        let id = store.issue(&alice, &call(), "{}".into()).unwrap();
        assert_eq!(
            store.take(&id, &mallory, None).unwrap_err(),
            TicketError::WrongPrincipal
        );
        assert!(store.take(&id, &alice, None).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn changed_arguments_consume_the_ticket_without_running() {
        let store = TicketStore::new(Duration::from_secs(60), 10);
        let alice = Principal::new("alice");
        let id = store
            .issue(&alice, &call(), "{\"id\":\"kb-1\"}".into())
            .unwrap();
        assert_eq!(
            store
                .take(&id, &alice, Some("{\"id\":\"kb-2\"}"))
                .unwrap_err(),
            TicketError::ChangedArguments
        );
        assert_eq!(
            store.take(&id, &alice, None).unwrap_err(),
            TicketError::Unknown
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_store_is_bounded() {
        let store = TicketStore::new(Duration::from_secs(60), 2);
        let alice = Principal::new("alice");
        store.issue(&alice, &call(), "{}".into()).unwrap();
        store.issue(&alice, &call(), "{}".into()).unwrap();
        assert_eq!(
            store.issue(&alice, &call(), "{}".into()).unwrap_err(),
            TicketError::Full
        );
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(store.issue(&alice, &call(), "{}".into()).is_ok());
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn canonical_form_ignores_key_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"c":3,"d":2},"b":1}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
    }
}

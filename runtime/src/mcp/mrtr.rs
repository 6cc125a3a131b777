//! Confirmation on MCP 2026-07-28, where a server may no longer ask the client mid-call
//! (Multi Round-Trip Requests, SEP-2322): a call that needs a human's yes is answered with an
//! input-required result (an elicitation for the human) and a sealed `requestState`; the client
//! retries the same call with the human's answer and the state echoed back.
//!
//! The state is useless to anyone else: rmcp's `RequestStateCodec` seals it with HMAC-SHA256
//! under the server key, over the caller (id and tenant), the tool and the canonical arguments
//! (associated data, never stored in the state), with an expiry and a nonce that is redeemed
//! once. Any replica holding the key can verify a state; single use needs the spent nonces to be
//! shared: in the executor's [`Store`] (per process in memory, across replicas in Redis).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rmcp::model::{InputRequest, InputRequests, InputRequiredResult, InputResponses};
use rmcp::model::{RequestStateCodec, SealOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::store::{Backend, Store};
use crate::tool::BoxFuture;
use crate::{ConfirmationRequest, Confirmer, Decision, ErrorKind, Principal, ToolError};

/// The key of the one input request a confirmation asks (`inputRequests` / `inputResponses`).
pub(super) const INPUT_KEY: &str = "confirm";
/// How long a human has to answer by default.
pub(super) const DEFAULT_TTL: Duration = Duration::from_secs(600);
/// At most this many redeemed nonces are remembered (until their state expires); past it,
/// retries are refused until some expire, so a flood cannot make a replay pass.
const MAX_SPENT: usize = 100_000;
/// Version and purpose of the bound data, so a state sealed for anything else never opens here.
const DOMAIN: &str = "toolwright/mcp/confirm/v1";

/// Why a server key was refused.
#[derive(Debug, thiserror::Error)]
#[error("the requestState key must be at least {minimum} bytes of random data, got {actual}")]
pub struct StateKeyError {
    minimum: usize,
    actual: usize,
}

/// The sealing key, the answer window and the spent nonces of one server (shared by clones).
pub(super) struct Confirmations {
    codec: Option<RequestStateCodec>,
    ttl: Duration,
    spent: Spent,
}

/// What the state carries in the clear (signed, not encrypted): nothing secret.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// Unique per state: redeemed once.
    nonce: String,
    /// Unix milliseconds after which the state is refused.
    exp: u64,
}

impl Confirmations {
    /// The process-wide default: a random key drawn once per process, so every server of the
    /// process verifies every state it issued and one set of spent nonces guards replays.
    pub(super) fn process_default() -> Arc<Self> {
        static DEFAULT: OnceLock<Arc<Confirmations>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                let codec = random::<32>().and_then(|key| RequestStateCodec::try_new(key.to_vec()).ok());
                if codec.is_none() {
                    tracing::error!(
                        "no randomness for the MCP requestState key: confirmations on 2026-07-28 are refused"
                    );
                }
                Arc::new(Self {
                    codec,
                    ttl: DEFAULT_TTL,
                    spent: Spent::default(),
                })
            })
            .clone()
    }

    /// A server key of at least 32 random bytes, shared by every replica that must verify.
    pub(super) fn with_key(key: &[u8], ttl: Duration) -> Result<Self, StateKeyError> {
        let codec = RequestStateCodec::try_new(key.to_vec()).map_err(|_| StateKeyError {
            minimum: RequestStateCodec::MIN_KEY_LENGTH,
            actual: key.len(),
        })?;
        Ok(Self {
            codec: Some(codec),
            ttl,
            spent: Spent::default(),
        })
    }

    /// How long a human has to answer.
    pub(super) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The same key with another answer window and fresh spent nonces.
    pub(super) fn with_ttl(&self, ttl: Duration) -> Self {
        Self {
            codec: self.codec.clone(),
            ttl,
            spent: Spent::default(),
        }
    }

    /// The input-required answer for a call the executor wants confirmed: an elicitation that
    /// shows the human the tool and its (redacted) arguments, and the sealed state.
    pub(super) fn ask(
        &self,
        principal: &Principal,
        arguments: &Map<String, Value>,
        request: &ConfirmationRequest,
    ) -> Result<InputRequiredResult, ToolError> {
        let (Some(codec), Some(nonce)) = (&self.codec, random::<16>()) else {
            return Err(denied(
                "the server cannot seal a confirmation request right now",
            ));
        };
        let sealed = Sealed {
            nonce: hex(&nonce),
            exp: now_ms().saturating_add(u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)),
        };
        let bound = binding(principal, request.tool, arguments);
        let state = codec
            .seal_json_with(&sealed, &SealOptions::new().associated_data(&bound))
            .map_err(|_| denied("the server cannot seal a confirmation request right now"))?;
        let prompt = json!({
            "method": "elicitation/create",
            "params": {
                "mode": "form",
                "message": format!(
                    "Allow `{}` with {}?\n{}",
                    request.tool, request.arguments, request.description
                ),
                "requestedSchema": {
                    "type": "object",
                    "properties": {
                        "approve": {"type": "boolean", "description": "Approve this call?"}
                    },
                    "required": ["approve"]
                }
            }
        });
        let prompt: InputRequest = serde_json::from_value(prompt)
            .map_err(|_| denied("the server cannot build the confirmation prompt"))?;
        let requests = InputRequests::from([(INPUT_KEY.to_owned(), prompt)]);
        Ok(InputRequiredResult::new(Some(requests), Some(state)))
    }

    /// Checks a retry: the state opens under this server's key for this caller, tool and
    /// arguments, has not expired, was not redeemed before (it is now, in `store`), and the
    /// human accepted. Every failure is a denial; the call must not run. With a shared store,
    /// a state redeemed on any replica is refused on every other. The nonce is spent before
    /// the call runs, so a lost reply from the store can only refuse the call, never run it
    /// twice.
    pub(super) async fn check_in(
        &self,
        store: &Store,
        principal: &Principal,
        tool: &str,
        arguments: &Map<String, Value>,
        state: &str,
        responses: Option<&InputResponses>,
    ) -> Result<(), ToolError> {
        let sealed = self.open(principal, tool, arguments, state)?;
        match &store.0 {
            Backend::Memory => self.spent.redeem(&sealed.nonce, sealed.exp, now_ms())?,
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => {
                // Replica clocks differ: keep the nonce a minute past the state's expiry.
                let keep = Duration::from_millis(sealed.exp.saturating_sub(now_ms()))
                    + Duration::from_secs(60);
                match redis.spend_once(&sealed.nonce, keep).await {
                    Ok(true) => {}
                    Ok(false) => return Err(already_used()),
                    Err(e) => return Err(e.to_tool_error("this confirmation could not be checked")),
                }
            }
        }
        answer(responses)
    }

    /// Opens a state for this caller, tool and arguments, unexpired.
    fn open(
        &self,
        principal: &Principal,
        tool: &str,
        arguments: &Map<String, Value>,
        state: &str,
    ) -> Result<Sealed, ToolError> {
        let Some(codec) = &self.codec else {
            return Err(denied("the server cannot verify confirmations right now"));
        };
        let bound = binding(principal, tool, arguments);
        // One answer for a forged, tampered, foreign or mismatched state: which check failed
        // is no business of a caller who may be probing.
        let sealed: Sealed = codec.open_json_with(state, &bound).map_err(|_| {
            denied("this confirmation does not belong to this call")
                .with_suggestion("call the tool again, unchanged, to ask the user")
        })?;
        let now = now_ms();
        if sealed.exp <= now {
            return Err(denied("this confirmation expired")
                .with_suggestion("call the tool again to ask the user"));
        }
        Ok(sealed)
    }
}

/// The human's answer: a yes, or the denial.
fn answer(responses: Option<&InputResponses>) -> Result<(), ToolError> {
    match responses.and_then(|r| r.get(INPUT_KEY)) {
        Some(answer) if approves(answer) => Ok(()),
        Some(_) => Err(denied("the user did not approve it")),
        None => Err(
            denied("no answer from the user came with this confirmation")
                .with_suggestion("call the tool again to ask the user"),
        ),
    }
}

fn already_used() -> ToolError {
    denied("this confirmation was already used")
        .with_suggestion("call the tool again to ask the user")
}

/// Whether an `ElicitResult` says yes: `accept` with `approve: true`, nothing else.
fn approves(answer: &Value) -> bool {
    answer.get("action").and_then(Value::as_str) == Some("accept")
        && answer.pointer("/content/approve").and_then(Value::as_bool) == Some(true)
}

/// The data a state is bound to, unambiguous (a JSON array of strings): who, which tool, which
/// arguments (object keys sorted at every level).
fn binding(principal: &Principal, tool: &str, arguments: &Map<String, Value>) -> Vec<u8> {
    let args = canonical(&Value::Object(arguments.clone())).to_string();
    json!([DOMAIN, principal.id(), principal.tenant(), tool, args])
        .to_string()
        .into_bytes()
}

/// `value` with object keys sorted at every level.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn denied(message: &str) -> ToolError {
    ToolError::new(ErrorKind::Denied, message)
}

/// Redeemed nonces with the expiry of their state (after which the state is refused anyway).
#[derive(Default)]
struct Spent(Mutex<HashMap<String, u64>>);

impl Spent {
    fn redeem(&self, nonce: &str, exp: u64, now: u64) -> Result<(), ToolError> {
        let mut spent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if spent.contains_key(nonce) {
            return Err(already_used());
        }
        if spent.len() >= MAX_SPENT {
            spent.retain(|_, e| *e > now);
            if spent.len() >= MAX_SPENT {
                return Err(denied("too many confirmations are in flight; retry later"));
            }
        }
        spent.insert(nonce.to_owned(), exp);
        Ok(())
    }
}

/// Asks nobody: remembers what the executor wanted confirmed and says no, so the body does not
/// run in the round that only asks.
#[derive(Default)]
pub(super) struct Capture(Mutex<Option<ConfirmationRequest>>);

impl Capture {
    pub(super) fn take(&self) -> Option<ConfirmationRequest> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Confirmer for Capture {
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(request.clone());
        Box::pin(std::future::ready(Decision::deny(
            "waiting for the user's answer through the MCP client (input required)",
        )))
    }
}

fn random<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).ok().map(|()| bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(tool: &'static str) -> ConfirmationRequest {
        ConfirmationRequest {
            call_id: "c1".into(),
            tool,
            description: "Delete a document.",
            principal: alice(),
            arguments: json!({"id": "kb-1"}),
        }
    }

    fn alice() -> Principal {
        Principal::new("alice").with_tenant("acme")
    }

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn yes() -> InputResponses {
        InputResponses::from([(
            INPUT_KEY.to_owned(),
            json!({"action": "accept", "content": {"approve": true}}),
        )])
    }

    /// The arguments every state here is asked for.
    fn kb1() -> Map<String, Value> {
        args(json!({"id": "kb-1", "n": {"b": 1, "a": 2}}))
    }

    fn state(c: &Confirmations) -> String {
        let asked = c.ask(&alice(), &kb1(), &request("delete")).unwrap();
        asked.request_state.unwrap()
    }

    /// Alice's retry of `delete` with `arguments`, `state` and her approval, on one replica.
    async fn approved(
        c: &Confirmations,
        arguments: &Map<String, Value>,
        state: &str,
    ) -> Result<(), ToolError> {
        let store = Store::memory();
        c.check_in(&store, &alice(), "delete", arguments, state, Some(&yes()))
            .await
    }

    fn keyed() -> Confirmations {
        Confirmations::with_key(&[7; 32], DEFAULT_TTL).unwrap()
    }

    #[tokio::test]
    async fn a_state_opens_once_for_the_same_caller_tool_and_arguments_in_any_key_order() {
        let c = keyed();
        let s = state(&c);
        let same = args(json!({"n": {"a": 2, "b": 1}, "id": "kb-1"}));
        assert!(approved(&c, &same, &s).await.is_ok());
        let replay = approved(&c, &same, &s).await.unwrap_err();
        assert!(replay.message().contains("already used"), "{replay:?}");
    }

    #[tokio::test]
    async fn another_caller_tool_arguments_or_key_cannot_use_a_state() {
        let c = keyed();
        let s = state(&c);
        let a = kb1();
        for (who, tool, arguments) in [
            (Principal::new("alice"), "delete", a.clone()),
            (
                Principal::new("alice").with_tenant("evil"),
                "delete",
                a.clone(),
            ),
            (
                Principal::new("mallory").with_tenant("acme"),
                "delete",
                a.clone(),
            ),
            (alice(), "delete_all", a.clone()),
            (
                alice(),
                "delete",
                args(json!({"id": "kb-2", "n": {"b": 1, "a": 2}})),
            ),
            (alice(), "delete", args(json!({"id": "kb-1"}))),
        ] {
            let e = c
                .check_in(&Store::memory(), &who, tool, &arguments, &s, Some(&yes()))
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Denied);
        }
        let other = Confirmations::with_key(&[8; 32], DEFAULT_TTL).unwrap();
        assert!(
            other
                .check_in(&Store::memory(), &alice(), "delete", &a, &s, Some(&yes()))
                .await
                .is_err()
        );
        // None of the refusals spent it: the rightful retry still works.
        assert!(approved(&c, &a, &s).await.is_ok());
    }

    #[tokio::test]
    async fn a_tampered_state_is_refused() {
        let c = keyed();
        let s = state(&c);
        let a = kb1();
        for i in 0..s.len() {
            let mut bytes = s.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let Ok(t) = String::from_utf8(bytes) else {
                continue;
            };
            if t != s {
                assert!(approved(&c, &a, &t).await.is_err(), "{t}");
            }
        }
        for junk in ["", "rs1.", "x.y.z", "rs1.AAAA.AAAA"] {
            assert!(approved(&c, &a, junk).await.is_err());
        }
    }

    #[tokio::test]
    async fn an_expired_state_is_refused() {
        let c = keyed().with_ttl(Duration::ZERO);
        let s = state(&c);
        let a = kb1();
        let e = approved(&c, &a, &s).await.unwrap_err();
        assert!(e.message().contains("expired"), "{e:?}");
    }

    #[tokio::test]
    async fn only_accept_with_approve_true_is_a_yes() {
        for (answer, ok) in [
            (
                json!({"action": "accept", "content": {"approve": true}}),
                true,
            ),
            (
                json!({"action": "accept", "content": {"approve": false}}),
                false,
            ),
            (
                json!({"action": "accept", "content": {"approve": "true"}}),
                false,
            ),
            (json!({"action": "accept"}), false),
            (
                json!({"action": "decline", "content": {"approve": true}}),
                false,
            ),
            (json!({"action": "cancel"}), false),
            (json!("yes"), false),
        ] {
            assert_eq!(approves(&answer), ok, "{answer}");
        }
        let c = keyed();
        let a = kb1();
        let (store, who) = (Store::memory(), alice());
        // A fresh state each: a check spends its state before it reads the answer.
        let unanswered = c
            .check_in(&store, &who, "delete", &a, &state(&c), None)
            .await;
        assert!(unanswered.is_err());
        let wrong_key = InputResponses::from([(
            "other".to_owned(),
            json!({"action": "accept", "content": {"approve": true}}),
        )]);
        let s = state(&c);
        let elsewhere = c.check_in(&store, &who, "delete", &a, &s, Some(&wrong_key));
        assert!(elsewhere.await.is_err());
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(Confirmations::with_key(&[1; 31], DEFAULT_TTL).is_err());
    }

    #[test]
    fn a_full_spent_set_refuses_until_states_expire() {
        let spent = Spent::default();
        for i in 0..MAX_SPENT {
            spent.redeem(&i.to_string(), 10, 0).unwrap();
        }
        assert!(spent.redeem("new", 10, 5).is_err());
        assert!(
            spent.redeem("new", 20, 10).is_ok(),
            "expired ones are forgotten"
        );
    }
}

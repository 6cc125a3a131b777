//! Arguments a hostile model shapes to slip past validation or redaction: positional arrays,
//! double-encoded objects, duplicate keys, values echoed back in errors, floods of keys.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use toolwright::{
    BoxFuture, CallArguments, ConfirmationRequest, Confirmer, Decision, Executor, MemorySink,
    Principal, Registry, ToolCall, ToolError, tool,
};

use crate::support::error_lines;

/// A date written as `YYYY-MM-DD` whose parser, like chrono's or a hand-written one, quotes
/// the input in its error message.
#[derive(Debug, schemars::JsonSchema)]
pub struct DueDate(String);

impl<'de> Deserialize<'de> for DueDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() == 10 && text.as_bytes()[4] == b'-' {
            Ok(Self(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "`{text}` is not a date in the form YYYY-MM-DD"
            )))
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    Billing,
    Shipping,
}

/// Move a support ticket to another queue with a new priority.
/// Returns the ticket identifier and the queue it is now in.
#[tool(destructive, permissions = ["tickets:write"])]
async fn reassign_support_ticket(
    /// Identifier of the ticket, e.g. "T-1042"
    id: String,
    /// New priority from 1 (urgent) to 5 (whenever)
    #[arg(range = 1..=5)]
    priority: i64,
    /// Queue that takes the ticket over: billing or shipping
    queue: Option<Queue>,
    /// Routing labels as key and value, e.g. {"team": "payments"}
    labels: Option<BTreeMap<String, String>>,
    /// Date the ticket must be answered by, e.g. "2025-03-01"
    due: Option<DueDate>,
) -> Result<String, ToolError> {
    let _ = (labels, due.map(|d| d.0));
    Ok(format!("{id} -> {queue:?} at {priority}"))
}

/// Report how many tickets wait in each queue right now. Returns a count per queue name.
#[tool(read_only)]
async fn count_waiting_tickets() -> BTreeMap<String, u32> {
    BTreeMap::new()
}

fn agent() -> Principal {
    Principal::new("agent").grant("tickets:write")
}

const SECRET: &str = "S3CR3T-77318842-hunter2";

/// Approves everything and keeps what it was shown.
#[derive(Clone, Default)]
struct Witness(Arc<Mutex<Vec<Value>>>);

impl Confirmer for Witness {
    fn confirm<'a>(&'a self, req: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        self.0.lock().unwrap().push(req.arguments.clone());
        Box::pin(async { Decision::Approve })
    }
}

struct Setup {
    ex: Executor,
    audit: MemorySink,
    shown: Witness,
}

fn setup() -> Setup {
    let audit = MemorySink::new();
    let shown = Witness::default();
    let registry = Registry::builder()
        .tool(reassign_support_ticket)
        .tool(count_waiting_tickets)
        .build()
        .unwrap();
    let ex = Executor::builder(registry)
        .audit(audit.clone())
        .confirmer(shown.clone())
        .confirmation_timeout(Duration::from_secs(5))
        .build();
    Setup { ex, audit, shown }
}

fn errors(r: &toolwright::ToolResult) -> Vec<String> {
    r.error().map(error_lines).unwrap_or_default()
}

/// Everything that left the executor for the model, the audit log and the confirmer.
fn everything_seen(s: &Setup, results: &[toolwright::ToolResult]) -> String {
    let mut seen = s.audit.to_jsonl();
    seen.push_str(&format!("{:?}", s.audit.records()));
    seen.push_str(&format!("{:?}", s.shown.0.lock().unwrap()));
    for r in results {
        seen.push_str(&r.to_model_json().to_string());
    }
    seen
}

#[tokio::test]
async fn positional_and_scalar_roots_are_refused_as_text_and_as_json() {
    let s = setup();
    let roots = [
        (json!(["T-1", 1, null, null, null]), "an array"),
        (json!(["T-1", 1]), "an array"),
        (json!([]), "an array"),
        (json!("{\"id\":\"T-1\",\"priority\":1}"), "a string"),
        (json!(7), "a number"),
        (json!(true), "a boolean"),
        (json!(null), "null"),
    ];
    for tool in ["reassign_support_ticket", "count_waiting_tickets"] {
        for (root, kind) in &roots {
            let text = format!(" \n{root}");
            for call in [
                ToolCall::new("c", tool, text.clone()),
                ToolCall::with_json("c", tool, root.clone()),
            ] {
                let r = s.ex.call(&agent(), &call).await;
                assert_eq!(
                    r.to_model_json()["kind"],
                    "invalid_arguments",
                    "{tool} {root}"
                );
                assert_eq!(
                    errors(&r),
                    [format!(
                        "/: the arguments must be a JSON object, got {kind}"
                    )],
                    "{tool} {root}"
                );
            }
        }
    }
    assert!(
        s.shown.0.lock().unwrap().is_empty(),
        "nothing reached the confirmer"
    );
    // Empty text still means "no arguments".
    let r =
        s.ex.call(&agent(), &ToolCall::new("c", "count_waiting_tickets", " "))
            .await;
    assert!(r.outcome.is_ok(), "{:?}", r.outcome);
}

#[tokio::test]
async fn a_secret_in_positional_or_double_encoded_arguments_is_never_copied() {
    let s = setup();
    let mut results = Vec::new();
    for args in [
        json!(["T-1", 1, null, {"api_key": SECRET}, null]).to_string(),
        json!(["T-1", 1, null, null, SECRET]).to_string(),
        json!(json!({"id": "T-1", "priority": 1, "labels": {"password": SECRET}}).to_string())
            .to_string(),
    ] {
        let call = ToolCall::new("c", "reassign_support_ticket", args);
        results.push(s.ex.call(&agent(), &call).await);
    }
    let seen = everything_seen(&s, &results);
    assert!(!seen.contains("S3CR3T"), "{seen}");
    let kinds: Vec<Value> = s
        .audit
        .records()
        .iter()
        .map(|r| r.arguments.to_value())
        .collect();
    assert_eq!(
        kinds,
        [
            json!("[not a JSON object: an array]"),
            json!("[not a JSON object: an array]"),
            json!("[not a JSON object: a string]"),
        ]
    );
}

#[tokio::test]
async fn arguments_of_an_unknown_tool_are_audited_as_keys_only() {
    let s = setup();
    let call = ToolCall::new(
        "c",
        "reasign_support_ticket",
        json!({"id": SECRET, "labels": {"x": SECRET}, "note": [SECRET]}).to_string(),
    );
    let r = s.ex.call(&agent(), &call).await;
    assert_eq!(r.to_model_json()["kind"], "unknown_tool");
    let records = s.audit.records();
    assert_eq!(
        records[0].arguments.to_value(),
        json!({"id": "[REDACTED]", "labels": "[REDACTED]", "note": "[REDACTED]"})
    );
    assert!(!everything_seen(&s, &[r]).contains("S3CR3T"));
}

#[tokio::test]
async fn error_messages_say_what_was_expected_and_never_repeat_the_value() {
    let s = setup();
    let cases = [
        (
            json!({"id": "T-1", "priority": 1, "labels": {"api_key": 77_318_842}}),
            "/labels/api_key: expected a string, got an integer",
        ),
        (
            json!({"id": 77_318_842, "priority": 1}),
            "/id: expected a string, got an integer",
        ),
        (
            json!({"id": "T-1", "priority": SECRET}),
            "/priority: expected an integer, got a string",
        ),
        (
            json!({"id": "T-1", "priority": 1, "queue": SECRET}),
            r#"/queue: expected one of: "billing", "shipping""#,
        ),
        (
            json!({"id": "T-1", "priority": 1, "due": SECRET}),
            "/due: has the wrong type or format",
        ),
        (
            json!({"id": "T-1", "priority": 1, "labels": [SECRET]}),
            "/labels: expected an object, got an array",
        ),
    ];
    let mut results = Vec::new();
    for (args, expected) in cases {
        for call in [
            ToolCall::new("c", "reassign_support_ticket", args.to_string()),
            ToolCall::with_json("c", "reassign_support_ticket", args.clone()),
        ] {
            let r = s.ex.call(&agent(), &call).await;
            assert_eq!(errors(&r), [expected], "{args}");
            results.push(r);
        }
    }
    // Declared parameters are recorded as sent (redacted by key); errors never carry a value.
    let said: Vec<String> = results
        .iter()
        .map(|r| r.to_model_json().to_string())
        .collect();
    let logged: Vec<String> = s
        .audit
        .records()
        .into_iter()
        .filter_map(|r| r.error)
        .collect();
    for text in said.iter().chain(&logged) {
        assert!(
            !text.contains("S3CR3T") && !text.contains("77318842"),
            "{text}"
        );
    }
    assert_eq!(
        s.audit.records()[0].arguments.to_value()["labels"]["api_key"],
        "[REDACTED]"
    );
    // A custom message that repeats nothing of the input is kept.
    let call = ToolCall::new(
        "c",
        "reassign_support_ticket",
        r#"{"id":"T-1","priority":1,"due":"now"}"#,
    );
    let r = s.ex.call(&agent(), &call).await;
    assert_eq!(
        errors(&r),
        ["/due: `now` is not a date in the form YYYY-MM-DD"],
        "a value under four bytes carries no secret"
    );
}

#[tokio::test]
async fn a_flood_of_unknown_keys_gives_a_short_error() {
    let s = setup();
    let keys: Vec<String> = (0..96_000).map(|i| format!("\"k{i}\":0")).collect();
    let args = format!("{{{}}}", keys.join(","));
    assert!(
        args.len() < 1 << 20,
        "under the argument cap: {}",
        args.len()
    );
    let r =
        s.ex.call(&agent(), &ToolCall::new("c", "count_waiting_tickets", args))
            .await;
    let j = r.to_model_json();
    assert_eq!(j["error"], "96000 invalid arguments");
    let list = errors(&r);
    assert_eq!(list.len(), 21);
    assert_eq!(
        list[20],
        "…and 95980 more not listed; fix the ones above first"
    );
    assert!(j.to_string().len() < 8_000, "{} bytes", j.to_string().len());
    let record = s.audit.records().pop().unwrap();
    assert!(record.error.unwrap().len() < 100);
}

#[tokio::test]
async fn a_megabyte_key_is_cut_short_in_the_error() {
    let s = setup();
    let key = "ключ".repeat(120_000);
    let args = format!(r#"{{"{key}":1}}"#);
    let r =
        s.ex.call(&agent(), &ToolCall::new("c", "count_waiting_tickets", args))
            .await;
    let list = errors(&r);
    assert_eq!(list.len(), 1);
    assert!(list[0].len() < 2_000, "{} bytes", list[0].len());
    assert!(
        list[0].starts_with("/ключ") && list[0].contains("…: unknown argument"),
        "{}",
        &list[0][..300]
    );
}

#[tokio::test]
async fn a_key_given_twice_is_refused_at_any_depth() {
    let s = setup();
    let cases = [
        // The float sends the fast path to the float-normalizing re-parse.
        (
            r#"{"id":"a","id":"b","priority":1.0}"#,
            "/: the key `id` appears more than once in this object; send each key once",
        ),
        (
            r#"{"id":"a","id":"b","priority":1}"#,
            "/: the key `id` appears more than once in this object; send each key once",
        ),
        (
            r#"{"id":"a","priority":1,"labels":{"team":"x","team":"y"}}"#,
            "/labels: the key `team` appears more than once in this object; send each key once",
        ),
        (
            r#"{"id":"a","priority":1.0,"labels":{"team":"x","t\u0065am":"y"}}"#,
            "/labels: the key `team` appears more than once in this object; send each key once",
        ),
        (
            r#"{"id":"a","priority":1,"labels":{"api_key":"x","api_key":"y"}}"#,
            "/labels: a key appears more than once in this object; send each key once",
        ),
    ];
    for (args, expected) in cases {
        let r =
            s.ex.call(
                &agent(),
                &ToolCall::new("c", "reassign_support_ticket", args),
            )
            .await;
        assert_eq!(errors(&r), [expected], "{args}");
    }
    assert!(
        s.shown.0.lock().unwrap().is_empty(),
        "nothing ran or was confirmed"
    );
    // JSON values handed over already parsed cannot hold a duplicate: that is the parser's job.
    let call = ToolCall {
        id: "c".into(),
        name: "reassign_support_ticket".into(),
        arguments: CallArguments::Json(json!({"id": "a", "priority": 1})),
        provider_data: None,
    };
    assert!(s.ex.call(&agent(), &call).await.outcome.is_ok());
}

#[tokio::test]
async fn a_key_given_twice_in_a_providers_argument_text_is_refused() {
    let s = setup();
    let body = json!({"choices": [{"message": {"role": "assistant", "tool_calls": [
        {"id": "call_a", "type": "function", "function": {
            "name": "reassign_support_ticket",
            "arguments": r#"{"id":"T-1","priority":1,"labels":{"team":"a","team":"b"}}"#
        }}
    ]}}]});
    let calls = toolwright::providers::openai::parse_tool_calls(&body).unwrap();
    let r = s.ex.call(&agent(), &calls[0]).await;
    assert_eq!(
        errors(&r),
        ["/labels: the key `team` appears more than once in this object; send each key once"]
    );
}

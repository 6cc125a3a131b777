//! No secret value ever appears in any audit sink's output, wherever the model puts it.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;
use toolwright::{Executor, JsonlSink, MemorySink, Principal, Registry, ToolCall, ToolError, tool};

/// Register a webhook that receives order events, signed with a shared key.
/// Returns the id of the new webhook subscription.
#[tool(permissions = ["hooks:write"])]
async fn register_order_webhook(
    /// HTTPS URL that receives the events, e.g. "https://example.com/hooks/orders"
    url: String,
    /// Shared signing key for the HMAC signature header; at least 16 characters
    #[arg(secret, min_len = 16)]
    signing_key: String,
    /// Extra HTTP headers sent with each event, e.g. {"X-Team": "billing"}
    headers: BTreeMap<String, String>,
) -> Result<String, ToolError> {
    let _ = (signing_key, headers);
    Ok(format!("hook:{url}"))
}

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{12,24}".prop_map(|s| format!("S3CR3T{s}"))
}

#[derive(Debug, Clone)]
enum Placement {
    SigningKey,
    Header(&'static str),
    SigningKeyWrongType,
    InvalidJsonText,
    /// Under a secret-looking key, inside a value of the wrong type.
    NestedWrongType(&'static str),
    /// Under a key the tool does not declare.
    UndeclaredKey,
    /// The fields as a positional array.
    Positional,
    /// The whole arguments object encoded once more, as a JSON string.
    DoubleEncoded,
    /// In a call to a tool name that is not registered.
    UnknownTool,
    /// Next to a duplicate key.
    DuplicateKey,
}

fn placement() -> impl Strategy<Value = Placement> {
    prop_oneof![
        Just(Placement::SigningKey),
        Just(Placement::Header("Authorization")),
        Just(Placement::Header("X-Api-Key")),
        Just(Placement::Header("db_password")),
        Just(Placement::Header("GitHub-Token")),
        Just(Placement::SigningKeyWrongType),
        Just(Placement::InvalidJsonText),
        Just(Placement::NestedWrongType("api_key")),
        Just(Placement::NestedWrongType("Refresh-Token")),
        Just(Placement::UndeclaredKey),
        Just(Placement::Positional),
        Just(Placement::DoubleEncoded),
        Just(Placement::UnknownTool),
        Just(Placement::DuplicateKey),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn secrets_never_reach_audit_output(secret in secret(), placement in placement(), allowed in any::<bool>(), short in any::<bool>(), as_json in any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let memory = MemorySink::new();
        let registry = Registry::builder().tool(register_order_webhook).build().unwrap();
        let ex = Executor::builder(registry)
            .audit(memory.clone())
            .audit(JsonlSink::open(&path).unwrap())
            .build();
        let key = if short { secret[..10].to_owned() } else { secret.clone() };
        let args = match &placement {
            Placement::SigningKey => json!({"url": "https://x", "signing_key": key, "headers": {}}).to_string(),
            Placement::Header(h) => json!({"url": "https://x", "signing_key": "k".repeat(16), "headers": {(*h): key}}).to_string(),
            Placement::SigningKeyWrongType => json!({"url": "https://x", "signing_key": [key], "headers": {}}).to_string(),
            Placement::InvalidJsonText => format!(r#"{{"url": "https://x", "signing_key": "{key}", "headers": {{"#),
            Placement::NestedWrongType(k) => json!({"url": "https://x", "signing_key": "k".repeat(16), "headers": {"x": {(*k): [key]}}}).to_string(),
            Placement::UndeclaredKey => json!({"url": "https://x", "signing_key": "k".repeat(16), "headers": {}, "note": key}).to_string(),
            Placement::Positional => json!(["https://x", key, {}]).to_string(),
            Placement::DoubleEncoded => json!(json!({"url": "https://x", "signing_key": key, "headers": {}}).to_string()).to_string(),
            Placement::UnknownTool => json!({"url": key, "headers": {"x": key}}).to_string(),
            Placement::DuplicateKey => format!(r#"{{"url": "{key}", "url": "https://x", "signing_key": "{}", "headers": {{}}}}"#, "k".repeat(16)),
        };
        let name = match placement {
            Placement::UnknownTool => "register_order_webhooks",
            _ => "register_order_webhook",
        };
        let call = match serde_json::from_str(&args) {
            // Arguments handed over already parsed take the other path through validation.
            Ok(value) if as_json => ToolCall::with_json("c", name, value),
            _ => ToolCall::new("c", name, args),
        };
        let principal = if allowed { Principal::new("p").grant("hooks:write") } else { Principal::new("p") };
        let result = rt.block_on(ex.call(&principal, &call));
        drop(ex);
        let needle = &key[..10];
        let file = std::fs::read_to_string(&path).unwrap();
        prop_assert!(!file.contains(needle), "JSONL sink leaked: {file}");
        prop_assert!(!memory.to_jsonl().contains(needle), "memory sink leaked");
        prop_assert!(!format!("{:?}", memory.records()).contains(needle), "records leaked");
        prop_assert!(!result.to_model_json().to_string().contains(needle), "error shown to the model leaked");
        prop_assert_eq!(memory.records().iter().filter(|r| r.final_record).count(), 1);
    }
}

/// A JSONL record is in the file when the call returns, not when the sink is dropped: a crash
/// right after a call loses none of its records.
#[tokio::test]
async fn a_jsonl_record_is_in_the_file_when_the_call_returns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let registry = Registry::builder()
        .tool(register_order_webhook)
        .build()
        .unwrap();
    let ex = Executor::builder(registry)
        .audit(JsonlSink::open(&path).unwrap())
        .build();
    let alice = Principal::new("alice").grant("hooks:write");
    for n in 0..3 {
        let args = json!({"url": "https://x", "signing_key": "k".repeat(16), "headers": {}});
        let call = ToolCall::new(format!("c{n}"), "register_order_webhook", args.to_string());
        ex.call(&alice, &call).await;
        // The executor and its sink are alive: nothing has been flushed by a drop.
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), n + 1, "{text}");
        assert_eq!(lines[n]["call_id"], format!("c{n}"));
        assert!(
            !text.contains(&"k".repeat(16)),
            "the signing key is redacted"
        );
    }
    drop(ex);
}

//! Tools declared at runtime (`DynamicTool`): the executor treats them like `#[tool]`s —
//! validation against their JSON Schema with pointers, permission, confirmation, rate limits,
//! timeouts, retries only when idempotent, audit with secrets redacted — and a schema that
//! cannot work is refused when the tool is built, never at a call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use toolwright::{
    AutoApprove, DynamicTool, Executor, MemorySink, Principal, Rate, Registry, RegistryError,
    ToolCall, ToolError,
};

use crate::support::error_lines;

fn ticket_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "id": {"type": "integer", "minimum": 1, "description": "The ticket's number"},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}},
            "api_key": {"type": "string", "description": "Key for the ticket system"}
        },
        "required": ["id"],
        "additionalProperties": false
    })
}

fn counting(
    builder: toolwright::DynamicToolBuilder,
    runs: &Arc<AtomicUsize>,
) -> Result<DynamicTool, RegistryError> {
    let runs = runs.clone();
    builder.body(move |args, _ctx| {
        let runs = runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(json!({"closed": args["id"]}))
        }
    })
}

fn call(name: &str, args: Value) -> ToolCall {
    ToolCall::with_json("c1", name, args)
}

#[tokio::test]
async fn every_schema_error_is_reported_with_its_pointer_before_the_body_runs() {
    let runs = Arc::new(AtomicUsize::new(0));
    let tool = counting(
        DynamicTool::builder(
            "lookup_ticket",
            "Look up a support ticket by its number. Returns its status.",
        )
        .input_schema(ticket_schema())
        .read_only(true),
        &runs,
    )
    .unwrap();
    let executor = Executor::new(Registry::builder().tool(tool).build().unwrap());
    let anyone = Principal::anonymous();

    let bad = executor
        .call(
            &anyone,
            &call(
                "lookup_ticket",
                json!({"id": 0, "tags": ["toolong"], "extra": 1}),
            ),
        )
        .await;
    assert_kind!(bad, InvalidArguments);
    let lines = error_lines(bad.error().unwrap());
    for expected in [
        "/id: must be at least 1",
        "/tags/0: must be at most 5 characters long",
        "/extra: unknown field",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} not in {lines:?}"
        );
    }
    let missing = executor
        .call(&anyone, &call("lookup_ticket", json!({})))
        .await;
    assert_eq!(
        error_lines(missing.error().unwrap()),
        ["/id: missing required field"]
    );
    let text = ToolCall::new("c2", "lookup_ticket", r#"{"id": 1, "id": 2}"#);
    assert_kind!(executor.call(&anyone, &text).await, InvalidArguments);
    let array = ToolCall::new("c3", "lookup_ticket", "[1]");
    assert_kind!(executor.call(&anyone, &array).await, InvalidArguments);
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    let ok = executor
        .call(&anyone, &call("lookup_ticket", json!({"id": 7})))
        .await;
    assert_eq!(ok.outcome.unwrap(), json!({"closed": 7}));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn schemas_that_cannot_work_are_refused_when_the_tool_is_built() {
    let build = |schema: Value| {
        DynamicTool::builder(
            "lookup_ticket",
            "Look up a support ticket by its number. Returns its status.",
        )
        .input_schema(schema)
        .body(|_, _| async { Ok(Value::Null) })
        .map(|_| ())
    };
    for (schema, expected) in [
        (json!({"type": "array"}), "\"type\": \"object\""),
        (json!("object"), "\"type\": \"object\""),
        (
            json!({"type": "object", "properties": {"id": {"type": "no-such-type"}}}),
            "does not compile",
        ),
        (
            json!({"type": "object", "properties": {"p": {"$ref": "http://169.254.169.254/schema.json"}}}),
            "does not compile",
        ),
    ] {
        let err = build(schema.clone()).unwrap_err().to_string();
        assert!(err.contains(expected), "{schema}: {err}");
        assert!(err.contains("lookup_ticket"), "{err}");
    }
    let secret = DynamicTool::builder(
        "lookup_ticket",
        "Look up a support ticket by its number. Returns its status.",
    )
    .secret("password")
    .body(|_, _| async { Ok(Value::Null) })
    .unwrap_err();
    assert!(
        secret.to_string().contains("`password` is not a property"),
        "{secret}"
    );
    let destructive = DynamicTool::builder(
        "close_ticket",
        "Close a support ticket for good. Returns nothing.",
    )
    .destructive(true)
    .body(|_, _| async { Ok(Value::Null) })
    .unwrap();
    let err = Registry::builder().tool(destructive).build().unwrap_err();
    assert!(err.to_string().contains("at least one permission"), "{err}");
}

#[tokio::test]
async fn permission_confirmation_and_audit_apply_as_for_tool_functions() {
    let runs = Arc::new(AtomicUsize::new(0));
    let tool = counting(
        DynamicTool::builder(
            "close_ticket",
            "Close a support ticket for good. Returns the closed ticket's number.",
        )
        .input_schema(ticket_schema())
        .permission("tickets:write")
        .destructive(true)
        .secret("api_key"),
        &runs,
    )
    .unwrap();
    let registry = Registry::builder().tool(tool).build().unwrap();
    let args = json!({"id": 3, "api_key": "sk-live-123", "tags": ["a"]});
    let writer = Principal::new("writer").grant("tickets:write");

    let sink = MemorySink::new();
    let no_one_asked = Executor::builder(registry.clone())
        .audit(sink.clone())
        .build();
    assert_kind!(
        no_one_asked
            .call(
                &Principal::new("reader"),
                &call("close_ticket", args.clone())
            )
            .await,
        UnknownTool
    );
    assert_kind!(
        no_one_asked
            .call(&writer, &call("close_ticket", args.clone()))
            .await,
        Denied
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    let approved = Executor::builder(registry)
        .confirmer(AutoApprove)
        .audit(sink.clone())
        .build();
    let ok = approved.call(&writer, &call("close_ticket", args)).await;
    assert_eq!(ok.outcome.unwrap(), json!({"closed": 3}));
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    let records = sink.records();
    assert!(records.len() >= 3);
    for r in &records {
        let args = serde_json::to_value(&r.arguments).unwrap();
        assert_eq!(args["api_key"], "[REDACTED]", "{args}");
        assert_eq!(args["id"], 3);
    }
}

#[tokio::test(start_paused = true)]
async fn timeouts_rate_limits_and_retries_follow_the_declared_policy() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = attempts.clone();
    let flaky = DynamicTool::builder(
        "fetch_weather",
        "Fetch the weather for a city. Returns the forecast text.",
    )
    .read_only(true)
    .idempotent(true)
    .retries(2)
    .rate_limit(Rate::per_minute(3))
    .timeout(Duration::from_secs(2))
    .body(move |_, _| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(ToolError::unavailable("weather service down"))
            } else {
                Ok(json!("sunny"))
            }
        }
    })
    .unwrap();
    let hangs = DynamicTool::builder(
        "wait_forever",
        "Wait for an event that never comes. Returns the event.",
    )
    .read_only(true)
    .timeout(Duration::from_secs(1))
    .body(|_, _| async {
        std::future::pending::<()>().await;
        Ok(Value::Null)
    })
    .unwrap();
    let executor = Executor::new(Registry::builder().tool(flaky).tool(hangs).build().unwrap());
    let anyone = Principal::anonymous();

    let first = executor
        .call(&anyone, &call("fetch_weather", json!({})))
        .await;
    assert_eq!(first.outcome.unwrap(), json!("sunny"));
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        2,
        "one retry after the unavailable error"
    );
    for _ in 0..2 {
        assert!(
            executor
                .call(&anyone, &call("fetch_weather", json!({})))
                .await
                .outcome
                .is_ok()
        );
    }
    assert_kind!(
        executor
            .call(&anyone, &call("fetch_weather", json!({})))
            .await,
        RateLimited
    );

    assert_kind!(
        executor
            .call(&anyone, &call("wait_forever", json!({})))
            .await,
        Timeout
    );
}

#[test]
fn a_declared_title_reaches_mcp_hosts() {
    let runs = Arc::new(AtomicUsize::new(0));
    let titled = counting(
        DynamicTool::builder(
            "close_ticket",
            "Close a support ticket by its number. Returns the closed ticket's number.",
        )
        .input_schema(ticket_schema())
        .title("Close ticket"),
        &runs,
    )
    .unwrap();
    let registry = Registry::builder().tool(titled).build().unwrap();
    let tools = toolwright::providers::mcp::export(registry.iter()).tools;
    assert_eq!(tools["tools"][0]["title"], "Close ticket");
}

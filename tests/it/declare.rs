//! Every form of declaration works from a crate that depends only on `toolwright`.

use std::sync::Mutex;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use toolwright::{Executor, Principal, Registry, ToolCall, ToolContext, ToolError, tool, tools};

use crate::support::{admin, error_lines};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Article {
    pub title: String,
    pub url: String,
}

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(permissions = ["kb:read"], read_only, timeout = "5s", rate_limit = "30/min")]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    #[arg(min_len = 1, max_len = 200)]
    query: String,
    /// How many results to return, from 1 to 20. Defaults to 5.
    #[arg(range = 1..=20)]
    limit: Option<u8>,
    ctx: &ToolContext,
) -> Result<Vec<Article>, ToolError> {
    let n = limit.unwrap_or(5);
    Ok((0..n)
        .map(|i| Article {
            title: format!("{query} #{i} for {}", ctx.principal().id()),
            url: format!("https://kb.example.com/{i}"),
        })
        .collect())
}

/// Convert a temperature from degrees Celsius to degrees Fahrenheit. Returns the converted value.
#[tool(read_only, idempotent)]
fn convert_celsius_to_fahrenheit(
    /// Temperature in degrees Celsius, e.g. 21.5
    celsius: f64,
) -> f64 {
    celsius * 9.0 / 5.0 + 32.0
}

/// Get the current server time as an RFC 3339 timestamp in UTC. Returns the timestamp string.
#[tool(read_only)]
async fn get_current_time() -> String {
    "2026-11-26T21:00:00Z".into()
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    Urgent,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Recipient {
    /// Email address of the recipient, e.g. ana@example.com
    pub email: String,
    /// Display name shown in the To: header
    pub name: Option<String>,
}

/// Send an email to one or more recipients from the support mailbox.
/// Returns the message id assigned by the mail server.
#[tool(permissions = ["mail:send"])]
async fn send_support_email(
    /// Recipients of the email; at most 10 addresses
    #[arg(min_len = 1, max_len = 10)]
    to: Vec<Recipient>,
    /// Subject line shown in the recipient's inbox, up to 120 characters
    #[arg(max_len = 120)]
    subject: String,
    /// Plain-text body of the email, signed by the support team
    body: String,
    /// Delivery priority: low, normal or urgent. Defaults to normal.
    #[arg(default = Priority::Normal)]
    priority: Priority,
    /// API key of the mail provider account used to send; never logged
    #[arg(secret)]
    api_key: Option<String>,
) -> Result<String, ToolError> {
    let _ = (body, api_key);
    Ok(format!(
        "<{}-{:?}-{}@mail>",
        to.len(),
        priority,
        subject.len()
    ))
}

/// A shop backed by a (fake) database: tools as methods over shared state.
pub struct Shop {
    orders: Mutex<Vec<(String, String)>>,
}

#[tools]
impl Shop {
    /// Look up the status of a customer order by its order number.
    /// Returns the order status such as "shipped" or "processing".
    #[tool(permissions = ["orders:read"], read_only)]
    async fn get_order_status(
        &self,
        /// Order number as printed on the receipt, e.g. "A-1042"
        #[arg(pattern = "^[A-Z]-[0-9]+$")]
        order_id: String,
    ) -> Result<String, ToolError> {
        let orders = self
            .orders
            .lock()
            .map_err(|_| ToolError::unavailable("order store poisoned"))?;
        orders
            .iter()
            .find(|(id, _)| *id == order_id)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| ToolError::failed(format!("no order {order_id}")))
    }

    /// Cancel a customer order that has not shipped yet, by its order number.
    /// Returns the number of orders cancelled (0 or 1).
    #[tool(permissions = ["orders:write"], destructive, idempotent)]
    fn cancel_order(
        &self,
        /// Order number as printed on the receipt, e.g. "A-1042"
        order_id: String,
    ) -> usize {
        let mut orders = self
            .orders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = orders.len();
        orders.retain(|(id, _)| *id != order_id);
        before - orders.len()
    }

    /// Count the orders currently stored in the shop database. Returns the count as an integer.
    #[tool(permissions = ["orders:read"], read_only)]
    fn count_stored_orders(&self) -> usize {
        self.orders.lock().map(|o| o.len()).unwrap_or(0)
    }
}

fn shop() -> Shop {
    Shop {
        orders: Mutex::new(vec![
            ("A-1".into(), "shipped".into()),
            ("A-2".into(), "processing".into()),
        ]),
    }
}

fn registry() -> Registry {
    Registry::builder()
        .tool(search_knowledge_base)
        .tool(convert_celsius_to_fahrenheit)
        .tool(get_current_time)
        .tool(send_support_email)
        .tools(shop())
        .build()
        .expect("valid registry")
}

#[tokio::test]
async fn functions_stay_callable_as_written() {
    let ctx = ToolContext::for_test(Principal::new("u1"));
    let found = search_knowledge_base("refund".into(), Some(2), &ctx)
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].title, "refund #0 for u1");
    assert!((convert_celsius_to_fahrenheit(100.0) - 212.0).abs() < 1e-9);
    assert_eq!(get_current_time().await, "2026-11-26T21:00:00Z");
    let shop = shop();
    assert_eq!(
        shop.get_order_status("A-1".into()).await.unwrap(),
        "shipped"
    );
    assert_eq!(shop.cancel_order("A-1".into()), 1);
    assert_eq!(shop.count_stored_orders(), 1);
}

#[tokio::test]
async fn registry_holds_every_form() {
    let r = registry();
    let names: Vec<_> = r.iter().map(|e| e.name()).collect();
    assert_eq!(
        names,
        [
            "search_knowledge_base",
            "convert_celsius_to_fahrenheit",
            "get_current_time",
            "send_support_email",
            "get_order_status",
            "cancel_order",
            "count_stored_orders"
        ]
    );
    let search = r.get("search_knowledge_base").unwrap();
    assert_eq!(search.policy().permissions, ["kb:read"]);
    assert!(search.policy().read_only);
    assert_eq!(
        search.policy().timeout,
        Some(std::time::Duration::from_secs(5))
    );
    assert_eq!(search.policy().rate_limit.unwrap().count.get(), 30);
    let cancel = r.get("cancel_order").unwrap();
    assert!(cancel.policy().destructive && cancel.policy().idempotent);
}

#[tokio::test]
async fn duplicate_names_are_rejected() {
    let err = Registry::builder()
        .tool(get_current_time)
        .tool(get_current_time)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "two tools are named `get_current_time`; tool names must be unique within a registry"
    );
}

#[tokio::test]
async fn executor_calls_async_sync_and_method_tools() {
    let ex = Executor::new(registry());
    let p = admin();
    let r = ex
        .call(
            &p,
            &ToolCall::new("1", "search_knowledge_base", r#"{"query":"vpn"}"#),
        )
        .await;
    assert_eq!(r.outcome.unwrap().as_array().unwrap().len(), 5);
    let r = ex
        .call(
            &p,
            &ToolCall::new("2", "convert_celsius_to_fahrenheit", r#"{"celsius": 0}"#),
        )
        .await;
    assert_eq!(r.outcome.unwrap(), json!(32.0));
    let r = ex
        .call(&p, &ToolCall::new("3", "get_current_time", ""))
        .await;
    assert_eq!(r.outcome.unwrap(), json!("2026-11-26T21:00:00Z"));
    let r = ex
        .call(
            &p,
            &ToolCall::with_json("4", "get_order_status", json!({"order_id": "A-2"})),
        )
        .await;
    assert_eq!(r.outcome.unwrap(), json!("processing"));
    let r = ex
        .call(&p, &ToolCall::new("5", "count_stored_orders", "{}"))
        .await;
    assert_eq!(r.outcome.unwrap(), json!(2));
    let r = ex
        .call(
            &p,
            &ToolCall::new(
                "6",
                "send_support_email",
                r#"{"to":[{"email":"a@example.com"}],"subject":"Hi","body":"x"}"#,
            ),
        )
        .await;
    assert_eq!(r.outcome.unwrap(), json!("<1-Normal-2@mail>"));
    // `null` for a parameter with a default (what OpenAI strict mode sends) means the default.
    let r = ex
        .call(
            &p,
            &ToolCall::new(
                "7",
                "send_support_email",
                r#"{"to":[{"email":"a@example.com"}],"subject":"Hi","body":"x","priority":null,"api_key":null}"#,
            ),
        )
        .await;
    assert_eq!(r.outcome.unwrap(), json!("<1-Normal-2@mail>"));
}

#[tokio::test]
async fn every_argument_error_is_reported_at_once_with_pointers() {
    let ex = Executor::new(registry());
    let r = ex
        .call(
            &admin(),
            &ToolCall::new(
                "1",
                "send_support_email",
                r#"{"to":[{"email":1}],"subject":7,"extra":true,"priority":"asap"}"#,
            ),
        )
        .await;
    let err = r.outcome.unwrap_err();
    assert_kind!(err, InvalidArguments);
    let errors: Vec<String> = err.to_model_json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect();
    let joined = errors.join("\n");
    assert!(joined.contains("/extra: unknown argument"), "{joined}");
    assert!(
        joined.contains("/to/0/email: expected a string, got an integer"),
        "{joined}"
    );
    assert!(joined.contains("/subject: expected a string"), "{joined}");
    assert!(
        joined.contains("/body: missing required argument"),
        "{joined}"
    );
    assert!(
        joined.contains(r#"/priority: expected one of: "low", "normal", "urgent""#),
        "{joined}"
    );
    assert_eq!(errors.len(), 5, "{joined}");

    let r = ex
        .call(
            &admin(),
            &ToolCall::new("2", "search_knowledge_base", r#"{"query":"","limit":50}"#),
        )
        .await;
    let j = r.to_model_json();
    assert_eq!(
        j["errors"],
        json!([
            "/query: must be at least 1 character long, got 0",
            "/limit: must be at most 20, got 50"
        ])
    );

    let r = ex
        .call(
            &admin(),
            &ToolCall::new("3", "get_order_status", r#"{"order_id":"nope"}"#),
        )
        .await;
    assert_eq!(
        r.to_model_json()["errors"],
        json!(["/order_id: must match the pattern `^[A-Z]-[0-9]+$`"])
    );
}

#[tokio::test]
async fn unknown_and_unparsable_calls_get_structured_errors() {
    let ex = Executor::new(registry());
    let r = ex
        .call(&admin(), &ToolCall::new("1", "Search_Knowledge_Base", "{}"))
        .await;
    let j = r.to_model_json();
    assert_eq!(j["kind"], "unknown_tool");
    assert_eq!(
        j["suggestion"],
        "did you mean `search_knowledge_base`? tool names are exact"
    );
    let r = ex
        .call(
            &admin(),
            &ToolCall::new("2", "get_current_time", "{not json"),
        )
        .await;
    assert_eq!(r.to_model_json()["kind"], "invalid_arguments");
    let r = ex
        .call(&admin(), &ToolCall::new("3", "get_current_time", "[1,2]"))
        .await;
    assert_eq!(
        r.to_model_json()["errors"][0],
        "/: the arguments must be a JSON object, got an array"
    );
}

#[tokio::test]
async fn hidden_tools_look_exactly_like_unknown_ones() {
    let ex = Executor::new(registry());
    let reader = Principal::new("r").grant("kb:read");
    let hidden = ex
        .call(
            &reader,
            &ToolCall::new("1", "cancel_order", r#"{"order_id":"A-1"}"#),
        )
        .await;
    let missing = ex
        .call(
            &reader,
            &ToolCall::new("1", "cancel_orderz", r#"{"order_id":"A-1"}"#),
        )
        .await;
    let (h, m) = (hidden.to_model_json(), missing.to_model_json());
    assert_eq!(h["kind"], "unknown_tool");
    assert_eq!(h["available_tools"], m["available_tools"]);
    assert_eq!(
        h["available_tools"],
        json!([
            "search_knowledge_base",
            "convert_celsius_to_fahrenheit",
            "get_current_time"
        ])
    );
}

/// Input and output schemas are pinned as reviewed snapshots (`UPDATE_SNAPSHOTS=1` rewrites
/// them), are valid draft 2020-12 schemas, and accept and reject what the validator does.
#[test]
fn schemas_match_snapshots_and_are_valid_json_schema_2020_12() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/schemas");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut mismatches = Vec::new();
    for e in registry().iter() {
        for schema in std::iter::once(e.input_schema()).chain(e.output_schema()) {
            if let Err(err) = jsonschema::draft202012::meta::validate(schema) {
                panic!("{}: not a valid 2020-12 schema: {err}", e.name());
            }
            jsonschema::draft202012::new(schema).expect("schema compiles");
        }
        let actual = json!({
            "name": e.name(),
            "description": e.description(),
            "input_schema": e.input_schema(),
            "output_schema": e.output_schema(),
        });
        let path = dir.join(format!("{}.json", e.name()));
        let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != text {
            mismatches.push(format!("{}:\n{text}", path.display()));
        }
    }
    assert!(
        mismatches.is_empty(),
        "schema snapshots differ (UPDATE_SNAPSHOTS=1 to accept):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn schema_and_typed_validator_agree_on_examples() {
    let r = registry();
    let cases = [
        (
            "search_knowledge_base",
            json!({"query": "vpn", "limit": 20}),
            true,
        ),
        (
            "search_knowledge_base",
            json!({"query": "vpn", "limit": null}),
            true,
        ),
        (
            "search_knowledge_base",
            json!({"query": "vpn", "limit": 21}),
            false,
        ),
        ("search_knowledge_base", json!({"query": ""}), false),
        ("search_knowledge_base", json!({"limit": 3}), false),
        (
            "search_knowledge_base",
            json!({"query": "a", "other": 1}),
            false,
        ),
        (
            "send_support_email",
            json!({"to": [], "subject": "s", "body": "b"}),
            false,
        ),
        (
            "send_support_email",
            json!({"to": [{"email": "a@b.c"}], "subject": "s", "body": "b", "priority": "urgent"}),
            true,
        ),
        (
            "send_support_email",
            json!({"to": [{"email": "a@b.c"}], "subject": "s", "body": "b", "priority": "asap"}),
            false,
        ),
        (
            "send_support_email",
            json!({"to": [{"email": "a@b.c"}], "subject": "s", "body": "b", "priority": null}),
            true,
        ),
        ("get_order_status", json!({"order_id": "A-12"}), true),
        ("get_order_status", json!({"order_id": "a-12"}), false),
        ("get_current_time", json!({}), true),
        ("get_current_time", json!({"x": 1}), false),
    ];
    for (tool, args, valid) in cases {
        let entry = r.get(tool).unwrap();
        let schema_ok = jsonschema::draft202012::is_valid(entry.input_schema(), &args);
        let ctx_ok = toolwright::__private::prepare(
            &r,
            entry,
            &toolwright::CallArguments::Json(args.clone()),
            ToolContext::for_test(admin()),
        )
        .is_ok();
        assert_eq!(schema_ok, valid, "schema on {tool} {args}");
        assert_eq!(ctx_ok, valid, "validator on {tool} {args}");
    }
}

// Types judged by what they are, not how they are spelled (aliases, paths), and a parameter
// named like its tool.

type TrackerResult<T> = Result<T, ToolError>;
type StoryPoints = u32;
type Tags = Vec<String>;

/// Estimate an issue in story points and label it. Returns the stored estimate and labels.
#[tool(read_only)]
async fn estimate_tracker_issue(
    /// Estimate in story points, from 1 to 13.
    #[arg(range = 1..=13)]
    points: StoryPoints,
    /// Labels for the issue, at most two, e.g. ["bug"].
    #[arg(max_len = 2)]
    labels: Tags,
) -> TrackerResult<Vec<String>> {
    if points == 13 {
        return Err(ToolError::failed("thirteen points is too many to store"));
    }
    Ok(labels
        .into_iter()
        .map(|l| format!("{points}:{l}"))
        .collect())
}

/// Archive every closed issue of the tracker, older than a year, in one batch.
#[tool(idempotent)]
async fn archive_closed_issues() -> TrackerResult<()> {
    Ok(())
}

/// Run a shell command in the sandbox and return its standard output as text.
#[tool(read_only, allow(lone_word))]
fn command(
    /// The command line to run, e.g. "ls -la".
    command: String,
) -> String {
    format!("ran {command}")
}

fn tracker() -> Registry {
    Registry::builder()
        .tool(estimate_tracker_issue)
        .tool(archive_closed_issues)
        .tool(command)
        .build()
        .expect("valid registry")
}

#[tokio::test]
async fn a_result_alias_return_is_a_result_with_the_ok_type_as_output() {
    let r = tracker();
    let schema = r
        .get("estimate_tracker_issue")
        .and_then(|e| e.output_schema())
        .cloned();
    assert_eq!(schema.as_ref().map(|s| &s["type"]), Some(&json!("array")));
    assert_eq!(
        r.get("archive_closed_issues").unwrap().output_schema(),
        None,
        "an alias of Result<(), _> returns no data"
    );
    let ex = Executor::new(r);
    let ok = ex
        .call(
            &admin(),
            &ToolCall::new(
                "1",
                "estimate_tracker_issue",
                r#"{"points":3,"labels":["bug"]}"#,
            ),
        )
        .await;
    assert_eq!(ok.outcome.unwrap(), json!(["3:bug"]));
    let failed = ex
        .call(
            &admin(),
            &ToolCall::new(
                "2",
                "estimate_tracker_issue",
                r#"{"points":13,"labels":[]}"#,
            ),
        )
        .await;
    assert_eq!(
        failed.outcome.unwrap_err().kind(),
        toolwright::ErrorKind::Failed
    );
}

#[tokio::test]
async fn constraints_on_aliased_types_are_enforced() {
    let ex = Executor::new(tracker());
    let r = ex
        .call(
            &admin(),
            &ToolCall::new(
                "1",
                "estimate_tracker_issue",
                r#"{"points":20,"labels":["a","b","c"]}"#,
            ),
        )
        .await;
    let err = r.outcome.unwrap_err();
    assert_kind!(err, InvalidArguments);
    let lines = error_lines(&err);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("/points: must be at most 13")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("/labels: must have at most 2 items")),
        "{lines:?}"
    );
    let schema = &ex
        .registry()
        .get("estimate_tracker_issue")
        .unwrap()
        .input_schema()["properties"];
    assert_eq!(schema["points"]["maximum"], json!(13));
    assert_eq!(schema["labels"]["maxItems"], json!(2));
}

#[tokio::test]
async fn a_parameter_named_like_its_tool_is_an_ordinary_parameter() {
    assert_eq!(command("ls".into()), "ran ls");
    let ex = Executor::new(tracker());
    let r = ex
        .call(
            &admin(),
            &ToolCall::new("1", "command", r#"{"command":"pwd"}"#),
        )
        .await;
    assert_eq!(r.outcome.unwrap(), json!("ran pwd"));
}

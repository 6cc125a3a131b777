//! What a tool's errors become for the model: `?` on the errors a body meets converts, with a
//! documented kind and message; argument errors speak JSON, never Rust.

// `file_typed_ticket` takes one parameter per kind of value; an `allow` on it does not reach
// the code `#[tool]` generates from it.
#![allow(clippy::too_many_arguments)]

use std::error::Error;
use std::io;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use toolwright::{Executor, Principal, Registry, ResultExt, ToolCall, ToolError, ToolResult, tool};

fn call_rates(currency: &str) -> io::Result<f64> {
    Err(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!("rates.example.com refused the connection for {currency}"),
    ))
}

/// Fetch the current exchange rate of a currency against the euro.
/// Returns the rate as a decimal number.
#[tool(read_only)]
async fn fetch_exchange_rate(
    /// ISO 4217 currency code, e.g. "USD"
    currency: String,
) -> Result<f64, ToolError> {
    let rate = call_rates(&currency)?;
    Ok(rate)
}

/// Read an inventory file of the warehouse by its name.
/// Returns the file's text as stored.
#[tool(read_only)]
fn read_inventory_file(
    /// File name inside the inventory directory, e.g. "shelf-12.csv"
    name: String,
) -> Result<String, ToolError> {
    let text = std::fs::read_to_string(format!("/nonexistent-toolwright-inventory/{name}"))?;
    Ok(text)
}

fn parse_label(label: &str) -> Result<u32, Box<dyn Error + Send + Sync>> {
    Ok(label.trim_start_matches("SHIP-").parse::<u32>()?)
}

/// Parse a shipping label into its parcel number.
/// Returns the parcel number printed on the label.
#[tool(read_only)]
async fn parse_shipping_label(
    /// Label text as scanned, e.g. "SHIP-1042"
    label: String,
) -> Result<u32, ToolError> {
    let n = parse_label(&label)?;
    Ok(n)
}

/// Count the items left in stock for a product in the warehouse.
/// Returns the number of items on the shelves.
#[tool(read_only)]
async fn count_stock_items(
    /// Product SKU as printed on the shelf, e.g. "SKU-77"
    sku: String,
    /// Whether to ask the warehouse API instead of the local cache
    live: bool,
) -> Result<u32, ToolError> {
    if live {
        let n: u32 = Err::<u32, _>("503 from warehouse.example.com")
            .unavailable("the warehouse API is down")?;
        return Ok(n);
    }
    let n = sku
        .trim_start_matches("SKU-")
        .parse::<u32>()
        .tool_err("could not read the stock level")?;
    Ok(n)
}

#[cfg(feature = "anyhow")]
/// Synchronize the team calendar with the booking service.
/// Returns how many events were copied.
#[tool]
async fn sync_team_calendar(
    /// Calendar identifier, e.g. "team-payments"
    calendar: String,
) -> Result<u32, ToolError> {
    use anyhow::Context as _;
    let _ = calendar;
    let copied: u32 = Err::<u32, _>(io::Error::from(io::ErrorKind::TimedOut))
        .context("could not reach the booking service")?;
    Ok(copied)
}

fn executor() -> Executor {
    let builder = Registry::builder()
        .tool(fetch_exchange_rate)
        .tool(read_inventory_file)
        .tool(parse_shipping_label)
        .tool(count_stock_items)
        .tool(file_typed_ticket);
    #[cfg(feature = "anyhow")]
    let builder = builder.tool(sync_team_calendar);
    Executor::new(builder.build().expect("a valid registry"))
}

async fn call(ex: &Executor, tool: &str, args: Value) -> ToolResult {
    let alice = Principal::new("alice");
    ex.call(&alice, &ToolCall::with_json("c", tool, args)).await
}

async fn error_of(ex: &Executor, tool: &str, args: Value) -> ToolError {
    call(ex, tool, args)
        .await
        .outcome
        .expect_err("the call fails")
}

#[tokio::test]
async fn question_mark_on_a_refused_connection_is_unavailable_and_retryable() {
    let ex = executor();
    let e = error_of(&ex, "fetch_exchange_rate", json!({"currency": "USD"})).await;
    assert_kind!(e, Unavailable);
    assert!(e.is_retryable());
    assert_eq!(
        e.message(),
        "an I/O operation failed: rates.example.com refused the connection for USD"
    );
}

#[tokio::test]
async fn question_mark_on_a_missing_file_fails_with_its_display() {
    let ex = executor();
    let e = error_of(&ex, "read_inventory_file", json!({"name": "shelf-12.csv"})).await;
    assert_kind!(e, Failed);
    assert!(!e.is_retryable());
    let expected = io::Error::from(io::ErrorKind::NotFound).to_string();
    assert!(
        e.message().starts_with("an I/O operation failed: "),
        "{}",
        e.message()
    );
    assert!(
        !e.message().contains("Os {"),
        "never the Debug form: {}",
        e.message()
    );
    assert!(e.message().len() > expected.len().min(10));
}

#[tokio::test]
async fn question_mark_on_a_boxed_error_fails_with_its_display() {
    let ex = executor();
    let e = error_of(&ex, "parse_shipping_label", json!({"label": "SHIP-x"})).await;
    assert_kind!(e, Failed);
    assert_eq!(
        e.message(),
        "the tool failed: invalid digit found in string"
    );
    let ok = call(&ex, "parse_shipping_label", json!({"label": "SHIP-1042"})).await;
    assert_eq!(ok.outcome.expect("parses"), json!(1042));
}

#[tokio::test]
async fn tool_err_and_unavailable_say_what_failed_and_set_the_kind() {
    let ex = executor();
    let e = error_of(
        &ex,
        "count_stock_items",
        json!({"sku": "SKU-x", "live": false}),
    )
    .await;
    assert_kind!(e, Failed);
    assert_eq!(
        e.message(),
        "could not read the stock level: invalid digit found in string"
    );
    let e = error_of(
        &ex,
        "count_stock_items",
        json!({"sku": "SKU-1", "live": true}),
    )
    .await;
    assert_kind!(e, Unavailable);
    assert!(e.is_retryable());
    assert_eq!(
        e.message(),
        "the warehouse API is down: 503 from warehouse.example.com"
    );
}

#[cfg(feature = "anyhow")]
#[tokio::test]
async fn question_mark_on_anyhow_keeps_the_outer_context_and_sees_a_timeout_inside() {
    let ex = executor();
    let e = error_of(&ex, "sync_team_calendar", json!({"calendar": "team-a"})).await;
    assert_kind!(e, Unavailable);
    assert_eq!(
        e.message(),
        "the tool failed: could not reach the booking service"
    );
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    Billing,
    Shipping,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[expect(
    dead_code,
    reason = "only parsed: the tests check the parse and the schema, not the value"
)]
pub enum Assignee {
    User { name: String },
    Team { id: u32 },
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "only parsed: the tests check the parse and the schema, not the value"
)]
pub enum IssueRef {
    Number(u32),
    Full { owner: String, number: u32 },
}

/// A calendar date whose parser speaks Rust, the way chrono's does; its schema says
/// `format: date`.
#[derive(Debug)]
pub struct DueDate;

impl<'de> Deserialize<'de> for DueDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() == 10 && text.as_bytes()[4] == b'-' {
            Ok(Self)
        } else {
            Err(serde::de::Error::custom(
                "input contains invalid characters",
            ))
        }
    }
}

impl JsonSchema for DueDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DueDate".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "date"})
    }
}

/// File a ticket whose fields cover every kind of value a parameter can take.
/// Returns the number of fields that were given.
#[tool]
async fn file_typed_ticket(
    /// An 8-bit unsigned count, e.g. 3
    a_u8: Option<u8>,
    /// A 16-bit unsigned count, e.g. 3
    a_u16: Option<u16>,
    /// A 32-bit unsigned count, e.g. 3
    a_u32: Option<u32>,
    /// A 64-bit unsigned count, e.g. 3
    a_u64: Option<u64>,
    /// A pointer-sized unsigned count, e.g. 3
    a_usize: Option<usize>,
    /// An 8-bit signed offset, e.g. -3
    an_i8: Option<i8>,
    /// A 16-bit signed offset, e.g. -3
    an_i16: Option<i16>,
    /// A 32-bit signed offset, e.g. -3
    an_i32: Option<i32>,
    /// A 64-bit signed offset, e.g. -3
    an_i64: Option<i64>,
    /// A pointer-sized signed offset, e.g. -3
    an_isize: Option<isize>,
    /// A single-precision weight in kilograms, e.g. 1.5
    an_f32: Option<f32>,
    /// A double-precision weight in kilograms, e.g. 1.5
    an_f64: Option<f64>,
    /// Whether the ticket is urgent
    a_bool: Option<bool>,
    /// Free-text title of the ticket
    a_string: Option<String>,
    /// Labels attached to the ticket, e.g. ["vpn"]
    a_vec: Option<Vec<String>>,
    /// Queue that takes the ticket: billing or shipping
    a_queue: Option<Queue>,
    /// Who works on the ticket: {"kind": "user", "name": …} or {"kind": "team", "id": …}
    an_assignee: Option<Assignee>,
    /// The issue this ticket refers to: its number, or owner and number
    an_issue: Option<IssueRef>,
    /// Date the ticket is due, e.g. "2026-12-01"
    a_due: Option<DueDate>,
) -> usize {
    let given = [
        a_u8.is_some(),
        a_u16.is_some(),
        a_u32.is_some(),
        a_u64.is_some(),
        a_usize.is_some(),
        an_i8.is_some(),
        an_i16.is_some(),
        an_i32.is_some(),
        an_i64.is_some(),
        an_isize.is_some(),
        an_f32.is_some(),
        an_f64.is_some(),
        a_bool.is_some(),
        a_string.is_some(),
        a_vec.is_some(),
        a_queue.is_some(),
        an_assignee.is_some(),
        an_issue.is_some(),
        a_due.is_some(),
    ];
    given.iter().filter(|g| **g).count()
}

/// Each case: the pointer below `/`, the value sent at its first key, what the model read
/// before and what it reads now. `null` is listed where it is accepted: it means "absent".
const MESSAGES: &[(&str, &str, &str, &str)] = &[
    (
        "a_u8",
        r#""x""#,
        "expected u8, got a string",
        "expected an integer from 0 to 255, got a string",
    ),
    (
        "a_u8",
        "300",
        "expected u8, got an integer that does not fit",
        "expected an integer from 0 to 255, got an integer that does not fit",
    ),
    (
        "a_u8",
        "1.5",
        "expected u8, got a number with a fraction",
        "expected an integer from 0 to 255, got a number with a fraction",
    ),
    (
        "a_u16",
        "-1",
        "expected u16, got an integer that does not fit",
        "expected an integer from 0 to 65535, got an integer that does not fit",
    ),
    (
        "a_u32",
        "true",
        "expected u32, got a boolean",
        "expected an integer from 0 to 4294967295, got a boolean",
    ),
    (
        "a_u64",
        r#""1""#,
        "expected u64, got a string",
        "expected a non-negative integer, got a string",
    ),
    (
        "a_usize",
        "[]",
        "expected usize, got an array",
        "expected a non-negative integer, got an array",
    ),
    (
        "an_i8",
        "200",
        "expected i8, got an integer that does not fit",
        "expected an integer from -128 to 127, got an integer that does not fit",
    ),
    (
        "an_i16",
        r#""x""#,
        "expected i16, got a string",
        "expected an integer from -32768 to 32767, got a string",
    ),
    (
        "an_i32",
        "{}",
        "expected i32, got an object",
        "expected an integer from -2147483648 to 2147483647, got an object",
    ),
    (
        "an_i64",
        r#""x""#,
        "expected i64, got a string",
        "expected an integer, got a string",
    ),
    (
        "an_isize",
        "0.5",
        "expected isize, got a number with a fraction",
        "expected an integer, got a number with a fraction",
    ),
    (
        "an_f32",
        r#""x""#,
        "expected f32, got a string",
        "expected a number, got a string",
    ),
    (
        "an_f64",
        "[1]",
        "expected f64, got an array",
        "expected a number, got an array",
    ),
    (
        "a_bool",
        r#""yes""#,
        "expected a boolean, got a string",
        "expected a boolean, got a string",
    ),
    (
        "a_string",
        "7",
        "expected a string, got an integer",
        "expected a string, got an integer",
    ),
    (
        "a_vec",
        r#""vpn""#,
        "expected a sequence, got a string",
        "expected an array, got a string",
    ),
    (
        "a_vec/0",
        "[1]",
        "expected a string, got an integer",
        "expected a string, got an integer",
    ),
    (
        "a_queue",
        r#""asap""#,
        "unknown variant; expected `billing` or `shipping`",
        r#"expected one of: "billing", "shipping""#,
    ),
    (
        "a_queue",
        "3",
        "expected string or map, got an integer",
        r#"expected one of: "billing", "shipping", null, got an integer"#,
    ),
    (
        "an_assignee/kind",
        r#"{"kind": "robot"}"#,
        "unknown variant; expected `user` or `team`",
        r#"expected one of: "user", "team""#,
    ),
    (
        "an_assignee",
        r#"{"kind": "team"}"#,
        "missing field `id`",
        r#"missing required key "id""#,
    ),
    (
        "an_assignee",
        r#""team""#,
        "expected internally tagged enum Assignee, got a string",
        "expected an object, got a string",
    ),
    (
        "an_issue",
        r#""x""#,
        "data did not match any variant of untagged enum IssueRef",
        r#"expected one of: an integer from 0 to 4294967295, an object with "owner", "number", null"#,
    ),
    (
        "a_due",
        r#""tomorrow""#,
        "input contains invalid characters",
        "expected a date like 2026-12-01",
    ),
    (
        "a_due",
        "20261201",
        "expected a string, got an integer",
        "expected a date like 2026-12-01, got an integer",
    ),
];

#[tokio::test]
async fn argument_errors_name_json_types_and_values_never_rust_ones() {
    let ex = executor();
    let mut wrong = Vec::new();
    for &(field, sent, _before, after) in MESSAGES {
        let value: Value = serde_json::from_str(sent).expect("test JSON");
        let key = field.split('/').next().unwrap_or(field);
        let r = call(&ex, "file_typed_ticket", json!({ key: value })).await;
        let errors = r.to_model_json()["errors"].clone();
        let expected = json!([format!("/{field}: {after}")]);
        if errors != expected {
            wrong.push(format!("{field} = {sent}: {errors} (wanted {expected})"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let ok = call(
        &ex,
        "file_typed_ticket",
        json!({"an_issue": {"owner": "a", "number": 1}}),
    )
    .await;
    assert_eq!(ok.outcome.expect("valid"), json!(1));
}

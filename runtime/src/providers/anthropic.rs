//! Anthropic Messages API.
//!
//! - Tools: `[{"name", "description", "input_schema"}]`, `input_schema` a JSON Schema object
//!   with `"type": "object"` at the root (docs "Tool use" → "Specifying client tools";
//!   anthropic-sdk-python `types/tool_param.py`). The schema is sent in the portable form
//!   every export shares (standard formats only, optional = not required); Anthropic
//!   resolves local `$ref`s.
//! - Strict tool use ([`export_strict`], `"strict": true`): the schema is lowered the way
//!   anthropic-sdk-python's `lib/_parse/_transform.py` does: kept are `type`, `anyOf`
//!   (`oneOf` becomes `anyOf`), `allOf`, primitive `enum`/`const`, `description`, `title`,
//!   `$ref`/`$defs`, object `properties`/`required` with `additionalProperties: false`, string
//!   `format`s it supports and array `items` with `minItems` 0 or 1; everything else
//!   (bounds, lengths, patterns, defaults) moves into the description. A schema it cannot
//!   express (a free-form map, a list of types) is sent non-strict with a note. References
//!   that are not recursive are inlined so each property keeps its description.
//! - Examples: `input_examples` carries the tool's `#[tool(example = …)]` arguments.
//! - Tool calls: `content[]` blocks of `type: "tool_use"` with `id`, `name` and `input` (an
//!   object) (`types/tool_use_block.py`). The `id` is the call id the `tool_result` names;
//!   other fields of the block (`caller`, …) are kept as provider data and
//!   [`format_assistant_turn`] sends them back unchanged.
//! - Results: one user message whose content is a list of
//!   `{"type": "tool_result", "tool_use_id", "content", "is_error"?}` blocks, all results of a
//!   turn together (`types/tool_result_block_param.py`); `is_error` is sent only when true.
//!
//! A round trip: export the tools, read the model's calls, run them, send the results back.
//!
//! ```
//! use serde_json::json;
//! use toolwright::providers::{anthropic};
//! use toolwright::{Executor, Principal, Registry, tool};
//!
//! /// Get the current temperature in a city, in degrees Celsius. Returns the temperature.
//! #[tool(read_only)]
//! async fn get_weather(
//!     /// City name in English, e.g. "Paris"
//!     city: String,
//! ) -> i32 {
//!     if city == "Paris" { 18 } else { 21 }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let executor = Executor::new(Registry::builder().tool(get_weather).build().unwrap());
//! let user = Principal::anonymous();
//! // The tools for the request, scoped to what this principal may call.
//! let tools = anthropic::export(executor.registry().scoped(&user)).tools;
//! assert_eq!(tools[0]["input_schema"]["type"], "object");
//!
//! // The model's answer (a Messages response), its calls run, the results sent back.
//! let response = json!({"role": "assistant", "stop_reason": "tool_use", "content": [
//!     {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]});
//! let calls = anthropic::parse_tool_calls(&response).unwrap();
//! let mut results = Vec::new();
//! for call in &calls {
//!     results.push(executor.call(&user, call).await);
//! }
//! let message = anthropic::format_results(&results); // a `user` turn of `tool_result` blocks
//! assert_eq!(message["content"][0]["tool_use_id"], "toolu_1");
//! assert!(message.to_string().contains("18"));
//! # });
//! ```

use serde_json::{Value, json};

use super::{
    Export, ExportNote, ParseError, Provider, TurnContent, arguments_from_value, lower, result_text,
};
use crate::{ToolCall, ToolEntry, ToolResult};

/// The `tools` array for the Messages API.
pub fn export<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    export_with(tools, false)
}

/// The `tools` array with strict tool use: `"strict": true` on every tool whose schema can be
/// lowered to what strict mode accepts (see the module docs), each other tool sent as
/// [`export`] would, with a note saying why.
pub fn export_strict<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    export_with(tools, true)
}

fn export_with<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>, strict: bool) -> Export {
    Export::each(tools, |e, notes| {
        let mut changes = Vec::new();
        let lowered = if strict {
            match lower::anthropic_strict(e.input_schema()) {
                Ok((schema, mut why)) => {
                    changes.append(&mut why);
                    Some(schema)
                }
                Err(reason) => {
                    changes.push(format!("not strict: {reason}"));
                    None
                }
            }
        } else {
            None
        };
        let is_strict = lowered.is_some();
        let schema = lowered.unwrap_or_else(|| {
            lower::portable(e.input_schema(), lower::Optional::NotNullable, &mut changes)
        });
        notes.extend(ExportNote::about(e.name(), changes));
        let mut tool = json!({
            "name": e.name(),
            "description": e.description(),
            "input_schema": schema,
        });
        if is_strict {
            tool["strict"] = Value::Bool(true);
        }
        if !e.examples().is_empty() {
            tool["input_examples"] = Value::Array(e.examples().to_vec());
        }
        tool
    })
}

/// The `tools` array for a registry too big to send whole: every tool not named in `always`
/// gets `defer_loading: true` and Anthropic's BM25 tool search tool is added
/// (`ToolParam.defer_loading`, `ToolSearchToolBm25_20251119Param`). Pass only the
/// principal's scoped tools: the search cannot find what is not sent.
pub fn export_deferred<'a>(
    tools: impl IntoIterator<Item = &'a ToolEntry>,
    always: &[&str],
) -> Export {
    deferred(export(tools), always)
}

/// `export` with every tool not in `always` deferred and the BM25 search tool added.
pub(crate) fn deferred(export: Export, always: &[&str]) -> Export {
    export.deferred(
        always,
        json!({
            "type": "tool_search_tool_bm25_20251119",
            "name": "tool_search_tool_bm25",
        }),
    )
}

/// The `tool_use` blocks of a response (the whole body), in order.
///
/// # Errors
/// When the body has no `content` list, or a block has no name.
pub fn parse_tool_calls(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    super::typed_calls(response, "content", "tool_use", |b, name, index| ToolCall {
        id: super::id_text(b.get("id")).unwrap_or_else(|| format!("toolu_{index}")),
        name: name.to_owned(),
        arguments: arguments_from_value(b.get("input")),
        provider_data: super::unmodelled(b, &["type", "id", "name", "input"], Provider::Anthropic),
    })
}

/// What the turn held besides text and `tool_use` blocks (`thinking`, `redacted_thinking`,
/// `server_tool_use`, `tool_search_tool_result`, …), to send back with [`format_turn`]. Extended
/// thinking requires the thinking blocks of the turn that called tools to come back unchanged
/// (docs "Extended thinking" → "Preserving thinking blocks"), and a tool found by the tool
/// search is known to the model only through its `tool_search_tool_result` block.
pub fn parse_turn_content(response: &Value) -> Option<TurnContent> {
    let content = response.get("content")?.as_array()?;
    super::turn_content(
        content,
        |b| {
            matches!(
                b.get("type").and_then(Value::as_str),
                Some("text" | "tool_use")
            )
        },
        Provider::Anthropic,
    )
}

/// The model's turn as an assistant message to send back: a text block (when there is
/// text), then one `tool_use` block per call, with the block's provider fields as received, and
/// the turn's other blocks (from [`parse_turn_content`]) back in their places, unchanged;
/// content from another provider is left out.
pub fn format_turn(text: Option<&str>, calls: &[ToolCall], content: Option<&TurnContent>) -> Value {
    let blocks = super::turn_blocks(
        text,
        |t| json!({"type": "text", "text": t}),
        calls,
        |c| {
            json!({
                "type": "tool_use",
                "id": c.id,
                "name": c.name,
                "input": super::arguments_object(&c.arguments),
            })
        },
        content,
        Provider::Anthropic,
    );
    json!({"role": "assistant", "content": blocks})
}

/// [`format_turn`] without turn content: the text block (when there is text) and the
/// `tool_use` blocks.
pub fn format_assistant_turn(text: Option<&str>, calls: &[ToolCall]) -> Value {
    format_turn(text, calls, None)
}

/// The `tool_choice` object for the Messages API. `parallel: Some(false)` sets
/// `disable_parallel_tool_use` (not sent with `none`, which has no such field).
pub fn tool_choice(choice: &super::ToolChoice, parallel: Option<bool>) -> Value {
    let mut value = match choice {
        super::ToolChoice::Auto => json!({"type": "auto"}),
        super::ToolChoice::None => return json!({"type": "none"}),
        super::ToolChoice::Required => json!({"type": "any"}),
        super::ToolChoice::Named(name) => json!({"type": "tool", "name": name}),
    };
    if parallel == Some(false) {
        value["disable_parallel_tool_use"] = Value::Bool(true);
    }
    value
}

/// Whether the model stopped because it ran out of room: `stop_reason: "max_tokens"`, or
/// `"model_context_window_exceeded"` (docs "Handling stop reasons": treat it as truncated).
pub fn is_truncated(response: &Value) -> bool {
    matches!(
        response.get("stop_reason").and_then(Value::as_str),
        Some("max_tokens" | "model_context_window_exceeded")
    )
}

/// The text blocks of a response, joined.
pub fn response_text(response: &Value) -> Option<String> {
    let texts: Vec<&str> = super::items_of_type(response.get("content")?, "text")
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

/// One user message with a `tool_result` block per result.
pub fn format_results(results: &[ToolResult]) -> Value {
    let blocks: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut block = json!({
                "type": "tool_result",
                "tool_use_id": r.call_id,
                "content": result_text(r),
            });
            if r.is_error() {
                block["is_error"] = Value::Bool(true);
            }
            block
        })
        .collect();
    json!({"role": "user", "content": blocks})
}

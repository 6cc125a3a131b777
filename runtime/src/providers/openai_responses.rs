//! OpenAI Responses API.
//!
//! - Tools: flat `{"type": "function", "name", "description", "parameters", "strict"}`
//!   (API reference "Create a model response" → `tools`; openai-python
//!   `types/responses/function_tool_param.py`), with the same strict-mode lowering as
//!   [`openai`](super::openai).
//! - Tool calls: `output[]` items of `type: "function_call"` with `call_id`, `name` and
//!   `arguments` (JSON text) (`types/responses/response_function_tool_call.py`). The
//!   `call_id` pairs the call with its `function_call_output`; the item's own `id` (`fc_…`),
//!   `status`, `namespace`, … are kept as provider data, and [`format_calls`] sends the items
//!   back unchanged (`ResponseFunctionToolCallParam`) when the conversation is replayed
//!   without `previous_response_id`.
//! - Results: `{"type": "function_call_output", "call_id", "output"}` input items.
//! - The turn's other output items (`reasoning` with its `encrypted_content`,
//!   `tool_search_call`/`tool_search_output` from the hosted tool search, `message`) are kept
//!   as [`TurnContent`](super::TurnContent) ([`parse_turn_content`]) and [`format_turn`] puts
//!   them back unchanged among the calls: a reasoning model's `function_call` must come back
//!   with the reasoning item before it (guide "Reasoning" → "Keeping reasoning items in
//!   context"; openai-python `types/responses/response_input_item_param.py`: `ToolSearchCall`,
//!   `ToolSearchOutput`, `ResponseReasoningItemParam`).
//! - Text: the `output_text` parts of `message` items (the SDK's `output_text` is computed,
//!   not sent); a `status: "incomplete"` response with `incomplete_details.reason:
//!   "max_output_tokens"` was cut by the token limit.
//!
//! A round trip: export the tools, read the model's calls, run them, send the results back.
//!
//! ```
//! use serde_json::json;
//! use toolwright::providers::{openai_responses};
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
//! let tools = openai_responses::export(executor.registry().scoped(&user)).tools;
//! assert_eq!(tools[0]["name"], "get_weather");
//!
//! // The model's answer (a Responses `output`), its calls run, the results sent back.
//! let response = json!({"output": [{"type": "function_call", "id": "fc_1", "call_id": "call_1",
//!     "name": "get_weather", "arguments": "{\"city\": \"Paris\"}", "status": "completed"}]});
//! let calls = openai_responses::parse_tool_calls(&response).unwrap();
//! let mut results = Vec::new();
//! for call in &calls {
//!     results.push(executor.call(&user, call).await);
//! }
//! let items = openai_responses::format_results(&results); // `function_call_output` items
//! assert_eq!(items[0]["call_id"], "call_1");
//! assert_eq!(items[0]["output"], "18");
//! # });
//! ```

use serde_json::{Map, Value, json};

use super::{Export, ParseError, Provider, result_text};
use crate::{ToolCall, ToolEntry, ToolResult};

/// The `tools` array for the Responses API.
pub fn export<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    Export::each(tools, |e, notes| {
        let mut tool = Map::from_iter([("type".into(), Value::from("function"))]);
        tool.extend(super::openai::function_fields(e, notes));
        Value::Object(tool)
    })
}

/// The `tools` array for a registry too big to send whole: every tool not named in `always`
/// gets `defer_loading: true` (the model sees it only once the hosted tool search finds it),
/// and a `{"type": "tool_search"}` tool is added (`FunctionToolParam.defer_loading`,
/// `ToolSearchToolParam`). Pass only the principal's scoped tools: the search cannot find
/// what is not sent.
pub fn export_deferred<'a>(
    tools: impl IntoIterator<Item = &'a ToolEntry>,
    always: &[&str],
) -> Export {
    export(tools).deferred(always, json!({"type": "tool_search"}))
}

/// The `function_call` items of a response (the whole body), in order.
///
/// # Errors
/// When the body has no `output` list, or a call has no name.
pub fn parse_tool_calls(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    super::typed_calls(response, "output", "function_call", |item, name, index| {
        ToolCall {
            id: super::id_text(item.get("call_id"))
                .or_else(|| super::id_text(item.get("id")))
                .unwrap_or_else(|| format!("call_{index}")),
            name: name.to_owned(),
            arguments: super::arguments_from_value(item.get("arguments")),
            provider_data: super::unmodelled(
                item,
                &["type", "call_id", "name", "arguments"],
                Provider::OpenAiResponses,
            ),
        }
    })
}

/// The calls as `function_call` input items, with each item's provider fields (`id`,
/// `status`, …) as received.
pub fn format_calls(calls: &[ToolCall]) -> Value {
    Value::Array(
        calls
            .iter()
            .map(|c| {
                let item = json!({
                    "type": "function_call",
                    "call_id": c.id,
                    "name": c.name,
                    "arguments": super::arguments_text(&c.arguments),
                });
                super::with_unmodelled(item, c, Provider::OpenAiResponses)
            })
            .collect(),
    )
}

/// The response's output items other than `function_call` (see the module docs), to send
/// back with [`format_turn`].
pub fn parse_turn_content(response: &Value) -> Option<super::TurnContent> {
    let output = response.get("output")?.as_array()?;
    super::turn_content(
        output,
        |item| super::is_type(item, "function_call"),
        Provider::OpenAiResponses,
    )
}

/// The model's turn as input items: its other items (from [`parse_turn_content`]) and the
/// `function_call` items in the order they came, unchanged. Text becomes an assistant
/// message only when the turn content does not already hold the `message` item it came from;
/// content from another provider is left out.
pub fn format_turn(
    text: Option<&str>,
    calls: &[ToolCall],
    content: Option<&super::TurnContent>,
) -> Value {
    let has_message = content
        .and_then(|c| c.items_for(Provider::OpenAiResponses))
        .is_some_and(|items| items.iter().any(|i| super::is_type(&i.value, "message")));
    let mut items = Vec::new();
    if let Some(t) = text.filter(|t| !t.is_empty() && !has_message) {
        items.push(json!({"role": "assistant", "content": t}));
    }
    if let Value::Array(calls) = format_calls(calls) {
        items.extend(calls);
    }
    Value::Array(super::interleave(items, content, Provider::OpenAiResponses))
}

/// The text of the response's `message` items (`output_text` parts), joined.
pub fn response_text(response: &Value) -> Option<String> {
    let texts: Vec<&str> = super::items_of_type(response.get("output")?, "message")
        .filter_map(|i| i.get("content"))
        .flat_map(|content| super::items_of_type(content, "output_text"))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    (!texts.is_empty()).then(|| texts.concat())
}

/// Whether the response stopped at `max_output_tokens`.
pub fn is_truncated(response: &Value) -> bool {
    response.get("status").and_then(Value::as_str) == Some("incomplete")
        && response
            .get("incomplete_details")
            .and_then(|d| d.get("reason"))
            .and_then(Value::as_str)
            == Some("max_output_tokens")
}

/// The `tool_choice` value for the Responses API (`ToolChoiceFunctionParam` is flat).
pub fn tool_choice(choice: &super::ToolChoice) -> Value {
    match choice {
        super::ToolChoice::Auto => json!("auto"),
        super::ToolChoice::None => json!("none"),
        super::ToolChoice::Required => json!("required"),
        super::ToolChoice::Named(name) => json!({"type": "function", "name": name}),
    }
}

/// `function_call_output` items, one per result, in order.
pub fn format_results(results: &[ToolResult]) -> Value {
    results
        .iter()
        .map(|r| {
            json!({
                "type": "function_call_output",
                "call_id": r.call_id,
                "output": result_text(r),
            })
        })
        .collect()
}

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

use serde_json::{Value, json};

use super::{Export, ParseError, Provider, result_text};
use crate::{ToolCall, ToolEntry, ToolResult};

/// The `tools` array for the Responses API.
pub fn export<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    let mut notes = Vec::new();
    let tools = tools
        .into_iter()
        .map(|e| {
            let (parameters, strict) = super::openai::strict_parameters(e, &mut notes);
            json!({
                "type": "function",
                "name": e.name(),
                "description": super::description_with_examples(e),
                "parameters": parameters,
                "strict": strict,
            })
        })
        .collect();
    Export {
        tools: Value::Array(tools),
        notes,
    }
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
    let mut export = export(tools);
    if let Value::Array(items) = &mut export.tools {
        for item in items.iter_mut() {
            let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
            if !always.contains(&name) {
                item["defer_loading"] = Value::Bool(true);
            }
        }
        items.push(json!({"type": "tool_search"}));
    }
    export
}

/// The `function_call` items of a response (the whole body), in order.
///
/// # Errors
/// When the body has no `output` list, or a call has no name.
pub fn parse_tool_calls(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    let output = response
        .get("output")
        .and_then(Value::as_array)
        .ok_or(ParseError::Missing("output"))?;
    output
        .iter()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("function_call"))
        .enumerate()
        .map(|(index, item)| {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or(ParseError::NoName { index })?;
            let id = super::id_text(item.get("call_id"))
                .or_else(|| super::id_text(item.get("id")))
                .unwrap_or_else(|| format!("call_{index}"));
            let arguments = super::arguments_from_value(item.get("arguments"));
            Ok(ToolCall {
                id,
                name: name.to_owned(),
                arguments,
                provider_data: super::unmodelled(
                    item,
                    &["type", "call_id", "name", "arguments"],
                    Provider::OpenAiResponses,
                ),
            })
        })
        .collect()
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
    Value::Array(
        results
            .iter()
            .map(|r| {
                json!({
                    "type": "function_call_output",
                    "call_id": r.call_id,
                    "output": result_text(r),
                })
            })
            .collect(),
    )
}

//! OpenAI Chat Completions.
//!
//! - Tools: `[{"type": "function", "function": {"name", "description", "parameters", "strict"}}]`
//!   (API reference, "Create chat completion" → `tools`; openai-python
//!   `types/chat/chat_completion_tool_param.py`, `types/shared_params/function_definition.py`).
//! - Strict mode (guide "Structured Outputs" → "Supported schemas"): every object has
//!   `additionalProperties: false` and lists every property in `required`; optional fields are
//!   expressed as a union with `null`; supported keywords are `type`, `enum`, `const`, `anyOf`,
//!   `$ref`/`$defs` (recursion allowed), string `pattern` and `format` (date-time, time, date,
//!   duration, email, hostname, ipv4, ipv6, uuid), number `minimum`/`maximum`/exclusive
//!   bounds/`multipleOf`, array `minItems`/`maxItems`; at most 10 levels of object nesting and
//!   5000 properties; the root must be an object. Keywords outside that list are removed and,
//!   where they carry meaning (`default`, `minLength`, `maxLength`, …), moved into the
//!   description. A schema that cannot be made strict (free-form maps, `allOf`, …) is sent
//!   as it is with `"strict": false`, and an [`ExportNote`] says why.
//! - Tool calls: `choices[0].message.tool_calls[] = {id, type: "function", function: {name,
//!   arguments}}`, `arguments` being JSON text.
//! - Results: one `{"role": "tool", "tool_call_id", "content"}` message per call.
//!
//! A round trip: export the tools, read the model's calls, run them, send the results back.
//!
//! ```
//! use serde_json::json;
//! use toolwright::providers::{openai};
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
//! let tools = openai::export(executor.registry().scoped(&user)).tools;
//! assert_eq!(tools[0]["function"]["name"], "get_weather");
//!
//! // The model's answer (a Chat Completions response), its calls run, the results sent back.
//! let response = json!({"choices": [{"finish_reason": "tool_calls", "message": {
//!     "role": "assistant", "content": null,
//!     "tool_calls": [{"id": "call_1", "type": "function",
//!         "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}]});
//! let calls = openai::parse_tool_calls(&response).unwrap();
//! let mut results = Vec::new();
//! for call in &calls {
//!     results.push(executor.call(&user, call).await);
//! }
//! let messages = openai::format_results(&results); // `role: "tool"` messages, by call id
//! assert_eq!(messages[0]["tool_call_id"], "call_1");
//! assert_eq!(messages[0]["content"], "18");
//! # });
//! ```

use serde_json::{Map, Value, json};

use super::{Export, ExportNote, ParseError, Provider, lower, result_text};
use crate::{ToolCall, ToolEntry, ToolResult};

/// A tool as an OpenAI function: `name`, `description`, `parameters` lowered for strict mode
/// and `strict` (false, with a note saying why, when the schema cannot be strict). Both OpenAI
/// APIs send these fields, Chat Completions under `function`, Responses flat.
pub(crate) fn function_fields(
    entry: &ToolEntry,
    notes: &mut Vec<ExportNote>,
) -> Map<String, Value> {
    let (parameters, strict) = match lower::openai_strict(entry.input_schema()) {
        Ok((schema, changes)) => {
            notes.extend(ExportNote::about(entry.name(), changes));
            (schema, true)
        }
        Err(reason) => {
            let not_strict = format!("not strict: {reason}");
            notes.extend(ExportNote::about(entry.name(), [not_strict]));
            // `portable` sorts the notes it is given: this one stays first.
            let mut changes = Vec::new();
            let schema = lower::portable(
                entry.input_schema(),
                lower::Optional::NotNullable,
                &mut changes,
            );
            notes.extend(ExportNote::about(entry.name(), changes));
            (schema, false)
        }
    };
    let mut fields = Map::new();
    fields.insert("name".into(), entry.name().into());
    fields.insert(
        "description".into(),
        super::description_with_examples(entry).into(),
    );
    fields.insert("parameters".into(), parameters);
    fields.insert("strict".into(), strict.into());
    fields
}

/// The `tools` array for Chat Completions.
pub fn export<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    Export::each(
        tools,
        |e, notes| json!({"type": "function", "function": function_fields(e, notes)}),
    )
}

/// The tool calls of a Chat Completions response (the whole body), in order. A response
/// without tool calls gives an empty list.
///
/// # Errors
/// When the body has no `choices[0].message`, or a call has no function name.
pub fn parse_tool_calls(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    let message = super::first(response, "choices")
        .and_then(|c| c.get("message"))
        .ok_or(ParseError::Missing("choices[0].message"))?;
    parse_message_tool_calls(message)
}

/// The tool calls of one assistant message.
///
/// # Errors
/// When a call has no function name.
pub fn parse_message_tool_calls(message: &Value) -> Result<Vec<ToolCall>, ParseError> {
    let Some(calls) = message.get("tool_calls").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    calls
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let function = c.get("function");
            let name = function
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str)
                .ok_or(ParseError::NoName { index })?;
            let id = super::id_text(c.get("id")).unwrap_or_else(|| format!("call_{index}"));
            let arguments = super::arguments_from_value(function.and_then(|f| f.get("arguments")));
            Ok(ToolCall {
                id,
                name: name.to_owned(),
                arguments,
                provider_data: super::unmodelled(c, &["id", "type", "function"], Provider::OpenAi),
            })
        })
        .collect()
}

/// The model's turn as an assistant message to send back, each call with the provider
/// fields it came with (e.g. `extra_content` from OpenAI-compatible servers).
pub fn format_assistant_turn(text: Option<&str>, calls: &[ToolCall]) -> Value {
    let mut msg = json!({"role": "assistant", "content": text});
    if !calls.is_empty() {
        msg["tool_calls"] = calls
            .iter()
            .map(|c| {
                let call = json!({
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": super::arguments_text(&c.arguments)},
                });
                super::with_unmodelled(call, c, Provider::OpenAi)
            })
            .collect();
    }
    msg
}

/// The `tool_choice` value for Chat Completions.
pub fn tool_choice(choice: &super::ToolChoice) -> Value {
    match choice {
        super::ToolChoice::Auto => json!("auto"),
        super::ToolChoice::None => json!("none"),
        super::ToolChoice::Required => json!("required"),
        super::ToolChoice::Named(name) => json!({"type": "function", "function": {"name": name}}),
    }
}

/// Whether the model stopped because it ran out of output tokens (`finish_reason: "length"`):
/// its text is cut and its tool calls may be incomplete.
pub fn is_truncated(response: &Value) -> bool {
    super::first(response, "choices")
        .and_then(|c| c.get("finish_reason"))
        .and_then(Value::as_str)
        == Some("length")
}

/// The final text of a response, if the model answered without (or besides) tool calls.
pub fn response_text(response: &Value) -> Option<&str> {
    super::first(response, "choices")?
        .get("message")?
        .get("content")?
        .as_str()
}

/// `role: "tool"` messages, one per result, in order.
pub fn format_results(results: &[ToolResult]) -> Value {
    results
        .iter()
        .map(|r| json!({"role": "tool", "tool_call_id": r.call_id, "content": result_text(r)}))
        .collect()
}

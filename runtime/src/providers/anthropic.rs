//! Anthropic Messages API.
//!
//! - Tools: `[{"name", "description", "input_schema"}]`, `input_schema` a JSON Schema object
//!   with `"type": "object"` at the root (docs "Tool use" → "Specifying client tools";
//!   anthropic-sdk-python `types/tool_param.py`). The schema is sent as generated (no
//!   `$schema` key); Anthropic resolves local `$ref`s.
//! - Tool calls: `content[]` blocks of `type: "tool_use"` with `id`, `name` and `input` (an
//!   object) (`types/tool_use_block.py`).
//! - Results: one user message whose content is a list of
//!   `{"type": "tool_result", "tool_use_id", "content", "is_error"?}` blocks, all results of a
//!   turn together (`types/tool_result_block_param.py`); `is_error` is sent only when true.

use serde_json::{Value, json};

use super::{Export, ParseError, arguments_from_value, result_text};
use crate::{ToolCall, ToolEntry, ToolResult};

/// The `tools` array for the Messages API.
pub fn export<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    let tools = tools
        .into_iter()
        .map(|e| {
            json!({
                "name": e.name(),
                "description": e.description(),
                "input_schema": e.input_schema(),
            })
        })
        .collect();
    Export {
        tools: Value::Array(tools),
        notes: Vec::new(),
    }
}

/// The `tool_use` blocks of a response (the whole body), in order.
///
/// # Errors
/// When the body has no `content` list, or a block has no name.
pub fn parse_tool_calls(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    let content = response
        .get("content")
        .and_then(Value::as_array)
        .ok_or(ParseError::Missing("content"))?;
    content
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
        .enumerate()
        .map(|(index, b)| {
            let name = b
                .get("name")
                .and_then(Value::as_str)
                .ok_or(ParseError::NoName { index })?;
            Ok(ToolCall {
                id: super::id_text(b.get("id")).unwrap_or_else(|| format!("toolu_{index}")),
                name: name.to_owned(),
                arguments: arguments_from_value(b.get("input")),
            })
        })
        .collect()
}

/// The text blocks of a response, joined.
pub fn response_text(response: &Value) -> Option<String> {
    let texts: Vec<&str> = response
        .get("content")?
        .as_array()?
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
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

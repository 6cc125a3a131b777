//! Model APIs as pure functions, no HTTP: export the (scoped) tool definitions in each
//! provider's dialect, parse the tool calls out of a provider response, and format tool
//! results back as the provider's messages.
//!
//! | module | export | parse | format |
//! | --- | --- | --- | --- |
//! | [`openai`] | Chat Completions `tools` (strict mode) | `choices[0].message.tool_calls` | `role: "tool"` messages |
//! | [`openai_responses`] | Responses `tools` (flat, strict) | `output[]` `function_call` items | `function_call_output` items |
//! | [`anthropic`] | Messages `tools` | `content[]` `tool_use` blocks | one user message of `tool_result` blocks |
//! | [`gemini`] | one `functionDeclarations` Tool | `parts[].functionCall` | `functionResponse` parts |
//! | [`mcp`] | `ListToolsResult` | `tools/call` requests | `CallToolResult`s |

pub mod anthropic;
pub mod gemini;
mod lower;
pub mod mcp;
pub mod openai;
pub mod openai_responses;

use serde_json::{Map, Value};

use crate::call::CallArguments;

/// The tools in one provider's shape, and what had to be changed to get there.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    /// The value to send as the provider's `tools` (or MCP's `ListToolsResult`).
    pub tools: Value,
    /// What was lowered, dropped or why a tool is not strict, per tool.
    pub notes: Vec<ExportNote>,
}

/// One remark about one exported tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportNote {
    /// The tool.
    pub tool: String,
    /// What happened to it.
    pub message: String,
}

/// Why a provider response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A field the provider always sends is missing or has the wrong type.
    #[error("the response has no `{0}` (or it has the wrong type)")]
    Missing(&'static str),
    /// A tool call has no name.
    #[error("tool call {index} has no name")]
    NoName {
        /// Position of the call in the turn.
        index: usize,
    },
}

/// A tool's text for the model: the JSON of its value or of its error.
pub(crate) fn result_text(result: &crate::ToolResult) -> String {
    result.to_model_json().to_string()
}

/// Arguments given as JSON text: `""` means none; anything but an object is unusable.
pub(crate) fn arguments_from_text(text: &str) -> CallArguments {
    if text.trim().is_empty() {
        return CallArguments::Json(Value::Object(Map::new()));
    }
    match crate::validate::parse_strict(text) {
        Ok(Value::Object(m)) => CallArguments::Json(Value::Object(m)),
        // An object with a repeated key is kept as text: the validator reports the key with its
        // pointer. Text that is not valid JSON past the repeat is unusable like any other.
        Err(crate::validate::StrictError::Duplicate { .. }) => {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(_)) => CallArguments::Text(text.to_owned()),
                Ok(other) => CallArguments::Invalid {
                    raw: text.to_owned(),
                    error: format!(
                        "expected a JSON object, got {}",
                        crate::validate::json_type_name(&other)
                    ),
                },
                Err(e) => CallArguments::Invalid {
                    raw: text.to_owned(),
                    error: format!("not valid JSON: {e}"),
                },
            }
        }
        Ok(other) => CallArguments::Invalid {
            raw: text.to_owned(),
            error: format!(
                "expected a JSON object, got {}",
                crate::validate::json_type_name(&other)
            ),
        },
        Err(crate::validate::StrictError::Syntax(e)) => CallArguments::Invalid {
            raw: text.to_owned(),
            error: format!("not valid JSON: {e}"),
        },
    }
}

/// Arguments given as a JSON value (or, as some models do, a JSON string holding one).
pub(crate) fn arguments_from_value(value: Option<&Value>) -> CallArguments {
    match value {
        None | Some(Value::Null) => CallArguments::Json(Value::Object(Map::new())),
        Some(Value::Object(m)) => CallArguments::Json(Value::Object(m.clone())),
        Some(Value::String(s)) => arguments_from_text(s),
        Some(other) => CallArguments::Invalid {
            raw: other.to_string(),
            error: format!(
                "expected a JSON object, got {}",
                crate::validate::json_type_name(other)
            ),
        },
    }
}

/// The text content of the model's call id: a string, or a number rendered as text.
pub(crate) fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

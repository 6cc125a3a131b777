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
//!
//! Every field of a call's wire item that toolwright does not model (Gemini's
//! `thoughtSignature`, a Responses item's `id`, …) is kept on the [`ToolCall`](crate::ToolCall)
//! as [`ProviderData`] and written back unchanged when the conversation is replayed to the
//! same provider (each module's `format_*_turn`/`format_calls`). What a turn held besides
//! text and calls (thinking blocks, reasoning items, server tool search results) is kept the
//! same way for the whole turn as [`TurnContent`] (each module's `parse_turn_content` and
//! `format_turn`).

pub mod anthropic;
pub mod gemini;
mod lower;
pub mod mcp;
pub mod openai;
pub mod openai_responses;
pub mod search;

use serde_json::{Map, Value};

use crate::ToolEntry;
use crate::call::CallArguments;
pub use crate::call::{Provider, ProviderData, TurnContent, TurnItem};

/// The fields of a wire item other than `modelled`, as provider data (none when empty).
pub(crate) fn unmodelled(
    item: &Value,
    modelled: &[&str],
    provider: Provider,
) -> Option<ProviderData> {
    let fields: Map<String, Value> = item
        .as_object()?
        .iter()
        .filter(|(k, _)| !modelled.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!fields.is_empty()).then_some(ProviderData { provider, fields })
}

/// `item` with the call's provider fields for `provider` written back (modelled keys win).
pub(crate) fn with_unmodelled(
    mut item: Value,
    call: &crate::ToolCall,
    provider: Provider,
) -> Value {
    if let (Value::Object(m), Some(fields)) = (&mut item, call.provider_fields(provider)) {
        for (k, v) in fields {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    item
}

/// The opaque items of a response's blocks (items, parts) that `modelled` does not claim,
/// each with its position, as turn content (none when there are none).
pub(crate) fn turn_content(
    blocks: &[Value],
    modelled: impl Fn(&Value) -> bool,
    provider: Provider,
) -> Option<TurnContent> {
    let items: Vec<TurnItem> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| !modelled(b))
        .map(|(position, value)| TurnItem {
            position,
            value: value.clone(),
        })
        .collect();
    (!items.is_empty()).then_some(TurnContent { provider, items })
}

/// `modelled` (the turn's text and calls, in wire form) with the turn content from `provider`
/// put back where each item stood. Positions past the end append, so a turn whose text was
/// joined from several blocks keeps every item and their order.
pub(crate) fn interleave(
    mut modelled: Vec<Value>,
    content: Option<&TurnContent>,
    provider: Provider,
) -> Vec<Value> {
    let Some(items) = content.and_then(|c| c.items_for(provider)) else {
        return modelled;
    };
    let mut items: Vec<&TurnItem> = items.iter().collect();
    items.sort_by_key(|i| i.position);
    for item in items {
        let at = item.position.min(modelled.len());
        modelled.insert(at, item.value.clone());
    }
    modelled
}

/// Arguments as a JSON object for providers that send them as one (`tool_use.input`,
/// `functionCall.args`): unusable arguments become an empty object (the error result that
/// follows tells the model what was wrong).
pub(crate) fn arguments_object(args: &CallArguments) -> Value {
    match args {
        CallArguments::Json(v @ Value::Object(_)) => v.clone(),
        CallArguments::Text(t) => match serde_json::from_str::<Value>(t) {
            Ok(v @ Value::Object(_)) => v,
            _ => Value::Object(Map::new()),
        },
        _ => Value::Object(Map::new()),
    }
}

/// Arguments as JSON text for providers that send them as text (OpenAI).
pub(crate) fn arguments_text(args: &CallArguments) -> String {
    match args {
        CallArguments::Text(t) => t.clone(),
        CallArguments::Json(v) => v.to_string(),
        CallArguments::Invalid { raw, .. } => raw.clone(),
    }
}

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

impl Export {
    /// Every tool written by `write` (which notes what it had to change), as a JSON array.
    pub(crate) fn each<'a>(
        tools: impl IntoIterator<Item = &'a ToolEntry>,
        mut write: impl FnMut(&'a ToolEntry, &mut Vec<ExportNote>) -> Value,
    ) -> Self {
        let mut notes = Vec::new();
        let tools = tools.into_iter().map(|e| write(e, &mut notes)).collect();
        Self {
            tools: Value::Array(tools),
            notes,
        }
    }

    /// For a registry too big to send whole: every tool not named in `always` marked
    /// `defer_loading: true` (the model sees it once the provider's tool search finds it) and
    /// `search_tool`, the provider's own tool search, added.
    pub(crate) fn deferred(mut self, always: &[&str], search_tool: Value) -> Self {
        if let Value::Array(items) = &mut self.tools {
            for item in items.iter_mut() {
                let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
                if !always.contains(&name) {
                    item["defer_loading"] = Value::Bool(true);
                }
            }
            items.push(search_tool);
        }
        self
    }
}

impl ExportNote {
    /// One note about `tool` per message.
    pub(crate) fn about(
        tool: &str,
        messages: impl IntoIterator<Item = String>,
    ) -> impl Iterator<Item = Self> {
        messages.into_iter().map(move |message| Self {
            tool: tool.into(),
            message,
        })
    }
}

/// The model's turn in wire form: a text block (`text_block`, when there is text), then one
/// block per call (`call_block`) with the call's provider fields as received, and the turn's
/// other content from `provider` back in its places.
pub(crate) fn turn_blocks(
    text: Option<&str>,
    text_block: impl FnOnce(&str) -> Value,
    calls: &[crate::ToolCall],
    call_block: impl Fn(&crate::ToolCall) -> Value,
    content: Option<&TurnContent>,
    provider: Provider,
) -> Vec<Value> {
    let mut blocks = Vec::with_capacity(calls.len() + 1);
    blocks.extend(text.filter(|t| !t.is_empty()).map(text_block));
    for call in calls {
        blocks.push(with_unmodelled(call_block(call), call, provider));
    }
    interleave(blocks, content, provider)
}

/// The calls of a response whose calls are the items of `response[list]` with `type: kind`
/// (Anthropic's `tool_use` blocks, Responses' `function_call` items), in order, each made by
/// `call` from the item, its name and its index among the calls.
///
/// # Errors
/// When the response has no such list, or a call has no name.
pub(crate) fn typed_calls(
    response: &Value,
    list: &'static str,
    kind: &str,
    call: impl Fn(&Value, &str, usize) -> crate::ToolCall,
) -> Result<Vec<crate::ToolCall>, ParseError> {
    let items = response
        .get(list)
        .filter(|l| l.is_array())
        .ok_or(ParseError::Missing(list))?;
    items_of_type(items, kind)
        .enumerate()
        .map(|(index, item)| {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or(ParseError::NoName { index })?;
            Ok(call(item, name, index))
        })
        .collect()
}

/// Whether a wire item says it is a `kind` (`"type": kind`).
pub(crate) fn is_type(item: &Value, kind: &str) -> bool {
    item.get("type").and_then(Value::as_str) == Some(kind)
}

/// The items of `list` (a JSON array; nothing otherwise) that are a `kind`.
pub(crate) fn items_of_type<'v>(list: &'v Value, kind: &'v str) -> impl Iterator<Item = &'v Value> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter(move |item| is_type(item, kind))
}

/// The first element of the list `list` of a response (`choices[0]`, `candidates[0]`).
pub(crate) fn first<'v>(response: &'v Value, list: &str) -> Option<&'v Value> {
    response.get(list)?.get(0)
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
    if crate::validate::root_of(text) == crate::validate::Root::Empty {
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

/// Whether and which tool the model must call on a turn, mapped to each provider's own
/// field by [`openai::tool_choice`], [`openai_responses::tool_choice`],
/// [`anthropic::tool_choice`] and [`gemini::tool_config`].
///
/// | choice | OpenAI (both APIs) | Anthropic | Gemini `functionCallingConfig` |
/// | --- | --- | --- | --- |
/// | `Auto` | `"auto"` | `{"type": "auto"}` | `mode: AUTO` |
/// | `None` | `"none"` | `{"type": "none"}` | `mode: NONE` |
/// | `Required` | `"required"` | `{"type": "any"}` | `mode: ANY` |
/// | `Named(n)` | a function choice naming `n` | `{"type": "tool", "name": n}` | `mode: ANY`, `allowedFunctionNames: [n]` |
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides (the providers' default).
    #[default]
    Auto,
    /// The model may not call tools.
    None,
    /// The model must call at least one tool.
    Required,
    /// The model must call this tool.
    Named(String),
}

/// Parses and checks a tool's example arguments: each must be one JSON object (no repeated
/// key) that the input schema accepts.
pub(crate) fn check_examples(schema: &Value, examples: &[&str]) -> Result<Vec<Value>, String> {
    if examples.is_empty() {
        return Ok(Vec::new());
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(schema)
        .map_err(|e| format!("its input schema cannot check examples: {e}"))?;
    examples
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let n = i + 1;
            let value = match crate::validate::parse_strict(text) {
                Ok(v @ Value::Object(_)) => v,
                Ok(other) => {
                    return Err(format!(
                        "example {n} is {}, not a JSON object of arguments",
                        crate::validate::json_type_name(&other)
                    ));
                }
                Err(crate::validate::StrictError::Syntax(e)) => {
                    return Err(format!("example {n} is not valid JSON: {e}"));
                }
                Err(crate::validate::StrictError::Duplicate { pointer, key }) => {
                    return Err(format!(
                        "example {n} gives the key `{key}` twice (in the object at `{pointer}`)"
                    ));
                }
            };
            let problems: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    let at = if at.is_empty() { "/".to_owned() } else { at };
                    format!("{at}: {e}")
                })
                .collect();
            if problems.is_empty() {
                Ok(value)
            } else {
                Err(format!(
                    "example {n} does not match the input schema: {}",
                    problems.join("; ")
                ))
            }
        })
        .collect()
}

/// A tool's description with its examples written in, for providers without an examples
/// field.
pub(crate) fn description_with_examples(entry: &crate::ToolEntry) -> String {
    let description = entry.description();
    if entry.examples().is_empty() {
        return description.to_owned();
    }
    let examples: Vec<String> = entry.examples().iter().map(Value::to_string).collect();
    let label = if examples.len() == 1 {
        "Example arguments"
    } else {
        "Example arguments, one per line"
    };
    format!("{description}\n\n{label}:\n{}", examples.join("\n"))
}

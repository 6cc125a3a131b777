//! Google Gemini API (`generateContent`).
//!
//! - Tools: one Tool block `[{"functionDeclarations": [{"name", "description",
//!   "parameters"?}]}]` (API reference "Function calling" and `Tool`/`FunctionDeclaration`;
//!   python-genai `types.py` `FunctionDeclaration`, `Schema`). `parameters` is a `Schema`, a
//!   subset of OpenAPI 3.0: no `$ref`/`$defs` (inlined here; recursion is cut with a note), no
//!   `additionalProperties`, no `$schema`, `nullable: true` instead of a `null` type, `enum`
//!   only for strings (other enums are listed in the description), `anyOf` allowed,
//!   `propertyOrdering` added so arguments come back in declaration order. A tool without
//!   parameters omits `parameters` (an object schema with no properties is refused).
//! - Tool calls: `candidates[0].content.parts[].functionCall = {name, args, id?}`; models that
//!   send no `id` get `call_<n>` ids, and the result echoes whatever id was used. The part's
//!   other fields (Gemini 3's `thoughtSignature`, a sibling of `functionCall` in `Part`; the
//!   API rejects the next turn without it: "Function call is missing a thought_signature")
//!   are kept as [`ProviderData`](super::ProviderData) and [`format_model_turn`] sends them
//!   back unchanged.
//! - Results: one `{"role": "user", "parts": [{"functionResponse": {"name", "id"?,
//!   "response": {"output": …} | {"error": …}}}]}` message (`response` must be an object; the
//!   `FunctionResponse.response` docs name the `output` and `error` keys).
//! - Free-form objects (maps) cannot be expressed in the `Schema` subset (an object needs
//!   properties): such tools send their JSON Schema as `parametersJsonSchema` instead, which
//!   Gemini accepts as an alternative to `parameters`.
//!
//! A round trip: export the tools, read the model's calls, run them, send the results back.
//!
//! ```
//! use serde_json::json;
//! use toolwright::providers::{gemini};
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
//! let tools = gemini::export(executor.registry().scoped(&user)).tools;
//! assert_eq!(tools[0]["functionDeclarations"][0]["name"], "get_weather");
//!
//! // The model's answer (a generateContent response), its calls run, the results sent back.
//! let response = json!({"candidates": [{"content": {"role": "model", "parts": [
//!     {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]}}]});
//! let calls = gemini::parse_tool_calls(&response).unwrap();
//! let mut results = Vec::new();
//! for call in &calls {
//!     results.push(executor.call(&user, call).await);
//! }
//! let content = gemini::format_results(&results); // `functionResponse` parts
//! assert!(content.to_string().contains("functionResponse"));
//! assert!(content.to_string().contains("18"));
//! # });
//! ```

use serde_json::{Value, json};

use super::{Export, ExportNote, ParseError, Provider, TurnContent, arguments_from_value, lower};
use crate::{ToolCall, ToolEntry, ToolResult};

/// The `tools` array for Gemini: one Tool with every function declaration.
pub fn export<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    let mut export = Export::each(tools, |e, notes| {
        let mut changes = Vec::new();
        let parameters = lower::gemini(e.input_schema(), &mut changes);
        notes.extend(ExportNote::about(e.name(), changes));
        let mut decl = json!({
            "name": e.name(),
            "description": super::description_with_examples(e),
        });
        let empty = parameters
            .get("properties")
            .and_then(Value::as_object)
            .is_none_or(serde_json::Map::is_empty);
        if has_free_form_object(&parameters) {
            notes.extend(ExportNote::about(e.name(), ["a free-form object cannot be written in Gemini's Schema subset; sent as parametersJsonSchema".into()]));
            let mut schema = lower::portable(
                e.input_schema(),
                lower::Optional::NotNullable,
                &mut Vec::new(),
            );
            if let Value::Object(m) = &mut schema {
                m.remove("$schema");
            }
            decl["parametersJsonSchema"] = schema;
        } else if !empty {
            decl["parameters"] = parameters;
        }
        decl
    });
    export.tools = json!([{"functionDeclarations": export.tools}]);
    export
}

/// Whether a nested object has no declared properties (a map).
fn has_free_form_object(schema: &Value) -> bool {
    fn walk(v: &Value, root: bool) -> bool {
        let Value::Object(m) = v else { return false };
        let object = m.get("type").and_then(Value::as_str) == Some("object");
        let props = m.get("properties").and_then(Value::as_object);
        if object && !root && props.is_none_or(serde_json::Map::is_empty) {
            return true;
        }
        props.is_some_and(|p| p.values().any(|c| walk(c, false)))
            || m.get("items").is_some_and(|i| walk(i, false))
            || m.get("anyOf")
                .and_then(Value::as_array)
                .is_some_and(|b| b.iter().any(|c| walk(c, false)))
    }
    walk(schema, true)
}

/// The parts of the first candidate's content.
fn parts(response: &Value) -> Option<&Vec<Value>> {
    super::first(response, "candidates")?
        .get("content")?
        .get("parts")?
        .as_array()
}

/// The `functionCall` parts of the first candidate (the whole response body), in order.
///
/// # Errors
/// When the body has no `candidates[0].content.parts`, or a call has no name.
pub fn parse_tool_calls(response: &Value) -> Result<Vec<ToolCall>, ParseError> {
    let parts = parts(response).ok_or(ParseError::Missing("candidates[0].content.parts"))?;
    parts
        .iter()
        .filter_map(|p| Some((p, p.get("functionCall")?)))
        .enumerate()
        .map(|(index, (part, call))| {
            let name = call
                .get("name")
                .and_then(Value::as_str)
                .ok_or(ParseError::NoName { index })?;
            Ok(ToolCall {
                id: super::id_text(call.get("id")).unwrap_or_else(|| format!("call_{index}")),
                name: name.to_owned(),
                arguments: arguments_from_value(call.get("args")),
                provider_data: super::unmodelled(part, &["functionCall"], Provider::Gemini),
            })
        })
        .collect()
}

/// What the first candidate's parts held besides answer text and function calls (thought
/// parts, `executableCode`, …), to send back with [`format_turn`]: Gemini asks for the whole
/// model turn back, its signatures in place (docs "Thought signatures").
pub fn parse_turn_content(response: &Value) -> Option<TurnContent> {
    super::turn_content(
        parts(response)?,
        |p| {
            p.get("functionCall").is_some()
                || (p.get("text").is_some()
                    && p.get("thought").and_then(Value::as_bool) != Some(true))
        },
        Provider::Gemini,
    )
}

/// The model's turn as a `Content` to send back in `contents`: a text part (when there is
/// text), then one `functionCall` part per call with the part's provider fields
/// (`thoughtSignature`, …) exactly as received, and the turn's other parts (from
/// [`parse_turn_content`]) back in their places, unchanged; content from another provider is
/// left out.
pub fn format_turn(text: Option<&str>, calls: &[ToolCall], content: Option<&TurnContent>) -> Value {
    let parts = super::turn_blocks(
        text,
        |t| json!({"text": t}),
        calls,
        |c| {
            let mut call = json!({"name": c.name, "args": super::arguments_object(&c.arguments)});
            if !c.id.is_empty() {
                call["id"] = Value::String(c.id.clone());
            }
            json!({"functionCall": call})
        },
        content,
        Provider::Gemini,
    );
    json!({"role": "model", "parts": parts})
}

/// [`format_turn`] without turn content: the text part (when there is text) and the
/// `functionCall` parts.
pub fn format_model_turn(text: Option<&str>, calls: &[ToolCall]) -> Value {
    format_turn(text, calls, None)
}

/// The `toolConfig` for `generateContent`. Gemini has no switch for parallel calls.
pub fn tool_config(choice: &super::ToolChoice) -> Value {
    let config = match choice {
        super::ToolChoice::Auto => json!({"mode": "AUTO"}),
        super::ToolChoice::None => json!({"mode": "NONE"}),
        super::ToolChoice::Required => json!({"mode": "ANY"}),
        super::ToolChoice::Named(name) => json!({"mode": "ANY", "allowedFunctionNames": [name]}),
    };
    json!({"functionCallingConfig": config})
}

/// Whether the first candidate stopped at the output token limit (`finishReason: "MAX_TOKENS"`).
pub fn is_truncated(response: &Value) -> bool {
    super::first(response, "candidates")
        .and_then(|c| c.get("finishReason"))
        .and_then(Value::as_str)
        == Some("MAX_TOKENS")
}

/// The text parts of the first candidate (thoughts excluded), joined.
pub fn response_text(response: &Value) -> Option<String> {
    let texts: Vec<&str> = parts(response)?
        .iter()
        .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    (!texts.is_empty()).then(|| texts.concat())
}

/// One user message with a `functionResponse` part per result.
pub fn format_results(results: &[ToolResult]) -> Value {
    let parts: Vec<Value> = results
        .iter()
        .map(|r| {
            let response = match &r.outcome {
                Ok(v) => json!({"output": v}),
                Err(e) => json!({"error": e.to_model_json()}),
            };
            let mut fr = json!({"name": r.name, "response": response});
            if !r.call_id.is_empty() {
                fr["id"] = Value::String(r.call_id.clone());
            }
            json!({"functionResponse": fr})
        })
        .collect();
    json!({"role": "user", "parts": parts})
}

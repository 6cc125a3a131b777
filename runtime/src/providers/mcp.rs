//! Model Context Protocol (specification 2025-11-25, `schema/2025-11-25/schema.ts`; the tool
//! shape is unchanged in 2026-07-28).
//!
//! - Tools: a `ListToolsResult` `{"tools": [{"name", "title"?, "icons"?: [{"src",
//!   "mimeType"}], "description", "inputSchema", "outputSchema"?, "annotations": {"readOnlyHint", "destructiveHint", "idempotentHint",
//!   "openWorldHint"}}]}`. Every hint is sent explicitly: absent hints default to
//!   `destructiveHint: true` and `openWorldHint: true` in the specification. `outputSchema`
//!   must describe an object (`"type": "object"` at the root), so it is sent only for tools
//!   whose output is an object; others get a note.
//! - Tool calls: a `tools/call` request (`{"jsonrpc", "id", "method": "tools/call",
//!   "params": {"name", "arguments"?}}`) or its `params`.
//! - Results: a `CallToolResult` per call: `{"content": [{"type": "text", "text"}],
//!   "structuredContent"?, "isError"}`; structured content is sent for object values.
//!
//! A round trip: export the tools, read the model's calls, run them, send the results back.
//!
//! ```
//! use serde_json::json;
//! use toolwright::providers::{mcp};
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
//! let tools = mcp::export(executor.registry().scoped(&user)).tools;
//! assert_eq!(tools["tools"][0]["annotations"]["readOnlyHint"], true);
//!
//! // A `tools/call` request, run, answered with a `CallToolResult`.
//! let request = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
//!     "params": {"name": "get_weather", "arguments": {"city": "Paris"}}});
//! let calls = mcp::parse_tool_calls(&request).unwrap();
//! let result = executor.call(&user, &calls[0]).await;
//! let answer = mcp::call_tool_result(&result);
//! assert_eq!(answer["isError"], false);
//! assert_eq!(answer["content"][0]["text"], "18");
//! # });
//! ```

use serde_json::{Value, json};

use super::{Export, ExportNote, ParseError, arguments_from_value, lower, result_text};
use crate::{ToolCall, ToolEntry, ToolResult};

/// One tool's MCP definition.
pub fn tool_definition(e: &ToolEntry, notes: &mut Vec<ExportNote>) -> Value {
    let p = e.policy();
    let mut changes = Vec::new();
    let input = lower::portable(e.input_schema(), lower::Optional::NotNullable, &mut changes);
    let mut tool = json!({
        "name": e.name(),
        "description": super::description_with_examples(e),
        "inputSchema": input,
        "annotations": {
            "readOnlyHint": p.read_only,
            "destructiveHint": p.destructive,
            "idempotentHint": p.idempotent || p.read_only,
            "openWorldHint": p.open_world,
        },
    });
    if let Some(title) = e.title() {
        tool["title"] = json!(title);
    }
    if !e.icons().is_empty() {
        tool["icons"] = e
            .icons()
            .iter()
            .map(|i| json!({ "src": i.src, "mimeType": i.mime_type }))
            .collect();
    }
    match e.output_schema() {
        Some(schema) if schema.get("type").and_then(Value::as_str) == Some("object") => {
            // Output keeps its `null`s: an absent optional field really is `null` there.
            tool["outputSchema"] = lower::portable(schema, lower::Optional::KeepNull, &mut changes);
        }
        Some(_) => notes.push(ExportNote {
            tool: e.name().into(),
            message: "outputSchema omitted: MCP needs an object at its root".into(),
        }),
        None => {}
    }
    notes.extend(changes.into_iter().map(|message| ExportNote {
        tool: e.name().into(),
        message,
    }));
    tool
}

/// A `ListToolsResult`.
pub fn export<'a>(tools: impl IntoIterator<Item = &'a ToolEntry>) -> Export {
    let mut notes = Vec::new();
    let tools: Vec<Value> = tools
        .into_iter()
        .map(|e| tool_definition(e, &mut notes))
        .collect();
    Export {
        tools: json!({"tools": tools}),
        notes,
    }
}

/// The call in a `tools/call` request (or in its `params` object).
///
/// # Errors
/// When there is no tool name.
pub fn parse_tool_calls(request: &Value) -> Result<Vec<ToolCall>, ParseError> {
    let params = request.get("params").unwrap_or(request);
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or(ParseError::NoName { index: 0 })?;
    Ok(vec![ToolCall {
        id: super::id_text(request.get("id")).unwrap_or_default(),
        name: name.to_owned(),
        arguments: arguments_from_value(params.get("arguments")),
        provider_data: None,
    }])
}

/// One `CallToolResult`.
pub fn call_tool_result(r: &ToolResult) -> Value {
    let mut out = json!({
        "content": [{"type": "text", "text": result_text(r)}],
        "isError": r.is_error(),
    });
    if let Ok(v @ Value::Object(_)) = &r.outcome {
        out["structuredContent"] = v.clone();
    }
    out
}

/// A `CallToolResult` per result, in order.
pub fn format_results(results: &[ToolResult]) -> Value {
    Value::Array(results.iter().map(call_tool_result).collect())
}

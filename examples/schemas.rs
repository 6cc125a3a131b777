//! Prints one registry's tools in one provider's format, and nothing else.
//!
//! ```sh
//! cargo run -q --example schemas -- <openai|openai-responses[-deferred]|anthropic[-strict|-deferred]|gemini|mcp> [--types] [--notes]
//! ```
//! The quickstart's tools by default; `--types` prints a registry of nested, optional, enum
//! and integer types instead (what `.ci/check_exports.py` checks against the SDKs' types).
//! Export notes (what was lowered, why a tool is not strict) go to stderr with `--notes`.

#[path = "support/tools.rs"]
mod tools;

use schemars::JsonSchema;
use serde::Deserialize;
use toolwright::providers::{anthropic, gemini, mcp, openai, openai_responses};
use toolwright::{Registry, tool};

/// How urgent a shipment is.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Whenever the carrier passes
    Standard,
    /// Next morning
    Express,
}

/// One parcel of a shipment.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Parcel {
    /// Weight in grams, e.g. 1200
    pub grams: u32,
    /// Carrier's sequence number, if one was assigned
    pub sequence: Option<i64>,
    /// Dimensions in millimetres, e.g. [300, 200, 100]
    pub dims: Vec<u16>,
}

/// Book a shipment for an order with the carrier. Returns the booking number.
#[tool(
    permissions = ["orders:write"],
    example = r#"{"order": 1042, "count": 2, "offset": -4, "attempts": 3,
                  "parcel": {"grams": 1200, "dims": [300, 200, 100]}}"#
)]
async fn book_shipment(
    /// Order number, e.g. 1042
    order: u64,
    /// Number of parcels, 1 to 20
    #[arg(range = 1..=20)]
    count: u8,
    /// Temperature offset for cold chain in degrees, e.g. -4
    offset: i8,
    /// Priority lane, if any, e.g. 2
    lane: Option<u16>,
    /// How many delivery attempts the carrier makes, e.g. 3
    attempts: usize,
    /// How urgent the shipment is: standard or express
    urgency: Option<Urgency>,
    /// The first parcel of the shipment: its weight, dimensions and carrier sequence number
    parcel: Parcel,
) -> u64 {
    let _ = (count, offset, lane, attempts, urgency, parcel);
    order
}

fn registry(types: bool) -> Result<Registry, toolwright::RegistryError> {
    if types {
        return Registry::builder().tool(book_shipment).build();
    }
    Registry::builder()
        .tool(tools::search_knowledge_base)
        .tool(tools::delete_document)
        .tool(tools::send_customer_email)
        .tool(tools::issue_refund)
        .tools(tools::OrderDesk::demo())
        .build()
}

/// The request bodies each HTTP client sends on the second turn of a conversation in which
/// the model called two tools (replayed with their provider data) and got their results,
/// with a named tool choice and parallel calls off: what `.ci/check_exports.py` validates
/// with the SDKs' request types. The `*-search` bodies are the same turn from a model that
/// thought and searched with the provider's own tool search first: deferred tools, the search
/// tool, and the turn's thinking/reasoning and search blocks sent back.
#[cfg(feature = "clients")]
fn requests(registry: &Registry) -> serde_json::Value {
    use toolwright::agent::{Message, ModelRequest, ToolChoice};
    use toolwright::clients::{AnthropicClient, GeminiClient, OpenAiClient, OpenAiResponsesClient};
    use toolwright::providers::{Provider, ProviderData, anthropic, openai_responses};
    use toolwright::{ToolCall, ToolResult};

    let tools: Vec<&toolwright::ToolEntry> = registry.iter().collect();
    let first = tools.first().map_or("none", |t| t.name());
    let calls = |provider: Provider, field: &str, value: &str| {
        let mut fields = serde_json::Map::new();
        fields.insert(field.into(), value.into());
        vec![
            ToolCall::new("call_1", first, r#"{"query": "refund"}"#)
                .with_provider_data(ProviderData { provider, fields }),
            ToolCall::with_json("call_2", first, serde_json::json!({"query": "shipping"})),
        ]
    };
    let conversation_with = |calls: Vec<ToolCall>, content| {
        let results = calls
            .iter()
            .map(|c| ToolResult {
                call_id: c.id.clone(),
                name: c.name.clone(),
                outcome: Ok(serde_json::json!({"hits": 2})),
            })
            .collect();
        vec![
            Message::System("Be brief.".into()),
            Message::User("Refunds?".into()),
            Message::Assistant {
                text: Some("Searching.".into()),
                tool_calls: calls,
                provider_content: content,
            },
            Message::ToolResults(results),
        ]
    };
    let conversation = |calls: Vec<ToolCall>| conversation_with(calls, None);
    let choice = ToolChoice::Named(first.into());
    let request = |messages: &'static [Message]| ModelRequest {
        messages,
        tools: Box::leak(tools.clone().into_boxed_slice()),
        tool_choice: Box::leak(Box::new(choice.clone())),
        parallel_tool_calls: Some(false),
        deferred_tools: &[],
    };
    let leak = |m: Vec<Message>| -> &'static [Message] { Box::leak(m.into_boxed_slice()) };
    let openai = OpenAiClient::new("http://localhost", "gpt-test").body(&request(leak(
        conversation(calls(Provider::OpenAi, "x", "y")),
    )));
    let anthropic = AnthropicClient::new("http://localhost", "claude-test").body(&request(leak(
        conversation(calls(Provider::Anthropic, "x", "y")),
    )));
    let gemini =
        GeminiClient::new("http://localhost", "gemini-test").body(&request(leak(conversation(
            calls(Provider::Gemini, "thoughtSignature", "CiQBjz1rX1sigA=="),
        ))));

    // The first tool is offered, the others deferred behind the provider's search.
    let searching = |messages: &'static [Message]| ModelRequest {
        tools: Box::leak(tools[..1].to_vec().into_boxed_slice()),
        deferred_tools: Box::leak(tools[1..].to_vec().into_boxed_slice()),
        tool_choice: &ToolChoice::Auto,
        ..request(messages)
    };
    let anthropic_turn = serde_json::json!({"content": [
        {"type": "thinking", "thinking": "I need a tool for refunds.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"},
        {"type": "text", "text": "Searching."},
        {"type": "server_tool_use", "id": "srvtoolu_01", "name": "tool_search_tool_bm25", "input": {"query": "refund"}},
        {"type": "tool_search_tool_result", "tool_use_id": "srvtoolu_01", "content": {
            "type": "tool_search_tool_search_result",
            "tool_references": [{"type": "tool_reference", "tool_name": first}]}},
        {"type": "tool_use", "id": "toolu_01", "name": first, "input": {"query": "refund"}}
    ]});
    let anthropic_search = AnthropicClient::new("http://localhost", "claude-test")
        .with_max_tokens(4096)
        .with_thinking_budget(2048)
        .body(&searching(leak(conversation_with(
            anthropic::parse_tool_calls(&anthropic_turn).unwrap_or_default(),
            anthropic::parse_turn_content(&anthropic_turn),
        ))));
    let responses_turn = serde_json::json!({"output": [
        {"id": "rs_01", "type": "reasoning", "summary": [], "encrypted_content": "gAAAAABor6zqL3hZ"},
        {"id": "tsc_01", "type": "tool_search_call", "execution": "server", "call_id": null,
         "status": "completed", "arguments": {"query": "refund"}},
        {"id": "tso_01", "type": "tool_search_output", "execution": "server", "call_id": null,
         "status": "completed", "tools": [{"type": "function", "name": first, "defer_loading": true,
            "parameters": {"type": "object", "properties": {}, "additionalProperties": false}, "strict": true}]},
        {"id": "fc_01", "type": "function_call", "status": "completed", "call_id": "call_1",
         "name": first, "arguments": "{\"query\":\"refund\"}"},
        {"id": "msg_01", "type": "message", "status": "completed", "role": "assistant",
         "content": [{"type": "output_text", "annotations": [], "text": "Searching."}]}
    ]});
    let responses_search = OpenAiResponsesClient::new("http://localhost", "gpt-test")
        .stateless(true)
        .with_max_output_tokens(512)
        .body(&searching(leak(conversation_with(
            openai_responses::parse_tool_calls(&responses_turn).unwrap_or_default(),
            openai_responses::parse_turn_content(&responses_turn),
        ))));
    let responses =
        OpenAiResponsesClient::new("http://localhost", "gpt-test").body(&request(leak(
            conversation(calls(Provider::OpenAiResponses, "id", "fc_01")),
        )));
    serde_json::json!({
        "openai": openai, "anthropic": anthropic, "gemini": gemini,
        "openai-responses": responses,
        "anthropic-search": anthropic_search, "openai-responses-search": responses_search,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let registry = match registry(args.iter().any(|a| a == "--types")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the registry could not be built: {e}");
            std::process::exit(1);
        }
    };
    #[cfg(feature = "clients")]
    if args.first().map(String::as_str) == Some("requests") {
        match serde_json::to_string_pretty(&requests(&registry)) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("the requests could not be printed: {e}"),
        }
        return;
    }
    let export = match args.first().map(String::as_str) {
        Some("openai") => openai::export(registry.iter()),
        Some("openai-responses") => openai_responses::export(registry.iter()),
        Some("anthropic") => anthropic::export(registry.iter()),
        Some("anthropic-strict") => anthropic::export_strict(registry.iter()),
        Some("anthropic-deferred") => anthropic::export_deferred(registry.iter(), &[]),
        Some("openai-responses-deferred") => {
            openai_responses::export_deferred(registry.iter(), &[])
        }
        Some("gemini") => gemini::export(registry.iter()),
        Some("mcp") => mcp::export(registry.iter()),
        _ => {
            eprintln!(
                "usage: schemas <openai|openai-responses[-deferred]|anthropic[-strict|-deferred]|gemini|mcp> [--types] [--notes]"
            );
            std::process::exit(2);
        }
    };
    match serde_json::to_string_pretty(&export.tools) {
        Ok(text) => println!("{text}"),
        Err(e) => {
            eprintln!("the export could not be printed: {e}");
            std::process::exit(1);
        }
    }
    if args.iter().any(|a| a == "--notes") {
        for n in &export.notes {
            eprintln!("{}: {}", n.tool, n.message);
        }
    }
}

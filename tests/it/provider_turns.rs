//! Turn-level provider content and the providers' own tool search, driven through the HTTP
//! clients against recorded response shapes served by wiremock: Anthropic thinking and tool
//! search blocks, OpenAI Responses reasoning and tool search items, Gemini thought parts, each
//! sent back unchanged, in place, to the provider that sent them and to no other. Also the
//! Responses client itself, and the clients' errors against a real TLS server.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use toolwright::agent::{Agent, AgentOutcome, Message, ModelClient, ToolChoice, ToolSearch};
use toolwright::clients::{AnthropicClient, GeminiClient, OpenAiResponsesClient};
use toolwright::providers::{Provider, TurnContent, TurnItem, anthropic, gemini, openai_responses};
use toolwright::{Executor, Principal, Registry, ToolCall, tool};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

static FORECASTS: AtomicUsize = AtomicUsize::new(0);

/// Get the current weather for a city. Returns the temperature in degrees Celsius.
#[tool(read_only)]
async fn get_current_weather(
    /// City name, e.g. "Paris"
    city: String,
) -> f64 {
    if city == "Paris" { 18.5 } else { 11.0 }
}

/// Get the marine forecast for a harbour: wind and waves for the next days. Returns one
/// line per day.
#[tool(read_only)]
async fn get_marine_forecast(
    /// Harbour name, e.g. "Brest"
    harbour: String,
) -> String {
    FORECASTS.fetch_add(1, Ordering::SeqCst);
    format!("{harbour}: W 4, waves 1.5 m")
}

/// Book a berth in a harbour for a boat. Returns the booking number.
#[tool(permissions = ["berths:write"])]
async fn book_berth(
    /// Harbour name, e.g. "Brest"
    harbour: String,
) -> String {
    format!("B-{harbour}")
}

/// Delete a customer account and all its data, for good. Returns nothing.
#[tool(destructive, permissions = ["accounts:delete"])]
async fn delete_customer_account(
    /// Customer number, e.g. 42
    customer: u64,
) {
    let _ = customer;
}

fn executor() -> Executor {
    Executor::new(
        Registry::builder()
            .tool(get_current_weather)
            .tool(get_marine_forecast)
            .tool(book_berth)
            .tool(delete_customer_account)
            .build()
            .unwrap(),
    )
}

/// May read and book berths, may not delete accounts.
fn skipper() -> Principal {
    Principal::new("skipper").grant("berths:write")
}

/// Answers the n-th request (0-based) with `answers[n]` (the last one after that).
fn script(answers: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate {
    let seen = AtomicUsize::new(0);
    move |_req: &Request| {
        let n = seen.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
        ResponseTemplate::new(200).set_body_json(answers[n].clone())
    }
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.body_json().unwrap())
        .collect()
}

fn names(tools: &Value) -> Vec<String> {
    tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t.get("name")
                .or_else(|| t.get("type"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

// ---- Anthropic: thinking blocks --------------------------------------------------------------

/// A Messages answer with extended thinking, as the docs record it ("Extended thinking" →
/// "Extended thinking with tool use"): the thinking block, with its signature, before the
/// text and the `tool_use` block; a `redacted_thinking` block in between.
fn anthropic_thinking_then_call() -> Value {
    json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "stop_reason": "tool_use", "stop_sequence": null,
        "content": [
            {"type": "thinking", "thinking": "The user wants the weather in Paris; I should call the tool.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_01", "name": "get_current_weather", "input": {"city": "Paris"}}
        ],
        "usage": {"input_tokens": 412, "output_tokens": 96}
    })
}

#[tokio::test]
async fn anthropic_thinking_blocks_go_back_unchanged_and_in_order() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(script(vec![
            anthropic_thinking_then_call(),
            json!({"type": "message", "role": "assistant", "stop_reason": "end_turn",
                "content": [{"type": "text", "text": "18.5 °C in Paris."}]}),
        ]))
        .mount(&server)
        .await;
    let client = AnthropicClient::new(server.uri(), "claude-sonnet-4-5")
        .with_max_tokens(4096)
        .with_thinking_budget(2048);
    let run = Agent::new(executor(), client, skipper())
        .run("Weather in Paris?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("18.5 °C in Paris.".into()));
    let Message::Assistant {
        provider_content: Some(content),
        ..
    } = &run.messages[1]
    else {
        panic!("the turn keeps its content: {:?}", run.messages[1])
    };
    assert_eq!(content.provider, Provider::Anthropic);

    let bodies = bodies(&server).await;
    assert_eq!(
        bodies[0]["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );
    assert_eq!(bodies[0]["max_tokens"], 4096);
    let second = &bodies[1];
    let recorded = anthropic_thinking_then_call()["content"].clone();
    assert_eq!(
        second["messages"][1],
        json!({"role": "assistant", "content": recorded}),
        "the assistant turn goes back exactly as it came"
    );
    assert_eq!(
        second["messages"][2]["content"][0]["tool_use_id"],
        "toolu_01"
    );
}

// ---- OpenAI Responses ------------------------------------------------------------------------

/// A Responses answer from a reasoning model, as recorded (API reference "The response
/// object"): an encrypted reasoning item, then two `function_call` items with item ids.
fn responses_reasoning_then_calls() -> Value {
    json!({
        "id": "resp_68af", "object": "response", "created_at": 1_756_315_696, "status": "completed",
        "model": "gpt-5-mini-2025-08-07", "error": null, "incomplete_details": null,
        "output": [
            {"id": "rs_68af1", "type": "reasoning", "summary": [], "encrypted_content": "gAAAAABor6zqL3hZ0R1Yq"},
            {"id": "fc_68af2", "type": "function_call", "status": "completed", "arguments": "{\"city\":\"Paris\"}", "call_id": "call_paris", "name": "get_current_weather"},
            {"id": "fc_68af3", "type": "function_call", "status": "completed", "arguments": "{\"city\":\"Oslo\"}", "call_id": "call_oslo", "name": "get_current_weather"}
        ],
        "parallel_tool_calls": true, "store": false, "tool_choice": "auto",
        "usage": {"input_tokens": 80, "output_tokens": 150, "total_tokens": 230}
    })
}

fn responses_final(text: &str) -> Value {
    json!({
        "id": "resp_68b0", "object": "response", "status": "completed", "model": "gpt-5-mini",
        "output": [
            {"id": "rs_68b01", "type": "reasoning", "summary": [], "encrypted_content": "gAAAAABor7"},
            {"id": "msg_68b02", "type": "message", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}]}
        ]
    })
}

#[tokio::test]
async fn responses_client_pairs_calls_and_outputs_and_sends_reasoning_back() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/responses"))
        .and(header("authorization", "Bearer sk-test"))
        .respond_with(script(vec![
            responses_reasoning_then_calls(),
            responses_final("Paris 18.5, Oslo 11."),
        ]))
        .mount(&server)
        .await;
    let client = OpenAiResponsesClient::new(format!("{}/v1", server.uri()), "gpt-5-mini")
        .with_api_key("sk-test")
        .stateless(true);
    let run = Agent::new(executor(), client, skipper())
        .system("Be brief.")
        .tool_choice(ToolChoice::Named("get_current_weather".into()))
        .parallel_tool_calls(true)
        .run("Weather in Paris and Oslo?")
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        AgentOutcome::Final("Paris 18.5, Oslo 11.".into())
    );

    let bodies = bodies(&server).await;
    let first = &bodies[0];
    assert_eq!(first["instructions"], "Be brief.");
    assert_eq!(
        first["input"],
        json!([{"role": "user", "content": "Weather in Paris and Oslo?"}])
    );
    assert_eq!(
        first["tool_choice"],
        json!({"type": "function", "name": "get_current_weather"})
    );
    assert_eq!(first["parallel_tool_calls"], true);
    assert_eq!(first["store"], false);
    assert_eq!(first["include"], json!(["reasoning.encrypted_content"]));
    assert!(first.get("previous_response_id").is_none());
    // Scoped: the skipper's tools, never the account deletion.
    assert_eq!(
        names(&first["tools"]),
        ["get_current_weather", "get_marine_forecast", "book_berth"]
    );

    let second = &bodies[1];
    assert_eq!(
        second["tool_choice"], "auto",
        "a named choice holds for one turn"
    );
    let input = second["input"].as_array().unwrap();
    let output = responses_reasoning_then_calls()["output"].clone();
    assert_eq!(input[1], output[0], "the reasoning item, unchanged");
    assert_eq!(input[2], output[1], "the call item, id and status included");
    assert_eq!(input[3], output[2]);
    assert_eq!(
        input[4],
        json!({"type": "function_call_output", "call_id": "call_paris", "output": "18.5"})
    );
    assert_eq!(
        input[5],
        json!({"type": "function_call_output", "call_id": "call_oslo", "output": "11.0"})
    );
    assert_eq!(input.len(), 6);
}

#[tokio::test]
async fn responses_client_reports_truncation_and_failed_responses() {
    use toolwright::agent::{ModelError, ModelRequest, ModelTurn};
    let server = MockServer::start().await;
    Mock::given(path("/cut/responses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "resp_1", "object": "response", "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "output": [{"id": "msg_1", "type": "message", "status": "incomplete", "role": "assistant",
                "content": [{"type": "output_text", "annotations": [], "text": "The forecast for"}]}]
        })))
        .mount(&server)
        .await;
    Mock::given(path("/failed/responses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "resp_2", "object": "response", "status": "failed", "output": [],
            "error": {"code": "server_error", "message": "The model failed to generate a response."}
        })))
        .mount(&server)
        .await;
    let registry = Registry::builder()
        .tool(get_current_weather)
        .build()
        .unwrap();
    let tools: Vec<_> = registry.iter().collect();
    let messages = [Message::User("hi".into())];
    let at = |p: &str| {
        OpenAiResponsesClient::new(format!("{}/{p}", server.uri()), "m").with_max_output_tokens(16)
    };
    let turn = at("cut")
        .complete(ModelRequest::new(&messages, &tools))
        .await
        .unwrap();
    assert_eq!(
        turn,
        ModelTurn::Truncated {
            text: "The forecast for".into()
        }
    );
    let err = at("failed")
        .complete(ModelRequest::new(&messages, &tools))
        .await
        .unwrap_err();
    assert!(matches!(err, ModelError::Request(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("The model failed to generate a response. (server_error)"),
        "{err}"
    );
    let sent = bodies(&server).await;
    assert_eq!(sent[0]["max_output_tokens"], 16);
}

// ---- The providers' own tool search ----------------------------------------------------------

/// The hosted tool search found the marine forecast and the model called it: the
/// `tool_search_call` and `tool_search_output` items (openai-python
/// `response_input_item_param.py` `ToolSearchCall`/`ToolSearchOutput`, `execution:
/// "server"`), then the `function_call`.
fn responses_search_then_call() -> Value {
    json!({
        "id": "resp_ts1", "object": "response", "status": "completed", "model": "gpt-5.4",
        "output": [
            {"id": "tsc_01", "type": "tool_search_call", "call_id": null, "execution": "server",
             "status": "completed", "arguments": {"query": "marine forecast wind waves harbour"}},
            {"id": "tso_01", "type": "tool_search_output", "call_id": null, "execution": "server",
             "status": "completed", "tools": [{"type": "function", "name": "get_marine_forecast",
                "description": "Get the marine forecast for a harbour.", "defer_loading": true, "strict": true,
                "parameters": {"type": "object", "properties": {"harbour": {"type": "string"}},
                    "required": ["harbour"], "additionalProperties": false}}]},
            {"id": "fc_01", "type": "function_call", "status": "completed", "name": "get_marine_forecast",
             "arguments": "{\"harbour\":\"Brest\"}", "call_id": "call_brest"}
        ]
    })
}

#[tokio::test]
async fn responses_native_tool_search_defers_scoped_tools_and_replays_the_search() {
    let before = FORECASTS.load(Ordering::SeqCst);
    let server = MockServer::start().await;
    Mock::given(path("/v1/responses"))
        .respond_with(script(vec![
            responses_search_then_call(),
            responses_final("W 4 in Brest."),
        ]))
        .mount(&server)
        .await;
    let client = OpenAiResponsesClient::new(format!("{}/v1", server.uri()), "gpt-5.4");
    let run = Agent::new(executor(), client, skipper())
        .tool_search(ToolSearch::new().always_offer(["get_current_weather"]))
        .run("Wind in Brest?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("W 4 in Brest.".into()));
    assert!(
        FORECASTS.load(Ordering::SeqCst) > before,
        "the found tool ran"
    );

    let bodies = bodies(&server).await;
    let tools = &bodies[0]["tools"];
    assert_eq!(
        names(tools),
        [
            "get_current_weather",
            "get_marine_forecast",
            "book_berth",
            "tool_search"
        ]
    );
    assert!(tools[0].get("defer_loading").is_none(), "always offered");
    assert_eq!(tools[1]["defer_loading"], true);
    assert_eq!(tools[2]["defer_loading"], true);
    assert!(
        !bodies[0].to_string().contains("delete_customer_account"),
        "a hidden tool is never sent, deferred or not"
    );
    assert!(
        !bodies[0].to_string().contains("search_tools"),
        "the local search is not offered when the provider searches"
    );

    let input = bodies[1]["input"].as_array().unwrap();
    let output = responses_search_then_call()["output"].clone();
    assert_eq!(&input[1..4], output.as_array().unwrap().as_slice());
    assert_eq!(input[4]["type"], "function_call_output");
    assert_eq!(input[4]["call_id"], "call_brest");
    assert_eq!(input[4]["output"], "\"Brest: W 4, waves 1.5 m\"");
}

/// Anthropic's tool search found the marine forecast and the model called it (docs "Tool
/// search tool" → response format): text, `server_tool_use`, `tool_search_tool_result` with
/// `tool_reference` blocks, text, `tool_use`.
fn anthropic_search_then_call() -> Value {
    json!({
        "id": "msg_ts1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "I'll search for a marine forecast tool."},
            {"type": "server_tool_use", "id": "srvtoolu_01", "name": "tool_search_tool_bm25",
             "input": {"query": "marine forecast harbour wind"}},
            {"type": "tool_search_tool_result", "tool_use_id": "srvtoolu_01",
             "content": {"type": "tool_search_tool_search_result",
                "tool_references": [{"type": "tool_reference", "tool_name": "get_marine_forecast"}]}},
            {"type": "text", "text": "Found it."},
            {"type": "tool_use", "id": "toolu_02", "name": "get_marine_forecast", "input": {"harbour": "Brest"}}
        ]
    })
}

#[tokio::test]
async fn anthropic_native_tool_search_defers_scoped_tools_and_replays_the_search() {
    let before = FORECASTS.load(Ordering::SeqCst);
    let server = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(script(vec![
            anthropic_search_then_call(),
            json!({"type": "message", "role": "assistant", "stop_reason": "end_turn",
                "content": [{"type": "text", "text": "W 4 in Brest."}]}),
        ]))
        .mount(&server)
        .await;
    let client = AnthropicClient::new(server.uri(), "claude-sonnet-4-5");
    let run = Agent::new(executor(), client, skipper())
        .tool_search(ToolSearch::new())
        .run("Wind in Brest?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("W 4 in Brest.".into()));
    assert!(
        FORECASTS.load(Ordering::SeqCst) > before,
        "the found tool ran"
    );

    let bodies = bodies(&server).await;
    let tools = bodies[0]["tools"].as_array().unwrap();
    assert_eq!(
        names(&bodies[0]["tools"]),
        [
            "get_current_weather",
            "get_marine_forecast",
            "book_berth",
            "tool_search_tool_bm25"
        ]
    );
    assert!(tools[..3].iter().all(|t| t["defer_loading"] == true));
    assert_eq!(tools[3]["type"], "tool_search_tool_bm25_20251119");
    assert!(!bodies[0].to_string().contains("delete_customer_account"));

    // The assistant turn goes back with the search blocks in their places; the two text
    // blocks are joined into the first one.
    let turn = &bodies[1]["messages"][1]["content"];
    let recorded = anthropic_search_then_call()["content"].clone();
    let types: Vec<&str> = turn
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "text",
            "server_tool_use",
            "tool_search_tool_result",
            "tool_use"
        ]
    );
    assert_eq!(turn[1], recorded[1]);
    assert_eq!(turn[2], recorded[2]);
    assert_eq!(turn[3], recorded[4]);
    assert_eq!(
        bodies[1]["messages"][2]["content"][0]["tool_use_id"],
        "toolu_02"
    );
}

#[tokio::test]
async fn an_anthropic_pause_turn_is_sent_back_as_it_is_so_the_model_carries_on() {
    let server = MockServer::start().await;
    // Docs "Handling stop reasons" → `pause_turn`: the server tool loop stopped mid-turn.
    let paused = json!({"id": "msg_p1", "type": "message", "role": "assistant", "stop_reason": "pause_turn",
    "content": [
        {"type": "text", "text": "Searching the catalogue."},
        {"type": "server_tool_use", "id": "srvtoolu_07", "name": "tool_search_tool_bm25",
         "input": {"query": "marine forecast"}}
    ]});
    Mock::given(path("/v1/messages"))
        .respond_with(script(vec![
            paused.clone(),
            json!({"type": "message", "role": "assistant", "stop_reason": "end_turn",
                "content": [{"type": "text", "text": "Nothing to call."}]}),
        ]))
        .mount(&server)
        .await;
    let client = AnthropicClient::new(server.uri(), "claude-sonnet-4-5");
    let run = Agent::new(executor(), client, skipper())
        .tool_search(ToolSearch::new())
        .run("Wind in Brest?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("Nothing to call.".into()));
    assert_eq!(run.iterations, 2);
    let second = &bodies(&server).await[1];
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "no tool results after a pause");
    assert_eq!(
        messages[1],
        json!({"role": "assistant", "content": paused["content"]})
    );
}

#[tokio::test]
async fn without_native_search_the_clients_offer_the_local_search() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/responses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(responses_final("ok")))
        .mount(&server)
        .await;
    let client = OpenAiResponsesClient::new(format!("{}/v1", server.uri()), "m")
        .with_native_tool_search(false);
    Agent::new(executor(), client, skipper())
        .tool_search(ToolSearch::new())
        .run("hi")
        .await
        .unwrap();
    let tools = &bodies(&server).await[0]["tools"];
    assert_eq!(names(tools), ["search_tools"]);
}

// ---- Never to another provider -----------------------------------------------------------------

#[test]
fn turn_content_goes_only_to_the_provider_that_sent_it() {
    let calls = vec![ToolCall::with_json(
        "c1",
        "get_current_weather",
        json!({"city": "Paris"}),
    )];
    let thinking = anthropic::parse_turn_content(&anthropic_thinking_then_call()).unwrap();
    let reasoning =
        openai_responses::parse_turn_content(&responses_reasoning_then_calls()).unwrap();
    let gemini_thought = gemini::parse_turn_content(&json!({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Thinking about the weather…", "thought": true},
        {"functionCall": {"name": "get_current_weather", "args": {"city": "Paris"}}, "thoughtSignature": "CiQB"}
    ]}}]}))
    .unwrap();
    assert_eq!(gemini_thought.items.len(), 1);

    for foreign in [&reasoning, &gemini_thought] {
        let turn = anthropic::format_turn(None, &calls, Some(foreign));
        assert_eq!(turn["content"].as_array().unwrap().len(), 1, "{turn}");
    }
    for foreign in [&thinking, &gemini_thought] {
        let items = openai_responses::format_turn(None, &calls, Some(foreign));
        assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    }
    for foreign in [&thinking, &reasoning] {
        let turn = gemini::format_turn(None, &calls, Some(foreign));
        assert_eq!(turn["parts"].as_array().unwrap().len(), 1, "{turn}");
    }
    // The same provider gets its items back, in place.
    let turn = gemini::format_turn(None, &calls, Some(&gemini_thought));
    assert_eq!(turn["parts"][0]["thought"], true);
    assert_eq!(
        turn["parts"][1]["functionCall"]["name"],
        "get_current_weather"
    );
}

#[tokio::test]
async fn gemini_thought_parts_go_back_with_the_model_turn() {
    let server = MockServer::start().await;
    let with_thought = json!({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "**Checking the weather**", "thought": true},
        {"functionCall": {"name": "get_current_weather", "args": {"city": "Paris"}}, "thoughtSignature": "CiQBjz1r"}
    ]}, "finishReason": "STOP", "index": 0}]});
    Mock::given(path("/v1beta/models/g:generateContent"))
        .respond_with(script(vec![
            with_thought.clone(),
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "18.5"}]}, "finishReason": "STOP"}]}),
        ]))
        .mount(&server)
        .await;
    let client = GeminiClient::new(format!("{}/v1beta", server.uri()), "g");
    let run = Agent::new(executor(), client, skipper())
        .run("Paris?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("18.5".into()));
    let second = &bodies(&server).await[1];
    let mut expected = with_thought["candidates"][0]["content"].clone();
    // Our call id is added to a call the model sent without one.
    expected["parts"][1]["functionCall"]["id"] = json!("call_0");
    assert_eq!(second["contents"][1], expected);
}

#[test]
fn items_past_the_end_are_appended_in_order() {
    let content = TurnContent {
        provider: Provider::Anthropic,
        items: vec![
            TurnItem {
                position: 9,
                value: json!({"type": "b"}),
            },
            TurnItem {
                position: 7,
                value: json!({"type": "a"}),
            },
        ],
    };
    let turn = anthropic::format_turn(Some("hi"), &[], Some(&content));
    assert_eq!(
        turn["content"],
        json!([{"type": "text", "text": "hi"}, {"type": "a"}, {"type": "b"}])
    );
}

// ---- Errors with their cause -------------------------------------------------------------------

async fn one_turn(
    client: &dyn ModelClient,
) -> Result<toolwright::agent::ModelTurn, toolwright::agent::ModelError> {
    let registry = Registry::builder()
        .tool(get_current_weather)
        .build()
        .unwrap();
    let tools: Vec<_> = registry.iter().collect();
    let messages = [Message::User("hi".into())];
    client
        .complete(toolwright::agent::ModelRequest::new(&messages, &tools))
        .await
}

fn once() -> toolwright::clients::HttpSettings {
    toolwright::clients::HttpSettings::default().max_retries(0)
}

#[tokio::test]
async fn anthropic_out_of_credit_is_quota_exhausted_with_the_providers_message() {
    use toolwright::agent::ModelError;
    let server = MockServer::start().await;
    // As Anthropic sends it: a 400 whose only sign is the message.
    Mock::given(path("/low/v1/messages"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"type": "error", "error": {
            "type": "invalid_request_error",
            "message": "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
        }, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})))
        .mount(&server)
        .await;
    // Anthropic's documented billing error (docs "Errors": 402 `billing_error`).
    Mock::given(path("/billing/v1/messages"))
        .respond_with(ResponseTemplate::new(402).set_body_json(json!({"type": "error", "error": {
            "type": "billing_error", "message": "There is an issue with your billing or payment information."
        }})))
        .mount(&server)
        .await;
    for (at, words) in [
        ("low", "Your credit balance is too low"),
        ("billing", "issue with your billing"),
    ] {
        let client = AnthropicClient::new(format!("{}/{at}", server.uri()), "m").with_http(
            toolwright::clients::HttpSettings::default()
                .backoff(std::time::Duration::from_millis(1)),
        );
        let err = one_turn(&client).await.unwrap_err();
        let ModelError::QuotaExhausted { message } = &err else {
            panic!("expected QuotaExhausted, got {err:?}")
        };
        assert!(message.contains(words), "{message}");
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "never retried"
    );
}

#[tokio::test]
async fn a_gemini_429_waits_the_retry_delay_its_body_gives() {
    use toolwright::agent::ModelError;
    let server = MockServer::start().await;
    // As recorded from the Gemini API: the wait is a RetryInfo detail, not a header.
    Mock::given(path("/v1beta/models/g:generateContent"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"error": {
            "code": 429,
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}
            ]
        }})))
        .mount(&server)
        .await;
    let client = GeminiClient::new(format!("{}/v1beta", server.uri()), "g").with_http(once());
    let err = one_turn(&client).await.unwrap_err();
    let ModelError::RateLimited {
        retry_after_ms,
        message,
    } = &err
    else {
        panic!("expected RateLimited, got {err:?}")
    };
    assert_eq!(*retry_after_ms, Some(37_000));
    assert!(
        message
            .as_deref()
            .unwrap_or_default()
            .contains("RESOURCE_EXHAUSTED"),
        "{err}"
    );
}

/// A local HTTPS server with a freshly made self-signed certificate for `localhost`, which
/// no client trusts: it accepts connections and lets the handshake fail.
async fn untrusted_tls_server() -> u16 {
    use std::sync::Arc;
    use tokio_rustls::rustls;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // The client refuses the certificate; the server's side of that is not tested.
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_in_the_error() {
    use toolwright::agent::ModelError;
    let port = untrusted_tls_server().await;
    let client =
        OpenAiResponsesClient::new(format!("https://localhost:{port}/v1"), "m").with_http(once());
    let err = one_turn(&client).await.unwrap_err();
    let ModelError::Connection { cause, url } = &err else {
        panic!("expected Connection, got {err:?}")
    };
    assert_eq!(url, &format!("https://localhost:{port}/v1/responses"));
    assert!(
        cause.contains("invalid peer certificate") && cause.contains("UnknownIssuer"),
        "the TLS cause is named, not just the request: {cause}"
    );
    let text = err.to_string();
    assert!(text.contains("UnknownIssuer"), "{text}");
}

#[tokio::test]
async fn a_refused_connection_is_named_in_the_error() {
    use toolwright::agent::ModelError;
    // A port that was free a moment ago: nothing listens there now.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = AnthropicClient::new(format!("http://127.0.0.1:{port}"), "m").with_http(once());
    let err = one_turn(&client).await.unwrap_err();
    let ModelError::Connection { cause, .. } = &err else {
        panic!("expected Connection, got {err:?}")
    };
    assert!(cause.contains("Connection refused"), "{cause}");
    assert!(err.to_string().contains("Connection refused"), "{err}");
}

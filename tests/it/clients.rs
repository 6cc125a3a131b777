//! The HTTP model clients against recorded provider responses served by wiremock (never the
//! network): tool calls, several calls per turn, errors, 429 with retry-after, malformed bodies.

use serde_json::{Value, json};
use toolwright::agent::{
    Agent, AgentOutcome, Message, ModelClient, ModelError, ModelRequest, ModelTurn,
};
use toolwright::clients::{AnthropicClient, OpenAiClient};
use toolwright::{CallArguments, Executor, Principal, Registry, tool};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Get the current weather for a city. Returns the temperature in degrees Celsius.
#[tool(read_only)]
async fn get_current_weather(
    /// City name, e.g. "Paris"
    city: String,
) -> f64 {
    if city == "Paris" { 18.5 } else { 11.0 }
}

fn executor() -> Executor {
    Executor::new(
        Registry::builder()
            .tool(get_current_weather)
            .build()
            .unwrap(),
    )
}

fn openai_tool_calls() -> Value {
    json!({
        "id": "chatcmpl-9", "object": "chat.completion", "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": null,
            "tool_calls": [
                {"id": "call_paris", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_oslo", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"city\":\"Oslo\"}"}}
            ]}}]
    })
}

fn openai_final(text: &str) -> Value {
    json!({"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}]})
}

#[tokio::test]
async fn openai_client_runs_an_agent_turn_with_several_calls() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test"))
        .and(body_partial_json(json!({"messages": [{"role": "user"}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_tool_calls()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(openai_final("Paris 18.5, Oslo 11.")),
        )
        .mount(&server)
        .await;
    let client =
        OpenAiClient::new(format!("{}/v1", server.uri()), "gpt-test").with_api_key("sk-test");
    let run = Agent::new(executor(), client, Principal::anonymous())
        .run("Weather?")
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        AgentOutcome::Final("Paris 18.5, Oslo 11.".into())
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let first: Value = requests[0].body_json().unwrap();
    assert_eq!(first["tools"][0]["function"]["name"], "get_current_weather");
    assert_eq!(first["tools"][0]["function"]["strict"], true);
    let second: Value = requests[1].body_json().unwrap();
    let msgs = second["messages"].as_array().unwrap();
    assert_eq!(msgs[1]["tool_calls"][1]["id"], "call_oslo");
    assert_eq!(
        msgs[2],
        json!({"role": "tool", "tool_call_id": "call_paris", "content": "18.5"})
    );
    assert_eq!(
        msgs[3],
        json!({"role": "tool", "tool_call_id": "call_oslo", "content": "11.0"})
    );
}

async fn one_turn(client: &dyn ModelClient) -> Result<ModelTurn, ModelError> {
    let registry = Registry::builder()
        .tool(get_current_weather)
        .build()
        .unwrap();
    let tools: Vec<_> = registry.iter().collect();
    let messages = [Message::User("hi".into())];
    client
        .complete(ModelRequest {
            messages: &messages,
            tools: &tools,
        })
        .await
}

#[tokio::test]
async fn rate_limits_errors_and_malformed_bodies_are_typed_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/429/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_string("slow down"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/500/chat/completions"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string("{\"error\":{\"message\":\"boom\"}}"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/garbage/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .mount(&server)
        .await;
    Mock::given(path("/shape/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"unexpected": true})))
        .mount(&server)
        .await;
    let at = |p: &str| OpenAiClient::new(format!("{}/{p}", server.uri()), "m");
    assert!(matches!(
        one_turn(&at("429")).await,
        Err(ModelError::RateLimited {
            retry_after_ms: Some(7000)
        })
    ));
    assert!(
        matches!(one_turn(&at("500")).await, Err(ModelError::Request(m)) if m.contains("500") && m.contains("boom"))
    );
    assert!(matches!(
        one_turn(&at("garbage")).await,
        Err(ModelError::Malformed(_))
    ));
    assert!(matches!(
        one_turn(&at("shape")).await,
        Err(ModelError::Malformed(_))
    ));
    let dead = OpenAiClient::new("http://127.0.0.1:9", "m");
    assert!(matches!(one_turn(&dead).await, Err(ModelError::Request(_))));
}

#[tokio::test]
async fn invalid_argument_json_from_the_model_becomes_a_result_not_a_crash() {
    let server = MockServer::start().await;
    let body = json!({"choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"city\": "}}
    ]}}]});
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = OpenAiClient::new(format!("{}/v1", server.uri()), "m");
    let turn = one_turn(&client).await.unwrap();
    let ModelTurn::ToolCalls { calls, .. } = turn else {
        panic!("tool calls")
    };
    assert!(matches!(calls[0].arguments, CallArguments::Invalid { .. }));
    let result = executor().call(&Principal::anonymous(), &calls[0]).await;
    assert_eq!(result.to_model_json()["kind"], "invalid_arguments");
}

#[tokio::test]
async fn anthropic_client_sends_tool_results_in_one_user_message() {
    let server = MockServer::start().await;
    let tool_use = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test", "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "Checking both."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_current_weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "toolu_2", "name": "get_current_weather", "input": {"town": "Oslo"}}
        ]
    });
    let done = json!({"id": "msg_2", "type": "message", "role": "assistant", "stop_reason": "end_turn",
        "content": [{"type": "text", "text": "Paris is 18.5."}]});
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "ak-test"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(move |req: &Request| {
            let body: Value = req.body_json().unwrap();
            let turns = body["messages"].as_array().unwrap().len();
            ResponseTemplate::new(200).set_body_json(if turns == 1 {
                tool_use.clone()
            } else {
                done.clone()
            })
        })
        .mount(&server)
        .await;
    let client = AnthropicClient::new(server.uri(), "claude-test").with_api_key("ak-test");
    let run = Agent::new(executor(), client, Principal::anonymous())
        .system("You are terse.")
        .run("Weather?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("Paris is 18.5.".into()));
    let requests = server.received_requests().await.unwrap();
    let second: Value = requests[1].body_json().unwrap();
    assert_eq!(second["system"], "You are terse.");
    assert_eq!(second["tools"][0]["input_schema"]["type"], "object");
    let results = &second["messages"][2];
    assert_eq!(results["role"], "user");
    assert_eq!(results["content"][0]["tool_use_id"], "toolu_1");
    assert!(results["content"][0].get("is_error").is_none());
    assert_eq!(results["content"][1]["tool_use_id"], "toolu_2");
    assert_eq!(
        results["content"][1]["is_error"], true,
        "unknown argument `town`"
    );
}

#[tokio::test]
async fn anthropic_429_reports_retry_after() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .mount(&server)
        .await;
    let client = AnthropicClient::new(server.uri(), "m");
    assert!(matches!(
        one_turn(&client).await,
        Err(ModelError::RateLimited {
            retry_after_ms: Some(2000)
        })
    ));
}

//! The HTTP model clients against recorded provider responses served by wiremock (never the
//! network): tool calls, several calls per turn, opaque provider data sent back, tool choice,
//! errors, 429 with retry-after, retries, timeouts, quota, truncation, malformed bodies.

use serde_json::{Value, json};
use toolwright::agent::{
    Agent, AgentOutcome, Message, ModelClient, ModelError, ModelRequest, ModelTurn,
};
use toolwright::clients::{AnthropicClient, GeminiClient, HttpSettings, OpenAiClient};
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
    client.complete(ModelRequest::new(&messages, &tools)).await
}

/// No retries: the error of the first answer.
fn once() -> HttpSettings {
    HttpSettings::default().max_retries(0)
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
    let at = |p: &str| OpenAiClient::new(format!("{}/{p}", server.uri()), "m").with_http(once());
    assert!(matches!(
        one_turn(&at("429")).await,
        Err(ModelError::RateLimited {
            retry_after_ms: Some(7000),
            ..
        })
    ));
    assert!(
        matches!(one_turn(&at("500")).await, Err(ModelError::Http { status: 500, message }) if message.contains("boom"))
    );
    assert!(matches!(
        one_turn(&at("garbage")).await,
        Err(ModelError::Malformed(_))
    ));
    assert!(matches!(
        one_turn(&at("shape")).await,
        Err(ModelError::Malformed(_))
    ));
    let dead = OpenAiClient::new("http://127.0.0.1:9", "m").with_http(once());
    assert!(matches!(
        one_turn(&dead).await,
        Err(ModelError::Connection { .. })
    ));
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
    let client = AnthropicClient::new(server.uri(), "m").with_http(once());
    assert!(matches!(
        one_turn(&client).await,
        Err(ModelError::RateLimited {
            retry_after_ms: Some(2000),
            ..
        })
    ));
}

// ---- Opaque provider data, tool choice and Gemini --------------------------------------------

/// A Gemini 3 answer with two parallel calls, as recorded: the signature is on the first
/// `functionCall` part only, a sibling of `functionCall` (ai.google.dev "Thought signatures").
fn gemini_parallel_calls() -> Value {
    json!({
        "candidates": [{
            "content": {"role": "model", "parts": [
                {"functionCall": {"name": "get_current_weather", "args": {"city": "Paris"}}, "thoughtSignature": "CiQBjz1rX1sigA=="},
                {"functionCall": {"name": "get_current_weather", "args": {"city": "Oslo"}}}
            ]},
            "finishReason": "STOP", "index": 0
        }],
        "usageMetadata": {"promptTokenCount": 57, "candidatesTokenCount": 28, "totalTokenCount": 160, "thoughtsTokenCount": 75},
        "modelVersion": "gemini-3-flash-preview",
        "responseId": "e5AuafXSNt2qkdUPvYeQoAg"
    })
}

fn gemini_final(text: &str) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": text, "thoughtSignature": "Ek0KSw=="}]}, "finishReason": "STOP", "index": 0}],
        "modelVersion": "gemini-3-flash-preview"
    })
}

#[tokio::test]
async fn gemini_client_sends_thought_signatures_back_unchanged() {
    let server = MockServer::start().await;
    let calls = gemini_parallel_calls();
    Mock::given(method("POST"))
        .and(path(
            "/v1beta/models/gemini-3-flash-preview:generateContent",
        ))
        .and(header("x-goog-api-key", "gk-test"))
        .respond_with(move |req: &Request| {
            let body: Value = req.body_json().unwrap();
            let turns = body["contents"].as_array().unwrap().len();
            ResponseTemplate::new(200).set_body_json(if turns == 1 {
                calls.clone()
            } else {
                gemini_final("Paris 18.5, Oslo 11.")
            })
        })
        .mount(&server)
        .await;
    let client = GeminiClient::new(format!("{}/v1beta", server.uri()), "gemini-3-flash-preview")
        .with_api_key("gk-test");
    let run = Agent::new(executor(), client, Principal::anonymous())
        .system("Be brief.")
        .run("Weather?")
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        AgentOutcome::Final("Paris 18.5, Oslo 11.".into())
    );

    let requests = server.received_requests().await.unwrap();
    let first: Value = requests[0].body_json().unwrap();
    assert_eq!(
        first["systemInstruction"],
        json!({"parts": [{"text": "Be brief."}]})
    );
    assert_eq!(
        first["tools"][0]["functionDeclarations"][0]["name"],
        "get_current_weather"
    );
    assert_eq!(first["toolConfig"]["functionCallingConfig"]["mode"], "AUTO");
    let second: Value = requests[1].body_json().unwrap();
    let model_turn = &second["contents"][1];
    assert_eq!(model_turn["role"], "model");
    // The recorded parts come back as they were (our call ids added), signature included.
    let parts = model_turn["parts"].as_array().unwrap();
    assert_eq!(parts[0]["thoughtSignature"], "CiQBjz1rX1sigA==");
    assert_eq!(parts[0]["functionCall"]["args"], json!({"city": "Paris"}));
    assert!(parts[1].get("thoughtSignature").is_none());
    let results = &second["contents"][2];
    assert_eq!(results["role"], "user");
    assert_eq!(
        results["parts"][0]["functionResponse"]["response"],
        json!({"output": 18.5})
    );
    assert_eq!(
        results["parts"][1]["functionResponse"]["name"],
        "get_current_weather"
    );
}

#[tokio::test]
async fn tool_choice_and_parallel_calls_reach_each_provider_in_its_own_shape() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_final("ok")))
        .mount(&server)
        .await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"type": "message", "role": "assistant", "stop_reason": "end_turn", "content": [{"type": "text", "text": "ok"}]}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/v1beta/models/g:generateContent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(gemini_final("ok")))
        .mount(&server)
        .await;
    let choice = toolwright::agent::ToolChoice::Named("get_current_weather".into());
    let models: [Box<dyn ModelClient>; 3] = [
        Box::new(OpenAiClient::new(format!("{}/v1", server.uri()), "m")),
        Box::new(AnthropicClient::new(server.uri(), "m")),
        Box::new(GeminiClient::new(format!("{}/v1beta", server.uri()), "g")),
    ];
    for model in models {
        Agent::new(executor(), model, Principal::anonymous())
            .tool_choice(choice.clone())
            .parallel_tool_calls(false)
            .run("Weather?")
            .await
            .unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    let bodies: Vec<Value> = requests.iter().map(|r| r.body_json().unwrap()).collect();
    assert_eq!(
        bodies[0]["tool_choice"],
        json!({"type": "function", "function": {"name": "get_current_weather"}})
    );
    assert_eq!(bodies[0]["parallel_tool_calls"], false);
    assert_eq!(
        bodies[1]["tool_choice"],
        json!({"type": "tool", "name": "get_current_weather", "disable_parallel_tool_use": true})
    );
    assert_eq!(
        bodies[2]["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_current_weather"]}})
    );
}

// ---- Clients that hold up --------------------------------------------------------------------

static WEATHER_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Get the forecast for a city and count the calls. Returns the temperature in degrees Celsius.
#[tool(read_only)]
async fn get_forecast(
    /// City name, e.g. "Paris"
    city: String,
) -> f64 {
    let _ = city;
    WEATHER_CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    18.5
}

static TIDE_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Get the tide level at a port and count the calls. Returns the level in meters.
#[tool(read_only)]
async fn get_tide_level(
    /// Port name, e.g. "Brest"
    port: String,
) -> f64 {
    let _ = port;
    TIDE_CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    4.2
}

fn fast_retries() -> HttpSettings {
    HttpSettings::default()
        .max_retries(2)
        .backoff(std::time::Duration::from_millis(1))
}

#[tokio::test]
async fn a_server_error_is_retried_and_the_turns_tool_runs_once() {
    let server = MockServer::start().await;
    let calls = json!({"choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_forecast", "arguments": "{\"city\":\"Paris\"}"}}]}}]});
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(503).set_body_json(
            json!({"error": {"message": "The server is overloaded", "type": "server_error"}}),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(calls))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream reset"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_final("18.5 in Paris")))
        .mount(&server)
        .await;
    let executor = Executor::new(Registry::builder().tool(get_forecast).build().unwrap());
    let client = OpenAiClient::new(format!("{}/v1", server.uri()), "m").with_http(fast_retries());
    let run = Agent::new(executor, client, Principal::anonymous())
        .run("Weather?")
        .await
        .unwrap();
    assert_eq!(run.outcome, AgentOutcome::Final("18.5 in Paris".into()));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    assert_eq!(
        WEATHER_CALLS.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the retried request re-sends the result, it never re-runs the tool"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_the_provider_asks_for() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after-ms", "20")
                .set_body_json(json!({"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_final("done")))
        .mount(&server)
        .await;
    let client = OpenAiClient::new(format!("{}/v1", server.uri()), "m").with_http(fast_retries());
    assert_eq!(
        one_turn(&client).await.unwrap(),
        ModelTurn::Final("done".into())
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_error_keeps_the_providers_message() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(529).set_body_json(
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ))
        .mount(&server)
        .await;
    let client = AnthropicClient::new(server.uri(), "m").with_http(fast_retries());
    let err = one_turn(&client).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::Http { status: 529, message } if message.contains("Overloaded")),
        "{err}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "1 + 2 retries"
    );
}

#[tokio::test]
async fn insufficient_quota_is_its_own_error_with_the_providers_message_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"error": {
            "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "type": "insufficient_quota", "param": null, "code": "insufficient_quota"
        }})))
        .mount(&server)
        .await;
    let client = OpenAiClient::new(format!("{}/v1", server.uri()), "m").with_http(fast_retries());
    let err = one_turn(&client).await.unwrap_err();
    let ModelError::QuotaExhausted { message } = &err else {
        panic!("expected QuotaExhausted, got {err:?}")
    };
    assert!(message.contains("You exceeded your current quota"));
    assert!(err.to_string().contains("retrying will not help"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_hung_server_ends_in_a_timeout_error() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_final("too late"))
                .set_delay(std::time::Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let client = OpenAiClient::new(format!("{}/v1", server.uri()), "m")
        .with_http(fast_retries().timeout(std::time::Duration::from_millis(200)));
    let err = one_turn(&client).await.unwrap_err();
    assert!(
        matches!(err, ModelError::Timeout { after_ms: 200 }),
        "{err}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a timed-out request is not re-sent"
    );
}

#[tokio::test]
async fn connection_and_tls_failures_keep_their_cause() {
    let refused = OpenAiClient::new("http://127.0.0.1:9/v1", "m").with_http(once());
    let err = one_turn(&refused).await.unwrap_err();
    let ModelError::Connection { cause, .. } = &err else {
        panic!("expected Connection, got {err:?}")
    };
    assert!(cause.to_lowercase().contains("refused"), "{cause}");

    // TLS spoken to a plain-HTTP server: the handshake's own error is in the cause.
    let server = MockServer::start().await;
    let tls = OpenAiClient::new(server.uri().replace("http://", "https://"), "m").with_http(once());
    let err = one_turn(&tls).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.split(": ").count() > 3,
        "the error names the TLS cause, not just the request: {text}"
    );
}

#[tokio::test]
async fn every_client_sends_a_user_agent() {
    let server = MockServer::start().await;
    let ua = toolwright::clients::USER_AGENT;
    assert!(ua.starts_with("toolwright/"));
    Mock::given(path("/v1/chat/completions"))
        .and(header("user-agent", ua))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_final("ok")))
        .mount(&server)
        .await;
    Mock::given(path("/v1/messages"))
        .and(header("user-agent", ua))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"type": "message", "stop_reason": "end_turn", "content": [{"type": "text", "text": "ok"}]}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/v1beta/models/g:generateContent"))
        .and(header("user-agent", ua))
        .respond_with(ResponseTemplate::new(200).set_body_json(gemini_final("ok")))
        .mount(&server)
        .await;
    let openai = OpenAiClient::new(format!("{}/v1", server.uri()), "m").with_http(once());
    let anthropic = AnthropicClient::new(server.uri(), "m").with_http(once());
    let gemini = GeminiClient::new(format!("{}/v1beta", server.uri()), "g").with_http(once());
    for client in [&openai as &dyn ModelClient, &anthropic, &gemini] {
        assert!(matches!(one_turn(client).await, Ok(ModelTurn::Final(t)) if t == "ok"));
    }
}

#[tokio::test]
async fn a_token_limit_stop_is_a_distinct_outcome_and_runs_no_call() {
    let server = MockServer::start().await;
    // A tool call cut off mid-arguments by `max_tokens`.
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"choices": [{"index": 0, "finish_reason": "length",
            "message": {"role": "assistant", "content": "Let me check",
                "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_tide_level", "arguments": "{\"po"}}]}}]})))
        .mount(&server)
        .await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"type": "message", "role": "assistant",
            "stop_reason": "max_tokens", "content": [{"type": "text", "text": "The forecast for"}]})))
        .mount(&server)
        .await;
    Mock::given(path("/v1beta/models/g:generateContent"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"candidates": [{"content": {"role": "model",
            "parts": [{"text": "Paris will be"}]}, "finishReason": "MAX_TOKENS", "index": 0}]})),
        )
        .mount(&server)
        .await;
    let models: [(Box<dyn ModelClient>, &str); 3] = [
        (
            Box::new(OpenAiClient::new(format!("{}/v1", server.uri()), "m")),
            "Let me check",
        ),
        (
            Box::new(AnthropicClient::new(server.uri(), "m")),
            "The forecast for",
        ),
        (
            Box::new(GeminiClient::new(format!("{}/v1beta", server.uri()), "g")),
            "Paris will be",
        ),
    ];
    for (model, text) in models {
        let executor = Executor::new(Registry::builder().tool(get_tide_level).build().unwrap());
        let run = Agent::new(executor, model, Principal::anonymous())
            .run("Weather?")
            .await
            .unwrap();
        assert_eq!(run.outcome, AgentOutcome::Truncated { text: text.into() });
    }
    assert_eq!(TIDE_CALLS.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn when_the_model_fails_mid_run_the_calls_that_ran_are_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_tool_calls()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "This model's maximum context length is 8192 tokens.", "type": "invalid_request_error", "code": "context_length_exceeded"}})))
        .mount(&server)
        .await;
    let client = OpenAiClient::new(format!("{}/v1", server.uri()), "m").with_http(once());
    let err = Agent::new(executor(), client, Principal::anonymous())
        .run("Weather?")
        .await
        .unwrap_err();
    let ran: Vec<&str> = err.completed_calls().map(|r| r.call_id.as_str()).collect();
    assert_eq!(ran, ["call_paris", "call_oslo"]);
    assert_eq!(err.iterations, 2);
    let text = err.to_string();
    assert!(text.contains("HTTP 400"), "{text}");
    assert!(text.contains("maximum context length"), "{text}");
    assert!(text.contains("2 tool call(s) had already run"), "{text}");
}

#[test]
fn model_errors_print_as_sentences_not_debug() {
    let errors = [
        ModelError::RateLimited {
            retry_after_ms: Some(2500),
            message: Some("Rate limit reached".into()),
        },
        ModelError::RateLimited {
            retry_after_ms: None,
            message: None,
        },
        ModelError::Timeout { after_ms: 600_000 },
        ModelError::Http {
            status: 400,
            message: "bad".into(),
        },
    ];
    for e in &errors {
        let text = e.to_string();
        assert!(!text.contains("Some(") && !text.contains("None"), "{text}");
        assert!(!text.contains('{'), "{text}");
    }
    assert!(errors[0].to_string().contains("2.5 s"));
    assert!(errors[2].to_string().contains("600 s"));
}

#[test]
fn a_clients_debug_output_never_shows_its_api_key() {
    let key = "sk-live-0123456789abcdef";
    let printed = [
        format!(
            "{:?}",
            OpenAiClient::new("https://api.example.com/v1", "m").with_api_key(key)
        ),
        format!(
            "{:?}",
            AnthropicClient::new("https://api.example.com", "m").with_api_key(key)
        ),
        format!(
            "{:?}",
            GeminiClient::new("https://api.example.com", "m").with_api_key(key)
        ),
        format!(
            "{:?}",
            toolwright::clients::OpenAiResponsesClient::new("https://api.example.com/v1", "m")
                .with_api_key(key)
        ),
    ];
    for text in printed {
        assert!(!text.contains(key), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}

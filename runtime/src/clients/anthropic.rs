use serde_json::{Value, json};

use crate::agent::{Message, ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::call::CallArguments;
use crate::providers;
use crate::tool::BoxFuture;

/// The Messages API version this client speaks.
const API_VERSION: &str = "2023-06-01";

/// An Anthropic Messages API client.
///
/// ```no_run
/// use toolwright::clients::AnthropicClient;
/// let client = AnthropicClient::from_env("claude-sonnet-4-5"); // ANTHROPIC_API_KEY
/// ```
#[derive(Clone, Debug)]
pub struct AnthropicClient {
    http: reqwest::Client,
    base_url: String,
    api_key: Option<String>,
    model: String,
    max_tokens: u32,
}

impl AnthropicClient {
    /// A client for `model` at `base_url` (e.g. `https://api.anthropic.com`).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key: None,
            model: model.into(),
            max_tokens: 1024,
        }
    }

    /// A client configured from `ANTHROPIC_BASE_URL` (default `https://api.anthropic.com`) and
    /// `ANTHROPIC_API_KEY`.
    pub fn from_env(model: impl Into<String>) -> Self {
        let base = std::env::var("ANTHROPIC_BASE_URL")
            .unwrap_or_else(|_| "https://api.anthropic.com".into());
        let mut client = Self::new(base, model);
        client.api_key = std::env::var("ANTHROPIC_API_KEY")
            .ok()
            .filter(|k| !k.is_empty());
        client
    }

    /// Sets the API key.
    #[must_use]
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets `max_tokens` (default 1024).
    #[must_use]
    pub fn with_max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = n;
        self
    }

    /// The request body for one turn.
    pub fn body(&self, request: &ModelRequest<'_>) -> Value {
        let mut system = Vec::new();
        let mut messages = Vec::new();
        for m in request.messages {
            match m {
                Message::System(text) => system.push(text.as_str()),
                Message::User(text) => messages.push(json!({"role": "user", "content": text})),
                Message::Assistant { text, tool_calls } => {
                    let mut content = Vec::new();
                    if let Some(t) = text.as_deref().filter(|t| !t.is_empty()) {
                        content.push(json!({"type": "text", "text": t}));
                    }
                    for c in tool_calls {
                        content.push(json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input_of(&c.arguments)}));
                    }
                    messages.push(json!({"role": "assistant", "content": content}));
                }
                Message::ToolResults(results) => {
                    messages.push(providers::anthropic::format_results(results))
                }
            }
        }
        let mut body =
            json!({"model": self.model, "max_tokens": self.max_tokens, "messages": messages});
        if !system.is_empty() {
            body["system"] = Value::String(system.join("\n\n"));
        }
        if !request.tools.is_empty() {
            body["tools"] = providers::anthropic::export(request.tools.iter().copied()).tools;
        }
        body
    }
}

/// `tool_use.input` must be an object: unusable arguments are sent back as an empty object
/// (the error result that follows tells the model what was wrong).
fn input_of(args: &CallArguments) -> Value {
    match args {
        CallArguments::Json(v @ Value::Object(_)) => v.clone(),
        CallArguments::Text(t) => match serde_json::from_str::<Value>(t) {
            Ok(v @ Value::Object(_)) => v,
            _ => json!({}),
        },
        _ => json!({}),
    }
}

/// A Messages response as a model turn.
fn turn(response: &Value) -> Result<ModelTurn, ModelError> {
    super::turn(
        providers::anthropic::parse_tool_calls(response),
        providers::anthropic::response_text(response),
    )
}

impl ModelClient for AnthropicClient {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        let body = self.body(&request);
        Box::pin(async move {
            let mut req = self
                .http
                .post(format!("{}/v1/messages", self.base_url))
                .header("anthropic-version", API_VERSION)
                .json(&body);
            if let Some(key) = &self.api_key {
                req = req.header("x-api-key", key);
            }
            let response = req.send().await.map_err(|e| super::send_error(&e))?;
            turn(&super::read_json(response).await?)
        })
    }
}

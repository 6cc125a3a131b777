use serde_json::{Value, json};

use super::{Endpoint, HttpSettings};
use crate::agent::{Message, ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::providers;
use crate::tool::BoxFuture;

/// An OpenAI-compatible Chat Completions client.
///
/// ```no_run
/// use toolwright::clients::OpenAiClient;
/// // OPENAI_API_KEY and, for Ollama/vLLM/LM Studio, OPENAI_BASE_URL (e.g. http://localhost:11434/v1)
/// let client = OpenAiClient::from_env("gpt-4.1-mini");
/// ```
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    http: reqwest::Client,
    settings: HttpSettings,
    base_url: String,
    api_key: Option<String>,
    model: String,
}

impl OpenAiClient {
    /// A client for `model` at `base_url` (e.g. `https://api.openai.com/v1`), with the default
    /// [`HttpSettings`].
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        let settings = HttpSettings::default();
        Self {
            http: settings.client(),
            settings,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key: None,
            model: model.into(),
        }
    }

    /// A client configured from `OPENAI_BASE_URL` (default `https://api.openai.com/v1`) and
    /// `OPENAI_API_KEY`.
    pub fn from_env(model: impl Into<String>) -> Self {
        let (base, api_key) = super::openai_env();
        let mut client = Self::new(base, model);
        client.api_key = api_key;
        client
    }

    /// Sets the API key (sent as a bearer token).
    #[must_use]
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets the timeouts and retries.
    #[must_use]
    pub fn with_http(mut self, settings: HttpSettings) -> Self {
        self.http = settings.client();
        self.settings = settings;
        self
    }

    /// The request body for one turn.
    pub fn body(&self, request: &ModelRequest<'_>) -> Value {
        let mut messages = Vec::new();
        for m in request.messages {
            match m {
                Message::System(text) => messages.push(json!({"role": "system", "content": text})),
                Message::User(text) => messages.push(json!({"role": "user", "content": text})),
                Message::Assistant {
                    text, tool_calls, ..
                } => messages.push(providers::openai::format_assistant_turn(
                    text.as_deref(),
                    tool_calls,
                )),
                Message::ToolResults(results) => {
                    if let Value::Array(items) = providers::openai::format_results(results) {
                        messages.extend(items);
                    }
                }
            }
        }
        let mut body = json!({"model": self.model, "messages": messages});
        if !request.tools.is_empty() {
            body["tools"] = providers::openai::export(request.tools.iter().copied()).tools;
            body["tool_choice"] = providers::openai::tool_choice(request.tool_choice);
            if let Some(parallel) = request.parallel_tool_calls {
                body["parallel_tool_calls"] = Value::Bool(parallel);
            }
        }
        body
    }
}

/// A Chat Completions response as a model turn.
fn turn(response: &Value) -> Result<ModelTurn, ModelError> {
    super::turn(
        providers::openai::parse_tool_calls(response),
        providers::openai::response_text(response).map(str::to_owned),
        None,
        providers::openai::is_truncated(response),
    )
}

impl ModelClient for OpenAiClient {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        let body = self.body(&request);
        Box::pin(async move {
            let auth = self.api_key.as_ref().map(|k| format!("Bearer {k}"));
            let endpoint = Endpoint {
                url: format!("{}/chat/completions", self.base_url),
                headers: auth.iter().map(|a| ("authorization", a.as_str())).collect(),
            };
            turn(&super::post_json(&self.http, &self.settings, &endpoint, &body).await?)
        })
    }
}

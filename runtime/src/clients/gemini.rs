use serde_json::{Value, json};

use super::{Endpoint, HttpSettings};
use crate::agent::{Message, ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::providers;
use crate::tool::BoxFuture;

/// A Google Gemini API client (`models/{model}:generateContent`).
///
/// The model's function-call parts go back exactly as received (Gemini 3's
/// `thoughtSignature` included), `tool_choice` becomes `toolConfig.functionCallingConfig`
/// and a system prompt becomes `systemInstruction`.
///
/// ```no_run
/// use toolwright::clients::GeminiClient;
/// let client = GeminiClient::from_env("gemini-3-flash-preview"); // GEMINI_API_KEY
/// ```
#[derive(Clone, Debug)]
pub struct GeminiClient {
    http: reqwest::Client,
    settings: HttpSettings,
    base_url: String,
    api_key: Option<String>,
    model: String,
    max_output_tokens: Option<u32>,
}

impl GeminiClient {
    /// A client for `model` at `base_url` (e.g.
    /// `https://generativelanguage.googleapis.com/v1beta`), with the default [`HttpSettings`].
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        let settings = HttpSettings::default();
        Self {
            http: settings.client(),
            settings,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key: None,
            model: model.into(),
            max_output_tokens: None,
        }
    }

    /// A client configured from `GEMINI_BASE_URL` (default
    /// `https://generativelanguage.googleapis.com/v1beta`) and `GEMINI_API_KEY` (or
    /// `GOOGLE_API_KEY`).
    pub fn from_env(model: impl Into<String>) -> Self {
        let base = std::env::var("GEMINI_BASE_URL")
            .unwrap_or_else(|_| "https://generativelanguage.googleapis.com/v1beta".into());
        let mut client = Self::new(base, model);
        client.api_key = ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|k| !k.is_empty()));
        client
    }

    /// Sets the API key (sent as `x-goog-api-key`).
    #[must_use]
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets `generationConfig.maxOutputTokens` (the model's default when not set).
    #[must_use]
    pub fn with_max_output_tokens(mut self, n: u32) -> Self {
        self.max_output_tokens = Some(n);
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
        let mut system = Vec::new();
        let mut contents = Vec::new();
        for m in request.messages {
            match m {
                Message::System(text) => system.push(json!({"text": text})),
                Message::User(text) => {
                    contents.push(json!({"role": "user", "parts": [{"text": text}]}));
                }
                Message::Assistant {
                    text,
                    tool_calls,
                    provider_content,
                } => contents.push(providers::gemini::format_turn(
                    text.as_deref(),
                    tool_calls,
                    provider_content.as_ref(),
                )),
                Message::ToolResults(results) => {
                    contents.push(providers::gemini::format_results(results));
                }
            }
        }
        let mut body = json!({"contents": contents});
        if !system.is_empty() {
            body["systemInstruction"] = json!({"parts": system});
        }
        if !request.tools.is_empty() {
            body["tools"] = providers::gemini::export(request.tools.iter().copied()).tools;
            body["toolConfig"] = providers::gemini::tool_config(request.tool_choice);
        }
        if let Some(n) = self.max_output_tokens {
            body["generationConfig"] = json!({"maxOutputTokens": n});
        }
        body
    }
}

/// A `GenerateContentResponse` as a model turn.
fn turn(response: &Value) -> Result<ModelTurn, ModelError> {
    if let Some(reason) = response
        .get("promptFeedback")
        .and_then(|f| f.get("blockReason"))
        .and_then(Value::as_str)
    {
        return Err(ModelError::Request(format!(
            "Gemini blocked the prompt ({reason})"
        )));
    }
    super::turn(
        providers::gemini::parse_tool_calls(response),
        providers::gemini::response_text(response),
        providers::gemini::parse_turn_content(response),
        providers::gemini::is_truncated(response),
    )
}

impl ModelClient for GeminiClient {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        let body = self.body(&request);
        Box::pin(async move {
            let endpoint = Endpoint {
                url: format!("{}/models/{}:generateContent", self.base_url, self.model),
                headers: self
                    .api_key
                    .iter()
                    .map(|k| ("x-goog-api-key", k.as_str()))
                    .collect(),
            };
            turn(&super::post_json(&self.http, &self.settings, &endpoint, &body).await?)
        })
    }
}

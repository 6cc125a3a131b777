use serde_json::{Value, json};

use super::{KeyHeader, Transport, TurnFuture};
use crate::agent::{ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::providers;

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
    transport: Transport,
    max_output_tokens: Option<u32>,
}

impl GeminiClient {
    /// A client for `model` at `base_url` (e.g.
    /// `https://generativelanguage.googleapis.com/v1beta`), with the default
    /// [`HttpSettings`](super::HttpSettings).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            transport: Transport::new(base_url, model, KeyHeader::Named("x-goog-api-key")),
            max_output_tokens: None,
        }
    }

    super::transport_builders! {
        /// A client configured from `GEMINI_BASE_URL` (default
        /// `https://generativelanguage.googleapis.com/v1beta`) and `GEMINI_API_KEY` (or
        /// `GOOGLE_API_KEY`).
        from_env: super::env_config(
            "GEMINI_BASE_URL",
            "https://generativelanguage.googleapis.com/v1beta",
            &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        ),
        /// Sets the API key (sent as `x-goog-api-key`).
        with_api_key,
    }

    crate::setters! {
        /// Sets `generationConfig.maxOutputTokens` (the model's default when not set).
        pub fn with_max_output_tokens(n: u32) => max_output_tokens = Some(n);
    }

    /// The request body for one turn.
    pub fn body(&self, request: &ModelRequest<'_>) -> Value {
        let contents = super::Wire {
            system: None,
            user: |text| json!({"role": "user", "parts": [{"text": text}]}),
            turn: providers::gemini::format_turn,
            results: providers::gemini::format_results,
        }
        .messages(request.messages);
        let system: Vec<Value> = super::system_prompts(request.messages)
            .map(|text| json!({"text": text}))
            .collect();
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
    super::read_turn!(providers::gemini, response)
}

impl ModelClient for GeminiClient {
    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> TurnFuture<'a> {
        self.transport.complete(
            format!("/models/{}:generateContent", self.transport.model),
            &[],
            self.body(&request),
            turn,
        )
    }
}

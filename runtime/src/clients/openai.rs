use serde_json::{Value, json};

use super::{KeyHeader, Transport, TurnFuture};
use crate::agent::{ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::providers;

/// An OpenAI-compatible Chat Completions client.
///
/// ```no_run
/// use toolwright::clients::OpenAiClient;
/// // OPENAI_API_KEY and, for Ollama/vLLM/LM Studio, OPENAI_BASE_URL (e.g. http://localhost:11434/v1)
/// let client = OpenAiClient::from_env("gpt-4.1-mini");
/// ```
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    transport: Transport,
}

impl OpenAiClient {
    /// A client for `model` at `base_url` (e.g. `https://api.openai.com/v1`), with the default
    /// [`HttpSettings`](super::HttpSettings).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            transport: Transport::new(base_url, model, KeyHeader::Bearer),
        }
    }

    super::transport_builders! {
        /// A client configured from `OPENAI_BASE_URL` (default `https://api.openai.com/v1`) and
        /// `OPENAI_API_KEY`.
        from_env: super::openai_env(),
        /// Sets the API key (sent as a bearer token).
        with_api_key,
    }

    /// The request body for one turn.
    pub fn body(&self, request: &ModelRequest<'_>) -> Value {
        let messages = super::Wire {
            system: Some(|text| json!({"role": "system", "content": text})),
            user: super::user_content,
            turn: |text, calls, _| providers::openai::format_assistant_turn(text, calls),
            results: providers::openai::format_results,
        }
        .messages(request.messages);
        let mut body = json!({"model": self.transport.model, "messages": messages});
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
    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> TurnFuture<'a> {
        self.transport
            .complete("/chat/completions".into(), &[], self.body(&request), turn)
    }
}

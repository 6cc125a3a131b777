use serde_json::{Value, json};

use super::{KeyHeader, Transport, TurnFuture};
use crate::agent::{ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::providers;

/// An OpenAI Responses API client (`POST /responses`).
///
/// Every turn sends the whole conversation as `input` items, so no `previous_response_id` is
/// needed: the model's `function_call` items go back unchanged (item `id`, `status`, …), each
/// result is a `function_call_output` naming its `call_id`, and the turn's other items
/// (`reasoning`, the hosted tool search's `tool_search_call`/`tool_search_output`) go back in
/// their places. A system prompt becomes `instructions`.
///
/// ```no_run
/// use toolwright::clients::OpenAiResponsesClient;
/// // OPENAI_API_KEY, and OPENAI_BASE_URL for another server
/// let client = OpenAiResponsesClient::from_env("gpt-5-mini");
/// ```
#[derive(Clone, Debug)]
pub struct OpenAiResponsesClient {
    transport: Transport,
    max_output_tokens: Option<u32>,
    stateless: bool,
    native_search: bool,
}

impl OpenAiResponsesClient {
    /// A client for `model` at `base_url` (e.g. `https://api.openai.com/v1`), with the default
    /// [`HttpSettings`](super::HttpSettings).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            transport: Transport::new(base_url, model, KeyHeader::Bearer),
            max_output_tokens: None,
            stateless: false,
            native_search: true,
        }
    }

    super::transport_builders! {
        /// A client configured from `OPENAI_BASE_URL` (default `https://api.openai.com/v1`) and
        /// `OPENAI_API_KEY`.
        from_env: super::openai_env(),
        /// Sets the API key (sent as a bearer token).
        with_api_key,
        /// Whether [`Agent::tool_search`](crate::agent::Agent::tool_search) uses the hosted
        /// `tool_search` tool with `defer_loading` (default) or the local `search_tools`. Turn it
        /// off for models or servers without tool search.
        with_native_tool_search,
    }

    crate::setters! {
        /// Sets `max_output_tokens` (the model's default when not set).
        pub fn with_max_output_tokens(n: u32) => max_output_tokens = Some(n);
        /// Asks OpenAI not to store the responses (`store: false`, for zero data retention) and
        /// to return reasoning as `encrypted_content` (`include:
        /// ["reasoning.encrypted_content"]`), which is how a reasoning item is carried to the
        /// next turn when nothing is stored (guide "Reasoning" → "Encrypted reasoning items").
        pub fn stateless(stateless: bool) => stateless = stateless;
    }

    /// The request body for one turn.
    pub fn body(&self, request: &ModelRequest<'_>) -> Value {
        let input = super::Wire::system_apart(
            providers::openai_responses::format_turn,
            providers::openai_responses::format_results,
        )
        .messages(request.messages);
        let mut body = json!({"model": self.transport.model, "input": input});
        if let Some(instructions) = super::system_prompt(request.messages) {
            body["instructions"] = Value::String(instructions);
        }
        if let Some(tools) = super::tools_with_deferred(
            request,
            providers::openai_responses::export,
            providers::openai_responses::export_deferred,
        ) {
            body["tools"] = tools;
            body["tool_choice"] = providers::openai_responses::tool_choice(request.tool_choice);
            if let Some(parallel) = request.parallel_tool_calls {
                body["parallel_tool_calls"] = Value::Bool(parallel);
            }
        }
        if let Some(n) = self.max_output_tokens {
            body["max_output_tokens"] = json!(n);
        }
        if self.stateless {
            body["store"] = Value::Bool(false);
            body["include"] = json!(["reasoning.encrypted_content"]);
        }
        body
    }
}

/// A Responses body as a model turn: a `failed` response is an error with the provider's
/// message, an `incomplete` one cut by the token limit is [`ModelTurn::Truncated`].
fn turn(response: &Value) -> Result<ModelTurn, ModelError> {
    if response.get("status").and_then(Value::as_str) == Some("failed") {
        let error = response.get("error");
        let message = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("no message");
        let code = error
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("failed");
        return Err(ModelError::Request(format!(
            "the response failed: {message} ({code})"
        )));
    }
    super::read_turn!(providers::openai_responses, response)
}

impl ModelClient for OpenAiResponsesClient {
    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> TurnFuture<'a> {
        self.transport
            .complete("/responses".into(), &[], self.body(&request), turn)
    }

    fn native_tool_search(&self) -> bool {
        self.native_search
    }
}

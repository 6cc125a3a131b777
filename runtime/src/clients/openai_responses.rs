use serde_json::{Value, json};

use super::{Endpoint, HttpSettings};
use crate::agent::{Message, ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::providers;
use crate::tool::BoxFuture;

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
    http: reqwest::Client,
    settings: HttpSettings,
    base_url: String,
    api_key: Option<String>,
    model: String,
    max_output_tokens: Option<u32>,
    stateless: bool,
    native_search: bool,
}

impl OpenAiResponsesClient {
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
            max_output_tokens: None,
            stateless: false,
            native_search: true,
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

    /// Sets `max_output_tokens` (the model's default when not set).
    #[must_use]
    pub fn with_max_output_tokens(mut self, n: u32) -> Self {
        self.max_output_tokens = Some(n);
        self
    }

    /// Asks OpenAI not to store the responses (`store: false`, for zero data retention) and
    /// to return reasoning as `encrypted_content` (`include: ["reasoning.encrypted_content"]`),
    /// which is how a reasoning item is carried to the next turn when nothing is stored
    /// (guide "Reasoning" → "Encrypted reasoning items").
    #[must_use]
    pub fn stateless(mut self, stateless: bool) -> Self {
        self.stateless = stateless;
        self
    }

    /// Whether [`Agent::tool_search`](crate::agent::Agent::tool_search) uses the hosted
    /// `tool_search` tool with `defer_loading` (default) or the local `search_tools`. Turn it
    /// off for models or servers without tool search.
    #[must_use]
    pub fn with_native_tool_search(mut self, native: bool) -> Self {
        self.native_search = native;
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
        let mut instructions = Vec::new();
        let mut input = Vec::new();
        for m in request.messages {
            match m {
                Message::System(text) => instructions.push(text.as_str()),
                Message::User(text) => input.push(json!({"role": "user", "content": text})),
                Message::Assistant {
                    text,
                    tool_calls,
                    provider_content,
                } => {
                    if let Value::Array(items) = providers::openai_responses::format_turn(
                        text.as_deref(),
                        tool_calls,
                        provider_content.as_ref(),
                    ) {
                        input.extend(items);
                    }
                }
                Message::ToolResults(results) => {
                    if let Value::Array(items) =
                        providers::openai_responses::format_results(results)
                    {
                        input.extend(items);
                    }
                }
            }
        }
        let mut body = json!({"model": self.model, "input": input});
        if !instructions.is_empty() {
            body["instructions"] = Value::String(instructions.join("\n\n"));
        }
        if !request.tools.is_empty() || !request.deferred_tools.is_empty() {
            let all = request.tools.iter().chain(request.deferred_tools).copied();
            let export = providers::openai_responses::export(all);
            body["tools"] = if request.deferred_tools.is_empty() {
                export.tools
            } else {
                let offered: Vec<&str> = request.tools.iter().map(|t| t.name()).collect();
                providers::openai_responses::deferred(export, &offered).tools
            };
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
    super::turn(
        providers::openai_responses::parse_tool_calls(response),
        providers::openai_responses::response_text(response),
        providers::openai_responses::parse_turn_content(response),
        providers::openai_responses::is_truncated(response),
    )
}

impl ModelClient for OpenAiResponsesClient {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        let body = self.body(&request);
        Box::pin(async move {
            let auth = self.api_key.as_ref().map(|k| format!("Bearer {k}"));
            let endpoint = Endpoint {
                url: format!("{}/responses", self.base_url),
                headers: auth.iter().map(|a| ("authorization", a.as_str())).collect(),
            };
            turn(&super::post_json(&self.http, &self.settings, &endpoint, &body).await?)
        })
    }

    fn native_tool_search(&self) -> bool {
        self.native_search
    }
}

use serde_json::{Value, json};

use super::{Endpoint, HttpSettings};
use crate::agent::{Message, ModelClient, ModelError, ModelRequest, ModelTurn};
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
    settings: HttpSettings,
    base_url: String,
    api_key: Option<String>,
    model: String,
    max_tokens: u32,
    strict_tools: bool,
    native_search: bool,
    thinking_budget: Option<u32>,
}

impl AnthropicClient {
    /// A client for `model` at `base_url` (e.g. `https://api.anthropic.com`), with the default
    /// [`HttpSettings`].
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        let settings = HttpSettings::default();
        Self {
            http: settings.client(),
            settings,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key: None,
            model: model.into(),
            max_tokens: 1024,
            strict_tools: false,
            native_search: true,
            thinking_budget: None,
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

    /// Sends tools with strict tool use (`"strict": true`, see
    /// [`providers::anthropic::export_strict`]) so the model's input always matches the schema.
    #[must_use]
    pub fn with_strict_tools(mut self, strict: bool) -> Self {
        self.strict_tools = strict;
        self
    }

    /// Turns on extended thinking with a budget of `tokens` (`thinking: {"type": "enabled",
    /// "budget_tokens": …}`; at least 1024 and below `max_tokens`). The thinking blocks of a
    /// turn that calls tools go back with it, signatures and all, as the API requires. With
    /// thinking on, Anthropic accepts only `ToolChoice::Auto` and `ToolChoice::None`.
    #[must_use]
    pub fn with_thinking_budget(mut self, tokens: u32) -> Self {
        self.thinking_budget = Some(tokens);
        self
    }

    /// Whether [`Agent::tool_search`](crate::agent::Agent::tool_search) uses Anthropic's tool
    /// search tool (`tool_search_tool_bm25_20251119`, deferred tools with `defer_loading`;
    /// default) or the local `search_tools`. Turn it off for models without tool search.
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
        let mut system = Vec::new();
        let mut messages = Vec::new();
        for m in request.messages {
            match m {
                Message::System(text) => system.push(text.as_str()),
                Message::User(text) => messages.push(json!({"role": "user", "content": text})),
                Message::Assistant {
                    text,
                    tool_calls,
                    provider_content,
                } => messages.push(providers::anthropic::format_turn(
                    text.as_deref(),
                    tool_calls,
                    provider_content.as_ref(),
                )),
                Message::ToolResults(results) => {
                    messages.push(providers::anthropic::format_results(results));
                }
            }
        }
        let mut body =
            json!({"model": self.model, "max_tokens": self.max_tokens, "messages": messages});
        if !system.is_empty() {
            body["system"] = Value::String(system.join("\n\n"));
        }
        if let Some(budget) = self.thinking_budget {
            body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
        }
        if !request.tools.is_empty() || !request.deferred_tools.is_empty() {
            let tools = request.tools.iter().chain(request.deferred_tools).copied();
            let export = if self.strict_tools {
                providers::anthropic::export_strict(tools)
            } else {
                providers::anthropic::export(tools)
            };
            body["tools"] = if request.deferred_tools.is_empty() {
                export.tools
            } else {
                let offered: Vec<&str> = request.tools.iter().map(|t| t.name()).collect();
                providers::anthropic::deferred(export, &offered).tools
            };
            body["tool_choice"] =
                providers::anthropic::tool_choice(request.tool_choice, request.parallel_tool_calls);
        }
        body
    }
}

/// A Messages response as a model turn; `pause_turn` (docs "Handling stop reasons": the
/// server tool loop hit its iteration limit; send the content back to continue) is
/// [`ModelTurn::Paused`].
fn turn(response: &Value) -> Result<ModelTurn, ModelError> {
    if response.get("stop_reason").and_then(Value::as_str) == Some("pause_turn") {
        return Ok(ModelTurn::Paused {
            text: providers::anthropic::response_text(response),
            provider_content: providers::anthropic::parse_turn_content(response),
        });
    }
    super::turn(
        providers::anthropic::parse_tool_calls(response),
        providers::anthropic::response_text(response),
        providers::anthropic::parse_turn_content(response),
        providers::anthropic::is_truncated(response),
    )
}

impl ModelClient for AnthropicClient {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        let body = self.body(&request);
        Box::pin(async move {
            let mut headers = vec![("anthropic-version", API_VERSION)];
            if let Some(key) = &self.api_key {
                headers.push(("x-api-key", key.as_str()));
            }
            let endpoint = Endpoint {
                url: format!("{}/v1/messages", self.base_url),
                headers,
            };
            turn(&super::post_json(&self.http, &self.settings, &endpoint, &body).await?)
        })
    }

    fn native_tool_search(&self) -> bool {
        self.native_search
    }
}

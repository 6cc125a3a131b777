use serde_json::{Value, json};

use super::{KeyHeader, Transport, TurnFuture};
use crate::ToolEntry;
use crate::agent::{ModelClient, ModelError, ModelRequest, ModelTurn};
use crate::providers;

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
    transport: Transport,
    max_tokens: u32,
    strict_tools: bool,
    native_search: bool,
    thinking_budget: Option<u32>,
}

impl AnthropicClient {
    /// A client for `model` at `base_url` (e.g. `https://api.anthropic.com`), with the default
    /// [`HttpSettings`](super::HttpSettings).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            transport: Transport::new(base_url, model, KeyHeader::Named("x-api-key")),
            max_tokens: 1024,
            strict_tools: false,
            native_search: true,
            thinking_budget: None,
        }
    }

    super::transport_builders! {
        /// A client configured from `ANTHROPIC_BASE_URL` (default `https://api.anthropic.com`) and
        /// `ANTHROPIC_API_KEY`.
        from_env: super::env_config(
            "ANTHROPIC_BASE_URL",
            "https://api.anthropic.com",
            &["ANTHROPIC_API_KEY"],
        ),
        /// Sets the API key (sent as `x-api-key`).
        with_api_key,
        /// Whether [`Agent::tool_search`](crate::agent::Agent::tool_search) uses Anthropic's tool
        /// search tool (`tool_search_tool_bm25_20251119`, deferred tools with `defer_loading`;
        /// default) or the local `search_tools`. Turn it off for models without tool search.
        with_native_tool_search,
    }

    crate::setters! {
        /// Sets `max_tokens` (default 1024).
        pub fn with_max_tokens(n: u32) => max_tokens = n;
        /// Sends tools with strict tool use (`"strict": true`, see
        /// [`providers::anthropic::export_strict`]) so the model's input always matches the
        /// schema.
        pub fn with_strict_tools(strict: bool) => strict_tools = strict;
        /// Turns on extended thinking with a budget of `tokens` (`thinking: {"type": "enabled",
        /// "budget_tokens": …}`; at least 1024 and below `max_tokens`). The thinking blocks of a
        /// turn that calls tools go back with it, signatures and all, as the API requires. With
        /// thinking on, Anthropic accepts only `ToolChoice::Auto` and `ToolChoice::None`.
        pub fn with_thinking_budget(tokens: u32) => thinking_budget = Some(tokens);
    }

    /// The request body for one turn.
    pub fn body(&self, request: &ModelRequest<'_>) -> Value {
        let messages = super::Wire::system_apart(
            providers::anthropic::format_turn,
            providers::anthropic::format_results,
        )
        .messages(request.messages);
        let mut body = json!({
            "model": self.transport.model,
            "max_tokens": self.max_tokens,
            "messages": messages,
        });
        if let Some(system) = super::system_prompt(request.messages) {
            body["system"] = Value::String(system);
        }
        if let Some(budget) = self.thinking_budget {
            body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
        }
        let export = |tools: Vec<&ToolEntry>| {
            if self.strict_tools {
                providers::anthropic::export_strict(tools)
            } else {
                providers::anthropic::export(tools)
            }
        };
        let export_deferred = |tools: Vec<&ToolEntry>, always: &[&str]| {
            providers::anthropic::deferred(export(tools), always)
        };
        if let Some(tools) = super::tools_with_deferred(request, export, export_deferred) {
            body["tools"] = tools;
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
    super::read_turn!(providers::anthropic, response)
}

impl ModelClient for AnthropicClient {
    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> TurnFuture<'a> {
        self.transport.complete(
            "/v1/messages".into(),
            &[("anthropic-version", API_VERSION)],
            self.body(&request),
            turn,
        )
    }

    fn native_tool_search(&self) -> bool {
        self.native_search
    }
}

//! Real model clients over HTTP (feature `clients`): an OpenAI-compatible Chat Completions
//! client (OpenAI, Ollama, vLLM, LM Studio via a base URL), an OpenAI Responses client, an
//! Anthropic Messages client and a Gemini `generateContent` client. All implement [`ModelClient`](crate::agent::ModelClient);
//! they use the [`providers`](crate::providers) module to export tools, parse calls and
//! format results, and share one transport ([`HttpSettings`]): a request timeout, a bounded
//! retry on 429/5xx that honours `retry-after`, errors that keep the provider's message and
//! the connection's cause, and a `User-Agent`.

mod anthropic;
mod gemini;
mod openai;
mod openai_responses;

pub use anthropic::AnthropicClient;
pub use gemini::GeminiClient;
pub use openai::OpenAiClient;
pub use openai_responses::OpenAiResponsesClient;

use std::time::Duration;

use serde_json::{Value, json};

use crate::agent::{Message, ModelError, ModelRequest, ModelTurn};
use crate::call::{ToolCall, ToolResult, TurnContent};
use crate::providers::Export;
use crate::registry::ToolEntry;
use crate::tool::BoxFuture;

/// The `User-Agent` every client sends.
pub const USER_AGENT: &str = concat!("toolwright/", env!("CARGO_PKG_VERSION"));

/// How a client talks to its API: timeouts and retries.
///
/// A retry re-sends a request that got no usable answer (429, 5xx, a refused connection).
/// The tool calls of a turn run only after its answer has been read, so a retry can never
/// run a tool twice; a request that timed out is not retried (the server may still be
/// working on it, and a slow local model would only be asked twice).
///
/// ```
/// use std::time::Duration;
/// use toolwright::clients::{HttpSettings, OpenAiClient};
///
/// let client = OpenAiClient::new("http://localhost:11434/v1", "llama3.1").with_http(
///     HttpSettings::default()
///         .timeout(Duration::from_secs(30 * 60)) // CPU inference is slow
///         .max_retries(1),
/// );
/// # let _ = client;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSettings {
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    backoff: Duration,
    max_wait: Duration,
}

impl Default for HttpSettings {
    /// A 10-minute request timeout (generous: local models on a CPU are slow), a 10 s connect
    /// timeout, 2 retries from a 1 s backoff, and at most 60 s of waiting per retry.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(10),
            max_retries: 2,
            backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl HttpSettings {
    crate::setters! {
        /// The longest one request may take, answer included.
        pub fn timeout(timeout: Duration) => timeout = timeout;
        /// The longest connecting may take.
        pub fn connect_timeout(timeout: Duration) => connect_timeout = timeout;
        /// How many times a failed request is re-sent (0: never).
        pub fn max_retries(n: u32) => max_retries = n;
        /// The first backoff; it doubles each attempt (full jitter), unless the provider's
        /// `retry-after` says how long to wait.
        pub fn backoff(first: Duration) => backoff = first;
        /// The longest wait before a retry: a `retry-after` beyond it ends the retries and the
        /// error is returned.
        pub fn max_wait(wait: Duration) => max_wait = wait;
    }

    /// The `reqwest` client for these settings.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(USER_AGENT)
            .build()
            // Building fails only when the TLS backend cannot start; the per-request timeout
            // and User-Agent are also set on every request.
            .unwrap_or_default()
    }

    /// The wait before retry `attempt` (0-based) after `error`, or `None` to stop.
    fn retry_wait(&self, attempt: u32, error: &ModelError) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let asked = match error {
            ModelError::RateLimited { retry_after_ms, .. } => {
                retry_after_ms.map(Duration::from_millis)
            }
            ModelError::Http { status, .. } if is_transient(*status) => None,
            ModelError::Connection { .. } => None,
            _ => return None,
        };
        match asked {
            Some(wait) if wait > self.max_wait => None,
            Some(wait) => Some(wait),
            None => {
                let cap = self
                    .backoff
                    .saturating_mul(2u32.saturating_pow(attempt))
                    .min(self.max_wait);
                Some(cap.mul_f64(jitter()))
            }
        }
    }
}

/// 5xx, and Anthropic's 529 "overloaded".
fn is_transient(status: u16) -> bool {
    (500..=599).contains(&status)
}

/// A number in [0, 1) for full jitter; not cryptographic, only spread.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What [`ModelClient::complete`](crate::agent::ModelClient::complete) returns.
type TurnFuture<'a> = BoxFuture<'a, Result<ModelTurn, ModelError>>;

/// How a provider expects the API key.
#[derive(Clone, Copy, Debug)]
pub(crate) enum KeyHeader {
    /// `Authorization: Bearer <key>` (OpenAI and compatible servers).
    Bearer,
    /// The key as the value of this header (`x-api-key`, `x-goog-api-key`).
    Named(&'static str),
}

/// What every HTTP client holds and does the same way: its API's base URL, key and model, the
/// [`HttpSettings`] with their `reqwest` client, and posting a request with retries and the
/// errors mapped to [`ModelError`]. A client embeds one and keeps only what its provider adds.
#[derive(Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    settings: HttpSettings,
    base_url: String,
    key_header: KeyHeader,
    /// The API key, sent as `key_header` says; none is sent when unset.
    pub(crate) api_key: Option<String>,
    /// The model every request names.
    pub(crate) model: String,
}

/// Never prints the API key: clients end up in logs through `{:?}`.
impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport to `base_url` (a trailing `/` dropped) for `model`, with the default
    /// [`HttpSettings`] and no key yet.
    pub(crate) fn new(
        base_url: impl Into<String>,
        model: impl Into<String>,
        key_header: KeyHeader,
    ) -> Self {
        let settings = HttpSettings::default();
        Self {
            http: settings.client(),
            settings,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            key_header,
            api_key: None,
            model: model.into(),
        }
    }

    /// Replaces the settings and the `reqwest` client built from them.
    pub(crate) fn set_http(&mut self, settings: HttpSettings) {
        self.http = settings.client();
        self.settings = settings;
    }

    /// One model turn: posts `body` to `path` (see [`post`](Self::post)) and reads the answer
    /// with the client's `turn`.
    pub(crate) fn complete<'a>(
        &'a self,
        path: String,
        headers: &'static [(&'static str, &'static str)],
        body: Value,
        turn: fn(&Value) -> Result<ModelTurn, ModelError>,
    ) -> TurnFuture<'a> {
        Box::pin(async move { turn(&self.post(&path, headers, &body).await?) })
    }

    /// Posts `body` to the base URL followed by `path`, with `headers` and the key, and reads
    /// the JSON answer, retrying as the settings allow.
    pub(crate) async fn post(
        &self,
        path: &str,
        headers: &[(&'static str, &str)],
        body: &Value,
    ) -> Result<Value, ModelError> {
        let url = format!("{}{path}", self.base_url);
        let bearer;
        let key = match (self.key_header, &self.api_key) {
            (_, None) => None,
            (KeyHeader::Bearer, Some(key)) => {
                bearer = format!("Bearer {key}");
                Some(("authorization", bearer.as_str()))
            }
            (KeyHeader::Named(name), Some(key)) => Some((name, key.as_str())),
        };
        let mut attempt = 0;
        loop {
            let mut req = self
                .http
                .post(&url)
                .timeout(self.settings.timeout)
                .header(reqwest::header::USER_AGENT, USER_AGENT)
                .json(body);
            for (name, value) in headers.iter().chain(&key) {
                req = req.header(*name, *value);
            }
            let result = match req.send().await {
                Ok(response) => read_json(response, &self.settings).await,
                Err(e) => Err(send_error(&e, &url, &self.settings)),
            };
            match result {
                Err(error) => match self.settings.retry_wait(attempt, &error) {
                    Some(wait) => {
                        tracing::debug!(attempt, ?wait, %error, "retrying the model request");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                    }
                    None => return Err(error),
                },
                ok => return ok,
            }
        }
    }
}

/// The constructors and builder methods every HTTP client shares, written once on the
/// client's `transport` field: `from_env` (reading the base URL and key that `env` returns)
/// and `with_api_key`, each documented with the lines given, and `with_http`; and, for a
/// client that can use its provider's own tool search, `with_native_tool_search` on its
/// `native_search` field.
macro_rules! transport_builders {
    (
        $(#[$env_doc:meta])* from_env: $env:expr,
        $(#[$key_doc:meta])* with_api_key,
        $($(#[$search_doc:meta])* with_native_tool_search,)?
    ) => {
        $(#[$env_doc])*
        pub fn from_env(model: impl Into<String>) -> Self {
            let (base, api_key) = $env;
            let mut client = Self::new(base, model);
            client.transport.api_key = api_key;
            client
        }

        $(#[$key_doc])*
        #[must_use]
        pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
            self.transport.api_key = Some(key.into());
            self
        }

        /// Sets the timeouts and retries.
        #[must_use]
        pub fn with_http(mut self, settings: $crate::clients::HttpSettings) -> Self {
            self.transport.set_http(settings);
            self
        }

        $(
            $(#[$search_doc])*
            #[must_use]
            pub fn with_native_tool_search(mut self, native: bool) -> Self {
                self.native_search = native;
                self
            }
        )?
    };
}
use transport_builders;

/// Reads a response: an account out of credit becomes [`ModelError::QuotaExhausted`] (see
/// [`is_quota_error`]), 429 [`ModelError::RateLimited`], other failures [`ModelError::Http`]
/// with the provider's message, and a body that is not JSON [`ModelError::Malformed`].
async fn read_json(
    response: reqwest::Response,
    settings: &HttpSettings,
) -> Result<Value, ModelError> {
    let status = response.status();
    let header_retry_after = retry_after_ms(response.headers());
    let body = response.text().await.map_err(|e| {
        if e.is_timeout() {
            ModelError::Timeout {
                after_ms: settings.timeout.as_millis() as u64,
            }
        } else {
            ModelError::Request(format!("reading the response failed: {}", causes(&e)))
        }
    })?;
    if status.is_success() {
        return serde_json::from_str(&body).map_err(|e| {
            ModelError::Malformed(format!("the body is not JSON ({e}): {}", excerpt(&body)))
        });
    }
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let message = parsed
        .as_ref()
        .and_then(provider_message)
        .unwrap_or_else(|| excerpt(&body));
    if status == reqwest::StatusCode::PAYMENT_REQUIRED
        || parsed.as_ref().is_some_and(is_quota_error)
    {
        return Err(ModelError::QuotaExhausted { message });
    }
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(ModelError::RateLimited {
            retry_after_ms: header_retry_after
                .or_else(|| parsed.as_ref().and_then(google_retry_delay_ms)),
            message: (!message.is_empty()).then_some(message),
        });
    }
    let reason = status.canonical_reason().unwrap_or("");
    Err(ModelError::Http {
        status: status.as_u16(),
        message: if message.is_empty() {
            reason.to_owned()
        } else {
            message
        },
    })
}

/// `error.message` (OpenAI, Anthropic, Gemini all use it), with the error's code or type.
fn provider_message(body: &Value) -> Option<String> {
    let error = body.get("error")?;
    let message = error.get("message").and_then(Value::as_str)?;
    let kind = ["code", "type", "status"]
        .iter()
        .find_map(|k| error.get(*k).and_then(Value::as_str));
    Some(match kind {
        Some(k) => format!("{message} ({k})"),
        None => message.to_owned(),
    })
}

/// An account out of credit, whatever the status: OpenAI's `insufficient_quota` (a 429,
/// docs "Error codes"), Anthropic's `billing_error` (docs "Errors": 402) and its 400
/// `invalid_request_error` "Your credit balance is too low to access the Anthropic API",
/// which has no type of its own, so its message is what says so.
fn is_quota_error(body: &Value) -> bool {
    let Some(error) = body.get("error") else {
        return false;
    };
    let field = |k: &str| error.get(k).and_then(Value::as_str);
    if ["code", "type"]
        .iter()
        .any(|k| matches!(field(k), Some("insufficient_quota" | "billing_error")))
    {
        return true;
    }
    field("type") == Some("invalid_request_error")
        && field("message").is_some_and(|m| m.to_lowercase().contains("credit balance is too low"))
}

/// Gemini's wait, sent in the body instead of a header: a `google.rpc.RetryInfo` detail with
/// `retryDelay: "37s"` (a protobuf `Duration` in JSON: seconds with an `s`).
fn google_retry_delay_ms(body: &Value) -> Option<u64> {
    body.get("error")?
        .get("details")?
        .as_array()?
        .iter()
        .filter(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with("google.rpc.RetryInfo"))
        })
        .find_map(|d| {
            let secs: f64 = d
                .get("retryDelay")?
                .as_str()?
                .strip_suffix('s')?
                .parse()
                .ok()?;
            secs.is_finite()
                .then(|| Duration::from_secs_f64(secs.clamp(0.0, 86_400.0)).as_millis() as u64)
        })
}

fn excerpt(body: &str) -> String {
    let mut text: String = body.chars().take(300).collect();
    if text.len() < body.len() {
        text.push('…');
    }
    text
}

/// `retry-after-ms` (OpenAI) or `retry-after` in seconds or as an HTTP date (treated as unknown).
fn retry_after_ms(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(ms.clamp(0.0, 86_400_000.0) as u64);
    }
    let secs = text("retry-after")?.trim().parse::<f64>().ok()?;
    if !secs.is_finite() {
        return None;
    }
    Some(Duration::from_secs_f64(secs.clamp(0.0, 86_400.0)).as_millis() as u64)
}

/// The model's turn from what a provider module parsed out of a response.
pub(crate) fn turn(
    calls: Result<Vec<crate::ToolCall>, crate::providers::ParseError>,
    text: Option<String>,
    provider_content: Option<crate::providers::TurnContent>,
    truncated: bool,
) -> Result<ModelTurn, ModelError> {
    if truncated {
        return Ok(ModelTurn::Truncated {
            text: text.unwrap_or_default(),
        });
    }
    let calls = calls.map_err(|e| ModelError::Malformed(e.to_string()))?;
    if calls.is_empty() {
        Ok(ModelTurn::Final(text.unwrap_or_default()))
    } else {
        Ok(ModelTurn::ToolCalls {
            text,
            calls,
            provider_content,
        })
    }
}

/// [`turn`] from a response read by a provider module's `parse_tool_calls`, `response_text`,
/// `parse_turn_content` and `is_truncated`.
macro_rules! read_turn {
    ($($provider:ident)::+, $response:expr) => {{
        let response: &serde_json::Value = $response;
        $crate::clients::turn(
            $($provider)::+::parse_tool_calls(response),
            $($provider)::+::response_text(response),
            $($provider)::+::parse_turn_content(response),
            $($provider)::+::is_truncated(response),
        )
    }};
}
use read_turn;

/// How an API writes the messages of a conversation.
struct Wire {
    /// A system prompt as a message; `None` for an API that takes it apart (see
    /// [`system_prompts`]).
    system: Option<fn(&str) -> Value>,
    /// What the user said.
    user: fn(&str) -> Value,
    /// The model's turn: its text, its calls and the turn's other content.
    turn: fn(Option<&str>, &[ToolCall], Option<&TurnContent>) -> Value,
    /// One turn's tool results.
    results: fn(&[ToolResult]) -> Value,
}

impl Wire {
    /// The wire of an API that takes the system prompt apart from the messages and writes what
    /// the user said as [`user_content`] (Anthropic Messages, OpenAI Responses).
    fn system_apart(
        turn: fn(Option<&str>, &[ToolCall], Option<&TurnContent>) -> Value,
        results: fn(&[ToolResult]) -> Value,
    ) -> Self {
        Self {
            system: None,
            user: user_content,
            turn,
            results,
        }
    }

    /// The conversation in this wire form, in order; a JSON array written stands for its items
    /// (an API whose turn or results are several items).
    fn messages(&self, conversation: &[Message]) -> Vec<Value> {
        let mut out = Vec::new();
        for message in conversation {
            let written = match message {
                Message::System(text) => match self.system {
                    Some(system) => system(text),
                    None => continue,
                },
                Message::User(text) => (self.user)(text),
                Message::Assistant {
                    text,
                    tool_calls,
                    provider_content,
                } => (self.turn)(text.as_deref(), tool_calls, provider_content.as_ref()),
                Message::ToolResults(results) => (self.results)(results),
            };
            match written {
                Value::Array(items) => out.extend(items),
                one => out.push(one),
            }
        }
        out
    }
}

/// `{"role": "user", "content": text}`, as OpenAI and Anthropic write what the user said.
fn user_content(text: &str) -> Value {
    json!({"role": "user", "content": text})
}

/// The system prompts of a conversation, for APIs that take them apart from the messages.
fn system_prompts(conversation: &[Message]) -> impl Iterator<Item = &str> {
    conversation.iter().filter_map(|m| match m {
        Message::System(text) => Some(text.as_str()),
        _ => None,
    })
}

/// The system prompts joined by a blank line, for APIs that take the system prompt as one
/// top-level field (Anthropic's `system`, Responses' `instructions`).
fn system_prompt(conversation: &[Message]) -> Option<String> {
    let prompts: Vec<&str> = system_prompts(conversation).collect();
    (!prompts.is_empty()).then(|| prompts.join("\n\n"))
}

/// The `tools` of a request for an API with its own tool search: the offered and the deferred
/// tools exported together, by `export` when none is deferred and otherwise by
/// `export_deferred`, which marks every tool not offered for loading on demand and adds the
/// search tool. `None` without tools.
fn tools_with_deferred<'a>(
    request: &ModelRequest<'a>,
    export: impl FnOnce(Vec<&'a ToolEntry>) -> Export,
    export_deferred: impl FnOnce(Vec<&'a ToolEntry>, &[&str]) -> Export,
) -> Option<Value> {
    if request.tools.is_empty() && request.deferred_tools.is_empty() {
        return None;
    }
    let all = request.tools.iter().chain(request.deferred_tools);
    let all = all.copied().collect();
    Some(if request.deferred_tools.is_empty() {
        export(all).tools
    } else {
        let offered: Vec<&str> = request.tools.iter().map(|t| t.name()).collect();
        export_deferred(all, &offered).tools
    })
}

/// Every cause of an error, outermost first: `error sending request: client error (Connect):
/// tcp connect error: Connection refused (os error 111)`.
fn causes(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn send_error(e: &reqwest::Error, url: &str, settings: &HttpSettings) -> ModelError {
    if e.is_timeout() {
        return ModelError::Timeout {
            after_ms: settings.timeout.as_millis() as u64,
        };
    }
    if e.is_connect() {
        return ModelError::Connection {
            url: url.to_owned(),
            cause: causes(e),
        };
    }
    ModelError::Request(format!(
        "the request to {url} could not be sent: {}",
        causes(e)
    ))
}

/// The base URL from the variable `base_var` (`default_base` when unset) and the API key from
/// the first of `key_vars` that is set and not empty: what every client's `from_env` reads.
pub(crate) fn env_config(
    base_var: &str,
    default_base: &str,
    key_vars: &[&str],
) -> (String, Option<String>) {
    let base = std::env::var(base_var).unwrap_or_else(|_| default_base.into());
    let api_key = key_vars
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|k| !k.is_empty()));
    (base, api_key)
}

/// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`) and `OPENAI_API_KEY`: what both
/// OpenAI clients' `from_env` read.
pub(crate) fn openai_env() -> (String, Option<String>) {
    env_config(
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
        &["OPENAI_API_KEY"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate_limited(ms: Option<u64>) -> ModelError {
        ModelError::RateLimited {
            retry_after_ms: ms,
            message: None,
        }
    }

    #[test]
    fn retries_stop_after_the_configured_count() {
        let s = HttpSettings::default().max_retries(2);
        assert!(s.retry_wait(0, &rate_limited(None)).is_some());
        assert!(s.retry_wait(1, &rate_limited(None)).is_some());
        assert!(s.retry_wait(2, &rate_limited(None)).is_none());
    }

    #[test]
    fn a_retry_waits_what_the_provider_asks() {
        let s = HttpSettings::default();
        assert_eq!(
            s.retry_wait(0, &rate_limited(Some(2500))),
            Some(Duration::from_millis(2500))
        );
    }

    #[test]
    fn a_retry_after_beyond_the_cap_ends_the_retries() {
        let s = HttpSettings::default().max_wait(Duration::from_secs(5));
        assert_eq!(s.retry_wait(0, &rate_limited(Some(6_000))), None);
    }

    #[test]
    fn backoff_is_full_jitter_below_the_doubling_cap() {
        let s = HttpSettings::default()
            .backoff(Duration::from_millis(100))
            .max_retries(10);
        let error = ModelError::Http {
            status: 503,
            message: String::new(),
        };
        for attempt in 0..6 {
            let wait = s.retry_wait(attempt, &error).unwrap();
            assert!(wait < Duration::from_millis(100) * 2u32.pow(attempt));
        }
    }

    #[test]
    fn a_google_retry_delay_is_read_from_its_retry_info_only() {
        let body = |details: serde_json::Value| serde_json::json!({"error": {"details": details}});
        let retry = |d: &str| serde_json::json!({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": d});
        assert_eq!(
            google_retry_delay_ms(&body(serde_json::json!([retry("37s")]))),
            Some(37_000)
        );
        assert_eq!(
            google_retry_delay_ms(&body(serde_json::json!([retry("0.25s")]))),
            Some(250)
        );
        for bad in ["37", "soon", "-s", "NaNs"] {
            assert_eq!(
                google_retry_delay_ms(&body(serde_json::json!([retry(bad)]))),
                None,
                "{bad}"
            );
        }
        let other =
            serde_json::json!({"@type": "type.googleapis.com/google.rpc.Help", "retryDelay": "5s"});
        assert_eq!(
            google_retry_delay_ms(&body(serde_json::json!([other]))),
            None
        );
        assert_eq!(
            google_retry_delay_ms(&serde_json::json!({"error": "x"})),
            None
        );
    }

    #[test]
    fn out_of_credit_is_recognised_by_type_code_or_anthropics_message() {
        let error = |e: serde_json::Value| serde_json::json!({"error": e});
        for quota in [
            serde_json::json!({"type": "insufficient_quota"}),
            serde_json::json!({"code": "insufficient_quota", "type": "x"}),
            serde_json::json!({"type": "billing_error", "message": "…"}),
            serde_json::json!({"type": "invalid_request_error",
                "message": "Your credit balance is too low to access the Anthropic API."}),
        ] {
            assert!(is_quota_error(&error(quota.clone())), "{quota}");
        }
        for other in [
            serde_json::json!({"type": "invalid_request_error", "message": "max_tokens: too large"}),
            serde_json::json!({"type": "rate_limit_error", "message": "credit balance is too low"}),
            serde_json::json!({"code": 429, "status": "RESOURCE_EXHAUSTED"}),
        ] {
            assert!(!is_quota_error(&error(other.clone())), "{other}");
        }
    }

    #[test]
    fn client_errors_quota_and_timeouts_are_never_retried() {
        let s = HttpSettings::default();
        for error in [
            ModelError::Http {
                status: 400,
                message: String::new(),
            },
            ModelError::QuotaExhausted {
                message: String::new(),
            },
            ModelError::Timeout { after_ms: 1 },
            ModelError::Malformed(String::new()),
        ] {
            assert_eq!(s.retry_wait(0, &error), None, "{error}");
        }
    }
}

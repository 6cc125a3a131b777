//! Real model clients over HTTP (feature `clients`): an OpenAI-compatible Chat Completions
//! client (OpenAI, Ollama, vLLM, LM Studio via a base URL) and an Anthropic Messages client.
//! Both implement [`ModelClient`](crate::agent::ModelClient); they use the
//! [`providers`](crate::providers) module to export tools, parse calls and format results.

mod anthropic;
mod openai;

pub use anthropic::AnthropicClient;
pub use openai::OpenAiClient;

use std::time::Duration;

use crate::agent::ModelError;

/// Reads a response: 429 becomes [`ModelError::RateLimited`] with the provider's
/// `retry-after`, other failures a [`ModelError::Request`] with the status and a body excerpt,
/// and a body that is not JSON a [`ModelError::Malformed`].
async fn read_json(response: reqwest::Response) -> Result<serde_json::Value, ModelError> {
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(ModelError::RateLimited {
            retry_after_ms: retry_after_ms(response.headers()),
        });
    }
    let body = response
        .text()
        .await
        .map_err(|e| ModelError::Request(format!("reading the response failed: {e}")))?;
    if !status.is_success() {
        let excerpt: String = body.chars().take(300).collect();
        return Err(ModelError::Request(format!("HTTP {status}: {excerpt}")));
    }
    serde_json::from_str(&body).map_err(|e| ModelError::Malformed(e.to_string()))
}

/// `retry-after-ms` (OpenAI) or `retry-after` in seconds or as an HTTP date (treated as unknown).
fn retry_after_ms(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(ms.max(0.0) as u64);
    }
    let secs = text("retry-after")?.trim().parse::<f64>().ok()?;
    Some(Duration::from_secs_f64(secs.clamp(0.0, 86_400.0)).as_millis() as u64)
}

/// The model's turn from the calls and text a provider module parsed out of a response.
fn turn(
    calls: Result<Vec<crate::ToolCall>, crate::providers::ParseError>,
    text: Option<String>,
) -> Result<crate::agent::ModelTurn, ModelError> {
    let calls = calls.map_err(|e| ModelError::Malformed(e.to_string()))?;
    if calls.is_empty() {
        Ok(crate::agent::ModelTurn::Final(text.unwrap_or_default()))
    } else {
        Ok(crate::agent::ModelTurn::ToolCalls { text, calls })
    }
}

fn send_error(e: &reqwest::Error) -> ModelError {
    ModelError::Request(format!("the request could not be sent: {e}"))
}

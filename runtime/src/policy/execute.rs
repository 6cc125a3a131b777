//! Execution: the body runs under a deadline, and a panic becomes an error, never a crash.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::Value;

use crate::tool::ToolFuture;
use crate::{ErrorKind, ToolError};

/// Runs `body` with a `timeout`, catching panics.
///
/// # Errors
/// `timeout` when the deadline passes (the body is dropped), `panicked` when it panics, or the
/// tool's own error.
pub async fn run(body: ToolFuture, timeout: Duration) -> Result<Value, ToolError> {
    match tokio::time::timeout(timeout, AssertUnwindSafe(body).catch_unwind()).await {
        Ok(Ok(result)) => result,
        Ok(Err(payload)) => Err(panicked(&*payload)),
        Err(_elapsed) => Err(ToolError::new(
            ErrorKind::Timeout,
            format!("the tool did not finish within {}", human(timeout)),
        )
        .with_suggestion("try again later, or with a smaller request")),
    }
}

/// The error for a caught panic. The panic message stays out of it: it may hold internals.
pub fn panicked(_payload: &(dyn Any + Send)) -> ToolError {
    ToolError::new(
        ErrorKind::Panicked,
        "the tool failed unexpectedly; this is a bug in the tool, not in your arguments",
    )
    .with_suggestion("do not retry this call; tell the user the tool is broken")
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn hanging_body_times_out_at_the_deadline() {
        let start = tokio::time::Instant::now();
        let body: ToolFuture = Box::pin(std::future::pending());
        let err = run(body, Duration::from_secs(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test]
    async fn panicking_body_becomes_an_error() {
        let body: ToolFuture = Box::pin(async { panic!("secret internals") });
        let err = run(body, Duration::from_secs(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Panicked);
        assert!(!err.to_model_json().to_string().contains("secret internals"));
    }
}

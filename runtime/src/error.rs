//! The one error type of toolwright: a stable, machine-readable [`ErrorKind`] plus the
//! human-readable message and suggestion the model reads to recover.

mod convert;

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

pub use convert::ResultExt;

/// What went wrong, as a stable machine-readable kind.
///
/// The string form ([`ErrorKind::as_str`]) is what the model sees in the `"kind"` field and is
/// part of the public contract: it never changes between patch releases. Match on the kind,
/// never on the message.
///
/// ```
/// use toolwright::{ErrorKind, Executor, Principal, Registry, ToolCall, ToolError, tool};
///
/// /// Read the current balance of the company's main bank account. Returns the balance in cents.
/// #[tool(read_only)]
/// async fn get_account_balance() -> Result<u64, ToolError> {
///     Err(ToolError::unavailable("the bank's API answered 503"))
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(get_account_balance).build()?);
/// let call = ToolCall::new("c1", "get_account_balance", "{}");
/// let error = executor.call(&Principal::anonymous(), &call).await.outcome.unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::Unavailable);
/// assert_eq!(error.kind().as_str(), "unavailable");
/// // Infrastructure failures are what the circuit breaker counts.
/// assert!(error.kind().is_infrastructure());
/// assert!(!ErrorKind::InvalidArguments.is_infrastructure());
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No tool of that name is visible to the caller.
    UnknownTool,
    /// The arguments did not parse or broke a declared constraint.
    InvalidArguments,
    /// A rate limit was hit; `retry_after_ms` says when to try again.
    RateLimited,
    /// The tool's circuit breaker is open after repeated infrastructure failures.
    CircuitOpen,
    /// A destructive call waits for a human decision.
    ConfirmationRequired,
    /// A human (or the default policy) refused the call.
    Denied,
    /// The call did not finish within its timeout and was safe to report as not done.
    Timeout,
    /// A non-idempotent call timed out: it may or may not have taken effect.
    OutcomeUnknown,
    /// The tool panicked; the runtime caught it.
    Panicked,
    /// A dependency of the tool is unavailable (database down, upstream 503). Retryable.
    Unavailable,
    /// The tool ran and reported a failure of its own.
    Failed,
    /// The tool's output exceeded the executor's output cap.
    OutputTooLarge,
    /// Too many calls of this tool are running at once (its bulkhead is full). Retryable.
    Busy,
    /// The caller went away or cancelled the call before it finished; nothing runs after that.
    Cancelled,
}

impl ErrorKind {
    /// The stable snake_case name, e.g. `"invalid_arguments"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UnknownTool => "unknown_tool",
            Self::InvalidArguments => "invalid_arguments",
            Self::RateLimited => "rate_limited",
            Self::CircuitOpen => "circuit_open",
            Self::ConfirmationRequired => "confirmation_required",
            Self::Denied => "denied",
            Self::Timeout => "timeout",
            Self::OutcomeUnknown => "outcome_unknown",
            Self::Panicked => "panicked",
            Self::Unavailable => "unavailable",
            Self::Failed => "failed",
            Self::OutputTooLarge => "output_too_large",
            Self::Busy => "busy",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether this kind is an infrastructure failure (what a circuit breaker counts).
    pub const fn is_infrastructure(self) -> bool {
        matches!(
            self,
            Self::Timeout | Self::OutcomeUnknown | Self::Panicked | Self::Unavailable
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one argument, located by a JSON pointer into the arguments object.
///
/// Displays as `/limit: must be at most 20, got 50`. A tool body returns
/// [`ToolError::invalid_arguments`] with them for a rule its parameters' types and `#[arg]`
/// constraints cannot say, such as one argument depending on another:
///
/// ```
/// use toolwright::{Executor, FieldError, Principal, Registry, ToolCall, ToolError, tool};
///
/// /// Count the orders placed between two dates, inclusive. Returns the number of orders.
/// #[tool(read_only)]
/// async fn count_orders_between(
///     /// First day counted, as YYYY-MM-DD, e.g. "2026-11-01"
///     from: String,
///     /// Last day counted, as YYYY-MM-DD, no earlier than `from`
///     to: String,
/// ) -> Result<u32, ToolError> {
///     if to < from {
///         return Err(ToolError::invalid_arguments(vec![FieldError::new(
///             "/to",
///             "must not be earlier than `from`",
///         )]));
///     }
///     Ok(12)
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(count_orders_between).build()?);
/// let args = r#"{"from": "2026-11-30", "to": "2026-11-01"}"#;
/// let call = ToolCall::new("c1", "count_orders_between", args);
/// let result = executor.call(&Principal::anonymous(), &call).await;
/// assert_eq!(result.to_model_json()["errors"][0], "/to: must not be earlier than `from`");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the offending value; `""` is the whole arguments object.
    pub pointer: String,
    /// What is wrong, in words the model can act on.
    pub message: String,
}

/// How many field errors an `invalid_arguments` error lists; the rest are counted in one
/// final entry.
pub(crate) const MAX_LISTED_ERRORS: usize = 20;
/// Longest pointer kept, in bytes; a longer one (a huge key) ends in `…`.
const MAX_POINTER_BYTES: usize = 256;
/// Longest message kept, in bytes.
const MAX_MESSAGE_BYTES: usize = 1024;

impl FieldError {
    /// A field error at `pointer`. A pointer longer than 256 bytes or a message longer than
    /// 1024 bytes is cut (on a character boundary) and ends in `…`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: truncated(pointer.into(), MAX_POINTER_BYTES),
            message: truncated(message.into(), MAX_MESSAGE_BYTES),
        }
    }
}

/// `text` cut to at most `max` bytes plus `…`.
fn truncated(text: String, max: usize) -> String {
    if text.len() > max {
        capped(&text, max)
    } else {
        text
    }
}

/// A copy of `text`, cut to at most `max` bytes on a character boundary and ended with `…`
/// when it is longer.
pub(crate) fn capped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    format!("{}…", &text[..floor_char_boundary(text, max)])
}

/// The largest character boundary of `text` at or before byte `at` (`text.len()` past its end):
/// where to cut text to at most `at` bytes. (`str::floor_char_boundary` is newer than the
/// supported Rust.)
pub(crate) fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut end = at.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)
    }
}

/// The error a tool call ends with, whether raised by a policy or by the tool itself.
///
/// Tools return it from their bodies; the executor renders it for the model with
/// [`ToolError::to_model_json`] as `{"error", "kind", "suggestion", ...}`.
///
/// ```
/// use toolwright::{ErrorKind, ToolError};
///
/// let err = ToolError::failed("order 42 does not exist")
///     .with_suggestion("look the order up with search_orders first");
/// assert_eq!(err.kind(), ErrorKind::Failed);
/// let json = err.to_model_json();
/// assert_eq!(json["kind"], "failed");
/// assert_eq!(json["suggestion"], "look the order up with search_orders first");
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {}", .0.kind, .0.message)]
pub struct ToolError(Box<Inner>);

// Boxed: a tool's `Result<T, ToolError>` stays one pointer wide on the error side.
#[derive(Clone, Debug, PartialEq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    suggestion: Option<String>,
    retryable: bool,
    details: Map<String, Value>,
    /// For `invalid_arguments`: the listed errors' pointers, for the audit record (which keeps
    /// where arguments were wrong, never what they were).
    pointers: Vec<String>,
}

impl ToolError {
    /// An error of `kind` with a message for the model.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            message: message.into(),
            suggestion: None,
            retryable: matches!(kind, ErrorKind::Unavailable),
            details: Map::new(),
            pointers: Vec::new(),
        }))
    }

    /// The tool ran and failed for a reason of its own (not retryable).
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, message)
    }

    /// A dependency is down; retryable, and counted by the circuit breaker.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// The arguments are wrong; `errors` lists every problem at once. The first 20 are listed, each cut to a bounded length, and one final entry
    /// counts the rest.
    pub fn invalid_arguments(mut errors: Vec<FieldError>) -> Self {
        let unlisted = errors.len().saturating_sub(MAX_LISTED_ERRORS);
        errors.truncate(MAX_LISTED_ERRORS);
        Self::invalid_arguments_bounded(errors, unlisted)
    }

    /// `listed` errors (at most `MAX_LISTED_ERRORS` are kept) and `unlisted` more found.
    pub(crate) fn invalid_arguments_bounded(listed: Vec<FieldError>, unlisted: usize) -> Self {
        let unlisted = unlisted + listed.len().saturating_sub(MAX_LISTED_ERRORS);
        // Fields are public: errors built without `FieldError::new` are bounded here.
        let listed: Vec<FieldError> = listed
            .into_iter()
            .take(MAX_LISTED_ERRORS)
            .map(|e| FieldError::new(e.pointer, e.message))
            .collect();
        let message = match (listed.as_slice(), unlisted) {
            ([], 0) => "the arguments are invalid".to_owned(),
            ([one], 0) => format!("invalid argument {one}"),
            (many, more) => format!("{} invalid arguments", many.len() + more),
        };
        let mut list: Vec<Value> = listed
            .iter()
            .map(|e| Value::String(e.to_string()))
            .collect();
        if unlisted > 0 {
            list.push(Value::String(format!(
                "…and {unlisted} more not listed; fix the ones above first"
            )));
        }
        let mut error = Self::new(ErrorKind::InvalidArguments, message)
            .with_suggestion("fix every listed argument and call the tool again")
            .with_detail("errors", Value::Array(list));
        error.0.pointers = listed.into_iter().map(|e| e.pointer).collect();
        error
    }

    /// The JSON pointers of an `invalid_arguments` error's listed field errors (empty for
    /// other kinds).
    pub(crate) fn field_pointers(&self) -> &[String] {
        &self.0.pointers
    }

    /// Adds a hint telling the model what to do next.
    #[must_use]
    pub fn with_suggestion(mut self, suggestion: impl Into<String>) -> Self {
        self.0.suggestion = Some(suggestion.into());
        self
    }

    /// Marks the error retryable (or not). Only idempotent tools are ever retried.
    #[must_use]
    pub fn retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = retryable;
        self
    }

    /// Adds a machine-readable field to the model-facing JSON (e.g. `retry_after_ms`).
    #[must_use]
    pub fn with_detail(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.details.insert(key.into(), value.into());
        self
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The hint for the model, if any.
    pub fn suggestion(&self) -> Option<&str> {
        self.0.suggestion.as_deref()
    }

    /// Whether a retry may succeed.
    pub fn is_retryable(&self) -> bool {
        self.0.retryable
    }

    /// Extra machine-readable fields.
    pub fn details(&self) -> &Map<String, Value> {
        &self.0.details
    }

    /// A `retry_after_ms` detail, for `rate_limited` and `circuit_open` errors.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0
            .details
            .get("retry_after_ms")
            .and_then(Value::as_u64)
            .map(Duration::from_millis)
    }

    /// The JSON the model sees: `{"error": message, "kind": kind, "suggestion"?: .., ..details}`.
    pub fn to_model_json(&self) -> Value {
        let mut obj = Map::with_capacity(3 + self.0.details.len());
        obj.insert("error".into(), Value::String(self.0.message.clone()));
        obj.insert("kind".into(), Value::String(self.0.kind.as_str().into()));
        if let Some(s) = &self.0.suggestion {
            obj.insert("suggestion".into(), Value::String(s.clone()));
        }
        for (k, v) in &self.0.details {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(obj)
    }
}

/// Mostly the tool's output failing to serialize; a body that parses JSON with `?` lands here
/// too, so the message never repeats a value (serde quotes the offending one).
impl From<serde_json::Error> for ToolError {
    fn from(err: serde_json::Error) -> Self {
        let what = crate::validate::describe_json_error(&err);
        Self::failed(format!(
            "could not convert the tool's data to or from JSON: {what}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_json_has_error_kind_suggestion_and_details() {
        let e = ToolError::invalid_arguments(vec![
            FieldError::new("/limit", "must be at most 20, got 50"),
            FieldError::new("/query", "missing required field"),
        ]);
        let j = e.to_model_json();
        assert_eq!(j["kind"], "invalid_arguments");
        assert_eq!(j["error"], "2 invalid arguments");
        assert_eq!(j["errors"][0], "/limit: must be at most 20, got 50");
        assert!(j["suggestion"].is_string());
    }

    #[test]
    fn unavailable_is_retryable_and_infrastructure() {
        let e = ToolError::unavailable("db down");
        assert!(e.is_retryable());
        assert!(e.kind().is_infrastructure());
        assert!(!ToolError::failed("no").is_retryable());
    }

    #[test]
    fn only_the_first_errors_are_listed_and_the_rest_counted() {
        let errors = (0..96_000)
            .map(|i| FieldError::new(format!("/k{i}"), "unknown argument"))
            .collect();
        let j = ToolError::invalid_arguments(errors).to_model_json();
        assert_eq!(j["error"], "96000 invalid arguments");
        let list = j["errors"].as_array().unwrap();
        assert_eq!(list.len(), MAX_LISTED_ERRORS + 1);
        assert_eq!(
            list[MAX_LISTED_ERRORS],
            "…and 95980 more not listed; fix the ones above first"
        );
    }

    #[test]
    fn huge_pointers_and_messages_are_cut_on_a_character_boundary() {
        let e = FieldError {
            pointer: format!("/{}", "é".repeat(500_000)),
            message: "ü".repeat(500_000),
        };
        let j = ToolError::invalid_arguments(vec![e]).to_model_json();
        let text = j["errors"][0].as_str().unwrap();
        assert!(text.len() < 2_000, "{} bytes", text.len());
        assert_eq!(text.matches('…').count(), 2);
    }

    #[test]
    fn a_parse_error_converted_with_question_mark_does_not_repeat_the_value() {
        let err = serde_json::from_str::<u8>(r#""S3CR3T-77318842""#).unwrap_err();
        let e = ToolError::from(err);
        assert!(!e.message().contains("S3CR3T"), "{}", e.message());
        assert!(
            e.message().contains("expected an integer from 0 to 255"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn root_pointer_displays_as_slash() {
        assert_eq!(
            FieldError::new("", "expected an object").to_string(),
            "/: expected an object"
        );
    }
}

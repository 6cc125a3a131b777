//! Turning the errors a tool body meets into [`ToolError`]s: `?` on `std::io::Error`,
//! `Box<dyn Error + Send + Sync>` and (feature `anyhow`) `anyhow::Error`, and [`ResultExt`]
//! for every other error type. What reaches the model is the rule in [`ResultExt`]'s docs.

use std::error::Error as StdError;
use std::fmt::Display;
use std::io;

use super::{ErrorKind, ToolError, truncated};

/// Longest cause text a converted error passes to the model, in bytes; longer ends in `…`.
pub(crate) const MAX_CAUSE_BYTES: usize = 300;

/// Converts the error of a `Result` into a [`ToolError`] with a message saying what failed.
///
/// # What the model sees
/// A converted error's message is `"{what}: {cause}"`, where `cause` is the error's `Display`
/// (never its `Debug`, so no backtrace or struct dump), cut to 300 bytes. `anyhow::Error`
/// shows its outermost context only. Keep secrets out of `Display`, or map the error
/// yourself with [`ToolError::failed`].
///
/// # Kinds
/// `?` alone classifies: an `io::Error` of a transient kind (`TimedOut`,
/// `ConnectionRefused`, `ConnectionReset`, `ConnectionAborted`, `NotConnected`, `BrokenPipe`,
/// `Interrupted`, `WouldBlock`, `HostUnreachable`, `NetworkUnreachable`, `NetworkDown`,
/// `ResourceBusy`) becomes `unavailable` (retryable, counted by the circuit breaker), also
/// when it is the source of a boxed or `anyhow` error; anything else becomes `failed`.
/// [`ResultExt::tool_err`] is always `failed`, [`ResultExt::unavailable`] always `unavailable`.
///
/// ```
/// use toolwright::{ErrorKind, ResultExt, ToolError};
///
/// fn load(path: &str) -> Result<String, ToolError> {
///     let text = std::fs::read_to_string(path).tool_err("could not read the order file")?;
///     Ok(text)
/// }
/// let err = load("/no/such/file").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Failed);
/// assert!(err.message().starts_with("could not read the order file: "));
/// ```
pub trait ResultExt<T> {
    /// A `failed` error, `"{what}: {cause}"`: the tool ran and could not do its job.
    ///
    /// # Errors
    /// When `self` is an error.
    fn tool_err(self, what: &str) -> Result<T, ToolError>;

    /// An `unavailable` error, `"{what}: {cause}"`: a dependency is down; retryable.
    ///
    /// # Errors
    /// When `self` is an error.
    fn unavailable(self, what: &str) -> Result<T, ToolError>;
}

impl<T, E: Display> ResultExt<T> for Result<T, E> {
    fn tool_err(self, what: &str) -> Result<T, ToolError> {
        self.map_err(|e| ToolError::failed(with_cause(what, &e)))
    }

    fn unavailable(self, what: &str) -> Result<T, ToolError> {
        self.map_err(|e| ToolError::unavailable(with_cause(what, &e)))
    }
}

/// `"{what}: {cause}"`, the cause's `Display` cut to [`MAX_CAUSE_BYTES`].
fn with_cause(what: &str, cause: &dyn Display) -> String {
    format!("{what}: {}", truncated(cause.to_string(), MAX_CAUSE_BYTES))
}

/// Whether an I/O error of this kind is likely to pass: the network or a busy resource.
fn is_transient(kind: io::ErrorKind) -> bool {
    use io::ErrorKind as K;
    matches!(
        kind,
        K::TimedOut
            | K::ConnectionRefused
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::NotConnected
            | K::BrokenPipe
            | K::Interrupted
            | K::WouldBlock
            | K::HostUnreachable
            | K::NetworkUnreachable
            | K::NetworkDown
            | K::ResourceBusy
    )
}

/// `unavailable` when an `io::Error` of a transient kind is `err` or one of its sources.
fn kind_of_chain(err: &(dyn StdError + 'static)) -> ErrorKind {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>()
            && is_transient(io.kind())
        {
            return ErrorKind::Unavailable;
        }
        next = e.source();
    }
    ErrorKind::Failed
}

fn converted(kind: ErrorKind, what: &str, cause: &dyn Display) -> ToolError {
    ToolError::new(kind, with_cause(what, cause))
}

/// `?` on an I/O error: `unavailable` for transient kinds, else `failed`.
impl From<io::Error> for ToolError {
    fn from(err: io::Error) -> Self {
        converted(kind_of_chain(&err), "an I/O operation failed", &err)
    }
}

/// `?` on a boxed error. A boxed `ToolError` comes back as it was.
impl From<Box<dyn StdError + Send + Sync>> for ToolError {
    fn from(err: Box<dyn StdError + Send + Sync>) -> Self {
        match err.downcast::<ToolError>() {
            Ok(tool) => *tool,
            Err(err) => converted(kind_of_chain(&*err), "the tool failed", &err),
        }
    }
}

/// `?` on an `anyhow::Error` (feature `anyhow`). A wrapped `ToolError` comes back as it was.
#[cfg(feature = "anyhow")]
impl From<anyhow::Error> for ToolError {
    fn from(err: anyhow::Error) -> Self {
        match err.downcast::<ToolError>() {
            Ok(tool) => tool,
            Err(err) => {
                let kind = kind_of_chain(&*err);
                converted(kind, "the tool failed", &err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_io_errors_are_unavailable_and_retryable() {
        for kind in [io::ErrorKind::TimedOut, io::ErrorKind::ConnectionRefused] {
            let e = ToolError::from(io::Error::from(kind));
            assert_eq!(e.kind(), ErrorKind::Unavailable, "{kind:?}");
            assert!(e.is_retryable());
        }
        let e = ToolError::from(io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(e.kind(), ErrorKind::Failed);
        assert!(!e.is_retryable());
    }

    #[test]
    fn a_long_cause_is_cut_and_debug_never_shows() {
        let e = ToolError::from(io::Error::other("é".repeat(10_000)));
        assert!(e.message().len() < MAX_CAUSE_BYTES + 64, "{}", e.message());
        assert!(e.message().ends_with('…'));
        assert!(!e.message().contains("Custom"), "{}", e.message());
    }

    #[test]
    fn a_boxed_tool_error_survives_the_box() {
        let inner = ToolError::unavailable("db down").with_suggestion("retry in a minute");
        let boxed: Box<dyn StdError + Send + Sync> = Box::new(inner.clone());
        assert_eq!(ToolError::from(boxed), inner);
    }

    #[test]
    fn a_transient_io_source_makes_a_boxed_error_unavailable() {
        #[derive(Debug, thiserror::Error)]
        #[error("could not reach the billing service")]
        struct Billing(#[source] io::Error);
        let boxed: Box<dyn StdError + Send + Sync> =
            Box::new(Billing(io::ErrorKind::ConnectionReset.into()));
        let e = ToolError::from(boxed);
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(
            e.message(),
            "the tool failed: could not reach the billing service"
        );
    }
}

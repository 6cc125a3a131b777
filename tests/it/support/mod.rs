//! Fixtures every test module shares: the probe tools report into, the tools several modules
//! register, helpers that read errors, and [`assert_kind!`].

pub mod seeds;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use toolwright::{ErrorKind, Principal, Registry, ToolContext, ToolError, ToolResult, tool};

/// Counters a test's tools report into, shared as `Arc<Probe>` registry state.
#[derive(Default)]
pub struct Probe {
    /// Documents [`delete_document`] deleted.
    pub deletes: AtomicUsize,
    /// Tools that saw their call cancelled.
    pub cancelled: AtomicUsize,
    /// Attempts of a tool whose upstream keeps failing.
    pub rate_attempts: AtomicUsize,
    /// Cards charged.
    pub charges: AtomicUsize,
}

/// Permanently delete a document from the knowledge base by its id.
/// Returns the id of the deleted document. This cannot be undone.
#[tool(permissions = ["kb:write"], destructive)]
pub async fn delete_document(
    /// The document's id, as returned by search, e.g. "kb-102"
    id: String,
    ctx: &ToolContext,
) -> Result<String, ToolError> {
    ctx.state::<Arc<Probe>>()?
        .deletes
        .fetch_add(1, Ordering::SeqCst);
    Ok(id)
}

/// Search the company knowledge base for articles matching a query.
/// Returns the matching article titles.
#[tool(permissions = ["kb:read"], read_only)]
pub async fn search_knowledge_base(
    /// Search query, e.g. "refund policy"
    #[arg(min_len = 1, max_len = 200)]
    query: String,
) -> Vec<String> {
    vec![format!("About {query}")]
}

/// The knowledge base's two tools, [`search_knowledge_base`] and [`delete_document`], reporting
/// into `probe`.
pub fn knowledge_base(probe: &Arc<Probe>) -> Registry {
    Registry::builder()
        .tool(search_knowledge_base)
        .tool(delete_document)
        .state(probe.clone())
        .build()
        .expect("the knowledge base's tools form a registry")
}

/// A principal holding every permission.
pub fn admin() -> Principal {
    Principal::new("admin").grant("*")
}

/// The kind of error something ended with: `None` when it succeeded.
pub trait KindOf {
    /// The kind, if it is an error.
    fn kind_of(&self) -> Option<ErrorKind>;
}

impl KindOf for ToolError {
    fn kind_of(&self) -> Option<ErrorKind> {
        Some(self.kind())
    }
}

impl KindOf for ToolResult {
    fn kind_of(&self) -> Option<ErrorKind> {
        self.error().map(ToolError::kind)
    }
}

impl<T> KindOf for Result<T, ToolError> {
    fn kind_of(&self) -> Option<ErrorKind> {
        self.as_ref().err().map(ToolError::kind)
    }
}

impl<T: KindOf + ?Sized> KindOf for &T {
    fn kind_of(&self) -> Option<ErrorKind> {
        (**self).kind_of()
    }
}

/// Asserts that a [`ToolResult`], [`ToolError`] or `Result<_, ToolError>` is an error of the
/// given [`ErrorKind`] variant, printing what it was otherwise:
/// `assert_kind!(result, Denied)`, `assert_kind!(err, RateLimited, "call {i}")`.
macro_rules! assert_kind {
    ($value:expr, $kind:ident $(,)?) => {
        $crate::support::assert_kind_of(&$value, ::toolwright::ErrorKind::$kind, "")
    };
    ($value:expr, $kind:ident, $($message:tt)+) => {
        $crate::support::assert_kind_of(
            &$value,
            ::toolwright::ErrorKind::$kind,
            &::std::format!($($message)+),
        )
    };
}

#[track_caller]
pub fn assert_kind_of(value: &dyn KindOf, expected: ErrorKind, context: &str) {
    let actual = value.kind_of();
    assert_eq!(
        actual,
        Some(expected),
        "expected a `{expected}` error, got {}{}{context}",
        actual.map_or("success".to_owned(), |k| format!("`{k}`")),
        if context.is_empty() { "" } else { ": " },
    );
}

/// The `"errors"` list of an `invalid_arguments` error, as the model reads it.
pub fn error_lines(err: &ToolError) -> Vec<String> {
    err.to_model_json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

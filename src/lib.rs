//! # toolwright
//!
//! Declare the tools an LLM agent calls by annotating ordinary Rust functions. `#[tool]` turns
//! a function and its doc comments into a JSON Schema for the model, a validator for the
//! model's arguments and a registry entry carrying the tool's permissions, destructive flag,
//! timeout, retries and rate limit. Poor descriptions are compile errors.
//!
//! ```
//! use toolwright::{tool, Executor, Principal, Registry, ToolCall, ToolError};
//!
//! /// Search the company knowledge base for articles matching a query.
//! /// Returns the top results with title, snippet and URL.
//! #[tool(permissions = ["kb:read"], read_only, timeout = "5s", rate_limit = "30/min")]
//! async fn search_knowledge_base(
//!     /// Search query. Natural-language questions and keywords both work.
//!     #[arg(min_len = 1, max_len = 200)]
//!     query: String,
//!     /// How many results to return, from 1 to 20. Defaults to 5.
//!     #[arg(range = 1..=20)]
//!     limit: Option<u8>,
//! ) -> Result<Vec<String>, ToolError> {
//!     Ok(vec![format!("{} result(s) for {query}", limit.unwrap_or(5))])
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! // The function stays callable as written, for unit tests:
//! assert_eq!(search_knowledge_base("refunds".into(), Some(1)).await?, ["1 result(s) for refunds"]);
//!
//! // One line registers it; the executor runs the model's calls through every policy.
//! let registry = Registry::builder().tool(search_knowledge_base).build().unwrap();
//! let executor = Executor::new(registry);
//! let alice = Principal::new("alice").grant("kb:read");
//! let call = ToolCall::new("call_1", "search_knowledge_base", r#"{"query":"refunds","limit":50}"#);
//! let result = executor.call(&alice, &call).await;
//! assert_eq!(result.to_model_json()["errors"][0], "/limit: must be at most 20, got 50");
//! # Ok::<(), ToolError>(()) }).unwrap();
//! ```

//!
//! # What is here
//!
//! - **Declaring tools:** [`tool`], [`tools`], [`ToolContext`], the argument guards
//!   [`SafePath`], [`AllowedUrl`] and [`Identifier`], and the [`Registry`] that holds them.
//! - **Running the model's calls:** the [`Executor`] (every policy, in order), the caller's
//!   [`Principal`], a [`ToolCall`] in and a [`ToolResult`] out; [`providers`] turns each model
//!   API's format into calls and back, [`agent`] runs the whole loop.
//! - **Errors:** one [`ToolError`] with a stable [`ErrorKind`]; [`ResultExt`] for `?` in bodies.
//! - **Policy configuration:** [`Rate`], [`Limits`], [`BreakerConfig`], the [`Confirmer`]s and
//!   the [`AuditSink`]s; [`policy`] holds each policy's module.
//! - **Observability:** every call runs in an OpenTelemetry GenAI `execute_tool {tool}`
//!   `tracing` span (arguments and results opt-in, redacted: [`ExecutorBuilder::trace_content`]);
//!   the `otel` feature adds the `gen_ai.execute_tool.duration` histogram and makes an MCP
//!   caller's `traceparent` the spans' parent. See the README's "Observability" section and
//!   `examples/otel.rs`.
//! - **Implementing [`Tool`] by hand**, for tools `#[tool]` cannot declare: [`decl`] and
//!   [`ArgRules`].

#![warn(missing_docs)]

/// Turns a function into a tool: see the [crate docs](crate) and the README.
pub use toolwright_macros::tool;
/// On an `impl` block: its `#[tool]` methods become tools over the shared `self` state.
///
/// Register the whole block with [`RegistryBuilder::tools`] (or `tools_shared` for an `Arc`
/// you keep); each method is a tool of its own, with its own settings.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use toolwright::{Executor, Principal, Registry, ToolCall, tool, tools};
///
/// struct PageViews {
///     count: AtomicU64,
/// }
///
/// #[tools]
/// impl PageViews {
///     /// Record one view of the landing page in the shared counter. Returns the new total.
///     #[tool]
///     fn record_page_view(&self) -> u64 {
///         self.count.fetch_add(1, Ordering::Relaxed) + 1
///     }
///
///     /// Read the landing page's view counter without changing it. Returns the current total.
///     #[tool(read_only)]
///     fn get_page_views(&self) -> u64 {
///         self.count.load(Ordering::Relaxed)
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let state = PageViews { count: AtomicU64::new(0) };
/// let executor = Executor::new(Registry::builder().tools(state).build().unwrap());
/// let anyone = Principal::anonymous();
/// executor.call(&anyone, &ToolCall::new("c1", "record_page_view", "{}")).await;
/// let read = executor.call(&anyone, &ToolCall::new("c2", "get_page_views", "{}")).await;
/// assert_eq!(read.outcome.unwrap(), 1);
/// # });
/// ```
pub use toolwright_macros::tools;

// Declaring and registering tools.
pub use toolwright_runtime::{
    AllowedUrl, DEFAULT_TIMEOUT, DynamicTool, DynamicToolBuilder, Identifier, Progress,
    ProgressUpdate, Registry, RegistryBuilder, RegistryError, SafePath, ToolContext, ToolEntry,
};

// Running the model's calls.
#[cfg(feature = "clients")]
pub use toolwright_runtime::clients;
#[cfg(feature = "mcp")]
pub use toolwright_runtime::mcp;
pub use toolwright_runtime::{
    CallArguments, CancellationToken, Executor, ExecutorBuilder, Principal, ToolCall, ToolResult,
};
pub use toolwright_runtime::{agent, providers};

// Errors.
pub use toolwright_runtime::{ErrorKind, FieldError, ResultExt, ToolError};

// Policy configuration; `store` is where state shared by replicas lives (memory or Redis).
pub use toolwright_runtime::policy;
pub use toolwright_runtime::store;
pub use toolwright_runtime::{
    AlwaysDeny, AuditArguments, AuditError, AuditRecord, AuditSink, AutoApprove, BackgroundSink,
    BreakerConfig, BreakerState, ConfirmationRequest, Confirmer, Decision, JsonlSink, Limits,
    MemorySink, Rate, TerminalPrompt, TracingSink,
};

// Implementing `Tool` by hand; `bounds` names what a `#[tool]` signature's types must be.
pub use toolwright_runtime::{ArgRules, BoxFuture, Tool, ToolFuture, ToolSet};
pub use toolwright_runtime::{bounds, decl, guards};

/// Paths the generated code uses, so a user crate needs no direct dependency on serde,
/// serde_json or schemars. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use ::schemars;
    pub use ::serde;
    pub use ::serde_json;
    pub use ::toolwright_runtime::__private::*;
}

//! The runtime of [toolwright](https://docs.rs/toolwright): the registry, the safe executor and
//! its policies. Applications depend on the `toolwright` crate, which re-exports this chosen
//! list together with the `#[tool]` macro; anything not listed here is internal.

#![warn(missing_docs)]

pub mod agent;
pub mod bounds;
mod call;
#[cfg(feature = "clients")]
pub mod clients;
mod context;
pub mod decl;
mod dynamic;
mod error;
mod executor;
pub mod guards;
#[cfg(feature = "mcp")]
pub mod mcp;
pub mod policy;
mod principal;
pub mod providers;
mod registry;
mod schema;
pub mod store;
mod telemetry;
mod tool;
mod validate;

pub mod __private;
#[doc(hidden)]
mod generated;

// Declaring and registering tools.
pub use context::{Progress, ProgressUpdate, ToolContext};
pub use dynamic::{DynamicTool, DynamicToolBuilder};
pub use guards::{AllowedUrl, Identifier, SafePath};
pub use registry::{DEFAULT_TIMEOUT, Registry, RegistryBuilder, RegistryError, ToolEntry};

// Running the model's calls.
pub use call::{CallArguments, ToolCall, ToolResult};
pub use executor::{Executor, ExecutorBuilder};
pub use principal::Principal;
pub use tokio_util::sync::CancellationToken;

// Errors.
pub use error::{ErrorKind, FieldError, ResultExt, ToolError};

// Policy configuration: audit, circuit breaker, confirmation, limits, rate limits.
pub use policy::audit::{
    AuditArguments, AuditError, AuditRecord, AuditSink, BackgroundSink, JsonlSink, MemorySink,
    TracingSink,
};
pub use policy::circuit_breaker::{BreakerConfig, BreakerState};
pub use policy::confirm::{
    AlwaysDeny, AutoApprove, ConfirmationRequest, Confirmer, Decision, TerminalPrompt,
};
pub use policy::limits::Limits;
pub use policy::rate_limit::Rate;

// Implementing `Tool` by hand (what `#[tool]` writes for you).
pub use tool::{BoxFuture, Tool, ToolFuture, ToolSet};
pub use validate::ArgRules;

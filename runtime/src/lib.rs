//! The runtime of [toolwright](https://docs.rs/toolwright): the registry, the safe executor and
//! its policies. Applications depend on the `toolwright` crate, which re-exports all of this
//! together with the `#[tool]` macro.

#![warn(missing_docs)]

pub mod agent;
pub mod bounds;
mod call;
#[cfg(feature = "clients")]
pub mod clients;
mod context;
pub mod decl;
mod error;
mod executor;
pub mod guards;
#[cfg(feature = "mcp")]
pub mod mcp;
pub mod policy;
mod principal;
pub mod providers;
mod registry;
pub mod schema;
mod tool;
pub mod validate;

pub mod __private;
#[doc(hidden)]
mod generated;

pub use call::{CallArguments, ToolCall, ToolResult};
pub use context::ToolContext;
pub use error::{ErrorKind, FieldError, ResultExt, ToolError};
pub use executor::{Executor, ExecutorBuilder};
pub use guards::{AllowedUrl, Identifier, SafePath};
pub use policy::audit::{
    AuditRecord, AuditSink, BackgroundSink, JsonlSink, MemorySink, TracingSink,
};
pub use policy::circuit_breaker::{BreakerConfig, BreakerState};
pub use policy::confirm::{
    AlwaysDeny, AutoApprove, ConfirmationRequest, Confirmer, Decision, TerminalPrompt,
};
pub use policy::limits::Limits;
pub use policy::rate_limit::Rate;
pub use principal::Principal;
pub use registry::{DEFAULT_TIMEOUT, Registry, RegistryBuilder, RegistryError, ToolEntry};
pub use tool::{BoxFuture, RawArgs, Tool, ToolFuture, ToolSet};

pub use tokio_util::sync::CancellationToken;

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

/// Builder methods that set one field and hand the builder back, one line each:
/// `pub fn name(arg: Type) => field = value;` is the method
/// `pub fn name(mut self, arg: Type) -> Self` that stores `value` (an expression of `arg`) in
/// `self.field` (a path like `policy.timeout` works too). Doc comments are kept. Each is
/// `#[must_use]` with a message, which also keeps clippy quiet on builders whose type is
/// `#[must_use]` already. A builder method that does more than store one value is written out
/// in full.
macro_rules! setters {
    ($(
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($arg:ident: $ty:ty) => $($field:ident).+ = $value:expr;
    )+) => {$(
        $(#[$attr])*
        #[must_use = "the builder with this setting is the one returned"]
        $vis fn $name(mut self, $arg: $ty) -> Self {
            self.$($field).+ = $value;
            self
        }
    )+};
}
pub(crate) use setters;

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

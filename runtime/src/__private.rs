//! Support for the code `#[tool]` generates. Not a public API: it may change in any release,
//! which is why the macro and runtime crates pin each other's exact version.

use std::future::Future;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

pub use crate::bounds::{
    HasLength, HasPattern, HasRange, ResultKind, Returned, ReturnsResult, ReturnsValue,
    ToolFailure, ToolOutput, ToolParameter, ValueKind,
};
pub use crate::call::CallArguments;
pub use crate::decl::{Bound, Constraints, Icon, Number, ParamDecl, PolicyDecl, ToolDecl};
pub use crate::generated::{
    Arg, Check, Checked, Defaulted, Fill, MAX_PARAMS, ParamDefault, ParamFns, Params, Required,
    Slot, Unchecked, default_json_of, finish,
};
pub use crate::policy::rate_limit::Rate;
pub use crate::schema::input_schema;
pub use crate::tool::{BoxFuture, Tool, ToolFuture, ToolSet};
pub use crate::validate::{ArgRules, ArgValue, SlowPath, Validator, parse_fast};
use crate::{Registry, ToolEntry};
pub use crate::{ToolContext, ToolError};
pub use std::sync::Arc;
pub use std::time::Duration;

/// The runtime's version; generated code asserts it equals the macro's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Fails compilation when the macro and runtime versions differ.
pub const fn assert_version(macro_version: &str) {
    let a = macro_version.as_bytes();
    let b = VERSION.as_bytes();
    let mut same = a.len() == b.len();
    let mut i = 0;
    while same && i < a.len() {
        same = a[i] == b[i];
        i += 1;
    }
    assert!(
        same,
        "toolwright-macros and toolwright-runtime versions differ; depend on `toolwright` only"
    );
}

/// Whether a declared integer `range` bound lies within the values `T` holds. Called in a
/// constant, so a bound that does not fit fails to compile, whatever alias spells `T`.
pub const fn range_bound_fits<T: HasRange + ?Sized>(bound: i128) -> bool {
    T::MIN <= bound && bound <= T::MAX
}

/// Whether `T` holds whole numbers only (a fractional `range` bound cannot apply to it).
pub const fn holds_whole_numbers<T: HasRange + ?Sized>() -> bool {
    T::WHOLE
}

/// Runs a synchronous tool body on tokio's blocking pool, so it never stalls the runtime.
pub fn run_blocking<F, R>(f: F) -> impl Future<Output = Result<R, ToolError>> + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    // The thread holds the call's bulkhead slot until it returns, even after a timeout stopped
    // waiting for it: a hung sync tool can never take more threads than its slots.
    let lease = crate::policy::bulkhead::current();
    let handle = tokio::task::spawn_blocking(move || {
        let _lease = lease;
        f()
    });
    async move {
        match handle.await {
            Ok(v) => Ok(v),
            Err(e) if e.is_panic() => Err(crate::policy::execute::panicked(&*e.into_panic())),
            Err(_) => Err(ToolError::new(
                crate::ErrorKind::Unavailable,
                "the tool's worker was shut down before it finished",
            )),
        }
    }
}

/// Parses and validates `args` for `entry` with `registry`'s guards in force, returning the
/// body's future without any policy: for tests of the validator, never for running a call.
///
/// # Errors
/// `invalid_arguments` with every problem.
pub fn prepare(
    registry: &Registry,
    entry: &ToolEntry,
    args: &CallArguments,
    ctx: ToolContext,
) -> Result<ToolFuture, ToolError> {
    registry.prepare(entry, args, ctx)
}

/// Serializes a declared default for the schema.
pub fn default_json<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Autoref specialization: an output schema when the output type implements `JsonSchema`.
pub type OutputSchema<T> = crate::bounds::Probe<T>;

/// Chosen when the output type implements `JsonSchema`.
pub trait ViaJsonSchema {
    /// The output schema.
    fn output_schema(&self) -> Option<Value>;
}

impl<T: JsonSchema + ?Sized> ViaJsonSchema for OutputSchema<T> {
    fn output_schema(&self) -> Option<Value> {
        // A body that always returns `()` (spelled so or through an alias) returns no data.
        let schema = crate::schema::output_schema::<T>();
        (schema != serde_json::json!({ "type": "null" })).then_some(schema)
    }
}

/// Chosen otherwise: no output schema.
pub trait ViaNothing {
    /// No output schema.
    fn output_schema(&self) -> Option<Value>;
}

impl<T: ?Sized> ViaNothing for &OutputSchema<T> {
    fn output_schema(&self) -> Option<Value> {
        None
    }
}

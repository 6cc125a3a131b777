//! The executor: one call through the ordered list of policies.
//!
//! ```text
//! lookup + permission -> validate -> execute (timeout, panic capture) -> result
//! ```

use std::sync::Arc;

use serde_json::Value;

use crate::call::{CallArguments, ToolCall, ToolResult};
use crate::policy::{execute, permission};
use crate::tool::RawArgs;
use crate::{FieldError, Principal, Registry, ToolError};

/// Executes the model's tool calls against a [`Registry`].
///
/// ```
/// use toolwright::{tool, Executor, Principal, Registry, ToolCall};
///
/// /// Add two integers and return their sum as an integer.
/// #[tool(read_only, idempotent)]
/// fn add_two_integers(
///     /// The first addend, any 64-bit signed integer
///     a: i64,
///     /// The second addend, any 64-bit signed integer
///     b: i64,
/// ) -> i64 {
///     a + b
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(add_two_integers).build()?);
/// let result = executor
///     .call(&Principal::anonymous(), &ToolCall::new("call_1", "add_two_integers", r#"{"a":2,"b":3}"#))
///     .await;
/// assert_eq!(result.outcome.unwrap(), 5);
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Executor {
    registry: Registry,
}

impl Executor {
    /// An executor over `registry`.
    pub fn new(registry: Registry) -> Self {
        Self { registry }
    }

    /// The registry this executor serves.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs one call for `principal`. Never panics, whatever the model sent.
    pub async fn call(&self, principal: &Principal, call: &ToolCall) -> ToolResult {
        ToolResult {
            call_id: call.id.clone(),
            name: call.name.clone(),
            outcome: self.run(principal, call).await,
        }
    }

    async fn run(&self, principal: &Principal, call: &ToolCall) -> Result<Value, ToolError> {
        let entry = permission::find(&self.registry, principal, &call.name)?;
        let ctx = self
            .registry
            .context(Arc::from(call.id.as_str()), entry, principal);
        let args = match &call.arguments {
            CallArguments::Text(text) => RawArgs::Text(text),
            CallArguments::Json(value) => RawArgs::Json(value),
            CallArguments::Invalid { error, .. } => {
                return Err(ToolError::invalid_arguments(vec![FieldError::new(
                    "",
                    format!("the arguments are not a JSON object: {error}"),
                )]));
            }
        };
        let body = entry.tool().prepare(args, entry.rules(), ctx)?;
        execute::run(body, self.registry.timeout_of(entry)).await
    }
}

//! Validation: the arguments are parsed into the tool's parameters and checked against every
//! declared constraint, with the registry's guards in force. Only a validated call has a body
//! to run: the future the tool's `prepare` returns.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::call::CallArguments;
use crate::policy::{CallState, decision};
use crate::registry::{Registry, ToolEntry};
use crate::tool::{RawArgs, ToolFuture};
use crate::{FieldError, ToolError};

decision! {
    /// How validation decided.
    pub enum ValidationDecision {
        /// The arguments fit the tool's schema.
        Valid => "valid",
        /// They do not (or exceed the argument caps).
        Invalid => "invalid",
    }
}

/// A validated call: the body, not yet polled, and the token its context holds.
pub(crate) struct Prepared {
    pub(crate) body: ToolFuture,
    pub(crate) cancel: CancellationToken,
}

/// The policy's step: validates `args` for `entry` and records the decision.
///
/// # Errors
/// `invalid_arguments` with every problem.
pub(crate) fn admit(
    registry: &Registry,
    state: &CallState<'_>,
    entry: &ToolEntry,
    args: &CallArguments,
) -> Result<Prepared, ToolError> {
    state.decide_by(
        prepare(registry, state, entry, args, 0),
        [ValidationDecision::Valid, ValidationDecision::Invalid],
        |d| &mut d.validation,
    )
}

/// Validates `args` for attempt `attempt`: each attempt gets a fresh body and context, its
/// token a child of the call's.
pub(crate) fn prepare(
    registry: &Registry,
    state: &CallState<'_>,
    entry: &ToolEntry,
    args: &CallArguments,
    attempt: u32,
) -> Result<Prepared, ToolError> {
    let args = raw_args(args)?;
    let ctx = registry.context(
        Arc::from(state.call.id.as_str()),
        entry,
        state.principal,
        attempt,
        &state.cancel,
    );
    let cancel = ctx.cancellation().clone();
    let body = registry.prepare(entry, args, ctx)?;
    Ok(Prepared { body, cancel })
}

/// The arguments as the tool's `prepare` reads them. Anything but a JSON object is refused here,
/// whatever the tool: a hand-written `Tool` gets the same guarantee as a generated one.
fn raw_args(args: &CallArguments) -> Result<RawArgs<'_>, ToolError> {
    let not_an_object = |kind: &str| {
        ToolError::invalid_arguments(vec![FieldError::new(
            "",
            format!("the arguments must be a JSON object, got {kind}"),
        )])
    };
    match args {
        CallArguments::Text(text) => match crate::validate::root_of(text) {
            crate::validate::Root::Other(kind) => Err(not_an_object(kind)),
            _ => Ok(RawArgs::Text(text)),
        },
        CallArguments::Json(value) if !value.is_object() => {
            Err(not_an_object(crate::validate::json_type_name(value)))
        }
        CallArguments::Json(value) => Ok(RawArgs::Json(value)),
        CallArguments::Invalid { error, .. } => {
            Err(ToolError::invalid_arguments(vec![FieldError::new(
                "",
                format!("the arguments are not a JSON object: {error}"),
            )]))
        }
    }
}

//! Validation: the arguments are parsed into the tool's parameters and checked against every
//! declared constraint, with the registry's guards in force. Only a validated call has a body
//! to run: the future the tool's `prepare` returns.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::ToolError;
use crate::call::CallArguments;
use crate::policy::{CallState, decision};
use crate::registry::{Registry, ToolEntry};
use crate::tool::ToolFuture;

decision! {
    /// How validation decided.
    pub enum ValidationDecision in validation {
        /// The arguments fit the tool's schema.
        Valid => "valid",
        /// They do not (or exceed the argument caps).
        Invalid => "invalid",
    }
}

/// A validated call: the body, not yet polled, and the token its context holds when that is
/// the attempt's own (`None`: the call's token, [`CallState::cancel`]).
pub(crate) struct Prepared {
    pub(crate) body: ToolFuture,
    pub(crate) cancel: Option<CancellationToken>,
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
    if let Some(refused) = crate::validate::refused_root(args) {
        return Err(refused);
    }
    // A tool that may be retried gives each attempt its own token under the call's (a
    // timed-out attempt is told to stop, the next one is not); a tool run once uses the call's
    // token itself, which fires when the attempt times out or the caller drops the call.
    // Either way the tool sees the same thing, without a token tree for most calls.
    let own = (entry.policy().retries > 0).then(|| state.cancel.child_token());
    let ctx = registry.context(
        Arc::from(state.call.id.as_str()),
        entry,
        state.principal,
        attempt,
        own.clone().unwrap_or_else(|| state.cancel.clone()),
    );
    let body = registry.prepare(entry, args, ctx)?;
    Ok(Prepared { body, cancel: own })
}

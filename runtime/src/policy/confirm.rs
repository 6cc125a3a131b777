//! Human confirmation before destructive calls. Deny by default: with no confirmer configured,
//! a call that needs confirmation is refused and its body never runs.

use serde_json::Value;

use crate::tool::BoxFuture;
use crate::Principal;

/// What a human is asked to decide.
#[derive(Clone, Debug)]
pub struct ConfirmationRequest {
    /// The model's call id.
    pub call_id: String,
    /// The tool to run.
    pub tool: &'static str,
    /// The tool's description.
    pub description: &'static str,
    /// Who asks.
    pub principal: Principal,
    /// The validated arguments, with secret values shown as `"[REDACTED]"`.
    pub arguments: Value,
}

/// A human's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Run the call.
    Approve,
    /// Do not run it; the reason is shown to the model.
    Deny {
        /// Why, in words for the model.
        reason: String,
    },
}

impl Decision {
    /// A denial with a reason.
    pub fn deny(reason: impl Into<String>) -> Self {
        Self::Deny {
            reason: reason.into(),
        }
    }
}

/// Asks a human (a terminal prompt, a chat UI, an MCP client's elicitation) to approve a call.
///
/// The executor awaits the answer under the call's deadline; an error or no answer is a denial.
pub trait Confirmer: Send + Sync {
    /// Decides on one call.
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision>;
}

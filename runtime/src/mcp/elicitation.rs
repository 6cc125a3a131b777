//! Confirmation of destructive calls through MCP elicitation: the client shows the request to
//! a human. The prompt goes to the session that made the call, and only that session's answer
//! is read (rmcp matches the response to this request on the same peer).

use rmcp::service::{ElicitationError, Peer, RoleServer};

use crate::tool::BoxFuture;
use crate::{ConfirmationRequest, Confirmer, Decision};

/// Asks the human behind one MCP peer.
pub(super) struct Elicitation(pub(super) Peer<RoleServer>);

/// What the human is asked.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Approval {
    /// Approve this call?
    approve: bool,
}

rmcp::elicit_safe!(Approval);

impl Confirmer for Elicitation {
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        let message = format!(
            "Allow `{}` with {}?\n{}",
            request.tool, request.arguments, request.description
        );
        Box::pin(async move {
            match self.0.elicit::<Approval>(message).await {
                Ok(Some(Approval { approve: true })) => Decision::Approve,
                Ok(_) => Decision::deny("the user did not approve it"),
                Err(ElicitationError::CapabilityNotSupported) => Decision::deny(
                    "this action needs a human's approval, and this MCP client cannot ask for it (no elicitation support); it was not run",
                ),
                Err(ElicitationError::UserDeclined | ElicitationError::UserCancelled) => {
                    Decision::deny("the user declined")
                }
                Err(e) => Decision::deny(format!("the approval prompt failed: {e}")),
            }
        })
    }
}

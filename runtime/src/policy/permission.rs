//! Lookup and permission, one step: a tool the principal may not use is answered exactly like
//! a tool that does not exist, so a model cannot probe for hidden tools.

use crate::policy::{CallState, decision};
use crate::registry::{Registry, ToolEntry};
use crate::{ErrorKind, Principal, ToolError};

decision! {
    /// How lookup and permission decided (one step: hidden = unknown).
    pub enum PermissionDecision in permission {
        /// The tool exists and the principal may use it.
        Allowed => "allowed",
        /// The name is missing, or hidden from this caller.
        UnknownTool => "unknown_tool",
    }
}

/// The policy's step: the tool the call names, if this principal may use it. An unknown name
/// still costs the caller its own per-principal rate limit, so probing names is not free; its
/// error lists the caller's tools that are in service (see [`crate::policy::switch`]).
pub(crate) async fn admit<'r>(
    registry: &'r Registry,
    rate_limits: &crate::policy::rate_limit::RateLimits,
    switches: &crate::policy::switch::Switches,
    state: &CallState<'_>,
) -> Result<&'r ToolEntry, ToolError> {
    let name = &state.call.name;
    match visible(registry, state.principal, name) {
        Some(entry) => {
            state.decide(PermissionDecision::Allowed);
            Ok(entry)
        }
        None => {
            state.decide(PermissionDecision::UnknownTool);
            rate_limits.admit(state, None, false).await?;
            Err(unknown_tool(registry, state.principal, name, |tool| {
                !switches.is_off(tool)
            }))
        }
    }
}

/// Finds `name` among the tools `principal` may use.
///
/// # Errors
/// `unknown_tool`, listing the tools this principal may use, whether the tool is missing or
/// hidden from this principal (the two are indistinguishable to the caller).
pub fn find<'r>(
    registry: &'r Registry,
    principal: &Principal,
    name: &str,
) -> Result<&'r ToolEntry, ToolError> {
    visible(registry, principal, name)
        .ok_or_else(|| unknown_tool(registry, principal, name, |_| true))
}

/// `name`'s entry, if `principal` may see it.
fn visible<'r>(registry: &'r Registry, principal: &Principal, name: &str) -> Option<&'r ToolEntry> {
    registry
        .get(name)
        .filter(|entry| entry.visible_to(principal))
}

/// The error for `name`, pointing to the tools `principal` may use that are `offered`.
fn unknown_tool(
    registry: &Registry,
    principal: &Principal,
    name: &str,
    offered: impl Fn(&str) -> bool,
) -> ToolError {
    let visible: Vec<&str> = registry
        .scoped(principal)
        .map(|e| e.name())
        .filter(|n| offered(n))
        .collect();
    let shown: String = name.chars().take(64).collect();
    let mut err = ToolError::new(
        ErrorKind::UnknownTool,
        format!("there is no tool named `{shown}`"),
    );
    // A near miss (case, spaces, dashes) gets a pointer, never a silent redirect.
    let normal = |s: &str| {
        s.trim()
            .chars()
            .map(|c| {
                if c == '-' || c == ' ' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect::<String>()
    };
    let wanted = normal(name);
    let suggestion = match visible.iter().find(|v| normal(v) == wanted) {
        Some(near) => format!("did you mean `{near}`? tool names are exact"),
        None if visible.is_empty() => "no tools are available to you".to_owned(),
        None => format!("call one of: {}", visible.join(", ")),
    };
    err = err.with_suggestion(suggestion).with_detail(
        "available_tools",
        visible
            .into_iter()
            .map(serde_json::Value::from)
            .collect::<Vec<_>>(),
    );
    err
}

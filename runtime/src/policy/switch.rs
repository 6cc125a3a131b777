//! The operator's switch: a tool taken out of service at run time, without a new registry or a
//! restart. While a tool is off, every call of it is refused as `denied` with the operator's
//! reason, before it costs the caller a rate-limit slot and before any human is asked to
//! approve it; a call that was already past that point (waiting for a human, or between
//! retries) is refused again right before its body would run. MCP servers leave the tool out of
//! `tools/list`, and `SharedExecutor` (feature `mcp`) tells connected clients when the list
//! changes. The switch belongs to one executor in one process: each replica is told.
//!
//! ```
//! use toolwright::{ErrorKind, Executor, Principal, Registry, ToolCall, tool};
//!
//! /// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
//! #[tool(read_only)]
//! fn get_current_time() -> String {
//!     "2026-12-02T12:00:00Z".into()
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let executor = Executor::new(Registry::builder().tool(get_current_time).build()?);
//! let call = ToolCall::new("c1", "get_current_time", "{}");
//! assert!(executor.disable_tool("get_current_time", "the clock service is being migrated"));
//! let refused = executor.call(&Principal::anonymous(), &call).await.outcome.unwrap_err();
//! assert_eq!(refused.kind(), ErrorKind::Denied);
//! assert!(refused.message().contains("the clock service is being migrated"));
//! executor.enable_tool("get_current_time");
//! assert!(executor.call(&Principal::anonymous(), &call).await.outcome.is_ok());
//! # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};

use crate::registry::ToolEntry;
use crate::{ErrorKind, ToolError};

/// The tools taken out of service, each with the operator's reason.
#[derive(Default)]
pub(crate) struct Switches {
    /// Whether any tool is off: while none is, a call's check is this one load.
    any: AtomicBool,
    off: RwLock<HashMap<String, String>>,
}

impl Switches {
    /// The policy's step: refuses a call of a tool that is off.
    pub(crate) fn admit(&self, entry: &ToolEntry) -> Result<(), ToolError> {
        if !self.any.load(Ordering::Acquire) {
            return Ok(());
        }
        match self.read().get(entry.name()) {
            None => Ok(()),
            Some(reason) => Err(ToolError::new(
                ErrorKind::Denied,
                format!("the tool `{}` is out of service: {reason}", entry.name()),
            )
            .with_suggestion(
                "do not retry it now; use another tool, or tell the user it is out of service",
            )),
        }
    }

    /// Takes `name` out of service for `reason`; whether that changed anything (a new reason
    /// for a tool already off changes only the reason).
    pub(crate) fn disable(&self, name: &str, reason: String) -> bool {
        let mut off = self.write();
        let was_on = off.insert(name.to_owned(), reason).is_none();
        self.any.store(true, Ordering::Release);
        was_on
    }

    /// Puts `name` back in service; whether it was off.
    pub(crate) fn enable(&self, name: &str) -> bool {
        let mut off = self.write();
        let was_off = off.remove(name).is_some();
        self.any.store(!off.is_empty(), Ordering::Release);
        was_off
    }

    /// Whether `name` is out of service.
    pub(crate) fn is_off(&self, name: &str) -> bool {
        self.any.load(Ordering::Acquire) && self.read().contains_key(name)
    }

    /// The tools out of service and why, by name.
    pub(crate) fn list(&self) -> Vec<(String, String)> {
        let mut off: Vec<(String, String)> = self
            .read()
            .iter()
            .map(|(name, reason)| (name.clone(), reason.clone()))
            .collect();
        off.sort();
        off
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, String>> {
        self.off.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, String>> {
        self.off.write().unwrap_or_else(PoisonError::into_inner)
    }
}

//! A bulkhead per tool, with resilience4j's semaphore semantics (no waiting): at most
//! `max_concurrent` bodies of one tool run at once, and a call beyond that is answered `busy`.
//!
//! A slot is held until the body really ends, not until its caller stops waiting: a sync tool
//! whose call timed out keeps its slot until its blocking thread returns. So a hung tool can only
//! ever hold its own slots, never the whole blocking pool, and healthy tools keep running.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{ErrorKind, ToolError};

/// Slots for one tool's running bodies.
#[derive(Debug)]
pub(crate) struct Bulkhead {
    slots: Arc<Semaphore>,
    max: usize,
}

/// One running body's slot. Clones share it; the slot frees when the last clone drops.
#[derive(Clone, Debug)]
pub(crate) struct Lease(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

impl Bulkhead {
    /// The default cap per tool: enough for bursts of parallel calls, small enough that a few
    /// hung tools cannot take tokio's 512 blocking threads.
    pub(crate) const DEFAULT_MAX_CONCURRENT: usize = 32;

    pub(crate) fn new(max_concurrent: usize) -> Self {
        let max = max_concurrent.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// Takes a slot, or refuses at once when every slot is taken.
    pub(crate) fn try_acquire(&self) -> Result<Lease, ToolError> {
        match self.slots.clone().try_acquire_owned() {
            Ok(permit) => Ok(Lease(Arc::new(permit))),
            Err(_) => Err(ToolError::new(
                ErrorKind::Busy,
                format!("this tool is already running {} calls, its limit", self.max),
            )
            .retryable(true)
            .with_suggestion("wait for earlier calls to finish, then try again")
            .with_detail("retry_after_ms", 1000)),
        }
    }

    /// How many bodies hold a slot now.
    pub(crate) fn in_flight(&self) -> usize {
        self.max - self.slots.available_permits()
    }
}

tokio::task_local! {
    static LEASE: Lease;
}

/// Runs `body` with `lease` in force, so work it hands to other threads can hold the slot too.
pub(crate) fn scope<F: Future>(lease: Lease, body: F) -> impl Future<Output = F::Output> {
    LEASE.scope(lease, body)
}

/// The slot of the body running on this task, if any: a sync tool's blocking closure holds it
/// until the thread returns.
pub(crate) fn current() -> Option<Lease> {
    LEASE.try_with(Lease::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bulkhead_refuses_at_once_and_frees_with_the_last_clone() {
        let b = Bulkhead::new(2);
        let one = b.try_acquire().unwrap();
        let two = b.try_acquire().unwrap();
        let err = b.try_acquire().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy);
        assert!(err.retry_after().is_some());
        let shared = one.clone();
        drop(one);
        assert_eq!(b.in_flight(), 2, "a clone still holds the slot");
        drop(shared);
        assert_eq!(b.in_flight(), 1);
        drop(two);
        assert!(b.try_acquire().is_ok());
    }

    #[tokio::test]
    async fn the_scoped_lease_is_visible_to_the_body() {
        let b = Bulkhead::new(1);
        let lease = b.try_acquire().unwrap();
        assert!(current().is_none());
        let seen = scope(lease, async { current().is_some() }).await;
        assert!(seen);
        assert_eq!(b.in_flight(), 0);
    }
}

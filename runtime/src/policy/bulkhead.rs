//! A bulkhead per tool, with resilience4j's semaphore semantics (no waiting): at most
//! `max_concurrent` bodies of one tool run at once, and a call beyond that is answered `busy`.
//!
//! A slot is held until the body really ends, not until its caller stops waiting: a sync tool
//! whose call timed out keeps its slot until its blocking thread returns. So a hung tool can only
//! ever hold its own slots, never the whole blocking pool, and healthy tools keep running.
//!
//! This file is the whole policy: configuration (`BulkheadConfig`, set through
//! [`ExecutorBuilder::max_concurrent_calls`](crate::ExecutorBuilder::max_concurrent_calls)),
//! state (a semaphore per tool), decision
//! ([`BulkheadDecision`]) and error (`busy`). The executor wires it with one field and one
//! line in its order of steps.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::policy::{CallState, decision};
use crate::registry::{Registry, ToolEntry};
use crate::{ErrorKind, ToolError};

decision! {
    /// How the bulkhead decided.
    pub enum BulkheadDecision in bulkhead {
        /// A slot was free.
        Admitted => "admitted",
        /// The tool already ran as many bodies as it may.
        Full => "full",
    }
}

/// The bulkhead's settings: a cap for every tool, and caps for named tools.
#[derive(Clone, Debug)]
pub(crate) struct BulkheadConfig {
    pub(crate) max_concurrent: usize,
    pub(crate) of_tool: HashMap<String, usize>,
}

impl Default for BulkheadConfig {
    fn default() -> Self {
        Self {
            max_concurrent: Bulkhead::DEFAULT_MAX_CONCURRENT,
            of_tool: HashMap::new(),
        }
    }
}

/// The policy: a bulkhead per registered tool.
#[derive(Debug)]
pub(crate) struct Bulkheads(Vec<Bulkhead>);

impl BulkheadConfig {
    pub(crate) fn build(&self, registry: &Registry) -> Bulkheads {
        Bulkheads(
            registry
                .iter()
                .map(|e| {
                    let max = self.of_tool.get(e.name()).copied();
                    Bulkhead::new(max.unwrap_or(self.max_concurrent))
                })
                .collect(),
        )
    }
}

impl Bulkheads {
    /// The bulkhead of `entry`'s tool.
    pub(crate) fn of(&self, entry: &ToolEntry) -> Option<&Bulkhead> {
        self.0.get(entry.index())
    }

    /// A slot for one more body of `entry`'s tool (a retry takes a fresh one).
    pub(crate) fn acquire(&self, entry: &ToolEntry) -> Result<Lease, ToolError> {
        self.of(entry)
            .map_or(Ok(Lease::unbounded()), Bulkhead::try_acquire)
    }

    /// The policy's step: a slot for the body, taken only once the call may run.
    pub(crate) fn admit(
        &self,
        state: &CallState<'_>,
        entry: &ToolEntry,
    ) -> Result<Lease, ToolError> {
        state.decide_by(
            self.acquire(entry),
            [BulkheadDecision::Admitted, BulkheadDecision::Full],
        )
    }
}

/// Slots for one tool's running bodies: a count, never waited on, so an atomic does (a
/// semaphore's release also takes its waiters' lock).
#[derive(Debug)]
pub(crate) struct Bulkhead {
    running: Arc<AtomicUsize>,
    max: usize,
}

/// One running body's slot. Clones share it; the slot frees when the last clone drops.
#[derive(Clone, Debug)]
pub(crate) struct Lease(#[allow(dead_code)] Option<Arc<Slot>>);

/// A taken slot: gives itself back when dropped.
#[derive(Debug)]
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Release);
    }
}

impl Lease {
    /// No slot: for a tool the executor has no bulkhead for.
    fn unbounded() -> Self {
        Self(None)
    }
}

impl Bulkhead {
    /// The default cap per tool: enough for bursts of parallel calls, small enough that a few
    /// hung tools cannot take tokio's 512 blocking threads.
    pub(crate) const DEFAULT_MAX_CONCURRENT: usize = 32;

    pub(crate) fn new(max_concurrent: usize) -> Self {
        Self {
            running: Arc::new(AtomicUsize::new(0)),
            max: max_concurrent.max(1),
        }
    }

    /// Takes a slot, or refuses at once when every slot is taken.
    pub(crate) fn try_acquire(&self) -> Result<Lease, ToolError> {
        let max = self.max;
        let taken = self
            .running
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |n| {
                (n < max).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(Lease(Some(Arc::new(Slot(Arc::clone(&self.running)))))),
            Err(_) => Err(ToolError::new(
                ErrorKind::Busy,
                format!("this tool is already running {max} calls, its limit"),
            )
            .retryable(true)
            .with_suggestion("wait for earlier calls to finish, then try again")
            .with_detail("retry_after_ms", 1000)),
        }
    }

    /// How many bodies hold a slot now.
    pub(crate) fn in_flight(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }
}

tokio::task_local! {
    static LEASE: Lease;
}

/// Runs `body` with `lease` in force, so work it hands to other threads can hold the slot too.
pub(crate) fn scope<F: Future>(lease: Lease, body: F) -> impl Future<Output = F::Output> {
    LEASE.scope(lease, body)
}

/// Runs `f` (one poll of a body) with `lease` in force.
pub(crate) fn sync_scope<R>(lease: Lease, f: impl FnOnce() -> R) -> R {
    LEASE.sync_scope(lease, f)
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

//! Execution: the body runs under a deadline, and a panic becomes an error, never a crash.

use std::any::Any;
use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::policy::bulkhead::{self, Lease};

use crate::tool::ToolFuture;
use crate::{ErrorKind, ToolError};

/// One body to run: the future, the cancellation token its context holds, and its bulkhead
/// slot.
pub(crate) struct Attempt<'a> {
    pub(crate) body: ToolFuture,
    pub(crate) cancel: Cow<'a, CancellationToken>,
    pub(crate) lease: Lease,
}

/// How long a body told to stop may take to wind down (observe its token, clean up) before
/// its task is aborted.
const CANCEL_GRACE: Duration = Duration::from_secs(1);

/// A body's task. When the caller stops waiting for it (deadline passed, caller went away),
/// the body's token fires at once and the task is aborted after [`CANCEL_GRACE`].
struct Running<'a, T> {
    task: JoinHandle<T>,
    cancel: Cow<'a, CancellationToken>,
}

impl<T> Drop for Running<'_, T> {
    fn drop(&mut self) {
        if self.task.is_finished() {
            return;
        }
        self.cancel.cancel();
        let abort = self.task.abort_handle();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    tokio::time::sleep(CANCEL_GRACE).await;
                    abort.abort();
                });
            }
            Err(_) => abort.abort(),
        }
    }
}

/// Runs one attempt with a `timeout`, catching panics. The body runs as its own task, so the
/// deadline is kept by this (the caller's) task even when the body blocks its thread; on a
/// current-thread runtime its first poll runs here first ([`inline_first_poll`]). On
/// timeout, or when this future is dropped, the body's token is cancelled at once and its task
/// aborted after a short grace, so a cooperative tool stops its side effects and a careless one
/// is stopped anyway; the bulkhead slot stays held until the body has really stopped.
///
/// # Errors
/// `timeout` when the deadline passes, `panicked` when it panics, or the tool's own error.
/// The deadline is `started + timeout`, `started` read by the caller just before (one clock
/// read serves both).
pub(crate) async fn run(
    attempt: Attempt<'_>,
    timeout: Duration,
    started: Instant,
) -> Result<Value, ToolError> {
    let Attempt {
        body,
        cancel,
        lease,
    } = attempt;
    let mut body = AssertUnwindSafe(body).catch_unwind();
    // A zero timeout leaves no time for even one poll: that body times out, as it always did.
    if !timeout.is_zero() && inline_first_poll() {
        let first = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(bulkhead::sync_scope(lease.clone(), || body.poll_unpin(cx)))
        })
        .await;
        if let std::task::Poll::Ready(done) = first {
            return match done {
                Ok(result) => result,
                Err(payload) => Err(panicked(&*payload)),
            };
        }
    }
    let mut running = Running {
        // In the call's span, as its first poll was: the body's events stay under the call.
        task: tokio::spawn(bulkhead::scope(lease, body).in_current_span()),
        cancel,
    };
    match tokio::time::timeout_at(later(started, timeout), &mut running.task).await {
        Ok(Ok(Ok(result))) => result,
        Ok(Ok(Err(payload))) => Err(panicked(&*payload)),
        Ok(Err(join)) if join.is_panic() => Err(panicked(&*join.into_panic())),
        Ok(Err(_)) => Err(ToolError::new(
            ErrorKind::Unavailable,
            "the tool's task was stopped before it finished (the runtime is shutting down)",
        )),
        Err(_elapsed) => {
            running.cancel.cancel();
            Err(ToolError::new(
                ErrorKind::Timeout,
                format!("the tool did not finish within {}", human(timeout)),
            )
            .with_suggestion("try again later, or with a smaller request"))
        }
    }
}

/// Whether a body's first poll runs on the caller's task: on a current-thread runtime, where a
/// task of its own buys nothing (one thread runs both, so a body that blocks it stops the
/// deadline either way). A body that finishes in that poll then costs no task and no timer;
/// one that does not moves, already polled, to its own task as any other. (Like any task's
/// code, a body cannot count on the caller's `tokio::task_local!` values: its first poll may
/// see them, its later polls do not.)
fn inline_first_poll() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|rt| rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread)
}

/// The execution policy's settings: the backoff between retries. Timeouts and retry counts
/// come from each tool's declaration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Execution {
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_cap: Duration,
}

impl Default for Execution {
    fn default() -> Self {
        Self {
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(2),
        }
    }
}

impl Execution {
    /// How `entry`'s attempts run: its timeout per attempt, and all attempts within
    /// `timeout * (retries + 1)`.
    pub(crate) fn plan(&self, registry: &crate::Registry, entry: &crate::ToolEntry) -> Plan {
        let policy = entry.policy();
        let timeout = registry.timeout_of(entry);
        Plan {
            timeout,
            retries: policy.retries,
            retry_safe: policy.idempotent || policy.read_only,
            budget: timeout.saturating_mul(policy.retries.saturating_add(1)),
            backoff_base: self.backoff_base,
            backoff_cap: self.backoff_cap,
        }
    }
}

/// How the attempts of one call are run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    /// Deadline of each attempt.
    pub(crate) timeout: Duration,
    /// Extra attempts allowed for retryable errors.
    pub(crate) retries: u32,
    /// Whether repeating the call is safe (`idempotent` or `read_only`).
    pub(crate) retry_safe: bool,
    /// Time for the whole call from its first attempt, retries and backoff included.
    pub(crate) budget: Duration,
    /// Backoff before retry `n` is random in `[0, min(cap, base * 2^n)]` (full jitter).
    pub(crate) backoff_base: Duration,
    /// The backoff cap.
    pub(crate) backoff_cap: Duration,
}

/// Runs the first attempt and, for retryable errors of retry-safe tools, more attempts within
/// the plan's deadline. `again(n)` prepares attempt `n`; `observe` sees every attempt's start and result
/// and whether another follows; `stop` (an open breaker) prevents further attempts.
///
/// Returns the final result and the number of retries used.
pub(crate) async fn run_attempts<'a>(
    first: Attempt<'a>,
    plan: &Plan,
    mut again: impl FnMut(u32) -> Result<Attempt<'a>, ToolError>,
    mut observe: impl FnMut(u32, Instant, &Result<Value, ToolError>, bool),
    stop: impl Fn() -> bool,
) -> (Result<Value, ToolError>, u32) {
    let mut next = Some(first);
    let mut attempt = 0u32;
    let mut deadline = None;
    loop {
        let Some(this) = next.take() else {
            unreachable!("an attempt is always prepared before the loop body runs");
        };
        let started = Instant::now();
        let deadline = *deadline.get_or_insert(later(started, plan.budget));
        let remaining = deadline.saturating_duration_since(started);
        let result = if remaining.is_zero() {
            Err(ToolError::new(
                ErrorKind::Timeout,
                "the call ran out of time before this attempt",
            ))
        } else {
            run(this, plan.timeout.min(remaining), started).await
        };
        let result = result.map_err(|e| classify_timeout(e, plan.retry_safe));
        let retryable = matches!(&result, Err(e) if e.is_retryable());
        let may_retry = retryable && plan.retry_safe && attempt < plan.retries;
        let backoff = if may_retry {
            full_jitter(plan.backoff_base, plan.backoff_cap, attempt)
        } else {
            Duration::ZERO
        };
        let will_retry = may_retry && later(Instant::now(), backoff) < deadline && !stop();
        observe(attempt, started, &result, will_retry);
        if !will_retry {
            return (result, attempt);
        }
        tokio::time::sleep(backoff).await;
        attempt += 1;
        match again(attempt) {
            Ok(a) => next = Some(a),
            Err(e) => return (Err(e), attempt),
        }
    }
}

/// `at + d`, or about 30 years after `at` when that does not fit (a configured duration of
/// `Duration::MAX` means "never", not a panic), as `tokio::time::sleep` reads it.
pub(crate) fn later(at: Instant, d: Duration) -> Instant {
    at.checked_add(d)
        .unwrap_or_else(|| at + Duration::from_secs(86_400 * 365 * 30))
}

/// A timed-out call of a tool that is not safe to repeat may have taken effect: say so, and
/// never retry it.
fn classify_timeout(e: ToolError, retry_safe: bool) -> ToolError {
    if e.kind() != ErrorKind::Timeout {
        return e;
    }
    if retry_safe {
        e.retryable(true)
    } else {
        ToolError::new(
            ErrorKind::OutcomeUnknown,
            format!("{}; it may or may not have taken effect", e.message()),
        )
        .with_suggestion("do not call it again blindly: check whether the action happened first")
    }
}

/// `random(0, min(cap, base * 2^attempt))`.
pub(crate) fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let ceiling = base
        .checked_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
        .unwrap_or(cap)
        .min(cap);
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(attempt);
    Duration::from_nanos(h.finish() % (nanos + 1))
}

/// The error for a caught panic. The panic message stays out of it: it may hold internals.
pub(crate) fn panicked(_payload: &(dyn Any + Send)) -> ToolError {
    ToolError::new(
        ErrorKind::Panicked,
        "the tool failed unexpectedly; this is a bug in the tool, not in your arguments",
    )
    .with_suggestion("do not retry this call; tell the user the tool is broken")
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::bulkhead::Bulkhead;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn attempt(body: ToolFuture) -> Attempt<'static> {
        Attempt {
            body,
            cancel: Cow::Owned(CancellationToken::new()),
            lease: Bulkhead::new(1).try_acquire().unwrap(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn hanging_body_times_out_at_the_deadline() {
        let start = tokio::time::Instant::now();
        let a = attempt(Box::pin(std::future::pending()));
        let cancel = a.cancel.clone();
        let err = run(a, Duration::from_secs(5), Instant::now())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert!(cancel.is_cancelled(), "the tool is told to stop");
    }

    #[tokio::test]
    async fn panicking_body_becomes_an_error() {
        let body: ToolFuture = Box::pin(async { panic!("secret internals") });
        let err = run(attempt(body), Duration::from_secs(5), Instant::now())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Panicked);
        assert!(!err.to_model_json().to_string().contains("secret internals"));
    }

    fn plan(retries: u32, retry_safe: bool) -> Plan {
        Plan {
            timeout: Duration::from_secs(1),
            retries,
            retry_safe,
            budget: Duration::from_secs(60),
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(2),
        }
    }

    /// A timeout too large to add to a clock reading means no deadline, not a panic: the body
    /// runs, and a retryable failure is retried.
    #[tokio::test(start_paused = true)]
    async fn a_timeout_past_the_end_of_the_clock_never_panics() {
        let mut p = plan(1, true);
        p.timeout = Duration::MAX;
        p.budget = Duration::MAX;
        let ok = || attempt(Box::pin(async { Ok(serde_json::json!("done")) }));
        let (result, retries) =
            run_attempts(unavailable(), &p, |_| Ok(ok()), |_, _, _, _| {}, || false).await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(retries, 1);
    }

    fn hanging() -> Attempt<'static> {
        attempt(Box::pin(std::future::pending()))
    }

    fn unavailable() -> Attempt<'static> {
        attempt(Box::pin(async { Err(ToolError::unavailable("db down")) }))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_body_that_blocks_its_thread_is_answered_at_the_deadline() {
        // A blocking call inside an async body never yields: the deadline must be kept by
        // another worker, not by polling the body. (Without that, this test never ends.)
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let finished = Arc::new(AtomicBool::new(false));
        let done = finished.clone();
        let body: ToolFuture = Box::pin(async move {
            let _ = blocked.recv();
            done.store(true, Ordering::SeqCst);
            Ok(Value::Null)
        });
        let err = run(attempt(body), Duration::from_millis(50), Instant::now())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(
            !finished.load(Ordering::SeqCst),
            "answered while the body still blocked"
        );
        release.send(()).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_timed_out_body_keeps_its_slot_until_it_really_stops() {
        let bulkhead = Bulkhead::new(1);
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let body: ToolFuture = Box::pin(async move {
            let _ = stop_rx.recv();
            Ok(Value::Null)
        });
        let a = Attempt {
            body,
            cancel: Cow::Owned(CancellationToken::new()),
            lease: bulkhead.try_acquire().unwrap(),
        };
        let err = run(a, Duration::from_millis(50), Instant::now())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(
            bulkhead.try_acquire().unwrap_err().kind(),
            ErrorKind::Busy,
            "the blocked body still holds its slot"
        );
        stop_tx.send(()).unwrap();
        let mut freed = false;
        for _ in 0..200 {
            if bulkhead.in_flight() == 0 {
                freed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(freed, "the slot frees once the body returns");
    }

    /// On a current-thread runtime the first poll runs on the caller's task; a body that is not
    /// done by then goes on in its own task, woken by what it waits for.
    #[tokio::test(start_paused = true)]
    async fn a_body_pending_at_its_first_poll_finishes_in_its_own_task() {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let body: ToolFuture = Box::pin(async move {
            tokio::task::yield_now().await;
            let n = rx.await.unwrap_or(0);
            Ok(Value::from(n))
        });
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            tx.send(7)
        });
        let v = run(attempt(body), Duration::from_secs(5), Instant::now()).await;
        assert_eq!(v.unwrap(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_timeout_times_out_even_a_body_that_is_ready_at_once() {
        let body: ToolFuture = Box::pin(async { Ok(Value::from(1)) });
        let err = run(attempt(body), Duration::ZERO, Instant::now()).await;
        assert_eq!(err.unwrap_err().kind(), ErrorKind::Timeout);
    }

    #[tokio::test]
    async fn the_slot_is_held_in_the_first_poll_and_freed_after_it() {
        let bulkhead = Bulkhead::new(1);
        let body: ToolFuture =
            Box::pin(async { Ok(Value::from(crate::policy::bulkhead::current().is_some())) });
        let a = Attempt {
            body,
            cancel: Cow::Owned(CancellationToken::new()),
            lease: bulkhead.try_acquire().unwrap(),
        };
        let held = run(a, Duration::from_secs(5), Instant::now()).await;
        assert_eq!(
            held.unwrap(),
            Value::Bool(true),
            "the body's slot is in force"
        );
        assert_eq!(bulkhead.in_flight(), 0, "and freed once it is done");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_safe_timeouts_are_retried_until_success() {
        let (result, retries) = run_attempts(
            hanging(),
            &plan(2, true),
            |n| {
                Ok(if n < 2 {
                    hanging()
                } else {
                    attempt(Box::pin(async { Ok(Value::from(7)) }))
                })
            },
            |_, _, _, _| {},
            || false,
        )
        .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(retries, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timed_out_unsafe_call_is_outcome_unknown_and_never_retried() {
        let mut prepared = 0;
        let (result, retries) = run_attempts(
            hanging(),
            &plan(3, false),
            |_| {
                prepared += 1;
                Ok(hanging())
            },
            |_, _, _, _| {},
            || false,
        )
        .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::OutcomeUnknown);
        assert_eq!((retries, prepared), (0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_declared_count_and_when_the_breaker_opens() {
        let mut seen = Vec::new();
        let (result, retries) = run_attempts(
            unavailable(),
            &plan(2, true),
            |_| Ok(unavailable()),
            |n, _, _, again| seen.push((n, again)),
            || false,
        )
        .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Unavailable);
        assert_eq!(retries, 2);
        assert_eq!(seen, [(0, true), (1, true), (2, false)]);

        let (_, retries) = run_attempts(
            unavailable(),
            &plan(5, true),
            |_| Ok(unavailable()),
            |_, _, _, _| {},
            || true,
        )
        .await;
        assert_eq!(retries, 0, "an open breaker stops retries");
    }

    #[tokio::test(start_paused = true)]
    async fn retries_never_outlive_the_overall_deadline() {
        let start = Instant::now();
        let mut p = plan(100, true);
        p.budget = Duration::from_secs(3);
        let (result, _) =
            run_attempts(hanging(), &p, |_| Ok(hanging()), |_, _, _, _| {}, || false).await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Timeout);
        assert!(start.elapsed() <= Duration::from_secs(3));
    }

    #[test]
    fn full_jitter_stays_within_its_ceiling() {
        for attempt in 0..40 {
            let d = full_jitter(Duration::from_millis(100), Duration::from_secs(2), attempt);
            let ceiling =
                Duration::from_millis(100 * (1u64 << attempt.min(5))).min(Duration::from_secs(2));
            assert!(d <= ceiling, "{attempt}: {d:?} > {ceiling:?}");
        }
    }
}

//! A circuit breaker per tool, with resilience4j's semantics: CLOSED → OPEN when
//! `failure_threshold` of the last `window` calls failed (once `minimum_calls` were seen);
//! OPEN → HALF_OPEN on the first call after `open_for`; HALF_OPEN admits exactly
//! `half_open_permits` probes, closes when they all succeed and reopens on any failure.
//! Only infrastructure failures count; ignored outcomes (and dropped permits) release their
//! slot. Time comes from tokio's clock.
//!
//! One caller cannot open a breaker for everyone: failures a caller's input can trigger
//! (panics, timeouts) count at most `failure_threshold - 1` per principal, so they open the
//! breaker only when more than one principal sees them. `unavailable` — the tool reporting that
//! its own dependency is down — is infrastructure-shaped and counts in full whoever called.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::policy::{CallState, decision};
use crate::registry::{Registry, ToolEntry};
use crate::{ErrorKind, Principal, ToolError};

decision! {
    /// How the circuit breaker decided.
    pub enum BreakerDecision in circuit_breaker {
        /// Calls flow.
        Closed => "closed",
        /// The call is a probe of a breaker that was open.
        HalfOpen => "half_open",
        /// Refused: the tool is failing repeatedly.
        Open => "open",
    }
}

/// The policy: one breaker per registered tool, all with the same settings.
pub(crate) struct Breakers(Vec<CircuitBreaker>);

impl Breakers {
    pub(crate) fn new(registry: &Registry, config: &BreakerConfig) -> Self {
        Self(
            registry
                .iter()
                .map(|_| CircuitBreaker::new(config.clone()))
                .collect(),
        )
    }

    pub(crate) fn of(&self, entry: &ToolEntry) -> Option<&CircuitBreaker> {
        self.0.get(entry.index())
    }

    /// The policy's step: a permit for the call, or `circuit_open`. Settle the permit with the
    /// call's result ([`Breakers::settle`]).
    pub(crate) fn admit<'s>(
        &'s self,
        state: &CallState<'_>,
        entry: &ToolEntry,
    ) -> Result<Option<BreakerPermit<'s>>, ToolError> {
        let Some(breaker) = self.of(entry) else {
            return Ok(None);
        };
        match breaker.try_acquire() {
            Ok(permit) => {
                let decision = if permit.is_probe() {
                    BreakerDecision::HalfOpen
                } else {
                    BreakerDecision::Closed
                };
                state.decide(decision);
                Ok(Some(permit))
            }
            Err(open) => {
                state.decide(BreakerDecision::Open);
                Err(ToolError::new(
                    ErrorKind::CircuitOpen,
                    "this tool is failing repeatedly and is paused",
                )
                .with_suggestion("try again later or use another tool")
                .with_detail(
                    "retry_after_ms",
                    crate::policy::audit::millis(open.retry_after),
                ))
            }
        }
    }

    /// Tells the breaker how the call ended: only infrastructure failures count.
    pub(crate) fn settle(
        permit: Option<BreakerPermit<'_>>,
        principal: &Principal,
        result: &Result<serde_json::Value, ToolError>,
    ) {
        let Some(permit) = permit else { return };
        match result {
            Ok(_) => permit.success(),
            Err(e) if e.kind().is_infrastructure() => permit.failure(principal, e.kind()),
            Err(_) => permit.ignore(),
        }
    }
}

/// Breaker settings. Every count is at least one: a breaker that opens on zero failures, or
/// never lets a probe through, cannot be configured.
///
/// ```
/// use std::num::NonZeroU32;
/// use toolwright::BreakerConfig;
///
/// let strict = BreakerConfig { failure_threshold: NonZeroU32::MIN.saturating_add(1), ..Default::default() };
/// assert_eq!(strict.failure_threshold.get(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct BreakerConfig {
    /// Failures among the last `window` calls that open the breaker.
    pub failure_threshold: NonZeroU32,
    /// How many recent calls are remembered.
    pub window: NonZeroU32,
    /// Calls needed before the breaker may open.
    pub minimum_calls: NonZeroU32,
    /// How long the breaker stays open before it lets probes through.
    pub open_for: Duration,
    /// Probes admitted while half-open.
    pub half_open_permits: NonZeroU32,
}

impl Default for BreakerConfig {
    /// 5 failures of the last 20 calls (at least 5 seen) open it for 30 s; 1 probe.
    fn default() -> Self {
        const fn n(count: u32) -> NonZeroU32 {
            NonZeroU32::MIN.saturating_add(count - 1)
        }
        Self {
            failure_threshold: n(5),
            window: n(20),
            minimum_calls: n(5),
            open_for: Duration::from_secs(30),
            half_open_permits: NonZeroU32::MIN,
        }
    }
}

/// The breaker's state, as [`Executor::breaker_state`](crate::Executor::breaker_state) reports
/// it for a tool (for a health page or an alert).
///
/// ```
/// use std::num::NonZeroU32;
/// use toolwright::{
///     BreakerConfig, BreakerState, ErrorKind, Executor, Principal, Registry, ToolCall, ToolError, tool,
/// };
///
/// /// Read the current balance of the company's main bank account. Returns the balance in cents.
/// #[tool(read_only)]
/// async fn get_account_balance() -> Result<u64, ToolError> {
///     Err(ToolError::unavailable("the bank's API answered 503"))
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let two = NonZeroU32::new(2).unwrap();
/// let executor = Executor::builder(Registry::builder().tool(get_account_balance).build()?)
///     .circuit_breaker(BreakerConfig {
///         failure_threshold: two,
///         minimum_calls: two,
///         ..BreakerConfig::default()
///     })
///     .build();
/// assert_eq!(executor.breaker_state("get_account_balance"), Some(BreakerState::Closed));
///
/// let call = ToolCall::new("c1", "get_account_balance", "{}");
/// for _ in 0..2 {
///     executor.call(&Principal::anonymous(), &call).await;
/// }
/// assert_eq!(executor.breaker_state("get_account_balance"), Some(BreakerState::Open));
/// let paused = executor.call(&Principal::anonymous(), &call).await.outcome.unwrap_err();
/// assert_eq!(paused.kind(), ErrorKind::CircuitOpen);
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow; outcomes are counted.
    Closed,
    /// Calls are refused until the cool-down ends.
    Open,
    /// A limited number of probes decide whether to close again.
    HalfOpen,
}

/// A refused call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerOpen {
    /// When to try again.
    pub retry_after: Duration,
}

#[derive(Debug)]
enum State {
    Closed { recent: VecDeque<Outcome> },
    Open { until: Instant },
    HalfOpen { in_flight: u32, succeeded: u32 },
}

/// One counted call in the closed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Success,
    /// The tool reported its dependency down: counts whoever called.
    Unavailable,
    /// A failure the caller's input may have caused, by a hash of who called.
    Failure(u64),
}

/// What a finished call tells the breaker.
#[derive(Clone, Copy, Debug)]
enum Report {
    Ignore,
    Counted(Outcome),
}

#[derive(Debug)]
struct Inner {
    state: State,
    /// Bumped on every transition, so a permit from an earlier state records nothing.
    generation: u64,
}

/// A circuit breaker for one tool.
///
/// ```
/// use std::num::NonZeroU32;
/// use toolwright::policy::circuit_breaker::{BreakerConfig, BreakerState, CircuitBreaker};
/// use toolwright::{ErrorKind, Principal};
///
/// let two = NonZeroU32::new(2).unwrap();
/// let breaker = CircuitBreaker::new(BreakerConfig { failure_threshold: two, minimum_calls: two, ..Default::default() });
/// breaker.try_acquire().unwrap().failure(&Principal::anonymous(), ErrorKind::Unavailable);
/// breaker.try_acquire().unwrap().failure(&Principal::anonymous(), ErrorKind::Unavailable);
/// assert_eq!(breaker.state(), BreakerState::Open);
/// assert!(breaker.try_acquire().is_err());
/// ```
#[derive(Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    inner: Mutex<Inner>,
    /// The generation while closed, [`NOT_CLOSED`] otherwise: a closed breaker admits without
    /// its lock (written under the lock at every transition; a permit of a generation that
    /// has passed records nothing, as one taken under the lock).
    closed: AtomicU64,
}

/// [`CircuitBreaker::closed`] while the breaker is open or half-open.
const NOT_CLOSED: u64 = u64::MAX;

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            inner: Mutex::new(Inner {
                state: State::Closed {
                    recent: VecDeque::new(),
                },
                generation: 0,
            }),
            closed: AtomicU64::new(0),
            config,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current state (an open breaker whose cool-down ended reads as half-open).
    pub fn state(&self) -> BreakerState {
        match self.lock().state {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Admits a call, or refuses it while open (and while the half-open probes are taken).
    ///
    /// # Errors
    /// [`BreakerOpen`] with the time until the breaker may admit calls again.
    pub fn try_acquire(&self) -> Result<BreakerPermit<'_>, BreakerOpen> {
        let closed = self.closed.load(Ordering::Acquire);
        if closed != NOT_CLOSED {
            return Ok(BreakerPermit {
                breaker: self,
                generation: closed,
                half_open: false,
                done: false,
            });
        }
        let mut inner = self.lock();
        // The clock is read only while open: a closed breaker admits without it.
        if let State::Open { until } = inner.state {
            let now = Instant::now();
            if now < until {
                return Err(BreakerOpen {
                    retry_after: until - now,
                });
            }
            inner.state = State::HalfOpen {
                in_flight: 0,
                succeeded: 0,
            };
            inner.generation += 1;
        }
        let half_open = match &mut inner.state {
            State::Closed { .. } => false,
            State::HalfOpen {
                in_flight,
                succeeded,
            } => {
                if *in_flight + *succeeded >= self.config.half_open_permits.get() {
                    // Probes are out; their outcome decides. Ask again shortly.
                    return Err(BreakerOpen {
                        retry_after: Duration::from_secs(1),
                    });
                }
                *in_flight += 1;
                true
            }
            State::Open { .. } => unreachable!("handled above"),
        };
        Ok(BreakerPermit {
            breaker: self,
            generation: inner.generation,
            half_open,
            done: false,
        })
    }

    fn record(&self, generation: u64, half_open: bool, report: Report) {
        let outcome = match report {
            Report::Ignore => None,
            Report::Counted(o) => Some(o),
        };
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        let cfg = &self.config;
        // Read only when the breaker opens.
        let reopen = || State::Open {
            until: crate::policy::execute::later(Instant::now(), cfg.open_for),
        };
        let next = match (&mut inner.state, outcome) {
            (State::Closed { .. }, None) => None,
            (State::Closed { recent }, Some(outcome)) => {
                // Closed with the minimum seen means the failures were below the threshold; a
                // success adds none (and may push an old one out): no need to count them again.
                let settled = matches!(outcome, Outcome::Success)
                    && recent.len() as u32 >= cfg.minimum_calls.get();
                recent.push_back(outcome);
                while recent.len() > cfg.window.get() as usize {
                    recent.pop_front();
                }
                let open = !settled
                    && recent.len() as u32 >= cfg.minimum_calls.get()
                    && counted_failures(recent, cfg.failure_threshold.get())
                        >= cfg.failure_threshold.get();
                open.then(reopen)
            }
            (State::HalfOpen { in_flight, .. }, None) if half_open => {
                *in_flight = in_flight.saturating_sub(1);
                None
            }
            (
                State::HalfOpen {
                    in_flight,
                    succeeded,
                },
                Some(Outcome::Success),
            ) if half_open => {
                *in_flight = in_flight.saturating_sub(1);
                *succeeded += 1;
                (*succeeded >= cfg.half_open_permits.get()).then(|| State::Closed {
                    recent: VecDeque::new(),
                })
            }
            (State::HalfOpen { .. }, Some(_)) if half_open => Some(reopen()),
            _ => None,
        };
        if let Some(state) = next {
            let closed = matches!(state, State::Closed { .. });
            inner.state = state;
            inner.generation += 1;
            let generation = if closed { inner.generation } else { NOT_CLOSED };
            self.closed.store(generation, Ordering::Release);
        }
    }
}

/// Failures in the window, each principal's input-shaped failures counted at most
/// `threshold - 1` times.
fn counted_failures(recent: &VecDeque<Outcome>, threshold: u32) -> u32 {
    let mut per_principal: Vec<(u64, u32)> = Vec::new();
    let mut total = 0;
    for outcome in recent {
        match outcome {
            Outcome::Success => {}
            Outcome::Unavailable => total += 1,
            Outcome::Failure(who) => match per_principal.iter_mut().find(|(w, _)| w == who) {
                Some((_, n)) => *n += 1,
                None => per_principal.push((*who, 1)),
            },
        }
    }
    total
        + per_principal
            .iter()
            .map(|(_, n)| (*n).min(threshold - 1))
            .sum::<u32>()
}

/// A stable hash of who called (tenant and id).
fn principal_hash(p: &Principal) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (p.tenant(), p.id()).hash(&mut h);
    h.finish()
}

/// An admitted call. Record its outcome; dropping it records nothing (and frees a probe slot).
#[derive(Debug)]
pub struct BreakerPermit<'a> {
    breaker: &'a CircuitBreaker,
    generation: u64,
    half_open: bool,
    done: bool,
}

impl BreakerPermit<'_> {
    /// Whether this call is a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.half_open
    }

    /// The call succeeded.
    pub fn success(mut self) {
        self.finish(Report::Counted(Outcome::Success));
    }

    /// The call of `principal` failed for an infrastructure reason (`kind`: timeout, panic,
    /// unavailable, …). Only `unavailable` counts in full; the others count at most
    /// `failure_threshold - 1` times per principal.
    pub fn failure(mut self, principal: &Principal, kind: ErrorKind) {
        let outcome = if kind == ErrorKind::Unavailable {
            Outcome::Unavailable
        } else {
            Outcome::Failure(principal_hash(principal))
        };
        self.finish(Report::Counted(outcome));
    }

    /// The outcome says nothing about the tool's health (invalid arguments, a denial).
    pub fn ignore(mut self) {
        self.finish(Report::Ignore);
    }

    fn finish(&mut self, report: Report) {
        if !self.done {
            self.done = true;
            self.breaker.record(self.generation, self.half_open, report);
        }
    }
}

impl Drop for BreakerPermit<'_> {
    fn drop(&mut self) {
        self.finish(Report::Ignore);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anyone() -> Principal {
        Principal::anonymous()
    }

    proptest::proptest! {
        /// The breaker opens at exactly the call where the rule, counted afresh over the whole
        /// window after every call, says it must: the short cut for successes changes nothing.
        #[test]
        fn opens_exactly_when_the_window_rule_says(
            threshold in 1u32..5,
            window in 1u32..10,
            minimum in 1u32..10,
            calls in proptest::collection::vec(0u8..5, 0..40),
        ) {
            let n = |count| NonZeroU32::new(count).expect("at least one");
            let config = BreakerConfig {
                failure_threshold: n(threshold),
                window: n(window),
                minimum_calls: n(minimum),
                open_for: Duration::from_secs(30),
                half_open_permits: n(1),
            };
            let b = CircuitBreaker::new(config);
            let (alice, bob) = (Principal::new("alice"), Principal::new("bob"));
            let mut recent = VecDeque::new();
            for call in calls {
                let permit = b.try_acquire().expect("closed until the rule opens it");
                let outcome = match call {
                    0 => { permit.success(); Some(Outcome::Success) }
                    1 => { permit.failure(&alice, ErrorKind::Unavailable); Some(Outcome::Unavailable) }
                    2 => { permit.failure(&alice, ErrorKind::Timeout); Some(Outcome::Failure(principal_hash(&alice))) }
                    3 => { permit.failure(&bob, ErrorKind::Panicked); Some(Outcome::Failure(principal_hash(&bob))) }
                    _ => { permit.ignore(); None }
                };
                if let Some(outcome) = outcome {
                    recent.push_back(outcome);
                    while recent.len() > window as usize {
                        recent.pop_front();
                    }
                }
                let should_open = recent.len() as u32 >= minimum
                    && counted_failures(&recent, threshold) >= threshold;
                proptest::prop_assert_eq!(b.state() == BreakerState::Open, should_open);
                if should_open {
                    break;
                }
            }
        }
    }

    /// `times` calls through `b` by `who`, each failing with `kind`.
    fn fail(b: &CircuitBreaker, who: &Principal, kind: ErrorKind, times: usize) {
        for _ in 0..times {
            b.try_acquire().unwrap().failure(who, kind);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_principal_alone_cannot_open_it_with_input_shaped_failures() {
        let b = breaker();
        let mallory = Principal::new("mallory");
        fail(&b, &mallory, ErrorKind::Panicked, 20);
        assert_eq!(b.state(), BreakerState::Closed);
        // The same id in another tenant is another principal; with it the failures are
        // no longer one caller's doing.
        b.try_acquire().unwrap().failure(
            &Principal::new("mallory").with_tenant("acme"),
            ErrorKind::Timeout,
        );
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dependency_reported_down_counts_whoever_called() {
        let b = breaker();
        fail(&b, &Principal::new("alice"), ErrorKind::Unavailable, 5);
        assert_eq!(b.state(), BreakerState::Open);
    }
    use tokio::time::advance;

    fn breaker() -> CircuitBreaker {
        let n = |count| NonZeroU32::new(count).expect("a test count above zero");
        CircuitBreaker::new(BreakerConfig {
            failure_threshold: n(3),
            window: n(10),
            minimum_calls: n(5),
            open_for: Duration::from_secs(30),
            half_open_permits: n(2),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn opens_at_the_threshold_once_minimum_calls_are_seen() {
        let b = breaker();
        fail(&b, &anyone(), ErrorKind::Unavailable, 3);
        assert_eq!(
            b.state(),
            BreakerState::Closed,
            "3 failures but only 3 calls seen"
        );
        b.try_acquire().unwrap().success();
        assert_eq!(b.state(), BreakerState::Closed);
        b.try_acquire().unwrap().success();
        assert_eq!(b.state(), BreakerState::Open, "3 of 5 failed");
        assert_eq!(
            b.try_acquire().unwrap_err().retry_after,
            Duration::from_secs(30)
        );
        advance(Duration::from_secs(10)).await;
        assert_eq!(
            b.try_acquire().unwrap_err().retry_after,
            Duration::from_secs(20)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn ignored_outcomes_never_count() {
        let b = breaker();
        for _ in 0..50 {
            b.try_acquire().unwrap().ignore();
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    /// A breaker opened by five failures whose cool-down has just run out: its next calls
    /// are half-open probes.
    async fn half_open() -> CircuitBreaker {
        let b = breaker();
        fail(&b, &anyone(), ErrorKind::Unavailable, 5);
        assert_eq!(b.state(), BreakerState::Open);
        advance(Duration::from_secs(30)).await;
        b
    }

    #[tokio::test(start_paused = true)]
    async fn half_open_admits_exactly_the_probes_and_closes_when_they_succeed() {
        let b = half_open().await;
        let p1 = b.try_acquire().unwrap();
        let p2 = b.try_acquire().unwrap();
        assert!(b.try_acquire().is_err(), "only two probes");
        p1.success();
        assert!(b.try_acquire().is_err(), "a probe still decides");
        p2.success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.try_acquire().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_reopens_for_a_full_cool_down() {
        let b = half_open().await;
        let p = b.try_acquire().unwrap();
        let other = b.try_acquire().unwrap();
        p.failure(&anyone(), ErrorKind::Unavailable);
        assert_eq!(b.state(), BreakerState::Open);
        other.success(); // from the earlier half-open period: records nothing
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(
            b.try_acquire().unwrap_err().retry_after,
            Duration::from_secs(30)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_probe_frees_its_slot() {
        let b = half_open().await;
        let p1 = b.try_acquire().unwrap();
        let p2 = b.try_acquire().unwrap();
        drop(p1);
        let p3 = b.try_acquire().expect("slot freed");
        p2.success();
        p3.success();
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn old_failures_slide_out_of_the_window() {
        let b = breaker();
        fail(&b, &anyone(), ErrorKind::Unavailable, 2);
        for _ in 0..10 {
            b.try_acquire().unwrap().success();
        }
        fail(&b, &anyone(), ErrorKind::Unavailable, 2);
        assert_eq!(
            b.state(),
            BreakerState::Closed,
            "the first two failures left the window"
        );
        fail(&b, &anyone(), ErrorKind::Unavailable, 1);
        assert_eq!(b.state(), BreakerState::Open);
    }
}

//! Rate limits: GCRA (the algorithm `governor` implements) over one bounded, sharded table of
//! 64-bit keys, with time from tokio's clock so paused-clock tests are exact.
//!
//! Three scopes are checked in this order: per principal (all tools), per (principal, tool),
//! per tool (all principals). Quota is not refunded when a later scope refuses, so the order
//! matters: an abusive principal exhausts its own quotas before it can touch a tool's shared
//! one. Keys are 64-bit seeded foldhash values of the principal id and tool name (the seed is
//! random per process and no key is ever shown, so a caller cannot search for a name that
//! shares someone else's cell); an entry is 16 bytes of key and state. A key whose
//! state has decayed back to "never seen" is evicted losslessly; when the table is full of
//! active keys, new keys are refused as `Saturated` (fail closed) instead of growing memory.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::policy::{CallState, decision};
use crate::store::{Backend, Store, StoreError};
use crate::{ErrorKind, Principal, ToolError};

decision! {
    /// How the rate limits decided.
    pub enum RateLimitDecision in rate_limit {
        /// Within every limit.
        Allowed => "allowed",
        /// Over a limit.
        Limited => "limited",
        /// The key table is full of active callers.
        Saturated => "saturated",
        /// The shared store did not answer, so the call was refused (the default).
        Unavailable => "store_unavailable",
        /// The shared store did not answer and the executor was built to let calls through
        /// then (`fail_open_rate_limits`); never for a call that needs confirmation.
        FailedOpen => "failed_open",
    }
}

/// `count` calls per `per`, with bursts of up to `count`. A rate allows at least one call per
/// period: `count` is a [`NonZeroU32`], so "never" is not a rate (deny by permissions instead).
///
/// ```
/// use std::num::NonZeroU32;
/// use std::time::Duration;
/// use toolwright::Rate;
///
/// let rate: Rate = "30/min".parse().unwrap();
/// assert_eq!(rate, Rate::per_minute(30));
/// assert_eq!(rate, Rate { count: NonZeroU32::new(30).unwrap(), per: Duration::from_secs(60) });
/// assert!("lots".parse::<Rate>().is_err());
/// assert!("0/min".parse::<Rate>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Calls allowed per period (also the burst).
    pub count: NonZeroU32,
    /// The period (a zero period is read as one nanosecond: no limit to speak of).
    pub per: Duration,
}

impl Rate {
    /// `n` calls per second.
    ///
    /// # Panics
    /// When `n` is zero (at compile time in a `const`). A count that comes from outside the
    /// program is parsed instead (`"30/s".parse::<Rate>()`), which returns an error.
    pub const fn per_second(n: u32) -> Self {
        Self::per(n, Duration::from_secs(1))
    }

    /// `n` calls per minute.
    ///
    /// # Panics
    /// When `n` is zero, as [`Rate::per_second`].
    pub const fn per_minute(n: u32) -> Self {
        Self::per(n, Duration::from_secs(60))
    }

    /// `n` calls per hour.
    ///
    /// # Panics
    /// When `n` is zero, as [`Rate::per_second`].
    pub const fn per_hour(n: u32) -> Self {
        Self::per(n, Duration::from_secs(3600))
    }

    const fn per(n: u32, per: Duration) -> Self {
        match NonZeroU32::new(n) {
            Some(count) => Self { count, per },
            None => panic!(
                "a rate allows at least one call per period; deny the tool by permissions instead of a rate of 0"
            ),
        }
    }
}

/// Why a rate did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate {text:?}: {reason}; write calls per period, e.g. \"30/min\" (also /s, /h, /day)"
)]
pub struct RateParseError {
    text: String,
    reason: &'static str,
}

impl FromStr for Rate {
    type Err = RateParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rate = toolwright_grammar::rate(s).map_err(|e| RateParseError {
            text: s.to_owned(),
            reason: e.reason(),
        })?;
        Ok(Rate {
            count: rate.count,
            per: rate.per,
        })
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateDecision {
    /// Go ahead.
    Allowed,
    /// Over the limit: a call would be allowed after `retry_after`.
    Limited {
        /// How long until a call would be allowed.
        retry_after: Duration,
    },
    /// The key table is full of active keys: new callers wait until one decays.
    Saturated {
        /// How long until room is expected.
        retry_after: Duration,
    },
}

/// GCRA parameters in nanoseconds: emission interval and burst tolerance.
#[derive(Clone, Copy, Debug)]
struct Gcra {
    interval: u64,
    tolerance: u64,
}

impl From<Rate> for Gcra {
    fn from(rate: Rate) -> Self {
        let per = u64::try_from(rate.per.as_nanos()).unwrap_or(u64::MAX);
        let count = u64::from(rate.count.get());
        let interval = (per / count).max(1);
        Self {
            interval,
            tolerance: interval.saturating_mul(count - 1),
        }
    }
}

/// Keys are already uniformly distributed hashes: use them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

const SHARDS: usize = 64;

type Shard = HashMap<u64, u64, BuildHasherDefault<Identity>>;

/// A bounded, sharded GCRA table: key → theoretical arrival time (nanoseconds since `start`).
pub(crate) struct KeyedRateLimiter {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    start: Instant,
}

impl KeyedRateLimiter {
    /// A table holding at most about `max_keys` keys.
    pub fn new(max_keys: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard: max_keys.div_ceil(SHARDS).max(1),
            start: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        self.at(Instant::now())
    }

    /// `instant` on this table's clock (nanoseconds since it started).
    fn at(&self, instant: Instant) -> u64 {
        let since = instant.saturating_duration_since(self.start);
        // +1: a stored arrival time of 0 never means "now".
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Checks (and on success, counts) one call for `key` at `rate`.
    #[cfg(test)]
    fn check(&self, key: u64, rate: Rate) -> RateDecision {
        self.check_at(key, rate, self.now())
    }

    /// Checks (and on success, counts) one call for `key` at `rate`, at `now` (from
    /// [`KeyedRateLimiter::at`]): the limits of one call are checked at one instant, with one
    /// clock read.
    fn check_at(&self, key: u64, rate: Rate, now: u64) -> RateDecision {
        let gcra = Gcra::from(rate);
        let shard = &self.shards[(key as usize) % SHARDS];
        let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let stored = map.get(&key).copied();
        let tat = stored.unwrap_or(now).max(now);
        if tat - now > gcra.tolerance {
            return RateDecision::Limited {
                retry_after: Duration::from_nanos(tat - now - gcra.tolerance),
            };
        }
        if stored.is_none() && map.len() >= self.per_shard {
            // Keys back at "never seen" carry no information: drop them, then retry.
            map.retain(|_, t| *t > now);
            if map.len() >= self.per_shard {
                let soonest = map.values().copied().min().unwrap_or(now);
                return RateDecision::Saturated {
                    retry_after: Duration::from_nanos(soonest.saturating_sub(now).max(1)),
                };
            }
        }
        map.insert(key, tat + gcra.interval);
        RateDecision::Allowed
    }

    /// Drops every key whose state has decayed to "never seen" (lossless).
    pub fn evict_idle(&self) {
        let now = self.now();
        for shard in &self.shards {
            shard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|_, t| *t > now);
        }
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

/// Builds [`RateLimits`].
#[derive(Clone, Debug, Default)]
pub struct RateLimitsBuilder {
    // The executor's builder sets these four directly, as its own rate-limit settings.
    pub(crate) per_principal: Option<Rate>,
    pub(crate) per_principal_tool: Option<Rate>,
    pub(crate) per_tool: Option<Rate>,
    pub(crate) max_keys: Option<usize>,
    store: Store,
    fail_open: bool,
}

impl RateLimitsBuilder {
    crate::setters! {
        /// Every principal, across all tools.
        pub fn per_principal(rate: Rate) => per_principal = Some(rate);
        /// Each (principal, tool) pair for tools that declare no `rate_limit`.
        pub fn per_principal_tool(rate: Rate) => per_principal_tool = Some(rate);
        /// Each tool, across all principals.
        pub fn per_tool(rate: Rate) => per_tool = Some(rate);
        /// The most keys held at once (default 100 000).
        pub fn max_keys(max: usize) => max_keys = Some(max);
        /// Keeps the limits' state in `store` (default: in this process). With a shared store,
        /// `max_keys` does not apply: every cell expires in the store once it decays.
        pub fn store(store: impl Into<Store>) => store = store.into();
    }
    /// When the shared store cannot answer, lets calls that need no confirmation through
    /// instead of refusing them (the default is to refuse). The audit record says
    /// `failed_open`.
    #[must_use]
    pub fn fail_open(mut self) -> Self {
        self.fail_open = true;
        self
    }
    /// The limits.
    pub fn build(self) -> RateLimits {
        RateLimits {
            // With a shared store the table stays empty: a small one costs nothing.
            table: KeyedRateLimiter::new(if self.store.is_shared() {
                SHARDS
            } else {
                self.max_keys.unwrap_or(100_000)
            }),
            store: self.store,
            fail_open: self.fail_open,
            per_principal: self.per_principal,
            default_tool: self.per_principal_tool,
            per_tool: self.per_tool,
            declared: HashMap::default(),
            hasher: foldhash::quality::RandomState::default(),
        }
    }
}

/// The stack of limits the executor checks for each call.
pub struct RateLimits {
    table: KeyedRateLimiter,
    store: Store,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    fail_open: bool,
    per_principal: Option<Rate>,
    default_tool: Option<Rate>,
    per_tool: Option<Rate>,
    declared: HashMap<String, Rate, foldhash::quality::RandomState>,
    /// Seeded per process, so callers cannot choose names whose keys collide; faster than
    /// SipHash on these few short strings (`benches/rate_limiter.rs`: 100 → 60 ns a check).
    hasher: foldhash::quality::RandomState,
}

impl RateLimits {
    /// Starts a builder.
    pub fn builder() -> RateLimitsBuilder {
        RateLimitsBuilder::default()
    }

    /// Registers a tool's declared `rate_limit` (per principal on that tool).
    pub fn register_tool(&mut self, tool: &str, declared: Option<Rate>) {
        if let Some(rate) = declared {
            self.declared.insert(tool.to_owned(), rate);
        }
    }

    /// A principal is its id within its tenant: the same id in two tenants is two callers.
    fn key(&self, scope: u8, principal: Option<&Principal>, tool: Option<&str>) -> u64 {
        let mut h = self.hasher.build_hasher();
        scope.hash(&mut h);
        principal.map(|p| (p.tenant(), p.id())).hash(&mut h);
        tool.hash(&mut h);
        h.finish()
    }

    /// Checks the per-principal limit only: what a call to a tool that does not exist (or is
    /// hidden) costs, so probing names is not free.
    pub fn check_principal(&self, principal: &Principal) -> RateDecision {
        self.check_principal_at(principal, self.table.now())
    }

    fn check_principal_at(&self, principal: &Principal, now: u64) -> RateDecision {
        match self.per_principal {
            Some(rate) => self
                .table
                .check_at(self.key(0, Some(principal), None), rate, now),
            None => RateDecision::Allowed,
        }
    }

    /// Checks one call: per principal, then per (principal, tool), then per tool.
    pub fn check(&self, principal: &Principal, tool: &str) -> RateDecision {
        self.check_at(principal, tool, self.table.now())
    }

    fn check_at(&self, principal: &Principal, tool: &str, now: u64) -> RateDecision {
        let d = self.check_principal_at(principal, now);
        if d != RateDecision::Allowed {
            return d;
        }
        if let Some(rate) = self.declared.get(tool).copied().or(self.default_tool) {
            let d = self
                .table
                .check_at(self.key(1, Some(principal), Some(tool)), rate, now);
            if d != RateDecision::Allowed {
                return d;
            }
        }
        if let Some(rate) = self.per_tool {
            let d = self
                .table
                .check_at(self.key(2, None, Some(tool)), rate, now);
            if d != RateDecision::Allowed {
                return d;
            }
        }
        RateDecision::Allowed
    }

    /// Checks one call like [`RateLimits::check`], in the configured store: with a shared
    /// store, one script in the store checks and counts all three scopes on the store's clock.
    ///
    /// # Errors
    /// When the shared store cannot answer in time.
    pub async fn check_in_store(
        &self,
        principal: &Principal,
        tool: Option<&str>,
    ) -> Result<RateDecision, StoreError> {
        match &self.store.0 {
            Backend::Memory => Ok(match tool {
                Some(tool) => self.check(principal, tool),
                None => self.check_principal(principal),
            }),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => {
                let cells = self.cells(principal, tool);
                let refused = redis.check_rates(&cells).await?;
                Ok(refused.map_or(RateDecision::Allowed, |(_, retry_after)| {
                    RateDecision::Limited { retry_after }
                }))
            }
        }
    }

    /// The cells one call counts against, in checking order: key suffix, GCRA interval and
    /// tolerance in microseconds (the store's clock resolution).
    #[cfg(feature = "redis")]
    fn cells(&self, principal: &Principal, tool: Option<&str>) -> Vec<(String, u64, u64)> {
        let micros = |rate: Rate| {
            let g = Gcra::from(rate);
            ((g.interval / 1_000).max(1), g.tolerance / 1_000)
        };
        let who = crate::store::principal_key(principal);
        let mut cells = Vec::with_capacity(3);
        if let Some(rate) = self.per_principal {
            let (i, t) = micros(rate);
            cells.push((format!("0:{who}"), i, t));
        }
        if let Some(tool) = tool {
            if let Some(rate) = self.declared.get(tool).copied().or(self.default_tool) {
                let (i, t) = micros(rate);
                cells.push((format!("1:{who}{tool}"), i, t));
            }
            if let Some(rate) = self.per_tool {
                let (i, t) = micros(rate);
                cells.push((format!("2:{tool}"), i, t));
            }
        }
        cells
    }

    /// The policy's step: checks the call (only the caller's own limit when `tool` is `None`,
    /// a name that is missing or hidden) and records the decision. A call resumed from a
    /// ticket was counted when it was first made. When a shared store cannot answer, the call
    /// is refused as `unavailable`, unless the limits fail open and the call is not `critical`
    /// (it needs no human's confirmation).
    pub(crate) async fn admit(
        &self,
        state: &CallState<'_>,
        tool: Option<&str>,
        critical: bool,
    ) -> Result<(), ToolError> {
        if !state.is_fresh() {
            return Ok(());
        }
        // The in-memory check stays a plain function call: no future is polled for it.
        let decision = match &self.store.0 {
            // At the instant the call started: its one clock read serves every limit.
            Backend::Memory => match tool {
                Some(tool) => self.check_at(state.principal, tool, self.table.at(state.started)),
                None => self.check_principal_at(state.principal, self.table.at(state.started)),
            },
            #[cfg(feature = "redis")]
            Backend::Redis(_) => match self.check_in_store(state.principal, tool).await {
                Ok(decision) => decision,
                Err(e) if self.fail_open && !critical => {
                    tracing::warn!(error = %e, "rate limits failed open");
                    state.decide(RateLimitDecision::FailedOpen);
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "rate limits failed closed");
                    state.decide(RateLimitDecision::Unavailable);
                    return Err(e.to_tool_error("the rate limit could not be checked"));
                }
            },
        };
        let _ = critical;
        let (recorded, refusal) = match decision {
            RateDecision::Allowed => (RateLimitDecision::Allowed, None),
            RateDecision::Limited { retry_after } => (
                RateLimitDecision::Limited,
                Some((retry_after, "this tool's rate limit is reached")),
            ),
            RateDecision::Saturated { retry_after } => (
                RateLimitDecision::Saturated,
                Some((retry_after, "the service is handling too many callers")),
            ),
        };
        state.decide(recorded);
        match refusal {
            None => Ok(()),
            Some((retry_after, message)) => {
                let ms = crate::policy::audit::millis(retry_after).max(1);
                Err(ToolError::new(ErrorKind::RateLimited, message)
                    .with_suggestion(format!("wait {ms} ms before calling this tool again"))
                    .with_detail("retry_after_ms", ms))
            }
        }
    }

    /// The store the limits keep their state in.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Drops keys whose state decayed to "never seen".
    pub fn evict_idle(&self) {
        self.table.evict_idle();
    }

    /// How many keys are held.
    pub fn keys(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::advance;

    fn p(id: &str) -> Principal {
        Principal::new(id)
    }

    fn limited(d: &RateDecision) -> Option<Duration> {
        match d {
            RateDecision::Limited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn five_per_minute_refuses_the_sixth_for_exactly_twelve_seconds() {
        let t = KeyedRateLimiter::new(100);
        let rate = Rate::per_minute(5);
        for _ in 0..5 {
            assert_eq!(t.check(1, rate), RateDecision::Allowed);
        }
        assert_eq!(limited(&t.check(1, rate)), Some(Duration::from_secs(12)));
        advance(Duration::from_millis(11_999)).await;
        assert_eq!(limited(&t.check(1, rate)), Some(Duration::from_millis(1)));
        advance(Duration::from_millis(1)).await;
        assert_eq!(t.check(1, rate), RateDecision::Allowed);
        assert!(limited(&t.check(1, rate)).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_independent() {
        let t = KeyedRateLimiter::new(100);
        let rate = Rate::per_second(1);
        assert_eq!(t.check(1, rate), RateDecision::Allowed);
        assert!(limited(&t.check(1, rate)).is_some());
        assert_eq!(t.check(2, rate), RateDecision::Allowed);
    }

    #[tokio::test(start_paused = true)]
    async fn an_abusive_principal_exhausts_only_its_own_quota() {
        let limits = RateLimits::builder()
            .per_principal(Rate::per_minute(3))
            .per_tool(Rate::per_minute(10))
            .build();
        for _ in 0..3 {
            assert_eq!(limits.check(&p("mallory"), "search"), RateDecision::Allowed);
        }
        for _ in 0..100 {
            assert!(limited(&limits.check(&p("mallory"), "search")).is_some());
        }
        for who in ["a", "b", "c"] {
            assert_eq!(
                limits.check(&p(who), "search"),
                RateDecision::Allowed,
                "{who}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn declared_rates_apply_per_principal_and_tool() {
        let mut limits = RateLimits::builder().build();
        limits.register_tool("search", Some(Rate::per_minute(2)));
        assert_eq!(limits.check(&p("a"), "search"), RateDecision::Allowed);
        assert_eq!(limits.check(&p("a"), "search"), RateDecision::Allowed);
        assert_eq!(
            limited(&limits.check(&p("a"), "search")),
            Some(Duration::from_secs(30))
        );
        assert_eq!(limits.check(&p("b"), "search"), RateDecision::Allowed);
        assert_eq!(
            limits.check(&p("a"), "other"),
            RateDecision::Allowed,
            "undeclared tools are free"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_of_fresh_keys_stays_within_the_cap() {
        let t = KeyedRateLimiter::new(6400);
        let rate = Rate::per_minute(1);
        let mut saturated = 0;
        for key in 0..100_000u64 {
            let k = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            if matches!(t.check(k, rate), RateDecision::Saturated { .. }) {
                saturated += 1;
            }
        }
        assert!(t.len() <= 6400, "{}", t.len());
        assert!(saturated > 90_000);
        // Once their state decays, the keys go and room returns.
        advance(Duration::from_secs(60)).await;
        assert_eq!(t.check(12345, rate), RateDecision::Allowed);
        t.evict_idle();
        assert!(t.len() <= 1);
    }

    #[tokio::test(start_paused = true)]
    async fn existing_keys_keep_working_when_the_table_is_full() {
        let t = KeyedRateLimiter::new(64);
        let rate = Rate::per_second(100);
        let keys: Vec<u64> = (0..64u64).map(|k| k * SHARDS as u64).collect(); // all in shard 0
        assert_eq!(t.check(keys[0], rate), RateDecision::Allowed);
        assert!(matches!(
            t.check(keys[1], rate),
            RateDecision::Saturated { .. }
        ));
        assert_eq!(t.check(keys[0], rate), RateDecision::Allowed);
    }

    #[tokio::test(start_paused = true)]
    async fn the_same_user_id_in_two_tenants_has_two_quotas() {
        let limits = RateLimits::builder()
            .per_principal(Rate::per_minute(1))
            .build();
        let acme = Principal::new("bob").with_tenant("acme");
        let globex = Principal::new("bob").with_tenant("globex");
        assert_eq!(limits.check(&acme, "search"), RateDecision::Allowed);
        assert!(limited(&limits.check(&acme, "search")).is_some());
        assert_eq!(limits.check(&globex, "search"), RateDecision::Allowed);
        assert_eq!(limits.check(&p("bob"), "search"), RateDecision::Allowed);
    }

    #[test]
    fn rates_parse() {
        assert_eq!("5/s".parse::<Rate>().unwrap(), Rate::per_second(5));
        assert_eq!(" 100 / hour ".parse::<Rate>().unwrap(), Rate::per_hour(100));
        for bad in ["lots", "0/s", "5/fortnight", "-1/s", "/s"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// Between any two allowed calls of a key, at most `count` (the burst) plus one per
            /// emission interval elapsed were allowed: GCRA never over-admits.
            #[test]
            fn never_more_than_the_rate_allows(count in 1u32..6, steps in prop::collection::vec(0u64..3000, 1..60)) {
                let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
                rt.block_on(async {
                    let t = KeyedRateLimiter::new(10);
                    let rate = Rate::per_second(count);
                    let interval = Duration::from_secs(1) / count;
                    let start = Instant::now();
                    let mut allowed = Vec::new();
                    for ms in steps {
                        advance(Duration::from_millis(ms)).await;
                        if t.check(7, rate) == RateDecision::Allowed {
                            allowed.push(start.elapsed());
                        }
                    }
                    for i in 0..allowed.len() {
                        for j in i..allowed.len() {
                            let span = allowed[j] - allowed[i];
                            let budget = count as usize + (span.as_nanos() / interval.as_nanos()) as usize;
                            prop_assert!(j - i < budget, "{} calls in {span:?} > {budget}", j - i + 1);
                        }
                    }
                    Ok(())
                })?;
            }
        }
    }
}

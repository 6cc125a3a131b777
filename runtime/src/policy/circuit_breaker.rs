//! Circuit breaker (stub until the real one lands).

use std::time::Duration;

/// Breaker settings.
#[derive(Clone, Debug, Default)]
pub struct BreakerConfig;

/// Rejection while open.
#[derive(Debug)]
pub struct BreakerOpen {
    /// When to try again.
    pub retry_after: Duration,
}

/// Breaker state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow.
    Closed,
    /// Calls are rejected.
    Open,
    /// Probes are admitted.
    HalfOpen,
}

/// A per-tool breaker.
#[derive(Debug)]
pub struct CircuitBreaker;

impl CircuitBreaker {
    /// A breaker.
    pub fn new(_config: BreakerConfig) -> Self {
        Self
    }
    /// Admits a call.
    pub fn try_acquire(&self) -> Result<BreakerPermit<'_>, BreakerOpen> {
        Ok(BreakerPermit(self))
    }
    /// The state.
    pub fn state(&self) -> BreakerState {
        BreakerState::Closed
    }
}

/// An admitted call.
pub struct BreakerPermit<'a>(#[allow(dead_code)] &'a CircuitBreaker);

impl BreakerPermit<'_> {
    /// Success.
    pub fn success(self) {}
    /// Failure.
    pub fn failure(self) {}
    /// Neither.
    pub fn ignore(self) {}
}

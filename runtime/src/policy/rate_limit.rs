//! Rate limits (stub until the GCRA limiter lands): the `Rate` type and an always-allow stack.

use std::time::Duration;

/// `count` calls per `per`, e.g. `30/min`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Calls allowed per period (also the burst).
    pub count: u32,
    /// The period.
    pub per: Duration,
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateDecision {
    /// Go ahead.
    Allowed,
    /// Over the limit; retry after the wait.
    Limited {
        /// How long until a call would be allowed.
        retry_after: Duration,
    },
    /// The key table is full of active keys.
    Saturated {
        /// How long until room is expected.
        retry_after: Duration,
    },
}

/// The stack of limits the executor checks.
#[derive(Default)]
pub struct RateLimits;

/// Builds [`RateLimits`].
#[derive(Default)]
pub struct RateLimitsBuilder;

impl RateLimitsBuilder {
    /// Per principal.
    #[must_use]
    pub fn per_principal(self, _r: Rate) -> Self {
        self
    }
    /// Per tool.
    #[must_use]
    pub fn per_tool(self, _r: Rate) -> Self {
        self
    }
    /// Per (principal, tool).
    #[must_use]
    pub fn per_principal_tool(self, _r: Rate) -> Self {
        self
    }
    /// Key cap.
    #[must_use]
    pub fn max_keys(self, _n: usize) -> Self {
        self
    }
    /// Build.
    pub fn build(self) -> RateLimits {
        RateLimits
    }
}

impl RateLimits {
    /// A builder.
    pub fn builder() -> RateLimitsBuilder {
        RateLimitsBuilder
    }
    /// Registers a tool's declared rate.
    pub fn register_tool(&mut self, _tool: &str, _declared: Option<Rate>) {}
    /// Checks one call.
    pub fn check(&self, _principal: &str, _tool: &str) -> RateDecision {
        RateDecision::Allowed
    }
}

//! Rate limits (placeholder: the `Rate` type; the limiter lands with the executor).

use std::time::Duration;

/// `count` calls per `per`, e.g. `30/min`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Calls allowed per period (also the burst).
    pub count: u32,
    /// The period.
    pub per: Duration,
}

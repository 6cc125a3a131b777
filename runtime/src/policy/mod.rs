//! The executor's policies, one module each, applied in the order the executor lists them.

pub mod audit;
pub(crate) mod bulkhead;
pub mod circuit_breaker;
pub mod confirm;
pub mod execute;
pub mod limits;
pub mod permission;
pub mod rate_limit;

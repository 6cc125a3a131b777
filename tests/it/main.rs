//! The integration tests of toolwright, one binary (one link instead of sixteen): each module
//! tests one area at the public API; `support` holds the fixtures they share. A new area is a
//! new module here; feature-gated areas are gated on their `mod` line.

#[macro_use]
mod support;

mod agent;
mod audit_props;
#[cfg(feature = "clients")]
mod clients;
mod declare;
mod dynamic;
mod errors;
mod executor;
mod fuzz_guards;
#[cfg(feature = "mcp")]
mod fuzz_mcp;
mod fuzz_props;
mod layers;
#[cfg(feature = "mcp")]
mod mcp;
#[cfg(feature = "mcp")]
mod mcp_auth;
#[cfg(feature = "mcp")]
mod mcp_host;
#[cfg(feature = "mcp")]
mod mcp_mrtr;
#[cfg(feature = "mcp")]
mod mcp_security;
mod nested_props;
#[cfg(all(feature = "otel", feature = "mcp"))]
mod otel;
mod pattern_props;
mod pedantic;
#[cfg(feature = "clients")]
mod provider_turns;
mod providers;
mod readme;
mod red_team;
#[cfg(all(feature = "redis", feature = "mcp"))]
mod redis_replicas;
#[cfg(feature = "redis")]
mod redis_store;
mod validator_props;

//! Fuzz target bodies, shared with the stable property tests in `tests/fuzz_props.rs`,
//! `tests/fuzz_guards.rs` and `tests/fuzz_mcp.rs`.
#[path = "guards.rs"]
pub mod guards;
#[path = "mcp_lines.rs"]
pub mod mcp_lines;
#[path = "targets.rs"]
pub mod targets;

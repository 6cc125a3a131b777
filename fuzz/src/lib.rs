//! Fuzz target bodies, shared with the stable property tests in `tests/it/fuzz_props.rs`,
//! `tests/it/fuzz_guards.rs` and `tests/it/fuzz_mcp.rs`.
#[path = "guards.rs"]
pub mod guards;
#[path = "mcp_lines.rs"]
pub mod mcp_lines;
#[path = "targets.rs"]
pub mod targets;

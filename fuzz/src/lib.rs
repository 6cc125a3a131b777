//! Fuzz target bodies, shared with the stable property tests in `tests/fuzz_props.rs`.
#[path = "mcp_lines.rs"]
pub mod mcp_lines;
#[path = "targets.rs"]
pub mod targets;

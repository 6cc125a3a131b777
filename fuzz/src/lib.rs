//! Fuzz target bodies, shared with the stable property tests in `tests/fuzz_props.rs`.
#[path = "targets.rs"]
pub mod targets;
#[path = "mcp_lines.rs"]
pub mod mcp_lines;

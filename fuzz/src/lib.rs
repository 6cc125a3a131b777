//! Fuzz target bodies, shared with the stable property tests in `tests/fuzz_props.rs` and
//! `tests/fuzz_guards.rs`.
#[path = "targets.rs"]
pub mod targets;
#[path = "guards.rs"]
pub mod guards;

//! Compile-time diagnostics of `#[tool]` and `#[tools]`: `tests/ui/fail/*.rs` must fail with the
//! reviewed `.stderr` next to each, `tests/ui/pass/*.rs` must compile. No code lives here.

//! The description rules live in the plain crate `toolwright-lint` (shared with the runtime and
//! the `toolwright lint` CLI); this module names it for the rest of the macro crate.

pub use toolwright_lint::*;

//! Compile-time diagnostics, pinned by reviewed `.stderr` snapshots (`TRYBUILD=overwrite`
//! regenerates them).

#[test]
fn diagnostics() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}

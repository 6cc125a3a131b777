//! The README's getting-started program is `examples/getting_started.rs`, word for word, so the
//! code a new user copies is the code CI compiles and runs.

#[test]
fn the_readme_getting_started_program_is_the_example_verbatim() {
    let readme = include_str!("../../README.md");
    let example = include_str!("../../examples/getting_started.rs");
    // The example's first lines are its module doc; the README shows the program from `use`.
    let program = &example[example.find("use ").expect("the example has imports")..];
    assert!(
        readme.contains(&format!("```rust\n{program}```")),
        "README.md's getting-started block differs from examples/getting_started.rs; paste the \
         example (from its first `use`) into the README"
    );
}

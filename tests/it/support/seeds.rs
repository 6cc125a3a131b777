//! Replays the seeds committed under `fuzz/corpus/TARGET/` (the inputs that mattered, crashes
//! the fuzzer once found among them) through a target's body on stable.

/// Runs every committed seed of `target` through `run`; there must be at least one.
pub fn replay_committed(target: &str, run: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for seed in std::fs::read_dir(&dir).expect("committed seeds") {
        run(&std::fs::read(seed.expect("a seed").path()).expect("a readable seed"));
        count += 1;
    }
    assert!(count > 0, "no seeds for {target}");
}

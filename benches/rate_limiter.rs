//! The rate limiter against `governor`'s keyed limiter, in the same run: nanoseconds per check
//! over 10 000 keys, and the memory one million distinct principals take (printed, from RSS).
//!
//! `cargo bench --bench rate_limiter`

use std::hint::black_box;
use std::num::NonZeroU32;

use criterion::{Criterion, criterion_group, criterion_main};
use governor::{Quota, RateLimiter};
use toolwright::Rate;
use toolwright::policy::rate_limit::RateLimits;

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<usize>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user-{i:08}")).collect()
}

fn principals(n: usize) -> Vec<toolwright::Principal> {
    keys(n)
        .into_iter()
        .map(toolwright::Principal::new)
        .collect()
}

fn bench_checks(c: &mut Criterion) {
    let ids = keys(10_000);
    let who = principals(10_000);
    let ours = RateLimits::builder()
        .per_principal(Rate::per_second(1_000_000))
        .max_keys(2_000_000)
        .build();
    let theirs = RateLimiter::keyed(Quota::per_second(NonZeroU32::new(1_000_000).unwrap()));
    let mut g = c.benchmark_group("rate_limit/check_10k_keys");
    let mut i = 0usize;
    g.bench_function("toolwright", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            black_box(ours.check(black_box(&who[i]), "tool"))
        });
    });
    let mut j = 0usize;
    g.bench_function("governor keyed (DashMap)", |b| {
        b.iter(|| {
            j = (j + 1) % ids.len();
            black_box(theirs.check_key(black_box(&ids[j])).is_ok())
        });
    });
    g.finish();
}

/// Not timed: memory for one million distinct principals, each limiter in a fresh state.
fn report_memory(_: &mut Criterion) {
    const N: usize = 1_000_000;
    let ids = principals(N);
    let names = keys(N);
    let before = rss_bytes();
    let ours = RateLimits::builder()
        .per_principal(Rate::per_minute(10))
        .max_keys(N + N / 10)
        .build();
    for id in &ids {
        black_box(ours.check(id, "tool"));
    }
    let after = rss_bytes();
    let held = ours.keys();
    eprintln!(
        "rate_limit/memory_1M_keys toolwright: {held} keys, {:.1} MiB, {:.0} bytes per key",
        (after.saturating_sub(before)) as f64 / 1048576.0,
        (after.saturating_sub(before)) as f64 / held.max(1) as f64
    );
    drop(ours);
    let before = rss_bytes();
    let theirs = RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(10).unwrap()));
    for name in &names {
        black_box(theirs.check_key(name).is_ok());
    }
    let after = rss_bytes();
    eprintln!(
        "rate_limit/memory_1M_keys governor: {} keys, {:.1} MiB, {:.0} bytes per key",
        theirs.len(),
        (after.saturating_sub(before)) as f64 / 1048576.0,
        (after.saturating_sub(before)) as f64 / theirs.len().max(1) as f64
    );
}

criterion_group!(benches, bench_checks, report_memory);
criterion_main!(benches);

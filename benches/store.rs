//! The shared store's cost, in one run against its baselines: one rate-limit check in Redis vs
//! in memory vs `governor`; whole calls (every policy) per second through two executors
//! ("replicas") sharing one Redis on loopback vs one in-memory executor, at 1, 8 and 64
//! concurrent callers; and the Redis memory one principal's rate-limit cells take (`INFO
//! memory` before and after 100 000 principals, extrapolated linearly to one million; printed).
//!
//! `TOOLWRIGHT_REDIS_URL=redis://127.0.0.1:6379/ cargo bench --features redis,mcp --bench store`
//! (without the variable it prints why and measures nothing).

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::future::join_all;
use governor::{Quota, RateLimiter};
use toolwright::policy::rate_limit::RateLimits;
use toolwright::store::RedisStore;
use toolwright::{Executor, Principal, Rate, Registry, ToolCall, tool};

/// Search the company knowledge base for articles matching a query.
/// Returns the matching article titles.
#[tool(read_only)]
async fn search_knowledge_base(
    /// Search query, e.g. "refund policy"
    query: String,
) -> Vec<String> {
    vec![query]
}

fn url() -> Option<String> {
    let url = std::env::var("TOOLWRIGHT_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("benches/store: TOOLWRIGHT_REDIS_URL is not set; nothing measured");
    }
    url
}

fn prefix(what: &str) -> String {
    format!("twbench:{what}:{}", std::process::id())
}

fn store(url: &str, what: &str) -> RedisStore {
    RedisStore::builder(url)
        .prefix(prefix(what))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn limits() -> toolwright::policy::rate_limit::RateLimitsBuilder {
    RateLimits::builder()
        .per_principal(Rate::per_second(1_000_000))
        .per_principal_tool(Rate::per_second(1_000_000))
        .per_tool(Rate::per_second(1_000_000))
}

fn principals(n: usize) -> Vec<Principal> {
    (0..n)
        .map(|i| Principal::new(format!("user-{i:08}")))
        .collect()
}

fn bench_check(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let who = principals(10_000);
    let ids: Vec<String> = (0..10_000).map(|i| format!("user-{i:08}")).collect();
    let memory = limits().max_keys(100_000).build();
    let redis = rt.block_on(async { limits().store(store(&url, "check")).build() });
    let governor = RateLimiter::keyed(Quota::per_second(NonZeroU32::new(1_000_000).unwrap()));
    let mut g = c.benchmark_group("store/rate_limit_check_3_scopes");
    let mut i = 0usize;
    g.bench_function("in-memory", |b| {
        b.iter(|| {
            i = (i + 1) % who.len();
            black_box(memory.check(black_box(&who[i]), "search"))
        });
    });
    let mut j = 0usize;
    g.bench_function("governor keyed (1 scope)", |b| {
        b.iter(|| {
            j = (j + 1) % ids.len();
            black_box(governor.check_key(black_box(&ids[j])).is_ok())
        });
    });
    let mut k = 0usize;
    g.bench_function("redis (1 script, loopback)", |b| {
        b.to_async(&rt).iter(|| {
            k = (k + 1) % who.len();
            let p = &who[k];
            let redis = &redis;
            async move { black_box(redis.check_in_store(p, Some("search")).await.unwrap()) }
        });
    });
    // The floor a Redis-backed check is measured against: one round trip that does nothing.
    let conn = rt.block_on(async {
        redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    });
    g.bench_function("redis PING (one round trip)", |b| {
        b.to_async(&rt).iter(|| {
            let mut conn = conn.clone();
            async move {
                let pong: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
                black_box(pong)
            }
        });
    });
    g.finish();
}

fn executor(store: Option<RedisStore>) -> Executor {
    let registry = Registry::builder()
        .tool(search_knowledge_base)
        .build()
        .unwrap();
    let mut b = Executor::builder(registry)
        .rate_limit_per_principal(Rate::per_second(1_000_000))
        .default_tool_rate_limit(Rate::per_second(1_000_000))
        .rate_limit_per_tool(Rate::per_second(1_000_000))
        // The bench measures the store, not the bulkhead (default 32 running bodies per tool).
        .max_concurrent_calls(256);
    if let Some(store) = store {
        b = b.store(store);
    }
    b.build()
}

/// `callers` concurrent calls per iteration, alternating between the executors.
fn bench_calls(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let who = principals(1_000);
    let call = ToolCall::new("c", "search_knowledge_base", r#"{"query":"refunds"}"#);
    let memory = [executor(None)];
    let replicas = rt.block_on(async {
        [
            executor(Some(store(&url, "calls"))),
            executor(Some(store(&url, "calls"))),
        ]
    });
    let mut g = c.benchmark_group("store/calls");
    for callers in [1usize, 8, 64] {
        g.throughput(criterion::Throughput::Elements(callers as u64));
        for (name, executors) in [
            ("in-memory, 1 executor", &memory[..]),
            ("redis, 2 replicas", &replicas[..]),
        ] {
            g.bench_function(format!("{name}/{callers} callers"), |b| {
                let mut n = 0usize;
                b.to_async(&rt).iter(|| {
                    n = n.wrapping_add(callers);
                    let base = n;
                    let batch: Vec<_> = (0..callers)
                        .map(|i| {
                            let e = &executors[i % executors.len()];
                            let p = &who[(base + i) % who.len()];
                            let call = &call;
                            async move { e.call(p, call).await }
                        })
                        .collect();
                    async move {
                        for r in join_all(batch).await {
                            assert!(!r.is_error(), "{:?}", r.error());
                        }
                    }
                });
            });
        }
    }
    g.finish();
}

/// Not timed by criterion: Redis memory per principal (one per-principal and one
/// per-(principal, tool) cell each), from `INFO memory`.
fn report_memory(_: &mut Criterion) {
    const N: usize = 100_000;
    let Some(url) = url() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut conn = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let used = |info: String| {
            info.lines()
                .find_map(|l| l.strip_prefix("used_memory:"))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        let limits = RateLimits::builder()
            .per_principal(Rate::per_minute(10))
            .per_principal_tool(Rate::per_minute(10))
            .store(store(&url, "memory"))
            .build();
        let who = principals(N);
        let before: String = redis::cmd("INFO").arg("memory").query_async(&mut conn).await.unwrap();
        let started = Instant::now();
        for chunk in who.chunks(256) {
            let checks = chunk.iter().map(|p| limits.check_in_store(p, Some("search")));
            for r in join_all(checks).await {
                r.unwrap();
            }
        }
        let took = started.elapsed();
        let after: String = redis::cmd("INFO").arg("memory").query_async(&mut conn).await.unwrap();
        let grown = used(after).saturating_sub(used(before));
        eprintln!(
            "store/redis_memory: {N} principals (2 cells each) took {:.1} MiB in Redis, {:.0} bytes per principal, \
             ~{:.0} MiB per 1M principals (linear extrapolation); filled in {:.1} s ({:.0} checks/s, 256 in flight)",
            grown as f64 / 1048576.0,
            grown as f64 / N as f64,
            grown as f64 * (1_000_000 / N) as f64 / 1048576.0,
            took.as_secs_f64(),
            N as f64 / took.as_secs_f64()
        );
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench_check, bench_calls, report_memory
}
criterion_main!(benches);

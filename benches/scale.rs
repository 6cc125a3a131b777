//! How the registry and executor scale: lookup and call among 10 to 10 000 tools, export of
//! 100 tools to each provider format, and concurrent calls on the multi-threaded runtime.
//!
//! `cargo bench --bench scale`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use toolwright::decl::ToolDecl;
use toolwright::providers::{anthropic, gemini, mcp, openai, openai_responses};
use toolwright::{Executor, Principal, Registry, Tool, ToolCall};

#[path = "support/renamed.rs"]
mod renamed;
use renamed::{Renamed, lookup_customer_record};

fn registry(n: usize) -> Registry {
    let base = lookup_customer_record.decl();
    let mut b = Registry::builder();
    for i in 0..n {
        let name: &'static str = Box::leak(format!("lookup_customer_record_{i}").into_boxed_str());
        let decl: &'static ToolDecl = Box::leak(Box::new(ToolDecl {
            name,
            ..clone_decl(base)
        }));
        b = b.tool(Renamed { decl });
    }
    b.build().expect("registry")
}

fn clone_decl(d: &'static ToolDecl) -> ToolDecl {
    ToolDecl {
        name: d.name,
        description: d.description,
        params: d.params,
        policy: d.policy,
        input_schema: d.input_schema,
        output_schema: d.output_schema,
    }
}

fn bench_registry_size(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let p = Principal::anonymous();
    let mut g = c.benchmark_group("scale/registry_size");
    for n in [10usize, 100, 1_000, 10_000] {
        let ex = Executor::new(registry(n));
        let name = format!("lookup_customer_record_{}", n / 2);
        g.bench_with_input(BenchmarkId::new("lookup", n), &name, |b, name| {
            b.iter(|| black_box(ex.registry().get(black_box(name)).is_some()));
        });
        let call = ToolCall::new("c", name.clone(), r#"{"id":"cus_1"}"#);
        g.bench_with_input(BenchmarkId::new("call", n), &call, |b, call| {
            b.to_async(&rt)
                .iter(|| async { black_box(ex.call(&p, call).await) });
        });
    }
    g.finish();
}

fn bench_export(c: &mut Criterion) {
    let r = registry(100);
    let mut g = c.benchmark_group("scale/export_100_tools");
    g.bench_function("openai", |b| b.iter(|| black_box(openai::export(r.iter()))));
    g.bench_function("openai-responses", |b| {
        b.iter(|| black_box(openai_responses::export(r.iter())))
    });
    g.bench_function("anthropic", |b| {
        b.iter(|| black_box(anthropic::export(r.iter())))
    });
    g.bench_function("gemini", |b| b.iter(|| black_box(gemini::export(r.iter()))));
    g.bench_function("mcp", |b| b.iter(|| black_box(mcp::export(r.iter()))));
    g.finish();
}

fn bench_concurrency(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let ex = Arc::new(Executor::new(registry(100)));
    const CALLS: usize = 256;
    let mut g = c.benchmark_group("scale/concurrent_calls");
    g.throughput(Throughput::Elements(CALLS as u64));
    for tasks in [1usize, 8, 64] {
        g.bench_with_input(BenchmarkId::from_parameter(tasks), &tasks, |b, &tasks| {
            b.to_async(&rt).iter(|| {
                let ex = ex.clone();
                async move {
                    let handles: Vec<_> = (0..tasks)
                        .map(|t| {
                            let ex = ex.clone();
                            tokio::spawn(async move {
                                let p = Principal::new(format!("p{t}"));
                                for i in 0..CALLS / tasks {
                                    let call = ToolCall::new(
                                        "c",
                                        format!("lookup_customer_record_{}", (t + i) % 100),
                                        r#"{"id":"cus_1"}"#,
                                    );
                                    black_box(ex.call(&p, &call).await);
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        let _ = h.await;
                    }
                }
            });
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_registry_size,
    bench_export,
    bench_concurrency
);
criterion_main!(benches);

//! Registries too big to send whole: what a turn costs when every tool's schema is exported
//! (the baseline) against a search plus the export of the few tools it found, at 10, 1 000
//! and 10 000 tools; and what building the index costs once.
//!
//! `cargo bench --bench tool_search`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use toolwright::decl::{PolicyDecl, ToolDecl};
use toolwright::providers::openai_responses;
use toolwright::providers::search::ToolIndex;
use toolwright::{Principal, Registry, Tool, ToolEntry};

#[path = "support/renamed.rs"]
mod renamed;
use renamed::{Renamed, lookup_customer_record};

const NOUNS: &[&str] = &[
    "order",
    "refund",
    "invoice",
    "customer",
    "ticket",
    "shipment",
    "coupon",
    "account",
    "report",
    "subscription",
    "payment",
    "address",
    "review",
    "warehouse",
    "supplier",
];
const VERBS: &[&str] = &[
    "look up", "list", "update", "cancel", "export", "archive", "create",
];

/// `n` tools with varied descriptions; every other one needs `billing:write`.
fn registry(n: usize) -> Registry {
    let base = lookup_customer_record.decl();
    let mut b = Registry::builder();
    for i in 0..n {
        let verb = VERBS[i % VERBS.len()];
        let noun = NOUNS[(i / VERBS.len()) % NOUNS.len()];
        let other = NOUNS[(i * 7 + 3) % NOUNS.len()];
        let name: &'static str =
            Box::leak(format!("{}_{noun}_{i}", verb.replace(' ', "_")).into_boxed_str());
        let description: &'static str = Box::leak(
            format!("{verb} a {noun} linked to a {other} in system {i}. Returns the {noun}.")
                .into_boxed_str(),
        );
        let permissions: &'static [&'static str] =
            if i % 2 == 0 { &[] } else { &["billing:write"] };
        let decl: &'static ToolDecl = Box::leak(Box::new(ToolDecl {
            name,
            description,
            params: base.params,
            policy: PolicyDecl {
                permissions,
                ..base.policy
            },
            input_schema: base.input_schema,
            output_schema: base.output_schema,
        }));
        b = b.tool(Renamed { decl });
    }
    b.build().expect("registry")
}

fn bench(c: &mut Criterion) {
    let principal = Principal::new("support-agent");
    let mut g = c.benchmark_group("tool_search");
    g.sample_size(20);
    for n in [10usize, 1_000, 10_000] {
        let registry = registry(n);
        let index = ToolIndex::new(registry.clone());
        let scoped: Vec<&ToolEntry> = registry.scoped(&principal).collect();

        // Baseline: every tool the principal may use, exported each turn.
        g.bench_with_input(BenchmarkId::new("export_all", n), &scoped, |b, scoped| {
            b.iter(|| black_box(openai_responses::export(scoped.iter().copied())));
        });
        // Instead: one search, then the export of what it found.
        g.bench_with_input(
            BenchmarkId::new("search_and_export_found", n),
            &index,
            |b, index| {
                b.iter(|| {
                    let found =
                        index.search(&principal, black_box("cancel a refund for an order"), 5);
                    black_box(openai_responses::export(found))
                });
            },
        );
        g.bench_with_input(BenchmarkId::new("search", n), &index, |b, index| {
            b.iter(|| {
                black_box(index.search(&principal, black_box("cancel a refund for an order"), 5))
            });
        });
        g.bench_with_input(
            BenchmarkId::new("build_index", n),
            &registry,
            |b, registry| {
                b.iter(|| black_box(ToolIndex::new(registry.clone())));
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

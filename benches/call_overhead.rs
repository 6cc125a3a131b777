//! What the executor's safety costs per call, against the floor measured in the same run:
//! `serde_json::from_str` into the argument struct plus a direct call of the function.
//!
//! `cargo bench --bench call_overhead`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use toolwright::policy::layer::{Position, from_fn};
use toolwright::{
    Executor, ExecutorBuilder, MemorySink, Principal, Rate, Registry, ToolCall, ToolError, tool,
};

/// Look up a customer record by id in the CRM. Returns the record's display name.
#[tool(permissions = ["crm:read"], read_only)]
async fn lookup_customer_record(
    /// Customer id, e.g. "cus_1042"
    #[arg(min_len = 1, max_len = 64)]
    id: String,
    /// How many recent orders to include, 0 to 50
    #[arg(range = 0..=50)]
    orders: u32,
    /// Whether to include archived records, e.g. false
    archived: bool,
) -> Result<String, ToolError> {
    Ok(format!("{id}:{orders}:{archived}"))
}

/// Store a note of up to 20 000 characters on a customer record. Returns the stored length.
#[tool(permissions = ["crm:write"])]
async fn store_customer_note(
    /// Customer id, e.g. "cus_1042"
    #[arg(min_len = 1, max_len = 64)]
    id: String,
    /// The note text, up to 20 000 characters
    #[arg(max_len = 20_000)]
    text: String,
    /// Tag for the note, e.g. "billing"
    tag: String,
) -> Result<usize, ToolError> {
    Ok(id.len() + text.len() + tag.len())
}

// The floor: the same argument structs, parsed by serde and called directly.
#[derive(Deserialize)]
struct SmallArgs {
    id: String,
    orders: u32,
    archived: bool,
}

#[derive(Deserialize)]
struct LargeArgs {
    id: String,
    text: String,
    tag: String,
}

fn small_json() -> String {
    r#"{"id":"cus_1042","orders":12,"archived":false}"#.to_owned()
}

fn large_json() -> String {
    let text: String = "Customer called about a late refund; promised a callback. ".repeat(200);
    serde_json::json!({"id": "cus_1042", "text": &text[..10_000], "tag": "billing"}).to_string()
}

fn registry() -> Registry {
    Registry::builder()
        .tool(lookup_customer_record)
        .tool(store_customer_note)
        .build()
        .expect("registry")
}

fn bench_calls(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bare = Executor::new(registry());
    let every_policy = || {
        Executor::builder(registry())
            .rate_limit_per_principal(Rate::per_second(u32::MAX))
            .default_tool_rate_limit(Rate::per_second(u32::MAX))
            .audit(MemorySink::bounded(1024))
    };
    let guarded = every_policy().build();
    // One pass-through user layer at every position: what the extension point costs when
    // the layers do nothing.
    let layered = [
        Position::BeforeValidation,
        Position::BeforeConfirmation,
        Position::OnResult,
        Position::AroundExecution,
    ]
    .into_iter()
    .fold(every_policy(), |b: ExecutorBuilder, position| {
        b.layer(position, from_fn("pass", |request, next| next.run(request)))
    })
    .build();
    let admin = Principal::new("bench").grant_all(["crm:read", "crm:write"]);

    for (size, name, json) in [
        ("small", "lookup_customer_record", small_json()),
        ("10KB", "store_customer_note", large_json()),
    ] {
        let mut g = c.benchmark_group(format!("call/{size}"));
        let call = ToolCall::new("call_1", name, json.clone());
        g.bench_function("floor: serde + direct call", |b| {
            b.to_async(&rt).iter(|| async {
                if size == "small" {
                    let a: SmallArgs = serde_json::from_str(black_box(&json)).unwrap();
                    let out = lookup_customer_record(a.id, a.orders, a.archived)
                        .await
                        .unwrap();
                    black_box(serde_json::to_value(out).unwrap())
                } else {
                    let a: LargeArgs = serde_json::from_str(black_box(&json)).unwrap();
                    let out = store_customer_note(a.id, a.text, a.tag).await.unwrap();
                    black_box(serde_json::to_value(out).unwrap())
                }
            });
        });
        g.bench_function(
            "executor: defaults (permission, validation, breaker, timeout)",
            |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(bare.call(&admin, black_box(&call)).await) });
            },
        );
        g.bench_function(
            "executor: every policy (+ rate limits, audit to memory)",
            |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(guarded.call(&admin, black_box(&call)).await) });
            },
        );
        g.bench_function("executor: every policy + 4 empty user layers", |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(layered.call(&admin, black_box(&call)).await) });
        });
        g.finish();
    }
}

criterion_group!(benches, bench_calls);
criterion_main!(benches);

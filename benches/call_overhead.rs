//! What the executor's safety costs per call, against the floor measured in the same run:
//! `serde_json::from_str` into the argument struct plus a direct call of the function.
//!
//! Every call, the floor's too, is made from inside a task, as a server's request handler or an
//! agent loop makes it. (Called straight from `block_on`, a current-thread runtime also polls
//! its I/O driver, one `epoll_wait`, each time the body's task is scheduled.)
//!
//! `cargo bench --bench call_overhead`

use std::hint::black_box;

#[path = "support/minimal.rs"]
mod minimal;

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

/// Whether `s` has `min..=max` characters, as `#[arg(min_len, max_len)]` counts them; counted
/// only when its length in bytes does not settle it (a character is 1 to 4 bytes).
fn chars_within(s: &str, min: usize, max: usize) -> bool {
    if s.len() <= max && s.len() >= min.saturating_mul(4) {
        return true;
    }
    (min..=max).contains(&s.chars().count())
}

/// One call through the policies written by hand ([`minimal`]): admitted, validated as the
/// tools' `#[arg]`s declare, called, its output made JSON, audited; the call id comes back
/// with the output.
async fn by_hand(
    policies: &minimal::Policies,
    caller: &minimal::Caller,
    call_id: &str,
    tool: &'static str,
    json: &str,
) -> Result<(String, serde_json::Value), &'static str> {
    let (_, began) = policies.admit(caller, tool)?;
    let output = if tool == "lookup_customer_record" {
        let a: SmallArgs = serde_json::from_str(json).map_err(|_| "invalid arguments")?;
        if !chars_within(&a.id, 1, 64) || a.orders > 50 {
            return Err("invalid arguments");
        }
        lookup_customer_record(a.id, a.orders, a.archived)
            .await
            .and_then(|out| Ok(serde_json::to_value(out)?))
    } else {
        let a: LargeArgs = serde_json::from_str(json).map_err(|_| "invalid arguments")?;
        if !chars_within(&a.id, 1, 64) || !chars_within(&a.text, 0, 20_000) {
            return Err("invalid arguments");
        }
        store_customer_note(a.id, a.text, a.tag)
            .await
            .and_then(|out| Ok(serde_json::to_value(out)?))
    };
    policies.record(caller, call_id, tool, json, output.is_ok(), began);
    output
        .map(|value| (call_id.to_owned(), value))
        .map_err(|_| "the tool failed")
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

/// Times `iters` evaluations of `body` inside one task on `rt`; the listed variables are cloned
/// into the task. The loop is the same for the floor and the executor, with no boxing.
macro_rules! in_task {
    ($rt:expr, $iters:expr, |$($v:ident),*| $body:expr) => {{
        $(let $v = $v.clone();)*
        let iters = $iters;
        $rt.block_on($rt.spawn(async move {
            let start = std::time::Instant::now();
            for _ in 0..iters {
                black_box($body);
            }
            start.elapsed()
        }))
        .expect("the bench task")
    }};
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
    let policies = std::sync::Arc::new(minimal::Policies::new(
        &[
            ("lookup_customer_record", "crm:read"),
            ("store_customer_note", "crm:write"),
        ],
        1024,
    ));
    let caller = std::sync::Arc::new(minimal::Caller {
        id: "bench".to_owned(),
        permissions: ["crm:read", "crm:write"]
            .map(String::from)
            .into_iter()
            .collect(),
    });

    for (size, name, json) in [
        ("small", "lookup_customer_record", small_json()),
        ("10KB", "store_customer_note", large_json()),
    ] {
        let mut g = c.benchmark_group(format!("call/{size}"));
        let call = ToolCall::new("call_1", name, json.clone());
        g.bench_function("floor: serde + direct call", |b| {
            b.iter_custom(|iters| {
                in_task!(rt, iters, |json| if size == "small" {
                    let a: SmallArgs = serde_json::from_str(black_box(&json)).unwrap();
                    let out = lookup_customer_record(a.id, a.orders, a.archived)
                        .await
                        .unwrap();
                    serde_json::to_value(out).unwrap()
                } else {
                    let a: LargeArgs = serde_json::from_str(black_box(&json)).unwrap();
                    let out = store_customer_note(a.id, a.text, a.tag).await.unwrap();
                    serde_json::to_value(out).unwrap()
                })
            });
        });
        g.bench_function("by hand: every policy, minimal (support/minimal.rs)", |b| {
            b.iter_custom(|iters| {
                in_task!(rt, iters, |policies, caller, json| by_hand(
                    &policies,
                    &caller,
                    "call_1",
                    name,
                    black_box(&json)
                )
                .await
                .unwrap())
            });
        });
        for (label, executor) in [
            (
                "executor: defaults (permission, validation, breaker, timeout)",
                &bare,
            ),
            (
                "executor: every policy (+ rate limits, audit to memory)",
                &guarded,
            ),
            ("executor: every policy + 4 empty user layers", &layered),
        ] {
            g.bench_function(label, |b| {
                b.iter_custom(|iters| {
                    in_task!(rt, iters, |executor, admin, call| executor
                        .call(&admin, black_box(&call))
                        .await)
                });
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench_calls);
criterion_main!(benches);

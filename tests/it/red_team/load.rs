//! Load: 10,000 concurrent calls from 1,000 principals, mixed tools, some failing, some rate
//! limited. Every call gets exactly one outcome and exactly one final audit record, and the
//! executor's per-call state is gone afterwards.

use std::collections::HashSet;

use toolwright::{Executor, MemorySink, Principal, Rate, Registry, ToolCall, ToolError, tool};

/// Look up a customer's loyalty tier by customer number. Returns the tier name.
#[tool(read_only, rate_limit = "5/min")]
async fn get_loyalty_tier(
    /// Customer number, 1 to 99999
    #[arg(range = 1..=99_999)]
    customer: u32,
) -> &'static str {
    tokio::task::yield_now().await;
    if customer.is_multiple_of(2) {
        "gold"
    } else {
        "silver"
    }
}

/// Charge a stored card for a small amount; fails for odd amounts in this test.
/// Returns the charge id.
#[tool(read_only)]
async fn charge_stored_card(
    /// Amount in cents, 1 to 10000
    #[arg(range = 1..=10_000)]
    cents: u32,
) -> Result<String, ToolError> {
    if !cents.is_multiple_of(2) {
        Err(ToolError::unavailable("payment gateway 503"))
    } else {
        Ok(format!("ch_{cents}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_each_get_one_outcome_and_one_final_record() {
    let audit = MemorySink::new();
    let ex = Executor::builder(
        Registry::builder()
            .tool(get_loyalty_tier)
            .tool(charge_stored_card)
            .build()
            .unwrap(),
    )
    .audit(audit.clone())
    .rate_limit_per_tool(Rate::per_second(1_000_000))
    .max_rate_limit_keys(100_000)
    .build();
    let mut tasks = Vec::new();
    for i in 0..10_000u32 {
        let ex = ex.clone();
        tasks.push(tokio::spawn(async move {
            let p = Principal::new(format!("user-{}", i % 1_000));
            let call = match i % 4 {
                0 => ToolCall::new(
                    format!("c{i}"),
                    "get_loyalty_tier",
                    format!(r#"{{"customer":{}}}"#, i % 100 + 1),
                ),
                1 => ToolCall::new(
                    format!("c{i}"),
                    "charge_stored_card",
                    format!(r#"{{"cents":{}}}"#, i % 50 + 1),
                ),
                2 => ToolCall::new(format!("c{i}"), "get_loyalty_tier", r#"{"customer":0}"#),
                _ => ToolCall::new(format!("c{i}"), "no_such_tool", "{}"),
            };
            ex.call(&p, &call).await
        }));
    }
    let mut ids = HashSet::new();
    let mut limited = 0;
    for t in tasks {
        let r = t.await.expect("no call panicked the runtime");
        assert!(ids.insert(r.call_id.clone()), "one outcome per call");
        if r.error()
            .is_some_and(|e| e.kind() == toolwright::ErrorKind::RateLimited)
        {
            limited += 1;
        }
    }
    assert_eq!(ids.len(), 10_000);
    assert!(limited > 0, "some calls were rate limited");
    let finals: Vec<_> = audit
        .records()
        .into_iter()
        .filter(|r| r.final_record)
        .collect();
    assert_eq!(finals.len(), 10_000, "exactly one final record per call");
    let unique: HashSet<_> = finals.iter().map(|r| r.call_id.clone()).collect();
    assert_eq!(unique.len(), 10_000);
    assert_eq!(ex.pending_confirmations(), 0);
}

/// After a flood of fresh principals, per-caller state returns to empty once it decays.
#[tokio::test(start_paused = true)]
async fn per_caller_state_returns_to_baseline_after_a_flood() {
    let ex = Executor::builder(Registry::builder().tool(get_loyalty_tier).build().unwrap())
        .rate_limit_per_principal(Rate::per_minute(60))
        .max_rate_limit_keys(5_000)
        .build();
    assert_eq!(ex.rate_limit_keys(), 0);
    for i in 0..20_000u32 {
        let p = Principal::new(format!("fresh-{i}"));
        let _ = ex
            .call(
                &p,
                &ToolCall::new("c", "get_loyalty_tier", r#"{"customer":1}"#),
            )
            .await;
    }
    assert!(
        ex.rate_limit_keys() <= 5_000 + 64,
        "bounded: {}",
        ex.rate_limit_keys()
    );
    tokio::time::advance(std::time::Duration::from_secs(61)).await;
    ex.evict_idle_rate_limit_keys();
    assert_eq!(ex.rate_limit_keys(), 0, "back to baseline");
    assert_eq!(ex.pending_confirmations(), 0);
}

//! The executor's policies, proven at the public API with tokio's paused clock.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;
use toolwright::policy::permission::PermissionDecision;
use toolwright::policy::validation::ValidationDecision;
use toolwright::{
    AlwaysDeny, AutoApprove, Decision, ErrorKind, Executor, MemorySink, Principal, Registry,
    ToolCall, ToolContext, ToolError, tool,
};

use crate::support::{Probe, admin, delete_document};

/// Wait for the upstream inventory service, which never answers in these tests.
/// Returns the number of units in stock.
#[tool(read_only, timeout = "2s")]
async fn query_stalled_inventory(ctx: &ToolContext) -> Result<u32, ToolError> {
    let probe = ctx.state::<Arc<Probe>>()?.clone();
    ctx.cancellation().cancelled().await;
    probe.cancelled.fetch_add(1, Ordering::SeqCst);
    std::future::pending().await
}

/// Fetch the exchange rate between two currencies from the flaky upstream rates service.
/// Returns the rate as a decimal number.
#[tool(read_only, idempotent, retries = 2, timeout = "1s")]
async fn fetch_exchange_rate(
    /// ISO 4217 code of the currency to convert from, e.g. "EUR"
    #[arg(pattern = "^[A-Z]{3}$")]
    from: String,
    /// ISO 4217 code of the currency to convert to, e.g. "USD"
    #[arg(pattern = "^[A-Z]{3}$")]
    to: String,
    ctx: &ToolContext,
) -> Result<f64, ToolError> {
    let _ = (from, to);
    let n = ctx
        .state::<Arc<Probe>>()?
        .rate_attempts
        .fetch_add(1, Ordering::SeqCst);
    if ctx.attempt() < 2 {
        Err(ToolError::unavailable(format!(
            "rates service returned 503 (attempt {n})"
        )))
    } else {
        Ok(1.08)
    }
}

/// Charge a customer's card through the payment provider, which hangs in these tests.
/// Returns the charge id.
#[tool(permissions = ["payments:write"], timeout = "1s", retries = 0)]
async fn charge_customer_card(
    /// Amount to charge in cents, e.g. 1999 for 19.99
    #[arg(range = 1..=1_000_000)]
    amount_cents: u64,
    ctx: &ToolContext,
) -> Result<String, ToolError> {
    let _ = amount_cents;
    ctx.state::<Arc<Probe>>()?
        .charges
        .fetch_add(1, Ordering::SeqCst);
    std::future::pending().await
}

/// Compute a checksum with a buggy legacy routine that panics on every input.
/// Returns the checksum as an integer.
#[tool(read_only)]
fn compute_legacy_checksum(
    /// Text to checksum, any UTF-8 string
    text: String,
) -> u32 {
    panic!("legacy routine exploded on {text}")
}

/// Export the whole audit archive as one text blob, far larger than any model needs.
/// Returns the archive text.
#[tool(read_only)]
async fn export_audit_archive() -> String {
    "x".repeat(5 << 20)
}

/// Store a credential for the mail integration in the vault.
/// Returns the vault entry id of the stored credential.
#[tool(permissions = ["vault:write"])]
async fn store_mail_credential(
    /// Account name the credential belongs to, e.g. "support@example.com"
    account: String,
    /// The password of that account; redacted in audit records
    #[arg(secret, min_len = 8)]
    password: String,
) -> Result<String, ToolError> {
    let _ = password;
    Ok(format!("vault/{account}"))
}

/// Ping the status endpoint of the billing service. Returns "ok" when it answers.
#[tool(read_only, rate_limit = "5/min")]
async fn ping_billing_service() -> &'static str {
    "ok"
}

/// Look up an invoice in the billing database, which is down in these tests.
/// Returns the invoice total in cents.
#[tool(read_only)]
async fn get_invoice_total(
    /// Invoice number, e.g. 2024-0042
    #[arg(pattern = "^[0-9]{4}-[0-9]{4}$")]
    invoice: String,
) -> Result<u64, ToolError> {
    let _ = invoice;
    Err(ToolError::unavailable(
        "billing database connection refused",
    ))
}

struct Fixture {
    probe: Arc<Probe>,
    audit: MemorySink,
}

fn registry(probe: &Arc<Probe>) -> Registry {
    Registry::builder()
        .tool(delete_document)
        .tool(query_stalled_inventory)
        .tool(fetch_exchange_rate)
        .tool(charge_customer_card)
        .tool(compute_legacy_checksum)
        .tool(export_audit_archive)
        .tool(store_mail_credential)
        .tool(ping_billing_service)
        .tool(get_invoice_total)
        .state(probe.clone())
        .build()
        .expect("registry")
}

fn setup(
    configure: impl FnOnce(toolwright::ExecutorBuilder) -> toolwright::ExecutorBuilder,
) -> (Executor, Fixture) {
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::new();
    let ex = configure(Executor::builder(registry(&probe)).audit(audit.clone())).build();
    (ex, Fixture { probe, audit })
}

fn call(name: &str, args: &str) -> ToolCall {
    ToolCall::new("call_1", name, args)
}

// ---- confirmation -------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn destructive_call_is_denied_when_no_confirmer_is_configured() {
    let (ex, fx) = setup(|b| b);
    let r = ex
        .call(&admin(), &call("delete_document", r#"{"id":"kb-1"}"#))
        .await;
    assert_kind!(r, Denied);
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn destructive_call_waits_for_approval() {
    let (ex, fx) = setup(|b| b.confirmer(AutoApprove));
    let r = ex
        .call(&admin(), &call("delete_document", r#"{"id":"kb-1"}"#))
        .await;
    assert_eq!(r.outcome.unwrap(), "kb-1");
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 1);

    let (ex, fx) = setup(|b| b.confirmer(AlwaysDeny("not today".into())));
    let r = ex
        .call(&admin(), &call("delete_document", r#"{"id":"kb-1"}"#))
        .await;
    let err = r.error().unwrap();
    assert_kind!(err, Denied);
    assert!(err.message().contains("not today"));
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_confirmer_that_never_answers_denies_after_its_timeout() {
    struct Silent;
    impl toolwright::Confirmer for Silent {
        fn confirm<'a>(
            &'a self,
            _: &'a toolwright::ConfirmationRequest,
        ) -> toolwright::BoxFuture<'a, Decision> {
            Box::pin(std::future::pending())
        }
    }
    let (ex, fx) = setup(|b| {
        b.confirmer(Silent)
            .confirmation_timeout(Duration::from_secs(30))
    });
    let start = tokio::time::Instant::now();
    let r = ex
        .call(&admin(), &call("delete_document", r#"{"id":"kb-1"}"#))
        .await;
    assert_kind!(r, Denied);
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn confirmation_request_shows_redacted_arguments() {
    struct Capture(std::sync::Mutex<Vec<serde_json::Value>>);
    impl toolwright::Confirmer for Capture {
        fn confirm<'a>(
            &'a self,
            req: &'a toolwright::ConfirmationRequest,
        ) -> toolwright::BoxFuture<'a, Decision> {
            self.0.lock().unwrap().push(req.arguments.clone());
            Box::pin(async { Decision::Approve })
        }
    }
    let cap = Arc::new(Capture(std::sync::Mutex::new(Vec::new())));
    struct Shared(Arc<Capture>);
    impl toolwright::Confirmer for Shared {
        fn confirm<'a>(
            &'a self,
            req: &'a toolwright::ConfirmationRequest,
        ) -> toolwright::BoxFuture<'a, Decision> {
            self.0.confirm(req)
        }
    }
    let (ex, _) = setup(|b| {
        b.confirmer(Shared(cap.clone()))
            .require_confirmation("store_mail_credential")
    });
    let r = ex
        .call(
            &admin(),
            &call(
                "store_mail_credential",
                r#"{"account":"a@b.c","password":"hunter2hunter2"}"#,
            ),
        )
        .await;
    assert!(r.outcome.is_ok());
    assert_eq!(
        cap.0.lock().unwrap()[0],
        json!({"account": "a@b.c", "password": "[REDACTED]"})
    );
}

fn ticket_of(r: &toolwright::ToolResult) -> String {
    let err = r.error().expect("pending");
    assert_kind!(err, ConfirmationRequired);
    err.details()["ticket"].as_str().unwrap().to_owned()
}

#[tokio::test(start_paused = true)]
async fn a_ticket_runs_the_call_once_after_approval() {
    let (ex, fx) = setup(|b| b.confirmation_tickets(Duration::from_secs(300)));
    let alice = Principal::new("alice").grant("kb:write");
    let r = ex
        .call(&alice, &call("delete_document", r#"{"id":"kb-7"}"#))
        .await;
    let ticket = ticket_of(&r);
    assert_eq!(
        fx.probe.deletes.load(Ordering::SeqCst),
        0,
        "nothing runs before approval"
    );
    assert_eq!(ex.pending_confirmations(), 1);

    // The model retrying the call gets a new ticket; nothing runs.
    let again = ex
        .call(&alice, &call("delete_document", r#"{"id":"kb-7"}"#))
        .await;
    assert_ne!(ticket_of(&again), ticket);
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);

    let r = ex.resume(&alice, &ticket, Decision::Approve).await;
    assert_eq!(r.outcome.unwrap(), "kb-7");
    assert_eq!(r.call_id, "call_1");
    let r = ex.resume(&alice, &ticket, Decision::Approve).await;
    assert_eq!(
        r.error().unwrap().kind(),
        ErrorKind::Denied,
        "a ticket is single use"
    );
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn pending_tickets_hold_at_most_the_configured_argument_bytes() {
    // 13 bytes a ticket (`{"id":"kb-1"}`): two fit under 30, a third does not; the count
    // bound, set afterwards, leaves the byte bound as it was.
    let (ex, fx) = setup(|b| {
        b.confirmation_tickets(Duration::from_secs(60))
            .max_pending_confirmation_bytes(30)
            .max_pending_confirmations(100, 100)
    });
    let delete = |n: u32| call("delete_document", &format!(r#"{{"id":"kb-{n}"}}"#));
    let alice = Principal::new("alice").grant("kb:write");
    let bob = Principal::new("bob").grant("kb:write");
    let first = ticket_of(&ex.call(&alice, &delete(1)).await);
    ticket_of(&ex.call(&bob, &delete(2)).await);
    let full = ex.call(&alice, &delete(3)).await;
    assert_kind!(full, Denied);
    assert!(
        full.error().unwrap().message().contains("too many"),
        "{full:?}"
    );
    // A decided ticket gives its bytes back; so does an expired one.
    assert_kind!(
        ex.resume(&alice, &first, Decision::deny("no")).await,
        Denied
    );
    ticket_of(&ex.call(&alice, &delete(4)).await);
    assert_kind!(ex.call(&bob, &delete(5)).await, Denied);
    tokio::time::advance(Duration::from_secs(61)).await;
    ticket_of(&ex.call(&alice, &delete(6)).await);
    ticket_of(&ex.call(&bob, &delete(7)).await);
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0, "nothing ran");
}

#[tokio::test(start_paused = true)]
async fn no_ticket_path_runs_the_body_without_approval() {
    let (ex, fx) = setup(|b| b.confirmation_tickets(Duration::from_secs(60)));
    let alice = Principal::new("alice").grant("kb:write");
    let mallory = Principal::new("mallory").grant("kb:write");
    let fresh = |ex: &Executor| {
        let ex = ex.clone();
        let alice = alice.clone();
        async move {
            ticket_of(
                &ex.call(&alice, &call("delete_document", r#"{"id":"kb-1"}"#))
                    .await,
            )
        }
    };

    // denied by the human
    let t = fresh(&ex).await;
    assert_kind!(ex.resume(&alice, &t, Decision::deny("no")).await, Denied);
    assert_kind!(ex.resume(&alice, &t, Decision::Approve).await, Denied);

    // another principal
    let t = fresh(&ex).await;
    assert_kind!(ex.resume(&mallory, &t, Decision::Approve).await, Denied);

    // changed arguments
    let changed = call("delete_document", r#"{"id":"kb-2"}"#);
    assert_kind!(
        ex.resume_call(&alice, &t, &changed, Decision::Approve)
            .await,
        Denied
    );
    assert_kind!(ex.resume(&alice, &t, Decision::Approve).await, Denied);

    // expired
    let t = fresh(&ex).await;
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_kind!(ex.resume(&alice, &t, Decision::Approve).await, Denied);

    // unknown / forged
    assert_kind!(
        ex.resume(&alice, "tkt_0000", Decision::Approve).await,
        Denied
    );
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);

    // the same arguments in another key order are the same call
    let t = fresh(&ex).await;
    let same = ToolCall::with_json("x", "delete_document", json!({"id": "kb-1"}));
    assert!(
        ex.resume_call(&alice, &t, &same, Decision::Approve)
            .await
            .outcome
            .is_ok()
    );
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_resumes_run_the_body_exactly_once() {
    let (ex, fx) = setup(|b| b.confirmation_tickets(Duration::from_secs(60)));
    let alice = Principal::new("alice").grant("kb:write");
    let t = ticket_of(
        &ex.call(&alice, &call("delete_document", r#"{"id":"kb-1"}"#))
            .await,
    );
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (ex, alice, t) = (ex.clone(), alice.clone(), t.clone());
            tokio::spawn(async move {
                ex.resume(&alice, &t, Decision::Approve)
                    .await
                    .outcome
                    .is_ok()
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap());
    }
    assert_eq!(ok, 1);
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_principal_that_lost_the_permission_cannot_resume() {
    let (ex, fx) = setup(|b| b.confirmation_tickets(Duration::from_secs(60)));
    let alice = Principal::new("alice").grant("kb:write");
    let t = ticket_of(
        &ex.call(&alice, &call("delete_document", r#"{"id":"kb-1"}"#))
            .await,
    );
    let demoted = Principal::new("alice");
    let r = ex.resume(&demoted, &t, Decision::Approve).await;
    assert_kind!(r, UnknownTool);
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);
}

// ---- execution ----------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_hanging_tool_times_out_at_its_declared_deadline_and_is_told_to_stop() {
    let (ex, fx) = setup(|b| b);
    let start = tokio::time::Instant::now();
    let r = ex
        .call(&admin(), &call("query_stalled_inventory", "{}"))
        .await;
    assert_kind!(r, Timeout);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    // Answered at the deadline; the body's token fired at once, so a cooperative tool winds
    // down; one that ignores it is aborted after a short grace.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        fx.probe.cancelled.load(Ordering::SeqCst),
        1,
        "the body was told to stop at the deadline"
    );
    assert_eq!(ex.running_calls("query_stalled_inventory"), Some(1));
    tokio::time::sleep(Duration::from_secs(1)).await;
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        ex.running_calls("query_stalled_inventory"),
        Some(0),
        "a body that ignores its token is aborted after the grace"
    );
}

#[tokio::test(start_paused = true)]
async fn retryable_errors_of_idempotent_tools_are_retried_with_backoff() {
    let (ex, fx) = setup(|b| b);
    let r = ex
        .call(
            &admin(),
            &call("fetch_exchange_rate", r#"{"from":"EUR","to":"USD"}"#),
        )
        .await;
    assert_eq!(r.outcome.unwrap(), json!(1.08));
    assert_eq!(fx.probe.rate_attempts.load(Ordering::SeqCst), 3);
    let records = fx.audit.records();
    let attempts: Vec<_> = records
        .iter()
        .map(|r| (r.attempt, r.final_record, r.outcome.as_str()))
        .collect();
    assert_eq!(
        attempts,
        [
            (0, false, "unavailable"),
            (1, false, "unavailable"),
            (0, true, "ok")
        ]
    );
    assert_eq!(records[2].retries, 2);
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_non_idempotent_call_is_outcome_unknown_and_not_retried() {
    let (ex, fx) = setup(|b| b);
    let r = ex
        .call(
            &admin(),
            &call("charge_customer_card", r#"{"amount_cents": 1999}"#),
        )
        .await;
    assert_kind!(r, OutcomeUnknown);
    assert_eq!(fx.probe.charges.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_tool_is_reported_and_the_executor_keeps_serving() {
    let (ex, _) = setup(|b| b);
    let r = ex
        .call(
            &admin(),
            &call("compute_legacy_checksum", r#"{"text":"abc"}"#),
        )
        .await;
    let err = r.error().unwrap();
    assert_kind!(err, Panicked);
    assert!(
        !r.to_model_json().to_string().contains("exploded"),
        "panic text stays internal"
    );
    let r = ex
        .call(
            &admin(),
            &call("fetch_exchange_rate", r#"{"from":"EUR","to":"USD"}"#),
        )
        .await;
    assert!(r.outcome.is_ok());
}

#[tokio::test(start_paused = true)]
async fn output_over_the_cap_is_refused() {
    let (ex, _) = setup(|b| b);
    let r = ex.call(&admin(), &call("export_audit_archive", "{}")).await;
    assert_kind!(r, OutputTooLarge);
}

#[tokio::test(start_paused = true)]
async fn arguments_over_the_caps_are_refused_before_parsing() {
    let (ex, _) = setup(|b| b);
    let deep = format!("{{\"text\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let r = ex
        .call(&admin(), &call("compute_legacy_checksum", &deep))
        .await;
    assert_kind!(r, InvalidArguments);
    let huge = format!("{{\"text\":\"{}\"}}", "a".repeat(2 << 20));
    let r = ex
        .call(&admin(), &call("compute_legacy_checksum", &huge))
        .await;
    assert_kind!(r, InvalidArguments);
}

// ---- audit --------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn every_call_has_one_final_audit_record_with_secrets_redacted() {
    let (ex, fx) = setup(|b| b.redact_key("account"));
    let secret = "correct-horse-battery-staple";
    let args = format!(r#"{{"account":"ops@example.com","password":"{secret}"}}"#);
    ex.call(&admin(), &call("store_mail_credential", &args))
        .await;
    ex.call(
        &Principal::new("nobody"),
        &call("store_mail_credential", &args),
    )
    .await;
    ex.call(
        &admin(),
        &call(
            "store_mail_credential",
            r#"{"account":"x","password":"short"}"#,
        ),
    )
    .await;
    let records = fx.audit.records();
    assert_eq!(records.iter().filter(|r| r.final_record).count(), 3);
    let text = fx.audit.to_jsonl();
    assert!(!text.contains(secret), "{text}");
    assert!(
        !text.contains("ops@example.com"),
        "configured keys are redacted too"
    );
    assert_eq!(records[0].arguments.to_value()["password"], "[REDACTED]");
    assert_eq!(
        records[0].decisions.permission,
        Some(PermissionDecision::Allowed)
    );
    assert_eq!(
        records[1].decisions.permission,
        Some(PermissionDecision::UnknownTool)
    );
    assert_eq!(records[1].outcome, "unknown_tool");
    assert_eq!(
        records[2].decisions.validation,
        Some(ValidationDecision::Invalid)
    );
    // Records spell each decision as before.
    assert!(text.contains(r#""permission":"unknown_tool""#), "{text}");
}

// ---- rate limits and breaker ----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_declared_rate_limit_refuses_the_sixth_call_for_exactly_twelve_seconds() {
    let (ex, _) = setup(|b| b);
    let alice = Principal::new("alice");
    for _ in 0..5 {
        assert!(
            ex.call(&alice, &call("ping_billing_service", "{}"))
                .await
                .outcome
                .is_ok()
        );
    }
    let r = ex.call(&alice, &call("ping_billing_service", "{}")).await;
    let err = r.error().unwrap();
    assert_kind!(err, RateLimited);
    assert_eq!(r.to_model_json()["retry_after_ms"], 12_000);
    assert!(
        ex.call(&Principal::new("bob"), &call("ping_billing_service", "{}"))
            .await
            .outcome
            .is_ok()
    );
    tokio::time::advance(Duration::from_millis(11_999)).await;
    assert!(
        ex.call(&alice, &call("ping_billing_service", "{}"))
            .await
            .outcome
            .is_err()
    );
    tokio::time::advance(Duration::from_millis(1)).await;
    assert!(
        ex.call(&alice, &call("ping_billing_service", "{}"))
            .await
            .outcome
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn builder_level_limits_cover_every_tool() {
    let (ex, _) = setup(|b| b.rate_limit_per_principal(toolwright::Rate::per_minute(2)));
    let alice = Principal::new("alice").grant("*");
    assert!(
        ex.call(
            &alice,
            &call("fetch_exchange_rate", r#"{"from":"EUR","to":"USD"}"#)
        )
        .await
        .outcome
        .is_ok()
    );
    assert!(
        ex.call(&alice, &call("ping_billing_service", "{}"))
            .await
            .outcome
            .is_ok()
    );
    let r = ex.call(&alice, &call("ping_billing_service", "{}")).await;
    assert_kind!(r, RateLimited);
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_on_infrastructure_failures_only_and_probes_after_cool_down() {
    let n = |count| std::num::NonZeroU32::new(count).expect("a count above zero");
    let config = toolwright::BreakerConfig {
        failure_threshold: n(3),
        window: n(10),
        minimum_calls: n(3),
        open_for: Duration::from_secs(30),
        half_open_permits: n(1),
    };
    let (ex, _) = setup(|b| b.circuit_breaker(config));
    let p = admin();
    for _ in 0..10 {
        let r = ex
            .call(&p, &call("get_invoice_total", r#"{"invoice":"bad"}"#))
            .await;
        assert_kind!(r, InvalidArguments);
    }
    assert_eq!(
        ex.breaker_state("get_invoice_total"),
        Some(toolwright::BreakerState::Closed)
    );
    for _ in 0..3 {
        let r = ex
            .call(&p, &call("get_invoice_total", r#"{"invoice":"2024-0042"}"#))
            .await;
        assert_kind!(r, Unavailable);
    }
    let r = ex
        .call(&p, &call("get_invoice_total", r#"{"invoice":"2024-0042"}"#))
        .await;
    assert_kind!(r, CircuitOpen);
    assert_eq!(r.to_model_json()["retry_after_ms"], 30_000);
    // Other tools are not affected.
    assert!(
        ex.call(&p, &call("ping_billing_service", "{}"))
            .await
            .outcome
            .is_ok()
    );
    tokio::time::advance(Duration::from_secs(30)).await;
    let r = ex
        .call(&p, &call("get_invoice_total", r#"{"invoice":"2024-0042"}"#))
        .await;
    assert_eq!(
        r.error().unwrap().kind(),
        ErrorKind::Unavailable,
        "the probe ran"
    );
    assert_eq!(
        ex.breaker_state("get_invoice_total"),
        Some(toolwright::BreakerState::Open)
    );
}

/// Wait for the warehouse scanner to report a parcel, blocking the calling thread.
/// Returns the parcel's barcode.
#[tool(read_only, timeout = "5s")]
fn wait_for_parcel_scan(ctx: &ToolContext) -> Result<String, ToolError> {
    let rx = ctx.state::<std::sync::Mutex<std::sync::mpsc::Receiver<String>>>()?;
    let rx = rx
        .lock()
        .map_err(|_| ToolError::unavailable("scanner poisoned"))?;
    rx.recv_timeout(Duration::from_secs(3))
        .map_err(|_| ToolError::failed("no parcel was scanned within 3 s"))
}

/// Report a scanned parcel to the waiting warehouse tools. Returns the barcode it reported.
#[tool(read_only)]
async fn report_parcel_scan(
    /// Barcode of the scanned parcel, e.g. "PKG-0042"
    barcode: String,
    ctx: &ToolContext,
) -> Result<String, ToolError> {
    let tx = ctx.state::<std::sync::mpsc::SyncSender<String>>()?;
    tx.send(barcode.clone())
        .map_err(|_| ToolError::failed("nobody waits for a scan"))?;
    Ok(barcode)
}

/// Sync tools run on the blocking pool: a sync tool blocking its thread does not stop an async
/// tool on a single-threaded runtime from running and unblocking it.
#[tokio::test(flavor = "current_thread")]
async fn sync_tools_run_on_the_blocking_pool() {
    let (tx, rx) = std::sync::mpsc::sync_channel::<String>(1);
    let registry = Registry::builder()
        .tool(wait_for_parcel_scan)
        .tool(report_parcel_scan)
        .state(std::sync::Mutex::new(rx))
        .state(tx)
        .build()
        .unwrap();
    let ex = Executor::new(registry);
    let p = Principal::anonymous();
    let wait_call = call("wait_for_parcel_scan", "{}");
    let waiting = ex.call(&p, &wait_call);
    let reporting = async {
        tokio::task::yield_now().await;
        ex.call(&p, &call("report_parcel_scan", r#"{"barcode":"PKG-0042"}"#))
            .await
    };
    let (waited, reported) = tokio::join!(waiting, reporting);
    assert_eq!(reported.outcome.unwrap(), "PKG-0042");
    assert_eq!(waited.outcome.unwrap(), "PKG-0042");
}

#[tokio::test(start_paused = true)]
async fn an_invalid_calls_audit_record_names_the_failing_pointers_not_their_values() {
    let (ex, fx) = setup(|b| b);
    let r = ex
        .call(
            &admin(),
            &call(
                "get_invoice_total",
                r#"{"invoice":"SECRET-VALUE","extra":1}"#,
            ),
        )
        .await;
    assert_kind!(r, InvalidArguments);
    let records = fx.audit.records();
    let last = records.last().expect("a final record");
    let mut pointers = last.error_pointers.clone();
    pointers.sort();
    assert_eq!(pointers, ["/extra", "/invoice"]);
    let json = serde_json::to_string(&last.error_pointers).unwrap();
    assert!(!json.contains("SECRET-VALUE"));

    // Other outcomes carry no pointers, and the field is left out of the JSON.
    ex.call(
        &admin(),
        &call("get_invoice_total", r#"{"invoice":"2024-0042"}"#),
    )
    .await;
    let records = fx.audit.records();
    let last = records.last().expect("a final record");
    assert!(last.error_pointers.is_empty());
    assert!(
        !serde_json::to_string(last)
            .unwrap()
            .contains("error_pointers")
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_resume_is_audited_without_running_anything() {
    let (ex, fx) = setup(|b| b.confirmation_tickets(Duration::from_secs(60)));
    let alice = Principal::new("alice").grant("kb:write");
    let mallory = Principal::new("mallory").grant("kb:write");
    let pending = ex
        .call(&alice, &call("delete_document", r#"{"id":"kb-7"}"#))
        .await;
    let ticket = ticket_of(&pending);
    let before = fx.audit.records().len();

    // Someone else's ticket, then one that never existed, then the owner changing the call.
    assert_kind!(
        ex.resume(&mallory, &ticket, Decision::Approve).await,
        Denied
    );
    assert_kind!(
        ex.resume(&alice, "tkt_nope", Decision::Approve).await,
        Denied
    );
    let changed = call("delete_document", r#"{"id":"kb-8"}"#);
    assert_kind!(
        ex.resume_call(&alice, &ticket, &changed, Decision::Approve)
            .await,
        Denied
    );
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);

    let records = fx.audit.records();
    let refused: Vec<_> = records[before..].iter().collect();
    assert_eq!(refused.len(), 3, "{refused:#?}");
    for (record, who) in refused.iter().zip(["mallory", "alice", "alice"]) {
        assert_eq!(record.principal, who);
        assert!(record.final_record);
        assert_eq!(record.outcome, "denied");
        assert_eq!(
            record.decisions.confirmation,
            Some(toolwright::policy::confirm::ConfirmationDecision::Denied)
        );
        assert_eq!(record.decisions.permission, None, "nothing else ran");
    }
    assert_eq!(refused[2].tool, "delete_document");
    assert_eq!(refused[2].arguments.to_value()["id"], "kb-8");
}

// ---- the operator's switch ------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_disabled_tool_is_refused_with_the_reason_until_enabled_again() {
    let (ex, fx) = setup(|b| b.confirmer(AutoApprove));
    let delete = call("delete_document", r#"{"id":"kb-1"}"#);
    assert!(!ex.disable_tool("no_such_tool", "typo"));
    assert!(ex.disable_tool("delete_document", "the index is being rebuilt"));
    assert!(ex.is_tool_disabled("delete_document"));
    assert_eq!(
        ex.disabled_tools(),
        [(
            "delete_document".to_owned(),
            "the index is being rebuilt".to_owned()
        )]
    );
    let r = ex.call(&admin(), &delete).await;
    let err = r.error().unwrap();
    assert_kind!(err, Denied);
    assert!(
        err.message().contains("the index is being rebuilt"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);
    assert_eq!(final_outcome(&fx.audit), "denied");
    // Other tools are untouched.
    assert!(
        ex.call(&admin(), &call("ping_billing_service", "{}"))
            .await
            .outcome
            .is_ok()
    );
    // A caller who may not see the tool still learns nothing about it.
    let r = ex.call(&Principal::new("guest"), &delete).await;
    assert_kind!(r.error().unwrap(), UnknownTool);
    // A misspelt name is not pointed to the tool out of service.
    let r = ex
        .call(&admin(), &call("delete_documents", r#"{"id":"kb-1"}"#))
        .await;
    let offered = r.to_model_json()["available_tools"].clone();
    assert!(
        offered.as_array().is_some_and(|a| !a.is_empty()),
        "{offered}"
    );
    assert!(
        !offered.to_string().contains("\"delete_document\""),
        "{offered}"
    );

    assert!(ex.enable_tool("delete_document"));
    assert!(!ex.enable_tool("delete_document"), "already in service");
    assert!(ex.disabled_tools().is_empty());
    assert_eq!(ex.call(&admin(), &delete).await.outcome.unwrap(), "kb-1");
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 1);
}

fn final_outcome(sink: &MemorySink) -> String {
    sink.records()
        .into_iter()
        .rev()
        .find(|r| r.final_record)
        .map(|r| r.outcome.to_string())
        .unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn a_tool_disabled_while_a_human_decides_does_not_run_after_yes() {
    /// Approves, but only after the operator took the tool out of service.
    struct ApprovesLate(Executor);
    impl toolwright::Confirmer for ApprovesLate {
        fn confirm<'a>(
            &'a self,
            _: &'a toolwright::ConfirmationRequest,
        ) -> toolwright::BoxFuture<'a, Decision> {
            Box::pin(async move {
                self.0.disable_tool("delete_document", "a bad release");
                Decision::Approve
            })
        }
    }
    let (ex, fx) = setup(|b| b);
    let r = ex
        .call_with_confirmer(
            &admin(),
            &call("delete_document", r#"{"id":"kb-1"}"#),
            &ApprovesLate(ex.clone()),
        )
        .await;
    let err = r.error().unwrap();
    assert_kind!(err, Denied);
    assert!(err.message().contains("a bad release"), "{err:?}");
    assert_eq!(fx.probe.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_disabled_tool_is_not_retried_and_its_refusals_cost_no_rate_limit() {
    let (ex, fx) = setup(|b| b);
    let alice = Principal::new("alice");
    ex.disable_tool("ping_billing_service", "maintenance");
    for _ in 0..10 {
        let r = ex.call(&alice, &call("ping_billing_service", "{}")).await;
        assert_kind!(r.error().unwrap(), Denied);
    }
    ex.enable_tool("ping_billing_service");
    // Its declared 5/min are all still there.
    for _ in 0..5 {
        let r = ex.call(&alice, &call("ping_billing_service", "{}")).await;
        assert!(r.outcome.is_ok(), "{r:?}");
    }
    // Taken out of service between two attempts of a retried call: no further attempt.
    let rates = call("fetch_exchange_rate", r#"{"from":"EUR","to":"USD"}"#);
    let ex2 = ex.clone();
    let watcher = tokio::spawn(async move {
        // Runs once the call waits: the first attempt failed at once, and it backs off.
        ex2.disable_tool("fetch_exchange_rate", "rates provider revoked our key");
    });
    let r = ex.call(&alice, &rates).await;
    watcher.await.unwrap();
    assert_kind!(r.error().unwrap(), Denied);
    assert_eq!(fx.probe.rate_attempts.load(Ordering::SeqCst), 1);
}

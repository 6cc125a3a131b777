//! Hostile callers against the executor's policies: cancelled calls, blocking and hung tools,
//! one principal against everyone, tenants, tickets, oversized errors, and names in logs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use toolwright::{
    ConfirmationRequest, Confirmer, Decision, ErrorKind, Executor, MemorySink, Principal, Registry,
    ToolCall, ToolContext, ToolError, tool,
};

/// Count how many times the destructive body ran.
#[derive(Default)]
struct Runs(AtomicUsize);

/// Wipe a staging database, dropping every table in it. Returns the number of tables dropped.
#[tool(permissions = ["db:admin"], destructive)]
async fn wipe_staging_database(
    /// Name of the staging database to wipe, e.g. "staging-eu"
    name: String,
    ctx: &ToolContext,
) -> Result<u32, ToolError> {
    let _ = name;
    ctx.state::<Arc<Runs>>()?.0.fetch_add(1, Ordering::SeqCst);
    Ok(12)
}

/// Watch the build queue until the caller goes away, reporting when it was told to stop.
/// Returns the number of builds seen.
#[tool(read_only, timeout = "60s")]
async fn watch_build_queue(ctx: &ToolContext) -> Result<u32, ToolError> {
    ctx.cancellation().cancelled().await;
    ctx.state::<Arc<Stopped>>()?
        .0
        .fetch_add(1, Ordering::SeqCst);
    Ok(0)
}

#[derive(Default)]
struct Stopped(AtomicUsize);

/// Render a report with a legacy library that blocks its thread for a long time.
/// Returns the report size in bytes.
#[tool(read_only, timeout = "100ms")]
async fn render_legacy_report(ctx: &ToolContext) -> Result<u64, ToolError> {
    // Blocks the worker without yielding, as a careless async tool would.
    let gate = ctx.state::<Arc<Gate>>()?;
    let rx = gate.0.lock().map_err(|_| ToolError::failed("gate"))?;
    let _ = rx.recv_timeout(Duration::from_secs(5));
    Ok(1)
}

struct Gate(std::sync::Mutex<std::sync::mpsc::Receiver<()>>);

/// Convert an uploaded scan to text with a sync OCR engine that hangs on bad input.
/// Returns the recognized text.
#[tool(read_only, timeout = "50ms")]
fn recognize_scanned_text(
    /// Identifier of the uploaded scan, e.g. "scan-42"
    scan: String,
    ctx: &ToolContext,
) -> Result<String, ToolError> {
    let hold = ctx.state::<Arc<Hold>>()?;
    hold.entered.fetch_add(1, Ordering::SeqCst);
    while !hold.release.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(scan)
}

#[derive(Default)]
struct Hold {
    entered: AtomicUsize,
    release: std::sync::atomic::AtomicBool,
}

/// Get the service health as a short status word. Returns "ok" when healthy.
#[tool(read_only)]
fn get_service_health() -> &'static str {
    "ok"
}

/// Parse a customer-supplied config file, which crashes the parser on some inputs.
/// Returns the number of settings parsed.
#[tool(read_only)]
async fn parse_customer_config(
    /// The config file's text, e.g. "retries = 3"
    text: String,
) -> Result<u32, ToolError> {
    if text.contains("crash") {
        panic!("parser bug");
    }
    Ok(1)
}

/// Fetch the verbose diagnostics of a failed job, which can be enormous.
/// Returns the diagnostics text.
#[tool(read_only)]
async fn fetch_job_diagnostics() -> Result<String, ToolError> {
    Err(ToolError::failed("d".repeat(8 << 20)))
}

/// Handles on the tools' shared state, for the tests to observe and steer.
struct World {
    runs: Arc<Runs>,
    stopped: Arc<Stopped>,
    hold: Arc<Hold>,
    release: std::sync::mpsc::Sender<()>,
}

fn world() -> (Registry, World) {
    let runs = Arc::new(Runs::default());
    let stopped = Arc::new(Stopped::default());
    let hold = Arc::new(Hold::default());
    let (release, gate) = std::sync::mpsc::channel();
    let registry = Registry::builder()
        .tool(wipe_staging_database)
        .tool(watch_build_queue)
        .tool(render_legacy_report)
        .tool(recognize_scanned_text)
        .tool(get_service_health)
        .tool(parse_customer_config)
        .tool(fetch_job_diagnostics)
        .state(runs.clone())
        .state(stopped.clone())
        .state(hold.clone())
        .state(Arc::new(Gate(std::sync::Mutex::new(gate))))
        .build()
        .expect("registry");
    (
        registry,
        World {
            runs,
            stopped,
            hold,
            release,
        },
    )
}

fn admin() -> Principal {
    Principal::new("ops").grant("db:admin")
}

/// A confirmer whose human answers "yes" only when told to, long after being asked.
struct SlowYes(tokio::sync::Notify);

impl Confirmer for SlowYes {
    fn confirm<'a>(&'a self, _: &'a ConfirmationRequest) -> toolwright::BoxFuture<'a, Decision> {
        Box::pin(async move {
            self.0.notified().await;
            Decision::Approve
        })
    }
}

#[tokio::test]
async fn a_call_dropped_while_its_approval_is_pending_never_runs_even_if_approved_later() {
    let (registry, w) = world();
    let confirmer = Arc::new(SlowYes(tokio::sync::Notify::new()));
    let sink = MemorySink::new();
    let executor = Executor::builder(registry).audit(sink.clone()).build();
    let call = ToolCall::new("c1", "wipe_staging_database", r#"{"name":"staging-eu"}"#);
    {
        let ops = admin();
        let pending = executor.call_with_confirmer(&ops, &call, &*confirmer);
        // The prompt is open; then the caller goes away (an MCP client cancels).
        let timed_out = tokio::time::timeout(Duration::from_millis(50), pending).await;
        assert!(timed_out.is_err(), "the call waits for its human");
    }
    // The human answers yes after the cancel.
    confirmer.0.notify_waiters();
    confirmer.0.notify_one();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        w.runs.0.load(Ordering::SeqCst),
        0,
        "nothing runs after a cancel"
    );
    let records = sink.records();
    let last = records.last().expect("a final record");
    assert!(last.final_record);
    assert_eq!(last.outcome, "cancelled");
}

#[tokio::test]
async fn dropping_a_running_call_cancels_the_tools_token() {
    let (registry, w) = world();
    let executor = Executor::new(registry);
    let call = ToolCall::new("c1", "watch_build_queue", "{}");
    let ops = admin();
    let running = executor.call(&ops, &call);
    assert!(
        tokio::time::timeout(Duration::from_millis(50), running)
            .await
            .is_err()
    );
    for _ in 0..100 {
        if w.stopped.0.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        w.stopped.0.load(Ordering::SeqCst),
        1,
        "the tool saw its token fire"
    );
    // The executor keeps serving.
    let ok = executor
        .call(&admin(), &ToolCall::new("c2", "get_service_health", "{}"))
        .await;
    assert_eq!(ok.outcome.unwrap(), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_tool_that_blocks_its_thread_is_answered_at_its_deadline() {
    let (registry, w) = world();
    let executor = Executor::new(registry);
    let r = executor
        .call(&admin(), &ToolCall::new("c1", "render_legacy_report", "{}"))
        .await;
    // Answered while the body still blocks (it waits for `release`, up to 5 s).
    assert_kind!(r, Timeout);
    w.release.send(()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_sync_calls_fill_only_their_own_bulkhead_and_healthy_tools_keep_running() {
    let (registry, w) = world();
    let executor = Executor::builder(registry)
        .max_concurrent_calls_of("recognize_scanned_text", 4)
        .build();
    let p = admin();
    // Far more hung calls than slots: each times out; the threads stay hung.
    for i in 0..40 {
        let r = executor
            .call(
                &p,
                &ToolCall::new(format!("c{i}"), "recognize_scanned_text", r#"{"scan":"s"}"#),
            )
            .await;
        let kind = r.error().unwrap().kind();
        assert!(
            matches!(kind, ErrorKind::Timeout | ErrorKind::Busy),
            "{kind:?}"
        );
    }
    assert_eq!(
        w.hold.entered.load(Ordering::SeqCst),
        4,
        "no more bodies than slots ever started"
    );
    assert_eq!(executor.running_calls("recognize_scanned_text"), Some(4));
    let busy = executor
        .call(
            &p,
            &ToolCall::new("c-busy", "recognize_scanned_text", r#"{"scan":"s"}"#),
        )
        .await;
    let err = busy.error().unwrap();
    assert_kind!(err, Busy);
    assert!(err.retry_after().is_some());
    // Another sync tool still gets a blocking thread.
    let ok = executor
        .call(&p, &ToolCall::new("h", "get_service_health", "{}"))
        .await;
    assert_eq!(ok.outcome.unwrap(), "ok");
    // Once the hung bodies return, their slots free.
    w.hold.release.store(true, Ordering::SeqCst);
    for _ in 0..200 {
        if executor.running_calls("recognize_scanned_text") == Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(executor.running_calls("recognize_scanned_text"), Some(0));
}

#[tokio::test(start_paused = true)]
async fn one_principal_cannot_open_a_breaker_for_everyone() {
    let (registry, _w) = world();
    let executor = Executor::new(registry);
    let mallory = Principal::new("mallory");
    for i in 0..20 {
        let r = executor
            .call(
                &mallory,
                &ToolCall::new(
                    format!("m{i}"),
                    "parse_customer_config",
                    r#"{"text":"crash"}"#,
                ),
            )
            .await;
        assert_kind!(r, Panicked);
    }
    let alice = Principal::new("alice");
    let r = executor
        .call(
            &alice,
            &ToolCall::new("a1", "parse_customer_config", r#"{"text":"retries = 3"}"#),
        )
        .await;
    assert_eq!(r.outcome.unwrap(), 1, "alice is not locked out by mallory");
}

#[tokio::test(start_paused = true)]
async fn the_same_user_id_in_two_tenants_has_separate_rate_limits() {
    let (registry, _w) = world();
    let executor = Executor::builder(registry)
        .rate_limit_per_principal(toolwright::Rate::per_minute(2))
        .build();
    let acme = Principal::new("bob").with_tenant("acme");
    let globex = Principal::new("bob").with_tenant("globex");
    let health = ToolCall::new("c", "get_service_health", "{}");
    for _ in 0..2 {
        assert!(executor.call(&acme, &health).await.outcome.is_ok());
    }
    assert_eq!(
        executor.call(&acme, &health).await.error().unwrap().kind(),
        ErrorKind::RateLimited
    );
    assert!(executor.call(&globex, &health).await.outcome.is_ok());
}

#[tokio::test(start_paused = true)]
async fn calls_to_unknown_tools_count_against_the_callers_rate_limit() {
    let (registry, _w) = world();
    let executor = Executor::builder(registry)
        .rate_limit_per_principal(toolwright::Rate::per_minute(3))
        .build();
    let p = Principal::new("prober");
    for i in 0..3 {
        let r = executor
            .call(&p, &ToolCall::new("c", format!("guess_{i}"), "{}"))
            .await;
        assert_kind!(r, UnknownTool);
    }
    let r = executor
        .call(&p, &ToolCall::new("c", "get_service_health", "{}"))
        .await;
    assert_kind!(r, RateLimited);
}

#[tokio::test(start_paused = true)]
async fn one_principal_cannot_fill_the_confirmation_queue_for_everyone() {
    let (registry, w) = world();
    let executor = Executor::builder(registry)
        .confirmation_tickets(Duration::from_secs(600))
        .max_pending_confirmations(50, 5)
        .build();
    let mallory = admin();
    for i in 0..5 {
        let r = executor
            .call(
                &mallory,
                &ToolCall::new(format!("m{i}"), "wipe_staging_database", r#"{"name":"x"}"#),
            )
            .await;
        assert_kind!(r, ConfirmationRequired);
    }
    let r = executor
        .call(
            &mallory,
            &ToolCall::new("m6", "wipe_staging_database", r#"{"name":"x"}"#),
        )
        .await;
    assert_kind!(r, Denied);
    let alice = Principal::new("alice").grant("db:admin");
    let r = executor
        .call(
            &alice,
            &ToolCall::new("a1", "wipe_staging_database", r#"{"name":"y"}"#),
        )
        .await;
    assert_kind!(r, ConfirmationRequired);
    assert_eq!(w.runs.0.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn resume_call_refuses_a_ticket_presented_for_another_tool() {
    let (registry, w) = world();
    let executor = Executor::builder(registry)
        .confirmation_tickets(Duration::from_secs(600))
        .build();
    let p = admin();
    let call = ToolCall::new("c1", "wipe_staging_database", r#"{"name":"staging-eu"}"#);
    let r = executor.call(&p, &call).await;
    let ticket = r.error().unwrap().details()["ticket"]
        .as_str()
        .unwrap()
        .to_owned();
    // Same arguments, another tool name.
    let other = ToolCall::new("c1", "get_service_health", r#"{"name":"staging-eu"}"#);
    let r = executor
        .resume_call(&p, &ticket, &other, Decision::Approve)
        .await;
    assert_kind!(r, Denied);
    // The ticket is gone: the right call cannot reuse it either.
    let r = executor
        .resume_call(&p, &ticket, &call, Decision::Approve)
        .await;
    assert_kind!(r, Denied);
    assert_eq!(w.runs.0.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_resumed_call_runs_with_the_confirmed_arguments() {
    let (registry, w) = world();
    let executor = Executor::builder(registry)
        .confirmation_tickets(Duration::from_secs(600))
        .build();
    let p = admin();
    let call = ToolCall::new(
        "c1",
        "wipe_staging_database",
        r#"{ "name" : "staging-eu" }"#,
    );
    let ticket = executor.call(&p, &call).await.error().unwrap().details()["ticket"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = executor.resume(&p, &ticket, Decision::Approve).await;
    assert_eq!(r.outcome.unwrap(), 12);
    assert_eq!(w.runs.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_error_message_larger_than_the_output_cap_is_cut() {
    let (registry, _w) = world();
    let executor = Executor::new(registry);
    let r = executor
        .call(&admin(), &ToolCall::new("c", "fetch_job_diagnostics", "{}"))
        .await;
    let err = r.error().unwrap();
    assert_kind!(err, Failed);
    assert!(err.to_model_json().to_string().len() <= 4 << 20);
}

#[tokio::test]
async fn huge_names_and_ids_are_capped_in_audit_records() {
    let (registry, _w) = world();
    let sink = MemorySink::new();
    let executor = Executor::builder(registry).audit(sink.clone()).build();
    let name = format!("x{}", "y".repeat(10_000));
    let id = "i".repeat(10_000);
    executor
        .call(&admin(), &ToolCall::new(id, name, "{}"))
        .await;
    let record = &sink.records()[0];
    // 128 and 256 bytes, plus the "…" that says the text was cut.
    assert!(record.tool.len() <= 128 + 3, "{}", record.tool.len());
    assert!(record.call_id.len() <= 256 + 3, "{}", record.call_id.len());
}

/// A tool declared by hand, without the macro, with whatever policy the test gives it.
struct HandWritten(&'static toolwright::decl::ToolDecl);

impl toolwright::Tool for HandWritten {
    fn decl(&self) -> &'static toolwright::decl::ToolDecl {
        self.0
    }
    fn prepare(
        &self,
        _: &toolwright::CallArguments,
        _: &toolwright::ArgRules,
        _: ToolContext,
    ) -> Result<toolwright::ToolFuture, ToolError> {
        Ok(Box::pin(async { Ok(serde_json::Value::Null) }))
    }
}

fn hand_written(policy: toolwright::decl::PolicyDecl) -> &'static toolwright::decl::ToolDecl {
    Box::leak(Box::new(toolwright::decl::ToolDecl {
        name: "purge_old_invoices",
        description: "Purge invoices older than seven years. Returns how many were purged.",
        params: &[],
        policy,
        input_schema: || serde_json::json!({"type": "object", "properties": {}}),
        output_schema: || None,
    }))
}

#[test]
fn hand_written_declarations_are_held_to_the_macros_rules() {
    use toolwright::decl::PolicyDecl;
    let base = || PolicyDecl {
        permissions: &["billing:admin"],
        read_only: false,
        destructive: false,
        idempotent: false,
        open_world: false,
        timeout: None,
        retries: 0,
        rate_limit: None,
    };
    let refused = [
        PolicyDecl {
            destructive: true,
            read_only: true,
            ..base()
        },
        PolicyDecl {
            destructive: true,
            permissions: &[],
            ..base()
        },
        PolicyDecl {
            retries: 2,
            ..base()
        },
        PolicyDecl {
            destructive: true,
            idempotent: true,
            retries: 1,
            ..base()
        },
    ];
    for policy in refused {
        let shown = format!("{policy:?}");
        let built = Registry::builder()
            .tool(HandWritten(hand_written(policy)))
            .build();
        assert!(
            matches!(
                built,
                Err(toolwright::RegistryError::InvalidDeclaration { .. })
            ),
            "{shown}"
        );
    }
    let fine = PolicyDecl {
        destructive: true,
        ..base()
    };
    assert!(
        Registry::builder()
            .tool(HandWritten(hand_written(fine)))
            .build()
            .is_ok()
    );
}

/// Keeps the text of every span field, as a text log would print it.
#[derive(Default, Clone)]
struct FieldLog(Arc<std::sync::Mutex<Vec<String>>>);

impl tracing::field::Visit for FieldLog {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let mut log = self.0.lock().unwrap();
        log.push(format!("{}={value:?}", field.name()));
    }
}

impl tracing::Subscriber for FieldLog {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        span.record(&mut self.clone());
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut self.clone());
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn model_chosen_names_and_ids_are_escaped_in_spans() {
    let (registry, _w) = world();
    let executor = Executor::new(registry);
    let log = FieldLog::default();
    let forged = "get_service_health\n2026-12-02 INFO admin approved \u{1b}[2Jwipe";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(log.clone(), || {
        runtime.block_on(executor.call(&admin(), &ToolCall::new("id\r\nx", forged, "{}")));
    });
    let lines = log.0.lock().unwrap().join("\n");
    assert!(lines.contains("gen_ai.tool.name"), "{lines}");
    assert!(!lines.contains('\u{1b}'), "{lines}");
    for field in log.0.lock().unwrap().iter() {
        assert!(!field.contains('\n') && !field.contains('\r'), "{field:?}");
    }
}

#[tokio::test]
async fn a_hand_written_tool_never_sees_a_root_that_is_not_an_object() {
    use toolwright::decl::PolicyDecl;
    let decl = hand_written(PolicyDecl {
        permissions: &[],
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
        timeout: None,
        retries: 0,
        rate_limit: None,
    });
    let executor = Executor::new(Registry::builder().tool(HandWritten(decl)).build().unwrap());
    for args in [
        r#"["T-1", 1, null]"#,
        "[]",
        r#""{\"password\":\"x\"}""#,
        "7",
        "null",
    ] {
        let r = executor
            .call(
                &Principal::anonymous(),
                &ToolCall::new("c", "purge_old_invoices", args),
            )
            .await;
        assert_eq!(
            r.error().map(ToolError::kind),
            Some(ErrorKind::InvalidArguments),
            "{args}"
        );
    }
    let r = executor
        .call(
            &Principal::anonymous(),
            &ToolCall::with_json("c", "purge_old_invoices", serde_json::json!([1, 2])),
        )
        .await;
    assert_eq!(
        r.error().map(ToolError::kind),
        Some(ErrorKind::InvalidArguments)
    );
}

#[tokio::test]
async fn bounding_tickets_does_not_turn_them_on() {
    let (registry, w) = world();
    let executor = Executor::builder(registry)
        .max_pending_confirmations(10, 2)
        .build();
    let r = executor
        .call(
            &admin(),
            &ToolCall::new("c1", "wipe_staging_database", r#"{"name":"x"}"#),
        )
        .await;
    assert_eq!(r.error().map(ToolError::kind), Some(ErrorKind::Denied));
    assert_eq!(executor.pending_confirmations(), 0);
    assert_eq!(w.runs.0.load(Ordering::SeqCst), 0);
}

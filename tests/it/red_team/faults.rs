//! Faulty tools, sinks and confirmers: the runtime keeps serving and loses no audit record.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use toolwright::policy::audit::AuditError;
use toolwright::{
    AuditRecord, AuditSink, ConfirmationRequest, Confirmer, Decision, Executor, MemorySink,
    Principal, Registry, ToolCall, ToolContext, ToolError, tool,
};

use crate::support::admin;

/// Crash the legacy exporter on purpose, as a buggy tool would. Returns the export size.
#[tool(read_only)]
async fn run_legacy_export() -> Result<u64, ToolError> {
    panic!("index out of bounds in legacy exporter")
}

/// Spin in a tight loop that never checks for cancellation, as a broken sync tool would.
/// Returns nothing useful.
#[tool(read_only, timeout = "200ms")]
fn spin_without_cancellation(ctx: &ToolContext) -> u64 {
    let start = std::time::Instant::now();
    // Bounded so the test process can exit: far past the tool's timeout.
    while start.elapsed() < Duration::from_secs(2) {
        std::hint::spin_loop();
    }
    u64::from(ctx.is_cancelled())
}

/// Wait forever on an upstream that never answers, as a hung tool would. Returns the answer.
#[tool(read_only, timeout = "100ms")]
async fn wait_for_dead_upstream() -> u64 {
    std::future::pending().await
}

/// Dump every log line of the last year, far more than any model needs.
/// Returns the log text.
#[tool(read_only)]
async fn dump_all_log_lines() -> String {
    "log line\n".repeat(1 << 20)
}

/// Get the service health as a short status word. Returns "ok" when healthy.
#[tool(read_only)]
async fn get_service_health() -> &'static str {
    "ok"
}

/// Purge every cached report from the report cache. Returns how many were purged.
#[tool(permissions = ["cache:admin"], destructive)]
async fn purge_report_cache(ctx: &ToolContext) -> Result<u64, ToolError> {
    ctx.state::<Arc<AtomicUsize>>()?
        .fetch_add(1, Ordering::SeqCst);
    Ok(42)
}

struct FailingSink;

impl AuditSink for FailingSink {
    fn record(&self, _: &AuditRecord) -> Result<(), AuditError> {
        Err(AuditError("disk full".into()))
    }
}

struct PanickingConfirmer;

impl Confirmer for PanickingConfirmer {
    fn confirm<'a>(&'a self, _: &'a ConfirmationRequest) -> toolwright::BoxFuture<'a, Decision> {
        Box::pin(async { panic!("confirmation UI crashed") })
    }
}

fn registry(purges: &Arc<AtomicUsize>) -> Registry {
    Registry::builder()
        .tool(run_legacy_export)
        .tool(spin_without_cancellation)
        .tool(wait_for_dead_upstream)
        .tool(dump_all_log_lines)
        .tool(get_service_health)
        .tool(purge_report_cache)
        .state(purges.clone())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_tools_fail_alone_and_the_runtime_keeps_serving() {
    let purges = Arc::new(AtomicUsize::new(0));
    let audit = MemorySink::new();
    let ex = Executor::builder(registry(&purges))
        .audit(audit.clone())
        .build();
    let p = admin();
    let kinds = futures_kinds(
        &ex,
        &p,
        &[
            "run_legacy_export",
            "spin_without_cancellation",
            "wait_for_dead_upstream",
            "dump_all_log_lines",
            "get_service_health",
        ],
    )
    .await;
    assert_eq!(
        kinds,
        ["panicked", "timeout", "timeout", "output_too_large", "ok"]
    );
    // Still serving afterwards.
    let r = ex
        .call(&p, &ToolCall::new("after", "get_service_health", "{}"))
        .await;
    assert_eq!(r.outcome.unwrap(), "ok");
    assert_eq!(
        audit.records().iter().filter(|r| r.final_record).count(),
        6,
        "no record lost"
    );
}

async fn futures_kinds(ex: &Executor, p: &Principal, names: &[&str]) -> Vec<String> {
    let calls: Vec<ToolCall> = names
        .iter()
        .enumerate()
        .map(|(i, n)| ToolCall::new(format!("c{i}"), *n, "{}"))
        .collect();
    let mut results = Vec::new();
    for c in &calls {
        results.push(ex.call(p, c).await);
    }
    results
        .iter()
        .map(|r| {
            r.error()
                .map_or("ok".to_owned(), |e| e.kind().as_str().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn destructive_calls_fail_closed_when_the_audit_log_fails() {
    let purges = Arc::new(AtomicUsize::new(0));
    let memory = MemorySink::new();
    let ex = Executor::builder(registry(&purges))
        .audit(FailingSink)
        .audit(memory.clone())
        .confirmer(toolwright::AutoApprove)
        .build();
    let r = ex
        .call(&admin(), &ToolCall::new("c", "purge_report_cache", "{}"))
        .await;
    assert_kind!(r, Denied);
    assert_eq!(purges.load(Ordering::SeqCst), 0, "the body never ran");
    // Read-only calls keep working, and the healthy sink keeps every record.
    assert!(
        ex.call(&admin(), &ToolCall::new("d", "get_service_health", "{}"))
            .await
            .outcome
            .is_ok()
    );
    assert_eq!(
        memory.records().iter().filter(|r| r.final_record).count(),
        2
    );
}

#[tokio::test]
async fn a_crashing_confirmer_denies() {
    let purges = Arc::new(AtomicUsize::new(0));
    let ex = Executor::builder(registry(&purges))
        .confirmer(PanickingConfirmer)
        .build();
    let r = ex
        .call(&admin(), &ToolCall::new("c", "purge_report_cache", "{}"))
        .await;
    assert_kind!(r, Denied);
    assert_eq!(purges.load(Ordering::SeqCst), 0);
}

/// A sink that blocks until released, as a hung log shipper would.
struct BlockedSink {
    gate: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    /// Records the writer thread took and is blocked on (or was).
    taken: Arc<AtomicUsize>,
    written: Arc<AtomicUsize>,
}

impl AuditSink for BlockedSink {
    fn record(&self, _: &AuditRecord) -> Result<(), AuditError> {
        let gate = self
            .gate
            .lock()
            .map_err(|_| AuditError("poisoned".into()))?;
        self.taken.fetch_add(1, Ordering::SeqCst);
        let _ = gate.recv();
        self.written.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn a_blocked_sink_behind_a_queue_stalls_no_call_and_destructive_calls_fail_closed_when_full()
{
    let purges = Arc::new(AtomicUsize::new(0));
    let (release, gate) = std::sync::mpsc::channel();
    let written = Arc::new(AtomicUsize::new(0));
    let taken = Arc::new(AtomicUsize::new(0));
    let queue = toolwright::BackgroundSink::new(
        BlockedSink {
            gate: std::sync::Mutex::new(gate),
            taken: taken.clone(),
            written: written.clone(),
        },
        8,
    )
    .unwrap();
    let memory = MemorySink::new();
    let ex = Executor::builder(registry(&purges))
        .audit(queue)
        .audit(memory.clone())
        .confirmer(toolwright::AutoApprove)
        .build();
    // The sink is blocked, yet calls complete: 20 calls, far more records than the queue holds.
    for i in 0..20 {
        let r = ex
            .call(
                &admin(),
                &ToolCall::new(format!("c{i}"), "get_service_health", "{}"),
            )
            .await;
        assert!(r.outcome.is_ok());
        if i == 0 {
            // The writer thread holds the first record before the queue fills: then exactly
            // the queue's capacity waits behind it, however late the thread started.
            for _ in 0..5_000 {
                if taken.load(Ordering::SeqCst) > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(
                taken.load(Ordering::SeqCst),
                1,
                "the writer took the first record"
            );
        }
    }
    // With the queue full, an approved destructive call is refused rather than run unrecorded.
    let r = ex
        .call(
            &admin(),
            &ToolCall::new("purge", "purge_report_cache", "{}"),
        )
        .await;
    assert_kind!(r, Denied);
    assert_eq!(purges.load(Ordering::SeqCst), 0);
    // The other sink kept every record.
    assert_eq!(
        memory.records().iter().filter(|r| r.final_record).count(),
        21
    );
    // Released, the blocked sink drains what it queued.
    for _ in 0..20 {
        let _ = release.send(());
    }
    drop(release);
    for _ in 0..200 {
        if written.load(Ordering::SeqCst) >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        written.load(Ordering::SeqCst) >= 8,
        "queued records were written once released"
    );
}

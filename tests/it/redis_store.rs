//! The Redis store against a real `redis-server`: two executors sharing one Redis enforce one
//! policy (rate limits counted once, a ticket resumed once on either), keys are namespaced and
//! expire, and faults are policy: a killed, slow or restarted Redis refuses what needs it,
//! reconnects by itself, and never runs a confirmed call twice.
//!
//! The shared server comes from `TOOLWRIGHT_REDIS_URL` (`.ci/run` starts one); each test uses
//! its own key prefix, so they run in parallel. Fault tests start a private `redis-server`
//! (the binary on PATH) on a free port and kill it. Outside CI (`CI` unset) a missing URL or
//! binary skips the test with a message; inside CI it fails it.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use toolwright::store::RedisStore;
use toolwright::{Decision, ErrorKind, Executor, MemorySink, Principal, Rate, ToolCall, ToolError};

use crate::support::{Probe, knowledge_base};

/// The shared Redis's URL, or `None` (skip) outside CI.
pub fn shared_url() -> Option<String> {
    match std::env::var("TOOLWRIGHT_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TOOLWRIGHT_REDIS_URL is not: .ci/run must start redis-server")
        }
        _ => {
            eprintln!("skipped: set TOOLWRIGHT_REDIS_URL to run the Redis tests");
            None
        }
    }
}

/// A key prefix no other test (or run) uses.
pub fn unique_prefix(test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "twtest:{test}:{}:{}:{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A connection for looking inside Redis.
pub async fn inspect(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Every key under `prefix`.
pub async fn keys_under(url: &str, prefix: &str) -> Vec<String> {
    let mut conn = inspect(url).await;
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .unwrap();
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

/// A `redis-server` of this test's own, on a free loopback port, that the test may kill and
/// restart (on the same port, empty: no persistence).
pub struct PrivateRedis {
    child: Option<Child>,
    pub port: u16,
}

impl PrivateRedis {
    /// Starts one, or `None` (skip) when `redis-server` is missing outside CI.
    pub fn start() -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but redis-server is not on PATH"
            );
            eprintln!("skipped: redis-server is not on PATH");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self { child: None, port };
        redis.restart();
        Some(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..200 {
            if let Ok(mut c) = redis::Client::open(self.url()).and_then(|c| c.get_connection())
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Kills the server (SIGKILL: no goodbye to clients) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn store(url: &str, prefix: &str) -> RedisStore {
    RedisStore::builder(url)
        .prefix(prefix)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

/// An executor ("replica") on `store` with a shared probe and audit sink.
fn replica(
    probe: &Arc<Probe>,
    store: RedisStore,
    audit: &MemorySink,
    configure: impl FnOnce(toolwright::ExecutorBuilder) -> toolwright::ExecutorBuilder,
) -> Executor {
    configure(
        Executor::builder(knowledge_base(probe))
            .store(store)
            .audit(audit.clone())
            .confirmation_tickets(Duration::from_secs(60)),
    )
    .build()
}

fn alice() -> Principal {
    Principal::new("alice")
        .with_tenant("acme")
        .grant_all(["kb:read", "kb:write"])
}

fn search(n: usize) -> ToolCall {
    ToolCall::new(
        format!("s{n}"),
        "search_knowledge_base",
        r#"{"query":"refunds"}"#,
    )
}

fn delete() -> ToolCall {
    ToolCall::new("d1", "delete_document", r#"{"id":"kb-1"}"#)
}

fn ticket_of(result: &toolwright::ToolResult) -> String {
    let err = result.error().expect("a pending ticket");
    assert_eq!(err.kind(), ErrorKind::ConfirmationRequired, "{err:?}");
    err.to_model_json()["ticket"]
        .as_str()
        .expect("a ticket id")
        .to_owned()
}

/// The rate-limit decision of the last final audit record.
fn last_rate_decision(audit: &MemorySink) -> Value {
    let records = audit.records();
    let last = records
        .iter()
        .rev()
        .find(|r| r.final_record)
        .expect("a final record");
    serde_json::to_value(&last.decisions).unwrap()["rate_limit"].clone()
}

#[tokio::test]
async fn two_executors_on_one_redis_count_a_callers_rate_limit_once() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("rate");
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    let limited = |b: toolwright::ExecutorBuilder| b.rate_limit_per_principal(Rate::per_minute(3));
    let a = replica(&probe, store(&url, &prefix), &audit, limited);
    let b = replica(&probe, store(&url, &prefix), &audit, limited);
    let alice = alice();
    let mut allowed = 0;
    for (i, replica) in [&a, &b, &a, &b, &a, &b].into_iter().enumerate() {
        let r = replica.call(&alice, &search(i)).await;
        match r.error() {
            None => allowed += 1,
            Some(e) => {
                assert_eq!(e.kind(), ErrorKind::RateLimited, "{e:?}");
                // GCRA on Redis's clock: the fourth call waits one emission interval (20 s).
                let ms = e.to_model_json()["retry_after_ms"].as_u64().unwrap();
                assert!((1..=20_000).contains(&ms), "{ms}");
            }
        }
    }
    assert_eq!(allowed, 3, "3/min across both replicas, not per replica");
    // Another principal, and the same id in another tenant, have quotas of their own.
    let bob = Principal::new("alice")
        .with_tenant("globex")
        .grant("kb:read");
    assert!(!b.call(&bob, &search(9)).await.is_error());
    // Every key is under the prefix and expires.
    let keys = keys_under(&url, &prefix).await;
    assert!(!keys.is_empty());
    let mut conn = inspect(&url).await;
    for key in keys {
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > 0 && ttl <= 60_000, "{key}: {ttl}");
    }
}

#[tokio::test]
async fn a_ticket_issued_by_one_executor_runs_once_on_the_other() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("ticket");
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    let a = replica(&probe, store(&url, &prefix), &audit, |b| b);
    let b = replica(&probe, store(&url, &prefix), &audit, |b| b);
    let alice = alice();
    let ticket = ticket_of(&a.call(&alice, &delete()).await);
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);
    assert_eq!(a.store().pending_confirmations().await.unwrap(), Some(1));

    // Someone else can neither use nor burn it.
    let mallory = Principal::new("mallory")
        .with_tenant("acme")
        .grant("kb:write");
    let stolen = b.resume(&mallory, &ticket, Decision::Approve).await;
    assert_eq!(stolen.error().map(ToolError::kind), Some(ErrorKind::Denied));

    let done = b
        .resume_call(&alice, &ticket, &delete(), Decision::Approve)
        .await;
    assert_eq!(done.outcome.unwrap(), "kb-1");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);
    for replica in [&a, &b] {
        let replay = replica.resume(&alice, &ticket, Decision::Approve).await;
        let e = replay.error().expect("a replay is denied");
        assert_eq!(e.kind(), ErrorKind::Denied);
        assert!(e.message().contains("already used"), "{e:?}");
    }
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1, "exactly once");
    assert_eq!(b.store().pending_confirmations().await.unwrap(), Some(0));

    // A changed call consumes the ticket without running.
    let ticket = ticket_of(&a.call(&alice, &delete()).await);
    let other = ToolCall::new("d2", "delete_document", r#"{"id":"kb-2"}"#);
    let changed = b
        .resume_call(&alice, &ticket, &other, Decision::Approve)
        .await;
    assert_eq!(
        changed.error().map(ToolError::kind),
        Some(ErrorKind::Denied)
    );
    let after = a.resume(&alice, &ticket, Decision::Approve).await;
    assert!(after.is_error());
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_per_principal_ticket_quota_holds_across_executors() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("quota");
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    let two = |b: toolwright::ExecutorBuilder| b.max_pending_confirmations(100, 2);
    let a = replica(&probe, store(&url, &prefix), &audit, two);
    let b = replica(&probe, store(&url, &prefix), &audit, two);
    let alice = alice();
    ticket_of(&a.call(&alice, &delete()).await);
    let second = ticket_of(&b.call(&alice, &delete()).await);
    let third = a.call(&alice, &delete()).await;
    let e = third.error().unwrap();
    assert_eq!(e.kind(), ErrorKind::Denied);
    assert!(e.message().contains("too many"), "{e:?}");
    // Deciding one gives its slot back, on any replica.
    b.resume(&alice, &second, Decision::deny("no")).await;
    ticket_of(&a.call(&alice, &delete()).await);
}

/// Alice's deletion of document `n`: a ticket of its own arguments (`{"id":"kb-n"}`).
fn delete_n(n: usize) -> ToolCall {
    ToolCall::new(
        format!("d{n}"),
        "delete_document",
        format!(r#"{{"id":"kb-{n}"}}"#),
    )
}

#[tokio::test]
async fn the_ticket_byte_quota_holds_across_executors_and_is_given_back() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("bytes");
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    // Each ticket holds 13 argument bytes (`{"id":"kb-1"}`): two fit under 30, a third does not.
    let capped = |b: toolwright::ExecutorBuilder| {
        b.max_pending_confirmation_bytes(30)
            .confirmation_tickets(Duration::from_millis(800))
    };
    let a = replica(&probe, store(&url, &prefix), &audit, capped);
    let b = replica(&probe, store(&url, &prefix), &audit, capped);
    let alice = alice();
    let bob = Principal::new("bob").with_tenant("acme").grant("kb:write");
    let first = ticket_of(&a.call(&alice, &delete_n(1)).await);
    ticket_of(&b.call(&bob, &delete_n(2)).await);
    // The bound is on the store, not per replica or per principal.
    for (replica, who) in [(&a, &alice), (&b, &bob)] {
        let e = replica.call(who, &delete_n(3)).await;
        let e = e.error().expect("no room left");
        assert_eq!(e.kind(), ErrorKind::Denied, "{e:?}");
        assert!(e.message().contains("too many"), "{e:?}");
    }
    // Deciding a ticket gives its bytes back, on any replica.
    b.resume(&alice, &first, Decision::deny("no")).await;
    ticket_of(&b.call(&alice, &delete_n(4)).await);
    assert!(a.call(&alice, &delete_n(5)).await.is_error());
    // So does expiry: after the TTL, two fresh tickets fit again.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    ticket_of(&a.call(&alice, &delete_n(6)).await);
    ticket_of(&b.call(&bob, &delete_n(7)).await);
    assert!(a.call(&bob, &delete_n(8)).await.is_error());
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0, "nothing ran");
}

#[tokio::test]
async fn keys_expire_so_redis_returns_to_baseline_after_a_burst() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("ttl");
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    let e = replica(&probe, store(&url, &prefix), &audit, |b| {
        b.rate_limit_per_principal(Rate::per_second(5))
            .rate_limit_per_tool(Rate::per_second(1000))
            .confirmation_tickets(Duration::from_millis(500))
    });
    for i in 0..50 {
        let who = Principal::new(format!("user-{i}")).grant_all(["kb:read", "kb:write"]);
        e.call(&who, &search(i)).await;
        e.call(&who, &delete()).await;
    }
    assert!(keys_under(&url, &prefix).await.len() >= 100);
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(keys_under(&url, &prefix).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_killed_redis_fails_closed_then_the_store_reconnects_by_itself() {
    let Some(mut redis) = PrivateRedis::start() else {
        return;
    };
    let prefix = unique_prefix("fault");
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    let open_audit = MemorySink::default();
    let limited =
        |b: toolwright::ExecutorBuilder| b.rate_limit_per_principal(Rate::per_minute(100));
    let closed = replica(&probe, store(&redis.url(), &prefix), &audit, limited);
    let open = replica(&probe, store(&redis.url(), &prefix), &open_audit, |b| {
        limited(b).fail_open_rate_limits()
    });
    let alice = alice();
    assert!(!closed.call(&alice, &search(0)).await.is_error());
    let ticket = ticket_of(&closed.call(&alice, &delete()).await);

    redis.kill();
    // Fail closed by default, with the structured `unavailable` kind and the audit saying so.
    let r = closed.call(&alice, &search(1)).await;
    assert_eq!(
        r.error().map(ToolError::kind),
        Some(ErrorKind::Unavailable),
        "{r:?}"
    );
    assert_eq!(last_rate_decision(&audit), "store_unavailable");
    // Fail open only when chosen, and never for a call that needs a human.
    let r = open.call(&alice, &search(2)).await;
    assert!(!r.is_error(), "{r:?}");
    assert_eq!(last_rate_decision(&open_audit), "failed_open");
    let r = open.call(&alice, &delete()).await;
    assert_eq!(
        r.error().map(ToolError::kind),
        Some(ErrorKind::Unavailable),
        "{r:?}"
    );
    assert_eq!(last_rate_decision(&open_audit), "store_unavailable");
    // A resume cannot take its ticket: refused, nothing runs.
    let r = open.resume(&alice, &ticket, Decision::Approve).await;
    assert_eq!(
        r.error().map(ToolError::kind),
        Some(ErrorKind::Unavailable),
        "{r:?}"
    );
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);

    // Back (empty: no persistence): the same executors work again without a restart.
    redis.restart();
    let mut recovered = false;
    for _ in 0..50 {
        if !closed.call(&alice, &search(3)).await.is_error() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the connection manager reconnected");
    assert_eq!(last_rate_decision(&audit), "allowed");
    // The ticket died with Redis's memory: still refused, still not run.
    let r = closed.resume(&alice, &ticket, Decision::Approve).await;
    assert_eq!(
        r.error().map(ToolError::kind),
        Some(ErrorKind::Denied),
        "{r:?}"
    );
    let fresh = ticket_of(&open.call(&alice, &delete()).await);
    assert!(
        !closed
            .resume(&alice, &fresh, Decision::Approve)
            .await
            .is_error()
    );
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_ticket_whose_take_reply_is_lost_is_never_run() {
    let Some(redis) = PrivateRedis::start() else {
        return;
    };
    let prefix = unique_prefix("lost");
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    let e = replica(&probe, store(&redis.url(), &prefix), &audit, |b| b);
    let alice = alice();
    let ticket = ticket_of(&e.call(&alice, &delete()).await);
    // Redis stalls for longer than the store's deadline: the take's reply (if it runs at all)
    // comes too late. The caller hears `unavailable` and the body does not run.
    let mut conn = inspect(&redis.url()).await;
    let stall = tokio::spawn(async move {
        let _: redis::RedisResult<String> = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg("0.8")
            .query_async(&mut conn)
            .await;
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = e.resume(&alice, &ticket, Decision::Approve).await;
    assert_eq!(
        r.error().map(ToolError::kind),
        Some(ErrorKind::Unavailable),
        "{r:?}"
    );
    stall.await.unwrap();
    assert_eq!(
        probe.deletes.load(Ordering::SeqCst),
        0,
        "unavailable runs nothing"
    );
    // Either the take ran in Redis and only its reply was lost (the ticket is spent), or it
    // never reached Redis (the connection was dropped with it unread; the ticket is intact).
    // Never both: the body runs at most once, whatever the retries.
    let mut answers = Vec::new();
    for _ in 0..50 {
        let r = e.resume(&alice, &ticket, Decision::Approve).await;
        let kind = r.error().map(ToolError::kind);
        if kind == Some(ErrorKind::Unavailable) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        answers.push(r);
        if answers.len() == 3 {
            break;
        }
    }
    assert_eq!(answers.len(), 3, "Redis answers again");
    let ran = answers.iter().filter(|r| !r.is_error()).count();
    assert!(ran <= 1, "{answers:?}");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), ran);
    for r in answers.iter().filter(|r| r.is_error()) {
        let err = r.error().unwrap();
        assert_eq!(err.kind(), ErrorKind::Denied);
        assert!(err.message().contains("already used"), "{err:?}");
    }
}

#[tokio::test]
async fn a_store_built_while_redis_is_down_refuses_then_works_once_it_is_up() {
    let Some(mut redis) = PrivateRedis::start() else {
        return;
    };
    redis.kill();
    let probe = Arc::new(Probe::default());
    let audit = MemorySink::default();
    let e = replica(
        &probe,
        store(&redis.url(), &unique_prefix("late")),
        &audit,
        |b| b.rate_limit_per_principal(Rate::per_minute(10)),
    );
    let r = e.call(&alice(), &search(0)).await;
    assert_eq!(r.error().map(ToolError::kind), Some(ErrorKind::Unavailable));
    redis.restart();
    let mut ok = false;
    for i in 0..50 {
        if !e.call(&alice(), &search(i)).await.is_error() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok);
}

#[test]
fn a_bad_url_or_no_runtime_is_a_clear_error() {
    let e = RedisStore::connect("redis://127.0.0.1:1/").unwrap_err();
    assert!(e.to_string().contains("tokio runtime"), "{e}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let e = RedisStore::connect("http://nope").unwrap_err();
        assert!(e.to_string().contains("invalid Redis URL"), "{e}");
    });
}

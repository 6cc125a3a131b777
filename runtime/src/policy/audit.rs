//! Audit: one record for every attempt of every call, with secret arguments redacted, sent to
//! pluggable sinks (tracing, a buffered JSONL file, memory for tests).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::call::CallArguments;
use crate::decl::ParamDecl;

/// What replaces every secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Keys redacted wherever they appear in arguments, unless the builder replaces the list.
pub const DEFAULT_SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_token",
    "refresh_token",
    "authorization",
    "private_key",
    "client_secret",
];

/// How each policy decided, in pipeline order. `None` means the call never got that far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decisions {
    /// `allowed`, or `unknown_tool` for a name that is missing or hidden from this caller
    /// (lookup and permission are one step: hidden = unknown).
    pub permission: Option<&'static str>,
    /// `allowed`, `limited` or `saturated`.
    pub rate_limit: Option<&'static str>,
    /// `closed`, `half_open` or `open`.
    pub circuit_breaker: Option<&'static str>,
    /// `valid` or `invalid`.
    pub validation: Option<&'static str>,
    /// `not_required`, `approved`, `denied` or `pending`.
    pub confirmation: Option<&'static str>,
    /// `admitted`, or `full` when the tool already ran as many bodies as it may.
    pub bulkhead: Option<&'static str>,
}

/// One audit record: an attempt of a call, or (with `final_record`) the call's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditRecord {
    /// Milliseconds since the Unix epoch when the record was made.
    pub timestamp_ms: u64,
    /// The model's call id.
    pub call_id: String,
    /// The principal's id.
    pub principal: String,
    /// The principal's tenant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The tool name as the model sent it.
    pub tool: String,
    /// The arguments, secrets replaced by `"[REDACTED]"` (shared between a call's records).
    pub arguments: Arc<Value>,
    /// Each policy's decision.
    pub decisions: Decisions,
    /// 0 for the first attempt.
    pub attempt: u32,
    /// Whether this is the one final record of the call.
    pub final_record: bool,
    /// How many retries the call used (final records).
    pub retries: u32,
    /// Time spent, in milliseconds.
    pub duration_ms: u64,
    /// `ok`, or the error kind (`invalid_arguments`, `timeout`, …).
    pub outcome: String,
    /// The error message, for failed outcomes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a sink could not take a record.
#[derive(Debug, thiserror::Error)]
#[error("audit sink failed: {0}")]
pub struct AuditError(pub String);

/// Where audit records go. `record` must not block for long: the executor calls it inline.
pub trait AuditSink: Send + Sync {
    /// Takes one record.
    ///
    /// # Errors
    /// When the record could not be stored; destructive calls then fail closed.
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError>;

    /// Writes out anything buffered.
    ///
    /// # Errors
    /// When the buffer could not be written.
    fn flush(&self) -> Result<(), AuditError> {
        Ok(())
    }
}

/// Keeps records in memory, for tests and for showing a summary. Unbounded by default;
/// [`MemorySink::bounded`] keeps only the most recent records.
#[derive(Clone)]
pub struct MemorySink {
    records: Arc<Mutex<std::collections::VecDeque<AuditRecord>>>,
    limit: usize,
}

impl Default for MemorySink {
    fn default() -> Self {
        Self::bounded(usize::MAX)
    }
}

impl MemorySink {
    /// An empty, unbounded sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A sink that keeps the latest `limit` records and drops older ones.
    pub fn bounded(limit: usize) -> Self {
        Self {
            records: Arc::default(),
            limit: limit.max(1),
        }
    }

    /// A copy of every record kept.
    pub fn records(&self) -> Vec<AuditRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// How many records are kept.
    pub fn len(&self) -> usize {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no record is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every record as JSON lines, as a file sink would write them.
    pub fn to_jsonl(&self) -> String {
        self.records()
            .iter()
            .filter_map(|r| serde_json::to_string(r).ok())
            .map(|l| l + "\n")
            .collect()
    }
}

impl AuditSink for MemorySink {
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if records.len() >= self.limit {
            records.pop_front();
        }
        records.push_back(record.clone());
        Ok(())
    }
}

/// Appends records as JSON lines to a file, buffered.
pub struct JsonlSink(Mutex<BufWriter<File>>);

impl JsonlSink {
    /// Opens (appends to) `path`.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = File::options().create(true).append(true).open(path)?;
        Ok(Self(Mutex::new(BufWriter::new(file))))
    }
}

impl AuditSink for JsonlSink {
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let mut w = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        serde_json::to_writer(&mut *w, record).map_err(|e| AuditError(e.to_string()))?;
        w.write_all(b"\n").map_err(|e| AuditError(e.to_string()))
    }

    fn flush(&self) -> Result<(), AuditError> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush()
            .map_err(|e| AuditError(e.to_string()))
    }
}

impl Drop for JsonlSink {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Moves writing off the calling thread: records go through a bounded queue to a dedicated
/// thread that feeds `inner`. A slow or blocked sink then never stalls tool calls. When the
/// queue is full the record is refused (counted in [`BackgroundSink::dropped`]), so destructive
/// calls fail closed instead of running unrecorded, and memory stays bounded.
pub struct BackgroundSink {
    tx: std::sync::mpsc::SyncSender<AuditRecord>,
    dropped: Arc<std::sync::atomic::AtomicU64>,
}

impl BackgroundSink {
    /// Feeds `inner` from a queue of at most `capacity` records.
    ///
    /// # Errors
    /// When the writer thread cannot be started.
    pub fn new(inner: impl AuditSink + 'static, capacity: usize) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<AuditRecord>(capacity.max(1));
        std::thread::Builder::new()
            .name("toolwright-audit".into())
            .spawn(move || {
                for record in rx {
                    if let Err(e) = inner.record(&record) {
                        tracing::error!(target: "toolwright::audit", error = %e, "background audit sink failed");
                    }
                }
                let _ = inner.flush();
            })?;
        Ok(Self {
            tx,
            dropped: Arc::default(),
        })
    }

    /// Records refused because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl AuditSink for BackgroundSink {
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        self.tx.try_send(record.clone()).map_err(|e| {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            AuditError(match e {
                std::sync::mpsc::TrySendError::Full(_) => "the audit queue is full".into(),
                std::sync::mpsc::TrySendError::Disconnected(_) => "the audit writer stopped".into(),
            })
        })
    }
}

/// Emits each record as a `tracing` event with OpenTelemetry GenAI attribute names
/// (`gen_ai.operation.name = "execute_tool"`, `gen_ai.tool.name`, `gen_ai.tool.call.id`,
/// `error.type`). Arguments are left out, as the semantic conventions advise by default.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingSink;

impl AuditSink for TracingSink {
    fn record(&self, r: &AuditRecord) -> Result<(), AuditError> {
        let error_type = (r.outcome != "ok").then_some(r.outcome.as_str());
        tracing::info!(
            target: "toolwright::audit",
            {
                "gen_ai.operation.name" = "execute_tool",
                "gen_ai.tool.name" = r.tool.as_str(),
                "gen_ai.tool.call.id" = r.call_id.as_str(),
                "error.type" = error_type,
                "toolwright.principal" = r.principal.as_str(),
                "toolwright.attempt" = r.attempt,
                "toolwright.final" = r.final_record,
                "toolwright.duration_ms" = r.duration_ms,
            },
            "tool call {}",
            if r.final_record { "finished" } else { "attempt" }
        );
        Ok(())
    }
}

/// Replaces secret values: top-level arguments whose parameter is `#[arg(secret)]`, and any
/// object key (at any depth) that contains one of `keys`, ignoring case and `-`/`_`.
pub fn redact(value: &Value, params: &[ParamDecl], keys: &[String]) -> Value {
    let mut out = value.clone();
    if let Value::Object(map) = &mut out {
        for p in params.iter().filter(|p| p.constraints.secret) {
            if let Some(v) = map.get_mut(p.name) {
                *v = Value::String(REDACTED.into());
            }
        }
    }
    redact_keys(&mut out, keys, 0);
    out
}

fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn redact_keys(value: &mut Value, keys: &[String], depth: usize) {
    // Arguments are depth-capped before this runs; the guard keeps this total anyway.
    if depth > 256 {
        *value = Value::String(REDACTED.into());
        return;
    }
    match value {
        Value::Object(map) => redact_map(map, keys, depth),
        Value::Array(items) => {
            for v in items {
                redact_keys(v, keys, depth + 1);
            }
        }
        _ => {}
    }
}

/// Whether `key`, lowercased without `-`/`_`, contains one of `keys`. Containment, not
/// equality: `x_api_key`, `github_token` and `db_password` are secrets too; a false positive
/// only hides a value from the audit log. Short ASCII keys (the usual case) stay on the stack.
fn key_matches(key: &str, keys: &[String]) -> bool {
    let mut buf = [0u8; 64];
    let mut n = 0;
    if key.is_ascii() && key.len() <= buf.len() {
        for b in key.bytes().filter(|b| *b != b'_' && *b != b'-') {
            buf[n] = b.to_ascii_lowercase();
            n += 1;
        }
        let nk = &buf[..n];
        return keys
            .iter()
            .any(|s| s.is_empty() || nk.windows(s.len()).any(|w| w == s.as_bytes()));
    }
    let nk = normalize(key);
    keys.iter().any(|s| nk.contains(s.as_str()))
}

fn redact_map(map: &mut Map<String, Value>, keys: &[String], depth: usize) {
    for (k, v) in map.iter_mut() {
        if key_matches(k, keys) {
            *v = Value::String(REDACTED.into());
            continue;
        }
        redact_keys(v, keys, depth + 1);
    }
}

/// The configured keys, normalized for matching.
pub fn normalize_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    keys.into_iter().map(normalize).collect()
}

/// The arguments as JSON for the record. Text that is not JSON is not copied (it may hold a
/// secret the redactor cannot see): only its size is kept.
pub fn arguments_value(args: &CallArguments) -> Value {
    match args {
        // Cloning (and redacting) is recursive: a value nested deeper than any valid arguments
        // (parsers stop at 128 levels; the executor's cap is 64) is not copied.
        CallArguments::Json(v) if super::limits::value_size_depth(v, usize::MAX, 128).1 > 128 => {
            Value::String("<arguments nested deeper than 128 levels>".into())
        }
        CallArguments::Json(v) => v.clone(),
        CallArguments::Text(t) if t.trim().is_empty() => Value::Object(Map::new()),
        CallArguments::Text(t) => serde_json::from_str(t)
            .unwrap_or_else(|_| Value::String(format!("<{} bytes, not valid JSON>", t.len()))),
        CallArguments::Invalid { raw, .. } => {
            Value::String(format!("<{} bytes, not valid JSON>", raw.len()))
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Whole milliseconds, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::Constraints;
    use serde_json::json;

    static PARAMS: [ParamDecl; 2] = [
        ParamDecl {
            name: "api_key",
            description: "",
            required: true,
            constraints: Constraints {
                min_len: None,
                max_len: None,
                min: None,
                max: None,
                pattern: None,
                secret: true,
                default: None,
            },
        },
        ParamDecl {
            name: "query",
            description: "",
            required: true,
            constraints: Constraints {
                min_len: None,
                max_len: None,
                min: None,
                max: None,
                pattern: None,
                secret: false,
                default: None,
            },
        },
    ];

    #[test]
    fn secret_params_and_configured_keys_are_redacted_at_any_depth() {
        let keys = normalize_keys(DEFAULT_SECRET_KEYS.iter().copied());
        let v = json!({
            "api_key": "sk-1", "query": "q",
            "nested": [{"Pass-Word": "p"}, {"deeper": {"ACCESS_TOKEN": {"x": 1}}}]
        });
        let r = redact(&v, &PARAMS, &keys);
        assert_eq!(r["api_key"], REDACTED);
        assert_eq!(r["query"], "q");
        assert_eq!(r["nested"][0]["Pass-Word"], "[REDACTED]");
        assert_eq!(r["nested"][1]["deeper"]["ACCESS_TOKEN"], "[REDACTED]");
    }

    #[test]
    fn invalid_json_text_is_not_copied() {
        let v = arguments_value(&CallArguments::Text("{\"password\": \"hunter2\"".into()));
        assert!(!v.to_string().contains("hunter2"));
    }

    #[test]
    fn jsonl_sink_writes_one_line_per_record() {
        let dir = std::env::temp_dir().join(format!("toolwright-audit-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let sink = JsonlSink::open(&dir).unwrap();
        let rec = AuditRecord {
            timestamp_ms: 1,
            call_id: "c".into(),
            principal: "p".into(),
            tenant: None,
            tool: "t".into(),
            arguments: Arc::new(json!({})),
            decisions: Decisions::default(),
            attempt: 0,
            final_record: true,
            retries: 0,
            duration_ms: 0,
            outcome: "ok".into(),
            error: None,
        };
        sink.record(&rec).unwrap();
        sink.record(&rec).unwrap();
        sink.flush().unwrap();
        let text = std::fs::read_to_string(&dir).unwrap();
        assert_eq!(text.lines().count(), 2);
        let _ = std::fs::remove_file(&dir);
    }
}

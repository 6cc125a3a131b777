//! Audit: one record for every attempt of every call, with secret arguments redacted, sent to
//! pluggable sinks (tracing, a buffered JSONL file, memory for tests).

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::call::CallArguments;
use crate::decl::ParamDecl;
use crate::policy::bulkhead::BulkheadDecision;
use crate::policy::circuit_breaker::BreakerDecision;
use crate::policy::confirm::ConfirmationDecision;
use crate::policy::layer::LayerStep;
use crate::policy::permission::PermissionDecision;
use crate::policy::rate_limit::RateLimitDecision;
use crate::policy::validation::ValidationDecision;
use crate::registry::{Registry, ToolEntry};
use crate::{Principal, ToolCall, ToolError};

mod arguments;
pub use arguments::AuditArguments;

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
    /// Lookup and permission are one step: hidden = unknown.
    pub permission: Option<PermissionDecision>,
    /// Per principal, per (principal, tool), per tool.
    pub rate_limit: Option<RateLimitDecision>,
    /// The tool's circuit breaker.
    pub circuit_breaker: Option<BreakerDecision>,
    /// Argument caps and validation.
    pub validation: Option<ValidationDecision>,
    /// A human's decision, when one is needed.
    pub confirmation: Option<ConfirmationDecision>,
    /// The tool's concurrency cap.
    pub bulkhead: Option<BulkheadDecision>,
    /// What each user layer the call went through did, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerStep>,
}

/// One audit record: an attempt of a call, or (with `final_record`) the call's outcome. The
/// example on [`MemorySink`] reads the records of a call.
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
    pub arguments: AuditArguments,
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
    /// For `invalid_arguments`: the JSON pointers of the arguments that failed (at most 20, no
    /// values), so a usage report can name the parameters whose docs need work.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub error_pointers: Vec<String>,
}

/// Why a sink could not take a record. A destructive call whose record cannot be written does
/// not run (it fails closed):
///
/// ```
/// use toolwright::{
///     AuditError, AuditRecord, AuditSink, AutoApprove, ErrorKind, Executor, Principal, Registry,
///     ToolCall, ToolError, tool,
/// };
///
/// /// Permanently delete a document from the knowledge base by its id. Returns the deleted id.
/// #[tool(permissions = ["kb:write"], destructive)]
/// async fn delete_document(
///     /// Id of the document, e.g. "kb-102", as listed by search results
///     id: String,
/// ) -> Result<String, ToolError> {
///     Ok(id)
/// }
///
/// /// An audit store that is down.
/// struct Unreachable;
///
/// impl AuditSink for Unreachable {
///     fn record(&self, _record: &AuditRecord) -> Result<(), AuditError> {
///         Err(AuditError("the audit database refused the connection".into()))
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::builder(Registry::builder().tool(delete_document).build()?)
///     .confirmer(AutoApprove)
///     .audit(Unreachable)
///     .build();
/// let editor = Principal::new("editor").grant("kb:write");
/// let call = ToolCall::new("c1", "delete_document", r#"{"id": "kb-102"}"#);
/// let refused = executor.call(&editor, &call).await.outcome.unwrap_err();
/// assert_eq!(refused.kind(), ErrorKind::Denied);
/// assert_eq!(refused.message(), "the audit log is unavailable, so this action is refused");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Debug, thiserror::Error)]
#[error("audit sink failed: {0}")]
pub struct AuditError(pub String);

/// Where audit records go. `record` must not block for long: the executor calls it inline.
///
/// The sinks that come with toolwright: [`MemorySink`] (tests, summaries), [`JsonlSink`] (a
/// file `toolwright report` reads), [`TracingSink`] (events with OpenTelemetry GenAI names)
/// and [`BackgroundSink`] (any sink, written from its own thread). Give the executor as many
/// as you like; your own sink is one method.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use toolwright::{
///     AuditError, AuditRecord, AuditSink, BackgroundSink, Executor, JsonlSink, MemorySink,
///     Principal, Registry, ToolCall, tool,
/// };
///
/// /// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
/// #[tool(read_only)]
/// fn get_current_time() -> String {
///     "2026-12-02T12:00:00Z".into()
/// }
///
/// /// Counts failed calls, e.g. to feed a metrics gauge.
/// #[derive(Default)]
/// struct FailureCounter(AtomicUsize);
///
/// impl AuditSink for FailureCounter {
///     fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
///         if record.final_record && record.outcome != "ok" {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///         Ok(())
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("toolwright-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let memory = MemorySink::new();
/// let executor = Executor::builder(Registry::builder().tool(get_current_time).build().unwrap())
///     .audit(memory.clone())
///     .audit(BackgroundSink::new(JsonlSink::open(dir.join("audit.jsonl")).unwrap(), 1024).unwrap())
///     .audit(FailureCounter::default())
///     .build();
/// executor
///     .call(&Principal::anonymous(), &ToolCall::new("c1", "get_current_time", "{}"))
///     .await;
/// let last = memory.records().pop().unwrap();
/// assert!(last.final_record);
/// assert_eq!((last.tool.as_str(), last.outcome.as_str()), ("get_current_time", "ok"));
/// # std::fs::remove_dir_all(&dir).ok();
/// # });
/// ```
pub trait AuditSink: Send + Sync {
    /// Takes one record.
    ///
    /// # Errors
    /// When the record could not be stored; destructive calls then fail closed.
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError>;

    /// Takes one record as the executor shares it between its sinks: a sink that keeps or
    /// queues records can hold this `Arc` instead of a copy. By default, [`AuditSink::record`].
    ///
    /// # Errors
    /// As [`AuditSink::record`].
    fn record_shared(&self, record: &Arc<AuditRecord>) -> Result<(), AuditError> {
        self.record(record)
    }

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
///
/// Each call leaves a record per attempt and one final record ([`AuditRecord`]), with secrets
/// redacted:
///
/// ```
/// use std::collections::BTreeMap;
/// use toolwright::{Executor, MemorySink, Principal, Registry, ToolCall, tool};
///
/// /// Send a test event to a customer's webhook endpoint. Returns the HTTP status it answered.
/// #[tool(open_world)]
/// fn send_test_webhook(
///     /// Webhook endpoint id, e.g. "wh_102", as listed by list_webhooks
///     endpoint: String,
///     /// Extra HTTP headers to send with the event, e.g. {"X-Trace": "t1"}
///     headers: BTreeMap<String, String>,
/// ) -> u16 {
///     200
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let memory = MemorySink::new();
/// let executor = Executor::builder(Registry::builder().tool(send_test_webhook).build()?)
///     .audit(memory.clone())
///     .build();
/// let args = r#"{"endpoint": "wh_102", "headers": {"Authorization": "Bearer s3cr3t", "X-Trace": "t1"}}"#;
/// let call = ToolCall::new("c1", "send_test_webhook", args);
/// executor.call(&Principal::new("ops"), &call).await;
///
/// let records = memory.records();
/// let last = records.last().unwrap();
/// assert!(last.final_record);
/// assert_eq!(last.tool, "send_test_webhook");
/// assert_eq!((last.principal.as_str(), last.outcome.as_str()), ("ops", "ok"));
/// let arguments = last.arguments.to_value();
/// assert_eq!(arguments["headers"]["Authorization"], "[REDACTED]");
/// assert_eq!(arguments["headers"]["X-Trace"], "t1");
/// assert!(!memory.to_jsonl().contains("s3cr3t"));
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct MemorySink {
    records: Arc<Mutex<std::collections::VecDeque<Arc<AuditRecord>>>>,
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
            .map(|r| AuditRecord::clone(r))
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

    /// Keeps `record`, dropping the oldest one beyond the bound.
    fn keep(&self, record: Arc<AuditRecord>) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let evicted = (records.len() >= self.limit)
            .then(|| records.pop_front())
            .flatten();
        records.push_back(record);
        drop(records);
        // The evicted record is freed after the lock is released.
        drop(evicted);
    }
}

impl AuditSink for MemorySink {
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        self.keep(Arc::new(record.clone()));
        Ok(())
    }

    fn record_shared(&self, record: &Arc<AuditRecord>) -> Result<(), AuditError> {
        self.keep(Arc::clone(record));
        Ok(())
    }
}

/// Appends records as JSON lines to a file. Each record reaches the file in one `write` before
/// [`AuditSink::record`] returns: a record the executor counted on (the intent before an approved
/// destructive call runs) survives a crash of this process a moment later. Records are not
/// `fsync`ed; wrap the sink in a [`BackgroundSink`] to take the write off the calling thread.
///
/// ```
/// use toolwright::{AuditSink, JsonlSink};
///
/// let dir = std::env::temp_dir().join(format!("toolwright-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let sink = JsonlSink::open(dir.join("audit.jsonl"))?;
/// # let _ = &sink as &dyn AuditSink;
/// // Give it to `ExecutorBuilder::audit`; every record is a line of the file as soon as it is made.
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct JsonlSink(Mutex<Line>);

/// The file and a buffer reused for each record's line.
struct Line {
    file: File,
    buf: Vec<u8>,
}

impl JsonlSink {
    /// Opens (appends to) `path`.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = File::options().create(true).append(true).open(path)?;
        Ok(Self(Mutex::new(Line {
            file,
            buf: Vec::with_capacity(512),
        })))
    }
}

impl AuditSink for JsonlSink {
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let mut line = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Line { file, buf } = &mut *line;
        buf.clear();
        serde_json::to_writer(&mut *buf, record).map_err(|e| AuditError(e.to_string()))?;
        buf.push(b'\n');
        // The whole line in one `write_all` (one `write` but on a full disk), appended where the
        // file ends then (`O_APPEND`): records written this way never tear each other.
        file.write_all(buf).map_err(|e| AuditError(e.to_string()))
    }

    fn flush(&self) -> Result<(), AuditError> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .file
            .flush()
            .map_err(|e| AuditError(e.to_string()))
    }
}

/// Moves writing off the calling thread: records go through a bounded queue to a dedicated
/// thread that feeds `inner`. A slow or blocked sink then never stalls tool calls. When the
/// queue is full the record is refused (counted in [`BackgroundSink::dropped`]), so destructive
/// calls fail closed instead of running unrecorded, and memory stays bounded.
///
/// ```
/// use std::time::Duration;
/// use toolwright::{BackgroundSink, Executor, MemorySink, Principal, Registry, ToolCall, tool};
///
/// /// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
/// #[tool(read_only)]
/// fn get_current_time() -> String {
///     "2026-12-02T12:00:00Z".into()
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// // A `JsonlSink` in production; memory here, to look at what arrived.
/// let memory = MemorySink::new();
/// let background = BackgroundSink::new(memory.clone(), 1024).unwrap();
/// let executor = Executor::builder(Registry::builder().tool(get_current_time).build()?)
///     .audit(background)
///     .build();
/// executor.call(&Principal::anonymous(), &ToolCall::new("c1", "get_current_time", "{}")).await;
///
/// // The writer thread catches up soon after the call returns.
/// for _ in 0..500 {
///     if memory.records().iter().any(|r| r.final_record) {
///         break;
///     }
///     std::thread::sleep(Duration::from_millis(10));
/// }
/// assert_eq!(memory.records().last().unwrap().outcome, "ok");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
pub struct BackgroundSink {
    tx: std::sync::mpsc::SyncSender<Arc<AuditRecord>>,
    dropped: Arc<std::sync::atomic::AtomicU64>,
}

impl BackgroundSink {
    /// Feeds `inner` from a queue of at most `capacity` records.
    ///
    /// # Errors
    /// When the writer thread cannot be started.
    pub fn new(inner: impl AuditSink + 'static, capacity: usize) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Arc<AuditRecord>>(capacity.max(1));
        std::thread::Builder::new()
            .name("toolwright-audit".into())
            .spawn(move || {
                for record in rx {
                    if let Err(e) = inner.record_shared(&record) {
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
        self.record_shared(&Arc::new(record.clone()))
    }

    fn record_shared(&self, record: &Arc<AuditRecord>) -> Result<(), AuditError> {
        self.tx.try_send(Arc::clone(record)).map_err(|e| {
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
///
/// The events have the target `toolwright::audit`: any `tracing` subscriber shows them (with
/// `tracing-subscriber`, `tracing_subscriber::fmt().init()`). Here a tiny subscriber collects
/// the tool names:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use toolwright::{Executor, Principal, Registry, ToolCall, TracingSink, tool};
/// use tracing::field::{Field, Visit};
///
/// /// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
/// #[tool(read_only)]
/// fn get_current_time() -> String {
///     "2026-12-02T12:00:00Z".into()
/// }
///
/// /// Keeps the `gen_ai.tool.name` of every audit event.
/// #[derive(Clone, Default)]
/// struct ToolNames(Arc<Mutex<Vec<String>>>);
///
/// impl Visit for ToolNames {
///     fn record_str(&mut self, field: &Field, value: &str) {
///         if field.name() == "gen_ai.tool.name" {
///             self.0.lock().unwrap().push(value.to_owned());
///         }
///     }
///     fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
/// }
///
/// impl tracing::Subscriber for ToolNames {
///     fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
///         metadata.target() == "toolwright::audit"
///     }
///     fn event(&self, event: &tracing::Event<'_>) {
///         event.record(&mut self.clone());
///     }
///     fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
///         tracing::span::Id::from_u64(1)
///     }
///     fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
///     fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
///     fn enter(&self, _: &tracing::span::Id) {}
///     fn exit(&self, _: &tracing::span::Id) {}
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let names = ToolNames::default();
/// let _guard = tracing::subscriber::set_default(names.clone());
/// let executor = Executor::builder(Registry::builder().tool(get_current_time).build()?)
///     .audit(TracingSink)
///     .build();
/// executor.call(&Principal::anonymous(), &ToolCall::new("c1", "get_current_time", "{}")).await;
/// assert!(!names.0.lock().unwrap().is_empty());
/// assert!(names.0.lock().unwrap().iter().all(|name| name == "get_current_time"));
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
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

/// [`redact_with`], working out which parameters are secret on the spot.
#[cfg(test)]
pub(crate) fn redact(value: Value, params: &[ParamDecl], keys: &[String]) -> Value {
    redact_with(value, params, &secret_params(params, keys), keys)
}

/// For each of `params`, whether its value is secret: declared `#[arg(secret)]`, or its name
/// contains one of `keys`. Worked out once per tool when the executor is built.
fn secret_params(params: &[ParamDecl], keys: &[String]) -> Box<[bool]> {
    params
        .iter()
        .map(|p| p.constraints.secret || key_matches(p.name, keys))
        .collect()
}

/// Replaces secret values: top-level arguments whose parameter is secret (`secret[i]` for
/// `params[i]`: `#[arg(secret)]`, or a name matching `keys`), and any
/// object key (at any depth) that contains one of `keys`, ignoring case and `-`/`_`. Only
/// declared parameters keep their values: any other top-level key (every key, for a tool that
/// is not registered) is recorded with `"[REDACTED]"`, since nothing says what it holds. A root
/// that is not an object is not copied at all. Works in place: the value is the record's own
/// copy.
fn redact_with(value: Value, params: &[ParamDecl], secret: &[bool], keys: &[String]) -> Value {
    let mut map = match value {
        Value::Object(map) => map,
        Value::String(s) if is_placeholder(&s) => return Value::String(s),
        other => return not_an_object(&other),
    };
    for (k, v) in &mut map {
        let declared = params.iter().position(|p| p.name == k);
        match declared {
            Some(i) if !secret.get(i).copied().unwrap_or(true) => redact_keys(v, keys, 1),
            _ => *v = Value::String(REDACTED.into()),
        }
    }
    Value::Object(map)
}

/// Whether `key` contains one of [`DEFAULT_SECRET_KEYS`] (ignoring case, `-` and `_`): such a key
/// is not named in error messages.
pub(crate) fn is_default_secret_key(key: &str) -> bool {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    key_matches(
        key,
        KEYS.get_or_init(|| normalize_keys(DEFAULT_SECRET_KEYS.iter().copied())),
    )
}

const TOO_DEEP: &str = "[arguments nested deeper than 128 levels]";
const NOT_JSON: (&str, &str) = ("[not valid JSON: ", " bytes]");
const NOT_AN_OBJECT: (&str, &str) = ("[not a JSON object: ", "]");
const KINDS: [&str; 5] = ["null", "a boolean", "a number", "a string", "an array"];

/// What the record holds instead of a root that is not an object (a double-encoded object, a
/// positional array): its type only, since no key says which part is secret.
fn not_an_object(value: &Value) -> Value {
    let kind = crate::validate::json_type_name(value);
    Value::String(format!("{}{kind}{}", NOT_AN_OBJECT.0, NOT_AN_OBJECT.1))
}

/// Whether `s` is exactly one of the placeholders [`arguments_value`] makes (a number of bytes
/// or a type name is all the room they leave).
fn is_placeholder(s: &str) -> bool {
    let between = |(open, close): (&str, &str)| s.strip_prefix(open)?.strip_suffix(close);
    s == TOO_DEEP
        || between(NOT_JSON).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        || between(NOT_AN_OBJECT).is_some_and(|k| KINDS.contains(&k))
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

/// `value` serialized with every value under a secret key replaced, as [`redact_keys`] would
/// leave it.
struct KeysRedacted<'a> {
    value: &'a Value,
    keys: &'a [String],
    depth: usize,
}

impl Serialize for KeysRedacted<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let inner = |value| KeysRedacted {
            value,
            keys: self.keys,
            depth: self.depth + 1,
        };
        if self.depth > 256 {
            return s.serialize_str(REDACTED);
        }
        match self.value {
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    if key_matches(k, self.keys) {
                        m.serialize_entry(k, REDACTED)?;
                    } else {
                        m.serialize_entry(k, &inner(v))?;
                    }
                }
                m.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&inner(v))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// The configured keys, normalized for matching.
pub fn normalize_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    keys.into_iter().map(normalize).collect()
}

/// Whether `value` nests deeper than any valid arguments (parsers stop at 128 levels; the
/// executor's cap is 64): copying and redacting are recursive, so such a value is not copied.
fn too_deep_to_copy(value: &Value) -> bool {
    super::limits::value_size_depth(value, usize::MAX, 128).1 > 128
}

/// The arguments as JSON for the record. Text that is not JSON, and a root that is not an
/// object, are not copied (they may hold a secret the redactor cannot see): only their size or
/// type is kept.
pub fn arguments_value(args: &CallArguments) -> Value {
    let not_json = |len: usize| Value::String(format!("{}{len}{}", NOT_JSON.0, NOT_JSON.1));
    match args {
        CallArguments::Json(v) if !v.is_object() => not_an_object(v),
        CallArguments::Json(v) if too_deep_to_copy(v) => Value::String(TOO_DEEP.into()),
        CallArguments::Json(v) => v.clone(),
        CallArguments::Text(t) => match args.to_value() {
            Some(v) if v.is_object() => v.into_owned(),
            Some(other) => not_an_object(&other),
            None => not_json(t.len()),
        },
        // Judged by the first byte only: a provider already found it unusable.
        CallArguments::Invalid { raw, .. } => match crate::validate::root_of(raw) {
            crate::validate::Root::Other(kind) => {
                Value::String(format!("{}{kind}{}", NOT_AN_OBJECT.0, NOT_AN_OBJECT.1))
            }
            _ => not_json(raw.len()),
        },
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Whole milliseconds, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The audit policy's configuration: where records go, and which keys are secret.
pub(crate) struct AuditPolicy {
    pub(crate) sinks: Vec<Arc<dyn AuditSink>>,
    pub(crate) secret_keys: Vec<String>,
    /// Per registered tool (by index), which of its parameters are secret: see
    /// [`AuditPolicy::know`].
    secret_params: Vec<Box<[bool]>>,
}

impl Default for AuditPolicy {
    fn default() -> Self {
        Self {
            sinks: Vec::new(),
            secret_keys: normalize_keys(DEFAULT_SECRET_KEYS.iter().copied()),
            secret_params: Vec::new(),
        }
    }
}

impl AuditPolicy {
    /// Works out which parameters of each tool of `registry` are secret, once all secret keys
    /// are configured, so a call's redaction matches no declared name against them.
    pub(crate) fn know(&mut self, registry: &Registry) {
        self.secret_params = registry
            .iter()
            .map(|entry| secret_params(entry.params(), &self.secret_keys))
            .collect();
    }
}

/// Which record of a call: an attempt, or (`final_record`) the call's outcome.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Moment {
    attempt: u32,
    final_record: bool,
    retries: u32,
    took: Duration,
}

impl Moment {
    /// Attempt `n` (0 first), which took `took`; another follows.
    pub(crate) fn attempt(n: u32, took: Duration) -> Self {
        Self {
            attempt: n,
            final_record: false,
            retries: n,
            took,
        }
    }

    /// The call's one final record, after `retries` retries and `took` in all.
    pub(crate) fn last(retries: u32, took: Duration) -> Self {
        Self {
            attempt: 0,
            final_record: true,
            retries,
            took,
        }
    }
}

/// The audit side of one call: redacts the arguments once, on first use.
pub(crate) struct CallAudit<'a> {
    policy: &'a AuditPolicy,
    registry: &'a Registry,
    principal: &'a Principal,
    call: &'a ToolCall,
    arguments: OnceLock<AuditArguments>,
    /// The parameters and the index of the tool the call names, once the executor has found
    /// it: not looked up again.
    entry: OnceLock<(&'static [ParamDecl], usize)>,
}

impl<'a> CallAudit<'a> {
    pub(crate) fn new(
        policy: &'a AuditPolicy,
        registry: &'a Registry,
        principal: &'a Principal,
        call: &'a ToolCall,
    ) -> Self {
        Self {
            policy,
            registry,
            principal,
            call,
            arguments: OnceLock::new(),
            entry: OnceLock::new(),
        }
    }

    /// The tool the call names, as the executor found it in the same registry.
    pub(crate) fn found(&self, entry: &ToolEntry) {
        // Set once per call; a second call finds it set to the same entry.
        let _ = self.entry.set((entry.params(), entry.index()));
    }

    /// The declared parameters of the tool the call names, and which are secret (none for a
    /// tool that is not registered).
    fn secret_row(&self) -> (&'a [ParamDecl], &'a [bool]) {
        // `know` filled one row per tool when the executor was built; a tool without a row
        // (none today) would have every value redacted, never one shown.
        let found = self.entry.get().copied().or_else(|| {
            self.registry
                .get(&self.call.name)
                .map(|entry| (entry.params(), entry.index()))
        });
        match found {
            Some((params, index)) => (
                params,
                self.policy
                    .secret_params
                    .get(index)
                    .map_or(&[][..], |row| &row[..]),
            ),
            None => (&[][..], &[][..]),
        }
    }

    /// `args` for a human: secrets redacted. Secret parameters are redacted even when the tool
    /// is hidden from this caller.
    pub(crate) fn redacted(&self, args: &CallArguments) -> Value {
        let (params, secret) = self.secret_row();
        redact_with(
            arguments_value(args),
            params,
            secret,
            &self.policy.secret_keys,
        )
    }

    /// A tool's output for a trace: values under secret keys (any depth) redacted, written out
    /// as it is serialized (no copy).
    pub(crate) fn redacted_output<'v>(&'v self, output: &'v Value) -> impl Serialize + 'v {
        KeysRedacted {
            value: output,
            keys: &self.policy.secret_keys,
            depth: 0,
        }
    }

    /// The call's arguments as sent, redacted (computed once, on first use). Text that is a
    /// JSON object, the usual case, is redacted in one pass with no value tree; anything else
    /// goes through [`CallAudit::redacted`].
    pub(crate) fn arguments(&self) -> &AuditArguments {
        self.arguments.get_or_init(|| {
            let (params, secret) = self.secret_row();
            let keys = &self.policy.secret_keys;
            match &self.call.arguments {
                CallArguments::Text(text)
                    if crate::validate::root_of(text) == crate::validate::Root::Object =>
                {
                    if let Some(args) = arguments::redact_text(text, params, secret, keys) {
                        return args;
                    }
                }
                CallArguments::Json(value @ Value::Object(map)) if !too_deep_to_copy(value) => {
                    return arguments::redact_object(map, params, secret, keys);
                }
                _ => {}
            }
            AuditArguments::of_value(&self.redacted(&self.call.arguments))
        })
    }

    fn record(&self, at: Moment, decisions: &Decisions) -> AuditRecord {
        // The model chooses the id and the name: a record keeps a bounded copy.
        AuditRecord {
            timestamp_ms: now_ms(),
            call_id: crate::error::capped(&self.call.id, 256),
            principal: self.principal.id().to_owned(),
            tenant: self.principal.tenant().map(str::to_owned),
            tool: crate::error::capped(&self.call.name, 128),
            arguments: self.arguments().clone(),
            decisions: decisions.clone(),
            attempt: at.attempt,
            final_record: at.final_record,
            retries: at.retries,
            duration_ms: millis(at.took),
            outcome: String::from("ok"),
            error: None,
            error_pointers: Vec::new(),
        }
    }

    /// Sends a record to every sink (one shared copy); `false` when any sink failed.
    fn send(&self, record: AuditRecord) -> bool {
        let record = Arc::new(record);
        let mut ok = true;
        for sink in &self.policy.sinks {
            if let Err(e) = sink.record_shared(&record) {
                tracing::error!(target: "toolwright::audit", error = %e, "audit sink failed");
                ok = false;
            }
        }
        ok
    }

    /// Records one attempt, or the call's outcome.
    pub(crate) fn emit(
        &self,
        at: Moment,
        decisions: &Decisions,
        result: &Result<Value, ToolError>,
    ) {
        if self.policy.sinks.is_empty() {
            return;
        }
        let mut rec = self.record(at, decisions);
        if let Err(e) = result {
            e.kind().as_str().clone_into(&mut rec.outcome);
            rec.error = Some(e.message().to_owned());
            rec.error_pointers = e.field_pointers().to_vec();
        }
        self.send(rec);
    }

    /// Records that an approved call is about to run. `false` when it could not be recorded.
    pub(crate) fn emit_intent(&self, decisions: &Decisions) -> bool {
        if self.policy.sinks.is_empty() {
            return true;
        }
        let mut rec = self.record(Moment::attempt(0, Duration::ZERO), decisions);
        "approved".clone_into(&mut rec.outcome);
        self.send(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::Constraints;
    use serde_json::json;

    pub(super) const fn param(name: &'static str, secret: bool) -> ParamDecl {
        ParamDecl {
            name,
            description: "",
            required: true,
            constraints: Constraints {
                secret,
                ..Constraints::NONE
            },
        }
    }

    static PARAMS: [ParamDecl; 2] = [param("api_key", true), param("query", false)];

    #[test]
    fn secret_params_and_configured_keys_are_redacted_at_any_depth() {
        let keys = normalize_keys(DEFAULT_SECRET_KEYS.iter().copied());
        let v = json!({
            "api_key": "sk-1",
            "query": ["q", {"Pass-Word": "p"}, {"deeper": {"ACCESS_TOKEN": {"x": 1}}}]
        });
        let r = redact(v, &PARAMS, &keys);
        assert_eq!(r["api_key"], REDACTED);
        assert_eq!(r["query"][0], "q");
        assert_eq!(r["query"][1]["Pass-Word"], "[REDACTED]");
        assert_eq!(r["query"][2]["deeper"]["ACCESS_TOKEN"], "[REDACTED]");
    }

    #[test]
    fn undeclared_keys_keep_only_their_names() {
        let keys = normalize_keys(DEFAULT_SECRET_KEYS.iter().copied());
        let v = json!({"query": "q", "note": "S3CR3T", "config": {"x": ["S3CR3T"]}});
        assert_eq!(
            redact(v, &PARAMS, &keys),
            json!({"query": "q", "note": REDACTED, "config": REDACTED})
        );
        // A tool that is not registered has no parameters: nothing but the keys is kept.
        assert_eq!(
            redact(json!({"query": "S3CR3T"}), &[], &keys),
            json!({"query": REDACTED})
        );
    }

    #[test]
    fn a_root_that_is_not_an_object_is_replaced_by_its_type() {
        let keys = normalize_keys(DEFAULT_SECRET_KEYS.iter().copied());
        let record = |args: CallArguments| redact(arguments_value(&args), &PARAMS, &keys);
        for (args, expected) in [
            (
                CallArguments::Text(r#""{\"password\":\"S3CR3T\"}""#.into()),
                "[not a JSON object: a string]",
            ),
            (
                CallArguments::Text(r#"["T-1", "S3CR3T", null]"#.into()),
                "[not a JSON object: an array]",
            ),
            (
                CallArguments::Json(json!("S3CR3T")),
                "[not a JSON object: a string]",
            ),
            (
                CallArguments::Invalid {
                    raw: "[\"S3CR3T\"]".into(),
                    error: String::new(),
                },
                "[not a JSON object: an array]",
            ),
            (
                CallArguments::Text("{\"S3CR3T\"".into()),
                "[not valid JSON: 9 bytes]",
            ),
        ] {
            assert_eq!(record(args), json!(expected));
        }
        // Called directly on a string that is not one of its placeholders, it copies nothing.
        assert_eq!(
            redact(json!("[not valid JSON: S3CR3T]"), &PARAMS, &keys),
            json!("[not a JSON object: a string]")
        );
    }

    #[test]
    fn outputs_serialize_redacted_as_redact_keys_leaves_them() {
        let keys = normalize_keys(DEFAULT_SECRET_KEYS.iter().copied());
        let v = json!({
            "id": 7,
            "rows": [{"name": "a", "Api-Key": "S3CR3T"}, ["x", {"db_password": {"n": 1}}]],
            "session_token": null
        });
        let written = serde_json::to_value(KeysRedacted {
            value: &v,
            keys: &keys,
            depth: 0,
        })
        .unwrap();
        let mut copied = v.clone();
        redact_keys(&mut copied, &keys, 0);
        assert_eq!(written, copied);
        assert_eq!(written["rows"][0]["Api-Key"], REDACTED);
        assert_eq!(written["rows"][1][1]["db_password"], REDACTED);
        assert_eq!(written["session_token"], REDACTED);
        assert_eq!(written["rows"][0]["name"], "a");
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
            arguments: AuditArguments::of_value(&json!({})),
            decisions: Decisions::default(),
            attempt: 0,
            final_record: true,
            retries: 0,
            duration_ms: 0,
            outcome: "ok".into(),
            error: None,
            error_pointers: Vec::new(),
        };
        sink.record(&rec).unwrap();
        sink.record(&rec).unwrap();
        sink.flush().unwrap();
        let text = std::fs::read_to_string(&dir).unwrap();
        assert_eq!(text.lines().count(), 2);
        let _ = std::fs::remove_file(&dir);
    }
}

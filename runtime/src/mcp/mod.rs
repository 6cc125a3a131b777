//! An MCP server for a registry (feature `mcp`), on rmcp, the official Rust SDK: `tools/list`
//! comes from the caller's scoped view with annotations from the declared policy, and every
//! `tools/call` runs through the executor, so every policy holds. Failures of any kind come back
//! as results with `isError: true` and the structured error text, never as protocol errors.
//! Revisions 2026-07-28 (stateless: `server/discover`, per-request `_meta`) and 2025-11-25 (with
//! the older ones rmcp negotiates) are served side by side, chosen per request.
//!
//! Destructive calls are confirmed by a human through the client: on 2026-07-28 by a multi
//! round-trip request (an input-required result whose sealed `requestState` comes back with the
//! human's answer, see [`McpServer::with_state_key`]), on older revisions by elicitation. A client
//! that supports neither gets a denial, never a run; a call the client cancels is dropped, never
//! run.

mod elicitation;
mod http;
mod logging;
mod mrtr;
mod sessions;
mod stdio;

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ErrorCode, Implementation,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ProtocolVersion,
    ResultType, ServerCapabilities, ServerConfig, ServerNotification, SubscriptionFilter,
};
use rmcp::service::{
    NotificationContext, Peer, RequestContext, RoleServer, SubscriptionContext, SubscriptionSink,
};
use serde_json::{Map, Value, json};

use crate::call::{CallArguments, ToolCall, ToolResult};
use crate::providers;
use crate::{Executor, Principal, Progress, ProgressUpdate, Registry, ToolEntry, ToolError};
use elicitation::Elicitation;
use mrtr::Confirmations;

pub use http::{serve_http, serve_http_on, serve_http_with};
pub use logging::{RMCP_LOG_DIRECTIVE, is_rmcp_payload_free};
pub use mrtr::StateKeyError;
pub use stdio::{serve_io, serve_stdio};

/// Maps a bearer token to the principal it stands for; `None` refuses the request (401).
pub trait TokenResolver: Send + Sync + 'static {
    /// The principal for `token`.
    fn resolve(&self, token: &str) -> Option<Principal>;
}

impl<F> TokenResolver for F
where
    F: Fn(&str) -> Option<Principal> + Send + Sync + 'static,
{
    fn resolve(&self, token: &str) -> Option<Principal> {
        self(token)
    }
}

/// The executor behind an MCP server, replaceable while clients are connected: replacing it
/// sends `notifications/tools/list_changed` to every connected client.
#[derive(Clone)]
pub struct SharedExecutor {
    inner: Arc<Mutex<Shared>>,
}

struct Shared {
    executor: Executor,
    peers: Vec<Peer<RoleServer>>,
    /// Open `subscriptions/listen` streams (2026-07-28), by a key of ours.
    listeners: std::collections::HashMap<u64, SubscriptionSink>,
    next_listener: u64,
}

impl SharedExecutor {
    /// Shares `executor`.
    pub fn new(executor: Executor) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Shared {
                executor,
                peers: Vec::new(),
                listeners: std::collections::HashMap::new(),
                next_listener: 0,
            })),
        }
    }

    /// The current executor.
    pub fn current(&self) -> Executor {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .executor
            .clone()
    }

    /// Replaces the executor (a new registry) and tells every connected client that the tool
    /// list changed: session clients (2025-11-25) by `notifications/tools/list_changed`, and
    /// 2026-07-28 clients on every `subscriptions/listen` stream that asked for it. Returns how
    /// many clients were notified.
    pub async fn replace(&self, executor: Executor) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .executor = executor;
        self.notify_list_changed().await
    }

    /// Takes `tool` out of service (see [`Executor::disable_tool`]) and, when it was in
    /// service, tells every connected client that the tool list changed, as
    /// [`SharedExecutor::replace`] does. Returns whether the registry has such a tool.
    pub async fn disable_tool(&self, tool: &str, reason: impl Into<String>) -> bool {
        let switched = self.current().switch_off(tool, reason.into());
        if switched == Some(true) {
            self.notify_list_changed().await;
        }
        switched.is_some()
    }

    /// Puts `tool` back in service and, when it was out of service, tells every connected
    /// client that the tool list changed. Returns whether it was out of service.
    pub async fn enable_tool(&self, tool: &str) -> bool {
        let was_off = self.current().enable_tool(tool);
        if was_off {
            self.notify_list_changed().await;
        }
        was_off
    }

    /// Tells every connected client that the tool list changed; returns how many were told.
    async fn notify_list_changed(&self) -> usize {
        let (peers, listeners) = {
            let mut shared = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            shared.peers.retain(|p| !p.is_transport_closed());
            let listeners: Vec<SubscriptionSink> = shared.listeners.values().cloned().collect();
            (shared.peers.clone(), listeners)
        };
        let mut notified = 0;
        for peer in peers {
            if peer.notify_tool_list_changed().await.is_ok() {
                notified += 1;
            }
        }
        for sink in listeners {
            let changed = ServerNotification::ToolListChangedNotification(Default::default());
            if sink.send(changed).await.is_ok() {
                notified += 1;
            }
        }
        notified
    }

    /// Keeps `sink` informed until the returned key is passed to [`Self::unlisten`].
    fn listen(&self, sink: SubscriptionSink) -> u64 {
        let mut shared = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let key = shared.next_listener;
        shared.next_listener += 1;
        shared.listeners.insert(key, sink);
        key
    }

    fn unlisten(&self, key: u64) {
        let mut shared = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        shared.listeners.remove(&key);
    }

    fn add_peer(&self, peer: Peer<RoleServer>) {
        let mut shared = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        shared.peers.retain(|p| !p.is_transport_closed());
        shared.peers.push(peer);
    }
}

/// An MCP server handler over a [`SharedExecutor`]. `principal` is the caller on stdio; over
/// HTTP each request carries its own (from the bearer token).
#[derive(Clone)]
pub struct McpServer {
    executor: SharedExecutor,
    principal: Option<Principal>,
    name: String,
    instructions: Option<String>,
    page_size: usize,
    list_ttl: Duration,
    confirmations: Arc<Confirmations>,
    resource: Option<Arc<http::ProtectedResource>>,
    allowed_origins: Option<Arc<[String]>>,
}

impl McpServer {
    /// A server for `executor`, acting for `principal` unless a request carries its own.
    pub fn new(executor: SharedExecutor, principal: Option<Principal>) -> Self {
        Self {
            executor,
            principal,
            name: "toolwright".into(),
            instructions: None,
            page_size: DEFAULT_PAGE_SIZE,
            list_ttl: Duration::ZERO,
            confirmations: Confirmations::process_default(),
            resource: None,
            allowed_origins: None,
        }
    }

    /// Over HTTP, publishes OAuth 2.0 Protected Resource Metadata (RFC 9728) for `resource`
    /// (this server's public URL, e.g. `https://mcp.example.com/mcp`) naming the
    /// `authorization_servers` that issue its tokens, and points every 401 at it
    /// (`WWW-Authenticate: Bearer resource_metadata="…"`). The metadata is served without a
    /// token at `/.well-known/oauth-protected-resource` and at that path followed by the
    /// resource's path. Validating the tokens stays the resolver's job.
    ///
    /// ```
    /// # use toolwright::mcp::{McpServer, SharedExecutor};
    /// # let executor = toolwright::Executor::new(toolwright::Registry::builder().build().unwrap());
    /// let server = McpServer::new(SharedExecutor::new(executor), None)
    ///     .with_protected_resource("https://mcp.example.com/mcp", ["https://auth.example.com"])?;
    /// # Ok::<(), url::ParseError>(())
    /// ```
    ///
    /// # Errors
    /// When `resource` or an authorization server is not an absolute URL.
    pub fn with_protected_resource(
        mut self,
        resource: &str,
        authorization_servers: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Self, url::ParseError> {
        self.resource = Some(Arc::new(http::ProtectedResource::new(
            resource,
            authorization_servers,
        )?));
        Ok(self)
    }

    crate::setters! {
        /// Over HTTP, refuses (403) any request whose `Origin` header is not one of `origins`
        /// (`scheme://host:port`, `:*` for any port; `"null"` for `Origin: null`). Requests
        /// without an `Origin` (non-browser clients) pass. Without this call `Origin` is not
        /// checked; the `Host` header always is (DNS rebinding).
        pub fn with_allowed_origins(origins: impl IntoIterator<Item = impl Into<String>>) =>
            allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        /// Acts for `principal` (on stdio and other pipes; over HTTP each request's bearer
        /// token decides).
        pub fn with_principal(principal: Principal) => principal = Some(principal);
        /// Sets the server's `instructions`: how to use its tools, shown to the model by hosts.
        pub fn with_instructions(instructions: impl Into<String>) =>
            instructions = Some(instructions.into());
        /// How many tools one `tools/list` page holds (default 100; at least 1). Further pages
        /// are reached with the `nextCursor` of the previous one; a cursor the server did not
        /// issue is answered with `-32602`.
        pub fn with_page_size(tools: usize) => page_size = tools.max(1);
        /// How long a client may reuse a `tools/list` answer (`ttlMs`, MCP 2026-07-28; default
        /// 0: ask again every time, so a new registry or changed grants show at once). The
        /// answer depends on the caller's grants, so its `cacheScope` is always `private`.
        /// Clients of older revisions get neither field.
        pub fn with_list_ttl(ttl: Duration) => list_ttl = ttl;
    }

    /// Seals the `requestState` of confirmations (MCP 2026-07-28) with `key` (HMAC-SHA256, at
    /// least 32 random bytes) instead of the default, a random key drawn once per process.
    /// Give every replica behind one address the same key, so any of them can verify a state
    /// another issued. Used states are recorded in the executor's
    /// [`Store`](crate::store::Store): with a shared (Redis) store a state is redeemed once
    /// across every replica; in memory, once per server and its clones (keep one server per key
    /// and clone it).
    ///
    /// ```
    /// # use toolwright::mcp::{McpServer, SharedExecutor};
    /// # let executor = toolwright::Executor::new(toolwright::Registry::builder().build().unwrap());
    /// let key = [0x5a_u8; 32]; // in production: 32 random bytes from your secret store
    /// let server = McpServer::new(SharedExecutor::new(executor), None).with_state_key(&key)?;
    /// # Ok::<(), toolwright::mcp::StateKeyError>(())
    /// ```
    ///
    /// # Errors
    /// When `key` is shorter than 32 bytes.
    pub fn with_state_key(mut self, key: &[u8]) -> Result<Self, StateKeyError> {
        let ttl = self.confirmations.ttl();
        self.confirmations = Arc::new(Confirmations::with_key(key, ttl)?);
        Ok(self)
    }

    /// How long a human has to answer a confirmation on MCP 2026-07-28 (default 10 minutes);
    /// a later answer is refused and the call is not run.
    #[must_use]
    pub fn with_confirmation_ttl(mut self, ttl: Duration) -> Self {
        self.confirmations = Arc::new(self.confirmations.with_ttl(ttl));
        self
    }

    crate::setters! {
        /// Sets the server name sent in `initialize`.
        pub fn with_name(name: impl Into<String>) => name = name.into();
    }

    /// The principal of one request: from the HTTP layer, else the configured one, else none
    /// (which sees only tools that need no permission).
    fn principal_of(&self, extensions: &rmcp::model::Extensions) -> Principal {
        extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Principal>().cloned())
            .or_else(|| self.principal.clone())
            .unwrap_or_else(Principal::anonymous)
    }
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ErrorData> {
    serde_json::from_value(value).map_err(|e| ErrorData::internal_error(e.to_string(), None))
}

/// The error for a call the client cancelled (rmcp drops it unsent; the code is JSON-RPC's
/// "request cancelled" from LSP, for transports that do send it).
fn cancelled_error() -> ErrorData {
    ErrorData::new(
        ErrorCode(-32800),
        "the client cancelled this call; its result, if any, is discarded",
        None,
    )
}

/// The newest MCP revision served. Older clients get the revision they ask for (rmcp knows
/// them all back to 2024-11-05); 2025-11-25 and older keep `initialize` sessions and elicitation.
const PROTOCOL: ProtocolVersion = ProtocolVersion::V_2026_07_28;

/// Whether a request speaks 2026-07-28 or later (stateless; no server-to-client requests).
fn is_stateless(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}

/// A denial as a tool result (`isError: true`), for the model to read.
fn denial(call: &ToolCall, error: ToolError) -> Result<CallToolResponse, ErrorData> {
    let result = ToolResult {
        call_id: call.id.clone(),
        name: call.name.clone(),
        outcome: Err(error),
    };
    let result: CallToolResult = from_json(providers::mcp::call_tool_result(&result))?;
    Ok(finished(result))
}

/// A final result, marked so for 2026-07-28 (rmcp drops the mark for older peers).
fn finished(mut result: CallToolResult) -> CallToolResponse {
    result.result_type = Some(ResultType::COMPLETE);
    CallToolResponse::Complete(result)
}

/// The MCP answer to a finished call. A tool the caller cannot see (unknown, or hidden by
/// permissions: the executor reports both alike) is the protocol error `-32602` the
/// specification asks for, with the same message and data either way. A value whose schema is
/// not an object goes into `structuredContent` as `{"result": value}`, matching the wrapped
/// `outputSchema` of `tools/list`.
fn complete(registry: &Registry, result: &ToolResult) -> Result<CallToolResponse, ErrorData> {
    if result.is_error() {
        let model = result.to_model_json();
        if model.get("kind").and_then(Value::as_str) == Some("unknown_tool") {
            let message = model
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown tool")
                .to_owned();
            return Err(ErrorData::invalid_params(message, Some(model)));
        }
    }
    if let Ok(value) = &result.outcome
        && registry
            .get(&result.name)
            .is_some_and(|e| e.tool().returns_mcp_result())
        && let Some(forwarded) = forwarded_result(value)
    {
        return Ok(finished(forwarded));
    }
    let mut out = providers::mcp::call_tool_result(result);
    if let Ok(value) = &result.outcome
        && registry.get(&result.name).is_some_and(wraps_output)
    {
        out["structuredContent"] = json!({ "result": value });
    }
    let result: CallToolResult = from_json(out)?;
    Ok(finished(result))
}

/// The `CallToolResult` a tool returned as its value (a gateway's upstream answer): its content
/// blocks as they are and its `structuredContent`. `None` when the value has no `content`
/// array or a block MCP does not know, so it goes out as JSON text like any other value.
fn forwarded_result(value: &Value) -> Option<CallToolResult> {
    let content = value.get("content").filter(|c| c.is_array())?;
    let mut out = json!({ "content": content, "isError": false });
    if let Some(structured) = value.get("structuredContent").filter(|s| !s.is_null()) {
        out["structuredContent"] = structured.clone();
    }
    serde_json::from_value(out).ok()
}

/// Tools in one `tools/list` page.
const DEFAULT_PAGE_SIZE: usize = 100;
/// Cursors are `tw1:` and the index of the first tool of the page.
const CURSOR_PREFIX: &str = "tw1:";

/// Where a page starts: 0 without a cursor, else what the cursor says, if we issued it.
fn page_start(request: Option<&PaginatedRequestParams>) -> Result<usize, ErrorData> {
    let Some(cursor) = request.and_then(|r| r.cursor.as_deref()) else {
        return Ok(0);
    };
    cursor
        .strip_prefix(CURSOR_PREFIX)
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            ErrorData::invalid_params(
                "invalid cursor: pass back a nextCursor from tools/list unchanged",
                None,
            )
        })
}

/// Whether `entry`'s output is not an object, so MCP gets it wrapped as `{"result": …}`.
fn wraps_output(entry: &ToolEntry) -> bool {
    entry
        .output_schema()
        .is_some_and(|s| s.get("type").and_then(Value::as_str) != Some("object"))
}

/// `schema` as the `result` property of an object schema (MCP requires an object root), with
/// `$schema` and the definitions its `$ref`s point at moved to the new root.
fn wrapped_output_schema(schema: &Value) -> Value {
    let mut inner = schema.clone();
    let mut outer = Map::new();
    if let Value::Object(m) = &mut inner {
        for key in ["$schema", "$defs", "definitions"] {
            if let Some(v) = m.remove(key) {
                outer.insert(key.to_owned(), v);
            }
        }
    }
    outer.insert("type".into(), json!("object"));
    outer.insert("properties".into(), json!({ "result": inner }));
    outer.insert("required".into(), json!(["result"]));
    Value::Object(outer)
}

/// A tool's title: the first sentence of its description, without the final period.
fn title_of(description: &str) -> Option<String> {
    let first_line = description.lines().next()?.trim();
    let sentence = first_line
        .find(". ")
        .map_or(first_line, |end| &first_line[..end]);
    let title = sentence.trim_end_matches('.').trim();
    (!title.is_empty()).then(|| title.to_owned())
}

/// One tool as hosts expect it: a title, and an `outputSchema` for any output.
fn host_tool(entry: &ToolEntry, mut tool: Value) -> Value {
    if tool.get("title").is_none()
        && let Some(title) = title_of(entry.description())
    {
        tool["title"] = json!(title);
    }
    if wraps_output(entry)
        && let Some(schema) = entry.output_schema()
    {
        tool["outputSchema"] = wrapped_output_schema(schema);
    }
    tool
}

/// Forwards a tool's progress reports as `notifications/progress` when the client sent a
/// progress token; a no-op reporter otherwise. Reports are queued (bounded: when the client
/// reads slowly, reports are dropped rather than slowing the tool) and sent in order. The
/// task that sends them starts with the first report: clients send a token with every call
/// (rmcp's does), and most tools never report.
fn progress_reporter(context: &RequestContext<RoleServer>) -> Reporter {
    let Some(token) = context.meta.get_progress_token() else {
        return Reporter {
            progress: Progress::default(),
            forwarding: None,
        };
    };
    let forwarding = Arc::new(Mutex::new(Forwarding::Idle {
        token,
        peer: context.peer.clone(),
        runtime: tokio::runtime::Handle::current(),
    }));
    let sink = Arc::clone(&forwarding);
    Reporter {
        progress: Progress::new(move |update| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(update);
        }),
        forwarding: Some(forwarding),
    }
}

/// Where one call's progress reports stand.
enum Forwarding {
    /// None yet: what starting the forwarder takes.
    Idle {
        token: rmcp::model::ProgressToken,
        peer: rmcp::service::Peer<RoleServer>,
        runtime: tokio::runtime::Handle,
    },
    /// Reports go through `queue` to the task sending them.
    Open {
        queue: tokio::sync::mpsc::Sender<ProgressUpdate>,
        forwarder: tokio::task::JoinHandle<()>,
    },
    /// The result is out: later reports are dropped, as none may follow it.
    Closed,
}

impl Forwarding {
    fn send(&mut self, update: ProgressUpdate) {
        const QUEUE: usize = 64;
        if let Self::Idle {
            token,
            peer,
            runtime,
        } = self
        {
            let (queue, mut rx) = tokio::sync::mpsc::channel::<ProgressUpdate>(QUEUE);
            let (token, peer) = (token.clone(), peer.clone());
            let forwarder = runtime.spawn(async move {
                while let Some(update) = rx.recv().await {
                    let mut params = ProgressNotificationParam::new(token.clone(), update.progress);
                    if let Some(total) = update.total {
                        params = params.with_total(total);
                    }
                    if let Some(message) = update.message {
                        params = params.with_message(message);
                    }
                    if peer.notify_progress(params).await.is_err() {
                        break;
                    }
                }
            });
            *self = Self::Open { queue, forwarder };
        }
        if let Self::Open { queue, .. } = self {
            let _ = queue.try_send(update);
        }
    }
}

/// A call's progress reporter and, once it reported, the task that forwards its reports.
struct Reporter {
    progress: Progress,
    forwarding: Option<Arc<Mutex<Forwarding>>>,
}

impl Reporter {
    fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Lets the reports sent so far go out before the result, as the specification orders:
    /// closes the queue and waits for the forwarder to drain it, at most `FLUSH_TIME`.
    async fn flush(self) {
        const FLUSH_TIME: Duration = Duration::from_millis(250);
        let Some(forwarding) = self.forwarding else {
            return;
        };
        let state = std::mem::replace(
            &mut *forwarding.lock().unwrap_or_else(PoisonError::into_inner),
            Forwarding::Closed,
        );
        if let Forwarding::Open { queue, forwarder } = state {
            drop(queue);
            let _ = tokio::time::timeout(FLUSH_TIME, forwarder).await;
        }
    }
}

/// The span of one `tools/call` (an OpenTelemetry SERVER span named `tools/call`), the parent
/// of the executor's `execute_tool` span. It records the caller's W3C `traceparent` and
/// `tracestate` from `_meta` (when well formed); with the `otel` feature they also become its
/// OpenTelemetry parent, so the tool's spans join the caller's trace.
fn call_span(meta: &rmcp::model::RequestMetaObject, tool: &str) -> tracing::Span {
    let span = tracing::info_span!(
        "mcp.tools/call",
        otel.name = "tools/call",
        otel.kind = "server",
        mcp.method.name = "tools/call",
        gen_ai.tool.name = tool,
        traceparent = tracing::field::Empty,
        tracestate = tracing::field::Empty,
    );
    if let Some(parent) = meta.get_traceparent().filter(|t| is_traceparent(t)) {
        span.record("traceparent", parent);
        let state = meta
            .get_tracestate()
            .filter(|s| s.len() <= 512 && s.bytes().all(|b| (0x20..0x7f).contains(&b)));
        if let Some(state) = state {
            span.record("tracestate", state);
        }
        #[cfg(feature = "otel")]
        remote_parent(&span, parent, state);
    }
    span
}

/// Makes the caller's span context the OpenTelemetry parent of `span`, through the global text
/// map propagator (install `TraceContextPropagator`). Nothing changes when the context does not
/// extract to a valid one, or when no `tracing-opentelemetry` layer is installed.
#[cfg(feature = "otel")]
fn remote_parent(span: &tracing::Span, traceparent: &str, tracestate: Option<&str>) {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    let mut carrier = std::collections::HashMap::with_capacity(2);
    carrier.insert("traceparent".to_owned(), traceparent.to_owned());
    if let Some(state) = tracestate {
        carrier.insert("tracestate".to_owned(), state.to_owned());
    }
    let cx = opentelemetry::global::get_text_map_propagator(|p| p.extract(&carrier));
    if cx.span().span_context().is_valid() {
        // Err only without an OpenTelemetry layer, where there is no parent to set.
        let _ = span.set_parent(cx);
    }
}

/// Whether `value` is a W3C `traceparent`: `VV-<32 hex>-<16 hex>-FF`, lowercase.
fn is_traceparent(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    parts.len() == 4
        && hex(parts[0], 2)
        && parts[0] != "ff"
        && hex(parts[1], 32)
        && parts[1].bytes().any(|b| b != b'0')
        && hex(parts[2], 16)
        && parts[2].bytes().any(|b| b != b'0')
        && hex(parts[3], 2)
}

impl McpServer {
    /// A call on 2026-07-28: confirmation by multi round-trip. A first call that needs a
    /// human's yes runs up to the confirmation (every policy before it holds) and answers with
    /// an input request; the retry runs it only with a valid state and the human's yes.
    async fn call_stateless(
        &self,
        executor: Executor,
        principal: Principal,
        call: ToolCall,
        request: CallToolRequestParams,
        elicits: bool,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        if let Some(state) = &request.request_state {
            if let Err(error) = self
                .confirmations
                .check_in(
                    executor.store(),
                    &principal,
                    &call.name,
                    &arguments,
                    state,
                    request.input_responses.as_ref(),
                )
                .await
            {
                return denial(&call, error);
            }
            // The state binds this principal, tool and arguments and is spent now: the human's
            // yes for exactly this call, counted against the rate limits in the asking round.
            return complete(
                executor.registry(),
                &executor.call_approved(&principal, &call).await,
            );
        }
        let capture = mrtr::Capture::default();
        let result = if elicits {
            // Audited as waiting for the human (`confirmation_required`), like a ticket.
            executor.call_asking(&principal, &call, &capture).await
        } else {
            // Nobody can be asked: audited as the denial the client gets.
            executor
                .call_with_confirmer(&principal, &call, &capture)
                .await
        };
        let Some(asked) = capture.take() else {
            return complete(executor.registry(), &result);
        };
        if !elicits {
            return denial(
                &call,
                ToolError::new(
                    crate::ErrorKind::Denied,
                    "this action needs a human's approval, and this MCP client cannot ask for it (no elicitation support); it was not run",
                ),
            );
        }
        match self.confirmations.ask(&principal, &arguments, &asked) {
            Ok(input) => Ok(CallToolResponse::InputRequired(input)),
            Err(error) => denial(&call, error),
        }
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        let config = ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        )
        .with_protocol_version(PROTOCOL)
        .with_server_info(Implementation::new(
            self.name.clone(),
            env!("CARGO_PKG_VERSION"),
        ));
        match &self.instructions {
            Some(instructions) => config.with_instructions(instructions.clone()),
            None => config,
        }
    }

    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [ProtocolVersion]> {
        std::borrow::Cow::Borrowed(ProtocolVersion::known_up_to(&PROTOCOL))
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, ErrorData>> + Send + '_ {
        let principal = self.principal_of(&context.extensions);
        let executor = self.executor.current();
        let start = page_start(request.as_ref());
        // Cache hints are 2026-07-28 fields: clients of older revisions do not get them.
        let hints = is_stateless(&context);
        async move {
            let start = start?;
            let visible: Vec<&ToolEntry> = executor
                .registry()
                .scoped(&principal)
                .filter(|e| !executor.is_tool_disabled(e.name()))
                .collect();
            if start > visible.len() {
                return Err(ErrorData::invalid_params(
                    "invalid cursor: pass back a nextCursor from tools/list unchanged",
                    None,
                ));
            }
            let end = start.saturating_add(self.page_size).min(visible.len());
            let page = &visible[start..end];
            let mut notes = Vec::new();
            let tools: Vec<Value> = page
                .iter()
                .map(|e| host_tool(e, providers::mcp::tool_definition(e, &mut notes)))
                .collect();
            let mut result: ListToolsResult = from_json(json!({ "tools": tools }))?;
            result.result_type = Some(ResultType::COMPLETE);
            if end < visible.len() {
                result.next_cursor = Some(format!("{CURSOR_PREFIX}{end}"));
            }
            if hints {
                result.ttl_ms = Some(u64::try_from(self.list_ttl.as_millis()).unwrap_or(u64::MAX));
                result.cache_scope = Some(CacheScope::Private);
            }
            Ok(result)
        }
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + Send + '_ {
        let principal = self.principal_of(&context.extensions);
        let executor = self.executor.current();
        let stateless = is_stateless(&context);
        let elicits = context
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some());
        let confirmer = Elicitation(context.peer.clone());
        let progress = progress_reporter(&context);
        let span = call_span(&context.meta, &request.name);
        let id = serde_json::to_value(&context.id)
            .ok()
            .and_then(|v| providers::id_text(Some(&v)))
            .unwrap_or_default();
        // rmcp fires `ct` on `notifications/cancelled` for this request.
        let cancelled = context.ct;
        // Boxed: rmcp spawns a task per request around this future, and moves it into the task
        // and its result out again; the executor's call inside is kilobytes, a box is a pointer.
        Box::pin(tracing::Instrument::instrument(
            async move {
                let call = ToolCall {
                    id,
                    name: request.name.to_string(),
                    arguments: CallArguments::Json(Value::Object(
                        request.arguments.clone().unwrap_or_default(),
                    )),
                    provider_data: None,
                };
                let response = if stateless {
                    // No server-to-client request can be pending here; a cancel drops the call.
                    let response = self.call_stateless(executor, principal, call, request, elicits);
                    tokio::select! {
                        biased;
                        () = cancelled.cancelled() => Err(cancelled_error()),
                        response = progress.progress().scope(response) => response,
                    }
                } else {
                    // Biased toward the cancel: once the client cancels, the executor future is
                    // dropped (the tool's own token fires, a pending approval is abandoned) even when
                    // the approval arrives in the same instant; a late "accept" can then run nothing.
                    tokio::select! {
                        biased;
                        () = cancelled.cancelled() => Err(cancelled_error()),
                        result = progress.progress().scope(executor.call_with_confirmer(&principal, &call, &confirmer)) => {
                            complete(executor.registry(), &result)
                        }
                    }
                };
                progress.flush().await;
                response
            },
            span,
        ))
    }

    /// `subscriptions/listen` (2026-07-28): the tool list is the one thing that changes here.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.clone())
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let key = self.executor.listen(context.sink().clone());
        context.cancelled().await;
        self.executor.unlisten(key);
        Ok(())
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + Send + '_ {
        self.executor.add_peer(context.peer);
        std::future::ready(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_traceparent;

    #[test]
    fn titles_are_the_first_sentence() {
        assert_eq!(
            super::title_of("Search the knowledge base. Returns titles.").as_deref(),
            Some("Search the knowledge base")
        );
        assert_eq!(
            super::title_of("Look up v1.2 orders.\nReturns them.").as_deref(),
            Some("Look up v1.2 orders")
        );
        assert_eq!(super::title_of("").as_deref(), None);
    }

    #[test]
    fn wrapped_output_schemas_keep_their_definitions_at_the_root() {
        let inner = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "array",
            "items": {"$ref": "#/$defs/Row"},
            "$defs": {"Row": {"type": "object"}}
        });
        let wrapped = super::wrapped_output_schema(&inner);
        assert_eq!(wrapped["type"], "object");
        assert_eq!(wrapped["required"], serde_json::json!(["result"]));
        assert_eq!(
            wrapped["properties"]["result"]["items"]["$ref"],
            "#/$defs/Row"
        );
        assert_eq!(wrapped["$defs"]["Row"]["type"], "object");
        assert!(wrapped["properties"]["result"].get("$defs").is_none());
        assert!(wrapped.get("$schema").is_some());
    }

    #[test]
    fn only_issued_cursors_are_accepted() {
        use rmcp::model::PaginatedRequestParams;
        let with = |c: &str| {
            let p: PaginatedRequestParams =
                serde_json::from_value(serde_json::json!({ "cursor": c })).unwrap();
            super::page_start(Some(&p))
        };
        assert_eq!(super::page_start(None).unwrap(), 0);
        assert_eq!(with("tw1:5").unwrap(), 5);
        for bad in [
            "",
            "5",
            "tw1:",
            "tw1:-1",
            "tw1:+1",
            "tw1:99999999999999999999999",
            "tw2:1",
        ] {
            let e = with(bad).unwrap_err();
            assert_eq!(e.code, rmcp::model::ErrorCode::INVALID_PARAMS, "{bad}");
        }
    }

    #[test]
    fn only_well_formed_traceparents_are_recorded() {
        assert!(is_traceparent(
            "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"
        ));
        for bad in [
            "",
            "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7",
            "00-0AF7651916CD43DD8448EB211C80319C-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "ff-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",
            "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01\nforged=1",
        ] {
            assert!(!is_traceparent(bad), "{bad}");
        }
    }
}

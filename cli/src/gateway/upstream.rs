//! One upstream MCP server, reached through rmcp's client: started (stdio) or connected to
//! (streamable HTTP) at gateway start to list its tools, and again, lazily, on the next call
//! after its connection broke (a crashed stdio server is restarted then). Calls map onto the
//! gateway's structured errors: a transport failure is `unavailable` (the circuit breaker
//! counts it), a tool error (`isError: true`) or a protocol error is `failed`. The upstream's
//! progress notifications reach the gateway's caller when it asked for progress, and a call the
//! gateway stops waiting for (timeout, caller gone) is cancelled upstream at once.
//!
//! **The exposed tools are pinned** as the gateway serves them: as the upstream listed them at
//! start, or as the pins file holds them (see [`super::pins`]); their schemas were compiled,
//! their descriptions linted and their policy derived from their annotations then. An exposed
//! tool the upstream lists otherwise (at start, after announcing that its tool list changed, or
//! when the gateway reconnects to a restarted server) is gone or has another input or output
//! schema, description or annotations: it is *withheld*, taken out of the executor's service,
//! so clients stop listing it and its calls are refused (`denied`) before anything is sent,
//! until the upstream lists it as pinned again or an operator accepts the change. A server that
//! turns a read tool into a destructive one (a "rug pull") so never gets a call the gateway's
//! policy did not judge.

use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, CancelledNotificationParam,
    ClientRequest, ProgressNotificationParam, ProgressToken, ProtocolVersion, RequestId,
    ServerNotification, ServerResult, SubscriptionFilter,
};
use rmcp::service::{
    NotificationContext, Peer, PeerRequestOptions, RoleClient, RunningService, ServiceError,
};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, ServiceExt};
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;
use toolwright::mcp::SharedExecutor;
use toolwright::{ErrorKind, Executor, Progress, ToolContext, ToolError};

use super::config::{Transport, Upstream as UpstreamConfig};
use crate::source::StderrTail;

type Client = RunningService<RoleClient, Relay>;

/// How to reach one upstream, and its current connection.
pub struct Upstream {
    name: String,
    connect: Connect,
    client: Mutex<Option<Arc<Client>>>,
    relay: Relay,
}

/// The gateway's client side of an upstream connection: hands the upstream's progress
/// notifications to the calls waiting for them, by progress token, and tells the operator what
/// changed when the upstream says its tool list did.
#[derive(Clone, Default)]
struct Relay {
    calls: Arc<std::sync::Mutex<HashMap<ProgressToken, Progress>>>,
    /// The upstream's name in the configuration.
    upstream: Arc<str>,
    /// The exposed tools as the gateway serves them (pinned), by their upstream name.
    watched: Arc<std::sync::OnceLock<BTreeMap<String, Value>>>,
    /// A change announced and not yet reported, and whether a report is running: announcements
    /// that come while one runs are taken by it, so a flood of them lists the tools a few
    /// times, not once each.
    changed: Arc<AtomicBool>,
    reporting: Arc<AtomicBool>,
    /// The exposed tools (by upstream name) the upstream lists otherwise than pinned (gone or
    /// changed), each with what differs: calls to them are refused.
    withheld: Arc<std::sync::RwLock<BTreeMap<String, String>>>,
    /// The gateway's executor, once it serves, and the name each exposed tool has there (by
    /// upstream name): a withheld tool is taken out of its service, so clients stop listing it.
    served: Arc<std::sync::OnceLock<(SharedExecutor, BTreeMap<String, String>)>>,
    /// Set when a reload replaced this upstream: what it lists from then on concerns no tool the
    /// gateway serves.
    retired: Arc<AtomicBool>,
}

/// Why the upstream's tools are listed again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Relisting {
    /// The upstream announced that its tool list changed.
    Announced,
    /// The gateway connected to the upstream again (a crashed server restarted).
    Reconnected,
}

impl ClientHandler for Relay {
    /// A change the upstream announced without a subscription (servers before MCP 2026-07-28;
    /// later ones announce it on the one [`Upstream::follow_tool_list`] opens). Read in a task
    /// of its own: the connection's loop waits for this handler and must stay free to carry
    /// the listing's answer.
    async fn on_tool_list_changed(&self, context: NotificationContext<RoleClient>) {
        let (peer, relay) = (context.peer, self.clone());
        tokio::spawn(async move { relay.report_change(&peer).await });
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let progress = self
            .calls
            .lock()
            .ok()
            .and_then(|calls| calls.get(&params.progress_token).cloned());
        if let Some(progress) = progress {
            progress.report(params.progress, params.total, params.message.as_deref());
        }
    }
}

impl Relay {
    /// Lists the tools again after an announcement, one listing at a time: announcements that
    /// come while one runs are taken by it.
    async fn report_change(&self, peer: &Peer<RoleClient>) {
        self.changed.store(true, Ordering::SeqCst);
        // One report at a time; the one running sees `changed` again when it is done.
        while !self.reporting.swap(true, Ordering::SeqCst) {
            while self.changed.swap(false, Ordering::SeqCst) {
                self.relist(peer, Relisting::Announced).await;
            }
            self.reporting.store(false, Ordering::SeqCst);
            if !self.changed.load(Ordering::SeqCst) {
                break;
            }
        }
    }

    /// Lists the upstream's tools again, withholds the exposed ones that are gone or differ from
    /// their pins (and serves again those listed as pinned again), and tells the operator on
    /// stderr: after every announcement, and after a reconnection when what is withheld
    /// changed. A listing that fails changes nothing (the connection is then likely broken,
    /// and the next call's reconnection lists again).
    async fn relist(&self, peer: &Peer<RoleClient>, why: Relisting) {
        let Some(watched) = self.watched.get() else {
            return;
        };
        let report = match peer.list_all_tools().await {
            Ok(tools) => {
                let listed = match serde_json::to_value(tools) {
                    Ok(Value::Array(listed)) => listed,
                    _ => Vec::new(),
                };
                let now = changes(watched, &by_name(&listed));
                let before = std::mem::replace(
                    &mut *self
                        .withheld
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                    now.clone(),
                );
                if why == Relisting::Reconnected && before == now {
                    return;
                }
                self.serve_only_pinned(&before, &now).await;
                change_report(&now, !before.is_empty())
            }
            Err(e) => format!("its tools could not be listed again ({e})"),
        };
        let what = match why {
            Relisting::Announced => "says its tool list changed",
            Relisting::Reconnected => "was connected to again and lists its tools",
        };
        eprintln!(
            "toolwright gateway: upstream `{}` {what}: {report}",
            self.upstream
        );
    }

    /// Takes the tools withheld `now` out of the executor's service and puts back those
    /// withheld `before` and not now: MCP clients are told, and stop listing them.
    async fn serve_only_pinned(
        &self,
        before: &BTreeMap<String, String>,
        now: &BTreeMap<String, String>,
    ) {
        let Some((executor, exposed)) = self.served.get() else {
            return;
        };
        if self.retired.load(Ordering::SeqCst) {
            return;
        }
        for (tool, what) in now {
            if before.get(tool) != Some(what)
                && let Some(name) = exposed.get(tool)
            {
                executor
                    .disable_tool(name, withheld_reason(&self.upstream, what))
                    .await;
            }
        }
        for tool in before.keys().filter(|t| !now.contains_key(*t)) {
            if let Some(name) = exposed.get(tool) {
                executor.enable_tool(name).await;
            }
        }
    }

    /// The refusal for a call of `tool` (its upstream name) while it is withheld.
    fn refusal(&self, tool: &str) -> Option<ToolError> {
        let withheld = self
            .withheld
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let what = withheld.get(tool)?;
        Some(
            ToolError::new(ErrorKind::Denied, withheld_reason(&self.upstream, what))
                .with_suggestion(
                    "do not retry it now; use another tool, or tell the user that this tool is \
                 withheld until the gateway's operator accepts the change",
                ),
        )
    }
}

/// Why a withheld tool is refused: `upstream` lists it otherwise than the gateway serves it.
fn withheld_reason(upstream: &str, what: &str) -> String {
    format!(
        "the upstream server `{upstream}` changed it from the definition the gateway serves \
         ({what}); an operator must review the change"
    )
}

/// One call's place in the [`Relay`], taken back when the call ends.
struct Listening<'a> {
    relay: &'a Relay,
    token: ProgressToken,
}

impl<'a> Listening<'a> {
    fn start(relay: &'a Relay, token: ProgressToken, progress: Progress) -> Self {
        if let Ok(mut calls) = relay.calls.lock() {
            calls.insert(token.clone(), progress);
        }
        Self { relay, token }
    }
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        if let Ok(mut calls) = self.relay.calls.lock() {
            calls.remove(&self.token);
        }
    }
}

/// Sends `notifications/cancelled` for a request still unanswered when this is dropped.
struct CancelUnanswered {
    peer: Peer<RoleClient>,
    id: Option<RequestId>,
}

impl Drop for CancelUnanswered {
    fn drop(&mut self) {
        let (Some(id), Ok(runtime)) = (self.id.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let peer = self.peer.clone();
        runtime.spawn(async move {
            let reason = "the gateway stopped waiting (timeout, or its caller cancelled)";
            let _ = peer
                .notify_cancelled(CancelledNotificationParam::new(
                    Some(id),
                    Some(reason.to_owned()),
                ))
                .await;
        });
    }
}

enum Connect {
    Stdio {
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
        show_stderr: bool,
    },
    Http {
        url: String,
        bearer: Option<String>,
    },
}

impl Upstream {
    /// From the configuration (nothing is started yet).
    pub fn new(config: &UpstreamConfig, show_stderr: bool) -> Result<Self> {
        let connect = match config.transport()? {
            Transport::Stdio { program, args } => Connect::Stdio {
                program: program.to_owned(),
                args: args.to_vec(),
                env: config
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                show_stderr,
            },
            Transport::Http { url } => Connect::Http {
                url: url.to_owned(),
                bearer: match &config.bearer_env {
                    Some(var) => Some(std::env::var(var).with_context(|| {
                        format!(
                            "upstream `{}`: the environment variable `{var}` (bearer_env) is not set",
                            config.name
                        )
                    })?),
                    None => None,
                },
            },
        };
        Ok(Self {
            name: config.name.clone(),
            connect,
            client: Mutex::new(None),
            relay: Relay {
                upstream: config.name.as_str().into(),
                ..Relay::default()
            },
        })
    }

    /// Pins the exposed tools as the gateway serves them (by their upstream names) and
    /// withholds those the upstream lists otherwise now (`listed`: its `tools/list`); returns
    /// them, each with what differs.
    pub fn watch(
        &self,
        tools: BTreeMap<String, Value>,
        listed: &[Value],
    ) -> BTreeMap<String, String> {
        let withheld = changes(&tools, &by_name(listed));
        *self
            .relay
            .withheld
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = withheld.clone();
        // Set once, at start.
        let _ = self.relay.watched.set(tools);
        withheld
    }

    /// Once the gateway serves `executor` (through `shared`): the tools withheld now are out of
    /// its service before any client sees it, and one withheld from now on is taken out of
    /// `shared`'s (`exposed` maps each exposed tool's upstream name to its name there).
    pub fn serve(
        &self,
        shared: SharedExecutor,
        executor: &Executor,
        exposed: BTreeMap<String, String>,
    ) {
        for (tool, what) in &self.withheld_now() {
            if let Some(name) = exposed.get(tool) {
                executor.disable_tool(name, withheld_reason(&self.name, what));
            }
        }
        // Set once, when the gateway starts serving.
        let _ = self.relay.served.set((shared, exposed));
    }

    /// Marks this upstream replaced by a reload: the executor it served is gone, and the same
    /// names now belong to the upstreams started for the reload.
    pub fn retire(&self) {
        self.relay.retired.store(true, Ordering::SeqCst);
    }

    /// The exposed tools (by upstream name) withheld now, each with what changed.
    pub fn withheld_now(&self) -> BTreeMap<String, String> {
        self.relay
            .withheld
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The upstream's name in the configuration.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The refusal for a call of `tool` (its upstream name) while the upstream lists it
    /// otherwise than pinned, or not at all; `None` when it may be called.
    pub fn withheld(&self, tool: &str) -> Option<ToolError> {
        self.relay.refusal(tool)
    }

    async fn start(&self) -> Result<Client> {
        match &self.connect {
            Connect::Stdio {
                program,
                args,
                env,
                show_stderr,
            } => {
                let mut cmd = tokio::process::Command::new(program);
                cmd.args(args).envs(env.iter().cloned()).kill_on_drop(true);
                let (transport, stderr) = TokioChildProcess::builder(cmd)
                    .stderr(if *show_stderr {
                        Stdio::inherit()
                    } else {
                        Stdio::piped()
                    })
                    .spawn()
                    .with_context(|| format!("starting `{program}`"))?;
                // Hidden stderr is still read: its last lines explain a failed start.
                let tail = stderr.map(StderrTail::keep);
                match self.relay.clone().serve(transport).await {
                    Ok(client) => Ok(client),
                    Err(e) => {
                        let said = match tail {
                            Some(tail) => tail.said("--upstream-stderr").await,
                            None => String::new(),
                        };
                        Err(anyhow::Error::new(e).context(format!("MCP handshake{said}")))
                    }
                }
            }
            Connect::Http { url, bearer } => {
                let mut config = StreamableHttpClientTransportConfig::with_uri(url.clone());
                if let Some(token) = bearer {
                    config = config.auth_header(token.clone());
                }
                let transport = StreamableHttpClientTransport::from_config(config);
                match self.relay.clone().serve(transport).await {
                    Ok(client) => Ok(client),
                    Err(e) => Err(match crate::source::http_failure(&e, "`bearer_env`") {
                        Some(why) => anyhow::anyhow!("{why}"),
                        None => anyhow::Error::new(e).context("MCP handshake"),
                    }),
                }
            }
        }
    }

    /// The live connection, (re)started when there is none or the last one closed.
    async fn client(&self) -> Result<Arc<Client>> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref()
            && !client.is_transport_closed()
        {
            return Ok(client.clone());
        }
        *slot = None;
        let client = Arc::new(self.start().await?);
        // Connected again (after start): a restarted server may list other tools.
        self.relay
            .relist(client.peer(), Relisting::Reconnected)
            .await;
        self.follow_tool_list(&client);
        *slot = Some(client.clone());
        Ok(client)
    }

    /// On a connection of MCP 2026-07-28 or later to a server that announces tool list
    /// changes, asks for them (`subscriptions/listen`) and reports each one; the subscription
    /// ends with the connection. A server that refuses is not followed.
    fn follow_tool_list(&self, client: &Client) {
        let Some(info) = client.peer_info() else {
            return;
        };
        let wanted = SubscriptionFilter::builder()
            .tools_list_changed()
            .build()
            .supported_by(&info.capabilities);
        if wanted.tools_list_changed != Some(true)
            || info.protocol_version < ProtocolVersion::V_2026_07_28
        {
            return;
        }
        let (peer, relay) = (client.peer().clone(), self.relay.clone());
        tokio::spawn(async move {
            let Ok(mut subscription) = peer.listen(wanted).await else {
                return;
            };
            while let Ok(Some(notification)) = subscription.next().await {
                if matches!(
                    notification,
                    ServerNotification::ToolListChangedNotification(_)
                ) {
                    // Not awaited here: announcements that come while it runs join it.
                    let (peer, relay) = (peer.clone(), relay.clone());
                    tokio::spawn(async move { relay.report_change(&peer).await });
                }
            }
        });
    }

    /// Forgets `client` if it is still the current connection, so the next call reconnects.
    async fn drop_client(&self, client: &Arc<Client>) {
        let mut slot = self.client.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, client)) {
            *slot = None;
        }
    }

    /// Connects and lists every tool, as MCP JSON objects.
    pub async fn list_tools(&self, timeout: Duration) -> Result<Vec<Value>> {
        let listing = async {
            let client = self.client().await?;
            let tools = client.list_all_tools().await.context("tools/list")?;
            anyhow::Ok(serde_json::to_value(tools)?)
        };
        let tools = tokio::time::timeout(timeout, listing)
            .await
            .with_context(|| format!("no answer within {}s", timeout.as_secs()))??;
        match tools {
            Value::Array(tools) => Ok(tools),
            _ => anyhow::bail!("tools/list did not return a list"),
        }
    }

    /// Calls `tool` with `arguments` (already validated against its input schema), relaying
    /// the upstream's progress to `ctx` and cancelling the upstream call when `ctx` is
    /// cancelled or this future is dropped before the answer.
    pub async fn call(
        &self,
        tool: &str,
        arguments: Value,
        ctx: &ToolContext,
    ) -> Result<Value, ToolError> {
        // Why an upstream failed (its stderr, addresses, transport details) is for the
        // operator, on the gateway's stderr; the caller learns which server and what to do.
        let client = self.client().await.map_err(|e| {
            eprintln!(
                "toolwright gateway: upstream `{}` cannot be reached: {e:#}",
                self.name
            );
            ToolError::unavailable(format!(
                "the upstream server `{}` cannot be reached",
                self.name
            ))
            .with_suggestion("try again later; the gateway restarts the server on the next call")
        })?;
        // Checked once connected: a reconnection lists the tools again, and a restarted server
        // may have changed this one.
        if let Some(refusal) = self.withheld(tool) {
            return Err(refusal);
        }
        let arguments = match arguments {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
        let answer = match client
            .send_cancellable_request(request, PeerRequestOptions::no_options())
            .await
        {
            Ok(handle) => {
                let _listening = ctx.progress().is_enabled().then(|| {
                    Listening::start(
                        &self.relay,
                        handle.progress_token.clone(),
                        ctx.progress().clone(),
                    )
                });
                let mut unanswered = CancelUnanswered {
                    peer: handle.peer.clone(),
                    id: Some(handle.id.clone()),
                };
                let answer = tokio::select! {
                    answer = handle.await_response() => answer,
                    () = ctx.cancellation().cancelled() => Err(ServiceError::Cancelled {
                        reason: Some("the gateway stopped waiting".to_owned()),
                    }),
                };
                if answer.is_ok() {
                    unanswered.id = None;
                }
                answer
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok(ServerResult::CallToolResult(result)) => outcome(result),
            // A bare `{}`: no content, as rmcp's own `call_tool` reads it.
            Ok(ServerResult::EmptyResult(_)) => outcome(CallToolResult::default()),
            Ok(_) => Err(ToolError::failed(
                "the upstream server answered the call with something other than a tool result \
                 (e.g. a request for input the gateway cannot give)",
            )),
            Err(ServiceError::McpError(e)) => Err(ToolError::failed(format!(
                "the upstream server refused the call: {}",
                e.message
            ))
            .with_detail("upstream_code", e.code.0)),
            Err(e @ ServiceError::Cancelled { .. }) => Err(ToolError::failed(format!(
                "the call to the upstream server `{}` was cancelled: {e}",
                self.name
            ))),
            Err(e) => {
                // The connection is unusable: the next call starts a new one.
                self.drop_client(&client).await;
                eprintln!(
                    "toolwright gateway: upstream `{}`: the connection broke: {e}",
                    self.name
                );
                Err(ToolError::new(
                    ErrorKind::Unavailable,
                    format!(
                        "the connection to the upstream server `{}` broke",
                        self.name
                    ),
                )
                .with_suggestion(
                    "try again later; the gateway reconnects to the server on the next call",
                ))
            }
        }
    }
}

/// A `tools/list` answer's tools by name (a tool without one is left out).
pub fn by_name(tools: &[Value]) -> BTreeMap<&str, &Value> {
    tools
        .iter()
        .filter_map(|t| Some((t.get("name")?.as_str()?, t)))
        .collect()
}

/// The `watched` tools (as the gateway serves them) that are gone or changed in the list the
/// upstream gives `now`, each with what changed, in words.
fn changes(
    watched: &BTreeMap<String, Value>,
    now: &BTreeMap<&str, &Value>,
) -> BTreeMap<String, String> {
    watched
        .iter()
        .filter_map(|(name, then)| {
            let Some(tool) = now.get(name.as_str()) else {
                return Some((name.clone(), "it is gone".to_owned()));
            };
            let fields: Vec<&str> = super::pins::FIELDS
                .into_iter()
                .filter(|(key, _)| then.get(key) != tool.get(key))
                .map(|(_, words)| words)
                .collect();
            (!fields.is_empty())
                .then(|| (name.clone(), format!("its {} changed", fields.join(", "))))
        })
        .collect()
}

/// The operator's report of the tools withheld `now`; `were_withheld` when some were before.
fn change_report(now: &BTreeMap<String, String>, were_withheld: bool) -> String {
    if now.is_empty() {
        return if were_withheld {
            "the tools exposed here are as pinned again, and served again".to_owned()
        } else {
            "the tools exposed here are unchanged".to_owned()
        };
    }
    let changes: Vec<String> = now
        .iter()
        .map(|(name, what)| format!("`{name}`: {what}"))
        .collect();
    format!(
        "{}; the gateway withholds them (clients stop listing them, calls are refused) until \
         the upstream lists them as pinned again: review the change, then accept it with \
         `toolwright gateway --check --pin` (a configuration with `pins`), then a reload \
         (SIGHUP) or a restart",
        changes.join("; ")
    )
}

/// An upstream result as the tool's value: the `CallToolResult` itself (`content`, and
/// `structuredContent` when there is one), which the gateway's MCP server forwards as it is
/// (the tool is built with `mcp_result`). `isError: true` is a tool error: its text is the
/// message, which counts the blocks of other types it leaves out, and its structured content
/// goes along as `upstream_structured_content`.
fn outcome(result: CallToolResult) -> Result<Value, ToolError> {
    let content = serde_json::to_value(&result.content).unwrap_or(Value::Null);
    if result.is_error == Some(true) {
        let blocks = content.as_array().map(Vec::as_slice).unwrap_or_default();
        let mut message = blocks
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n");
        if message.is_empty() {
            message = "the upstream tool reported an error".to_owned();
        }
        let mut others: BTreeMap<&str, usize> = BTreeMap::new();
        for kind in blocks.iter().filter_map(|b| b["type"].as_str()) {
            if kind != "text" {
                *others.entry(kind).or_default() += 1;
            }
        }
        if !others.is_empty() {
            let counts: Vec<String> = others.iter().map(|(k, n)| format!("{n} {k}")).collect();
            message.push_str(&format!(
                " (the error also had {} block(s), not shown)",
                counts.join(", ")
            ));
        }
        let mut error = ToolError::failed(message);
        if let Some(structured) = result.structured_content {
            error = error.with_detail("upstream_structured_content", structured);
        }
        return Err(error);
    }
    let mut value = json!({ "content": content });
    if let Some(structured) = result.structured_content {
        value["structuredContent"] = structured;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools(list: &[Value]) -> BTreeMap<String, Value> {
        by_name(list)
            .into_iter()
            .map(|(name, tool)| (name.to_owned(), tool.clone()))
            .collect()
    }

    #[test]
    fn a_changed_list_withholds_each_exposed_tool_that_changed_and_says_how() {
        let schema = |p: &str| json!({"type": "object", "properties": {p: {"type": "string"}}});
        let watched = tools(&[
            json!({"name": "read_page", "description": "Read a page.", "inputSchema": schema("path")}),
            json!({"name": "count_alerts", "description": "Count alerts.", "inputSchema": schema("q")}),
            json!({"name": "get_totals", "description": "Total sales.", "inputSchema": schema("q"),
                   "annotations": {"readOnlyHint": true}}),
        ]);
        let listed = [
            json!({"name": "read_page", "description": "Read a page, now paged.",
                   "inputSchema": schema("url"), "annotations": {"destructiveHint": true}}),
            json!({"name": "get_totals", "description": "Total sales.", "inputSchema": schema("q"),
                   "annotations": {"readOnlyHint": true}}),
            json!({"name": "new_tool", "description": "Not exposed here.", "inputSchema": schema("q")}),
        ];
        let now = by_name(&listed);
        let withheld = changes(&watched, &now);
        assert_eq!(
            withheld,
            BTreeMap::from([
                ("count_alerts".to_owned(), "it is gone".to_owned()),
                (
                    "read_page".to_owned(),
                    "its input schema, description, annotations changed".to_owned()
                ),
            ])
        );
        let report = change_report(&withheld, false);
        assert!(report.contains("`count_alerts`: it is gone"), "{report}");
        assert!(
            report.contains("`read_page`: its input schema, description, annotations changed"),
            "{report}"
        );
        assert!(report.contains("withholds them"), "{report}");
        assert!(
            report.contains("accept it with `toolwright gateway --check --pin`"),
            "{report}"
        );
        // Only the annotations changed (a read tool now says it is destructive): withheld too.
        let turned = [json!({"name": "get_totals", "description": "Total sales.",
                             "inputSchema": schema("q"), "annotations": {"destructiveHint": true}})];
        assert_eq!(
            changes(&tools(&[watched["get_totals"].clone()]), &by_name(&turned)),
            BTreeMap::from([(
                "get_totals".to_owned(),
                "its annotations changed".to_owned()
            )])
        );
        // Tools the gateway does not expose may come and go: nothing it exposes changed.
        let unchanged = changes(&tools(&[watched["get_totals"].clone()]), &now);
        assert!(unchanged.is_empty());
        assert_eq!(
            change_report(&unchanged, false),
            "the tools exposed here are unchanged"
        );
        assert!(change_report(&unchanged, true).contains("served again"));
    }

    #[tokio::test]
    async fn only_a_serving_upstream_switches_its_tools_and_a_retired_one_never_does() {
        let tool = toolwright::DynamicTool::builder(
            "fake_read_page",
            "Read the page of the manual at a path. Returns its text, as written.",
        )
        .input_schema(json!({"type": "object"}))
        .read_only(true)
        .body(|_, _| async { Ok(json!("the page")) })
        .unwrap();
        let executor = Executor::new(toolwright::Registry::builder().tool(tool).build().unwrap());
        let relay = Relay {
            upstream: "fake".into(),
            ..Relay::default()
        };
        let exposed = BTreeMap::from([("read_page".to_owned(), "fake_read_page".to_owned())]);
        let _ = relay
            .served
            .set((SharedExecutor::new(executor.clone()), exposed));
        let none = BTreeMap::new();
        let changed = BTreeMap::from([(
            "read_page".to_owned(),
            "its input schema changed".to_owned(),
        )]);
        relay.serve_only_pinned(&none, &changed).await;
        let off = executor.disabled_tools();
        assert_eq!(off.len(), 1, "{off:?}");
        assert!(off[0].1.contains("its input schema changed"), "{off:?}");
        relay.serve_only_pinned(&changed, &none).await;
        assert!(executor.disabled_tools().is_empty());
        // Replaced by a reload: what it lists concerns tools it no longer serves.
        relay.retired.store(true, Ordering::SeqCst);
        relay.serve_only_pinned(&none, &changed).await;
        assert!(executor.disabled_tools().is_empty());
    }

    #[test]
    fn a_withheld_tool_is_refused_as_denied_naming_the_upstream_and_the_change() {
        let relay = Relay {
            upstream: "files".into(),
            ..Relay::default()
        };
        assert!(relay.refusal("write_file").is_none());
        relay.withheld.write().unwrap().insert(
            "write_file".to_owned(),
            "its annotations changed".to_owned(),
        );
        let refusal = relay.refusal("write_file").unwrap();
        assert_eq!(refusal.kind(), ErrorKind::Denied);
        assert!(refusal.message().contains("`files`"), "{refusal:?}");
        assert!(
            refusal.message().contains("its annotations changed"),
            "{refusal:?}"
        );
        assert!(!refusal.is_retryable());
        assert!(relay.refusal("read_file").is_none());
    }
}

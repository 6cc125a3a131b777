//! An MCP server for a registry (feature `mcp`), on rmcp, the official Rust SDK: `tools/list`
//! comes from the caller's scoped view with annotations from the declared policy, and every
//! `tools/call` runs through the executor, so every policy holds. Failures of any kind come back
//! as results with `isError: true` and the structured error text, never as protocol errors.
//! Destructive calls are confirmed through MCP elicitation when the client supports it, and
//! denied (never run) when it does not; a call the client cancels is dropped, never run.

mod elicitation;
mod http;
mod logging;
mod sessions;
mod stdio;

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorCode, Implementation,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
};
use rmcp::service::{NotificationContext, Peer, RequestContext, RoleServer};
use serde_json::Value;

use crate::call::{CallArguments, ToolCall};
use crate::providers;
use crate::{Executor, Principal};
use elicitation::Elicitation;

pub use http::{serve_http, serve_http_on};
pub use logging::{RMCP_LOG_DIRECTIVE, is_rmcp_payload_free};
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
}

impl SharedExecutor {
    /// Shares `executor`.
    pub fn new(executor: Executor) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Shared {
                executor,
                peers: Vec::new(),
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
    /// list changed. Returns how many clients were notified.
    pub async fn replace(&self, executor: Executor) -> usize {
        let peers = {
            let mut shared = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            shared.executor = executor;
            shared.peers.retain(|p| !p.is_transport_closed());
            shared.peers.clone()
        };
        let mut notified = 0;
        for peer in peers {
            if peer.notify_tool_list_changed().await.is_ok() {
                notified += 1;
            }
        }
        notified
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
}

impl McpServer {
    /// A server for `executor`, acting for `principal` unless a request carries its own.
    pub fn new(executor: SharedExecutor, principal: Option<Principal>) -> Self {
        Self {
            executor,
            principal,
            name: "toolwright".into(),
        }
    }

    /// Sets the server name sent in `initialize`.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
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

/// The newest MCP revision served: it keeps `initialize` sessions and lets the server ask the
/// client mid-call (elicitation), which rmcp refuses on later revisions.
const PROTOCOL: ProtocolVersion = ProtocolVersion::V_2025_11_25;

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        )
        .with_protocol_version(PROTOCOL)
        .with_server_info(Implementation::new(
            self.name.clone(),
            env!("CARGO_PKG_VERSION"),
        ))
    }

    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [ProtocolVersion]> {
        std::borrow::Cow::Borrowed(ProtocolVersion::known_up_to(&PROTOCOL))
    }

    fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, ErrorData>> + Send + '_ {
        let principal = self.principal_of(&context.extensions);
        let executor = self.executor.current();
        async move {
            let export = providers::mcp::export(executor.registry().scoped(&principal));
            from_json(export.tools)
        }
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + Send + '_ {
        let principal = self.principal_of(&context.extensions);
        let executor = self.executor.current();
        let confirmer = Elicitation(context.peer.clone());
        let id = serde_json::to_value(&context.id)
            .ok()
            .and_then(|v| providers::id_text(Some(&v)))
            .unwrap_or_default();
        // rmcp fires `ct` on `notifications/cancelled` for this request.
        let cancelled = context.ct;
        async move {
            let call = ToolCall {
                id,
                name: request.name.to_string(),
                arguments: CallArguments::Json(Value::Object(
                    request.arguments.unwrap_or_default(),
                )),
                provider_data: None,
            };
            // Biased toward the cancel: once the client cancels, the executor future is dropped
            // (the tool's own token fires, a pending approval is abandoned) even when the
            // approval arrives in the same instant; a late "accept" can then run nothing.
            let result = tokio::select! {
                biased;
                () = cancelled.cancelled() => return Err(cancelled_error()),
                result = executor.call_with_confirmer(&principal, &call, &confirmer) => result,
            };
            let result: CallToolResult = from_json(providers::mcp::call_tool_result(&result))?;
            Ok(CallToolResponse::Complete(result))
        }
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + Send + '_ {
        self.executor.add_peer(context.peer);
        std::future::ready(())
    }
}

//! An MCP server for a registry (feature `mcp`), on rmcp, the official Rust SDK: `tools/list`
//! comes from the caller's scoped view with annotations from the declared policy, and every
//! `tools/call` runs through the executor, so every policy holds. Failures of any kind come back
//! as results with `isError: true` and the structured error text, never as protocol errors.
//! Destructive calls are confirmed through MCP elicitation when the client supports it, and
//! denied (never run) when it does not.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
};
use rmcp::service::{ElicitationError, NotificationContext, Peer, RequestContext, RoleServer};
use rmcp::{ErrorData, ServiceExt};
use serde_json::Value;

use crate::call::{CallArguments, ToolCall};
use crate::providers;
use crate::tool::BoxFuture;
use crate::{ConfirmationRequest, Confirmer, Decision, Executor, Principal};

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
        async move {
            let call = ToolCall {
                id,
                name: request.name.to_string(),
                arguments: CallArguments::Json(Value::Object(
                    request.arguments.unwrap_or_default(),
                )),
            };
            let result = executor
                .call_with_confirmer(&principal, &call, &confirmer)
                .await;
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

/// Confirms through MCP elicitation: the client shows the request to a human.
struct Elicitation(Peer<RoleServer>);

/// What the human is asked.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Approval {
    /// Approve this call?
    approve: bool,
}

rmcp::elicit_safe!(Approval);

impl Confirmer for Elicitation {
    fn confirm<'a>(&'a self, request: &'a ConfirmationRequest) -> BoxFuture<'a, Decision> {
        let message = format!(
            "Allow `{}` with {}?\n{}",
            request.tool, request.arguments, request.description
        );
        Box::pin(async move {
            match self.0.elicit::<Approval>(message).await {
                Ok(Some(Approval { approve: true })) => Decision::Approve,
                Ok(_) => Decision::deny("the user did not approve it"),
                Err(ElicitationError::CapabilityNotSupported) => Decision::deny(
                    "this action needs a human's approval, and this MCP client cannot ask for it (no elicitation support); it was not run",
                ),
                Err(ElicitationError::UserDeclined | ElicitationError::UserCancelled) => {
                    Decision::deny("the user declined")
                }
                Err(e) => Decision::deny(format!("the approval prompt failed: {e}")),
            }
        })
    }
}

/// Serves `executor` over stdin/stdout for `principal` until the client disconnects.
///
/// # Errors
/// When the transport fails to start.
pub async fn serve_stdio(executor: Executor, principal: Principal) -> Result<(), std::io::Error> {
    let server = McpServer::new(SharedExecutor::new(executor), Some(principal));
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(std::io::Error::other)?;
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}

/// Serves `executor` over streamable HTTP at `http://ADDR/mcp`. Every request needs
/// `Authorization: Bearer TOKEN` that `resolver` maps to a principal; otherwise it is answered
/// with 401 and never reaches the executor. Runs until the listener fails.
///
/// # Errors
/// When the address cannot be bound.
pub async fn serve_http(
    executor: SharedExecutor,
    addr: SocketAddr,
    resolver: impl TokenResolver,
) -> Result<(), std::io::Error> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_http_on(executor, listener, resolver).await
}

/// Like [`serve_http`], on a listener the caller bound (e.g. to port 0 in tests).
///
/// # Errors
/// When serving fails.
pub async fn serve_http_on(
    executor: SharedExecutor,
    listener: tokio::net::TcpListener,
    resolver: impl TokenResolver,
) -> Result<(), std::io::Error> {
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    };
    let local = listener.local_addr()?;
    let config = StreamableHttpServerConfig::default().with_allowed_hosts([
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
        local.to_string(),
        format!("localhost:{}", local.port()),
    ]);
    let service = StreamableHttpService::new(
        move || Ok(McpServer::new(executor.clone(), None)),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let resolver: Arc<dyn TokenResolver> = Arc::new(resolver);
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn(
            move |mut req: axum::extract::Request, next: axum::middleware::Next| {
                let resolver = resolver.clone();
                async move {
                    let token = req
                        .headers()
                        .get(axum::http::header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        .map(str::trim);
                    match token.and_then(|t| resolver.resolve(t)) {
                        Some(principal) => {
                            req.extensions_mut().insert(principal);
                            next.run(req).await
                        }
                        None => axum::response::IntoResponse::into_response((
                            axum::http::StatusCode::UNAUTHORIZED,
                            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
                            "a valid bearer token is required",
                        )),
                    }
                }
            },
        ));
    axum::serve(listener, app).await
}

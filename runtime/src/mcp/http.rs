//! MCP over streamable HTTP: a gate in front of rmcp's service authenticates every request by
//! its bearer token and binds every session to the principal that opened it, so a session is
//! usable (POST, GET stream, DELETE) by that principal only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::{SessionId, SessionManager};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::sessions::{Full, MAX_SESSIONS, MAX_SESSIONS_PER_PRINCIPAL, SessionOwners};
use super::{McpServer, SharedExecutor, TokenResolver};
use crate::Principal;

/// The header carrying the session id (rmcp's `HEADER_SESSION_ID`).
const SESSION_HEADER: &str = "mcp-session-id";
/// A refused request's body is read (and dropped) up to this size, so the client's kept-alive
/// connection stays in step; past it, or past [`DRAIN_TIME`], the connection is closed.
const DRAIN_LIMIT: usize = 1 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Serves `executor` over streamable HTTP at `http://ADDR/mcp`. Every request needs
/// `Authorization: Bearer TOKEN` that `resolver` maps to a principal; otherwise it is answered
/// with 401 and never reaches the executor. A session belongs to the principal that opened it
/// (same id and tenant): anyone else gets 404, as for an unknown session. Runs until the
/// listener fails.
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
    serve_http_with(McpServer::new(executor, None), listener, resolver).await
}

/// Like [`serve_http_on`], for a configured server (instructions, `requestState` key, page
/// size…). Every request is served by a clone of `server`, acting for the principal of its
/// bearer token.
///
/// ```no_run
/// # async fn run(executor: toolwright::Executor) -> std::io::Result<()> {
/// use toolwright::mcp::{McpServer, SharedExecutor, serve_http_with};
/// use toolwright::Principal;
///
/// let server = McpServer::new(SharedExecutor::new(executor), None)
///     .with_instructions("Search before you delete.");
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8931").await?;
/// serve_http_with(server, listener, |token: &str| {
///     (token == "demo-admin").then(|| Principal::new("demo-admin").grant("*"))
/// })
/// .await
/// # }
/// ```
///
/// # Errors
/// When serving fails.
pub async fn serve_http_with(
    server: McpServer,
    listener: tokio::net::TcpListener,
    resolver: impl TokenResolver,
) -> Result<(), std::io::Error> {
    let local = listener.local_addr()?;
    let mut config = StreamableHttpServerConfig::default().with_allowed_hosts([
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
        local.to_string(),
        format!("localhost:{}", local.port()),
    ]);
    if let Some(origins) = &server.allowed_origins {
        config = config
            .with_allowed_origins(origins.iter().cloned())
            .enforce_origin_validation();
    }
    let resource = server.resource.clone();
    let sessions = Arc::new(LocalSessionManager::default());
    // Over HTTP the principal always comes from the token, never from the template.
    let server = McpServer {
        principal: None,
        ..server
    };
    let service = StreamableHttpService::new(move || Ok(server.clone()), sessions.clone(), config);
    let gate = Arc::new(Gate {
        resource,
        resolver: Arc::new(resolver),
        owners: SessionOwners::new(MAX_SESSIONS, MAX_SESSIONS_PER_PRINCIPAL),
        sessions,
    });
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| gate.clone().admit(req, next),
        ));
    axum::serve(listener, app).await
}

/// Authentication and session ownership, in front of rmcp.
struct Gate {
    resource: Option<Arc<ProtectedResource>>,
    resolver: Arc<dyn TokenResolver>,
    owners: SessionOwners,
    sessions: Arc<LocalSessionManager>,
}

impl Gate {
    async fn admit(self: Arc<Self>, mut req: Request, next: Next) -> Response {
        if let Some(resource) = &self.resource
            && req.uri().path().starts_with(WELL_KNOWN)
        {
            return resource.answer(&req);
        }
        let Some(principal) = bearer_token(req.headers()).and_then(|t| self.resolver.resolve(t))
        else {
            let challenge = self.resource.as_ref().map(|r| r.metadata_url.as_str());
            return refuse(req, unauthorized(challenge)).await;
        };
        let session = match req.headers().get(SESSION_HEADER).map(HeaderValue::to_str) {
            None => None,
            Some(Ok(id)) => Some(id.to_owned()),
            Some(Err(_)) => return refuse(req, unknown_session()).await,
        };
        let Some(session) = session else {
            return self.open(principal, req, next).await;
        };
        if !self.owners.owns(&session, &principal) {
            return refuse(req, unknown_session()).await;
        }
        let closes = req.method() == Method::DELETE;
        req.extensions_mut().insert(principal);
        let response = next.run(req).await;
        // Gone either way: closed now, or already closed by rmcp (idle, ended).
        if closes && (response.status().is_success() || response.status() == StatusCode::NOT_FOUND)
        {
            self.owners.forget(&session);
        }
        response
    }

    /// A request without a session: rmcp opens one on `initialize`, bound here to `principal`.
    async fn open(&self, principal: Principal, mut req: Request, next: Next) -> Response {
        if req.method() == Method::POST
            && let Err(full) = self.room_for(&principal).await
        {
            return refuse(req, too_many_sessions(full)).await;
        }
        req.extensions_mut().insert(principal.clone());
        let response = next.run(req).await;
        let opened = response
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok());
        if let Some(session) = opened
            && let Err(full) = self.owners.bind(session, &principal)
        {
            // Another request took the last place meanwhile: the session must not live unbound.
            let _ = self.sessions.close_session(&SessionId::from(session)).await;
            return too_many_sessions(full);
        }
        response
    }

    /// Room for one more session, after forgetting sessions rmcp closed (idle, ended) if full.
    async fn room_for(&self, principal: &Principal) -> Result<(), Full> {
        if self.owners.room_for(principal).is_ok() {
            return Ok(());
        }
        let open = self.sessions.sessions.read().await;
        self.owners
            .retain_open(|session| open.contains_key(&SessionId::from(session)));
        drop(open);
        self.owners.room_for(principal)
    }
}

/// The token of an `Authorization: Bearer TOKEN` header. The scheme is case-insensitive
/// (RFC 9110 §11.1, RFC 6750 §2.1) and may be followed by several spaces.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Answers `req` with `response` after reading and dropping its body (bounded), so a client
/// that sent a body on a kept-alive connection can send its next request on it; a body too
/// large or too slow closes the connection instead.
async fn refuse(req: Request, mut response: Response) -> Response {
    let drained = tokio::time::timeout(
        DRAIN_TIME,
        axum::body::to_bytes(req.into_body(), DRAIN_LIMIT),
    )
    .await;
    if !matches!(drained, Ok(Ok(_))) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// 401, pointing at the protected resource metadata when there is some (RFC 9728 §5.1).
fn unauthorized(metadata_url: Option<&str>) -> Response {
    let challenge = match metadata_url {
        Some(url) => format!("Bearer resource_metadata=\"{url}\""),
        None => "Bearer".to_owned(),
    };
    let mut response =
        (StatusCode::UNAUTHORIZED, "a valid bearer token is required").into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The path prefix of OAuth 2.0 Protected Resource Metadata (RFC 9728 §3).
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// This server as an OAuth 2.0 protected resource (RFC 9728).
pub(super) struct ProtectedResource {
    /// Where the metadata lives: the resource's origin, the well-known prefix, its path.
    metadata_url: String,
    /// The metadata document.
    document: String,
}

impl ProtectedResource {
    pub(super) fn new(
        resource: &str,
        authorization_servers: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Self, url::ParseError> {
        let url = url::Url::parse(resource)?;
        let servers = authorization_servers
            .into_iter()
            .map(|s| url::Url::parse(s.as_ref()).map(String::from))
            .collect::<Result<Vec<_>, _>>()?;
        let path = url.path().trim_end_matches('/');
        let metadata_url = format!("{}{WELL_KNOWN}{path}", url.origin().ascii_serialization());
        let document = serde_json::json!({
            "resource": resource,
            "authorization_servers": servers,
            "bearer_methods_supported": ["header"],
        })
        .to_string();
        Ok(Self {
            metadata_url,
            document,
        })
    }

    /// The metadata for a GET of a well-known path; 405 for other methods.
    fn answer(&self, req: &Request) -> Response {
        if req.method() != Method::GET {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        (
            [(header::CONTENT_TYPE, "application/json")],
            self.document.clone(),
        )
            .into_response()
    }
}

/// The same answer rmcp gives for a session it does not know.
fn unknown_session() -> Response {
    (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response()
}

fn too_many_sessions(full: Full) -> Response {
    match full {
        Full::Principal => (
            StatusCode::TOO_MANY_REQUESTS,
            "too many open MCP sessions for this principal; close one with HTTP DELETE or wait for an idle one to expire",
        ),
        Full::Server => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the server holds as many MCP sessions as it can; retry later",
        ),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        bearer_token(&headers).map(str::to_owned)
    }

    #[test]
    fn the_bearer_scheme_is_matched_without_case_and_the_token_exactly() {
        for ok in ["Bearer t-1", "bearer t-1", "BEARER t-1", "bEaReR   t-1 "] {
            assert_eq!(token(ok).as_deref(), Some("t-1"), "{ok}");
        }
        for bad in [
            "Basic t-1",
            "Bearer",
            "Bearer ",
            "Bearert-1",
            "Bearer-x t-1",
            "t-1",
        ] {
            assert_eq!(token(bad), None, "{bad}");
        }
    }
}

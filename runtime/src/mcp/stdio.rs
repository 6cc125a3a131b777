//! MCP over newline-delimited JSON-RPC (stdin/stdout or any byte pipe). rmcp ends the server
//! when anything but a request arrives before `initialize`; a stray notification or response
//! is ignored here instead, as the specification's robustness principle asks.

use std::borrow::Cow;

use rmcp::ServiceExt;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, GetMeta, ProtocolVersion, ServerJsonRpcMessage,
};
use rmcp::service::RoleServer;
use rmcp::transport::Transport;
use rmcp::transport::async_rw::AsyncRwTransport;
use tokio::io::{AsyncRead, AsyncWrite};

use super::{McpServer, SharedExecutor};
use crate::{Executor, Principal};

/// Serves `executor` over stdin/stdout for `principal` until the client disconnects.
///
/// # Errors
/// When the transport fails to start.
pub async fn serve_stdio(executor: Executor, principal: Principal) -> Result<(), std::io::Error> {
    let server = McpServer::new(SharedExecutor::new(executor), Some(principal));
    serve_io(server, tokio::io::stdin(), tokio::io::stdout()).await
}

/// Serves `server` on a byte pipe, one JSON-RPC message per line, until the peer disconnects:
/// what [`serve_stdio`] does on stdin/stdout, for sockets, child processes and tests.
///
/// ```no_run
/// # async fn run(server: toolwright::mcp::McpServer) -> std::io::Result<()> {
/// let (read, write) = tokio::io::split(tokio::net::TcpStream::connect("127.0.0.1:7000").await?);
/// toolwright::mcp::serve_io(server, read, write).await
/// # }
/// ```
///
/// # Errors
/// When the pipe closes before `initialize`, or fails.
pub async fn serve_io<R, W>(server: McpServer, read: R, write: W) -> Result<(), std::io::Error>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let transport = BeforeInitialize {
        supported: server.supported_protocol_versions(),
        inner: AsyncRwTransport::new_server(read, write),
        started: false,
    };
    let running = server
        .serve(transport)
        .await
        .map_err(std::io::Error::other)?;
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}

/// Drops notifications and responses until rmcp has left its handshake loop, where they are
/// fatal; from then on every message passes through untouched.
struct BeforeInitialize<T> {
    inner: T,
    supported: Cow<'static, [ProtocolVersion]>,
    started: bool,
}

impl<T> BeforeInitialize<T> {
    /// Whether rmcp starts serving on `request` rather than answering it and waiting for
    /// more: `initialize`, or (2026-07-28 style) any other request with complete inline
    /// metadata for a supported version. Mirrors rmcp's pre-`initialize` loop.
    fn starts_lifecycle(&self, request: &ClientRequest) -> bool {
        match request {
            ClientRequest::InitializeRequest(_) => true,
            ClientRequest::PingRequest(_) | ClientRequest::DiscoverRequest(_) => false,
            other => {
                let meta = other.get_meta();
                meta.missing_required_keys(&ProtocolVersion::V_2026_07_28)
                    .is_empty()
                    && meta
                        .protocol_version()
                        .is_some_and(|v| self.supported.contains(&v))
            }
        }
    }
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for BeforeInitialize<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            let message = self.inner.receive().await?;
            if self.started {
                return Some(message);
            }
            match &message {
                ClientJsonRpcMessage::Request(request) => {
                    self.started = self.starts_lifecycle(&request.request);
                    return Some(message);
                }
                _ => tracing::debug!("ignoring a notification or response sent before initialize"),
            }
        }
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

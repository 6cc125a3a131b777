//! The quickstart's tools as an MCP server, every policy enforced by the executor.
//!
//! ```sh
//! cargo run --features mcp --example mcp_server                       # stdio
//! cargo run --features mcp --example mcp_server -- --grant kb:read,orders:read
//! cargo run --features mcp --example mcp_server -- --http 127.0.0.1:8931   # streamable HTTP at /mcp
//! ```
//!
//! Over HTTP, `Authorization: Bearer demo-reader` sees the read-only tools and
//! `Bearer demo-admin` sees every tool; any other token gets 401.
//!
//! Both MCP revisions are served: 2026-07-28 clients confirm destructive calls by a multi
//! round-trip (the `requestState` key is random per process unless `TOOLWRIGHT_STATE_KEY`
//! holds at least 32 bytes), 2025-11-25 clients by elicitation.

#[path = "support/tools.rs"]
mod tools;

use std::net::SocketAddr;

use toolwright::mcp::{McpServer, SharedExecutor, serve_http_with, serve_io};
use toolwright::{Executor, Principal, Registry};

fn registry() -> Result<Registry, toolwright::RegistryError> {
    Registry::builder()
        .tool(tools::search_knowledge_base)
        .tool(tools::delete_document)
        .tool(tools::send_customer_email)
        .tool(tools::issue_refund)
        .tools(tools::OrderDesk::demo())
        .build()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let executor = SharedExecutor::new(Executor::new(registry()?));
    let mut server = McpServer::new(executor, None).with_instructions(
        "Support desk tools. Search the knowledge base before answering; \
         deleting, refunding and emailing ask the user first.",
    );
    if let Ok(key) = std::env::var("TOOLWRIGHT_STATE_KEY") {
        server = server.with_state_key(key.as_bytes())?;
    }
    if let Some(addr) = flag("--http") {
        let addr: SocketAddr = addr.parse()?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        eprintln!("toolwright MCP server on http://{addr}/mcp");
        serve_http_with(server, listener, |token: &str| match token {
            "demo-reader" => {
                Some(Principal::new("demo-reader").grant_all(["kb:read", "orders:read"]))
            }
            "demo-admin" => Some(Principal::new("demo-admin").grant("*")),
            _ => None,
        })
        .await?;
    } else {
        let grants = flag("--grant").unwrap_or_else(|| "kb:read,kb:write,orders:read".into());
        let principal = Principal::new("mcp-stdio")
            .grant_all(grants.split(',').map(str::trim).filter(|g| !g.is_empty()));
        let server = server.with_principal(principal);
        serve_io(server, tokio::io::stdin(), tokio::io::stdout()).await?;
    }
    Ok(())
}

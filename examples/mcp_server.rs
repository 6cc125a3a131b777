//! The quickstart's tools as an MCP server, every policy enforced by the executor.
//!
//! ```sh
//! cargo run --features mcp --example mcp_server                       # stdio
//! cargo run --features mcp --example mcp_server -- --grant kb:read,orders:read
//! cargo run --features mcp --example mcp_server -- --http 127.0.0.1:8931   # streamable HTTP at /mcp
//!
//! # Replicas: every one points at the same Redis and shares the requestState key
//! export TOOLWRIGHT_STATE_KEY=$(head -c 32 /dev/urandom | base64)
//! cargo run --features mcp,redis --example mcp_server -- --http 127.0.0.1:8931 --redis redis://127.0.0.1:6379/
//! cargo run --features mcp,redis --example mcp_server -- --http 127.0.0.1:8932 --redis redis://127.0.0.1:6379/
//! ```
//!
//! Over HTTP, `Authorization: Bearer demo-reader` sees the read-only tools and
//! `Bearer demo-admin` sees every tool; any other token gets 401.
//!
//! Both MCP revisions are served: 2026-07-28 clients confirm destructive calls by a multi
//! round-trip (the `requestState` key is random per process unless `TOOLWRIGHT_STATE_KEY`
//! holds at least 32 bytes), 2025-11-25 clients by elicitation.
//!
//! With `--redis URL` (feature `redis`) rate limits and used confirmations live in Redis, so N
//! replicas enforce one policy: `search_knowledge_base` allows 3 calls a minute per caller in
//! total, and a confirmation is redeemed once on whichever replica gets it. `--redis-prefix`
//! namespaces the keys (default `toolwright`); `--fail-open` lets calls that need no
//! confirmation through while Redis is unreachable (default: refused as `unavailable`).
//! `--journal FILE` appends one line per destructive call that ran, a stand-in for its effect.

#[path = "support/tools.rs"]
mod tools;

use std::io::Write;
use std::net::SocketAddr;

use toolwright::mcp::{McpServer, SharedExecutor, serve_http_with, serve_io};
use toolwright::policy::layer::{Position, from_fn};
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
    let mut builder = Executor::builder(registry()?);
    if let Some(url) = flag("--redis") {
        #[cfg(feature = "redis")]
        {
            let mut store = toolwright::store::RedisStore::builder(url);
            if let Some(prefix) = flag("--redis-prefix") {
                store = store.prefix(prefix);
            }
            builder = builder.store(store.build()?);
            if args.iter().any(|a| a == "--fail-open") {
                builder = builder.fail_open_rate_limits();
            }
            if std::env::var_os("TOOLWRIGHT_STATE_KEY").is_none() {
                eprintln!(
                    "warning: --redis without TOOLWRIGHT_STATE_KEY: other replicas cannot verify this one's confirmations"
                );
            }
        }
        #[cfg(not(feature = "redis"))]
        return Err(format!("--redis {url}: build with --features mcp,redis").into());
    }
    if let Some(path) = flag("--journal") {
        builder = builder.layer(Position::AroundExecution, journal(path));
    }
    let executor = SharedExecutor::new(builder.build());
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

/// Appends `tool call_id principal` to `path` for every destructive call whose body returned
/// Ok: the effect a test counts to see that a confirmed call ran exactly once.
fn journal(path: String) -> impl toolwright::policy::layer::Layer {
    let lock = std::sync::Arc::new(std::sync::Mutex::new(()));
    from_fn("journal", move |request, next| {
        let (path, lock) = (path.clone(), lock.clone());
        Box::pin(async move {
            let destructive = request.tool().policy().destructive;
            let line = format!(
                "{} {} {}\n",
                request.tool().name(),
                request.call_id(),
                request.principal().id()
            );
            let result = next.run(request).await;
            if destructive && result.is_ok() {
                let _held = lock
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let written = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .and_then(|mut f| f.write_all(line.as_bytes()));
                if let Err(e) = written {
                    eprintln!("journal {path}: {e}");
                }
            }
            result
        })
    })
}

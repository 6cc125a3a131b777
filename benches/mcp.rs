//! MCP `tools/call` round trip in process (client and server over an in-memory duplex pipe):
//! toolwright's server, with every call through the executor, against an rmcp `#[tool]` server
//! with the same tool, in the same run.
//!
//! `cargo bench --features mcp --bench mcp`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::{ServiceExt, tool, tool_router};
use serde_json::json;
use toolwright::mcp::{McpServer, SharedExecutor};
use toolwright::{Executor, Principal, Registry};

/// Look up a customer record by id in the CRM. Returns the record's display name.
#[toolwright::tool(read_only)]
async fn lookup_customer_record(
    /// Customer id, e.g. "cus_1042"
    #[arg(min_len = 1, max_len = 64)]
    id: String,
) -> String {
    format!("Customer {id}")
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct LookupArgs {
    /// Customer id, e.g. "cus_1042"
    id: String,
}

#[derive(Clone)]
struct RmcpCrm;

#[tool_router(server_handler)]
impl RmcpCrm {
    #[tool(
        description = "Look up a customer record by id in the CRM. Returns the record's display name."
    )]
    async fn lookup_customer_record(&self, Parameters(a): Parameters<LookupArgs>) -> String {
        format!("Customer {}", a.id)
    }
}

async fn connect<S: rmcp::ServerHandler>(server: S) -> RunningService<RoleClient, ()> {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("client")
}

fn params() -> CallToolRequestParams {
    let serde_json::Value::Object(args) = json!({"id": "cus_1042"}) else {
        unreachable!()
    };
    CallToolRequestParams::new("lookup_customer_record").with_arguments(args)
}

fn bench_round_trip(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ours = rt.block_on(connect(McpServer::new(
        SharedExecutor::new(Executor::new(
            Registry::builder()
                .tool(lookup_customer_record)
                .build()
                .unwrap(),
        )),
        Some(Principal::anonymous()),
    )));
    let theirs = rt.block_on(connect(RmcpCrm));
    let mut g = c.benchmark_group("mcp/tools_call_round_trip");
    g.bench_function("rmcp #[tool] server", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(theirs.call_tool(params()).await.unwrap()) });
    });
    g.bench_function("toolwright server (executor, default policies)", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(ours.call_tool(params()).await.unwrap()) });
    });
    g.finish();
}

criterion_group!(benches, bench_round_trip);
criterion_main!(benches);

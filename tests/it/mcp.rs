//! The MCP server with a real client: rmcp's, in process and over streamable HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rmcp::handler::client::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult,
    ElicitationAction,
};
use rmcp::service::{NotificationContext, RequestContext, RoleClient};
use rmcp::{ErrorData, ServiceExt};
use serde_json::{Value, json};
use toolwright::mcp::{McpServer, SharedExecutor, serve_http_on};
use toolwright::{Executor, Principal, Registry, tool};

use crate::support::{Probe, delete_document};

/// Search the company knowledge base for articles matching a query.
/// Returns the matching article titles.
#[tool(permissions = ["kb:read"], read_only)]
async fn search_knowledge_base(
    /// Search query, e.g. "refund policy"
    #[arg(min_len = 1, max_len = 200)]
    query: String,
) -> Vec<String> {
    vec![format!("About {query}")]
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Status {
    /// Order status, e.g. "shipped"
    status: String,
}

/// Look up the status of an order by its number. Returns the status.
#[tool(permissions = ["orders:read"], read_only, idempotent)]
async fn get_order_status(
    /// Order number, e.g. "A-1001"
    order_id: String,
) -> Status {
    let _ = order_id;
    Status {
        status: "shipped".into(),
    }
}

fn executor(probe: &Arc<Probe>) -> Executor {
    Executor::new(
        Registry::builder()
            .tool(search_knowledge_base)
            .tool(get_order_status)
            .tool(delete_document)
            .state(probe.clone())
            .build()
            .unwrap(),
    )
}

/// Serves `server` over an in-memory pipe; returns the client's end.
fn in_memory(server: McpServer) -> tokio::io::DuplexStream {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    client_io
}

/// A client that declares elicitation and answers every prompt with `approve`.
#[derive(Clone, Default)]
struct Human {
    approve: bool,
    prompts: Arc<AtomicUsize>,
    list_changes: Arc<AtomicUsize>,
}

impl ClientHandler for Human {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            rmcp::model::Implementation::new("test-human", "1.0"),
        )
    }

    async fn create_elicitation(
        &self,
        _request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.prompts.fetch_add(1, Ordering::SeqCst);
        let mut r: ElicitResult = serde_json::from_value(
            json!({"action": "accept", "content": {"approve": self.approve}}),
        )
        .unwrap();
        r.action = ElicitationAction::Accept;
        Ok(r)
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changes.fetch_add(1, Ordering::SeqCst);
    }
}

fn args(v: Value) -> CallToolRequestParams {
    let Value::Object(m) = v else { unreachable!() };
    CallToolRequestParams::new("placeholder").with_arguments(m)
}

fn call(name: &'static str, v: Value) -> CallToolRequestParams {
    let mut p = args(v);
    p.name = name.into();
    p
}

fn text_of(result: &rmcp::model::CallToolResult) -> Value {
    let content = serde_json::to_value(&result.content).unwrap();
    serde_json::from_str(content[0]["text"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn stdio_style_session_lists_scoped_tools_with_annotations_and_calls_them() {
    let probe = Arc::new(Probe::default());
    let shared = SharedExecutor::new(executor(&probe));
    let reader = Principal::new("reader").grant_all(["kb:read", "orders:read"]);
    let client_io = in_memory(McpServer::new(shared.clone(), Some(reader)));
    let client = ().serve(client_io).await.unwrap();

    let tools = client.list_all_tools().await.unwrap();
    let listed = serde_json::to_value(&tools).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["search_knowledge_base", "get_order_status"],
        "only the principal's tools"
    );
    assert_eq!(
        listed[0]["annotations"],
        json!({"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false})
    );
    assert_eq!(listed[1]["outputSchema"]["type"], "object");

    let r = client
        .call_tool(call("search_knowledge_base", json!({"query": "refunds"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false));
    assert_eq!(text_of(&r), json!(["About refunds"]));

    let r = client
        .call_tool(call("get_order_status", json!({"order_id": "A-1"})))
        .await
        .unwrap();
    assert_eq!(r.structured_content, Some(json!({"status": "shipped"})));

    let r = client
        .call_tool(call(
            "search_knowledge_base",
            json!({"query": "", "extra": 1}),
        ))
        .await
        .unwrap();
    assert_eq!(
        r.is_error,
        Some(true),
        "bad arguments are a result, not a protocol error"
    );
    let err = text_of(&r);
    assert_eq!(err["kind"], "invalid_arguments");
    assert_eq!(err["errors"].as_array().unwrap().len(), 2);

    // The specification's answer for an unknown tool is the protocol error -32602; a hidden
    // tool gets the very same answer (only the name it was asked by differs).
    let hidden = unknown_tool_error(&client, "delete_document").await;
    let unknown = unknown_tool_error(&client, "no_such_tool").await;
    assert_eq!(hidden.code, rmcp::model::ErrorCode::INVALID_PARAMS);
    let data = hidden.data.clone().unwrap();
    assert_eq!(data["kind"], "unknown_tool", "a hidden tool looks unknown");
    let blind = |e: &ErrorData, name: &str| serde_json::to_string(e).unwrap().replace(name, "NAME");
    assert_eq!(
        blind(&hidden, "delete_document"),
        blind(&unknown, "no_such_tool")
    );
    client.cancel().await.unwrap();
}

/// The protocol error a `tools/call` of `name` gets.
async fn unknown_tool_error<S: rmcp::service::Service<rmcp::service::RoleClient>>(
    client: &rmcp::service::RunningService<rmcp::service::RoleClient, S>,
    name: &'static str,
) -> ErrorData {
    match client.call_tool(call(name, json!({"id": "kb-1"}))).await {
        Err(rmcp::ServiceError::McpError(e)) => e,
        other => panic!("expected a protocol error for `{name}`, got {other:?}"),
    }
}

#[tokio::test]
async fn destructive_calls_need_elicitation_and_are_denied_without_it() {
    let probe = Arc::new(Probe::default());
    let admin = Principal::new("admin").grant("*");
    for (client_kind, expect_run) in [("plain", false), ("decline", false), ("approve", true)] {
        let shared = SharedExecutor::new(executor(&probe));
        let client_io = in_memory(McpServer::new(shared, Some(admin.clone())));
        let before = probe.deletes.load(Ordering::SeqCst);
        let r = match client_kind {
            "plain" => {
                let c = ().serve(client_io).await.unwrap();
                let r = c
                    .call_tool(call("delete_document", json!({"id": "kb-1"})))
                    .await
                    .unwrap();
                c.cancel().await.unwrap();
                r
            }
            other => {
                let human = Human {
                    approve: other == "approve",
                    ..Default::default()
                };
                let c = human.clone().serve(client_io).await.unwrap();
                let r = c
                    .call_tool(call("delete_document", json!({"id": "kb-1"})))
                    .await
                    .unwrap();
                assert_eq!(
                    human.prompts.load(Ordering::SeqCst),
                    1,
                    "the human was asked"
                );
                c.cancel().await.unwrap();
                r
            }
        };
        let ran = probe.deletes.load(Ordering::SeqCst) > before;
        assert_eq!(ran, expect_run, "{client_kind}");
        assert_eq!(r.is_error, Some(!expect_run), "{client_kind}");
        if client_kind == "plain" {
            let err = text_of(&r);
            assert_eq!(err["kind"], "denied");
            assert!(
                err["error"].as_str().unwrap().contains("cannot ask"),
                "{err}"
            );
        }
    }
}

#[tokio::test]
async fn replacing_the_registry_notifies_connected_clients() {
    let probe = Arc::new(Probe::default());
    let shared = SharedExecutor::new(executor(&probe));
    let client_io = in_memory(McpServer::new(
        shared.clone(),
        Some(Principal::new("r").grant("kb:read")),
    ));
    let human = Human::default();
    let client = human.clone().serve(client_io).await.unwrap();
    assert_eq!(client.list_all_tools().await.unwrap().len(), 1);
    // Give the server a moment to register the initialized peer.
    for _ in 0..50 {
        if shared
            .replace(Executor::new(
                Registry::builder()
                    .tool(search_knowledge_base)
                    .tool(get_order_status)
                    .build()
                    .unwrap(),
            ))
            .await
            > 0
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for _ in 0..100 {
        if human.list_changes.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        human.list_changes.load(Ordering::SeqCst) > 0,
        "notifications/tools/list_changed arrived"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_tool_taken_out_of_service_leaves_the_list_and_clients_are_told() {
    let probe = Arc::new(Probe::default());
    let shared = SharedExecutor::new(executor(&probe));
    let client_io = in_memory(McpServer::new(
        shared.clone(),
        Some(Principal::new("r").grant("*")),
    ));
    let human = Human::default();
    let client = human.clone().serve(client_io).await.unwrap();
    let names = |tools: Vec<rmcp::model::Tool>| -> Vec<String> {
        tools.into_iter().map(|t| t.name.to_string()).collect()
    };
    assert!(names(client.list_all_tools().await.unwrap()).contains(&"get_order_status".into()));
    assert!(!shared.disable_tool("no_such_tool", "typo").await);
    assert!(
        shared
            .disable_tool(
                "get_order_status",
                "the order service is down for maintenance"
            )
            .await
    );
    let listed = names(client.list_all_tools().await.unwrap());
    assert!(!listed.contains(&"get_order_status".into()), "{listed:?}");
    assert!(
        listed.contains(&"search_knowledge_base".into()),
        "{listed:?}"
    );
    // A client that calls it anyway is refused with the reason.
    let r = client
        .call_tool(call("get_order_status", json!({"order_id": "ord_1"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let err = text_of(&r);
    assert_eq!(err["kind"], "denied", "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("down for maintenance"),
        "{err}"
    );
    // Told once per change: disabling it again changes nothing.
    assert!(shared.disable_tool("get_order_status", "still down").await);
    assert!(shared.enable_tool("get_order_status").await);
    assert!(!shared.enable_tool("get_order_status").await);
    assert!(names(client.list_all_tools().await.unwrap()).contains(&"get_order_status".into()));
    for _ in 0..100 {
        if human.list_changes.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        human.list_changes.load(Ordering::SeqCst),
        2,
        "notifications/tools/list_changed: once out of service, once back"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn http_requires_a_bearer_token_and_scopes_by_it() {
    let probe = Arc::new(Probe::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_http_on(
        SharedExecutor::new(executor(&probe)),
        listener,
        |token: &str| (token == "reader-token").then(|| Principal::new("reader").grant("kb:read")),
    ));
    let url = format!("http://{addr}/mcp");

    let raw = reqwest::Client::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let resp = raw
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "no token");
    let resp = raw
        .post(&url)
        .bearer_auth("wrong")
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "unknown token");

    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.clone()).auth_header("reader-token"),
    );
    let client = ().serve(transport).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(names, ["search_knowledge_base"]);
    let r = client
        .call_tool(call("search_knowledge_base", json!({"query": "vpn"})))
        .await
        .unwrap();
    assert_eq!(text_of(&r), json!(["About vpn"]));
    let e = unknown_tool_error(&client, "get_order_status").await;
    assert_eq!(e.code, rmcp::model::ErrorCode::INVALID_PARAMS);
    assert_eq!(e.data.unwrap()["kind"], "unknown_tool");
    client.cancel().await.unwrap();
}

/// A dynamic tool built with `mcp_result` (what the gateway builds in front of another MCP
/// server) reaches MCP clients with the content blocks it returned; the same value without
/// `mcp_result`, or a value MCP cannot read as a result, goes out as JSON text.
#[tokio::test]
async fn an_mcp_result_reaches_mcp_clients_as_its_content_blocks() {
    use toolwright::DynamicTool;
    let answer = json!({
        "content": [
            {"type": "text", "text": "Sales, Q3\n\"draft\""},
            {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}
        ],
        "structuredContent": {"total": 3}
    });
    let tool = |name: &str, mcp_result: bool, value: Value| {
        DynamicTool::builder(
            name,
            "Draw the sales chart of the quarter. Returns a PNG image.",
        )
        .read_only(true)
        .mcp_result(mcp_result)
        .body(move |_args, _ctx| {
            let value = value.clone();
            async move { Ok(value) }
        })
        .unwrap()
    };
    let registry = Registry::builder()
        .tool(tool("forwarded", true, answer.clone()))
        .tool(tool("as_json", false, answer.clone()))
        .tool(tool("not_a_result", true, json!({"content": "plain"})))
        .build()
        .unwrap();
    let shared = SharedExecutor::new(Executor::new(registry));
    let client_io = in_memory(McpServer::new(shared, None));
    let client = ().serve(client_io).await.unwrap();

    let forwarded = client
        .call_tool(call("forwarded", json!({})))
        .await
        .unwrap();
    assert_eq!(forwarded.is_error, Some(false));
    assert_eq!(
        serde_json::to_value(&forwarded.content).unwrap(),
        answer["content"]
    );
    assert_eq!(forwarded.structured_content, Some(json!({"total": 3})));

    let as_json = client.call_tool(call("as_json", json!({}))).await.unwrap();
    assert_eq!(text_of(&as_json), answer);
    let not_a_result = client
        .call_tool(call("not_a_result", json!({})))
        .await
        .unwrap();
    assert_eq!(text_of(&not_a_result), json!({"content": "plain"}));
    client.cancel().await.unwrap();
}

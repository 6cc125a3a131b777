//! What MCP hosts expect of the server, on the wire and with rmcp's client: titles, wrapped
//! non-object outputs, instructions, pagination with cursors, cache hints and result types on
//! 2026-07-28, progress notifications.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::handler::client::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, ErrorCode, PaginatedRequestParams,
    ProgressNotificationParam, ProgressToken, ProtocolVersion, RequestMetaObject,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, NotificationContext, RoleClient};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use toolwright::mcp::{McpServer, SharedExecutor, serve_io};
use toolwright::{Executor, Principal, Registry, ToolContext, tool};

/// Search the company knowledge base for articles matching a query. Returns the titles.
#[tool(read_only)]
async fn search_knowledge_base(
    /// Search query, e.g. "refund policy"
    query: String,
) -> Vec<String> {
    vec![format!("About {query}")]
}

/// Reindex every document of the knowledge base. Returns how many were indexed.
#[tool(
    idempotent,
    title = "Reindex the knowledge base",
    icons = ["https://cdn.example.com/icons/reindex.SVG?v=2", "data:image/png;base64,iVBORw0KGgo="]
)]
async fn reindex_documents(ctx: &ToolContext) -> u32 {
    for done in 1..=3u32 {
        ctx.progress()
            .report(f64::from(done), Some(3.0), Some("indexing"));
    }
    3
}

/// Publish the knowledge base's index in the background. Returns at once.
#[tool(idempotent)]
async fn publish_index(ctx: &ToolContext) -> &'static str {
    let progress = ctx.progress().clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        progress.report(9.0, None, Some("published, after the result"));
    });
    "publishing"
}

/// Count the documents of the knowledge base. Returns the count.
#[tool(read_only)]
async fn count_documents() -> u32 {
    42
}

fn server() -> McpServer {
    let registry = Registry::builder()
        .tool(search_knowledge_base)
        .tool(reindex_documents)
        .tool(count_documents)
        .build()
        .unwrap();
    McpServer::new(SharedExecutor::new(Executor::new(registry)), None)
        .with_principal(Principal::new("host"))
        .with_instructions("Search before you reindex.")
}

/// Sends `lines` to a server on a pipe and returns the response to each request, by id.
async fn exchange(server: McpServer, lines: &[Value]) -> Vec<Value> {
    exchange_all(server, lines).await.0
}

/// Like [`exchange`], also returning every notification received meanwhile.
async fn exchange_all(server: McpServer, lines: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let mut notifications = Vec::new();
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(server_io);
    tokio::spawn(serve_io(server, read, write));
    let (read, mut write) = tokio::io::split(client_io);
    let mut read = BufReader::new(read).lines();
    let mut answers = Vec::new();
    for line in lines {
        // `{"pause_ms": n}` is not sent: the client waits that long.
        if let Some(ms) = line.get("pause_ms").and_then(Value::as_u64) {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            continue;
        }
        write
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        if line.get("id").is_none() {
            continue;
        }
        loop {
            let answer: Value =
                serde_json::from_str(&read.next_line().await.unwrap().unwrap()).unwrap();
            if answer.get("id") == line.get("id") {
                answers.push(answer);
                break;
            }
            if answer.get("id").is_none() {
                notifications.push(answer);
            }
        }
    }
    (answers, notifications)
}

#[tokio::test]
async fn progress_goes_to_the_token_sent_and_nowhere_without_one() {
    let mut with_token = request(1, "tools/call", json!({"name": "reindex_documents"}));
    with_token["params"]["_meta"]["progressToken"] = json!("p-1");
    let without = request(2, "tools/call", json!({"name": "reindex_documents"}));
    let (answers, notifications) = exchange_all(server(), &[with_token, without]).await;
    assert_eq!(answers[0]["result"]["isError"], false);
    assert_eq!(answers[1]["result"]["isError"], false);
    let progress: Vec<&Value> = notifications
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .collect();
    assert_eq!(progress.len(), 3, "{notifications:?}");
    for (n, want) in progress.iter().zip([1.0, 2.0, 3.0]) {
        assert_eq!(n["params"]["progressToken"], "p-1");
        assert_eq!(n["params"]["progress"], want);
        assert_eq!(n["params"]["total"], 3.0);
    }
}

/// A report a tool makes after its result is dropped: none may follow the response.
#[tokio::test]
async fn no_progress_follows_the_result() {
    let mut call = request(1, "tools/call", json!({"name": "publish_index"}));
    call["params"]["_meta"]["progressToken"] = json!("p-2");
    let later = request(2, "tools/call", json!({"name": "count_documents"}));
    let registry = Registry::builder()
        .tool(publish_index)
        .tool(count_documents)
        .build()
        .unwrap();
    let server = McpServer::new(SharedExecutor::new(Executor::new(registry)), None)
        .with_principal(Principal::new("host"));
    let (answers, notifications) =
        exchange_all(server, &[call, json!({"pause_ms": 100}), later]).await;
    assert_eq!(answers[0]["result"]["isError"], false);
    assert_eq!(answers[1]["result"]["isError"], false);
    assert!(
        !notifications
            .iter()
            .any(|n| n["method"] == "notifications/progress"),
        "{notifications:?}"
    );
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}
    })
}

fn request(id: u32, method: &str, mut params: Value) -> Value {
    params["_meta"] = meta();
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[tokio::test]
async fn stateless_results_carry_their_type_cache_hints_titles_and_wrapped_outputs() {
    let answers = exchange(
        server(),
        &[
            request(1, "server/discover", json!({})),
            request(2, "tools/list", json!({})),
            request(
                3,
                "tools/call",
                json!({"name": "count_documents", "arguments": {}}),
            ),
        ],
    )
    .await;
    let discover = &answers[0]["result"];
    assert!(
        discover["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&json!("2026-07-28")),
        "{discover}"
    );
    assert!(
        discover.to_string().contains("Search before you reindex."),
        "{discover}"
    );

    let list = &answers[1]["result"];
    assert_eq!(list["resultType"], "complete", "{list}");
    assert_eq!(list["ttlMs"], 0);
    assert_eq!(list["cacheScope"], "private");
    let count = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "count_documents")
        .unwrap();
    assert_eq!(count["title"], "Count the documents of the knowledge base");
    assert!(count.get("icons").is_none(), "{count}");
    let reindex = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "reindex_documents")
        .unwrap();
    // A declared title wins over the description's first sentence; icons carry their type.
    assert_eq!(reindex["title"], "Reindex the knowledge base");
    assert_eq!(
        reindex["icons"],
        json!([
            {"src": "https://cdn.example.com/icons/reindex.SVG?v=2", "mimeType": "image/svg+xml"},
            {"src": "data:image/png;base64,iVBORw0KGgo=", "mimeType": "image/png"},
        ])
    );
    assert_eq!(count["outputSchema"]["type"], "object");
    assert_eq!(count["outputSchema"]["required"], json!(["result"]));
    assert_eq!(
        count["outputSchema"]["properties"]["result"]["type"],
        "integer"
    );

    let call = &answers[2]["result"];
    assert_eq!(call["resultType"], "complete", "{call}");
    assert_eq!(call["structuredContent"], json!({"result": 42}));
    assert_eq!(call["isError"], false);
}

#[tokio::test]
async fn legacy_results_carry_no_2026_fields_and_the_instructions_come_with_initialize() {
    let answers = exchange(
        server(),
        &[
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        ],
    )
    .await;
    assert_eq!(answers[0]["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(
        answers[0]["result"]["instructions"],
        "Search before you reindex."
    );
    for field in ["resultType", "ttlMs", "cacheScope"] {
        assert!(
            answers[1]["result"].get(field).is_none(),
            "{field}: {}",
            answers[1]
        );
    }
    assert_eq!(answers[1]["result"]["tools"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn tools_list_pages_follow_cursors_and_a_foreign_cursor_is_invalid_params() {
    let client = ()
        .serve_with_lifecycle(
            piped(server().with_page_size(2)),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    let first = client.list_tools(None).await.unwrap();
    assert_eq!(first.tools.len(), 2);
    let cursor = first.next_cursor.clone().unwrap();
    let second = client
        .list_tools(Some(
            PaginatedRequestParams::default().with_cursor(Some(cursor)),
        ))
        .await
        .unwrap();
    assert_eq!(second.tools.len(), 1);
    assert!(second.next_cursor.is_none());
    let all: Vec<_> = first
        .tools
        .iter()
        .chain(&second.tools)
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(
        all,
        [
            "search_knowledge_base",
            "reindex_documents",
            "count_documents"
        ]
    );
    for bad in ["nonsense", "tw1:99", "tw1:-1"] {
        let e = client
            .list_tools(Some(
                PaginatedRequestParams::default().with_cursor(Some(bad.to_owned())),
            ))
            .await
            .unwrap_err();
        match e {
            rmcp::ServiceError::McpError(e) => {
                assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{bad}")
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    client.cancel().await.unwrap();
}

fn piped(server: McpServer) -> tokio::io::DuplexStream {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(server_io);
    tokio::spawn(serve_io(server, read, write));
    client_io
}

/// A client that records progress notifications.
#[derive(Clone, Default)]
struct Watcher(Arc<Mutex<Vec<ProgressNotificationParam>>>);

impl ClientHandler for Watcher {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            rmcp::model::Implementation::new("watcher", "1.0"),
        )
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.0.lock().unwrap().push(params);
    }
}

#[tokio::test]
async fn progress_reaches_a_client_that_sent_a_progress_token_on_either_revision() {
    for lifecycle in [
        ClientLifecycleMode::Initialize,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    ] {
        let watcher = Watcher::default();
        let client = watcher
            .clone()
            .serve_with_lifecycle(piped(server()), lifecycle.clone())
            .await
            .unwrap();
        let mut with_token = CallToolRequestParams::new("reindex_documents");
        let mut meta = RequestMetaObject::default();
        meta.set_progress_token(ProgressToken(rmcp::model::NumberOrString::String(
            "p-1".into(),
        )));
        with_token.meta = Some(meta);
        let r = client.call_tool(with_token).await.unwrap();
        assert_eq!(r.is_error, Some(false));
        // Notifications travel ahead of the result on the same pipe, but the client handles
        // them on its own task: wait until all three arrived.
        for _ in 0..100 {
            if watcher.0.lock().unwrap().len() == 3 {
                break;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let seen = watcher.0.lock().unwrap().clone();
        let progress: Vec<f64> = seen.iter().map(|p| p.progress).collect();
        assert_eq!(progress, [1.0, 2.0, 3.0], "{lifecycle:?}");
        // rmcp's client sends its own token in place of ours; the server echoes what came.
        assert!(
            seen.iter().all(|p| p.total == Some(3.0)
                && p.message.as_deref() == Some("indexing")
                && p.progress_token == seen[0].progress_token),
            "{seen:?}"
        );
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn a_listening_2026_client_hears_that_the_tool_list_changed() {
    let registry = || {
        Registry::builder()
            .tool(search_knowledge_base)
            .build()
            .unwrap()
    };
    let shared = SharedExecutor::new(Executor::new(registry()));
    let server = McpServer::new(shared.clone(), Some(Principal::new("host")));
    let client = ()
        .serve_with_lifecycle(
            piped(server),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    let mut subscription = client
        .listen(
            rmcp::model::SubscriptionFilter::builder()
                .tools_list_changed()
                .build(),
        )
        .await
        .unwrap();
    assert_eq!(subscription.acknowledged().tools_list_changed, Some(true));
    assert_eq!(shared.replace(Executor::new(registry())).await, 1);
    let heard = subscription.next().await.unwrap();
    assert!(
        matches!(
            heard,
            Some(rmcp::model::ServerNotification::ToolListChangedNotification(_))
        ),
        "{heard:?}"
    );
    subscription.cancel().await.unwrap();
    client.cancel().await.unwrap();
}

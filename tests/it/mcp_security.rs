//! The MCP server against hostile clients: sessions bound to the principal that opened them,
//! cancelled calls that never run, stray messages before `initialize`, the bearer scheme and
//! keep-alive after a 401. Raw JSON-RPC lines and raw HTTP, so every byte is the attacker's.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use toolwright::mcp::{McpServer, SharedExecutor, serve_http_on};
use toolwright::{Executor, Principal, Registry, ToolContext, ToolError, tool};

use crate::support::{Probe, delete_document};

/// Look up the status of an order by its number. Returns the status.
#[tool(permissions = ["orders:read"], read_only, idempotent)]
async fn get_order_status(
    /// Order number, e.g. "A-1001"
    order_id: String,
) -> String {
    format!("{order_id} shipped")
}

/// Rebuild the search index of the knowledge base; slow. Returns when the index is rebuilt.
#[tool(permissions = ["kb:read"], timeout = "1h")]
async fn rebuild_search_index(ctx: &ToolContext) -> Result<String, ToolError> {
    ctx.cancellation().cancelled().await;
    ctx.state::<Arc<Probe>>()?
        .cancelled
        .fetch_add(1, Ordering::SeqCst);
    Ok("stopped".into())
}

fn executor(probe: &Arc<Probe>) -> Executor {
    Executor::new(
        Registry::builder()
            .tool(get_order_status)
            .tool(delete_document)
            .tool(rebuild_search_index)
            .state(probe.clone())
            .build()
            .unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// Raw JSON-RPC lines (stdio)
// ---------------------------------------------------------------------------------------------

struct Lines {
    write: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    read: BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>,
}

impl Lines {
    /// Serves `server` on one end of an in-memory pipe the way `serve_stdio` serves stdin/stdout.
    fn connect(server: McpServer) -> Self {
        let (server_io, client_io) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            let (read, write) = tokio::io::split(server_io);
            let _ = toolwright::mcp::serve_io(server, read, write).await;
        });
        let (read, write) = tokio::io::split(client_io);
        Self {
            write,
            read: BufReader::new(read),
        }
    }

    async fn send(&mut self, message: Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.write.write_all(line.as_bytes()).await.unwrap();
    }

    /// The next message from the server, or `None` when it closed the pipe.
    async fn next(&mut self) -> Option<Value> {
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(30), self.read.read_line(&mut line))
            .await
            .expect("the server answers");
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(serde_json::from_str(&line).unwrap()),
        }
    }

    /// Reads until the response to `id`, returning it and every message before it.
    async fn until_response(&mut self, id: u64) -> (Option<Value>, Vec<Value>) {
        let mut before = Vec::new();
        while let Some(m) = self.next().await {
            if m["id"] == id && m.get("method").is_none() {
                return (Some(m), before);
            }
            before.push(m);
        }
        (None, before)
    }

    async fn initialize(&mut self) {
        self.send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "raw", "version": "1"}}}),
        )
        .await;
        let (response, _) = self.until_response(1).await;
        assert!(response.unwrap()["result"]["serverInfo"].is_object());
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
    }
}

fn tools_call(id: u64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

fn ping(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
}

#[tokio::test(start_paused = true)]
async fn stray_messages_before_initialize_do_not_end_the_stdio_server() {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(
        SharedExecutor::new(executor(&probe)),
        Some(Principal::new("reader").grant("orders:read")),
    );
    let mut client = Lines::connect(server);
    for stray in [
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7}}),
        json!({"jsonrpc": "2.0", "id": 7, "result": {}}),
        json!({"jsonrpc": "2.0", "id": 8, "error": {"code": -1, "message": "no"}}),
    ] {
        client.send(stray).await;
    }
    client.initialize().await;
    client
        .send(tools_call(
            2,
            "get_order_status",
            json!({"order_id": "A-1"}),
        ))
        .await;
    let (response, _) = client.until_response(2).await;
    let response = response.expect("the server still serves after stray messages");
    assert_eq!(response["result"]["isError"], false, "{response}");
}

#[tokio::test(start_paused = true)]
async fn a_call_cancelled_while_its_approval_is_pending_never_runs() {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(
        SharedExecutor::new(executor(&probe)),
        Some(Principal::new("admin").grant("*")),
    );
    let mut client = Lines::connect(server);
    client.initialize().await;
    client
        .send(tools_call(2, "delete_document", json!({"id": "kb-1"})))
        .await;
    let prompt = client.next().await.unwrap();
    assert_eq!(prompt["method"], "elicitation/create", "{prompt}");
    client
        .send(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 2, "reason": "user pressed stop"}}),
        )
        .await;
    client
        .send(json!({"jsonrpc": "2.0", "id": prompt["id"],
                     "result": {"action": "accept", "content": {"approve": true}}}))
        .await;
    client.send(ping(3)).await;
    let (pong, before) = client.until_response(3).await;
    assert!(pong.is_some(), "the server keeps serving after a cancel");
    for m in &before {
        assert!(
            m["id"] != 2 || m.get("error").is_some(),
            "a cancelled call gets no result, at most a cancelled error: {m}"
        );
    }
    // The executor future is gone; give a wrongly-kept one every chance to finish.
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        probe.deletes.load(Ordering::SeqCst),
        0,
        "the body never ran"
    );
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_running_tool_cancels_its_context() {
    cancelling_a_running_call_cancels_its_context(Revision::Sessions).await;
}

/// Which MCP revision a raw client speaks.
#[derive(Clone, Copy)]
enum Revision {
    /// 2025-11-25: `initialize` first, `ping` as the probe request.
    Sessions,
    /// 2026-07-28: no handshake, `_meta` on every request, `server/discover` as the probe.
    Stateless,
}

impl Revision {
    /// A request as this revision sends it.
    fn wrap(self, request: Value) -> Value {
        match self {
            Self::Sessions => request,
            Self::Stateless => stateless(request),
        }
    }

    /// A cheap request whose answer shows the server has read everything sent before it.
    fn probe(self, id: u64) -> Value {
        match self {
            Self::Sessions => ping(id),
            Self::Stateless => discover(id),
        }
    }
}

/// A long call is running, the client cancels it: the server keeps serving, the call gets no
/// result, and the tool's `ctx.cancellation()` fires.
async fn cancelling_a_running_call_cancels_its_context(revision: Revision) {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(
        SharedExecutor::new(executor(&probe)),
        Some(Principal::new("reader").grant("kb:read")),
    );
    let mut client = Lines::connect(server);
    if let Revision::Sessions = revision {
        client.initialize().await;
    }
    client
        .send(revision.wrap(tools_call(2, "rebuild_search_index", json!({}))))
        .await;
    // The tool is running once the server answers a request sent after the call.
    client.send(revision.probe(3)).await;
    let _ = client.until_response(3).await;
    client
        .send(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 2}}),
        )
        .await;
    client.send(revision.probe(4)).await;
    let (answer, before) = client.until_response(4).await;
    assert!(answer.is_some(), "the server keeps serving after a cancel");
    assert!(
        before
            .iter()
            .all(|m| m["id"] != 2 || m.get("error").is_some())
    );
    for _ in 0..100 {
        if probe.cancelled.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        probe.cancelled.load(Ordering::SeqCst),
        1,
        "the tool saw ctx.cancellation() fire"
    );
}

/// Inline `_meta` of a 2026-07-28 request (no `initialize`).
fn stateless(mut request: Value) -> Value {
    request["params"]["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"}
    });
    request
}

fn discover(id: u64) -> Value {
    stateless(json!({"jsonrpc": "2.0", "id": id, "method": "server/discover", "params": {}}))
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_running_2026_call_cancels_its_context() {
    cancelling_a_running_call_cancels_its_context(Revision::Stateless).await;
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------------------------

/// Tokens: two principals, and one with alice's id in another tenant.
fn principal_for(token: &str) -> Option<Principal> {
    match token {
        "alice-token" => Some(Principal::new("alice").with_tenant("acme").grant("*")),
        "mallory-token" => Some(Principal::new("mallory").with_tenant("acme").grant("*")),
        "alice-elsewhere-token" => Some(Principal::new("alice").with_tenant("evil").grant("*")),
        _ => None,
    }
}

struct Http {
    url: String,
    addr: std::net::SocketAddr,
    client: reqwest::Client,
}

impl Http {
    async fn start(probe: &Arc<Probe>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve_http_on(
            SharedExecutor::new(executor(probe)),
            listener,
            principal_for,
        ));
        Self {
            url: format!("http://{addr}/mcp"),
            addr,
            client: reqwest::Client::new(),
        }
    }

    fn request(
        &self,
        method: reqwest::Method,
        token: &str,
        session: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut r = self
            .client
            .request(method, &self.url)
            .bearer_auth(token)
            .header("accept", "application/json, text/event-stream");
        if let Some(session) = session {
            r = r
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-11-25");
        }
        r
    }

    async fn post(&self, token: &str, session: Option<&str>, body: Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, token, session)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Opens a session for `token` (with elicitation) and returns its id.
    async fn open_session(&self, token: &str) -> String {
        let resp = self
            .post(
                token,
                None,
                json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
                    "clientInfo": {"name": "raw", "version": "1"}}}),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let session = resp.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let _ = resp.text().await;
        let resp = self
            .post(
                token,
                Some(&session),
                json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            )
            .await;
        assert_eq!(resp.status(), 202);
        session
    }

    /// Whether `token` can still list tools in `session`.
    async fn lists_tools(&self, token: &str, session: &str) -> bool {
        let resp = self
            .post(
                token,
                Some(session),
                json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}),
            )
            .await;
        resp.status() == 200 && resp.text().await.unwrap().contains("delete_document")
    }
}

/// Reads server-sent events until one carries a JSON-RPC message.
async fn next_event(resp: &mut reqwest::Response, buf: &mut String) -> Option<Value> {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim)
                .collect();
            if let Ok(v) = serde_json::from_str::<Value>(&data) {
                return Some(v);
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(30), resp.chunk())
            .await
            .expect("the server sends an event")
            .ok()??;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

const FOREIGNERS: [&str; 2] = ["mallory-token", "alice-elsewhere-token"];

#[tokio::test]
async fn a_second_principal_cannot_post_into_anothers_session() {
    let probe = Arc::new(Probe::default());
    let http = Http::start(&probe).await;
    let session = http.open_session("alice-token").await;
    for foreigner in FOREIGNERS {
        for body in [
            json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}),
            tools_call(6, "delete_document", json!({"id": "kb-1"})),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 0, "result": {"action": "accept", "content": {"approve": true}}}),
        ] {
            let resp = http.post(foreigner, Some(&session), body.clone()).await;
            assert_eq!(resp.status(), 404, "{foreigner} posting {body}");
        }
    }
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0);
    assert!(
        http.lists_tools("alice-token", &session).await,
        "the owner's session keeps working"
    );
}

#[tokio::test]
async fn a_second_principal_cannot_open_the_stream_of_or_delete_anothers_session() {
    let probe = Arc::new(Probe::default());
    let http = Http::start(&probe).await;
    let session = http.open_session("alice-token").await;
    for foreigner in FOREIGNERS {
        let resp = http
            .request(reqwest::Method::GET, foreigner, Some(&session))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{foreigner} GET");
        let resp = http
            .request(reqwest::Method::DELETE, foreigner, Some(&session))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{foreigner} DELETE");
    }
    assert!(
        http.lists_tools("alice-token", &session).await,
        "the owner's session survived"
    );
    let resp = http
        .request(reqwest::Method::DELETE, "alice-token", Some(&session))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "the owner may delete it");
    assert!(!http.lists_tools("alice-token", &session).await, "deleted");
}

#[tokio::test]
async fn a_foreign_principal_answering_a_pending_elicitation_does_not_approve_it() {
    let probe = Arc::new(Probe::default());
    let http = Http::start(&probe).await;
    let session = http.open_session("alice-token").await;
    let mut call = http
        .post(
            "alice-token",
            Some(&session),
            tools_call(2, "delete_document", json!({"id": "kb-1"})),
        )
        .await;
    let mut buf = String::new();
    let prompt = next_event(&mut call, &mut buf).await.unwrap();
    assert_eq!(prompt["method"], "elicitation/create", "{prompt}");
    let approve = |id: &Value, yes: bool| json!({"jsonrpc": "2.0", "id": id, "result": {"action": "accept", "content": {"approve": yes}}});
    for foreigner in FOREIGNERS {
        let resp = http
            .post(foreigner, Some(&session), approve(&prompt["id"], true))
            .await;
        assert_eq!(resp.status(), 404, "{foreigner}");
    }
    // The owner's own answer is the one that counts: here, no.
    let resp = http
        .post("alice-token", Some(&session), approve(&prompt["id"], false))
        .await;
    assert_eq!(resp.status(), 202);
    let result = next_event(&mut call, &mut buf).await.unwrap();
    assert_eq!(result["id"], 2, "{result}");
    assert_eq!(result["result"]["isError"], true, "{result}");
    assert_eq!(probe.deletes.load(Ordering::SeqCst), 0, "never approved");
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let probe = Arc::new(Probe::default());
    let http = Http::start(&probe).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    for (header, status) in [
        ("bearer alice-token", 200),
        ("BEARER alice-token", 200),
        ("BeArEr   alice-token", 200),
        ("Bearer alice-token", 200),
        ("Basic alice-token", 401),
        ("bearer", 401),
        ("Bearerализ alice-token", 401),
        ("Beareralice-token", 401),
    ] {
        let resp = http
            .client
            .post(&http.url)
            .header("authorization", header)
            .header("accept", "application/json, text/event-stream")
            .json(&init)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{header}");
    }
}

/// Reads one HTTP/1.1 response (head and a `Content-Length` body) from `stream`.
async fn read_response(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte)).await {
            Ok(Ok(1)) => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(head)
}

#[tokio::test]
async fn a_401_with_a_body_leaves_the_keep_alive_connection_usable() {
    let probe = Arc::new(Probe::default());
    let http = Http::start(&probe).await;
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(256 * 1024)
    );
    let request = |token: &str, body: &str| {
        format!(
            "POST /mcp HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\n\
             content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
             content-length: {}\r\n\r\n{body}",
            http.addr,
            body.len()
        )
    };
    let mut stream = tokio::net::TcpStream::connect(http.addr).await.unwrap();
    stream
        .write_all(request("wrong", &body).as_bytes())
        .await
        .unwrap();
    let head = read_response(&mut stream).await.expect("a 401 response");
    assert!(head.starts_with("http/1.1 401"), "{head}");
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
    .to_string();
    if head.contains("connection: close") {
        // The server said so: the client reconnects, and the old connection is closed.
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
        stream = tokio::net::TcpStream::connect(http.addr).await.unwrap();
    }
    stream
        .write_all(request("alice-token", &init).as_bytes())
        .await
        .unwrap();
    let mut second = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_buf(&mut second)).await;
    let second = String::from_utf8_lossy(&second);
    assert!(
        second.starts_with("HTTP/1.1 200"),
        "the next request on the connection is served: {second:?}"
    );
}

#[tokio::test]
async fn the_in_process_rmcp_client_still_works_over_http() {
    let probe = Arc::new(Probe::default());
    let http = Http::start(&probe).await;
    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(http.url.clone()).auth_header("alice-token"),
    );
    let client = ().serve(transport).await.unwrap();
    assert_eq!(client.list_all_tools().await.unwrap().len(), 3);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_principal_holds_a_bounded_number_of_sessions_and_deleting_one_frees_a_place() {
    let probe = Arc::new(Probe::default());
    let http = Http::start(&probe).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let mut sessions = Vec::new();
    let refused = loop {
        let resp = http.post("alice-token", None, init.clone()).await;
        if resp.status() != 200 {
            break resp;
        }
        sessions.push(
            resp.headers()["mcp-session-id"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        let _ = resp.text().await;
        assert!(sessions.len() <= 1000, "sessions are capped per principal");
    };
    assert_eq!(refused.status(), 429);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("too many open MCP sessions")
    );
    let resp = http.post("mallory-token", None, init.clone()).await;
    assert_eq!(resp.status(), 200, "another principal is not affected");
    let resp = http
        .request(reqwest::Method::DELETE, "alice-token", Some(&sessions[0]))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let resp = http.post("alice-token", None, init).await;
    assert_eq!(resp.status(), 200, "a deleted session frees its place");
}

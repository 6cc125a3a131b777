//! The body of the `mcp_lines` fuzz target: raw bytes as JSON-RPC lines to the MCP server over
//! an in-memory pipe, between a valid handshake and a final `ping` (no handshake when the input
//! starts with `!`, to reach the pre-`initialize` loop). The server never panics, always answers
//! the final ping, and never answers one request more often than it was sent.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use toolwright::mcp::{McpServer, SharedExecutor, serve_io};
use toolwright::{Executor, Principal, Registry, ToolError, tool};

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":"fuzz-init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"fuzz","version":"1"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const FINAL_PING: &str = r#"{"jsonrpc":"2.0","id":"fuzz-final-ping","method":"ping"}"#;
/// Generous: an answer takes microseconds; only a hung server reaches it.
const DEADLINE: Duration = Duration::from_secs(10);

/// Look up an order by its number. Returns the order's status.
#[tool(permissions = ["orders:read"], read_only)]
async fn lookup_order(
    /// Order number, e.g. "A-1001"
    #[arg(min_len = 1, max_len = 20, pattern = "^[A-Z]-[0-9]+$")]
    order_id: String,
    /// How many history entries to include, from 0 to 10
    #[arg(range = 0..=10)]
    history: Option<u8>,
) -> Result<String, ToolError> {
    Ok(format!(
        "{order_id}: shipped ({} entries)",
        history.unwrap_or(0)
    ))
}

/// Cancel an order by its number; it cannot be undone. Returns the cancelled order number.
#[tool(permissions = ["orders:write"], destructive)]
async fn cancel_order(
    /// Order number, e.g. "A-1001"
    order_id: String,
) -> Result<String, ToolError> {
    Ok(order_id)
}

fn executor() -> &'static Executor {
    static EX: OnceLock<Executor> = OnceLock::new();
    EX.get_or_init(|| {
        Executor::new(
            Registry::builder()
                .tool(lookup_order)
                .tool(cancel_order)
                .build()
                .expect("registry"),
        )
    })
}

/// Feeds `data` to a fresh server (its own current-thread runtime, so nothing outlives the
/// input) and checks what came back.
pub fn mcp_lines(data: &[u8]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let lines = match data.strip_prefix(b"!") {
        Some(raw) => vec![raw, FINAL_PING.as_bytes()],
        None => vec![
            INITIALIZE.as_bytes(),
            INITIALIZED.as_bytes(),
            data,
            FINAL_PING.as_bytes(),
        ],
    };
    let answers = runtime.block_on(exchange(&lines));
    check_answers(&lines, &answers);
}

/// Everything the server wrote up to and including its answer to the final ping.
async fn exchange(lines: &[&[u8]]) -> Vec<Value> {
    let server = McpServer::new(
        SharedExecutor::new(executor().clone()),
        Some(Principal::new("fuzz").grant_all(["orders:read", "orders:write"])),
    );
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(server_io);
    tokio::spawn(serve_io(server, read, write));

    let (read, mut write) = tokio::io::split(client_io);
    let mut input = Vec::new();
    for part in lines {
        input.extend_from_slice(part);
        input.push(b'\n');
    }
    let send = async move {
        let _ = write.write_all(&input).await;
        write // kept open until the final ping is answered
    };
    let receive = async {
        let mut reader = BufReader::new(read).lines();
        let mut answers = Vec::new();
        while let Ok(Some(line)) = reader.next_line().await {
            let message: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("the server wrote a line that is not JSON ({e}): {line}")
            });
            let done = is_response(&message) && message["id"] == "fuzz-final-ping";
            answers.push(message);
            if done {
                return answers;
            }
        }
        panic!("the server closed the pipe without answering the final ping: {answers:?}");
    };
    let (_write, answers) = tokio::time::timeout(DEADLINE, async { tokio::join!(send, receive) })
        .await
        .expect("the server answers the final ping in time");
    answers
}

fn is_response(message: &Value) -> bool {
    message.get("method").is_none()
        && (message.get("result").is_some() || message.get("error").is_some())
}

/// No request id is answered more often than requests with that id were sent. Ids the
/// server normalised (answers to ids we cannot attribute) are not judged.
fn check_answers(lines: &[&[u8]], answers: &[Value]) {
    let mut sent: HashMap<String, usize> = HashMap::new();
    let mut count = |message: &Value| {
        if message.get("method").is_some_and(Value::is_string)
            && let Some(id) = message.get("id").filter(|id| !id.is_null())
        {
            *sent.entry(id.to_string()).or_default() += 1;
        }
    };
    for line in lines.iter().flat_map(|part| part.split(|b| *b == b'\n')) {
        match serde_json::from_slice::<Value>(line) {
            Ok(Value::Array(batch)) => batch.iter().for_each(&mut count),
            Ok(message) => count(&message),
            Err(_) => {}
        }
    }
    let mut answered: HashMap<String, usize> = HashMap::new();
    for id in answers
        .iter()
        .filter(|m| is_response(m))
        .filter_map(|m| m.get("id").filter(|id| !id.is_null()))
    {
        *answered.entry(id.to_string()).or_default() += 1;
    }
    for (id, times) in answered {
        if let Some(&requests) = sent.get(&id) {
            assert!(
                times <= requests,
                "request id {id} was answered {times} times but sent {requests} times"
            );
        }
    }
}

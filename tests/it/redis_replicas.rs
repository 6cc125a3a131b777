//! Two real `mcp_server` processes (`examples/mcp_server.rs --http … --redis …`) sharing one
//! Redis and one `TOOLWRIGHT_STATE_KEY`, driven over HTTP with rmcp's client: a caller limited
//! to 3 calls a minute gets 3 in total across both, a confirmation asked by one is approved on
//! the other and runs exactly once (counted in the servers' journal), and its replay is
//! refused by both.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rmcp::ErrorData;
use rmcp::handler::client::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ClientConfig,
    ElicitRequestParams, ElicitResult, ElicitationAction, InputResponses, ProtocolVersion,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RequestContext, RoleClient};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::redis_store::{shared_url, unique_prefix};

/// The example server, built (or found up to date) once per test run with the features this
/// test binary has.
fn server_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            // target/<profile>/deps/it-… → target/<profile>/examples/mcp_server
            let profile_dir = exe.parent().and_then(|d| d.parent()).unwrap();
            let binary = profile_dir.join("examples").join("mcp_server");
            if let Ok(cargo) = std::env::var("CARGO") {
                let status = Command::new(cargo)
                    .args([
                        // What `cargo test --workspace --all-features` built: no rebuild.
                        "build",
                        "--quiet",
                        "--workspace",
                        "--all-features",
                        "--example",
                        "mcp_server",
                    ])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .status()
                    .unwrap();
                assert!(status.success(), "building the example server failed");
            }
            assert!(binary.exists(), "{} is missing", binary.display());
            binary
        })
        .clone()
}

/// One server process; killed when dropped.
struct Replica {
    child: Child,
    url: String,
}

impl Replica {
    fn start(redis: &str, prefix: &str, key: &str, journal: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(server_binary())
            .args(["--http", &addr, "--redis", redis, "--redis-prefix", prefix])
            .arg("--journal")
            .arg(journal)
            .env("TOOLWRIGHT_STATE_KEY", key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect(&addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the server did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://{addr}/mcp"),
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A 2026-07-28 client that can show a human an elicitation.
#[derive(Clone, Default)]
struct Human;

impl ClientHandler for Human {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            rmcp::model::Implementation::new("replica-test", "1.0"),
        )
    }

    async fn create_elicitation(
        &self,
        _request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        Ok(ElicitResult::new(ElicitationAction::Accept).with_content(json!({"approve": true})))
    }
}

async fn client(url: &str) -> rmcp::service::RunningService<RoleClient, Human> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header("demo-admin"),
    );
    Human
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap()
}

fn call(name: &'static str, v: Value) -> CallToolRequestParams {
    let Value::Object(m) = v else { unreachable!() };
    CallToolRequestParams::new(name).with_arguments(m)
}

fn error_of(result: &CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    let text = &result.content[0].as_text().unwrap().text;
    serde_json::from_str(text).unwrap()
}

fn completed(response: CallToolResponse) -> CallToolResult {
    match response {
        CallToolResponse::Complete(r) => r,
        other => panic!("expected a result, got {other:?}"),
    }
}

fn journal_lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| {
            s.lines()
                .filter(|l| l.starts_with("delete_document "))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_redis_enforce_one_policy() {
    let Some(redis) = shared_url() else { return };
    let prefix = unique_prefix("replicas");
    let key = format!("{:064x}", rand_u128() ^ 0x5eed);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.log");
    let (a, b) = (
        Replica::start(&redis, &prefix, &key, &journal),
        Replica::start(&redis, &prefix, &key, &journal),
    );
    let (ca, cb) = (client(&a.url).await, client(&b.url).await);

    // search_knowledge_base declares 3/min per caller: 3 in total across both replicas.
    let mut outcomes = Vec::new();
    for i in 0..6 {
        let c = if i % 2 == 0 { &ca } else { &cb };
        let r = c
            .call_tool(call("search_knowledge_base", json!({"query": "refund"})))
            .await
            .unwrap();
        outcomes.push(if r.is_error == Some(true) {
            error_of(&r)["kind"].as_str().unwrap().to_owned()
        } else {
            "ok".to_owned()
        });
    }
    assert_eq!(
        outcomes.iter().filter(|o| *o == "ok").count(),
        3,
        "{outcomes:?}"
    );
    assert!(
        outcomes[3..].iter().all(|o| o == "rate_limited"),
        "{outcomes:?}"
    );

    // A confirmation asked by A is approved on B and runs once.
    let asked = match ca
        .call_tool_once(call("delete_document", json!({"id": "kb-7"})))
        .await
        .unwrap()
    {
        CallToolResponse::InputRequired(r) => r,
        other => panic!("expected input_required, got {other:?}"),
    };
    assert_eq!(journal_lines(&journal), 0, "asking runs nothing");
    let state = asked.request_state.expect("a requestState");
    let yes = InputResponses::from([(
        "confirm".to_owned(),
        json!({"action": "accept", "content": {"approve": true}}),
    )]);
    let approve = || {
        call("delete_document", json!({"id": "kb-7"}))
            .with_request_state(state.clone())
            .with_input_responses(yes.clone())
    };
    let done = completed(cb.call_tool_once(approve()).await.unwrap());
    assert_eq!(done.is_error, Some(false), "{done:?}");
    assert_eq!(journal_lines(&journal), 1);

    // The replayed approval is refused by both.
    for c in [&ca, &cb] {
        let replay = completed(c.call_tool_once(approve()).await.unwrap());
        let err = error_of(&replay);
        assert_eq!(err["kind"], "denied", "{err}");
        assert!(
            err["error"].as_str().unwrap().contains("already used"),
            "{err}"
        );
    }
    assert_eq!(journal_lines(&journal), 1, "exactly once");
    ca.cancel().await.unwrap();
    cb.cancel().await.unwrap();
}

fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    u128::from(h.finish()) << 64 | u128::from(h.finish().rotate_left(17))
}

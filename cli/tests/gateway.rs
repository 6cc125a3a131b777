//! `toolwright gateway` end to end, in front of MCP servers nobody here wrote:
//! `@modelcontextprotocol/server-filesystem` and `@modelcontextprotocol/server-everything` from
//! npm (installed by `.ci/run` into `.cache/npm`; found through `TOOLWRIGHT_NPM_BIN`). The gateway
//! binary runs as a child process and rmcp's client drives it, over stdio and over HTTP; the
//! everything server is also reached over streamable HTTP, as a remote upstream.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rmcp::handler::client::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, ProgressNotificationParam,
};
use rmcp::service::{NotificationContext, RequestContext, RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ErrorData, ServiceExt};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

/// Where the npm servers' executables are, or `None` (skip) outside CI; in CI their absence
/// fails the test.
fn npm_bin() -> Option<PathBuf> {
    let dir = std::env::var_os("TOOLWRIGHT_NPM_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/npm/node_modules/.bin"),
        PathBuf::from,
    );
    let present = ["mcp-server-filesystem", "mcp-server-everything"]
        .iter()
        .all(|b| dir.join(b).exists());
    if present {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the npm MCP servers are not installed in {} (see .ci/run)",
        dir.display()
    );
    eprintln!(
        "skipped: npm MCP servers not installed in {}",
        dir.display()
    );
    None
}

/// A temporary folder with the filesystem server's root (`root/`, holding `notes.txt`) and the
/// gateway configuration.
struct Setup {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Setup {
    fn new() -> Option<Self> {
        let bin = npm_bin()?;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("root")).unwrap();
        std::fs::write(dir.path().join("root/notes.txt"), "hello from the root\n").unwrap();
        std::fs::write(dir.path().join("outside.txt"), "not for you\n").unwrap();
        Some(Self { dir, bin })
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root").canonicalize().unwrap()
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Writes the configuration with `stdio_principal` and returns its path.
    fn config(&self, stdio_principal: &str) -> PathBuf {
        let fs = self.bin.join("mcp-server-filesystem");
        let everything = self.bin.join("mcp-server-everything");
        let text = format!(
            r#"
audit = "audit.jsonl"
stdio_principal = "{stdio_principal}"
redact_keys = ["passphrase"]

[roles.reader]
permissions = ["fs:read", "demo:read"]
[roles.writer]
permissions = ["fs:read", "fs:write", "demo:read"]

[principals.reader]
roles = ["reader"]
tokens = ["reader-token-0123456789"]
[principals.writer]
roles = ["writer"]
tokens = ["writer-token-0123456789"]

[[upstream]]
name = "fs"
command = [{fs:?}, {root:?}]
prefix = "fs_"

[upstream.tools.read_text_file]
permissions = ["fs:read"]
rate_limit = "4/min"
[upstream.tools.list_directory]
permissions = ["fs:read"]
[upstream.tools.write_file]
permissions = ["fs:write"]
secret = ["content"]

[[upstream]]
name = "demo"
command = [{everything:?}]

[upstream.tools.echo]
permissions = ["demo:read"]
allow = ["lone_word", "short_description", "param_restates_name"]
[upstream.tools.trigger-long-running-operation]
permissions = ["demo:read"]
timeout = "1s"
"#,
            fs = fs.to_str().unwrap(),
            root = self.root().to_str().unwrap(),
            everything = everything.to_str().unwrap(),
        );
        let path = self.dir.path().join("gateway.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn gateway_command(config: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_toolwright"));
    cmd.arg("gateway").arg("--config").arg(config);
    cmd
}

/// Runs a gateway that must refuse to start: exit status 2, and what it said on stderr.
async fn refused_start(cmd: &mut tokio::process::Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    stderr
}

/// A client that declares elicitation (when `elicitation`) and answers every prompt with
/// `approve`.
#[derive(Clone, Default)]
struct Human {
    elicitation: bool,
    approve: bool,
    prompts: Arc<AtomicUsize>,
    /// Every `notifications/progress` received.
    progress: Arc<Mutex<Vec<Step>>>,
}

/// One `notifications/progress`: progress, total, message.
type Step = (f64, Option<f64>, Option<String>);

impl ClientHandler for Human {
    fn get_info(&self) -> ClientConfig {
        let caps = if self.elicitation {
            ClientCapabilities::builder().enable_elicitation().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(caps, rmcp::model::Implementation::new("test-human", "1.0"))
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        if let Ok(mut seen) = self.progress.lock() {
            seen.push((params.progress, params.total, params.message));
        }
    }

    async fn create_elicitation(
        &self,
        _request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.prompts.fetch_add(1, Ordering::SeqCst);
        Ok(ElicitResult::new(ElicitationAction::Accept)
            .with_content(json!({"approve": self.approve})))
    }
}

async fn stdio_client(config: &Path, human: Human) -> RunningService<RoleClient, Human> {
    let transport = TokioChildProcess::builder(gateway_command(config))
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
        .0;
    human.serve(transport).await.expect("gateway handshake")
}

/// [`stdio_client`] for a gateway whose stderr, what it tells the operator, goes to a file in
/// `dir`: the client and that file.
async fn client_telling(
    config: &Path,
    dir: &Path,
    human: Human,
) -> (RunningService<RoleClient, Human>, PathBuf) {
    let stderr_path = dir.join("gateway.stderr");
    let transport = TokioChildProcess::builder(gateway_command(config))
        .stderr(Stdio::from(std::fs::File::create(&stderr_path).unwrap()))
        .spawn()
        .unwrap()
        .0;
    let client = human.serve(transport).await.expect("gateway handshake");
    (client, stderr_path)
}

/// The text of the file `path` once it contains `what` (a gateway's stderr saying something),
/// waiting up to 10 s.
async fn once_said(path: &Path, what: &str) -> String {
    for _ in 0..200 {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(what) {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "never said {what:?}: {}",
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

/// Sends `signal` (`-9`, `-HUP`, `-0` to probe) to process `pid`; whether it was delivered.
fn kill(signal: &str, pid: &str) -> bool {
    std::process::Command::new("kill")
        .args([signal, pid])
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

/// Kills (`-9`) the upstream whose pid is the first line of the file `pids`.
fn crash_the_upstream(pids: &Path) {
    let pid = std::fs::read_to_string(pids).unwrap();
    let pid = pid.lines().next().unwrap_or_default().trim();
    assert!(kill("-9", pid), "kill -9 {pid}");
}

/// Every message `fixtures/fake_upstream.py` received, from its log.
fn upstream_received(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The names of the tools the fake upstream was asked to call, in order.
fn upstream_calls(log: &Path) -> Vec<Value> {
    upstream_received(log)
        .into_iter()
        .filter(|m| m["method"] == "tools/call")
        .map(|m| m["params"]["name"].clone())
        .collect()
}

fn call(name: &str, v: Value) -> CallToolRequestParams {
    let Value::Object(m) = v else { unreachable!() };
    CallToolRequestParams::new(name.to_owned()).with_arguments(m)
}

/// The model-facing JSON of a result: the structured error, or the value.
fn body(result: &CallToolResult) -> Value {
    let text = result.content[0].as_text().unwrap().text.clone();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

async fn names(client: &RunningService<RoleClient, Human>) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_sees_only_the_read_tools_it_was_given() {
    let Some(setup) = Setup::new() else { return };
    let client = stdio_client(&setup.config("reader"), Human::default()).await;
    assert_eq!(
        names(&client).await,
        [
            "echo",
            "fs_list_directory",
            "fs_read_text_file",
            "trigger-long-running-operation"
        ]
    );
    let read = client
        .call_tool(call(
            "fs_read_text_file",
            json!({"path": setup.root().join("notes.txt")}),
        ))
        .await
        .unwrap();
    assert_ne!(read.is_error, Some(true), "{read:?}");
    // The upstream's own answer: the file as text, and its structured content.
    assert_eq!(
        read.content[0].as_text().unwrap().text,
        "hello from the root\n"
    );
    assert_eq!(
        read.structured_content,
        Some(json!({"content": "hello from the root\n"}))
    );
    // A tool the upstream has but the configuration does not list, and one the reader lacks
    // the permission for, are both unknown to it.
    for hidden in ["fs_write_file", "fs_move_file"] {
        let err = client
            .call_tool(call(hidden, json!({"path": "x", "content": "y"})))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("unknown"), "{hidden}: {err}");
    }
    assert!(!setup.root().join("x").exists());
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_is_denied_without_approval_and_runs_once_with_it() {
    let Some(setup) = Setup::new() else { return };
    let config = setup.config("writer");
    let target = setup.root().join("written.txt");
    let write = || {
        call(
            "fs_write_file",
            json!({"path": target, "content": "the secret plan"}),
        )
    };

    // No way to ask a human: denied, nothing written.
    let client = stdio_client(&config, Human::default()).await;
    let denied = client.call_tool(write()).await.unwrap();
    assert_eq!(denied.is_error, Some(true));
    assert_eq!(body(&denied)["kind"], "denied", "{:?}", body(&denied));
    assert!(!target.exists());
    client.cancel().await.unwrap();

    // A human who says no: denied, nothing written.
    let no = Human {
        elicitation: true,
        approve: false,
        ..Human::default()
    };
    let client = stdio_client(&config, no.clone()).await;
    let refused = client.call_tool(write()).await.unwrap();
    assert_eq!(body(&refused)["kind"], "denied");
    assert_eq!(no.prompts.load(Ordering::SeqCst), 1);
    assert!(!target.exists());
    client.cancel().await.unwrap();

    // A human who says yes: written once.
    let yes = Human {
        elicitation: true,
        approve: true,
        ..Human::default()
    };
    let client = stdio_client(&config, yes.clone()).await;
    let done = client.call_tool(write()).await.unwrap();
    assert_ne!(done.is_error, Some(true), "{done:?}");
    assert_eq!(yes.prompts.load(Ordering::SeqCst), 1);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "the secret plan");
    client.cancel().await.unwrap();

    // The audit has the three calls (only the approved one ran), the secret redacted.
    let finals: Vec<Value> = setup
        .audit()
        .into_iter()
        .filter(|r| r["final_record"] == true && r["tool"] == "fs_write_file")
        .collect();
    let outcomes: Vec<&str> = finals
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["denied", "denied", "ok"]);
    for r in &finals {
        assert_eq!(r["principal"], "writer");
        assert_eq!(r["arguments"]["content"], "[REDACTED]");
        assert_eq!(r["arguments"]["path"], target.to_str().unwrap());
    }
    let audit_text = std::fs::read_to_string(setup.dir.path().join("audit.jsonl")).unwrap();
    assert!(!audit_text.contains("the secret plan"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_arguments_and_paths_outside_the_root_come_back_as_structured_errors() {
    let Some(setup) = Setup::new() else { return };
    let client = stdio_client(&setup.config("reader"), Human::default()).await;

    // The upstream's own inputSchema, enforced before anything is forwarded.
    let invalid = client
        .call_tool(call(
            "fs_read_text_file",
            json!({"head": "ten", "passphrase": 1}),
        ))
        .await
        .unwrap();
    assert_eq!(invalid.is_error, Some(true));
    let err = body(&invalid);
    assert_eq!(err["kind"], "invalid_arguments", "{err}");
    let errors: Vec<&str> = err["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        errors.contains(&"/path: missing required field"),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/head: expected")),
        "{errors:?}"
    );

    // The upstream refuses a path outside its root: a tool error, not a protocol error.
    let outside = setup.dir.path().join("outside.txt");
    let refused = client
        .call_tool(call("fs_read_text_file", json!({"path": outside})))
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true));
    let err = body(&refused);
    assert_eq!(err["kind"], "failed", "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("outside allowed directories"),
        "{err}"
    );
    assert!(!err.to_string().contains("not for you"));
    client.cancel().await.unwrap();

    let records = setup.audit();
    let outcome_of = |tool: &str| -> Vec<String> {
        records
            .iter()
            .filter(|r| r["final_record"] == true && r["tool"] == tool)
            .map(|r| r["outcome"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        outcome_of("fs_read_text_file"),
        ["invalid_arguments", "failed"]
    );
    // A key that is not a parameter, and any `redact_keys` entry, never reach the log.
    assert!(records.iter().all(|r| {
        r["arguments"]
            .get("passphrase")
            .is_none_or(|v| v == "[REDACTED]")
    }));
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_hold_per_principal() {
    let Some(setup) = Setup::new() else { return };
    let client = stdio_client(&setup.config("reader"), Human::default()).await;
    let read = || {
        call(
            "fs_read_text_file",
            json!({"path": setup.root().join("notes.txt")}),
        )
    };
    for _ in 0..4 {
        let ok = client.call_tool(read()).await.unwrap();
        assert_ne!(ok.is_error, Some(true), "{ok:?}");
    }
    let limited = client.call_tool(read()).await.unwrap();
    let err = body(&limited);
    assert_eq!(err["kind"], "rate_limited", "{err}");
    assert!(err["retry_after_ms"].as_u64().unwrap() > 0);
    // Other tools are not limited by it.
    let listed = client
        .call_tool(call("fs_list_directory", json!({"path": setup.root()})))
        .await
        .unwrap();
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    client.cancel().await.unwrap();
    let limited_records = setup
        .audit()
        .iter()
        .filter(|r| r["final_record"] == true && r["outcome"] == "rate_limited")
        .count();
    assert_eq!(limited_records, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_upstream_times_out_and_the_gateway_keeps_serving() {
    let Some(setup) = Setup::new() else { return };
    let client = stdio_client(&setup.config("reader"), Human::default()).await;
    let long = || {
        call(
            "trigger-long-running-operation",
            json!({"duration": 30, "steps": 3}),
        )
    };
    // Five hung calls at once: each times out after the configured 1 s. One caller's timeouts
    // (its input may be what makes the call slow) never open the breaker for everyone else.
    let hung: Vec<_> = (0..5)
        .map(|_| {
            let peer = client.peer().clone();
            let request = long();
            tokio::spawn(async move { peer.call_tool(request).await.unwrap() })
        })
        .collect();
    for h in hung {
        let hung = h.await.unwrap();
        assert_eq!(hung.is_error, Some(true));
        assert_eq!(body(&hung)["kind"], "timeout", "{:?}", body(&hung));
    }
    // The same upstream's other tools, and the gateway, keep answering.
    let echoed = client
        .call_tool(call("echo", json!({"message": "still here"})))
        .await
        .unwrap();
    assert_ne!(echoed.is_error, Some(true), "{echoed:?}");
    assert!(body(&echoed).to_string().contains("still here"));
    client.cancel().await.unwrap();
}

/// The gateway serving HTTP on a free port, and a client factory by bearer token.
async fn http_gateway(config: &Path) -> (tokio::process::Child, String) {
    let mut child = gateway_command(config)
        .args(["--http", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next_line().await.unwrap().expect("gateway exited");
        if let Some(url) = line.strip_prefix("toolwright gateway on ") {
            break url.to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

async fn http_client(
    url: &str,
    token: &str,
) -> Result<RunningService<RoleClient, Human>, rmcp::service::ClientInitializeError> {
    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
    let config =
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(token.to_owned());
    Human::default()
        .serve(StreamableHttpClientTransport::from_config(config))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_each_bearer_token_is_its_principal() {
    let Some(setup) = Setup::new() else { return };
    let (mut child, url) = http_gateway(&setup.config("reader")).await;
    let connect = |token: &'static str| http_client(&url, token);
    let reader = connect("reader-token-0123456789").await.unwrap();
    let writer = connect("writer-token-0123456789").await.unwrap();
    assert!(!names(&reader).await.contains(&"fs_write_file".to_owned()));
    assert!(names(&writer).await.contains(&"fs_write_file".to_owned()));
    assert!(connect("wrong-token-0123456789").await.is_err());
    reader.cancel().await.unwrap();
    writer.cancel().await.unwrap();
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn strict_refuses_to_start_on_poor_upstream_descriptions() {
    let Some(setup) = Setup::new() else { return };
    let config = setup.config("reader");
    // Without the `allow`, server-everything's `echo` ("Echoes back the input string") fails
    // the description rules.
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "allow = [\"lone_word\", \"short_description\", \"param_restates_name\"]\n",
        "",
    );
    std::fs::write(&config, text).unwrap();
    let stderr = refused_start(gateway_command(&config).arg("--strict")).await;
    assert!(stderr.contains("lint: demo/echo"), "{stderr}");
    assert!(stderr.contains("--strict"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn configuration_mistakes_stop_the_start_with_a_clear_message() {
    let Some(setup) = Setup::new() else { return };
    let base = std::fs::read_to_string(setup.config("reader")).unwrap();
    let cases = [
        (
            base.replace(
                "[upstream.tools.list_directory]",
                "[upstream.tools.list_directoryy]",
            ),
            "upstream `fs` has no tool `list_directoryy`; it has:",
        ),
        (
            base.replace("permissions = [\"fs:write\"]\n", ""),
            "needs `permissions` or `roles`",
        ),
        (
            base.replace("rate_limit = \"4/min\"", "rate_limit = \"4 per minute\""),
            "is not a rate",
        ),
    ];
    for (text, expected) in cases {
        let path = setup.dir.path().join("broken.toml");
        std::fs::write(&path, text).unwrap();
        let stderr = refused_start(&mut gateway_command(&path)).await;
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_stdio_upstream_is_restarted_on_the_next_call() {
    let Some(setup) = Setup::new() else { return };
    let pids = setup.dir.path().join("pids");
    let script = setup.dir.path().join("everything.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ >> '{}'\nexec '{}'\n",
            pids.display(),
            setup.bin.join("mcp-server-everything").display()
        ),
    )
    .unwrap();
    let config = setup.dir.path().join("crash.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[upstream]]
name = "demo"
command = ["sh", {script:?}]
[upstream.tools.echo]
allow = ["lone_word", "short_description", "param_restates_name"]
"#,
            script = script.to_str().unwrap()
        ),
    )
    .unwrap();
    let client = stdio_client(&config, Human::default()).await;
    let echo = || call("echo", json!({"message": "ping"}));
    let first = client.call_tool(echo()).await.unwrap();
    assert_ne!(first.is_error, Some(true), "{first:?}");

    crash_the_upstream(&pids);

    // The call that finds the connection broken may fail (as `unavailable`, a structured
    // error); the gateway keeps serving and the next call runs on a new upstream process.
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let r = client.call_tool(echo()).await.unwrap();
        outcomes.push(if r.is_error == Some(true) {
            body(&r)["kind"].as_str().unwrap().to_owned()
        } else {
            "ok".to_owned()
        });
    }
    assert_eq!(
        outcomes.last().map(String::as_str),
        Some("ok"),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().all(|o| o == "ok" || o == "unavailable"),
        "{outcomes:?}"
    );
    let started = std::fs::read_to_string(&pids).unwrap();
    assert_eq!(started.lines().count(), 2, "{started}");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn on_2026_07_28_a_write_asks_by_multi_round_trip_and_runs_once_after_yes() {
    use rmcp::model::{CallToolResponse, InputResponses, ProtocolVersion};
    use rmcp::service::{ClientLifecycleMode, ClientServiceExt};

    let Some(setup) = Setup::new() else { return };
    let transport = TokioChildProcess::builder(gateway_command(&setup.config("writer")))
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
        .0;
    let human = Human {
        elicitation: true,
        approve: true,
        ..Human::default()
    };
    let client = human
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    let target = setup.root().join("mrtr.txt");
    let write = || {
        call(
            "fs_write_file",
            json!({"path": target, "content": "approved"}),
        )
    };

    let asked = match client.call_tool_once(write()).await.unwrap() {
        CallToolResponse::InputRequired(r) => r,
        other => panic!("expected input_required, got {other:?}"),
    };
    assert!(!target.exists(), "asking runs nothing");
    let prompt = serde_json::to_value(&asked.input_requests).unwrap();
    assert!(
        prompt["confirm"]["params"]["message"]
            .as_str()
            .unwrap()
            .contains("fs_write_file"),
        "{prompt}"
    );
    let state = asked.request_state.unwrap();
    let answer = |approve: bool| {
        InputResponses::from([(
            "confirm".to_owned(),
            json!({"action": "accept", "content": {"approve": approve}}),
        )])
    };
    let retry = || {
        write()
            .with_request_state(state.clone())
            .with_input_responses(answer(true))
    };
    let CallToolResponse::Complete(done) = client.call_tool_once(retry()).await.unwrap() else {
        panic!("expected a result")
    };
    assert_ne!(done.is_error, Some(true), "{done:?}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "approved");
    std::fs::remove_file(&target).unwrap();

    // The same approval cannot run it twice.
    let CallToolResponse::Complete(replay) = client.call_tool_once(retry()).await.unwrap() else {
        panic!("expected a result")
    };
    assert_eq!(body(&replay)["kind"], "denied");
    assert!(!target.exists());
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_hanging_for_several_callers_opens_the_circuit_breaker() {
    let Some(setup) = Setup::new() else { return };
    let (mut child, url) = http_gateway(&setup.config("reader")).await;
    let reader = http_client(&url, "reader-token-0123456789").await.unwrap();
    let writer = http_client(&url, "writer-token-0123456789").await.unwrap();
    let long = || {
        call(
            "trigger-long-running-operation",
            json!({"duration": 30, "steps": 3}),
        )
    };
    let hung: Vec<_> = [reader.peer(), writer.peer()]
        .into_iter()
        .flat_map(|peer| std::iter::repeat_n(peer.clone(), 3))
        .map(|peer| {
            let request = long();
            tokio::spawn(async move { peer.call_tool(request).await.unwrap() })
        })
        .collect();
    for h in hung {
        assert_eq!(body(&h.await.unwrap())["kind"], "timeout");
    }
    // Open: refused at once, without reaching the upstream, for every caller.
    for client in [&reader, &writer] {
        let refused = client.call_tool(long()).await.unwrap();
        assert_eq!(
            body(&refused)["kind"],
            "circuit_open",
            "{:?}",
            body(&refused)
        );
    }
    let echoed = reader
        .call_tool(call("echo", json!({"message": "still here"})))
        .await
        .unwrap();
    assert_ne!(echoed.is_error, Some(true), "{echoed:?}");
    reader.cancel().await.unwrap();
    writer.cancel().await.unwrap();
    child.kill().await.unwrap();
}

/// `fixtures/fake_upstream.py`, run by `python3`; `None` (skip) when there is no `python3`
/// outside CI.
fn fake_upstream_script() -> Option<PathBuf> {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !python {
        assert!(std::env::var_os("CI").is_none(), "python3 is not installed");
        eprintln!("skipped: no python3");
        return None;
    }
    Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake_upstream.py"))
}

/// A gateway in front of `fixtures/fake_upstream.py` (Python's standard library only): its
/// configuration, written in `dir`, and the upstream's log of every message it received.
/// `step` is the seconds between two progress steps of `wait_for_report`, `extra` goes into
/// its policy. `None` (skip) when there is no `python3` outside CI.
fn fake_upstream_config(dir: &Path, step: f64, extra: &str) -> Option<(PathBuf, PathBuf)> {
    fake_upstream_config_env(dir, &format!("FAKE_UPSTREAM_STEP = \"{step}\""), extra)
}

/// [`fake_upstream_config`] with `env` (TOML `key = "value"` pairs) for the upstream.
fn fake_upstream_config_env(dir: &Path, env: &str, extra: &str) -> Option<(PathBuf, PathBuf)> {
    fake_upstream_config_with(dir, "", env, extra)
}

/// [`fake_upstream_config_env`] with `head` (top-level keys, roles, principals) first.
fn fake_upstream_config_with(
    dir: &Path,
    head: &str,
    env: &str,
    extra: &str,
) -> Option<(PathBuf, PathBuf)> {
    let script = fake_upstream_script()?;
    let log = dir.join("upstream.jsonl");
    let config = dir.join("fake.toml");
    std::fs::write(
        &config,
        format!(
            r#"{head}
[[upstream]]
name = "fake"
command = ["python3", {script:?}]
env = {{ FAKE_UPSTREAM_LOG = {log:?}, {env} }}
[upstream.tools.get_chart]
[upstream.tools.read_page]
[upstream.tools.get_totals]
[upstream.tools.wait_for_report]
{extra}
"#,
            script = script.to_str().unwrap(),
            log = log.to_str().unwrap(),
        ),
    )
    .unwrap();
    Some((config, log))
}

#[tokio::test(flavor = "multi_thread")]
async fn images_resources_and_text_reach_the_client_as_the_upstream_sent_them() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, _)) = fake_upstream_config(dir.path(), 0.2, "") else {
        return;
    };
    let client = stdio_client(&config, Human::default()).await;

    // An image and an embedded resource stay content blocks of their own type (not base64
    // inside JSON text), after the upstream's text.
    let chart = client
        .call_tool(call("get_chart", json!({})))
        .await
        .unwrap();
    assert_ne!(chart.is_error, Some(true), "{chart:?}");
    let blocks = serde_json::to_value(&chart.content).unwrap();
    assert_eq!(blocks[0], json!({"type": "text", "text": "Sales, Q3"}));
    assert_eq!(blocks[1]["type"], "image", "{blocks}");
    assert_eq!(blocks[1]["mimeType"], "image/png");
    assert!(blocks[1]["data"].as_str().unwrap().starts_with("iVBOR"));
    assert_eq!(blocks[2]["type"], "resource", "{blocks}");
    assert_eq!(blocks[2]["resource"]["uri"], "file:///q3.csv");
    assert_eq!(blocks.as_array().unwrap().len(), 3);

    // Text comes as written: no JSON quotes or escapes around it.
    let page = client
        .call_tool(call("read_page", json!({})))
        .await
        .unwrap();
    assert_eq!(
        page.content[0].as_text().unwrap().text,
        "Line one \"quoted\"\nLine two: naïve ✓"
    );

    // Structured content is forwarded beside the upstream's own text.
    let totals = client
        .call_tool(call("get_totals", json!({})))
        .await
        .unwrap();
    assert_eq!(totals.content[0].as_text().unwrap().text, "Q3 total: 3");
    assert_eq!(totals.structured_content, Some(json!({"total": 3})));
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upstream_progress_reaches_a_client_that_asked_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, _)) = fake_upstream_config(dir.path(), 0.2, "") else {
        return;
    };
    // rmcp's client sends a progress token with every request.
    let human = Human::default();
    let client = stdio_client(&config, human.clone()).await;
    let done = client
        .call_tool(call("wait_for_report", json!({})))
        .await
        .unwrap();
    assert_eq!(done.content[0].as_text().unwrap().text, "report ready");
    let seen = human.progress.lock().unwrap().clone();
    let expected: Vec<Step> = (1..=3)
        .map(|i| (f64::from(i), Some(3.0), Some(format!("step {i}"))))
        .collect();
    assert_eq!(seen, expected);
    client.cancel().await.unwrap();
}

/// `toolwright gateway --check --config CONFIG`, with nothing on stdin.
fn gateway_check(config: &Path) -> std::process::Output {
    gateway_check_with(config, &[])
}

/// [`gateway_check`] with more options (`--pin`).
fn gateway_check_with(config: &Path, options: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_toolwright"))
        .args(["gateway", "--check"])
        .args(options)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The `--check` table: a row per exposed tool, its columns (name, effect, who, timeout).
fn policy_rows(table: &str) -> Vec<Vec<&str>> {
    table
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect()
}

/// `--check` starts the upstreams and checks everything a start would, prints each exposed
/// tool's policy and exits without serving (stdin closed, no client): 0 when the gateway would
/// start, 2 with the reason when it would not.
#[test]
fn check_prints_the_exposed_policy_and_exits_without_serving() {
    let dir = tempfile::tempdir().unwrap();
    let Some(script) = fake_upstream_script() else {
        return;
    };
    let check = |tools: &str| {
        let config = dir.path().join("check.toml");
        std::fs::write(
            &config,
            format!("[[upstream]]\nname = \"fake\"\ncommand = [\"python3\", {script:?}]\n{tools}"),
        )
        .unwrap();
        gateway_check(&config)
    };
    let ok = check(
        "[upstream.tools.read_page]\n\
         [upstream.tools.send_invoice]\npermissions = [\"billing:send\"]\ntimeout = \"5s\"\n\
         [upstream.tools.get_totals]\nread_only = false\npermissions = [\"sales:read\"]\n\
         [upstream.tools.get_chart]\nread_only = true\n",
    );
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let table = String::from_utf8(ok.stdout).unwrap();
    assert_eq!(
        policy_rows(&table),
        [
            // The operator's `read_only` overrides the upstream's `readOnlyHint` either way:
            // without one, an unannotated write is destructive.
            vec!["get_chart", "read-only", "anyone", "timeout 30 s"],
            vec![
                "get_totals",
                "destructive: asks a human",
                "sales:read",
                "timeout 30 s"
            ],
            vec!["read_page", "read-only", "anyone", "timeout 30 s"],
            vec!["send_invoice", "writes", "billing:send", "timeout 5 s"],
        ],
        "{table}"
    );

    let wrong = check("[upstream.tools.no_such_tool]\n");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(wrong.stdout.is_empty());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("has no tool `no_such_tool`"), "{err}");

    let both = check(
        "[upstream.tools.send_invoice]\nread_only = true\ndestructive = true\n\
         permissions = [\"billing:send\"]\n",
    );
    assert_eq!(both.status.code(), Some(2));
    let err = String::from_utf8_lossy(&both.stderr);
    assert!(
        err.contains("`read_only = true` and `destructive = true` contradict"),
        "{err}"
    );
}

/// `toolwright init` writes a configuration the gateway starts with as it is: every described
/// tool in a table with the policy its annotations imply, a tool without a description left out
/// (commented), a name no provider accepts given an `expose_as`.
#[test]
fn init_writes_a_configuration_the_gateway_checks_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let Some(script) = fake_upstream_script() else {
        return;
    };
    let init = std::process::Command::new(env!("CARGO_BIN_EXE_toolwright"))
        .args(["init", "--name", "fake", "--stdio"])
        .arg(format!("python3 '{}'", script.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(init.status.code(), Some(0), "{init:?}");
    let config = dir.path().join("init.toml");
    std::fs::write(&config, &init.stdout).unwrap();
    let check = gateway_check(&config);
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let table = String::from_utf8(check.stdout).unwrap();
    let rows = policy_rows(&table);
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no {name} in {table}"))
            .clone()
    };
    assert_eq!(row("fake_read_page")[1..3], ["read-only", "fake:read"]);
    assert_eq!(row("fake_send_invoice")[1..3], ["writes", "fake:write"]);
    assert_eq!(row("fake_reports_latest")[1..3], ["read-only", "fake:read"]);
    assert!(
        !table.contains("count_tickets"),
        "a tool without a description stays out: {table}"
    );
}

/// Upstreams start together: two servers that each answer `initialize` only once the other has
/// started would never both start one after the other (each waits up to 10 s, past the 5 s
/// start timeout).
#[tokio::test(flavor = "multi_thread")]
async fn upstreams_start_together() {
    let dir = tempfile::tempdir().unwrap();
    let Some(script) = fake_upstream_script() else {
        return;
    };
    let mark = |name: &str| dir.path().join(name);
    let upstream = |name: &str, prefix: &str, other: &str| {
        format!(
            r#"
[[upstream]]
name = "{name}"
prefix = "{prefix}"
command = ["python3", {script:?}]
env = {{ FAKE_UPSTREAM_MARK = {mine:?}, FAKE_UPSTREAM_AWAIT = {theirs:?} }}
start_timeout = "5s"
[upstream.tools.read_page]
"#,
            mine = mark(name),
            theirs = mark(other),
        )
    };
    let config = dir.path().join("two.toml");
    std::fs::write(
        &config,
        upstream("east", "", "west") + &upstream("west", "west_", "east"),
    )
    .unwrap();
    let client = stdio_client(&config, Human::default()).await;
    let mut listed = names(&client).await;
    listed.sort();
    assert_eq!(listed, ["read_page", "west_read_page"]);
    for tool in ["read_page", "west_read_page"] {
        let page = client.call_tool(call(tool, json!({}))).await.unwrap();
        assert_ne!(page.is_error, Some(true), "{tool}: {page:?}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_that_times_out_is_cancelled_upstream_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, log)) = fake_upstream_config(dir.path(), 5.0, "timeout = \"1s\"") else {
        return;
    };
    let client = stdio_client(&config, Human::default()).await;
    let hung = client
        .call_tool(call("wait_for_report", json!({})))
        .await
        .unwrap();
    assert_eq!(body(&hung)["kind"], "timeout", "{:?}", body(&hung));
    let next = client
        .call_tool(call("read_page", json!({})))
        .await
        .unwrap();
    assert_ne!(next.is_error, Some(true), "{next:?}");
    client.cancel().await.unwrap();

    // The upstream heard of the cancellation before the next call, not only when the body's
    // task was aborted a while later.
    let received = upstream_received(&log);
    let position = |pred: &dyn Fn(&Value) -> bool| received.iter().position(pred);
    let hung_id = received
        .iter()
        .find(|m| m["params"]["name"] == "wait_for_report")
        .map(|m| m["id"].clone())
        .unwrap();
    let cancelled = position(&|m| {
        m["method"] == "notifications/cancelled" && m["params"]["requestId"] == hung_id
    });
    let next_call = position(&|m| m["params"]["name"] == "read_page");
    assert!(
        cancelled.is_some() && cancelled < next_call,
        "{received:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_that_exits_at_start_is_reported_with_what_it_said() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("exits.toml");
    std::fs::write(
        &config,
        r#"
[[upstream]]
name = "gh"
command = ["sh", "-c", "echo 'GITHUB_TOKEN is not set' >&2; exit 1"]
[upstream.tools.search_issues]
destructive = false
"#,
    )
    .unwrap();
    let stderr = refused_start(&mut gateway_command(&config)).await;
    assert!(stderr.contains("upstream `gh`"), "{stderr}");
    assert!(stderr.contains("GITHUB_TOKEN is not set"), "{stderr}");
}

/// An HTTP upstream nobody answers at: the start fails with the address and the cause in plain
/// words (rmcp's own error names its transport types).
#[tokio::test(flavor = "multi_thread")]
async fn an_http_upstream_that_cannot_be_reached_stops_the_start_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let config = dir.path().join("unreachable.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[upstream]]
name = "web"
url = "http://{free}/mcp"
start_timeout = "10s"
[upstream.tools.search_pages]
destructive = false
"#
        ),
    )
    .unwrap();
    let stderr = refused_start(&mut gateway_command(&config)).await;
    assert!(stderr.contains("upstream `web`"), "{stderr}");
    assert!(
        stderr.contains(&format!("could not connect to {free}")),
        "{stderr}"
    );
    assert!(!stderr.contains("rmcp::"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_tool_named_with_a_dot_is_exposed_under_the_name_given() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, log)) = fake_upstream_config(dir.path(), 0.2, "") else {
        return;
    };
    let base = std::fs::read_to_string(&config).unwrap();

    // MCP allows `.` in a tool name; model providers do not, so the gateway needs another.
    std::fs::write(
        &config,
        format!("{base}[upstream.tools.\"reports.latest\"]\n"),
    )
    .unwrap();
    let stderr = refused_start(&mut gateway_command(&config)).await;
    assert!(
        stderr.contains("tool `reports.latest`")
            && stderr.contains("expose_as = \"reports_latest\""),
        "{stderr}"
    );

    std::fs::write(
        &config,
        format!("{base}[upstream.tools.\"reports.latest\"]\nexpose_as = \"latest_report\"\n"),
    )
    .unwrap();
    let client = stdio_client(&config, Human::default()).await;
    assert!(names(&client).await.contains(&"latest_report".to_owned()));
    let report = client
        .call_tool(call("latest_report", json!({})))
        .await
        .unwrap();
    assert_eq!(
        report.content[0].as_text().unwrap().text,
        "Nightly report: all green"
    );
    client.cancel().await.unwrap();
    let received = std::fs::read_to_string(&log).unwrap();
    assert!(
        received.contains("\"name\": \"reports.latest\""),
        "{received}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn why_an_upstream_is_unavailable_goes_to_the_operator_not_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fake) = fake_upstream_script() else {
        return;
    };
    // Runs the fake upstream the first time; every restart fails, saying something secret.
    let script = dir.path().join("upstream.sh");
    let started = dir.path().join("started");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ -e '{started}' ]; then echo 'login failed for token sk-live-0123456789' >&2; exit 1; fi\n\
             echo $$ > '{started}'\nexec python3 '{fake}'\n",
            started = started.display(),
            fake = fake.display()
        ),
    )
    .unwrap();
    let config = dir.path().join("restart.toml");
    std::fs::write(
        &config,
        format!(
            "[[upstream]]\nname = \"fake\"\ncommand = [\"sh\", {script:?}]\n[upstream.tools.read_page]\n",
            script = script.to_str().unwrap()
        ),
    )
    .unwrap();
    let mut child = gateway_command(&config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let operator = tokio::spawn(async move {
        let mut text = String::new();
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let transport = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let client = Human::default().serve(transport).await.unwrap();
    let first = client
        .call_tool(call("read_page", json!({})))
        .await
        .unwrap();
    assert_ne!(first.is_error, Some(true), "{first:?}");

    let pid = std::fs::read_to_string(&started).unwrap().trim().to_owned();
    assert!(kill("-9", &pid));
    let mut messages = Vec::new();
    for _ in 0..2 {
        let r = client
            .call_tool(call("read_page", json!({})))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "{r:?}");
        let err = body(&r);
        assert_eq!(err["kind"], "unavailable", "{err}");
        messages.push(err.to_string());
    }
    client.cancel().await.unwrap();
    child.kill().await.unwrap();
    let operator = operator.await.unwrap();
    for m in &messages {
        assert!(m.contains("upstream server `fake`"), "{m}");
        assert!(!m.contains("sk-live") && !m.contains("rmcp::"), "{m}");
    }
    assert!(operator.contains("sk-live-0123456789"), "{operator}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tool_without_a_description_is_exposed_with_the_one_given() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, _)) = fake_upstream_config(dir.path(), 0.2, "") else {
        return;
    };
    let base = std::fs::read_to_string(&config).unwrap();

    // MCP makes the description optional; a model needs one, so the gateway asks for it.
    std::fs::write(&config, format!("{base}[upstream.tools.count_tickets]\n")).unwrap();
    let stderr = refused_start(gateway_command(&config).arg("--strict")).await;
    assert!(
        stderr.contains("upstream `fake`, tool `count_tickets`")
            && stderr.contains("`description = \"…\"`"),
        "{stderr}"
    );

    // The description given is the one callers see, and the one the lint judges (--strict
    // passes).
    let described = "Count the open tickets of the support queue. Returns the count as a number.";
    std::fs::write(
        &config,
        format!("{base}[upstream.tools.count_tickets]\ndescription = {described:?}\n"),
    )
    .unwrap();
    let transport = TokioChildProcess::builder({
        let mut cmd = gateway_command(&config);
        cmd.arg("--strict");
        cmd
    })
    .stderr(Stdio::inherit())
    .spawn()
    .unwrap()
    .0;
    let client = Human::default().serve(transport).await.unwrap();
    let listed = client.list_all_tools().await.unwrap();
    let tool = listed.iter().find(|t| t.name == "count_tickets").unwrap();
    assert_eq!(tool.description.as_deref(), Some(described));
    let count = client
        .call_tool(call("count_tickets", json!({})))
        .await
        .unwrap();
    assert_eq!(count.content[0].as_text().unwrap().text, "7");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_schema_mcp_does_not_allow_is_not_passed_on() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, _)) = fake_upstream_config(dir.path(), 0.2, "") else {
        return;
    };
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{base}[upstream.tools.count_alerts]\n")).unwrap();
    let client = stdio_client(&config, Human::default()).await;
    // `"type": "integer"`: MCP wants an object, whose fields `structuredContent` holds; a
    // client would expect structured content this upstream never sends.
    let listed = client.list_all_tools().await.unwrap();
    let tool = listed.iter().find(|t| t.name == "count_alerts").unwrap();
    assert_eq!(tool.output_schema, None);
    let get_totals = listed.iter().find(|t| t.name == "get_totals").unwrap();
    assert!(
        get_totals.output_schema.is_some(),
        "an object schema is kept"
    );
    let count = client
        .call_tool(call("count_alerts", json!({})))
        .await
        .unwrap();
    assert_eq!(count.content[0].as_text().unwrap().text, "3");
    assert_eq!(count.structured_content, None);
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn two_upstream_tools_exposed_under_one_name_stop_the_start_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fake) = fake_upstream_script() else {
        return;
    };
    let upstream = |name: &str| {
        format!(
            "[[upstream]]\nname = \"{name}\"\ncommand = [\"python3\", {fake:?}]\n[upstream.tools.read_page]\n",
            fake = fake.to_str().unwrap()
        )
    };
    let config = dir.path().join("twice.toml");
    std::fs::write(&config, upstream("docs") + &upstream("wiki")).unwrap();
    let stderr = refused_start(&mut gateway_command(&config)).await;
    assert!(
        stderr.contains("upstream `wiki`, tool `read_page`")
            && stderr.contains("upstream `docs`")
            && stderr.contains("prefix"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lint_judges_the_name_callers_see() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, _)) = fake_upstream_config(dir.path(), 0.2, "") else {
        return;
    };
    // `read_page` passes the name rules; exposed as `page`, a lone word, it does not.
    let base = std::fs::read_to_string(&config).unwrap().replace(
        "[upstream.tools.read_page]\n",
        "[upstream.tools.read_page]\nexpose_as = \"page\"\n",
    );
    std::fs::write(&config, &base).unwrap();
    let stderr = refused_start(gateway_command(&config).arg("--strict")).await;
    assert!(
        stderr.contains("lint: fake/page: name [lone_word]"),
        "{stderr}"
    );
    // With a prefix, callers see (and the lint judges) the prefixed name.
    let prefixed = base
        .replace("expose_as = \"page\"\n", "description = \"Read a page\"\n")
        .replace(
            "name = \"fake\"\n",
            "name = \"fake\"\nprefix = \"manual_\"\n",
        );
    std::fs::write(&config, prefixed).unwrap();
    let stderr = refused_start(gateway_command(&config).arg("--strict")).await;
    assert!(
        stderr.contains("lint: fake/manual_read_page: description [short_description]"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_tool_error_keeps_its_structured_content() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, _)) = fake_upstream_config(dir.path(), 0.2, "") else {
        return;
    };
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{base}[upstream.tools.send_invoice]\n")).unwrap();
    let client = stdio_client(&config, Human::default()).await;
    let failed = client
        .call_tool(call("send_invoice", json!({})))
        .await
        .unwrap();
    assert_eq!(failed.is_error, Some(true));
    let err = body(&failed);
    assert_eq!(err["kind"], "failed", "{err}");
    assert!(
        err["error"].as_str().unwrap().starts_with("quota exceeded"),
        "{err}"
    );
    // What the upstream said beyond its text reaches the model too.
    assert_eq!(
        err["upstream_structured_content"],
        json!({"code": 429, "retryAfterSeconds": 30}),
        "{err}"
    );
    assert!(err["error"].as_str().unwrap().contains("1 image"), "{err}");
    client.cancel().await.unwrap();
}

/// `@modelcontextprotocol/server-everything` serving streamable HTTP on a free loopback port, as
/// a remote upstream is reached; killed with the returned child.
async fn everything_over_http(bin: &Path) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = tokio::process::Command::new(bin.join("mcp-server-everything"))
        .arg("streamableHttp")
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (child, format!("http://127.0.0.1:{port}/mcp"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("server-everything did not listen on port {port}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_upstream_is_proxied_under_the_same_policy_as_a_stdio_one() {
    let Some(bin) = npm_bin() else { return };
    let (_server, url) = everything_over_http(&bin).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("http.toml");
    std::fs::write(
        &config,
        format!(
            r#"
audit = "audit.jsonl"
stdio_principal = "me"
[principals.me]
permissions = ["demo:read"]

[[upstream]]
name = "demo"
url = "{url}"
prefix = "web_"

[upstream.tools.get-sum]
permissions = ["demo:read"]
rate_limit = "2/min"
allow = ["param_restates_name"]
[upstream.tools.echo]
permissions = ["demo:read"]
secret = ["message"]
allow = ["short_description", "param_restates_name"]
"#
        ),
    )
    .unwrap();
    let client = stdio_client(&config, Human::default()).await;
    // Only the listed tools, under the prefix.
    assert_eq!(names(&client).await, ["web_echo", "web_get-sum"]);
    let sum = client
        .call_tool(call("web_get-sum", json!({"a": 2, "b": 3})))
        .await
        .unwrap();
    assert_ne!(sum.is_error, Some(true), "{sum:?}");
    assert!(body(&sum).to_string().contains('5'), "{sum:?}");
    // The upstream's input schema is enforced before anything is sent over HTTP.
    let bad = client
        .call_tool(call("web_get-sum", json!({"a": "2", "b": 3})))
        .await
        .unwrap();
    assert_eq!(bad.is_error, Some(true));
    assert_eq!(body(&bad)["kind"], "invalid_arguments", "{bad:?}");
    assert!(body(&bad).to_string().contains("/a"), "{bad:?}");
    // The rate limit holds for a remote upstream too: two calls a minute, the third refused.
    let third = client
        .call_tool(call("web_get-sum", json!({"a": 1, "b": 1})))
        .await
        .unwrap();
    assert_eq!(body(&third)["kind"], "rate_limited", "{third:?}");
    let echo = client
        .call_tool(call("web_echo", json!({"message": "hunter2"})))
        .await
        .unwrap();
    assert_ne!(echo.is_error, Some(true), "{echo:?}");
    assert!(body(&echo).to_string().contains("hunter2"), "{echo:?}");
    client.cancel().await.unwrap();
    // Every call audited, the secret argument redacted.
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let records: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<&str> = records
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["ok", "invalid_arguments", "rate_limited", "ok"],
        "{audit}"
    );
    assert!(!audit.contains("hunter2"), "{audit}");
    assert_eq!(records[3]["arguments"]["message"], "[REDACTED]", "{audit}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_upstream_is_called_with_the_bearer_token_from_its_environment_variable() {
    // The upstream is a gateway serving HTTP with a token per principal: the one in front of
    // it sees what the token's principal may see, and without a valid token does not start.
    let Some(setup) = Setup::new() else { return };
    let (mut upstream, url) = http_gateway(&setup.config("reader")).await;
    let front = setup.dir.path().join("front.toml");
    let front_config = |extra: &str| {
        format!(
            r#"
stdio_principal = "me"
[principals.me]
permissions = ["remote:read"]

[[upstream]]
name = "remote"
url = "{url}"
prefix = "remote_"
bearer_env = "REMOTE_TOKEN"
{extra}
[upstream.tools.fs_read_text_file]
permissions = ["remote:read"]
"#
        )
    };
    std::fs::write(&front, front_config("")).unwrap();
    let mut cmd = gateway_command(&front);
    cmd.env("REMOTE_TOKEN", "reader-token-0123456789");
    let transport = TokioChildProcess::builder(cmd)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
        .0;
    let client = Human::default()
        .serve(transport)
        .await
        .expect("gateway handshake");
    assert_eq!(names(&client).await, ["remote_fs_read_text_file"]);
    let read = client
        .call_tool(call(
            "remote_fs_read_text_file",
            json!({"path": setup.root().join("notes.txt")}),
        ))
        .await
        .unwrap();
    assert_ne!(read.is_error, Some(true), "{read:?}");
    assert!(body(&read).to_string().contains("hello from the root"));
    client.cancel().await.unwrap();
    // The upstream gateway audited the call as the token's principal.
    let audit = setup.audit();
    let last = audit.last().expect("an audit record upstream");
    assert_eq!(last["principal"], "reader", "{audit:?}");
    assert_eq!(last["tool"], "fs_read_text_file", "{audit:?}");
    // A tool the token's principal may not call is not there to expose: the start says so.
    std::fs::write(
        &front,
        front_config("[upstream.tools.fs_write_file]\npermissions = [\"remote:read\"]"),
    )
    .unwrap();
    let mut cmd = gateway_command(&front);
    cmd.env("REMOTE_TOKEN", "reader-token-0123456789");
    let stderr = refused_start(&mut cmd).await;
    assert!(
        stderr.contains("has no tool `fs_write_file`") && stderr.contains("fs_read_text_file"),
        "{stderr}"
    );
    // A wrong token, and an unset variable, each stop the start and name the variable.
    std::fs::write(&front, front_config("")).unwrap();
    let mut cmd = gateway_command(&front);
    cmd.env("REMOTE_TOKEN", "wrong-token-0123456789");
    let stderr = refused_start(&mut cmd).await;
    assert!(
        stderr.contains("HTTP 401") && stderr.contains("bearer_env"),
        "{stderr}"
    );
    let mut cmd = gateway_command(&front);
    cmd.env_remove("REMOTE_TOKEN");
    let stderr = refused_start(&mut cmd).await;
    assert!(
        stderr.contains("`REMOTE_TOKEN` (bearer_env) is not set"),
        "{stderr}"
    );
    upstream.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_an_upstream_changes_are_withheld_and_reported_to_the_operator() {
    // Announced on a `subscriptions/listen` stream (MCP 2026-07-28), and unscoped (before).
    for protocol in ["2026-07-28", "2025-06-18"] {
        tool_list_change_is_withheld(protocol).await;
    }
}

async fn tool_list_change_is_withheld(protocol: &str) {
    let dir = tempfile::tempdir().unwrap();
    let env = format!(r#"FAKE_UPSTREAM_CHANGE = "1", FAKE_UPSTREAM_PROTOCOL = "{protocol}""#);
    let Some((config, log)) =
        fake_upstream_config_env(dir.path(), &env, "[upstream.tools.count_alerts]")
    else {
        return;
    };
    let (client, stderr_path) = client_telling(&config, dir.path(), Human::default()).await;
    // Answering this call, the upstream changes its tools and says so.
    let totals = client
        .call_tool(call("get_totals", json!({})))
        .await
        .unwrap();
    assert_ne!(totals.is_error, Some(true), "{totals:?}");
    let said = once_said(&stderr_path, "tool list changed").await;
    let line = said
        .lines()
        .find(|l| l.contains("tool list changed"))
        .unwrap_or_else(|| panic!("{protocol}: no report of the change: {said}"));
    // Fifty announcements, a few listings and reports: one runs at a time and takes the
    // announcements that came meanwhile.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let said = std::fs::read_to_string(&stderr_path).unwrap();
    let reports = said.matches("tool list changed").count();
    assert!(
        (1..10).contains(&reports),
        "{protocol}: {reports} reports: {said}"
    );
    // A 2026-07-28 server was asked for the changes; an earlier one sent them unasked.
    let upstream_log = std::fs::read_to_string(&log).unwrap();
    let listings = upstream_log.matches("\"tools/list\"").count();
    assert!(
        (2..11).contains(&listings),
        "{protocol}: {listings} listings"
    );
    assert_eq!(
        upstream_log.contains("subscriptions/listen"),
        protocol == "2026-07-28",
        "{protocol}: {upstream_log}"
    );
    assert!(line.contains("upstream `fake`"), "{line}");
    assert!(line.contains("`count_alerts`: it is gone"), "{line}");
    assert!(
        line.contains("`read_page`: its input schema changed"),
        "{line}"
    );
    assert!(!line.contains("get_totals"), "{line}");
    assert!(line.contains("withholds them"), "{line}");
    // The changed and the gone tool are refused before anything is sent; the unchanged one
    // is still served.
    let calls_before = upstream_calls(&log).len();
    for (tool, what) in [
        ("read_page", "its input schema changed"),
        ("count_alerts", "it is gone"),
    ] {
        let refused = client.call_tool(call(tool, json!({}))).await.unwrap();
        assert_eq!(
            refused.is_error,
            Some(true),
            "{protocol} {tool}: {refused:?}"
        );
        let error = body(&refused);
        assert_eq!(error["kind"], "denied", "{protocol} {tool}: {error}");
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(what), "{protocol} {tool}: {message}");
        assert!(message.contains("`fake`"), "{protocol} {tool}: {message}");
    }
    let totals = client
        .call_tool(call("get_totals", json!({})))
        .await
        .unwrap();
    assert_ne!(totals.is_error, Some(true), "{totals:?}");
    let calls_after = upstream_calls(&log).len();
    assert_eq!(
        calls_after,
        calls_before + 1,
        "{protocol}: only get_totals was sent"
    );
    // Its clients no longer list the withheld tools.
    assert_eq!(
        names(&client).await,
        ["get_chart", "get_totals", "wait_for_report"],
        "{protocol}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_a_restarted_upstream_changed_are_never_called_nor_put_to_a_human() {
    let dir = tempfile::tempdir().unwrap();
    let (release, pids) = (dir.path().join("release"), dir.path().join("pids"));
    let env = format!(
        "FAKE_UPSTREAM_RELEASE = {:?}, FAKE_UPSTREAM_PID = {:?}",
        release.to_str().unwrap(),
        pids.to_str().unwrap()
    );
    let head = "stdio_principal = \"clerk\"\n[principals.clerk]\npermissions = [\"billing\"]\n";
    let invoice_policy =
        "[upstream.tools.send_invoice]\ndestructive = true\npermissions = [\"billing\"]";
    let Some((config, log)) = fake_upstream_config_with(dir.path(), head, &env, invoice_policy)
    else {
        return;
    };
    let human = Human {
        elicitation: true,
        approve: true,
        ..Human::default()
    };
    let (client, stderr_path) = client_telling(&config, dir.path(), human.clone()).await;
    let chart = || call("get_chart", json!({}));
    let invoice = || call("send_invoice", json!({}));
    let first = client.call_tool(chart()).await.unwrap();
    assert_ne!(first.is_error, Some(true), "{first:?}");
    // Approved by the human and sent (the upstream answers with an error of its own).
    let sent = client.call_tool(invoice()).await.unwrap();
    assert_eq!(
        body(&sent)["error"],
        "quota exceeded (the error also had 1 image block(s), not shown)",
        "{sent:?}"
    );
    assert_eq!(human.prompts.load(Ordering::SeqCst), 1);

    // The server crashes; the one started in its place is a release in which `get_chart` says
    // it is destructive and `send_invoice` does more. The gateway judged the old ones: it must
    // not call the new ones, nor ask a human to approve them.
    std::fs::write(&release, "").unwrap();
    crash_the_upstream(&pids);
    let mut kinds = Vec::new();
    for _ in 0..3 {
        let r = client.call_tool(chart()).await.unwrap();
        assert_eq!(r.is_error, Some(true), "{r:?}");
        kinds.push(body(&r)["kind"].as_str().unwrap().to_owned());
    }
    // The call that finds the connection broken may fail as `unavailable`; once connected
    // again, the gateway has listed the new release's tools and refuses the changed one.
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("denied"),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().all(|k| k == "denied" || k == "unavailable"),
        "{kinds:?}"
    );
    let refused = client.call_tool(invoice()).await.unwrap();
    assert_eq!(body(&refused)["kind"], "denied", "{refused:?}");
    assert!(
        body(&refused)["error"]
            .as_str()
            .unwrap()
            .contains("its description changed"),
        "{refused:?}"
    );
    assert_eq!(
        human.prompts.load(Ordering::SeqCst),
        1,
        "nobody was asked again"
    );
    assert_eq!(
        names(&client).await,
        ["get_totals", "read_page", "wait_for_report"],
        "the changed tools are no longer listed"
    );
    let started = std::fs::read_to_string(&pids).unwrap();
    assert_eq!(started.lines().count(), 2, "restarted once: {started}");
    // An unchanged tool runs on the new process.
    let totals = client
        .call_tool(call("get_totals", json!({})))
        .await
        .unwrap();
    assert_ne!(totals.is_error, Some(true), "{totals:?}");
    let called = upstream_calls(&log);
    assert_eq!(
        called,
        [
            json!("get_chart"),
            json!("send_invoice"),
            json!("get_totals")
        ]
    );
    let said = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(
        said.contains(
            "upstream `fake` was connected to again and lists its tools: `get_chart`: its \
             annotations changed; `send_invoice`: its description changed"
        ),
        "{said}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_a_new_release_lists_otherwise_than_pinned_are_withheld_until_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    let env = format!("FAKE_UPSTREAM_RELEASE = {:?}", release.to_str().unwrap());
    let head = "pins = \"fake.pins.json\"\nstdio_principal = \"clerk\"\n\
                [principals.clerk]\npermissions = [\"billing\"]\n";
    let invoice_policy =
        "[upstream.tools.send_invoice]\ndestructive = true\npermissions = [\"billing\"]";
    let Some((config, log)) = fake_upstream_config_with(dir.path(), head, &env, invoice_policy)
    else {
        return;
    };
    let pins_path = dir.path().join("fake.pins.json");
    let every = [
        "get_chart",
        "get_totals",
        "read_page",
        "send_invoice",
        "wait_for_report",
    ];

    // The first start pins the exposed tools as listed.
    let client = stdio_client(&config, Human::default()).await;
    assert_eq!(names(&client).await, every);
    client.cancel().await.unwrap();
    let pinned = std::fs::read_to_string(&pins_path).unwrap();
    let pins: Value = serde_json::from_str(&pinned).unwrap();
    assert_eq!(
        pins["tools"]["fake"]["get_chart"]["annotations"],
        json!({"readOnlyHint": true})
    );
    assert_eq!(pins["tools"]["fake"].as_object().unwrap().len(), 5);

    // A new release (as `npx -y` fetches at a start): `get_chart` says it is destructive and
    // `send_invoice` does more. `--check` shows them withheld and writes nothing.
    std::fs::write(&release, "").unwrap();
    let out = gateway_check(&config);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{table}");
    let rows = policy_rows(&table);
    let effect = |tool: &str| {
        rows.iter()
            .find(|r| r[0] == tool)
            .map(|r| r[1..].join(" "))
            .unwrap_or_default()
    };
    assert!(
        effect("get_chart").contains("withheld: its annotations changed"),
        "{table}"
    );
    assert!(
        effect("send_invoice").contains("withheld: its description changed"),
        "{table}"
    );
    assert!(!effect("get_totals").contains("withheld"), "{table}");
    assert_eq!(std::fs::read_to_string(&pins_path).unwrap(), pinned);

    // Started, it serves the others; the changed ones are neither listed nor called.
    let (client, stderr_path) = client_telling(&config, dir.path(), Human::default()).await;
    assert_eq!(
        names(&client).await,
        ["get_totals", "read_page", "wait_for_report"]
    );
    let refused = client
        .call_tool(call("get_chart", json!({})))
        .await
        .unwrap();
    let error = body(&refused);
    assert_eq!(error["kind"], "denied", "{error}");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("its annotations changed"),
        "{error}"
    );
    let totals = client
        .call_tool(call("get_totals", json!({})))
        .await
        .unwrap();
    assert_ne!(totals.is_error, Some(true), "{totals:?}");
    client.cancel().await.unwrap();
    let called = upstream_calls(&log);
    assert_eq!(called, [json!("get_totals")]);
    let said = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(
        said.contains("upstream `fake` lists tools otherwise than pinned: `get_chart`: its annotations changed; `send_invoice`: its description changed"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&pins_path).unwrap(), pinned);

    // `--strict` refuses to start on them.
    let stderr = refused_start(gateway_command(&config).arg("--strict")).await;
    assert!(stderr.contains("listed otherwise than pinned"), "{stderr}");

    // An operator accepts the release with `--check --pin` (pin, and exit). `get_chart` is
    // destructive now, so it first needs a permission naming who may ask for it.
    let pin = || gateway_check_with(&config, &["--pin"]);
    let refused = pin();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("needs `permissions`"),
        "{refused:?}"
    );
    assert_eq!(std::fs::read_to_string(&pins_path).unwrap(), pinned);
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[upstream.tools.get_chart]\n",
        "[upstream.tools.get_chart]\npermissions = [\"billing\"]\n",
    );
    std::fs::write(&config, text).unwrap();
    let accepted = pin();
    assert!(accepted.status.success(), "{accepted:?}");
    let pins: Value = serde_json::from_str(&std::fs::read_to_string(&pins_path).unwrap()).unwrap();
    assert_eq!(
        pins["tools"]["fake"]["get_chart"]["annotations"]["destructiveHint"],
        true
    );
    let out = gateway_check(&config);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!table.contains("withheld"), "{table}");
    let client = stdio_client(&config, Human::default()).await;
    assert_eq!(names(&client).await, every);
    // Destructive now, and this client cannot ask a human: denied, not run.
    let chart = client
        .call_tool(call("get_chart", json!({})))
        .await
        .unwrap();
    assert_eq!(body(&chart)["kind"], "denied", "{chart:?}");
    client.cancel().await.unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_hangup_reloads_the_configuration_without_dropping_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let env = format!("FAKE_UPSTREAM_PID = {:?}", pids.to_str().unwrap());
    let Some((config, log)) = fake_upstream_config_env(dir.path(), &env, "") else {
        return;
    };
    let stderr_path = dir.path().join("gateway.stderr");
    let transport = TokioChildProcess::builder(gateway_command(&config))
        .stderr(Stdio::from(std::fs::File::create(&stderr_path).unwrap()))
        .spawn()
        .unwrap()
        .0;
    let pid = transport.id().unwrap().to_string();
    let client = Human::default().serve(transport).await.unwrap();
    let before = ["get_chart", "get_totals", "read_page", "wait_for_report"];
    assert_eq!(names(&client).await, before);
    let hangup = || assert!(kill("-HUP", &pid));

    // The operator exposes `count_alerts` instead of `wait_for_report`, and reloads.
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[upstream.tools.wait_for_report]\n",
        "[upstream.tools.count_alerts]\n",
    );
    std::fs::write(&config, text).unwrap();
    hangup();
    let stderr = once_said(&stderr_path, "reloaded").await;
    assert!(
        stderr
            .contains("4 tools from 1 upstream(s): count_alerts, get_chart, get_totals, read_page"),
        "{stderr}"
    );
    // The same client, still connected, sees and calls the new set.
    assert_eq!(
        names(&client).await,
        ["count_alerts", "get_chart", "get_totals", "read_page"]
    );
    let alerts = client
        .call_tool(call("count_alerts", json!({})))
        .await
        .unwrap();
    assert_eq!(alerts.content[0].as_text().unwrap().text, "3");
    let hidden = client
        .call_tool(call("wait_for_report", json!({})))
        .await
        .unwrap_err();
    assert!(
        hidden
            .to_string()
            .contains("no tool named `wait_for_report`"),
        "{hidden}"
    );

    // A configuration that does not start keeps the last one serving.
    std::fs::write(&config, "[[upstream]]\nname = \"fake\"\n").unwrap();
    hangup();
    let stderr = once_said(&stderr_path, "reloading").await;
    assert!(
        stderr.contains("failed, so it serves as before"),
        "{stderr}"
    );
    let alerts = client
        .call_tool(call("count_alerts", json!({})))
        .await
        .unwrap();
    assert_ne!(alerts.is_error, Some(true), "{alerts:?}");
    // The upstream was started anew for the reload, and the one before it stopped.
    let upstream_log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(upstream_log.matches("\"initialize\"").count(), 2);
    let started = std::fs::read_to_string(&pids).unwrap();
    let first = started.lines().next().unwrap().trim().to_owned();
    let mut gone = false;
    for _ in 0..100 {
        if !kill("-0", &first) {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        gone,
        "the upstream the reload replaced still runs ({started})"
    );
    client.cancel().await.unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn over_http_a_reload_takes_the_new_tokens_and_revokes_the_old_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let head = "[principals.ops]\ntokens = [\"old-token-0123456789ab\"]\n";
    let Some((config, _)) = fake_upstream_config_with(dir.path(), head, "", "") else {
        return;
    };
    let (mut child, url) = http_gateway(&config).await;
    let pid = child.id().unwrap().to_string();
    let connected = http_client(&url, "old-token-0123456789ab").await.unwrap();
    assert!(http_client(&url, "new-token-0123456789ab").await.is_err());

    // The old token is revoked and a new one given; the gateway reloads.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("old-token-0123456789ab", "new-token-0123456789ab");
    std::fs::write(&config, text).unwrap();
    assert!(kill("-HUP", &pid));
    let mut fresh = None;
    for _ in 0..100 {
        if let Ok(client) = http_client(&url, "new-token-0123456789ab").await {
            fresh = Some(client);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let fresh = fresh.expect("the new token is taken after the reload");
    assert_eq!(
        names(&fresh).await,
        ["get_chart", "get_totals", "read_page", "wait_for_report"]
    );
    assert!(http_client(&url, "old-token-0123456789ab").await.is_err());
    // A session opened with the revoked token gets nothing more.
    assert!(connected.list_all_tools().await.is_err());
    fresh.cancel().await.unwrap();
    child.kill().await.unwrap();
}

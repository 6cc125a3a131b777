//! `toolwright lint` end to end: the binary on JSON files, and over stdio against this repo's
//! `examples/mcp_server`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn toolwright(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_toolwright"))
        .args(args)
        .output()
        .expect("run toolwright")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).expect("json")).expect("write");
    path
}

/// A `tools/list` result with one poor tool (a restating parameter, a lone-word name) and one good.
fn mixed_tools() -> Value {
    json!({"tools": [
        {
            "name": "getPullRequest",
            "description": "Get a pull request with its title, state, author and diff stats.",
            "inputSchema": {"type": "object", "properties": {
                "pullNumber": {"type": "number", "description": "The pull request number"},
                "repo": {"type": "string", "description": "Repository in owner/name form, e.g. rust-lang/rust"}
            }}
        },
        {
            "name": "echo",
            "description": "Echo the given message back to the caller unchanged.",
            "inputSchema": {"type": "object", "properties": {
                "message": {"type": "string", "description": "Text to send back, up to 1000 characters"}
            }}
        },
        {
            "name": "search-issues",
            "description": "Search issues and pull requests across GitHub. Returns number, title, state and URL of each match.",
            "annotations": {"readOnlyHint": true},
            "inputSchema": {"type": "object", "properties": {
                "q": {"type": "string", "description": "GitHub search syntax, e.g. is:open label:bug"}
            }}
        }
    ]})
}

#[test]
fn findings_in_a_file_are_tabled_and_exit_with_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_json(dir.path(), "tools.json", &mixed_tools());
    let out = toolwright(&["lint", path.to_str().expect("utf-8 path")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("getPullRequest\n  param pullNumber  param_restates_name"),
        "{text}"
    );
    assert!(
        text.contains("\"The pull request number\""),
        "the message quotes the text: {text}"
    );
    assert!(text.contains("echo\n  name"), "{text}");
    assert!(text.contains("lone_word"), "{text}");
    assert!(
        !text.contains("search-issues"),
        "a good tool is not listed: {text}"
    );
    assert!(
        !text.contains("name_format"),
        "camelCase and hyphens are fine for MCP: {text}"
    );
    assert!(
        text.contains("3 tools, 2 with findings; 2 findings"),
        "{text}"
    );
}

#[test]
fn json_output_lists_every_finding_for_ci() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_json(dir.path(), "tools.json", &mixed_tools());
    let out = toolwright(&["lint", "--json", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(report["tools"], 3);
    assert_eq!(report["tools_with_findings"], 2);
    let findings = report["findings"].as_array().expect("findings");
    let keys: Vec<(&str, &str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["tool"].as_str().unwrap_or_default(),
                f["subject"].as_str().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("getPullRequest", "param", "param_restates_name"),
            ("echo", "name", "lone_word")
        ]
    );
    assert_eq!(findings[0]["param"], "pullNumber");
    assert!(findings[1]["param"].is_null());
}

#[test]
fn model_providers_function_declarations_are_linted_as_the_tools_they_declare() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (name, description) = ("archive_ticket", "Archive a ticket.");
    let schema = |string: &str, boolean: &str| {
        json!({"type": "object", "properties": {
            "ticketId": {"type": string, "description": "The ticket ID"},
            "notify": {"type": boolean, "description": "Whether to notify"}
        }})
    };
    let mcp = json!({"tools": [{"name": name, "description": description, "inputSchema": schema("string", "boolean")}]});
    let forms = [
        // OpenAI Chat Completions, as a request body.
        json!({"model": "gpt-5", "tools": [{"type": "function", "function": {
            "name": name, "description": description, "parameters": schema("string", "boolean")}}]}),
        // OpenAI Responses, with one of OpenAI's own tools beside it (nothing to lint).
        json!([{"type": "web_search"}, {"type": "function", "name": name, "description": description,
            "parameters": schema("string", "boolean"), "strict": true}]),
        // Anthropic, with one of Anthropic's own tools.
        json!([{"name": name, "description": description, "input_schema": schema("string", "boolean")},
            {"type": "bash_20250124", "name": "bash"}]),
        // Gemini, with its upper-case OpenAPI types.
        json!([{"functionDeclarations": [{"name": name, "description": description,
            "parameters": schema("STRING", "BOOLEAN")}]}]),
        // One Gemini tool on its own, and a Gemini request body.
        json!({"functionDeclarations": [{"name": name, "description": description,
            "parameters": schema("STRING", "BOOLEAN")}]}),
        json!({"contents": [], "tools": [{"function_declarations": [{"name": name,
            "description": description, "parameters": schema("STRING", "BOOLEAN")}]}]}),
    ];
    let report = |value: &Value| -> Value {
        let path = write_json(dir.path(), "tools.json", value);
        let out = toolwright(&["lint", "--json", path.to_str().expect("utf-8 path")]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        serde_json::from_slice(&out.stdout).expect("stdout is JSON")
    };
    let expected = report(&mcp);
    let rules: Vec<&str> = expected["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"short_description"), "{expected}");
    assert!(rules.contains(&"param_restates_name"), "{expected}");
    for form in &forms {
        assert_eq!(report(form), expected, "{form}");
    }
}

#[test]
fn allowed_rules_are_skipped_and_a_clean_list_exits_with_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A bare array of tools is accepted too.
    let tools = mixed_tools()["tools"].clone();
    let path = write_json(dir.path(), "array.json", &tools);
    let out = toolwright(&[
        "lint",
        "--allow",
        "lone_word,param_restates_name",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "3 tools: no findings\n");
}

#[test]
fn the_summary_counts_one_tool_and_one_finding_in_the_singular() {
    let dir = tempfile::tempdir().expect("tempdir");
    let echo = mixed_tools()["tools"][1].clone();
    let path = write_json(dir.path(), "one.json", &json!([echo]));
    let out = toolwright(&["lint", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with("\n1 tool, 1 with findings; 1 finding (lone_word 1)\n"),
        "{}",
        stdout(&out)
    );
    let out = toolwright(&[
        "lint",
        "--allow",
        "lone_word",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(stdout(&out), "1 tool: no findings\n");
}

/// The fix a finding suggests follows what the schema says a parameter holds: a boolean is
/// asked what `true` changes (whatever its plural name), an array what each item is, an `enum`
/// what each of its values does.
#[test]
fn suggested_fixes_follow_each_parameters_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tool = json!({
        "name": "plan_next_step",
        "description": "Plan the next step of a multi-step task and record it in the task log.",
        "inputSchema": {"type": "object", "properties": {
            "needsMoreSteps": {"type": "boolean", "description": "If more steps are needed"},
            "wantsMoreSteps": {"type": ["boolean", "string"], "description": "Whether it wants more steps"},
            "stepNames": {"type": "array", "items": {"type": "string"}, "description": "An array of step names to plan"},
            "pace": {"enum": ["slow", "fast"], "description": "The pace"}
        }}
    });
    let path = write_json(dir.path(), "typed.json", &json!([tool]));
    let out = toolwright(&["lint", "--json", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let message = |param: &str| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["param"] == param)
            .and_then(|f| f["message"].as_str())
            .unwrap_or_else(|| panic!("a finding on {param}: {report}"))
            .to_owned()
    };
    let flag = message("needsMoreSteps");
    assert!(
        flag.contains("what happens when `needsMoreSteps` is true"),
        "{flag}"
    );
    // A flag a coercing validator also takes as a string is still a flag, not a list.
    let coerced = message("wantsMoreSteps");
    assert!(
        coerced.contains("what happens when `wantsMoreSteps` is true"),
        "{coerced}"
    );
    let list = message("stepNames");
    assert!(list.contains("\"Step names: <what each one is>"), "{list}");
    assert!(!list.contains("shown to users"), "{list}");
    let choice = message("pace");
    assert!(choice.contains("(`slow`, `fast`)"), "{choice}");
}

#[test]
fn data_returning_tools_must_say_what_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tool = |extra: Value| {
        let mut t = json!({"name": "archive_ticket", "description": "Archive a support ticket so it leaves the open queue.", "inputSchema": {"type": "object"}});
        t.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        t
    };
    let silent = write_json(dir.path(), "silent.json", &json!([tool(json!({}))]));
    assert_eq!(
        toolwright(&["lint", silent.to_str().expect("path")])
            .status
            .code(),
        Some(0)
    );
    for extra in [
        json!({"outputSchema": {"type": "object"}}),
        json!({"annotations": {"readOnlyHint": true}}),
    ] {
        let path = write_json(dir.path(), "data.json", &json!([tool(extra)]));
        let out = toolwright(&["lint", path.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains("missing_returns"), "{}", stdout(&out));
    }
}

/// With `--json`, a run that cannot read the tools still prints one JSON object naming why, for
/// a CI step that parses the output.
#[test]
fn json_output_names_the_error_when_the_tools_cannot_be_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_json(dir.path(), "bad.json", &json!({"items": []}));
    for args in [
        vec!["lint", "--json", path.to_str().expect("path")],
        vec!["lint", "--json", "--stdio", "exit 3"],
        vec![
            "lint",
            "--json",
            "--allow",
            "no_such_rule",
            path.to_str().expect("path"),
        ],
    ] {
        let out = toolwright(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&out)));
        let error = report["error"].as_str().expect("an error message");
        assert!(!error.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(error),
            "the same words on stderr: {args:?}"
        );
    }
}

#[test]
fn unreadable_input_is_an_error_with_exit_two() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_json(dir.path(), "bad.json", &json!({"items": []}));
    let out = toolwright(&["lint", path.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"tools\" array"), "{err}");
    let out = toolwright(&[
        "lint",
        "--allow",
        "no_such_rule",
        path.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule `no_such_rule`"));
    let out = toolwright(&["lint", "--http", "localhost:3001/mcp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not an http:// or https:// URL"),
        "a URL without its scheme is refused before any connection"
    );
    let out = toolwright(&["lint", "--stdio", "exit 3"]);
    assert_eq!(out.status.code(), Some(2), "a server that dies is an error");
    let out = toolwright(&["lint"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a source is required (clap's usage error)"
    );
}

/// A web server on a loopback port that answers every request with `status` and an HTML page,
/// as a site does at a path where there is no MCP endpoint.
fn web_server(status: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<!DOCTYPE html><html><body><pre>Cannot POST /sse</pre></body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/sse")
}

#[test]
fn an_http_endpoint_that_cannot_be_reached_is_explained_in_plain_words() {
    let plain = |out: &Output| {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(!err.contains("rmcp::"), "no library internals: {err}");
        err
    };
    // A path with no MCP endpoint: the status, the likely cause, and no HTML.
    let err = plain(&toolwright(&[
        "lint",
        "--http",
        &web_server("404 Not Found"),
    ]));
    assert!(err.contains("HTTP 404") && err.contains("/mcp"), "{err}");
    assert!(err.contains("web page") && !err.contains("<html>"), "{err}");
    // A token is missing: say how to pass one.
    let err = plain(&toolwright(&[
        "lint",
        "--http",
        &web_server("401 Unauthorized"),
    ]));
    assert!(
        err.contains("HTTP 401") && err.contains("--bearer"),
        "{err}"
    );
    // Nothing listens: a refused connection, named with the address.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let url = format!("http://{free}/mcp");
    let err = plain(&toolwright(&["lint", "--http", &url, "--timeout", "10"]));
    assert!(
        err.contains(&format!("could not connect to {free}")),
        "{err}"
    );
}

#[test]
fn a_server_that_fails_to_start_is_reported_with_what_it_said() {
    // A server that exits at once with a message (a missing module, an unset key): the error
    // quotes the end of its stderr, which is hidden otherwise.
    let out = toolwright(&[
        "lint",
        "--stdio",
        "echo 'Error: Cannot find module @acme/mcp-servr' >&2; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Error: Cannot find module @acme/mcp-servr"),
        "{err}"
    );
    assert!(err.contains("--server-stderr"), "{err}");
    // A command that does not exist: the shell says so.
    let out = toolwright(&["lint", "--stdio", "no-such-mcp-server-3f9a"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-mcp-server-3f9a: not found"), "{err}");
}

/// The workspace's `examples/mcp_server`, built if it is not yet.
fn example_server() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .args([
            // The features `cargo test --workspace --all-features` built with: no rebuild.
            "build",
            "--quiet",
            "--workspace",
            "--all-features",
            "--example",
            "mcp_server",
        ])
        .status()
        .expect("run cargo");
    assert!(status.success(), "building examples/mcp_server");
    target.join("debug").join("examples").join("mcp_server")
}

#[test]
fn the_example_server_over_stdio_has_clean_tools() {
    let server = example_server();
    let command = format!("'{}' --grant '*'", server.display());
    let out = toolwright(&["lint", "--json", "--stdio", &command]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&text).expect("JSON");
    assert!(report["tools"].as_u64().is_some_and(|n| n >= 5), "{report}");
    assert_eq!(report["findings"], json!([]));
    // A narrower grant lists fewer tools: the lint sees what this principal sees.
    let command = format!("'{}' --grant kb:read", server.display());
    let narrow: Value =
        serde_json::from_slice(&toolwright(&["lint", "--json", "--stdio", &command]).stdout)
            .expect("JSON");
    assert!(
        narrow["tools"].as_u64() < report["tools"].as_u64(),
        "{narrow}"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let many: Vec<Value> = (0..2000)
        .map(|i| json!({"name": format!("tool{i}"), "description": "TODO"}))
        .collect();
    let path = write_json(dir.path(), "many.json", &json!(many));
    let mut child = Command::new(env!("CARGO_BIN_EXE_toolwright"))
        .args(["lint", path.to_str().expect("path")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("read");
    // stdout is closed here, long before the report is written.
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

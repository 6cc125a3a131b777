//! `toolwright report` over the quickstart's real `--json` audit output: figures that agree with
//! the records, names from the model that stay text, and a page Chromium draws with the figures.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const AUDIT: &str = "tests/fixtures/quickstart-audit.jsonl";
const TOOLS: &str = "tests/fixtures/quickstart-tools.json";

fn toolwright(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_toolwright"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_report(args: &[&str], stdin: &str) -> Value {
    let out = toolwright(&[&["report", "--json"], args].concat(), stdin);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

fn tool<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()
}

/// Final records per tool, counted straight from the JSON lines (no report code involved).
fn calls_per_tool(input: &str) -> BTreeMap<String, u64> {
    let mut calls = BTreeMap::new();
    for line in input.lines() {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if record["final_record"] == true && record["outcome"] != "unknown_tool" {
            *calls
                .entry(record["tool"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    calls
}

#[test]
fn every_called_tool_has_its_calls_outcomes_and_retries() {
    let audit = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(AUDIT)).unwrap();
    let report = json_report(&[AUDIT, "--tools", TOOLS], "");
    let expected = calls_per_tool(&audit);
    assert!(!expected.is_empty(), "the fixture has calls");
    let got: BTreeMap<String, u64> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["calls"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    for t in report["tools"].as_array().unwrap() {
        let outcomes: u64 = t["outcomes"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(outcomes, t["calls"].as_u64().unwrap(), "{}", t["name"]);
    }
    assert_eq!(
        tool(&report, "get_order_status")["retries"],
        1,
        "the slow first attempt was retried"
    );
    let search = tool(&report, "search_knowledge_base");
    assert_eq!(search["rate_limited"], 1);
    assert_eq!(search["outcomes"]["invalid_arguments"], 1);
    let delete = tool(&report, "delete_document");
    assert_eq!(
        delete["denials"], delete["calls"],
        "every delete was denied (--no)"
    );
    assert_eq!(delete["p95_ms"], Value::Null, "no body ran, so no latency");
    assert!(
        report["lines_skipped"].as_u64().unwrap() > 0,
        "the quickstart's prose is skipped"
    );
}

#[test]
fn declared_tools_never_called_unknown_names_and_failing_pointers_are_listed() {
    let report = json_report(&[AUDIT, "--tools", TOOLS], "");
    // issue_refund is declared (in the export) but hidden from the agent: its call is unknown.
    assert_eq!(report["never_called"], serde_json::json!(["issue_refund"]));
    assert_eq!(report["unknown_tools"][0]["name"], "issue_refund");
    let hot = &report["fails_validation"][0];
    assert_eq!(hot["tool"], "search_knowledge_base");
    let pointers: Vec<&str> = hot["top_pointers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/limit", "/query"]);
    let without_list = json_report(&[AUDIT], "");
    assert_eq!(without_list["never_called"], serde_json::json!([]));
}

#[test]
fn validation_hotspots_rank_by_share_and_join_array_items() {
    let line = |tool: &str, outcome: &str, pointers: &str| {
        format!(
            r#"{{"tool":"{tool}","outcome":"{outcome}","final_record":true,"error_pointers":{pointers}}}"#
        )
    };
    let input = [
        line(
            "a",
            "invalid_arguments",
            r#"["/items/0/sku","/items/3/sku"]"#,
        ),
        line("a", "invalid_arguments", r#"["/items/1/sku","/qty"]"#),
        line("a", "ok", "[]"),
        line("a", "ok", "[]"),
        line("a", "ok", "[]"),
        line("b", "invalid_arguments", r#"["/when"]"#),
        line("b", "ok", "[]"),
        // An attempt that was retried is not a call.
        r#"{"tool":"b","outcome":"timeout","final_record":false}"#.to_owned(),
    ]
    .join("\n");
    let report = json_report(&["-"], &input);
    let order: Vec<&str> = report["fails_validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["b", "a"],
        "1 of 2 calls (50%) is a worse share than 2 of 5 (40%)"
    );
    assert_eq!(
        report["fails_validation"][1]["top_pointers"][0],
        serde_json::json!({"name": "/items/*/sku", "count": 3})
    );
    assert_eq!(tool(&report, "b")["calls"], 2);
}

#[test]
fn names_from_the_model_stay_text_in_the_table_and_the_page() {
    let input = r#"{"tool":"</script><script>alert(1)</script>\u001b[2J","outcome":"failed"}"#;
    let table = toolwright(&["report"], input);
    assert!(table.status.success());
    assert!(
        !table.stdout.contains(&0x1b),
        "control characters are escaped"
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = toolwright(&["report", "--html", page.to_str().unwrap()], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "only the page's own two scripts close"
    );
}

#[test]
fn unreadable_input_is_an_error_with_exit_two() {
    let out = toolwright(&["report", "no/such/audit.jsonl"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open no/such/audit.jsonl"));
    let out = toolwright(&["report", AUDIT, "--tools", AUDIT], "");
    assert_eq!(out.status.code(), Some(2), "an audit log is no tool list");
}

/// Renders the page in headless Chromium (after its script ran) and reads the charts back.
#[test]
fn chromium_draws_every_tools_calls_and_latency() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run does)"
        );
        eprintln!("skipped: no chromium (install Debian's `chromium`)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = toolwright(
        &[
            "report",
            AUDIT,
            "--tools",
            TOOLS,
            "--html",
            page.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success());
    let report = json_report(&[AUDIT, "--tools", TOOLS], "");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    for t in report["tools"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let calls = t["calls"].as_u64().unwrap();
        // The outcome bars of a tool add up to its calls, and its label says so.
        let drawn: u64 = bars(&dom, "outcomes", name).iter().map(|(_, v)| v).sum();
        assert_eq!(drawn, calls, "{name}: {dom}");
        let label = if calls == 1 { "call" } else { "calls" };
        assert!(dom.contains(&format!(">{calls} {label}<")), "{name}");
        if let Some(p95) = t["p95_ms"].as_u64() {
            let latency = bars(&dom, "latency", name);
            assert!(
                latency.contains(&("p95".to_owned(), p95)),
                "{name}: {latency:?}"
            );
        }
    }
}

/// `(series, value)` of the bars drawn for `tool` inside `<svg id="{chart}">`.
fn bars(dom: &str, chart: &str, tool: &str) -> Vec<(String, u64)> {
    let start = dom
        .find(&format!("<svg id=\"{chart}\""))
        .expect("chart drawn");
    let svg = &dom[start..start + dom[start..].find("</svg>").unwrap()];
    svg.split("<rect ")
        .skip(1)
        .filter(|rect| rect.contains(&format!("data-tool=\"{tool}\"")))
        .map(|rect| {
            let attr = |name: &str| {
                let at = rect.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                rect[at..at + rect[at..].find('"').unwrap()].to_owned()
            };
            (attr("data-series"), attr("data-value").parse().unwrap())
        })
        .collect()
}

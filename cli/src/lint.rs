//! `toolwright lint`: the description rules of `#[tool]`, run on any server's tools.
//!
//! MCP tool names may use camelCase or hyphens, which providers accept; the name rules judge the
//! snake_case form and `name_format` (a Rust naming rule) is not applied. A tool must say what
//! it returns when it declares an `outputSchema` or is `readOnlyHint`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use serde_json::{Value, json};
use toolwright_lint::{
    Host, ParamKind, ParamText, Rule, Subject, ToolText, lint_tool_by_subject, to_snake_case,
};

use crate::source;

/// Where the tools come from and how to report them.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["file", "stdio", "http"])))]
pub struct LintArgs {
    /// A JSON file of tool definitions: a `tools/list` result, a model request body, or an array
    /// of tools (MCP tools, or OpenAI, Anthropic or Gemini function declarations).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Start an MCP server with this shell command and lint its tools,
    /// e.g. --stdio "npx -y @modelcontextprotocol/server-everything".
    #[arg(long, value_name = "COMMAND")]
    stdio: Option<String>,
    /// Lint the tools of a streamable HTTP MCP server at this URL.
    #[arg(long, value_name = "URL")]
    http: Option<String>,
    /// Bearer token sent to the --http server.
    #[arg(long, value_name = "TOKEN", requires = "http")]
    bearer: Option<String>,
    /// Print the findings as JSON (for CI) instead of a table.
    #[arg(long)]
    json: bool,
    /// Rules not to apply, by name (repeat or separate with commas), as `#[tool(allow(...))]`.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    allow: Vec<String>,
    /// Seconds to wait for the server to start and list its tools.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// Show the --stdio server's stderr.
    #[arg(long)]
    server_stderr: bool,
}

/// One finding, located.
pub(crate) struct Row {
    pub(crate) tool: String,
    pub(crate) subject: Subject,
    pub(crate) rule: Rule,
    pub(crate) message: String,
}

/// Runs `toolwright lint`: 0 when nothing is found, 1 when something is.
///
/// With `--json`, a run that could not read the tools (exit 2) still prints one JSON object,
/// `{"error": "…"}`, so a CI step that parses the output sees why.
pub fn run(args: LintArgs) -> Result<ExitCode> {
    let json = args.json;
    lint(args).inspect_err(|err| {
        if json {
            let _ = crate::print(&(json!({ "error": format!("{err:#}") }).to_string() + "\n"));
        }
    })
}

fn lint(args: LintArgs) -> Result<ExitCode> {
    let allowed = allowed_rules(&args.allow)?;
    let timeout = Duration::from_secs(args.timeout);
    let tools = if let Some(path) = &args.file {
        source::from_file(path)?
    } else {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            match (&args.stdio, &args.http) {
                (Some(command), _) => {
                    source::from_stdio(command, args.server_stderr, timeout).await
                }
                (None, Some(url)) => source::from_http(url, args.bearer.as_deref(), timeout).await,
                (None, None) => bail!("give a FILE, --stdio COMMAND or --http URL"),
            }
        })?
    };
    let rows: Vec<Row> = tools
        .iter()
        .flat_map(|tool| lint_one(tool, Host::Cli))
        .filter(|r| !allowed.contains(&r.rule))
        .collect();
    let report = if args.json {
        serde_json::to_string_pretty(&as_json(tools.len(), &rows))? + "\n"
    } else {
        table(tools.len(), &rows)
    };
    crate::print(&report)?;
    Ok(if rows.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub(crate) fn allowed_rules(names: &[String]) -> Result<Vec<Rule>> {
    names
        .iter()
        .map(|n| {
            Rule::from_name(n.trim()).ok_or_else(|| {
                let all: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
                anyhow::anyhow!("unknown rule `{n}`; rules: {}", all.join(", "))
            })
        })
        .collect()
}

/// The findings of one MCP tool object, worded for `host`.
pub(crate) fn lint_one(tool: &Value, host: Host) -> Vec<Row> {
    let name = tool["name"].as_str().unwrap_or_default();
    let returns_data = tool.get("outputSchema").is_some_and(|s| !s.is_null())
        || tool["annotations"]["readOnlyHint"] == Value::Bool(true);
    let params: Vec<ParamText<'_>> = tool["inputSchema"]["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| ParamText::new(k, v["description"].as_str()).kind(kind_of(v)))
                .collect()
        })
        .unwrap_or_default();
    let snake = to_snake_case(name);
    let text = ToolText {
        name: &snake,
        description: tool["description"].as_str(),
        returns_data,
        params: &params,
    };
    lint_tool_by_subject(&text)
        .into_iter()
        .filter(|(_, f)| f.rule != Rule::NameFormat)
        .map(|(subject, f)| Row {
            tool: name.to_string(),
            subject,
            rule: f.rule,
            message: f.message_in(host),
        })
        .collect()
}

/// What a property's JSON Schema says it holds: its `enum`, or its one non-null `type`. A
/// boolean or a number that may also come as a string (`["boolean", "string"]`, what coercing
/// validators such as zod's emit) holds the boolean or the number.
fn kind_of(schema: &Value) -> ParamKind {
    if let Some(values) = schema["enum"].as_array().filter(|v| !v.is_empty()) {
        return ParamKind::Choice(
            values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
        );
    }
    // Gemini's OpenAPI schemas spell types in upper case ("STRING").
    let types: Vec<String> = match &schema["type"] {
        Value::String(t) => vec![t.to_ascii_lowercase()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => Vec::new(),
    };
    let types: Vec<&str> = types.iter().map(String::as_str).collect();
    match types.iter().filter(|t| **t != "null").collect::<Vec<_>>()[..] {
        [&"boolean"] | [&"boolean", &"string"] | [&"string", &"boolean"] => ParamKind::Boolean,
        [&"integer" | &"number"]
        | [&"integer" | &"number", &"string"]
        | [&"string", &"integer" | &"number"] => ParamKind::Number,
        [&"string"] => ParamKind::Text,
        [&"array"] => ParamKind::List,
        [&"object"] => ParamKind::Object,
        _ => ParamKind::Unknown,
    }
}

pub(crate) fn subject_text(s: &Subject) -> String {
    match s {
        Subject::Name => "name".to_string(),
        Subject::Description => "description".to_string(),
        Subject::Param(p) => format!("param {p}"),
    }
}

fn as_json(tool_count: usize, rows: &[Row]) -> Value {
    let findings: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (subject, param) = match &r.subject {
                Subject::Name => ("name", None),
                Subject::Description => ("description", None),
                Subject::Param(p) => ("param", Some(p.as_str())),
            };
            json!({
                "tool": r.tool,
                "subject": subject,
                "param": param,
                "rule": r.rule.name(),
                "message": r.message,
            })
        })
        .collect();
    json!({
        "tools": tool_count,
        "tools_with_findings": tools_with_findings(rows),
        "findings": findings,
    })
}

fn tools_with_findings(rows: &[Row]) -> usize {
    let mut names: Vec<&str> = rows.iter().map(|r| r.tool.as_str()).collect();
    names.dedup();
    names.len()
}

/// The human report: each tool with findings, one finding a line, then a summary.
fn table(tool_count: usize, rows: &[Row]) -> String {
    let mut out = String::new();
    let subject_width = rows
        .iter()
        .map(|r| subject_text(&r.subject).len())
        .max()
        .unwrap_or(0);
    let rule_width = rows.iter().map(|r| r.rule.name().len()).max().unwrap_or(0);
    let mut current: Option<&str> = None;
    for r in rows {
        if current != Some(r.tool.as_str()) {
            if current.is_some() {
                out.push('\n');
            }
            out.push_str(&r.tool);
            out.push('\n');
            current = Some(&r.tool);
        }
        out.push_str(&format!(
            "  {:<subject_width$}  {:<rule_width$}  {}\n",
            subject_text(&r.subject),
            r.rule.name(),
            r.message
        ));
    }
    if rows.is_empty() {
        out.push_str(&format!("{}: no findings\n", counted(tool_count, "tool")));
    } else {
        let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for r in rows {
            *by_rule.entry(r.rule.name()).or_default() += 1;
        }
        let counts: Vec<String> = by_rule.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out.push_str(&format!(
            "\n{}, {} with findings; {} ({})\n",
            counted(tool_count, "tool"),
            tools_with_findings(rows),
            counted(rows.len(), "finding"),
            counts.join(", ")
        ));
    }
    out
}

/// `1 tool`, `2 tools`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

//! `toolwright init`: a starting gateway configuration for one MCP server, written from the
//! tools it lists. Every tool gets a table with the policy its annotations imply, written out
//! (so the file, not the upstream's next release, decides), and a permission of its kind:
//! `NAME:read` for read-only tools, `NAME:write` for the rest. The operator then deletes the
//! tables of tools to hide, names who may call what, and adds limits.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::gateway::{fitting_name, is_exposable};
use crate::source;

/// `toolwright init` options.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["stdio", "http"])))]
pub struct InitArgs {
    /// Start an MCP server with this shell command and configure its tools, e.g.
    /// --stdio "npx -y @modelcontextprotocol/server-filesystem /srv/docs".
    #[arg(long, value_name = "COMMAND")]
    stdio: Option<String>,
    /// Configure the tools of a streamable HTTP MCP server at this URL.
    #[arg(long, value_name = "URL")]
    http: Option<String>,
    /// An environment variable holding the bearer token for the --http server: read now to
    /// list its tools, and named in the configuration (the token stays out of the file).
    #[arg(long, value_name = "VAR", requires = "http")]
    bearer_env: Option<String>,
    /// The upstream's short name: prefix of the exposed tools (`NAME_`) and of the permissions.
    #[arg(long, default_value = "server")]
    name: String,
    /// Seconds to wait for the server to start and list its tools.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// Show the --stdio server's stderr.
    #[arg(long)]
    server_stderr: bool,
}

/// Lists the server's tools and prints the configuration.
pub fn run(args: InitArgs) -> Result<std::process::ExitCode> {
    if !is_exposable(&args.name) {
        bail!(
            "--name `{}` must be 1 to 64 letters, digits, `_` or `-`: it prefixes tool names",
            args.name
        );
    }
    let upstream = match (&args.stdio, &args.http) {
        (Some(command), _) => Upstream::Stdio(command),
        (None, Some(url)) => Upstream::Http {
            url,
            bearer_env: args.bearer_env.as_deref(),
        },
        (None, None) => bail!("give --stdio COMMAND or --http URL"),
    };
    let timeout = Duration::from_secs(args.timeout);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let tools = runtime.block_on(async {
        match &upstream {
            Upstream::Stdio(command) => {
                source::from_stdio(command, args.server_stderr, timeout).await
            }
            Upstream::Http { url, bearer_env } => {
                let bearer =
                    match bearer_env {
                        Some(var) => Some(std::env::var(var).with_context(|| {
                            format!("--bearer-env {var}: the variable is not set")
                        })?),
                        None => None,
                    };
                source::from_http(url, bearer.as_deref(), timeout).await
            }
        }
    })?;
    crate::print(&configuration(&args.name, &upstream, &tools))?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Where the server runs, as the configuration will say.
enum Upstream<'a> {
    Stdio(&'a str),
    Http {
        url: &'a str,
        bearer_env: Option<&'a str>,
    },
}

/// A TOML string: quoted and escaped.
fn string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// A TOML key: bare when it can be, quoted otherwise (`"reports.latest"`).
fn key(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        s.to_owned()
    } else {
        string(s)
    }
}

/// The configuration for `tools` (a `tools/list` answer's tools) of one upstream.
fn configuration(name: &str, upstream: &Upstream<'_>, tools: &[Value]) -> String {
    let (read, write) = (format!("{name}:read"), format!("{name}:write"));
    let mut out = String::new();
    let source = match upstream {
        Upstream::Stdio(command) => format!("`{command}`"),
        Upstream::Http { url, .. } => format!("<{url}>"),
    };
    let _ = writeln!(
        out,
        "# A toolwright gateway configuration for the {} tools of {source},\n\
         # written by `toolwright init` from their annotations. Edit it before use: delete the\n\
         # table of each tool to hide (tools not listed are hidden), say who may call what, and add\n\
         # `rate_limit = \"30/min\"`, `timeout = \"10s\"` or `secret = [\"token\"]` where they fit.\n\
         # Check it with `toolwright gateway --check --config FILE`.\n",
        tools.len()
    );
    let _ = writeln!(
        out,
        "# Audit records, one JSON object a line (relative to this file).\naudit = \"audit.jsonl\"\n"
    );
    let _ = writeln!(
        out,
        "# The tools' definitions as first served (relative to this file): a later release that\n\
         # lists a tool otherwise gets it withheld until `toolwright gateway --pin` accepts it.\n\
         pins = {}\n",
        string(&format!("{name}.pins.json"))
    );
    let _ = writeln!(
        out,
        "# The principal a stdio client acts as. Over HTTP, give principals `token_env` instead.\n\
         stdio_principal = \"me\"\n\n[principals.me]\npermissions = [{}, {}]\n",
        string(&read),
        string(&write)
    );
    let _ = writeln!(out, "[[upstream]]\nname = {}", string(name));
    match upstream {
        Upstream::Stdio(command) => {
            let _ = writeln!(out, "command = [\"sh\", \"-c\", {}]", string(command));
        }
        Upstream::Http { url, bearer_env } => {
            let _ = writeln!(out, "url = {}", string(url));
            if let Some(var) = bearer_env {
                let _ = writeln!(out, "bearer_env = {}", string(var));
            }
        }
    }
    let prefix = prefix_for(name, tools);
    if prefix.is_empty() {
        let _ = writeln!(
            out,
            "# No prefix: every tool's name already starts with `{name}`.\nprefix = \"\""
        );
    } else {
        let _ = writeln!(out, "prefix = {}", string(&prefix));
    }
    for tool in tools {
        out.push('\n');
        out.push_str(&tool_table(&prefix, tool, &read, &write));
    }
    out
}

/// The prefix of the exposed names: `NAME_`, unless every tool's name already starts with the
/// upstream's name and a separator (`git_status` of upstream `git`), which would read twice.
fn prefix_for(name: &str, tools: &[Value]) -> String {
    let named = |tool: &Value| {
        let tool_name = tool["name"].as_str().unwrap_or_default().to_lowercase();
        tool_name
            .strip_prefix(&name.to_lowercase())
            .is_some_and(|rest| rest.starts_with(['_', '-', '.']) && rest.len() > 1)
    };
    if !tools.is_empty() && tools.iter().all(named) {
        String::new()
    } else {
        format!("{name}_")
    }
}

/// One tool's table: its policy as its annotations imply it, written out.
fn tool_table(prefix: &str, tool: &Value, read: &str, write: &str) -> String {
    let tool_name = tool["name"].as_str().unwrap_or_default();
    let hint = |k: &str| tool["annotations"][k].as_bool();
    let read_only = hint("readOnlyHint") == Some(true);
    let destructive = !read_only && hint("destructiveHint").unwrap_or(true);
    let mut out = String::new();
    let why = if read_only {
        "readOnlyHint: true".to_owned()
    } else if destructive {
        match hint("destructiveHint") {
            Some(true) => "destructiveHint: true, so a human approves every call".to_owned(),
            _ => "no annotation says it only reads or is harmless, so it is treated as \
                  destructive: a human approves every call"
                .to_owned(),
        }
    } else {
        "destructiveHint: false: it writes, without a human's yes".to_owned()
    };
    let described = tool["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty());
    // Without a description the gateway refuses the tool: the table stays commented out until
    // one is written.
    let hash = if described { "" } else { "# " };
    if !described {
        let _ = writeln!(
            out,
            "# The upstream gives `{tool_name}` no description; write one to expose it:"
        );
    }
    let _ = writeln!(out, "# {why}");
    let _ = writeln!(out, "{hash}[upstream.tools.{}]", key(tool_name));
    let exposed = format!("{prefix}{tool_name}");
    if !is_exposable(&exposed) {
        let _ = writeln!(out, "{hash}expose_as = {}", string(&fitting_name(&exposed)));
    }
    if !described {
        let _ = writeln!(out, "{hash}description = \"…\"");
    }
    let _ = writeln!(
        out,
        "{hash}permissions = [{}]",
        string(if read_only { read } else { write })
    );
    if read_only {
        let _ = writeln!(out, "{hash}read_only = true");
    } else {
        let _ = writeln!(out, "{hash}destructive = {destructive}");
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::gateway::Config;

    #[test]
    fn every_tool_gets_the_policy_its_annotations_imply_and_the_file_loads() {
        let tools = [
            json!({"name": "read_file", "description": "Read a file. Returns its text.",
                   "annotations": {"readOnlyHint": true}}),
            json!({"name": "write_file", "description": "Write a file. Returns its size.",
                   "annotations": {"destructiveHint": true}}),
            json!({"name": "append_note", "description": "Append a note. Returns its id.",
                   "annotations": {"readOnlyHint": false, "destructiveHint": false}}),
            json!({"name": "run", "description": "Run a command. Returns its output."}),
            json!({"name": "reports.latest", "description": "Read the latest report.",
                   "annotations": {"readOnlyHint": true}}),
            json!({"name": "count_tickets", "annotations": {"readOnlyHint": true}}),
        ];
        let text = configuration("fs", &Upstream::Stdio("npx -y \"srv\" /tmp"), &tools);
        let config: Config = toml::from_str(&text).expect(&text);
        let upstream = &config.upstreams[0];
        assert_eq!(
            upstream.command.as_deref().unwrap(),
            ["sh", "-c", "npx -y \"srv\" /tmp"]
        );
        assert_eq!(upstream.prefix, "fs_");
        let policy = |n: &str| &upstream.tools[n];
        assert_eq!(policy("read_file").read_only, Some(true));
        assert_eq!(policy("read_file").permissions, ["fs:read"]);
        assert_eq!(policy("write_file").destructive, Some(true));
        assert_eq!(policy("write_file").permissions, ["fs:write"]);
        assert_eq!(policy("append_note").destructive, Some(false));
        // No annotation: deny by default.
        assert_eq!(policy("run").destructive, Some(true));
        assert_eq!(
            policy("reports.latest").expose_as.as_deref(),
            Some("fs_reports_latest")
        );
        // A tool without a description is left commented out, with the way to expose it.
        assert!(!upstream.tools.contains_key("count_tickets"));
        assert!(text.contains("# [upstream.tools.count_tickets]"), "{text}");
        assert!(
            text.contains("no description; write one to expose it"),
            "{text}"
        );
        let principal = &config.principals["me"];
        assert_eq!(principal.permissions, ["fs:read", "fs:write"]);
    }

    #[test]
    fn tools_already_named_after_the_upstream_get_no_second_prefix() {
        let tool = |name: &str| {
            json!({"name": name, "description": "Show the working tree status. Returns it.",
                   "annotations": {"readOnlyHint": true}})
        };
        let named = [tool("git_status"), tool("git-log"), tool("Git_Diff")];
        let text = configuration("git", &Upstream::Stdio("mcp-server-git"), &named);
        let config: Config = toml::from_str(&text).expect(&text);
        assert_eq!(config.upstreams[0].prefix, "", "{text}");
        assert!(text.contains("already starts with `git`"), "{text}");
        // One tool that does not, or a tool named just like the upstream, keeps the prefix.
        for other in [tool("status"), tool("git")] {
            let tools = [tool("git_status"), other];
            let text = configuration("git", &Upstream::Stdio("mcp-server-git"), &tools);
            let config: Config = toml::from_str(&text).expect(&text);
            assert_eq!(config.upstreams[0].prefix, "git_", "{text}");
        }
    }

    #[test]
    fn an_http_server_keeps_its_token_out_of_the_file() {
        let text = configuration(
            "gh",
            &Upstream::Http {
                url: "https://example.com/mcp",
                bearer_env: Some("GH_TOKEN"),
            },
            &[],
        );
        let config: Config = toml::from_str(&text).expect(&text);
        let upstream = &config.upstreams[0];
        assert_eq!(upstream.url.as_deref(), Some("https://example.com/mcp"));
        assert_eq!(upstream.bearer_env.as_deref(), Some("GH_TOKEN"));
        assert!(upstream.command.is_none());
    }
}

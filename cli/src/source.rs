//! Where tool definitions come from: a JSON file (a `tools/list` result, a JSON-RPC response
//! holding one, a model request body, or a bare array of tools, MCP tools or providers' function
//! declarations), or a live MCP server over stdio or streamable HTTP, listed through rmcp's
//! client. Every source yields the tools as MCP JSON objects.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use rmcp::ServiceExt;
use rmcp::service::ClientInitializeError;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::TokioChildProcess;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Reads tool definitions from a JSON file.
pub fn from_file(path: &Path) -> Result<Vec<Value>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    tools_of(json).with_context(|| format!("in {}", path.display()))
}

/// The tools of a `tools/list` result (`{"tools": [...]}`), of a JSON-RPC response holding one
/// (`{"result": {"tools": [...]}}`), of a model request body (`{"model": …, "tools": [...]}`), of
/// a bare array, or of one Gemini tool (`{"functionDeclarations": [...]}`). Each tool is an MCP
/// tool or a model provider's function declaration, read as the MCP tool it declares: OpenAI
/// Chat Completions (`{"type": "function", "function": {…}}`), OpenAI Responses (`{"type":
/// "function", "name", "parameters"}`), Anthropic (`input_schema`) and Gemini
/// (`{"functionDeclarations": [...]}`); the providers' own tools (web search, code execution)
/// are left out.
pub fn tools_of(json: Value) -> Result<Vec<Value>> {
    const EXPECTED: &str = "expected a `tools/list` result (an object with a \"tools\" array), a \
         Gemini tool (an object with \"functionDeclarations\") or an array of tools";
    let list = match json {
        // One Gemini tool: read below as its function declarations.
        json if declarations(&json).is_some() => vec![json],
        Value::Array(tools) => tools,
        Value::Object(mut o) => match (o.remove("tools"), o.remove("result")) {
            (Some(Value::Array(tools)), _) => tools,
            (_, Some(result)) => return tools_of(result),
            _ => bail!(EXPECTED),
        },
        _ => bail!(EXPECTED),
    };
    let mut tools = Vec::with_capacity(list.len());
    for tool in list.into_iter().filter(|t| !is_built_in(t)) {
        match declarations(&tool) {
            Some(declared) => tools.extend(declared.iter().cloned().map(as_mcp_tool)),
            None => tools.push(as_mcp_tool(tool)),
        }
    }
    for (i, tool) in tools.iter().enumerate() {
        if !tool.get("name").is_some_and(Value::is_string) {
            bail!("tool {i} has no \"name\" string");
        }
    }
    Ok(tools)
}

/// A provider's own tool in a request (OpenAI's `{"type": "web_search"}`, Anthropic's
/// `{"type": "bash_20250124", "name": "bash"}`): its description is the provider's, nothing to
/// lint. Function and custom tools are the caller's.
fn is_built_in(tool: &Value) -> bool {
    tool.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| !matches!(t, "function" | "custom"))
}

/// The function declarations of a Gemini tool entry (REST's spelling, and the Python SDK's).
fn declarations(tool: &Value) -> Option<&Vec<Value>> {
    ["functionDeclarations", "function_declarations"]
        .iter()
        .find_map(|key| tool.get(key)?.as_array())
}

/// A provider's function declaration as the MCP tool it declares; an MCP tool as it is.
fn as_mcp_tool(tool: Value) -> Value {
    let Value::Object(mut tool) = tool else {
        return tool;
    };
    // OpenAI Chat Completions nests the function in its entry.
    if tool.get("type").and_then(Value::as_str) == Some("function")
        && let Some(Value::Object(function)) = tool.remove("function")
    {
        tool = function;
    }
    if !tool.contains_key("inputSchema") {
        let schema = ["parameters", "input_schema", "parametersJsonSchema"]
            .iter()
            .find_map(|key| tool.remove(*key));
        if let Some(schema) = schema {
            tool.insert("inputSchema".to_owned(), schema);
        }
    }
    Value::Object(tool)
}

/// Starts `command` with the shell, speaks MCP to it over stdin/stdout, and lists its tools.
/// The server's stderr is shown only when `show_stderr` is set; otherwise a failure quotes
/// its last lines.
pub async fn from_stdio(command: &str, show_stderr: bool, timeout: Duration) -> Result<Vec<Value>> {
    let mut cmd = shell(command);
    cmd.kill_on_drop(true);
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(if show_stderr {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .spawn()
        .with_context(|| format!("starting `{command}`"))?;
    let tail = stderr.map(StderrTail::keep);
    match list(transport, timeout).await {
        Ok(tools) => Ok(tools),
        Err(e) => {
            let said = match tail {
                Some(tail) => tail.said("--server-stderr").await,
                None => String::new(),
            };
            Err(e.context(format!("listing the tools of `{command}`{said}")))
        }
    }
}

/// The last lines a child process wrote on its stderr, kept for an error message while the
/// rest is read and dropped (so the child never blocks on a full pipe).
pub struct StderrTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl StderrTail {
    /// Lines kept, and characters kept of each.
    const LINES: usize = 10;
    const LINE_CHARS: usize = 300;

    /// Starts reading `stderr` in the background.
    pub fn keep(stderr: impl AsyncRead + Unpin + Send + 'static) -> Self {
        let lines = Arc::new(Mutex::new(VecDeque::new()));
        let kept = lines.clone();
        let reader = tokio::spawn(async move {
            let mut reader = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let line: String = line.trim_end().chars().take(Self::LINE_CHARS).collect();
                if line.is_empty() {
                    continue;
                }
                if let Ok(mut kept) = kept.lock() {
                    if kept.len() == Self::LINES {
                        kept.pop_front();
                    }
                    kept.push_back(line);
                }
            }
        });
        Self { lines, reader }
    }

    /// What the process said, for an error message: `" (its stderr ended with: …; FLAG shows
    /// all of it)"`, or that it said nothing. Waits briefly for a process that just exited to
    /// be read to the end.
    pub async fn said(self, flag: &str) -> String {
        let _ = tokio::time::timeout(Duration::from_millis(500), self.reader).await;
        let lines: Vec<String> = self
            .lines
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default();
        if lines.is_empty() {
            " (it wrote nothing on stderr)".to_owned()
        } else {
            format!(
                " (its stderr ended with: {}; {flag} shows all of it)",
                lines.join(" | ")
            )
        }
    }
}

/// Refuses anything but an absolute `http` or `https` URL, before a connection is tried.
pub fn check_http_url(url: &str) -> Result<()> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => bail!("`{url}` is not an http:// or https:// URL of an MCP endpoint"),
    }
}

/// Connects to a streamable HTTP MCP endpoint and lists its tools.
pub async fn from_http(url: &str, bearer: Option<&str>, timeout: Duration) -> Result<Vec<Value>> {
    check_http_url(url)?;
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(token) = bearer {
        config = config.auth_header(token.to_string());
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    list(transport, timeout)
        .await
        .map_err(|e| match http_failure(&*e, "--bearer TOKEN") {
            Some(why) => anyhow!("{why}"),
            None => e,
        })
        .with_context(|| format!("listing the tools of {url}"))
}

/// Why an MCP endpoint could not be reached over HTTP, in words a user can act on, when the
/// error says (rmcp's own wording names its internal types): no connection, a timeout, or the
/// HTTP status the server answered, with what usually causes it. `auth` names how to pass a
/// token.
pub fn http_failure(error: &(dyn std::error::Error + 'static), auth: &str) -> Option<String> {
    type HttpError = rmcp::transport::streamable_http_client::StreamableHttpError<reqwest::Error>;
    let mut next = Some(error);
    while let Some(e) = next {
        // The handshake's error does not name the transport's as its source.
        if let Some(ClientInitializeError::TransportError { error, .. }) = e.downcast_ref() {
            next = Some(error);
            continue;
        }
        if let Some(e) = e.downcast_ref::<reqwest::Error>() {
            return Some(from_reqwest(e));
        }
        match e.downcast_ref::<HttpError>() {
            Some(HttpError::Client(e)) => return Some(from_reqwest(e)),
            Some(HttpError::HttpStatus(status)) => {
                return Some(from_status(status.status, "", auth));
            }
            Some(HttpError::AuthRequired(_) | HttpError::InsufficientScope(_)) => {
                return Some(from_status(401, "", auth));
            }
            Some(HttpError::UnexpectedServerResponse(said)) => {
                // rmcp writes a refused request as "HTTP <status line>: <body>".
                let status = said
                    .strip_prefix("HTTP ")
                    .and_then(|rest| rest.get(..3))
                    .and_then(|code| code.parse::<u16>().ok());
                let body = said.split_once(": ").map_or("", |(_, body)| body);
                return Some(match status {
                    Some(code) => from_status(code, body, auth),
                    None => format!("the server's answer is not MCP ({})", excerpt(said)),
                });
            }
            Some(HttpError::UnexpectedContentType(kind)) => {
                return Some(format!(
                    "the server answered with {}, neither JSON nor an event stream: is this the URL of an MCP endpoint?",
                    kind.as_deref().unwrap_or("no content type")
                ));
            }
            _ => {}
        }
        next = e.source();
    }
    None
}

fn from_reqwest(e: &reqwest::Error) -> String {
    let to = e
        .url()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| "the server".to_owned());
    // The innermost cause says it best ("Connection refused", "dns error: …").
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    if e.is_timeout() {
        format!("{to} did not answer in time")
    } else if e.is_connect() {
        format!("could not connect to {to} ({cause})")
    } else {
        format!("the request to {to} failed ({cause})")
    }
}

fn from_status(code: u16, body: &str, auth: &str) -> String {
    let hint = match code {
        401 | 403 => format!("the server wants a valid token: pass one with {auth}"),
        404 => "no MCP endpoint at this path (streamable HTTP endpoints are usually at /mcp)"
            .to_owned(),
        405 => "the endpoint does not take POST requests; a server that only speaks the older HTTP+SSE transport is not supported"
            .to_owned(),
        _ => "the server refused the MCP handshake".to_owned(),
    };
    match excerpt(body) {
        said if said.is_empty() => format!("the server answered HTTP {code}: {hint}"),
        said => format!("the server answered HTTP {code}: {hint} ({said})"),
    }
}

/// What a server said, on one line: at most 160 characters of it, or only that it sent a web
/// page.
fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.starts_with('<') {
        return "it sent a web page".to_owned();
    }
    if text.is_empty() {
        return String::new();
    }
    let line = format!(
        "it said: {}",
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    match line.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

async fn list<T, E, A>(transport: T, timeout: Duration) -> Result<Vec<Value>>
where
    T: rmcp::transport::IntoTransport<rmcp::RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let session = async {
        let client = ().serve(transport).await.context("MCP handshake")?;
        let tools = client.list_all_tools().await.context("tools/list")?;
        let _ = client.cancel().await;
        anyhow::Ok(tools)
    };
    let tools = tokio::time::timeout(timeout, session)
        .await
        .with_context(|| format!("no answer within {}s", timeout.as_secs()))??;
    tools_of(serde_json::to_value(tools).context("encoding the listed tools")?)
}

#[cfg(unix)]
fn shell(command: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c").arg(command);
    cmd
}

#[cfg(windows)]
fn shell(command: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("cmd");
    cmd.arg("/C").arg(command);
    cmd
}

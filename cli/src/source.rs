//! Where tool definitions come from: a JSON file (a `tools/list` result, a JSON-RPC response
//! holding one, or a bare array of tools), or a live MCP server over stdio or streamable HTTP,
//! listed through rmcp's client. Every source yields the tools as MCP JSON objects.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rmcp::ServiceExt;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::TokioChildProcess;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;

/// Reads tool definitions from a JSON file.
pub fn from_file(path: &Path) -> Result<Vec<Value>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    tools_of(json).with_context(|| format!("in {}", path.display()))
}

/// The tools of a `tools/list` result (`{"tools": [...]}`), of a JSON-RPC response holding one
/// (`{"result": {"tools": [...]}}`), or of a bare array.
pub fn tools_of(json: Value) -> Result<Vec<Value>> {
    let list = match json {
        Value::Array(tools) => tools,
        Value::Object(mut o) => match (o.remove("tools"), o.remove("result")) {
            (Some(Value::Array(tools)), _) => tools,
            (_, Some(result)) => return tools_of(result),
            _ => bail!(
                "expected a `tools/list` result (an object with a \"tools\" array) or an array of tools"
            ),
        },
        _ => bail!(
            "expected a `tools/list` result (an object with a \"tools\" array) or an array of tools"
        ),
    };
    for (i, tool) in list.iter().enumerate() {
        if !tool.get("name").is_some_and(Value::is_string) {
            bail!("tool {i} has no \"name\" string");
        }
    }
    Ok(list)
}

/// Starts `command` with the shell, speaks MCP to it over stdin/stdout, and lists its tools.
/// The server's stderr is shown only when `show_stderr` is set.
pub async fn from_stdio(command: &str, show_stderr: bool, timeout: Duration) -> Result<Vec<Value>> {
    let mut cmd = shell(command);
    cmd.kill_on_drop(true);
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(if show_stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .with_context(|| format!("starting `{command}`"))?;
    list(transport, timeout)
        .await
        .with_context(|| format!("listing the tools of `{command}`"))
}

/// Connects to a streamable HTTP MCP endpoint and lists its tools.
pub async fn from_http(url: &str, bearer: Option<&str>, timeout: Duration) -> Result<Vec<Value>> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(token) = bearer {
        config = config.auth_header(token.to_string());
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    list(transport, timeout)
        .await
        .with_context(|| format!("listing the tools of {url}"))
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

//! One upstream MCP server, reached through rmcp's client: started (stdio) or connected to
//! (streamable HTTP) at gateway start to list its tools, and again, lazily, on the next call
//! after its connection broke (a crashed stdio server is restarted then). Calls map onto the
//! gateway's structured errors: a transport failure is `unavailable` (the circuit breaker
//! counts it), a tool error (`isError: true`) or a protocol error is `failed`.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;
use toolwright::{ErrorKind, ToolError};

use super::config::{Transport, Upstream as UpstreamConfig};

type Client = RunningService<RoleClient, ()>;

/// How to reach one upstream, and its current connection.
pub struct Upstream {
    name: String,
    connect: Connect,
    client: Mutex<Option<Arc<Client>>>,
}

enum Connect {
    Stdio {
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
        show_stderr: bool,
    },
    Http {
        url: String,
        bearer: Option<String>,
    },
}

impl Upstream {
    /// From the configuration (nothing is started yet).
    pub fn new(config: &UpstreamConfig, show_stderr: bool) -> Result<Self> {
        let connect = match config.transport()? {
            Transport::Stdio { program, args } => Connect::Stdio {
                program: program.to_owned(),
                args: args.to_vec(),
                env: config
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                show_stderr,
            },
            Transport::Http { url } => Connect::Http {
                url: url.to_owned(),
                bearer: match &config.bearer_env {
                    Some(var) => Some(std::env::var(var).with_context(|| {
                        format!(
                            "upstream `{}`: the environment variable `{var}` (bearer_env) is not set",
                            config.name
                        )
                    })?),
                    None => None,
                },
            },
        };
        Ok(Self {
            name: config.name.clone(),
            connect,
            client: Mutex::new(None),
        })
    }

    /// The upstream's name in the configuration.
    pub fn name(&self) -> &str {
        &self.name
    }

    async fn start(&self) -> Result<Client> {
        match &self.connect {
            Connect::Stdio {
                program,
                args,
                env,
                show_stderr,
            } => {
                let mut cmd = tokio::process::Command::new(program);
                cmd.args(args).envs(env.iter().cloned()).kill_on_drop(true);
                let (transport, _) = TokioChildProcess::builder(cmd)
                    .stderr(if *show_stderr {
                        Stdio::inherit()
                    } else {
                        Stdio::null()
                    })
                    .spawn()
                    .with_context(|| format!("starting `{program}`"))?;
                let hint = if *show_stderr {
                    "MCP handshake"
                } else {
                    "MCP handshake (--upstream-stderr shows the server's own messages)"
                };
                Ok(().serve(transport).await.context(hint)?)
            }
            Connect::Http { url, bearer } => {
                let mut config = StreamableHttpClientTransportConfig::with_uri(url.clone());
                if let Some(token) = bearer {
                    config = config.auth_header(token.clone());
                }
                let transport = StreamableHttpClientTransport::from_config(config);
                Ok(().serve(transport).await.context("MCP handshake")?)
            }
        }
    }

    /// The live connection, (re)started when there is none or the last one closed.
    async fn client(&self) -> Result<Arc<Client>> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref()
            && !client.is_transport_closed()
        {
            return Ok(client.clone());
        }
        *slot = None;
        let client = Arc::new(self.start().await?);
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Forgets `client` if it is still the current connection, so the next call reconnects.
    async fn drop_client(&self, client: &Arc<Client>) {
        let mut slot = self.client.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, client)) {
            *slot = None;
        }
    }

    /// Connects and lists every tool, as MCP JSON objects.
    pub async fn list_tools(&self, timeout: Duration) -> Result<Vec<Value>> {
        let listing = async {
            let client = self.client().await?;
            let tools = client.list_all_tools().await.context("tools/list")?;
            anyhow::Ok(serde_json::to_value(tools)?)
        };
        let tools = tokio::time::timeout(timeout, listing)
            .await
            .with_context(|| format!("no answer within {}s", timeout.as_secs()))??;
        match tools {
            Value::Array(tools) => Ok(tools),
            _ => anyhow::bail!("tools/list did not return a list"),
        }
    }

    /// Calls `tool` with `arguments` (already validated against its input schema).
    pub async fn call(&self, tool: &str, arguments: Value) -> Result<Value, ToolError> {
        let client = self.client().await.map_err(|e| {
            ToolError::unavailable(format!(
                "the upstream server `{}` cannot be reached: {e:#}",
                self.name
            ))
            .with_suggestion("try again later; the gateway restarts the server on the next call")
        })?;
        let arguments = match arguments {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        match client.call_tool(params).await {
            Ok(result) => outcome(result),
            Err(ServiceError::McpError(e)) => Err(ToolError::failed(format!(
                "the upstream server refused the call: {}",
                e.message
            ))
            .with_detail("upstream_code", e.code.0)),
            Err(e) => {
                // The connection is unusable: the next call starts a new one.
                self.drop_client(&client).await;
                Err(ToolError::new(
                    ErrorKind::Unavailable,
                    format!("the upstream server `{}` failed: {e}", self.name),
                ))
            }
        }
    }
}

/// An upstream result as the tool's value: the `CallToolResult` itself (`content`, and
/// `structuredContent` when there is one), which the gateway's MCP server forwards as it is
/// (the tool is built with `mcp_result`). `isError: true` is a tool error, its text the message.
fn outcome(result: CallToolResult) -> Result<Value, ToolError> {
    let content = serde_json::to_value(&result.content).unwrap_or(Value::Null);
    if result.is_error == Some(true) {
        let message = content
            .as_array()
            .map(|blocks| {
                blocks
                    .iter()
                    .filter(|b| b["type"] == "text")
                    .filter_map(|b| b["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "the upstream tool reported an error".to_owned());
        return Err(ToolError::failed(message));
    }
    let mut value = json!({ "content": content });
    if let Some(structured) = result.structured_content {
        value["structuredContent"] = structured;
    }
    Ok(value)
}

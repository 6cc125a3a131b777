//! The gateway's TOML configuration: upstream servers, the policy of each upstream tool that is
//! exposed (any tool not listed stays hidden), and who the callers are (principals with roles,
//! bearer tokens for HTTP, one principal for stdio). Read and checked once, at start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use toolwright::Rate;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where audit records go, one JSON object a line (what `toolwright report` reads). A
    /// relative path is relative to the configuration file.
    pub audit: Option<PathBuf>,
    /// Where the exposed tools' definitions are pinned across restarts (JSON; relative to the
    /// configuration file): a tool whose upstream lists it otherwise at a later start is
    /// withheld until an operator accepts the change with `--pin`. Without it, tools are pinned
    /// from each start only.
    pub pins: Option<PathBuf>,
    /// The timeout of tools that set none (default 30 s), e.g. `"10s"`.
    #[serde(default, deserialize_with = "duration")]
    pub default_timeout: Option<Duration>,
    /// A rate limit per principal across every tool, e.g. `"600/min"`.
    #[serde(default, deserialize_with = "rate")]
    pub rate_limit_per_principal: Option<Rate>,
    /// Argument keys redacted from audit records at any depth, besides the built-in list
    /// (`password`, `token`, `api_key`, …).
    #[serde(default)]
    pub redact_keys: Vec<String>,
    /// The principal a stdio client acts as (a key of `principals`); without it a stdio client
    /// is anonymous and sees only tools that need no permission.
    pub stdio_principal: Option<String>,
    /// Named bundles of permissions.
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    /// Who may call, by id.
    #[serde(default)]
    pub principals: BTreeMap<String, PrincipalConfig>,
    /// The servers proxied.
    #[serde(default, rename = "upstream")]
    pub upstreams: Vec<Upstream>,
}

/// A named bundle of permissions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub permissions: Vec<String>,
}

/// One caller.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalConfig {
    #[serde(default)]
    pub roles: Vec<String>,
    /// Permissions granted directly, besides those of its roles.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Bearer tokens (HTTP) that stand for this principal, written out.
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Environment variables holding bearer tokens for this principal (kept out of the file).
    #[serde(default)]
    pub token_env: Vec<String>,
}

/// One upstream MCP server.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// A short name for messages and the audit (`fs`, `github`).
    pub name: String,
    /// Start the server with this program and arguments, speaking MCP over its stdin/stdout.
    pub command: Option<Vec<String>>,
    /// Environment variables for `command`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Or: the server's streamable HTTP endpoint.
    pub url: Option<String>,
    /// Bearer token sent to `url`, from this environment variable.
    pub bearer_env: Option<String>,
    /// Prepended to every tool name this upstream exposes (`fs_` → `fs_read_file`).
    #[serde(default)]
    pub prefix: String,
    /// How long to wait for the server to start and list its tools (default 60 s).
    #[serde(default, deserialize_with = "duration")]
    pub start_timeout: Option<Duration>,
    /// The tools exposed, by their upstream name, each with its policy.
    #[serde(default)]
    pub tools: BTreeMap<String, ToolPolicy>,
}

/// The policy of one exposed upstream tool.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolPolicy {
    /// Every permission a principal needs to see and call the tool.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Roles whose principals may call it: shorthand for the permission `role:NAME`, which
    /// every principal with that role holds (a tool naming several roles needs all of them).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Whether the tool only reads, as callers are told (`readOnlyHint`): for an upstream whose
    /// tools carry no annotations, or wrong ones. A read-only tool is not destructive and is
    /// idempotent unless those are set. Default: the upstream's `readOnlyHint`.
    pub read_only: Option<bool>,
    /// Whether a call needs a human's yes. Default: no for a read-only tool; otherwise the
    /// upstream's `destructiveHint`, which MCP defaults to true.
    pub destructive: Option<bool>,
    /// Whether calling twice is the same as once (allows `retries`). Default: the upstream's
    /// `idempotentHint`, or true for a read-only tool.
    pub idempotent: Option<bool>,
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    /// Extra attempts after a retryable failure; idempotent tools only.
    #[serde(default)]
    pub retries: u32,
    /// Per-principal rate limit, e.g. `"30/min"`.
    #[serde(default, deserialize_with = "rate")]
    pub rate_limit: Option<Rate>,
    /// Top-level arguments redacted from audit records.
    #[serde(default)]
    pub secret: Vec<String>,
    /// Lint rules not applied to this tool's description, by name.
    #[serde(default)]
    pub allow: Vec<String>,
    /// The name callers see, instead of `prefix` and the upstream name. Needed when that is not
    /// 1 to 64 letters, digits, `_` or `-` (MCP also allows `.` and `/`; model providers do not).
    pub expose_as: Option<String>,
    /// The description callers see and the lint judges, instead of the upstream's: for a tool
    /// that has none (MCP makes it optional) or a poor one.
    pub description: Option<String>,
}

/// Where an upstream runs.
pub enum Transport<'a> {
    Stdio {
        program: &'a str,
        args: &'a [String],
    },
    Http {
        url: &'a str,
    },
}

impl Upstream {
    pub fn transport(&self) -> Result<Transport<'_>> {
        match (&self.command, &self.url) {
            (Some(command), None) => match command.split_first() {
                Some((program, args)) => Ok(Transport::Stdio { program, args }),
                None => bail!("upstream `{}`: `command` is empty", self.name),
            },
            (None, Some(url)) => {
                crate::source::check_http_url(url)
                    .with_context(|| format!("upstream `{}`", self.name))?;
                Ok(Transport::Http { url })
            }
            _ => bail!(
                "upstream `{}` needs exactly one of `command` (stdio) or `url` (streamable HTTP)",
                self.name
            ),
        }
    }
}

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut config: Config =
            toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
        if let Some(dir) = path.parent() {
            for file in [&mut config.audit, &mut config.pins].into_iter().flatten() {
                if file.is_relative() {
                    *file = dir.join(&*file);
                }
            }
        }
        config
            .check()
            .with_context(|| format!("in {}", path.display()))?;
        Ok(config)
    }

    fn check(&self) -> Result<()> {
        if self.upstreams.is_empty() {
            bail!("no `[[upstream]]`: the gateway has nothing to serve");
        }
        for (id, p) in &self.principals {
            for role in &p.roles {
                if !self.roles.contains_key(role) {
                    bail!("principal `{id}` has the undefined role `{role}`");
                }
            }
        }
        if let Some(id) = &self.stdio_principal
            && !self.principals.contains_key(id)
        {
            bail!("`stdio_principal = \"{id}\"` is not a key of `[principals]`");
        }
        let mut names = std::collections::BTreeSet::new();
        for u in &self.upstreams {
            u.transport()?;
            if !names.insert(&u.name) {
                bail!("two upstreams are named `{}`", u.name);
            }
            if u.tools.is_empty() {
                bail!(
                    "upstream `{}` exposes no tool: list each tool to expose as `[upstream.tools.NAME]`",
                    u.name
                );
            }
            for (tool, policy) in &u.tools {
                for role in &policy.roles {
                    if !self.roles.contains_key(role) {
                        bail!(
                            "tool `{tool}` of upstream `{}` names the undefined role `{role}`",
                            u.name
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Every permission principal `id` holds: its own, its roles', and `role:NAME` per role.
    pub fn permissions_of(&self, id: &str) -> Vec<String> {
        let Some(p) = self.principals.get(id) else {
            return Vec::new();
        };
        let mut out = p.permissions.clone();
        for role in &p.roles {
            out.push(role_permission(role));
            if let Some(r) = self.roles.get(role) {
                out.extend(r.permissions.iter().cloned());
            }
        }
        out
    }
}

/// The permission that stands for holding `role`.
pub fn role_permission(role: &str) -> String {
    format!("role:{role}")
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    toolwright_grammar::duration(&text)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a duration: {e}")))
}

fn rate<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Rate>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse::<Rate>()
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a rate: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's example configuration is one the gateway accepts.
    #[test]
    fn the_readme_example_configuration_is_valid() {
        let readme = include_str!("../../../README.md");
        let section = &readme[readme
            .find("## Gateway: policy in front of any MCP server")
            .expect("the README has the gateway section")..];
        let start = section.find("```toml\n").expect("a toml block") + "```toml\n".len();
        let text = &section[start..start + section[start..].find("```").expect("closed")];
        let config: Config = toml::from_str(text).expect("the README's configuration parses");
        config
            .check()
            .expect("the README's configuration is consistent");
        assert_eq!(config.permissions_of("bot"), ["role:reader", "fs:read"]);
        let fs = &config.upstreams[0];
        assert_eq!(fs.tools.len(), 3);
        assert_eq!(
            fs.tools["write_file"].timeout,
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            fs.tools["read_text_file"].rate_limit,
            Some(Rate::per_minute(30))
        );
    }

    #[test]
    fn unknown_keys_and_undefined_roles_are_refused() {
        let unknown = toml::from_str::<Config>("[[upstream]]\nname = \"a\"\ncomand = [\"x\"]\n");
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown field `comand`")
        );
        let config: Config = toml::from_str(
            "[principals.p]\nroles = [\"admin\"]\n[[upstream]]\nname = \"a\"\ncommand = [\"x\"]\n[upstream.tools.t]\n",
        )
        .unwrap();
        let err = config.check().unwrap_err().to_string();
        assert!(err.contains("undefined role `admin`"), "{err}");
    }

    #[test]
    fn an_upstream_url_must_be_http_or_https() {
        for (url, ok) in [
            ("http://127.0.0.1:3001/mcp", true),
            ("https://mcp.example.com/mcp", true),
            ("not a url", false),
            ("localhost:3001/mcp", false),
            ("ftp://example.com/mcp", false),
        ] {
            let config: Config = toml::from_str(&format!(
                "[[upstream]]\nname = \"a\"\nurl = {url:?}\n[upstream.tools.t]\n"
            ))
            .unwrap();
            let checked = config.check();
            assert_eq!(checked.is_ok(), ok, "{url}: {checked:?}");
            if let Err(e) = checked {
                let e = format!("{e:#}");
                assert!(e.contains("upstream `a`") && e.contains(url), "{e}");
            }
        }
    }
}

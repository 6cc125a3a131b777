//! `toolwright gateway`: an MCP server in front of other MCP servers. Each upstream tool listed
//! in the configuration becomes a [`DynamicTool`] with the configured policy, so every call
//! passes the executor (permission, rate limits, bulkhead, circuit breaker, validation against
//! the upstream's own `inputSchema`, confirmation, timeout, retries, audit) before it is
//! forwarded; tools not listed are hidden. The tool set is fixed at start, and each tool is
//! pinned (see [`pins`]): one its upstream lists otherwise, then or later, is withheld (see
//! [`upstream`]): taken out of the executor's service, so clients stop listing it and its calls
//! are refused before validation, before any human is asked to approve them.

mod config;
mod pins;
mod upstream;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use toolwright::mcp::{McpServer, SharedExecutor, serve_http_with, serve_io};
use toolwright::policy::audit::AuditError;
use toolwright::{AuditRecord, AuditSink, DynamicTool, Executor, JsonlSink, Principal, Registry};

pub(crate) use config::Config;
use config::{ToolPolicy, role_permission};
use upstream::Upstream;

/// `toolwright gateway` options.
#[derive(Clone, clap::Args)]
pub struct GatewayArgs {
    /// The gateway's TOML configuration: upstreams, exposed tools and their policy, principals.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Serve streamable HTTP at http://ADDR/mcp (bearer tokens from the configuration) instead
    /// of stdio.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// Refuse to start when an exposed tool's description has lint findings, or its upstream
    /// lists it otherwise than pinned (default: warn on stderr, and withhold that tool).
    #[arg(long)]
    strict: bool,
    /// Show the stdio upstreams' stderr.
    #[arg(long)]
    upstream_stderr: bool,
    /// Start every upstream, check the configuration and the exposed tools (as a start would:
    /// lint, pins, `--strict`, names, audit file, tokens for `--http`), print each exposed tool
    /// with its policy (or why it is withheld), and exit without serving: 0 when the gateway
    /// would start, 2 when not. Writes nothing, unless with `--pin`.
    #[arg(long)]
    check: bool,
    /// Accept the exposed tools as their upstreams list them now: write their definitions to
    /// the configuration's `pins` file, replacing what was pinned (review them with `--check`
    /// first). With `--check`, write and exit.
    #[arg(long)]
    pin: bool,
}

/// Runs the gateway until the client disconnects (stdio) or forever (HTTP).
pub fn run(args: GatewayArgs) -> Result<ExitCode> {
    let config = Config::load(&args.config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args, config))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: GatewayArgs, config: Config) -> Result<()> {
    let (registry, served) = registry(&config, &args).await?;
    eprintln!("toolwright gateway: {}", tools_line(&registry, &config));
    let tokens = args.http.map(|_| tokens(&config)).transpose()?;
    let audit = Audit::default().for_config(&config)?;
    if args.check {
        crate::print(&policy_table(&registry, &served))?;
        return Ok(());
    }
    let executor = build_executor(&config, registry, &audit);
    let shared = SharedExecutor::new(executor.clone());
    let upstreams = serve_upstreams(served, &shared, &executor);
    // Only `shared` holds it from here: a reload that replaces it lets its upstreams stop.
    drop(executor);
    let tokens = tokens.map(|t| Arc::new(std::sync::RwLock::new(t)));
    #[cfg(unix)]
    tokio::spawn(reload_on_hangup(
        GatewayArgs {
            // A reload accepts no changed tool: only `--pin` at a start does.
            pin: false,
            ..args.clone()
        },
        shared.clone(),
        audit,
        tokens.clone(),
        upstreams,
    ));
    let server = McpServer::new(shared, None).with_name("toolwright-gateway");
    if let (Some(addr), Some(tokens)) = (args.http, tokens) {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        eprintln!(
            "toolwright gateway on http://{}/mcp",
            listener.local_addr()?
        );
        serve_http_with(server, listener, move |token: &str| {
            tokens
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .resolve(token)
        })
        .await?;
    } else {
        let server = match &config.stdio_principal {
            Some(id) => server.with_principal(principal(&config, id)),
            None => server,
        };
        serve_io(server, tokio::io::stdin(), tokio::io::stdout()).await?;
    }
    Ok(())
}

/// Hands each upstream the executor that serves its tools (`executor`, through `shared`), and
/// returns them without keeping them alive: a reload retires them.
fn serve_upstreams(
    served: Served,
    shared: &SharedExecutor,
    executor: &Executor,
) -> Vec<std::sync::Weak<Upstream>> {
    served
        .into_iter()
        .map(|(upstream, exposed)| {
            upstream.serve(shared.clone(), executor, exposed);
            Arc::downgrade(&upstream)
        })
        .collect()
}

/// "N tools from M upstream(s): names".
fn tools_line(registry: &Registry, config: &Config) -> String {
    format!(
        "{} tools from {} upstream(s): {}",
        registry.len(),
        config.upstreams.len(),
        registry
            .iter()
            .map(toolwright::ToolEntry::name)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The executor for `registry` under the configuration's gateway-wide policy.
fn build_executor(config: &Config, registry: Registry, audit: &Audit) -> Executor {
    let mut executor = Executor::builder(registry);
    if let Some((_, sink)) = &audit.0 {
        executor = executor.audit(FlushEachCall(sink.clone()));
    }
    for key in &config.redact_keys {
        executor = executor.redact_key(key);
    }
    if let Some(rate) = config.rate_limit_per_principal {
        executor = executor.rate_limit_per_principal(rate);
    }
    executor.build()
}

/// The audit file, kept open across reloads while its path stays the same: the executors before
/// and after a reload write through one sink, so their lines never interleave.
#[derive(Clone, Default)]
struct Audit(Option<(PathBuf, Arc<JsonlSink>)>);

impl Audit {
    /// The audit file `config` names: this one when it is the same.
    fn for_config(&self, config: &Config) -> Result<Self> {
        let Some(path) = &config.audit else {
            return Ok(Self(None));
        };
        if let Some((same, _)) = &self.0
            && same == path
        {
            return Ok(self.clone());
        }
        let sink = JsonlSink::open(path)
            .with_context(|| format!("opening the audit file {}", path.display()))?;
        Ok(Self(Some((path.clone(), Arc::new(sink)))))
    }
}

/// On each SIGHUP, reads the configuration again and serves it: the upstreams are started and
/// their tools listed and linted anew, tools are pinned and withheld as at a start, and the
/// executor is replaced (connected clients are told their tool list changed). Rate limits,
/// circuit breakers and bulkheads start afresh with it; calls under way finish on the previous
/// executor and upstreams, which stop then. HTTP bearer tokens are read again; a stdio client
/// keeps the principal it started with. A configuration that does not start keeps the previous
/// one serving, and says why on stderr.
#[cfg(unix)]
async fn reload_on_hangup(
    args: GatewayArgs,
    shared: SharedExecutor,
    mut audit: Audit,
    tokens: Option<Arc<std::sync::RwLock<Tokens>>>,
    mut upstreams: Vec<std::sync::Weak<Upstream>>,
) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        eprintln!("toolwright gateway: cannot listen for SIGHUP; restart it to reload");
        return;
    };
    while hangups.recv().await.is_some() {
        match reload(&args, &shared, &audit, tokens.as_deref()).await {
            Ok((next, started)) => {
                // The upstreams replaced may still finish calls, but serve no tool any more.
                for old in upstreams.iter().filter_map(std::sync::Weak::upgrade) {
                    old.retire();
                }
                (audit, upstreams) = (next, started);
            }
            Err(e) => eprintln!(
                "toolwright gateway: reloading {} failed, so it serves as before: {e:#}",
                args.config.display()
            ),
        }
    }
}

/// One reload (see [`reload_on_hangup`]): the audit file it writes to from now on, and the
/// upstreams it started.
#[cfg(unix)]
async fn reload(
    args: &GatewayArgs,
    shared: &SharedExecutor,
    audit: &Audit,
    tokens: Option<&std::sync::RwLock<Tokens>>,
) -> Result<(Audit, Vec<std::sync::Weak<Upstream>>)> {
    let config = Config::load(&args.config)?;
    let (registry, served) = registry(&config, args).await?;
    let fresh_tokens = tokens.map(|_| self::tokens(&config)).transpose()?;
    let audit = audit.for_config(&config)?;
    let line = tools_line(&registry, &config);
    let executor = build_executor(&config, registry, &audit);
    let started = serve_upstreams(served, shared, &executor);
    if let (Some(slot), Some(fresh)) = (tokens, fresh_tokens) {
        *slot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
    }
    shared.replace(executor).await;
    eprintln!(
        "toolwright gateway: reloaded {}: {line}",
        args.config.display()
    );
    Ok((audit, started))
}

/// One line per exposed tool: its name, what it may do, who may call it, its timeout; and
/// whether it is withheld, and why.
fn policy_table(registry: &Registry, served: &Served) -> String {
    let withheld: BTreeMap<&str, String> = served
        .iter()
        .flat_map(|(upstream, exposed)| {
            upstream
                .withheld_now()
                .into_iter()
                .filter_map(|(tool, what)| {
                    Some((exposed.get(&tool)?.as_str(), format!("withheld: {what}")))
                })
        })
        .collect();
    let rows: Vec<[String; 4]> = registry
        .iter()
        .map(|entry| {
            let p = entry.policy();
            let effect = if let Some(why) = withheld.get(entry.name()) {
                why.as_str()
            } else if p.destructive {
                "destructive: asks a human"
            } else if p.read_only {
                "read-only"
            } else {
                "writes"
            };
            let who = if p.permissions.is_empty() {
                "anyone".to_owned()
            } else {
                p.permissions.join(" + ")
            };
            let retries = match p.retries {
                0 => String::new(),
                n => format!(", {n} retries"),
            };
            let timeout = registry.timeout_of(entry).as_secs_f64();
            [
                entry.name().to_owned(),
                effect.to_owned(),
                who,
                format!("timeout {timeout} s{retries}"),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].len()).max().unwrap_or(0);
    let (name, effect, who) = (width(0), width(1), width(2));
    rows.iter()
        .map(|[a, b, c, d]| format!("{a:name$}  {b:effect$}  {c:who$}  {d}\n"))
        .collect()
}

fn principal(config: &Config, id: &str) -> Principal {
    Principal::new(id).grant_all(config.permissions_of(id))
}

/// Bearer token → principal, for HTTP.
fn tokens(config: &Config) -> Result<Tokens> {
    let mut out = BTreeMap::new();
    for (id, p) in &config.principals {
        let mut tokens = p.tokens.clone();
        for var in &p.token_env {
            tokens.push(std::env::var(var).with_context(|| {
                format!("principal `{id}`: the environment variable `{var}` (token_env) is not set")
            })?);
        }
        for token in tokens {
            if token.len() < 16 {
                bail!("principal `{id}`: a bearer token must be at least 16 characters");
            }
            if out.insert(token, principal(config, id)).is_some() {
                bail!("principal `{id}`: a bearer token is given to two principals");
            }
        }
    }
    if out.is_empty() {
        bail!("--http needs at least one bearer token (`tokens` or `token_env` of a principal)");
    }
    Ok(Tokens(out.into_iter().collect()))
}

/// The bearer tokens and their principals. A token is looked up by comparing it with every
/// token in time that does not depend on where they differ, so response times do not leak
/// how much of a guess was right.
struct Tokens(Vec<(String, Principal)>);

impl Tokens {
    fn resolve(&self, token: &str) -> Option<Principal> {
        let mut found = None;
        for (known, principal) in &self.0 {
            if same_secret(known.as_bytes(), token.as_bytes()) {
                found = Some(principal.clone());
            }
        }
        found
    }
}

/// Whether `a` and `b` are equal, in time that depends on their lengths only.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let differences = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)));
    a.len() == b.len() && differences == 0
}

/// Each upstream with the name its exposed tools have in the gateway, by upstream name.
type Served = Vec<(Arc<Upstream>, BTreeMap<String, String>)>;

/// Connects to every upstream, lists its tools, lints the exposed ones and builds the registry,
/// with the upstream behind each exposed tool.
async fn registry(config: &Config, args: &GatewayArgs) -> Result<(Registry, Served)> {
    let mut builder = Registry::builder();
    if let Some(timeout) = config.default_timeout {
        builder = builder.default_timeout(timeout);
    }
    let mut findings = 0;
    let mut served = Vec::new();
    let mut pins = match &config.pins {
        Some(path) => Some(pins::Pins::load(path)?),
        None if args.pin => bail!(
            "--pin writes the tools' definitions to the configuration's pins file: add \
             `pins = \"gateway.pins.json\"` (a path relative to the configuration) to it"
        ),
        None => None,
    };
    let mut withheld = 0;
    // Exposed name → the upstream and tool behind it.
    let mut taken: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    // Every upstream starts at once: a gateway in front of several `npx -y` servers waits for
    // the slowest of them, not for their sum. Their tools are then taken in configuration order.
    let mut starting = Vec::new();
    for u in &config.upstreams {
        let upstream = Arc::new(Upstream::new(u, args.upstream_stderr)?);
        let timeout = u.start_timeout.unwrap_or(Duration::from_secs(60));
        let listing = tokio::spawn({
            let upstream = upstream.clone();
            async move { upstream.list_tools(timeout).await }
        });
        starting.push((u, upstream, listing));
    }
    for (u, upstream, listing) in starting {
        let listed = listing
            .await
            .map_err(|e| anyhow::anyhow!("its start was interrupted: {e}"))
            .and_then(|listed| listed)
            .with_context(|| format!("upstream `{}`", u.name))?;
        let by_name = upstream::by_name(&listed);
        // The exposed tools as served, to withhold those the upstream lists otherwise.
        let mut watched = BTreeMap::new();
        let mut exposed_as = BTreeMap::new();
        for (name, policy) in &u.tools {
            let Some(tool) = by_name.get(name.as_str()) else {
                let known: Vec<&str> = by_name.keys().copied().collect();
                bail!(
                    "upstream `{}` has no tool `{name}`; it has: {}",
                    u.name,
                    known.join(", ")
                );
            };
            let tool = &served_as(pins.as_mut(), &u.name, name, tool, args.pin);
            watched.insert(name.clone(), tool.clone());
            let exposed = exposed_name(&u.prefix, name, policy)
                .with_context(|| format!("upstream `{}`, tool `{name}`", u.name))?;
            let tool = &described(tool, &exposed, policy);
            findings += lint(&u.name, tool, policy)?;
            if let Some((other, other_tool)) = taken.insert(exposed.clone(), (&u.name, name)) {
                bail!(
                    "upstream `{}`, tool `{name}`: the name `{exposed}` is already upstream \
                     `{other}`'s tool `{other_tool}`: give an upstream a `prefix`, or a tool an \
                     `expose_as`",
                    u.name
                );
            }
            let dynamic = dynamic_tool(&exposed, name, tool, policy, upstream.clone())
                .with_context(|| format!("upstream `{}`, tool `{name}`", upstream.name()))?;
            builder = builder.tool(dynamic);
            exposed_as.insert(name.clone(), exposed);
        }
        let changed = upstream.watch(watched, &listed);
        if !changed.is_empty() {
            let what: Vec<String> = changed
                .iter()
                .map(|(tool, what)| format!("`{tool}`: {what}"))
                .collect();
            eprintln!(
                "toolwright gateway: upstream `{}` lists tools otherwise than pinned: {}; the \
                 gateway withholds them (clients do not list them, calls are refused): review \
                 them with `--check`, accept them with `--check --pin`, then reload (SIGHUP)",
                u.name,
                what.join("; ")
            );
            withheld += changed.len();
        }
        served.push((upstream, exposed_as));
        // The listing connection stays open for the first call.
    }
    if args.strict && findings > 0 {
        bail!("--strict: {findings} lint finding(s) in the exposed tools' descriptions (above)");
    }
    if args.strict && withheld > 0 {
        bail!("--strict: {withheld} exposed tool(s) listed otherwise than pinned (above)");
    }
    // A check writes nothing unless asked to accept the tools as they are.
    if let Some(p) = &pins
        && (!args.check || args.pin)
        && p.save()?
    {
        eprintln!(
            "toolwright gateway: pinned the exposed tools' definitions in {}",
            p.path().display()
        );
    }
    let registry = builder
        .build()
        .context("the exposed tools do not form a registry")?;
    Ok((registry, served))
}

/// The upstream's `tool` as the gateway serves it: with the definition pinned for it, or as
/// listed when none is pinned yet or `accept` (`--pin`) takes it as listed, which pins it.
fn served_as(
    pins: Option<&mut pins::Pins>,
    upstream: &str,
    name: &str,
    tool: &Value,
    accept: bool,
) -> Value {
    let Some(pins) = pins else {
        return tool.clone();
    };
    match pins.get(upstream, name).filter(|_| !accept) {
        Some(definition) => pins::with_definition(tool, definition),
        None => {
            pins.set(upstream, name, pins::definition(tool));
            tool.clone()
        }
    }
}

/// The upstream's tool as callers see it, for the lint and the exposed tool: named `exposed`
/// (its `expose_as`, or the prefix and its name), with the configured `description` in place
/// of its own if there is one.
fn described(tool: &Value, exposed: &str, policy: &ToolPolicy) -> Value {
    let mut tool = tool.clone();
    if let Value::Object(t) = &mut tool {
        if let Some(description) = &policy.description {
            t.insert("description".into(), description.as_str().into());
        }
        t.insert("name".into(), exposed.into());
    }
    tool
}

/// The name callers see: `expose_as`, or the prefix and the upstream name. It must be one every
/// model provider accepts (1 to 64 letters, digits, `_` or `-`); otherwise the error names an
/// `expose_as` that is.
fn exposed_name(prefix: &str, upstream_name: &str, policy: &ToolPolicy) -> Result<String> {
    let exposed = policy
        .expose_as
        .clone()
        .unwrap_or_else(|| format!("{prefix}{upstream_name}"));
    if is_exposable(&exposed) {
        return Ok(exposed);
    }
    let fitting = fitting_name(&exposed);
    let hint = if policy.expose_as.is_some() || !is_exposable(&fitting) {
        "give the tool an `expose_as` name".to_owned()
    } else {
        format!("set `expose_as = \"{fitting}\"` (or another name) in its table")
    };
    bail!(
        "the exposed name `{exposed}` must be 1 to 64 letters, digits, `_` or `-`, which every \
         model provider accepts: {hint}"
    )
}

/// Whether every model provider accepts `name` as a tool name: 1 to 64 letters, digits, `_` or
/// `-`.
pub(crate) fn is_exposable(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `name` with every other character made `_`, cut at 64: an exposable name unless empty.
pub(crate) fn fitting_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

/// Warns about the lint findings of one exposed tool on stderr; returns how many there were.
fn lint(upstream: &str, tool: &Value, policy: &ToolPolicy) -> Result<usize> {
    let allowed = crate::lint::allowed_rules(&policy.allow)?;
    let rows: Vec<crate::lint::Row> = crate::lint::lint_one(tool, toolwright_lint::Host::Gateway)
        .into_iter()
        .filter(|r| !allowed.contains(&r.rule))
        .collect();
    for r in &rows {
        eprintln!(
            "toolwright gateway: lint: {upstream}/{}: {} [{}] {}",
            r.tool,
            crate::lint::subject_text(&r.subject),
            r.rule.name(),
            r.message
        );
    }
    Ok(rows.len())
}

/// One upstream tool under its configured policy. Unknown destructiveness is destructive.
fn dynamic_tool(
    exposed: &str,
    upstream_name: &str,
    tool: &Value,
    policy: &ToolPolicy,
    upstream: Arc<Upstream>,
) -> Result<DynamicTool> {
    let description = tool["description"].as_str().unwrap_or_default();
    if description.trim().is_empty() {
        bail!(
            "the upstream gives the tool no description, and a model chooses tools by theirs: \
             write one with `description = \"…\"` in its table"
        );
    }
    let hint = |key: &str| tool["annotations"][key].as_bool();
    if policy.read_only == Some(true) && policy.destructive == Some(true) {
        bail!(
            "`read_only = true` and `destructive = true` contradict each other: a tool that only \
             reads changes nothing a human must approve; keep the one that is true"
        );
    }
    let reads_only = policy
        .read_only
        .unwrap_or(hint("readOnlyHint") == Some(true));
    let destructive = policy
        .destructive
        .unwrap_or(!reads_only && hint("destructiveHint").unwrap_or(true));
    let read_only = reads_only && !destructive;
    let idempotent = policy
        .idempotent
        .unwrap_or(read_only || hint("idempotentHint") == Some(true));
    let mut permissions: BTreeSet<String> = policy.permissions.iter().cloned().collect();
    permissions.extend(policy.roles.iter().map(|r| role_permission(r)));
    if destructive && permissions.is_empty() {
        bail!(
            "the tool is destructive ({}) and needs `permissions` or `roles`, so only the \
             principals you name can ask a human to approve it",
            if policy.destructive.is_some() {
                "configured"
            } else {
                "by its annotations, or because it has none"
            }
        );
    }
    let mut builder = DynamicTool::builder(exposed, description)
        .input_schema(input_schema(tool))
        .permissions(permissions)
        .read_only(read_only)
        .destructive(destructive)
        .idempotent(idempotent)
        .open_world(hint("openWorldHint").unwrap_or(true))
        .retries(policy.retries)
        .mcp_result(true);
    // The upstream's display title, one short line as hosts show it.
    if let Some(title) = tool["title"]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.chars().count() <= 80 && !t.contains(['\n', '\r']))
    {
        builder = builder.title(title);
    }
    // MCP output schemas describe `structuredContent`, an object; any other is not passed on
    // (the runtime would announce a wrapped `{"result": …}` the upstream never sends).
    if let Some(schema) = tool.get("outputSchema").filter(|s| s["type"] == "object") {
        builder = builder.output_schema(schema.clone());
    }
    if let Some(timeout) = policy.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(rate) = policy.rate_limit {
        builder = builder.rate_limit(rate);
    }
    for key in &policy.secret {
        builder = builder.secret(key);
    }
    let name: Arc<str> = upstream_name.into();
    Ok(builder.body(move |args, ctx| {
        let upstream = upstream.clone();
        let name = name.clone();
        async move { upstream.call(&name, args, &ctx).await }
    })?)
}

/// The upstream's `inputSchema`, with `"type": "object"` added where a server left it out (MCP
/// requires it; arguments are always an object). Any other root type is refused by the build.
fn input_schema(tool: &Value) -> Value {
    let mut schema = tool["inputSchema"].clone();
    if let Value::Object(root) = &mut schema
        && !root.contains_key("type")
    {
        root.insert("type".into(), "object".into());
    }
    schema
}

/// A JSONL file written through at the end of every call, so `toolwright report` and `tail -f`
/// see each call as soon as it finished and a killed gateway loses none.
struct FlushEachCall(Arc<JsonlSink>);

impl AuditSink for FlushEachCall {
    fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        self.0.record(record)?;
        if record.final_record {
            self.0.flush()?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), AuditError> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_resolves_to_its_principal_and_nothing_else_does() {
        let alice = Principal::new("alice");
        let bot = Principal::new("bot");
        let tokens = Tokens(vec![
            ("alice-token-0123456789".to_owned(), alice.clone()),
            ("bot-token-0123456789ab".to_owned(), bot.clone()),
        ]);
        assert_eq!(tokens.resolve("alice-token-0123456789"), Some(alice));
        assert_eq!(tokens.resolve("bot-token-0123456789ab"), Some(bot));
        for wrong in [
            "",
            "alice-token-012345678",
            "alice-token-01234567890",
            "alice-token-0123456788",
        ] {
            assert_eq!(tokens.resolve(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn same_secret_is_plain_equality() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(same_secret(b"", b""));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
        assert!(!same_secret(b"ab", b"abc"));
    }
}

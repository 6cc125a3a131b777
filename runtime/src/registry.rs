//! The registry: every tool an application offers, with its schemas computed once and its
//! declared policy, looked up by name in O(1).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::context::StateMap;
use crate::decl::{ParamDecl, PolicyDecl, ToolDecl};
use crate::guards::{Guards, HostRule};
use crate::tool::{Tool, ToolSet};
use crate::validate::{ArgRules, SchemaRules};
use crate::{Principal, ToolContext};

/// The timeout a tool gets when it declares none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a registry could not be built.
///
/// ```
/// use toolwright::{Registry, RegistryError, tool};
///
/// /// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
/// #[tool(read_only)]
/// fn get_current_time() -> String {
///     "2026-12-02T12:00:00Z".into()
/// }
///
/// let twice = Registry::builder().tool(get_current_time).tool(get_current_time).build();
/// assert_eq!(twice.unwrap_err(), RegistryError::DuplicateTool { name: "get_current_time".into() });
///
/// let bad_host = Registry::builder().allow_url_host("https://api.example.com/").build();
/// assert!(matches!(bad_host, Err(RegistryError::InvalidUrlHost { .. })));
/// ```
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two tools share a name; the model could not tell them apart.
    #[error("two tools are named `{name}`; tool names must be unique within a registry")]
    DuplicateTool {
        /// The shared name.
        name: String,
    },
    /// The `path_root` cannot be used.
    #[error("the path root `{path}` cannot be used: {message}")]
    InvalidPathRoot {
        /// The configured root.
        path: String,
        /// Why.
        message: String,
    },
    /// An [`allow_url_host`](RegistryBuilder::allow_url_host) entry is not a host.
    #[error("the allowed URL host `{host}` cannot be used: {message}")]
    InvalidUrlHost {
        /// The entry as given.
        host: String,
        /// Why.
        message: String,
    },
    /// A declaration is unusable (only hand-written declarations can get here).
    #[error("tool `{tool}` is declared wrongly: {message}")]
    InvalidDeclaration {
        /// The tool's name.
        tool: String,
        /// What is wrong.
        message: String,
    },
}

/// One registered tool: declaration, schemas and compiled constraints. Get it from
/// [`Registry::get`], [`Registry::iter`] or, for what one caller may see, [`Registry::scoped`].
///
/// ```
/// use toolwright::{Principal, Registry, ToolError, tool};
///
/// /// Issue a refund for an order, up to its paid amount. Returns the refund id.
/// #[tool(permissions = ["billing:write"], idempotent, timeout = "10s")]
/// async fn refund_order(
///     /// Id of the order to refund, e.g. "ord-1042"
///     order_id: String,
/// ) -> Result<String, ToolError> {
///     Ok(format!("re-{order_id}"))
/// }
///
/// let registry = Registry::builder().tool(refund_order).build()?;
/// let entry = registry.get("refund_order").unwrap();
/// assert_eq!(entry.description(), "Issue a refund for an order, up to its paid amount. Returns the refund id.");
/// assert_eq!(entry.policy().permissions, ["billing:write"]);
/// assert_eq!(entry.params()[0].name, "order_id");
/// assert!(entry.visible_to(&Principal::new("clerk").grant("billing:write")));
/// assert!(!entry.visible_to(&Principal::new("guest")));
/// assert_eq!(registry.scoped(&Principal::new("guest")).count(), 0);
/// # Ok::<(), toolwright::RegistryError>(())
/// ```
pub struct ToolEntry {
    index: usize,
    tool: Box<dyn Tool>,
    decl: &'static ToolDecl,
    input_schema: Value,
    output_schema: Option<Value>,
    examples: Vec<Value>,
    rules: ArgRules,
    schema_rules: SchemaRules,
}

impl ToolEntry {
    fn new(index: usize, tool: Box<dyn Tool>) -> Result<Self, RegistryError> {
        let decl = tool.decl();
        check_decl(decl).map_err(|message| RegistryError::InvalidDeclaration {
            tool: decl.name.chars().take(64).collect(),
            message: message.into(),
        })?;
        let rules =
            ArgRules::compile(decl).map_err(|message| RegistryError::InvalidDeclaration {
                tool: decl.name.into(),
                message,
            })?;
        let input_schema = tool.input_schema();
        let schema_rules = if tool.validates_whole_schema() {
            SchemaRules::none()
        } else {
            SchemaRules::compile(&input_schema, decl.params).map_err(|message| {
                RegistryError::InvalidDeclaration {
                    tool: decl.name.into(),
                    message,
                }
            })?
        };
        let examples = crate::providers::check_examples(&input_schema, tool.examples()).map_err(
            |message| RegistryError::InvalidDeclaration {
                tool: decl.name.into(),
                message,
            },
        )?;
        Ok(Self {
            index,
            examples,
            input_schema,
            output_schema: tool.output_schema(),
            tool,
            decl,
            rules,
            schema_rules,
        })
    }

    /// The name the model calls.
    pub fn name(&self) -> &'static str {
        self.decl.name
    }

    /// Position in the registry (registration order).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The declared example arguments (`#[tool(example = …)]`), checked against the input
    /// schema when the registry was built.
    pub fn examples(&self) -> &[Value] {
        &self.examples
    }

    /// The declared display title (`#[tool(title = "…")]`), if any.
    pub fn title(&self) -> Option<&'static str> {
        self.tool.title()
    }

    /// The declared icons (`#[tool(icons = [...])]`).
    pub fn icons(&self) -> &'static [crate::decl::Icon] {
        self.tool.icons()
    }

    /// The tool description.
    pub fn description(&self) -> &'static str {
        self.decl.description
    }

    /// The input JSON Schema (draft 2020-12).
    pub fn input_schema(&self) -> &Value {
        &self.input_schema
    }

    /// The output JSON Schema, where the output type implements `JsonSchema`.
    pub fn output_schema(&self) -> Option<&Value> {
        self.output_schema.as_ref()
    }

    /// The declared policy.
    pub fn policy(&self) -> &PolicyDecl {
        &self.decl.policy
    }

    /// The model-visible parameters.
    pub fn params(&self) -> &'static [ParamDecl] {
        self.decl.params
    }

    /// The whole declaration.
    pub fn decl(&self) -> &'static ToolDecl {
        self.decl
    }

    /// The tool object.
    pub(crate) fn tool(&self) -> &dyn Tool {
        &*self.tool
    }

    /// The compiled argument constraints.
    pub(crate) fn rules(&self) -> &ArgRules {
        &self.rules
    }

    /// Whether `principal` may see and call this tool.
    pub fn visible_to(&self, principal: &Principal) -> bool {
        principal.allows(self.decl.policy.permissions)
    }
}

/// The most retries a tool may declare (the macro's limit too).
const MAX_RETRIES: u32 = 10;

/// What `#[tool]` checks at compile time, checked again for declarations written by hand: a
/// hand-written [`ToolDecl`] gets no weaker guarantees than a generated one.
fn check_decl(decl: &ToolDecl) -> Result<(), &'static str> {
    let p = &decl.policy;
    let name_ok = (1..=64).contains(&decl.name.len())
        && decl
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !name_ok {
        return Err("the name must be 1 to 64 letters, digits, `_` or `-`");
    }
    if decl.description.trim().is_empty() {
        return Err("the tool needs a description");
    }
    if p.destructive && p.read_only {
        return Err("a tool cannot be both destructive and read_only");
    }
    if p.destructive && p.permissions.is_empty() {
        return Err("a destructive tool must declare at least one permission");
    }
    if p.retries > 0 && !(p.idempotent || p.read_only) {
        return Err("retries need an idempotent (or read_only) tool");
    }
    if p.retries > 0 && p.destructive {
        return Err("a destructive tool cannot declare retries: a human approves one run");
    }
    if p.retries > MAX_RETRIES {
        return Err("a tool may declare at most 10 retries");
    }
    if p.rate_limit.is_some_and(|r| r.per.is_zero()) {
        return Err("a rate limit must allow at least one call per non-zero period");
    }
    for (i, param) in decl.params.iter().enumerate() {
        if decl.params[..i].iter().any(|q| q.name == param.name) {
            return Err("two parameters share a name");
        }
    }
    Ok(())
}

impl std::fmt::Debug for ToolEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.decl.debug_as("ToolEntry", f)
    }
}

/// FNV-1a for the name index. The index is built once from names the developer chose and is
/// only read afterwards, so an unkeyed hash cannot be turned against it: a model's colliding
/// name costs only its own lookup. (Rate-limit keys, which callers choose, are seeded per process.)
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Index = HashMap<&'static str, usize, std::hash::BuildHasherDefault<Fnv>>;

struct Inner {
    entries: Vec<ToolEntry>,
    index: Index,
    state: StateMap,
    default_timeout: Duration,
    guards: Arc<Guards>,
}

/// Every tool an application offers. Cheap to clone (shared).
///
/// ```
/// use toolwright::{tool, Registry, ToolError};
///
/// /// Convert a temperature from degrees Celsius to degrees Fahrenheit. Returns the converted value.
/// #[tool(read_only, idempotent)]
/// fn convert_celsius_to_fahrenheit(
///     /// Temperature in degrees Celsius, e.g. 21.5
///     celsius: f64,
/// ) -> f64 {
///     celsius * 9.0 / 5.0 + 32.0
/// }
///
/// let registry = Registry::builder().tool(convert_celsius_to_fahrenheit).build()?;
/// assert_eq!(registry.len(), 1);
/// let entry = registry.get("convert_celsius_to_fahrenheit").unwrap();
/// assert_eq!(entry.input_schema()["required"][0], "celsius");
/// # Ok::<(), toolwright::RegistryError>(())
/// ```
#[derive(Clone)]
pub struct Registry(Arc<Inner>);

impl Registry {
    /// Starts a registry.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// The entry named `name`, if registered.
    pub fn get(&self, name: &str) -> Option<&ToolEntry> {
        self.0.index.get(name).map(|&i| &self.0.entries[i])
    }

    /// Every entry, in registration order.
    pub fn iter(&self) -> std::slice::Iter<'_, ToolEntry> {
        self.0.entries.iter()
    }

    /// The entries `principal` may see and call: what to export to the model for its session.
    pub fn scoped<'a>(&'a self, principal: &'a Principal) -> impl Iterator<Item = &'a ToolEntry> {
        self.iter().filter(move |e| e.visible_to(principal))
    }

    /// How many tools are registered.
    pub fn len(&self) -> usize {
        self.0.entries.len()
    }

    /// Whether no tool is registered.
    pub fn is_empty(&self) -> bool {
        self.0.entries.is_empty()
    }

    /// Parses and validates `args` for `entry` with this registry's guards in force
    /// (path root, URL allowlist), returning the body's future. Everything the exported input
    /// schema forbids, at any depth, is refused here; strict mode's `null` for an optional
    /// property means "absent".
    ///
    /// Runs no policy: only the executor (and `__private::prepare`, for tests) calls it.
    ///
    /// # Errors
    /// `invalid_arguments` with every problem.
    pub(crate) fn prepare(
        &self,
        entry: &ToolEntry,
        args: &crate::CallArguments,
        ctx: ToolContext,
    ) -> Result<crate::ToolFuture, crate::ToolError> {
        crate::guards::with_guards(&self.0.guards, || {
            crate::validate::prepare(
                entry.tool(),
                entry.rules(),
                entry.input_schema(),
                &entry.schema_rules,
                args,
                ctx,
            )
        })
    }

    /// The timeout of `entry`: declared, else the registry default.
    pub fn timeout_of(&self, entry: &ToolEntry) -> Duration {
        entry.policy().timeout.unwrap_or(self.0.default_timeout)
    }

    pub(crate) fn context(
        &self,
        call_id: Arc<str>,
        entry: &ToolEntry,
        principal: &Principal,
        attempt: u32,
        cancel: tokio_util::sync::CancellationToken,
    ) -> ToolContext {
        ToolContext::new(
            call_id,
            entry.name(),
            principal.clone(),
            self.0.state.clone(),
            cancel,
        )
        .with_attempt(attempt)
    }
}

impl<'a> IntoIterator for &'a Registry {
    type Item = &'a ToolEntry;
    type IntoIter = std::slice::Iter<'a, ToolEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(ToolEntry::name))
            .finish()
    }
}

/// Builds a [`Registry`]. Safe defaults: 30 s timeout per call, no path root and no allowed
/// URL host (so [`SafePath`](crate::SafePath) and [`AllowedUrl`](crate::AllowedUrl) arguments
/// are refused until configured).
///
/// ```
/// use std::time::Duration;
/// use toolwright::{Executor, Principal, Registry, ToolCall, ToolContext, ToolError, tool};
///
/// struct Greeting(String);
///
/// /// Greet the calling user by their principal id. Returns the greeting text.
/// #[tool(read_only)]
/// async fn greet_caller(ctx: &ToolContext) -> Result<String, ToolError> {
///     Ok(format!("{}, {}", ctx.state::<Greeting>()?.0, ctx.principal().id()))
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let registry = Registry::builder()
///     .tool(greet_caller)
///     .state(Greeting("Good morning".into()))
///     .default_timeout(Duration::from_secs(5))
///     .build()?;
/// let entry = registry.get("greet_caller").unwrap();
/// assert_eq!(registry.timeout_of(entry), Duration::from_secs(5));
///
/// let executor = Executor::new(registry);
/// let call = ToolCall::new("c1", "greet_caller", "{}");
/// let result = executor.call(&Principal::new("ada"), &call).await;
/// assert_eq!(result.outcome.unwrap(), "Good morning, ada");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
pub struct RegistryBuilder {
    tools: Vec<Box<dyn Tool>>,
    state: StateMap,
    default_timeout: Duration,
    root: Option<std::path::PathBuf>,
    url_hosts: Vec<String>,
}

impl Default for RegistryBuilder {
    fn default() -> Self {
        Self {
            tools: Vec::new(),
            state: StateMap::default(),
            default_timeout: DEFAULT_TIMEOUT,
            root: None,
            url_hosts: Vec::new(),
        }
    }
}

impl RegistryBuilder {
    /// Registers one `#[tool]` function: `.tool(search_knowledge_base)`.
    #[must_use]
    pub fn tool(mut self, tool: impl Tool) -> Self {
        self.tools.push(Box::new(tool));
        self
    }

    /// Registers every `#[tool]` method of a `#[tools]` impl block, over `state`.
    #[must_use]
    pub fn tools<T: ToolSet>(self, state: T) -> Self {
        self.tools_shared(Arc::new(state))
    }

    /// Like [`RegistryBuilder::tools`], for state the application already shares.
    #[must_use]
    pub fn tools_shared<T: ToolSet>(mut self, state: Arc<T>) -> Self {
        self.tools.extend(T::into_tools(state));
        self
    }

    /// Makes `value` available to free-function tools as `ctx.state::<T>()`.
    #[must_use]
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// The timeout for tools that declare none (default 30 s).
    #[must_use]
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// The folder [`SafePath`](crate::SafePath) arguments are confined to.
    #[must_use]
    pub fn path_root(mut self, root: impl Into<std::path::PathBuf>) -> Self {
        self.root = Some(root.into());
        self
    }

    /// Allows [`AllowedUrl`](crate::AllowedUrl) arguments on `host`: `"api.example.com"` (that
    /// host), `".example.com"` (every subdomain), either with a port (`"api.example.com:8443"`:
    /// that port instead of the default 443), or an IP address (`"192.0.2.7"`,
    /// `"[2001:db8::1]"`). Hosts are read by the same parser as the URLs; [`build`](Self::build)
    /// refuses an entry that is not a host.
    #[must_use]
    pub fn allow_url_host(mut self, host: impl Into<String>) -> Self {
        self.url_hosts.push(host.into());
        self
    }

    /// Computes every schema and checks the set.
    ///
    /// # Errors
    /// [`RegistryError::DuplicateTool`] when two tools share a name;
    /// [`RegistryError::InvalidPathRoot`] when the path root does not exist;
    /// [`RegistryError::InvalidUrlHost`] when an allowed URL host is not a host.
    pub fn build(self) -> Result<Registry, RegistryError> {
        let url_hosts = self
            .url_hosts
            .iter()
            .map(|host| {
                HostRule::parse(host).map_err(|message| RegistryError::InvalidUrlHost {
                    host: host.clone(),
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let root = match self.root {
            Some(r) => Some(
                r.canonicalize()
                    .map_err(|e| RegistryError::InvalidPathRoot {
                        path: r.display().to_string(),
                        message: e.to_string(),
                    })?,
            ),
            None => None,
        };
        let mut entries = Vec::with_capacity(self.tools.len());
        let mut index = Index::with_capacity_and_hasher(self.tools.len(), Default::default());
        for tool in self.tools {
            let entry = ToolEntry::new(entries.len(), tool)?;
            if index.insert(entry.name(), entries.len()).is_some() {
                return Err(RegistryError::DuplicateTool {
                    name: entry.name().into(),
                });
            }
            entries.push(entry);
        }
        Ok(Registry(Arc::new(Inner {
            entries,
            index,
            state: self.state,
            default_timeout: self.default_timeout,
            guards: Arc::new(Guards { root, url_hosts }),
        })))
    }
}

//! Tools declared at runtime, from a name, a description, a JSON Schema and an async body: what
//! a gateway builds from an upstream server's `tools/list`, and what an application builds from
//! its own configuration. The executor treats them exactly like `#[tool]` functions.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::call::CallArguments;
use crate::decl::{Constraints, ParamDecl, PolicyDecl, ToolDecl};
use crate::policy::rate_limit::Rate;
use crate::tool::{Tool, ToolFuture};
use crate::validate::{ArgRules, NestedRules};
use crate::{RegistryError, ToolContext, ToolError};

type Body = dyn Fn(Value, ToolContext) -> ToolFuture + Send + Sync;

/// A tool declared at runtime: its input schema is compiled once (a standard JSON Schema
/// validator, no remote `$ref` ever fetched) and every call is checked against it before the
/// body runs, with the same structured `invalid_arguments` errors as a `#[tool]`; permissions,
/// rate limits, the circuit breaker, confirmation of destructive calls, timeouts, retries and
/// audit come from the declared policy, as for a `#[tool]`.
///
/// Its declaration is kept for the life of the process (the registry holds declarations as
/// `&'static` data, the way `#[tool]` emits them): build dynamic tools once, at startup, not
/// per request.
///
/// ```
/// use serde_json::json;
/// use toolwright::{DynamicTool, Executor, Principal, Registry, ToolCall};
///
/// let tool = DynamicTool::builder(
///     "lookup_ticket",
///     "Look up a support ticket by its id. Returns its title and status.",
/// )
/// .input_schema(json!({
///     "type": "object",
///     "properties": {"id": {"type": "integer", "minimum": 1, "description": "The ticket's number"}},
///     "required": ["id"],
/// }))
/// .permission("tickets:read")
/// .read_only(true)
/// .body(|args, _ctx| async move { Ok(json!({"id": args["id"], "status": "open"})) })?;
///
/// let executor = Executor::new(Registry::builder().tool(tool).build()?);
/// let agent = Principal::new("agent").grant("tickets:read");
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let bad = executor.call(&agent, &ToolCall::new("1", "lookup_ticket", r#"{"id": 0}"#)).await;
/// assert_eq!(bad.to_model_json()["errors"][0], "/id: must be at least 1");
/// let good = executor.call(&agent, &ToolCall::new("2", "lookup_ticket", r#"{"id": 7}"#)).await;
/// assert_eq!(good.outcome.unwrap()["status"], "open");
/// # });
/// # Ok::<(), toolwright::RegistryError>(())
/// ```
#[derive(Clone)]
pub struct DynamicTool {
    decl: &'static ToolDecl,
    title: Option<&'static str>,
    input_schema: Arc<Value>,
    output_schema: Option<Arc<Value>>,
    validator: Arc<NestedRules>,
    body: Arc<Body>,
    mcp_result: bool,
}

impl std::fmt::Debug for DynamicTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.decl.debug_as("DynamicTool", f)
    }
}

impl DynamicTool {
    /// Starts a tool named `name` (1–64 letters, digits, `_` or `-`) described by `description`.
    /// Without further settings it takes no arguments, needs no permission, is treated as
    /// neither read-only nor destructive, and gets the registry's default timeout.
    pub fn builder(name: impl Into<String>, description: impl Into<String>) -> DynamicToolBuilder {
        DynamicToolBuilder {
            name: name.into(),
            description: description.into(),
            input_schema: serde_json::json!({"type": "object", "properties": {}}),
            output_schema: None,
            permissions: Vec::new(),
            secret_keys: Vec::new(),
            policy: PolicyDecl::default(),
            title: None,
            mcp_result: false,
        }
    }

    /// The declaration (leaked once, when the tool was built).
    pub fn decl(&self) -> &'static ToolDecl {
        self.decl
    }
}

/// Configures a [`DynamicTool`]; [`body`](Self::body) builds it.
///
/// The policy is checked when the tool is registered
/// ([`RegistryBuilder::build`](crate::RegistryBuilder::build)), with the rules `#[tool]`
/// enforces at compile time: a destructive tool without a permission, for one, is refused.
///
/// ```
/// use std::time::Duration;
/// use serde_json::json;
/// use toolwright::{DynamicTool, Rate, Registry, RegistryError};
///
/// let schema = json!({
///     "type": "object",
///     "properties": {"id": {"type": "string", "description": "The document's id, e.g. \"kb-102\""}},
///     "required": ["id"],
/// });
/// let builder = || {
///     DynamicTool::builder("delete_document", "Delete a document by its id. Returns the deleted id.")
///         .input_schema(schema.clone())
///         .destructive(true)
///         .timeout(Duration::from_secs(5))
///         .rate_limit(Rate::per_minute(10))
/// };
///
/// let unguarded = builder().body(|args, _ctx| async move { Ok(args["id"].clone()) })?;
/// let refused = Registry::builder().tool(unguarded).build();
/// assert!(matches!(refused, Err(RegistryError::InvalidDeclaration { .. })));
///
/// let tool = builder()
///     .permission("kb:write")
///     .body(|args, _ctx| async move { Ok(args["id"].clone()) })?;
/// assert!(tool.decl().policy.destructive);
/// assert_eq!(tool.decl().policy.permissions, ["kb:write"]);
/// assert_eq!(Registry::builder().tool(tool).build()?.len(), 1);
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct DynamicToolBuilder {
    name: String,
    description: String,
    input_schema: Value,
    output_schema: Option<Value>,
    permissions: Vec<String>,
    secret_keys: Vec<String>,
    policy: PolicyDecl,
    title: Option<String>,
    mcp_result: bool,
}

impl DynamicToolBuilder {
    crate::setters! {
        /// The input JSON Schema: an object schema (`"type": "object"`), in the draft its
        /// `$schema` names (2020-12 when it names none). Every call is validated against it.
        pub fn input_schema(schema: Value) => input_schema = schema;
        /// The display name hosts show (MCP `title`), e.g. an upstream server's own title.
        pub fn title(title: impl Into<String>) => title = Some(title.into());
        /// The output JSON Schema, shown to clients (MCP `outputSchema`).
        pub fn output_schema(schema: Value) => output_schema = Some(schema);
        /// The body returns an MCP `CallToolResult` object, `{"content": [...],
        /// "structuredContent"?: {...}}`, e.g. what another MCP server answered: an MCP server
        /// sends its content blocks as they are (images, audio, resources, text as written) and
        /// its `structuredContent`, instead of the value as JSON text. Other providers, the
        /// audit and traces see the object as the tool's value. A value without a `content`
        /// array, or with blocks MCP does not know, is sent as JSON text like any other.
        pub fn mcp_result(yes: bool) => mcp_result = yes;
    }

    /// A permission a principal needs to see and call the tool (all of them are needed).
    pub fn permission(mut self, permission: impl Into<String>) -> Self {
        self.permissions.push(permission.into());
        self
    }

    /// Several permissions at once.
    pub fn permissions<I, S>(mut self, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.permissions
            .extend(permissions.into_iter().map(Into::into));
        self
    }

    crate::setters! {
        /// The tool only reads (MCP `readOnlyHint`).
        pub fn read_only(yes: bool) => policy.read_only = yes;
        /// The tool changes or destroys something: every call waits for a human's yes (deny
        /// by default). Needs at least one permission.
        pub fn destructive(yes: bool) => policy.destructive = yes;
        /// Calling twice with the same arguments is the same as once (retries are allowed).
        pub fn idempotent(yes: bool) => policy.idempotent = yes;
        /// The tool reaches the outside world (MCP `openWorldHint`).
        pub fn open_world(yes: bool) => policy.open_world = yes;
        /// The per-call timeout (the registry default otherwise).
        pub fn timeout(timeout: Duration) => policy.timeout = Some(timeout);
        /// Extra attempts for retryable errors; only for idempotent or read-only tools, at
        /// most 10.
        pub fn retries(retries: u32) => policy.retries = retries;
        /// A per-principal rate limit on this tool.
        pub fn rate_limit(rate: Rate) => policy.rate_limit = Some(rate);
    }

    /// A top-level argument whose value audit records replace with `"[REDACTED]"` (keys at
    /// any depth are redacted with [`ExecutorBuilder::redact_key`](crate::ExecutorBuilder::redact_key)).
    pub fn secret(mut self, key: impl Into<String>) -> Self {
        self.secret_keys.push(key.into());
        self
    }

    /// Builds the tool around `body`, which gets the validated arguments object and the
    /// call's context. Like a `#[tool]` body, it runs only after every policy let the call
    /// through, within the timeout, and may be dropped at the deadline.
    ///
    /// # Errors
    /// [`RegistryError::InvalidDeclaration`] when the input schema does not compile or its
    /// root is not an object schema, or a secret key is not a property. The name and the
    /// policy are checked when the tool is registered:
    /// [`RegistryBuilder::build`](crate::RegistryBuilder::build) refuses a policy that breaks a
    /// rule `#[tool]` enforces at compile time (e.g. destructive without a permission, retries
    /// on a tool that is not idempotent).
    pub fn body<F, Fut>(self, body: F) -> Result<DynamicTool, RegistryError>
    where
        F: Fn(Value, ToolContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ToolError>> + Send + 'static,
    {
        let wrong = |message: String| RegistryError::InvalidDeclaration {
            tool: self.name.chars().take(64).collect(),
            message,
        };
        let properties = object_properties(&self.input_schema).map_err(wrong)?;
        if let Some(key) = self
            .secret_keys
            .iter()
            .find(|k| !properties.contains_key(k.as_str()))
        {
            return Err(wrong(format!(
                "the secret key `{key}` is not a property of the input schema"
            )));
        }
        let validator = NestedRules::compile_whole(&self.input_schema).map_err(wrong)?;
        let required: Vec<&str> = self
            .input_schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let params: Vec<ParamDecl> = properties
            .iter()
            .map(|(name, schema)| ParamDecl {
                name: leak(name),
                description: leak(
                    schema
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                ),
                required: required.contains(&name.as_str()),
                constraints: Constraints {
                    secret: self.secret_keys.iter().any(|k| k == name),
                    ..Constraints::default()
                },
            })
            .collect();
        let permissions: Vec<&'static str> = self.permissions.iter().map(|p| leak(p)).collect();
        let decl: &'static ToolDecl = Box::leak(Box::new(ToolDecl {
            name: leak(&self.name),
            description: leak(&self.description),
            params: Box::leak(params.into_boxed_slice()),
            policy: PolicyDecl {
                permissions: Box::leak(permissions.into_boxed_slice()),
                ..self.policy
            },
            input_schema: open_object_schema,
            output_schema: no_schema,
        }));
        let body: Arc<Body> = Arc::new(move |args, ctx| Box::pin(body(args, ctx)));
        Ok(DynamicTool {
            decl,
            title: self.title.as_deref().map(leak),
            input_schema: Arc::new(self.input_schema),
            output_schema: self.output_schema.map(Arc::new),
            validator: Arc::new(validator),
            body,
            mcp_result: self.mcp_result,
        })
    }
}

/// The `properties` of an object schema root; an error for any other root (a tool's arguments
/// are always one JSON object).
fn object_properties(schema: &Value) -> Result<Map<String, Value>, String> {
    let Value::Object(root) = schema else {
        return Err("the input schema must be a JSON object with \"type\": \"object\"".into());
    };
    if root.get("type").and_then(Value::as_str) != Some("object") {
        return Err(
            "the input schema's root must be `\"type\": \"object\"`: a tool's arguments are one JSON object"
                .into(),
        );
    }
    match root.get("properties") {
        None => Ok(Map::new()),
        Some(Value::Object(props)) => Ok(props.clone()),
        Some(_) => Err("the input schema's `properties` must be an object".into()),
    }
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

/// What the declaration's schema builder returns: the real schema lives in the tool and is
/// read through [`Tool::input_schema`].
fn open_object_schema() -> Value {
    serde_json::json!({"type": "object"})
}

fn no_schema() -> Option<Value> {
    None
}

impl Tool for DynamicTool {
    fn decl(&self) -> &'static ToolDecl {
        self.decl
    }

    fn title(&self) -> Option<&'static str> {
        self.title
    }

    fn input_schema(&self) -> Value {
        (*self.input_schema).clone()
    }

    fn output_schema(&self) -> Option<Value> {
        self.output_schema.as_deref().cloned()
    }

    fn validates_whole_schema(&self) -> bool {
        true
    }

    fn returns_mcp_result(&self) -> bool {
        self.mcp_result
    }

    fn prepare(
        &self,
        args: &CallArguments,
        _rules: &ArgRules,
        ctx: ToolContext,
    ) -> Result<ToolFuture, ToolError> {
        let args = crate::validate::object_of(args)?.into_owned();
        self.validator.check(&args)?;
        Ok((self.body)(args, ctx))
    }
}

//! The object-safe [`Tool`] trait the registry stores, and [`ToolSet`] for types whose
//! `#[tools]` impl block declares several tools over shared state.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::call::CallArguments;
use crate::decl::{Icon, ToolDecl};
use crate::validate::ArgRules;
use crate::{ToolContext, ToolError};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The running body of one call, produced after its arguments were validated.
pub type ToolFuture = BoxFuture<'static, Result<Value, ToolError>>;

/// A callable tool. `#[tool]` implements it; the executor drives it.
///
/// Implementations must not run any side effect in [`Tool::prepare`]: the returned future is
/// the body, and the executor decides whether (and how often) it is polled.
///
/// Most tools are `#[tool]` functions; a tool known only at runtime (from configuration, from
/// an upstream server's list) is a [`DynamicTool`](crate::DynamicTool), with a JSON Schema and
/// a closure. Implement `Tool` by hand for what neither declares, e.g. one tool served under a
/// second name for prompts written against an older version:
///
/// ```
/// use toolwright::decl::ToolDecl;
/// use toolwright::{
///     ArgRules, CallArguments, Executor, Principal, Registry, Tool, ToolCall, ToolContext,
///     ToolError, ToolFuture, tool,
/// };
///
/// /// Look up a customer record by id in the CRM. Returns the record's display name.
/// #[tool(read_only)]
/// async fn lookup_customer_record(
///     /// Customer id, e.g. "cus_1042"
///     #[arg(min_len = 1, max_len = 64)]
///     id: String,
/// ) -> Result<String, ToolError> {
///     Ok(format!("Customer {id}"))
/// }
///
/// /// `lookup_customer_record` under another declaration (here: its old name).
/// struct Renamed(&'static ToolDecl);
///
/// impl Tool for Renamed {
///     fn decl(&self) -> &'static ToolDecl {
///         self.0
///     }
///
///     fn prepare(
///         &self,
///         args: &CallArguments,
///         rules: &ArgRules,
///         ctx: ToolContext,
///     ) -> Result<ToolFuture, ToolError> {
///         lookup_customer_record.prepare(args, rules, ctx)
///     }
/// }
///
/// let current = lookup_customer_record.decl();
/// // Declarations are `'static` data: build this one once, at startup.
/// let old_name: &'static ToolDecl = Box::leak(Box::new(ToolDecl {
///     name: "get_customer",
///     description: current.description,
///     params: current.params,
///     policy: current.policy,
///     input_schema: current.input_schema,
///     output_schema: current.output_schema,
/// }));
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let registry = Registry::builder()
///     .tool(lookup_customer_record)
///     .tool(Renamed(old_name))
///     .build()?;
/// let executor = Executor::new(registry);
/// let call = ToolCall::new("c1", "get_customer", r#"{"id": "cus_1042"}"#);
/// let result = executor.call(&Principal::anonymous(), &call).await;
/// assert_eq!(result.outcome.unwrap(), "Customer cus_1042");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
pub trait Tool: Send + Sync + 'static {
    /// The declaration: name, descriptions, constraints, policy.
    fn decl(&self) -> &'static ToolDecl;

    /// Example arguments, each one JSON object (`#[tool(example = r#"{…}"#)]`), checked
    /// against the input schema when the registry is built and shown to the model (Anthropic
    /// `input_examples`, the description elsewhere).
    fn examples(&self) -> &'static [&'static str] {
        &[]
    }

    /// A short human-readable name hosts show instead of the tool's name
    /// (`#[tool(title = "…")]`; MCP `title`). MCP servers fall back to the description's first
    /// sentence.
    fn title(&self) -> Option<&'static str> {
        None
    }

    /// Images hosts may show beside the tool (`#[tool(icons = [...])]`; MCP `icons`).
    fn icons(&self) -> &'static [Icon] {
        &[]
    }

    /// The input JSON Schema, built once at registration. By default the declaration's
    /// builder; a [`DynamicTool`](crate::DynamicTool) returns the schema it was given.
    fn input_schema(&self) -> Value {
        (self.decl().input_schema)()
    }

    /// The output JSON Schema, built once at registration. By default the declaration's builder.
    fn output_schema(&self) -> Option<Value> {
        (self.decl().output_schema)()
    }

    /// Whether [`Tool::prepare`] itself enforces everything [`Tool::input_schema`] says, so the
    /// registry compiles no checker of its own for it (a tool declared at runtime, validated by
    /// a compiled JSON Schema, does).
    #[doc(hidden)]
    fn validates_whole_schema(&self) -> bool {
        false
    }

    /// Whether the tool's value is an MCP `CallToolResult` (`{"content": [...],
    /// "structuredContent"?: ...}`) that MCP servers forward as it is: content blocks of every
    /// type (images, resources, text as written) instead of the value as JSON text. A tool
    /// declared at runtime in front of another MCP server sets it
    /// ([`DynamicToolBuilder::mcp_result`](crate::DynamicToolBuilder::mcp_result)).
    #[doc(hidden)]
    fn returns_mcp_result(&self) -> bool {
        false
    }

    /// Parses and validates `args`, returning the body's future, or every argument error.
    /// The executor calls it only with arguments whose root may be a JSON object (text that
    /// starts like one, an object value): anything else is refused before, for every tool.
    ///
    /// # Errors
    /// `invalid_arguments` listing each problem with its JSON pointer.
    fn prepare(
        &self,
        args: &CallArguments,
        rules: &ArgRules,
        ctx: ToolContext,
    ) -> Result<ToolFuture, ToolError>;
}

impl<T: Tool + ?Sized> Tool for Arc<T> {
    fn decl(&self) -> &'static ToolDecl {
        (**self).decl()
    }
    fn examples(&self) -> &'static [&'static str] {
        (**self).examples()
    }
    fn title(&self) -> Option<&'static str> {
        (**self).title()
    }
    fn icons(&self) -> &'static [Icon] {
        (**self).icons()
    }

    fn input_schema(&self) -> Value {
        (**self).input_schema()
    }
    fn output_schema(&self) -> Option<Value> {
        (**self).output_schema()
    }
    fn validates_whole_schema(&self) -> bool {
        (**self).validates_whole_schema()
    }
    fn returns_mcp_result(&self) -> bool {
        (**self).returns_mcp_result()
    }
    fn prepare(
        &self,
        args: &CallArguments,
        rules: &ArgRules,
        ctx: ToolContext,
    ) -> Result<ToolFuture, ToolError> {
        (**self).prepare(args, rules, ctx)
    }
}

/// A type whose `#[tools]` impl block declares tools as methods over shared state.
///
/// Register every tool of the block with
/// [`RegistryBuilder::tools`](crate::RegistryBuilder::tools), passing the state (or
/// [`tools_shared`](crate::RegistryBuilder::tools_shared), for an `Arc` you keep). `#[tools]`
/// implements it; you do not.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use toolwright::{Executor, Principal, Registry, ToolCall, tool, tools};
///
/// struct PageViews {
///     count: AtomicU64,
/// }
///
/// #[tools]
/// impl PageViews {
///     /// Record one view of the landing page in the shared counter. Returns the new total.
///     #[tool]
///     fn record_page_view(&self) -> u64 {
///         self.count.fetch_add(1, Ordering::Relaxed) + 1
///     }
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let views = Arc::new(PageViews { count: AtomicU64::new(0) });
/// let registry = Registry::builder().tools_shared(views.clone()).build()?;
/// let executor = Executor::new(registry);
/// executor.call(&Principal::anonymous(), &ToolCall::new("c1", "record_page_view", "{}")).await;
/// // The application reads the same state the tools change.
/// assert_eq!(views.count.load(Ordering::Relaxed), 1);
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
pub trait ToolSet: Send + Sync + Sized + 'static {
    /// One tool object per `#[tool]` method, each holding a clone of `this`.
    fn into_tools(this: Arc<Self>) -> Vec<Box<dyn Tool>>;
}

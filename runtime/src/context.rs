//! What the runtime hands a running tool: who called, which call this is, a cancellation
//! token to honour, and the shared state registered on the registry.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{Principal, ToolError};

/// Shared state registered with [`RegistryBuilder::state`](crate::RegistryBuilder::state),
/// looked up by type.
#[derive(Clone, Default)]
pub(crate) struct StateMap(Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        Arc::make_mut(&mut self.0).insert(TypeId::of::<T>(), Arc::new(value));
    }

    fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref()
    }
}

/// The context of one tool call. Declare a `ctx: &ToolContext` parameter to receive it; it
/// never appears in the tool's schema.
///
/// ```
/// use toolwright::{tool, ToolContext, ToolError};
///
/// struct Db { greeting: String }
///
/// /// Greet the calling user by their principal id. Returns the greeting text.
/// #[tool(read_only)]
/// async fn greet_caller(ctx: &ToolContext) -> Result<String, ToolError> {
///     let db = ctx.state::<Db>()?;
///     Ok(format!("{}, {}", db.greeting, ctx.principal().id()))
/// }
/// ```
#[derive(Clone)]
pub struct ToolContext {
    call_id: Arc<str>,
    tool: &'static str,
    principal: Principal,
    cancel: CancellationToken,
    attempt: u32,
    state: StateMap,
}

impl ToolContext {
    pub(crate) fn new(
        call_id: Arc<str>,
        tool: &'static str,
        principal: Principal,
        state: StateMap,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            call_id,
            tool,
            principal,
            cancel,
            attempt: 0,
            state,
        }
    }

    /// A context for calling a tool function directly in a unit test.
    ///
    /// ```
    /// use toolwright::{Principal, ToolContext};
    /// let ctx = ToolContext::for_test(Principal::new("tester"));
    /// assert_eq!(ctx.principal().id(), "tester");
    /// ```
    pub fn for_test(principal: Principal) -> Self {
        Self::new(
            "test-call".into(),
            "test",
            principal,
            StateMap::default(),
            CancellationToken::new(),
        )
    }

    pub(crate) fn with_attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }

    /// The model's id for this call (echoed back with the result).
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The name of the tool being called.
    pub fn tool_name(&self) -> &'static str {
        self.tool
    }

    /// Who is calling.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Cancelled when the call's deadline passes or the caller goes away. Long-running tools
    /// should `select!` on [`CancellationToken::cancelled`] and stop side effects promptly.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Whether the call was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Which attempt this is: 0 for the first, 1 for the first retry, …
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Shared state of type `T` registered on the registry.
    ///
    /// # Errors
    /// A `failed` error naming the type when no such state was registered.
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T, ToolError> {
        self.state.get::<T>().ok_or_else(|| {
            ToolError::failed(format!(
                "the tool needs shared state of type `{}`, but none was registered \
                 (call `Registry::builder().state(value)`)",
                type_name::<T>()
            ))
        })
    }
}

impl std::fmt::Debug for ToolContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolContext")
            .field("call_id", &self.call_id)
            .field("tool", &self.tool)
            .field("principal", &self.principal.id())
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

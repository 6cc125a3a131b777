//! What the runtime hands a running tool: who called, which call this is, a cancellation
//! token to honour, a progress reporter, and the shared state registered on the registry.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::future::Future;
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
    progress: Progress,
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
            // Whoever runs the call (an MCP server for a client that sent a progress token)
            // may have put a reporter in scope; the context is built in that scope, before the
            // body is spawned onto a task of its own.
            progress: CURRENT_PROGRESS.try_with(Clone::clone).unwrap_or_default(),
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

    /// Reports how far the call got, to a caller that asked for progress (an MCP client that
    /// sent a progress token gets `notifications/progress`); a no-op for everyone else.
    ///
    /// ```
    /// use toolwright::{tool, ToolContext};
    ///
    /// /// Reindex every document of the knowledge base. Returns how many were indexed.
    /// #[tool(idempotent)]
    /// async fn reindex_documents(ctx: &ToolContext) -> u32 {
    ///     for done in 1..=3u32 {
    ///         ctx.progress().report(f64::from(done), Some(3.0), Some("indexing"));
    ///     }
    ///     3
    /// }
    /// ```
    pub fn progress(&self) -> &Progress {
        &self.progress
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
            .field("progress", &self.progress.is_enabled())
            .finish_non_exhaustive()
    }
}

tokio::task_local! {
    static CURRENT_PROGRESS: Progress;
}

/// One progress report of a running tool, as a [`Progress`] sink receives it (the example on
/// [`Progress`] collects them).
///
/// ```
/// use toolwright::ProgressUpdate;
///
/// let update = ProgressUpdate { progress: 2.0, total: Some(3.0), message: Some("indexing".into()) };
/// assert_eq!(update.total.map(|t| update.progress / t), Some(2.0 / 3.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressUpdate {
    /// How far the call got; should grow with every report, even without a known total.
    pub progress: f64,
    /// The value `progress` reaches when done, if known.
    pub total: Option<f64>,
    /// What is being done now, in words for a human.
    pub message: Option<String>,
}

type Sink = Arc<dyn Fn(ProgressUpdate) + Send + Sync>;

/// Where a tool's progress reports go: a sink set by whoever runs the call, or nowhere (the
/// default, when the caller did not ask for progress). Reporting never blocks and never fails;
/// a sink that cannot keep up may drop reports.
///
/// A tool reports through [`ToolContext::progress`]; whoever runs the call collects the
/// reports by running it inside [`Progress::scope`]:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use toolwright::{
///     Executor, Principal, Progress, ProgressUpdate, Registry, ToolCall, ToolContext, tool,
/// };
///
/// /// Reindex every document of the knowledge base. Returns how many were indexed.
/// #[tool(idempotent)]
/// async fn reindex_documents(ctx: &ToolContext) -> u32 {
///     for done in 1..=2u32 {
///         ctx.progress().report(f64::from(done), Some(2.0), Some("indexing"));
///     }
///     2
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(reindex_documents).build()?);
/// let updates = Arc::new(Mutex::new(Vec::new()));
/// let sink = updates.clone();
/// let progress = Progress::new(move |update| sink.lock().unwrap().push(update));
///
/// let call = ToolCall::new("c1", "reindex_documents", "{}");
/// let result = progress.scope(executor.call(&Principal::anonymous(), &call)).await;
/// assert_eq!(result.outcome.unwrap(), 2);
/// let updates = updates.lock().unwrap();
/// assert_eq!(updates.len(), 2);
/// assert_eq!(
///     updates[1],
///     ProgressUpdate { progress: 2.0, total: Some(2.0), message: Some("indexing".into()) }
/// );
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct Progress(Option<Sink>);

impl Progress {
    /// A reporter that hands every report to `sink` (which must not block).
    pub fn new(sink: impl Fn(ProgressUpdate) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(sink)))
    }

    /// Reports `progress` (of `total`, if known) with an optional message. No-op when nobody
    /// listens; a non-finite `progress` is dropped.
    pub fn report(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        if let Some(sink) = &self.0
            && progress.is_finite()
        {
            sink(ProgressUpdate {
                progress,
                total: total.filter(|t| t.is_finite()),
                message: message.map(str::to_owned),
            });
        }
    }

    /// Whether anybody listens (a tool may skip computing expensive reports otherwise).
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Runs `future` with this reporter given to every tool context created inside it, e.g.
    /// around [`Executor::call`](crate::Executor::call) for one call.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::sync::{Arc, Mutex};
    /// use toolwright::{Principal, Progress, ToolContext};
    ///
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let sink = seen.clone();
    /// let progress = Progress::new(move |u| sink.lock().unwrap().push(u.progress));
    /// progress
    ///     .scope(async {
    ///         let ctx = ToolContext::for_test(Principal::new("tester"));
    ///         ctx.progress().report(0.5, Some(1.0), None);
    ///     })
    ///     .await;
    /// assert_eq!(*seen.lock().unwrap(), vec![0.5]);
    /// # }
    /// ```
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT_PROGRESS.scope(self, future).await
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Progress").field(&self.is_enabled()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::Principal;

    #[test]
    fn without_a_reporter_in_scope_progress_is_a_no_op() {
        let ctx = ToolContext::for_test(Principal::new("t"));
        assert!(!ctx.progress().is_enabled());
        ctx.progress().report(1.0, None, Some("ignored"));
    }

    #[tokio::test]
    async fn contexts_built_in_scope_report_to_the_sink_even_from_another_task() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let progress = Progress::new(move |u| sink.lock().unwrap().push(u));
        let ctx = progress
            .scope(async { ToolContext::for_test(Principal::new("t")) })
            .await;
        tokio::spawn(async move {
            ctx.progress().report(1.0, Some(2.0), Some("half"));
            ctx.progress().report(f64::NAN, None, None);
            ctx.progress().report(2.0, Some(f64::INFINITY), None);
        })
        .await
        .unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            vec![
                ProgressUpdate {
                    progress: 1.0,
                    total: Some(2.0),
                    message: Some("half".into())
                },
                ProgressUpdate {
                    progress: 2.0,
                    total: None,
                    message: None
                },
            ]
        );
    }
}

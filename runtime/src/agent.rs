//! The agent loop: send the conversation and the principal's tools to a model, execute the
//! tool calls it returns (concurrently when a turn has several), feed the results back, and
//! stop at a final answer or at the iteration limit.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use crate::call::{ToolCall, ToolResult, TurnContent};
pub use crate::providers::ToolChoice;
use crate::providers::search::{MAX_SEARCH_RESULTS, SEARCH_TOOL, ToolIndex};
use crate::registry::ToolEntry;
use crate::tool::BoxFuture;
use crate::{ErrorKind, Executor, Principal, ToolError};

/// The default iteration limit.
pub const DEFAULT_MAX_ITERATIONS: u32 = 10;

/// The default cap on tool calls run from one model turn.
pub const DEFAULT_MAX_CALLS_PER_TURN: usize = 16;

/// The default number of one turn's calls that run at once.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 4;

/// One message of a conversation, independent of any provider's wire shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// The system prompt.
    System(String),
    /// What the user said.
    User(String),
    /// The model's turn: optional text, and the tool calls it asked for.
    Assistant {
        /// Text the model wrote alongside (or instead of) calls.
        text: Option<String>,
        /// Tool calls, in the model's order.
        tool_calls: Vec<ToolCall>,
        /// What else the turn held (thinking, reasoning items, server tool search results),
        /// sent back unchanged to the provider it came from and to no other.
        provider_content: Option<TurnContent>,
    },
    /// The results of one turn's tool calls, in call order.
    ToolResults(Vec<ToolResult>),
}

/// What the model answered.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelTurn {
    /// A final answer: the loop ends.
    Final(String),
    /// Tool calls to execute, with optional text.
    ToolCalls {
        /// Text alongside the calls.
        text: Option<String>,
        /// The calls.
        calls: Vec<ToolCall>,
        /// The turn's other content (see [`Message::Assistant`]).
        provider_content: Option<TurnContent>,
    },
    /// The model ran out of output tokens (`max_tokens`, `length`, `MAX_TOKENS`): its text is
    /// cut and any tool calls in it may be incomplete, so none is run. The loop ends.
    Truncated {
        /// The text so far.
        text: String,
    },
    /// The provider paused a long turn of its own server tools (Anthropic `stop_reason:
    /// "pause_turn"`): the loop sends the turn back as it is, so the model carries on, and
    /// counts it as an iteration.
    Paused {
        /// Text so far.
        text: Option<String>,
        /// The turn's content, sent back to continue it.
        provider_content: Option<TurnContent>,
    },
}

impl ModelTurn {
    /// A turn that calls tools.
    pub fn calls(calls: impl IntoIterator<Item = ToolCall>) -> Self {
        Self::ToolCalls {
            text: None,
            calls: calls.into_iter().collect(),
            provider_content: None,
        }
    }

    /// A final answer.
    pub fn final_text(text: impl Into<String>) -> Self {
        Self::Final(text.into())
    }
}

/// What a model client is sent: the conversation so far, the tools the principal may use and
/// how the model may use them.
#[derive(Clone, Copy, Debug)]
pub struct ModelRequest<'a> {
    /// The conversation.
    pub messages: &'a [Message],
    /// The scoped tools to offer (export them with a provider module).
    pub tools: &'a [&'a ToolEntry],
    /// Whether and which tool the model must call this turn.
    pub tool_choice: &'a ToolChoice,
    /// Whether the model may call several tools in one turn (`None`: the provider's default).
    pub parallel_tool_calls: Option<bool>,
    /// Scoped tools to send for the provider's own tool search (`defer_loading`), beside
    /// `tools`; empty unless the client said it searches natively
    /// ([`ModelClient::native_tool_search`]) and [`Agent::tool_search`] is on.
    pub deferred_tools: &'a [&'a ToolEntry],
}

impl<'a> ModelRequest<'a> {
    /// A request with the providers' defaults (`ToolChoice::Auto`, parallel calls as the
    /// provider decides).
    pub fn new(messages: &'a [Message], tools: &'a [&'a ToolEntry]) -> Self {
        Self {
            messages,
            tools,
            tool_choice: &ToolChoice::Auto,
            parallel_tool_calls: None,
            deferred_tools: &[],
        }
    }
}

/// Why a model call failed. Every variant prints as a sentence a person can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The request could not be made (bad configuration, say).
    #[error("the model request failed: {0}")]
    Request(String),
    /// The provider answered with an error status.
    #[error("the model API answered HTTP {status}: {message}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The provider's own message (or an excerpt of the body).
        message: String,
    },
    /// The provider asked us to slow down (retries, if any, were used up).
    #[error("{}", rate_limited_text(*.retry_after_ms, .message.as_deref()))]
    RateLimited {
        /// From the provider's `retry-after`, when given.
        retry_after_ms: Option<u64>,
        /// The provider's message, when it sent one.
        message: Option<String>,
    },
    /// The account is out of credit or quota (OpenAI `insufficient_quota`, Anthropic's
    /// "credit balance is too low" and `billing_error`, any HTTP 402): waiting will not help,
    /// so it is never retried.
    #[error(
        "the model account has run out of quota; retrying will not help until it is topped up: {message}"
    )]
    QuotaExhausted {
        /// The provider's message.
        message: String,
    },
    /// No answer within the client's request timeout.
    #[error("the model API did not answer within {} s (the request timeout)", .after_ms / 1000)]
    Timeout {
        /// The timeout that passed.
        after_ms: u64,
    },
    /// The provider could not be reached (DNS, refused connection, TLS); `cause` is the whole
    /// chain, e.g. `… Connection refused (os error 111)` or `… UnknownIssuer`.
    #[error("the model API at {url} could not be reached: {cause}")]
    Connection {
        /// Where the request went.
        url: String,
        /// Every cause, outermost first, joined with `: `.
        cause: String,
    },
    /// The provider's response could not be understood.
    #[error("the model's response could not be parsed: {0}")]
    Malformed(String),
    /// A scripted model ran out of turns.
    #[error("the scripted model has no more turns")]
    ScriptExhausted,
}

fn rate_limited_text(retry_after_ms: Option<u64>, message: Option<&str>) -> String {
    let mut text = "the model API is rate limiting this client".to_owned();
    match retry_after_ms {
        Some(ms) => text.push_str(&format!(
            "; it asks to retry after {:.1} s",
            ms as f64 / 1000.0
        )),
        None => text.push_str("; it gave no retry time"),
    }
    if let Some(m) = message {
        text.push_str(": ");
        text.push_str(m);
    }
    text
}

/// A model API: sends a request, returns the model's turn.
pub trait ModelClient: Send + Sync {
    /// One round trip.
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>>;

    /// Whether the provider searches deferred tools itself (OpenAI Responses' hosted
    /// `tool_search`, Anthropic's tool search tool): then [`Agent::tool_search`] sends the
    /// principal's other tools as [`ModelRequest::deferred_tools`] instead of offering the
    /// local `search_tools`. `false` by default.
    fn native_tool_search(&self) -> bool {
        false
    }
}

/// A model client behind a pointer (`Box<dyn ModelClient>`, `Arc<…>`) is the client it points
/// to.
macro_rules! forward_model_client {
    ($($pointer:ident),+) => {$(
        impl<T: ModelClient + ?Sized> ModelClient for $pointer<T> {
            fn complete<'a>(
                &'a self,
                request: ModelRequest<'a>,
            ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
                (**self).complete(request)
            }

            fn native_tool_search(&self) -> bool {
                (**self).native_tool_search()
            }
        }
    )+};
}

forward_model_client!(Box, Arc);

/// How an agent run ended. Hitting the iteration limit is an outcome, not an error.
#[derive(Clone, Debug, PartialEq)]
pub enum AgentOutcome {
    /// The model gave a final answer.
    Final(String),
    /// The model was still calling tools after `max_iterations` turns.
    IterationLimit {
        /// The limit that was reached.
        max_iterations: u32,
    },
    /// The model ran out of output tokens; `text` is cut short and no call of that turn ran.
    Truncated {
        /// The text so far.
        text: String,
    },
}

/// The result of [`Agent::run`]: the outcome and the whole conversation.
#[derive(Debug)]
pub struct AgentRun {
    /// How the run ended.
    pub outcome: AgentOutcome,
    /// Every message, the prompt first.
    pub messages: Vec<Message>,
    /// How many model turns were taken.
    pub iterations: u32,
}

/// A run that stopped because the model client failed, with everything that happened
/// before: the calls that already ran (and their results) are in `messages`, so a caller can
/// still show or audit them.
#[derive(Debug, thiserror::Error)]
#[error("{error} (after {iterations} model turn(s); {} tool call(s) had already run)", ran_calls(.messages))]
pub struct AgentError {
    /// Why the model call failed.
    #[source]
    pub error: ModelError,
    /// The conversation up to the failure, tool results included.
    pub messages: Vec<Message>,
    /// Model turns attempted, the failed one included.
    pub iterations: u32,
}

impl AgentError {
    /// The results of every call that ran before the failure, in order.
    pub fn completed_calls(&self) -> impl Iterator<Item = &ToolResult> {
        self.messages.iter().flat_map(|m| match m {
            Message::ToolResults(r) => r.as_slice(),
            _ => &[],
        })
    }
}

fn ran_calls(messages: &[Message]) -> usize {
    messages
        .iter()
        .map(|m| match m {
            Message::ToolResults(r) => r.len(),
            _ => 0,
        })
        .sum()
}

type Observer = Box<dyn Fn(&Message) + Send + Sync>;

/// Offer a few tools and a search instead of every tool, for registries too big to send
/// whole (see [`Agent::tool_search`]).
#[derive(Clone, Debug)]
pub struct ToolSearch {
    always: Vec<String>,
    results: usize,
}

impl Default for ToolSearch {
    fn default() -> Self {
        Self::new()
    }
}

impl ToolSearch {
    /// Only `search_tools` is offered at first; a search returns 5 tools.
    pub fn new() -> Self {
        Self {
            always: Vec::new(),
            results: 5,
        }
    }

    /// Tools offered from the first turn on (when the principal may use them).
    #[must_use]
    pub fn always_offer<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.always.extend(names.into_iter().map(Into::into));
        self
    }

    /// How many tools a search returns when the model does not say (1 to 20; default 5).
    #[must_use]
    pub fn max_results(mut self, n: usize) -> Self {
        self.results = n.clamp(1, MAX_SEARCH_RESULTS as usize);
        self
    }
}

struct SearchSetup {
    config: ToolSearch,
    index: ToolIndex,
    /// A registry holding only `search_tools`, for the entry the model is offered.
    tool: Result<crate::Registry, crate::RegistryError>,
}

/// Runs a model against an executor on behalf of one principal.
///
/// ```
/// use toolwright::agent::{Agent, AgentOutcome, ModelTurn, ScriptedModel};
/// use toolwright::{tool, Executor, Principal, Registry, ToolCall};
///
/// /// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
/// #[tool(read_only)]
/// fn get_current_time() -> String { "2026-11-26T12:00:00Z".into() }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(get_current_time).build().unwrap());
/// let model = ScriptedModel::new([
///     ModelTurn::calls([ToolCall::new("c1", "get_current_time", "{}")]),
///     ModelTurn::final_text("It is noon UTC."),
/// ]);
/// let run = Agent::new(executor, model, Principal::anonymous()).run("What time is it?").await.unwrap();
/// assert_eq!(run.outcome, AgentOutcome::Final("It is noon UTC.".into()));
/// # });
/// ```
pub struct Agent<M> {
    executor: Executor,
    model: M,
    principal: Principal,
    system: Option<String>,
    max_iterations: u32,
    max_calls_per_turn: usize,
    max_concurrent_calls: usize,
    tool_choice: ToolChoice,
    parallel_tool_calls: Option<bool>,
    search: Option<SearchSetup>,
    observer: Option<Observer>,
}

impl<M: ModelClient> Agent<M> {
    /// An agent with the default iteration limit (10).
    pub fn new(executor: Executor, model: M, principal: Principal) -> Self {
        Self {
            executor,
            model,
            principal,
            system: None,
            max_iterations: DEFAULT_MAX_ITERATIONS,
            max_calls_per_turn: DEFAULT_MAX_CALLS_PER_TURN,
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            tool_choice: ToolChoice::Auto,
            parallel_tool_calls: None,
            search: None,
            observer: None,
        }
    }

    /// Calls `observer` with every message as it joins the conversation (model turns and
    /// tool results), e.g. to print a live transcript.
    #[must_use]
    pub fn on_message(mut self, observer: impl Fn(&Message) + Send + Sync + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// Ends a run on the model's last turn: its `text` joins the conversation, and `outcome`
    /// says how the run ended.
    fn finish(
        &self,
        mut messages: Vec<Message>,
        text: String,
        outcome: AgentOutcome,
        iterations: u32,
    ) -> AgentRun {
        let message = Message::Assistant {
            text: Some(text),
            tool_calls: Vec::new(),
            provider_content: None,
        };
        self.push(&mut messages, message);
        AgentRun {
            outcome,
            messages,
            iterations,
        }
    }

    fn push(&self, messages: &mut Vec<Message>, message: Message) {
        if let Some(observe) = &self.observer {
            observe(&message);
        }
        messages.push(message);
    }

    crate::setters! {
        /// Sets the system prompt.
        pub fn system(prompt: impl Into<String>) => system = Some(prompt.into());
        /// Sets the iteration limit (model turns per run).
        pub fn max_iterations(n: u32) => max_iterations = n;
        /// The most tool calls run from one model turn (default 16). Calls beyond it are not
        /// run; each gets a `denied` result saying so, so the model sees an answer for every
        /// call id.
        pub fn max_calls_per_turn(n: usize) => max_calls_per_turn = n;
        /// How many calls of one turn run at once (default 4); the rest wait their turn.
        pub fn max_concurrent_calls(n: usize) => max_concurrent_calls = n.max(1);
        /// Whether and which tool the model must call. `Required` and `Named` hold for the
        /// first turn of a run only (later turns are `Auto`, so the model can answer once it
        /// has the result); `None` holds for every turn. A named tool must be one the
        /// principal may use.
        pub fn tool_choice(choice: ToolChoice) => tool_choice = choice;
        /// Whether the model may call several tools in one turn (the provider's default when
        /// not set). `false` is sent to the provider and also enforced here: a turn's calls
        /// after the first get a `denied` result without running.
        pub fn parallel_tool_calls(allowed: bool) => parallel_tool_calls = Some(allowed);
    }

    /// Offers the model a few tools and the built-in `search_tools` instead of every tool:
    /// each search (BM25 over names and descriptions, answered here, never by a tool body)
    /// returns the best matches among the tools this principal may use, and those are
    /// offered from the next turn on. A tool outside the principal's scope is never found,
    /// never offered and never counted in the ranking. Use it with any model client.
    ///
    /// With a client whose provider searches itself ([`ModelClient::native_tool_search`]:
    /// `clients::OpenAiResponsesClient` and `clients::AnthropicClient`, feature `clients`), the
    /// provider's search is used instead: the `always_offer` tools go as usual, every other
    /// tool the principal may use goes with `defer_loading: true` beside the provider's search
    /// tool, and the search's results come back to the provider as turn content
    /// ([`Message::Assistant`]). A tool outside the principal's scope is not sent, deferred or
    /// not.
    #[must_use]
    pub fn tool_search(mut self, search: ToolSearch) -> Self {
        self.search = Some(SearchSetup {
            config: search,
            index: ToolIndex::new(self.executor.registry().clone()),
            tool: crate::providers::search::search_tool_registry(),
        });
        self
    }

    /// The model client.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Runs the loop from a user prompt.
    ///
    /// # Errors
    /// When the model client fails (the error keeps the conversation so far, with the calls
    /// that already ran); tool failures are results the model sees, not errors.
    pub async fn run(&self, prompt: impl Into<String>) -> Result<AgentRun, AgentError> {
        let mut messages: Vec<Message> = self.system.iter().cloned().map(Message::System).collect();
        messages.push(Message::User(prompt.into()));
        self.resume(messages).await
    }

    /// Continues a conversation.
    ///
    /// # Errors
    /// When the model client fails (see [`AgentError`]).
    pub async fn resume(&self, mut messages: Vec<Message>) -> Result<AgentRun, AgentError> {
        // The principal's tools in service now (one taken out of service later is refused).
        let scoped: Vec<&ToolEntry> = self
            .executor
            .registry()
            .scoped(&self.principal)
            .filter(|e| !self.executor.is_tool_disabled(e.name()))
            .collect();
        let mut search = match self.search_state(&scoped) {
            Ok(s) => s,
            Err(error) => {
                return Err(AgentError {
                    error,
                    messages,
                    iterations: 0,
                });
            }
        };
        if let ToolChoice::Named(name) = &self.tool_choice
            && !scoped.iter().any(|t| t.name() == name)
        {
            return Err(AgentError {
                error: ModelError::Request(format!(
                    "tool_choice names `{name}`, which is not a tool this principal may use"
                )),
                messages,
                iterations: 0,
            });
        }
        let mut iterations = 0;
        while iterations < self.max_iterations {
            iterations += 1;
            let (tools, deferred): (Vec<&ToolEntry>, Vec<&ToolEntry>) = match &search {
                None => (scoped.clone(), Vec::new()),
                // The provider searches: the tools not offered yet go as deferred tools, and
                // only the principal's scoped tools are ever sent.
                Some(s) if s.native => scoped
                    .iter()
                    .copied()
                    .partition(|t| s.offered.iter().any(|o| o == t.name())),
                Some(s) => (
                    scoped
                        .iter()
                        .copied()
                        .filter(|t| s.offered.iter().any(|o| o == t.name()))
                        .chain(std::iter::once(s.entry))
                        .collect(),
                    Vec::new(),
                ),
            };
            let choice = match &self.tool_choice {
                ToolChoice::Required | ToolChoice::Named(_) if iterations > 1 => &ToolChoice::Auto,
                other => other,
            };
            let turn = self
                .model
                .complete(ModelRequest {
                    messages: &messages,
                    tools: &tools,
                    tool_choice: choice,
                    parallel_tool_calls: self.parallel_tool_calls,
                    deferred_tools: &deferred,
                })
                .await;
            let turn = match turn {
                Ok(turn) => turn,
                Err(error) => {
                    return Err(AgentError {
                        error,
                        messages,
                        iterations,
                    });
                }
            };
            let (text, calls, provider_content) = match turn {
                ModelTurn::Truncated { text } => {
                    let outcome = AgentOutcome::Truncated { text: text.clone() };
                    return Ok(self.finish(messages, text, outcome, iterations));
                }
                ModelTurn::Final(text) => {
                    let outcome = AgentOutcome::Final(text.clone());
                    return Ok(self.finish(messages, text, outcome, iterations));
                }
                // Sent back as it is, so the model carries on; nothing runs.
                ModelTurn::Paused {
                    text,
                    provider_content,
                } => (text, None, provider_content),
                ModelTurn::ToolCalls {
                    text,
                    calls,
                    provider_content,
                } => (text, Some(calls), provider_content),
            };
            self.push(
                &mut messages,
                Message::Assistant {
                    text,
                    tool_calls: calls.clone().unwrap_or_default(),
                    provider_content,
                },
            );
            if let Some(calls) = calls {
                let results = self.run_turn(&calls).await;
                if let Some(s) = &mut search {
                    s.offer_found(&results);
                }
                self.push(&mut messages, Message::ToolResults(results));
            }
        }
        Ok(AgentRun {
            outcome: AgentOutcome::IterationLimit {
                max_iterations: self.max_iterations,
            },
            messages,
            iterations,
        })
    }
}

/// The tools offered so far when searching.
struct SearchState<'a> {
    entry: &'a ToolEntry,
    offered: Vec<String>,
    /// The provider searches the deferred tools itself; `search_tools` is not offered.
    native: bool,
}

impl SearchState<'_> {
    /// Offers the tools a `search_tools` result named.
    fn offer_found(&mut self, results: &[ToolResult]) {
        for r in results.iter().filter(|r| r.name == SEARCH_TOOL) {
            let Ok(value) = &r.outcome else { continue };
            let names = value
                .get("tools")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("name").and_then(serde_json::Value::as_str));
            for name in names {
                if !self.offered.iter().any(|o| o == name) {
                    self.offered.push(name.to_owned());
                }
            }
        }
    }
}

impl<M: ModelClient> Agent<M> {
    /// The search state for a run, when searching is on.
    fn search_state<'a>(
        &'a self,
        scoped: &[&ToolEntry],
    ) -> Result<Option<SearchState<'a>>, ModelError> {
        let Some(setup) = &self.search else {
            return Ok(None);
        };
        let native = self.model.native_tool_search();
        if !native && scoped.iter().any(|t| t.name() == SEARCH_TOOL) {
            return Err(ModelError::Request(format!(
                "the registry has its own `{SEARCH_TOOL}` tool; tool search needs that name"
            )));
        }
        let entry = match &setup.tool {
            Ok(registry) => registry.get(SEARCH_TOOL),
            Err(_) => None,
        }
        .ok_or_else(|| {
            ModelError::Request(format!("the `{SEARCH_TOOL}` tool could not be built"))
        })?;
        let mut offered: Vec<String> = setup
            .config
            .always
            .iter()
            .filter(|n| scoped.iter().any(|t| t.name() == n.as_str()))
            .cloned()
            .collect();
        if let ToolChoice::Named(name) = &self.tool_choice
            && !offered.contains(name)
        {
            offered.push(name.clone());
        }
        Ok(Some(SearchState {
            entry,
            offered,
            native,
        }))
    }

    /// Answers a `search_tools` call from the index, for this principal only.
    fn answer_search(&self, setup: &SearchSetup, call: &ToolCall) -> ToolResult {
        let args = crate::providers::arguments_object(&call.arguments);
        let query = args
            .get("query")
            .and_then(serde_json::Value::as_str)
            .filter(|q| !q.trim().is_empty());
        let outcome = match query {
            Some(q) => {
                let limit = args
                    .get("limit")
                    .and_then(serde_json::Value::as_u64)
                    .map_or(setup.config.results, |n| {
                        n.clamp(1, MAX_SEARCH_RESULTS) as usize
                    });
                Ok(setup.index.search_result(&self.principal, q, limit))
            }
            None => Err(ToolError::new(
                ErrorKind::InvalidArguments,
                "search_tools needs a `query`: a few words describing the task",
            )
            .with_suggestion(r#"call search_tools again, e.g. {"query": "refund an order"}"#)),
        };
        ToolResult {
            call_id: call.id.clone(),
            name: call.name.clone(),
            outcome,
        }
    }

    /// Runs one turn's calls, at most `max_concurrent_calls` at a time and at most
    /// `max_calls_per_turn` in all, results in call order.
    async fn run_turn(&self, calls: &[ToolCall]) -> Vec<ToolResult> {
        use futures_util::StreamExt;
        let per_turn = if self.parallel_tool_calls == Some(false) {
            1
        } else {
            self.max_calls_per_turn
        };
        let allowed = calls.len().min(per_turn);
        let mut results: Vec<ToolResult> = futures_util::stream::iter(&calls[..allowed])
            .map(|c| match &self.search {
                Some(setup) if c.name == SEARCH_TOOL => futures_util::future::Either::Left(
                    std::future::ready(self.answer_search(setup, c)),
                ),
                _ => futures_util::future::Either::Right(self.executor.call(&self.principal, c)),
            })
            .buffered(self.max_concurrent_calls.max(1))
            .collect()
            .await;
        results.extend(calls[allowed..].iter().map(|c| ToolResult {
            call_id: c.id.clone(),
            name: c.name.clone(),
            outcome: Err(ToolError::new(
                ErrorKind::Denied,
                format!(
                    "this turn asked for {} tool calls and at most {} run per turn; this one was not run",
                    calls.len(),
                    per_turn
                ),
            )
            .with_suggestion("call fewer tools at once; repeat the calls you still need")),
        }));
        results
    }
}

/// A request as a [`ScriptedModel`] saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    /// The conversation it was sent.
    pub messages: Vec<Message>,
    /// The names of the tools it was offered.
    pub tools: Vec<String>,
    /// The tool choice it was sent.
    pub tool_choice: ToolChoice,
    /// Whether parallel calls were allowed (`None`: not said).
    pub parallel_tool_calls: Option<bool>,
    /// The names of the tools sent for the provider's own search.
    pub deferred_tools: Vec<String>,
}

/// A model that replays scripted turns and records every request, to test agent loops without
/// a network. Clones share the script and the recording.
#[derive(Clone, Default)]
pub struct ScriptedModel {
    turns: Arc<Mutex<VecDeque<ModelTurn>>>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl ScriptedModel {
    /// A model that answers with `turns`, in order.
    pub fn new(turns: impl IntoIterator<Item = ModelTurn>) -> Self {
        Self {
            turns: Arc::new(Mutex::new(turns.into_iter().collect())),
            requests: Arc::default(),
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Turns not yet played.
    pub fn remaining(&self) -> usize {
        self.turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl ModelClient for ScriptedModel {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RecordedRequest {
                messages: request.messages.to_vec(),
                tools: request.tools.iter().map(|t| t.name().to_owned()).collect(),
                tool_choice: request.tool_choice.clone(),
                parallel_tool_calls: request.parallel_tool_calls,
                deferred_tools: request
                    .deferred_tools
                    .iter()
                    .map(|t| t.name().to_owned())
                    .collect(),
            });
        let turn = self
            .turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
            .ok_or(ModelError::ScriptExhausted);
        Box::pin(std::future::ready(turn))
    }
}

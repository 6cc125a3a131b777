//! The agent loop: send the conversation and the principal's tools to a model, execute the
//! tool calls it returns (concurrently when a turn has several), feed the results back, and
//! stop at a final answer or at the iteration limit.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use crate::call::{ToolCall, ToolResult};
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
    },
}

impl ModelTurn {
    /// A turn that calls tools.
    pub fn calls(calls: impl IntoIterator<Item = ToolCall>) -> Self {
        Self::ToolCalls {
            text: None,
            calls: calls.into_iter().collect(),
        }
    }

    /// A final answer.
    pub fn final_text(text: impl Into<String>) -> Self {
        Self::Final(text.into())
    }
}

/// What a model client is sent: the conversation so far and the tools the principal may use.
#[derive(Clone, Copy, Debug)]
pub struct ModelRequest<'a> {
    /// The conversation.
    pub messages: &'a [Message],
    /// The scoped tools to offer (export them with a provider module).
    pub tools: &'a [&'a ToolEntry],
}

/// Why a model call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The provider refused or failed the request.
    #[error("the model request failed: {0}")]
    Request(String),
    /// The provider asked us to slow down.
    #[error("the model is rate limited; retry after {retry_after_ms:?} ms")]
    RateLimited {
        /// From the provider's `retry-after`, when given.
        retry_after_ms: Option<u64>,
    },
    /// The provider's response could not be understood.
    #[error("the model's response could not be parsed: {0}")]
    Malformed(String),
    /// A scripted model ran out of turns.
    #[error("the scripted model has no more turns")]
    ScriptExhausted,
}

/// A model API: sends a request, returns the model's turn.
pub trait ModelClient: Send + Sync {
    /// One round trip.
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>>;
}

impl<T: ModelClient + ?Sized> ModelClient for Box<T> {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        (**self).complete(request)
    }
}

impl<T: ModelClient + ?Sized> ModelClient for Arc<T> {
    fn complete<'a>(
        &'a self,
        request: ModelRequest<'a>,
    ) -> BoxFuture<'a, Result<ModelTurn, ModelError>> {
        (**self).complete(request)
    }
}

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

type Observer = Box<dyn Fn(&Message) + Send + Sync>;

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

    fn push(&self, messages: &mut Vec<Message>, message: Message) {
        if let Some(observe) = &self.observer {
            observe(&message);
        }
        messages.push(message);
    }

    /// Sets the system prompt.
    #[must_use]
    pub fn system(mut self, prompt: impl Into<String>) -> Self {
        self.system = Some(prompt.into());
        self
    }

    /// Sets the iteration limit (model turns per run).
    #[must_use]
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.max_iterations = n;
        self
    }

    /// The most tool calls run from one model turn (default 16). Calls beyond it are not run;
    /// each gets a `denied` result saying so, so the model sees an answer for every call id.
    #[must_use]
    pub fn max_calls_per_turn(mut self, n: usize) -> Self {
        self.max_calls_per_turn = n;
        self
    }

    /// How many calls of one turn run at once (default 4); the rest wait their turn.
    #[must_use]
    pub fn max_concurrent_calls(mut self, n: usize) -> Self {
        self.max_concurrent_calls = n.max(1);
        self
    }

    /// The model client.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Runs the loop from a user prompt.
    ///
    /// # Errors
    /// When the model client fails; tool failures are results the model sees, not errors.
    pub async fn run(&self, prompt: impl Into<String>) -> Result<AgentRun, ModelError> {
        let mut messages: Vec<Message> = self.system.iter().cloned().map(Message::System).collect();
        messages.push(Message::User(prompt.into()));
        self.resume(messages).await
    }

    /// Continues a conversation.
    ///
    /// # Errors
    /// When the model client fails.
    pub async fn resume(&self, mut messages: Vec<Message>) -> Result<AgentRun, ModelError> {
        let tools: Vec<&ToolEntry> = self.executor.registry().scoped(&self.principal).collect();
        let mut iterations = 0;
        while iterations < self.max_iterations {
            iterations += 1;
            let turn = self
                .model
                .complete(ModelRequest {
                    messages: &messages,
                    tools: &tools,
                })
                .await?;
            match turn {
                ModelTurn::Final(text) => {
                    let message = Message::Assistant {
                        text: Some(text.clone()),
                        tool_calls: Vec::new(),
                    };
                    self.push(&mut messages, message);
                    return Ok(AgentRun {
                        outcome: AgentOutcome::Final(text),
                        messages,
                        iterations,
                    });
                }
                ModelTurn::ToolCalls { text, calls } => {
                    self.push(
                        &mut messages,
                        Message::Assistant {
                            text,
                            tool_calls: calls.clone(),
                        },
                    );
                    let results = self.run_turn(&calls).await;
                    self.push(&mut messages, Message::ToolResults(results));
                }
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

impl<M> Agent<M> {
    /// Runs one turn's calls, at most `max_concurrent_calls` at a time and at most
    /// `max_calls_per_turn` in all, results in call order.
    async fn run_turn(&self, calls: &[ToolCall]) -> Vec<ToolResult> {
        use futures_util::StreamExt;
        let allowed = calls.len().min(self.max_calls_per_turn);
        let mut results: Vec<ToolResult> = futures_util::stream::iter(&calls[..allowed])
            .map(|c| self.executor.call(&self.principal, c))
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
                    self.max_calls_per_turn
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

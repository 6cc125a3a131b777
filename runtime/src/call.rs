//! A model's tool call and its result, independent of any provider's wire shape.

use serde_json::{Map, Value};

use crate::ToolError;

/// The model API a call came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// OpenAI Chat Completions (and compatible servers).
    OpenAi,
    /// OpenAI Responses.
    OpenAiResponses,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini `generateContent`.
    Gemini,
    /// Model Context Protocol.
    Mcp,
}

/// Fields a provider put on a tool call that toolwright does not model (Gemini's
/// `thoughtSignature`, an OpenAI Responses item's `id`, `status` or `namespace`, …). The
/// provider's formatter sends them back unchanged when the call is replayed to the same
/// provider; other providers ignore them.
///
/// ```
/// use serde_json::json;
/// use toolwright::providers::gemini;
///
/// let response = json!({"candidates": [{"content": {"role": "model", "parts": [
///     {"functionCall": {"name": "get_current_time", "args": {}}, "thoughtSignature": "c2ln"}
/// ]}}]});
/// let calls = gemini::parse_tool_calls(&response).unwrap();
/// let replay = gemini::format_model_turn(None, &calls);
/// assert_eq!(replay["parts"][0]["thoughtSignature"], "c2ln");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderData {
    /// The provider that sent the fields.
    pub provider: Provider,
    /// The fields, by their wire name, exactly as received.
    pub fields: Map<String, Value>,
}

impl ProviderData {
    /// The fields, when they came from `provider`.
    pub fn fields_for(&self, provider: Provider) -> Option<&Map<String, Value>> {
        (self.provider == provider).then_some(&self.fields)
    }
}

/// What a model's turn held besides its text and tool calls, for the provider that sent it:
/// Anthropic `thinking`/`redacted_thinking` blocks (with their signatures) and server tool
/// blocks (`server_tool_use`, `tool_search_tool_result`), OpenAI Responses `reasoning` items
/// (with `encrypted_content`), `tool_search_call`/`tool_search_output` and `message` items,
/// Gemini thought parts. The provider's formatter sends the items back unchanged and in their
/// place when the conversation is replayed to the same provider; other providers never see
/// them.
///
/// ```
/// use serde_json::json;
/// use toolwright::providers::anthropic;
///
/// let response = json!({"content": [
///     {"type": "thinking", "thinking": "The user wants…", "signature": "EqQB"},
///     {"type": "tool_use", "id": "toolu_1", "name": "get_current_time", "input": {}}
/// ]});
/// let calls = anthropic::parse_tool_calls(&response).unwrap();
/// let content = anthropic::parse_turn_content(&response);
/// let replay = anthropic::format_turn(None, &calls, content.as_ref());
/// assert_eq!(replay["content"][0]["signature"], "EqQB");
/// assert_eq!(replay["content"][1]["id"], "toolu_1");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TurnContent {
    /// The provider that sent the items.
    pub provider: Provider,
    /// The items, in the order of the response.
    pub items: Vec<TurnItem>,
}

/// One opaque item of a turn (see [`TurnContent`]).
#[derive(Clone, Debug, PartialEq)]
pub struct TurnItem {
    /// Where it stood among the turn's blocks, items or parts (0-based), so it goes back in
    /// the same place relative to the text and the calls.
    pub position: usize,
    /// The item exactly as received.
    pub value: Value,
}

impl TurnContent {
    /// The items, when they came from `provider`.
    pub fn items_for(&self, provider: Provider) -> Option<&[TurnItem]> {
        (self.provider == provider).then_some(self.items.as_slice())
    }
}

/// One tool call the model asked for.
///
/// A provider's parser ([`providers`](crate::providers)) builds them from the model's
/// response; build one yourself from the id, name and arguments the model sent, and run it
/// with [`Executor::call`](crate::Executor::call) to get a [`ToolResult`].
///
/// ```
/// use serde_json::json;
/// use toolwright::{Executor, Principal, Registry, ToolCall, tool};
///
/// /// Add two integers and return their sum as an integer.
/// #[tool(read_only, idempotent)]
/// fn add_two_integers(
///     /// The first addend, any 64-bit signed integer
///     a: i64,
///     /// The second addend, any 64-bit signed integer
///     b: i64,
/// ) -> i64 {
///     a + b
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(add_two_integers).build()?);
/// let anyone = Principal::anonymous();
///
/// // Arguments as the model's JSON text (parsed straight into the tool's parameters) …
/// let text = ToolCall::new("call_1", "add_two_integers", r#"{"a": 2, "b": 3}"#);
/// // … or as a value already parsed.
/// let value = ToolCall::with_json("call_2", "add_two_integers", json!({"a": 2, "b": 3}));
///
/// let result = executor.call(&anyone, &text).await;
/// assert_eq!((result.call_id.as_str(), result.outcome.unwrap()), ("call_1", json!(5)));
/// assert_eq!(executor.call(&anyone, &value).await.outcome.unwrap(), 5);
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    /// The provider's call id, echoed back with the result.
    pub id: String,
    /// The tool name as the model wrote it.
    pub name: String,
    /// The arguments as sent.
    pub arguments: CallArguments,
    /// Opaque fields the provider needs back unchanged with this call (see [`ProviderData`]).
    pub provider_data: Option<ProviderData>,
}

impl ToolCall {
    /// A call whose arguments are JSON text (parsed lazily, straight into the argument struct).
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            arguments: CallArguments::Text(arguments.into()),
            provider_data: None,
        }
    }

    /// A call whose arguments are already a JSON value.
    pub fn with_json(id: impl Into<String>, name: impl Into<String>, arguments: Value) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            arguments: CallArguments::Json(arguments),
            provider_data: None,
        }
    }

    /// The same call carrying `data` (opaque provider fields to send back with it).
    #[must_use]
    pub fn with_provider_data(mut self, data: ProviderData) -> Self {
        self.provider_data = Some(data);
        self
    }

    /// The opaque fields `provider` attached to this call, if it came from that provider.
    pub fn provider_fields(&self, provider: Provider) -> Option<&Map<String, Value>> {
        self.provider_data.as_ref()?.fields_for(provider)
    }
}

/// The arguments of a call, as [`ToolCall::new`] (text) or [`ToolCall::with_json`] (a value)
/// made them. A tool's [`prepare`](crate::Tool::prepare) reads either form; the example on
/// [`ArgRules`](crate::ArgRules) hands one to a tool directly.
///
/// ```
/// use serde_json::json;
/// use toolwright::{CallArguments, ToolCall};
///
/// let call = ToolCall::new("call_1", "get_order_status", r#"{"order_id": "ord-1042"}"#);
/// assert_eq!(call.arguments, CallArguments::Text(r#"{"order_id": "ord-1042"}"#.into()));
/// let same = CallArguments::Json(json!({"order_id": "ord-1042"}));
/// assert_eq!(call.arguments.to_value(), same.to_value());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum CallArguments {
    /// JSON text, not yet parsed (an empty string means no arguments).
    Text(String),
    /// A parsed JSON value.
    Json(Value),
    /// Text a provider parser already found not to be a JSON object.
    Invalid {
        /// What the model sent.
        raw: String,
        /// Why it is not usable.
        error: String,
    },
}

impl CallArguments {
    /// The arguments as a JSON value: text is parsed, and an empty text means `{}` (no
    /// arguments). `None` for text that is not JSON and for [`CallArguments::Invalid`].
    ///
    /// ```
    /// use toolwright::CallArguments;
    ///
    /// assert_eq!(CallArguments::Text(" ".into()).to_value().unwrap().into_owned(), serde_json::json!({}));
    /// assert!(CallArguments::Text("{".into()).to_value().is_none());
    /// ```
    pub fn to_value(&self) -> Option<std::borrow::Cow<'_, Value>> {
        match self {
            Self::Json(v) => Some(std::borrow::Cow::Borrowed(v)),
            Self::Text(t) if crate::validate::root_of(t) == crate::validate::Root::Empty => Some(
                std::borrow::Cow::Owned(Value::Object(serde_json::Map::new())),
            ),
            Self::Text(t) => serde_json::from_str(t).ok().map(std::borrow::Cow::Owned),
            Self::Invalid { .. } => None,
        }
    }
}

/// The result of one call: the tool's value, or the error the model should see. Send
/// [`to_model_json`](Self::to_model_json) back to the model under [`call_id`](Self::call_id)
/// (the [`providers`](crate::providers) format it for each API); the example on [`ToolCall`]
/// shows a successful call.
///
/// ```
/// use toolwright::{ErrorKind, Executor, Principal, Registry, ToolCall};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().build()?);
/// let call = ToolCall::new("call_9", "delete_everything", "{}");
/// let result = executor.call(&Principal::anonymous(), &call).await;
/// assert!(result.is_error());
/// assert_eq!(result.error().unwrap().kind(), ErrorKind::UnknownTool);
/// assert_eq!(result.to_model_json()["kind"], "unknown_tool");
/// assert_eq!(result.call_id, "call_9");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ToolResult {
    /// The call id, echoed.
    pub call_id: String,
    /// The tool name as called.
    pub name: String,
    /// The value or the error.
    pub outcome: Result<Value, ToolError>,
}

impl ToolResult {
    /// Whether the call failed.
    pub fn is_error(&self) -> bool {
        self.outcome.is_err()
    }

    /// What the model reads: the value, or `{"error","kind","suggestion",...}`.
    pub fn to_model_json(&self) -> Value {
        match &self.outcome {
            Ok(v) => v.clone(),
            Err(e) => e.to_model_json(),
        }
    }

    /// The error, if the call failed.
    pub fn error(&self) -> Option<&ToolError> {
        self.outcome.as_ref().err()
    }
}

//! What `#[tool]` declares, as plain `'static` data: the name, descriptions, the argument
//! constraints and the policy. The macro emits one [`ToolDecl`] per tool; the registry reads it.

use std::time::Duration;

use crate::policy::rate_limit::Rate;

/// A tool as declared in source. Built by `#[tool]`; users rarely construct one by hand.
#[derive(Debug)]
pub struct ToolDecl {
    /// The name the model calls, e.g. `search_knowledge_base`.
    pub name: &'static str,
    /// The tool description (the function's doc comment).
    pub description: &'static str,
    /// Model-visible parameters in declaration order.
    pub params: &'static [ParamDecl],
    /// The declared policy.
    pub policy: PolicyDecl,
    /// Builds the input JSON Schema (called once, at registration, through
    /// [`Tool::input_schema`](crate::Tool::input_schema)). A [`DynamicTool`](crate::DynamicTool)
    /// keeps its schema itself and leaves an open object schema here: read schemas from
    /// [`ToolEntry::input_schema`](crate::ToolEntry::input_schema).
    pub input_schema: fn() -> serde_json::Value,
    /// Builds the output JSON Schema, where the output type implements `JsonSchema`.
    pub output_schema: fn() -> Option<serde_json::Value>,
}

impl ToolDecl {
    /// `type_name { name, policy, .. }`: how a type that runs this declaration shows in `{:?}`
    /// (the schema builders and descriptions left out).
    pub(crate) fn debug_as(
        &self,
        type_name: &str,
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        f.debug_struct(type_name)
            .field("name", &self.name)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// One model-visible parameter.
#[derive(Debug)]
pub struct ParamDecl {
    /// The property name in the arguments object.
    pub name: &'static str,
    /// The parameter's doc comment.
    pub description: &'static str,
    /// Whether the model must supply it (not `Option`, no `default`).
    pub required: bool,
    /// Declared `#[arg(...)]` constraints.
    pub constraints: Constraints,
}

/// `#[arg(...)]` constraints, enforced by the validator and written into the schema.
#[derive(Debug, Default)]
pub struct Constraints {
    /// `min_len`: minimum length in characters (strings) or items (arrays).
    pub min_len: Option<u64>,
    /// `max_len`: maximum length in characters (strings) or items (arrays).
    pub max_len: Option<u64>,
    /// `range` lower end.
    pub min: Option<Bound>,
    /// `range` upper end.
    pub max: Option<Bound>,
    /// `pattern`: a regular expression the whole string must match somewhere (JSON Schema
    /// semantics: unanchored unless the pattern anchors itself).
    pub pattern: Option<&'static str>,
    /// `secret`: audit records show `"[REDACTED]"` instead of the value.
    pub secret: bool,
    /// `default`: builds the default value's JSON for the schema.
    pub default: Option<fn() -> serde_json::Value>,
}

impl Constraints {
    /// No constraint at all (what `Default` gives, usable in a `static`).
    pub const NONE: Self = Self {
        min_len: None,
        max_len: None,
        min: None,
        max: None,
        pattern: None,
        secret: false,
        default: None,
    };

    /// Whether any value-checking constraint is declared.
    pub fn checks_value(&self) -> bool {
        self.min_len.is_some()
            || self.max_len.is_some()
            || self.min.is_some()
            || self.max.is_some()
            || self.pattern.is_some()
    }
}

/// One end of a numeric `range`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// `..=20`, `1..`: the value may equal it.
    Inclusive(Number),
    /// `..20`: the value must stay below it.
    Exclusive(Number),
}

/// A number literal from a declaration, kept exact for integers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
}

impl Number {
    /// As JSON, exact where it fits.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Number::Int(i) => {
                if let Ok(v) = i64::try_from(i) {
                    v.into()
                } else if let Ok(v) = u64::try_from(i) {
                    v.into()
                } else {
                    serde_json::Value::from(i as f64)
                }
            }
            Number::Float(f) => serde_json::Number::from_f64(f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
        }
    }

    /// As `f64` (lossy above 2^53, used only for comparisons of floats).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// An image a host may show beside a tool (MCP `icons`), from `#[tool(icons = [...])]`.
///
/// ```
/// use toolwright::decl::Icon;
///
/// let icon = Icon { src: "https://cdn.example.com/search.svg", mime_type: "image/svg+xml" };
/// assert_eq!(icon.mime_type, "image/svg+xml");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Icon {
    /// An `https:` URL or a `data:image/…` URI.
    pub src: &'static str,
    /// The image's media type, e.g. `image/svg+xml` or `image/png`.
    pub mime_type: &'static str,
}

/// The policy a tool declares in `#[tool(...)]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyDecl {
    /// Every permission a principal needs to see and call the tool.
    pub permissions: &'static [&'static str],
    /// The tool only reads (MCP `readOnlyHint`).
    pub read_only: bool,
    /// The tool destroys or changes something irreversibly; needs confirmation.
    pub destructive: bool,
    /// Calling twice with the same arguments is the same as once; retries are allowed.
    pub idempotent: bool,
    /// The tool reaches the outside world (MCP `openWorldHint`).
    pub open_world: bool,
    /// Per-call timeout; the registry default applies when `None`.
    pub timeout: Option<Duration>,
    /// Extra attempts for retryable errors (idempotent tools only).
    pub retries: u32,
    /// Per-principal rate limit on this tool.
    pub rate_limit: Option<Rate>,
}

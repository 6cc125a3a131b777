//! The description linter of [toolwright](https://docs.rs/toolwright): pure functions on strings
//! that judge whether a tool's name, description and parameter docs give a model enough to pick
//! the tool and fill its arguments. The `#[tool]` macro turns each [`Finding`] into a compile
//! error on the offending token; the runtime and the `toolwright lint` CLI report them as data.
//!
//! ```
//! use toolwright_lint::{ParamText, Rule, lint_tool, ToolText};
//!
//! let findings = lint_tool(&ToolText {
//!     name: "get_pull_request",
//!     description: Some("Get details of a pull request. Returns title, state, author and diff stats."),
//!     returns_data: true,
//!     params: &[ParamText::new("pull_number", Some("The pull request number"))],
//! });
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].rule, Rule::ParamRestatesName);
//! assert!(findings[0].message.contains("\"The pull request number\""));
//! ```
//!
//! Every rule is one row of one table (see [`Rule`]); the documentation tables are generated from
//! it ([`rules::readme_table`], [`rules::rustdoc_table`]) and a test fails when the copies in the
//! README and the `#[tool]` rustdoc drift.

mod description;
mod name;
mod param;
mod placeholder;
pub mod rules;
mod text;
mod words;

pub use description::check_tool_description;
pub use name::{check_tool_name, check_tool_name_in};
pub use param::{ParamKind, check_param_description, check_param_description_in, check_param_of};
pub use rules::Rule;
pub use text::{join_doc_lines, to_snake_case};

/// Longest accepted tool name, in characters (the limit OpenAI and Anthropic enforce).
pub const MAX_NAME_CHARS: usize = 64;
/// Shortest accepted tool description, in characters after trimming.
pub const MIN_DESCRIPTION_CHARS: usize = 30;
/// Longest accepted tool description, in characters after trimming.
pub const MAX_DESCRIPTION_CHARS: usize = 1024;

/// One problem found by a check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The rule that fired.
    pub rule: Rule,
    /// Human-readable message: lowercase start, no trailing period; quotes the offending text,
    /// says what is wrong and why the model cares, and suggests a fix.
    pub message: String,
}

impl Finding {
    /// A finding; the message of a rule `allow(...)` may silence says how, unless it already does.
    fn new(rule: Rule, mut message: String) -> Finding {
        if rule.allowable() && !message.contains("allow(") {
            message.push_str(&format!(
                "; if this is deliberate, use `#[tool(allow({}))]`",
                rule.name()
            ));
        }
        Finding { rule, message }
    }
}

/// Where a finding is shown: its message says how to fix and silence it in that place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Host {
    /// A `#[tool]` function: doc comments and `#[tool(allow(...))]` (the messages as written).
    Attribute,
    /// `toolwright lint` on an MCP server's tools: `description` fields and `--allow`.
    Cli,
    /// `toolwright gateway`: `description` fields and the tool's `allow = [...]` in its config.
    Gateway,
}

impl Finding {
    /// The message as `host` shows it: a tool defined as JSON gets a `description`, not a `///`
    /// doc comment, and is silenced by the host's own switch, not `#[tool(allow(...))]`.
    ///
    /// ```
    /// use toolwright_lint::{Host, ToolText, lint_tool};
    ///
    /// let tool = ToolText { name: "get_page", description: None, returns_data: true, params: &[] };
    /// let finding = &lint_tool(&tool)[0];
    /// assert!(finding.message.contains("`///` doc comment"));
    /// let cli = finding.message_in(Host::Cli);
    /// assert!(cli.contains("a `description`") && !cli.contains("///"));
    /// ```
    pub fn message_in(&self, host: Host) -> String {
        let silence = match host {
            Host::Attribute => return self.message.clone(),
            Host::Cli => format!("`--allow {}`", self.rule.name()),
            Host::Gateway => format!(
                "`allow = [\"{}\"]` in the tool's gateway config",
                self.rule.name()
            ),
        };
        self.message
            .replace(&format!("`#[tool(allow({}))]`", self.rule.name()), &silence)
            .replace("a `///` doc comment", "a `description`")
            .replace("`///` doc comment", "`description`")
    }
}

/// Where a finding was made, for reports that list several tools' findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The tool's name.
    Name,
    /// The tool's description.
    Description,
    /// The description of the named parameter.
    Param(String),
}

/// A tool as text: what the linter judges.
#[derive(Clone, Copy, Debug)]
pub struct ToolText<'a> {
    /// The tool's name as the model sees it.
    pub name: &'a str,
    /// The tool's description, if any.
    pub description: Option<&'a str>,
    /// Whether the tool returns data (so its description must say what comes back).
    pub returns_data: bool,
    /// Each model-visible parameter.
    pub params: &'a [ParamText<'a>],
}

/// A model-visible parameter as text: its name, its description, and what it holds when the
/// host knows (the Rust type of a `#[tool]` argument, the JSON Schema of an MCP tool's property).
#[derive(Clone, Debug)]
pub struct ParamText<'a> {
    /// The parameter's name as the model sees it.
    pub name: &'a str,
    /// Its description, if any.
    pub description: Option<&'a str>,
    /// What it holds; shapes the fix a finding suggests, never whether there is a finding.
    pub kind: ParamKind,
}

impl<'a> ParamText<'a> {
    /// A parameter of unknown kind.
    pub fn new(name: &'a str, description: Option<&'a str>) -> Self {
        Self {
            name,
            description,
            kind: ParamKind::Unknown,
        }
    }

    /// The same parameter, holding `kind`.
    #[must_use]
    pub fn kind(mut self, kind: ParamKind) -> Self {
        self.kind = kind;
        self
    }
}

/// Every finding of one tool: its name, its description, then each parameter in order (a
/// parameter's description is judged against the tool's name too).
pub fn lint_tool(tool: &ToolText<'_>) -> Vec<Finding> {
    lint_tool_by_subject(tool)
        .into_iter()
        .map(|(_, f)| f)
        .collect()
}

/// [`lint_tool`], with where each finding was made.
pub fn lint_tool_by_subject(tool: &ToolText<'_>) -> Vec<(Subject, Finding)> {
    let mut out: Vec<(Subject, Finding)> = check_tool_name_in(tool.name, tool.description)
        .into_iter()
        .map(|f| (Subject::Name, f))
        .collect();
    out.extend(
        check_tool_description(tool.name, tool.description, tool.returns_data)
            .into_iter()
            .map(|f| (Subject::Description, f)),
    );
    for param in tool.params {
        out.extend(
            check_param_of(tool.name, param)
                .into_iter()
                .map(|f| (Subject::Param(param.name.to_string()), f)),
        );
    }
    out
}

const GOOD_DESCRIPTION_EXAMPLE: &str = "\"Search the company knowledge base for articles matching a query. Returns the top results with title, snippet and URL.\"";

#[cfg(test)]
mod tests;

//! A parameter's description: present, no placeholder, and more than its name (and its tool's
//! name) restated. Messages suggest what this parameter's description could add, from the shape
//! of its name.

use crate::Finding;
use crate::placeholder::placeholder;
use crate::rules::Rule;
use crate::text::{content_words, ident_words, name_words, norm, quote, raw_words, to_snake_case};
use crate::words::{BOILERPLATE, PARAM_FILLER};

/// Checks one model-visible parameter's description on its own.
pub fn check_param_description(param_name: &str, description: Option<&str>) -> Vec<Finding> {
    check(None, param_name, description)
}

/// Checks one parameter's description in the context of its tool: the words of the tool's name
/// count as restated too ("The pull request number" for `pull_number` of `get_pull_request`).
pub fn check_param_description_in(
    tool_name: &str,
    param_name: &str,
    description: Option<&str>,
) -> Vec<Finding> {
    check(Some(tool_name), param_name, description)
}

fn check(tool_name: Option<&str>, param_name: &str, description: Option<&str>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let text = description.map(str::trim).unwrap_or("");
    if text.is_empty() {
        findings.push(Finding::new(
            Rule::MissingParamDescription,
            format!(
                "parameter `{param_name}` has no description; the model fills arguments from their descriptions: add a `///` doc comment that {}",
                hint(param_name).1
            ),
        ));
        return findings;
    }
    if let Some(found) = placeholder(text) {
        findings.push(Finding::new(
            Rule::Placeholder,
            format!(
                "parameter `{param_name}` description contains the placeholder {found}; the model reads it as the real description: write one that {}; `#[tool(allow(placeholder))]` silences this",
                hint(param_name).1
            ),
        ));
    }
    let mut identifiers = vec![param_name];
    identifiers.extend(tool_name);
    let named = name_words(&identifiers);
    let content = content_words(&without_purpose_verbs(text), &[&PARAM_FILLER, &BOILERPLATE]);
    let has_digit = text.chars().any(|c| c.is_ascii_digit());
    if !has_digit
        && !names_another_identifier(text, param_name)
        && content.iter().all(|w| named.contains(w))
    {
        let names = match tool_name {
            Some(tool)
                if content
                    .iter()
                    .any(|w| !name_words(&[param_name]).contains(w)) =>
            {
                format!("its name and the tool name `{tool}`")
            }
            _ => "its name".to_string(),
        };
        let (what, fix) = hint(param_name);
        findings.push(Finding::new(
            Rule::ParamRestatesName,
            format!(
                "parameter `{param_name}` description {} only restates {names}; the model needs what the name does not say to fill it, here {what}: write one that {fix}; if the name truly says it all, use `#[tool(allow(param_restates_name))]`",
                quote(text)
            ),
        ));
    }
    findings
}

/// Whether the text names an identifier other than the parameter itself (`list_tables`,
/// `next_cursor`): where the value comes from ("as listed by list_tables"), which the rubric
/// counts as a fact even when its words are the parameter's own.
fn names_another_identifier(text: &str, param_name: &str) -> bool {
    let own = to_snake_case(param_name);
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|w| w.trim_matches('_'))
        .any(|w| w.contains('_') && w.chars().any(char::is_alphabetic) && to_snake_case(w) != own)
}

/// The text without the verb of a purpose clause ("URL to fetch", "Text to type into the
/// element"): what the tool does with the value is the tool's business, already in its name and
/// description, so it tells the model nothing about the value itself. The ordinal "second" goes
/// too, like the ordinals in `param_filler.txt`.
fn without_purpose_verbs(text: &str) -> String {
    let mut kept = Vec::new();
    let mut after_to = false;
    for word in raw_words(text) {
        let lowercase = word.chars().all(|c| c.is_lowercase());
        // The singular "second" is the ordinal ("Second number"); the unit comes as "seconds".
        // The word lists cannot tell them apart: both stem to `second`.
        let ordinal = word.eq_ignore_ascii_case("second");
        let purpose_verb = after_to && lowercase;
        if !(ordinal || purpose_verb) {
            kept.push(word);
        }
        after_to = word.eq_ignore_ascii_case("to");
    }
    kept.join(" ")
}

/// What a parameter's description should add, judged from its name: (what is missing, a fix
/// with an example). The last word of the name decides (`pull_number` is a number).
fn hint(param_name: &str) -> (&'static str, String) {
    let words: Vec<String> = ident_words(param_name).iter().map(|w| norm(w)).collect();
    let first = words.first().map_or("", String::as_str);
    let last = words.last().map_or("", String::as_str);
    let label = ident_words(param_name).join(" ");
    let is = |list: &[&str], w: &str| list.iter().any(|x| norm(x) == w);
    if is(
        &[
            "is", "has", "include", "enable", "allow", "should", "can", "use", "dry", "force",
        ],
        first,
    ) || is(
        &[
            "enabled",
            "draft",
            "private",
            "recursive",
            "verbose",
            "submit",
        ],
        last,
    ) {
        return (
            "what changes when it is true",
            format!(
                "says what happens when `{param_name}` is true and the default, e.g. \"When true, …; defaults to false\""
            ),
        );
    }
    if is(
        &[
            "id", "key", "sha", "ref", "token", "slug", "uuid", "handle", "cursor",
        ],
        last,
    ) {
        return (
            "where the value comes from and what it looks like",
            format!(
                "says where the {label} comes from and its form, e.g. \"{} as returned by the list tool, like 'abc_123'\"",
                capitalized(&label)
            ),
        );
    }
    if is(
        &[
            "number", "num", "count", "limit", "size", "page", "max", "min", "amount", "quantity",
            "offset", "width", "height", "duration", "timeout", "depth", "index", "steps", "days",
            "seconds",
        ],
        last,
    ) {
        return (
            "the unit, range and default",
            format!(
                "gives the unit, range and default, e.g. \"{}, from 1 to 100; defaults to 10\"",
                capitalized(&label)
            ),
        );
    }
    if is(
        &["path", "file", "dir", "directory", "filename", "folder"],
        last,
    ) {
        return (
            "its form and what it is relative to",
            format!(
                "says whether the {label} is absolute or relative and to what, e.g. \"{} relative to the repository root, like src/main.rs\"",
                capitalized(&label)
            ),
        );
    }
    if is(&["url", "uri", "link", "endpoint"], last) {
        return (
            "which address and its scheme",
            "says which address and its scheme, e.g. \"Absolute https URL of the page to open\""
                .to_string(),
        );
    }
    if is(
        &[
            "date",
            "time",
            "since",
            "until",
            "timestamp",
            "ts",
            "at",
            "before",
            "after",
        ],
        last,
    ) {
        return (
            "its format and time zone",
            "gives the format and time zone, e.g. \"Start of the range in RFC 3339, like 2024-05-01T09:00:00Z\"".to_string(),
        );
    }
    if is(&["name", "title", "label"], last) {
        return (
            "where it is shown or how it is matched, and its limits",
            format!(
                "says where the {label} is shown or how it is matched, and its limits, e.g. \"{} shown to customers, up to 100 characters\"",
                capitalized(&label)
            ),
        );
    }
    if is(
        &[
            "state",
            "status",
            "type",
            "kind",
            "mode",
            "sort",
            "order",
            "direction",
            "action",
            "method",
            "event",
            "format",
            "level",
            "operation",
            "visibility",
            "strategy",
            "behavior",
        ],
        last,
    ) {
        return (
            "the allowed values and what each does",
            format!(
                "lists the allowed values of `{param_name}` and what each does, e.g. \"One of: open, closed, all; defaults to open\""
            ),
        );
    }
    if is(
        &[
            "query", "q", "search", "filter", "keyword", "keywords", "pattern",
        ],
        last,
    ) {
        return (
            "what it matches and its syntax",
            format!(
                "says what the {label} matches and its syntax, e.g. \"Words to find in titles and bodies; quote a phrase, prefix a word with - to exclude it\""
            ),
        );
    }
    if is(&["script", "code", "sql", "expression", "command"], last) {
        return (
            "the language and what the code may do",
            format!(
                "names the language and what the {label} may do, e.g. \"A single read-only SELECT statement in PostgreSQL dialect\""
            ),
        );
    }
    if is(
        &[
            "text",
            "body",
            "content",
            "message",
            "description",
            "comment",
            "note",
        ],
        last,
    ) {
        return (
            "where the text goes, its format and limits",
            format!(
                "says where the {label} goes, its format and limits, e.g. \"Markdown shown under the title, up to 65536 characters\""
            ),
        );
    }
    // Nothing in the name says more: a shape to fill in, in this parameter's own words (a
    // finished example about something else, like a currency code, would not fit it).
    let raw_last = ident_words(param_name).last().cloned().unwrap_or_default();
    let plural = raw_last.len() > 3
        && raw_last.ends_with('s')
        && !["ss", "us", "is"].iter().any(|end| raw_last.ends_with(end));
    let shape = if plural {
        format!(
            "{}: <what each one is>, <its format>; up to <how many>",
            capitalized(&label)
        )
    } else {
        format!(
            "{}: <what it is>, <its format or allowed values>, like <an example value>",
            capitalized(&label)
        )
    };
    (
        "its meaning, format or allowed values",
        format!(
            "says what `{param_name}` means, its format or allowed values, and gives an example, in the shape \"{shape}\""
        ),
    )
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

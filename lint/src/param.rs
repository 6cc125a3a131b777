//! A parameter's description: present, no placeholder, more than its name (and its tool's name)
//! restated, and, for a flag, a choice, a quantity or a bag of settings, a fact its kind needs
//! (see `facts.rs`). Messages suggest what this parameter's description could add, from the
//! shape of its name.

use std::collections::BTreeSet;

use crate::Finding;
use crate::facts::{fact, names_another_identifier};
use crate::placeholder::placeholder;
use crate::rules::Rule;
use crate::text::{content_words, ident_words, name_words, norm, quote, raw_words};
use crate::words::{BOILERPLATE, PARAM_FILLER, STOP_WORDS};

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
    let restates = !has_digit
        && !names_another_identifier(text, param_name)
        && content
            .iter()
            .all(|w| named.iter().any(|n| same_root(w, n)));
    if restates {
        let names = match tool_name {
            Some(tool)
                if content
                    .iter()
                    .any(|w| !name_words(&[param_name]).iter().any(|n| same_root(w, n))) =>
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
        return findings;
    }
    let kind = Kind::of_described(param_name, text);
    // A name made of type words and filler (`a_bool`, `value`) says nothing of its own: the
    // description carries all the meaning, so one word fewer is needed ("Whether the ticket is
    // urgent" for `a_bool`).
    let empty_name = content_words(&ident_words(param_name).join(" "), &[&PARAM_FILLER]).is_empty();
    let needed = kind.words_without_facts() - usize::from(empty_name);
    if needed > 1 && fact(text, param_name, &named).is_none() {
        let new = new_words(&content, &named, kind);
        if new.len() < needed {
            let (what, fix) = hint_for(kind, param_name);
            findings.push(Finding::new(
                Rule::ParamWithoutFacts,
                format!(
                    "parameter `{param_name}` description {} names no fact the model needs to fill {}, here {what}: write one that {fix}; if the description truly says enough, use `#[tool(allow(param_without_facts))]`",
                    quote(text),
                    kind.article()
                ),
            ));
        }
    }
    findings
}

/// The distinct content words of a description that are neither the names' words (nor words
/// derived from them: "navigation" for `navigate`, "connection" for `connect`) nor words that
/// only say the value is of its kind.
fn new_words(content: &[String], named: &BTreeSet<String>, kind: Kind) -> BTreeSet<String> {
    let own: BTreeSet<String> = kind.own_words().iter().map(|w| norm(w)).collect();
    content
        .iter()
        .filter(|w| !own.contains(*w) && !named.iter().any(|n| same_root(w, n)))
        .cloned()
        .collect()
}

/// Whether two normalized words share a root: equal, or the longer is the shorter (four letters
/// or more) with a derivational suffix ("connect", "connection"; "navigat", "navigation"), so
/// "Connection identifier" restates `id` of `connect`. A bare shared prefix is not enough:
/// "form" does not begin "format" as a root.
fn same_root(a: &str, b: &str) -> bool {
    const SUFFIXES: [&str; 20] = [
        "ion", "ation", "ions", "ing", "er", "ers", "or", "ors", "ity", "ment", "ments", "ive",
        "ure", "ance", "ence", "able", "ible", "ly", "ed", "es",
    ];
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long
        || (short.chars().count() >= 4
            && long
                .strip_prefix(short)
                .is_some_and(|suffix| SUFFIXES.contains(&suffix)))
}

/// The text without the verb of a purpose clause ("URL to fetch", "Text to type into the
/// element"): what the tool does with the value is the tool's business, already in its name and
/// description, so it tells the model nothing about the value itself. "Filter by" goes too: it
/// names the role of any argument of a listing tool ("Filter by job name" for `job_name`), not
/// what the value is. The ordinal "second" goes too, like the ordinals in `param_filler.txt`.
fn without_purpose_verbs(text: &str) -> String {
    let words = raw_words(text);
    let mut kept = Vec::new();
    let mut after_to = false;
    for (i, &word) in words.iter().enumerate() {
        let lowercase = word.chars().all(|c| c.is_lowercase());
        // The singular "second" is the ordinal ("Second number"); the unit comes as "seconds".
        // The word lists cannot tell them apart: both stem to `second`.
        let ordinal = word.eq_ignore_ascii_case("second");
        let purpose_verb = after_to && lowercase;
        let role = word.eq_ignore_ascii_case("filter")
            && words
                .get(i + 1)
                .is_some_and(|next| next.eq_ignore_ascii_case("by"));
        if !(ordinal || purpose_verb || role) {
            kept.push(word);
        }
        after_to = word.eq_ignore_ascii_case("to");
    }
    kept.join(" ")
}

/// What a parameter is, judged from its name (the last word decides: `pull_number` is a
/// number): it says which facts its description should give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A boolean switch (`include_archived`, `dry_run`, `private`).
    Flag,
    /// A reference to something that exists (`user_id`, `head_sha`, `cursor`).
    Reference,
    /// A number (`limit`, `page`, `width`, `timeout`).
    Quantity,
    /// A file or directory (`path`, `output_dir`).
    Path,
    /// An address (`url`, `endpoint`).
    Address,
    /// A point in time (`since`, `created_at`).
    Time,
    /// A name or title (`branch_name`, `title`).
    Label,
    /// One of a set of values (`state`, `sort`, `format`, `action`).
    Choice,
    /// A search (`query`, `filter`, `pattern`).
    Search,
    /// Code (`script`, `sql`, `command`).
    Code,
    /// Free text (`body`, `message`, `description`).
    Text,
    /// A bag of settings or values (`options`, `headers`, `metadata`).
    Bag,
    /// Nothing in the name says more.
    Other,
}

impl Kind {
    fn of(param_name: &str) -> Kind {
        let raw = ident_words(param_name);
        let words: Vec<String> = raw.iter().map(|w| norm(w)).collect();
        let last = words.last().map_or("", String::as_str);
        let is = |list: &[&str], w: &str| list.iter().any(|x| norm(x) == w);
        // The first word of a flag is a verb or auxiliary as written (`force_push`): the stem
        // would also take a participle (`forced_colors`, which is not a switch).
        let flag_first = raw
            .first()
            .is_some_and(|first| FLAG_FIRST.contains(&first.as_str()));
        if flag_first || is(FLAG_LAST, last) {
            Kind::Flag
        } else if is(REFERENCE, last) {
            Kind::Reference
        } else if is(QUANTITY, last) {
            Kind::Quantity
        } else if is(
            &["path", "file", "dir", "directory", "filename", "folder"],
            last,
        ) {
            Kind::Path
        } else if is(&["url", "uri", "link", "endpoint"], last) {
            Kind::Address
        } else if is(TIME, last) {
            Kind::Time
        } else if is(&["name", "title", "label"], last) {
            Kind::Label
        } else if is(CHOICE, last) {
            Kind::Choice
        } else if is(SEARCH, last) {
            Kind::Search
        } else if is(&["script", "code", "sql", "expression", "command"], last) {
            Kind::Code
        } else if is(TEXT, last) {
            Kind::Text
        } else if is(BAG, last) {
            Kind::Bag
        } else {
            Kind::Other
        }
    }

    /// The kind for [`ParamWithoutFacts`](Rule::ParamWithoutFacts): a flag when the description
    /// reads as one ("Whether to …"), else the name's; when the name says nothing, the kind of
    /// the noun the description opens with ("Locator strategy to find element" for `by` is a
    /// choice, "Start index" for `start` a number; a bag is told by its name only: "Data to post
    /// in the body" is the body, not a set of settings).
    fn of_described(param_name: &str, text: &str) -> Kind {
        let words = raw_words(text);
        if words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("whether"))
        {
            return Kind::Flag;
        }
        match Kind::of(param_name) {
            Kind::Other => {
                let head = words
                    .iter()
                    .take_while(|w| !STOP_WORDS.contains(&norm(w)))
                    .last();
                match head.map(|h| Kind::of(h)) {
                    Some(kind @ (Kind::Choice | Kind::Quantity)) => kind,
                    _ => Kind::Other,
                }
            }
            kind => kind,
        }
    }

    /// How many words a description of this kind needs beyond the names when it gives no fact
    /// ([`fact`]): a flag, a choice, a quantity and a bag are filled from facts (what true does,
    /// the values, the range, the keys), so a word or two more than the name is not enough
    /// ("Whether to include the pie charts", "Maximum number of invoices per page"). Measured on
    /// the corpus's tune part.
    fn words_without_facts(self) -> usize {
        match self {
            Kind::Flag | Kind::Quantity => 2,
            Kind::Bag => 3,
            Kind::Choice => 4,
            _ => 1,
        }
    }

    /// The kind as the new rule's message names it ("a flag").
    fn article(self) -> &'static str {
        match self {
            Kind::Flag => "a flag",
            Kind::Quantity => "a number",
            Kind::Choice => "a choice",
            Kind::Bag => "a set of settings",
            _ => "it",
        }
    }

    /// Words that only say a value is of this kind ("Maximum number" of a limit, "Locator
    /// strategy" of a choice, "Job options"): they name no fact.
    fn own_words(self) -> Vec<&'static str> {
        match self {
            Kind::Quantity => vec![
                "max", "maximum", "min", "minimum", "number", "count", "total", "amount", "index",
            ],
            Kind::Choice => CHOICE.to_vec(),
            Kind::Bag => BAG.to_vec(),
            _ => Vec::new(),
        }
    }
}

const FLAG_FIRST: &[&str] = &[
    "is", "has", "include", "enable", "allow", "should", "can", "use", "dry", "force",
];
const FLAG_LAST: &[&str] = &[
    "enabled",
    "draft",
    "private",
    "recursive",
    "verbose",
    "submit",
];
const REFERENCE: &[&str] = &[
    "id", "key", "sha", "ref", "token", "slug", "uuid", "handle", "cursor",
];
const QUANTITY: &[&str] = &[
    "number", "num", "count", "limit", "size", "page", "max", "min", "amount", "quantity",
    "offset", "width", "height", "duration", "timeout", "depth", "index", "steps", "days",
    "seconds",
];
const TIME: &[&str] = &[
    "date",
    "time",
    "since",
    "until",
    "timestamp",
    "ts",
    "at",
    "before",
    "after",
];
const CHOICE: &[&str] = &[
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
    "style",
];
const SEARCH: &[&str] = &[
    "query", "q", "search", "filter", "keyword", "keywords", "pattern",
];
const TEXT: &[&str] = &[
    "text",
    "body",
    "content",
    "message",
    "description",
    "comment",
    "note",
];
const BAG: &[&str] = &[
    "options",
    "opts",
    "config",
    "configuration",
    "settings",
    "metadata",
    "headers",
    "properties",
    "args",
    "arguments",
    "params",
    "data",
    "associations",
];

/// What a parameter's description should add, judged from its name: (what is missing, a fix
/// with an example).
fn hint(param_name: &str) -> (&'static str, String) {
    hint_for(Kind::of(param_name), param_name)
}

/// [`hint`] for a parameter of a known kind.
fn hint_for(kind: Kind, param_name: &str) -> (&'static str, String) {
    let label = ident_words(param_name).join(" ");
    match kind {
        Kind::Flag => (
            "what changes when it is true",
            format!(
                "says what happens when `{param_name}` is true and the default, e.g. \"When true, …; defaults to false\""
            ),
        ),
        Kind::Reference => (
            "where the value comes from and what it looks like",
            format!(
                "says where the {label} comes from and its form, e.g. \"{} as returned by the list tool, like 'abc_123'\"",
                capitalized(&label)
            ),
        ),
        Kind::Quantity => (
            "the unit, range and default",
            format!(
                "gives the unit, range and default, e.g. \"{}, from 1 to 100; defaults to 10\"",
                capitalized(&label)
            ),
        ),
        Kind::Path => (
            "its form and what it is relative to",
            format!(
                "says whether the {label} is absolute or relative and to what, e.g. \"{} relative to the repository root, like src/main.rs\"",
                capitalized(&label)
            ),
        ),
        Kind::Address => (
            "which address and its scheme",
            "says which address and its scheme, e.g. \"Absolute https URL of the page to open\""
                .to_string(),
        ),
        Kind::Time => (
            "its format and time zone",
            "gives the format and time zone, e.g. \"Start of the range in RFC 3339, like 2024-05-01T09:00:00Z\"".to_string(),
        ),
        Kind::Label => (
            "where it is shown or how it is matched, and its limits",
            format!(
                "says where the {label} is shown or how it is matched, and its limits, e.g. \"{} shown to customers, up to 100 characters\"",
                capitalized(&label)
            ),
        ),
        Kind::Choice => (
            "the allowed values and what each does",
            format!(
                "lists the allowed values of `{param_name}` and what each does, e.g. \"One of: open, closed, all; defaults to open\""
            ),
        ),
        Kind::Search => (
            "what it matches and its syntax",
            format!(
                "says what the {label} matches and its syntax, e.g. \"Words to find in titles and bodies; quote a phrase, prefix a word with - to exclude it\""
            ),
        ),
        Kind::Code => (
            "the language and what the code may do",
            format!(
                "names the language and what the {label} may do, e.g. \"A single read-only SELECT statement in PostgreSQL dialect\""
            ),
        ),
        Kind::Text => (
            "where the text goes, its format and limits",
            format!(
                "says where the {label} goes, its format and limits, e.g. \"Markdown shown under the title, up to 65536 characters\""
            ),
        ),
        Kind::Bag => (
            "which keys it takes and their values",
            format!(
                "names the keys `{param_name}` takes and what each does, in the shape \"{}: <key>: <what it does and its values>, …; like <an example>\"",
                capitalized(&label)
            ),
        ),
        Kind::Other => {
            // Nothing in the name says more: a shape to fill in, in this parameter's own words
            // (a finished example about something else, like a currency code, would not fit it).
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
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

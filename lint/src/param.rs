//! A parameter's description: present, no placeholder, and more than its name (and its tool's
//! name) restated. Messages suggest what this parameter's description could add, from what it
//! holds when the host knows ([`ParamKind`]) and from the shape of its name.

use crate::placeholder::placeholder;
use crate::rules::Rule;
use crate::text::{Named, content_words, ident_words, norm, quote, raw_words, to_snake_case};
use crate::words::{
    ACTION_VERBS, BOILERPLATE, FORMATS, KIND_WORDS, OUTPUT_VERBS, PARAM_FILLER, SERVICES,
    STOP_WORDS, hint_words,
};
use crate::{Finding, ParamText};

/// What a parameter holds, as far as the host knows: a `#[tool]` argument's Rust type, an MCP
/// tool property's JSON Schema `type` and `enum`. It decides which fix a finding suggests (a
/// flag is asked what `true` changes, a list what each item is), never whether there is one:
/// the description alone must tell the model what to send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamKind {
    /// Not known: the suggestion follows the parameter's name.
    #[default]
    Unknown,
    /// `true` or `false`.
    Boolean,
    /// An integer or a number.
    Number,
    /// A string.
    Text,
    /// An array.
    List,
    /// An object (a map of settings, a record).
    Object,
    /// One of these values (a JSON Schema `enum`).
    Choice(Vec<String>),
}

/// Checks one model-visible parameter's description on its own.
pub fn check_param_description(param_name: &str, description: Option<&str>) -> Vec<Finding> {
    check(None, &ParamText::new(param_name, description))
}

/// Checks one parameter's description in the context of its tool: the words of the tool's name
/// count as restated too ("The pull request number" for `pull_number` of `get_pull_request`).
pub fn check_param_description_in(
    tool_name: &str,
    param_name: &str,
    description: Option<&str>,
) -> Vec<Finding> {
    check(Some(tool_name), &ParamText::new(param_name, description))
}

/// [`check_param_description_in`] for a parameter whose kind the host knows: the same findings,
/// with a fix that fits what the parameter holds.
///
/// ```
/// use toolwright_lint::{ParamKind, ParamText, check_param_of};
///
/// let flag = ParamText::new("needsMoreThoughts", Some("If more thoughts are needed"))
///     .kind(ParamKind::Boolean);
/// let finding = &check_param_of("sequential_thinking", &flag)[0];
/// assert!(finding.message.contains("what happens when `needsMoreThoughts` is true"));
/// ```
pub fn check_param_of(tool_name: &str, param: &ParamText<'_>) -> Vec<Finding> {
    check(Some(tool_name), param)
}

fn check(tool_name: Option<&str>, param: &ParamText<'_>) -> Vec<Finding> {
    let (param_name, description) = (param.name, param.description);
    let suggest = || hint(tool_name, param_name, &param.kind);
    let mut findings = Vec::new();
    let text = description.map(str::trim).unwrap_or("");
    if text.is_empty() {
        findings.push(Finding::new(
            Rule::MissingParamDescription,
            format!(
                "parameter `{param_name}` has no description; the model fills arguments from their descriptions: add a `///` doc comment that {}",
                suggest().1
            ),
        ));
        return findings;
    }
    if let Some(found) = placeholder(text) {
        findings.push(Finding::new(
            Rule::Placeholder,
            format!(
                "parameter `{param_name}` description contains the placeholder {found}; the model reads it as the real description: write one that {}; `#[tool(allow(placeholder))]` silences this",
                suggest().1
            ),
        ));
    }
    if facts(tool_name, param_name, text).is_empty() {
        let (uses_tool_words, generic, services) = restatement(tool_name, param_name, text);
        let names = match tool_name {
            Some(tool) if uses_tool_words => format!("its name and the tool name `{tool}`"),
            _ => "its name".to_string(),
        };
        let generic = if generic.is_empty() {
            String::new()
        } else {
            let listed: Vec<String> = generic.iter().map(|w| format!("\"{w}\"")).collect();
            format!(" with words that fit any parameter ({})", listed.join(", "))
        };
        let service = if services.is_empty() {
            String::new()
        } else {
            let listed: Vec<String> = services.iter().map(|w| format!("\"{w}\"")).collect();
            format!(
                " and the service's name ({}), which the model knows from the server it calls",
                listed.join(", ")
            )
        };
        let (what, fix) = suggest();
        findings.push(Finding::new(
            Rule::ParamRestatesName,
            format!(
                "parameter `{param_name}` description {} only restates {names}{generic}{service}; the model needs what the name does not say to fill it, here {what}: write one that {fix}; if the name truly says it all, use `#[tool(allow(param_restates_name))]`",
                quote(text)
            ),
        ));
    }
    findings
}

/// How a description that adds no fact is made, for its message: whether it uses words of the
/// tool's name, and its words that are neither names nor stop words, as written (filler, kind
/// words and their qualifiers, generic nouns: "string", "value", "strategy"), at most four; and
/// the services it names, as written ("Notion").
fn restatement(
    tool_name: Option<&str>,
    param_name: &str,
    text: &str,
) -> (bool, Vec<String>, Vec<String>) {
    let own = Named::new(&[param_name], text);
    let tool = tool_name.map(|t| Named::new(&[t], text));
    let is_tool_word = |n: &str| tool.as_ref().is_some_and(|t| t.contains(n));
    let named_services = service_names(text);
    let mut uses_tool_words = false;
    let mut generic: Vec<String> = Vec::new();
    let mut services: Vec<String> = Vec::new();
    let kept = without_purpose_verbs(&joined_compounds(text, |n| {
        own.contains(n) || is_tool_word(n)
    }));
    for word in raw_words(&kept) {
        let n = norm(word);
        // A number can only be the name's own here (any other is a fact).
        if STOP_WORDS.contains(&n) || own.contains(&n) || n.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if named_services.contains(&n) {
            if !services.iter().any(|s| s == word) {
                services.push(word.to_string());
            }
            continue;
        }
        if is_tool_word(&n) {
            uses_tool_words = true;
            continue;
        }
        let shown = word.to_lowercase();
        if generic.len() < 4 && !generic.contains(&shown) {
            generic.push(shown);
        }
    }
    (uses_tool_words, generic, services)
}

/// Word lists whose words say nothing about a value.
const FILLER: &[&crate::words::WordList] = &[&PARAM_FILLER, &BOILERPLATE, &KIND_WORDS];

/// What the text says beyond the names: its words that are not the parameter's or the tool's
/// name words, filler, padding or the qualifier of a kind word; a digit or another identifier
/// counts as a fact too. Empty when the text only restates the names.
pub(crate) fn facts(tool_name: Option<&str>, param_name: &str, text: &str) -> Vec<String> {
    if has_own_number(param_name, text) {
        return vec!["<digit>".to_string()];
    }
    if names_another_identifier(text, param_name) {
        return vec!["<identifier>".to_string()];
    }
    if names_file_extension(text) {
        return vec!["<extension>".to_string()];
    }
    if names_a_setting(text) {
        return vec!["<setting>".to_string()];
    }
    if ends_in_match_verb(text) {
        return vec!["<match>".to_string()];
    }
    let mut identifiers = vec![param_name];
    identifiers.extend(tool_name);
    let named = Named::new(&identifiers, text);
    let kept = without_purpose_verbs(&joined_compounds(text, |n| named.contains(n)));
    let qualifiers = kind_qualifiers(text);
    let services = service_names(text);
    let flag = is_flag_name(param_name);
    let says_nothing = |w: &String| {
        named.contains(w)
            || qualifiers.contains(w)
            || services.contains(w)
            || (flag && FLAG_FILLER.iter().any(|f| norm(f) == *w))
            // A number of the name's own ("ID 2" for `tag_id2`); any other made this a fact.
            || w.chars().all(|c| c.is_ascii_digit())
    };
    content_words(&kept, FILLER)
        .into_iter()
        .filter(|w| !says_nothing(w))
        .collect()
}

/// Words that, in the description of a flag (`is_done`, `has_label`), only say it is one:
/// "Filter by completed status", "Filter by presence of label".
const FLAG_FILLER: &[&str] = &["status", "state", "presence", "present"];

/// Whether a name reads as a yes/no question (`is_done`, `has_owner`, `can_edit`).
fn is_flag_name(param_name: &str) -> bool {
    matches!(
        ident_words(param_name).first().map(String::as_str),
        Some("is" | "has" | "have" | "can" | "should")
    )
}

/// Whether the text ends in a bare match verb, saying how a search field is matched ("Name
/// contains", "Title matches"): the verb's object is the value itself, so it says substring or
/// pattern, a fact. ("the file containing the images" has its object and stays filler.)
fn ends_in_match_verb(text: &str) -> bool {
    raw_words(text)
        .last()
        .is_some_and(|w| ["contains", "matches", "equals"].contains(&w.to_lowercase().as_str()))
}

/// The text with a hyphenated compound written as one word where that word is a name's
/// ("Sub-task name" for `name` of `create_subtask`), so the compound restates it.
fn joined_compounds(text: &str, is_name: impl Fn(&str) -> bool) -> String {
    text.split_whitespace()
        .map(|token| {
            let joined: String = token.chars().filter(|c| *c != '-').collect();
            let core: String = joined.chars().filter(|c| c.is_alphanumeric()).collect();
            if token.contains('-') && is_name(&norm(&core)) {
                core
            } else {
                token.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the text has a number of its own (a range, a default, an example): a run of digits
/// that is not one of the parameter name's own ("Tracking option ID 1" for `tracking_option_id1`
/// names nothing new).
fn has_own_number(param_name: &str, text: &str) -> bool {
    let runs = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect()
    };
    let own = runs(param_name);
    runs(text).iter().any(|r| !own.contains(r))
}

/// The normalized words of a text that name a service or product rather than say anything
/// about the value ("Identifier for a Notion block", "Kubernetes namespace", "The HubSpot
/// portal ID"): the model already knows which server it calls, so the rubric counts the name as
/// filler in a parameter's description. A word is one when it is written with a capital and is
/// either a well-known service (`words/services.txt`) or a capitalized word inside a sentence
/// that qualifies the next word ("the Acme account"). The first word of a sentence is
/// capitalized anyway, an all-caps word is an acronym or a format ("IANA", "JSON"), and a
/// capitalized word in a list or before punctuation is a value ("Note or Task", "Low, High"), so
/// none of them counts unless listed; nor does a format (`words/formats.txt`: "Python code").
pub(crate) fn service_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut sentence_start = true;
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for (t, token) in tokens.iter().enumerate() {
        let words = raw_words(token);
        for (i, word) in words.iter().enumerate() {
            let n = norm(word);
            // A listed service counts with a capital anywhere ("arXiv"); only a lowercase word
            // may be the common noun ("a slack rope").
            if FORMATS.contains(&n) || !word.chars().any(char::is_uppercase) {
                continue;
            }
            // The next word of the same phrase: in this token after a `/` or `-`, or the next
            // token when nothing but the word's own letters ends this one.
            let next = match words.get(i + 1) {
                Some(next) => Some(*next),
                None if token.ends_with(char::is_alphanumeric) => tokens
                    .get(t + 1)
                    .and_then(|n| raw_words(n).first().copied()),
                None => None,
            };
            // Written in two ("Argo CD" for `argocd`): both words name it.
            if let Some(next) = next {
                let joined = norm(&format!("{word}{next}"));
                if SERVICES.contains(&joined) {
                    out.extend([n, norm(next), joined]);
                    continue;
                }
            }
            let qualifies = next.is_some_and(|n| {
                n.starts_with(char::is_lowercase) && !STOP_WORDS.contains(&norm(n))
            });
            let proper = !(sentence_start && i == 0) && is_capitalized(word) && qualifies;
            if SERVICES.contains(&n) || proper {
                out.push(n);
            }
        }
        if !words.is_empty() {
            sentence_start = token.ends_with(['.', '!', '?', ':', ';']);
        }
    }
    out
}

/// `Notion`, `Redis`: an initial capital, then at least two lowercase letters and nothing else.
fn is_capitalized(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_uppercase())
        && word.chars().count() >= 3
        && chars.all(|c| c.is_lowercase())
}

/// Whether the text names another argument's value (`type=url`, "only when mode=fast"): when
/// the value applies, a fact.
fn names_a_setting(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "()[],;".contains(c))
        .any(|token| {
            token.split_once('=').is_some_and(|(key, value)| {
                key.chars().any(char::is_alphabetic)
                    && key.chars().all(|c| c.is_alphanumeric() || c == '_')
                    && value.chars().any(char::is_alphanumeric)
            })
        })
}

/// Whether the text names a file extension (".pdf", "a .heapsnapshot file"): the format a path
/// must have, a fact even when every other word restates the names.
fn names_file_extension(text: &str) -> bool {
    text.split_whitespace().any(|token| {
        token.strip_prefix('.').is_some_and(|rest| {
            let ext = rest.trim_end_matches(|c: char| !c.is_alphanumeric());
            !ext.is_empty() && ext.len() <= 16 && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
    })
}

/// The normalized words right before a kind word ("Locator strategy", "Mouse action", "WCAG
/// level"): they say which set of values the parameter picks from, not which values it has; so
/// does "JSON" before "object" or "array". Only a separate word qualifies: the prefix of a
/// compound ("sub-categories") is part of its word.
fn kind_qualifiers(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter_map(|pair| {
            let qualifier = raw_words(pair[0]);
            let kind = raw_words(pair[1]);
            // Punctuation between them ("Mode, locator") ends the phrase.
            match (qualifier.as_slice(), kind.first()) {
                ([.., last], Some(first))
                    if pair[0].ends_with(char::is_alphanumeric)
                        && pair[1].starts_with(char::is_alphanumeric)
                        && (KIND_WORDS.contains(&norm(first)) || is_json_type(last, first)) =>
                {
                    Some(norm(last))
                }
                _ => None,
            }
        })
        .collect()
}

/// "JSON object", "JSON array": the schema's own type spelled out, where "JSON" alone is a
/// format a string must follow.
fn is_json_type(qualifier: &str, noun: &str) -> bool {
    qualifier.eq_ignore_ascii_case("json") && ["object", "array"].contains(&norm(noun).as_str())
}

/// Whether the text names an identifier other than the parameter itself (`list_tables`,
/// `next_cursor`): where the value comes from ("as listed by list_tables"), which the rubric
/// counts as a fact even when its words are the parameter's own.
fn names_another_identifier(text: &str, param_name: &str) -> bool {
    let own = to_snake_case(param_name);
    let snake = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|w| w.trim_matches('_'))
        .any(|w| w.contains('_') && w.chars().any(char::is_alphabetic) && to_snake_case(w) != own);
    // A tool named in kebab case, verb first ("from the list-contacts tool").
    let kebab = text
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-'))
        .any(|w| {
            let parts: Vec<&str> = w.split('-').collect();
            parts.len() >= 2
                && parts
                    .iter()
                    .all(|p| p.chars().all(|c| c.is_ascii_lowercase()) && !p.is_empty())
                && (OUTPUT_VERBS.contains(&norm(parts[0]))
                    || ACTION_VERBS.contains(&norm(parts[0])))
                && w.replace('-', "") != own.replace('_', "")
        });
    snake || kebab
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

/// What a name says a parameter is. The last word of the name decides (`pull_number` is a
/// number), the first for flags (`include_archived`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Flag,
    Id,
    Number,
    Path,
    Url,
    Time,
    Name,
    Choice,
    Query,
    Code,
    Text,
}

fn shape_of_name(param_name: &str) -> Option<Shape> {
    let words: Vec<String> = ident_words(param_name).iter().map(|w| norm(w)).collect();
    let first = words.first().map_or("", String::as_str);
    let last = words.last().map_or("", String::as_str);
    // `branch_ids` is ids: a plural the stemmer leaves alone is matched as its singular too.
    let singular = if is_plural(param_name) {
        ident_words(param_name)
            .last()
            .map(|w| norm(w.strip_suffix('s').unwrap_or(w)))
            .unwrap_or_default()
    } else {
        last.to_string()
    };
    let is = |key: &str, w: &str| hint_words(key).iter().any(|x| norm(x) == w);
    if is("flag-first", first) || is("flag-last", last) {
        return Some(Shape::Flag);
    }
    // The order settles a word in two lists.
    [
        ("id", Shape::Id),
        ("number", Shape::Number),
        ("path", Shape::Path),
        ("url", Shape::Url),
        ("time", Shape::Time),
        ("name", Shape::Name),
        ("choice", Shape::Choice),
        ("query", Shape::Query),
        ("code", Shape::Code),
        ("text", Shape::Text),
    ]
    .into_iter()
    .find(|(key, _)| is(key, last) || is(key, &singular))
    .map(|(_, shape)| shape)
}

/// What a parameter's description should add: (what is missing, a fix with an example). What
/// the parameter holds, when known, wins over what its name suggests (`include` may be a list,
/// `needs_more_thoughts` a flag); otherwise the name decides. The tool's name tells a name the
/// tool gives (`create_table.name`) from one that picks an existing thing
/// (`describe_table.table_name`).
fn hint(tool_name: Option<&str>, param_name: &str, kind: &ParamKind) -> (&'static str, String) {
    let label = ident_words(param_name).join(" ");
    let by_name = shape_of_name(param_name);
    let shape = match kind {
        ParamKind::Boolean => Some(Shape::Flag),
        ParamKind::Choice(values) if !values.is_empty() => {
            return choices(param_name, values);
        }
        ParamKind::List => return fill_in(param_name, &label, true),
        ParamKind::Object => {
            return (
                "which fields it takes and what each means",
                format!(
                    "says which fields `{param_name}` takes and what each one sets, in the shape \"{}: an object with <field>: <what it sets>, …\"",
                    capitalized(&label)
                ),
            );
        }
        // A number named like an id or a time is still an id or a time.
        ParamKind::Number => match by_name {
            Some(Shape::Id | Shape::Time | Shape::Number) => by_name,
            _ => Some(Shape::Number),
        },
        // Text that its name calls a flag is not one.
        ParamKind::Text => by_name.filter(|s| *s != Shape::Flag),
        _ => by_name,
    };
    let plural = is_plural(param_name);
    let (is, Some(shape)) = (if plural { "are" } else { "is" }, shape) else {
        return fill_in(param_name, &label, plural);
    };
    let example = capitalized(&label);
    match shape {
        Shape::Flag => (
            "what changes when it is true",
            format!(
                "says what happens when `{param_name}` is true and the default, e.g. \"When true, …; defaults to false\""
            ),
        ),
        Shape::Id => (
            "where the value comes from and what it looks like",
            format!(
                "says where the {label} come{} from and {} form, e.g. \"{example} as returned by the list tool, like 'abc_123'\"",
                if plural { "" } else { "s" },
                if plural { "their" } else { "its" }
            ),
        ),
        // `issue_number`, `pr_no`: a number that picks one thing, like an id.
        Shape::Number if numbers_a_thing(param_name) => (
            "where the value comes from",
            format!(
                "says where the {label} come{} from, e.g. \"{example}, as shown in its URL and by the list tool, like 42\"",
                if plural { "" } else { "s" },
            ),
        ),
        Shape::Number => (
            "the unit, range and default",
            format!(
                "gives the unit, range and default, e.g. \"{example}{}\"",
                number_example(param_name)
            ),
        ),
        Shape::Path => {
            // A path that names a directory (`repo_path`, `root_dir`) is not a file inside one.
            let directory = has_hint_word(&ident_words(param_name), "directory");
            // Only a tool that works on code has a repository root to be relative to.
            let code =
                tool_name.is_some_and(|tool| has_hint_word(&ident_words(tool), "code-tool"));
            let like = if directory {
                ", an absolute path like /home/me/project"
            } else if code {
                " relative to the repository root, like src/main.rs"
            } else {
                ", an absolute path like /home/me/reports/march.csv"
            };
            (
                "its form and what it is relative to",
                format!(
                    "says whether the {label} {is} absolute or relative and to what, e.g. \"{example}{like}\""
                ),
            )
        }
        Shape::Url => (
            "which address and its scheme",
            "says which address and its scheme, e.g. \"Absolute https URL of the page to open\""
                .to_string(),
        ),
        Shape::Time => (
            "its format and time zone",
            "gives the format and time zone, e.g. \"Start of the range in RFC 3339, like 2024-05-01T09:00:00Z\"".to_string(),
        ),
        Shape::Name if !names_something_new(tool_name) => {
            let thing = named_thing(tool_name, param_name);
            let things = plural_of(&thing);
            let example = if plural {
                format!("Names of existing {things}, exactly as the list tool shows them")
            } else {
                format!("Name of an existing {thing}, exactly as the list tool shows it")
            };
            (
                "which existing one it picks and how it is matched",
                format!(
                    "says which {} {} and how {} matched, e.g. \"{example}; case-sensitive\"",
                    if plural { &things } else { &thing },
                    if plural { "they pick" } else { "it picks" },
                    if plural { "they are" } else { "it is" },
                ),
            )
        }
        Shape::Name => (
            "where it is shown or how it is matched, and its limits",
            format!(
                "says where the {label} {is} shown or how {} matched, and {} limits, e.g. \"{example} shown to users, up to 100 characters\"",
                if plural { "they are" } else { "it is" },
                if plural { "their" } else { "its" }
            ),
        ),
        Shape::Choice => (
            "the allowed values and what each does",
            format!(
                "lists the allowed values of `{param_name}` and what each does, e.g. \"One of: {}\"",
                choice_example(param_name)
            ),
        ),
        Shape::Query => (
            "what it matches and its syntax",
            format!(
                "says what the {label} match{} and {} syntax, e.g. \"Words to find in titles and bodies; quote a phrase, prefix a word with - to exclude it\"",
                if plural { "" } else { "es" },
                if plural { "their" } else { "its" }
            ),
        ),
        Shape::Code => (
            "the language and what the code may do",
            format!(
                "names the language and what the {label} may do, e.g. \"{}\"",
                code_example(param_name)
            ),
        ),
        Shape::Text => (
            "where the text goes, its format and limits",
            format!(
                "says where the {label} go{}, {} format and limits, e.g. \"{}\"",
                if plural { "" } else { "es" },
                if plural { "their" } else { "its" },
                text_example(tool_name, param_name)
            ),
        ),
    }
}

/// Whether one of `words` is among the hint words of `key` (`lint/words/hint_words.txt`).
fn has_hint_word(words: &[String], key: &str) -> bool {
    let listed = hint_words(key);
    words.iter().any(|w| listed.contains(&w.as_str()))
}

/// Allowed values to show in a choice's example, in the words its name suggests: directions for
/// an order, fields for a sort, formats for a format, else states.
fn choice_example(param_name: &str) -> &'static str {
    let words = ident_words(param_name);
    let named = |key: &str| has_hint_word(&words, key);
    if named("choice-order") {
        "asc (oldest first), desc (newest first); defaults to desc"
    } else if named("choice-sort") {
        "created, updated, name; defaults to created"
    } else if named("choice-format") {
        "markdown, html, json; defaults to markdown"
    } else {
        "open, closed, all; defaults to open"
    }
}

/// The unit a number's name implies, for its example: pixels for a width or height, seconds for
/// a span of time, bytes for a size.
fn number_unit(param_name: &str) -> Option<&'static str> {
    let words = ident_words(param_name);
    let last = words.last().map_or("", String::as_str);
    let is = |key: &str| hint_words(key).contains(&last);
    if is("unit-pixels") {
        Some("pixels")
    } else if is("unit-seconds") {
        Some("seconds")
    } else if is("unit-bytes") && !has_hint_word(&words, "counts-items") {
        Some("bytes")
    } else {
        None
    }
}

/// The rest of a number's example description after its label: where a pager starts and what
/// an offset skips, else a unit if its name has one, a range and a default.
fn number_example(param_name: &str) -> String {
    let words = ident_words(param_name);
    match words.last().map_or("", String::as_str) {
        // `per_page` is a page's size, not a pager.
        "page" if !words.iter().any(|w| w == "per") => {
            " of results, starting at 1; defaults to 1".to_owned()
        }
        last if hint_words("number-offset").contains(&last) => {
            ": how many results to skip, from 0; defaults to 0".to_owned()
        }
        _ => format!(
            "{}, from 1 to 100; defaults to 10",
            number_unit(param_name).map_or(String::new(), |unit| format!(" in {unit}"))
        ),
    }
}

/// Whether a number named `<thing>_number` (or `_num`, `_no`, `_nr`) picks one thing, as an
/// issue's or an order's number does; a page, line, column or port number is a position or a
/// setting, with a range.
fn numbers_a_thing(param_name: &str) -> bool {
    let words = ident_words(param_name);
    let [.., thing, last] = words.as_slice() else {
        return false;
    };
    hint_words("number-of-thing").contains(&last.as_str())
        && !hint_words("number-position").contains(&thing.as_str())
}

/// An example description for text in what its name and the tool suggest: Markdown for a post's
/// body or a comment, a commit or chat message, a file's content, else the exact text to enter.
fn text_example(tool_name: Option<&str>, param_name: &str) -> &'static str {
    let words = ident_words(param_name);
    let tool = tool_name.map(ident_words).unwrap_or_default();
    let named = |key: &str| has_hint_word(&words, key);
    let tool_named = |key: &str| has_hint_word(&tool, key);
    if named("text-post") {
        "Markdown shown under the title, up to 65536 characters"
    } else if named("text-message") && tool_named("commit-tool") {
        "Commit message: a summary under 72 characters, a blank line, then the details"
    } else if named("text-message") {
        "Message as the recipient reads it, plain text, up to 4000 characters"
    } else if named("text-content") && tool_named("file-tool") {
        "Full new content of the file as UTF-8 text; it replaces what the file held"
    } else if named("text-content") {
        "Content to store, as plain text or Markdown, up to 65536 characters"
    } else {
        "The exact text to enter, as plain text, like 'Hello, world'; up to 1000 characters"
    }
}

/// An example description for code in the language its name suggests: SQL for a `sql` or a
/// `statement`, a shell for a `command` or a `script`, else an expression.
fn code_example(param_name: &str) -> &'static str {
    let words = ident_words(param_name);
    let named = |key: &str| has_hint_word(&words, key);
    if named("code-sql") {
        "A single read-only SELECT statement in PostgreSQL dialect"
    } else if named("code-shell") {
        "One shell command line, run by /bin/sh in the workspace directory, like `ls -la src`"
    } else {
        "A JavaScript expression evaluated in the page, like `document.title`"
    }
}

/// Whether the tool gives names rather than looks things up by them. The first of the tool's
/// words that is a known verb decides (`git_checkout` is judged by "checkout"): one that acts on
/// an existing thing (`describe_table`, `delete_branch`) looks it up; any other, an unknown verb
/// (`generate_bar_chart.title`) or no tool at all gives a name, whose hint fits a name of either
/// kind.
fn names_something_new(tool_name: Option<&str>) -> bool {
    let Some(tool) = tool_name else {
        return true;
    };
    let (gives, picks) = (hint_words("gives"), hint_words("picks"));
    let words = ident_words(tool);
    let verb = words
        .iter()
        .find(|w| gives.contains(&w.as_str()) || picks.contains(&w.as_str()));
    verb.is_none_or(|verb| gives.contains(&verb.as_str()))
}

/// What a name picks, in words: the parameter's words before "name" (`table_name` → "table"),
/// else the tool's object (`describe_table.name` → "table"), else "item". ([`ident_words`] are
/// lowercase already.)
fn named_thing(tool_name: Option<&str>, param_name: &str) -> String {
    let own: Vec<String> = ident_words(param_name)
        .into_iter()
        .filter(|w| !matches!(w.as_str(), "name" | "names"))
        .collect();
    if !own.is_empty() {
        return own.join(" ");
    }
    let object: Vec<String> = tool_name
        .map(ident_words)
        .unwrap_or_default()
        .into_iter()
        .skip(1)
        .collect();
    if object.is_empty() {
        "item".to_string()
    } else {
        object.join(" ")
    }
}

/// The plural of an English noun phrase's last word, by the regular rules ("entity" →
/// "entities", "branch" → "branches", "table" → "tables").
pub(crate) fn plural_of(phrase: &str) -> String {
    let consonant_y = phrase.ends_with('y')
        && !phrase
            .chars()
            .rev()
            .nth(1)
            .is_some_and(|c| "aeiou".contains(c));
    if consonant_y {
        format!("{}ies", &phrase[..phrase.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| phrase.ends_with(e))
    {
        format!("{phrase}es")
    } else {
        format!("{phrase}s")
    }
}

/// The fix for a parameter holding one of `values`: what each one does.
fn choices(param_name: &str, values: &[String]) -> (&'static str, String) {
    let shown: Vec<&str> = values.iter().take(4).map(String::as_str).collect();
    let listed = shown
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let more = if values.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    let example = shown
        .iter()
        .take(2)
        .map(|v| format!("{v}: <what it does>"))
        .collect::<Vec<_>>()
        .join("; ");
    (
        "what each allowed value does",
        format!(
            "says what each value of `{param_name}` ({listed}{more}) does and which is the default, in the shape \"{example}; defaults to {}\"",
            shown[0]
        ),
    )
}

/// Whether the name's last word is a plural (`entity_names`, `relations`; not `status`).
fn is_plural(param_name: &str) -> bool {
    let raw_last = ident_words(param_name).last().cloned().unwrap_or_default();
    raw_last.len() >= 3
        && raw_last.ends_with('s')
        && !["ss", "us", "is"].iter().any(|end| raw_last.ends_with(end))
}

/// Nothing known says more: a shape to fill in, in this parameter's own words (a finished
/// example about something else, like a currency code, would not fit it).
fn fill_in(param_name: &str, label: &str, list: bool) -> (&'static str, String) {
    let shape = if list {
        format!(
            "{}: <what each one is>, <its format>; up to <how many>",
            capitalized(label)
        )
    } else {
        format!(
            "{}: <what it is>, <its format or allowed values>, like <an example value>",
            capitalized(label)
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

//! The facts a parameter's description gives a model beyond the names (the rubric's list:
//! format, unit, allowed values, range, default, an example, where the value comes from, what
//! omitting it does), found by their form rather than by their words: digits, quoted values,
//! lists of values, conditions, a second sentence.

use std::collections::BTreeSet;

use crate::text::{norm, raw_words, to_snake_case};
use crate::words::{FORMATS, STOP_WORDS, UNITS};

/// A kind of fact a description gives, by the first form found (see [`fact`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fact {
    /// A digit: a range, a default, a limit, an example ("1-100", "max 400 chars").
    Digit,
    /// Another identifier, such as the tool the value comes from ("as listed by list_tables").
    Identifier,
    /// A quoted value or code (`'main'`, `"info"`, `` `trace` ``).
    Quoted,
    /// An example announced as one ("e.g.", "for example", "such as").
    Example,
    /// The default, or what happens when the value is omitted, empty or set.
    Default,
    /// A condition on the value or on other arguments ("if", "when", "unless" in a clause).
    Condition,
    /// The values allowed: "one of", "either", "a, b or c", "name or size".
    Values,
    /// Where the value comes from ("as returned by", "found in", "see").
    Source,
    /// What the value is relative to ("relative to", "absolute").
    Relative,
    /// A bound or requirement ("at most", "up to", "between", "required").
    Bound,
    /// A unit of measure that is not already in the names ("in milliseconds").
    Unit,
    /// A format or language that is not already in the names ("CSS selector", "Unix timestamp").
    Format,
    /// More than one sentence: a description that goes on after naming the value.
    Sentences,
    /// A parenthetical remark of some length ("(lower numbers displayed first)").
    Remark,
}

/// The first fact `text` gives beyond the normalized `named` words of the parameter and its tool,
/// if any; `param_name` is the parameter itself (naming it is no fact).
pub(crate) fn fact(text: &str, param_name: &str, named: &BTreeSet<String>) -> Option<Fact> {
    let lower = text.to_lowercase();
    let words: Vec<String> = raw_words(&lower).into_iter().map(str::to_string).collect();
    let has = |phrases: &[&str]| phrases.iter().any(|p| contains_phrase(&words, p));
    let unnamed = |w: &String| !named.contains(&norm(w));
    if text.chars().any(|c| c.is_ascii_digit()) {
        return Some(Fact::Digit);
    }
    if names_another_identifier(text, param_name) {
        return Some(Fact::Identifier);
    }
    if quotes_a_value(text) {
        return Some(Fact::Quoted);
    }
    if ["e.g", "i.e.", "example:", "examples:"]
        .iter()
        .any(|p| lower.contains(p))
        || has(&EXAMPLE_PHRASES)
    {
        return Some(Fact::Example);
    }
    if words
        .iter()
        .any(|w| (w.starts_with("default") || DEFAULT_WORDS.contains(&w.as_str())) && unnamed(w))
        || has(&DEFAULT_PHRASES)
    {
        return Some(Fact::Default);
    }
    if conditional_clause(&lower, &words) {
        return Some(Fact::Condition);
    }
    if has(&VALUES_PHRASES) || lists_values(text) || alternatives(&words, named) {
        return Some(Fact::Values);
    }
    if has(&SOURCE_PHRASES) {
        return Some(Fact::Source);
    }
    if has(&RELATIVE_PHRASES) {
        return Some(Fact::Relative);
    }
    if has(&BOUND_PHRASES) {
        return Some(Fact::Bound);
    }
    if words.iter().any(|w| UNITS.has_entry(w) && unnamed(w)) {
        return Some(Fact::Unit);
    }
    if words.iter().any(|w| FORMATS.has_entry(w) && unnamed(w)) {
        return Some(Fact::Format);
    }
    if sentences(text) > 1 {
        return Some(Fact::Sentences);
    }
    if long_remark(text) {
        return Some(Fact::Remark);
    }
    None
}

const EXAMPLE_PHRASES: [&str; 3] = ["for example", "for instance", "such as"];
/// Words that say what the absence of a value does (besides any word starting with "default").
const DEFAULT_WORDS: [&str; 5] = ["omit", "omitted", "unset", "true", "false"];
const DEFAULT_PHRASES: [&str; 6] = [
    "if not",
    "when not",
    "leave empty",
    "left empty",
    "if empty",
    "by default",
];
const VALUES_PHRASES: [&str; 5] = [
    "one of",
    "either",
    "valid values",
    "allowed values",
    "possible values",
];
const SOURCE_PHRASES: [&str; 8] = [
    "returned by",
    "listed by",
    "as listed",
    "as returned",
    "found in",
    "obtained from",
    "see",
    "from the previous",
];
const RELATIVE_PHRASES: [&str; 3] = ["relative", "absolute", "resolved against"];
const BOUND_PHRASES: [&str; 12] = [
    "at most",
    "at least",
    "up to",
    "between",
    "exceed",
    "no more than",
    "required",
    "ignored",
    "only for",
    "used for",
    "only when",
    "only if",
];

/// Whether the words contain `phrase`'s words in a row.
fn contains_phrase(words: &[String], phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    words
        .windows(wanted.len())
        .any(|w| w.iter().zip(&wanted).all(|(a, b)| a == b))
}

/// Whether the text names an identifier other than the parameter itself (`list_tables`,
/// `next_cursor`): where the value comes from ("as listed by list_tables"), which the rubric
/// counts as a fact even when its words are the parameter's own.
pub(crate) fn names_another_identifier(text: &str, param_name: &str) -> bool {
    let own = to_snake_case(param_name);
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|w| w.trim_matches('_'))
        .any(|w| w.contains('_') && w.chars().any(char::is_alphabetic) && to_snake_case(w) != own)
}

/// A value in quotes or backticks: `'main'`, `"info"`, `` `trace` ``. An apostrophe inside a
/// word ("the user's id") opens nothing.
fn quotes_a_value(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    for (i, &open) in chars.iter().enumerate() {
        if !matches!(open, '\'' | '"' | '`' | '“' | '‘') {
            continue;
        }
        if open == '\'' && i > 0 && chars[i - 1].is_alphanumeric() {
            continue;
        }
        let close = match open {
            '“' => '”',
            '‘' => '’',
            other => other,
        };
        let rest = &chars[i + 1..];
        if let Some(end) = rest.iter().position(|&c| c == close)
            && end > 0
            && (close != '\'' || rest.get(end + 1).is_none_or(|c| !c.is_alphanumeric()))
        {
            return true;
        }
    }
    false
}

/// A condition in a clause of its own: "if", "when" or "unless" after the first word ("Image
/// format; if unset, inferred from the extension"), or a leading one closed by a comma ("If
/// provided, returns only the last N lines"). A description that is only a condition ("If more
/// thoughts are needed") restates a flag.
fn conditional_clause(lower: &str, words: &[String]) -> bool {
    const CONDITIONS: [&str; 4] = ["if", "when", "unless", "otherwise"];
    let is_condition = |w: &String| CONDITIONS.contains(&w.as_str());
    words.iter().skip(1).any(is_condition)
        || (words.first().is_some_and(is_condition) && lower.contains(','))
}

/// Three or more values listed in one sentence ("chrome, firefox, edge, or safari").
fn lists_values(text: &str) -> bool {
    text.split(['.', ';', ':'])
        .any(|sentence| sentence.matches(',').count() >= 2)
}

/// Two alternatives ("Sort entries by name or size") not both from the names ("Path to the file
/// or directory" for `path` only spells the name out) and not a comparison ("or above").
fn alternatives(words: &[String], named: &BTreeSet<String>) -> bool {
    const COMPARISONS: [&str; 6] = ["above", "below", "more", "less", "higher", "lower"];
    words.windows(3).any(|w| {
        let (a, b) = (norm(&w[0]), norm(&w[2]));
        let both_named = named.contains(&a) && named.contains(&b);
        w[1] == "or"
            && !COMPARISONS.contains(&w[2].as_str())
            && !STOP_WORDS.contains(&a)
            && !STOP_WORDS.contains(&b)
            && !both_named
    })
}

/// Sentences with at least two words each ("Tab index. Used for close/select.").
fn sentences(text: &str) -> usize {
    text.split(['.', '!', '?', ';', '\n'])
        .filter(|s| raw_words(s).len() >= 2)
        .count()
}

/// A parenthetical remark of three words or more besides stop words ("(press Enter after)"); a
/// type or "optional" in parentheses is not one.
fn long_remark(text: &str) -> bool {
    text.split('(').skip(1).any(|after| {
        let inside = after.split(')').next().unwrap_or("");
        raw_words(inside)
            .into_iter()
            .filter(|w| !STOP_WORDS.contains(&norm(w)))
            .count()
            >= 3
    })
}

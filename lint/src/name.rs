//! The tool name: snake_case and length (what providers accept), at least a verb and its object,
//! and not made of vague or placeholder words.

use crate::description::is_verb;
use crate::param::service_names;
use crate::rules::Rule;
use crate::text::{backticked, ident_words, norm, raw_words, to_snake_case};
use crate::words::{
    HARD_PLACEHOLDERS, LONE_WORDS, SERVICES, SOFT_OBJECTS, SOFT_PLACEHOLDERS, STOP_WORDS,
    VAGUE_OBJECTS, VAGUE_VERBS, WordList,
};
use crate::{Finding, MAX_NAME_CHARS};

/// Checks a tool name: snake_case, length, at least two words, not vague.
pub fn check_tool_name(name: &str) -> Vec<Finding> {
    check_tool_name_in(name, None)
}

/// [`check_tool_name`] with the tool's description in view: the same findings, and a lone word
/// is shown a name made from what its description says it acts on.
///
/// ```
/// use toolwright_lint::check_tool_name_in;
///
/// let finding = &check_tool_name_in("list", Some("List Redis keys matching a pattern"))[0];
/// assert!(finding.message.contains("e.g. `list_keys`"), "{}", finding.message);
/// ```
pub fn check_tool_name_in(name: &str, description: Option<&str>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(problem) = name_format_problem(name) {
        findings.push(Finding::new(Rule::NameFormat, problem));
    }
    let len = name.chars().count();
    if len > MAX_NAME_CHARS {
        findings.push(Finding::new(
            Rule::NameLength,
            format!(
                "tool name is {len} characters (`{}`); OpenAI and Anthropic reject tool names longer than {MAX_NAME_CHARS} characters: keep the verb and the main object, e.g. `get_order_status`",
                truncate_chars(name, 40)
            ),
        ));
    }
    let words = ident_words(name);
    if let [word] = words.as_slice()
        && !LONE_WORDS.contains(&norm(word))
    {
        findings.push(Finding::new(
            Rule::LoneWord,
            format!(
                "tool name `{name}` is a single word; the model tells tools apart by name, and one word does not say what the tool acts on: name the verb and its object, e.g. {}",
                match description.and_then(|d| named_from(word, d)) {
                    Some(better) => format!("`{better}`, after what the description says it acts on"),
                    None => "`search_knowledge_base` or `get_order_status`".to_string(),
                }
            ),
        ));
    }
    if let Some(message) = vague_name_problem(name, &words) {
        findings.push(Finding::new(Rule::VagueName, message));
    }
    findings
}

/// A verb_object name for a tool named by the lone `word`, from its description, or `None`
/// when the description does not open with a verb to build one with. The verb is the one the
/// description opens with; the object is the noun phrase after it, up to three words, passing
/// over articles and other stop words, particles ("back", "up"), participles ("the cached
/// pages", "keys matching") and service names ("Redis"), which say which server, not what
/// (`search_company_knowledge_base`, `set_key_value_pair`, `delete_pages`), and ending at
/// punctuation ("a browser alert, confirm…" gives `handle_browser_alert`).
/// A name the description mentions later in its first sentence, not in that phrase, is the
/// object instead ("Switches focus to a frame" gives `switch_frame`). Only a name the name rules
/// accept is suggested.
fn named_from(word: &str, description: &str) -> Option<String> {
    let words = raw_words(description);
    let (first, rest) = words.split_first()?;
    let opens_with_name = norm(first) == norm(word);
    // "Returns …" says what comes back, not what the tool does.
    let returns = first.to_lowercase().starts_with("return");
    if !opens_with_name && (!is_verb(first) || returns) {
        return None;
    }
    let verb = if opens_with_name {
        word.to_lowercase()
    } else {
        base_form(first)
    };
    let named = norm(word);
    let phrase = noun_phrase(rest, description);
    let object = if !opens_with_name
        && !phrase.iter().any(|w| norm(w) == named)
        && first_sentence(rest, description).any(|w| norm(w) == named)
    {
        vec![word.to_lowercase()]
    } else {
        phrase
    };
    if object.is_empty() {
        return None;
    }
    let name = to_snake_case(&format!("{verb}_{}", object.join("_")));
    check_tool_name(&name).is_empty().then_some(name)
}

/// The noun phrase that opens `words`: up to three words, past stop words, particles, service
/// names and participles (see [`named_from`]), lowercase.
fn noun_phrase(words: &[&str], description: &str) -> Vec<String> {
    const PARTICLES: &[&str] = &[
        "back", "up", "out", "down", "off", "over", "away", "in", "on",
    ];
    let services = service_names(description);
    let passed_over = |w: &str| {
        let n = norm(w);
        PARTICLES.contains(&w.to_lowercase().as_str())
            || SERVICES.contains(&n)
            || services.contains(&n)
    };
    // Prepositions end a noun phrase ("a query against a collection").
    const PREPOSITIONS: &[&str] = &[
        "against", "across", "from", "into", "onto", "with", "without", "within", "for", "to",
        "by", "of", "at", "per", "via", "through", "between", "about",
    ];
    let ends_phrase = |w: &str| {
        let lower = w.to_lowercase();
        !w.chars().all(char::is_alphabetic)
            || PREPOSITIONS.contains(&lower.as_str())
            || STOP_WORDS.contains(&norm(w))
            || lower.ends_with("ed")
            || lower.ends_with("ing")
    };
    let mut phrase: Vec<String> = Vec::new();
    for w in words {
        if passed_over(w) {
            continue;
        }
        if ends_phrase(w) {
            if phrase.is_empty() {
                continue;
            }
            break;
        }
        phrase.push(w.to_lowercase());
        // Punctuation after a word ends the phrase ("a browser alert, confirm, or prompt",
        // "browser diagnostics (console logs…").
        if phrase.len() == 3
            || matches!(
                next_mark(w, description),
                Some(',' | ';' | ':' | '(' | ')' | '[' | '.' | '!' | '?')
            )
        {
            break;
        }
    }
    phrase
}

/// The first character after `word` (a slice of `text`) and the spaces after it, if any;
/// `None` also for a `word` that is not a slice of `text`.
fn next_mark(word: &str, text: &str) -> Option<char> {
    let start = (word.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    text.get(start.checked_add(word.len())?..)?
        .trim_start()
        .chars()
        .next()
}

/// The words of the first sentence of a description's `rest` (`text` is the description).
fn first_sentence<'a>(rest: &'a [&'a str], text: &'a str) -> impl Iterator<Item = &'a str> {
    let mut ended = false;
    rest.iter().copied().take_while(move |w| {
        let keep = !ended;
        ended |= matches!(next_mark(w, text), Some('.' | '!' | '?'));
        keep
    })
}

/// A verb as a name writes it: "Switches" is `switch`, "Manages" `manage`, "Gets" `get`.
fn base_form(verb: &str) -> String {
    let lower = verb.to_lowercase();
    for ending in ["ches", "shes", "sses", "xes", "zes", "oes"] {
        if lower.ends_with(ending) {
            return lower[..lower.len() - 2].to_owned();
        }
    }
    match lower.strip_suffix('s') {
        Some(stem) if !lower.ends_with("ss") && stem.len() > 2 => stem.to_owned(),
        _ => lower,
    }
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    } else {
        s.to_string()
    }
}

fn name_format_problem(name: &str) -> Option<String> {
    let why = "tool names must be snake_case ([a-z0-9_]) so every provider accepts them and the model sees one consistent style";
    if name.is_empty() {
        return Some(
            "tool name is empty; the model calls tools by name: use a verb_object name such as `get_order_status`"
                .to_string(),
        );
    }
    let suggestion = to_snake_case(name);
    let suggest = |s: &str| {
        if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
            "e.g. `get_order_status`".to_string()
        } else {
            format!("rename it to `{s}`")
        }
    };
    let shown = truncate_chars(name, 64);
    if name.chars().any(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Some(format!(
            "tool name `{shown}` is not snake_case; {why}: {}",
            suggest(&suggestion)
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Some(format!(
            "tool name `{shown}` contains {bad:?}; {why}: {}",
            suggest(&suggestion)
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!(
            "tool name `{shown}` starts with a digit; {why}, and identifiers cannot start with one: start with the verb, e.g. `verify_2fa_code`"
        ));
    }
    if name.starts_with('_') || name.ends_with('_') || name.contains("__") {
        return Some(format!(
            "tool name `{shown}` has a leading, trailing or double underscore; {why}: {}",
            suggest(&suggestion)
        ));
    }
    None
}

fn all_in(words: &[String], sets: &[&WordList]) -> bool {
    !words.is_empty()
        && words
            .iter()
            .all(|w| sets.iter().any(|set| set.contains(&norm(w))))
}

/// Vague: every word is vague and the object (last word) is a vague object (`do_stuff`,
/// `my_tool`, but not `run_tests`), or every word after the verb is a vague object (`get_data`).
fn is_vague_words(words: &[String]) -> bool {
    let Some(last) = words.last() else {
        return false;
    };
    let object_vague =
        words.len() == 1 || all_in(std::slice::from_ref(last), &[&VAGUE_OBJECTS, &SOFT_OBJECTS]);
    (object_vague
        && all_in(
            words,
            &[
                &VAGUE_VERBS,
                &VAGUE_OBJECTS,
                &SOFT_OBJECTS,
                &SOFT_PLACEHOLDERS,
            ],
        ))
        || (words.len() >= 2 && all_in(&words[1..], &[&VAGUE_OBJECTS]))
}

fn vague_name_problem(name: &str, words: &[String]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let example =
        "name the concrete action and object, e.g. `get_order_status` or `send_invoice_email`";
    let hard: Vec<String> = words
        .iter()
        .filter(|w| HARD_PLACEHOLDERS.contains(&norm(w)))
        .cloned()
        .collect();
    if !hard.is_empty() {
        return Some(format!(
            "tool name `{name}` uses placeholder word{} {}; the model picks tools by name and a placeholder tells it nothing: {example}",
            if hard.len() > 1 { "s" } else { "" },
            backticked(&hard)
        ));
    }
    if is_vague_words(words) {
        let vague: Vec<String> = words
            .iter()
            .filter(|w| {
                let n = norm(w);
                [
                    &VAGUE_VERBS,
                    &VAGUE_OBJECTS,
                    &SOFT_OBJECTS,
                    &SOFT_PLACEHOLDERS,
                ]
                .iter()
                .any(|set| set.contains(&n))
            })
            .cloned()
            .collect();
        return Some(format!(
            "tool name `{name}` is vague; from {} the model cannot tell what the tool acts on or when to call it: {example}",
            backticked(&vague)
        ));
    }
    // A trailing number as the only distinguishing element: `tool1`, `search2`, `search_2`.
    let last = words.last()?;
    let prefix = last.trim_end_matches(|c: char| c.is_ascii_digit());
    if prefix.len() < last.len() {
        let number = &last[prefix.len()..];
        let mut base: Vec<String> = words[..words.len() - 1].to_vec();
        if !prefix.is_empty() {
            base.push(prefix.to_string());
        }
        if base.len() <= 1 || is_vague_words(&base) {
            return Some(format!(
                "tool name `{name}` is told apart only by the trailing number `{number}`; the model cannot guess what the number means: name what this tool does differently, e.g. `search_orders` and `search_invoices` instead of `search1` and `search2`"
            ));
        }
    }
    None
}

//! The tool description: present, neither too short nor too long, no placeholder, more than the
//! name restated, not vague, and saying what comes back when the tool returns data.

use std::collections::BTreeSet;

use crate::placeholder::placeholder;
use crate::rules::Rule;
use crate::text::{Named, content_words, ident_words, norm, quote, raw_words, without_boilerplate};
use crate::words::{
    ACTION_VERBS, BOILERPLATE, OUTPUT_NOUNS, OUTPUT_VERBS, RETURN_WORDS, STOP_WORDS,
    VAGUE_DESCRIPTION_WORDS, VAGUE_OBJECTS, VAGUE_VERBS, hint_words,
};
use crate::{Finding, GOOD_DESCRIPTION_EXAMPLE, MAX_DESCRIPTION_CHARS, MIN_DESCRIPTION_CHARS};

/// Checks a tool description. `description` is the joined doc comment text (None/empty when
/// absent). `returns_data` is true when the tool's output is not `()`.
pub fn check_tool_description(
    name: &str,
    description: Option<&str>,
    returns_data: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let text = description.map(str::trim).unwrap_or("");
    if text.is_empty() {
        findings.push(Finding::new(
            Rule::MissingDescription,
            format!(
                "tool `{name}` has no description; the model picks tools by their description alone: add a `///` doc comment that says what the tool does and what it returns, e.g. {GOOD_DESCRIPTION_EXAMPLE}"
            ),
        ));
        return findings;
    }
    let substance = without_boilerplate(text);
    let len = substance.chars().count();
    if len < MIN_DESCRIPTION_CHARS {
        let returns_data = returns_data || looks_up(&substance);
        findings.push(Finding::new(
            Rule::ShortDescription,
            format!(
                "tool description is {len} characters ({}{}); the model picks tools by their description alone: say {} in at least {MIN_DESCRIPTION_CHARS} characters, e.g. {}",
                quote(&substance),
                if substance.len() < text.len() { " without its boilerplate" } else { "" },
                if returns_data {
                    "what the tool does and what it returns"
                } else {
                    "what the tool does, to what, and what changes"
                },
                grown(&substance, returns_data)
            ),
        ));
    }
    let len = text.chars().count();
    if len > MAX_DESCRIPTION_CHARS {
        findings.push(Finding::new(
            Rule::LongDescription,
            format!(
                "tool description is {len} characters; some providers reject tool descriptions over {MAX_DESCRIPTION_CHARS} characters and long text buries what matters: keep what the tool does, when to use it and what it returns, and move argument details to the parameter docs"
            ),
        ));
    }
    let placeholder_found = placeholder(text);
    if let Some(found) = &placeholder_found {
        findings.push(Finding::new(
            Rule::Placeholder,
            format!(
                "tool description contains the placeholder {found}; the model reads it as the real description: replace it with what the tool does and returns, e.g. {GOOD_DESCRIPTION_EXAMPLE}"
            ),
        ));
    }
    let named = Named::new(&[name], text);
    let content = content_words(text, &[]);
    // Vague verbs ("Manage invoices", "Handle a dialog") add nothing to a restated name; other
    // vague words may ("Returns how many were purged").
    // Nor does a read verb (get, retrieve, fetch, find): a tool that gives data back gets what
    // its name names ("Gets the size of the collection" for `collection_storage_size`).
    let substantive: Vec<String> = content_words(
        &without_generic_heads(&substance),
        &[&BOILERPLATE, &VAGUE_VERBS],
    )
    .into_iter()
    .filter(|w| !["get", "find"].contains(&w.as_str()))
    .collect();
    let all_vague = content.iter().all(|w| VAGUE_DESCRIPTION_WORDS.contains(w));
    // A description of vague words only gets `vague_description` alone, not both findings.
    if !named.is_empty()
        && !content.is_empty()
        && !all_vague
        && substantive.iter().all(|w| named.contains(w))
    {
        findings.push(Finding::new(
            Rule::RestatesName,
            format!(
                "tool description {} only restates the name `{name}`; the model already sees the name: say what it acts on, when to use it and what it returns, e.g. \"{}\"; if the name truly says it all, use `#[tool(allow(restates_name))]`",
                quote(text),
                restated_example(name)
            ),
        ));
    }
    if all_vague && (!content.is_empty() || placeholder_found.is_none()) {
        let shown: Vec<String> = raw_words(text)
            .into_iter()
            .filter(|w| {
                let n = norm(w);
                !STOP_WORDS.contains(&n) && VAGUE_OBJECTS.contains(&n)
            })
            .map(str::to_lowercase)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let words = if shown.is_empty() {
            "it does".to_string()
        } else {
            let list = shown
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ");
            format!("vague words like {list} do")
        };
        findings.push(Finding::new(
            Rule::VagueDescription,
            format!(
                "tool description {} says nothing concrete; {words} not tell the model what the tool acts on or when to call it: name the concrete action, object and result, e.g. {GOOD_DESCRIPTION_EXAMPLE}",
                quote(text)
            ),
        ));
    }
    if returns_data && !mentions_output(text) {
        findings.push(Finding::new(
            Rule::MissingReturns,
            format!(
                "tool returns data but its description never says what comes back; the model needs that to know whether one call answers the question: add a sentence such as \"{}\"; if the output truly explains itself, use `#[tool(allow(missing_returns))]`",
                returns_example(name)
            ),
        ));
    }
    findings
}

/// The text without "information" heading what it is about ("Get information about a session"
/// says no more than "Get a session"); elsewhere the word may carry meaning ("system
/// information", "returns contact information").
fn without_generic_heads(text: &str) -> String {
    let words = raw_words(text);
    words
        .iter()
        .enumerate()
        .filter(|(i, w)| {
            let heads = norm(w) == norm("information")
                && words.get(i + 1).is_some_and(|next| {
                    ["about", "on", "of", "regarding"].contains(&next.to_lowercase().as_str())
                });
            !heads
        })
        .map(|(_, w)| *w)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a description says, explicitly or through its verb, what the tool returns: a return
/// word anywhere, an output noun anywhere, or an output verb in verb position (see
/// [`verb_positions`]), so "Delete a document from the search index" does not count.
fn mentions_output(text: &str) -> bool {
    if text.contains('→') || text.contains("->") || text.contains("=>") {
        return true;
    }
    let anywhere = raw_words(text).into_iter().any(|w| {
        let n = norm(w);
        RETURN_WORDS.contains(&n) || OUTPUT_NOUNS.contains(&n)
    });
    let words = raw_words(text);
    anywhere
        || verb_positions(text)
            .iter()
            .any(|w| OUTPUT_VERBS.contains(&norm(w)) && !takes_arguments(&words, w))
}

/// Whether "take" in verb position takes the tool's arguments, not its output ("It takes two
/// arguments:", "takes the following parameters"): the word "argument" or "parameter" within the
/// three words after it. Other verbs keep their object ("Get the parameters of a model" returns
/// them). `verb` is a slice of the text the words were split from.
fn takes_arguments(words: &[&str], verb: &str) -> bool {
    if norm(verb) != norm("take") {
        return false;
    }
    let Some(at) = words
        .iter()
        .position(|w| std::ptr::eq(w.as_ptr(), verb.as_ptr()))
    else {
        return false;
    };
    words[at + 1..].iter().take(3).any(|w| {
        let n = norm(w);
        n == norm("argument") || n == norm("parameter")
    })
}

/// Words likely to be verbs: the first word of each sentence or clause (after `.`, `!`, `?`,
/// `:`, `;`, `,`, parentheses or a line break; skipping `-ly` adverbs and "this tool"), and any
/// word right after "to", "and", "or", "then", "also", "that", "you", "can" or "will"; never a
/// word of a snake_case identifier.
fn verb_positions(text: &str) -> Vec<&str> {
    const LEADS: &[&str] = &[
        "to", "and", "or", "then", "also", "that", "you", "can", "will",
    ];
    const SKIP: &[&str] = &["this", "the", "tool", "function", "please", "it", "we"];
    let mut out = Vec::new();
    let mut clause_start = true;
    let mut prev_lead = false;
    let mut rest = text;
    while !rest.is_empty() {
        let boundary_len = rest
            .find(|c: char| c.is_alphanumeric())
            .unwrap_or(rest.len());
        if rest[..boundary_len]
            .chars()
            .any(|c| ".!?:;,()\n".contains(c))
        {
            clause_start = true;
        }
        rest = &rest[boundary_len..];
        let word_len = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        if word_len == 0 {
            break;
        }
        let word = &rest[..word_len];
        // A word of an identifier (`create_record`) names another tool or a field, not what
        // this one does. One that opens a clause is its subject ("create_app creates an app"),
        // so the word after it is still in verb position.
        let in_identifier =
            rest[word_len..].starts_with('_') || text[..text.len() - rest.len()].ends_with('_');
        rest = &rest[word_len..];
        if in_identifier {
            prev_lead = false;
            continue;
        }
        let lower = word.to_lowercase();
        if clause_start && (lower.ends_with("ly") || SKIP.contains(&lower.as_str())) {
            continue;
        }
        if clause_start || prev_lead {
            out.push(word);
        }
        clause_start = false;
        prev_lead = LEADS.contains(&lower.as_str());
    }
    out
}

/// A better description for a tool that restated its name, built from the name: the verb, its
/// object, and the parts a description should add. The verb is the name's first verb, past a
/// prefix such as a service's or an API's (`api_move_page` moves a page).
fn restated_example(name: &str) -> String {
    // `api_create_a_comment` creates "the comment", not "the a comment".
    let words: Vec<String> = ident_words(name)
        .into_iter()
        .filter(|w| !matches!(w.as_str(), "a" | "an" | "the"))
        .collect();
    let Some(at) = words.iter().position(|w| is_verb(w)) else {
        // A name without a verb (`collection_storage_size`) names what the tool gets.
        return format!(
            "Get the {} <of which one, from where>. Returns <what comes back>.",
            words.join(" ")
        );
    };
    // The words after the verb are its object; with none after it, the words before it are.
    let object = match &words[at + 1..] {
        [] => &words[..at],
        after => after,
    };
    if object.is_empty() {
        return "Delete a document from the search index by its ID. Returns the title of the deleted document.".to_string();
    }
    let mut verb = words[at].clone();
    if let Some(c) = verb.get(..1) {
        verb.replace_range(..1, &c.to_uppercase());
    }
    format!(
        "{verb} the {} <which one, from where>. Returns <what comes back>.",
        object.join(" ")
    )
}

/// Whether a name's first word is a verb: an output verb, a vague one, or one of the verbs that
/// change things (`delete_document`, `send_invoice`).
pub(crate) fn is_verb(word: &str) -> bool {
    let n = norm(word);
    OUTPUT_VERBS.contains(&n) || VAGUE_VERBS.contains(&n) || ACTION_VERBS.contains(&n)
}

/// A "Returns …" sentence in the tool's own words, from the verb and object of its name
/// (`delete_entities`: "Returns which entities were removed, …"), with the part only the author
/// knows left as a `<slot>`.
fn returns_example(name: &str) -> String {
    let words = ident_words(name);
    // The name's first verb, past a prefix (`github_push_files`), and the words after it.
    let (verb, object) = match words.iter().position(|w| is_verb(w) || runs_or_sends(w)) {
        Some(at) if at + 1 < words.len() => (norm(&words[at]), words[at + 1..].join(" ")),
        _ => (String::new(), String::new()),
    };
    let plural = object.ends_with('s') && !object.ends_with("ss");
    let is = |list: &[&str]| list.iter().any(|v| norm(v) == verb);
    if is(&[
        "create", "add", "insert", "new", "make", "post", "upload", "store", "save", "book",
    ]) {
        if plural {
            format!(
                "Returns the {object} created, each with its id and <the fields a next call needs>."
            )
        } else {
            format!("Returns the {object} created, with its id and <the fields a next call needs>.")
        }
    } else if is(&[
        "delete", "remove", "archive", "cancel", "close", "purge", "clear", "drop",
    ]) {
        if plural {
            format!(
                "Returns which {object} were removed, by <their ids or names>, and which were not found."
            )
        } else {
            format!(
                "Returns whether the {object} was removed, and <what it says when it was not found>."
            )
        }
    } else if is(&[
        "update", "set", "edit", "modify", "rename", "move", "change", "patch",
    ]) {
        let (pronoun, verb) = if plural {
            ("they", "are")
        } else {
            ("it", "is")
        };
        format!(
            "Returns the {object} as {pronoun} {verb} after the change, with <the fields that changed>."
        )
    } else if is(&[
        "get", "read", "fetch", "list", "search", "find", "query", "lookup", "show",
    ]) {
        if plural {
            format!(
                "Returns the {object} found, each with <its fields>; an empty list when none match."
            )
        } else {
            format!("Returns the {object} with <its fields>, or <what it says when there is none>.")
        }
    } else if is(RUNS) {
        format!(
            "Returns what the {object} printed or evaluated to, and <its exit status or the error it raised>."
        )
    } else if let Some((_, done)) = SENDS.iter().find(|(v, _)| norm(v) == verb) {
        format!("Returns the {object} {done}: <the id, status and link of the result>, or why not.")
    } else {
        "Returns <what the call gives back: ids, fields, counts>, or <what it says when nothing happened>.".to_string()
    }
}

/// Verbs that run code or a command, whose output is what comes back.
const RUNS: &[&str] = &["run", "execute", "exec", "evaluate", "eval"];

/// Verbs that send or start something elsewhere, with the participle a "Returns" sentence
/// writes after the object ("Returns the files pushed").
const SENDS: &[(&str, &str)] = &[
    ("send", "sent"),
    ("push", "pushed"),
    ("publish", "published"),
    ("deploy", "deployed"),
    ("merge", "merged"),
    ("submit", "submitted"),
    ("trigger", "triggered"),
    ("sync", "synced"),
    ("schedule", "scheduled"),
];

/// Whether `word` is one of the verbs [`returns_example`] writes a sentence for beyond
/// [`is_verb`]'s.
fn runs_or_sends(word: &str) -> bool {
    let n = norm(word);
    RUNS.iter().any(|v| norm(v) == n) || SENDS.iter().any(|(v, _)| norm(v) == n)
}

/// Whether a description opens with a verb that looks things up ("Search for users…"): such a
/// tool returns what it found, whatever its annotations say, and is asked what, not what changes.
fn looks_up(description: &str) -> bool {
    let first = norm(
        &description
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_lowercase(),
    );
    hint_words("looks-up")
        .iter()
        .any(|verb| norm(verb) == first)
}

/// A short description grown into a fuller one in its own words: what comes back when the tool
/// returns data ("Get value by key from Redis. Returns <…>."), else on what it acts and what
/// changes; with nothing but vague words to grow from, the general example.
fn grown(substance: &str, returns_data: bool) -> String {
    let said = substance.trim().trim_end_matches(['.', ' ']);
    let content = content_words(said, &[]);
    // Vague words only ("Searches things") are no start to grow from.
    if content.iter().all(|w| VAGUE_DESCRIPTION_WORDS.contains(w)) {
        return GOOD_DESCRIPTION_EXAMPLE.to_string();
    }
    // A description that already says what it returns is asked which and with what.
    let first = said
        .split_whitespace()
        .next()
        .map(str::to_lowercase)
        .unwrap_or_default();
    if first.starts_with("return") {
        return format!(
            "\"{said} <of which ones, from where>, each with <which fields>, or <what it says when there are none>.\""
        );
    }
    if returns_data {
        format!(
            "\"{said}. Returns <what comes back: ids, fields, counts>, or <what it says when nothing matches>.\""
        )
    } else {
        format!("\"{said}, <on which ones>; <what changes, and what stays>.\"")
    }
}

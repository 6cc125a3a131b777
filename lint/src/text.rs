//! Text helpers: splitting text and identifiers into words, the crude stemmer that lets a
//! restatement in another inflection still count as one, and the formatting of quoted text in
//! messages. Also the rustdoc-like joining of `///` lines the macro uses.

use std::collections::BTreeSet;

use crate::words::{STOP_WORDS, WordList, expansion, synonym};

/// Crude English stemmer: strips plural and verb suffixes, then a final `e`, so that `delete`,
/// `deletes`, `deleted` and `deleting` all become `delet`. Consistency matters, not correctness:
/// a final `y` after a consonant and a plural `-ies` both end in `i`, so `query`/`queries` and
/// `cookie`/`cookies` each meet (`-ies` → `y` would split `cookies` from `cookie`).
pub(crate) fn stem(word: &str) -> String {
    let mut s = word.to_lowercase();
    let n = s.chars().count();
    if n > 4 && s.ends_with("ies") {
        s.truncate(s.len() - 2);
    } else if n > 5 && s.ends_with("ing") {
        s.truncate(s.len() - 3);
        undouble(&mut s);
    } else if n > 4 && s.ends_with("ed") {
        s.truncate(s.len() - 2);
        undouble(&mut s);
    } else if n > 4
        && ["ches", "shes", "xes", "sses", "zes"]
            .iter()
            .any(|suf| s.ends_with(suf))
    {
        s.truncate(s.len() - 2);
    } else if n > 3
        && s.ends_with('s')
        && !s.ends_with("ss")
        && !s.ends_with("us")
        && !s.ends_with("is")
    {
        s.truncate(s.len() - 1);
    }
    if s.chars().count() > 3 && s.ends_with('e') {
        s.pop();
    }
    let mut rev = s.chars().rev();
    if let (Some('y'), Some(before)) = (rev.next(), rev.next())
        && s.chars().count() > 3
        && !"aeiou".contains(before)
    {
        s.pop();
        s.push('i');
    }
    s
}

/// `stopp` -> `stop`, `runn` -> `run`; keeps `ll`, `ss`, `zz` (`fill`, `pass`).
fn undouble(s: &mut String) {
    let mut rev = s.chars().rev();
    if let (Some(a), Some(b)) = (rev.next(), rev.next())
        && a == b
        && a.is_ascii_alphabetic()
        && !"aeiouylsz".contains(a)
    {
        s.pop();
    }
}

/// Lowercase, stem, fold synonyms.
pub(crate) fn norm(word: &str) -> String {
    let s = stem(word);
    match synonym(&s) {
        Some(to) => to.to_string(),
        None => s,
    }
}

/// Splits text into words: maximal runs of alphanumeric characters.
pub(crate) fn raw_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The words of an identifier (`searchKnowledgeBase`, `search_knowledge_base`).
pub(crate) fn ident_words(name: &str) -> Vec<String> {
    to_snake_case(name)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The normalized words of identifiers, with the words their abbreviations stand for
/// (`pr_number` gives `pr`, `pull`, `request`, `num`): what a description restating them uses.
pub(crate) fn name_words(identifiers: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for w in identifiers.iter().flat_map(|i| ident_words(i)) {
        let n = norm(&w);
        out.extend(expansion(&n).iter().cloned());
        out.insert(n);
    }
    out
}

/// What counts as restating identifiers in a text: the identifiers' normalized words with
/// their expansions ([`name_words`]), the same words in a derived form (`connection` for
/// `connect`, see [`base`]), adjacent words written as one ("connectionId" for `connection_id`,
/// see [`joined_runs`]), and the words of the text that spell out an acronym of theirs ("dead
/// letter queue" for `dlq`).
pub(crate) struct Named {
    words: BTreeSet<String>,
}

impl Named {
    pub(crate) fn new(identifiers: &[&str], text: &str) -> Named {
        let mut words = name_words(identifiers);
        let bases: Vec<String> = words.iter().map(|w| base(w)).collect();
        words.extend(bases);
        words.extend(identifiers.iter().flat_map(|i| joined_runs(i)));
        let acronyms: Vec<String> = identifiers
            .iter()
            .flat_map(|i| ident_words(i))
            .filter(|w| is_acronym(w))
            .collect();
        words.extend(spelled_out(&acronyms, text));
        Named { words }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether a normalized word of the text restates the identifiers.
    pub(crate) fn contains(&self, normed: &str) -> bool {
        self.words.contains(normed) || self.words.contains(&base(normed))
    }
}

/// The runs of two or three adjacent words of an identifier written as one word, normalized:
/// how a text writes the name as one token (`connection_id` as "connectionId", `payment_intent`
/// as "PaymentIntent", `sub_command` as "subcommand").
fn joined_runs(identifier: &str) -> Vec<String> {
    let words = ident_words(identifier);
    (2..=3)
        .flat_map(|n| {
            words
                .windows(n)
                .map(|run| norm(&run.concat()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A normalized word without the suffix that makes a noun or an adjective of a verb, folded
/// like [`norm`]: `connection` and `connect` meet at `connect`, `navigation` and `navigate` at
/// `navigat`, `retrieval` and `retrieve` at `get`, `management` and `manage` at `manag`,
/// `relationship` and `relation` at `relation`. The crude stemmer keeps inflections together;
/// this keeps a name's verb and the description's noun for the same act together. What is left
/// must stay long enough to be a word of its own (`option`, `comment`, `portal` keep their
/// endings).
pub(crate) fn base(normed: &str) -> String {
    let stripped = [("ion", 4), ("ment", 4), ("ship", 4), ("al", 5)]
        .iter()
        .find_map(|(suffix, min)| {
            normed
                .strip_suffix(suffix)
                .filter(|rest| rest.chars().count() >= *min)
        });
    match stripped {
        // The stemmer drops a final `e` (`manage` is `manag`); `management` keeps it.
        Some(rest) => {
            let rest = rest.strip_suffix('e').unwrap_or(rest);
            synonym(rest).unwrap_or(rest).to_string()
        }
        None => normed.to_string(),
    }
}

/// An identifier word that can only be an acronym: two to five letters, no vowel (`dlq`, `kb`,
/// `ttl`).
fn is_acronym(word: &str) -> bool {
    (2..=5).contains(&word.len())
        && word.chars().all(|c| c.is_ascii_lowercase())
        && !word.chars().any(|c| "aeiouy".contains(c))
}

/// The normalized words of each run of words in `text` whose initials spell one of `acronyms`
/// ("Knowledge Base" for `kb`, "time to live" for `ttl`).
fn spelled_out(acronyms: &[String], text: &str) -> Vec<String> {
    let words = raw_words(text);
    let mut out = Vec::new();
    for acronym in acronyms {
        let n = acronym.len();
        for run in words.windows(n) {
            let initials: String = run
                .iter()
                .filter_map(|w| w.chars().next())
                .flat_map(char::to_lowercase)
                .collect();
            // "SQL queries like …" starts with the acronym itself: not its spelling out.
            let spells = !run.iter().any(|w| w.eq_ignore_ascii_case(acronym));
            if spells && initials == *acronym {
                out.extend(run.iter().map(|w| norm(w)));
            }
        }
    }
    out
}

/// A description without generated padding, for judging its length and whether it restates the
/// name: a leading product tag (`Notion | `), headings of error listings (`Error Responses:`) and
/// lines that only list an HTTP status (`400: Bad request`).
pub(crate) fn without_boilerplate(text: &str) -> String {
    let text = match text.split_once(" | ") {
        Some((tag, rest)) if is_product_tag(tag) => rest,
        _ => text,
    };
    // Under an error listing's heading every status line is boilerplate, however long: it says
    // when the call fails, not what the tool does.
    let mut in_listing = false;
    text.lines()
        .filter(|line| {
            let line = line.trim();
            let (heading, status, short) = boilerplate_line(line);
            in_listing = heading || (in_listing && status);
            !(heading || (status && (short || in_listing)))
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// A leading tag such as `Notion` or `Acme CRM`: one to three capitalized words, nothing else.
fn is_product_tag(tag: &str) -> bool {
    let words: Vec<&str> = tag.split(' ').collect();
    words.len() <= 3
        && words.iter().all(|w| {
            w.starts_with(|c: char| c.is_uppercase()) && w.chars().all(char::is_alphanumeric)
        })
}

/// `400: Bad request`, `404 - Not found`: an HTTP status, a colon or dash, some words; and
/// `Error Responses:`, the heading of a listing of them. Returns (a heading, a status line, a
/// status line of at most six words).
fn boilerplate_line(line: &str) -> (bool, bool, bool) {
    let words = raw_words(line);
    let status = line.len() > 3
        && line.as_bytes()[..3].iter().all(u8::is_ascii_digit)
        && matches!(line.as_bytes()[0], b'1'..=b'5')
        && line[3..].trim_start().starts_with([':', '-']);
    let heading = line.ends_with(':')
        && !words.is_empty()
        && words.iter().all(|w| {
            [
                "error",
                "errors",
                "response",
                "responses",
                "status",
                "codes",
                "code",
            ]
            .contains(&w.to_lowercase().as_str())
        });
    (heading, status, status && words.len() <= 6)
}

/// Content words of a text: normalized, stop words and `extra_stop` removed.
pub(crate) fn content_words(text: &str, extra_stop: &[&WordList]) -> Vec<String> {
    raw_words(text)
        .into_iter()
        .map(norm)
        .filter(|w| !STOP_WORDS.contains(w) && !extra_stop.iter().any(|l| l.contains(w)))
        .collect()
}

/// Quotes text for a message, cut at 60 characters.
pub(crate) fn quote(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > 60 {
        let cut: String = collapsed.chars().take(57).collect();
        format!("{:?}", format!("{}...", cut.trim_end()))
    } else {
        format!("{collapsed:?}")
    }
}

pub(crate) fn backticked(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "searchKnowledgeBase" -> "search_knowledge_base" (for the camelCase error message).
///
/// Splits before an uppercase letter that follows a lowercase letter or digit, and before the
/// last capital of an acronym run (`HTTPRequest` -> `http_request`). Any character other than
/// an ASCII letter or digit becomes an underscore; runs of underscores collapse and leading or
/// trailing underscores are dropped.
pub fn to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = if i > 0 {
                chars.get(i - 1).copied()
            } else {
                None
            };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if c == '_' && (collapsed.is_empty() || collapsed.ends_with('_')) {
            continue;
        }
        collapsed.push(c);
    }
    while collapsed.ends_with('_') {
        collapsed.pop();
    }
    collapsed
}

/// Joins `///` doc lines the way rustdoc would for a model-facing description: trims each line's
/// single leading space, joins paragraph lines with a space, keeps blank-line paragraph breaks as "\n\n", trims.
///
/// Lines that start a Markdown list item (`- `, `* `, `+ `, `1. `) start a new line, and fenced
/// code blocks (```` ``` ````) keep their lines verbatim, so lists and examples survive. An input
/// line containing `\n` (from `#[doc = "..."]`) is treated as several lines.
pub fn join_doc_lines(lines: &[String]) -> String {
    let mut out = String::new();
    let mut pending_break = false;
    let mut in_fence = false;
    let mut line_open = false; // whether the next text line may join the current line
    for physical in lines.iter().flat_map(|l| l.split('\n')) {
        let line = physical.strip_prefix(' ').unwrap_or(physical).trim_end();
        let trimmed = line.trim_start();
        let is_fence = trimmed.starts_with("```");
        if in_fence || is_fence {
            if pending_break && !out.is_empty() {
                out.push_str("\n\n");
            } else if !out.is_empty() {
                out.push('\n');
            }
            pending_break = false;
            out.push_str(line);
            if is_fence {
                in_fence = !in_fence;
            }
            line_open = false;
            continue;
        }
        if trimmed.is_empty() {
            pending_break = true;
            line_open = false;
            continue;
        }
        if pending_break && !out.is_empty() {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            if line_open && !is_list_item(trimmed) {
                out.push(' ');
            } else {
                out.push('\n');
            }
        }
        pending_break = false;
        out.push_str(trimmed);
        line_open = true;
    }
    out.trim().to_string()
}

fn is_list_item(line: &str) -> bool {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return true;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

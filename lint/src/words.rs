//! The word lists, as data: one file a list under `words/`, one entry a line, `#` starts a
//! comment. Entries are compared after [`crate::text::norm`] (lowercase, crude stem,
//! synonym folding), so the files list plain forms.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::text::{norm, stem};

/// A word list read from a data file, normalized once on first use.
pub struct WordList {
    text: &'static str,
    set: OnceLock<HashSet<String>>,
}

impl WordList {
    const fn new(text: &'static str) -> WordList {
        WordList {
            text,
            set: OnceLock::new(),
        }
    }

    /// The entries as written in the file.
    pub fn entries(&self) -> impl Iterator<Item = &'static str> {
        entries(self.text)
    }

    /// Whether a word already passed through [`norm`] is in the list.
    pub fn contains(&self, normed: &str) -> bool {
        self.set
            .get_or_init(|| self.entries().map(norm).collect())
            .contains(normed)
    }
}

fn entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

macro_rules! lists {
    ($($(#[$doc:meta])* $name:ident = $file:literal;)*) => {
        $($(#[$doc])* pub static $name: WordList = WordList::new(include_str!(concat!("../words/", $file)));)*
    };
}

lists! {
    /// Function words and filler that carry no meaning about what a tool does.
    STOP_WORDS = "stop_words.txt";
    /// Extra filler for parameter descriptions: type names and words meaning "the argument".
    PARAM_FILLER = "param_filler.txt";
    /// Words that say a parameter holds one of several values, not which ones (`type`, `mode`,
    /// `strategy`); the word before one only names the set.
    KIND_WORDS = "kind_words.txt";
    /// Words that, alone, say nothing concrete in a description.
    VAGUE_DESCRIPTION_WORDS = "vague_description_words.txt";
    /// Verbs that say nothing about what a tool does, in names.
    VAGUE_VERBS = "vague_verbs.txt";
    /// Objects that are vague on their own (`get_data`, `process_item`).
    VAGUE_OBJECTS = "vague_objects.txt";
    /// Objects that are vague only next to a vague verb or placeholder (`run_tool`, `my_tool`),
    /// but fine as real objects (`list_tools`).
    SOFT_OBJECTS = "soft_objects.txt";
    /// Words that make a name a placeholder when every other word is vague too (`my_tool`).
    SOFT_PLACEHOLDERS = "soft_placeholders.txt";
    /// Words that make any name a placeholder (`foo_bar`, `dummy_search`).
    HARD_PLACEHOLDERS = "hard_placeholders.txt";
    /// Words that announce the output explicitly.
    RETURN_WORDS = "return_words.txt";
    /// Nouns that name an output wherever they appear (`Execute a SELECT query`).
    OUTPUT_NOUNS = "output_nouns.txt";
    /// Verbs whose object is what comes back (`Get the current weather` returns the weather,
    /// `Create an issue` returns the issue).
    OUTPUT_VERBS = "output_verbs.txt";
    /// Padding that says nothing about a tool or a value ("allows you to", "details of").
    BOILERPLATE = "boilerplate.txt";
    /// Services and products that tools act on (`Notion`, `Kubernetes`, `HubSpot`): filler in a
    /// parameter's description, where they say which server, not which value.
    SERVICES = "services.txt";
    /// Formats and languages written capitalized (`Markdown`, `Python`): a fact about a value,
    /// never a service's name.
    FORMATS = "formats.txt";
    /// Single words that name an action and its object at once (`whoami`, `screenshot`).
    LONE_WORDS = "lone_words.txt";
    /// Verbs that change things and open a tool's name (`delete_document`, `send_invoice`).
    ACTION_VERBS = "action_verbs.txt";
}

/// Abbreviations in identifiers and the words they stand for (`pr`: pull request), each line an
/// abbreviation then its words, normalized.
static EXPANSIONS: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();

/// The words an identifier word stands for, normalized (`pr` gives `pull`, `request`).
pub fn expansion(normed: &str) -> &'static [String] {
    EXPANSIONS
        .get_or_init(|| {
            entries(include_str!("../words/expansions.txt"))
                .filter_map(|l| {
                    let mut words = l.split_whitespace();
                    let abbreviation = norm(words.next()?);
                    Some((abbreviation, words.map(norm).collect()))
                })
                .collect()
        })
        .get(normed)
        .map_or(&[], Vec::as_slice)
}

/// Synonyms folded together after stemming (`retrieves` is `get`, `identifier` is `id`), so a
/// restatement in other words is still a restatement. Each line: a stem and what it folds to.
static SYNONYMS: OnceLock<HashMap<String, String>> = OnceLock::new();

/// The stem a stem folds to, if it has a synonym.
pub fn synonym(stemmed: &str) -> Option<&'static str> {
    SYNONYMS
        .get_or_init(|| {
            entries(include_str!("../words/synonyms.txt"))
                .filter_map(|l| l.split_once(char::is_whitespace))
                .map(|(from, to)| (stem(from), stem(to.trim())))
                .collect()
        })
        .get(stemmed)
        .map(String::as_str)
}

/// The words behind the fixes a finding suggests for a parameter (`words/hint_words.txt`): each
/// line a key and its words, as written.
static HINT_WORDS: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();

/// The hint words under `key` (empty for a key the file does not have).
pub fn hint_words(key: &str) -> &'static [&'static str] {
    HINT_WORDS
        .get_or_init(|| {
            entries(include_str!("../words/hint_words.txt"))
                .filter_map(|l| {
                    let mut words = l.split_whitespace();
                    Some((words.next()?, words.collect()))
                })
                .collect()
        })
        .get(key)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hint_key_the_code_reads_has_words() {
        for key in [
            "flag-first",
            "flag-last",
            "id",
            "number",
            "path",
            "url",
            "time",
            "name",
            "choice",
            "query",
            "code",
            "text",
            "directory",
            "code-tool",
            "gives",
            "picks",
            "choice-order",
            "choice-sort",
            "choice-format",
            "code-sql",
            "code-shell",
            "text-post",
            "text-message",
            "text-content",
            "commit-tool",
            "file-tool",
            "number-of-thing",
            "number-position",
            "number-offset",
            "looks-up",
            "unit-pixels",
            "unit-seconds",
            "unit-bytes",
            "counts-items",
        ] {
            assert!(!hint_words(key).is_empty(), "{key}");
        }
        assert!(hint_words("no-such-key").is_empty());
    }

    #[test]
    fn synonyms_fold_every_inflection() {
        for line in entries(include_str!("../words/synonyms.txt")) {
            let (from, to) = line.split_once(' ').expect("two words a line");
            assert_eq!(norm(from), stem(to), "{line}");
            assert_eq!(norm(&format!("{from}s")), norm(to), "{line}");
        }
    }
}

//! Placeholder text (TODO, lorem ipsum, "description here"), in tool and parameter descriptions.

use crate::text::{quote, raw_words};

/// Finds a placeholder in a description and returns it quoted for the message.
pub(crate) fn placeholder(text: &str) -> Option<String> {
    if !text.chars().any(char::is_alphanumeric) {
        return Some(format!("{} (no words at all)", quote(text)));
    }
    let words = raw_words(text);
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    for (i, w) in lower.iter().enumerate() {
        match w.as_str() {
            "tbd" | "fixme" | "xxx" => return Some(format!("\"{}\"", words[i])),
            "todo" => {
                // `todo` is also a real noun ("add an item to the todo list"): flag it only
                // when written as a marker: `TODO`, `todo:`, or (nearly) the whole description.
                let raw = words[i];
                let followed_by_colon = text
                    .as_bytes()
                    .windows(4)
                    .enumerate()
                    .filter(|(_, win)| win.eq_ignore_ascii_case(b"todo"))
                    // The four matched bytes are ASCII, so `pos + 4` is a char boundary.
                    .any(|(pos, _)| {
                        text.get(pos + 4..)
                            .is_some_and(|rest| rest.trim_start().starts_with(':'))
                    });
                if raw == "TODO" || followed_by_colon || words.len() <= 2 {
                    return Some(format!("\"{raw}\""));
                }
            }
            _ => {}
        }
    }
    const PHRASES: &[&[&str]] = &[
        &["lorem", "ipsum"],
        &["description", "here"],
        &["add", "description"],
        &["add", "a", "description"],
        &["insert", "description"],
        &["enter", "description"],
        &["your", "description"],
        &["write", "description"],
        &["no", "description"],
        &["describe", "this", "tool"],
        &["fill", "in", "later"],
        &["fill", "me", "in"],
        &["fill", "this", "in"],
        &["to", "be", "filled"],
        &["to", "be", "written"],
        &["to", "be", "documented"],
        &["coming", "soon"],
    ];
    for phrase in PHRASES {
        let found = lower.windows(phrase.len()).enumerate().any(|(i, win)| {
            win == *phrase && !(phrase[0] == "to" && says_how(lower.get(i + phrase.len())))
        });
        if found {
            return Some(format!("\"{}\"", phrase.join(" ")));
        }
    }
    if lower == ["fill", "in"] {
        return Some("\"fill in\"".to_string());
    }
    None
}

/// Whether the word after "to be written" (filled, documented) goes on to say how, so the phrase
/// is an instruction about the value ("Required to be written in the format YYYY-MM-DD"), not a
/// marker for text still missing ("To be written").
fn says_how(next: Option<&String>) -> bool {
    next.is_some_and(|w| ["in", "as", "with", "using", "by", "like", "from"].contains(&w.as_str()))
}

//! The compile-time check of `#[arg(pattern = "...")]`: JSON Schema's dialect, ECMA-262 with
//! the `u` flag (judged by regress, the engine browsers' semantics come from), and only what
//! the runtime matches in linear time: no lookaround, no backreferences.

use regex_syntax::ast::ErrorKind;

/// Why `pattern` cannot be a `pattern` constraint, in words; `None` when it can.
pub fn problem(pattern: &str) -> Option<String> {
    // Annex B's escaped punctuation (`\-`, `\@`) is refused by the `u` flag but widely written;
    // its escaped letters (`\A` is "A") mean something else to `regex`, so those stay refused.
    if let Err(e) = regress::Regex::with_flags(pattern, "u")
        && !(plain_escapes_only(pattern) && regress::Regex::new(pattern).is_ok())
    {
        let mut text = e.text;
        if let Some(first) = text.get(..1) {
            text.replace_range(..1, &first.to_lowercase());
        }
        return Some(format!(
            "`pattern` is not a valid ECMA-262 regular expression (JSON Schema's dialect): \
             {text}; e.g. pattern = \"^[A-Z]{{2}}-[0-9]{{4}}$\""
        ));
    }
    let unsupported = || {
        "`pattern` uses a lookaround, a backreference or another construct that needs a \
         backtracking engine, which a long argument can stall; toolwright matches patterns in \
         linear time: rewrite it without them, or check the value in the tool body"
            .to_owned()
    };
    let Ok(rust) = jsonschema_regex::to_rust_regex(pattern) else {
        return Some(unsupported());
    };
    match regex_syntax::Parser::new().parse(&rust) {
        Ok(_) => None,
        Err(regex_syntax::Error::Parse(e))
            if matches!(
                e.kind(),
                ErrorKind::UnsupportedLookAround | ErrorKind::UnsupportedBackreference
            ) =>
        {
            Some(unsupported())
        }
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            Some(format!("`pattern` cannot be compiled: {last}"))
        }
    }
}

/// Whether every escape is punctuation or one with the same meaning with and without the `u`
/// flag: then the pattern means the same to ECMA-262 without the flag and to `regex`.
fn plain_escapes_only(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && !chars
                .next()
                .is_some_and(|e| e.is_ascii_punctuation() || "dDwWsSbBfnrtv".contains(e))
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn ecma_262_patterns_pass() {
        for p in [
            r"^[A-Z]-\d+$",
            r"^\p{L}+$",
            r"(?i:abc)",
            r"^\w+\s\S*$",
            r"\bword\b",
        ] {
            assert_eq!(problem(p), None, "{p}");
        }
    }

    #[test]
    fn non_ecma_syntax_is_refused() {
        for p in ["(a", "(?i)abc", r"\Aabc\z", "a{2,1}"] {
            let e = problem(p).unwrap_or_default();
            assert!(e.contains("not a valid ECMA-262"), "{p}: {e}");
        }
    }

    #[test]
    fn backtracking_only_constructs_are_refused() {
        for p in [r"(a)\1", "a(?=b)", "(?<!a)b", r"(?<x>a)\k<x>"] {
            let e = problem(p).unwrap_or_default();
            assert!(e.contains("linear time"), "{p}: {e}");
        }
    }
}

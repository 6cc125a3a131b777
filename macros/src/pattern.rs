//! The compile-time check of `#[arg(pattern = "...")]`: JSON Schema's dialect, ECMA-262 with
//! the `u` flag (judged by regress, the engine browsers' semantics come from), and only what
//! the runtime matches in linear time: no lookaround, no backreferences.

use toolwright_grammar::pattern::{PatternError, reason, translate};

/// Why `pattern` cannot be a `pattern` constraint, in words; `None` when it can.
pub fn problem(pattern: &str) -> Option<String> {
    let syntax_error =
        |e: &dyn std::fmt::Display| format!("`pattern` cannot be compiled: {}", reason(e));
    match translate(pattern) {
        // The parse the runtime's matcher makes too; the rest of `regex`'s, without compiling.
        Ok((rust, ast)) => regex_syntax::hir::translate::Translator::new()
            .translate(&rust, &ast)
            .err()
            .map(|e| syntax_error(&e)),
        Err(PatternError::NotEcma262(text)) => Some(format!(
            "`pattern` is not a valid ECMA-262 regular expression (JSON Schema's dialect): \
             {text}; e.g. pattern = \"^[A-Z]{{2}}-[0-9]{{4}}$\""
        )),
        Err(PatternError::Backtracking) => Some(
            "`pattern` uses a lookaround, a backreference or another construct that needs a \
             backtracking engine, which a long argument can stall; toolwright matches patterns in \
             linear time: rewrite it without them, or check the value in the tool body"
                .to_owned(),
        ),
        Err(PatternError::Syntax(e)) => Some(syntax_error(&e)),
    }
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

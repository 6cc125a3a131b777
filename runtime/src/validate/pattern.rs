//! `pattern` with JSON Schema's meaning: ECMA-262 with the `u` flag, so `\d` is `[0-9]`, `\w`
//! is ASCII and `.` stops at every line terminator; found anywhere in the string unless the
//! pattern anchors itself. regress judges the syntax; a linear-time `regex` does the matching.

use std::borrow::Cow;

use regex_syntax::ast::{self, AssertionKind, Ast, Visitor};
use toolwright_grammar::pattern::{self, PatternError};

/// A compiled `pattern`: valid ECMA-262, run by an engine that never backtracks.
#[derive(Debug)]
pub(crate) struct Pattern {
    source: &'static str,
    re: regex::Regex,
}

impl Pattern {
    /// Compiles `source`.
    ///
    /// # Errors
    /// What is wrong with it, in words: not ECMA-262, or a construct (lookaround, backreference)
    /// only a backtracking engine runs, which a long argument can stall for minutes.
    pub(crate) fn compile(source: &'static str) -> Result<Self, String> {
        let translated = translate(source)?;
        let re = regex::Regex::new(&translated)
            .map_err(|e| format!("does not compile: {}", pattern::reason(&e)))?;
        Ok(Self { source, re })
    }

    /// Whether the pattern matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text)
    }

    /// The pattern as declared.
    pub(crate) fn as_str(&self) -> &'static str {
        self.source
    }
}

/// The `regex` syntax for ECMA-262 `pattern` (see [`toolwright_grammar::pattern`]), or why
/// there is none.
fn translate(pattern: &str) -> Result<String, String> {
    let (rust, ast) = pattern::translate(pattern).map_err(|e| match e {
        PatternError::NotEcma262(text) => {
            format!("is not a valid ECMA-262 regular expression: {text}")
        }
        PatternError::Backtracking => "uses a lookaround, a backreference or another construct \
             toolwright does not run: those need a backtracking engine, which a long argument \
             can stall"
            .to_owned(),
        PatternError::Syntax(e) => format!("does not compile: {}", e.kind()),
    })?;
    Ok(ascii_word_boundaries(&rust, &ast).into_owned())
}

/// ECMA-262's `\b` looks at ASCII word characters; `regex`'s at Unicode ones.
fn ascii_word_boundaries<'a>(rust: &'a str, ast: &Ast) -> Cow<'a, str> {
    struct Spans(Vec<(usize, usize, bool)>);
    impl Visitor for Spans {
        type Output = Vec<(usize, usize, bool)>;
        type Err = ();
        fn finish(self) -> Result<Self::Output, ()> {
            Ok(self.0)
        }
        fn visit_pre(&mut self, ast: &Ast) -> Result<(), ()> {
            if let Ast::Assertion(a) = ast {
                let negated = match a.kind {
                    AssertionKind::WordBoundary => false,
                    AssertionKind::NotWordBoundary => true,
                    _ => return Ok(()),
                };
                self.0
                    .push((a.span.start.offset, a.span.end.offset, negated));
            }
            Ok(())
        }
    }
    let spans = ast::visit(ast, Spans(Vec::new())).unwrap_or_default();
    if spans.is_empty() {
        return Cow::Borrowed(rust);
    }
    let mut out = String::with_capacity(rust.len() + 8 * spans.len());
    let mut at = 0;
    for (start, end, negated) in spans {
        out.push_str(&rust[at..start]);
        out.push_str(if negated { r"(?-u:\B)" } else { r"(?-u:\b)" });
        at = end;
    }
    out.push_str(&rust[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &'static str, text: &str) -> bool {
        Pattern::compile(pattern).expect("compiles").is_match(text)
    }

    #[test]
    fn character_classes_are_ecma_262_not_unicode() {
        assert!(!matches(r"^CORE-\d+$", "CORE-١٢"));
        assert!(matches(r"^CORE-\d+$", "CORE-12"));
        assert!(!matches(r"^\w+$", "café"));
        assert!(matches(r"^\s$", "\u{feff}"));
        assert!(!matches(r"^.$", "\u{2028}"));
        assert!(matches(r"a\b", "aé"), "é is no ECMA word character");
        assert!(matches(r"a\Bb", "ab"));
    }

    #[test]
    fn the_search_is_unanchored_unless_the_pattern_anchors_itself() {
        assert!(matches("b+", "abbc"));
        assert!(matches(r"^[A-Z]\-\d+$", "A-12"), "Annex B escapes are kept");
        assert!(!matches("^b+$", "abbc"));
    }

    #[test]
    fn constructs_only_a_backtracking_engine_runs_are_refused() {
        for p in [r"(a)\1", r"a(?=b)", r"(?<!x)y", r"(?<n>a)\k<n>"] {
            let e = Pattern::compile(p).expect_err(p);
            assert!(e.contains("backtracking"), "{p}: {e}");
        }
    }

    #[test]
    fn invalid_ecma_262_is_refused_with_the_reason() {
        for p in ["(a", "(?i)a", "a{2,1}"] {
            let e = Pattern::compile(p).expect_err(p);
            assert!(e.starts_with("is not a valid ECMA-262"), "{p}: {e}");
        }
    }

    #[test]
    fn a_pathological_pattern_on_a_long_input_stays_linear() {
        let text = format!("{}!", "a".repeat(1 << 20));
        let started = std::time::Instant::now();
        assert!(!matches("^(a+)+$", &text));
        assert!(!matches("(a|aa)*b", &text));
        assert!(!matches("[a-z]+@", &text));
        // A backtracking engine needs hours here; generous for a loaded debug build.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}

//! JSON Schema's `pattern`: ECMA-262 with the `u` flag, judged by regress (the engine browsers'
//! semantics come from) and translated to `regex` syntax, which matches in linear time. Read
//! here once, for the `#[tool]` macro's compile-time check and for the runtime's matcher, so
//! both accept exactly the same patterns; each words the refusal for its own reader.
//!
//! ```
//! use toolwright_grammar::pattern::{PatternError, translate};
//!
//! assert!(translate(r"^[A-Z]-\d+$").is_ok());
//! assert!(matches!(translate("(a"), Err(PatternError::NotEcma262(_))));
//! assert!(matches!(translate(r"(a)\1"), Err(PatternError::Backtracking)));
//! ```

use std::borrow::Cow;

use regex_syntax::ast::{self, Ast, ErrorKind};

/// Why a `pattern` has no linear-time `regex` form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// Not ECMA-262 (with the `u` flag, or without it for Annex B's escaped punctuation):
    /// regress's reason, its first letter lowercased, e.g. `"unbalanced parenthesis"`.
    NotEcma262(String),
    /// A lookaround, a backreference or another construct only a backtracking engine runs,
    /// which a long argument can stall.
    Backtracking,
    /// The translation is not `regex` syntax for another reason.
    Syntax(Box<ast::Error>),
}

/// The `regex` syntax for ECMA-262 `pattern`, with its parsed form, or why there is none.
///
/// # Errors
/// [`PatternError`]: not ECMA-262, a construct only a backtracking engine runs, or a
/// translation `regex` does not parse.
pub fn translate(pattern: &str) -> Result<(Cow<'_, str>, Ast), PatternError> {
    // Annex B's escaped punctuation (`\-`, `\@`) is refused by the `u` flag but widely written;
    // its escaped letters (`\A` is "A") mean something else to `regex`, so those stay refused.
    if let Err(e) = regress::Regex::with_flags(pattern, "u")
        && !(plain_escapes_only(pattern) && regress::Regex::new(pattern).is_ok())
    {
        return Err(PatternError::NotEcma262(lowercase_first(&e.text)));
    }
    let rust = jsonschema_regex::to_rust_regex(pattern).map_err(|()| PatternError::Backtracking)?;
    match ast::parse::Parser::new().parse(&rust) {
        Ok(ast) => Ok((rust, ast)),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::UnsupportedLookAround | ErrorKind::UnsupportedBackreference
            ) =>
        {
            Err(PatternError::Backtracking)
        }
        Err(e) => Err(PatternError::Syntax(Box::new(e))),
    }
}

/// The reason a `regex` or `regex-syntax` error gives: its last line without `error: ` (the
/// lines above draw the pattern with a caret under the fault).
pub fn reason(error: &(impl std::fmt::Display + ?Sized)) -> String {
    let text = error.to_string();
    let last = text.lines().last().unwrap_or("").trim();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
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

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().chain(chars).collect::<String>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regex_error_gives_its_last_line_as_the_reason() {
        let error = ast::parse::Parser::new()
            .parse("a{2,1}")
            .expect_err("an invalid repetition");
        assert!(error.to_string().lines().count() > 1, "{error}");
        assert_eq!(
            reason(&error),
            "invalid repetition count range, the start must be <= the end"
        );
    }
}

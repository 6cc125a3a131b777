//! `pattern` means what JSON Schema says (ECMA-262, `u` flag) and nothing else: the executor
//! accepts a string exactly when the `jsonschema` crate does, and when regress (an ECMA-262
//! engine) finds a match. Strings mix ASCII with the characters where dialects differ.

use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::json;
use toolwright::ArgRules;
use toolwright::decl::{Constraints, ParamDecl, PolicyDecl, ToolDecl};

/// Patterns whose meaning differs between ECMA-262 and Rust's `regex` defaults, plus plain ones.
const PATTERNS: &[&str] = &[
    r"\d",
    r"^\d+$",
    r"^CORE-\d{2}$",
    r"^[^\d]*$",
    r"\D",
    r"^\w+$",
    r"\W",
    r"[\w-]+@",
    r"\s",
    r"^\S+$",
    r"^.$",
    r"^.+$",
    r"^[a-z]+$",
    r"(?i:abc)",
    r"(?i:^k+$)",
    r"(?i:^s+$)",
    r"^\p{L}+$",
    r"^\p{Nd}+$",
    r"^(a+)+$",
    r"^[\s\S]{2,3}$",
    r"^a|b$",
];

/// ECMA-262 `\b` is ASCII; the `jsonschema` crate runs `regex`'s Unicode `\b` (compared with
/// regress only).
const BOUNDARY_PATTERNS: &[&str] = &[r"\bab", r"a\b", r"\Ba"];

/// Characters where the dialects disagree: Unicode digits and letters, every kind of space
/// and line terminator, case-folding oddities (Kelvin sign, long s, dotted I).
const CHARS: &[char] = &[
    'a', 'b', 'c', 'k', 's', 'A', 'B', 'C', 'K', 'S', 'O', 'R', 'E', 'z', '0', '1', '2', '9', '_',
    '-', '@', ' ', '\t', '\n', '\r', '\u{0b}', '\u{0c}', '\u{a0}', '\u{2028}', '\u{2029}',
    '\u{3000}', '\u{feff}', '\u{200b}', '\u{85}', '١', '٢', '５', '߀', 'é', 'ß', 'ſ', 'K', 'İ',
    'ı', 'Ω', 'ω', '😀', 'Ⅻ',
];

fn rules(pattern: &'static str) -> ArgRules {
    let params: &'static [ParamDecl] = Box::leak(Box::new([ParamDecl {
        name: "value",
        description: "the value checked against the pattern",
        required: true,
        constraints: Constraints {
            pattern: Some(pattern),
            ..Constraints::default()
        },
    }]));
    let decl: &'static ToolDecl = Box::leak(Box::new(ToolDecl {
        name: "check_pattern",
        description: "checks one string against one pattern",
        params,
        policy: PolicyDecl::default(),
        input_schema: || json!({}),
        output_schema: || None,
    }));
    ArgRules::compile(decl).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

/// Each pattern compiled once: by the executor, by `jsonschema` (unless `\b`) and by regress.
struct Compiled {
    pattern: &'static str,
    executor: ArgRules,
    jsonschema: Option<jsonschema::Validator>,
    ecma: regress::Regex,
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    let with_oracle = PATTERNS.iter().map(|p| (p, true));
    let ecma_only = BOUNDARY_PATTERNS.iter().map(|p| (p, false));
    with_oracle
        .chain(ecma_only)
        .map(|(&pattern, oracle)| Compiled {
            pattern,
            executor: rules(pattern),
            jsonschema: oracle.then(|| {
                jsonschema::validator_for(&json!({"type": "string", "pattern": pattern}))
                    .expect("a valid schema")
            }),
            ecma: regress::Regex::with_flags(pattern, "u")
                .unwrap_or_else(|e| panic!("{pattern}: {e}")),
        })
        .collect()
});

fn executor_accepts(rules: &ArgRules, text: &str) -> bool {
    let mut v = rules.validator();
    v.check(0, &text.to_owned());
    v.finish().is_ok()
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARS), 0..8).prop_map(|c| c.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn executor_jsonschema_and_ecma_262_agree_on_every_pattern(text in text()) {
        for c in COMPILED.iter() {
            let by_executor = executor_accepts(&c.executor, &text);
            if let Some(oracle) = &c.jsonschema {
                let by_jsonschema = oracle.is_valid(&json!(text));
                prop_assert_eq!(by_executor, by_jsonschema, "jsonschema: {} on {:?}", c.pattern, text);
            }
            let by_ecma = c.ecma.find(&text).is_some();
            prop_assert_eq!(by_executor, by_ecma, "regress: {} on {:?}", c.pattern, text);
        }
    }
}

#[test]
fn unicode_digits_do_not_pass_an_ascii_digit_pattern() {
    let r = rules(r"^CORE-\d+$");
    assert!(executor_accepts(&r, "CORE-12"));
    assert!(!executor_accepts(&r, "CORE-١٢"));
}

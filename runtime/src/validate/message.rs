//! serde's error messages, made safe to show the model and the audit log: serde quotes the
//! offending value (``invalid type: string "hunter2", expected u8``), so these keep what was
//! expected and the value's kind only, and drop custom messages that echo the input.

use std::collections::HashSet;

use serde_json::Value;
use serde_json::error::Category;

/// What `err` says about the arguments, without any of their values. `input` is the value that
/// was being read: custom messages that repeat any of it are replaced, and so is every custom
/// message when the input is unknown or `secret`.
pub(crate) fn describe(err: &serde_json::Error, secret: bool, input: Option<&Value>) -> String {
    let text = err.to_string();
    if err.classify() != Category::Data {
        // serde_json's own syntax and end-of-input messages never quote the input.
        return text;
    }
    // serde_json appends the position only when reading text.
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let text = match text.strip_suffix(&suffix) {
        Some(t) if err.line() != 0 => t,
        _ => &text,
    };
    if let Some(safe) = from_template(text) {
        return safe;
    }
    let trusted = !secret && input.is_some_and(|v| !echoes(text, v));
    if trusted {
        text.to_owned()
    } else {
        "has the wrong type or format".to_owned()
    }
}

/// serde's standard messages, rebuilt from their type-controlled part. The value-controlled
/// part comes first, so the *last* `, expected ` separates them even when a quoted value
/// contains those words.
fn from_template(text: &str) -> Option<String> {
    fn expected(rest: &str) -> Option<(&str, &str)> {
        rest.rfind(", expected ")
            .map(|i| (&rest[..i], &rest[i + ", expected ".len()..]))
    }
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        let (unexp, exp) = expected(rest)?;
        return Some(format!("expected {exp}, got {}", kind_of(unexp)));
    }
    if let Some(rest) = text.strip_prefix("invalid value: ") {
        let (unexp, exp) = expected(rest)?;
        return Some(format!(
            "expected {exp}, got {} that does not fit",
            kind_of(unexp)
        ));
    }
    for (prefix, what) in [
        ("unknown variant ", "unknown variant"),
        ("unknown field ", "unknown field"),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            if let Some((_, exp)) = expected(rest) {
                return Some(format!("{what}; expected {exp}"));
            }
            let none = rest.rfind(", there are no ")?;
            return Some(format!("{what}; {}", &rest[none + 2..]));
        }
    }
    // Lengths and the type's own field names: no input in them.
    ["invalid length ", "missing field `", "duplicate field `"]
        .iter()
        .any(|p| text.starts_with(p))
        .then(|| text.to_owned())
}

/// A serde `Unexpected` (as displayed) in words, without its value.
fn kind_of(unexpected: &str) -> &'static str {
    let word = |w: &str| unexpected == w || unexpected.starts_with(&format!("{w} "));
    if word("boolean") {
        "a boolean"
    } else if word("integer") {
        "an integer"
    } else if word("floating point") {
        "a number with a fraction"
    } else if word("string") || word("character") {
        "a string"
    } else if word("null") || word("unit value") {
        "null"
    } else if word("sequence") {
        "an array"
    } else if word("map") {
        "an object"
    } else {
        "a value of another kind"
    }
}

/// Whether `message` repeats any text of `input` long enough to carry a secret: a whole
/// string or number of 4 to 8 bytes, or any 8-byte run of a longer one.
fn echoes(message: &str, input: &Value) -> bool {
    const RUN: usize = 8;
    let grams: HashSet<&[u8]> = message.as_bytes().windows(RUN).collect();
    let hit = |leaf: &str| match leaf.len() {
        0..4 => false,
        4..=RUN => message.contains(leaf),
        _ => leaf.as_bytes().windows(RUN).any(|w| grams.contains(w)),
    };
    let mut stack = vec![input];
    while let Some(v) = stack.pop() {
        let found = match v {
            Value::String(s) => hit(s),
            Value::Number(n) => hit(&n.to_string()),
            Value::Array(items) => {
                stack.extend(items);
                false
            }
            Value::Object(m) => {
                stack.extend(m.values());
                false
            }
            Value::Null | Value::Bool(_) => false,
        };
        if found {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::Error as _;
    use serde_json::json;

    fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> serde_json::Error {
        serde_json::from_value::<T>(v).err().expect("an error")
    }

    #[test]
    fn wrong_types_keep_the_expectation_and_drop_the_value() {
        let e = from_value::<String>(json!(77_318_842));
        assert_eq!(
            describe(&e, false, None),
            "expected a string, got an integer"
        );
        let e = from_value::<u8>(json!("S3CR3T, expected u8"));
        assert_eq!(describe(&e, false, None), "expected u8, got a string");
        let e = from_value::<u8>(json!(77_318_842));
        let d = describe(&e, false, None);
        assert!(d.starts_with("expected u8") && !d.contains("773"), "{d}");
    }

    #[test]
    fn unknown_variants_and_fields_are_not_repeated() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(rename_all = "lowercase", deny_unknown_fields)]
        enum Status {
            Open,
            Closed,
        }
        let e = from_value::<Status>(json!("S3CR3T`, expected `x"));
        assert_eq!(
            describe(&e, false, None),
            "unknown variant; expected `open` or `closed`"
        );
    }

    #[test]
    fn custom_messages_that_echo_the_input_are_replaced() {
        let input = json!({"when": "2024-13-45T99:00:00Z-S3CR3T"});
        let echo = serde_json::Error::custom("cannot parse `45T99:00:00Z-S3CR3T` as a date");
        assert_eq!(
            describe(&echo, false, Some(&input)),
            "has the wrong type or format"
        );
        let plain = serde_json::Error::custom("input is out of range");
        assert_eq!(
            describe(&plain, false, Some(&input)),
            "input is out of range"
        );
        assert_eq!(
            describe(&plain, true, Some(&input)),
            "has the wrong type or format"
        );
        assert_eq!(
            describe(&plain, false, None),
            "has the wrong type or format"
        );
    }

    #[test]
    fn syntax_errors_keep_their_position() {
        let e = serde_json::from_str::<Value>("{\"a\":").unwrap_err();
        assert!(describe(&e, true, None).contains("line 1"));
    }
}

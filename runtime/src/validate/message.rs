//! serde's error messages, made safe and JSON-speaking for the model and the audit log: serde
//! quotes the offending value (``invalid type: string "hunter2", expected u8``) and names Rust
//! types, so these keep what was expected, in JSON words, and the value's kind only.

use std::collections::HashSet;

use serde_json::Value;
use serde_json::error::Category;

/// The schema of the value an error is about, with the root its `$ref`s point into.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) node: &'a Value,
    pub(crate) root: &'a Value,
}

/// What `err` says about the arguments, without any of their values. `input` is the value that
/// was being read: custom messages that repeat any of it are replaced, and so is every custom
/// message when the input is unknown or `secret`.
pub(crate) fn describe(err: &serde_json::Error, secret: bool, input: Option<&Value>) -> String {
    describe_at(err, secret, input, None)
}

/// [`describe`], using the schema of the value where the message alone does not say what is
/// accepted: a `format` (`"expected a date like 2026-12-01"`), an untagged enum's shapes.
pub(crate) fn describe_at(
    err: &serde_json::Error,
    secret: bool,
    input: Option<&Value>,
    at: Option<At<'_>>,
) -> String {
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
    // A guard's refusal says why in fixed words (never the input): more than "expected a URI".
    if crate::guards::is_model_message(text) {
        return text.to_owned();
    }
    if let Some(at) = at {
        if let Some(example) = format_through_any_of(at.node, at.root) {
            return match got_kind(text) {
                Some(got) => format!("expected {example}, got {got}"),
                None => format!("expected {example}"),
            };
        }
        if (text.starts_with("data did not match any variant of untagged enum ")
            || expectation(text).is_some_and(is_enum_words))
            && let Some(shapes) = shapes(at, 0)
        {
            return match got_kind(text) {
                Some(got) => format!("expected {}, got {got}", one_of(&shapes)),
                None => format!("expected {}", one_of(&shapes)),
            };
        }
    }
    if text.starts_with("data did not match any variant of untagged enum ") {
        return "does not match any of the accepted shapes".to_owned();
    }
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

/// The expected part of serde's `invalid type/value` and `invalid length` messages. The
/// value-controlled part comes first, so the *last* `, expected ` separates them even when a
/// quoted value contains those words.
fn split_expected(rest: &str) -> Option<(&str, &str)> {
    rest.rfind(", expected ")
        .map(|i| (&rest[..i], &rest[i + ", expected ".len()..]))
}

fn expectation(text: &str) -> Option<&str> {
    ["invalid type: ", "invalid value: "]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .and_then(split_expected)
        .map(|(_, exp)| exp)
}

/// The kind of value an `invalid type` message got, in words.
fn got_kind(text: &str) -> Option<&'static str> {
    let rest = text.strip_prefix("invalid type: ")?;
    split_expected(rest).map(|(unexp, _)| kind_of(unexp))
}

/// serde's standard messages, rebuilt from their type-controlled part in JSON words.
fn from_template(text: &str) -> Option<String> {
    // `invalid type/value`: what was expected, and only the kind of what came.
    let expected_got = |rest: &str, how: &str| {
        let (unexp, exp) = split_expected(rest)?;
        Some(format!(
            "expected {}, got {}{how}",
            json_words(exp),
            kind_of(unexp)
        ))
    };
    // `unknown variant/field`: the names expected instead, or that there are none.
    let expected_names = |rest: &str, lead: &str, none: &str| match split_expected(rest) {
        Some((_, exp)) => format!("{lead}expected {}", one_of(&names(exp))),
        None => none.to_owned(),
    };
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        return expected_got(rest, "");
    }
    if let Some(rest) = text.strip_prefix("invalid value: ") {
        return expected_got(rest, " that does not fit");
    }
    if let Some(rest) = text.strip_prefix("invalid length ") {
        let (len, exp) = split_expected(rest)?;
        let len: usize = len.parse().ok()?;
        let items = if len == 1 { "item" } else { "items" };
        return Some(format!("expected {}, got {len} {items}", json_words(exp)));
    }
    if let Some(rest) = text.strip_prefix("unknown variant ") {
        let none = "unknown value; this enum has no values";
        return Some(expected_names(rest, "", none));
    }
    if let Some(rest) = text.strip_prefix("unknown field ") {
        let none = "unknown key; this object takes no keys";
        return Some(expected_names(rest, "unknown key; ", none));
    }
    // The type's own field names: no input in them.
    if let Some(name) = backticked(text, "missing field `") {
        return Some(format!("missing required key \"{name}\""));
    }
    if let Some(name) = backticked(text, "duplicate field `") {
        return Some(format!("the key \"{name}\" appears more than once"));
    }
    None
}

/// `name` from `{prefix}name` followed by a closing backtick.
fn backticked<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    text.strip_prefix(prefix)?.strip_suffix('`')
}

/// `` `a`, `b` or `c` `` (serde's list of names) as JSON strings.
fn names(list: &str) -> Vec<String> {
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(|n| Value::from(n).to_string())
        .collect()
}

fn one_of(options: &[String]) -> String {
    match options {
        [one] => one.clone(),
        many => format!("one of: {}", many.join(", ")),
    }
}

/// serde's words for a Rust type ("u8", "a sequence", "struct Issue") in JSON's.
fn json_words(expected: &str) -> String {
    let int = |min: i128, max: i128| format!("an integer from {min} to {max}");
    match expected {
        "u8" => int(0, u8::MAX.into()),
        "u16" => int(0, u16::MAX.into()),
        "u32" => int(0, u32::MAX.into()),
        "i8" => int(i8::MIN.into(), i8::MAX.into()),
        "i16" => int(i16::MIN.into(), i16::MAX.into()),
        "i32" => int(i32::MIN.into(), i32::MAX.into()),
        "u64" | "u128" | "usize" => "a non-negative integer".to_owned(),
        "i64" | "i128" | "isize" => "an integer".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a character" | "char" => "a string of one character".to_owned(),
        "a borrowed string" | "a string" | "string" => "a string".to_owned(),
        _ if expected.starts_with("a tuple of size ") => {
            format!(
                "an array of {} items",
                &expected["a tuple of size ".len()..]
            )
        }
        "a sequence" => "an array".to_owned(),
        "a map" => "an object".to_owned(),
        "unit" => "null".to_owned(),
        "option" => "a value or null".to_owned(),
        "string or map" => "a string or an object".to_owned(),
        _ => rust_type_words(expected).unwrap_or(expected).to_owned(),
    }
}

/// serde's words naming a Rust item ("struct Issue", "enum Queue", "a tuple of size 2").
fn rust_type_words(expected: &str) -> Option<&'static str> {
    let is = |prefix: &str| expected.starts_with(prefix);
    if is("struct ") || is("struct variant ") || is("internally tagged enum ") {
        Some("an object")
    } else if is("tuple struct ") || is("tuple variant ") || is("a tuple of size ") {
        Some("an array")
    } else if is("unit struct ") || is("unit variant") {
        Some("null")
    } else if is_enum_words(expected) {
        Some("one of the values the schema lists")
    } else {
        None
    }
}

/// Whether serde's expectation names an enum (its values are in the schema, not the message).
fn is_enum_words(expected: &str) -> bool {
    expected.starts_with("enum ")
        || expected.starts_with("adjacently tagged enum ")
        || expected == "string or map"
        || expected == "variant identifier"
}

/// A sample value for a string `format`, as the schema states it.
fn format_example(schema: &Value) -> Option<&'static str> {
    const EXAMPLES: &[(&str, &str)] = &[
        ("date", "a date like 2026-12-01"),
        ("date-time", "a date and time like 2026-12-01T09:30:00Z"),
        ("time", "a time like 09:30:00"),
        ("duration", "an ISO 8601 duration like P3DT4H"),
        ("email", "an email address like ana@example.com"),
        ("uri", "a URI like https://example.com/page"),
        ("uuid", "a UUID like 67e55044-10b1-426f-9247-bb680e5fe0c8"),
        ("ipv4", "an IPv4 address like 192.0.2.1"),
        ("ipv6", "an IPv6 address like 2001:db8::1"),
        ("hostname", "a host name like example.com"),
    ];
    let format = schema.get("format")?.as_str()?;
    EXAMPLES.iter().find(|(f, _)| *f == format).map(|(_, e)| *e)
}

/// The format example of `node`, or of its one non-null `anyOf`/`oneOf` branch (an `Option`).
fn format_through_any_of(node: &Value, root: &Value) -> Option<&'static str> {
    let node = resolve(node, root);
    if let Some(example) = format_example(node) {
        return Some(example);
    }
    let branches = ["anyOf", "oneOf"]
        .iter()
        .find_map(|k| node.get(*k).and_then(Value::as_array))?;
    let mut not_null = branches
        .iter()
        .map(|b| resolve(b, root))
        .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"));
    match (not_null.next(), not_null.next()) {
        (Some(only), None) => format_example(only),
        _ => None,
    }
}

/// Follows a local `$ref` (`#/$defs/Name`) to its schema.
pub(crate) fn resolve<'a>(node: &'a Value, root: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..8 {
        let Some(target) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match target.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(next) => node = next,
            None => break,
        }
    }
    node
}

/// The schema of the value at JSON pointer `pointer` (relative to `at`), where it can be told.
pub(crate) fn schema_at<'a>(at: At<'a>, pointer: &str) -> Option<At<'a>> {
    let mut node = resolve(at.node, at.root);
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = step(node, at.root, &token, 0)?;
    }
    Some(At {
        node,
        root: at.root,
    })
}

/// One pointer step into `node`: a property, an array item, or either through an `anyOf`.
fn step<'a>(node: &'a Value, root: &'a Value, token: &str, depth: usize) -> Option<&'a Value> {
    if depth > 8 {
        return None;
    }
    if let Some(p) = node.get("properties").and_then(|p| p.get(token)) {
        return Some(resolve(p, root));
    }
    if token.parse::<usize>().is_ok()
        && let Some(items) = node.get("items")
    {
        return Some(resolve(items, root));
    }
    ["anyOf", "oneOf", "allOf"]
        .iter()
        .filter_map(|k| node.get(*k)?.as_array())
        .flatten()
        .find_map(|branch| step(resolve(branch, root), root, token, depth + 1))
}

/// The shapes a schema accepts, in words: `"open"`, `an integer`, `an object with "owner"`.
fn shapes(at: At<'_>, depth: usize) -> Option<Vec<String>> {
    const MAX_SHAPES: usize = 12;
    let node = resolve(at.node, at.root);
    if depth > 4 {
        return None;
    }
    let mut out = Vec::new();
    if let Some(c) = node.get("const") {
        out.push(c.to_string());
    } else if let Some(values) = node.get("enum").and_then(Value::as_array) {
        out.extend(values.iter().map(Value::to_string));
    } else if let Some(branches) = ["anyOf", "oneOf"]
        .iter()
        .find_map(|k| node.get(*k).and_then(Value::as_array))
    {
        for b in branches {
            out.extend(shapes(
                At {
                    node: b,
                    root: at.root,
                },
                depth + 1,
            )?);
        }
    } else {
        let types: Vec<&str> = match node.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return None,
        };
        for t in types {
            out.push(shape_of_type(node, t));
        }
    }
    out.dedup();
    out.truncate(MAX_SHAPES);
    (!out.is_empty()).then_some(out)
}

fn shape_of_type(node: &Value, ty: &str) -> String {
    let num = |key: &str| {
        node.get(key)
            .filter(|v| v.is_number())
            .map(Value::to_string)
    };
    match ty {
        "integer" | "number" => {
            let noun = if ty == "integer" {
                "an integer"
            } else {
                "a number"
            };
            match (num("minimum"), num("maximum")) {
                (Some(lo), Some(hi)) => format!("{noun} from {lo} to {hi}"),
                (Some(lo), None) => format!("{noun} of at least {lo}"),
                (None, Some(hi)) => format!("{noun} of at most {hi}"),
                (None, None) => noun.to_owned(),
            }
        }
        "string" => match format_example(node) {
            Some(example) => example.to_owned(),
            None => "a string".to_owned(),
        },
        "object" => {
            let required: Vec<String> = node
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().map(Value::to_string).collect())
                .unwrap_or_default();
            if required.is_empty() {
                "an object".to_owned()
            } else {
                format!("an object with {}", required.join(", "))
            }
        }
        "array" => "an array".to_owned(),
        "boolean" => "a boolean".to_owned(),
        "null" => "null".to_owned(),
        other => other.to_owned(),
    }
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
        assert_eq!(
            describe(&e, false, None),
            "expected an integer from 0 to 255, got a string"
        );
        let e = from_value::<u8>(json!(77_318_842));
        let d = describe(&e, false, None);
        assert_eq!(
            d,
            "expected an integer from 0 to 255, got an integer that does not fit"
        );
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
            r#"expected one of: "open", "closed""#
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

    /// serde's message for `T` given `v`, as the model reads it.
    fn said<T: serde::de::DeserializeOwned>(v: Value) -> String {
        describe(&from_value::<T>(v), false, None)
    }

    /// `said` for one type.
    type Said = fn(Value) -> String;

    #[test]
    fn every_primitive_is_named_in_json_words() {
        // Before: "expected u8, got a string", "expected f64, got a string", …
        // Each phrase once, with every type whose message names it.
        let cases: &[(&str, &[Said])] = &[
            ("an integer from 0 to 255", &[said::<u8>]),
            ("an integer from 0 to 65535", &[said::<u16>]),
            ("an integer from 0 to 4294967295", &[said::<u32>]),
            (
                "a non-negative integer",
                &[said::<u64>, said::<u128>, said::<usize>],
            ),
            ("an integer from -128 to 127", &[said::<i8>]),
            ("an integer from -32768 to 32767", &[said::<i16>]),
            ("an integer from -2147483648 to 2147483647", &[said::<i32>]),
            ("an integer", &[said::<i64>, said::<i128>, said::<isize>]),
            ("a number", &[said::<f32>, said::<f64>]),
            ("a boolean", &[said::<bool>]),
            ("an array", &[said::<Vec<u8>>, said::<Option<Vec<u8>>>]),
            (
                "an object",
                &[said::<std::collections::BTreeMap<String, u8>>],
            ),
            ("an array of 2 items", &[said::<(u8, u8)>]),
        ];
        for (expected, types) in cases {
            for said in *types {
                assert_eq!(
                    said(json!("x")),
                    format!("expected {expected}, got a string")
                );
            }
        }
        assert_eq!(
            said::<String>(json!(1)),
            "expected a string, got an integer"
        );
        assert_eq!(
            said::<char>(json!(1)),
            "expected a string of one character, got an integer"
        );
        assert_eq!(
            said::<u8>(json!(1.5)),
            "expected an integer from 0 to 255, got a number with a fraction"
        );
        assert_eq!(
            said::<Option<i8>>(json!(-300)),
            "expected an integer from -128 to 127, got an integer that does not fit"
        );
        assert_eq!(
            said::<(u8, u8)>(json!([1])),
            "expected an array of 2 items, got 1 item"
        );
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Issue {
        owner: String,
        number: u32,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Shape {
        Circle { radius: f64 },
        Square { side: f64 },
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum IssueRef {
        Number(u32),
        Full(Issue),
    }

    #[test]
    fn structs_and_enums_are_named_in_json_words() {
        assert_eq!(
            said::<Issue>(json!("x")),
            "expected an object, got a string"
        );
        assert_eq!(
            said::<Issue>(json!({"owner": "a"})),
            r#"missing required key "number""#
        );
        assert_eq!(
            said::<Shape>(json!("x")),
            "expected an object, got a string"
        );
        assert_eq!(
            said::<Shape>(json!({"kind": "hexagon"})),
            r#"expected one of: "circle", "square""#
        );
        assert_eq!(said::<Shape>(json!({})), r#"missing required key "kind""#);
        // Before: "data did not match any variant of untagged enum IssueRef".
        assert_eq!(
            said::<IssueRef>(json!("x")),
            "does not match any of the accepted shapes"
        );
    }

    fn said_at<T: serde::de::DeserializeOwned>(v: Value, schema: &Value) -> String {
        let at = At {
            node: schema,
            root: schema,
        };
        describe_at(&from_value::<T>(v.clone()), false, Some(&v), Some(at))
    }

    /// A date type whose parser speaks Rust, as chrono's does.
    #[derive(Debug)]
    struct Date;

    impl<'de> serde::Deserialize<'de> for Date {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let _ = String::deserialize(d)?;
            Err(serde::de::Error::custom(
                "input contains invalid characters",
            ))
        }
    }

    #[test]
    fn the_schema_says_what_an_untagged_enum_or_a_format_accepts() {
        let schema = json!({
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32},
                {"$ref": "#/$defs/Issue"}
            ],
            "$defs": {"Issue": {"type": "object", "required": ["owner", "number"]}}
        });
        assert_eq!(
            said_at::<IssueRef>(json!("x"), &schema),
            r#"expected one of: an integer from 0 to 4294967295, an object with "owner", "number""#
        );
        let schema = json!({"type": "string", "format": "date"});
        // Before: "input contains invalid characters".
        assert_eq!(
            said_at::<Date>(json!("tomorrow"), &schema),
            "expected a date like 2026-12-01"
        );
        assert_eq!(
            said_at::<Date>(json!(20_261_201), &schema),
            "expected a date like 2026-12-01, got an integer"
        );
    }

    #[test]
    fn a_pointer_finds_its_schema_through_refs_items_and_any_of() {
        let root = json!({
            "properties": {"refs": {"type": "array", "items": {"$ref": "#/$defs/R"}}},
            "$defs": {
                "R": {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/Issue"}]},
                "Issue": {"properties": {"due": {"type": "string", "format": "date"}}}
            }
        });
        let at = At {
            node: &root,
            root: &root,
        };
        let found = schema_at(at, "/refs/3/due").map(|a| a.node.clone());
        assert_eq!(found, Some(json!({"type": "string", "format": "date"})));
        assert!(schema_at(at, "/nothing").is_none());
    }

    #[test]
    fn syntax_errors_keep_their_position() {
        let e = serde_json::from_str::<Value>("{\"a\":").unwrap_err();
        assert!(describe(&e, true, None).contains("line 1"));
    }
}

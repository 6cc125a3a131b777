//! The arguments an audit record keeps: compact JSON text with secrets replaced, written in one
//! pass over the model's text (no value tree is built for it) and shared by the call's records.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::{KeysRedacted, REDACTED};
use crate::decl::ParamDecl;

/// A call's arguments as its audit records keep them: compact JSON text in which every secret
/// value reads [`REDACTED`](super::REDACTED), shared by all the records of the call. A record
/// never holds the model's text as it came: arguments that are not a JSON object are kept as a
/// JSON string naming what they were (`"[not valid JSON: 9 bytes]"`).
///
/// ```
/// use toolwright::{Executor, MemorySink, Principal, Registry, ToolCall, ToolError, tool};
///
/// /// Send a test event to a customer's webhook endpoint. Returns the HTTP status it answered.
/// #[tool(permissions = ["hooks:write"])]
/// async fn ping_webhook(
///     /// The endpoint URL, e.g. "https://example.com/hooks/orders"
///     url: String,
///     /// The signing secret shown once when the endpoint was created
///     #[arg(secret)]
///     signing_key: String,
/// ) -> Result<u16, ToolError> {
///     Ok(200)
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let memory = MemorySink::new();
/// let executor = Executor::builder(Registry::builder().tool(ping_webhook).build()?)
///     .audit(memory.clone())
///     .build();
/// let ops = Principal::new("ops").grant("hooks:write");
/// let args = r#"{"url": "https://example.com/hooks/orders", "signing_key": "whsec_S3CR3T"}"#;
/// executor.call(&ops, &ToolCall::new("c1", "ping_webhook", args)).await;
///
/// let record = memory.records().pop().unwrap();
/// assert_eq!(
///     record.arguments.as_str(),
///     r#"{"url":"https://example.com/hooks/orders","signing_key":"[REDACTED]"}"#
/// );
/// assert_eq!(record.arguments.to_value()["url"], "https://example.com/hooks/orders");
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AuditArguments(Arc<String>);

impl AuditArguments {
    /// The redacted arguments as compact JSON text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The redacted arguments as a JSON value (parsed from the text on each call).
    #[must_use]
    pub fn to_value(&self) -> Value {
        // The text is always JSON this module wrote; the fallback is never seen.
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    /// `value` (already redacted) written as compact JSON.
    pub(super) fn of_value(value: &Value) -> Self {
        Self(Arc::new(value.to_string()))
    }
}

impl fmt::Debug for AuditArguments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for AuditArguments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serializes as the JSON the text holds (an object, or a placeholder string), for any
/// serializer: the text is read token by token into it, never copied into a value tree.
impl Serialize for AuditArguments {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_transcode::transcode(&mut serde_json::Deserializer::from_str(&self.0), s)
    }
}

/// The redacted form of `text`, a JSON object, exactly as [`super::redact_with`] would leave its
/// value written out (the same texts fail), or `None` when the value path must decide: `text`
/// is not a JSON object, not JSON at all, or has a key that is repeated or not a parameter of
/// the tool (never so in valid arguments).
///
/// Flat arguments (strings without escapes, numbers, literals: most tools' arguments) are read
/// by [`redact_flat`]; anything else by serde_json's parser, with values copied as it hands
/// them over, and only a nested object or array under a declared, non-secret parameter made a
/// value, to look for secret keys inside it.
pub(super) fn redact_text(
    text: &str,
    params: &[ParamDecl],
    secret: &[bool],
    keys: &[String],
) -> Option<AuditArguments> {
    if let Some(flat) = redact_flat(text, params, secret) {
        return Some(AuditArguments(Arc::new(flat)));
    }
    let mut out = Vec::with_capacity(text.len() + 2);
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Top {
        out: &mut out,
        params,
        secret,
        keys,
    })
    .ok()?;
    de.end().ok()?;
    String::from_utf8(out)
        .ok()
        .map(|s| AuditArguments(Arc::new(s)))
}

/// The common case in one quick pass: an object whose values are strings without escapes,
/// numbers or `true`/`false`/`null`, and whose keys are declared parameters, each once. A
/// string is found with `memchr` and checked for control characters, never decoded; a number
/// is read by serde_json, so it is written exactly as a value tree would write it (and refused
/// where one would be). `None` for anything else, for the parser to decide. The result is made
/// of slices of `text` cut next to ASCII bytes, so it is never checked for UTF-8 again.
fn redact_flat(text: &str, params: &[ParamDecl], secret: &[bool]) -> Option<String> {
    let b = text.as_bytes();
    let mut i = skip_space(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push('{');
    i = skip_space(b, i + 1);
    let mut seen = 0u64;
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            let (key, after) = plain_string(text, i)?;
            let p = params
                .iter()
                .position(|p| p.name == key)
                .filter(|p| *p < 64 && seen & (1 << p) == 0)?;
            if seen != 0 {
                out.push(',');
            }
            seen |= 1 << p;
            out.push('"');
            out.push_str(key);
            out.push_str("\":");
            i = skip_space(b, after);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_space(b, i + 1);
            let start = out.len();
            i = skip_space(b, scalar(text, i, &mut out)?);
            if secret.get(p).copied().unwrap_or(true) {
                out.truncate(start);
                // The placeholder holds nothing JSON escapes (a test holds it so).
                out.push('"');
                out.push_str(REDACTED);
                out.push('"');
            }
            match b.get(i) {
                Some(b',') => i = skip_space(b, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    out.push('}');
    (skip_space(b, i) == b.len()).then_some(out)
}

/// Past JSON's white space from `i`.
fn skip_space(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The string starting at `i` when it has no escape: its content and the index after it.
/// JSON forbids raw control characters in a string; the content then has none of `"`, `\` or
/// those, so serde_json would write it back byte for byte.
fn plain_string(text: &str, i: usize) -> Option<(&str, usize)> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let rest = b.get(i + 1..)?;
    let len = memchr::memchr2(b'"', b'\\', rest)?;
    // Without an early exit, the check over a long string runs vectorized.
    let control = rest[..len].iter().fold(false, |seen, c| seen | (*c < 0x20));
    // Cut next to the quotes, ASCII bytes: always on character boundaries.
    let content = text.get(i + 1..i + 1 + len)?;
    (rest[len] == b'"' && !control).then_some((content, i + 1 + len + 1))
}

/// `-?(0|[1-9][0-9]*)` with at most 18 digits (so within `i64`), but not `-0`: an integer as
/// serde_json writes it.
fn is_plain_integer(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    !digits.is_empty()
        && digits.len() <= 18
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || (digits.len() == 1 && digits.len() == b.len()))
}

/// Writes the scalar at `i` (a plain string, a number or a literal) and returns the index
/// after it; `None` for anything else.
fn scalar(text: &str, i: usize, out: &mut String) -> Option<usize> {
    let b = text.as_bytes();
    match b.get(i)? {
        b'"' => {
            let (content, after) = plain_string(text, i)?;
            out.push('"');
            out.push_str(content);
            out.push('"');
            Some(after)
        }
        b'-' | b'0'..=b'9' => {
            let len = b[i..]
                .iter()
                .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .unwrap_or(b.len() - i);
            // Digits and signs only: an ASCII slice.
            let digits = text.get(i..i + len)?;
            if is_plain_integer(digits.as_bytes()) {
                // serde_json would write these digits back unchanged.
                out.push_str(digits);
            } else {
                let number: serde_json::Number = serde_json::from_str(digits).ok()?;
                out.push_str(&number.to_string());
            }
            Some(i + len)
        }
        _ => {
            let word = ["true", "false", "null"]
                .into_iter()
                .find(|w| b[i..].starts_with(w.as_bytes()))?;
            out.push_str(word);
            Some(i + word.len())
        }
    }
}

/// Arguments handed over as a JSON object (a provider parsed them), redacted as
/// [`super::redact_with`] would leave a copy of them, written straight from `map`: nothing is
/// cloned. The caller has checked the depth (a value nested deeper than any valid arguments
/// takes the value path, which records only that).
pub(super) fn redact_object(
    map: &serde_json::Map<String, Value>,
    params: &[ParamDecl],
    secret: &[bool],
    keys: &[String],
) -> AuditArguments {
    let object = Declared {
        map,
        params,
        secret,
        keys,
    };
    // A map of strings to values always serializes.
    AuditArguments(Arc::new(serde_json::to_string(&object).unwrap_or_default()))
}

/// An arguments object written with only its declared, non-secret parameters' values (secret
/// keys inside them redacted).
struct Declared<'a> {
    map: &'a serde_json::Map<String, Value>,
    params: &'a [ParamDecl],
    secret: &'a [bool],
    keys: &'a [String],
}

impl Serialize for Declared<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.map.len()))?;
        for (k, v) in self.map {
            match self.params.iter().position(|p| p.name == k) {
                Some(i) if !self.secret.get(i).copied().unwrap_or(true) => m.serialize_entry(
                    k,
                    &KeysRedacted {
                        value: v,
                        keys: self.keys,
                        depth: 1,
                    },
                )?,
                _ => m.serialize_entry(k, REDACTED)?,
            }
        }
        m.end()
    }
}

/// The root object: each key kept, each value copied, redacted or searched.
struct Top<'a> {
    out: &'a mut Vec<u8>,
    params: &'a [ParamDecl],
    secret: &'a [bool],
    keys: &'a [String],
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.out.push(b'{');
        // Which declared parameters were seen: a repeated key is left to the value path, which
        // keeps one value per key (the last), so no earlier value can hide in the text.
        let mut seen = 0u64;
        while let Some(key) = map.next_key_seed(Key)? {
            // An undeclared key (its value is never shown, but a repeat of it must still fold
            // into one entry) is rare enough to leave to the value path as well.
            let i = self
                .params
                .iter()
                .position(|p| p.name == key)
                .filter(|i| *i < 64 && seen & (1 << i) == 0)
                .ok_or_else(|| serde::de::Error::custom("left to the value path"))?;
            if seen != 0 {
                self.out.push(b',');
            }
            seen |= 1 << i;
            write_json(self.out, &*key);
            self.out.push(b':');
            // As `redact_with`: only a declared parameter that is not secret keeps its value.
            if self.secret.get(i).copied().unwrap_or(true) {
                map.next_value_seed(Skip)?;
                write_json(self.out, REDACTED);
            } else {
                map.next_value_seed(Kept {
                    out: &mut *self.out,
                    keys: self.keys,
                })?;
            }
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// A key, borrowed from the text unless it had escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

/// Reads one value through the parser, as a value tree would be read (numbers converted,
/// escapes decoded, depth counted: the same texts fail), and keeps nothing of it.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// Writes one value a declared, non-secret parameter holds, secret keys inside it redacted.
struct Kept<'a> {
    out: &'a mut Vec<u8>,
    keys: &'a [String],
}

impl<'de> DeserializeSeed<'de> for Kept<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Kept<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        write_json(self.out, &v);
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        write_json(self.out, &v);
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        write_json(self.out, &v);
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As a value tree writes it (a non-finite number cannot come out of JSON text).
        write_json(self.out, &Value::from(v));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    /// Borrowed means the text had no escape in it, so it has no `"`, `\` or control character
    /// either (the parser refuses those raw): it is written back as it stands.
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.out.push(b'"');
        self.out.extend_from_slice(v.as_bytes());
        self.out.push(b'"');
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        write_json(self.out, v);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let value = Value::deserialize(SeqAccessDeserializer::new(seq))?;
        self.searched(value);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = Value::deserialize(MapAccessDeserializer::new(map))?;
        self.searched(value);
        Ok(())
    }
}

impl Kept<'_> {
    /// A nested object or array, written with the values under secret keys redacted (at depth
    /// 1, as `redact_with` searches a parameter's value).
    fn searched(self, value: Value) {
        let redacted = KeysRedacted {
            value: &value,
            keys: self.keys,
            depth: 1,
        };
        write_json(self.out, &redacted);
    }
}

/// Appends `value` as JSON. Writing to memory cannot fail, and these values always serialize.
fn write_json(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    let _ = serde_json::to_writer(out, value);
}

#[cfg(test)]
mod tests {
    use super::super::tests::param;
    use super::super::{arguments_value, normalize_keys, redact_with, secret_params};
    use super::*;
    use crate::call::CallArguments;
    use proptest::prelude::*;

    #[test]
    fn the_redacted_placeholder_needs_no_json_escape() {
        assert_eq!(
            serde_json::to_string(REDACTED).unwrap(),
            format!("\"{REDACTED}\"")
        );
    }

    /// A JSON document as text may hold it: keys may repeat, and any character may be escaped.
    #[derive(Clone, Debug)]
    enum Doc {
        Null,
        Bool(bool),
        Int(i64),
        Float(f64),
        /// Number text as a model may send it, including some no `f64` holds.
        Num(&'static str),
        Str(String),
        Arr(Vec<Doc>),
        Obj(Vec<(String, Doc)>),
    }

    impl Doc {
        /// Written as JSON text; with `escape_all`, every character of every string as `\uXXXX`.
        fn write(&self, escape_all: bool, out: &mut String) {
            match self {
                Doc::Null => out.push_str("null"),
                Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Doc::Int(n) => out.push_str(&n.to_string()),
                Doc::Float(f) => out.push_str(&serde_json::to_string(f).unwrap()),
                Doc::Num(n) => out.push_str(n),
                Doc::Str(s) => write_str(s, escape_all, out),
                Doc::Arr(items) => {
                    out.push_str("[ ");
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(" ,");
                        }
                        item.write(escape_all, out);
                    }
                    out.push(']');
                }
                Doc::Obj(entries) => {
                    out.push_str("{\n");
                    for (i, (k, v)) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        write_str(k, escape_all, out);
                        out.push_str(" : ");
                        v.write(escape_all, out);
                    }
                    out.push_str(" }");
                }
            }
        }
    }

    fn write_str(s: &str, escape_all: bool, out: &mut String) {
        if !escape_all {
            out.push_str(&serde_json::to_string(s).unwrap());
            return;
        }
        out.push('"');
        for unit in s.encode_utf16() {
            out.push_str(&format!("\\u{unit:04x}"));
        }
        out.push('"');
    }

    /// Declared parameter names, names that are secret keys, and others.
    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("query".to_owned()),
            Just("api_key".to_owned()),
            Just("options".to_owned()),
            Just("Pass-Word".to_owned()),
            Just("github_token".to_owned()),
            Just("note".to_owned()),
            "[a-z\"\\\\é\u{1F600}\n]{0,6}",
        ]
    }

    /// A string, number or literal, as models send them and some no value tree accepts.
    fn leaf() -> impl Strategy<Value = Doc> {
        prop_oneof![
            Just(Doc::Null),
            any::<bool>().prop_map(Doc::Bool),
            any::<i64>().prop_map(Doc::Int),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Doc::Float),
            prop::sample::select(vec![
                "1e400",
                "-0",
                "1.5E+3",
                "123456789012345678901234",
                "-9223372036854775809",
                "0.1e-400"
            ])
            .prop_map(Doc::Num),
            "[a-zS3CR \"\\\\/\u{0}\u{1f}é\u{1F600}]{0,12}".prop_map(Doc::Str),
            // A lone surrogate escape: a value tree refuses it, so must the text path.
            Just(Doc::Num("\"\\ud800\"")),
            // A raw control character in a string: not JSON, on either path.
            Just(Doc::Num("\"tab\there\"")),
        ]
    }

    fn doc() -> impl Strategy<Value = Doc> {
        let leaf = leaf();
        leaf.prop_recursive(6, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Doc::Arr),
                prop::collection::vec((key(), inner), 0..5).prop_map(Doc::Obj),
            ]
        })
    }

    /// Mostly the tool's parameters (as valid arguments have), sometimes another key.
    fn root() -> impl Strategy<Value = Doc> {
        let root_key = prop_oneof![
            6 => prop::sample::select(vec!["query", "api_key", "options", "note"]).prop_map(str::to_owned),
            1 => key(),
        ];
        prop::collection::vec((root_key, doc()), 0..5).prop_map(Doc::Obj)
    }

    /// What most calls send: the tool's parameters, each with a string, number or literal.
    fn flat_root() -> impl Strategy<Value = Doc> {
        let name = prop::sample::select(vec!["query", "api_key", "options", "note"]);
        prop::collection::vec((name.prop_map(str::to_owned), leaf()), 0..5).prop_map(Doc::Obj)
    }

    /// Whether a root repeats a key or has one the tool does not declare.
    fn odd_keys(doc: &Doc) -> bool {
        let Doc::Obj(entries) = doc else { return true };
        entries.iter().enumerate().any(|(i, (k, _))| {
            !PARAMS.iter().any(|p| p.name == k) || entries[..i].iter().any(|(seen, _)| seen == k)
        })
    }

    static PARAMS: [ParamDecl; 4] = [
        param("query", false),
        param("api_key", false),
        param("options", false),
        param("note", true),
    ];

    /// One generated call: the default secret keys, which of `PARAMS` are secret, the text,
    /// and what the value path records for it.
    struct Case {
        keys: Vec<String>,
        secret: Box<[bool]>,
        text: String,
        by_value: Value,
    }

    fn case(doc: &Doc, escape_all: bool) -> Case {
        let keys = normalize_keys(crate::policy::audit::DEFAULT_SECRET_KEYS.iter().copied());
        let secret = secret_params(&PARAMS, &keys);
        let mut text = String::new();
        doc.write(escape_all, &mut text);
        let by_value = redact_with(
            arguments_value(&CallArguments::Text(text.clone())),
            &PARAMS,
            &secret,
            &keys,
        );
        Case {
            keys,
            secret,
            text,
            by_value,
        }
    }

    proptest! {
        // Cheap cases, and rare texts (`-0`, a raw tab) must come up: many of them.
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The one-pass text path and the value path agree on every object, at every depth,
        /// with repeated keys and escapes anywhere; where the value path cannot read the text,
        /// neither does the text path.
        #[test]
        fn text_path_redacts_exactly_as_the_value_path(
            doc in root(),
            escape_all in any::<bool>(),
        ) {
            let Case { keys, secret, text, by_value } = case(&doc, escape_all);
            match redact_text(&text, &PARAMS, &secret, &keys) {
                Some(args) => {
                    // The same text to the byte: no repeated key, nothing in another order.
                    prop_assert_eq!(args.as_str(), by_value.to_string());
                    prop_assert_eq!(args.to_value(), by_value);
                    // Compact, and what it serializes as is what it holds.
                    prop_assert_eq!(serde_json::to_value(&args).unwrap(), args.to_value());
                    prop_assert!(!args.as_str().contains('\n'));
                }
                // Left to the value path (which the executor then takes) only for these.
                None => prop_assert!(
                    odd_keys(&doc) || by_value.as_str().is_some_and(|s| s.starts_with("[not valid JSON")),
                    "{text}"
                ),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The quick pass for flat arguments writes what the value path writes, and leaves to
        /// the parser exactly what it cannot read itself.
        #[test]
        fn flat_arguments_redact_exactly_as_the_value_path(
            doc in flat_root(),
            escape_all in any::<bool>(),
        ) {
            let Case { secret, text, by_value, .. } = case(&doc, escape_all);
            if let Some(out) = redact_flat(&text, &PARAMS, &secret) {
                prop_assert_eq!(out, by_value.to_string());
            } else {
                // Escapes, repeated keys and what no value tree reads are the parser's.
                let Doc::Obj(entries) = &doc else { unreachable!() };
                prop_assert!(
                    escape_all
                        || odd_keys(&doc)
                        || entries.iter().any(|(_, v)| matches!(v, Doc::Num(_)) || matches!(v, Doc::Str(s) if s.contains(['"', '\\']) || s.contains(|c: char| c < ' ')))
                        || by_value.as_str().is_some_and(|s| s.starts_with("[not valid JSON")),
                    "{}", text
                );
            }
        }
    }

    proptest! {
        /// Arguments a provider handed over parsed are written as the value path writes its
        /// redacted copy of them, byte for byte.
        #[test]
        fn parsed_arguments_redact_exactly_as_the_value_path(doc in root()) {
            let Case { keys, secret, text, .. } = case(&doc, false);
            // Only what JSON can hold: texts no value tree reads are not a parsed call.
            let Ok(value) = serde_json::from_str::<Value>(&text) else { return Ok(()) };
            let args = CallArguments::Json(value.clone());
            let by_value = redact_with(arguments_value(&args), &PARAMS, &secret, &keys);
            let Value::Object(map) = &value else { unreachable!("roots are objects") };
            let written = redact_object(map, &PARAMS, &secret, &keys);
            prop_assert_eq!(written.as_str(), by_value.to_string());
        }
    }

    #[test]
    fn deep_text_fails_on_both_paths_at_the_same_depth() {
        let keys = normalize_keys(["token"]);
        let secret = secret_params(&PARAMS, &keys);
        for depth in 120..135 {
            for key in ["query", "note"] {
                let text = format!("{{\"{key}\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
                let by_value = redact_with(
                    arguments_value(&CallArguments::Text(text.clone())),
                    &PARAMS,
                    &secret,
                    &keys,
                );
                let by_text = redact_text(&text, &PARAMS, &secret, &keys).map(|a| a.to_value());
                match by_text {
                    Some(v) => assert_eq!(v, by_value, "depth {depth}, {key}"),
                    None => assert!(by_value.as_str().unwrap().starts_with("[not valid JSON")),
                }
            }
        }
    }

    #[test]
    fn other_roots_are_left_to_the_value_path() {
        for text in ["[1]", "\"x\"", "null", "", "{", "{} x", "{\"a\":1,}"] {
            assert!(
                redact_text(text, &PARAMS, &[false; 4], &[]).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn strings_without_escapes_are_copied_as_they_stand() {
        let text = r#"{"query": "café ☕ 10/10", "api_key": "k\"1\u00e9"}"#;
        let args = redact_text(text, &PARAMS, &[false; 4], &[]).unwrap();
        assert_eq!(
            args.as_str(),
            r#"{"query":"café ☕ 10/10","api_key":"k\"1é"}"#
        );
    }
}

//! JSON text to a `Value`, refusing a key given twice in one object at any depth. serde_json's
//! own `Value` silently keeps the last one, so `{"id":"a","id":"b"}` would validate as one id
//! while a differently written parser (the tool's, a proxy's) may act on the other.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why text did not become a value.
pub(crate) enum StrictError {
    /// Not JSON (serde_json's syntax messages never quote the input).
    Syntax(serde_json::Error),
    /// `key` appears twice in the object at `pointer` (RFC 6901).
    Duplicate { pointer: String, key: String },
}

/// Parses `text` like `serde_json::from_str::<Value>`, but refuses duplicate keys.
pub(crate) fn parse(text: &str) -> Result<Value, StrictError> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Seed(&mut found)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match (parsed, found) {
        (_, Some(Duplicate { path, key })) => {
            // Tokens were collected while unwinding, innermost first.
            let mut pointer = String::new();
            for token in path.iter().rev() {
                super::push_token(&mut pointer, token);
            }
            Err(StrictError::Duplicate { pointer, key })
        }
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(StrictError::Syntax(e)),
    }
}

struct Duplicate {
    path: Vec<String>,
    key: String,
}

/// Builds one value; on a duplicate, records it and each enclosing key or index on the way out.
struct Seed<'f>(&'f mut Option<Duplicate>);

impl Seed<'_> {
    /// Adds `token` to the duplicate's path when the error came from one.
    fn unwinding<E>(&mut self, token: impl FnOnce() -> String, err: E) -> E {
        if let Some(d) = self.0.as_mut() {
            d.path.push(token());
        }
        err
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            match seq.next_element_seed(Seed(&mut *self.0)) {
                Ok(Some(v)) => items.push(v),
                Ok(None) => return Ok(Value::Array(items)),
                Err(e) => return Err(self.unwinding(|| items.len().to_string(), e)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                *self.0 = Some(Duplicate {
                    path: Vec::new(),
                    key,
                });
                return Err(de::Error::custom("a key appears twice"));
            }
            match access.next_value_seed(Seed(&mut *self.0)) {
                Ok(v) => {
                    map.insert(key, v);
                }
                Err(e) => return Err(self.unwinding(|| key, e)),
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn duplicate(text: &str) -> Option<(String, String)> {
        match parse(text) {
            Err(StrictError::Duplicate { pointer, key }) => Some((pointer, key)),
            _ => None,
        }
    }

    #[test]
    fn parses_like_serde_json_when_every_key_is_unique() {
        let text =
            r#"{"a":[1,-2,3.5,{"b":null}],"c":{"d":true,"e":"x\u00e9"},"f":18446744073709551615}"#;
        assert_eq!(
            parse(text).ok(),
            Some(serde_json::from_str::<Value>(text).unwrap())
        );
        assert_eq!(parse(" [] ").ok(), Some(json!([])));
    }

    #[test]
    fn a_repeated_key_is_reported_with_the_pointer_of_its_object() {
        assert_eq!(
            duplicate(r#"{"id":"a","id":"b"}"#),
            Some((String::new(), "id".into()))
        );
        assert_eq!(
            duplicate(r#"{"x":[0,{"a/b":{"k":1,"k":2}}]}"#),
            Some(("/x/1/a~1b".into(), "k".into()))
        );
        // Escapes are decoded before comparing: these are the same key.
        assert_eq!(
            duplicate(r#"{"k":1,"\u006b":2}"#),
            Some((String::new(), "k".into()))
        );
    }

    #[test]
    fn invalid_text_is_a_syntax_error() {
        assert!(matches!(parse("{\"a\":"), Err(StrictError::Syntax(_))));
        assert!(matches!(parse("{} x"), Err(StrictError::Syntax(_))));
    }
}

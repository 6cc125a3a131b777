//! `Identifier`: a short id the model copies from earlier results, checked against one pattern
//! so it cannot smuggle paths, spaces or markup into a tool.

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::{Serialize, Serializer};

/// An identifier: 1 to 128 characters of `A-Z a-z 0-9 _ - . :`, starting with a letter or digit.
/// For ids the model copies from earlier results (order numbers, document ids).
///
/// ```
/// use toolwright::{Executor, Identifier, Principal, Registry, ToolCall, tool};
///
/// /// Look up the shipping status of one order by its id. Returns the status as a short phrase.
/// #[tool(read_only)]
/// fn get_order_status(
///     /// Order id as shown in search results, e.g. "ord-1042"
///     order_id: Identifier,
/// ) -> String {
///     format!("{order_id}: shipped")
/// }
///
/// assert_eq!(Identifier::parse("ord-1042").unwrap().as_str(), "ord-1042");
/// assert!(Identifier::parse("../../etc/passwd").is_err());
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::new(Registry::builder().tool(get_order_status).build()?);
/// let anyone = Principal::anonymous();
/// let call = ToolCall::new("c1", "get_order_status", r#"{"order_id": "ord-1042"}"#);
/// assert_eq!(executor.call(&anyone, &call).await.outcome.unwrap(), "ord-1042: shipped");
/// let call = ToolCall::new("c2", "get_order_status", r#"{"order_id": "ord 1042; DROP"}"#);
/// assert!(executor.call(&anyone, &call).await.is_error());
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier(String);

impl Identifier {
    /// The pattern every identifier matches.
    pub const PATTERN: &'static str = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$";

    /// Checks `text`.
    ///
    /// # Errors
    /// A sentence saying why it is not an identifier.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = !text.is_empty()
            && text.len() <= 128
            && text.as_bytes()[0].is_ascii_alphanumeric()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "must be 1 to 128 letters, digits, `_`, `.`, `:` or `-`, starting with a letter or digit (pattern {})",
                Self::PATTERN
            ))
        }
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Identifier {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Identifier::parse(&text).map_err(D::Error::custom)
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

string_schema!(Identifier, {
    "type": "string",
    "pattern": Identifier::PATTERN,
    "maxLength": 128
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_their_pattern() {
        assert!(Identifier::parse("A-1042").is_ok());
        assert!(Identifier::parse("kb:doc_7.v2").is_ok());
        for bad in ["", "-x", "a b", "a/b", "ü", &"a".repeat(129)] {
            assert!(Identifier::parse(bad).is_err(), "{bad:?}");
        }
    }
}

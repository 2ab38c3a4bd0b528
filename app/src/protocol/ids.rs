//! Identifiers that arrive from clients: runner ids and series names.
//!
//! The seed clients send runner ids as JSON numbers (`3`) and sometimes as strings
//! (`"3"`, `"anna"`). Both name the same runner, so a [`RunnerId`] keeps one canonical
//! text form and writes itself back as a number whenever that text is a canonical
//! integer: a seed client that said `3` hears `3`, never `"3"`.

use std::{fmt, sync::Arc};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::errors::{ProtocolError, Quoted, QuotedChar};

/// Longest runner id or series name we accept, in bytes.
pub const MAX_ID_LEN: usize = 64;

/// A runner's identity on the wire: 1-64 of `A-Z a-z 0-9 - _ .`, or an integer.
///
/// Cloning is cheap (a shared `Arc<str>`), because the hub copies ids into every
/// subscription and every outgoing message.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunnerId(Arc<str>);

impl RunnerId {
    /// Parses a runner id from text, as typed in a form or found in a URL.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let text = text.trim();
        parse_token(text, "runner id").map(|t| Self(Arc::from(t)))
    }

    /// The canonical text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the id is a canonical integer, so it is written as a JSON number.
    pub fn is_numeric(&self) -> bool {
        self.0
            .parse::<i64>()
            .is_ok_and(|n| n.to_string() == *self.0)
    }

    fn from_integer(n: i128) -> Self {
        Self(Arc::from(n.to_string()))
    }
}

impl fmt::Display for RunnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RunnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RunnerId({})", self.0)
    }
}

impl Serialize for RunnerId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(n) if self.is_numeric() => serializer.serialize_i64(n),
            _ => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for RunnerId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl de::Visitor<'_> for IdVisitor {
            type Value = RunnerId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a runner id: an integer or a string of 1-64 letters, digits, '-', '_' or '.'",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RunnerId, E> {
                Ok(RunnerId::from_integer(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RunnerId, E> {
                Ok(RunnerId::from_integer(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RunnerId, E> {
                Err(E::custom(format_args!(
                    "runner id {v} is not an integer; use an integer or a string"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RunnerId, E> {
                RunnerId::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

/// The name of a numeric series, such as `happiness`: same alphabet as a runner id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SeriesName(Arc<str>);

impl SeriesName {
    /// Parses a series name.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        parse_token(text, "series name").map(|t| Self(Arc::from(t)))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SeriesName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SeriesName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SeriesName({})", self.0)
    }
}

impl<'de> Deserialize<'de> for SeriesName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        SeriesName::parse(&text).map_err(de::Error::custom)
    }
}

fn parse_token<'a>(text: &'a str, what: &'static str) -> Result<&'a str, ProtocolError> {
    if text.is_empty() {
        return Err(ProtocolError::BadId(format!("{what} is empty")));
    }
    if text.len() > MAX_ID_LEN {
        return Err(ProtocolError::BadId(format!(
            "{what} is {} bytes long; the limit is {MAX_ID_LEN}",
            text.len()
        )));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(ProtocolError::BadId(format!(
            "{what} {} contains {}; use letters, digits, '-', '_' or '.'",
            Quoted(text),
            QuotedChar(bad)
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_numeric_strings_name_the_same_runner() {
        let from_number: RunnerId = serde_json::from_str("3").unwrap();
        let from_string: RunnerId = serde_json::from_str("\"3\"").unwrap();
        assert_eq!(from_number, from_string);
        assert_eq!(serde_json::to_string(&from_string).unwrap(), "3");
    }

    #[test]
    fn text_ids_stay_strings() {
        let id: RunnerId = serde_json::from_str("\"anna-42\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"anna-42\"");
        let padded: RunnerId = serde_json::from_str("\"007\"").unwrap();
        assert_eq!(serde_json::to_string(&padded).unwrap(), "\"007\"");
    }

    #[test]
    fn negative_and_large_integers_round_trip() {
        let id: RunnerId = serde_json::from_str("-12").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "-12");
        let big: RunnerId = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(big.as_str(), "18446744073709551615");
        assert_eq!(
            serde_json::to_string(&big).unwrap(),
            "\"18446744073709551615\""
        );
    }

    #[test]
    fn rejects_fractions_empty_long_and_odd_characters() {
        assert!(serde_json::from_str::<RunnerId>("3.5").is_err());
        assert!(serde_json::from_str::<RunnerId>("\"\"").is_err());
        assert!(serde_json::from_str::<RunnerId>("true").is_err());
        assert!(RunnerId::parse(&"x".repeat(65)).is_err());
        let err = RunnerId::parse("<script>").unwrap_err();
        assert!(err.to_string().contains("'<'"), "{err}");
    }

    #[test]
    fn echoed_input_is_quoted_and_escaped_without_debug_formatting() {
        // The release wasm has no Debug formatting, so messages quote input through
        // Display; it must read as `{:?}` did, control characters escaped.
        for (input, quoted, bad) in [
            ("a\"b", r#""a\"b""#, r#"'"'"#),
            ("it's", r#""it's""#, r"'\''"),
            ("ok\tno", r#""ok\tno""#, r"'\t'"),
        ] {
            let err = RunnerId::parse(input).unwrap_err().to_string();
            assert_eq!(format!("{input:?}"), quoted);
            assert!(
                err.contains(&format!("runner id {quoted} contains {bad};")),
                "{err}"
            );
        }
    }

    #[test]
    fn series_names_parse() {
        assert_eq!(
            SeriesName::parse("happiness").unwrap().as_str(),
            "happiness"
        );
        assert!(serde_json::from_str::<SeriesName>("\"a b\"").is_err());
    }
}

//! One scalar as a configuration format gives it, so a value type can say in plain words what
//! it got ("not \"best\"", "not a list").

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A configuration value before it is given a type.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Text (every CSV cell is text).
    Str(String),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// Anything else, described in words ("a list", "a table", "a date", "nothing").
    Other(&'static str),
}

impl Scalar {
    /// How the value reads in a message: `"best"`, `3`, `true`, `a list`.
    pub fn shown(&self) -> String {
        match self {
            Scalar::Str(s) => format!("{s:?}"),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Other(what) => (*what).to_string(),
        }
    }

    /// The message "must be {wanted}, not {shown}".
    pub fn not<E: de::Error>(&self, wanted: &str) -> E {
        E::custom(format!("must be {wanted}, not {}", self.shown()))
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("nothing (null)"))
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("nothing (null)"))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        // TOML dates arrive as a one-key map.
        let mut date = false;
        while let Some(k) = map.next_key::<String>()? {
            date |= k.contains("datetime");
            map.next_value::<de::IgnoredAny>()?;
        }
        Ok(Scalar::Other(if date { "a date" } else { "a table" }))
    }
}

/// serde `deserialize_with` for an optional switch: `true`/`false`, also as text (CSV).
pub fn deserialize_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Str(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Scalar::Str(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        other => Err(other.not("true or false")),
    }
}

/// serde `deserialize_with` for an optional text (a number in a JSON file is refused, not
/// turned into text).
pub fn deserialize_opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Str(s) => Ok(Some(s)),
        other => Err(other.not("text in quotes")),
    }
}

//! Geometry: the one rectangle type, and where the 9:16 window sits.

use super::scalar::Scalar;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;

/// A rectangle in whole pixels (a crop window in the rotated source, a card on the frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Where the 9:16 window sits in a wider frame: following the subject (`auto`), or at a fixed
/// horizontal position.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub enum Focus {
    /// `auto`: the window follows what matters in each shot (analyse/reframe).
    Auto,
    /// A fixed position: 0.0 is the left edge, 1.0 the right edge.
    At(f64),
}

const FOCUS_WANTED: &str = "auto, center, left, right or a number from 0.0 to 1.0";

impl Default for Focus {
    fn default() -> Focus {
        Focus::CENTER
    }
}

impl Focus {
    /// `center`: the fixed centred window.
    pub const CENTER: Focus = Focus::At(0.5);

    /// Whether this is [`Focus::Auto`].
    pub fn is_auto(self) -> bool {
        matches!(self, Focus::Auto)
    }

    /// The fixed position (0.0 left edge to 1.0 right edge), or None for [`Focus::Auto`].
    pub fn position(self) -> Option<f64> {
        match self {
            Focus::Auto => None,
            Focus::At(x) => Some(x),
        }
    }

    /// Parses `auto`, `center`, `left`, `right` or a number from 0.0 (left edge) to 1.0 (right edge).
    pub fn parse(s: &str) -> Result<Focus, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Focus::Auto),
            "center" | "centre" | "middle" => Ok(Focus::CENTER),
            "left" => Ok(Focus::At(0.0)),
            "right" => Ok(Focus::At(1.0)),
            other => match other.parse::<f64>() {
                Ok(v) => Focus::from_number(v),
                _ => Err(format!("must be {FOCUS_WANTED}, not {s:?}")),
            },
        }
    }

    fn from_number(v: f64) -> Result<Focus, String> {
        if (0.0..=1.0).contains(&v) {
            Ok(Focus::At(v))
        } else {
            Err(format!("must be {FOCUS_WANTED}, not {v}"))
        }
    }
}

impl FromStr for Focus {
    type Err = String;
    fn from_str(s: &str) -> Result<Focus, String> {
        Focus::parse(s)
    }
}

impl Serialize for Focus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Focus::Auto => s.serialize_str("auto"),
            Focus::At(x) => s.serialize_f64(*x),
        }
    }
}

impl<'de> Deserialize<'de> for Focus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Focus, D::Error> {
        let r = match Scalar::deserialize(d)? {
            Scalar::Str(s) => Focus::parse(&s),
            Scalar::Int(i) => Focus::from_number(i as f64),
            Scalar::Float(f) => Focus::from_number(f),
            other => return Err(other.not(FOCUS_WANTED)),
        };
        r.map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focus_parses() {
        assert_eq!(Focus::parse("center"), Ok(Focus::At(0.5)));
        assert_eq!(Focus::parse("left"), Ok(Focus::At(0.0)));
        assert_eq!(Focus::parse("0.25"), Ok(Focus::At(0.25)));
        assert!(Focus::parse("1.5").is_err());
        assert!(Focus::parse("NaN").is_err());
        let e = Focus::parse("top").unwrap_err();
        assert_eq!(
            e,
            "must be auto, center, left, right or a number from 0.0 to 1.0, not \"top\""
        );
        let f: Focus = serde_json::from_str("1").unwrap();
        assert_eq!(f, Focus::At(1.0));
        assert_eq!(serde_json::to_string(&f).unwrap(), "1.0");
        assert!(Focus::parse("auto").unwrap().is_auto());
        assert!(!Focus::At(0.0).is_auto());
        assert_eq!(Focus::parse("right").unwrap().position(), Some(1.0));
        assert_eq!(Focus::Auto.position(), None);
        let a: Focus = serde_json::from_str("\"auto\"").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"auto\"");
    }
}

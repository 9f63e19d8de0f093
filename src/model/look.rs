//! The look's command-line choices: the cards' text size (`--text-size S|M|L|48px`) and the
//! creator's handle (`--handle @name`). The look's name and accent colour are
//! [`crate::config::preset::LookName`] and [`crate::model::Rgb`].

use super::scalar::Scalar;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The cards' text size: small, medium (the look's own sizes) or large, or the body text's
/// size in pixels (the heading and the rest scaled alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextSize {
    /// 0.8 times the look's sizes.
    Small,
    /// The look's sizes.
    Medium,
    /// 1.25 times the look's sizes.
    Large,
    /// The body text this many pixels high (16 to 200).
    Px(u32),
}

/// The smallest and largest body size `--text-size` takes in pixels.
pub const TEXT_PX: (u32, u32) = (16, 200);

const TEXT_SIZE_WANTED: &str =
    "S, M, L or the body text's size in pixels from 16 to 200 (such as \"48px\")";

impl TextSize {
    /// How much larger than the look's body size (`body`) the text is drawn.
    pub fn factor(self, body: f32) -> f32 {
        match self {
            TextSize::Small => 0.8,
            TextSize::Medium => 1.0,
            TextSize::Large => 1.25,
            TextSize::Px(px) => px as f32 / body.max(1.0),
        }
    }
}

impl FromStr for TextSize {
    type Err = String;
    fn from_str(s: &str) -> Result<TextSize, String> {
        let bad = || format!("must be {TEXT_SIZE_WANTED}, not {s:?}");
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "s" | "small" => return Ok(TextSize::Small),
            "m" | "medium" => return Ok(TextSize::Medium),
            "l" | "large" => return Ok(TextSize::Large),
            _ => {}
        }
        let digits = t.strip_suffix("px").unwrap_or(t).trim();
        let px: u32 = digits.parse().map_err(|_| bad())?;
        if !(TEXT_PX.0..=TEXT_PX.1).contains(&px) {
            return Err(bad());
        }
        Ok(TextSize::Px(px))
    }
}

impl fmt::Display for TextSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextSize::Small => f.write_str("S"),
            TextSize::Medium => f.write_str("M"),
            TextSize::Large => f.write_str("L"),
            TextSize::Px(px) => write!(f, "{px}px"),
        }
    }
}

impl Serialize for TextSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TextSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TextSize, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => s.parse().map_err(serde::de::Error::custom),
            Scalar::Int(i) => i.to_string().parse().map_err(serde::de::Error::custom),
            other => Err(other.not(TEXT_SIZE_WANTED)),
        }
    }
}

/// A creator's handle, always written with its `@`: `@kitchenfails`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle(String);

const HANDLE_WANTED: &str =
    "@ and a name of 1 to 30 letters, digits, dots, dashes or underscores (such as \"@kitchenfails\")";

impl Handle {
    /// The handle as drawn, `@` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Handle {
    type Err = String;
    fn from_str(s: &str) -> Result<Handle, String> {
        let bad = || format!("must be {HANDLE_WANTED}, not {s:?}");
        let name = s.trim();
        let name = name.strip_prefix('@').unwrap_or(name);
        let n = name.chars().count();
        if n == 0
            || n > 30
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(bad());
        }
        Ok(Handle(format!("@{name}")))
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Handle {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Handle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Handle, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => s.parse().map_err(serde::de::Error::custom),
            other => Err(other.not(HANDLE_WANTED)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_sizes_read_as_written() {
        assert_eq!("S".parse::<TextSize>(), Ok(TextSize::Small));
        assert_eq!("large".parse::<TextSize>(), Ok(TextSize::Large));
        assert_eq!("48px".parse::<TextSize>(), Ok(TextSize::Px(48)));
        assert_eq!("72".parse::<TextSize>(), Ok(TextSize::Px(72)));
        assert_eq!(TextSize::Px(48).to_string(), "48px");
        let e = "XL".parse::<TextSize>().unwrap_err();
        assert!(e.contains("S, M, L") && e.contains("\"XL\""), "{e}");
        assert!("8px".parse::<TextSize>().is_err());
        assert!((TextSize::Px(90).factor(60.0) - 1.5).abs() < 1e-6);
    }

    #[test]
    fn handles_get_their_at() {
        assert_eq!(
            "kitchen_fails".parse::<Handle>().unwrap().as_str(),
            "@kitchen_fails"
        );
        assert_eq!("@a.b-c".parse::<Handle>().unwrap().to_string(), "@a.b-c");
        for bad in ["", "@", "two words", "@x/y", &"a".repeat(31)] {
            let e = bad.parse::<Handle>().unwrap_err();
            assert!(e.contains("@kitchenfails"), "{bad}: {e}");
        }
    }
}

//! Colours: `#RRGGBB` and the fill beside a narrow picture.

use super::scalar::Scalar;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An sRGB colour, written `#RRGGBB` in presets (either case; shown upper case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub [u8; 3]);

const RGB_WANTED: &str = "a colour written #RRGGBB, such as \"#FFD23F\"";

impl Rgb {
    /// Black.
    pub const BLACK: Rgb = Rgb([0, 0, 0]);
    /// White.
    pub const WHITE: Rgb = Rgb([255, 255, 255]);
}

impl FromStr for Rgb {
    type Err = String;
    fn from_str(s: &str) -> Result<Rgb, String> {
        let bad = || format!("must be {RGB_WANTED}, not {s:?}");
        let hex = s.strip_prefix('#').ok_or_else(bad)?;
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let v = u32::from_str_radix(hex, 16).map_err(|_| bad())?;
        Ok(Rgb([(v >> 16) as u8, (v >> 8) as u8, v as u8]))
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02X}{g:02X}{b:02X}")
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rgb, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => s.parse().map_err(serde::de::Error::custom),
            other => Err(other.not(RGB_WANTED)),
        }
    }
}

/// What fills the sides of a picture narrower than 9:16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fill {
    /// A blurred, darkened copy of the picture.
    #[default]
    Blur,
    /// A plain colour.
    Color(Rgb),
}

const FILL_WANTED: &str = "\"blur\" or a colour written #RRGGBB";

impl FromStr for Fill {
    type Err = String;
    fn from_str(s: &str) -> Result<Fill, String> {
        if s == "blur" {
            return Ok(Fill::Blur);
        }
        s.parse()
            .map(Fill::Color)
            .map_err(|_| format!("must be {FILL_WANTED}, not {s:?}"))
    }
}

impl fmt::Display for Fill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fill::Blur => f.write_str("blur"),
            Fill::Color(c) => c.fmt(f),
        }
    }
}

impl Serialize for Fill {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fill {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fill, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => s.parse().map_err(serde::de::Error::custom),
            other => Err(other.not(FILL_WANTED)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_and_print() {
        assert_eq!("#FFD23F".parse(), Ok(Rgb([255, 210, 63])));
        assert_eq!("#ffd23f".parse::<Rgb>().unwrap().to_string(), "#FFD23F");
        for bad in [
            "FFD23F",
            "#FFD23",
            "#GGGGGG",
            "",
            "#FFD23F0",
            "#ＦＦＦＦＦＦ",
        ] {
            let e = bad.parse::<Rgb>().unwrap_err();
            assert!(
                e.starts_with("must be a colour") && e.contains("#RRGGBB"),
                "{e}"
            );
        }
        assert_eq!("blur".parse(), Ok(Fill::Blur));
        assert_eq!("#000000".parse(), Ok(Fill::Color(Rgb::BLACK)));
        assert!("Blur".parse::<Fill>().is_err());
    }

    #[test]
    fn colours_from_toml_say_what_they_got() {
        #[derive(Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            c: Rgb,
        }
        let e = toml::from_str::<T>("c = 3").unwrap_err();
        assert!(
            e.message().contains("#RRGGBB, such as \"#FFD23F\", not 3"),
            "{e}"
        );
    }
}

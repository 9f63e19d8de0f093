//! Geometry: the one rectangle type, and where the 9:16 window sits.

use super::scalar::Scalar;
use super::time::{parse_time, Micros};
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

/// `--focus` (and a manifest's `focus`): one position, or a list of keys on the reel's clock
/// such as `0.3,2.5s=0.7,6s=auto`. The value before the first timed key applies from 0; each
/// `T=V` switches to `V` at reel time `T` (`2.5`, `2.5s`, `0:02.5`).
#[derive(Debug, Clone, PartialEq)]
pub struct FocusKeys {
    /// What applies from 0 to the first key; None (the list starts with a timed key): the
    /// preset's focus, else `auto`.
    pub start: Option<Focus>,
    /// `(reel time, focus)`, times strictly increasing and above 0.
    pub keys: Vec<(Micros, Focus)>,
}

/// One stretch of the reel with one focus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FocusSpan {
    /// Reel time it starts.
    pub start: Micros,
    /// Reel time it ends.
    pub end: Micros,
    /// Its focus.
    pub focus: Focus,
}

const FOCUS_LIST_WANTED: &str =
    "a position (auto, center, left, right, 0.0-1.0) or a list such as 0.3,2.5s=0.7,6s=auto";

impl From<Focus> for FocusKeys {
    fn from(f: Focus) -> FocusKeys {
        FocusKeys {
            start: Some(f),
            keys: Vec::new(),
        }
    }
}

impl FocusKeys {
    /// Parses one position or a list of keys (see [`FocusKeys`]); the error names the bad part.
    pub fn parse(s: &str) -> Result<FocusKeys, String> {
        if !s.contains(',') && !s.contains('=') {
            return Focus::parse(s).map(FocusKeys::from);
        }
        let mut out = FocusKeys {
            start: None,
            keys: Vec::new(),
        };
        for (i, part) in s.split(',').map(str::trim).enumerate() {
            if part.is_empty() {
                return Err(format!(
                    "{s:?} has an empty key (two commas?); {FOCUS_LIST_WANTED}"
                ));
            }
            let Some((t, v)) = part.split_once('=') else {
                if i > 0 {
                    return Err(format!(
                        "key {part:?} has no time: each key after the first is TIME=POS, e.g. 2.5s={part}"
                    ));
                }
                out.start = Some(Focus::parse(part).map_err(|e| format!("key {part:?}: {e}"))?);
                continue;
            };
            let t = t.trim();
            let time = parse_time(t.strip_suffix('s').unwrap_or(t)).map_err(|_| {
                format!(
                    "key {part:?}: {t:?} is not a time (write 2.5, 2.5s, mm:ss.fff or hh:mm:ss)"
                )
            })?;
            let focus = Focus::parse(v).map_err(|e| format!("key {part:?}: the position {e}"))?;
            let after = out.keys.last().map_or(Micros::ZERO, |k| k.0);
            if time <= after
                && !(time == Micros::ZERO && out.keys.is_empty() && out.start.is_none())
            {
                return Err(format!(
                    "key {part:?}: times must increase along the list ({} is not after {})",
                    time, after
                ));
            }
            if time == Micros::ZERO {
                out.start = Some(focus);
            } else {
                out.keys.push((time, focus));
            }
        }
        Ok(out)
    }

    /// The one position when this is not a list.
    pub fn single(&self) -> Option<Focus> {
        self.start.filter(|_| self.keys.is_empty())
    }

    /// The spans over a reel `end` long, `start` (the preset's focus or the default) before a
    /// first timed key; keys at or after the end are dropped, equal neighbours merged.
    pub fn spans(&self, start: Focus, end: Micros) -> Vec<FocusSpan> {
        let mut out = vec![FocusSpan {
            start: Micros::ZERO,
            end,
            focus: self.start.unwrap_or(start),
        }];
        for &(t, f) in self.keys.iter().filter(|k| k.0 < end) {
            let last = out.last_mut().expect("one span at least");
            if last.focus == f {
                continue;
            }
            last.end = t;
            out.push(FocusSpan {
                start: t,
                end,
                focus: f,
            });
        }
        out
    }
}

impl std::fmt::Display for FocusKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let one = |x: Focus| match x {
            Focus::Auto => "auto".to_string(),
            Focus::At(v) => format!("{v}"),
        };
        let mut parts: Vec<String> = self.start.map(one).into_iter().collect();
        for (t, x) in &self.keys {
            parts.push(format!("{}s={}", t.as_secs_f64(), one(*x)));
        }
        write!(f, "{}", parts.join(","))
    }
}

impl FromStr for FocusKeys {
    type Err = String;
    fn from_str(s: &str) -> Result<FocusKeys, String> {
        FocusKeys::parse(s)
    }
}

impl Serialize for FocusKeys {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.single() {
            Some(one) => one.serialize(s),
            None => s.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for FocusKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FocusKeys, D::Error> {
        let r = match Scalar::deserialize(d)? {
            Scalar::Str(s) => FocusKeys::parse(&s),
            Scalar::Int(i) => Focus::from_number(i as f64).map(FocusKeys::from),
            Scalar::Float(f) => Focus::from_number(f).map(FocusKeys::from),
            other => return Err(other.not(FOCUS_LIST_WANTED)),
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

    #[test]
    fn focus_key_lists_parse_and_name_the_bad_part() {
        let k = FocusKeys::parse("0.3,2.5s=0.7,6s=auto").unwrap();
        assert_eq!(k.start, Some(Focus::At(0.3)));
        assert_eq!(
            k.keys,
            vec![
                (Micros(2_500_000), Focus::At(0.7)),
                (Micros(6_000_000), Focus::Auto)
            ]
        );
        assert_eq!(k.to_string(), "0.3,2.5s=0.7,6s=auto");
        assert_eq!(FocusKeys::parse(&k.to_string()).unwrap(), k);
        // One value is a plain position.
        assert_eq!(
            FocusKeys::parse("left").unwrap().single(),
            Some(Focus::At(0.0))
        );
        // A list starting with a timed key; mm:ss times.
        let k = FocusKeys::parse("0:01.5=right, 3=center").unwrap();
        assert_eq!(k.start, None);
        assert_eq!(k.keys[0], (Micros(1_500_000), Focus::At(1.0)));
        let spans = k.spans(Focus::Auto, Micros(10_000_000));
        assert_eq!(spans.len(), 3);
        assert_eq!(
            (spans[0].focus, spans[0].end),
            (Focus::Auto, Micros(1_500_000))
        );
        assert_eq!(
            (spans[2].start, spans[2].focus),
            (Micros(3_000_000), Focus::At(0.5))
        );
        // Keys past the reel's end are dropped; equal neighbours merge.
        let k = FocusKeys::parse("0.5,2s=center,20s=left").unwrap();
        assert_eq!(k.spans(Focus::Auto, Micros(5_000_000)).len(), 1);
        for (bad, part) in [
            ("0.3,,2s=0.7", "empty key"),
            ("0.3,0.7", "\"0.7\" has no time"),
            ("0.3,2s=up", "\"2s=up\""),
            ("0.3,soon=0.7", "\"soon\" is not a time"),
            ("0.3,3s=0.7,2s=auto", "times must increase"),
            ("0.3,2s=1.5", "\"2s=1.5\""),
        ] {
            let e = FocusKeys::parse(bad).unwrap_err();
            assert!(e.contains(part), "{bad}: {e}");
        }
        let j: FocusKeys = serde_json::from_str("\"auto,4s=0.25\"").unwrap();
        assert_eq!(j.keys, vec![(Micros(4_000_000), Focus::At(0.25))]);
        assert_eq!(
            serde_json::to_string(&FocusKeys::from(Focus::At(0.5))).unwrap(),
            "0.5"
        );
    }
}

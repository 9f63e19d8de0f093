//! Times in configuration: `"0:03.2"`, `3.2` or `"3.2"` all mean 3.2 s.

use super::scalar::Scalar;
use crate::model::time::{parse_time, Micros};
use serde::{Deserialize, Deserializer, Serializer};

const TIME_WANTED: &str = "a time such as \"0:03.2\" (m:ss.fff) or 3.2 (seconds)";

/// Reads a time from a command-line value (the `TIME` syntax of [`parse_time`]).
pub fn parse_time_arg(s: &str) -> Result<Micros, String> {
    parse_time(s)
}

fn from_scalar(v: Scalar) -> Result<Micros, String> {
    from_scalar_wanting(v, TIME_WANTED)
}

/// [`from_scalar`], saying `wanted` when the value is not one (a start also takes "auto").
fn from_scalar_wanting(v: Scalar, wanted: &str) -> Result<Micros, String> {
    const NOT_NEGATIVE: &str =
        ": times are 0 or more (counted from the clip's or the reel's start)";
    match v {
        Scalar::Str(s) => parse_time(&s).map_err(|_| {
            let minus = if s.trim_start().starts_with('-') {
                NOT_NEGATIVE
            } else {
                ""
            };
            format!("must be {wanted}, not {s:?}{minus}")
        }),
        Scalar::Int(i) if i >= 0 => i
            .checked_mul(1_000_000)
            .map(Micros)
            .ok_or_else(|| format!("must be {wanted} of at most a few years, not {i}")),
        Scalar::Float(f) if (0.0..1e11).contains(&f) => Ok(Micros::from_secs_f64(f)),
        Scalar::Int(i) => Err(format!("must be {wanted}, not {i}{NOT_NEGATIVE}")),
        Scalar::Float(f) if f < 0.0 => Err(format!("must be {wanted}, not {f}{NOT_NEGATIVE}")),
        other => Err(format!("must be {wanted}, not {}", other.shown())),
    }
}

/// serde `with` for an optional time field: [`deserialize_opt_time`] and
/// [`serialize_opt_time`] (`#[serde(default, with = "opt_time", skip_serializing_if =
/// "Option::is_none")]`).
pub mod opt_time {
    pub use super::deserialize_opt_time as deserialize;
    pub use super::serialize_opt_time as serialize;
}

/// serde `with` for an optional trim start: [`deserialize_opt_start`] and
/// [`serialize_opt_start`].
pub mod opt_start {
    pub use super::deserialize_opt_start as deserialize;
    pub use super::serialize_opt_start as serialize;
}

/// serde `deserialize_with` for an optional time field (absent: `None`).
pub fn deserialize_opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Micros>, D::Error> {
    from_scalar(Scalar::deserialize(d)?)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// serde `serialize_with` for an optional time field: the `m:ss.fff` text that reads back.
pub fn serialize_opt_time<S: Serializer>(t: &Option<Micros>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

/// Where a reel starts: at a time on the clip's timeline, or `auto`: around the best moment
/// the detection pass finds (`crate::analyse::detect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A time on the clip's timeline.
    At(Micros),
    /// Around the detected moment.
    Auto,
}

impl Start {
    /// The time, for a manual start.
    pub fn at(self) -> Option<Micros> {
        match self {
            Start::At(t) => Some(t),
            Start::Auto => None,
        }
    }
}

impl std::fmt::Display for Start {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Start::At(t) => write!(f, "{t}"),
            Start::Auto => f.write_str("auto"),
        }
    }
}

/// Reads `--start`: `auto` or a time.
pub fn parse_start_arg(s: &str) -> Result<Start, String> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(Start::Auto);
    }
    parse_time(s).map(Start::At)
}

/// serde `deserialize_with` for an optional start (`"auto"` or a time).
pub fn deserialize_opt_start<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Start>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Str(s) if s.trim().eq_ignore_ascii_case("auto") => Ok(Some(Start::Auto)),
        v => from_scalar_wanting(v, &format!("{TIME_WANTED}, or \"auto\""))
            .map(|t| Some(Start::At(t)))
            .map_err(serde::de::Error::custom),
    }
}

/// serde `serialize_with` for an optional start.
pub fn serialize_opt_start<S: Serializer>(t: &Option<Start>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_time() {
        for (v, want) in [
            (Scalar::Str("0:03.2".into()), 3_200_000),
            (Scalar::Str("3.2".into()), 3_200_000),
            (Scalar::Float(3.2), 3_200_000),
            (Scalar::Int(3), 3_000_000),
        ] {
            assert_eq!(from_scalar(v), Ok(Micros(want)));
        }
        for bad in [
            Scalar::Int(-1),
            Scalar::Float(f64::NAN),
            Scalar::Float(-0.5),
            Scalar::Float(1e300),
            Scalar::Int(i64::MAX),
            Scalar::Bool(true),
            Scalar::Str("soon".into()),
            Scalar::Other("a list"),
        ] {
            let e = from_scalar(bad.clone()).unwrap_err();
            assert!(e.starts_with("must be a time"), "{bad:?}: {e}");
        }
    }
}

//! Time values: parsing the CLI's `TIME` syntax and exact microsecond arithmetic.
//!
//! Plans keep every time as integer microseconds ([`Micros`]), never as floating-point
//! seconds, so 23.976 fps material does not drift; libav timestamps are converted with their
//! own rational time base at the edges.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A time or duration in whole microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Micros(pub i64);

impl Micros {
    /// Zero.
    pub const ZERO: Micros = Micros(0);

    /// From seconds, rounded to the nearest microsecond.
    pub fn from_secs_f64(s: f64) -> Micros {
        Micros((s * 1e6).round() as i64)
    }

    /// As seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// From a libav timestamp in a rational time base `num/den`.
    pub fn from_ts(ts: i64, num: i32, den: i32) -> Micros {
        if den == 0 {
            return Micros(0);
        }
        let v = ts as i128 * num as i128 * 1_000_000;
        Micros(div_round(v, den as i128) as i64)
    }

    /// To a libav timestamp in time base `num/den`, rounded to nearest.
    pub fn to_ts(self, num: i32, den: i32) -> i64 {
        if num == 0 {
            return 0;
        }
        let v = self.0 as i128 * den as i128;
        div_round(v, num as i128 * 1_000_000) as i64
    }
}

fn div_round(a: i128, b: i128) -> i128 {
    let (a, b) = if b < 0 { (-a, -b) } else { (a, b) };
    if a >= 0 {
        (a + b / 2) / b
    } else {
        -((-a + b / 2) / b)
    }
}

impl std::ops::Add for Micros {
    type Output = Micros;
    fn add(self, o: Micros) -> Micros {
        Micros(self.0 + o.0)
    }
}

impl std::ops::Sub for Micros {
    type Output = Micros;
    fn sub(self, o: Micros) -> Micros {
        Micros(self.0 - o.0)
    }
}

impl fmt::Display for Micros {
    /// Formats as `m:ss.fff` (or `h:mm:ss.fff`), the same syntax [`parse_time`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let ms = (self.0.unsigned_abs() + 500) / 1000;
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        let sign = if neg { "-" } else { "" };
        if h > 0 {
            write!(f, "{sign}{h}:{m:02}:{s:02}.{milli:03}")
        } else {
            write!(f, "{sign}{m}:{s:02}.{milli:03}")
        }
    }
}

/// Parses `TIME`: seconds (`12.5`), `mm:ss(.fff)` or `hh:mm:ss(.fff)`. Negative times are
/// refused.
pub fn parse_time(s: &str) -> Result<Micros, String> {
    let t = s.trim();
    let bad =
        || format!("`{s}` is not a time: write seconds (12.5), mm:ss(.fff) or hh:mm:ss(.fff)");
    if t.is_empty() {
        return Err(bad());
    }
    if t.starts_with('-') {
        return Err(format!(
            "`{s}` is not a time: times and lengths are 0 or more (counted from the clip's or the reel's start)"
        ));
    }
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() > 3 {
        return Err(bad());
    }
    let (secs_part, whole) = parts.split_last().ok_or_else(bad)?;
    let secs = parse_decimal_micros(secs_part).ok_or_else(bad)?;
    let mut total: i64 = 0;
    for (i, p) in whole.iter().enumerate() {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) || p.len() > 6 {
            return Err(bad());
        }
        let v: i64 = p.parse().map_err(|_| bad())?;
        // minutes (and seconds) after the first field must be below 60.
        if i > 0 && v >= 60 {
            return Err(bad());
        }
        total = total * 60 + v;
    }
    if !whole.is_empty() && secs >= 60_000_000 {
        return Err(bad());
    }
    Ok(Micros(total * 60_000_000 + secs))
}

fn parse_decimal_micros(s: &str) -> Option<i64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if int.len() > 9 {
        return None;
    }
    let i: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = 0;
    for (k, c) in frac.chars().enumerate() {
        let d = c.to_digit(10)? as i64;
        if k < 6 {
            f += d * 10i64.pow(5 - k as u32);
        } else if k == 6 && d >= 5 {
            f += 1;
        }
    }
    Some(i * 1_000_000 + f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_forms() {
        assert_eq!(parse_time("12.5"), Ok(Micros(12_500_000)));
        assert_eq!(parse_time("0"), Ok(Micros(0)));
        assert_eq!(parse_time(".25"), Ok(Micros(250_000)));
        assert_eq!(parse_time("0:03.2"), Ok(Micros(3_200_000)));
        assert_eq!(parse_time("0:11"), Ok(Micros(11_000_000)));
        assert_eq!(parse_time("1:02:03.004"), Ok(Micros(3_723_004_000)));
        assert_eq!(parse_time("90"), Ok(Micros(90_000_000)));
        assert_eq!(parse_time("0.0000005"), Ok(Micros(1)));
    }

    #[test]
    fn refuses_garbage() {
        for s in [
            "", "abc", "-1", "1:60", "1:2:3:4", "1::2", "12.5s", "1:75.0", "1.2.3", ":",
        ] {
            assert!(parse_time(s).is_err(), "{s} should be refused");
        }
        let msg = parse_time("soon").unwrap_err();
        assert!(msg.contains("soon") && msg.contains("mm:ss"));
    }

    #[test]
    fn display_round_trips() {
        for us in [0, 3_200_000, 11_000_000, 3_723_004_000, 599_999_000] {
            let m = Micros(us);
            assert_eq!(parse_time(&m.to_string()), Ok(m));
        }
    }

    #[test]
    fn timestamp_conversion_is_exact() {
        // 23.976 fps: frame 1001 of 1/24000 = 1/23.976 s
        assert_eq!(Micros::from_ts(1001, 1, 24000), Micros(41_708));
        assert_eq!(Micros(1_000_000).to_ts(1, 90000), 90000);
        assert_eq!(Micros(-500_000).to_ts(1, 30), -15);
        assert_eq!(Micros::from_ts(-3, 1, 2), Micros(-1_500_000));
    }
}

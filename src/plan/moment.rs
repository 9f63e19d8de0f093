//! `--start auto`: the trim around a detected moment, decided without touching a frame. The
//! detection itself is a cached analysis pass ([`crate::analyse::detect`]); this is the pure
//! rule that turns its best moment into a start, an end and the went-wrong card's time.

use crate::config::request::ReelRequest;
use crate::model::time::Micros;
use crate::model::Start;
use serde::{Deserialize, Serialize};

/// At least this much of the clip before the moment (when the clip has it).
pub const BEFORE_S: f64 = 3.0;
/// The least before the moment that is still a reel about it.
pub const MIN_BEFORE_S: f64 = 1.5;
/// The least after the moment.
pub const MIN_AFTER_S: f64 = 2.5;
/// The reel's length around a moment, unless --end/--duration say otherwise.
pub const LENGTH_S: f64 = 10.0;

/// What `--start auto` found and decided (shown in the plan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoStart {
    /// The moment, seconds on the clip's timeline (None: nothing stood out).
    pub moment_s: Option<f64>,
    /// Its score, 0–1.
    pub score: Option<f64>,
    /// What was heard and seen.
    pub why: Vec<String>,
}

/// The request with `start = auto` replaced by the trim around `moment` (seconds on the clip's
/// timeline; None when nothing stands out: the reel starts at the clip's start), for a clip
/// `clip_s` long and a preset accepting `min_s..max_s`. `--end`/`--duration` still apply; the
/// went-wrong card starts at the moment unless the request says when. Also returns a warning
/// when nothing stood out. A request without `auto` is returned as it is.
pub fn resolve(
    req: &ReelRequest,
    moment: Option<f64>,
    clip_s: f64,
    min_s: f64,
    max_s: f64,
) -> (ReelRequest, Option<String>) {
    if req.start != Some(Start::Auto) {
        return (req.clone(), None);
    }
    let mut out = req.clone();
    let Some(m) = moment else {
        out.start = Some(Start::At(Micros::ZERO));
        if out.end.is_none() && out.duration.is_none() {
            out.duration = Some(Micros::from_secs_f64(LENGTH_S.max(min_s).min(max_s)));
        }
        return (
            out,
            Some("nothing stands out in the clip (no bang, shout, alarm or knock): the reel starts at the clip's start".into()),
        );
    };
    let m = m.clamp(0.0, clip_s.max(0.0));
    let length = LENGTH_S
        .max(min_s)
        .min(max_s)
        .max(MIN_BEFORE_S + MIN_AFTER_S);
    let mut start = (m - BEFORE_S).max(0.0);
    let mut end = (start + length).min(clip_s);
    // Near the clip's end: move the start back so the reel keeps its length.
    if end - start < length {
        start = (end - length).max(0.0).min((m - MIN_BEFORE_S).max(0.0));
    }
    if end < m + MIN_AFTER_S {
        end = (m + MIN_AFTER_S).min(clip_s);
    }
    let start_t = Micros::from_secs_f64((start * 1000.0).round() / 1000.0);
    out.start = Some(Start::At(start_t));
    if out.end.is_none() && out.duration.is_none() {
        out.end = Some(Micros::from_secs_f64((end * 1000.0).round() / 1000.0));
    }
    if out.went_wrong_at.is_none() {
        let at = Micros::from_secs_f64(m) - start_t;
        out.went_wrong_at = Some(at);
        if out.went_wrong_until.is_none() {
            let reel_end = match (out.end, out.duration) {
                (Some(e), _) => e - start_t,
                (None, Some(d)) => d,
                (None, None) => Micros::from_secs_f64(end - start),
            };
            let until = (at + Micros::from_secs_f64(3.0)).max(Micros(reel_end.0 / 2));
            out.went_wrong_until = Some(until.min(reel_end));
        }
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto() -> ReelRequest {
        ReelRequest {
            start: Some(Start::Auto),
            ..Default::default()
        }
    }

    fn secs(t: Option<Start>) -> f64 {
        t.and_then(Start::at).unwrap().as_secs_f64()
    }

    #[test]
    fn the_trim_holds_the_moment_with_room_before_and_after() {
        let (r, w) = resolve(&auto(), Some(37.2), 600.0, 3.0, 600.0);
        assert!(w.is_none());
        assert_eq!(secs(r.start), 34.2);
        assert_eq!(r.end.unwrap().as_secs_f64(), 44.2);
        assert_eq!(r.went_wrong_at, Some(Micros(3_000_000)));
        // Near the start and near the end of the clip.
        let (r, _) = resolve(&auto(), Some(0.5), 600.0, 3.0, 600.0);
        assert_eq!(secs(r.start), 0.0);
        let (r, _) = resolve(&auto(), Some(19.0), 20.0, 3.0, 600.0);
        let (s, e) = (secs(r.start), r.end.unwrap().as_secs_f64());
        assert_eq!(e, 20.0);
        assert!(
            19.0 - s >= MIN_BEFORE_S && (e - s - LENGTH_S).abs() < 1e-6,
            "{s}..{e}"
        );
        // --duration still applies; a manual start is untouched.
        let req = ReelRequest {
            duration: Some(Micros(6_000_000)),
            ..auto()
        };
        let (r, _) = resolve(&req, Some(37.2), 600.0, 3.0, 600.0);
        assert_eq!((secs(r.start), r.end), (34.2, None));
        let manual = ReelRequest {
            start: Some(Start::At(Micros(1_000_000))),
            ..Default::default()
        };
        assert_eq!(resolve(&manual, Some(37.2), 600.0, 3.0, 600.0).0, manual);
    }

    #[test]
    fn nothing_standing_out_starts_at_the_start_with_a_warning() {
        let (r, w) = resolve(&auto(), None, 600.0, 3.0, 600.0);
        assert_eq!(secs(r.start), 0.0);
        assert_eq!(r.duration, Some(Micros(10_000_000)));
        assert!(w.unwrap().contains("nothing stands out"));
    }
}

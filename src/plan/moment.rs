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

/// The longest footage (seconds) beside a replay in a reel of at most `max_s` (a little under
/// what [`crate::plan::replay::longest_footage`] gives at any frame rate, so the planner never
/// has to cap it again).
fn footage_beside_replay(max_s: f64) -> f64 {
    let replay_s = 2.0 * super::replay::REPLAY_SOURCE.as_secs_f64();
    if max_s >= 1.5 * replay_s {
        max_s - replay_s
    } else {
        (max_s / 3.0 - 0.05).max(0.0)
    }
}

/// The request with `start = auto` replaced by the trim around `moment` (seconds on the clip's
/// timeline; None when nothing stands out: the reel starts at the clip's start), for a clip
/// `clip_s` long and a preset accepting `min_s..max_s` (with `--replay`, the footage is what
/// the limit leaves beside the replay). `--end`/`--duration` still apply (a short
/// `--duration` keeps the moment inside, with room after it); the went-wrong card starts at
/// the moment unless the request says when, and the cards the request leaves open are timed
/// so that they are never on screen together ([`crate::plan::card_times`]). Also returns a
/// warning when nothing stood out. A request without `auto` is returned as it is.
pub fn resolve(
    req: &ReelRequest,
    moment: Option<f64>,
    clip_s: f64,
    min_s: f64,
    max_s: f64,
) -> (ReelRequest, Vec<String>) {
    if req.start != Some(Start::Auto) {
        return (req.clone(), Vec::new());
    }
    let mut out = req.clone();
    let max_s = if req.replay == Some(true) {
        footage_beside_replay(max_s)
    } else {
        max_s
    };
    let clip = Micros::from_secs_f64(clip_s.max(0.0));
    // To the millisecond, never past the clip (an end nobody asked for is never "past" it).
    let at_ms = |s: f64| Micros::from_secs_f64((s * 1000.0).round() / 1000.0);
    let Some(m) = moment else {
        out.start = Some(Start::At(Micros::ZERO));
        if out.end.is_none() && out.duration.is_none() {
            let length = at_ms(LENGTH_S.max(min_s).min(max_s));
            out.end = Some(if clip.0 > 0 { length.min(clip) } else { length });
        }
        return (
            out,
            vec!["nothing stands out in the clip (no bang, shout, alarm or knock): the reel starts at the clip's start".into()],
        );
    };
    let m = m.clamp(0.0, clip_s.max(0.0));
    // The reel's length: the request's --duration, else about 10 s within the preset's limits.
    let length = match out.duration {
        Some(d) => d.as_secs_f64(),
        None => LENGTH_S.max(min_s).min(max_s),
    };
    // Room after the moment (half a short reel), the rest before it, up to BEFORE_S.
    let after = MIN_AFTER_S.min(length / 2.0);
    let before = BEFORE_S.min(length - after).max(0.0);
    let mut start = (m - before).max(0.0);
    let mut end = (start + length).min(clip_s);
    // Near the clip's end: move the start back so the reel keeps its length.
    if end - start < length {
        start = (end - length)
            .max(0.0)
            .min((m - before.min(MIN_BEFORE_S)).max(0.0));
    }
    if end < m + after {
        end = (m + after).min(clip_s);
    }
    let start_t = at_ms(start);
    out.start = Some(Start::At(start_t));
    if out.end.is_none() && out.duration.is_none() {
        let e = at_ms(end);
        out.end = Some(if clip.0 > 0 { e.min(clip) } else { e });
    }
    if out.went_wrong_at.is_none() {
        let at = Micros::from_secs_f64(m) - start_t;
        let reel_end = match (out.end, out.duration) {
            (Some(e), _) => e - start_t,
            (None, Some(d)) => d,
            (None, None) => Micros::from_secs_f64(end - start),
        };
        // The moment's card, and the lesson after it: never both at once, however late the
        // moment falls (the went-wrong card may start a little before a moment at the very
        // end, to be on screen long enough to read).
        let ((ww_at, ww_until), (ls_at, _), _) = crate::plan::card_times(
            reel_end,
            crate::plan::CardAsk {
                shown: out.went_wrong.is_some(),
                at: Some(at),
                until: out.went_wrong_until,
            },
            crate::plan::CardAsk {
                shown: out.lesson.is_some(),
                at: out.lesson_at,
                until: out.lesson_until,
            },
            true,
        );
        out.went_wrong_at = Some(ww_at);
        if out.went_wrong_until.is_none() {
            out.went_wrong_until = Some(ww_until);
        }
        if out.lesson.is_some() && out.lesson_at.is_none() {
            out.lesson_at = Some(ls_at);
        }
    }
    (out, Vec::new())
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
        assert!(w.is_empty());
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
        assert_eq!(r.end, Some(Micros(10_000_000)));
        assert!(w[0].contains("nothing stands out"));
    }
}

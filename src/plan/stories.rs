//! Stories: a reel longer than the preset's `max_s` (60 s) written as numbered parts
//! (`<stem>.stories.1.mp4`, …) when the preset says `length.split = true`.
//!
//! Where to cut (this module: pure): the sound's level is measured in 50 ms windows over the
//! trimmed range (one audio-only decode, [`crate::analyse::levels`]); each cut goes to the quietest 0.3 s of a search window around the
//! even division point, inside the limits that keep every part at most `max_s` long (and at
//! least the preset's minimum), with a small preference for the even point. A pause in speech
//! is the quietest moment there is, so cuts land between words where the sound has pauses.
//! Each part is then an ordinary clip (its own trim on the input's clock, its own output,
//! plan, resume and result line). The went-wrong card goes on the part that shows the fail
//! (the part holding the card's start), the lesson on the last part
//! ([`crate::batch::stories::split_clips`]).

use std::path::{Path, PathBuf};

/// Length of one level window, seconds.
pub const WINDOW_S: f64 = 0.05;

/// Cut points (seconds from the range's start) splitting `len_s` into parts of at most
/// `max_s` and at least `min_s`, each at the quietest 0.3 s (of `levels`, [`WINDOW_S`]
/// windows) near the even division point. Without levels: the even points.
pub fn choose_cuts(len_s: f64, max_s: f64, min_s: f64, levels: Option<&[f32]>) -> Vec<f64> {
    if len_s <= max_s {
        return Vec::new();
    }
    let n = (len_s / max_s).ceil() as usize;
    let mut cuts = Vec::new();
    let mut prev = 0.0;
    for k in 1..n {
        let parts_left = (n - k + 1) as f64;
        let ideal = prev + (len_s - prev) / parts_left;
        // Limits: this part at most max_s, the remaining parts can still fit (each at most
        // max_s), each at least min_s.
        let lo = (prev + min_s).max(len_s - max_s * (n - k) as f64);
        let hi = (prev + max_s).min(len_s - min_s);
        let (a, b) = ((ideal - 10.0).max(lo), (ideal + 10.0).min(hi));
        let cut = match levels {
            Some(lv) if b > a => quietest(lv, a, b, ideal),
            _ => ideal.clamp(lo, hi),
        };
        cuts.push(cut);
        prev = cut;
    }
    cuts
}

/// The middle of the quietest 0.3 s between `a` and `b` seconds (a small penalty per second
/// away from `ideal` breaks ties towards even parts).
fn quietest(levels: &[f32], a: f64, b: f64, ideal: f64) -> f64 {
    let span = (0.3 / WINDOW_S).round() as usize;
    let i0 = (a / WINDOW_S).ceil() as usize;
    let i1 = ((b / WINDOW_S).floor() as usize).min(levels.len());
    let mut best = (f64::INFINITY, (a + b) / 2.0);
    let mut i = i0;
    while i + span <= i1 {
        let loudest = levels[i..i + span]
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max) as f64;
        let mid = (i as f64 + span as f64 / 2.0) * WINDOW_S;
        let score = loudest + 0.2 * (mid - ideal).abs();
        if score < best.0 {
            best = (score, mid);
        }
        i += 1;
    }
    // On the frame grid is left to the planner; keep it to the millisecond.
    (best.1 * 1000.0).round() / 1000.0
}

/// `<stem>.stories.k.mp4` from `<stem>.stories.mp4`.
pub fn part_output(output: &Path, k: usize) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reel".into());
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mp4".into());
    output.with_file_name(format!("{stem}.{k}.{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_land_in_quiet_gaps_and_respect_the_limit() {
        // 130 s of 3 s bursts and 1 s pauses (windows of 50 ms).
        let lv: Vec<f32> = (0..2600)
            .map(|i| {
                let t = i as f64 * WINDOW_S;
                if t % 4.0 < 3.0 {
                    -12.0
                } else {
                    -80.0
                }
            })
            .collect();
        let cuts = choose_cuts(130.0, 60.0, 1.0, Some(&lv));
        assert_eq!(cuts.len(), 2);
        let mut prev = 0.0;
        for c in cuts.iter().chain([130.0].iter()) {
            assert!(c - prev <= 60.0 && c - prev > 1.0, "{cuts:?}");
            prev = *c;
        }
        for c in &cuts {
            assert!(c % 4.0 > 3.1 && c % 4.0 < 3.9, "cut {c} not in a pause");
        }
        // Without sound: even parts.
        let even = choose_cuts(130.0, 60.0, 1.0, None);
        assert!((even[0] - 43.333).abs() < 0.01 && (even[1] - 86.667).abs() < 0.01);
        assert!(choose_cuts(59.0, 60.0, 1.0, None).is_empty());
    }

    #[test]
    fn part_names_are_numbered() {
        assert_eq!(
            part_output(Path::new("reels/pan.stories.mp4"), 2),
            PathBuf::from("reels/pan.stories.2.mp4")
        );
    }
}

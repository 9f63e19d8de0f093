//! Stories: a reel longer than the preset's `max_s` (60 s) written as numbered parts
//! (`<stem>.stories.1.mp4`, …) when the preset says `length.split = true`.
//!
//! Where to cut: the sound's level is measured in 50 ms windows over the trimmed range (one
//! audio-only decode); each cut goes to the quietest 0.3 s of a search window around the
//! even division point, inside the limits that keep every part at most `max_s` long (and at
//! least the preset's minimum), with a small preference for the even point. A pause in speech
//! is the quietest moment there is, so cuts land between words where the sound has pauses.
//! Each part is then an ordinary clip (its own trim on the input's clock, its own output,
//! plan, resume and result line). The went-wrong card goes on the part that shows the fail
//! (the part holding the card's start), the lesson on the last part.

use crate::batch::Clip;
use crate::media::decode::{Decoded, Flow, RangeDecoder};
use crate::media::resample::AudioTimeline;
use crate::media::RenderError;
use crate::model::source::MediaInfo;
use crate::model::time::Micros;
use std::path::{Path, PathBuf};

/// Length of one level window, seconds.
pub const WINDOW_S: f64 = 0.05;

/// The sound's level (dBFS RMS, both channels) in [`WINDOW_S`] windows from `start` for
/// `len`; None without audio.
pub fn levels(
    info: &MediaInfo,
    start: Micros,
    len: Micros,
) -> Result<Option<Vec<f32>>, RenderError> {
    let Some(a) = &info.audio else {
        return Ok(None);
    };
    let rate = 48_000u32;
    let samples = (len.as_secs_f64() * rate as f64) as i64;
    let mut dec = RangeDecoder::open(&info.path, info.video.index, info.video.x264_build, start)?;
    if !matches!(dec.with_audio(a.index), Ok(true)) {
        return Ok(None);
    }
    if start > Micros::ZERO {
        let _ = dec.seek(Micros::ZERO);
    }
    let win = (WINDOW_S * rate as f64) as usize;
    let mut timeline = AudioTimeline::new(rate, samples);
    let mut sums: Vec<f64> = Vec::new();
    let mut filled = 0usize;
    let mut feed = |timeline: &mut AudioTimeline, sums: &mut Vec<f64>| {
        let [l, r] = &mut timeline.pending;
        for (x, y) in l.iter().zip(r.iter()) {
            if filled.is_multiple_of(win) {
                sums.push(0.0);
            }
            *sums.last_mut().expect("pushed") += (x * x + y * y) as f64 / 2.0;
            filled += 1;
        }
        l.clear();
        r.clear();
    };
    let path = info.path.clone();
    dec.run(None, |item| {
        if let Decoded::Sound(frame, t) = item {
            timeline.push_decoded(&path, frame, t)?;
            feed(&mut timeline, &mut sums);
            if timeline.full() {
                return Ok(Flow::EndAudio);
            }
        }
        Ok(Flow::Continue)
    })?;
    timeline.close(samples);
    feed(&mut timeline, &mut sums);
    Ok(Some(
        sums.iter()
            .map(|s| (10.0 * (s / win as f64).max(1e-12).log10()) as f32)
            .collect(),
    ))
}

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

/// Each clip whose preset splits and whose range is longer than the preset allows, replaced
/// by its parts; others unchanged. A clip that cannot be probed is left as it is (the batch
/// reports its error). Returns the clips renumbered.
pub fn split_clips(clips: Vec<Clip>, probe: &dyn Fn(&Path) -> Option<MediaInfo>) -> Vec<Clip> {
    let mut out = Vec::new();
    for clip in clips {
        if !clip.preset.length.split {
            out.push(clip);
            continue;
        }
        let Some(info) = probe(&clip.input) else {
            out.push(clip);
            continue;
        };
        let r = &clip.request;
        // `--start auto` cuts a short reel around the moment: nothing to split.
        let start = match r.start {
            None => Micros::ZERO,
            Some(crate::model::Start::At(t)) => t,
            Some(crate::model::Start::Auto) => {
                out.push(clip);
                continue;
            }
        };
        let end = match (r.end, r.duration) {
            (Some(e), _) => e,
            (None, Some(d)) => start + d,
            _ => info.duration,
        }
        .min(info.duration);
        let len = end - start;
        // The limit holds for each part as written: with `--replay`, the part that gets the
        // replay keeps room for it (every part is cut to that length, so any may be it).
        let fps = clip.preset.video.fps;
        let replay = r.replay == Some(true);
        let max_s = if replay {
            let max_frames = (clip.preset.length.max_s * fps as f64 + 1e-6).floor() as u64;
            crate::plan::replay::longest_footage(max_frames, fps) as f64 / fps as f64
        } else {
            clip.preset.length.max_s
        };
        if len.as_secs_f64() <= max_s || len.0 <= 0 {
            out.push(clip);
            continue;
        }
        let lv = levels(&info, start, len).ok().flatten();
        // Half a frame of room: the cuts move to the frame grid.
        let cuts = choose_cuts(
            len.as_secs_f64(),
            max_s - 0.5 / fps as f64,
            clip.preset.length.min_s.max(1.0),
            lv.as_deref(),
        );
        let fps = fps as f64;
        // Cuts on the output frame grid, so the parts add up to the whole.
        let mut bounds: Vec<Micros> = vec![Micros::ZERO];
        bounds.extend(
            cuts.iter()
                .map(|c| Micros::from_secs_f64((c * fps).round() / fps)),
        );
        bounds.push(len);
        let n = bounds.len() - 1;
        // The part that shows the fail: the one holding the went-wrong card's start.
        let ww_at = r.went_wrong_at.unwrap_or(Micros::ZERO);
        let ww_part = (0..n)
            .find(|&k| ww_at >= bounds[k] && ww_at < bounds[k + 1])
            .unwrap_or(0);
        for k in 0..n {
            let (a, b) = (bounds[k], bounds[k + 1]);
            let mut req = r.clone();
            req.start = Some(crate::model::Start::At(start + a));
            req.end = Some(start + b);
            req.duration = None;
            if k != ww_part {
                req.went_wrong = None;
            }
            req.went_wrong_at = r.went_wrong_at.map(|t| t - a);
            req.went_wrong_until = r.went_wrong_until.map(|t| (t - a).min(b - a));
            if k + 1 != n {
                req.lesson = None;
            }
            req.lesson_at = r.lesson_at.map(|t| (t - a).max(Micros::ZERO));
            req.lesson_until = r.lesson_until.map(|t| t - a);
            // The replay is of the fail: on the part that shows it.
            if k != ww_part {
                req.replay = None;
            }
            out.push(Clip {
                index: 0,
                input: clip.input.clone(),
                output: part_output(&clip.output, k + 1),
                preset: clip.preset.clone(),
                request: req,
                reads: clip.reads.clone(),
                // One loudness decision for the clip: measured over its whole range.
                loudness_over: Some(crate::plan::Trim { start, end }),
            });
        }
    }
    for (i, c) in out.iter_mut().enumerate() {
        c.index = i;
    }
    out
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

//! A long clip cut into its stories parts before the batch runs: for a preset that splits
//! (`length.split = true`), each clip longer than the preset allows becomes numbered clips
//! (`<stem>.stories.1.mp4`, …) cut at quiet moments ([`crate::plan::stories`] decides where,
//! from the levels [`crate::analyse::levels`] measures).

use super::Clip;
use crate::analyse::levels::levels;
use crate::model::source::MediaInfo;
use crate::model::time::Micros;
use crate::plan::stories::{choose_cuts, part_output};
use std::path::Path;

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

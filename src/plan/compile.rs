//! `failreel compile`'s plan: one reel from several parts ("Fail Friday"). Each part is a
//! complete reel plan of its own (its trim, window, cards, captions, number, replay); this
//! decides how they join: the cold open, the title, the crossfades, the length, the one
//! encode.
//!
//! The reel is a list of segments, each a complete plan the render's pipeline runs:
//! 1. the **cold open** (by default): 1.5 s around the best moment of the strongest part
//!    ([`Hook`]: the highest detected moment, else a went-wrong card), its own sound, no
//!    cards: the compilation starts on the fail;
//! 2. the **title** (only with `--title`): drawn over the first part's opening seconds,
//!    blurred and darkened, silent;
//! 3. the parts.
//!
//! Durations: Σ segments − one transition per segment after the first (each overlaps what
//! precedes it). Picture and sound have exactly the same length.

use crate::config::preset::{CardPosition, CardStyle, Preset};
use crate::model::time::Micros;
use crate::plan::{CompletePlan, CropKey, EncoderPlan, Overlay, PlanError, RenderPlan, Role};
use crate::text::card::TextEngine;
use serde::Serialize;
use std::path::PathBuf;

/// Length of the title card, seconds.
pub const TITLE_S: f64 = 2.5;
/// Length of each transition (crossfade), seconds.
pub const TRANSITION_S: f64 = 0.4;
/// The tallest the title may be, as a fraction of the safe zone's height.
pub const TITLE_MAX_HEIGHT_FRACTION: f32 = 0.6;
/// Length of the cold open, seconds: the moment from a little before it.
pub const COLD_OPEN_S: f64 = 1.5;
/// How much of the cold open comes before the moment, seconds.
pub const COLD_OPEN_LEAD_S: f64 = 0.5;

/// Where a compilation's cold open comes from: the strongest part's best moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hook {
    /// The part (0 = the first).
    pub part: usize,
    /// The moment on that part's footage (0 = its first frame).
    pub moment: Micros,
    /// Why this part and moment: `detected (score 0.82: bang)` or `went-wrong card`.
    pub why: String,
}

/// The cold open as planned.
#[derive(Debug, Clone, Serialize)]
pub struct ColdOpen {
    /// Where it comes from.
    pub hook: Hook,
    /// The part's footage frames shown: `first..first + frames`.
    pub first: u64,
    /// How many.
    pub frames: u64,
    /// It as a reel of its own: the part's window and sound over that range, no cards
    /// (the handle, if any, stays).
    pub plan: CompletePlan,
}

/// A compilation's cover: the part it comes from and that part's plan with its cover.
#[derive(Debug, Clone, Serialize)]
pub struct CompilationCover {
    /// The part (0 = the first).
    pub part: usize,
    /// The part's complete plan, its cover written as the compilation's still.
    pub plan: CompletePlan,
}

/// What a compilation is: its segments' complete plans and how they join.
#[derive(Debug, Clone, Serialize)]
pub struct CompilePlan {
    /// The reel written.
    pub(crate) output: PathBuf,
    /// Preset name.
    pub(crate) preset: String,
    /// Title drawn at the opening (empty: no title card at all).
    pub(crate) title: String,
    /// Title card length in frames (0 without a title).
    pub(crate) title_frames: u64,
    /// Crossfade length in frames.
    pub(crate) transition_frames: u64,
    /// How loudness is made even: per part, to the preset's target.
    pub(crate) loudness: &'static str,
    /// The cold open, when there is one.
    pub(crate) cold_open: Option<ColdOpen>,
    /// Why there is no cold open (asked off, nothing to open on, too long).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cold_open_note: Option<String>,
    /// The title segment: the first part's opening, blurred and darkened, silent, with the
    /// title over it (none without a title).
    pub(crate) title_segment: Option<CompletePlan>,
    /// Each part, complete (its number among its overlays). Its output is the reel's: a
    /// part is never written on its own.
    pub(crate) parts: Vec<CompletePlan>,
    /// The title card's text as drawn (none without a title).
    pub(crate) title_card: Option<crate::plan::Overlay>,
    /// The compilation's cover (`--cover`): the still of the part it opens on (else the
    /// first a went-wrong card marks, else the first), chosen as that part's own cover is,
    /// with the title as its headline (the part's went-wrong text without a title), written
    /// beside the reel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cover: Option<CompilationCover>,
    /// The reel's frames: the segments' − the transitions.
    pub(crate) frames: u64,
    /// Frame rate.
    pub(crate) fps: u32,
    /// The reel's encoder settings (the preset's, with the request's CRF and speed).
    pub(crate) encoder: EncoderPlan,
    /// The key of what was asked: every part's, the title and the output (in the reel's
    /// tag, for resume).
    pub(crate) request: String,
}

impl CompilePlan {
    /// The reel written.
    pub fn output(&self) -> &std::path::Path {
        &self.output
    }

    /// Each part, complete, in reel order.
    pub fn parts(&self) -> &[CompletePlan] {
        &self.parts
    }

    /// The reel's length.
    pub fn duration(&self) -> crate::model::time::Micros {
        crate::model::time::Micros(
            (self.frames as i128 * 1_000_000 / self.fps.max(1) as i128) as i64,
        )
    }

    /// The whole plan as pretty-printed JSON (the `plan` of `compile --dry-run --json`'s plan
    /// event): every decision, for inspection.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The first reel frame of each part (the cold open and the title come before them).
    pub(crate) fn part_starts(&self) -> Vec<u64> {
        let lens: Vec<u64> = self.segments().iter().map(|p| p.reel_frames()).collect();
        let starts = segment_starts(self.transition_frames, &lens);
        starts[starts.len() - self.parts.len()..].to_vec()
    }

    /// Frames the reel has for segments of `lens` frames joined by `transition`-frame
    /// crossfades.
    pub(crate) fn total_frames(transition: u64, lens: &[u64]) -> u64 {
        lens.iter().sum::<u64>() - transition * lens.len().saturating_sub(1) as u64
    }

    /// The segments in reel order: the cold open, the title, the parts.
    pub(crate) fn segments(&self) -> Vec<&RenderPlan> {
        let mut out: Vec<&RenderPlan> = Vec::new();
        if let Some(c) = &self.cold_open {
            out.push(c.plan.plan());
        }
        if let Some(t) = &self.title_segment {
            out.push(t.plan());
        }
        out.extend(self.parts.iter().map(|p| p.plan()));
        out
    }

    /// A short stable hash of the plan (for the reel's tag).
    pub fn hash(&self) -> String {
        crate::plan::fnv_hex(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }
}

/// The title's look: the cards' style, its text 1.6 times the body size.
pub fn title_style(style: &CardStyle) -> CardStyle {
    let mut s = style.clone();
    s.body_size *= 1.6;
    s.min_body_size = s.min_body_size.max(s.body_size * 0.5);
    s
}

/// The footage frames `first..first + frames` of `part` as a reel of their own: the same
/// input, window, colour and sound (the part's loudness gain), no cards, captions, number or
/// replay; the part's handle stays, over the whole excerpt.
pub fn excerpt(part: &RenderPlan, first: u64, frames: u64) -> RenderPlan {
    let mut p = part.clone();
    let frames = frames.min(part.video.frames.saturating_sub(first)).max(1);
    let offset = part.frame_time(first);
    let len = part.frame_time(frames);
    let seg = &mut p.segments[0];
    seg.trim.start = part.trim().start + offset;
    seg.trim.end = seg.trim.start + len;
    p.video.frames = frames;
    // The window path from the excerpt's start.
    let keys = &part.video.crop_path;
    let mut path = vec![CropKey {
        t: Micros::ZERO,
        rect: part.video.window_at(offset),
    }];
    let mut after = false;
    for k in keys.iter().filter(|k| k.t > offset) {
        if after {
            break;
        }
        path.push(CropKey {
            t: k.t - offset,
            rect: k.rect,
        });
        after = k.t >= offset + len;
    }
    // One key when the window holds still (rendered inside the filter graph).
    if path.iter().all(|k| k.rect == path[0].rect) {
        path.truncate(1);
    }
    p.video.crop_path = path;
    if let Some(r) = p.video.reframe.as_mut() {
        r.shots = r
            .shots
            .iter()
            .filter(|s| s.end > offset && s.start < offset + len)
            .map(|s| crate::plan::ShotPlan {
                start: (s.start - offset).max(Micros::ZERO),
                end: (s.end - offset).min(len),
                camera: s.camera,
            })
            .collect();
        r.fixed.clear();
        r.moment = None;
    }
    p.overlays = part
        .overlays
        .iter()
        .filter(|o| o.role == Role::Handle)
        .map(|o| Overlay {
            at: Micros::ZERO,
            until: len,
            ..o.clone()
        })
        .collect();
    p.replay = None;
    p.cover = None;
    p.auto_start = None;
    p.warnings.clear();
    p
}

/// The cold open for `hook`: [`COLD_OPEN_S`] of its part's footage from
/// [`COLD_OPEN_LEAD_S`] before the moment (moved to lie inside the footage).
pub fn cold_open(parts: &[CompletePlan], hook: Hook) -> Option<ColdOpen> {
    let part = parts.get(hook.part)?;
    let fps = part.video.fps.max(1) as f64;
    let frames = ((COLD_OPEN_S * fps).round() as u64).min(part.video.frames);
    let lead = (COLD_OPEN_LEAD_S * fps).round() as i64;
    let at = (hook.moment.as_secs_f64() * fps).round() as i64;
    let first = (at - lead).clamp(0, (part.video.frames - frames) as i64) as u64;
    let plan = excerpt(part, first, frames);
    Some(ColdOpen {
        hook,
        first,
        frames,
        plan: CompletePlan::new(plan),
    })
}

/// The title segment: `title` over the first part's first `frames` frames, blurred and
/// darkened, silent.
fn title_segment(first: &RenderPlan, title: Overlay, frames: u64) -> RenderPlan {
    let mut p = excerpt(first, 0, frames);
    p.video.blur = true;
    p.audio.stream = None;
    p.audio.loudness = None;
    p.audio.normalisation = crate::plan::Normalisation::Off;
    let len = p.frame_time(p.video.frames);
    let mut overlays = vec![Overlay {
        until: len,
        ..title
    }];
    overlays.append(&mut p.overlays);
    p.overlays = overlays;
    p
}

/// Joins complete part plans into a compilation: the cold open from `hook` (None: none),
/// the title over the first part (none without a title), then the parts. Checks every part
/// is longer than two transitions and the whole fits the preset (a usage problem, saying by
/// how much, when it does not; a cold open that alone makes it too long is left out, with a
/// note).
pub fn assemble(
    parts: Vec<CompletePlan>,
    title: &str,
    hook: Option<Hook>,
    cover: Option<Option<Micros>>,
    preset: &Preset,
    output: PathBuf,
    encoder: EncoderPlan,
) -> Result<CompilePlan, CompileProblem> {
    let fps = preset.video.fps;
    let frames_of = |s: f64| (s * fps as f64).round() as u64;
    let transition_frames = frames_of(TRANSITION_S);
    let lens: Vec<u64> = parts.iter().map(|p| p.reel_frames()).collect();
    if let Some((k, _)) = lens
        .iter()
        .enumerate()
        .find(|(_, &n)| n < 2 * transition_frames + 1)
    {
        return Err(CompileProblem::Usage(format!(
            "{}: the part is shorter than two transitions ({:.1} s): give it at least {:.1} s",
            parts[k].input().display(),
            TRANSITION_S * 2.0,
            TRANSITION_S * 2.0 + 0.1
        )));
    }
    let title = title.trim().to_string();
    let first = parts
        .first()
        .ok_or_else(|| CompileProblem::Usage("a compilation needs clips".into()))?;
    let title_frames = if title.is_empty() {
        0
    } else {
        frames_of(TITLE_S).min(first.video.frames)
    };
    let mut cold_open_note = hook.is_none().then(|| {
        "no part has a detected moment or a went-wrong card (or it was turned off): no cold open"
            .to_string()
    });
    let mut cold = hook.and_then(|h| cold_open(&parts, h));
    let segment_lens = |cold: &Option<ColdOpen>| {
        let mut l: Vec<u64> = Vec::new();
        if let Some(c) = cold {
            l.push(c.frames);
        }
        if title_frames > 0 {
            l.push(title_frames);
        }
        l.extend(&lens);
        l
    };
    let secs = |frames: u64| frames as f64 / fps as f64;
    let mut frames = CompilePlan::total_frames(transition_frames, &segment_lens(&cold));
    if cold.is_some() && secs(frames) > preset.length.max_s + 1e-9 {
        let without = CompilePlan::total_frames(transition_frames, &segment_lens(&None));
        if secs(without) <= preset.length.max_s + 1e-9 {
            cold = None;
            frames = without;
            cold_open_note = Some(format!(
                "the cold open would make the compilation longer than {} allows ({:.0} s): it opens without one",
                preset.name, preset.length.max_s
            ));
        }
    }
    if secs(frames) > preset.length.max_s + 1e-9 {
        return Err(CompileProblem::Usage(format!(
            "the compilation would be {:.1} s, {:.1} s longer than {} allows ({:.0} s): shorten the clips (--end/--duration, or `end` in the manifest) or leave some out",
            secs(frames),
            secs(frames) - preset.length.max_s,
            preset.name,
            preset.length.max_s
        )));
    }
    let style = title_style(&preset.cards.drawn_style());
    let title_card = if title.is_empty() {
        None
    } else {
        let rect = TextEngine::new()
            .layout_card(
                "",
                &title,
                &style,
                CardPosition::Center,
                (preset.video.width, preset.video.height),
                preset.safe_zone,
                TITLE_MAX_HEIGHT_FRACTION,
            )
            .map_err(|source| {
                CompileProblem::Plan(PlanError::Card {
                    path: output.display().to_string(),
                    card: "title",
                    source,
                })
            })?;
        let shown = (
            Micros::ZERO,
            Micros((title_frames as i128 * 1_000_000 / fps as i128) as i64),
        );
        Some(Overlay::still(
            Role::Title,
            &title,
            &style,
            CardPosition::Center,
            preset.safe_zone,
            TITLE_MAX_HEIGHT_FRACTION,
            rect,
            shown,
        ))
    };
    let title_segment = title_card
        .clone()
        .map(|t| CompletePlan::new(title_segment(first, t, title_frames)));
    let mut segments: Vec<(usize, u64, u64)> = Vec::new();
    if let Some(c) = &cold {
        segments.push((c.hook.part, c.first, c.frames));
    }
    if title_frames > 0 {
        segments.push((0, 0, title_frames));
    }
    segments.extend(lens.iter().enumerate().map(|(k, &n)| (k, 0, n)));
    let cover = match cover {
        None => None,
        Some(None) => Some(compilation_cover(
            &parts,
            cold.as_ref(),
            &title,
            &output,
            None,
        )),
        Some(Some(at)) => {
            let f = (at.0.max(0) as i128 * fps as i128 / 1_000_000) as u64;
            if f >= frames {
                return Err(CompileProblem::Usage(format!(
                    "--cover-at {at} is past the end of the compilation ({:.3} s): pick a time inside it",
                    secs(frames)
                )));
            }
            let (part, frame) = frame_of_part(&segments, transition_frames, f);
            Some(compilation_cover(
                &parts,
                cold.as_ref(),
                &title,
                &output,
                Some((part, frame)),
            ))
        }
    };
    let keys: Vec<&str> = parts.iter().map(|p| p.request.as_str()).collect();
    let hooked = cold.as_ref().map(|c| (c.hook.part, c.first, c.frames));
    let request = crate::plan::fnv_hex(
        serde_json::to_string(&(
            &keys,
            &title,
            &output,
            &encoder,
            TITLE_S,
            TRANSITION_S,
            hooked,
        ))
        .unwrap_or_default()
        .as_bytes(),
    );
    Ok(CompilePlan {
        output,
        preset: preset.name.clone(),
        title,
        title_frames,
        transition_frames,
        loudness: "per part, to the preset's target",
        cold_open: cold,
        cold_open_note,
        title_segment,
        parts,
        title_card,
        cover,
        frames,
        fps,
        encoder,
        request,
    })
}

/// The compilation's cover: the cover plan of the part the reel opens on (else the first a
/// went-wrong card marks, else the first), written as `output`'s still, headed by the title
/// when there is one.
fn compilation_cover(
    parts: &[CompletePlan],
    cold: Option<&ColdOpen>,
    title: &str,
    output: &std::path::Path,
    at: Option<(usize, u64)>,
) -> CompilationCover {
    let k = at.map(|(k, _)| k).unwrap_or_else(|| {
        cold.map(|c| c.hook.part).unwrap_or_else(|| {
            parts
                .iter()
                .position(|p| p.overlays.iter().any(|o| o.role == Role::WentWrong))
                .unwrap_or(0)
        })
    });
    let mut p = parts[k].plan().clone();
    let kind = crate::plan::CoverKind::Cover;
    let mut c = crate::plan::cover::plan_cover(&p, kind, at.map(|(_, f)| p.frame_time(f)));
    c.path = crate::plan::cover::still_path(output, kind);
    if !title.is_empty() {
        c.headline = crate::plan::cover::headline(&p, title).or(c.headline);
    }
    p.cover = Some(c);
    crate::plan::cover::settle_headline(&mut p);
    CompilationCover {
        part: k,
        plan: CompletePlan::new(p),
    }
}

/// Which part, and which of its reel frames, the compilation shows at its frame `f`:
/// `segments` are (part, first frame of the part's reel, frames) in reel order, each after the
/// first starting `transition` frames before the one before it ends; inside a crossfade, the
/// segment that shows more of the picture (the later one from the crossfade's middle on).
fn frame_of_part(segments: &[(usize, u64, u64)], transition: u64, f: u64) -> (usize, u64) {
    let lens: Vec<u64> = segments.iter().map(|s| s.2).collect();
    let mut found = (segments[0].0, segments[0].1 + f.min(segments[0].2 - 1));
    for (i, (&(part, first, n), start)) in segments
        .iter()
        .zip(segment_starts(transition, &lens))
        .enumerate()
    {
        let takes_over = if i > 0 { start + transition / 2 } else { 0 };
        if f >= takes_over && f < start + n {
            found = (part, first + (f - start).min(n - 1));
        }
    }
    found
}

/// The first reel frame of each of the segments of `lens` frames, each after the first
/// starting `transition` frames before the one before it ends.
fn segment_starts(transition: u64, lens: &[u64]) -> Vec<u64> {
    let mut at = 0u64;
    lens.iter()
        .enumerate()
        .map(|(i, &n)| {
            if i > 0 {
                at = at.saturating_sub(transition);
            }
            let start = at;
            at += n;
            start
        })
        .collect()
}

/// The strongest part's best moment for the cold open: the part whose detected moment
/// scores highest (`--start auto`, or `detected`: the detection pass's moments inside each
/// part's trim, given on each part's footage clock as (moment, score, why)), else the first
/// part a went-wrong card marks. None when nothing marks a moment.
pub fn choose_hook(
    parts: &[CompletePlan],
    detected: &[Option<(Micros, f64, String)>],
) -> Option<Hook> {
    let mut best: Option<(f64, Hook)> = None;
    for (k, p) in parts.iter().enumerate() {
        let auto = p.auto_start.as_ref().and_then(|a| {
            let t = Micros::from_secs_f64(a.moment_s?) - p.trim().start;
            Some((t, a.score.unwrap_or(0.0), a.why.join(", ")))
        });
        let Some((t, score, why)) = auto.or_else(|| detected.get(k).cloned().flatten()) else {
            continue;
        };
        if t < Micros::ZERO || t >= p.frame_time(p.video.frames) {
            continue;
        }
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Hook {
                    part: k,
                    moment: t,
                    why: if why.is_empty() {
                        format!("detected (score {score:.2})")
                    } else {
                        format!("detected (score {score:.2}: {why})")
                    },
                },
            ));
        }
    }
    if let Some((_, h)) = best {
        return Some(h);
    }
    parts.iter().enumerate().find_map(|(k, p)| {
        let card = p.overlays.iter().find(|o| o.role == Role::WentWrong)?;
        Some(Hook {
            part: k,
            moment: card.at,
            why: "went-wrong card".into(),
        })
    })
}

/// Why a compilation cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum CompileProblem {
    /// A usage problem (exit 2): too long, a part too short.
    #[error("{0}")]
    Usage(String),
    /// The title cannot be laid out.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_start_a_crossfade_early_and_a_frame_belongs_to_the_one_showing_more() {
        // A 45-frame cold open from part 2, a 60-frame title over part 1, two 60-frame parts,
        // 12-frame crossfades.
        assert_eq!(segment_starts(12, &[45, 60, 60, 60]), vec![0, 33, 81, 129]);
        assert_eq!(segment_starts(12, &[60]), vec![0]);
        let segments = [(1, 10, 45), (0, 0, 60), (0, 0, 60), (1, 0, 60)];
        // The cold open shows part 2 from its frame 10.
        assert_eq!(frame_of_part(&segments, 12, 5), (1, 15));
        // Into the crossfade to the title: the cold open until its middle, then the title.
        assert_eq!(frame_of_part(&segments, 12, 38), (1, 48));
        assert_eq!(frame_of_part(&segments, 12, 39), (0, 6));
        assert_eq!(frame_of_part(&segments, 12, 105), (0, 24));
        assert_eq!(frame_of_part(&segments, 12, 165), (1, 36));
        assert_eq!(frame_of_part(&segments, 12, 188), (1, 59));
    }
}

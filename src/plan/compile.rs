//! `failreel compile`'s plan: one reel from several parts ("Fail Friday"). Each part is a
//! complete reel plan of its own (its trim, window, cards, captions, number, replay); this
//! decides how they join: the title, the crossfades, the length, the one encode.
//!
//! Durations: title + Σ parts − one transition per part after the first segment (each
//! segment overlaps what precedes it). Picture and sound have exactly the same length.

use crate::config::preset::{CardPosition, CardStyle, Preset};
use crate::plan::{CompletePlan, EncoderPlan, PlanError};
use crate::text::card::TextEngine;
use serde::Serialize;
use std::path::PathBuf;

/// Length of the title card, seconds.
pub const TITLE_S: f64 = 2.5;
/// Length of each transition (crossfade), seconds.
pub const TRANSITION_S: f64 = 0.4;
/// The tallest the title may be, as a fraction of the safe zone's height.
pub const TITLE_MAX_HEIGHT_FRACTION: f32 = 0.6;

/// What a compilation is: its parts' complete plans and how they join.
#[derive(Debug, Clone, Serialize)]
pub struct CompilePlan {
    /// The reel written.
    pub output: PathBuf,
    /// Preset name.
    pub preset: String,
    /// Title drawn on the opening card (empty: the card is plain).
    pub title: String,
    /// Title card length in frames.
    pub title_frames: u64,
    /// Crossfade length in frames.
    pub transition_frames: u64,
    /// How loudness is made even: per part, to the preset's target.
    pub loudness: &'static str,
    /// Each part, complete (its number among its captions). Its output is the reel's: a
    /// part is never written on its own.
    pub parts: Vec<CompletePlan>,
    /// The title card's text as drawn (none without a title).
    pub title_card: Option<crate::plan::Overlay>,
    /// The reel's frames: title + parts − transitions.
    pub frames: u64,
    /// Frame rate.
    pub fps: u32,
    /// The reel's encoder settings (the preset's, with the request's CRF and speed).
    pub encoder: EncoderPlan,
    /// The key of what was asked: every part's, the title and the output (in the reel's
    /// tag, for resume).
    pub request: String,
}

impl CompilePlan {
    /// Frames the reel has for a title of `title` frames and parts of `lens` frames.
    pub fn total_frames(title: u64, transition: u64, lens: &[u64]) -> u64 {
        title + lens.iter().sum::<u64>() - transition * lens.len() as u64
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

/// Joins complete part plans into a compilation: lays out the title, checks every part is
/// longer than two transitions and the whole fits the preset (a usage problem, saying by
/// how much, when it does not).
pub fn assemble(
    parts: Vec<CompletePlan>,
    title: &str,
    preset: &Preset,
    output: PathBuf,
    encoder: EncoderPlan,
) -> Result<CompilePlan, CompileProblem> {
    let fps = preset.video.fps;
    let frames_of = |s: f64| (s * fps as f64).round() as u64;
    let title_frames = frames_of(TITLE_S);
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
    let frames = CompilePlan::total_frames(title_frames, transition_frames, &lens);
    let secs = frames as f64 / fps as f64;
    if secs > preset.length.max_s + 1e-9 {
        return Err(CompileProblem::Usage(format!(
            "the compilation would be {secs:.1} s, {:.1} s longer than {} allows ({:.0} s): shorten the clips (--end/--duration, or `end` in the manifest) or leave some out",
            secs - preset.length.max_s,
            preset.name,
            preset.length.max_s
        )));
    }
    let title = title.trim().to_string();
    let style = title_style(&preset.cards.style);
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
            crate::model::time::Micros::ZERO,
            crate::model::time::Micros((title_frames as i128 * 1_000_000 / fps as i128) as i64),
        );
        Some(crate::plan::Overlay::still(
            crate::plan::Role::Title,
            &title,
            &style,
            CardPosition::Center,
            preset.safe_zone,
            TITLE_MAX_HEIGHT_FRACTION,
            rect,
            shown,
        ))
    };
    let keys: Vec<&str> = parts.iter().map(|p| p.request.as_str()).collect();
    let request = crate::plan::fnv_hex(
        serde_json::to_string(&(&keys, &title, &output, &encoder, TITLE_S, TRANSITION_S))
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
        parts,
        title_card,
        frames,
        fps,
        encoder,
        request,
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

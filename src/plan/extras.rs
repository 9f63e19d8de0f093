//! The parts of a plan that the optional features add: the still beside the reel (`--cover`,
//! a `--report` thumbnail) and the slow-motion replay (`--replay`); their text (captions, the
//! replay's tag, the cover's headline) is [`super::Overlay`]s. Data only, like the rest of the plan: each is decided by its own module
//! ([`crate::plan::captions`], [`crate::plan::cover`], [`crate::plan::replay`]) and executed by `render`.

use crate::model::time::Micros;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Why a subtitle file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaptionError {
    /// Not a regular file, too large, or not text failreel reads.
    #[error(transparent)]
    File(#[from] crate::config::files::SideFileError),
    /// Not `.srt` or `.vtt`.
    #[error("{path}: captions must be a SubRip (.srt) or WebVTT (.vtt) file")]
    Kind {
        /// File.
        path: String,
    },
    /// Malformed at a line.
    #[error("{path}:{line}: {what}")]
    Malformed {
        /// File.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong, in plain words.
        what: String,
    },
}

/// What the still is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverKind {
    /// `--cover`: the reel's size, with the went-wrong text as a headline.
    Cover,
    /// A small picture of the reel for `--report` (when there is no cover): no headline.
    Thumbnail,
}

/// One frame looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverCandidate {
    /// Output frame index.
    pub frame: u64,
    /// Its time on the reel.
    pub t: Micros,
}

/// The decision for a reel's still.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverPlan {
    /// Cover or thumbnail.
    pub kind: CoverKind,
    /// The JPEG written.
    pub path: PathBuf,
    /// Its size in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The moment the candidates are around: the middle of the went-wrong card's time (of
    /// the reel's first half when there is no such card).
    pub moment: Micros,
    /// The frames scored; the sharpest is used.
    pub candidates: Vec<CoverCandidate>,
    /// The headline (covers with a went-wrong text), laid out on the still.
    pub headline: Option<super::Overlay>,
    /// JPEG quality.
    pub quality: u8,
}

/// The replay of a reel: which part of the input, where on the reel, and the tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayPlan {
    /// The moment replayed, on the reel's timeline (0 = the reel's first frame).
    pub moment: Micros,
    /// Where the moment came from: `went_wrong_card`, `auto_start` or `middle`.
    pub moment_from: String,
    /// First instant of the input replayed (the input's clock, like the trim).
    pub source_from: Micros,
    /// Instant after the last one replayed (the input's clock).
    pub source_to: Micros,
    /// Output frame slots of source replayed (each shown [`ReplayPlan::speed`]⁻¹ times):
    /// the reel's frames `first_source_frame..first_source_frame + source_frames` again.
    pub source_frames: u64,
    /// The reel's own frame the replay starts from (its picture at `source_from`).
    pub first_source_frame: u64,
    /// Where the replay starts on the reel: the end of the trimmed footage.
    pub reel_at: Micros,
    /// Its first output frame (the main part's frame count).
    pub first_frame: u64,
    /// The output frames it adds (`source_frames` × 2).
    pub frames: u64,
    /// Playback speed (0.5).
    pub speed: f64,
    /// The sound during the replay: `muted` (silence; the main part's end is faded).
    pub audio: String,
}

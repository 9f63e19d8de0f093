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
    /// The frames scored; the sharpest is used (a face first).
    pub candidates: Vec<CoverCandidate>,
    /// `--cover-at`: the reel time asked for; its frame is then the only candidate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Micros>,
    /// The headline (covers with a went-wrong text), laid out on the still.
    pub headline: Option<super::Overlay>,
    /// JPEG quality.
    pub quality: u8,
}

/// The replay of a reel: which part of the input, where on the reel, how it sounds and how
/// it pushes in.
///
/// The replay is put in right after the range it replays (the fail, then at once the fail
/// again, slowed), and the rest of the footage (the aftermath) follows it: reel frames
/// `first_frame..first_frame + frames` are the replay, the footage's frames from
/// `first_frame` on come `frames` later, and the reel ends with `hold_frames` of its last
/// picture held (only when the aftermath is too short to read the lesson card over).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayPlan {
    /// The moment replayed, on the footage's timeline (0 = the reel's first frame).
    pub moment: Micros,
    /// Where the moment came from: `went_wrong_card`, `auto_start` or `middle`.
    pub moment_from: String,
    /// First instant of the input replayed (the input's clock, like the trim).
    pub source_from: Micros,
    /// Instant after the last one replayed (the input's clock).
    pub source_to: Micros,
    /// Output frame slots of footage replayed: the footage's frames
    /// `first_source_frame..first_source_frame + source_frames` again, each shown
    /// `frames / source_frames` times.
    pub source_frames: u64,
    /// The footage's own frame the replay starts from (its picture at `source_from`).
    pub first_source_frame: u64,
    /// Where the replay starts on the reel: right after the range it replays.
    pub reel_at: Micros,
    /// Its first output frame (`first_source_frame + source_frames`).
    pub first_frame: u64,
    /// The output frames it adds (`source_frames` / `speed`).
    pub frames: u64,
    /// Playback speed (0.5: each frame twice, the sound twice as long).
    pub speed: f64,
    /// The sound during the replay.
    pub sound: ReplaySound,
    /// The push-in: the window's scale at reel times (1 = the footage's window, 0.8 = a
    /// window 20% smaller), eased (smoothstep) between keys; empty: no zoom (a picture
    /// fitted inside the frame, or a filled shot, is never zoomed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zoom: Vec<ZoomKey>,
    /// The point the push-in closes in on, as fractions of the window's width and height
    /// (which are the reel frame's): the smaller window is centred on it as far as it stays
    /// inside the window. Set once the reframe pass has run (`--focus auto`) to the subject
    /// it saw at the replayed moment (see `zoom_on`); 0.5, 0.5 (the window's centre) without.
    pub zoom_centre: [f64; 2],
    /// What `zoom_centre` is on: `people` (the faces the pass saw), `subject` (what the
    /// camera keeps where it saw nobody: what moves against it, else what stands out);
    /// absent: the window's centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom_on: Option<String>,
    /// Frames of the reel's last picture held after the footage, so that a lesson card
    /// after the replay can be read (0: the aftermath is long enough).
    #[serde(default)]
    pub hold_frames: u64,
}

/// What is heard during a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplaySound {
    /// The replayed range's own sound, slowed to the replay's speed with its pitch kept by
    /// libav's `atempo` filter (a time-domain WSOLA: a bang's onset stays as sharp as in the
    /// source; see the README for the comparison with Rubber Band).
    Atempo,
    /// Silence: the clip has no sound.
    Silent,
}

/// The window's scale from a reel time on, towards the next key.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZoomKey {
    /// Reel time.
    pub t: Micros,
    /// The window's width and height relative to the footage's window (1 = unchanged).
    pub scale: f64,
}

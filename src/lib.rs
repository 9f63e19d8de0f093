//! failreel turns raw kitchen phone footage into upload-ready vertical "fail reels": the clip
//! trimmed to the moment, turned and cropped to 9:16, a "what went wrong" card over the fail
//! and a "lesson learned" card at the end, rendered as H.264 + AAC MP4s that TikTok,
//! Instagram Reels and YouTube Shorts take as they are.
//!
//! The command line is one caller of this library; an editor's tool or a GUI can call the
//! same chain, which has one owner:
//!
//! 1. [`probe`] reads what an input is ([`MediaInfo`]);
//! 2. [`plan()`] turns a [`ReelRequest`], the source's facts and a [`Preset`] into a
//!    [`CompletePlan`]: the trim (`start: Some(Start::Auto)` finds the moment with the
//!    detection pass), the crop path (`--focus auto` follows faces), every [`Overlay`] with
//!    its rectangle, the loudness gain, the encoder settings. ([`draft`] and [`complete`] are
//!    its two halves: planning, then the cached measuring passes.)
//! 3. [`render()`] executes a complete plan with libav (temporary file, renamed into place when
//!    complete); [`preview`] draws one frame of it, [`write_cover`] its still.
//!
//! ```no_run
//! use failreel::{Extras, Micros, NoProgress, Preset, ReelRequest, RenderOptions, Start};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let info = failreel::probe("IMG_0412.MOV".as_ref())?;
//! let preset = Preset::built_in("tiktok").expect("a built-in preset");
//! let request = ReelRequest {
//!     start: Some(Start::Auto),
//!     went_wrong: Some("Oil was smoking before the garlic went in".into()),
//!     lesson: Some("Heat the pan on medium, not high".into()),
//!     ..Default::default()
//! };
//! let plan = failreel::plan(&info, &request, &preset, "burnt-garlic.mp4".into(), Extras::default(), 2)?;
//! let cancel = std::sync::atomic::AtomicBool::new(false);
//! let done = failreel::render(&plan, &RenderOptions::default(), &NoProgress, &cancel)?;
//! println!("{} frames in {:.1} s", done.frames, done.render_seconds);
//! # Ok(()) }
//! ```
//!
//! Beyond one reel: [`detect`] finds the moments in a clip; [`plan_compilation`] and
//! [`render_compilation`] make one reel of several clips; [`run_batch`] renders many reels
//! (resume, parallel jobs, Ctrl-C) and tells a [`Sink`] what happens as [`Event`]s, the way
//! the command line shows progress and writes JSON Lines; [`TextEngine`] draws cards.
//!
//! Inside, the folders are the stages of the chain (ARCHITECTURE.md describes every file):
//! `config` (request, manifests, presets), `model` (value types), `plan` (pure decisions),
//! `analyse` (measuring passes), `text` (layout and rasterising), `media` (libav; the only
//! `unsafe` is in `media/ffi.rs`), `render`, `batch`, `report` and `cli`.

mod analyse;
mod batch;
mod chain;
mod cli;
mod config;
mod media;
mod model;
mod plan;
mod render;
mod report;
mod text;

// What is asked: the request, the preset, their values.
pub use config::manifest::{ClipSpec, Manifest, ManifestError};
pub use config::preset::{
    AudioSettings, CardSettings, CardStyle, LengthLimits, Preset, PresetError, SafeZone,
    VideoSettings,
};
pub use config::preset::{LookName, BUILT_IN, LOOKS, LOOK_NAMES};
pub use config::request::ReelRequest;
pub use model::time::{parse_time, Micros};
pub use model::FocusSpan;
pub use model::{
    Animation, CardPosition, Crf, Fill, Focus, FocusKeys, FontWeight, Rect, Rgb, Start, Transfer,
    X264Speed,
};
pub use model::{Handle, TextSize};

// What a file is.
pub use media::input::{probe, ProbeError};
pub use model::source::{AudioInfo, MediaInfo, SourceStamp, VideoInfo};

// The chain: request → complete plan.
pub use chain::{
    complete, draft, plan, plan_compilation, request_key, ChainError, CompileError, Extras,
    PartRequest,
};
// The same, telling a hook how far each measuring pass is (and stopping them on request).
pub use analyse::progress::{NoPassProgress, Pass, PassProgress};
pub use chain::{complete_with, draft_with, plan_compilation_with, plan_with};
pub use config::files::{SideFile, SideFileError};
pub use plan::compile::{ColdOpen, CompilePlan, Hook};
pub use plan::moment::AutoStart;
pub use plan::CaptionError;
pub use plan::{
    Appearance, AudioPlan, Camera, ColorPath, CompletePlan, CoverCandidate, CoverKind, CoverPlan,
    CropKey, EncoderPlan, Fit, FixedSpan, Loudness, LoudnessTarget, Matrix, Normalisation,
    OutputPlan, Overlay, PlanError, Reframe, RenderPlan, ReplayPlan, Role, Segment, ShotPlan, Trim,
    VideoPlan,
};
pub use plan::{Corner, FrameBox, LookPlan, ReplaySound, SubjectSample, ZoomKey};

// Executing plans.
pub use media::OutputCause;
pub use render::compile::render_compilation;
pub use render::output::OutputError;
pub use render::review::{Cell, Review, ReviewCover, ReviewMoment, StripFrame};
pub use render::{
    existing_reel, preview, render, render_group, write_cover, write_png, CoverChoice, CoverReport,
    ExistingReel, NoProgress, Progress, RenderError, RenderOptions, RenderReport,
};

// Finding the moment.
pub use analyse::detect::{detect_cached as detect, Detection, Moment};

// Many reels, and what happens to them.
pub use batch::signals::Stop;
pub use batch::{
    run_batch, BatchOptions, Clip, ClipError, Event, EventProgress, Existing, FakeRenderer, Libav,
    NoSink, Outcome, Recorder, Renderer, Sink, Status, Summary, Tee, WouldDo,
};
pub use batch::{EventPasses, ReelRef};
pub use report::html::{HtmlReport, ReelReader};

// Drawing text.
pub use text::card::{CardError, CardFit, CardImage, CardRect, ShapedGlyph, TextEngine};

// The command line, for the binary.
pub use cli::app::main_with_args;

/// Not part of the API: the internals the crate's own benchmarks and profiling examples
/// measure (the card compositor, the reframe pass's stages). Hidden from the documentation and
/// free to change with any release.
#[doc(hidden)]
pub mod __dev {
    pub use crate::analyse::reframe;
    pub use crate::text::composite::{yuv420_to_rgb709, YuvOverlay};
}

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

pub mod analyse;
pub mod batch;
pub mod chain;
pub mod cli;
pub mod config;
pub mod media;
pub mod model;
pub mod plan;
pub mod render;
pub mod report;
pub mod text;

// What is asked: the request, the preset, their values.
pub use config::preset::{
    AudioSettings, CardSettings, CardStyle, LengthLimits, Preset, PresetError, SafeZone,
    VideoSettings,
};
pub use config::request::ReelRequest;
pub use model::time::{parse_time, Micros};
pub use model::{
    Animation, CardPosition, Crf, Fill, Focus, FocusKeys, FontWeight, Rect, Rgb, Start, Transfer,
    X264Speed,
};

// What a file is.
pub use media::input::{probe, ProbeError};
pub use model::source::{AudioInfo, MediaInfo, SourceStamp, VideoInfo};

// The chain: request → complete plan.
pub use chain::{
    complete, draft, plan, plan_compilation, request_key, ChainError, CompileError, Extras,
    PartRequest,
};
pub use plan::compile::CompilePlan;
pub use plan::moment::AutoStart;
pub use plan::{
    Appearance, AudioPlan, Camera, ColorPath, CompletePlan, CoverCandidate, CoverKind, CoverPlan,
    CropKey, EncoderPlan, Fit, FixedSpan, Loudness, LoudnessTarget, Matrix, Normalisation,
    OutputPlan, Overlay, PlanError, Reframe, RenderPlan, ReplayPlan, Role, Segment, ShotPlan, Trim,
    VideoPlan,
};

// Executing plans.
pub use render::compile::render_compilation;
pub use render::{
    existing_reel, preview, render, render_group, write_cover, write_png, CoverReport,
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
pub use report::html::HtmlReport;

// Drawing text.
pub use text::card::{CardError, CardImage, CardRect, TextEngine};

// The command line, for the binary.
pub use cli::app::main_with_args;

//! Pure, serialisable render plans: what a reel is, decided without touching a frame.
//!
//! [`plan_reel`] turns what the user asked for ([`ReelRequest`]), what the input is
//! ([`MediaInfo`]) and the platform ([`Preset`]) into a [`RenderPlan`]; `render` executes it.

use crate::config::preset::{CardStyle, Preset, SafeZone};
use crate::model::source::{MediaInfo, SourceStamp};
use crate::model::time::Micros;
use crate::model::Transfer;
use crate::text::card::{CardError, CardRect, TextEngine};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use crate::config::request::ReelRequest;
pub use crate::model::{Animation, CardPosition, Focus, Rect};

pub mod captions;
pub mod compile;
pub mod cover;
mod extras;
pub mod fanout;
pub mod moment;
pub mod overlay;
pub mod replay;
pub mod stories;
pub use extras::{
    CaptionError, CoverCandidate, CoverKind, CoverPlan, ReplayPlan, ReplaySound, ZoomKey,
};
pub use overlay::{pop_steps, Corner, Overlay, Role};

/// The trimmed range of the clip, in exact microseconds on the clip's timeline (0 = the
/// first video frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trim {
    /// First instant of the clip shown.
    pub start: Micros,
    /// Instant after the last one shown.
    pub end: Micros,
}

impl Trim {
    /// Length of the reel.
    pub fn duration(&self) -> Micros {
        self.end - self.start
    }
}

/// The YUV matrix of an SDR source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Matrix {
    /// BT.709 (HD).
    Bt709,
    /// BT.601 (SD).
    Bt601,
    /// BT.2020 non-constant luminance.
    Bt2020,
}

/// How colour is converted to the reel's BT.709 limited-range SDR, decided from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "transfer")]
pub enum ColorPath {
    /// SDR: the matrix converted to BT.709, full range to limited.
    Sdr {
        /// The source's matrix.
        matrix: Matrix,
        /// Whether the source is full range.
        full_range: bool,
    },
    /// HLG (BT.2100), tone-mapped with reference white on SDR white.
    Hlg {
        /// Whether the source is full range.
        full_range: bool,
    },
    /// PQ (SMPTE 2084), tone-mapped with reference white (203 nits) on SDR white.
    Pq {
        /// Whether the source is full range.
        full_range: bool,
    },
}

impl ColorPath {
    /// A short name: `sdr`, `hlg` or `pq`.
    pub fn transfer_name(&self) -> &'static str {
        match self {
            ColorPath::Sdr { .. } => "sdr",
            ColorPath::Hlg { .. } => "hlg",
            ColorPath::Pq { .. } => "pq",
        }
    }
}

/// The crop window from reel time `t` on (until the next key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CropKey {
    /// Reel time the window applies from.
    pub t: Micros,
    /// The window in the rotated picture.
    pub rect: Rect,
}

/// The picture side of a reel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoPlan {
    /// Stream index of the source video.
    pub stream: usize,
    /// The x264 build that wrote the stream (the probe's), told to every decoder of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x264_build: Option<u32>,
    /// Clockwise quarter turns applied to the pixels before cropping (0, 90, 180, 270).
    pub rotation: u32,
    /// Source size after rotation, in stored pixels.
    pub rotated_size: (u32, u32),
    /// The crop window in the rotated picture as a path over reel time (keys in time order,
    /// the first at 0; today always one key: a static window).
    pub crop_path: Vec<CropKey>,
    /// For a picture narrower than the output: its width there and the fill beside it.
    pub fit: Option<Fit>,
    /// Output size.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Constant output frame rate.
    pub fps: u32,
    /// Number of frames the reel has.
    pub frames: u64,
    /// Colour conversion.
    pub color: ColorPath,
    /// Interlaced source: deinterlaced (kerndeint, one frame per frame) before anything else.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deinterlace: bool,
    /// `--focus auto`: what the reframe pass decided (None: a fixed window from `--focus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reframe: Option<Reframe>,
    /// The picture blurred and darkened after scaling (a compilation's title over its first
    /// part's opening).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blur: bool,
}

/// `--focus auto`: the reframe pass's decisions ([`crate::analyse::reframe`]). Before the pass
/// has run, `analysed` is false and the crop path holds the centred window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reframe {
    /// Whether the pass has run and `crop_path` follows the subject.
    pub analysed: bool,
    /// The shots found and the camera each got, in time order.
    #[serde(default)]
    pub shots: Vec<ShotPlan>,
    /// How a shot with the camera [`Camera::Fill`] shows the whole picture: fitted to the
    /// output's width, the rest filled (its crop key is the whole rotated picture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill: Option<Fit>,
    /// Why the pass could not decide (the window then stays centred), or what it decided
    /// without (the second face detector's weights are missing or unreadable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The detected moment (`--start auto`) the pass weighed more, on the reel's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moment: Option<Micros>,
    /// The pass sampled the keyframes (a picture of 6 megapixels or more with a keyframe at
    /// least every 2 s), not 5 pictures a second.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keyframes: bool,
    /// The stretches a `--focus` list fixes (e.g. `auto,4s=0.3`): the window there is this
    /// one whatever the pass decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedSpan>,
    /// What the pass saw of the subject, on the reel's frame: one entry per sample where it
    /// saw a person or something standing out (issue 25: a part's number keeps clear of the
    /// faces, the replay pushes in toward the subject).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<SubjectSample>,
}

/// A box on the reel's frame, in output pixels (it may reach past the frame's edges, where
/// a face does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameBox {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge (exclusive).
    pub x1: i32,
    /// Bottom edge (exclusive).
    pub y1: i32,
}

impl FrameBox {
    /// The box grown by `f` of its width and height on every side.
    pub fn grown(&self, f: f64) -> FrameBox {
        let dx = ((self.x1 - self.x0) as f64 * f).round() as i32;
        let dy = ((self.y1 - self.y0) as f64 * f).round() as i32;
        FrameBox {
            x0: self.x0 - dx,
            y0: self.y0 - dy,
            x1: self.x1 + dx,
            y1: self.y1 + dy,
        }
    }

    /// Its centre.
    pub fn centre(&self) -> [f64; 2] {
        [
            (self.x0 + self.x1) as f64 / 2.0,
            (self.y0 + self.y1) as f64 / 2.0,
        ]
    }
}

/// What the reframe pass saw of the subject at one of its samples, on the reel's frame (the
/// window the crop path has then, before a replay's push-in), in output pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectSample {
    /// The footage's time (the reel's clock before a replay is put in).
    pub t: Micros,
    /// The people's faces (the detector's, linked into tracks: interpolated between its
    /// looks and held briefly through a gap), largest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faces: Vec<FrameBox>,
    /// The point the camera keeps: the people's faces' centre, else the centre of what moves
    /// against the camera (else of what stands out in colour and texture) at the frame's
    /// middle height; None where nothing stands out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<[i32; 2]>,
}

/// A stretch of the reel whose window a `--focus` list fixes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FixedSpan {
    /// Reel time it starts.
    pub start: Micros,
    /// Reel time it ends.
    pub end: Micros,
    /// The window.
    pub rect: Rect,
}

/// The window a crop path (keys in time order) gives at reel time `t`; see
/// [`VideoPlan::window_at`]. None for an empty path.
pub fn window_on(keys: &[CropKey], t: Micros) -> Option<Rect> {
    let first = keys.first()?;
    // The last key at or before t (of several at the same time, the last one).
    let i = keys.partition_point(|k| k.t <= t);
    if i == 0 {
        return Some(first.rect);
    }
    let a = keys[i - 1];
    let Some(b) = keys.get(i) else {
        return Some(a.rect);
    };
    if a.rect == b.rect || b.t <= a.t {
        return Some(a.rect);
    }
    let f = (t - a.t).0 as f64 / (b.t - a.t).0 as f64;
    let lerp = |p: u32, q: u32| {
        let v = p as f64 + (q as f64 - p as f64) * f;
        ((v / 2.0).floor().max(0.0) as u32) * 2
    };
    if (a.rect.width, a.rect.height) != (b.rect.width, b.rect.height) {
        // A change of size (a fill shot next to a cropped one) only ever happens at a cut.
        return Some(a.rect);
    }
    Some(Rect {
        x: lerp(a.rect.x, b.rect.x),
        y: lerp(a.rect.y, b.rect.y),
        width: a.rect.width,
        height: a.rect.height,
    })
}

/// The crop path of the pass (`auto`) with the stretches a `--focus` list fixes put in:
/// the fixed window from each stretch's start to its end, the pass's path elsewhere, a jump
/// at each boundary.
pub fn with_fixed(auto: &[CropKey], fixed: &[FixedSpan]) -> Vec<CropKey> {
    if fixed.is_empty() || auto.is_empty() {
        return auto.to_vec();
    }
    let at = |t: Micros| window_on(auto, t).expect("a path of one key at least");
    let mut out: Vec<CropKey> = Vec::new();
    let mut from = Micros::ZERO;
    let auto_part = |out: &mut Vec<CropKey>, a: Micros, b: Option<Micros>| {
        out.push(CropKey { t: a, rect: at(a) });
        out.extend(
            auto.iter()
                .filter(|k| k.t > a && b.is_none_or(|b| k.t < b))
                .copied(),
        );
        if let Some(b) = b {
            out.push(CropKey { t: b, rect: at(b) });
        }
    };
    for f in fixed {
        if f.start > from {
            auto_part(&mut out, from, Some(f.start));
        }
        out.push(CropKey {
            t: f.start,
            rect: f.rect,
        });
        out.push(CropKey {
            t: f.end,
            rect: f.rect,
        });
        from = f.end;
    }
    let end = fixed.last().map_or(Micros::ZERO, |f| f.end);
    if auto.iter().any(|k| k.t > end) || from < end {
        auto_part(&mut out, from, None);
    }
    out
}

/// One shot of the reel and its camera.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShotPlan {
    /// Reel time of its first frame.
    pub start: Micros,
    /// Reel time after its last frame.
    pub end: Micros,
    /// How the window moves in it.
    pub camera: Camera,
}

/// How the window moves in a shot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Camera {
    /// Nothing stands out: the centred window.
    Centre,
    /// A fixed window that keeps the subject inside with a margin.
    Steady,
    /// The window follows the subject (dead zone, eased, speed-capped).
    Track,
    /// What matters is wider than the window: the whole picture, fitted, with the fill.
    Fill,
}

impl VideoPlan {
    /// Whether the window changes over the reel (a path of more than one key): rendered by
    /// cropping each frame before the filter graph instead of inside it.
    pub fn moving(&self) -> bool {
        self.crop_path.len() > 1
            || self
                .reframe
                .as_ref()
                .is_some_and(|r| r.analysed && r.shots.iter().any(|s| s.camera == Camera::Fill))
    }

    /// The fit of a [`Camera::Fill`] shot, when `rect` is the whole picture of such a shot.
    pub fn fill_for(&self, rect: Rect) -> Option<&Fit> {
        let r = self.reframe.as_ref()?;
        let whole = rect.x == 0 && rect.width + 1 >= self.rotated_size.0;
        let any_fill = r.shots.iter().any(|s| s.camera == Camera::Fill);
        r.fill.as_ref().filter(|_| whole && any_fill)
    }

    /// The window at reel time `t`. Between two keys the window moves linearly (x and y
    /// rounded down to even); two keys at the same time are a jump (a cut): the second one
    /// applies from that time on. Before the first key the first applies, after the last the
    /// last.
    pub fn window_at(&self, t: Micros) -> Rect {
        window_on(&self.crop_path, t).unwrap_or_else(|| self.crop())
    }

    /// The crop window at reel time 0 (the whole window today: the path has one key).
    pub fn crop(&self) -> Rect {
        self.crop_path.first().map_or(
            Rect {
                x: 0,
                y: 0,
                width: self.rotated_size.0,
                height: self.rotated_size.1,
            },
            |k| k.rect,
        )
    }
}

/// How a picture that does not fill the output is shown, with square pixels: a narrower one
/// fitted to the height with the sides filled; a wider one that cannot be cropped to the
/// output's shape (a source only a few pixels tall) fitted to the width, above and below
/// filled. Centred either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Width of the picture in the output (even).
    pub width: u32,
    /// Height of the picture in the output (even).
    pub height: u32,
    /// `blur` (a blurred, darkened copy of the picture) or a colour `#RRGGBB`.
    pub fill: crate::model::Fill,
}

/// The tallest a card may be, as a fraction of the safe zone's height.
pub const CARD_MAX_HEIGHT_FRACTION: f32 = 0.45;

/// Encoder settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderPlan {
    /// Video encoder (libx264).
    pub video_codec: String,
    /// H.264 profile.
    pub profile: String,
    /// H.264 level.
    pub level: String,
    /// Constant rate factor.
    pub crf: crate::model::Crf,
    /// x264 speed preset.
    pub preset: crate::model::X264Speed,
    /// Frames between keyframes (closed GOP).
    pub keyframe_interval: u32,
    /// VBV maximum bitrate in kbit/s (0 = none).
    pub max_bitrate_kbps: u32,
    /// Audio encoder (AAC-LC).
    pub audio_codec: String,
    /// Audio sample rate.
    pub sample_rate: u32,
    /// Audio bitrate in kbit/s.
    pub audio_bitrate_kbps: u32,
}

/// The sound side of a reel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioPlan {
    /// Source audio stream, or none for a silent track.
    pub stream: Option<usize>,
    /// Where the source audio starts relative to the first video frame.
    pub source_offset: Micros,
    /// Fade at the reel's start and end so that cuts never click.
    pub edge_fade: Micros,
    /// Loudness normalisation (two-pass EBU R128), or none.
    pub loudness: Option<LoudnessTarget>,
    /// What normalisation does, decided from the loudness pass (`decide_normalisation`).
    pub normalisation: Normalisation,
    /// The range of the input the loudness is measured over when it is not the reel's own
    /// trim: the whole clip a stories part is cut from, so every part gets the same gain
    /// (one decision for the clip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_over: Option<Trim>,
}

/// What the loudness pass measured over the reel's range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Integrated loudness, LUFS.
    pub lufs: f64,
    /// True peak, dBTP.
    pub true_peak_dbtp: f64,
}

/// Loudness measured and the gain applied.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    /// Integrated loudness of the source over the reel, LUFS.
    pub measured_lufs: f64,
    /// True peak of the source over the reel, dBTP.
    pub measured_true_peak_dbtp: f64,
    /// Gain applied, dB (at most `MAX_GAIN_DB`).
    pub gain_db: f64,
    /// The peak limiter's ceiling (sample peaks), dBFS.
    pub ceiling_dbfs: f64,
}

/// What loudness normalisation does to a reel's sound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// Off (no target, or no audio): the sound is left as it is.
    Off,
    /// On, but the loudness pass has not run yet: the gain is measured when the reel is
    /// rendered (a dry run does not decode; the pass's result is cached for the render).
    MeasuredAtRender,
    /// Nothing to measure (silent or undecodable audio): left as it is.
    Unchanged,
    /// A gain and a limiter.
    Gain(Loudness),
}

impl Normalisation {
    /// The gain and ceiling to apply, if any.
    pub fn loudness(&self) -> Option<Loudness> {
        match self {
            Normalisation::Gain(l) => Some(*l),
            _ => None,
        }
    }
}

/// The largest gain normalisation applies: a near-silent track is not worth amplifying its
/// noise.
pub const MAX_GAIN_DB: f64 = 24.0;

/// Decides the gain and limiter for `target` from what the loudness pass `measured`.
pub fn decide_normalisation(target: LoudnessTarget, measured: Option<Measured>) -> Normalisation {
    match measured {
        Some(m) => Normalisation::Gain(Loudness {
            measured_lufs: m.lufs,
            measured_true_peak_dbtp: m.true_peak_dbtp,
            gain_db: (target.lufs - m.lufs).min(MAX_GAIN_DB),
            // The limiter works on sample peaks; half a dB covers inter-sample peaks.
            ceiling_dbfs: target.true_peak_dbtp - 0.5,
        }),
        None => Normalisation::Unchanged,
    }
}

/// Where loudness normalisation aims.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoudnessTarget {
    /// Integrated loudness, LUFS.
    pub lufs: f64,
    /// True-peak ceiling, dBTP.
    pub true_peak_dbtp: f64,
}

/// Everything that decides what one reel is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderPlan {
    /// The footage on the reel, in order: an input and its trim each (today exactly one).
    pub(crate) segments: Vec<Segment>,
    /// The files the reel is written to, each with its preset's settings (today exactly one).
    pub(crate) outputs: Vec<OutputPlan>,
    /// Picture.
    pub(crate) video: VideoPlan,
    /// Sound.
    pub(crate) audio: AudioPlan,
    /// Everything drawn over the picture, in drawing order: the cards, then captions, part
    /// numbers and the replay's tag ([`Overlay`]), each laid out at plan time.
    pub(crate) overlays: Vec<Overlay>,
    /// The look of the cards.
    pub(crate) card_style: CardStyle,
    /// The preset's safe zone the cards stay inside.
    pub(crate) safe_zone: SafeZone,
    /// Things the user should know (reel too short, capped at the maximum…).
    pub(crate) warnings: Vec<String>,
    /// The still written beside the reel (`--cover`, or a `--report` thumbnail). Not part of
    /// the reel's hash: asking for a cover never renders an up-to-date reel again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cover: Option<CoverPlan>,
    /// What `--start auto` found (absent for a manual start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auto_start: Option<crate::plan::moment::AutoStart>,
    /// The slow-motion replay after the trimmed footage (`--replay`); absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) replay: Option<ReplayPlan>,
    /// The key of what was asked ([`crate::chain::request_key`]): carried in the reel's tag,
    /// so resume knows an up-to-date reel without running any pass again.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) request: String,
    /// The side files the reel is made from (its captions file, its preset file, the
    /// manifest that lists it): inputs like the footage, never written over whatever
    /// `--force` says. Not part of the reel's value (nor of its hash).
    #[serde(skip)]
    pub(crate) reads: Vec<PathBuf>,
    /// The look the overlays are drawn in, as asked (`--look`, `--text-size`, `--accent`,
    /// `--handle`, or the preset's): shown by `--dry-run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) look: Option<LookPlan>,
}

/// The look a reel's overlays are drawn in, as chosen (the drawn sizes and colours are in
/// [`RenderPlan::card_style`] and each overlay's style).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookPlan {
    /// The built-in look the style started from (none: a preset's own style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look: Option<String>,
    /// The text size (`S`, `M`, `L` or pixels).
    pub text_size: crate::model::TextSize,
    /// The accent colour (the headings').
    pub accent: crate::model::Rgb,
    /// The handle drawn on every frame, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<crate::model::Handle>,
}

impl LookPlan {
    /// The look of `preset` (with a request's look already over it).
    pub fn of(preset: &Preset) -> LookPlan {
        let c = &preset.cards;
        LookPlan {
            look: c.look.clone(),
            text_size: c.text_size.unwrap_or(crate::model::TextSize::Medium),
            accent: c.drawn_style().heading_color,
            handle: c.handle.clone(),
        }
    }
}

/// A plan whose every decision is made: the measuring passes it needs have run (the
/// `--focus auto` crop path, the loudness gain). Only [`crate::chain::complete`] makes one;
/// render, preview, cover and compile accept nothing else, so what `--dry-run` shows is what
/// is drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct CompletePlan(RenderPlan);

impl CompletePlan {
    /// Wraps a plan the passes have completed.
    pub(crate) fn new(plan: RenderPlan) -> CompletePlan {
        debug_assert!(
            !plan.needs_reframe_pass() && !plan.needs_loudness_pass(),
            "a complete plan has had its passes"
        );
        CompletePlan(plan)
    }

    /// The plan.
    pub fn plan(&self) -> &RenderPlan {
        &self.0
    }

    /// The plan, owned.
    pub fn into_plan(self) -> RenderPlan {
        self.0
    }
}

impl std::ops::Deref for CompletePlan {
    type Target = RenderPlan;
    fn deref(&self) -> &RenderPlan {
        &self.0
    }
}

/// A short stable hash (FNV-1a, 16 hex digits) of `bytes`.
pub fn fnv_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// One piece of footage on the reel: an input and the part of it shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Input file.
    pub input: PathBuf,
    /// The input's size and modification time: a changed input changes the plan's hash.
    pub source: SourceStamp,
    /// Trimmed range of the clip.
    pub trim: Trim,
}

/// One file a reel is written to, with the settings its preset gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputPlan {
    /// Final output file.
    pub path: PathBuf,
    /// Preset name.
    pub preset: String,
    /// Encoders.
    pub encoder: EncoderPlan,
}

/// What a user of the library reads from a plan. The plan's fields are the crate's own; its
/// serde form ([`RenderPlan::to_json`]) shows every decision.
impl RenderPlan {
    /// The reel's length: the trimmed footage, and the replay and its held frame when there
    /// is one.
    pub fn duration(&self) -> Micros {
        self.reel_length()
    }

    /// The reel's picture size in pixels (width, height).
    pub fn size(&self) -> (u32, u32) {
        (self.video.width, self.video.height)
    }

    /// The reel's frame rate (frames per second).
    pub fn fps(&self) -> u32 {
        self.video.fps
    }

    /// Everything drawn over the picture (the cards, captions, part numbers, the replay's
    /// tag, the handle), in drawing order.
    pub fn overlays(&self) -> &[Overlay] {
        &self.overlays
    }

    /// Things the user should know about this reel (too short, capped at the maximum…).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The whole plan as pretty-printed JSON (the `plan` of `--dry-run --json`'s plan event):
    /// every decision, for inspection. A plan read back with serde is a draft:
    /// [`crate::complete`] it again.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl RenderPlan {
    /// The first (today the only) segment. Plans come from `plan_reel`, which always
    /// makes one.
    pub(crate) fn segment(&self) -> &Segment {
        self.segments.first().expect("a plan has a segment")
    }

    /// The first (today the only) output.
    pub(crate) fn output_plan(&self) -> &OutputPlan {
        self.outputs.first().expect("a plan has an output")
    }

    /// The input file (of the first segment).
    pub fn input(&self) -> &Path {
        &self.segment().input
    }

    /// Every file the reel is made from: each segment's footage and the side files
    /// ([`RenderPlan::reads`]). No output may be any of them.
    pub(crate) fn inputs(&self) -> Vec<&Path> {
        self.segments
            .iter()
            .map(|s| s.input.as_path())
            .chain(self.reads.iter().map(PathBuf::as_path))
            .collect()
    }

    /// The input's stamp (of the first segment).
    pub(crate) fn source(&self) -> SourceStamp {
        self.segment().source
    }

    /// The trimmed range (of the first segment).
    pub fn trim(&self) -> Trim {
        self.segment().trim
    }

    /// The output file (the first output).
    pub fn output(&self) -> &Path {
        &self.output_plan().path
    }

    /// The preset's name (of the first output).
    pub fn preset_name(&self) -> &str {
        &self.output_plan().preset
    }

    /// The encoder settings (of the first output).
    pub(crate) fn encoder(&self) -> &EncoderPlan {
        &self.output_plan().encoder
    }

    /// The reel's length in audio samples at the output rate (for `frames` video frames).
    pub(crate) fn audio_samples(&self, frames: u64) -> i64 {
        (frames as i128 * self.encoder().sample_rate as i128 / self.video.fps as i128) as i64
    }

    /// Whether the reframe pass (`--focus auto`) must still run before this plan can be
    /// rendered or previewed.
    pub fn needs_reframe_pass(&self) -> bool {
        self.video.reframe.as_ref().is_some_and(|r| !r.analysed)
    }

    /// Whether the loudness pass must still run before this plan can be rendered.
    pub fn needs_loudness_pass(&self) -> bool {
        self.audio.normalisation == Normalisation::MeasuredAtRender
    }

    /// Reel time of output frame `i`.
    pub(crate) fn frame_time(&self, i: u64) -> Micros {
        Micros((i as i128 * 1_000_000 / self.video.fps as i128) as i64)
    }

    /// A short stable hash of the plan (FNV-1a of its JSON, which includes the input's size
    /// and modification time), for resume and metadata.
    pub fn hash(&self) -> String {
        let json = if self.cover.is_some() {
            let mut reel = self.clone();
            reel.cover = None;
            serde_json::to_string(&reel)
        } else {
            serde_json::to_string(self)
        }
        .unwrap_or_default();
        fnv_hex(json.as_bytes())
    }
}

/// Why a reel cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Start at or past the clip's end.
    #[error("{path}: --start {start} is at or past the end of the clip ({len} long): pick a start inside it")]
    StartPastEnd {
        /// Input.
        path: String,
        /// Requested start.
        start: Micros,
        /// Clip length.
        len: Micros,
    },
    /// End at or before start.
    #[error(
        "{path}: the end ({end}) is not after the start ({start}): check --start/--end/--duration"
    )]
    EndBeforeStart {
        /// Input.
        path: String,
        /// Start.
        start: Micros,
        /// End.
        end: Micros,
    },
    /// A card time that makes no sense.
    #[error("{path}: the {card} card would start at {at} and end at {until}: its start must be before its end and inside the reel ({len} long)")]
    CardTime {
        /// Input.
        path: String,
        /// Which card option.
        card: &'static str,
        /// Start.
        at: Micros,
        /// End.
        until: Micros,
        /// Reel length.
        len: Micros,
    },
    /// The sound goes on long after the picture ends.
    #[error("{path}: the picture ends at {picture} but the sound goes on to {sound}: a reel ends with its picture, so the rest of the sound would be lost; trim with --end {picture} or earlier to keep the part that has a picture, or repair the file")]
    PictureShorterThanSound {
        /// Input.
        path: String,
        /// Where the picture ends.
        picture: Micros,
        /// Where the sound ends.
        sound: Micros,
    },
    /// More audio channels than failreel mixes down.
    #[error("{path}: the audio has {channels} channels; failreel mixes down at most {max} (7.1): give a clip with fewer channels (e.g. `ffmpeg -i IN -ac 2 -c:v copy OUT`)")]
    TooManyChannels {
        /// Input.
        path: String,
        /// Channels in the clip's audio.
        channels: u16,
        /// The most failreel mixes down.
        max: u16,
    },
    /// A card cannot be laid out (the preset's safe zone leaves no room).
    #[error("{path}: cannot place the {card} card: {source}")]
    Card {
        /// Input.
        path: String,
        /// Which card option.
        card: &'static str,
        /// Why.
        #[source]
        source: CardError,
    },
    /// Too few pixels to make a picture of.
    #[error("{path}: the picture is only {width}x{height}: too small to make a reel from (at least {min}x{min})")]
    TooSmall {
        /// Input.
        path: String,
        /// Display width.
        width: u32,
        /// Display height.
        height: u32,
        /// The least of either side.
        min: u32,
    },
    /// The preset is too short for any footage beside a replay.
    #[error("{path}: {preset} allows reels of at most {max_s} s, which leaves no room for the footage beside its 3 s replay: leave out --replay, or use a preset that allows longer reels")]
    NoRoomForReplay {
        /// Input.
        path: String,
        /// The preset's name.
        preset: String,
        /// Its longest reel, seconds.
        max_s: f64,
    },
    /// Less than one frame.
    #[error("{path}: the reel would be shorter than one frame: lengthen the range")]
    TooShort {
        /// Input.
        path: String,
    },
    /// The subtitle file cannot be used.
    #[error(transparent)]
    Captions(#[from] CaptionError),
    /// `--start auto` could not analyse the clip.
    #[error("{path}: --start auto could not analyse the clip ({message}): give --start a time")]
    Detect {
        /// Input.
        path: String,
        /// Why.
        message: String,
    },
}

/// Default output path: `<out_dir>/<input stem>.<preset>.mp4`.
pub fn default_output(input: &Path, out_dir: &Path, preset: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reel".into());
    out_dir.join(format!("{stem}.{preset}.mp4"))
}

/// The most audio channels failreel mixes down to stereo (7.1); libav has no standard layout,
/// and so no downmix, beyond it.
pub const MAX_CHANNELS: u16 = 8;

/// The smallest picture side failreel makes a reel from, in pixels.
pub const MIN_SIDE: u32 = 16;

/// Decides the reel for one input: its stretch of the clip ([`reel_span`]), what of the
/// source it can take ([`check_source`]), its window and fit ([`Framing`]), the cards,
/// the encoder and colour path, and the sound.
pub fn plan_reel(
    info: &MediaInfo,
    req: &ReelRequest,
    preset: &Preset,
    output: PathBuf,
) -> Result<RenderPlan, PlanError> {
    let path = info.path.display().to_string();
    let mut warnings = Vec::new();
    let span = reel_span(info, req, preset, &path, &mut warnings)?;
    check_source(info, &path)?;
    let v = &info.video;
    let framing = Framing::new(info, req, preset, span.reel_len, &mut warnings);
    let deinterlace = v.interlaced.is_some();
    if let Some(order) = &v.interlaced {
        warnings.push(format!(
            "the clip is interlaced ({}): it is deinterlaced (kerndeint)",
            if order.starts_with('t') {
                "top field first"
            } else {
                "bottom field first"
            }
        ));
    }
    let cards = plan_cards(req, preset, span.reel_len, &path, &mut warnings)?;
    if let (Some(a), n) = (&info.audio, info.audio_streams) {
        if n > 1 {
            warnings.push(format!(
                "the clip has {n} audio tracks: using track {} ({} {}); the others are left out",
                a.index, a.layout, a.codec
            ));
        }
    }
    if v.hdr != Transfer::Sdr {
        warnings.push(format!(
            "the clip is HDR ({}): it is tone-mapped to SDR BT.709 (reference white to SDR white)",
            v.hdr.as_str().to_uppercase()
        ));
    }
    let loudness = (info.audio.is_some() && req.normalize.unwrap_or(preset.audio.normalize))
        .then_some(LoudnessTarget {
            lufs: preset.audio.loudness_lufs,
            true_peak_dbtp: preset.audio.true_peak_dbtp,
        });
    Ok(RenderPlan {
        segments: vec![Segment {
            input: info.path.clone(),
            source: info.stamp,
            trim: Trim {
                start: span.start,
                end: span.end,
            },
        }],
        outputs: vec![OutputPlan {
            path: output,
            preset: preset.name.clone(),
            encoder: encoder_plan(req, preset),
        }],
        video: VideoPlan {
            stream: v.index,
            x264_build: v.x264_build,
            rotation: v.rotation,
            rotated_size: framing.rotated,
            crop_path: framing.crop_path(span.reel_len),
            reframe: framing.reframe(),
            fit: framing.fit,
            width: preset.video.width,
            height: preset.video.height,
            fps: preset.video.fps,
            frames: span.frames,
            color: color_path(v),
            deinterlace,
            blur: false,
        },
        audio: AudioPlan {
            stream: info.audio.as_ref().map(|a| a.index),
            source_offset: info
                .audio
                .as_ref()
                .map(|a| a.offset)
                .unwrap_or(Micros::ZERO),
            edge_fade: Micros(20_000),
            loudness,
            normalisation: if loudness.is_some() {
                Normalisation::MeasuredAtRender
            } else {
                Normalisation::Off
            },
            measure_over: None,
        },
        overlays: cards,
        card_style: preset.cards.drawn_style(),
        safe_zone: preset.safe_zone,
        warnings,
        cover: None,
        auto_start: None,
        replay: None,
        request: String::new(),
        reads: Vec::new(),
        look: None,
    })
}

/// The stretch of the clip a reel shows, on the clip's clock and in the reel's frames.
struct ReelSpan {
    start: Micros,
    end: Micros,
    /// The footage's frames (a replay comes after them).
    frames: u64,
    /// The footage's length on the reel, whole frames.
    reel_len: Micros,
}

/// The reel's stretch of the clip: `--start`, `--end` or `--duration` checked against the
/// clip (and a picture much shorter than its sound refused), an end past the clip's end
/// brought back to it, and the footage capped at what the preset allows with the replay
/// that follows it. Each adjustment is said in `warnings`, and so is a reel shorter than the
/// preset asks.
fn reel_span(
    info: &MediaInfo,
    req: &ReelRequest,
    preset: &Preset,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<ReelSpan, PlanError> {
    let path = path.to_string();
    let clip_len = info.duration;
    let start = req
        .start
        .and_then(crate::model::Start::at)
        .unwrap_or(Micros::ZERO);
    if clip_len.0 > 0 && start >= clip_len {
        return Err(PlanError::StartPastEnd {
            path,
            start,
            len: clip_len,
        });
    }
    let requested_end = match (req.end, req.duration) {
        (Some(e), _) => Some(e),
        (None, Some(d)) => Some(start + d),
        (None, None) => None,
    };
    if let Some(e) = requested_end {
        if e <= start {
            return Err(PlanError::EndBeforeStart {
                path,
                start,
                end: e,
            });
        }
    }
    // Picture and sound end together: a reel that runs to the end of a picture much
    // shorter than its sound would silently lose the rest of the sound.
    if let Some(sound_end) = info
        .audio
        .as_ref()
        .and_then(|a| a.duration.map(|d| a.offset + d))
    {
        let runs_to_picture_end = requested_end.is_none_or(|e| e > clip_len);
        if clip_len.0 > 0 && runs_to_picture_end && sound_end - clip_len > Micros(1_000_000) {
            return Err(PlanError::PictureShorterThanSound {
                path,
                picture: clip_len,
                sound: sound_end,
            });
        }
    }
    let mut end = requested_end.unwrap_or(clip_len);
    if clip_len.0 > 0 && end > clip_len {
        // Said only of an end the user asked for, by the flag that asked for it.
        match (req.end, req.duration) {
            (Some(e), _) => warnings.push(format!(
                "--end {e} is past the end of the clip: the reel ends with the clip at {clip_len}"
            )),
            (None, Some(d)) => warnings.push(format!(
                "--duration {d} from the start {start} runs past the end of the clip: the reel ends with the clip at {clip_len}"
            )),
            (None, None) => {}
        }
        end = clip_len;
    }
    let fps = preset.video.fps;
    let frames_of = |len: Micros| ((len.0 as i128 * fps as i128 + 500_000) / 1_000_000) as u64;
    let time_of = |frames: u64| Micros((frames as i128 * 1_000_000 / fps as i128) as i64);
    // The preset's limit holds for the whole reel: with `--replay`, the footage and the
    // replay that follows it.
    let replay = req.replay == Some(true);
    let max_frames = ((preset.length.max_s * fps as f64) + 1e-6).floor() as u64;
    let footage_max = if replay {
        crate::plan::replay::longest_footage(max_frames, fps)
    } else {
        max_frames
    };
    if footage_max == 0 {
        return Err(PlanError::NoRoomForReplay {
            path,
            preset: preset.name.clone(),
            max_s: preset.length.max_s,
        });
    }
    if frames_of(end - start) > footage_max {
        let asked = frames_of(end - start);
        let capped = time_of(footage_max);
        warnings.push(if replay {
            format!(
                "the reel would be {:.1} s with its {:.1} s replay, longer than {} allows ({:.1} s): the footage is capped at {:.1} s (set --end or --duration to choose the part)",
                time_of(asked + crate::plan::replay::replay_frames(asked, fps)).as_secs_f64(),
                time_of(crate::plan::replay::replay_frames(asked, fps)).as_secs_f64(),
                preset.name,
                preset.length.max_s,
                capped.as_secs_f64()
            )
        } else {
            format!(
                "the reel would be {:.1} s, longer than {} allows ({:.0} s): capped at {:.0} s (set --end or --duration to choose the part)",
                (end - start).as_secs_f64(),
                preset.name,
                preset.length.max_s,
                preset.length.max_s
            )
        });
        end = start + capped;
    }
    let frames = frames_of(end - start).min(footage_max);
    if frames == 0 {
        return Err(PlanError::TooShort { path });
    }
    let reel_len = time_of(frames);
    // The reel's real length: with its replay.
    let whole = if replay {
        time_of(frames + crate::plan::replay::replay_frames(frames, fps))
    } else {
        reel_len
    };
    if whole.as_secs_f64() < preset.length.min_s {
        warnings.push(format!(
            "the reel is {:.2} s{}, shorter than the {:.0} s {} needs: the upload may be refused",
            whole.as_secs_f64(),
            if replay { " with its replay" } else { "" },
            preset.length.min_s,
            preset.name
        ));
    }
    Ok(ReelSpan {
        start,
        end,
        frames,
        reel_len,
    })
}

/// What of the source a reel cannot be made from: more channels than failreel mixes down,
/// or a picture under [`MIN_SIDE`].
fn check_source(info: &MediaInfo, path: &str) -> Result<(), PlanError> {
    if let Some(a) = info.audio.as_ref().filter(|a| a.channels > MAX_CHANNELS) {
        return Err(PlanError::TooManyChannels {
            path: path.to_string(),
            channels: a.channels,
            max: MAX_CHANNELS,
        });
    }
    let v = &info.video;
    if v.display_width < MIN_SIDE || v.display_height < MIN_SIDE {
        return Err(PlanError::TooSmall {
            path: path.to_string(),
            width: v.display_width,
            height: v.display_height,
            min: MIN_SIDE,
        });
    }
    Ok(())
}

/// Where the reel's window sits in the upright picture before any pass: the `--focus`
/// spans on the reel's clock, the window of the first, and the fit with a fill beside it
/// when the picture (or the window) cannot take the output's shape.
struct Framing {
    /// The picture's size once turned upright.
    rotated: (u32, u32),
    /// The pixel aspect on the upright picture.
    sar: f64,
    out: (u32, u32),
    fill: crate::model::Fill,
    spans: Vec<crate::model::FocusSpan>,
    /// The first span's window.
    crop: Rect,
    display_aspect: f64,
    fit: Option<Fit>,
}

impl Framing {
    /// The framing of `info`'s picture for `preset`, saying in `warnings` what a fitted
    /// picture cannot do with a `--focus` list and a picture enlarged so much it looks soft.
    fn new(
        info: &MediaInfo,
        req: &ReelRequest,
        preset: &Preset,
        reel_len: Micros,
        warnings: &mut Vec<String>,
    ) -> Framing {
        let v = &info.video;
        let rotated = if v.rotation % 180 == 90 {
            (v.height, v.width)
        } else {
            (v.width, v.height)
        };
        // After a quarter turn the pixel aspect applies to the other axis.
        let sar = if v.rotation % 180 == 90 {
            v.sar.1 as f64 / v.sar.0 as f64
        } else {
            v.sar.0 as f64 / v.sar.1 as f64
        };
        // `--focus auto` (the default, for a picture wider than the output) starts from the
        // centred window; the reframe pass then makes it a path.
        // A `--focus` list (`0.3,2.5s=0.7,6s=auto`) is a span per key on the reel's clock.
        let preset_focus = preset.video.focus.unwrap_or(DEFAULT_FOCUS);
        let spans = req
            .focus
            .clone()
            .unwrap_or_else(|| preset_focus.into())
            .spans(preset_focus, reel_len);
        let out = (preset.video.width, preset.video.height);
        let mut f = Framing {
            rotated,
            sar,
            out,
            fill: preset.video.fill,
            crop: Rect::default(),
            display_aspect: rotated.0 as f64 * sar / rotated.1 as f64,
            fit: None,
            spans,
        };
        f.crop = f.window(f.spans[0].focus);
        let crop_aspect = f.crop.width as f64 * sar / f.crop.height.max(1) as f64;
        // A picture narrower than the output is fitted with a fill beside it; so is a window
        // that cannot take the output's shape (a picture only a few pixels wide or tall):
        // square pixels always, never stretched.
        f.fit = fit_width(f.display_aspect, out)
            .or_else(|| fit_width(crop_aspect, out))
            .map(|width| Fit {
                width,
                height: out.1,
                fill: preset.video.fill,
            });
        // A fitted picture keeps one window for the whole reel (below): a `--focus` list
        // asks for more, so say that its later keys are not used rather than drop them
        // silently.
        if f.spans.len() > 1 && f.fit.is_some() {
            warnings.push(format!(
                "the {}x{} picture is fitted to the reel's height with a fill beside it, so its 9:16 window cannot move: only the first --focus key ({}) is used",
                v.display_width,
                v.display_height,
                match f.spans[0].focus {
                    Focus::Auto => "auto, centred".to_string(),
                    Focus::At(x) => format!("{x}"),
                }
            ));
        }
        let enlarge = preset.video.height as f64 / f.crop.height as f64;
        if enlarge > 3.0 {
            warnings.push(format!(
                "the picture is {}x{}: it is enlarged {:.1}x to fill {}x{} and will look soft",
                v.display_width, v.display_height, enlarge, preset.video.width, preset.video.height
            ));
        }
        f
    }

    /// The window at focus `f` (an auto focus centred until the pass).
    fn window(&self, f: Focus) -> Rect {
        crop_window(
            self.rotated,
            self.sar,
            self.out,
            f.position().unwrap_or(0.5),
        )
    }

    /// The reframe pass to run: only for an auto focus whose window has room to move (a
    /// narrow or 9:16 picture is unaffected), with the fill a wide shot takes (the whole
    /// picture fitted to the output's width) and a list's fixed spans.
    fn reframe(&self) -> Option<Reframe> {
        let any_auto = self.spans.iter().any(|s| s.focus.is_auto());
        if !any_auto || self.fit.is_some() || self.crop.width + 2 >= self.rotated.0 {
            return None;
        }
        let (w, h) = self.out;
        let height = (((w as f64 / self.display_aspect) / 2.0).round() as u32 * 2).clamp(2, h);
        Some(Reframe {
            analysed: false,
            shots: Vec::new(),
            fill: Some(Fit {
                width: w,
                height,
                fill: self.fill,
            }),
            note: None,
            moment: None,
            keyframes: false,
            subjects: Vec::new(),
            fixed: if self.spans.len() > 1 {
                self.spans
                    .iter()
                    .filter(|s| !s.focus.is_auto())
                    .map(|s| FixedSpan {
                        start: s.start,
                        end: s.end,
                        rect: self.window(s.focus),
                    })
                    .collect()
            } else {
                Vec::new()
            },
        })
    }

    /// The path before any pass: one key for one focus (rendered inside the filter graph,
    /// as always); a list's spans each at its window (auto ones centred until the pass),
    /// jumping at each key's time.
    fn crop_path(&self, reel_len: Micros) -> Vec<CropKey> {
        if self.spans.len() > 1 && self.fit.is_none() {
            let mut keys = Vec::new();
            for s in &self.spans {
                let rect = self.window(s.focus);
                keys.push(CropKey { t: s.start, rect });
                if s.end < reel_len {
                    keys.push(CropKey { t: s.end, rect });
                }
            }
            keys
        } else {
            vec![CropKey {
                t: Micros::ZERO,
                rect: self.crop,
            }]
        }
    }
}

/// The encoder settings: x264 High at the preset's CRF and speed (the request's when it
/// gives them), a keyframe every GOP, AAC.
fn encoder_plan(req: &ReelRequest, preset: &Preset) -> EncoderPlan {
    EncoderPlan {
        video_codec: "libx264".into(),
        profile: "high".into(),
        level: if preset.video.fps > 30 {
            "4.2".into()
        } else {
            "4.1".into()
        },
        crf: req.crf.unwrap_or(preset.video.crf),
        preset: req.encoder_preset.unwrap_or(preset.video.x264_preset),
        keyframe_interval: preset.gop_frames(),
        max_bitrate_kbps: preset.video.max_bitrate_kbps,
        audio_codec: "aac".into(),
        sample_rate: preset.audio.sample_rate,
        audio_bitrate_kbps: preset.audio.bitrate_kbps,
    }
}

/// The colour conversion from the source: HLG and PQ tone-mapped, SDR from its matrix
/// (unspecified: BT.709 for HD and larger, BT.601 below).
fn color_path(v: &crate::model::source::VideoInfo) -> ColorPath {
    let full_range = v.full_range;
    match v.hdr {
        Transfer::Hlg => ColorPath::Hlg { full_range },
        Transfer::Pq => ColorPath::Pq { full_range },
        Transfer::Sdr => ColorPath::Sdr {
            matrix: match v.color_space.as_str() {
                "bt709" => Matrix::Bt709,
                "bt601" => Matrix::Bt601,
                "bt2020" => Matrix::Bt2020,
                _ if v.height.min(v.width) >= 720 => Matrix::Bt709,
                _ => Matrix::Bt601,
            },
            full_range,
        },
    }
}

/// The focus of a request (and preset) that names none: `auto` (issue 14). Only a picture
/// wider than the output is reframed.
pub const DEFAULT_FOCUS: Focus = Focus::Auto;

/// The largest window of the output's aspect inside a `size` picture whose pixels are `sar`
/// wide, placed at `focus` horizontally (centred vertically when the picture is narrower).
/// Every value is even, as 4:2:0 needs.
pub fn crop_window(size: (u32, u32), sar: f64, out: (u32, u32), focus: f64) -> Rect {
    let (w, h) = (size.0 as f64, size.1 as f64);
    let target = out.0 as f64 / out.1 as f64;
    let display_aspect = w * sar / h;
    let even = |x: f64| ((x / 2.0).floor() as u32) * 2;
    if (display_aspect - target).abs() / target < 0.01 {
        // Already the right shape: scale, don't crop.
        return Rect {
            x: 0,
            y: 0,
            width: even(w),
            height: even(h),
        };
    }
    if display_aspect > target {
        // The even width nearest the exact one (320x180: 101.25 -> 102, not 100), as long as
        // it stays within the 1% a window may miss the reel's shape by and still fill it; a
        // window narrower than that would be fitted with a band of fill beside it and could
        // not move. Only pictures a few dozen pixels tall miss it both ways.
        let exact = even(h) as f64 * target / sar;
        let below = even(exact).max(2);
        let above = below + 2;
        let cw = if above <= even(w)
            && above as f64 <= exact * 1.01
            && above as f64 - exact < exact - below as f64
        {
            above
        } else {
            below
        }
        .min(even(w));
        let room = even(w) - cw;
        let x = even((room as f64 * focus.clamp(0.0, 1.0)).round());
        Rect {
            x: x.min(room),
            y: 0,
            width: cw,
            height: even(h),
        }
    } else {
        // Narrower than the output: nothing is cropped; the picture is fitted and the sides
        // filled (see [`Fit`]).
        Rect {
            x: 0,
            y: 0,
            width: even(w),
            height: even(h),
        }
    }
}

/// Width of a picture of display aspect `aspect` fitted to the output's height, when it is
/// narrower than the output (by more than 1%); None when it fills the width.
pub fn fit_width(aspect: f64, out: (u32, u32)) -> Option<u32> {
    let target = out.0 as f64 / out.1 as f64;
    if aspect >= target * 0.99 {
        return None;
    }
    Some((((out.1 as f64 * aspect) / 2.0).round() as u32 * 2).clamp(2, out.0))
}

/// The least time a card is on screen for its text to be read.
pub const MIN_CARD: Micros = Micros(1_000_000);

/// How long a went-wrong card given only its start lasts (at least to half the reel).
pub const WENT_WRONG_FOR: Micros = Micros(3_000_000);

/// When each card is on screen, as asked: the times the request gives, the rest filled in.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CardAsk {
    /// Whether the reel has the card at all.
    pub shown: bool,
    /// Its start, when given.
    pub at: Option<Micros>,
    /// Its end, when given.
    pub until: Option<Micros>,
}

/// The went-wrong and lesson cards' times on a reel of `len`: `(at, until)` each, and what
/// the user should know.
///
/// Defaults: the went-wrong card from 0 to half the reel, or from its given start for
/// [`WENT_WRONG_FOR`] (at least to half the reel: the end follows the start); the lesson from
/// two thirds to the end, or ending where asked (the start precedes it). Times the request
/// leaves open never put both cards on screen at once: the went-wrong card ends where the
/// lesson starts (the boundary shared so that each keeps [`MIN_CARD`] when it can). A
/// went-wrong card that would last under [`MIN_CARD`] starts earlier when `movable` (its
/// start is `--start auto`'s moment, not the user's), and is warned about otherwise.
pub fn card_times(
    len: Micros,
    went_wrong: CardAsk,
    lesson: CardAsk,
    movable: bool,
) -> ((Micros, Micros), (Micros, Micros), Vec<String>) {
    let mut warnings = Vec::new();
    let half = Micros(len.0 / 2);
    let mut a1 = went_wrong.at.unwrap_or(Micros::ZERO);
    let mut u1 = match (went_wrong.until, went_wrong.at) {
        (Some(u), _) => u,
        (None, Some(a)) => (a + WENT_WRONG_FOR).max(half),
        (None, None) => half,
    }
    .min(len);
    let u2 = lesson.until.unwrap_or(len).min(len);
    let two_thirds = Micros(len.0 * 2 / 3);
    let mut a2 = match lesson.at {
        Some(a) => a,
        None if lesson.until.is_some() && u2 <= two_thirds => {
            (u2 - WENT_WRONG_FOR).max(Micros::ZERO)
        }
        None => two_thirds,
    };
    let both = went_wrong.shown && lesson.shown;
    if both && a1 < u2 && a2 < u1 {
        match (went_wrong.until.is_none(), lesson.at.is_none()) {
            (true, true) => {
                // One boundary: the went-wrong card up to [`WENT_WRONG_FOR`] or half of
                // what is left, never before the lesson's usual start.
                if movable && u2 - a1 < MIN_CARD + MIN_CARD {
                    a1 = (u2 - MIN_CARD - MIN_CARD).max(Micros::ZERO);
                }
                let mid = a1 + Micros((u2 - a1).0 / 2);
                let mut b = a2.max(mid.min(a1 + WENT_WRONG_FOR));
                if a1 + MIN_CARD <= u2 - MIN_CARD {
                    b = b.clamp(a1 + MIN_CARD, u2 - MIN_CARD);
                } else {
                    b = mid;
                }
                u1 = b;
                a2 = b;
            }
            // The went-wrong card ends where the given lesson starts, when that leaves it on
            // screen (else its short life is warned about below, or both are).
            (true, false) if a2 > a1 => u1 = a2,
            // The lesson starts where the given went-wrong card ends, when there is room.
            (false, true) if u2 - u1 >= MIN_CARD => a2 = u1,
            // Both times given: as asked.
            (false, false) => {}
            _ => warnings.push(format!(
                "the went-wrong card ({a1} to {u1}) and the lesson card ({a2} to {u2}) are on screen together: give them times that do not overlap (--went-wrong-until, --lesson-at)"
            )),
        }
    }
    if went_wrong.shown && u1 - a1 < MIN_CARD && u1 > a1 {
        if movable {
            a1 = (u1 - MIN_CARD).max(Micros::ZERO);
        }
        if u1 - a1 < MIN_CARD {
            warnings.push(format!(
                "the went-wrong card is on screen for only {:.1} s ({} to {}): too short to read; start it earlier (--went-wrong-at) or end it later (--went-wrong-until)",
                (u1 - a1).as_secs_f64(),
                a1,
                u1
            ));
        }
    }
    if lesson.shown && u2 - a2 < MIN_CARD && u2 > a2 {
        warnings.push(format!(
            "the lesson card is on screen for only {:.1} s ({} to {}): too short to read; start it earlier (--lesson-at)",
            (u2 - a2).as_secs_f64(),
            a2,
            u2
        ));
    }
    ((a1, u1), (a2, u2), warnings)
}

fn plan_cards(
    req: &ReelRequest,
    preset: &Preset,
    len: Micros,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<Overlay>, PlanError> {
    let fade = Micros::from_secs_f64(preset.cards.animation_s.min(0.5));
    let mut cards = Vec::new();
    let ((ww_at, ww_until), (ls_at, ls_until), said) = card_times(
        len,
        CardAsk {
            shown: req.went_wrong.is_some(),
            at: req.went_wrong_at,
            until: req.went_wrong_until,
        },
        CardAsk {
            shown: req.lesson.is_some(),
            at: req.lesson_at,
            until: req.lesson_until,
        },
        false,
    );
    warnings.extend(said);
    let specs = [
        (
            Role::WentWrong,
            &req.went_wrong,
            ww_at,
            ww_until,
            &preset.cards.went_wrong_heading,
            preset.cards.went_wrong_position,
            "went-wrong",
        ),
        (
            Role::Lesson,
            &req.lesson,
            ls_at,
            ls_until,
            &preset.cards.lesson_heading,
            preset.cards.lesson_position,
            "lesson",
        ),
    ];
    for (kind, text, at, until, heading, position, name) in specs {
        let Some(text) = text else { continue };
        if at >= until || at.0 < 0 {
            return Err(PlanError::CardTime {
                path: path.to_string(),
                card: name,
                at,
                until,
                len,
            });
        }
        let room = Micros((until - at).0 / 2);
        let animation = preset.cards.animation;
        let (rect, fit) =
            layout_card(heading, text, preset, position).map_err(|source| PlanError::Card {
                path: path.to_string(),
                card: name,
                source,
            })?;
        let style = &preset.cards.drawn_style();
        if fit.cut {
            warnings.push(format!(
                "the {name} card's text is too long for the safe zone: it is cut with \"…\" even at the smallest size ({:.0} px); shorten it",
                style.min_body_size
            ));
        }
        cards.push(Overlay {
            rect,
            role: kind,
            style: style.clone(),
            zone: preset.safe_zone,
            animation,
            heading: heading.clone(),
            text: text.clone(),
            at,
            until,
            in_length: if at == Micros::ZERO {
                Micros::ZERO
            } else {
                fade.min(room)
            },
            out_length: if until >= len {
                Micros::ZERO
            } else {
                fade.min(room)
            },
            position,
            max_height_fraction: CARD_MAX_HEIGHT_FRACTION,
            pop_steps: if animation == Animation::Pop {
                pop_steps()
            } else {
                Vec::new()
            },
            opacity: 1.0,
        });
    }
    Ok(cards)
}

/// Lays a card out in the preset's output frame and safe zone: where it goes, at full size.
fn layout_card(
    heading: &str,
    text: &str,
    preset: &Preset,
    position: CardPosition,
) -> Result<(CardRect, crate::text::card::CardFit), CardError> {
    thread_local! {
        // One engine per thread: shaping state and glyph caches are reused across plans.
        static ENGINE: std::cell::RefCell<Option<TextEngine>> = const { std::cell::RefCell::new(None) };
    }
    ENGINE.with(|e| {
        let mut e = e.borrow_mut();
        e.get_or_insert_with(TextEngine::new).layout_card_fit(
            heading,
            text,
            &preset.cards.drawn_style(),
            position,
            (preset.video.width, preset.video.height),
            preset.safe_zone,
            CARD_MAX_HEIGHT_FRACTION,
        )
    })
}

/// Marks `plan`'s reframe pass as run, with `face` (frame pixels) seen in each of 25 samples
/// 0.2 s apart (none when `None`): the state the passes leave for the overlays that keep
/// off faces. Tests only.
#[cfg(test)]
pub(crate) fn with_face_samples(plan: &mut RenderPlan, face: Option<FrameBox>) {
    let r = plan
        .video
        .reframe
        .as_mut()
        .expect("landscape: --focus auto");
    r.analysed = true;
    r.subjects = (0..25)
        .map(|k| SubjectSample {
            t: Micros(k * 200_000),
            faces: face.into_iter().collect(),
            focus: face.map(|f| [(f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2]),
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::overlay::Appearance;
    use super::*;

    /// The shared test clip, its sound starting 2.4 s after the picture (a phone's late track).
    fn info(w: u32, h: u32, rotation: u32, secs: f64) -> MediaInfo {
        let mut i = MediaInfo::for_tests(w, h, rotation, secs, true);
        if let Some(a) = i.audio.as_mut() {
            a.offset = Micros(2_400_000);
        }
        i
    }

    fn tiktok() -> Preset {
        Preset::built_in("tiktok").unwrap()
    }

    fn plan(i: &MediaInfo, r: &ReelRequest) -> Result<RenderPlan, PlanError> {
        plan_reel(i, r, &tiktok(), "out.mp4".into())
    }

    #[test]
    fn crop_of_landscape_is_centred_9_16() {
        let r = crop_window((1920, 1080), 1.0, (1080, 1920), 0.5);
        assert_eq!(
            r,
            Rect {
                x: 656,
                y: 0,
                width: 608,
                height: 1080
            }
        );
        let l = crop_window((1920, 1080), 1.0, (1080, 1920), 0.0);
        assert_eq!(l.x, 0);
        let rr = crop_window((1920, 1080), 1.0, (1080, 1920), 1.0);
        assert_eq!(rr.x + rr.width, 1920);
    }

    #[test]
    fn crop_is_even_and_inside_for_odd_sizes() {
        for (w, h) in [
            (641, 359),
            (1279, 719),
            (3840, 2160),
            (720, 1280),
            (500, 1200),
        ] {
            for f in [0.0, 0.3, 0.5, 1.0] {
                let r = crop_window((w, h), 1.0, (1080, 1920), f);
                assert!([r.x, r.y, r.width, r.height]
                    .iter()
                    .all(|v| v.is_multiple_of(2)));
                assert!(r.x + r.width <= w && r.y + r.height <= h, "{w}x{h} {r:?}");
                let aspect = r.width as f64 / r.height as f64;
                if (w as f64 / h as f64) < 0.55 {
                    assert_eq!(
                        (r.width, r.height),
                        (w / 2 * 2, h / 2 * 2),
                        "narrow: not cropped"
                    );
                } else {
                    assert!(
                        (aspect - 0.5625).abs() < 0.02 || (w, h) == (720, 1280),
                        "{aspect}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_small_picture_s_window_rounds_to_the_nearest_even_width_and_fills() {
        // 320x180: the exact window is 101.25 px wide; 100 missed 9:16 by 1.2%, so the
        // picture was fitted with blurred bands and the window could not move. 102 is 0.7%
        // off: it fills the reel and moves.
        let r = crop_window((320, 180), 1.0, (1080, 1920), 0.5);
        assert_eq!((r.width, r.height, r.x), (102, 180, 108));
        let p = plan(&info(320, 180, 0, 10.0), &ReelRequest::default()).unwrap();
        assert_eq!(p.video.crop().width, 102);
        assert_eq!(p.video.fit, None, "no band beside the picture");
        // Larger pictures keep their windows (607.5 -> 608, 202.5 -> 202, 405 -> 406 or 404).
        assert_eq!(crop_window((1920, 1080), 1.0, (1080, 1920), 0.5).width, 608);
        assert_eq!(crop_window((640, 360), 1.0, (1080, 1920), 0.5).width, 202);
        // Rounding up never goes more than 1% over 9:16 (a 20 px tall picture: 11.25 -> 10,
        // not 12, which would squash it by 7%).
        assert_eq!(crop_window((40, 20), 1.0, (1080, 1920), 0.5).width, 10);
        for h in 4..400u32 {
            let r = crop_window((4 * h, h), 1.0, (1080, 1920), 0.5);
            let off = r.width as f64 / (r.height as f64 * 0.5625) - 1.0;
            assert!(off <= 0.01 + 1e-9, "{h}: {} is {off}", r.width);
            if h >= 180 {
                assert!(off >= -0.01, "{h}: {} leaves a band ({off})", r.width);
            }
        }
    }

    #[test]
    fn portrait_9_16_is_not_cropped() {
        assert_eq!(
            crop_window((1080, 1920), 1.0, (1080, 1920), 0.5),
            Rect {
                x: 0,
                y: 0,
                width: 1080,
                height: 1920
            }
        );
    }

    #[test]
    fn narrow_pictures_are_fitted_not_cropped() {
        assert_eq!(fit_width(0.5625, (1080, 1920)), None);
        assert_eq!(fit_width(16.0 / 9.0, (1080, 1920)), None);
        assert_eq!(fit_width(0.5, (1080, 1920)), Some(960));
        assert_eq!(fit_width(0.25, (1080, 1920)), Some(480));
        let mut i = info(600, 1920, 0, 10.0);
        i.video.display_width = 600;
        let p = plan(&i, &ReelRequest::default()).unwrap();
        assert_eq!(
            p.video.crop(),
            Rect {
                x: 0,
                y: 0,
                width: 600,
                height: 1920
            }
        );
        assert_eq!(
            p.video.fit,
            Some(Fit {
                width: 600,
                height: 1920,
                fill: crate::model::Fill::Blur
            })
        );
    }

    #[test]
    fn tiny_windows_keep_square_pixels_and_warn_about_enlarging() {
        // 18x18: the 9:16 window (10x18) is narrower than 9:16 by more than 1%: fitted.
        let p = plan(&info(18, 18, 0, 10.0), &ReelRequest::default()).unwrap();
        assert_eq!(p.video.crop().width, 10);
        let fit = p.video.fit.clone().expect("fitted, not stretched");
        assert_eq!(fit.height, 1920);
        assert!(p.warnings.iter().any(|w| w.contains("enlarged")));
        // 112x200 is 9:16 within 1%: scaled, with a word about it.
        let p = plan(&info(112, 200, 0, 10.0), &ReelRequest::default()).unwrap();
        assert_eq!(p.video.fit, None);
        assert!(p.warnings.iter().any(|w| w.contains("enlarged 9.6x")));
        // An ordinary clip says nothing.
        let p = plan(&info(1280, 720, 0, 10.0), &ReelRequest::default()).unwrap();
        assert!(!p.warnings.iter().any(|w| w.contains("enlarged")));
    }

    #[test]
    fn anamorphic_pixels_widen_the_crop_correctly() {
        // 1440x1080 at 4:3 pixels displays as 1920x1080: the window is 607.5 display px wide,
        // which is 455.6 stored px.
        let r = crop_window((1440, 1080), 4.0 / 3.0, (1080, 1920), 0.5);
        assert_eq!(r.width, 456);
        assert_eq!(r.height, 1080);
    }

    #[test]
    fn rotation_swaps_axes_before_cropping() {
        let p = plan(&info(1920, 1080, 90, 10.0), &ReelRequest::default()).unwrap();
        assert_eq!(p.video.rotated_size, (1080, 1920));
        assert_eq!(
            p.video.crop(),
            Rect {
                x: 0,
                y: 0,
                width: 1080,
                height: 1920
            }
        );
    }

    #[test]
    fn trim_and_frame_count() {
        let req = ReelRequest {
            start: Some(crate::model::Start::At(Micros(3_200_000))),
            end: Some(Micros(11_000_000)),
            ..Default::default()
        };
        let p = plan(&info(1920, 1080, 0, 20.0), &req).unwrap();
        assert_eq!(p.trim().duration(), Micros(7_800_000));
        assert_eq!(p.video.frames, 234);
        let req = ReelRequest {
            start: Some(crate::model::Start::At(Micros(1_000_000))),
            duration: Some(Micros(5_000_000)),
            ..Default::default()
        };
        let p = plan(&info(1920, 1080, 0, 20.0), &req).unwrap();
        assert_eq!(p.trim().end, Micros(6_000_000));
        assert_eq!(p.video.frames, 150);
    }

    #[test]
    fn bad_ranges_are_errors() {
        let i = info(1920, 1080, 0, 10.0);
        let past = ReelRequest {
            start: Some(crate::model::Start::At(Micros(12_000_000))),
            ..Default::default()
        };
        assert!(matches!(
            plan(&i, &past),
            Err(PlanError::StartPastEnd { .. })
        ));
        let back = ReelRequest {
            start: Some(crate::model::Start::At(Micros(5_000_000))),
            end: Some(Micros(4_000_000)),
            ..Default::default()
        };
        assert!(matches!(
            plan(&i, &back),
            Err(PlanError::EndBeforeStart { .. })
        ));
    }

    #[test]
    fn end_past_clip_is_clamped_with_a_warning() {
        let req = ReelRequest {
            end: Some(Micros(30_000_000)),
            ..Default::default()
        };
        let p = plan(&info(1920, 1080, 0, 10.0), &req).unwrap();
        assert_eq!(p.trim().end, Micros(10_000_000));
        assert!(p.warnings.iter().any(|w| w.contains("past the end")));
    }

    #[test]
    fn long_clip_is_capped_and_says_so() {
        let p = plan(&info(1920, 1080, 0, 900.0), &ReelRequest::default()).unwrap();
        assert_eq!(p.trim().duration(), Micros(600_000_000));
        assert!(p.warnings.iter().any(|w| w.contains("capped")));
    }

    #[test]
    fn short_reel_warns() {
        let req = ReelRequest {
            duration: Some(Micros(2_000_000)),
            ..Default::default()
        };
        let p = plan(&info(1920, 1080, 0, 10.0), &req).unwrap();
        assert!(p.warnings.iter().any(|w| w.contains("shorter than")));
    }

    #[test]
    fn cards_left_open_never_overlap_and_a_blink_of_a_card_is_moved_or_said() {
        let s = |x: f64| Micros::from_secs_f64(x);
        let ask = |at: Option<f64>, until: Option<f64>| CardAsk {
            shown: true,
            at: at.map(s),
            until: until.map(s),
        };
        // The moment at the very end of a 6 s reel (--start auto): the went-wrong card starts
        // earlier, ends where the lesson starts, each at least a second.
        for m in [3.0, 4.5, 5.6, 5.95] {
            let ((a1, u1), (a2, u2), said) =
                card_times(s(6.0), ask(Some(m), None), ask(None, None), true);
            assert!(u1 <= a2, "{m}: {a1}..{u1} and {a2}..{u2}");
            assert!(u1 - a1 >= MIN_CARD && u2 - a2 >= MIN_CARD, "{m}: {said:?}");
            assert!(said.is_empty(), "{m}: {said:?}");
        }
        // The user's own start 0.4 s before the end: kept, and said to be too short.
        let ((a1, u1), _, said) =
            card_times(s(4.0), ask(Some(3.6), None), CardAsk::default(), false);
        assert_eq!((a1, u1), (s(3.6), s(4.0)));
        assert!(
            said.iter().any(|w| w.contains("too short to read")),
            "{said:?}"
        );
        // Both times given, overlapping: the user's choice, as asked.
        let (w, l, _) = card_times(
            s(6.0),
            ask(Some(0.0), Some(4.0)),
            ask(Some(3.0), Some(6.0)),
            false,
        );
        assert_eq!((w, l), ((s(0.0), s(4.0)), (s(3.0), s(6.0))));
    }

    #[test]
    fn default_card_times() {
        let req = ReelRequest {
            duration: Some(Micros(9_000_000)),
            went_wrong: Some("burnt".into()),
            lesson: Some("lower heat".into()),
            ..Default::default()
        };
        let p = plan(&info(1920, 1080, 0, 20.0), &req).unwrap();
        let ww = &p.overlays[0];
        assert_eq!((ww.at, ww.until), (Micros(0), Micros(4_500_000)));
        assert_eq!(ww.in_length, Micros::ZERO);
        assert_eq!(ww.out_length, Micros(300_000));
        assert_eq!(ww.animation, Animation::Slide);
        let l = &p.overlays[1];
        assert_eq!((l.at, l.until), (Micros(6_000_000), Micros(9_000_000)));
        assert_eq!(l.out_length, Micros::ZERO);
        assert_eq!(ww.opacity_at(Micros(1_000_000)), 1.0);
        assert_eq!(ww.opacity_at(Micros(4_500_000)), 0.0);
        assert!((ww.progress_at(Micros(4_350_000)) - 0.5).abs() < 1e-3);
        assert_eq!(l.opacity_at(Micros(5_999_999)), 0.0);
        assert!((l.progress_at(Micros(6_150_000)) - 0.5).abs() < 1e-3);
        assert_eq!(l.opacity_at(Micros(8_990_000)), 1.0);
    }

    #[test]
    fn animations_are_continuous_and_settle() {
        let mut c = Overlay {
            role: Role::Lesson,
            style: Preset::built_in("tiktok").unwrap().cards.style,
            zone: Preset::built_in("tiktok").unwrap().safe_zone,
            heading: String::new(),
            text: "x".into(),
            at: Micros(1_000_000),
            until: Micros(3_000_000),
            animation: Animation::Slide,
            in_length: Micros(400_000),
            out_length: Micros(400_000),
            position: CardPosition::Bottom,
            max_height_fraction: CARD_MAX_HEIGHT_FRACTION,
            rect: CardRect {
                x: 100,
                y: 1200,
                width: 800,
                height: 200,
            },
            pop_steps: pop_steps(),
            opacity: 1.0,
        };
        for anim in [
            Animation::None,
            Animation::Fade,
            Animation::Slide,
            Animation::Pop,
        ] {
            c.animation = anim;
            assert_eq!(c.appearance_at(Micros(999_999)), None);
            assert_eq!(c.appearance_at(Micros(3_000_000)), None);
            let mid = c.appearance_at(Micros(2_000_000)).unwrap();
            assert_eq!(
                mid,
                Appearance {
                    alpha: 1.0,
                    offset_y: 0,
                    scale: 1.0
                },
                "{anim:?}"
            );
            // Small steps in time give small steps in look: no jump, no flicker.
            let mut prev = c.appearance_at(Micros(1_000_000));
            for k in 1..=400 {
                let a = c.appearance_at(Micros(1_000_000 + k * 1000));
                if let (Some(p), Some(a)) = (prev, a) {
                    if anim != Animation::None {
                        assert!(
                            a.alpha >= p.alpha && a.alpha - p.alpha < 0.02,
                            "{anim:?} alpha {p:?} -> {a:?}"
                        );
                        assert!((a.offset_y - p.offset_y).abs() <= 1, "{anim:?}");
                        assert!(a.scale >= p.scale && a.scale - p.scale < 0.01, "{anim:?}");
                    }
                }
                prev = a;
            }
        }
        c.animation = Animation::Slide;
        assert!(
            c.appearance_at(Micros(1_100_000)).unwrap().offset_y < -20,
            "bottom cards settle down"
        );
        c.position = CardPosition::Top;
        assert!(
            c.appearance_at(Micros(1_100_000)).unwrap().offset_y > 20,
            "top cards rise"
        );
        c.animation = Animation::Pop;
        assert!(c.appearance_at(Micros(1_100_000)).unwrap().scale < 0.9);
    }

    #[test]
    fn explicit_card_times_and_short_cards_fade_at_most_half() {
        let req = ReelRequest {
            duration: Some(Micros(9_000_000)),
            went_wrong: Some("x".into()),
            went_wrong_at: Some(Micros(1_000_000)),
            went_wrong_until: Some(Micros(1_300_000)),
            ..Default::default()
        };
        let p = plan(&info(1920, 1080, 0, 20.0), &req).unwrap();
        let c = &p.overlays[0];
        assert_eq!((c.at, c.until), (Micros(1_000_000), Micros(1_300_000)));
        assert_eq!(c.in_length, Micros(150_000));
        assert_eq!(c.out_length, Micros(150_000));
        let bad = ReelRequest {
            went_wrong: Some("x".into()),
            went_wrong_at: Some(Micros(5_000_000)),
            went_wrong_until: Some(Micros(4_000_000)),
            ..Default::default()
        };
        assert!(matches!(
            plan(&info(1920, 1080, 0, 20.0), &bad),
            Err(PlanError::CardTime { .. })
        ));
    }

    #[test]
    fn encoder_overrides_and_audio_offset() {
        let req = ReelRequest {
            crf: Some(crate::model::Crf::new(18).unwrap()),
            encoder_preset: Some(crate::model::X264Speed::Veryfast),
            ..Default::default()
        };
        let p = plan(&info(1920, 1080, 0, 20.0), &req).unwrap();
        assert_eq!(p.encoder().crf.get(), 18);
        assert_eq!(p.encoder().preset, crate::model::X264Speed::Veryfast);
        assert_eq!(p.encoder().level, "4.1");
        assert_eq!(p.encoder().keyframe_interval, 60);
        assert_eq!(p.audio.source_offset, Micros(2_400_000));
    }

    #[test]
    fn plan_serialises_and_hash_changes_with_text() {
        let i = info(1920, 1080, 0, 20.0);
        let a = plan(
            &i,
            &ReelRequest {
                went_wrong: Some("a".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let b = plan(
            &i,
            &ReelRequest {
                went_wrong: Some("b".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let json = serde_json::to_string(&a).unwrap();
        let back: RenderPlan = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash(), back.hash());
    }
}

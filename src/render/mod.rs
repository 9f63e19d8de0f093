//! Executes a [`RenderPlan`] with libav: demux once, decode, pick frames for the constant
//! output rate by timestamp, rotate/crop/scale through a numeric-only filter graph, composite
//! the cards, encode H.264 + AAC and mux a fast-start MP4 under a temporary name that is
//! renamed into place only when complete.
//!
//! Text never enters the filter graph: cards are rasterised by [`crate::card`] and blended by
//! [`crate::composite`]. The picture runs as a pipeline ([`video`]): decode on the job's
//! thread, convert and composite on a second, encode on a third, so decoding and scaling
//! overlap with x264 instead of waiting for it.

mod audio;
mod preroll;
mod preview;
mod video;

pub use preview::{preview, write_png};

pub use video::filter_chain;

use crate::card::TextEngine;
use crate::composite::YuvOverlay;
use crate::plan::RenderPlan;
use crate::probe::{open_input, ProbeError};
use crate::time::Micros;
use audio::AudioOut;
pub use audio::Loudness;
use ffmpeg_next as ff;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::Instant;
use video::{convert_stage, encode_stage, Selector};

/// Initialises libav once and silences its own logging (failreel reports errors itself).
pub fn init_libav() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ff::init();
        ff::log::set_level(ff::log::Level::Quiet);
    });
}

/// Receives progress of one render. The library never knows about terminals.
pub trait Progress: Sync {
    /// The render will produce `total` frames.
    fn begin(&self, _total: u64) {}
    /// `done` frames are encoded so far.
    fn frames_done(&self, _done: u64) {}
    /// The render ended (successfully or not).
    fn end(&self) {}
}

/// How a render runs (not what it renders: nothing here changes the reel).
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Threads for the decoder and for x264 each (0 = libav's automatic choice).
    pub threads: usize,
}

/// The text failreel writes into a reel's `comment` tag: its version and the plan hash.
pub fn reel_tag(plan: &RenderPlan) -> String {
    format!(
        "failreel {} plan {}",
        env!("CARGO_PKG_VERSION"),
        plan.hash()
    )
}

/// An existing file at a reel's output path, as resume sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExistingReel {
    /// Nothing there.
    Absent,
    /// A file failreel did not write (or cannot be read as a reel at all).
    Foreign,
    /// A reel failreel wrote: its plan hash, and whether it is complete as written
    /// ([`crate::output::mp4_is_complete`]).
    Ours {
        /// The plan hash in its metadata.
        hash: String,
        /// Whether every box is there as written (not cut short, grown or shrunk since).
        complete: bool,
    },
}

/// What is at `path`, for resume: reads the file's headers only. A non-regular file (a FIFO,
/// a device) is never opened (it would block): it reads as [`ExistingReel::Foreign`].
pub fn existing_reel(path: &Path) -> ExistingReel {
    init_libav();
    match std::fs::symlink_metadata(path) {
        Err(_) => return ExistingReel::Absent,
        Ok(m) if !m.file_type().is_file() => return ExistingReel::Foreign,
        Ok(_) => {}
    }
    let complete = crate::output::mp4_is_complete(path);
    let comment = ff::format::input(&path)
        .ok()
        .and_then(|ictx| ictx.metadata().get("comment").map(str::to_string));
    let hash = comment.and_then(|c| {
        c.strip_prefix("failreel ")
            .and_then(|rest| rest.split_once(" plan "))
            .map(|(_, h)| h.to_string())
    });
    match hash {
        Some(hash) => ExistingReel::Ours { hash, complete },
        // A reel whose index is damaged so badly that libav cannot read it is still known by
        // the tag failreel wrote into it.
        None => match tag_in_head(path) {
            Some(hash) => ExistingReel::Ours {
                hash,
                complete: false,
            },
            None => ExistingReel::Foreign,
        },
    }
}

/// Looks for failreel's comment tag in the first megabyte of a file (where a fast-start reel
/// keeps its index).
fn tag_in_head(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut head)
        .ok()?;
    let needle = b"failreel ";
    let at = head.windows(needle.len()).position(|w| w == needle)?;
    let text = String::from_utf8_lossy(&head[at..(at + 80).min(head.len())]).into_owned();
    let (_, rest) = text.split_once(" plan ")?;
    let hash: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    (hash.len() == 16).then_some(hash)
}

/// Whether failreel wrote the reel at `path` (for the "never a file failreel did not write"
/// rule).
pub fn reel_is_ours(path: &Path) -> bool {
    matches!(existing_reel(path), ExistingReel::Ours { .. })
}

/// A [`Progress`] that reports nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What a finished render produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RenderReport {
    /// Output frames written.
    pub frames: u64,
    /// Reel duration.
    pub duration: Micros,
    /// Wall time of the render, in seconds.
    pub render_seconds: f64,
    /// Warnings raised while rendering (clip cut off, damaged packets…).
    pub warnings: Vec<String>,
    /// Loudness measured and the gain applied, when normalised.
    pub loudness: Option<Loudness>,
}

/// Why a render failed. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The input could not be opened.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// libav refused something.
    #[error("{path}: {stage} failed: {cause}")]
    Libav {
        /// The input.
        path: String,
        /// What failreel was doing.
        stage: &'static str,
        /// libav's reason.
        cause: String,
    },
    /// The output could not be written.
    #[error("{path}: cannot write: {cause}{hint}", hint = write_hint(.cause))]
    Output {
        /// The output path.
        path: String,
        /// The reason.
        cause: String,
    },
    /// The output may not be written (it is the input, not a regular file, busy…).
    #[error(transparent)]
    Target(#[from] crate::output::OutputError),
    /// Nothing decodable in the range.
    #[error("{0}: no picture could be decoded in the chosen range: the file may be damaged")]
    NoFrames(String),
    /// `preview --at` is not inside the reel.
    #[error("{path}: --at {at} is past the end of the reel ({length} long): give a time from 0 to the reel's length")]
    PastEnd {
        /// The input.
        path: String,
        /// The time asked for.
        at: Micros,
        /// The reel's length.
        length: Micros,
    },
    /// Cancelled by the user.
    #[error("{0}: cancelled")]
    Cancelled(String),
    /// Card text could not be drawn.
    #[error("{path}: cannot draw the card: {cause}")]
    Card {
        /// The input.
        path: String,
        /// The reason.
        cause: String,
    },
}

/// Renders `plan` to `plan.output`, atomically: the file appears complete or not at all.
pub fn render(
    plan: &RenderPlan,
    opts: &RenderOptions,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<RenderReport, RenderError> {
    init_libav();
    let started = Instant::now();
    let out = &plan.output;
    // Never the input, never a FIFO or device, one writer at a time; leftovers of killed
    // runs are removed under the lock.
    let writer = crate::output::Writer::begin(out, &[&plan.input])?;
    progress.begin(plan.video.frames);
    let result = run(plan, opts, writer.temp(), progress, cancel);
    progress.end();
    let (frames, mut warnings, loudness) = result?;
    if writer.removed_stale > 0 {
        warnings.push(format!(
            "removed {} unfinished temporary file(s) of {} left by a run that was stopped",
            writer.removed_stale,
            out.display()
        ));
    }
    writer.commit()?;
    Ok(RenderReport {
        frames,
        duration: Micros((frames as i128 * 1_000_000 / plan.video.fps as i128) as i64),
        render_seconds: started.elapsed().as_secs_f64(),
        warnings,
        loudness,
    })
}

/// What to do about a failed write, from libav's reason.
fn write_hint(cause: &str) -> &'static str {
    if cause.contains("No space left") {
        ": free some space or write to another disk"
    } else if cause.contains("ermission") {
        ": check that the folder is writable"
    } else {
        ""
    }
}

pub(crate) fn lav<'a>(
    plan: &'a RenderPlan,
    stage: &'static str,
) -> impl Fn(ff::Error) -> RenderError + 'a {
    move |e| RenderError::Libav {
        path: plan.input.display().to_string(),
        stage,
        cause: e.to_string(),
    }
}

/// A card ready to composite: converted to YUV once, plus its smaller sizes for the pop
/// animation (each step rasterised once per render, never per frame).
pub(crate) struct CardLayers {
    full: YuvOverlay,
    steps: Vec<(f32, YuvOverlay)>,
}

impl CardLayers {
    /// The layer for a card drawn at `scale` (the nearest prepared size).
    pub(crate) fn at_scale(&self, scale: f32) -> &YuvOverlay {
        self.steps
            .iter()
            .filter(|(s, _)| (s - scale).abs() < 0.0125)
            .map(|(_, o)| o)
            .next()
            .unwrap_or(&self.full)
    }
}

/// A stream's timestamps on the reel's timeline: time base `tb`, and the clip time `origin`
/// that is reel time 0.
#[derive(Clone, Copy)]
pub(super) struct Timeline {
    tb: ff::Rational,
    origin: Micros,
}

impl Timeline {
    pub(super) fn new(tb: ff::Rational, origin: Micros) -> Timeline {
        Timeline { tb, origin }
    }

    /// The reel time of stream timestamp `ts`.
    pub(super) fn at(self, ts: i64) -> Micros {
        Micros::from_ts(ts, self.tb.numerator(), self.tb.denominator()) - self.origin
    }
}

/// Turns decoded video timestamps into reel times, skipping duplicates and out-of-order
/// frames, and remembers the latest frame step (how long the last frame lasts at the end).
pub(super) struct VideoClock {
    timeline: Timeline,
    last: Micros,
    step: Micros,
}

impl VideoClock {
    /// A clock for video on `timeline` at output rate `fps`.
    pub(super) fn new(timeline: Timeline, fps: u32) -> VideoClock {
        VideoClock {
            timeline,
            last: Micros(i64::MIN),
            step: Micros(1_000_000 / fps as i64),
        }
    }

    pub(super) fn reel_time(&mut self, ts: Option<i64>) -> Option<Micros> {
        let t = match ts {
            Some(ts) => self.timeline.at(ts),
            None => self.last + self.step,
        };
        if t <= self.last {
            return None;
        }
        if self.last.0 != i64::MIN {
            self.step = (t - self.last).min(Micros(1_000_000));
        }
        self.last = t;
        Some(t)
    }
}

/// [`rasterise_cards`] running on a thread of its own while the caller opens the input and
/// codecs; [`CardsJob::join`] hands over the layers.
pub(crate) struct CardsJob {
    handle: std::thread::JoinHandle<Result<Vec<CardLayers>, RenderError>>,
    input: String,
}

impl CardsJob {
    /// Starts rasterising the plan's cards.
    pub(crate) fn start(plan: &RenderPlan) -> Result<CardsJob, RenderError> {
        let input = plan.input.display().to_string();
        let owned = plan.clone();
        let handle = std::thread::Builder::new()
            .name("failreel-cards".into())
            .spawn(move || rasterise_cards(&owned))
            .map_err(|e| RenderError::Card {
                path: input.clone(),
                cause: format!("starting the card thread: {e}"),
            })?;
        Ok(CardsJob { handle, input })
    }

    /// Waits for the layers.
    pub(crate) fn join(self) -> Result<Vec<CardLayers>, RenderError> {
        self.handle.join().map_err(|_| RenderError::Card {
            path: self.input,
            cause: "the card thread stopped unexpectedly".into(),
        })?
    }
}

/// Lays out and rasterises the plan's cards once, with the layers their animation needs.
pub(crate) fn rasterise_cards(plan: &RenderPlan) -> Result<Vec<CardLayers>, RenderError> {
    let mut overlays = Vec::new();
    if plan.cards.is_empty() {
        return Ok(overlays);
    }
    let mut engine = TextEngine::new();
    for c in &plan.cards {
        let img = engine
            .render_card(
                &c.heading,
                &c.text,
                &plan.card_style,
                c.position,
                (plan.video.width, plan.video.height),
                plan.safe_zone,
                0.45,
            )
            .map_err(|e| RenderError::Card {
                path: plan.input.display().to_string(),
                cause: e.to_string(),
            })?;
        let mut steps = Vec::new();
        if c.animation == crate::plan::Animation::Pop && img.width > 1 && img.height > 1 {
            let rgba = image::RgbaImage::from_raw(img.width, img.height, img.rgba.clone())
                .expect("a card image has width * height * 4 bytes");
            for k in 0..8 {
                let scale = 0.8 + 0.025 * k as f32;
                let (w, h) = (
                    ((img.width as f32 * scale) as u32).max(1),
                    ((img.height as f32 * scale) as u32).max(1),
                );
                let small =
                    image::imageops::resize(&rgba, w, h, image::imageops::FilterType::Triangle);
                let step = crate::card::CardImage {
                    x: img.x + (img.width - w) / 2,
                    y: img.y + (img.height - h) / 2,
                    width: w,
                    height: h,
                    rgba: small.into_raw(),
                };
                steps.push((scale, YuvOverlay::from_rgba(&step)));
            }
        }
        overlays.push(CardLayers {
            full: YuvOverlay::from_rgba(&img),
            steps,
        });
    }
    Ok(overlays)
}

fn run(
    plan: &RenderPlan,
    opts: &RenderOptions,
    tmp: &Path,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<(u64, Vec<String>, Option<Loudness>), RenderError> {
    let path_s = plan.input.display().to_string();
    let mut warnings = Vec::new();

    // The cards are laid out and rasterised (fonts loaded on first use) on their own thread,
    // overlapping with opening the codecs and the loudness pass, which leave a core free.
    let cards = CardsJob::start(plan)?;

    let mut ictx = open_input(&plan.input)?;
    let vidx = plan.video.stream;
    let (vtb, vstart_abs, vparams) = {
        let s = ictx
            .stream(vidx)
            .ok_or_else(|| ProbeError::NoVideo(plan.input.clone()))?;
        let st = if s.start_time() == ff::ffi::AV_NOPTS_VALUE {
            0
        } else {
            s.start_time()
        };
        (s.time_base(), st, s.parameters())
    };
    let vstart = Micros::from_ts(vstart_abs, vtb.numerator(), vtb.denominator());
    let mut vctx = ff::codec::context::Context::from_parameters(vparams)
        .map_err(lav(plan, "opening the video decoder"))?;
    // Threading must be set before the decoder is opened. Above 1080p each frame thread
    // holds large frames: two are enough to keep up, and peak memory stays lower.
    let (src_w, src_h) = plan.video.rotated_size;
    let big_source = src_w as u64 * src_h as u64 > 1920 * 1088;
    let decode_threads = match opts.threads {
        0 if big_source => 2,
        n => n,
    };
    vctx.set_threading(ff::codec::threading::Config {
        kind: ff::codec::threading::Type::Frame,
        count: decode_threads,
        ..Default::default()
    });
    let mut vdec = vctx
        .decoder()
        .video()
        .map_err(lav(plan, "opening the video decoder"))?;

    let mut adec = None;
    let mut atb = ff::Rational(1, 1);
    if let Some(ai) = plan.audio.stream {
        if let Some(s) = ictx.stream(ai) {
            atb = s.time_base();
            match ff::codec::context::Context::from_parameters(s.parameters())
                .and_then(|c| c.decoder().audio())
            {
                Ok(d) => adec = Some(d),
                Err(e) => warnings.push(format!(
                    "{path_s}: the audio cannot be decoded ({e}): the reel gets a silent track"
                )),
            }
        }
    }

    // Output.
    let mut octx = ff::format::output_as(&tmp, "mp4").map_err(|e| RenderError::Output {
        path: plan.output.display().to_string(),
        cause: e.to_string(),
    })?;
    let global_header = octx
        .format()
        .flags()
        .contains(ff::format::Flags::GLOBAL_HEADER);
    let fps = plan.video.fps as i32;
    let x264 = ff::encoder::find_by_name(&plan.encoder.video_codec)
        .ok_or(ff::Error::EncoderNotFound)
        .map_err(lav(
            plan,
            "finding the x264 encoder (is libavcodec built with libx264?)",
        ))?;
    let vstream = octx
        .add_stream(x264)
        .map_err(lav(plan, "adding the video stream"))?
        .index();
    let mut venc = ff::codec::context::Context::new_with_codec(x264)
        .encoder()
        .video()
        .map_err(lav(plan, "creating the video encoder"))?;
    venc.set_width(plan.video.width);
    venc.set_height(plan.video.height);
    venc.set_format(ff::format::Pixel::YUV420P);
    venc.set_time_base(ff::Rational(1, fps));
    venc.set_frame_rate(Some(ff::Rational(fps, 1)));
    venc.set_aspect_ratio(ff::Rational(1, 1));
    venc.set_gop(plan.encoder.keyframe_interval);
    venc.set_threading(ff::codec::threading::Config {
        kind: ff::codec::threading::Type::Frame,
        count: opts.threads,
        ..Default::default()
    });
    venc.set_color_range(ff::color::Range::MPEG);
    venc.set_colorspace(ff::color::Space::BT709);
    venc.set_color_primaries(ff::color::Primaries::BT709);
    venc.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);
    if global_header {
        venc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
    }
    let mut vopts = ff::Dictionary::new();
    vopts.set("preset", &plan.encoder.preset);
    vopts.set("crf", &plan.encoder.crf.to_string());
    vopts.set("profile", &plan.encoder.profile);
    vopts.set("level", &plan.encoder.level);
    let mut x264_params = format!(
        // CABAC and 8x8 transforms stay on whatever the speed preset, so the stream is High
        // profile as the platforms ask (ultrafast would otherwise give Constrained Baseline).
        "keyint={k}:min-keyint={k}:scenecut=0:open-gop=0:cabac=1:8x8dct=1",
        k = plan.encoder.keyframe_interval
    );
    if plan.encoder.max_bitrate_kbps > 0 {
        x264_params.push_str(&format!(
            ":vbv-maxrate={}:vbv-bufsize={}",
            plan.encoder.max_bitrate_kbps,
            plan.encoder.max_bitrate_kbps * 2
        ));
    }
    vopts.set("x264-params", &x264_params);
    let venc = venc
        .open_with(vopts)
        .map_err(lav(plan, "opening the x264 encoder"))?;
    {
        let mut ost = octx.stream_mut(vstream).expect("just added");
        ost.set_parameters(&venc);
        ost.set_time_base(ff::Rational(1, fps));
        ost.set_avg_frame_rate(ff::Rational(fps, 1));
    }

    let aac = ff::encoder::find(ff::codec::Id::AAC)
        .ok_or(ff::Error::EncoderNotFound)
        .map_err(lav(plan, "finding the AAC encoder"))?;
    let astream = octx
        .add_stream(aac)
        .map_err(lav(plan, "adding the audio stream"))?
        .index();
    let rate = plan.encoder.sample_rate;
    let mut aenc = ff::codec::context::Context::new_with_codec(aac)
        .encoder()
        .audio()
        .map_err(lav(plan, "creating the AAC encoder"))?;
    aenc.set_rate(rate as i32);
    aenc.set_channel_layout(ff::ChannelLayout::default(2));
    aenc.set_format(ff::format::Sample::F32(ff::format::sample::Type::Planar));
    aenc.set_bit_rate(plan.encoder.audio_bitrate_kbps as usize * 1000);
    aenc.set_time_base(ff::Rational(1, rate as i32));
    if global_header {
        aenc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
    }
    let aenc = aenc.open().map_err(lav(plan, "opening the AAC encoder"))?;
    {
        let mut ost = octx.stream_mut(astream).expect("just added");
        ost.set_parameters(&aenc);
        ost.set_time_base(ff::Rational(1, rate as i32));
    }
    let mut meta = ff::Dictionary::new();
    meta.set("comment", &reel_tag(plan));
    octx.set_metadata(meta);
    let mut mux_opts = ff::Dictionary::new();
    mux_opts.set("movflags", "+faststart");
    octx.write_header_with(mux_opts)
        .map_err(|e| RenderError::Output {
            path: plan.output.display().to_string(),
            cause: e.to_string(),
        })?;
    let v_ost_tb = octx.stream(vstream).expect("added").time_base();
    let a_ost_tb = octx.stream(astream).expect("added").time_base();

    let total_frames = plan.video.frames;
    let planned_samples = (total_frames as i128 * rate as i128 / fps as i128) as i64;
    // Loudness: a first pass decodes only the audio of the range and measures it.
    let mut loudness = None;
    let (gain_db, ceiling) = match plan.audio.loudness {
        Some(target) => match audio::analyse(plan, rate, planned_samples)? {
            Some((lufs, true_peak)) => {
                // At most +24 dB: a near-silent track is not worth amplifying its noise.
                let gain = (target.lufs - lufs).min(24.0);
                loudness = Some(Loudness {
                    measured_lufs: lufs,
                    measured_true_peak_dbtp: true_peak,
                    gain_db: gain,
                });
                // The limiter works on sample peaks; half a dB covers inter-sample peaks.
                (gain, Some(target.true_peak_dbtp - 0.5))
            }
            None => (0.0, None),
        },
        None => (0.0, None),
    };
    let mut audio = AudioOut::new(
        aenc,
        astream,
        a_ost_tb,
        plan.audio.edge_fade,
        planned_samples,
        gain_db,
        ceiling,
    );

    // Seek to the keyframe at or before the start; frames before it are decoded and dropped.
    if plan.trim.start > Micros::ZERO {
        let target = (vstart + plan.trim.start).0;
        if ictx.seek(target, ..target).is_err() {
            warnings.push(format!(
                "{path_s}: cannot seek; decoding from the beginning"
            ));
        }
    }

    let mut selector = Selector::new(total_frames, plan.video.fps);
    let timeline = Timeline::new(vtb, vstart + plan.trim.start);
    let mut clock = VideoClock::new(timeline, plan.video.fps);
    // Reel time of a decoded audio frame's timestamp.
    let audio_time = |ts: i64| {
        Micros::from_ts(ts, atb.numerator(), atb.denominator()) - vstart - plan.trim.start
    };
    let mut audio_done = adec.is_none();
    let mut decoded = ff::frame::Video::empty();
    let mut adecoded = ff::frame::Audio::empty();
    let mut bad_packets = 0u32;

    // Decoded frames wait at most one deep (none for large sources: a 4K frame is 12-25 MB);
    // converted 1080x1920 frames (3 MB) may queue a little more for the encoder.
    let (to_convert, convert_in) = std::sync::mpsc::sync_channel(usize::from(!big_source));
    let (to_encode, encode_in) = std::sync::mpsc::sync_channel(3);
    let (recycle, recycled) = std::sync::mpsc::sync_channel(4);
    let (packet_out, packets) = std::sync::mpsc::channel::<ff::Packet>();

    let overlays = cards.join()?;
    let outcome: Result<u64, RenderError> = std::thread::scope(|scope| {
        let overlays = &overlays;
        let converter = std::thread::Builder::new()
            .name("failreel-convert".into())
            .spawn_scoped(scope, move || {
                convert_stage(plan, overlays, vtb, convert_in, to_encode, recycled)
            })
            .map_err(|e| RenderError::Output {
                path: path_s.clone(),
                cause: format!("cannot start a thread: {e}"),
            })?;
        let encoder = std::thread::Builder::new()
            .name("failreel-encode".into())
            .spawn_scoped(scope, move || {
                encode_stage(
                    plan, venc, vstream, v_ost_tb, encode_in, packet_out, recycle, progress,
                )
            })
            .map_err(|e| RenderError::Output {
                path: path_s.clone(),
                cause: format!("cannot start a thread: {e}"),
            })?;

        // Writes whatever the encoder has produced so far.
        let write_ready = |octx: &mut ff::format::context::Output| -> Result<(), RenderError> {
            while let Ok(pkt) = packets.try_recv() {
                pkt.write_interleaved(octx)
                    .map_err(lav(plan, "writing video"))?;
            }
            Ok(())
        };
        // Hands a decoded frame to the selector and the selector's pick to the converter;
        // false when the converter has stopped (its error comes from joining it).
        let offer = |selector: &mut Selector, frame: ff::frame::Video, t: Micros| -> bool {
            match selector.push(frame, t) {
                Some(shown) => to_convert.send(shown).is_ok(),
                None => true,
            }
        };

        let mut demux = || -> Result<bool, RenderError> {
            let mut video_done = false;
            // Frames between the keyframe and the first wanted one that nothing refers to
            // are not decoded.
            let packets = ictx.packets().map(|(s, p)| (s.index(), p));
            for (idx, packet, skip) in
                preroll::Preroll::new(packets, vidx, timeline, selector.limit())
            {
                if cancel.load(Ordering::Relaxed) {
                    return Err(RenderError::Cancelled(path_s.clone()));
                }
                if idx == vidx && !video_done {
                    preroll::set_skip(&mut vdec, skip);
                    if vdec.send_packet(&packet).is_err() {
                        bad_packets += 1;
                        continue;
                    }
                    while vdec.receive_frame(&mut decoded).is_ok() {
                        let Some(t) = clock.reel_time(decoded.timestamp().or(decoded.pts())) else {
                            continue; // duplicate or out-of-order timestamp
                        };
                        let f = std::mem::replace(&mut decoded, ff::frame::Video::empty());
                        if !offer(&mut selector, f, t) {
                            return Ok(false);
                        }
                        if selector.done() {
                            video_done = true;
                            break;
                        }
                    }
                } else if Some(idx) == plan.audio.stream && !audio_done {
                    let Some(dec) = adec.as_mut() else { continue };
                    if dec.send_packet(&packet).is_err() {
                        bad_packets += 1;
                        continue;
                    }
                    while dec.receive_frame(&mut adecoded).is_ok() {
                        let Some(ts) = adecoded.timestamp().or(adecoded.pts()) else {
                            continue;
                        };
                        audio.push_decoded(plan, &mut adecoded, audio_time(ts), &mut octx)?;
                        audio_done = audio.full();
                    }
                }
                write_ready(&mut octx)?;
                if video_done && audio_done {
                    return Ok(true);
                }
            }
            // End of input: drain the video decoder; the last frame lasts one frame step.
            if !video_done {
                let _ = vdec.send_eof();
                while vdec.receive_frame(&mut decoded).is_ok() {
                    let Some(t) = clock.reel_time(decoded.timestamp().or(decoded.pts())) else {
                        continue;
                    };
                    let f = std::mem::replace(&mut decoded, ff::frame::Video::empty());
                    if !offer(&mut selector, f, t) {
                        return Ok(false);
                    }
                }
            }
            Ok(true)
        };
        let demuxed = demux();
        if demuxed.as_ref().is_ok_and(|&ok| ok) && !selector.done() {
            if let Some(shown) = selector.finish(clock.step) {
                let _ = to_convert.send(shown);
            }
        }
        drop(to_convert);
        // The encoder's last packets, then its result.
        let mut written = Ok(());
        for pkt in packets.iter() {
            if written.is_ok() {
                written = pkt
                    .write_interleaved(&mut octx)
                    .map_err(lav(plan, "writing video"));
            }
        }
        let converted = converter.join().unwrap_or_else(|_| {
            Err(RenderError::Output {
                path: path_s.clone(),
                cause: "the picture conversion thread stopped unexpectedly".into(),
            })
        });
        let encoded = encoder.join().unwrap_or_else(|_| {
            Err(RenderError::Output {
                path: path_s.clone(),
                cause: "the encoding thread stopped unexpectedly".into(),
            })
        });
        demuxed?;
        converted?;
        written?;
        let encoded = encoded?;
        // Audio decoded after the video was complete.
        if !audio_done {
            if let Some(dec) = adec.as_mut() {
                let _ = dec.send_eof();
                while dec.receive_frame(&mut adecoded).is_ok() {
                    if let Some(ts) = adecoded.timestamp().or(adecoded.pts()) {
                        audio.push_decoded(plan, &mut adecoded, audio_time(ts), &mut octx)?;
                    }
                }
            }
        }
        Ok(encoded)
    });
    let emitted = outcome?;
    if emitted == 0 {
        return Err(RenderError::NoFrames(path_s));
    }
    if emitted < total_frames {
        warnings.push(format!(
            "{path_s}: the clip ends (or breaks off) at {}: the reel is {:.2} s instead of {:.2} s",
            plan.trim.start + plan.frame_time(emitted),
            plan.frame_time(emitted).as_secs_f64(),
            plan.frame_time(total_frames).as_secs_f64()
        ));
    }
    if bad_packets > 0 {
        warnings.push(format!(
            "{path_s}: {bad_packets} damaged packet(s) were skipped"
        ));
    }
    let total_samples = (emitted as i128 * rate as i128 / fps as i128) as i64;
    audio.finish(plan, total_samples, &mut octx)?;
    octx.write_trailer().map_err(|e| RenderError::Output {
        path: plan.output.display().to_string(),
        cause: e.to_string(),
    })?;
    Ok((emitted, warnings, loudness))
}

//! Executes a [`RenderPlan`] with libav: demux once, decode, pick frames for the constant
//! output rate by timestamp, rotate/crop/scale through a numeric-only filter graph, composite
//! the cards, encode H.264 + AAC and mux a fast-start MP4 under a temporary name that is
//! renamed into place only when complete.
//!
//! Text never enters the filter graph: cards are rasterised by [`crate::card`] and blended by
//! [`crate::composite`].

use crate::card::TextEngine;
use crate::composite::YuvOverlay;
use crate::plan::RenderPlan;
use crate::probe::{open_input, ProbeError};
use crate::time::Micros;
use ffmpeg_next as ff;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::Instant;

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

/// The plan hash stored in an existing reel, if failreel wrote it (reads the header only).
pub fn existing_reel_hash(path: &Path) -> Option<Option<String>> {
    init_libav();
    if !path.exists() {
        return None;
    }
    let Ok(ictx) = ff::format::input(&path) else {
        return Some(None);
    };
    let comment = ictx.metadata().get("comment").map(str::to_string);
    Some(comment.and_then(|c| {
        c.strip_prefix("failreel ")
            .and_then(|rest| rest.split_once(" plan "))
            .map(|(_, h)| h.to_string())
    }))
}

/// Removes hidden temporaries that an interrupted run left for `output` (any process's).
pub fn remove_stale_temps(output: &Path) -> usize {
    let Some(name) = output.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return 0;
    };
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".{name}.failreel-");
    let mut removed = 0;
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix)
                && n.ends_with(".tmp")
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
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
    #[error("{path}: cannot write: {cause}: check the folder exists and is writable")]
    Output {
        /// The output path.
        path: String,
        /// The reason.
        cause: String,
    },
    /// `-o` names the input.
    #[error("{0}: the output would overwrite the input: choose another output name")]
    OutputIsInput(String),
    /// Nothing decodable in the range.
    #[error("{0}: no picture could be decoded in the chosen range: the file may be damaged")]
    NoFrames(String),
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

/// The hidden temporary file a reel is written to before it is renamed into place.
pub fn temp_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reel.mp4".into());
    output.with_file_name(format!(".{name}.failreel-{}.tmp", std::process::id()))
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
    if same_file(&plan.input, out) {
        return Err(RenderError::OutputIsInput(out.display().to_string()));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::Output {
            path: dir.display().to_string(),
            cause: e.to_string(),
        })?;
    }
    let tmp = temp_path(out);
    progress.begin(plan.video.frames);
    let result = run(plan, opts, &tmp, progress, cancel);
    progress.end();
    match result {
        Ok((frames, warnings)) => {
            std::fs::rename(&tmp, out).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                RenderError::Output {
                    path: out.display().to_string(),
                    cause: e.to_string(),
                }
            })?;
            Ok(RenderReport {
                frames,
                duration: Micros((frames as i128 * 1_000_000 / plan.video.fps as i128) as i64),
                render_seconds: started.elapsed().as_secs_f64(),
                warnings,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Builds the numeric-only filter chain that rotates, crops, converts colour and scales.
pub fn filter_chain(plan: &RenderPlan) -> String {
    let v = &plan.video;
    let mut f: Vec<String> = Vec::new();
    match v.rotation {
        90 => f.push("transpose=clock".into()),
        180 => f.push("hflip,vflip".into()),
        270 => f.push("transpose=cclock".into()),
        _ => {}
    }
    let c = v.crop;
    if (c.width, c.height) != v.rotated_size {
        f.push(format!("crop={}:{}:{}:{}", c.width, c.height, c.x, c.y));
    }
    match v.color.source_transfer.as_str() {
        t @ ("hlg" | "pq") => {
            // BT.2408: reference white (HLG 75 %, PQ 203 nits) is linear 1.0 at npl=203, so
            // it lands on SDR white; mobius keeps everything below 0.8 and rolls off above,
            // up to the format's peak in reference-white units (1000 or 10000 nits / 203).
            let (tin, peak) = if t == "hlg" {
                ("arib-std-b67", 1000.0 / 203.0)
            } else {
                ("smpte2084", 10000.0 / 203.0)
            };
            let rin = if v.color.source_full_range {
                "full"
            } else {
                "limited"
            };
            let size = format!(":w={}:h={}", v.width, v.height);
            // Resize in whichever zscale sees fewer pixels.
            let downscale = (c.width as u64 * c.height as u64) > (v.width as u64 * v.height as u64);
            let (first, last) = if downscale {
                (size.as_str(), "")
            } else {
                ("", size.as_str())
            };
            f.push(format!(
                "zscale=tin={tin}:min=bt2020nc:pin=bt2020:rin={rin}:t=linear:npl=203:p=bt709{first},format=gbrpf32le,tonemap=tonemap=mobius:param=0.8:peak={peak:.3}:desat=0,zscale=t=bt709:m=bt709:r=tv{last}"
            ));
        }
        _ => {
            let matrix = match v.color.source_matrix.as_str() {
                "bt2020" => "bt2020",
                "bt601" => "bt601",
                _ => "bt709",
            };
            let in_range = if v.color.source_full_range {
                "pc"
            } else {
                "tv"
            };
            f.push(format!(
                "scale={}:{}:flags=bicubic:in_color_matrix={matrix}:out_color_matrix=bt709:in_range={in_range}:out_range=tv",
                v.width, v.height
            ));
        }
    }
    f.push("format=yuv420p,setsar=1".into());
    f.join(",")
}

fn lav<'a>(plan: &'a RenderPlan, stage: &'static str) -> impl Fn(ff::Error) -> RenderError + 'a {
    move |e| RenderError::Libav {
        path: plan.input.display().to_string(),
        stage,
        cause: e.to_string(),
    }
}

/// The video half of the pipeline: filter graph (built on the first frame) and encoder.
struct VideoOut {
    graph: Option<ff::filter::Graph>,
    encoder: ff::encoder::Video,
    overlays: Vec<YuvOverlay>,
    stream: usize,
    enc_tb: ff::Rational,
    ost_tb: ff::Rational,
    emitted: u64,
}

/// A decoded source frame waiting to be shown, filtered at most once.
struct Current {
    decoded: Option<ff::frame::Video>,
    filtered: Option<ff::frame::Video>,
    t: Micros,
}

impl VideoOut {
    fn build_graph(
        &mut self,
        plan: &RenderPlan,
        f: &ff::frame::Video,
        tb: ff::Rational,
    ) -> Result<(), RenderError> {
        let err = lav(plan, "setting up the picture filters");
        let mut g = ff::filter::Graph::new();
        let fmt: ff::ffi::AVPixelFormat = f.format().into();
        let sar = f.aspect_ratio();
        let (sn, sd) = if sar.numerator() > 0 && sar.denominator() > 0 {
            (sar.numerator(), sar.denominator())
        } else {
            (1, 1)
        };
        let args = format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={sn}/{sd}",
            f.width(),
            f.height(),
            fmt as i32,
            tb.numerator(),
            tb.denominator().max(1)
        );
        let buffer = ff::filter::find("buffer")
            .ok_or(ff::Error::FilterNotFound)
            .map_err(&err)?;
        let sink = ff::filter::find("buffersink")
            .ok_or(ff::Error::FilterNotFound)
            .map_err(&err)?;
        g.add(&buffer, "in", &args).map_err(&err)?;
        g.add(&sink, "out", "").map_err(&err)?;
        g.get("out")
            .ok_or(ff::Error::FilterNotFound)
            .map_err(&err)?
            .set_pixel_format(ff::format::Pixel::YUV420P);
        g.output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(&filter_chain(plan)))
            .map_err(&err)?;
        g.validate().map_err(&err)?;
        self.graph = Some(g);
        Ok(())
    }

    /// Shows `cur` as output frame `self.emitted`.
    fn emit(
        &mut self,
        plan: &RenderPlan,
        cur: &mut Current,
        tb: ff::Rational,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), RenderError> {
        if cur.filtered.is_none() {
            let decoded = cur
                .decoded
                .take()
                .ok_or_else(|| RenderError::NoFrames(plan.input.display().to_string()))?;
            if self.graph.is_none() {
                self.build_graph(plan, &decoded, tb)?;
            }
            let graph = self.graph.as_mut().expect("built above");
            let err = lav(plan, "converting a picture");
            graph
                .get("in")
                .ok_or(ff::Error::FilterNotFound)
                .map_err(&err)?
                .source()
                .add(&decoded)
                .map_err(&err)?;
            let mut out = ff::frame::Video::empty();
            graph
                .get("out")
                .ok_or(ff::Error::FilterNotFound)
                .map_err(&err)?
                .sink()
                .frame(&mut out)
                .map_err(&err)?;
            cur.filtered = Some(out);
        }
        let base = cur.filtered.as_mut().expect("filtered above");
        let t = plan.frame_time(self.emitted);
        let visible: Vec<(usize, f32)> = plan
            .cards
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.opacity_at(t)))
            .filter(|(_, a)| *a > 0.0)
            .collect();
        let mut composed;
        let frame: &mut ff::frame::Video = if visible.is_empty() {
            base
        } else {
            // The base may be shown again (a slower source): composite on a copy.
            composed = base.clone();
            let (w, h) = (composed.width(), composed.height());
            for (i, a) in visible {
                for plane in 0..3 {
                    let stride = composed.stride(plane);
                    self.overlays[i].blend_plane(plane, composed.data_mut(plane), stride, w, h, a);
                }
            }
            &mut composed
        };
        frame.set_pts(Some(self.emitted as i64));
        frame.set_kind(ff::picture::Type::None);
        frame.set_color_range(ff::color::Range::MPEG);
        frame.set_color_space(ff::color::Space::BT709);
        frame.set_color_primaries(ff::color::Primaries::BT709);
        frame.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);
        self.encoder
            .send_frame(frame)
            .map_err(lav(plan, "encoding video"))?;
        self.emitted += 1;
        self.drain(plan, octx)
    }

    fn drain(
        &mut self,
        plan: &RenderPlan,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), RenderError> {
        let mut pkt = ff::Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut pkt) {
                Ok(()) => {
                    pkt.set_stream(self.stream);
                    pkt.rescale_ts(self.enc_tb, self.ost_tb);
                    pkt.write_interleaved(octx)
                        .map_err(lav(plan, "writing video"))?;
                }
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(lav(plan, "encoding video")(e)),
            }
        }
    }
}

/// The audio half: resampler, placement on the reel's timeline, fades and the AAC encoder.
struct AudioOut {
    encoder: ff::encoder::Audio,
    resampler: Option<ff::software::resampling::Context>,
    rate: u32,
    stream: usize,
    ost_tb: ff::Rational,
    frame_size: usize,
    /// Where the next resampled sample goes on the reel, when contiguous.
    next_pos: Option<i64>,
    /// Samples committed to the reel so far (pending + encoded).
    written: i64,
    /// Samples already sent to the encoder.
    encoded: i64,
    pending: [Vec<f32>; 2],
    fade: i64,
    limit: i64,
}

impl AudioOut {
    fn push_decoded(
        &mut self,
        plan: &RenderPlan,
        frame: &mut ff::frame::Audio,
        t: Micros,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), RenderError> {
        if frame.samples() == 0 || frame.rate() == 0 {
            return Ok(());
        }
        if frame.channel_layout().bits() == 0
            || frame.channel_layout().channels() != frame.channels() as i32
        {
            frame.set_channel_layout(ff::ChannelLayout::default(frame.channels() as i32));
        }
        let stale = match &self.resampler {
            Some(r) => {
                r.input().format != frame.format()
                    || r.input().rate != frame.rate()
                    || r.input().channel_layout != frame.channel_layout()
            }
            None => true,
        };
        if stale {
            self.resampler = Some(
                ff::software::resampling::Context::get(
                    frame.format(),
                    frame.channel_layout(),
                    frame.rate(),
                    ff::format::Sample::F32(ff::format::sample::Type::Planar),
                    ff::ChannelLayout::default(2),
                    self.rate,
                )
                .map_err(lav(plan, "setting up audio conversion"))?,
            );
        }
        let cap = frame.samples() * self.rate as usize / frame.rate() as usize + 256;
        let mut out = ff::frame::Audio::new(
            ff::format::Sample::F32(ff::format::sample::Type::Planar),
            cap,
            ff::ChannelLayout::default(2),
        );
        self.resampler
            .as_mut()
            .expect("set above")
            .run(frame, &mut out)
            .map_err(lav(plan, "converting audio"))?;
        let n = out.samples();
        if n == 0 {
            return Ok(());
        }
        let pos = (t.0 as i128 * self.rate as i128 / 1_000_000) as i64;
        self.place(pos, &out.plane::<f32>(0)[..n], &out.plane::<f32>(1)[..n]);
        self.encode_ready(plan, octx, false)
    }

    /// Puts samples at reel position `pos`, padding gaps with silence and dropping overlaps.
    fn place(&mut self, pos: i64, l: &[f32], r: &[f32]) {
        let n = l.len() as i64;
        // Stay contiguous through timestamp jitter; re-sync on a real gap (over 40 ms).
        let tolerance = self.rate as i64 / 25;
        let pos = match self.next_pos {
            Some(np) if (pos - np).abs() <= tolerance => np,
            _ => pos,
        };
        self.next_pos = Some(pos + n);
        if pos > self.written {
            let gap = (pos - self.written).min(self.limit - self.written).max(0);
            for ch in &mut self.pending {
                ch.extend(std::iter::repeat_n(0.0, gap as usize));
            }
            self.written += gap;
        }
        let skip = (self.written - pos).max(0);
        let take = (n - skip).min(self.limit - self.written);
        if take <= 0 {
            return;
        }
        let (s, e) = (skip as usize, (skip + take) as usize);
        let first = self.written;
        self.pending[0].extend_from_slice(&l[s..e]);
        self.pending[1].extend_from_slice(&r[s..e]);
        self.written += take;
        // Fade in over the reel's first samples.
        if first < self.fade {
            let base = self.pending[0].len() - take as usize;
            for k in 0..take {
                let idx = first + k;
                if idx >= self.fade {
                    break;
                }
                let g = idx as f32 / self.fade as f32;
                self.pending[0][base + k as usize] *= g;
                self.pending[1][base + k as usize] *= g;
            }
        }
    }

    /// Sends whole frames to the encoder, keeping the last `fade` samples back so the end can
    /// still be faded; with `all`, sends everything.
    fn encode_ready(
        &mut self,
        plan: &RenderPlan,
        octx: &mut ff::format::context::Output,
        all: bool,
    ) -> Result<(), RenderError> {
        let keep = if all { 0 } else { self.fade as usize };
        while self.pending[0].len() >= self.frame_size + keep
            || (all && !self.pending[0].is_empty())
        {
            let n = self.frame_size.min(self.pending[0].len());
            let mut f = ff::frame::Audio::new(
                ff::format::Sample::F32(ff::format::sample::Type::Planar),
                n,
                ff::ChannelLayout::default(2),
            );
            f.set_rate(self.rate);
            for ch in 0..2 {
                f.plane_mut::<f32>(ch)[..n].copy_from_slice(&self.pending[ch][..n]);
                self.pending[ch].drain(..n);
            }
            f.set_pts(Some(self.encoded));
            self.encoded += n as i64;
            self.encoder
                .send_frame(&f)
                .map_err(lav(plan, "encoding audio"))?;
            self.drain(plan, octx)?;
        }
        Ok(())
    }

    fn finish(
        &mut self,
        plan: &RenderPlan,
        total: i64,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), RenderError> {
        self.limit = total;
        if let Some(r) = self.resampler.as_mut() {
            // Drain what the resampler still holds.
            let mut out = ff::frame::Audio::new(
                ff::format::Sample::F32(ff::format::sample::Type::Planar),
                4096,
                ff::ChannelLayout::default(2),
            );
            if r.flush(&mut out).is_ok() && out.samples() > 0 {
                let n = out.samples();
                let pos = self.next_pos.unwrap_or(self.written);
                let (l, rr) = (
                    out.plane::<f32>(0)[..n].to_vec(),
                    out.plane::<f32>(1)[..n].to_vec(),
                );
                self.place(pos, &l, &rr);
            }
        }
        // Drop anything past the reel's end (the video may have ended early), pad to it.
        let excess = (self.written - total).max(0) as usize;
        for ch in &mut self.pending {
            let keep = ch.len().saturating_sub(excess);
            ch.truncate(keep);
        }
        self.written -= excess as i64;
        if self.written < total {
            let gap = (total - self.written) as usize;
            for ch in &mut self.pending {
                ch.extend(std::iter::repeat_n(0.0, gap));
            }
            self.written = total;
        }
        // Fade out over the reel's last samples (still pending: encode_ready keeps them back).
        let len = self.pending[0].len();
        let fade = (self.fade as usize).min(len);
        for k in 0..fade {
            let g = k as f32 / self.fade as f32;
            let idx = len - 1 - k;
            self.pending[0][idx] *= g;
            self.pending[1][idx] *= g;
        }
        self.encode_ready(plan, octx, true)?;
        self.encoder
            .send_eof()
            .map_err(lav(plan, "finishing audio"))?;
        self.drain(plan, octx)
    }

    fn drain(
        &mut self,
        plan: &RenderPlan,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), RenderError> {
        let mut pkt = ff::Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut pkt) {
                Ok(()) => {
                    pkt.set_stream(self.stream);
                    pkt.rescale_ts(ff::Rational(1, self.rate as i32), self.ost_tb);
                    pkt.write_interleaved(octx)
                        .map_err(lav(plan, "writing audio"))?;
                }
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(lav(plan, "encoding audio")(e)),
            }
        }
    }
}

fn run(
    plan: &RenderPlan,
    opts: &RenderOptions,
    tmp: &Path,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<(u64, Vec<String>), RenderError> {
    let path_s = plan.input.display().to_string();
    let mut warnings = Vec::new();

    // Cards: rasterised once, converted to YUV once.
    let mut overlays = Vec::new();
    if !plan.cards.is_empty() {
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
                    path: path_s.clone(),
                    cause: e.to_string(),
                })?;
            overlays.push(YuvOverlay::from_rgba(&img));
        }
    }

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
    // Threading must be set before the decoder is opened.
    vctx.set_threading(ff::codec::threading::Config {
        kind: ff::codec::threading::Type::Frame,
        count: opts.threads,
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
    let frame_size = (aenc.frame_size() as usize).max(1);
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

    let mut video = VideoOut {
        graph: None,
        encoder: venc,
        overlays,
        stream: vstream,
        enc_tb: ff::Rational(1, fps),
        ost_tb: v_ost_tb,
        emitted: 0,
    };
    let total_frames = plan.video.frames;
    let planned_samples = (total_frames as i128 * rate as i128 / fps as i128) as i64;
    let mut audio = AudioOut {
        encoder: aenc,
        resampler: None,
        rate,
        stream: astream,
        ost_tb: a_ost_tb,
        frame_size,
        next_pos: None,
        written: 0,
        encoded: 0,
        pending: [Vec::new(), Vec::new()],
        fade: (plan.audio.edge_fade.0 as i128 * rate as i128 / 1_000_000) as i64,
        limit: planned_samples,
    };

    // Seek to the keyframe at or before the start; frames before it are decoded and dropped.
    if plan.trim.start > Micros::ZERO {
        let target = (vstart + plan.trim.start).0;
        if ictx.seek(target, ..target).is_err() {
            warnings.push(format!(
                "{path_s}: cannot seek; decoding from the beginning"
            ));
        }
    }

    let eps = Micros(1_000_000 / (4 * fps as i64));
    let mut current: Option<Current> = None;
    let mut last_t = Micros(i64::MIN);
    let mut frame_step = Micros(1_000_000 / fps as i64);
    let mut audio_done = adec.is_none();
    let mut video_done = false;
    let mut decoded = ff::frame::Video::empty();
    let mut adecoded = ff::frame::Audio::empty();
    let mut bad_packets = 0u32;

    // Handles one decoded video frame at reel time `t`.
    let on_video = |video: &mut VideoOut,
                    octx: &mut ff::format::context::Output,
                    current: &mut Option<Current>,
                    frame: ff::frame::Video,
                    t: Micros|
     -> Result<(), RenderError> {
        while video.emitted < total_frames && plan.frame_time(video.emitted) + eps < t {
            match current.as_mut() {
                Some(c) => video.emit(plan, c, vtb, octx)?,
                None => break, // the first frame comes later: it fills the slots below
            }
            progress.frames_done(video.emitted);
        }
        let mut incoming = Current {
            decoded: Some(frame),
            filtered: None,
            t,
        };
        // Slots before the first available frame show that frame.
        if current.is_none() {
            while video.emitted < total_frames && plan.frame_time(video.emitted) + eps < t {
                video.emit(plan, &mut incoming, vtb, octx)?;
            }
        }
        *current = Some(incoming);
        Ok(())
    };

    for (stream, packet) in ictx.packets() {
        if cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled(path_s));
        }
        let idx = stream.index();
        if idx == vidx && !video_done {
            if vdec.send_packet(&packet).is_err() {
                bad_packets += 1;
                continue;
            }
            while vdec.receive_frame(&mut decoded).is_ok() {
                let ts = decoded.timestamp().or(decoded.pts());
                let t = match ts {
                    Some(ts) => {
                        Micros::from_ts(ts, vtb.numerator(), vtb.denominator())
                            - vstart
                            - plan.trim.start
                    }
                    None => last_t + frame_step,
                };
                if t <= last_t {
                    continue; // duplicate or out-of-order timestamp
                }
                if last_t.0 != i64::MIN {
                    frame_step = (t - last_t).min(Micros(1_000_000));
                }
                last_t = t;
                let f = std::mem::replace(&mut decoded, ff::frame::Video::empty());
                on_video(&mut video, &mut octx, &mut current, f, t)?;
                if video.emitted >= total_frames {
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
                let t = Micros::from_ts(ts, atb.numerator(), atb.denominator())
                    - vstart
                    - plan.trim.start;
                audio.push_decoded(plan, &mut adecoded, t, &mut octx)?;
                if audio.written >= audio.limit {
                    audio_done = true;
                }
            }
        }
        if video_done && audio_done {
            break;
        }
    }

    // End of input: drain the decoders.
    if !video_done {
        let _ = vdec.send_eof();
        while vdec.receive_frame(&mut decoded).is_ok() {
            if let Some(ts) = decoded.timestamp().or(decoded.pts()) {
                let t = Micros::from_ts(ts, vtb.numerator(), vtb.denominator())
                    - vstart
                    - plan.trim.start;
                if t <= last_t {
                    continue;
                }
                frame_step = (t - last_t).min(Micros(1_000_000));
                last_t = t;
                let f = std::mem::replace(&mut decoded, ff::frame::Video::empty());
                on_video(&mut video, &mut octx, &mut current, f, t)?;
            }
        }
        // The last frame lasts one frame step: fill the slots it covers.
        if let Some(c) = current.as_mut() {
            while video.emitted < total_frames && plan.frame_time(video.emitted) < c.t + frame_step
            {
                video.emit(plan, c, vtb, &mut octx)?;
            }
            progress.frames_done(video.emitted);
        }
    }
    if !audio_done {
        if let Some(dec) = adec.as_mut() {
            let _ = dec.send_eof();
            while dec.receive_frame(&mut adecoded).is_ok() {
                if let Some(ts) = adecoded.timestamp().or(adecoded.pts()) {
                    let t = Micros::from_ts(ts, atb.numerator(), atb.denominator())
                        - vstart
                        - plan.trim.start;
                    audio.push_decoded(plan, &mut adecoded, t, &mut octx)?;
                }
            }
        }
    }
    if video.emitted == 0 {
        return Err(RenderError::NoFrames(path_s));
    }
    if video.emitted < total_frames {
        warnings.push(format!(
            "{path_s}: the clip ends (or breaks off) at {}: the reel is {:.2} s instead of {:.2} s",
            plan.trim.start + plan.frame_time(video.emitted),
            plan.frame_time(video.emitted).as_secs_f64(),
            plan.frame_time(total_frames).as_secs_f64()
        ));
    }
    if bad_packets > 0 {
        warnings.push(format!(
            "{path_s}: {bad_packets} damaged packet(s) were skipped"
        ));
    }

    video
        .encoder
        .send_eof()
        .map_err(lav(plan, "finishing video"))?;
    video.drain(plan, &mut octx)?;
    let total_samples = (video.emitted as i128 * rate as i128 / fps as i128) as i64;
    audio.finish(plan, total_samples, &mut octx)?;
    octx.write_trailer().map_err(|e| RenderError::Output {
        path: plan.output.display().to_string(),
        cause: e.to_string(),
    })?;
    Ok((video.emitted, warnings))
}

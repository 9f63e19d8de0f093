//! `failreel compile`: one reel from several clips ("Fail Friday").
//!
//! Two stages, so that the per-clip machinery is reused as it is (plan, analysis, pipeline):
//!
//! 1. each part is planned like a `render` reel (its own trim, cards, captions) plus its
//!    number (`#1`, `#2`… drawn by the caption compositor, clear of the cards) and rendered
//!    by [`crate::render::render`] into a near-lossless intermediate (x264 CRF 8, ultrafast)
//!    in a hidden folder beside the output. Loudness is normalised **per part to the same
//!    target** (the preset's, two-pass EBU R128 as for any reel), so every fail plays at the
//!    same level and the silent title does not drag the measurement;
//! 2. the join decodes the intermediates in order, after a title card (plain background,
//!    the title drawn with the cards' typography), crossfades picture and sound over
//!    [`TRANSITION_S`] between neighbours (equal-power for the sound), and encodes the reel
//!    once with the preset's settings through the output rule (temporary, then rename).
//!
//! Durations: title + Σ parts − one transition per part (each part overlaps what precedes
//! it). Picture and sound have exactly the same number of frames and samples.

use crate::media::decode::{Decoded, Flow, RangeDecoder, VideoRange};
use crate::media::encode::{fltp, open_audio, open_video, VideoFormat};
use crate::media::mux::Mp4Writer;
use crate::media::resample::AudioTimeline;
use crate::media::{lav, RenderError};
use crate::model::time::Micros;
use crate::model::CardPosition;
use crate::plan::captions::{place_overlay, CaptionPlan};
use crate::plan::{EncoderPlan, RenderPlan};
use crate::text::card::TextEngine;
use crate::text::composite::YuvOverlay;
use ffmpeg_next as ff;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Length of the title card, seconds.
pub const TITLE_S: f64 = 2.5;
/// Length of each transition (crossfade), seconds.
pub const TRANSITION_S: f64 = 0.4;

/// What a compilation is: its parts' plans (rendered to intermediates) and how they join.
#[derive(Debug, Clone, Serialize)]
pub struct CompilePlan {
    /// The reel written.
    pub output: PathBuf,
    /// Preset name.
    pub preset: String,
    /// Title drawn on the opening card (empty: a card with the preset's went-wrong heading
    /// is not drawn; the title card is plain).
    pub title: String,
    /// Title card length in frames.
    pub title_frames: u64,
    /// Crossfade length in frames.
    pub transition_frames: u64,
    /// How loudness is made even: per part, to the preset's target.
    pub loudness: &'static str,
    /// Each part as it is rendered to its intermediate (its number among its captions).
    pub parts: Vec<RenderPlan>,
    /// Where the title is drawn.
    pub title_rect: Option<crate::text::card::CardRect>,
    /// The reel's frames: title + parts − transitions.
    pub frames: u64,
    /// Frame rate.
    pub fps: u32,
    /// The reel's encoder settings (the preset's).
    pub encoder: EncoderPlan,
}

impl CompilePlan {
    /// Frames the reel has for parts of `lens` frames.
    pub fn total_frames(title: u64, transition: u64, lens: &[u64]) -> u64 {
        title + lens.iter().sum::<u64>() - transition * lens.len() as u64
    }

    /// A short stable hash (FNV-1a of its JSON), for the reel's tag and resume.
    pub fn hash(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let mut h: u64 = 0xcbf29ce484222325;
        for b in json.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        format!("{h:016x}")
    }
}

/// Adds the part's number (`#k`) to a part plan: at the top of the safe zone, clear of the
/// cards, for the whole part.
pub fn number_part(plan: &mut RenderPlan, k: usize) -> Result<(), crate::text::card::CardError> {
    let mut engine = TextEngine::new();
    let len = plan.frame_time(plan.video.frames);
    let badge = place_overlay(
        &mut engine,
        plan,
        &format!("#{k}"),
        Micros::ZERO,
        len,
        CardPosition::Top,
    )?;
    plan.captions.extend(badge);
    Ok(())
}

/// The encoder settings of an intermediate: near-lossless and fast.
pub fn intermediate_encoder(enc: &EncoderPlan) -> EncoderPlan {
    EncoderPlan {
        crf: 8,
        preset: "ultrafast".into(),
        max_bitrate_kbps: 0,
        ..enc.clone()
    }
}

/// A finished stage-1 part: its intermediate file and frames.
pub struct Part {
    /// The intermediate.
    pub path: PathBuf,
    /// Its frames.
    pub frames: u64,
}

/// A plain frame of `color` (Y, U, V).
fn solid_frame(w: u32, h: u32, yuv: [u8; 3]) -> ff::frame::Video {
    let mut f = ff::frame::Video::new(ff::format::Pixel::YUV420P, w, h);
    for (plane, v) in yuv.iter().enumerate() {
        f.data_mut(plane).fill(*v);
    }
    f
}

/// `a` crossfaded into `b` at `alpha` (0 = a, 1 = b), into a new frame.
fn blend(a: &ff::frame::Video, b: &ff::frame::Video, alpha: f32) -> ff::frame::Video {
    let (w, h) = (a.width(), a.height());
    let mut out = ff::frame::Video::new(ff::format::Pixel::YUV420P, w, h);
    let k = (alpha.clamp(0.0, 1.0) * 256.0) as u32;
    for plane in 0..3 {
        let (pw, ph) = if plane == 0 {
            (w as usize, h as usize)
        } else {
            (w.div_ceil(2) as usize, h.div_ceil(2) as usize)
        };
        let (sa, sb, so) = (a.stride(plane), b.stride(plane), out.stride(plane));
        let (da, db) = (a.data(plane), b.data(plane));
        let dout = out.data_mut(plane);
        for row in 0..ph {
            let (ra, rb) = (&da[row * sa..row * sa + pw], &db[row * sb..row * sb + pw]);
            let ro = &mut dout[row * so..row * so + pw];
            for i in 0..pw {
                ro[i] = ((ra[i] as u32 * (256 - k) + rb[i] as u32 * k + 128) >> 8) as u8;
            }
        }
    }
    out
}

fn copy_frame(f: &ff::frame::Video) -> ff::frame::Video {
    let mut c = ff::frame::Video::new(ff::format::Pixel::YUV420P, f.width(), f.height());
    for plane in 0..3 {
        let rows = if plane == 0 {
            f.height() as usize
        } else {
            f.height().div_ceil(2) as usize
        };
        let w = if plane == 0 {
            f.width() as usize
        } else {
            f.width().div_ceil(2) as usize
        };
        let (ss, sd) = (f.stride(plane), c.stride(plane));
        let src = f.data(plane);
        let dst = c.data_mut(plane);
        for r in 0..rows {
            dst[r * sd..r * sd + w].copy_from_slice(&src[r * ss..r * ss + w]);
        }
    }
    c
}

/// The reel's sound: every sample, mixed in place, encoded as soon as it is final.
struct ReelAudio {
    l: Vec<f32>,
    r: Vec<f32>,
    encoded: usize,
    frame_size: usize,
    enc: ff::encoder::Audio,
    stream: usize,
    ost_tb: ff::Rational,
    rate: u32,
}

impl ReelAudio {
    /// Adds `l`/`r` at reel sample `pos`, scaled by `gain(i)` for the part's sample `i`.
    fn add(&mut self, pos: usize, first: usize, l: &[f32], r: &[f32], gain: &dyn Fn(usize) -> f32) {
        for k in 0..l.len() {
            let at = pos + k;
            if at >= self.l.len() {
                break;
            }
            let g = gain(first + k);
            self.l[at] += l[k] * g;
            self.r[at] += r[k] * g;
        }
    }

    /// Encodes whole frames up to reel sample `upto` (everything with `all`).
    fn encode_until(
        &mut self,
        upto: usize,
        all: bool,
        out: &mut Mp4Writer,
        path: &Path,
    ) -> Result<(), RenderError> {
        let upto = upto.min(self.l.len());
        while self.encoded < upto
            && (upto - self.encoded >= self.frame_size || (all && upto == self.l.len()))
        {
            let n = self.frame_size.min(upto - self.encoded);
            let mut f = ff::frame::Audio::new(fltp(), n, ff::ChannelLayout::default(2));
            f.set_rate(self.rate);
            let s = self.encoded;
            for (plane, src) in [&self.l, &self.r].into_iter().enumerate() {
                let dst = &mut f.plane_mut::<f32>(plane)[..n];
                for (d, v) in dst.iter_mut().zip(&src[s..s + n]) {
                    *d = v.clamp(-1.0, 1.0);
                }
            }
            f.set_pts(Some(s as i64));
            self.encoded += n;
            self.enc
                .send_frame(&f)
                .map_err(lav(path, "encoding audio"))?;
            self.drain(out, path)?;
        }
        Ok(())
    }

    fn drain(&mut self, out: &mut Mp4Writer, path: &Path) -> Result<(), RenderError> {
        let mut pkt = ff::Packet::empty();
        loop {
            match self.enc.receive_packet(&mut pkt) {
                Ok(()) => {
                    pkt.set_stream(self.stream);
                    pkt.rescale_ts(ff::Rational(1, self.rate as i32), self.ost_tb);
                    out.write(&pkt, "writing audio")?;
                }
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(lav(path, "encoding audio")(e)),
            }
        }
    }
}

/// The reel's picture encoder.
struct ReelVideo {
    enc: ff::encoder::Video,
    stream: usize,
    ost_tb: ff::Rational,
    fps: u32,
    next: u64,
}

impl ReelVideo {
    fn send(
        &mut self,
        f: Option<&mut ff::frame::Video>,
        out: &mut Mp4Writer,
        path: &Path,
    ) -> Result<(), RenderError> {
        match f {
            Some(f) => {
                f.set_pts(Some(self.next as i64));
                f.set_kind(ff::picture::Type::None);
                f.set_color_range(ff::color::Range::MPEG);
                f.set_color_space(ff::color::Space::BT709);
                f.set_color_primaries(ff::color::Primaries::BT709);
                f.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);
                self.next += 1;
                self.enc
                    .send_frame(f)
                    .map_err(lav(path, "encoding video"))?;
            }
            None => self.enc.send_eof().map_err(lav(path, "finishing video"))?,
        }
        let tb = ff::Rational(1, self.fps as i32);
        loop {
            let mut pkt = ff::Packet::empty();
            match self.enc.receive_packet(&mut pkt) {
                Ok(()) => {
                    pkt.set_stream(self.stream);
                    pkt.rescale_ts(tb, self.ost_tb);
                    out.write(&pkt, "writing video")?;
                }
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(lav(path, "encoding video")(e)),
            }
        }
    }
}

/// The title's look: the cards' style, its text 1.6 times the body size.
pub fn title_style(style: &crate::config::preset::CardStyle) -> crate::config::preset::CardStyle {
    let mut s = style.clone();
    s.body_size *= 1.6;
    s.min_body_size = s.min_body_size.max(s.body_size * 0.5);
    s
}

/// The title card's picture: a plain dark background with the title drawn in the middle of
/// the safe zone with the cards' look.
pub fn title_frame(
    plan: &CompilePlan,
    first: &RenderPlan,
) -> Result<ff::frame::Video, RenderError> {
    let (w, h) = (first.video.width, first.video.height);
    // #141414 in limited-range BT.709.
    let mut f = solid_frame(w, h, [33, 128, 128]);
    if !plan.title.is_empty() {
        let mut engine = TextEngine::new();
        let img = engine
            .render_card(
                "",
                &plan.title,
                &title_style(&first.card_style),
                CardPosition::Center,
                (w, h),
                first.safe_zone,
                0.6,
            )
            .map_err(|e| RenderError::Card {
                path: plan.output.display().to_string(),
                source: e,
            })?;
        let overlay = YuvOverlay::from_rgba(&img);
        for plane in 0..3 {
            let stride = f.stride(plane);
            overlay.blend_plane(plane, f.data_mut(plane), stride, w, h, 1.0, 0);
        }
    }
    Ok(f)
}

/// Stage 2: joins the title and the `parts` into `tmp` (the output's temporary), tagged `tag`.
pub fn join(
    plan: &CompilePlan,
    parts: &[Part],
    tag: &str,
    tmp: &Path,
    cancel: &AtomicBool,
) -> Result<u64, RenderError> {
    let first = &plan.parts[0];
    let out_path = plan.output.as_path();
    let input0 = parts[0].path.as_path();
    let fps = plan.fps;
    let rate = plan.encoder.sample_rate;
    let x = plan.transition_frames;
    let samples_of = |frames: u64| (frames as u128 * rate as u128 / fps as u128) as usize;

    let mut out = Mp4Writer::create(tmp, out_path, input0)?;
    let gh = out.global_header();
    let venc = open_video(
        out_path,
        &plan.encoder,
        &VideoFormat {
            width: first.video.width,
            height: first.video.height,
            fps,
            threads: 0,
        },
        gh,
    )?;
    let vstream = out.add_video(&venc, fps)?;
    let aenc = open_audio(out_path, &plan.encoder, gh)?;
    let frame_size = match aenc.frame_size() {
        0 => 1024,
        n => n as usize,
    };
    let astream = out.add_audio(&aenc, rate)?;
    out.write_header(tag)?;
    let mut video = ReelVideo {
        enc: venc,
        stream: vstream,
        ost_tb: out.time_base(vstream),
        fps,
        next: 0,
    };
    let total_samples = samples_of(plan.frames);
    let mut audio = ReelAudio {
        l: vec![0.0; total_samples],
        r: vec![0.0; total_samples],
        encoded: 0,
        frame_size,
        enc: aenc,
        stream: astream,
        ost_tb: out.time_base(astream),
        rate,
    };

    // The title: its last `x` frames are the first crossfade's "before".
    let title = title_frame(plan, first)?;
    for _ in 0..plan.title_frames - x {
        let mut f = copy_frame(&title);
        video.send(Some(&mut f), &mut out, out_path)?;
    }
    let mut tail: Vec<ff::frame::Video> = (0..x).map(|_| copy_frame(&title)).collect();
    let mut start = plan.title_frames - x;
    let xs = samples_of(x);
    for (j, part) in parts.iter().enumerate() {
        let last = j + 1 == parts.len();
        let n = part.frames;
        let next_start = if last { plan.frames } else { start + n - x };
        let mut next_tail = Vec::new();
        let mut dec = RangeDecoder::open(&part.path, 0, Micros::ZERO)?;
        dec.with_video(VideoRange {
            first: 0,
            total: n,
            fps,
            threads: 0,
        })?;
        let has_audio = dec
            .with_audio(1)
            .map_err(lav(&part.path, "opening audio"))?;
        let part_samples = samples_of(n);
        let mut timeline = AudioTimeline::new(rate, part_samples as i64);
        let mut placed = 0usize;
        let pos0 = samples_of(start);
        let fade_out_from = part_samples.saturating_sub(xs);
        let gain = |i: usize| -> f32 {
            let mut g = 1.0f32;
            if i < xs {
                g *= (std::f32::consts::FRAC_PI_2 * i as f32 / xs as f32).sin();
            }
            if !last && i >= fade_out_from {
                g *= (std::f32::consts::FRAC_PI_2 * (i - fade_out_from) as f32 / xs as f32).cos();
            }
            g
        };
        let audio_final = samples_of(next_start);
        let mut shown = 0u64;
        let path = part.path.clone();
        dec.run(Some(cancel), |item| {
            match item {
                Decoded::Picture(s) => {
                    for _ in 0..s.count {
                        let i = shown;
                        shown += 1;
                        if i >= n {
                            break;
                        }
                        if i < x {
                            let alpha = (i + 1) as f32 / (x + 1) as f32;
                            let mut f = blend(&tail[i as usize], &s.frame, alpha);
                            video.send(Some(&mut f), &mut out, out_path)?;
                        } else if !last && i >= n - x {
                            next_tail.push(copy_frame(&s.frame));
                        } else {
                            let mut f = copy_frame(&s.frame);
                            video.send(Some(&mut f), &mut out, out_path)?;
                        }
                    }
                }
                Decoded::Sound(frame, t) => {
                    timeline.push_decoded(&path, frame, t)?;
                    let [l, r] = &mut timeline.pending;
                    audio.add(pos0 + placed, placed, l, r, &gain);
                    placed += l.len();
                    l.clear();
                    r.clear();
                    audio.encode_until(
                        (pos0 + placed).min(audio_final),
                        false,
                        &mut out,
                        out_path,
                    )?;
                }
            }
            Ok(Flow::Continue)
        })?;
        // Pads (silence) or cuts the part's sound to its picture's length.
        timeline.close(part_samples as i64);
        let [l, r] = &mut timeline.pending;
        let take = part_samples.saturating_sub(placed).min(l.len());
        audio.add(pos0 + placed, placed, &l[..take], &r[..take], &gain);
        let _ = has_audio;
        if shown < n {
            return Err(RenderError::Thread {
                path: part.path.display().to_string(),
                what: format!("the intermediate part has {shown} frames, expected {n}"),
            });
        }
        audio.encode_until(audio_final, last, &mut out, out_path)?;
        if !last {
            tail = next_tail;
        }
        start = next_start;
    }
    audio.encode_until(total_samples, true, &mut out, out_path)?;
    audio
        .enc
        .send_eof()
        .map_err(lav(out_path, "finishing audio"))?;
    audio.drain(&mut out, out_path)?;
    video.send(None, &mut out, out_path)?;
    out.finish()?;
    Ok(video.next)
}

/// The number captions of a plan (for tests and the dry run).
pub fn numbers(plan: &RenderPlan) -> Vec<&CaptionPlan> {
    plan.captions
        .iter()
        .filter(|c| c.text.starts_with('#'))
        .collect()
}

/// Why a compilation stopped.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// Usage or configuration problems (exit 2), before anything was rendered.
    #[error("{}", .0.join("; "))]
    Usage(Vec<String>),
    /// A clip cannot be read.
    #[error(transparent)]
    Probe(#[from] crate::media::input::ProbeError),
    /// A part cannot be planned.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The output may not be written.
    #[error(transparent)]
    Output(#[from] crate::render::output::OutputError),
}

/// What a finished compilation did.
#[derive(Debug, Clone, Serialize)]
pub struct CompileReport {
    /// The reel.
    pub output: PathBuf,
    /// `ok` or `skipped` (up to date).
    pub status: &'static str,
    /// Frames written.
    pub frames: u64,
    /// Reel length, seconds.
    pub duration_s: f64,
    /// Parts.
    pub parts: usize,
    /// Wall time of stage 1 (the parts), seconds.
    pub parts_seconds: f64,
    /// Wall time of the join, seconds.
    pub join_seconds: f64,
    /// Warnings (from planning and rendering the parts).
    pub warnings: Vec<String>,
}

/// The hidden folder of a compilation's intermediates, beside its output.
pub fn parts_dir(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reel.mp4".into());
    output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.failreel-parts"))
}

/// Plans a compilation: every part planned (probed, trimmed, cards, captions, its number),
/// the title laid out, the length checked against the preset (too long: a usage error
/// saying by how much). Renders nothing.
pub fn plan_compilation(
    args: &crate::cli::CompileArgs,
) -> Result<(CompilePlan, Vec<String>), CompileError> {
    let dir = parts_dir(&args.output);
    let render_args = crate::cli::RenderArgs {
        inputs: args.inputs.clone(),
        manifest: args.manifest.clone(),
        output: None,
        out_dir: Some(dir.clone()),
        jobs: None,
        force: args.force,
        shard: None,
        dry_run: args.dry_run,
        json: args.json,
        quiet: args.quiet,
        report: false,
        reel: crate::cli::ReelArgs {
            preset: args.reel.preset.clone(),
            request: args.reel.request.clone(),
        },
    };
    if args.manifest.is_some() && !args.inputs.is_empty() {
        return Err(CompileError::Usage(vec![
            "give either a --manifest or input files, not both".into(),
        ]));
    }
    let clips = crate::cli::jobs::clips_from(&render_args).map_err(CompileError::Usage)?;
    if clips.is_empty() {
        return Err(CompileError::Usage(
            vec!["a compilation needs clips".into()],
        ));
    }
    let preset = clips[0].preset.clone();
    if let Some(c) = clips.iter().find(|c| c.preset.name != preset.name) {
        return Err(CompileError::Usage(vec![format!(
            "a compilation is one reel with one preset, but clips ask for {} and {} ({}): give -p",
            preset.name,
            c.preset.name,
            c.input.display()
        )]));
    }
    let mut parts = Vec::new();
    let mut warnings = Vec::new();
    for (k, clip) in clips.iter().enumerate() {
        let info = crate::media::input::probe(&clip.input)?;
        let out = dir.join(format!("part-{}.mp4", k + 1));
        let plan = crate::plan::plan_reel(&info, &clip.request, &preset, out)?;
        let plan = crate::plan::cover::with_cover(plan, &clip.request);
        let mut plan = crate::plan::captions::with_captions(plan, &clip.request)?;
        number_part(&mut plan, k + 1).map_err(|source| crate::plan::PlanError::Card {
            path: clip.input.display().to_string(),
            card: "number",
            source,
        })?;
        for w in &plan.warnings {
            warnings.push(format!("{}: {w}", clip.input.display()));
        }
        plan.outputs[0].encoder = intermediate_encoder(plan.encoder());
        parts.push(plan);
    }
    let fps = preset.video.fps;
    let frames_of = |s: f64| (s * fps as f64).round() as u64;
    let title_frames = frames_of(TITLE_S);
    let transition_frames = frames_of(TRANSITION_S);
    let lens: Vec<u64> = parts.iter().map(|p| p.video.frames).collect();
    if let Some((k, _)) = lens
        .iter()
        .enumerate()
        .find(|(_, &n)| n < 2 * transition_frames + 1)
    {
        return Err(CompileError::Usage(vec![format!(
            "{}: the part is shorter than two transitions ({:.1} s): give it at least {:.1} s",
            clips[k].input.display(),
            TRANSITION_S * 2.0,
            TRANSITION_S * 2.0 + 0.1
        )]));
    }
    let frames = CompilePlan::total_frames(title_frames, transition_frames, &lens);
    let secs = frames as f64 / fps as f64;
    if secs > preset.length.max_s + 1e-9 {
        return Err(CompileError::Usage(vec![format!(
            "the compilation would be {secs:.1} s, {:.1} s longer than {} allows ({:.0} s): shorten the clips (--end/--duration, or `end` in the manifest) or leave some out",
            secs - preset.length.max_s,
            preset.name,
            preset.length.max_s
        )]));
    }
    let title = args.title.clone().unwrap_or_default();
    let title_rect = if title.trim().is_empty() {
        None
    } else {
        Some(
            TextEngine::new()
                .layout_card(
                    "",
                    &title,
                    &title_style(&preset.cards.style),
                    CardPosition::Center,
                    (preset.video.width, preset.video.height),
                    preset.safe_zone,
                    0.6,
                )
                .map_err(|source| crate::plan::PlanError::Card {
                    path: args.output.display().to_string(),
                    card: "title",
                    source,
                })?,
        )
    };
    let encoder = EncoderPlan {
        crf: args.reel.request.crf.unwrap_or(preset.video.crf).get(),
        preset: args
            .reel
            .request
            .encoder_preset
            .unwrap_or(preset.video.x264_preset)
            .to_string(),
        max_bitrate_kbps: preset.video.max_bitrate_kbps,
        ..parts[0].encoder().clone()
    };
    Ok((
        CompilePlan {
            output: args.output.clone(),
            preset: preset.name.clone(),
            title: title.trim().to_string(),
            title_frames,
            transition_frames,
            loudness: "per part, to the preset's target",
            parts,
            title_rect,
            frames,
            fps,
            encoder,
        },
        warnings,
    ))
}

/// Removes the intermediates' folder when dropped.
struct PartsDir(PathBuf);
impl Drop for PartsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Renders a planned compilation: the parts to intermediates, then the join, through the
/// output rule. Skips (status `skipped`) a reel that is up to date unless `force`.
pub fn render_compilation(
    mut plan: CompilePlan,
    mut warnings: Vec<String>,
    force: bool,
    cancel: &AtomicBool,
) -> Result<CompileReport, CompileError> {
    let inputs: Vec<&Path> = plan.parts.iter().map(|p| p.input()).collect();
    crate::render::output::check_target(&plan.output, &inputs, force, crate::render::reel_is_ours)?;
    let hash = plan.hash();
    let tag = format!("failreel {} plan {hash}", env!("CARGO_PKG_VERSION"));
    if !force {
        if let crate::render::ExistingReel::Ours {
            hash: h,
            complete: true,
        } = crate::render::existing_reel(&plan.output)
        {
            if h == hash {
                return Ok(CompileReport {
                    output: plan.output.clone(),
                    status: "skipped",
                    frames: plan.frames,
                    duration_s: plan.frames as f64 / plan.fps as f64,
                    parts: plan.parts.len(),
                    parts_seconds: 0.0,
                    join_seconds: 0.0,
                    warnings,
                });
            }
        }
    }
    let writer = crate::render::output::Writer::begin(&plan.output, &inputs)?;
    let dir = parts_dir(&plan.output);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| crate::render::output::OutputError::io(&dir, e))?;
    let _cleanup = PartsDir(dir);
    let started = std::time::Instant::now();
    let mut parts = Vec::new();
    for p in &plan.parts {
        let r = crate::render::render(
            p,
            &crate::render::RenderOptions::default(),
            &crate::render::NoProgress,
            cancel,
        )?;
        warnings.extend(r.warnings);
        parts.push(Part {
            path: p.output().to_path_buf(),
            frames: r.frames,
        });
    }
    let parts_seconds = started.elapsed().as_secs_f64();
    // A clip that ended early gives a shorter part: the reel follows what was rendered.
    let lens: Vec<u64> = parts.iter().map(|p| p.frames).collect();
    plan.frames = CompilePlan::total_frames(plan.title_frames, plan.transition_frames, &lens);
    let joined = std::time::Instant::now();
    let frames = join(&plan, &parts, &tag, writer.temp(), cancel)?;
    writer.commit()?;
    Ok(CompileReport {
        output: plan.output.clone(),
        status: "ok",
        frames,
        duration_s: frames as f64 / plan.fps as f64,
        parts: parts.len(),
        parts_seconds,
        join_seconds: joined.elapsed().as_secs_f64(),
        warnings,
    })
}

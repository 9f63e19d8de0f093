//! Executes a [`CompilePlan`] on the render's own pipeline: its segments (the cold open, the
//! title over the first part's blurred opening, each part) each decoded once and converted by
//! the render's convert stage (its window, cards, captions, number and replay), crossfaded
//! into their neighbours by a joiner, and encoded once by one x264 and one AAC into one MP4
//! under the output rule.
//!
//! Threads: the demux loop of each part runs on the caller's thread (it also shapes the
//! part's sound and mixes it into the reel's), each part's convert stage on its own, the
//! joiner and the encoder on theirs, joined by bounded channels. The joiner holds back the
//! last [`CompilePlan::transition_frames`] pictures of each segment until the next segment's
//! first pictures arrive and are blended with them, so a part that ends early still joins
//! cleanly.

use super::audio::{send_pcm, Shaper};
use super::compose::{CardsJob, PictureChain, ToEncode};
use super::pipeline::{encode_stage, range_warnings, then_replay, Source};
use super::{Progress, RenderOptions, RenderReport};
use crate::media::decode::{Decoded, Flow, Shown};
use crate::media::encode::{open_audio, open_video, VideoFormat};
use crate::media::mux::Mp4Writer;
use crate::media::{lav, RenderError};
use crate::model::time::Micros;
use crate::plan::compile::CompilePlan;
use crate::plan::RenderPlan;
use ffmpeg_next as ff;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Instant;

/// The comment tag of a compilation: the plan's hash and its request key.
pub fn compile_tag(plan: &CompilePlan) -> String {
    super::tag_text(&plan.hash(), &plan.request)
}

/// Renders `plan` to `plan.output`, atomically (temporary, then rename), reporting frames
/// to `progress`.
pub fn render_compilation(
    plan: &CompilePlan,
    opts: &RenderOptions,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<RenderReport, RenderError> {
    super::init_libav();
    let started = Instant::now();
    let inputs: Vec<&Path> = plan.parts.iter().flat_map(|p| p.inputs()).collect();
    let writer = super::output::Writer::begin(&plan.output, &inputs)?;
    progress.begin(plan.frames);
    let result = join(
        plan,
        &compile_tag(plan),
        opts,
        writer.temp(),
        progress,
        cancel,
    );
    progress.end();
    let (frames, warnings) = result?;
    let notices = super::removed_notice(writer.removed_stale, &plan.output)
        .into_iter()
        .collect();
    writer.commit()?;
    Ok(RenderReport {
        frames,
        duration: Micros((frames as i128 * 1_000_000 / plan.fps.max(1) as i128) as i64),
        render_seconds: started.elapsed().as_secs_f64(),
        warnings,
        loudness: None,
        notices,
    })
}

/// `a` crossfaded into `b` at `alpha` (0 = a, 1 = b), into `b`.
fn blend_into(a: &ff::frame::Video, b: &mut ff::frame::Video, alpha: f32) {
    let (w, h) = (b.width(), b.height());
    let k = (alpha.clamp(0.0, 1.0) * 256.0) as u32;
    for plane in 0..3 {
        let (pw, ph) = if plane == 0 {
            (w as usize, h as usize)
        } else {
            (w.div_ceil(2) as usize, h.div_ceil(2) as usize)
        };
        let (sa, sb) = (a.stride(plane), b.stride(plane));
        let da = a.data(plane);
        let db = b.data_mut(plane);
        for row in 0..ph {
            let ra = &da[row * sa..row * sa + pw];
            let rb = &mut db[row * sb..row * sb + pw];
            for (o, x) in rb.iter_mut().zip(ra) {
                *o = ((*x as u32 * (256 - k) + *o as u32 * k + 128) >> 8) as u8;
            }
        }
    }
}

/// A frame the joiner may keep and change: a writable copy unless it already is one.
fn owned(f: ff::frame::Video) -> ff::frame::Video {
    if crate::media::ffi::is_writable(&f) {
        return f;
    }
    let mut c = ff::frame::Video::new(f.format(), f.width(), f.height());
    c.clone_from(&f);
    c
}

/// The joiner: reads each segment's pictures in turn (a channel per segment, handed over on
/// `segments`), blends the first `x` of each segment after the first with the last `x` of
/// the one before, and sends every picture on to the encoder with its index on the reel.
/// The number of pictures sent.
fn joiner(
    segments: Receiver<Receiver<ToEncode>>,
    x: usize,
    to_encode: SyncSender<ToEncode>,
) -> u64 {
    let mut sent = 0u64;
    let mut send = |frame: ff::frame::Video| -> bool {
        let ok = to_encode
            .send(ToEncode {
                frame,
                index: sent,
                pooled: false,
            })
            .is_ok();
        sent += 1;
        ok
    };
    let mut tail: Vec<ff::frame::Video> = Vec::new();
    let mut held: VecDeque<ff::frame::Video> = VecDeque::new();
    for seg in segments {
        for (local, msg) in seg.into_iter().enumerate() {
            let mut f = owned(msg.frame);
            if local < tail.len() {
                let alpha = (local + 1) as f32 / (tail.len() + 1) as f32;
                blend_into(&tail[local], &mut f, alpha);
            }
            held.push_back(f);
            while held.len() > x {
                if !send(held.pop_front().expect("longer than x")) {
                    return sent;
                }
            }
        }
        tail = held.drain(..).collect();
    }
    for f in tail {
        if !send(f) {
            break;
        }
    }
    sent
}

/// The reel's sound: every segment's samples mixed in place (equal-power crossfades), encoded
/// once they are final.
struct ReelSound {
    l: Vec<f32>,
    r: Vec<f32>,
    encoded: usize,
    frame_size: usize,
    encoder: ff::encoder::Audio,
    stream: usize,
    ost_tb: ff::Rational,
    rate: u32,
}

impl ReelSound {
    /// Adds `l`/`r` at reel sample `pos`, scaled by `gain(i)` for the segment's sample `first + i`.
    fn add(&mut self, pos: usize, first: usize, l: &[f32], r: &[f32], gain: &dyn Fn(usize) -> f32) {
        let end = pos + l.len();
        if self.l.len() < end {
            self.l.resize(end, 0.0);
            self.r.resize(end, 0.0);
        }
        for k in 0..l.len() {
            let g = gain(first + k);
            self.l[pos + k] += l[k] * g;
            self.r[pos + k] += r[k] * g;
        }
    }

    /// Multiplies samples `from..to` by `gain(i)` for their index `i` from `from` (the part's
    /// fade-out once its length is known).
    fn scale(&mut self, from: usize, to: usize, gain: &dyn Fn(usize) -> f32) {
        let to = to.min(self.l.len());
        for i in from..to {
            let g = gain(i - from);
            self.l[i] *= g;
            self.r[i] *= g;
        }
    }

    /// Encodes whole frames up to reel sample `upto` (the rest too with `all`).
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
            let s = self.encoded;
            let clamp = |v: &[f32]| v.iter().map(|x| x.clamp(-1.0, 1.0)).collect::<Vec<f32>>();
            let (l, r) = (clamp(&self.l[s..s + n]), clamp(&self.r[s..s + n]));
            send_pcm(&mut self.encoder, &l, &r, s as i64, path)?;
            self.encoded += n;
            self.drain(out, path)?;
        }
        Ok(())
    }

    fn drain(&mut self, out: &mut Mp4Writer, path: &Path) -> Result<(), RenderError> {
        let mut pkt = ff::Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut pkt) {
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

/// The reel's video packets as the encoder hands them back, written to the MP4.
fn write_video(
    out: &mut Mp4Writer,
    packets: &Receiver<(usize, ff::Packet)>,
    stream: usize,
    from: ff::Rational,
    to: ff::Rational,
    wait: bool,
) -> Result<(), RenderError> {
    let mut write = |mut p: ff::Packet| -> Result<(), RenderError> {
        p.set_stream(stream);
        p.rescale_ts(from, to);
        out.write(&p, "writing video")
    };
    if wait {
        for (_, p) in packets.iter() {
            write(p)?;
        }
    } else {
        while let Ok((_, p)) = packets.try_recv() {
            write(p)?;
        }
    }
    Ok(())
}

/// Title and parts into `tmp`, tagged `tag`: the frames written and the warnings.
fn join(
    plan: &CompilePlan,
    tag: &str,
    opts: &RenderOptions,
    tmp: &Path,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<(u64, Vec<String>), RenderError> {
    let first = plan
        .parts
        .first()
        .ok_or_else(|| RenderError::NoFrames(format!("{}: no parts", plan.output.display())))?;
    let out_path = plan.output.as_path();
    let fps = plan.fps;
    let rate = plan.encoder.sample_rate;
    let x = plan.transition_frames;
    let samples_of = |frames: u64| (frames as u128 * rate as u128 / fps as u128) as usize;
    let mut warnings = Vec::new();

    // The cold open, the title, the parts: each a plan the render's pipeline runs.
    let reel_segments = plan.segments();
    // The cards of every segment are rasterised on their own threads while the codecs open.
    let cards = reel_segments
        .iter()
        .map(|p| CardsJob::start(p))
        .collect::<Result<Vec<_>, _>>()?;

    let mut out = Mp4Writer::create(tmp, out_path, first.input())?;
    let gh = out.global_header();
    let venc = open_video(
        first.input(),
        &plan.encoder,
        &VideoFormat {
            width: first.video.width,
            height: first.video.height,
            fps,
            threads: opts.threads,
        },
        gh,
    )?;
    let vstream = out.add_video(&venc, fps)?;
    let aenc = open_audio(first.input(), &plan.encoder, gh)?;
    let frame_size = match aenc.frame_size() {
        0 => 1024,
        n => n as usize,
    };
    let astream = out.add_audio(&aenc, rate)?;
    out.write_header(tag)?;
    let v_tb = out.time_base(vstream);
    let enc_tb = ff::Rational(1, fps as i32);
    let mut sound = ReelSound {
        l: Vec::new(),
        r: Vec::new(),
        encoded: 0,
        frame_size,
        encoder: aenc,
        stream: astream,
        ost_tb: out.time_base(astream),
        rate,
    };
    let overlays = cards
        .into_iter()
        .map(CardsJob::join)
        .collect::<Result<Vec<_>, _>>()?;
    let thread_error = |what: &str| RenderError::Thread {
        path: out_path.display().to_string(),
        what: what.to_string(),
    };

    let (segment_out, segments) = std::sync::mpsc::sync_channel::<Receiver<ToEncode>>(1);
    let (to_encode, encode_in) = std::sync::mpsc::sync_channel::<ToEncode>(3);
    let (packet_out, packets) = std::sync::mpsc::channel::<(usize, ff::Packet)>();
    let (recycle, _recycled) = std::sync::mpsc::sync_channel(4);
    let emitted = std::thread::scope(|scope| -> Result<u64, RenderError> {
        let joined = std::thread::Builder::new()
            .name("failreel-join".into())
            .spawn_scoped(scope, move || joiner(segments, x as usize, to_encode))
            .map_err(|e| thread_error(&format!("cannot start a thread: {e}")))?;
        let encoder = std::thread::Builder::new()
            .name("failreel-encode".into())
            .spawn_scoped(scope, move || {
                encode_stage(first, venc, 0, encode_in, packet_out, recycle, &[progress])
            })
            .map_err(|e| thread_error(&format!("cannot start a thread: {e}")))?;

        let fed = (|| -> Result<(), RenderError> {
            // Each segment after the first starts `x` frames before the end of what precedes
            // it.
            let mut start = 0u64;
            for (j, part) in reel_segments.iter().enumerate() {
                if cancel.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(RenderError::Cancelled(out_path.display().to_string()));
                }
                let xj = if j == 0 { 0 } else { x };
                start = start.saturating_sub(xj);
                let last = j + 1 == reel_segments.len();
                let (tx, rx) = std::sync::mpsc::sync_channel(3);
                segment_out
                    .send(rx)
                    .map_err(|_| thread_error("the joiner stopped"))?;
                let n = run_part(
                    part,
                    &overlays[j],
                    tx,
                    opts,
                    cancel,
                    &mut warnings,
                    samples_of(start),
                    samples_of(xj),
                    &mut sound,
                    &mut out,
                    &mut |out| write_video(out, &packets, vstream, enc_tb, v_tb, false),
                )?;
                // The segment's fade-out under the next one's fade-in, now that its end is
                // known.
                let (from, to) = (
                    samples_of((start + n).saturating_sub(x)),
                    samples_of(start + n),
                );
                if !last {
                    let xs = (to - from).max(1);
                    sound.scale(from, to, &|i| {
                        (std::f32::consts::FRAC_PI_2 * i as f32 / xs as f32).cos()
                    });
                }
                start += n;
                sound.encode_until(from, false, &mut out, out_path)?;
            }
            Ok(())
        })();
        drop(segment_out);
        let joined = joined
            .join()
            .map_err(|_| thread_error("the joining thread stopped unexpectedly"));
        write_video(&mut out, &packets, vstream, enc_tb, v_tb, true)?;
        let encoded = encoder
            .join()
            .map_err(|_| thread_error("the encoding thread stopped unexpectedly"))?;
        fed?;
        let sent = joined?;
        let encoded = encoded?;
        Ok(sent.min(encoded))
    })?;
    // Sound and picture end together.
    let total = samples_of(emitted);
    if sound.l.len() < total {
        sound.l.resize(total, 0.0);
        sound.r.resize(total, 0.0);
    }
    sound.l.truncate(total);
    sound.r.truncate(total);
    sound.encode_until(total, true, &mut out, out_path)?;
    sound
        .encoder
        .send_eof()
        .map_err(lav(out_path, "finishing audio"))?;
    sound.drain(&mut out, out_path)?;
    out.finish()?;
    if emitted < plan.frames {
        warnings.push(format!(
            "{}: the compilation is {:.2} s instead of {:.2} s (a clip ended early)",
            out_path.display(),
            emitted as f64 / fps as f64,
            plan.frames as f64 / fps as f64
        ));
    }
    Ok((emitted, warnings))
}

/// Decodes one part and sends its pictures (converted with its own window, cards, captions,
/// number and replay) on `frames`; shapes its sound (its gain, limiter, edge fades; the
/// replay's own sound slowed) and mixes it into `sound` from reel sample `pos0` with an equal-power fade
/// in over `xs` samples. Returns the part's frames.
#[allow(clippy::too_many_arguments)]
fn run_part(
    plan: &RenderPlan,
    overlays: &[super::compose::CardLayers],
    frames: SyncSender<ToEncode>,
    opts: &RenderOptions,
    cancel: &AtomicBool,
    warnings: &mut Vec<String>,
    pos0: usize,
    xs: usize,
    sound: &mut ReelSound,
    out: &mut Mp4Writer,
    drain_video: &mut dyn FnMut(&mut Mp4Writer) -> Result<(), RenderError>,
) -> Result<u64, RenderError> {
    let path_s = plan.input().display().to_string();
    let Source {
        mut source,
        decode_threads,
        big_source,
    } = Source::open(
        plan,
        &RenderOptions {
            threads: opts.threads,
        },
        warnings,
    )?;
    let vtb = source.video_time_base();
    let total = plan.reel_frames();
    let main_frames = plan.video.frames;
    let samples = |f: u64| plan.audio_samples(f);
    let mut shaper = Shaper::of_plan(plan.input(), plan, samples(total));
    let fade_in = |i: usize| -> f32 {
        if i < xs {
            (std::f32::consts::FRAC_PI_2 * i as f32 / xs as f32).sin()
        } else {
            1.0
        }
    };
    let (recycle_tx, recycled) = std::sync::mpsc::sync_channel(4);
    drop(recycle_tx);
    let chains = [PictureChain {
        plan,
        overlays,
        output: frames,
        recycled,
    }];
    let (to_convert, convert_in) = std::sync::mpsc::sync_channel::<Shown>(usize::from(!big_source));
    let thread_error = |what: String| RenderError::Thread {
        path: path_s.clone(),
        what,
    };
    let mut placed = 0usize;
    let (demuxed, main_end) = std::thread::scope(|scope| {
        let converter = std::thread::Builder::new()
            .name("failreel-convert".into())
            .spawn_scoped(scope, move || {
                if plan.moving_window() {
                    super::moving::convert_moving(plan, &chains, vtb, convert_in)
                } else {
                    super::compose::convert_stage(plan, &chains, vtb, convert_in)
                }
            })
            .map_err(|e| thread_error(format!("cannot start a thread: {e}")))?;
        let mut splice = super::replay::Splice::new(plan, decode_threads);
        let mix = |shaper: &mut Shaper,
                   all: bool,
                   sound: &mut ReelSound,
                   placed: &mut usize,
                   out: &mut Mp4Writer|
         -> Result<(), RenderError> {
            while let Some((l, r)) = shaper.next_chunk(4096, all) {
                sound.add(pos0 + *placed, *placed, &l, &r, &fade_in);
                *placed += l.len();
            }
            // Final up to where a fade-out could still change it.
            sound.encode_until(
                (pos0 + *placed).saturating_sub(xs),
                false,
                out,
                plan.input(),
            )
        };
        let demuxed = source.run(Some(cancel), |item| {
            let flow = match item {
                Decoded::Picture(shown) => {
                    if !splice.send(shown, &to_convert, cancel)? {
                        return Ok(Flow::Stop);
                    }
                    Flow::Continue
                }
                Decoded::Sound(frame, t) => {
                    shaper.push_decoded(frame, t)?;
                    mix(&mut shaper, false, sound, &mut placed, out)?;
                    if shaper.full() {
                        Flow::EndAudio
                    } else {
                        Flow::Continue
                    }
                }
            };
            drain_video(out)?;
            Ok(flow)
        });
        let main_end = splice.main_end();
        let demuxed = then_replay(demuxed, splice, &to_convert, cancel);
        drop(to_convert);
        let converted = converter.join().unwrap_or_else(|_| {
            Err(thread_error(
                "the picture conversion thread stopped unexpectedly".into(),
            ))
        });
        converted?;
        Ok::<_, RenderError>((demuxed, main_end))
    })?;
    demuxed?;
    let main_emitted = main_end.min(main_frames);
    let emitted = if plan.replay.is_some() {
        main_emitted + (total - main_frames)
    } else {
        main_emitted
    };
    warnings.extend(range_warnings(plan, &source, main_emitted, "part"));
    shaper.close(samples(emitted))?;
    while let Some((l, r)) = shaper.next_chunk(4096, true) {
        sound.add(pos0 + placed, placed, &l, &r, &fade_in);
        placed += l.len();
    }
    Ok(emitted)
}

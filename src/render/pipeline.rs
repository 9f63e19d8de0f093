//! A render's threads: the job's thread demuxes and decodes (through the media layer's one
//! demux loop) and encodes the sound; a convert thread filters and composites; an encode thread
//! feeds x264 and hands packets back to be muxed. Bounded channels keep at most a few frames in
//! flight; converted frames that repeat are pooled, not allocated per frame.

use super::audio::AudioOut;
use super::compose::{convert_stage, CardsJob, PictureChain, ToEncode};
use super::{Progress, RenderOptions};
use crate::media::decode::{Decoded, Flow, RangeDecoder, VideoRange};
use crate::media::encode::{open_audio, open_video, VideoFormat};
use crate::media::mux::Mp4Writer;
use crate::media::{lav, RenderError};
use crate::model::time::Micros;
use crate::plan::fanout::FanoutPlan;
use crate::plan::{Loudness, RenderPlan};
use ffmpeg_next as ff;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, SyncSender};

/// What a finished pipeline produced: frames, warnings, the loudness applied.
pub(super) type Produced = (u64, Vec<String>, Option<Loudness>);

/// Renders `plan` (complete: its loudness pass has run) into the MP4 at `tmp`, tagged `tag`.
pub(super) fn run(
    plan: &RenderPlan,
    tag: &str,
    opts: &RenderOptions,
    tmp: &Path,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<Produced, RenderError> {
    let fp = FanoutPlan::new(vec![plan.clone()]).expect("one plan shares a decode with itself");
    let reel = ReelOut {
        tag: tag.to_string(),
        tmp,
        progress,
    };
    run_fanout(&fp, &[reel], opts, cancel)
        .pop()
        .expect("one result per reel")
}

/// One reel of a pipeline run: the tag it carries, the temporary it is written to and its
/// progress.
pub(super) struct ReelOut<'a> {
    /// The comment tag ([`super::reel_tag`] of the plan as asked).
    pub(super) tag: String,
    /// The temporary the MP4 is written to.
    pub(super) tmp: &'a Path,
    /// Its progress.
    pub(super) progress: &'a dyn Progress,
}

/// A reel's MP4 while the pipeline runs: written until a write fails; then the error is kept
/// and the other reels of the run go on.
struct OutFile {
    out: Option<Mp4Writer>,
    vstream: usize,
    astream: usize,
    v_tb: ff::Rational,
    a_tb: ff::Rational,
    error: Option<RenderError>,
}

impl OutFile {
    fn failed(e: RenderError) -> OutFile {
        OutFile {
            out: None,
            vstream: 0,
            astream: 0,
            v_tb: ff::Rational(1, 1),
            a_tb: ff::Rational(1, 1),
            error: Some(e),
        }
    }

    fn fail(&mut self, e: RenderError) {
        self.out = None;
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Writes a copy of `pkt` (timestamps in `from`) to its video or audio stream.
    fn write(&mut self, pkt: &ff::Packet, from: ff::Rational, video: bool) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let mut p = pkt.clone();
        let (stream, tb, what) = if video {
            (self.vstream, self.v_tb, "writing video")
        } else {
            (self.astream, self.a_tb, "writing audio")
        };
        p.set_stream(stream);
        p.rescale_ts(from, tb);
        if let Err(e) = out.write(&p, what) {
            self.fail(e);
        }
    }
}

/// An error's message with its causes (for the reels that shared a failed decode or encode).
fn chain_text(e: &RenderError) -> String {
    use std::error::Error;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let msg = s.to_string();
        if !text.contains(&msg) {
            text.push_str(": caused by: ");
            text.push_str(&msg);
        }
        source = s.source();
    }
    text
}

/// Renders the reels of `fp` (complete plans sharing one decode) from one demux and one
/// decode: the convert stage filters each frame once and composites each distinct picture's
/// cards; one x264 per distinct picture and one AAC per distinct sound, their packets muxed
/// into every reel that shares them. One result per reel, in order: a reel whose file cannot
/// be written fails alone, a decode failure fails them all.
pub(super) fn run_fanout(
    fp: &FanoutPlan,
    reels: &[ReelOut],
    opts: &RenderOptions,
    cancel: &AtomicBool,
) -> Vec<Result<Produced, RenderError>> {
    let mut files: Vec<OutFile> = fp
        .reels
        .iter()
        .zip(reels)
        .map(
            |(p, r)| match Mp4Writer::create(r.tmp, p.output(), p.input()) {
                Ok(out) => OutFile {
                    out: Some(out),
                    error: None,
                    ..OutFile::failed(RenderError::Shared(String::new()))
                },
                Err(e) => OutFile::failed(e),
            },
        )
        .collect();
    match run_shared(fp, reels, opts, cancel, &mut files) {
        Ok((emitted, warnings)) => files
            .into_iter()
            .zip(&fp.reels)
            .map(|(f, p)| match f.error {
                Some(e) => Err(e),
                None => Ok((emitted, warnings.clone(), p.audio.normalisation.loudness())),
            })
            .collect(),
        Err(e) => {
            // The first reel not failed on its own carries the error, the others its text;
            // a cancellation (the second Ctrl-C) cancels each of them, and is said so, rather
            // than failing the others with its text.
            let text = chain_text(&e);
            let cancelled = match &e {
                RenderError::Cancelled(what) => Some(what.clone()),
                _ => None,
            };
            let mut e = Some(e);
            files
                .into_iter()
                .map(|f| {
                    Err(f.error.unwrap_or_else(|| {
                        e.take().unwrap_or_else(|| match &cancelled {
                            Some(what) => RenderError::Cancelled(what.clone()),
                            None => RenderError::Shared(text.clone()),
                        })
                    }))
                })
                .collect()
        }
    }
}

/// After a range's demux loop (`demuxed`, Ok(true) when it ran to its end): with `--replay`,
/// a replay the footage did not reach yet ([`super::replay::Splice::finish`]) and a held
/// last frame.
pub(super) fn then_replay(
    demuxed: Result<bool, RenderError>,
    splice: super::replay::Splice,
    to_convert: &std::sync::mpsc::SyncSender<crate::media::decode::Shown>,
    cancel: &AtomicBool,
) -> Result<bool, RenderError> {
    match demuxed {
        Ok(true) => splice.finish(to_convert, cancel).map(|(ok, _)| ok),
        other => other,
    }
}

/// What the user should know about a decoded range: it ended before the plan's frames (at
/// `main_emitted`; `what` is "reel" or "part"), or damaged packets were skipped.
pub(super) fn range_warnings(
    plan: &RenderPlan,
    source: &RangeDecoder,
    main_emitted: u64,
    what: &str,
) -> Vec<String> {
    let path_s = plan.input().display();
    let mut warnings = Vec::new();
    let planned = plan.video.frames;
    if main_emitted < planned {
        warnings.push(format!(
            "{path_s}: the clip ends (or breaks off) at {}: the {what} is {:.2} s instead of {:.2} s",
            plan.trim().start + plan.frame_time(main_emitted),
            plan.frame_time(main_emitted).as_secs_f64(),
            plan.frame_time(planned).as_secs_f64()
        ));
    }
    if let Some((stopped, until)) = source.picture_held() {
        warnings.push(format!(
            "{path_s}: the picture stops at {} (the video has no frames after it, or their timestamps stop advancing) while the sound goes on: its last picture is held to {} so that picture and sound end together; check the clip, or trim with --end {}",
            plan.trim().start + stopped,
            plan.trim().start + until.min(plan.frame_time(planned)),
            plan.trim().start + stopped
        ));
    }
    let bad_packets = source.bad_packets();
    if bad_packets > 0 {
        warnings.push(format!(
            "{path_s}: {} skipped",
            match bad_packets {
                1 => "1 damaged packet was".to_string(),
                n => format!("{n} damaged packets were"),
            }
        ));
    }
    warnings
}

/// A plan's range of its input, open for decoding: video (and sound, when the plan has it)
/// set up, sought to the keyframe at or before the trim's start.
pub(super) struct Source {
    /// The decoder.
    pub(super) source: RangeDecoder,
    /// Its frame threads.
    pub(super) decode_threads: usize,
    /// Whether the picture is larger than 1080p (frames queue less).
    pub(super) big_source: bool,
}

impl Source {
    /// Opens `plan`'s range; problems that still leave a reel (sound that cannot be decoded,
    /// a file that cannot seek) are added to `warnings`.
    pub(super) fn open(
        plan: &RenderPlan,
        opts: &RenderOptions,
        warnings: &mut Vec<String>,
    ) -> Result<Source, RenderError> {
        let input = plan.input();
        let path_s = input.display().to_string();
        // Above 1080p each decoder frame thread holds large frames: two are enough to keep
        // up, and peak memory stays lower.
        let (src_w, src_h) = plan.video.rotated_size;
        let big_source = src_w as u64 * src_h as u64 > 1920 * 1088;
        let decode_threads = match opts.threads {
            0 if big_source => 2,
            n => n,
        };
        let mut source = RangeDecoder::open(
            input,
            plan.video.stream,
            plan.video.x264_build,
            plan.trim().start,
        )?;
        source.with_video(VideoRange {
            first: 0,
            total: plan.video.frames,
            fps: plan.video.fps,
            threads: decode_threads,
        })?;
        if let Some(ai) = plan.audio.stream {
            if let Err(e) = source.with_audio(ai) {
                warnings.push(format!(
                    "{path_s}: the audio cannot be decoded ({e}): the reel gets a silent track"
                ));
            }
        }
        // Seek to the keyframe at or before the start; frames before it are decoded and
        // dropped.
        if plan.trim().start > Micros::ZERO && !source.seek(Micros::ZERO) {
            warnings.push(format!(
                "{path_s}: cannot seek; decoding from the beginning"
            ));
        }
        Ok(Source {
            source,
            decode_threads,
            big_source,
        })
    }
}

/// x264's frame threads for each of `encodes` encoders running side by side on `cores`
/// cores. One encoder keeps `threads` (0: x264's own choice, 1.5 a core). Several share the
/// cores that one would have had: each x264 allocates a frame (and its lookahead's) per
/// thread, so three on automatic threads on two cores hold and clear 1.35 GB where 1.15 GB
/// does, and spend a tenth of the run's CPU in the kernel zeroing it; they run side by side
/// anyway.
fn encoder_threads(threads: usize, encodes: usize, cores: usize) -> usize {
    if threads != 0 || encodes <= 1 {
        return threads;
    }
    (cores * 3 / 2).div_ceil(encodes).max(1)
}

/// The part of [`run_fanout`] every reel shares; per-reel write failures land in `files`.
/// The frames emitted and the warnings, for every reel alike.
fn run_shared(
    fp: &FanoutPlan,
    reels: &[ReelOut],
    opts: &RenderOptions,
    cancel: &AtomicBool,
    files: &mut [OutFile],
) -> Result<(u64, Vec<String>), RenderError> {
    let plan = &fp.reels[0];
    let input = plan.input();
    let path_s = input.display().to_string();
    let mut warnings = Vec::new();

    // The cards are laid out and rasterised (fonts loaded on first use) on their own thread,
    // overlapping with opening the codecs: once per distinct picture.
    let cards = fp
        .video_encodes
        .iter()
        .map(|m| CardsJob::start(&fp.reels[m[0]]))
        .collect::<Result<Vec<_>, _>>()?;

    let Source {
        mut source,
        decode_threads,
        big_source,
    } = Source::open(plan, opts, &mut warnings)?;
    let vtb = source.video_time_base();

    let (vencs, aencs) = open_outputs(fp, reels, opts, files)?;
    let fps = plan.video.fps;
    let total_frames = plan.video.frames;
    let mut audio: Vec<AudioOut> = fp
        .audio_encodes
        .iter()
        .zip(aencs)
        .map(|(m, aenc)| {
            let p = &fp.reels[m[0]];
            AudioOut::new(p, aenc, p.audio_samples(p.reel_frames()))
        })
        .collect();

    // Decoded frames wait at most one deep (none for large sources: a 4K frame is 12-25 MB);
    // converted 1080x1920 frames (3 MB) may queue a little more for the encoder.
    let (to_convert, convert_in) = std::sync::mpsc::sync_channel(usize::from(!big_source));
    let (packet_out, packets) = std::sync::mpsc::channel::<(usize, ff::Packet)>();
    let enc_tb = ff::Rational(1, fps as i32);

    let overlays = cards
        .into_iter()
        .map(CardsJob::join)
        .collect::<Result<Vec<_>, _>>()?;
    let thread_error = |what: String| RenderError::Thread {
        path: path_s.clone(),
        what,
    };
    let mut chains = Vec::new();
    let mut encode_ends = Vec::new();
    for (k, m) in fp.video_encodes.iter().enumerate() {
        let (to_encode, encode_in) = std::sync::mpsc::sync_channel(3);
        let (recycle, recycled) = std::sync::mpsc::sync_channel(4);
        chains.push(PictureChain {
            plan: &fp.reels[m[0]],
            overlays: &overlays[k],
            output: to_encode,
            recycled,
        });
        let progress: Vec<&dyn Progress> = m.iter().map(|&i| reels[i].progress).collect();
        encode_ends.push((encode_in, recycle, progress));
    }
    let ((emitted, main_end), encode_errors) = std::thread::scope(|scope| {
        let converter = std::thread::Builder::new()
            .name("failreel-convert".into())
            // A moving window (`--focus auto`) converts each frame through its own window.
            .spawn_scoped(scope, move || {
                if plan.moving_window() {
                    super::moving::convert_moving(plan, &chains, vtb, convert_in)
                } else {
                    convert_stage(plan, &chains, vtb, convert_in)
                }
            })
            .map_err(|e| thread_error(format!("cannot start a thread: {e}")))?;
        let mut encoders = Vec::new();
        for (k, (venc, (encode_in, recycle, progress))) in
            vencs.into_iter().zip(encode_ends).enumerate()
        {
            let packet_out = packet_out.clone();
            let p = &fp.reels[fp.video_encodes[k][0]];
            encoders.push(
                std::thread::Builder::new()
                    .name("failreel-encode".into())
                    .spawn_scoped(scope, move || {
                        encode_stage(p, venc, k, encode_in, packet_out, recycle, &progress)
                    })
                    .map_err(|e| thread_error(format!("cannot start a thread: {e}")))?,
            );
        }
        drop(packet_out);

        // Writes a video packet of encode `k` to each of its reels.
        let write_video = |files: &mut [OutFile], k: usize, pkt: &ff::Packet| {
            for &i in &fp.video_encodes[k] {
                files[i].write(pkt, enc_tb, true);
            }
        };
        // The pictures numbered on the reel, a replay spliced in where it goes.
        let mut splice = super::replay::Splice::new(plan, decode_threads);
        let demuxed = source.run(Some(cancel), |item| {
            if files.iter().all(|f| f.out.is_none()) {
                // Every reel's file has failed: nothing left to render for.
                return Ok(Flow::Stop);
            }
            let flow = match item {
                Decoded::Picture(shown) => {
                    if !splice.send(shown, &to_convert, cancel)? {
                        // The converter stopped: its error comes from joining it.
                        return Ok(Flow::Stop);
                    }
                    Flow::Continue
                }
                Decoded::Sound(frame, t) => {
                    for (a, out) in audio.iter_mut().enumerate() {
                        let tb = out.time_base();
                        let members = &fp.audio_encodes[a];
                        let files = &mut *files;
                        out.push_decoded(frame, t, &mut |pkt| {
                            for &i in members {
                                files[i].write(pkt, tb, false);
                            }
                            Ok(())
                        })?;
                    }
                    if audio.iter().all(AudioOut::full) {
                        Flow::EndAudio
                    } else {
                        Flow::Continue
                    }
                }
            };
            // Whatever the encoders have produced so far.
            while let Ok((k, pkt)) = packets.try_recv() {
                write_video(files, k, &pkt);
            }
            Ok(flow)
        });
        // The footage frame after the last the main range filled.
        let main_end = splice.main_end();
        // `--replay`: a replay the footage did not reach yet, and a held end.
        let demuxed = then_replay(demuxed, splice, &to_convert, cancel);
        drop(to_convert);
        // The encoders' last packets, then their results.
        for (k, pkt) in packets.iter() {
            write_video(files, k, &pkt);
        }
        let converted = converter.join().unwrap_or_else(|_| {
            Err(thread_error(
                "the picture conversion thread stopped unexpectedly".into(),
            ))
        });
        let encoded: Vec<Result<u64, RenderError>> = encoders
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(thread_error(
                        "the encoding thread stopped unexpectedly".into(),
                    ))
                })
            })
            .collect();
        demuxed?;
        converted?;
        // An encode that failed fails its reels; the others go on.
        let mut emitted = None;
        let mut errors = Vec::new();
        for (k, r) in encoded.into_iter().enumerate() {
            match r {
                Ok(n) => emitted = Some(emitted.map_or(n, |e: u64| e.max(n))),
                Err(e) => errors.push((k, e)),
            }
        }
        match emitted {
            Some(n) => Ok(((n, main_end), errors)),
            None => Err(errors
                .into_iter()
                .next()
                .map(|(_, e)| e)
                .unwrap_or_else(|| thread_error("no encoder ran".into()))),
        }
    })?;
    fail_encodes(fp, files, encode_errors);
    if emitted == 0 {
        return Err(RenderError::NoFrames(path_s));
    }
    // With a replay, the footage is the frames the main decode filled.
    let main_emitted = if plan.replay.is_some() {
        main_end.min(total_frames)
    } else {
        emitted
    };
    warnings.extend(range_warnings(plan, &source, main_emitted, "reel"));
    finish_outputs(fp, &mut audio, files, emitted)?;
    Ok((emitted, warnings))
}

/// The encoders of a pipeline run (one x264 per distinct picture, one AAC per distinct
/// sound), then every reel's streams and header: a file that cannot take them fails alone.
fn open_outputs(
    fp: &FanoutPlan,
    reels: &[ReelOut],
    opts: &RenderOptions,
    files: &mut [OutFile],
) -> Result<(Vec<ff::encoder::Video>, Vec<ff::encoder::Audio>), RenderError> {
    let plan = &fp.reels[0];
    let input = plan.input();
    let global_header = files
        .iter()
        .find_map(|f| f.out.as_ref())
        .is_none_or(Mp4Writer::global_header);
    let fps = plan.video.fps;
    let threads = encoder_threads(opts.threads, fp.video_encodes.len(), super::cores());
    let mut vencs = Vec::new();
    for m in &fp.video_encodes {
        let p = &fp.reels[m[0]];
        let format = VideoFormat {
            width: p.video.width,
            height: p.video.height,
            fps,
            threads,
        };
        vencs.push(open_video(input, p.encoder(), &format, global_header)?);
    }
    let mut aencs = Vec::new();
    for m in &fp.audio_encodes {
        aencs.push(open_audio(input, fp.reels[m[0]].encoder(), global_header)?);
    }
    for (i, f) in files.iter_mut().enumerate() {
        let Some(out) = f.out.as_mut() else {
            continue;
        };
        let venc = &vencs[fp.video_encode_of(i)];
        let aenc = &aencs[fp.audio_encode_of(i)];
        let rate = fp.reels[i].encoder().sample_rate;
        let opened = out.add_video(venc, fps).and_then(|v| {
            let a = out.add_audio(aenc, rate)?;
            out.write_header(&reels[i].tag)?;
            Ok((v, a))
        });
        match opened {
            Ok((v, a)) => {
                f.vstream = v;
                f.astream = a;
                f.v_tb = out.time_base(v);
                f.a_tb = out.time_base(a);
            }
            Err(e) => f.fail(e),
        }
    }
    Ok((vencs, aencs))
}

/// An encode that failed fails its reels (the first with its error, the others with its
/// text); the others go on.
fn fail_encodes(fp: &FanoutPlan, files: &mut [OutFile], errors: Vec<(usize, RenderError)>) {
    for (k, e) in errors {
        let text = chain_text(&e);
        let mut e = Some(e);
        for &i in &fp.video_encodes[k] {
            files[i].fail(
                e.take()
                    .unwrap_or_else(|| RenderError::Shared(text.clone())),
            );
        }
    }
}

/// Each sound's last packets (its length that of `emitted` pictures), then every file's
/// trailer.
fn finish_outputs(
    fp: &FanoutPlan,
    audio: &mut [AudioOut],
    files: &mut [OutFile],
    emitted: u64,
) -> Result<(), RenderError> {
    for (a, out) in audio.iter_mut().enumerate() {
        let tb = out.time_base();
        let members = &fp.audio_encodes[a];
        let samples = fp.reels[members[0]].audio_samples(emitted);
        let files = &mut *files;
        let mut write = |pkt: &ff::Packet| {
            for &i in members {
                files[i].write(pkt, tb, false);
            }
            Ok(())
        };
        out.finish(samples, &mut write)?;
    }
    for f in files.iter_mut() {
        if let Some(out) = f.out.as_mut() {
            if let Err(e) = out.finish() {
                f.fail(e);
            }
        }
    }
    Ok(())
}

/// The encode stage: feeds x264 and hands every packet (in the encoder's time base, 1/fps,
/// with the encode's number) back to the muxing thread.
#[allow(clippy::too_many_arguments)]
pub(super) fn encode_stage(
    plan: &RenderPlan,
    mut encoder: ff::encoder::Video,
    encode: usize,
    input: Receiver<ToEncode>,
    packets: std::sync::mpsc::Sender<(usize, ff::Packet)>,
    recycle: SyncSender<ff::frame::Video>,
    progress: &[&dyn Progress],
) -> Result<u64, RenderError> {
    let mut encoded = 0u64;
    let drain = |encoder: &mut ff::encoder::Video| -> Result<(), RenderError> {
        loop {
            let mut pkt = ff::Packet::empty();
            match encoder.receive_packet(&mut pkt) {
                Ok(()) => {
                    if packets.send((encode, pkt)).is_err() {
                        return Ok(());
                    }
                }
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(lav(plan.input(), "encoding video")(e)),
            }
        }
    };
    for mut msg in input {
        let f = &mut msg.frame;
        f.set_pts(Some(msg.index as i64));
        f.set_kind(ff::picture::Type::None);
        f.set_color_range(ff::color::Range::MPEG);
        f.set_color_space(ff::color::Space::BT709);
        f.set_color_primaries(ff::color::Primaries::BT709);
        f.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);
        encoder
            .send_frame(f)
            .map_err(lav(plan.input(), "encoding video"))?;
        drain(&mut encoder)?;
        encoded += 1;
        for p in progress {
            p.frames_done(encoded);
        }
        if msg.pooled {
            let _ = recycle.try_send(msg.frame);
        }
    }
    encoder
        .send_eof()
        .map_err(lav(plan.input(), "finishing video"))?;
    drain(&mut encoder)?;
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::encoder_threads;

    #[test]
    fn encoders_side_by_side_share_the_cores_one_would_have() {
        // One encoder: the caller's choice, automatic included.
        assert_eq!(encoder_threads(0, 1, 2), 0);
        assert_eq!(encoder_threads(3, 1, 2), 3);
        // A batch already chose: kept.
        assert_eq!(encoder_threads(1, 3, 2), 1);
        // Three platforms on two cores: one frame thread each; on eight, four each.
        assert_eq!(encoder_threads(0, 3, 2), 1);
        assert_eq!(encoder_threads(0, 2, 2), 2);
        assert_eq!(encoder_threads(0, 3, 8), 4);
        assert_eq!(encoder_threads(0, 3, 1), 1);
    }
}

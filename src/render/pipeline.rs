//! A render's threads: the job's thread demuxes and decodes (through the media layer's one
//! demux loop) and encodes the sound; a convert thread filters and composites; an encode thread
//! feeds x264 and hands packets back to be muxed. Bounded channels keep at most a few frames in
//! flight; converted frames that repeat are pooled, not allocated per frame.

use super::audio::AudioOut;
use super::compose::{convert_stage, CardsJob, ToEncode};
use super::{Progress, RenderOptions};
use crate::media::decode::{Decoded, Flow, RangeDecoder, VideoRange};
use crate::media::encode::{open_audio, open_video, VideoFormat};
use crate::media::mux::Mp4Writer;
use crate::media::{lav, RenderError};
use crate::plan::{Loudness, RenderPlan};
use crate::time::Micros;
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
    let input = plan.input();
    let path_s = input.display().to_string();
    let mut warnings = Vec::new();

    // The cards are laid out and rasterised (fonts loaded on first use) on their own thread,
    // overlapping with opening the codecs.
    let cards = CardsJob::start(plan)?;

    // Above 1080p each decoder frame thread holds large frames: two are enough to keep up,
    // and peak memory stays lower.
    let (src_w, src_h) = plan.video.rotated_size;
    let big_source = src_w as u64 * src_h as u64 > 1920 * 1088;
    let decode_threads = match opts.threads {
        0 if big_source => 2,
        n => n,
    };
    let mut source = RangeDecoder::open(input, plan.video.stream, plan.trim().start)?;
    source.with_video(VideoRange {
        first: 0,
        total: plan.video.frames,
        fps: plan.video.fps,
        threads: decode_threads,
    })?;
    let vtb = source.video_time_base();
    if let Some(ai) = plan.audio.stream {
        if let Err(e) = source.with_audio(ai) {
            warnings.push(format!(
                "{path_s}: the audio cannot be decoded ({e}): the reel gets a silent track"
            ));
        }
    }

    // Output.
    let mut out = Mp4Writer::create(tmp, plan.output(), input)?;
    let global_header = out.global_header();
    let fps = plan.video.fps;
    let venc = open_video(
        input,
        plan.encoder(),
        &VideoFormat {
            width: plan.video.width,
            height: plan.video.height,
            fps,
            threads: opts.threads,
        },
        global_header,
    )?;
    let vstream = out.add_video(&venc, fps)?;
    let rate = plan.encoder().sample_rate;
    let aenc = open_audio(input, plan.encoder(), global_header)?;
    let astream = out.add_audio(&aenc, rate)?;
    out.write_header(tag)?;
    let v_ost_tb = out.time_base(vstream);
    let a_ost_tb = out.time_base(astream);

    let total_frames = plan.video.frames;
    let loudness = plan.audio.normalisation.loudness();
    let mut audio = AudioOut::new(
        input,
        aenc,
        astream,
        a_ost_tb,
        plan.audio.edge_fade,
        plan.audio_samples(total_frames),
        loudness,
    );

    // Seek to the keyframe at or before the start; frames before it are decoded and dropped.
    if plan.trim().start > Micros::ZERO && !source.seek(Micros::ZERO) {
        warnings.push(format!(
            "{path_s}: cannot seek; decoding from the beginning"
        ));
    }

    // Decoded frames wait at most one deep (none for large sources: a 4K frame is 12-25 MB);
    // converted 1080x1920 frames (3 MB) may queue a little more for the encoder.
    let (to_convert, convert_in) = std::sync::mpsc::sync_channel(usize::from(!big_source));
    let (to_encode, encode_in) = std::sync::mpsc::sync_channel(3);
    let (recycle, recycled) = std::sync::mpsc::sync_channel(4);
    let (packet_out, packets) = std::sync::mpsc::channel::<ff::Packet>();

    let overlays = cards.join()?;
    let thread_error = |what: String| RenderError::Thread {
        path: path_s.clone(),
        what,
    };
    let outcome: Result<u64, RenderError> = std::thread::scope(|scope| {
        let overlays = &overlays;
        let converter = std::thread::Builder::new()
            .name("failreel-convert".into())
            .spawn_scoped(scope, move || {
                convert_stage(plan, overlays, vtb, convert_in, to_encode, recycled)
            })
            .map_err(|e| thread_error(format!("cannot start a thread: {e}")))?;
        let encoder = std::thread::Builder::new()
            .name("failreel-encode".into())
            .spawn_scoped(scope, move || {
                encode_stage(
                    plan, venc, vstream, v_ost_tb, encode_in, packet_out, recycle, progress,
                )
            })
            .map_err(|e| thread_error(format!("cannot start a thread: {e}")))?;

        // Writes whatever the encoder has produced so far.
        let write_ready = |out: &mut Mp4Writer| -> Result<(), RenderError> {
            while let Ok(pkt) = packets.try_recv() {
                out.write(&pkt, "writing video")?;
            }
            Ok(())
        };
        let demuxed = source.run(Some(cancel), |item| {
            let flow = match item {
                Decoded::Picture(shown) => {
                    if to_convert.send(shown).is_err() {
                        // The converter stopped: its error comes from joining it.
                        return Ok(Flow::Stop);
                    }
                    Flow::Continue
                }
                Decoded::Sound(frame, t) => {
                    audio.push_decoded(frame, t, &mut out)?;
                    if audio.full() {
                        Flow::EndAudio
                    } else {
                        Flow::Continue
                    }
                }
            };
            write_ready(&mut out)?;
            Ok(flow)
        });
        drop(to_convert);
        // The encoder's last packets, then its result.
        let mut written = Ok(());
        for pkt in packets.iter() {
            if written.is_ok() {
                written = out.write(&pkt, "writing video");
            }
        }
        let converted = converter.join().unwrap_or_else(|_| {
            Err(thread_error(
                "the picture conversion thread stopped unexpectedly".into(),
            ))
        });
        let encoded = encoder.join().unwrap_or_else(|_| {
            Err(thread_error(
                "the encoding thread stopped unexpectedly".into(),
            ))
        });
        demuxed?;
        converted?;
        written?;
        encoded
    });
    let emitted = outcome?;
    if emitted == 0 {
        return Err(RenderError::NoFrames(path_s));
    }
    if emitted < total_frames {
        warnings.push(format!(
            "{path_s}: the clip ends (or breaks off) at {}: the reel is {:.2} s instead of {:.2} s",
            plan.trim().start + plan.frame_time(emitted),
            plan.frame_time(emitted).as_secs_f64(),
            plan.frame_time(total_frames).as_secs_f64()
        ));
    }
    let bad_packets = source.bad_packets();
    if bad_packets > 0 {
        warnings.push(format!(
            "{path_s}: {bad_packets} damaged packet(s) were skipped"
        ));
    }
    audio.finish(plan.audio_samples(emitted), &mut out)?;
    out.finish()?;
    Ok((emitted, warnings, loudness))
}

/// The encode stage: feeds x264 and hands every packet (in the stream's time base) back to
/// the muxing thread.
#[allow(clippy::too_many_arguments)]
pub(super) fn encode_stage(
    plan: &RenderPlan,
    mut encoder: ff::encoder::Video,
    stream: usize,
    ost_tb: ff::Rational,
    input: Receiver<ToEncode>,
    packets: std::sync::mpsc::Sender<ff::Packet>,
    recycle: SyncSender<ff::frame::Video>,
    progress: &dyn Progress,
) -> Result<u64, RenderError> {
    let enc_tb = ff::Rational(1, plan.video.fps as i32);
    let mut encoded = 0u64;
    let drain = |encoder: &mut ff::encoder::Video| -> Result<(), RenderError> {
        loop {
            let mut pkt = ff::Packet::empty();
            match encoder.receive_packet(&mut pkt) {
                Ok(()) => {
                    pkt.set_stream(stream);
                    pkt.rescale_ts(enc_tb, ost_tb);
                    if packets.send(pkt).is_err() {
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
        progress.frames_done(encoded);
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

//! Decoding a time range of one input: seeking to the keyframe before it, skipping the
//! pre-roll frames nothing refers to, turning stream timestamps into reel times, and picking
//! the source frame for each output frame ([`Selector`]). [`RangeDecoder::run`] is the one
//! demux loop: the render, the preview and the loudness pass all read through it.
//!
//! The pre-roll rule: the frames between a seek's keyframe and the first wanted frame must be
//! decoded only if a later frame refers to it. [`Preroll`] looks a few video packets ahead and
//! marks the ones that may skip decoding when non-referenced, which is what mpv's precise seek
//! does.

use super::error::{lav, RenderError};
use super::input::{open_input, ProbeError};
use crate::time::Micros;
use ffmpeg_next as ff;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// A stream's timestamps on the reel's timeline: time base `tb`, and the clip time `origin`
/// that is reel time 0.
#[derive(Clone, Copy)]
pub struct Timeline {
    tb: ff::Rational,
    origin: Micros,
}

impl Timeline {
    /// Timestamps in `tb`, with stream time `origin` at reel time 0.
    pub fn new(tb: ff::Rational, origin: Micros) -> Timeline {
        Timeline { tb, origin }
    }

    /// The reel time of stream timestamp `ts`.
    pub fn at(self, ts: i64) -> Micros {
        Micros::from_ts(ts, self.tb.numerator(), self.tb.denominator()) - self.origin
    }
}

/// Turns decoded video timestamps into reel times, skipping duplicates and out-of-order
/// frames, and remembers the latest frame step (how long the last frame lasts at the end).
pub struct VideoClock {
    timeline: Timeline,
    last: Micros,
    step: Micros,
}

impl VideoClock {
    /// A clock for video on `timeline` at output rate `fps`.
    pub fn new(timeline: Timeline, fps: u32) -> VideoClock {
        VideoClock {
            timeline,
            last: Micros(i64::MIN),
            step: Micros(1_000_000 / fps as i64),
        }
    }

    /// The reel time of a decoded frame with timestamp `ts` (None: one step after the last),
    /// or None for a duplicate or out-of-order frame.
    pub fn reel_time(&mut self, ts: Option<i64>) -> Option<Micros> {
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

    /// How long the latest frame lasts (the step between the last two frames).
    pub fn step(&self) -> Micros {
        self.step
    }
}

/// A decoded source frame and the run of output frames (slots) it fills.
pub struct Shown {
    /// The decoded frame.
    pub frame: ff::frame::Video,
    /// First output frame index.
    pub first: u64,
    /// How many consecutive output frames show it (more than one for a slower source).
    pub count: u64,
}

/// Picks, for each output frame at `i / fps`, the latest source frame at or before it (with a
/// quarter-frame tolerance for timestamp jitter). Frames that fill no slot are dropped before
/// any conversion.
pub struct Selector {
    total: u64,
    next: u64,
    eps: Micros,
    fps: u32,
    current: Option<(ff::frame::Video, Micros)>,
}

impl Selector {
    /// A selector for output frames `0..total` at `fps`.
    pub fn new(total: u64, fps: u32) -> Selector {
        Selector::from_slot(0, total, fps)
    }

    /// A selector whose first output frame to fill is `first` (the preview starts mid-reel).
    pub fn from_slot(first: u64, total: u64, fps: u32) -> Selector {
        Selector {
            total,
            next: first,
            eps: Micros(1_000_000 / (4 * fps as i64)),
            fps,
            current: None,
        }
    }

    fn slot_time(&self, i: u64) -> Micros {
        Micros((i as i128 * 1_000_000 / self.fps as i128) as i64)
    }

    /// The reel time at or before which the next output frame's source lies: frames before
    /// the latest one up to here cannot fill it.
    pub fn limit(&self) -> Micros {
        self.slot_time(self.next) + self.eps
    }

    /// Whether every output frame has its source.
    pub fn done(&self) -> bool {
        self.next >= self.total
    }

    /// Takes the next decoded frame (reel time `t`); returns the previous one if it fills any
    /// output frames.
    pub fn push(&mut self, frame: ff::frame::Video, t: Micros) -> Option<Shown> {
        let out = self.current.take().and_then(|(prev, _)| {
            let first = self.next;
            while self.next < self.total && self.slot_time(self.next) + self.eps < t {
                self.next += 1;
            }
            (self.next > first).then(|| Shown {
                frame: prev,
                first,
                count: self.next - first,
            })
        });
        self.current = Some((frame, t));
        out
    }

    /// End of input: the last frame lasts `step`, filling the slots it covers.
    pub fn finish(&mut self, step: Micros) -> Option<Shown> {
        let (frame, t) = self.current.take()?;
        let first = self.next;
        while self.next < self.total && self.slot_time(self.next) < t + step {
            self.next += 1;
        }
        (self.next > first).then(|| Shown {
            frame,
            first,
            count: self.next - first,
        })
    }
}

/// What [`RangeDecoder::run`] hands its caller.
pub enum Decoded<'a> {
    /// A source frame and the output frames it fills, in output order.
    Picture(Shown),
    /// Decoded audio starting at a reel time (negative: before the reel starts).
    Sound(&'a mut ff::frame::Audio, Micros),
}

/// What the caller of [`RangeDecoder::run`] wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// No more audio is needed (the video goes on).
    EndAudio,
    /// Stop now (the consumer has stopped; its error is reported from there).
    Stop,
}

/// How the video of a range is decoded.
pub struct VideoRange {
    /// Output frames `first..total` are wanted.
    pub first: u64,
    /// Output frames in the reel.
    pub total: u64,
    /// Output frame rate.
    pub fps: u32,
    /// Decoder threads (0 = libav's choice).
    pub threads: usize,
}

struct VideoSide {
    dec: ff::decoder::Video,
    index: usize,
    timeline: Timeline,
    clock: VideoClock,
    selector: Selector,
}

struct AudioSide {
    dec: ff::decoder::Audio,
    index: usize,
    timeline: Timeline,
}

/// A decoder over a time range of one input: video frames (chosen for the output frames by
/// timestamp) and audio frames, both on the reel's timeline (reel time 0 = `trim_start` on the
/// clip's timeline, whose 0 is the first video frame).
pub struct RangeDecoder {
    path: PathBuf,
    ictx: ff::format::context::Input,
    video_index: usize,
    video_tb: ff::Rational,
    /// The clip time of reel time 0, on the file's timeline.
    origin: Micros,
    video: Option<VideoSide>,
    audio: Option<AudioSide>,
    bad_packets: u32,
}

impl RangeDecoder {
    /// Opens `path` for the range starting at `trim_start` on the clip's timeline, whose 0 is
    /// the first frame of video stream `video_stream`. No decoder is opened yet.
    pub fn open(
        path: &Path,
        video_stream: usize,
        trim_start: Micros,
    ) -> Result<RangeDecoder, RenderError> {
        let ictx = open_input(path)?;
        let s = ictx
            .stream(video_stream)
            .ok_or_else(|| ProbeError::NoVideo(path.to_path_buf()))?;
        let tb = s.time_base();
        let st = if s.start_time() == ff::ffi::AV_NOPTS_VALUE {
            0
        } else {
            s.start_time()
        };
        let vstart = Micros::from_ts(st, tb.numerator(), tb.denominator());
        Ok(RangeDecoder {
            path: path.to_path_buf(),
            ictx,
            video_index: video_stream,
            video_tb: tb,
            origin: vstart + trim_start,
            video: None,
            audio: None,
            bad_packets: 0,
        })
    }

    /// The video stream's time base (what the filter graph's source is told).
    pub fn video_time_base(&self) -> ff::Rational {
        self.video_tb
    }

    /// Decodes the video for output frames `range.first..range.total`. Threading is set
    /// before the decoder opens (set later, libav ignores it).
    pub fn with_video(&mut self, range: VideoRange) -> Result<(), RenderError> {
        let params = self
            .ictx
            .stream(self.video_index)
            .ok_or_else(|| ProbeError::NoVideo(self.path.clone()))?
            .parameters();
        let err = lav(&self.path, "opening the video decoder");
        let mut ctx = ff::codec::context::Context::from_parameters(params).map_err(&err)?;
        ctx.set_threading(ff::codec::threading::Config {
            kind: ff::codec::threading::Type::Frame,
            count: range.threads,
            ..Default::default()
        });
        let dec = ctx.decoder().video().map_err(&err)?;
        let timeline = Timeline::new(self.video_tb, self.origin);
        self.video = Some(VideoSide {
            dec,
            index: self.video_index,
            timeline,
            clock: VideoClock::new(timeline, range.fps),
            selector: Selector::from_slot(range.first, range.total, range.fps),
        });
        Ok(())
    }

    /// Decodes audio stream `index` too. Err carries libav's reason when the stream cannot be
    /// decoded (the caller decides what that means); a missing stream is Ok(false).
    pub fn with_audio(&mut self, index: usize) -> Result<bool, ff::Error> {
        let Some(s) = self.ictx.stream(index) else {
            return Ok(false);
        };
        let tb = s.time_base();
        let dec = ff::codec::context::Context::from_parameters(s.parameters())?
            .decoder()
            .audio()?;
        self.audio = Some(AudioSide {
            dec,
            index,
            timeline: Timeline::new(tb, self.origin),
        });
        Ok(true)
    }

    /// Seeks to the keyframe at or before reel time `at`; false when the file cannot seek
    /// (decoding then starts at the beginning, which is still exact, only slower).
    pub fn seek(&mut self, at: Micros) -> bool {
        let target = (self.origin + at).0;
        self.ictx.seek(target, ..target).is_ok()
    }

    /// Packets that could not be decoded so far.
    pub fn bad_packets(&self) -> u32 {
        self.bad_packets
    }

    /// The one demux loop. Hands each chosen picture and each decoded audio frame to `on`, in
    /// demux order, until the video has every output frame and `on` has said
    /// [`Flow::EndAudio`] (or there is no audio), or the input ends (then the decoders are
    /// drained and the last picture lasts one frame step). Ok(false) when `on` said
    /// [`Flow::Stop`]; `cancel` stops it with [`RenderError::Cancelled`].
    pub fn run(
        &mut self,
        cancel: Option<&AtomicBool>,
        mut on: impl FnMut(Decoded<'_>) -> Result<Flow, RenderError>,
    ) -> Result<bool, RenderError> {
        let RangeDecoder {
            path,
            ictx,
            video,
            audio,
            bad_packets,
            video_index,
            video_tb,
            origin,
        } = self;
        let mut video_done = video.is_none();
        let mut audio_done = audio.is_none();
        let mut decoded = ff::frame::Video::empty();
        let mut sound = ff::frame::Audio::empty();
        // Frames between the keyframe and the first wanted one that nothing refers to are not
        // decoded.
        let (timeline, limit) = match video.as_ref() {
            Some(v) => (v.timeline, v.selector.limit()),
            None => (Timeline::new(*video_tb, *origin), Micros(i64::MIN)),
        };
        let packets = ictx.packets().map(|(s, p)| (s.index(), p));
        for (idx, packet, skip) in Preroll::new(packets, *video_index, timeline, limit) {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(RenderError::Cancelled(path.display().to_string()));
            }
            if let Some(v) = video.as_mut().filter(|v| v.index == idx && !video_done) {
                set_skip(&mut v.dec, skip);
                if v.dec.send_packet(&packet).is_err() {
                    *bad_packets += 1;
                    continue;
                }
                while v.dec.receive_frame(&mut decoded).is_ok() {
                    let Some(t) = v.clock.reel_time(decoded.timestamp().or(decoded.pts())) else {
                        continue; // duplicate or out-of-order timestamp
                    };
                    let f = std::mem::replace(&mut decoded, ff::frame::Video::empty());
                    if let Some(shown) = v.selector.push(f, t) {
                        if on(Decoded::Picture(shown))? == Flow::Stop {
                            return Ok(false);
                        }
                    }
                    if v.selector.done() {
                        video_done = true;
                        break;
                    }
                }
            } else if let Some(a) = audio.as_mut().filter(|a| a.index == idx && !audio_done) {
                if a.dec.send_packet(&packet).is_err() {
                    *bad_packets += 1;
                    continue;
                }
                while a.dec.receive_frame(&mut sound).is_ok() {
                    let Some(ts) = sound.timestamp().or(sound.pts()) else {
                        continue;
                    };
                    let t = a.timeline.at(ts);
                    match on(Decoded::Sound(&mut sound, t))? {
                        Flow::Stop => return Ok(false),
                        Flow::EndAudio => audio_done = true,
                        Flow::Continue => {}
                    }
                }
            }
            if video_done && audio_done {
                return Ok(true);
            }
        }
        // End of input: drain the video decoder; the last frame lasts one frame step.
        if let Some(v) = video.as_mut().filter(|_| !video_done) {
            let _ = v.dec.send_eof();
            while v.dec.receive_frame(&mut decoded).is_ok() {
                let Some(t) = v.clock.reel_time(decoded.timestamp().or(decoded.pts())) else {
                    continue;
                };
                let f = std::mem::replace(&mut decoded, ff::frame::Video::empty());
                if let Some(shown) = v.selector.push(f, t) {
                    if on(Decoded::Picture(shown))? == Flow::Stop {
                        return Ok(false);
                    }
                }
            }
            if !v.selector.done() {
                if let Some(shown) = v.selector.finish(v.clock.step()) {
                    if on(Decoded::Picture(shown))? == Flow::Stop {
                        return Ok(false);
                    }
                }
            }
        }
        // Audio decoded after the end of input.
        if let Some(a) = audio.as_mut().filter(|_| !audio_done) {
            let _ = a.dec.send_eof();
            while a.dec.receive_frame(&mut sound).is_ok() {
                if let Some(ts) = sound.timestamp().or(sound.pts()) {
                    let t = a.timeline.at(ts);
                    if on(Decoded::Sound(&mut sound, t))? == Flow::Stop {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }
}

/// Video packets demuxed ahead of the decoder (a hierarchical-P phone stream shows its next
/// anchor within a few packets; B-frame streams send the anchor first anyway).
const LOOKAHEAD: usize = 16;

/// Packets as `(stream index, packet, skip_if_nonref)`. A video packet is marked when another
/// video packet already demuxed has a later timestamp that is still at or before `limit`:
/// then the frame the selector picks (the latest at or before `limit`) is not this one, and
/// if no frame refers to it, decoding it is wasted. The picked frame itself is never marked,
/// nor any packet without a timestamp, nor anything after `limit`.
pub(crate) struct Preroll<I> {
    inner: I,
    video: usize,
    timeline: Timeline,
    limit: Micros,
    /// Latest packet time at or before `limit` seen so far.
    best: Option<Micros>,
    /// A video packet decoded after `limit` has been seen: nothing later needs looking at.
    passed: bool,
    queue: VecDeque<(usize, ff::Packet)>,
    queued_video: usize,
}

impl<I: Iterator<Item = (usize, ff::Packet)>> Preroll<I> {
    /// `inner` yields the demuxed packets; video stream `video` lies on `timeline`; the
    /// wanted frame is the latest at or before reel time `limit`.
    pub(crate) fn new(inner: I, video: usize, timeline: Timeline, limit: Micros) -> Preroll<I> {
        Preroll {
            inner,
            video,
            timeline,
            limit,
            best: None,
            passed: false,
            queue: VecDeque::new(),
            queued_video: 0,
        }
    }

    fn time(&self, ts: Option<i64>) -> Option<Micros> {
        ts.map(|ts| self.timeline.at(ts))
    }

    fn observe(&mut self, packet: &ff::Packet) {
        if let Some(t) = self.time(packet.pts()) {
            if t <= self.limit && self.best.is_none_or(|b| t > b) {
                self.best = Some(t);
            }
        }
        // Decode order is dts order: once one is past the limit, every later frame is too.
        if self
            .time(packet.dts().or(packet.pts()))
            .is_some_and(|t| t > self.limit)
        {
            self.passed = true;
        }
    }
}

impl<I: Iterator<Item = (usize, ff::Packet)>> Iterator for Preroll<I> {
    type Item = (usize, ff::Packet, bool);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.passed && self.queued_video < LOOKAHEAD {
            let Some((idx, packet)) = self.inner.next() else {
                break;
            };
            if idx == self.video {
                self.observe(&packet);
                self.queued_video += 1;
            }
            self.queue.push_back((idx, packet));
        }
        let Some((idx, packet)) = self.queue.pop_front() else {
            return self.inner.next().map(|(idx, p)| (idx, p, false));
        };
        if idx != self.video {
            return Some((idx, packet, false));
        }
        self.queued_video -= 1;
        let skip = match (self.time(packet.pts()), self.best) {
            (Some(t), Some(best)) => t < best,
            _ => false,
        };
        Some((idx, packet, skip))
    }
}

/// Sets the decoder to skip the next packet's frame if nothing refers to it (`skip`), or to
/// decode it. A field write, read by libav per packet (frame threads copy it per packet too).
pub(crate) fn set_skip(dec: &mut ff::decoder::Video, skip: bool) {
    dec.skip_frame(if skip {
        ff::Discard::NonReference
    } else {
        ff::Discard::Default
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(pts: i64, dts: i64) -> (usize, ff::Packet) {
        let mut p = ff::Packet::empty();
        p.set_pts(Some(pts));
        p.set_dts(Some(dts));
        (0, p)
    }

    /// Marks for a stream given as (pts, dts) in milliseconds, wanted frame at or before `limit`.
    fn marks(stream: &[(i64, i64)], limit: i64) -> Vec<(i64, bool)> {
        let packets = stream
            .iter()
            .map(|&(p, d)| packet(p, d))
            .collect::<Vec<_>>();
        Preroll::new(
            packets.into_iter(),
            0,
            Timeline::new(ff::Rational::new(1, 1000), Micros::ZERO),
            Micros(limit * 1000),
        )
        .map(|(_, p, skip)| (p.pts().unwrap(), skip))
        .collect()
    }

    #[test]
    fn b_frames_before_the_wanted_frame_are_marked_never_the_wanted_one() {
        // I0 P4 B2 B1 B3 P8 B6 B5 B7, in decode order; the wanted frame is 6.
        let s = [
            (0, -1),
            (4, 0),
            (2, 1),
            (1, 2),
            (3, 3),
            (8, 4),
            (6, 5),
            (5, 6),
            (7, 7),
        ];
        let m = marks(&s, 6);
        let marked: Vec<i64> = m.iter().filter(|x| x.1).map(|x| x.0).collect();
        assert_eq!(marked, vec![0, 4, 2, 1, 3, 5]);
        assert!(m.iter().any(|&(p, skip)| p == 6 && !skip));
        assert!(m.iter().all(|&(p, skip)| p <= 6 || !skip));
    }

    #[test]
    fn in_order_streams_are_marked_up_to_the_wanted_frame() {
        let s: Vec<(i64, i64)> = (0..40).map(|i| (i * 33, i * 33)).collect();
        let m = marks(&s, 500);
        for (pts, skip) in m {
            assert_eq!(skip, pts < 495, "{pts}");
        }
    }

    #[test]
    fn packets_without_timestamps_are_not_marked() {
        let mut p = ff::Packet::empty();
        p.set_pts(None);
        p.set_dts(None);
        let s = vec![(0, p), packet(10, 10), packet(20, 20)];
        let m: Vec<bool> = Preroll::new(
            s.into_iter(),
            0,
            Timeline::new(ff::Rational::new(1, 1000), Micros::ZERO),
            Micros(30_000),
        )
        .map(|x| x.2)
        .collect();
        assert_eq!(m, vec![false, true, false]);
    }
}

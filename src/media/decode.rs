//! Decoding a time range of one input: seeking to the keyframe before it, skipping the
//! frames no output frame shows, turning stream timestamps into reel times, and picking the
//! source frame for each output frame ([`Selector`]). [`RangeDecoder::run`] is the one demux
//! loop: the render, the preview and the loudness pass all read through it.
//!
//! The skipping rule: a frame must be decoded only if an output frame shows it or a later
//! frame refers to it. `Thinning` looks a few video packets ahead and marks the ones no
//! output frame can show (a later frame falls into the same slot of the output grid); the
//! decoder discards a marked one only when it is non-reference. That covers a seek's pre-roll
//! (what mpv's precise seek does) and, for a source faster than the reel (a phone's 60 or 120
//! fps into 30), the frames between the ones the reel shows: a phone writes those as
//! non-reference frames on their own temporal layer.

use super::error::{lav, RenderError};
use super::input::{open_input, ProbeError};
use crate::model::time::Micros;
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
    grid: SlotGrid,
    current: Option<(ff::frame::Video, Micros)>,
}

impl Selector {
    /// A selector whose first output frame to fill is `first` (the preview starts mid-reel).
    pub fn from_slot(first: u64, total: u64, fps: u32) -> Selector {
        Selector {
            total,
            next: first,
            grid: SlotGrid::new(first, fps),
            current: None,
        }
    }

    /// The output frame grid it fills, from its first output frame on.
    pub fn grid(&self) -> SlotGrid {
        self.grid
    }

    /// Whether every output frame has its source.
    pub fn done(&self) -> bool {
        self.next >= self.total
    }

    /// The reel time of the frame waiting to be shown, if any.
    pub fn current_time(&self) -> Option<Micros> {
        self.current.as_ref().map(|c| c.1)
    }

    /// Takes the next decoded frame (reel time `t`); returns the previous one if it fills any
    /// output frames.
    pub fn push(&mut self, frame: ff::frame::Video, t: Micros) -> Option<Shown> {
        let out = self.current.take().and_then(|(prev, _)| {
            let first = self.next;
            while self.next < self.total && self.grid.limit(self.next) < t {
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

    /// End of input: the last frame lasts `step`, or is held until reel time `hold` when
    /// that is later (the sound goes on after the picture stops), filling the slots it
    /// covers.
    pub fn finish_until(&mut self, step: Micros, hold: Option<Micros>) -> Option<Shown> {
        let (frame, t) = self.current.take()?;
        let first = self.next;
        let until = hold.map_or(t + step, |h| h.max(t + step));
        while self.next < self.total && self.grid.slot_time(self.next) < until {
            self.next += 1;
        }
        (self.next > first).then(|| Shown {
            frame,
            first,
            count: self.next - first,
        })
    }
}

/// How long a decoded audio frame lasts.
fn sound_length(frame: &ff::frame::Audio) -> Micros {
    let rate = frame.rate().max(1) as i128;
    Micros((frame.samples() as i128 * 1_000_000 / rate) as i64)
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
    /// The reel time the sound decoded so far reaches.
    end: Option<Micros>,
}

/// A decoder over a time range of one input: video frames (chosen for the output frames by
/// timestamp) and audio frames, both on the reel's timeline (reel time 0 = `trim_start` on the
/// clip's timeline, whose 0 is the first video frame).
pub struct RangeDecoder {
    path: PathBuf,
    ictx: ff::format::context::Input,
    video_index: usize,
    /// The x264 build that wrote the stream (None: another encoder, or unknown).
    x264_build: Option<u32>,
    video_tb: ff::Rational,
    /// The clip time of reel time 0, on the file's timeline.
    origin: Micros,
    video: Option<VideoSide>,
    audio: Option<AudioSide>,
    bad_packets: u32,
    /// Where the picture stopped while the sound went on, and until when its last frame was
    /// held: `(picture end, hold end)` in reel time.
    held: Option<(Micros, Micros)>,
    /// The furthest reel time decoded so far (what a pass's progress is counted in).
    reached: Option<Micros>,
}

impl RangeDecoder {
    /// Opens `path` for the range starting at `trim_start` on the clip's timeline, whose 0 is
    /// the first frame of video stream `video_stream`, written by `x264_build` (the probe's
    /// [`crate::model::source::VideoInfo::x264_build`]: an old x264's stream decodes right
    /// only when the decoder is told). No decoder is opened yet.
    pub fn open(
        path: &Path,
        video_stream: usize,
        x264_build: Option<u32>,
        trim_start: Micros,
    ) -> Result<RangeDecoder, RenderError> {
        let ictx = open_input(path)?;
        let s = ictx
            .stream(video_stream)
            .ok_or_else(|| ProbeError::NoVideo(path.to_path_buf()))?;
        let tb = s.time_base();
        let st = super::input::start_ts(&s);
        let vstart = Micros::from_ts(st, tb.numerator(), tb.denominator());
        Ok(RangeDecoder {
            path: path.to_path_buf(),
            ictx,
            video_index: video_stream,
            x264_build,
            video_tb: tb,
            origin: vstart + trim_start,
            video: None,
            audio: None,
            bad_packets: 0,
            held: None,
            reached: None,
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
        let id = params.id();
        let mut ctx = ff::codec::context::Context::from_parameters(params).map_err(&err)?;
        ctx.set_threading(ff::codec::threading::Config {
            kind: ff::codec::threading::Type::Frame,
            count: range.threads,
            ..Default::default()
        });
        let codec = ff::decoder::find(id)
            .ok_or(ff::Error::DecoderNotFound)
            .map_err(&err)?;
        let mut options = ff::Dictionary::new();
        if id == ff::codec::Id::H264 {
            // libav's H.264 decoder decodes an old x264 build's stream bug for bug, but
            // learns the build from the version note in the stream's first frame: a decoder
            // that starts after a seek never sees it and turns an old build's pictures to
            // green garbage (x264 before build 151, 2017). Tell it.
            if let Some(build) = self.x264_build {
                options.set("x264_build", &build.to_string());
            }
        }
        let dec = ctx
            .decoder()
            .open_as_with(codec, options)
            .and_then(|o| o.video())
            .map_err(&err)?;
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

    /// Decodes the video for analysis only (a proxy): the in-loop deblocking filter is
    /// skipped, which is cheaper and changes the pictures too little to matter there. Never
    /// for a render.
    pub fn draft_video(&mut self) {
        if let Some(v) = self.video.as_mut() {
            v.dec.skip_loop_filter(ff::Discard::All);
        }
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
            end: None,
        });
        Ok(true)
    }

    /// Starts over for output frames `first..total` (at the rate given to
    /// [`RangeDecoder::with_video`]) from the keyframe at or before reel time `at`: the video
    /// decoder is flushed and kept (its buffers are reused), and the frame choice starts
    /// afresh, as a new decoder's would. False when the file cannot seek.
    pub fn restart(&mut self, first: u64, total: u64, at: Micros) -> bool {
        if let Some(v) = self.video.as_mut() {
            v.dec.flush();
            let fps = v.selector.grid().fps;
            v.clock = VideoClock::new(v.timeline, fps);
            v.selector = Selector::from_slot(first, total, fps);
        }
        self.seek(at)
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

    /// When the picture stopped (its last frame, or frames whose timestamps do not advance)
    /// while the sound went on: `(where the picture stopped, until when its last frame was
    /// held)`, reel time. Picture and sound then still end together.
    pub fn picture_held(&self) -> Option<(Micros, Micros)> {
        self.held
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
            held,
            reached,
            ..
        } = self;
        // A pass's progress ([`super::meter`]): the media got through, from
        // wherever this decoder starts.
        let mut reach = |t: Micros| match *reached {
            None => *reached = Some(t),
            Some(r) if t > r => {
                super::meter::advance(t - r);
                *reached = Some(t);
            }
            Some(_) => {}
        };
        let mut video_done = video.is_none();
        let mut audio_done = audio.is_none();
        let mut decoded = ff::frame::Video::empty();
        let mut sound = ff::frame::Audio::empty();
        // Frames no output frame shows and nothing refers to are not decoded (the seek's
        // pre-roll, and the frames between the ones a slower output rate picks).
        let (timeline, grid) = match video.as_ref() {
            Some(v) => (v.timeline, Some(v.selector.grid())),
            None => (Timeline::new(*video_tb, *origin), None),
        };
        let packets = ictx.packets().map(|(s, p)| (s.index(), p));
        for (idx, packet, skip) in Thinning::new(packets, *video_index, timeline, grid) {
            // The caller's flag, or the measuring pass this decoder runs for being cancelled
            // (a second Ctrl-C, SIGTERM).
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) || super::meter::cancelled() {
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
                    reach(t);
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
                    let end = t + sound_length(&sound);
                    a.end = Some(a.end.map_or(end, |e| e.max(end)));
                    reach(end);
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
        // Audio decoded after the end of input (before the picture's end is decided: how far
        // the sound goes decides how long the last picture is held).
        if let Some(a) = audio.as_mut().filter(|_| !audio_done) {
            let _ = a.dec.send_eof();
            while a.dec.receive_frame(&mut sound).is_ok() {
                if let Some(ts) = sound.timestamp().or(sound.pts()) {
                    let t = a.timeline.at(ts);
                    let end = t + sound_length(&sound);
                    a.end = Some(a.end.map_or(end, |e| e.max(end)));
                    if on(Decoded::Sound(&mut sound, t))? == Flow::Stop {
                        return Ok(false);
                    }
                }
            }
        }
        let sound_end = audio.as_ref().and_then(|a| a.end);
        // End of input: drain the video decoder; the last frame lasts one frame step, or is
        // held while the sound goes on (a picture that stops early, or whose timestamps stop
        // advancing, never leaves seconds of sound under one frame).
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
                let step = v.clock.step();
                let last = v.selector.current_time();
                if let Some(shown) = v.selector.finish_until(step, sound_end) {
                    if let (Some(t), Some(s)) = (last, sound_end) {
                        if s > t + step + step {
                            *held = Some((t + step, s));
                        }
                    }
                    if on(Decoded::Picture(shown))? == Flow::Stop {
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

/// At most this many packets of all streams wait in the lookahead (a file whose video ends
/// long before its audio must not be read into memory).
const MAX_QUEUED: usize = 1024;

/// Slots this far behind the packet being handed on are forgotten (no stream reorders that far;
/// a forgotten slot only means "not marked").
const SLOT_MEMORY: u64 = 64;

/// The output frame grid the [`Selector`] fills: output frame `i` shows the latest source
/// frame at or before `limit(i) = i / fps + eps` (eps a quarter frame), the first one
/// `first`.
#[derive(Clone, Copy, Debug)]
pub struct SlotGrid {
    first: u64,
    fps: u32,
    eps: Micros,
}

impl SlotGrid {
    /// Output frames from `first` on at `fps`.
    pub fn new(first: u64, fps: u32) -> SlotGrid {
        SlotGrid {
            first,
            fps,
            eps: Micros(1_000_000 / (4 * fps as i64)),
        }
    }

    fn slot_time(&self, i: u64) -> Micros {
        Micros((i as i128 * 1_000_000 / self.fps as i128) as i64)
    }

    /// The latest source time output frame `i` can show.
    fn limit(&self, i: u64) -> Micros {
        self.slot_time(i) + self.eps
    }

    /// The slot of a source frame at reel time `t`: the first output frame (from `first`) that
    /// it can fill. Frames in the same slot compete for it and for every later one, and the
    /// latest of them wins all of them.
    fn slot_of(&self, t: Micros) -> u64 {
        let guess = ((t - self.eps).0 as i128 * self.fps as i128).div_euclid(1_000_000);
        let mut i = guess.clamp(self.first as i128, u64::MAX as i128 / 2) as u64;
        while self.limit(i) < t {
            i += 1;
        }
        while i > self.first && self.limit(i - 1) >= t {
            i -= 1;
        }
        i
    }
}

/// Packets as `(stream index, packet, skip_if_nonref)`: the frames no output frame can show.
///
/// A video packet is marked when another video packet (already demuxed, or within the
/// lookahead) has a later timestamp in the same slot of the [`SlotGrid`]: every output frame
/// this one could fill, that later one fills instead, so decoding this one is wasted if no
/// frame refers to it (the decoder then discards it only when it is non-reference). The latest
/// frame of each slot is never marked, so every frame the selector picks is decoded whatever
/// the decoder does with the marked ones. What else stays unmarked, to keep the selector's
/// input exactly as it was:
/// - frames of a slot after the first when no frame of an earlier slot has been seen (the
///   earliest frame of the range fills the output frames before it);
/// - packets without a timestamp, and everything from the first one on (their time is the
///   previous frame's plus the latest step);
/// - the second-latest frame of the input (the last step, between the last two frames, says
///   how long the last frame lasts).
pub(crate) struct Thinning<I> {
    inner: I,
    video: usize,
    timeline: Timeline,
    /// None: the video is not decoded; nothing is marked.
    grid: Option<SlotGrid>,
    /// Latest timestamp seen per slot.
    latest: std::collections::BTreeMap<u64, Micros>,
    /// Lowest slot seen.
    lowest: Option<u64>,
    /// A video packet without a timestamp has been seen: nothing is marked from here on.
    untimed: bool,
    /// The input has ended.
    ended: bool,
    /// At the end: the second-latest time of the input, which stays unmarked.
    keep: Option<Micros>,
    queue: VecDeque<(usize, ff::Packet)>,
    queued_video: usize,
}

impl<I: Iterator<Item = (usize, ff::Packet)>> Thinning<I> {
    /// `inner` yields the demuxed packets; video stream `video` lies on `timeline`; its frames
    /// fill the output frames of `grid` (None: the video is not decoded).
    pub(crate) fn new(
        inner: I,
        video: usize,
        timeline: Timeline,
        grid: Option<SlotGrid>,
    ) -> Thinning<I> {
        Thinning {
            inner,
            video,
            timeline,
            grid,
            latest: Default::default(),
            lowest: None,
            untimed: false,
            ended: false,
            keep: None,
            queue: VecDeque::new(),
            queued_video: 0,
        }
    }

    fn time(&self, ts: Option<i64>) -> Option<Micros> {
        ts.map(|ts| self.timeline.at(ts))
    }

    fn observe(&mut self, packet: &ff::Packet) {
        let Some(grid) = self.grid else {
            return;
        };
        let Some(t) = self.time(packet.pts()) else {
            self.untimed = true;
            return;
        };
        let slot = grid.slot_of(t);
        let latest = self.latest.entry(slot).or_insert(t);
        *latest = (*latest).max(t);
        self.lowest = Some(self.lowest.map_or(slot, |l| l.min(slot)));
    }

    /// At the end of input: the second-latest time among the packets still queued.
    fn second_latest(&self) -> Option<Micros> {
        let mut times: Vec<Micros> = self
            .queue
            .iter()
            .filter(|(idx, _)| *idx == self.video)
            .filter_map(|(_, p)| self.time(p.pts()))
            .collect();
        times.sort();
        times.dedup();
        times.iter().rev().nth(1).copied()
    }

    fn marked(&mut self, packet: &ff::Packet) -> bool {
        let Some(grid) = self.grid.filter(|_| !self.untimed) else {
            return false;
        };
        let Some(t) = self.time(packet.pts()) else {
            return false;
        };
        let slot = grid.slot_of(t);
        self.latest = self.latest.split_off(&slot.saturating_sub(SLOT_MEMORY));
        let later_in_slot = self.latest.get(&slot).is_some_and(|&l| l > t);
        let earlier_slot_seen = slot == grid.first || self.lowest.is_some_and(|l| l < slot);
        later_in_slot && earlier_slot_seen && self.keep != Some(t)
    }
}

impl<I: Iterator<Item = (usize, ff::Packet)>> Iterator for Thinning<I> {
    type Item = (usize, ff::Packet, bool);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.ended && self.queued_video < LOOKAHEAD && self.queue.len() < MAX_QUEUED {
            let Some((idx, packet)) = self.inner.next() else {
                self.ended = true;
                self.keep = self.second_latest();
                break;
            };
            if idx == self.video {
                self.observe(&packet);
                self.queued_video += 1;
            }
            self.queue.push_back((idx, packet));
        }
        let (idx, packet) = self.queue.pop_front()?;
        if idx != self.video {
            return Some((idx, packet, false));
        }
        self.queued_video -= 1;
        let skip = self.marked(&packet);
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

    /// A packet of stream 0 at (pts, dts) in units of 1/`rate` s.
    fn packet(pts: Option<i64>, dts: Option<i64>) -> (usize, ff::Packet) {
        let mut p = ff::Packet::empty();
        p.set_pts(pts);
        p.set_dts(dts);
        (0, p)
    }

    fn timeline(rate: i32) -> Timeline {
        Timeline::new(ff::Rational::new(1, rate), Micros::ZERO)
    }

    /// (pts, marked) per packet in decode order, for a stream of (pts, dts) in 1/`rate` s
    /// whose frames fill output frames from `first` on at `fps`.
    fn marks(stream: &[(i64, i64)], rate: i32, first: u64, fps: u32) -> Vec<(i64, bool)> {
        let packets = stream.iter().map(|&(p, d)| packet(Some(p), Some(d)));
        Thinning::new(packets, 0, timeline(rate), Some(SlotGrid::new(first, fps)))
            .map(|(_, p, skip)| (p.pts().unwrap(), skip))
            .collect()
    }

    /// The reel the clock and the selector make from the frames that are decoded (pts in
    /// 1/`rate` s, any order): the pts shown by each output frame `first..total`.
    fn reel(decoded: &[i64], rate: i32, first: u64, total: u64, fps: u32) -> Vec<i64> {
        let mut order = decoded.to_vec();
        order.sort();
        let mut clock = VideoClock::new(timeline(rate), fps);
        let mut sel = Selector::from_slot(first, total, fps);
        let mut shown = Vec::new();
        let mut take = |s: Option<Shown>| {
            if let Some(s) = s {
                let pts = s.frame.pts().unwrap();
                shown.extend(std::iter::repeat_n(pts, s.count as usize));
            }
        };
        for pts in order {
            let Some(t) = clock.reel_time(Some(pts)) else {
                continue;
            };
            let mut f = ff::frame::Video::empty();
            f.set_pts(Some(pts));
            take(sel.push(f, t));
            if sel.done() {
                break;
            }
        }
        if !sel.done() {
            take(sel.finish_until(clock.step(), None));
        }
        shown
    }

    /// The reel is the same whether the marked frames are decoded or not (all, none, every
    /// other one), no shown frame is marked, and the marked pts are returned.
    fn same_reel(stream: &[(i64, i64)], rate: i32, first: u64, total: u64, fps: u32) -> Vec<i64> {
        let m = marks(stream, rate, first, fps);
        let all: Vec<i64> = m.iter().map(|x| x.0).collect();
        let marked: Vec<i64> = m.iter().filter(|x| x.1).map(|x| x.0).collect();
        let full = reel(&all, rate, first, total, fps);
        assert!(!full.is_empty());
        for shown in &full {
            assert!(!marked.contains(shown), "frame {shown} is shown but marked");
        }
        let without: Vec<i64> = all
            .iter()
            .copied()
            .filter(|p| !marked.contains(p))
            .collect();
        assert_eq!(
            reel(&without, rate, first, total, fps),
            full,
            "all marked skipped"
        );
        let every_other: Vec<i64> = m
            .iter()
            .enumerate()
            .filter(|(i, x)| !x.1 || i % 2 == 0)
            .map(|(_, x)| x.0)
            .collect();
        assert_eq!(
            reel(&every_other, rate, first, total, fps),
            full,
            "some skipped"
        );
        marked
    }

    /// A phone's 60 fps HEVC in decode order (x265 bframes=3, b-pyramid, keyint 60): P0, then
    /// per mini-GOP of four the anchor P, the reference B between, the two non-reference Bs.
    fn pyramid(frames: i64) -> Vec<(i64, i64)> {
        let mut order = vec![0];
        let mut g = 4;
        while g < frames {
            order.extend([g, g - 2, g - 3, g - 1]);
            g += 4;
        }
        order
            .iter()
            .enumerate()
            .map(|(d, &p)| (p, d as i64 - 1))
            .collect()
    }

    #[test]
    fn b_pyramid_60_to_30_marks_the_frames_between_the_grid_never_a_shown_one() {
        let s = pyramid(121);
        let marked = same_reel(&s, 60, 0, 60, 30);
        // The last frame is 120; 119 is the second latest and stays (it sets the last step).
        let expect: Vec<i64> = (0..120).filter(|p| p % 2 == 1 && *p != 119).collect();
        let mut sorted = marked.clone();
        sorted.sort();
        assert_eq!(sorted, expect);
    }

    #[test]
    fn in_order_60_to_30_marks_every_other_frame() {
        let s: Vec<(i64, i64)> = (0..90).map(|i| (i, i)).collect();
        let marked = same_reel(&s, 60, 0, 40, 30);
        assert_eq!(marked, (0..88).filter(|p| p % 2 == 1).collect::<Vec<_>>());
    }

    #[test]
    fn in_order_120_to_30_marks_three_frames_in_four() {
        let s: Vec<(i64, i64)> = (0..240).map(|i| (i, i)).collect();
        // 70 output frames: the input ends first, and the last frame lasts the last step.
        let marked = same_reel(&s, 120, 0, 70, 30);
        // Each output frame shows a frame of its own (4k, or 4k + 1 where the microsecond
        // rounding puts it within the quarter-frame tolerance), the last one 239, which lasts
        // into output frame 60; all the others are marked but 238, the second latest.
        let mut shown = reel(&(0..240).collect::<Vec<_>>(), 120, 0, 70, 30);
        shown.dedup();
        assert_eq!(shown.len(), 61);
        let unmarked: Vec<i64> = (0..240)
            .filter(|p| !marked.contains(p) && *p != 238)
            .collect();
        assert_eq!(unmarked, shown);
        assert_eq!(marked.len(), 240 - 61 - 1);
    }

    #[test]
    fn in_order_50_to_30_marks_the_frames_no_output_frame_shows() {
        let s: Vec<(i64, i64)> = (0..150).map(|i| (i, i)).collect();
        let marked = same_reel(&s, 50, 0, 90, 30);
        // 5 source frames per 3 output frames: 0, 2 (0.04 ≤ 1/30 + 1/120), 3 (0.06 ≤ 2/30 +
        // 1/120) are shown, 1 and 4 are not.
        assert_eq!(
            marked
                .iter()
                .filter(|&&p| p < 100)
                .copied()
                .collect::<Vec<_>>(),
            (0..100)
                .filter(|p| p % 5 == 1 || p % 5 == 4)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_30_fps_source_into_a_30_fps_reel_has_nothing_marked() {
        let s: Vec<(i64, i64)> = (0..90).map(|i| (i, i)).collect();
        assert!(same_reel(&s, 30, 0, 90, 30).is_empty());
    }

    #[test]
    fn variable_frame_rate_keeps_the_reel() {
        // Bursts at 120 fps, gaps of a quarter second, a stretch at 24 fps (ms).
        let mut t = 0;
        let mut pts = Vec::new();
        for i in 0..200 {
            pts.push(t);
            t += match i % 40 {
                0..=19 => 8,
                20 => 250,
                _ => 42,
            };
        }
        let s: Vec<(i64, i64)> = pts.iter().map(|&p| (p, p)).collect();
        let marked = same_reel(&s, 1000, 0, 30 * t as u64 / 1000, 30);
        assert!(!marked.is_empty());
    }

    #[test]
    fn pre_roll_before_a_mid_reel_start_is_marked_never_the_wanted_frame() {
        // I0 P4 B2 B1 B3 P8 B6 B5 B7 at 30 fps; output frames from 6 on at 30 fps.
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
        let marked = same_reel(&s, 30, 6, 9, 30);
        assert_eq!(marked, vec![0, 4, 2, 1, 3, 5]);
    }

    #[test]
    fn a_range_starting_between_frames_keeps_its_earliest_frame() {
        // 60 fps from 31/60 s (reel time) while the output starts at 0: the earliest frame
        // fills the output frames before it and is not marked, though 32 shares its slot.
        let s: Vec<(i64, i64)> = (31..120).map(|i| (i, i)).collect();
        let marked = same_reel(&s, 60, 0, 50, 30);
        assert!(!marked.contains(&31));
        assert!(marked.contains(&33));
    }

    #[test]
    fn packets_without_timestamps_stop_the_marking() {
        let mut s: Vec<(usize, ff::Packet)> = (0..10).map(|i| packet(Some(i), Some(i))).collect();
        s.push(packet(None, None));
        s.extend((11..40).map(|i| packet(Some(i), Some(i))));
        let m: Vec<bool> =
            Thinning::new(s.into_iter(), 0, timeline(60), Some(SlotGrid::new(0, 30)))
                .map(|x| x.2)
                .collect();
        assert!(m.iter().all(|&skip| !skip), "{m:?}");
    }

    #[test]
    fn other_streams_and_undecoded_video_are_never_marked() {
        let mut s: Vec<(usize, ff::Packet)> = Vec::new();
        for i in 0..40 {
            s.push(packet(Some(i), Some(i)));
            let (_, a) = packet(Some(i), Some(i));
            s.push((1, a));
        }
        let m: Vec<(usize, bool)> = Thinning::new(
            s.clone().into_iter(),
            0,
            timeline(60),
            Some(SlotGrid::new(0, 30)),
        )
        .map(|x| (x.0, x.2))
        .collect();
        assert!(m.iter().any(|&(i, skip)| i == 0 && skip));
        assert!(m.iter().all(|&(i, skip)| i == 0 || !skip));
        assert!(Thinning::new(s.into_iter(), 0, timeline(60), None).all(|x| !x.2));
    }
}

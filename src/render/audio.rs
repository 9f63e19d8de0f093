//! The sound side of a render: the decoded audio on the reel's timeline
//! ([`AudioTimeline`]) with the plan's gain, a look-ahead peak limiter at the plan's ceiling,
//! edge fades, and the AAC encoder.

use crate::media::encode::fltp;
use crate::media::resample::AudioTimeline;
use crate::media::{lav, RenderError};
use crate::model::time::Micros;
use crate::plan::{Loudness, RenderPlan};
use ffmpeg_next as ff;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// A look-ahead peak limiter: gain drops ahead of a peak (never overshooting the ceiling) and
/// recovers over about 80 ms.
struct Limiter {
    ceiling: f32,
    gain: f32,
    release: f32,
}

/// Samples the limiter looks ahead (about 1.5 ms at 48 kHz).
const LOOKAHEAD: usize = 72;

impl Limiter {
    fn new(ceiling_db: f64, rate: u32) -> Limiter {
        Limiter {
            ceiling: 10f32.powf(ceiling_db as f32 / 20.0),
            gain: 1.0,
            release: (-1.0 / (0.08 * rate as f32)).exp(),
        }
    }

    /// Limits the first `n` samples of `l`/`r`, using the samples after them as look-ahead.
    fn process(&mut self, l: &mut [f32], r: &mut [f32], n: usize) {
        let len = l.len();
        // The peak of samples i..i + LOOKAHEAD, for each i, by a sliding-window maximum
        // (a queue of candidate positions with falling peaks): one pass instead of 72 looks
        // a sample. Sample i is written after its own window is read, and later windows start
        // after it, so every window sees the samples as they came in. NaN counts as 0, as in
        // `f32::max`.
        let mut window: VecDeque<(usize, f32)> = VecDeque::with_capacity(LOOKAHEAD + 1);
        let mut next = 0;
        for i in 0..n {
            let end = (i + LOOKAHEAD).min(len);
            while next < end {
                let v = 0f32.max(l[next].abs()).max(r[next].abs());
                while window.back().is_some_and(|&(_, b)| b <= v) {
                    window.pop_back();
                }
                window.push_back((next, v));
                next += 1;
            }
            while window.front().is_some_and(|&(j, _)| j < i) {
                window.pop_front();
            }
            let peak = window.front().map_or(0.0, |&(_, v)| v);
            let gain = self.follow(peak);
            l[i] *= gain;
            r[i] *= gain;
        }
    }

    /// The gain for a window whose peak is `peak`: down at once to keep it under the
    /// ceiling, back up at the release rate.
    fn follow(&mut self, peak: f32) -> f32 {
        let need = if peak > self.ceiling {
            self.ceiling / peak
        } else {
            1.0
        };
        self.gain = if need < self.gain {
            need
        } else {
            need - (need - self.gain) * self.release
        };
        self.gain
    }
}

/// Where an audio side's packets go (their timestamps in 1/sample-rate): the muxers of the
/// reels sharing this encode.
pub(super) type PacketOut<'a> = dyn FnMut(&ff::Packet) -> Result<(), RenderError> + 'a;

/// A reel's (or a compilation part's) sound as PCM: the decoded audio on the timeline, the
/// plan's gain, the peak limiter at its ceiling, and the edge fades. It hands out chunks that
/// are final, keeping back what a fade-out or the limiter's look-ahead may still change.
pub(super) struct Shaper {
    input: PathBuf,
    timeline: AudioTimeline,
    /// Samples already handed out.
    emitted: i64,
    fade: i64,
    limiter: Option<Limiter>,
    /// The replay's sound, when the reel has a replay.
    replay: Option<ReplaySound>,
}

/// A replay's sound on the reel's timeline (samples): the footage's samples `from..at` again,
/// slowed into `at..at + len`, the footage after it `len` later; a held end after `end`.
struct ReplaySound {
    from: i64,
    at: i64,
    len: i64,
    /// Where the footage ends on the reel (a held last frame after it is silent).
    end: i64,
    speed: f64,
    /// Slowed with the pitch kept; false: silence (the clip has no sound).
    sound: bool,
    /// The footage's samples `from..` handed out before the replay was made.
    captured: [Vec<f32>; 2],
    done: bool,
}

impl Shaper {
    /// A shaper of `limit` samples at `rate`; with `loudness`, its gain and a peak limiter at
    /// its ceiling.
    pub(super) fn new(
        input: &Path,
        rate: u32,
        fade: Micros,
        limit: i64,
        loudness: Option<Loudness>,
    ) -> Shaper {
        let mut timeline = AudioTimeline::new(rate, limit);
        timeline.gain = 10f32.powf(loudness.map_or(0.0, |l| l.gain_db) as f32 / 20.0);
        Shaper {
            input: input.to_path_buf(),
            timeline,
            emitted: 0,
            fade: (fade.0 as i128 * rate as i128 / 1_000_000) as i64,
            limiter: loudness.map(|l| Limiter::new(l.ceiling_dbfs, rate)),
            replay: None,
        }
    }

    /// The shaper of `plan`'s sound: `limit` samples (the whole reel's), with its gain and
    /// limiter, and its replay's sound (the replayed range slowed into the replay, the
    /// footage after it moved along).
    pub(super) fn of_plan(input: &Path, plan: &RenderPlan, limit: i64) -> Shaper {
        let mut s = Shaper::new(
            input,
            plan.encoder().sample_rate,
            plan.audio.edge_fade,
            limit,
            plan.audio.normalisation.loudness(),
        );
        if let Some(r) = &plan.replay {
            let samples = |f: u64| plan.audio_samples(f);
            let at = samples(r.first_frame);
            let len = samples(r.first_frame + r.frames) - at;
            s.timeline.gap = Some((at, len));
            s.replay = Some(ReplaySound {
                from: samples(r.first_source_frame),
                at,
                len,
                end: samples(plan.video.frames + r.frames),
                speed: r.speed,
                sound: r.sound == crate::plan::ReplaySound::Atempo,
                captured: [Vec::new(), Vec::new()],
                done: false,
            });
        }
        s
    }

    /// The gain of the short fades at the replay's edges and before a held end, for reel
    /// sample `idx` (1 elsewhere).
    fn splice_gain(&self, idx: i64) -> f32 {
        let Some(r) = &self.replay else {
            return 1.0;
        };
        let f = self.fade.max(1);
        let mut g = 1.0f32;
        let mut cuts = vec![r.at, r.at + r.len];
        if r.end < self.timeline.limit() {
            cuts.push(r.end);
        }
        for c in cuts {
            if idx >= c - f && idx < c {
                g *= (c - idx) as f32 / f as f32;
            } else if idx >= c && idx < c + f {
                g *= (idx - c + 1) as f32 / f as f32;
            }
        }
        g
    }

    /// Makes the replay's sound once the footage reaches it: the replayed range's samples
    /// (handed out ones were kept, the rest are still pending) slowed into the silence the
    /// timeline left for it.
    fn splice(&mut self) -> Result<(), RenderError> {
        let rate = self.timeline.rate;
        let written = self.timeline.written();
        let emitted = self.emitted;
        let Some(r) = self.replay.as_mut().filter(|r| !r.done) else {
            return Ok(());
        };
        if written <= r.at {
            return Ok(());
        }
        r.done = true;
        let captured = std::mem::take(&mut r.captured);
        if !r.sound {
            return Ok(());
        }
        let [pl, pr] = &mut self.timeline.pending;
        // The range's samples still pending, after those already handed out.
        let lo = (r.from.max(emitted) - emitted) as usize;
        let hi = ((r.at - emitted).max(0) as usize).min(pl.len());
        let mut src = captured;
        src[0].extend_from_slice(&pl[lo.min(hi)..hi]);
        src[1].extend_from_slice(&pr[lo.min(hi)..hi]);
        let [sl, sr] = crate::media::tempo::stretch(
            &self.input,
            &src[0],
            &src[1],
            rate,
            r.speed,
            r.len as usize,
        )?;
        let start = (r.at - emitted).max(0) as usize;
        for k in 0..sl.len() {
            if let (Some(a), Some(b)) = (pl.get_mut(start + k), pr.get_mut(start + k)) {
                *a += sl[k];
                *b += sr[k];
            }
        }
        Ok(())
    }

    /// Whether every planned sample is placed.
    pub(super) fn full(&self) -> bool {
        self.timeline.full()
    }

    /// The sample rate.
    pub(super) fn rate(&self) -> u32 {
        self.timeline.rate
    }

    /// Places a decoded frame at reel time `t`.
    pub(super) fn push_decoded(
        &mut self,
        frame: &mut ff::frame::Audio,
        t: Micros,
    ) -> Result<(), RenderError> {
        self.timeline.push_decoded(&self.input, frame, t)?;
        self.splice()
    }

    /// The next final chunk of at most `n` samples (limited, faded in at the start), or
    /// None when not enough is final yet. With `all`, everything pending is final.
    pub(super) fn next_chunk(&mut self, n: usize, all: bool) -> Option<(Vec<f32>, Vec<f32>)> {
        let keep = if all {
            0
        } else {
            (self.fade as usize).max(LOOKAHEAD)
        };
        let have = self.timeline.pending[0].len();
        if !(have >= n + keep || (all && have > 0)) {
            return None;
        }
        let n = n.min(have);
        if let Some(rp) = self.replay.as_mut() {
            // Keep what the replay will slow down, before the limiter.
            let (lo, hi) = (
                rp.from.max(self.emitted),
                rp.at.min(self.emitted + n as i64),
            );
            if !rp.done && lo < hi {
                let (a, b) = ((lo - self.emitted) as usize, (hi - self.emitted) as usize);
                let [l, r] = &self.timeline.pending;
                rp.captured[0].extend_from_slice(&l[a..b]);
                rp.captured[1].extend_from_slice(&r[a..b]);
            }
        }
        if self.replay.is_some() {
            for k in 0..n {
                let g = self.splice_gain(self.emitted + k as i64);
                if g < 1.0 {
                    self.timeline.pending[0][k] *= g;
                    self.timeline.pending[1][k] *= g;
                }
            }
        }
        let [l, r] = &mut self.timeline.pending;
        if let Some(lim) = self.limiter.as_mut() {
            lim.process(l, r, n);
        }
        for k in 0..n {
            let idx = self.emitted + k as i64;
            if idx < self.fade {
                let g = idx as f32 / self.fade as f32;
                l[k] *= g;
                r[k] *= g;
            }
        }
        let chunk = (l.drain(..n).collect(), r.drain(..n).collect());
        self.emitted += n as i64;
        Some(chunk)
    }

    /// Samples handed out so far.
    pub(super) fn emitted(&self) -> i64 {
        self.emitted
    }

    /// Ends the sound at exactly `total` samples (padded or cut) and fades it out there.
    pub(super) fn close(&mut self, total: i64) -> Result<(), RenderError> {
        self.timeline.close(total);
        self.splice()?;
        // Fade out over the last samples (still pending: next_chunk keeps them back).
        let [l, r] = &mut self.timeline.pending;
        let len = l.len();
        let fade = (self.fade as usize).min(len);
        for k in 0..fade {
            let g = k as f32 / self.fade as f32;
            l[len - 1 - k] *= g;
            r[len - 1 - k] *= g;
        }
        Ok(())
    }
}

/// The audio side of a render: the [`Shaper`] and the AAC encoder.
pub(super) struct AudioOut {
    encoder: ff::encoder::Audio,
    shaper: Shaper,
    frame_size: usize,
}

impl AudioOut {
    /// An audio side writing `limit` samples of `plan`'s sound (its gain, limiter, fades and
    /// replay).
    pub(super) fn new(plan: &RenderPlan, encoder: ff::encoder::Audio, limit: i64) -> AudioOut {
        AudioOut {
            frame_size: (encoder.frame_size() as usize).max(1),
            shaper: Shaper::of_plan(plan.input(), plan, limit),
            encoder,
        }
    }

    /// Whether every planned sample is placed.
    pub(super) fn full(&self) -> bool {
        self.shaper.full()
    }

    /// Places a decoded frame at reel time `t` and encodes what is ready.
    pub(super) fn push_decoded(
        &mut self,
        frame: &mut ff::frame::Audio,
        t: Micros,
        out: &mut PacketOut,
    ) -> Result<(), RenderError> {
        self.shaper.push_decoded(frame, t)?;
        self.encode_ready(out, false)
    }

    /// Sends whole final frames to the encoder (everything with `all`).
    fn encode_ready(&mut self, out: &mut PacketOut, all: bool) -> Result<(), RenderError> {
        while let Some((l, r)) = self.shaper.next_chunk(self.frame_size, all) {
            let pts = self.shaper.emitted() - l.len() as i64;
            send_pcm(&mut self.encoder, &l, &r, pts, &self.shaper.input)?;
            self.drain(out)?;
        }
        Ok(())
    }

    /// The time base of the packets it hands out: 1/sample rate.
    pub(super) fn time_base(&self) -> ff::Rational {
        ff::Rational(1, self.shaper.rate() as i32)
    }

    /// Ends the audio at exactly `total` samples: pads or cuts, fades out, flushes.
    pub(super) fn finish(&mut self, total: i64, out: &mut PacketOut) -> Result<(), RenderError> {
        self.shaper.close(total)?;
        self.flush(out)
    }

    fn flush(&mut self, out: &mut PacketOut) -> Result<(), RenderError> {
        self.encode_ready(out, true)?;
        self.encoder
            .send_eof()
            .map_err(lav(&self.shaper.input, "finishing audio"))?;
        self.drain(out)
    }

    fn drain(&mut self, out: &mut PacketOut) -> Result<(), RenderError> {
        let mut pkt = ff::Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut pkt) {
                Ok(()) => out(&pkt)?,
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(lav(&self.shaper.input, "encoding audio")(e)),
            }
        }
    }
}

/// Sends `l`/`r` (one AAC frame or the last, shorter one) at sample `pts` to `encoder`.
pub(super) fn send_pcm(
    encoder: &mut ff::encoder::Audio,
    l: &[f32],
    r: &[f32],
    pts: i64,
    input: &Path,
) -> Result<(), RenderError> {
    let n = l.len();
    let mut f = ff::frame::Audio::new(fltp(), n, ff::ChannelLayout::default(2));
    f.set_rate(encoder.rate());
    f.plane_mut::<f32>(0)[..n].copy_from_slice(l);
    f.plane_mut::<f32>(1)[..n].copy_from_slice(r);
    f.set_pts(Some(pts));
    encoder.send_frame(&f).map_err(lav(input, "encoding audio"))
}

#[cfg(test)]
mod tests {
    use super::{Limiter, LOOKAHEAD};

    /// The limiter as first written: the peak of each window looked up sample by sample (the
    /// gain law is the limiter's own; what differs is how the peak is found).
    fn limit_naive(lim: &mut Limiter, l: &mut [f32], r: &mut [f32], n: usize) {
        let len = l.len();
        for i in 0..n {
            let end = (i + LOOKAHEAD).min(len);
            let mut peak = 0f32;
            for j in i..end {
                peak = peak.max(l[j].abs()).max(r[j].abs());
            }
            let gain = lim.follow(peak);
            l[i] *= gain;
            r[i] *= gain;
        }
    }

    #[test]
    fn the_sliding_peak_limits_exactly_as_the_window_by_window_peak() {
        // Bursts over the ceiling, silence, a NaN and chunks shorter than the look-ahead.
        let signal = |k: usize| -> f32 {
            let x = ((k * 7919) % 1013) as f32 / 1013.0 - 0.5;
            let burst = if (k / 300).is_multiple_of(3) {
                3.0
            } else {
                0.4
            };
            if k == 777 {
                f32::NAN
            } else if (k / 500) % 4 == 3 {
                0.0
            } else {
                x * burst
            }
        };
        let mut l: Vec<f32> = (0..4000).map(signal).collect();
        let mut r: Vec<f32> = (0..4000).map(|k| signal(k + 13) * 0.8).collect();
        let (mut l2, mut r2) = (l.clone(), r.clone());
        let (mut a, mut b) = (Limiter::new(-1.0, 48_000), Limiter::new(-1.0, 48_000));
        let mut at = 0;
        for chunk in [1024, 30, 1, 500, 1024, 1421] {
            let n = chunk.min(l.len() - at);
            a.process(&mut l[at..], &mut r[at..], n);
            limit_naive(&mut b, &mut l2[at..], &mut r2[at..], n);
            at += n;
        }
        assert_eq!(at, 4000);
        for k in 0..4000 {
            assert_eq!(l[k].to_bits(), l2[k].to_bits(), "left sample {k}");
            assert_eq!(r[k].to_bits(), r2[k].to_bits(), "right sample {k}");
        }
        assert!(l.iter().any(|v| *v != 0.0 && v.abs() < 0.5));
    }
}

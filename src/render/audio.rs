//! The sound side of a render: the decoded audio on the reel's timeline
//! ([`AudioTimeline`]) with the plan's gain, a look-ahead peak limiter at the plan's ceiling,
//! edge fades, and the AAC encoder.

use crate::media::encode::fltp;
use crate::media::resample::AudioTimeline;
use crate::media::{lav, RenderError};
use crate::model::time::Micros;
use crate::plan::Loudness;
use ffmpeg_next as ff;
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
        for i in 0..n {
            let end = (i + LOOKAHEAD).min(len);
            let mut peak = 0f32;
            for j in i..end {
                peak = peak.max(l[j].abs()).max(r[j].abs());
            }
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
            l[i] *= self.gain;
            r[i] *= self.gain;
        }
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
        }
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
        self.timeline.push_decoded(&self.input, frame, t)
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
    pub(super) fn close(&mut self, total: i64) {
        self.timeline.close(total);
        // Fade out over the last samples (still pending: next_chunk keeps them back).
        let [l, r] = &mut self.timeline.pending;
        let len = l.len();
        let fade = (self.fade as usize).min(len);
        for k in 0..fade {
            let g = k as f32 / self.fade as f32;
            l[len - 1 - k] *= g;
            r[len - 1 - k] *= g;
        }
    }

    /// [`Shaper::close`] at `main` samples, then `silence` samples of silence after it (a
    /// muted replay).
    pub(super) fn close_with_silence(&mut self, main: i64, silence: i64) {
        self.close(main);
        let [l, r] = &mut self.timeline.pending;
        let len = l.len();
        if let Some(lim) = self.limiter.as_mut() {
            // The main part's last samples are limited now (no look-ahead needed into
            // silence); the silence passes the limiter unchanged.
            lim.process(l, r, len);
            self.limiter = None;
        }
        let n = silence.max(0) as usize;
        l.resize(len + n, 0.0);
        r.resize(len + n, 0.0);
    }
}

/// The audio side of a render: the [`Shaper`] and the AAC encoder.
pub(super) struct AudioOut {
    encoder: ff::encoder::Audio,
    shaper: Shaper,
    frame_size: usize,
}

impl AudioOut {
    /// An audio side writing `limit` samples; with `loudness`, its gain and a peak limiter at
    /// its ceiling.
    pub(super) fn new(
        input: &Path,
        encoder: ff::encoder::Audio,
        fade: Micros,
        limit: i64,
        loudness: Option<Loudness>,
    ) -> AudioOut {
        let rate = encoder.rate();
        AudioOut {
            frame_size: (encoder.frame_size() as usize).max(1),
            shaper: Shaper::new(input, rate, fade, limit, loudness),
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
        self.shaper.close(total);
        self.flush(out)
    }

    /// [`AudioOut::finish`] at `main` samples (faded out there), then `silence` samples of
    /// silence (a muted replay).
    pub(super) fn finish_with_silence(
        &mut self,
        main: i64,
        silence: i64,
        out: &mut PacketOut,
    ) -> Result<(), RenderError> {
        self.shaper.close_with_silence(main, silence);
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

//! The sound side of a render: resampling to the preset's rate in stereo, placing every sample
//! at its own moment on the reel's timeline (late starts padded with silence, overlaps
//! dropped), loudness normalisation (EBU R128, measured in a first audio-only pass), a
//! look-ahead peak limiter, edge fades, and the AAC encoder.

use super::{lav, RenderError};
use crate::plan::RenderPlan;
use crate::probe::open_input;
use crate::time::Micros;
use ffmpeg_next as ff;

fn fltp() -> ff::format::Sample {
    ff::format::Sample::F32(ff::format::sample::Type::Planar)
}

/// Decoded audio placed on the reel's timeline: samples not yet consumed wait in `pending`.
pub(super) struct Timeline {
    resampler: Option<ff::software::resampling::Context>,
    rate: u32,
    /// Where the next resampled sample goes on the reel, when contiguous.
    next_pos: Option<i64>,
    /// Samples placed on the reel so far (consumed + pending).
    written: i64,
    /// Samples the reel has.
    limit: i64,
    pending: [Vec<f32>; 2],
    /// Linear gain applied as samples are placed.
    gain: f32,
}

impl Timeline {
    fn new(rate: u32, limit: i64) -> Timeline {
        Timeline {
            gain: 1.0,
            resampler: None,
            rate,
            next_pos: None,
            written: 0,
            limit,
            pending: [Vec::new(), Vec::new()],
        }
    }

    /// Resamples a decoded frame at reel time `t` and places it.
    fn push_decoded(
        &mut self,
        plan: &RenderPlan,
        frame: &mut ff::frame::Audio,
        t: Micros,
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
            // Mono is spread to both sides, 5.1 and other layouts are downmixed to stereo.
            self.resampler = Some(
                ff::software::resampling::Context::get(
                    frame.format(),
                    frame.channel_layout(),
                    frame.rate(),
                    fltp(),
                    ff::ChannelLayout::default(2),
                    self.rate,
                )
                .map_err(lav(plan, "setting up audio conversion"))?,
            );
        }
        let cap = frame.samples() * self.rate as usize / frame.rate() as usize + 256;
        let mut out = ff::frame::Audio::new(fltp(), cap, ff::ChannelLayout::default(2));
        self.resampler
            .as_mut()
            .expect("set above")
            .run(frame, &mut out)
            .map_err(lav(plan, "converting audio"))?;
        let n = out.samples();
        if n > 0 {
            let pos = (t.0 as i128 * self.rate as i128 / 1_000_000) as i64;
            self.place(pos, &out.plane::<f32>(0)[..n], &out.plane::<f32>(1)[..n]);
        }
        Ok(())
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
        let g = self.gain;
        self.pending[0].extend(l[s..e].iter().map(|x| x * g));
        self.pending[1].extend(r[s..e].iter().map(|x| x * g));
        self.written += take;
    }

    /// Whether every planned sample is placed.
    fn full(&self) -> bool {
        self.written >= self.limit
    }

    /// Drains the resampler, then cuts or pads with silence to exactly `total` samples.
    fn close(&mut self, total: i64) {
        self.limit = total;
        if let Some(r) = self.resampler.as_mut() {
            let mut out = ff::frame::Audio::new(fltp(), 4096, ff::ChannelLayout::default(2));
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
    }
}

/// What the analysis pass found and what normalisation does about it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Loudness {
    /// Integrated loudness of the source over the reel, LUFS.
    pub measured_lufs: f64,
    /// True peak of the source over the reel, dBTP.
    pub measured_true_peak_dbtp: f64,
    /// Gain applied, dB.
    pub gain_db: f64,
}

/// Decodes only the audio of the trimmed range and measures its loudness (EBU R128 integrated
/// and true peak). None when there is no audio or it is silent.
pub(super) fn analyse(
    plan: &RenderPlan,
    rate: u32,
    total_samples: i64,
) -> Result<Option<(f64, f64)>, RenderError> {
    let Some(ai) = plan.audio.stream else {
        return Ok(None);
    };
    let mut ictx = open_input(&plan.input)?;
    let vstart = {
        let vs = ictx
            .stream(plan.video.stream)
            .ok_or_else(|| RenderError::NoFrames(plan.input.display().to_string()))?;
        let tb = vs.time_base();
        let st = if vs.start_time() == ff::ffi::AV_NOPTS_VALUE {
            0
        } else {
            vs.start_time()
        };
        Micros::from_ts(st, tb.numerator(), tb.denominator())
    };
    let Some(ast) = ictx.stream(ai) else {
        return Ok(None);
    };
    let atb = ast.time_base();
    let Ok(mut dec) = ff::codec::context::Context::from_parameters(ast.parameters())
        .and_then(|c| c.decoder().audio())
    else {
        return Ok(None);
    };
    if plan.trim.start > Micros::ZERO {
        let target = (vstart + plan.trim.start).0;
        let _ = ictx.seek(target, ..target);
    }
    let mut meter = ebur128::EbuR128::new(2, rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK)
        .map_err(|e| RenderError::Libav {
            path: plan.input.display().to_string(),
            stage: "measuring loudness",
            cause: e.to_string(),
        })?;
    let mut timeline = Timeline::new(rate, total_samples);
    let mut frame = ff::frame::Audio::empty();
    let mut feed = |timeline: &mut Timeline| {
        let [l, r] = &mut timeline.pending;
        if !l.is_empty() {
            let _ = meter.add_frames_planar_f32(&[l.as_slice(), r.as_slice()]);
            l.clear();
            r.clear();
        }
    };
    for (stream, packet) in ictx.packets() {
        if stream.index() != ai {
            continue;
        }
        if dec.send_packet(&packet).is_err() {
            continue;
        }
        while dec.receive_frame(&mut frame).is_ok() {
            let Some(ts) = frame.timestamp().or(frame.pts()) else {
                continue;
            };
            let t =
                Micros::from_ts(ts, atb.numerator(), atb.denominator()) - vstart - plan.trim.start;
            timeline.push_decoded(plan, &mut frame, t)?;
            feed(&mut timeline);
        }
        if timeline.full() {
            break;
        }
    }
    let _ = dec.send_eof();
    while dec.receive_frame(&mut frame).is_ok() {
        if let Some(ts) = frame.timestamp().or(frame.pts()) {
            let t =
                Micros::from_ts(ts, atb.numerator(), atb.denominator()) - vstart - plan.trim.start;
            timeline.push_decoded(plan, &mut frame, t)?;
        }
    }
    timeline.close(total_samples);
    feed(&mut timeline);
    let lufs = meter.loudness_global().unwrap_or(f64::NEG_INFINITY);
    let peak = (0..2)
        .filter_map(|c| meter.true_peak(c).ok())
        .fold(0.0f64, f64::max);
    if !lufs.is_finite() || peak <= 0.0 {
        return Ok(None);
    }
    Ok(Some((lufs, 20.0 * peak.log10())))
}

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

/// The audio side of a render: timeline, gain, limiter, fades and the AAC encoder.
pub(super) struct AudioOut {
    encoder: ff::encoder::Audio,
    timeline: Timeline,
    stream: usize,
    ost_tb: ff::Rational,
    frame_size: usize,
    /// Samples already sent to the encoder.
    encoded: i64,
    fade: i64,
    limiter: Option<Limiter>,
}

impl AudioOut {
    /// An audio side writing `limit` samples to output stream `stream`, with a linear `gain`
    /// and, when `ceiling_db` is set, a peak limiter at that level.
    pub(super) fn new(
        encoder: ff::encoder::Audio,
        stream: usize,
        ost_tb: ff::Rational,
        fade: Micros,
        limit: i64,
        gain_db: f64,
        ceiling_db: Option<f64>,
    ) -> AudioOut {
        let rate = encoder.rate();
        let mut timeline = Timeline::new(rate, limit);
        timeline.gain = 10f32.powf(gain_db as f32 / 20.0);
        AudioOut {
            frame_size: (encoder.frame_size() as usize).max(1),
            encoder,
            timeline,
            stream,
            ost_tb,
            encoded: 0,
            fade: (fade.0 as i128 * rate as i128 / 1_000_000) as i64,
            limiter: ceiling_db.map(|c| Limiter::new(c, rate)),
        }
    }

    /// Whether every planned sample is placed.
    pub(super) fn full(&self) -> bool {
        self.timeline.full()
    }

    /// Places a decoded frame at reel time `t` and encodes what is ready.
    pub(super) fn push_decoded(
        &mut self,
        plan: &RenderPlan,
        frame: &mut ff::frame::Audio,
        t: Micros,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), RenderError> {
        self.timeline.push_decoded(plan, frame, t)?;
        self.encode_ready(plan, octx, false)
    }

    /// Sends whole frames to the encoder, keeping the last `fade` samples (at least the
    /// limiter's look-ahead) back so the end can still be faded; with `all`, sends everything.
    fn encode_ready(
        &mut self,
        plan: &RenderPlan,
        octx: &mut ff::format::context::Output,
        all: bool,
    ) -> Result<(), RenderError> {
        let keep = if all {
            0
        } else {
            (self.fade as usize).max(LOOKAHEAD)
        };
        loop {
            let have = self.timeline.pending[0].len();
            if !(have >= self.frame_size + keep || (all && have > 0)) {
                return Ok(());
            }
            let n = self.frame_size.min(have);
            let [l, r] = &mut self.timeline.pending;
            if let Some(lim) = self.limiter.as_mut() {
                lim.process(l, r, n);
            }
            for k in 0..n {
                let idx = self.encoded + k as i64;
                if idx < self.fade {
                    let g = idx as f32 / self.fade as f32;
                    l[k] *= g;
                    r[k] *= g;
                }
            }
            let mut f = ff::frame::Audio::new(fltp(), n, ff::ChannelLayout::default(2));
            f.set_rate(self.timeline.rate);
            f.plane_mut::<f32>(0)[..n].copy_from_slice(&l[..n]);
            f.plane_mut::<f32>(1)[..n].copy_from_slice(&r[..n]);
            l.drain(..n);
            r.drain(..n);
            f.set_pts(Some(self.encoded));
            self.encoded += n as i64;
            self.encoder
                .send_frame(&f)
                .map_err(lav(plan, "encoding audio"))?;
            self.drain(plan, octx)?;
        }
    }

    /// Ends the audio at exactly `total` samples: pads or cuts, fades out, flushes.
    pub(super) fn finish(
        &mut self,
        plan: &RenderPlan,
        total: i64,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), RenderError> {
        self.timeline.close(total);
        // Fade out over the reel's last samples (still pending: encode_ready keeps them back).
        let [l, r] = &mut self.timeline.pending;
        let len = l.len();
        let fade = (self.fade as usize).min(len);
        for k in 0..fade {
            let g = k as f32 / self.fade as f32;
            l[len - 1 - k] *= g;
            r[len - 1 - k] *= g;
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
                    pkt.rescale_ts(ff::Rational(1, self.timeline.rate as i32), self.ost_tb);
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

//! The sound side of a render: resampling to the preset's rate in stereo, placing every sample
//! at its own moment on the reel's timeline (late starts padded with silence, overlaps
//! dropped), edge fades, and the AAC encoder.

use super::{lav, RenderError};
use crate::plan::RenderPlan;
use crate::time::Micros;
use ffmpeg_next as ff;

/// The audio half: resampler, placement on the reel's timeline, fades and the AAC encoder.
pub(super) struct AudioOut {
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
    /// An audio side writing `limit` samples at `rate` to output stream `stream`.
    pub(super) fn new(
        encoder: ff::encoder::Audio,
        stream: usize,
        ost_tb: ff::Rational,
        fade: Micros,
        limit: i64,
    ) -> AudioOut {
        let rate = encoder.rate();
        AudioOut {
            frame_size: (encoder.frame_size() as usize).max(1),
            encoder,
            resampler: None,
            rate,
            stream,
            ost_tb,
            next_pos: None,
            written: 0,
            encoded: 0,
            pending: [Vec::new(), Vec::new()],
            fade: (fade.0 as i128 * rate as i128 / 1_000_000) as i64,
            limit,
        }
    }

    /// Whether every planned sample is placed.
    pub(super) fn full(&self) -> bool {
        self.written >= self.limit
    }

    pub(super) fn push_decoded(
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

    pub(super) fn finish(
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

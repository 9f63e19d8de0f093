//! Decoded audio on the reel's timeline: resampled to the reel's rate in stereo (mono spread,
//! 5.1 and other layouts downmixed), each sample placed at its own moment (late starts padded
//! with silence, overlaps dropped, cut or padded to the reel's length).

use super::encode::fltp;
use super::error::{lav, RenderError};
use crate::model::time::Micros;
use ffmpeg_next as ff;
use std::path::Path;

/// Decoded audio placed on the reel's timeline: samples not yet consumed wait in `pending`.
pub struct AudioTimeline {
    resampler: Option<ff::software::resampling::Context>,
    /// Output sample rate.
    pub rate: u32,
    /// Where the next resampled sample goes on the reel, when contiguous.
    next_pos: Option<i64>,
    /// Samples placed on the reel so far (consumed + pending).
    written: i64,
    /// Samples the reel has.
    limit: i64,
    /// Placed samples not yet consumed, left and right.
    pub pending: [Vec<f32>; 2],
    /// Linear gain applied as samples are placed.
    pub gain: f32,
    /// A gap put into the timeline: `(at, len)` places every sample from position `at` on
    /// `len` later (a replay spliced in there); the gap is silence until filled.
    pub gap: Option<(i64, i64)>,
}

impl AudioTimeline {
    /// A timeline of `limit` samples at `rate` (stereo), gain 1.
    pub fn new(rate: u32, limit: i64) -> AudioTimeline {
        AudioTimeline {
            gain: 1.0,
            resampler: None,
            rate,
            next_pos: None,
            written: 0,
            limit,
            pending: [Vec::new(), Vec::new()],
            gap: None,
        }
    }

    /// Samples placed on the reel so far (handed out and pending).
    pub fn written(&self) -> i64 {
        self.written
    }

    /// Samples the reel has (as planned, or as [`AudioTimeline::close`] set).
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// Resamples a decoded frame at reel time `t` and places it.
    pub fn push_decoded(
        &mut self,
        path: &Path,
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
                .map_err(lav(path, "setting up audio conversion"))?,
            );
        }
        let cap = frame.samples() * self.rate as usize / frame.rate() as usize + 256;
        let mut out = ff::frame::Audio::new(fltp(), cap, ff::ChannelLayout::default(2));
        self.resampler
            .as_mut()
            .expect("set above")
            .run(frame, &mut out)
            .map_err(lav(path, "converting audio"))?;
        let n = out.samples();
        if n > 0 {
            let pos = (t.0 as i128 * self.rate as i128 / 1_000_000) as i64;
            self.place(pos, &out.plane::<f32>(0)[..n], &out.plane::<f32>(1)[..n]);
        }
        Ok(())
    }

    /// Puts samples at reel position `pos` (before the [`AudioTimeline::gap`], if any),
    /// padding gaps with silence and dropping overlaps.
    pub fn place(&mut self, pos: i64, l: &[f32], r: &[f32]) {
        let n = l.len() as i64;
        // Stay contiguous through timestamp jitter; re-sync on a real gap (over 40 ms).
        let tolerance = self.rate as i64 / 25;
        let pos = match self.next_pos {
            Some(np) if (pos - np).abs() <= tolerance => np,
            _ => pos,
        };
        self.next_pos = Some(pos + n);
        match self.gap {
            Some((at, len)) if pos >= at => self.put(pos + len, l, r),
            Some((at, len)) if pos + n > at => {
                let k = (at - pos) as usize;
                self.put(pos, &l[..k], &r[..k]);
                self.put(at + len, &l[k..], &r[k..]);
            }
            _ => self.put(pos, l, r),
        }
    }

    /// Puts samples at reel position `pos` (after the gap's shift).
    fn put(&mut self, pos: i64, l: &[f32], r: &[f32]) {
        let n = l.len() as i64;
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
    pub fn full(&self) -> bool {
        self.written >= self.limit
    }

    /// Drains the resampler, then cuts or pads with silence to exactly `total` samples.
    pub fn close(&mut self, total: i64) {
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

//! The frames between a seek's keyframe and the first wanted frame: each must be decoded only
//! if a later frame refers to it. [`Preroll`] looks a few video packets ahead and marks the
//! ones that may skip decoding when non-referenced, which is what mpv's precise seek does.

use super::Timeline;
use crate::time::Micros;
use ffmpeg_next as ff;
use std::collections::VecDeque;

/// Video packets demuxed ahead of the decoder (a hierarchical-P phone stream shows its next
/// anchor within a few packets; B-frame streams send the anchor first anyway).
const LOOKAHEAD: usize = 16;

/// Packets as `(stream index, packet, skip_if_nonref)`. A video packet is marked when another
/// video packet already demuxed has a later timestamp that is still at or before `limit`:
/// then the frame the selector picks (the latest at or before `limit`) is not this one, and
/// if no frame refers to it, decoding it is wasted. The picked frame itself is never marked,
/// nor any packet without a timestamp, nor anything after `limit`.
pub(super) struct Preroll<I> {
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
    pub(super) fn new(inner: I, video: usize, timeline: Timeline, limit: Micros) -> Preroll<I> {
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
pub(super) fn set_skip(dec: &mut ff::decoder::Video, skip: bool) {
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

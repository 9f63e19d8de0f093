//! The replay's pictures (`--replay`): the main decode's pictures are passed on through a
//! [`Splice`] that numbers them on the reel (the footage after the replay `frames` later)
//! and, where the replay goes, decodes the replayed range again and sends its pictures, each
//! shown `frames / source_frames` times (the plan's speed); at the end, the last picture is
//! held for the plan's `hold_frames`. The push-in is the plan's too: the convert stage crops
//! each replay frame to [`crate::plan::RenderPlan::window_for`].

use crate::media::decode::{Decoded, Flow, RangeDecoder, Shown, VideoRange};
use crate::media::RenderError;
use crate::model::time::Micros;
use crate::plan::replay::ReplayPlan;
use crate::plan::RenderPlan;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::SyncSender;

/// Decodes `replay`'s range of `plan`'s input and sends its pictures on as output frames
/// from `first`, each shown [`ReplayPlan::repeat`] times. Ok(false) when the convert stage
/// stopped.
pub(super) fn replay_pass(
    plan: &RenderPlan,
    replay: &ReplayPlan,
    first: u64,
    threads: usize,
    to_convert: &SyncSender<Shown>,
    cancel: &AtomicBool,
) -> Result<bool, RenderError> {
    let repeat = replay.repeat();
    let mut source = RangeDecoder::open(
        plan.input(),
        plan.video.stream,
        plan.video.x264_build,
        replay.source_from,
    )?;
    source.with_video(VideoRange {
        first: 0,
        total: replay.source_frames,
        fps: plan.video.fps,
        threads,
    })?;
    // A file that cannot seek is decoded from its start: still exact, only slower.
    let _ = source.seek(Micros::ZERO);
    source.run(Some(cancel), |item| {
        if let Decoded::Picture(shown) = item {
            let slow = Shown {
                frame: shown.frame,
                first: first + shown.first * repeat,
                count: shown.count * repeat,
            };
            if to_convert.send(slow).is_err() {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    })
}

/// Passes the main decode's pictures on with their reel numbers, the replay spliced in.
pub(super) struct Splice<'a> {
    plan: &'a RenderPlan,
    threads: usize,
    /// The last picture, kept back while the reel ends on a held frame.
    pending: Option<Shown>,
    inserted: bool,
    /// The footage frame after the last one the main decode gave.
    main_end: u64,
    /// The reel frame after the last one sent.
    sent_end: u64,
}

impl<'a> Splice<'a> {
    /// A splice for `plan`, whose replay decodes on `threads` threads.
    pub(super) fn new(plan: &'a RenderPlan, threads: usize) -> Splice<'a> {
        Splice {
            plan,
            threads,
            pending: None,
            inserted: false,
            main_end: 0,
            sent_end: 0,
        }
    }

    /// The footage frame after the last one the main decode gave.
    pub(super) fn main_end(&self) -> u64 {
        self.main_end
    }

    fn emit(&mut self, shown: Shown, to: &SyncSender<Shown>) -> bool {
        let held = self.plan.replay.as_ref().is_some_and(|r| r.hold_frames > 0);
        let out = if held {
            match self.pending.replace(shown) {
                Some(p) => p,
                None => return true,
            }
        } else {
            shown
        };
        self.sent_end = self.sent_end.max(out.first + out.count);
        to.send(out).is_ok()
    }

    fn flush(&mut self, to: &SyncSender<Shown>) -> bool {
        match self.pending.take() {
            Some(p) => {
                self.sent_end = self.sent_end.max(p.first + p.count);
                to.send(p).is_ok()
            }
            None => true,
        }
    }

    /// Passes one picture of the main decode on (its `first`/`count` are footage frames).
    /// Ok(false) when the convert stage stopped.
    pub(super) fn send(
        &mut self,
        shown: Shown,
        to: &SyncSender<Shown>,
        cancel: &AtomicBool,
    ) -> Result<bool, RenderError> {
        let end = shown.first + shown.count;
        self.main_end = self.main_end.max(end);
        let Some(r) = self.plan.replay.as_ref() else {
            return Ok(self.emit(shown, to));
        };
        let at = r.first_frame;
        if self.inserted || end <= at {
            let first = if self.inserted {
                shown.first + r.frames
            } else {
                shown.first
            };
            return Ok(self.emit(Shown { first, ..shown }, to));
        }
        // This picture reaches the replay's place: what comes before it, the replay, the
        // rest after it.
        let after = shown.first.max(at);
        if shown.first < at {
            let before = Shown {
                frame: shown.frame.clone(),
                first: shown.first,
                count: at - shown.first,
            };
            if !self.emit(before, to) {
                return Ok(false);
            }
        }
        if !self.insert(r, at, to, cancel)? {
            return Ok(false);
        }
        Ok(self.emit(
            Shown {
                frame: shown.frame,
                first: after + r.frames,
                count: end - after,
            },
            to,
        ))
    }

    fn insert(
        &mut self,
        r: &ReplayPlan,
        at: u64,
        to: &SyncSender<Shown>,
        cancel: &AtomicBool,
    ) -> Result<bool, RenderError> {
        self.inserted = true;
        if !self.flush(to) {
            return Ok(false);
        }
        let ok = replay_pass(self.plan, r, at, self.threads, to, cancel)?;
        self.sent_end = self.sent_end.max(at + r.frames);
        Ok(ok)
    }

    /// After the main decode: the replay if the footage ended before its place (right after
    /// the last picture), then the held end. Ok(false) when the convert stage stopped.
    pub(super) fn finish(
        mut self,
        to: &SyncSender<Shown>,
        cancel: &AtomicBool,
    ) -> Result<(bool, u64), RenderError> {
        let Some(r) = self.plan.replay.as_ref() else {
            return Ok((true, self.sent_end));
        };
        if self.main_end == 0 {
            return Ok((true, 0));
        }
        if !self.inserted {
            // The replay ends the footage: the last picture, the replay, that picture held.
            let at = self.main_end.min(r.first_frame);
            let held = (r.hold_frames > 0)
                .then(|| self.pending.as_ref().map(|p| p.frame.clone()))
                .flatten();
            if !self.insert(r, at, to, cancel)? {
                return Ok((false, self.sent_end));
            }
            if let Some(frame) = held {
                let first = at + r.frames;
                self.sent_end = self.sent_end.max(first + r.hold_frames);
                let hold = Shown {
                    frame,
                    first,
                    count: r.hold_frames,
                };
                return Ok((to.send(hold).is_ok(), self.sent_end));
            }
        }
        if let Some(mut p) = self.pending.take() {
            // The reel's last picture, held.
            p.count += r.hold_frames;
            self.sent_end = self.sent_end.max(p.first + p.count);
            if to.send(p).is_err() {
                return Ok((false, self.sent_end));
            }
        }
        Ok((true, self.sent_end))
    }
}

//! The replay's decode pass (`--replay`): the replayed range of the input decoded again after
//! the main range, each chosen frame sent to the same convert stage as output frames that
//! follow the main part's, each shown twice (half speed). No sound is decoded: the audio
//! side pads the replay with silence.

use crate::media::decode::{Decoded, Flow, RangeDecoder, Shown, VideoRange};
use crate::media::RenderError;
use crate::model::time::Micros;
use crate::plan::replay::{ReplayPlan, REPLAY_SPEED};
use crate::plan::RenderPlan;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::SyncSender;

/// Decodes `replay`'s range of `plan`'s input and sends its pictures on as output frames
/// from `first` (the frame after the main part's last), each twice as long. Ok(false) when
/// the convert stage stopped.
pub(super) fn replay_pass(
    plan: &RenderPlan,
    replay: &ReplayPlan,
    first: u64,
    threads: usize,
    to_convert: &SyncSender<Shown>,
    cancel: &AtomicBool,
) -> Result<bool, RenderError> {
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
                first: first + shown.first * REPLAY_SPEED,
                count: shown.count * REPLAY_SPEED,
            };
            if to_convert.send(slow).is_err() {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    })
}

//! `--replay` (issue 13): after the trimmed footage, the 1.5 s around the moment again at half
//! speed (each source frame shown twice), muted, with a small "REPLAY" tag in the top corner
//! of the safe zone; the reel grows by 3 s. Decided here ([`with_replay`], part of the plan
//! and of `--dry-run --json`); rendered by a second decode pass of the replayed range after
//! the main one (render/pipeline.rs), its output frames following the main part's.

use crate::model::time::Micros;
pub use crate::plan::ReplayPlan;
use crate::plan::{CardPosition, Overlay, PlanError, RenderPlan, Role, CARD_MAX_HEIGHT_FRACTION};
use crate::text::card::{CardError, TextEngine};

/// How much of the source is replayed, around the moment.
pub const REPLAY_SOURCE: Micros = Micros(1_500_000);
/// The replay's playback speed: half (each source frame twice).
pub const REPLAY_SPEED: u64 = 2;
/// The tag's text size relative to the cards' body text.
const TAG_SCALE: f32 = 0.55;

/// Output frame slots of source a replay shows at `fps` (1.5 s' worth).
pub fn wanted_source_frames(fps: u32) -> u64 {
    (REPLAY_SOURCE.0 as u128 * fps.max(1) as u128 / 1_000_000) as u64
}

/// The output frames a replay adds to a reel whose footage is `main` frames at `fps`: each
/// replayed frame twice, of at most 1.5 s of the footage.
pub fn replay_frames(main: u64, fps: u32) -> u64 {
    if main == 0 {
        return 0;
    }
    wanted_source_frames(fps).min(main).max(1) * REPLAY_SPEED
}

/// The most footage frames a reel of at most `max_frames` frames holds beside its replay
/// (0: none fits).
pub fn longest_footage(max_frames: u64, fps: u32) -> u64 {
    let want = wanted_source_frames(fps).max(1);
    if max_frames >= (1 + REPLAY_SPEED) * want {
        max_frames - REPLAY_SPEED * want
    } else {
        max_frames / (1 + REPLAY_SPEED)
    }
}

impl ReplayPlan {
    /// The reel time whose picture output frame `index` of the replay shows (None before
    /// the replay): the main part's frame it repeats.
    pub fn picture_frame(&self, index: u64) -> Option<u64> {
        (index >= self.first_frame)
            .then(|| self.first_source_frame + (index - self.first_frame) / REPLAY_SPEED)
    }
}

impl RenderPlan {
    /// Output frames of the whole reel: the trimmed footage and the replay.
    pub fn reel_frames(&self) -> u64 {
        self.video.frames + self.replay.as_ref().map_or(0, |r| r.frames)
    }

    /// The reel time of the picture output frame `index` shows: its own time in the main
    /// part, the repeated frame's in the replay (where a moving window must be).
    pub fn picture_time(&self, index: u64) -> Micros {
        match self.replay.as_ref().and_then(|r| r.picture_frame(index)) {
            Some(f) => self.frame_time(f),
            None => self.frame_time(index),
        }
    }
}

/// `plan` with the replay `req` asks for (`--replay`, `replay = true`); unchanged otherwise.
/// The moment is the went-wrong card's start, else what `--start auto` found, else the middle
/// of the reel (with a warning). A lesson card that lasts to the end lasts through the replay.
pub fn with_replay(
    mut plan: RenderPlan,
    req: &crate::config::request::ReelRequest,
) -> Result<RenderPlan, PlanError> {
    if req.replay != Some(true) {
        return Ok(plan);
    }
    let fps = plan.video.fps.max(1) as u64;
    let main = plan.video.frames;
    let main_len = plan.frame_time(main);
    let trim_start = plan.trim().start;
    let went_wrong = plan
        .overlays
        .iter()
        .find(|c| c.role == Role::WentWrong)
        .map(|c| c.at);
    let auto = plan
        .auto_start
        .as_ref()
        .and_then(|a| a.moment_s)
        .map(|s| Micros::from_secs_f64(s) - trim_start);
    let (moment, from) = match (went_wrong, auto) {
        (Some(t), _) => (t, "went_wrong_card"),
        (None, Some(t)) => (t, "auto_start"),
        (None, None) => {
            plan.warnings.push(format!(
                "{}: --replay without a went-wrong card or a detected moment: the middle of the reel is replayed",
                plan.input().display()
            ));
            (Micros(main_len.0 / 2), "middle")
        }
    };
    let moment = moment.clamp(Micros::ZERO, main_len);
    // 1.5 s of output frame slots around the moment, shifted to lie inside the footage.
    let source_frames = replay_frames(main, fps as u32) / REPLAY_SPEED;
    let at = (moment.0 as i128 * fps as i128 / 1_000_000) as i64;
    let first = (at - (source_frames / 2) as i64).clamp(0, (main - source_frames) as i64) as u64;
    let frames = source_frames * REPLAY_SPEED;
    let end = plan.frame_time(main + frames);
    let tag = plan_tag(&plan, (main_len, end)).map_err(|source| PlanError::Card {
        path: plan.input().display().to_string(),
        card: "replay tag",
        source,
    })?;
    let replay = ReplayPlan {
        moment,
        moment_from: from.into(),
        source_from: trim_start + plan.frame_time(first),
        source_to: trim_start + plan.frame_time(first + source_frames),
        source_frames,
        first_source_frame: first,
        reel_at: main_len,
        first_frame: main,
        frames,
        speed: 1.0 / REPLAY_SPEED as f64,
        audio: "muted".into(),
    };
    for c in plan.overlays.iter_mut() {
        if c.role == Role::Lesson && c.until >= main_len {
            c.until = end;
        }
    }
    plan.overlays.push(tag);
    plan.replay = Some(replay);
    Ok(plan)
}

/// Lays the tag out in the top-left corner of the safe zone, shown over the replay
/// (`shown`: from its start to the reel's end).
fn plan_tag(plan: &RenderPlan, shown: (Micros, Micros)) -> Result<Overlay, CardError> {
    let mut style = plan.card_style.clone();
    style.body_size *= TAG_SCALE;
    style.min_body_size = style.min_body_size.min(style.body_size);
    style.padding *= TAG_SCALE;
    style.box_radius *= TAG_SCALE;
    let text = "REPLAY".to_string();
    let frame = (plan.video.width, plan.video.height);
    let mut engine = TextEngine::new();
    let wide = engine.layout_card(
        "",
        &text,
        &style,
        CardPosition::Top,
        frame,
        plan.safe_zone,
        CARD_MAX_HEIGHT_FRACTION,
    )?;
    let mut zone = plan.safe_zone;
    zone.right = frame
        .0
        .saturating_sub(zone.left + wide.width)
        .max(zone.right);
    let rect = engine.layout_card(
        "",
        &text,
        &style,
        CardPosition::Top,
        frame,
        zone,
        CARD_MAX_HEIGHT_FRACTION,
    )?;
    Ok(Overlay::still(
        Role::ReplayTag,
        &text,
        &style,
        CardPosition::Top,
        zone,
        CARD_MAX_HEIGHT_FRACTION,
        rect,
        shown,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_footage_and_its_replay_fit_the_limit_exactly() {
        for fps in [24, 25, 30, 60] {
            for max in 0..(12 * fps as u64) {
                let main = longest_footage(max, fps);
                assert!(main + replay_frames(main, fps) <= max, "{fps} {max}");
                assert!(
                    main + 1 + replay_frames(main + 1, fps) > max,
                    "{fps} {max}: {main} is not the longest"
                );
            }
        }
        // 5 s at 30 fps: 2 s of footage and its 3 s replay.
        assert_eq!(longest_footage(150, 30), 60);
        assert_eq!(replay_frames(60, 30), 90);
    }
}

//! `--replay` (issues 13 and 25): right after the fail, the 1.5 s around the moment again at
//! half speed, with its own sound slowed and its pitch kept (libav's `atempo`), the window
//! pushing in gently toward the subject, and a "REPLAY" tag at least as large as the cards'
//! heading; then the rest of the footage (the aftermath), where the lesson card comes. The
//! reel grows by the replay's length (3 s at any whole frame rate), plus a held last frame only when the aftermath is too short to read the lesson
//! (never past the preset's longest reel).
//!
//! Decided here ([`with_replay`]: part of the plan and of `--dry-run --json`): the range, the
//! speed, the sound, the zoom keys, the tag, and every overlay's time on the longer reel.
//! Rendered by a second decode pass of the replayed range, spliced into the main one
//! (render/replay.rs), and a sound shaper that slows the range's own samples
//! (render/audio.rs).

use crate::model::time::Micros;
use crate::model::Rect;
use crate::plan::overlay::{footprint, pinned};
use crate::plan::{Corner, Overlay, PlanError, RenderPlan, Role};
pub use crate::plan::{ReplayPlan, ReplaySound, ZoomKey};
use crate::text::card::TextEngine;

/// How much of the source is replayed, around the moment.
pub const REPLAY_SOURCE: Micros = Micros(1_500_000);
/// How many times each replayed frame is shown: 2, half speed.
pub const REPLAY_REPEAT: u64 = 2;
/// The window's scale at the end of the replay: a window 20% smaller, centred on the
/// subject (a gentle push-in; 15-25% reads as a move without losing the context).
pub const REPLAY_ZOOM: f64 = 0.8;
/// The tag's text size relative to the cards' heading (at least the heading's size).
const TAG_SCALE: f32 = 1.3;
/// The shortest time a lesson card after the replay stays up (a held last frame makes up
/// what the aftermath lacks, within the preset's longest reel).
pub const LESSON_MIN: Micros = Micros(2_000_000);

/// Output frame slots of footage a replay shows at `fps`.
fn source_frames(fps: u64) -> u64 {
    (REPLAY_SOURCE.0 as u128 * fps as u128 / 1_000_000) as u64
}

/// Smoothstep: starts and ends at rest.
fn ease(p: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    p * p * (3.0 - 2.0 * p)
}

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
    wanted_source_frames(fps).min(main).max(1) * REPLAY_REPEAT
}

/// The most footage frames a reel of at most `max_frames` frames holds beside its replay
/// (0: none fits).
pub fn longest_footage(max_frames: u64, fps: u32) -> u64 {
    let want = wanted_source_frames(fps).max(1);
    if max_frames >= (1 + REPLAY_REPEAT) * want {
        max_frames - REPLAY_REPEAT * want
    } else {
        max_frames / (1 + REPLAY_REPEAT)
    }
}

impl ReplayPlan {
    /// How many times each replayed frame is shown (`1 / speed`).
    pub fn repeat(&self) -> u64 {
        (self.frames / self.source_frames.max(1)).max(1)
    }

    /// Whether reel frame `index` is one of the replay's.
    pub fn contains(&self, index: u64) -> bool {
        index >= self.first_frame && index < self.first_frame + self.frames
    }
}

impl RenderPlan {
    /// Output frames of the whole reel: the footage, the replay and a held last frame.
    pub fn reel_frames(&self) -> u64 {
        self.video.frames + self.replay.as_ref().map_or(0, |r| r.frames + r.hold_frames)
    }

    /// The reel's length.
    pub fn reel_length(&self) -> Micros {
        self.frame_time(self.reel_frames())
    }

    /// The footage's frame (its output frame slot, as if there were no replay) that reel
    /// frame `index` shows: itself before the replay, the repeated frame in it, the frame
    /// `frames` earlier after it, the last one in the held end.
    pub(crate) fn picture_frame(&self, index: u64) -> u64 {
        let Some(r) = &self.replay else {
            return index;
        };
        if index < r.first_frame {
            index
        } else if r.contains(index) {
            r.first_source_frame + (index - r.first_frame) / r.repeat()
        } else {
            (index - r.frames).min(self.video.frames.saturating_sub(1))
        }
    }

    /// The reel frame that shows footage frame `footage` in its own place (not replayed).
    pub(crate) fn reel_frame_of(&self, footage: u64) -> u64 {
        match &self.replay {
            Some(r) if footage >= r.first_frame => footage + r.frames,
            _ => footage,
        }
    }

    /// The footage time of the picture output frame `index` shows (where a moving window
    /// must be).
    pub(crate) fn picture_time(&self, index: u64) -> Micros {
        self.frame_time(self.picture_frame(index))
    }

    /// The replay's zoom at reel frame `index`: the window's scale (1 outside the replay).
    pub(crate) fn zoom_at(&self, index: u64) -> f64 {
        let Some(r) = self.replay.as_ref().filter(|r| r.contains(index)) else {
            return 1.0;
        };
        let t = self.frame_time(index);
        let (Some(first), Some(last)) = (r.zoom.first(), r.zoom.last()) else {
            return 1.0;
        };
        if t <= first.t {
            return first.scale;
        }
        if t >= last.t {
            return last.scale;
        }
        let i = r.zoom.partition_point(|k| k.t <= t);
        let (a, b) = (r.zoom[i - 1], r.zoom[i]);
        let p = (t - a.t).0 as f64 / (b.t - a.t).0.max(1) as f64;
        a.scale + (b.scale - a.scale) * ease(p)
    }

    /// The window reel frame `index` is cropped to: the footage's window at its picture, made
    /// smaller around the replay's zoom centre while the replay pushes in. A picture fitted
    /// inside the frame, or a filled shot's whole picture, is never zoomed.
    pub(crate) fn window_for(&self, index: u64) -> Rect {
        let rect = self.video.window_at(self.picture_time(index));
        let scale = self.zoom_at(index);
        if scale >= 1.0 || self.video.fit.is_some() || self.video.fill_for(rect).is_some() {
            return rect;
        }
        let centre = self.replay.as_ref().map_or([0.5, 0.5], |r| r.zoom_centre);
        zoomed(rect, scale, centre)
    }

    /// Whether the window changes over the reel: a moving crop path, or a replay that zooms.
    /// Such reels crop each frame before the filter graph ([`crate::plan::VideoPlan::moving`]).
    pub(crate) fn moving_window(&self) -> bool {
        self.video.moving()
            || (self.video.fit.is_none()
                && self
                    .replay
                    .as_ref()
                    .is_some_and(|r| r.zoom.iter().any(|k| k.scale < 1.0)))
    }
}

/// `rect` scaled by `scale` (even sides, at least 2), centred on the point at `centre`
/// (fractions of `rect`) as far as it stays inside `rect`.
pub fn zoomed(rect: Rect, scale: f64, centre: [f64; 2]) -> Rect {
    let even = |v: f64| ((v / 2.0).round() as u32 * 2).max(2);
    let w = even(rect.width as f64 * scale).min(rect.width);
    let h = even(rect.height as f64 * scale).min(rect.height);
    // The offset that centres the smaller side on the point, inside the room, even.
    let off = |size: u32, small: u32, c: f64| {
        let room = size - small;
        let want = (size as f64 * c.clamp(0.0, 1.0) - small as f64 / 2.0).clamp(0.0, room as f64);
        (((want / 2.0).floor() as u32) * 2).min(room)
    };
    Rect {
        x: rect.x + off(rect.width, w, centre[0]),
        y: rect.y + off(rect.height, h, centre[1]),
        width: w,
        height: h,
    }
}

/// How far from a frame's picture the reframe pass's nearest sample may be for its faces to
/// count as that frame's (a sample is 0.2 s apart at the pass's rate; a 4K picture's
/// keyframes about a second).
const SAMPLE_REACH: Micros = Micros(300_000);
const KEYFRAME_REACH: Micros = Micros(1_200_000);

impl RenderPlan {
    /// The faces the reframe pass saw, on reel frame `index` as it is drawn (a replay's
    /// push-in included), in output pixels: those of the pass's sample nearest the picture
    /// the frame shows (within 0.3 s; 1.2 s when the pass sampled keyframes). Empty without
    /// the pass.
    pub(crate) fn faces_at(&self, index: u64) -> Vec<crate::plan::FrameBox> {
        let Some(r) = self.video.reframe.as_ref() else {
            return Vec::new();
        };
        let t = self.picture_time(index);
        let reach = if r.keyframes {
            KEYFRAME_REACH
        } else {
            SAMPLE_REACH
        };
        let Some(s) = r
            .subjects
            .iter()
            .filter(|s| !s.faces.is_empty() && (s.t - t).0.abs() <= reach.0)
            .min_by_key(|s| (s.t - t).0.abs())
        else {
            return Vec::new();
        };
        let w = self.video.window_at(t);
        let z = self.window_for(index);
        if z == w {
            return s.faces.clone();
        }
        // Frame pixels of the window to frame pixels of the smaller window inside it.
        let (ow, oh) = (self.video.width as f64, self.video.height as f64);
        let map = |p: i32, o: u32, zo: u32, wl: u32, zl: u32, out: f64| {
            let src = o as f64 + p as f64 * wl as f64 / out;
            ((src - zo as f64) * out / zl.max(1) as f64).round() as i32
        };
        s.faces
            .iter()
            .map(|f| crate::plan::FrameBox {
                x0: map(f.x0, w.x, z.x, w.width, z.width, ow),
                y0: map(f.y0, w.y, z.y, w.height, z.height, oh),
                x1: map(f.x1, w.x, z.x, w.width, z.width, ow),
                y1: map(f.y1, w.y, z.y, w.height, z.height, oh),
            })
            .collect()
    }
}

/// Aims a replay's push-in at the subject, once the reframe pass has run: the point the
/// smaller window closes in on is what the pass saw at the replayed moment, on the reel's
/// frame: the people's faces first, else what the camera keeps (what moves against it, else
/// what stands out); the window's centre when it saw nothing in the replayed range or did
/// not run. The sample nearest the moment inside the replayed range decides.
pub fn aim_push_in(plan: &mut RenderPlan) {
    let (Some(r), Some(reframe)) = (plan.replay.as_ref(), plan.video.reframe.as_ref()) else {
        return;
    };
    if r.zoom.is_empty() {
        return;
    }
    let from = plan.frame_time(r.first_source_frame) - Micros(100_000);
    let to = plan.frame_time(r.first_source_frame + r.source_frames) + Micros(100_000);
    let moment = r.moment;
    let near = |faces: bool| {
        reframe
            .subjects
            .iter()
            .filter(|s| s.t >= from && s.t <= to && s.focus.is_some())
            .filter(|s| !faces || !s.faces.is_empty())
            .min_by_key(|s| (s.t - moment).0.abs())
    };
    let (Some(found), on) = (match near(true) {
        Some(s) => (Some(s), "people"),
        None => (near(false), "subject"),
    }) else {
        return;
    };
    let Some([x, y]) = found.focus else {
        return;
    };
    let centre = [
        (x as f64 / plan.video.width.max(1) as f64).clamp(0.0, 1.0),
        (y as f64 / plan.video.height.max(1) as f64).clamp(0.0, 1.0),
    ];
    if let Some(r) = plan.replay.as_mut() {
        r.zoom_centre = centre;
        r.zoom_on = Some(on.to_string());
    }
}

/// `plan` with the replay `req` asks for (`--replay`, `replay = true`); unchanged otherwise.
/// A held last frame never takes the reel past `preset`'s longest reel.
///
/// The moment is the went-wrong card's start, else what `--start auto` found, else the
/// middle of the reel (with a warning). The replay goes in right after the range it
/// replays; the overlays move with the footage they belong to: the went-wrong card ends
/// where the replay starts, captions across it are split around it, a part's number stays
/// on through it, and the lesson card starts after it (over the aftermath, for at least
/// [`LESSON_MIN`], with the last frame held for what the aftermath lacks).
pub fn with_replay(
    mut plan: RenderPlan,
    req: &crate::config::request::ReelRequest,
    preset: &crate::config::preset::Preset,
) -> Result<RenderPlan, PlanError> {
    if req.replay != Some(true) {
        return Ok(plan);
    }
    let longest = Micros::from_secs_f64(preset.length.max_s);
    let fade = Micros::from_secs_f64(preset.cards.animation_s.clamp(0.0, 0.5));
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
    let source_frames = source_frames(fps).min(main).max(1);
    let at = (moment.0 as i128 * fps as i128 / 1_000_000) as i64;
    let first = (at - (source_frames / 2) as i64).clamp(0, (main - source_frames) as i64) as u64;
    let frames = source_frames * REPLAY_REPEAT;
    let insert = first + source_frames;
    let reel_at = plan.frame_time(insert);
    let replay_end = plan.frame_time(insert + frames);
    let shift = replay_end - reel_at;
    let footage_end = plan.frame_time(main + frames);

    // Every overlay onto the longer reel.
    let later = |t: Micros| if t >= reel_at { t + shift } else { t };
    let mut moved: Vec<Overlay> = Vec::new();
    let mut lesson_end = footage_end;
    for o in std::mem::take(&mut plan.overlays) {
        let to_end = o.until >= main_len;
        match o.role {
            Role::Lesson => {
                let at = later(o.at).max(replay_end);
                let until = if to_end { footage_end } else { later(o.until) }.max(at + LESSON_MIN);
                lesson_end = lesson_end.max(until);
                moved.push(Overlay {
                    at,
                    until,
                    in_length: if at == o.at {
                        o.in_length
                    } else {
                        fade.min(Micros((until - at).0 / 2))
                    },
                    ..o
                });
            }
            Role::Number | Role::Handle => moved.push(Overlay {
                until: if to_end { footage_end } else { later(o.until) },
                ..o
            }),
            _ if o.until <= reel_at => moved.push(o),
            _ if o.at >= reel_at => moved.push(Overlay {
                at: o.at + shift,
                until: o.until + shift,
                ..o
            }),
            Role::WentWrong => moved.push(Overlay {
                until: reel_at,
                out_length: o.out_length.min(Micros((reel_at - o.at).0 / 2)),
                ..o
            }),
            _ => {
                // Across the replay (a caption): before it and again after it.
                moved.push(Overlay {
                    until: reel_at,
                    ..o.clone()
                });
                moved.push(Overlay {
                    at: replay_end,
                    until: o.until + shift,
                    ..o
                });
            }
        }
    }
    // A held last frame for what the aftermath lacks, within the preset's longest reel.
    let room = (longest - footage_end).max(Micros::ZERO);
    let want = (lesson_end - footage_end).max(Micros::ZERO).min(room);
    let hold_frames = ((want.0 as i128 * fps as i128 + 999_999) / 1_000_000) as u64;
    let hold_frames = if plan.frame_time(main + frames + hold_frames) > longest {
        hold_frames.saturating_sub(1)
    } else {
        hold_frames
    };
    let reel_end = plan.frame_time(main + frames + hold_frames);
    for o in moved.iter_mut() {
        if o.until >= footage_end && matches!(o.role, Role::Lesson | Role::Number | Role::Handle) {
            o.until = reel_end;
        }
        o.until = o.until.min(reel_end);
    }
    moved.retain(|o| o.until > o.at);
    plan.overlays = moved;
    if hold_frames > 0 {
        plan.warnings.push(format!(
            "{}: the lesson card after the replay needs {:.1} s: the reel's last frame is held {:.2} s",
            plan.input().display(),
            LESSON_MIN.as_secs_f64(),
            hold_frames as f64 / fps as f64
        ));
    }

    // The push-in: only a window that fills the frame is zoomed.
    let zoom = if plan.video.fit.is_none() {
        vec![
            ZoomKey {
                t: reel_at,
                scale: 1.0,
            },
            ZoomKey {
                t: replay_end,
                scale: REPLAY_ZOOM,
            },
        ]
    } else {
        Vec::new()
    };
    let replay = ReplayPlan {
        moment,
        moment_from: from.into(),
        source_from: trim_start + plan.frame_time(first),
        source_to: trim_start + plan.frame_time(first + source_frames),
        source_frames,
        first_source_frame: first,
        reel_at,
        first_frame: insert,
        frames,
        speed: 1.0 / REPLAY_REPEAT as f64,
        sound: if plan.audio.stream.is_some() {
            ReplaySound::Atempo
        } else {
            ReplaySound::Silent
        },
        zoom,
        zoom_centre: [0.5, 0.5],
        zoom_on: None,
        hold_frames,
    };
    let tag = plan_tag(&plan, (reel_at, replay_end)).map_err(|source| PlanError::Card {
        path: plan.input().display().to_string(),
        card: "replay tag",
        source,
    })?;
    plan.overlays.push(tag);
    plan.replay = Some(replay);
    Ok(plan)
}

/// The tag's look: the cards' style with its text [`TAG_SCALE`] times the heading's size, in
/// the heading's (accent) colour.
pub fn tag_style(style: &crate::config::preset::CardStyle) -> crate::config::preset::CardStyle {
    let mut s = style.clone();
    s.body_size = (style.heading_size * TAG_SCALE).max(style.heading_size);
    s.min_body_size = s.body_size;
    s.text_color = style.heading_color;
    s.weight = style.heading_weight;
    s.padding = (style.padding * 0.6).max(8.0);
    s.box_radius *= 0.6;
    s
}

/// Lays the tag out in the top-left corner of the safe zone (else another corner), clear of
/// whatever else is on screen during the replay, shown over the replay (`shown`).
fn plan_tag(
    plan: &RenderPlan,
    shown: (Micros, Micros),
) -> Result<Overlay, crate::text::card::CardError> {
    let busy: Vec<_> = plan
        .overlays
        .iter()
        .filter(|o| o.at < shown.1 && o.until > shown.0)
        .map(footprint)
        .collect();
    let (tag, _) = pinned(
        &mut TextEngine::new(),
        Role::ReplayTag,
        "REPLAY",
        &tag_style(&plan.card_style),
        (plan.video.width, plan.video.height),
        plan.safe_zone,
        &busy,
        &TAG_CORNERS,
        shown,
    )?;
    Ok(tag)
}

/// The corners the replay's tag tries, in order.
const TAG_CORNERS: [Corner; 4] = [
    Corner::TopLeft,
    Corner::TopRight,
    Corner::BottomLeft,
    Corner::BottomRight,
];

/// Moves the replay's tag off the faces the reframe pass saw on the replay's frames (pushed
/// in), once it has run: the first corner clear of them and of whatever else is on screen
/// during the replay ([`crate::plan::overlay::keep_off_faces`]).
pub fn settle_tag(plan: &mut RenderPlan) -> Result<(), crate::text::card::CardError> {
    crate::plan::overlay::keep_off_faces(plan, Role::ReplayTag, &TAG_CORNERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reel length a replay adds at `fps`.
    fn added_length(fps: u32) -> Micros {
        let fps = fps.max(1) as u64;
        let frames = source_frames(fps) * REPLAY_REPEAT;
        Micros((frames as i128 * 1_000_000 / fps as i128) as i64)
    }

    #[test]
    fn a_replay_adds_three_seconds_at_any_whole_rate() {
        for fps in [24, 25, 30, 50, 60] {
            let l = added_length(fps);
            assert!((l.as_secs_f64() - 3.0).abs() < 0.05, "{fps}: {l}");
        }
    }

    #[test]
    fn zoomed_windows_stay_inside_and_even() {
        let r = Rect {
            x: 100,
            y: 0,
            width: 608,
            height: 1080,
        };
        let z = zoomed(r, 0.8, [0.5, 0.5]);
        assert_eq!((z.width, z.height), (486, 864));
        assert_eq!((z.x, z.y), (160, 108));
        assert!(z.x >= r.x && z.x + z.width <= r.x + r.width);
        let left = zoomed(r, 0.8, [0.0, 1.0]);
        assert_eq!((left.x, left.y + left.height), (100, 1080));
        assert_eq!(zoomed(r, 1.0, [0.5, 0.5]), r);
        // Centred on the point where there is room: a point at 0.45 across is the smaller
        // window's centre (within the even rounding).
        let z = zoomed(r, 0.8, [0.45, 0.45]);
        let centre = |z: Rect| (z.x as f64 + z.width as f64 / 2.0 - r.x as f64) / r.width as f64;
        assert!((centre(z) - 0.45).abs() < 0.005, "{z:?}");
        // Nearer the edge than half the smaller window: against the edge, inside.
        let z = zoomed(r, 0.8, [0.05, 0.95]);
        assert_eq!((z.x, z.y + z.height), (100, 1080));
    }

    #[test]
    fn the_push_in_aims_at_the_face_at_the_replayed_moment() {
        let info = crate::model::source::MediaInfo::for_tests(1920, 1080, 0, 6.0, false);
        let preset = crate::config::preset::Preset::built_in("tiktok").unwrap();
        let req = crate::config::request::ReelRequest {
            replay: Some(true),
            ..Default::default()
        };
        let plan = crate::plan::plan_reel(&info, &req, &preset, "out.mp4".into()).unwrap();
        let mut plan = with_replay(plan, &req, &preset).unwrap();
        // No pass: the window's centre.
        aim_push_in(&mut plan);
        assert_eq!(plan.replay.as_ref().unwrap().zoom_centre, [0.5, 0.5]);
        let r = plan.video.reframe.as_mut().unwrap();
        r.analysed = true;
        let sample = |t: i64, x: i32, faces: bool| crate::plan::SubjectSample {
            t: Micros(t),
            faces: if faces {
                vec![crate::plan::FrameBox {
                    x0: x - 100,
                    y0: 300,
                    x1: x + 100,
                    y1: 500,
                }]
            } else {
                Vec::new()
            },
            focus: Some([x, if faces { 400 } else { 960 }]),
        };
        // Moving things at the moment (3 s), a face a little before it, a face long before.
        r.subjects = vec![
            sample(500_000, 100, true),
            sample(2_600_000, 270, true),
            sample(3_000_000, 800, false),
        ];
        aim_push_in(&mut plan);
        let p = plan.replay.as_ref().unwrap();
        assert_eq!(p.zoom_on.as_deref(), Some("people"));
        assert!(
            (p.zoom_centre[0] - 0.25).abs() < 1e-9
                && (p.zoom_centre[1] - 400.0 / 1920.0).abs() < 1e-9
        );
        // The smaller window closes in on it: at the end of the push-in its centre is nearer
        // the face than the window's centre is.
        let end = p.first_frame + p.frames - 1;
        let (w, z) = (
            plan.video.window_at(plan.picture_time(end)),
            plan.window_for(end),
        );
        assert!(z.width < w.width && z.x == w.x, "{w:?} {z:?}");
        // Nobody in the replayed range: what the camera keeps there.
        let r = plan.video.reframe.as_mut().unwrap();
        r.subjects.retain(|s| s.faces.is_empty());
        aim_push_in(&mut plan);
        let p = plan.replay.as_ref().unwrap();
        assert_eq!(p.zoom_on.as_deref(), Some("subject"));
        assert!((p.zoom_centre[0] - 800.0 / 1080.0).abs() < 1e-9 && p.zoom_centre[1] == 0.5);
    }

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

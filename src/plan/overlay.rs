//! Everything drawn over the picture, as one type: the cards, captions, a compilation's part
//! numbers and title, the replay's tag, a cover's headline. Each [`Overlay`] carries its
//! text, its look, the band it was laid out in, the rectangle the layout gave it, its times
//! on the reel and its animation. A reel's overlays are one list in its plan
//! ([`crate::plan::RenderPlan::overlays`], in drawing order); render rasterises each once
//! with exactly these values (and refuses one that would land elsewhere) and blends it at
//! its appearance for each frame: it decides nothing.

use crate::config::preset::{CardStyle, SafeZone};
use crate::model::time::Micros;
use crate::model::{Animation, CardPosition};
use crate::text::card::CardRect;
use serde::{Deserialize, Serialize};

/// What an overlay is, for whoever reads the plan (render draws them all alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The "what went wrong" card, over the fail.
    WentWrong,
    /// The "lesson learned" card, at the end.
    Lesson,
    /// A burned-in caption (`--captions`).
    Caption,
    /// A compilation part's number (`#2`).
    Number,
    /// The tag over the replay.
    ReplayTag,
    /// A compilation's title.
    Title,
    /// A cover's headline (drawn on the still, not the reel).
    Headline,
    /// The creator's handle (`--handle @name`): small and semi-transparent, on every frame,
    /// clear of everything else.
    Handle,
}

/// One text box drawn over the picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    /// What it is.
    pub(crate) role: Role,
    /// Heading line above the text (cards; empty for the rest).
    pub(crate) heading: String,
    /// The text, drawn literally.
    pub(crate) text: String,
    /// Its look (font sizes, colours, box, outline, shadow).
    pub(crate) style: CardStyle,
    /// Top, centre or bottom of its band.
    pub(crate) position: CardPosition,
    /// The band of the frame it was laid out in (the preset's safe zone, or a part of it
    /// clear of other overlays).
    pub(crate) zone: SafeZone,
    /// The tallest it may be, as a fraction of the band's height (its text shrinks, then is
    /// cut with "…", to fit).
    pub(crate) max_height_fraction: f32,
    /// Where it is drawn at full size, in output pixels (laid out at plan time).
    pub(crate) rect: CardRect,
    /// First instant shown, on the reel's timeline.
    pub(crate) at: Micros,
    /// Instant it is gone.
    pub(crate) until: Micros,
    /// How it comes in and goes out.
    pub(crate) animation: Animation,
    /// Length of the in animation (0: there at once).
    pub(crate) in_length: Micros,
    /// Length of the out animation (0: gone at once).
    pub(crate) out_length: Micros,
    /// The sizes a popping overlay steps through, relative to its full size (each drawn once
    /// per render); empty for the other animations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) pop_steps: Vec<f32>,
    /// How opaque it is when fully shown, 0-1 (1 for all but the handle).
    #[serde(default = "opaque", skip_serializing_if = "is_opaque")]
    pub(crate) opacity: f32,
}

impl Overlay {
    /// What it is (a card, a caption, the handle…).
    pub fn role(&self) -> Role {
        self.role
    }

    /// Its heading line (cards; empty for the rest).
    pub fn heading(&self) -> &str {
        &self.heading
    }

    /// Its text, as drawn.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first instant it is shown, on the reel's timeline.
    pub fn at(&self) -> Micros {
        self.at
    }

    /// The instant it is gone, on the reel's timeline.
    pub fn until(&self) -> Micros {
        self.until
    }
}

fn opaque() -> f32 {
    1.0
}

fn is_opaque(o: &f32) -> bool {
    *o == 1.0
}

/// How an overlay looks at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Appearance {
    /// Opacity, 0–1.
    pub alpha: f32,
    /// Vertical offset in output pixels (slide).
    pub offset_y: i32,
    /// Size relative to the overlay (pop), 0.8–1.
    pub scale: f32,
}

/// Smoothstep easing: starts and ends at rest.
fn ease(p: f32) -> f32 {
    let p = p.clamp(0.0, 1.0);
    p * p * (3.0 - 2.0 * p)
}

/// Distance a sliding card travels, in output pixels.
pub const SLIDE_DISTANCE: f32 = 64.0;

/// The sizes a popping card is drawn at: 0.8 to 0.975 in steps of 0.025 (then full size).
pub fn pop_steps() -> Vec<f32> {
    (0..8).map(|k| 0.8 + 0.025 * k as f32).collect()
}

impl Overlay {
    /// An overlay shown whole from `at` until `until`, without animation.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn still(
        role: Role,
        text: &str,
        style: &CardStyle,
        position: CardPosition,
        zone: SafeZone,
        max_height_fraction: f32,
        rect: CardRect,
        (at, until): (Micros, Micros),
    ) -> Overlay {
        Overlay {
            role,
            heading: String::new(),
            text: text.to_string(),
            style: style.clone(),
            position,
            zone,
            max_height_fraction,
            rect,
            at,
            until,
            animation: Animation::None,
            in_length: Micros::ZERO,
            out_length: Micros::ZERO,
            pop_steps: Vec::new(),
            opacity: 1.0,
        }
    }

    /// Whether it is a card (went wrong or lesson).
    pub(crate) fn is_card(&self) -> bool {
        matches!(self.role, Role::WentWrong | Role::Lesson)
    }

    /// Which of [`Overlay::pop_steps`] draws it at `scale` (the one within half a step), or
    /// None for full size.
    pub(crate) fn step_for(&self, scale: f32) -> Option<usize> {
        self.pop_steps
            .iter()
            .position(|s| (s - scale).abs() < 0.0125)
    }

    /// How far in it is at reel time `t`: 0 = hidden, 1 = fully shown (between its in and
    /// out animations).
    pub(crate) fn progress_at(&self, t: Micros) -> f32 {
        if t < self.at || t >= self.until {
            return 0.0;
        }
        let since = (t - self.at).0 as f32;
        let left = (self.until - t).0 as f32;
        let mut p: f32 = 1.0;
        if self.in_length.0 > 0 {
            p = p.min(since / self.in_length.0 as f32);
        }
        if self.out_length.0 > 0 {
            p = p.min(left / self.out_length.0 as f32);
        }
        p.clamp(0.0, 1.0)
    }

    /// Its opacity at reel time `t` (0 = hidden, 1 = fully shown).
    pub(crate) fn opacity_at(&self, t: Micros) -> f32 {
        self.appearance_at(t).map_or(0.0, |a| a.alpha)
    }

    /// How it looks at reel time `t`, or None when it is not on screen.
    pub(crate) fn appearance_at(&self, t: Micros) -> Option<Appearance> {
        if t < self.at || t >= self.until {
            return None;
        }
        let p = self.progress_at(t);
        let settled = Appearance {
            alpha: 1.0,
            offset_y: 0,
            scale: 1.0,
        };
        let a = match self.animation {
            Animation::None => settled,
            Animation::Fade => Appearance {
                alpha: p,
                ..settled
            },
            Animation::Slide => {
                // Slide in from the side away from the safe zone's nearer edge, so that it
                // never crosses into the app's interface: top cards rise into place,
                // bottom cards settle down into place.
                let dir = if self.position == CardPosition::Bottom {
                    -1.0
                } else {
                    1.0
                };
                Appearance {
                    alpha: (p * 1.5).min(1.0),
                    offset_y: (dir * (1.0 - ease(p)) * SLIDE_DISTANCE).round() as i32,
                    scale: 1.0,
                }
            }
            Animation::Pop => Appearance {
                alpha: (p * 2.0).min(1.0),
                offset_y: 0,
                scale: 0.8 + 0.2 * ease(p),
            },
        };
        let a = Appearance {
            alpha: a.alpha * self.opacity.clamp(0.0, 1.0),
            ..a
        };
        (a.alpha > 0.0).then_some(a)
    }

    /// The rows it may cover while on screen: its rectangle, widened by the distance a
    /// sliding card travels.
    pub(crate) fn rows(&self) -> (u32, u32) {
        let extra = if self.animation == Animation::Slide {
            SLIDE_DISTANCE as u32
        } else {
            0
        };
        (
            self.rect.y.saturating_sub(extra),
            self.rect.y + self.rect.height + extra,
        )
    }
}

/// A corner of the safe zone a small overlay is pinned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corner {
    /// Top left.
    TopLeft,
    /// Top right.
    TopRight,
    /// Bottom left.
    BottomLeft,
    /// Bottom right.
    BottomRight,
}

/// Gap kept between a pinned overlay and anything else on screen, in output pixels.
pub const PIN_GAP: u32 = 16;

/// The rectangle `o` may cover while on screen (its rows widened by a slide), as
/// `(x0, y0, x1, y1)`.
pub fn footprint(o: &Overlay) -> (u32, u32, u32, u32) {
    let (y0, y1) = o.rows();
    (o.rect.x, y0, o.rect.x + o.rect.width, y1)
}

/// Where a `size` (width, height) box goes in the safe zone `safe` of a `frame`, clear of
/// every `busy` rectangle (`(x0, y0, x1, y1)`) by [`PIN_GAP`]: each corner of `corners` in
/// turn, then each moved inward along its side edge step by step (up to the middle of the
/// zone), the nearest-to-a-corner clear spot first. None when nothing is clear.
pub fn free_spot(
    safe: SafeZone,
    frame: (u32, u32),
    size: (u32, u32),
    busy: &[(u32, u32, u32, u32)],
    corners: &[Corner],
) -> Option<(u32, u32)> {
    spots(safe, frame, size, corners)
        .into_iter()
        .find(|&(x, y)| clear_of(busy, (x, y), size))
}

/// Whether a `size` box at `at` keeps [`PIN_GAP`] from every `busy` rectangle.
fn clear_of(busy: &[(u32, u32, u32, u32)], (x, y): (u32, u32), size: (u32, u32)) -> bool {
    busy.iter().all(|&(a, b, c, d)| {
        x + size.0 + PIN_GAP <= a
            || c + PIN_GAP <= x
            || y + size.1 + PIN_GAP <= b
            || d + PIN_GAP <= y
    })
}

/// The spots [`free_spot`] tries, in its order.
fn spots(
    safe: SafeZone,
    frame: (u32, u32),
    size: (u32, u32),
    corners: &[Corner],
) -> Vec<(u32, u32)> {
    let (left, top) = (safe.left, safe.top);
    let right = frame.0.saturating_sub(safe.right);
    let bottom = frame.1.saturating_sub(safe.bottom);
    if right < left + size.0 || bottom < top + size.1 {
        return Vec::new();
    }
    let half = (bottom - top - size.1) / 2;
    let step = (size.1 / 2).max(8);
    let mut out = Vec::new();
    let mut offset = 0;
    while offset <= half {
        for c in corners {
            let x = match c {
                Corner::TopLeft | Corner::BottomLeft => left,
                Corner::TopRight | Corner::BottomRight => right - size.0,
            };
            let y = match c {
                Corner::TopLeft | Corner::TopRight => top + offset,
                Corner::BottomLeft | Corner::BottomRight => bottom - size.1 - offset,
            };
            out.push((x, y));
        }
        offset += step;
    }
    out
}

/// A small one-line overlay pinned at a clear spot of the safe zone ([`free_spot`], in the
/// order of `corners`), shown whole from `shown.0` to `shown.1`; at the first corner when no
/// spot is clear (the second value is then false). Its box hugs the text whatever the look.
#[allow(clippy::too_many_arguments)]
pub fn pinned(
    engine: &mut crate::text::card::TextEngine,
    role: Role,
    text: &str,
    style: &CardStyle,
    frame: (u32, u32),
    safe: SafeZone,
    busy: &[(u32, u32, u32, u32)],
    corners: &[Corner],
    shown: (Micros, Micros),
) -> Result<(Overlay, bool), crate::text::card::CardError> {
    let (style, size) = pin_size(engine, text, style, frame, safe)?;
    let spot = free_spot(safe, frame, size, busy, corners);
    let clear = spot.is_some();
    let at = spot.unwrap_or_else(|| {
        let right = frame.0.saturating_sub(safe.right);
        let bottom = frame.1.saturating_sub(safe.bottom);
        match corners.first().copied().unwrap_or(Corner::TopLeft) {
            Corner::TopLeft => (safe.left, safe.top),
            Corner::TopRight => (right.saturating_sub(size.0), safe.top),
            Corner::BottomLeft => (safe.left, bottom.saturating_sub(size.1)),
            Corner::BottomRight => (right.saturating_sub(size.0), bottom.saturating_sub(size.1)),
        }
    });
    let o = pin_at(engine, role, text, &style, frame, at, size, shown)?;
    Ok((o, clear))
}

/// A pinned overlay's look (its box hugging the text) and size.
fn pin_size(
    engine: &mut crate::text::card::TextEngine,
    text: &str,
    style: &CardStyle,
    frame: (u32, u32),
    safe: SafeZone,
) -> Result<(CardStyle, (u32, u32)), crate::text::card::CardError> {
    let mut style = style.clone();
    style.box_full_width = false;
    let natural = engine.layout_card("", text, &style, CardPosition::Top, frame, safe, 1.0)?;
    Ok((style, (natural.width, natural.height)))
}

/// A pinned overlay of `size` laid out with its top left corner at `at`.
#[allow(clippy::too_many_arguments)]
fn pin_at(
    engine: &mut crate::text::card::TextEngine,
    role: Role,
    text: &str,
    style: &CardStyle,
    frame: (u32, u32),
    (x, y): (u32, u32),
    size: (u32, u32),
    shown: (Micros, Micros),
) -> Result<Overlay, crate::text::card::CardError> {
    let zone = SafeZone {
        left: x,
        top: y,
        right: frame.0.saturating_sub(x + size.0),
        bottom: frame.1.saturating_sub(y + size.1),
    };
    let rect = engine.layout_card("", text, style, CardPosition::Top, frame, zone, 1.0)?;
    Ok(Overlay::still(
        role,
        text,
        style,
        CardPosition::Top,
        zone,
        1.0,
        rect,
        shown,
    ))
}

/// How far round a face a pinned overlay keeps: a fifth of the face's size on every side
/// (hair, a chin, the detector's box being tight).
pub const FACE_MARGIN: f64 = 0.2;

/// Moves the pinned overlay of `role` (a part's number, the replay's tag) off the faces the
/// reframe pass saw, once it has run: to the first spot of `corners` ([`free_spot`]) clear of
/// every other overlay on screen while it is, and of every face on any frame it is shown
/// over (grown by [`FACE_MARGIN`]; a replay's push-in included), in that one place for all
/// its time. Without faces it stays where the draft put it. When no spot is clear of the
/// faces (a close-up fills the frame), it goes to the spot clear of the overlays that covers
/// the least of them, if that covers less than where it is.
pub fn keep_off_faces(
    plan: &mut crate::plan::RenderPlan,
    role: Role,
    corners: &[Corner],
) -> Result<(), crate::text::card::CardError> {
    let Some(i) = plan.overlays.iter().position(|o| o.role == role) else {
        return Ok(());
    };
    let old = plan.overlays[i].clone();
    let (fw, fh) = (plan.video.width as i32, plan.video.height as i32);
    let fps = plan.video.fps.max(1) as i128;
    let first = (old.at.0 as i128 * fps).div_euclid(1_000_000).max(0) as u64;
    let last = plan.reel_frames().min(
        (old.until.0 as i128 * fps + 999_999)
            .div_euclid(1_000_000)
            .max(0) as u64,
    );
    let mut faces: Vec<(u32, u32, u32, u32)> = Vec::new();
    for index in first..last {
        for f in plan.faces_at(index) {
            let g = f.grown(FACE_MARGIN);
            let b = (
                g.x0.clamp(0, fw) as u32,
                g.y0.clamp(0, fh) as u32,
                g.x1.clamp(0, fw) as u32,
                g.y1.clamp(0, fh) as u32,
            );
            if b.0 < b.2 && b.1 < b.3 && !faces.contains(&b) {
                faces.push(b);
            }
        }
    }
    if faces.is_empty() {
        return Ok(());
    }
    let busy: Vec<_> = plan
        .overlays
        .iter()
        .enumerate()
        .filter(|(j, o)| *j != i && o.at < old.until && o.until > old.at)
        .map(|(_, o)| footprint(o))
        .collect();
    let frame = (plan.video.width, plan.video.height);
    let mut engine = crate::text::card::TextEngine::new();
    let (style, size) = pin_size(&mut engine, &old.text, &old.style, frame, plan.safe_zone)?;
    // How much of the faces a `size` box at a spot covers (pixels, summed over the boxes).
    let covered = |(x, y): (u32, u32)| -> u64 {
        faces
            .iter()
            .map(|&(a, b, c, d)| {
                let w = (x + size.0).min(c).saturating_sub(x.max(a)) as u64;
                let h = (y + size.1).min(d).saturating_sub(y.max(b)) as u64;
                w * h
            })
            .sum()
    };
    // Clear of the overlays: a spot clear of the faces too first (in the corners' order),
    // else the one covering the least of them.
    let best = spots(plan.safe_zone, frame, size, corners)
        .into_iter()
        .filter(|&at| clear_of(&busy, at, size))
        .map(|at| {
            let cost = if clear_of(&faces, at, size) {
                0
            } else {
                1 + covered(at)
            };
            (cost, at)
        })
        .min_by_key(|&(cost, _)| cost);
    let at = match best {
        Some((0, at)) => at,
        Some((cost, at)) if cost - 1 < covered((old.rect.x, old.rect.y)) => at,
        _ => return Ok(()),
    };
    let mut placed = pin_at(
        &mut engine,
        role,
        &old.text,
        &style,
        frame,
        at,
        size,
        (old.at, old.until),
    )?;
    placed.opacity = old.opacity;
    plan.overlays[i] = placed;
    Ok(())
}

/// How opaque the handle is drawn.
pub const HANDLE_OPACITY: f32 = 0.7;

/// The handle's look on a `frame` reel: the cards' style, its text a little smaller than
/// their heading (at least 24 px on 1080x1920, scaled with the frame as the looks are, and
/// never under 8 px), the box lighter and tighter.
pub fn handle_style(style: &CardStyle, frame: (u32, u32)) -> CardStyle {
    let scale = crate::config::preset::look_scale(frame) as f32;
    let mut s = style.clone();
    s.body_size = (style.heading_size * 0.8).max((24.0 * scale).max(8.0));
    s.min_body_size = s.body_size;
    s.weight = style.heading_weight;
    s.padding = (style.padding * 0.35).max(6.0 * scale);
    s.box_radius *= 0.4;
    s.box_opacity *= 0.6;
    s
}

/// The corners the handle tries, in order.
const HANDLE_CORNERS: [Corner; 4] = [
    Corner::BottomRight,
    Corner::BottomLeft,
    Corner::TopRight,
    Corner::TopLeft,
];

/// Adds the creator's handle to `plan`: small, [`HANDLE_OPACITY`] opaque, on every frame of
/// the reel, at the first corner of the safe zone (bottom right, bottom left, top right, top
/// left, then moving inward along the sides) clear of everything else ever on screen. Where
/// nothing is clear it goes to the bottom right corner, with a warning. Once the passes have
/// run, [`settle_handle`] moves it off the faces.
pub fn add_handle(
    plan: &mut crate::plan::RenderPlan,
    handle: &crate::model::Handle,
) -> Result<(), crate::text::card::CardError> {
    let busy: Vec<_> = plan.overlays.iter().map(footprint).collect();
    let (mut o, clear) = pinned(
        &mut crate::text::card::TextEngine::new(),
        Role::Handle,
        handle.as_str(),
        &handle_style(&plan.card_style, (plan.video.width, plan.video.height)),
        (plan.video.width, plan.video.height),
        plan.safe_zone,
        &busy,
        &HANDLE_CORNERS,
        (Micros::ZERO, plan.reel_length()),
    )?;
    o.opacity = HANDLE_OPACITY;
    if !clear {
        plan.warnings.push(format!(
            "{}: no corner of the safe zone is clear of the cards and captions for the handle {handle}: it is drawn at the bottom right",
            plan.input().display()
        ));
    }
    plan.overlays.push(o);
    Ok(())
}

/// Moves the handle off the faces the reframe pass saw, as a part's number and the replay's
/// tag are ([`keep_off_faces`]): the first of its corners clear of every face on any frame
/// of the reel and of everything else on screen, in that one place for the whole reel.
/// Without faces (or without a handle) nothing moves.
pub fn settle_handle(
    plan: &mut crate::plan::RenderPlan,
) -> Result<(), crate::text::card::CardError> {
    keep_off_faces(plan, Role::Handle, &HANDLE_CORNERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1920x1080 5 s clip's reel (TikTok, `--focus auto`) with a handle, the reframe pass
    /// done with a face at `face` (frame pixels) in every sample.
    fn reel_with_face(face: Option<crate::plan::FrameBox>) -> crate::plan::RenderPlan {
        let info = crate::model::source::MediaInfo::for_tests(1920, 1080, 0, 5.0, false);
        let preset = crate::config::preset::Preset::built_in("tiktok").unwrap();
        let req = crate::config::request::ReelRequest::default();
        let mut plan = crate::plan::plan_reel(&info, &req, &preset, "out.mp4".into()).unwrap();
        add_handle(&mut plan, &"@kitchenfails".parse().unwrap()).unwrap();
        crate::plan::with_face_samples(&mut plan, face);
        plan
    }

    fn handle(plan: &crate::plan::RenderPlan) -> &Overlay {
        plan.overlays
            .iter()
            .find(|o| o.role == Role::Handle)
            .unwrap()
    }

    #[test]
    fn the_handles_least_size_scales_with_the_reel() {
        // 1080x1920: 0.8 of the heading, at least 24 px, as before.
        let boxed = CardStyle::look("boxed").unwrap();
        assert_eq!(handle_style(&boxed, (1080, 1920)).body_size, 32.0);
        let mut small_text = boxed.clone();
        small_text.heading_size = 10.0;
        assert_eq!(handle_style(&small_text, (1080, 1920)).body_size, 24.0);
        // 180x320: the 24 px floor made "@kitchenfails" 156x70 px, two lines across the
        // reel; it is 8 px now (the look's 8 px heading, 0.8 of it raised to 8).
        let small = CardStyle::look_for("boxed", (180, 320)).unwrap();
        assert_eq!(handle_style(&small, (180, 320)).body_size, 8.0);
    }

    #[test]
    fn the_handle_moves_off_a_face_as_the_number_and_tag_do() {
        // Nobody seen: it keeps its place (bottom right).
        let mut plain = reel_with_face(None);
        let drafted = handle(&plain).clone();
        settle_handle(&mut plain).unwrap();
        assert_eq!(handle(&plain), &drafted);
        // A face over it: the next corner clear of the face grown by its margin, for the
        // whole reel, as opaque as before.
        let r = drafted.rect;
        let face = crate::plan::FrameBox {
            x0: r.x as i32 - 200,
            y0: r.y as i32 - 300,
            x1: (r.x + r.width) as i32 + 20,
            y1: (r.y + r.height) as i32 + 20,
        };
        let mut seen = reel_with_face(Some(face));
        settle_handle(&mut seen).unwrap();
        let h = handle(&seen);
        assert_eq!(
            (h.at, h.until, h.text.as_str(), h.opacity),
            (drafted.at, drafted.until, "@kitchenfails", HANDLE_OPACITY)
        );
        let g = face.grown(FACE_MARGIN);
        let (x0, y0) = (h.rect.x as i32, h.rect.y as i32);
        let (x1, y1) = (x0 + h.rect.width as i32, y0 + h.rect.height as i32);
        assert!(
            x1 <= g.x0 || g.x1 <= x0 || y1 <= g.y0 || g.y1 <= y0,
            "{:?} on the face {g:?}",
            h.rect
        );
        assert!(h.rect.x < r.x, "the bottom left corner: {:?}", h.rect);
    }
}

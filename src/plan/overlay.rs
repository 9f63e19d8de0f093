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
}

/// One text box drawn over the picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    /// What it is.
    pub role: Role,
    /// Heading line above the text (cards; empty for the rest).
    pub heading: String,
    /// The text, drawn literally.
    pub text: String,
    /// Its look (font sizes, colours, box, outline, shadow).
    pub style: CardStyle,
    /// Top, centre or bottom of its band.
    pub position: CardPosition,
    /// The band of the frame it was laid out in (the preset's safe zone, or a part of it
    /// clear of other overlays).
    pub zone: SafeZone,
    /// The tallest it may be, as a fraction of the band's height (its text shrinks, then is
    /// cut with "…", to fit).
    pub max_height_fraction: f32,
    /// Where it is drawn at full size, in output pixels (laid out at plan time).
    pub rect: CardRect,
    /// First instant shown, on the reel's timeline.
    pub at: Micros,
    /// Instant it is gone.
    pub until: Micros,
    /// How it comes in and goes out.
    pub animation: Animation,
    /// Length of the in animation (0: there at once).
    pub in_length: Micros,
    /// Length of the out animation (0: gone at once).
    pub out_length: Micros,
    /// The sizes a popping overlay steps through, relative to its full size (each drawn once
    /// per render); empty for the other animations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pop_steps: Vec<f32>,
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
    pub fn still(
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
        }
    }

    /// Whether it is a card (went wrong or lesson).
    pub fn is_card(&self) -> bool {
        matches!(self.role, Role::WentWrong | Role::Lesson)
    }

    /// Which of [`Overlay::pop_steps`] draws it at `scale` (the one within half a step), or
    /// None for full size.
    pub fn step_for(&self, scale: f32) -> Option<usize> {
        self.pop_steps
            .iter()
            .position(|s| (s - scale).abs() < 0.0125)
    }

    /// How far in it is at reel time `t`: 0 = hidden, 1 = fully shown (between its in and
    /// out animations).
    pub fn progress_at(&self, t: Micros) -> f32 {
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
    pub fn opacity_at(&self, t: Micros) -> f32 {
        self.appearance_at(t).map_or(0.0, |a| a.alpha)
    }

    /// How it looks at reel time `t`, or None when it is not on screen.
    pub fn appearance_at(&self, t: Micros) -> Option<Appearance> {
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
        (a.alpha > 0.0).then_some(a)
    }

    /// The rows it may cover while on screen: its rectangle, widened by the distance a
    /// sliding card travels.
    pub fn rows(&self) -> (u32, u32) {
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

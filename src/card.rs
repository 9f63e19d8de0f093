//! Placeholder until the real text engine lands (replaced by the cosmic-text card renderer).
#![allow(missing_docs)]
use crate::preset::{CardPosition, CardStyle, SafeZone};

#[derive(Debug, Clone)]
pub struct CardImage {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("empty safe zone")]
    NoRoom,
}

pub struct TextEngine;
impl Default for TextEngine {
    fn default() -> Self {
        Self::new()
    }
}
impl TextEngine {
    pub fn new() -> Self {
        TextEngine
    }
    #[allow(clippy::too_many_arguments)]
    pub fn render_card(
        &mut self,
        _heading: &str,
        _body: &str,
        _style: &CardStyle,
        position: CardPosition,
        frame: (u32, u32),
        safe: SafeZone,
        _max: f32,
    ) -> Result<CardImage, CardError> {
        let w = frame.0 - safe.left - safe.right;
        let h = 200;
        let y = match position {
            CardPosition::Top => safe.top,
            CardPosition::Center => frame.1 / 2 - 100,
            CardPosition::Bottom => frame.1 - safe.bottom - h,
        };
        Ok(CardImage {
            x: safe.left,
            y,
            width: w,
            height: h,
            rgba: [255u8, 255, 255, 200].repeat((w * h) as usize),
        })
    }
}

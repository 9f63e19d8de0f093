//! Text on the picture: cards laid out and rasterised with the fonts the binary carries
//! ([`card`]), and rasterised cards composited onto 4:2:0 frames ([`composite`]).

pub mod card;
pub mod composite;

//! failreel: turns raw kitchen phone footage into upload-ready vertical "fail reels".
//!
//! A reel is decided by a pure, serialisable [`plan::RenderPlan`] (built from a
//! [`model::source::MediaInfo`], the user's [`config::request::ReelRequest`] and a [`config::preset::Preset`]),
//! completed by the cached analysis passes ([`analyse::analyse`]: loudness) and executed by
//! [`render::render`] on the media layer ([`media`]: libav through ffmpeg-next, the only
//! `unsafe` in [`media::ffi`]).

pub mod analyse;
pub mod batch;
pub mod cli;
pub mod config;
pub mod media;
pub mod model;
pub mod plan;
pub mod render;
pub mod report;
pub mod text;

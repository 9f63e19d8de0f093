//! failreel: turns raw kitchen phone footage into upload-ready vertical "fail reels".
//!
//! A reel is decided by a pure, serialisable [`plan::RenderPlan`] (built from a
//! [`probe::MediaInfo`], the user's [`request::ReelRequest`] and a [`preset::Preset`]),
//! completed by the cached analysis passes ([`analyse::analyse`]: loudness) and executed by
//! [`render::render`] on the media layer ([`media`]: libav through ffmpeg-next, the only
//! `unsafe` in [`media::ffi`]).

pub mod analyse;
pub mod app;
pub mod batch;
pub mod captions;
pub mod card;
pub mod cli;
pub mod compile;
pub mod composite;
pub mod cover;
pub mod fanout;
pub mod jobs;
pub mod manifest;
pub mod media;
pub mod model;
pub mod moment;
pub mod output;
pub mod plan;
pub mod preset;
pub mod probe;
pub mod render;
pub mod replay;
pub mod report;
pub mod request;
pub mod signals;
pub mod stories;
pub mod time;

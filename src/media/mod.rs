//! The media layer: one file per libav concept, and the only place failreel touches libav.
//!
//! - [`input`]: open and probe a file ([`crate::model::source::MediaInfo`]); libav's one-time set-up.
//! - [`decode`]: a decoder over a time range of one input: seek, the frames no output frame
//!   shows left undecoded, the timestamp clock and the frame [`decode::Selector`]; the one
//!   demux loop that render, preview and the analysis passes all read through.
//! - [`filter`]: the numeric-only filter graph (rotate, crop, colour, scale, fill).
//! - [`encode`]: x264 and AAC encoders set up from the plan's encoder settings.
//! - [`resample`]: decoded audio resampled to stereo and placed on the reel's timeline.
//! - [`tempo`]: sound slowed with its pitch kept (libav's `atempo`), for the replay.
//! - [`proxy`]: a decoded picture scaled down to a small RGB proxy for the analysis passes.
//! - [`packets`]: a video stream's compressed packet sizes, read without decoding.
//! - [`meter`]: how much media the running analysis pass has decoded, and its stop.
//! - [`mux`]: the MP4 output (fast start, comment tag, interleaved packets, trailer).
//! - [`ffi`]: the only `unsafe` (frame writability, field order; libav's log kept for error
//!   messages).

pub mod decode;
pub mod encode;
mod error;
pub mod ffi;
pub mod filter;
pub mod input;
pub mod meter;
pub mod mux;
pub mod packets;
pub mod proxy;
pub mod resample;
pub mod tempo;

pub use error::{lav, OutputCause, OutputError, RenderError};
pub use input::init_libav;

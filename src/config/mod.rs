//! Configuration: what a user asks for, read alike from flags, manifests and preset files.
//!
//! - [`request`]: one reel's request ([`request::ReelRequest`]), declared once.
//! - [`manifest`]: a week of clips in one file (TOML, JSON, CSV).
//! - [`preset`]: everything a platform dictates, as data (built-in TOML files and the user's).
//! - [`files`]: side files (captions, manifests, presets) read like videos: regular files
//!   only, size-capped, UTF-8 or UTF-16 with its mark.

pub mod files;
pub mod manifest;
pub mod preset;
pub mod request;

#[cfg(test)]
mod props;

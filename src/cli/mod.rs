//! The command line: flags (clap derive), their conversion into the batch's clips
//! ([`jobs`]), and running a parsed command ([`app`]): plans, renders and the exit code.

pub mod app;
mod args;
mod compile;
mod error;
pub mod jobs;
mod terminal;

pub use args::*;

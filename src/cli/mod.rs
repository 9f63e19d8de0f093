//! The command line: flags (clap derive), their conversion into the batch's clips
//! ([`jobs`]), and running a parsed command ([`app`]): plans, renders and the exit code.

pub mod app;
mod args;
mod compile;
pub mod jobs;

pub use args::*;

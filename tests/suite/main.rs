//! The integration tests as one test binary: each file is a module (`batch::…`, `render::…`),
//! `common` holds the shared fixture builders and decoders. One binary links the crate once;
//! 22 binaries linked it 22 times.
//!
//! Run one module with `cargo test --release --test suite -- render::`, one test with its
//! full name, and everything with `make test`.

mod common;

mod batch;
mod captions;
mod cards;
mod cli;
mod compile;
mod config;
mod contract;
mod cover;
mod detect;
mod footage;
mod hostile;
mod multi;
mod orchestration;
mod outputs;
mod preview;
mod reframe;
mod render;
mod replay;
mod report;
mod stories;

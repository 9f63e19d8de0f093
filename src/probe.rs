//! What failreel sees in an input file: kept as the name other modules import; the code lives
//! in [`crate::media::input`].

pub use crate::media::input::*;

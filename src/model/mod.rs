//! Typed values: the small types every layer shares instead of strings parsed in several
//! places.
//!
//! Each type reads itself from the command line (`FromStr`) and from every configuration
//! format (serde: TOML, JSON, CSV cells) with the same plain-words message ("must be …, not
//! …"); the caller adds the key and the position. These are leaf modules: they import nothing
//! of failreel's but [`crate::model::time`].

mod card;
mod color;
mod encode;
mod geometry;
mod look;
mod message;
mod name;
mod scalar;
pub mod source;
pub mod time;
mod times;

pub use card::{clean_card_text, Animation, CardPosition, FontWeight};
pub use color::{Fill, Rgb};
pub use encode::{check_h264_level, Crf, Transfer, X264Speed};
pub use geometry::{Focus, FocusKeys, FocusSpan, Rect};
pub use look::{Handle, TextSize};
pub use message::{count, line_col, one_line, plain_serde_message, suggest, LineIndex};
pub use name::{check_file_name_part, same_file_path};
pub use scalar::{deserialize_opt_bool, deserialize_opt_text, Scalar};
pub use times::{opt_start, opt_time, parse_start_arg, parse_time_arg, Start};

pub use time::Micros;

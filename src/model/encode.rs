//! Encoder values: x264 quality and speed, the source's transfer, and what H.264 High at
//! level 4.1/4.2 allows.

use super::card::choice;
use super::scalar::Scalar;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// x264 constant rate factor, 1 (best) to 51. 0 would be lossless, which the High profile
/// the reels use cannot carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Crf(u8);

const CRF_WANTED: &str =
    "a whole number from 1 to 51 (lower is better; 0, lossless, needs a profile reels cannot use)";

impl Crf {
    /// The value.
    pub fn get(self) -> u8 {
        self.0
    }

    /// A CRF, or the plain message when `v` is out of range.
    pub fn new(v: i64) -> Result<Crf, String> {
        match u8::try_from(v) {
            Ok(v @ 1..=51) => Ok(Crf(v)),
            _ => Err(format!("must be {CRF_WANTED}, not {v}")),
        }
    }
}

impl FromStr for Crf {
    type Err = String;
    fn from_str(s: &str) -> Result<Crf, String> {
        match s.trim().parse::<i64>() {
            Ok(v) => Crf::new(v),
            Err(_) => Err(format!("must be {CRF_WANTED}, not {s:?}")),
        }
    }
}

impl fmt::Display for Crf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Crf {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for Crf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Crf, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Int(v) => Crf::new(v).map_err(serde::de::Error::custom),
            Scalar::Str(s) => s.parse().map_err(serde::de::Error::custom),
            other => Err(other.not(CRF_WANTED)),
        }
    }
}

choice! {
    /// x264 speed preset, fastest first.
    X264Speed {
        /// Fastest, largest files.
        Ultrafast = "ultrafast",
        /// Very fast.
        Superfast = "superfast",
        /// Fast.
        Veryfast = "veryfast",
        /// Faster than medium.
        Faster = "faster",
        /// A little faster than medium.
        Fast = "fast",
        /// x264's default.
        Medium = "medium",
        /// Slower, smaller.
        Slow = "slow",
        /// Slower still.
        Slower = "slower",
        /// Slowest, smallest files.
        Veryslow = "veryslow",
    }
}

choice! {
    /// The source's transfer characteristic.
    Transfer {
        /// Standard dynamic range (BT.709/BT.601 gamma).
        Sdr = "sdr",
        /// Hybrid log-gamma HDR (phones' default HDR).
        Hlg = "hlg",
        /// Perceptual quantiser HDR (HDR10, Dolby Vision base layers).
        Pq = "pq",
    }
}

/// H.264 level limits (ITU-T H.264 table A-1) for the levels reels use: 4.1 up to 30 fps and
/// 4.2 above, as the plan chooses.
struct Level {
    name: &'static str,
    /// Largest frame, in 16x16 macroblocks.
    max_frame_mbs: u64,
    /// Most macroblocks per second.
    max_mbs_per_s: u64,
}

const LEVEL_4_1: Level = Level {
    name: "4.1",
    max_frame_mbs: 8192,
    max_mbs_per_s: 245_760,
};
const LEVEL_4_2: Level = Level {
    name: "4.2",
    max_frame_mbs: 8_704,
    max_mbs_per_s: 522_240,
};

/// Highest frame rate a preset may ask for (level 4.2 at the smallest sizes still allows
/// more, but players and platforms do not).
pub const MAX_FPS: u32 = 120;

/// Checks that a `width`x`height` picture at `fps` fits the H.264 level the plan will write
/// (4.1 up to 30 fps, 4.2 above), so x264 is never asked for the impossible after decoding
/// has started. Returns every problem in plain words.
pub fn check_h264_level(width: u32, height: u32, fps: u32) -> Vec<String> {
    let mut problems = Vec::new();
    if !(1..=MAX_FPS).contains(&fps) {
        problems.push(format!(
            "`video.fps` must be a whole number from 1 to {MAX_FPS}, not {fps}"
        ));
        return problems;
    }
    let level = if fps > 30 { &LEVEL_4_2 } else { &LEVEL_4_1 };
    let mbs = u64::from(width.div_ceil(16)) * u64::from(height.div_ceil(16));
    // Level 4.x also caps each side at sqrt(8 * max_frame_mbs) macroblocks.
    let side = ((8 * level.max_frame_mbs) as f64).sqrt() as u64 * 16;
    if mbs > level.max_frame_mbs || u64::from(width) > side || u64::from(height) > side {
        problems.push(format!(
            "the video size {width}x{height} is larger than H.264 level {} allows (at most {} blocks of 16x16 pixels, each side at most {side}): use 1080x1920 or smaller",
            level.name, level.max_frame_mbs
        ));
    } else if mbs * u64::from(fps) > level.max_mbs_per_s {
        let most = level.max_mbs_per_s / mbs.max(1);
        problems.push(format!(
            "`video.fps` {fps} at {width}x{height} is more than H.264 level {} allows: use at most {most} fps at this size",
            level.name
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crf_is_1_to_51() {
        assert_eq!("23".parse::<Crf>().map(Crf::get), Ok(23));
        assert_eq!(Crf::new(51).map(Crf::get), Ok(51));
        for bad in ["0", "52", "-1", "best", "", "18.5"] {
            let e = bad.parse::<Crf>().unwrap_err();
            assert!(
                e.starts_with("must be a whole number from 1 to 51"),
                "{bad}: {e}"
            );
        }
        let e = toml::from_str::<std::collections::BTreeMap<String, Crf>>("crf = \"best\"")
            .unwrap_err();
        assert!(
            e.message()
                .starts_with("must be a whole number from 1 to 51")
                && e.message().ends_with("not \"best\""),
            "{e}"
        );
    }

    #[test]
    fn speeds_are_x264s_names() {
        assert_eq!(X264Speed::NAMES.len(), 9);
        assert_eq!("veryfast".parse(), Ok(X264Speed::Veryfast));
        assert!("warp".parse::<X264Speed>().is_err());
        assert_eq!(Transfer::Hlg.as_str(), "hlg");
    }

    #[test]
    fn level_limits() {
        assert!(check_h264_level(1080, 1920, 30).is_empty());
        assert!(check_h264_level(1080, 1920, 60).is_empty());
        assert!(check_h264_level(720, 1280, 120).is_empty());
        let big = check_h264_level(20000, 20000, 30);
        assert!(
            big[0].contains("20000x20000") && big[0].contains("level 4.1"),
            "{big:?}"
        );
        let tall = check_h264_level(16, 8000, 30);
        assert!(tall[0].contains("each side at most 4096"), "{tall:?}");
        let fast = check_h264_level(1080, 1920, 120);
        assert!(fast[0].contains("at most 64 fps"), "{fast:?}");
        assert!(check_h264_level(1080, 1920, 0)[0].contains("from 1 to 120"));
    }
}

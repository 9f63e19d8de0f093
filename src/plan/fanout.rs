//! Several reels from one decode (issue 15): which planned reels can share a pipeline run,
//! and inside one run which of them share a video or an audio encode. Pure and
//! serialisable, like the plans it groups: the batch groups its work with [`group`], the
//! renderer executes a [`FanoutPlan`], and `--dry-run --json` shows each reel's
//! [`SharedWork`] keys (reels with equal keys in one run share that work).
//!
//! - **Decode** is shared when the reels show the same footage the same way: the same
//!   segments (input, its stamp, trim), the same [`crate::plan::VideoPlan`] (stream, crop,
//!   fit, size, frame rate, frame count, colour) and the same audio stream and offset. The one
//!   filter graph then serves them all; each reel keeps its own cards, encoder and file.
//!   Presets that cap the length differently give different trims: separate runs.
//!   A reel with a replay (`--replay`) decodes a second range and shares a decode only with
//!   reels replaying the same range; the replay's tag is part of the picture.
//! - **Video encode** is shared when the pictures are identical: decode key, the same cards
//!   and captions (text, times, animation, rectangles) in the same look, and the same x264 settings. The
//!   packets are muxed into each file.
//! - **Audio encode** likewise: decode key, the same audio plan (fades, loudness target and
//!   normalisation) and the same AAC settings.

use crate::plan::RenderPlan;
use serde::{Deserialize, Serialize};

/// FNV-1a of a serialisable value's JSON, as 16 hex digits.
fn key_of<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    let mut h: u64 = 0xcbf29ce484222325;
    for b in json.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// What decides the decoded and converted pictures and the decoded sound.
pub fn decode_key(plan: &RenderPlan) -> String {
    let shown = (
        &plan.segments,
        &plan.video,
        plan.audio.stream,
        plan.audio.source_offset,
    );
    match &plan.replay {
        None => key_of(&shown),
        // A replay decodes a second range: only reels replaying the same range share it (its
        // tag, placed in each preset's safe zone, is part of the picture, not of the decode).
        Some(r) => key_of(&(shown, r)),
    }
}

/// What decides the encoded picture: equal keys give identical video streams.
pub fn picture_key(plan: &RenderPlan) -> String {
    let e = plan.encoder();
    // The safe zone shapes the cards' and captions' text (wrap width): part of the picture
    // only with text on it.
    let text = !plan.overlays.is_empty();
    let zone = text.then_some(plan.safe_zone);
    key_of(&(
        decode_key(plan),
        (&plan.overlays, &plan.replay),
        text.then_some(&plan.card_style),
        zone,
        (&e.video_codec, &e.profile, &e.level, e.crf, &e.preset),
        (e.keyframe_interval, e.max_bitrate_kbps),
    ))
}

/// What decides the encoded sound: equal keys give identical audio streams.
pub fn sound_key(plan: &RenderPlan) -> String {
    let e = plan.encoder();
    key_of(&(
        decode_key(plan),
        &plan.audio,
        (&e.audio_codec, e.sample_rate, e.audio_bitrate_kbps),
    ))
}

/// The sharing keys of one reel, as `--dry-run --json` shows them (field `shared`): reels
/// of one run with the same `decode` are rendered from one decode, with the same `video` /
/// `audio` from one encode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedWork {
    /// [`decode_key`].
    pub decode: String,
    /// [`picture_key`].
    pub video: String,
    /// [`sound_key`].
    pub audio: String,
}

impl SharedWork {
    /// The keys of `plan`.
    pub fn of(plan: &RenderPlan) -> SharedWork {
        SharedWork {
            decode: decode_key(plan),
            video: picture_key(plan),
            audio: sound_key(plan),
        }
    }
}

/// Groups of indices into `plans` that can share one decode, in order of first appearance
/// (a plan alone is a group of one).
pub fn group(plans: &[&RenderPlan]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        let key = decode_key(p);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().map(|(_, m)| m).collect()
}

/// One pipeline run: reels sharing a decode, and which of them share an encode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanoutPlan {
    /// The reels, each its own complete plan (its own file, tag and resume hash).
    pub reels: Vec<RenderPlan>,
    /// Video encodes: each lists the reels (indices into `reels`) its packets go to.
    pub video_encodes: Vec<Vec<usize>>,
    /// Audio encodes, likewise.
    pub audio_encodes: Vec<Vec<usize>>,
}

fn classes(keys: &[String]) -> Vec<Vec<usize>> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        match out.iter_mut().find(|(key, _)| key == k) {
            Some((_, m)) => m.push(i),
            None => out.push((k.clone(), vec![i])),
        }
    }
    out.into_iter().map(|(_, m)| m).collect()
}

impl FanoutPlan {
    /// The run for `reels`, which must share a decode ([`group`]); None when they do not
    /// (or there are none).
    pub fn new(reels: Vec<RenderPlan>) -> Option<FanoutPlan> {
        let first = decode_key(reels.first()?);
        if reels.iter().any(|p| decode_key(p) != first) {
            return None;
        }
        let pics: Vec<String> = reels.iter().map(picture_key).collect();
        let sounds: Vec<String> = reels.iter().map(sound_key).collect();
        Some(FanoutPlan {
            video_encodes: classes(&pics),
            audio_encodes: classes(&sounds),
            reels,
        })
    }

    /// The video encode reel `i` gets its packets from.
    pub fn video_encode_of(&self, i: usize) -> usize {
        self.video_encodes
            .iter()
            .position(|m| m.contains(&i))
            .expect("every reel has a video encode")
    }

    /// The audio encode reel `i` gets its packets from.
    pub fn audio_encode_of(&self, i: usize) -> usize {
        self.audio_encodes
            .iter()
            .position(|m| m.contains(&i))
            .expect("every reel has an audio encode")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::executor::synthetic_info;
    use crate::config::preset::Preset;
    use crate::model::source::SourceStamp;
    use crate::model::time::Micros;
    use crate::plan::{plan_reel, ReelRequest};

    fn plan(preset: &str, secs: f64, req: &ReelRequest) -> RenderPlan {
        let info = synthetic_info(
            std::path::Path::new("clip.mp4"),
            SourceStamp::default(),
            Micros::from_secs_f64(secs),
        );
        let p = Preset::built_in(preset).unwrap();
        plan_reel(&info, req, &p, format!("clip.{preset}.mp4").into()).unwrap()
    }

    #[test]
    fn presets_of_one_clip_share_a_decode_and_identical_pictures_an_encode() {
        let plain = ReelRequest::default();
        let plans: Vec<RenderPlan> = ["tiktok", "reels", "shorts"]
            .iter()
            .map(|p| plan(p, 20.0, &plain))
            .collect();
        let refs: Vec<&RenderPlan> = plans.iter().collect();
        assert_eq!(group(&refs), vec![vec![0, 1, 2]]);
        let fp = FanoutPlan::new(plans.clone()).unwrap();
        // No cards: one picture; shorts' 256 kbps sound is its own encode.
        assert_eq!(fp.video_encodes, vec![vec![0, 1, 2]]);
        assert_eq!(fp.audio_encodes, vec![vec![0, 1], vec![2]]);
        assert_eq!(fp.audio_encode_of(2), 1);
        // Serialisable, and read back the same.
        let json = serde_json::to_string(&fp).unwrap();
        assert_eq!(serde_json::from_str::<FanoutPlan>(&json).unwrap(), fp);

        // With cards, each preset's safe zone gives its own picture.
        let cards = ReelRequest {
            went_wrong: Some("Too hot".into()),
            ..ReelRequest::default()
        };
        let carded: Vec<RenderPlan> = ["tiktok", "reels", "shorts"]
            .iter()
            .map(|p| plan(p, 20.0, &cards))
            .collect();
        let fp = FanoutPlan::new(carded).unwrap();
        assert_eq!(fp.video_encodes, vec![vec![0], vec![1], vec![2]]);
    }

    #[test]
    fn different_length_caps_are_separate_runs() {
        // 300 s: tiktok keeps it all (600 s cap), reels and shorts cap it at 180 s.
        let plain = ReelRequest::default();
        let plans: Vec<RenderPlan> = ["tiktok", "reels", "shorts"]
            .iter()
            .map(|p| plan(p, 300.0, &plain))
            .collect();
        let refs: Vec<&RenderPlan> = plans.iter().collect();
        assert_eq!(group(&refs), vec![vec![0], vec![1, 2]]);
        assert!(FanoutPlan::new(plans).is_none());
        assert!(FanoutPlan::new(Vec::new()).is_none());
    }
}

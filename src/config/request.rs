//! One [`ReelRequest`]: what the user asks of one reel, a plain type that knows nothing of
//! the command line. Manifests (TOML, JSON, CSV through serde) and a manifest's top-level
//! defaults read it directly; the command line's flags are converted into it once
//! (`cli::ReelFlags`).
//!
//! Reading checks each value's type ("`crf` must be a whole number from 1 to 51, not 0");
//! [`ReelRequest::validate`] then checks how the values fit together and returns every
//! problem, not the first.

use crate::model::{
    clean_card_text, deserialize_opt_bool, deserialize_opt_text, opt_start, opt_time, Crf,
    FocusKeys, Handle, Micros, Rgb, Start, TextSize, X264Speed,
};
use serde::de::IntoDeserializer;
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::OnceLock;

/// A present value (every format gives its values as the type itself, never as an option:
/// CSV cells are text).
fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn deserialize_card_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(deserialize_opt_text(d)?.map(|t| clean_card_text(&t)))
}

/// Everything the user asked of one reel. Every field is optional: unset fields come from
/// the manifest's defaults, then the preset.
///
/// As flags each field is `--kebab-case`; in manifests it is the `snake_case` key; from Rust,
/// build it with struct update syntax (`ReelRequest { lesson: Some(..), ..Default::default() }`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReelRequest {
    /// Trim start: seconds (12.5), mm:ss(.fff) or hh:mm:ss(.fff); or `auto`: around the
    /// moment `failreel detect` finds best.
    #[serde(default, with = "opt_start", skip_serializing_if = "Option::is_none")]
    pub start: Option<Start>,
    /// Trim end on the clip's timeline.
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub end: Option<Micros>,
    /// Reel length (instead of --end).
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub duration: Option<Micros>,
    /// "What went wrong" card text (control characters and terminal escapes are removed;
    /// empty or blank: no card).
    #[serde(
        default,
        deserialize_with = "deserialize_card_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub went_wrong: Option<String>,
    /// "Lesson learned" card text (as for --went-wrong).
    #[serde(
        default,
        deserialize_with = "deserialize_card_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub lesson: Option<String>,
    /// When the went-wrong card appears, on the reel's timeline (default 0).
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub went_wrong_at: Option<Micros>,
    /// When the went-wrong card goes (default: half the reel).
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub went_wrong_until: Option<Micros>,
    /// When the lesson card appears (default: two thirds into the reel).
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub lesson_at: Option<Micros>,
    /// When the lesson card goes (default: the end).
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub lesson_until: Option<Micros>,
    /// Horizontal position of the 9:16 window: auto (follow the subject; the default for
    /// landscape input), center, left, right or 0.0–1.0; or a list of keys on the reel's
    /// clock, e.g. 0.3,2.5s=0.7,6s=auto (the first value from 0, each T=POS from T on).
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub focus: Option<FocusKeys>,
    /// x264 quality (1–51, lower is better), overriding the preset.
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub crf: Option<Crf>,
    /// x264 speed preset, overriding the preset.
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub encoder_preset: Option<X264Speed>,
    /// Leave the loudness as it is (no EBU R128 normalisation to the preset's target).
    /// Manifest key: `normalize = false`.
    #[serde(
        default,
        deserialize_with = "deserialize_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub normalize: Option<bool>,
    /// Treat every warning (a reel shorter than asked, a capped length…) as a failure, for
    /// scripts. Manifest key: `strict = true`.
    #[serde(
        default,
        deserialize_with = "deserialize_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub strict: Option<bool>,
    /// Also write a cover beside the reel (`<reel name>.jpg`, the reel's size): the sharpest
    /// frame around the went-wrong card with its text as a headline. Manifest key:
    /// `cover = true`.
    #[serde(
        default,
        deserialize_with = "deserialize_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub cover: Option<bool>,
    /// Subtitles to burn in: a SubRip (.srt) or WebVTT (.vtt) file timed on the input's
    /// clock (any trim works); formatting tags are not drawn.
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub captions: Option<std::path::PathBuf>,
    /// Right after the fail, the 1.5 s around the moment (the went-wrong card's start, or
    /// what `--start auto` found) again at half speed with its own sound slowed (pitch kept),
    /// pushing in toward the subject, under a "REPLAY" tag; the lesson card comes after it.
    /// The reel grows by 3 s. Manifest key: `replay = true`.
    #[serde(
        default,
        deserialize_with = "deserialize_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub replay: Option<bool>,
    /// The cards' look, over the preset's: one of the built-in looks (boxed, outline,
    /// banner).
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub look: Option<crate::config::preset::LookName>,
    /// The cards' text size: S, M (the look's own), L, or the body text's size in pixels
    /// (48px); headings, the replay's tag and the handle scale alike.
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub text_size: Option<TextSize>,
    /// The accent colour (#rrggbb): the cards' headings and the replay's tag.
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub accent: Option<Rgb>,
    /// The creator's handle (@name), drawn small and semi-transparent inside the safe zone
    /// on every frame, clear of the cards and captions.
    #[serde(
        default,
        deserialize_with = "some",
        skip_serializing_if = "Option::is_none"
    )]
    pub handle: Option<Handle>,
    /// Take the cover from this moment of the reel (its own clock: 0 = the reel's first
    /// frame) instead of the sharpest frame around the went-wrong card; writes the cover
    /// (as `--cover` does).
    #[serde(default, with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub cover_at: Option<Micros>,
}

impl ReelRequest {
    /// Each field of `self`, or `base`'s where `self` leaves it unset. The trim's end and
    /// length are one choice: when `self` sets either, `base`'s are not used.
    pub fn or(&self, base: &ReelRequest) -> ReelRequest {
        let (end, duration) = if self.end.is_some() || self.duration.is_some() {
            (self.end, self.duration)
        } else {
            (base.end, base.duration)
        };
        ReelRequest {
            start: self.start.or(base.start),
            end,
            duration,
            went_wrong: self.went_wrong.clone().or_else(|| base.went_wrong.clone()),
            lesson: self.lesson.clone().or_else(|| base.lesson.clone()),
            went_wrong_at: self.went_wrong_at.or(base.went_wrong_at),
            went_wrong_until: self.went_wrong_until.or(base.went_wrong_until),
            lesson_at: self.lesson_at.or(base.lesson_at),
            lesson_until: self.lesson_until.or(base.lesson_until),
            focus: self.focus.clone().or_else(|| base.focus.clone()),
            crf: self.crf.or(base.crf),
            encoder_preset: self.encoder_preset.or(base.encoder_preset),
            normalize: self.normalize.or(base.normalize),
            strict: self.strict.or(base.strict),
            cover: self.cover.or(base.cover),
            captions: self.captions.clone().or_else(|| base.captions.clone()),
            replay: self.replay.or(base.replay),
            look: self.look.clone().or_else(|| base.look.clone()),
            text_size: self.text_size.or(base.text_size),
            accent: self.accent.or(base.accent),
            handle: self.handle.clone().or_else(|| base.handle.clone()),
            cover_at: self.cover_at.or(base.cover_at),
        }
    }

    /// `preset` with this request's look over its own ([`crate::config::preset::Preset::with_look`]).
    pub fn preset_for(
        &self,
        preset: &crate::config::preset::Preset,
    ) -> crate::config::preset::Preset {
        preset.with_look(
            self.look.as_ref(),
            self.text_size,
            self.accent,
            self.handle.as_ref(),
        )
    }

    /// The request with blank card texts taken as "no card" (`None`), so that no heading is
    /// drawn over nothing. Call it on the final, merged request.
    pub fn without_blank_cards(mut self) -> ReelRequest {
        for t in [&mut self.went_wrong, &mut self.lesson] {
            if t.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *t = None;
            }
        }
        self
    }

    /// Every way the values do not fit together, each in plain words; `name` turns a field
    /// name (`went_wrong_at`) into how the user wrote it (`--went-wrong-at` or
    /// `` `went_wrong_at` ``). Empty when the request is consistent.
    pub fn validate(&self, name: &dyn Fn(&str) -> String) -> Vec<String> {
        let mut problems = Vec::new();
        if let (Some(s), Some(e)) = (self.start.and_then(Start::at), self.end) {
            if e <= s {
                problems.push(format!(
                    "{} {e} is not after {} {s}",
                    name("end"),
                    name("start")
                ));
            }
        }
        if self.end.is_some() && self.duration.is_some() {
            problems.push(format!(
                "give {} or {}, not both",
                name("end"),
                name("duration")
            ));
        }
        if self.duration.is_some_and(|d| d.0 == 0) {
            problems.push(format!("{} must be longer than 0", name("duration")));
        }
        for (at_key, until_key, at, until) in [
            (
                "went_wrong_at",
                "went_wrong_until",
                self.went_wrong_at,
                self.went_wrong_until,
            ),
            (
                "lesson_at",
                "lesson_until",
                self.lesson_at,
                self.lesson_until,
            ),
        ] {
            if let (Some(a), Some(u)) = (at, until) {
                if u <= a {
                    problems.push(format!(
                        "{} {u} is not after {} {a}",
                        name(until_key),
                        name(at_key)
                    ));
                }
            }
        }
        problems
    }

    /// A request with one key set, read from one configuration value: the way manifests read
    /// a table key by key, so every bad key is reported with its own position. An unknown
    /// key is an error naming the key.
    pub fn from_key<'de, V, E>(key: &str, value: V) -> Result<ReelRequest, E>
    where
        V: IntoDeserializer<'de, E>,
        E: serde::de::Error,
    {
        let map = serde::de::value::MapDeserializer::new(std::iter::once((key, value)));
        ReelRequest::deserialize(map)
    }

    /// The keys a request has in manifests (serde's own list, so it cannot drift).
    pub fn keys() -> &'static [&'static str] {
        static KEYS: OnceLock<&'static [&'static str]> = OnceLock::new();
        KEYS.get_or_init(|| {
            let mut fields: &'static [&'static str] = &[];
            let _ = ReelRequest::deserialize(FieldNames(&mut fields));
            fields
        })
    }
}

/// How a field is written on the command line: `--went-wrong-at`.
pub fn flag_name(field: &str) -> String {
    match field {
        "normalize" => "--no-normalize".into(),
        f => format!("--{}", f.replace('_', "-")),
    }
}

/// How a field is written in a manifest: `` `went_wrong_at` ``.
pub fn key_name(field: &str) -> String {
    format!("`{field}`")
}

/// A deserializer that only records the field names serde asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("field names only"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("field names only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_serde() {
        let keys = ReelRequest::keys();
        assert_eq!(keys.len(), 22);
        assert!(
            keys.contains(&"went_wrong_until")
                && keys.contains(&"strict")
                && keys.contains(&"cover")
                && keys.contains(&"captions")
        );
    }

    #[test]
    fn unknown_and_mistyped_keys_are_refused() {
        let e = toml::from_str::<ReelRequest>("strat = 1").unwrap_err();
        assert!(e.message().contains("unknown field `strat`"), "{e}");
        let e = ReelRequest::from_key::<_, serde::de::value::Error>("crf", "best").unwrap_err();
        assert!(e.to_string().contains("not \"best\""), "{e}");
        let r = ReelRequest::from_key::<_, serde::de::value::Error>("lesson_at", "0:02").unwrap();
        assert_eq!(r.lesson_at, Some(Micros(2_000_000)));
    }

    #[test]
    fn validate_lists_every_problem() {
        let r = ReelRequest {
            start: Some(Start::At(Micros(5_000_000))),
            end: Some(Micros(4_000_000)),
            duration: Some(Micros(0)),
            went_wrong_at: Some(Micros(3_000_000)),
            went_wrong_until: Some(Micros(1_000_000)),
            lesson_at: Some(Micros(2_000_000)),
            lesson_until: Some(Micros(2_000_000)),
            ..Default::default()
        };
        let p = r.validate(&flag_name);
        assert_eq!(p.len(), 5, "{p:?}");
        assert!(
            p[0].starts_with("--end 0:04.000 is not after --start"),
            "{p:?}"
        );
        let p = r.validate(&key_name);
        assert!(p[3].starts_with("`went_wrong_until` 0:01.000 is not after `went_wrong_at`"));
        assert!(ReelRequest::default().validate(&key_name).is_empty());
    }

    #[test]
    fn merging_keeps_end_and_duration_together() {
        let clip = ReelRequest {
            end: Some(Micros(9_000_000)),
            ..Default::default()
        };
        let defaults = ReelRequest {
            duration: Some(Micros(3_000_000)),
            crf: Some(Crf::new(20).unwrap()),
            ..Default::default()
        };
        let r = clip.or(&defaults);
        assert_eq!((r.end, r.duration), (Some(Micros(9_000_000)), None));
        assert_eq!(r.crf, Some(Crf::new(20).unwrap()));
    }

    #[test]
    fn blank_card_text_is_no_card() {
        let r = ReelRequest {
            went_wrong: Some(" \n ".into()),
            lesson: Some("Lower heat".into()),
            ..Default::default()
        }
        .without_blank_cards();
        assert_eq!(r.went_wrong, None);
        assert_eq!(r.lesson.as_deref(), Some("Lower heat"));
    }
}

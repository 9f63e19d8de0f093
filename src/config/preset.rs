//! Presets: everything a platform dictates, as data.
//!
//! The built-in presets live in `presets/*.toml` and are embedded in the binary. A user's
//! TOML file may set `base = "<built-in>"` (default `tiktok`) and override any field; unknown
//! keys, wrong types and values out of range are errors that name the file, the line and the
//! column of the key, in plain words.
//!
//! The cards' style starts from a *look* (`presets/looks/*.toml`, also embedded): a preset
//! that sets `look = "<name>"` in `[cards]` gets that look's whole `[style]` table, and the
//! keys of its own `[cards.style]` table (the built-in preset's, then the user file's) are
//! laid on top.

use crate::model::{
    check_file_name_part, check_h264_level, line_col, one_line, plain_serde_message, Animation,
    Crf, Fill, Rgb, Scalar, X264Speed,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub use crate::model::{CardPosition, FontWeight};

/// The built-in presets, as (name, TOML text), in the order `failreel presets` lists them.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("tiktok", include_str!("../../presets/tiktok.toml")),
    ("reels", include_str!("../../presets/reels.toml")),
    ("shorts", include_str!("../../presets/shorts.toml")),
    ("everywhere", include_str!("../../presets/everywhere.toml")),
    ("stories", include_str!("../../presets/stories.toml")),
];

/// The built-in looks of the cards, as (name, TOML text with a `[style]` table of
/// [`CardStyle`] fields), in the order error messages list them.
pub const LOOKS: &[(&str, &str)] = &[
    ("boxed", include_str!("../../presets/looks/boxed.toml")),
    ("outline", include_str!("../../presets/looks/outline.toml")),
    ("banner", include_str!("../../presets/looks/banner.toml")),
];

/// A complete, validated preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Short name, used in default output names (`<stem>.<name>.mp4`): no `/`, `\`, `..` or
    /// control characters.
    #[serde(deserialize_with = "file_name_part")]
    pub name: String,
    /// One-line summary shown by `failreel presets`.
    pub summary: String,
    /// Video encoding settings.
    pub video: VideoSettings,
    /// Audio encoding settings.
    pub audio: AudioSettings,
    /// Accepted reel length.
    pub length: LengthLimits,
    /// Pixels covered by the app's own interface, from each edge of the frame.
    pub safe_zone: SafeZone,
    /// Overlay cards.
    pub cards: CardSettings,
    /// The file the preset was read from (None for a built-in one): an input of every run
    /// that uses it, never written over. Not part of the preset's value.
    #[serde(skip)]
    pub source: Option<std::path::PathBuf>,
}

/// Video settings of a preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSettings {
    /// Output width in pixels (even).
    pub width: u32,
    /// Output height in pixels (even).
    pub height: u32,
    /// Constant output frame rate (frames per second, integer).
    pub fps: u32,
    /// x264 constant rate factor (1–51, lower is better).
    pub crf: Crf,
    /// x264 speed preset (ultrafast … veryslow).
    pub x264_preset: X264Speed,
    /// VBV maximum bitrate in kbit/s (0 = unconstrained).
    pub max_bitrate_kbps: u32,
    /// Seconds between keyframes (closed GOP).
    pub keyframe_interval_s: f64,
    /// Beside a picture narrower than 9:16: `blur` (a blurred copy) or a colour `#RRGGBB`.
    #[serde(default)]
    pub fill: Fill,
    /// Where the 9:16 window sits in a landscape picture (`auto`, `center`, `left`, `right`
    /// or 0.0–1.0); absent: `auto`. `--focus` and a manifest's `focus` win over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<crate::model::Focus>,
}

/// Audio settings of a preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSettings {
    /// Output sample rate in Hz.
    pub sample_rate: u32,
    /// AAC bitrate in kbit/s.
    pub bitrate_kbps: u32,
    /// Integrated loudness target in LUFS.
    pub loudness_lufs: f64,
    /// True-peak ceiling in dBTP.
    pub true_peak_dbtp: f64,
    /// Normalise loudness to `loudness_lufs` (two-pass EBU R128) unless set to false.
    #[serde(default = "yes", deserialize_with = "switch")]
    pub normalize: bool,
}

fn yes() -> bool {
    true
}

/// Minimum and maximum reel length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthLimits {
    /// Shortest reel the platform accepts, in seconds.
    pub min_s: f64,
    /// Longest reel the platform accepts, in seconds; longer reels are capped.
    pub max_s: f64,
    /// A longer reel is written as numbered parts of at most `max_s` (Stories) instead of
    /// being capped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub split: bool,
}

/// Pixels covered by the platform's interface on each edge of the output frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeZone {
    /// Band at the top (header, tabs).
    pub top: u32,
    /// Band at the bottom (caption, music, progress).
    pub bottom: u32,
    /// Band at the left edge.
    pub left: u32,
    /// Band at the right edge (like/comment/share column).
    pub right: u32,
}

/// Overlay card settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardSettings {
    /// Heading of the "what went wrong" card (empty for none).
    pub went_wrong_heading: String,
    /// Heading of the "lesson learned" card (empty for none).
    pub lesson_heading: String,
    /// Position of the "what went wrong" card.
    pub went_wrong_position: CardPosition,
    /// Position of the "lesson learned" card.
    pub lesson_position: CardPosition,
    /// How cards come in and go out: `none`, `fade`, `slide` or `pop`.
    #[serde(default)]
    pub animation: Animation,
    /// Length of the in and out animations in seconds (at most 0.5).
    pub animation_s: f64,
    /// The built-in look (see [`LOOKS`]) the style started from, if any. Resolution has
    /// already applied it: `style` is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look: Option<String>,
    /// The text size over the look: `S`, `M` (the look's own), `L` or the body text's size in
    /// pixels (`48px`); the headings, the replay's tag, the handle and a compilation's title
    /// scale alike. Absent: `M`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_size: Option<crate::model::TextSize>,
    /// The accent colour, `#RRGGBB`: the cards' headings and the replay's tag (absent: the
    /// look's heading colour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<Rgb>,
    /// The creator's handle (`@name`), drawn small and semi-transparent inside the safe zone
    /// on every frame, clear of the cards and captions (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<crate::model::Handle>,
    /// The look of both cards.
    pub style: CardStyle,
}

impl CardSettings {
    /// The style cards are drawn with: `style` with the text size and the accent applied.
    pub fn drawn_style(&self) -> CardStyle {
        let mut s = self.style.clone();
        if let Some(size) = self.text_size {
            let f = size.factor(s.body_size);
            s.body_size *= f;
            s.heading_size *= f;
            s.min_body_size = (s.min_body_size * f).clamp(8.0, s.body_size);
            s.padding *= f;
            s.box_radius *= f;
        }
        if let Some(accent) = self.accent {
            s.heading_color = accent;
        }
        s
    }
}

/// The name of a built-in look (`--look`, a manifest's or a preset's `look`): `boxed`,
/// `outline` or `banner` (parse one with `str::parse`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LookName(String);

/// The built-in looks' names, in the order of [`LOOKS`].
pub const LOOK_NAMES: &[&str] = &["boxed", "outline", "banner"];

impl LookName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn wanted() -> String {
        format!("one of {}", LOOK_NAMES.join(", "))
    }
}

impl std::str::FromStr for LookName {
    type Err = String;
    fn from_str(s: &str) -> Result<LookName, String> {
        if LOOK_NAMES.contains(&s) {
            Ok(LookName(s.to_string()))
        } else {
            Err(format!("must be {}, not {s:?}", LookName::wanted()))
        }
    }
}

impl std::fmt::Display for LookName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for LookName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LookName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<LookName, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => s.parse().map_err(serde::de::Error::custom),
            other => Err(other.not(&LookName::wanted())),
        }
    }
}

/// The look of a card: type sizes and weights, colours, outline, shadow and box.
///
/// Fields added after the first release have defaults that leave a card as it was drawn
/// before (no shadow, bold text, a box that hugs the text), so older preset files still parse
/// and look the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardStyle {
    /// Body text size in pixels.
    pub body_size: f32,
    /// Heading text size in pixels.
    pub heading_size: f32,
    /// Smallest body size auto-fit may shrink to.
    pub min_body_size: f32,
    /// Line height as a multiple of the text size.
    #[serde(default = "default_line_spacing")]
    pub line_spacing: f32,
    /// Weight of the body text.
    #[serde(default)]
    pub weight: FontWeight,
    /// Weight of the heading.
    #[serde(default)]
    pub heading_weight: FontWeight,
    /// Body text colour, `#RRGGBB`.
    pub text_color: Rgb,
    /// Heading colour, `#RRGGBB`.
    pub heading_color: Rgb,
    /// Box colour, `#RRGGBB`.
    pub box_color: Rgb,
    /// Box opacity, 0 (no box) to 1.
    pub box_opacity: f32,
    /// Box corner radius in pixels.
    pub box_radius: f32,
    /// Whether the box spans the whole width of the safe zone (a banner) instead of hugging
    /// the text.
    #[serde(default, deserialize_with = "switch")]
    pub box_full_width: bool,
    /// Padding inside the box in pixels.
    pub padding: f32,
    /// Text outline width in pixels (0 for none).
    pub outline_width: f32,
    /// Text outline colour, `#RRGGBB`.
    pub outline_color: Rgb,
    /// Colour of the text's drop shadow, `#RRGGBB`.
    #[serde(default = "black")]
    pub shadow_color: Rgb,
    /// Opacity of the drop shadow, 0 (no shadow) to 1.
    #[serde(default)]
    pub shadow_opacity: f32,
    /// How far the shadow falls from the text, in pixels: `[x, y]`, positive to the right and
    /// down.
    #[serde(default)]
    pub shadow_offset: [f32; 2],
    /// Blur radius of the shadow in pixels (0 for a hard shadow).
    #[serde(default)]
    pub shadow_blur: f32,
}

fn default_line_spacing() -> f32 {
    1.2
}

fn black() -> Rgb {
    Rgb::BLACK
}

fn file_name_part<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    check_file_name_part(&name).map_err(serde::de::Error::custom)?;
    Ok(name)
}

fn switch<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Bool(b) => Ok(b),
        other => Err(other.not("true or false")),
    }
}

/// Preset errors: always configuration errors (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    /// A name that is neither built in nor an existing file.
    #[error("unknown preset `{}`{}: use one of {}, or a path to a preset .toml file", .0, unknown_hint(.0), built_in_names())]
    Unknown(String),
    /// The preset file could not be read (missing, not a regular file, too large, not
    /// text).
    #[error(transparent)]
    Read(#[from] crate::config::files::SideFileError),
    /// The preset file is not valid TOML, has a wrong key or type, or a value out of range.
    #[error("{}", .problems.join("\n"))]
    Invalid {
        /// The file.
        path: String,
        /// Every problem, each `file:line:column: plain words` (or `file: …` when the value
        /// is not written in the file).
        problems: Vec<String>,
    },
}

/// Every built-in preset's name, as a list for messages ("tiktok, reels, …, stories").
fn built_in_names() -> String {
    BUILT_IN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// " (did you mean `reels`?)" for a near miss of a built-in name (any case; of two as
/// near, the one that starts alike: `storys` is `stories`, not `shorts`).
fn unknown_hint(name: &str) -> String {
    let word = name.to_lowercase();
    let alike = |n: &str| {
        n.chars()
            .zip(word.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
    // `suggest` takes the first of the nearest.
    names.sort_by_key(|n| std::cmp::Reverse(alike(n)));
    crate::model::suggest(&word, &names)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

impl Preset {
    /// Returns the built-in preset with this name, its look applied.
    pub fn built_in(name: &str) -> Option<Preset> {
        let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        let mut table: toml::Table =
            toml::from_str(text).expect("built-in presets are valid (tested)");
        apply_look(&mut table).expect("built-in presets name built-in looks (tested)");
        Some(
            toml::Value::Table(table)
                .try_into()
                .expect("built-in presets are valid (tested)"),
        )
    }

    /// Resolves `--preset`: a built-in name, or a path to a TOML file.
    pub fn resolve(name_or_path: &str) -> Result<Preset, PresetError> {
        if let Some(p) = Self::built_in(name_or_path) {
            return Ok(p);
        }
        let path = Path::new(name_or_path);
        let looks_like_file = name_or_path.ends_with(".toml") || name_or_path.contains('/');
        // Something at the path (a file, or a FIFO or device the reader refuses) is a file.
        if !looks_like_file && std::fs::metadata(path).is_err() {
            return Err(PresetError::Unknown(name_or_path.to_string()));
        }
        // Read like a video: a regular file only (a FIFO never blocks the run), size-capped,
        // UTF-8 or UTF-16 with its byte-order mark.
        let text = crate::config::files::read_text(path, crate::config::files::SideFile::Preset)?;
        let mut preset = Self::from_override_toml(&text, name_or_path)?;
        preset.source = Some(path.to_path_buf());
        Ok(preset)
    }

    /// Builds a preset from a user's TOML text: `base` (default `tiktok`) with every field the
    /// text sets replaced. The cards' style is the look named by `cards.look` (the user's, or
    /// else the base's), then the base's own `[cards.style]` keys, then the user's.
    /// `origin` names the file in errors, each `origin:line:column: plain words`.
    pub fn from_override_toml(text: &str, origin: &str) -> Result<Preset, PresetError> {
        let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
            let at = e.span().map(|s| line_col(text, s.start));
            PresetError::Invalid {
                path: origin.to_string(),
                problems: vec![format!(
                    "{}: not valid TOML: {}",
                    position(origin, at),
                    one_line(e.message())
                )],
            }
        })?;
        // The key's position, or else its table's, or else just the file.
        let at = |path: &[&str]| -> String {
            let found = (1..=path.len())
                .rev()
                .find_map(|n| key_span(&doc, &path[..n]));
            position(origin, found.map(|o| line_col(text, o)))
        };
        let invalid = |problems: Vec<String>| PresetError::Invalid {
            path: origin.to_string(),
            problems,
        };
        let mut user: toml::Table = toml::from_str(text).map_err(|e| {
            invalid(vec![format!(
                "{origin}: not valid TOML: {}",
                one_line(e.message())
            )])
        })?;
        let base_name = match user.remove("base") {
            None => "tiktok".to_string(),
            Some(toml::Value::String(s)) => s,
            Some(other) => {
                return Err(invalid(vec![format!(
                    "{}: `base` must be a preset name such as \"tiktok\", not {other}",
                    at(&["base"])
                )]))
            }
        };
        let base_text = BUILT_IN
            .iter()
            .find(|(n, _)| *n == base_name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                invalid(vec![format!(
                    "{}: unknown base preset `{base_name}`{}: use one of {}",
                    at(&["base"]),
                    unknown_hint(&base_name),
                    built_in_names()
                )])
            })?;
        let base: toml::Table = toml::from_str(base_text).expect("built-in presets are valid");
        if !user.contains_key("name") {
            let stem = Path::new(origin)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "custom".into());
            user.insert("name".into(), toml::Value::String(stem));
        }
        // serde stops at the first bad value: take each one out of the user's table (the
        // base's value stands in) and read again, so every problem is listed at once.
        let mut problems = Vec::new();
        let preset = loop {
            let mut merged = base.clone();
            merge(&mut merged, user.clone());
            if let Err(msg) = apply_look(&mut merged) {
                problems.push(format!("{}: {msg}", at(&["cards", "look"])));
                if remove_path(&mut user, &["cards", "look"]) {
                    continue;
                }
                break None;
            }
            match toml::Value::Table(merged).try_into::<Preset>() {
                Ok(p) => break Some(p),
                Err(e) => {
                    let keys = error_keys(&e);
                    let message = plain_serde_message(&keys.join("."), e.message());
                    // An unknown key: point at it, not at its table.
                    let mut path: Vec<&str> = keys.iter().map(String::as_str).collect();
                    let unknown = e
                        .message()
                        .strip_prefix("unknown field `")
                        .and_then(|r| r.split('`').next());
                    if let Some(k) = unknown {
                        path.push(k);
                    }
                    let message = if path == ["name"] && !doc.as_table().contains_key("name") {
                        format!("{message} (the name comes from the file name: set `name = \"…\"`)")
                    } else {
                        message
                    };
                    problems.push(format!("{}: {message}", at(&path)));
                    if problems.len() >= 50 || !remove_path(&mut user, &path) {
                        break None;
                    }
                }
            }
        };
        let Some(preset) = preset else {
            return Err(invalid(problems));
        };
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        let problems: Vec<String> = preset
            .problems()
            .into_iter()
            .map(|(keys, msg)| {
                // The first of the keys the file sets (`video.width|video.height`).
                let paths: Vec<Vec<&str>> =
                    keys.split('|').map(|k| k.split('.').collect()).collect();
                let path = paths
                    .iter()
                    .find(|p| key_span(&doc, p).is_some())
                    .unwrap_or(&paths[0]);
                format!("{}: {msg}", at(path))
            })
            .collect();
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        // A file without a summary of its own gets one from its values, not the base's
        // (whose sizes and lengths it may have changed).
        let mut preset = preset;
        if !user.contains_key("summary") {
            preset.summary = format!(
                "{} (based on {base_name}): {}",
                preset.name,
                preset.figures()
            );
        }
        Ok(preset)
    }

    /// The preset's figures in a line, as the built-ins' summaries give them: "1080x1920
    /// 30 fps H.264 CRF 20, 3 s to 10 min, -14 LUFS".
    pub fn figures(&self) -> String {
        let length = |s: f64| {
            if s >= 60.0 && (s % 60.0).abs() < 1e-9 {
                format!("{} min", s / 60.0)
            } else {
                format!("{s} s")
            }
        };
        format!(
            "{}x{} {} fps H.264 CRF {}, {} to {}, {}",
            self.video.width,
            self.video.height,
            self.video.fps,
            self.video.crf,
            length(self.length.min_s),
            length(self.length.max_s),
            if self.audio.normalize {
                format!("{} LUFS", self.audio.loudness_lufs)
            } else {
                "loudness as recorded".to_string()
            }
        )
    }

    /// Checks the values a platform and the encoder can accept; every problem, joined by
    /// new lines.
    pub fn validate(&self) -> Result<(), String> {
        let problems: Vec<String> = self.problems().into_iter().map(|(_, m)| m).collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// Every value out of range, as (dotted key, plain words).
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p: Vec<(&'static str, String)> = Vec::new();
        let v = &self.video;
        if v.width < 16
            || v.height < 16
            || !v.width.is_multiple_of(2)
            || !v.height.is_multiple_of(2)
        {
            p.push((
                "video.width|video.height",
                format!(
                    "the video size {}x{} must be even and at least 16x16",
                    v.width, v.height
                ),
            ));
        }
        for msg in check_h264_level(v.width, v.height, v.fps) {
            let key = if msg.contains("`video.fps`") {
                "video.fps"
            } else {
                "video.width|video.height"
            };
            p.push((key, msg));
        }
        if !(v.keyframe_interval_s > 0.0 && v.keyframe_interval_s <= 10.0) {
            p.push((
                "video.keyframe_interval_s",
                format!(
                    "`video.keyframe_interval_s` must be more than 0 and at most 10 seconds, not {}",
                    v.keyframe_interval_s
                ),
            ));
        }
        if v.max_bitrate_kbps > 1_000_000 {
            p.push((
                "video.max_bitrate_kbps",
                format!(
                    "`video.max_bitrate_kbps` must be at most 1000000 (0 for none), not {}",
                    v.max_bitrate_kbps
                ),
            ));
        }
        let a = &self.audio;
        if ![8000, 16000, 22050, 24000, 32000, 44100, 48000].contains(&a.sample_rate) {
            p.push((
                "audio.sample_rate",
                format!(
                    "`audio.sample_rate` must be an AAC rate such as 48000, not {}",
                    a.sample_rate
                ),
            ));
        }
        if !(-40.0..=0.0).contains(&a.loudness_lufs) {
            p.push((
                "audio.loudness_lufs",
                format!(
                    "`audio.loudness_lufs` must be from -40 to 0, not {}",
                    a.loudness_lufs
                ),
            ));
        }
        if !(-12.0..=0.0).contains(&a.true_peak_dbtp) {
            p.push((
                "audio.true_peak_dbtp",
                format!(
                    "`audio.true_peak_dbtp` must be from -12 to 0, not {}",
                    a.true_peak_dbtp
                ),
            ));
        }
        if !(32..=512).contains(&a.bitrate_kbps) {
            p.push((
                "audio.bitrate_kbps",
                format!(
                    "`audio.bitrate_kbps` must be from 32 to 512, not {}",
                    a.bitrate_kbps
                ),
            ));
        }
        let l = &self.length;
        if !(l.min_s >= 0.0 && l.max_s > l.min_s && l.max_s <= 86_400.0) {
            p.push((
                "length.max_s",
                format!(
                    "`length.max_s` ({}) must be greater than `length.min_s` ({}) and at most a day",
                    l.max_s, l.min_s
                ),
            ));
        }
        let z = &self.safe_zone;
        if u64::from(z.left) + u64::from(z.right) + 64 > u64::from(v.width)
            || u64::from(z.top) + u64::from(z.bottom) + 64 > u64::from(v.height)
        {
            p.push((
                "safe_zone.top|safe_zone.bottom|safe_zone.left|safe_zone.right|video.width|video.height",
                format!(
                    "the safe zone (top {}, bottom {}, left {}, right {}) leaves no room for cards in {}x{}",
                    z.top, z.bottom, z.left, z.right, v.width, v.height
                ),
            ));
        }
        if !(0.0..=0.5).contains(&self.cards.animation_s) {
            p.push((
                "cards.animation_s",
                format!(
                    "`cards.animation_s` must be from 0 to 0.5 seconds, not {}",
                    self.cards.animation_s
                ),
            ));
        }
        let s = &self.cards.style;
        if !(s.min_body_size >= 8.0
            && s.body_size >= s.min_body_size
            && s.heading_size >= 8.0
            && s.body_size <= 1000.0
            && s.heading_size <= 1000.0)
        {
            p.push((
                "cards.style.body_size",
                "`cards.style` sizes must be from 8 to 1000 and `body_size` at least `min_body_size`"
                    .into(),
            ));
        }
        for (key, value, range) in [
            ("cards.style.box_opacity", s.box_opacity, 0.0..=1.0),
            ("cards.style.line_spacing", s.line_spacing, 0.8..=3.0),
            ("cards.style.shadow_opacity", s.shadow_opacity, 0.0..=1.0),
            (
                "cards.style.shadow_blur",
                s.shadow_blur,
                0.0..=MAX_SHADOW_BLUR,
            ),
            ("cards.style.outline_width", s.outline_width, 0.0..=f32::MAX),
            ("cards.style.padding", s.padding, 0.0..=f32::MAX),
            ("cards.style.box_radius", s.box_radius, 0.0..=f32::MAX),
        ] {
            if !range.contains(&value) {
                let words = if *range.end() == f32::MAX {
                    "0 or more".to_string()
                } else {
                    format!("from {} to {}", range.start(), range.end())
                };
                p.push((key, format!("`{key}` must be {words}, not {value}")));
            }
        }
        if !s
            .shadow_offset
            .iter()
            .all(|v| (-MAX_SHADOW_OFFSET..=MAX_SHADOW_OFFSET).contains(v))
        {
            p.push((
                "cards.style.shadow_offset",
                format!(
                    "`cards.style.shadow_offset` must be [x, y] with each from -{MAX_SHADOW_OFFSET} to {MAX_SHADOW_OFFSET} pixels, not {:?}",
                    s.shadow_offset
                ),
            ));
        }
        p
    }

    /// The preset as TOML text, each number as written (`box_opacity = 0.68`: the `toml`
    /// crate widens an f32 to f64 and would print 0.6800000071525574).
    pub fn to_toml(&self) -> String {
        let text = toml::to_string_pretty(self).expect("a preset always serialises");
        let mut out = String::with_capacity(text.len());
        for line in text.lines() {
            out.push_str(&shortest_f32_line(line));
            out.push('\n');
        }
        out
    }

    /// The preset as `failreel presets show` prints it: its TOML, with the look's keys it
    /// leaves unset (`text_size`, `accent`, `handle`) shown as comments under `[cards]`.
    pub fn to_toml_documented(&self) -> String {
        let text = self.to_toml();
        let c = &self.cards;
        let mut hints = Vec::new();
        if c.look.is_none() {
            hints.push(format!(
                "# look = \"boxed\"          # one of {}",
                LOOK_NAMES.join(", ")
            ));
        }
        if c.text_size.is_none() {
            hints.push(
                "# text_size = \"M\"       # S, M, L or the body text in pixels (\"48px\")"
                    .to_string(),
            );
        }
        if c.accent.is_none() {
            hints.push(format!(
                "# accent = \"{}\"   # the headings' and the replay tag's colour",
                c.style.heading_color
            ));
        }
        if c.handle.is_none() {
            hints.push(
                "# handle = \"@name\"      # small, semi-transparent, on every frame".to_string(),
            );
        }
        if hints.is_empty() {
            return text;
        }
        let mut out = String::new();
        let mut done = false;
        for line in text.lines() {
            out.push_str(line);
            out.push('\n');
            if !done && line.trim() == "[cards]" {
                for h in &hints {
                    out.push_str(h);
                    out.push('\n');
                }
                done = true;
            }
        }
        out
    }

    /// The preset with a request's look (`--look`, `--text-size`, `--accent`, `--handle`) over
    /// its own (every card, caption, tag, title and handle is then drawn in
    /// [`CardSettings::drawn_style`]). A different look replaces the style with that look's
    /// (a preset file's own `[cards.style]` keys went with its look).
    pub fn with_look(
        &self,
        look: Option<&LookName>,
        text_size: Option<crate::model::TextSize>,
        accent: Option<Rgb>,
        handle: Option<&crate::model::Handle>,
    ) -> Preset {
        let mut p = self.clone();
        let c = &mut p.cards;
        if let Some(name) = look {
            if c.look.as_deref() != Some(name.as_str()) {
                if let Some(style) =
                    CardStyle::look_for(name.as_str(), (p.video.width, p.video.height))
                {
                    c.style = style;
                    c.look = Some(name.as_str().to_string());
                }
            }
        }
        c.text_size = text_size.or(c.text_size);
        c.accent = accent.or(c.accent);
        c.handle = handle.cloned().or_else(|| c.handle.clone());
        p
    }

    /// Frames between keyframes.
    pub fn gop_frames(&self) -> u32 {
        ((self.video.keyframe_interval_s * self.video.fps as f64).round() as u32).max(1)
    }
}

/// Largest `shadow_blur` a preset may set, in pixels.
pub const MAX_SHADOW_BLUR: f32 = 64.0;
/// Largest `shadow_offset` (either way, on either axis) a preset may set, in pixels.
pub const MAX_SHADOW_OFFSET: f32 = 100.0;

impl CardStyle {
    /// The built-in look with this name (see [`LOOKS`]), or `None`, at the size it is drawn
    /// for (`LOOK_FRAME`).
    pub fn look(name: &str) -> Option<CardStyle> {
        toml::Value::Table(look_table(name)?).try_into().ok()
    }

    /// The built-in look with this name on a `size` reel: its pixel sizes scaled from
    /// `LOOK_FRAME` (see `look_scale`).
    pub fn look_for(name: &str, size: (u32, u32)) -> Option<CardStyle> {
        let mut style = look_table(name)?;
        scale_look_table(&mut style, look_scale(size));
        toml::Value::Table(style).try_into().ok()
    }
}

/// A line of TOML (`key = value` or an array's `value,`) with a float that is exactly an
/// f32 written at f64 length (0.6800000071525574) written as that f32's shortest form (0.68).
/// Other lines, and floats that are not f32 values, are left as they are.
fn shortest_f32_line(line: &str) -> std::borrow::Cow<'_, str> {
    let (head, value) = match line.split_once(" = ") {
        Some((k, v)) => (format!("{k} = "), v),
        None => {
            let indent = &line[..line.len() - line.trim_start().len()];
            (indent.to_string(), line.trim_start())
        }
    };
    let (number, tail) = match value.strip_suffix(',') {
        Some(n) => (n, ","),
        None => (value, ""),
    };
    let Ok(f) = number.parse::<f64>() else {
        return line.into();
    };
    let short = format!("{:?}", f as f32);
    if !number.contains('.') || (f as f32) as f64 != f || short.len() >= number.len() {
        return line.into();
    }
    format!("{head}{short}{tail}").into()
}

/// The reel size the built-in looks' pixel sizes are drawn for (every built-in preset's).
pub const LOOK_FRAME: (u32, u32) = (1080, 1920);

/// How much a look's pixel sizes are scaled on a `size` reel: the smaller of its width's and
/// height's ratio to `LOOK_FRAME` (a 180x320 preset: 1/6, so the boxed look's 60 px body is
/// 10 px there, the same share of the picture).
pub fn look_scale(size: (u32, u32)) -> f64 {
    (size.0 as f64 / LOOK_FRAME.0 as f64)
        .min(size.1 as f64 / LOOK_FRAME.1 as f64)
        .max(0.0)
}

/// Scales a look's `[style]` table (its pixel sizes) by `f`, kept inside what a preset may
/// set: text 8 to 1000 px (the body at least its smallest size), shadow blur and offset
/// within their limits.
fn scale_look_table(style: &mut toml::Table, f: f64) {
    if (f - 1.0).abs() < 1e-9 {
        return;
    }
    let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    for key in [
        "body_size",
        "heading_size",
        "min_body_size",
        "box_radius",
        "padding",
        "outline_width",
        "shadow_blur",
    ] {
        if let Some(v) = style.get(key).and_then(num) {
            let mut scaled = v * f;
            if key.ends_with("_size") {
                scaled = scaled.clamp(8.0, 1000.0);
            }
            if key == "shadow_blur" {
                scaled = scaled.min(MAX_SHADOW_BLUR as f64);
            }
            style.insert(key.into(), toml::Value::Float(scaled));
        }
    }
    if let (Some(body), Some(min)) = (
        style.get("body_size").and_then(num),
        style.get("min_body_size").and_then(num),
    ) {
        style.insert("min_body_size".into(), toml::Value::Float(min.min(body)));
    }
    if let Some(toml::Value::Array(offset)) = style.get_mut("shadow_offset") {
        for v in offset.iter_mut() {
            if let Some(x) = num(v) {
                let limit = MAX_SHADOW_OFFSET as f64;
                *v = toml::Value::Float((x * f).clamp(-limit, limit));
            }
        }
    }
}

/// The `[style]` table of the built-in look with this name.
fn look_table(name: &str) -> Option<toml::Table> {
    let (_, text) = LOOKS.iter().find(|(n, _)| *n == name)?;
    let mut look: toml::Table = toml::from_str(text).ok()?;
    match look.remove("style")? {
        toml::Value::Table(style) => Some(style),
        _ => None,
    }
}

/// Replaces `cards.style` of a preset's TOML table by the look that `cards.look` names with
/// the table's own `cards.style` keys on top. Without `cards.look` the table is left as it is.
fn apply_look(preset: &mut toml::Table) -> Result<(), String> {
    let Some(toml::Value::Table(cards)) = preset.get_mut("cards") else {
        return Ok(());
    };
    let name = match cards.get("look") {
        None => return Ok(()),
        Some(toml::Value::String(name)) => name.clone(),
        Some(_) => return Err("cards.look must be the name of a look such as \"boxed\"".into()),
    };
    let mut style = look_table(&name).ok_or_else(|| {
        let names: Vec<&str> = LOOKS.iter().map(|(n, _)| *n).collect();
        format!(
            "unknown look `{name}` in [cards]: use one of {}",
            names.join(", ")
        )
    })?;
    // The look is drawn for 1080x1920: a preset of another size gets its sizes scaled (the
    // preset's own `[cards.style]` keys, merged next, are pixels as written).
    let side = |key: &str, default: u32| {
        preset
            .get("video")
            .and_then(|v| v.get(key))
            .and_then(toml::Value::as_integer)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0)
            .unwrap_or(default)
    };
    let size = (side("width", LOOK_FRAME.0), side("height", LOOK_FRAME.1));
    scale_look_table(&mut style, look_scale(size));
    let Some(toml::Value::Table(cards)) = preset.get_mut("cards") else {
        return Ok(());
    };
    match cards.remove("style") {
        None => {}
        Some(toml::Value::Table(own)) => merge(&mut style, own),
        Some(other) => {
            // Not a table: leave it for deserialising to report.
            cards.insert("style".into(), other);
            return Ok(());
        }
    }
    cards.insert("style".into(), toml::Value::Table(style));
    Ok(())
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Removes the value at `path` from a TOML table; whether there was one.
fn remove_path(table: &mut toml::Table, path: &[&str]) -> bool {
    match path {
        [] => false,
        [key] => table.remove(*key).is_some(),
        [first, rest @ ..] => match table.get_mut(*first) {
            Some(toml::Value::Table(t)) => remove_path(t, rest),
            _ => table.remove(*first).is_some(),
        },
    }
}

/// The keys of a toml error raised while deserialising a value (`video.crf`), read from its
/// "in `…`" line.
fn error_keys(e: &toml::de::Error) -> Vec<String> {
    e.to_string()
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `").and_then(|r| r.strip_suffix('`')))
        .map(|p| p.split('.').map(str::to_string).collect())
        .unwrap_or_default()
}

/// Where `path` (table keys, then the key) is written in the document: the key's offset.
fn key_span(doc: &toml_edit::ImDocument<&str>, path: &[&str]) -> Option<usize> {
    let mut table: &dyn toml_edit::TableLike = doc.as_table();
    let mut found = None;
    for (i, k) in path.iter().enumerate() {
        let (key, item) = table.get_key_value(k)?;
        found = key.span().map(|s| s.start).or(found);
        if i + 1 < path.len() {
            table = item.as_table_like()?;
        }
    }
    found
}

/// `file:line:column`, or `file` when the position is unknown.
fn position(file: &str, at: Option<(usize, usize)>) -> String {
    match at {
        Some((l, c)) => format!("{file}:{l}:{c}"),
        None => file.to_string(),
    }
}
#[cfg(test)]
mod tests {

    #[test]
    fn presets_print_their_numbers_as_written() {
        // `presets show tiktok` printed box_opacity = 0.6800000071525574.
        let text = Preset::built_in("tiktok").unwrap().to_toml();
        assert!(text.contains("box_opacity = 0.68\n"), "{text}");
        assert!(text.contains("line_spacing = 1.2\n"), "{text}");
        let long = text.lines().find(|l| {
            l.split_once('.')
                .is_some_and(|(_, frac)| frac.chars().take_while(char::is_ascii_digit).count() >= 9)
        });
        assert_eq!(long, None, "{text}");
        // The same preset read back.
        let back: Preset = toml::from_str(&text).unwrap();
        assert_eq!(back, Preset::built_in("tiktok").unwrap());
        assert_eq!(shortest_f32_line("    0.30000001192092896,"), "    0.3,");
        assert_eq!(shortest_f32_line("crf = 20"), "crf = 20");
        assert_eq!(shortest_f32_line("x = 0.1"), "x = 0.1");
    }

    #[test]
    fn looks_scale_with_the_preset_size_and_stay_valid() {
        // A 180x320 preset: 1/6 of the look's sizes, text at least 8 px; the user's own keys
        // are pixels as written.
        let small = Preset::from_override_toml(
            "[video]\nwidth = 180\nheight = 320\n[safe_zone]\ntop = 20\nbottom = 40\nleft = 10\nright = 10\n[cards]\nlook = \"outline\"\n",
            "small.toml",
        )
        .unwrap();
        let outline = CardStyle::look("outline").unwrap();
        let s = &small.cards.style;
        assert!((s.body_size - outline.body_size / 6.0).abs() < 0.01);
        assert_eq!((s.heading_size, s.min_body_size), (8.0, 8.0));
        assert!((s.shadow_offset[1] - outline.shadow_offset[1] / 6.0).abs() < 0.01);
        small.validate().unwrap();
        let own = Preset::from_override_toml(
            "[video]\nwidth = 180\nheight = 320\n[safe_zone]\ntop = 20\nbottom = 40\nleft = 10\nright = 10\n[cards.style]\npadding = 5.0\n",
            "own.toml",
        )
        .unwrap();
        assert_eq!(own.cards.style.padding, 5.0);
        // --look on that preset scales the new look too.
        let banner = small.with_look(Some(&"banner".parse().unwrap()), None, None, None);
        let b = CardStyle::look("banner").unwrap();
        assert!((banner.cards.style.body_size - b.body_size / 6.0).abs() < 0.01);
        // Scaled far up: every size inside the limits a preset may set.
        let mut table = look_table("outline").unwrap();
        scale_look_table(&mut table, 20.0);
        let huge: CardStyle = toml::Value::Table(table).try_into().unwrap();
        assert_eq!(
            (huge.shadow_blur, huge.body_size),
            (MAX_SHADOW_BLUR, 1000.0)
        );
        assert!(huge
            .shadow_offset
            .iter()
            .all(|v| v.abs() <= MAX_SHADOW_OFFSET));
        // The built-in presets are drawn as their looks say.
        assert_eq!(
            Preset::built_in("tiktok").unwrap().cards.style,
            CardStyle::look("boxed").unwrap()
        );
    }
    use super::*;

    #[test]
    fn everywhere_fits_inside_every_platform_preset() {
        let all = Preset::built_in("everywhere").unwrap();
        let mut others = 0;
        // Stories are a different product (parts of at most 60 s), not one of the feeds
        // `everywhere` uploads to.
        for (name, _) in BUILT_IN
            .iter()
            .filter(|(n, _)| *n != "everywhere" && *n != "stories")
        {
            let p = Preset::built_in(name).unwrap();
            others += 1;
            // Its safe zone contains each preset's: every band at least as wide.
            let (z, e) = (p.safe_zone, all.safe_zone);
            assert!(
                e.top >= z.top && e.bottom >= z.bottom && e.left >= z.left && e.right >= z.right,
                "everywhere's safe zone {e:?} does not contain {name}'s {z:?}"
            );
            // Its length range lies inside each preset's.
            assert!(
                all.length.min_s >= p.length.min_s && all.length.max_s <= p.length.max_s,
                "everywhere's length {:?} is not inside {name}'s {:?}",
                all.length,
                p.length
            );
            // The same picture format, so one file uploads to every platform.
            assert_eq!(
                (all.video.width, all.video.height, all.video.fps),
                (p.video.width, p.video.height, p.video.fps)
            );
        }
        assert_eq!(others, 3);
        // The tightest figures, not merely safe ones: each side is some preset's band, and
        // the range is as wide as the overlap allows.
        let zones: Vec<SafeZone> = ["tiktok", "reels", "shorts"]
            .iter()
            .map(|n| Preset::built_in(n).unwrap().safe_zone)
            .collect();
        let e = all.safe_zone;
        assert_eq!(e.top, zones.iter().map(|z| z.top).max().unwrap());
        assert_eq!(e.bottom, zones.iter().map(|z| z.bottom).max().unwrap());
        assert_eq!(e.left, zones.iter().map(|z| z.left).max().unwrap());
        assert_eq!(e.right, zones.iter().map(|z| z.right).max().unwrap());
        assert_eq!((all.length.min_s, all.length.max_s), (3.0, 180.0));
        // Meta's guidance is 128-192 kbps; YouTube and TikTok take that too.
        assert!((128..=192).contains(&all.audio.bitrate_kbps));
    }

    #[test]
    fn built_ins_parse_and_validate() {
        for (name, _) in BUILT_IN {
            let p = Preset::built_in(name).unwrap();
            assert_eq!(&p.name, name);
            p.validate().unwrap();
            assert_eq!(
                (p.video.width, p.video.height, p.video.fps),
                (1080, 1920, 30)
            );
            assert_eq!(p.gop_frames(), 60);
        }
    }

    #[test]
    fn override_changes_only_what_it_sets() {
        let p = Preset::from_override_toml(
            "base = \"reels\"\nname = \"mine\"\n[video]\ncrf = 18\n",
            "mine.toml",
        )
        .unwrap();
        let reels = Preset::built_in("reels").unwrap();
        assert_eq!(p.name, "mine");
        assert_eq!(p.video.crf.get(), 18);
        assert_eq!(p.video.x264_preset, reels.video.x264_preset);
        assert_eq!(p.safe_zone, reels.safe_zone);
        assert_eq!(p.length, reels.length);
    }

    #[test]
    fn override_name_defaults_to_file_stem_and_base_to_tiktok() {
        let p = Preset::from_override_toml("[video]\nfps = 60\n", "dir/my-look.toml").unwrap();
        assert_eq!(p.name, "my-look");
        assert_eq!(p.video.fps, 60);
        assert_eq!(p.safe_zone, Preset::built_in("tiktok").unwrap().safe_zone);
        // Its summary is its own figures, not the base's (which says 30 fps).
        assert_eq!(
            p.summary,
            "my-look (based on tiktok): 1080x1920 60 fps H.264 CRF 20, 3 s to 10 min, -14 LUFS"
        );
        let q = Preset::from_override_toml(
            "summary = \"Mine\"\n[length]\nmax_s = 90.0\n[audio]\nnormalize = false\n",
            "q.toml",
        )
        .unwrap();
        assert_eq!(q.summary, "Mine");
        assert_eq!(
            q.figures(),
            "1080x1920 30 fps H.264 CRF 20, 3 s to 90 s, loudness as recorded"
        );
    }

    #[test]
    fn typo_is_reported_with_its_line() {
        let err = Preset::from_override_toml("[video]\n\ncrff = 18\n", "typo.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("typo.toml:3:1: "), "{msg}");
        assert!(msg.contains("unknown key `crff`"), "{msg}");
        assert!(msg.contains("did you mean `crf`"), "{msg}");
    }

    #[test]
    fn wrong_type_and_bad_values_are_errors() {
        let e = Preset::from_override_toml("[video]\ncrf = \"high\"\n", "t.toml").unwrap_err();
        assert!(e.to_string().contains("t.toml"));
        assert!(Preset::from_override_toml("[video]\ncrf = 70\n", "t.toml").is_err());
        assert!(Preset::from_override_toml("[video]\nx264_preset = \"warp\"\n", "t.toml").is_err());
        assert!(Preset::from_override_toml("[video\n", "t.toml").is_err());
        assert!(Preset::from_override_toml("base = \"vine\"\n", "t.toml").is_err());
    }

    #[test]
    fn unknown_name_is_unknown() {
        assert!(matches!(
            Preset::resolve("vine"),
            Err(PresetError::Unknown(_))
        ));
        assert!(matches!(
            Preset::resolve("missing/file.toml"),
            Err(PresetError::Read(_))
        ));
    }

    #[test]
    fn toml_round_trip() {
        let p = Preset::built_in("shorts").unwrap();
        let back: Preset = toml::from_str(&p.to_toml()).unwrap();
        assert_eq!(p, back);
    }

    #[test]
    fn looks_are_complete_valid_styles() {
        let tiktok = Preset::built_in("tiktok").unwrap();
        for (name, text) in LOOKS {
            let look = CardStyle::look(name).unwrap_or_else(|| panic!("look {name}"));
            // Every field is spelled out in the file, defaults or not.
            let table: toml::Table = toml::from_str(text).unwrap();
            let keys = table["style"].as_table().unwrap().len();
            let fields = toml::Value::try_from(&look).unwrap();
            assert_eq!(keys, fields.as_table().unwrap().len(), "{name}");
            let mut p = tiktok.clone();
            p.cards.style = look;
            p.validate().unwrap_or_else(|e| panic!("look {name}: {e}"));
        }
        assert!(CardStyle::look("sparkly").is_none());
    }

    #[test]
    fn built_ins_use_the_boxed_look_unchanged() {
        let boxed = CardStyle::look("boxed").unwrap();
        for (name, _) in BUILT_IN {
            let p = Preset::built_in(name).unwrap();
            assert_eq!(p.cards.look.as_deref(), Some("boxed"));
            assert_eq!(p.cards.style, boxed, "{name}");
        }
        // The values the presets had before looks existed.
        let s = &boxed;
        assert_eq!(
            (s.body_size, s.heading_size, s.min_body_size),
            (60.0, 40.0, 34.0)
        );
        assert_eq!(
            (s.text_color.to_string(), s.heading_color.to_string()),
            ("#FFFFFF".to_string(), "#FFD23F".to_string())
        );
        assert_eq!((s.box_color, s.box_opacity), (Rgb::BLACK, 0.68));
        assert_eq!(
            (s.box_radius, s.padding, s.outline_width),
            (28.0, 34.0, 2.0)
        );
        assert_eq!(s.outline_color, Rgb::BLACK);
        assert_eq!(
            (s.weight, s.heading_weight),
            (FontWeight::Bold, FontWeight::Bold)
        );
        assert_eq!((s.shadow_opacity, s.box_full_width), (0.0, false));
    }

    #[test]
    fn old_style_tables_get_defaults_for_new_fields() {
        let old = r##"body_size = 60.0
heading_size = 40.0
min_body_size = 34.0
text_color = "#FFFFFF"
heading_color = "#FFD23F"
box_color = "#000000"
box_opacity = 0.68
box_radius = 28.0
padding = 34.0
outline_width = 2.0
outline_color = "#000000"
"##;
        let style: CardStyle = toml::from_str(old).unwrap();
        assert_eq!(style, CardStyle::look("boxed").unwrap());
        // A user file written before looks existed keeps its style, key for key.
        let text = format!("[cards.style]\n{}", old.replace("0.68", "0.5"));
        let p = Preset::from_override_toml(&text, "old.toml").unwrap();
        assert_eq!(p.cards.style.box_opacity, 0.5);
        assert_eq!(p.cards.style.body_size, 60.0);
    }

    #[test]
    fn user_look_replaces_the_base_look() {
        for (name, _) in LOOKS {
            let text = format!("base = \"reels\"\n[cards]\nlook = \"{name}\"\n");
            let p = Preset::from_override_toml(&text, "mine.toml").unwrap();
            assert_eq!(p.cards.look.as_deref(), Some(*name));
            assert_eq!(p.cards.style, CardStyle::look(name).unwrap(), "{name}");
            // Everything else is the base's.
            let reels = Preset::built_in("reels").unwrap();
            assert_eq!(p.safe_zone, reels.safe_zone);
            assert_eq!(p.cards.went_wrong_heading, reels.cards.went_wrong_heading);
        }
    }

    #[test]
    fn own_style_keys_go_on_top_of_the_look() {
        let text = "[cards]\nlook = \"banner\"\nlesson_heading = \"LEÇON\"\n\n\
                    [cards.style]\nbox_color = \"#3FA7FF\"\nshadow_offset = [2.0, 3.0]\n";
        let p = Preset::from_override_toml(text, "blue.toml").unwrap();
        let mut want = CardStyle::look("banner").unwrap();
        want.box_color = Rgb([0x3F, 0xA7, 0xFF]);
        want.shadow_offset = [2.0, 3.0];
        assert_eq!(p.cards.style, want);
        assert_eq!(p.cards.lesson_heading, "LEÇON");

        // Without a look of its own the file changes keys of the base's look.
        let p =
            Preset::from_override_toml("[cards.style]\nweight = \"regular\"\n", "r.toml").unwrap();
        let mut want = CardStyle::look("boxed").unwrap();
        want.weight = FontWeight::Regular;
        assert_eq!(p.cards.style, want);
        assert_eq!(p.cards.look.as_deref(), Some("boxed"));
    }

    #[test]
    fn unknown_look_is_an_error_naming_file_line_and_looks() {
        let err = Preset::from_override_toml("[cards]\n\nlook = \"sparkly\"\n", "dir/my.toml")
            .unwrap_err();
        let msg = err.to_string();
        for part in ["dir/my.toml:3:1: ", "sparkly", "boxed, outline, banner"] {
            assert!(msg.contains(part), "{part}: {msg}");
        }
        let err = Preset::from_override_toml("[cards]\nlook = 3\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("look"), "{err}");
        // Bad values of the new fields are reported too.
        for bad in [
            "weight = \"heavy\"",
            "shadow_color = \"black\"",
            "shadow_opacity = 2.0",
            "shadow_blur = -1.0",
            "shadow_offset = [1.0]",
            "shadow_offset = [0.0, 1000.0]",
            "box_full_width = \"yes\"",
        ] {
            let text = format!("[cards.style]\n{bad}\n");
            let err = Preset::from_override_toml(&text, "t.toml").unwrap_err();
            assert!(err.to_string().contains("t.toml"), "{bad}: {err}");
        }
    }

    #[test]
    fn resolved_preset_round_trips_through_a_user_file() {
        let p = Preset::from_override_toml(
            "[cards]\nlook = \"outline\"\n[cards.style]\nbody_size = 70.0\n",
            "o.toml",
        )
        .unwrap();
        let again = Preset::from_override_toml(&p.to_toml(), "o.toml").unwrap();
        assert_eq!(p, again);
        let direct: Preset = toml::from_str(&p.to_toml()).unwrap();
        assert_eq!(p, direct);
    }

    #[test]
    fn colors_parse() {
        let parse = |s: &str| s.parse::<Rgb>().ok().map(|c| c.0);
        assert_eq!(parse("#FFD23F"), Some([255, 210, 63]));
        assert_eq!(parse("FFD23F"), None);
        assert_eq!(parse("#FFD23"), None);
    }

    #[test]
    fn preset_names_cannot_steer_a_write_outside_the_output_folder() {
        for (name, words) in [
            ("x/../../../tmp/evil", "without / or \\"),
            ("a\\\\b", "without / or \\"),
            ("..", "\"..\""),
            ("", "must not be empty"),
            ("tab\\there", "control characters"),
        ] {
            let text = format!("base = \"reels\"\nname = \"{name}\"\n");
            let err = Preset::from_override_toml(&text, "evil.toml").unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with("evil.toml:2:1: `name` must"),
                "{name:?}: {msg}"
            );
            assert!(msg.contains(words), "{name:?}: {msg}");
        }
        // A name taken from the file name is checked too, and the fix is named.
        let err = Preset::from_override_toml("[video]\ncrf = 20\n", "dir/a..b.toml").unwrap_err();
        assert!(err.to_string().contains("set `name = "), "{err}");
    }

    #[test]
    fn preset_errors_are_file_line_column_and_plain_words() {
        let err = Preset::from_override_toml("[video]\ncrf = \"high\"\n", "t.toml").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("t.toml:2:1: `video.crf` must be a whole number from 1 to 51"),
            "{msg}"
        );
        assert!(msg.ends_with("not \"high\""), "{msg}");
        assert!(
            !msg.contains("invalid type") && !msg.contains("expected"),
            "{msg}"
        );
        let msg = Preset::from_override_toml("[cards]\nanimation = \"spin\"\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "t.toml:2:1: `cards.animation` must be one of none, fade, slide, pop, not \"spin\""
        );
        let msg = Preset::from_override_toml("[video]\nfill = \"red\"\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("t.toml:2:1: `video.fill` must be \"blur\" or a colour"),
            "{msg}"
        );
        // Every bad value is listed, not only the first.
        let msg = Preset::from_override_toml(
            "[video]\nx264_preset = \"warp\"\ncrf = 1.5\nfiil = \"blur\"\n[cards]\nlook = \"x\"\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(msg.lines().count(), 4, "{msg}");
        for at in [
            "t.toml:2:1: ",
            "t.toml:3:1: ",
            "t.toml:4:1: ",
            "t.toml:6:1: ",
        ] {
            assert!(msg.contains(at), "{at}: {msg}");
        }
        let msg = Preset::from_override_toml("[video\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("t.toml:1:"), "{msg}");
        // Values out of range: every one, each at its own line.
        let err = Preset::from_override_toml(
            "[video]\nkeyframe_interval_s = 0.0\n[audio]\nbitrate_kbps = 8\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(
            lines[0].starts_with("t.toml:2:1: `video.keyframe_interval_s`"),
            "{err}"
        );
        assert!(
            lines[1].starts_with("t.toml:4:1: `audio.bitrate_kbps`"),
            "{err}"
        );
    }

    #[test]
    fn impossible_encoder_settings_are_refused_with_the_valid_range() {
        let msg = Preset::from_override_toml("[video]\ncrf = 0\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("t.toml:2:1: `video.crf` must be a whole number from 1 to 51"),
            "{msg}"
        );
        let msg =
            Preset::from_override_toml("[video]\nwidth = 20000\nheight = 20000\n", "big.toml")
                .unwrap_err()
                .to_string();
        assert!(
            msg.starts_with("big.toml:2:1: the video size 20000x20000"),
            "{msg}"
        );
        assert!(msg.contains("level 4.1"), "{msg}");
        let msg = Preset::from_override_toml("[video]\nfps = 240\n", "fast.toml")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("fast.toml:2:1: `video.fps` must be a whole number from 1 to 120"),
            "{msg}"
        );
        let msg = Preset::from_override_toml("[video]\nheight = 4200\n", "tall.toml")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("tall.toml:2:1: the video size 1080x4200"),
            "{msg}"
        );
        let msg = Preset::from_override_toml("[video]\nfps = 100\n", "fast.toml")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("at most 64 fps"), "{msg}");
        // Sizes that overflow the safe-zone sum are an error, not a panic.
        assert!(Preset::from_override_toml(
            "[safe_zone]\ntop = 4294967295\nbottom = 4294967295\n",
            "t.toml"
        )
        .is_err());
    }
}

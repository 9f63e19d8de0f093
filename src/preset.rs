//! Presets: everything a platform dictates, as data.
//!
//! The built-in presets live in `presets/*.toml` and are embedded in the binary. A user's
//! TOML file may set `base = "<built-in>"` (default `tiktok`) and override any field; unknown
//! keys and wrong types are errors that name the file, the key and its line.
//!
//! The cards' style starts from a *look* (`presets/looks/*.toml`, also embedded): a preset
//! that sets `look = "<name>"` in `[cards]` gets that look's whole `[style]` table, and the
//! keys of its own `[cards.style]` table (the built-in preset's, then the user file's) are
//! laid on top.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The built-in presets, as (name, TOML text), in the order `failreel presets` lists them.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("tiktok", include_str!("../presets/tiktok.toml")),
    ("reels", include_str!("../presets/reels.toml")),
    ("shorts", include_str!("../presets/shorts.toml")),
];

/// The built-in looks of the cards, as (name, TOML text with a `[style]` table of
/// [`CardStyle`] fields), in the order error messages list them.
pub const LOOKS: &[(&str, &str)] = &[
    ("boxed", include_str!("../presets/looks/boxed.toml")),
    ("outline", include_str!("../presets/looks/outline.toml")),
    ("banner", include_str!("../presets/looks/banner.toml")),
];

/// A complete, validated preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Short name, used in default output names (`<stem>.<name>.mp4`).
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
    /// x264 constant rate factor (0–51, lower is better).
    pub crf: u8,
    /// x264 speed preset (ultrafast … veryslow).
    pub x264_preset: String,
    /// VBV maximum bitrate in kbit/s (0 = unconstrained).
    pub max_bitrate_kbps: u32,
    /// Seconds between keyframes (closed GOP).
    pub keyframe_interval_s: f64,
    /// Beside a picture narrower than 9:16: `blur` (a blurred copy) or a colour `#RRGGBB`.
    #[serde(default = "blur")]
    pub fill: String,
}

fn blur() -> String {
    "blur".into()
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
    #[serde(default = "yes")]
    pub normalize: bool,
}

fn fade() -> String {
    "fade".into()
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

/// Where a card sits inside the safe zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardPosition {
    /// Top of the safe zone.
    Top,
    /// Vertically centred in the safe zone.
    Center,
    /// Bottom of the safe zone.
    Bottom,
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
    #[serde(default = "fade")]
    pub animation: String,
    /// Length of the in and out animations in seconds (at most 0.5).
    pub animation_s: f64,
    /// The built-in look (see [`LOOKS`]) the style started from, if any. Resolution has
    /// already applied it: `style` is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look: Option<String>,
    /// The look of both cards.
    pub style: CardStyle,
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
    pub text_color: String,
    /// Heading colour, `#RRGGBB`.
    pub heading_color: String,
    /// Box colour, `#RRGGBB`.
    pub box_color: String,
    /// Box opacity, 0 (no box) to 1.
    pub box_opacity: f32,
    /// Box corner radius in pixels.
    pub box_radius: f32,
    /// Whether the box spans the whole width of the safe zone (a banner) instead of hugging
    /// the text.
    #[serde(default)]
    pub box_full_width: bool,
    /// Padding inside the box in pixels.
    pub padding: f32,
    /// Text outline width in pixels (0 for none).
    pub outline_width: f32,
    /// Text outline colour, `#RRGGBB`.
    pub outline_color: String,
    /// Colour of the text's drop shadow, `#RRGGBB`.
    #[serde(default = "default_shadow_color")]
    pub shadow_color: String,
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

/// Weight of card text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FontWeight {
    /// Regular (400).
    Regular,
    /// Bold (700), the default.
    #[default]
    Bold,
}

fn default_line_spacing() -> f32 {
    1.2
}

fn default_shadow_color() -> String {
    "#000000".into()
}

/// Preset errors: always configuration errors (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    /// A name that is neither built in nor an existing file.
    #[error(
        "unknown preset `{0}`: use one of tiktok, reels, shorts, or a path to a preset .toml file"
    )]
    Unknown(String),
    /// The preset file could not be read.
    #[error("{path}: cannot read preset file: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The preset file is not valid TOML or has a wrong key or type.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, with the line when known.
        message: String,
    },
}

/// Parses a colour written `#RRGGBB` into its components.
pub fn parse_color(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let v = u32::from_str_radix(hex, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
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
        if !path.is_file() {
            if looks_like_file {
                return Err(PresetError::Read {
                    path: name_or_path.to_string(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                });
            }
            return Err(PresetError::Unknown(name_or_path.to_string()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| PresetError::Read {
            path: name_or_path.to_string(),
            source,
        })?;
        Self::from_override_toml(&text, name_or_path)
    }

    /// Builds a preset from a user's TOML text: `base` (default `tiktok`) with every field the
    /// text sets replaced. The cards' style is the look named by `cards.look` (the user's, or
    /// else the base's), then the base's own `[cards.style]` keys, then the user's.
    /// `origin` names the file in errors.
    pub fn from_override_toml(text: &str, origin: &str) -> Result<Preset, PresetError> {
        let invalid = |message: String| PresetError::Invalid {
            path: origin.to_string(),
            message,
        };
        let mut user: toml::Table = toml::from_str(text).map_err(|e| {
            invalid(format!(
                "not valid TOML: {}",
                e.to_string().replace('\n', " ").trim()
            ))
        })?;
        let base_name = match user.remove("base") {
            None => "tiktok".to_string(),
            Some(toml::Value::String(s)) => s,
            Some(_) => {
                return Err(invalid(
                    "`base` must be a preset name such as \"tiktok\"".into(),
                ))
            }
        };
        let base_text = BUILT_IN
            .iter()
            .find(|(n, _)| *n == base_name)
            .map(|(_, t)| *t)
            .ok_or_else(|| invalid(format!("unknown base preset `{base_name}`")))?;
        let mut merged: toml::Table =
            toml::from_str(base_text).expect("built-in presets are valid");
        if !user.contains_key("name") {
            let stem = Path::new(origin)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "custom".into());
            user.insert("name".into(), toml::Value::String(stem));
        }
        merge(&mut merged, user);
        apply_look(&mut merged).map_err(|msg| {
            invalid(match line_of_key(text, "look") {
                Some(l) => format!("line {l}: {msg}"),
                None => msg,
            })
        })?;
        let preset: Preset =
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    let msg = e.message().to_string();
                    let line = unknown_key_line(text, &msg);
                    invalid(match line {
                        Some(l) => format!("line {l}: {msg}"),
                        None => msg,
                    })
                })?;
        preset.validate().map_err(invalid)?;
        Ok(preset)
    }

    /// Checks the values a platform and the encoder can accept.
    pub fn validate(&self) -> Result<(), String> {
        let v = &self.video;
        if v.width < 16
            || v.height < 16
            || !v.width.is_multiple_of(2)
            || !v.height.is_multiple_of(2)
        {
            return Err(format!(
                "video size {}x{} must be even and at least 16x16",
                v.width, v.height
            ));
        }
        if !(1..=240).contains(&v.fps) {
            return Err(format!("video.fps {} must be between 1 and 240", v.fps));
        }
        if v.crf > 51 {
            return Err(format!("video.crf {} must be between 0 and 51", v.crf));
        }
        if !X264_PRESETS.contains(&v.x264_preset.as_str()) {
            return Err(format!(
                "video.x264_preset `{}` must be one of {}",
                v.x264_preset,
                X264_PRESETS.join(", ")
            ));
        }
        if v.fill != "blur" && parse_color(&v.fill).is_none() {
            return Err(format!(
                "video.fill `{}` must be \"blur\" or a colour #RRGGBB",
                v.fill
            ));
        }
        if !(v.keyframe_interval_s > 0.0 && v.keyframe_interval_s <= 10.0) {
            return Err("video.keyframe_interval_s must be between 0 and 10 seconds".into());
        }
        if ![8000, 16000, 22050, 24000, 32000, 44100, 48000].contains(&self.audio.sample_rate) {
            return Err(format!(
                "audio.sample_rate {} is not an AAC rate (use 48000)",
                self.audio.sample_rate
            ));
        }
        if !(-40.0..=0.0).contains(&self.audio.loudness_lufs)
            || !(-12.0..=0.0).contains(&self.audio.true_peak_dbtp)
        {
            return Err(
                "audio.loudness_lufs must be -40..0 and audio.true_peak_dbtp -12..0".into(),
            );
        }
        if !(32..=512).contains(&self.audio.bitrate_kbps) {
            return Err("audio.bitrate_kbps must be between 32 and 512".into());
        }
        if !(self.length.min_s >= 0.0 && self.length.max_s > self.length.min_s) {
            return Err("length.max_s must be greater than length.min_s".into());
        }
        let z = &self.safe_zone;
        if z.left + z.right + 64 > v.width || z.top + z.bottom + 64 > v.height {
            return Err("safe_zone leaves no room for cards".into());
        }
        if !(0.0..=0.5).contains(&self.cards.animation_s) {
            return Err("cards.animation_s must be between 0 and 0.5 seconds".into());
        }
        if crate::plan::Animation::parse(&self.cards.animation).is_none() {
            return Err(format!(
                "cards.animation `{}` must be none, fade, slide or pop",
                self.cards.animation
            ));
        }
        let s = &self.cards.style;
        for (key, c) in [
            ("text_color", &s.text_color),
            ("heading_color", &s.heading_color),
            ("box_color", &s.box_color),
            ("outline_color", &s.outline_color),
            ("shadow_color", &s.shadow_color),
        ] {
            if parse_color(c).is_none() {
                return Err(format!("cards.style.{key} `{c}` must be written #RRGGBB"));
            }
        }
        if !(s.min_body_size >= 8.0 && s.body_size >= s.min_body_size && s.heading_size >= 8.0) {
            return Err(
                "cards.style sizes must be at least 8 and body_size >= min_body_size".into(),
            );
        }
        if !(0.0..=1.0).contains(&s.box_opacity) {
            return Err("cards.style.box_opacity must be between 0 and 1".into());
        }
        if !(0.8..=3.0).contains(&s.line_spacing) {
            return Err("cards.style.line_spacing must be between 0.8 and 3".into());
        }
        if !(0.0..=1.0).contains(&s.shadow_opacity) {
            return Err("cards.style.shadow_opacity must be between 0 and 1".into());
        }
        if !(0.0..=MAX_SHADOW_BLUR).contains(&s.shadow_blur) {
            return Err(format!(
                "cards.style.shadow_blur must be between 0 and {MAX_SHADOW_BLUR} pixels"
            ));
        }
        if !s
            .shadow_offset
            .iter()
            .all(|v| (-MAX_SHADOW_OFFSET..=MAX_SHADOW_OFFSET).contains(v))
        {
            return Err(format!(
                "cards.style.shadow_offset must be [x, y] with each between -{MAX_SHADOW_OFFSET} and {MAX_SHADOW_OFFSET} pixels"
            ));
        }
        if !(s.outline_width >= 0.0 && s.padding >= 0.0 && s.box_radius >= 0.0) {
            return Err(
                "cards.style.outline_width, padding and box_radius must not be negative".into(),
            );
        }
        Ok(())
    }

    /// The preset as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a preset always serialises")
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
    /// The built-in look with this name (see [`LOOKS`]), or `None`.
    pub fn look(name: &str) -> Option<CardStyle> {
        toml::Value::Table(look_table(name)?).try_into().ok()
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

/// The x264 speed presets, fastest first.
pub const X264_PRESETS: &[&str] = &[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
];

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

/// Finds the line of the key a serde message complains about (`unknown field `x``).
fn unknown_key_line(text: &str, msg: &str) -> Option<usize> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    line_of_key(text, &msg[start..end])
}

/// The first line (1-based) of `text` that sets `key` or opens a table named `key`.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || t.trim_start_matches('[')
                    .trim_end_matches(']')
                    .ends_with(key)
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(p.video.crf, 18);
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
    }

    #[test]
    fn typo_is_reported_with_its_line() {
        let err = Preset::from_override_toml("[video]\n\ncrff = 18\n", "typo.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("typo.toml"), "{msg}");
        assert!(msg.contains("crff"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
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
            Err(PresetError::Read { .. })
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
            (s.text_color.as_str(), s.heading_color.as_str()),
            ("#FFFFFF", "#FFD23F")
        );
        assert_eq!((s.box_color.as_str(), s.box_opacity), ("#000000", 0.68));
        assert_eq!(
            (s.box_radius, s.padding, s.outline_width),
            (28.0, 34.0, 2.0)
        );
        assert_eq!(s.outline_color, "#000000");
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
        want.box_color = "#3FA7FF".into();
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
        for part in ["dir/my.toml", "line 3", "sparkly", "boxed, outline, banner"] {
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
        assert_eq!(parse_color("#FFD23F"), Some([255, 210, 63]));
        assert_eq!(parse_color("FFD23F"), None);
        assert_eq!(parse_color("#FFD23"), None);
    }
}

//! Overlay cards: text laid out and rasterised with the fonts the binary carries.
//!
//! A card is an optional heading (e.g. "WHAT WENT WRONG") above body text, drawn in the
//! preset's style ([`CardStyle`]): each glyph with an optional outline and soft drop shadow,
//! in an optional translucent rounded box that hugs the text or spans the safe zone (a
//! banner). [`TextEngine::render_card`] lays the card out inside a platform's safe zone,
//! shrinking the body text and finally cutting it with an ellipsis so that it never grows past
//! a given share of the safe zone, and returns straight (non-premultiplied) RGBA pixels with
//! the card's place on the frame.
//!
//! Text is shaped with HarfBuzz rules (kerning, ligatures, Arabic joining, Indic conjuncts),
//! laid out right to left where the Unicode bidirectional algorithm says so, and wrapped at
//! Unicode line-break opportunities. Only the embedded fonts are used, never system fonts, so
//! the same input gives the same pixels on every machine: Noto Sans for the text, and per
//! character, for what it lacks, Noto Sans Arabic, Hebrew, Devanagari, Bengali, Tamil, Thai,
//! Noto Sans CJK (Japanese, Korean or Chinese glyph shapes, chosen from the text) and Noto
//! Color Emoji. `assets/fonts/README.md` lists the files and their licences.

use crate::config::preset::{CardPosition, CardStyle, FontWeight, SafeZone};
use cosmic_text::{
    fontdb, Attrs, Buffer, Color, Fallback, Family, FontSystem, LayoutRun, Metrics, Shaping,
    SwashCache, Weight, Wrap,
};
use std::sync::{Arc, OnceLock};
use unicode_script::{Script, UnicodeScript};

/// Every font failreel carries, as static bytes: each engine shares them, none copies them.
/// All are licensed under the SIL Open Font License 1.1 (`assets/fonts/OFL.txt`).
const FONTS: &[&[u8]] = &[
    include_bytes!("../../assets/fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansHebrew-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansHebrew-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansDevanagari-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansDevanagari-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansBengali-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansBengali-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansTamil-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansTamil-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansThai-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansThai-Regular.ttf"),
    // Bold only: it stands in for the regular weight too (see `fill_in_weights`).
    include_bytes!("../../assets/fonts/NotoSansCJK-Bold.ttc"),
    // Colour bitmaps, one (regular) weight.
    include_bytes!("../../assets/fonts/NotoColorEmoji.ttf"),
];
/// Family name of the main font.
const FAMILY: &str = "Noto Sans";
/// Family name of the emoji font.
const EMOJI_FAMILY: &str = "Noto Color Emoji";
/// Faces of the CJK collection that are never used (its monospaced variants).
const UNUSED_FAMILY_PREFIX: &str = "Noto Sans Mono CJK";
/// The CJK faces, for Chinese (simplified first), Japanese and Korean text. Han characters
/// have regional shapes, so each list starts with the face for that language; the others
/// follow for the rare character it lacks.
const CJK_ZH: &[&str] = &[
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
];
const CJK_JA: &[&str] = &[
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK KR",
];
const CJK_KO: &[&str] = &[
    "Noto Sans CJK KR",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK JP",
];
/// What is tried, in order, for a character that neither Noto Sans nor its script's font
/// has (punctuation, symbols, emoji): after the emoji font, the CJK faces (full-width
/// punctuation, CJK symbols).
const COMMON_ZH: &[&str] = &[FAMILY, EMOJI_FAMILY, "Noto Sans CJK SC", "Noto Sans CJK TC"];
const COMMON_JA: &[&str] = &[FAMILY, EMOJI_FAMILY, "Noto Sans CJK JP", "Noto Sans CJK SC"];
const COMMON_KO: &[&str] = &[FAMILY, EMOJI_FAMILY, "Noto Sans CJK KR", "Noto Sans CJK SC"];
/// Line height as a multiple of the font size, for [`TextEngine::shape`] and styles with a
/// silly `line_spacing`.
const LINE_SPACING: f32 = 1.2;
/// Space between heading and body, as a multiple of the heading size.
const HEADING_GAP: f32 = 0.4;
/// Extra letter spacing of the heading, in em (only for scripts whose letters stand apart).
const HEADING_TRACKING: f32 = 0.04;
/// How much the body size shrinks per auto-fit step, in pixels.
const SHRINK_STEP: f32 = 2.0;
/// Largest outline width honoured, in pixels (keeps rasterising fast whatever the preset says).
const MAX_OUTLINE: f32 = 24.0;
/// Largest shadow blur honoured, in pixels.
const MAX_BLUR: f32 = crate::config::preset::MAX_SHADOW_BLUR;
/// Largest shadow offset honoured on either axis, in pixels.
const MAX_OFFSET: f32 = crate::config::preset::MAX_SHADOW_OFFSET;
/// Largest text size honoured, in pixels.
const MAX_TEXT_SIZE: f32 = 1000.0;
/// Size [`TextEngine::shape`] lays text out at, in pixels.
const SHAPE_SIZE: f32 = 60.0;
/// What ends text that had to be cut.
const ELLIPSIS: char = '…';
/// Longest heading or body laid out, in characters: far more than any card can show even
/// at the smallest size, so longer text would be cut anyway; this keeps huge input fast.
const MAX_CHARS: usize = 10_000;

/// Which language's glyph shapes CJK text gets (Han characters differ by region).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CjkLocale {
    /// Simplified Chinese: the default.
    Chinese,
    /// Japanese: text with kana.
    Japanese,
    /// Korean: text with Hangul.
    Korean,
}

impl CjkLocale {
    /// The locale for a card's text: Japanese when it has kana, else Korean when it has
    /// Hangul, else Chinese.
    fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut korean = false;
        for c in texts.into_iter().flat_map(str::chars) {
            match c.script() {
                Script::Hiragana | Script::Katakana => return CjkLocale::Japanese,
                Script::Hangul => korean = true,
                _ => {}
            }
        }
        if korean {
            CjkLocale::Korean
        } else {
            CjkLocale::Chinese
        }
    }

    /// The locale tag given to the font system.
    fn tag(self) -> &'static str {
        match self {
            CjkLocale::Chinese => "zh-CN",
            CjkLocale::Japanese => "ja",
            CjkLocale::Korean => "ko",
        }
    }
}

/// The font fallback of the embedded fonts: the same on every platform (cosmic-text's own
/// lists name system fonts, and differ between Linux, macOS and Windows).
///
/// For each run of text cosmic-text tries the default family (Noto Sans), then the families
/// listed for each script of the run, then the common families, then every other font,
/// keeping per character cluster the first font that has a glyph for it. Families are
/// matched only at the exact weight asked for, which is why every family is in the database
/// at both weights (see `fill_in_weights`).
#[derive(Debug)]
struct Fallbacks(CjkLocale);

impl Fallback for Fallbacks {
    fn common_fallback(&self) -> &[&'static str] {
        match self.0 {
            CjkLocale::Chinese => COMMON_ZH,
            CjkLocale::Japanese => COMMON_JA,
            CjkLocale::Korean => COMMON_KO,
        }
    }

    fn forbidden_fallback(&self) -> &[&'static str] {
        &[]
    }

    fn script_fallback(&self, script: Script, _locale: &str) -> &[&'static str] {
        match script {
            Script::Arabic => &["Noto Sans Arabic"],
            Script::Hebrew => &["Noto Sans Hebrew"],
            Script::Devanagari => &["Noto Sans Devanagari"],
            Script::Bengali => &["Noto Sans Bengali"],
            Script::Tamil => &["Noto Sans Tamil"],
            Script::Thai => &["Noto Sans Thai"],
            Script::Hiragana | Script::Katakana => CJK_JA,
            Script::Hangul => CJK_KO,
            Script::Han | Script::Bopomofo => match self.0 {
                CjkLocale::Chinese => CJK_ZH,
                CjkLocale::Japanese => CJK_JA,
                CjkLocale::Korean => CJK_KO,
            },
            _ => &[],
        }
    }
}

/// The font database of the embedded fonts, parsed once per process; engines clone it
/// (cheap: the font bytes are shared, not copied).
fn database() -> &'static fontdb::Database {
    static DB: OnceLock<fontdb::Database> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        for &font in FONTS {
            db.load_font_source(fontdb::Source::Binary(Arc::new(font)));
        }
        let unused: Vec<fontdb::ID> = db
            .faces()
            .filter(|f| {
                f.families
                    .iter()
                    .any(|(name, _)| name.starts_with(UNUSED_FAMILY_PREFIX))
            })
            .map(|f| f.id)
            .collect();
        for id in unused {
            db.remove_face(id);
        }
        fill_in_weights(&mut db);
        db.set_sans_serif_family(FAMILY);
        db
    })
}

/// Makes every family available at both text weights: a family carried in one weight only
/// (the CJK collection is bold, the emoji font regular) is entered a second time, with the
/// same font data, at the weight it lacks. cosmic-text falls back only to fonts of the exact
/// weight asked for, so without this those fonts would be reached, if at all, only as a last
/// resort, in no particular order.
fn fill_in_weights(db: &mut fontdb::Database) {
    let weights = [Weight::NORMAL, Weight::BOLD];
    let mut extra = Vec::new();
    for face in db.faces() {
        let Some((family, _)) = face.families.first() else {
            continue;
        };
        for weight in weights {
            let has = db.faces().any(|f| {
                f.weight == weight
                    && f.style == face.style
                    && f.families.first() == face.families.first()
            });
            let already = extra.iter().any(|e: &fontdb::FaceInfo| {
                e.weight == weight
                    && e.style == face.style
                    && e.families.first().map(|f| &f.0) == Some(family)
            });
            if !has && !already {
                let mut copy = face.clone();
                copy.weight = weight;
                extra.push(copy);
            }
        }
    }
    for face in extra {
        db.push_face_info(face);
    }
}

/// A rasterised card: straight (non-premultiplied) RGBA pixels and where they go on the frame.
#[derive(Debug, Clone)]
pub struct CardImage {
    /// Left edge of the card on the frame, in pixels.
    pub x: u32,
    /// Top edge of the card on the frame, in pixels.
    pub y: u32,
    /// Width of the card in pixels (0 when there is nothing to show).
    pub width: u32,
    /// Height of the card in pixels (0 when there is nothing to show).
    pub height: u32,
    /// `width * height` pixels, row by row, 4 bytes each (R, G, B, A), alpha not premultiplied.
    pub rgba: Vec<u8>,
}

/// Where a card goes on the frame, in output pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width (0 when there is nothing to show).
    pub width: u32,
    /// Height (0 when there is nothing to show).
    pub height: u32,
}

/// How a card's text was made to fit its share of the safe zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardFit {
    /// The text was cut and ends with "…".
    pub cut: bool,
    /// The body's text size after auto-fit (the style's `body_size` when it was not shrunk).
    pub body_size: f32,
}

/// Why a card cannot be rendered at all. Text that is too long is never an error: it is
/// shrunk and then cut with an ellipsis.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CardError {
    /// The safe zone is empty: its bands cover the whole width or height of the frame.
    #[error(
        "the safe zone (top {}, bottom {}, left {}, right {}) leaves no room for a card in a {}x{} frame",
        .safe.top, .safe.bottom, .safe.left, .safe.right, .frame.0, .frame.1
    )]
    NoRoom {
        /// Width and height of the output frame.
        frame: (u32, u32),
        /// The safe zone that was asked for.
        safe: SafeZone,
    },
    /// Drawn somewhere else than the plan laid it out (a plan made by another version of
    /// failreel, or fonts that changed).
    #[error("the card was planned at {planned:?} but drawn at {drawn:?}: plan the reel again")]
    Moved {
        /// Where the plan put it.
        planned: CardRect,
        /// Where drawing put it.
        drawn: CardRect,
    },
}

/// One glyph of shaped text, as [`TextEngine::shape`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapedGlyph {
    /// The characters the glyph draws: its cluster, one or more characters (a ligature, an
    /// Indic conjunct, an emoji sequence), or part of one when a cluster needs several glyphs.
    pub text: String,
    /// Byte offset of those characters in the text of their line (a line of the input text,
    /// i.e. between `\n`s).
    pub start: usize,
    /// Family name of the font that draws it (e.g. "Noto Sans Arabic").
    pub family: String,
    /// Glyph index in that font; 0 is the font's "missing glyph", drawn as an empty box.
    pub glyph_id: u16,
    /// Left edge on its line, in pixels from the line's left end (at 60 px text).
    pub x: f32,
    /// Advance width in pixels.
    pub width: f32,
    /// Line it is on (0 for the first).
    pub line: usize,
    /// Whether it belongs to a right-to-left run.
    pub rtl: bool,
}

/// A font system over `db` with failreel's own font fallback for `locale`.
fn font_system(db: fontdb::Database, locale: CjkLocale) -> FontSystem {
    FontSystem::new_with_locale_and_db_and_fallback(locale.tag().to_string(), db, Fallbacks(locale))
}

/// Text layout and rasterisation with the fonts the binary carries (never system fonts, so
/// every machine renders the same).
pub struct TextEngine {
    fonts: FontSystem,
    /// Whose glyph shapes CJK text gets with `fonts` as it is set up now.
    locale: CjkLocale,
    cache: SwashCache,
}

impl Default for TextEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TextEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextEngine").finish_non_exhaustive()
    }
}

/// The style with every number made usable and every colour resolved.
struct Look {
    body_size: f32,
    min_body_size: f32,
    heading_size: f32,
    line_spacing: f32,
    body_weight: Weight,
    heading_weight: Weight,
    text: [u8; 3],
    heading: [u8; 3],
    box_rgb: [u8; 3],
    box_opacity: f32,
    box_radius: f32,
    full_width: bool,
    padding: f32,
    outline_width: f32,
    outline_rgb: [u8; 3],
    shadow: Option<Shadow>,
}

/// A drop shadow under the text (and its outline).
#[derive(Debug, Clone, Copy)]
struct Shadow {
    rgb: [u8; 3],
    opacity: f32,
    /// Whole pixels to the right and down.
    dx: i32,
    dy: i32,
    /// Radius of each of the three box-blur passes that approximate a Gaussian blur.
    pass_radius: usize,
}

impl Shadow {
    /// How far past the text the shadow can reach, in pixels.
    fn reach(&self) -> f32 {
        (self.dx.unsigned_abs().max(self.dy.unsigned_abs()) as usize + 3 * self.pass_radius) as f32
    }
}

impl Look {
    fn new(style: &CardStyle) -> Self {
        let size = |v: f32, default: f32| finite_or(v, default).clamp(1.0, MAX_TEXT_SIZE);
        let body_size = size(style.body_size, 60.0);
        let weight = |w: FontWeight| match w {
            FontWeight::Regular => Weight::NORMAL,
            FontWeight::Bold => Weight::BOLD,
        };
        let shadow_opacity = finite_or(style.shadow_opacity, 0.0).clamp(0.0, 1.0);
        let offset = |v: f32| finite_or(v, 0.0).clamp(-MAX_OFFSET, MAX_OFFSET).round() as i32;
        // A blur "radius" b, as in CSS, is a Gaussian of standard deviation b/2; three box
        // blurs of radius r have variance r(r+1).
        let blur = finite_or(style.shadow_blur, 0.0).clamp(0.0, MAX_BLUR);
        let pass_radius = ((1.0 + blur * blur).sqrt() - 1.0) / 2.0;
        Look {
            body_size,
            min_body_size: size(style.min_body_size, body_size).min(body_size),
            heading_size: size(style.heading_size, 40.0),
            line_spacing: finite_or(style.line_spacing, LINE_SPACING).clamp(0.5, 4.0),
            body_weight: weight(style.weight),
            heading_weight: weight(style.heading_weight),
            text: style.text_color.0,
            heading: style.heading_color.0,
            box_rgb: style.box_color.0,
            box_opacity: finite_or(style.box_opacity, 0.0).clamp(0.0, 1.0),
            box_radius: finite_or(style.box_radius, 0.0).max(0.0),
            full_width: style.box_full_width,
            padding: finite_or(style.padding, 0.0).max(0.0),
            outline_width: finite_or(style.outline_width, 0.0).clamp(0.0, MAX_OUTLINE),
            outline_rgb: style.outline_color.0,
            shadow: (shadow_opacity > 0.0).then(|| Shadow {
                rgb: style.shadow_color.0,
                opacity: shadow_opacity,
                dx: offset(style.shadow_offset[0]),
                dy: offset(style.shadow_offset[1]),
                pass_radius: pass_radius.round() as usize,
            }),
        }
    }

    /// Room needed around the text for its outline and shadow, in pixels.
    fn ink_margin(&self) -> f32 {
        self.outline_width + self.shadow.as_ref().map_or(0.0, Shadow::reach) + 1.0
    }
}

/// One laid-out line as the card sees it.
#[derive(Debug, Clone, Copy)]
struct VisualLine {
    /// Paragraph (buffer line) it belongs to.
    para: usize,
    /// Byte range of the paragraph's text shown on this line.
    start: usize,
    end: usize,
    /// Horizontal extent of its visible glyphs (trailing spaces excluded).
    left: f32,
    right: f32,
}

impl VisualLine {
    fn of(run: &LayoutRun<'_>) -> Self {
        let mut line = VisualLine {
            para: run.line_i,
            start: usize::MAX,
            end: 0,
            left: f32::INFINITY,
            right: f32::NEG_INFINITY,
        };
        for g in run.glyphs {
            line.start = line.start.min(g.start);
            line.end = line.end.max(g.end);
            let blank = run
                .text
                .get(g.start..g.end)
                .is_some_and(|t| t.chars().all(char::is_whitespace));
            if !blank {
                line.left = line.left.min(g.x);
                line.right = line.right.max(g.x + g.w);
            }
        }
        if line.start == usize::MAX {
            line.start = 0;
        }
        if line.left > line.right {
            line.left = 0.0;
            line.right = 0.0;
        }
        line
    }

    fn width(&self) -> f32 {
        self.right - self.left
    }
}

/// A laid-out block of text (the heading or the body).
struct Block {
    buffer: Buffer,
    color: [u8; 3],
    lines: Vec<VisualLine>,
    line_height: f32,
}

impl Block {
    fn new(buffer: Buffer, color: [u8; 3], line_height: f32) -> Self {
        let lines = buffer
            .layout_runs()
            .map(|run| VisualLine::of(&run))
            .collect();
        Block {
            buffer,
            color,
            lines,
            line_height,
        }
    }

    fn height(&self) -> f32 {
        self.lines.len() as f32 * self.line_height
    }

    fn width(&self) -> f32 {
        self.lines.iter().map(VisualLine::width).fold(0.0, f32::max)
    }
}

/// Where everything goes on a card, before rasterising.
struct Plan {
    heading: Option<Block>,
    body: Option<Block>,
    /// How the text was made to fit.
    fit: CardFit,
    gap: f32,
    padding: f32,
    /// Width available to the text between the paddings.
    inner_width: f32,
    width: u32,
    height: u32,
}

impl TextEngine {
    /// Creates an engine that knows only the embedded fonts (system fonts are never looked
    /// at). Cheap: the fonts are parsed once per process and shared by every engine.
    pub fn new() -> Self {
        let locale = CjkLocale::Chinese;
        TextEngine {
            fonts: font_system(database().clone(), locale),
            locale,
            cache: SwashCache::new(),
        }
    }

    /// Sets up the font fallback for text in `locale` (a no-op when it already is).
    fn use_locale(&mut self, locale: CjkLocale) {
        if self.locale == locale {
            return;
        }
        // Glyph ids stay the same (the same database), so the glyph cache stays valid.
        let placeholder = FontSystem::new_with_locale_and_db_and_fallback(
            String::new(),
            fontdb::Database::new(),
            Fallbacks(locale),
        );
        let (_, db) = std::mem::replace(&mut self.fonts, placeholder).into_locale_and_db();
        self.fonts = font_system(db, locale);
        self.locale = locale;
    }

    /// Shapes `text` as a card would (at 60 px, without wrapping; a `\n` starts a new line)
    /// and reports every glyph: which characters it draws, with which font, and where. For
    /// checking what the fonts cover: a `glyph_id` of 0 is a missing glyph (drawn as an
    /// empty box, "tofu").
    pub fn shape(&mut self, text: &str, weight: FontWeight) -> Vec<ShapedGlyph> {
        let text = capped(text);
        self.use_locale(CjkLocale::of([text.as_ref()]));
        let weight = match weight {
            FontWeight::Regular => Weight::NORMAL,
            FontWeight::Bold => Weight::BOLD,
        };
        let mut buffer = Buffer::new_empty(Metrics::new(SHAPE_SIZE, SHAPE_SIZE * LINE_SPACING));
        buffer.set_wrap(Wrap::None);
        buffer.set_size(None, None);
        buffer.set_text(&text, &text_attrs(weight, 0.0), Shaping::Advanced, None);
        buffer.shape_until_scroll(&mut self.fonts, false);
        let db = self.fonts.db();
        let mut glyphs = Vec::new();
        for run in buffer.layout_runs() {
            for g in run.glyphs {
                let family = db
                    .face(g.font_id)
                    .and_then(|f| f.families.first())
                    .map_or_else(String::new, |(name, _)| name.clone());
                glyphs.push(ShapedGlyph {
                    text: run.text.get(g.start..g.end).unwrap_or("").to_string(),
                    start: g.start,
                    family,
                    glyph_id: g.glyph_id,
                    x: g.x,
                    width: g.w,
                    line: run.line_i,
                    rtl: g.level.is_rtl(),
                });
            }
        }
        glyphs
    }

    /// Lays out and draws one card: optional heading (e.g. "WHAT WENT WRONG", drawn smaller
    /// in `heading_color` and `heading_weight`) above the body text (`text_color`, `weight`),
    /// in a rounded box (`box_color` at `box_opacity`, radius `box_radius`, `padding`), each
    /// glyph with an outline (`outline_width`, `outline_color`) and a blurred drop shadow
    /// under both (`shadow_color` at `shadow_opacity`, `shadow_offset`, `shadow_blur`).
    ///
    /// `frame` is (width, height) of the output frame; the card lies entirely inside the safe
    /// zone. Text is taken literally (a `\n` in the body starts a new line; leading and
    /// trailing whitespace of heading and body is dropped) and wraps at word boundaries, or
    /// inside words too long for a line, to the safe zone's width minus padding. When the
    /// card would be taller than `max_height_fraction` of the safe zone's height, the body
    /// shrinks step by step down to `style.min_body_size`, then its last lines are cut and
    /// it ends with "…". The box is as wide as the widest line plus padding (or, with
    /// `box_full_width`, as wide as the safe zone), centred horizontally in the safe zone; `position` puts it at the top, middle or bottom of the
    /// safe zone. Empty heading means no heading; empty heading and body give an empty
    /// (0x0) image.
    ///
    /// # Errors
    ///
    /// [`CardError::NoRoom`] when the safe zone is empty.
    #[allow(clippy::too_many_arguments)]
    pub fn render_card(
        &mut self,
        heading: &str,
        body: &str,
        style: &CardStyle,
        position: CardPosition,
        frame: (u32, u32),
        safe: SafeZone,
        max_height_fraction: f32,
    ) -> Result<CardImage, CardError> {
        let look = Look::new(style);
        let (plan, rect) = self.place(
            heading,
            body,
            &look,
            position,
            frame,
            safe,
            max_height_fraction,
        )?;
        let rgba = self.rasterise(&plan, &look);
        Ok(CardImage {
            x: rect.x,
            y: rect.y,
            width: rect.width,
            height: rect.height,
            rgba,
        })
    }

    /// Where [`TextEngine::render_card`] puts the card with the same arguments, without
    /// drawing it: the layout alone (fonts shaped, nothing rasterised).
    ///
    /// # Errors
    ///
    /// [`CardError::NoRoom`] when the safe zone is empty.
    #[allow(clippy::too_many_arguments)]
    pub fn layout_card(
        &mut self,
        heading: &str,
        body: &str,
        style: &CardStyle,
        position: CardPosition,
        frame: (u32, u32),
        safe: SafeZone,
        max_height_fraction: f32,
    ) -> Result<CardRect, CardError> {
        self.layout_card_fit(
            heading,
            body,
            style,
            position,
            frame,
            safe,
            max_height_fraction,
        )
        .map(|(rect, _)| rect)
    }

    /// [`TextEngine::layout_card`], and how the text was made to fit (shrunk, cut).
    ///
    /// # Errors
    ///
    /// [`CardError::NoRoom`] when the safe zone is empty.
    #[allow(clippy::too_many_arguments)]
    pub fn layout_card_fit(
        &mut self,
        heading: &str,
        body: &str,
        style: &CardStyle,
        position: CardPosition,
        frame: (u32, u32),
        safe: SafeZone,
        max_height_fraction: f32,
    ) -> Result<(CardRect, CardFit), CardError> {
        let look = Look::new(style);
        self.place(
            heading,
            body,
            &look,
            position,
            frame,
            safe,
            max_height_fraction,
        )
        .map(|(plan, rect)| (rect, plan.fit))
    }

    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        heading: &str,
        body: &str,
        look: &Look,
        position: CardPosition,
        frame: (u32, u32),
        safe: SafeZone,
        max_height_fraction: f32,
    ) -> Result<(Plan, CardRect), CardError> {
        let no_room = || CardError::NoRoom { frame, safe };
        let right = frame.0.checked_sub(safe.right).ok_or_else(no_room)?;
        let bottom = frame.1.checked_sub(safe.bottom).ok_or_else(no_room)?;
        if right <= safe.left || bottom <= safe.top {
            return Err(no_room());
        }
        let (safe_w, safe_h) = (right - safe.left, bottom - safe.top);
        self.use_locale(CjkLocale::of([heading, body]));
        let fraction = finite_or(max_height_fraction, 1.0).clamp(0.0, 1.0);
        let plan = self.plan(heading, body, look, safe_w, safe_h, fraction);
        let x = safe.left + (safe_w - plan.width) / 2;
        let y = match position {
            CardPosition::Top => safe.top,
            CardPosition::Center => safe.top + (safe_h - plan.height) / 2,
            CardPosition::Bottom => bottom - plan.height,
        };
        let rect = CardRect {
            x,
            y,
            width: plan.width,
            height: plan.height,
        };
        Ok((plan, rect))
    }

    /// Decides sizes, lines and the card's dimensions (at most `safe_w` x `safe_h`).
    fn plan(
        &mut self,
        heading: &str,
        body: &str,
        look: &Look,
        safe_w: u32,
        safe_h: u32,
        fraction: f32,
    ) -> Plan {
        let (heading, body) = (capped(heading.trim()), capped(body.trim()));
        let (heading, body) = (heading.as_ref(), body.as_ref());
        let (safe_wf, safe_hf) = (safe_w as f32, safe_h as f32);
        // Keep the outline and shadow inside the card, and leave room for text in tiny safe
        // zones.
        let padding = look
            .padding
            .max(look.ink_margin())
            .min(safe_wf / 4.0)
            .min(safe_hf / 4.0)
            .floor();
        let inner_width = (safe_wf - 2.0 * padding).max(1.0);
        let text_room = fraction * safe_hf - 2.0 * padding;
        let gap = if heading.is_empty() || body.is_empty() {
            0.0
        } else {
            (look.heading_size * HEADING_GAP).round()
        };

        let heading_attrs = text_attrs(look.heading_weight, heading_tracking(heading));
        let body_attrs = text_attrs(look.body_weight, 0.0);
        let heading = (!heading.is_empty()).then(|| {
            let size = look.heading_size;
            let mut buffer = self.layout(
                heading,
                size,
                look.line_spacing,
                inner_width,
                &heading_attrs,
            );
            let line_height = size * look.line_spacing;
            let reserve = if body.is_empty() {
                0.0
            } else {
                gap + look.min_body_size * look.line_spacing
            };
            let cut = self.truncate(
                &mut buffer,
                lines_that_fit(text_room - reserve, line_height),
                &heading_attrs,
            );
            (Block::new(buffer, look.heading, line_height), cut)
        });
        let mut fit = CardFit {
            cut: heading.as_ref().is_some_and(|h| h.1),
            body_size: look.body_size,
        };
        let heading = heading.map(|h| h.0);
        let heading_height = heading.as_ref().map_or(0.0, Block::height);

        let body = (!body.is_empty()).then(|| {
            let room = text_room - heading_height - gap;
            let mut size = look.body_size;
            let mut buffer = self.layout(body, size, look.line_spacing, inner_width, &body_attrs);
            loop {
                let lines = buffer.layout_runs().count();
                if lines as f32 * size * look.line_spacing <= room || size <= look.min_body_size {
                    break;
                }
                size = (size - SHRINK_STEP).max(look.min_body_size);
                buffer.set_metrics(Metrics::new(size, size * look.line_spacing));
                buffer.shape_until_scroll(&mut self.fonts, false);
            }
            let line_height = size * look.line_spacing;
            let cut = self.truncate(&mut buffer, lines_that_fit(room, line_height), &body_attrs);
            (Block::new(buffer, look.text, line_height), cut, size)
        });
        if let Some((_, cut, size)) = &body {
            fit.cut |= *cut;
            fit.body_size = *size;
        }
        let body = body.map(|b| b.0);

        if heading.is_none() && body.is_none() {
            return Plan {
                heading,
                body,
                fit,
                gap,
                padding,
                inner_width,
                width: 0,
                height: 0,
            };
        }
        let text_width = heading
            .iter()
            .chain(body.iter())
            .map(Block::width)
            .fold(0.0, f32::max);
        let text_height = heading_height + gap + body.as_ref().map_or(0.0, Block::height);
        let width = if look.full_width {
            safe_w
        } else {
            ((text_width + 2.0 * padding).ceil() as u32).clamp(1, safe_w)
        };
        let height = ((text_height + 2.0 * padding).ceil() as u32).clamp(1, safe_h);
        Plan {
            heading,
            body,
            fit,
            gap,
            padding,
            inner_width: (width as f32 - 2.0 * padding).max(0.0),
            width,
            height,
        }
    }

    /// Shapes and wraps `text` at `size` to `width`.
    fn layout(
        &mut self,
        text: &str,
        size: f32,
        line_spacing: f32,
        width: f32,
        attrs: &Attrs<'static>,
    ) -> Buffer {
        let mut buffer = Buffer::new_empty(Metrics::new(size, size * line_spacing));
        buffer.set_wrap(Wrap::WordOrGlyph);
        buffer.set_size(Some(width), None);
        self.set_text(&mut buffer, text, attrs);
        buffer
    }

    fn set_text(&mut self, buffer: &mut Buffer, text: &str, attrs: &Attrs<'static>) {
        buffer.set_text(text, attrs, Shaping::Advanced, None);
        buffer.shape_until_scroll(&mut self.fonts, false);
    }

    /// Cuts the text after `max_lines` lines (at least one) and ends it with an ellipsis,
    /// keeping as much of the last line as fits with it.
    fn truncate(&mut self, buffer: &mut Buffer, max_lines: usize, attrs: &Attrs<'static>) -> bool {
        let max_lines = max_lines.max(1);
        if buffer.layout_runs().nth(max_lines).is_none() {
            return false; // it fits already
        }
        let Some(cut) = buffer
            .layout_runs()
            .nth(max_lines - 1)
            .map(|run| VisualLine::of(&run))
        else {
            return false;
        };
        let paragraphs: Vec<String> = buffer.lines.iter().map(|l| l.text().to_string()).collect();
        let mut prefix = String::new();
        for p in paragraphs.iter().take(cut.para) {
            prefix.push_str(p);
            prefix.push('\n');
        }
        let last = paragraphs.get(cut.para).map_or("", String::as_str);
        let end = cut.end.min(last.len());
        let start = cut.start.min(end);
        let ends: Vec<usize> = (start..=end)
            .filter(|&i| last.is_char_boundary(i))
            .collect();
        let candidate = |k: usize| {
            let kept = last.get(..k).unwrap_or("").trim_end();
            format!("{prefix}{kept}{ELLIPSIS}")
        };
        // The whole last line plus "…" rarely fits; find the longest start of it that does.
        let (mut lo, mut hi) = (0, ends.len().saturating_sub(1));
        let fits = |engine: &mut Self, buffer: &mut Buffer, i: usize| {
            engine.set_text(buffer, &candidate(ends.get(i).copied().unwrap_or(0)), attrs);
            buffer.layout_runs().count() <= max_lines
        };
        if !fits(self, buffer, hi) {
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if fits(self, buffer, mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            fits(self, buffer, lo);
        }
        true
    }

    /// Draws the planned card into straight RGBA bytes.
    fn rasterise(&mut self, plan: &Plan, look: &Look) -> Vec<u8> {
        let (w, h) = (plan.width as usize, plan.height as usize);
        if w == 0 || h == 0 {
            return Vec::new();
        }
        let mut fill = Canvas::new(w, h);
        let mut top = plan.padding;
        if let Some(heading) = &plan.heading {
            self.draw_block(heading, &mut fill, plan.padding, top, plan.inner_width);
            top += heading.height() + plan.gap;
        }
        if let Some(body) = &plan.body {
            self.draw_block(body, &mut fill, plan.padding, top, plan.inner_width);
        }
        let outline = dilate(&fill, look.outline_width);
        let shadow = look
            .shadow
            .map(|s| (s, shadow_alpha(&fill, outline.as_deref(), &s)));

        let radius = look.box_radius.min(w as f32 / 2.0).min(h as f32 / 2.0);
        let unit = |c: [u8; 3]| c.map(|v| f32::from(v) / 255.0);
        let (box_rgb, outline_rgb) = (unit(look.box_rgb), unit(look.outline_rgb));
        let box_u8 = look.box_rgb;
        let mut rgba = Vec::with_capacity(w * h * 4);
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let box_a = look.box_opacity * rounded_rect_coverage(x, y, w, h, radius);
                let outline_a = outline.as_ref().map_or(0.0, |o| o[i]);
                let shadow_a = shadow.as_ref().map_or(0.0, |(_, a)| a[i]);
                let fill_px = fill.px[i];
                if outline_a <= 0.0 && fill_px[3] <= 0.0 && shadow_a <= 0.0 {
                    // Most of a card: just the box.
                    rgba.extend_from_slice(&[box_u8[0], box_u8[1], box_u8[2], to_u8(box_a)]);
                    continue;
                }
                // Premultiplied colour and alpha, painted bottom to top: box, shadow,
                // outline, fill.
                let mut px = [
                    box_rgb[0] * box_a,
                    box_rgb[1] * box_a,
                    box_rgb[2] * box_a,
                    box_a,
                ];
                if let Some((s, _)) = &shadow {
                    let [r, g, b] = unit(s.rgb);
                    let a = shadow_a;
                    over(&mut px, [r * a, g * a, b * a, a]);
                }
                let a = outline_a;
                over(
                    &mut px,
                    [
                        outline_rgb[0] * a,
                        outline_rgb[1] * a,
                        outline_rgb[2] * a,
                        a,
                    ],
                );
                over(&mut px, fill_px);
                let a = px[3];
                let straight = |c: f32| if a > 0.0 { c / a } else { 0.0 };
                rgba.extend_from_slice(&[
                    to_u8(straight(px[0])),
                    to_u8(straight(px[1])),
                    to_u8(straight(px[2])),
                    to_u8(a),
                ]);
            }
        }
        rgba
    }

    /// Draws a block's glyphs, each line centred in `inner_width`, with its top at `top`.
    fn draw_block(
        &mut self,
        block: &Block,
        canvas: &mut Canvas,
        left: f32,
        top: f32,
        inner_width: f32,
    ) {
        let TextEngine { fonts, cache, .. } = self;
        let [r, g, b] = block.color;
        let color = Color::rgb(r, g, b);
        for (run, line) in block.buffer.layout_runs().zip(&block.lines) {
            let x = (left + (inner_width - line.width()) / 2.0 - line.left).round();
            let y = top.round() + run.line_y;
            for glyph in run.glyphs {
                let physical = glyph.physical((x, y), 1.0);
                cache.with_pixels(fonts, physical.cache_key, color, |dx, dy, c| {
                    canvas.paint(physical.x + dx, physical.y + dy, c);
                });
            }
        }
    }
}

/// Attributes of card text: Noto Sans (and whatever it falls back to) at `weight`, with
/// `tracking` em of extra letter spacing.
fn text_attrs(weight: Weight, tracking: f32) -> Attrs<'static> {
    let attrs = Attrs::new().family(Family::Name(FAMILY)).weight(weight);
    if tracking != 0.0 {
        attrs.letter_spacing(tracking)
    } else {
        attrs
    }
}

/// Letter spacing for a heading: none when it has letters of a script whose letters join
/// or hang from a common line (Arabic, Devanagari, ...), which spacing would tear apart.
fn heading_tracking(heading: &str) -> f32 {
    let spaced = heading.chars().all(|c| {
        matches!(
            c.script(),
            Script::Latin
                | Script::Greek
                | Script::Cyrillic
                | Script::Common
                | Script::Inherited
                | Script::Unknown
        )
    });
    if spaced {
        HEADING_TRACKING
    } else {
        0.0
    }
}

/// Premultiplied RGBA pixels in 0..=1.
struct Canvas {
    width: usize,
    height: usize,
    px: Vec<[f32; 4]>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Canvas {
            width,
            height,
            px: vec![[0.0; 4]; width * height],
        }
    }

    /// Paints a straight colour with alpha over the pixel at (x, y), if it is on the canvas.
    fn paint(&mut self, x: i32, y: i32, c: Color) {
        let (Ok(x), Ok(y)) = (usize::try_from(x), usize::try_from(y)) else {
            return;
        };
        if x >= self.width || y >= self.height || c.a() == 0 {
            return;
        }
        let a = f32::from(c.a()) / 255.0;
        let src = [
            f32::from(c.r()) / 255.0 * a,
            f32::from(c.g()) / 255.0 * a,
            f32::from(c.b()) / 255.0 * a,
            a,
        ];
        over(&mut self.px[y * self.width + x], src);
    }
}

/// Porter-Duff "over" of premultiplied `src` onto premultiplied `dst`.
fn over(dst: &mut [f32; 4], src: [f32; 4]) {
    let keep = 1.0 - src[3];
    for (d, s) in dst.iter_mut().zip(src) {
        *d = s + *d * keep;
    }
}

/// The outline's alpha: the fill's coverage grown by `width` pixels with a soft edge, or
/// `None` for no outline.
fn dilate(fill: &Canvas, width: f32) -> Option<Vec<f32>> {
    if width <= 0.0 {
        return None;
    }
    let reach = (width + 0.5).ceil() as i32;
    let mut kernel = Vec::new();
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let d = ((dx * dx + dy * dy) as f32).sqrt();
            let k = (width + 0.5 - d).clamp(0.0, 1.0);
            if k > 0.0 {
                kernel.push((dx, dy, k));
            }
        }
    }
    let (w, h) = (fill.width as i32, fill.height as i32);
    let mut out = vec![0.0f32; fill.px.len()];
    for y in 0..h {
        for x in 0..w {
            let c = fill.px[(y * w + x) as usize][3];
            if c <= 0.0 || (c >= 1.0 && solid_neighbours(fill, x, y)) {
                // Nothing to grow, or fully inside a glyph: the neighbours' outline covers
                // everything this pixel's would.
                continue;
            }
            let inside = x >= reach && y >= reach && x < w - reach && y < h - reach;
            for &(dx, dy, k) in &kernel {
                let (nx, ny) = (x + dx, y + dy);
                if inside || (nx >= 0 && ny >= 0 && nx < w && ny < h) {
                    let o = &mut out[(ny * w + nx) as usize];
                    *o = o.max(c * k);
                }
            }
        }
    }
    Some(out)
}

/// The shadow's alpha: the text's silhouette (fill and outline) moved by the shadow's offset,
/// blurred, and scaled by its opacity.
fn shadow_alpha(fill: &Canvas, outline: Option<&[f32]>, shadow: &Shadow) -> Vec<f32> {
    let (w, h) = (fill.width, fill.height);
    let mut alpha = vec![0.0f32; w * h];
    for y in 0..h {
        let Some(sy) = y.checked_add_signed(-shadow.dy as isize).filter(|&v| v < h) else {
            continue;
        };
        for x in 0..w {
            let Some(sx) = x.checked_add_signed(-shadow.dx as isize).filter(|&v| v < w) else {
                continue;
            };
            let i = sy * w + sx;
            let ink = fill.px[i][3].max(outline.map_or(0.0, |o| o[i]));
            alpha[y * w + x] = ink * shadow.opacity;
        }
    }
    if shadow.pass_radius > 0 {
        let mut scratch = Vec::new();
        for _ in 0..3 {
            box_blur(&mut alpha, w, h, shadow.pass_radius, 1, w, &mut scratch);
            box_blur(&mut alpha, h, w, shadow.pass_radius, w, 1, &mut scratch);
        }
        // Rounding noise of the running sums far from any text: no shadow there.
        for a in &mut alpha {
            if *a < 1.0 / 1024.0 {
                *a = 0.0;
            }
        }
    }
    alpha
}

/// One box-blur pass of radius `r` along `lines` lines of `len` values each, the values of a
/// line `step` apart and the lines `stride` apart; outside the image counts as 0.
fn box_blur(
    values: &mut [f32],
    len: usize,
    lines: usize,
    r: usize,
    step: usize,
    stride: usize,
    sums: &mut Vec<f32>,
) {
    let scale = 1.0 / (2 * r + 1) as f32;
    for line in 0..lines {
        let at = |k: usize| line * stride + k * step;
        // Prefix sums: sums[k] is the sum of the first k values.
        sums.clear();
        sums.push(0.0);
        let mut acc = 0.0;
        for k in 0..len {
            acc += values[at(k)];
            sums.push(acc);
        }
        for k in 0..len {
            let lo = k.saturating_sub(r);
            let hi = (k + r + 1).min(len);
            values[at(k)] = ((sums[hi] - sums[lo]) * scale).max(0.0);
        }
    }
}

/// Whether the four neighbours of (x, y) exist and are fully covered.
fn solid_neighbours(fill: &Canvas, x: i32, y: i32) -> bool {
    let (w, h) = (fill.width as i32, fill.height as i32);
    [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
        .iter()
        .all(|&(nx, ny)| {
            nx >= 0 && ny >= 0 && nx < w && ny < h && fill.px[(ny * w + nx) as usize][3] >= 1.0
        })
}

/// How much of pixel (x, y) a `w` x `h` rectangle with corner `radius` covers (0..=1).
fn rounded_rect_coverage(x: usize, y: usize, w: usize, h: usize, radius: f32) -> f32 {
    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
    let (wf, hf) = (w as f32, h as f32);
    // Distance past the corner circle's centre, along each axis (0 away from the corners).
    let qx = (radius - px).max(px - (wf - radius)).max(0.0);
    let qy = (radius - py).max(py - (hf - radius)).max(0.0);
    if qx == 0.0 || qy == 0.0 {
        return 1.0; // the straight edges lie on pixel boundaries
    }
    (radius + 0.5 - (qx * qx + qy * qy).sqrt()).clamp(0.0, 1.0)
}

/// `text`, or its first [`MAX_CHARS`] characters and an ellipsis when it is longer.
fn capped(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_CHARS) {
        None => text.into(),
        Some((end, _)) => format!("{}{ELLIPSIS}", &text[..end]).into(),
    }
}

/// How many lines of `line_height` fit in `room` (at least one).
fn lines_that_fit(room: f32, line_height: f32) -> usize {
    let n = (room / line_height).floor();
    if n.is_finite() && n >= 1.0 {
        n as usize
    } else {
        1
    }
}

fn finite_or(v: f32, default: f32) -> f32 {
    if v.is_finite() {
        v
    } else {
        default
    }
}

/// 0..=1 to 0..=255, rounding to nearest (without a libm call: this runs for every pixel).
fn to_u8(v: f32) -> u8 {
    (v * 255.0 + 0.5).clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset::Preset;

    const FRAME: (u32, u32) = (1080, 1920);
    const FRACTION: f32 = 0.45;
    const LOREM: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
        tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
        exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure \
        dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. ";

    fn preset(name: &str) -> Preset {
        Preset::built_in(name).unwrap()
    }

    fn lorem(chars: usize) -> String {
        LOREM.chars().cycle().take(chars).collect()
    }

    fn render(
        engine: &mut TextEngine,
        p: &Preset,
        heading: &str,
        body: &str,
        pos: CardPosition,
    ) -> CardImage {
        engine
            .render_card(
                heading,
                body,
                &p.cards.style,
                pos,
                FRAME,
                p.safe_zone,
                FRACTION,
            )
            .unwrap()
    }

    fn pixel(card: &CardImage, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * card.width + x) * 4) as usize;
        card.rgba[i..i + 4].try_into().unwrap()
    }

    fn pixels(card: &CardImage) -> impl Iterator<Item = [u8; 4]> + '_ {
        card.rgba.chunks_exact(4).map(|p| [p[0], p[1], p[2], p[3]])
    }

    fn close(a: [u8; 3], b: [u8; 3], tolerance: u8) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
    }

    fn assert_inside_safe_zone(card: &CardImage, safe: SafeZone, what: &str) {
        assert_eq!(
            card.rgba.len(),
            (card.width * card.height * 4) as usize,
            "{what}"
        );
        assert!(card.x >= safe.left, "{what}: x {} < {}", card.x, safe.left);
        assert!(card.y >= safe.top, "{what}: y {} < {}", card.y, safe.top);
        assert!(
            card.x + card.width <= FRAME.0 - safe.right,
            "{what}: right edge {} > {}",
            card.x + card.width,
            FRAME.0 - safe.right
        );
        assert!(
            card.y + card.height <= FRAME.1 - safe.bottom,
            "{what}: bottom edge {} > {}",
            card.y + card.height,
            FRAME.1 - safe.bottom
        );
    }

    #[test]
    fn short_card_has_text_heading_and_box_colours() {
        let p = preset("tiktok");
        let style = &p.cards.style;
        let mut engine = TextEngine::new();
        let card = render(
            &mut engine,
            &p,
            "WHAT WENT WRONG",
            "Burnt the toast",
            CardPosition::Top,
        );
        let text = style.text_color.0;
        let heading = style.heading_color.0;
        let boxc = style.box_color.0;
        let solid = |c: [u8; 3]| {
            pixels(&card)
                .filter(|p| p[3] >= 250 && close([p[0], p[1], p[2]], c, 8))
                .count()
        };
        assert!(solid(text) > 2000, "text pixels: {}", solid(text));
        assert!(solid(heading) > 500, "heading pixels: {}", solid(heading));
        // Inside the padding, left of the text: plain box.
        let box_px = pixel(&card, 8, card.height / 2);
        let box_alpha = to_u8(style.box_opacity);
        assert!(
            close([box_px[0], box_px[1], box_px[2]], boxc, 2),
            "{box_px:?}"
        );
        assert!(
            box_px[3].abs_diff(box_alpha) <= 1,
            "{box_px:?} vs alpha {box_alpha}"
        );
        // Rounded corners are transparent.
        assert_eq!(pixel(&card, 0, 0)[3], 0);
        assert_eq!(pixel(&card, card.width - 1, card.height - 1)[3], 0);
        // The box hugs the text: a short line does not take the full width.
        let safe_w = FRAME.0 - p.safe_zone.left - p.safe_zone.right;
        assert!(
            card.width < safe_w * 3 / 4,
            "width {} of {safe_w}",
            card.width
        );
        // The heading sits above the body: yellow rows come before white-text rows.
        let rows_with = |c: [u8; 3]| {
            (0..card.height)
                .filter(|&y| {
                    (0..card.width).any(|x| {
                        let q = pixel(&card, x, y);
                        q[3] >= 250 && close([q[0], q[1], q[2]], c, 8)
                    })
                })
                .collect::<Vec<_>>()
        };
        let (h_rows, t_rows) = (rows_with(heading), rows_with(text));
        assert!(h_rows.last().unwrap() < t_rows.first().unwrap());
    }

    #[test]
    fn card_stays_inside_safe_zone_for_every_preset_and_text() {
        let long_word = "x".repeat(300);
        let many_lines = "line\n".repeat(60);
        let texts = [
            ("empty", String::new()),
            ("one word", "Oops".to_string()),
            ("lorem 2000", lorem(2000)),
            ("300-char word", long_word),
            ("many newlines", many_lines),
        ];
        let mut engine = TextEngine::new();
        for (name, _) in crate::config::preset::BUILT_IN {
            let p = preset(name);
            let safe = p.safe_zone;
            let safe_h = (FRAME.1 - safe.top - safe.bottom) as f32;
            for (what, body) in &texts {
                for heading in ["", "WHAT WENT WRONG"] {
                    for pos in [
                        CardPosition::Top,
                        CardPosition::Center,
                        CardPosition::Bottom,
                    ] {
                        let label = format!("{name} / {what} / heading {heading:?} / {pos:?}");
                        let card = render(&mut engine, &p, heading, body, pos);
                        assert_inside_safe_zone(&card, safe, &label);
                        assert!(
                            card.height as f32 <= FRACTION * safe_h + 1.0,
                            "{label}: {}",
                            card.height
                        );
                        if !body.is_empty() || !heading.is_empty() {
                            assert!(card.width > 0 && card.height > 0, "{label}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn empty_card_is_empty() {
        let p = preset("reels");
        let card = render(
            &mut TextEngine::new(),
            &p,
            "",
            " \n\t ",
            CardPosition::Center,
        );
        assert_eq!((card.width, card.height, card.rgba.len()), (0, 0, 0));
        assert_inside_safe_zone(&card, p.safe_zone, "empty");
    }

    #[test]
    fn literal_text_with_format_escapes_renders() {
        let p = preset("tiktok");
        let mut engine = TextEngine::new();
        for body in [
            "100% %{pts} :textfile=/etc/passwd",
            "back\\slash 'single' \"double\" \\n $(rm -rf) {{}} %%",
        ] {
            let card = render(&mut engine, &p, "", body, CardPosition::Center);
            let ink = pixels(&card).filter(|p| p[3] >= 250 && p[0] > 200).count();
            assert!(ink > 1000, "{body}: {ink} ink pixels");
        }
    }

    #[test]
    fn body_shrinks_then_is_cut_with_ellipsis() {
        let p = preset("tiktok");
        let style = &p.cards.style;
        let look = Look::new(style);
        let safe = p.safe_zone;
        let (safe_w, safe_h) = (
            FRAME.0 - safe.left - safe.right,
            FRAME.1 - safe.top - safe.bottom,
        );
        let mut engine = TextEngine::new();
        let body_of = |plan: &Plan| {
            let body = plan.body.as_ref().unwrap();
            (
                body.buffer.metrics().font_size,
                body.buffer
                    .lines
                    .iter()
                    .map(|l| l.text())
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        };

        let short = engine.plan(
            "WHAT WENT WRONG",
            "Burnt the toast",
            &look,
            safe_w,
            safe_h,
            FRACTION,
        );
        assert_eq!(body_of(&short).0, style.body_size);

        let medium = engine.plan(
            "WHAT WENT WRONG",
            &lorem(330),
            &look,
            safe_w,
            safe_h,
            FRACTION,
        );
        let (size, text) = body_of(&medium);
        assert!(
            size < style.body_size && size >= style.min_body_size,
            "size {size}"
        );
        assert!(!text.ends_with(ELLIPSIS), "{text}");
        assert!(medium.height as f32 <= FRACTION * safe_h as f32);

        let long = engine.plan(
            "WHAT WENT WRONG",
            &lorem(2000),
            &look,
            safe_w,
            safe_h,
            FRACTION,
        );
        let (size, text) = body_of(&long);
        assert_eq!(size, style.min_body_size);
        assert!(text.ends_with(ELLIPSIS), "{text}");
        assert!(text.len() < 2000);
        assert!(long.height as f32 <= FRACTION * safe_h as f32);
        // Cut text uses the room it has.
        assert!(
            long.height as f32 >= 0.85 * FRACTION * safe_h as f32,
            "{}",
            long.height
        );

        // The cut keeps as much as fits: only the last line is partial.
        let lines = long.body.as_ref().unwrap().lines.len();
        assert!(lines >= 3, "{lines} lines");
    }

    #[test]
    fn long_word_wraps_inside_the_box() {
        let p = preset("shorts");
        let card = render(
            &mut TextEngine::new(),
            &p,
            "",
            &"W".repeat(300),
            CardPosition::Bottom,
        );
        let safe_w = FRAME.0 - p.safe_zone.left - p.safe_zone.right;
        assert!(card.width <= safe_w);
        assert!(
            card.height > 200,
            "wrapped onto several lines: {}",
            card.height
        );
    }

    #[test]
    fn rasterising_is_deterministic() {
        let p = preset("reels");
        let body = "Forgot the oven was on broil — the crème brûlée became charcoal. Oops!";
        let a = render(
            &mut TextEngine::new(),
            &p,
            "WHAT WENT WRONG",
            body,
            CardPosition::Top,
        );
        let mut engine = TextEngine::new();
        let b = render(&mut engine, &p, "WHAT WENT WRONG", body, CardPosition::Top);
        let c = render(&mut engine, &p, "WHAT WENT WRONG", body, CardPosition::Top);
        assert_eq!((a.x, a.y, a.width, a.height), (b.x, b.y, b.width, b.height));
        assert!(a.rgba == b.rgba && b.rgba == c.rgba);
    }

    #[test]
    fn odd_input_never_panics() {
        let p = preset("tiktok");
        let mut engine = TextEngine::new();
        let texts = [
            "\0\u{1b}[31m\u{202e}evil\u{0301}\u{0301}\u{0301}",
            "🔥🔥🔥 مرحبا שלום 你好",
            "\t\ttabs\r\nand\rcarriage\u{2028}separators",
            "\u{200b}",
            "a\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nb",
        ];
        for t in texts {
            let card = render(&mut engine, &p, t, t, CardPosition::Center);
            assert_inside_safe_zone(&card, p.safe_zone, t);
        }
        // Huge input is fine and quick.
        let start = std::time::Instant::now();
        let card = render(&mut engine, &p, "", &lorem(1_000_000), CardPosition::Top);
        assert_inside_safe_zone(&card, p.safe_zone, "huge");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        let card = render(
            &mut engine,
            &p,
            "",
            &"\n".repeat(100_000),
            CardPosition::Top,
        );
        assert_eq!(card.width, 0);
        // A heading far too long for the card is cut too.
        let card = render(&mut engine, &p, &lorem(2000), "body", CardPosition::Top);
        assert_inside_safe_zone(&card, p.safe_zone, "long heading");

        // Silly style numbers and a tiny safe zone still give a card inside the zone.
        let mut style = p.cards.style.clone();
        style.body_size = f32::NAN;
        style.min_body_size = 500.0;
        style.heading_size = f32::INFINITY;
        style.padding = -5.0;
        style.box_radius = 1e9;
        style.outline_width = 1e6;
        let tiny = SafeZone {
            top: 900,
            bottom: 1000,
            left: 500,
            right: 560,
        };
        for fraction in [0.0, 0.45, 1.0, f32::NAN, -3.0] {
            let card = engine
                .render_card(
                    "HEAD",
                    &lorem(500),
                    &style,
                    CardPosition::Bottom,
                    FRAME,
                    tiny,
                    fraction,
                )
                .unwrap();
            let label = format!("tiny zone, fraction {fraction}");
            assert_inside_safe_zone(&card, tiny, &label);
        }
    }

    #[test]
    fn empty_safe_zone_is_an_error() {
        let p = preset("tiktok");
        let mut engine = TextEngine::new();
        for safe in [
            SafeZone {
                top: 0,
                bottom: 0,
                left: 540,
                right: 540,
            },
            SafeZone {
                top: 1000,
                bottom: 1000,
                left: 0,
                right: 0,
            },
            SafeZone {
                top: 0,
                bottom: 0,
                left: 5000,
                right: 0,
            },
        ] {
            let err = engine
                .render_card(
                    "",
                    "text",
                    &p.cards.style,
                    CardPosition::Top,
                    FRAME,
                    safe,
                    0.45,
                )
                .unwrap_err();
            assert!(err.to_string().contains("no room"), "{err}");
        }
    }

    #[test]
    fn every_family_is_there_in_both_weights() {
        let db = database();
        let mut families: Vec<&str> = db
            .faces()
            .filter_map(|f| f.families.first().map(|(n, _)| n.as_str()))
            .collect();
        families.sort_unstable();
        families.dedup();
        for family in [
            FAMILY,
            EMOJI_FAMILY,
            "Noto Sans Arabic",
            "Noto Sans Hebrew",
            "Noto Sans Devanagari",
            "Noto Sans Bengali",
            "Noto Sans Tamil",
            "Noto Sans Thai",
            "Noto Sans CJK JP",
            "Noto Sans CJK KR",
            "Noto Sans CJK SC",
            "Noto Sans CJK TC",
            "Noto Sans CJK HK",
        ] {
            assert!(families.contains(&family), "{family} missing: {families:?}");
        }
        assert!(!families.iter().any(|f| f.starts_with(UNUSED_FAMILY_PREFIX)));
        // Every family the fallback names exists.
        for locale in [CjkLocale::Chinese, CjkLocale::Japanese, CjkLocale::Korean] {
            let f = Fallbacks(locale);
            for name in f.common_fallback().iter().chain(
                [Script::Arabic, Script::Han, Script::Hangul, Script::Thai]
                    .iter()
                    .flat_map(|&s| f.script_fallback(s, "")),
            ) {
                assert!(families.contains(name), "{name}");
            }
        }
        for family in families {
            for weight in [Weight::NORMAL, Weight::BOLD] {
                assert!(
                    db.faces().any(|f| f.weight == weight
                        && f.families.first().is_some_and(|(n, _)| n == family)),
                    "{family} at {weight:?}"
                );
            }
        }
    }

    #[test]
    fn cjk_locale_follows_the_text() {
        assert_eq!(CjkLocale::of(["油太热了"]), CjkLocale::Chinese);
        assert_eq!(CjkLocale::of(["Oil"]), CjkLocale::Chinese);
        assert_eq!(CjkLocale::of(["油", "が熱い"]), CjkLocale::Japanese);
        assert_eq!(CjkLocale::of(["カレー"]), CjkLocale::Japanese);
        assert_eq!(CjkLocale::of(["기름 油"]), CjkLocale::Korean);
    }

    #[test]
    fn heading_is_tracked_only_in_scripts_with_separate_letters() {
        assert_eq!(heading_tracking("WHAT WENT WRONG!"), HEADING_TRACKING);
        assert_eq!(heading_tracking("ΤΙ ΠΗΓΕ ΣΤΡΑΒΑ"), HEADING_TRACKING);
        assert_eq!(heading_tracking("ما الخطأ"), 0.0);
        assert_eq!(heading_tracking("क्या गलत हुआ"), 0.0);
        assert_eq!(heading_tracking("出了什么问题"), 0.0);
    }

    /// Pixels of a card that are (nearly) opaque and close to `c`.
    fn count_solid(card: &CardImage, c: [u8; 3]) -> usize {
        pixels(card)
            .filter(|p| p[3] >= 250 && close([p[0], p[1], p[2]], c, 8))
            .count()
    }

    #[test]
    fn regular_weight_draws_thinner_text() {
        let p = preset("tiktok");
        let mut engine = TextEngine::new();
        let mut style = p.cards.style.clone();
        let body = "Burnt the toast again";
        let bold = engine
            .render_card(
                "",
                body,
                &style,
                CardPosition::Top,
                FRAME,
                p.safe_zone,
                FRACTION,
            )
            .unwrap();
        style.weight = FontWeight::Regular;
        let regular = engine
            .render_card(
                "",
                body,
                &style,
                CardPosition::Top,
                FRAME,
                p.safe_zone,
                FRACTION,
            )
            .unwrap();
        let white = [255, 255, 255];
        let (b, r) = (count_solid(&bold, white), count_solid(&regular, white));
        assert!(r * 10 < b * 9, "regular {r} vs bold {b} white pixels");
    }

    #[test]
    fn shadow_falls_below_the_text_blurred_and_inside_the_card() {
        let p = preset("tiktok");
        let mut engine = TextEngine::new();
        let mut style = p.cards.style.clone();
        style.box_opacity = 0.0;
        style.outline_width = 0.0;
        style.padding = 0.0;
        style.shadow_color = crate::model::Rgb([255, 0, 0]);
        style.shadow_opacity = 1.0;
        style.shadow_offset = [0.0, 12.0];
        let draw = |engine: &mut TextEngine, style: &CardStyle| {
            engine
                .render_card(
                    "",
                    "I I I",
                    style,
                    CardPosition::Top,
                    FRAME,
                    p.safe_zone,
                    FRACTION,
                )
                .unwrap()
        };
        let hard = draw(&mut engine, &style);
        let red = count_solid(&hard, [255, 0, 0]);
        assert!(red > 300, "{red} red pixels");
        // The red shows below the white letters, not above them.
        let rows = |card: &CardImage, c: [u8; 3]| {
            (0..card.height)
                .filter(|&y| {
                    (0..card.width).any(|x| {
                        let q = pixel(card, x, y);
                        q[3] >= 250 && close([q[0], q[1], q[2]], c, 8)
                    })
                })
                .collect::<Vec<_>>()
        };
        let (white_rows, red_rows) = (rows(&hard, [255, 255, 255]), rows(&hard, [255, 0, 0]));
        assert_eq!(red_rows.last().unwrap() - white_rows.last().unwrap(), 12);
        assert!(red_rows.first().unwrap() > white_rows.first().unwrap());

        style.shadow_blur = 16.0;
        let soft = draw(&mut engine, &style);
        let half = pixels(&soft)
            .filter(|q| q[0] > 200 && q[1] < 60 && (20..200).contains(&q[3]))
            .count();
        assert!(half > 1000, "{half} half-transparent red pixels");
        // The card grew to hold the blur: its border is clear.
        assert!(soft.height > hard.height);
        for x in 0..soft.width {
            assert_eq!(pixel(&soft, x, 0)[3], 0);
            assert_eq!(pixel(&soft, x, soft.height - 1)[3], 0);
        }
        for y in 0..soft.height {
            assert_eq!(pixel(&soft, 0, y)[3], 0);
            assert_eq!(pixel(&soft, soft.width - 1, y)[3], 0);
        }
    }

    #[test]
    fn banner_spans_the_safe_zone_with_the_text_centred() {
        let p = preset("reels");
        let mut engine = TextEngine::new();
        let mut style = p.cards.style.clone();
        style.box_full_width = true;
        style.box_radius = 0.0;
        let card = engine
            .render_card(
                "",
                "Oops",
                &style,
                CardPosition::Bottom,
                FRAME,
                p.safe_zone,
                FRACTION,
            )
            .unwrap();
        let safe = p.safe_zone;
        assert_eq!(
            (card.x, card.width),
            (safe.left, FRAME.0 - safe.left - safe.right)
        );
        assert_eq!(card.y + card.height, FRAME.1 - safe.bottom);
        let white_cols: Vec<u32> = (0..card.width)
            .filter(|&x| (0..card.height).any(|y| pixel(&card, x, y)[0] > 200))
            .collect();
        let left = white_cols[0];
        let right = card.width - 1 - white_cols[white_cols.len() - 1];
        assert!(left.abs_diff(right) <= 3, "{left} vs {right}");
    }

    fn composite(frame: &mut image::RgbaImage, card: &CardImage) {
        for (i, px) in card.rgba.chunks_exact(4).enumerate() {
            let (x, y) = (
                card.x + i as u32 % card.width,
                card.y + i as u32 / card.width,
            );
            let a = f32::from(px[3]) / 255.0;
            let dst = frame.get_pixel_mut(x, y);
            for (d, &s) in dst.0.iter_mut().zip(px).take(3) {
                *d = (f32::from(s) * a + f32::from(*d) * (1.0 - a)).round() as u8;
            }
        }
    }

    /// Composites the two cards of a typical reel over mid-grey into /tmp/card_sample.png
    /// and prints how long rasterising takes. Run with `--ignored --nocapture`.
    #[test]
    #[ignore = "writes /tmp/card_sample.png for a person to look at"]
    fn write_sample_png() {
        let p = preset("tiktok");
        let mut engine = TextEngine::new();
        let cards = [
            (
                "WHAT WENT WRONG",
                "Flipped the pancake way too early and it folded onto the burner",
                CardPosition::Top,
            ),
            (
                "LESSON LEARNED",
                "Wait for bubbles all over before you flip. Patience = breakfast.",
                CardPosition::Bottom,
            ),
        ];
        let mut frame =
            image::RgbaImage::from_pixel(FRAME.0, FRAME.1, image::Rgba([128, 128, 128, 255]));
        for (heading, body, pos) in cards {
            let start = std::time::Instant::now();
            let card = render(&mut engine, &p, heading, body, pos);
            println!(
                "{heading}: {}x{} at ({}, {}) in {:?}",
                card.width,
                card.height,
                card.x,
                card.y,
                start.elapsed()
            );
            composite(&mut frame, &card);
        }
        // Stress sample: cut text in a box, and outlined text without a box over a gradient.
        let mut stress = image::RgbaImage::from_fn(FRAME.0, FRAME.1, |x, y| {
            let v = ((x + y) * 255 / (FRAME.0 + FRAME.1)) as u8;
            image::Rgba([v, 255 - v / 2, v / 3 + 100, 255])
        });
        let card = render(
            &mut engine,
            &p,
            "WHAT WENT WRONG",
            &lorem(2000),
            CardPosition::Top,
        );
        composite(&mut stress, &card);
        let mut bare = p.cards.style.clone();
        bare.box_opacity = 0.0;
        bare.outline_width = 4.0;
        let card = engine
            .render_card(
                "",
                &format!("{}\nnew line", "W".repeat(40)),
                &bare,
                CardPosition::Bottom,
                FRAME,
                p.safe_zone,
                FRACTION,
            )
            .unwrap();
        composite(&mut stress, &card);
        stress.save("/tmp/card_stress.png").unwrap();
        for (name, _) in crate::config::preset::BUILT_IN {
            let p = preset(name);
            for body in ["Oops", &lorem(2000)] {
                let start = std::time::Instant::now();
                let _ = render(
                    &mut engine,
                    &p,
                    "WHAT WENT WRONG",
                    body,
                    CardPosition::Center,
                );
                println!("{name}, {} chars: {:?}", body.len(), start.elapsed());
            }
        }
        frame.save("/tmp/card_sample.png").unwrap();
        let crop = image::imageops::crop_imm(&frame, 80, 250, 360, 200).to_image();
        image::imageops::resize(&crop, 1080, 600, image::imageops::FilterType::Nearest)
            .save("/tmp/card_crop.png")
            .unwrap();
    }
}

//! Overlay cards: text laid out and rasterised with the fonts the binary carries.
//!
//! A card is an optional heading (e.g. "WHAT WENT WRONG") above body text, each glyph
//! outlined, in a translucent rounded box. [`TextEngine::render_card`] lays the card out
//! inside a platform's safe zone, shrinking the body text and finally cutting it with an
//! ellipsis so that it never grows past a given share of the safe zone, and returns straight
//! (non-premultiplied) RGBA pixels with the card's place on the frame.
//!
//! Only the embedded Noto Sans fonts are used, never system fonts, so the same input gives
//! the same pixels on every machine.

use crate::preset::{parse_color, CardPosition, CardStyle, SafeZone};
use cosmic_text::{
    fontdb, Attrs, Buffer, Color, Family, FontSystem, LayoutRun, Metrics, Shaping, SwashCache,
    Weight, Wrap,
};

/// Noto Sans Bold (SIL Open Font License), used for headings and body text.
const NOTO_SANS_BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSans-Bold.ttf");
/// Noto Sans Regular (SIL Open Font License), loaded so the family is complete.
const NOTO_SANS_REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.ttf");
/// Noto Color Emoji (OFL), colour bitmaps: the fallback for emoji.
const NOTO_COLOR_EMOJI: &[u8] = include_bytes!("../assets/fonts/NotoColorEmoji.ttf");
/// Family name of the embedded fonts.
const FAMILY: &str = "Noto Sans";
/// Fixed locale, so layout never depends on the machine's settings.
const LOCALE: &str = "en-US";
/// Line height as a multiple of the font size.
const LINE_SPACING: f32 = 1.2;
/// Space between heading and body, as a multiple of the heading size.
const HEADING_GAP: f32 = 0.4;
/// Extra letter spacing of the heading, in em.
const HEADING_TRACKING: f32 = 0.04;
/// How much the body size shrinks per auto-fit step, in pixels.
const SHRINK_STEP: f32 = 2.0;
/// Largest outline width honoured, in pixels (keeps rasterising fast whatever the preset says).
const MAX_OUTLINE: f32 = 24.0;
/// Largest text size honoured, in pixels.
const MAX_TEXT_SIZE: f32 = 1000.0;
/// What ends text that had to be cut.
const ELLIPSIS: char = '…';
/// Longest heading or body laid out, in characters: far more than any card can show even
/// at the smallest size, so longer text would be cut anyway; this keeps huge input fast.
const MAX_CHARS: usize = 10_000;

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

/// Why a card cannot be rendered at all. Text that is too long is never an error: it is
/// shrunk and then cut with an ellipsis.
#[derive(Debug, thiserror::Error)]
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
}

/// Text layout and rasterisation with the fonts the binary carries (never system fonts, so
/// every machine renders the same).
pub struct TextEngine {
    fonts: FontSystem,
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
    text: [u8; 3],
    heading: [u8; 3],
    box_rgb: [u8; 3],
    box_opacity: f32,
    box_radius: f32,
    padding: f32,
    outline_width: f32,
    outline_rgb: [u8; 3],
}

impl Look {
    fn new(style: &CardStyle) -> Self {
        let size = |v: f32, default: f32| finite_or(v, default).clamp(1.0, MAX_TEXT_SIZE);
        let body_size = size(style.body_size, 60.0);
        Look {
            body_size,
            min_body_size: size(style.min_body_size, body_size).min(body_size),
            heading_size: size(style.heading_size, 40.0),
            text: parse_color(&style.text_color).unwrap_or([255, 255, 255]),
            heading: parse_color(&style.heading_color).unwrap_or([255, 255, 255]),
            box_rgb: parse_color(&style.box_color).unwrap_or([0, 0, 0]),
            box_opacity: finite_or(style.box_opacity, 0.0).clamp(0.0, 1.0),
            box_radius: finite_or(style.box_radius, 0.0).max(0.0),
            padding: finite_or(style.padding, 0.0).max(0.0),
            outline_width: finite_or(style.outline_width, 0.0).clamp(0.0, MAX_OUTLINE),
            outline_rgb: parse_color(&style.outline_color).unwrap_or([0, 0, 0]),
        }
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
    gap: f32,
    padding: f32,
    /// Width available to the text between the paddings.
    inner_width: f32,
    width: u32,
    height: u32,
}

impl TextEngine {
    /// Creates an engine that knows only the embedded Noto Sans fonts (loaded into a fresh
    /// font database; system fonts are never looked at).
    pub fn new() -> Self {
        let mut db = fontdb::Database::new();
        // Shared static bytes: no copy of the fonts per engine.
        for font in [NOTO_SANS_BOLD, NOTO_SANS_REGULAR, NOTO_COLOR_EMOJI] {
            db.load_font_source(fontdb::Source::Binary(std::sync::Arc::new(font)));
        }
        db.set_sans_serif_family(FAMILY);
        TextEngine {
            fonts: FontSystem::new_with_locale_and_db(LOCALE.to_string(), db),
            cache: SwashCache::new(),
        }
    }

    /// Lays out and draws one card: optional heading (e.g. "WHAT WENT WRONG", drawn smaller
    /// in `heading_color`) above the body text (`text_color`), in a rounded box (`box_color`
    /// at `box_opacity`, radius `box_radius`, `padding`), each glyph with an outline
    /// (`outline_width`, `outline_color`) so it reads over any footage.
    ///
    /// `frame` is (width, height) of the output frame; the card lies entirely inside the safe
    /// zone. Text is taken literally (a `\n` in the body starts a new line; leading and
    /// trailing whitespace of heading and body is dropped) and wraps at word boundaries, or
    /// inside words too long for a line, to the safe zone's width minus padding. When the
    /// card would be taller than `max_height_fraction` of the safe zone's height, the body
    /// shrinks step by step down to `style.min_body_size`, then its last lines are cut and
    /// it ends with "…". The box is as wide as the widest line plus padding, centred
    /// horizontally in the safe zone; `position` puts it at the top, middle or bottom of the
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
        let no_room = || CardError::NoRoom { frame, safe };
        let right = frame.0.checked_sub(safe.right).ok_or_else(no_room)?;
        let bottom = frame.1.checked_sub(safe.bottom).ok_or_else(no_room)?;
        if right <= safe.left || bottom <= safe.top {
            return Err(no_room());
        }
        let (safe_w, safe_h) = (right - safe.left, bottom - safe.top);
        let look = Look::new(style);
        let fraction = finite_or(max_height_fraction, 1.0).clamp(0.0, 1.0);
        let plan = self.plan(heading, body, &look, safe_w, safe_h, fraction);
        let rgba = self.rasterise(&plan, &look);
        let x = safe.left + (safe_w - plan.width) / 2;
        let y = match position {
            CardPosition::Top => safe.top,
            CardPosition::Center => safe.top + (safe_h - plan.height) / 2,
            CardPosition::Bottom => bottom - plan.height,
        };
        Ok(CardImage {
            x,
            y,
            width: plan.width,
            height: plan.height,
            rgba,
        })
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
        // Keep the outline inside the card, and leave room for text in tiny safe zones.
        let padding = look
            .padding
            .max(look.outline_width + 1.0)
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

        let heading = (!heading.is_empty()).then(|| {
            let size = look.heading_size;
            let mut buffer = self.layout(heading, size, inner_width, true);
            let line_height = size * LINE_SPACING;
            let reserve = if body.is_empty() {
                0.0
            } else {
                gap + look.min_body_size * LINE_SPACING
            };
            self.truncate(
                &mut buffer,
                lines_that_fit(text_room - reserve, line_height),
                true,
            );
            Block::new(buffer, look.heading, line_height)
        });
        let heading_height = heading.as_ref().map_or(0.0, Block::height);

        let body = (!body.is_empty()).then(|| {
            let room = text_room - heading_height - gap;
            let mut size = look.body_size;
            let mut buffer = self.layout(body, size, inner_width, false);
            loop {
                let lines = buffer.layout_runs().count();
                if lines as f32 * size * LINE_SPACING <= room || size <= look.min_body_size {
                    break;
                }
                size = (size - SHRINK_STEP).max(look.min_body_size);
                buffer.set_metrics(Metrics::new(size, size * LINE_SPACING));
                buffer.shape_until_scroll(&mut self.fonts, false);
            }
            let line_height = size * LINE_SPACING;
            self.truncate(&mut buffer, lines_that_fit(room, line_height), false);
            Block::new(buffer, look.text, line_height)
        });

        if heading.is_none() && body.is_none() {
            return Plan {
                heading,
                body,
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
        let width = ((text_width + 2.0 * padding).ceil() as u32).clamp(1, safe_w);
        let height = ((text_height + 2.0 * padding).ceil() as u32).clamp(1, safe_h);
        Plan {
            heading,
            body,
            gap,
            padding,
            inner_width: (width as f32 - 2.0 * padding).max(0.0),
            width,
            height,
        }
    }

    /// Attributes of heading or body text.
    fn attrs(heading: bool) -> Attrs<'static> {
        let attrs = Attrs::new()
            .family(Family::Name(FAMILY))
            .weight(Weight::BOLD);
        if heading {
            attrs.letter_spacing(HEADING_TRACKING)
        } else {
            attrs
        }
    }

    /// Shapes and wraps `text` at `size` to `width`.
    fn layout(&mut self, text: &str, size: f32, width: f32, heading: bool) -> Buffer {
        let mut buffer = Buffer::new_empty(Metrics::new(size, size * LINE_SPACING));
        buffer.set_wrap(Wrap::WordOrGlyph);
        buffer.set_size(Some(width), None);
        self.set_text(&mut buffer, text, heading);
        buffer
    }

    fn set_text(&mut self, buffer: &mut Buffer, text: &str, heading: bool) {
        buffer.set_text(text, &Self::attrs(heading), Shaping::Advanced, None);
        buffer.shape_until_scroll(&mut self.fonts, false);
    }

    /// Cuts the text after `max_lines` lines (at least one) and ends it with an ellipsis,
    /// keeping as much of the last line as fits with it.
    fn truncate(&mut self, buffer: &mut Buffer, max_lines: usize, heading: bool) {
        let max_lines = max_lines.max(1);
        if buffer.layout_runs().nth(max_lines).is_none() {
            return; // it fits already
        }
        let Some(cut) = buffer
            .layout_runs()
            .nth(max_lines - 1)
            .map(|run| VisualLine::of(&run))
        else {
            return;
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
            engine.set_text(
                buffer,
                &candidate(ends.get(i).copied().unwrap_or(0)),
                heading,
            );
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
                let fill_px = fill.px[i];
                if outline_a <= 0.0 && fill_px[3] <= 0.0 {
                    // Most of a card: just the box.
                    rgba.extend_from_slice(&[box_u8[0], box_u8[1], box_u8[2], to_u8(box_a)]);
                    continue;
                }
                // Premultiplied colour and alpha, painted bottom to top: box, outline, fill.
                let mut px = [
                    box_rgb[0] * box_a,
                    box_rgb[1] * box_a,
                    box_rgb[2] * box_a,
                    box_a,
                ];
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
        let TextEngine { fonts, cache } = self;
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
    use crate::preset::Preset;

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
        let text = parse_color(&style.text_color).unwrap();
        let heading = parse_color(&style.heading_color).unwrap();
        let boxc = parse_color(&style.box_color).unwrap();
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
        for (name, _) in crate::preset::BUILT_IN {
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
        style.text_color = "not a colour".into();
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
        for (name, _) in crate::preset::BUILT_IN {
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

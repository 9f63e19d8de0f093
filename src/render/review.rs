//! A reel's review sheet for `--report` (issue 25): what was decided, so a week's framing and
//! moments can be checked without watching every reel.
//!
//! One small JPEG per reel (a sprite: the report shows each cell by its position, no script):
//! 1. a strip of the source at regular steps over the reel's footage, the 9:16 window drawn
//!    where the reel shows it (the rest dimmed);
//! 2. the detected moments of the whole clip (the cached detection pass), best first;
//! 3. the best cover candidates, as the reel shows them.
//!
//! Next to each, the [`Review`] holds the one-line change that picks it instead (`--focus`
//! keys, `--start`/`--end`, `--cover-at`). The data and the sprite are cached by the reel's
//! plan, so a report over up-to-date reels decodes nothing again.

use crate::media::RenderError;
use crate::model::time::Micros;
use crate::plan::{CompletePlan, Rect};
use crate::render::cover::{best_choices, CoverChoice, CoverReport, COVER_CHOICES};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Source frames in the strip.
pub const STRIP_FRAMES: usize = 8;
/// Detected moments shown, at most.
pub const MOMENTS: usize = 5;
/// A strip or moment cell's size in the sprite (the source fitted inside, 16:9).
pub const CELL: (u32, u32) = (160, 90);
/// A cover cell's size (9:16, the reel's shape).
pub const COVER_CELL: (u32, u32) = (72, 128);
/// JPEG quality of the sprite.
const QUALITY: u8 = 72;
/// Bumped when the sheet shows something else: cached sheets are made again.
const VERSION: u32 = 1;

/// Where a cell is in the sprite (pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// One source frame of the strip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StripFrame {
    /// Its time on the reel.
    pub reel_t: Micros,
    /// Its time in the clip.
    pub source_t: Micros,
    /// The window the reel shows then, in the upright picture.
    pub window: Rect,
    /// The window's place as a `--focus` position (0 = left, 1 = right), when it is a crop.
    pub position: Option<f64>,
    /// The `--focus` keys that hold the window there from this moment on.
    pub change: String,
    /// Its cell.
    pub cell: Cell,
}

/// One detected moment of the clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewMoment {
    /// Its time in the clip.
    pub source_t: Micros,
    /// Its score, 0-1.
    pub score: f64,
    /// What was heard and seen.
    pub why: Vec<String>,
    /// Its time on this reel, when the reel shows it.
    pub reel_t: Option<Micros>,
    /// Whether it is the moment this reel was cut around (`--start auto`).
    pub used: bool,
    /// The change that makes the reel about it instead: `--start 0:09.300 --end 0:19.300`
    /// (and `--cover-at` its time on that reel).
    pub change: String,
    /// Its cell.
    pub cell: Cell,
}

/// A cover candidate as the reel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewCover {
    /// The candidate and the flag that picks it.
    pub choice: CoverChoice,
    /// Its cell.
    pub cell: Cell,
}

/// A reel's review sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// The sprite JPEG.
    pub(crate) image: PathBuf,
    /// Its size.
    pub(crate) size: (u32, u32),
    /// The strip, in reel order.
    pub(crate) strip: Vec<StripFrame>,
    /// The clip's detected moments, best first (empty: nothing stands out).
    pub(crate) moments: Vec<ReviewMoment>,
    /// The best cover candidates (the one used first; empty with `--cover-at`).
    pub(crate) covers: Vec<ReviewCover>,
    /// The clip's picture size (upright), for the window's place.
    pub(crate) picture: (u32, u32),
}

impl Review {
    /// The sheet's sprite JPEG (the strip, the moments and the cover candidates in one
    /// image); the rest of the sheet is in its serde form.
    pub fn image(&self) -> &Path {
        &self.image
    }
}

/// The sheet's file for `plan`'s reel: `<dir>/review/<reel name>.jpg`.
pub fn review_path(dir: &Path, plan: &CompletePlan) -> PathBuf {
    let name = plan
        .output()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reel".into());
    dir.join("review").join(format!("{name}.jpg"))
}

/// `t` as `1.5s`, for a `--focus` key.
fn key_time(t: Micros) -> String {
    format!("{:.1}s", t.as_secs_f64())
}

/// The `--focus` position (0 = left, 1 = right) of a crop `window` in a picture `width` wide.
fn position_of(window: Rect, width: u32) -> Option<f64> {
    let room = width.saturating_sub(window.width);
    (room > 0).then(|| (window.x as f64 / room as f64 * 100.0).round() / 100.0)
}

/// Writes `plan`'s review sheet into `dir`/review (from the cache when it is there already)
/// and returns what it shows. `cover` is the still written this run, when there is one (its
/// scores are then not measured again).
pub fn write_review(
    plan: &CompletePlan,
    dir: &Path,
    cover: Option<&CoverReport>,
) -> Result<Review, RenderError> {
    let path = review_path(dir, plan);
    #[derive(Serialize)]
    struct Key<'a> {
        version: u32,
        plan: String,
        path: &'a Path,
    }
    let key = Key {
        version: VERSION,
        plan: plan.hash(),
        path: &path,
    };
    if path.is_file() {
        if let Some(r) = crate::analyse::cache::get::<_, Review>("review", &key) {
            return Ok(r);
        }
    }
    let review = make_review(plan, &path, cover)?;
    crate::analyse::cache::put("review", &key, &review);
    Ok(review)
}

fn make_review(
    plan: &CompletePlan,
    path: &Path,
    cover: Option<&CoverReport>,
) -> Result<Review, RenderError> {
    crate::media::init_libav();
    let v = &plan.video;
    let fps = v.fps.max(1);
    let input = plan.input();
    let upright = v.rotated_size;
    let spec = |trim_start: Micros| crate::analyse::reframe::proxy::ProxySpec {
        input,
        stream: v.stream,
        x264_build: v.x264_build,
        trim_start,
        rotation: v.rotation,
        rotated_size: v.rotated_size,
    };
    let thumb_w = CELL.0 as usize;

    // 1. The strip: footage frames at regular steps, each in the middle of its step.
    let n = (STRIP_FRAMES as u64).min(v.frames.max(1));
    let strip_frames: Vec<u64> = (0..n)
        .map(|k| ((2 * k + 1) * v.frames / (2 * n)).min(v.frames.saturating_sub(1)))
        .collect();
    let stretches: Vec<(u64, u64)> = strip_frames.iter().map(|&f| (f, f)).collect();
    let strip_thumbs = crate::analyse::reframe::proxy::decode_stretches(
        &spec(plan.trim().start),
        fps,
        &stretches,
        thumb_w,
        None,
    )?;

    // 2. The clip's moments (the cached detection pass).
    let info = crate::media::input::probe(input)?;
    let found = crate::analyse::detect::detect_cached(&info)?;
    let moments: Vec<_> = found.moments.iter().take(MOMENTS).cloned().collect();
    let mut moment_frames: Vec<(usize, u64)> = moments
        .iter()
        .enumerate()
        .map(|(k, m)| (k, (m.t * fps as f64).round().max(0.0) as u64))
        .collect();
    moment_frames.sort_by_key(|m| m.1);
    let stretches: Vec<(u64, u64)> = moment_frames.iter().map(|m| (m.1, m.1)).collect();
    let decoded = crate::analyse::reframe::proxy::decode_stretches(
        &spec(Micros::ZERO),
        fps,
        &stretches,
        thumb_w,
        None,
    )?;
    let mut moment_thumbs: Vec<Option<crate::analyse::reframe::proxy::Thumb>> =
        vec![None; moments.len()];
    for ((k, _), (thumbs, _)) in moment_frames.iter().zip(decoded) {
        moment_thumbs[*k] = thumbs.into_iter().next().map(|t| t.1);
    }

    // 3. The cover's best candidates, as the reel shows them.
    let choices: Vec<CoverChoice> = match (&plan.cover, cover) {
        (Some(c), _) if c.at.is_some() => Vec::new(),
        (_, Some(r)) => r.best.clone(),
        (Some(c), None) => {
            let (_, _, scores, faces) = super::cover::cover_image(plan, c)?;
            best_choices(&scores, &faces, COVER_CHOICES)
        }
        (None, None) => Vec::new(),
    };
    let cover_frames: Vec<u64> = choices
        .iter()
        .map(|c| crate::plan::cover::frame_at(plan, c.t))
        .collect();
    let cover_pictures = if cover_frames.is_empty() {
        Vec::new()
    } else {
        super::preview::clean_frames(plan, &cover_frames)?
    };

    // The sprite.
    let width = (STRIP_FRAMES as u32 * CELL.0)
        .max(MOMENTS as u32 * CELL.0)
        .max(COVER_CHOICES as u32 * COVER_CELL.0);
    let height = 2 * CELL.1 + COVER_CELL.1;
    let mut sprite = image::RgbImage::from_pixel(width, height, image::Rgb([38, 34, 30]));
    let accent = plan.card_style.heading_color.0;

    let mut strip = Vec::new();
    for (k, (&f, (thumbs, _))) in strip_frames.iter().zip(&strip_thumbs).enumerate() {
        let cell = Cell {
            x: k as u32 * CELL.0,
            y: 0,
            width: CELL.0,
            height: CELL.1,
        };
        let reel_frame = plan.reel_frame_of(f);
        let window = v.window_at(plan.frame_time(f));
        if let Some((_, t)) = thumbs.first() {
            put_thumb(&mut sprite, cell, t, Some((window, upright)), accent);
        }
        let position = if v.fill_for(window).is_some() || v.fit.is_some() {
            None
        } else {
            position_of(window, upright.0)
        };
        let t = plan.frame_time(reel_frame);
        let change = match (position, &v.reframe) {
            (Some(p), Some(_)) => format!("--focus auto,{}={p}", key_time(t)),
            (Some(p), None) => format!("--focus {p}"),
            (None, _) => "the whole picture (nothing to move)".to_string(),
        };
        strip.push(StripFrame {
            reel_t: t,
            source_t: plan.trim().start + plan.frame_time(f),
            window,
            position,
            change,
            cell,
        });
    }

    let auto = plan.auto_start.as_ref().and_then(|a| a.moment_s);
    let clip_s = info.duration.as_secs_f64();
    let mut review_moments = Vec::new();
    for (k, m) in moments.iter().enumerate() {
        let cell = Cell {
            x: k as u32 * CELL.0,
            y: CELL.1,
            width: CELL.0,
            height: CELL.1,
        };
        let source_t = Micros::from_secs_f64(m.t);
        let footage = source_t - plan.trim().start;
        let in_reel = footage >= Micros::ZERO && footage < plan.frame_time(v.frames);
        let window = in_reel.then(|| v.window_at(footage));
        if let Some(t) = &moment_thumbs[k] {
            put_thumb(&mut sprite, cell, t, window.map(|w| (w, upright)), accent);
        }
        let reel_t = in_reel.then(|| {
            let f = (footage.0 as i128 * fps as i128 / 1_000_000) as u64;
            plan.frame_time(plan.reel_frame_of(f))
        });
        // The trim `--start auto` would cut around this moment.
        let asked = crate::config::request::ReelRequest {
            start: Some(crate::model::Start::Auto),
            ..Default::default()
        };
        let (cut, _) = crate::plan::moment::resolve(&asked, Some(m.t), clip_s, 0.0, f64::MAX);
        let start = cut
            .start
            .and_then(crate::model::Start::at)
            .unwrap_or(Micros::ZERO);
        let mut change = format!("--start {start}");
        if let Some(end) = cut.end {
            change.push_str(&format!(" --end {end}"));
        }
        change.push_str(&format!(" --cover-at {}", source_t - start));
        review_moments.push(ReviewMoment {
            source_t,
            score: m.score,
            why: m.why.clone(),
            reel_t,
            used: auto.is_some_and(|a| (a - m.t).abs() < 1e-3),
            change,
            cell,
        });
    }

    let mut covers = Vec::new();
    for (k, c) in choices.into_iter().enumerate() {
        let cell = Cell {
            x: k as u32 * COVER_CELL.0,
            y: 2 * CELL.1,
            width: COVER_CELL.0,
            height: COVER_CELL.1,
        };
        let frame = crate::plan::cover::frame_at(plan, c.t);
        if let Some((_, f)) = cover_pictures.iter().find(|(i, _)| *i == frame) {
            let (w, h) = (f.width(), f.height());
            let rgb = crate::text::composite::yuv420_to_rgb709(
                [
                    (f.data(0), f.stride(0)),
                    (f.data(1), f.stride(1)),
                    (f.data(2), f.stride(2)),
                ],
                w,
                h,
            );
            if let Some(img) = image::RgbImage::from_raw(w, h, rgb) {
                let small = image::imageops::resize(
                    &img,
                    cell.width,
                    cell.height,
                    image::imageops::FilterType::Triangle,
                );
                image::imageops::replace(&mut sprite, &small, cell.x as i64, cell.y as i64);
            }
        }
        covers.push(ReviewCover { choice: c, cell });
    }

    let tag = crate::plan::cover::jpeg_tag(&plan.hash());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| crate::render::output::OutputError::io(parent, e))?;
    }
    // Never a file failreel did not write.
    crate::render::output::check_target(path, &[input], false, crate::plan::cover::jpeg_is_ours)?;
    crate::render::cover::write_jpeg(&sprite, QUALITY, &tag, path, &[input])?;
    Ok(Review {
        image: path.to_path_buf(),
        size: (width, height),
        strip,
        moments: review_moments,
        covers,
        picture: upright,
    })
}

/// Draws a source thumbnail centred in `cell`, and with `window` (a rectangle of a picture
/// of `size`) the rest dimmed and the window outlined in `accent`.
fn put_thumb(
    sprite: &mut image::RgbImage,
    cell: Cell,
    t: &crate::analyse::reframe::proxy::Thumb,
    window: Option<(Rect, (u32, u32))>,
    accent: [u8; 3],
) {
    let img = match image::RgbImage::from_raw(t.width as u32, t.height as u32, t.rgb.clone()) {
        Some(i) => i,
        None => return,
    };
    // Fitted inside the cell.
    let s = (cell.width as f64 / img.width() as f64).min(cell.height as f64 / img.height() as f64);
    let (w, h) = (
        ((img.width() as f64 * s).round() as u32).max(1),
        ((img.height() as f64 * s).round() as u32).max(1),
    );
    let mut small = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    if let Some((r, size)) = window {
        let sx = w as f64 / size.0.max(1) as f64;
        let sy = h as f64 / size.1.max(1) as f64;
        let x0 = (r.x as f64 * sx).round() as i64;
        let y0 = (r.y as f64 * sy).round() as i64;
        let x1 = ((r.x + r.width) as f64 * sx).round() as i64 - 1;
        let y1 = ((r.y + r.height) as f64 * sy).round() as i64 - 1;
        for (x, y, p) in small.enumerate_pixels_mut() {
            let (x, y) = (x as i64, y as i64);
            let inside = x >= x0 && x <= x1 && y >= y0 && y <= y1;
            let edge = inside && (x - x0 < 2 || x1 - x < 2 || y - y0 < 2 || y1 - y < 2);
            if edge {
                p.0 = accent;
            } else if !inside {
                for c in &mut p.0 {
                    *c /= 3;
                }
            }
        }
    }
    let (ox, oy) = (
        cell.x + (cell.width - w) / 2,
        cell.y + (cell.height - h) / 2,
    );
    image::imageops::replace(sprite, &small, ox as i64, oy as i64);
}

//! Executes a reel's [`CoverPlan`]: decodes the candidate frames through the preview's
//! machinery (the render's own frame choice and conversion, without the cards), scores each
//! for sharpness, draws the headline on the sharpest with the cards' text engine, and writes
//! the JPEG under the output rule.

use super::preview::clean_frames;
use crate::media::RenderError;
use crate::model::time::Micros;
use crate::plan::cover::{encode_jpeg, jpeg_tag, sharpness, still_hash, CoverKind, CoverPlan};
use crate::plan::CompletePlan;
use crate::render::output::{OutputError, Writer};
use crate::text::card::TextEngine;
use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

/// What writing a still did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CoverReport {
    /// The JPEG written.
    pub path: PathBuf,
    /// Reel time of the frame used.
    pub chosen: Micros,
    /// Every candidate's reel time and sharpness score, in reel order.
    pub scores: Vec<(Micros, f64)>,
    /// How many faces each candidate shows (in reel order).
    pub faces: Vec<usize>,
    /// The best candidates (at most three, the one used first), each with the
    /// flag that picks it.
    pub best: Vec<CoverChoice>,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// How many of the best candidates a report offers.
pub const COVER_CHOICES: usize = 3;

/// A candidate frame for the cover and the flag that picks it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoverChoice {
    /// Its reel time.
    pub t: Micros,
    /// Its sharpness score.
    pub score: f64,
    /// The faces it shows.
    pub faces: usize,
    /// The flag that takes the cover from it: `--cover-at 0:03.200`.
    pub flag: String,
}

/// The `n` best of the candidates (reel time and score, faces each) in the order the cover
/// rule ranks them: a face first, then sharpness.
pub fn best_choices(scores: &[(Micros, f64)], faces: &[usize], n: usize) -> Vec<CoverChoice> {
    let mut all: Vec<CoverChoice> = scores
        .iter()
        .zip(faces.iter().copied().chain(std::iter::repeat(0)))
        .map(|(&(t, score), faces)| CoverChoice {
            t,
            score,
            faces,
            flag: format!("--cover-at {t}"),
        })
        .collect();
    all.sort_by(|a, b| {
        (b.faces > 0)
            .cmp(&(a.faces > 0))
            .then(b.score.total_cmp(&a.score))
    });
    all.truncate(n);
    all
}

/// Writes the still `plan.cover` asks for (nothing when it asks for none).
pub fn write_cover(plan: &CompletePlan) -> Result<Option<CoverReport>, RenderError> {
    let Some(cover) = &plan.cover else {
        return Ok(None);
    };
    let started = Instant::now();
    let (img, chosen, scores, faces) = cover_image(plan, cover)?;
    let tag = jpeg_tag(&still_hash(plan, cover));
    write_jpeg(&img, cover.quality, &tag, &cover.path, &plan.inputs())?;
    Ok(Some(CoverReport {
        path: cover.path.clone(),
        chosen,
        best: best_choices(&scores, &faces, COVER_CHOICES),
        scores,
        faces,
        seconds: started.elapsed().as_secs_f64(),
    }))
}

/// The still as RGB, the reel time of the frame used, every candidate's score and how many
/// faces each shows.
///
/// A candidate that shows a face (the face detector of the reframe pass, run on the decoded
/// candidate itself, as the reel shows it) beats one that shows none: the sharpest candidate
/// with a face wins, and the sharpest of all only when none shows one.
#[allow(clippy::type_complexity)]
pub fn cover_image(
    plan: &CompletePlan,
    cover: &CoverPlan,
) -> Result<(image::RgbImage, Micros, Vec<(Micros, f64)>, Vec<usize>), RenderError> {
    let indices: Vec<u64> = cover.candidates.iter().map(|c| c.frame).collect();
    let frames = clean_frames(plan, &indices)?;
    let mut best: Option<(usize, (bool, f64))> = None;
    let mut scores = Vec::with_capacity(frames.len());
    let mut faces = Vec::with_capacity(frames.len());
    let mut finder = crate::analyse::reframe::people::FaceFinder::new();
    for (k, (i, f)) in frames.iter().enumerate() {
        // Only the picture counts: around a filled shot's picture the blurred fill's edge
        // with the picture would pass for detail.
        let (w, h, stride) = (f.width() as usize, f.height() as usize, f.stride(0));
        let v = &plan.video;
        let (top, rows) = match v.fill_for(v.window_at(plan.picture_time(*i))) {
            Some(fit) => {
                let ph = (fit.height as usize).min(h);
                ((h - ph) / 2, ph)
            }
            None => (0, h),
        };
        let picture = &f.data(0)[top * stride..];
        let score = sharpness(picture, w, rows, stride);
        let grey = crate::analyse::reframe::people::Grey::shrunk(picture, w, rows, stride, 360);
        let n = finder.find(&grey).len();
        scores.push((plan.frame_time(*i), score));
        faces.push(n);
        // A face first, then sharpness.
        let rank = (n > 0, score);
        if best.is_none_or(|(_, b)| (rank.0, rank.1) > (b.0, b.1)) {
            best = Some((k, rank));
        }
    }
    let (k, _) = best.ok_or_else(|| RenderError::NoFrames(plan.input().display().to_string()))?;
    let (index, out) = &frames[k];
    let (w, h) = (out.width(), out.height());
    let rgb = crate::text::composite::yuv420_to_rgb709(
        [
            (out.data(0), out.stride(0)),
            (out.data(1), out.stride(1)),
            (out.data(2), out.stride(2)),
        ],
        w,
        h,
    );
    let mut img = image::RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| RenderError::NoFrames(plan.input().display().to_string()))?;
    if let Some(headline) = &cover.headline {
        let card = super::compose::draw_overlay(&mut TextEngine::new(), headline, (w, h))
            .map_err(|e| RenderError::output(&cover.path, std::io::Error::other(e.to_string())))?;
        blend_rgba(&mut img, &card);
    }
    if cover.kind == CoverKind::Thumbnail || (cover.width, cover.height) != (w, h) {
        img = image::imageops::resize(
            &img,
            cover.width,
            cover.height,
            image::imageops::FilterType::Triangle,
        );
    }
    Ok((img, plan.frame_time(*index), scores, faces))
}

/// Blends a straight-alpha RGBA card onto an RGB picture at the card's place.
fn blend_rgba(img: &mut image::RgbImage, card: &crate::text::card::CardImage) {
    let (iw, ih) = img.dimensions();
    for cy in 0..card.height {
        let y = card.y + cy;
        if y >= ih {
            break;
        }
        for cx in 0..card.width {
            let x = card.x + cx;
            if x >= iw {
                break;
            }
            let o = ((cy * card.width + cx) * 4) as usize;
            let a = card.rgba[o + 3] as u32;
            if a == 0 {
                continue;
            }
            let p = img.get_pixel_mut(x, y);
            for c in 0..3 {
                p.0[c] =
                    ((card.rgba[o + c] as u32 * a + p.0[c] as u32 * (255 - a) + 127) / 255) as u8;
            }
        }
    }
}

/// Writes a JPEG under failreel's output rule (never an input, never a non-regular file, one
/// writer, temporary then rename). Whether an existing file may be replaced is the caller's
/// check ([`crate::render::output::check_target`] with
/// [`crate::plan::cover::jpeg_is_ours`]).
pub fn write_jpeg(
    img: &image::RgbImage,
    quality: u8,
    tag: &str,
    path: &Path,
    inputs: &[&Path],
) -> Result<(), OutputError> {
    let writer = Writer::begin(path, inputs)?;
    let bytes = encode_jpeg(img, quality, tag)
        .map_err(|e| OutputError::io(path, std::io::Error::other(e)))?;
    std::fs::write(writer.temp(), bytes).map_err(|e| OutputError::io(path, e))?;
    writer.commit()
}

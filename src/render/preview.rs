//! `failreel preview`: one frame of the reel, cards included, without rendering it. The frame
//! is chosen exactly as the render chooses it (same selector rule), converted by the same
//! filter graph and composited by the same code, so the PNG matches the reel's frame.

use super::compose::{composite, CardsJob};
use crate::media::decode::{Decoded, Flow, RangeDecoder, VideoRange};
use crate::media::filter::{build_graph, filter_one};
use crate::media::{init_libav, RenderError};
use crate::model::time::Micros;
use crate::plan::CompletePlan;
use std::path::Path;

/// The reel's frame at reel time `at` (clamped to the reel), as RGB: the footage's frame it
/// shows (a replay's repeated frame, through its pushed-in window; a held end's last frame)
/// converted as the render converts it, with the overlays on screen then.
pub fn preview(plan: &CompletePlan, at: Micros) -> Result<image::RgbImage, RenderError> {
    init_libav();
    let length = plan.reel_length();
    if at >= length {
        return Err(RenderError::PastEnd {
            path: plan.input().display().to_string(),
            at,
            length,
        });
    }
    let fps = plan.video.fps as i64;
    let index = ((at.0.max(0) as i128 * fps as i128 / 1_000_000) as u64)
        .min(plan.reel_frames().saturating_sub(1));
    // Cards are rasterised while the decoder seeks and decodes.
    let cards = CardsJob::start(plan)?;
    let (_, mut out) = clean_frames(plan, &[index])?
        .pop()
        .ok_or_else(|| RenderError::NoFrames(plan.input().display().to_string()))?;
    let overlays = cards.join()?;
    composite(plan, &overlays, &mut out, index);
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
    image::RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| RenderError::NoFrames(plan.input().display().to_string()))
}

/// Writes a PNG quickly (fast compression) under failreel's output rule: never an input
/// given in `inputs`, never a non-regular file, one writer at a time, through a temporary
/// renamed into place. The PNG carries a `Software` text chunk naming failreel, by which a
/// later run knows it may replace it. Whether an existing file may be replaced at all is the
/// caller's check (`crate::render::output::check_target`).
pub fn write_png(img: &image::RgbImage, path: &Path, inputs: &[&Path]) -> Result<(), RenderError> {
    let writer = crate::render::output::Writer::begin(path, inputs)?;
    let io = |e: std::io::Error| crate::render::output::OutputError::io(path, e);
    let png_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(e) => RenderError::Target(io(e)),
        other => RenderError::output(path, other),
    };
    let file = std::fs::File::create(writer.temp()).map_err(io)?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), img.width(), img.height());
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    enc.set_filter(png::Filter::Sub);
    enc.add_text_chunk("Software".into(), crate::render::output::png_software_tag())
        .map_err(png_err)?;
    let mut w = enc.write_header().map_err(png_err)?;
    w.write_image_data(img.as_raw()).map_err(png_err)?;
    w.finish().map_err(png_err)?;
    writer.commit()?;
    Ok(())
}

/// The reel's frames at output indices `frames` (sorted or not), without cards, chosen and
/// converted exactly as the render does (the same selector, the same filter graph, the same
/// window: a replay frame shows its repeated footage frame through the push-in), in one pass
/// of the decoder from the keyframe before the first. Each comes back as (index, converted
/// frame), in reel order. Indices past the reel are left out.
pub fn clean_frames(
    plan: &CompletePlan,
    frames: &[u64],
) -> Result<Vec<(u64, ffmpeg_next::frame::Video)>, RenderError> {
    init_libav();
    // (the footage frame shown, the reel frame) of each wanted frame.
    let mut wanted: Vec<(u64, u64)> = frames
        .iter()
        .copied()
        .filter(|&f| f < plan.reel_frames())
        .map(|i| (plan.picture_frame(i), i))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let (Some(&(first, _)), Some(&(last, _))) = (wanted.first(), wanted.last()) else {
        return Ok(Vec::new());
    };
    let mut source = RangeDecoder::open(
        plan.input(),
        plan.video.stream,
        plan.video.x264_build,
        plan.trim().start,
    )?;
    source.with_video(VideoRange {
        first,
        total: plan.video.frames,
        fps: plan.video.fps,
        threads: 0,
    })?;
    let vtb = source.video_time_base();
    let _ = source.seek(plan.frame_time(first));
    let mut out = Vec::with_capacity(wanted.len());
    let mut failure = None;
    // A moving window (`--focus auto`, a replay's push-in): each frame through its own
    // window, as the render does.
    let mut windows = plan
        .moving_window()
        .then(|| super::moving::Windows::new(vtb));
    source.run(None, |item| {
        if let Decoded::Picture(shown) = item {
            let end = shown.first + shown.count;
            for &(_, i) in wanted.iter().filter(|&&(f, _)| f >= shown.first && f < end) {
                // A graph per frame: one frame in, one out (a deinterlacer is flushed).
                let converted = match windows.as_mut() {
                    Some(w) => w.convert(plan, &shown.frame, i),
                    None => build_graph(plan.input(), &plan.video, &shown.frame, vtb)
                        .and_then(|mut g| filter_one(plan.input(), &mut g, &shown.frame)),
                };
                match converted {
                    Ok(f) => out.push((i, f)),
                    Err(e) => {
                        failure = Some(e);
                        return Ok(Flow::Stop);
                    }
                }
            }
            if end > last {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    if out.is_empty() {
        return Err(RenderError::NoFrames(plan.input().display().to_string()));
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out)
}

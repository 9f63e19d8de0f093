//! `failreel preview`: one frame of the reel, cards included, without rendering it. The frame
//! is chosen exactly as the render chooses it (same selector rule), converted by the same
//! filter graph and composited by the same code, so the PNG matches the reel's frame.

use super::preroll::{set_skip, Preroll};
use super::video::{build_graph, composite, filter_one, Selector};
use super::{init_libav, lav, CardsJob, RenderError, Timeline, VideoClock};
use crate::plan::RenderPlan;
use crate::probe::{open_input, ProbeError};
use crate::time::Micros;
use ffmpeg_next as ff;
use std::path::Path;

/// The reel's frame at reel time `at` (clamped to the reel), as RGB.
pub fn preview(plan: &RenderPlan, at: Micros) -> Result<image::RgbImage, RenderError> {
    init_libav();
    let length = plan.frame_time(plan.video.frames);
    if at >= length {
        return Err(RenderError::PastEnd {
            path: plan.input.display().to_string(),
            at,
            length,
        });
    }
    let fps = plan.video.fps as i64;
    let index = ((at.0.max(0) as i128 * fps as i128 / 1_000_000) as u64)
        .min(plan.video.frames.saturating_sub(1));
    let target = plan.frame_time(index);
    // Cards are rasterised while the decoder seeks and decodes.
    let cards = CardsJob::start(plan)?;

    let mut ictx = open_input(&plan.input)?;
    let (vtb, vstart, params) = {
        let s = ictx
            .stream(plan.video.stream)
            .ok_or_else(|| ProbeError::NoVideo(plan.input.clone()))?;
        let st = if s.start_time() == ff::ffi::AV_NOPTS_VALUE {
            0
        } else {
            s.start_time()
        };
        (
            s.time_base(),
            Micros::from_ts(st, s.time_base().numerator(), s.time_base().denominator()),
            s.parameters(),
        )
    };
    let mut ctx = ff::codec::context::Context::from_parameters(params)
        .map_err(lav(plan, "opening the video decoder"))?;
    ctx.set_threading(ff::codec::threading::Config {
        kind: ff::codec::threading::Type::Frame,
        count: 0,
        ..Default::default()
    });
    let mut dec = ctx
        .decoder()
        .video()
        .map_err(lav(plan, "opening the video decoder"))?;
    let seek_to = (vstart + plan.trim.start + target).0;
    let _ = ictx.seek(seek_to, ..seek_to);

    // The render's own frame choice (Selector, VideoClock), started at this output frame.
    let mut selector = Selector::from_slot(index, plan.video.frames, plan.video.fps);
    let timeline = Timeline::new(vtb, vstart + plan.trim.start);
    let mut clock = VideoClock::new(timeline, plan.video.fps);
    let limit = selector.limit();
    let mut frame = ff::frame::Video::empty();
    // The decoder's pending frames, until the selector picks one.
    let mut pick = |dec: &mut ff::decoder::Video| {
        while dec.receive_frame(&mut frame).is_ok() {
            if let Some(t) = clock.reel_time(frame.timestamp().or(frame.pts())) {
                let f = std::mem::replace(&mut frame, ff::frame::Video::empty());
                if let Some(shown) = selector.push(f, t) {
                    return Some(shown.frame);
                }
            }
        }
        None
    };
    let mut chosen = None;
    // Frames between the keyframe and the wanted one that nothing refers to are not decoded.
    let packets = ictx.packets().map(|(s, p)| (s.index(), p));
    for (idx, packet, skip) in Preroll::new(packets, plan.video.stream, timeline, limit) {
        if idx != plan.video.stream {
            continue;
        }
        set_skip(&mut dec, skip);
        if dec.send_packet(&packet).is_ok() {
            chosen = pick(&mut dec);
            if chosen.is_some() {
                break;
            }
        }
    }
    if chosen.is_none() {
        let _ = dec.send_eof();
        chosen = pick(&mut dec);
    }
    let best = chosen
        .or_else(|| selector.finish(clock.step).map(|s| s.frame))
        .ok_or_else(|| RenderError::NoFrames(plan.input.display().to_string()))?;
    let mut graph = build_graph(plan, &best, vtb)?;
    let mut out = filter_one(plan, &mut graph, &best)?;
    let overlays = cards.join()?;
    composite(plan, &overlays, &mut out, index);
    let (w, h) = (out.width(), out.height());
    let rgb = crate::composite::yuv420_to_rgb709(
        [
            (out.data(0), out.stride(0)),
            (out.data(1), out.stride(1)),
            (out.data(2), out.stride(2)),
        ],
        w,
        h,
    );
    image::RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| RenderError::NoFrames(plan.input.display().to_string()))
}

/// Writes a PNG quickly (fast compression) under failreel's output rule: never an input
/// given in `inputs`, never a non-regular file, one writer at a time, through a temporary
/// renamed into place. The PNG carries a `Software` text chunk naming failreel, by which a
/// later run knows it may replace it. Whether an existing file may be replaced at all is the
/// caller's check ([`crate::output::check_target`]).
pub fn write_png(img: &image::RgbImage, path: &Path, inputs: &[&Path]) -> Result<(), RenderError> {
    let writer = crate::output::Writer::begin(path, inputs)?;
    let io = |e: std::io::Error| crate::output::OutputError::io(path, e);
    let png_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(e) => RenderError::Target(io(e)),
        other => RenderError::Output {
            path: path.display().to_string(),
            cause: other.to_string(),
        },
    };
    let file = std::fs::File::create(writer.temp()).map_err(io)?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), img.width(), img.height());
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    enc.set_filter(png::Filter::Sub);
    enc.add_text_chunk("Software".into(), crate::output::png_software_tag())
        .map_err(png_err)?;
    let mut w = enc.write_header().map_err(png_err)?;
    w.write_image_data(img.as_raw()).map_err(png_err)?;
    w.finish().map_err(png_err)?;
    writer.commit()?;
    Ok(())
}

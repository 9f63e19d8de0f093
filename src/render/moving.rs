//! A window that moves (`--focus auto`, or a replay's push-in): each output frame's window
//! comes from the plan ([`crate::plan::RenderPlan::window_for`]: the crop path at the frame's
//! picture, made smaller while a replay zooms). The decoded frame is
//! cropped before the filter graph as a view that shares its buffers (only the data pointers
//! move, [`crate::media::ffi::crop_view`]), so one graph built for the window's size serves
//! every position; a fill shot's whole picture goes through a second graph that fits it to
//! the width with the fill. A static window (one key) never comes here: it is cropped inside
//! the graph as before, so those reels are unchanged.

use super::compose::{send_to_chains, PictureChain};
use super::RenderError;
use crate::media::decode::Shown;
use crate::media::filter::{
    build_graph_chain, fill_wide_chain, filter_chain, filter_flush, filter_pull, filter_push,
};
use crate::plan::{Rect, RenderPlan, VideoPlan};
use ffmpeg_next as ff;
use std::sync::mpsc::Receiver;

/// The window's rectangle in the stored (not yet rotated) frame.
fn stored_rect(v: &VideoPlan, r: Rect, stored: (u32, u32)) -> (u32, u32, u32, u32) {
    let (sw, sh) = stored;
    match v.rotation {
        // transpose=clock: upright (x, y) is stored (y, H - 1 - x).
        90 => (r.y, sh.saturating_sub(r.x + r.width), r.height, r.width),
        // transpose=cclock: upright (x, y) is stored (W - 1 - y, x).
        270 => (sw.saturating_sub(r.y + r.height), r.x, r.height, r.width),
        180 => (
            sw.saturating_sub(r.x + r.width),
            sh.saturating_sub(r.y + r.height),
            r.width,
            r.height,
        ),
        _ => (r.x, r.y, r.width, r.height),
    }
}

/// Converts frames through the window of their output frame.
pub(super) struct Windows {
    tb: ff::Rational,
    /// The graph for cropped windows (with the window size it was built for), and for a
    /// fill shot's whole picture.
    crop: Option<(ff::filter::Graph, (u32, u32))>,
    fill: Option<(ff::filter::Graph, (u32, u32))>,
}

impl Windows {
    pub(super) fn new(tb: ff::Rational) -> Windows {
        Windows {
            tb,
            crop: None,
            fill: None,
        }
    }

    /// Output frame `index` made from `frame`: cropped to its window, converted, scaled.
    pub(super) fn convert(
        &mut self,
        plan: &RenderPlan,
        frame: &ff::frame::Video,
        index: u64,
    ) -> Result<ff::frame::Video, RenderError> {
        let path = plan.input();
        let v = &plan.video;
        let rect = plan.window_for(index);
        let stored = stored_rect(v, rect, (frame.width(), frame.height()));
        let view = crate::media::ffi::crop_view(frame, stored)
            .map_err(crate::media::lav(path, "cropping a picture"))?;
        let fill = v.fill_for(rect).cloned();
        let slot = if fill.is_some() {
            &mut self.fill
        } else {
            &mut self.crop
        };
        // A replay's push-in changes the window's size frame by frame: a graph per size.
        if slot
            .as_ref()
            .is_some_and(|(_, size)| *size != (rect.width, rect.height))
        {
            *slot = None;
        }
        if slot.is_none() {
            let mut g = v.clone();
            g.rotated_size = (rect.width, rect.height);
            g.crop_path = vec![crate::plan::CropKey {
                t: crate::model::time::Micros::ZERO,
                rect: Rect {
                    x: 0,
                    y: 0,
                    width: rect.width,
                    height: rect.height,
                },
            }];
            g.reframe = None;
            g.fit = None;
            let chain = match &fill {
                Some(f) => {
                    g.width = f.width;
                    g.height = f.height;
                    fill_wide_chain(&g, (v.width, v.height), f.fill)
                }
                None => filter_chain(&g),
            };
            *slot = Some((
                build_graph_chain(path, &chain, &view, self.tb)?,
                (rect.width, rect.height),
            ));
        }
        let graph = &mut slot.as_mut().expect("built above").0;
        filter_push(path, graph, &view)?;
        if let Some(out) = filter_pull(path, graph)? {
            return Ok(out);
        }
        // A graph that holds a frame back is flushed and built again for the next one.
        filter_flush(path, graph)?;
        let out = filter_pull(path, graph)?;
        *slot = None;
        out.ok_or_else(|| RenderError::NoFrames(path.display().to_string()))
    }
}

/// The convert stage for a moving window: each output frame through its own window, the
/// cards of each picture chain composited, the frames passed on. A source frame shown by several output frames with
/// the same window is converted once.
pub(super) fn convert_moving(
    plan: &RenderPlan,
    chains: &[PictureChain],
    tb: ff::Rational,
    input: Receiver<Shown>,
) -> Result<(), RenderError> {
    let mut windows = Windows::new(tb);
    for shown in input {
        let mut k = shown.first;
        let end = shown.first + shown.count;
        while k < end {
            let rect = plan.window_for(k);
            let mut run = 1;
            while k + run < end && plan.window_for(k + run) == rect {
                run += 1;
            }
            let base = windows.convert(plan, &shown.frame, k)?;
            if !send_to_chains(chains, base, k, run) {
                return Ok(());
            }
            k += run;
        }
    }
    Ok(())
}

//! Compositing: the plan's cards rasterised once (on a thread of their own, overlapping codec
//! set-up), converted to YUV with the smaller sizes the pop animation steps through, and
//! blended onto each output frame at the card's appearance for that frame. The convert stage
//! runs the filter graph once per shown source frame and composites per output frame.

use super::RenderError;
use crate::media::decode::Shown;
use crate::media::filter::{build_graph, filter_flush, filter_pull, filter_push};
use crate::plan::{Overlay, RenderPlan};
use crate::text::card::{CardError, CardRect, TextEngine};
use crate::text::composite::YuvOverlay;
use ffmpeg_next as ff;
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, SyncSender};

/// A card ready to composite: converted to YUV once, plus its smaller sizes for the pop
/// animation (each step rasterised once per render, never per frame).
pub(crate) struct CardLayers {
    full: YuvOverlay,
    /// One layer per [`crate::plan::CardPlan::pop_steps`] (none for a card too small to
    /// shrink).
    steps: Vec<YuvOverlay>,
}

impl CardLayers {
    /// The layer for plan step `step` (None: full size).
    pub(crate) fn at_step(&self, step: Option<usize>) -> &YuvOverlay {
        step.and_then(|i| self.steps.get(i)).unwrap_or(&self.full)
    }
}

/// [`rasterise_cards`] running on a thread of its own while the caller opens the input and
/// codecs; [`CardsJob::join`] hands over the layers.
pub(crate) struct CardsJob {
    handle: std::thread::JoinHandle<Result<Vec<CardLayers>, RenderError>>,
    input: String,
}

impl CardsJob {
    /// Starts rasterising the plan's cards.
    pub(crate) fn start(plan: &RenderPlan) -> Result<CardsJob, RenderError> {
        let input = plan.input().display().to_string();
        let owned = plan.clone();
        let handle = std::thread::Builder::new()
            .name("failreel-cards".into())
            .spawn(move || rasterise_cards(&owned))
            .map_err(|e| RenderError::Thread {
                path: input.clone(),
                what: format!("cannot start the card thread: {e}"),
            })?;
        Ok(CardsJob { handle, input })
    }

    /// Waits for the layers.
    pub(crate) fn join(self) -> Result<Vec<CardLayers>, RenderError> {
        self.handle.join().map_err(|_| RenderError::Thread {
            path: self.input,
            what: "the card thread stopped unexpectedly".into(),
        })?
    }
}

/// Rasterises the plan's overlays once, with the layers their animation needs.
pub(crate) fn rasterise_cards(plan: &RenderPlan) -> Result<Vec<CardLayers>, RenderError> {
    let mut layers = Vec::new();
    if plan.overlays.is_empty() {
        return Ok(layers);
    }
    let mut engine = TextEngine::new();
    let frame = (plan.video.width, plan.video.height);
    for o in &plan.overlays {
        let img = draw_overlay(&mut engine, o, frame).map_err(|source| RenderError::Card {
            path: plan.input().display().to_string(),
            source,
        })?;
        let mut steps = Vec::new();
        if !o.pop_steps.is_empty() && img.width > 1 && img.height > 1 {
            let rgba = image::RgbaImage::from_raw(img.width, img.height, img.rgba.clone())
                .expect("a card image has width * height * 4 bytes");
            for &scale in &o.pop_steps {
                let (w, h) = (
                    ((img.width as f32 * scale) as u32).max(1),
                    ((img.height as f32 * scale) as u32).max(1),
                );
                let small =
                    image::imageops::resize(&rgba, w, h, image::imageops::FilterType::Triangle);
                let step = crate::text::card::CardImage {
                    x: img.x + (img.width - w) / 2,
                    y: img.y + (img.height - h) / 2,
                    width: w,
                    height: h,
                    rgba: small.into_raw(),
                };
                steps.push(YuvOverlay::from_rgba(&step));
            }
        }
        layers.push(CardLayers {
            full: YuvOverlay::from_rgba(&img),
            steps,
        });
    }
    Ok(layers)
}

/// Draws one overlay with exactly the plan's values (text, look, band, position, largest
/// height) in a `frame`-sized output, and checks it landed on the rectangle the plan laid
/// out for it: the plan decided where it goes, so drawing elsewhere is an error.
pub(crate) fn draw_overlay(
    engine: &mut TextEngine,
    o: &Overlay,
    frame: (u32, u32),
) -> Result<crate::text::card::CardImage, CardError> {
    let img = engine.render_card(
        &o.heading,
        &o.text,
        &o.style,
        o.position,
        frame,
        o.zone,
        o.max_height_fraction,
    )?;
    let drawn = CardRect {
        x: img.x,
        y: img.y,
        width: img.width,
        height: img.height,
    };
    if drawn != o.rect {
        return Err(CardError::Moved {
            planned: o.rect,
            drawn,
        });
    }
    Ok(img)
}

/// A frame on its way to the encoder; `pooled` frames are copies that come back for reuse.
pub(super) struct ToEncode {
    pub(super) frame: ff::frame::Video,
    pub(super) index: u64,
    pub(super) pooled: bool,
}

/// Blends the overlays showing at output frame `index` onto `frame`, each at its
/// appearance.
pub(super) fn composite(
    plan: &RenderPlan,
    layers: &[CardLayers],
    frame: &mut ff::frame::Video,
    index: u64,
) {
    let t = plan.frame_time(index);
    let (w, h) = (frame.width(), frame.height());
    for (o, layer) in plan.overlays.iter().zip(layers) {
        if let Some(a) = o.appearance_at(t) {
            let overlay = layer.at_step(o.step_for(a.scale));
            for plane in 0..3 {
                let stride = frame.stride(plane);
                overlay.blend_plane(
                    plane,
                    frame.data_mut(plane),
                    stride,
                    w,
                    h,
                    a.alpha,
                    a.offset_y,
                );
            }
        }
    }
}

fn any_card_at(plan: &RenderPlan, index: u64) -> bool {
    let t = plan.frame_time(index);
    plan.overlays.iter().any(|o| o.opacity_at(t) > 0.0)
}

/// One picture the convert stage makes of each converted frame, for one video encode: its
/// plan (cards and frame times), its card layers, and the channels to and from its encoder.
/// A single reel has one; several reels from one decode have one per distinct picture.
pub(super) struct PictureChain<'a> {
    /// The plan whose cards are drawn (the first reel of the encode).
    pub(super) plan: &'a RenderPlan,
    /// Its cards, rasterised.
    pub(super) overlays: &'a [CardLayers],
    /// Frames to its encoder.
    pub(super) output: SyncSender<ToEncode>,
    /// Pooled frames coming back from its encoder.
    pub(super) recycled: Receiver<ff::frame::Video>,
}

/// The convert stage for a static window (a moving one: [`super::moving::convert_moving`]):
/// filter each shown frame once (`plan`'s video, which every chain
/// shares), composite each chain's cards per output frame and pass the frames on. Runs on
/// its own thread; owns the filter graph.
pub(super) fn convert_stage(
    plan: &RenderPlan,
    chains: &[PictureChain],
    tb: ff::Rational,
    input: Receiver<Shown>,
) -> Result<(), RenderError> {
    let path = plan.input();
    let mut graph: Option<ff::filter::Graph> = None;
    // The output frames of source frames sent into the graph whose converted picture has not
    // come out yet (a deinterlacer holds one back; otherwise it comes out at once).
    let mut waiting: VecDeque<(u64, u64)> = VecDeque::new();
    for shown in input {
        if graph.is_none() {
            graph = Some(build_graph(path, &plan.video, &shown.frame, tb)?);
        }
        let g = graph.as_mut().expect("built above");
        filter_push(path, g, &shown.frame)?;
        drop(shown.frame);
        waiting.push_back((shown.first, shown.count));
        // Pull only while something is owed (no second, empty pull per frame).
        while let Some(&(first, count)) = waiting.front() {
            let Some(base) = filter_pull(path, g)? else {
                break;
            };
            waiting.pop_front();
            if !send_to_chains(chains, base, first, count) {
                return Ok(()); // the encoder stopped: its error is reported from there
            }
        }
    }
    if let Some(g) = graph.as_mut().filter(|_| !waiting.is_empty()) {
        filter_flush(path, g)?;
        while let Some(&(first, count)) = waiting.front() {
            let Some(base) = filter_pull(path, g)? else {
                break;
            };
            waiting.pop_front();
            if !send_to_chains(chains, base, first, count) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Sends a converted picture to every chain (a copy to each but the last, which takes it);
/// false when an encoder has stopped. The copies are frames of the chain's pool and go back
/// to it once encoded: a copy in a fresh 1080x1920 frame each time cost a page fault per 4 KiB
/// (about 18 000 a run for three platforms from a 5 s clip).
pub(super) fn send_to_chains(
    chains: &[PictureChain],
    base: ff::frame::Video,
    first: u64,
    count: u64,
) -> bool {
    let Some((last, rest)) = chains.split_last() else {
        return true;
    };
    for c in rest {
        let mut copy = match c.recycled.try_recv() {
            Ok(f) if crate::media::ffi::is_writable(&f) => f,
            _ => ff::frame::Video::new(base.format(), base.width(), base.height()),
        };
        copy.clone_from(&base);
        if !send_shown(
            c.plan,
            c.overlays,
            (copy, true),
            first,
            count,
            &c.output,
            &c.recycled,
        ) {
            return false;
        }
    }
    send_shown(
        last.plan,
        last.overlays,
        (base, false),
        first,
        count,
        &last.output,
        &last.recycled,
    )
}

/// Sends a converted picture on as output frames `first..first + count`, each with its
/// cards; false when the encoder has stopped. `base` is the picture and whether it is a frame
/// of this chain's pool (then it comes back to `recycled` once encoded).
pub(super) fn send_shown(
    plan: &RenderPlan,
    overlays: &[CardLayers],
    (mut base, base_pooled): (ff::frame::Video, bool),
    first: u64,
    count: u64,
    output: &SyncSender<ToEncode>,
    recycled: &Receiver<ff::frame::Video>,
) -> bool {
    for k in 0..count {
        let index = first + k;
        let last = k + 1 == count;
        let needs_copy = !last || !crate::media::ffi::is_writable(&base);
        let msg = if last && !needs_copy {
            let mut f = std::mem::replace(&mut base, ff::frame::Video::empty());
            composite(plan, overlays, &mut f, index);
            ToEncode {
                frame: f,
                index,
                pooled: base_pooled,
            }
        } else if !any_card_at(plan, index) && last {
            // Shared with nobody else after this: send as it is.
            let f = std::mem::replace(&mut base, ff::frame::Video::empty());
            ToEncode {
                frame: f,
                index,
                pooled: base_pooled,
            }
        } else {
            // A repeated frame (or one still referenced): composite on a reused copy.
            let mut copy = match recycled.try_recv() {
                Ok(f) if crate::media::ffi::is_writable(&f) => f,
                _ => ff::frame::Video::new(base.format(), base.width(), base.height()),
            };
            copy.clone_from(&base);
            composite(plan, overlays, &mut copy, index);
            ToEncode {
                frame: copy,
                index,
                pooled: true,
            }
        };
        if output.send(msg).is_err() {
            return false;
        }
    }
    true
}

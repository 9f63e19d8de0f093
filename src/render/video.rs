//! The picture side of a render: choosing source frames for the constant output rate by
//! timestamp ([`Selector`]), converting them through a numeric-only filter graph, compositing
//! the cards, and encoding — as a pipeline. The job's thread demuxes and decodes; a convert
//! thread filters and composites; an encode thread feeds x264 and hands packets back to be
//! muxed. Bounded channels keep at most a few frames in flight.

use super::{lav, CardLayers, Progress, RenderError};
use crate::plan::RenderPlan;
use crate::time::Micros;
use ffmpeg_next as ff;
use std::sync::mpsc::{Receiver, SyncSender};

/// Builds the numeric-only filter chain that rotates, crops, converts colour and scales.
pub fn filter_chain(plan: &RenderPlan) -> String {
    let v = &plan.video;
    let mut f: Vec<String> = Vec::new();
    if v.deinterlace {
        // One progressive frame per interlaced frame, before any geometry, from that frame
        // alone (kerndeint, where it is combed): frames reach the graph one at a time and,
        // when the source is faster than the reel, not all of them, so a deinterlacer that
        // waits for the next frame (bwdif, yadif, estdif) has neither the latency nor the
        // neighbours it needs here.
        f.push("kerndeint".into());
    }
    match v.rotation {
        90 => f.push("transpose=clock".into()),
        180 => f.push("hflip,vflip".into()),
        270 => f.push("transpose=cclock".into()),
        _ => {}
    }
    let c = v.crop;
    if (c.width, c.height) != v.rotated_size {
        f.push(format!("crop={}:{}:{}:{}", c.width, c.height, c.x, c.y));
    }
    // A picture narrower than the output is scaled to the output's height and centred.
    let (sw, sh) = match &v.fit {
        Some(fit) => (fit.width, v.height),
        None => (v.width, v.height),
    };
    match v.color.source_transfer.as_str() {
        t @ ("hlg" | "pq") => {
            // BT.2408: reference white (HLG 75 %, PQ 203 nits) is linear 1.0 at npl=203, so
            // it lands on SDR white; mobius keeps everything below 0.8 and rolls off above,
            // up to the format's peak in reference-white units (1000 or 10000 nits / 203).
            let (tin, peak) = if t == "hlg" {
                ("arib-std-b67", 1000.0 / 203.0)
            } else {
                ("smpte2084", 10000.0 / 203.0)
            };
            let rin = if v.color.source_full_range {
                "full"
            } else {
                "limited"
            };
            let size = format!(":w={sw}:h={sh}");
            // Resize in whichever zscale sees fewer pixels.
            let downscale = (c.width as u64 * c.height as u64) > (sw as u64 * sh as u64);
            let (first, last) = if downscale {
                (size.as_str(), "")
            } else {
                ("", size.as_str())
            };
            f.push(format!(
                "zscale=tin={tin}:min=bt2020nc:pin=bt2020:rin={rin}:t=linear:npl=203:p=bt709{first},format=gbrpf32le,tonemap=tonemap=mobius:param=0.8:peak={peak:.3}:desat=0,zscale=t=bt709:m=bt709:r=tv{last}"
            ));
        }
        _ => {
            let matrix = match v.color.source_matrix.as_str() {
                "bt2020" => "bt2020",
                "bt601" => "bt601",
                _ => "bt709",
            };
            let in_range = if v.color.source_full_range {
                "pc"
            } else {
                "tv"
            };
            f.push(format!(
                "scale={sw}:{sh}:flags=bicubic:in_color_matrix={matrix}:out_color_matrix=bt709:in_range={in_range}:out_range=tv"
            ));
        }
    }
    if let Some(fit) = &v.fit {
        let x = (v.width - fit.width) / 2;
        match crate::preset::parse_color(&fit.fill) {
            Some([r, g, b]) => f.push(format!(
                "pad={}:{}:{x}:0:color=0x{r:02x}{g:02x}{b:02x}",
                v.width, v.height
            )),
            None => {
                // A blurred, darkened copy of the picture behind it, blurred at 1/8 size.
                let (bw, bh) = ((v.width / 16).max(1) * 2, (v.height / 16).max(1) * 2);
                let full_h = ((bw as u64 * v.height as u64).div_ceil(fit.width as u64) as u32)
                    .div_ceil(2)
                    * 2;
                let y = (full_h.saturating_sub(bh) / 4) * 2;
                f.push(format!(
                    "split=2[fg][bg];[bg]scale={bw}:{full_h}:flags=bilinear,crop={bw}:{bh}:0:{y},boxblur=4:2,eq=brightness=-0.08,scale={}:{}:flags=bilinear[blur];[blur][fg]overlay=x={x}:y=0",
                    v.width, v.height
                ));
            }
        }
    }
    f.push("format=yuv420p,setsar=1".into());
    f.join(",")
}

/// A decoded source frame and the run of output frames (slots) it fills.
pub(super) struct Shown {
    /// The decoded frame.
    pub frame: ff::frame::Video,
    /// First output frame index.
    pub first: u64,
    /// How many consecutive output frames show it (more than one for a slower source).
    pub count: u64,
}

/// Picks, for each output frame at `i / fps`, the latest source frame at or before it (with a
/// quarter-frame tolerance for timestamp jitter). Frames that fill no slot are dropped before
/// any conversion.
pub(super) struct Selector {
    total: u64,
    next: u64,
    eps: Micros,
    fps: u32,
    current: Option<(ff::frame::Video, Micros)>,
}

impl Selector {
    pub(super) fn new(total: u64, fps: u32) -> Selector {
        Selector::from_slot(0, total, fps)
    }

    /// A selector whose first output frame to fill is `first` (the preview starts mid-reel).
    pub(super) fn from_slot(first: u64, total: u64, fps: u32) -> Selector {
        Selector {
            total,
            next: first,
            eps: Micros(1_000_000 / (4 * fps as i64)),
            fps,
            current: None,
        }
    }

    fn slot_time(&self, i: u64) -> Micros {
        Micros((i as i128 * 1_000_000 / self.fps as i128) as i64)
    }

    /// The reel time at or before which the next output frame's source lies: frames before
    /// the latest one up to here cannot fill it.
    pub(super) fn limit(&self) -> Micros {
        self.slot_time(self.next) + self.eps
    }

    /// Whether every output frame has its source.
    pub(super) fn done(&self) -> bool {
        self.next >= self.total
    }

    /// Takes the next decoded frame (reel time `t`); returns the previous one if it fills any
    /// output frames.
    pub(super) fn push(&mut self, frame: ff::frame::Video, t: Micros) -> Option<Shown> {
        let out = self.current.take().and_then(|(prev, _)| {
            let first = self.next;
            while self.next < self.total && self.slot_time(self.next) + self.eps < t {
                self.next += 1;
            }
            (self.next > first).then(|| Shown {
                frame: prev,
                first,
                count: self.next - first,
            })
        });
        self.current = Some((frame, t));
        out
    }

    /// End of input: the last frame lasts `step`, filling the slots it covers.
    pub(super) fn finish(&mut self, step: Micros) -> Option<Shown> {
        let (frame, t) = self.current.take()?;
        let first = self.next;
        while self.next < self.total && self.slot_time(self.next) < t + step {
            self.next += 1;
        }
        (self.next > first).then(|| Shown {
            frame,
            first,
            count: self.next - first,
        })
    }
}

/// A frame on its way to the encoder; `pooled` frames are copies that come back for reuse.
pub(super) struct ToEncode {
    frame: ff::frame::Video,
    index: u64,
    pooled: bool,
}

pub(super) fn build_graph(
    plan: &RenderPlan,
    f: &ff::frame::Video,
    tb: ff::Rational,
) -> Result<ff::filter::Graph, RenderError> {
    let err = lav(plan, "setting up the picture filters");
    let mut g = ff::filter::Graph::new();
    let fmt: ff::ffi::AVPixelFormat = f.format().into();
    let sar = f.aspect_ratio();
    let (sn, sd) = if sar.numerator() > 0 && sar.denominator() > 0 {
        (sar.numerator(), sar.denominator())
    } else {
        (1, 1)
    };
    let args = format!(
        "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={sn}/{sd}",
        f.width(),
        f.height(),
        fmt as i32,
        tb.numerator(),
        tb.denominator().max(1)
    );
    let buffer = ff::filter::find("buffer")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?;
    let sink = ff::filter::find("buffersink")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?;
    g.add(&buffer, "in", &args).map_err(&err)?;
    g.add(&sink, "out", "").map_err(&err)?;
    g.get("out")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?
        .set_pixel_format(ff::format::Pixel::YUV420P);
    g.output("in", 0)
        .and_then(|p| p.input("out", 0))
        .and_then(|p| p.parse(&filter_chain(plan)))
        .map_err(&err)?;
    g.validate().map_err(&err)?;
    Ok(g)
}

pub(super) fn filter_one(
    plan: &RenderPlan,
    g: &mut ff::filter::Graph,
    decoded: &ff::frame::Video,
) -> Result<ff::frame::Video, RenderError> {
    let err = lav(plan, "converting a picture");
    g.get("in")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?
        .source()
        .add(decoded)
        .map_err(&err)?;
    let mut out = ff::frame::Video::empty();
    g.get("out")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?
        .sink()
        .frame(&mut out)
        .map_err(&err)?;
    Ok(out)
}

pub(super) fn composite(
    plan: &RenderPlan,
    layers: &[CardLayers],
    frame: &mut ff::frame::Video,
    index: u64,
) {
    let t = plan.frame_time(index);
    let (w, h) = (frame.width(), frame.height());
    for (card, layer) in plan.cards.iter().zip(layers) {
        if let Some(a) = card.appearance_at(t) {
            let overlay = layer.at_scale(a.scale);
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
    plan.cards.iter().any(|c| c.opacity_at(t) > 0.0)
}

/// The convert stage: filter each shown frame once, composite the cards per output frame and
/// pass the frames on. Runs on its own thread; owns the filter graph.
pub(super) fn convert_stage(
    plan: &RenderPlan,
    overlays: &[CardLayers],
    tb: ff::Rational,
    input: Receiver<Shown>,
    output: SyncSender<ToEncode>,
    recycled: Receiver<ff::frame::Video>,
) -> Result<(), RenderError> {
    let mut graph: Option<ff::filter::Graph> = None;
    for shown in input {
        if graph.is_none() {
            graph = Some(build_graph(plan, &shown.frame, tb)?);
        }
        let mut base = filter_one(plan, graph.as_mut().expect("built above"), &shown.frame)?;
        drop(shown.frame);
        for k in 0..shown.count {
            let index = shown.first + k;
            let last = k + 1 == shown.count;
            let needs_copy = !last || !crate::ffi::is_writable(&base);
            let msg = if last && !needs_copy {
                let mut f = std::mem::replace(&mut base, ff::frame::Video::empty());
                composite(plan, overlays, &mut f, index);
                ToEncode {
                    frame: f,
                    index,
                    pooled: false,
                }
            } else if !any_card_at(plan, index) && last {
                // Shared with nobody else after this: send as it is.
                let f = std::mem::replace(&mut base, ff::frame::Video::empty());
                ToEncode {
                    frame: f,
                    index,
                    pooled: false,
                }
            } else {
                // A repeated frame (or one still referenced): composite on a reused copy.
                let mut copy = match recycled.try_recv() {
                    Ok(f) if crate::ffi::is_writable(&f) => f,
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
                return Ok(()); // the encoder stopped: its error is reported from there
            }
        }
    }
    Ok(())
}

/// The encode stage: feeds x264 and hands every packet (in the stream's time base) back to
/// the muxing thread.
#[allow(clippy::too_many_arguments)]
pub(super) fn encode_stage(
    plan: &RenderPlan,
    mut encoder: ff::encoder::Video,
    stream: usize,
    ost_tb: ff::Rational,
    input: Receiver<ToEncode>,
    packets: std::sync::mpsc::Sender<ff::Packet>,
    recycle: SyncSender<ff::frame::Video>,
    progress: &dyn Progress,
) -> Result<u64, RenderError> {
    let enc_tb = ff::Rational(1, plan.video.fps as i32);
    let mut encoded = 0u64;
    let drain = |encoder: &mut ff::encoder::Video| -> Result<(), RenderError> {
        loop {
            let mut pkt = ff::Packet::empty();
            match encoder.receive_packet(&mut pkt) {
                Ok(()) => {
                    pkt.set_stream(stream);
                    pkt.rescale_ts(enc_tb, ost_tb);
                    if packets.send(pkt).is_err() {
                        return Ok(());
                    }
                }
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(lav(plan, "encoding video")(e)),
            }
        }
    };
    for mut msg in input {
        let f = &mut msg.frame;
        f.set_pts(Some(msg.index as i64));
        f.set_kind(ff::picture::Type::None);
        f.set_color_range(ff::color::Range::MPEG);
        f.set_color_space(ff::color::Space::BT709);
        f.set_color_primaries(ff::color::Primaries::BT709);
        f.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);
        encoder.send_frame(f).map_err(lav(plan, "encoding video"))?;
        drain(&mut encoder)?;
        encoded += 1;
        progress.frames_done(encoded);
        if msg.pooled {
            let _ = recycle.try_send(msg.frame);
        }
    }
    encoder.send_eof().map_err(lav(plan, "finishing video"))?;
    drain(&mut encoder)?;
    Ok(encoded)
}

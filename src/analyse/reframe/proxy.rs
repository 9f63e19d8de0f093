//! The reframe pass's proxy: the reel's range decoded at a low rate (the frames no proxy
//! sample shows and nothing refers to are not decoded; deblocking is skipped), each picture
//! scaled at once to a small RGB image (about 192 px wide) and turned upright. Also the exact
//! cut finder: a short stretch decoded at the reel's own rate into tiny thumbnails.

pub use super::picture::Thumb;
use super::picture::{Grey, GreyPictures, Pictures, CLOSE_WIDTH, DETECT_WIDTH, FINE_WIDTH};
use crate::media::decode::{Decoded, Flow, RangeDecoder, VideoRange};
use crate::media::{lav, RenderError};
use crate::model::time::Micros;
use ffmpeg_next as ff;
use std::path::Path;

/// What the proxy reads.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProxySpec<'a> {
    /// The input.
    pub input: &'a Path,
    /// Its video stream.
    pub stream: usize,
    /// The x264 build that wrote it (the probe's).
    pub x264_build: Option<u32>,
    /// Trim start on the clip's timeline.
    pub trim_start: Micros,
    /// Clockwise quarter turns to make the picture upright (0, 90, 180, 270).
    pub rotation: u32,
    /// The picture's size after rotation (stored pixels).
    pub rotated_size: (u32, u32),
}

/// Proxy size for an upright picture of `size`: `width` wide at most, the height to keep
/// the shape (at least 8).
pub fn proxy_size(size: (u32, u32), width: usize) -> (usize, usize) {
    let pw = width.min(size.0 as usize).max(8);
    let ph = ((size.1 as f64 * pw as f64 / size.0.max(1) as f64).round() as usize).max(8);
    (pw, ph)
}

/// Scales decoded frames to small upright RGB pictures.
struct Shrinker {
    ctx: Option<(ff::software::scaling::Context, ff::format::Pixel, u32, u32)>,
    out: ff::frame::Video,
    rotation: u32,
    upright: (usize, usize),
    flags: ff::software::scaling::Flags,
    grey: GreyScaler,
    fine: GreyScaler,
    close: GreyScaler,
}

/// Scales a decoded frame to the face detector's grey picture (upright,
/// [`DETECT_WIDTH`] px wide at most), when asked.
struct GreyScaler {
    ctx: Option<(ff::software::scaling::Context, ff::format::Pixel, u32, u32)>,
    out: ff::frame::Video,
    rotation: u32,
    upright: (usize, usize),
}

impl GreyScaler {
    fn grey(&mut self, path: &Path, f: &ff::frame::Video) -> Result<Grey, RenderError> {
        let (pw, ph) = self.upright;
        let (sw, sh) = if self.rotation % 180 == 90 {
            (ph, pw)
        } else {
            (pw, ph)
        };
        let fresh = !matches!(&self.ctx, Some((_, fmt, w, h)) if *fmt == f.format() && *w == f.width() && *h == f.height());
        if fresh {
            let c = ff::software::scaling::Context::get(
                f.format(),
                f.width(),
                f.height(),
                ff::format::Pixel::GRAY8,
                sw as u32,
                sh as u32,
                ff::software::scaling::Flags::AREA,
            )
            .map_err(lav(path, "scaling the face detector's picture"))?;
            self.ctx = Some((c, f.format(), f.width(), f.height()));
        }
        let (c, ..) = self.ctx.as_mut().expect("set above");
        c.run(f, &mut self.out)
            .map_err(lav(path, "scaling the face detector's picture"))?;
        let stride = self.out.stride(0);
        let data = self.out.data(0);
        let mut luma = vec![0u8; pw * ph];
        for y in 0..ph {
            for x in 0..pw {
                let (sx, sy) = upright_source(self.rotation, (sw, sh), x, y);
                luma[y * pw + x] = data[sy * stride + sx];
            }
        }
        Ok(Grey {
            width: pw,
            height: ph,
            luma,
        })
    }
}

/// Where upright pixel (x, y) comes from in a stored picture `stored` (w, h), turned by
/// `rotation` clockwise quarter turns to be upright.
fn upright_source(rotation: u32, stored: (usize, usize), x: usize, y: usize) -> (usize, usize) {
    let (sw, sh) = stored;
    match rotation {
        90 => (y, sh - 1 - x),
        180 => (sw - 1 - x, sh - 1 - y),
        270 => (sw - 1 - y, x),
        _ => (x, y),
    }
}

/// The face detector's pictures of the proxy picture being handed on, scaled on demand
/// (each once): [`DETECT_WIDTH`] px wide, and [`FINE_WIDTH`] for a second look.
pub struct LazyGrey<'a> {
    scaler: &'a mut GreyScaler,
    fine_scaler: &'a mut GreyScaler,
    close_scaler: &'a mut GreyScaler,
    frame: &'a ff::frame::Video,
    path: &'a Path,
    made: Option<Grey>,
    made_fine: Option<Grey>,
    made_close: Option<Grey>,
}

impl GreyPictures for LazyGrey<'_> {
    /// The grey picture (scaled at the first call).
    fn get(&mut self) -> Result<&Grey, RenderError> {
        if self.made.is_none() {
            self.made = Some(self.scaler.grey(self.path, self.frame)?);
        }
        Ok(self.made.as_ref().expect("made above"))
    }

    /// The larger grey picture for the second look (scaled at the first call).
    fn fine(&mut self) -> Result<&Grey, RenderError> {
        if self.made_fine.is_none() {
            self.made_fine = Some(self.fine_scaler.grey(self.path, self.frame)?);
        }
        Ok(self.made_fine.as_ref().expect("made above"))
    }

    /// The close look's picture, [`CLOSE_WIDTH`] px wide at most and at most twice the
    /// source's width (scaled at the first call).
    fn close(&mut self) -> Result<&Grey, RenderError> {
        if self.made_close.is_none() {
            self.made_close = Some(self.close_scaler.grey(self.path, self.frame)?);
        }
        Ok(self.made_close.as_ref().expect("made above"))
    }
}

impl LazyGrey<'_> {
    /// All the pictures, with the proxy's own `rgb`, kept for a look decided later.
    pub fn both(&mut self, rgb: &Thumb) -> Result<Pictures, RenderError> {
        Ok(Pictures {
            rgb: Some(rgb.clone()),
            grey: self.get()?.clone(),
            fine: self.fine()?.clone(),
            close: self.close()?.clone(),
        })
    }
}

impl Shrinker {
    /// For `spec`'s pictures at `width` px wide: averaged over areas, or the nearest pixel for
    /// tiny thumbnails (a cut's exact frame).
    fn for_proxy(spec: &ProxySpec<'_>, width: usize) -> Self {
        Shrinker {
            ctx: None,
            out: ff::frame::Video::empty(),
            rotation: spec.rotation,
            upright: proxy_size(spec.rotated_size, width),
            flags: if width > 64 {
                ff::software::scaling::Flags::AREA
            } else {
                ff::software::scaling::Flags::POINT
            },
            grey: GreyScaler {
                ctx: None,
                out: ff::frame::Video::empty(),
                rotation: spec.rotation,
                upright: proxy_size(spec.rotated_size, DETECT_WIDTH),
            },
            fine: GreyScaler {
                ctx: None,
                out: ff::frame::Video::empty(),
                rotation: spec.rotation,
                upright: proxy_size(spec.rotated_size, FINE_WIDTH),
            },
            close: GreyScaler {
                ctx: None,
                out: ff::frame::Video::empty(),
                rotation: spec.rotation,
                // Up to twice the source's width: small faces are enlarged to the
                // detector's smallest.
                upright: proxy_size(
                    (spec.rotated_size.0 * 2, spec.rotated_size.1 * 2),
                    CLOSE_WIDTH,
                ),
            },
        }
    }

    /// Runs `dec` to its end: each chosen picture shrunk and handed to `on` once for every
    /// output frame it fills, in order, with its face detector's picture on demand.
    fn run(
        &mut self,
        dec: &mut RangeDecoder,
        path: &Path,
        mut on: impl FnMut(u64, &Thumb, &mut LazyGrey<'_>) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let mut failure = None;
        dec.run(None, |item| {
            if let Decoded::Picture(shown) = item {
                match self.shrink(path, &shown.frame) {
                    Ok(t) => {
                        let mut lazy = LazyGrey {
                            scaler: &mut self.grey,
                            fine_scaler: &mut self.fine,
                            close_scaler: &mut self.close,
                            frame: &shown.frame,
                            path,
                            made: None,
                            made_fine: None,
                            made_close: None,
                        };
                        for k in shown.first..shown.first + shown.count {
                            if let Err(e) = on(k, &t, &mut lazy) {
                                failure = Some(e);
                                return Ok(Flow::Stop);
                            }
                        }
                    }
                    Err(e) => {
                        failure = Some(e);
                        return Ok(Flow::Stop);
                    }
                }
            }
            Ok(Flow::Continue)
        })?;
        failure.map_or(Ok(()), Err)
    }

    fn shrink(&mut self, path: &Path, f: &ff::frame::Video) -> Result<Thumb, RenderError> {
        let (pw, ph) = self.upright;
        let (sw, sh) = if self.rotation % 180 == 90 {
            (ph, pw)
        } else {
            (pw, ph)
        };
        let fresh = !matches!(&self.ctx, Some((_, fmt, w, h)) if *fmt == f.format() && *w == f.width() && *h == f.height());
        if fresh {
            let c = ff::software::scaling::Context::get(
                f.format(),
                f.width(),
                f.height(),
                ff::format::Pixel::RGB24,
                sw as u32,
                sh as u32,
                self.flags,
            )
            .map_err(lav(path, "scaling the reframe proxy"))?;
            self.ctx = Some((c, f.format(), f.width(), f.height()));
        }
        let (c, ..) = self.ctx.as_mut().expect("set above");
        c.run(f, &mut self.out)
            .map_err(lav(path, "scaling the reframe proxy"))?;
        let stride = self.out.stride(0);
        let data = self.out.data(0);
        let at = |x: usize, y: usize| y * stride + x * 3;
        let mut rgb = vec![0u8; pw * ph * 3];
        for y in 0..ph {
            for x in 0..pw {
                // (x, y) upright comes from (sx, sy) stored.
                let (sx, sy) = upright_source(self.rotation, (sw, sh), x, y);
                let s = at(sx, sy);
                let d = (y * pw + x) * 3;
                rgb[d..d + 3].copy_from_slice(&data[s..s + 3]);
            }
        }
        Ok(Thumb {
            width: pw,
            height: ph,
            rgb,
        })
    }
}

/// Decodes proxy pictures `samples.start..samples.end` of the range at `rate` per second
/// (sample k at reel time k / rate), calling `on(k, picture)` for each in order. A range that
/// starts after sample 0 decodes from the entry point at reel time `entry` (at or before the
/// range's first sample; see `crate::media::packets::exact_entry_points`), with `threads`
/// decoder threads (0: libav's choice).
pub fn decode_proxy(
    spec: &ProxySpec<'_>,
    rate: u32,
    samples: std::ops::Range<u64>,
    entry: Micros,
    threads: usize,
    width: usize,
    on: impl FnMut(u64, &Thumb, &mut LazyGrey<'_>) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let mut dec = RangeDecoder::open(spec.input, spec.stream, spec.x264_build, spec.trim_start)?;
    dec.with_video(VideoRange {
        first: samples.start,
        total: samples.end,
        fps: rate,
        threads,
    })?;
    dec.draft_video();
    if spec.trim_start > Micros::ZERO || entry > Micros::ZERO {
        let _ = dec.seek(entry);
    }
    Shrinker::for_proxy(spec, width).run(&mut dec, spec.input, on)
}

/// One decoded stretch: its thumbnails `(frame index, picture)`, and its first picture's faces
/// when asked.
pub type Stretched = (Vec<(u64, Thumb)>, Option<Vec<super::picture::Face>>);

/// Thumbnails `width` px wide of output frames `first..=last` of a reel at `fps` (32 px for
/// the exact frame of a cut), as `(frame index, picture)`.
pub fn decode_stretch(
    spec: &ProxySpec<'_>,
    fps: u32,
    first: u64,
    last: u64,
    width: usize,
) -> Result<Vec<(u64, Thumb)>, RenderError> {
    let mut all = decode_stretches(spec, fps, &[(first, last)], width, None)?;
    Ok(all.pop().map(|s| s.0).unwrap_or_default())
}

/// [`decode_stretch`] for several stretches `(first, last)` (the proxy's width for each
/// keyframe and the frames just after it) with one decoder, flushed and sought between them
/// (a 4K decoder's buffers are large: opening one per keyframe cost more in the kernel than
/// in decoding). With a face finder, also the faces in each stretch's first picture.
pub fn decode_stretches(
    spec: &ProxySpec<'_>,
    fps: u32,
    stretches: &[(u64, u64)],
    width: usize,
    mut faces_first: Option<&mut super::people::FaceFinder>,
) -> Result<Vec<Stretched>, RenderError> {
    let Some(&(first, last)) = stretches.first() else {
        return Ok(Vec::new());
    };
    let mut dec = RangeDecoder::open(spec.input, spec.stream, spec.x264_build, spec.trim_start)?;
    dec.with_video(VideoRange {
        first,
        total: last + 1,
        fps,
        // A few frames after a seek: frame threads would only add their start-up.
        threads: 1,
    })?;
    dec.draft_video();
    let mut shrink = Shrinker::for_proxy(spec, width);
    let mut all = Vec::with_capacity(stretches.len());
    for (n, &(first, last)) in stretches.iter().enumerate() {
        let at = Micros((first as i128 * 1_000_000 / fps as i128) as i64);
        if n == 0 {
            let _ = dec.seek(at);
        } else {
            let _ = dec.restart(first, last + 1, at);
        }
        let mut out = Vec::new();
        let mut faces = None;
        shrink.run(&mut dec, spec.input, |k, t, g| {
            if let Some(f) = faces_first.as_deref_mut().filter(|_| out.is_empty()) {
                faces = Some(f.look(g, None, true, Some(t))?);
            }
            out.push((k, t.clone()));
            Ok(())
        })?;
        all.push((out, faces));
    }
    Ok(all)
}

/// Reel times of the keyframes in the first `span` of the reel, by demuxing alone (nothing is
/// decoded). Reel time 0 (the trim's start, decodable only from the keyframe before it) is
/// added only when no keyframe comes within its first 2 s: the window before the first
/// keyframe is that keyframe's.
pub fn keyframe_times(spec: &ProxySpec<'_>, span: Micros) -> Result<Vec<Micros>, RenderError> {
    let mut out =
        crate::media::packets::video_keyframes(spec.input, spec.stream, spec.trim_start, span)?;
    if out.first().is_none_or(|&t| t > Micros(2_000_000)) {
        out.insert(0, Micros::ZERO);
    }
    Ok(out)
}

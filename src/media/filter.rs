//! The numeric-only filter graph: rotate, crop, convert colour (tone-map HDR), scale and fill
//! beside a narrow picture, ending in yuv420p BT.709. Text never enters it.

use super::error::{lav, RenderError};
use crate::plan::{ColorPath, Matrix, VideoPlan};
use ffmpeg_next as ff;
use std::path::Path;

/// Builds the numeric-only filter chain that rotates, crops, converts colour and scales.
pub fn filter_chain(v: &VideoPlan) -> String {
    let mut f: Vec<String> = Vec::new();
    if v.deinterlace {
        // One progressive frame per interlaced frame, before any geometry, from that frame
        // alone (kerndeint, where it is combed): frames reach the graph one at a time and,
        // when the source is faster than the reel, not all of them, so a deinterlacer that
        // waits for the next frame (bwdif, yadif, estdif) would see the wrong neighbours
        // (the convert stage does handle a graph that holds a frame back).
        f.push("kerndeint".into());
    }
    match v.rotation {
        90 => f.push("transpose=clock".into()),
        180 => f.push("hflip,vflip".into()),
        270 => f.push("transpose=cclock".into()),
        _ => {}
    }
    let c = v.crop();
    if (c.width, c.height) != v.rotated_size {
        f.push(format!("crop={}:{}:{}:{}", c.width, c.height, c.x, c.y));
    }
    // A picture narrower than the output is scaled to the output's height and centred.
    let (sw, sh) = match &v.fit {
        Some(fit) => (fit.width, fit.height),
        None => (v.width, v.height),
    };
    match v.color {
        ColorPath::Hlg { full_range } | ColorPath::Pq { full_range } => {
            // BT.2408: reference white (HLG 75 %, PQ 203 nits) is linear 1.0 at npl=203, so
            // it lands on SDR white; mobius keeps everything below 0.8 and rolls off above,
            // up to the format's peak in reference-white units (1000 or 10000 nits / 203).
            let (tin, peak) = if matches!(v.color, ColorPath::Hlg { .. }) {
                ("arib-std-b67", 1000.0 / 203.0)
            } else {
                ("smpte2084", 10000.0 / 203.0)
            };
            let rin = if full_range { "full" } else { "limited" };
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
        ColorPath::Sdr { matrix, full_range } => {
            let matrix = match matrix {
                Matrix::Bt2020 => "bt2020",
                Matrix::Bt601 => "bt601",
                Matrix::Bt709 => "bt709",
            };
            let in_range = if full_range { "pc" } else { "tv" };
            f.push(format!(
                "scale={sw}:{sh}:flags=bicubic:in_color_matrix={matrix}:out_color_matrix=bt709:in_range={in_range}:out_range=tv"
            ));
        }
    }
    if let Some(fit) = &v.fit {
        let x = (v.width - fit.width) / 2;
        // Even, so chroma lines up (0 for a picture fitted to the height).
        let y = ((v.height - fit.height) / 4) * 2;
        match fit.fill {
            crate::model::Fill::Color(crate::model::Rgb([r, g, b])) => f.push(format!(
                "pad={}:{}:{x}:{y}:color=0x{r:02x}{g:02x}{b:02x}",
                v.width, v.height
            )),
            crate::model::Fill::Blur => {
                // A blurred, darkened copy of the picture behind it, blurred at 1/8 size.
                let (bw, bh) = ((v.width / 16).max(1) * 2, (v.height / 16).max(1) * 2);
                // At least `bh`: `bw` is rounded down more than `bh` when the reel's width
                // is not a multiple of 16 (270 gives 32 for 33.75), and a picture as wide as
                // the reel would then scale to fewer rows than the crop takes.
                let full_h = (((bw as u64 * v.height as u64).div_ceil(fit.width as u64) as u32)
                    .div_ceil(2)
                    * 2)
                .max(bh);
                let y = (full_h.saturating_sub(bh) / 4) * 2;
                f.push(format!(
                    "split=2[fg][bg];[bg]scale={bw}:{full_h}:flags=bilinear,crop={bw}:{bh}:0:{y},boxblur=4:2,eq=brightness=-0.08,scale={}:{}:flags=bilinear[blur];[blur][fg]overlay=x={x}:y=0",
                    v.width, v.height
                ));
            }
        }
    }
    if v.blur {
        // Blurred at 1/8 size and darkened, so a title over it reads.
        let (bw, bh) = ((v.width / 16).max(1) * 2, (v.height / 16).max(1) * 2);
        f.push(format!(
            "scale={bw}:{bh}:flags=bilinear,boxblur=3:2,eq=brightness=-0.12,scale={}:{}:flags=bilinear",
            v.width, v.height
        ));
    }
    f.push("format=yuv420p,setsar=1".into());
    f.join(",")
}

/// The chain of a `--focus auto` fill shot: the whole (uncropped) picture fitted to the
/// output's width (`video` already says so: its output size is the fit's), centred over a
/// blurred, darkened copy of its middle, or the fill colour.
pub fn fill_wide_chain(video: &VideoPlan, out: (u32, u32), fill: crate::model::Fill) -> String {
    let base = filter_chain(video);
    let (fw, fh) = (video.width, video.height);
    let y = ((out.1.saturating_sub(fh)) / 4) * 2;
    match fill {
        crate::model::Fill::Color(crate::model::Rgb([r, g, b])) => format!(
            "{base},pad={}:{}:0:{y}:color=0x{r:02x}{g:02x}{b:02x},format=yuv420p,setsar=1",
            out.0, out.1
        ),
        crate::model::Fill::Blur => {
            let cw = ((fh as u64 * out.0 as u64 / out.1 as u64) as u32 / 2 * 2).clamp(2, fw);
            let (bw, bh) = ((out.0 / 16).max(1) * 2, (out.1 / 16).max(1) * 2);
            format!(
                "{base},split=2[fg][bg];[bg]crop={cw}:{fh}:{}:0,scale={bw}:{bh}:flags=bilinear,boxblur=4:2,eq=brightness=-0.08,scale={}:{}:flags=bilinear[blur];[blur][fg]overlay=x=0:y={y},format=yuv420p,setsar=1",
                (fw - cw) / 4 * 2,
                out.0,
                out.1
            )
        }
    }
}

/// Builds the graph for frames like `f` (size, pixel format, aspect) with time base `tb`,
/// ending in yuv420p.
pub fn build_graph(
    path: &Path,
    video: &VideoPlan,
    f: &ff::frame::Video,
    tb: ff::Rational,
) -> Result<ff::filter::Graph, RenderError> {
    build_graph_chain(path, &filter_chain(video), f, tb)
}

/// [`build_graph`] with the chain given.
pub fn build_graph_chain(
    path: &Path,
    chain: &str,
    f: &ff::frame::Video,
    tb: ff::Rational,
) -> Result<ff::filter::Graph, RenderError> {
    let err = lav(path, "setting up the picture filters");
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
        .and_then(|p| p.parse(chain))
        .map_err(&err)?;
    g.validate().map_err(&err)?;
    Ok(g)
}

/// Sends one frame into `g`.
pub fn filter_push(
    path: &Path,
    g: &mut ff::filter::Graph,
    decoded: &ff::frame::Video,
) -> Result<(), RenderError> {
    let err = lav(path, "converting a picture");
    g.get("in")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?
        .source()
        .add(decoded)
        .map_err(&err)
}

/// The next converted frame, or None when the graph holds it back for now (a deinterlacer
/// looks one frame ahead) or has no more.
pub fn filter_pull(
    path: &Path,
    g: &mut ff::filter::Graph,
) -> Result<Option<ff::frame::Video>, RenderError> {
    let err = lav(path, "converting a picture");
    let mut out = ff::frame::Video::empty();
    match g
        .get("out")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?
        .sink()
        .frame(&mut out)
    {
        Ok(()) => Ok(Some(out)),
        Err(ff::Error::Eof) => Ok(None),
        Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => Ok(None),
        Err(e) => Err(err(e)),
    }
}

/// Ends the graph's input: frames it held back come out through [`filter_pull`].
pub fn filter_flush(path: &Path, g: &mut ff::filter::Graph) -> Result<(), RenderError> {
    let err = lav(path, "converting a picture");
    g.get("in")
        .ok_or(ff::Error::FilterNotFound)
        .map_err(&err)?
        .source()
        .flush()
        .map_err(&err)
}

/// Converts one frame through `g` (one frame in, one frame out; a graph that holds frames
/// back is flushed, so call this once per graph then).
pub fn filter_one(
    path: &Path,
    g: &mut ff::filter::Graph,
    decoded: &ff::frame::Video,
) -> Result<ff::frame::Video, RenderError> {
    filter_push(path, g, decoded)?;
    if let Some(out) = filter_pull(path, g)? {
        return Ok(out);
    }
    filter_flush(path, g)?;
    filter_pull(path, g)?.ok_or_else(|| {
        RenderError::libav(
            path,
            "converting a picture",
            ff::Error::Other {
                errno: ff::error::EAGAIN,
            },
        )
    })
}

//! A decoded picture scaled down to a small RGB proxy (about 160 px wide) for the analysis
//! passes: fast bilinear swscale, one scaler per input size and format.

use super::error::{lav, RenderError};
use ffmpeg_next as ff;
use std::path::Path;

/// Scales decoded frames to `width` px wide RGB (height keeping the stored aspect, even).
pub struct ProxyScaler {
    width: u32,
    ctx: Option<(
        ff::software::scaling::Context,
        (ff::format::Pixel, u32, u32),
    )>,
}

impl ProxyScaler {
    /// A scaler to `width` px wide.
    pub fn new(width: u32) -> ProxyScaler {
        ProxyScaler { width, ctx: None }
    }

    /// The frame as packed RGB rows (`w`, `h`, bytes `w*h*3`).
    pub fn rgb(
        &mut self,
        path: &Path,
        frame: &ff::frame::Video,
    ) -> Result<(usize, usize, Vec<u8>), RenderError> {
        let key = (frame.format(), frame.width(), frame.height());
        if self.ctx.as_ref().is_none_or(|(_, k)| *k != key) {
            let w = self.width.min(key.1.max(2)) & !1;
            let h = ((key.2 as u64 * w as u64 / key.1.max(1) as u64) as u32).max(2) & !1;
            let ctx = ff::software::scaling::Context::get(
                key.0,
                key.1,
                key.2,
                ff::format::Pixel::RGB24,
                w,
                h,
                ff::software::scaling::Flags::FAST_BILINEAR,
            )
            .map_err(lav(path, "setting up the analysis proxy"))?;
            self.ctx = Some((ctx, key));
        }
        let (ctx, _) = self.ctx.as_mut().expect("set above");
        let mut out = ff::frame::Video::empty();
        ctx.run(frame, &mut out)
            .map_err(lav(path, "scaling the analysis proxy"))?;
        let (w, h) = (out.width() as usize, out.height() as usize);
        let stride = out.stride(0);
        let data = out.data(0);
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            rgb.extend_from_slice(&data[y * stride..y * stride + w * 3]);
        }
        Ok((w, h, rgb))
    }
}

//! Compositing rasterised cards onto 4:2:0 frames.
//!
//! A card is converted once from RGBA to a BT.709 limited-range YUV image with its own alpha
//! planes ([`YuvOverlay`]); per frame only the card's rectangle is touched, with the card's
//! current opacity (fades) applied in integer arithmetic.

use crate::text::card::CardImage;

/// A card converted to Y, U, V and alpha planes, placed at an even position.
#[derive(Debug, Clone)]
pub struct YuvOverlay {
    /// Left edge on the frame (even).
    pub x: u32,
    /// Top edge on the frame (even).
    pub y: u32,
    /// Width in luma pixels (even).
    pub width: u32,
    /// Height in luma pixels (even).
    pub height: u32,
    luma: Vec<u8>,
    luma_alpha: Vec<u8>,
    cb: Vec<u8>,
    cr: Vec<u8>,
    chroma_alpha: Vec<u8>,
    /// Per luma row, the columns `start..end` that are not fully transparent.
    luma_spans: Vec<(u32, u32)>,
    /// The same per chroma row.
    chroma_spans: Vec<(u32, u32)>,
}

/// For each row of a `w`-wide alpha plane, the span of columns with any coverage, so the
/// blend skips a card's transparent margins (rounded corners, wrapped lines' ends).
fn opaque_spans(alpha: &[u8], w: usize) -> Vec<(u32, u32)> {
    alpha
        .chunks(w.max(1))
        .map(|row| match row.iter().position(|&a| a != 0) {
            Some(first) => {
                let last = row.iter().rposition(|&a| a != 0).unwrap_or(first);
                (first as u32, last as u32 + 1)
            }
            None => (0, 0),
        })
        .collect()
}

/// BT.709 limited-range YCbCr of an sRGB-encoded colour.
pub fn rgb_to_ycbcr709(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    let (r, g, b) = (r as f32, g as f32, b as f32);
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let yy = 16.0 + 219.0 * y / 255.0;
    let cb = 128.0 + 224.0 * (b - y) / (1.8556 * 255.0);
    let cr = 128.0 + 224.0 * (r - y) / (1.5748 * 255.0);
    let q = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    (q(yy), q(cb), q(cr))
}

/// Converts a yuv420p BT.709 limited-range picture to 8-bit RGB (what a player shows).
pub fn yuv420_to_rgb709(planes: [(&[u8], usize); 3], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let [(yp, ys), (up, us), (vp, vs)] = planes;
    let mut out = vec![0u8; w * h * 3];
    let q = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    for row in 0..h {
        for col in 0..w {
            let y = (yp[row * ys + col] as f32 - 16.0) * (255.0 / 219.0);
            let cb = (up[(row / 2) * us + col / 2] as f32 - 128.0) * (255.0 / 224.0);
            let cr = (vp[(row / 2) * vs + col / 2] as f32 - 128.0) * (255.0 / 224.0);
            let o = (row * w + col) * 3;
            out[o] = q(y + 1.5748 * cr);
            out[o + 1] = q(y - 0.1873 * cb - 0.4681 * cr);
            out[o + 2] = q(y + 1.8556 * cb);
        }
    }
    out
}

impl YuvOverlay {
    /// Converts a straight-alpha RGBA card. An odd position or size is widened by one
    /// transparent pixel so chroma samples line up.
    pub fn from_rgba(card: &CardImage) -> YuvOverlay {
        let x = card.x & !1;
        let y = card.y & !1;
        let dx = (card.x - x) as usize;
        let dy = (card.y - y) as usize;
        let width = (card.width + dx as u32 + 1) & !1;
        let height = (card.height + dy as u32 + 1) & !1;
        let (w, h) = (width as usize, height as usize);
        let mut luma = vec![0u8; w * h];
        let mut luma_alpha = vec![0u8; w * h];
        let mut rgb_at = vec![(0u8, 0u8, 0u8); w * h];
        for row in 0..card.height as usize {
            for col in 0..card.width as usize {
                let i = (row * card.width as usize + col) * 4;
                let px = &card.rgba[i..i + 4];
                let o = (row + dy) * w + col + dx;
                let (yv, _, _) = rgb_to_ycbcr709(px[0], px[1], px[2]);
                luma[o] = yv;
                luma_alpha[o] = px[3];
                rgb_at[o] = (px[0], px[1], px[2]);
            }
        }
        let (cw, ch) = (w / 2, h / 2);
        let mut cb = vec![128u8; cw * ch];
        let mut cr = vec![128u8; cw * ch];
        let mut chroma_alpha = vec![0u8; cw * ch];
        for row in 0..ch {
            for col in 0..cw {
                let mut sum_a = 0u32;
                let (mut sr, mut sg, mut sb) = (0u32, 0u32, 0u32);
                for (ry, rx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let o = (row * 2 + ry) * w + col * 2 + rx;
                    let a = luma_alpha[o] as u32;
                    let (r, g, b) = rgb_at[o];
                    sum_a += a;
                    sr += r as u32 * a;
                    sg += g as u32 * a;
                    sb += b as u32 * a;
                }
                let o = row * cw + col;
                chroma_alpha[o] = ((sum_a + 2) / 4) as u8;
                if let (Some(r), Some(g), Some(b)) = (
                    sr.checked_div(sum_a),
                    sg.checked_div(sum_a),
                    sb.checked_div(sum_a),
                ) {
                    let (_, u, v) = rgb_to_ycbcr709(r as u8, g as u8, b as u8);
                    cb[o] = u;
                    cr[o] = v;
                }
            }
        }
        let luma_spans = opaque_spans(&luma_alpha, w);
        let chroma_spans = opaque_spans(&chroma_alpha, cw);
        YuvOverlay {
            x,
            y,
            width,
            height,
            luma,
            luma_alpha,
            cb,
            cr,
            chroma_alpha,
            luma_spans,
            chroma_spans,
        }
    }

    /// Blends the overlay at `opacity` (0–1), moved `dy` pixels down (rounded to even), onto
    /// one plane (0 = Y, 1 = U, 2 = V) of a yuv420p frame of `frame_w` x `frame_h` luma
    /// pixels. Parts outside the frame are skipped.
    #[allow(clippy::too_many_arguments)]
    pub fn blend_plane(
        &self,
        plane: usize,
        data: &mut [u8],
        stride: usize,
        frame_w: u32,
        frame_h: u32,
        opacity: f32,
        dy: i32,
    ) {
        let op = (opacity.clamp(0.0, 1.0) * 256.0).round() as u32;
        if op == 0 {
            return;
        }
        let top = self.y as i64 + (dy as i64 & !1);
        // Rows of the overlay above the frame are skipped.
        let skip = (-top).max(0) as usize;
        let top = top.max(0) as u32;
        let w = self.width as usize;
        let cols = (frame_w.saturating_sub(self.x) as usize).min(w);
        let rows =
            (frame_h.saturating_sub(top) as usize).min((self.height as usize).saturating_sub(skip));
        let (src, alpha, spans, w, cols, rows, x, y, skip) = match plane {
            0 => (
                &self.luma,
                &self.luma_alpha,
                &self.luma_spans,
                w,
                cols,
                rows,
                self.x as usize,
                top as usize,
                skip,
            ),
            1 | 2 => (
                if plane == 1 { &self.cb } else { &self.cr },
                &self.chroma_alpha,
                &self.chroma_spans,
                w / 2,
                cols / 2,
                rows / 2,
                self.x as usize / 2,
                top as usize / 2,
                skip / 2,
            ),
            _ => return,
        };
        for row in 0..rows {
            let r = row + skip;
            let (a, b) = spans[r];
            let (a, b) = (a as usize, (b as usize).min(cols));
            if a >= b {
                continue;
            }
            let start = (y + row) * stride + x;
            let Some(dst) = data.get_mut(start + a..start + b) else {
                return;
            };
            blend_row(
                dst,
                &src[r * w + a..r * w + b],
                &alpha[r * w + a..r * w + b],
                op,
            );
        }
    }

    /// Blends onto all three planes of a yuv420p frame, given with their strides.
    pub fn blend(&self, planes: [(&mut [u8], usize); 3], frame_w: u32, frame_h: u32, opacity: f32) {
        for (i, (data, stride)) in planes.into_iter().enumerate() {
            self.blend_plane(i, data, stride, frame_w, frame_h, opacity, 0);
        }
    }
}

#[inline]
fn blend_row(dst: &mut [u8], src: &[u8], alpha: &[u8], op: u32) {
    // Branch-free so it vectorises; a transparent pixel (a = 0) comes out unchanged.
    for ((d, &s), &a) in dst.iter_mut().zip(src).zip(alpha) {
        // a' in 0..=65280 (255*256); d = d + (s - d) * a'/65280
        let ae = a as u32 * op;
        let dv = *d as u32;
        let sv = s as u32;
        *d = ((dv * (65280 - ae) + sv * ae + 32640) / 65280) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(x: u32, y: u32, w: u32, h: u32, rgba: [u8; 4]) -> CardImage {
        CardImage {
            x,
            y,
            width: w,
            height: h,
            rgba: rgba.repeat((w * h) as usize),
        }
    }

    #[test]
    fn yuv_to_rgb_inverts_rgb_to_yuv() {
        for (r, g, b) in [
            (255u8, 255u8, 255u8),
            (0, 0, 0),
            (255, 0, 0),
            (30, 160, 90),
            (250, 210, 63),
        ] {
            let (y, u, v) = rgb_to_ycbcr709(r, g, b);
            let rgb = yuv420_to_rgb709([(&[y; 4], 2), (&[u], 1), (&[v], 1)], 2, 2);
            for (got, want) in rgb[..3].iter().zip([r, g, b]) {
                assert!(
                    (*got as i32 - want as i32).abs() <= 2,
                    "{:?} vs {:?}",
                    &rgb[..3],
                    (r, g, b)
                );
            }
        }
    }

    #[test]
    fn bt709_reference_colours() {
        assert_eq!(rgb_to_ycbcr709(255, 255, 255), (235, 128, 128));
        assert_eq!(rgb_to_ycbcr709(0, 0, 0), (16, 128, 128));
        let (y, cb, cr) = rgb_to_ycbcr709(255, 0, 0);
        assert_eq!((y, cb, cr), (63, 102, 240));
    }

    fn frame(w: usize, h: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        (vec![100; w * h], vec![128; w * h / 4], vec![128; w * h / 4])
    }

    #[test]
    fn opaque_card_replaces_only_its_rectangle() {
        let o = YuvOverlay::from_rgba(&card(4, 6, 8, 4, [255, 255, 255, 255]));
        let (mut y, mut u, mut v) = frame(32, 16);
        o.blend([(&mut y, 32), (&mut u, 16), (&mut v, 16)], 32, 16, 1.0);
        for row in 0..16 {
            for col in 0..32 {
                let inside = (4..12).contains(&col) && (6..10).contains(&row);
                assert_eq!(
                    y[row * 32 + col],
                    if inside { 235 } else { 100 },
                    "{row},{col}"
                );
            }
        }
    }

    #[test]
    fn opacity_scales_the_blend_and_zero_is_a_no_op() {
        let o = YuvOverlay::from_rgba(&card(0, 0, 4, 4, [255, 255, 255, 255]));
        let (mut y, mut u, mut v) = frame(8, 8);
        o.blend([(&mut y, 8), (&mut u, 4), (&mut v, 4)], 8, 8, 0.5);
        assert!((166..=169).contains(&y[0]), "{}", y[0]);
        let (mut y2, mut u2, mut v2) = frame(8, 8);
        o.blend([(&mut y2, 8), (&mut u2, 4), (&mut v2, 4)], 8, 8, 0.0);
        assert!(y2.iter().all(|&p| p == 100));
    }

    #[test]
    fn offset_moves_the_card_and_clips_at_the_top() {
        let o = YuvOverlay::from_rgba(&card(2, 4, 4, 4, [255, 255, 255, 255]));
        let (mut y, mut u, mut v) = frame(8, 12);
        for (p, (d, s)) in [(&mut y, 8), (&mut u, 4), (&mut v, 4)]
            .into_iter()
            .enumerate()
        {
            o.blend_plane(p, d, s, 8, 12, 1.0, 4);
        }
        assert_eq!(y[7 * 8 + 3], 100, "moved: the old place is untouched");
        assert_eq!(y[8 * 8 + 3], 235);
        let (mut y, mut u, mut v) = frame(8, 12);
        for (p, (d, s)) in [(&mut y, 8), (&mut u, 4), (&mut v, 4)]
            .into_iter()
            .enumerate()
        {
            o.blend_plane(p, d, s, 8, 12, 1.0, -6);
        }
        assert_eq!(y[3], 235, "the part still on the frame is drawn");
        assert_eq!(y[2 * 8 + 3], 100);
    }

    #[test]
    fn odd_position_and_clipping_are_safe() {
        let o = YuvOverlay::from_rgba(&card(5, 3, 9, 7, [255, 0, 0, 200]));
        assert_eq!((o.x, o.y, o.width % 2, o.height % 2), (4, 2, 0, 0));
        let (mut y, mut u, mut v) = frame(10, 6);
        o.blend([(&mut y, 10), (&mut u, 5), (&mut v, 5)], 10, 6, 1.0);
        assert_eq!(y[2 * 10 + 4], 100, "the padding pixel stays transparent");
        assert_ne!(y[3 * 10 + 5], 100);
        assert!(v[5 + 2] > 128, "red raises Cr");
    }
}

//! Where to look, per proxy picture, without ML weights: a colour histogram (for cuts), the
//! camera's own shift (block matching on the luma), motion against that shift (the residual
//! above the picture's noise), saturated and warm colour (food, flames), skin tone, strong
//! edges, and a gentle pull to the centre. The result is a column profile: how much of what
//! matters each column of the picture holds (the 9:16 window spans the full height, so only
//! the horizontal position is decided).

use super::picture::Thumb;

/// Bins per channel of the cut histogram.
const BINS: usize = 4;

/// A colour histogram (4x4x4 bins, summing to 1).
pub fn histogram(t: &Thumb) -> Vec<f32> {
    let mut h = vec![0f32; BINS * BINS * BINS];
    for p in t.rgb.chunks_exact(3) {
        let b = |v: u8| (v as usize * BINS) >> 8;
        h[(b(p[0]) * BINS + b(p[1])) * BINS + b(p[2])] += 1.0;
    }
    let n = (t.rgb.len() / 3).max(1) as f32;
    h.iter_mut().for_each(|v| *v /= n);
    h
}

/// 1 - histogram intersection: 0 for the same colours, 1 for none in common.
pub fn hist_distance(a: &[f32], b: &[f32]) -> f32 {
    1.0 - a.iter().zip(b).map(|(x, y)| x.min(*y)).sum::<f32>()
}

/// What one proxy picture says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// Histogram distance to the previous picture (0 for the first).
    pub cut_distance: f32,
    /// Salience per column (mean over the column of a 0–~2.5 score).
    pub profile: Vec<f32>,
    /// The part of `profile` that is motion against the camera (0–1 per pixel): what a
    /// detected moment weighs more.
    pub motion: Vec<f32>,
    /// The camera's shift against the previous picture, in proxy pixels.
    pub shift: (i32, i32),
    /// How much the picture changed against the previous one once the camera's shift is
    /// taken out (mean absolute luma difference, 0–1; 1 across a colour cut). A cut
    /// between two grey scenes changes little colour but nearly every pixel.
    pub change: f32,
    /// The picture's mean luma (0 black, 1 white): a fade through black darkens to near 0.
    pub brightness: f32,
    /// The proxy picture's luma (0-255, rows of `profile.len()` pixels), kept to see a
    /// face's mouth move once the faces are known (see `super::speaker`).
    pub luma: Vec<u8>,
}

/// Streams proxy pictures into [`Observation`]s.
pub struct Analyser {
    prev_luma: Option<Vec<f32>>,
    prev_hist: Option<Vec<f32>>,
}

impl Default for Analyser {
    fn default() -> Self {
        Self::new()
    }
}

fn luma(t: &Thumb) -> Vec<f32> {
    t.rgb
        .chunks_exact(3)
        .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
        .collect()
}

/// The integer shift (dx, dy) that best maps `prev` onto `cur` (cur(x, y) ~ prev(x - dx,
/// y - dy)), searched within ±`range`, by the mean absolute difference over the interior.
/// Where the best lies on the search's edge (a hand-held phone swung further than `range`
/// in one step), the search is made again within twice the range: a shift cut short leaves
/// every edge in the picture as motion against the camera.
pub fn global_shift(prev: &[f32], cur: &[f32], w: usize, h: usize, range: i32) -> (i32, i32) {
    let Some(found) = shift_within(prev, cur, w, h, range) else {
        return (0, 0);
    };
    if found.0.abs() == range || found.1.abs() == range {
        return shift_within(prev, cur, w, h, 2 * range).unwrap_or(found);
    }
    found
}

/// [`global_shift`]'s search within ±`range` alone; None when the picture is too small for
/// that range.
fn shift_within(prev: &[f32], cur: &[f32], w: usize, h: usize, range: i32) -> Option<(i32, i32)> {
    let m = range as usize;
    if w <= 2 * m + 4 || h <= 2 * m + 4 {
        return None;
    }
    let mut best = (f32::MAX, (0, 0));
    // Every other pixel of every other row: enough for a dominant shift.
    for dy in -range..=range {
        for dx in -range..=range {
            let mut sad = 0f32;
            for y in (m..h - m).step_by(2) {
                let py = (y as i32 - dy) as usize;
                let row = y * w;
                let prow = py * w;
                for x in (m..w - m).step_by(2) {
                    let px = (x as i32 - dx) as usize;
                    sad += (cur[row + x] - prev[prow + px]).abs();
                }
            }
            // Prefer no shift on a tie (a still camera over a flat picture).
            let sad = sad * (1.0 + 0.002 * (dx.abs() + dy.abs()) as f32);
            if sad < best.0 {
                best = (sad, (dx, dy));
            }
        }
    }
    Some(best.1)
}

/// A per-pixel score as a column profile (each column's mean), smoothed across columns, with
/// a gentle pull to the centre.
fn column_profile(score: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut col = vec![0f32; w];
    for row in score.chunks_exact(w.max(1)) {
        for (c, v) in col.iter_mut().zip(row) {
            *c += v;
        }
    }
    let c = (w as f32 - 1.0) / 2.0;
    smooth5(&col, [1.0, 2.0, 3.0, 2.0, 1.0])
        .into_iter()
        .enumerate()
        .map(|(xx, s)| {
            let d = (xx as f32 - c) / c.max(1.0);
            s / h.max(1) as f32 * (1.0 - 0.2 * d * d)
        })
        .collect()
}

/// `v` smoothed by the 5-tap kernel `k` (centred), renormalised where it runs past an end.
pub fn smooth5(v: &[f32], k: [f32; 5]) -> Vec<f32> {
    (0..v.len())
        .map(|i| {
            let (mut s, mut n) = (0f32, 0f32);
            for (j, wk) in k.iter().enumerate() {
                let t = i as i64 + j as i64 - 2;
                if t >= 0 && (t as usize) < v.len() {
                    s += wk * v[t as usize];
                    n += wk;
                }
            }
            s / n
        })
        .collect()
}

/// The mean of `v` (a `w` x `h` picture) over the box of radius `r` around each pixel
/// (clipped at the borders), by an integral image.
fn box_mean(v: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut sat = vec![0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0f64;
        for x in 0..w {
            row += v[y * w + x] as f64;
            sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let s = sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0]
                + sat[y0 * (w + 1) + x0];
            out[y * w + x] = (s / ((y1 - y0) * (x1 - x0)) as f64) as f32;
        }
    }
    out
}

impl Analyser {
    /// A fresh analyser.
    pub fn new() -> Analyser {
        Analyser {
            prev_luma: None,
            prev_hist: None,
        }
    }

    /// Observes the next proxy picture.
    pub fn push(&mut self, t: &Thumb) -> Observation {
        let (w, h) = (t.width, t.height);
        let y = luma(t);
        let hist = histogram(t);
        let cut_distance = self
            .prev_hist
            .as_ref()
            .map_or(0.0, |p| hist_distance(p, &hist));
        let mut score = vec![0f32; w * h];
        let mut motion = vec![0f32; w * h];

        // Motion against the camera's own movement (not across a likely cut).
        let mut shift = (0, 0);
        let mut change = if self.prev_luma.is_some() { 1.0 } else { 0.0 };
        if let Some(prev) = self.prev_luma.as_ref().filter(|_| cut_distance < 0.3) {
            shift = global_shift(prev, &y, w, h, ((w / 24).max(2)) as i32);
            let (dx, dy) = shift;
            let mut resid = vec![0f32; w * h];
            let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
            for yy in 0..h {
                let py = yy as i32 - dy;
                if py < 0 || py >= h as i32 {
                    continue;
                }
                for xx in 0..w {
                    let px = xx as i32 - dx;
                    if px < 0 || px >= w as i32 {
                        continue;
                    }
                    let r = (y[yy * w + xx] - prev[py as usize * w + px as usize]).abs();
                    resid[yy * w + xx] = r;
                    sum += r as f64;
                    sum2 += (r * r) as f64;
                    n += 1.0;
                }
            }
            let n = n.max(1.0);
            let mean = sum / n;
            change = (mean / 255.0) as f32;
            let sd = (sum2 / n - mean * mean).max(0.0).sqrt();
            // Above the picture's own noise (sensor noise, a flickering light).
            let floor = (mean + 2.0 * sd).max(6.0) as f32;
            // Blurred 3x3 so isolated noisy pixels do not count.
            for yy in 1..h.saturating_sub(1) {
                for xx in 1..w.saturating_sub(1) {
                    let mut s = 0f32;
                    for oy in 0..3 {
                        for ox in 0..3 {
                            s += resid[(yy + oy - 1) * w + xx + ox - 1];
                        }
                    }
                    let r = s / 9.0;
                    let m = ((r - floor) / 30.0).clamp(0.0, 1.0);
                    motion[yy * w + xx] = m;
                    score[yy * w + xx] += m;
                }
            }
        }

        // Colour: saturated, warm more (food, flames, spills); skin tone; strong edges.
        let mut grad = vec![0f32; w * h];
        let mut gsum = 0f64;
        for yy in 1..h.saturating_sub(1) {
            for xx in 1..w.saturating_sub(1) {
                let i = yy * w + xx;
                let g = (y[i + 1] - y[i - 1]).abs() + (y[i + w] - y[i - w]).abs();
                grad[i] = g;
                gsum += g as f64;
            }
        }
        let gmean = (gsum / (w * h).max(1) as f64) as f32;
        // Texture around each pixel (the gradient's mean over a small box): colour counts
        // where there is something to see. A flat warm wall, a wooden cabinet door or a
        // blue sky is background however coloured; a face, food or a flame has detail.
        let texture = box_mean(&grad, w, h, (w / 48).max(2));
        let tex_unit = 1.2 * gmean + 3.0;
        for (i, p) in t.rgb.chunks_exact(3).enumerate() {
            let (r, g, b) = (p[0] as f32, p[1] as f32, p[2] as f32);
            let max = r.max(g).max(b);
            let min = r.min(g).min(b);
            let chroma = (max - min) / 255.0;
            let warm = r >= g && r >= b || (r > b && g > b && r > 0.6 * g);
            let colour = ((chroma - 0.2) / 0.4).clamp(0.0, 1.0) * if warm { 1.0 } else { 0.6 };
            let cb = 128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b;
            let cr = 128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b;
            let skin = (77.0..=127.0).contains(&cb) && (138.0..=173.0).contains(&cr) && max > 60.0;
            let edge = ((grad[i] - 2.5 * gmean) / 80.0).clamp(0.0, 1.0);
            let detail = (texture[i] / tex_unit).clamp(0.25, 1.0);
            score[i] += detail * (0.8 * colour + if skin { 0.5 } else { 0.0 }) + 0.2 * edge;
        }

        let brightness = y.iter().sum::<f32>() / (255.0 * y.len().max(1) as f32);
        let luma = y
            .iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect();
        self.prev_luma = Some(y);
        self.prev_hist = Some(hist);
        Observation {
            cut_distance,
            profile: column_profile(&score, w, h),
            motion: column_profile(&motion, w, h),
            shift,
            change,
            brightness,
            luma,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(w: usize, h: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..w * h)
            .map(|_| {
                s = s.wrapping_mul(1103515245).wrapping_add(12345);
                ((s >> 16) & 0xff) as f32
            })
            .collect()
    }

    #[test]
    fn the_camera_shift_is_found() {
        let (w, h) = (96, 54);
        let a = noise(w, h, 7);
        let mut b = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = (x as i32 - 3, y as i32 + 2);
                if sx >= 0 && sy >= 0 && (sx as usize) < w && (sy as usize) < h {
                    b[y * w + x] = a[sy as usize * w + sx as usize];
                }
            }
        }
        assert_eq!(global_shift(&a, &b, w, h, 4), (3, -2));
        // A swing past the range: found by the second search, within twice the range.
        assert_eq!(global_shift(&a, &b, w, h, 3), (3, -2));
        assert_eq!(global_shift(&a, &b, w, h, 2), (3, -2));
    }

    #[test]
    fn a_moving_warm_patch_is_where_the_profile_peaks() {
        let (w, h) = (96, 54);
        let grey = noise(w, h, 3);
        let frame = |px: usize| {
            let mut rgb = Vec::with_capacity(w * h * 3);
            for y in 0..h {
                for x in 0..w {
                    let g = (grey[y * w + x] * 0.3 + 80.0) as u8;
                    if (px..px + 10).contains(&x) && (20..34).contains(&y) {
                        rgb.extend_from_slice(&[230, 90, 20]);
                    } else {
                        rgb.extend_from_slice(&[g, g, g]);
                    }
                }
            }
            Thumb {
                width: w,
                height: h,
                rgb,
            }
        };
        let mut a = Analyser::new();
        a.push(&frame(10));
        let o = a.push(&frame(70));
        let peak = (0..w)
            .max_by(|&i, &j| o.profile[i].total_cmp(&o.profile[j]))
            .unwrap();
        assert!((68..82).contains(&peak), "{peak}");
        assert!(o.cut_distance < 0.2);
    }

    #[test]
    fn a_flat_warm_wall_weighs_less_than_a_textured_warm_patch() {
        // Left: a flat beige wall (warm, skin-like); right: a textured warm patch of the
        // same size over grey noise. No motion (one picture).
        let (w, h) = (96, 54);
        let grey = noise(w, h, 5);
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                let g = (grey[y * w + x] * 0.1 + 100.0) as u8;
                if x < 16 {
                    rgb.extend_from_slice(&[200, 160, 120]);
                } else if (60..76).contains(&x) && (10..44).contains(&y) {
                    let t = if (x / 2 + y / 2) % 2 == 0 { 40 } else { 0 };
                    rgb.extend_from_slice(&[200 - t, 150 - t, 110 - t]);
                } else {
                    rgb.extend_from_slice(&[g, g, g]);
                }
            }
        }
        let o = Analyser::new().push(&Thumb {
            width: w,
            height: h,
            rgb,
        });
        let wall = o.profile[4..12].iter().sum::<f32>();
        let patch = o.profile[64..72].iter().sum::<f32>();
        assert!(patch > 1.5 * wall, "patch {patch} wall {wall}");
    }
}

//! Video cues on a low-resolution grey proxy (about 160 px wide, a few frames a second):
//! global motion by block matching (coarse to fine), the residual difference after that
//! motion is compensated, brightness and saturation. From those: a camera knock (the
//! velocity jumps and reverses, the view stays the same), a sudden exposure or colour
//! change, a burst of local motion, and hard cuts (no continuity at all), which are not
//! fails and suppress any candidate at them.

use super::audio::{background, median};
use super::Cue;

/// One proxy frame.
pub struct Proxy {
    /// Clip time, seconds.
    pub t: f64,
    /// Width and height.
    pub w: usize,
    /// Height.
    pub h: usize,
    /// Grey pixels, row-major.
    pub grey: Vec<u8>,
    /// Mean saturation (max − min of RGB), 0–255.
    pub sat: f32,
}

impl Proxy {
    fn mean(&self) -> f32 {
        self.grey.iter().map(|&v| v as u32).sum::<u32>() as f32 / self.grey.len().max(1) as f32
    }

    fn hist(&self) -> [f32; 16] {
        let mut h = [0f32; 16];
        for &v in &self.grey {
            h[(v >> 4) as usize] += 1.0;
        }
        let n = self.grey.len().max(1) as f32;
        h.map(|v| v / n)
    }

    fn half(&self) -> Proxy {
        let (w, h) = (self.w / 2, self.h / 2);
        let mut grey = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let i = 2 * y * self.w + 2 * x;
                let s = self.grey[i] as u32
                    + self.grey[i + 1] as u32
                    + self.grey[i + self.w] as u32
                    + self.grey[i + self.w + 1] as u32;
                grey[y * w + x] = (s / 4) as u8;
            }
        }
        Proxy {
            t: self.t,
            w,
            h,
            grey,
            sat: self.sat,
        }
    }
}

/// Mean absolute difference of `b` shifted by (dx, dy) against `a` over the rectangle
/// `x0..x1, y0..y1` of `a` (which must stay inside `b` after the shift).
fn sad_in(a: &Proxy, b: &Proxy, dx: i32, dy: i32, r: (i32, i32, i32, i32)) -> f32 {
    let w = a.w as i32;
    let (x0, y0, x1, y1) = r;
    let mut s = 0u64;
    for y in y0..y1 {
        let by = y + dy;
        let ra = &a.grey[(y * w + x0) as usize..(y * w + x1) as usize];
        let rb = &b.grey[(by * w + x0 + dx) as usize..(by * w + x1 + dx) as usize];
        for (p, q) in ra.iter().zip(rb) {
            s += (*p as i32 - *q as i32).unsigned_abs() as u64;
        }
    }
    s as f32 / ((x1 - x0) * (y1 - y0)).max(1) as f32
}

/// Mean absolute difference of the whole frames (inside a margin) at shift (dx, dy).
fn sad(a: &Proxy, b: &Proxy, dx: i32, dy: i32, margin: i32) -> f32 {
    sad_in(
        a,
        b,
        dx,
        dy,
        (margin, margin, a.w as i32 - margin, a.h as i32 - margin),
    )
}

/// The shift of one block within ±`r` (zero unless another is clearly better: a flat block
/// has no motion to measure), or None for a block without texture.
fn block_shift(a: &Proxy, b: &Proxy, rect: (i32, i32, i32, i32), r: i32) -> Option<(i32, i32)> {
    let zero = sad_in(a, b, 0, 0, rect);
    let mut best = ((0, 0), zero);
    let mut worst = zero;
    for dy in -r..=r {
        for dx in -r..=r {
            let v = sad_in(a, b, dx, dy, rect);
            worst = worst.max(v);
            if v < best.1 - 0.25 {
                best = ((dx, dy), v);
            }
        }
    }
    // No texture: every shift looks the same.
    (worst - best.1 > 2.0).then_some(best.0)
}

/// Global motion from `a` to `b`: the median of a 4×3 grid of block shifts on the half-size
/// proxy (so a moving object in part of the frame does not pull it), refined on the full
/// proxy; (0, 0) when the picture has no texture.
fn global_shift(a: &Proxy, b: &Proxy, margin: i32) -> (i32, i32) {
    let (ha, hb) = (a.half(), b.half());
    let r = (margin / 2).max(1);
    let (w, h) = (ha.w as i32 - 2 * r, ha.h as i32 - 2 * r);
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for by in 0..3 {
        for bx in 0..4 {
            let rect = (
                r + bx * w / 4,
                r + by * h / 3,
                r + (bx + 1) * w / 4,
                r + (by + 1) * h / 3,
            );
            if let Some((dx, dy)) = block_shift(&ha, &hb, rect, r) {
                xs.push(dx as f32);
                ys.push(dy as f32);
            }
        }
    }
    if xs.len() < 3 {
        return (0, 0);
    }
    let (cx, cy) = (
        median(&mut xs).round() as i32,
        median(&mut ys).round() as i32,
    );
    let mut best = ((cx * 2, cy * 2), f32::MAX);
    for dy in -1..=1 {
        for dx in -1..=1 {
            let (sx, sy) = (cx * 2 + dx, cy * 2 + dy);
            if sx.abs() > margin || sy.abs() > margin {
                continue;
            }
            let v = sad(a, b, sx, sy, margin);
            if v < best.1 {
                best = ((sx, sy), v);
            }
        }
    }
    best.0
}

/// Per-step measures between consecutive proxy frames.
pub struct Step {
    /// Time of the later frame.
    pub t: f64,
    /// Global motion (px of the full proxy, per step).
    pub motion: (f32, f32),
    /// Mean absolute difference after the motion is compensated.
    pub residual: f32,
    /// Histogram distance (L1, 0–2).
    pub hist: f32,
    /// Mean brightness of the later frame.
    pub mean: f32,
    /// Mean saturation of the later frame.
    pub sat: f32,
}

/// Measures consecutive frames (which must be the same size).
pub fn steps(frames: &[Proxy]) -> Vec<Step> {
    let mut out = Vec::new();
    for pair in frames.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.w != b.w || a.h != b.h || a.w < 32 || a.h < 16 {
            continue;
        }
        let mf = (a.h as i32 / 4).min(16);
        let (fx, fy) = global_shift(a, b, mf);
        let residual = sad(a, b, fx, fy, mf);
        let (h1, h2) = (a.hist(), b.hist());
        out.push(Step {
            t: b.t,
            motion: (fx as f32, fy as f32),
            residual,
            hist: h1.iter().zip(&h2).map(|(x, y)| (x - y).abs()).sum(),
            mean: b.mean(),
            sat: b.sat,
        });
    }
    out
}

/// Times of hard cuts: a large change with no continuity (the residual after compensation
/// stays large and the histogram changes), and the next frames stay like the new shot.
pub fn cuts(s: &[Step]) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..s.len() {
        let calm_after = s[i + 1..(i + 4).min(s.len())]
            .iter()
            .all(|n| n.residual < s[i].residual * 0.5);
        if s[i].residual > 25.0 && s[i].hist > 0.5 && calm_after {
            out.push(s[i].t);
        }
    }
    out
}

fn ramp(x: f32, lo: f32, hi: f32) -> f32 {
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Knocks, exposure changes and bursts of local motion, away from cuts.
pub fn cues(s: &[Step], fps: f64) -> Vec<Cue> {
    let cut_times = cuts(s);
    let at_cut = |t: f64| cut_times.iter().any(|&c| (c - t).abs() < 0.35);
    let mut out = Vec::new();
    if s.len() < 3 {
        return out;
    }
    // Knock: the change of velocity (a pan's velocity is steady), with reversals.
    let accel: Vec<f32> = (0..s.len())
        .map(|i| {
            let p = if i == 0 { (0.0, 0.0) } else { s[i - 1].motion };
            let (dx, dy) = (s[i].motion.0 - p.0, s[i].motion.1 - p.1);
            (dx * dx + dy * dy).sqrt()
        })
        .collect();
    let half = (3.0 * fps) as usize;
    let abg = background(&accel, half, 1);
    let resid: Vec<f32> = s.iter().map(|x| x.residual).collect();
    let rbg = background(&resid, half, 1);
    let win = (fps * 0.8).ceil() as usize;
    let mut i = 0;
    while i < s.len() {
        let z = (accel[i] - abg[i].0) / (abg[i].1 + 0.5);
        if accel[i] >= 3.0 && z > 4.0 && !at_cut(s[i].t) {
            // Reversals of the motion within the next 0.8 s.
            let seg = &s[i..(i + win).min(s.len())];
            let mut rev = 0;
            for p in seg.windows(2) {
                let dot = p[0].motion.0 * p[1].motion.0 + p[0].motion.1 * p[1].motion.1;
                if dot < 0.0 {
                    rev += 1;
                }
            }
            // A knock shakes: the motion reverses at least once (a pan that starts
            // abruptly, or content that starts to scroll, does not).
            if rev == 0 {
                i += 1;
                continue;
            }
            let peak = seg
                .iter()
                .map(|x| x.motion.0.abs().max(x.motion.1.abs()))
                .fold(0.0, f32::max);
            let strength = 0.35 + 0.35 * ramp(peak, 3.0, 12.0) + 0.3 * ramp(rev as f32, 1.0, 4.0);
            out.push(Cue {
                t: s[i].t - 0.5 / fps,
                strength,
                label: "knock",
            });
            i += win;
            continue;
        }
        i += 1;
    }
    // Exposure or colour: brightness or saturation a second after differs from a second
    // before, and the change is quick (most of it within 0.3 s).
    let k = fps.round().max(1.0) as usize;
    let q = (0.3 * fps).ceil().max(1.0) as usize;
    let mut last = f64::MIN;
    for i in k..s.len().saturating_sub(k) {
        let mut before: Vec<f32> = s[i - k..i].iter().map(|x| x.mean).collect();
        let mut after: Vec<f32> = s[i + q.min(k)..i + k].iter().map(|x| x.mean).collect();
        let jump = (median(&mut after) - median(&mut before)).abs();
        let mut sb: Vec<f32> = s[i - k..i].iter().map(|x| x.sat).collect();
        let mut sa: Vec<f32> = s[i + q.min(k)..i + k].iter().map(|x| x.sat).collect();
        let sjump = (median(&mut sa) - median(&mut sb)).abs();
        let quick = (s[i + q.min(k) - 1].mean - s[i - 1].mean).abs() > 0.6 * jump;
        if (jump > 18.0 || sjump > 25.0) && quick && !at_cut(s[i].t) && s[i].t - last > 3.0 {
            out.push(Cue {
                t: s[i].t - 0.5 / fps,
                strength: 0.3 + 0.4 * ramp(jump.max(sjump), 18.0, 60.0),
                label: "exposure change",
            });
            last = s[i].t;
        }
    }
    // A burst of local motion: the compensated residual far above its background.
    let mut last = f64::MIN;
    for i in 0..s.len() {
        let z = (resid[i] - rbg[i].0) / (rbg[i].1 + 1.0);
        if resid[i] > 6.0 && z > 5.0 && !at_cut(s[i].t) && s[i].t - last > 3.0 {
            out.push(Cue {
                t: s[i].t - 0.5 / fps,
                strength: 0.25 + 0.35 * ramp(z, 5.0, 20.0),
                label: "motion burst",
            });
            last = s[i].t;
        }
    }
    out
}

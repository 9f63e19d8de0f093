//! Audio cues on mono 16 kHz samples: onsets (SuperFlux-style spectral flux against a local
//! median background, backtracked to the preceding energy minimum), how broadband an onset
//! is (a crash against speech), a shout or scream (loud, pitched, 300–3000 Hz, sustained),
//! and the smoke/CO alarm rhythms (T3, T4) in the 2.8–3.6 kHz band. Pure functions on
//! samples, so they are tested on generated signals.

use super::Cue;

/// Sample rate the audio is analysed at.
pub const RATE: u32 = 16_000;
/// Hop between analysis frames, samples (10 ms).
pub const HOP: usize = 160;
/// FFT size, samples (32 ms).
const N: usize = 512;
/// Number of log-spaced bands.
const BANDS: usize = 40;

/// Per-frame features of a signal, one frame per 10 ms.
pub struct Features {
    /// SuperFlux onset strength per frame.
    pub flux: Vec<f32>,
    /// Share of bands that rose by more than 6 dB (how broadband the change is), 0–1.
    pub broad: Vec<f32>,
    /// Frame energy, dB (full scale).
    pub db: Vec<f32>,
    /// Share of the frame's power in the strongest 2.8–3.6 kHz bin pair (a piezo tone), 0–1.
    pub tone: Vec<f32>,
}

/// In-place radix-2 FFT (`re`, `im` of length a power of two).
fn fft(re: &mut [f32], im: &mut [f32]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * std::f32::consts::PI / len as f32;
        let (wr, wi) = (ang.cos(), ang.sin());
        for start in (0..n).step_by(len) {
            let (mut cr, mut ci) = (1.0f32, 0.0f32);
            for k in 0..len / 2 {
                let (a, b) = (start + k, start + k + len / 2);
                let (xr, xi) = (re[b] * cr - im[b] * ci, re[b] * ci + im[b] * cr);
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
                let t = cr * wr - ci * wi;
                ci = cr * wi + ci * wr;
                cr = t;
            }
        }
        len <<= 1;
    }
}

/// Band edges (FFT bins), log-spaced from 80 Hz to 7.6 kHz.
fn band_edges() -> Vec<usize> {
    let (lo, hi) = (80.0f32, 7600.0f32);
    (0..=BANDS)
        .map(|i| {
            let f = lo * (hi / lo).powf(i as f32 / BANDS as f32);
            ((f * N as f32 / RATE as f32).round() as usize).max(1)
        })
        .collect()
}

/// Computes the per-frame features of `x` (mono, [`RATE`]).
pub fn features(x: &[f32]) -> Features {
    let frames = if x.len() >= N {
        (x.len() - N) / HOP + 1
    } else {
        0
    };
    let window: Vec<f32> = (0..N)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / N as f32).cos())
        .collect();
    let edges = band_edges();
    let tone_lo = 2800 * N / RATE as usize;
    let tone_hi = 3600 * N / RATE as usize;
    let mut out = Features {
        flux: Vec::with_capacity(frames),
        broad: Vec::with_capacity(frames),
        db: Vec::with_capacity(frames),
        tone: Vec::with_capacity(frames),
    };
    let mut prev: Option<Vec<f32>> = None;
    let (mut re, mut im) = (vec![0f32; N], vec![0f32; N]);
    for f in 0..frames {
        let s = &x[f * HOP..f * HOP + N];
        for i in 0..N {
            re[i] = s[i] * window[i];
            im[i] = 0.0;
        }
        fft(&mut re, &mut im);
        let pow: Vec<f32> = (0..N / 2).map(|k| re[k] * re[k] + im[k] * im[k]).collect();
        let total: f32 = pow.iter().sum::<f32>() + 1e-12;
        out.db
            .push(10.0 * (total / (N as f32 * N as f32 * 0.375 * 0.5)).log10());
        let peak = (tone_lo..tone_hi)
            .map(|k| pow[k] + pow[k + 1])
            .fold(0.0f32, f32::max);
        out.tone.push(peak / total);
        // Log band energies (dB), with a floor so digital silence does not make flux.
        let bands: Vec<f32> = (0..BANDS)
            .map(|b| {
                let e: f32 = pow[edges[b]..edges[b + 1].max(edges[b] + 1)].iter().sum();
                10.0 * (e + 1e-4).log10()
            })
            .collect();
        let (mut flux, mut rose) = (0.0f32, 0usize);
        if let Some(p) = &prev {
            for b in 0..BANDS {
                // SuperFlux: compare with the maximum of the neighbouring bands before.
                let m = p[b.saturating_sub(1)..(b + 2).min(BANDS)]
                    .iter()
                    .fold(f32::MIN, |a, &v| a.max(v));
                let d = bands[b] - m;
                if d > 0.0 {
                    flux += d;
                }
                if d > 6.0 {
                    rose += 1;
                }
            }
        }
        out.flux.push(flux / BANDS as f32);
        out.broad.push(rose as f32 / BANDS as f32);
        prev = Some(bands);
    }
    out
}

/// Median of a slice (0 when empty).
pub fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let m = v.len() / 2;
    *v.select_nth_unstable_by(m, |a, b| a.total_cmp(b)).1
}

/// Robust background of `x` around each frame: (median, MAD·1.4826) of a window of ±`half`
/// frames, computed every `step` frames and held between.
pub fn background(x: &[f32], half: usize, step: usize) -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(x.len());
    let mut cur = (0.0, 0.0);
    for i in 0..x.len() {
        if i % step == 0 {
            let w: Vec<f32> = x[i.saturating_sub(half)..(i + half).min(x.len())].to_vec();
            let mut w2 = w.clone();
            let med = median(&mut w2);
            let mut dev: Vec<f32> = w.iter().map(|v| (v - med).abs()).collect();
            cur = (med, median(&mut dev) * 1.4826);
        }
        out.push(cur);
    }
    out
}

/// Picks onset peaks in `flux` (Böck et al.): the maximum over ±`pre`/`post` frames, above
/// the mean of ±`avg` frames by `delta`, at least `gap` frames after the previous peak.
pub fn pick_peaks(
    flux: &[f32],
    pre: usize,
    post: usize,
    avg: usize,
    delta: f32,
    gap: usize,
) -> Vec<usize> {
    let mut peaks: Vec<usize> = Vec::new();
    for i in 0..flux.len() {
        let lo = i.saturating_sub(pre);
        let hi = (i + post + 1).min(flux.len());
        if flux[lo..hi].iter().any(|&v| v > flux[i]) {
            continue;
        }
        let (alo, ahi) = (i.saturating_sub(avg), (i + avg + 1).min(flux.len()));
        let mean = flux[alo..ahi].iter().sum::<f32>() / (ahi - alo) as f32;
        if flux[i] < mean + delta {
            continue;
        }
        if peaks.last().is_some_and(|&p| i - p < gap) {
            continue;
        }
        peaks.push(i);
    }
    peaks
}

/// The frame where the event at `peak` starts: back to the preceding energy minimum (at most
/// 300 ms back).
pub fn backtrack(db: &[f32], peak: usize) -> usize {
    let mut i = peak;
    let stop = peak.saturating_sub(30);
    while i > stop && db[i - 1] <= db[i] {
        i -= 1;
    }
    i
}

fn ramp(x: f32, lo: f32, hi: f32) -> f32 {
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Frame index to seconds.
pub fn secs(frame: usize) -> f64 {
    (frame * HOP + N / 2) as f64 / RATE as f64
}

/// Sudden sounds: onsets that stand out against the local background, scored by how far
/// (robust z of the flux, rise above the local level) and how broadband they are.
pub fn onsets(f: &Features) -> Vec<Cue> {
    let bg = background(&f.flux, 300, 10);
    let level = background(&f.db, 300, 10);
    let peaks = pick_peaks(&f.flux, 3, 3, 10, 0.5, 3);
    let mut cues = Vec::new();
    for p in peaks {
        let (med, mad) = bg[p];
        let z = (f.flux[p] - med) / (mad + 0.3);
        // The rise above the local level (median of ±3 s), over the next 50 ms.
        let loud = f.db[p..(p + 5).min(f.db.len())]
            .iter()
            .fold(f32::MIN, |a, &v| a.max(v));
        let rise = loud - level[p].0;
        // A tone switching on (an alarm's beep) is the alarm matcher's business.
        let tonal = f.tone[p..(p + 4).min(f.tone.len())]
            .iter()
            .any(|&t| t > 0.35);
        if z < 4.0 || rise < 6.0 || loud < -55.0 || tonal {
            continue;
        }
        let broad = f.broad[p.saturating_sub(1)..(p + 3).min(f.broad.len())]
            .iter()
            .fold(0.0f32, |a, &v| a.max(v));
        let score =
            ramp(z, 4.0, 20.0) * 0.3 + ramp(rise, 6.0, 24.0) * 0.25 + ramp(broad, 0.15, 0.6) * 0.45;
        let start = backtrack(&f.db, p);
        let label = if broad >= 0.45 {
            "bang"
        } else {
            "sudden sound"
        };
        cues.push(Cue {
            t: secs(start),
            strength: score,
            label,
        });
    }
    cues
}

/// Pitch strength and period of one frame (normalised autocorrelation peak for 150–1000 Hz).
fn pitch(x: &[f32]) -> f32 {
    let n = x.len();
    let e0: f32 = x.iter().map(|v| v * v).sum::<f32>() + 1e-9;
    let (lo, hi) = (RATE as usize / 1000, RATE as usize / 150);
    let mut best = 0.0f32;
    for lag in lo..=hi.min(n / 2) {
        let mut c = 0.0;
        let mut e1 = 0.0;
        for i in 0..n - lag {
            c += x[i] * x[i + lag];
            e1 += x[i + lag] * x[i + lag];
        }
        best = best.max(c / (e0 * e1 + 1e-9).sqrt());
    }
    best
}

/// A shout or scream: a run of at least 0.3 s of loud (12 dB over the local level), strongly
/// pitched frames, band-limited to 300–3000 Hz by a simple filter before the pitch test.
pub fn shouts(x: &[f32], f: &Features) -> Vec<Cue> {
    let level = background(&f.db, 300, 10);
    let mut cues = Vec::new();
    let mut run_start: Option<usize> = None;
    let mut run_peak = 0.0f32;
    let n = f.db.len();
    for i in 0..=n {
        let voiced = i < n && f.db[i] - level[i].0 > 12.0 && f.db[i] > -40.0 && {
            let s = &x[i * HOP..(i * HOP + N).min(x.len())];
            pitch(s) > 0.7 && f.tone[i] < 0.5
        };
        match (voiced, run_start) {
            (true, None) => {
                run_start = Some(i);
                run_peak = f.db[i] - level[i].0;
            }
            (true, Some(_)) => run_peak = run_peak.max(f.db[i] - level[i].0),
            (false, Some(s)) => {
                if i - s >= 30 {
                    cues.push(Cue {
                        t: secs(backtrack(&f.db, s)),
                        strength: 0.4
                            + 0.4 * ramp(run_peak, 12.0, 30.0)
                            + 0.2 * ramp((i - s) as f32, 30.0, 100.0),
                        label: "shout",
                    });
                }
                run_start = None;
            }
            (false, None) => {}
        }
    }
    cues
}

/// On/off runs of the alarm band: (on, start frame, length in frames).
fn runs(on: &[bool]) -> Vec<(bool, usize, usize)> {
    let mut out: Vec<(bool, usize, usize)> = Vec::new();
    for (i, &v) in on.iter().enumerate() {
        match out.last_mut() {
            Some(r) if r.0 == v => r.2 += 1,
            _ => out.push((v, i, 1)),
        }
    }
    out
}

fn near(len: usize, want_s: f64) -> bool {
    let s = len as f64 * HOP as f64 / RATE as f64;
    (s - want_s).abs() <= want_s * 0.15 + 0.03
}

/// The smoke-alarm (T3: 0.5 s on, 0.5 s off ×3, then 1.5 s off) and CO-alarm (T4: four 0.1 s
/// beeps 0.1 s apart, then a long pause) rhythms in the 2.8–3.6 kHz tone track, ±15 %
/// timing. The moment is the first beep of the first matching cycle.
pub fn alarms(f: &Features) -> Vec<Cue> {
    let on: Vec<bool> = f
        .tone
        .iter()
        .zip(&f.db)
        .map(|(&t, &d)| t > 0.35 && d > -50.0)
        .collect();
    let r = runs(&on);
    let mut cues = Vec::new();
    for i in 0..r.len() {
        // A cycle starts after a pause (or at the start), never mid-pattern.
        let after_pause = i == 0 || r[i - 1].2 as f64 * HOP as f64 / RATE as f64 >= 1.0;
        if !r[i].0 || !after_pause {
            continue;
        }
        let fits = |pattern: &[(bool, f64)], last_min: f64| -> bool {
            pattern.iter().enumerate().all(|(k, &(state, len))| {
                r.get(i + k).is_some_and(|run| {
                    run.0 == state
                        && if k + 1 == pattern.len() {
                            run.2 as f64 * HOP as f64 / RATE as f64 >= last_min
                        } else {
                            near(run.2, len)
                        }
                })
            })
        };
        let t3 = [
            (true, 0.5),
            (false, 0.5),
            (true, 0.5),
            (false, 0.5),
            (true, 0.5),
            (false, 1.5),
        ];
        let t4 = [
            (true, 0.1),
            (false, 0.1),
            (true, 0.1),
            (false, 0.1),
            (true, 0.1),
            (false, 0.1),
            (true, 0.1),
            (false, 1.0),
        ];
        let label = if fits(&t3, 1.2) {
            "smoke alarm"
        } else if fits(&t4, 1.0) {
            "CO alarm"
        } else {
            continue;
        };
        cues.push(Cue {
            t: secs(r[i].1),
            strength: 0.95,
            label,
        });
        break;
    }
    cues
}

/// Where the alarm tone that starts at `from` seconds stops: the end of its last beep before
/// a silence of more than 6 s.
pub fn tone_end(f: &Features, from: f64) -> f64 {
    let start = ((from * RATE as f64) as usize / HOP).min(f.tone.len());
    let mut last = start;
    for (i, (&t, &d)) in f.tone.iter().zip(&f.db).enumerate().skip(start) {
        if t > 0.35 && d > -50.0 {
            last = i;
        } else if i - last > 600 {
            break;
        }
    }
    secs(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic noise in -1..1.
    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2654435761).max(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn tone(x: &mut [f32], from_s: f64, len_s: f64, hz: f32, amp: f32) {
        let a = (from_s * RATE as f64) as usize;
        let b = ((from_s + len_s) * RATE as f64) as usize;
        let b = b.min(x.len());
        for (i, v) in x.iter_mut().enumerate().take(b).skip(a) {
            *v += amp * (2.0 * std::f32::consts::PI * hz * i as f32 / RATE as f32).sin();
        }
    }

    #[test]
    fn a_bang_over_a_noisy_bed_is_found_at_its_onset_and_the_bed_is_not() {
        let len = RATE as usize * 10;
        let mut x: Vec<f32> = noise(len, 7).iter().map(|v| v * 0.03).collect();
        let burst = noise(RATE as usize / 10, 99);
        let at = (6.2 * RATE as f64) as usize;
        for (i, b) in burst.iter().enumerate() {
            x[at + i] += b * 0.6 * (-(i as f32) / 600.0).exp();
        }
        let cues = onsets(&features(&x));
        assert_eq!(
            cues.len(),
            1,
            "{:?}",
            cues.iter().map(|c| c.t).collect::<Vec<_>>()
        );
        assert!((cues[0].t - 6.2).abs() < 0.05, "{}", cues[0].t);
        assert_eq!(cues[0].label, "bang");
        // The bed alone: nothing.
        let bed: Vec<f32> = noise(len, 7).iter().map(|v| v * 0.03).collect();
        assert!(onsets(&features(&bed)).is_empty());
    }

    #[test]
    fn peaks_are_local_maxima_above_the_mean_and_apart() {
        let mut f = vec![0.0f32; 100];
        f[20] = 5.0;
        f[22] = 4.0; // within the gap and not a maximum
        f[60] = 3.0;
        f[80] = 0.2; // under the margin
        assert_eq!(pick_peaks(&f, 3, 3, 10, 0.5, 3), vec![20, 60]);
    }

    #[test]
    fn the_t3_rhythm_is_an_alarm_at_its_first_beep_and_steady_beeping_is_not() {
        let len = RATE as usize * 12;
        let mut x: Vec<f32> = noise(len, 3).iter().map(|v| v * 0.01).collect();
        for cycle in 0..2 {
            for k in 0..3 {
                tone(
                    &mut x,
                    2.0 + cycle as f64 * 4.0 + k as f64,
                    0.5,
                    3150.0,
                    0.3,
                );
            }
        }
        let cues = alarms(&features(&x));
        assert_eq!(cues.len(), 1);
        assert!((cues[0].t - 2.0).abs() < 0.05, "{}", cues[0].t);
        assert_eq!(cues[0].label, "smoke alarm");
        // Beeping every 0.5 s without the pause is not T3.
        let mut y: Vec<f32> = noise(len, 3).iter().map(|v| v * 0.01).collect();
        for k in 0..10 {
            tone(&mut y, 1.0 + k as f64, 0.5, 3150.0, 0.3);
        }
        assert!(alarms(&features(&y)).is_empty());
        // T4: four short beeps and a pause.
        let mut z: Vec<f32> = noise(len, 3).iter().map(|v| v * 0.01).collect();
        for k in 0..4 {
            tone(&mut z, 3.0 + k as f64 * 0.2, 0.1, 3100.0, 0.3);
        }
        let c = alarms(&features(&z));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].label, "CO alarm");
        assert!((c[0].t - 3.0).abs() < 0.05);
    }

    #[test]
    fn a_loud_pitched_scream_is_a_shout() {
        let len = RATE as usize * 8;
        let mut x: Vec<f32> = noise(len, 5).iter().map(|v| v * 0.005).collect();
        for h in 1..5 {
            tone(&mut x, 4.0, 0.8, 520.0 * h as f32, 0.3 / h as f32);
        }
        let cues = shouts(&x, &features(&x));
        assert_eq!(cues.len(), 1);
        assert!((cues[0].t - 4.0).abs() < 0.1, "{}", cues[0].t);
    }
}

//! Where to look in a clip without sound, before decoding any picture: the compressed sizes
//! of the video packets ([`crate::media::packets`], demuxing only). An encoder spends more
//! bits on a frame the more it differs from the frames it refers to, so a knock, a flare, a
//! burst of motion (and a cut) show as a jump in the bytes per frame against the clip's
//! local level. The strongest jumps become the windows the video pass decodes; the pictures
//! decide what they were. Keyframes are left out (intra-coded, large whatever happens).
//!
//! The weak case: a strictly constant-bitrate encoder flattens the signal, and then the
//! windows fall on the largest of small wiggles.

use super::audio::background;
use crate::media::packets::PacketSize;

/// Steps per second of the size signal.
const RATE: f64 = 10.0;

/// Up to `k` windows `(from, to)` in seconds, in time order, around the strongest jumps in
/// bytes per frame, `before`/`after` seconds either side of each (merged where they meet).
pub fn windows(
    packets: &[PacketSize],
    duration: f64,
    k: usize,
    before: f64,
    after: f64,
) -> Vec<(f64, f64)> {
    let n = (duration * RATE).ceil().max(1.0) as usize;
    // Mean bytes of the non-key frames in each step.
    let mut sum = vec![0f64; n];
    let mut count = vec![0u32; n];
    for p in packets.iter().filter(|p| !p.key && p.t >= 0.0) {
        let i = ((p.t * RATE) as usize).min(n - 1);
        sum[i] += p.bytes as f64;
        count[i] += 1;
    }
    // Smoothed over 0.5 s so the mix of frame types (P and B differ a lot) evens out; a
    // step with no frame takes its neighbours' level.
    let half = (0.25 * RATE).round() as usize;
    let level: Vec<f32> = (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(half), (i + half + 1).min(n));
            let s: f64 = sum[a..b].iter().sum();
            let c: u32 = count[a..b].iter().sum();
            if c == 0 {
                f32::NAN
            } else {
                ((s / c as f64) + 1.0).ln() as f32
            }
        })
        .collect();
    let known: Vec<f32> = level.iter().copied().filter(|v| v.is_finite()).collect();
    if known.is_empty() {
        return vec![(0.0, duration)];
    }
    let mut last = known[0];
    let level: Vec<f32> = level
        .into_iter()
        .map(|v| {
            if v.is_finite() {
                last = v;
            }
            last
        })
        .collect();
    // Against the local level (median and spread over ±4 s).
    let bg = background(&level, (4.0 * RATE) as usize, 5);
    let z: Vec<f32> = level
        .iter()
        .zip(&bg)
        .map(|(v, (m, d))| (v - m) / (d + 0.05))
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| z[b].total_cmp(&z[a]));
    let gap = ((before + after) * RATE) as usize;
    let mut picked: Vec<usize> = Vec::new();
    for i in order {
        if picked.len() >= k {
            break;
        }
        if picked.iter().all(|&p| p.abs_diff(i) >= gap) {
            picked.push(i);
        }
    }
    let w: Vec<(f64, f64)> = picked
        .iter()
        // The rise of the smoothed level starts up to a quarter second before the event.
        .map(|&i| {
            let t = i as f64 / RATE;
            ((t - before).max(0.0), (t + after).min(duration))
        })
        .collect();
    merge_windows(w)
}

/// Time windows `(start, end)` in seconds, sorted and with overlapping ones joined.
pub fn merge_windows(mut w: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    w.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (a, b) in w {
        match merged.last_mut() {
            Some(m) if a <= m.1 => m.1 = m.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(secs: f64, busy: &[(f64, f64)]) -> Vec<PacketSize> {
        (0..(secs * 30.0) as usize)
            .map(|f| {
                let t = f as f64 / 30.0;
                let key = f % 60 == 0;
                // P and B frames alternate in size; a little jitter.
                let mut bytes = if f % 3 == 0 { 9000 } else { 3000 } + (f * 7919 % 500) as u32;
                if key {
                    bytes = 60000;
                }
                if busy.iter().any(|&(a, b)| t >= a && t < b) {
                    bytes *= 4;
                }
                PacketSize { t, bytes, key }
            })
            .collect()
    }

    #[test]
    fn the_windows_fall_around_the_bursts_of_bytes_and_keyframes_do_not_count() {
        let p = stream(90.0, &[(20.0, 20.6), (61.3, 62.0)]);
        let w = windows(&p, 90.0, 2, 3.0, 2.5);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].0 <= 20.0 && w[0].1 >= 20.6, "{w:?}");
        assert!(w[1].0 <= 61.3 && w[1].1 >= 62.0, "{w:?}");
        // Covering at most the requested windows.
        let covered: f64 = w.iter().map(|(a, b)| b - a).sum();
        assert!(covered <= 2.0 * 5.5 + 1e-9, "{w:?}");
    }

    #[test]
    fn no_packets_means_the_whole_clip() {
        assert_eq!(windows(&[], 12.0, 4, 3.0, 2.5), vec![(0.0, 12.0)]);
    }
}

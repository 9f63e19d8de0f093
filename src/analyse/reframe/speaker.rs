//! Who speaks, when two people's heads cannot share one 9:16 window (two faces of a size side
//! by side, a split-screen call): the moving mouth.
//!
//! Per face track and proxy sample, the lower part of the face box (the mouth and chin) is
//! compared with the same place in the previous proxy picture after the face's own motion is
//! taken out (the shift that best matches the upper face, eyes and nose, which do not move
//! when one talks), less what moves in the cheeks beside the mouth. What still changes is
//! the mouth opening and closing. Its median over about a second is the track's talking
//! score: a talker's mouth moves in most samples, a hand passing over a listener's mouth or
//! a sob in one or two. Only the analysis proxy the pass decodes anyway is read, and only for
//! the tracks of samples whose people cannot share a window.

use super::picture::{Face, Track};
use super::signals::Observation;

/// Faces narrower than this many proxy pixels are too small to see a mouth move.
const MIN_FACE_PX: f32 = 16.0;
/// The farthest the face's own shift is searched, in proxy pixels.
const MAX_SHIFT: f32 = 6.0;
/// Where the upper face still differs this much (luma levels) once its shift is taken out,
/// it turned or was covered: no verdict.
const UPPER_MAX: f32 = 10.0;

/// The mouth's motion, 0-255 luma levels per pixel, of face `f` between the proxy pictures
/// `prev` and `cur` (luma, `w` x `h`), against the face's own motion; None where the face is
/// too small or outside the picture.
///
/// The face's shift is the one (within a quarter of its width, at most `MAX_SHIFT`) that best maps the previous
/// picture's upper face (the box's rows 15-55%: eyes and nose) onto this one's; the result
/// is the mean absolute difference over the mouth (rows 62-98%, the middle half of the
/// columns) under that shift, less the upper face's own remaining difference (what the
/// shift cannot take out: a turn, blur, noise).
pub fn mouth_motion(prev: &[u8], cur: &[u8], w: usize, h: usize, f: &Face) -> Option<f32> {
    if prev.len() < w * h || cur.len() < w * h || w == 0 || h == 0 {
        return None;
    }
    let (fw, fh) = (f.w * w as f32, f.h * h as f32);
    if fw < MIN_FACE_PX {
        return None;
    }
    let (x0, y0) = (f.x * w as f32 - fw / 2.0, f.y * h as f32 - fh / 2.0);
    let rect = |ax: f32, ay: f32, bx: f32, by: f32| {
        (
            (x0 + ax * fw).round() as i64,
            (y0 + ay * fh).round() as i64,
            (x0 + bx * fw).round() as i64,
            (y0 + by * fh).round() as i64,
        )
    };
    let upper = rect(0.2, 0.15, 0.8, 0.55);
    let mouth = rect(0.25, 0.62, 0.75, 0.98);
    // A head moves a few proxy pixels in 0.2 s; the search is capped (its cost grows with
    // the square of the reach).
    let r = (fw / 4.0).round().clamp(1.0, MAX_SHIFT) as i64;
    // Mean |cur(x, y) - prev(x - dx, y - dy)| over a rectangle; None if any pixel falls
    // outside either picture.
    let diff = |(ax, ay, bx, by): (i64, i64, i64, i64), dx: i64, dy: i64| -> Option<f32> {
        if ax < 0.max(dx) || ay < 0.max(dy) || bx > (w as i64).min(w as i64 + dx) {
            return None;
        }
        if by > (h as i64).min(h as i64 + dy) || bx <= ax || by <= ay {
            return None;
        }
        let mut s = 0u64;
        for y in ay..by {
            let (row, prow) = ((y * w as i64) as usize, ((y - dy) * w as i64) as usize);
            for x in ax..bx {
                let a = cur[row + x as usize];
                let b = prev[prow + (x - dx) as usize];
                s += a.abs_diff(b) as u64;
            }
        }
        Some(s as f32 / ((bx - ax) * (by - ay)) as f32)
    };
    let mut best: Option<(f32, i64, i64)> = None;
    for dy in -r..=r {
        for dx in -r..=r {
            if let Some(d) = diff(upper, dx, dy) {
                if best.is_none_or(|b| d < b.0) {
                    best = Some((d, dx, dy));
                }
            }
        }
    }
    let (u, dx, dy) = best?;
    if u > UPPER_MAX {
        // The face turned, blurred or was covered: the mouth cannot be told apart.
        return None;
    }
    let m = diff(mouth, dx, dy)?;
    // The cheeks beside the mouth: what moves there too (a hand passing, a jaw that
    // chews a whole face's width) is not the mouth opening.
    let cheeks = (diff(rect(0.05, 0.62, 0.25, 0.98), dx, dy)?
        + diff(rect(0.75, 0.62, 0.95, 0.98), dx, dy)?)
        / 2.0;
    Some((m - u.max(cheeks)).max(0.0))
}

/// Mouth motion below this (luma levels) is a still mouth: compression noise, a listener's
/// small movements.
const TALK_FLOOR: f32 = 2.0;
/// A face narrower than this (proxy pixels) shows its mouth in fewer, blurrier pixels: its
/// mouth motion is scaled by this over its width, so that the floor scales with the face
/// (2 levels from this size up, 1 level at half of it).
const SIZE_FULL_PX: f32 = 60.0;

/// One track's talking score at each of `obs`' samples: its mouth motion between each
/// proxy picture and the one before (scaled up for a face under `SIZE_FULL_PX`), the
/// median over the samples within `reach` either side (about a second) where the face is
/// known (interpolated between detections, held `hold` samples beyond the track's ends) and
/// its mouth can be seen; 0 where fewer than half of them can. Samples across a cut (in
/// `cuts`) are not compared.
pub fn talking(
    obs: &[Observation],
    track: &Track,
    cuts: &[usize],
    hold: usize,
    reach: usize,
) -> Vec<f32> {
    let n = obs.len();
    let w = obs.first().map_or(0, |o| o.profile.len());
    let raw: Vec<Option<f32>> = (0..n)
        .map(|k| {
            if k == 0 || cuts.contains(&k) || w == 0 {
                return None;
            }
            let f = track.at(k, hold)?;
            let (a, b) = (&obs[k - 1].luma, &obs[k].luma);
            if a.len() != b.len() {
                return None;
            }
            let size = (SIZE_FULL_PX / (f.w * w as f32)).max(1.0);
            mouth_motion(a, b, w, b.len() / w, &f).map(|m| m * size)
        })
        .collect();
    (0..n)
        .map(|k| {
            let lo = k.saturating_sub(reach);
            let hi = (k + reach + 1).min(n);
            let mut v: Vec<f32> = raw[lo..hi].iter().flatten().copied().collect();
            if v.len() * 2 < hi - lo {
                return 0.0;
            }
            // The median: a talking mouth moves in most samples; a hand passing over a
            // still one, or a sob, is a spike in one or two.
            v.sort_by(f32::total_cmp);
            let m = v.len() / 2;
            if v.len() % 2 == 1 {
                v[m]
            } else {
                (v[m - 1] + v[m]) / 2.0
            }
        })
        .collect()
}

/// A talker outscores every other candidate by this factor...
const TALK_RATIO: f32 = 1.5;
/// ... and another takes over only after outscoring them so for this long (seconds).
pub const SWITCH_AFTER_S: f32 = 1.0;

/// Who speaks at each of a shot's samples, among the candidates there (track indices into
/// `talk`): the one whose score is at least `TALK_FLOOR` and `TALK_RATIO` times every
/// other's. The talker is held until another one clearly talks for `switch` samples in a
/// row (no jitter between two who both move their mouths); samples before the first clear
/// talker take them. None everywhere when no one clearly talks in the shot.
pub fn speakers(
    candidates: &[Vec<usize>],
    talk: &[Vec<f32>],
    offset: usize,
    switch: usize,
) -> Vec<Option<usize>> {
    let clear: Vec<Option<usize>> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.len() < 2 {
                return None;
            }
            let score = |t: usize| talk[t].get(offset + i).copied().unwrap_or(0.0);
            let best = *c.iter().max_by(|a, b| score(**a).total_cmp(&score(**b)))?;
            let s = score(best);
            let others = c
                .iter()
                .filter(|&&t| t != best)
                .map(|&t| score(t))
                .fold(0f32, f32::max);
            (s >= TALK_FLOOR && s >= TALK_RATIO * others).then_some(best)
        })
        .collect();
    let mut out = vec![None; clear.len()];
    let mut current: Option<usize> = None;
    let mut run: (Option<usize>, usize) = (None, 0);
    for (i, c) in clear.iter().enumerate() {
        if let Some(t) = *c {
            run = if run.0 == Some(t) {
                (Some(t), run.1 + 1)
            } else {
                (Some(t), 1)
            };
            if current.is_none() || (current != Some(t) && run.1 >= switch) {
                current = Some(t);
            }
        } else {
            run = (None, 0);
        }
        out[i] = current;
    }
    // Before the first clear talker: that talker (they were talking already).
    if let Some(first) = out.iter().flatten().next().copied() {
        for v in out.iter_mut() {
            if v.is_some() {
                break;
            }
            *v = Some(first);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured face (eyes, nose) at (cx, cy), `s` px wide, with a mouth opened `open`
    /// (0-1), on a textured background; luma `w` x `h`.
    fn face_picture(w: usize, h: usize, faces: &[(f32, f32, f32, f32)]) -> Vec<u8> {
        let mut p: Vec<u8> = (0..w * h)
            .map(|i| (90 + ((i * 37 + i / w * 11) % 23)) as u8)
            .collect();
        for &(cx, cy, s, open) in faces {
            for y in 0..h {
                for x in 0..w {
                    let (u, v) = ((x as f32 - cx) / s + 0.5, (y as f32 - cy) / s + 0.5);
                    if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
                        continue;
                    }
                    let mut l = 180.0 + 20.0 * ((u * 9.0).sin() * (v * 7.0).cos());
                    // Eyes and brows.
                    if (0.25..0.4).contains(&v)
                        && ((0.2..0.4).contains(&u) || (0.6..0.8).contains(&u))
                    {
                        l = 50.0;
                    }
                    // Nose.
                    if (0.4..0.6).contains(&v) && (0.45..0.55).contains(&u) {
                        l = 120.0;
                    }
                    // Mouth: a dark slot whose height opens.
                    let half = 0.02 + 0.1 * open;
                    if (0.3..0.7).contains(&u) && (v - 0.78).abs() < half {
                        l = 30.0;
                    }
                    p[y * w + x] = l as u8;
                }
            }
        }
        p
    }

    fn face(cx: f32, cy: f32, s: f32, w: usize, h: usize) -> Face {
        Face {
            x: cx / w as f32,
            y: cy / h as f32,
            w: s / w as f32,
            h: s / h as f32,
            score: 5.0,
        }
    }

    #[test]
    fn a_moving_mouth_moves_and_a_still_one_does_not_even_when_the_head_moves() {
        let (w, h) = (192, 108);
        // Left face talks (mouth 0 -> 1) and stays; right face keeps its mouth shut and
        // moves 3 px right and 2 down between the pictures.
        let a = face_picture(w, h, &[(50.0, 50.0, 36.0, 0.0), (140.0, 50.0, 36.0, 0.1)]);
        let b = face_picture(w, h, &[(50.0, 50.0, 36.0, 1.0), (143.0, 52.0, 36.0, 0.1)]);
        let talker = mouth_motion(&a, &b, w, h, &face(50.0, 50.0, 36.0, w, h)).unwrap();
        let still = mouth_motion(&a, &b, w, h, &face(141.0, 51.0, 36.0, w, h)).unwrap();
        assert!(talker > 10.0, "talker {talker}");
        assert!(still < TALK_FLOOR, "still {still}");
        // A face under SIZE_FULL_PX: its score is its mouth motion scaled by 60/36.
        let pictured = |luma: &Vec<u8>| Observation {
            profile: vec![0.0; w],
            luma: luma.clone(),
            ..Default::default()
        };
        let track = Track {
            faces: vec![(0, face(50.0, 50.0, 36.0, w, h))],
        };
        let back = mouth_motion(&b, &a, w, h, &face(50.0, 50.0, 36.0, w, h)).unwrap();
        let score = talking(
            &[pictured(&a), pictured(&b), pictured(&a)],
            &track,
            &[],
            2,
            1,
        )[1];
        let want = (talker + back) / 2.0 * 60.0 / 36.0;
        assert!((score - want).abs() < 1e-3, "{score} {want}");
        // Too small a face: no verdict.
        assert_eq!(
            mouth_motion(&a, &b, w, h, &face(50.0, 50.0, 8.0, w, h)),
            None
        );
    }

    #[test]
    fn odd_faces_pictures_and_clips_give_no_verdict_never_a_panic() {
        // ~1 ms.
        let (w, h) = (192, 108);
        let a = face_picture(w, h, &[(50.0, 50.0, 36.0, 0.0)]);
        let b = face_picture(w, h, &[(50.0, 50.0, 36.0, 1.0)]);
        let ok = face(50.0, 50.0, 36.0, w, h);
        assert!(mouth_motion(&a, &b, w, h, &ok).is_some());
        // Boxes at and past the picture's edges, zero-sized, larger than the picture, NaN or
        // infinite.
        for f in [
            face(0.0, 0.0, 36.0, w, h),
            face(192.0, 108.0, 36.0, w, h),
            face(-500.0, 50.0, 80.0, w, h),
            face(50.0, 50.0, 0.0, w, h),
            face(96.0, 54.0, 1000.0, w, h),
            Face { x: f32::NAN, ..ok },
            Face { w: f32::NAN, ..ok },
            Face {
                w: f32::INFINITY,
                h: f32::INFINITY,
                ..ok
            },
        ] {
            assert_eq!(mouth_motion(&a, &b, w, h, &f), None, "{f:?}");
        }
        // Pictures shorter than w x h, or none.
        assert_eq!(mouth_motion(&a[..100], &b, w, h, &ok), None);
        assert_eq!(mouth_motion(&[], &[], 0, 0, &ok), None);
        // A one-sample clip, samples without pictures (the keyframe proxy keeps none) and
        // no samples: no talking, the right length.
        let track = Track {
            faces: vec![(0, ok)],
        };
        let pictured = |luma: Vec<u8>| Observation {
            profile: vec![0.0; w],
            luma,
            ..Default::default()
        };
        assert_eq!(talking(&[pictured(a.clone())], &track, &[], 2, 2), [0.0]);
        assert_eq!(
            talking(&vec![pictured(Vec::new()); 4], &track, &[], 2, 2),
            [0.0; 4]
        );
        assert!(talking(&[], &track, &[], 2, 2).is_empty());
        assert!(speakers(&[], &[], 0, 5).is_empty());
    }

    #[test]
    fn of_two_faces_that_cannot_share_a_window_the_window_holds_the_talking_one() {
        use crate::plan::Camera;
        let (w, h, n) = (192, 108, 15);
        // Two faces of a size at both sides (their heads cannot share a 60 px window); the
        // right one's mouth opens and closes, the left one's stays shut; or both stay shut.
        let obs = |talks: bool| -> Vec<Observation> {
            (0..n)
                .map(|k| {
                    let open = if talks && k % 2 == 1 { 1.0 } else { 0.0 };
                    Observation {
                        profile: vec![0.0; w],
                        luma: face_picture(
                            w,
                            h,
                            &[(40.0, 50.0, 40.0, 0.0), (150.0, 50.0, 40.0, open)],
                        ),
                        ..Default::default()
                    }
                })
                .collect()
        };
        let track = |cx: f32| Track {
            faces: (0..n)
                .step_by(5)
                .map(|k| (k, face(cx, 50.0, 40.0, w, h)))
                .collect(),
        };
        let tracks = vec![track(40.0), track(150.0)];
        for talks in [true, false] {
            let obs = obs(talks);
            let talk = |i: usize| talking(&obs, &tracks[i], &[], 2, 2);
            let who = super::super::people::subjects(&tracks, &[], n, w as f32, 60.0, 2, &talk, 5);
            let shots = super::super::camera::plan_shots(&obs, &[], w as f32, 60.0, 5.0, &[], &who);
            assert_eq!(shots.len(), 1);
            if talks {
                assert!(
                    who.iter()
                        .all(|s| s.is_some_and(|s| !s.wide && s.centre > 120.0)),
                    "{who:?}"
                );
                assert_ne!(shots[0].camera, Camera::Fill);
                assert!(
                    shots[0].x.iter().all(|&x| x <= 140.0 && x + 60.0 >= 160.0),
                    "{:?}",
                    shots[0].x
                );
            } else {
                // No one talks: the two stay one wide subject, and the shot is filled.
                assert!(who.iter().all(|s| s.is_some_and(|s| s.wide)), "{who:?}");
                assert_eq!(shots[0].camera, Camera::Fill);
            }
        }
    }

    #[test]
    fn a_smaller_face_that_talks_competes_with_a_larger_silent_one() {
        // A large silent face at the left, a talking one half its size at the right (its
        // track weighs under 60% of the other's); their heads cannot share a 60 px window.
        let (w, h, n) = (192, 108, 15);
        let obs: Vec<Observation> = (0..n)
            .map(|k| Observation {
                profile: vec![0.0; w],
                luma: face_picture(
                    w,
                    h,
                    &[(40.0, 50.0, 44.0, 0.0), (150.0, 50.0, 22.0, (k % 2) as f32)],
                ),
                ..Default::default()
            })
            .collect();
        let track = |cx: f32, s: f32| Track {
            faces: (0..n)
                .step_by(5)
                .map(|k| (k, face(cx, 50.0, s, w, h)))
                .collect(),
        };
        let tracks = vec![track(40.0, 44.0), track(150.0, 22.0)];
        let talk = |i: usize| talking(&obs, &tracks[i], &[], 2, 2);
        let who = super::super::people::subjects(&tracks, &[], n, w as f32, 60.0, 2, &talk, 5);
        assert!(
            who.iter()
                .all(|s| s.is_some_and(|s| !s.wide && s.left >= 130.0)),
            "{who:?}"
        );
    }

    #[test]
    fn the_talker_is_held_and_a_switch_needs_a_second_of_the_other_talking() {
        // Two tracks; 0 talks for 10 samples, then both flicker for 3 (no switch), then 1
        // talks for 8.
        let mut t0 = vec![6.0; 10];
        let mut t1 = vec![0.5; 10];
        t0.extend([0.5, 6.0, 0.5]);
        t1.extend([6.0, 0.5, 6.0]);
        t0.extend([0.5; 8]);
        t1.extend([6.0; 8]);
        let talk = vec![t0, t1];
        let cands = vec![vec![0, 1]; 21];
        let who = speakers(&cands, &talk, 0, 5);
        // The other's fifth clear sample in a row (0.2 s each at 5 a second) switches.
        assert!(who[..16].iter().all(|w| *w == Some(0)), "{who:?}");
        assert!(who[16..].iter().all(|w| *w == Some(1)), "{who:?}");
        // Nobody clearly talks: no speaker.
        let quiet = vec![vec![1.0; 6], vec![1.2; 6]];
        assert!(speakers(&vec![vec![0, 1]; 6], &quiet, 0, 5)
            .iter()
            .all(Option::is_none));
    }
}

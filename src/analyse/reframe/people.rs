//! People in the reframe proxy: faces found by a face detector on a grey picture about
//! [`DETECT_WIDTH`] px wide, linked over time into tracks (nearest box, short gaps allowed),
//! and each sample's people turned into the subject the camera keeps in the window.
//!
//! The detector is [`rustface`], a pure-Rust port of the SeetaFace funnel-structured cascade,
//! with the frontal model its crate package carries (embedded by build.rs). Measured on real
//! footage (README, *Reframing*): it found 55 of 60 frames with a real face at 384 px and
//! marked nothing that was not a face in 172 frames; it does not see faces turned more than
//! about 45-60 degrees, faces under ~20 px at the proxy, or backs. Tracks hold a person's
//! place through such gaps inside a shot.

use super::blazeface::BlazeFace;
use super::camera::Subject;
pub use super::picture::{Face, Grey, Pictures, Track, CLOSE_WIDTH, DETECT_WIDTH, FINE_WIDTH};
use super::picture::{GreyPictures, Thumb};

/// The second look's smallest face (px) and score threshold (the first look's is 2: the
/// second finds weaker faces, such as a drawn face turned a little).
const FINE_MIN_FACE: u32 = 28;
const FINE_THRESH: f64 = 1.0;
/// A face scoring under the first look's threshold is weak: alone in its track (seen once)
/// it is not taken for a person.
pub const WEAK_SCORE: f32 = 2.0;
const CLOSE_MIN_FACE: u32 = 20;
const CLOSE_THRESH: f64 = 1.0;
/// The close look's region: the columns where at least this share of the column's height
/// moves against the camera, widened by `CLOSE_PAD` of the picture's width each side; no
/// close look where that is wider than `CLOSE_MAX_SPAN` of the picture (the whole picture
/// moves: nothing in particular to look at, and the look would cost the most there).
const CLOSE_MOTION: f32 = 0.05;
const CLOSE_PAD: f32 = 0.08;
const CLOSE_MAX_SPAN: f32 = 0.5;

/// The second detector's faces count from this probability (chosen on the dev material:
/// 0.6 and 0.8 framed fewer samples; on 172 frames of real footage it marked nothing that
/// was not a face from 0.7, 3 false boxes from 0.6).
pub const SECOND_MIN: f32 = 0.7;
/// A face from the second detector is a person at once from this probability; under it, it
/// needs a second sighting like the close look's.
pub const SECOND_STRONG: f32 = 0.8;

/// The model, from rustface's crate package (see build.rs).
static MODEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/seeta_fd_frontal_v1.0.bin"));

/// Finds faces in grey pictures, and with the second detector in the proxy's RGB picture.
pub struct FaceFinder {
    detector: Box<dyn rustface::Detector>,
    fine: Box<dyn rustface::Detector>,
    close: Box<dyn rustface::Detector>,
    second: Option<&'static BlazeFace>,
}

impl Default for FaceFinder {
    fn default() -> Self {
        Self::new()
    }
}

impl FaceFinder {
    /// The detector with its embedded model (faces from 20 px, the model's own threshold),
    /// and the second detector when its weights are installed.
    pub fn new() -> FaceFinder {
        Self::with_second(super::blazeface::shared().as_ref().ok())
    }

    /// The detector with `second` as its second detector (None: rustface alone).
    pub fn with_second(second: Option<&'static BlazeFace>) -> FaceFinder {
        // The model is part of the binary (build.rs), not input: reading it cannot fail
        // unless the build is broken.
        let make = |min: u32, thresh: f64| {
            let model = rustface::read_model(MODEL).expect("the embedded face model reads");
            let mut d = rustface::create_detector_with_model(model);
            d.set_min_face_size(min);
            d.set_score_thresh(thresh);
            d.set_pyramid_scale_factor(0.8);
            d.set_slide_window_step(4, 4);
            d
        };
        FaceFinder {
            detector: make(20, 2.0),
            fine: make(FINE_MIN_FACE, FINE_THRESH),
            close: make(CLOSE_MIN_FACE, CLOSE_THRESH),
            second,
        }
    }

    /// The second detector's faces in the proxy's RGB picture (none without one or
    /// without the picture): those from [`SECOND_MIN`]; one under [`SECOND_STRONG`] is weak
    /// (it needs a second sighting, like the close look's).
    fn second_look(&self, rgb: Option<&Thumb>) -> Vec<Face> {
        let (Some(bf), Some(t)) = (self.second, rgb) else {
            return Vec::new();
        };
        bf.faces(&t.rgb, t.width, t.height)
            .into_iter()
            .filter(|f| f.score >= SECOND_MIN)
            .map(|f| Face {
                score: if f.score >= SECOND_STRONG {
                    WEAK_SCORE + f.score
                } else {
                    0.99 * WEAK_SCORE * f.score
                },
                ..f
            })
            .collect()
    }

    /// The faces in a proxy picture: the first look at [`DETECT_WIDTH`] px, where it finds
    /// nobody a second at [`FINE_WIDTH`] px, and where that finds nobody either a close look
    /// at the columns that move against the camera (`motion`, the sample's per-column share
    /// of moving pixels; None: no close look). Faces from the close look are weak (below
    /// [`WEAK_SCORE`]): a track needs a second sighting before it is a person. Not `deep`:
    /// the first look only. Where these find nobody, the second detector looks at the
    /// proxy's RGB picture `rgb` ([`super::blazeface`]: faces turned away, small, under a
    /// helmet).
    pub fn look(
        &mut self,
        g: &mut dyn GreyPictures,
        motion: Option<&[f32]>,
        deep: bool,
        rgb: Option<&Thumb>,
    ) -> Result<Vec<Face>, crate::media::RenderError> {
        let f = self.find(g.get()?);
        if !f.is_empty() {
            return Ok(f);
        }
        if !deep {
            return Ok(self.second_look(rgb));
        }
        let f = Self::detect(&mut self.fine, g.fine()?);
        if !f.is_empty() {
            return Ok(f);
        }
        let spans = motion.map(moving_spans).unwrap_or_default();
        let f = if spans.is_empty() {
            Vec::new()
        } else {
            Self::close_look(&mut self.close, g.close()?, &spans)
        };
        Ok(if f.is_empty() {
            self.second_look(rgb)
        } else {
            f
        })
    }

    /// [`FaceFinder::look`] at kept pictures.
    pub fn look_at(&mut self, p: &Pictures, motion: Option<&[f32]>, deep: bool) -> Vec<Face> {
        let f = self.find(&p.grey);
        if !f.is_empty() {
            return f;
        }
        if !deep {
            return self.second_look(p.rgb.as_ref());
        }
        let f = Self::detect(&mut self.fine, &p.fine);
        if !f.is_empty() {
            return f;
        }
        let spans = motion.map(moving_spans).unwrap_or_default();
        let f = Self::close_look(&mut self.close, &p.close, &spans);
        if f.is_empty() {
            self.second_look(p.rgb.as_ref())
        } else {
            f
        }
    }

    /// The faces in columns `spans` (fractions of the width) of `g`, in fractions of the
    /// whole picture, their scores capped below [`WEAK_SCORE`], largest first.
    fn close_look(
        detector: &mut Box<dyn rustface::Detector>,
        g: &Grey,
        spans: &[(f32, f32)],
    ) -> Vec<Face> {
        let mut out = Vec::new();
        for span in spans {
            let x0 = ((span.0 * g.width as f32).floor() as usize).min(g.width);
            let x1 = ((span.1 * g.width as f32).ceil() as usize).clamp(x0, g.width);
            let cw = x1 - x0;
            let mut luma = Vec::with_capacity(cw * g.height);
            for row in g.luma.chunks_exact(g.width.max(1)).take(g.height) {
                luma.extend_from_slice(&row[x0..x1]);
            }
            let crop = Grey {
                width: cw,
                height: g.height,
                luma,
            };
            let (k, o) = (cw as f32 / g.width as f32, x0 as f32 / g.width as f32);
            out.extend(Self::detect(detector, &crop).into_iter().map(|f| Face {
                x: o + f.x * k,
                w: f.w * k,
                score: f.score.min(0.99 * WEAK_SCORE),
                ..f
            }));
        }
        out.sort_by(|a, b| b.w.total_cmp(&a.w));
        out
    }

    /// The faces in `g`, largest first (the first look only).
    pub fn find(&mut self, g: &Grey) -> Vec<Face> {
        Self::detect(&mut self.detector, g)
    }

    fn detect(detector: &mut Box<dyn rustface::Detector>, g: &Grey) -> Vec<Face> {
        if g.width < 24 || g.height < 24 || g.luma.len() < g.width * g.height {
            return Vec::new();
        }
        let img = rustface::ImageData::new(&g.luma, g.width as u32, g.height as u32);
        let (w, h) = (g.width as f32, g.height as f32);
        let mut faces: Vec<Face> = detector
            .detect(&img)
            .into_iter()
            .map(|f| {
                let b = f.bbox();
                Face {
                    x: (b.x() as f32 + b.width() as f32 / 2.0) / w,
                    y: (b.y() as f32 + b.height() as f32 / 2.0) / h,
                    w: b.width() as f32 / w,
                    h: b.height() as f32 / h,
                    score: f.score() as f32,
                }
            })
            .collect();
        faces.sort_by(|a, b| b.w.total_cmp(&a.w));
        faces
    }
}

/// The columns worth a close look (fractions of the width): runs of columns where at least
/// `CLOSE_MOTION` of the column moves against the camera, each widened by `CLOSE_PAD`
/// (runs that then overlap are one), the ones with the most motion first until they cover
/// `CLOSE_MAX_SPAN` of the width; left to right. Empty where nothing moves.
pub fn moving_spans(motion: &[f32]) -> Vec<(f32, f32)> {
    let n = motion.len() as f32;
    // (left, right, motion) per run of moving columns.
    let mut runs: Vec<(f32, f32, f32)> = Vec::new();
    let mut i = 0;
    while i < motion.len() {
        if motion[i] < CLOSE_MOTION {
            i += 1;
            continue;
        }
        let start = i;
        let mut mass = 0.0;
        while i < motion.len() && motion[i] >= CLOSE_MOTION {
            mass += motion[i];
            i += 1;
        }
        let (l, r) = (
            (start as f32 / n - CLOSE_PAD).max(0.0),
            (i as f32 / n + CLOSE_PAD).min(1.0),
        );
        match runs.last_mut() {
            Some(last) if last.1 >= l => {
                last.1 = r;
                last.2 += mass;
            }
            _ => runs.push((l, r, mass)),
        }
    }
    runs.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut out: Vec<(f32, f32)> = Vec::new();
    let mut covered = 0.0;
    for (l, r, _) in runs {
        if covered + (r - l) > CLOSE_MAX_SPAN {
            continue;
        }
        covered += r - l;
        out.push((l, r));
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// Whether a look's faces need a second sighting (every one is weak): the next sample is
/// looked at too.
pub fn needs_confirming(faces: &[Face]) -> bool {
    !faces.is_empty() && faces.iter().all(|f| f.score < WEAK_SCORE)
}

/// Links detections `(sample, faces)` (in sample order) into tracks: a face joins the open
/// track whose last face is nearest (centre within 1.2 face widths, size within 1.7x), seen
/// at most `max_gap` samples before and with no cut (a sample in `cuts`, where a shot
/// starts) between. Others start a track.
pub fn link(dets: &[(usize, Vec<Face>)], cuts: &[usize], max_gap: usize) -> Vec<Track> {
    let mut tracks: Vec<Track> = Vec::new();
    let shot_of = |k: usize| cuts.partition_point(|&c| c <= k);
    for (k, faces) in dets {
        let mut taken: Vec<usize> = Vec::new();
        for f in faces {
            let best = tracks
                .iter()
                .enumerate()
                .filter(|(i, _)| !taken.contains(i))
                .filter_map(|(i, t)| {
                    let (lk, lf) = *t.faces.last()?;
                    if lk >= *k || k - lk > max_gap || shot_of(lk) != shot_of(*k) {
                        return None;
                    }
                    let size = f.w.max(lf.w) / f.w.min(lf.w).max(1e-4);
                    // Vertical distance in widths (a face is square: w of the width is h of the height).
                    let d = (f.x - lf.x).hypot((f.y - lf.y) * f.w / f.h.max(1e-4));
                    (size <= 1.7 && d <= 1.2 * f.w.max(lf.w)).then_some((i, d))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((i, _)) => {
                    tracks[i].faces.push((*k, *f));
                    taken.push(i);
                }
                None => {
                    tracks.push(Track {
                        faces: vec![(*k, *f)],
                    });
                    taken.push(tracks.len() - 1);
                }
            }
        }
    }
    tracks
}

/// The tracks that are people: seen at least twice, or once with a face the first look's
/// threshold accepts (a weak face from the second look must be confirmed by another).
pub fn confirmed(tracks: Vec<Track>) -> Vec<Track> {
    tracks
        .into_iter()
        .filter(|t| t.faces.len() > 1 || t.faces.iter().any(|(_, f)| f.score >= WEAK_SCORE))
        .collect()
}

/// A person's horizontal extent (head and shoulders) from their face, in picture fractions:
/// about 2.8 face widths, centred on the face.
pub fn person_extent(f: &Face) -> (f32, f32) {
    ((f.x - 1.4 * f.w).max(0.0), (f.x + 1.4 * f.w).min(1.0))
}

/// The people subject of every sample (`samples` of them, shots starting at `cuts`), for a
/// window `win` columns wide in a proxy `width` columns wide; None where no person is known.
///
/// Inside a shot where a person was seen, a sample where no face is found keeps the nearest
/// known place of the shot's people (they turned to the stove; they did not leave). Several
/// people who fit one window are kept together; otherwise the ones that matter (faces at
/// least 60% of the largest, seen as long) are the subject if they fit, else the sample is
/// wide (two people at both ends of the counter); a lone person wider than the window is held
/// around the face.
///
/// Where the people that matter cannot share one window, the one who talks
/// ([`super::speaker::speakers`] on `talk(i)`, track i's talking score per sample, asked only
/// for the tracks of such samples; switching only after `switch` samples of another
/// talking) is the subject instead; where no one clearly talks in the shot, the sample
/// stays wide. A smaller person (under 60%) whose head cannot share the window with the
/// main ones competes as well: where they clearly talk, they are the subject, however
/// small beside a silent one.
#[allow(clippy::too_many_arguments)]
pub fn subjects(
    tracks: &[Track],
    cuts: &[usize],
    samples: usize,
    width: f32,
    win: f32,
    hold: usize,
    talk: &dyn Fn(usize) -> Vec<f32>,
    switch: usize,
) -> Vec<Option<Subject>> {
    let mut scores: Vec<Vec<f32>> = vec![Vec::new(); tracks.len()];
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < samples));
    bounds.push(samples);
    let mut out: Vec<Option<Subject>> = vec![None; samples];
    let margin = 0.06 * win;
    for shot in bounds.windows(2) {
        let (a, b) = (shot[0], shot[1]);
        let in_shot: Vec<(usize, &Track)> = tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.faces.iter().any(|(k, _)| (a..b).contains(k)))
            .collect();
        if in_shot.is_empty() {
            continue;
        }
        // Each sample's people: (face, weight, track).
        let present: Vec<Vec<(Face, f32, usize)>> = (a..b)
            .map(|k| {
                in_shot
                    .iter()
                    .filter_map(|(i, t)| t.at(k, hold).map(|f| (f, t.weight(), *i)))
                    .collect()
            })
            .collect();
        let plain = |ps: &[(Face, f32, usize)]| -> Vec<(Face, f32)> {
            ps.iter().map(|p| (p.0, p.1)).collect()
        };
        let mut own: Vec<Option<Subject>> = present
            .iter()
            .map(|ps| of_people(&plain(ps), width, win, margin))
            .collect();
        // Where the people that matter cannot share a window: the one who talks.
        let candidates: Vec<Vec<usize>> = present
            .iter()
            .zip(&own)
            .map(|(ps, s)| {
                let top = ps.iter().map(|p| p.1).fold(0f32, f32::max);
                if s.is_some_and(|s| s.wide) {
                    return ps
                        .iter()
                        .filter(|p| p.1 >= 0.6 * top)
                        .map(|p| p.2)
                        .collect();
                }
                // A smaller person whose head cannot share the window with the main ones
                // competes too: if they clearly talk, they are the subject.
                let even: Vec<(Face, f32)> = ps.iter().map(|p| (p.0, 1.0)).collect();
                if ps.len() < 2 || !of_people(&even, width, win, margin).is_some_and(|s| s.wide) {
                    return Vec::new();
                }
                ps.iter().map(|p| p.2).collect()
            })
            .collect();
        for &i in candidates.iter().flatten() {
            if scores[i].is_empty() {
                scores[i] = talk(i);
            }
        }
        let who = super::speaker::speakers(&candidates, &scores, a, switch);
        for (((s, ps), w), c) in own.iter_mut().zip(&present).zip(&who).zip(&candidates) {
            let Some(p) = w.and_then(|t| ps.iter().find(|p| p.2 == t)) else {
                continue;
            };
            let top = ps.iter().map(|p| p.1).fold(0f32, f32::max);
            if s.is_some_and(|s| s.wide) || (!c.is_empty() && p.1 < 0.6 * top) {
                *s = of_people(&[(p.0, p.1)], width, win, margin);
            }
        }
        // Hold the nearest known place through the shot's samples without a person.
        let known: Vec<usize> = (0..own.len()).filter(|&i| own[i].is_some()).collect();
        for i in 0..own.len() {
            if own[i].is_none() {
                let j = known
                    .iter()
                    .copied()
                    .min_by_key(|&j| j.abs_diff(i))
                    .expect("a track in the shot");
                own[i] = own[j];
            }
        }
        out[a..b].copy_from_slice(&own);
    }
    out
}

/// The subject for the people in one sample (face, track weight), in proxy columns.
fn of_people(people: &[(Face, f32)], width: f32, win: f32, margin: f32) -> Option<Subject> {
    let top = people.iter().map(|p| p.1).fold(0f32, f32::max);
    // The people that matter: at least 60% of the main person's weight.
    let mut main: Vec<&(Face, f32)> = people.iter().filter(|p| p.1 >= 0.6 * top).collect();
    main.sort_by(|a, b| b.1.total_cmp(&a.1));
    let first = main.first()?;
    let col = |v: f32| v * width;
    let span = |ps: &[&(Face, f32)]| {
        let l = ps
            .iter()
            .map(|p| person_extent(&p.0).0)
            .fold(f32::MAX, f32::min);
        let r = ps
            .iter()
            .map(|p| person_extent(&p.0).1)
            .fold(0f32, f32::max);
        (col(l), col(r))
    };
    let centre = |ps: &[&(Face, f32)]| {
        let m: f32 = ps.iter().map(|p| p.0.w).sum();
        col(ps.iter().map(|p| p.0.x * p.0.w).sum::<f32>() / m.max(1e-6))
    };
    let room = (width - win).max(0.0);
    let subject = |l: f32, r: f32, c: f32, wide: bool| Subject {
        left: l,
        right: r,
        centre: c,
        best: (c - win / 2.0).clamp(0.0, room),
        wide,
    };
    let (l, r) = span(&main);
    if r - l + 2.0 * margin <= win {
        return Some(subject(l, r, centre(&main), false));
    }
    // Head and shoulders do not fit: the heads (hair included) if they do.
    let head = |ps: &[&(Face, f32)]| {
        let l = ps
            .iter()
            .map(|p| col(p.0.x - 0.7 * p.0.w))
            .fold(f32::MAX, f32::min);
        let r = ps
            .iter()
            .map(|p| col(p.0.x + 0.7 * p.0.w))
            .fold(0f32, f32::max);
        (l.max(0.0), r.min(width))
    };
    let (fl, fr) = head(&main);
    if fr - fl + 2.0 * margin <= win || main.len() == 1 {
        // One person: their head, held around the face when even that is wider.
        return Some(subject(fl, fr, centre(&main), false));
    }
    // Several people who matter and whose heads do not share one window: wide (the main
    // person's head is where a window would go).
    let (l0, r0) = head(&[*first]);
    Some(subject(l0, r0, col(first.0.x), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, w: f32) -> Face {
        Face {
            x,
            y: 0.4,
            w,
            h: w * 16.0 / 9.0,
            score: 5.0,
        }
    }

    #[test]
    fn detections_link_into_tracks_and_a_cut_ends_them() {
        let dets = vec![
            (0, vec![face(0.3, 0.1), face(0.8, 0.1)]),
            (5, vec![face(0.32, 0.1)]),
            (10, vec![face(0.35, 0.1), face(0.79, 0.1)]),
            (15, vec![face(0.36, 0.1)]),
        ];
        let t = link(&dets, &[15], 12);
        // A weak face seen once is not a person; twice it is.
        let weak = |x: f32| Face {
            score: 1.5,
            ..face(x, 0.1)
        };
        let once = link(&[(0, vec![weak(0.3)]), (5, vec![weak(0.8)])], &[], 12);
        assert!(confirmed(once).is_empty());
        let twice = link(&[(0, vec![weak(0.3)]), (5, vec![weak(0.31)])], &[], 12);
        assert_eq!(confirmed(twice).len(), 1);
        assert_eq!(confirmed(t.clone()).len(), 3);
        // The left face 0-10, the right one (0 and 10: a gap of 10 allowed), a new track
        // after the cut.
        assert_eq!(t.len(), 3, "{t:?}");
        assert_eq!(t[0].faces.len(), 3);
        assert_eq!(t[1].faces.len(), 2);
        assert_eq!(t[2].faces[0].0, 15);
        // Interpolated between detections, held a little beyond.
        let f = t[0].at(7, 2).unwrap();
        assert!((f.x - 0.332).abs() < 1e-3, "{f:?}");
        assert!(t[0].at(12, 2).is_some() && t[0].at(13, 2).is_none());
    }

    #[test]
    fn a_person_is_held_through_a_shot_and_two_far_apart_are_wide() {
        let one = vec![Track {
            faces: vec![(3, face(0.8, 0.08))],
        }];
        let s = subjects(&one, &[10], 20, 192.0, 60.0, 2, &|_| Vec::new(), 5);
        // Shot 0-9 holds the person everywhere; shot 10-19 has nobody.
        assert!(s[..10].iter().all(|x| x.is_some_and(|x| !x.wide)));
        assert!(s[10..].iter().all(|x| x.is_none()));
        let c = s[0].unwrap().centre;
        assert!((c - 0.8 * 192.0).abs() < 0.5, "{c}");
        let two = vec![
            Track {
                faces: vec![(0, face(0.1, 0.08)), (5, face(0.1, 0.08))],
            },
            Track {
                faces: vec![(0, face(0.9, 0.08)), (5, face(0.9, 0.08))],
            },
        ];
        let s = subjects(&two, &[], 6, 192.0, 60.0, 2, &|_| Vec::new(), 5);
        assert!(s[3].unwrap().wide);
        // A small face in the background does not make the main person wide.
        let bg = vec![
            Track {
                faces: vec![(0, face(0.2, 0.12)), (5, face(0.2, 0.12))],
            },
            Track {
                faces: vec![(0, face(0.9, 0.04))],
            },
        ];
        let s = subjects(&bg, &[], 6, 192.0, 60.0, 2, &|_| Vec::new(), 5);
        assert!(!s[0].unwrap().wide && s[0].unwrap().right < 0.5 * 192.0);
    }

    /// A drawn person (as the suite's `person_png`, in grey): a face `size` px wide with its
    /// left edge at `fx`, top at `fy`, over a mid-grey picture `w` x `h` with mild texture.
    fn drawn(w: usize, h: usize, fx: f32, fy: f32, size: f32) -> Grey {
        let mut luma = vec![0u8; w * h];
        for py in 0..h {
            for px in 0..w {
                let (x, y) = ((px as f32 - fx) / size, (py as f32 - fy) / size);
                let e = |cx: f32, cy: f32, rx: f32, ry: f32| {
                    ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2)
                };
                let mut v = 110.0 + 12.0 * (((px * 7 + py * 13) % 5) as f32 - 2.0) / 2.0;
                if e(0.5, 2.1, 1.15, 1.05) <= 1.0 && y > 0.95 {
                    v = 72.0;
                }
                let head = e(0.5, 0.52, 0.36, 0.46);
                if head <= 1.0 {
                    v = 170.0 - 40.0 * head * head;
                    if y < 0.22 + 0.05 * (x - 0.5).abs() {
                        v = 38.0;
                    }
                    for ex in [0.35f32, 0.65] {
                        if (y - 0.36).abs() < 0.02 && (x - ex).abs() < 0.09 {
                            v = 48.0;
                        }
                        if e(ex, 0.45, 0.075, 0.035) <= 1.0 {
                            v = 235.0;
                        }
                        if e(ex, 0.45, 0.035, 0.035) <= 1.0 {
                            v = 25.0;
                        }
                    }
                    if (x - 0.5).abs() < 0.035 * (y - 0.45) / 0.15 && y > 0.45 && y < 0.62 {
                        v -= 35.0;
                    }
                    if e(0.5, 0.75, 0.13, 0.03) <= 1.0 {
                        v = 95.0;
                    }
                }
                luma[py * w + px] = v.clamp(0.0, 255.0) as u8;
            }
        }
        Grey {
            width: w,
            height: h,
            luma,
        }
    }

    #[test]
    fn a_small_moving_face_is_found_by_the_close_look_and_needs_a_second_sighting() {
        // A 640x360 source with a face 22 px wide at x 400: 13 px at the first look's 384,
        // 22 px at the second's 640 (under its 28), 44 px at the close look's 1280.
        let at = |scale: f32| {
            let (w, h) = ((640.0 * scale) as usize, (360.0 * scale) as usize);
            drawn(w, h, 400.0 * scale, 120.0 * scale, 22.0 * scale)
        };
        let p = Pictures {
            rgb: None,
            grey: at(0.6),
            fine: at(1.0),
            close: at(2.0),
        };
        // The person moves against the camera (columns of a 192 px proxy), nothing else.
        let mut motion = vec![0f32; 192];
        for m in &mut motion[118..128] {
            *m = 0.2;
        }
        let mut finder = FaceFinder::with_second(None);
        let spans = moving_spans(&motion);
        assert_eq!(spans.len(), 1, "{spans:?}");
        let found = finder.look_at(&p, Some(&motion), true);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = found[0];
        assert!((f.x - 411.0 / 640.0).abs() < 0.02, "{f:?}");
        // Weak until seen again: one sighting is not a person, two are.
        assert!(needs_confirming(&found));
        assert!(confirmed(link(&[(0, found.clone())], &[], 12)).is_empty());
        let twice = link(&[(0, found.clone()), (1, found.clone())], &[], 12);
        assert_eq!(confirmed(twice).len(), 1);
        // The first look alone does not see it.
        assert!(finder.look_at(&p, Some(&motion), false).is_empty());
        // Without the close look (no motion known), or where nothing moves, nobody is found.
        assert!(finder.look_at(&p, None, true).is_empty());
        assert!(finder.look_at(&p, Some(&vec![0.0; 192]), true).is_empty());
        // Motion everywhere is not a region to look at.
        assert!(moving_spans(&vec![0.3; 192]).is_empty());
    }
}

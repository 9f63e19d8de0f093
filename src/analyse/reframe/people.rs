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

use super::camera::Subject;

/// The detector's picture width (px). Faces from about 5% of the picture's width are found.
pub const DETECT_WIDTH: usize = 384;
/// The second look's picture width (px), where the first found nobody: faces from about 4.4%
/// of the width, and drawn faces the cascade misses at the first look's scales.
pub const FINE_WIDTH: usize = 640;
/// The second look's smallest face (px) and score threshold (the first look's is 2: the
/// second finds weaker faces, such as a drawn face turned a little).
const FINE_MIN_FACE: u32 = 28;
const FINE_THRESH: f64 = 1.0;
/// A face scoring under the first look's threshold is weak: alone in its track (seen once)
/// it is not taken for a person.
pub const WEAK_SCORE: f32 = 2.0;

/// The model, from rustface's crate package (see build.rs).
static MODEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/seeta_fd_frontal_v1.0.bin"));

/// A small upright grey picture, row by row.
#[derive(Clone, Debug)]
pub struct Grey {
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
    /// `width * height` bytes.
    pub luma: Vec<u8>,
}

impl Grey {
    /// A luma plane (`w` x `h`, rows `stride` bytes apart) shrunk by whole-pixel box
    /// averaging to at most `width` px wide (covers: a reel frame is 1080 px wide).
    pub fn shrunk(luma: &[u8], w: usize, h: usize, stride: usize, width: usize) -> Grey {
        let f = w.div_ceil(width.max(1)).max(1);
        let (gw, gh) = (w / f, h / f);
        let mut out = vec![0u8; gw * gh];
        for y in 0..gh {
            for x in 0..gw {
                let mut sum = 0u32;
                for yy in y * f..y * f + f {
                    let row = &luma[yy * stride + x * f..yy * stride + x * f + f];
                    sum += row.iter().map(|&v| v as u32).sum::<u32>();
                }
                out[y * gw + x] = (sum / (f * f) as u32) as u8;
            }
        }
        Grey {
            width: gw,
            height: gh,
            luma: out,
        }
    }
}

/// A face, in fractions of the upright picture (0 left/top, 1 right/bottom).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Face {
    /// Centre, horizontally.
    pub x: f32,
    /// Centre, vertically.
    pub y: f32,
    /// Width (of the picture's width).
    pub w: f32,
    /// Height (of the picture's height).
    pub h: f32,
    /// The detector's score (2 is its threshold).
    pub score: f32,
}

/// The face detector's two pictures of one frame, kept for a look decided later.
#[derive(Clone, Debug)]
pub struct Pictures {
    /// [`DETECT_WIDTH`] px wide.
    pub grey: Grey,
    /// [`FINE_WIDTH`] px wide.
    pub fine: Grey,
}

/// Finds faces in grey pictures.
pub struct FaceFinder {
    detector: Box<dyn rustface::Detector>,
    fine: Box<dyn rustface::Detector>,
}

impl Default for FaceFinder {
    fn default() -> Self {
        Self::new()
    }
}

impl FaceFinder {
    /// The detector with its embedded model: faces from 20 px, the model's own threshold.
    pub fn new() -> FaceFinder {
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
        }
    }

    /// The faces in a proxy picture: the first look at [`DETECT_WIDTH`] px, and where it finds
    /// nobody a second at [`FINE_WIDTH`] px.
    pub fn look(
        &mut self,
        g: &mut super::proxy::LazyGrey<'_>,
    ) -> Result<Vec<Face>, crate::media::RenderError> {
        let f = self.find(g.get()?);
        if !f.is_empty() {
            return Ok(f);
        }
        Ok(Self::detect(&mut self.fine, g.fine()?))
    }

    /// [`FaceFinder::look`] at kept pictures.
    pub fn look_at(&mut self, p: &Pictures) -> Vec<Face> {
        let f = self.find(&p.grey);
        if !f.is_empty() {
            return f;
        }
        Self::detect(&mut self.fine, &p.fine)
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

/// One person over time: the detections linked into a track (sample index, face).
#[derive(Clone, Debug, PartialEq)]
pub struct Track {
    /// In sample order.
    pub faces: Vec<(usize, Face)>,
}

impl Track {
    /// How much this person matters: face size and how long they are seen.
    pub fn weight(&self) -> f32 {
        let n = self.faces.len() as f32;
        let size = self.faces.iter().map(|(_, f)| f.w).sum::<f32>() / n.max(1.0);
        size * n.sqrt()
    }

    /// The face at sample `k`: interpolated between detections, held for `hold` samples
    /// beyond the first and last.
    pub fn at(&self, k: usize, hold: usize) -> Option<Face> {
        let (first, last) = (self.faces.first()?, self.faces.last()?);
        if k + hold < first.0 || k > last.0 + hold {
            return None;
        }
        if k <= first.0 {
            return Some(first.1);
        }
        if k >= last.0 {
            return Some(last.1);
        }
        let i = self.faces.partition_point(|(s, _)| *s <= k);
        let (a, b) = (self.faces[i - 1], self.faces[i]);
        let t = (k - a.0) as f32 / (b.0 - a.0).max(1) as f32;
        let mix = |p: f32, q: f32| p + (q - p) * t;
        Some(Face {
            x: mix(a.1.x, b.1.x),
            y: mix(a.1.y, b.1.y),
            w: mix(a.1.w, b.1.w),
            h: mix(a.1.h, b.1.h),
            score: a.1.score.min(b.1.score),
        })
    }
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
pub fn subjects(
    tracks: &[Track],
    cuts: &[usize],
    samples: usize,
    width: f32,
    win: f32,
    hold: usize,
) -> Vec<Option<Subject>> {
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < samples));
    bounds.push(samples);
    let mut out: Vec<Option<Subject>> = vec![None; samples];
    let margin = 0.06 * win;
    for shot in bounds.windows(2) {
        let (a, b) = (shot[0], shot[1]);
        let in_shot: Vec<&Track> = tracks
            .iter()
            .filter(|t| t.faces.iter().any(|(k, _)| (a..b).contains(k)))
            .collect();
        if in_shot.is_empty() {
            continue;
        }
        let mut own: Vec<Option<Subject>> = (a..b)
            .map(|k| {
                let people: Vec<(Face, f32)> = in_shot
                    .iter()
                    .filter_map(|t| t.at(k, hold).map(|f| (f, t.weight())))
                    .collect();
                of_people(&people, width, win, margin)
            })
            .collect();
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
        let s = subjects(&one, &[10], 20, 192.0, 60.0, 2);
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
        let s = subjects(&two, &[], 6, 192.0, 60.0, 2);
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
        let s = subjects(&bg, &[], 6, 192.0, 60.0, 2);
        assert!(!s[0].unwrap().wide && s[0].unwrap().right < 0.5 * 192.0);
    }
}

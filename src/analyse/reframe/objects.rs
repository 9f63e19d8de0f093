//! People whose face is not seen, and things: mediapipe's 2D object detector (the first stage
//! of mediapipe Objectron, Apache-2.0), an SSD MobileNetV2 trained on Open Images v4 for 23
//! classes (person, bicycle, dog, cat, mug, bottle, car...), read from its `.tflite` file and
//! evaluated in plain Rust ([`super::tflite`]).
//!
//! The weights are not in the repository: `make deps` (scripts/install-objects.sh) fetches
//! the npm package `@mediapipe/objectron` 0.4.1675468480, whose packed assets hold
//! `object_detection_ssd_mobilenetv2_oidv4_fp16.tflite` (9.8 MB, float16 weights), checks its
//! SHA-256 and writes it into the model folder (the folder `MODEL` names). Without it the reframe pass
//! finds people by their faces alone.
//!
//! As mediapipe's graph (`object_detection_oid_v4`) does: the whole upright picture stretched
//! to 300x300, RGB scaled to [-1, 1]; the network scores 1917 anchors (6 layers of
//! 19x19 ... 1x1 cells, 3 or 6 boxes a cell) for each class and regresses a box for each;
//! the best class's sigmoid is the box's score, boxes over a threshold are decoded against
//! their anchor (centre / 10, size exp(/5)) and kept by non-maximum suppression per class.

use super::camera::Subject;
use super::picture::Thumb;
use super::tflite::{Model, ModelFile};
use std::path::{Path, PathBuf};

/// The model file's name, in the folder `MODEL` names.
pub const FILE: &str = "object_detection_ssd_mobilenetv2_oidv4_fp16.tflite";
/// The network's input side (px).
pub const SIDE: usize = 300;
/// The number of anchors.
pub const ANCHORS: usize = 1917;
/// The classes, index 0 the background (the label map packed with the model).
pub const LABELS: [&str; 24] = [
    "???",
    "Bicycle",
    "Boot",
    "Laptop",
    "Person",
    "Chair",
    "Cattle",
    "Desk",
    "Cat",
    "Computer mouse",
    "Computer monitor",
    "Box",
    "Mug",
    "Coffee cup",
    "Stationary bicycle",
    "Table",
    "Bottle",
    "High heels",
    "Vehicle",
    "Footwear",
    "Dog",
    "Book",
    "Camera",
    "Car",
];
/// The class index of a person.
pub const PERSON: usize = 4;
/// Boxes are decoded from this probability.
pub const MIN_SCORE: f32 = 0.3;
/// A person's box is a person (whose face is not seen) from this probability (chosen on the
/// tuning material: 0.5 framed 4 samples fewer (a cartoon's figure and single people in a
/// crowd were taken), 0.6 the same as 0.55; on the material's 600 marked frames at the
/// proxy's size, person boxes from 0.6 fell on the marked subject 24 times and elsewhere 3
/// times, from 0.5 95 and 81 times).
pub const PERSON_MIN: f32 = 0.55;
/// Where a person is found, the people that count with them (a crowd of people who cannot
/// share a window is nobody in particular).
pub const PERSON_SEEN: f32 = 0.5;
/// A thing's box is the subject from this probability, where no person is found.
pub const THING_MIN: f32 = 0.45;
/// The margin kept each side of the people in the window (of the window's width).
const MARGIN: f32 = 0.06;
/// The things that can be a shot's subject: what people ride, hold or keep (bicycles, mugs,
/// cups, bottles, books, boxes, laptops) and animals; not the scenery that stands in most
/// shots (cars, tables, chairs, monitors) nor shoes.
const THINGS: [usize; 11] = [1, 3, 6, 8, 11, 12, 13, 14, 16, 20, 21];
/// Boxes of one class overlapping a better one by more than this (intersection over union)
/// are dropped (mediapipe's graph: 0.4).
const NMS_IOU: f32 = 0.4;
/// The largest model file read (the expected one is 9.8 MB).
const MAX_BYTES: u64 = 16 << 20;

/// The model file: `$FAILREEL_OBJECTS_DIR`, else `$XDG_DATA_HOME/failreel/objects`, else
/// `~/.local/share/failreel/objects`.
static MODEL: ModelFile<Objects> =
    ModelFile::new("FAILREEL_OBJECTS_DIR", "objects", FILE, Objects::load);

/// What tells installed weights apart, for the reframe cache key: the file's path, size and
/// modification time (nothing is read); None when it is not there.
pub fn stamp() -> Option<(PathBuf, u64, u64)> {
    MODEL.stamp()
}

/// The detector, loaded at its first use, once per process; `Err` says why there is none.
pub fn shared() -> &'static Result<Objects, String> {
    MODEL.shared()
}

/// One line for the user on the object detector: None when it is installed (and, if this
/// process loaded it, loads), else what is wrong and what to do. It does not load the
/// model (a plan from the cache needs none).
pub fn status() -> Option<String> {
    MODEL.missing().map(|why| {
        format!(
            "--focus auto: the object detector is not available ({why}); people whose face \
             is not seen, bicycles and animals may be missed. `make deps` installs it"
        )
    })
}

/// One thing found, in fractions of the upright picture.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Found {
    /// Centre, horizontally.
    pub x: f32,
    /// Centre, vertically.
    pub y: f32,
    /// Width (of the picture's width).
    pub w: f32,
    /// Height (of the picture's height).
    pub h: f32,
    /// The probability (sigmoid of the class's logit).
    pub score: f32,
    /// The class, an index into [`LABELS`].
    pub class: u8,
}

/// An anchor: centre and size, fractions of the square.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    /// Centre.
    pub x: f32,
    /// Centre.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// mediapipe's SsdAnchorsCalculator with the graph's options: 6 layers, strides 16 to 512
/// on 300 px (cells 19, 10, 5, 3, 2, 1), scales 0.2 to 0.95, aspect ratios 1, 2, 0.5, 3,
/// 1/3 and an interpolated square; the lowest layer reduced to 3 boxes (0.1 square, 0.2 at
/// 2 and 0.5). Row by row, cell by cell, box by box.
pub fn anchors() -> Vec<Anchor> {
    const STRIDES: [usize; 6] = [16, 32, 64, 128, 256, 512];
    const RATIOS: [f32; 5] = [1.0, 2.0, 0.5, 3.0, 0.3333];
    let scale = |i: usize| 0.2 + (0.95 - 0.2) * i as f32 / (STRIDES.len() - 1) as f32;
    let mut out = Vec::with_capacity(ANCHORS);
    for (l, &stride) in STRIDES.iter().enumerate() {
        let boxes: Vec<(f32, f32)> = if l == 0 {
            vec![(0.1, 1.0), (scale(0), 2.0), (scale(0), 0.5)]
        } else {
            let next = if l + 1 == STRIDES.len() {
                1.0
            } else {
                scale(l + 1)
            };
            RATIOS
                .iter()
                .map(|&r| (scale(l), r))
                .chain([((scale(l) * next).sqrt(), 1.0)])
                .collect()
        };
        let cells = SIDE.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                for &(s, r) in &boxes {
                    out.push(Anchor {
                        x: (x as f32 + 0.5) / cells as f32,
                        y: (y as f32 + 0.5) / cells as f32,
                        w: s * r.sqrt(),
                        h: s / r.sqrt(),
                    });
                }
            }
        }
    }
    out
}

/// mediapipe's Objectron 2D object detector.
pub struct Objects {
    model: Model,
    anchors: Vec<Anchor>,
}

impl Objects {
    /// Reads the model file at `path`; an error names it and says what is wrong.
    pub fn load(path: &Path) -> Result<Objects, String> {
        let buf = super::tflite::read_file(path, MAX_BYTES, "the object detector's model")?;
        Self::from_bytes(&buf).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The detector from a model file's bytes: it must take one 1x300x300x3 picture and give
    /// 1917 boxes of 4 values and 1917 x 24 class logits.
    pub fn from_bytes(buf: &[u8]) -> Result<Objects, String> {
        let model = Model::read(buf)?;
        if model.input_shape(0) != Some(&[1, SIDE, SIDE, 3][..]) {
            return Err(format!(
                "not the Objectron object detector (input {:?})",
                model.input_shape(0)
            ));
        }
        let o = Objects {
            model,
            anchors: anchors(),
        };
        // The outputs' sizes are checked on a black picture (one run, at load).
        o.raw_input(vec![-1.0; SIDE * SIDE * 3])?;
        Ok(o)
    }

    fn raw_input(&self, input: Vec<f32>) -> Result<(Vec<f32>, Vec<f32>), String> {
        let mut out = self.model.run(input)?.into_iter();
        match (out.next(), out.next()) {
            (Some(b), Some(c)) if b.len() == ANCHORS * 4 && c.len() == ANCHORS * LABELS.len() => {
                Ok((b, c))
            }
            _ => Err("not the Objectron object detector (its outputs)".into()),
        }
    }

    /// The network's raw outputs for an RGB picture (`w` x `h`, 3 bytes a pixel, rows
    /// packed): the box encodings (1917 x 4) and the class logits (1917 x 24).
    pub fn raw(&self, rgb: &[u8], w: usize, h: usize) -> Result<(Vec<f32>, Vec<f32>), String> {
        self.raw_input(stretch(rgb, w, h))
    }

    /// The things in an RGB picture from [`MIN_SCORE`], in fractions of it, best first.
    pub fn find(&self, rgb: &[u8], w: usize, h: usize) -> Vec<Found> {
        if w < 8 || h < 8 || rgb.len() < w * h * 3 {
            return Vec::new();
        }
        match self.raw(rgb, w, h) {
            Ok((boxes, logits)) => decode(&self.anchors, &boxes, &logits, MIN_SCORE),
            Err(_) => Vec::new(),
        }
    }
}

/// The network's input: the picture stretched to 300x300 (bilinear, pixel centres aligned
/// as mediapipe's resize does), scaled to [-1, 1].
pub fn stretch(rgb: &[u8], w: usize, h: usize) -> Vec<f32> {
    let mut out = vec![0f32; SIDE * SIDE * 3];
    let axis = |n: usize| -> Vec<(usize, usize, f32)> {
        (0..SIDE)
            .map(|i| {
                let s =
                    ((i as f32 + 0.5) * n as f32 / SIDE as f32 - 0.5).clamp(0.0, (n - 1) as f32);
                let a = s.floor() as usize;
                (a, (a + 1).min(n - 1), s - a as f32)
            })
            .collect()
    };
    let (xs, ys) = (axis(w), axis(h));
    for (oy, &(y0, y1, fy)) in ys.iter().enumerate() {
        for (ox, &(x0, x1, fx)) in xs.iter().enumerate() {
            for c in 0..3 {
                let p = |x: usize, y: usize| rgb[(y * w + x) * 3 + c] as f32;
                let top = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx;
                let bot = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx;
                out[(oy * SIDE + ox) * 3 + c] = (top + (bot - top) * fy) / 127.5 - 1.0;
            }
        }
    }
    out
}

/// The things in the network's outputs, in fractions of the square (which is the whole
/// picture): per anchor the best class but the background, its sigmoid from `min`, the box
/// decoded against the anchor (mediapipe's `TensorsToDetections`: encodings y, x, h, w;
/// centre / 10 of the anchor's size, size exp(/5) of it), then non-maximum suppression per
/// class; best first.
pub fn decode(anchors: &[Anchor], boxes: &[f32], logits: &[f32], min: f32) -> Vec<Found> {
    let nc = LABELS.len();
    let mut cand: Vec<Found> = Vec::new();
    for (i, a) in anchors.iter().enumerate() {
        let (Some(l), Some(r)) = (logits.get(i * nc..i * nc + nc), boxes.get(i * 4..i * 4 + 4))
        else {
            break;
        };
        let (class, &best) = l
            .iter()
            .enumerate()
            .skip(1)
            .max_by(|p, q| p.1.total_cmp(q.1))
            .expect("24 classes");
        let p = 1.0 / (1.0 + (-best.clamp(-100.0, 100.0)).exp());
        if p < min {
            continue;
        }
        let f = Found {
            x: a.x + r[1] / 10.0 * a.w,
            y: a.y + r[0] / 10.0 * a.h,
            w: (r[3] / 5.0).clamp(-20.0, 20.0).exp() * a.w,
            h: (r[2] / 5.0).clamp(-20.0, 20.0).exp() * a.h,
            score: p,
            class: class as u8,
        };
        if f.x.is_finite() && f.y.is_finite() {
            cand.push(f);
        }
    }
    cand.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out: Vec<Found> = Vec::new();
    for c in cand {
        if !out
            .iter()
            .any(|o| o.class == c.class && iou(o, &c) > NMS_IOU)
        {
            out.push(c);
        }
    }
    out
}

fn iou(a: &Found, b: &Found) -> f32 {
    let ix =
        ((a.x + a.w / 2.0).min(b.x + b.w / 2.0) - (a.x - a.w / 2.0).max(b.x - b.w / 2.0)).max(0.0);
    let iy =
        ((a.y + a.h / 2.0).min(b.y + b.h / 2.0) - (a.y - a.h / 2.0).max(b.y - b.h / 2.0)).max(0.0);
    let i = ix * iy;
    i / (a.w * a.h + b.w * b.h - i).max(1e-9)
}

/// The subject a look's boxes give, in proxy columns (a picture `width` wide, a window
/// `win` wide). People first: where a person is found from [`PERSON_MIN`], every person
/// from [`PERSON_SEEN`] no wider than the window, together, if they share a window with a
/// margin (several people who do not: nobody in particular, the look gives nothing). Else
/// the most probable thing from [`THING_MIN`]. None when there is neither.
pub fn subject_of(found: &[Found], width: f32, win: f32) -> Option<Subject> {
    let people: Vec<&Found> = found
        .iter()
        .filter(|f| f.class as usize == PERSON && f.score >= PERSON_SEEN && f.w * width <= win)
        .collect();
    let px = |v: f32| v.clamp(0.0, 1.0) * width;
    let (l, r, c) = if people.iter().any(|f| f.score >= PERSON_MIN) {
        let l = px(people.iter().map(|f| f.x - f.w / 2.0).fold(1f32, f32::min));
        let r = px(people.iter().map(|f| f.x + f.w / 2.0).fold(0f32, f32::max));
        if r - l + 2.0 * MARGIN * win > win {
            return None;
        }
        (l, r, (l + r) / 2.0)
    } else {
        let f = found
            .iter()
            .filter(|f| THINGS.contains(&(f.class as usize)) && f.score >= THING_MIN)
            .max_by(|a, b| a.score.total_cmp(&b.score))?;
        (px(f.x - f.w / 2.0), px(f.x + f.w / 2.0), px(f.x))
    };
    Some(Subject {
        left: l,
        right: r,
        centre: c,
        best: (c - win / 2.0).clamp(0.0, (width - win).max(0.0)),
        wide: false,
    })
}

/// Fills the shots where nobody is seen (every sample of `people` None between two cuts)
/// from the object detector (`find`), which looks at the shot's kept pictures `thumbs`
/// (those the face detector looked at), at most one each `every` samples (a second).
/// Where at least half of a shot's looks give a subject ([`subject_of`]), those are its
/// subject: between two of them it moves from one to the other, and it is held up to
/// `every` samples before the first and after the last; elsewhere in the shot the samples
/// stay None (what moves and stands out decides there). A shot with a person seen by the
/// face detectors keeps them: faces come first.
pub fn fill(
    people: &mut [Option<Subject>],
    thumbs: &[(usize, Thumb)],
    cuts: &[usize],
    width: f32,
    win: f32,
    every: usize,
    find: impl Fn(&Thumb) -> Vec<Found> + Sync,
) {
    use rayon::prelude::*;
    let n = people.len();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < n));
    bounds.push(n);
    // The pictures each shot without a face looks at, at most one each `every` samples.
    let mut plan: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for shot in bounds.windows(2) {
        let (a, b) = (shot[0], shot[1]);
        if people[a..b].iter().any(Option::is_some) {
            continue;
        }
        let mut picks = Vec::new();
        let mut last: Option<usize> = None;
        for (i, (k, _)) in thumbs.iter().enumerate() {
            if !(a..b).contains(k) || last.is_some_and(|l| k - l < every) {
                continue;
            }
            last = Some(*k);
            picks.push(i);
        }
        plan.push((a, b, picks));
    }
    // The looks are independent: side by side on the cores (the pass waits for them).
    let all: Vec<usize> = plan
        .iter()
        .flat_map(|(_, _, p)| p.iter().copied())
        .collect();
    let seen: Vec<Option<Subject>> = all
        .par_iter()
        .map(|&i| subject_of(&find(&thumbs[i].1), width, win))
        .collect();
    let mut seen = seen.into_iter();
    for (a, b, picks) in plan {
        let looks = picks.len();
        let known: Vec<(usize, Subject)> = picks
            .iter()
            .zip(seen.by_ref())
            .filter_map(|(&i, s)| s.map(|s| (thumbs[i].0, s)))
            .collect();
        if known.is_empty() || known.len() * 2 < looks {
            continue;
        }
        for (k, p) in people.iter_mut().enumerate().take(b).skip(a) {
            let i = known.partition_point(|(j, _)| *j <= k);
            *p = match (i.checked_sub(1).map(|i| known[i]), known.get(i)) {
                (Some(x), Some(y)) => {
                    let t = (k - x.0) as f32 / (y.0 - x.0).max(1) as f32;
                    let m = |p: f32, q: f32| p + (q - p) * t;
                    Some(Subject {
                        left: m(x.1.left, y.1.left),
                        right: m(x.1.right, y.1.right),
                        centre: m(x.1.centre, y.1.centre),
                        best: m(x.1.best, y.1.best),
                        wide: false,
                    })
                }
                (Some(x), None) => (k - x.0 <= every).then_some(x.1),
                (None, Some(y)) => (y.0 - k <= every).then_some(y.1),
                (None, None) => None,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_mediapipes_1917_and_a_hand_made_encoding_decodes() {
        let a = anchors();
        assert_eq!(a.len(), ANCHORS);
        // The first cell of the 19x19 layer: a 0.1 square, then 0.2 at 2:1 and 1:2.
        let c = 0.5 / 19.0;
        assert!((a[0].x - c).abs() < 1e-6 && (a[0].w - 0.1).abs() < 1e-6);
        assert!(
            (a[1].w - 0.2 * 2f32.sqrt()).abs() < 1e-6 && (a[2].h - 0.2 * 2f32.sqrt()).abs() < 1e-6
        );
        // The second cell of the first row; the 10x10 layer starts after 19*19*3.
        assert!((a[3].x - 1.5 / 19.0).abs() < 1e-6 && (a[3].y - c).abs() < 1e-6);
        assert!((a[1083].x - 0.05).abs() < 1e-6 && (a[1083].w - 0.35).abs() < 1e-6);
        // The last: the 1x1 layer's interpolated square, sqrt(0.95 * 1).
        let l = a[ANCHORS - 1];
        assert!((l.x - 0.5).abs() < 1e-6 && (l.w - 0.95f32.sqrt()).abs() < 1e-6);

        // Two person boxes overlapping (the weaker is dropped), a bicycle over them (kept:
        // another class) and one anchor under the threshold.
        let nc = LABELS.len();
        let mut logits = vec![-10f32; ANCHORS * nc];
        let mut boxes = vec![0f32; ANCHORS * 4];
        let mut set = |i: usize, class: usize, logit: f32, r: [f32; 4]| {
            logits[i * nc + class] = logit;
            boxes[i * 4..i * 4 + 4].copy_from_slice(&r);
        };
        set(1083, PERSON, 2.0, [0.0, 5.0, 0.0, 0.0]);
        set(1089, PERSON, 1.0, [0.0, 2.0, 0.0, 0.0]);
        set(1090, 1, 0.5, [-2.0, 0.0, 5.0, -5.0]);
        set(1200, PERSON, -1.5, [0.0; 4]);
        let f = decode(&a, &boxes, &logits, MIN_SCORE);
        assert_eq!(f.len(), 2, "{f:?}");
        let p = |l: f32| 1.0 / (1.0 + (-l).exp());
        assert_eq!(f[0].class as usize, PERSON);
        assert!((f[0].score - p(2.0)).abs() < 1e-6);
        assert!((f[0].x - (0.05 + 0.5 * 0.35)).abs() < 1e-6 && (f[0].w - 0.35).abs() < 1e-6);
        let b = f[1];
        let an = a[1090];
        assert_eq!(b.class, 1);
        assert!((b.y - (an.y - 0.2 * an.h)).abs() < 1e-6);
        assert!((b.h - std::f32::consts::E * an.h).abs() < 1e-5);
        assert!((b.w - an.w / std::f32::consts::E).abs() < 1e-5);

        // The picture is stretched, not letterboxed: a 4x2 picture white on the right half.
        let mut rgb = vec![0u8; 4 * 2 * 3];
        for y in 0..2 {
            for x in 2..4 {
                rgb[(y * 4 + x) * 3..][..3].copy_from_slice(&[255; 3]);
            }
        }
        let s = stretch(&rgb, 4, 2);
        assert_eq!(s[0], -1.0);
        assert_eq!(s[(299 * SIDE + 299) * 3], 1.0);
        assert_eq!(s[(299 * SIDE) * 3], -1.0);
    }

    #[test]
    fn shots_without_faces_take_the_people_and_things_most_of_their_looks_find() {
        let thumb = |k: usize| {
            (
                k,
                Thumb {
                    width: 1,
                    height: 1,
                    rgb: vec![k as u8; 3],
                },
            )
        };
        let person = |x: f32, score: f32| Found {
            x,
            y: 0.5,
            w: 0.1,
            h: 0.5,
            score,
            class: PERSON as u8,
        };
        // Shots 0-10 (a face), 10-30 (a person seen at 3 of 4 looks, then a crowd), 30-45
        // (a bicycle seen at 1 look of 3): 100 px wide, a window of 40.
        let mut people: Vec<Option<Subject>> = vec![None; 45];
        let face = subject_of(&[person(0.5, 0.9)], 100.0, 40.0);
        people[..10].fill(face);
        let thumbs: Vec<(usize, Thumb)> = (0..45).step_by(5).map(thumb).collect();
        let looked = std::sync::Mutex::new(Vec::new());
        fill(&mut people, &thumbs, &[10, 30], 100.0, 40.0, 5, |t| {
            let k = t.rgb[0] as usize;
            looked.lock().unwrap().push(k);
            match k {
                10 => vec![person(0.3, 0.6)],
                15 => vec![person(0.5, 0.56), person(0.45, 0.3)],
                20 => vec![person(0.7, 0.6), person(0.1, 0.52)],
                25 => vec![person(0.6, 0.7)],
                35 => vec![Found {
                    class: 1,
                    ..person(0.2, 0.5)
                }],
                _ => Vec::new(),
            }
        });
        let mut looked = looked.into_inner().unwrap();
        looked.sort_unstable();
        assert_eq!(
            looked,
            [10, 15, 20, 25, 30, 35, 40],
            "no look in the face's shot"
        );
        assert_eq!(people[5], face);
        let at = |k: usize, want: f32| {
            let c = people[k].map(|s| s.centre);
            assert!(c.is_some_and(|c| (c - want).abs() < 1e-3), "{k}: {c:?}");
        };
        // Between two looks it moves from one to the other; the crowd at 20 gives nothing.
        at(10, 30.0);
        at(12, 38.0);
        at(20, 55.0);
        // Held up to a second after the last.
        at(29, 60.0);
        // A bicycle at one look of three is not the shot's subject.
        assert!(people[30..].iter().all(Option::is_none));
        // A thing is a subject where no person is: the best one from THING_MIN.
        let bike = Found {
            class: 1,
            ..person(0.8, 0.5)
        };
        let mug = Found {
            class: 12,
            ..person(0.2, 0.46)
        };
        let car = Found {
            class: 23,
            ..person(0.5, 0.9)
        };
        let s = subject_of(&[mug, bike, car], 100.0, 40.0).expect("the bicycle");
        assert!((s.centre - 80.0).abs() < 1e-3, "{s:?}");
        assert_eq!(subject_of(&[car], 100.0, 40.0), None);
    }

    #[test]
    fn missing_or_foreign_weights_are_an_error_naming_the_file_never_a_panic() {
        let dir = std::env::temp_dir().join(format!("failreel-obj-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE);
        let e = Objects::load(&path).err().expect("missing");
        assert!(e.contains(FILE), "{e}");
        let other = super::super::tflite::tests::tiny_model([[1.0, 0.0]; 3], [0.0; 3]);
        std::fs::write(&path, &other).unwrap();
        let e = Objects::load(&path).err().expect("not the detector");
        assert!(e.contains(FILE) && e.contains("not the Objectron"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

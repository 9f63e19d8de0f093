//! A second face detector for the people the first one ([`rustface`], frontal faces from
//! about 20 px) does not see: mediapipe's BlazeFace full-range model (Apache-2.0), a small
//! neural network that finds faces turned to profile, under helmets, seen from above and a
//! few pixels tall, read from its `.tflite` file and evaluated in plain Rust
//! ([`super::tflite`]).
//!
//! The weights are not in the repository: `make deps` (scripts/install-blazeface.sh) fetches
//! the PyPI wheel `mediapipe` 0.10.14, which ships
//! `mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite` (677 KB,
//! float16 weights, most of them stored sparse), checks its SHA-256 and copies it into the
//! model folder (the folder `MODEL` names). Without it the reframe pass runs with the first detector
//! alone and says so ([`status`]).
//!
//! The picture is the whole upright frame fitted into 192x192 (black bars above and below),
//! RGB scaled to [-1, 1]; the network scores 2304 anchors (a 48x48 grid) and regresses a box
//! for each; boxes over [`MIN_SCORE`] are merged by weighted non-maximum suppression
//! (mediapipe's: overlapping boxes averaged by score).

use super::picture::Face;
use super::tflite::{Model, ModelFile};
use std::path::{Path, PathBuf};

/// The model file's name, in the folder `MODEL` names.
pub const FILE: &str = "face_detection_full_range_sparse.tflite";
/// The network's input side (px).
pub const SIDE: usize = 192;
/// The anchor grid's side.
const GRID: usize = 48;
/// A box counts from this probability.
pub const MIN_SCORE: f32 = 0.5;
/// Boxes overlapping the best one by more than this (intersection over union) are merged
/// into it.
const MERGE_IOU: f32 = 0.3;
/// The largest model file read (the expected one is 677 KB).
const MAX_BYTES: u64 = 8 << 20;

/// The model file: `$FAILREEL_BLAZEFACE_DIR`, else `$XDG_DATA_HOME/failreel/blazeface`, else
/// `~/.local/share/failreel/blazeface`.
static MODEL: ModelFile<BlazeFace> =
    ModelFile::new("FAILREEL_BLAZEFACE_DIR", "blazeface", FILE, BlazeFace::load);

/// What tells installed weights apart, for the reframe cache key: the file's path, size and
/// modification time (nothing is read); None when it is not there.
pub fn stamp() -> Option<(PathBuf, u64, u64)> {
    MODEL.stamp()
}

/// The detector, loaded once per process; `Err` says why there is none.
pub fn shared() -> &'static Result<BlazeFace, String> {
    MODEL.shared()
}

/// One line for the user on the second detector: None when it is installed (and, if this
/// process loaded it, loads), else what is wrong and what to do. It does not load the model.
pub fn status() -> Option<String> {
    MODEL.missing().map(|why| {
        format!(
            "--focus auto: the second face detector (BlazeFace) is not available ({why}); \
             faces turned away, small or under helmets may be missed. `make deps` installs it"
        )
    })
}

/// mediapipe's BlazeFace full-range face detector.
pub struct BlazeFace {
    model: Model,
}

impl BlazeFace {
    /// Reads the model file at `path`; an error names it and says what is wrong.
    pub fn load(path: &Path) -> Result<BlazeFace, String> {
        let buf = super::tflite::read_file(path, MAX_BYTES, "the BlazeFace model")?;
        Self::from_bytes(&buf).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The detector from a model file's bytes: it must take one 1x192x192x3 picture and give
    /// 2304 boxes of 16 values and 2304 scores.
    pub fn from_bytes(buf: &[u8]) -> Result<BlazeFace, String> {
        let model = Model::read(buf)?;
        if model.input_shape(0) != Some(&[1, SIDE, SIDE, 3][..]) {
            return Err(format!(
                "not the BlazeFace full-range model (input {:?})",
                model.input_shape(0)
            ));
        }
        let out = model.run(vec![0.0; SIDE * SIDE * 3])?;
        if out.len() != 2 || out[0].len() != GRID * GRID * 16 || out[1].len() != GRID * GRID {
            return Err("not the BlazeFace full-range model (its outputs)".into());
        }
        Ok(BlazeFace { model })
    }

    /// The network's raw outputs for an RGB picture (`w` x `h`, 3 bytes a pixel, rows
    /// packed): the boxes (2304 x 16) and the scores' logits (2304).
    pub fn raw(&self, rgb: &[u8], w: usize, h: usize) -> Result<(Vec<f32>, Vec<f32>), String> {
        let mut out = self.model.run(letterbox(rgb, w, h))?.into_iter();
        match (out.next(), out.next()) {
            (Some(b), Some(s)) => Ok((b, s)),
            _ => Err("the model gave too few outputs".into()),
        }
    }

    /// The faces in an RGB picture, in fractions of it, largest first; their score is the
    /// probability (0.5-1).
    pub fn faces(&self, rgb: &[u8], w: usize, h: usize) -> Vec<Face> {
        if w < 8 || h < 8 || rgb.len() < w * h * 3 {
            return Vec::new();
        }
        let Ok((boxes, logits)) = self.raw(rgb, w, h) else {
            return Vec::new();
        };
        let mut f = decode(&boxes, &logits);
        // From the 192x192 square back to the picture (bars top and bottom or at the sides).
        let (sw, sh) = fitted(w, h);
        let (ox, oy) = ((SIDE - sw) as f32 / 2.0, (SIDE - sh) as f32 / 2.0);
        for b in &mut f {
            b.x = (b.x * SIDE as f32 - ox) / sw as f32;
            b.y = (b.y * SIDE as f32 - oy) / sh as f32;
            b.w *= SIDE as f32 / sw as f32;
            b.h *= SIDE as f32 / sh as f32;
        }
        f.retain(|b| (0.0..=1.0).contains(&b.x) && (0.0..=1.0).contains(&b.y));
        f.sort_by(|a, b| b.w.total_cmp(&a.w));
        f
    }
}

/// The size of a `w` x `h` picture fitted into the square.
fn fitted(w: usize, h: usize) -> (usize, usize) {
    if w >= h {
        (
            SIDE,
            ((h * SIDE) as f32 / w as f32)
                .round()
                .clamp(1.0, SIDE as f32) as usize,
        )
    } else {
        (
            ((w * SIDE) as f32 / h as f32)
                .round()
                .clamp(1.0, SIDE as f32) as usize,
            SIDE,
        )
    }
}

/// The network's input: the picture fitted into 192x192 (area-averaged), centred on black,
/// scaled to [-1, 1].
pub fn letterbox(rgb: &[u8], w: usize, h: usize) -> Vec<f32> {
    let mut out = vec![-1f32; SIDE * SIDE * 3];
    let (sw, sh) = fitted(w, h);
    let (ox, oy) = ((SIDE - sw) / 2, (SIDE - sh) / 2);
    for y in 0..sh {
        let (y0, y1) = (y * h / sh, ((y + 1) * h / sh).max(y * h / sh + 1).min(h));
        for x in 0..sw {
            let (x0, x1) = (x * w / sw, ((x + 1) * w / sw).max(x * w / sw + 1).min(w));
            let mut acc = [0u32; 3];
            for yy in y0..y1 {
                for xx in x0..x1 {
                    let p = &rgb[(yy * w + xx) * 3..][..3];
                    for c in 0..3 {
                        acc[c] += p[c] as u32;
                    }
                }
            }
            let n = ((y1 - y0) * (x1 - x0)) as f32;
            let o = &mut out[((oy + y) * SIDE + ox + x) * 3..][..3];
            for c in 0..3 {
                o[c] = acc[c] as f32 / n / 127.5 - 1.0;
            }
        }
    }
    out
}

/// The faces in the network's outputs, in fractions of the 192x192 square: anchors scoring
/// over [`MIN_SCORE`], boxes decoded against their anchor (grid cell centre, unit size) and
/// merged by weighted non-maximum suppression.
pub fn decode(boxes: &[f32], logits: &[f32]) -> Vec<Face> {
    let mut cand: Vec<Face> = Vec::new();
    for (a, &l) in logits.iter().enumerate().take(GRID * GRID) {
        let p = 1.0 / (1.0 + (-l.clamp(-100.0, 100.0)).exp());
        if p < MIN_SCORE {
            continue;
        }
        let Some(r) = boxes.get(a * 16..a * 16 + 4) else {
            break;
        };
        let (ax, ay) = (
            ((a % GRID) as f32 + 0.5) / GRID as f32,
            ((a / GRID) as f32 + 0.5) / GRID as f32,
        );
        let s = SIDE as f32;
        let (w, h) = (r[2] / s, r[3] / s);
        if !(w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite()) {
            continue;
        }
        cand.push(Face {
            x: ax + r[0] / s,
            y: ay + r[1] / s,
            w,
            h,
            score: p,
        });
    }
    weighted_nms(cand)
}

fn iou(a: &Face, b: &Face) -> f32 {
    let ix =
        ((a.x + a.w / 2.0).min(b.x + b.w / 2.0) - (a.x - a.w / 2.0).max(b.x - b.w / 2.0)).max(0.0);
    let iy =
        ((a.y + a.h / 2.0).min(b.y + b.h / 2.0) - (a.y - a.h / 2.0).max(b.y - b.h / 2.0)).max(0.0);
    let i = ix * iy;
    i / (a.w * a.h + b.w * b.h - i).max(1e-9)
}

/// mediapipe's weighted non-maximum suppression: the best box with every box overlapping it
/// by more than `MERGE_IOU`, averaged weighted by score, keeping the best score.
pub fn weighted_nms(mut cand: Vec<Face>) -> Vec<Face> {
    cand.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = cand.first().copied() {
        let (group, rest): (Vec<Face>, Vec<Face>) =
            cand.into_iter().partition(|c| iou(&best, c) > MERGE_IOU);
        let total: f32 = group.iter().map(|c| c.score).sum();
        let avg = |f: fn(&Face) -> f32| group.iter().map(|c| f(c) * c.score).sum::<f32>() / total;
        // The best box overlaps itself, so the group is never empty.
        out.push(Face {
            x: avg(|c| c.x),
            y: avg(|c| c.y),
            w: avg(|c| c.w),
            h: avg(|c| c.h),
            score: best.score,
        });
        cand = rest;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_decode_and_overlapping_boxes_merge_by_score() {
        // Three anchors over the threshold: two overlapping near cell (10, 20), one apart at
        // cell (40, 5); every other anchor far under it.
        let mut logits = vec![-10f32; GRID * GRID];
        let mut boxes = vec![0f32; GRID * GRID * 16];
        let mut set = |cx: usize, cy: usize, logit: f32, r: [f32; 4]| {
            let a = cy * GRID + cx;
            logits[a] = logit;
            boxes[a * 16..a * 16 + 4].copy_from_slice(&r);
        };
        set(10, 20, 2.0, [0.0, 0.0, 20.0, 20.0]);
        set(11, 20, 1.0, [-4.0, 0.0, 24.0, 24.0]);
        set(40, 5, 0.5, [2.0, -2.0, 10.0, 12.0]);
        let f = decode(&boxes, &logits);
        assert_eq!(f.len(), 2, "{f:?}");
        let p = |l: f32| 1.0 / (1.0 + (-l).exp());
        let (p1, p2) = (p(2.0), p(1.0));
        let cx = |c: usize, dx: f32| (c as f32 + 0.5) / 48.0 + dx / 192.0;
        let want_x = (cx(10, 0.0) * p1 + cx(11, -4.0) * p2) / (p1 + p2);
        let want_w = (20.0 * p1 + 24.0 * p2) / (p1 + p2) / 192.0;
        assert!(
            (f[0].x - want_x).abs() < 1e-6 && (f[0].w - want_w).abs() < 1e-6,
            "{f:?}"
        );
        assert!((f[0].score - p1).abs() < 1e-6);
        assert!((f[1].x - cx(40, 2.0)).abs() < 1e-6 && (f[1].h - 12.0 / 192.0).abs() < 1e-6);
        // The network's square back to a 2:1 picture: bars of 48 px above and below.
        let sq = letterbox(&[255u8; 4 * 2 * 3], 4, 2);
        assert_eq!(sq[0], -1.0);
        assert_eq!(sq[(96 * SIDE) * 3], 1.0);
        assert_eq!(sq[(47 * SIDE) * 3], -1.0);
        assert_eq!(sq[(48 * SIDE) * 3], 1.0);
    }

    #[test]
    fn missing_or_foreign_weights_are_an_error_naming_the_file_never_a_panic() {
        let dir = std::env::temp_dir().join(format!("failreel-bf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE);
        let e = BlazeFace::load(&path).err().expect("missing");
        assert!(e.contains(FILE), "{e}");
        // Another TFLite model (a 1x2x2x2 input) reads but is not BlazeFace.
        let other = super::super::tflite::tests::tiny_model([[1.0, 0.0]; 3], [0.0; 3]);
        std::fs::write(&path, &other).unwrap();
        let e = BlazeFace::load(&path).err().expect("not blazeface");
        assert!(e.contains(FILE) && e.contains("not the BlazeFace"), "{e}");
        std::fs::write(&path, b"<html>not found</html>").unwrap();
        let e = BlazeFace::load(&path).err().expect("foreign");
        assert!(e.contains("TFL3"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

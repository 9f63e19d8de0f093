//! The pictures and faces the reframe pass hands between its parts: the proxy's small RGB
//! pictures ([`Thumb`]), the face detector's grey ones ([`Grey`], at the widths of its looks),
//! a face and a person's track of faces over time. Nothing here decodes or detects: the proxy
//! ([`super::proxy`]) makes the pictures, the people pass ([`super::people`]) finds the faces.

use crate::media::RenderError;

/// The detector's picture width (px). Faces from about 5% of the picture's width are found.
pub const DETECT_WIDTH: usize = 384;
/// The second look's picture width (px), where the first found nobody: faces from about 4.4%
/// of the width, and drawn faces the cascade misses at the first look's scales.
pub const FINE_WIDTH: usize = 640;
/// The close look's picture width (px): where the first two looks find nobody, the columns
/// that move against the camera are looked at again in a picture this wide (up to twice the
/// source's width), so that a face 10-14 px tall in a 640 px source (a cyclist down the
/// street) reaches the detector's 20 px.
pub const CLOSE_WIDTH: usize = 1280;
/// Small upright RGB pictures, row by row.
#[derive(Clone)]
pub struct Thumb {
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
    /// `width * height * 3` bytes.
    pub rgb: Vec<u8>,
}

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

/// The face detector's pictures of one frame, kept for a look decided later.
#[derive(Clone)]
pub struct Pictures {
    /// The proxy's own RGB picture, for the second detector ([`super::blazeface`]).
    pub rgb: Option<Thumb>,
    /// [`DETECT_WIDTH`] px wide.
    pub grey: Grey,
    /// [`FINE_WIDTH`] px wide.
    pub fine: Grey,
    /// [`CLOSE_WIDTH`] px wide (at most twice the source's width).
    pub close: Grey,
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

/// The face detector's grey pictures of one proxy picture, made on demand: [`DETECT_WIDTH`]
/// px wide for the first look, [`FINE_WIDTH`] for the second, [`CLOSE_WIDTH`] for the close
/// look ([`super::proxy::LazyGrey`] scales each at its first call).
pub trait GreyPictures {
    /// The first look's picture.
    fn get(&mut self) -> Result<&Grey, RenderError>;
    /// The second look's larger picture.
    fn fine(&mut self) -> Result<&Grey, RenderError>;
    /// The close look's picture.
    fn close(&mut self) -> Result<&Grey, RenderError>;
}

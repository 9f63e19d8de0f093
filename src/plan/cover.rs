//! Covers and thumbnails: a still written beside a reel. The decision (which frames are looked
//! at, where the headline goes, the file name) is a [`CoverPlan`] in the reel's plan, so
//! `--dry-run --json` shows it; [`crate::render::write_cover`] executes it. Also here: how
//! frames are scored for sharpness, and how failreel writes and recognises its own JPEGs (a
//! JPEG comment naming failreel and the hash of what the still shows).

use crate::config::preset::{CardPosition, CardStyle};
use crate::model::time::Micros;
pub use crate::plan::{CoverCandidate, CoverKind, CoverPlan};
use crate::plan::{Overlay, RenderPlan, Role};
use crate::text::card::TextEngine;
use std::path::{Path, PathBuf};

/// Frames scored for sharpness when choosing a cover.
pub const COVER_CANDIDATES: usize = 9;
/// JPEG quality of covers and thumbnails.
pub const JPEG_QUALITY: u8 = 90;
/// The size of a report thumbnail (9:16).
pub const THUMB_SIZE: (u32, u32) = (360, 640);
/// The tallest the cover's headline may be, as a fraction of the safe zone's height.
pub const HEADLINE_MAX_HEIGHT_FRACTION: f32 = 0.5;
/// How much larger the headline's text is than the cards' body text.
pub const HEADLINE_SCALE: f32 = 1.6;

/// `reels/x.tiktok.mp4` → `reels/x.tiktok.jpg` (or `….thumb.jpg` for a thumbnail). Never the
/// reel's own name: `-o x.jpg` gives `x.cover.jpg`.
pub fn still_path(output: &Path, kind: CoverKind) -> PathBuf {
    let path = match kind {
        CoverKind::Cover => output.with_extension("jpg"),
        CoverKind::Thumbnail => output.with_extension("thumb.jpg"),
    };
    if path == output {
        output.with_extension("cover.jpg")
    } else {
        path
    }
}

/// The window of reel time the candidates come from, and its middle.
fn window(plan: &RenderPlan) -> (Micros, Micros) {
    let len = plan.reel_length();
    match plan.overlays.iter().find(|c| c.role == Role::WentWrong) {
        Some(c) => {
            let at = c.at.max(Micros::ZERO).min(len);
            let until = c.until.min(len).max(at);
            (at, until)
        }
        None => (Micros::ZERO, Micros(len.0 / 2)),
    }
}

/// Up to [`COVER_CANDIDATES`] output frames spread evenly over `[from, to)` (at least one).
pub fn candidates(plan: &RenderPlan, from: Micros, to: Micros) -> Vec<CoverCandidate> {
    let fps = plan.video.fps.max(1) as i128;
    let last = plan.reel_frames().saturating_sub(1);
    let ceil = |t: Micros| ((t.0.max(0) as i128 * fps + 999_999) / 1_000_000) as u64;
    let first = ceil(from).min(last);
    let end = ceil(to).clamp(first + 1, last + 1);
    let span = end - first;
    let n = (COVER_CANDIDATES as u64).min(span).max(1);
    let mut out: Vec<CoverCandidate> = (0..n)
        .map(|k| first + (2 * k + 1) * span / (2 * n))
        .map(|frame| CoverCandidate {
            frame,
            t: plan.frame_time(frame),
        })
        .collect();
    out.dedup_by_key(|c| c.frame);
    out
}

/// The output frame at reel time `at` (the one showing then), within the reel.
pub fn frame_at(plan: &RenderPlan, at: Micros) -> u64 {
    let fps = plan.video.fps.max(1) as i128;
    ((at.0.max(0) as i128 * fps / 1_000_000) as u64).min(plan.reel_frames().saturating_sub(1))
}

/// The cover (or, `kind` [`CoverKind::Thumbnail`], the report thumbnail) for a planned reel:
/// the frame at `at` (`--cover-at`), else the best of the candidates around the moment.
pub fn plan_cover(plan: &RenderPlan, kind: CoverKind, at: Option<Micros>) -> CoverPlan {
    let (from, to) = window(plan);
    let (width, height) = match kind {
        CoverKind::Cover => (plan.video.width, plan.video.height),
        CoverKind::Thumbnail => THUMB_SIZE,
    };
    let headline = match kind {
        CoverKind::Thumbnail => None,
        CoverKind::Cover => plan
            .overlays
            .iter()
            .find(|c| c.role == Role::WentWrong && !c.text.trim().is_empty())
            .and_then(|c| headline(plan, &c.text)),
    };
    CoverPlan {
        kind,
        path: still_path(plan.output(), kind),
        width,
        height,
        moment: at.unwrap_or(Micros((from.0 + to.0) / 2)),
        candidates: match at {
            Some(t) => {
                let frame = frame_at(plan, t);
                vec![CoverCandidate {
                    frame,
                    t: plan.frame_time(frame),
                }]
            }
            None => candidates(plan, from, to),
        },
        at,
        headline,
        quality: JPEG_QUALITY,
    }
}

/// `text` as a cover's headline on `plan`'s reel: the cards' style, larger, at the top of the
/// safe zone (None when it cannot be laid out there).
pub fn headline(plan: &RenderPlan, text: &str) -> Option<Overlay> {
    headline_at(plan, text, CardPosition::Top)
}

fn headline_at(plan: &RenderPlan, text: &str, position: CardPosition) -> Option<Overlay> {
    let style = headline_style(&plan.card_style);
    let rect = TextEngine::new()
        .layout_card(
            "",
            text,
            &style,
            position,
            (plan.video.width, plan.video.height),
            plan.safe_zone,
            HEADLINE_MAX_HEIGHT_FRACTION,
        )
        .ok()?;
    Some(Overlay::still(
        Role::Headline,
        text,
        &style,
        position,
        plan.safe_zone,
        HEADLINE_MAX_HEIGHT_FRACTION,
        rect,
        (Micros::ZERO, Micros::ZERO),
    ))
}

/// Once the reframe pass has run: a cover's headline that would lie over the faces it saw at
/// the cover's candidate frames (each grown by [`crate::plan::overlay::FACE_MARGIN`]) goes
/// to the bottom of the safe zone when less of them lies under it there. Without faces, or
/// with the top clear of them, it stays at the top.
pub fn settle_headline(plan: &mut RenderPlan) {
    let Some(cover) = plan.cover.as_ref() else {
        return;
    };
    let Some(top) = cover.headline.as_ref() else {
        return;
    };
    let faces: Vec<crate::plan::FrameBox> = cover
        .candidates
        .iter()
        .flat_map(|c| plan.faces_at(c.frame))
        .map(|f| f.grown(crate::plan::overlay::FACE_MARGIN))
        .collect();
    let covered = |o: &Overlay| -> i64 {
        let (x0, y0, x1, y1) = crate::plan::overlay::footprint(o);
        faces
            .iter()
            .map(|f| {
                let w = (x1 as i64).min(f.x1 as i64) - (x0 as i64).max(f.x0 as i64);
                let h = (y1 as i64).min(f.y1 as i64) - (y0 as i64).max(f.y0 as i64);
                w.max(0) * h.max(0)
            })
            .sum()
    };
    let at_top = covered(top);
    if at_top == 0 {
        return;
    }
    let Some(bottom) = headline_at(plan, &top.text, CardPosition::Bottom) else {
        return;
    };
    if covered(&bottom) < at_top {
        if let Some(c) = plan.cover.as_mut() {
            c.headline = Some(bottom);
        }
    }
}

/// Whether `req` asks for a cover (`--cover`, or `--cover-at` choosing its frame).
pub fn wants_cover(req: &crate::config::request::ReelRequest) -> bool {
    req.cover == Some(true) || req.cover_at.is_some()
}

/// `plan` with the cover `req` asks for (`--cover`, `cover = true`, `--cover-at`); unchanged
/// otherwise.
pub fn with_cover(mut plan: RenderPlan, req: &crate::config::request::ReelRequest) -> RenderPlan {
    if wants_cover(req) {
        plan.cover = Some(plan_cover(&plan, CoverKind::Cover, req.cover_at));
    }
    plan
}

/// The cards' style, with text [`HEADLINE_SCALE`] times larger.
pub fn headline_style(style: &CardStyle) -> CardStyle {
    let mut s = style.clone();
    s.body_size *= HEADLINE_SCALE;
    s.min_body_size *= HEADLINE_SCALE;
    s.padding *= 1.3;
    s
}

/// Sharpness of a luma plane (`width` x `height`, rows `stride` bytes apart): the variance
/// of its 4-neighbour Laplacian, lowered for motion blur. Motion smears edges along one
/// direction, so the horizontal and vertical gradient energies drift apart; the score is
/// multiplied by `0.5 + 0.5 * min/max` of the two. Higher is sharper.
pub fn sharpness(luma: &[u8], width: usize, height: usize, stride: usize) -> f64 {
    if width < 3 || height < 3 {
        return 0.0;
    }
    let (mut sum, mut sq, mut n) = (0f64, 0f64, 0f64);
    let (mut gx, mut gy) = (0f64, 0f64);
    for y in 1..height - 1 {
        let row = &luma[y * stride..y * stride + width];
        let up = &luma[(y - 1) * stride..(y - 1) * stride + width];
        let down = &luma[(y + 1) * stride..(y + 1) * stride + width];
        let (mut rs, mut rq, mut rx, mut ry) = (0i64, 0i64, 0i64, 0i64);
        for x in 1..width - 1 {
            let c = row[x] as i64;
            let lap = up[x] as i64 + down[x] as i64 + row[x - 1] as i64 + row[x + 1] as i64 - 4 * c;
            rs += lap;
            rq += lap * lap;
            rx += (row[x + 1] as i64 - row[x - 1] as i64).abs();
            ry += (down[x] as i64 - up[x] as i64).abs();
        }
        sum += rs as f64;
        sq += rq as f64;
        gx += rx as f64;
        gy += ry as f64;
        n += (width - 2) as f64;
    }
    let mean = sum / n;
    let var = (sq / n - mean * mean).max(0.0);
    let (lo, hi) = (gx.min(gy), gx.max(gy));
    let balance = if hi > 0.0 { lo / hi } else { 1.0 };
    var * (0.5 + 0.5 * balance)
}

/// The hash a still carries: of the reel's plan and of the still's own plan.
pub fn still_hash(plan: &RenderPlan, cover: &CoverPlan) -> String {
    let json = serde_json::to_string(cover).unwrap_or_default();
    let mut h: u64 = 0xcbf29ce484222325;
    for b in plan.hash().bytes().chain(json.bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// Whether the still at `cover.path` is the one `plan` asks for (failreel's, with this plan's
/// [`still_hash`]): an up-to-date reel whose still is missing or out of date gets it again.
pub fn still_is_current(plan: &RenderPlan, cover: &CoverPlan) -> bool {
    jpeg_still_hash(&cover.path).is_some_and(|h| h == still_hash(plan, cover))
}

/// The text of failreel's JPEG comment: `failreel <version> still <hash>`.
pub fn jpeg_tag(hash: &str) -> String {
    format!("failreel {} still {hash}", env!("CARGO_PKG_VERSION"))
}

/// The still hash in failreel's comment of the JPEG at `path`, if failreel wrote it. Reads
/// the first 4 KiB only; never opens a non-regular file.
pub fn jpeg_still_hash(path: &Path) -> Option<String> {
    use std::io::Read;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    // SOI, then our COM segment first.
    if head.len() < 6 || head[..4] != [0xFF, 0xD8, 0xFF, 0xFE] {
        return None;
    }
    let len = u16::from_be_bytes([head[4], head[5]]) as usize;
    let body = head.get(6..4 + len)?;
    let text = std::str::from_utf8(body).ok()?;
    let (_, hash) = text.strip_prefix("failreel ")?.split_once(" still ")?;
    Some(hash.to_string())
}

/// Whether failreel wrote the JPEG at `path` (for the "never a foreign file" rule).
pub fn jpeg_is_ours(path: &Path) -> bool {
    jpeg_still_hash(path).is_some()
}

/// Encodes `img` as a baseline JPEG at `quality` with failreel's comment (`tag`) right
/// after the start-of-image marker.
pub fn encode_jpeg(img: &image::RgbImage, quality: u8, tag: &str) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, quality)
        .encode_image(img)
        .map_err(|e| e.to_string())?;
    let tag = tag.as_bytes();
    let len = (tag.len() + 2).min(u16::MAX as usize);
    let mut out = Vec::with_capacity(data.len() + len + 2);
    out.extend_from_slice(&data[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&tag[..len - 2]);
    out.extend_from_slice(&data[2..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_leaves_the_top_for_the_bottom_when_a_face_is_under_it() {
        let info = crate::model::source::MediaInfo::for_tests(1920, 1080, 0, 6.0, false);
        let preset = crate::config::preset::Preset::built_in("tiktok").unwrap();
        let req = crate::config::request::ReelRequest {
            went_wrong: Some("Burnt".into()),
            ..Default::default()
        };
        let mut plan = crate::plan::plan_reel(&info, &req, &preset, "out.mp4".into()).unwrap();
        plan.cover = Some(plan_cover(&plan, CoverKind::Cover, None));
        let top = plan.cover.as_ref().unwrap().headline.clone().unwrap();
        let (_, y0, _, y1) = crate::plan::overlay::footprint(&top);
        let r = plan.video.reframe.as_mut().unwrap();
        r.analysed = true;
        // A face under the headline at every candidate frame: it moves to the bottom.
        let face = |y: i32| crate::plan::SubjectSample {
            t: Micros(0),
            faces: vec![crate::plan::FrameBox {
                x0: 400,
                y0: y,
                x1: 700,
                y1: y + 300,
            }],
            focus: None,
        };
        let times: Vec<Micros> = (0..60).map(|k| Micros(k * 100_000)).collect();
        r.subjects = times
            .iter()
            .map(|&t| crate::plan::SubjectSample {
                t,
                ..face(y0 as i32)
            })
            .collect();
        let mut moved = plan.clone();
        settle_headline(&mut moved);
        let h = moved.cover.as_ref().unwrap().headline.clone().unwrap();
        assert_eq!(h.text, "Burnt");
        let (_, b0, _, _) = crate::plan::overlay::footprint(&h);
        assert!(b0 > 1000, "at the bottom: {b0} (top was {y0}..{y1})");
        // A face lower down, clear of the top: the headline stays where it was.
        let r = plan.video.reframe.as_mut().unwrap();
        r.subjects = times
            .iter()
            .map(|&t| crate::plan::SubjectSample { t, ..face(900) })
            .collect();
        let mut kept = plan.clone();
        settle_headline(&mut kept);
        assert_eq!(kept.cover, plan.cover);
        // No faces seen: it stays.
        plan.video.reframe.as_mut().unwrap().subjects.clear();
        let before = plan.cover.clone();
        settle_headline(&mut plan);
        assert_eq!(plan.cover, before);
    }

    #[test]
    fn still_names_sit_beside_the_reel() {
        let p = Path::new("reels/x.tiktok.mp4");
        assert_eq!(
            still_path(p, CoverKind::Cover),
            Path::new("reels/x.tiktok.jpg")
        );
        assert_eq!(
            still_path(p, CoverKind::Thumbnail),
            Path::new("reels/x.tiktok.thumb.jpg")
        );
        assert_eq!(
            still_path(Path::new("a.jpg"), CoverKind::Cover),
            Path::new("a.cover.jpg")
        );
    }

    #[test]
    fn sharp_scores_above_blurred_and_smeared() {
        let (w, h) = (64usize, 64usize);
        let sharp: Vec<u8> = (0..w * h)
            .map(|i| {
                if (i % w / 4 + i / w / 4) % 2 == 0 {
                    30
                } else {
                    220
                }
            })
            .collect();
        let blur = |src: &[u8], dx: usize, dy: usize| -> Vec<u8> {
            (0..w * h)
                .map(|i| {
                    let (x, y) = (i % w, i / w);
                    let mut s = 0u32;
                    let mut n = 0u32;
                    for yy in y.saturating_sub(dy)..(y + dy + 1).min(h) {
                        for xx in x.saturating_sub(dx)..(x + dx + 1).min(w) {
                            s += src[yy * w + xx] as u32;
                            n += 1;
                        }
                    }
                    (s / n) as u8
                })
                .collect()
        };
        let s = sharpness(&sharp, w, h, w);
        let b = sharpness(&blur(&sharp, 2, 2), w, h, w);
        let m = sharpness(&blur(&sharp, 3, 0), w, h, w);
        assert!(s > b * 2.0, "{s} {b}");
        assert!(s > m * 2.0, "{s} {m}");
        assert_eq!(sharpness(&vec![128; w * h], w, h, w), 0.0);
    }

    #[test]
    fn jpeg_comment_marks_failreels_own() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.jpg");
        let img = image::RgbImage::from_pixel(32, 16, image::Rgb([200, 10, 10]));
        std::fs::write(
            &p,
            encode_jpeg(&img, 90, &jpeg_tag("0123456789abcdef")).unwrap(),
        )
        .unwrap();
        assert_eq!(jpeg_still_hash(&p).as_deref(), Some("0123456789abcdef"));
        let back = image::open(&p).unwrap().to_rgb8();
        assert_eq!(back.dimensions(), (32, 16));
        assert!(back.get_pixel(5, 5).0[0] > 150);
        let other = dir.path().join("o.jpg");
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut bytes)
            .encode_image(&img)
            .unwrap();
        std::fs::write(&other, bytes).unwrap();
        assert!(!jpeg_is_ours(&other));
    }
}

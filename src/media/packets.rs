//! The compressed sizes of a video stream's packets, read by demuxing alone (nothing is
//! decoded): a cheap picture of where the picture changes, since an encoder spends more bits
//! on a frame the more it differs from the frames it refers to.

use super::error::RenderError;
use super::input::ProbeError;
use super::input::{open_input, start_ts};
use crate::time::Micros;
use std::path::Path;

/// One video packet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacketSize {
    /// Presentation time, seconds from the stream's first frame.
    pub t: f64,
    /// Compressed size, bytes.
    pub bytes: u32,
    /// A keyframe (intra-coded: large whatever the picture does).
    pub key: bool,
}

/// The packets of video stream `index` in presentation order (packets without a timestamp
/// are left out).
pub fn video_packet_sizes(path: &Path, index: usize) -> Result<Vec<PacketSize>, RenderError> {
    let mut ictx = open_input(path)?;
    let s = ictx
        .stream(index)
        .ok_or_else(|| ProbeError::NoVideo(path.to_path_buf()))?;
    let tb = s.time_base();
    let start = start_ts(&s);
    let sec = tb.numerator() as f64 / tb.denominator().max(1) as f64;
    let mut out = Vec::new();
    for (stream, packet) in ictx.packets() {
        if stream.index() != index {
            continue;
        }
        let Some(pts) = packet.pts() else { continue };
        out.push(PacketSize {
            t: (pts - start) as f64 * sec,
            bytes: packet.size() as u32,
            key: packet.is_key(),
        });
    }
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    Ok(out)
}

/// Times of video stream `index`'s keyframes from `from` to `from + span` on the clip's
/// timeline, as offsets from `from` (ascending), by demuxing alone from the keyframe before
/// `from`.
pub fn video_keyframes(
    path: &Path,
    index: usize,
    from: Micros,
    span: Micros,
) -> Result<Vec<Micros>, RenderError> {
    let mut ictx = open_input(path)?;
    let s = ictx
        .stream(index)
        .ok_or_else(|| ProbeError::NoVideo(path.to_path_buf()))?;
    let (tb, start) = (s.time_base(), start_ts(&s));
    if from > Micros::ZERO {
        // AV_TIME_BASE is microseconds.
        let _ = ictx.seek(from.0, ..from.0);
    }
    let mut out = Vec::new();
    for (stream, packet) in ictx.packets() {
        if stream.index() != index {
            continue;
        }
        let Some(pts) = packet.pts() else { continue };
        let t = Micros::from_ts(pts - start, tb.numerator(), tb.denominator()) - from;
        if t > span {
            break;
        }
        if packet.is_key() && t >= Micros::ZERO {
            out.push(t);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The x264 build that wrote video stream `index` (the "x264 - core N" version note x264
/// writes into its first frame), read from the stream's first packet; None for other
/// encoders.
pub fn x264_build(path: &Path, index: usize) -> Option<u32> {
    let mut ictx = open_input(path).ok()?;
    let packet = ictx
        .packets()
        .find(|(s, _)| s.index() == index)
        .map(|(_, p)| p)?;
    x264_build_in(packet.data()?)
}

/// The build number after "x264 - core " in `data`.
pub fn x264_build_in(data: &[u8]) -> Option<u32> {
    const NOTE: &[u8] = b"x264 - core ";
    let at = data.windows(NOTE.len()).position(|w| w == NOTE)? + NOTE.len();
    let digits: Vec<u8> = data[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .take(9)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::x264_build_in;

    #[test]
    fn x264_build_from_version_note() {
        let mut sei = vec![0, 0, 2, 0x9e, 6, 5, 0xff, 0xa3];
        sei.extend_from_slice(b"x264 - core 142 r50 dd79a61 - H.264/MPEG-4 AVC codec");
        assert_eq!(x264_build_in(&sei), Some(142));
        assert_eq!(x264_build_in(b"Lavc60.3.100 libx265"), None);
        assert_eq!(x264_build_in(b"x264 - core "), None);
    }
}

//! The compressed sizes of a video stream's packets, read by demuxing alone (nothing is
//! decoded): a cheap picture of where the picture changes, since an encoder spends more bits
//! on a frame the more it differs from the frames it refers to.

use super::error::ProbeError;
use super::error::RenderError;
use super::input::{open_input, start_ts};
use crate::model::time::Micros;
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
    packet_times(path, index, from, span, |_| {
        Some(|_: &ffmpeg_next::Packet| true)
    })
}

/// Times of video stream `index`'s exact entry points from `from` to `from + span` on the
/// clip's timeline, as offsets from `from` (ascending), by demuxing alone from the keyframe
/// before `from`.
///
/// An exact entry point is a picture from which decoding gives, for every picture shown at or
/// after it, exactly what decoding from the start gives: an H.264 IDR picture (it empties the
/// reference list), or an HEVC IRAP picture (IDR, CRA, BLA: HEVC forbids the pictures after one
/// in both decoding and display order to refer to anything before it; the leading pictures a
/// CRA may have are shown before it and not needed). Other keyframes promise nothing (x264's
/// open-GOP I-frames let later pictures refer back across them), nor do other codecs' (none
/// are reported for them). A packet whose NAL units cannot be read is not an entry point.
pub fn exact_entry_points(
    path: &Path,
    index: usize,
    from: Micros,
    span: Micros,
) -> Result<Vec<Micros>, RenderError> {
    packet_times(path, index, from, span, |id| {
        let is_entry: fn(u8) -> bool = match id {
            ffmpeg_next::codec::Id::H264 => |h| h & 0x1F == 5,
            ffmpeg_next::codec::Id::HEVC => |h| (16..=21).contains(&((h >> 1) & 0x3F)),
            _ => return None,
        };
        Some(move |p: &ffmpeg_next::Packet| {
            p.data()
                .is_some_and(|d| nal_headers(d).into_iter().any(is_entry))
        })
    })
}

/// The times (offsets from `from`, within `span`, ascending) of video stream `index`'s
/// keyframe packets that `pick(codec)` accepts (None: the codec has none to accept), by
/// demuxing alone from the keyframe before `from`.
fn packet_times<F: Fn(&ffmpeg_next::Packet) -> bool>(
    path: &Path,
    index: usize,
    from: Micros,
    span: Micros,
    pick: impl FnOnce(ffmpeg_next::codec::Id) -> Option<F>,
) -> Result<Vec<Micros>, RenderError> {
    let mut ictx = open_input(path)?;
    let s = ictx
        .stream(index)
        .ok_or_else(|| ProbeError::NoVideo(path.to_path_buf()))?;
    let (tb, start) = (s.time_base(), start_ts(&s));
    let Some(accept) = pick(s.parameters().id()) else {
        return Ok(Vec::new());
    };
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
        if packet.is_key() && t >= Micros::ZERO && accept(&packet) {
            out.push(t);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The first header byte of each NAL unit in an H.264/HEVC packet: length-prefixed (MP4,
/// Matroska: 4-byte big-endian lengths that must walk exactly to the packet's end) or, failing
/// that, Annex B start codes (MPEG-TS). Empty when neither reads.
fn nal_headers(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i + 4 < data.len() {
        let n = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize;
        i += 4;
        if n == 0 || n > data.len() - i {
            break;
        }
        out.push(data[i]);
        i += n;
    }
    if i == data.len() && !out.is_empty() {
        return out;
    }
    out.clear();
    let mut i = 0usize;
    while i + 3 < data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            out.push(data[i + 3]);
            i += 3;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::nal_headers;

    #[test]
    fn nal_headers_length_prefixed() {
        // Two NAL units: an HEVC CRA slice header byte (21 << 1) and an SEI (39 << 1).
        let data = [0, 0, 0, 2, 42, 1, 0, 0, 0, 3, 78, 1, 2];
        assert_eq!(nal_headers(&data), vec![42, 78]);
    }

    #[test]
    fn nal_headers_annex_b() {
        // An H.264 SPS then an IDR slice, with 4- and 3-byte start codes.
        let data = [0, 0, 0, 1, 0x67, 9, 9, 0, 0, 1, 0x65, 7, 7];
        assert_eq!(nal_headers(&data), vec![0x67, 0x65]);
    }

    #[test]
    fn nal_headers_unreadable() {
        // A length that runs past the end, and no start code.
        assert!(nal_headers(&[0, 0, 0, 9, 1, 2]).is_empty());
        assert!(nal_headers(&[]).is_empty());
    }
}

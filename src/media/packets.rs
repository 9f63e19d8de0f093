//! The compressed sizes of a video stream's packets, read by demuxing alone (nothing is
//! decoded): a cheap picture of where the picture changes, since an encoder spends more bits
//! on a frame the more it differs from the frames it refers to.

use super::error::RenderError;
use super::input::open_input;
use super::input::ProbeError;
use ffmpeg_next as ff;
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
    let start = if s.start_time() == ff::ffi::AV_NOPTS_VALUE {
        0
    } else {
        s.start_time()
    };
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

//! Reading what an input file is ([`crate::model::source::MediaInfo`]: display size after rotation,
//! frame rate, colour, audio layout and offsets) with libav. Probing demuxes a few seconds of
//! packets at most; it decodes nothing.

use crate::model::source::{AudioInfo, MediaInfo, SourceStamp, VideoInfo};
use crate::model::time::Micros;
use crate::model::Transfer;
use ffmpeg_next as ff;
use std::path::Path;
use std::sync::Once;

/// Initialises libav once; its log goes to failreel's ring of recent lines (shown in error
/// messages), never to the terminal.
pub fn init_libav() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ff::init();
        super::ffi::capture_log();
    });
}

pub use super::error::ProbeError;

/// A stream's first timestamp in its own time base (0 when the container gives none): the
/// origin of the clip's timeline.
pub(crate) fn start_ts(s: &ff::Stream) -> i64 {
    if s.start_time() == ff::ffi::AV_NOPTS_VALUE {
        0
    } else {
        s.start_time()
    }
}

/// Opens `path` for demuxing, with a clear error for the usual ways a file is bad.
pub fn open_input(path: &Path) -> Result<ff::format::context::Input, ProbeError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ProbeError::NotFound(path.to_path_buf())
        } else {
            ProbeError::Io(path.to_path_buf(), e)
        }
    })?;
    if meta.is_dir() {
        return Err(ProbeError::Folder(path.to_path_buf()));
    }
    if !meta.is_file() {
        return Err(ProbeError::NotAFile(path.to_path_buf()));
    }
    if meta.len() == 0 {
        return Err(ProbeError::Empty(path.to_path_buf()));
    }
    std::fs::File::open(path).map_err(|e| ProbeError::Io(path.to_path_buf(), e))?;
    if path.to_str().is_none() {
        // ffmpeg-next would panic on it.
        return Err(ProbeError::NotUtf8(path.to_path_buf()));
    }
    init_libav();
    ff::format::input(&path).map_err(|e| {
        if starts_with_text(path) {
            ProbeError::Text(path.to_path_buf())
        } else {
            ProbeError::NotMedia {
                path: path.to_path_buf(),
                cause: e.to_string(),
            }
        }
    })
}

/// Whether the file's first 512 bytes are text: UTF-8 (a character cut at the end allowed)
/// with no control characters but tabs and line ends. Asked only of a file libav cannot
/// open, to say what it is.
fn starts_with_text(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 512];
    let Ok(n) = std::fs::File::open(path).and_then(|f| f.take(512).read(&mut head)) else {
        return false;
    };
    let head = &head[..n];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if n == 512 && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

/// Reads what failreel needs to plan a reel from `path`.
pub fn probe(path: &Path) -> Result<MediaInfo, ProbeError> {
    let mut ictx = open_input(path)?;
    let container = ictx.format().name().to_string();
    // libav opens photos as one-frame "videos" through its image demuxers.
    if container == "image2" || container.ends_with("_pipe") {
        return Err(ProbeError::StillImage {
            path: path.to_path_buf(),
            format: container.trim_end_matches("_pipe").to_string(),
        });
    }
    let vst = ictx
        .streams()
        .best(ff::media::Type::Video)
        // A cover picture of a song is not a clip.
        .filter(|s| {
            !s.disposition()
                .contains(ff::format::stream::Disposition::ATTACHED_PIC)
        })
        .ok_or_else(|| ProbeError::NoVideo(path.to_path_buf()))?;
    let vindex = vst.index();
    let vtb = vst.time_base();
    let params = vst.parameters();
    let dec = ff::codec::context::Context::from_parameters(params.clone())
        .and_then(|c| c.decoder().video())
        .map_err(|e| ProbeError::NotMedia {
            path: path.to_path_buf(),
            cause: format!("video stream: {e}"),
        })?;
    let (width, height) = (dec.width(), dec.height());
    if width == 0 || height == 0 {
        return Err(ProbeError::NotMedia {
            path: path.to_path_buf(),
            cause: "the video stream has no picture size".into(),
        });
    }
    let sar = {
        let r = dec.aspect_ratio();
        if r.numerator() <= 0 || r.denominator() <= 0 {
            (1, 1)
        } else {
            (r.numerator(), r.denominator())
        }
    };
    let rotation = vst
        .side_data()
        .find(|sd| sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix)
        .and_then(|sd| rotation_from_display_matrix(sd.data()))
        .unwrap_or(0);
    let (display_width, display_height) = display_size(width, height, sar, rotation);
    let avg = vst.avg_frame_rate();
    let r = vst.rate();
    let fps = if avg.numerator() > 0 && avg.denominator() > 0 {
        f64::from(avg)
    } else if r.numerator() > 0 && r.denominator() > 0 {
        f64::from(r)
    } else {
        30.0
    };
    let pixel_format = format!("{:?}", dec.format()).to_lowercase();
    let full_range =
        dec.color_range() == ff::color::Range::JPEG || pixel_format.starts_with("yuvj");
    let hdr = match dec.color_transfer_characteristic() {
        ff::color::TransferCharacteristic::ARIB_STD_B67 => Transfer::Hlg,
        ff::color::TransferCharacteristic::SMPTE2084 => Transfer::Pq,
        _ => Transfer::Sdr,
    };
    let interlaced = match super::ffi::field_order(&dec) {
        ff::codec::field_order::FieldOrder::TT => Some("tt"),
        ff::codec::field_order::FieldOrder::BB => Some("bb"),
        ff::codec::field_order::FieldOrder::TB => Some("tb"),
        ff::codec::field_order::FieldOrder::BT => Some("bt"),
        _ => None,
    }
    .map(str::to_string);
    let color_space = color_space_name(dec.color_space()).to_string();
    let color_primaries = format!("{:?}", dec.color_primaries()).to_lowercase();
    let vstart = Micros::from_ts(start_ts(&vst), vtb.numerator(), vtb.denominator());
    let mut duration = if vst.duration() > 0 {
        Micros::from_ts(vst.duration(), vtb.numerator(), vtb.denominator())
    } else {
        Micros(0)
    };
    if duration.0 <= 0 && ictx.duration() > 0 {
        duration = Micros(ictx.duration()); // AV_TIME_BASE is microseconds
    }
    let codec = params.id().name().to_string();

    let audio_streams = ictx
        .streams()
        .filter(|s| s.parameters().medium() == ff::media::Type::Audio)
        .count();
    let audio = ictx.streams().best(ff::media::Type::Audio).and_then(|ast| {
        let atb = ast.time_base();
        let adec = ff::codec::context::Context::from_parameters(ast.parameters())
            .and_then(|c| c.decoder().audio())
            .ok()?;
        let astart = if ast.start_time() == ff::ffi::AV_NOPTS_VALUE {
            vstart
        } else {
            Micros::from_ts(ast.start_time(), atb.numerator(), atb.denominator())
        };
        let channels = adec.channels();
        Some(AudioInfo {
            index: ast.index(),
            codec: ast.parameters().id().name().to_string(),
            sample_rate: adec.rate(),
            channels,
            layout: layout_name(channels).to_string(),
            offset: astart - vstart,
            duration: (ast.duration() > 0)
                .then(|| Micros::from_ts(ast.duration(), atb.numerator(), atb.denominator())),
        })
    });

    let variable_frame_rate = measure_vfr(&mut ictx, vindex);
    // Read once here, carried by the plan to every decoder of this stream.
    let x264_build = if codec == "h264" {
        x264_build(path, vindex)
    } else {
        None
    };
    let stamp = SourceStamp::of(path).map_err(|e| ProbeError::Io(path.to_path_buf(), e))?;
    Ok(MediaInfo {
        path: path.to_path_buf(),
        container,
        stamp,
        duration,
        video: VideoInfo {
            index: vindex,
            codec,
            width,
            height,
            sar,
            rotation,
            display_width,
            display_height,
            fps,
            variable_frame_rate,
            pixel_format,
            full_range,
            color_space,
            color_primaries,
            hdr,
            x264_build,
            start: vstart,
            interlaced,
        },
        audio,
        audio_streams,
    })
}

/// Looks at the first 240 video packets' timestamps: variable when frame durations differ by
/// more than a tenth from the most common one in more than 2% of frames.
fn measure_vfr(ictx: &mut ff::format::context::Input, vindex: usize) -> bool {
    let mut pts: Vec<i64> = Vec::with_capacity(240);
    for (stream, packet) in ictx.packets() {
        if stream.index() != vindex {
            continue;
        }
        if let Some(p) = packet.pts() {
            pts.push(p);
        }
        if pts.len() >= 240 {
            break;
        }
    }
    pts.sort_unstable();
    let d: Vec<i64> = pts
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0)
        .collect();
    if d.len() < 4 {
        return false;
    }
    let mut sorted = d.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2] as f64;
    let off = d
        .iter()
        .filter(|&&x| ((x as f64) - median).abs() > median * 0.1)
        .count();
    off * 50 > d.len()
}

/// The clockwise rotation (0, 90, 180, 270) a display matrix asks for, as the ffmpeg CLI
/// computes it (`-av_display_rotation_get`, rounded to a quarter turn).
pub fn rotation_from_display_matrix(data: &[u8]) -> Option<u32> {
    if data.len() < 36 {
        return None;
    }
    let m: Vec<f64> = data
        .chunks_exact(4)
        .take(9)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64 / 65536.0)
        .collect();
    let scale0 = m[0].hypot(m[3]);
    let scale1 = m[1].hypot(m[4]);
    if scale0 == 0.0 || scale1 == 0.0 {
        return None;
    }
    let rotation = (m[1] / scale1).atan2(m[0] / scale0).to_degrees();
    // av_display_rotation_get returns -rotation (counter-clockwise); the CLI negates it again.
    let clockwise = rotation.rem_euclid(360.0);
    let quarter = ((clockwise / 90.0).round() as u32) % 4;
    Some(quarter * 90)
}

/// Display size of a stored picture: pixel aspect applied to the width, then rotation.
pub fn display_size(width: u32, height: u32, sar: (i32, i32), rotation: u32) -> (u32, u32) {
    let w = (width as f64 * sar.0 as f64 / sar.1 as f64).round() as u32;
    if rotation % 180 == 90 {
        (height, w)
    } else {
        (w, height)
    }
}

fn layout_name(channels: u16) -> &'static str {
    match channels {
        1 => "mono",
        2 => "stereo",
        3 => "2.1",
        4 => "quad",
        5 => "5.0",
        6 => "5.1",
        8 => "7.1",
        _ => "multichannel",
    }
}

fn color_space_name(s: ff::color::Space) -> &'static str {
    use ff::color::Space;
    match s {
        Space::BT709 => "bt709",
        Space::BT470BG | Space::SMPTE170M => "bt601",
        Space::BT2020NCL | Space::BT2020CL => "bt2020",
        Space::RGB => "rgb",
        _ => "unknown",
    }
}

/// The x264 build that wrote video stream `index` (the "x264 - core N" version note x264
/// writes into its first frame), read from the stream's first packet; None for other
/// encoders. The probe reads it once into [`crate::model::source::VideoInfo::x264_build`].
pub fn x264_build(path: &Path, index: usize) -> Option<u32> {
    let mut ictx = open_input(path).ok()?;
    let packet = ictx
        .packets()
        .find(|(s, _)| s.index() == index)
        .map(|(_, p)| p)?;
    x264_build_in(packet.data()?)
}

/// The build number after "x264 - core " in `data`.
fn x264_build_in(data: &[u8]) -> Option<u32> {
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
    #[test]
    fn x264_build_from_version_note() {
        use super::x264_build_in;
        let mut sei = vec![0, 0, 2, 0x9e, 6, 5, 0xff, 0xa3];
        sei.extend_from_slice(b"x264 - core 142 r50 dd79a61 - H.264/MPEG-4 AVC codec");
        assert_eq!(x264_build_in(&sei), Some(142));
        assert_eq!(x264_build_in(b"Lavc60.3.100 libx265"), None);
        assert_eq!(x264_build_in(b"x264 - core "), None);
    }

    use super::*;

    fn matrix(deg: f64) -> Vec<u8> {
        // av_display_rotation_set(matrix, deg) for counter-clockwise deg.
        let r = deg.to_radians();
        let (c, s) = (r.cos(), r.sin());
        let fp = |x: f64| ((x * 65536.0).round() as i32).to_le_bytes();
        let vals = [
            fp(c),
            fp(-s),
            fp(0.0),
            fp(s),
            fp(c),
            fp(0.0),
            [0; 4],
            [0; 4],
            (1i32 << 30).to_le_bytes(),
        ];
        vals.concat()
    }

    #[test]
    fn rotation_matches_the_cli() {
        // `-metadata:s:v rotate=90` stores av_display_rotation_set(-90): a clockwise turn.
        assert_eq!(rotation_from_display_matrix(&matrix(-90.0)), Some(90));
        assert_eq!(rotation_from_display_matrix(&matrix(90.0)), Some(270));
        assert_eq!(rotation_from_display_matrix(&matrix(180.0)), Some(180));
        assert_eq!(rotation_from_display_matrix(&matrix(0.0)), Some(0));
        assert_eq!(rotation_from_display_matrix(&[0u8; 10]), None);
        assert_eq!(rotation_from_display_matrix(&[0u8; 36]), None);
    }

    #[test]
    fn display_size_applies_sar_then_rotation() {
        assert_eq!(display_size(1920, 1080, (1, 1), 90), (1080, 1920));
        assert_eq!(display_size(1440, 1080, (4, 3), 0), (1920, 1080));
        assert_eq!(display_size(1440, 1080, (4, 3), 270), (1080, 1920));
        assert_eq!(display_size(640, 360, (1, 1), 180), (640, 360));
    }

    #[test]
    #[cfg(unix)]
    fn a_name_that_is_not_utf8_is_an_error_not_a_panic() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("failreel-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(std::ffi::OsStr::from_bytes(b"bad\xffname.mp4"));
        std::fs::write(&path, b"not empty").unwrap();
        let e = open_input(&path).err().expect("refused");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(e, ProbeError::NotUtf8(_)), "{e}");
        assert!(e.to_string().contains("rename it"), "{e}");
        assert!(matches!(
            crate::render::existing_reel(&path),
            crate::render::ExistingReel::Absent
        ));
    }
}

//! What failreel sees in an input file, as plain data: display size after rotation, frame
//! rate, colour, audio layout and offsets. [`crate::media::input::probe`] reads it with libav;
//! planning reads only this, so the plan never depends on the media layer.

use crate::model::time::Micros;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The facts about one input that planning needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// The file probed.
    pub path: PathBuf,
    /// Container format (libav's short name).
    pub container: String,
    /// Size and modification time of the file: what resume compares.
    pub stamp: SourceStamp,
    /// Duration of the video stream (of the file when the stream does not say).
    pub duration: Micros,
    /// The main video stream.
    pub video: VideoInfo,
    /// The main audio stream, if any.
    pub audio: Option<AudioInfo>,
    /// How many audio streams the file has.
    pub audio_streams: usize,
}

/// Identifies one version of an input file without reading its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified_ns: u128,
    /// A hash of the file's first and last `FINGERPRINT_BYTES` bytes: a different clip
    /// copied over this one with the same size and modification time (`cp -p`,
    /// `rsync -a`) changes it, though its stamp would not.
    #[serde(default)]
    pub fingerprint: u64,
}

/// How much of each end of a file its fingerprint reads (a phone clip's header and index
/// are at its ends, and they differ between any two recordings).
pub const FINGERPRINT_BYTES: u64 = 256 * 1024;

impl SourceStamp {
    /// Reads the stamp of `path`: its size and modification time, and the fingerprint of
    /// its ends (512 KiB read at most). A non-regular file (a FIFO, a device) is never read.
    pub fn of(path: &Path) -> std::io::Result<SourceStamp> {
        let m = std::fs::metadata(path)?;
        let modified_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let fingerprint = if m.is_file() {
            fingerprint(path, m.len())?
        } else {
            0
        };
        Ok(SourceStamp {
            size: m.len(),
            modified_ns,
            fingerprint,
        })
    }
}

/// FNV-1a over the first and last [`FINGERPRINT_BYTES`] of a `len`-byte file (the whole
/// file when it is shorter than both).
fn fingerprint(path: &Path, len: u64) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let mut h: u64 = 0xcbf29ce484222325;
    let mut eat = |buf: &[u8]| {
        for &b in buf {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    };
    let mut buf = Vec::with_capacity(FINGERPRINT_BYTES as usize);
    (&mut f).take(FINGERPRINT_BYTES).read_to_end(&mut buf)?;
    eat(&buf);
    if len > 2 * FINGERPRINT_BYTES {
        f.seek(SeekFrom::Start(len - FINGERPRINT_BYTES))?;
    }
    buf.clear();
    f.take(FINGERPRINT_BYTES).read_to_end(&mut buf)?;
    eat(&buf);
    Ok(h)
}

/// The main video stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    /// Stream index in the file.
    pub index: usize,
    /// Codec name (h264, hevc, …).
    pub codec: String,
    /// Stored (coded) width.
    pub width: u32,
    /// Stored (coded) height.
    pub height: u32,
    /// Sample aspect ratio (1/1 for square pixels).
    pub sar: (i32, i32),
    /// Clockwise rotation to apply for display, from the display matrix: 0, 90, 180 or 270.
    pub rotation: u32,
    /// Width as displayed: rotation and pixel aspect applied.
    pub display_width: u32,
    /// Height as displayed: rotation and pixel aspect applied.
    pub display_height: u32,
    /// Average frame rate.
    pub fps: f64,
    /// Whether frame durations vary (measured on the first packets).
    pub variable_frame_rate: bool,
    /// libav pixel format name.
    pub pixel_format: String,
    /// Full range (0–255, "pc"/"jpeg") rather than limited (16–235).
    pub full_range: bool,
    /// Colour matrix name (bt709, bt470bg, bt2020nc, unknown…).
    pub color_space: String,
    /// Colour primaries name.
    pub color_primaries: String,
    /// Transfer characteristic: `sdr`, `hlg` or `pq`.
    pub hdr: crate::model::Transfer,
    /// The x264 build that wrote the stream (x264's version note in its first frame), None
    /// for other encoders: libav's H.264 decoder must be told an old build's number to
    /// decode it right after a seek.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x264_build: Option<u32>,
    /// Start time of the video stream in the file's timeline.
    pub start: Micros,
    /// Interlaced field order (`tt`, `bb`, `tb`, `bt`), or None for progressive (or unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interlaced: Option<String>,
}

/// The main audio stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    /// Stream index in the file.
    pub index: usize,
    /// Codec name.
    pub codec: String,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
    /// Layout description (mono, stereo, 5.1…).
    pub layout: String,
    /// When the audio starts relative to the first video frame (positive: later).
    pub offset: Micros,
    /// Duration of the audio stream, when known.
    pub duration: Option<Micros>,
}

/// A human summary of a probe, as `failreel probe` prints it.
pub fn describe(info: &MediaInfo) -> String {
    let v = &info.video;
    let mut s = format!(
        "{}\n  container   {}\n  video       {} {}x{} stored, {}x{} displayed (rotation {}°{}, pixel aspect {}:{})\n  frame rate  {:.3} fps{}\n  duration    {}\n  colour      {} {} range, matrix {}, HDR transfer: {}\n",
        info.path.display(),
        info.container,
        v.codec,
        v.width,
        v.height,
        v.display_width,
        v.display_height,
        v.rotation,
        // Which way: ffprobe prints the display matrix's counter-clockwise angle, so a
        // phone's 90 is its -90 (ffmpeg 6+) or 270.
        if v.rotation == 0 { "" } else { " clockwise" },
        v.sar.0,
        v.sar.1,
        v.fps,
        if v.variable_frame_rate { " (variable)" } else { " (constant)" },
        info.duration,
        v.pixel_format,
        if v.full_range { "full" } else { "limited" },
        v.color_space,
        v.hdr,
    );
    match &info.audio {
        Some(a) => s.push_str(&format!(
            "  audio       {} {} Hz {} ({} ch), starts {:.3} s {} the video{}\n",
            a.codec,
            a.sample_rate,
            a.layout,
            a.channels,
            a.offset.as_secs_f64().abs(),
            if a.offset.as_secs_f64() < 0.0 {
                "before"
            } else {
                "after"
            },
            if info.audio_streams > 1 {
                format!(
                    " (track {} of {} audio tracks)",
                    a.index, info.audio_streams
                )
            } else {
                String::new()
            }
        )),
        None => s.push_str("  audio       none (the reel gets a silent track)\n"),
    }
    s
}

impl MediaInfo {
    /// A 30 fps H.264 `w`x`h` clip of `secs` seconds turned by `rotation`, with a stereo AAC
    /// track starting with the picture when `audio`: the facts unit tests and the fake
    /// renderer plan from.
    pub(crate) fn for_tests(w: u32, h: u32, rotation: u32, secs: f64, audio: bool) -> MediaInfo {
        MediaInfo {
            path: "clip.mov".into(),
            container: "mov".into(),
            stamp: SourceStamp::default(),
            duration: Micros::from_secs_f64(secs),
            video: VideoInfo {
                index: 0,
                codec: "h264".into(),
                width: w,
                height: h,
                sar: (1, 1),
                rotation,
                display_width: w,
                display_height: h,
                fps: 30.0,
                variable_frame_rate: false,
                pixel_format: "yuv420p".into(),
                full_range: false,
                color_space: "bt709".into(),
                color_primaries: "bt709".into(),
                hdr: crate::model::Transfer::Sdr,
                x264_build: None,
                interlaced: None,
                start: Micros::ZERO,
            },
            audio: audio.then(|| AudioInfo {
                index: 1,
                codec: "aac".into(),
                sample_rate: 48000,
                channels: 2,
                layout: "stereo".into(),
                offset: Micros::ZERO,
                duration: None,
            }),
            audio_streams: usize::from(audio),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_says_which_way_it_turns_and_audio_before_the_picture() {
        // `failreel probe` said "rotation 270°" where ffprobe says 90 for the same file (the
        // display matrix's angle is counter-clockwise), and "starts -1.000 s after the
        // video" for sound that starts a second before the picture.
        let mut info = MediaInfo::for_tests(640, 360, 270, 4.0, true);
        info.audio.as_mut().unwrap().offset = Micros(-1_000_000);
        let text = describe(&info);
        assert!(
            text.contains("(rotation 270° clockwise, pixel aspect 1:1)"),
            "{text}"
        );
        assert!(text.contains("starts 1.000 s before the video"), "{text}");
        let mut info = MediaInfo::for_tests(640, 360, 0, 4.0, true);
        info.audio.as_mut().unwrap().offset = Micros(2_400_000);
        let text = describe(&info);
        assert!(text.contains("(rotation 0°, pixel aspect 1:1)"), "{text}");
        assert!(text.contains("starts 2.400 s after the video"), "{text}");
    }
}

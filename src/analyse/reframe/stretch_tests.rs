//! The reframe pass decoded in stretches (one per core) against one decode, on clips made
//! by the ffmpeg CLI with closed, x264-open and x265-open GOPs. (A unit test: it reaches the
//! proxy decoder below the library's surface.)

use super::proxy::ProxySpec;
use super::rate_observations;
use crate::media::packets::{exact_entry_points, video_keyframes};
use crate::model::time::Micros;
use std::path::Path;

/// A 320x180 30 fps moving patch over noise, 6 s, encoded with `codec` options.
fn stretch_clip(path: &Path, codec: &[&str]) {
    let mut opts = vec![
        "-filter_complex",
        "[0][1]overlay=x='20+t*40':y=60:shortest=1,format=yuv420p",
    ];
    opts.extend_from_slice(codec);
    let mut args = vec![
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=320x180:r=30:d=6,noise=c0s=40:c0f=t+u",
        "-f",
        "lavfi",
        "-i",
        "color=c=0xE05010:s=40x60:r=30:d=6,noise=alls=12:allf=t",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
    ];
    args.extend_from_slice(&opts);
    args.push(path.to_str().expect("a UTF-8 temporary path"));
    let out = std::process::Command::new("ffmpeg")
        .args(&args)
        .output()
        .expect("the ffmpeg CLI (make deps installs it)");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_proxy_decoded_in_stretches_sees_what_one_decode_sees() {
    crate::media::init_libav();
    let dir = tempfile::tempdir().expect("tempdir");
    // (name, encoder options, stretches expected)
    let cases: [(&str, &[&str], bool); 3] = [
        // Closed GOPs with B-frames: every keyframe an IDR picture.
        (
            "idr.mp4",
            &["-preset", "veryfast", "-bf", "3", "-g", "30"],
            true,
        ),
        // x264's open GOP: keyframes that are not IDR pictures (later frames refer back
        // across them): no stretch may start there.
        (
            "open.mp4",
            &[
                "-preset",
                "veryfast",
                "-bf",
                "3",
                "-x264-params",
                "keyint=30:open-gop=1",
            ],
            false,
        ),
        // x265's open GOP: CRA pictures with leading pictures that refer back; the pictures
        // shown after a CRA do not, so a stretch may start there.
        (
            "cra.mp4",
            &[
                "-c:v",
                "libx265",
                "-preset",
                "ultrafast",
                "-x265-params",
                "keyint=30:open-gop=1:bframes=3:log-level=error",
            ],
            true,
        ),
    ];
    for (name, codec, splits) in cases {
        let clip = dir.path().join(name);
        stretch_clip(&clip, codec);
        let span = Micros(6_000_000);
        let keys = video_keyframes(&clip, 0, Micros::ZERO, span).expect("keyframes");
        assert!(keys.len() >= 5, "{name}: keyframes {keys:?}");
        let entries = exact_entry_points(&clip, 0, Micros::ZERO, span).expect("entries");
        if splits {
            assert_eq!(entries, keys, "{name}: every keyframe is an entry point");
        } else {
            assert_eq!(
                entries,
                vec![Micros::ZERO],
                "{name}: only the first keyframe"
            );
        }
        for trim in [Micros::ZERO, Micros(700_000)] {
            let spec = ProxySpec {
                input: &clip,
                stream: 0,
                x264_build: None,
                trim_start: trim,
                rotation: 0,
                rotated_size: (320, 180),
            };
            let frames = 180 - trim.0 as u64 * 30 / 1_000_000;
            let one = rate_observations(&spec, 30, frames, 1).expect("one decode");
            assert!(one.splits.is_empty());
            assert!(one.obs.len() >= 24, "{name}: {} samples", one.obs.len());
            for parts in [2, 3] {
                let side = rate_observations(&spec, 30, frames, parts).expect("stretches");
                assert_eq!(
                    !side.splits.is_empty(),
                    splits,
                    "{name} from {trim:?} in {parts}: stretches at {:?}",
                    side.splits
                );
                assert_eq!(side.times, one.times, "{name}");
                for (k, (a, b)) in one.obs.iter().zip(&side.obs).enumerate() {
                    assert!(
                        a == b,
                        "{name} from {trim:?} in {parts}: sample {k} differs (cut {} against \
                         {}, change {} against {}, shift {:?} against {:?})",
                        a.cut_distance,
                        b.cut_distance,
                        a.change,
                        b.change,
                        a.shift,
                        b.shift
                    );
                }
                assert_eq!(side.obs.len(), one.obs.len(), "{name}");
            }
        }
    }
}

//! Hostile inputs: damaged files (bytes flipped, cut short) and things that are not clips.
//! Each gives a clean error naming the file, or a reel that meets the platform spec; never a
//! panic, a hang, or a broken file under the final name.

use crate::common::*;
use std::path::Path;
use std::time::Duration;

/// A deterministic stream of positions (xorshift), so a failure names a reproducible case.
fn positions(seed: u64, n: usize, len: usize) -> Vec<usize> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % len as u64) as usize
        })
        .collect()
}

/// Renders at x264's fastest speed: what is checked is the outcome (a clean error or a
/// conforming reel), not the encode.
fn render_within(input: &Path, out: &Path, limit: Duration) -> std::process::Output {
    failreel_within(
        &[
            "render",
            s(input),
            "-o",
            s(out),
            "--quiet",
            "--encoder-preset",
            "ultrafast",
        ],
        limit,
    )
}

/// Renders `input` to `out`, asserting it fails (exit 1) within 30 s and writes nothing;
/// returns stderr.
fn render_fails(input: &Path, out: &Path) -> String {
    let o = render_within(input, out, Duration::from_secs(30));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!out.exists(), "nothing under the final name: {err}");
    err
}

/// A clean error (exit 1, a message naming the input, no panic, nothing written) or a reel
/// that meets the spec.
fn assert_clean(case: &str, input: &Path, out: &Path) {
    let o = render_within(input, out, Duration::from_secs(60));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{case}: {err}");
    match o.status.code() {
        Some(0) => {
            let p = ffprobe(out, &[]);
            let v = stream(&p, "video");
            assert_eq!(v["codec_name"], "h264", "{case}");
            assert_eq!(
                (v["width"].as_u64(), v["height"].as_u64()),
                (Some(1080), Some(1920)),
                "{case}"
            );
            assert_eq!(v["pix_fmt"], "yuv420p", "{case}");
            let a = stream(&p, "audio");
            assert_eq!(a["codec_name"], "aac", "{case}");
            let (vd, ad) = (num(&v["duration"]), num(&a["duration"]));
            assert!(
                (vd - ad).abs() < 0.05,
                "{case}: picture {vd} s, sound {ad} s"
            );
        }
        Some(1) => {
            assert!(err.contains("failreel: error"), "{case}: {err}");
            assert!(err.contains(s(input)), "{case}: names the file: {err}");
            assert!(!out.exists(), "{case}: nothing under the final name");
        }
        other => panic!("{case}: exit {other:?}: {err}"),
    }
    let _ = std::fs::remove_file(out);
}

#[test]
fn damaged_mp4_and_mov_files_give_a_clean_error_or_a_conforming_reel() {
    let dir = workdir();
    let d = dir.path();
    let mp4 = grey_clip(d, "clip.mp4", 1.0, 10);
    let mov = d.join("clip.mov");
    ffmpeg(&["-i", s(&mp4), "-c", "copy", s(&mov)]);
    let out = d.join("reel.mp4");
    for (name, src) in [("mp4", &mp4), ("mov", &mov)] {
        let bytes = std::fs::read(src).unwrap();
        let bad = d.join(format!("bad.{name}"));
        // Flipped bytes: a few at a time, all over the file (index and media data alike).
        for (k, seed) in [11u64, 23, 37, 41, 53].into_iter().enumerate() {
            let mut b = bytes.clone();
            for p in positions(seed, 8, b.len()) {
                b[p] ^= 0xA5;
            }
            std::fs::write(&bad, &b).unwrap();
            assert_clean(&format!("{name} flipped #{k}"), &bad, &out);
        }
        // Cut short at several points.
        for frac in [0.02, 0.3, 0.7, 0.97] {
            let n = (bytes.len() as f64 * frac) as usize;
            std::fs::write(&bad, &bytes[..n]).unwrap();
            assert_clean(&format!("{name} cut at {frac}"), &bad, &out);
        }
    }
}

#[test]
fn a_still_image_is_refused_with_a_clear_message() {
    let dir = workdir();
    let d = dir.path();
    let png = d.join("photo.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=s=320x240",
        "-frames:v",
        "1",
        s(&png),
    ]);
    let jpg = d.join("photo.jpg");
    ffmpeg(&["-i", s(&png), s(&jpg)]);
    for img in [&png, &jpg] {
        let out = d.join("reel.mp4");
        let err = render_fails(img, &out);
        assert!(err.contains("still image"), "{err}");
    }
}

#[test]
fn audio_with_more_channels_than_a_downmix_knows_names_the_limit() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("array.mkv");
    let split: String = (0..64).map(|i| format!("[a{i}]")).collect();
    let graph =
        format!("[1]aformat=channel_layouts=mono,asplit=64{split};{split}amerge=inputs=64[a]");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=320x240:r=30",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440",
        "-t",
        "1",
        "-filter_complex",
        &graph,
        "-map",
        "0:v",
        "-map",
        "[a]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "pcm_s16le",
        s(&clip),
    ]);
    let out = d.join("reel.mp4");
    let err = render_fails(&clip, &out);
    assert!(
        err.contains("64 channels") && err.contains("at most 8"),
        "{err}"
    );
}

#[test]
fn preview_past_the_end_of_the_reel_is_an_error_not_a_frame() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 2.0, 30);
    let png = d.join("f.png");
    // The reel of the clip from 0.5 s is 1.5 s long.
    for at in ["1.5", "7"] {
        let o = failreel(&[
            "preview",
            s(&clip),
            "--start",
            "0.5",
            "--at",
            at,
            "-o",
            s(&png),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("past the end of the reel"), "{err}");
        assert!(!png.exists());
    }
    failreel_ok(&[
        "preview",
        s(&clip),
        "--start",
        "0.5",
        "--at",
        "1.45",
        "-o",
        s(&png),
    ]);
    // Inside the reel: its frame, at the reel's size, the clip's grey in the middle.
    let img = image::open(&png).expect("a PNG").to_rgb8();
    assert_eq!(img.dimensions(), (1080, 1920));
    let px = img.get_pixel(540, 960).0;
    assert!(px.iter().all(|&c| (120..=136).contains(&c)), "{px:?}");
}

#[test]
fn a_picture_much_shorter_than_its_sound_fails_with_the_reason() {
    let dir = workdir();
    let d = dir.path();
    let one = d.join("one.mp4");
    h264_clip(
        &one,
        "color=c=gray:s=320x240:r=30",
        None,
        &["-frames:v", "1"],
    );
    let clip = d.join("one_frame.mp4");
    ffmpeg(&[
        "-i",
        s(&one),
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:d=6",
        "-c:v",
        "copy",
        "-c:a",
        "aac",
        s(&clip),
    ]);
    let out = d.join("reel.mp4");
    let err = render_fails(&clip, &out);
    assert!(
        err.contains("the picture ends at") && err.contains("--end"),
        "{err}"
    );
}

fn plan_json(args: &[&str]) -> (serde_json::Value, String) {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    all.extend(["--dry-run", "--json"]);
    let o = failreel(&all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let plan = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "plan")
        .expect("a plan line");
    (plan["plan"].clone(), stdout)
}

#[test]
fn tiny_sources_are_fitted_with_square_pixels_and_the_enlargement_is_said() {
    let dir = workdir();
    let d = dir.path();
    let small = d.join("small.mp4");
    h264_clip(&small, "testsrc2=s=112x200:r=30:d=1", None, &[]);
    let (plan, stdout) = plan_json(&[s(&small)]);
    assert!(stdout.contains("enlarged"), "{stdout}");
    assert_eq!(plan["video"]["width"], 1080);
    // 18x18: the 9:16 window of a square picture cannot be cut exactly at that size: it is
    // fitted (with a fill beside it), not stretched.
    let square = d.join("square.mp4");
    h264_clip(&square, "testsrc2=s=18x18:r=30:d=1", None, &[]);
    let (plan, _) = plan_json(&[s(&square)]);
    let crop = &plan["video"]["crop_path"][0]["rect"];
    let fit = &plan["video"]["fit"];
    let aspect = crop["width"].as_f64().unwrap() / crop["height"].as_f64().unwrap();
    let shown = fit["width"].as_f64().unwrap() / 1920.0;
    assert!((aspect - shown).abs() < 0.01, "crop {crop}, fit {fit}");
    let out = d.join("square.reel.mp4");
    failreel_ok(&["render", s(&square), "-o", s(&out), "--quiet"]);
    assert_eq!(video_stream(&out)["width"], 1080);
    // 2x2 is too small to make anything of.
    let dot = d.join("dot.mp4");
    h264_clip(&dot, "color=c=red:s=2x2:r=30:d=1", None, &[]);
    let o = failreel(&["render", s(&dot), "-o", s(&d.join("dot.reel.mp4"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("too small"), "{err}");
}

/// Mean absolute difference between neighbouring rows over the rows two apart: above 1 means
/// the odd and even lines disagree more than lines of one field (combing).
fn comb(y: &[u8], w: usize, h: usize) -> f64 {
    let (mut near, mut far) = (0f64, 0f64);
    for row in 2..h - 2 {
        for col in 0..w {
            let c = y[row * w + col] as f64;
            near += (c - y[(row + 1) * w + col] as f64).abs();
            far += (c - y[(row + 2) * w + col] as f64).abs();
        }
    }
    near / far.max(1.0)
}

/// Luma of frame `n` of `path` after the `vf` chain, as (width, height, plane).
fn luma_after(path: &Path, vf: &str, n: usize) -> (usize, usize, Vec<u8>) {
    let scaled = path.with_extension("check.mp4");
    ffmpeg(&[
        "-i",
        s(path),
        "-vf",
        vf,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-qp",
        "0",
        s(&scaled),
    ]);
    let (w, h, frames) = luma_frames(&scaled);
    (w, h, frames[n].clone())
}

#[test]
fn interlaced_clips_are_deinterlaced_and_the_plan_says_so() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("interlaced.mp4");
    // 60 moving pictures a second woven into 30 interlaced frames, top field first.
    h264_clip(
        &clip,
        "testsrc2=s=1920x1080:r=60:d=1",
        Some("tinterlace=mode=interleave_top,setfield=tff"),
        &["-flags", "+ildct+ilme", "-x264-params", "tff=1", "-r", "30"],
    );
    let (plan, stdout) = plan_json(&[s(&clip)]);
    assert_eq!(plan["video"]["deinterlace"], true, "{stdout}");
    assert!(stdout.contains("interlaced (top field first)"), "{stdout}");
    let out = d.join("reel.mp4");
    failreel_ok(&[
        "render",
        s(&clip),
        "-o",
        s(&out),
        "--quiet",
        "--focus",
        "center",
    ]);
    // Compare, at the source's own scale, the reel with the woven frames it came from.
    let (w, h, reel) = luma_after(&out, "scale=608:1080:flags=area", 10);
    let (ww, wh, woven) = luma_after(&clip, "crop=608:1080:656:0", 10);
    let (combed, raw) = (comb(&reel, w, h), comb(&woven, ww, wh));
    assert!(raw > 1.2, "the fixture is combed: {raw:.2}");
    assert!(
        combed < raw * 0.75,
        "deinterlaced {combed:.2} vs woven {raw:.2}"
    );
}

#[test]
fn a_card_text_cut_to_fit_is_a_warning_naming_the_card() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 4.0, 30);
    let long = "The oil was far too hot and the garlic burnt black in seconds. ".repeat(20);
    let (_, stdout) = plan_json(&[s(&clip), "--went-wrong", &long, "--lesson", "Medium heat"]);
    assert!(
        stdout.contains("the went-wrong card's text is too long"),
        "{stdout}"
    );
    assert!(!stdout.contains("the lesson card's text"), "{stdout}");
}

#[test]
fn broken_video_timestamps_keep_picture_and_sound_the_same_length() {
    // Issue 24: a clip whose video timestamps are all zero gave a reel of one frame under six
    // seconds of sound, reported "ok". Now the picture is held to the end of the sound, and
    // the warning says where the picture stopped. (A picture one frame long under six
    // seconds of sound is refused with the reason:
    // a_picture_much_shorter_than_its_sound_fails_with_the_reason.)
    let dir = workdir();
    let d = dir.path();
    let zero = d.join("zero.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=320x180:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=d=6:r=48000",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-bsf:v",
        "setts=ts=0",
        "-c:a",
        "aac",
        s(&zero),
    ]);
    let tiny = tiny_preset(d, "tiny", "tiktok", "");
    let reel = d.join("reel.mp4");
    let o = failreel(&[
        "render",
        s(&zero),
        "-p",
        s(&tiny),
        "-o",
        s(&reel),
        "--encoder-preset",
        "ultrafast",
    ]);
    let text = all_text(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("the picture stops at") && text.contains("held"),
        "the held picture is said: {text}"
    );
    // The file is named once in the line.
    let named = format!("{}: ", zero.display());
    assert!(!text.contains(&format!("{named}{named}")), "{text}");
    let p = ffprobe(&reel, &[]);
    let dur = |kind: &str| num(&stream(&p, kind)["duration"]);
    let (v, a) = (dur("video"), dur("audio"));
    assert!((v - a).abs() < 0.1, "video {v} s, audio {a} s");
    assert!(v > 5.8, "the reel is {v} s of the 6 s");
    assert!(decoded_frames(&reel) > 170);
}

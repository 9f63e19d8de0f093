//! End-to-end tests of `failreel render`: fixtures that mimic phone clips are made with libav,
//! rendered, and the reel is decoded independently (ffprobe/ffmpeg) and checked.

use crate::common::*;
use std::path::Path;

#[test]
fn landscape_reel_meets_the_platform_spec() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "clip.mp4", 4.0, 30);
    let out = dir.path().join("reel.mp4");
    // The preset's own x264 speed: the spec test checks exactly what users get.
    let stderr = failreel_ok(&[
        "render",
        s(&clip),
        "-o",
        s(&out),
        "--start",
        "0.5",
        "--end",
        "3.5",
    ]);
    assert!(
        !stderr.contains("ETA"),
        "no progress bar on a pipe: {stderr}"
    );
    let p = ffprobe(&out, &[]);
    let v = stream(&p, "video");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["profile"], "High");
    assert_eq!(v["level"], 41);
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1080), Some(1920))
    );
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(v["r_frame_rate"], "30/1");
    assert_eq!(v["avg_frame_rate"], "30/1");
    assert_eq!(v["color_range"], "tv");
    assert_eq!(v["color_space"], "bt709");
    assert_eq!(v["color_primaries"], "bt709");
    assert_eq!(v["color_transfer"], "bt709");
    assert_eq!(v["nb_frames"], "90");
    assert!(
        v.get("side_data_list").is_none(),
        "no display matrix on the output"
    );
    assert!((num(&v["duration"]) - 3.0).abs() <= 1.0 / 30.0 + 1e-6);
    assert_eq!(num(&v["start_time"]), 0.0);
    let a = stream(&p, "audio");
    assert_eq!(a["codec_name"], "aac");
    assert_eq!(a["profile"], "LC");
    assert_eq!(a["sample_rate"], "48000");
    assert_eq!(a["channels"], 2);
    assert_eq!(num(&a["start_time"]), 0.0);
    assert!(
        (num(&a["duration"]) - 3.0).abs() < 0.03,
        "audio {}",
        a["duration"]
    );

    let boxes = top_level_boxes(&out);
    let moov = boxes.iter().position(|b| b == "moov").expect("moov");
    let mdat = boxes.iter().position(|b| b == "mdat").expect("mdat");
    assert!(moov < mdat, "fast start: {boxes:?}");

    // Closed GOPs: a keyframe at least every 2 seconds (60 frames).
    let frames = ffprobe(
        &out,
        &["-select_streams", "v", "-show_entries", "frame=key_frame"],
    );
    let keys: Vec<usize> = frames["frames"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, f)| f["key_frame"] == 1)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(keys[0], 0);
    for w in keys.windows(2) {
        assert!(w[1] - w[0] <= 60, "{keys:?}");
    }
    assert!(keys.len() >= 2);

    // The tone is there, and the cut at the start is faded, not clicked.
    let pcm = audio_mono(&out);
    let body = rms(&pcm, 0.5, 2.5);
    assert!(body > 0.05, "tone rms {body}");
    assert!(rms(&pcm, 0.0, 0.004) < body * 0.5, "fade in");
    let end = pcm.len() as f64 / 48000.0;
    assert!(rms(&pcm, end - 0.004, end) < body * 0.5, "fade out");
}

/// A clip whose luma encodes the frame number: Y = 16 + 2n (30 fps, one keyframe only), with
/// `extra_vf` after the ramp and `extra` encoder options.
fn ramp_clip(dir: &Path, name: &str, extra_vf: &str, extra: &[&str]) -> std::path::PathBuf {
    let p = dir.join(name);
    let vf = format!("geq=lum='16+2*N':cb=128:cr=128{extra_vf}");
    let mut args = vec!["-crf", "4", "-g", "300"];
    args.extend_from_slice(extra);
    h264_clip(&p, "color=c=black:s=320x240:r=30:d=3", Some(&vf), &args);
    p
}

/// Asserts that a reel of a [`ramp_clip`] shows source frames `first`, `first + 1`, ...
fn assert_ramp_from(reel: &Path, first: usize, frames_expected: usize) {
    let (w, h, frames) = luma_frames(reel);
    assert_eq!(frames.len(), frames_expected);
    for (k, y) in centre_luma(&frames, w, h).iter().enumerate() {
        let want = 16.0 + 2.0 * (first + k) as f64;
        assert!(
            (y - want).abs() < 1.6,
            "start {first}, frame {k}: luma {y}, want {want}"
        );
    }
}

fn centre_luma(frames: &[Vec<u8>], w: usize, h: usize) -> Vec<f64> {
    frames
        .iter()
        .map(|f| mean_rect(f, w, w / 2 - 100, h / 2 - 100, w / 2 + 100, h / 2 + 100))
        .collect()
}

#[test]
fn trim_is_frame_accurate_not_snapped_to_keyframes() {
    let dir = workdir();
    let clip = ramp_clip(dir.path(), "ramp.mp4", "", &[]);
    let out = dir.path().join("reel.mp4");
    render_reel(
        &clip,
        &out,
        &["--start", "1.0", "--duration", "1.0", "--crf", "10"],
    );
    assert_ramp_from(&out, 30, 30);
}

#[test]
fn trim_lands_on_the_right_frame_when_the_frames_before_it_are_skipped() {
    // B-frames with a pyramid: frames nothing refers to (which failreel does not decode
    // between the keyframe and the first wanted frame) sit next to the wanted ones.
    let dir = workdir();
    let clip = ramp_clip(
        dir.path(),
        "bframes.mp4",
        "",
        &["-x264-params", "bframes=3:b-pyramid=normal:b-adapt=0"],
    );
    for first in [31usize, 32, 33, 34] {
        let out = dir.path().join(format!("reel{first}.mp4"));
        let start = format!("{:.4}", first as f64 / 30.0);
        render_reel(
            &clip,
            &out,
            &["--start", &start, "--duration", "0.2", "--crf", "10"],
        );
        assert_ramp_from(&out, first, 6);
        // The preview of the reel's second frame shows source frame first + 1.
        let png = dir.path().join(format!("frame{first}.png"));
        failreel_ok(&[
            "preview",
            s(&clip),
            "--start",
            &start,
            "--at",
            "0.0334",
            "-o",
            s(&png),
        ]);
        let img = image::open(&png).unwrap().to_luma8();
        let (pw, ph) = img.dimensions();
        let px = img.get_pixel(pw / 2, ph / 2)[0] as f64;
        let want = 2.0 * (first + 1) as f64 * 255.0 / 219.0;
        assert!(
            (px - want).abs() < 3.0,
            "preview at start {first}: {px}, want {want}"
        );
    }
}

#[test]
fn variable_frame_rate_becomes_constant_by_timestamp() {
    let dir = workdir();
    // Keep frames 0..40, then every 7th: a clip that drops from 30 fps to ~4 fps.
    let clip = ramp_clip(
        dir.path(),
        "vfr.mp4",
        ",select='lt(n\\,40)+not(mod(n\\,7))+eq(n\\,89)'",
        &["-vsync", "vfr"],
    );
    let info = probe_json(&clip);
    assert_eq!(info["video"]["variable_frame_rate"], true);
    let out = dir.path().join("reel.mp4");
    render_reel(&clip, &out, &["--crf", "10"]);
    let (w, h, frames) = luma_frames(&out);
    assert_eq!(frames.len(), 90);
    for (k, y) in centre_luma(&frames, w, h).iter().enumerate() {
        let shown = if k == 89 {
            89
        } else {
            (k.min(39)).max(k / 7 * 7)
        };
        let want = 16.0 + 2.0 * shown as f64;
        assert!(
            (y - want).abs() < 1.6,
            "frame {k}: luma {y}, want source frame {shown} ({want})"
        );
    }
}

#[test]
fn rotated_phone_clip_is_turned_upright_before_cropping() {
    let dir = workdir();
    let stored = dir.path().join("stored.mp4");
    // Stored landscape: left half red, right half blue. A display matrix is added the way
    // phones store it (stream side data), by remuxing with a rotate tag.
    h264_clip(
        &stored,
        "color=c=blue:s=640x360:r=30:d=1",
        Some("drawbox=x=0:y=0:w=320:h=360:c=red:t=fill"),
        &[],
    );
    let clip = dir.path().join("rot.mp4");
    tag_rotated(&stored, &clip);
    let info = probe_json(&clip);
    let rotation = info["video"]["rotation"].as_u64().unwrap();
    assert!(
        rotation == 90 || rotation == 270,
        "a quarter turn: {rotation}"
    );
    assert_eq!(
        (
            info["video"]["display_width"].as_u64(),
            info["video"]["display_height"].as_u64()
        ),
        (Some(360), Some(640))
    );
    // What players show: the ffmpeg CLI's own autorotation of the same file.
    let upright = dir.path().join("upright.mp4");
    Fixture::new().input(&["-i", s(&clip)]).write(&upright);
    let (uw, _, uf) = rgb_frames(&upright);
    let top_red = uf[0][(50 * uw + 180) * 3] > 200;
    assert_eq!(
        top_red,
        rotation == 90,
        "rotation {rotation} agrees with the CLI"
    );

    let out = dir.path().join("reel.mp4");
    render_reel(&clip, &out, &[]);
    let v = video_stream(&out);
    assert!(
        v.get("side_data_list").is_none(),
        "the stale matrix is not copied"
    );
    let (w, _h, frames) = rgb_frames(&out);
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        (frames[10][i], frames[10][i + 1], frames[10][i + 2])
    };
    let (top, bottom) = (px(540, 400), px(540, 1500));
    let red = |c: (u8, u8, u8)| c.0 > 200 && c.1 < 60 && c.2 < 60;
    let blue = |c: (u8, u8, u8)| c.0 < 60 && c.1 < 60 && c.2 > 200;
    if top_red {
        assert!(red(top) && blue(bottom), "{top:?} {bottom:?}");
    } else {
        assert!(blue(top) && red(bottom), "{top:?} {bottom:?}");
    }
}

#[test]
fn late_audio_keeps_its_moment_and_is_padded_with_silence() {
    let dir = workdir();
    let tone = dir.path().join("tone.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=44100:d=2",
        s(&tone),
    ]);
    let clip = dir.path().join("late.mov");
    Fixture::new()
        .lavfi("color=c=gray:s=640x360:r=30:d=5")
        .input(&["-itsoffset", "2.4", "-i", s(&tone)])
        .opts(&["-map", "0:v", "-map", "1:a"])
        .write(&clip);
    let info = probe_json(&clip);
    let offset = info["audio"]["offset"].as_i64().unwrap();
    assert!(
        (offset - 2_400_000).abs() < 30_000,
        "probe sees the late start: {offset}"
    );

    let out = dir.path().join("reel.mp4");
    render_reel(&clip, &out, &[]);
    let p = ffprobe(&out, &[]);
    assert_eq!(
        num(&stream(&p, "audio")["start_time"]),
        0.0,
        "no offset edit: audio starts at 0"
    );
    assert_eq!(num(&stream(&p, "video")["start_time"]), 0.0);
    let pcm = audio_mono(&out);
    assert!(rms(&pcm, 0.1, 2.3) < 1e-4, "silence before 2.4 s");
    assert!(rms(&pcm, 2.5, 4.3) > 0.05, "tone after 2.4 s");
    // The onset is within a few milliseconds of 2.4 s.
    let onset = pcm.iter().position(|x| x.abs() > 0.05).unwrap() as f64 / 48000.0;
    assert!((onset - 2.4).abs() < 0.03, "onset at {onset}");

    // Trimmed: the sound starts 1.4 s into a reel that starts at 1.0 s.
    let out2 = dir.path().join("reel2.mp4");
    render_reel(&clip, &out2, &["--start", "1.0"]);
    let pcm = audio_mono(&out2);
    let onset = pcm.iter().position(|x| x.abs() > 0.05).unwrap() as f64 / 48000.0;
    assert!((onset - 1.4).abs() < 0.03, "trimmed onset at {onset}");
}

#[test]
fn clip_without_sound_gets_a_silent_track() {
    let dir = workdir();
    let clip = dir.path().join("mute.mp4");
    h264_clip(&clip, "color=c=gray:s=640x360:r=25:d=2", None, &[]);
    let out = dir.path().join("reel.mp4");
    render_reel(&clip, &out, &[]);
    let p = ffprobe(&out, &[]);
    let a = stream(&p, "audio");
    assert_eq!(a["codec_name"], "aac");
    assert!((num(&a["duration"]) - 2.0).abs() < 0.03);
    let pcm = audio_mono(&out);
    assert!(pcm.len() > 90_000);
    assert_eq!(rms(&pcm, 0.0, 2.0), 0.0, "real digital silence");
}

#[test]
fn home_metadata_is_not_copied() {
    let dir = workdir();
    let clip = dir.path().join("home.mov");
    h264_clip(
        &clip,
        "color=c=gray:s=640x360:r=30:d=1",
        None,
        &[
            "-metadata",
            "location=+37.7749-122.4194/",
            "-metadata",
            "make=Apple",
            "-metadata",
            "model=iPhone 15 Pro",
            "-metadata",
            "creation_time=2026-01-01T10:00:00Z",
            "-movflags",
            "use_metadata_tags",
        ],
    );
    let before = String::from_utf8_lossy(&std::fs::read(&clip).unwrap()).into_owned();
    assert!(
        before.contains("iPhone 15 Pro"),
        "the fixture carries the metadata"
    );
    let out = dir.path().join("reel.mp4");
    render_reel(&clip, &out, &[]);
    let bytes = String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned();
    for secret in ["iPhone", "Apple", "+37.7749", "2026-01-01"] {
        assert!(!bytes.contains(secret), "{secret} leaked into the reel");
    }
    let p = ffprobe(&out, &[]);
    let tags = &p["format"]["tags"];
    assert!(tags.get("location").is_none() && tags.get("creation_time").is_none());
    assert!(tags["comment"].as_str().unwrap().starts_with("failreel "));
}

#[test]
fn portrait_9_16_clip_is_scaled_not_cropped() {
    let dir = workdir();
    let clip = dir.path().join("portrait.mp4");
    // 360x640 with a white 20 px band at the very top and bottom: both must survive.
    h264_clip(
        &clip,
        "color=c=black:s=360x640:r=30:d=1",
        Some(
            "drawbox=x=0:y=0:w=360:h=20:c=white:t=fill,drawbox=x=0:y=620:w=360:h=20:c=white:t=fill",
        ),
        &[],
    );
    let out = dir.path().join("reel.mp4");
    render_reel(&clip, &out, &[]);
    let (w, _h, frames) = luma_frames(&out);
    let f = &frames[5];
    assert!(mean_rect(f, w, 100, 10, 900, 40) > 200.0, "top band kept");
    assert!(
        mean_rect(f, w, 100, 1880, 900, 1910) > 200.0,
        "bottom band kept"
    );
    assert!(mean_rect(f, w, 100, 800, 900, 1100) < 30.0);
}

#[test]
fn focus_moves_the_window() {
    let dir = workdir();
    let clip = dir.path().join("lr.mp4");
    // White on the left third, black elsewhere.
    h264_clip(
        &clip,
        "color=c=black:s=960x540:r=30:d=1",
        Some("drawbox=x=0:y=0:w=300:h=540:c=white:t=fill"),
        &[],
    );
    let left = dir.path().join("left.mp4");
    let centre = dir.path().join("centre.mp4");
    render_reel(&clip, &left, &["--focus", "left"]);
    render_reel(&clip, &centre, &["--focus", "center"]);
    let (w, _, lf) = luma_frames(&left);
    let (_, _, cf) = luma_frames(&centre);
    assert!(
        mean_rect(&lf[5], w, 50, 800, 500, 1100) > 200.0,
        "left focus shows the white part"
    );
    assert!(
        mean_rect(&cf[5], w, 50, 800, 1030, 1100) < 30.0,
        "centre shows black"
    );
}

/// The tiktok preset's safe zone (top, bottom, left, right).
const TIKTOK_ZONE: (usize, usize, usize, usize) = (250, 460, 60, 180);

#[test]
fn cards_appear_inside_the_safe_zone_at_their_times_with_every_animation() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "clip.mp4", 3.0, 30);
    for animation in ["slide", "pop", "fade", "none"] {
        let preset = dir.path().join(format!("{animation}.toml"));
        std::fs::write(&preset, format!("[cards]\nanimation = \"{animation}\"\n")).unwrap();
        let out = dir.path().join(format!("{animation}.mp4"));
        render_reel(
            &clip,
            &out,
            &[
                "--preset",
                s(&preset),
                "--crf",
                "12",
                "--went-wrong",
                "Oil was smoking before the garlic went in",
                "--went-wrong-at",
                "0.5",
                "--went-wrong-until",
                "1.5",
                "--lesson",
                "Heat the pan on medium, not high",
            ],
        );
        let (w, h, frames) = luma_frames(&out);
        assert_eq!(frames.len(), 90);
        let grey = mean_rect(&frames[3], w, 0, 0, w, h);
        for (i, f) in frames.iter().enumerate() {
            let (inside, outside) = card_diffs(f, w, h, grey, TIKTOK_ZONE);
            assert!(
                outside <= 6.0,
                "{animation}: frame {i} drew outside the safe zone ({outside})"
            );
            let t = i as f64 / 30.0;
            let went_wrong = (0.5..1.5).contains(&t);
            let lesson = t >= 2.0;
            if !went_wrong && !lesson {
                assert!(
                    inside <= 6.0,
                    "{animation}: frame {i} ({t:.2} s) shows a card ({inside})"
                );
            }
            if (0.9..1.1).contains(&t) || t >= 2.4 {
                assert!(
                    inside > 60.0,
                    "{animation}: frame {i} ({t:.2} s) has no card ({inside})"
                );
            }
        }
        // The went-wrong card sits in the top half of the safe zone, the lesson in the bottom.
        let top_half = |f: &Vec<u8>| mean_rect(f, w, 60, 250, 900, 860);
        let bottom_half = |f: &Vec<u8>| mean_rect(f, w, 60, 860, 900, 1460);
        assert!(
            (top_half(&frames[30]) - grey).abs() > 5.0
                && (bottom_half(&frames[30]) - grey).abs() < 1.0
        );
        assert!(
            (bottom_half(&frames[80]) - grey).abs() > 5.0
                && (top_half(&frames[80]) - grey).abs() < 1.0
        );
    }
}

/// Renders with the analysis cache in `cache`.
fn render_cached(input: &Path, out: &Path, cache: &Path) {
    let r = failreel_command(&[])
        .args(["render", s(input), "-o", s(out), "--force", "-q"])
        .args(["--encoder-preset", "ultrafast"])
        .env("FAILREEL_CACHE_DIR", cache)
        .output()
        .expect("run failreel");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

#[test]
fn loudness_analysis_is_cached_and_a_rerun_reads_only_the_cache() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "clip.mp4", 3.0, 30);
    let cache = dir.path().join("cache");
    let first = dir.path().join("first.mp4");
    render_cached(&clip, &first, &cache);
    let entries: Vec<_> = std::fs::read_dir(&cache)
        .expect("the cache folder was made")
        .flatten()
        .map(|e| e.path())
        // A landscape clip also has its (--focus auto) reframe entry.
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("reframe-")
        })
        .collect();
    assert_eq!(entries.len(), 1, "one loudness entry: {entries:?}");
    let entry = &entries[0];
    assert!(entry
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("loudness-"));
    let text = std::fs::read_to_string(entry).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lufs = json["value"]["lufs"].as_f64().expect("a measured loudness");
    // A second render gives the same sound from the cache.
    let second = dir.path().join("second.mp4");
    render_cached(&clip, &second, &cache);
    assert_eq!(audio_mono(&first), audio_mono(&second));
    // The rerun takes the cached measurement: an entry 10 dB louder than measured makes the
    // reel quieter, which only happens if the pass did not run again.
    let doctored = text.replacen(
        &format!("\"lufs\":{lufs}"),
        &format!("\"lufs\":{}", lufs + 10.0),
        1,
    );
    assert_ne!(doctored, text, "the entry holds the measured value");
    std::fs::write(entry, doctored).unwrap();
    let third = dir.path().join("third.mp4");
    render_cached(&clip, &third, &cache);
    let (a, b) = (audio_mono(&first), audio_mono(&third));
    let level = |x: &[f32]| rms(x, 0.5, 2.5);
    assert!(
        level(&b) < level(&a) * 0.5,
        "cached loudness not used: {} vs {}",
        level(&b),
        level(&a)
    );
}

/// The library's plan is the command line's: [`failreel::RenderPlan::to_json`] is the `plan`
/// that `--dry-run --json` prints for the same request, and the accessors read the same
/// decisions. (A dry run and planning in process: no render; 0.4 s.)
#[test]
fn a_plan_from_the_library_is_the_plan_the_command_line_prints() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 2.0, 30);
    let out = d.join("reel.mp4");
    let printed = dry_plans(&[
        "render",
        s(&clip),
        "--focus",
        "center",
        "--went-wrong",
        "Too hot",
        "--lesson",
        "Lid on",
        "-o",
        s(&out),
    ])
    .remove(0);
    let info = failreel::probe(&clip).expect("probe");
    let preset = failreel::Preset::built_in("tiktok").expect("tiktok");
    let request = failreel::ReelRequest {
        focus: Some("center".parse().expect("a focus")),
        went_wrong: Some("Too hot".into()),
        lesson: Some("Lid on".into()),
        ..Default::default()
    };
    let plan = failreel::plan(
        &info,
        &request,
        &preset,
        out.clone(),
        failreel::Extras::default(),
        1,
    )
    .expect("plan");
    // The same values, numbers included: the JSON Lines writer prints an f32 as the library's
    // to_json does (0.68, not a widened 0.6800000071525574).
    let json: serde_json::Value = serde_json::from_str(&plan.to_json()).expect("JSON");
    assert_eq!(json, printed);
    assert_eq!(plan.output(), out);
    assert_eq!(plan.input(), clip);
    assert_eq!(plan.size(), (1080, 1920));
    assert_eq!(plan.fps(), 30);
    assert_eq!(plan.duration(), failreel::Micros::from_secs_f64(2.0));
    assert_eq!(
        plan.duration().0,
        printed["video"]["frames"].as_i64().unwrap() * 1_000_000 / 30
    );
    let shown: Vec<_> = plan
        .overlays()
        .iter()
        .map(|o| (o.role(), o.text(), o.at().0, o.until().0))
        .collect();
    let from_json: Vec<_> = printed["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["text"].as_str().unwrap(),
                o["at"].as_i64().unwrap(),
                o["until"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown.iter().map(|o| (o.1, o.2, o.3)).collect::<Vec<_>>(),
        from_json
    );
    assert_eq!(shown[0].0, failreel::Role::WentWrong);
    assert_eq!(shown[1].0, failreel::Role::Lesson);
    let warned: Vec<&str> = printed["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(plan.warnings(), warned);
}

#[test]
fn a_focus_list_on_a_fitted_picture_says_its_later_keys_are_not_used() {
    // 96x54: the 9:16 window (30x54, or 32x54 rounded up) misses the reel's shape by more
    // than 1%, so the picture is fitted with a fill beside it and the window cannot move. A
    // `--focus` list's later keys were dropped from the plan without a word. (320x180 was
    // this test's picture until its window became 102x180, which fills the reel.) Cost: a
    // cached 2 s 96x54 clip, one dry run, ~0.05 s.
    let dir = workdir();
    let clip = dir.path().join("tiny.mp4");
    h264_clip(&clip, "testsrc2=s=96x54:r=30:d=2", None, &[]);
    let out = dir.path().join("r.mp4");
    let plan = render_dry_plan(&[
        s(&clip),
        "-o",
        s(&out),
        "--no-normalize",
        "--focus",
        "left,1s=right",
    ]);
    assert!(plan["video"]["fit"].is_object(), "{}", plan["video"]);
    assert_eq!(plan["video"]["crop_path"].as_array().unwrap().len(), 1);
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("only the first --focus key (0) is used"),
        "{warnings}"
    );
}

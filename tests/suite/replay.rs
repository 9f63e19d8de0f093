//! `--replay` (issue 13): the 1.5 s around the moment again at half speed after the trimmed
//! footage, muted, with a "REPLAY" tag; checked on the decoded reel.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Decoded frames scaled down by 4 (270x480), grey: (width, height, frames).
fn small_frames(path: &Path) -> (usize, usize, Vec<Vec<u8>>) {
    (270, 480, small_grey_frames(path, 270, 480))
}

/// A portrait 360x640 30 fps clip (moving test pattern) with a 440 Hz tone, `secs` long.
fn pattern_clip(dir: &Path, secs: u32) -> PathBuf {
    Fixture::picture_with_tone("testsrc2", (360, 640), 440, 48000, secs)
        .opts(&["-g", "30", "-shortest"])
        .write(&dir.join("pattern.mp4"))
}

/// The plans of a dry run.
fn dry_plans(args: &[&str]) -> Vec<Value> {
    let mut a = vec!["render"];
    a.extend_from_slice(args);
    a.extend(["--dry-run", "--json"]);
    plan_lines(&a)
        .into_iter()
        .map(|v| v["plan"].clone())
        .collect()
}

/// A rectangle (output pixels) scaled to the small frames, with a margin.
fn small_rect(r: &Value, margin: i64) -> (usize, usize, usize, usize) {
    let g = |k: &str| r[k].as_i64().unwrap();
    let x0 = ((g("x") / 4) - margin).max(0) as usize;
    let y0 = ((g("y") / 4) - margin).max(0) as usize;
    let x1 = (((g("x") + g("width")) / 4) + margin).min(270) as usize;
    let y1 = (((g("y") + g("height")) / 4) + margin).min(480) as usize;
    (x0, y0, x1, y1)
}

fn inside(r: (usize, usize, usize, usize), x: usize, y: usize) -> bool {
    x >= r.0 && x < r.2 && y >= r.1 && y < r.3
}

/// Mean absolute difference of two frames, over the pixels `keep` says.
fn mad(a: &[u8], b: &[u8], w: usize, keep: impl Fn(usize, usize) -> bool) -> f64 {
    let (mut sum, mut n) = (0u64, 0u64);
    for (i, (&p, &q)) in a.iter().zip(b).enumerate() {
        if keep(i % w, i / w) {
            sum += (p as i64 - q as i64).unsigned_abs();
            n += 1;
        }
    }
    sum as f64 / n.max(1) as f64
}

#[test]
fn replay_repeats_the_moment_at_half_speed_muted_with_a_tag() {
    let dir = workdir();
    let clip = pattern_clip(dir.path(), 6);
    let reel = dir.path().join("reel.mp4");
    let args = [
        s(&clip),
        "--went-wrong",
        "Oops",
        "--went-wrong-at",
        "3",
        "--went-wrong-until",
        "4",
        "--lesson",
        "Slow down",
        "--replay",
        "--encoder-preset",
        "ultrafast",
    ];
    let plan = dry_plans(&args).remove(0);
    let r = &plan["replay"];
    assert_eq!(r["moment_from"], "went_wrong_card");
    // 1.5 s (45 frames at 30 fps) centred on the moment at 3 s (frame 90).
    assert_eq!(r["source_frames"], 45);
    assert_eq!(r["first_source_frame"], 90 - 22);
    assert_eq!(r["first_frame"], 180);
    assert_eq!(r["frames"], 90);
    assert_eq!(r["speed"], 0.5);
    // The lesson card, at the end, lasts through the replay.
    let overlays = plan["overlays"].as_array().unwrap();
    let lesson = overlays
        .iter()
        .find(|c| c["role"] == "lesson")
        .expect("a lesson card");
    assert_eq!(lesson["until"], 9_000_000);

    let mut render = args.to_vec();
    render.extend(["-o", s(&reel), "-q"]);
    let mut full = vec!["render"];
    full.extend(render);
    failreel_ok(&full);

    // Length: trim + 3 s, video and audio equal within a frame.
    let p = ffprobe(&reel, &[]);
    let vdur = num(&stream(&p, "video")["duration"]);
    let adur = num(&stream(&p, "audio")["duration"]);
    assert!((vdur - 9.0).abs() < 0.034, "video {vdur}");
    assert!((adur - vdur).abs() < 0.034, "audio {adur} vs video {vdur}");

    let (w, _, frames) = small_frames(&reel);
    assert_eq!(frames.len(), 270);
    let tag_overlay = overlays
        .iter()
        .find(|o| o["role"] == "replay_tag")
        .expect("the replay's tag");
    let tag = small_rect(&tag_overlay["rect"], 2);
    let cards: Vec<_> = overlays
        .iter()
        .filter(|o| o["role"] == "went_wrong" || o["role"] == "lesson")
        .map(|c| small_rect(&c["rect"], 2))
        .collect();
    let clear = |x: usize, y: usize| !inside(tag, x, y) && !cards.iter().any(|&c| inside(c, x, y));
    let mut worst: f64 = 0.0;
    let mut wrong_speed: f64 = 0.0;
    let mut tag_least = f64::MAX;
    for k in 0..90usize {
        let replayed = &frames[180 + k];
        let source = &frames[68 + k / 2];
        let d = mad(replayed, source, w, clear);
        worst = worst.max(d);
        if k >= 40 {
            // Full speed would show frame 68 + k: far from what is shown.
            wrong_speed = wrong_speed.max(mad(replayed, &frames[68 + k], w, clear));
        }
        // The tag is drawn over the replay.
        let t = mad(replayed, source, w, |x, y| {
            inside(small_rect(&tag_overlay["rect"], 0), x, y)
        });
        tag_least = tag_least.min(t);
        assert!(
            t > 8.0,
            "replay frame {k}: the tag region differs by only {t:.2}"
        );
    }
    assert!(
        worst < 3.0,
        "a replay frame differs from its source frame by {worst:.2}"
    );
    assert!(
        wrong_speed > 4.0 * worst.max(0.5),
        "the pattern must move enough to tell speeds apart ({wrong_speed:.2} vs {worst:.2})"
    );

    // Sound in the main part, silence through the replay.
    let a = audio_mono(&reel);
    eprintln!(
        "replay vs source frames: worst {worst:.2}; vs full speed {wrong_speed:.2}; tag region {tag_least:.2}; rms main {:.4}, replay {:.2e}",
        rms(&a, 0.5, 5.5),
        rms(&a, 6.05, 8.95)
    );
    assert!(
        rms(&a, 0.5, 5.5) > 0.05,
        "the tone is there before the replay"
    );
    let quiet = rms(&a, 6.05, 8.95);
    assert!(quiet < 1e-4, "the replay is muted (rms {quiet})");
}

#[test]
fn replay_in_the_plan_only_when_asked_and_from_a_manifest() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "grey.mp4", 8.0, 30);
    // Without --replay: no replay in the plan.
    let plain = dry_plans(&[s(&clip), "--went-wrong", "Oops"]).remove(0);
    assert!(plain.get("replay").is_none(), "{plain}");
    // Without a went-wrong card or a detected moment: the middle, with a warning.
    let middle = dry_plans(&[s(&clip), "--replay"]).remove(0);
    assert_eq!(middle["replay"]["moment_from"], "middle");
    assert_eq!(middle["replay"]["moment"], 4_000_000);
    assert_eq!(middle["replay"]["source_from"], 3_266_666);
    assert!(
        middle["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("middle of the reel is replayed")),
        "{middle}"
    );
    // A moment near the start: the range is shifted to lie inside the footage.
    let early = dry_plans(&[
        s(&clip),
        "--replay",
        "--went-wrong",
        "x",
        "--went-wrong-at",
        "0.2",
    ])
    .remove(0);
    assert_eq!(early["replay"]["first_source_frame"], 0);
    let late = dry_plans(&[
        s(&clip),
        "--replay",
        "--went-wrong",
        "x",
        "--went-wrong-at",
        "7.9",
        "--went-wrong-until",
        "8",
    ])
    .remove(0);
    assert_eq!(late["replay"]["first_source_frame"], 240 - 45);
    assert_eq!(late["replay"]["source_to"], 8_000_000);
    // The manifest key.
    let manifest = dir.path().join("week.toml");
    std::fs::write(
        &manifest,
        "replay = true\n[[clip]]\ninput = \"grey.mp4\"\nwent_wrong = \"Oops\"\nwent_wrong_at = 2\n",
    )
    .unwrap();
    let from_manifest = dry_plans(&["--manifest", s(&manifest)]).remove(0);
    assert_eq!(from_manifest["replay"]["moment"], 2_000_000);
    assert_eq!(from_manifest["replay"]["frames"], 90);
}

#[test]
fn the_reel_respects_the_preset_max_length_after_its_replay() {
    // Issue 24: a 5 s-max preset with --replay gave an 8 s reel, a stories part 62 s; the
    // length warnings did not count the replay.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(8);
    let five = tiny_preset(d, "five", "tiktok", "[length]\nmin_s = 1\nmax_s = 5\n");
    let o = failreel_exit(
        &[
            "render",
            s(&clip),
            "-p",
            s(&five),
            "--replay",
            "--went-wrong",
            "Oops",
            "--went-wrong-at",
            "1",
            "-o",
            s(&d.join("r.mp4")),
            "--dry-run",
            "--json",
        ],
        0,
    );
    let plan = json_lines(&o.stdout)
        .into_iter()
        .find(|v| v["event"] == "plan")
        .expect("a plan")["plan"]
        .clone();
    let whole =
        plan["video"]["frames"].as_u64().unwrap() + plan["replay"]["frames"].as_u64().unwrap();
    assert!(
        (140..=150).contains(&whole),
        "{whole} frames at 30 fps under 5 s"
    );
    let text = all_text(&o);
    assert!(
        text.contains("with its") && text.contains("replay"),
        "{text}"
    );

    // Stories parts: each part as written holds its replay inside the limit; the replay is
    // on the part with the fail only.
    let st = tiny_preset(d, "st5", "stories", "[length]\nmin_s = 1\nmax_s = 5\n");
    let out = d.join("parts");
    let plans: Vec<Value> = plan_lines(&[
        "render",
        s(&clip),
        "-p",
        s(&st),
        "--replay",
        "--went-wrong",
        "Oops",
        "--went-wrong-at",
        "6",
        "--out-dir",
        s(&out),
        "--dry-run",
        "--json",
    ])
    .into_iter()
    .map(|v| v["plan"].clone())
    .collect();
    assert!(plans.len() >= 2, "{} parts", plans.len());
    let mut with_replay = 0;
    for p in &plans {
        let replay = p["replay"]["frames"].as_u64().unwrap_or(0);
        with_replay += usize::from(replay > 0);
        let whole = p["video"]["frames"].as_u64().unwrap() + replay;
        assert!(whole <= 150, "a part of {whole} frames");
    }
    assert_eq!(with_replay, 1);
}

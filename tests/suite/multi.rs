//! Several presets in one run (`--preset tiktok,reels,shorts`, a manifest's list): one reel
//! per preset, each with its own safe zone, name, plan and up-to-date check.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const FAST: [&str; 2] = ["--encoder-preset", "ultrafast"];

fn status_of<'a>(lines: &'a [Value], output_suffix: &str) -> &'a str {
    lines
        .iter()
        .filter(|l| l.get("status").is_some())
        .find(|r| r["output"].as_str().unwrap().ends_with(output_suffix))
        .unwrap_or_else(|| panic!("no result for {output_suffix}: {lines:?}"))["status"]
        .as_str()
        .unwrap()
}

/// `ffmpeg -f framemd5` of the chosen streams (`0:v` or `0:a`): one line per frame.
fn framemd5(path: &Path, map: &str) -> Vec<String> {
    md5_lines(path, &["-map", map])
}

/// `ffmpeg -c copy -f framemd5` of the video stream: the hashes of the encoded packets.
fn packet_md5(path: &Path) -> Vec<String> {
    md5_lines(path, &["-map", "0:v", "-c", "copy"])
}

/// The frame lines of `ffmpeg -i PATH OPTS -f framemd5 -`.
fn md5_lines(path: &Path, opts: &[&str]) -> Vec<String> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-i", s(path)])
        .args(opts)
        .args(["-f", "framemd5", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// (top, bottom, left, right) of a built-in preset's safe zone, from `failreel presets show`.
fn safe_zone(preset: &str) -> (usize, usize, usize, usize) {
    let r = failreel(&["presets", "show", preset]);
    assert!(r.status.success());
    let text = String::from_utf8(r.stdout).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    let z = |k: &str| v["safe_zone"][k].as_integer().unwrap() as usize;
    (z("top"), z("bottom"), z("left"), z("right"))
}

const CARDS: [&str; 4] = [
    "--went-wrong",
    "Oil was smoking before the garlic went in",
    "--lesson",
    "Heat the pan on medium, not high, and wait",
];

#[test]
fn three_presets_in_one_run_give_three_reels_with_cards_in_each_own_safe_zone() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 1.5, 30);
    let outs = d.join("out");
    let mut args = vec![
        "render",
        s(&clip),
        "--preset",
        "tiktok,reels,shorts",
        "--out-dir",
        s(&outs),
    ];
    args.extend_from_slice(&FAST);
    args.extend_from_slice(&CARDS);
    failreel_ok(&args);
    assert_eq!(
        list(&outs),
        vec!["clip.reels.mp4", "clip.shorts.mp4", "clip.tiktok.mp4"]
    );
    let mut lowest_card_row = Vec::new();
    for preset in ["tiktok", "reels", "shorts"] {
        let out = outs.join(format!("clip.{preset}.mp4"));
        let (w, h, frames) = luma_frames(&out);
        assert_eq!((w, h, frames.len()), (1080, 1920, 45));
        let zone = safe_zone(preset);
        // The last frame shows both cards (their animations are over).
        let f = frames.last().unwrap();
        let grey = mean_rect(f, w, 0, 0, 20, 20);
        let (inside, outside) = card_diffs(f, w, h, grey, zone);
        assert!(
            inside > 60.0,
            "{preset}: no card inside its safe zone ({inside})"
        );
        assert!(
            outside <= 6.0,
            "{preset}: drew outside its own safe zone ({outside})"
        );
        let lowest = (0..h)
            .rev()
            .find(|&y| {
                (0..w)
                    .step_by(2)
                    .any(|x| (f[y * w + x] as f64 - grey).abs() > 30.0)
            })
            .unwrap();
        lowest_card_row.push(lowest);
    }
    // Each reel was laid out for its own preset: tiktok's bottom band (460 px) is narrower
    // than reels' and shorts' (672 px), so its lesson card sits lower than theirs could.
    assert!(
        lowest_card_row[0] >= 1920 - 672,
        "tiktok's lesson card ends at row {}",
        lowest_card_row[0]
    );
    assert!(lowest_card_row[1] < 1920 - 672 && lowest_card_row[2] < 1920 - 672);
}

#[test]
fn output_needs_a_preset_placeholder_for_several_presets() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 1.0, 30);
    let plain = d.join("fail.mp4");
    let r = failreel(&[
        "render",
        s(&clip),
        "-p",
        "tiktok,reels",
        "-o",
        s(&plain),
        "--dry-run",
    ]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("{preset}"), "{err}");
    assert!(!plain.exists());
    // An empty name in the list is a usage error too.
    failreel_exit(&["render", s(&clip), "-p", "tiktok,,reels", "--dry-run"], 2);
    // With the placeholder, each reel is named after its preset; --dry-run plans each.
    let pattern = d.join("fail.{preset}.mp4");
    let r = failreel_exit(
        &[
            "render",
            s(&clip),
            "-p",
            "tiktok,everywhere",
            "-o",
            s(&pattern),
            "--dry-run",
            "--json",
        ],
        0,
    );
    let lines = json_lines(&r.stdout);
    let plans: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "plan")
        .map(|l| l["output"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(plans.len(), 2, "{lines:?}");
    assert!(
        plans.iter().any(|p| p.ends_with("fail.tiktok.mp4")),
        "{plans:?}"
    );
    assert!(
        plans.iter().any(|p| p.ends_with("fail.everywhere.mp4")),
        "{plans:?}"
    );
}

#[test]
fn a_reel_rendered_alone_is_the_same_as_from_a_multi_preset_run_and_resume_is_per_output() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 1.0, 30);
    // A manifest with a list of presets.
    let manifest = d.join("week.toml");
    std::fs::write(
        &manifest,
        "preset = [\"reels\", \"shorts\"]\nencoder_preset = \"ultrafast\"\n\n[[clip]]\ninput = \"clip.mp4\"\nwent_wrong = \"Too hot\"\n",
    )
    .unwrap();
    let r = failreel_exit(&["render", "--manifest", s(&manifest), "--json"], 0);
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "clip.reels.mp4"), "ok");
    assert_eq!(status_of(&lines, "clip.shorts.mp4"), "ok");
    // The two reels of one clip share its `input`: each started, pass and progress line says
    // which reel it is (`index`, and progress its `output`, as started names it).
    let started: std::collections::HashMap<u64, &Value> = lines
        .iter()
        .filter(|l| l["event"] == "started")
        .map(|l| {
            (
                l["index"].as_u64().expect("started has an index"),
                &l["output"],
            )
        })
        .collect();
    assert_eq!(started.len(), 2, "{lines:?}");
    let progress: Vec<&Value> = lines.iter().filter(|l| l["event"] == "progress").collect();
    assert!(!progress.is_empty(), "{lines:?}");
    let passes = lines.iter().filter(|l| l["event"] == "pass");
    for l in progress.into_iter().chain(passes) {
        let index = l["index"]
            .as_u64()
            .unwrap_or_else(|| panic!("no index: {l}"));
        assert_eq!(&l["output"], started[&index], "{l}");
    }
    let reels = d.join("reels/clip.reels.mp4");
    let shorts = d.join("reels/clip.shorts.mp4");

    // The same preset alone gives the same pictures and sound.
    let alone = d.join("alone.mp4");
    failreel_ok(&[
        "render",
        s(&clip),
        "-p",
        "shorts",
        "-o",
        s(&alone),
        "--went-wrong",
        "Too hot",
        "--encoder-preset",
        "ultrafast",
    ]);
    assert_eq!(framemd5(&alone, "0:v"), framemd5(&shorts, "0:v"));
    assert_eq!(framemd5(&alone, "0:a"), framemd5(&shorts, "0:a"));
    // Shorts' audio is 256 kbps, reels' 192: the two reels are not one file copied.
    assert_ne!(framemd5(&reels, "0:a"), framemd5(&shorts, "0:a"));

    // Resume: both up to date are skipped; a deleted one is rendered again, alone.
    let before = std::fs::read(&reels).unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest), "--json"]);
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "clip.reels.mp4"), "skipped");
    assert_eq!(status_of(&lines, "clip.shorts.mp4"), "skipped");
    std::fs::remove_file(&shorts).unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest), "--json"]);
    assert_eq!(r.status.code(), Some(0));
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "clip.reels.mp4"), "skipped");
    assert_eq!(status_of(&lines, "clip.shorts.mp4"), "ok");
    assert_eq!(framemd5(&shorts, "0:v"), framemd5(&alone, "0:v"));
    assert_eq!(std::fs::read(&reels).unwrap(), before);
}

#[test]
fn a_manifest_preset_list_must_hold_names() {
    let dir = workdir();
    let d = dir.path();
    grey_clip(d, "clip.mp4", 1.0, 30);
    for bad in ["[]", "[\"tiktok\", 3]", "[\"\"]"] {
        let manifest = d.join("bad.toml");
        std::fs::write(
            &manifest,
            format!("preset = {bad}\n[[clip]]\ninput = \"clip.mp4\"\n"),
        )
        .unwrap();
        let r = failreel(&["render", "--manifest", s(&manifest), "--dry-run"]);
        assert_eq!(
            r.status.code(),
            Some(2),
            "{bad}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("bad.toml:1"), "{bad}: {err}");
    }
}

/// A moving 1280x720 30 fps clip with a tone, `secs` long (pictures and sound that change
/// every frame, so equal framemd5 means equal content, not two blank reels).
fn moving_clip(dir: &Path, secs: f64) -> std::path::PathBuf {
    Fixture::picture_with_tone("testsrc2", (1280, 720), 330, 44100, secs)
        .write(&dir.join("moving.mp4"))
}

/// `render CLIP -p tiktok,reels,shorts --out-dir OUTS --json`, encoded fast, with both cards.
fn three_presets_with_cards<'a>(clip: &'a Path, outs: &'a Path) -> Vec<&'a str> {
    let mut args = vec![
        "render",
        s(clip),
        "-p",
        "tiktok,reels,shorts",
        "--out-dir",
        s(outs),
        "--json",
    ];
    args.extend_from_slice(&FAST);
    args.extend_from_slice(&CARDS);
    args
}

/// The reels of one pass are their presets' reels: the same frames and sound as each preset
/// rendered alone, and each its own cards. Not bit for bit: three x264s side by side share
/// the cores one would have (fewer frame threads each), and x264's output depends on its
/// thread count.
#[test]
fn three_presets_from_one_decode_are_each_their_preset_rendered_alone() {
    let dir = workdir();
    let d = dir.path();
    let clip = moving_clip(d, 1.5);
    let outs = d.join("multi");
    let args = three_presets_with_cards(&clip, &outs);
    let r = failreel_exit(&args, 0);
    let lines = json_lines(&r.stdout);
    let presets = ["tiktok", "reels", "shorts"];
    let mut alone = Vec::new();
    for preset in presets {
        assert_eq!(status_of(&lines, &format!("moving.{preset}.mp4")), "ok");
        let path = d.join(format!("alone.{preset}.mp4"));
        let mut one = vec!["render", s(&clip), "-p", preset, "-o", s(&path)];
        one.extend_from_slice(&FAST);
        one.extend_from_slice(&CARDS);
        failreel_ok(&one);
        alone.push(path);
    }
    let mut videos = Vec::new();
    for (i, preset) in presets.iter().enumerate() {
        let multi = outs.join(format!("moving.{preset}.mp4"));
        let v = framemd5(&multi, "0:v");
        assert_eq!(v.len(), 45, "{preset}");
        assert_eq!(v.len(), framemd5(&alone[i], "0:v").len(), "{preset}");
        assert_eq!(
            framemd5(&multi, "0:a"),
            framemd5(&alone[i], "0:a"),
            "{preset}: sound differs"
        );
        // Its own preset's picture (within x264's noise), not another's cards.
        let own = psnr(&multi, &alone[i]);
        assert!(
            own >= 40.0,
            "{preset}: PSNR {own:.1} dB against itself alone"
        );
        for (j, other) in presets.iter().enumerate().filter(|&(j, _)| j != i) {
            let theirs = psnr(&multi, &alone[j]);
            assert!(
                own >= theirs + 3.0,
                "{preset}: {own:.1} dB against itself alone, {theirs:.1} dB against {other}"
            );
        }
        videos.push(v);
    }
    // Each reel has its own cards (its own safe zone): three different pictures.
    assert_ne!(videos[0], videos[1]);
    assert_ne!(videos[1], videos[2]);
    assert_ne!(videos[0], videos[2]);
}

#[test]
fn identical_pictures_share_one_encode_and_the_dry_run_says_which() {
    let dir = workdir();
    let d = dir.path();
    let clip = moving_clip(d, 1.0);
    let outs = d.join("out");
    let base = [
        "render",
        s(&clip),
        "-p",
        "tiktok,reels,shorts",
        "--out-dir",
        s(&outs),
    ];
    let shared = |extra: &[&str]| -> Vec<Value> {
        let mut args = base.to_vec();
        args.extend_from_slice(&["--dry-run", "--json"]);
        args.extend_from_slice(extra);
        let r = failreel(&args);
        assert_eq!(r.status.code(), Some(0));
        let lines = json_lines(&r.stdout);
        let plans: Vec<Value> = lines
            .iter()
            .filter(|l| l["event"] == "plan")
            .map(|l| l["shared"].clone())
            .collect();
        assert_eq!(plans.len(), 3, "{lines:?}");
        plans
    };
    // Without cards the three pictures are the same: one decode, one video encode; tiktok and
    // reels take 192 kbps AAC, shorts 256: two audio encodes.
    let keys = shared(&[]);
    assert!(
        keys.iter().all(|k| k["decode"] == keys[0]["decode"]),
        "{keys:?}"
    );
    assert!(
        keys.iter().all(|k| k["video"] == keys[0]["video"]),
        "{keys:?}"
    );
    assert_eq!(keys[0]["audio"], keys[1]["audio"]);
    assert_ne!(keys[0]["audio"], keys[2]["audio"]);
    // With cards each preset's safe zone gives its own picture, still from one decode.
    let keys = shared(&CARDS);
    assert!(
        keys.iter().all(|k| k["decode"] == keys[0]["decode"]),
        "{keys:?}"
    );
    assert_ne!(keys[0]["video"], keys[1]["video"]);
    assert_ne!(keys[1]["video"], keys[2]["video"]);
    // A different trim is a different decode (separate runs).
    let mut args = vec!["render", s(&clip), "-p", "tiktok", "--end", "0.5"];
    args.extend_from_slice(&["--dry-run", "--json"]);
    let r = failreel(&args);
    let lines = json_lines(&r.stdout);
    let trimmed = lines.iter().find(|l| l["event"] == "plan").unwrap();
    assert_ne!(trimmed["shared"]["decode"], keys[0]["decode"]);

    // Rendered: the shared encode's packets are in all three files, the sound differs.
    let mut args = base.to_vec();
    args.extend_from_slice(&FAST);
    failreel_ok(&args);
    let p: Vec<Vec<String>> = ["tiktok", "reels", "shorts"]
        .iter()
        .map(|n| packet_md5(&outs.join(format!("moving.{n}.mp4"))))
        .collect();
    assert_eq!(p[0].len(), 30);
    assert_eq!(p[0], p[1]);
    assert_eq!(p[0], p[2]);
    let a: Vec<Vec<String>> = ["tiktok", "reels", "shorts"]
        .iter()
        .map(|n| framemd5(&outs.join(format!("moving.{n}.mp4")), "0:a"))
        .collect();
    assert_eq!(a[0], a[1]);
    assert_ne!(a[0], a[2]);
}

#[test]
fn one_output_that_cannot_be_written_lets_the_others_of_its_decode_land() {
    let dir = workdir();
    let d = dir.path();
    let clip = moving_clip(d, 1.0);
    let outs = d.join("out");
    std::fs::create_dir_all(&outs).unwrap();
    // A file failreel did not write where reels' reel goes, and shorts' reel locked by
    // "another failreel" (this test holds its lock): both fail, tiktok still lands.
    let foreign = outs.join("moving.reels.mp4");
    std::fs::write(&foreign, b"my own notes").unwrap();
    let lock = std::fs::File::create(outs.join(".moving.shorts.mp4.failreel.lock")).unwrap();
    lock.try_lock().unwrap();
    let args = three_presets_with_cards(&clip, &outs);
    let r = failreel_exit(&args, 1);
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "moving.tiktok.mp4"), "ok");
    assert_eq!(status_of(&lines, "moving.reels.mp4"), "failed");
    assert_eq!(status_of(&lines, "moving.shorts.mp4"), "failed");
    assert_eq!(std::fs::read(&foreign).unwrap(), b"my own notes");
    assert!(!outs.join("moving.shorts.mp4").exists());
    let (w, h, frames) = luma_frames(&outs.join("moving.tiktok.mp4"));
    assert_eq!((w, h, frames.len()), (1080, 1920, 30));

    // Freed, the run renders only what is missing; then everything is up to date.
    drop(lock);
    let r = failreel(&args);
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "moving.tiktok.mp4"), "skipped");
    assert_eq!(status_of(&lines, "moving.shorts.mp4"), "ok");
    assert_eq!(status_of(&lines, "moving.reels.mp4"), "failed");
    std::fs::remove_file(&foreign).unwrap();
    let r = failreel(&args);
    let lines = json_lines(&r.stdout);
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(status_of(&lines, "moving.tiktok.mp4"), "skipped");
    assert_eq!(status_of(&lines, "moving.shorts.mp4"), "skipped");
    assert_eq!(status_of(&lines, "moving.reels.mp4"), "ok");
    let r = failreel(&args);
    assert!(json_lines(&r.stdout)
        .iter()
        .filter(|l| l.get("status").is_some())
        .all(|l| l["status"] == "skipped"));
}

#[test]
fn the_handle_is_drawn_inside_every_platforms_safe_zone() {
    let dir = workdir();
    let d = dir.path();
    let clip = Fixture::new()
        .lavfi("testsrc2=s=640x360:r=30")
        .secs("0.2")
        .write(&d.join("pattern.mp4"));
    let presets = "tiktok,reels,shorts,everywhere,stories";
    let run = |out: &str, extra: &[&str]| {
        let mut a = vec![
            "render",
            s(&clip),
            "--preset",
            presets,
            "--focus",
            "center",
            "--went-wrong",
            "The pan was far too hot for butter",
            "--lesson",
            "Medium heat",
            "--out-dir",
            out,
        ];
        a.extend_from_slice(&FAST);
        a.extend_from_slice(extra);
        let mut dry = a.clone();
        dry.extend(["--dry-run", "--json"]);
        failreel_ok(&a);
        plan_lines(&dry)
    };
    let with = d.join("with");
    let without = d.join("without");
    let plans = run(s(&with), &["--handle", "@kitchenfails"]);
    run(s(&without), &[]);
    assert_eq!(plans.len(), 5);
    for line in &plans {
        let plan = &line["plan"];
        let name = plan["outputs"][0]["preset"].as_str().unwrap();
        let zone = &plan["safe_zone"];
        let (w, h) = (
            plan["video"]["width"].as_u64().unwrap() as usize,
            plan["video"]["height"].as_u64().unwrap() as usize,
        );
        let z = |k: &str| zone[k].as_u64().unwrap() as usize;
        let overlays = plan["overlays"].as_array().unwrap();
        let handle = overlays.iter().find(|o| o["role"] == "handle").unwrap();
        let r = rect(&handle["rect"]);
        assert!(
            r.0 >= z("left") && r.1 >= z("top") && r.2 <= w - z("right") && r.3 <= h - z("bottom"),
            "{name}: the handle {r:?} leaves the safe zone {zone}"
        );
        for o in overlays.iter().filter(|o| o["role"] != "handle") {
            let c = rect(&o["rect"]);
            let apart = r.2 <= c.0 || c.2 <= r.0 || r.3 <= c.1 || c.3 <= r.1;
            assert!(
                apart,
                "{name}: the handle {r:?} is on the {} {c:?}",
                o["role"]
            );
        }
        // Decoded: the handle's rectangle is drawn on every frame, nothing else changed.
        let file = format!("pattern.{name}.mp4");
        let (_, _, a) = luma_frames(&with.join(&file));
        let (_, _, b) = luma_frames(&without.join(&file));
        assert_eq!(a.len(), b.len());
        for (k, (fa, fb)) in a.iter().zip(&b).enumerate() {
            let (mut inside, mut outside, mut n_in, mut n_out) = (0u64, 0u64, 0u64, 0u64);
            for (i, (pa, pb)) in fa.iter().zip(fb).enumerate() {
                let (x, y) = (i % w, i / w);
                let diff = pa.abs_diff(*pb) as u64;
                if x >= r.0 && x < r.2 && y >= r.1 && y < r.3 {
                    inside += diff;
                    n_in += 1;
                } else if x + 8 < r.0 || x > r.2 + 8 || y + 8 < r.1 || y > r.3 + 8 {
                    outside += diff;
                    n_out += 1;
                }
            }
            let (inside, outside) = (inside as f64 / n_in as f64, outside as f64 / n_out as f64);
            assert!(
                inside > 8.0,
                "{name} frame {k}: the handle is not drawn ({inside:.2})"
            );
            assert!(
                outside < 1.5,
                "{name} frame {k}: more than the handle changed ({outside:.2})"
            );
        }
    }
}

#[test]
fn a_double_ctrl_c_cancels_every_reel_of_a_shared_decode_none_failed() {
    // Two presets from one decode: the second Ctrl-C cancelled the pass, and the reel that
    // carried the error was "cancelled" while the other said "failed: …: cancelled". Each
    // reel of the pass is cancelled now, nothing failed, nothing left. Cost: runs until the
    // first temporary appears (fixed focus, no normalisation), ~0.5 s.
    let dir = workdir();
    let d = dir.path();
    let a = grey_clip(d, "a.mp4", 12.0, 30);
    let out_dir = d.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let args = [
        "render",
        s(&a),
        "-p",
        "tiktok,reels",
        "--encoder-preset",
        "medium",
        "--focus",
        "center",
        "--no-normalize",
        "--json",
        "--out-dir",
        s(&out_dir),
    ];
    let o = signalled_once_writing(&args, &out_dir, &["INT", "INT"]);
    assert_cancelled(&o, 2, &out_dir);
}

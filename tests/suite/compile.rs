//! `failreel compile`: a title card, numbered parts, crossfades, continuous sound, one length
//! rule. Asserted on decoded output.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A 640x360 30 fps `color` picture of `secs` seconds, with a `tone` sine (48 kHz) when given.
fn clip(dir: &Path, name: &str, color: &str, secs: f64, tone: Option<u32>) -> PathBuf {
    let mut fixture = Fixture::new().lavfi(&format!("color=c={color}:s=640x360:r=30"));
    if let Some(f) = tone {
        fixture = fixture
            .lavfi(&format!("sine=frequency={f}:sample_rate=48000"))
            .opts(&["-shortest"]);
    }
    fixture.secs(secs).write(&dir.join(name))
}

#[test]
fn compilation_has_title_numbers_crossfades_and_continuous_sound() {
    let dir = workdir();
    let d = dir.path();
    let a = clip(d, "a.mp4", "0x808080", 4.0, Some(440));
    let b = clip(d, "b.mp4", "0x808080", 3.0, None);
    let c = clip(d, "c.mp4", "0x808080", 6.0, Some(660));
    let out = d.join("friday.mp4");
    let common = [s(&a), s(&b), s(&c), "--title", "Fail Friday", "-o", s(&out)];
    // The plan: where the title and numbers go.
    let mut dry = vec!["compile"];
    dry.extend(common);
    dry.extend(["--dry-run", "--json"]);
    let o = failreel(&dry);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // JSON Lines like `render`'s: warnings, then the plan.
    let lines = json_lines(&o.stdout);
    let line = lines
        .iter()
        .find(|l| l["event"] == "plan")
        .expect("a plan line");
    let plan = &line["plan"];
    assert_eq!(plan["title_frames"], 75);
    assert_eq!(plan["transition_frames"], 12);
    let title = rect(&plan["title_card"]["rect"]);
    let numbers: Vec<_> = plan["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let c: Vec<&Value> = p["overlays"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["role"] == "number")
                .collect();
            assert_eq!(c.len(), 1);
            (
                c[0]["text"].as_str().unwrap().to_string(),
                rect(&c[0]["rect"]),
            )
        })
        .collect();
    assert_eq!(numbers[2].0, "#3");

    let mut args = vec!["compile"];
    args.extend(common);
    failreel_ok(&args);
    assert!(
        !d.join(".friday.mp4.failreel-parts").exists(),
        "intermediates removed"
    );
    // Title 2.5 s + 4 + 3 + 6 − three 0.4 s transitions = 14.3 s, picture and sound alike.
    let (w, _, frames) = luma_frames(&out);
    assert_eq!(frames.len(), 429);
    let sound = audio_mono(&out);
    let secs = sound.len() as f64 / 48000.0;
    assert!((secs - 14.3).abs() < 0.03, "audio {secs} s");
    // Title drawn on the plain background (Y 33), and gone from the parts.
    assert!(max_dev(&frames[30], w, title, 33) > 80, "title drawn");
    // Parts start at frames 63, 171, 249 (each overlaps the one before by 12).
    for (k, at) in [(0usize, 100usize), (1, 200), (2, 300)] {
        let r = numbers[k].1;
        assert!(
            max_dev(&frames[at], w, r, 126) > 60,
            "#{} drawn at frame {at}",
            k + 1
        );
    }
    // The background of a part is the clip's grey; the crossfade from the title passes
    // through the middle.
    let mid = mean_rect(&frames[69], w, 0, 0, 40, 40);
    assert!(mid > 45.0 && mid < 115.0, "crossfade at frame 69: {mid}");
    // Sound: silence on the title and through the clip without audio, the tone elsewhere
    // with no gap.
    assert!(rms(&sound, 0.2, 2.0) < 0.001);
    let mut t = 2.6;
    while t < 5.6 {
        assert!(rms(&sound, t, t + 0.1) > 0.05, "sound at {t:.1} s");
        t += 0.1;
    }
    assert!(rms(&sound, 6.2, 8.2) < 0.001, "b has no audio: silence");
    let mut t = 8.8;
    while t < 14.1 {
        assert!(rms(&sound, t, t + 0.1) > 0.05, "sound at {t:.1} s");
        t += 0.1;
    }
    // Both tones at the same loudness (each part normalised to the same target).
    let (la, lc) = (rms(&sound, 3.0, 5.0), rms(&sound, 10.0, 13.0));
    assert!((20.0 * (la / lc).log10()).abs() < 1.0, "{la} vs {lc}");
}

#[test]
fn a_compilation_longer_than_the_preset_is_refused_with_the_excess() {
    let dir = workdir();
    let d = dir.path();
    let a = clip(d, "a.mp4", "red", 5.0, None);
    let b = clip(d, "b.mp4", "blue", 5.0, None);
    let preset = d.join("short.toml");
    std::fs::write(
        &preset,
        "base = \"tiktok\"\nname = \"short\"\n[length]\nmin_s = 1\nmax_s = 10\n",
    )
    .unwrap();
    let out = d.join("o.mp4");
    let o = failreel(&["compile", s(&a), s(&b), "-p", s(&preset), "-o", s(&out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // 2.5 + 5 + 5 − 0.8 = 11.7 s: 1.7 s too long.
    assert!(
        err.contains("11.7 s, 1.7 s longer than short allows (10 s)"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn compile_honours_start_auto_and_replay_per_part_and_takes_one_clip_twice() {
    // Issue 23: `compile a a --start auto --replay` used to exit 0 with both clips whole, no
    // replay, and refused the same clip twice.
    let dir = workdir();
    let d = dir.path();
    let bang = bang_clip(
        &d.join("bang.mp4"),
        "anoisesrc=c=pink:a=0.02:r=48000:seed=3",
        "testsrc2=s=640x360:r=30",
        12,
        7000,
    );
    let out = d.join("twice.mp4");
    let common = [
        s(&bang),
        s(&bang),
        "--start",
        "auto",
        "--replay",
        "-o",
        s(&out),
    ];
    let mut dry = vec!["compile"];
    dry.extend(common);
    dry.extend(["--dry-run", "--json"]);
    let o = failreel(&dry);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = json_lines(&o.stdout);
    let plan = &lines.iter().find(|l| l["event"] == "plan").unwrap()["plan"];
    let parts = plan["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    for p in parts {
        let moment = p["auto_start"]["moment_s"].as_f64().expect("a moment");
        assert!((moment - 7.0).abs() < 0.2, "moment {moment}");
        // Cut around the moment (10 s of the 12, at least 1.5 s before it), not the whole
        // clip.
        let start = p["segments"][0]["trim"]["start"].as_i64().unwrap() as f64 / 1e6;
        assert!(start > 0.5 && start <= moment - 1.5, "trim start {start}");
        assert!(p["replay"].is_object(), "the replay is planned");
    }
    let frames = plan["frames"].as_u64().unwrap();
    failreel_ok(&[
        "compile",
        s(&bang),
        s(&bang),
        "--start",
        "auto",
        "--replay",
        "-o",
        s(&out),
    ]);
    let (_, _, pictures) = luma_frames(&out);
    assert_eq!(
        pictures.len() as u64,
        frames,
        "the reel is the plan's length"
    );
    let sound = audio_mono(&out);
    let secs = sound.len() as f64 / 48000.0;
    assert!(
        (secs - frames as f64 / 30.0).abs() < 0.03,
        "sound {secs} s for {frames} frames"
    );
    // Each part is 3 s before the moment + its rest (5 s) + the 3 s replay: longer than the
    // part alone (8 s).
    assert!(frames > 75 + 2 * 10 * 30, "{frames} frames");
}

#[test]
fn compile_prints_its_warnings_and_strict_fails_it() {
    let dir = workdir();
    let d = dir.path();
    // 320x240 is enlarged 8x: a warning.
    let a = Fixture::new()
        .lavfi("testsrc2=s=320x240:r=30")
        .secs(2)
        .write(&d.join("small.mp4"));
    let out = d.join("small-reel.mp4");
    let o = failreel(&["compile", s(&a), s(&a), "-o", s(&out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning") && err.contains("enlarged"), "{err}");
    let strict_out = d.join("strict.mp4");
    let o = failreel(&["compile", s(&a), s(&a), "--strict", "-o", s(&strict_out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("--strict"), "{err}");
    assert!(!strict_out.exists());
}

#[test]
fn sigterm_cancels_a_compilation_and_leaves_nothing_behind() {
    let dir = workdir();
    let d = dir.path();
    let a = grey_clip(d, "a.mp4", 12.0, 30);
    let out_dir = d.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("friday.mp4");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_failreel"))
        .args([
            "compile",
            s(&a),
            s(&a),
            "--encoder-preset",
            "medium",
            "-o",
            s(&out),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while !list(&out_dir).iter().any(|n| n.ends_with(".tmp")) {
        assert!(t.elapsed().as_secs() < 60, "the compilation never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert_eq!(
        list(&out_dir),
        Vec::<String>::new(),
        "no temporary, lock or reel left"
    );
}

#[test]
fn compile_progress_shows_its_parts() {
    // Issue 24: a compilation's progress was one bar with no word of which part it was on.
    // Each part (after the title, 0) is announced as it is rendered, with the count.
    let dir = workdir();
    let d = dir.path();
    let a = small_pattern(4);
    let tiny = tiny_preset(d, "tiny", "tiktok", "");
    let out = d.join("friday.mp4");
    let o = failreel_exit(
        &[
            "compile",
            s(&a),
            s(&a),
            "--title",
            "Friday",
            "--end",
            "1.5",
            "-p",
            s(&tiny),
            "--encoder-preset",
            "ultrafast",
            "-o",
            s(&out),
            "--json",
        ],
        0,
    );
    let parts: Vec<(u64, u64)> = json_lines(&o.stdout)
        .into_iter()
        .filter(|v| v["event"] == "part")
        .map(|v| (v["part"].as_u64().unwrap(), v["parts"].as_u64().unwrap()))
        .collect();
    assert_eq!(parts, vec![(0, 2), (1, 2), (2, 2)], "{parts:?}");
    assert!(out.is_file());
}

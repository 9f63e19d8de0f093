//! `failreel compile`: a cold open on the best moment, a title over moving footage, numbered
//! parts, crossfades, continuous sound, one length rule. Asserted on decoded output.

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

/// A dry run of `compile -m manifest -o out` without the cold open or loudness passes.
fn dry_compile(manifest: &Path, out: &Path) -> std::process::Output {
    failreel(&[
        "compile",
        "-m",
        s(manifest),
        "-o",
        s(out),
        "--dry-run",
        "--no-cold-open",
        "--no-normalize",
    ])
}

#[test]
fn compilation_has_title_numbers_crossfades_and_continuous_sound() {
    let dir = workdir();
    let d = dir.path();
    let a = clip(d, "a.mp4", "0x808080", 4.0, Some(440));
    let b = clip(d, "b.mp4", "0x808080", 3.0, None);
    let c = clip(d, "c.mp4", "0x808080", 6.0, Some(660));
    let out = d.join("friday.mp4");
    // At a quarter of TikTok's size, encoded fast: the title, numbers, crossfades and sound
    // are the point, not 1080x1920.
    let preset = quarter_preset(d);
    // Without a cold open (it has its own test): the title first.
    let common = [
        s(&a),
        s(&b),
        s(&c),
        "--title",
        "Fail Friday",
        "--no-cold-open",
        "-p",
        s(&preset),
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&out),
    ];
    // The plan: where the title and numbers go.
    let mut dry = vec!["compile"];
    dry.extend(common);
    // JSON Lines like `render`'s: warnings, then the plan.
    let plan = &dry_plans(&dry).remove(0);
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
    // No cold open: the title is drawn over the first part's own picture, blurred and
    // darkened (grey 126 -> about 100), not a dark card.
    assert!(plan["cold_open"].is_null(), "{}", plan["cold_open_note"]);
    let bg = mean_rect(&frames[30], w, 0, 0, 40, 40);
    assert!(
        bg > 80.0 && bg < 120.0,
        "the title's background is footage: {bg}"
    );
    assert!(max_dev(&frames[30], w, title, bg as u8) > 80, "title drawn");
    // Parts start at frames 63, 171, 249 (each overlaps the one before by 12).
    for (k, at) in [(0usize, 100usize), (1, 200), (2, 300)] {
        let r = numbers[k].1;
        assert!(
            max_dev(&frames[at], w, r, 126) > 60,
            "#{} drawn at frame {at}",
            k + 1
        );
    }
    // The background of a part is the clip's grey, brighter than the title's.
    let part = mean_rect(&frames[100], w, 0, 0, 40, 40);
    assert!(part > bg + 10.0, "{part} after {bg}");
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
    let o = failreel(&[
        "compile",
        s(&a),
        s(&b),
        "--title",
        "Week",
        "-p",
        s(&preset),
        "-o",
        s(&out),
    ]);
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
    // At a quarter of TikTok's size, encoded fast: the trim, replay and length are the point.
    let preset = quarter_preset(d);
    let common = [
        s(&bang),
        s(&bang),
        "--start",
        "auto",
        "--replay",
        "-p",
        s(&preset),
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&out),
    ];
    let mut dry = vec!["compile"];
    dry.extend(common);
    let plan = &dry_plans(&dry).remove(0);
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
    let mut args = vec!["compile"];
    args.extend(common);
    failreel_ok(&args);
    assert_eq!(
        decoded_frames(&out) as u64,
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
    // part alone (8 s); the compilation opens on a moment (a cold open), with no title card.
    assert!(frames > 2 * 10 * 30, "{frames} frames");
    assert!(plan["cold_open"].is_object(), "a cold open");
    assert_eq!(plan["title_frames"], 0);
}

#[test]
fn compile_prints_its_warnings_and_strict_fails_it() {
    let dir = workdir();
    let d = dir.path();
    // At a quarter of TikTok's size (270x480), 160x120 is enlarged 4x: a warning.
    let preset = quarter_preset(d);
    let a = Fixture::new()
        .lavfi("testsrc2=s=160x120:r=30")
        .secs(2)
        .write(&d.join("small.mp4"));
    let out = d.join("small-reel.mp4");
    let o = failreel(&[
        "compile",
        s(&a),
        s(&a),
        "-p",
        s(&preset),
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&out),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning") && err.contains("enlarged"), "{err}");
    // The finished line names the compilation's parts, not only its first clip.
    let names = format!("rendered 2 clips: {}, {} -> ", a.display(), a.display());
    assert!(err.contains(&names), "{err}");
    // The clip is both parts: its warning is said once, not once a part.
    assert_eq!(err.matches("enlarged").count(), 1, "{err}");
    let strict_out = d.join("strict.mp4");
    let o = failreel(&[
        "compile",
        s(&a),
        s(&a),
        "-p",
        s(&preset),
        "--strict",
        "-o",
        s(&strict_out),
    ]);
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
    let args = [
        "compile",
        s(&a),
        s(&a),
        "--encoder-preset",
        "medium",
        "-o",
        s(&out),
    ];
    let o = signalled_once_writing(&args, &out_dir, &["TERM"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert_eq!(
        list(&out_dir),
        Vec::<String>::new(),
        "no temporary, lock or reel left"
    );
}

#[test]
fn a_double_ctrl_c_on_compile_is_one_outcome_interrupted_as_for_render() {
    // The second Ctrl-C cancels: compile said "error: …: cancelled", "1 failed" and
    // "interrupted" at once. It is one outcome now, as `render` says it: the reel
    // cancelled, the run interrupted, exit 130, nothing left. Cost: the compilation runs
    // until its temporary appears (no passes: fixed focus, no normalisation), ~0.5 s.
    let dir = workdir();
    let d = dir.path();
    let a = grey_clip(d, "a.mp4", 12.0, 30);
    let out_dir = d.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("friday.mp4");
    let args = [
        "compile",
        s(&a),
        s(&a),
        "--encoder-preset",
        "medium",
        "--focus",
        "center",
        "--no-normalize",
        "--json",
        "-o",
        s(&out),
    ];
    let o = signalled_once_writing(&args, &out_dir, &["INT", "INT"]);
    assert_cancelled(&o, 1, &out_dir);
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
    // Every line about the compilation names it as its result line does (its first clip as
    // `input`): `started`, `progress` and `pass` named the output file as the input, so a
    // consumer keying lines by input saw two different reels.
    let lines = json_lines(&o.stdout);
    let result = lines.iter().find(|v| v["status"] == "ok").unwrap();
    assert_eq!(result["input"], s(&a));
    for ev in ["started", "progress", "pass"] {
        let of: Vec<&Value> = lines.iter().filter(|v| v["event"] == ev).collect();
        assert!(!of.is_empty(), "no {ev} line");
        assert!(of.iter().all(|v| v["input"] == s(&a)), "{ev}: {of:?}");
    }
}

#[test]
fn a_parts_warning_names_its_clip_in_json_as_render_does() {
    // A compilation's part warnings came as {"event":"warning","message":"a.mp4: the lesson
    // card ..."} with no `input`, where render says {"input":"a.mp4","message":"the lesson
    // card ..."}. Now the same shape (the terminal line is unchanged). Cost: one dry run of
    // two cached 2 s clips, no measuring pass, ~0.1 s.
    let dir = workdir();
    let d = dir.path();
    let (a, b) = two_small_clips(d);
    let tiny = tiny_preset(d, "tiny", "tiktok", "");
    let out = d.join("c.mp4");
    let args = [
        "compile",
        s(&a),
        s(&b),
        "--lesson",
        "Lower the heat",
        "--lesson-at",
        "1.9",
        "--focus",
        "0.5",
        "--no-normalize",
        "--no-cold-open",
        "-p",
        s(&tiny),
        "-o",
        s(&out),
        "--dry-run",
    ];
    let mut json = args.to_vec();
    json.push("--json");
    let o = failreel_exit(&json, 0);
    let short: Vec<Value> = json_lines(&o.stdout)
        .into_iter()
        .filter(|v| v["event"] == "warning")
        .filter(|v| v["message"].as_str().unwrap().contains("lesson card"))
        .collect();
    let inputs: Vec<&str> = short.iter().map(|v| v["input"].as_str().unwrap()).collect();
    assert_eq!(inputs, [s(&a), s(&b)], "{short:?}");
    // The dry run's plan line is named as the result line would be (it had no `input`).
    let plan = json_lines(&o.stdout)
        .into_iter()
        .find(|v| v["event"] == "plan")
        .unwrap();
    assert_eq!(plan["input"], s(&a));
    assert_eq!(plan["parts"], serde_json::json!([s(&a), s(&b)]));
    for v in &short {
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .starts_with("the lesson card is on screen for only"),
            "{v}"
        );
    }
    // On a terminal, each still names its clip once.
    let o = failreel_exit(&args, 0);
    let err = String::from_utf8_lossy(&o.stderr);
    for c in [&a, &b] {
        let line = format!("failreel: warning: {}: the lesson card", s(c));
        assert_eq!(err.matches(&line).count(), 1, "{err}");
    }
}

/// Mean absolute difference of two w-wide grey frames outside the rectangles `skip`.
fn mad_outside(a: &[u8], b: &[u8], w: usize, skip: &[(usize, usize, usize, usize)]) -> f64 {
    let (mut sum, mut n) = (0f64, 0f64);
    for (i, (p, q)) in a.iter().zip(b).enumerate() {
        let (x, y) = (i % w, i / w);
        if skip
            .iter()
            .any(|r| x >= r.0 && x < r.2 && y >= r.1 && y < r.3)
        {
            continue;
        }
        sum += (*p as f64 - *q as f64).abs();
        n += 1.0;
    }
    sum / n.max(1.0)
}

/// Variance of the 4-neighbour Laplacian of a w x h grey frame (how much fine detail),
/// outside the rectangle `skip`.
fn detail(f: &[u8], w: usize, h: usize, skip: (usize, usize, usize, usize)) -> f64 {
    let (mut s, mut q, mut n) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            if x + 4 >= skip.0 && x < skip.2 + 4 && y + 4 >= skip.1 && y < skip.3 + 4 {
                continue;
            }
            let l = f[(y - 1) * w + x] as f64
                + f[(y + 1) * w + x] as f64
                + f[y * w + x - 1] as f64
                + f[y * w + x + 1] as f64
                - 4.0 * f[y * w + x] as f64;
            s += l;
            q += l * l;
            n += 1.0;
        }
    }
    q / n - (s / n).powi(2)
}

#[test]
fn a_compilation_opens_on_its_best_moment_then_the_title_over_moving_footage() {
    let dir = workdir();
    let d = dir.path();
    let a = Fixture::new()
        .lavfi("testsrc2=s=640x360:r=30")
        .lavfi("anoisesrc=c=pink:a=0.02:r=48000:seed=5")
        .secs(4)
        .write(&d.join("a.mp4"));
    let b = bang_clip(
        &d.join("b.mp4"),
        "anoisesrc=c=pink:a=0.02:r=48000:seed=3",
        "testsrc2=s=640x360:r=30",
        4,
        2000,
    );
    let out = d.join("friday.mp4");
    let preset = quarter_preset(d);
    let args = [
        "compile",
        s(&a),
        s(&b),
        "--preset",
        s(&preset),
        "--focus",
        "center",
        "--title",
        "Fail Friday",
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&out),
    ];
    let plan = &dry_plans(&args).remove(0);
    // Nothing marks a moment: the detection pass finds b's bang, and the reel opens on it.
    let cold = &plan["cold_open"];
    assert_eq!(cold["hook"]["part"], 1, "{cold}");
    let first = cold["first"].as_u64().unwrap() as usize;
    let moment = cold["hook"]["moment"].as_i64().unwrap() as f64 / 1e6;
    assert!((moment - 2.0).abs() < 0.2, "moment {moment}");
    assert_eq!(cold["frames"], 45);
    assert_eq!(plan["transition_frames"], 12);
    // Segments: cold open 45, title 75, a 120, b 120; each after the first overlaps by 12.
    assert_eq!(plan["frames"], 45 + 75 + 120 + 120 - 3 * 12);
    let b_start = 45 - 12 + 75 - 12 + 120 - 12;
    let number_of = |k: usize| {
        let o = plan["parts"][k]["overlays"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["role"] == "number")
            .collect::<Vec<_>>();
        // One number, in one place, for the whole part.
        assert_eq!(o.len(), 1);
        assert_eq!(o[0]["at"], 0);
        rect(&o[0]["rect"])
    };
    let numbers = [number_of(0), number_of(1)];
    let title = rect(&plan["title_card"]["rect"]);

    failreel_ok(&args);
    let (w, h, frames) = luma_frames(&out);
    assert_eq!(frames.len(), 324);
    // The first second is footage: b's frames around its bang, as part 2 shows them later.
    for i in [0usize, 10, 20, 30] {
        let dark = mean_rect(&frames[i], w, 0, 0, w, h);
        assert!(dark > 60.0, "frame {i} is not a dark card ({dark:.1})");
        let later = &frames[b_start + first + i];
        let d = mad_outside(&frames[i], later, w, &numbers);
        assert!(
            d < 4.0,
            "cold open frame {i} is b's footage frame {} ({d:.2})",
            first + i
        );
    }
    let sound = audio_mono(&out);
    assert!(
        rms(&sound, 0.4, 0.8) > 5.0 * rms(&sound, 3.0, 3.3),
        "the cold open has the bang: {} vs {}",
        rms(&sound, 0.4, 0.8),
        rms(&sound, 3.0, 3.3)
    );
    // The title (segment from frame 33) over a's opening: moving, blurred, not a plain card.
    let (t0, t1) = (50usize, 90usize);
    let moved = mad_outside(&frames[t0], &frames[t1], w, &[title]);
    assert!(moved > 1.0, "the title's background moves ({moved:.2})");
    let blur = detail(&frames[t0], w, h, title);
    let sharp = detail(&frames[150], w, h, title);
    assert!(
        blur * 5.0 < sharp,
        "blurred: detail {blur:.1} vs a part's {sharp:.1}"
    );
    assert!(
        max_dev(
            &frames[70],
            w,
            title,
            mean_rect(&frames[70], w, 0, 0, 40, 40) as u8
        ) > 80
    );
    // Without --title there is no title card at all.
    let untitled: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--title" && *a != "Fail Friday")
        .collect();
    let plan = &dry_plans(&untitled).remove(0);
    assert_eq!(plan["title_frames"], 0);
    assert!(plan["title_segment"].is_null() && plan["title_card"].is_null());
    assert_eq!(plan["frames"], 45 + 120 + 120 - 2 * 12);
}

#[test]
fn a_went_wrong_card_marks_the_cold_open_and_numbers_keep_clear_of_cards() {
    let dir = workdir();
    let d = dir.path();
    let a = grey_clip(d, "a.mp4", 4.0, 30);
    let b = grey_clip(d, "b.mp4", 4.0, 30);
    let manifest = d.join("week.toml");
    std::fs::write(
        &manifest,
        "focus = \"center\"\n[[clip]]\ninput = \"a.mp4\"\n\
         [[clip]]\ninput = \"b.mp4\"\nwent_wrong = \"Smoke everywhere, the whole pan\"\nwent_wrong_at = 1.5\n\
         lesson = \"Lid on, heat off\"\n",
    )
    .unwrap();
    let _ = (a, b);
    let out = d.join("o.mp4");
    let plan = &dry_plans(&["compile", "--manifest", s(&manifest), "-o", s(&out)]).remove(0);
    assert_eq!(plan["cold_open"]["hook"]["part"], 1);
    assert_eq!(plan["cold_open"]["hook"]["why"], "went-wrong card");
    assert_eq!(plan["cold_open"]["hook"]["moment"], 1_500_000);
    let overlays = plan["parts"][1]["overlays"].as_array().unwrap();
    let number: Vec<_> = overlays.iter().filter(|o| o["role"] == "number").collect();
    assert_eq!(number.len(), 1, "one number for the whole part");
    let n = rect(&number[0]["rect"]);
    for c in overlays
        .iter()
        .filter(|o| o["role"] == "went_wrong" || o["role"] == "lesson")
    {
        let r = rect(&c["rect"]);
        let apart = n.2 <= r.0 || r.2 <= n.0 || n.3 <= r.1 || r.3 <= n.1;
        assert!(apart, "the number {n:?} is on the {} card {r:?}", c["role"]);
    }
}

#[test]
fn a_parts_number_stays_in_one_place_clear_of_the_face_for_the_whole_part() {
    let dir = workdir();
    let d = dir.path();
    // A face at the window's top left, where the number goes first.
    let clip = face_in_corner_clip();
    let preset = tiny_preset(d, "tiny", "tiktok", "");
    let out = d.join("c.mp4");
    let common = ["--focus", "auto", "-p", s(&preset)];
    let mut args = vec![
        "compile",
        s(&clip),
        "--no-cold-open",
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&out),
    ];
    args.extend(common);
    // --dry-run shows the number's place, and the faces the pass saw.
    let mut dry = args.clone();
    dry.extend(["--dry-run", "--json"]);
    let o = failreel(&dry);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = json_lines(&o.stdout);
    let part = &lines.iter().find(|l| l["event"] == "plan").unwrap()["plan"]["parts"][0];
    let numbers: Vec<_> = part["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["role"] == "number")
        .collect();
    assert_eq!(numbers.len(), 1, "one number for the whole part");
    let planned = rect(&numbers[0]["rect"]);
    let subjects = part["video"]["reframe"]["subjects"].as_array().unwrap();
    assert!(
        subjects
            .iter()
            .any(|s| s["faces"].as_array().is_some_and(|f| !f.is_empty())),
        "the pass saw the face: {subjects:?}"
    );
    failreel_ok(&args);
    // The same clip as a plain reel (the same window, no number): what differs is the number.
    let plain = d.join("plain.mp4");
    render_reel(&clip, &plain, &common);
    let (w, _, frames) = rgb_frames(&out);
    let (_, _, bare) = rgb_frames(&plain);
    assert_eq!(frames.len(), 90);
    assert_eq!(bare.len(), 90);
    let (skin, face) = skin_box(&bare[45], w);
    assert!(
        skin > 1500,
        "the face is in the window ({skin} skin pixels)"
    );
    let mut boxes = Vec::new();
    for (i, (f, b)) in frames.iter().zip(&bare).enumerate() {
        let (mut n, mut bb) = (0, (usize::MAX, usize::MAX, 0, 0));
        for (j, (p, q)) in f.chunks_exact(3).zip(b.chunks_exact(3)).enumerate() {
            let diff: i32 = (0..3).map(|c| (p[c] as i32 - q[c] as i32).abs()).sum();
            if diff > 90 {
                let (x, y) = (j % w, j / w);
                n += 1;
                bb = (bb.0.min(x), bb.1.min(y), bb.2.max(x + 1), bb.3.max(y + 1));
            }
        }
        assert!(n > 30, "frame {i}: the number is drawn ({n} pixels)");
        // Never on the face.
        let apart = bb.2 <= face.0 || face.2 <= bb.0 || bb.3 <= face.1 || face.3 <= bb.1;
        assert!(
            apart,
            "frame {i}: the number {bb:?} is on the face {face:?}"
        );
        boxes.push(bb);
    }
    // In one place for the whole part, the one the plan says.
    for (i, b) in boxes.iter().enumerate() {
        let near = |a: usize, c: usize| a.abs_diff(c) <= 2;
        assert!(
            near(b.0, boxes[0].0)
                && near(b.1, boxes[0].1)
                && near(b.2, boxes[0].2)
                && near(b.3, boxes[0].3),
            "frame {i}: the number moved from {:?} to {b:?}",
            boxes[0]
        );
        assert!(
            b.0 >= planned.0 && b.1 >= planned.1 && b.2 <= planned.2 + 1 && b.3 <= planned.3 + 1,
            "frame {i}: drawn at {b:?}, planned at {planned:?}"
        );
    }
    // The test can fail: the number's first place (the safe zone's top left corner) is on
    // the face.
    let (bw, bh) = (boxes[0].2 - boxes[0].0, boxes[0].3 - boxes[0].1);
    let first = (10, 20, 10 + bw, 20 + bh);
    let covered =
        !(first.2 <= face.0 || face.2 <= first.0 || first.3 <= face.1 || face.3 <= first.1);
    assert!(
        covered,
        "the top left corner {first:?} is on the face {face:?}"
    );
}

#[test]
fn compile_writes_one_cover_from_the_part_it_opens_on_with_the_title() {
    // Issue 23: `compile … --cover` exited 0 with no cover (then it was refused). A
    // compilation's cover is a still of the part it opens on (here the second: only its
    // went-wrong card marks a moment), at the reel's size, the title as its headline;
    // `--cover-at` takes it from the compilation's own clock.
    // Cost: two 2 s parts at 270x480, ultrafast, ~1 s.
    let dir = workdir();
    let d = dir.path();
    let a = small_pattern(2);
    let red = clip(d, "red.mp4", "red", 2.0, Some(440));
    let m = d.join("week.toml");
    std::fs::write(
        &m,
        format!(
            "[[clip]]\ninput = \"{}\"\n[[clip]]\ninput = \"{}\"\nwent_wrong = \"Burnt\"\n",
            s(&a),
            s(&red)
        ),
    )
    .unwrap();
    let preset = quarter_preset(d);
    let out = d.join("c.mp4");
    let jpg = d.join("c.jpg");
    let base = [
        "compile",
        "-m",
        s(&m),
        "-p",
        s(&preset),
        "--title",
        "Fail Friday",
        "--cover",
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&out),
    ];
    // `--cover-at` is on the compilation's clock: the cold open (1.5 s), the title over part
    // 1's 2 s, part 1, part 2, each after the first 0.4 s into the one before (6.3 s in all).
    for (at, part) in [("3.5", 0), ("5.5", 1)] {
        let plan =
            plan_lines(&[&base[..], &["--cover-at", at, "--dry-run", "--json"]].concat()).remove(0);
        assert_eq!(plan["plan"]["cover"]["part"], part, "--cover-at {at}");
        let cands = &plan["plan"]["cover"]["plan"]["cover"]["candidates"];
        assert_eq!(cands.as_array().unwrap().len(), 1, "--cover-at {at}");
    }
    let o = failreel(&[&base[..], &["--cover-at", "7", "--dry-run"]].concat());
    assert_exit_says(&o, 2, "past the end of the compilation");
    // The dry run shows it, and writes nothing.
    let o = failreel_exit(&[&base[..], &["--dry-run"]].concat(), 0);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("cover     ")
            && text.contains("c.jpg (270x480): the sharpest of 9 frames around")
            && text.contains("headline \"Fail Friday\" from part 2"),
        "{text}"
    );
    let plan = plan_lines(&[&base[..], &["--dry-run", "--json"]].concat()).remove(0);
    assert_eq!(plan["plan"]["cover"]["part"], 1);
    assert_eq!(
        plan["plan"]["cover"]["plan"]["cover"]["headline"]["text"],
        "Fail Friday"
    );
    assert!(!out.exists() && !jpg.exists());
    // Rendered: the reel and its cover, the reel's size, the red part's picture.
    let o = failreel_exit(&[&base[..], &["--json"]].concat(), 0);
    let result: Value = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["status"] == "ok")
        .expect("a result line");
    assert_eq!(result["cover"], s(&jpg));
    let img = image::open(&jpg).expect("a JPEG").to_rgb8();
    assert_eq!(img.dimensions(), (270, 480));
    // Under the headline's rows the text is drawn; elsewhere the picture is the red part.
    let head = &plan["plan"]["cover"]["plan"]["cover"]["headline"]["rect"];
    let (hy0, hy1) = (
        head["y"].as_u64().unwrap() as u32,
        (head["y"].as_u64().unwrap() + head["height"].as_u64().unwrap()) as u32,
    );
    let (mut red_px, mut n) = (0u32, 0u32);
    for y in (0..480).step_by(8).filter(|y| *y + 8 < hy0 || *y > hy1 + 8) {
        for x in (0..270).step_by(8) {
            let p = img.get_pixel(x, y);
            n += 1;
            if p[0] > 180 && p[1] < 80 && p[2] < 80 {
                red_px += 1;
            }
        }
    }
    assert!(red_px * 10 > n * 9, "the red part: {red_px} of {n}");
    let bright_in_head = (hy0..hy1)
        .flat_map(|y| (0..270).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c > 200))
        .count();
    assert!(
        bright_in_head > 50,
        "the headline's text: {bright_in_head} white pixels"
    );
    // Resume: up to date, and a missing cover is written again (only it).
    let mtime = std::fs::metadata(&out).unwrap().modified().unwrap();
    std::fs::remove_file(&jpg).unwrap();
    let o = failreel_exit(&base, 0);
    let text = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("up to date") && text.contains("c.jpg written"),
        "{text}"
    );
    assert!(jpg.exists());
    assert_eq!(std::fs::metadata(&out).unwrap().modified().unwrap(), mtime);
}

#[test]
fn a_manifests_cover_keys_make_the_compilations_cover_or_are_said_unused() {
    // A week's manifest written for `render` (with `cover = true`) compiled as it is: the
    // cover keys were dropped without a word. `cover` now gives the compilation its cover;
    // `cover_at` (a time on one clip's reel) is said unused.
    let dir = workdir();
    let d = dir.path();
    let a = small_pattern(2);
    let m = d.join("week.toml");
    std::fs::write(
        &m,
        format!(
            "[[clip]]\ninput = \"{}\"\ncover = true\n[[clip]]\ninput = \"{}\"\n",
            s(&a),
            s(&a)
        ),
    )
    .unwrap();
    let out = d.join("c.mp4");
    let o = dry_compile(&m, &out);
    // `cover = true` is the compilation's cover; `cover_at` is said unused.
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("c.jpg (1080x1920): the sharpest of 9 frames around")
            && text.contains(" from part 1\n"),
        "{text}"
    );
    assert!(!out.exists());
    std::fs::write(
        &m,
        format!(
            "[[clip]]\ninput = \"{}\"\ncover_at = 1.0\n[[clip]]\ninput = \"{}\"\n",
            s(&a),
            s(&a)
        ),
    )
    .unwrap();
    assert_exit_says(&dry_compile(&m, &out), 0, "the key is not used");
}

#[test]
fn a_manifests_per_clip_output_is_said_unused_by_compile() {
    // A manifest written for `render` names each clip's reel (`output = …`); compiled as it
    // is, the key was dropped without a word. It is warned about as the cover keys are.
    // Cost: one dry run of two 2 s parts, ~0.1 s.
    let dir = workdir();
    let d = dir.path();
    let a = small_pattern(2);
    let m = d.join("week.toml");
    std::fs::write(
        &m,
        format!(
            "[[clip]]\ninput = \"{}\"\noutput = \"first.mp4\"\n[[clip]]\ninput = \"{}\"\n",
            s(&a),
            s(&a)
        ),
    )
    .unwrap();
    let out = d.join("c.mp4");
    let o = dry_compile(&m, &out);
    assert_exit_says(&o, 0, "clip 1: `output` (");
    assert_exit_says(
        &o,
        0,
        "first.mp4) is not used: a compilation writes one reel",
    );
    assert!(
        !all_text(&o).contains("clip 2: `output`"),
        "{}",
        all_text(&o)
    );
    assert!(!out.exists() && !d.join("first.mp4").exists());
}

#[test]
fn every_unreadable_part_is_said_not_only_the_first() {
    // A compilation needs all its clips: like render, which lists every failing clip, it
    // names each input it cannot read (once, however often it is a part), and writes nothing.
    let dir = workdir();
    let d = dir.path();
    let good = small_pattern(2);
    let text = d.join("notes.mp4");
    std::fs::write(&text, "shopping list").unwrap();
    let empty = d.join("empty.mp4");
    std::fs::write(&empty, "").unwrap();
    let out = d.join("c.mp4");
    let o = failreel(&[
        "compile",
        s(&text),
        s(&good),
        s(&empty),
        s(&text),
        "-o",
        s(&out),
        "--json",
    ]);
    assert_exit_says(&o, 1, "notes.mp4: not a video");
    assert_exit_says(&o, 1, "empty.mp4: the file is empty");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("notes.mp4").count(), 1, "{err}");
    let errors: Vec<Value> = json_lines(&o.stdout)
        .into_iter()
        .filter(|v| v["event"] == "error")
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|v| v["kind"] == "input"), "{errors:?}");
    assert!(!out.exists());
    assert_eq!(list(d), ["empty.mp4", "notes.mp4"], "nothing written");
}

//! The command-line contract: exit codes, one clear line per bad input, JSON Lines, dry runs,
//! presets, probe, completions and the man page.

use crate::common::*;
use std::path::Path;

/// The `plan` event among JSON Lines.
fn plan_line(stdout: &[u8]) -> serde_json::Value {
    json_lines(stdout)
        .into_iter()
        .find(|v| v["event"] == "plan")
        .unwrap_or_else(|| panic!("no plan line in {}", String::from_utf8_lossy(stdout)))
}

fn no_leftovers(dir: &Path) {
    let names = list(dir);
    assert!(
        names
            .iter()
            .all(|n| !n.contains(".failreel-") && !n.ends_with(".tmp")),
        "temporary files left: {names:?}"
    );
}

/// Runs a render that must fail; checks the exit code, that the message names `name`, that
/// nothing panicked and that no output (or temporary) is left.
fn assert_fails(args: &[&str], code: i32, name: &str, out_dir: &Path) -> String {
    let out = failreel(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(err.contains(name), "the message names {name}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let errors = err.lines().filter(|l| l.contains("error")).count();
    assert_eq!(errors, 1, "one clear line: {err}");
    assert!(
        !list(out_dir).iter().any(|n| n.ends_with(".mp4")),
        "no output: {:?}",
        list(out_dir)
    );
    no_leftovers(out_dir);
    err
}

#[test]
fn bad_inputs_get_one_clear_line_and_the_right_exit_code() {
    let dir = workdir();
    let d = dir.path();
    let outs = d.join("out");
    std::fs::create_dir(&outs).unwrap();
    let o = outs.join("x.mp4");
    let o = s(&o);

    // Missing, empty, not video.
    assert_fails(
        &["render", s(&d.join("nope.MOV")), "-o", o],
        1,
        "nope.MOV",
        &outs,
    );
    let empty = d.join("empty.mov");
    std::fs::write(&empty, b"").unwrap();
    let e = assert_fails(&["render", s(&empty), "-o", o], 1, "empty.mov", &outs);
    assert!(e.contains("empty"));
    let text = d.join("notes.mp4");
    std::fs::write(&text, "shopping list: eggs, flour\n".repeat(100)).unwrap();
    assert_fails(&["render", s(&text), "-o", o], 1, "notes.mp4", &outs);
    let wav = d.join("sound.wav");
    ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", s(&wav)]);
    let e = assert_fails(&["render", s(&wav), "-o", o], 1, "sound.wav", &outs);
    assert!(e.contains("no video"), "{e}");

    // No moov atom: a recording cut off before the index was written.
    let full = grey_clip(d, "full.mp4", 2.0, 30);
    let bytes = std::fs::read(&full).unwrap();
    let boxes = top_level_boxes(&full);
    assert!(boxes.iter().position(|b| b == "mdat") < boxes.iter().position(|b| b == "moov"));
    let cut = d.join("nomoov.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_fails(&["render", s(&cut), "-o", o], 1, "nomoov.mp4", &outs);

    // Ranges.
    let e = assert_fails(
        &["render", s(&full), "--start", "10", "-o", o],
        1,
        "full.mp4",
        &outs,
    );
    assert!(e.contains("past the end"), "{e}");
    let e = assert_fails(
        &["render", s(&full), "--start", "1.5", "--end", "1", "-o", o],
        2,
        "--end",
        &outs,
    );
    assert!(e.contains("not after"), "{e}");

    // Presets.
    assert_fails(
        &["render", s(&full), "--preset", "vine", "-o", o],
        2,
        "vine",
        &outs,
    );
    let typo = d.join("mine.toml");
    std::fs::write(&typo, "[video]\ncrff = 18\n").unwrap();
    let e = assert_fails(
        &["render", s(&full), "--preset", s(&typo), "-o", o],
        2,
        "mine.toml",
        &outs,
    );
    assert!(
        e.contains("mine.toml:2:1: unknown key `crff`") && e.contains("did you mean `crf`"),
        "{e}"
    );

    // Usage: bad flag values exit 2 (clap).
    let out = failreel(&["render", s(&full), "--start", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    let out = failreel(&["render", s(&full), s(&full), "-o", o]);
    assert_eq!(out.status.code(), Some(2), "-o with two inputs");
}

#[test]
fn a_file_cut_off_mid_stream_renders_what_it_has_or_fails_cleanly() {
    let dir = workdir();
    let d = dir.path();
    let full = d.join("faststart.mp4");
    Fixture::new()
        .lavfi("testsrc2=s=640x360:r=30:d=4")
        .lavfi("sine=d=4")
        .opts(&["-g", "15", "-movflags", "+faststart"])
        .write(&full);
    let bytes = std::fs::read(&full).unwrap();
    let cut = d.join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let outs = d.join("out");
    let out_file = outs.join("cut.mp4");
    let r = failreel(&[
        "render",
        s(&cut),
        "-o",
        s(&out_file),
        "--encoder-preset",
        "ultrafast",
    ]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(!err.contains("panicked"), "{err}");
    match r.status.code() {
        Some(0) => {
            assert!(err.contains("warning"), "a shorter reel is said: {err}");
            let dur = num(&video_stream(&out_file)["duration"]);
            assert!(dur > 1.0 && dur < 3.9, "renders what it has: {dur}");
        }
        Some(1) => assert!(!out_file.exists()),
        other => panic!("exit {other:?}: {err}"),
    }
    no_leftovers(&outs);
}

#[test]
fn one_bad_clip_does_not_stop_the_others() {
    let dir = workdir();
    let d = dir.path();
    let a = grey_clip(d, "a.mp4", 1.0, 30);
    let b = grey_clip(d, "b.mov", 1.0, 30);
    let outs = d.join("reels");
    let r = failreel(&[
        "render",
        s(&a),
        s(&d.join("missing.mov")),
        s(&b),
        "--out-dir",
        s(&outs),
        "--preset",
        "shorts",
        "--encoder-preset",
        "ultrafast",
        "--json",
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(list(&outs), vec!["a.shorts.mp4", "b.shorts.mp4"]);
    assert!(std::str::from_utf8(&r.stdout).is_ok(), "stdout is UTF-8");
    let lines = json_lines(&r.stdout);
    let results: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l.get("status").is_some()).collect();
    assert_eq!(results.len(), 3);
    let result = |name: &str| {
        *results
            .iter()
            .find(|r| r["input"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no result for {name}"))
    };
    // The missing input is reported up front, before any rendering.
    assert_eq!(results[0]["status"], "failed");
    assert!(result("missing.mov")["error"]
        .as_str()
        .unwrap()
        .contains("missing.mov"));
    assert_eq!(result("a.mp4")["status"], "ok");
    assert!(result("a.mp4")["output"]
        .as_str()
        .unwrap()
        .ends_with("a.shorts.mp4"));
    assert!(result("a.mp4")["render_seconds"].as_f64().unwrap() > 0.0);
    assert!((result("b.mov")["duration_s"].as_f64().unwrap() - 1.0).abs() < 0.04);
    let summary = lines
        .iter()
        .find(|l| l["event"] == "summary")
        .expect("summary line");
    assert_eq!(
        (summary["rendered"].as_u64(), summary["failed"].as_u64()),
        (Some(2), Some(1))
    );
    let err = String::from_utf8(r.stderr).unwrap();
    assert!(err.contains("missing.mov"));
}

#[test]
fn dry_run_prints_the_plan_and_renders_nothing() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 3.0, 30);
    let outs = d.join("reels");
    let r = failreel(&[
        "render",
        s(&clip),
        "--dry-run",
        "--json",
        "--out-dir",
        s(&outs),
        "--start",
        "0:00.5",
        "--went-wrong",
        "Too hot",
        "--lesson",
        "Medium heat",
        "--crf",
        "23",
    ]);
    assert_eq!(r.status.code(), Some(0));
    assert!(!outs.exists() || list(&outs).is_empty());
    let line = plan_line(&r.stdout);
    assert_eq!(
        line["index"], 0,
        "the clip's place, as result lines give it"
    );
    // The counts a script needs without counting lines (the terminal's "dry run: …" line).
    let summary = json_lines(&r.stdout).pop().unwrap();
    assert_eq!(summary["event"], "summary", "{summary}");
    assert_eq!(summary["dry_run"], true);
    assert_eq!(
        (&summary["to_render"], &summary["failed"]),
        (&1.into(), &0.into())
    );
    let plan = &line["plan"];
    assert_eq!(plan["segments"][0]["trim"]["start"], 500_000);
    assert_eq!(plan["video"]["crop_path"][0]["rect"]["width"], 202);
    assert_eq!(plan["outputs"][0]["encoder"]["crf"], 23);
    assert_eq!(plan["overlays"][0]["text"], "Too hot");
    assert_eq!(plan["overlays"][1]["role"], "lesson");
    assert!(plan["outputs"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("clip.tiktok.mp4"));

    let human = failreel(&["render", s(&clip), "--dry-run", "--preset", "reels"]);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("crop 202x360") && text.contains("clip.reels.mp4"),
        "{text}"
    );
}

#[test]
fn user_preset_file_overrides_fields() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 1.0, 30);
    let preset = d.join("slow-look.toml");
    std::fs::write(
        &preset,
        "base = \"reels\"\n[video]\ncrf = 30\n[cards]\nlesson_heading = \"LEÇON\"\n",
    )
    .unwrap();
    let r = failreel_exit(
        &[
            "render",
            s(&clip),
            "--dry-run",
            "--json",
            "-p",
            s(&preset),
            "--lesson",
            "x",
        ],
        0,
    );
    let line = plan_line(&r.stdout);
    assert_eq!(line["plan"]["outputs"][0]["encoder"]["crf"], 30);
    assert_eq!(
        line["plan"]["safe_zone"]["top"], 269,
        "the rest comes from reels"
    );
    assert_eq!(line["plan"]["overlays"][0]["heading"], "LEÇON");
    assert!(line["plan"]["outputs"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("clip.slow-look.mp4"));
}

#[test]
fn presets_probe_completions_and_man() {
    let r = failreel(&["presets"]);
    let text = String::from_utf8(r.stdout).unwrap();
    for name in ["tiktok", "reels", "shorts", "everywhere"] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{text}");
    }
    let r = failreel(&["presets", "show", "reels"]);
    let toml_text = String::from_utf8(r.stdout).unwrap();
    let v: toml::Value = toml::from_str(&toml_text).unwrap();
    assert_eq!(v["safe_zone"]["top"].as_integer(), Some(269));
    assert_eq!(v["video"]["width"].as_integer(), Some(1080));
    assert_eq!(
        failreel(&["presets", "show", "vine"]).status.code(),
        Some(2)
    );
    // For scripts: one JSON line per built-in, and `show` as one line, the TOML's fields.
    let listed = json_lines(&failreel(&["presets", "--json"]).stdout);
    let names: Vec<&str> = listed.iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(
        names,
        ["tiktok", "reels", "shorts", "everywhere", "stories"]
    );
    let shown = json_lines(&failreel(&["presets", "show", "reels", "--json"]).stdout);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["safe_zone"]["top"], 269);
    assert_eq!(shown[0]["cards"]["style"]["box_opacity"], 0.68);
    assert_eq!(shown[0], listed[1]);

    let dir = workdir();
    let clip = grey_clip(dir.path(), "clip.mp4", 1.0, 30);
    let r = failreel(&["probe", s(&clip)]);
    let text = String::from_utf8(r.stdout).unwrap();
    assert!(
        text.contains("640x360") && text.contains("30.000 fps"),
        "{text}"
    );
    let r = failreel(&["probe", s(&clip), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["video"]["display_width"], 640);
    assert_eq!(v["video"]["hdr"], "sdr");
    assert_eq!(v["audio"]["layout"], "mono");
    assert_eq!(
        failreel(&["probe", "/nonexistent.mov"]).status.code(),
        Some(1)
    );
    // A folder's worth at once: one JSON line per clip, a clip that cannot be read an error
    // line naming it, the others still probed, exit 1.
    let r = failreel(&["probe", s(&clip), "/nonexistent.mov", s(&clip), "--json"]);
    assert_eq!(r.status.code(), Some(1));
    let lines = json_lines(&r.stdout);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["video"]["display_width"], 640);
    // Beside `path` and `duration` (µs), the names every other command's lines use.
    assert_eq!(
        (&lines[0]["input"], &lines[0]["duration_s"]),
        (&lines[0]["path"], &1.0.into())
    );
    assert_eq!(lines[1]["event"], "error");
    assert_eq!(lines[1]["input"], "/nonexistent.mov");
    assert_eq!(lines[2]["path"], lines[0]["path"]);
    let r = failreel(&["probe", s(&clip), s(&clip)]);
    let text = String::from_utf8(r.stdout).unwrap();
    assert_eq!(text.matches("30.000 fps").count(), 2, "{text}");
    assert!(text.contains("\n\n"), "clips apart: {text}");

    let r = failreel(&["completions", "bash"]);
    assert!(String::from_utf8(r.stdout).unwrap().contains("failreel"));
    let r = failreel(&["man"]);
    let man = String::from_utf8(r.stdout).unwrap();
    assert!(man.contains(".TH") && man.contains("render"));
    for sub in ["render", "presets", "probe", "completions"] {
        let r = failreel(&[sub, "--help"]);
        assert!(
            String::from_utf8(r.stdout).unwrap().contains("Examples:"),
            "{sub} --help"
        );
    }
}

#[test]
fn sigterm_cancels_promptly_and_leaves_nothing_behind() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("long.mp4");
    h264_clip(&clip, "testsrc2=s=640x360:r=30:d=30", None, &[]);
    let outs = d.join("out");
    let mut child = failreel_command(&[
        "render",
        s(&clip),
        "-o",
        s(&outs.join("reel.mp4")),
        "--encoder-preset",
        "slow",
    ])
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    // Wait until the temporary file exists: the render is under way.
    wait_for_file(
        &outs,
        |n| n.contains(".failreel-"),
        20,
        "the render never started",
    );
    assert!(
        list(&outs).iter().all(|n| n.starts_with('.')),
        "only a hidden temporary while rendering"
    );
    send_signal(&child, "TERM");
    let t = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            t.elapsed().as_secs() < 5,
            "SIGTERM must cancel within a few seconds"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert!(list(&outs).is_empty(), "nothing left: {:?}", list(&outs));
}

#[test]
fn messages_say_what_is_true() {
    // Issue 24: "requested end" nobody requested, "give -p" with -p given, `--start auto
    // --duration 3` refused, a usage error under --json without the argument's name, and a
    // folder as -o accepted by --dry-run.
    let dir = workdir();
    let d = dir.path();
    let bang = late_bang_clip();
    let out = d.join("r.mp4");
    // --start auto with the moment near the clip's end: no end was asked for.
    let o = failreel_exit(
        &[
            "render",
            s(&bang),
            "--start",
            "auto",
            "-o",
            s(&out),
            "--dry-run",
        ],
        0,
    );
    assert!(!all_text(&o).contains("requested end"), "{}", all_text(&o));
    // An end that was asked for is named by its flag.
    let o = failreel_exit(
        &[
            "render",
            s(&bang),
            "--end",
            "99",
            "-o",
            s(&out),
            "--dry-run",
        ],
        0,
    );
    assert!(all_text(&o).contains("--end 1:39"), "{}", all_text(&o));
    // --start auto --duration 3: three seconds holding the moment (5.6 s).
    let plan = plan_lines(&[
        "render",
        s(&bang),
        "--start",
        "auto",
        "--duration",
        "3",
        "-o",
        s(&out),
        "--dry-run",
        "--json",
    ])
    .remove(0);
    let trim = &plan["plan"]["segments"][0]["trim"];
    let (a, b) = (
        trim["start"].as_i64().unwrap(),
        trim["end"].as_i64().unwrap(),
    );
    assert!((b - a - 3_000_000).abs() <= 40_000, "{trim}");
    assert!(
        a < 5_600_000 && 5_600_000 < b,
        "the moment is inside: {trim}"
    );
    // -p with two presets for a compilation: the message is about -p.
    let o = failreel(&[
        "compile",
        s(&bang),
        s(&bang),
        "-p",
        "tiktok,reels",
        "-o",
        s(&out),
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = all_text(&o);
    assert!(
        err.contains("-p tiktok,reels") && !err.contains("give -p"),
        "{err}"
    );
    // A usage error under --json keeps the argument's name.
    let o = failreel(&["render", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let line = json_lines(&o.stdout).remove(0);
    assert_eq!(line["kind"], "usage");
    assert!(
        line["message"].as_str().unwrap().contains("<INPUT>"),
        "{line}"
    );
    // A folder as -o: refused in a dry run too.
    let folder = d.join("folder");
    std::fs::create_dir(&folder).unwrap();
    let o = failreel(&["render", s(&bang), "-o", s(&folder), "--dry-run"]);
    assert_ne!(o.status.code(), Some(0), "{}", all_text(&o));
    assert!(all_text(&o).contains("folder"), "{}", all_text(&o));
}

#[test]
fn terminal_control_sequences_in_file_names_are_printed_escaped() {
    // Issue 24: a file name carrying escape sequences was sent to the terminal as it is.
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("red\u{1b}[31m\u{7}\u{9b}2J.mp4");
    std::fs::copy(small_pattern(4), &clip).unwrap();
    let missing = d.join("gone\u{1b}]0;title\u{7}.mp4");
    for args in [
        vec!["render", s(&clip), "--dry-run"],
        vec!["render", s(&clip), "--dry-run", "--json"],
        vec!["render", s(&missing)],
        vec!["render", s(&missing), "--json"],
        vec!["probe", s(&clip)],
        vec!["preview", s(&missing), "--at", "1"],
    ] {
        let o = failreel(&args);
        for (what, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text
                    .chars()
                    .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{9b}'),
                "{args:?} sent a control character to {what}: {text:?}"
            );
        }
        let text = all_text(&o);
        assert!(
            text.contains("\\x1b") || text.contains("\\u001b"),
            "{args:?}: the name is shown escaped: {text}"
        );
    }
}

#[test]
fn analysis_passes_are_named_with_their_own_progress() {
    // Issue 24: a long analysis showed nothing moving. Each pass is an event with its name and
    // its progress from 0 to 1.
    let dir = workdir();
    let o = failreel_exit(
        &[
            "render",
            s(&late_bang_clip()),
            "--start",
            "auto",
            "-o",
            s(&dir.path().join("r.mp4")),
            "--dry-run",
            "--json",
        ],
        0,
    );
    let passes: Vec<(String, f64)> = json_lines(&o.stdout)
        .into_iter()
        .filter(|v| v["event"] == "pass")
        .map(|v| {
            (
                v["label"].as_str().unwrap().to_string(),
                v["done"].as_f64().unwrap(),
            )
        })
        .collect();
    for label in ["finding the moment", "measuring loudness"] {
        let mine: Vec<f64> = passes
            .iter()
            .filter(|p| p.0 == label)
            .map(|p| p.1)
            .collect();
        assert_eq!(mine.first(), Some(&0.0), "{label}: {passes:?}");
        assert_eq!(mine.last(), Some(&1.0), "{label}: {passes:?}");
        assert!(mine.windows(2).all(|w| w[0] <= w[1]), "{label}: {mine:?}");
    }
}

#[test]
fn human_dry_run_shows_moment_replay_captions_cover_and_real_length() {
    // Issue 24: the human --dry-run left out what the JSON plan had, and compile --dry-run
    // printed JSON to a person.
    let dir = workdir();
    let d = dir.path();
    let bang = late_bang_clip();
    let subs = d.join("subs.srt");
    std::fs::write(
        &subs,
        "1\n00:00:04,000 --> 00:00:05,500\nand then it caught\n",
    )
    .unwrap();
    let o = failreel_exit(
        &[
            "render",
            s(&bang),
            "--start",
            "auto",
            "--replay",
            "--cover",
            "--went-wrong",
            "Too hot",
            "--captions",
            s(&subs),
            "-o",
            s(&d.join("r.mp4")),
            "--dry-run",
        ],
        0,
    );
    let text = String::from_utf8_lossy(&o.stdout);
    for (what, says) in [
        ("the moment", "  moment "),
        ("the replay", "  replay "),
        ("the caption", "and then it caught"),
        ("the cover", "  cover "),
        ("the real length", "of footage and"),
    ] {
        assert!(text.contains(says), "{what} missing: {text}");
    }
    // compile --dry-run: text for people, JSON with --json.
    let out = d.join("friday.mp4");
    let o = failreel_exit(
        &["compile", s(&bang), s(&bang), "-o", s(&out), "--dry-run"],
        0,
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("compilation ->") && text.contains("part 2:"),
        "{text}"
    );
    assert!(!text.trim_start().starts_with('{'), "{text}");
    let o = failreel_exit(
        &[
            "compile",
            s(&bang),
            s(&bang),
            "-o",
            s(&out),
            "--dry-run",
            "--json",
        ],
        0,
    );
    assert!(json_lines(&o.stdout).iter().any(|v| v["event"] == "plan"));
    assert!(!out.exists());
}

#[test]
fn sigterm_during_the_analysis_passes_cancels_render_and_compile() {
    // Issue 24: every command handles signals like render's encoding: SIGTERM while a long
    // clip's moment is being found stops the pass where it is (it never reaches its end),
    // exit 130, nothing left behind.
    use std::io::BufRead;
    let clip = cached_fixture("i24-long-180s.mp4", |p| {
        Fixture::new()
            .lavfi("testsrc2=s=160x90:r=10")
            .lavfi("anoisesrc=c=pink:a=0.05:r=48000:seed=2")
            .opts(&["-g", "10"])
            .secs(180)
            .write(p);
    });
    for command in ["render", "compile"] {
        let dir = workdir();
        let d = dir.path();
        let out_dir = d.join("out");
        std::fs::create_dir(&out_dir).unwrap();
        let out = out_dir.join("reel.mp4");
        let mut args = vec![command, s(&clip)];
        if command == "compile" {
            args.push(s(&clip));
        }
        args.extend(["--start", "auto", "--json", "-o", s(&out)]);
        let mut child = failreel_command(&args)
            // No cached analysis: the pass runs.
            .env("FAILREEL_CACHE_DIR", d.join("cache"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Once the pass has begun, SIGTERM.
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = Vec::new();
        for l in lines.by_ref() {
            let l = l.unwrap();
            let begun = l.contains("\"event\":\"pass\"") && l.contains("finding the moment");
            seen.push(l);
            if begun {
                break;
            }
        }
        assert!(
            seen.last()
                .is_some_and(|l| l.contains("finding the moment")),
            "{command}: no pass began: {seen:?}"
        );
        send_signal(&child, "TERM");
        seen.extend(lines.map(|l| l.unwrap()));
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(130), "{command}: {err}");
        let ended = seen
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|v| v["label"] == "finding the moment" && v["done"] == 1.0);
        assert!(!ended, "{command}: the pass ran to its end: {seen:?}");
        assert_eq!(
            list(&out_dir),
            Vec::<String>::new(),
            "{command}: nothing left"
        );
    }
}

/// Every float in `v` (a JSON tree) that is exactly an `f32` printed at `f64` length (0.68
/// stored as f32 and widened: 0.6800000071525574), with its path.
fn widened_floats(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| !n.is_i64() && !n.is_u64()) {
                let short = (f as f32).to_string();
                if (f as f32) as f64 == f && short != f.to_string() {
                    out.push(format!("{path} = {f} (meant {short})"));
                }
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                widened_floats(x, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                widened_floats(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn json_numbers_print_as_given_not_widened_from_f32() {
    // The preset's 0.68 box opacity, 1.2 line spacing, a 0.3 focus: printed as given, in a
    // render's and a compilation's dry-run plan alike (no pass runs: fixed focus, no
    // normalisation). Cost: two dry runs of a cached 2 s 320x180 clip, ~0.1 s CPU.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(2);
    let render = failreel_exit(
        &[
            "render",
            s(&clip),
            "--dry-run",
            "--json",
            "--focus",
            "0.3",
            "--no-normalize",
            "--went-wrong",
            "x",
            "--out-dir",
            s(d),
        ],
        0,
    );
    let compile = failreel_exit(
        &[
            "compile",
            s(&clip),
            s(&clip),
            "-o",
            s(&d.join("c.mp4")),
            "--dry-run",
            "--json",
            "--focus",
            "0.3",
            "--no-normalize",
            "--no-cold-open",
            "--title",
            "T",
        ],
        0,
    );
    for (what, o) in [("render", &render), ("compile", &compile)] {
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("\"box_opacity\":0.68"), "{what}: {text}");
        assert!(text.contains("\"line_spacing\":1.2"), "{what}: {text}");
        let mut bad = Vec::new();
        for line in json_lines(&o.stdout) {
            widened_floats(&line, what, &mut bad);
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}

#[test]
fn human_counts_say_1_frame_not_1_frames() {
    // A one-frame reel's dry run: "1 frame", never "1 frames" (nor "1 … keys", "1 … parts").
    // Cost: one dry run of a cached 2 s 320x180 clip, no pass, ~0.05 s.
    let clip = small_pattern(2);
    let o = failreel_exit(
        &[
            "render",
            s(&clip),
            "--dry-run",
            "--duration",
            "0.04",
            "--focus",
            "0.3",
            "--no-normalize",
            "-o",
            "one.mp4",
        ],
        0,
    );
    let text = all_text(&o);
    assert!(text.contains("(0.040 s, 1 frame at 30 fps)"), "{text}");
    assert!(text.contains("(1 frame)"), "{text}");
    assert!(
        !regex_like_one_plural(&text),
        "a count of 1 with a plural noun: {text}"
    );
}

/// Whether `text` has " 1 <word>s" for a noun failreel counts.
fn regex_like_one_plural(text: &str) -> bool {
    [
        "frames", "parts", "keys", "reels", "clips", "samples", "bytes",
    ]
    .iter()
    .any(|n| text.contains(&format!(" 1 {n}")) || text.contains(&format!("(1 {n}")))
}

#[test]
fn an_out_dir_that_is_a_file_says_so_and_what_to_do() {
    // `--out-dir notes.txt` (a file) failed each clip with "cannot write: Not a directory
    // (os error 20)". It is a usage error naming the file, saying it is one, suggesting a
    // folder; an output under a file (-o notes.txt/x.mp4, a preview) says the same of the
    // file in the way. Cost: three runs that stop before decoding, one that stops at its
    // output, ~0.1 s.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(2);
    let file = d.join("notes.txt");
    std::fs::write(&file, "not a folder").unwrap();
    for out_dir in [file.clone(), file.join("week1")] {
        let o = failreel(&["render", s(&clip), "--out-dir", s(&out_dir), "--dry-run"]);
        assert_exit_says(&o, 2, &format!("--out-dir {}", s(&out_dir)));
        assert_exit_says(&o, 2, "is a file, not a folder: give a folder");
        assert!(all_text(&o).contains(&format!("{}", file.display())));
    }
    let under = file.join("x.mp4");
    let o = failreel(&[
        "render",
        s(&clip),
        "-o",
        s(&under),
        "--focus",
        "0.5",
        "--no-normalize",
    ]);
    assert_exit_says(
        &o,
        1,
        &format!("cannot write there: {} is a file, not a folder", s(&file)),
    );
    let o = failreel(&[
        "preview",
        s(&clip),
        "--at",
        "0.5",
        "-o",
        s(&file.join("f.png")),
    ]);
    assert_exit_says(
        &o,
        1,
        "is a file, not a folder: give a folder for the output",
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
}

#[test]
fn a_text_file_or_a_folder_named_like_a_clip_is_said_to_be_one() {
    // A new user's mistakes: notes saved as clip.mp4 were "not a video failreel can read
    // (Invalid data…): if it is a phone clip, it may be incomplete…; copy it again", and a
    // folder was "not a file". Each now says what the file is and what to give instead.
    // Cost: four runs that stop at the probe, ~0.05 s.
    let dir = workdir();
    let d = dir.path();
    let notes = d.join("notes.mp4");
    std::fs::write(&notes, "Friday: the lid flew off at 0:05\n").unwrap();
    let folder = d.join("raw.mp4");
    std::fs::create_dir(&folder).unwrap();
    for command in ["render", "detect"] {
        let o = failreel(&[command, s(&notes)]);
        assert_exit_says(&o, 1, &format!("{}: not a video failreel can read: it holds text, not a clip: give the video file itself", s(&notes)));
        let o = failreel(&[command, s(&folder)]);
        assert_exit_says(
            &o,
            1,
            &format!(
                "{}: is a folder, not a video file: give the clips in it",
                s(&folder)
            ),
        );
    }
    assert!(!d.join("reels").exists() || list(&d.join("reels")).is_empty());
}

#[test]
fn a_warning_repeated_by_two_presets_counts_reels_not_clips() {
    // One clip under -p tiktok,reels: its repeated warning said "(2 clips)". Cost: one dry
    // run of a cached 2 s clip for two presets, ~0.1 s.
    let clip = small_pattern(2);
    let dir = workdir();
    let o = failreel_exit(
        &[
            "render",
            s(&clip),
            "-p",
            "tiktok,reels",
            "--dry-run",
            "--focus",
            "0.5",
            "--no-normalize",
            "--out-dir",
            s(dir.path()),
        ],
        0,
    );
    let text = all_text(&o);
    assert!(text.contains("will look soft (2 reels)"), "{text}");
    assert!(!text.contains("clips)"), "{text}");
}

#[test]
fn a_warning_raised_by_several_clips_names_them_not_only_the_first() {
    // Two clips with the same small picture printed "a.mp4: the picture is 320x180: it is
    // enlarged ... (2 reels)": it read as if a.mp4 alone (as two reels) were concerned, and
    // b.mp4 was never named. The line now says "a.mp4 and 1 other clip: ..." (reels counted
    // only when they differ from the clips), JSON adds `clips`. Cost: two dry runs of two
    // cached 2 s clips, ~0.2 s.
    let dir = workdir();
    let d = dir.path();
    let (a, b) = two_small_clips(d);
    let args = |extra: &[&'static str]| {
        let mut v: Vec<String> = ["render", s(&a), s(&b), "--dry-run", "--focus", "0.5"]
            .iter()
            .map(|x| x.to_string())
            .collect();
        v.extend(["--no-normalize", "--out-dir", s(&d.join("reels"))].map(String::from));
        v.extend(extra.iter().map(|x| x.to_string()));
        v
    };
    let run = |extra: &[&'static str]| {
        let v = args(extra);
        failreel_exit(&v.iter().map(String::as_str).collect::<Vec<_>>(), 0)
    };
    let o = run(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    let soft: Vec<&str> = err.lines().filter(|l| l.contains("look soft")).collect();
    assert_eq!(soft.len(), 1, "{err}");
    assert!(
        soft[0].starts_with(&format!(
            "failreel: warning: {} and 1 other clip: the picture is 320x180",
            s(&a)
        )),
        "{err}"
    );
    assert!(!soft[0].contains("reels)"), "{err}");
    // Two clips, two presets: four reels.
    let o = run(&["-p", "tiktok,reels"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("and 1 other clip: the picture is 320x180")
            && err.contains("look soft (4 reels)"),
        "{err}"
    );
    let o = run(&["--json"]);
    let w: Vec<serde_json::Value> = json_lines(&o.stdout)
        .into_iter()
        .filter(|v| v["event"] == "warning" && v["message"].as_str().unwrap().contains("soft"))
        .collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["input"], s(&a));
    assert_eq!(w[0]["count"], 2);
    assert_eq!(w[0]["clips"], 2);
}

#[test]
fn a_clip_given_twice_is_said_to_be_given_twice() {
    // `failreel render raw/*.mp4 raw/a.mp4` said "raw/a.mp4 and raw/a.mp4 would both be
    // written to reels/a.tiktok.mp4: render them in separate runs with different --out-dir
    // folders": advice for two different clips of one name. The same file twice is said as
    // that. Two different clips of one name keep the old advice. Cost: three runs that stop
    // before probing, ~0.03 s.
    let dir = workdir();
    let d = dir.path();
    let a = d.join("a.mp4");
    std::fs::copy(small_pattern(2), &a).unwrap();
    let dotted = d.join(".").join("a.mp4");
    for (second, said) in [
        (
            a.clone(),
            format!("{} is given twice: give each clip once", s(&a)),
        ),
        (
            dotted.clone(),
            format!(
                "{} is given twice (as {} and {}): give each clip once",
                s(&a),
                s(&a),
                s(&dotted)
            ),
        ),
    ] {
        let o = failreel(&["render", s(&a), s(&second), "--dry-run"]);
        assert_exit_says(&o, 2, &said);
        assert!(!all_text(&o).contains("separate runs"), "{}", all_text(&o));
    }
    let other = d.join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::copy(small_pattern(2), other.join("a.mp4")).unwrap();
    let o = failreel(&["render", s(&a), s(&other.join("a.mp4")), "--dry-run"]);
    assert_exit_says(&o, 2, "would both be written to");
}

#[test]
fn a_silent_track_is_not_said_to_be_normalised() {
    // A clip whose sound is digital silence (as the stock clip new users try): the dry run
    // said "normalised to -14.0 LUFS" on the audio line and "nothing to measure: left as it
    // is" on the next. Cost: a cached 1 s 160x90 clip with a silent track, one dry run with
    // its loudness pass, ~0.1 s.
    let dir = workdir();
    let clip = Fixture::new()
        .lavfi("testsrc2=s=160x90:r=30:d=1")
        .lavfi("anullsrc=r=48000:cl=stereo")
        .opts(&["-shortest"])
        .write(&dir.path().join("silent.mp4"));
    let o = failreel_exit(&["render", s(&clip), "--dry-run", "--focus", "0.5"], 0);
    let text = all_text(&o);
    assert!(text.contains("loudness  nothing to measure"), "{text}");
    assert!(text.contains("not normalised"), "{text}");
    assert!(!text.contains("normalised to"), "{text}");
}

#[test]
fn a_reel_named_as_another_kind_of_file_is_a_usage_error() {
    // `-o reel.txt` (or .png, .mkv) wrote an MP4 under that name, exit 0: players, file
    // managers and uploads go by the name. It is refused before anything is decoded, for
    // render and compile; .mp4, .mov and .m4v (any case) and a bare name are taken. Cost:
    // four runs that stop at the arguments or a dry run without passes, ~0.1 s.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(2);
    for (command, out) in [("render", "reel.txt"), ("compile", "week.mkv")] {
        let out = d.join(out);
        let mut args = vec![command, s(&clip)];
        if command == "compile" {
            args.push(s(&clip));
        }
        args.extend(["-o", s(&out), "--dry-run"]);
        let o = failreel(&args);
        assert_exit_says(&o, 2, "a reel is an MP4 video, not a .");
        assert_exit_says(&o, 2, "end its name with .mp4");
        assert!(!out.exists());
    }
    for name in ["reel.MOV", "reel"] {
        failreel_exit(
            &[
                "render",
                s(&clip),
                "-o",
                s(&d.join(name)),
                "--dry-run",
                "--focus",
                "0.5",
                "--no-normalize",
            ],
            0,
        );
    }
}

#[test]
fn a_negative_time_is_said_to_be_one() {
    // `--start -3` got clap's "unexpected argument '-3' found; to pass '-3' as a value, use
    // '-- -3'" (and with `--start=-3`, "not a time: write seconds…"). Every time flag now
    // takes the value and says a time is 0 or more. Cost: three runs that stop at the
    // arguments, ~0.03 s.
    let clip = small_pattern(2);
    for args in [
        &["render", s(&clip), "--start", "-3"][..],
        &["render", s(&clip), "--duration", "-2"][..],
        &["preview", s(&clip), "--at", "-1"][..],
    ] {
        let o = failreel(args);
        assert_exit_says(&o, 2, "is not a time: times and lengths are 0 or more");
        assert!(
            !all_text(&o).contains("unexpected argument"),
            "{}",
            all_text(&o)
        );
    }
}

#[test]
fn one_failing_clip_says_its_error_once_a_batch_recaps_them() {
    // One reel: the error, then the count; no recap of what was said just above. A batch:
    // each error as it happens and a recap under the count (errors may have scrolled away).
    let dir = workdir();
    let d = dir.path();
    let text = d.join("notes.mp4");
    std::fs::write(&text, "shopping list").unwrap();
    let empty = d.join("empty.mp4");
    std::fs::write(&empty, "").unwrap();
    let o = failreel(&["render", s(&text), "-o", s(&d.join("r.mp4"))]);
    assert_exit_says(&o, 1, "notes.mp4: not a video");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("not a video").count(), 1, "{err}");
    assert!(err.contains("1 failed"), "{err}");
    let o = failreel(&[
        "render",
        s(&text),
        s(&empty),
        "--out-dir",
        s(&d.join("out")),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("not a video").count(), 2, "{err}");
    assert!(
        err.contains("  failed: ") && err.contains("2 failed"),
        "{err}"
    );
}

#[test]
fn sound_that_starts_before_the_picture_is_said_to_start_before_it() {
    // A clip whose sound starts a second before its first picture (an edit list, as phones
    // and editors write): probe said "starts -1.000 s after the video", the dry run "starts
    // -1.000 s after the picture"; probe also said "rotation 270°" where ffprobe says 90 for
    // the same file (it prints the counter-clockwise angle): now "clockwise". Cost: a cached
    // 2 s 160x90 clip, one probe and one dry run without passes, ~0.05 s.
    let dir = workdir();
    let clip = Fixture::new()
        .input(&[
            "-itsoffset",
            "1",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x90:r=30:d=2",
        ])
        .lavfi("sine=d=3")
        .opts(&["-fps_mode", "passthrough"])
        .write(&dir.path().join("early.mp4"));
    let o = failreel_exit(&["probe", s(&clip)], 0);
    let text = all_text(&o);
    assert!(text.contains("starts 1.000 s before the video"), "{text}");
    let o = failreel_exit(
        &[
            "render",
            s(&clip),
            "--dry-run",
            "--focus",
            "0.5",
            "--no-normalize",
        ],
        0,
    );
    let text = all_text(&o);
    assert!(text.contains("starts 1.000 s before the picture"), "{text}");
    assert!(!text.contains("-1.000"), "{text}");
    let turned = dir.path().join("turned.mp4");
    tag_rotated(&clip, &turned);
    let text = all_text(&failreel_exit(&["probe", s(&turned)], 0));
    assert!(text.contains("° clockwise, pixel aspect"), "{text}");
}

#[test]
fn a_clip_named_with_a_leading_dash_gets_a_tip_naming_it() {
    // A clip named `-take2.mp4` got clap's "unexpected argument '-t' found ... to pass '-t' as
    // a value, use '-- -t'": neither names the file nor gives a command that works. A tip
    // now names it and both fixes (on stderr and in the JSON error line). Cost: three runs
    // that stop at argument parsing, one dry run without passes, ~0.1 s.
    let dir = workdir();
    let d = dir.path();
    std::fs::copy(small_pattern(2), d.join("-take2.mp4")).unwrap();
    let run = |args: &[&str]| {
        failreel_command(args)
            .current_dir(d)
            .output()
            .expect("failreel runs")
    };
    let tip = "tip: `-take2.mp4` is a file whose name starts with '-': give it as ./-take2.mp4, or after -- (failreel render -- -take2.mp4)";
    let o = run(&["render", "-take2.mp4", "--dry-run"]);
    assert_exit_says(&o, 2, tip);
    let o = run(&["render", "-take2.mp4", "--dry-run", "--json"]);
    let lines = json_lines(&o.stdout);
    assert!(
        lines[0]["message"].as_str().unwrap().contains(tip),
        "{lines:?}"
    );
    // A flag that is no file gets no such tip; the fix it gives works.
    let o = run(&["render", "-x", "--dry-run"]);
    assert!(!all_text(&o).contains("is a file"), "{}", all_text(&o));
    let o = run(&[
        "render",
        "--dry-run",
        "--focus",
        "0.5",
        "--no-normalize",
        "--",
        "-take2.mp4",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
}

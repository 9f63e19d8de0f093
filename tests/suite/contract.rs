//! The command line's contract with scripts and shells: a closed stdout ends quietly with
//! status 0, a failing stdout (a full disk) is one error line and status 1, every error is a
//! JSON line with `--json`, `--strict` fails on warnings, `failreel man` covers every
//! subcommand, and dry runs read as names and seconds.

use crate::common::*;
use std::process::Stdio;

/// Runs failreel with stdout a pipe whose reader is already gone.
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    failreel_command(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Runs failreel with stdout on /dev/full (every write fails with ENOSPC).
fn with_full_stdout(args: &[&str]) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    failreel_command(args)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_ends_quietly_with_status_0() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "clip.mp4", 1.0, 30);
    let other = dir.path().join("other.mp4");
    std::fs::copy(&clip, &other).unwrap();
    let outs = dir.path().join("reels");
    for args in [
        vec!["presets", "show", "reels"],
        vec!["presets"],
        vec!["man"],
        vec!["completions", "bash"],
        vec!["render", "--help"],
        vec!["--version"],
        vec!["probe", s(&clip)],
        vec!["probe", s(&clip), "--json"],
        vec![
            "render",
            s(&clip),
            s(&other),
            "--dry-run",
            "--out-dir",
            s(&outs),
            "-p",
            "reels",
        ],
        vec![
            "render",
            s(&clip),
            "--dry-run",
            "--json",
            "--out-dir",
            s(&outs),
        ],
    ] {
        let r = with_closed_stdout(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{args:?}: {err}"
        );
    }
    assert!(!outs.exists(), "a dry run writes nothing");
}

#[test]
fn a_full_disk_on_stdout_is_one_error_line_and_status_1() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "clip.mp4", 1.0, 30);
    for args in [
        vec!["presets", "show", "reels"],
        vec!["presets"],
        vec!["man"],
        vec!["--help"],
        vec!["probe", s(&clip), "--json"],
        vec!["render", s(&clip), "--dry-run"],
        vec!["render", s(&clip), "--dry-run", "--json"],
    ] {
        let r = with_full_stdout(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {err}");
        assert!(
            errors[0].contains("standard output") && errors[0].contains("caused by: No space left"),
            "{args:?}: {err}"
        );
    }
}

/// Every stdout line is JSON; returns the error events.
fn json_errors(stdout: &[u8]) -> Vec<serde_json::Value> {
    json_lines(stdout)
        .into_iter()
        .filter(|v| v["event"] == "error")
        .collect()
}

#[test]
fn with_json_every_error_is_also_a_json_line() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 1.0, 30);
    let bad_manifest = d.join("week.toml");
    std::fs::write(
        &bad_manifest,
        "[[clip]]\ninput = \"clip.mp4\"\nstrat = \"0:01\"\n",
    )
    .unwrap();
    for (args, code, kind, needle) in [
        // clap's own usage errors.
        (
            vec!["render", s(&clip), "--json", "--crf", "70"],
            2,
            "usage",
            "70",
        ),
        (
            vec!["render", s(&clip), "--json", "--bogus"],
            2,
            "usage",
            "--bogus",
        ),
        // Usage errors failreel finds.
        (
            vec!["render", s(&clip), s(&clip), "-o", "x.mp4", "--json"],
            2,
            "usage",
            "-o",
        ),
        // Configuration: a preset and a manifest.
        (
            vec!["render", s(&clip), "--preset", "vine", "--json"],
            2,
            "usage",
            "vine",
        ),
        (
            vec!["render", "--manifest", s(&bad_manifest), "--json"],
            2,
            "usage",
            "strat",
        ),
        // An input that cannot be read.
        (
            vec!["probe", "/nonexistent.mov", "--json"],
            1,
            "input",
            "nonexistent.mov",
        ),
    ] {
        let r = failreel(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: stderr names it: {err}");
        let errors = json_errors(&r.stdout);
        assert!(!errors.is_empty(), "{args:?}: no JSON error line");
        assert!(
            errors.iter().all(|e| e["kind"] == kind),
            "{args:?}: {errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e["message"].as_str().unwrap().contains(needle)),
            "{args:?}: {errors:?}"
        );
    }
    // Without --json, stdout stays empty.
    let r = failreel(&["render", s(&clip), "--preset", "vine"]);
    assert!(r.stdout.is_empty());
}

#[test]
fn strict_turns_a_warning_into_exit_1() {
    let dir = workdir();
    // One second is shorter than TikTok's three: a warning.
    let clip = grey_clip(dir.path(), "short.mp4", 1.0, 30);
    let r = failreel(&["render", s(&clip), "--dry-run", "--json"]);
    assert_eq!(r.status.code(), Some(0));
    let r = failreel(&["render", s(&clip), "--dry-run", "--json", "--strict"]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--strict") && err.contains("shorter than"),
        "{err}"
    );
    let failed: Vec<serde_json::Value> = json_lines(&r.stdout)
        .into_iter()
        .filter(|v| v["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
}

#[test]
fn man_writes_a_page_for_every_subcommand() {
    let dir = workdir();
    let pages = dir.path().join("man1");
    failreel_exit(&["man", "--dir", s(&pages)], 0);
    let names = list(&pages);
    for page in [
        "failreel.1",
        "failreel-render.1",
        "failreel-presets.1",
        "failreel-presets-show.1",
        "failreel-probe.1",
        "failreel-preview.1",
        "failreel-completions.1",
        "failreel-man.1",
    ] {
        assert!(names.contains(&page.to_string()), "{page} in {names:?}");
    }
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "no temporaries: {names:?}"
    );
    let render = std::fs::read_to_string(pages.join("failreel-render.1")).unwrap();
    assert!(
        render.contains(".TH") && render.contains("encoder\\-preset"),
        "{render}"
    );

    // One page on stdout carries every subcommand's options too.
    let r = failreel(&["man"]);
    let page = String::from_utf8(r.stdout).unwrap();
    for option in ["encoder\\-preset", "\\-\\-at", "\\-\\-dir", "\\-\\-shard"] {
        assert!(page.contains(option), "{option} in the one-page manual");
    }
}

#[test]
fn a_dry_run_reads_in_names_and_seconds() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "clip.mp4", 3.0, 30);
    let r = failreel(&[
        "render",
        s(&clip),
        "--dry-run",
        "--start",
        "0.68",
        "--went-wrong",
        "Too hot",
        "--lesson",
        "Medium heat",
        "--out-dir",
        s(&dir.path().join("reels")),
    ]);
    let text = String::from_utf8(r.stdout).unwrap();
    assert!(
        text.contains("trim      0.680 s to 3.000 s (2.320 s"),
        "{text}"
    );
    assert!(text.contains("card      went-wrong from 0.000 s"), "{text}");
    assert!(text.contains("card      lesson"), "{text}");
    // No raw microseconds and no long binary floats such as 0.6800000071525574.
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')') {
        if let Some((_, decimals)) = word.split_once('.') {
            let digits = decimals.chars().take_while(|c| c.is_ascii_digit()).count();
            assert!(digits <= 3 || word.contains('/'), "{word} in {text}");
        }
        assert!(
            !word.parse::<u64>().is_ok_and(|n| n >= 100_000),
            "{word} in {text}"
        );
    }
    assert!(!text.contains("WentWrong"), "{text}");
}

#[test]
fn a_ten_thousand_clip_dry_run_plans_every_clip_and_says_each_warning_once() {
    // Each distinct input is probed once and repeated warnings collapse into one line each.
    // (Its speed is a benchmark figure in the README, not a timed test.)
    let dir = workdir();
    let d = dir.path();
    // 1 s clips: shorter than TikTok's 3 s, so every plan warns the same way.
    let first = grey_clip(d, "in0.mp4", 1.0, 30);
    for i in 1..10 {
        std::fs::copy(&first, d.join(format!("in{i}.mp4"))).unwrap();
    }
    // TOML, whose key positions once made a large manifest quadratic to read.
    let mut toml = String::new();
    for i in 0..10_000 {
        toml.push_str(&format!(
            "[[clip]]\ninput = \"in{}.mp4\"\noutput = \"reels/o{i}.mp4\"\nwent_wrong = \"Too hot\"\n",
            i % 10
        ));
    }
    let manifest = d.join("big.toml");
    std::fs::write(&manifest, toml).unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest), "--dry-run"]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{err}");
    let text = String::from_utf8_lossy(&r.stdout);
    let plans = text.lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(plans, 10_000);
    // Each message once, with its count (short reel; the picture is enlarged).
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert!(
        (1..=3).contains(&warnings.len()),
        "repeated warnings collapse: {err}"
    );
    assert!(
        warnings.iter().all(|w| w.ends_with("(10000 reels)")),
        "{err}"
    );
    assert!(warnings.iter().any(|w| w.contains("shorter than")), "{err}");
}

#[test]
fn ctrl_c_finishes_the_running_reel_and_counts_the_clips_never_started() {
    let dir = workdir();
    let d = dir.path();
    let a = grey_clip(d, "a.mp4", 4.0, 30);
    let b = d.join("b.mp4");
    let c = d.join("c.mp4");
    std::fs::copy(&a, &b).unwrap();
    std::fs::copy(&a, &c).unwrap();
    let outs = d.join("reels");
    let child = spawn_failreel(&[
        "render",
        s(&a),
        s(&b),
        s(&c),
        "--out-dir",
        s(&outs),
        "--jobs",
        "1",
        "--encoder-preset",
        "medium",
        "--json",
    ]);
    // Wait until the first reel's temporary exists: it is rendering.
    wait_for_file(
        &outs,
        |n| n.ends_with(".tmp"),
        30,
        "the render never started",
    );
    send_signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("finishing the reels in progress"),
        "acknowledged: {err}"
    );
    assert!(
        err.contains("1 rendered, 0 skipped, 0 failed, 2 not started"),
        "{err}"
    );
    assert_eq!(
        list(&outs),
        vec!["a.tiktok.mp4"],
        "the running reel was finished"
    );
    let summary = json_lines(&out.stdout)
        .into_iter()
        .find(|v| v["event"] == "summary")
        .expect("a summary line");
    assert_eq!(summary["not_started"], 2);
    assert_eq!(summary["interrupted"], true);
}

//! Batches from manifests, end to end with real encoding: failure isolation, JSON Lines,
//! resume from real reels' headers, sharding and manifest errors. Orchestration alone (resume
//! rules, interruption, collisions, counts) is tested on the fake renderer in
//! tests/suite/orchestration.rs.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

fn results(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l.get("status").is_some()).collect()
}

fn status_of<'a>(lines: &'a [Value], input_suffix: &str) -> &'a str {
    results(lines)
        .into_iter()
        .find(|r| r["input"].as_str().unwrap().ends_with(input_suffix))
        .unwrap_or_else(|| panic!("no result for {input_suffix}"))["status"]
        .as_str()
        .unwrap()
}

/// A folder with raw/a.mp4, raw/b.mov, raw/c.mp4 and a manifest week.toml.
fn week(dir: &Path, lesson_b: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("raw")).unwrap();
    for name in ["a.mp4", "b.mov", "c.mp4"] {
        if !dir.join("raw").join(name).exists() {
            grey_clip(&dir.join("raw"), name, 1.0, 30);
        }
    }
    let manifest = dir.join("week.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"preset = "reels"
out_dir = "reels"
encoder_preset = "ultrafast"

[[clip]]
input = "raw/a.mp4"
went_wrong = "Oil was smoking before the garlic went in"

[[clip]]
input = "raw/b.mov"
lesson = "{lesson_b}"

[[clip]]
input = "raw/c.mp4"
preset = "tiktok"
output = "souffle.mp4"
"#
        ),
    )
    .unwrap();
    manifest
}

#[test]
fn manifest_batch_renders_in_parallel_and_resumes() {
    let dir = workdir();
    let d = dir.path();
    let manifest = week(d, "Medium heat");
    // Run from another folder: every path is relative to the manifest.
    let r = failreel_command(&[])
        .args([
            "render",
            "--manifest",
            s(&manifest),
            "--jobs",
            "2",
            "--json",
        ])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(list(&d.join("reels")), vec!["a.reels.mp4", "b.reels.mp4"]);
    assert!(d.join("souffle.mp4").exists());
    let lines = json_lines(&r.stdout);
    for ev in ["started", "summary"] {
        assert!(lines.iter().any(|l| l["event"] == ev), "{ev} event");
    }
    for r in results(&lines) {
        assert_eq!(r["status"], "ok");
        assert!(r["duration_s"].as_f64().unwrap() > 0.9);
        assert!(r["render_seconds"].as_f64().is_some());
        assert!(r["output"].as_str().is_some() && r["input"].as_str().is_some());
    }
    let p = ffprobe(&d.join("souffle.mp4"), &[]);
    assert_eq!(stream(&p, "video")["height"], 1920);

    // Nothing changed: everything is skipped, nothing is rendered (no reel is started, no
    // frame counted). Whether it is quick is for the benchmarks, not a timed test.
    let r = failreel(&["render", "--manifest", s(&manifest), "--json"]);
    assert_eq!(r.status.code(), Some(0));
    let lines = json_lines(&r.stdout);
    assert!(
        !lines
            .iter()
            .any(|l| l["event"] == "started" || l["event"] == "progress"),
        "{lines:?}"
    );
    assert!(
        results(&lines).iter().all(|r| r["status"] == "skipped"),
        "{lines:?}"
    );

    // One clip's plan changes: only it is rendered again.
    week(d, "Low heat, lid on");
    let before_a = std::fs::metadata(d.join("reels/a.reels.mp4"))
        .unwrap()
        .modified()
        .unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest), "--json"]);
    assert_eq!(r.status.code(), Some(0));
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "a.mp4"), "skipped");
    assert_eq!(status_of(&lines, "b.mov"), "ok");
    assert_eq!(status_of(&lines, "c.mp4"), "skipped");
    assert_eq!(
        std::fs::metadata(d.join("reels/a.reels.mp4"))
            .unwrap()
            .modified()
            .unwrap(),
        before_a
    );

    // The dry run marks what a run would skip.
    let r = failreel(&["render", "--manifest", s(&manifest), "--dry-run"]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(
        text.matches("(would skip: up to date)").count(),
        3,
        "{text}"
    );
}

#[test]
fn a_broken_clip_in_a_manifest_fails_alone() {
    let dir = workdir();
    let d = dir.path();
    let manifest = week(d, "x");
    std::fs::write(d.join("raw/b.mov"), b"not a video at all").unwrap();
    std::fs::remove_file(d.join("raw/c.mp4")).unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest), "--json"]);
    assert_eq!(r.status.code(), Some(1));
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "a.mp4"), "ok");
    assert_eq!(status_of(&lines, "b.mov"), "failed");
    assert_eq!(status_of(&lines, "c.mp4"), "failed");
    let failed = results(&lines)
        .into_iter()
        .find(|r| r["input"].as_str().unwrap().ends_with("b.mov"))
        .unwrap();
    assert!(failed["error"].as_str().unwrap().contains("b.mov"));
    assert_eq!(list(&d.join("reels")), vec!["a.reels.mp4"]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("1 rendered, 0 skipped, 2 failed"),
        "summary: {err}"
    );
}

#[test]
fn shards_cover_every_clip_exactly_once() {
    let dir = workdir();
    let d = dir.path();
    let mut text = String::from("out_dir = \"reels\"\n");
    for i in 0..7 {
        text.push_str(&format!("[[clip]]\ninput = \"clip{i}.mp4\"\n"));
    }
    let clip = grey_clip(d, "clip0.mp4", 0.5, 30);
    for i in 1..7 {
        std::fs::copy(&clip, d.join(format!("clip{i}.mp4"))).unwrap();
    }
    let manifest = d.join("m.toml");
    std::fs::write(&manifest, text).unwrap();
    let mut seen = Vec::new();
    for shard in ["0/3", "1/3", "2/3"] {
        let r = failreel(&[
            "render",
            "--manifest",
            s(&manifest),
            "--shard",
            shard,
            "--dry-run",
            "--json",
        ]);
        assert_eq!(r.status.code(), Some(0));
        for l in json_lines(&r.stdout)
            .iter()
            .filter(|l| l["event"] == "plan")
        {
            seen.push(l["output"].as_str().unwrap().to_string());
        }
    }
    seen.sort();
    let mut want: Vec<String> = (0..7)
        .map(|i| {
            d.join(format!("reels/clip{i}.tiktok.mp4"))
                .display()
                .to_string()
        })
        .collect();
    want.sort();
    assert_eq!(seen, want);
}

#[test]
fn manifest_errors_are_all_listed_with_lines_before_rendering() {
    let dir = workdir();
    let d = dir.path();
    grey_clip(d, "a.mp4", 0.5, 30);
    let manifest = d.join("week-12.toml");
    std::fs::write(
        &manifest,
        "preset = \"reels\"\n\n[[clip]]\ninput = \"a.mp4\"\nstrat = \"0:01\"\n\n[[clip]]\ninput = \"a.mp4\"\ncrf = \"high\"\n",
    )
    .unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest)]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("week-12.toml:5:1") && err.contains("strat"),
        "{err}"
    );
    assert!(
        err.contains("week-12.toml:9:1") && err.contains("crf"),
        "{err}"
    );
    assert!(!d.join("reels").exists());

    // Two clips that would write the same file are refused with both names.
    std::fs::create_dir_all(d.join("x")).unwrap();
    std::fs::create_dir_all(d.join("y")).unwrap();
    std::fs::copy(d.join("a.mp4"), d.join("x/IMG_0001.MOV")).unwrap();
    std::fs::copy(d.join("a.mp4"), d.join("y/IMG_0001.MOV")).unwrap();
    std::fs::write(
        &manifest,
        "[[clip]]\ninput = \"x/IMG_0001.MOV\"\n[[clip]]\ninput = \"y/IMG_0001.MOV\"\n",
    )
    .unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest)]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("x/IMG_0001.MOV") && err.contains("y/IMG_0001.MOV"),
        "{err}"
    );
    assert!(!d.join("reels").exists());
}

#[test]
fn csv_manifest_and_files_failreel_did_not_write() {
    let dir = workdir();
    let d = dir.path();
    grey_clip(d, "a.mp4", 0.5, 30);
    grey_clip(d, "b.mp4", 0.5, 30);
    let manifest = d.join("sheet.csv");
    std::fs::write(
        &manifest,
        "input,went_wrong,lesson,encoder_preset\na.mp4,\"Burnt, badly: 100% %{pts}\",Lower heat,ultrafast\nb.mp4,,,ultrafast\n",
    )
    .unwrap();
    std::fs::create_dir_all(d.join("reels")).unwrap();
    std::fs::write(d.join("reels/b.tiktok.mp4"), b"my own edit").unwrap();
    let r = failreel(&["render", "--manifest", s(&manifest), "--json"]);
    assert_eq!(r.status.code(), Some(1));
    let lines = json_lines(&r.stdout);
    assert_eq!(status_of(&lines, "a.mp4"), "ok");
    assert_eq!(status_of(&lines, "b.mp4"), "failed");
    assert_eq!(
        std::fs::read(d.join("reels/b.tiktok.mp4")).unwrap(),
        b"my own edit"
    );
    let r = failreel(&["render", "--manifest", s(&manifest), "--json", "--force"]);
    assert_eq!(r.status.code(), Some(0));
    let p = ffprobe(&d.join("reels/b.tiktok.mp4"), &[]);
    assert_eq!(stream(&p, "video")["width"], 1080);
}

#[test]
fn resume_does_not_depend_on_how_the_manifests_path_is_spelled() {
    // Issue 24: the same manifest given as `week.toml` from its folder, as `week/week.toml`
    // from above it, or by an absolute path, renders nothing the second time.
    let dir = workdir();
    let top = dir.path();
    let week_dir = top.join("week");
    let manifest = week(&week_dir, "b's lesson");
    let run = |cwd: &Path, m: &str| {
        let o = failreel_command(&[])
            .args(["render", "--manifest", m, "--json"])
            .current_dir(cwd)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        json_lines(&o.stdout)
    };
    let first = run(&week_dir, "week.toml");
    assert!(results(&first).iter().all(|r| r["status"] == "ok"));
    for (cwd, m) in [
        (top.to_path_buf(), "week/week.toml".to_string()),
        (week_dir.join("raw"), "../week.toml".to_string()),
        (top.to_path_buf(), manifest.display().to_string()),
    ] {
        let again = run(&cwd, &m);
        assert!(
            results(&again).iter().all(|r| r["status"] == "skipped"),
            "{m} from {}: {again:?}",
            cwd.display()
        );
    }
}

#[test]
fn a_shard_with_no_clip_says_so() {
    // One clip, shard 1/2: nothing to do. The run printed nothing at all on stderr, so a
    // Slurm or Kubernetes log could not tell "no clip here" from a run that never started.
    let dir = workdir();
    let clip = small_pattern(2);
    let out = dir.path().join("r.mp4");
    let o = failreel(&["render", s(&clip), "-o", s(&out), "--shard", "1/2"]);
    assert_exit_says(&o, 0, "no clip to render in this run");
    assert!(!out.exists());
    // -q stays quiet.
    let o = failreel(&["render", s(&clip), "-o", s(&out), "--shard", "1/2", "-q"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

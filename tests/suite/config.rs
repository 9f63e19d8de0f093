//! Configuration errors (flags, presets, manifests) are usage errors (exit 2) raised before
//! any input is opened, each as `file:line:column: plain words`.

use crate::common::*;

/// Runs a render that must be refused as a usage error; returns stderr.
fn usage_error(args: &[&str]) -> String {
    let out = failreel(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn crf_0_is_a_usage_error_with_the_valid_range_before_decoding() {
    // The input does not exist: the refusal comes before anything is opened.
    let err = usage_error(&["render", "never-opened.mov", "--crf", "0"]);
    assert!(err.contains("from 1 to 51"), "{err}");
    assert!(!err.contains("never-opened.mov: "), "{err}");
    let dir = workdir();
    let m = dir.path().join("week.toml");
    std::fs::write(&m, "[[clip]]\ninput = \"never-opened.mov\"\n\ncrf = 0\n").unwrap();
    let err = usage_error(&["render", "--manifest", s(&m)]);
    assert!(
        err.contains("week.toml:4:1: `crf` must be a whole number from 1 to 51"),
        "{err}"
    );
}

#[test]
fn preset_sizes_h264_cannot_carry_are_usage_errors_before_decoding() {
    let dir = workdir();
    let p = dir.path().join("huge.toml");
    std::fs::write(&p, "[video]\nwidth = 20000\nheight = 20000\n").unwrap();
    let err = usage_error(&["render", "never-opened.mov", "--preset", s(&p)]);
    assert!(
        err.contains("huge.toml:2:1: the video size 20000x20000 is larger than H.264 level"),
        "{err}"
    );
    std::fs::write(&p, "[video]\nfps = 1000\n").unwrap();
    let err = usage_error(&["render", "never-opened.mov", "--preset", s(&p)]);
    assert!(
        err.contains("huge.toml:2:1: `video.fps` must be a whole number from 1 to 120"),
        "{err}"
    );
}

#[test]
fn preset_names_cannot_write_outside_the_out_dir() {
    let dir = workdir();
    let p = dir.path().join("evil.toml");
    std::fs::write(&p, "name = \"x/../../../tmp/evil\"\n").unwrap();
    let out = dir.path().join("out");
    let err = usage_error(&[
        "render",
        "never-opened.mov",
        "--preset",
        s(&p),
        "--out-dir",
        s(&out),
    ]);
    assert!(
        err.contains("evil.toml:1:1: `name` must be a plain name"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn json_manifest_errors_give_line_and_column_in_plain_words() {
    let dir = workdir();
    let m = dir.path().join("week.json");
    std::fs::write(
        &m,
        "{\n  \"preset\": \"reels\",\n  \"clip\": [\n    {\"input\": \"a.mov\", \"crf\": \"best\"},\n    {\"input\": \"b.mov\", \"strat\": 1}\n  ]\n}\n",
    )
    .unwrap();
    let err = usage_error(&["render", "--manifest", s(&m)]);
    assert!(
        err.contains("week.json:4:24: `crf` must be a whole number from 1 to 51")
            && err.contains("not \"best\""),
        "{err}"
    );
    assert!(
        err.contains("week.json:5:24: unknown key `strat` (did you mean `start`?)"),
        "{err}"
    );
    assert!(!err.contains("invalid type"), "{err}");
    std::fs::write(
        &m,
        "{\n  \"clip\": [\n    {\"input\": \"a.mov\",}\n  ]\n}\n",
    )
    .unwrap();
    let err = usage_error(&["render", "--manifest", s(&m)]);
    assert!(err.contains("week.json:3:"), "{err}");
}

#[test]
fn csv_manifest_errors_give_row_and_column() {
    let dir = workdir();
    let m = dir.path().join("sheet.csv");
    std::fs::write(&m, "input,start,crf\na.mov,0:01,20\nb.mov,soon,99\n").unwrap();
    let err = usage_error(&["render", "--manifest", s(&m)]);
    assert!(
        err.contains("sheet.csv:3:2: `start` must be a time"),
        "{err}"
    );
    assert!(
        err.contains("sheet.csv:3:3: `crf` must be a whole number from 1 to 51"),
        "{err}"
    );
}

#[test]
fn flags_beside_a_manifest_are_never_silently_ignored() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "a.mp4", 1.0, 30);
    let m = d.join("week.toml");
    std::fs::write(
        &m,
        format!(
            "preset = \"reels\"\ncrf = 30\n[[clip]]\ninput = \"{}\"\ncrf = 28\n",
            s(&clip)
        ),
    )
    .unwrap();
    let out = failreel_exit(
        &[
            "render",
            "--manifest",
            s(&m),
            "--dry-run",
            "--json",
            "--crf",
            "21",
            "--preset",
            "shorts",
            "--out-dir",
            s(&d.join("elsewhere")),
            "--went-wrong",
            "Too hot",
        ],
        0,
    );
    let plan = json_lines(&out.stdout)
        .into_iter()
        .find(|v| v["event"] == "plan")
        .expect("a plan line");
    assert_eq!(plan["plan"]["outputs"][0]["encoder"]["crf"], 21);
    assert_eq!(plan["plan"]["outputs"][0]["preset"], "shorts");
    assert_eq!(plan["plan"]["overlays"][0]["text"], "Too hot");
    assert!(plan["plan"]["outputs"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("elsewhere/a.shorts.mp4"));
}

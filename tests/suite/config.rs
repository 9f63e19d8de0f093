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

#[test]
fn the_look_from_flags_manifest_and_preset_file_is_one_look() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "grey.mp4", 4.0, 30);
    let cards = ["--went-wrong", "Oops", "--lesson", "Medium heat"];
    let mut flags = vec![s(&clip)];
    flags.extend(cards);
    flags.extend([
        "--look",
        "banner",
        "--text-size",
        "L",
        "--accent",
        "#ff0000",
        "--handle",
        "kitchenfails",
    ]);
    let from_flags = render_dry_plan(&flags);
    let look = &from_flags["look"];
    assert_eq!(look["look"], "banner");
    assert_eq!(look["text_size"], "L");
    assert_eq!(look["accent"], "#FF0000");
    assert_eq!(look["handle"], "@kitchenfails");
    let banner = failreel::CardStyle::look("banner").unwrap();
    let style = &from_flags["card_style"];
    assert_eq!(style["heading_color"], "#FF0000");
    assert!((style["body_size"].as_f64().unwrap() - banner.body_size as f64 * 1.25).abs() < 0.01);
    assert!(
        (style["heading_size"].as_f64().unwrap() - banner.heading_size as f64 * 1.25).abs() < 0.01
    );
    let handle = from_flags["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["role"] == "handle")
        .expect("the handle is an overlay");
    assert_eq!(handle["text"], "@kitchenfails");
    assert_eq!(handle["at"], 0);
    assert_eq!(handle["until"], 4_000_000);
    assert!(handle["opacity"].as_f64().unwrap() < 1.0);
    // The same keys in a manifest.
    let manifest = d.join("week.toml");
    std::fs::write(
        &manifest,
        "look = \"banner\"\ntext_size = \"L\"\naccent = \"#FF0000\"\nhandle = \"@kitchenfails\"\n\
         [[clip]]\ninput = \"grey.mp4\"\nwent_wrong = \"Oops\"\nlesson = \"Medium heat\"\n",
    )
    .unwrap();
    let from_manifest = render_dry_plan(&["--manifest", s(&manifest)]);
    for key in ["look", "card_style", "overlays"] {
        assert_eq!(from_flags[key], from_manifest[key], "{key}");
    }
    // And in a preset file, which `presets show` prints back.
    let preset = d.join("mine.toml");
    std::fs::write(
        &preset,
        "base = \"tiktok\"\n[cards]\nlook = \"banner\"\ntext_size = \"L\"\naccent = \"#FF0000\"\nhandle = \"@kitchenfails\"\n",
    )
    .unwrap();
    let mut with_preset = vec![s(&clip), "--preset", s(&preset)];
    with_preset.extend(cards);
    let from_preset = render_dry_plan(&with_preset);
    for key in ["look", "card_style", "overlays"] {
        assert_eq!(from_flags[key], from_preset[key], "{key}");
    }
    let shown = failreel_ok_stdout(&["presets", "show", s(&preset)]);
    for line in [
        "look = \"banner\"",
        "text_size = \"L\"",
        "accent = \"#FF0000\"",
        "handle = \"@kitchenfails\"",
    ] {
        assert!(shown.contains(line), "{line} in:\n{shown}");
    }
    // A built-in preset shows the keys it leaves unset as comments.
    let tiktok = failreel_ok_stdout(&["presets", "show", "tiktok"]);
    for hint in ["# text_size = ", "# accent = \"#FFD23F\"", "# handle = "] {
        assert!(tiktok.contains(hint), "{hint} in:\n{tiktok}");
    }
    // A flag wins over the preset file's key.
    let mut over = with_preset.clone();
    over.extend(["--text-size", "40px", "--handle", "@other"]);
    let p = render_dry_plan(&over);
    assert_eq!(p["card_style"]["body_size"], 40.0);
    assert_eq!(p["look"]["handle"], "@other");
    // Human --dry-run says it too.
    let mut human = vec!["render"];
    human.extend(flags.iter().copied());
    human.push("--dry-run");
    let text = failreel_ok_stdout(&human);
    let line = format!(
        "look      banner, text L ({:.0} px, headings {:.0} px), accent #FF0000, handle @kitchenfails",
        banner.body_size * 1.25,
        banner.heading_size * 1.25
    );
    assert!(text.contains(&line), "{line} in {text}");
}

/// Runs failreel, asserts it succeeded, returns stdout.
fn failreel_ok_stdout(args: &[&str]) -> String {
    let out = failreel(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bad_look_values_name_the_flag_or_key_and_the_value() {
    for (flag, bad) in [
        ("--look", "sparkly"),
        ("--text-size", "XL"),
        ("--accent", "red"),
        ("--handle", "two words"),
    ] {
        let err = usage_error(&["render", "never-opened.mov", flag, bad]);
        assert!(err.contains(flag) && err.contains(bad), "{flag}: {err}");
    }
    let dir = workdir();
    for (key, bad) in [
        ("look", "\"sparkly\""),
        ("text_size", "\"XL\""),
        ("accent", "\"red\""),
        ("handle", "\"two words\""),
    ] {
        let manifest = dir.path().join(format!("{key}.toml"));
        std::fs::write(
            &manifest,
            format!("[[clip]]\ninput = \"never-opened.mov\"\n{key} = {bad}\n"),
        )
        .unwrap();
        let err = usage_error(&["render", "--manifest", s(&manifest)]);
        assert!(
            err.contains(&format!("{key}.toml:3:")) && err.contains(key) && err.contains(bad),
            "{key}: {err}"
        );
        let preset = dir.path().join(format!("p-{key}.toml"));
        std::fs::write(&preset, format!("[cards]\n{key} = {bad}\n")).unwrap();
        let err = usage_error(&["presets", "show", s(&preset)]);
        assert!(
            err.contains(&format!("p-{key}.toml:2:")) && err.contains(bad.trim_matches('"')),
            "preset {key}: {err}"
        );
    }
}

#[test]
fn the_accent_colours_the_heading_on_the_frame() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "grey.mp4", 2.0, 30);
    let png = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut a = vec![
            "preview",
            s(&clip),
            "--at",
            "0.5",
            "--went-wrong",
            "Oops",
            "-o",
            s(&out),
        ];
        a.extend_from_slice(extra);
        failreel_ok(&a);
        image::open(&out).unwrap().to_rgb8()
    };
    let red = |img: &image::RgbImage| {
        img.pixels()
            .filter(|p| p.0[0] > 180 && p.0[1] < 80 && p.0[2] < 80)
            .count()
    };
    let plain = png("plain.png", &[]);
    let accented = png("red.png", &["--accent", "#FF0000"]);
    assert_eq!(red(&plain), 0, "the default heading is yellow");
    assert!(
        red(&accented) > 500,
        "the heading is red: {}",
        red(&accented)
    );
}

#[test]
fn text_sizes_scale_with_a_small_preset_and_its_cards_fit_the_safe_zone() {
    // A 180x320 preset on tiktok: the boxed look's 60 px body (drawn for 1080x1920) was
    // inherited as is, so --text-size S/M/L gave 48/60/75 px text on a 180 px wide reel: two
    // letters a line, cut with "…". The look's sizes now scale with the preset (1/6 here);
    // a preset's own [cards.style] keys stay pixels as written. Cost: five dry runs of a
    // cached 2 s 320x180 clip, no pass, ~0.3 s.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(2);
    let tiny = tiny_preset(d, "tiny", "tiktok", "");
    let text = "Oil was smoking before the garlic went in";
    let plan_at = |preset: &std::path::Path, size: &str| {
        let args = [
            "render",
            s(&clip),
            "-p",
            s(preset),
            "--text-size",
            size,
            "--went-wrong",
            text,
            "--focus",
            "0.5",
            "--no-normalize",
            "-o",
            "x.mp4",
            "--dry-run",
            "--json",
        ];
        let o = failreel_exit(&args, 0);
        let plan = json_lines(&o.stdout)
            .into_iter()
            .find(|v| v["event"] == "plan")
            .expect("a plan line")["plan"]
            .take();
        (plan, all_text(&o))
    };
    let boxed = failreel::CardStyle::look("boxed").unwrap();
    for (size, factor) in [("S", 0.8), ("M", 1.0), ("L", 1.25)] {
        let (plan, out) = plan_at(&tiny, size);
        let body = plan["card_style"]["body_size"].as_f64().unwrap();
        let want = (boxed.body_size as f64 / 6.0 * factor).max(8.0);
        assert!((body - want).abs() < 0.01, "{size}: {body} px, want {want}");
        // The card is whole (not cut) and inside the safe zone.
        assert!(!out.contains("cut with"), "{size}: {out}");
        let card = &plan["overlays"][0];
        let (z, r) = (&plan["safe_zone"], &card["rect"]);
        let n = |v: &serde_json::Value| v.as_i64().unwrap();
        assert!(
            n(&r["x"]) >= n(&z["left"])
                && n(&r["x"]) + n(&r["width"]) <= 180 - n(&z["right"])
                && n(&r["y"]) >= n(&z["top"])
                && n(&r["y"]) + n(&r["height"]) <= 320 - n(&z["bottom"]),
            "{size}: card {r} outside the safe zone {z}"
        );
    }
    // A preset's own sizes are pixels as written; a --text-size in pixels is as given.
    let own = tiny_preset(
        d,
        "own",
        "tiktok",
        "[cards.style]\nbody_size = 14.0\nmin_body_size = 9.0\n",
    );
    assert_eq!(plan_at(&own, "M").0["card_style"]["body_size"], 14.0);
    assert_eq!(plan_at(&tiny, "20px").0["card_style"]["body_size"], 20.0);
}

#[test]
fn an_unknown_preset_lists_every_built_in_and_the_near_one() {
    // `--preset storys` said "use one of tiktok, reels, shorts, everywhere": `stories`, a
    // built-in (`failreel presets` lists it), was missing from the list, as from a preset
    // file's `base` error. The list is now the built-ins themselves, with the near one named
    // ("TikTok" is `tiktok`). Cost: four runs that stop before probing, ~0.03 s.
    let dir = workdir();
    let d = dir.path();
    for (given, near) in [
        ("storys", Some("stories")),
        ("TikTok", Some("tiktok")),
        ("reel", Some("reels")),
        ("vine", None),
    ] {
        let err = usage_error(&["render", "clip.mp4", "-p", given, "--dry-run"]);
        assert!(
            err.contains("use one of tiktok, reels, shorts, everywhere, stories, or a path"),
            "{err}"
        );
        match near {
            Some(n) => assert!(err.contains(&format!("(did you mean `{n}`?)")), "{err}"),
            None => assert!(!err.contains("did you mean"), "{err}"),
        }
    }
    let file = d.join("mine.toml");
    std::fs::write(&file, "base = \"storys\"\n").unwrap();
    let err = usage_error(&["render", "clip.mp4", "-p", s(&file), "--dry-run"]);
    assert!(
        err.contains("unknown base preset `storys` (did you mean `stories`?): use one of tiktok, reels, shorts, everywhere, stories"),
        "{err}"
    );
}

#[test]
fn a_manifests_bad_start_says_auto_once_and_negative_times_plainly() {
    // `start = -1` in a manifest said: `start` must be a time such as "0:03.2" (m:ss.fff) or
    // 3.2 (seconds), not -1, or "auto" — "auto" tacked on after the value, and no word that
    // times cannot be negative (the command line says so since polish4). Cost: one run that
    // stops before probing, ~0.01 s.
    let dir = workdir();
    let m = dir.path().join("week.toml");
    std::fs::write(
        &m,
        "[[clip]]\ninput = \"a.mp4\"\nstart = -1\n\n[[clip]]\ninput = \"b.mp4\"\nstart = \"soon\"\nend = \"-2\"\n",
    )
    .unwrap();
    let err = usage_error(&["render", "--manifest", s(&m)]);
    let negative = "times are 0 or more (counted from the clip's or the reel's start)";
    assert!(
        err.contains(&format!(
            "week.toml:3:1: `start` must be a time such as \"0:03.2\" (m:ss.fff) or 3.2 (seconds), or \"auto\", not -1: {negative}"
        )),
        "{err}"
    );
    assert!(
        err.contains("week.toml:7:1: `start` must be a time such as \"0:03.2\" (m:ss.fff) or 3.2 (seconds), or \"auto\", not \"soon\"\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!("week.toml:8:1: `end` must be a time such as \"0:03.2\" (m:ss.fff) or 3.2 (seconds), not \"-2\": {negative}")),
        "{err}"
    );
}

#[test]
fn a_video_given_as_a_manifest_or_preset_is_said_to_be_a_video() {
    // `failreel render -m clip.mp4` said "clip.mp4: the manifest is not UTF-8 text (nor
    // UTF-16): save it as UTF-8 text" (or, for a phone clip, that it is larger than a
    // manifest may be): advice for a text file. A video is said to be one, with what goes
    // where. Cost: two runs that stop before probing, ~0.02 s.
    let clip = small_pattern(2);
    let err = usage_error(&["render", "--manifest", s(&clip)]);
    assert!(
        err.contains(&format!(
            "{}: is a video, not a manifest: give clips as arguments (failreel render CLIP...)",
            s(&clip)
        )),
        "{err}"
    );
    assert!(!err.contains("UTF-8"), "{err}");
    let err = usage_error(&["render", s(&clip), "-p", s(&clip), "--dry-run"]);
    assert!(
        err.contains(&format!("{}: is a video, not a preset file", s(&clip))),
        "{err}"
    );
}

#[test]
fn a_manifests_clashing_outputs_say_another_output_when_the_clip_names_one() {
    // Two manifest clips both named `output = "same.mp4"`: "give clip 2 an `output` (or its
    // own `out_dir`)" — clip 2 has one. It now says "another `output`"; clips whose names
    // come from their inputs keep the old advice. Cost: two runs that stop before probing,
    // ~0.02 s.
    let dir = workdir();
    let d = dir.path();
    let m = d.join("week.toml");
    std::fs::write(
        &m,
        "[[clip]]\ninput = \"a.mp4\"\noutput = \"same.mp4\"\n\n[[clip]]\ninput = \"b.mp4\"\noutput = \"same.mp4\"\n",
    )
    .unwrap();
    let err = usage_error(&["render", "--manifest", s(&m)]);
    assert!(
        err.contains("would both be written to")
            && err.contains("give clip 2 another `output` in the manifest"),
        "{err}"
    );
    std::fs::write(
        &m,
        "[[clip]]\ninput = \"x/a.mp4\"\n\n[[clip]]\ninput = \"y/a.mp4\"\n",
    )
    .unwrap();
    let err = usage_error(&["render", "--manifest", s(&m)]);
    assert!(
        err.contains("give clip 2 an `output` (or its own `out_dir`) in the manifest"),
        "{err}"
    );
}

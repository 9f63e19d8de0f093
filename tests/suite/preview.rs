//! `failreel preview`: the PNG is the reel's frame at that moment, cards included.

use crate::common::*;

#[test]
fn preview_matches_the_rendered_frame_cards_included() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("clip.mp4");
    h264_clip(&clip, "testsrc2=s=1280x720:r=30:d=4", None, &["-g", "90"]);
    let card = [
        "--start",
        "0.5",
        "--went-wrong",
        "Burnt 100% %{pts}",
        "--went-wrong-until",
        "3",
        "--lesson",
        "Lower heat",
    ];
    let png = d.join("frame.png");
    let mut args = vec!["preview", s(&clip), "--at", "1.4", "-o", s(&png)];
    args.extend_from_slice(&card);
    failreel_ok(&args);
    let reel = d.join("reel.mp4");
    let mut args = vec![
        "render",
        s(&clip),
        "-o",
        s(&reel),
        "--encoder-preset",
        "ultrafast",
        "--crf",
        "8",
    ];
    args.extend_from_slice(&card);
    failreel_ok(&args);
    let (w, h, mut pictures) = rgb_frames(&png);
    let preview = pictures.remove(0);
    assert_eq!((w, h), (1080, 1920));
    let (_, _, frames) = rgb_frames(&reel);
    let frame = &frames[42]; // 1.4 s at 30 fps
    let diff: f64 = preview
        .iter()
        .zip(frame)
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / preview.len() as f64;
    assert!(
        diff < 2.0,
        "preview differs from the reel's frame by {diff} on average"
    );
    // The card is there (the frame without cards differs in the card's rectangle).
    let other = &frames[100]; // 3.33 s: no went-wrong card
    let card_rows = 300..500;
    let changed = card_rows
        .clone()
        .map(|y| {
            (0..w)
                .filter(|&x| {
                    let i = (y * w + x) * 3;
                    (preview[i] as i32 - other[i] as i32).abs() > 40
                })
                .count()
        })
        .sum::<usize>();
    assert!(changed > 10_000, "card pixels in the preview: {changed}");

    // Bad input: a clear error, no PNG.
    let r = failreel(&[
        "preview",
        s(&d.join("missing.mov")),
        "--at",
        "1",
        "-o",
        s(&d.join("x.png")),
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("missing.mov"));
    assert!(!d.join("x.png").exists());
}

#[test]
fn preview_shows_the_replay_and_writes_a_jpeg_under_a_jpeg_name() {
    // Issue 24: a time inside the replay was "past the end of the reel", and `-o x.jpg` got
    // PNG data under a JPEG name.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(4);
    let tiny = tiny_preset(d, "tiny", "tiktok", "");
    let common = ["-p", s(&tiny), "--replay", "--start", "0", "--end", "3"];
    let mut dry = vec!["render", s(&clip), "-o", "r.mp4", "--dry-run", "--json"];
    dry.extend(common);
    let plan = plan_lines(&dry).remove(0)["plan"].clone();
    let r = &plan["replay"];
    let (first, src) = (
        r["first_frame"].as_u64().unwrap(),
        r["first_source_frame"].as_u64().unwrap(),
    );
    let at = |frame: u64| format!("{:.4}", (frame as f64 + 0.5) / 30.0);
    let shot = |frame: u64, name: &str| {
        let png = d.join(name);
        let mut args = vec!["preview", s(&clip), "--at"];
        let t = at(frame);
        args.push(&t);
        args.extend(["-o", s(&png)]);
        args.extend(common);
        failreel_ok(&args);
        image::open(&png).expect("a PNG").to_luma8().into_raw()
    };
    // The replay's 11th frame repeats source frame src + 5 (each shown twice).
    let replayed = shot(first + 10, "replay.png");
    let same = shot(src + 5, "source.png");
    let other = shot(src + 25, "other.png");
    // Below the replay's tag (the top of the 180x320 picture).
    let tag = &plan["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["role"] == "replay_tag")
        .expect("the replay's tag")["rect"];
    let below = (tag["y"].as_u64().unwrap() + tag["height"].as_u64().unwrap()) as usize * 180;
    let mad = |a: &[u8], b: &[u8]| {
        a[below..]
            .iter()
            .zip(&b[below..])
            .map(|(&x, &y)| (x as f64 - y as f64).abs())
            .sum::<f64>()
            / (a.len() - below) as f64
    };
    let (near, far) = (mad(&replayed, &same), mad(&replayed, &other));
    assert!(
        near * 3.0 < far,
        "replay frame vs its source {near:.2}, vs another {far:.2}"
    );

    // JPEG data under a JPEG name; another kind of name refused.
    let jpg = d.join("x.jpg");
    let mut args = vec!["preview", s(&clip), "--at", "0.5", "-o", s(&jpg)];
    args.extend(common);
    failreel_ok(&args);
    let bytes = std::fs::read(&jpg).unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "JPEG data");
    assert_eq!(
        image::guess_format(&bytes).unwrap(),
        image::ImageFormat::Jpeg
    );
    let gif = d.join("x.gif");
    let o = failreel(&["preview", s(&clip), "--at", "0.5", "-o", s(&gif)]);
    assert_eq!(o.status.code(), Some(2), "{}", all_text(&o));
    assert!(all_text(&o).contains(".jpg") && !gif.exists());
}

#[test]
fn sigterm_cancels_a_preview_during_its_passes_and_writes_nothing() {
    // Issue 24: every command handles signals like render; a preview killed while finding the
    // moment in a long clip exited 143 at once.
    let dir = workdir();
    let d = dir.path();
    let clip = cached_fixture("i24-long-180s.mp4", |p| {
        Fixture::new()
            .lavfi("testsrc2=s=160x90:r=10")
            .lavfi("anoisesrc=c=pink:a=0.05:r=48000:seed=2")
            .opts(&["-g", "10"])
            .secs(180)
            .write(p);
    });
    let png = d.join("p.png");
    let child = failreel_command(&[])
        .args([
            "preview",
            s(&clip),
            "--start",
            "auto",
            "--at",
            "1",
            "-o",
            s(&png),
        ])
        // No cached analysis: the pass runs.
        .env("FAILREEL_CACHE_DIR", d.join("cache"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the pass runs (its progress watcher thread is there), SIGTERM.
    let running = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|t| {
                std::fs::read_to_string(t.path().join("comm"))
                    .is_ok_and(|c| c.starts_with("failreel-pass"))
            })
    };
    let t = std::time::Instant::now();
    while !running(child.id()) {
        assert!(t.elapsed().as_secs() < 30, "the pass never began");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let t = std::time::Instant::now();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", all_text(&o));
    assert!(t.elapsed().as_secs() < 5, "cancelled promptly");
    assert!(!png.exists());
    let left: Vec<String> = list(d).into_iter().filter(|n| n != "cache").collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn preview_prints_the_warnings_the_render_would() {
    // A card text far too long for the safe zone: the render warns that it is cut with "…";
    // the preview, which shows the cut card, said nothing.
    let dir = workdir();
    let d = dir.path();
    let preset = tiny_preset(d, "tiny", "tiktok", "");
    let clip = small_pattern(2);
    let long = "The oil was smoking long before the garlic went in and nobody noticed. ".repeat(8);
    let png = d.join("frame.png");
    let err = failreel_ok(&[
        "preview",
        s(&clip),
        "--at",
        "0.5",
        "-p",
        s(&preset),
        "--went-wrong",
        &long,
        "-o",
        s(&png),
    ]);
    assert!(png.exists());
    let clip_name = format!(
        "failreel: warning: {}: the went-wrong card's text is too long",
        s(&clip)
    );
    assert!(err.contains(&clip_name), "{err}");
}

#[test]
fn preview_with_strict_writes_nothing_when_the_render_would_fail() {
    // `preview --help` lists --strict; it was accepted and ignored: the frame of a reel that
    // `render --strict` refuses was written, exit 0.
    let dir = workdir();
    let d = dir.path();
    // (A 2 s reel is under TikTok's 3 s minimum: a warning of its own, set aside here.)
    let preset = tiny_preset(
        d,
        "tiny",
        "tiktok",
        "[length]\nmin_s = 1.0\n[cards]\ntext_size = \"16px\"\n",
    );
    let clip = small_pattern(2);
    let long = "The oil was smoking long before the garlic went in and nobody noticed. ".repeat(8);
    let png = d.join("frame.png");
    let args = [
        "preview",
        s(&clip),
        "--at",
        "0.5",
        "-p",
        s(&preset),
        "--went-wrong",
        &long,
        "--strict",
        "-o",
        s(&png),
    ];
    let o = failreel(&args);
    assert_exit_says(&o, 1, "--strict makes warnings failures");
    assert!(!png.exists());
    // The smallest size is the look's, scaled to the 180x320 preset (34/6, raised to the 8 px
    // floor) and by 16/10 for the 16 px text: said in whole pixels, not "12.8 px". (Before
    // the look scaled with the preset it was 34 px scaled by 16/60: 9 px.)
    assert_exit_says(&o, 1, "even at the smallest size (13 px)");
    // Without warnings, --strict changes nothing.
    let o = failreel(&[&args[..7], &["Too hot", "--strict", "-o", s(&png)]].concat());
    assert_exit_says(&o, 0, "wrote");
    assert!(png.exists());
}

#[test]
fn preview_refuses_the_encoder_and_cover_flags_it_has_no_use_for() {
    // `preview --crf 18 --encoder-preset slow` wrote the same frame as without them, exit 0:
    // a user comparing encoder settings compared identical pictures. They are refused (exit
    // 2, before anything is decoded), as a compilation refuses --cover. Cost: three runs that
    // stop at the arguments, one preview of a cached 2 s 320x180 clip, ~0.1 s.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(2);
    let png = d.join("frame.png");
    let base = ["preview", s(&clip), "--at", "0.5", "-o", s(&png)];
    for (extra, named) in [
        (
            &["--crf", "18"][..],
            "--crf: preview draws the reel's frame",
        ),
        (
            &["--encoder-preset", "slow", "--cover"][..],
            "--encoder-preset, --cover: preview draws",
        ),
        (&["--cover-at", "1"][..], "--cover-at: preview"),
    ] {
        let o = failreel(&[&base[..], extra].concat());
        assert_exit_says(&o, 2, named);
        assert_exit_says(&o, 2, "leave");
        assert!(!png.exists());
    }
    // --no-normalize does something (no loudness pass): still taken.
    let o = failreel(&[&base[..], &["--no-normalize"]].concat());
    assert_exit_says(&o, 0, "wrote");
}

#[test]
fn preview_takes_quiet_as_render_does() {
    // A script previewing each clip got every warning and a "wrote" line on stderr, and
    // `-q` (as render and compile take) was refused by clap ("unexpected argument '-q'").
    // `-q` silences both; errors are still said, --strict still fails. `--json` gives what
    // `render --json` would (no JSON at all before). Cost: two previews
    // of a cached 2 s 320x180 clip without passes, ~0.2 s.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(2);
    let png = d.join("frame.png");
    let base = [
        "preview",
        s(&clip),
        "--at",
        "0.5",
        "--focus",
        "0.5",
        "--no-normalize",
        "-o",
        s(&png),
    ];
    let o = failreel_exit(&[&base[..], &["-q", "--json"]].concat(), 0);
    assert!(o.stderr.is_empty(), "{}", all_text(&o));
    // --json (as render's): the warning as a line naming the clip, then the result line;
    // quiet silences only the human text.
    let lines = json_lines(&o.stdout);
    let (result, warnings) = lines.split_last().expect("a result line");
    assert!(
        warnings
            .iter()
            .any(|w| w["event"] == "warning" && w["input"] == s(&clip)),
        "{lines:?}"
    );
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["output"], s(&png));
    assert_eq!(result["at_s"], 0.5);
    assert_eq!(
        result["warnings"].as_array().map(Vec::len),
        Some(warnings.len())
    );
    // The still is written all the same: the reel's full size.
    let v = video_stream(&png);
    assert_eq!(
        (num(&v["width"]), num(&v["height"])),
        (1080.0, 1920.0),
        "{v}"
    );
    // The picture is enlarged (a warning): --strict fails it, quiet or not, and says why.
    let o = failreel(&[&base[..], &["--quiet", "--strict", "--force", "--json"]].concat());
    assert_exit_says(&o, 1, "--strict makes warnings failures");
    let result = json_lines(&o.stdout).pop().unwrap();
    assert_eq!(result["status"], "failed", "{result}");
    assert!(result["error"].as_str().unwrap().contains("--strict"));
}

//! `failreel detect` and `--start auto` on generated footage: bangs over a noisy bed, over a
//! speech-like and a music-like signal, a smoke alarm, a shaken picture against a slow pan, a
//! hard cut, a clip without sound and a silent still clip.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// [`bang_clip`] over a 320x180 `testsrc2` picture.
fn clip_with_bang(dir: &Path, name: &str, bed: &str, secs: u32, at_ms: u32) -> PathBuf {
    let video = format!("testsrc2=s=320x180:r=30:d={secs}");
    bang_clip(&dir.join(name), bed, &video, secs, at_ms)
}

/// `failreel detect --json` of `inputs`: (exit code, one parsed line per stdout line).
fn detect(inputs: &[&Path]) -> (i32, Vec<Value>) {
    let mut args = vec!["detect", "--json"];
    args.extend(inputs.iter().map(|p| s(p)));
    let out = failreel(&args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines = text
        .lines()
        .map(|l| {
            // The fields come in the issue's order: input, duration_s, moments; t, score, why.
            if !l.contains("\"event\"") {
                let (i, d, m) = (
                    l.find("\"input\""),
                    l.find("\"duration_s\""),
                    l.find("\"moments\""),
                );
                assert!(i < d && d < m && i == Some(1), "{l}");
                assert_eq!(
                    l.matches("{\"t\":").count(),
                    l.matches("\"why\":").count(),
                    "{l}"
                );
            }
            serde_json::from_str(l).expect("each line is JSON")
        })
        .collect();
    (out.status.code().unwrap_or(-1), lines)
}

/// Asserts the schema of one input's line and returns its moments as (t, score, why).
fn moments(line: &Value) -> Vec<(f64, f64, Vec<String>)> {
    let mut keys: Vec<&String> = line.as_object().expect("an object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["classifier", "duration_s", "input", "moments"],
        "{line}"
    );
    // The sound classifier ranked them, or it is not installed and the line says so.
    assert!(
        ["yamnet", "not installed", "unreadable", "no sound"]
            .contains(&line["classifier"].as_str().unwrap()),
        "{line}"
    );
    assert!(line["duration_s"].as_f64().unwrap() > 0.0);
    let ms: Vec<(f64, f64, Vec<String>)> = line["moments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let mut keys: Vec<&String> = m.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, ["score", "t", "why"], "{m}");
            let why: Vec<String> = m["why"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_string())
                .collect();
            assert!(!why.is_empty());
            (m["t"].as_f64().unwrap(), m["score"].as_f64().unwrap(), why)
        })
        .collect();
    for w in ms.windows(2) {
        assert!(w[0].1 >= w[1].1, "sorted by score: {line}");
    }
    for m in &ms {
        assert!((0.0..=1.0).contains(&m.1), "{line}");
    }
    ms
}

#[test]
fn bangs_are_found_at_their_onset_over_a_bed_speech_and_music() {
    let dir = workdir();
    let noise = clip_with_bang(
        dir.path(),
        "noise.mp4",
        "anoisesrc=seed=3:d=16:c=pink:a=0.03:r=48000",
        16,
        7300,
    );
    // Voiced syllables (a wandering 170 Hz voice with harmonics, smooth 3-4 per second
    // envelope) over room tone.
    let speech = clip_with_bang(
        dir.path(),
        "speech.mp4",
        "aevalsrc=0.3*(sin(2*PI*(170+20*sin(2*PI*0.5*t))*t)+0.5*sin(4*PI*(170+20*sin(2*PI*0.5*t))*t)+0.3*sin(6*PI*(170+20*sin(2*PI*0.5*t))*t))*pow(max(0\\,sin(2*PI*3*t+2*sin(1.3*t)))\\,2):s=48000:d=16[v];anoisesrc=seed=3:d=16:c=pink:a=0.01:r=48000[n];[v][n]amix=inputs=2:normalize=0[out0]",
        16,
        11000,
    );
    // A chord with a kick every 0.5 s and an off-beat tick: periodic onsets.
    let music = clip_with_bang(
        dir.path(),
        "music.mp4",
        "aevalsrc=0.12*(sin(2*PI*220*t)+sin(2*PI*277*t)+sin(2*PI*330*t))+0.4*sin(2*PI*60*t)*exp(-12*mod(t\\,0.5))+0.05*sin(2*PI*880*t)*exp(-20*mod(t+0.25\\,0.5)):s=48000:d=16",
        16,
        9400,
    );
    let (code, lines) = detect(&[&noise, &speech, &music]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 3);
    for (line, planted) in lines.iter().zip([7.3, 11.0, 9.4]) {
        let ms = moments(line);
        assert!(!ms.is_empty(), "{line}");
        let best = &ms[0];
        assert!(
            (best.0 - planted).abs() <= 0.3,
            "best moment at {} not {planted}: {line}",
            best.0
        );
        assert!(best.2.iter().any(|w| w == "bang"), "{line}");
    }
}

#[test]
fn a_smoke_alarm_is_found_at_its_first_beep() {
    let dir = workdir();
    let out = Fixture::new()
        .lavfi("aevalsrc=0.2*sin(2*PI*3150*t)*gte(t\\,2)*lt(mod(t-2\\,4)\\,2.5)*lt(mod(mod(t-2\\,4)\\,1)\\,0.5):s=48000:d=12[t];anoisesrc=seed=3:d=12:c=pink:a=0.02:r=48000[n];[t][n]amix=inputs=2:normalize=0[out0]")
        .lavfi("testsrc2=s=320x180:r=30:d=12")
        .write(&dir.path().join("alarm.mp4"));
    let (code, lines) = detect(&[&out]);
    assert_eq!(code, 0);
    let ms = moments(&lines[0]);
    assert!((ms[0].0 - 2.0).abs() <= 0.3, "{}", lines[0]);
    assert_eq!(ms[0].2[0], "smoke alarm");
    // The later beeps are the same alarm, not moments of their own.
    assert_eq!(ms.len(), 1, "{}", lines[0]);
}

/// A still scene seen through a 320x180 window moving by `x`/`y` (ffmpeg expressions of t),
/// no audio.
fn moving_view(dir: &Path, name: &str, x: &str, y: &str) -> PathBuf {
    moving_view_for(dir, name, x, y, 14, "null")
}

/// [`moving_view`], `secs` long, the picture then through the filter `vf2`.
fn moving_view_for(dir: &Path, name: &str, x: &str, y: &str, secs: u32, vf2: &str) -> PathBuf {
    let scene = dir.join("scene.png");
    if !scene.exists() {
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=480x270:r=1:d=1",
            "-frames:v",
            "1",
            s(&scene),
        ]);
    }
    let vf = format!("crop=320:180:x='{x}':y='{y}',{vf2}");
    Fixture::new()
        .input(&["-loop", "1", "-r", "30", "-i", s(&scene)])
        .secs(secs)
        .opts(&["-vf", &vf])
        .write(&dir.join(name))
}

#[test]
fn a_shaken_picture_is_a_knock_and_a_slow_pan_is_not_on_a_clip_without_sound() {
    let dir = workdir();
    let shaken = moving_view(
        dir.path(),
        "shaken.mp4",
        "80+if(between(t\\,8\\,8.6)\\,35*sin(2*PI*6*(t-8))\\,0)",
        "45+if(between(t\\,8\\,8.6)\\,20*sin(2*PI*5*(t-8))\\,0)",
    );
    let pan = moving_view(dir.path(), "pan.mp4", "t*9", "45");
    let (code, lines) = detect(&[&shaken, &pan]);
    assert_eq!(code, 0);
    let ms = moments(&lines[0]);
    assert!(!ms.is_empty(), "{}", lines[0]);
    assert!((ms[0].0 - 8.0).abs() <= 0.3, "{}", lines[0]);
    assert_eq!(ms[0].2[0], "knock");
    assert!(moments(&lines[1]).is_empty(), "a pan: {}", lines[1]);
}

#[test]
fn a_knock_late_in_a_long_clip_without_sound_is_found_from_its_packet_sizes() {
    // 70 s without sound: decoded only around the jumps in packet sizes. Grain keeps the
    // bytes per frame from being trivially zero; a slow pan from 10 to 25 s raises them for
    // a while (looked at, not a fail); the knock is at 52 s.
    let dir = workdir();
    let x = "80+if(between(t\\,10\\,25)\\,3*(t-10)\\,if(gt(t\\,25)\\,45\\,0))\
             +if(between(t\\,52\\,52.6)\\,35*sin(2*PI*6*(t-52))\\,0)";
    let y = "45+if(between(t\\,52\\,52.6)\\,20*sin(2*PI*5*(t-52))\\,0)";
    let clip = moving_view_for(dir.path(), "long.mp4", x, y, 70, "noise=alls=6:allf=t");
    let (code, lines) = detect(&[&clip]);
    assert_eq!(code, 0);
    let ms = moments(&lines[0]);
    assert!(!ms.is_empty(), "{}", lines[0]);
    assert!((ms[0].0 - 52.0).abs() <= 0.3, "{}", lines[0]);
    assert_eq!(ms[0].2[0], "knock", "{}", lines[0]);
}

#[test]
fn a_hard_cut_is_not_a_fail_and_a_silent_still_clip_has_no_moments() {
    let dir = workdir();
    // Two shots and two beds; the cut switches both at 6 s.
    let cut = Fixture::new()
        .lavfi("testsrc2=s=320x180:r=30:d=6")
        .lavfi("smptehdbars=s=320x180:r=30:d=6")
        .lavfi("anoisesrc=seed=3:d=6:c=pink:a=0.03:r=48000")
        .lavfi("anoisesrc=seed=3:d=6:c=brown:a=0.2:r=48000")
        .opts(&[
            "-filter_complex",
            "[0:v][2:a][1:v][3:a]concat=n=2:v=1:a=1[v][a]",
            "-map",
            "[v]",
            "-map",
            "[a]",
        ])
        .write(&dir.path().join("cut.mp4"));
    let still = Fixture::new()
        .lavfi("color=c=gray:s=320x240:r=30:d=8")
        .lavfi("anullsrc=r=48000:cl=stereo")
        .secs(8)
        .write(&dir.path().join("still.mp4"));
    let (code, lines) = detect(&[&cut, &still]);
    assert_eq!(code, 0);
    let ms = moments(&lines[0]);
    assert!(
        ms.iter().all(|m| (m.0 - 6.0).abs() > 0.5),
        "a cut is not a fail: {}",
        lines[0]
    );
    assert!(moments(&lines[1]).is_empty(), "{}", lines[1]);
    // The human table says so.
    let out = failreel(&["detect", s(&still)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing stands out"));
    // A bad input is an error line and exit 1; the others are still reported.
    let missing = dir.path().join("missing.mp4");
    let (code, lines) = detect(&[&missing, &still]);
    assert_eq!(code, 1);
    assert_eq!(lines[0]["event"], "error");
    assert!(lines[0]["message"]
        .as_str()
        .unwrap()
        .contains("missing.mp4"));
    assert_eq!(lines[1]["moments"], serde_json::json!([]));
}

#[test]
fn start_auto_trims_around_the_moment_and_every_plan_reports_its_trim() {
    let dir = workdir();
    let clip = clip_with_bang(
        dir.path(),
        "bang.mp4",
        "anoisesrc=seed=3:d=30:c=pink:a=0.03:r=48000",
        30,
        17500,
    );
    let auto = plan_lines(&[
        "render",
        s(&clip),
        "--start",
        "auto",
        "--went-wrong",
        "Dropped the lid",
        "--dry-run",
        "--json",
        "--out-dir",
        s(dir.path()),
    ]);
    let trim = auto[0]["trim_s"].as_array().unwrap();
    let (a, b) = (trim[0].as_f64().unwrap(), trim[1].as_f64().unwrap());
    assert!(a <= 17.5 - 1.5 && b >= 17.5 + 2.5, "{a}..{b}");
    assert!((8.0..=15.0).contains(&(b - a)), "{a}..{b}");
    let plan = &auto[0]["plan"];
    let moment = plan["auto_start"]["moment_s"].as_f64().unwrap();
    assert!((moment - 17.5).abs() <= 0.3, "{plan}");
    // The went-wrong card starts at the moment, on the reel's clock (microseconds).
    let card = plan["overlays"][0]["at"].as_f64().unwrap() / 1e6;
    assert!((card - (moment - a)).abs() < 0.01, "{card} {moment} {a}");
    // A manual trim reports its trim too, and has no auto_start.
    let manual = plan_lines(&[
        "render",
        s(&clip),
        "--start",
        "2",
        "--end",
        "0:09.5",
        "--dry-run",
        "--json",
        "--out-dir",
        s(dir.path()),
    ]);
    assert_eq!(manual[0]["trim_s"], serde_json::json!([2.0, 9.5]));
    assert!(manual[0]["plan"].get("auto_start").is_none());
    // --duration still applies with auto.
    let short = plan_lines(&[
        "render",
        s(&clip),
        "--start",
        "auto",
        "--duration",
        "5",
        "--dry-run",
        "--json",
        "--out-dir",
        s(dir.path()),
    ]);
    let t = short[0]["trim_s"].as_array().unwrap();
    assert!((t[1].as_f64().unwrap() - t[0].as_f64().unwrap() - 5.0).abs() < 0.01);
    // A manifest says it as start = "auto".
    let manifest = dir.path().join("week.toml");
    std::fs::write(
        &manifest,
        format!(
            "[[clip]]\ninput = \"{}\"\nstart = \"auto\"\n",
            clip.file_name().unwrap().to_str().unwrap()
        ),
    )
    .unwrap();
    let m = plan_lines(&["render", "--manifest", s(&manifest), "--dry-run", "--json"]);
    assert_eq!(m[0]["trim_s"], auto[0]["trim_s"]);
}

#[test]
fn start_auto_renders_the_trim_around_the_bang_with_the_card_at_the_moment() {
    let dir = workdir();
    // A flat grey picture (nothing drawn on it but the cards) with a bang at 17.5 s of 30.
    let clip = bang_clip(
        &dir.path().join("grey bang.mp4"),
        "anoisesrc=seed=3:d=30:c=pink:a=0.03:r=48000",
        "color=c=0x808080:s=320x180:r=30:d=30",
        30,
        17500,
    );
    let out_dir = dir.path().join("reels");
    let out = failreel_exit(
        &[
            "render",
            s(&clip),
            "--start",
            "auto",
            "--focus",
            "center",
            "--encoder-preset",
            "ultrafast",
            "--went-wrong",
            "Dropped the lid",
            "--report",
            "--json",
            "--out-dir",
            s(&out_dir),
        ],
        0,
    );
    let result: Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["status"] == "ok")
        .expect("a result line");
    let trim = result["trim_s"].as_array().unwrap();
    let (a, b) = (trim[0].as_f64().unwrap(), trim[1].as_f64().unwrap());
    assert!(a < 17.5 && b > 17.5, "{result}");
    let reel = Path::new(result["output"].as_str().unwrap()).to_path_buf();
    // Grey frames decoded at 108x192 (a cheap look at a 9:16 reel).
    let frames = small_grey_frames(&reel, 108, 192);
    let fps = 30.0;
    // The decoded reel is as long as its trim (to a frame).
    assert!(
        (frames.len() as f64 / fps - (b - a)).abs() <= 1.5 / fps,
        "{} frames for {a}..{b}",
        frames.len()
    );
    // Before the moment the picture is flat grey; the card's pixels appear at the moment.
    let drawn = |f: &Vec<u8>| {
        let mut v = f.clone();
        v.sort_unstable();
        let med = v[v.len() / 2] as i32;
        f.iter().filter(|&&p| (p as i32 - med).abs() > 40).count() > 30
    };
    let first = frames.iter().position(drawn).expect("the card is drawn");
    let at = first as f64 / fps;
    assert!(
        (a + at - 17.5).abs() <= 0.35,
        "card at {} in the clip",
        a + at
    );
    assert!(frames[..first].iter().all(|f| !drawn(f)));
    // The batch report names the moment and why.
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    let row = html
        .lines()
        .find(|l| l.contains("<dt>moment</dt>"))
        .unwrap_or_else(|| panic!("no moment row: {html}"));
    assert!(row.contains("(bang") || row.contains("(sudden"), "{row}");
    let clock = row.split("<dd>").nth(1).unwrap();
    let secs: f64 = clock[2..6].parse().unwrap();
    assert!(
        clock.starts_with("0:") && (secs - 17.5).abs() <= 0.3,
        "{row}"
    );
}

/// Voiced syllables (a wandering 170 Hz voice with harmonics, 3-4 a second), `secs` long: an
/// ffmpeg audio source.
fn speech_like(secs: u32) -> String {
    format!(
        "aevalsrc=0.3*(sin(2*PI*(170+20*sin(2*PI*0.5*t))*t)+0.5*sin(4*PI*(170+20*sin(2*PI*0.5*t))*t)+0.3*sin(6*PI*(170+20*sin(2*PI*0.5*t))*t))*pow(max(0\\,sin(2*PI*3*t+2*sin(1.3*t)))\\,2):s=48000:d={secs}"
    )
}

#[test]
fn a_smoke_alarm_caught_mid_cycle_under_speech_is_found_at_its_first_whole_cycle() {
    // The alarm was already sounding: the clip catches it at 3.0 s in the middle of a
    // cycle's second beep (cycles start at 1.8 + 4k s), under speech as loud as the beeps.
    // The first whole cycle starts at 5.8 s.
    let dir = workdir();
    let alarm = "aevalsrc=0.12*sin(2*PI*3150*t)*gte(t\\,3)*lt(mod(t-1.8\\,4)\\,2.5)*lt(mod(mod(t-1.8\\,4)\\,1)\\,0.5):s=48000:d=16";
    let out = Fixture::new()
        .lavfi(alarm)
        .lavfi(&speech_like(16))
        .lavfi("testsrc2=s=320x180:r=30:d=16")
        .opts(&[
            "-filter_complex",
            "[0][1]amix=inputs=2:normalize=0[a]",
            "-map",
            "[a]",
            "-map",
            "2:v",
        ])
        .secs(16)
        .write(&dir.path().join("alarm mid-cycle.mp4"));
    let (code, lines) = detect(&[&out]);
    assert_eq!(code, 0);
    let ms = moments(&lines[0]);
    assert!(!ms.is_empty(), "{}", lines[0]);
    assert_eq!(ms[0].2[0], "smoke alarm", "{}", lines[0]);
    assert!((ms[0].0 - 5.8).abs() <= 0.1, "{}", lines[0]);
}

#[test]
fn a_dc_offset_and_a_50_hz_hum_do_not_hide_a_bang_and_an_early_bang_is_found() {
    let dir = workdir();
    let hum = clip_with_bang(
        dir.path(),
        "hum.mp4",
        "aevalsrc=0.35+0.3*sin(2*PI*50*t)+0.1*sin(2*PI*100*t):s=48000:d=14[h];anoisesrc=seed=3:d=14:c=pink:a=0.02:r=48000[n];[h][n]amix=inputs=2:normalize=0[out0]",
        14,
        8600,
    );
    let early = clip_with_bang(
        dir.path(),
        "early.mp4",
        "anoisesrc=seed=3:d=12:c=pink:a=0.03:r=48000",
        12,
        250,
    );
    let (code, lines) = detect(&[&hum, &early]);
    assert_eq!(code, 0);
    for (line, planted) in lines.iter().zip([8.6, 0.25]) {
        let ms = moments(line);
        assert!(!ms.is_empty(), "{line}");
        assert!((ms[0].0 - planted).abs() <= 0.3, "{line}");
        assert_eq!(ms[0].2[0], "bang", "{line}");
    }
}

#[test]
fn a_steady_loud_fan_or_a_periodic_beat_alone_gives_no_moment() {
    let dir = workdir();
    let video = "color=c=0x606060:s=320x180:r=30:d=16";
    let fan = Fixture::new()
        .lavfi("anoisesrc=seed=3:d=16:c=pink:a=0.4:r=48000,lowpass=f=3000")
        .lavfi(video)
        .secs(16)
        .write(&dir.path().join("fan.mp4"));
    let beat = Fixture::new()
        .lavfi("aevalsrc=0.12*(sin(2*PI*220*t)+sin(2*PI*277*t)+sin(2*PI*330*t))+0.4*sin(2*PI*60*t)*exp(-12*mod(t\\,0.5))+0.05*sin(2*PI*880*t)*exp(-20*mod(t+0.25\\,0.5)):s=48000:d=16")
        .lavfi(video)
        .secs(16)
        .write(&dir.path().join("beat.mp4"));
    let (code, lines) = detect(&[&fan, &beat]);
    assert_eq!(code, 0);
    for line in &lines {
        assert!(moments(line).is_empty(), "{line}");
    }
}

#[test]
fn detect_top_zero_is_a_usage_error() {
    // `--top 0` printed "nothing stands out" (exit 0) whatever the clip held.
    let clip = small_pattern(2);
    let o = failreel(&["detect", s(&clip), "--top", "0"]);
    assert_exit_says(&o, 2, "give 1 or more");
}

#[test]
fn without_usable_classifier_weights_detect_still_finds_the_bang_and_says_why() {
    // ~1 s of CPU: one 4 s 320x180 clip, detected four times.
    let dir = workdir();
    let clip = clip_with_bang(
        dir.path(),
        "bang.mp4",
        "anoisesrc=seed=5:d=4:c=pink:a=0.03:r=48000",
        4,
        2100,
    );
    let missing = dir.path().join("no-model");
    // Weights that are there but are not a checkpoint (a truncated download, say).
    let broken = dir.path().join("broken-model");
    std::fs::create_dir(&broken).unwrap();
    for f in [
        "variables.index",
        "variables.data-00000-of-00001",
        "yamnet_class_map.csv",
    ] {
        std::fs::write(broken.join(f), b"not a checkpoint").unwrap();
    }
    let run = |model: &std::path::Path, json: bool| {
        let mut args = vec!["detect", s(&clip)];
        if json {
            args.push("--json");
        }
        let out = failreel_command(&args)
            .env("FAILREEL_YAMNET_DIR", model)
            .output()
            .expect("run failreel");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let line: Value = serde_json::from_str(run(&missing, true).trim()).unwrap();
    assert_eq!(line["classifier"], "not installed", "{line}");
    let ms = moments(&line);
    assert!((ms[0].0 - 2.1).abs() <= 0.3, "{line}");
    let human = run(&missing, false);
    assert!(
        human.contains("without the sound classifier") && human.contains("make deps"),
        "{human}"
    );
    // Unreadable weights are not said to be missing: the note names their folder.
    let line: Value = serde_json::from_str(run(&broken, true).trim()).unwrap();
    assert_eq!(line["classifier"], "unreadable", "{line}");
    assert!((moments(&line)[0].0 - 2.1).abs() <= 0.3, "{line}");
    let human = run(&broken, false);
    assert!(
        human.contains("could not be read") && human.contains("broken-model"),
        "{human}"
    );
}

#[test]
fn a_steady_tone_from_the_first_frame_is_sound_at_the_start_not_a_bang() {
    // A 440 Hz tone from the clip's first sample (AAC, as a phone writes it): the step out
    // of the silence before the clip is broadband in the first analysis frames, so detect
    // called it a "bang". Cost: one 3 s 160x90 clip, one detect, ~0.1 s.
    let dir = workdir();
    let clip = Fixture::picture_with_tone("testsrc2", (160, 90), 440, 48000, 3)
        .write(&dir.path().join("tone.mp4"));
    let (code, lines) = detect(&[&clip]);
    assert_eq!(code, 0, "{lines:?}");
    let ms = moments(&lines[0]);
    let at_start: Vec<_> = ms.iter().filter(|m| m.0 < 0.3).collect();
    assert!(!at_start.is_empty(), "{:?}", lines[0]);
    for m in at_start {
        assert!(!m.2.iter().any(|w| w == "bang"), "{:?}", lines[0]);
        assert!(
            m.2.iter().any(|w| w == "sound at the start"),
            "{:?}",
            lines[0]
        );
    }
}

//! `--replay` (issues 13 and 25): right after the fail, the 1.5 s around the moment again at
//! half speed with its own sound slowed (pitch kept), pushing in, with a "REPLAY" tag; the
//! lesson card after it. Checked on the decoded reel.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Decoded frames at 270x480 (the reels' size with [`quarter_preset`]), grey: (width, height, frames). The grey is
/// the mean of R, G and B after each file's own colour matrix (its luma alone would differ
/// between a BT.601 source and the BT.709 reel).
fn small_frames(path: &Path) -> (usize, usize, Vec<Vec<u8>>) {
    let frames = small_rgb_frames(path, 270, 480)
        .into_iter()
        .map(|f| {
            f.chunks_exact(3)
                .map(|p| ((p[0] as u32 + p[1] as u32 + p[2] as u32) / 3) as u8)
                .collect()
        })
        .collect();
    (270, 480, frames)
}

/// A portrait 360x640 30 fps clip (moving test pattern) with a 440 Hz tone, `secs` long.
fn pattern_clip(dir: &Path, secs: u32) -> PathBuf {
    Fixture::picture_with_tone("testsrc2", (360, 640), 440, 48000, secs)
        .opts(&["-g", "30", "-shortest"])
        .write(&dir.join("pattern.mp4"))
}

/// The same picture with 440 Hz beeps: 0.1 s on, 0.15 s off (a beat every 0.25 s).
fn beeping_clip(dir: &Path, secs: u32) -> PathBuf {
    Fixture::new()
        .lavfi("testsrc2=s=360x640:r=30")
        .lavfi("aevalsrc=0.5*sin(2*PI*440*t)*lt(mod(t\\,0.25)\\,0.1):s=48000")
        .opts(&["-g", "30", "-shortest"])
        .secs(secs)
        .write(&dir.join("beeps.mp4"))
}

/// The period (seconds, 48 kHz) of the beats in `x` between `t0` and `t1`: the shortest lag
/// from 0.15 to 0.8 s where its 10 ms loudness envelope is (nearly) most like itself.
fn beat_period(x: &[f32], t0: f64, t1: f64) -> f64 {
    let env: Vec<f64> = x[(t0 * 48000.0) as usize..(t1 * 48000.0) as usize]
        .chunks(480)
        .map(|c| (c.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect();
    let mean = env.iter().sum::<f64>() / env.len() as f64;
    let e: Vec<f64> = env.iter().map(|v| v - mean).collect();
    let corr: Vec<(usize, f64)> = (15..80.min(e.len() / 2))
        .map(|lag| {
            let c =
                (0..e.len() - lag).map(|i| e[i] * e[i + lag]).sum::<f64>() / (e.len() - lag) as f64;
            (lag, c)
        })
        .collect();
    let top = corr.iter().map(|c| c.1).fold(f64::MIN, f64::max);
    // The shortest lag nearly as alike as the best (its multiples are alike too), at its
    // local peak.
    let mut i = corr.iter().position(|c| c.1 >= 0.85 * top).unwrap();
    while i + 1 < corr.len() && corr[i + 1].1 > corr[i].1 {
        i += 1;
    }
    corr[i].0 as f64 * 0.01
}

/// The strongest frequency of `x` between `t0` and `t1` (seconds, 48 kHz): searched from 200
/// to 900 Hz in 2 Hz steps (an octave off would show), then to 0.1 Hz around the best.
fn pitch(x: &[f32], t0: f64, t1: f64) -> f64 {
    let seg = &x[(t0 * 48000.0) as usize..(t1 * 48000.0) as usize];
    // The spectrum's power at `f`: the samples against a phasor turned by complex products.
    let power = |f: f64| {
        let w = 2.0 * std::f64::consts::PI * f / 48000.0;
        let (c, s) = (w.cos(), w.sin());
        let (mut pr, mut pi) = (1.0f64, 0.0f64);
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for v in seg {
            re += *v as f64 * pr;
            im += *v as f64 * pi;
            (pr, pi) = (pr * c - pi * s, pr * s + pi * c);
        }
        re * re + im * im
    };
    let best = |from: f64, to: f64, step: f64| {
        let mut best = (from, f64::MIN);
        let mut f = from;
        while f <= to {
            let m = power(f);
            if m > best.1 {
                best = (f, m);
            }
            f += step;
        }
        best.0
    };
    let coarse = best(200.0, 900.0, 2.0);
    best(coarse - 2.0, coarse + 2.0, 0.1)
}

/// `frame` (w x h grey) cropped to a centred window `scale` times its size and stretched back
/// to w x h (bilinear): what a push-in to `scale` shows of it.
fn zoom_in(frame: &[u8], w: usize, h: usize, scale: f64) -> Vec<u8> {
    let (cw, ch) = (w as f64 * scale, h as f64 * scale);
    let (x0, y0) = ((w as f64 - cw) / 2.0, (h as f64 - ch) / 2.0);
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let sx = (x0 + (x as f64 + 0.5) * cw / w as f64 - 0.5).clamp(0.0, (w - 1) as f64);
            let sy = (y0 + (y as f64 + 0.5) * ch / h as f64 - 0.5).clamp(0.0, (h - 1) as f64);
            let (ix, iy) = (sx.floor() as usize, sy.floor() as usize);
            let (fx, fy) = (sx - ix as f64, sy - iy as f64);
            let (ix1, iy1) = ((ix + 1).min(w - 1), (iy + 1).min(h - 1));
            let p = |xx: usize, yy: usize| frame[yy * w + xx] as f64;
            let v = p(ix, iy) * (1.0 - fx) * (1.0 - fy)
                + p(ix1, iy) * fx * (1.0 - fy)
                + p(ix, iy1) * (1.0 - fx) * fy
                + p(ix1, iy1) * fx * fy;
            out[y * w + x] = v.round() as u8;
        }
    }
    out
}

/// A rectangle (output pixels of a 270x480 reel), with a margin.
fn small_rect(r: &Value, margin: i64) -> (usize, usize, usize, usize) {
    let g = |k: &str| r[k].as_i64().unwrap();
    let x0 = (g("x") - margin).max(0) as usize;
    let y0 = (g("y") - margin).max(0) as usize;
    let x1 = (g("x") + g("width") + margin).min(270) as usize;
    let y1 = (g("y") + g("height") + margin).min(480) as usize;
    (x0, y0, x1, y1)
}

fn inside(r: (usize, usize, usize, usize), x: usize, y: usize) -> bool {
    x >= r.0 && x < r.2 && y >= r.1 && y < r.3
}

/// Mean absolute difference of two frames, over the pixels `keep` says.
fn mad(a: &[u8], b: &[u8], w: usize, keep: impl Fn(usize, usize) -> bool) -> f64 {
    let (mut sum, mut n) = (0u64, 0u64);
    for (i, (&p, &q)) in a.iter().zip(b).enumerate() {
        if keep(i % w, i / w) {
            sum += (p as i64 - q as i64).unsigned_abs();
            n += 1;
        }
    }
    sum as f64 / n.max(1) as f64
}

#[test]
fn replay_follows_the_fail_slowed_with_its_sound_pushing_in() {
    let dir = workdir();
    let clip = beeping_clip(dir.path(), 6);
    let preset = quarter_preset(dir.path());
    let reel = dir.path().join("reel.mp4");
    let args = [
        "render",
        s(&clip),
        "--preset",
        s(&preset),
        "--went-wrong",
        "Oops",
        "--went-wrong-at",
        "3",
        "--went-wrong-until",
        "4",
        "--lesson",
        "Slow down",
        "--replay",
        "--encoder-preset",
        "ultrafast",
    ];
    let plan = dry_plans(&args).remove(0);
    let r = &plan["replay"];
    assert_eq!(r["moment_from"], "went_wrong_card");
    // 1.5 s (45 frames at 30 fps) centred on the moment at 3 s (frame 90), replayed right
    // after it: from footage frame 113 on, the reel shows the replay's 90 frames.
    assert_eq!(r["source_frames"], 45);
    assert_eq!(r["first_source_frame"], 90 - 22);
    assert_eq!(r["first_frame"], 113);
    assert_eq!(r["frames"], 90);
    assert_eq!(r["speed"], 0.5);
    assert_eq!(r["sound"], "atempo");
    assert_eq!(r["hold_frames"], 0);
    let zoom = r["zoom"].as_array().unwrap();
    assert_eq!(zoom.first().unwrap()["scale"], 1.0);
    assert_eq!(zoom.last().unwrap()["scale"], 0.8);
    let overlays = plan["overlays"].as_array().unwrap();
    let find = |role: &str| overlays.iter().find(|c| c["role"] == role).unwrap();
    // The went-wrong card ends where the replay starts; the lesson (2/3 into the footage, at
    // 4 s) comes in the aftermath, 3 s later.
    let replay_at = 113 * 1_000_000 / 30;
    let replay_end = 203 * 1_000_000 / 30;
    assert_eq!(find("went_wrong")["until"], replay_at);
    assert_eq!(find("lesson")["at"], 7_000_000);
    assert_eq!(find("lesson")["until"], 9_000_000);
    // The tag: over the replay only, at least as large as the cards' heading.
    let tag_overlay = find("replay_tag");
    assert_eq!(
        (tag_overlay["at"].as_i64(), tag_overlay["until"].as_i64()),
        (Some(replay_at), Some(replay_end))
    );
    let heading = find("lesson")["style"]["heading_size"].as_f64().unwrap();
    assert!(tag_overlay["style"]["body_size"].as_f64().unwrap() >= heading);

    let mut full = args.to_vec();
    full.extend(["-o", s(&reel), "-q"]);
    failreel_ok(&full);

    // Length: the footage + 3 s, video and audio equal within a frame.
    let p = ffprobe(&reel, &[]);
    let vdur = num(&stream(&p, "video")["duration"]);
    let adur = num(&stream(&p, "audio")["duration"]);
    assert!((vdur - 9.0).abs() < 0.034, "video {vdur}");
    assert!((adur - vdur).abs() < 0.034, "audio {adur} vs video {vdur}");

    let (w, h, frames) = small_frames(&reel);
    assert_eq!(frames.len(), 270);
    let (_, _, source) = small_frames(&clip);
    let tag = small_rect(&tag_overlay["rect"], 2);
    let lesson = small_rect(&find("lesson")["rect"], 0);
    let clear = |x: usize, y: usize| !inside(tag, x, y);
    // Each replay frame is its footage frame (68 + k/2) seen through a window that shrinks
    // from the whole picture to 80% of it: the scale that matches it best, frame by frame.
    let mut scales = Vec::new();
    let mut worst: f64 = 0.0;
    let mut wrong_speed: f64 = f64::MAX;
    let mut lesson_worst: f64 = 0.0;
    for k in (0..90usize).step_by(4).chain([89]) {
        let replayed = &frames[113 + k];
        let src = &source[68 + k / 2];
        // The scale that matches best: 0.70 to 1.02 in 0.04 steps, then 0.01 around it.
        let d_at = |sc: f64| mad(replayed, &zoom_in(src, w, h, sc), w, clear);
        let (mut best, mut best_d) = (0.0, f64::MAX);
        for sc in (0..=8).map(|i| 0.70 + 0.04 * i as f64) {
            let d = d_at(sc);
            if d < best_d {
                (best, best_d) = (sc, d);
            }
        }
        let coarse = best;
        for sc in (-3..=3).map(|i| coarse + 0.01 * i as f64) {
            let d = d_at(sc);
            if d < best_d {
                (best, best_d) = (sc, d);
            }
        }
        scales.push((k, best));
        worst = worst.max(best_d);
        if k >= 40 {
            // Full speed would show frame 68 + k: further from what is shown.
            let fast = mad(replayed, &zoom_in(&source[68 + k], w, h, best), w, clear);
            assert!(
                fast > best_d + 0.5,
                "replay frame {k}: {best_d:.2}, at full speed {fast:.2}"
            );
            wrong_speed = wrong_speed.min(fast);
        }
        // Nothing but the tag over the replay: the lesson card's place shows the picture.
        let l = mad(replayed, &zoom_in(src, w, h, best), w, |x, y| {
            inside(lesson, x, y)
        });
        lesson_worst = lesson_worst.max(l);
    }
    assert!(
        lesson_worst < 8.0,
        "something but the tag over the replay: {lesson_worst:.2}"
    );
    eprintln!(
        "replay scales {scales:?}; worst match {worst:.2}; full speed at best {wrong_speed:.2}"
    );
    let at = |k: usize| scales.iter().find(|s| s.0 == k).unwrap().1;
    assert!(
        (at(0) - 1.0).abs() <= 0.015,
        "starts at the window: {scales:?}"
    );
    assert!((at(44) - 0.9).abs() <= 0.02, "halfway: {scales:?}");
    assert!(
        (at(89) - 0.8).abs() <= 0.015,
        "ends 20% smaller: {scales:?}"
    );
    assert!(
        scales.windows(2).all(|p| p[1].1 <= p[0].1 + 0.011),
        "pushes in steadily: {scales:?}"
    );
    assert!(worst < 5.0, "a replay frame matches no scale: {worst:.2}");
    // Around the replay, the footage in its own place: before it frame for frame, after it
    // 90 frames later, the lesson card drawn over the aftermath.
    let unzoomed = |a: &[u8], b: &[u8]| mad(a, b, w, |x, y| !inside(lesson, x, y) && clear(x, y));
    for f in [10usize, 60, 112] {
        let d = unzoomed(&frames[f], &source[f]);
        let next = unzoomed(&frames[f], &source[f + 2]);
        assert!(
            d < 3.0 && next > d + 0.8,
            "footage frame {f}: {d:.2} ({next:.2} two later)"
        );
    }
    for f in [130usize, 150, 177] {
        let d = unzoomed(&frames[f + 90], &source[f]);
        let next = unzoomed(&frames[f + 90], &source[f + 2]);
        assert!(
            d < 3.0 && next > d + 0.8,
            "aftermath frame {f}: {d:.2} ({next:.2} two later)"
        );
        let card = mad(&frames[f + 90], &source[f], w, |x, y| inside(lesson, x, y));
        assert!(
            card > 12.0,
            "the lesson card is over the aftermath ({card:.1})"
        );
    }

    // The sound: the beeps go on through the replay, twice as far apart, at the same pitch.
    let a = audio_mono(&reel);
    let main_period = beat_period(&a, 0.3, 3.6);
    let replay_period = beat_period(&a, 3.9, 6.6);
    let after_period = beat_period(&a, 6.9, 8.9);
    let (p_main, p_replay) = (pitch(&a, 0.5, 3.5), pitch(&a, 4.0, 6.5));
    eprintln!(
        "beats every {main_period:.2} s, {replay_period:.2} s in the replay, {after_period:.2} s after; pitch {p_main} Hz, {p_replay} Hz in the replay; rms {:.3} / {:.3}",
        rms(&a, 0.5, 3.5),
        rms(&a, 4.0, 6.5)
    );
    assert!(
        rms(&a, 4.0, 6.5) > 0.5 * rms(&a, 0.5, 3.5),
        "the replay has its sound"
    );
    assert!((main_period - 0.25).abs() <= 0.02, "{main_period}");
    assert!(
        (replay_period - 0.5).abs() <= 0.03,
        "slowed: {replay_period}"
    );
    assert!((after_period - 0.25).abs() <= 0.02, "{after_period}");
    assert!((p_main - 440.0).abs() <= 3.0, "{p_main}");
    assert!(
        (p_replay - 440.0).abs() <= 3.0,
        "the pitch is kept: {p_replay}"
    );
}

#[test]
fn a_lesson_after_a_replay_at_the_end_holds_the_last_frame() {
    let dir = workdir();
    let clip = pattern_clip(dir.path(), 6);
    let preset = quarter_preset(dir.path());
    let args = [
        s(&clip),
        "--preset",
        s(&preset),
        "--went-wrong",
        "Oops",
        "--went-wrong-at",
        "5.8",
        "--went-wrong-until",
        "6",
        "--lesson",
        "Slow down",
        "--replay",
    ];
    let plan = render_dry_plan(&args);
    let r = &plan["replay"];
    // The moment is near the end: the replay closes the footage, and the lesson card needs
    // 2 s after it: the last frame is held for them.
    assert_eq!(r["first_frame"], 180);
    assert_eq!(r["hold_frames"], 60);
    let lesson = plan["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["role"] == "lesson")
        .unwrap();
    assert_eq!(lesson["at"], 9_000_000);
    assert_eq!(lesson["until"], 11_000_000);
    // Rendered: 11 s, the held end still (the last two seconds are one picture).
    let reel = dir.path().join("held.mp4");
    failreel_ok(
        &[
            &["render"][..],
            &args,
            &["--encoder-preset", "ultrafast", "-o", s(&reel), "-q"],
        ]
        .concat(),
    );
    let (w, _, frames) = small_frames(&reel);
    assert_eq!(frames.len(), 330);
    let d = mad(&frames[290], &frames[329], w, |_, _| true);
    assert!(d < 1.0, "the end is held ({d:.2})");
    let a = audio_mono(&reel);
    assert!(rms(&a, 6.5, 8.5) > 0.05, "the replay has its sound");
}

#[test]
fn replay_in_the_plan_only_when_asked_and_from_a_manifest() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "grey.mp4", 8.0, 30);
    // Without --replay: no replay in the plan.
    let plain = dry_plans(&["render", s(&clip), "--went-wrong", "Oops"]).remove(0);
    assert!(plain.get("replay").is_none(), "{plain}");
    // Without a went-wrong card or a detected moment: the middle, with a warning.
    let middle = dry_plans(&["render", s(&clip), "--replay"]).remove(0);
    assert_eq!(middle["replay"]["moment_from"], "middle");
    assert_eq!(middle["replay"]["moment"], 4_000_000);
    assert_eq!(middle["replay"]["source_from"], 3_266_666);
    assert!(
        middle["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("middle of the reel is replayed")),
        "{middle}"
    );
    // A moment near the start: the range is shifted to lie inside the footage.
    let early = dry_plans(&[
        "render",
        s(&clip),
        "--replay",
        "--went-wrong",
        "x",
        "--went-wrong-at",
        "0.2",
    ])
    .remove(0);
    assert_eq!(early["replay"]["first_source_frame"], 0);
    let late = dry_plans(&[
        "render",
        s(&clip),
        "--replay",
        "--went-wrong",
        "x",
        "--went-wrong-at",
        "7.9",
        "--went-wrong-until",
        "8",
    ])
    .remove(0);
    assert_eq!(late["replay"]["first_source_frame"], 240 - 45);
    assert_eq!(late["replay"]["source_to"], 8_000_000);
    // The manifest key.
    let manifest = dir.path().join("week.toml");
    std::fs::write(
        &manifest,
        "replay = true\n[[clip]]\ninput = \"grey.mp4\"\nwent_wrong = \"Oops\"\nwent_wrong_at = 2\n",
    )
    .unwrap();
    let from_manifest = dry_plans(&["render", "--manifest", s(&manifest)]).remove(0);
    assert_eq!(from_manifest["replay"]["moment"], 2_000_000);
    assert_eq!(from_manifest["replay"]["frames"], 90);
}

#[test]
fn the_reel_respects_the_preset_max_length_after_its_replay() {
    // Issue 24: a 5 s-max preset with --replay gave an 8 s reel, a stories part 62 s; the
    // length warnings did not count the replay.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(8);
    let five = tiny_preset(d, "five", "tiktok", "[length]\nmin_s = 1\nmax_s = 5\n");
    let o = failreel_exit(
        &[
            "render",
            s(&clip),
            "-p",
            s(&five),
            "--replay",
            "--went-wrong",
            "Oops",
            "--went-wrong-at",
            "1",
            "-o",
            s(&d.join("r.mp4")),
            "--dry-run",
            "--json",
        ],
        0,
    );
    let plan = json_lines(&o.stdout)
        .into_iter()
        .find(|v| v["event"] == "plan")
        .expect("a plan")["plan"]
        .clone();
    // The whole reel: footage, replay and any held end.
    let whole = plan["video"]["frames"].as_u64().unwrap()
        + plan["replay"]["frames"].as_u64().unwrap()
        + plan["replay"]["hold_frames"].as_u64().unwrap_or(0);
    assert!(
        (140..=150).contains(&whole),
        "{whole} frames at 30 fps under 5 s"
    );
    let text = all_text(&o);
    assert!(
        text.contains("with its") && text.contains("replay"),
        "{text}"
    );

    // Stories parts: each part as written holds its replay inside the limit; the replay is
    // on the part with the fail only.
    let st = tiny_preset(d, "st5", "stories", "[length]\nmin_s = 1\nmax_s = 5\n");
    let out = d.join("parts");
    let plans: Vec<Value> = plan_lines(&[
        "render",
        s(&clip),
        "-p",
        s(&st),
        "--replay",
        "--went-wrong",
        "Oops",
        "--went-wrong-at",
        "6",
        "--out-dir",
        s(&out),
        "--dry-run",
        "--json",
    ])
    .into_iter()
    .map(|v| v["plan"].clone())
    .collect();
    assert!(plans.len() >= 2, "{} parts", plans.len());
    let mut with_replay = 0;
    for p in &plans {
        let replay = p["replay"]["frames"].as_u64().unwrap_or(0)
            + p["replay"]["hold_frames"].as_u64().unwrap_or(0);
        with_replay += usize::from(replay > 0);
        let whole = p["video"]["frames"].as_u64().unwrap() + replay;
        assert!(whole <= 150, "a part of {whole} frames");
    }
    assert_eq!(with_replay, 1);
}

#[test]
fn the_push_in_closes_in_on_the_face_not_the_windows_centre() {
    let dir = workdir();
    let d = dir.path();
    // A face the window cannot centre (at the picture's top left edge).
    let clip = face_in_corner_clip();
    let preset = tiny_preset(d, "tiny", "tiktok", "");
    // Text at the size a 180 px frame wants (the tag is then clear of the face).
    let args = [
        s(&clip),
        "--replay",
        "--focus",
        "auto",
        "-p",
        s(&preset),
        "--text-size",
        "16px",
        "--encoder-preset",
        "ultrafast",
    ];
    let plan = render_dry_plan(&args);
    let r = &plan["replay"];
    assert_eq!(r["zoom_on"], "people", "{r}");
    let aim = [
        r["zoom_centre"][0].as_f64().unwrap(),
        r["zoom_centre"][1].as_f64().unwrap(),
    ];
    let first = r["first_frame"].as_u64().unwrap() as usize;
    let last = first + r["frames"].as_u64().unwrap() as usize - 1;
    let reel = d.join("reel.mp4");
    let mut full = vec!["render"];
    full.extend(args);
    full.extend(["-o", s(&reel), "-q"]);
    failreel_ok(&full);
    let (w, h, frames) = rgb_frames(&reel);
    assert_eq!((w, h), (180, 320));
    // The face before the replay, and at the end of its push-in.
    let (n0, before) = skin_box(&frames[first - 1], w);
    let (n1, end) = skin_box(&frames[last], w);
    assert!(n0 > 1500 && n1 > n0, "{n0} then {n1} skin pixels");
    let centre = |b: (usize, usize, usize, usize)| {
        [
            (b.0 + b.2) as f64 / 2.0 / w as f64,
            (b.1 + b.3) as f64 / 2.0 / h as f64,
        ]
    };
    let (was, now) = (centre(before), centre(end));
    // The plan aims at the face.
    for k in 0..2 {
        assert!(
            (aim[k] - was[k]).abs() < 0.08,
            "zoom centre {aim:?}, the face at {was:?}"
        );
    }
    // The tag keeps clear of the face it pushes in on (its first corner, the top left, is
    // on it).
    let tag = plan["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["role"] == "replay_tag")
        .map(|o| rect(&o["rect"]))
        .unwrap();
    let apart = tag.2 <= end.0 || end.2 <= tag.0 || tag.3 <= end.1 || end.3 <= tag.1;
    assert!(apart, "the tag {tag:?} is on the face {end:?}");
    let first = (10, 20, 10 + tag.2 - tag.0, 20 + tag.3 - tag.1);
    let on = !(first.2 <= end.0 || end.2 <= first.0 || first.3 <= end.1 || end.3 <= first.1);
    assert!(on, "the top left corner {first:?} is on the face {end:?}");
    // Pushed in: the face 1/0.8 times as wide.
    let grow = (end.2 - end.0) as f64 / (before.2 - before.0) as f64;
    assert!((grow - 1.25).abs() < 0.1, "the face grew {grow:.2}x");
    // A push-in on the window's centre would move the face away from the middle of the
    // frame (to 0.5 + (x - 0.5) / 0.8); this one brings it nearer than that, on both axes.
    for k in 0..2 {
        let centred = 0.5 + (was[k] - 0.5) / 0.8;
        assert!(
            (now[k] - 0.5).abs() + 0.03 < (centred - 0.5).abs(),
            "axis {k}: the face at {:.3} at the end of the push-in, {:.3} before it; a centred push-in puts it at {centred:.3}",
            now[k],
            was[k]
        );
    }
}

//! `--focus auto` (issue 14): where the window is, read from the decoded reel (the subject's
//! colour found in the reel's pixels and matched against where the fixture put it), never
//! from the plan.

use crate::common::*;
use std::path::Path;

/// Reel frames scaled down to 270x480 RGB (a quarter of 1080x1920: 4/3 of a 360-line source).
fn small_frames(path: &Path) -> Vec<Vec<u8>> {
    small_rgb_frames(path, W, H)
}

const W: usize = 270;
const H: usize = 480;
/// Reel pixels per source pixel (1920 / 360 at the full size, / 4 here).
const SCALE: f64 = 480.0 / 360.0;

fn orange(p: &[u8]) -> bool {
    p[0] > 150 && (p[0] as i32 - p[1] as i32) > 70 && p[2] < 110
}

/// The orange subject's pixels among columns `cols` of a small reel frame: (pixel count,
/// left, right).
fn subject_columns(f: &[u8], cols: std::ops::Range<usize>) -> (usize, usize, usize) {
    let (mut n, mut l, mut r) = (0, usize::MAX, 0);
    for y in 0..H {
        for x in cols.clone() {
            let i = (y * W + x) * 3;
            if orange(&f[i..i + 3]) {
                n += 1;
                l = l.min(x);
                r = r.max(x);
            }
        }
    }
    (n, l, r)
}

/// A 640x360 30 fps clip: a 60x100 textured orange patch over temporal grey noise, its left
/// edge at `x` (an ffmpeg expression in t), for `secs`.
fn patch_clip(path: &Path, x: &str, secs: u32, bg: &str) {
    Fixture::new()
        .lavfi(&format!(
            "color=c={bg}:s=640x360:r=30:d={secs},noise=c0s=50:c0f=t+u"
        ))
        .lavfi(&format!(
            "color=c=0xE05010:s=60x100:r=30:d={secs},noise=alls=12:allf=t"
        ))
        .opts(&[
            "-filter_complex",
            &format!("[0][1]overlay=x='{x}':y=130:shortest=1,format=yuv420p"),
            "-g",
            "60",
        ])
        .write(path);
}

/// Renders at a quarter of TikTok's size (270x480: what [`small_frames`] reads anyway) with
/// the preset file written beside `clip`.
fn render(clip: &Path, out: &Path, focus: &str) {
    let preset = quarter_preset(clip.parent().unwrap());
    render_reel(
        clip,
        out,
        &[
            "--focus",
            focus,
            "--crf",
            "12",
            "--no-normalize",
            "-p",
            s(&preset),
        ],
    );
}

/// The window's left edge in source pixels at each frame, from where the reel shows a patch
/// whose source left edge is `src_left(frame)`; asserts the whole patch is shown with a
/// margin. Returns the path.
fn window_path(frames: &[Vec<u8>], src_left: impl Fn(usize) -> f64, skip: &[usize]) -> Vec<f64> {
    // The whole patch: 60x100 source pixels = 80x133 reel pixels here.
    let full = (60.0 * SCALE * 100.0 * SCALE * 0.8) as usize;
    let mut path = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        if skip.contains(&i) {
            continue;
        }
        let (n, l, r) = subject_columns(f, 0..W);
        assert!(
            n >= full,
            "frame {i}: only {n} subject pixels in the reel (the whole patch is {full})"
        );
        assert!(
            l >= 2 && r + 2 < W,
            "frame {i}: the subject touches the window's edge ({l}..{r})"
        );
        path.push(src_left(i) - l as f64 / SCALE);
    }
    path
}

/// Speeds (source px per frame) of a path.
fn speeds(p: &[f64]) -> Vec<f64> {
    p.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn a_moving_subject_is_followed_smoothly() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("moving.mp4");
    patch_clip(&clip, "40+t*130", 4, "gray");
    let reel = d.join("reel.mp4");
    render(&clip, &reel, "auto");
    let frames = small_frames(&reel);
    assert_eq!(frames.len(), 120);
    let path = window_path(&frames, |i| (40.0 + 130.0 * i as f64 / 30.0).round(), &[]);
    let v = speeds(&path);
    let max = v.iter().fold(0f64, |m, s| m.max(s.abs()));
    let jerk = v
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0f64, f64::max);
    eprintln!("moving: window path speed max {max:.2} px/frame; largest change of speed {jerk:.2}");
    // Never faster than about a window width a second (202 px / 30 frames), no jumps.
    assert!(max < 8.0, "window speed {max:.1} source px per frame");
    // It did move: from the left third to the right.
    assert!(path[path.len() - 1] - path[0] > 250.0, "{path:?}");

    // A centred window loses the subject (the test can fail).
    let centred = d.join("centred.mp4");
    render(&clip, &centred, "center");
    let c = small_frames(&centred);
    let lost = c
        .iter()
        .filter(|f| subject_columns(f, 0..W).0 < 1000)
        .count();
    assert!(
        lost > 30,
        "the centred reel shows the subject almost always ({lost} frames without)"
    );

    // preview --at 2 is the reel's frame 60.
    let png = d.join("at2.png");
    failreel_ok(&[
        "preview",
        s(&clip),
        "--at",
        "2",
        "--focus",
        "auto",
        "-p",
        s(&quarter_preset(d)),
        "-o",
        s(&png),
    ]);
    let p = small_frames(&png);
    let diff: f64 = p[0]
        .iter()
        .zip(&frames[60])
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / p[0].len() as f64;
    assert!(diff < 4.0, "preview and reel differ by {diff} on average");
    let (_, lp, _) = subject_columns(&p[0], 0..W);
    let (_, lr, _) = subject_columns(&frames[60], 0..W);
    assert!((lp as i64 - lr as i64).abs() <= 1, "{lp} vs {lr}");

    // --dry-run --json shows the path.
    let plans = plan_lines(&["render", s(&clip), "--focus", "auto", "--dry-run", "--json"]);
    let plan = plans.first().expect("a plan line");
    let keys = plan["plan"]["video"]["crop_path"].as_array().unwrap();
    assert!(keys.len() > 5, "{keys:?}");
    assert_eq!(
        plan["plan"]["video"]["reframe"]["shots"][0]["camera"],
        "track"
    );
}

#[test]
fn a_cut_jumps_the_window_on_its_own_frame() {
    let dir = workdir();
    let d = dir.path();
    let a = d.join("a.mp4");
    let b = d.join("b.mp4");
    patch_clip(&a, "50", 2, "gray");
    patch_clip(&b, "530", 2, "0x405070");
    let clip = d.join("cut.mp4");
    Fixture::new()
        .input(&["-i", s(&a), "-i", s(&b)])
        .opts(&["-filter_complex", "[0][1]concat=n=2:v=1", "-g", "45"])
        .write(&clip);
    let reel = d.join("reel.mp4");
    render(&clip, &reel, "auto");
    let frames = small_frames(&reel);
    assert_eq!(frames.len(), 120);
    // Every frame shows its shot's whole subject: the window changes on the cut's frame
    // (a frame early or late would show the other shot's window without the subject).
    let path = window_path(&frames, |i| if i < 60 { 50.0 } else { 530.0 }, &[]);
    let before = &path[..60];
    let after = &path[60..];
    let spread = |p: &[f64]| {
        p.iter().fold(f64::MIN, |m, v| m.max(*v)) - p.iter().fold(f64::MAX, |m, v| m.min(*v))
    };
    // Still subjects: a steady window in each shot (never a pan across the cut).
    assert!(spread(before) <= 2.0, "{before:?}");
    assert!(spread(after) <= 2.0, "{after:?}");
    assert!(after[0] - before[59] > 300.0);
}

#[test]
fn a_still_subject_off_centre_gets_a_steady_window() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("still.mp4");
    patch_clip(&clip, "520", 3, "gray");
    let reel = d.join("reel.mp4");
    render(&clip, &reel, "auto");
    let frames = small_frames(&reel);
    let path = window_path(&frames, |_| 520.0, &[]);
    let (lo, hi) = path
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!(hi - lo <= 2.0, "the window moved: {lo}..{hi}");
}

#[test]
fn two_subjects_far_apart_are_shown_whole_with_the_fill() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("two.mp4");
    Fixture::new()
        .lavfi("color=c=gray:s=640x360:r=30:d=3,noise=c0s=50:c0f=t+u")
        .lavfi("color=c=0xE05010:s=60x100:r=30:d=3")
        .opts(&[
            "-filter_complex",
            "[1]split[p][q];[0][p]overlay=x=20:y=130[a];[a][q]overlay=x=560:y=130:shortest=1,format=yuv420p",
        ])
        .write(&clip);
    let reel = d.join("reel.mp4");
    render(&clip, &reel, "auto");
    let frames = small_frames(&reel);
    // The whole picture fitted to the width: 270x152 in the middle rows; both patches there.
    let f = &frames[45];
    let (n_left, l, _) = subject_columns(f, 0..W / 2);
    let (n_right, _, r) = subject_columns(f, W / 2..W);
    assert!(n_left > 300 && n_right > 300, "{n_left} {n_right}");
    assert!(l < 20 && r > 250, "{l} {r}");
}

/// A phone held sideways stores the picture turned, with a rotation tag: the window is found
/// and cropped on the upright picture.
#[test]
fn a_rotated_clip_is_followed_on_the_upright_picture() {
    let dir = workdir();
    let d = dir.path();
    let upright = d.join("upright.mp4");
    patch_clip(&upright, "40+t*130", 4, "gray");
    // Stored turned a quarter clockwise (360x640), tagged to be shown upright again.
    let turned = d.join("turned.mp4");
    Fixture::new()
        .input(&["-i", s(&upright)])
        .opts(&["-vf", "transpose=1", "-qp", "10", "-g", "60"])
        .write(&turned);
    let clip = d.join("rotated.mp4");
    tag_rotated(&turned, &clip);
    let reel = d.join("reel.mp4");
    render(&clip, &reel, "auto");
    let frames = small_frames(&reel);
    assert_eq!(frames.len(), 120);
    // The whole patch is in the window in every frame, and the window moved with it.
    let path = window_path(&frames, |i| (40.0 + 130.0 * i as f64 / 30.0).round(), &[]);
    assert!(path[path.len() - 1] - path[0] > 250.0, "{path:?}");
    let v = speeds(&path);
    let max = v.iter().fold(0f64, |m, s| m.max(s.abs()));
    assert!(max < 8.0, "window speed {max:.1} source px per frame");
}

fn white(p: &[u8]) -> bool {
    p[0] > 215 && p[1] > 215 && p[2] > 215
}

/// With `--start auto` the detected moment weighs more: the cook (a steady orange patch at
/// the left) is held, and around the crash (a white thing shaking at the right while the
/// bang sounds) the window goes to the crash. Read from the decoded reel.
#[test]
fn around_a_detected_crash_the_window_shows_the_crash() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("crash.mp4");
    bang_clip(
        &clip,
        "anoisesrc=seed=3:d=9:c=pink:a=0.03:r=48000",
        "color=c=gray:s=640x360:r=30:d=9,noise=c0s=50:c0f=t+u[bg];\
         color=c=0xE05010:s=60x100:r=30:d=9,noise=alls=12:allf=t[p];\
         color=c=white:s=60x100:r=30:d=9[q];\
         [bg][p]overlay=x=40:y=130[b1];\
         [b1][q]overlay=x='480+30*sin(2*PI*3*t)':y=130:enable='between(t\\,4\\,5.2)'[out0]",
        9,
        4500,
    );
    let plans = plan_lines(&["render", s(&clip), "--start", "auto", "--dry-run", "--json"]);
    let plan = &plans[0]["plan"];
    let moment_s = plan["auto_start"]["moment_s"].as_f64().expect("a moment");
    assert!((moment_s - 4.5).abs() < 0.3, "{plan}");
    let trim = plans[0]["trim_s"][0].as_f64().unwrap();
    let reel_moment = plan["video"]["reframe"]["moment"]
        .as_f64()
        .expect("moment in reframe")
        / 1e6;
    assert!(
        (reel_moment - (moment_s - trim)).abs() < 0.01,
        "{reel_moment} {moment_s} {trim}"
    );

    // At a quarter of TikTok's size (270x480: what small_frames reads anyway).
    let reel = d.join("reel.mp4");
    let preset = quarter_preset(d);
    render_reel(
        &clip,
        &reel,
        &[
            "--start",
            "auto",
            "--went-wrong",
            "",
            "--lesson",
            "",
            "-p",
            s(&preset),
        ],
    );
    let frames = small_frames(&reel);
    let at = |t: f64| &frames[((t * 30.0).round() as usize).min(frames.len() - 1)];
    let count = |f: &[u8], pick: fn(&[u8]) -> bool| f.chunks_exact(3).filter(|p| pick(p)).count();
    // The whole white thing (60x100 source px = 80x133 here) at the moment...
    let crash = count(at(reel_moment), white);
    assert!(crash > 6000, "at the moment only {crash} white pixels");
    // ...and the cook well before it, with no crash in sight.
    let early = at(0.2);
    assert!(
        count(early, orange) > 6000,
        "the cook is not in the window at the start"
    );
    assert!(count(early, white) < 200);

    // A manual start of the same trim has no moment to weigh.
    let manual = plan_lines(&[
        "render",
        s(&clip),
        "--start",
        &format!("{trim}"),
        "--dry-run",
        "--json",
    ]);
    assert!(manual[0]["plan"]["video"]["reframe"]["moment"].is_null());
}

/// A 4K picture is sampled at its keyframes (decoding it 5 times a second would cost about a
/// third of the render): the plan says so, and the window still follows a subject that
/// crosses the picture slowly.
#[test]
fn a_4k_clip_is_sampled_at_its_keyframes_and_still_followed() {
    let dir = workdir();
    let clip = dir.path().join("uhd.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        // The noise made at 960x540 and enlarged (4x4 blocks): noise at 4K costs more than
        // the rest of the test.
        "color=c=gray:s=960x540:r=30:d=6,noise=c0s=30:c0f=t+u,scale=3840:2160:flags=neighbor",
        "-f",
        "lavfi",
        "-i",
        "color=c=0xE05010:s=360x600:r=30:d=6,noise=alls=12:allf=t",
        "-filter_complex",
        "[0][1]overlay=x='300+t*450':y=780:shortest=1,format=yuv420p",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        // Coarse: the noise's detail is not what is tested, and at CRF 23 the clip is 59 MB,
        // half of this test's time to encode and most of the rest to decode.
        "-crf",
        "32",
        "-g",
        "15",
        s(&clip),
    ]);
    let plans = plan_lines(&["render", s(&clip), "--dry-run", "--json"]);
    let v = &plans[0]["plan"]["video"];
    assert_eq!(v["reframe"]["keyframes"], true, "{v}");
    let keys: Vec<(f64, f64, f64)> = v["crop_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["t"].as_f64().unwrap() / 1e6,
                k["rect"]["x"].as_f64().unwrap(),
                k["rect"]["width"].as_f64().unwrap(),
            )
        })
        .collect();
    let window_at = |t: f64| {
        let i = keys.iter().rposition(|k| k.0 <= t).unwrap_or(0);
        match keys.get(i + 1) {
            Some(n) if n.0 > keys[i].0 => {
                let f = (t - keys[i].0) / (n.0 - keys[i].0);
                (keys[i].1 + f * (n.1 - keys[i].1), keys[i].2)
            }
            _ => (keys[i].1, keys[i].2),
        }
    };
    // The patch's centre is inside the window at every half second.
    for k in 0..12 {
        let t = k as f64 * 0.5;
        let centre = 300.0 + 450.0 * t + 180.0;
        let (x, w) = window_at(t);
        assert!(
            x <= centre && centre <= x + w,
            "at {t} s the window {x}..{} misses the subject's centre {centre}",
            x + w
        );
    }
    assert!(keys.last().unwrap().1 - keys[0].1 > 1500.0, "{keys:?}");
}

/// A drawn face's skin (see common::person_png) in a small reel frame: (pixels, left, right).
fn skin_columns(f: &[u8]) -> (usize, usize, usize) {
    let (mut n, mut l, mut r) = (0, usize::MAX, 0);
    for y in 0..H {
        for x in 0..W {
            let i = (y * W + x) * 3;
            let (pr, pg, pb) = (f[i] as i32, f[i + 1] as i32, f[i + 2] as i32);
            if (140..230).contains(&pr)
                && (20..70).contains(&(pr - pg))
                && (10..50).contains(&(pg - pb))
            {
                n += 1;
                l = l.min(x);
                r = r.max(x);
            }
        }
    }
    (n, l, r)
}

/// A 640x360 30 fps clip `secs` long: a drawn person (face 96 px wide) whose picture's left
/// edge is at `person_x` (an ffmpeg expression in t) over temporal grey noise, and the
/// textured orange patch of [`patch_clip`] at `patch_x`: warmer, more saturated and more
/// detailed than the person, which is what the colour and texture cues alone would follow.
fn person_and_patch_clip(
    dir: &Path,
    name: &str,
    person_x: &str,
    patch_x: &str,
    secs: u32,
    bg: &str,
) -> std::path::PathBuf {
    let png = dir.join(format!("{name}.person.png"));
    person_png(&png, 96);
    let clip = dir.join(name);
    Fixture::new()
        .lavfi(&format!(
            "color=c={bg}:s=640x360:r=30:d={secs},noise=c0s=50:c0f=t+u"
        ))
        .lavfi(&format!(
            "color=c=0xE05010:s=60x100:r=30:d={secs},noise=alls=12:allf=t"
        ))
        .input(&["-loop", "1", "-framerate", "30", "-i", s(&png)])
        .opts(&[
            "-filter_complex",
            &format!(
                "[0][1]overlay=x='{patch_x}':y=130:shortest=1[a];[a][2]overlay=x='{person_x}':y=40:shortest=1,format=yuv420p"
            ),
            "-t",
            &secs.to_string(),
            "-g",
            "60",
        ])
        .write(&clip);
    clip
}

/// Frames of `frames` whose window does not show the drawn face whole (at least 2500 skin
/// pixels, clear of the window's edges).
fn frames_without_the_face(frames: &[Vec<u8>]) -> Vec<usize> {
    frames
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            let (n, l, r) = skin_columns(f);
            n < 2500 || l < 2 || r + 2 >= W
        })
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn a_person_is_held_in_the_window_not_a_brighter_moving_patch() {
    let dir = workdir();
    let d = dir.path();
    // The person drifts right slowly at the left; the orange patch sways at the right.
    let clip = person_and_patch_clip(d, "person.mp4", "20+t*15", "480+40*sin(3*t)", 5, "gray");
    let reel = d.join("reel.mp4");
    render(&clip, &reel, "auto");
    let frames = small_frames(&reel);
    assert_eq!(frames.len(), 150);
    let missed = frames_without_the_face(&frames);
    assert!(
        missed.len() <= 3,
        "the face is not in the window in {} of 150 frames: {missed:?}",
        missed.len()
    );
    // The plan says why: the face detector saw the person.
    let plans = plan_lines(&["render", s(&clip), "--focus", "auto", "--dry-run", "--json"]);
    let r = &plans[0]["plan"]["video"]["reframe"];
    assert!(r["shots"].as_array().unwrap().len() == 1, "{r}");
    // A window at the patch (what colour and texture alone choose) loses the person: the
    // test can fail.
    let at_patch = d.join("patch.mp4");
    render(&clip, &at_patch, "0.95");
    assert!(frames_without_the_face(&small_frames(&at_patch)).len() > 140);
}

#[test]
fn after_a_cut_the_window_starts_on_the_new_person() {
    let dir = workdir();
    let d = dir.path();
    let a = person_and_patch_clip(d, "a.mp4", "10", "540", 2, "gray");
    let b = person_and_patch_clip(d, "b.mp4", "400", "40", 2, "0x405070");
    let clip = d.join("cut.mp4");
    Fixture::new()
        .input(&["-i", s(&a), "-i", s(&b)])
        .opts(&["-filter_complex", "[0][1]concat=n=2:v=1", "-g", "45"])
        .write(&clip);
    let reel = d.join("reel.mp4");
    render(&clip, &reel, "auto");
    let frames = small_frames(&reel);
    assert_eq!(frames.len(), 120);
    let missed = frames_without_the_face(&frames);
    // Every frame, the cut's own included, shows the person of its shot.
    assert!(missed.is_empty(), "frames without the face: {missed:?}");
    let (_, l59, _) = skin_columns(&frames[59]);
    let (_, l60, _) = skin_columns(&frames[60]);
    assert!(l59 < W && l60 < W, "{l59} {l60}");
}

#[test]
fn focus_keys_on_the_reels_clock_move_the_window_where_they_say() {
    let dir = workdir();
    let d = dir.path();
    // A horizontal ramp: a column's brightness says which source column it is.
    let clip = d.join("ramp.mp4");
    Fixture::new()
        .lavfi("color=c=gray:s=640x360:r=30:d=3,geq=lum='X*250/639':cb=128:cr=128")
        .opts(&["-g", "30"])
        .write(&clip);
    let keys = "0.2,1s=0.8,2s=center";
    let reel = d.join("reel.mp4");
    render(&clip, &reel, keys);
    let (_, _, frames) = grey_frames(&reel);
    assert_eq!(frames.len(), 90);
    // Each span shows what that focus alone shows (a reel rendered with it fixed), from the
    // key's own frame on.
    let diff = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (*x as f64 - *y as f64).abs())
            .sum::<f64>()
            / a.len() as f64
    };
    for (focus, span) in [("0.2", 0..30), ("0.8", 30..60), ("center", 60..90)] {
        let fixed = d.join(format!("fixed-{focus}.mp4"));
        render(&clip, &fixed, focus);
        let (_, _, f) = grey_frames(&fixed);
        for i in 0..90 {
            let same = diff(&frames[i], &f[i]) < 2.0;
            assert_eq!(same, span.contains(&i), "frame {i} against --focus {focus}");
        }
    }
    // --dry-run --json shows the path; the same keys from a manifest give the same path.
    let plans = plan_lines(&["render", s(&clip), "--focus", keys, "--dry-run", "--json"]);
    let path = plans[0]["plan"]["video"]["crop_path"].clone();
    let xs: Vec<(i64, u64)> = path
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["t"].as_i64().unwrap(), k["rect"]["x"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        xs,
        vec![
            (0, 88),
            (1_000_000, 88),
            (1_000_000, 350),
            (2_000_000, 350),
            (2_000_000, 218)
        ]
    );
    // The human dry run says where the window moves, not only where it starts.
    let human = failreel_exit(&["render", s(&clip), "--focus", keys, "--dry-run"], 0);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(
            "window    at (88, 0) from 0.000 s, at (350, 0) from 1.000 s, at (218, 0) from 2.000 s"
        ),
        "{text}"
    );
    let manifest = d.join("m.toml");
    std::fs::write(
        &manifest,
        format!("[[clip]]\ninput = {:?}\nfocus = {keys:?}\n", s(&clip)),
    )
    .unwrap();
    let from_manifest = plan_lines(&["render", "--manifest", s(&manifest), "--dry-run", "--json"]);
    assert_eq!(from_manifest[0]["plan"]["video"]["crop_path"], path);
    // A bad list is a usage error naming the flag and the bad part.
    for (bad, part) in [
        ("0.2,1s=up", "1s=up"),
        ("0.2,0.8", "\"0.8\""),
        ("0.2,2s=0.5,1s=auto", "1s=auto"),
    ] {
        let out = failreel_exit(&["render", s(&clip), "--focus", bad, "--dry-run"], 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--focus") && err.contains(part),
            "{bad}: {err}"
        );
    }
}

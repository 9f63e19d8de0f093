//! `--cover`: a JPEG beside the reel, the reel's size, the sharpest frame around the
//! went-wrong card with its text drawn as a headline; resume and the foreign-file rule.

use crate::common::*;
use std::path::Path;

/// Decodes an image file with the ffmpeg CLI (independently of failreel) as 8-bit grey.
fn gray(path: &Path) -> (usize, usize, Vec<u8>) {
    let (w, h, mut frames) = grey_frames(path);
    (w, h, frames.remove(0))
}

/// Variance of the 4-neighbour Laplacian over rows `y0..y1` (a sharpness measure made here,
/// not failreel's).
fn lap_var(img: &[u8], w: usize, y0: usize, y1: usize) -> f64 {
    let (mut s, mut q, mut n) = (0f64, 0f64, 0f64);
    for y in y0.max(1)..y1 {
        for x in 1..w - 1 {
            let c = img[y * w + x] as f64;
            let l = img[(y - 1) * w + x] as f64
                + img[(y + 1) * w + x] as f64
                + img[y * w + x - 1] as f64
                + img[y * w + x + 1] as f64
                - 4.0 * c;
            s += l;
            q += l * l;
            n += 1.0;
        }
    }
    q / n - (s / n) * (s / n)
}

fn mean_abs_diff(a: &[u8], b: &[u8], w: usize, y0: usize, y1: usize, x0: usize, x1: usize) -> f64 {
    let mut d = 0f64;
    let mut n = 0f64;
    for y in y0..y1 {
        for x in x0..x1 {
            d += (a[y * w + x] as f64 - b[y * w + x] as f64).abs();
            n += 1.0;
        }
    }
    d / n
}

/// 6 s of testsrc2, box-blurred everywhere except 2.0–2.9 s.
fn blurred_but_one(dir: &Path) -> std::path::PathBuf {
    let clip = dir.join("blurry fail.mp4");
    h264_clip(
        &clip,
        "testsrc2=s=640x360:r=30:d=6",
        Some("boxblur=8:enable='not(between(t,2,2.9))'"),
        &["-g", "30"],
    );
    clip
}

const CARD: [&str; 6] = [
    "--went-wrong",
    "Lid on a boiling pot 🔥",
    "--went-wrong-at",
    "0",
    "--went-wrong-until",
    "6",
];

#[test]
fn cover_is_the_sharp_frame_at_reel_size_with_the_headline_and_comes_back_on_resume() {
    let dir = workdir();
    let d = dir.path();
    let clip = blurred_but_one(d);
    let out = d.join("reels");
    // At a quarter of TikTok's size (270x480, its safe zone and text scaled alike): the cover
    // is the reel's size whatever that is.
    let preset = quarter_preset(d);
    let mut args = vec![
        "render",
        s(&clip),
        "--cover",
        "-p",
        s(&preset),
        "--out-dir",
        s(&out),
    ];
    args.extend(CARD);

    // The decision is in the plan: candidates over the card's time, the headline's place.
    let plan = dry_plans(&args).remove(0);
    let cover = &plan["cover"];
    assert_eq!(cover["kind"], "cover");
    assert!(cover["path"]
        .as_str()
        .unwrap()
        .ends_with("blurry fail.quarter.jpg"));
    assert_eq!(
        (cover["width"].as_u64(), cover["height"].as_u64()),
        (Some(270), Some(480))
    );
    let cands = cover["candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 9);
    let head = &cover["headline"]["rect"];
    let (hx, hy, hw, hh) = (
        head["x"].as_u64().unwrap() as usize,
        head["y"].as_u64().unwrap() as usize,
        head["width"].as_u64().unwrap() as usize,
        head["height"].as_u64().unwrap() as usize,
    );
    // Inside the quarter preset's safe zone (62 / 115 / 15 / 45).
    assert!(
        hy >= 62 && hy + hh <= 480 - 115 && hx >= 15 && hx + hw <= 270 - 45,
        "{head}"
    );
    assert!(hh > 25, "a large headline: {head}");

    failreel_ok(&args);
    let reel = out.join("blurry fail.quarter.mp4");
    let jpg = out.join("blurry fail.quarter.jpg");
    assert!(reel.is_file() && jpg.is_file(), "{:?}", list(&out));
    let (w, h, cov) = gray(&jpg);
    assert_eq!((w, h), (270, 480));

    // The reel's own frames, decoded independently: a sharp one (2.5 s) and a blurred one.
    let frame_at = |n: u32| {
        let png = d.join(format!("f{n}.png"));
        let sel = format!("select=eq(n\\,{n})");
        ffmpeg(&["-i", s(&reel), "-vf", &sel, "-frames:v", "1", s(&png)]);
        gray(&png).2
    };
    // Candidate frames are 10, 30, 50, 70, … (the middles of nine equal parts of 180); only
    // 70 (2.33 s) is in the sharp part.
    let sharp = frame_at(70);
    let blurred = frame_at(50);
    // Below the headline and the went-wrong card of the reel (which sits at the top):
    // the cover shows the sharp frame.
    let (y0, y1) = (250, 350);
    let (cs, ss, bs) = (
        lap_var(&cov, w, y0, y1),
        lap_var(&sharp, w, y0, y1),
        lap_var(&blurred, w, y0, y1),
    );
    assert!(
        ss > bs * 3.0,
        "the fixture's frames differ in sharpness: {ss} {bs}"
    );
    assert!(cs > bs * 3.0, "the cover is sharp: {cs} vs blurred {bs}");
    // The same moment of testsrc2 (its picture moves): that frame, not its blurred neighbour.
    let near = mean_abs_diff(&cov, &sharp, w, y0, y1, 15, 225);
    let far = mean_abs_diff(&cov, &blurred, w, y0, y1, 15, 225);
    assert!(near < 6.0 && far > near * 2.0, "near {near} far {far}");
    // Text drawn: inside the headline the cover differs from the clean frame.
    let reel_clean = {
        let png = d.join("clean.png");
        let mut pv = vec![
            "preview",
            s(&clip),
            "-p",
            s(&preset),
            "--at",
            "2.34",
            "-o",
            s(&png),
        ];
        pv.extend(["--went-wrong-at", "0", "--went-wrong-until", "6"]);
        failreel_ok(&pv);
        gray(&png).2
    };
    let in_head = mean_abs_diff(&cov, &reel_clean, w, hy, hy + hh, hx, hx + hw);
    let outside = mean_abs_diff(&cov, &reel_clean, w, y0, y1, 15, 225);
    assert!(
        in_head > 20.0 && outside < 6.0,
        "headline {in_head}, elsewhere {outside}"
    );

    // Resume: an up-to-date reel whose cover is missing gets its cover, and only that.
    let reel_mtime = std::fs::metadata(&reel).unwrap().modified().unwrap();
    std::fs::remove_file(&jpg).unwrap();
    let err = failreel_ok(&args);
    assert!(err.contains("up to date"), "{err}");
    assert!(jpg.is_file());
    assert_eq!(
        std::fs::metadata(&reel).unwrap().modified().unwrap(),
        reel_mtime
    );
    let (_, _, again) = gray(&jpg);
    assert!(mean_abs_diff(&again, &cov, w, 0, h, 0, w) < 1.0);
    // No temporaries or locks left behind.
    assert!(
        list(&out).iter().all(|n| !n.starts_with('.')),
        "{:?}",
        list(&out)
    );
}

#[test]
fn a_foreign_jpeg_where_the_cover_goes_is_kept_without_force() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "pot.mp4", 2.0, 30);
    let out = d.join("reels");
    std::fs::create_dir_all(&out).unwrap();
    let jpg = out.join("pot.tiktok.jpg");
    std::fs::write(&jpg, b"\xFF\xD8\xFF\xE0 someone's own cover").unwrap();
    let mut args = vec!["render", s(&clip), "--cover", "--out-dir", s(&out)];
    args.extend(CARD);
    let o = failreel(&args);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("pot.tiktok.jpg")
            && err.contains("not written by failreel")
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&jpg).unwrap(),
        b"\xFF\xD8\xFF\xE0 someone's own cover"
    );
    assert!(!out.join("pot.tiktok.mp4").exists(), "nothing rendered");
}

#[test]
fn cover_is_a_manifest_key() {
    let dir = workdir();
    let d = dir.path();
    std::fs::write(
        d.join("week.toml"),
        "cover = true\nwent_wrong = \"Too hot\"\n[[clip]]\ninput = \"a.mp4\"\n[[clip]]\ninput = \"b.mp4\"\ncover = false\n",
    )
    .unwrap();
    grey_clip(d, "a.mp4", 2.0, 30);
    grey_clip(d, "b.mp4", 2.0, 30);
    let m = d.join("week.toml");
    let plans = plan_lines(&["render", "--manifest", s(&m), "--dry-run", "--json"]);
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[0]["plan"]["cover"]["headline"]["text"], "Too hot");
    assert!(plans[1]["plan"].get("cover").is_none());
}

#[test]
fn the_cover_shows_the_person_when_a_frame_with_them_exists() {
    let dir = workdir();
    let d = dir.path();
    // 6 s of sharp testsrc2; from 1.5 to 2.5 s it is blurred and a drawn person stands in
    // the middle: sharper frames exist, but only those show someone.
    let png = d.join("person.png");
    person_png(&png, 96);
    let clip = d.join("person.mp4");
    Fixture::new()
        .lavfi("testsrc2=s=640x360:r=30:d=6")
        .input(&["-loop", "1", "-framerate", "30", "-i", s(&png)])
        .opts(&[
            "-filter_complex",
            "[0]boxblur=6:enable='between(t,1.5,2.5)'[b];[b][1]overlay=x=205:y=40:enable='between(t,1.5,2.5)':shortest=1,format=yuv420p",
            "-t",
            "6",
            "-g",
            "30",
        ])
        .write(&clip);
    let out = d.join("reels");
    // At a quarter of TikTok's size (270x480): pixel counts below are a sixteenth of
    // 1080x1920's.
    let preset = quarter_preset(d);
    let mut args = vec![
        "render",
        s(&clip),
        "--cover",
        "-p",
        s(&preset),
        "--focus",
        "center",
        "--out-dir",
        s(&out),
    ];
    args.extend(CARD);
    failreel_ok(&args);
    let reel = out.join("person.quarter.mp4");
    let skin = |path: &Path| {
        let img = image::open(path).unwrap().to_rgb8();
        img.pixels()
            .filter(|p| {
                let (r, g, b) = (p[0] as i32, p[1] as i32, p[2] as i32);
                (140..230).contains(&r)
                    && (20..70).contains(&(r - g))
                    && (10..50).contains(&(g - b))
            })
            .count()
    };
    // The reel's candidate frames (10, 30, …, 170 of 180), decoded independently: the
    // sharpest has nobody (so the sharpest frame alone would not do: the test can fail), and
    // only 50 and 70 (1.67 s, 2.33 s) show the person.
    // One decode writes the nine: f1.png is frame 10, f2.png frame 30, ...
    let pattern = d.join("f%d.png");
    ffmpeg(&[
        "-i",
        s(&reel),
        "-vf",
        "select=eq(mod(n\\,20)\\,10)",
        "-fps_mode",
        "passthrough",
        s(&pattern),
    ]);
    let frame_at = |n: u32| d.join(format!("f{}.png", (n - 10) / 20 + 1));
    let (y0, y1) = (250, 350);
    let mut sharpest = (0, 0.0);
    for n in (10..180).step_by(20) {
        let f = frame_at(n);
        let (w, _, g) = gray(&f);
        let sharp = lap_var(&g, w, y0, y1);
        if sharp > sharpest.1 {
            sharpest = (n, sharp);
        }
        assert_eq!(
            skin(&f) > 1_250,
            n == 50 || n == 70,
            "frame {n}: {} skin pixels",
            skin(&f)
        );
    }
    assert!(sharpest.0 != 50 && sharpest.0 != 70, "{sharpest:?}");
    // The cover shows the person (the headline covers the top of the head).
    let jpg = out.join("person.quarter.jpg");
    assert!(
        skin(&jpg) > 1_250,
        "{} skin pixels in the cover",
        skin(&jpg)
    );
}

#[test]
fn cover_at_takes_that_frame_and_the_report_offers_the_best_three() {
    let dir = workdir();
    let d = dir.path();
    let clip = blurred_but_one(d);
    let preset = quarter_preset(d);
    let reel = d.join("reel.mp4");
    // 4.2 s is blurred: the cover rule would never pick it; --cover-at does.
    let out = failreel(&[
        "render",
        s(&clip),
        "--preset",
        s(&preset),
        "--focus",
        "center",
        "--cover-at",
        "4.2",
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&reel),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cover = reel.with_extension("jpg");
    assert!(cover.is_file(), "--cover-at writes the cover");
    let (w, h, still) = gray(&cover);
    let (rw, rh, frames) = luma_frames(&reel);
    assert_eq!((w, h), (rw, rh));
    // The reel's frame that looks most like the cover is frame 126 (4.2 s at 30 fps).
    let diffs: Vec<f64> = frames
        .iter()
        .map(|f| mean_abs_diff(&still, f, w, 0, h, 0, w))
        .collect();
    let best = diffs
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(best, 126, "the cover is frame {best}");
    assert!(diffs[126] < 8.0, "{}", diffs[126]);
    // The dry run says so: one candidate, at the time asked for.
    let plan = &plan_lines(&[
        "render",
        s(&clip),
        "--preset",
        s(&preset),
        "--cover-at",
        "4.2",
        "-o",
        s(&reel),
        "--dry-run",
        "--json",
    ])[0]["plan"];
    assert_eq!(plan["cover"]["at"], 4_200_000);
    assert_eq!(plan["cover"]["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(plan["cover"]["candidates"][0]["frame"], 126);

    // Without --cover-at, the report offers the three best candidates, each with its flag,
    // and that flag picks it.
    let out_dir = d.join("week");
    failreel_ok(&[
        "render",
        s(&clip),
        "--preset",
        s(&preset),
        "--focus",
        "center",
        "--went-wrong",
        "Lid on",
        "--went-wrong-at",
        "1",
        "--went-wrong-until",
        "4",
        "--encoder-preset",
        "ultrafast",
        "--out-dir",
        s(&out_dir),
        "--report",
        "-q",
    ]);
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    // The review sheet's cover candidates.
    let html = &html[html.find("<h4>Cover</h4>").expect("a cover section")..];
    let flags: Vec<&str> = html
        .match_indices("--cover-at ")
        .map(|(i, _)| &html[i..i + "--cover-at 0:00.000".len()])
        .collect();
    assert!(flags.len() >= 3, "three choices in the report: {flags:?}");
    // The first is the sharp stretch (2.0-2.9 s), the one the thumbnail shows.
    let first = &flags[0]["--cover-at ".len()..];
    let secs: f64 = first[2..].parse().unwrap();
    assert!((2.0..2.9).contains(&secs), "{first}");
}

//! `--report`: report.html after a batch. The page is checked as text with a small scanner
//! written here (attributes `href`/`src`/`poster` pulled out, percent-decoded and resolved
//! against the report's folder): failreel writes the markup itself with one attribute
//! syntax (double quotes, escaped values), so a full HTML parser crate would add a
//! dependency without checking more. Most tests run on the fake renderer (milliseconds);
//! one renders real reels and, when Debian's chromium is installed, takes a phone-sized
//! screenshot of the page.

use crate::common::*;
use failreel::__dev::{FakeRenderer, HtmlReport};
use failreel::{run_batch, BatchOptions, ReelRequest, Stop, Tee};
use std::path::{Path, PathBuf};

/// Every value of `attr="…"` in `html`, entity-decoded (`&amp;` and friends).
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        let tail = &rest[at + needle.len()..];
        let end = tail.find('"').expect("closing quote");
        out.push(
            tail[..end]
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        );
        rest = &tail[end..];
    }
    out
}

/// `%XX` sequences to bytes, then UTF-8.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("valid %XX"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 after decoding")
}

/// Every link of the page: relative (no scheme, not absolute), URL-safe characters only, and
/// naming a file that exists beside the report.
fn assert_links_resolve(report: &Path) -> Vec<PathBuf> {
    let html = std::fs::read_to_string(report).unwrap();
    let dir = report.parent().unwrap();
    let mut files = Vec::new();
    for attr in ["href", "src", "poster"] {
        for v in attrs(&html, attr) {
            assert!(!v.contains(':') && !v.starts_with('/'), "not relative: {v}");
            assert!(
                v.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-._~%/".contains(&c)),
                "not percent-encoded: {v}"
            );
            let f = dir.join(percent_decode(&v));
            assert!(f.is_file(), "{v} -> {} does not exist", f.display());
            files.push(f);
        }
    }
    files
}

const NAMES: [&str; 5] = [
    "a b.mov",
    "#1 100%.mov",
    "crème brûlée ☕.mov",
    "missing.mov",
    "breaks.mov",
];

fn report_run(d: &Path, fake: &FakeRenderer, force: bool) -> (failreel::Summary, HtmlReport) {
    let req = ReelRequest {
        went_wrong: Some("<script>alert(1)</script> & \"quotes\"".into()),
        lesson: Some("Medium heat, not <b>high</b>".into()),
        ..Default::default()
    };
    let clips = fake_clips(d, &NAMES, 4.0, &req, |stem| {
        d.join("out dir").join(format!("{stem}.tiktok.mp4"))
    });
    let inputs = clips.iter().map(|c| c.input.clone()).collect();
    let report = HtmlReport::new(d.join("out dir"), force, inputs);
    let opts = BatchOptions {
        jobs: Some(2),
        thumbnails: true,
        ..BatchOptions::default()
    };
    let s = run_batch(clips, &opts, &Stop::default(), fake, &Tee(vec![&report]));
    (s, report)
}

#[test]
fn every_reel_and_failure_is_listed_escaped_with_links_that_resolve_and_a_rerun_rewrites() {
    let dir = workdir();
    let d = dir.path();
    let fake = FakeRenderer {
        fail: [d.join("breaks.mov")].into_iter().collect(),
        ..Default::default()
    };
    let (s, report) = report_run(d, &fake, false);
    assert!(report.take_error().is_none());
    assert_eq!((s.rendered, s.failed), (3, 2));
    let path = d.join("out dir").join("report.html");
    assert_eq!(report.written().as_deref(), Some(path.as_path()));
    let html = std::fs::read_to_string(&path).unwrap();

    // A phone-ready, self-contained page.
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta name=\"viewport\" content=\"width=device-width"));
    assert!(html.contains("<style>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network"
    );
    assert!(
        !html.to_lowercase().contains("<script"),
        "no script, none injected"
    );
    // Texts escaped: the card texts appear literally.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
    assert!(html.contains("Medium heat, not &lt;b&gt;high&lt;/b&gt;"));
    // Every reel: name, preset, duration, a thumbnail and the playable reel.
    for stem in ["a b", "#1 100%", "crème brûlée ☕"] {
        let reel = format!("{stem}.tiktok.mp4");
        assert!(
            html.contains(&format!("<h3>{reel}<span class=\"badge ok\">")),
            "{reel}"
        );
        assert!(d
            .join("out dir")
            .join(format!("{stem}.tiktok.thumb.jpg"))
            .is_file());
    }
    assert_eq!(html.matches("<dt>preset</dt><dd>tiktok</dd>").count(), 3);
    assert_eq!(
        html.matches("<dt>duration</dt><dd>0:04.0 (4.0 s)</dd>")
            .count(),
        3
    );
    assert_eq!(html.matches("<video controls").count(), 3);
    assert_eq!(
        html.matches("<figcaption>thumbnail</figcaption>").count(),
        3
    );
    // Every failure, with its error.
    assert!(html.contains("<h2>Failed (2)</h2>"));
    assert!(
        html.contains("missing.mov") && html.contains("no such file"),
        "{html}"
    );
    assert!(html.contains("breaks.mov") && html.contains("the fake renderer was told to fail"));
    let files = assert_links_resolve(&path);
    // 3 reels x (img href, img src, video src, reel link, poster).
    assert_eq!(files.len(), 15, "{files:?}");
    let (w, h) = image::image_dimensions(d.join("out dir").join("a b.tiktok.thumb.jpg")).unwrap();
    assert_eq!((w, h), (360, 640));

    // Rerun: the reels are up to date and listed as such; the page is replaced, not appended.
    let (s2, report2) = report_run(d, &fake, false);
    assert!(report2.take_error().is_none());
    assert_eq!((s2.skipped, s2.failed), (3, 2));
    let again = std::fs::read_to_string(&path).unwrap();
    assert_eq!(again.matches("<!DOCTYPE html>").count(), 1);
    assert_eq!(
        again
            .matches("<span class=\"badge skipped\">up to date</span>")
            .count(),
        3
    );
    assert!(again.contains("0 rendered · 3 up to date · 2 failed"));
    assert_links_resolve(&path);
    assert!(
        list(&d.join("out dir")).iter().all(|n| !n.starts_with('.')),
        "no temporaries or locks left"
    );
}

#[test]
fn a_foreign_report_html_is_kept_without_force() {
    let dir = workdir();
    let d = dir.path();
    std::fs::create_dir_all(d.join("out dir")).unwrap();
    let path = d.join("out dir").join("report.html");
    std::fs::write(&path, "<html>my own notes</html>").unwrap();
    let fake = FakeRenderer::default();
    let (_, report) = report_run(d, &fake, false);
    let e = report.take_error().expect("refused");
    assert!(e.to_string().contains("not written by failreel"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "<html>my own notes</html>"
    );
    let (_, forced) = report_run(d, &fake, true);
    assert!(forced.take_error().is_none());
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("failreel report"));
}

#[test]
fn real_batch_report_with_covers_and_a_phone_screenshot() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("pan fire #2.mp4");
    h264_clip(&clip, "testsrc2=s=640x360:r=30:d=2", None, &["-g", "30"]);
    let bad = d.join("broken.mp4");
    std::fs::write(&bad, b"not a video").unwrap();
    let out = d.join("week 12");
    failreel_exit(
        &[
            "render",
            s(&clip),
            s(&bad),
            "--cover",
            "--report",
            "--encoder-preset",
            "ultrafast",
            "--went-wrong",
            "Oil smoking <before> garlic",
            "--lesson",
            "Medium heat",
            "--out-dir",
            s(&out),
        ],
        1,
    );
    let report = out.join("report.html");
    let files = assert_links_resolve(&report);
    assert!(files.iter().any(|f| f.ends_with("pan fire #2.tiktok.mp4")));
    assert!(
        files.iter().any(|f| f.ends_with("pan fire #2.tiktok.jpg")),
        "the cover, not a thumbnail"
    );
    assert!(!out.join("pan fire #2.tiktok.thumb.jpg").exists());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Oil smoking &lt;before&gt; garlic"));
    assert!(html.contains("<figcaption>cover</figcaption>"));
    assert!(html.contains("broken.mp4") && html.contains("not a video failreel can read"));

    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        println!("note: /usr/bin/chromium is not installed: the screenshot check is skipped");
        return;
    }
    let shot = d.join("shot.png");
    let abs = std::path::absolute(&report).unwrap();
    let url = format!("file:///{}", url_path(abs.strip_prefix("/").unwrap()));
    let o = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            &format!("--screenshot={}", s(&shot)),
            "--window-size=412,915",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (412, 915));
    // Not blank: many colours, and the dark header band over a light page.
    let mut colours = std::collections::HashSet::new();
    for p in img.pixels() {
        colours.insert(p.0);
    }
    assert!(colours.len() > 200, "{} colours", colours.len());
    let top = img.get_pixel(5, 5).0;
    let below = img.get_pixel(5, 300).0;
    assert!(top.iter().all(|&c| c < 60), "header {top:?}");
    assert!(below.iter().all(|&c| c > 200), "page {below:?}");
    // The cover's picture is on screen: testsrc2's saturated colours appear.
    assert!(
        img.pixels()
            .any(|p| p.0[0] > 200 && p.0[1] > 200 && p.0[2] < 60),
        "no yellow from the cover on screen"
    );
}

/// Every `url('…')` of the page's style attributes, resolved like the links.
fn assert_style_urls_resolve(report: &Path) -> Vec<PathBuf> {
    let html = std::fs::read_to_string(report).unwrap();
    let dir = report.parent().unwrap();
    let mut out = Vec::new();
    let mut rest = html.as_str();
    while let Some(at) = rest.find("url('") {
        let tail = &rest[at + 5..];
        let end = tail.find("')").expect("closing url");
        let v = &tail[..end];
        assert!(!v.contains(':') && !v.starts_with('/'), "not relative: {v}");
        let f = dir.join(percent_decode(v));
        assert!(f.is_file(), "{v} -> {} does not exist", f.display());
        out.push(f);
        rest = &tail[end..];
    }
    out
}

/// A browser to take screenshots with: Debian's chromium (or another Chromium) on the PATH.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// `path` (absolute) as a `file:` URL, each byte outside the unreserved set percent-encoded.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_str().unwrap().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

/// A headless screenshot of `page` at `width` x `height` into `shot` (a fresh profile in
/// `profile`, no network services).
fn screenshot(
    chromium: &Path,
    page: &Path,
    shot: &Path,
    (width, height): (u32, u32),
    profile: &Path,
) {
    let url = file_url(&std::path::absolute(page).unwrap());
    let o = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", s(profile)),
            &format!("--screenshot={}", s(shot)),
            &format!("--window-size={width},{height}"),
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Pixels of `img` within 40 of `colour` on every channel.
fn near(img: &image::RgbImage, colour: [u8; 3]) -> usize {
    img.pixels()
        .filter(|p| p.0.iter().zip(colour).all(|(a, b)| a.abs_diff(b) < 40))
        .count()
}

#[test]
fn the_review_sheet_shows_framing_moments_and_covers_offline_in_a_browser() {
    let dir = workdir();
    let d = dir.path();
    let bang = bang_clip(
        &d.join("pan bang.mp4"),
        "anoisesrc=c=pink:a=0.02:r=48000:seed=3",
        "testsrc2=s=640x360:r=30",
        6,
        3000,
    );
    let plain = Fixture::new()
        .lavfi("testsrc2=s=640x360:r=30")
        .secs(4)
        .write(&d.join("plain.mp4"));
    let out = d.join("week");
    let preset = quarter_preset(d);
    failreel_ok(&[
        "render",
        s(&bang),
        s(&plain),
        "--preset",
        s(&preset),
        "--focus",
        "0.3",
        "--went-wrong",
        "Lid on",
        "--encoder-preset",
        "ultrafast",
        "--report",
        "--out-dir",
        s(&out),
        "-q",
    ]);
    let report = out.join("report.html");
    let mut files = assert_links_resolve(&report);
    files.extend(assert_style_urls_resolve(&report));
    let html = std::fs::read_to_string(&report).unwrap();
    // No script, no handlers, nothing fetched from elsewhere.
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script") && !lower.contains("javascript:"));
    assert!(
        !lower
            .split_whitespace()
            .any(|w| w.starts_with("on") && w.contains("=\"")),
        "an event handler attribute"
    );
    assert!(!lower.contains("http:") && !lower.contains("https:"));
    // Each reel: a strip of 8 source frames with the --focus that holds the window, the
    // clip's moments with the change that picks them, three cover candidates.
    assert_eq!(html.matches("<h4>Framing</h4>").count(), 2);
    assert_eq!(
        html.matches("<code>--focus 0.3</code>").count(),
        16,
        "{html}"
    );
    let moments = &html[html.find("Moments in the clip").unwrap()..];
    // Each moment's time in the clip, shown as <b>m:ss.s</b>: the bang's onset at 3 s,
    // within the tenth of a second the sheet shows and half of one more (the detector
    // places it at 2.94 s, shown as 0:02.9).
    let listed = &moments[..moments.len().min(3000)];
    let times: Vec<f64> = moments
        .split("<b>")
        .skip(1)
        .filter_map(|m| {
            let t = m.split("</b>").next()?;
            let (min, sec) = t.split_once(':')?;
            Some(min.parse::<f64>().ok()? * 60.0 + sec.parse::<f64>().ok()?)
        })
        .collect();
    assert!(
        times.iter().any(|t| (t - 3.0).abs() <= 0.15),
        "the bang at 3 s is listed: {times:?} in {listed}"
    );
    assert!(moments.contains("pick it: <code>--start "));
    assert_eq!(html.matches("<h4>Cover</h4>").count(), 2);
    // The sprite: the 9:16 window drawn where the reel shows it (focus 0.3 of a 640x360
    // picture: 202 px wide at x = 131), outlined in the accent colour.
    let sprite_path = out.join("review").join("plain.quarter.mp4.jpg");
    assert!(files.contains(&sprite_path));
    let sprite = image::open(&sprite_path).unwrap().to_rgb8();
    let row: Vec<u32> = (0..160)
        .filter(|&x| {
            // #FFD23F, not testsrc2's pure yellow.
            let p = sprite.get_pixel(x, 45).0;
            p[0] > 200 && (175..240).contains(&p[1]) && (15..115).contains(&p[2])
        })
        .collect();
    // The 640x360 picture fills the 160x90 cell at a quarter: the window's sides at 33 and 83.
    assert!(
        row.iter().any(|&x| (31..=35).contains(&x)) && row.iter().any(|&x| (81..=85).contains(&x)),
        "outline columns {row:?}"
    );
    // Small: a 20-reel week stays under 10 MB (the reels themselves aside).
    let page_bytes: u64 = std::fs::metadata(&report).unwrap().len()
        + files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "jpg"))
            .collect::<std::collections::BTreeSet<_>>()
            .iter()
            .map(|f| std::fs::metadata(f).unwrap().len())
            .sum::<u64>();
    let per_week = page_bytes * 10;
    println!("review page: {page_bytes} bytes for 2 reels, {per_week} for 20");
    assert!(per_week < 10_000_000, "{per_week} bytes for 20 reels");

    // CI installs Chromium (`make deps`): a missing browser fails here, never skips.
    let chromium = find_chromium().expect(
        "no chromium on the PATH: the review sheet's browser check cannot run; \
         install it with `make deps` (Debian: apt-get install chromium)",
    );
    for (name, size) in [("phone", (390, 844)), ("desktop", (1280, 900))] {
        let shot = d.join(format!("{name}.png"));
        screenshot(
            &chromium,
            &report,
            &shot,
            size,
            &d.join(format!("profile-{name}")),
        );
        let img = image::open(&shot).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), size, "{name}");
        let mut colours = std::collections::HashSet::new();
        for p in img.pixels() {
            colours.insert(p.0);
        }
        assert!(colours.len() > 200, "{name}: {} colours", colours.len());
        // Pictures on a light page.
        assert!(
            near(&img, [255, 255, 0]) + near(&img, [0, 255, 255]) > 200,
            "{name}"
        );
        if name == "desktop" {
            // The review sprite is loaded and drawn beside the reel: its accent outlines.
            assert!(
                near(&img, [255, 210, 63]) > 50,
                "no window outline on screen"
            );
        }
    }
}

/// `rel` as the path of a `file:` URL: every byte but unreserved ones percent-encoded.
fn url_path(rel: &Path) -> String {
    let mut out = String::new();
    for b in rel.to_string_lossy().as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[test]
fn the_report_describes_the_whole_output_folder() {
    // Issue 24: report.html listed only the last run, so a second shard's (or a rerun of one
    // clip's) report dropped every other reel of the folder.
    let dir = workdir();
    let d = dir.path();
    let out = d.join("out");
    let run = |names: &[&str], secs: f64| {
        let clips = fake_clips(d, names, secs, &failreel::ReelRequest::default(), |stem| {
            out.join(format!("{stem}.tiktok.mp4"))
        });
        let inputs = clips.iter().map(|c| c.input.clone()).collect();
        let report = failreel::__dev::HtmlReport::new(out.clone(), false, inputs)
            .reading_reels_with(failreel::__dev::FakeRenderer::existing_at);
        let s = failreel::run_batch(
            clips,
            &failreel::BatchOptions::default(),
            &failreel::Stop::default(),
            &failreel::__dev::FakeRenderer::default(),
            &failreel::Tee(vec![&report]),
        );
        assert!(report.take_error().is_none());
        assert_eq!(s.failed, 0);
        std::fs::read_to_string(out.join("report.html")).unwrap()
    };
    let listed = |html: &str, stem: &str| html.contains(&format!("<h3>{stem}.tiktok.mp4<span"));
    let lasting = |html: &str, secs: &str| {
        html.matches(&format!("<dt>duration</dt><dd>{secs}</dd>"))
            .count()
    };
    run(&["monday.mov", "tuesday.mov"], 4.0);
    // Another shard into the same folder.
    let html = run(&["wednesday.mov"], 6.0);
    for stem in ["monday", "tuesday", "wednesday"] {
        assert!(listed(&html, stem), "{stem} missing");
    }
    assert_eq!(lasting(&html, "0:04.0 (4.0 s)"), 2, "{html}");
    assert_eq!(lasting(&html, "0:06.0 (6.0 s)"), 1);
    // A rerun of one clip keeps the others, with their lengths.
    let html = run(&["monday.mov"], 4.0);
    for stem in ["monday", "tuesday", "wednesday"] {
        assert!(
            listed(&html, stem),
            "{stem} missing after a rerun of monday"
        );
    }
    assert_eq!(lasting(&html, "0:04.0 (4.0 s)"), 2);
    assert_eq!(lasting(&html, "0:06.0 (6.0 s)"), 1);
    // A reel removed from the folder is no longer described.
    std::fs::remove_file(out.join("tuesday.tiktok.mp4")).unwrap();
    let html = run(&["wednesday.mov"], 6.0);
    assert!(!listed(&html, "tuesday") && listed(&html, "monday"));
}

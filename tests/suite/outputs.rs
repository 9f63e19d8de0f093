//! The output rule, end to end: every command that writes (render, preview) never replaces
//! its input or a file failreel did not write (unless --force), never writes into a FIFO or a
//! device, lets one run at a time write a file, and resume trusts only complete reels.

use crate::common::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn preview_never_overwrites_its_input_or_a_file_failreel_did_not_write() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 1.0, 30);
    let before = std::fs::read(&clip).unwrap();

    // Its own input, with and without --force.
    for force in [false, true] {
        let mut args = vec!["preview", s(&clip), "--at", "0.2", "-o", s(&clip)];
        if force {
            args.push("--force");
        }
        let o = failreel(&args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("overwrite the input"), "{}", stderr(&o));
        assert_eq!(std::fs::read(&clip).unwrap(), before, "the input is intact");
    }

    // An unrelated file, and a frame.png failreel did not write.
    let notes = d.join("notes.txt");
    std::fs::write(&notes, "shopping list").unwrap();
    let frame = d.join("frame.png");
    std::fs::write(&frame, "somebody's picture").unwrap();
    for target in [&notes, &frame] {
        let o = failreel(&["preview", s(&clip), "--at", "0.2", "-o", s(target)]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("not written by failreel"),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "shopping list");
    assert_eq!(
        std::fs::read_to_string(&frame).unwrap(),
        "somebody's picture"
    );

    // --force replaces a file failreel did not write; failreel's own PNG is replaced freely.
    failreel_ok(&[
        "preview",
        s(&clip),
        "--at",
        "0.2",
        "-o",
        s(&frame),
        "--force",
    ]);
    assert!(image::open(&frame).is_ok(), "a real PNG now");
    failreel_ok(&["preview", s(&clip), "--at", "0.5", "-o", s(&frame)]);
    let names = list(d);
    assert!(
        names.iter().all(|n| !n.contains(".failreel")),
        "no temporary or lock left: {names:?}"
    );
}

fn mkfifo(p: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn outputs_that_are_fifos_devices_or_links_are_refused_at_once_even_with_force() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 0.5, 30);
    let fifo = d.join("reel.mp4");
    mkfifo(&fifo);
    let pfifo = d.join("frame.png");
    mkfifo(&pfifo);
    let target = d.join("keep.txt");
    std::fs::write(&target, "keep").unwrap();
    let link = d.join("link.mp4");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for force in [false, true] {
        for out in [&fifo, &link] {
            let mut args = vec!["render", s(&clip), "-o", s(out)];
            if force {
                args.push("--force");
            }
            let o = failreel_within(&args, Duration::from_secs(20));
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
        }
        let mut args = vec!["preview", s(&clip), "--at", "0", "-o", s(&pfifo)];
        if force {
            args.push("--force");
        }
        let o = failreel_within(&args, Duration::from_secs(20));
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
    let o = failreel_within(
        &["render", s(&clip), "-o", "/dev/null", "--force"],
        Duration::from_secs(20),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_second_run_writing_the_same_reel_is_told_and_the_first_completes() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 20.0, 30);
    let out = d.join("reel.mp4");
    // At a quarter of TikTok's size: 20 s still take the first run long enough to be caught
    // writing.
    let preset = quarter_preset(d);
    let first = std::process::Command::new(env!("CARGO_BIN_EXE_failreel"))
        .args([
            "render",
            s(&clip),
            "-p",
            s(&preset),
            "-o",
            s(&out),
            "--quiet",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first run's temporary: it is writing.
    let started = Instant::now();
    while !list(d).iter().any(|n| n.contains(".failreel-")) {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = failreel(&[
        "render",
        s(&clip),
        "-p",
        s(&preset),
        "-o",
        s(&out),
        "--force",
    ]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another failreel is writing"),
        "{}",
        stderr(&second)
    );
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let p = ffprobe(&out, &[]);
    assert!((num(&p["format"]["duration"]) - 20.0).abs() < 0.1);
    assert!(list(d).iter().all(|n| !n.contains(".failreel")));
}

#[test]
fn a_reel_cut_short_after_rendering_is_not_up_to_date() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 3.0, 30);
    let out = d.join("reel.mp4");
    // At a quarter of TikTok's size, encoded fast: resume's checks are the point.
    let preset = quarter_preset(d);
    let render = [
        "render",
        s(&clip),
        "-p",
        s(&preset),
        "--encoder-preset",
        "ultrafast",
        "-o",
        s(&out),
    ];
    let with = |flag: &'static str| {
        let mut a = render.to_vec();
        a.push(flag);
        a
    };
    failreel_ok(&with("--quiet"));
    let again = failreel(&with("--json"));
    assert!(String::from_utf8_lossy(&again.stdout).contains("\"skipped\""));
    // Cut the reel short, as a copy that broke off would.
    let bytes = std::fs::read(&out).unwrap();
    std::fs::write(&out, &bytes[..bytes.len() - 5000]).unwrap();
    let o = failreel(&with("--json"));
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("\"status\":\"ok\""), "{stdout}");
    assert!(
        stderr(&o).contains("incomplete or damaged"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&out).unwrap().len(), bytes.len());
    // And grown: bytes appended.
    let mut grown = std::fs::read(&out).unwrap();
    grown.extend_from_slice(&[0u8; 4096]);
    std::fs::write(&out, &grown).unwrap();
    let o = failreel(&with("--json"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"status\":\"ok\""));
}

//! The output rule, end to end: every command that writes (render, preview) never replaces
//! its input or a file failreel did not write (unless --force), never writes into a FIFO or a
//! device, lets one run at a time write a file, and resume trusts only complete reels.

use crate::common::*;
use std::path::Path;
use std::time::Duration;

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
        assert_exit_says(&o, 1, "overwrite the input");
        assert_eq!(std::fs::read(&clip).unwrap(), before, "the input is intact");
    }

    // An unrelated file, and a frame.png failreel did not write.
    let notes = d.join("notes.txt");
    std::fs::write(&notes, "shopping list").unwrap();
    let frame = d.join("frame.png");
    std::fs::write(&frame, "somebody's picture").unwrap();
    for target in [&notes, &frame] {
        let o = failreel(&["preview", s(&clip), "--at", "0.2", "-o", s(target)]);
        assert_exit_says(&o, 1, "not written by failreel");
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
            assert_exit_says(&o, 1, "not a regular file");
        }
        let mut args = vec!["preview", s(&clip), "--at", "0", "-o", s(&pfifo)];
        if force {
            args.push("--force");
        }
        let o = failreel_within(&args, Duration::from_secs(20));
        assert_exit_says(&o, 1, "not a regular file");
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
    let first = spawn_failreel(&[
        "render",
        s(&clip),
        "-p",
        s(&preset),
        "-o",
        s(&out),
        "--quiet",
    ]);
    // Wait for the first run's temporary: it is writing.
    wait_for_file(d, |n| n.contains(".failreel-"), 60, "never started");
    let second = failreel(&[
        "render",
        s(&clip),
        "-p",
        s(&preset),
        "-o",
        s(&out),
        "--force",
    ]);
    assert_exit_says(&second, 1, "another failreel is writing");
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

/// The side files a run reads, each of its own kind: a captions file, a manifest listing
/// `clip`, a preset file; returned in that order.
fn side_files(d: &Path, clip: &Path) -> [std::path::PathBuf; 3] {
    let subs = d.join("subs.srt");
    std::fs::write(&subs, "1\n00:00:00,100 --> 00:00:00,800\nOil was too hot\n").unwrap();
    let manifest = d.join("week.toml");
    std::fs::write(
        &manifest,
        format!("[[clip]]\ninput = {:?}\n", clip.display().to_string()),
    )
    .unwrap();
    let preset = d.join("mine.toml");
    std::fs::write(&preset, "name = \"mine\"\n").unwrap();
    [subs, manifest, preset]
}

#[test]
fn every_file_a_run_reads_is_an_input_never_written_over_even_with_force() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 1.0, 30);
    let [subs, manifest, preset] = side_files(d, &clip);
    let kept: Vec<(std::path::PathBuf, Vec<u8>)> = [&subs, &manifest, &preset]
        .iter()
        .map(|p| (p.to_path_buf(), std::fs::read(p).unwrap()))
        .collect();
    let intact = || {
        for (p, bytes) in &kept {
            assert_eq!(
                &std::fs::read(p).unwrap(),
                bytes,
                "{} was written over",
                p.display()
            );
        }
    };
    // Every writer, every side file, with --force: refused (a usage error when the names
    // say so, the writer's own rule otherwise), never written.
    let manifest_writing_itself = d.join("self.toml");
    std::fs::write(
        &manifest_writing_itself,
        format!(
            "[[clip]]\ninput = {:?}\noutput = \"self.toml\"\n",
            clip.display().to_string()
        ),
    )
    .unwrap();
    let self_bytes = std::fs::read(&manifest_writing_itself).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["render", s(&clip), "--captions", s(&subs), "-o", s(&subs)],
            "captions file",
        ),
        (
            vec!["render", s(&clip), "-p", s(&preset), "-o", s(&preset)],
            "preset file",
        ),
        (
            vec!["render", "--manifest", s(&manifest_writing_itself)],
            "manifest",
        ),
        (
            vec![
                "compile",
                s(&clip),
                s(&clip),
                "--captions",
                s(&subs),
                "-o",
                s(&subs),
            ],
            "",
        ),
        (
            vec!["compile", "--manifest", s(&manifest), "-o", s(&manifest)],
            "",
        ),
        (
            vec![
                "compile",
                s(&clip),
                s(&clip),
                "-p",
                s(&preset),
                "-o",
                s(&preset),
            ],
            "",
        ),
    ];
    for (mut args, what) in cases {
        args.extend(["--force", "--encoder-preset", "ultrafast"]);
        let o = failreel_within(&args, Duration::from_secs(60));
        assert_ne!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("would overwrite the"), "{args:?}: {err}");
        assert!(err.contains(what), "{args:?}: {err}");
        intact();
    }
    assert_eq!(std::fs::read(&manifest_writing_itself).unwrap(), self_bytes);

    // A preview's picture named like the preset file it reads (a preset file may have any
    // name), and a hard link to the captions file (another name, the same file).
    let odd_preset = d.join("look.png");
    std::fs::write(&odd_preset, "name = \"look\"\n").unwrap();
    let o = failreel(&[
        "preview",
        s(&clip),
        "--at",
        "0.2",
        "-p",
        s(&odd_preset),
        "-o",
        s(&odd_preset),
        "--force",
    ]);
    assert_exit_says(&o, 1, "would overwrite the input");
    assert_eq!(
        std::fs::read_to_string(&odd_preset).unwrap(),
        "name = \"look\"\n"
    );
    // (Named like a reel: a .srt name is refused before the hard link is looked at.)
    let hard = d.join("hard.mp4");
    std::fs::hard_link(&subs, &hard).unwrap();
    let o = failreel(&[
        "render",
        s(&clip),
        "--captions",
        s(&subs),
        "-o",
        s(&hard),
        "--force",
        "--encoder-preset",
        "ultrafast",
    ]);
    assert_exit_says(&o, 1, "would overwrite the input");
    intact();

    // The report: a preset file that happens to be named report.html in the output folder.
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let report_preset = out.join("report.html");
    std::fs::write(&report_preset, "name = \"rep\"\n").unwrap();
    let o = failreel(&[
        "render",
        s(&clip),
        "-p",
        s(&report_preset),
        "--out-dir",
        s(&out),
        "--report",
        "--force",
        "--encoder-preset",
        "ultrafast",
    ]);
    assert_exit_says(&o, 1, "would overwrite the input");
    assert_eq!(
        std::fs::read_to_string(&report_preset).unwrap(),
        "name = \"rep\"\n"
    );
}

#[test]
fn side_files_are_read_like_videos_special_files_refused_at_once_and_size_capped() {
    let dir = workdir();
    let d = dir.path();
    let clip = grey_clip(d, "clip.mp4", 0.5, 30);
    // For each kind of side file: a FIFO, a link to a FIFO, a link to a device, and a file
    // larger than such a file may be, each named as that kind is.
    let kinds: [(&str, &str, u64); 3] = [
        ("srt", "--captions", 16 << 20),
        ("toml", "--manifest", 32 << 20),
        ("toml", "-p", 1 << 20),
    ];
    for (k, (ext, flag, cap)) in kinds.iter().enumerate() {
        let fifo = d.join(format!("fifo{k}.{ext}"));
        mkfifo(&fifo);
        let to_fifo = d.join(format!("to-fifo{k}.{ext}"));
        std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
        let to_dev = d.join(format!("to-dev{k}.{ext}"));
        std::os::unix::fs::symlink("/dev/zero", &to_dev).unwrap();
        let big = d.join(format!("big{k}.{ext}"));
        std::fs::File::create(&big)
            .unwrap()
            .set_len(cap + 1)
            .unwrap();
        for (side, says) in [
            (&fifo, "not a regular file"),
            (&to_fifo, "not a regular file"),
            (&to_dev, "not a regular file"),
            (&big, "more than the"),
        ] {
            let mut args = vec!["render"];
            if *flag != "--manifest" {
                args.push(s(&clip));
            }
            args.extend([flag, s(side), "--dry-run"]);
            // Refused at once: nothing waits on the FIFO or reads the device.
            let o = failreel_within(&args, Duration::from_secs(20));
            assert_ne!(o.status.code(), Some(0), "{args:?}");
            let err = stderr(&o);
            assert!(err.contains(says), "{args:?}: {err}");
            assert!(err.contains(&side.display().to_string()), "{args:?}: {err}");
            assert!(
                err.contains("regular file") || err.contains("right file"),
                "{err}"
            );
        }
    }
}

#[test]
fn a_hidden_working_folder_failreel_did_not_create_is_never_deleted() {
    let dir = workdir();
    let d = dir.path();
    let a = grey_clip(d, "a.mp4", 1.0, 30);
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Hidden folders and files at the names failreel's working files have (or had: the
    // compilation's parts folder of earlier versions), none of them failreel's.
    let parts = out.join(".friday.mp4.failreel-parts");
    std::fs::create_dir_all(&parts).unwrap();
    std::fs::write(parts.join("mine.txt"), "mine").unwrap();
    let lock_dir = out.join(".friday.mp4.failreel.lock.d");
    std::fs::create_dir_all(&lock_dir).unwrap();
    let reel = out.join("a.mp4");
    let lock = out.join(".a.mp4.failreel.lock");
    std::fs::write(&lock, "my notes about a.mp4").unwrap();
    // A lock file failreel did not write stops the write, and is kept.
    let o = failreel(&[
        "render",
        s(&a),
        "-o",
        s(&reel),
        "--encoder-preset",
        "ultrafast",
    ]);
    assert_exit_says(&o, 1, "in the way");
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap(),
        "my notes about a.mp4"
    );
    assert!(!reel.exists());
    std::fs::remove_file(&lock).unwrap();
    render_reel(&a, &reel, &[]);
    failreel_ok(&[
        "compile",
        s(&a),
        s(&a),
        "-o",
        s(&out.join("friday.mp4")),
        "--encoder-preset",
        "ultrafast",
    ]);
    assert_eq!(
        std::fs::read_to_string(parts.join("mine.txt")).unwrap(),
        "mine"
    );
    assert!(lock_dir.is_dir());
    // failreel's own working files are all gone.
    let names = list(&out);
    assert_eq!(
        names,
        vec![
            ".friday.mp4.failreel-parts",
            ".friday.mp4.failreel.lock.d",
            "a.mp4",
            "friday.mp4"
        ],
        "{names:?}"
    );
}

#[test]
fn a_folder_that_refuses_writes_is_said_by_name_before_any_pass_not_by_the_hidden_lock() {
    // Rendering into a folder one may not write (a read-only share, another user's folder)
    // failed with "reels/.x.tiktok.mp4.failreel.lock: cannot write: Permission denied (os
    // error 13)": a hidden file the user never asked for. It names the reel and the folder
    // and says what to do. The test runs as root, which passes permission checks, so it
    // writes into /sys, where no one may create a file (permission denied, or a read-only
    // disk in a container). Cost: a render with no measuring pass and a preview, each
    // stopping at its output, ~0.1 s.
    let sys = Path::new("/sys");
    if !sys.is_dir() {
        return; // not Linux
    }
    let clip = small_pattern(2);
    let reel = sys.join("x.mp4");
    let o = failreel(&[
        "render",
        s(&clip),
        "-o",
        s(&reel),
        "--focus",
        "0.5",
        "--no-normalize",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("/sys/x.mp4: cannot write into /sys: "),
        "{err}"
    );
    assert!(
        err.contains("make the folder writable, or write elsewhere"),
        "{err}"
    );
    assert!(!err.contains(".failreel.lock"), "{err}");
    // A batch into such a folder fails each clip before its measuring passes (the reframing
    // a landscape clip gets by default, the loudness pass): no pass starts. ~0.05 s.
    let other = workdir();
    let second = other.path().join("b.mp4");
    std::fs::copy(&clip, &second).unwrap();
    let o = failreel(&[
        "render",
        s(&clip),
        s(&second),
        "--out-dir",
        "/sys",
        "--json",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.iter().any(|v| v["event"] == "pass"), "{out}");
    let errors = lines.iter().filter(|v| {
        v["status"] == "failed"
            && v["error"]
                .as_str()
                .is_some_and(|m| m.contains("cannot write into /sys: "))
    });
    assert_eq!(errors.count(), 2, "{out}");
    let o = failreel(&["preview", s(&clip), "--at", "0.5", "-o", "/sys/f.png"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("/sys/f.png: cannot write into /sys: "),
        "{err}"
    );
    assert!(!err.contains(".failreel.lock"), "{err}");
}

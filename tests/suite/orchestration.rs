//! Batch orchestration on the fake renderer (no decoding, no encoding): resume, collisions
//! with files failreel did not write, failures, interruption, a closed output, probe caching,
//! warning collapsing, --strict, the memory warning and the summary's counts. Each test takes
//! milliseconds.

use crate::common::*;
use failreel::__dev::{FakeRenderer, Recorder};
use failreel::Stop;
use failreel::{run_batch, BatchOptions, Clip, Event, Sink, Status, Summary, WouldDo};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Fake inputs `names` of `secs` seconds in `d`, and one clip each to `d/reels/<stem>.mp4`.
fn clips(d: &Path, names: &[&str], secs: f64) -> Vec<Clip> {
    fake_clips(d, names, secs, &Default::default(), |stem| {
        d.join("reels").join(format!("{stem}.mp4"))
    })
}

fn run(clips: &[Clip], opts: &BatchOptions, fake: &FakeRenderer) -> (Summary, Vec<Event>) {
    let rec = Recorder::default();
    let s = run_batch(clips.to_vec(), opts, &Stop::default(), fake, &rec);
    (s, rec.events())
}

fn statuses(s: &Summary) -> Vec<Status> {
    s.outcomes.iter().map(|o| o.status).collect()
}

fn names(paths: &[PathBuf]) -> Vec<String> {
    let mut v: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn resume_skips_up_to_date_reels_and_renders_only_what_changed() {
    let d = workdir();
    let mut clips = clips(d.path(), &["a.mp4", "b.mov", "c.mp4"], 4.0);
    let opts = BatchOptions {
        jobs: Some(2),
        ..BatchOptions::default()
    };
    let fake = FakeRenderer::default();
    let (s, events) = run(&clips, &opts, &fake);
    assert_eq!(statuses(&s), vec![Status::Ok; 3]);
    assert_eq!((s.rendered, s.skipped, s.failed), (3, 0, 0));
    let finished: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Finished(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(finished.len(), 3);
    for o in finished {
        assert_eq!(o.frames, Some(120), "the full outcome: frames");
        assert_eq!(o.duration.map(|d| d.0), Some(4_000_000));
        assert!(o.output.exists());
    }
    assert!(matches!(events.last(), Some(Event::Summary(_))));

    // Nothing changed: nothing rendered.
    let fake = FakeRenderer::default();
    let (s, _) = run(&clips, &opts, &fake);
    assert_eq!(statuses(&s), vec![Status::Skipped; 3]);
    assert!(fake.rendered().is_empty());
    assert_eq!(s.outcomes[0].reason.as_deref(), Some("up to date"));

    // The dry run says so.
    let dry = BatchOptions {
        dry_run: true,
        ..opts.clone()
    };
    let (_, events) = run(&clips, &dry, &fake);
    let would: Vec<WouldDo> = events
        .iter()
        .filter_map(|e| match e {
            Event::Plan { would, .. } => Some(*would),
            _ => None,
        })
        .collect();
    assert_eq!(would, vec![WouldDo::SkipUpToDate; 3]);

    // One clip's request changes, one input changes: only those two render again.
    clips[1].request.went_wrong = Some("Low heat, lid on".into());
    FakeRenderer::write_clip(&clips[2].input, 5.0).unwrap();
    let fake = FakeRenderer::default();
    let (s, _) = run(&clips, &opts, &fake);
    assert_eq!(statuses(&s), vec![Status::Skipped, Status::Ok, Status::Ok]);
    assert_eq!(names(&fake.rendered()), vec!["b.mov", "c.mp4"]);

    // --force renders everything.
    let fake = FakeRenderer::default();
    let force = BatchOptions {
        force: true,
        ..opts
    };
    let (s, _) = run(&clips, &force, &fake);
    assert_eq!(s.rendered, 3);
}

#[test]
fn files_failreel_did_not_write_are_refused_unless_forced() {
    let d = workdir();
    let clips = clips(d.path(), &["a.mp4", "b.mp4"], 4.0);
    std::fs::create_dir_all(d.path().join("reels")).unwrap();
    std::fs::write(&clips[1].output, b"my own edit").unwrap();
    let fake = FakeRenderer::default();
    let (s, _) = run(&clips, &BatchOptions::default(), &fake);
    assert_eq!(statuses(&s), vec![Status::Ok, Status::Failed]);
    let err = s.outcomes[1].error_text().unwrap();
    assert!(
        err.contains("not written by failreel") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&clips[1].output).unwrap(), b"my own edit");
    let force = BatchOptions {
        force: true,
        ..BatchOptions::default()
    };
    let (s, _) = run(&clips, &force, &FakeRenderer::default());
    assert_eq!(s.rendered, 2);
    assert_ne!(std::fs::read(&clips[1].output).unwrap(), b"my own edit");
}

#[test]
fn failures_are_isolated_and_counted_with_their_cause() {
    let d = workdir();
    let mut clips = clips(d.path(), &["a.mp4", "b.mp4", "c.mp4", "d.mp4"], 4.0);
    std::fs::remove_file(&clips[1].input).unwrap();
    std::fs::write(&clips[2].input, b"not a video at all").unwrap();
    let mut fake = FakeRenderer::default();
    fake.fail.insert(clips[3].input.clone());
    clips[0].index = 0;
    let (s, events) = run(
        &clips,
        &BatchOptions {
            jobs: Some(3),
            ..BatchOptions::default()
        },
        &fake,
    );
    assert_eq!(
        statuses(&s),
        vec![Status::Ok, Status::Failed, Status::Failed, Status::Failed]
    );
    assert_eq!((s.rendered, s.failed, s.not_started), (1, 3, 0));
    let errors: Vec<String> = s.outcomes[1..]
        .iter()
        .map(|o| o.error_text().unwrap())
        .collect();
    assert!(
        errors[0].contains("b.mp4") && errors[0].contains("no such file"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("c.mp4") && errors[1].contains("not a video"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("d.mp4") && errors[2].contains("told to fail"),
        "{errors:?}"
    );
    // The two bad inputs are reported before any rendering starts.
    let first_start = events
        .iter()
        .position(|e| matches!(e, Event::Started { .. }))
        .unwrap();
    let early_failures = events[..first_start]
        .iter()
        .filter(|e| matches!(e, Event::Finished(o) if o.status == Status::Failed))
        .count();
    assert_eq!(early_failures, 2);
    assert!(!clips[3].output.exists() && clips[0].output.exists());
}

#[test]
fn an_interrupted_batch_counts_the_clips_never_started() {
    let d = workdir();
    let clips = clips(
        d.path(),
        &["a.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4"],
        4.0,
    );
    let stop = Arc::new(Stop::default());
    let mut fake = FakeRenderer::default();
    let s2 = stop.clone();
    // Ctrl-C while the first reel renders: it finishes, no other starts.
    fake.before_render = Some(Box::new(move |_| s2.no_new.store(true, Ordering::SeqCst)));
    let rec = Recorder::default();
    let opts = BatchOptions {
        jobs: Some(1),
        ..BatchOptions::default()
    };
    let s = run_batch(clips.clone(), &opts, &stop, &fake, &rec);
    assert!(s.interrupted);
    assert_eq!((s.rendered, s.not_started), (1, 4));
    assert_eq!(s.outcomes.len(), 5, "the summary keeps every clip");
    assert_eq!(fake.rendered().len(), 1);
    let Some(Event::Summary(last)) = rec.events().pop() else {
        panic!("no summary event")
    };
    assert_eq!(last.not_started, 4);
}

#[test]
fn a_cancelled_render_is_not_a_failure_and_leaves_no_reel() {
    let d = workdir();
    let clips = clips(d.path(), &["a.mp4"], 4.0);
    let stop = Arc::new(Stop::default());
    let mut fake = FakeRenderer::default();
    let s2 = stop.clone();
    fake.before_render = Some(Box::new(move |_| s2.cancel.store(true, Ordering::SeqCst)));
    let s = run_batch(
        clips.clone(),
        &BatchOptions::default(),
        &stop,
        &fake,
        &Recorder::default(),
    );
    // One outcome: the run was interrupted and the reel cancelled (counted as not started,
    // nothing of it left), not "failed" beside "interrupted".
    assert!(s.interrupted);
    assert_eq!((s.failed, s.not_started), (0, 1));
    assert_eq!(s.outcomes[0].status, Status::NotStarted);
    assert_eq!(s.outcomes[0].reason.as_deref(), Some("cancelled"));
    assert!(s.outcomes[0].error_text().is_none());
    assert!(!clips[0].output.exists());
}

/// A sink whose reader goes away after the first finished clip (like `| head -1`).
#[derive(Default)]
struct ClosesAfterOne {
    closed: AtomicBool,
}
impl Sink for ClosesAfterOne {
    fn event(&self, e: &Event) {
        if matches!(e, Event::Finished(_) | Event::Plan { .. }) {
            self.closed.store(true, Ordering::SeqCst);
        }
    }
    fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

#[test]
fn a_closed_output_starts_no_further_clip() {
    let d = workdir();
    let clips = clips(d.path(), &["a.mp4", "b.mp4", "c.mp4"], 4.0);
    let fake = FakeRenderer::default();
    let opts = BatchOptions {
        jobs: Some(1),
        ..BatchOptions::default()
    };
    let s = run_batch(
        clips.clone(),
        &opts,
        &Stop::default(),
        &fake,
        &ClosesAfterOne::default(),
    );
    assert_eq!((s.rendered, s.not_started), (1, 2));
    let dry = BatchOptions {
        dry_run: true,
        ..opts
    };
    let fake = FakeRenderer::default();
    let s = run_batch(
        clips,
        &dry,
        &Stop::default(),
        &fake,
        &ClosesAfterOne::default(),
    );
    assert_eq!(
        fake.probes(),
        1,
        "planning stops when nobody reads the plans"
    );
    assert_eq!(s.not_started, 2);
}

#[test]
fn ten_thousand_clip_dry_run_probes_each_input_once_and_collapses_warnings() {
    let d = workdir();
    let inputs: Vec<String> = (0..10).map(|i| format!("in{i}.mp4")).collect();
    // 2 s clips: shorter than TikTok's 3 s minimum, so every plan warns.
    let few = clips(
        d.path(),
        &inputs.iter().map(String::as_str).collect::<Vec<_>>(),
        2.0,
    );
    let many: Vec<Clip> = (0..10_000)
        .map(|i| {
            let mut c = few[i % 10].clone();
            c.index = i;
            c.output = d.path().join(format!("reels/o{i}.mp4"));
            c
        })
        .collect();
    let fake = FakeRenderer::default();
    let opts = BatchOptions {
        dry_run: true,
        ..BatchOptions::default()
    };
    let (s, events) = run(&many, &opts, &fake);
    assert_eq!(fake.probes(), 10, "each distinct input probed once");
    assert_eq!(s.outcomes.len(), 10_000);
    let warnings: Vec<(usize, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Warning { count, message, .. } => Some((*count, message.clone())),
            _ => None,
        })
        .collect();
    // One event per distinct message, each counting every clip that raised it.
    assert!((1..=3).contains(&warnings.len()), "{warnings:?}");
    assert!(warnings.iter().all(|w| w.0 == 10_000), "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.1.contains("shorter than")),
        "{warnings:?}"
    );
}

#[test]
fn strict_makes_any_warning_a_failure() {
    let d = workdir();
    // Planning warns (2 s is under TikTok's 3 s minimum): the clip fails before rendering.
    let short = clips(d.path(), &["short.mp4"], 2.0);
    let strict = BatchOptions {
        strict: true,
        ..BatchOptions::default()
    };
    let fake = FakeRenderer::default();
    let (s, _) = run(&short, &strict, &fake);
    assert_eq!(statuses(&s), vec![Status::Failed]);
    assert!(fake.rendered().is_empty());
    let err = s.outcomes[0].error_text().unwrap();
    assert!(
        err.contains("--strict") && err.contains("shorter than"),
        "{err}"
    );
    let (s, _) = run(&short, &BatchOptions::default(), &FakeRenderer::default());
    assert_eq!(
        statuses(&s),
        vec![Status::Ok],
        "a warning alone is not a failure"
    );

    // Rendering warns (the input ended early): the clip fails and its reel is not kept to
    // be taken as up to date later.
    let long = clips(d.path(), &["long.mp4"], 4.0);
    let fake = FakeRenderer {
        render_warning: Some("the clip ended 1.2 s early".into()),
        ..FakeRenderer::default()
    };
    let (s, _) = run(&long, &strict, &fake);
    assert_eq!(statuses(&s), vec![Status::Failed]);
    assert_eq!(s.outcomes[0].warnings, vec!["the clip ended 1.2 s early"]);
    assert!(!long[0].output.exists());
}

#[test]
fn jobs_far_above_what_memory_allows_warn_with_the_estimate() {
    let d = workdir();
    let names: Vec<String> = (0..64).map(|i| format!("c{i}.mp4")).collect();
    let clips = clips(
        d.path(),
        &names.iter().map(String::as_str).collect::<Vec<_>>(),
        4.0,
    );
    let opts = BatchOptions {
        jobs: Some(64),
        dry_run: true,
        memory_mib: Some(2048),
        ..BatchOptions::default()
    };
    let (_, events) = run(&clips, &opts, &FakeRenderer::default());
    let msg = events
        .iter()
        .find_map(|e| match e {
            Event::Warning { message, .. } if message.contains("--jobs") => Some(message.clone()),
            _ => None,
        })
        .expect("a memory warning");
    assert!(
        msg.contains("--jobs 64") && msg.contains("MiB") && msg.contains("2.0 GiB"),
        "{msg}"
    );
    assert!(msg.contains("fits"), "{msg}");
    let fits: usize = msg
        .rsplit("--jobs ")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((1..64).contains(&fits), "{msg}");

    let enough = BatchOptions {
        memory_mib: Some(64 * 1024 * 1024),
        ..opts
    };
    let (_, events) = run(&clips, &enough, &FakeRenderer::default());
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::Warning { message, .. } if message.contains("--jobs"))));
}

#[test]
fn leftover_temporaries_of_these_reels_are_removed_and_no_others() {
    let d = workdir();
    let clips = clips(d.path(), &["a.mp4"], 4.0);
    let reels = d.path().join("reels");
    std::fs::create_dir_all(&reels).unwrap();
    let mine = reels.join(".a.mp4.failreel-99999.tmp");
    let other = reels.join(".other.mp4.failreel-99999.tmp");
    std::fs::write(&mine, b"half a reel").unwrap();
    std::fs::write(&other, b"another shard's").unwrap();
    let (s, events) = run(&clips, &BatchOptions::default(), &FakeRenderer::default());
    assert_eq!(s.rendered, 1);
    assert!(
        !mine.exists(),
        "the leftover of a reel being rendered is removed"
    );
    assert!(other.exists(), "another reel's temporary is left alone");
    // Said as a notice about the run, not a warning about the reel (so --strict keeps it).
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Notice { message } if message.contains("removed 1"))));
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::Warning { message, .. } if message.contains("removed"))));
}

#[test]
fn resume_renders_again_a_reel_that_is_no_longer_complete() {
    let d = workdir();
    let clips = clips(d.path(), &["a.mp4", "b.mp4"], 4.0);
    let (s, _) = run(&clips, &BatchOptions::default(), &FakeRenderer::default());
    assert_eq!(s.rendered, 2);
    // b's reel grows after it was written (or is cut short): no longer trusted.
    let mut bytes = std::fs::read(&clips[1].output).unwrap();
    bytes.extend_from_slice(b"appended later");
    std::fs::write(&clips[1].output, bytes).unwrap();
    let fake = FakeRenderer::default();
    let (s, events) = run(&clips, &BatchOptions::default(), &fake);
    assert_eq!(statuses(&s), vec![Status::Skipped, Status::Ok]);
    assert_eq!(names(&fake.rendered()), vec!["b.mp4"]);
    assert!(events.iter().any(
        |e| matches!(e, Event::Warning { message, .. } if message.contains("incomplete or damaged"))
    ));
}

#[test]
fn an_output_that_is_a_fifo_fails_at_once_even_with_force() {
    let d = workdir();
    let clips = clips(d.path(), &["a.mp4", "b.mp4"], 4.0);
    std::fs::create_dir_all(d.path().join("reels")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&clips[0].output)
        .status()
        .unwrap();
    assert!(made.success());
    let force = BatchOptions {
        force: true,
        ..BatchOptions::default()
    };
    let t = std::time::Instant::now();
    let fake = FakeRenderer::default();
    let (s, _) = run(&clips, &force, &fake);
    assert!(t.elapsed().as_secs() < 5, "nothing blocks on the FIFO");
    assert_eq!(statuses(&s), vec![Status::Failed, Status::Ok]);
    let err = s.outcomes[0].error_text().unwrap();
    assert!(
        err.contains("FIFO") && err.contains("not a regular file"),
        "{err}"
    );
    assert_eq!(names(&fake.rendered()), vec!["b.mp4"]);
}

#[test]
fn strict_is_per_clip_from_the_request() {
    let d = workdir();
    // Both 2 s: under TikTok's 3 s minimum, so both plans warn; only `a` asks to be strict
    // (`strict = true` on its manifest entry, or --strict).
    let mut clips = clips(d.path(), &["a.mp4", "b.mp4"], 2.0);
    clips[0].request.strict = Some(true);
    let (s, _) = run(&clips, &BatchOptions::default(), &FakeRenderer::default());
    assert_eq!(statuses(&s), vec![Status::Failed, Status::Ok]);
}

//! Batches: plan every clip up front (bad inputs reported before any rendering), skip reels
//! that are up to date, then render the rest in parallel on a rayon pool sized from cores and
//! free memory, with progress for people (indicatif) and for machines (JSON Lines).

use crate::plan::{plan_reel, ReelRequest, RenderPlan};
use crate::preset::Preset;
use crate::probe::{probe, MediaInfo};
use crate::render::{existing_reel, render, ExistingReel, Progress, RenderOptions};
use crate::signals::Stop;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One clip to render, with everything resolved.
#[derive(Debug, Clone)]
pub struct Clip {
    /// Position in the batch (manifest order), used by `--shard`.
    pub index: usize,
    /// Input file.
    pub input: PathBuf,
    /// Final output file.
    pub output: PathBuf,
    /// The preset.
    pub preset: Arc<Preset>,
    /// What to render.
    pub request: ReelRequest,
}

/// How the batch runs and reports.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Parallel reels (None: chosen from cores and free memory).
    pub jobs: Option<usize>,
    /// Re-render reels that are up to date, and overwrite files failreel did not write.
    pub force: bool,
    /// JSON Lines on stdout.
    pub json: bool,
    /// No progress and no per-clip messages.
    pub quiet: bool,
    /// Print plans, render nothing.
    pub dry_run: bool,
    /// Show progress bars (stderr is a terminal).
    pub interactive: bool,
}

/// What happened to one clip.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Rendered.
    Ok,
    /// Up to date: not rendered again.
    Skipped,
    /// Failed (the error says why).
    Failed,
}

/// The batch's totals.
#[derive(Debug, Default)]
pub struct Summary {
    /// Reels rendered.
    pub rendered: usize,
    /// Reels skipped as up to date.
    pub skipped: usize,
    /// (input, error) of each failed clip.
    pub failed: Vec<(PathBuf, String)>,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Whether the user interrupted the batch.
    pub interrupted: bool,
}

/// Writes events: JSON Lines on stdout, human lines on stderr, progress bars.
struct Reporter {
    json: bool,
    quiet: bool,
    multi: Option<MultiProgress>,
    overall: Option<ProgressBar>,
    out: Mutex<()>,
}

impl Reporter {
    fn emit(&self, v: serde_json::Value) {
        if self.json {
            let _guard = self.out.lock();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{v}");
            let _ = out.flush();
        }
    }

    fn say(&self, msg: &str) {
        if self.quiet && !msg.starts_with("failreel: error") {
            return;
        }
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg);
            }
            None => eprintln!("{msg}"),
        }
    }

    fn warning(&self, input: &Path, msg: &str) {
        self.emit(json!({"event": "warning", "input": input, "message": msg}));
        self.say(&format!("failreel: warning: {msg}"));
    }

    fn result(&self, clip: &Clip, status: Status, extra: serde_json::Value) {
        let mut v = json!({"input": clip.input, "output": clip.output, "status": status});
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            for (k, val) in e {
                o.insert(k.clone(), val.clone());
            }
        }
        self.emit(v);
        if let Some(b) = &self.overall {
            b.inc(1);
        }
    }
}

/// Progress of one running reel: a bar on a terminal, throttled JSON events otherwise.
struct JobProgress<'a> {
    reporter: &'a Reporter,
    bar: Option<ProgressBar>,
    input: PathBuf,
    total: Mutex<u64>,
    last_json: Mutex<Instant>,
    started: Instant,
}

impl Progress for JobProgress<'_> {
    fn begin(&self, total: u64) {
        if let Ok(mut t) = self.total.lock() {
            *t = total;
        }
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
    }
    fn frames_done(&self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
        if self.reporter.json {
            let mut last = self.last_json.lock().expect("not poisoned");
            if last.elapsed().as_millis() >= 250 {
                *last = Instant::now();
                let total = *self.total.lock().expect("not poisoned");
                let secs = self.started.elapsed().as_secs_f64();
                self.reporter.emit(json!({
                    "event": "progress", "input": self.input, "frames": done, "total": total,
                    "fps": if secs > 0.0 { done as f64 / secs } else { 0.0 },
                }));
            }
        }
    }
    fn end(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Free memory in MiB (Linux `MemAvailable`), if known.
fn available_mib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Rough peak memory of one reel in MiB: x264's lookahead at the output size plus the
/// decoder's frame pool at the source size.
pub fn job_memory_mib(info: &MediaInfo, plan: &RenderPlan) -> u64 {
    let bytes_per_px =
        if info.video.pixel_format.contains("10") || info.video.pixel_format.contains("12") {
            3.0
        } else {
            1.5
        };
    let src = info.video.width as f64 * info.video.height as f64 * bytes_per_px / 1_048_576.0;
    let out = plan.video.width as f64 * plan.video.height as f64 * 1.5 / 1_048_576.0;
    (80.0 + src * 24.0 + out * 50.0) as u64
}

/// Parallel reels for `n` clips whose largest needs `peak_mib`: no more than cores, clips or
/// what 70% of free memory holds.
pub fn auto_jobs(n: usize, peak_mib: u64) -> usize {
    let cores = std::thread::available_parallelism()
        .map(|c| c.get())
        .unwrap_or(1);
    let by_mem = available_mib()
        .map(|m| ((m as f64 * 0.7) / peak_mib.max(1) as f64) as usize)
        .unwrap_or(cores);
    cores.min(n).min(by_mem).max(1)
}

/// A clip after planning: ready to render, or already decided.
enum Prepared {
    Render(Box<RenderPlan>, u64),
    Done,
}

/// Runs a batch. One bad clip never stops the others.
pub fn run_batch(clips: Vec<Clip>, opts: &BatchOptions, stop: &Stop) -> Summary {
    let started = Instant::now();
    let multi = opts
        .interactive
        .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
    let overall = multi
        .as_ref()
        .filter(|_| clips.len() > 1 && !opts.dry_run)
        .map(|m| {
            let b = m.add(ProgressBar::new(clips.len() as u64));
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix:.bold} [{bar:30}] {pos}/{len} reels, ETA {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            b.set_prefix("batch");
            b
        });
    let reporter = Reporter {
        json: opts.json,
        quiet: opts.quiet,
        multi,
        overall,
        out: Mutex::new(()),
    };
    let summary = Mutex::new(Summary::default());
    let fail = |clip: &Clip, e: String| {
        reporter.result(clip, Status::Failed, json!({"error": e}));
        reporter.say(&format!("failreel: error: {e}"));
        summary
            .lock()
            .expect("not poisoned")
            .failed
            .push((clip.input.clone(), e));
    };

    // Phase 1, sequential and cheap (no decoding): probe, plan, resume check.
    let mut work: Vec<(Clip, Box<RenderPlan>, u64)> = Vec::new();
    for clip in clips {
        let planned = probe(&clip.input)
            .map_err(|e| e.to_string())
            .and_then(|info| {
                plan_reel(&info, &clip.request, &clip.preset, clip.output.clone())
                    .map(|p| {
                        let mem = job_memory_mib(&info, &p);
                        (p, mem)
                    })
                    .map_err(|e| e.to_string())
            });
        let prepared = match planned {
            Err(e) => {
                fail(&clip, e);
                Prepared::Done
            }
            Ok((plan, mem)) => {
                for w in &plan.warnings {
                    reporter.warning(&clip.input, w);
                }
                if opts.dry_run {
                    print_plan(&reporter, &plan);
                    Prepared::Done
                } else {
                    let kind = crate::output::check_kind(&clip.output, &[&clip.input]);
                    match kind.map(|_| existing_reel(&clip.output)) {
                        Err(e) => {
                            fail(&clip, e.to_string());
                            Prepared::Done
                        }
                        Ok(existing) => match existing {
                            ExistingReel::Ours {
                                hash,
                                complete: true,
                            } if hash == plan.hash() && !opts.force => {
                                reporter.result(
                                    &clip,
                                    Status::Skipped,
                                    json!({"reason": "up to date"}),
                                );
                                reporter.say(&format!(
                                    "up to date: {} (use --force to render again)",
                                    clip.output.display()
                                ));
                                summary.lock().expect("not poisoned").skipped += 1;
                                Prepared::Done
                            }
                            ExistingReel::Ours {
                                complete: false, ..
                            } => {
                                reporter.warning(
                                &clip.input,
                                &format!(
                                    "{}: the reel there is incomplete or damaged (cut short, or changed since it was written): rendering it again",
                                    clip.output.display()
                                ),
                            );
                                Prepared::Render(Box::new(plan), mem)
                            }
                            ExistingReel::Foreign if !opts.force => {
                                fail(
                                    &clip,
                                    crate::output::OutputError::NotOurs(clip.output.clone())
                                        .to_string(),
                                );
                                Prepared::Done
                            }
                            _ => Prepared::Render(Box::new(plan), mem),
                        },
                    }
                }
            }
        };
        if let Prepared::Render(plan, mem) = prepared {
            work.push((clip, plan, mem));
        }
    }

    // Phase 2: render in parallel.
    if !work.is_empty() {
        let peak = work.iter().map(|w| w.2).max().unwrap_or(0);
        let jobs = opts
            .jobs
            .unwrap_or_else(|| auto_jobs(work.len(), peak))
            .clamp(1, work.len());
        let cores = std::thread::available_parallelism()
            .map(|c| c.get())
            .unwrap_or(1);
        let ropts = RenderOptions {
            threads: if jobs == 1 { 0 } else { (cores / jobs).max(1) },
        };
        if jobs > 1 && !opts.quiet && !opts.json {
            reporter.say(&format!(
                "failreel: rendering {} reel(s), {jobs} at a time ({} codec thread(s) each)",
                work.len(),
                ropts.threads
            ));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .thread_name(|i| format!("failreel-job-{i}"))
            .build()
            .expect("a thread pool");
        pool.install(|| {
            work.par_iter().for_each(|(clip, plan, _)| {
                if !stop.may_start() {
                    return;
                }
                reporter
                    .emit(json!({"event": "started", "input": clip.input, "output": clip.output}));
                let bar = reporter.multi.as_ref().map(|m| {
                    let b = m.insert_from_back(
                        usize::from(reporter.overall.is_some()),
                        ProgressBar::new(plan.video.frames),
                    );
                    b.set_style(
                        ProgressStyle::with_template(
                            "{prefix:20!} [{bar:30}] {pos}/{len} frames {per_sec} ETA {eta}",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                    b.set_prefix(
                        clip.input
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    );
                    b
                });
                let progress = JobProgress {
                    reporter: &reporter,
                    bar,
                    input: clip.input.clone(),
                    total: Mutex::new(plan.video.frames),
                    last_json: Mutex::new(Instant::now()),
                    started: Instant::now(),
                };
                match render(plan, &ropts, &progress, &stop.cancel) {
                    Ok(report) => {
                        for w in &report.warnings {
                            reporter.warning(&clip.input, w);
                        }
                        reporter.result(
                            clip,
                            Status::Ok,
                            json!({
                                "duration_s": report.duration.as_secs_f64(),
                                "frames": report.frames,
                                "render_seconds": report.render_seconds,
                                "loudness": report.loudness,
                            }),
                        );
                        reporter.say(&format!(
                            "rendered {} -> {} ({:.2} s reel, {} frames, in {:.1} s)",
                            clip.input.display(),
                            clip.output.display(),
                            report.duration.as_secs_f64(),
                            report.frames,
                            report.render_seconds
                        ));
                        summary.lock().expect("not poisoned").rendered += 1;
                    }
                    Err(e) => fail(clip, e.to_string()),
                }
            });
        });
    }
    if let Some(b) = &reporter.overall {
        b.finish_and_clear();
    }
    let mut s = summary.into_inner().expect("not poisoned");
    s.seconds = started.elapsed().as_secs_f64();
    s.interrupted = !stop.may_start();
    if !opts.dry_run {
        reporter.emit(json!({
            "event": "summary", "rendered": s.rendered, "skipped": s.skipped,
            "failed": s.failed.len(), "seconds": s.seconds,
        }));
    }
    s
}

fn print_plan(reporter: &Reporter, plan: &RenderPlan) {
    if reporter.json {
        reporter.emit(
            json!({"event": "plan", "input": plan.input, "output": plan.output, "plan": plan}),
        );
        return;
    }
    let v = &plan.video;
    let mut s = format!(
        "{} -> {}\n  preset   {}\n  trim     {} to {} ({:.3} s, {} frames at {} fps)\n  picture  rotate {}°, crop {}x{} at ({}, {}) of {}x{}, scale to {}x{}, {} -> bt709 limited\n",
        plan.input.display(),
        plan.output.display(),
        plan.preset,
        plan.trim.start,
        plan.trim.end,
        plan.trim.duration().as_secs_f64(),
        v.frames,
        v.fps,
        v.rotation,
        v.crop.width,
        v.crop.height,
        v.crop.x,
        v.crop.y,
        v.rotated_size.0,
        v.rotated_size.1,
        v.width,
        v.height,
        v.color.source_transfer
    );
    for c in &plan.cards {
        s.push_str(&format!(
            "  card     {:?} {} to {} (fade {:.2}/{:.2} s): {:?}\n",
            c.kind,
            c.at,
            c.until,
            c.in_length.as_secs_f64(),
            c.out_length.as_secs_f64(),
            c.text
        ));
    }
    let e = &plan.encoder;
    s.push_str(&format!(
        "  encoder  {} {} level {} crf {} preset {} keyint {}; {} {} Hz {} kbit/s\n",
        e.video_codec,
        e.profile,
        e.level,
        e.crf,
        e.preset,
        e.keyframe_interval,
        e.audio_codec,
        e.sample_rate,
        e.audio_bitrate_kbps
    ));
    s.push_str(&format!(
        "  audio    {}\n",
        match plan.audio.stream {
            Some(i) => format!(
                "stream {i}, starts {:.3} s after the picture",
                plan.audio.source_offset.as_secs_f64()
            ),
            None => "none: silent track".into(),
        }
    ));
    let _guard = reporter.out.lock();
    print!("{s}");
}

//! `failreel compile`: the parts planned as one compilation by the chain
//! ([`crate::chain::plan_compilation_with`]), the output rule checked for the reel and its
//! cover, then rendered by [`crate::render::compile`] with the same events, warnings,
//! `--strict`, Ctrl-C and exit codes as `render`.

use super::error::{AppError, EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED};
use super::terminal::Terminal;
use crate::batch::{Event, Outcome, Sink, Status, Summary, Tee, WouldDo};
use crate::chain::CompileError;
use crate::cli::CompileArgs;
use crate::media::input::{probe, ProbeError};
use crate::model::source::MediaInfo;
use crate::plan::compile::CompilePlan;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Runs `failreel compile`.
pub(super) fn run(args: CompileArgs) -> Result<i32, AppError> {
    let started = Instant::now();
    let (parts, unused_keys) = crate::cli::jobs::compile_parts(&args).map_err(AppError::Usage)?;
    let preset = parts[0].preset.clone();
    let flags = crate::cli::jobs::request(&args.reel);
    let terminal = Terminal::open(args.json, args.quiet);
    let (out, stop) = (&terminal.out, &terminal.stop);
    let sink = Tee(terminal.sinks());
    // Every file the compilation reads: the clips and their side files.
    let inputs: Vec<&Path> = parts
        .iter()
        .flat_map(|c| {
            std::iter::once(c.input.as_path()).chain(c.reads.iter().map(PathBuf::as_path))
        })
        .collect();
    // The output rule first: never an input, never a FIFO, device or link; a file failreel
    // did not write only with --force.
    crate::render::output::check_before(
        &args.output,
        &inputs,
        args.dry_run,
        args.force,
        crate::render::reel_is_ours,
    )?;
    if let Some(p) = crate::cli::jobs::reel_name_problem(&args.output) {
        return Err(AppError::Usage(vec![p]));
    }
    let infos = probe_parts(&parts)?;
    let requests: Vec<crate::chain::PartRequest> = parts
        .iter()
        .map(|c| crate::chain::PartRequest {
            info: &infos[&c.input],
            request: &c.request,
            reads: &c.reads,
        })
        .collect();
    // The compilation is one reel: its bar is named by its file and preset, and shows each
    // part's passes, then its parts as they are rendered.
    sink.event(&Event::Batch {
        reels: vec![crate::batch::ReelRef {
            index: 0,
            input: args.output.clone(),
            output: args.output.clone(),
            preset: preset.name.clone(),
        }],
    });
    // JSON names the compilation by its first clip, as its result line does.
    let passes = crate::batch::EventPasses::new(&sink, 0, &parts[0].input, &args.output)
        .cancelled_by(&stop.cancel);
    let planned = crate::chain::plan_compilation_with(
        &requests,
        &flags,
        &preset,
        args.title.as_deref().unwrap_or(""),
        !args.no_cold_open,
        args.output.clone(),
        crate::render::cores(),
        &passes,
    );
    let settle = Settle {
        sink: &sink,
        args: &args,
        started,
        first_input: parts[0].input.clone(),
        part_inputs: parts.iter().map(|c| c.input.clone()).collect(),
    };
    let done = |code: i32| -> Result<i32, AppError> {
        out.take_error().map_or(Ok(code), |e| Err(e.into()))
    };
    // A second Ctrl-C or SIGTERM while the parts' passes ran: they stopped, nothing was
    // written.
    if planned.is_err() && stop.cancel.load(std::sync::atomic::Ordering::SeqCst) {
        sink.event(&Event::Summary(Box::new(Summary {
            seconds: started.elapsed().as_secs_f64(),
            interrupted: true,
            dry_run: args.dry_run,
            not_started: 1,
            ..Summary::default()
        })));
        return done(EXIT_INTERRUPTED);
    }
    let (plan, mut warnings) = planned.map_err(|e| match e {
        CompileError::Usage(m) => AppError::Usage(vec![m]),
        CompileError::Chain(e) => e.into(),
    })?;
    // The cover beside it: the same rule (a JPEG failreel did not write only with --force).
    if let Some(c) = plan.cover.as_ref().and_then(|c| c.plan.cover.as_ref()) {
        crate::render::output::check_before(
            &c.path,
            &inputs,
            args.dry_run,
            args.force,
            crate::plan::cover::jpeg_is_ours,
        )?;
    }
    unused_keys_said(&mut warnings, unused_keys, &parts, &flags);
    for w in &warnings {
        settle.warn(w);
    }
    let strict = flags.strict == Some(true) || parts.iter().any(|c| c.request.strict == Some(true));
    let existing = crate::render::existing_reel(&args.output);
    let up_to_date = !args.force
        && matches!(&existing, crate::render::ExistingReel::Ours { request: Some(r), complete: true, .. } if *r == plan.request);
    if args.dry_run {
        sink.event(&Event::CompilePlan {
            plan: Box::new(plan),
            would: if up_to_date {
                WouldDo::SkipUpToDate
            } else {
                WouldDo::Render
            },
        });
        return done(settle.finish(settle.outcome(Status::Ok), warnings, false));
    }
    if strict && !warnings.is_empty() {
        let o = settle.failed(crate::batch::ClipError::Strict {
            input: args.output.clone(),
            warnings: warnings.clone(),
        });
        return done(settle.finish(o, warnings, false));
    }
    if up_to_date {
        return done(settle.finish(settle.up_to_date(&plan), warnings, false));
    }
    if !stop.may_start() {
        return done(settle.finish(settle.outcome(Status::NotStarted), warnings, true));
    }
    sink.event(&Event::Rendering {
        reels: vec![(0, args.output.clone())],
        frames: vec![plan.frames],
        jobs: 1,
        threads: 0,
    });
    sink.event(&Event::Started {
        index: 0,
        input: settle.first_input.clone(),
        output: args.output.clone(),
        frames: plan.frames,
    });
    let frames = crate::batch::EventProgress::new(&sink, 0, &settle.first_input, plan.frames);
    let progress = PartProgress::new(&frames, &sink, &plan);
    let result = crate::render::compile::render_compilation(
        &plan,
        &crate::render::RenderOptions::default(),
        &progress,
        &stop.cancel,
    );
    let mut all = warnings;
    let o = settle.rendered(&plan, result, strict, &mut all);
    done(settle.finish(o, all, !stop.may_start()))
}

/// Each distinct input probed once: the same clip may be several parts. Every input that
/// cannot be read is said (a compilation needs them all), as render lists every failing
/// clip, not only the first.
fn probe_parts(parts: &[crate::batch::Clip]) -> Result<HashMap<PathBuf, Arc<MediaInfo>>, AppError> {
    let mut infos = HashMap::new();
    let mut unreadable: Vec<ProbeError> = Vec::new();
    let mut tried: HashSet<&PathBuf> = HashSet::new();
    for c in parts {
        if tried.insert(&c.input) {
            match probe(&c.input) {
                Ok(info) => {
                    infos.insert(c.input.clone(), Arc::new(info));
                }
                Err(e) => unreadable.push(e),
            }
        }
    }
    match unreadable.len() {
        0 => Ok(infos),
        1 => Err(AppError::Probe(unreadable.remove(0))),
        _ => Err(AppError::Inputs(unreadable)),
    }
}

/// Adds to the plan's `warnings` what a compilation does not use: a manifest written for
/// `render` may name each clip's output or ask for covers (the flags are refused), and a
/// clip's own `cover_at` is a time on its reel, not on the compilation's clock. Said rather
/// than dropped silently; the same clip may be several parts, so each warning once.
fn unused_keys_said(
    warnings: &mut Vec<String>,
    unused_keys: Vec<String>,
    parts: &[crate::batch::Clip],
    flags: &crate::config::request::ReelRequest,
) {
    warnings.extend(unused_keys);
    for c in parts {
        // The flag is the compilation's own (on its clock); a clip's key is not used.
        if c.request.cover_at.is_some() && c.request.cover_at != flags.cover_at {
            warnings.push(format!(
                "{}: the manifest gives `cover_at`, a time on that clip's reel, but a compilation's cover is chosen on its own clock (`--cover-at`): the key is not used",
                c.input.display()
            ));
        }
    }
    let mut said = HashSet::new();
    warnings.retain(|w| said.insert(w.clone()));
}

/// How the compilation's one outcome is told: its warnings, its result line and the
/// summary, and the exit code.
struct Settle<'a> {
    sink: &'a dyn Sink,
    args: &'a CompileArgs,
    started: Instant,
    /// The result line names the compilation by its first clip.
    first_input: PathBuf,
    part_inputs: Vec<PathBuf>,
}

impl Settle<'_> {
    /// A warning told as the clip's it names ("a.mp4: ..."), as `render` tells its warnings
    /// (JSON `input`, the message without the name); else as the compilation's.
    fn warn(&self, w: &str) {
        let (input, message) = self
            .part_inputs
            .iter()
            .find_map(|p| {
                w.strip_prefix(&format!("{}: ", p.display()))
                    .map(|m| (Some(p.clone()), m.to_string()))
            })
            .unwrap_or_else(|| (None, w.to_string()));
        self.sink.event(&Event::Warning {
            input,
            message,
            count: 1,
            clips: 1,
        });
    }

    /// The compilation's outcome with `status`.
    fn outcome(&self, status: Status) -> Outcome {
        let mut o = Outcome::new(
            0,
            self.first_input.clone(),
            self.args.output.clone(),
            status,
        );
        o.parts = self.part_inputs.clone();
        o
    }

    /// A failed outcome for `e`.
    fn failed(&self, e: crate::batch::ClipError) -> Outcome {
        let mut o = self.outcome(Status::Failed);
        o.error = Some(Arc::new(e));
        o
    }

    /// Skipped as up to date; a cover that is missing or out of date is written now.
    fn up_to_date(&self, plan: &CompilePlan) -> Outcome {
        let mut o = self.outcome(Status::Skipped);
        o.reason = Some("up to date".into());
        if let Some(c) = &plan.cover {
            if let Some(still) = &c.plan.cover {
                if !crate::plan::cover::still_is_current(&c.plan, still) {
                    match crate::render::write_cover(&c.plan) {
                        Ok(written) => {
                            o.cover = written;
                            o.reason = Some("up to date (its still was written)".into());
                        }
                        Err(e) => return self.failed(crate::batch::ClipError::Render(e)),
                    }
                }
            }
        }
        o
    }

    /// The outcome of the render: its notices and warnings told (added to `all`), `--strict`
    /// applied (a compilation that is not what was asked is removed, not left to be
    /// resumed), the cover written. A second Ctrl-C or SIGTERM is not a failure of the
    /// compilation: it was interrupted and nothing is written, as `render` says of a reel it
    /// cancels.
    fn rendered(
        &self,
        plan: &CompilePlan,
        result: Result<crate::render::RenderReport, crate::media::RenderError>,
        strict: bool,
        all: &mut Vec<String>,
    ) -> Outcome {
        let report = match result {
            Ok(r) => r,
            Err(e) if crate::batch::is_cancelled(&e) => {
                let mut o = self.outcome(Status::NotStarted);
                o.reason = Some("cancelled".into());
                return o;
            }
            Err(e) => return self.failed(crate::batch::ClipError::Render(e)),
        };
        for n in &report.notices {
            self.sink.event(&Event::Notice { message: n.clone() });
        }
        for w in &report.warnings {
            self.warn(w);
        }
        all.extend(report.warnings.iter().cloned());
        if strict && !report.warnings.is_empty() {
            let _ = std::fs::remove_file(&self.args.output);
            return self.failed(crate::batch::ClipError::Strict {
                input: self.args.output.clone(),
                warnings: report.warnings.clone(),
            });
        }
        let written = plan
            .cover
            .as_ref()
            .filter(|c| c.plan.cover.is_some())
            .map_or(Ok(None), |c| crate::render::write_cover(&c.plan));
        match written {
            Ok(cover) => {
                let mut o = self.outcome(Status::Ok);
                o.duration = Some(report.duration);
                o.frames = Some(report.frames);
                o.render_seconds = Some(report.render_seconds);
                o.cover = cover;
                o
            }
            Err(e) => self.failed(crate::batch::ClipError::Render(e)),
        }
    }

    /// Tells the result line (not in a dry run) and the summary; the exit code.
    fn finish(&self, mut o: Outcome, warnings: Vec<String>, interrupted: bool) -> i32 {
        o.warnings = warnings;
        let mut summary = Summary {
            seconds: self.started.elapsed().as_secs_f64(),
            interrupted,
            dry_run: self.args.dry_run,
            warnings: o.warnings.len(),
            ..Summary::default()
        };
        match o.status {
            Status::Ok => summary.rendered = 1,
            Status::Skipped => summary.skipped = 1,
            Status::Failed => summary.failed = 1,
            Status::NotStarted => summary.not_started = 1,
        }
        let code = if interrupted {
            EXIT_INTERRUPTED
        } else if o.status == Status::Failed {
            EXIT_SOME_FAILED
        } else {
            EXIT_OK
        };
        if !self.args.dry_run {
            self.sink.event(&Event::Finished(Box::new(o.clone())));
        }
        summary.outcomes.push(o);
        self.sink.event(&Event::Summary(Box::new(summary)));
        code
    }
}

/// A compilation's frame progress, plus an [`crate::batch::Event::Part`] each time it
/// moves on to its next part (the title, then each part from where its crossfade begins).
struct PartProgress<'a> {
    frames: &'a dyn crate::render::Progress,
    sink: &'a dyn Sink,
    /// First frame of each part.
    starts: Vec<u64>,
    inputs: Vec<PathBuf>,
    current: std::sync::atomic::AtomicUsize,
}

impl<'a> PartProgress<'a> {
    fn new(
        frames: &'a dyn crate::render::Progress,
        sink: &'a dyn Sink,
        plan: &crate::plan::compile::CompilePlan,
    ) -> Self {
        PartProgress {
            frames,
            sink,
            starts: plan.part_starts(),
            inputs: plan.parts.iter().map(|p| p.input().to_path_buf()).collect(),
            current: std::sync::atomic::AtomicUsize::new(usize::MAX),
        }
    }
}

impl crate::render::Progress for PartProgress<'_> {
    fn begin(&self, total: u64) {
        self.frames.begin(total);
    }
    fn frames_done(&self, done: u64) {
        use std::sync::atomic::Ordering;
        // 0: the title; k: part k.
        let part = self.starts.iter().filter(|&&s| s < done.max(1)).count();
        if self.current.swap(part, Ordering::Relaxed) != part {
            self.sink.event(&crate::batch::Event::Part {
                index: 0,
                part,
                parts: self.starts.len(),
                input: part.checked_sub(1).map(|k| self.inputs[k].clone()),
            });
        }
        self.frames.frames_done(done);
    }
    fn end(&self) {
        self.frames.end();
    }
}

//! Batches: plan every clip up front (bad inputs reported before any rendering; each distinct
//! input probed once), skip reels that are up to date, then render the rest in parallel on a
//! rayon pool sized from cores and free memory. What happens is told to a [`Sink`] as typed
//! [`Event`]s; how a plan becomes a file is a [`Renderer`]. Nothing here prints.

pub mod events;
pub mod executor;
pub mod signals;
pub mod stories;

pub use events::{
    error_chain, Event, NoSink, Outcome, Recorder, ReelRef, Sink, Status, Summary, Tee, WouldDo,
};
pub use executor::{Existing, FakeRenderer, Libav, Renderer};

use crate::batch::signals::Stop;
use crate::config::preset::Preset;
use crate::media::input::ProbeError;
use crate::model::source::MediaInfo;
use crate::plan::{CompletePlan, PlanError, ReelRequest, RenderPlan};
use crate::render::output::OutputError;
use crate::render::{Progress, RenderError, RenderOptions, RenderReport};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
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
    /// The side files this clip is read from (the manifest, its preset file, its captions
    /// file): inputs, never written over.
    pub reads: Vec<PathBuf>,
    /// For a stories part: the whole range of the input it is cut from, over which its
    /// loudness is measured (one gain for every part of the clip).
    pub loudness_over: Option<crate::plan::Trim>,
}

/// How the batch runs (not how it is shown: that is the sinks' business).
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Parallel reels (None: chosen from cores and free memory).
    pub jobs: Option<usize>,
    /// Re-render reels that are up to date, and overwrite files failreel did not write.
    pub force: bool,
    /// Plan (and say what would be skipped), render nothing.
    pub dry_run: bool,
    /// Any warning fails every clip (each clip's own `strict` request applies as well).
    pub strict: bool,
    /// Free memory in MiB to size the pool against (None: read from the system).
    pub memory_mib: Option<u64>,
    /// Write a thumbnail beside each reel that has no cover (for `--report`).
    pub thumbnails: bool,
    /// Write each reel's review sheet into this folder's `review/` (for `--report`).
    pub review: Option<PathBuf>,
}

/// Why one clip failed. The source chain is kept: sinks print it as `X: caused by: Y`.
#[derive(Debug, thiserror::Error)]
pub enum ClipError {
    /// The input could not be read.
    #[error(transparent)]
    Probe(#[from] Arc<ProbeError>),
    /// The reel cannot be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The render failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The output may not be written (an input, not a regular file, not failreel's…).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// `--strict` and the clip raised warnings.
    #[error("{}: --strict makes warnings failures: {}", .input.display(), .warnings.join("; "))]
    Strict {
        /// The input.
        input: PathBuf,
        /// The warnings raised.
        warnings: Vec<String>,
    },
}

impl ClipError {
    /// What kind of failure, in the words of the JSON error lines: `input` (the clip cannot
    /// be read), `output` (the reel may not or cannot be written), `plan` (the request does
    /// not fit the clip), `render` (decoding or encoding failed), `strict` (`--strict` and
    /// warnings).
    pub fn kind(&self) -> &'static str {
        match self {
            ClipError::Probe(_) | ClipError::Render(RenderError::Probe(_)) => "input",
            ClipError::Output(_)
            | ClipError::Render(RenderError::Output { .. } | RenderError::Target(_)) => "output",
            ClipError::Plan(_) => "plan",
            ClipError::Render(_) => "render",
            ClipError::Strict { .. } => "strict",
        }
    }
}

/// Free memory in MiB (Linux `MemAvailable`), if known.
pub fn available_mib() -> Option<u64> {
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

/// The x264 part of [`job_memory_mib`]: what each further reel of a shared decode adds.
pub fn encode_memory_mib(plan: &RenderPlan) -> u64 {
    let out = plan.video.width as f64 * plan.video.height as f64 * 1.5 / 1_048_576.0;
    (out * 50.0) as u64
}

/// A reel to render: its position in the batch, plan, memory estimate and warnings so far.
type WorkItem = (usize, Box<RenderPlan>, u64, Vec<String>);

/// Parallel reels for `n` clips whose largest needs `peak_mib`, with `free_mib` free: no more
/// than cores, clips or what 70% of free memory holds.
pub fn auto_jobs(n: usize, peak_mib: u64, free_mib: Option<u64>) -> usize {
    let cores = crate::render::cores();
    let by_mem = free_mib
        .map(|m| ((m as f64 * 0.7) / peak_mib.max(1) as f64) as usize)
        .unwrap_or(cores);
    cores.min(n).min(by_mem).max(1)
}

/// The warning for `jobs` reels at once needing `peak_mib` each when `free_mib` is free, if
/// they do not fit in 70% of it.
pub fn memory_warning(jobs: usize, peak_mib: u64, free_mib: u64) -> Option<String> {
    let need = jobs as u64 * peak_mib;
    let room = free_mib * 7 / 10;
    (need > room).then(|| {
        let fits = (room / peak_mib.max(1)).max(1);
        format!(
            "--jobs {jobs}: each reel needs about {} and {jobs} at once about {}, but only {} is free: expect swapping or failreel being killed; --jobs {fits} fits",
            mib(peak_mib),
            mib(need),
            mib(free_mib)
        )
    })
}

fn mib(m: u64) -> String {
    if m >= 10 * 1024 {
        format!("{:.0} GiB", m as f64 / 1024.0)
    } else if m >= 1024 {
        format!("{:.1} GiB", m as f64 / 1024.0)
    } else {
        format!("{m} MiB")
    }
}

/// Forwards a render's progress to a sink as [`Event::Progress`].
pub struct EventProgress<'a> {
    sink: &'a dyn Sink,
    index: usize,
    input: &'a PathBuf,
    total: Mutex<u64>,
    started: Instant,
}

impl<'a> EventProgress<'a> {
    /// Progress of reel `index` (of `input`, `total` frames) told to `sink`.
    pub fn new(sink: &'a dyn Sink, index: usize, input: &'a PathBuf, total: u64) -> Self {
        EventProgress {
            sink,
            index,
            input,
            total: Mutex::new(total),
            started: Instant::now(),
        }
    }
}

impl Progress for EventProgress<'_> {
    fn begin(&self, total: u64) {
        if let Ok(mut t) = self.total.lock() {
            *t = total;
        }
    }
    fn frames_done(&self, done: u64) {
        let total = self.total.lock().map(|t| *t).unwrap_or(0);
        self.sink.event(&Event::Progress {
            index: self.index,
            input: self.input.clone(),
            done,
            total,
            elapsed: self.started.elapsed().as_secs_f64(),
        });
    }
}

/// Forwards one reel's measuring passes to a sink as [`Event::Pass`].
pub struct EventPasses<'a> {
    sink: &'a dyn Sink,
    index: usize,
    input: &'a Path,
    output: &'a Path,
    cancel: Option<&'a AtomicBool>,
}

impl<'a> EventPasses<'a> {
    /// The passes of reel `index` (`input` to `output`) told to `sink`.
    pub fn new(sink: &'a dyn Sink, index: usize, input: &'a Path, output: &'a Path) -> Self {
        EventPasses {
            sink,
            index,
            input,
            output,
            cancel: None,
        }
    }

    /// The same, its passes stopped when `cancel` is set (a second Ctrl-C, SIGTERM).
    pub fn cancelled_by(mut self, cancel: &'a AtomicBool) -> Self {
        self.cancel = Some(cancel);
        self
    }
}

impl crate::analyse::progress::PassProgress for EventPasses<'_> {
    fn pass(&self, pass: crate::analyse::progress::Pass, done: f64) {
        self.sink.event(&Event::Pass {
            index: self.index,
            input: self.input.to_path_buf(),
            output: self.output.to_path_buf(),
            pass,
            done,
        });
    }
    fn cancelled(&self) -> bool {
        self.cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// Collapses repeated warnings: one entry per message, with the first input, the count of
/// reels and the clips that raised it.
#[derive(Default)]
struct Warnings {
    order: Vec<(String, PathBuf, usize, HashSet<PathBuf>)>,
    seen: HashMap<String, usize>,
}

impl Warnings {
    fn add(&mut self, input: &Path, message: &str) {
        match self.seen.get(message) {
            Some(&i) => {
                self.order[i].2 += 1;
                self.order[i].3.insert(input.to_path_buf());
            }
            None => {
                self.seen.insert(message.to_string(), self.order.len());
                self.order.push((
                    message.to_string(),
                    input.to_path_buf(),
                    1,
                    HashSet::from([input.to_path_buf()]),
                ));
            }
        }
    }
    fn emit(&mut self, sink: &dyn Sink) -> usize {
        let n = self.order.len();
        for (message, input, count, clips) in self.order.drain(..) {
            sink.event(&Event::Warning {
                input: Some(input),
                message,
                count,
                clips: clips.len(),
            });
        }
        self.seen.clear();
        n
    }
}

/// Whether warnings fail `clip`: the batch says so, or the clip's request (`--strict`, or
/// `strict = true` in the manifest).
fn strict(opts: &BatchOptions, clip: &Clip) -> bool {
    opts.strict || clip.request.strict == Some(true)
}

fn failed(clip: &Clip, e: ClipError, warnings: Vec<String>) -> Outcome {
    // Cancelled by a second Ctrl-C or SIGTERM: the run was interrupted and nothing of the
    // reel is left, as for one not started; not a failure of the clip.
    if is_cancelled(&e) {
        let mut o = Outcome::new(
            clip.index,
            clip.input.clone(),
            clip.output.clone(),
            Status::NotStarted,
        );
        o.warnings = warnings;
        o.reason = Some("cancelled".into());
        return o;
    }
    let mut o = Outcome::new(
        clip.index,
        clip.input.clone(),
        clip.output.clone(),
        Status::Failed,
    );
    o.warnings = warnings;
    o.error = Some(Arc::new(e));
    o
}

/// Whether `e` is (or was caused by) a cancellation: the run's second Ctrl-C or SIGTERM.
pub fn is_cancelled(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        // (`ClipError::Render` is transparent: its source is the render error's source, so
        // the render error itself is looked at here.)
        let render = match err.downcast_ref::<ClipError>() {
            Some(ClipError::Render(r)) => Some(r),
            _ => err.downcast_ref::<RenderError>(),
        };
        if matches!(render, Some(RenderError::Cancelled(_))) {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Runs a batch with `renderer`, telling `sink` what happens. One bad clip never stops the
/// others; the summary holds every clip's outcome, in batch order.
///
/// Three phases: `Run::prepare` plans every clip (sequential and cheap: no decoding), checks
/// its output and settles what is failed or up to date; `Run::schedule` groups the reels that
/// share a decode and sizes the pool; `Run::render_group` renders each group on it.
pub fn run_batch(
    clips: Vec<Clip>,
    opts: &BatchOptions,
    stop: &Stop,
    renderer: &dyn Renderer,
    sink: &dyn Sink,
) -> Summary {
    let started = Instant::now();
    let run = Run {
        opts,
        stop,
        renderer,
        sink,
    };
    let mut outcomes: Vec<Option<Outcome>> = vec![None; clips.len()];
    sink.event(&Event::Batch {
        reels: clips
            .iter()
            .map(|c| ReelRef {
                index: c.index,
                input: c.input.clone(),
                output: c.output.clone(),
                preset: c.preset.name.clone(),
            })
            .collect(),
    });

    // Phase 1: probe each distinct input once, plan, check what is already there.
    let mut probes: HashMap<PathBuf, Result<Arc<MediaInfo>, Arc<ProbeError>>> = HashMap::new();
    let mut warnings = Warnings::default();
    let mut work: Vec<WorkItem> = Vec::new();
    for (pos, clip) in clips.iter().enumerate() {
        if !stop.may_start() || sink.closed() {
            break;
        }
        let info = probes
            .entry(clip.input.clone())
            .or_insert_with(|| renderer.probe(&clip.input).map(Arc::new).map_err(Arc::new))
            .clone();
        match run.prepare(pos, clip, info, &mut warnings) {
            Prepared::Finished(o) => {
                sink.event(&Event::Finished(Box::new(o.clone())));
                outcomes[pos] = Some(o);
            }
            Prepared::Planned(o, w) => {
                outcomes[pos] = Some(o);
                work.push(w);
            }
            Prepared::Render(w) => work.push(w),
        }
    }
    warnings.emit(sink);

    // Phases 2 and 3: group and size the pool, then render.
    let mut warning_count = 0;
    if !opts.dry_run && !work.is_empty() {
        let (groups, jobs, warned) = run.schedule(&work);
        warning_count += warned;
        let ropts = RenderOptions {
            threads: if jobs == 1 {
                0
            } else {
                (crate::render::cores() / jobs).max(1)
            },
        };
        sink.event(&Event::Rendering {
            reels: work
                .iter()
                .map(|w| (clips[w.0].index, clips[w.0].input.clone()))
                .collect(),
            frames: work.iter().map(|w| w.1.reel_frames()).collect(),
            jobs,
            threads: ropts.threads,
        });
        let done: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
        let render = |members: &Vec<usize>| {
            let items: Vec<&WorkItem> = members.iter().map(|&m| &work[m]).collect();
            let finished = run.render_group(&clips, &items, &ropts);
            if let Ok(mut d) = done.lock() {
                d.extend(finished);
            }
        };
        match rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .thread_name(|i| format!("failreel-job-{i}"))
            .build()
        {
            Ok(pool) => pool.install(|| groups.par_iter().for_each(render)),
            // No threads to be had: one at a time on this one.
            Err(_) => groups.iter().for_each(render),
        }
        for (pos, o) in done.into_inner().unwrap_or_default() {
            outcomes[pos] = Some(o);
        }
    } else if opts.jobs.is_some() && !work.is_empty() {
        // A dry run sizes the pool as the render would, for its word on --jobs.
        warning_count += run.schedule(&work).2;
    }

    let summary = summarise(&clips, outcomes, warning_count, started, stop, opts);
    sink.event(&Event::Summary(Box::new(summary.clone())));
    summary
}

/// What every phase of a batch reads: how it runs, the stop flags, the renderer and the sink.
struct Run<'a> {
    opts: &'a BatchOptions,
    stop: &'a Stop,
    renderer: &'a dyn Renderer,
    sink: &'a dyn Sink,
}

/// A clip after the first phase.
enum Prepared {
    /// Settled now (failed, or skipped as up to date): told as [`Event::Finished`].
    Finished(Outcome),
    /// A dry run's outcome (its complete plan was told as [`Event::Plan`]) and the reel it
    /// would render, counted when the pool is sized.
    Planned(Outcome, WorkItem),
    /// A reel to render.
    Render(WorkItem),
}

impl Run<'_> {
    /// The passes of `clip`, told to the sink and stopped by a cancellation.
    fn passes<'c>(&'c self, clip: &'c Clip) -> EventPasses<'c> {
        EventPasses::new(self.sink, clip.index, &clip.input, &clip.output)
            .cancelled_by(&self.stop.cancel)
    }

    /// Phase 1 for one clip: the chain's first step (everything planning decides before the
    /// measuring passes: the trim, with `--start auto` around the cached detection's
    /// moment), `--strict`, the output rule, and whether the reel there is up to date.
    fn prepare(
        &self,
        pos: usize,
        clip: &Clip,
        info: Result<Arc<MediaInfo>, Arc<ProbeError>>,
        warnings: &mut Warnings,
    ) -> Prepared {
        let extras = crate::chain::Extras {
            thumbnail: self.opts.thumbnails,
            number: None,
            loudness_over: clip.loudness_over,
        };
        let passes = self.passes(clip);
        let planned = info.map_err(ClipError::from).and_then(|info| {
            crate::chain::draft_with(
                &info,
                &clip.request,
                &clip.preset,
                clip.output.clone(),
                extras,
                &passes,
            )
            .map(|p| {
                let mem = job_memory_mib(&info, &p);
                (p, mem)
            })
            .map_err(ClipError::from)
        });
        let (mut plan, mem) = match planned {
            Err(e) => return Prepared::Finished(failed(clip, e, Vec::new())),
            Ok(p) => p,
        };
        for r in &clip.reads {
            if !plan.reads.contains(r) {
                plan.reads.push(r.clone());
            }
        }
        // Every outcome settled from here carries the plan.
        let shared = Arc::new(plan.clone());
        let finished = |mut o: Outcome| {
            o.plan = Some(shared.clone());
            Prepared::Finished(o)
        };
        for w in &plan.warnings {
            warnings.add(&clip.input, w);
        }
        if let Err(e) = self.check(clip, &plan) {
            return finished(failed(clip, e, plan.warnings.clone()));
        }
        // Up to date: the reel there was made for the same request (the request, preset,
        // output and the input's stamp and fingerprint), so no measuring pass runs again.
        let existing = self.renderer.existing(&clip.output);
        let up_to_date = !self.opts.force
            && matches!(&existing, Existing::Reel { request: Some(r), complete: true, .. } if *r == plan.request);
        if self.opts.dry_run {
            // The plan shown is the one rendered: complete, every pass run.
            let complete =
                match self
                    .renderer
                    .complete(plan.clone(), crate::render::cores(), &passes)
                {
                    Ok(c) => c,
                    Err(e) => {
                        return finished(failed(clip, ClipError::Render(e), plan.warnings.clone()))
                    }
                };
            let plan = complete.into_plan();
            self.sink.event(&Event::Plan {
                index: clip.index,
                plan: Box::new(plan.clone()),
                would: if up_to_date {
                    WouldDo::SkipUpToDate
                } else {
                    WouldDo::Render
                },
            });
            let mut o = Outcome::new(
                clip.index,
                clip.input.clone(),
                clip.output.clone(),
                if up_to_date {
                    Status::Skipped
                } else {
                    Status::Ok
                },
            );
            o.warnings = plan.warnings.clone();
            o.trim = Some(plan.trim());
            return Prepared::Planned(o, (pos, Box::new(plan), mem, Vec::new()));
        }
        if up_to_date {
            return match self.up_to_date(clip, &plan) {
                Ok(o) => finished(o),
                Err(e) => finished(failed(clip, ClipError::Render(e), plan.warnings.clone())),
            };
        }
        let mut plan_warnings = plan.warnings.clone();
        match existing {
            Existing::Foreign if !self.opts.force => {
                let e = OutputError::NotOurs(clip.output.clone()).into();
                return finished(failed(clip, e, plan.warnings.clone()));
            }
            Existing::Reel {
                complete: false, ..
            } => {
                // Said as it happens (not collapsed): it names this reel.
                let message = format!(
                    "{}: the reel there is incomplete or damaged (cut short, or changed since it was written): rendering it again",
                    clip.output.display()
                );
                self.sink.event(&Event::Warning {
                    input: Some(clip.input.clone()),
                    message: message.clone(),
                    count: 1,
                    clips: 1,
                });
                plan_warnings.push(message);
            }
            _ => {}
        }
        Prepared::Render((pos, Box::new(plan), mem, plan_warnings))
    }

    /// What fails a planned clip before anything is measured or written: `--strict` with
    /// warnings, and the output rule for the reel and its still.
    fn check(&self, clip: &Clip, plan: &RenderPlan) -> Result<(), ClipError> {
        if strict(self.opts, clip) && !plan.warnings.is_empty() {
            return Err(ClipError::Strict {
                input: clip.input.clone(),
                warnings: plan.warnings.clone(),
            });
        }
        // Never an input (the footage or a side file), never a FIFO, device, folder or link,
        // whatever --force says (checked from metadata before anything opens the output; a
        // dry run says so too).
        crate::render::output::check_kind(&clip.output, &plan.inputs())?;
        // A folder that refuses writes fails the clip now, before its measuring passes.
        if !self.opts.dry_run {
            crate::render::output::check_writable(&clip.output)?;
        }
        // The still beside the reel: the same rule (and a foreign JPEG is kept unless
        // --force).
        if let Some(cover) = &plan.cover {
            crate::render::output::check_before(
                &cover.path,
                &plan.inputs(),
                self.opts.dry_run,
                self.opts.force,
                crate::plan::cover::jpeg_is_ours,
            )?;
        }
        Ok(())
    }

    /// The outcome of a reel that is up to date: skipped, with its still written when it is
    /// missing or out of date (from the complete plan: the passes read back from the cache),
    /// and its review sheet when one is asked for. Err: the still could not be written.
    fn up_to_date(&self, clip: &Clip, plan: &RenderPlan) -> Result<Outcome, RenderError> {
        let mut o = Outcome::new(
            clip.index,
            clip.input.clone(),
            clip.output.clone(),
            Status::Skipped,
        );
        o.reason = Some("up to date".into());
        o.warnings = plan.warnings.clone();
        o.trim = Some(plan.trim());
        let stale_still = plan
            .cover
            .as_ref()
            .is_some_and(|c| !crate::plan::cover::still_is_current(plan, c));
        if !stale_still && self.opts.review.is_none() {
            return Ok(o);
        }
        // The complete plan once, for the still and the review sheet.
        let complete =
            match self
                .renderer
                .complete(plan.clone(), crate::render::cores(), &self.passes(clip))
            {
                Ok(c) => c,
                Err(e) if stale_still => return Err(e),
                Err(e) => {
                    o.warnings.push(review_failed(clip, &e));
                    return Ok(o);
                }
            };
        if stale_still {
            o.cover = self.renderer.cover(&complete)?;
            o.reason = Some("up to date (its still was written)".into());
        }
        // The review sheet (from the cache when nothing changed).
        if let Some(dir) = &self.opts.review {
            match self.renderer.review(&complete, dir, o.cover.as_ref()) {
                Ok(r) => o.review = r.map(Box::new),
                Err(e) => o.warnings.push(review_failed(clip, &e)),
            }
        }
        Ok(o)
    }

    /// Phase 2: the groups of reels that share a decode (a group is one job), how many jobs
    /// run at once (cores and memory), and how many warnings were told (a word when `--jobs`
    /// asks for more than fits). A dry run's reels are each their own job.
    fn schedule(&self, work: &[WorkItem]) -> (Vec<Vec<usize>>, usize, usize) {
        let groups: Vec<Vec<usize>> = if self.opts.dry_run {
            (0..work.len()).map(|k| vec![k]).collect()
        } else {
            let plans: Vec<&RenderPlan> = work.iter().map(|w| &*w.1).collect();
            crate::plan::fanout::group(&plans)
        };
        // One decode, one encode per reel at most.
        let group_mem = |g: &Vec<usize>| -> u64 {
            let most = g.iter().map(|&m| work[m].2).max().unwrap_or(0);
            let extra: u64 = g
                .iter()
                .skip(1)
                .map(|&m| encode_memory_mib(&work[m].1))
                .sum();
            most + extra
        };
        let free = self.opts.memory_mib.or_else(available_mib);
        let peak = groups.iter().map(group_mem).max().unwrap_or(0);
        let jobs = self
            .opts
            .jobs
            .unwrap_or_else(|| auto_jobs(groups.len(), peak, free))
            .clamp(1, groups.len().max(1));
        let mut warned = 0;
        if let (Some(_), Some(free)) = (self.opts.jobs, free) {
            if let Some(message) = memory_warning(jobs, peak, free) {
                self.sink.event(&Event::Warning {
                    input: None,
                    message,
                    count: 1,
                    clips: 1,
                });
                warned += 1;
            }
        }
        (groups, jobs, warned)
    }

    /// Phase 3 for one group: reels that share a decode (several presets of one clip) render
    /// in one pipeline run; each keeps its own start, progress and result. The chain's second
    /// step runs here, in the job: the measuring passes each draft still needs (cached), then
    /// the complete plans render together. Returns each reel's position and outcome, each
    /// already told as [`Event::Finished`].
    fn render_group(
        &self,
        clips: &[Clip],
        items: &[&WorkItem],
        ropts: &RenderOptions,
    ) -> Vec<(usize, Outcome)> {
        if !self.stop.may_start() || self.sink.closed() {
            return Vec::new();
        }
        let progress: Vec<EventProgress> = items
            .iter()
            .map(|(pos, plan, _, _)| {
                let clip = &clips[*pos];
                self.sink.event(&Event::Started {
                    index: clip.index,
                    input: clip.input.clone(),
                    output: clip.output.clone(),
                    frames: plan.reel_frames(),
                });
                EventProgress::new(self.sink, clip.index, &clip.input, plan.reel_frames())
            })
            .collect();
        let completed: Vec<Result<CompletePlan, RenderError>> = items
            .iter()
            .map(|w| {
                let clip = &clips[w.0];
                self.renderer
                    .complete((*w.1).clone(), ropts.cores(), &self.passes(clip))
            })
            .collect();
        let ready: Vec<(usize, &CompletePlan)> = completed
            .iter()
            .enumerate()
            .filter_map(|(k, c)| c.as_ref().ok().map(|c| (k, c)))
            .collect();
        let plans: Vec<&CompletePlan> = ready.iter().map(|r| r.1).collect();
        let ready_progress: Vec<&dyn Progress> = ready
            .iter()
            .map(|r| &progress[r.0] as &dyn Progress)
            .collect();
        let mut rendered = self
            .renderer
            .render_group(&plans, ropts, &ready_progress, &self.stop.cancel)
            .into_iter();
        let results: Vec<Result<RenderReport, RenderError>> = completed
            .iter()
            .map(|c| match c {
                Ok(_) => rendered.next().expect("one result per complete plan"),
                Err(e) => Err(RenderError::Shared(error_chain(e))),
            })
            .collect();
        let mut out = Vec::new();
        for (((pos, draft, _, plan_warnings), complete), result) in
            items.iter().zip(completed).zip(results)
        {
            let outcome = self.rendered(&clips[*pos], draft, plan_warnings, &complete, result);
            self.sink.event(&Event::Finished(Box::new(outcome.clone())));
            out.push((*pos, outcome));
        }
        out
    }

    /// The outcome of one reel of a group: its still written, its warnings told, `--strict`
    /// applied (a reel that is not what was asked is removed, not left to be resumed), and its
    /// review sheet made.
    fn rendered(
        &self,
        clip: &Clip,
        draft: &RenderPlan,
        plan_warnings: &[String],
        complete: &Result<CompletePlan, RenderError>,
        result: Result<RenderReport, RenderError>,
    ) -> Outcome {
        let mut cover = None;
        let result = match complete {
            Ok(plan) => result.and_then(|report| {
                self.renderer.cover(plan).map(|c| {
                    cover = c;
                    report
                })
            }),
            Err(_) => result,
        };
        let plan: &RenderPlan = match complete {
            Ok(c) => c.plan(),
            Err(_) => draft,
        };
        let mut outcome = match result {
            Ok(report) => {
                for n in &report.notices {
                    self.sink.event(&Event::Notice { message: n.clone() });
                }
                let mut all = plan_warnings.to_vec();
                all.extend(report.warnings.iter().cloned());
                for w in &report.warnings {
                    self.sink.event(&Event::Warning {
                        input: Some(clip.input.clone()),
                        message: w.clone(),
                        count: 1,
                        clips: 1,
                    });
                }
                if strict(self.opts, clip) && !report.warnings.is_empty() {
                    let _ = std::fs::remove_file(&clip.output);
                    if let Some(c) = &plan.cover {
                        let _ = std::fs::remove_file(&c.path);
                    }
                    let e = ClipError::Strict {
                        input: clip.input.clone(),
                        warnings: report.warnings.clone(),
                    };
                    failed(clip, e, all)
                } else {
                    let mut o = Outcome::new(
                        clip.index,
                        clip.input.clone(),
                        clip.output.clone(),
                        Status::Ok,
                    );
                    o.duration = Some(report.duration);
                    o.frames = Some(report.frames);
                    o.render_seconds = Some(report.render_seconds);
                    o.loudness = report.loudness;
                    o.warnings = all;
                    o.trim = Some(plan.trim());
                    o
                }
            }
            Err(e) => failed(clip, ClipError::Render(e), plan_warnings.to_vec()),
        };
        if let (Some(dir), Ok(c), Status::Ok) = (&self.opts.review, complete, outcome.status) {
            match self.renderer.review(c, dir, cover.as_ref()) {
                Ok(r) => outcome.review = r.map(Box::new),
                Err(e) => outcome.warnings.push(review_failed(clip, &e)),
            }
        }
        outcome.plan = Some(Arc::new(plan.clone()));
        outcome.cover = cover;
        outcome
    }
}

/// The warning for a review sheet that could not be made.
fn review_failed(clip: &Clip, e: &RenderError) -> String {
    format!(
        "{}: the review sheet could not be made: {}",
        clip.input.display(),
        error_chain(e)
    )
}

/// The batch's summary: every clip's outcome in batch order (a clip never reached is not
/// started), the counts, and every warning told.
fn summarise(
    clips: &[Clip],
    outcomes: Vec<Option<Outcome>>,
    mut warning_count: usize,
    started: Instant,
    stop: &Stop,
    opts: &BatchOptions,
) -> Summary {
    let mut summary = Summary {
        seconds: started.elapsed().as_secs_f64(),
        interrupted: !stop.may_start(),
        dry_run: opts.dry_run,
        ..Summary::default()
    };
    for (pos, o) in outcomes.into_iter().enumerate() {
        let o = o.unwrap_or_else(|| {
            let c = &clips[pos];
            Outcome::new(
                c.index,
                c.input.clone(),
                c.output.clone(),
                Status::NotStarted,
            )
        });
        match o.status {
            Status::Ok => summary.rendered += 1,
            Status::Skipped => summary.skipped += 1,
            Status::Failed => summary.failed += 1,
            Status::NotStarted => summary.not_started += 1,
        }
        warning_count += o.warnings.len();
        summary.outcomes.push(o);
    }
    summary.warnings = warning_count;
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_warning_names_the_estimate_and_what_fits() {
        assert_eq!(memory_warning(2, 300, 4096), None);
        let w = memory_warning(32, 300, 4096).unwrap();
        assert!(w.contains("--jobs 32"), "{w}");
        assert!(
            w.contains("300 MiB") && w.contains("9.4 GiB") && w.contains("4.0 GiB"),
            "{w}"
        );
        assert!(w.ends_with("--jobs 9 fits"), "{w}");
    }

    #[test]
    fn auto_jobs_never_exceeds_clips_or_memory() {
        assert_eq!(auto_jobs(1, 300, Some(100_000)), 1);
        assert_eq!(auto_jobs(64, 300, Some(500)), 1);
        assert!(auto_jobs(64, 300, None) >= 1);
    }
}

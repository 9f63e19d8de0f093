//! The terminal: progress bars (indicatif) and human lines on standard error, and dry-run
//! plans as text on standard output. Only this module knows about terminals.

use super::{duration_text, eprint_line, fps_text, Out};
use crate::batch::{Event, Outcome, Sink, Status, Summary, WouldDo};
use crate::model::count as counted;
use crate::plan::{RenderPlan, Role};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How the terminal sink behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// Only errors (and the Ctrl-C acknowledgement).
    pub quiet: bool,
    /// Progress bars (standard error is a terminal).
    pub bars: bool,
    /// Print dry-run plans as text on standard output (not with `--json`).
    pub plans: bool,
}

/// Longest label beside a bar.
const LABEL_MAX: usize = 36;
/// How often a bar's speed and ETA text changes.
const MESSAGE_EVERY_MS: u128 = 300;
/// How long frames must have been coming before a speed (and an ETA from it) is shown.
const RATE_AFTER_S: f64 = 1.0;

/// What a reel's bar shows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A measuring pass, in percent.
    Pass(crate::analyse::progress::Pass),
    /// Frames encoded.
    Frames,
}

struct Bar {
    bar: ProgressBar,
    mode: Option<Mode>,
    last_message: Instant,
    /// When the first frames were told, and how many: where the speed is measured from.
    first_frames: Option<(Instant, u64)>,
    /// Made for a pass before the reel started rendering (cleared when the pass ends).
    early: bool,
}

#[derive(Default)]
struct State {
    labels: HashMap<usize, String>,
    width: usize,
    bars: HashMap<usize, Bar>,
    overall: Option<ProgressBar>,
    frames_total: u64,
    frames_done: HashMap<usize, u64>,
    first_frames: Option<(Instant, u64)>,
    part: Option<String>,
}

/// The terminal sink.
pub struct Human {
    opts: HumanOptions,
    out: Arc<Out>,
    multi: Option<MultiProgress>,
    state: Mutex<State>,
}

/// The speed and time left, once there is a speed: frames must have been coming for
/// [`RATE_AFTER_S`] since `first` (seconds since the first frames were told, and how many
/// there were) and have moved since. None before (no ETA from a guess).
pub fn rate_text(done: u64, total: u64, first: Option<(f64, u64)>) -> Option<String> {
    let (secs, at_first) = first?;
    if secs < RATE_AFTER_S || done <= at_first {
        return None;
    }
    let fps = (done - at_first) as f64 / secs;
    let eta = total.saturating_sub(done) as f64 / fps;
    Some(format!("{}, ETA {}", fps_text(fps), duration_text(eta)))
}

/// Labels for the reels of a batch: the clip (its file name, with folders added until
/// clips are told apart) and the platform (`IMG_0412.MOV · tiktok`); reels still alike
/// (stories parts, a clip listed twice) by their output's name. Control characters are
/// shown escaped.
pub fn reel_labels(reels: &[crate::batch::ReelRef]) -> Vec<String> {
    // Each clip once (several presets of one clip are one clip).
    let mut inputs: Vec<&Path> = Vec::new();
    let mut place: HashMap<&Path, usize> = HashMap::new();
    for r in reels {
        place.entry(r.input.as_path()).or_insert_with(|| {
            inputs.push(&r.input);
            inputs.len() - 1
        });
    }
    let names = distinct_labels(&inputs);
    let clips: Vec<&String> = reels
        .iter()
        .map(|r| &names[place[r.input.as_path()]])
        .collect();
    let mut labels: Vec<String> = clips
        .iter()
        .zip(reels)
        .map(|(c, r)| format!("{c} · {}", r.preset))
        .collect();
    let mut count: HashMap<String, usize> = HashMap::new();
    for l in &labels {
        *count.entry(l.clone()).or_default() += 1;
    }
    for (l, (c, r)) in labels.iter_mut().zip(clips.iter().zip(reels)) {
        if count[l.as_str()] > 1 {
            let name = r
                .output
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| r.output.display().to_string());
            *l = format!("{c} → {name}");
        }
    }
    labels
        .into_iter()
        .map(|l| super::terminal_safe_line(&l).into_owned())
        .collect()
}

/// Labels for inputs: the file name, with parent folders added until every label is unique.
pub fn distinct_labels(inputs: &[&Path]) -> Vec<String> {
    let parts: Vec<Vec<String>> = inputs
        .iter()
        .map(|p| {
            p.components()
                .rev()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .collect();
    let label = |i: usize, depth: usize| -> String {
        let mut v: Vec<&str> = parts[i].iter().take(depth).map(String::as_str).collect();
        v.reverse();
        v.join("/")
    };
    let mut depth = vec![1usize; inputs.len()];
    for _ in 0..8 {
        let labels: Vec<String> = (0..inputs.len()).map(|i| label(i, depth[i])).collect();
        let mut count: HashMap<&str, usize> = HashMap::new();
        for l in &labels {
            *count.entry(l.as_str()).or_default() += 1;
        }
        let mut changed = false;
        for i in 0..inputs.len() {
            if count[labels[i].as_str()] > 1 && depth[i] < parts[i].len() {
                depth[i] += 1;
                changed = true;
            }
        }
        if !changed {
            return labels;
        }
    }
    (0..inputs.len()).map(|i| label(i, depth[i])).collect()
}

/// `label` in at most `max` characters, cut at the front ("…" + the end, which holds the name).
fn fit(label: &str, max: usize) -> String {
    let n = label.chars().count();
    if n <= max {
        return label.to_string();
    }
    let tail: String = label.chars().skip(n - (max - 1)).collect();
    format!("…{tail}")
}

impl Human {
    /// A terminal sink; dry-run plans go to `out`.
    pub fn new(out: Arc<Out>, opts: HumanOptions) -> Human {
        let multi = opts
            .bars
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Human {
            opts,
            out,
            multi,
            state: Mutex::new(State::default()),
        }
    }

    /// Prints a line above the bars (or on standard error when there are none). Control
    /// characters (from a file name) are shown escaped, never sent to the terminal.
    pub fn line(&self, msg: &str) {
        match &self.multi {
            Some(m) if !m.is_hidden() => {
                if m.println(super::terminal_safe(msg)).is_err() {
                    eprint_line(msg);
                }
            }
            _ => eprint_line(msg),
        }
    }

    /// Prints a line unless quiet.
    pub fn say(&self, msg: &str) {
        if !self.opts.quiet {
            self.line(msg);
        }
    }

    /// Names every reel of the batch (what its bar is labelled by).
    fn batch(&self, reels: &[crate::batch::ReelRef]) {
        let labels = reel_labels(reels);
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        st.width = labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .min(LABEL_MAX);
        let width = st.width;
        for (r, l) in reels.iter().zip(labels) {
            st.labels.insert(r.index, fit(&l, width));
        }
    }

    fn rendering(&self, reels: &[(usize, PathBuf)], frames: &[u64], jobs: usize, threads: usize) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        // Reels the batch did not name (a compilation): by their file.
        if reels.iter().any(|r| !st.labels.contains_key(&r.0)) {
            let inputs: Vec<&Path> = reels.iter().map(|r| r.1.as_path()).collect();
            let labels: Vec<String> = distinct_labels(&inputs)
                .iter()
                .map(|l| super::terminal_safe_line(l).into_owned())
                .collect();
            st.width = st
                .width
                .max(labels.iter().map(|l| l.chars().count()).max().unwrap_or(0))
                .min(LABEL_MAX);
            let width = st.width;
            for ((index, _), l) in reels.iter().zip(labels) {
                st.labels.entry(*index).or_insert_with(|| fit(&l, width));
            }
        }
        let width = st.width;
        st.frames_total = frames.iter().sum();
        if let Some(m) = &self.multi {
            if reels.len() > 1 {
                let b = m.add(ProgressBar::new(reels.len() as u64));
                b.set_style(
                    ProgressStyle::with_template(&format!(
                        "{{prefix:<{width}.bold}} [{{wide_bar}}] {{pos}}/{{len}} reels {{msg}}"
                    ))
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                b.set_prefix("batch");
                st.overall = Some(b);
            }
        }
        drop(st);
        if jobs > 1 {
            self.say(&format!(
                "failreel: rendering {}, {jobs} at a time ({} each)",
                counted(reels.len() as u64, "reel"),
                counted(threads as u64, "codec thread")
            ));
        }
    }

    /// The bar of reel `index`, made when missing (`early`: before the reel starts).
    fn bar<'s>(&self, st: &'s mut State, index: usize, early: bool) -> Option<&'s mut Bar> {
        let m = self.multi.as_ref()?;
        if !st.bars.contains_key(&index) {
            let at = usize::from(st.overall.is_some());
            let b = m.insert_from_back(at, ProgressBar::new(1));
            b.set_prefix(st.labels.get(&index).cloned().unwrap_or_default());
            st.bars.insert(
                index,
                Bar {
                    bar: b,
                    mode: None,
                    last_message: Instant::now(),
                    first_frames: None,
                    early,
                },
            );
        }
        st.bars.get_mut(&index)
    }

    fn set_mode(&self, b: &mut Bar, mode: Mode, width: usize, len: u64) {
        if b.mode == Some(mode) {
            return;
        }
        let template = match mode {
            Mode::Pass(_) => {
                format!("{{prefix:<{width}}} [{{wide_bar}}] {{percent:>3}}% {{msg}}")
            }
            Mode::Frames => {
                format!("{{prefix:<{width}}} [{{wide_bar}}] {{pos:>5}}/{{len}} frames {{msg}}")
            }
        };
        b.bar.set_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.bar.set_length(len.max(1));
        b.bar.set_position(0);
        b.bar.set_message(match mode {
            Mode::Pass(p) => p.label().to_string(),
            Mode::Frames => String::new(),
        });
        b.mode = Some(mode);
    }

    fn started(&self, index: usize, frames: u64) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let width = st.width;
        if let Some(b) = self.bar(&mut st, index, false) {
            b.early = false;
            self.set_mode(b, Mode::Frames, width, frames);
        }
    }

    /// A measuring pass of reel `index` is this far: its bar shows the pass by name.
    fn pass(&self, index: usize, pass: crate::analyse::progress::Pass, done: f64) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let width = st.width;
        let over = done >= 1.0;
        let Some(b) = self.bar(&mut st, index, true) else {
            return;
        };
        self.set_mode(b, Mode::Pass(pass), width, 1000);
        b.bar.set_position((done.clamp(0.0, 1.0) * 1000.0) as u64);
        if over && b.early {
            // A pass before the reel's render (finding the moment while planning): its bar
            // goes with it.
            if let Some(b) = st.bars.remove(&index) {
                b.bar.finish_and_clear();
            }
        }
    }

    /// A compilation moved on to part `part` of `parts` (0: the title).
    fn part(&self, index: usize, part: usize, parts: usize, input: Option<&Path>) {
        let text = match input {
            Some(i) if part > 0 => format!(
                "part {part}/{parts}: {}",
                super::terminal_safe_line(
                    &i.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )
            ),
            _ => "title".to_string(),
        };
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        st.part = Some(text.clone());
        if let Some(b) = st.bars.get(&index) {
            if b.mode == Some(Mode::Frames) {
                b.bar.set_message(text);
            }
        }
    }

    fn progress(&self, index: usize, done: u64, total: u64) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        st.frames_done.insert(index, done);
        let all_done: u64 = st.frames_done.values().sum();
        let frames_total = st.frames_total;
        let width = st.width;
        let now = Instant::now();
        if st.first_frames.is_none() {
            st.first_frames = Some((now, all_done));
        }
        let overall_first = st.first_frames;
        let part = st.part.clone();
        let mut refresh = false;
        if let Some(b) = self.bar(&mut st, index, false) {
            self.set_mode(b, Mode::Frames, width, total);
            b.bar.set_position(done);
            if b.first_frames.is_none() {
                b.first_frames = Some((now, done));
            }
            if b.last_message.elapsed().as_millis() >= MESSAGE_EVERY_MS {
                b.last_message = now;
                refresh = true;
                let first = b
                    .first_frames
                    .map(|(t, n)| (now.duration_since(t).as_secs_f64(), n));
                let rate = rate_text(done, total, first);
                let msg = match (part, rate) {
                    (Some(p), Some(r)) => format!("{p}, {r}"),
                    (Some(p), None) => p,
                    (None, Some(r)) => r,
                    (None, None) => String::new(),
                };
                b.bar.set_message(msg);
            }
        }
        if refresh {
            if let Some(o) = &st.overall {
                let first = overall_first.map(|(t, n)| (now.duration_since(t).as_secs_f64(), n));
                if let Some(r) = rate_text(all_done, frames_total, first) {
                    // The overall line's ETA only (its speed is the sum of the reels').
                    o.set_message(r.split(", ").last().unwrap_or_default().to_string());
                }
            }
        }
    }

    fn finished(&self, o: &Outcome) {
        if let Ok(mut st) = self.state.lock() {
            if let Some(b) = st.bars.remove(&o.index) {
                b.bar.finish_and_clear();
            }
            if let Some(f) = o.frames {
                st.frames_done.insert(o.index, f);
            }
            if let Some(b) = &st.overall {
                b.inc(1);
            }
        }
        // The still written beside the reel, if one was.
        let still = o
            .cover
            .as_ref()
            .map(|c| format!("; cover {}", c.path.display()))
            .unwrap_or_default();
        match o.status {
            Status::Ok => self.say(&format!(
                "rendered {} -> {} ({:.2} s reel, {}, in {:.1} s){still}",
                shown_input(o),
                o.output.display(),
                o.duration.map(|d| d.as_secs_f64()).unwrap_or(0.0),
                counted(o.frames.unwrap_or(0), "frame"),
                o.render_seconds.unwrap_or(0.0)
            )),
            Status::Skipped => self.say(&format!(
                "up to date: {} (use --force to render again){}",
                o.output.display(),
                if still.is_empty() {
                    String::new()
                } else {
                    format!("{still} written")
                }
            )),
            Status::Failed => self.line(&format!(
                "failreel: error: {}",
                o.error_text().unwrap_or_default()
            )),
            Status::NotStarted => {}
        }
    }

    fn summary(&self, s: &Summary) {
        if let Ok(mut st) = self.state.lock() {
            if let Some(b) = st.overall.take() {
                b.finish_and_clear();
            }
            for (_, b) in st.bars.drain() {
                b.bar.finish_and_clear();
            }
        }
        let n = s.outcomes.len();
        if n == 0 && !s.interrupted {
            // Only a shard can select no clip at all: say so rather than print nothing.
            if !self.opts.quiet {
                self.line(
                    "failreel: no clip to render in this run (with --shard I/N, clip k is rendered by shard k mod N)",
                );
            }
            return;
        }
        if s.dry_run {
            let would_skip = s.skipped;
            if n > 1 && !self.opts.quiet {
                self.line(&format!(
                    "failreel: dry run: {} to render, {would_skip} up to date, {} failed",
                    s.rendered, s.failed
                ));
            }
        } else if !self.opts.quiet && (n > 1 || s.failed > 0 || s.not_started > 0) {
            let mut line = format!(
                "failreel: {} rendered, {} skipped, {} failed",
                s.rendered, s.skipped, s.failed
            );
            // Reels a second Ctrl-C cancelled count as not started (nothing of them is left);
            // said as what happened to them.
            let cancelled = s
                .outcomes
                .iter()
                .filter(|o| {
                    o.status == Status::NotStarted && o.reason.as_deref() == Some("cancelled")
                })
                .count();
            if s.not_started > cancelled {
                line.push_str(&format!(", {} not started", s.not_started - cancelled));
            }
            if cancelled > 0 {
                line.push_str(&format!(", {cancelled} cancelled"));
            }
            line.push_str(&format!(" in {}", duration_text(s.seconds)));
            self.line(&line);
            // The recap of failures is for batches, where an error may have scrolled away;
            // one reel's error was said just above.
            for o in s.failures().filter(|_| n > 1) {
                let input = o.input.display().to_string();
                let error = o.error_text().unwrap_or_default();
                if error.starts_with(&input) {
                    self.line(&format!("  failed: {error}"));
                } else {
                    self.line(&format!("  failed: {input}: {error}"));
                }
            }
        }
        if s.interrupted {
            self.line("failreel: interrupted");
        }
    }
}

impl Sink for Human {
    fn event(&self, event: &Event) {
        match event {
            Event::Rendering {
                reels,
                frames,
                jobs,
                threads,
            } => self.rendering(reels, frames, *jobs, *threads),
            Event::Batch { reels } => self.batch(reels),
            Event::Started { index, frames, .. } => self.started(*index, *frames),
            Event::Pass {
                index, pass, done, ..
            } => self.pass(*index, *pass, *done),
            Event::Part {
                index,
                part,
                parts,
                input,
            } => self.part(*index, *part, *parts, input.as_deref()),
            Event::Progress {
                index, done, total, ..
            } => self.progress(*index, *done, *total),
            Event::Warning {
                input,
                message,
                count,
                clips,
            } => {
                let mut line = String::from("failreel: warning: ");
                if let Some(i) = input {
                    // Once: a message that already names its file (the render's own
                    // warnings do, for a compilation's parts) is not prefixed again.
                    let name = format!("{}: ", i.display());
                    if *clips > 1 {
                        // Said of every clip that raised it, not of the first alone.
                        line.push_str(&format!(
                            "{} and {}: ",
                            i.display(),
                            counted(*clips as u64 - 1, "other clip")
                        ));
                    } else if !message.starts_with(&name) {
                        line.push_str(&name);
                    }
                }
                line.push_str(message);
                if *count > 1 && *count != *clips {
                    line.push_str(&format!(" ({})", counted(*count as u64, "reel")));
                }
                self.say(&line)
            }
            Event::Notice { message } => self.say(message),
            Event::Plan { plan, would, .. } => {
                if self.opts.plans {
                    self.out
                        .write(&super::terminal_safe(&plan_text(plan, *would)));
                }
            }
            Event::CompilePlan { plan, would } => {
                if self.opts.plans {
                    self.out
                        .write(&super::terminal_safe(&compile_plan_text(plan, *would)));
                }
            }
            Event::Finished(o) => self.finished(o),
            Event::Summary(s) => self.summary(s),
        }
    }

    fn closed(&self) -> bool {
        self.opts.plans && self.out.closed()
    }
}

/// Where a crop path's window is, each time it changes: "at (146, 0) from 0.000 s".
fn window_moves(path: &[crate::plan::CropKey]) -> Vec<String> {
    let mut moves = Vec::new();
    let mut last = None;
    for k in path {
        if last != Some(k.rect) {
            moves.push(format!(
                "at ({}, {}) from {}",
                k.rect.x,
                k.rect.y,
                secs(k.t)
            ));
            last = Some(k.rect);
        }
    }
    moves
}

/// A still's plan as people read it: "x.jpg (1080x1920): the sharpest of 9 frames around
/// 2.500 s, headline \"Burnt\"" (the times on the reel the still comes from).
fn still_text(c: &crate::plan::cover::CoverPlan) -> String {
    format!(
        "{} ({}x{}): the sharpest of {} around {}{}",
        c.path.display(),
        c.width,
        c.height,
        counted(c.candidates.len() as u64, "frame"),
        secs(c.moment),
        c.headline
            .as_ref()
            .map(|h| format!(", headline {:?}", h.text))
            .unwrap_or_default()
    )
}

fn secs(m: crate::model::time::Micros) -> String {
    format!("{:.3} s", m.as_secs_f64())
}

/// A compilation's plan as people read it: the title, the join, then each part's plan.
pub fn compile_plan_text(plan: &crate::plan::compile::CompilePlan, would: WouldDo) -> String {
    let fps = plan.fps.max(1) as f64;
    let mut s = format!(
        "compilation -> {}{}\n",
        plan.output.display(),
        match would {
            WouldDo::SkipUpToDate => "   (would skip: up to date)",
            WouldDo::Render => "",
        }
    );
    s.push_str(&format!("  preset    {}\n", plan.preset));
    s.push_str(&format!(
        "  length    {:.3} s ({} at {} fps): title {:.1} s, {}, {:.1} s crossfades\n",
        plan.frames as f64 / fps,
        counted(plan.frames, "frame"),
        plan.fps,
        plan.title_frames as f64 / fps,
        counted(plan.parts.len() as u64, "part"),
        plan.transition_frames as f64 / fps
    ));
    match (&plan.cold_open, &plan.cold_open_note) {
        (Some(c), _) => s.push_str(&format!(
            "  opens on  part {} from {} ({:.1} s): {}\n",
            c.hook.part + 1,
            secs(c.plan.trim().start),
            c.frames as f64 / fps,
            c.hook.why
        )),
        (None, Some(note)) => s.push_str(&format!("  opens on  part 1: {note}\n")),
        (None, None) => {}
    }
    if !plan.title.is_empty() {
        s.push_str(&format!(
            "  title     \"{}\" over part 1's opening, blurred\n",
            plan.title
        ));
    }
    if let Some((part, c)) = plan
        .cover
        .as_ref()
        .and_then(|c| Some((c.part, c.plan.cover.as_ref()?)))
    {
        s.push_str(&format!(
            "  cover     {} from part {}\n",
            still_text(c),
            part + 1
        ));
    }
    s.push_str(&format!(
        "  encoder   x264 {} crf {}, loudness {}\n",
        plan.encoder.preset, plan.encoder.crf, plan.loudness
    ));
    for (k, p) in plan.parts.iter().enumerate() {
        s.push_str(&format!("part {}: ", k + 1));
        s.push_str(&plan_text(p, WouldDo::Render));
    }
    s
}

/// A plan as people read it: names and seconds, no raw microseconds or long floats.
pub fn plan_text(plan: &RenderPlan, would: WouldDo) -> String {
    let v = &plan.video;
    let mut s = format!(
        "{} -> {}{}\n",
        plan.input().display(),
        plan.output().display(),
        match would {
            WouldDo::SkipUpToDate => "   (would skip: up to date)",
            WouldDo::Render => "",
        }
    );
    s.push_str(&format!("  preset    {}\n", plan.preset_name()));
    s.push_str(&format!(
        "  trim      {} to {} ({}, {} at {} fps)\n",
        secs(plan.trim().start),
        secs(plan.trim().end),
        secs(plan.trim().duration()),
        counted(v.frames, "frame"),
        v.fps
    ));
    // The reel's real length: the footage and, with --replay, the replay after it.
    let total = plan.reel_frames();
    match &plan.replay {
        Some(_) => s.push_str(&format!(
            "  length    {} ({}): {} of footage and {} of replay\n",
            secs(plan.frame_time(total)),
            counted(total, "frame"),
            secs(plan.frame_time(v.frames)),
            secs(plan.frame_time(total - v.frames))
        )),
        None => s.push_str(&format!(
            "  length    {} ({})\n",
            secs(plan.frame_time(total)),
            counted(total, "frame")
        )),
    }
    moment_lines(plan, &mut s);
    picture_lines(plan, &mut s);
    card_lines(plan, &mut s);
    replay_lines(plan, &mut s);
    encoder_and_sound_lines(plan, &mut s);
    if let Some(c) = &plan.cover {
        let what = match c.kind {
            crate::plan::cover::CoverKind::Cover => "cover",
            crate::plan::cover::CoverKind::Thumbnail => "thumbnail",
        };
        s.push_str(&format!("  {what:<9} {}\n", still_text(c)));
    }
    for w in &plan.warnings {
        s.push_str(&format!("  warning   {w}\n"));
    }
    s
}

/// The `moment` line of a plan whose start was `--start auto`.
fn moment_lines(plan: &RenderPlan, s: &mut String) {
    if let Some(a) = &plan.auto_start {
        match a.moment_s {
            Some(m) => s.push_str(&format!(
                "  moment    {} in the clip{}{}: --start auto put it {} into the reel\n",
                secs(crate::model::time::Micros::from_secs_f64(m)),
                if a.why.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", a.why.join(", "))
                },
                a.score
                    .map(|x| format!(", score {x:.2}"))
                    .unwrap_or_default(),
                secs(crate::model::time::Micros::from_secs_f64(m) - plan.trim().start)
            )),
            None => s.push_str(
                "  moment    nothing stood out: --start auto starts at the clip's start\n",
            ),
        }
    }
}

/// The picture's lines: the turn, crop and scale, where a `--focus` list moves the window, the
/// reframe pass's shots, the fit and the colour conversion.
fn picture_lines(plan: &RenderPlan, s: &mut String) {
    let v = &plan.video;
    let rotate = if v.rotation != 0 {
        format!("rotate {}°, ", v.rotation)
    } else {
        String::new()
    };
    s.push_str(&format!(
        "  picture   {rotate}crop {}x{} at ({}, {}) of {}x{}, scale to {}x{}\n",
        v.crop().width,
        v.crop().height,
        v.crop().x,
        v.crop().y,
        v.rotated_size.0,
        v.rotated_size.1,
        v.width,
        v.height,
    ));
    // A `--focus` list without `auto`: where the window moves (the line above is its first).
    if v.reframe.is_none() {
        let moves = window_moves(&v.crop_path);
        if moves.len() > 1 {
            s.push_str(&format!("  window    {}\n", moves.join(", ")));
        }
    }
    if let Some(r) = &v.reframe {
        let shots: Vec<String> = r
            .shots
            .iter()
            .map(|sh| {
                format!(
                    "{} from {}",
                    serde_json::to_value(sh.camera)
                        .unwrap_or_default()
                        .as_str()
                        .unwrap_or("?"),
                    secs(sh.start)
                )
            })
            .collect();
        let people = r.subjects.iter().filter(|s| !s.faces.is_empty()).count();
        s.push_str(&format!(
            "  focus     auto: {}; shots: {}{}\n",
            counted(v.crop_path.len() as u64, "window key"),
            if shots.is_empty() {
                "not analysed".to_string()
            } else {
                shots.join(", ")
            },
            if people > 0 {
                format!("; faces seen at {}", counted(people as u64, "sample"))
            } else {
                String::new()
            }
        ));
        if !r.fixed.is_empty() {
            let yours: Vec<String> = r
                .fixed
                .iter()
                .map(|f| {
                    format!(
                        "at ({}, {}) {}-{}",
                        f.rect.x,
                        f.rect.y,
                        secs(f.start),
                        secs(f.end)
                    )
                })
                .collect();
            s.push_str(&format!(
                "  focus     yours: {}; the pass decides the rest\n",
                yours.join(", ")
            ));
        }
    }
    if let Some(f) = &v.fit {
        s.push_str(&format!(
            "  fit       picture {} px wide, sides filled with {}\n",
            f.width, f.fill
        ));
    }
    s.push_str(&format!(
        "  colour    {} {} range, {} -> BT.709 limited SDR\n",
        match v.color {
            crate::plan::ColorPath::Sdr { matrix, .. } => format!("{matrix:?}").to_lowercase(),
            _ => "bt2020".to_string(),
        },
        match v.color {
            crate::plan::ColorPath::Sdr { full_range, .. }
            | crate::plan::ColorPath::Hlg { full_range }
            | crate::plan::ColorPath::Pq { full_range } => {
                if full_range {
                    "full"
                } else {
                    "limited"
                }
            }
        },
        v.color.transfer_name().to_uppercase()
    ));
}

/// The look's line, then a line per card, caption and text on the picture.
fn card_lines(plan: &RenderPlan, s: &mut String) {
    if let Some(l) = &plan.look {
        s.push_str(&format!(
            "  look      {}, text {} ({:.0} px, headings {:.0} px), accent {}{}\n",
            l.look.as_deref().unwrap_or("the preset's own style"),
            l.text_size,
            plan.card_style.body_size,
            plan.card_style.heading_size,
            l.accent,
            l.handle
                .as_ref()
                .map(|h| format!(", handle {h}"))
                .unwrap_or_default()
        ));
    }
    for c in &plan.overlays {
        let kind = match c.role {
            Role::WentWrong => "went-wrong",
            Role::Lesson => "lesson",
            Role::Caption => {
                s.push_str(&format!(
                    "  caption   from {} to {}: {:?}\n",
                    secs(c.at),
                    secs(c.until),
                    c.text
                ));
                continue;
            }
            Role::Number | Role::ReplayTag | Role::Title | Role::Headline | Role::Handle => {
                // Where it is: a part's number stays there for the whole part.
                s.push_str(&format!(
                    "  text      {:?} at {},{} ({}x{} px) from {} to {}\n",
                    c.text,
                    c.rect.x,
                    c.rect.y,
                    c.rect.width,
                    c.rect.height,
                    secs(c.at),
                    secs(c.until)
                ));
                continue;
            }
        };
        s.push_str(&format!(
            "  card      {kind} from {} to {}, {} in {} / out {}: {:?}\n",
            secs(c.at),
            secs(c.until),
            c.animation.as_str(),
            secs(c.in_length),
            secs(c.out_length),
            c.text
        ));
    }
}

/// The replay's line.
fn replay_lines(plan: &RenderPlan, s: &mut String) {
    if let Some(r) = &plan.replay {
        let zoom = match r.zoom.last() {
            Some(k) if k.scale < 1.0 => format!(
                ", pushing in to a window {:.0}% smaller toward {}",
                (1.0 - k.scale) * 100.0,
                match r.zoom_on.as_deref() {
                    Some(on) => format!(
                        "the {} at {:.0}%, {:.0}% of the frame",
                        if on == "people" { "face" } else { "subject" },
                        r.zoom_centre[0] * 100.0,
                        r.zoom_centre[1] * 100.0
                    ),
                    None => "the window's centre".to_string(),
                }
            ),
            _ => String::new(),
        };
        s.push_str(&format!(
            "  replay    {} to {} of the clip again at {}x from {} ({}), sound {}{zoom}{}\n",
            secs(r.source_from),
            secs(r.source_to),
            r.speed,
            secs(r.reel_at),
            counted(r.frames, "frame"),
            match r.sound {
                crate::plan::ReplaySound::Atempo => "slowed with its pitch kept (atempo)",
                crate::plan::ReplaySound::Silent => "silent (the clip has none)",
            },
            if r.hold_frames > 0 {
                format!("; last frame held {}", counted(r.hold_frames, "frame"))
            } else {
                String::new()
            }
        ));
    }
}

/// The encoder's line, the sound's, and the loudness measured.
fn encoder_and_sound_lines(plan: &RenderPlan, s: &mut String) {
    let e = &plan.encoder();
    s.push_str(&format!(
        "  encoder   {} {} level {}, crf {}, preset {}, keyframe every {}; {} {} Hz {} kbit/s\n",
        e.video_codec,
        e.profile,
        e.level,
        e.crf,
        e.preset,
        counted(e.keyframe_interval, "frame"),
        e.audio_codec,
        e.sample_rate,
        e.audio_bitrate_kbps
    ));
    let audio = match plan.audio.stream {
        Some(i) => format!(
            "stream {i}, starts {} {} the picture",
            secs(crate::model::time::Micros(plan.audio.source_offset.0.abs())),
            if plan.audio.source_offset.0 < 0 {
                "before"
            } else {
                "after"
            }
        ),
        None => "none: silent track".into(),
    };
    let loudness = match (&plan.audio.loudness, &plan.audio.normalisation) {
        // Silent (or undecodable) sound: nothing is normalised; the loudness line says so.
        (Some(_), crate::plan::Normalisation::Unchanged) => String::new(),
        (Some(l), _) => format!(
            "; normalised to {:.1} LUFS, peaks under {:.1} dBTP",
            l.lufs, l.true_peak_dbtp
        ),
        (None, _) => String::new(),
    };
    s.push_str(&format!("  audio     {audio}{loudness}\n"));
    match plan.audio.normalisation {
        crate::plan::Normalisation::Gain(l) => s.push_str(&format!(
            "  loudness  measured {:.1} LUFS (peak {:.1} dBTP){}: gain {:+.1} dB, limited at {:.1} dBFS\n",
            l.measured_lufs,
            l.measured_true_peak_dbtp,
            plan.audio
                .measure_over
                .map(|w| format!(
                    " over the whole clip ({} to {}), the same for every part",
                    secs(w.start),
                    secs(w.end)
                ))
                .unwrap_or_default(),
            l.gain_db,
            l.ceiling_dbfs
        )),
        crate::plan::Normalisation::Unchanged => s.push_str(
            "  loudness  nothing to measure (the sound is silent or cannot be decoded): left as it is, not normalised\n",
        ),
        _ => {}
    }
}

/// What a finished line names as the reel's source: the clip, or a compilation's parts
/// ("3 clips: a.mp4, b.mp4, c.mp4", the same clip as often as it is a part).
fn shown_input(o: &Outcome) -> String {
    if o.parts.is_empty() {
        return o.input.display().to_string();
    }
    let names: Vec<String> = o.parts.iter().map(|p| p.display().to_string()).collect();
    format!(
        "{}: {}",
        counted(o.parts.len() as u64, "clip"),
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compilation_is_named_by_its_parts_not_its_first_clip() {
        let mut o = Outcome::new(0, "a.mp4".into(), "c.mp4".into(), Status::Ok);
        assert_eq!(shown_input(&o), "a.mp4");
        o.parts = vec!["a.mp4".into(), "b.mp4".into(), "a.mp4".into()];
        assert_eq!(shown_input(&o), "3 clips: a.mp4, b.mp4, a.mp4");
    }

    #[test]
    fn inputs_sharing_a_file_name_get_their_folder_in_the_label() {
        let paths = [
            Path::new("week/x/IMG_0001.MOV"),
            Path::new("week/y/IMG_0001.MOV"),
            Path::new("week/y/other.mov"),
            Path::new("a/same/f.mp4"),
            Path::new("b/same/f.mp4"),
        ];
        assert_eq!(
            distinct_labels(&paths),
            vec![
                "x/IMG_0001.MOV",
                "y/IMG_0001.MOV",
                "other.mov",
                "a/same/f.mp4",
                "b/same/f.mp4"
            ]
        );
        // The same file twice (two presets) cannot be told apart by its path: no endless
        // loop, the whole path.
        let twice = [Path::new("raw/a.mp4"), Path::new("raw/a.mp4")];
        assert_eq!(distinct_labels(&twice), vec!["raw/a.mp4", "raw/a.mp4"]);
    }

    #[test]
    fn batch_rows_are_labelled_by_reel_clip_and_platform() {
        let r = |input: &str, output: &str, preset: &str| crate::batch::ReelRef {
            index: 0,
            input: PathBuf::from(input),
            output: PathBuf::from(output),
            preset: preset.into(),
        };
        let reels = [
            r("raw/a.mov", "reels/a.tiktok.mp4", "tiktok"),
            r("raw/a.mov", "reels/a.reels.mp4", "reels"),
            r("raw/long.mov", "reels/long.stories.1.mp4", "stories"),
            r("raw/long.mov", "reels/long.stories.2.mp4", "stories"),
            r("x/b.mov", "reels/b.tiktok.mp4", "tiktok"),
            r(
                "raw/\u{1b}[31mevil\n.mov",
                "reels/evil.tiktok.mp4",
                "tiktok",
            ),
        ];
        let labels = reel_labels(&reels);
        assert_eq!(
            labels[..5],
            [
                "a.mov · tiktok",
                "a.mov · reels",
                "long.mov → long.stories.1.mp4",
                "long.mov → long.stories.2.mp4",
                "b.mov · tiktok",
            ]
        );
        // Every label differs, and none carries a control character.
        for (i, a) in labels.iter().enumerate() {
            assert!(!a.chars().any(char::is_control), "{a:?}");
            assert!(labels[i + 1..].iter().all(|b| b != a), "{labels:?}");
        }
        assert_eq!(labels[5], "\\x1b[31mevil\\x0a.mov · tiktok");
    }

    #[test]
    fn no_eta_before_there_is_a_rate() {
        // No frames told yet, frames for less than a second, or none since: nothing.
        assert_eq!(rate_text(0, 300, None), None);
        assert_eq!(rate_text(40, 300, Some((0.4, 10))), None);
        assert_eq!(rate_text(10, 300, Some((2.0, 10))), None);
        // 60 frames in 2 s: 30 fps, 240 left, 8 s.
        assert_eq!(
            rate_text(70, 300, Some((2.0, 10))).as_deref(),
            Some("30 fps, ETA 7.7 s")
        );
    }

    #[test]
    fn long_labels_keep_their_end() {
        assert_eq!(fit("short.mov", 12), "short.mov");
        let cut = fit("a-very-long-folder-name/IMG_0001.MOV", 16);
        assert_eq!(cut.chars().count(), 16);
        assert!(
            cut.starts_with('…') && cut.ends_with("IMG_0001.MOV"),
            "{cut}"
        );
    }

    #[test]
    fn plans_show_the_up_to_date_marker() {
        let d = std::env::temp_dir().join("failreel-human-plan-test");
        let _ = std::fs::create_dir_all(&d);
        let input = d.join("clip.mp4");
        crate::batch::FakeRenderer::write_clip(&input, 4.0).unwrap();
        let info = crate::batch::executor::synthetic_info(
            &input,
            Default::default(),
            crate::model::time::Micros(4_000_000),
        );
        let preset = crate::config::preset::Preset::built_in("reels").unwrap();
        let plan =
            crate::plan::plan_reel(&info, &Default::default(), &preset, d.join("o.mp4")).unwrap();
        let text = plan_text(&plan, WouldDo::SkipUpToDate);
        assert!(
            text.lines()
                .next()
                .unwrap()
                .ends_with("(would skip: up to date)"),
            "{text}"
        );
        assert!(
            text.contains("trim      0.000 s to 4.000 s (4.000 s, 120 frames at 30 fps)"),
            "{text}"
        );
        assert!(!plan_text(&plan, WouldDo::Render).contains("would skip"));
    }
}

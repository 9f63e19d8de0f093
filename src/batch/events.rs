//! What a batch tells the world: typed events delivered to [`Sink`]s. The batch never formats
//! text or knows about terminals; the terminal, JSON Lines and (later) an HTML report are sinks.

use crate::model::time::Micros;
use crate::plan::RenderPlan;
use crate::render::Loudness;
use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

/// What happened to one clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Rendered.
    Ok,
    /// Up to date: not rendered again.
    Skipped,
    /// Failed (the error says why).
    Failed,
    /// Never started: the batch was interrupted (or its output closed) first.
    NotStarted,
}

/// The full result of one clip: everything a report needs.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Position in the batch (manifest order).
    pub index: usize,
    /// Input file (a compilation's first part).
    pub input: PathBuf,
    /// A compilation's parts in order (empty for a reel of one clip).
    pub parts: Vec<PathBuf>,
    /// Output file.
    pub output: PathBuf,
    /// What happened.
    pub status: Status,
    /// Why a clip was skipped ("up to date").
    pub reason: Option<String>,
    /// Reel duration (rendered reels).
    pub duration: Option<Micros>,
    /// Frames written (rendered reels).
    pub frames: Option<u64>,
    /// Wall time of the render, in seconds.
    pub render_seconds: Option<f64>,
    /// Loudness measured and the gain applied.
    pub loudness: Option<Loudness>,
    /// Every warning about this clip (planning and rendering).
    pub warnings: Vec<String>,
    /// Why the clip failed, with its whole source chain.
    pub error: Option<Arc<crate::batch::ClipError>>,
    /// The clip's plan, when it could be planned (preset, cards, cover: what a report shows).
    pub plan: Option<Arc<RenderPlan>>,
    /// The trim used, on the input's timeline (planned clips).
    pub trim: Option<crate::plan::Trim>,
    /// The still written beside the reel this run: the frame chosen and the best candidates.
    pub cover: Option<crate::render::cover::CoverReport>,
    /// The reel's review sheet (`--report`).
    pub review: Option<Box<crate::render::review::Review>>,
}

impl Outcome {
    /// An outcome with only the identity and status filled in.
    pub fn new(index: usize, input: PathBuf, output: PathBuf, status: Status) -> Outcome {
        Outcome {
            index,
            input,
            parts: Vec::new(),
            output,
            status,
            reason: None,
            duration: None,
            frames: None,
            render_seconds: None,
            loudness: None,
            warnings: Vec::new(),
            error: None,
            plan: None,
            trim: None,
            cover: None,
            review: None,
        }
    }

    /// The error as one line: the message and each cause (`X: caused by: Y`).
    pub fn error_text(&self) -> Option<String> {
        self.error.as_deref().map(|e| error_chain(e))
    }
}

/// An error and its sources on one line, `X: caused by: Y: caused by: Z`. A cause whose text
/// the message already contains is not repeated.
pub fn error_chain(e: &(dyn Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let msg = s.to_string();
        if !text.contains(&msg) {
            text.push_str(": caused by: ");
            text.push_str(&msg);
        }
        source = s.source();
    }
    text
}

/// The totals of a batch, and every per-clip outcome (in batch order).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Reels rendered.
    pub rendered: usize,
    /// Reels skipped as up to date.
    pub skipped: usize,
    /// Clips that failed.
    pub failed: usize,
    /// Clips never started (interrupted).
    pub not_started: usize,
    /// Warnings raised: every clip's, plus the batch's own (memory).
    pub warnings: usize,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Whether the user interrupted the batch.
    pub interrupted: bool,
    /// Whether this was a dry run (plans only).
    pub dry_run: bool,
    /// Every clip's outcome, in batch order.
    pub outcomes: Vec<Outcome>,
}

impl Summary {
    /// The failed outcomes.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.status == Status::Failed)
    }
}

/// What a dry run would do with a planned clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WouldDo {
    /// Render it.
    Render,
    /// Skip it: the reel is up to date.
    SkipUpToDate,
}

/// One reel of a batch as the terminal names it: its position, input, output and preset.
#[derive(Debug, Clone, PartialEq)]
pub struct ReelRef {
    /// Position in the batch.
    pub index: usize,
    /// Input.
    pub input: PathBuf,
    /// Output.
    pub output: PathBuf,
    /// The preset's name.
    pub preset: String,
}

/// One thing that happened in a batch.
#[derive(Debug, Clone)]
pub enum Event {
    /// The batch's reels, before anything runs (what the terminal labels its rows by).
    Batch {
        /// Every reel, in batch order.
        reels: Vec<ReelRef>,
    },
    /// A measuring pass of one reel is this far ("finding the moment"…).
    Pass {
        /// Position in the batch.
        index: usize,
        /// Input.
        input: PathBuf,
        /// Output.
        output: PathBuf,
        /// Which pass.
        pass: crate::analyse::progress::Pass,
        /// How far, 0 (begun) to 1 (over).
        done: f64,
    },
    /// A compilation moved on to its next part (or its title).
    Part {
        /// Position in the batch (the compilation: 0).
        index: usize,
        /// The part now rendered, from 1 (0: the title card).
        part: usize,
        /// Parts in all.
        parts: usize,
        /// The part's input (none for the title).
        input: Option<PathBuf>,
    },
    /// Rendering begins: which clips (index, input), how many at once, codec threads each.
    Rendering {
        /// The clips about to be rendered.
        reels: Vec<(usize, PathBuf)>,
        /// Frames of each clip, in the same order.
        frames: Vec<u64>,
        /// Reels rendered at once.
        jobs: usize,
        /// Codec threads per reel (0: libav's choice).
        threads: usize,
    },
    /// One reel started.
    Started {
        /// Position in the batch.
        index: usize,
        /// Input.
        input: PathBuf,
        /// Output.
        output: PathBuf,
        /// Frames the reel will have.
        frames: u64,
    },
    /// Frames of one reel encoded so far.
    Progress {
        /// Position in the batch.
        index: usize,
        /// Input.
        input: PathBuf,
        /// Frames done.
        done: u64,
        /// Frames in all.
        total: u64,
        /// Seconds since this reel started.
        elapsed: f64,
    },
    /// Something the user should know; `count` clips raised the same message.
    Warning {
        /// The (first) input concerned, if any.
        input: Option<PathBuf>,
        /// The message.
        message: String,
        /// How many reels raised it (a clip under two presets is two).
        count: usize,
        /// How many different clips raised it (1: only `input`).
        clips: usize,
    },
    /// A notice about the run itself (leftover temporaries removed…).
    Notice {
        /// The message.
        message: String,
    },
    /// A dry run's plan for one clip.
    Plan {
        /// The clip's place in the batch (as its [`Outcome::index`]).
        index: usize,
        /// The plan.
        plan: Box<RenderPlan>,
        /// What a real run would do.
        would: WouldDo,
    },
    /// A dry run's plan for a compilation.
    CompilePlan {
        /// The plan.
        plan: Box<crate::plan::compile::CompilePlan>,
        /// What a real run would do.
        would: WouldDo,
    },
    /// One clip is done (rendered, skipped or failed), with its full outcome.
    Finished(Box<Outcome>),
    /// The batch is over.
    Summary(Box<Summary>),
}

/// Receives a batch's events. Implementations must be cheap: `Progress` arrives per frame.
pub trait Sink: Sync {
    /// Handles one event.
    fn event(&self, event: &Event);
    /// Whether the sink can take no more (its reader went away): the batch then starts no
    /// further clip.
    fn closed(&self) -> bool {
        false
    }
}

/// A sink that drops everything.
pub struct NoSink;
impl Sink for NoSink {
    fn event(&self, _event: &Event) {}
}

/// Several sinks, each given every event in turn.
pub struct Tee<'a>(pub Vec<&'a dyn Sink>);
impl Sink for Tee<'_> {
    fn event(&self, event: &Event) {
        for s in &self.0 {
            s.event(event);
        }
    }
    fn closed(&self) -> bool {
        self.0.iter().any(|s| s.closed())
    }
}

/// A sink that keeps every event (for tests and reports).
#[derive(Default)]
pub struct Recorder(pub std::sync::Mutex<Vec<Event>>);
impl Sink for Recorder {
    fn event(&self, event: &Event) {
        if !matches!(event, Event::Progress { .. }) {
            if let Ok(mut v) = self.0.lock() {
                v.push(event.clone());
            }
        }
    }
}
impl Recorder {
    /// The events kept so far (progress excluded).
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

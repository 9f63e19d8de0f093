//! Executes a [`RenderPlan`] with libav: demux once, decode, pick frames for the constant
//! output rate by timestamp, rotate/crop/scale through a numeric-only filter graph, composite
//! the cards, encode H.264 + AAC and mux a fast-start MP4 under a temporary name that is
//! renamed into place only when complete.
//!
//! Text never enters the filter graph: cards are rasterised by [`crate::text::card`] and blended by
//! [`crate::text::composite`]. The picture runs as a pipeline (`pipeline.rs`): decode on the job's
//! thread, convert and composite on a second, encode on a third, so decoding and scaling
//! overlap with x264 instead of waiting for it.

mod audio;
pub mod compile;
mod compose;
pub mod cover;
mod moving;
pub mod output;
mod pipeline;
mod preview;
mod replay;
pub mod review;

pub use crate::media::{init_libav, RenderError};
pub use crate::plan::Loudness;
pub use cover::{write_cover, CoverChoice, CoverReport};
pub use preview::{preview, write_png};

use crate::model::time::Micros;
use crate::plan::{CompletePlan, RenderPlan};
use ffmpeg_next as ff;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Receives progress of one render. The library never knows about terminals.
pub trait Progress: Sync {
    /// The render will produce `total` frames.
    fn begin(&self, _total: u64) {}
    /// `done` frames are encoded so far.
    fn frames_done(&self, _done: u64) {}
    /// The render ended (successfully or not).
    fn end(&self) {}
}

/// How a render runs (not what it renders: nothing here changes the reel).
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Threads for the decoder and for x264 each (0 = libav's automatic choice).
    pub threads: usize,
}

impl RenderOptions {
    /// The cores this render may use at once (an analysis pass decodes that many stretches
    /// side by side): `threads`, or every core when that is libav's choice.
    pub fn cores(&self) -> usize {
        match self.threads {
            0 => cores(),
            n => n,
        }
    }
}

/// The machine's cores (1 when it cannot tell).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |c| c.get())
}

/// The text failreel writes into a reel's `comment` tag: its version, the hash of the
/// complete plan drawn, and the key of what was asked ([`crate::chain::request_key`]), which
/// resume compares.
pub fn reel_tag(plan: &CompletePlan) -> String {
    tag_text(&plan.hash(), &plan.request)
}

/// The comment tag for a plan hash and a request key.
pub fn tag_text(hash: &str, request: &str) -> String {
    if request.is_empty() {
        format!("failreel {} plan {hash}", env!("CARGO_PKG_VERSION"))
    } else {
        format!(
            "failreel {} plan {hash} request {request}",
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// The plan hash and the request key in a comment tag (the key is absent in reels made
/// before it was written).
fn parse_tag(text: &str) -> Option<(String, Option<String>)> {
    let rest = text.strip_prefix("failreel ")?;
    let (_, rest) = rest.split_once(" plan ")?;
    let hex = |s: &str| -> String { s.chars().take_while(|c| c.is_ascii_hexdigit()).collect() };
    let hash = hex(rest);
    if hash.len() != 16 {
        return None;
    }
    let request = rest
        .split_once(" request ")
        .map(|(_, r)| hex(r))
        .filter(|r| r.len() == 16);
    Some((hash, request))
}

/// An existing file at a reel's output path, as resume sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExistingReel {
    /// Nothing there.
    Absent,
    /// A file failreel did not write (or cannot be read as a reel at all).
    Foreign,
    /// A reel failreel wrote: its plan hash, the request key, and whether it is complete as
    /// written (`crate::render::output::mp4_is_complete`).
    Ours {
        /// The plan hash in its metadata.
        hash: String,
        /// The request key in its metadata (none in reels from before it was written).
        request: Option<String>,
        /// Whether every box is there as written (not cut short, grown or shrunk since).
        complete: bool,
        /// Its length as the file says (its picture's, else the file's).
        duration: Option<Micros>,
    },
}

/// What is at `path`, for resume: reads the file's headers only. A non-regular file (a FIFO,
/// a device) is never opened (it would block): it reads as [`ExistingReel::Foreign`].
pub fn existing_reel(path: &Path) -> ExistingReel {
    init_libav();
    match std::fs::symlink_metadata(path) {
        Err(_) => return ExistingReel::Absent,
        Ok(m) if !m.file_type().is_file() => return ExistingReel::Foreign,
        Ok(_) => {}
    }
    let complete = crate::render::output::mp4_is_complete(path);
    // A name that is not UTF-8 cannot be opened through the binding (it would panic).
    let opened = path.to_str().and_then(|_| ff::format::input(&path).ok());
    let comment = opened
        .as_ref()
        .and_then(|ictx| ictx.metadata().get("comment").map(str::to_string));
    // The reel's length from its headers: its picture's track, else the file's.
    let duration = opened.as_ref().and_then(|ictx| {
        let video = ictx.streams().best(ff::media::Type::Video).and_then(|s| {
            let tb = s.time_base();
            (s.duration() > 0)
                .then(|| Micros::from_ts(s.duration(), tb.numerator(), tb.denominator()))
        });
        video.or_else(|| (ictx.duration() > 0).then(|| Micros(ictx.duration())))
    });
    match comment.as_deref().and_then(parse_tag) {
        Some((hash, request)) => ExistingReel::Ours {
            hash,
            request,
            complete,
            duration,
        },
        // A reel whose index is damaged so badly that libav cannot read it is still known by
        // the tag failreel wrote into it.
        None => match tag_in_head(path) {
            Some((hash, request)) => ExistingReel::Ours {
                hash,
                request,
                complete: false,
                duration: None,
            },
            None => ExistingReel::Foreign,
        },
    }
}

/// Looks for failreel's comment tag in the first megabyte of a file (where a fast-start reel
/// keeps its index).
fn tag_in_head(path: &Path) -> Option<(String, Option<String>)> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut head)
        .ok()?;
    let needle = b"failreel ";
    let at = head.windows(needle.len()).position(|w| w == needle)?;
    let text = String::from_utf8_lossy(&head[at..(at + 120).min(head.len())]).into_owned();
    parse_tag(&text)
}

/// Whether failreel wrote the reel at `path` (for the "never a file failreel did not write"
/// rule).
pub fn reel_is_ours(path: &Path) -> bool {
    matches!(existing_reel(path), ExistingReel::Ours { .. })
}

/// A [`Progress`] that reports nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What a finished render produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RenderReport {
    /// Output frames written.
    pub frames: u64,
    /// Reel duration.
    pub duration: Micros,
    /// Wall time of the render, in seconds.
    pub render_seconds: f64,
    /// Warnings raised while rendering (clip cut off, damaged packets…).
    pub warnings: Vec<String>,
    /// Loudness measured and the gain applied, when normalised.
    pub loudness: Option<Loudness>,
    /// Things done along the way that are not about the reel (leftover temporaries of a
    /// stopped run removed): told to the user, never a warning (so `--strict` ignores them).
    pub notices: Vec<String>,
}

/// The notice for leftovers of a stopped run removed before writing `output`.
pub fn removed_notice(removed: usize, output: &std::path::Path) -> Option<String> {
    (removed > 0).then(|| {
        format!(
            "removed {} of {} left by a run that was stopped",
            crate::model::count(removed as u64, "unfinished temporary file"),
            output.display()
        )
    })
}

/// Renders `plan` to `plan.output()`, atomically: the file appears complete or not at all.
pub fn render(
    plan: &CompletePlan,
    opts: &RenderOptions,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<RenderReport, RenderError> {
    init_libav();
    let started = Instant::now();
    let out = plan.output();
    // Never the input, never a FIFO or device, one writer at a time; leftovers of killed
    // runs are removed under the lock.
    let writer = crate::render::output::Writer::begin(out, &plan.inputs())?;
    let tag = reel_tag(plan);
    progress.begin(plan.reel_frames());
    let result = pipeline::run(plan, &tag, opts, writer.temp(), progress, cancel);
    progress.end();
    let (frames, warnings, loudness) = result?;
    let notices = removed_notice(writer.removed_stale, out)
        .into_iter()
        .collect();
    writer.commit()?;
    Ok(RenderReport {
        frames,
        duration: Micros((frames as i128 * 1_000_000 / plan.video.fps as i128) as i64),
        render_seconds: started.elapsed().as_secs_f64(),
        warnings,
        loudness,
        notices,
    })
}

/// Renders several plans that share a decode (`crate::plan::fanout::group`) in one pipeline run:
/// one demux and decode, one filter pass per frame, one encode per distinct picture and
/// sound. Each reel still goes through the output rule on its own (lock, temporary, rename)
/// and gets its own result, in order: a reel that cannot be written fails alone. Plans that
/// turn out not to share a decode are rendered one after the other.
pub fn render_group(
    plans: &[&CompletePlan],
    opts: &RenderOptions,
    progress: &[&dyn Progress],
    cancel: &AtomicBool,
) -> Vec<Result<RenderReport, RenderError>> {
    init_libav();
    let started = Instant::now();
    let mut results: Vec<Option<Result<RenderReport, RenderError>>> =
        plans.iter().map(|_| None).collect();
    // Each reel's writer, tag and completed plan (or its failure).
    let mut ready = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let writer = match crate::render::output::Writer::begin(plan.output(), &plan.inputs()) {
            Ok(w) => w,
            Err(e) => {
                results[i] = Some(Err(e.into()));
                continue;
            }
        };
        ready.push((i, writer, reel_tag(plan), *plan));
    }
    let completed: Vec<RenderPlan> = ready.iter().map(|r| r.3.plan().clone()).collect();
    match crate::plan::fanout::FanoutPlan::new(completed) {
        Some(fp) => {
            let reels: Vec<pipeline::ReelOut> = ready
                .iter()
                .map(|(i, w, tag, _)| pipeline::ReelOut {
                    tag: tag.clone(),
                    tmp: w.temp(),
                    progress: progress[*i],
                })
                .collect();
            for r in &reels {
                r.progress.begin(fp.reels[0].reel_frames());
            }
            let produced = pipeline::run_fanout(&fp, &reels, opts, cancel);
            for r in &reels {
                r.progress.end();
            }
            drop(reels);
            for ((i, writer, _, plan), result) in ready.into_iter().zip(produced) {
                results[i] = Some(finish_reel(plan, writer, result, started));
            }
        }
        None => {
            for (i, writer, tag, plan) in ready {
                progress[i].begin(plan.reel_frames());
                let result = pipeline::run(plan, &tag, opts, writer.temp(), progress[i], cancel);
                progress[i].end();
                results[i] = Some(finish_reel(plan, writer, result, started));
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every reel has a result"))
        .collect()
}

/// A reel's report once its pipeline is done: committed (renamed into place) when it worked.
fn finish_reel(
    plan: &RenderPlan,
    writer: crate::render::output::Writer,
    result: Result<pipeline::Produced, RenderError>,
    started: Instant,
) -> Result<RenderReport, RenderError> {
    let (frames, warnings, loudness) = result?;
    let notices = removed_notice(writer.removed_stale, plan.output())
        .into_iter()
        .collect();
    writer.commit()?;
    Ok(RenderReport {
        frames,
        duration: Micros((frames as i128 * 1_000_000 / plan.video.fps as i128) as i64),
        render_seconds: started.elapsed().as_secs_f64(),
        warnings,
        loudness,
        notices,
    })
}

#[cfg(test)]
mod tests {
    /// A unit test: it sets an encoder setting no preset can give (the plan's fields are
    /// the crate's own).
    #[test]
    fn a_failing_encoder_reports_libavs_own_last_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let clip = dir.path().join("clip.mp4");
        let made = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("color=c=gray:s=320x240:r=30:d=1")
            .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
            .arg(&clip)
            .output()
            .expect("the ffmpeg CLI (make deps installs it)");
        assert!(made.status.success(), "ffmpeg: {made:?}");
        let out = dir.path().join("reel.mp4");
        let info = crate::media::input::probe(&clip).expect("probe");
        let preset = crate::config::preset::Preset::built_in("tiktok").expect("tiktok");
        let mut plan = crate::chain::draft(
            &info,
            &Default::default(),
            &preset,
            out.clone(),
            Default::default(),
        )
        .expect("plan");
        // A profile x264 does not know: libav's wrapper says why before the open fails.
        plan.outputs[0].encoder.profile = "cinema".into();
        let plan = crate::chain::complete(plan, 1).expect("complete");
        let err = super::render(
            &plan,
            &super::RenderOptions::default(),
            &super::NoProgress,
            &std::sync::atomic::AtomicBool::new(false),
        )
        .expect_err("x264 refuses the profile");
        let msg = err.to_string();
        assert!(msg.contains("opening the x264 encoder failed"), "{msg}");
        assert!(msg.contains("libav said:"), "{msg}");
        assert!(msg.contains("Error setting profile cinema"), "{msg}");
        assert!(
            std::error::Error::source(&err).is_some(),
            "the cause is kept"
        );
        assert!(!out.exists());
    }
}

//! Executes a [`RenderPlan`] with libav: demux once, decode, pick frames for the constant
//! output rate by timestamp, rotate/crop/scale through a numeric-only filter graph, composite
//! the cards, encode H.264 + AAC and mux a fast-start MP4 under a temporary name that is
//! renamed into place only when complete.
//!
//! Text never enters the filter graph: cards are rasterised by [`crate::card`] and blended by
//! [`crate::composite`]. The picture runs as a pipeline ([`video`]): decode on the job's
//! thread, convert and composite on a second, encode on a third, so decoding and scaling
//! overlap with x264 instead of waiting for it.

mod audio;
mod compose;
mod pipeline;
mod preview;

pub use crate::media::filter::filter_chain;
pub use crate::media::{init_libav, OutputCause, RenderError};
pub use crate::plan::Loudness;
pub use preview::{preview, write_png};

use crate::plan::RenderPlan;
use crate::time::Micros;
use ffmpeg_next as ff;
use std::path::{Path, PathBuf};
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

/// The text failreel writes into a reel's `comment` tag: its version and the plan hash.
pub fn reel_tag(plan: &RenderPlan) -> String {
    format!(
        "failreel {} plan {}",
        env!("CARGO_PKG_VERSION"),
        plan.hash()
    )
}

/// The plan hash stored in an existing reel, if failreel wrote it (reads the header only).
pub fn existing_reel_hash(path: &Path) -> Option<Option<String>> {
    init_libav();
    if !path.exists() {
        return None;
    }
    let Ok(ictx) = ff::format::input(&path) else {
        return Some(None);
    };
    let comment = ictx.metadata().get("comment").map(str::to_string);
    Some(comment.and_then(|c| {
        c.strip_prefix("failreel ")
            .and_then(|rest| rest.split_once(" plan "))
            .map(|(_, h)| h.to_string())
    }))
}

/// Removes hidden temporaries that an interrupted run left for `output` (any process's).
pub fn remove_stale_temps(output: &Path) -> usize {
    let Some(name) = output.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return 0;
    };
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".{name}.failreel-");
    let mut removed = 0;
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix)
                && n.ends_with(".tmp")
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
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
}

/// The hidden temporary file a reel is written to before it is renamed into place.
pub fn temp_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reel.mp4".into());
    output.with_file_name(format!(".{name}.failreel-{}.tmp", std::process::id()))
}

/// Renders `plan` to `plan.output`, atomically: the file appears complete or not at all.
pub fn render(
    plan: &RenderPlan,
    opts: &RenderOptions,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<RenderReport, RenderError> {
    init_libav();
    let started = Instant::now();
    let out = &plan.output;
    if same_file(&plan.input, out) {
        return Err(RenderError::OutputIsInput(out.display().to_string()));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::output(dir, e))?;
    }
    // The reel carries the hash of the plan it was asked for; a plan whose analysis has not
    // run yet is completed here (from the cache when it ran before).
    let tag = reel_tag(plan);
    let completed;
    let plan = if plan.needs_loudness_pass() {
        let mut p = plan.clone();
        crate::analyse::analyse(&mut p)?;
        completed = p;
        &completed
    } else {
        plan
    };
    let tmp = temp_path(out);
    progress.begin(plan.video.frames);
    let result = pipeline::run(plan, &tag, opts, &tmp, progress, cancel);
    progress.end();
    match result {
        Ok((frames, warnings, loudness)) => {
            std::fs::rename(&tmp, out).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                RenderError::output(out, e)
            })?;
            Ok(RenderReport {
                frames,
                duration: Micros((frames as i128 * 1_000_000 / plan.video.fps as i128) as i64),
                render_seconds: started.elapsed().as_secs_f64(),
                warnings,
                loudness,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

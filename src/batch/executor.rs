//! What a batch needs from the media side, as a trait: probe an input, read the stamp of an
//! existing reel (for resume), clear leftovers, render a plan. [`Libav`] is the real one;
//! [`FakeRenderer`] writes a small marker file instantly, so orchestration (resume, shards,
//! collisions, failures, interruption) is tested in milliseconds without encoding.

use crate::analyse::progress::{Pass, PassProgress};
use crate::media::input::ProbeError;
use crate::model::source::{MediaInfo, SourceStamp};
use crate::model::time::Micros;
use crate::plan::{CompletePlan, RenderPlan};
use crate::render::cover::CoverReport;
use crate::render::{ExistingReel, Progress, RenderError, RenderOptions, RenderReport};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// What is at a reel's output path already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Nothing.
    Absent,
    /// A file failreel did not write (or cannot read).
    Foreign,
    /// A reel failreel wrote: the hash of the plan it was rendered from, the key of what was
    /// asked (the key [`crate::draft`] makes of the request, the preset, the output and the
    /// source's stamp), and whether it is complete as written (resume
    /// trusts only complete reels).
    Reel {
        /// The plan hash in its metadata.
        hash: String,
        /// The request key in its metadata (absent in reels from before it was written).
        request: Option<String>,
        /// Whether every part is there as written (not cut short or changed since).
        complete: bool,
        /// Its length as read from the file (when it can be read).
        duration: Option<Micros>,
    },
}

/// Executes plans. Implementations must be usable from several threads at once.
pub trait Renderer: Sync {
    /// Reads what planning needs from an input.
    fn probe(&self, input: &Path) -> Result<MediaInfo, ProbeError>;
    /// What is at `output` already (reads headers only; never opens a non-regular file).
    fn existing(&self, output: &Path) -> Existing;
    /// Completes a draft: runs the measuring passes it still needs
    /// ([`crate::chain::complete`]), on up to `cores` threads.
    fn complete(
        &self,
        draft: RenderPlan,
        cores: usize,
        progress: &dyn PassProgress,
    ) -> Result<CompletePlan, RenderError>;
    /// Renders `plan` to `plan.output()` under the output rule of `crate::render::output`: locked,
    /// temporary then rename, leftovers of killed runs removed.
    fn render(
        &self,
        plan: &CompletePlan,
        opts: &RenderOptions,
        progress: &dyn Progress,
        cancel: &AtomicBool,
    ) -> Result<RenderReport, RenderError>;
    /// Renders plans that share a decode (`crate::plan::fanout::group`), one result per plan in
    /// order; each plan's output still goes through the output rule on its own. By default
    /// one after the other.
    fn render_group(
        &self,
        plans: &[&CompletePlan],
        opts: &RenderOptions,
        progress: &[&dyn Progress],
        cancel: &AtomicBool,
    ) -> Vec<Result<RenderReport, RenderError>> {
        plans
            .iter()
            .zip(progress)
            .map(|(p, pr)| self.render(p, opts, *pr, cancel))
            .collect()
    }
    /// Writes the still `plan.cover` asks for (a cover, or a report thumbnail) under the
    /// output rule; nothing when it asks for none. What was chosen and how each candidate
    /// scored, when the still was made from decoded frames.
    fn cover(&self, _plan: &CompletePlan) -> Result<Option<CoverReport>, RenderError> {
        Ok(None)
    }
    /// Writes the reel's review sheet into `dir`'s `review/` (for `--report`) and returns what
    /// it shows; `cover` is the still written this run, if any. Nothing by default.
    fn review(
        &self,
        _plan: &CompletePlan,
        _dir: &Path,
        _cover: Option<&CoverReport>,
    ) -> Result<Option<crate::render::review::Review>, RenderError> {
        Ok(None)
    }
}

/// The real renderer: libav through [`crate::render()`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Libav;

impl Renderer for Libav {
    fn probe(&self, input: &Path) -> Result<MediaInfo, ProbeError> {
        crate::media::input::probe(input)
    }
    fn existing(&self, output: &Path) -> Existing {
        match crate::render::existing_reel(output) {
            ExistingReel::Absent => Existing::Absent,
            ExistingReel::Foreign => Existing::Foreign,
            ExistingReel::Ours {
                hash,
                request,
                complete,
                duration,
            } => Existing::Reel {
                hash,
                request,
                complete,
                duration,
            },
        }
    }
    fn complete(
        &self,
        draft: RenderPlan,
        cores: usize,
        progress: &dyn PassProgress,
    ) -> Result<CompletePlan, RenderError> {
        crate::chain::complete_with(draft, cores, progress)
    }
    fn render(
        &self,
        plan: &CompletePlan,
        opts: &RenderOptions,
        progress: &dyn Progress,
        cancel: &AtomicBool,
    ) -> Result<RenderReport, RenderError> {
        crate::render::render(plan, opts, progress, cancel)
    }
    fn render_group(
        &self,
        plans: &[&CompletePlan],
        opts: &RenderOptions,
        progress: &[&dyn Progress],
        cancel: &AtomicBool,
    ) -> Vec<Result<RenderReport, RenderError>> {
        match plans {
            [one] => vec![crate::render::render(one, opts, progress[0], cancel)],
            _ => crate::render::render_group(plans, opts, progress, cancel),
        }
    }
    fn cover(&self, plan: &CompletePlan) -> Result<Option<CoverReport>, RenderError> {
        crate::render::write_cover(plan)
    }
    fn review(
        &self,
        plan: &CompletePlan,
        dir: &Path,
        cover: Option<&CoverReport>,
    ) -> Result<Option<crate::render::review::Review>, RenderError> {
        crate::render::review::write_review(plan, dir, cover).map(Some)
    }
}

/// A hook the fake runs before each render, with the input.
pub type BeforeRender = Box<dyn Fn(&Path) + Send + Sync>;

/// The first line of a fake input file: `failreel-fake-clip <seconds> [warn <message>]`.
pub const FAKE_CLIP: &str = "failreel-fake-clip";
const FAKE_REEL: &str = "failreel-fake-reel plan ";

/// A test double: "inputs" are small text files starting with `FAKE_CLIP` and a length in
/// seconds (a 1920x1080 30 fps clip with mono audio); a render writes a one-line marker holding
/// the plan hash, under the same output rule as a real reel (lock, temporary, rename), with no
/// decoding.
#[derive(Default)]
pub struct FakeRenderer {
    /// Inputs whose render fails (by path as given).
    pub fail: HashSet<PathBuf>,
    /// A warning every render raises.
    pub render_warning: Option<String>,
    /// Called before each render with the input (e.g. to raise a stop flag mid-batch).
    pub before_render: Option<BeforeRender>,
    /// The inputs rendered, in the order they started.
    pub rendered: Mutex<Vec<PathBuf>>,
    /// The inputs probed, in order.
    pub probed: Mutex<Vec<PathBuf>>,
}

impl FakeRenderer {
    /// Writes a fake input of `secs` seconds at `path`.
    pub fn write_clip(path: &Path, secs: f64) -> std::io::Result<()> {
        std::fs::write(path, format!("{FAKE_CLIP} {secs}\n"))
    }

    /// The inputs rendered so far.
    pub fn rendered(&self) -> Vec<PathBuf> {
        self.rendered.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// How many times inputs were probed.
    pub fn probes(&self) -> usize {
        self.probed.lock().map(|v| v.len()).unwrap_or(0)
    }
}

/// A [`MediaInfo`] for a 1920x1080 30 fps SDR clip of `duration` with mono audio.
pub fn synthetic_info(path: &Path, stamp: SourceStamp, duration: Micros) -> MediaInfo {
    let mut info = MediaInfo::for_tests(1920, 1080, 0, duration.as_secs_f64(), true);
    info.path = path.to_path_buf();
    info.container = "fake".into();
    info.stamp = stamp;
    info.duration = duration;
    if let Some(a) = info.audio.as_mut() {
        a.channels = 1;
        a.layout = "mono".into();
        a.duration = Some(duration);
    }
    info
}

impl Renderer for FakeRenderer {
    /// Completes without decoding: a centred window, and a loudness "measured" at -20 LUFS;
    /// each pass told as begun, halfway and over.
    fn complete(
        &self,
        mut draft: RenderPlan,
        _cores: usize,
        progress: &dyn PassProgress,
    ) -> Result<CompletePlan, RenderError> {
        let told = |pass: Pass| {
            for done in [0.0, 0.5, 1.0] {
                progress.pass(pass, done);
            }
        };
        if draft.needs_reframe_pass() {
            told(Pass::Subject);
        }
        if let Some(r) = draft.video.reframe.as_mut() {
            r.analysed = true;
        }
        if let Some(target) = draft.audio.loudness {
            if draft.needs_loudness_pass() {
                told(Pass::Loudness);
                draft.audio.normalisation = crate::plan::decide_normalisation(
                    target,
                    Some(crate::plan::Measured {
                        lufs: -20.0,
                        true_peak_dbtp: -3.0,
                    }),
                );
            }
        }
        Ok(CompletePlan::new(draft))
    }
    fn probe(&self, input: &Path) -> Result<MediaInfo, ProbeError> {
        if let Ok(mut p) = self.probed.lock() {
            p.push(input.to_path_buf());
        }
        let text = match std::fs::read_to_string(input) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProbeError::NotFound(input.to_path_buf()))
            }
            Err(e) => return Err(ProbeError::Io(input.to_path_buf(), e)),
        };
        let secs = text
            .strip_prefix(FAKE_CLIP)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| ProbeError::NotMedia {
                path: input.to_path_buf(),
                cause: "not a fake clip".into(),
            })?;
        let stamp = SourceStamp::of(input).map_err(|e| ProbeError::Io(input.to_path_buf(), e))?;
        Ok(synthetic_info(input, stamp, Micros::from_secs_f64(secs)))
    }

    fn existing(&self, output: &Path) -> Existing {
        FakeRenderer::existing_at(output)
    }

    fn render(
        &self,
        plan: &CompletePlan,
        _opts: &RenderOptions,
        progress: &dyn Progress,
        cancel: &AtomicBool,
    ) -> Result<RenderReport, RenderError> {
        self.render_fake(plan, progress, cancel)
    }

    /// A plain grey still of the planned size, tagged as failreel's (no decoding).
    fn cover(&self, plan: &CompletePlan) -> Result<Option<CoverReport>, RenderError> {
        self.cover_fake(plan)
    }
}

impl FakeRenderer {
    /// What is at `output`, as the fake sees it: its marker's hash, request key and length.
    pub fn existing_at(output: &Path) -> Existing {
        match std::fs::symlink_metadata(output) {
            Err(_) => return Existing::Absent,
            // Never opened: a FIFO would block.
            Ok(m) if !m.file_type().is_file() => return Existing::Foreign,
            Ok(_) => {}
        }
        match std::fs::read_to_string(output) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Existing::Absent,
            Err(_) => Existing::Foreign,
            Ok(t) => match t.lines().next().and_then(|l| l.strip_prefix(FAKE_REEL)) {
                // Complete only as written: one line.
                Some(line) => {
                    let (line, duration) = match line.split_once(" duration ") {
                        Some((l, d)) => (l, d.parse::<i64>().ok().map(Micros)),
                        None => (line, None),
                    };
                    let (hash, request) = match line.split_once(" request ") {
                        Some((h, r)) => (h.to_string(), Some(r.to_string())),
                        None => (line.to_string(), None),
                    };
                    Existing::Reel {
                        hash,
                        request,
                        complete: t.lines().count() == 1 && t.ends_with('\n'),
                        duration,
                    }
                }
                None => Existing::Foreign,
            },
        }
    }

    fn render_fake(
        &self,
        plan: &CompletePlan,
        progress: &dyn Progress,
        cancel: &AtomicBool,
    ) -> Result<RenderReport, RenderError> {
        let writer = crate::render::output::Writer::begin(plan.output(), &plan.inputs())?;
        if let Some(f) = &self.before_render {
            f(plan.input());
        }
        if let Ok(mut r) = self.rendered.lock() {
            r.push(plan.input().to_path_buf());
        }
        progress.begin(plan.reel_frames());
        let fail = |cause: &str| RenderError::Output {
            path: plan.output().display().to_string(),
            source: std::io::Error::other(cause.to_string()).into(),
        };
        if cancel.load(Ordering::SeqCst) {
            progress.end();
            return Err(RenderError::Cancelled(plan.input().display().to_string()));
        }
        if self.fail.contains(plan.input()) {
            progress.end();
            return Err(fail("the fake renderer was told to fail"));
        }
        progress.frames_done(plan.reel_frames() / 2);
        progress.frames_done(plan.reel_frames());
        progress.end();
        // The whole reel: the footage and its replay.
        let duration = plan.frame_time(plan.reel_frames());
        std::fs::write(
            writer.temp(),
            format!(
                "{FAKE_REEL}{} request {} duration {}\n",
                plan.hash(),
                plan.request,
                duration.0
            ),
        )
        .map_err(|e| crate::render::output::OutputError::io(writer.temp(), e))?;
        let warnings: Vec<String> = self.render_warning.iter().cloned().collect();
        let notices = crate::render::removed_notice(writer.removed_stale, plan.output())
            .into_iter()
            .collect();
        writer.commit()?;
        Ok(RenderReport {
            frames: plan.reel_frames(),
            duration,
            render_seconds: 0.0,
            warnings,
            loudness: None,
            notices,
        })
    }

    /// A plain grey still of the planned size, tagged as failreel's (no decoding).
    fn cover_fake(&self, plan: &CompletePlan) -> Result<Option<CoverReport>, RenderError> {
        let Some(cover) = &plan.cover else {
            return Ok(None);
        };
        let img = image::RgbImage::from_pixel(cover.width, cover.height, image::Rgb([90, 90, 90]));
        let tag = crate::plan::cover::jpeg_tag(&crate::plan::cover::still_hash(plan, cover));
        crate::render::cover::write_jpeg(&img, cover.quality, &tag, &cover.path, &plan.inputs())?;
        Ok(None)
    }
}

//! Analysis passes: what must be measured in the media before a reel can be fully planned.
//! They run after the plan's first step (which decides the range) and before rendering, and
//! their results are cached on disk ([`cache`]) by the source's stamp and the pass's inputs,
//! so a re-run or a resume decodes nothing again.
//!
//! Today: [`reframe`] (`--focus auto`: the crop path) and [`loudness`] (EBU R128). The plan then decides the gain
//! ([`crate::plan::decide_normalisation`]).

pub mod cache;
pub mod detect;
pub mod levels;
pub mod loudness;
pub mod progress;
pub mod reframe;

use crate::media::RenderError;
use crate::plan::{decide_normalisation, Measured, RenderPlan};

/// Everything the loudness result depends on (the cache key).
#[derive(serde::Serialize)]
struct LoudnessKey<'a> {
    input: std::path::PathBuf,
    size: u64,
    modified_ns: u128,
    fingerprint: u64,
    pass: &'a loudness::LoudnessPass<'a>,
}

/// Runs the passes `plan` still needs (reading the cache first) and completes the plan with
/// their decisions, using up to `cores` threads, telling `hook` how far each pass is
/// ([`progress`]). A plan that needs nothing is left as it is.
pub fn analyse_with(
    plan: &mut RenderPlan,
    cores: usize,
    hook: &dyn progress::PassProgress,
) -> Result<(), RenderError> {
    if plan.needs_reframe_pass() {
        let span = plan.frame_time(plan.video.frames);
        progress::run_pass(progress::Pass::Subject, span, hook, || {
            reframe::complete(plan, cores)
        })?;
    }
    let Some(target) = plan.audio.loudness else {
        return Ok(());
    };
    if !plan.needs_loudness_pass() {
        return Ok(());
    }
    let span = plan
        .audio
        .measure_over
        .map_or(plan.frame_time(plan.video.frames), |w| w.duration());
    progress::run_pass(progress::Pass::Loudness, span, hook, || {
        loudness_pass(plan, target)
    })
}

fn loudness_pass(
    plan: &mut RenderPlan,
    target: crate::plan::LoudnessTarget,
) -> Result<(), RenderError> {
    let measured = match plan.audio.stream {
        Some(audio_stream) => {
            // A stories part is measured over the whole clip it is cut from (cached: once),
            // so every part gets the same gain.
            let rate = plan.encoder().sample_rate;
            let (trim_start, samples) = match plan.audio.measure_over {
                Some(whole) => (
                    whole.start,
                    (whole.duration().0.max(0) as i128 * rate as i128 / 1_000_000) as i64,
                ),
                None => (plan.trim().start, plan.audio_samples(plan.video.frames)),
            };
            let pass = loudness::LoudnessPass {
                input: plan.input(),
                video_stream: plan.video.stream,
                audio_stream,
                trim_start,
                rate,
                samples,
            };
            measure_cached(&pass, plan)?
        }
        None => None,
    };
    plan.audio.normalisation = decide_normalisation(target, measured);
    Ok(())
}

fn measure_cached(
    pass: &loudness::LoudnessPass<'_>,
    plan: &RenderPlan,
) -> Result<Option<Measured>, RenderError> {
    let key = LoudnessKey {
        input: std::fs::canonicalize(pass.input).unwrap_or_else(|_| pass.input.to_path_buf()),
        size: plan.source().size,
        modified_ns: plan.source().modified_ns,
        fingerprint: plan.source().fingerprint,
        pass,
    };
    // A stamp of zero means the file was not stamped: never trust a cache entry for it.
    let cacheable = plan.source().size > 0;
    if cacheable {
        if let Some(m) = cache::get::<_, Option<Measured>>("loudness", &key) {
            return Ok(m);
        }
    }
    let m = loudness::measure(pass)?;
    if cacheable {
        cache::put("loudness", &key, &m);
    }
    Ok(m)
}

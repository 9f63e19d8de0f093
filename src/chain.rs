//! The chain from what a user asks to a complete plan, owned in one place.
//!
//! Every command (`render` and its batch, `preview`, `compile`) and the library go through
//! these functions; nothing else assembles a plan:
//!
//! 1. [`draft`]: the request, the source's facts and the preset become a [`RenderPlan`]:
//!    the trim (`--start auto` runs the cached detection pass to find the moment), cards,
//!    the cover's plan, the replay, captions, a compilation's part number;
//! 2. [`complete`]: the measuring passes the draft still needs run (cached: the
//!    `--focus auto` crop path, the loudness gain), then what they saw of the subject is
//!    used (the replay's push-in aims at it, its tag and a part's number move off the
//!    faces), giving a
//!    [`CompletePlan`], the only kind of plan render, preview, cover and compile accept.
//!
//! [`request_key`] identifies what was asked (the request, the preset, the output, the
//! source's stamp and fingerprint) without running any pass: a reel carries it in its tag,
//! so resume knows an up-to-date reel without analysing anything again.

use crate::analyse::progress::{run_pass, NoPassProgress, Pass, PassProgress};
use crate::config::preset::Preset;
use crate::config::request::ReelRequest;
use crate::media::RenderError;
use crate::model::source::MediaInfo;
use crate::plan::{CompletePlan, PlanError, RenderPlan};
use std::path::PathBuf;

/// What the command adds to a reel beyond the user's request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Extras {
    /// A report thumbnail beside the reel (`--report`) when no cover is asked for.
    pub thumbnail: bool,
    /// A compilation's part number (`#k`, from 1), drawn for the whole part.
    pub number: Option<usize>,
    /// The whole range a stories part is cut from (input clock): its loudness is measured
    /// over it, the same gain for every part.
    pub loudness_over: Option<crate::plan::Trim>,
}

/// Decides the reel for `info` as far as planning can without the measuring passes: the
/// trim (with `--start auto`, around the moment the cached detection pass finds), cards,
/// cover, replay, captions and the extras.
pub fn draft(
    info: &MediaInfo,
    req: &ReelRequest,
    preset: &Preset,
    output: PathBuf,
    extras: Extras,
) -> Result<RenderPlan, PlanError> {
    draft_with(info, req, preset, output, extras, &NoPassProgress)
}

/// About how much media the detection pass decodes in `info`'s clip: all of its sound, and
/// a few short windows of its picture (all of a short clip without sound).
fn detection_span(info: &MediaInfo) -> crate::model::time::Micros {
    use crate::model::time::Micros;
    let d = info.duration;
    if info.audio.is_some() {
        d + d.min(Micros(7_500_000))
    } else if d <= Micros(30_000_000) {
        d
    } else {
        Micros(33_000_000)
    }
}

/// [`draft`], telling `hook` how far the detection pass (`--start auto`) is.
pub fn draft_with(
    info: &MediaInfo,
    req: &ReelRequest,
    preset: &Preset,
    output: PathBuf,
    extras: Extras,
    hook: &dyn PassProgress,
) -> Result<RenderPlan, PlanError> {
    // The request's look (--look, --text-size, --accent, --handle) over the preset's.
    let asked = preset;
    let looked = req.preset_for(preset);
    let preset = &looked;
    let plan = if req.start == Some(crate::model::Start::Auto) {
        run_pass(Pass::Moment, detection_span(info), hook, || {
            crate::analyse::detect::plan_reel_auto(info, req, preset, output)
        })?
    } else {
        crate::analyse::detect::plan_reel_auto(info, req, preset, output)?
    };
    let mut plan = crate::plan::captions::with_captions(plan, req)?;
    if let Some(k) = extras.number {
        crate::plan::captions::number_part(&mut plan, k).map_err(|source| PlanError::Card {
            path: info.path.display().to_string(),
            card: "number",
            source,
        })?;
    }
    if plan.audio.loudness.is_some() {
        plan.audio.measure_over = extras.loudness_over;
    }
    // The replay goes in once every overlay is placed: it moves them all onto the longer
    // reel, then lays its tag out clear of them.
    let mut plan = crate::plan::replay::with_replay(plan, req, preset)?;
    if let Some(kind) = plan.cover.as_ref().map(|c| c.kind) {
        // The still's candidates on the final reel.
        plan.cover = Some(crate::plan::cover::plan_cover(&plan, kind, req.cover_at));
    }
    if extras.thumbnail && plan.cover.is_none() {
        plan.cover = Some(crate::plan::cover::plan_cover(
            &plan,
            crate::plan::cover::CoverKind::Thumbnail,
            req.cover_at,
        ));
    }
    // A card's times without its text draw nothing: said, rather than a reel without the
    // card the user timed. (Not of a stories part: the split keeps every part's times and
    // gives the text to the part that shows the fail; the whole clip's request was asked.)
    if extras.loudness_over.is_none() {
        plan.warnings.extend(
            untexted_card_times(req)
                .into_iter()
                .map(|w| format!("{}: {w}", info.path.display())),
        );
    }
    if let Some(at) = req.cover_at.filter(|&t| t >= plan.reel_length()) {
        plan.warnings.push(format!(
            "{}: --cover-at {at} is past the end of the reel ({}): the cover is its last frame",
            info.path.display(),
            plan.reel_length()
        ));
    }
    // Last, clear of everything else on screen: the handle.
    if let Some(handle) = &preset.cards.handle {
        crate::plan::overlay::add_handle(&mut plan, handle).map_err(|source| PlanError::Card {
            path: info.path.display().to_string(),
            card: "handle",
            source,
        })?;
    }
    plan.look = Some(crate::plan::LookPlan::of(preset));
    plan.request = request_key(info, req, asked, &plan.outputs[0].path, extras);
    // The side files read to make it are inputs too: never written over.
    plan.reads.extend(req.captions.iter().cloned());
    plan.reads.extend(asked.source.iter().cloned());
    Ok(plan)
}

/// A warning for each card whose times are given without its text (no card is drawn).
fn untexted_card_times(req: &ReelRequest) -> Vec<String> {
    let blank = |t: &Option<String>| t.as_deref().is_none_or(|t| t.trim().is_empty());
    let cards = [
        (
            "went-wrong",
            "went_wrong",
            blank(&req.went_wrong),
            [
                ("went_wrong_at", req.went_wrong_at),
                ("went_wrong_until", req.went_wrong_until),
            ],
        ),
        (
            "lesson",
            "lesson",
            blank(&req.lesson),
            [
                ("lesson_at", req.lesson_at),
                ("lesson_until", req.lesson_until),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (card, text_key, no_text, times) in cards {
        let given: Vec<String> = times
            .iter()
            .filter(|(_, t)| t.is_some())
            .map(|(key, _)| {
                format!(
                    "{} ({})",
                    crate::config::request::flag_name(key),
                    crate::config::request::key_name(key)
                )
            })
            .collect();
        if no_text && !given.is_empty() {
            out.push(format!(
                "{} {} given but there is no {card} text, so no {card} card is drawn: give the text with {} ({})",
                given.join(" and "),
                if given.len() > 1 { "are" } else { "is" },
                crate::config::request::flag_name(text_key),
                crate::config::request::key_name(text_key),
            ));
        }
    }
    out
}

/// Runs the passes `draft` still needs (reading the cache first), on up to `cores` threads,
/// and returns the complete plan: what render, preview, cover and compile draw, decision for
/// decision.
pub fn complete(draft: RenderPlan, cores: usize) -> Result<CompletePlan, RenderError> {
    complete_with(draft, cores, &NoPassProgress)
}

/// [`complete`], telling `hook` how far each pass is.
pub fn complete_with(
    mut draft: RenderPlan,
    cores: usize,
    hook: &dyn PassProgress,
) -> Result<CompletePlan, RenderError> {
    crate::analyse::analyse_with(&mut draft, cores, hook)?;
    // What the reframe pass saw of the subject: the replay pushes in toward it, its tag, a
    // part's number and the handle keep clear of the faces (the tag first: the number then
    // keeps clear of it too, and the handle of both).
    crate::plan::replay::aim_push_in(&mut draft);
    crate::plan::replay::settle_tag(&mut draft)
        .and_then(|()| crate::plan::captions::settle_number(&mut draft))
        .and_then(|()| crate::plan::overlay::settle_handle(&mut draft))
        .map_err(|source| RenderError::Card {
            path: draft.input().display().to_string(),
            source,
        })?;
    // The cover's headline keeps off the faces, as the pinned overlays do.
    crate::plan::cover::settle_headline(&mut draft);
    Ok(CompletePlan::new(draft))
}

/// [`draft`] then [`complete`]: the whole chain for one reel.
pub fn plan(
    info: &MediaInfo,
    req: &ReelRequest,
    preset: &Preset,
    output: PathBuf,
    extras: Extras,
    cores: usize,
) -> Result<CompletePlan, ChainError> {
    plan_with(info, req, preset, output, extras, cores, &NoPassProgress)
}

/// [`plan`], telling `hook` how far each pass is (and stopping the passes when it says the
/// run is cancelled).
pub fn plan_with(
    info: &MediaInfo,
    req: &ReelRequest,
    preset: &Preset,
    output: PathBuf,
    extras: Extras,
    cores: usize,
    hook: &dyn PassProgress,
) -> Result<CompletePlan, ChainError> {
    let d = draft_with(info, req, preset, output, extras, hook)?;
    Ok(complete_with(d, cores, hook)?)
}

/// Bumped when the same request would now give a different reel (a planning rule or a pass
/// changed in a way that matters): reels made before are then rendered again on resume.
pub const PLAN_VERSION: u32 = 2;

/// A short stable hash of what was asked of a reel: the request (less what does not change
/// the reel: `cover`, `strict`), the preset, the output, the extras, and the input's path,
/// stamp and fingerprint. Computed without any pass, so resume can skip an up-to-date reel
/// without analysing it again.
pub fn request_key(
    info: &MediaInfo,
    req: &ReelRequest,
    preset: &Preset,
    output: &std::path::Path,
    extras: Extras,
) -> String {
    #[derive(serde::Serialize)]
    struct Key<'a> {
        version: u32,
        crate_version: &'static str,
        input: &'a std::path::Path,
        stamp: crate::model::source::SourceStamp,
        request: ReelRequest,
        preset: &'a Preset,
        output: &'a std::path::Path,
        number: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        loudness_over: Option<crate::plan::Trim>,
    }
    let mut request = req.clone();
    request.cover = None;
    request.cover_at = None;
    request.strict = None;
    // However the paths were spelled (from the manifest's folder, from above it, absolute),
    // the same files give the same key.
    let input = crate::model::same_file_path(&info.path);
    let output = crate::model::same_file_path(output);
    request.captions = request
        .captions
        .as_deref()
        .map(crate::model::same_file_path);
    let key = Key {
        version: PLAN_VERSION,
        crate_version: env!("CARGO_PKG_VERSION"),
        input: &input,
        stamp: info.stamp,
        request,
        preset,
        output: &output,
        number: extras.number,
        loudness_over: extras.loudness_over,
    };
    crate::plan::fnv_hex(serde_json::to_string(&key).unwrap_or_default().as_bytes())
}

/// Why the chain could not give a complete plan.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The reel cannot be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A measuring pass failed.
    #[error(transparent)]
    Analyse(#[from] RenderError),
}

/// One part of a compilation as asked: the probed input and its request.
pub struct PartRequest<'a> {
    /// What the input is.
    pub info: &'a MediaInfo,
    /// What the user asked of the part (flags, then the manifest clip's keys).
    pub request: &'a ReelRequest,
    /// The side files the part is read from (the manifest…): never written over.
    pub reads: &'a [PathBuf],
}

/// The chain for a compilation: every part drafted (numbered `#1`, `#2`, …; the same input
/// may appear any number of times) and completed like any reel, then joined: a cold open on
/// the strongest part's best moment (unless `cold_open` is false), the title (when there is
/// one) over the first part's blurred opening, the parts. The strongest part is the one
/// whose detected moment (`--start auto`) scores highest, else the first a went-wrong card
/// marks; when nothing marks one, the cached detection pass looks inside each part's trim.
/// The reel's encoder is the preset's with the command line's CRF and speed. Warnings come
/// back with the plan, each prefixed by its part's input.
pub fn plan_compilation(
    parts: &[PartRequest],
    flags: &ReelRequest,
    preset: &Preset,
    title: &str,
    cold_open: bool,
    output: PathBuf,
    cores: usize,
) -> Result<(crate::plan::compile::CompilePlan, Vec<String>), CompileError> {
    plan_compilation_with(
        parts,
        flags,
        preset,
        title,
        cold_open,
        output,
        cores,
        &NoPassProgress,
    )
}

/// [`plan_compilation`], telling `hook` how far each part's passes are.
#[allow(clippy::too_many_arguments)]
pub fn plan_compilation_with(
    parts: &[PartRequest],
    flags: &ReelRequest,
    preset: &Preset,
    title: &str,
    cold_open: bool,
    output: PathBuf,
    cores: usize,
    passes: &dyn PassProgress,
) -> Result<(crate::plan::compile::CompilePlan, Vec<String>), CompileError> {
    let mut complete = Vec::new();
    let mut warnings = Vec::new();
    // `--cover-at` is a time on the compilation's clock, not on a part's.
    let mut cover = flags.cover_at.is_some();
    for (k, p) in parts.iter().enumerate() {
        let extras = Extras {
            thumbnail: false,
            number: Some(k + 1),
            loudness_over: None,
        };
        let mut request = p.request.clone();
        request.cover_at = None;
        let mut d = draft_with(p.info, &request, preset, output.clone(), extras, passes)?;
        for r in p.reads {
            if !d.reads.contains(r) {
                d.reads.push(r.clone());
            }
        }
        // A part is never written on its own: no still beside it (the compilation's cover,
        // when asked for, is planned once the parts are joined).
        cover |= d.cover.is_some();
        d.cover = None;
        for w in &d.warnings {
            warnings.push(format!("{}: {w}", p.info.path.display()));
        }
        complete.push(complete_with(d, cores, passes).map_err(ChainError::from)?);
    }
    let Some(first) = complete.first() else {
        return Err(CompileError::Usage("a compilation needs clips".into()));
    };
    let encoder = crate::plan::EncoderPlan {
        crf: flags.crf.unwrap_or(preset.video.crf),
        preset: flags.encoder_preset.unwrap_or(preset.video.x264_preset),
        max_bitrate_kbps: preset.video.max_bitrate_kbps,
        ..first.encoder().clone()
    };
    let hook = if cold_open {
        let marked = complete.iter().any(|p| {
            p.auto_start.as_ref().is_some_and(|a| a.moment_s.is_some())
                || p.overlays
                    .iter()
                    .any(|o| o.role == crate::plan::Role::WentWrong)
        });
        // Nothing marks a moment: the detection pass (cached) inside each part's trim.
        let detected: Vec<Option<(crate::model::Micros, f64, String)>> = if marked {
            Vec::new()
        } else {
            parts
                .iter()
                .zip(&complete)
                .map(|(p, c)| {
                    let found = crate::analyse::detect::detect_cached(p.info).ok()?;
                    let trim = c.trim();
                    found.moments.iter().find_map(|m| {
                        let t = crate::model::Micros::from_secs_f64(m.t);
                        (t >= trim.start && t < trim.end)
                            .then(|| (t - trim.start, m.score, m.why.join(", ")))
                    })
                })
                .collect()
        };
        crate::plan::compile::choose_hook(&complete, &detected)
    } else {
        None
    };
    let looked = flags.preset_for(preset);
    let plan = crate::plan::compile::assemble(
        complete,
        title,
        hook,
        cover.then_some(flags.cover_at),
        &looked,
        output,
        encoder,
    )
    .map_err(|e| match e {
        crate::plan::compile::CompileProblem::Usage(m) => CompileError::Usage(m),
        crate::plan::compile::CompileProblem::Plan(e) => CompileError::Chain(e.into()),
    })?;
    Ok((plan, warnings))
}

/// Why a compilation could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A usage problem (exit 2): too long, a part too short, no clips.
    #[error("{0}")]
    Usage(String),
    /// A part could not be planned or analysed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl From<PlanError> for CompileError {
    fn from(e: PlanError) -> CompileError {
        CompileError::Chain(ChainError::Plan(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::Micros;

    #[test]
    fn card_times_without_the_cards_text_are_said_to_draw_nothing() {
        // `--went-wrong-at 1` without `--went-wrong` drew no card and said nothing.
        let mut req = ReelRequest {
            went_wrong_at: Some(Micros(1_000_000)),
            lesson_at: Some(Micros(2_000_000)),
            lesson_until: Some(Micros(3_000_000)),
            lesson: Some("  ".into()),
            ..ReelRequest::default()
        };
        let w = untexted_card_times(&req);
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(
            w[0],
            "--went-wrong-at (`went_wrong_at`) is given but there is no went-wrong text, so no went-wrong card is drawn: give the text with --went-wrong (`went_wrong`)"
        );
        assert!(
            w[1].starts_with(
                "--lesson-at (`lesson_at`) and --lesson-until (`lesson_until`) are given"
            ),
            "{w:?}"
        );
        req.went_wrong = Some("Too hot".into());
        req.lesson = Some("Lower".into());
        assert!(untexted_card_times(&req).is_empty());
        assert!(untexted_card_times(&ReelRequest::default()).is_empty());
    }
}

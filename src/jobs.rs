//! Jobs: the command line (and its manifest) turned into the batch's [`Clip`]s, each with its
//! input, output, preset and [`ReelRequest`]. Usage problems come back as messages (exit 2).

use crate::batch::Clip;
use crate::cli::{ReelArgs, RenderArgs};
use crate::manifest::Manifest;
use crate::plan::{default_output, ReelRequest};
use crate::preset::Preset;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The request the reel flags describe (shared by `render` and `preview`).
pub fn request(args: &ReelArgs) -> ReelRequest {
    ReelRequest {
        start: args.start,
        end: args.end,
        duration: args.duration,
        went_wrong: args.went_wrong.clone(),
        lesson: args.lesson.clone(),
        went_wrong_at: args.went_wrong_at,
        went_wrong_until: args.went_wrong_until,
        lesson_at: args.lesson_at,
        lesson_until: args.lesson_until,
        focus: args.focus,
        crf: args.crf,
        encoder_preset: args.encoder_preset.clone(),
        normalize: args.no_normalize.then_some(false),
    }
}

/// Checks what can be checked without opening any file; returns a usage error message.
pub fn check_usage(args: &RenderArgs) -> Result<(), String> {
    if args.output.is_some() && args.inputs.len() > 1 {
        return Err("-o/--output takes one input; with several inputs use --out-dir".into());
    }
    if args.manifest.is_some() && !args.inputs.is_empty() {
        return Err("give either a --manifest or input files, not both".into());
    }
    if let (Some(s), Some(e)) = (args.reel.start, args.reel.end) {
        if e <= s {
            return Err(format!("--end {e} is not after --start {s}"));
        }
    }
    if args.reel.duration.is_some_and(|d| d.0 == 0) {
        return Err("--duration must be longer than 0".into());
    }
    for (name, at, until) in [
        (
            "went-wrong",
            args.reel.went_wrong_at,
            args.reel.went_wrong_until,
        ),
        ("lesson", args.reel.lesson_at, args.reel.lesson_until),
    ] {
        if let (Some(a), Some(u)) = (at, until) {
            if u <= a {
                return Err(format!("--{name}-until {u} is not after --{name}-at {a}"));
            }
        }
    }
    Ok(())
}

/// An absolute, lexically normalised path, to compare outputs and inputs.
fn normalise(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.canonicalize().unwrap_or(out)
}

/// Turns the command line (and manifest) into the batch's clips; usage errors are returned
/// as messages (exit 2).
pub fn clips_from(args: &RenderArgs) -> Result<Vec<Clip>, Vec<String>> {
    let base = request(&args.reel);
    let mut presets: HashMap<String, Arc<Preset>> = HashMap::new();
    let mut problems = Vec::new();
    let mut preset_for = |name: &str, problems: &mut Vec<String>| -> Option<Arc<Preset>> {
        if let Some(p) = presets.get(name) {
            return Some(p.clone());
        }
        match Preset::resolve(name) {
            Ok(p) => {
                let p = Arc::new(p);
                presets.insert(name.to_string(), p.clone());
                Some(p)
            }
            Err(e) => {
                let msg = e.to_string();
                if !problems.contains(&msg) {
                    problems.push(msg);
                }
                None
            }
        }
    };
    let cli_preset = args.reel.preset.clone().unwrap_or_else(|| "tiktok".into());
    let cli_out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reels"));
    // (input, explicit output, preset, out_dir, request)
    let mut specs = Vec::new();
    match &args.manifest {
        Some(m) => {
            let manifest = Manifest::load(m).map_err(|e| e.problems)?;
            // Without --out-dir, reels go next to the manifest, like every path in it.
            let cli_out_dir = args.out_dir.clone().unwrap_or_else(|| {
                m.parent()
                    .map(|p| p.join("reels"))
                    .unwrap_or_else(|| PathBuf::from("reels"))
            });
            for c in manifest.clips {
                let preset = c.preset.clone().unwrap_or_else(|| cli_preset.clone());
                let out_dir = c.out_dir.clone().unwrap_or_else(|| cli_out_dir.clone());
                specs.push((c.input, c.output, preset, out_dir, c.request.or(&base)));
            }
        }
        None => {
            for input in &args.inputs {
                specs.push((
                    input.clone(),
                    args.output.clone(),
                    cli_preset.clone(),
                    cli_out_dir.clone(),
                    base.clone(),
                ));
            }
        }
    }
    let mut clips = Vec::new();
    for (index, (input, output, preset_name, out_dir, request)) in specs.into_iter().enumerate() {
        let Some(preset) = preset_for(&preset_name, &mut problems) else {
            continue;
        };
        let output = output.unwrap_or_else(|| default_output(&input, &out_dir, &preset.name));
        clips.push(Clip {
            index,
            input,
            output,
            preset,
            request,
        });
    }
    if let Some((i, n)) = args.shard {
        clips.retain(|c| c.index % n == i);
    }
    // Outputs must be distinct and never an input.
    let inputs: HashMap<PathBuf, &Path> = clips
        .iter()
        .map(|c| (normalise(&c.input), c.input.as_path()))
        .collect();
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    for c in &clips {
        let key = normalise(&c.output);
        if let Some(inp) = inputs.get(&key) {
            problems.push(format!(
                "{}: the output would overwrite the input {}: choose another output name",
                c.output.display(),
                inp.display()
            ));
        }
        if let Some(other) = seen.insert(key, &c.input) {
            problems.push(format!(
                "{} and {} would both be written to {}: give one an `output` name",
                other.display(),
                c.input.display(),
                c.output.display()
            ));
        }
    }
    if problems.is_empty() {
        Ok(clips)
    } else {
        Err(problems)
    }
}

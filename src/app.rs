//! Runs a parsed command line: resolves presets, plans each reel, renders, reports (human on
//! stderr, JSON Lines on stdout) and returns the exit code.

use crate::batch::{run_batch, BatchOptions, Clip};
use crate::cli::{Cli, Command, PresetsAction, PreviewArgs, ProbeArgs, ReelArgs, RenderArgs};
use crate::manifest::Manifest;
use crate::plan::{default_output, ReelRequest};
use crate::preset::{Preset, BUILT_IN};
use crate::probe::probe;
use crate::signals::Stop;
use clap::{CommandFactory, Parser};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Every reel rendered.
pub const EXIT_OK: i32 = 0;
/// At least one input failed; the others were rendered.
pub const EXIT_SOME_FAILED: i32 = 1;
/// Usage or configuration error; nothing was rendered.
pub const EXIT_USAGE: i32 = 2;
/// Interrupted (Ctrl-C twice, or SIGTERM): running reels were cancelled and removed.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Parses `args` and runs the command; returns the process exit code.
pub fn main_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    run(cli)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Render(args) => run_render(*args),
        Command::Presets { action } => run_presets(action),
        Command::Probe(args) => run_probe(args),
        Command::Preview(args) => run_preview(*args),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "failreel", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            match man.render(&mut std::io::stdout()) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprintln!("failreel: error: cannot write the man page: {e}");
                    EXIT_SOME_FAILED
                }
            }
        }
    }
}

fn run_presets(action: Option<PresetsAction>) -> i32 {
    match action {
        None => {
            for (name, _) in BUILT_IN {
                let p = Preset::built_in(name).expect("built-in");
                println!("{name:<8} {}", p.summary);
            }
            EXIT_OK
        }
        Some(PresetsAction::Show { name }) => match Preset::resolve(&name) {
            Ok(p) => {
                print!("{}", p.to_toml());
                EXIT_OK
            }
            Err(e) => {
                eprintln!("failreel: error: {e}");
                EXIT_USAGE
            }
        },
    }
}

fn run_preview(args: PreviewArgs) -> i32 {
    let preset = match Preset::resolve(args.reel.preset.as_deref().unwrap_or("tiktok")) {
        Ok(p) => p,
        Err(e) => return usage_errors(&[e.to_string()]),
    };
    let req = request(&args.reel);
    let started = std::time::Instant::now();
    // The output rule of every write: never the input, never a FIFO or device, never a file
    // failreel did not write unless --force.
    if let Err(e) = crate::output::check_target(
        &args.output,
        &[&args.input],
        args.force,
        crate::output::png_is_ours,
    ) {
        eprintln!("failreel: error: {e}");
        return EXIT_SOME_FAILED;
    }
    let result = probe(&args.input)
        .map_err(|e| e.to_string())
        .and_then(|info| {
            crate::plan::plan_reel(&info, &req, &preset, args.output.clone())
                .map_err(|e| e.to_string())
        })
        .and_then(|plan| crate::render::preview(&plan, args.at).map_err(|e| e.to_string()))
        .and_then(|img| {
            crate::render::write_png(&img, &args.output, &[&args.input]).map_err(|e| e.to_string())
        });
    match result {
        Ok(()) => {
            eprintln!(
                "wrote {} (the reel at {}, in {:.2} s)",
                args.output.display(),
                args.at,
                started.elapsed().as_secs_f64()
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("failreel: error: {e}");
            EXIT_SOME_FAILED
        }
    }
}

fn run_probe(args: ProbeArgs) -> i32 {
    match probe(&args.input) {
        Ok(info) => {
            if args.json {
                println!("{}", serde_json::to_string(&info).expect("serialisable"));
            } else {
                print!("{}", crate::probe::describe(&info));
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("failreel: error: {e}");
            EXIT_SOME_FAILED
        }
    }
}

fn request(args: &ReelArgs) -> ReelRequest {
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
fn check_usage(args: &RenderArgs) -> Result<(), String> {
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

fn usage_errors(problems: &[String]) -> i32 {
    for p in problems {
        eprintln!("failreel: error: {p}");
    }
    EXIT_USAGE
}

/// Turns the command line (and manifest) into the batch's clips; usage errors are returned
/// as messages (exit 2).
fn clips_from(args: &RenderArgs) -> Result<Vec<Clip>, Vec<String>> {
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

fn run_render(args: RenderArgs) -> i32 {
    if let Err(msg) = check_usage(&args) {
        return usage_errors(&[msg]);
    }
    let clips = match clips_from(&args) {
        Ok(c) => c,
        Err(problems) => return usage_errors(&problems),
    };
    let stop = Arc::new(Stop::default());
    if let Err(e) = crate::signals::install(stop.clone(), args.quiet) {
        eprintln!("failreel: warning: cannot handle Ctrl-C ({e}); an interrupted reel may leave a hidden temporary file");
    }
    let opts = BatchOptions {
        jobs: args.jobs.map(usize::from),
        force: args.force,
        json: args.json,
        quiet: args.quiet,
        dry_run: args.dry_run,
        interactive: std::io::stderr().is_terminal() && !args.json && !args.quiet,
    };
    let total = clips.len();
    let summary = run_batch(clips, &opts, &stop);
    if !args.dry_run && !args.quiet && (total > 1 || !summary.failed.is_empty()) {
        eprintln!(
            "failreel: {} rendered, {} skipped, {} failed in {:.1} s",
            summary.rendered,
            summary.skipped,
            summary.failed.len(),
            summary.seconds
        );
        for (input, e) in &summary.failed {
            eprintln!("  failed: {}: {e}", input.display());
        }
    }
    if summary.interrupted {
        eprintln!("failreel: interrupted");
        EXIT_INTERRUPTED
    } else if !summary.failed.is_empty() {
        EXIT_SOME_FAILED
    } else {
        EXIT_OK
    }
}

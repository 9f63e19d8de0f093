//! Runs a parsed command line: resolves presets, plans each reel, renders, reports (human on
//! stderr, JSON Lines on stdout) and returns the exit code.

use crate::batch::{run_batch, BatchOptions};
use crate::cli::{Cli, Command, PresetsAction, PreviewArgs, ProbeArgs, RenderArgs};
use crate::preset::{Preset, BUILT_IN};
use crate::probe::probe;
use crate::signals::Stop;
use clap::{CommandFactory, Parser};
use std::io::IsTerminal;
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
    let req = crate::jobs::request(&args.reel);
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

fn usage_errors(problems: &[String]) -> i32 {
    for p in problems {
        eprintln!("failreel: error: {p}");
    }
    EXIT_USAGE
}

fn run_render(args: RenderArgs) -> i32 {
    if let Err(msg) = crate::jobs::check_usage(&args) {
        return usage_errors(&[msg]);
    }
    let clips = match crate::jobs::clips_from(&args) {
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

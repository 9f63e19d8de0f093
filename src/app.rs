//! Runs a parsed command line: resolves presets, plans each reel, renders, reports (human on
//! stderr, JSON Lines on stdout) and returns the exit code.

use crate::cli::{Cli, Command, PresetsAction, ProbeArgs, RenderArgs};
use crate::plan::{default_output, plan_reel, ReelRequest, RenderPlan};
use crate::preset::{Preset, BUILT_IN};
use crate::probe::probe;
use crate::render::{render, NoProgress, Progress};
use crate::signals::Stop;
use clap::{CommandFactory, Parser};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering;
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

/// A terminal progress bar for one render.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn begin(&self, total: u64) {
        self.0.set_length(total);
    }
    fn frames_done(&self, done: u64) {
        self.0.set_position(done);
    }
    fn end(&self) {
        self.0.finish_and_clear();
    }
}

fn bar(name: &str) -> Bar {
    let pb =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:30}] {pos}/{len} frames {per_sec} ETA {eta}",
    )
    .expect("valid template")
    .progress_chars("=> ");
    pb.set_style(style);
    pb.set_prefix(name.to_string());
    Bar(pb)
}

fn request(args: &RenderArgs) -> ReelRequest {
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
    }
}

/// Checks what can be checked without opening any file; returns a usage error message.
fn check_usage(args: &RenderArgs) -> Result<(), String> {
    if args.output.is_some() && args.inputs.len() > 1 {
        return Err("-o/--output takes one input; with several inputs use --out-dir".into());
    }
    if let (Some(s), Some(e)) = (args.start, args.end) {
        if e <= s {
            return Err(format!("--end {e} is not after --start {s}"));
        }
    }
    if args.duration.is_some_and(|d| d.0 == 0) {
        return Err("--duration must be longer than 0".into());
    }
    for (name, at, until) in [
        ("went-wrong", args.went_wrong_at, args.went_wrong_until),
        ("lesson", args.lesson_at, args.lesson_until),
    ] {
        if let (Some(a), Some(u)) = (at, until) {
            if u <= a {
                return Err(format!("--{name}-until {u} is not after --{name}-at {a}"));
            }
        }
    }
    Ok(())
}

fn emit_json(v: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn run_render(args: RenderArgs) -> i32 {
    if let Err(msg) = check_usage(&args) {
        eprintln!("failreel: error: {msg}");
        return EXIT_USAGE;
    }
    let preset = match Preset::resolve(&args.preset) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("failreel: error: {e}");
            return EXIT_USAGE;
        }
    };
    let req = request(&args);
    let interactive = std::io::stderr().is_terminal() && !args.json && !args.quiet;
    let stop = Arc::new(Stop::default());
    if let Err(e) = crate::signals::install(stop.clone(), args.quiet) {
        eprintln!("failreel: warning: cannot handle Ctrl-C ({e}); an interrupted reel may leave a hidden temporary file");
    }
    let cancel = &stop.cancel;
    let mut failed = 0usize;
    for input in &args.inputs {
        if !stop.may_start() {
            break;
        }
        let output = args
            .output
            .clone()
            .unwrap_or_else(|| default_output(input, &args.out_dir, &preset.name));
        let result = probe(input).map_err(|e| e.to_string()).and_then(|info| {
            plan_reel(&info, &req, &preset, output.clone()).map_err(|e| e.to_string())
        });
        let plan = match result {
            Ok(p) => p,
            Err(e) => {
                failed += 1;
                report_failure(&args, input, &output, &e);
                continue;
            }
        };
        for w in &plan.warnings {
            warn(&args, input, w);
        }
        if args.dry_run {
            print_plan(&args, &plan);
            continue;
        }
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = if interactive {
            render(&plan, &bar(&name), cancel)
        } else {
            render(&plan, &NoProgress, cancel)
        };
        match outcome {
            Ok(report) => {
                for w in &report.warnings {
                    warn(&args, input, w);
                }
                if args.json {
                    emit_json(json!({
                        "input": input, "output": plan.output, "status": "ok",
                        "duration_s": report.duration.as_secs_f64(),
                        "frames": report.frames,
                        "render_seconds": report.render_seconds,
                        "warnings": plan.warnings.iter().chain(&report.warnings).collect::<Vec<_>>(),
                    }));
                }
                if !args.quiet {
                    eprintln!(
                        "rendered {} -> {} ({:.2} s reel, {} frames, in {:.1} s)",
                        input.display(),
                        plan.output.display(),
                        report.duration.as_secs_f64(),
                        report.frames,
                        report.render_seconds
                    );
                }
            }
            Err(e) => {
                failed += 1;
                report_failure(&args, input, &plan.output, &e.to_string());
            }
        }
    }
    if stop.no_new.load(Ordering::SeqCst) {
        eprintln!("failreel: interrupted");
        return EXIT_INTERRUPTED;
    }
    if failed > 0 {
        if !args.json && args.inputs.len() > 1 {
            eprintln!(
                "failreel: {} of {} clip(s) failed",
                failed,
                args.inputs.len()
            );
        }
        EXIT_SOME_FAILED
    } else {
        EXIT_OK
    }
}

fn warn(args: &RenderArgs, input: &std::path::Path, msg: &str) {
    if args.json {
        emit_json(json!({"event": "warning", "input": input, "message": msg}));
    }
    if !args.quiet {
        eprintln!("failreel: warning: {msg}");
    }
}

fn report_failure(args: &RenderArgs, input: &std::path::Path, output: &std::path::Path, e: &str) {
    if args.json {
        emit_json(json!({"input": input, "output": output, "status": "failed", "error": e}));
    }
    eprintln!("failreel: error: {e}");
}

fn print_plan(args: &RenderArgs, plan: &RenderPlan) {
    if args.json {
        emit_json(
            json!({"event": "plan", "input": plan.input, "output": plan.output, "plan": plan}),
        );
        return;
    }
    let v = &plan.video;
    let mut s = format!(
        "{} -> {}\n  preset   {}\n  trim     {} to {} ({:.3} s, {} frames at {} fps)\n  picture  rotate {}°, crop {}x{} at ({}, {}) of {}x{}, scale to {}x{}, {} -> bt709 limited\n",
        plan.input.display(),
        plan.output.display(),
        plan.preset,
        plan.trim.start,
        plan.trim.end,
        plan.trim.duration().as_secs_f64(),
        v.frames,
        v.fps,
        v.rotation,
        v.crop.width,
        v.crop.height,
        v.crop.x,
        v.crop.y,
        v.rotated_size.0,
        v.rotated_size.1,
        v.width,
        v.height,
        v.color.source_transfer
    );
    for c in &plan.cards {
        s.push_str(&format!(
            "  card     {:?} {} to {} (fade {:.2}/{:.2} s): {:?}\n",
            c.kind,
            c.at,
            c.until,
            c.fade_in.as_secs_f64(),
            c.fade_out.as_secs_f64(),
            c.text
        ));
    }
    let e = &plan.encoder;
    s.push_str(&format!(
        "  encoder  {} {} level {} crf {} preset {} keyint {}; {} {} Hz {} kbit/s\n",
        e.video_codec,
        e.profile,
        e.level,
        e.crf,
        e.preset,
        e.keyframe_interval,
        e.audio_codec,
        e.sample_rate,
        e.audio_bitrate_kbps
    ));
    s.push_str(&format!(
        "  audio    {}\n",
        match plan.audio.stream {
            Some(i) => format!(
                "stream {i}, starts {:.3} s after the picture",
                plan.audio.source_offset.as_secs_f64()
            ),
            None => "none: silent track".into(),
        }
    ));
    print!("{s}");
}

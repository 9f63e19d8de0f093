//! Runs a parsed command line: resolves presets, plans each reel, renders, and reports
//! through the sinks (human on stderr, JSON Lines on stdout). Every error ends here, printed
//! with its causes (and as a JSON line with `--json`), and becomes the exit code.

use crate::batch::signals::Stop;
use crate::batch::{error_chain, run_batch, BatchOptions, Libav, Sink, Tee};
use crate::cli::{Cli, Command, DetectArgs, PresetsAction, PreviewArgs, ProbeArgs, RenderArgs};
use crate::config::preset::{Preset, BUILT_IN};
use crate::media::input::{probe, ProbeError};
use crate::plan::PlanError;
use crate::render::RenderError;
use crate::report::human::{Human, HumanOptions};
use crate::report::jsonl::{error_line, JsonLines};
use crate::report::{eprint_line, write_stdout, Out, StdoutError};
use clap::{CommandFactory, Parser};
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

/// Why a command stopped. Causes are kept as sources and printed `X: caused by: Y`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Usage or configuration problems (all of them), before anything was done.
    #[error("{}", .0.join("; "))]
    Usage(Vec<String>),
    /// Standard output failed (or its reader went away: then the run ends quietly).
    #[error(transparent)]
    Stdout(#[from] StdoutError),
    /// A man page could not be written.
    #[error("{}: cannot write the man page", .path.display())]
    Man {
        /// The page.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The output may not be written.
    #[error(transparent)]
    Output(#[from] crate::render::output::OutputError),
    /// The input could not be read.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// Several inputs a compilation needs could not be read: each is said, not only the
    /// first.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Inputs(Vec<ProbeError>),
    /// The reel cannot be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Rendering (or writing the preview) failed.
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl From<crate::chain::ChainError> for AppError {
    fn from(e: crate::chain::ChainError) -> AppError {
        match e {
            crate::chain::ChainError::Plan(e) => AppError::Plan(e),
            crate::chain::ChainError::Analyse(e) => AppError::Render(e),
        }
    }
}

impl AppError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Usage(_) => EXIT_USAGE,
            AppError::Stdout(StdoutError::Closed) => EXIT_OK,
            _ => EXIT_SOME_FAILED,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            AppError::Usage(_) => "usage",
            AppError::Stdout(_) | AppError::Man { .. } | AppError::Output(_) => "output",
            AppError::Probe(_) | AppError::Inputs(_) => "input",
            AppError::Plan(_) => "plan",
            AppError::Render(_) => "render",
        }
    }
}

/// Prints `e` (one line per problem, with its causes) on stderr and, with `json`, as JSON
/// lines on stdout; returns the exit code. A closed stdout is not reported.
pub fn report_error(e: &AppError, json: bool) -> i32 {
    let lines = match e {
        AppError::Stdout(StdoutError::Closed) => return EXIT_OK,
        AppError::Usage(problems) => problems.clone(),
        AppError::Inputs(errors) => errors.iter().map(|e| error_chain(e)).collect(),
        other => vec![error_chain(other)],
    };
    for l in &lines {
        eprint_line(&format!("failreel: error: {l}"));
        if json && !matches!(e, AppError::Stdout(_)) {
            // Stdout may be closed by now; that changes nothing about this exit code.
            let _ = write_stdout(error_line(e.kind(), l).as_bytes());
        }
    }
    e.exit_code()
}

/// Whether the raw command line asks for JSON (before clap has parsed it).
fn wants_json<T: AsRef<std::ffi::OsStr>>(args: &[T]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| a.as_ref() != "--")
        .any(|a| a.as_ref() == "--json")
}

/// A clap error as one line: its message and every line that belongs to it (the arguments
/// it names: "the following required arguments were not provided: --output <FILE>"), up to
/// the usage and the hint that follow.
fn usage_detail(rendered: &str) -> Option<String> {
    let start = rendered.find("error:")?;
    let body = &rendered[start + "error:".len()..];
    let end = [
        "\n\nUsage:",
        "\nUsage:",
        "\n\nFor more information",
        "\nFor more information",
    ]
    .iter()
    .filter_map(|m| body.find(m))
    .min()
    .unwrap_or(body.len());
    let parts: Vec<&str> = body[..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut text = String::new();
    for p in parts {
        if !text.is_empty() {
            text.push_str(if text.ends_with(':') { " " } else { "; " });
        }
        text.push_str(p);
    }
    (!text.is_empty()).then_some(text)
}

/// A clip whose name starts with '-' (`-take2.mp4`) is read by clap as flags ("unexpected
/// argument '-t' found", with a tip naming '-t'): the tip that names the file and the fix.
fn dash_file_tip(args: &[std::ffi::OsString]) -> Option<String> {
    let file = args
        .iter()
        .skip(1)
        .take_while(|a| a.as_os_str() != "--")
        .find(|a| {
            let b = a.as_encoded_bytes();
            b.len() > 1 && b[0] == b'-' && Path::new(a).is_file()
        })?;
    let name = file.to_string_lossy();
    let command = args
        .get(1)
        .map(|c| c.to_string_lossy())
        .filter(|c| !c.starts_with('-'))
        .unwrap_or("render".into());
    Some(format!(
        "  tip: `{name}` is a file whose name starts with '-': give it as ./{name}, or after -- (failreel {command} -- {name})"
    ))
}

/// The first argument that is not UTF-8 (a file named in Latin-1 on an old camera card or a
/// network share): libav's Rust binding, the JSON lines and the reel's tag all take names as
/// UTF-8, so such a name is refused before anything runs, with the fix, rather than met
/// half-way through a batch.
fn non_utf8_problem(args: &[std::ffi::OsString]) -> Option<String> {
    let bad = args.iter().skip(1).find(|a| a.to_str().is_none())?;
    let name = bad.to_string_lossy();
    Some(format!(
        "`{name}` is not UTF-8 (a name in another encoding, such as Latin-1 from an old camera card or a share): failreel reads names and texts as UTF-8: rename it (convmv -f latin1 -t utf8 --notest NAME) or retype the text, and run again"
    ))
}

/// Parses `args` and runs the command; returns the process exit code.
pub fn main_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let json = wants_json(&args);
    if let Some(problem) = non_utf8_problem(&args) {
        return report_error(&AppError::Usage(vec![problem]), json);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help and --version: in colour on a terminal, otherwise plain text through the
            // one way to stdout (a closed pipe is quiet, a full disk an error).
            if std::io::stdout().is_terminal() {
                let _ = e.print();
                return e.exit_code();
            }
            return match write_stdout(e.render().to_string().as_bytes()) {
                Ok(()) => e.exit_code(),
                Err(err) => report_error(&AppError::Stdout(err), false),
            };
        }
        Err(e) => {
            // As plain text: a value given may carry control characters (shown escaped).
            let mut text = e.render().to_string();
            if e.kind() == clap::error::ErrorKind::UnknownArgument {
                if let Some(tip) = dash_file_tip(&args) {
                    // Beside clap's own tip, before the usage line.
                    let at = text.find("\n\nUsage:").unwrap_or(text.len());
                    text.insert_str(at, &format!("\n{tip}"));
                }
            }
            eprint_line(text.trim_end());
            if json {
                let detail = usage_detail(&text).unwrap_or_else(|| e.kind().to_string());
                let _ = write_stdout(error_line("usage", &detail).as_bytes());
            }
            return e.exit_code();
        }
    };
    run(cli)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> i32 {
    let (json, result) = match cli.command {
        Command::Render(args) => (args.json, run_render(*args)),
        Command::Presets { action, json } => (json, run_presets(action, json)),
        Command::Probe(args) => (args.json, run_probe(args)),
        Command::Detect(args) => (args.json, run_detect(args)),
        Command::Preview(args) => (args.json, run_preview(*args)),
        Command::Compile(args) => (args.json, run_compile(*args)),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "failreel", &mut buf);
            (
                false,
                write_stdout(&buf).map(|()| EXIT_OK).map_err(AppError::from),
            )
        }
        Command::Man { dir } => (false, run_man(dir.as_deref())),
    };
    match result {
        Ok(code) => code,
        Err(e) => report_error(&e, json),
    }
}

/// The man page of `cmd` (and, for the one-page form, every subcommand's options after it).
fn man_pages(cmd: clap::Command) -> Result<Vec<(String, Vec<u8>)>, std::io::Error> {
    fn collect(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        pages.push((man.get_filename(), buf));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            collect(sub.clone(), pages)?;
        }
        Ok(())
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(cmd, &mut pages)?;
    Ok(pages)
}

/// One page on stdout (the main page, then each subcommand's synopsis and options), or one
/// file per subcommand in `dir`, each written to a temporary and renamed into place.
fn run_man(dir: Option<&Path>) -> Result<i32, AppError> {
    let Some(dir) = dir else {
        let mut cmd = Cli::command().disable_help_subcommand(true);
        cmd.build();
        let mut buf = Vec::new();
        let io = |e| AppError::Man {
            path: PathBuf::from("-"),
            source: e,
        };
        clap_mangen::Man::new(cmd.clone())
            .render(&mut buf)
            .map_err(io)?;
        fn subs(cmd: &clap::Command, buf: &mut Vec<u8>) -> std::io::Result<()> {
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                let title = sub
                    .get_display_name()
                    .unwrap_or(sub.get_name())
                    .replace('-', " ")
                    .to_uppercase();
                buf.extend_from_slice(format!(".SH \"COMMAND: {title}\"\n").as_bytes());
                let man = clap_mangen::Man::new(sub.clone());
                man.render_description_section(buf)?;
                man.render_synopsis_section(buf)?;
                man.render_options_section(buf)?;
                subs(sub, buf)?;
            }
            Ok(())
        }
        subs(&cmd, &mut buf).map_err(io)?;
        write_stdout(&buf)?;
        return Ok(EXIT_OK);
    };
    let pages = man_pages(Cli::command()).map_err(|e| AppError::Man {
        path: dir.to_path_buf(),
        source: e,
    })?;
    std::fs::create_dir_all(dir).map_err(|e| AppError::Man {
        path: dir.to_path_buf(),
        source: e,
    })?;
    for (name, bytes) in pages {
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.failreel-{}.tmp", std::process::id()));
        let written = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(AppError::Man { path, source: e });
        }
    }
    Ok(EXIT_OK)
}

/// `failreel presets [show NAME] [--json]`: the built-ins, one line each (a JSON line with
/// every field), or one preset as TOML (or as one JSON line).
fn run_presets(action: Option<PresetsAction>, json: bool) -> Result<i32, AppError> {
    // Every field, numbers as written (`exact`), as `presets show` prints them in TOML.
    let json_line = |p: &Preset| {
        let line = crate::report::jsonl::exact(p).to_string();
        format!("{}\n", crate::report::json_safe(&line))
    };
    match action {
        None => {
            let mut text = String::new();
            for (name, _) in BUILT_IN {
                if let Some(p) = Preset::built_in(name) {
                    if json {
                        text.push_str(&json_line(&p));
                    } else {
                        text.push_str(&format!("{name:<10} {}\n", p.summary));
                    }
                }
            }
            write_stdout(text.as_bytes())?;
            Ok(EXIT_OK)
        }
        Some(PresetsAction::Show { name }) => {
            let p = Preset::resolve(&name).map_err(|e| AppError::Usage(vec![e.to_string()]))?;
            let text = if json {
                json_line(&p)
            } else {
                p.to_toml_documented()
            };
            write_stdout(text.as_bytes())?;
            Ok(EXIT_OK)
        }
    }
}

fn run_preview(args: PreviewArgs) -> Result<i32, AppError> {
    let preset = Preset::resolve(args.reel.preset.as_deref().unwrap_or("tiktok"))
        .map_err(|e| AppError::Usage(vec![e.to_string()]))?;
    let req = crate::cli::jobs::request(&args.reel);
    if let Some(p) = crate::cli::jobs::captions_flag_problem(&req) {
        return Err(AppError::Usage(vec![p]));
    }
    // The render flags a still picture has no use for: refused, as a compilation refuses
    // --cover, not silently dropped (a user comparing encoder settings would otherwise
    // compare identical frames).
    let unused: Vec<&str> = [
        ("--crf", req.crf.is_some()),
        ("--encoder-preset", req.encoder_preset.is_some()),
        ("--cover", req.cover == Some(true)),
        ("--cover-at", req.cover_at.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    if !unused.is_empty() {
        return Err(AppError::Usage(vec![format!(
            "{}: preview draws the reel's frame as it is composed, before the video encoder and without a cover; leave {} out (render the reel to see {})",
            unused.join(", "),
            if unused.len() > 1 { "them" } else { "it" },
            if unused.len() > 1 { "their effect" } else { "its effect" },
        )]));
    }
    let started = std::time::Instant::now();
    // Ctrl-C as for a render: the first lets the frame be finished and written, a second (or
    // SIGTERM) stops the passes and writes nothing (exit 130).
    let stop = Arc::new(Stop::default());
    if let Err(e) = crate::batch::signals::install(stop.clone(), |m: &str| eprint_line(m)) {
        eprint_line(&format!("failreel: warning: cannot handle Ctrl-C ({e})"));
    }
    // The file is what its name says: PNG data under a .png name, JPEG under .jpg/.jpeg,
    // and no other name (refused after the output rule, which says more about a file that
    // must not be written at all).
    let jpeg = match args
        .output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("png") => Some(false),
        Some("jpg" | "jpeg") => Some(true),
        _ => None,
    };
    let is_ours = if jpeg == Some(true) {
        crate::plan::cover::jpeg_is_ours
    } else {
        crate::render::output::png_is_ours
    };
    // The output rule of every write: never an input (the clip, its captions, its preset
    // file), never a FIFO or device, never a file failreel did not write unless --force.
    let inputs: Vec<&Path> = std::iter::once(args.input.as_path())
        .chain(req.captions.as_deref())
        .chain(preset.source.as_deref())
        .collect();
    crate::render::output::check_target(&args.output, &inputs, args.force, is_ours)?;
    let Some(jpeg) = jpeg else {
        return Err(AppError::Usage(vec![format!(
            "{}: preview writes a PNG (.png) or a JPEG (.jpg, .jpeg): end the output's name with one of them",
            args.output.display()
        )]));
    };
    let info = probe(&args.input)?;
    let hook = StopPasses(&stop.cancel);
    let cancelled = || stop.cancel.load(std::sync::atomic::Ordering::SeqCst);
    // The same chain as the render's: the frame shows exactly what the reel would.
    let planned = crate::chain::plan_with(
        &info,
        &req,
        &preset,
        args.output.clone(),
        crate::chain::Extras::default(),
        crate::render::cores(),
        &hook,
    );
    let img = planned
        .map_err(AppError::from)
        .and_then(|plan| Ok((crate::render::preview(&plan, args.at)?, plan)));
    if cancelled() {
        eprint_line("failreel: cancelled: nothing written");
        if args.json {
            // As `render --json` says of a reel it cancels.
            let v = serde_json::json!({
                "input": args.input, "output": args.output, "status": "not_started",
                "reason": "cancelled",
            });
            let line = crate::report::json_safe(&v.to_string()).into_owned();
            write_stdout(format!("{line}\n").as_bytes())?;
        }
        return Ok(EXIT_INTERRUPTED);
    }
    let (img, plan) = img?;
    // What a render of this reel would warn about (a card's text cut short, a handle over
    // a card, a picture enlarged…): the frame shows it, so say it, as `render` does.
    let name = format!("{}: ", args.input.display());
    for w in plan.warnings().iter().filter(|_| !args.quiet) {
        let prefix = if w.starts_with(&name) { "" } else { &name };
        eprint_line(&format!("failreel: warning: {prefix}{w}"));
    }
    // With --json: each warning as `render --json` gives it (the clip as `input`, the
    // message without its name), then one result line.
    let json_line = |v: serde_json::Value| -> Result<(), AppError> {
        if args.json {
            let line = crate::report::json_safe(&v.to_string()).into_owned();
            write_stdout(format!("{line}\n").as_bytes())?;
        }
        Ok(())
    };
    for w in plan.warnings() {
        let message = w.strip_prefix(&name).unwrap_or(w);
        json_line(serde_json::json!({
            "event": "warning", "input": args.input, "message": message,
        }))?;
    }
    let result = |status: &str| {
        let mut v = serde_json::json!({
            "input": args.input, "output": args.output, "status": status,
            "at_s": args.at.as_secs_f64(),
            "trim_s": crate::report::jsonl::trim_s(plan.trim()),
        });
        if !plan.warnings().is_empty() {
            v["warnings"] = serde_json::json!(plan.warnings());
        }
        v
    };
    // `--strict` as for a render: the frame of a reel that would fail is not written.
    if req.strict == Some(true) && !plan.warnings().is_empty() {
        let e = crate::batch::ClipError::Strict {
            input: args.input.clone(),
            warnings: plan.warnings().to_vec(),
        };
        let message = format!("{e}: nothing written");
        eprint_line(&format!("failreel: error: {message}"));
        let mut v = result("failed");
        v["error"] = serde_json::json!(message);
        json_line(v)?;
        return Ok(EXIT_SOME_FAILED);
    }
    if jpeg {
        let tag = crate::plan::cover::jpeg_tag(&plan.hash());
        crate::plan::cover::write_jpeg(&img, 92, &tag, &args.output, &plan.inputs())?;
    } else {
        crate::render::write_png(&img, &args.output, &plan.inputs())?;
    }
    let seconds = started.elapsed().as_secs_f64();
    if !args.quiet {
        eprint_line(&format!(
            "wrote {} (the reel at {}, in {seconds:.2} s)",
            args.output.display(),
            args.at,
        ));
    }
    let mut v = result("ok");
    v["seconds"] = serde_json::json!((seconds * 1000.0).round() / 1000.0);
    json_line(v)?;
    Ok(EXIT_OK)
}

fn run_compile(args: crate::cli::CompileArgs) -> Result<i32, AppError> {
    use crate::batch::{Event, Outcome, Status, Summary, WouldDo};
    use crate::chain::CompileError;
    let started = std::time::Instant::now();
    let (parts, unused_keys) = crate::cli::jobs::compile_parts(&args).map_err(AppError::Usage)?;
    let preset = parts[0].preset.clone();
    let flags = crate::cli::jobs::request(&args.reel);
    let Terminal {
        out,
        human,
        jsonl,
        stop,
    } = Terminal::open(args.json, args.quiet);
    let mut sinks: Vec<&dyn Sink> = vec![human.as_ref()];
    if let Some(j) = &jsonl {
        sinks.push(j);
    }
    let sink = Tee(sinks);
    // Every file the compilation reads: the clips and their side files.
    let inputs: Vec<&Path> = parts
        .iter()
        .flat_map(|c| {
            std::iter::once(c.input.as_path()).chain(c.reads.iter().map(PathBuf::as_path))
        })
        .collect();
    // The output rule first: never an input, never a FIFO, device or link; a file failreel
    // did not write only with --force.
    crate::render::output::check_before(
        &args.output,
        &inputs,
        args.dry_run,
        args.force,
        crate::render::reel_is_ours,
    )?;
    if let Some(p) = crate::cli::jobs::reel_name_problem(&args.output) {
        return Err(AppError::Usage(vec![p]));
    }
    // Each distinct input probed once: the same clip may be several parts. Every input that
    // cannot be read is said (a compilation needs them all), as render lists every failing
    // clip, not only the first.
    let mut infos: std::collections::HashMap<PathBuf, Arc<crate::model::source::MediaInfo>> =
        std::collections::HashMap::new();
    let mut unreadable: Vec<ProbeError> = Vec::new();
    let mut tried: std::collections::HashSet<&PathBuf> = std::collections::HashSet::new();
    for c in &parts {
        if tried.insert(&c.input) {
            match probe(&c.input) {
                Ok(info) => {
                    infos.insert(c.input.clone(), Arc::new(info));
                }
                Err(e) => unreadable.push(e),
            }
        }
    }
    match unreadable.len() {
        0 => {}
        1 => return Err(AppError::Probe(unreadable.remove(0))),
        _ => return Err(AppError::Inputs(unreadable)),
    }
    let requests: Vec<crate::chain::PartRequest> = parts
        .iter()
        .map(|c| crate::chain::PartRequest {
            info: &infos[&c.input],
            request: &c.request,
            reads: &c.reads,
        })
        .collect();
    // The compilation is one reel: its bar is named by its file and preset, and shows each
    // part's passes, then its parts as they are rendered.
    sink.event(&Event::Batch {
        reels: vec![crate::batch::ReelRef {
            index: 0,
            input: args.output.clone(),
            output: args.output.clone(),
            preset: preset.name.clone(),
        }],
    });
    // JSON names the compilation by its first clip, as its result line does.
    let passes = crate::batch::EventPasses::new(&sink, 0, &parts[0].input, &args.output)
        .cancelled_by(&stop.cancel);
    let planned = crate::chain::plan_compilation_with(
        &requests,
        &flags,
        &preset,
        args.title.as_deref().unwrap_or(""),
        !args.no_cold_open,
        args.output.clone(),
        crate::render::cores(),
        &passes,
    );
    // A second Ctrl-C or SIGTERM while the parts' passes ran: they stopped, nothing was
    // written.
    if planned.is_err() && stop.cancel.load(std::sync::atomic::Ordering::SeqCst) {
        sink.event(&Event::Summary(Box::new(Summary {
            seconds: started.elapsed().as_secs_f64(),
            interrupted: true,
            dry_run: args.dry_run,
            not_started: 1,
            ..Summary::default()
        })));
        return out
            .take_error()
            .map_or(Ok(EXIT_INTERRUPTED), |e| Err(e.into()));
    }
    let (plan, mut warnings) = planned.map_err(|e| match e {
        CompileError::Usage(m) => AppError::Usage(vec![m]),
        CompileError::Chain(e) => e.into(),
    })?;
    // The cover beside it: the same rule (a JPEG failreel did not write only with --force).
    let cover = plan
        .cover
        .as_ref()
        .and_then(|c| Some((&c.plan, c.plan.cover.as_ref()?)));
    if let Some((_, c)) = cover {
        crate::render::output::check_before(
            &c.path,
            &inputs,
            args.dry_run,
            args.force,
            crate::plan::cover::jpeg_is_ours,
        )?;
    }
    let write_cover =
        || -> Result<Option<crate::render::CoverReport>, crate::media::RenderError> {
            cover.map_or(Ok(None), |(p, _)| crate::render::write_cover(p))
        };
    // A manifest written for `render` may name each clip's output or ask for covers (the
    // flags are refused): say that a compilation uses neither rather than drop the keys
    // silently.
    warnings.extend(unused_keys);
    for c in &parts {
        // The flag is the compilation's own (on its clock); a clip's key is not used.
        if c.request.cover_at.is_some() && c.request.cover_at != flags.cover_at {
            warnings.push(format!(
                "{}: the manifest gives `cover_at`, a time on that clip's reel, but a compilation's cover is chosen on its own clock (`--cover-at`): the key is not used",
                c.input.display()
            ));
        }
    }
    // The same clip may be several parts: its warnings (which name it) are said once.
    let mut said = std::collections::HashSet::new();
    warnings.retain(|w| said.insert(w.clone()));
    // A part's warning names its clip ("a.mp4: ..."): told as that clip's, as `render`
    // tells its warnings (JSON `input`, the message without the name).
    let part_inputs: Vec<PathBuf> = parts.iter().map(|c| c.input.clone()).collect();
    let warn = |w: &str| {
        let (input, message) = part_inputs
            .iter()
            .find_map(|p| {
                w.strip_prefix(&format!("{}: ", p.display()))
                    .map(|m| (Some(p.clone()), m.to_string()))
            })
            .unwrap_or_else(|| (None, w.to_string()));
        sink.event(&Event::Warning {
            input,
            message,
            count: 1,
            clips: 1,
        });
    };
    for w in &warnings {
        warn(w);
    }
    let strict = flags.strict == Some(true) || parts.iter().any(|c| c.request.strict == Some(true));
    let existing = crate::render::existing_reel(&args.output);
    let up_to_date = !args.force
        && matches!(&existing, crate::render::ExistingReel::Ours { request: Some(r), complete: true, .. } if *r == plan.request);
    let first_input = parts[0].input.clone();
    let outcome = |status: Status| {
        let mut o = Outcome::new(0, first_input.clone(), args.output.clone(), status);
        o.parts = part_inputs.clone();
        o
    };
    let finish = |mut o: Outcome, warnings: Vec<String>, interrupted: bool| -> i32 {
        o.warnings = warnings;
        let mut summary = Summary {
            seconds: started.elapsed().as_secs_f64(),
            interrupted,
            dry_run: args.dry_run,
            warnings: o.warnings.len(),
            ..Summary::default()
        };
        match o.status {
            Status::Ok => summary.rendered = 1,
            Status::Skipped => summary.skipped = 1,
            Status::Failed => summary.failed = 1,
            Status::NotStarted => summary.not_started = 1,
        }
        let code = if interrupted {
            EXIT_INTERRUPTED
        } else if o.status == Status::Failed {
            EXIT_SOME_FAILED
        } else {
            EXIT_OK
        };
        if !args.dry_run {
            sink.event(&Event::Finished(Box::new(o.clone())));
        }
        summary.outcomes.push(o);
        sink.event(&Event::Summary(Box::new(summary)));
        code
    };
    if args.dry_run {
        let would = if up_to_date {
            WouldDo::SkipUpToDate
        } else {
            WouldDo::Render
        };
        sink.event(&Event::CompilePlan {
            plan: Box::new(plan),
            would,
        });
        let code = finish(outcome(Status::Ok), warnings, false);
        return out.take_error().map_or(Ok(code), |e| Err(e.into()));
    }
    if strict && !warnings.is_empty() {
        let mut o = outcome(Status::Failed);
        o.error = Some(Arc::new(crate::batch::ClipError::Strict {
            input: args.output.clone(),
            warnings: warnings.clone(),
        }));
        let code = finish(o, warnings, false);
        return out.take_error().map_or(Ok(code), |e| Err(e.into()));
    }
    if up_to_date {
        let mut o = outcome(Status::Skipped);
        o.reason = Some("up to date".into());
        // An up-to-date compilation whose cover is missing or out of date gets it now.
        if let Some((p, c)) = cover {
            let current = crate::plan::cover::jpeg_still_hash(&c.path)
                .is_some_and(|h| h == crate::plan::cover::still_hash(p, c));
            if !current {
                match write_cover() {
                    Ok(written) => {
                        o.cover = written;
                        o.reason = Some("up to date (its still was written)".into());
                    }
                    Err(e) => {
                        o = outcome(Status::Failed);
                        o.error = Some(Arc::new(crate::batch::ClipError::Render(e)));
                    }
                }
            }
        }
        let code = finish(o, warnings, false);
        return out.take_error().map_or(Ok(code), |e| Err(e.into()));
    }
    if !stop.may_start() {
        let code = finish(outcome(Status::NotStarted), warnings, true);
        return out.take_error().map_or(Ok(code), |e| Err(e.into()));
    }
    sink.event(&Event::Rendering {
        reels: vec![(0, args.output.clone())],
        frames: vec![plan.frames],
        jobs: 1,
        threads: 0,
    });
    sink.event(&Event::Started {
        index: 0,
        input: first_input.clone(),
        output: args.output.clone(),
        frames: plan.frames,
    });
    let frames = crate::batch::EventProgress::new(&sink, 0, &first_input, plan.frames);
    let progress = PartProgress::new(&frames, &sink, &plan);
    let result = crate::render::compile::render_compilation(
        &plan,
        &crate::render::RenderOptions::default(),
        &progress,
        &stop.cancel,
    );
    let mut all = warnings.clone();
    let o = match result {
        Ok(report) => {
            for n in &report.notices {
                sink.event(&Event::Notice { message: n.clone() });
            }
            for w in &report.warnings {
                warn(w);
            }
            all.extend(report.warnings.iter().cloned());
            if strict && !report.warnings.is_empty() {
                // Not what was asked: do not leave it to be resumed.
                let _ = std::fs::remove_file(&args.output);
                let mut o = outcome(Status::Failed);
                o.error = Some(Arc::new(crate::batch::ClipError::Strict {
                    input: args.output.clone(),
                    warnings: report.warnings.clone(),
                }));
                o
            } else {
                match write_cover() {
                    Ok(written) => {
                        let mut o = outcome(Status::Ok);
                        o.duration = Some(report.duration);
                        o.frames = Some(report.frames);
                        o.render_seconds = Some(report.render_seconds);
                        o.cover = written;
                        o
                    }
                    Err(e) => {
                        let mut o = outcome(Status::Failed);
                        o.error = Some(Arc::new(crate::batch::ClipError::Render(e)));
                        o
                    }
                }
            }
        }
        // A second Ctrl-C or SIGTERM: interrupted, nothing written (as `render` says of a
        // reel it cancels), not a failure of the compilation.
        Err(e) if crate::batch::is_cancelled(&e) => {
            let mut o = outcome(Status::NotStarted);
            o.reason = Some("cancelled".into());
            o
        }
        Err(e) => {
            let mut o = outcome(Status::Failed);
            o.error = Some(Arc::new(crate::batch::ClipError::Render(e)));
            o
        }
    };
    let code = finish(o, all, !stop.may_start());
    out.take_error().map_or(Ok(code), |e| Err(e.into()))
}

/// Passes that only listen for cancellation (a command without progress bars).
struct StopPasses<'a>(&'a std::sync::atomic::AtomicBool);

impl crate::analyse::progress::PassProgress for StopPasses<'_> {
    fn pass(&self, _pass: crate::analyse::progress::Pass, _done: f64) {}
    fn cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A compilation's frame progress, plus an [`crate::batch::Event::Part`] each time it
/// moves on to its next part (the title, then each part from where its crossfade begins).
struct PartProgress<'a> {
    frames: &'a dyn crate::render::Progress,
    sink: &'a dyn Sink,
    /// First frame of each part.
    starts: Vec<u64>,
    inputs: Vec<PathBuf>,
    current: std::sync::atomic::AtomicUsize,
}

impl<'a> PartProgress<'a> {
    fn new(
        frames: &'a dyn crate::render::Progress,
        sink: &'a dyn Sink,
        plan: &crate::plan::compile::CompilePlan,
    ) -> Self {
        PartProgress {
            frames,
            sink,
            starts: plan.part_starts(),
            inputs: plan.parts.iter().map(|p| p.input().to_path_buf()).collect(),
            current: std::sync::atomic::AtomicUsize::new(usize::MAX),
        }
    }
}

impl crate::render::Progress for PartProgress<'_> {
    fn begin(&self, total: u64) {
        self.frames.begin(total);
    }
    fn frames_done(&self, done: u64) {
        use std::sync::atomic::Ordering;
        // 0: the title; k: part k.
        let part = self.starts.iter().filter(|&&s| s < done.max(1)).count();
        if self.current.swap(part, Ordering::Relaxed) != part {
            self.sink.event(&crate::batch::Event::Part {
                index: 0,
                part,
                parts: self.starts.len(),
                input: part.checked_sub(1).map(|k| self.inputs[k].clone()),
            });
        }
        self.frames.frames_done(done);
    }
    fn end(&self) {
        self.frames.end();
    }
}

/// `failreel probe`: what failreel sees in each input, as text (a blank line between
/// clips) or one JSON line per input. A clip that cannot be read is an error line (naming
/// it) and exit 1; the others are still probed, as `detect` does.
fn run_probe(args: ProbeArgs) -> Result<i32, AppError> {
    let mut failed = false;
    for (k, input) in args.inputs.iter().enumerate() {
        let info = match probe(input) {
            Ok(info) => info,
            Err(e) => {
                failed = true;
                input_failed(args.json, "input", input, &error_chain(&e))?;
                continue;
            }
        };
        let text = if args.json {
            // The probe's own fields (`path`; `duration` in microseconds), then the names the
            // other commands' lines use for the same things: `input`, `duration_s`.
            #[derive(serde::Serialize)]
            struct Line<'a> {
                #[serde(flatten)]
                info: &'a crate::model::source::MediaInfo,
                input: &'a Path,
                duration_s: f64,
            }
            let line = Line {
                info: &info,
                input,
                duration_s: info.duration.as_secs_f64(),
            };
            match serde_json::to_string(&line) {
                Ok(j) => format!("{}\n", crate::report::json_safe(&j)),
                Err(e) => input_error_line("input", input, &e.to_string()),
            }
        } else {
            let text = crate::model::source::describe(&info);
            let text = crate::report::terminal_safe(&text).into_owned();
            if k > 0 {
                format!("\n{text}")
            } else {
                text
            }
        };
        write_stdout(text.as_bytes())?;
    }
    Ok(if failed { EXIT_SOME_FAILED } else { EXIT_OK })
}

/// Says that one input of a command that goes on with the others (`probe`, `detect`)
/// failed: on the terminal, and with `json` as its error line.
fn input_failed(json: bool, kind: &str, input: &Path, message: &str) -> Result<(), AppError> {
    eprint_line(&format!("failreel: error: {message}"));
    if json {
        write_stdout(input_error_line(kind, input, message).as_bytes())?;
    }
    Ok(())
}

/// The JSON line of one input's error in a command that goes on with the others (`probe`,
/// `detect`): `{"event":"error","kind":…,"input":…,"message":…}`.
fn input_error_line(kind: &str, input: &Path, message: &str) -> String {
    let line = serde_json::json!({
        "event": "error", "kind": kind, "input": input, "message": message,
    });
    format!("{}\n", crate::report::json_safe(&line.to_string()))
}

/// What a command that renders talks through: standard output, the terminal sink, JSON
/// Lines when asked, and the stop flags Ctrl-C and SIGTERM raise.
struct Terminal {
    out: Arc<Out>,
    human: Arc<Human>,
    jsonl: Option<JsonLines>,
    stop: Arc<Stop>,
}

impl Terminal {
    fn open(json: bool, quiet: bool) -> Terminal {
        let out = Arc::new(Out::default());
        let human = Arc::new(Human::new(
            out.clone(),
            HumanOptions {
                quiet,
                bars: std::io::stderr().is_terminal() && !json && !quiet,
                plans: !json,
            },
        ));
        let jsonl = json.then(|| JsonLines::new(out.clone()));
        let stop = Arc::new(Stop::default());
        let notify = {
            let human = human.clone();
            move |msg: &str| human.say(msg)
        };
        if let Err(e) = crate::batch::signals::install(stop.clone(), notify) {
            human.say(&format!("failreel: warning: cannot handle Ctrl-C ({e}); an interrupted reel may leave a hidden temporary file"));
        }
        Terminal {
            out,
            human,
            jsonl,
            stop,
        }
    }
}

fn run_render(args: RenderArgs) -> Result<i32, AppError> {
    crate::cli::jobs::check_usage(&args).map_err(|m| AppError::Usage(vec![m]))?;
    let clips = crate::cli::jobs::clips_from(&args).map_err(AppError::Usage)?;
    // Presets that split (stories): a longer clip becomes numbered parts, each its own clip.
    let clips = crate::plan::stories::split_clips(clips, &|p| probe(p).ok());
    let Terminal {
        out,
        human,
        jsonl,
        stop,
    } = Terminal::open(args.json, args.quiet);
    let opts = BatchOptions {
        jobs: args.jobs.map(usize::from),
        force: args.force,
        dry_run: args.dry_run,
        // Per clip from the request (`--strict` or the manifest's `strict`).
        strict: false,
        memory_mib: None,
        thumbnails: args.report,
        review: None,
    };
    let report = args.report.then(|| report_sink(&args, &clips));
    // The report's review sheets go beside it.
    let opts = BatchOptions {
        review: report.as_ref().map(|r| r.dir().to_path_buf()),
        ..opts
    };
    let mut sinks: Vec<&dyn Sink> = vec![human.as_ref()];
    if let Some(j) = &jsonl {
        sinks.push(j);
    }
    if let Some(r) = &report {
        sinks.push(r);
    }
    let summary = run_batch(clips, &opts, &stop, &Libav, &Tee(sinks));
    if let Some(e) = out.take_error() {
        return Err(e.into());
    }
    if let Some(r) = &report {
        if let Some(e) = r.take_error() {
            return Err(e.into());
        }
        if let (Some(p), false) = (r.written(), args.quiet) {
            human.say(&format!("wrote {}", p.display()));
        }
    }
    Ok(if summary.interrupted {
        EXIT_INTERRUPTED
    } else if summary.failed > 0 {
        EXIT_SOME_FAILED
    } else {
        EXIT_OK
    })
}

/// The `--report` sink: report.html in `--out-dir`, else in the first reel's folder.
fn report_sink(args: &RenderArgs, clips: &[crate::batch::Clip]) -> crate::report::html::HtmlReport {
    let dir = args
        .out_dir
        .clone()
        .or_else(|| {
            clips
                .first()
                .and_then(|c| c.output.parent().map(Path::to_path_buf))
        })
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let mut inputs: Vec<PathBuf> = clips
        .iter()
        .flat_map(|c| std::iter::once(c.input.clone()).chain(c.reads.iter().cloned()))
        .collect();
    inputs.sort();
    inputs.dedup();
    crate::report::html::HtmlReport::new(dir, args.force, inputs)
}

/// `failreel detect`: each input's candidate moments, a table (or a JSON line) per input. A
/// bad input is an error line and exit 1; the others are still analysed.
fn run_detect(args: DetectArgs) -> Result<i32, AppError> {
    let mut failed = false;
    for input in &args.inputs {
        let found = probe(input)
            .map_err(AppError::from)
            .and_then(|info| crate::analyse::detect::detect_cached(&info).map_err(AppError::from));
        let mut d = match found {
            Ok(d) => d,
            Err(e) => {
                failed = true;
                input_failed(args.json, e.kind(), input, &error_chain(&e))?;
                continue;
            }
        };
        d.moments.truncate(args.top);
        let text = if args.json {
            #[derive(serde::Serialize)]
            struct Line<'a> {
                input: &'a Path,
                duration_s: f64,
                moments: &'a [crate::analyse::detect::Moment],
                classifier: &'a str,
            }
            let line = Line {
                input,
                duration_s: d.duration_s,
                moments: &d.moments,
                classifier: &d.classifier,
            };
            let json = serde_json::to_string(&line).unwrap_or_default();
            format!("{}\n", crate::report::json_safe(&json))
        } else {
            let table = crate::analyse::detect::table(&input.display().to_string(), &d);
            crate::report::terminal_safe(&table).into_owned()
        };
        write_stdout(text.as_bytes())?;
    }
    Ok(if failed { EXIT_SOME_FAILED } else { EXIT_OK })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn a_name_that_is_not_utf8_is_a_usage_error_naming_it_not_a_panic() {
        // `bad\xffname.mp4` (Latin-1 from an old card): probe panicked inside ffmpeg-next,
        // render --out-dir in a worker thread. Now refused before anything runs, exit 2.
        let bad = OsString::from_vec(b"bad\xffname.mp4".to_vec());
        let args = |rest: &[OsString]| {
            let mut a: Vec<OsString> = vec!["failreel".into()];
            a.extend_from_slice(rest);
            a
        };
        let problem = non_utf8_problem(&args(&["probe".into(), bad.clone()])).unwrap();
        assert!(
            problem.starts_with("`bad\u{FFFD}name.mp4` is not UTF-8")
                && problem.contains("rename it"),
            "{problem}"
        );
        assert_eq!(
            non_utf8_problem(&args(&["probe".into(), "é 🍳.mp4".into()])),
            None
        );
        for rest in [
            vec!["probe".into(), bad.clone()],
            vec![
                "render".into(),
                "a.mp4".into(),
                "--out-dir".into(),
                bad.clone(),
            ],
            vec!["render".into(), "--".into(), bad],
        ] {
            assert_eq!(main_with_args(args(&rest)), EXIT_USAGE, "{rest:?}");
        }
    }
}

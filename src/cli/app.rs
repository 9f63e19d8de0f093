//! Runs a parsed command line: resolves presets, plans each reel, renders, and reports
//! through the sinks (human on stderr, JSON Lines on stdout). Every error ends here, printed
//! with its causes (and as a JSON line with `--json`), and becomes the exit code.

use super::error::{report_error, AppError, EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED};
use super::terminal::Terminal;
use crate::batch::signals::Stop;
use crate::batch::{error_chain, run_batch, BatchOptions, Libav, Tee};
use crate::cli::{Cli, Command, DetectArgs, PresetsAction, PreviewArgs, ProbeArgs, RenderArgs};
use crate::config::preset::{Preset, BUILT_IN};
use crate::media::input::probe;
use crate::report::jsonl::error_line;
use crate::report::{eprint_line, write_stdout};
use clap::{CommandFactory, Parser};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
        Command::Compile(args) => (args.json, super::compile::run(*args)),
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
        crate::render::cover::write_jpeg(&img, 92, &tag, &args.output, &plan.inputs())?;
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

/// Passes that only listen for cancellation (a command without progress bars).
struct StopPasses<'a>(&'a std::sync::atomic::AtomicBool);

impl crate::analyse::progress::PassProgress for StopPasses<'_> {
    fn pass(&self, _pass: crate::analyse::progress::Pass, _done: f64) {}
    fn cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
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

fn run_render(args: RenderArgs) -> Result<i32, AppError> {
    crate::cli::jobs::check_usage(&args).map_err(|m| AppError::Usage(vec![m]))?;
    let clips = crate::cli::jobs::clips_from(&args).map_err(AppError::Usage)?;
    // Presets that split (stories): a longer clip becomes numbered parts, each its own clip.
    let clips = crate::batch::stories::split_clips(clips, &|p| probe(p).ok());
    let terminal = Terminal::open(args.json, args.quiet);
    let (out, human, stop) = (&terminal.out, &terminal.human, &terminal.stop);
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
    let mut sinks = terminal.sinks();
    if let Some(r) = &report {
        sinks.push(r);
    }
    let summary = run_batch(clips, &opts, stop, &Libav, &Tee(sinks));
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
    use crate::cli::error::EXIT_USAGE;
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

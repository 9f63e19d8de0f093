//! Jobs: the command line (and its manifest) turned into the batch's [`Clip`]s, each with its
//! input, output, preset and [`ReelRequest`]. Usage problems come back as messages (exit 2).
//!
//! Precedence, most important first: a flag given on the command line, then the clip's own
//! key in the manifest, then the manifest's top-level defaults, then the preset. A flag given
//! beside `--manifest` therefore applies to every clip (`--out-dir` replaces every `out_dir`
//! but not a clip's explicit `output` file name).

use crate::batch::Clip;
use crate::cli::{ReelArgs, RenderArgs};
use crate::config::manifest::Manifest;
use crate::config::preset::Preset;
use crate::config::request::{flag_name, key_name, ReelRequest};
use crate::plan::default_output;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The request the reel flags describe (shared by `render` and `preview`), blank card texts
/// taken as no card.
pub fn request(args: &ReelArgs) -> ReelRequest {
    args.request().without_blank_cards()
}

/// `--captions FILE` applies to every clip: a file that is missing or malformed is a usage
/// error (exit 2, before any clip is read), as a bad `--preset FILE` is, not one failure per
/// clip. (A manifest clip's own `captions` fails that clip, as its missing input does.)
pub fn captions_flag_problem(flags: &ReelRequest) -> Option<String> {
    let path = flags.captions.as_deref()?;
    crate::plan::captions::read_captions(path)
        .err()
        .map(|e| format!("--captions: {e}"))
}

/// Checks what can be checked without opening any file; returns a usage error message.
/// The request's own values are checked by [`clips_from`], which lists every problem.
pub fn check_usage(args: &RenderArgs) -> Result<(), String> {
    if args.output.is_some() && args.inputs.len() > 1 {
        return Err("-o/--output takes one input; with several inputs use --out-dir".into());
    }
    if args.manifest.is_some() && !args.inputs.is_empty() {
        return Err("give either a --manifest or input files, not both".into());
    }
    Ok(())
}

/// One clip before its preset is resolved.
struct Spec {
    input: PathBuf,
    output: Option<PathBuf>,
    preset: String,
    out_dir: PathBuf,
    request: ReelRequest,
    /// The clip's number and place in the manifest, for messages.
    from_manifest: Option<(usize, String)>,
}

/// Turns the command line (and manifest) into the batch's clips; usage errors are returned
/// as messages (exit 2), all of them.
pub fn clips_from(args: &RenderArgs) -> Result<Vec<Clip>, Vec<String>> {
    clips(args, None, &mut Vec::new())
}

/// The parts of a compilation written to `output`: the same precedence as `render`'s
/// clips; the same input may appear any number of times (every part's output is the
/// compilation's: a part is never written on its own). With them, the warnings about manifest
/// keys a compilation does not use (a clip's `output`).
pub fn compile_parts(
    args: &crate::cli::CompileArgs,
) -> Result<(Vec<Clip>, Vec<String>), Vec<String>> {
    if args.manifest.is_some() && !args.inputs.is_empty() {
        return Err(vec![
            "give either a --manifest or input files, not both".into()
        ]);
    }
    let render_args = RenderArgs {
        inputs: args.inputs.clone(),
        manifest: args.manifest.clone(),
        output: None,
        out_dir: None,
        jobs: None,
        force: args.force,
        shard: None,
        dry_run: args.dry_run,
        json: args.json,
        quiet: args.quiet,
        report: false,
        reel: ReelArgs {
            preset: args.reel.preset.clone(),
            request: args.reel.request.clone(),
        },
    };
    let mut unused = Vec::new();
    let parts = clips(&render_args, Some(&args.output), &mut unused)?;
    if parts.is_empty() {
        return Err(vec!["a compilation needs clips".into()]);
    }
    let first = &parts[0].preset;
    if let Some(c) = parts.iter().find(|c| c.preset.name != first.name) {
        // With -p every clip has its preset: only the manifest's own can differ.
        let fix = if args.reel.preset.is_some() {
            "set one `preset` for every clip in the manifest"
        } else {
            "give -p to choose one"
        };
        return Err(vec![format!(
            "a compilation is one reel with one preset, but its clips ask for {} and {} ({}): {fix}",
            first.name,
            c.preset.name,
            c.input.display()
        )]);
    }
    Ok((parts, unused))
}

/// `compilation`: the parts of the compilation written there; a clip's own `output` (a
/// manifest key written for `render`) is then not used, which `unused` is told.
fn clips(
    args: &RenderArgs,
    compilation: Option<&Path>,
    unused: &mut Vec<String>,
) -> Result<Vec<Clip>, Vec<String>> {
    let flags = &args.reel.request();
    let mut problems = flags.validate(&flag_name);
    // A file named as the output folder: said before anything is probed, with what to do.
    if let Some(dir) = &args.out_dir {
        if let Some(file) = crate::render::output::file_in_the_way(dir) {
            let what = if file == *dir {
                "that is a file".to_string()
            } else {
                format!("{} is a file", file.display())
            };
            problems.push(format!(
                "--out-dir {}: {what}, not a folder: give a folder (failreel makes it when missing), e.g. --out-dir reels",
                dir.display()
            ));
        }
    }
    problems.extend(captions_flag_problem(flags));
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut problems = Vec::new();
    let mut presets: HashMap<String, Arc<Preset>> = HashMap::new();
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
                for msg in e.to_string().lines() {
                    if !problems.iter().any(|p| p == msg) {
                        problems.push(msg.to_string());
                    }
                }
                None
            }
        }
    };
    let cli_preset = args.reel.preset.clone();
    let mut specs = Vec::new();
    match &args.manifest {
        Some(m) => {
            let manifest = Manifest::load(m).map_err(|e| e.problems)?;
            // Without --out-dir, reels go next to the manifest, like every path in it.
            let manifest_out_dir = m
                .parent()
                .map(|p| p.join("reels"))
                .unwrap_or_else(|| PathBuf::from("reels"));
            for c in manifest.clips {
                let request = flags.or(&c.request).without_blank_cards();
                let place = c.origin.clone();
                for p in request.validate(&key_name) {
                    if place.contains(": clip ") {
                        problems.push(format!("{place}: {p}"));
                    } else {
                        problems.push(format!("{place}: clip {}: {p}", c.number));
                    }
                }
                specs.push(Spec {
                    input: c.input,
                    output: c.output,
                    preset: cli_preset
                        .clone()
                        .or(c.preset)
                        .unwrap_or_else(|| "tiktok".into()),
                    out_dir: args
                        .out_dir
                        .clone()
                        .or(c.out_dir)
                        .unwrap_or_else(|| manifest_out_dir.clone()),
                    request,
                    from_manifest: Some((c.number, place)),
                });
            }
        }
        None => {
            for input in &args.inputs {
                specs.push(Spec {
                    input: input.clone(),
                    output: args.output.clone(),
                    preset: cli_preset.clone().unwrap_or_else(|| "tiktok".into()),
                    out_dir: args
                        .out_dir
                        .clone()
                        .unwrap_or_else(|| PathBuf::from("reels")),
                    request: flags.clone().without_blank_cards(),
                    from_manifest: None,
                });
            }
        }
    }
    let mut clips = Vec::new();
    let mut numbers = Vec::new();
    let mut index = 0;
    for s in specs {
        // `--preset tiktok,reels` (or a manifest's list): one reel per preset, each its own
        // clip with its own output, plan and up-to-date check.
        let mut names: Vec<&str> = Vec::new();
        for n in s.preset.split(',').map(str::trim) {
            if n.is_empty() {
                problems.push(format!(
                    "{}`{}` is not a list of presets: use names separated by commas, such as tiktok,reels",
                    where_prefix(&s.from_manifest),
                    s.preset
                ));
                names.clear();
                break;
            }
            if !names.contains(&n) {
                names.push(n);
            }
        }
        if names.is_empty() {
            continue;
        }
        if let (Some(c), Some(o)) = (compilation, &s.output) {
            unused.push(format!(
                "{}`output` ({}) is not used: a compilation writes one reel, {}",
                where_prefix(&s.from_manifest),
                o.display(),
                c.display()
            ));
        }
        if names.len() > 1 && compilation.is_some() {
            // Said of where the list came from: -p itself, or the clip's `preset`.
            let msg = if cli_preset.is_some() {
                format!(
                    "-p {} names {} presets, but a compilation is one reel with one preset: name only one (e.g. -p {})",
                    names.join(","),
                    names.len(),
                    names[0]
                )
            } else {
                format!(
                    "{}a compilation is one reel with one preset, not {}: give -p with one preset",
                    where_prefix(&s.from_manifest),
                    names.join(",")
                )
            };
            if !problems.contains(&msg) {
                problems.push(msg);
            }
            continue;
        }
        if names.len() > 1 {
            if let Some(o) = &s.output {
                if !o.to_string_lossy().contains(PRESET_PLACEHOLDER) {
                    let msg = format!(
                        "{}{} presets write {} reels, but the output {} has no `{PRESET_PLACEHOLDER}`: put `{PRESET_PLACEHOLDER}` in it (e.g. fail.{PRESET_PLACEHOLDER}.mp4) or use --out-dir",
                        where_prefix(&s.from_manifest),
                        names.len(),
                        names.len(),
                        o.display()
                    );
                    if !problems.contains(&msg) {
                        problems.push(msg);
                    }
                    continue;
                }
            }
        }
        for name in names {
            let Some(preset) = preset_for(name, &mut problems) else {
                continue;
            };
            let output = match (compilation, &s.output) {
                (Some(c), _) => c.to_path_buf(),
                (None, Some(o)) => with_preset(o, &preset.name),
                (None, None) => default_output(&s.input, &s.out_dir, &preset.name),
            };
            numbers.push((s.from_manifest.clone(), s.output.is_some()));
            // The side files it is read from: inputs, never outputs.
            let reads: Vec<PathBuf> = args
                .manifest
                .iter()
                .chain(preset.source.iter())
                .chain(s.request.captions.iter())
                .cloned()
                .collect();
            clips.push(Clip {
                index,
                input: s.input.clone(),
                output,
                preset,
                request: s.request.clone(),
                reads,
                loudness_over: None,
            });
            index += 1;
        }
    }
    let mut kept = Vec::new();
    let mut named_outputs = Vec::new();
    for (c, (n, named)) in clips.into_iter().zip(numbers) {
        if args.shard.is_none_or(|(i, n)| c.index % n == i) {
            kept.push((c, n));
            named_outputs.push(named);
        }
    }
    if compilation.is_none() {
        problems.extend(output_problems(&kept, &named_outputs, args));
    }
    if problems.is_empty() {
        Ok(kept.into_iter().map(|(c, _)| c).collect())
    } else {
        Err(problems)
    }
}

/// The placeholder of `-o` (and a manifest's `output`) that each preset's name replaces.
pub const PRESET_PLACEHOLDER: &str = "{preset}";

/// The output path with `{preset}` replaced by the preset's name.
fn with_preset(output: &Path, preset: &str) -> PathBuf {
    let text = output.to_string_lossy();
    if text.contains(PRESET_PLACEHOLDER) {
        PathBuf::from(text.replace(PRESET_PLACEHOLDER, preset))
    } else {
        output.to_path_buf()
    }
}

/// `week.toml:3:1: clip 2: ` for a manifest's clip, nothing for the command line.
fn where_prefix(from: &Option<(usize, String)>) -> String {
    match from {
        Some((_, place)) if place.contains(": clip ") => format!("{place}: "),
        Some((n, place)) => format!("{place}: clip {n}: "),
        None => String::new(),
    }
}

/// The extensions a reel (an MP4 file) may be named with.
pub const REEL_EXTENSIONS: &[&str] = &["mp4", "m4v", "mov"];

/// A usage problem when `output` is named as something a reel is not (`reel.txt`,
/// `reel.png`, `reel.mkv`): players and uploads go by the name. A name without an extension
/// is taken as given.
pub fn reel_name_problem(output: &Path) -> Option<String> {
    let ext = output.extension()?.to_string_lossy().to_ascii_lowercase();
    (!REEL_EXTENSIONS.contains(&ext.as_str())).then(|| {
        format!(
            "{}: a reel is an MP4 video, not a .{ext} file: end its name with .mp4 (or .mov, .m4v) so players and uploads recognise it",
            output.display()
        )
    })
}

/// Outputs must be distinct and never an input; each message says which clips collide and
/// a fix that works.
/// `own_output[k]`: clip k's output was named (its manifest `output`), not made from its
/// input.
fn output_problems(
    clips: &[(Clip, Option<(usize, String)>)],
    own_output: &[bool],
    args: &RenderArgs,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut named = Vec::new();
    // Every file the run reads: the footage and the side files (a manifest, a preset file,
    // a captions file), each an input no output may be.
    let mut inputs: HashMap<PathBuf, (&Path, &str)> = HashMap::new();
    for (c, _) in clips {
        let side = args
            .manifest
            .iter()
            .map(|m| (m.as_path(), "manifest"))
            .chain(c.preset.source.iter().map(|p| (p.as_path(), "preset file")))
            .chain(
                c.request
                    .captions
                    .iter()
                    .map(|p| (p.as_path(), "captions file")),
            );
        for (path, what) in std::iter::once((c.input.as_path(), "input")).chain(side) {
            inputs
                .entry(crate::model::same_file_path(path))
                .or_insert((path, what));
        }
    }
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    for (k, (c, from)) in clips.iter().enumerate() {
        if let Some(p) = reel_name_problem(&c.output) {
            let p = format!("{}{p}", where_prefix(from));
            if !named.contains(&p) {
                named.push(p);
            }
        }
        let key = crate::model::same_file_path(&c.output);
        if let Some((inp, what)) = inputs.get(&key) {
            let fix = match from {
                Some((n, _)) => format!("give clip {n} another `output`"),
                None => "choose another -o or --out-dir".into(),
            };
            problems.push(format!(
                "{}: the output would overwrite the {what} {}: {fix}",
                c.output.display(),
                inp.display()
            ));
        }
        let Some(&first) = seen.get(&key) else {
            seen.insert(key, k);
            continue;
        };
        let (a, a_from) = &clips[first];
        problems.push(match (a_from, from) {
            (Some((na, _)), Some((nb, place))) => {
                let flag_hint = if args.out_dir.is_some() {
                    "; --out-dir puts every clip in one folder: leave it out to keep each clip's `out_dir`"
                } else if args.reel.preset.is_some() {
                    "; --preset gives every clip the same preset"
                } else {
                    ""
                };
                // A clip that names its output already is given another one.
                let give = if own_output.get(k).copied().unwrap_or(false) {
                    "another `output`"
                } else {
                    "an `output` (or its own `out_dir`)"
                };
                format!(
                    "{place}: clips {na} ({}) and {nb} ({}) would both be written to {}: give clip {nb} {give} in the manifest{flag_hint}",
                    a.input.display(),
                    c.input.display(),
                    c.output.display()
                )
            }
            // One clip given twice (a glob and its name, `a.mp4 ./a.mp4`): said as that.
            _ if crate::model::same_file_path(&a.input) == crate::model::same_file_path(&c.input) => {
                let as_ = if a.input.as_os_str() == c.input.as_os_str() {
                    String::new()
                } else {
                    format!(" (as {} and {})", a.input.display(), c.input.display())
                };
                format!(
                    "{} is given twice{as_}: give each clip once (two reels from one clip, cut differently: a manifest with an `output` for each)",
                    a.input.display(),
                )
            }
            _ => format!(
                "{} and {} would both be written to {}: render them in separate runs with different --out-dir folders",
                a.input.display(),
                c.input.display(),
                c.output.display()
            ),
        });
    }
    // A badly named output matters once the outputs are otherwise right (an output that
    // would overwrite an input is said as that).
    if problems.is_empty() {
        problems = named;
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn render_args(args: &[&str]) -> RenderArgs {
        let cli = Cli::try_parse_from(["failreel", "render"].iter().chain(args))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        match cli.command {
            Command::Render(r) => *r,
            _ => unreachable!("render"),
        }
    }

    fn manifest(dir: &Path, text: &str) -> String {
        let m = dir.join("week.toml");
        std::fs::write(&m, text).unwrap();
        m.display().to_string()
    }

    const WEEK: &str = "preset = \"reels\"\ncrf = 30\nout_dir = \"m\"\nwent_wrong = \"default text\"\n\n[[clip]]\ninput = \"a.mov\"\n\n[[clip]]\ninput = \"b.mov\"\ncrf = 18\nout_dir = \"own\"\n\n[[clip]]\ninput = \"c.mov\"\noutput = \"named.mp4\"\n";

    #[test]
    fn flags_beside_a_manifest_override_its_defaults_and_its_clips() {
        let dir = tempfile::tempdir().unwrap();
        let m = manifest(dir.path(), WEEK);
        // Without flags: a clip's key beats the defaults.
        let clips = clips_from(&render_args(&["--manifest", &m])).unwrap();
        let crf: Vec<u8> = clips.iter().map(|c| c.request.crf.unwrap().get()).collect();
        assert_eq!(crf, [30, 18, 30]);
        assert!(clips.iter().all(|c| c.preset.name == "reels"));
        assert!(
            clips[0].output.ends_with("m/a.reels.mp4"),
            "{:?}",
            clips[0].output
        );
        assert!(clips[1].output.ends_with("own/b.reels.mp4"));
        // With flags: the command line wins over both, but not over an explicit `output`.
        let out = dir.path().join("flags");
        let clips = clips_from(&render_args(&[
            "--manifest",
            &m,
            "--crf",
            "20",
            "--preset",
            "shorts",
            "--out-dir",
            out.to_str().unwrap(),
            "--went-wrong",
            "from the flag",
            "--strict",
        ]))
        .unwrap();
        for c in &clips {
            assert_eq!(c.request.crf.unwrap().get(), 20);
            assert_eq!(c.preset.name, "shorts");
            assert_eq!(c.request.went_wrong.as_deref(), Some("from the flag"));
            assert_eq!(c.request.strict, Some(true));
        }
        assert_eq!(clips[0].output, out.join("a.shorts.mp4"));
        assert_eq!(clips[1].output, out.join("b.shorts.mp4"));
        assert!(clips[2].output.ends_with("named.mp4"));
    }

    #[test]
    fn duplicate_outputs_name_the_clips_and_a_fix_that_works() {
        let dir = tempfile::tempdir().unwrap();
        let m = manifest(
            dir.path(),
            "[[clip]]\ninput = \"x/a.mov\"\n[[clip]]\ninput = \"y/b.mov\"\n[[clip]]\ninput = \"z/a.mov\"\n",
        );
        let err = clips_from(&render_args(&["--manifest", &m])).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        let e = &err[0];
        assert!(e.contains("week.toml:5:1"), "{e}");
        assert!(e.contains("clips 1 (") && e.contains("and 3 ("), "{e}");
        assert!(e.contains("give clip 3 an `output`"), "{e}");
        // Collisions caused by a flag say so.
        let err = clips_from(&render_args(&["--manifest", &m, "--out-dir", "one"])).unwrap_err();
        assert!(err[0].contains("--out-dir"), "{err:?}");
        // Plain inputs: the fix is on the command line.
        let err = clips_from(&render_args(&["x/a.mov", "z/a.mov"])).unwrap_err();
        assert!(
            err[0].contains("separate runs with different --out-dir"),
            "{err:?}"
        );
    }

    #[test]
    fn blank_card_text_is_left_out_not_drawn_as_a_bare_heading() {
        let args = render_args(&["a.mov", "--went-wrong", " \t ", "--lesson", "\u{1b}[0m"]);
        let r = request(&args.reel);
        assert_eq!((r.went_wrong, r.lesson), (None, None));
        // An empty clip text also switches off the manifest's default card.
        let dir = tempfile::tempdir().unwrap();
        let m = manifest(
            dir.path(),
            "went_wrong = \"Burnt\"\n[[clip]]\ninput = \"a.mov\"\nwent_wrong = \"\"\n[[clip]]\ninput = \"b.mov\"\n",
        );
        let clips = clips_from(&render_args(&["--manifest", &m])).unwrap();
        assert_eq!(clips[0].request.went_wrong, None);
        assert_eq!(clips[1].request.went_wrong.as_deref(), Some("Burnt"));
    }

    #[test]
    fn ansi_escapes_and_control_characters_never_reach_a_card() {
        let args = render_args(&[
            "a.mov",
            "--went-wrong",
            "\u{1b}[31mBurnt\u{1b}[0m\u{7} toast",
        ]);
        assert_eq!(
            request(&args.reel).went_wrong.as_deref(),
            Some("Burnt toast")
        );
        let dir = tempfile::tempdir().unwrap();
        let m = manifest(
            dir.path(),
            "[[clip]]\ninput = \"a.mov\"\nlesson = \"\\u001b[1mLower\\u0000 heat\"\n",
        );
        let clips = clips_from(&render_args(&["--manifest", &m])).unwrap();
        assert_eq!(clips[0].request.lesson.as_deref(), Some("Lower heat"));
    }

    #[test]
    fn strict_is_carried_from_the_flag_and_the_manifest() {
        assert_eq!(request(&render_args(&["a.mov"]).reel).strict, None);
        assert_eq!(
            request(&render_args(&["a.mov", "--strict"]).reel).strict,
            Some(true)
        );
        let dir = tempfile::tempdir().unwrap();
        let m = manifest(
            dir.path(),
            "strict = true\n[[clip]]\ninput = \"a.mov\"\n[[clip]]\ninput = \"b.mov\"\nstrict = false\n",
        );
        let clips = clips_from(&render_args(&["--manifest", &m])).unwrap();
        assert_eq!(clips[0].request.strict, Some(true));
        assert_eq!(clips[1].request.strict, Some(false));
    }

    #[test]
    fn every_request_problem_is_listed_with_its_clip() {
        let err = clips_from(&render_args(&[
            "a.mov",
            "--start",
            "5",
            "--end",
            "4",
            "--lesson-at",
            "3",
            "--lesson-until",
            "2",
        ]))
        .unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert!(err[0].contains("--end") && err[1].contains("--lesson-until"));
        // A flag and a clip's key that do not fit together are caught too, per clip.
        let dir = tempfile::tempdir().unwrap();
        let m = manifest(
            dir.path(),
            "[[clip]]\ninput = \"a.mov\"\nstart = 8\n[[clip]]\ninput = \"b.mov\"\n",
        );
        let err = clips_from(&render_args(&["--manifest", &m, "--end", "5"])).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(
            err[0].contains("week.toml:1:1: clip 1: `end` 0:05.000 is not after `start` 0:08.000"),
            "{err:?}"
        );
    }
}

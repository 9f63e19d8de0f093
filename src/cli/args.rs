//! The command-line definition (clap derive). No I/O happens here: values are parsed and
//! validated, then `app` turns them into plans.
// Help texts name placeholders like <preset>; they are clap help, not HTML.
#![allow(rustdoc::invalid_html_tags)]

use crate::config::preset::LookName;
use crate::config::request::ReelRequest;
use crate::model::time::{parse_time, Micros};
use crate::model::{
    clean_card_text, parse_start_arg, parse_time_arg, Crf, FocusKeys, Handle, Rgb, Start, TextSize,
    X264Speed,
};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const RENDER_EXAMPLES: &str = "\
Examples:
  failreel render IMG_0412.MOV --preset tiktok --start 0:03.2 --end 0:11 \\
    --went-wrong \"Oil was smoking before the garlic went in\" \\
    --lesson \"Heat the pan on medium, not high\" -o burnt-garlic.mp4
  failreel render raw/*.MOV --preset reels --out-dir reels/
  failreel render --manifest week-12.toml --jobs 2
  failreel render --manifest week-12.toml --shard 0/4   # this machine's quarter
  failreel render clip.mp4 --dry-run --json      # print the plan, render nothing";

/// Turn raw kitchen phone footage into upload-ready vertical fail reels.
#[derive(Debug, Parser)]
#[command(
    name = "failreel",
    version,
    about = "Turn raw kitchen phone footage into upload-ready vertical fail reels",
    after_help = RENDER_EXAMPLES
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one or more clips into 9:16 reels with "what went wrong" and "lesson" cards.
    #[command(after_help = RENDER_EXAMPLES)]
    Render(Box<RenderArgs>),
    /// List the presets, or print one as TOML.
    #[command(
        after_help = "Examples:\n  failreel presets\n  failreel presets show reels > my-reels.toml\n  failreel presets --json | jq -r 'select(.length.max_s >= 180) | .name'\n  failreel presets show my-preset.toml --json | jq .safe_zone"
    )]
    Presets {
        /// `show <NAME>` prints a preset.
        #[command(subcommand)]
        action: Option<PresetsAction>,
        /// JSON instead of text: one line per built-in preset (every field, as `show` gives
        /// them), or with `show` the one preset as one line.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Print what failreel sees in each clip: display size, rotation, frame rate, colour,
    /// audio.
    #[command(
        after_help = "Examples:\n  failreel probe IMG_0412.MOV\n  failreel probe IMG_0412.MOV --json | jq .video.rotation\n  failreel probe raw/*.MOV --json | jq -r 'select(.video.hdr == \"hlg\" or .video.hdr == \"pq\") | .input'   # the HDR clips"
    )]
    Probe(ProbeArgs),
    /// Write one frame of the reel, cards included, as a PNG: check a caption without
    /// rendering.
    #[command(
        after_help = "Examples:\n  failreel preview IMG_0412.MOV --at 2.5 --went-wrong \"Too hot\" -o check.png\n  failreel preview IMG_0412.MOV --start 0:03.2 --at 0 --lesson \"Medium heat\" --preset reels\n  failreel preview IMG_0412.MOV --at 1 --went-wrong \"Too hot\" --json | jq -r .warnings[]?",
        // One frame has no encoder and no cover: these render flags are refused (exit 2),
        // so its help does not offer them.
        mut_arg("crf", |a| a.hide(true)),
        mut_arg("encoder_preset", |a| a.hide(true)),
        mut_arg("cover", |a| a.hide(true)),
        mut_arg("cover_at", |a| a.hide(true))
    )]
    Preview(Box<PreviewArgs>),
    /// One reel from several clips: a title card, each fail numbered, short crossfades,
    /// even loudness.
    #[command(
        after_help = "Examples:\n  failreel compile a.mov b.mov c.mov --title \"Fail Friday\" -o friday.mp4\n  failreel compile --manifest week.toml --title \"Week 12\" -p reels -o week12.mp4",
        // A compilation writes no cover: --cover and --cover-at are refused (exit 2), so its
        // help does not offer them.
        mut_arg("cover", |a| a.hide(true)),
        mut_arg("cover_at", |a| a.hide(true))
    )]
    Compile(Box<CompileArgs>),
    /// Find the moments where something went wrong (a bang, a crash, a shout, a smoke
    /// alarm, the phone knocked), best first.
    #[command(
        after_help = "Examples:\n  failreel detect IMG_0412.MOV\n  failreel detect raw/*.MOV --json --top 3"
    )]
    Detect(DetectArgs),
    /// Print shell completions.
    #[command(
        after_help = "Examples:\n  failreel completions bash > ~/.local/share/bash-completion/completions/failreel\n  failreel completions zsh > ~/.zfunc/_failreel"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual (roff, every subcommand's options), or write one page per
    /// subcommand into a folder.
    #[command(
        after_help = "Examples:\n  failreel man > failreel.1 && man ./failreel.1\n  failreel man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write failreel.1, failreel-render.1, … into this folder instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `presets` actions.
#[derive(Debug, Subcommand)]
pub enum PresetsAction {
    /// Print one preset as TOML (a starting point for your own preset file).
    Show {
        /// Built-in name or path to a preset file.
        name: String,
    },
}

/// `probe` arguments.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The clips (a clip that cannot be read is an error line; the others are still
    /// probed, and the exit status is 1).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// One JSON line per clip instead of text (a clip that cannot be read: an
    /// {"event":"error","input",…} line).
    #[arg(long)]
    pub json: bool,
}

/// `detect` arguments.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// The clips.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// One JSON line per input: {"input", "duration_s", "moments": [{"t", "score", "why"}],
    /// "classifier"} ("yamnet"; "not installed" or "unreadable" when the sound classifier's
    /// weights are missing or cannot be read, and the moments are ranked without it; "no
    /// sound").
    #[arg(long)]
    pub json: bool,
    /// At most this many moments per clip (1 or more).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = top_arg)]
    pub top: usize,
}

fn top_arg(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "`{s}` is not a number of moments: give 1 or more (--top 0 would show none)"
        )),
    }
}

fn time_arg(s: &str) -> Result<Micros, String> {
    parse_time(s)
}

fn shard_arg(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{s}` is not a shard: write I/N with 0 <= I < N, e.g. 0/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// `render` arguments.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Clips to render.
    #[arg(required_unless_present = "manifest", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// A manifest (.toml, .json or .csv) listing clips and their settings. Flags given with
    /// it apply to every clip and win over the manifest's keys.
    #[arg(short, long, value_name = "FILE", conflicts_with = "output")]
    pub manifest: Option<PathBuf>,
    /// Output file (one input only); `{preset}` in it becomes the preset's name.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output folder (default ./reels; with --manifest, its `out_dir`, else reels/ beside the
    /// manifest; given with --manifest it replaces every `out_dir`); files are named
    /// <input stem>.<preset>.mp4.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Reels rendered at once (default: chosen from cores and free memory).
    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..), value_name = "N")]
    pub jobs: Option<u16>,
    /// Render again even when a reel is up to date; overwrite files failreel did not write.
    #[arg(long)]
    pub force: bool,
    /// Render only the clips whose index modulo N is I (0-based), e.g. 0/4 … 3/4.
    #[arg(long, value_parser = shard_arg, value_name = "I/N")]
    pub shard: Option<(usize, usize)>,
    /// Print each reel's plan and render nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// JSON Lines on stdout (events and one result per clip); human text goes to stderr.
    #[arg(long)]
    pub json: bool,
    /// No progress bar or per-clip messages (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
    /// What each reel is.
    #[command(flatten)]
    pub reel: ReelArgs,
    /// After the batch, write report.html into the output folder (--out-dir, else the first
    /// reel's folder): each reel playable with its cover (or a thumbnail, <reel>.thumb.jpg),
    /// duration, cards and preset, and every failed clip with its error. Rewritten each run.
    #[arg(long)]
    pub report: bool,
}

/// `compile` arguments.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Clips, in the order they are shown.
    #[arg(required_unless_present = "manifest", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// A manifest listing the clips (in order) and their settings, as for `render`.
    #[arg(short, long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Title drawn over the first part's blurred opening, after the cold open (without it:
    /// no title card at all).
    #[arg(long, value_name = "TEXT", value_parser = |s: &str| Ok::<_, String>(crate::model::clean_card_text(s)))]
    pub title: Option<String>,
    /// Open on the first part instead of a 1.5 s cold open on the strongest part's best
    /// moment.
    #[arg(long)]
    pub no_cold_open: bool,
    /// The reel to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Overwrite the output even if failreel did not write it; render again when up to date.
    #[arg(long)]
    pub force: bool,
    /// Print the compilation's plan and render nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// JSON Lines on stdout.
    #[arg(long)]
    pub json: bool,
    /// No per-part messages (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
    /// What each part is (flags apply to every clip, as for `render`).
    #[command(flatten)]
    pub reel: ReelArgs,
}

/// What a reel is: shared by `render` and `preview`.
#[derive(Debug, Args)]
pub struct ReelArgs {
    /// Preset: tiktok (default), reels, shorts, everywhere, stories, or a path to a preset TOML file;
    /// several separated by commas (tiktok,reels,shorts) write one reel per preset, named
    /// <stem>.<preset>.mp4 (or -o with `{preset}` in it). Beside --manifest it replaces every
    /// clip's `preset`.
    #[arg(short, long, value_name = "NAME|FILE")]
    pub preset: Option<String>,
    /// What the user asks of the reel (the same keys a manifest clip has).
    #[command(flatten)]
    pub request: ReelFlags,
}

impl ReelArgs {
    /// The flags as the core's plain request.
    pub fn request(&self) -> ReelRequest {
        self.request.to_request()
    }
}

fn speed_arg() -> impl clap::builder::TypedValueParser<Value = X264Speed> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(X264Speed::NAMES).try_map(|s| s.parse::<X264Speed>())
}

fn card_text_arg(s: &str) -> Result<String, String> {
    Ok(clean_card_text(s))
}

/// A reel's flags: each is a [`ReelRequest`] field as `--kebab-case` (a manifest clip's keys
/// as flags). Parsing checks each value ([`ReelFlags::to_request`] converts them once); the
/// core never sees clap.
#[derive(Debug, Clone, Default, Args)]
pub struct ReelFlags {
    /// Trim start: seconds (12.5), mm:ss(.fff) or hh:mm:ss(.fff); or `auto`: around the
    /// moment `failreel detect` finds best.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_start_arg, value_name = "TIME|auto")]
    pub start: Option<Start>,
    /// Trim end on the clip's timeline.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_time_arg, value_name = "TIME", conflicts_with = "duration")]
    pub end: Option<Micros>,
    /// Reel length (instead of --end).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_time_arg, value_name = "TIME")]
    pub duration: Option<Micros>,
    /// "What went wrong" card text (control characters and terminal escapes are removed;
    /// empty or blank: no card).
    #[arg(long, value_parser = card_text_arg, value_name = "TEXT")]
    pub went_wrong: Option<String>,
    /// "Lesson learned" card text (as for --went-wrong).
    #[arg(long, value_parser = card_text_arg, value_name = "TEXT")]
    pub lesson: Option<String>,
    /// When the went-wrong card appears, on the reel's timeline (default 0; with --start
    /// auto, at the moment found).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_time_arg, value_name = "TIME")]
    pub went_wrong_at: Option<Micros>,
    /// When the went-wrong card goes (default: half the reel, or 3 s after a later
    /// --went-wrong-at; never over the lesson card).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_time_arg, value_name = "TIME")]
    pub went_wrong_until: Option<Micros>,
    /// When the lesson card appears (default: two thirds into the reel).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_time_arg, value_name = "TIME")]
    pub lesson_at: Option<Micros>,
    /// When the lesson card goes (default: the end).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_time_arg, value_name = "TIME")]
    pub lesson_until: Option<Micros>,
    /// Horizontal position of the 9:16 window: auto (follow the subject; the default for
    /// landscape input), center, left, right or 0.0–1.0; or a list of keys on the reel's
    /// clock, e.g. 0.3,2.5s=0.7,6s=auto (the first value from 0, each T=POS from T on).
    #[arg(long, value_parser = FocusKeys::parse, value_name = "POS[,T=POS…]")]
    pub focus: Option<FocusKeys>,
    /// x264 quality (1–51, lower is better), overriding the preset.
    #[arg(long, value_parser = |s: &str| s.parse::<Crf>(), value_name = "N")]
    pub crf: Option<Crf>,
    /// x264 speed preset, overriding the preset.
    #[arg(long, value_parser = speed_arg(), value_name = "SPEED")]
    pub encoder_preset: Option<X264Speed>,
    /// Leave the loudness as it is (no EBU R128 normalisation to the preset's target).
    /// Manifest key: `normalize = false`.
    #[arg(
        long = "no-normalize",
        num_args = 0,
        default_missing_value = "false",
        value_parser = clap::value_parser!(bool),
    )]
    pub normalize: Option<bool>,
    /// Treat every warning (a reel shorter than asked, a capped length…) as a failure, for
    /// scripts. Manifest key: `strict = true`.
    #[arg(long, num_args = 0, default_missing_value = "true", value_parser = clap::value_parser!(bool))]
    pub strict: Option<bool>,
    /// Also write a cover beside the reel (`<reel name>.jpg`, the reel's size): the sharpest
    /// frame around the went-wrong card with its text as a headline. Manifest key:
    /// `cover = true`.
    #[arg(long, num_args = 0, default_missing_value = "true", value_parser = clap::value_parser!(bool))]
    pub cover: Option<bool>,
    /// Subtitles to burn in: a SubRip (.srt) or WebVTT (.vtt) file timed on the input's
    /// clock (any trim works); formatting tags are not drawn.
    #[arg(long, value_name = "FILE")]
    pub captions: Option<PathBuf>,
    /// Right after the fail, the 1.5 s around the moment (the went-wrong card's start, or
    /// what `--start auto` found) again at half speed with its own sound slowed (pitch kept),
    /// pushing in toward the subject, under a "REPLAY" tag; the lesson card comes after it.
    /// The reel grows by 3 s. Manifest key: `replay = true`.
    #[arg(long, num_args = 0, default_missing_value = "true", value_parser = clap::value_parser!(bool))]
    pub replay: Option<bool>,
    /// The cards' look, over the preset's: one of the built-in looks (boxed, outline,
    /// banner).
    #[arg(long, value_parser = look_arg(), value_name = "LOOK")]
    pub look: Option<LookName>,
    /// The cards' text size: S, M (the look's own), L, or the body text's size in pixels
    /// (48px); headings, the replay's tag and the handle scale alike.
    #[arg(long, value_parser = |s: &str| s.parse::<TextSize>(), value_name = "S|M|L|PX")]
    pub text_size: Option<TextSize>,
    /// The accent colour (#rrggbb): the cards' headings and the replay's tag.
    #[arg(long, value_parser = |s: &str| s.parse::<Rgb>(), value_name = "#RRGGBB")]
    pub accent: Option<Rgb>,
    /// The creator's handle (@name), drawn small and semi-transparent inside the safe zone
    /// on every frame, clear of the cards and captions.
    #[arg(long, value_parser = |s: &str| s.parse::<Handle>(), value_name = "@NAME")]
    pub handle: Option<Handle>,
    /// Take the cover from this moment of the reel (its own clock: 0 = the reel's first
    /// frame) instead of the sharpest frame around the went-wrong card; writes the cover
    /// (as `--cover` does).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_time_arg, value_name = "TIME")]
    pub cover_at: Option<Micros>,
}

fn look_arg() -> impl clap::builder::TypedValueParser<Value = LookName> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(crate::config::preset::LOOK_NAMES)
        .try_map(|s| s.parse::<LookName>())
}

impl ReelFlags {
    /// The flags as the core's plain request (every field as given; nothing decided here).
    pub fn to_request(&self) -> ReelRequest {
        let f = self.clone();
        ReelRequest {
            start: f.start,
            end: f.end,
            duration: f.duration,
            went_wrong: f.went_wrong,
            lesson: f.lesson,
            went_wrong_at: f.went_wrong_at,
            went_wrong_until: f.went_wrong_until,
            lesson_at: f.lesson_at,
            lesson_until: f.lesson_until,
            focus: f.focus,
            crf: f.crf,
            encoder_preset: f.encoder_preset,
            normalize: f.normalize,
            strict: f.strict,
            cover: f.cover,
            captions: f.captions,
            replay: f.replay,
            look: f.look,
            text_size: f.text_size,
            accent: f.accent,
            handle: f.handle,
            cover_at: f.cover_at,
        }
    }
}

/// `preview` arguments.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The clip.
    pub input: PathBuf,
    /// The moment of the reel to show (0 = the reel's first frame).
    #[arg(long, allow_negative_numbers = true, value_parser = time_arg, value_name = "TIME")]
    pub at: Micros,
    /// The picture to write: a PNG (.png) or a JPEG (.jpg, .jpeg), as its name says.
    #[arg(short, long, value_name = "FILE", default_value = "frame.png")]
    pub output: PathBuf,
    /// Overwrite the output even if failreel did not write it (never the input, never a
    /// FIFO or device).
    #[arg(long)]
    pub force: bool,
    /// No warnings and no "wrote" line, as `render -q` (errors are still printed; with
    /// --strict a warning still fails it)
    #[arg(short, long)]
    pub quiet: bool,
    /// JSON Lines on stdout, as `render --json`: each warning
    /// ({"event":"warning","input","message"}), then one result line ({"input", "output",
    /// "status": "ok"|"failed", "at_s", "trim_s", "seconds", "warnings", "error"}); errors
    /// are {"event":"error",…} lines. Human text goes to stderr.
    #[arg(long)]
    pub json: bool,
    /// What the reel is (as for `render`).
    #[command(flatten)]
    pub reel: ReelArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::request::ReelRequest;
    use clap::CommandFactory;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        req: ReelFlags,
    }

    fn flags(args: &[&str]) -> Result<ReelRequest, clap::Error> {
        Flags::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
            .map(|f| f.req.to_request())
    }

    #[test]
    fn help_does_not_offer_the_flags_a_command_refuses() {
        // preview refuses the encoder and cover flags, compile the cover flags (exit 2): their
        // help hides them; render offers them all.
        let cli = Cli::command();
        let shown = |sub: &str, id: &str| {
            let cmd = cli.find_subcommand(sub).expect(sub);
            let arg = cmd.get_arguments().find(|a| a.get_id() == id).expect(id);
            !arg.is_hide_set()
        };
        for id in ["crf", "encoder_preset", "cover", "cover_at"] {
            assert!(!shown("preview", id), "preview --help offers {id}");
            assert!(shown("render", id), "render --help hides {id}");
        }
        assert!(!shown("compile", "cover") && !shown("compile", "cover_at"));
        assert!(shown("compile", "crf"));
    }

    #[test]
    fn every_request_key_has_its_flag() {
        // The flags and the core's request are declared apart: they must not drift.
        let cmd = Flags::command();
        for key in ReelRequest::keys() {
            let flag = crate::config::request::flag_name(key);
            let long = flag.trim_start_matches("--");
            assert!(
                cmd.get_arguments().any(|a| a.get_long() == Some(long)),
                "no {flag} for the request key `{key}`"
            );
        }
    }

    #[test]
    fn flags_and_files_read_the_same_request() {
        let from_flags = flags(&[
            "--start",
            "0:03.2",
            "--duration",
            "5",
            "--crf",
            "20",
            "--encoder-preset",
            "veryfast",
            "--focus",
            "left",
            "--no-normalize",
            "--strict",
            "--went-wrong",
            "\u{1b}[31mOil\u{1b}[0m",
        ])
        .unwrap();
        let toml_text = "start = \"0:03.2\"\nduration = 5\ncrf = 20\nencoder_preset = \"veryfast\"\nfocus = \"left\"\nnormalize = false\nstrict = true\nwent_wrong = \"\\u001b[31mOil\\u001b[0m\"\n";
        let from_toml: ReelRequest = toml::from_str(toml_text).unwrap();
        assert_eq!(from_flags, from_toml);
        assert_eq!(from_flags.went_wrong.as_deref(), Some("Oil"));
        let json = r#"{"start": 3.2, "duration": "5", "crf": "20", "encoder_preset": "veryfast", "focus": 0, "normalize": "false", "strict": true, "went_wrong": "Oil"}"#;
        let from_json: ReelRequest = serde_json::from_str(json).unwrap();
        assert_eq!(from_flags, from_json);
        // And it reads back what it writes.
        let again: ReelRequest =
            serde_json::from_str(&serde_json::to_string(&from_json).unwrap()).unwrap();
        assert_eq!(again, from_json);
        assert_eq!(flags(&[]).unwrap(), ReelRequest::default());
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for args in [
            &["--crf", "0"][..],
            &["--crf", "52"],
            &["--encoder-preset", "warp"],
            &["--focus", "up"],
            &["--start", "soon"],
            &["--end", "3", "--duration", "2"],
        ] {
            let e = flags(args).err().unwrap_or_else(|| panic!("{args:?}"));
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
        let e = flags(&["--crf", "0"]).unwrap_err().to_string();
        assert!(e.contains("from 1 to 51"), "{e}");
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_documented_example() {
        let cli = Cli::try_parse_from([
            "failreel",
            "render",
            "IMG_0412.MOV",
            "--preset",
            "tiktok",
            "--start",
            "0:03.2",
            "--end",
            "0:11",
            "--went-wrong",
            "Oil",
            "--lesson",
            "Medium",
            "-o",
            "x.mp4",
        ])
        .unwrap();
        let Command::Render(r) = cli.command else {
            panic!("not render")
        };
        assert_eq!(
            r.reel.request.start,
            Some(crate::model::Start::At(Micros(3_200_000)))
        );
        assert_eq!(r.reel.request.end, Some(Micros(11_000_000)));
        assert_eq!(r.output, Some(PathBuf::from("x.mp4")));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            vec!["failreel", "render", "a.mov", "--start", "soon"],
            vec!["failreel", "render", "a.mov", "--crf", "70"],
            vec!["failreel", "render", "a.mov", "--crf", "0"],
            vec!["failreel", "render", "a.mov", "--encoder-preset", "warp"],
            vec!["failreel", "render", "a.mov", "--focus", "up"],
            vec![
                "failreel",
                "render",
                "a.mov",
                "--end",
                "3",
                "--duration",
                "2",
            ],
            vec!["failreel", "render"],
            vec!["failreel", "render", "a.mov", "--shard", "4/4"],
            vec!["failreel", "render", "a.mov", "--jobs", "0"],
        ] {
            let e = Cli::try_parse_from(&args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }
}

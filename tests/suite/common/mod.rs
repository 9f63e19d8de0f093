//! Shared helpers for the integration tests: fixtures made with libav (the ffmpeg CLI over the
//! same system libraries), the failreel binary, and independent decoding of what it wrote.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;

/// A temporary folder for one test.
pub fn workdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("failreel-test-")
        .tempdir()
        .expect("tempdir")
}

/// Runs the ffmpeg CLI to make a fixture; panics with its stderr when it fails.
///
/// A fixture made from lavfi sources alone (no input file) is made once: the first test that
/// asks for it has ffmpeg write it into the fixture cache, and every test (this one included)
/// gets a copy at its output path (the last argument). See [`cached_fixture`].
pub fn ffmpeg(args: &[&str]) {
    match fixture_key(args) {
        Some(key) => {
            let out = Path::new(args[args.len() - 1]);
            let cached = cached_fixture(&key, |tmp| {
                let mut made: Vec<&str> = args[..args.len() - 1].to_vec();
                made.push(s(tmp));
                run_ffmpeg(&made)
            });
            std::fs::copy(&cached, out)
                .unwrap_or_else(|e| panic!("copying fixture {}: {e}", cached.display()));
        }
        None => run_ffmpeg(args),
    }
}

fn run_ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed (make deps)");
    assert!(
        out.status.success(),
        "ffmpeg {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The cache key of an ffmpeg run that makes a file from lavfi sources alone: a hash of this
/// machine's `ffmpeg -version` and every argument but the output, and the output's extension
/// (which chooses the container). `None` when the run reads a file (an input that is not
/// lavfi, a filter that opens one) or does not write one: those always run.
fn fixture_key(args: &[&str]) -> Option<String> {
    let (out, rest) = args.split_last()?;
    let ext = Path::new(out).extension()?.to_str()?;
    let only_lavfi_inputs = rest
        .iter()
        .enumerate()
        .filter(|(_, a)| **a == "-i")
        .all(|(i, _)| i >= 2 && rest[i - 2] == "-f" && rest[i - 1] == "lavfi");
    let tmp = std::env::temp_dir();
    let reads_a_file = rest.iter().any(|a| {
        a.contains(tmp.to_string_lossy().as_ref())
            || ["movie=", "subtitles=", "ass=", "sendcmd=", "file="]
                .iter()
                .any(|f| a.contains(f))
    });
    if !only_lavfi_inputs || reads_a_file || out.starts_with('-') {
        return None;
    }
    let mut h = Fnv::default();
    h.write(ffmpeg_version().as_bytes());
    for a in rest {
        h.write(a.as_bytes());
        h.write(&[0]);
    }
    Some(format!("{:016x}.{ext}", h.0))
}

/// The fixture cache: `target/tmp/fixtures/`, one file a key (ending in the file's extension).
/// A fixture missing from it is written by `make` to a temporary name and renamed into place,
/// so a test never sees half a file, and two test processes racing for the same key each
/// rename a complete one. Within the process one test makes a fixture while the others that
/// want it wait. `cargo clean` (or deleting the folder) empties it; the key changes by itself
/// when ffmpeg does.
pub fn cached_fixture(key: &str, make: impl FnOnce(&Path)) -> PathBuf {
    static MAKING: Mutex<Vec<(String, std::sync::Arc<Mutex<()>>)>> = Mutex::new(Vec::new());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures");
    let path = dir.join(key);
    let lock = {
        let mut making = MAKING.lock().unwrap_or_else(|p| p.into_inner());
        match making.iter().find(|(k, _)| k == key) {
            Some((_, l)) => l.clone(),
            None => {
                let l = std::sync::Arc::new(Mutex::new(()));
                making.push((key.to_string(), l.clone()));
                l
            }
        }
    };
    let _making = lock.lock().unwrap_or_else(|p| p.into_inner());
    if !path.is_file() {
        std::fs::create_dir_all(&dir).expect("fixture cache folder");
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (stem, ext) = key.split_once('.').expect("key has an extension");
        let tmp = dir.join(format!("{stem}.tmp-{}-{n}.{ext}", std::process::id()));
        make(&tmp);
        std::fs::rename(&tmp, &path).expect("fixture into the cache");
    }
    path
}

/// This machine's `ffmpeg -version` (asked once per test process).
fn ffmpeg_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let out = Command::new("ffmpeg")
            .arg("-version")
            .output()
            .expect("ffmpeg must be installed (make deps)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
}

/// FNV-1a, 64 bits: a hash that is the same in every build (std's may change).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf29ce484222325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x100000001b3);
        }
    }
}

/// A silent H.264 fixture (x264 ultrafast, yuv420p) at `out` from the lavfi source `video`,
/// with an optional `-vf` chain and `extra` output options before the file name.
pub fn h264_clip(out: &Path, video: &str, vf: Option<&str>, extra: &[&str]) {
    let mut fixture = Fixture::new().lavfi(video);
    if let Some(vf) = vf {
        fixture = fixture.opts(&["-vf", vf]);
    }
    fixture.opts(extra).write(out);
}

/// failreel with `args`, to run or start: the binary, its analysis results cached in the
/// tests' own folder (never the user's), and without the reframe pass's object detector
/// even where `make deps` installed it: the generated fixtures show no face, so every
/// `--focus auto` render would look with it (a third more suite time), and the tests check
/// the pass's mechanics, the same with or without it (its own logic has unit tests).
pub fn failreel_command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_failreel"));
    let tmp = std::env::temp_dir();
    c.args(args)
        .env("FAILREEL_CACHE_DIR", tmp.join("failreel-test-cache"))
        .env("FAILREEL_OBJECTS_DIR", tmp.join("failreel-test-no-objects"));
    c
}

/// Runs failreel with `args`.
pub fn failreel(args: &[&str]) -> Output {
    failreel_command(args).output().expect("run failreel")
}

/// Starts failreel with `args` in the background, its stdout and stderr piped (read them with
/// `wait_with_output`).
pub fn spawn_failreel(args: &[&str]) -> Child {
    failreel_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start failreel")
}

/// Waits until a file whose name is `found` is in `dir` (a run has begun writing there: its
/// temporary), looking every 20 ms; fails the test with `what` after `secs` seconds.
pub fn wait_for_file(dir: &Path, found: impl Fn(&str) -> bool, secs: u64, what: &str) {
    let started = std::time::Instant::now();
    while !list(dir).iter().any(|n| found(n)) {
        assert!(started.elapsed().as_secs() < secs, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends `signal` (`"TERM"`, `"INT"`) to `child` with kill(1), asserting it was delivered.
pub fn send_signal(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -{signal} failed");
}

/// Runs failreel with `args` in the background and, once a temporary appears in `out_dir`
/// (the render has started writing), sends it `signals` 0.2 s apart; returns its output.
pub fn signalled_once_writing(args: &[&str], out_dir: &Path, signals: &[&str]) -> Output {
    let child = spawn_failreel(args);
    wait_for_file(
        out_dir,
        |n| n.ends_with(".tmp"),
        60,
        "the render never started writing",
    );
    for (k, signal) in signals.iter().enumerate() {
        if k > 0 {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        send_signal(&child, signal);
    }
    child.wait_with_output().unwrap()
}

/// Asserts that a `--json` run `o` stopped by a second Ctrl-C reports one outcome: exit 130,
/// `reels` reels cancelled (status not_started, reason cancelled), none failed, no error
/// line, the run interrupted, and nothing left in `out_dir`.
pub fn assert_cancelled(o: &Output, reels: usize, out_dir: &Path) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains(&format!("0 failed, {reels} cancelled")),
        "{err}"
    );
    assert!(err.contains("failreel: interrupted"), "{err}");
    assert!(!err.contains("error:") && !err.contains("failed:"), "{err}");
    let lines = json_lines(&o.stdout);
    let results: Vec<&Value> = lines.iter().filter(|v| v.get("status").is_some()).collect();
    assert_eq!(results.len(), reels, "{results:?}");
    for r in results {
        assert_eq!(r["status"], "not_started", "{r}");
        assert_eq!(r["reason"], "cancelled", "{r}");
    }
    let summary = lines
        .iter()
        .find(|v| v["event"] == "summary")
        .expect("a summary");
    assert_eq!(
        (summary["failed"].as_u64(), summary["interrupted"].as_bool()),
        (Some(0), Some(true))
    );
    assert_eq!(list(out_dir), Vec::<String>::new(), "nothing left");
}

/// Asserts that the run `o` exited with `code` and that its stderr says `text` (the stderr
/// is shown when not).
pub fn assert_exit_says(o: &Output, code: i32, text: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains(text), "{err}");
}

/// Runs failreel, asserts it succeeded, returns stderr.
pub fn failreel_ok(args: &[&str]) -> String {
    let out = failreel(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "failreel {args:?} failed ({:?}): {err}",
        out.status.code()
    );
    err
}

/// Renders `input` to `out` with the fastest x264 preset and `extra` flags; asserts it
/// succeeded and returns stderr.
pub fn render_reel(input: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "render",
        s(input),
        "-o",
        s(out),
        "--encoder-preset",
        "ultrafast",
    ];
    args.extend_from_slice(extra);
    failreel_ok(&args)
}

/// Runs failreel with `args` and asserts it exited with `code` (showing its stderr when not).
pub fn failreel_exit(args: &[&str], code: i32) -> Output {
    let out = failreel(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "failreel {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every line of JSON Lines output, parsed (a line that is not JSON fails the test).
pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// Path as &str.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A fixture clip made with the ffmpeg CLI: its inputs (lavfi sources, or any input
/// arguments), encoded as H.264 (x264 ultrafast, yuv420p) with AAC sound (when it has any),
/// then the output options given (trim, GOP, filters, maps), which may override those.
#[derive(Default)]
pub struct Fixture {
    inputs: Vec<String>,
    opts: Vec<String>,
}

impl Fixture {
    /// A fixture with no input yet.
    pub fn new() -> Fixture {
        Fixture::default()
    }

    /// Adds the lavfi source (or filter graph) `source` as the next input.
    pub fn lavfi(self, source: &str) -> Fixture {
        self.input(&["-f", "lavfi", "-i", source])
    }

    /// Adds input arguments as they are (`-loop 1 -r 30 -i scene.png`).
    pub fn input(mut self, args: &[&str]) -> Fixture {
        self.inputs.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Adds output options (after the default codec settings, so they may override them).
    pub fn opts(mut self, args: &[&str]) -> Fixture {
        self.opts.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Ends the output after `secs` seconds (`-t`).
    pub fn secs(self, secs: impl std::fmt::Display) -> Fixture {
        self.opts(&["-t", &secs.to_string()])
    }

    /// A `w`x`h` 30 fps picture from the lavfi source `video` (`color=c=0x808080`,
    /// `testsrc2`…) with a steady `tone_hz` sine at `sample_rate`, `secs` long.
    pub fn picture_with_tone(
        video: &str,
        (w, h): (u32, u32),
        tone_hz: u32,
        sample_rate: u32,
        secs: impl std::fmt::Display,
    ) -> Fixture {
        let sep = if video.contains('=') { ':' } else { '=' };
        Fixture::new()
            .lavfi(&format!("{video}{sep}s={w}x{h}:r=30"))
            .lavfi(&format!(
                "sine=frequency={tone_hz}:sample_rate={sample_rate}"
            ))
            .secs(secs)
    }

    /// Writes the clip to `out` (panicking with ffmpeg's message when it fails); returns `out`.
    pub fn write(self, out: &Path) -> PathBuf {
        let codecs = [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ];
        let mut args: Vec<&str> = self.inputs.iter().map(String::as_str).collect();
        args.extend(codecs);
        args.extend(self.opts.iter().map(String::as_str));
        args.push(s(out));
        ffmpeg(&args);
        out.to_path_buf()
    }
}

/// Copies the clip `stored` to `out` (no re-encoding) with a 90° rotation tag, the way phones
/// store a picture to be turned upright when shown.
pub fn tag_rotated(stored: &Path, out: &Path) {
    ffmpeg(&[
        "-i",
        s(stored),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        s(out),
    ]);
}

/// A landscape 640x360 30 fps clip of `secs` seconds: a mid-grey picture (Y=126) with a
/// 440 Hz tone, keyframes every `gop` frames.
pub fn grey_clip(dir: &Path, name: &str, secs: f64, gop: u32) -> PathBuf {
    Fixture::picture_with_tone("color=c=0x808080", (640, 360), 440, 48000, secs)
        .opts(&["-g", &gop.to_string(), "-shortest"])
        .write(&dir.join(name))
}

/// A short white-noise burst (a crash) mixed at `at_ms` into the audio source `bed`, over the
/// lavfi picture `video`, `secs` long.
pub fn bang_clip(out: &Path, bed: &str, video: &str, secs: u32, at_ms: u32) -> PathBuf {
    Fixture::new()
        .lavfi(bed)
        .lavfi("anoisesrc=d=0.15:c=white:a=0.9:r=48000:seed=1,afade=t=out:st=0:d=0.15")
        .lavfi(video)
        .opts(&[
            "-filter_complex",
            &format!("[1]adelay={at_ms}:all=1[x];[0][x]amix=inputs=2:normalize=0[a]"),
            "-map",
            "[a]",
            "-map",
            "2:v",
        ])
        .secs(secs)
        .write(out)
}

/// Batch clips for the fake renderer with the built-in tiktok preset and `request`: one for
/// each of `names` in `d` (written there as a fake `secs`-second input unless it exists or
/// its name starts with `missing`), rendered to the path `output` gives for its file stem.
pub fn fake_clips(
    d: &Path,
    names: &[&str],
    secs: f64,
    request: &failreel::ReelRequest,
    output: impl Fn(&str) -> PathBuf,
) -> Vec<failreel::Clip> {
    let preset = std::sync::Arc::new(failreel::Preset::built_in("tiktok").unwrap());
    names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let input = d.join(name);
            if !name.starts_with("missing") && !input.exists() {
                failreel::__dev::FakeRenderer::write_clip(&input, secs).unwrap();
            }
            let stem = Path::new(name).file_stem().unwrap().to_string_lossy();
            failreel::Clip {
                index,
                input,
                output: output(&stem),
                preset: preset.clone(),
                request: request.clone(),
                reads: request.captions.iter().cloned().collect(),
                loudness_over: None,
            }
        })
        .collect()
}

/// `failreel probe --json` of a file (asserting it succeeded).
pub fn probe_json(path: &Path) -> Value {
    let out = failreel(&["probe", s(path), "--json"]);
    assert!(
        out.status.success(),
        "probe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("probe json")
}

/// The `plan` lines of a dry run: failreel `args` (which ask for `--dry-run --json`), asserted
/// to succeed, every line of its output parsed as JSON.
pub fn plan_lines(args: &[&str]) -> Vec<Value> {
    json_lines(&failreel_exit(args, 0).stdout)
        .into_iter()
        .filter(|v| v["event"] == "plan")
        .collect()
}

/// The plan a dry run of `render` with `args` prints first (see [`dry_plans`]).
pub fn render_dry_plan(args: &[&str]) -> Value {
    let mut a = vec!["render"];
    a.extend_from_slice(args);
    dry_plans(&a).remove(0)
}

/// The plans a dry run prints: failreel `args` with `--dry-run --json` added, asserted to
/// succeed; the `plan` of each plan line.
pub fn dry_plans(args: &[&str]) -> Vec<Value> {
    let mut a = args.to_vec();
    a.extend(["--dry-run", "--json"]);
    plan_lines(&a)
        .into_iter()
        .map(|mut v| v["plan"].take())
        .collect()
}

/// ffprobe's view of a file as JSON (streams, format, frames when asked).
pub fn ffprobe(path: &Path, extra: &[&str]) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .args(extra)
        .arg(path)
        .output()
        .expect("ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

/// The stream of `kind` ("video" or "audio") in an ffprobe result.
pub fn stream<'a>(probe: &'a Value, kind: &str) -> &'a Value {
    probe["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .find(|s| s["codec_type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stream"))
}

/// ffprobe's view of the video stream of a file.
pub fn video_stream(path: &Path) -> Value {
    stream(&ffprobe(path, &[]), "video").clone()
}

/// Parses an ffprobe number field given as a string.
pub fn num(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_f64())
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Decodes every frame of `path` as raw `pix_fmt` (width, height, frames of `bytes_per_frame(w, h)`).
fn raw_frames(
    path: &Path,
    pix_fmt: &str,
    bytes_per_frame: fn(usize, usize) -> usize,
) -> (usize, usize, Vec<Vec<u8>>) {
    let p = ffprobe(path, &[]);
    let v = stream(&p, "video");
    let (w, h) = (
        v["width"].as_u64().unwrap() as usize,
        v["height"].as_u64().unwrap() as usize,
    );
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .expect("ffmpeg decode");
    assert!(
        out.status.success(),
        "decoding {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let frames = out
        .stdout
        .chunks_exact(bytes_per_frame(w, h))
        .map(|c| c.to_vec())
        .collect();
    (w, h, frames)
}

/// How many pictures a full decode of the video of `path` gives: ffprobe decodes every frame
/// and counts it (nothing is converted or piped, unlike [`luma_frames`]).
pub fn decoded_frames(path: &Path) -> usize {
    let p = ffprobe(path, &["-count_frames", "-select_streams", "v:0"]);
    num(&stream(&p, "video")["nb_read_frames"]) as usize
}

/// Decoded luma planes (raw limited-range Y values) of every frame: (width, height, frames).
pub fn luma_frames(path: &Path) -> (usize, usize, Vec<Vec<u8>>) {
    let (w, h, frames) = raw_frames(path, "yuv420p", |w, h| w * h * 3 / 2);
    (
        w,
        h,
        frames
            .into_iter()
            .map(|mut f| {
                f.truncate(w * h);
                f
            })
            .collect(),
    )
}

/// Decoded frames (or a picture) as 8-bit grey (width, height, frames).
pub fn grey_frames(path: &Path) -> (usize, usize, Vec<Vec<u8>>) {
    raw_frames(path, "gray", |w, h| w * h)
}

/// Decoded frames (or a picture) as RGB24 (width, height, frames).
pub fn rgb_frames(path: &Path) -> (usize, usize, Vec<Vec<u8>>) {
    raw_frames(path, "rgb24", |w, h| w * h * 3)
}

/// Decoded frames scaled to `w`x`h` (area average) as raw `pix_fmt` with `bytes_per_pixel`,
/// one buffer a frame.
fn scaled_frames(
    path: &Path,
    (w, h): (usize, usize),
    pix_fmt: &str,
    bytes_per_pixel: usize,
) -> Vec<Vec<u8>> {
    let scale = format!("scale={w}:{h}:flags=area");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", &scale, "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .expect("ffmpeg decode");
    assert!(out.status.success());
    out.stdout
        .chunks_exact(w * h * bytes_per_pixel)
        .map(|c| c.to_vec())
        .collect()
}

/// Decoded frames scaled to `w`x`h` (area average) as grey bytes, one `w * h` buffer a frame.
pub fn small_grey_frames(path: &Path, w: usize, h: usize) -> Vec<Vec<u8>> {
    scaled_frames(path, (w, h), "gray", 1)
}

/// Decoded frames (or a picture) scaled to `w`x`h` (area average) as RGB24, one `w * h * 3`
/// buffer a frame.
pub fn small_rgb_frames(path: &Path, w: usize, h: usize) -> Vec<Vec<u8>> {
    scaled_frames(path, (w, h), "rgb24", 3)
}

/// Mean of a rectangle of a luma plane.
pub fn mean_rect(y: &[u8], w: usize, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
    let mut sum = 0u64;
    for row in y0..y1 {
        for col in x0..x1 {
            sum += y[row * w + col] as u64;
        }
    }
    sum as f64 / ((x1 - x0) * (y1 - y0)) as f64
}

/// Largest luma distance from `bg` inside the rectangle `(x0, y0, x1, y1)` of a luma plane.
pub fn max_dev(y: &[u8], w: usize, r: (usize, usize, usize, usize), bg: u8) -> u8 {
    let mut m = 0;
    for row in r.1..r.3 {
        for col in r.0..r.2 {
            m = m.max(y[row * w + col].abs_diff(bg));
        }
    }
    m
}

/// A plan's rectangle (`{x, y, width, height}`) as `(x0, y0, x1, y1)`.
pub fn rect(v: &Value) -> (usize, usize, usize, usize) {
    let g = |k: &str| v[k].as_u64().unwrap() as usize;
    (g("x"), g("y"), g("x") + g("width"), g("y") + g("height"))
}

/// Decoded audio as f32 at 48 kHz, down- or up-mixed to `channels` (interleaved).
fn audio_f32(path: &Path, channels: u32) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vn", "-f", "f32le", "-ac", &channels.to_string()])
        .args(["-ar", "48000", "-"])
        .output()
        .expect("ffmpeg decode audio");
    assert!(out.status.success());
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Decoded audio as mono f32 at 48 kHz.
pub fn audio_mono(path: &Path) -> Vec<f32> {
    audio_f32(path, 1)
}

/// Decoded audio as interleaved stereo f32 at 48 kHz.
pub fn audio_stereo(path: &Path) -> Vec<f32> {
    audio_f32(path, 2)
}

/// RMS level of `samples` between two times (seconds, 48 kHz).
pub fn rms(samples: &[f32], t0: f64, t1: f64) -> f64 {
    let a = ((t0 * 48000.0) as usize).min(samples.len());
    let b = ((t1 * 48000.0) as usize).min(samples.len());
    if b <= a {
        return 0.0;
    }
    let sum: f64 = samples[a..b].iter().map(|&x| (x as f64) * (x as f64)).sum();
    (sum / (b - a) as f64).sqrt()
}

/// The top-level MP4 box types in file order.
pub fn top_level_boxes(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).expect("read mp4");
    let mut boxes = Vec::new();
    let mut i = 0usize;
    while i + 8 <= data.len() {
        let mut size = u32::from_be_bytes(data[i..i + 4].try_into().unwrap()) as u64;
        let kind = String::from_utf8_lossy(&data[i + 4..i + 8]).into_owned();
        if size == 1 && i + 16 <= data.len() {
            size = u64::from_be_bytes(data[i + 8..i + 16].try_into().unwrap());
        } else if size == 0 {
            size = (data.len() - i) as u64;
        }
        boxes.push(kind);
        if size < 8 {
            break;
        }
        i += size as usize;
    }
    boxes
}

/// Largest luma difference from `grey` inside and outside a safe zone `(top, bottom, left,
/// right)`, over every other row and column of a `w`x`h` luma plane.
pub fn card_diffs(
    f: &[u8],
    w: usize,
    h: usize,
    grey: f64,
    zone: (usize, usize, usize, usize),
) -> (f64, f64) {
    let (top, bottom, left, right) = zone;
    let (mut inside, mut outside) = (0f64, 0f64);
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let d = (f[y * w + x] as f64 - grey).abs();
            if y >= top && y < h - bottom && x >= left && x < w - right {
                inside = inside.max(d);
            } else {
                outside = outside.max(d);
            }
        }
    }
    (inside, outside)
}

/// Files in a folder (names), sorted.
pub fn list(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs failreel with a deadline: a command that blocks past `limit` is killed and the test
/// fails (nothing failreel does may hang a terminal).
pub fn failreel_within(args: &[&str], limit: std::time::Duration) -> Output {
    let mut child = spawn_failreel(args);
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("failreel {args:?} blocked for {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Writes a drawn person (not a photograph: a schematic face with hair, brows, eyes, nose and
/// mouth over dark shoulders) as an RGBA PNG, the face `size` px wide, the picture
/// `size * 2.4` wide and `size * 2.2` tall with the face centred at the top. The face
/// detector of `--focus auto` finds such a face from about 40 px at its 384 px proxy (checked
/// by the tests that use it: each asserts the window holds it, which only the detector
/// explains).
pub fn person_png(path: &Path, size: u32) {
    let (w, h) = ((size as f32 * 2.4) as u32, (size as f32 * 2.2) as u32);
    let s = size as f32;
    let fx0 = (w as f32 - s) / 2.0;
    let mut img = image::RgbaImage::new(w, h);
    for (px, py, p) in img.enumerate_pixels_mut() {
        let (x, y) = ((px as f32 - fx0) / s, py as f32 / s);
        let e =
            |cx: f32, cy: f32, rx: f32, ry: f32| ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2);
        // Shoulders: a dark jumper below the face.
        let shoulders = e(0.5, 2.1, 1.15, 1.05) <= 1.0 && y > 0.95;
        let head = e(0.5, 0.52, 0.36, 0.46);
        let mut c: Option<[f32; 3]> = shoulders.then_some([60.0, 70.0, 110.0]);
        if head <= 1.0 {
            let shade = 40.0 * head * head;
            let mut v = [205.0 - shade, 160.0 - shade, 130.0 - shade];
            if y < 0.22 + 0.05 * (x - 0.5).abs() {
                v = [50.0, 35.0, 25.0];
            }
            for ex in [0.35f32, 0.65] {
                if (y - 0.36).abs() < 0.02 && (x - ex).abs() < 0.09 {
                    v = [60.0, 45.0, 35.0];
                }
                if e(ex, 0.45, 0.075, 0.035) <= 1.0 {
                    v = [235.0, 235.0, 235.0];
                }
                if e(ex, 0.45, 0.035, 0.035) <= 1.0 {
                    v = [30.0, 25.0, 20.0];
                }
            }
            if (x - 0.5).abs() < 0.035 * (y - 0.45) / 0.15 && y > 0.45 && y < 0.62 {
                v = v.map(|c| c - 35.0);
            }
            if e(0.46, 0.62, 0.03, 0.015) <= 1.0 || e(0.54, 0.62, 0.03, 0.015) <= 1.0 {
                v = [90.0, 60.0, 50.0];
            }
            if e(0.5, 0.75, 0.13, 0.03) <= 1.0 {
                v = [150.0, 70.0, 70.0];
            }
            c = Some(v);
        }
        *p = match c {
            Some(v) => image::Rgba([v[0] as u8, v[1] as u8, v[2] as u8, 255]),
            None => image::Rgba([0, 0, 0, 0]),
        };
    }
    img.save(path).expect("writing the person PNG");
}

/// A preset file `name.toml` in `dir` for small, fast renders: `base` at 180x320 with a
/// small safe zone, then `extra` TOML (e.g. `"[length]\nmax_s = 5\n"`).
pub fn tiny_preset(dir: &Path, name: &str, base: &str, extra: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "base = \"{base}\"\nname = \"{name}\"\n[video]\nwidth = 180\nheight = 320\n[safe_zone]\ntop = 20\nbottom = 40\nleft = 10\nright = 10\n{extra}"
        ),
    )
    .unwrap();
    path
}

/// A 320x180 30 fps moving test pattern with a 440 Hz tone, `secs` long (cached).
pub fn small_pattern(secs: u32) -> PathBuf {
    cached_fixture(&format!("i24-pattern-{secs}s.mp4"), |p| {
        Fixture::picture_with_tone("testsrc2", (320, 180), 440, 48000, secs)
            .opts(&["-g", "30", "-shortest"])
            .write(p);
    })
}

/// Two copies of the 2 s `small_pattern` in `dir`, as `a.mp4` and `b.mp4`: two clips of a
/// batch or a compilation with the same picture.
pub fn two_small_clips(dir: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = (dir.join("a.mp4"), dir.join("b.mp4"));
    for p in [&a, &b] {
        std::fs::copy(small_pattern(2), p).unwrap();
    }
    (a, b)
}

/// A 6 s 320x180 clip whose only sudden sound (a crash over a quiet bed) is at 5.6 s, near
/// its end (cached).
pub fn late_bang_clip() -> PathBuf {
    cached_fixture("i24-late-bang.mp4", |p| {
        bang_clip(
            p,
            "anoisesrc=c=pink:a=0.02:r=48000:seed=3",
            "testsrc2=s=320x180:r=30",
            6,
            5600,
        );
    })
}

/// stdout and stderr of a run, as one text.
pub fn all_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A preset file in `dir`: TikTok's settings at a quarter of its size (270x480, the safe
/// zone and the cards' text scaled alike), for tests whose point does not need 1080x1920:
/// their reels encode about 4x faster. Pass it with `--preset`.
pub fn quarter_preset(dir: &Path) -> PathBuf {
    let p = dir.join("quarter.toml");
    std::fs::write(
        &p,
        "base = \"tiktok\"\nname = \"quarter\"\n[video]\nwidth = 270\nheight = 480\n\
         [safe_zone]\ntop = 62\nbottom = 115\nleft = 15\nright = 45\n[cards]\ntext_size = \"16px\"\n",
    )
    .unwrap();
    p
}

/// A 640x360 30 fps clip, 3 s, no sound (cached): a drawn person ([`person_png`], face 96 px
/// wide) at the picture's top left corner over a plain blue-grey. The reframe pass finds the
/// face, but the 9:16 window cannot centre it (it is at the picture's edge): it stays at the
/// window's top left, where a part's number goes first, and off the window's centre.
pub fn face_in_corner_clip() -> PathBuf {
    cached_fixture("face_in_corner_v1.mp4", |path| {
        let png = path.with_extension("png");
        person_png(&png, 96);
        Fixture::new()
            .lavfi("color=c=0x3c5a78:s=640x360:r=30:d=3")
            .input(&["-loop", "1", "-framerate", "30", "-i", s(&png)])
            .opts(&[
                "-filter_complex",
                "[0][1]overlay=x=-63:y=-2:shortest=1,format=yuv420p",
                "-t",
                "3",
                "-g",
                "30",
            ])
            .write(path);
        let _ = std::fs::remove_file(&png);
    })
}

/// The drawn face's skin (see [`person_png`]) in a `w`-wide RGB frame: its pixel count and
/// bounding box `(x0, y0, x1, y1)` (exclusive ends).
pub fn skin_box(f: &[u8], w: usize) -> (usize, (usize, usize, usize, usize)) {
    let (mut n, mut b) = (0, (usize::MAX, usize::MAX, 0, 0));
    for (i, p) in f.chunks_exact(3).enumerate() {
        let (pr, pg, pb) = (p[0] as i32, p[1] as i32, p[2] as i32);
        if (140..230).contains(&pr)
            && (20..70).contains(&(pr - pg))
            && (10..50).contains(&(pg - pb))
        {
            let (x, y) = (i % w, i / w);
            n += 1;
            b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
        }
    }
    (n, b)
}

/// What ffmpeg's comparison filter `filter` (`ssim`, `psnr`) prints for two videos compared
/// frame by frame in order: the summary value after `key` (`All:`, `average:`).
fn compare_videos(a: &Path, b: &Path, filter: &str, key: &str) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-v", "info", "-i"])
        .arg(a)
        .arg("-i")
        .arg(b)
        .args([
            "-lavfi",
            &format!("[0:v]settb=1/30,setpts=N[a];[1:v]settb=1/30,setpts=N[b];[a][b]{filter}"),
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let v = err
        .split(key)
        .nth(1)
        .unwrap_or_else(|| panic!("no {filter} summary in {err}"))
        .split_whitespace()
        .next()
        .unwrap();
    if v == "inf" {
        f64::INFINITY
    } else {
        v.parse().unwrap()
    }
}

/// SSIM (all planes) between two videos, frame by frame in order.
pub fn ssim(a: &Path, b: &Path) -> f64 {
    compare_videos(a, b, "ssim", "All:")
}

/// The mean PSNR (dB, all planes) of `a` against `b`, frame by frame in order.
pub fn psnr(a: &Path, b: &Path) -> f64 {
    compare_videos(a, b, "psnr", "average:")
}

//! `--report`: `report.html` in the output folder, written when a batch ends. A
//! [`crate::batch::Sink`] fed by the batch's typed events (the summary holds every clip's
//! outcome and plan): one card per reel (its cover or thumbnail, the reel playable inline,
//! duration, the cards' texts, the preset, the detected moment when there is one) and every
//! clip that failed, with its error.
//!
//! The page describes the output folder, not only the last run: reels listed by an earlier
//! report there (other runs, other shards) stay listed while their files are there, and
//! failreel's reels found in the folder that no report listed are added; each reel's length
//! is read from the reel itself. A rerun of one clip therefore keeps the others. The earlier
//! report's entries are kept in the page itself (an HTML comment of JSON at its end).
//!
//! The page works opened straight from the disk: every link is relative to the report and
//! percent-encoded, nothing is fetched, no script is needed (there is none), the CSS is
//! inline and the layout fits a phone's width. Every text is HTML-escaped. The file is
//! written through the output rule (temporary then rename, never a foreign `report.html`
//! without `--force`), so each run replaces it whole.

use crate::batch::{Event, Outcome, Sink, Status, Summary};
use crate::plan::Role;
use crate::render::output::{OutputError, Writer};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The report's file name.
pub const REPORT_NAME: &str = "report.html";
/// The marker by which failreel knows a report it wrote.
const GENERATOR: &str = "<meta name=\"generator\" content=\"failreel\">";

/// One reel as the report shows it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ReelEntry {
    /// The reel file.
    pub output: PathBuf,
    /// The input it came from.
    pub input: PathBuf,
    /// What happened.
    pub status: Option<Status>,
    /// Preset name.
    pub preset: Option<String>,
    /// Reel length in seconds.
    pub duration_s: Option<f64>,
    /// The went-wrong card's text.
    pub went_wrong: Option<String>,
    /// The lesson card's text.
    pub lesson: Option<String>,
    /// The detected moment of the fail on the input's clock, in seconds, when `--start auto`
    /// found one (the plan's `auto_start`).
    pub moment_s: Option<f64>,
    /// The cover or thumbnail, if it exists.
    pub still: Option<PathBuf>,
    /// Whether the still is a cover (else a thumbnail).
    pub still_is_cover: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// Warnings raised.
    pub warnings: Vec<String>,
    /// What was heard and seen at the moment ("bang", "knock"…), when there is one.
    pub moment_why: Vec<String>,
    /// Whether this run made (or checked) it; else it is from an earlier run.
    #[serde(skip)]
    pub this_run: bool,
    /// The best frames for the cover (the one used first), each with the flag that picks it
    /// (when the still was made this run and `--cover-at` did not choose it).
    #[serde(skip)]
    pub cover_choices: Vec<crate::render::cover::CoverChoice>,
    /// The review sheet: the window over the source, the clip's moments, the cover's
    /// candidates, each with the change that picks it.
    #[serde(skip)]
    pub review: Option<crate::render::review::Review>,
}

impl ReelEntry {
    /// What the report shows of one outcome.
    pub fn from_outcome(o: &Outcome) -> ReelEntry {
        let plan = o.plan.as_deref();
        let card = |role: Role| {
            plan.and_then(|p| p.overlays.iter().find(|c| c.role == role))
                .map(|c| c.text.clone())
        };
        let duration_s = o
            .duration
            .map(|d| d.as_secs_f64())
            .or_else(|| plan.map(|p| p.reel_length().as_secs_f64()));
        ReelEntry {
            output: o.output.clone(),
            input: o.input.clone(),
            status: Some(o.status),
            preset: plan.map(|p| p.preset_name().to_string()),
            duration_s,
            went_wrong: card(Role::WentWrong),
            lesson: card(Role::Lesson),
            moment_s: plan
                .and_then(|p| p.auto_start.as_ref())
                .and_then(|a| a.moment_s),
            still: plan
                .and_then(|p| p.cover.as_ref())
                .map(|c| c.path.clone())
                .filter(|p| p.is_file()),
            still_is_cover: plan
                .and_then(|p| p.cover.as_ref())
                .is_some_and(|c| c.kind == crate::plan::cover::CoverKind::Cover),
            error: o.error_text(),
            warnings: o.warnings.clone(),
            moment_why: plan
                .and_then(|p| p.auto_start.as_ref())
                .map(|a| a.why.clone())
                .unwrap_or_default(),
            this_run: true,
            cover_choices: match plan.and_then(|p| p.cover.as_ref()) {
                Some(c) if c.at.is_none() => {
                    o.cover.as_ref().map(|r| r.best.clone()).unwrap_or_default()
                }
                _ => Vec::new(),
            },
            review: o.review.as_deref().cloned(),
        }
    }
}

/// Reads what is at a reel's path (failreel's reel, and its length).
pub type ReelReader = fn(&Path) -> crate::batch::Existing;

fn read_with_libav(path: &Path) -> crate::batch::Existing {
    use crate::batch::Renderer;
    crate::batch::Libav.existing(path)
}

/// The sink: writes `report.html` into `dir` when the batch's summary arrives (not for a dry
/// run). A failure to write is kept for the caller ([`HtmlReport::take_error`]).
pub struct HtmlReport {
    dir: PathBuf,
    force: bool,
    inputs: Vec<PathBuf>,
    reader: ReelReader,
    written: Mutex<Option<PathBuf>>,
    error: Mutex<Option<OutputError>>,
}

impl HtmlReport {
    /// A report written into `dir`; `force` replaces a `report.html` failreel did not write;
    /// `inputs` are never overwritten.
    pub fn new(dir: PathBuf, force: bool, inputs: Vec<PathBuf>) -> HtmlReport {
        HtmlReport {
            dir,
            force,
            inputs,
            reader: read_with_libav,
            written: Mutex::new(None),
            error: Mutex::new(None),
        }
    }

    /// The same report, reading the reels in its folder with `reader` (the fake renderer's
    /// for tests; libav's by default).
    pub fn reading_reels_with(mut self, reader: ReelReader) -> HtmlReport {
        self.reader = reader;
        self
    }

    /// The folder it is written into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The report's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(REPORT_NAME)
    }

    /// The report written, if it was.
    pub fn written(&self) -> Option<PathBuf> {
        self.written.lock().ok().and_then(|w| w.clone())
    }

    /// Why the report could not be written, if it could not.
    pub fn take_error(&self) -> Option<OutputError> {
        self.error.lock().ok().and_then(|mut e| e.take())
    }

    fn write(&self, summary: &Summary) -> Result<PathBuf, OutputError> {
        let path = self.path();
        std::fs::create_dir_all(&self.dir).map_err(|e| OutputError::io(&self.dir, e))?;
        let inputs: Vec<&Path> = self.inputs.iter().map(PathBuf::as_path).collect();
        crate::render::output::check_target(&path, &inputs, self.force, report_is_ours)?;
        let now: Vec<ReelEntry> = summary
            .outcomes
            .iter()
            .map(ReelEntry::from_outcome)
            .collect();
        let earlier = if report_is_ours(&path) {
            earlier_entries(&path)
        } else {
            Vec::new()
        };
        let entries = folder_entries(&self.dir, now, earlier, self.reader);
        let html = render_html(&self.dir, summary, &entries);
        let writer = Writer::begin(&path, &inputs)?;
        std::fs::write(writer.temp(), html).map_err(|e| OutputError::io(&path, e))?;
        writer.commit()?;
        Ok(path)
    }
}

impl Sink for HtmlReport {
    fn event(&self, event: &Event) {
        if let Event::Summary(summary) = event {
            if summary.dry_run {
                return;
            }
            match self.write(summary) {
                Ok(p) => {
                    if let Ok(mut w) = self.written.lock() {
                        *w = Some(p);
                    }
                }
                Err(e) => {
                    if let Ok(mut slot) = self.error.lock() {
                        *slot = Some(e);
                    }
                }
            }
        }
    }
}

/// Where a report keeps its entries for the next run (an HTML comment at its end).
const DATA_MARK: &str = "<!-- failreel-reels ";

/// The entries an earlier report kept in itself (none when it kept none, or they cannot be
/// read: the folder's reels are still found).
fn earlier_entries(path: &Path) -> Vec<ReelEntry> {
    let Ok(text) = crate::config::files::read_text(path, crate::config::files::SideFile::Manifest)
    else {
        return Vec::new();
    };
    let Some(at) = text.rfind(DATA_MARK) else {
        return Vec::new();
    };
    let rest = &text[at + DATA_MARK.len()..];
    let Some(end) = rest.find(" -->") else {
        return Vec::new();
    };
    serde_json::from_str(&rest[..end]).unwrap_or_default()
}

/// The entries as JSON that can sit in an HTML comment (no `--`, `<`, `>` or `&`: each
/// written as a `\u` escape, which JSON reads back as the same text).
fn entries_comment(entries: &[ReelEntry]) -> String {
    let json = serde_json::to_string(entries).unwrap_or_else(|_| "[]".into());
    let mut out = String::with_capacity(json.len());
    let mut prev = ' ';
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '-' if prev == '-' => out.push_str("\\u002d"),
            c => out.push(c),
        }
        prev = c;
    }
    format!("{DATA_MARK}{out} -->\n")
}

/// What the output folder holds: this run's entries, the earlier report's for reels that
/// are still there (or failures this run did not retry), and failreel's reels in `dir` that
/// neither names; each reel's length read from the file. Sorted by the reel's name,
/// failures with them.
fn folder_entries(
    dir: &Path,
    now: Vec<ReelEntry>,
    earlier: Vec<ReelEntry>,
    reader: ReelReader,
) -> Vec<ReelEntry> {
    use crate::batch::Existing;
    let key = |p: &Path| crate::model::same_file_path(p);
    let mut out: Vec<ReelEntry> = Vec::new();
    let mut seen: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for e in now {
        seen.insert(key(&e.output));
        out.push(e);
    }
    for mut e in earlier {
        if !seen.insert(key(&e.output)) {
            continue;
        }
        e.this_run = false;
        let there = matches!((reader)(&e.output), Existing::Reel { .. });
        // A reel listed before is kept while it is there; a failure while it still has no
        // reel.
        let keep = if e.status == Some(Status::Failed) || e.status == Some(Status::NotStarted) {
            !there
        } else {
            there
        };
        if keep {
            if there {
                e.status = Some(Status::Skipped);
                e.error = None;
            }
            e.still = e.still.filter(|s| s.is_file());
            out.push(e);
        }
    }
    // failreel's reels in the folder that no report listed.
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut found: Vec<PathBuf> = rd
            .flatten()
            .filter(|d| d.file_type().is_ok_and(|t| t.is_file()))
            .map(|d| d.path())
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                name.is_some_and(|n| !n.starts_with('.'))
                    && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("mp4"))
            })
            .collect();
        found.sort();
        for p in found {
            if seen.contains(&key(&p)) {
                continue;
            }
            if matches!((reader)(&p), Existing::Reel { .. }) {
                seen.insert(key(&p));
                out.push(ReelEntry {
                    output: p,
                    status: Some(Status::Skipped),
                    ..ReelEntry::default()
                });
            }
        }
    }
    // Each reel's real length, read from the reel.
    for e in out.iter_mut() {
        if matches!(e.status, Some(Status::Ok) | Some(Status::Skipped)) {
            if let Existing::Reel {
                duration: Some(d), ..
            } = (reader)(&e.output)
            {
                e.duration_s = Some(d.as_secs_f64());
            }
        }
    }
    out.sort_by_key(|a| name_of(&a.output));
    out
}

/// Whether failreel wrote the report at `path` (its generator tag is in the first 2 KiB).
pub fn report_is_ours(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(2048).read_to_end(&mut head))
        .is_ok()
        && String::from_utf8_lossy(&head).contains(GENERATOR)
}

/// `text` with `& < > " '` escaped, for element content and attribute values alike.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative path as a URL path: each segment's bytes percent-encoded (UTF-8), except the
/// unreserved characters `A-Z a-z 0-9 - . _ ~`; segments joined with `/`.
pub fn url_path(rel: &Path) -> String {
    let mut out = String::new();
    for (i, part) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        let seg = match part {
            Component::ParentDir => "..".to_string(),
            Component::CurDir => ".".to_string(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        };
        for b in seg.as_bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    out.push(*b as char)
                }
                _ => {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
    }
    out
}

/// `path` made absolute (against the current folder) with `.` and `..` resolved by name.
fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to the folder `from` (`../reels/x.mp4` when they differ).
pub fn relative(from: &Path, target: &Path) -> PathBuf {
    let (from, target) = (absolute(from), absolute(target));
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = target.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..f.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c);
    }
    rel
}

fn link(dir: &Path, target: &Path) -> String {
    escape(&url_path(&relative(dir, target)))
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Seconds as `m:ss.s`.
/// "m:ss.s (why, why)" for a detected moment; without reasons, "m:ss.s in the clip".
fn moment_text(t: f64, why: &[String]) -> String {
    if why.is_empty() {
        format!("{} in the clip", clock(t))
    } else {
        format!("{} ({})", clock(t), why.join(", "))
    }
}

fn clock(s: f64) -> String {
    let m = (s / 60.0).floor();
    format!("{}:{:04.1}", m as u64, s - m * 60.0)
}

/// Today's date and time in UTC, `YYYY-MM-DD HH:MM`.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

const CSS: &str = "\
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;background:#f4f1ec;color:#1f1b16}
header{padding:16px;background:#1f1b16;color:#fff}
header h1{margin:0 0 4px;font-size:1.4rem}
header p{margin:0;color:#d9d2c7;font-size:.95rem}
main{padding:12px;max-width:1200px;margin:0 auto}
h2{font-size:1.15rem;margin:20px 4px 10px}
.reels{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
.reel,.failure{background:#fff;border-radius:12px;padding:12px;box-shadow:0 1px 3px rgba(0,0,0,.12);overflow-wrap:anywhere}
.reel h3,.failure h3{margin:0 0 8px;font-size:1rem}
.media{display:flex;gap:8px}
.media>*{flex:1 1 0;min-width:0}
.media img,.media video{display:block;width:100%;aspect-ratio:9/16;object-fit:cover;border-radius:8px;background:#2b2620}
.media figcaption{font-size:.75rem;color:#6b6257;text-align:center}
.media figure{margin:0}
dl{margin:10px 0 0;display:grid;grid-template-columns:auto 1fr;gap:2px 10px;font-size:.92rem}
dt{color:#6b6257}
dd{margin:0}
.badge{display:inline-block;padding:1px 8px;border-radius:99px;font-size:.78rem;font-weight:600;vertical-align:middle;margin-left:6px}
.ok{background:#d8f0dc;color:#1d5b2a}.skipped{background:#e3e7f3;color:#2c3e73}.failed{background:#f8d7d3;color:#8a1c10}.not_started{background:#eee;color:#555}
.failure{border-left:5px solid #c0392b}
.failure pre{white-space:pre-wrap;margin:6px 0 0;font:.85rem/1.4 ui-monospace,Menlo,Consolas,monospace;color:#8a1c10}
.warn{color:#8a5a00;font-size:.85rem;margin:6px 0 0;padding-left:18px}
.empty{color:#6b6257}
.reel.reviewed{grid-column:1/-1}
.reviewed .body{display:grid;grid-template-columns:minmax(0,1fr);gap:14px}
@media (min-width:820px){.reviewed .body{grid-template-columns:minmax(0,330px) minmax(0,1fr)}}
.review h4{margin:12px 0 6px;font-size:.92rem}
.review h4:first-child{margin-top:0}
.review p.note{margin:0 0 6px;font-size:.8rem;color:#6b6257}
.sprite{display:block;flex:0 0 auto;background-repeat:no-repeat;border-radius:4px;background-color:#26221e}
.strip{display:flex;gap:6px;overflow-x:auto;padding-bottom:6px}
.strip figure{margin:0;flex:0 0 160px;width:160px}
.strip figcaption,.covers figcaption{font-size:.72rem;color:#6b6257;margin-top:2px}
.strip code{white-space:nowrap;font-size:.7rem}
code{font:.76rem/1.35 ui-monospace,Menlo,Consolas,monospace;background:#f1ede6;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
.moments{list-style:none;margin:0;padding:0;display:grid;gap:8px}
.moments li{display:flex;gap:8px;align-items:flex-start}
.moments li>div{min-width:0;font-size:.85rem}
.used{font-weight:600;color:#1d5b2a}
.covers{display:flex;gap:10px;flex-wrap:wrap}
.covers figure{margin:0;width:132px}
";

/// A cell of a review sprite: a fixed-size box showing that part of the sprite image.
fn sprite_cell(
    dir: &Path,
    r: &crate::render::review::Review,
    c: &crate::render::review::Cell,
    alt: &str,
) -> String {
    format!(
        "<span class=\"sprite\" role=\"img\" aria-label=\"{}\" style=\"width:{}px;height:{}px;background-image:url('{}');background-position:-{}px -{}px\"></span>",
        escape(alt),
        c.width,
        c.height,
        link(dir, &r.image),
        c.x,
        c.y
    )
}

/// The review sheet of one reel: the window over the source, the moments, the covers.
fn review_html(dir: &Path, r: &crate::render::review::Review) -> String {
    let mut h = String::from("<section class=\"review\">\n<h4>Framing</h4>\n<p class=\"note\">The source at regular steps; the frame shows what the reel crops, the rest is dimmed.</p>\n<div class=\"strip\">\n");
    for f in &r.strip {
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>{} (clip {}) <code>{}</code></figcaption></figure>",
            sprite_cell(
                dir,
                r,
                &f.cell,
                &format!("the window at {}", clock(f.reel_t.as_secs_f64()))
            ),
            clock(f.reel_t.as_secs_f64()),
            clock(f.source_t.as_secs_f64()),
            escape(&f.change)
        );
    }
    h.push_str("</div>\n<h4>Moments in the clip</h4>\n");
    if r.moments.is_empty() {
        h.push_str("<p class=\"note\">Nothing stands out in the clip (no bang, shout, alarm or knock).</p>\n");
    } else {
        h.push_str("<ol class=\"moments\">\n");
        for m in &r.moments {
            let place = match (m.reel_t, m.used) {
                (Some(t), true) => format!(
                    "<span class=\"used\">this reel's moment</span>, at {} on it",
                    clock(t.as_secs_f64())
                ),
                (Some(t), false) => format!("at {} on this reel", clock(t.as_secs_f64())),
                (None, _) => "not in this reel".to_string(),
            };
            let _ = writeln!(
                h,
                "<li>{}<div><b>{}</b> in the clip · score {:.2}{} · {}<br>pick it: <code>{}</code></div></li>",
                sprite_cell(dir, r, &m.cell, &format!("the clip at {}", clock(m.source_t.as_secs_f64()))),
                clock(m.source_t.as_secs_f64()),
                m.score,
                if m.why.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", escape(&m.why.join(", ")))
                },
                place,
                escape(&m.change)
            );
        }
        h.push_str("</ol>\n");
    }
    if !r.covers.is_empty() {
        h.push_str("<h4>Cover</h4>\n<div class=\"covers\">\n");
        for (k, c) in r.covers.iter().enumerate() {
            let _ = writeln!(
                h,
                "<figure>{}<figcaption>{}{} · sharpness {:.0}{}<br><code>{}</code></figcaption></figure>",
                sprite_cell(dir, r, &c.cell, &format!("the reel at {}", clock(c.choice.t.as_secs_f64()))),
                if k == 0 { "used: " } else { "" },
                clock(c.choice.t.as_secs_f64()),
                c.choice.score,
                if c.choice.faces > 0 { ", a face" } else { "" },
                escape(&c.choice.flag)
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
    h
}

fn status_label(s: Option<Status>) -> (&'static str, &'static str) {
    match s {
        Some(Status::Ok) => ("ok", "rendered"),
        Some(Status::Skipped) => ("skipped", "up to date"),
        Some(Status::Failed) => ("failed", "failed"),
        Some(Status::NotStarted) | None => ("not_started", "not started"),
    }
}

/// The whole page for a batch's `entries` (one per clip, in batch order), links relative to
/// `dir`.
pub fn render_html(dir: &Path, summary: &Summary, entries: &[ReelEntry]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{GENERATOR}\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>failreel report</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<header>\n<h1>failreel report</h1>\n\
<p>{} rendered · {} up to date · {} failed{} · {:.1} s · written {}</p>\n</header>\n<main>\n",
        summary.rendered,
        summary.skipped,
        summary.failed,
        if summary.not_started > 0 {
            format!(" · {} not started", summary.not_started)
        } else {
            String::new()
        },
        summary.seconds,
        now_utc()
    );
    let failures: Vec<&ReelEntry> = entries
        .iter()
        .filter(|e| e.status == Some(Status::Failed))
        .collect();
    if !failures.is_empty() {
        let _ = write!(
            h,
            "<section id=\"failed\">\n<h2>Failed ({})</h2>\n<div class=\"reels\">\n",
            failures.len()
        );
        for e in &failures {
            let _ = write!(
                h,
                "<article class=\"failure\">\n<h3>{}<span class=\"badge failed\">failed</span></h3>\n\
<dl><dt>input</dt><dd>{}</dd><dt>reel</dt><dd>{}</dd></dl>\n<pre>{}</pre>\n</article>\n",
                escape(&name_of(&e.input)),
                escape(&e.input.display().to_string()),
                escape(&name_of(&e.output)),
                escape(e.error.as_deref().unwrap_or("failed"))
            );
        }
        h.push_str("</div>\n</section>\n");
    }
    let reels: Vec<&ReelEntry> = entries
        .iter()
        .filter(|e| e.status != Some(Status::Failed))
        .collect();
    let _ = write!(
        h,
        "<section id=\"reels\">\n<h2>Reels in this folder ({})</h2>\n",
        reels.len()
    );
    if reels.is_empty() {
        h.push_str("<p class=\"empty\">No reels in this folder.</p>\n");
    }
    h.push_str("<div class=\"reels\">\n");
    for e in reels {
        let (class, label) = if e.this_run {
            status_label(e.status)
        } else {
            ("skipped", "earlier run")
        };
        let reviewed = if e.review.is_some() { " reviewed" } else { "" };
        let _ = write!(
            h,
            "<article class=\"reel{reviewed}\">\n<h3>{}<span class=\"badge {class}\">{label}</span></h3>\n<div class=\"body\">\n<div>\n<div class=\"media\">\n",
            escape(&name_of(&e.output))
        );
        if let Some(still) = &e.still {
            let _ = writeln!(
                h,
                "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}\" loading=\"lazy\"></a><figcaption>{2}</figcaption></figure>",
                link(dir, still),
                escape(&format!("still of {}", name_of(&e.output))),
                if e.still_is_cover { "cover" } else { "thumbnail" }
            );
        }
        if e.output.is_file() {
            let poster = e
                .still
                .as_ref()
                .map(|s| format!(" poster=\"{}\"", link(dir, s)))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<figure><video controls playsinline preload=\"metadata\"{poster} src=\"{0}\"></video><figcaption><a href=\"{0}\">reel</a></figcaption></figure>",
                link(dir, &e.output)
            );
        }
        h.push_str("</div>\n<dl>\n");
        let mut row = |k: &str, v: &str| {
            let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
        };
        if let Some(p) = &e.preset {
            row("preset", p);
        }
        if let Some(d) = e.duration_s {
            row("duration", &format!("{} ({d:.1} s)", clock(d)));
        }
        if let Some(m) = e.moment_s {
            row("moment", &moment_text(m, &e.moment_why));
        }
        if let Some(t) = &e.went_wrong {
            row("went wrong", t);
        }
        if let Some(t) = &e.lesson {
            row("lesson", t);
        }
        if !e.input.as_os_str().is_empty() {
            row("input", &e.input.display().to_string());
        }
        // The review sheet shows them with their pictures.
        for (k, c) in e
            .cover_choices
            .iter()
            .enumerate()
            .filter(|_| e.review.is_none())
        {
            row(
                if k == 0 { "cover" } else { "or cover" },
                &format!(
                    "{} (sharpness {:.0}{}): {}",
                    clock(c.t.as_secs_f64()),
                    c.score,
                    if c.faces > 0 { ", a face" } else { "" },
                    c.flag
                ),
            );
        }
        h.push_str("</dl>\n");
        if !e.warnings.is_empty() {
            h.push_str("<ul class=\"warn\">\n");
            for w in &e.warnings {
                let _ = writeln!(h, "<li>{}</li>", escape(w));
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</div>\n");
        if let Some(r) = &e.review {
            h.push_str(&review_html(dir, r));
        }
        h.push_str("</div>\n</article>\n");
    }
    h.push_str("</div>\n</section>\n</main>\n</body>\n</html>\n");
    // What the next run's report keeps of this one.
    h.push_str(&entries_comment(entries));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_reads_as_its_clock_time_and_why() {
        let why = vec!["bang".to_string(), "knock".to_string()];
        assert_eq!(moment_text(67.24, &why), "1:07.2 (bang, knock)");
        assert_eq!(moment_text(7.3, &[]), "0:07.3 in the clip");
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(\"1\")</script> & 'x'"),
            "&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;x&#39;"
        );
    }

    #[test]
    fn url_paths_encode_every_unsafe_byte() {
        assert_eq!(
            url_path(Path::new("a b/#1 100%/crème ☕.mp4")),
            "a%20b/%231%20100%25/cr%C3%A8me%20%E2%98%95.mp4"
        );
        assert_eq!(url_path(Path::new("../x?.mp4")), "../x%3F.mp4");
    }

    #[test]
    fn relative_paths_between_folders() {
        assert_eq!(
            relative(Path::new("/a/reels"), Path::new("/a/reels/x.mp4")),
            Path::new("x.mp4")
        );
        assert_eq!(
            relative(Path::new("/a/reels"), Path::new("/a/other/./y.mp4")),
            Path::new("../other/y.mp4")
        );
    }
}

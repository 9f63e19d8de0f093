//! Manifests: a week of clips in one file (TOML, JSON, or CSV so a spreadsheet can drive it).
//!
//! Top-level keys are defaults; each clip may override any of them. Every path is relative to
//! the manifest's folder. All problems (unknown keys, wrong types, bad times) are collected
//! and reported together, with the file name and, where the format keeps them, line and column.

use crate::plan::{Focus, ReelRequest};
use crate::preset::X264_PRESETS;
use crate::time::{parse_time, Micros};
use std::path::{Path, PathBuf};

/// One clip of a manifest, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipSpec {
    /// Input file (resolved against the manifest's folder).
    pub input: PathBuf,
    /// Output file, when set (resolved against the manifest's folder).
    pub output: Option<PathBuf>,
    /// Preset name or file.
    pub preset: Option<String>,
    /// Output folder.
    pub out_dir: Option<PathBuf>,
    /// What to render.
    pub request: ReelRequest,
    /// Where the clip is described (for messages), e.g. `week.toml:12`.
    pub origin: String,
}

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Clips in file order.
    pub clips: Vec<ClipSpec>,
}

/// Every problem found in a manifest, each on its own line.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct ManifestError {
    /// One message per problem, each naming the file (and line:column when known).
    pub problems: Vec<String>,
}

/// The keys a clip (or the defaults) may set.
pub const CLIP_KEYS: &[&str] = &[
    "input",
    "output",
    "preset",
    "out_dir",
    "start",
    "end",
    "duration",
    "went_wrong",
    "lesson",
    "went_wrong_at",
    "went_wrong_until",
    "lesson_at",
    "lesson_until",
    "focus",
    "crf",
    "encoder_preset",
    "normalize",
];

#[derive(Debug, Clone)]
enum Raw {
    Str(String),
    Bool(bool),
    Int(i64),
    Float(f64),
    Other(&'static str),
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    value: Raw,
    pos: Option<(usize, usize)>,
}

#[derive(Debug, Default)]
struct RawClip {
    entries: Vec<Entry>,
    pos: Option<(usize, usize)>,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

fn where_(file: &str, pos: Option<(usize, usize)>, clip: Option<usize>) -> String {
    match (pos, clip) {
        (Some((l, c)), _) => format!("{file}:{l}:{c}"),
        (None, Some(i)) => format!("{file}: clip {}", i + 1),
        (None, None) => file.to_string(),
    }
}

impl Manifest {
    /// Reads and validates a manifest; the format follows the extension (.toml, .json, .csv).
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
            problems: vec![format!("{file}: cannot read the manifest: {e}")],
        })?;
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &ext, &file, &base).map(|clips| Manifest {
            path: path.to_path_buf(),
            clips,
        })
    }

    /// Parses manifest text of format `ext` (`toml`, `json` or `csv`); `file` names it in
    /// messages and relative paths resolve against `base`.
    pub fn parse(
        text: &str,
        ext: &str,
        file: &str,
        base: &Path,
    ) -> Result<Vec<ClipSpec>, ManifestError> {
        let (defaults, clips) = match ext {
            "toml" => raw_toml(text, file)?,
            "json" => raw_json(text, file)?,
            "csv" => raw_csv(text, file)?,
            other => {
                return Err(ManifestError {
                    problems: vec![format!(
                        "{file}: unknown manifest format `.{other}`: use .toml, .json or .csv"
                    )],
                })
            }
        };
        let mut problems = Vec::new();
        let mut default_spec = Partial::default();
        for e in &defaults.entries {
            if e.key == "input" {
                problems.push(format!(
                    "{}: `input` belongs in a [[clip]], not in the defaults",
                    where_(file, e.pos, None)
                ));
                continue;
            }
            default_spec.apply(e, file, None, &mut problems);
        }
        if clips.is_empty() && problems.is_empty() {
            problems.push(format!(
                "{file}: the manifest lists no clips (add [[clip]] entries with an `input`)"
            ));
        }
        let mut out = Vec::new();
        for (i, clip) in clips.iter().enumerate() {
            let mut spec = default_spec.clone();
            spec.input = None;
            for e in &clip.entries {
                spec.apply(e, file, Some(i), &mut problems);
            }
            let origin = where_(file, clip.pos, Some(i));
            match &spec.input {
                None => problems.push(format!("{origin}: this clip has no `input`")),
                Some(input) => out.push(ClipSpec {
                    input: base.join(input),
                    output: spec.output.as_ref().map(|o| base.join(o)),
                    preset: spec.preset.clone().map(|p| {
                        // A preset given as a file is relative to the manifest too.
                        if p.ends_with(".toml") || p.contains('/') {
                            base.join(p).display().to_string()
                        } else {
                            p
                        }
                    }),
                    out_dir: spec.out_dir.as_ref().map(|d| base.join(d)),
                    request: spec.request.clone(),
                    origin,
                }),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ManifestError { problems })
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Partial {
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    preset: Option<String>,
    out_dir: Option<PathBuf>,
    request: ReelRequest,
}

impl Partial {
    fn apply(&mut self, e: &Entry, file: &str, clip: Option<usize>, problems: &mut Vec<String>) {
        let at = where_(file, e.pos, clip);
        let type_name = |r: &Raw| match r {
            Raw::Str(_) => "a string",
            Raw::Bool(_) => "a boolean",
            Raw::Int(_) => "an integer",
            Raw::Float(_) => "a number",
            Raw::Other(t) => t,
        };
        let string = |r: &Raw| match r {
            Raw::Str(s) => Some(s.clone()),
            _ => None,
        };
        let time = |r: &Raw| -> Result<Micros, String> {
            match r {
                Raw::Str(s) => parse_time(s),
                Raw::Int(i) if *i >= 0 => Ok(Micros(i * 1_000_000)),
                Raw::Float(f) if *f >= 0.0 => Ok(Micros::from_secs_f64(*f)),
                other => Err(format!("expected a time, found {}", type_name(other))),
            }
        };
        let mut bad = |msg: String| problems.push(format!("{at}: `{}`: {msg}", e.key));
        let want_str = |v: &Raw, bad: &mut dyn FnMut(String)| {
            let s = string(v);
            if s.is_none() {
                bad(format!("expected a string, found {}", type_name(v)));
            }
            s
        };
        let r = &mut self.request;
        match e.key.as_str() {
            "input" => self.input = want_str(&e.value, &mut bad).map(PathBuf::from),
            "output" => self.output = want_str(&e.value, &mut bad).map(PathBuf::from),
            "out_dir" => self.out_dir = want_str(&e.value, &mut bad).map(PathBuf::from),
            "preset" => self.preset = want_str(&e.value, &mut bad),
            "went_wrong" => r.went_wrong = want_str(&e.value, &mut bad),
            "lesson" => r.lesson = want_str(&e.value, &mut bad),
            "start" | "end" | "duration" | "went_wrong_at" | "went_wrong_until" | "lesson_at"
            | "lesson_until" => match time(&e.value) {
                Ok(t) => {
                    let slot = match e.key.as_str() {
                        "start" => &mut r.start,
                        "end" => &mut r.end,
                        "duration" => &mut r.duration,
                        "went_wrong_at" => &mut r.went_wrong_at,
                        "went_wrong_until" => &mut r.went_wrong_until,
                        "lesson_at" => &mut r.lesson_at,
                        _ => &mut r.lesson_until,
                    };
                    *slot = Some(t);
                }
                Err(m) => bad(m),
            },
            "focus" => match &e.value {
                Raw::Str(s) => match Focus::parse(s) {
                    Ok(f) => r.focus = Some(f.0),
                    Err(m) => bad(m),
                },
                Raw::Int(i) if (0..=1).contains(i) => r.focus = Some(*i as f64),
                Raw::Float(f) if (0.0..=1.0).contains(f) => r.focus = Some(*f),
                other => bad(format!(
                    "expected center, left, right or 0.0–1.0, found {}",
                    type_name(other)
                )),
            },
            "crf" => match &e.value {
                Raw::Int(i) if (0..=51).contains(i) => r.crf = Some(*i as u8),
                Raw::Str(s) if s.parse::<u8>().is_ok_and(|v| v <= 51) => r.crf = s.parse().ok(),
                other => bad(format!(
                    "expected an integer 0–51, found {}",
                    type_name(other)
                )),
            },
            "normalize" => match &e.value {
                Raw::Bool(b) => r.normalize = Some(*b),
                Raw::Str(s) if s == "true" || s == "false" => r.normalize = Some(s == "true"),
                other => bad(format!(
                    "expected true or false, found {}",
                    type_name(other)
                )),
            },
            "encoder_preset" => match want_str(&e.value, &mut bad) {
                Some(s) if X264_PRESETS.contains(&s.as_str()) => r.encoder_preset = Some(s),
                Some(s) => bad(format!("`{s}` is not one of {}", X264_PRESETS.join(", "))),
                None => {}
            },
            other => {
                let hint = CLIP_KEYS
                    .iter()
                    .find(|k| similar(k, other))
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                problems.push(format!("{at}: unknown key `{other}`{hint}"));
            }
        }
    }
}

/// Whether two keys differ by one edit or a transposition (typo suggestions).
fn similar(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()] <= 2
}

fn toml_raw(v: &toml_edit::Value) -> Raw {
    use toml_edit::Value as V;
    match v {
        V::String(s) => Raw::Str(s.value().clone()),
        V::Integer(i) => Raw::Int(*i.value()),
        V::Float(f) => Raw::Float(*f.value()),
        V::Boolean(b) => Raw::Bool(*b.value()),
        V::Datetime(_) => Raw::Other("a date"),
        V::Array(_) => Raw::Other("a list"),
        V::InlineTable(_) => Raw::Other("a table"),
    }
}

fn raw_toml(text: &str, file: &str) -> Result<(RawClip, Vec<RawClip>), ManifestError> {
    let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
        let pos = e.span().map(|s| line_col(text, s.start));
        ManifestError {
            problems: vec![format!(
                "{}: not valid TOML: {}",
                where_(file, pos, None),
                e.message()
            )],
        }
    })?;
    let pos_of = |span: Option<std::ops::Range<usize>>| span.map(|s| line_col(text, s.start));
    let mut defaults = RawClip::default();
    let mut clips = Vec::new();
    let mut problems = Vec::new();
    let table_entries =
        |t: &dyn toml_edit::TableLike, out: &mut RawClip, problems: &mut Vec<String>| {
            for (k, item) in t.iter() {
                let key_pos = t.get_key_value(k).and_then(|(key, _)| pos_of(key.span()));
                let value = match item {
                    toml_edit::Item::Value(v) => toml_raw(v),
                    toml_edit::Item::Table(_) | toml_edit::Item::ArrayOfTables(_) => {
                        Raw::Other("a table")
                    }
                    toml_edit::Item::None => continue,
                };
                if matches!(value, Raw::Other("a table")) && !CLIP_KEYS.contains(&k) {
                    problems.push(format!(
                        "{}: unknown table `{k}`",
                        where_(file, key_pos, None)
                    ));
                    continue;
                }
                out.entries.push(Entry {
                    key: k.to_string(),
                    value,
                    pos: key_pos,
                });
            }
        };
    for (k, item) in doc.as_table().iter() {
        if k == "clip" || k == "clips" {
            match item {
                toml_edit::Item::ArrayOfTables(arr) => {
                    for t in arr.iter() {
                        let mut c = RawClip {
                            pos: pos_of(t.span()),
                            ..Default::default()
                        };
                        table_entries(t, &mut c, &mut problems);
                        clips.push(c);
                    }
                }
                toml_edit::Item::Value(toml_edit::Value::Array(arr)) => {
                    for v in arr.iter() {
                        if let toml_edit::Value::InlineTable(t) = v {
                            let mut c = RawClip {
                                pos: pos_of(v.span()),
                                ..Default::default()
                            };
                            table_entries(t, &mut c, &mut problems);
                            clips.push(c);
                        }
                    }
                }
                _ => problems.push(format!("{file}: `{k}` must be a list of [[{k}]] tables")),
            }
            continue;
        }
        let key_pos = doc
            .as_table()
            .get_key_value(k)
            .and_then(|(key, _)| pos_of(key.span()));
        match item {
            toml_edit::Item::Value(v) => defaults.entries.push(Entry {
                key: k.to_string(),
                value: toml_raw(v),
                pos: key_pos,
            }),
            _ => problems.push(format!(
                "{}: unknown table `{k}` (clips are [[clip]] tables)",
                where_(file, key_pos, None)
            )),
        }
    }
    if problems.is_empty() {
        Ok((defaults, clips))
    } else {
        Err(ManifestError { problems })
    }
}

fn json_raw(v: &serde_json::Value) -> Raw {
    match v {
        serde_json::Value::String(s) => Raw::Str(s.clone()),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Raw::Int(i),
            None => Raw::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::Bool(b) => Raw::Bool(*b),
        serde_json::Value::Null => Raw::Other("null"),
        serde_json::Value::Array(_) => Raw::Other("a list"),
        serde_json::Value::Object(_) => Raw::Other("an object"),
    }
}

fn raw_json(text: &str, file: &str) -> Result<(RawClip, Vec<RawClip>), ManifestError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| ManifestError {
        problems: vec![format!(
            "{file}:{}:{}: not valid JSON: {e}",
            e.line(),
            e.column()
        )],
    })?;
    let obj = v.as_object().ok_or_else(|| ManifestError {
        problems: vec![format!(
            "{file}: the manifest must be a JSON object with a \"clip\" list"
        )],
    })?;
    let mut defaults = RawClip::default();
    let mut clips = Vec::new();
    for (k, val) in obj {
        if k == "clip" || k == "clips" {
            let Some(arr) = val.as_array() else {
                return Err(ManifestError {
                    problems: vec![format!("{file}: \"{k}\" must be a list of objects")],
                });
            };
            for c in arr {
                let mut rc = RawClip::default();
                if let Some(o) = c.as_object() {
                    for (ck, cv) in o {
                        rc.entries.push(Entry {
                            key: ck.clone(),
                            value: json_raw(cv),
                            pos: None,
                        });
                    }
                }
                clips.push(rc);
            }
        } else {
            defaults.entries.push(Entry {
                key: k.clone(),
                value: json_raw(val),
                pos: None,
            });
        }
    }
    Ok((defaults, clips))
}

fn raw_csv(text: &str, file: &str) -> Result<(RawClip, Vec<RawClip>), ManifestError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| ManifestError {
            problems: vec![format!("{file}:1: cannot read the header row: {e}")],
        })?
        .clone();
    let mut clips = Vec::new();
    let mut problems = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => {
                let line = r.position().map(|p| p.line() as usize).unwrap_or(0);
                let mut rc = RawClip {
                    pos: Some((line, 1)),
                    ..Default::default()
                };
                for (i, (h, cell)) in headers.iter().zip(r.iter()).enumerate() {
                    if cell.trim().is_empty() {
                        continue;
                    }
                    let value = if h == "crf" {
                        cell.trim()
                            .parse()
                            .map(Raw::Int)
                            .unwrap_or(Raw::Str(cell.to_string()))
                    } else {
                        Raw::Str(cell.to_string())
                    };
                    rc.entries.push(Entry {
                        key: h.to_string(),
                        value,
                        pos: Some((line, i + 1)),
                    });
                }
                clips.push(rc);
            }
            Err(e) => problems.push(format!("{file}: {e}")),
        }
    }
    if problems.is_empty() {
        Ok((RawClip::default(), clips))
    } else {
        Err(ManifestError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, ext: &str) -> Result<Vec<ClipSpec>, ManifestError> {
        Manifest::parse(text, ext, "week.".to_string().as_str(), Path::new("/m"))
    }

    const WEEK: &str = r#"preset = "reels"
out_dir = "reels"

[[clip]]
input = "raw/IMG_0412.MOV"
start = "0:03.2"
end = "0:11"
went_wrong = "Oil was smoking before the garlic went in"
lesson = "Heat the pan on medium, not high"

[[clip]]
input = "raw/IMG_0415.MOV"
preset = "tiktok"
output = "souffle.mp4"
crf = 18
"#;

    #[test]
    fn toml_defaults_and_overrides() {
        let clips = parse(WEEK, "toml").unwrap();
        assert_eq!(clips.len(), 2);
        assert_eq!(clips[0].input, PathBuf::from("/m/raw/IMG_0412.MOV"));
        assert_eq!(clips[0].preset.as_deref(), Some("reels"));
        assert_eq!(clips[0].out_dir, Some(PathBuf::from("/m/reels")));
        assert_eq!(clips[0].request.start, Some(Micros(3_200_000)));
        assert_eq!(clips[0].request.end, Some(Micros(11_000_000)));
        assert_eq!(clips[1].preset.as_deref(), Some("tiktok"));
        assert_eq!(clips[1].output, Some(PathBuf::from("/m/souffle.mp4")));
        assert_eq!(clips[1].request.crf, Some(18));
        assert_eq!(clips[1].request.start, None);
    }

    #[test]
    fn every_problem_is_listed_with_line_and_column() {
        let text = "preset = \"reels\"\nspeed = 2\n\n[[clip]]\ninput = \"a.mov\"\nstrat = \"1\"\ncrf = \"best\"\n\n[[clip]]\nstart = 5\n";
        let err = Manifest::parse(text, "toml", "week.toml", Path::new(".")).unwrap_err();
        let p = err.problems;
        assert!(
            p.iter()
                .any(|m| m.starts_with("week.toml:2:1") && m.contains("speed")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m.starts_with("week.toml:6:1")
                && m.contains("strat")
                && m.contains("start")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|m| m.starts_with("week.toml:7:1") && m.contains("crf")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.contains("no `input`")), "{p:?}");
        assert_eq!(p.len(), 4, "{p:?}");
    }

    #[test]
    fn toml_syntax_error_has_a_position() {
        let err =
            Manifest::parse("[[clip]\ninput = 1", "toml", "w.toml", Path::new(".")).unwrap_err();
        assert!(
            err.problems[0].starts_with("w.toml:1:"),
            "{:?}",
            err.problems
        );
    }

    #[test]
    fn json_manifest() {
        let text = r#"{"preset": "shorts", "clip": [{"input": "a.mov", "start": 1.5, "focus": "left"}, {"input": "b.mov", "bogus": 1}]}"#;
        let err = Manifest::parse(text, "json", "w.json", Path::new("/m")).unwrap_err();
        assert!(
            err.problems[0].contains("clip 2") && err.problems[0].contains("bogus"),
            "{:?}",
            err.problems
        );
        let ok =
            r#"{"preset": "shorts", "clip": [{"input": "a.mov", "start": 1.5, "focus": "left"}]}"#;
        let clips = Manifest::parse(ok, "json", "w.json", Path::new("/m")).unwrap();
        assert_eq!(clips[0].request.start, Some(Micros(1_500_000)));
        assert_eq!(clips[0].request.focus, Some(0.0));
        assert_eq!(clips[0].preset.as_deref(), Some("shorts"));
    }

    #[test]
    fn csv_manifest_from_a_spreadsheet() {
        let text = "input,start,end,went_wrong,lesson,crf\nraw/a.mov,0:01,0:05,\"Burnt, badly\",Lower heat,20\nraw/b.mov,,,,,\n";
        let clips = Manifest::parse(text, "csv", "w.csv", Path::new("/m")).unwrap();
        assert_eq!(clips.len(), 2);
        assert_eq!(clips[0].request.went_wrong.as_deref(), Some("Burnt, badly"));
        assert_eq!(clips[0].request.crf, Some(20));
        assert_eq!(clips[1].request.start, None);
        let bad = "input,strat\na.mov,xx\n";
        let err = Manifest::parse(bad, "csv", "w.csv", Path::new("/m")).unwrap_err();
        assert!(
            err.problems[0].starts_with("w.csv:2:2") && err.problems[0].contains("strat"),
            "{:?}",
            err.problems
        );
    }

    #[test]
    fn similar_keys() {
        assert!(similar("start", "strat"));
        assert!(similar("lesson", "leson"));
        assert!(!similar("input", "preset"));
    }
}

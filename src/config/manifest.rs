//! Manifests: a week of clips in one file (TOML, JSON, or CSV so a spreadsheet can drive it).
//!
//! A clip has the keys of a [`ReelRequest`] plus `input`, `output`, `preset` and `out_dir`.
//! Top-level keys are defaults; each clip may override any of them (flags given beside
//! `--manifest` win over both: see `jobs`). Every path is relative to the manifest's folder.
//! Each key is read on its own, so every problem (unknown keys, wrong types, bad times) is
//! reported, together, as `file:line:column: plain words` (CSV: the cell's row and column).

use crate::config::request::ReelRequest;
use crate::model::{one_line, plain_serde_message, suggest, LineIndex, Scalar};
use serde::de::IntoDeserializer;
use serde::Deserialize;
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
    /// Where the clip is described (for messages), e.g. `week.toml:12:1`.
    pub origin: String,
    /// The clip's number in the file, from 1.
    pub number: usize,
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

/// The keys a clip has beside those of a [`ReelRequest`].
pub const PATH_KEYS: &[&str] = &["input", "output", "preset", "out_dir"];

/// Every key a clip (or the defaults) may set.
pub fn clip_keys() -> Vec<&'static str> {
    PATH_KEYS
        .iter()
        .chain(ReelRequest::keys())
        .copied()
        .collect()
}

/// One value as its format gave it.
#[derive(Debug, Clone)]
enum Value {
    Toml(toml_edit::Value),
    Json(serde_json::Value),
    Text(String),
}

impl Value {
    /// The key read as a request, or the plain message.
    fn request(&self, key: &str) -> Result<ReelRequest, String> {
        match self {
            Value::Toml(v) => ReelRequest::from_key(key, v.clone())
                .map_err(|e: toml_edit::de::Error| e.message().to_string()),
            Value::Json(v) => {
                ReelRequest::from_key(key, v.clone()).map_err(|e: serde_json::Error| e.to_string())
            }
            Value::Text(s) => ReelRequest::from_key(key, s.as_str())
                .map_err(|e: serde::de::value::Error| e.to_string()),
        }
    }

    /// The value read as a list of texts (`preset = ["tiktok", "reels"]`), when it is one.
    fn text_list(&self) -> Option<Vec<String>> {
        match self {
            Value::Toml(toml_edit::Value::Array(a)) => {
                a.iter().map(|v| v.as_str().map(str::to_string)).collect()
            }
            Value::Json(serde_json::Value::Array(a)) => {
                a.iter().map(|v| v.as_str().map(str::to_string)).collect()
            }
            _ => None,
        }
    }

    fn scalar(&self) -> Scalar {
        let r = match self {
            Value::Toml(v) => Scalar::deserialize(v.clone().into_deserializer()).ok(),
            Value::Json(v) => Scalar::deserialize(v.clone()).ok(),
            Value::Text(s) => Some(Scalar::Str(s.clone())),
        };
        r.unwrap_or(Scalar::Other("a value"))
    }
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    value: Value,
    pos: Option<(usize, usize)>,
}

#[derive(Debug, Default)]
struct RawClip {
    entries: Vec<Entry>,
    pos: Option<(usize, usize)>,
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
        // Read like a video: a regular file only (a FIFO never blocks the run), size-capped,
        // UTF-8 or UTF-16 with its byte-order mark (a spreadsheet's "Unicode text").
        let text = crate::config::files::read_text(path, crate::config::files::SideFile::Manifest)
            .map_err(|e| ManifestError {
                problems: vec![e.to_string()],
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
            let mut spec = Partial::default();
            for e in &clip.entries {
                spec.apply(e, file, Some(i), &mut problems);
            }
            let origin = where_(file, clip.pos, Some(i));
            let mut request = spec.request.or(&default_spec.request);
            // Like every path in a manifest, captions are relative to its folder.
            request.captions = request.captions.map(|c| base.join(c));
            let output = spec.output.or_else(|| default_spec.output.clone());
            let preset = spec.preset.or_else(|| default_spec.preset.clone());
            let out_dir = spec.out_dir.or_else(|| default_spec.out_dir.clone());
            match spec.input {
                None => problems.push(format!("{origin}: clip {} has no `input`", i + 1)),
                Some(input) => out.push(ClipSpec {
                    input: base.join(input),
                    output: output.map(|o| base.join(o)),
                    preset: preset.map(|list| {
                        // A preset given as a file is relative to the manifest too; a list
                        // of presets is kept as names joined by commas, like --preset.
                        list.split(',')
                            .map(|p| {
                                if p.ends_with(".toml") || p.contains('/') {
                                    base.join(p).display().to_string()
                                } else {
                                    p.to_string()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    }),
                    out_dir: out_dir.map(|d| base.join(d)),
                    request,
                    origin,
                    number: i + 1,
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
        let key = e.key.as_str();
        if key == "preset" {
            if let Some(names) = e.value.text_list() {
                if names.is_empty()
                    || names
                        .iter()
                        .any(|n| n.trim().is_empty() || n.contains(',') || n.contains('\0'))
                {
                    problems.push(format!(
                        "{at}: `preset` must be a preset name or a list of them such as [\"tiktok\", \"reels\"]"
                    ));
                } else {
                    self.preset = Some(names.join(","));
                }
                return;
            }
        }
        if PATH_KEYS.contains(&key) {
            match e.value.scalar() {
                Scalar::Str(s) if !s.trim().is_empty() && !s.contains('\0') => match key {
                    "input" => self.input = Some(s.into()),
                    "output" => self.output = Some(s.into()),
                    "out_dir" => self.out_dir = Some(s.into()),
                    _ => self.preset = Some(s),
                },
                other => problems.push(format!(
                    "{at}: `{key}` must be a file name in quotes, not {}",
                    if matches!(&other, Scalar::Str(_)) {
                        "empty text".to_string()
                    } else {
                        other.shown()
                    }
                )),
            }
            return;
        }
        if !ReelRequest::keys().contains(&key) {
            let hint = suggest(key, &clip_keys())
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            problems.push(format!("{at}: unknown key `{key}`{hint}"));
            return;
        }
        match e.value.request(key) {
            Ok(one) => self.request = one.or(&self.request),
            Err(msg) => problems.push(format!("{at}: {}", plain_serde_message(key, &msg))),
        }
    }
}

fn raw_toml(text: &str, file: &str) -> Result<(RawClip, Vec<RawClip>), ManifestError> {
    let lines = LineIndex::new(text);
    let line_col = |_: &str, offset: usize| lines.line_col(offset);
    let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
        let pos = e.span().map(|s| line_col(text, s.start));
        ManifestError {
            problems: vec![format!(
                "{}: not valid TOML: {}",
                where_(file, pos, None),
                one_line(e.message())
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
                match item {
                    toml_edit::Item::Value(v) => out.entries.push(Entry {
                        key: k.to_string(),
                        value: Value::Toml(v.clone()),
                        pos: key_pos,
                    }),
                    toml_edit::Item::Table(_) | toml_edit::Item::ArrayOfTables(_) => {
                        problems.push(format!(
                            "{}: `{k}` is a table; a clip's keys are plain values",
                            where_(file, key_pos, None)
                        ))
                    }
                    toml_edit::Item::None => {}
                }
            }
        };
    for (k, item) in doc.as_table().iter() {
        let key_pos = doc
            .as_table()
            .get_key_value(k)
            .and_then(|(key, _)| pos_of(key.span()));
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
                        match v {
                            toml_edit::Value::InlineTable(t) => {
                                let mut c = RawClip {
                                    pos: pos_of(v.span()),
                                    ..Default::default()
                                };
                                table_entries(t, &mut c, &mut problems);
                                clips.push(c);
                            }
                            other => problems.push(format!(
                                "{}: each of `{k}` must be a table {{ input = \"…\" }}, not {}",
                                where_(file, pos_of(other.span()).or(key_pos), None),
                                other.type_name()
                            )),
                        }
                    }
                }
                _ => problems.push(format!(
                    "{}: `{k}` must be a list of [[{k}]] tables",
                    where_(file, key_pos, None)
                )),
            }
            continue;
        }
        match item {
            toml_edit::Item::Value(v) => defaults.entries.push(Entry {
                key: k.to_string(),
                value: Value::Toml(v.clone()),
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

/// A JSON object's entries in file order, each value still as its text.
struct JsonEntries<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for JsonEntries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = JsonEntries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object { … }")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<JsonEntries<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) =
                    map.next_entry::<String, &'a serde_json::value::RawValue>()?
                {
                    out.push((k, v));
                }
                Ok(JsonEntries(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

fn raw_json(text: &str, file: &str) -> Result<(RawClip, Vec<RawClip>), ManifestError> {
    let lines = LineIndex::new(text);
    let line_col = |_: &str, offset: usize| lines.line_col(offset);
    let one = |msg: String| ManifestError {
        problems: vec![msg],
    };
    let offset = |raw: &serde_json::value::RawValue| {
        (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
    };
    let pos_of = |raw: &serde_json::value::RawValue| Some(line_col(text, offset(raw)));
    let syntax = |e: serde_json::Error| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        one(format!(
            "{file}:{}:{}: not valid JSON: {msg}",
            e.line(),
            e.column()
        ))
    };
    // Syntax first, so a broken file gets its own position.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(syntax)?;
    let top: JsonEntries = serde_json::from_str(text).map_err(|_| {
        one(format!(
            "{file}:1:1: the manifest must be a JSON object with a \"clip\" list"
        ))
    })?;
    let mut defaults = RawClip::default();
    let mut clips = Vec::new();
    let mut problems = Vec::new();
    let value = |raw: &serde_json::value::RawValue| {
        serde_json::from_str::<serde_json::Value>(raw.get())
            .map(Value::Json)
            .unwrap_or(Value::Text(raw.get().to_string()))
    };
    for (k, raw) in top.0 {
        if k == "clip" || k == "clips" {
            let Ok(list) = serde_json::from_str::<Vec<&serde_json::value::RawValue>>(raw.get())
            else {
                problems.push(format!(
                    "{}: \"{k}\" must be a list of objects [{{\"input\": …}}]",
                    where_(file, pos_of(raw), None)
                ));
                continue;
            };
            for c in list {
                let mut rc = RawClip {
                    pos: pos_of(c),
                    ..Default::default()
                };
                match serde_json::from_str::<JsonEntries>(c.get()) {
                    Ok(entries) => {
                        for (ck, cv) in entries.0 {
                            let at = json_key_offset(text, offset(cv)).unwrap_or(offset(cv));
                            rc.entries.push(Entry {
                                key: ck,
                                value: value(cv),
                                pos: Some(line_col(text, at)),
                            });
                        }
                    }
                    Err(_) => problems.push(format!(
                        "{}: each clip must be an object {{\"input\": …}}",
                        where_(file, pos_of(c), None)
                    )),
                }
                clips.push(rc);
            }
        } else {
            let at = json_key_offset(text, offset(raw)).unwrap_or(offset(raw));
            defaults.entries.push(Entry {
                key: k,
                value: value(raw),
                pos: Some(line_col(text, at)),
            });
        }
    }
    if problems.is_empty() {
        Ok((defaults, clips))
    } else {
        Err(ManifestError { problems })
    }
}

/// Where the key of the JSON value at `value` starts (its opening quote): back over the
/// colon and the key's text. `None` when the text is not shaped so.
fn json_key_offset(text: &str, value: usize) -> Option<usize> {
    let before = text.get(..value)?.trim_end();
    let before = before.strip_suffix(':')?.trim_end();
    let key = before.strip_suffix('"')?;
    let bytes = key.as_bytes();
    let mut i = key.len();
    while i > 0 {
        i -= 1;
        if bytes[i] == b'"' {
            let backslashes = bytes[..i].iter().rev().take_while(|b| **b == b'\\').count();
            if backslashes % 2 == 0 {
                return Some(i);
            }
        }
    }
    None
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
    let mut problems = Vec::new();
    let keys = clip_keys();
    let mut seen = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if !keys.contains(&h) {
            let hint = suggest(h, &keys)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            problems.push(format!("{file}:1:{}: unknown column `{h}`{hint}", i + 1));
        } else if seen.contains(&h) {
            problems.push(format!(
                "{file}:1:{}: the column `{h}` appears twice",
                i + 1
            ));
        }
        seen.push(h);
    }
    let mut clips = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => {
                let line = r.position().map(|p| p.line() as usize).unwrap_or(0);
                let mut rc = RawClip {
                    pos: Some((line, 1)),
                    ..Default::default()
                };
                for (i, (h, cell)) in headers.iter().zip(r.iter()).enumerate() {
                    if cell.trim().is_empty() || !keys.contains(&h) {
                        continue;
                    }
                    rc.entries.push(Entry {
                        key: h.to_string(),
                        value: Value::Text(cell.to_string()),
                        pos: Some((line, i + 1)),
                    });
                }
                clips.push(rc);
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "this row has {}, the header {expected_len}: add or remove commas (a cell with a comma needs \"quotes\")",
                        crate::model::count(*len, "cell")
                    ),
                    csv::ErrorKind::Utf8 { .. } => {
                        "this row is not UTF-8 text: save the sheet as CSV UTF-8".to_string()
                    }
                    _ => e.to_string(),
                };
                problems.push(format!("{file}:{line}: {msg}"));
            }
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
    use crate::model::{Crf, Focus, Micros};

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
        assert_eq!(
            clips[0].request.start,
            Some(crate::model::Start::At(Micros(3_200_000)))
        );
        assert_eq!(clips[0].request.end, Some(Micros(11_000_000)));
        assert_eq!(clips[1].preset.as_deref(), Some("tiktok"));
        assert_eq!(clips[1].output, Some(PathBuf::from("/m/souffle.mp4")));
        assert_eq!(clips[1].request.crf.map(Crf::get), Some(18));
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
            err.problems[0].starts_with("w.json:1:")
                && err.problems[0].contains("unknown key `bogus`"),
            "{:?}",
            err.problems
        );
        let ok =
            r#"{"preset": "shorts", "clip": [{"input": "a.mov", "start": 1.5, "focus": "left"}]}"#;
        let clips = Manifest::parse(ok, "json", "w.json", Path::new("/m")).unwrap();
        assert_eq!(
            clips[0].request.start,
            Some(crate::model::Start::At(Micros(1_500_000)))
        );
        assert_eq!(clips[0].request.focus, Some(Focus::At(0.0).into()));
        assert_eq!(clips[0].preset.as_deref(), Some("shorts"));
    }

    #[test]
    fn csv_manifest_from_a_spreadsheet() {
        let text = "input,start,end,went_wrong,lesson,crf\nraw/a.mov,0:01,0:05,\"Burnt, badly\",Lower heat,20\nraw/b.mov,,,,,\n";
        let clips = Manifest::parse(text, "csv", "w.csv", Path::new("/m")).unwrap();
        assert_eq!(clips.len(), 2);
        assert_eq!(clips[0].request.went_wrong.as_deref(), Some("Burnt, badly"));
        assert_eq!(clips[0].request.crf.map(Crf::get), Some(20));
        assert_eq!(clips[1].request.start, None);
        let bad = "input,strat\na.mov,xx\n";
        let err = Manifest::parse(bad, "csv", "w.csv", Path::new("/m")).unwrap_err();
        assert!(
            err.problems[0].starts_with("w.csv:1:2")
                && err.problems[0].contains("strat")
                && err.problems[0].contains("did you mean `start`"),
            "{:?}",
            err.problems
        );
    }

    #[test]
    fn csv_from_excel_with_a_byte_order_mark() {
        let text = "\u{feff}input,crf\r\nraw/a.mov,20\r\n";
        let clips = Manifest::parse(text, "csv", "w.csv", Path::new("/m")).unwrap();
        assert_eq!(clips[0].input, PathBuf::from("/m/raw/a.mov"));
    }
}

//! serde's messages in plain words: "`crf` must be a whole number from 0 to 255, not \"best\""
//! instead of "invalid type: string \"best\", expected u8".

/// Rewrites a serde error `msg` about the value of `key` (a dotted path such as `video.crf`,
/// or empty for the whole document) in plain words, with a "did you mean" hint for an unknown
/// key. Messages that value types already wrote in plain words ("must be …") only get the key.
pub fn plain_serde_message(key: &str, msg: &str) -> String {
    let joined = one_line(msg);
    let msg = joined.as_str();
    let subject = if key.is_empty() {
        String::from("the value")
    } else {
        format!("`{key}`")
    };
    if msg.starts_with("must ") || msg.starts_with("is ") {
        return format!("{subject} {msg}");
    }
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let known: Vec<&str> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|k| !k.is_empty())
            .collect();
        let place = key_parent(key);
        let hint = suggest(name, &known)
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        return format!("unknown key `{name}`{place}{hint}");
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("`{name}` is missing{}", key_parent(key));
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            if let Some((got, wanted)) = rest.split_once(", expected ") {
                return format!(
                    "{subject} must be {}, not {}",
                    plain_expected(wanted),
                    plain_got(got)
                );
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("invalid length ") {
        if let Some((n, wanted)) = rest.split_once(", expected ") {
            return format!(
                "{subject} must be {}, not a list of {n}",
                plain_expected(wanted)
            );
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (got, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let names: Vec<&str> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|k| !k.is_empty())
            .collect();
        return format!("{subject} must be one of {}, not {got:?}", names.join(", "));
    }
    if key.is_empty() {
        msg.to_string()
    } else {
        format!("{subject}: {msg}")
    }
}

fn key_parent(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!(" in [{key}]")
    }
}

fn plain_expected(wanted: &str) -> String {
    let w = wanted.trim();
    match w {
        "u8" => "a whole number from 0 to 255".into(),
        "u16" => "a whole number from 0 to 65535".into(),
        "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" => "text in quotes".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list [ … ]".into(),
        _ if w.starts_with("an array of length ") || w.starts_with("a tuple of size ") => {
            let n = w.rsplit(' ').next().unwrap_or("");
            format!("a list of {n} numbers such as [0.0, 0.0]")
        }
        _ if w.starts_with("struct ") || w == "a map" => "a table".into(),
        _ => w.to_string(),
    }
}

fn plain_got(got: &str) -> String {
    let g = got.trim();
    for (prefix, keep) in [
        ("string ", true),
        ("integer ", true),
        ("floating point ", true),
        ("boolean ", true),
        ("unsigned integer ", true),
        ("character ", true),
    ] {
        if let Some(v) = g.strip_prefix(prefix) {
            if keep {
                return v.trim_matches('`').to_string();
            }
        }
    }
    match g {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        "unit value" | "unit" => "nothing".into(),
        other => other.to_string(),
    }
}

/// `n` and `noun`, the noun plural unless `n` is 1: "1 frame", "2 frames", "0 frames". `noun`
/// takes a plain "s" (every noun failreel counts does).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A parser's message on one line: its lines joined with "; ".
pub fn one_line(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
/// Line and column lookups in one text, answered from an index of line starts built once
/// (a 10,000-clip manifest asks for tens of thousands of positions; scanning from the start
/// of the text for each would be quadratic).
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Per line, whether it is all ASCII (then a column is a byte difference; a one-line JSON
    /// manifest would otherwise be counted from its start for every key).
    ascii: Vec<bool>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let ascii = starts
            .iter()
            .enumerate()
            .map(|(k, &a)| {
                let b = starts.get(k + 1).copied().unwrap_or(text.len());
                text.as_bytes()[a..b].is_ascii()
            })
            .collect();
        LineIndex {
            text,
            starts,
            ascii,
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`, as [`line_col`] gives.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let col = if self.ascii[line - 1] {
            offset - start
        } else {
            self.text[start..offset].chars().count()
        };
        (line, col + 1)
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map(|i| i + 1).unwrap_or(0)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// The candidate closest to `word` (one or two edits, or a transposition), for "did you
/// mean" hints.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance between two keys.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 || a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
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
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_read_as_plain_words() {
        assert_eq!(
            plain_serde_message("video.crf", "invalid type: string \"best\", expected u8"),
            "`video.crf` must be a whole number from 0 to 255, not \"best\""
        );
        assert_eq!(
            plain_serde_message(
                "video",
                "unknown field `crff`, expected one of `crf`, `fps`"
            ),
            "unknown key `crff` in [video] (did you mean `crf`?)"
        );
        assert_eq!(
            plain_serde_message("crf", "must be a whole number from 1 to 51, not 0"),
            "`crf` must be a whole number from 1 to 51, not 0"
        );
        assert_eq!(
            plain_serde_message(
                "cards.style.shadow_offset",
                "invalid length 1, expected an array of length 2"
            ),
            "`cards.style.shadow_offset` must be a list of 2 numbers such as [0.0, 0.0], not a list of 1"
        );
    }

    #[test]
    fn similar_keys() {
        assert_eq!(suggest("strat", &["start", "end"]), Some("start"));
        assert_eq!(suggest("leson", &["lesson"]), Some("lesson"));
        assert_eq!(suggest("input", &["preset"]), None);
    }

    #[test]
    fn the_line_index_agrees_with_line_col() {
        let text = "a = 1\nbé = \"x\"\n\n[[clip]]\ninput = \"ü.mov\"";
        let idx = LineIndex::new(text);
        for off in 0..=text.len() + 2 {
            assert_eq!(idx.line_col(off), line_col(text, off), "{off}");
        }
    }
}

//! Presentation of what failreel does: the terminal ([`human`]) and JSON Lines ([`jsonl`]),
//! both [`crate::batch::Sink`]s, and [`Out`], the one way to standard output: a reader that
//! went away (`| head`) ends the run quietly, any other failed write is an error.

pub mod html;
pub mod human;
pub mod jsonl;

use std::io::Write;
use std::sync::Mutex;

/// Why standard output could not take what was written.
#[derive(Debug, thiserror::Error)]
pub enum StdoutError {
    /// The reader went away (EPIPE): not an error, the run ends quietly with status 0.
    #[error("standard output was closed by its reader")]
    Closed,
    /// Any other failure (a full disk…).
    #[error("cannot write to standard output")]
    Failed(#[source] std::io::Error),
}

impl From<std::io::Error> for StdoutError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            StdoutError::Closed
        } else {
            StdoutError::Failed(e)
        }
    }
}

/// Whether `c` is never sent to a terminal as it is: C0 controls (but the line feed and the
/// tab), DEL, C1 controls (an 8-bit CSI starts a sequence too) and the bidirectional
/// overrides that make a name read backwards.
fn unsafe_char(c: char, newline_ok: bool) -> bool {
    match c {
        '\n' => !newline_ok,
        '\t' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn escape_with(text: &str, newline_ok: bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| unsafe_char(c, newline_ok)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c, newline_ok) {
            if (c as u32) < 0x100 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` (lines of a message) safe for a terminal: every control character a file name may
/// carry (an escape sequence, a carriage return, an 8-bit CSI, a bidirectional override) is
/// shown escaped (`\x1b`, `\u{202e}`), never sent as it is; line feeds and tabs stay.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    escape_with(text, true)
}

/// [`terminal_safe`] for a one-line label (a file name beside a progress bar): line feeds
/// are escaped too.
pub fn terminal_safe_line(text: &str) -> std::borrow::Cow<'_, str> {
    escape_with(text, false)
}

/// A JSON text with DEL and the C1 controls written as `\u` escapes (serde writes them as
/// they are; they are valid JSON either way, but not safe on a terminal).
pub fn json_safe(json: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        ('\u{7f}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if !json.chars().any(bad) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if bad(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes `bytes` to standard output and flushes.
pub fn write_stdout(bytes: &[u8]) -> Result<(), StdoutError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// Writes one line to standard error; a failure there has nowhere left to be reported.
/// Control characters in it (from a file name) are shown escaped ([`terminal_safe`]).
pub fn eprint_line(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", terminal_safe(msg));
}

/// Standard output shared by sinks: whole lines, never interleaved; after the first failure
/// nothing more is written and the failure is kept for the end of the run.
#[derive(Debug, Default)]
pub struct Out {
    failed: Mutex<Option<StdoutError>>,
}

impl Out {
    /// Writes `text` (whole lines); does nothing once standard output has failed.
    pub fn write(&self, text: &str) {
        let Ok(mut failed) = self.failed.lock() else {
            return;
        };
        if failed.is_some() {
            return;
        }
        if let Err(e) = write_stdout(text.as_bytes()) {
            *failed = Some(e);
        }
    }

    /// Whether standard output can take no more.
    pub fn closed(&self) -> bool {
        self.failed.lock().map(|f| f.is_some()).unwrap_or(true)
    }

    /// The failure, if any, once the run is over.
    pub fn take_error(&self) -> Option<StdoutError> {
        self.failed.lock().ok().and_then(|mut f| f.take())
    }
}

/// Seconds for people: `12.3 s`, `1m05s`, `1h02m`.
pub fn duration_text(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "?".into();
    }
    let s = secs.round() as u64;
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, s / 60 % 60)
    }
}

/// A frame rate for people: whole numbers from 10 up, one decimal below.
pub fn fps_text(fps: f64) -> String {
    if !fps.is_finite() {
        "?".into()
    } else if fps >= 10.0 {
        format!("{fps:.0} fps")
    } else {
        format!("{fps:.1} fps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_and_times_are_rounded_for_people() {
        assert_eq!(fps_text(123.456), "123 fps");
        assert_eq!(fps_text(7.26), "7.3 fps");
        assert_eq!(duration_text(4.04), "4.0 s");
        assert_eq!(duration_text(65.2), "1m05s");
        assert_eq!(duration_text(3725.0), "1h02m");
        assert_eq!(duration_text(f64::INFINITY), "?");
    }

    #[test]
    fn control_characters_are_shown_escaped_never_sent() {
        let name = "reels/\u{1b}]0;pwned\u{7}\u{1b}[2J\rIMG\u{9b}31m\u{202e}vom.mp4";
        let safe = terminal_safe(name);
        assert!(
            !safe.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{safe:?}"
        );
        assert_eq!(
            safe,
            "reels/\\x1b]0;pwned\\x07\\x1b[2J\\x0dIMG\\x9b31m\\u{202e}vom.mp4"
        );
        assert_eq!(terminal_safe("two\nlines\tok"), "two\nlines\tok");
        assert_eq!(terminal_safe_line("a\nb"), "a\\x0ab");
        let json = serde_json::json!({ "input": name }).to_string();
        let safe = json_safe(&json);
        assert!(!safe.chars().any(|c| c.is_control()), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["input"], name);
    }

    #[test]
    fn a_broken_pipe_is_closed_and_anything_else_a_failure() {
        let closed: StdoutError = std::io::Error::from(std::io::ErrorKind::BrokenPipe).into();
        assert!(matches!(closed, StdoutError::Closed));
        let full: StdoutError = std::io::Error::from_raw_os_error(28).into();
        assert!(matches!(full, StdoutError::Failed(_)));
        assert_eq!(
            crate::batch::error_chain(&full),
            format!(
                "cannot write to standard output: caused by: {}",
                std::io::Error::from_raw_os_error(28)
            )
        );
    }
}

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

/// Writes `bytes` to standard output and flushes.
pub fn write_stdout(bytes: &[u8]) -> Result<(), StdoutError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// Writes one line to standard error; a failure there has nowhere left to be reported.
pub fn eprint_line(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{msg}");
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

//! How a command ends: the exit codes, the error that stopped it (its causes kept as
//! sources), and how that error is printed (with `--json`, as JSON lines too).

use crate::batch::error_chain;
use crate::media::input::ProbeError;
use crate::plan::PlanError;
use crate::render::RenderError;
use crate::report::jsonl::error_line;
use crate::report::{eprint_line, write_stdout, StdoutError};
use std::path::PathBuf;

/// Every reel rendered.
pub const EXIT_OK: i32 = 0;
/// At least one input failed; the others were rendered.
pub const EXIT_SOME_FAILED: i32 = 1;
/// Usage or configuration error; nothing was rendered.
pub const EXIT_USAGE: i32 = 2;
/// Interrupted (Ctrl-C twice, or SIGTERM): running reels were cancelled and removed.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Why a command stopped. Causes are kept as sources and printed `X: caused by: Y`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Usage or configuration problems (all of them), before anything was done.
    #[error("{}", .0.join("; "))]
    Usage(Vec<String>),
    /// Standard output failed (or its reader went away: then the run ends quietly).
    #[error(transparent)]
    Stdout(#[from] StdoutError),
    /// A man page could not be written.
    #[error("{}: cannot write the man page", .path.display())]
    Man {
        /// The page.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The output may not be written.
    #[error(transparent)]
    Output(#[from] crate::render::output::OutputError),
    /// The input could not be read.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// Several inputs a compilation needs could not be read: each is said, not only the
    /// first.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Inputs(Vec<ProbeError>),
    /// The reel cannot be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Rendering (or writing the preview) failed.
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl From<crate::chain::ChainError> for AppError {
    fn from(e: crate::chain::ChainError) -> AppError {
        match e {
            crate::chain::ChainError::Plan(e) => AppError::Plan(e),
            crate::chain::ChainError::Analyse(e) => AppError::Render(e),
        }
    }
}

impl AppError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Usage(_) => EXIT_USAGE,
            AppError::Stdout(StdoutError::Closed) => EXIT_OK,
            _ => EXIT_SOME_FAILED,
        }
    }

    pub(super) fn kind(&self) -> &'static str {
        match self {
            AppError::Usage(_) => "usage",
            AppError::Stdout(_) | AppError::Man { .. } | AppError::Output(_) => "output",
            AppError::Probe(_) | AppError::Inputs(_) => "input",
            AppError::Plan(_) => "plan",
            AppError::Render(_) => "render",
        }
    }
}

/// Prints `e` (one line per problem, with its causes) on stderr and, with `json`, as JSON
/// lines on stdout; returns the exit code. A closed stdout is not reported.
pub fn report_error(e: &AppError, json: bool) -> i32 {
    let lines = match e {
        AppError::Stdout(StdoutError::Closed) => return EXIT_OK,
        AppError::Usage(problems) => problems.clone(),
        AppError::Inputs(errors) => errors.iter().map(|e| error_chain(e)).collect(),
        other => vec![error_chain(other)],
    };
    for l in &lines {
        eprint_line(&format!("failreel: error: {l}"));
        if json && !matches!(e, AppError::Stdout(_)) {
            // Stdout may be closed by now; that changes nothing about this exit code.
            let _ = write_stdout(error_line(e.kind(), l).as_bytes());
        }
    }
    e.exit_code()
}

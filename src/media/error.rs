//! Why reading, converting or writing media failed. Every message names the file; a libav
//! failure carries libav's own last warning and error lines.

use ffmpeg_next as ff;
use std::path::{Path, PathBuf};

/// Why an input could not be read. Every message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// No such file.
    #[error("{0}: no such file: check the path")]
    NotFound(PathBuf),
    /// A name that is not UTF-8 (libav's binding takes names as UTF-8).
    #[error("{0}: the name is not UTF-8 (another encoding, such as Latin-1): rename it (convmv -f latin1 -t utf8 --notest NAME)")]
    NotUtf8(PathBuf),
    /// A folder.
    #[error("{}: is a folder, not a video file: give the clips in it (e.g. {}/*.mp4) or a --manifest listing them", .0.display(), .0.display())]
    Folder(PathBuf),
    /// Another non-file (a FIFO, a device, a socket).
    #[error("{0}: not a file: give a video file")]
    NotAFile(PathBuf),
    /// Zero bytes.
    #[error("{0}: the file is empty (0 bytes): copy the clip from the phone again")]
    Empty(PathBuf),
    /// Cannot be read at all.
    #[error("{0}: cannot read the file: {1}")]
    Io(PathBuf, std::io::Error),
    /// Text (a note, a subtitle, a manifest) under a video's name.
    #[error("{0}: not a video failreel can read: it holds text, not a clip: give the video file itself (the .mp4 or .mov from the phone)")]
    Text(PathBuf),
    /// libav cannot open it as media.
    #[error("{path}: not a video failreel can read ({cause}): if it is a phone clip, it may be incomplete (a recording cut off before it finished has no index, the moov atom); copy it again")]
    NotMedia {
        /// The file.
        path: PathBuf,
        /// libav's reason.
        cause: String,
    },
    /// A still picture (a photo, a screenshot), not a clip.
    #[error("{path}: is a still image ({format}), not a video clip: images are not supported; give the video the photo came with")]
    StillImage {
        /// The file.
        path: PathBuf,
        /// What libav recognised it as.
        format: String,
    },
    /// Media, but no video stream.
    #[error("{0}: has no video stream: give a video clip, not an audio or image file")]
    NoVideo(PathBuf),
}

/// Why a render (or a preview, or an analysis pass) failed. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The input could not be opened.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// libav refused something.
    #[error("{path}: {stage} failed: {source}{}", log_tail(.log))]
    Libav {
        /// The input.
        path: String,
        /// What failreel was doing.
        stage: &'static str,
        /// libav's reason.
        #[source]
        source: ff::Error,
        /// libav's last warning and error lines before the failure (oldest first).
        log: Vec<String>,
    },
    /// The loudness meter refused the audio.
    #[error("{path}: measuring loudness failed: {source:?}")]
    Meter {
        /// The input.
        path: String,
        /// The meter's reason.
        source: ebur128::Error,
    },
    /// The output could not be written.
    #[error("{path}: cannot write: {source}{}", output_advice(.source))]
    Output {
        /// The output path.
        path: String,
        /// The reason.
        #[source]
        source: OutputCause,
    },
    /// The output may not be written (it is the input, not a regular file, busy…).
    #[error(transparent)]
    Target(#[from] OutputError),
    /// Nothing decodable in the range.
    #[error("{0}: no picture could be decoded in the chosen range: the file may be damaged")]
    NoFrames(String),
    /// `preview --at` is not inside the reel.
    #[error("{path}: --at {at} is past the end of the reel ({length} long): give a time from 0 to the reel's length")]
    PastEnd {
        /// The input.
        path: String,
        /// The time asked for.
        at: crate::model::time::Micros,
        /// The reel's length.
        length: crate::model::time::Micros,
    },
    /// Cancelled by the user.
    #[error("{0}: cancelled")]
    Cancelled(String),
    /// A pipeline thread could not start or stopped unexpectedly.
    #[error("{path}: {what}")]
    Thread {
        /// The input.
        path: String,
        /// What happened.
        what: String,
    },
    /// Card text could not be drawn.
    #[error("{path}: cannot draw the card: {source}")]
    Card {
        /// The input.
        path: String,
        /// The reason.
        #[source]
        source: crate::text::card::CardError,
    },
    /// A failure of the decode (or an encode) several reels shared, as told for each of
    /// them but the first (which carries the error itself): its message with its causes.
    #[error("{0}")]
    Shared(String),
}

/// What went wrong writing an output: a file-system error or libav's.
#[derive(Debug, thiserror::Error)]
pub enum OutputCause {
    /// The file system refused.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// libav (the muxer) refused.
    #[error(transparent)]
    Libav(#[from] ff::Error),
    /// The PNG encoder refused.
    #[error(transparent)]
    Png(#[from] png::EncodingError),
}

impl OutputCause {
    /// Whether permission was denied.
    pub fn is_permission(&self) -> bool {
        match self {
            OutputCause::Io(e) => e.kind() == std::io::ErrorKind::PermissionDenied,
            OutputCause::Libav(ff::Error::Other { errno }) => *errno == 13 || *errno == 1,
            _ => false,
        }
    }

    /// Whether the device is full.
    pub fn is_no_space(&self) -> bool {
        match self {
            OutputCause::Io(e) => e.raw_os_error() == Some(28),
            OutputCause::Libav(ff::Error::Other { errno }) => *errno == 28,
            OutputCause::Png(png::EncodingError::IoError(e)) => e.raw_os_error() == Some(28),
            _ => false,
        }
    }
}

fn output_advice(cause: &OutputCause) -> &'static str {
    if cause.is_no_space() {
        ": free some space or write to another disk"
    } else if cause.is_permission() {
        ": check that the folder is writable"
    } else {
        ""
    }
}

fn log_tail(log: &[String]) -> String {
    if log.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n  libav said:");
    for l in log {
        s.push_str("\n    ");
        s.push_str(l);
    }
    s
}

impl RenderError {
    /// A libav failure while doing `stage` on `path`, with libav's recent log lines.
    pub fn libav(path: &Path, stage: &'static str, source: ff::Error) -> RenderError {
        RenderError::Libav {
            path: path.display().to_string(),
            stage,
            source,
            log: super::ffi::recent_log(),
        }
    }

    /// A failure writing a packet to `output`: a file-system error (errno) is the output's,
    /// anything else libav's while doing `stage` on `input`.
    pub fn output_or_libav(
        output: &Path,
        input: &Path,
        stage: &'static str,
        source: ff::Error,
    ) -> RenderError {
        match source {
            ff::Error::Other { .. } => RenderError::output(output, source),
            _ => RenderError::libav(input, stage, source),
        }
    }

    /// A failure writing `path`.
    pub fn output(path: &Path, source: impl Into<OutputCause>) -> RenderError {
        RenderError::Output {
            path: path.display().to_string(),
            source: source.into(),
        }
    }
}

/// A mapper from libav errors to [`RenderError::Libav`] for `path` at `stage`.
pub fn lav<'a>(path: &'a Path, stage: &'static str) -> impl Fn(ff::Error) -> RenderError + 'a {
    move |e| RenderError::libav(path, stage, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_said_plainly() {
        let e = RenderError::output(
            Path::new("reels/a.mp4"),
            std::io::Error::from_raw_os_error(28),
        );
        let msg = e.to_string();
        assert!(msg.contains("reels/a.mp4"), "{msg}");
        assert!(msg.contains("free some space"), "{msg}");
        assert!(!msg.contains("check the folder"), "{msg}");
        let e = RenderError::output(Path::new("reels/a.mp4"), ff::Error::Other { errno: 28 });
        assert!(e.to_string().contains("free some space"), "{e}");
        // The cause stays in the chain.
        assert!(std::error::Error::source(&e).is_some());
    }
}

/// Why failreel will not write an output. Every message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output is one of the inputs.
    #[error("{output}: the output would overwrite the input {input}: choose another output name")]
    IsInput {
        /// The output path.
        output: PathBuf,
        /// The input it names.
        input: PathBuf,
    },
    /// Not a regular file: refused even with `--force`.
    #[error("{path}: is {kind}, not a regular file: failreel writes only regular files; choose another output name")]
    NotRegular {
        /// The output path.
        path: PathBuf,
        /// What it is ("a FIFO (named pipe)", "a symbolic link", …).
        kind: &'static str,
    },
    /// An existing file failreel did not write.
    #[error("{0}: exists and was not written by failreel: not overwritten (use --force, or another output name)")]
    NotOurs(PathBuf),
    /// A file, folder or link failreel did not write sits where its lock or temporary goes.
    #[error("{path}: is in the way of writing {output} and was not written by failreel: move it away (failreel never removes it)")]
    InTheWay {
        /// What is in the way.
        path: PathBuf,
        /// The output being written.
        output: PathBuf,
    },
    /// Another process holds the output's lock.
    #[error("{0}: another failreel is writing this file right now: wait for it to finish, or choose another output name")]
    Busy(PathBuf),
    /// The disk is full.
    #[error("{path}: no space left on the device: free some space or write to another disk")]
    NoSpace {
        /// The file being written.
        path: PathBuf,
    },
    /// A file stands where the output's folder should be (`--out-dir` naming a file).
    #[error("{path}: cannot write there: {} is a file, not a folder: give a folder for the output (failreel makes it when missing), e.g. --out-dir reels, or another output name", .file.display())]
    NotAFolder {
        /// The file or folder being written.
        path: PathBuf,
        /// The file in the way: the folder itself or one of its parents.
        file: PathBuf,
    },
    /// The output's folder cannot be written to (permission denied, a read-only disk): said
    /// of the output and its folder, not of the hidden lock or temporary that met it.
    #[error("{path}: cannot write into {}: {why}: make the folder writable, or write elsewhere (another -o, or render's --out-dir)", .folder.display())]
    NotWritable {
        /// The output being written.
        path: PathBuf,
        /// The folder that refused (the nearest that exists).
        folder: PathBuf,
        /// "permission denied" or "the disk is read-only".
        why: &'static str,
    },
    /// Any other I/O failure.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

//! Side files (a captions file, a manifest, a preset file) are read like videos: only a
//! regular file (or a link to one) is opened, never a FIFO, a device or a socket (reading one
//! would block or never end), and never more than a size that file can sensibly have. Text
//! is UTF-8 (a byte-order mark is skipped) or UTF-16 with its byte-order mark; anything else
//! is named as what it is. Every message names the file and what to do.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What kind of side file is read: its name in messages and the most it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideFile {
    /// `--captions`: a SubRip or WebVTT file.
    Captions,
    /// `--manifest`: TOML, JSON or CSV.
    Manifest,
    /// `--preset FILE`: TOML.
    Preset,
}

impl SideFile {
    /// The file's name in messages ("captions file").
    pub fn what(self) -> &'static str {
        match self {
            SideFile::Captions => "captions file",
            SideFile::Manifest => "manifest",
            SideFile::Preset => "preset file",
        }
    }

    /// What to do when a video was given for it.
    pub fn video_advice(self) -> &'static str {
        match self {
            SideFile::Captions => "give a SubRip (.srt) or WebVTT (.vtt) file to --captions",
            SideFile::Manifest => {
                "give clips as arguments (failreel render CLIP...), and a .toml, .json or .csv manifest to --manifest"
            }
            SideFile::Preset => {
                "give a preset name (failreel presets lists them) or a preset .toml file to --preset"
            }
        }
    }

    /// The most bytes failreel reads of it: far above any real one (a two-hour film's
    /// subtitles are about 100 KiB, a manifest of ten thousand clips about 1 MiB), far below
    /// what would take a while to parse.
    pub fn cap(self) -> u64 {
        match self {
            SideFile::Captions => 16 << 20,
            SideFile::Manifest => 32 << 20,
            SideFile::Preset => 1 << 20,
        }
    }
}

/// Why a side file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SideFileError {
    /// Nothing at the path.
    #[error("{path}: no such {what}: check the path")]
    NotFound {
        /// The file as given.
        path: String,
        /// What it is ("captions file").
        what: &'static str,
    },
    /// A FIFO, a device, a socket or a folder (or a link to one).
    #[error("{path}: is {kind}, not a regular file: give the {what} as a regular file (save or copy it to one)")]
    NotRegular {
        /// The file as given.
        path: String,
        /// What it is ("captions file").
        what: &'static str,
        /// What is there ("a FIFO (named pipe)").
        kind: &'static str,
    },
    /// Larger than any such file should be.
    #[error(
        "{path}: is {size}, more than the {cap} a {what} may be: check that it is the right file"
    )]
    TooLarge {
        /// The file as given.
        path: String,
        /// What it is.
        what: &'static str,
        /// Its size, for people.
        size: String,
        /// The cap, for people.
        cap: String,
    },
    /// Not text failreel reads.
    #[error("{path}: the {what} is {found}: save it as UTF-8 text")]
    Encoding {
        /// The file as given.
        path: String,
        /// What it is.
        what: &'static str,
        /// What it looks like ("UTF-16 text without a byte-order mark").
        found: &'static str,
    },
    /// A video given where a text file was asked for (`--manifest clip.mp4`).
    #[error("{path}: is a video, not a {what}: {}", .kind.video_advice())]
    Video {
        /// The file as given.
        path: String,
        /// What it should have been ("manifest").
        what: &'static str,
        /// Which side file was asked for.
        kind: SideFile,
    },
    /// Any other failure to read it.
    #[error("{path}: cannot read the {what}: {why}")]
    Io {
        /// The file as given.
        path: String,
        /// What it is.
        what: &'static str,
        /// The cause.
        why: String,
    },
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        crate::model::count(bytes, "byte")
    }
}

/// What a non-regular file is, for messages (None for a regular file).
pub fn special_kind(ft: std::fs::FileType) -> Option<&'static str> {
    if ft.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if ft.is_char_device() || ft.is_block_device() {
        Some("a device")
    } else if ft.is_socket() {
        Some("a socket")
    } else if ft.is_dir() {
        Some("a folder")
    } else if ft.is_file() {
        None
    } else {
        Some("not a file")
    }
}

/// Reads the side file at `path` as bytes: a regular file (or a link to one) only, at most
/// `kind.cap()` bytes. Opened without blocking, so a FIFO swapped in after the check cannot
/// hang the run either.
pub fn read_bytes(path: &Path, kind: SideFile) -> Result<Vec<u8>, SideFileError> {
    let p = path.display().to_string();
    let what = kind.what();
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            SideFileError::NotFound {
                path: p.clone(),
                what,
            }
        } else {
            SideFileError::Io {
                path: p.clone(),
                what,
                why: e.to_string(),
            }
        }
    };
    let not_regular = |kind: &'static str| SideFileError::NotRegular {
        path: p.clone(),
        what,
        kind,
    };
    // The link is followed: a link to a regular file is that file.
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(k) = special_kind(meta.file_type()) {
        return Err(not_regular(k));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    // What was opened, not what the path named a moment ago.
    let meta = file.metadata().map_err(io)?;
    if let Some(k) = special_kind(meta.file_type()) {
        return Err(not_regular(k));
    }
    let too_large = |size: u64| {
        let (mut size_s, cap_s) = (size_text(size), size_text(kind.cap()));
        if size_s == cap_s {
            size_s = crate::model::count(size, "byte");
        }
        SideFileError::TooLarge {
            path: p.clone(),
            what,
            size: size_s,
            cap: cap_s,
        }
    };
    // A clip given for a text file (phone clips are larger than any cap: said before the
    // size).
    let mut head = [0u8; 12];
    let n = std::os::unix::fs::FileExt::read_at(&file, &mut head, 0).unwrap_or(0);
    if looks_like_video(&head[..n]) {
        return Err(SideFileError::Video {
            path: p.clone(),
            what,
            kind,
        });
    }
    if meta.len() > kind.cap() {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(kind.cap() + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > kind.cap() {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Whether a file's first bytes are a video container's: MP4/MOV (an ISO box such as `ftyp`
/// or `moov` first), Matroska/WebM, AVI. Text never starts so (nor with UTF-16's mark).
fn looks_like_video(head: &[u8]) -> bool {
    // The box's size comes first, big-endian: under 144 MiB its first byte is below 9, where
    // no text starts (a tab is 9).
    let iso = head.len() >= 8
        && head[0] < 9
        && matches!(
            &head[4..8],
            b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free" | b"skip"
        );
    let mkv = head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]);
    let avi = head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"AVI ";
    iso || mkv || avi
}

/// Reads the side file at `path` as text ([`read_bytes`], then [`decode_text`]).
pub fn read_text(path: &Path, kind: SideFile) -> Result<String, SideFileError> {
    let bytes = read_bytes(path, kind)?;
    decode_text(bytes).map_err(|found| SideFileError::Encoding {
        path: path.display().to_string(),
        what: kind.what(),
        found,
    })
}

/// Text from a file's bytes: UTF-8 (its byte-order mark dropped), or UTF-16 little or big
/// endian with its byte-order mark. Otherwise what it looks like.
pub fn decode_text(bytes: Vec<u8>) -> Result<String, &'static str> {
    let utf16 = |body: &[u8], little: bool| -> Result<String, &'static str> {
        if !body.len().is_multiple_of(2) {
            return Err("UTF-16 text cut off in the middle of a character");
        }
        let units = body.chunks_exact(2).map(|c| {
            if little {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| "UTF-16 text with broken characters")
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => {
            String::from_utf8(rest.to_vec()).map_err(|_| "not UTF-8 text (nor UTF-16)")
        }
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => {
            // Text in UTF-16 has a zero byte beside nearly every ASCII character (and zero
            // bytes are valid UTF-8, so that test comes first): read as the zeros say, little
            // endian when they follow the characters.
            let sample = &bytes[..bytes.len().min(4096)];
            let zeros = |odd: bool| {
                sample
                    .iter()
                    .skip(usize::from(odd))
                    .step_by(2)
                    .filter(|&&x| x == 0)
                    .count()
            };
            let half = sample.len() / 2;
            let (le, be) = (zeros(true) * 3 > half * 2, zeros(false) * 3 > half * 2);
            if half >= 2 && (le || be) {
                return utf16(&bytes, le)
                    .map_err(|_| "UTF-16 text without a byte-order mark, with broken characters");
            }
            String::from_utf8(bytes).map_err(|_| "not UTF-8 text (nor UTF-16)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_are_known_by_their_first_bytes_and_text_never_is() {
        let mp4 = [
            0, 0, 0, 0x20, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm',
        ];
        let mov_mdat_first = [5, 0x10, 0, 0, b'm', b'd', b'a', b't', 0, 0, 0, 0];
        let mkv = [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 1, 0, 0, 0];
        let avi = *b"RIFF\x10\0\0\0AVI ";
        for v in [&mp4[..], &mov_mdat_first, &mkv, &avi] {
            assert!(looks_like_video(v), "{v:?}");
        }
        for t in [
            &b"    free = \"x\""[..],
            b"\tskip = 1\n",
            b"[[clip]]\ninput",
            b"1\n00:00:01,000",
            b"WEBVTT\n",
            b"\xEF\xBB\xBFpreset",
            b"\xFF\xFEp\0r\0e\0",
            b"input,ftyp",
            b"RIFF",
            b"",
        ] {
            assert!(!looks_like_video(t), "{t:?}");
        }
    }

    #[test]
    fn utf8_and_both_utf16s_with_a_mark_are_read_the_rest_is_named() {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nCrème brûlée ☕\n";
        assert_eq!(decode_text(text.as_bytes().to_vec()).unwrap(), text);
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend_from_slice(text.as_bytes());
        assert_eq!(decode_text(bom8).unwrap(), text);
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_text(le).unwrap(), text);
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_text(be).unwrap(), text);
        // Without a mark: the zero bytes say which.
        let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode_text(bare).unwrap(), text);
        let bare_be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode_text(bare_be).unwrap(), text);
        assert!(decode_text(b"caf\xe9 au lait".to_vec())
            .unwrap_err()
            .starts_with("not UTF-8"));
    }

    #[test]
    fn fifos_devices_folders_and_links_to_them_are_refused_at_once() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("subs.srt");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let link = d.path().join("link.srt");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let dev = Path::new("/dev/zero");
        for kind in [SideFile::Captions, SideFile::Manifest, SideFile::Preset] {
            for p in [fifo.as_path(), link.as_path(), dev, d.path()] {
                let e = read_bytes(p, kind).unwrap_err();
                assert!(matches!(e, SideFileError::NotRegular { .. }), "{p:?}: {e}");
                let msg = e.to_string();
                assert!(
                    msg.starts_with(&p.display().to_string()) && msg.contains("not a regular file"),
                    "{msg}"
                );
            }
        }
    }

    #[test]
    fn a_file_larger_than_its_kind_allows_is_refused_with_both_sizes() {
        let d = tempfile::tempdir().unwrap();
        let big = d.path().join("preset.toml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(SideFile::Preset.cap() + 1).unwrap();
        let e = read_bytes(&big, SideFile::Preset).unwrap_err().to_string();
        assert!(
            e.contains("more than the 1.0 MiB a preset file may be"),
            "{e}"
        );
        // A link to a regular file is that file.
        let ok = d.path().join("ok.toml");
        std::fs::write(&ok, "x = 1\n").unwrap();
        let link = d.path().join("link.toml");
        std::os::unix::fs::symlink(&ok, &link).unwrap();
        assert_eq!(read_text(&link, SideFile::Preset).unwrap(), "x = 1\n");
    }
}

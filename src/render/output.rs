//! One rule for every file failreel writes (reels, preview PNGs, and whatever comes next).
//!
//! - **Never an input**, and never something that is not a regular file (a FIFO, a device, a
//!   socket, a folder, a symbolic link), even with `--force`: opening a FIFO would block and
//!   writing through a link would replace a file failreel did not choose.
//! - **Never a file failreel did not write** unless the user says `--force`
//!   ([`check_target`]; each writer says how it recognises its own files).
//! - **One writer per output**: [`Writer::begin`] takes a lock next to the output, so a second
//!   run writing the same file stops at once with "another failreel is writing X" instead of
//!   deleting the first run's temporary. Leftover temporaries of runs that were killed are
//!   removed only by the lock's holder.
//! - **Temporary, then rename**: data goes to a hidden temporary in the output's folder and is
//!   renamed into place only when complete ([`Writer::commit`]); on failure or drop the
//!   temporary is removed.
//! - **Only what failreel wrote is removed**: the temporary is created new (never a file or
//!   link already there), the lock file carries failreel's mark, and a lock file, folder or
//!   link at those names that failreel did not write is left alone (the write stops, saying
//!   what is in the way).
//!
//! [`mp4_is_complete`] lets resume trust a reel only if its boxes are all there as written.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub use crate::media::OutputError;

/// The file (not a folder) at `dir` or at the nearest of its parents that exists, which
/// stops a folder being made there: `reels` when `reels` is a file, for `reels/week1`.
pub fn file_in_the_way(dir: &Path) -> Option<PathBuf> {
    for d in dir.ancestors() {
        if d.as_os_str().is_empty() {
            break;
        }
        if let Ok(m) = std::fs::metadata(d) {
            return (!m.is_dir()).then(|| d.to_path_buf());
        }
    }
    None
}

impl OutputError {
    /// An I/O error on `at` (the output, its lock, temporary or folder) while writing
    /// `output`: as [`OutputError::io`], and a folder that refuses writes is said as
    /// [`OutputError::NotWritable`], naming `output` and the folder.
    pub fn writing(output: &Path, at: &Path, source: std::io::Error) -> OutputError {
        let why = match source.raw_os_error() {
            Some(libc::EACCES) | Some(libc::EPERM) => "permission denied",
            Some(libc::EROFS) => "the disk is read-only",
            _ => return OutputError::io(at, source),
        };
        let folder = folder_of(at)
            .ancestors()
            .find(|d| d.as_os_str().is_empty() || d.is_dir())
            .map(|d| {
                if d.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    d.to_path_buf()
                }
            })
            .unwrap_or_else(|| PathBuf::from("."));
        OutputError::NotWritable {
            path: output.to_path_buf(),
            folder,
            why,
        }
    }

    /// An I/O error on `path`, with "no space left" and "a file where a folder should be"
    /// said plainly.
    pub fn io(path: &Path, source: std::io::Error) -> OutputError {
        // ENOTDIR: one of its parents is a file.
        if source.raw_os_error() == Some(20) {
            if let Some(file) = file_in_the_way(path.parent().unwrap_or(path)) {
                return OutputError::NotAFolder {
                    path: path.to_path_buf(),
                    file,
                };
            }
        }
        if source.raw_os_error() == Some(28) || source.kind() == std::io::ErrorKind::StorageFull {
            OutputError::NoSpace {
                path: path.to_path_buf(),
            }
        } else {
            OutputError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// What is at an output path now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: free to write.
    Absent,
    /// A regular file (whose owner the caller decides).
    File,
}

/// Checks what failreel may never overwrite, whatever `--force` says: a non-regular file
/// (FIFO, device, socket, folder, symbolic link) or one of `inputs` (same file, hard links
/// included). Reads metadata only: never opens the output, so a FIFO cannot block.
pub fn check_kind(output: &Path, inputs: &[&Path]) -> Result<Existing, OutputError> {
    let meta = match std::fs::symlink_metadata(output) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return Err(OutputError::io(output, e)),
    };
    let ft = meta.file_type();
    let kind = if ft.is_symlink() {
        Some("a symbolic link")
    } else if ft.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if ft.is_char_device() || ft.is_block_device() {
        Some("a device")
    } else if ft.is_socket() {
        Some("a socket")
    } else if ft.is_dir() {
        Some("a folder")
    } else {
        None
    };
    if let Some(kind) = kind {
        return Err(OutputError::NotRegular {
            path: output.to_path_buf(),
            kind,
        });
    }
    for input in inputs {
        if let Ok(im) = std::fs::metadata(input) {
            if im.dev() == meta.dev() && im.ino() == meta.ino() {
                return Err(OutputError::IsInput {
                    output: output.to_path_buf(),
                    input: input.to_path_buf(),
                });
            }
        }
    }
    Ok(Existing::File)
}

/// [`check_kind`], then: an existing file that `is_ours` does not recognise is refused unless
/// `force`.
pub fn check_target(
    output: &Path,
    inputs: &[&Path],
    force: bool,
    is_ours: impl Fn(&Path) -> bool,
) -> Result<Existing, OutputError> {
    let existing = check_kind(output, inputs)?;
    if existing == Existing::File && !force && !is_ours(output) {
        return Err(OutputError::NotOurs(output.to_path_buf()));
    }
    Ok(existing)
}

/// The output rule before a run writes `output`: a dry run (which replaces nothing) asks only
/// whether it may be written at all ([`check_kind`]); a real run [`check_target`].
pub fn check_before(
    output: &Path,
    inputs: &[&Path],
    dry_run: bool,
    force: bool,
    is_ours: impl Fn(&Path) -> bool,
) -> Result<(), OutputError> {
    if dry_run {
        check_kind(output, inputs).map(|_| ())
    } else {
        check_target(output, inputs, force, is_ours).map(|_| ())
    }
}

/// Checks, before any measuring pass runs, that `output`'s folder lets failreel create files
/// (or, when the folder is still to be made, the nearest folder above it that exists): an
/// empty hidden file is created there and removed. Only a folder that refuses writes
/// (permission denied, a read-only disk) is an error, [`OutputError::NotWritable`]; anything
/// else is left for the writer to meet and say. So a batch into a read-only folder fails each
/// clip at once, not after its passes.
pub fn check_writable(output: &Path) -> Result<(), OutputError> {
    let folder = folder_of(output);
    let Some(dir) = folder.ancestors().find(|d| d.is_dir()) else {
        return Ok(());
    };
    let probe = dir.join(format!(
        ".{}.failreel-probe-{}",
        file_name_of(output),
        std::process::id()
    ));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => match OutputError::writing(output, &probe, e) {
            e @ OutputError::NotWritable { .. } => Err(e),
            _ => Ok(()),
        },
    }
}

/// The folder a file lives in ("." for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into())
}

/// The lock file that guards `output` while one failreel writes it.
pub fn lock_path(output: &Path) -> PathBuf {
    folder_of(output).join(format!(".{}.failreel.lock", file_name_of(output)))
}

/// The hidden temporary this process writes `output` to before renaming it into place.
pub fn temp_path(output: &Path) -> PathBuf {
    folder_of(output).join(format!(
        ".{}.failreel-{}.tmp",
        file_name_of(output),
        std::process::id()
    ))
}

/// Writes one output: holds its lock, owns its temporary, renames on [`Writer::commit`].
/// Dropped without committing, it removes the temporary (and always the lock).
#[derive(Debug)]
pub struct Writer {
    output: PathBuf,
    tmp: PathBuf,
    lock_path: PathBuf,
    _lock: File,
    committed: bool,
    /// Leftover temporaries of killed runs that were removed when the lock was taken.
    pub removed_stale: usize,
}

impl Writer {
    /// Checks `output` with [`check_kind`] (never an input, never a non-regular file), creates
    /// its folder, takes its lock (or fails with [`OutputError::Busy`]) and removes the
    /// temporaries earlier runs left for it. The caller writes to [`Writer::temp`].
    pub fn begin(output: &Path, inputs: &[&Path]) -> Result<Writer, OutputError> {
        check_kind(output, inputs)?;
        let dir = folder_of(output);
        std::fs::create_dir_all(&dir).map_err(|e| match file_in_the_way(&dir) {
            Some(file) => OutputError::NotAFolder {
                path: output.to_path_buf(),
                file,
            },
            None => OutputError::writing(output, &dir, e),
        })?;
        let lock_path = lock_path(output);
        let lock = take_lock(&lock_path, output)?;
        let removed_stale = remove_stale_temps(output);
        let tmp = temp_path(output);
        // Created new: a file, folder or link already at this name is not failreel's (its
        // own leftovers were just removed), so it is neither written through nor removed.
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // The lock is failreel's: removed while still held.
                let _ = std::fs::remove_file(&lock_path);
                drop(lock);
                return Err(OutputError::InTheWay {
                    path: tmp,
                    output: output.to_path_buf(),
                });
            }
            Err(e) => {
                let _ = std::fs::remove_file(&lock_path);
                drop(lock);
                return Err(OutputError::writing(output, &tmp, e));
            }
        }
        Ok(Writer {
            output: output.to_path_buf(),
            tmp,
            lock_path,
            _lock: lock,
            committed: false,
            removed_stale,
        })
    }

    /// Where to write the data.
    pub fn temp(&self) -> &Path {
        &self.tmp
    }

    /// Renames the complete temporary into place (checking again that the output has not
    /// become something failreel must not replace).
    pub fn commit(mut self) -> Result<(), OutputError> {
        check_kind(&self.output, &[])?;
        std::fs::rename(&self.tmp, &self.output)
            .map_err(|e| OutputError::writing(&self.output, &self.output, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
        // Remove the lock file while still holding the lock; the file handle closes after.
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

/// Takes the exclusive lock at `lock_path`, or says another failreel is writing `output`.
/// Retries when the file it locked was removed by its previous holder in the meantime.
fn take_lock(lock_path: &Path, output: &Path) -> Result<File, OutputError> {
    let in_the_way = || OutputError::InTheWay {
        path: lock_path.to_path_buf(),
        output: output.to_path_buf(),
    };
    for _ in 0..16 {
        // A lock file failreel did not write (a folder, a link, a file with other content)
        // is never opened nor removed.
        if !lock_is_ours(lock_path) {
            return Err(in_the_way());
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(lock_path)
            .map_err(|e| match e.raw_os_error() {
                // ELOOP: a link appeared at the name.
                Some(40) => in_the_way(),
                _ => OutputError::writing(output, lock_path, e),
            })?;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Err(in_the_way());
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(OutputError::Busy(output.to_path_buf()))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(OutputError::io(lock_path, e)),
        }
        // The holder before us removes the file before it lets go: make sure the file we
        // locked is still the one at the path.
        let held = file.metadata().map_err(|e| OutputError::io(lock_path, e))?;
        match std::fs::metadata(lock_path) {
            Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => {
                // Marked as failreel's (it may be removed when the write ends).
                use std::io::Write;
                let mut f = &file;
                if held.len() != LOCK_MARK.len() as u64 {
                    file.set_len(0)
                        .and_then(|()| f.write_all(LOCK_MARK))
                        .map_err(|e| OutputError::io(lock_path, e))?;
                }
                return Ok(file);
            }
            _ => continue,
        }
    }
    Err(OutputError::Busy(output.to_path_buf()))
}

/// What failreel writes into its lock files, by which it knows them.
const LOCK_MARK: &[u8] = b"failreel lock\n";

/// Whether the lock file at `path` is failreel's to use: absent, or a regular file (not a
/// link) that is empty (a run stopped before marking it) or holds failreel's mark.
fn lock_is_ours(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        Ok(m) if !m.file_type().is_file() => false,
        Ok(m) if m.len() == 0 => true,
        Ok(m) if m.len() != LOCK_MARK.len() as u64 => false,
        Ok(_) => {
            let mut head = Vec::new();
            File::open(path)
                .and_then(|f| f.take(LOCK_MARK.len() as u64).read_to_end(&mut head))
                .is_ok()
                && head == LOCK_MARK
        }
    }
}

/// Removes the hidden temporaries that killed runs left for `output` (any process's). Call it
/// only while holding the output's lock: a live writer holds that lock, so every temporary
/// found then is a leftover.
fn remove_stale_temps(output: &Path) -> usize {
    let prefix = format!(".{}.failreel-", file_name_of(output));
    let mut removed = 0;
    if let Ok(rd) = std::fs::read_dir(folder_of(output)) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let regular = e.file_type().is_ok_and(|t| t.is_file());
            if regular
                && n.starts_with(&prefix)
                && n.ends_with(".tmp")
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// Whether a PNG at `path` was written by failreel (its `Software` text chunk says so). Reads
/// the chunks before the image data only.
pub fn png_is_ours(path: &Path) -> bool {
    let Ok(mut f) = File::open(path) else {
        return false;
    };
    let mut sig = [0u8; 8];
    if f.read_exact(&mut sig).is_err() || sig != *b"\x89PNG\r\n\x1a\n" {
        return false;
    }
    for _ in 0..64 {
        let mut head = [0u8; 8];
        if f.read_exact(&mut head).is_err() {
            return false;
        }
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = &head[4..8];
        if kind == b"IDAT" || kind == b"IEND" {
            return false;
        }
        if kind == b"tEXt" && len < 4096 {
            let mut data = vec![0u8; len as usize];
            if f.read_exact(&mut data).is_err() {
                return false;
            }
            if data.starts_with(b"Software\0failreel") {
                return true;
            }
            if f.seek(SeekFrom::Current(4)).is_err() {
                return false;
            }
        } else if f.seek(SeekFrom::Current(len as i64 + 4)).is_err() {
            return false;
        }
    }
    false
}

/// The text failreel puts in the PNGs it writes (`Software` chunk), by which it knows them.
pub fn png_software_tag() -> String {
    format!("failreel {}", env!("CARGO_PKG_VERSION"))
}

/// Whether the MP4 at `path` is complete as written: its top-level boxes tile the file
/// exactly, with one `moov` before one `mdat` (fast start), and the sample sizes the `moov`
/// lists add up to the `mdat`'s payload. A reel cut short, or grown or shrunk after it was
/// written, fails this; it reads box headers and the `moov` only, never the media data
/// (so a byte changed inside the media data, with the size kept, is not noticed).
pub fn mp4_is_complete(path: &Path) -> bool {
    mp4_check(path).unwrap_or(false)
}

fn mp4_check(path: &Path) -> std::io::Result<bool> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let mut pos = 0u64;
    let mut moov: Option<Vec<u8>> = None;
    let mut mdat_payload: Option<u64> = None;
    let mut boxes = 0;
    while pos < len {
        boxes += 1;
        if boxes > 64 {
            return Ok(false);
        }
        f.seek(SeekFrom::Start(pos))?;
        let mut head = [0u8; 8];
        f.read_exact(&mut head)?;
        let mut size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = [head[4], head[5], head[6], head[7]];
        let mut header = 8u64;
        if size == 1 {
            let mut big = [0u8; 8];
            f.read_exact(&mut big)?;
            size = u64::from_be_bytes(big);
            header = 16;
        } else if size == 0 {
            size = len - pos;
        }
        if size < header || pos + size > len {
            return Ok(false);
        }
        match &kind {
            b"moov" => {
                if moov.is_some() || mdat_payload.is_some() || size > 64 << 20 {
                    return Ok(false);
                }
                let mut data = vec![0u8; (size - header) as usize];
                f.read_exact(&mut data)?;
                moov = Some(data);
            }
            b"mdat" => {
                if mdat_payload.is_some() {
                    return Ok(false);
                }
                mdat_payload = Some(size - header);
            }
            b"ftyp" | b"free" | b"skip" | b"uuid" | b"meta" | b"wide" => {}
            _ => return Ok(false),
        }
        pos += size;
    }
    let (Some(moov), Some(payload)) = (moov, mdat_payload) else {
        return Ok(false);
    };
    let mut total = 0u64;
    let mut tracks = 0;
    if !sum_sample_sizes(&moov, 0, &mut total, &mut tracks) || tracks == 0 {
        return Ok(false);
    }
    Ok(total == payload)
}

/// Adds the sizes in every `stsz` box under the container payload `data` to `total`; false
/// when a box runs past its parent.
fn sum_sample_sizes(data: &[u8], depth: u32, total: &mut u64, tracks: &mut u32) -> bool {
    if depth > 8 {
        return false;
    }
    let mut i = 0usize;
    while i + 8 <= data.len() {
        let size = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize;
        let kind = &data[i + 4..i + 8];
        if size < 8 || i + size > data.len() {
            return false;
        }
        let body = &data[i + 8..i + size];
        match kind {
            b"trak" | b"mdia" | b"minf" | b"stbl"
                if !sum_sample_sizes(body, depth + 1, total, tracks) =>
            {
                return false;
            }
            b"stsz" => {
                if body.len() < 12 {
                    return false;
                }
                let fixed = u32::from_be_bytes([body[4], body[5], body[6], body[7]]) as u64;
                let count = u32::from_be_bytes([body[8], body[9], body[10], body[11]]) as u64;
                if fixed != 0 {
                    *total += fixed * count;
                } else {
                    let entries = &body[12..];
                    if (entries.len() as u64) < count * 4 {
                        return false;
                    }
                    for k in 0..count as usize {
                        let e = &entries[k * 4..k * 4 + 4];
                        *total += u32::from_be_bytes([e[0], e[1], e[2], e[3]]) as u64;
                    }
                }
                *tracks += 1;
            }
            _ => {}
        }
        i += size;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn a_folder_that_refuses_writes_is_named_with_the_output_not_the_lock() {
        // A read-only --out-dir said "reels/.x.mp4.failreel.lock: cannot write: Permission
        // denied (os error 13)": a hidden file the user never asked for. Root passes
        // permission checks, so the errors are made here.
        let d = dir();
        let out = d.path().join("x.mp4");
        for (errno, why) in [
            (libc::EACCES, "permission denied"),
            (libc::EPERM, "permission denied"),
            (libc::EROFS, "the disk is read-only"),
        ] {
            for at in [lock_path(&out), temp_path(&out), out.clone()] {
                let e = OutputError::writing(&out, &at, std::io::Error::from_raw_os_error(errno));
                let text = e.to_string();
                assert_eq!(
                    text,
                    format!(
                        "{}: cannot write into {}: {why}: make the folder writable, or write elsewhere (another -o, or render's --out-dir)",
                        out.display(),
                        d.path().display()
                    )
                );
            }
        }
        // A folder to be made under one that refuses: the one that exists is named.
        let deep = d.path().join("week1/day2");
        let e = OutputError::writing(
            &deep.join("x.mp4"),
            &deep,
            std::io::Error::from_raw_os_error(libc::EACCES),
        );
        assert!(
            matches!(&e, OutputError::NotWritable { folder, .. } if folder == d.path()),
            "{e}"
        );
        // A relative output in the current folder names ".".
        let e = OutputError::writing(
            Path::new("x.mp4"),
            Path::new(".x.mp4.failreel.lock"),
            std::io::Error::from_raw_os_error(libc::EACCES),
        );
        assert!(
            e.to_string().starts_with("x.mp4: cannot write into .: "),
            "{e}"
        );
        // Other errors are as before.
        let e = OutputError::writing(&out, &out, std::io::Error::from_raw_os_error(libc::EIO));
        assert!(matches!(e, OutputError::Io { .. }), "{e}");
    }

    #[test]
    fn fifo_device_folder_and_symlink_are_refused_even_with_force() {
        let d = dir();
        let fifo = d.path().join("pipe.mp4");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(st.success());
        let target = d.path().join("real.txt");
        std::fs::write(&target, "keep me").unwrap();
        let link = d.path().join("link.mp4");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for p in [
            fifo.as_path(),
            Path::new("/dev/null"),
            d.path(),
            link.as_path(),
        ] {
            let e = check_target(p, &[], true, |_| true).unwrap_err();
            assert!(matches!(e, OutputError::NotRegular { .. }), "{p:?}: {e}");
            assert!(Writer::begin(p, &[]).is_err(), "{p:?}");
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    }

    #[test]
    fn the_input_is_never_an_output_hard_links_included() {
        let d = dir();
        let input = d.path().join("in.mp4");
        std::fs::write(&input, "video").unwrap();
        let hard = d.path().join("hard.mp4");
        std::fs::hard_link(&input, &hard).unwrap();
        for out in [&input, &hard] {
            let e = check_target(out, &[&input], true, |_| true).unwrap_err();
            assert!(matches!(e, OutputError::IsInput { .. }), "{e}");
        }
    }

    #[test]
    fn a_file_failreel_did_not_write_needs_force() {
        let d = dir();
        let f = d.path().join("notes.png");
        std::fs::write(&f, "my notes").unwrap();
        assert!(matches!(
            check_target(&f, &[], false, png_is_ours),
            Err(OutputError::NotOurs(_))
        ));
        assert_eq!(
            check_target(&f, &[], true, png_is_ours).unwrap(),
            Existing::File
        );
        assert_eq!(
            check_target(&d.path().join("new.png"), &[], false, png_is_ours).unwrap(),
            Existing::Absent
        );
    }

    #[test]
    fn a_second_writer_of_the_same_output_is_told_and_harms_nothing() {
        let d = dir();
        let out = d.path().join("reel.mp4");
        let first = Writer::begin(&out, &[]).unwrap();
        std::fs::write(first.temp(), "half a reel").unwrap();
        let second = Writer::begin(&out, &[]).unwrap_err();
        assert!(matches!(second, OutputError::Busy(_)), "{second}");
        assert!(second.to_string().contains("another failreel"));
        // The first writer's temporary is untouched and it completes.
        assert_eq!(
            std::fs::read_to_string(first.temp()).unwrap(),
            "half a reel"
        );
        first.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "half a reel");
        assert!(
            !lock_path(&out).exists(),
            "the lock is gone after the writer"
        );
        // Now it is free again.
        drop(Writer::begin(&out, &[]).unwrap());
    }

    #[test]
    fn leftover_temporaries_are_removed_by_the_next_writer_only() {
        let d = dir();
        let out = d.path().join("reel.mp4");
        let stale = d.path().join(".reel.mp4.failreel-99999.tmp");
        let other = d.path().join(".other.mp4.failreel-99999.tmp");
        std::fs::write(&stale, "x").unwrap();
        std::fs::write(&other, "x").unwrap();
        let w = Writer::begin(&out, &[]).unwrap();
        assert_eq!(w.removed_stale, 1);
        assert!(!stale.exists() && other.exists());
        drop(w);
        assert!(
            !out.exists(),
            "dropped without commit: nothing under the final name"
        );
    }

    #[test]
    fn what_failreel_did_not_write_at_its_lock_or_temporary_names_is_never_touched() {
        let d = dir();
        let out = d.path().join("reel.mp4");
        let target = d.path().join("notes.txt");
        std::fs::write(&target, "keep me").unwrap();
        // A file with other content, a folder and a link where the lock goes.
        let lock = lock_path(&out);
        std::fs::write(&lock, "my own lock notes").unwrap();
        let e = Writer::begin(&out, &[]).unwrap_err();
        assert!(matches!(e, OutputError::InTheWay { .. }), "{e}");
        assert!(e.to_string().contains("move it away"), "{e}");
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "my own lock notes");
        std::fs::remove_file(&lock).unwrap();
        std::fs::create_dir(&lock).unwrap();
        std::fs::write(lock.join("inside"), "x").unwrap();
        assert!(matches!(
            Writer::begin(&out, &[]),
            Err(OutputError::InTheWay { .. })
        ));
        assert!(lock.join("inside").is_file());
        std::fs::remove_dir_all(&lock).unwrap();
        std::os::unix::fs::symlink(&target, &lock).unwrap();
        assert!(matches!(
            Writer::begin(&out, &[]),
            Err(OutputError::InTheWay { .. })
        ));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        std::fs::remove_file(&lock).unwrap();
        // A link or a folder where this process's temporary goes: not written through, not
        // removed, and the lock failreel took is gone again.
        let tmp = temp_path(&out);
        std::os::unix::fs::symlink(&target, &tmp).unwrap();
        assert!(matches!(
            Writer::begin(&out, &[]),
            Err(OutputError::InTheWay { .. })
        ));
        assert!(std::fs::symlink_metadata(&tmp)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        assert!(!lock.exists());
        std::fs::remove_file(&tmp).unwrap();
        // An empty lock file (a run stopped before marking it) is failreel's.
        std::fs::write(&lock, "").unwrap();
        let w = Writer::begin(&out, &[]).unwrap();
        assert_eq!(std::fs::read(&lock).unwrap(), LOCK_MARK);
        drop(w);
        assert!(!lock.exists() && !tmp.exists());
    }

    #[test]
    fn png_ownership_is_read_from_its_software_chunk() {
        let d = dir();
        let p = d.path().join("f.png");
        // Minimal chunk stream: signature, tEXt, IEND (pixels are not needed for the check).
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut v = (data.len() as u32).to_be_bytes().to_vec();
            v.extend_from_slice(kind);
            v.extend_from_slice(data);
            v.extend_from_slice(&[0, 0, 0, 0]);
            v
        };
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(chunk(b"IHDR", &[0; 13]));
        bytes.extend(chunk(b"tEXt", b"Software\0failreel 0.1.0"));
        bytes.extend(chunk(b"IEND", &[]));
        std::fs::write(&p, &bytes).unwrap();
        assert!(png_is_ours(&p));
        let mut other = b"\x89PNG\r\n\x1a\n".to_vec();
        other.extend(chunk(b"IHDR", &[0; 13]));
        other.extend(chunk(b"tEXt", b"Software\0GIMP"));
        other.extend(chunk(b"IEND", &[]));
        std::fs::write(&p, &other).unwrap();
        assert!(!png_is_ours(&p));
        std::fs::write(&p, "not a png").unwrap();
        assert!(!png_is_ours(&p));
    }

    fn mp4_box(kind: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    /// ftyp, moov (one track of samples of the given sizes), mdat of `payload` bytes.
    fn mp4(sizes: &[u32], payload: usize) -> Vec<u8> {
        let mut stsz = vec![0u8; 4];
        stsz.extend(0u32.to_be_bytes());
        stsz.extend((sizes.len() as u32).to_be_bytes());
        for s in sizes {
            stsz.extend(s.to_be_bytes());
        }
        let stbl = mp4_box(b"stbl", &mp4_box(b"stsz", &stsz));
        let trak = mp4_box(b"trak", &mp4_box(b"mdia", &mp4_box(b"minf", &stbl)));
        let mut f = mp4_box(b"ftyp", b"isom\0\0\0\0");
        f.extend(mp4_box(b"moov", &trak));
        f.extend(mp4_box(b"mdat", &vec![7u8; payload]));
        f
    }

    #[test]
    fn a_reel_cut_short_or_grown_is_not_complete() {
        let d = dir();
        let p = d.path().join("r.mp4");
        let whole = mp4(&[100, 50, 30], 180);
        std::fs::write(&p, &whole).unwrap();
        assert!(mp4_is_complete(&p));
        std::fs::write(&p, &whole[..whole.len() - 1]).unwrap();
        assert!(!mp4_is_complete(&p), "truncated");
        let mut grown = whole.clone();
        grown.extend_from_slice(b"junkjunk");
        std::fs::write(&p, &grown).unwrap();
        assert!(!mp4_is_complete(&p), "bytes appended");
        std::fs::write(&p, mp4(&[100, 50, 30], 170)).unwrap();
        assert!(
            !mp4_is_complete(&p),
            "mdat does not hold the listed samples"
        );
        std::fs::write(&p, b"").unwrap();
        assert!(!mp4_is_complete(&p));
    }
}

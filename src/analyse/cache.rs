//! Analysis results on disk, keyed by what the pass depends on: the source's path and stamp
//! (size + modification time) and the pass's own inputs (streams, trim, rate, length). A
//! re-run or a resume reads the cache instead of decoding again.
//!
//! The folder is `$FAILREEL_CACHE_DIR`, else `$XDG_CACHE_HOME/failreel`, else
//! `~/.cache/failreel`. Entries are written to a temporary name and renamed into place; a
//! cache that cannot be read or written is only slower, never an error.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::PathBuf;

/// An environment variable naming a folder (an empty one counts as unset).
fn env(k: &str) -> Option<PathBuf> {
    std::env::var_os(k)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The folder a model's weights are read from: `$VAR`, else `$XDG_DATA_HOME/failreel/SUB`,
/// else `~/.local/share/failreel/SUB` (where `scripts/weights-lib.sh` installs them).
pub fn weights_dir(var: &str, sub: &str) -> Option<PathBuf> {
    env(var)
        .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("failreel").join(sub)))
        .or_else(|| env("HOME").map(|h| h.join(".local").join("share").join("failreel").join(sub)))
}

/// A file's size and modification time (ns since the epoch; 0 when the system gives none),
/// what tells installed weights apart in a cache key without reading them; None when it is
/// not a file.
pub fn file_stamp(path: &std::path::Path) -> Option<(u64, u64)> {
    let m = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let t = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |t| t.as_nanos() as u64);
    Some((m.len(), t))
}

/// The cache folder, if one can be named.
pub fn dir() -> Option<PathBuf> {
    // The unit tests never read or write the user's cache.
    #[cfg(test)]
    if env("FAILREEL_CACHE_DIR").is_none() {
        return Some(std::env::temp_dir().join("failreel-unit-test-cache"));
    }
    env("FAILREEL_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("failreel")))
        .or_else(|| env("HOME").map(|h| h.join(".cache").join("failreel")))
}

/// FNV-1a of the key's JSON, as 16 hex digits.
fn key_hash(json: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in json.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

#[derive(Serialize, serde::Deserialize)]
struct Entry<V> {
    key: String,
    value: V,
}

fn entry_path(pass: &str, key: &str) -> Option<PathBuf> {
    Some(dir()?.join(format!("{pass}-{}.json", key_hash(key))))
}

/// The cached result of `pass` for `key`, if any (the whole key must match, not only its
/// hash).
pub fn get<K: Serialize, V: DeserializeOwned>(pass: &str, key: &K) -> Option<V> {
    let key = serde_json::to_string(key).ok()?;
    let text = std::fs::read_to_string(entry_path(pass, &key)?).ok()?;
    let entry: Entry<V> = serde_json::from_str(&text).ok()?;
    (entry.key == key).then_some(entry.value)
}

/// Stores the result of `pass` for `key` (temp then rename; failures are ignored).
pub fn put<K: Serialize, V: Serialize>(pass: &str, key: &K, value: &V) {
    let Ok(key) = serde_json::to_string(key) else {
        return;
    };
    let Some(path) = entry_path(pass, &key) else {
        return;
    };
    let Ok(text) = serde_json::to_string(&Entry { key, value }) else {
        return;
    };
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!(
        "{}.{:?}.tmp",
        std::process::id(),
        std::thread::current().id()
    ));
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&tmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_result_is_read_back_only_for_its_own_key() {
        let d = tempfile::tempdir().unwrap();
        // The folder comes from the environment: this test is the only one in the library
        // that sets it.
        std::env::set_var("FAILREEL_CACHE_DIR", d.path());
        put("test", &("a.mov", 1u64, 2u64), &1.25f64);
        assert_eq!(get::<_, f64>("test", &("a.mov", 1u64, 2u64)), Some(1.25));
        assert_eq!(get::<_, f64>("test", &("a.mov", 1u64, 3u64)), None);
        assert!(std::fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().ends_with(".tmp")));
    }
}

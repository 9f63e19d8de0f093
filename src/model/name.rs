//! Names that become part of a file name (a preset's `name` in `<stem>.<name>.mp4`).

/// Checks that `name` can be part of a file name without steering a write elsewhere: not
/// empty, no `/` or `\`, no `..`, no control characters. Returns the plain message otherwise.
pub fn check_file_name_part(name: &str) -> Result<(), String> {
    let shown = format!("{name:?}");
    if name.trim().is_empty() {
        return Err(format!("must not be empty, not {shown}"));
    }
    if name.contains('/') || name.contains('\\') {
        return Err(format!(
            "must be a plain name without / or \\ (it becomes part of a file name), not {shown}"
        ));
    }
    if name.contains("..") {
        return Err(format!(
            "must not contain \"..\" (it becomes part of a file name), not {shown}"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "must not contain control characters (it becomes part of a file name), not {shown}"
        ));
    }
    if name.len() > 64 {
        return Err(format!(
            "must be at most 64 bytes long (it becomes part of a file name), not {} bytes",
            name.len()
        ));
    }
    Ok(())
}

/// `path` made absolute and lexically normal, links resolved (through its folder when the
/// file does not exist yet, as an output may not), so that two spellings of one file
/// compare equal: `week.toml` from its folder, `week/week.toml` from above, an absolute path.
pub fn same_file_path(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::{Component, PathBuf};
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if let Ok(real) = out.canonicalize() {
        return real;
    }
    match (out.parent(), out.file_name()) {
        (Some(dir), Some(name)) => dir.canonicalize().map(|d| d.join(name)).unwrap_or(out),
        _ => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_leave_the_folder() {
        for good in ["reels", "my-look", "TikTok 60", "ルック"] {
            assert!(check_file_name_part(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "  ",
            "x/../../../tmp/evil",
            "a\\b",
            "..",
            "a..b",
            "tab\there",
            "nul\0",
        ] {
            let e = check_file_name_part(bad).unwrap_err();
            assert!(e.starts_with("must"), "{bad}: {e}");
        }
    }
}

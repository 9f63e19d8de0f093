//! Embeds the face detector's model: `rustface`'s crate package carries SeetaFace's frontal
//! model (`model/seeta_fd_frontal_v1.0.bin`, BSD-2-Clause) beside its sources, where Cargo
//! unpacked it. The model is found through `cargo metadata` (rustface's manifest path) and
//! copied into OUT_DIR, from where `include_bytes!` takes it.

use std::path::{Path, PathBuf};

const MODEL: &str = "model/seeta_fd_frontal_v1.0.bin";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let found = rustface_dir()
        .map(|d| d.join(MODEL))
        .filter(|p| p.is_file());
    let Some(model) = found else {
        panic!(
            "failreel: cannot find the face model {MODEL} of the rustface crate; \
             run `cargo fetch` and build again"
        );
    };
    println!("cargo:rerun-if-changed={}", model.display());
    std::fs::copy(&model, out.join("seeta_fd_frontal_v1.0.bin"))
        .unwrap_or_else(|e| panic!("failreel: copying {}: {e}", model.display()));
}

/// The folder of the rustface package this build uses: Cargo's registry copy first (no
/// process to run), then `cargo metadata`'s manifest path (a vendored or patched copy).
fn rustface_dir() -> Option<PathBuf> {
    let version = "0.1.7";
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    if let Some(src) = home.map(|h| h.join("registry").join("src")) {
        if let Ok(registries) = std::fs::read_dir(src) {
            for r in registries.flatten() {
                let d = r.path().join(format!("rustface-{version}"));
                if d.join(MODEL).is_file() {
                    return Some(d);
                }
            }
        }
    }
    let cargo = std::env::var_os("CARGO")?;
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(Path::new(&manifest).join("Cargo.toml"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // Each package's "manifest_path":"…/Cargo.toml"; rustface's folder is named after it.
    text.split("\"manifest_path\":\"").skip(1).find_map(|rest| {
        let path = PathBuf::from(rest.split('"').next()?);
        let dir = path.parent()?;
        let name = dir.file_name()?.to_string_lossy().into_owned();
        (name == "rustface" || name.starts_with("rustface-")).then(|| dir.to_path_buf())
    })
}

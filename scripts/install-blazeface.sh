#!/usr/bin/env bash
# Installs the weights of the reframe pass's second face detector (mediapipe's BlazeFace
# full-range model, Apache-2.0) when they are missing. They come from the PyPI wheel
# mediapipe 0.10.14 (Apache-2.0), which ships them as
# mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite; pip fetches the
# wheel (about 35 MB, any platform's: only this one file is taken out of it) and the file is
# copied into $FAILREEL_BLAZEFACE_DIR, else $XDG_DATA_HOME/failreel/blazeface, else
# ~/.local/share/failreel/blazeface, where failreel reads it. Without it `--focus auto`
# finds faces with its first detector alone and says so in the plan. Never fatal.
set -uo pipefail

. "$(dirname "$0")/weights-lib.sh"
dir="$(weights_dir blazeface "${FAILREEL_BLAZEFACE_DIR:-}")"
if [ -z "$dir" ]; then
  echo "failreel: no HOME, XDG_DATA_HOME or FAILREEL_BLAZEFACE_DIR: --focus auto will use its first face detector alone" >&2
  exit 0
fi
file="face_detection_full_range_sparse.tflite"
sum="2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"
if [ -s "$dir/$file" ] && [ "$(sha256 "$dir/$file")" = "$sum" ]; then
  exit 0
fi
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
  echo "failreel: python3 -m pip not found: --focus auto will use its first face detector alone" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "failreel: fetching the second face detector's weights (PyPI mediapipe 0.10.14, BlazeFace)" >&2
# The file is the same in every platform's wheel: take the manylinux one whatever the host.
if ! python3 -m pip download --no-deps --quiet --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_17_x86_64 -d "$tmp" "mediapipe==0.10.14" >&2; then
  echo "failreel: could not fetch them: --focus auto will use its first face detector alone" >&2
  exit 0
fi
mkdir -p "$dir"
python3 - "$tmp" "$dir" "$file" "$sum" <<'PY'
import glob, hashlib, os, sys, zipfile
tmp, out, name, want = sys.argv[1:5]
whl = glob.glob(os.path.join(tmp, "mediapipe-0.10.14-*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    blob = z.read("mediapipe/modules/face_detection/" + name)
if hashlib.sha256(blob).hexdigest() != want:
    sys.exit("failreel: the BlazeFace weights in the wheel are not the expected ones; not installed")
with open(os.path.join(out, name + ".part"), "wb") as f:
    f.write(blob)
os.replace(os.path.join(out, name + ".part"), os.path.join(out, name))
print(f"failreel: second face detector installed in {out}", file=sys.stderr)
PY
exit 0

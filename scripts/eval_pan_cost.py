#!/usr/bin/env python3
"""What a moving window costs x264: `--focus auto` against a fixed window at the same place.

For each clip the reframe pass runs once first (a dry run; its result is cached), so neither
render pays for the analysis: what differs is only that the window moves. The fixed window
sits at the auto path's time-weighted median position (`--focus F`), so both reels show about
the same picture. Reported per clip: CPU seconds (user + system of the render process) and
wall seconds, medians over --runs pairs (auto and fixed alternating), their ratios, and the
reels' sizes. With --centred, a `--focus center` render too (what the issue compares against:
it shows another part of the picture, so its cost differs by content as well as by motion).

usage: scripts/eval_pan_cost.py [--bin target/release/failreel] [--runs 3] [--centred] CLIP...
       (clip arguments may be FILE or FILE@START-END in seconds)
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def dry_plan(binary, clip, trim, focus):
    args = [binary, "render", clip, "--dry-run", "--json", "--focus", focus] + trim
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        d = json.loads(line)
        p = d.get("plan")
        if isinstance(p, dict) and "video" in p:
            return p
    raise SystemExit(f"no plan for {clip}")


def median_focus(plan):
    """The time-weighted median window position of the plan's path, as a --focus value."""
    v = plan["video"]
    keys = v["crop_path"]
    width = v["rotated_size"][0]
    win = keys[0]["rect"]["width"]
    room = max(width - win, 1)
    frames, fps = v["frames"], v["fps"]
    end = frames * 1_000_000 // fps
    xs = []
    for i in range(frames):
        t = i * 1_000_000 // fps
        # Last key at or before t, linear to the next (as the render does, roughly).
        j = max(k for k in range(len(keys)) if keys[k]["t"] <= t) if keys[0]["t"] <= t else 0
        a = keys[j]
        b = keys[j + 1] if j + 1 < len(keys) else a
        if b["t"] > a["t"] and a["rect"]["width"] == b["rect"]["width"]:
            f = (t - a["t"]) / (b["t"] - a["t"])
            x = a["rect"]["x"] + (b["rect"]["x"] - a["rect"]["x"]) * f
        else:
            x = a["rect"]["x"]
        if a["rect"]["width"] == win:
            xs.append(x)
    del end
    if not xs:
        return 0.5, 0
    moving = sum(1 for p, q in zip(xs, xs[1:]) if abs(q - p) >= 1)
    return min(max(statistics.median(xs) / room, 0.0), 1.0), moving


def timed_render(binary, clip, trim, focus, out):
    args = [binary, "render", clip, "--focus", focus, "--force", "-q", "-o", out] + trim
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(args, check=True, capture_output=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, os.path.getsize(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/failreel")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--centred", action="store_true", help="also against --focus center")
    ap.add_argument("clips", nargs="+")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.clips:
            clip, trim = spec, []
            if "@" in spec:
                clip, rng = spec.rsplit("@", 1)
                s, e = rng.split("-")
                trim = ["--start", s, "--end", e]
            else:
                trim = ["--start", "0"]
            plan = dry_plan(a.bin, clip, trim, "auto")
            focus, moving = median_focus(plan)
            shots = [s["camera"] for s in plan["video"].get("reframe", {}).get("shots", [])]
            res = {"auto": [], "fixed": []}
            kinds = [("auto", "auto"), ("fixed", f"{focus:.4f}")]
            if a.centred:
                res["centred"] = []
                kinds.append(("centred", "center"))
            for _ in range(a.runs):
                for kind, f in kinds:
                    out = os.path.join(tmp, f"{kind}.mp4")
                    res[kind].append(timed_render(a.bin, clip, trim, f, out))
            med = {k: [statistics.median(r[i] for r in v) for i in range(3)] for k, v in res.items()}
            row = {
                "clip": os.path.basename(clip) + (f"@{trim[1]}-{trim[3]}" if len(trim) == 4 else ""),
                "shots": shots,
                "frames_moving": moving,
                "frames": plan["video"]["frames"],
                "fixed_focus": round(focus, 3),
                "cpu_auto": round(med["auto"][0], 2),
                "cpu_fixed": round(med["fixed"][0], 2),
                "cpu_ratio": round(med["auto"][0] / med["fixed"][0], 3),
                "wall_ratio": round(med["auto"][1] / med["fixed"][1], 3),
                "size_ratio": round(med["auto"][2] / med["fixed"][2], 3),
            }
            if a.centred:
                row["cpu_centred"] = round(med["centred"][0], 2)
                row["cpu_ratio_centred"] = round(med["auto"][0] / med["centred"][0], 3)
                row["size_ratio_centred"] = round(med["auto"][2] / med["centred"][2], 3)
            rows.append(row)
            if not a.json:
                print(
                    f"{row['clip']:32s} moving {moving:4d}/{row['frames']} frames  "
                    f"CPU {row['cpu_auto']:.1f}/{row['cpu_fixed']:.1f} s = {row['cpu_ratio']:.2f}x  "
                    f"wall {row['wall_ratio']:.2f}x  size {row['size_ratio']:.2f}x  {shots}"
                    + (
                        f"  against centred: CPU {row['cpu_ratio_centred']:.2f}x"
                        f" size {row['size_ratio_centred']:.2f}x"
                        if a.centred
                        else ""
                    ),
                    flush=True,
                )
    if a.json:
        json.dump(rows, sys.stdout, indent=1)


if __name__ == "__main__":
    main()

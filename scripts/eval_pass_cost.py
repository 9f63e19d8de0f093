#!/usr/bin/env python3
"""What the reframe pass (`--focus auto`) adds to a render: the same render with the pass
against the same render with its result cached.

Each pair runs in a cache folder of its own (FAILREEL_CACHE_DIR) that a first render fills
(every pass: reframe, loudness); then, alternating, a render after only the reframe entries
are removed (it runs the pass again) and a render with everything cached. Reported per clip:
medians over --runs pairs of the CPU seconds (user + system) and wall seconds of both, and
their ratios.

usage: scripts/eval_pass_cost.py [--bin target/release/failreel] [--runs 5] CLIP[@START-END]...
"""

import argparse
import glob
import os
import resource
import statistics
import subprocess
import tempfile
import time


def render(binary, clip, trim, out, env):
    args = [binary, "render", clip, "--focus", "auto", "--force", "-q", "-o", out] + trim
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(args, check=True, capture_output=True, env=env)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/failreel")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("clips", nargs="+")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.clips:
            clip, trim = spec, ["--start", "0"]
            if "@" in spec:
                clip, rng = spec.rsplit("@", 1)
                s, e = rng.split("-")
                trim = ["--start", s, "--end", e]
            cache = os.path.join(tmp, "cache-" + os.path.basename(clip))
            env = dict(os.environ, FAILREEL_CACHE_DIR=cache)
            out = os.path.join(tmp, "reel.mp4")
            render(a.bin, clip, trim, out, env)
            with_pass, cached = [], []
            for _ in range(a.runs):
                for f in glob.glob(os.path.join(cache, "reframe-*.json")):
                    os.remove(f)
                with_pass.append(render(a.bin, clip, trim, out, env))
                cached.append(render(a.bin, clip, trim, out, env))
            med = lambda rows, i: statistics.median(r[i] for r in rows)
            cpu_p, cpu_c = med(with_pass, 0), med(cached, 0)
            wall_p, wall_c = med(with_pass, 1), med(cached, 1)
            pairs = sorted(p[1] / c[1] for p, c in zip(with_pass, cached))
            name = os.path.basename(clip) + ("" if trim == ["--start", "0"] else f"@{trim[1]}-{trim[3]}")
            print(
                f"{name:34s} CPU {cpu_p:6.2f} / {cpu_c:6.2f} s = {cpu_p / cpu_c:.3f}x   "
                f"wall {wall_p:6.2f} / {wall_c:6.2f} s = {wall_p / wall_c:.3f}x "
                f"(pairs {pairs[0]:.2f}-{pairs[-1]:.2f})",
                flush=True,
            )


if __name__ == "__main__":
    main()

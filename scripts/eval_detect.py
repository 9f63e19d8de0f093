#!/usr/bin/env python3
"""Evaluates `failreel detect` on the corpus built by scripts/make_corpus.py, beside two
twenty-line baselines run on the same decoded sound, and times it against a plain decode.

    python3 scripts/eval_detect.py [--bin target/release/failreel] [--corpus target/detect-corpus]
                                   [--part dev|heldout|heldoutb|heldoutc|heldoutd|heldoute|heldoutf|heldoutg|tune|all] [--no-time] [--per-clip] [--save out.json]

Measures (an event's onset is its truth `t`; an alarm caught mid-cycle also counts at its
first beep heard, `first_heard`):
- top hit: the clip's top moment is within 0.5 s of an onset (per clip);
- found: an event has one of the clip's top k moments within 0.5 s, k = the clip's number of
  events (per event: the measure of "finds the fail");
- any: an event has any reported moment within 0.5 s;
- false/min: reported moments not within 0.5 s of any onset, per minute of footage.
Baselines, on mono 16 kHz from ffmpeg, each reporting its best 5 moments at least 3 s apart:
(a) the loudest 50 ms window; (b) the largest jump of the 50 ms level (dB) over its median
of the 2 s before. Cost: wall time of `failreel detect` (cache emptied) against
`ffmpeg -i clip -f null -`, per clip and in total.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

TOL = 0.5
SR = 16000


def audio(path):
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-vn", "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(out, np.float32).astype(np.float64)


def nms(score, hop_s, k=5, gap_s=3.0):
    """The best k frames of `score`, at least gap_s apart, as seconds."""
    order = np.argsort(-score)
    picked = []
    for i in order:
        t = i * hop_s
        if all(abs(t - p) >= gap_s for p in picked):
            picked.append(t)
            if len(picked) == k:
                break
    return picked


def rms50(x):
    n, hop = SR // 20, SR // 100
    c = np.concatenate([[0.0], np.cumsum(x * x)])
    m = (len(x) - n) // hop + 1
    idx = np.arange(m) * hop
    return np.sqrt(np.maximum(c[idx + n] - c[idx], 0) / n + 1e-12)


def baseline_loudest(x):
    """(a) The loudest 50 ms windows (their start)."""
    return nms(rms50(x), 0.01)


def baseline_jump(x):
    """(b) The largest rise of the 50 ms level (dB) over the median of the 2 s before."""
    db = 20 * np.log10(rms50(x))
    med = np.array([np.median(db[max(0, i - 200): i]) if i > 0 else db[0] for i in range(0, len(db))])
    return nms(db - med, 0.01)


def detector(bin_path, clip, cache):
    env = dict(os.environ, FAILREEL_CACHE_DIR=cache)
    t0 = time.perf_counter()
    out = subprocess.run([bin_path, "detect", "--json", "--top", "5", clip], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    line = next((l for l in out.stdout.splitlines() if l.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"detect failed on {clip}: {out.stderr or out.stdout}")
    d = json.loads(line)
    return [m["t"] for m in d["moments"]], d["moments"], wall


def decode_time(clip):
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-i", clip, "-f", "null", "-"], check=True)
    return time.perf_counter() - t0


def onsets(e):
    return [e["t"]] + ([e["first_heard"]] if e.get("first_heard") is not None else [])


def score(clip, moments):
    ev = clip["events"]
    k = len(ev)
    near = lambda t, e: any(abs(t - o) <= TOL for o in onsets(e))
    top = bool(moments) and any(near(moments[0], e) for e in ev)
    found = [any(near(t, e) for t in moments[:k]) for e in ev]
    anyf = [any(near(t, e) for t in moments) for e in ev]
    false = sum(1 for t in moments if not any(near(t, e) for e in ev))
    return {"top": top, "found": found, "any": anyf, "false": false}


def band(level):
    if level is None:
        return "no sound (knock)"
    if level > 0:
        return "quiet room (+0..+12 dB)"
    if level >= -3:
        return "0 to -3 dB"
    if level >= -6:
        return "-6 dB"
    return "-9 to -12 dB"


def summary(clips, results, names):
    """Rows of (group, n events, per method: found %, top %, any %, false/min)."""
    groups = {}
    for c in clips:
        for i, e in enumerate(c["events"]):
            for g in ("all", "kind: " + e["kind"], "level: " + band(e["level_db"])):
                groups.setdefault(g, []).append((c, i))
    minutes = sum(c["duration_s"] for c in clips) / 60
    rows = []
    for g, members in sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        row = [g, len(members)]
        for m in names:
            found = np.mean([results[c["clip"]][m]["found"][i] for c, i in members])
            anyf = np.mean([results[c["clip"]][m]["any"][i] for c, i in members])
            row.append((found, anyf))
        rows.append(row)
    top = {m: np.mean([results[c["clip"]][m]["top"] for c in clips]) for m in names}
    false = {m: sum(results[c["clip"]][m]["false"] for c in clips) / minutes for m in names}
    return rows, top, false, minutes


def print_table(title, clips, results, names):
    rows, top, false, minutes = summary(clips, results, names)
    print(f"\n### {title}: {len(clips)} clips, {sum(len(c['events']) for c in clips)} events, {minutes:.1f} min")
    print("| events | n | " + " | ".join(f"{m} found (any)" for m in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for r in rows:
        print(f"| {r[0]} | {r[1]} | " + " | ".join(f"{100 * f:.0f}% ({100 * a:.0f}%)" for f, a in r[2:]) + " |")
    print("| top moment right (clips) | | " + " | ".join(f"{100 * top[m]:.0f}%" for m in names) + " |")
    print("| false moments / min | | " + " | ".join(f"{false[m]:.1f}" for m in names) + " |")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(repo, "target", "release", "failreel"))
    ap.add_argument("--corpus", default=os.path.join(repo, "target", "detect-corpus"))
    ap.add_argument("--part", default="tune", choices=["dev", "heldout", "heldoutb", "heldoutc", "heldoutd", "heldoute", "heldoutf", "heldoutg", "tune", "all"],
                    help="tune = dev, A, B and C (all looked at by now); heldoutf (F) is the sixth round's clean part, run once, at its end (its own corpus folder: --corpus target/detect-corpus-f); heldoutg (G) the eighth round's, likewise (--corpus target/detect-corpus-g)")
    ap.add_argument("--no-time", action="store_true", help="skip the plain-decode timing")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--no-detect", action="store_true",
                    help="baselines only (they are not tuned, so they may run on a clean part)")
    ap.add_argument("--per-clip", action="store_true")
    ap.add_argument("--only", default=None, help="comma-separated clip names")
    ap.add_argument("--save", default=None, help="write the raw results as JSON")
    a = ap.parse_args()
    truth = json.load(open(os.path.join(a.corpus, "truth.json")))
    tune = ("dev", "heldout", "heldoutb", "heldoutc")
    clips = [c for c in truth["clips"] if a.part in ("all", c["part"]) or (a.part == "tune" and c["part"] in tune)]
    if a.only:
        keep = set(a.only.split(","))
        clips = [c for c in clips if c["clip"].split(".")[0] in keep or c["clip"] in keep]
    names = ([] if a.no_detect else ["detect"]) + ([] if a.no_baselines else ["loudest 50 ms", "energy jump"])
    results, raw = {}, {}
    t_det = t_dec = 0.0
    with tempfile.TemporaryDirectory() as cache:
        for c in clips:
            path = os.path.join(a.corpus, "clips", c["clip"])
            if a.no_detect:
                ts, moments, wall = [], [], 0.0
                r, raw[c["clip"]] = {}, {}
            else:
                ts, moments, wall = detector(a.bin, path, cache)
                r = {"detect": score(c, ts)}
                raw[c["clip"]] = {"detect": moments, "detect_s": wall}
            if not a.no_baselines:
                x = audio(path)
                for m, f in (("loudest 50 ms", baseline_loudest), ("energy jump", baseline_jump)):
                    bt = f(x)
                    r[m] = score(c, bt)
                    raw[c["clip"]][m] = bt
            dec = None
            if not a.no_time and not a.no_detect:
                dec = decode_time(path)
                t_det += wall
                t_dec += dec
                raw[c["clip"]]["decode_s"] = dec
            results[c["clip"]] = r
            if a.per_clip:
                ev = ", ".join(f"{e['kind']}@{e['t']:.2f}({e['level_db']})" for e in c["events"])
                got = ", ".join(f"{m['t']:.2f}:{m['score']:.2f}:{'/'.join(m['why'])}" for m in moments)
                marks = " ".join(f"{m}={'Y' if r[m]['top'] else '-'}" for m in names)
                cost = f" {wall:.2f}s/{dec:.2f}s={wall / dec:.2f}x" if dec else f" {wall:.2f}s"
                print(f"{c['clip']:14s} {marks} [{c['bed'][:28]}] truth {ev} | got {got}{cost}", flush=True)
    for part in ("dev", "heldout", "heldoutb", "heldoutc", "heldoutd", "heldoute", "heldoutf", "heldoutg"):
        sel = [c for c in clips if c["part"] == part]
        if sel:
            print_table(part, sel, results, names)
    if not a.no_time and t_dec > 0:
        ratios = [raw[c["clip"]]["detect_s"] / raw[c["clip"]]["decode_s"] for c in clips]
        print(f"\ncost: detect {t_det:.1f} s, plain decode {t_dec:.1f} s over {len(clips)} clips: "
              f"{t_det / t_dec:.2f}x in total, per clip median {np.median(ratios):.2f}x, max {max(ratios):.2f}x")
    if a.save:
        json.dump({"results": results, "raw": raw}, open(a.save, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Side-by-side benchmark: failreel against the ffmpeg CLI doing the identical job.

For each input, failreel's own plan (`render --dry-run --json`) gives the trim, crop window and
card times; the ffmpeg command is built from it: same input and trim, same crop, scale to
1080x1920 at 30 fps converting the colours as the plan does (the source's matrix and range to
the BT.709 limited range both tools tag), the two cards as drawtext with the same times (boxed,
same font), x264 with the same preset, CRF, profile, level and keyframe interval, AAC 48 kHz
stereo, faststart. The tools run alternately, several times; medians of wall time and peak
resident memory (from wait4) are printed; the wall ratio is the median of the run-by-run ratios
(each pair of runs shares the machine's momentary speed).

Peers: the system ffmpeg (Debian's 5.1, the same libav failreel links) and the static ffmpeg
that PyPI's imageio-ffmpeg ships (9.x), when installed (`pip install imageio-ffmpeg`). A peer
that is absent is skipped.

The 4K input is a 60 fps HEVC clip written the way phones write them (x265 with
`bframes=3:b-adapt=0:b-pyramid=1:temporal-layers=1:keyint=60:open-gop=0`): reference frames
exactly on the 30 fps grid, every other frame a non-reference frame on its own temporal layer.
For a 30 fps reel those need not be decoded. The row "faster CLI" is the median of the run-by-run
ratios against whichever CLI was faster in that run.

`--baseline PATH` adds another failreel binary as a peer (same command, alternate runs): the
cleanest before/after figure. `--no-cli` leaves the ffmpeg CLIs out; `--only 1080p,640x360`
picks inputs by a part of their label.

`--presets N`: N paired runs of the last input (the 4K60 phone-like clip) to tiktok, reels and
shorts in one failreel run (one decode, issue 15) against the three CLI jobs run one after the
other (each from its preset's own plan).

Usage: scripts/bench_vs_ffmpeg.py [--runs 5] [--quick] [--batch 8] [--cards 10] [--cores 1,2] [--no-single]
       [--baseline /work/baseline/failreel] [--no-cli] [--only LABEL,...] [--presets 3]
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAILREEL = os.path.join(ROOT, "target", "release", "failreel")
MEDIA = os.path.join(ROOT, "target", "bench-media")
FONT = os.path.join(ROOT, "assets", "fonts", "NotoSans-Bold.ttf")
WENT_WRONG = "Oil was smoking before the garlic went in"
LESSON = "Heat the pan on medium, not high"


def run_measured(cmd, cores=None):
    """Runs cmd; returns (wall seconds, peak RSS in MiB of the process tree's largest child)."""
    if cores:
        cmd = ["taskset", "-c", cores] + cmd
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, ru.ru_maxrss / 1024.0


def peers():
    found = []
    sys_ff = shutil.which("ffmpeg")
    if sys_ff:
        ver = subprocess.run([sys_ff, "-version"], capture_output=True, text=True).stdout.split()[2]
        found.append((f"ffmpeg {ver.split('-')[0]} (system)", sys_ff))
    try:
        import imageio_ffmpeg  # noqa: PLC0415

        exe = imageio_ffmpeg.get_ffmpeg_exe()
        ver = subprocess.run([exe, "-version"], capture_output=True, text=True).stdout.split()[2]
        found.append((f"ffmpeg {ver.split('-')[0].lstrip('n')} (imageio-ffmpeg)", exe))
    except Exception:  # noqa: BLE001
        print("note: imageio-ffmpeg not installed; skipping the ffmpeg 9 peer", file=sys.stderr)
    return found


def make_media(quick):
    """The inputs: the real clip, and generated 1080p and 4K60 HEVC clips (cached)."""
    os.makedirs(MEDIA, exist_ok=True)
    inputs = []
    real = os.path.join(ROOT, "..", "shared", "media", "reaction_640x360.mp4")
    if not os.path.exists(real):
        real = os.path.join(ROOT, "assets", "samples", "reaction.mp4")
    inputs.append(("real 640x360 h264", real, ["--start", "2", "--end", "12"]))
    hd = os.path.join(MEDIA, "hevc_1080p30.mp4")
    if not os.path.exists(hd):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=12",
                        "-f", "lavfi", "-i", "sine=frequency=330:d=12", "-c:v", "libx265", "-preset", "fast",
                        "-x265-params", "log-level=error", "-pix_fmt", "yuv420p", "-tag:v", "hvc1",
                        "-c:a", "aac", hd], check=True)
    inputs.append(("1080p30 hevc", hd, ["--start", "1", "--end", "11"]))
    if not quick:
        uhd = os.path.join(MEDIA, "hevc_2160p60_phone.mp4")
        if not os.path.exists(uhd):
            tmp = uhd + ".tmp.mp4"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=3840x2160:r=60:d=6",
                            "-f", "lavfi", "-i", "sine=frequency=330:d=6", "-c:v", "libx265", "-preset",
                            "ultrafast", "-x265-params",
                            "log-level=error:bframes=3:b-adapt=0:b-pyramid=1:temporal-layers=1:keyint=60:open-gop=0",
                            "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", tmp], check=True)
            os.rename(tmp, uhd)
        inputs.append(("2160p60 hevc phone-like", uhd, ["--start", "0.5", "--end", "5.5"]))
    return inputs


# The CLI crops one fixed window, so failreel is asked for the same job: a centred window
# (`--focus auto`, the default for landscape input, is measured against it with --focus auto).
FOCUS = ["--focus", "center"]
# "static": the peer's cards are plain drawtext boxes shown at once (the original job);
# "same": they also carry the plan's animation (fade or slide, as alpha and y expressions of t)
# and the look's text outline (borderw), so x264 gets a picture that moves like failreel's.
PEER_LOOK = ["static"]


def plan_of(inp, trim, preset="tiktok"):
    out = subprocess.run([FAILREEL, "render", *FOCUS, inp, *trim, "--went-wrong", WENT_WRONG, "--lesson", LESSON,
                          "--preset", preset, "--dry-run", "--json", "-o", "/tmp/x.mp4"],
                         capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        v = json.loads(line)
        if v.get("event") == "plan":
            return v["plan"]
    sys.exit(f"no plan for {inp}")


def ffmpeg_cmd(exe, inp, plan, out, textdir):
    # The plan's shape: one segment (input + trim), one output (its encoder), a crop path.
    v = plan["video"]
    e = plan["outputs"][0]["encoder"] if "outputs" in plan else plan["encoder"]
    trim = plan["segments"][0]["trim"] if "segments" in plan else plan["trim"]
    start = trim["start"] / 1e6
    dur = (trim["end"] - trim["start"]) / 1e6
    chain = []
    rot = v["rotation"]
    if rot == 90:
        chain.append("transpose=clock")
    elif rot == 180:
        chain.append("hflip,vflip")
    elif rot == 270:
        chain.append("transpose=cclock")
    c = v["crop_path"][0]["rect"] if "crop_path" in v else v["crop"]
    chain.append(f"crop={c['width']}:{c['height']}:{c['x']}:{c['y']}")
    # The colour conversion failreel's plan does (its filter chain's scale): the source's matrix
    # and range to the BT.709 limited range both tools tag. Without it the CLI tagged BT.601
    # footage BT.709 unconverted (its colours shift); for BT.709 sources it changes nothing.
    col = v.get("color", {})
    matrix = col.get("matrix", "bt709") if col.get("transfer", "sdr") == "sdr" else "bt709"
    rng = "pc" if col.get("full_range") else "tv"
    chain.append(f"scale={v['width']}:{v['height']}:flags=bicubic:in_color_matrix={matrix}:out_color_matrix=bt709:"
                 f"in_range={rng}:out_range=tv,format=yuv420p,fps={v['fps']}")
    cards = [o for o in plan["overlays"] if o["role"] in ("went_wrong", "lesson")]
    for i, card in enumerate(cards):
        path = os.path.join(textdir, f"card{i}.txt")
        with open(path, "w") as f:
            f.write(card["heading"] + "\n" + card["text"])
        at, until = card["at"] / 1e6, card["until"] / 1e6
        y = 300 if card["position"] == "top" else 1100
        look = ""
        if PEER_LOOK[0] == "same":
            # The plan's animation as failreel draws it (src/plan/overlay.rs): progress p rises
            # over in_length and falls over out_length; fade: alpha p; slide: alpha min(1, 1.5p)
            # and a 64 px offset eased away (smoothstep), upwards for a top card.
            parts = ["1"]
            if card["in_length"] > 0:
                parts.append(f"(t-{at})/{card['in_length'] / 1e6}")
            if card["out_length"] > 0:
                parts.append(f"({until}-t)/{card['out_length'] / 1e6}")
            prog = "clip(" + ("min(" + ",".join(parts) + ")" if len(parts) > 1 else "1") + ",0,1)"
            anim = card.get("animation", "none")
            if anim == "fade":
                look = f":alpha='{prog}'"
            elif anim == "slide":
                d = 1 if card["position"] == "top" else -1
                ease = f"({prog})*({prog})*(3-2*({prog}))"
                y = f"'{y}+{d}*round((1-{ease})*64)'"
                look = f":alpha='min(1,1.5*{prog})'"
            look += ":borderw=2:bordercolor=black"
        chain.append(
            f"drawtext=fontfile={FONT}:textfile={path}:expansion=none:fontsize=60:fontcolor=white:"
            f"box=1:boxcolor=black@0.68:boxborderw=34:x=(w-tw)/2:y={y}{look}:enable='between(t,{at},{until})'")
    return [exe, "-hide_banner", "-v", "error", "-y", "-ss", f"{start}", "-t", f"{dur}", "-i", inp,
            "-vf", ",".join(chain), "-c:v", "libx264", "-preset", e["preset"], "-crf", str(e["crf"]),
            "-profile:v", "high", "-level", e["level"], "-g", str(e["keyframe_interval"]),
            "-keyint_min", str(e["keyframe_interval"]), "-sc_threshold", "0",
            "-x264-params", f"vbv-maxrate={e['max_bitrate_kbps']}:vbv-bufsize={2 * e['max_bitrate_kbps']}",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
            "-c:a", "aac", "-b:a", f"{e['audio_bitrate_kbps']}k", "-ar", str(e["sample_rate"]), "-ac", "2",
            "-map_metadata", "-1", "-movflags", "+faststart", out]


def median(xs):
    return statistics.median(xs)


def bench_single(inputs, found, runs, cores, rows, baseline=None):
    with tempfile.TemporaryDirectory() as tmp:
        for label, inp, trim in inputs:
            plan = plan_of(inp, trim)
            args = [inp, *trim, "--went-wrong", WENT_WRONG, "--lesson", LESSON, "--force", "--quiet"]
            cmds = {"failreel": [FAILREEL, "render", *FOCUS, *args, "-o", os.path.join(tmp, "fr.mp4")]}
            for name, exe in found:
                cmds[name] = ffmpeg_cmd(exe, inp, plan, os.path.join(tmp, "ff.mp4"), tmp)
            if baseline:
                cmds["failreel baseline"] = [baseline, "render", *FOCUS, *args, "-o", os.path.join(tmp, "base.mp4")]
            res = {k: ([], []) for k in cmds}
            for _ in range(runs):
                for name, cmd in cmds.items():  # alternate the tools run by run
                    w, m = run_measured(cmd, cores)
                    res[name][0].append(w)
                    res[name][1].append(m)
            fr_w, fr_m = median(res["failreel"][0]), median(res["failreel"][1])
            peers_here = [n for n in cmds if n != "failreel"]
            for name in peers_here:
                w, m = median(res[name][0]), median(res[name][1])
                # The ratio is the median of run-by-run ratios: a run pair shares the machine's
                # momentary speed, which drifts by ±10% on a shared VM.
                paired = median([a / b for a, b in zip(res["failreel"][0], res[name][0])])
                rows.append((f"one reel, {label}", cores or "all", f"{name} ({runs} runs)", fr_w, w, paired,
                             fr_m, m, fr_m / m))
            if len(found) > 1:
                fastest = [min(res[n][0][i] for n, _ in found) for i in range(runs)]
                paired = median([a / b for a, b in zip(res["failreel"][0], fastest)])
                rows.append((f"one reel, {label}", cores or "all", f"faster CLI ({runs} runs)", fr_w,
                             median(fastest), paired, float("nan"), float("nan"), float("nan")))
            print(f"# {label}: failreel {fr_w:.2f} s {fr_m:.0f} MiB; "
                  + "; ".join(f"{n} {median(res[n][0]):.2f} s {median(res[n][1]):.0f} MiB" for n in peers_here),
                  file=sys.stderr)


def bench_batch(inputs, found, n, runs, cores, rows):
    label, inp, trim = inputs[1] if len(inputs) > 1 else inputs[0]
    plan = plan_of(inp, trim)
    with tempfile.TemporaryDirectory() as tmp:
        clips = []
        for i in range(n):
            p = os.path.join(tmp, f"clip{i}.mp4")
            shutil.copy(inp, p)
            clips.append(p)
        outdir = os.path.join(tmp, "out")
        fr = [FAILREEL, "render", *FOCUS, *clips, *trim, "--went-wrong", WENT_WRONG, "--lesson", LESSON,
              "--out-dir", outdir, "--force", "--quiet"]
        for name, exe in found:
            if "system" not in name:
                continue
            script = os.path.join(tmp, "seq.sh")
            with open(script, "w") as f:
                for i, c in enumerate(clips):
                    f.write(shlex.join(ffmpeg_cmd(exe, c, plan, os.path.join(tmp, f"ff{i}.mp4"), tmp)) + "\n")
            fw, fm, sw, sm = [], [], [], []
            for _ in range(runs):
                w, m = run_measured(fr, cores)
                fw.append(w)
                fm.append(m)
                w, m = run_measured(["sh", script], cores)
                sw.append(w)
                sm.append(m)
            a, b = median(fw), median(sw)
            paired = median([x / y for x, y in zip(fw, sw)])
            rows.append((f"batch of {n}, {label} (throughput = inverse ratio)", cores or "all", name + " sequential",
                         a, b, paired, median(fm), median(sm), median(fm) / median(sm)))
            print(f"# batch: failreel {a:.2f} s, sequential {name} {b:.2f} s: throughput x{b / a:.2f}", file=sys.stderr)


PRESETS = ["tiktok", "reels", "shorts"]


def bench_presets(inputs, found, runs, cores, rows, baseline=None):
    """The same clip to three presets (issue 15): one failreel run with
    `--preset tiktok,reels,shorts` (one decode, one pipeline) against three CLI runs of the same
    jobs one after the other (each preset's own plan: cards, audio bitrate), paired run by run.
    With --baseline, that binary's multi-preset run is a peer too."""
    label, inp, trim = inputs[-1]
    with tempfile.TemporaryDirectory() as tmp:
        fr = [FAILREEL, "render", *FOCUS, inp, *trim, "--went-wrong", WENT_WRONG, "--lesson", LESSON,
              "--preset", ",".join(PRESETS), "--out-dir", os.path.join(tmp, "fr"), "--force", "--quiet"]
        cmds = {"failreel": fr}
        for name, exe in found:
            script = os.path.join(tmp, f"seq-{len(cmds)}.sh")
            with open(script, "w") as f:
                for preset in PRESETS:
                    plan = plan_of(inp, trim, preset)
                    out = os.path.join(tmp, f"ff-{preset}.mp4")
                    f.write(shlex.join(ffmpeg_cmd(exe, inp, plan, out, tmp)) + "\n")
            cmds[name + ", 3 runs in a row"] = ["sh", script]
        if baseline:
            cmds["failreel baseline"] = [baseline] + [os.path.join(tmp, "base") if a == os.path.join(tmp, "fr")
                                                       else a for a in fr[1:]]
        res = {k: ([], []) for k in cmds}
        for _ in range(runs):
            for name, cmd in cmds.items():
                w, m = run_measured(cmd, cores)
                res[name][0].append(w)
                res[name][1].append(m)
        fr_w, fr_m = median(res["failreel"][0]), median(res["failreel"][1])
        job = f"{label} -> tiktok,reels,shorts in one run"
        for name in [n for n in cmds if n != "failreel"]:
            w, m = median(res[name][0]), median(res[name][1])
            paired = median([a / b for a, b in zip(res["failreel"][0], res[name][0])])
            rows.append((job, cores or "all", f"{name} ({runs} runs)", fr_w, w, paired, fr_m, m, fr_m / m))
        cli = [n for n in cmds if n.startswith("ffmpeg")]
        if len(cli) > 1:
            fastest = [min(res[n][0][i] for n in cli) for i in range(runs)]
            paired = median([a / b for a, b in zip(res["failreel"][0], fastest)])
            rows.append((job, cores or "all", f"faster CLI, 3 runs ({runs} runs)", fr_w, median(fastest), paired,
                         float("nan"), float("nan"), float("nan")))
        print(f"# presets: failreel {fr_w:.2f} s {fr_m:.0f} MiB; "
              + "; ".join(f"{n} {median(res[n][0]):.2f} s" for n in cmds if n != "failreel"), file=sys.stderr)


def bench_cards(runs, cores, rows):
    """The cost of the cards: the same reel with and without its two animated cards, paired
    run by run (the machine's speed drifts; a pair shares it), at the presets' x264 setting."""
    inp = os.path.join(MEDIA, "h264_1080p30_4s.mp4")
    if not os.path.exists(inp):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=4",
                        "-f", "lavfi", "-i", "sine=frequency=330:d=4", "-c:v", "libx264", "-preset", "fast",
                        "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", inp], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = [FAILREEL, "render", *FOCUS, inp, "--force", "--quiet", "-o", os.path.join(tmp, "r.mp4")]
        cards = base + ["--went-wrong", WENT_WRONG + " \U0001f525\U0001f605", "--lesson", LESSON]
        pairs, with_w, without_w = [], [], []
        for _ in range(runs):
            a, _ = run_measured(cards, cores)
            b, _ = run_measured(base, cores)
            with_w.append(a)
            without_w.append(b)
            pairs.append(a / b)
        rows.append(("4 s 1080p reel, two animated cards vs none (median of paired ratios)", cores or "all",
                     "failreel without cards", median(with_w), median(without_w), median(pairs),
                     float("nan"), float("nan"), float("nan")))
        print(f"# cards: {median(with_w):.2f} s with, {median(without_w):.2f} s without; "
              f"median paired ratio {median(pairs):.3f}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--focus", default="center", help="failreel's --focus (center: the CLI's job)")
    ap.add_argument("--quick", action="store_true", help="skip the 4K60 input")
    ap.add_argument("--batch", type=int, default=8, help="clips in the batch comparison (0: none)")
    ap.add_argument("--cores", default="", help="comma list of CPU sets to pin to, e.g. 0,0-1")
    ap.add_argument("--no-single", action="store_true", help="only the batch comparison")
    ap.add_argument("--cards", type=int, default=0, help="paired runs measuring the cards' cost (0: none)")
    ap.add_argument("--baseline", default="", help="another failreel binary to run as a peer")
    ap.add_argument("--no-cli", action="store_true", help="leave the ffmpeg CLIs out (with --baseline)")
    ap.add_argument("--only", default="", help="comma list of parts of input labels to run")
    ap.add_argument("--presets", type=int, default=0,
                    help="paired runs of the last input to tiktok,reels,shorts in one run vs 3 CLI runs (0: none)")
    ap.add_argument("--peer-look", choices=["static", "same"], default="static",
                    help="the CLI's cards: static boxes (default) or with the plan's animation and outline")
    args = ap.parse_args()
    FOCUS[1] = args.focus
    PEER_LOOK[0] = args.peer_look
    if not os.path.exists(FAILREEL):
        sys.exit("build first: cargo build --release")
    found = [] if args.no_cli else peers()
    if not found and not args.baseline:
        sys.exit("no ffmpeg CLI found")
    inputs = make_media(args.quick)
    if args.only:
        inputs = [i for i in inputs if any(part in i[0] for part in args.only.split(","))]
    rows = []
    for cores in (args.cores.split(",") if args.cores else [None]):
        if not args.no_single:
            bench_single(inputs, found, args.runs, cores, rows, args.baseline or None)
        if args.cards:
            bench_cards(args.cards, cores, rows)
        if args.presets:
            bench_presets(inputs, found, args.presets, cores, rows, args.baseline or None)
        if args.batch:
            bench_batch(inputs, found, args.batch, max(1, args.runs // 2), cores, rows)
    print("| job | cores | peer | failreel wall | peer wall | wall ratio | failreel peak MiB | peer peak MiB | memory ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        mem = "| - | - | - |" if r[6] != r[6] else f"| {r[6]:.0f} | {r[7]:.0f} | {r[8]:.2f} |"
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} s | {r[4]:.2f} s | {r[5]:.3f} {mem}")


if __name__ == "__main__":
    main()

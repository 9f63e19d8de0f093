#!/usr/bin/env python3
"""Compare the reels (and preview frames) two failreel binaries make from the same inputs.

    scripts/compare_reels.py [BASELINE] [TARGET] [--only NAME,...] [--keep DIR]

BASELINE defaults to /work/baseline/failreel, TARGET to target/release/failreel. A fixed set of
fixtures is generated with the ffmpeg CLI (cached under $FAILREEL_COMPARE_DIR or
/tmp/failreel-compare), each case is rendered by both binaries with the same flags, and the
reels' `ffmpeg -map 0:v -f framemd5` and `-map 0:a -f framemd5` are compared (preview cases
compare the PNG's decoded pixels the same way). One line per case, `same` or `DIFFERENT`;
the exit status is 1 when anything differs or fails.

The baseline's results are cached by the baseline binary's size and mtime and the case's
flags, so later runs only render with the target.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("FAILREEL_COMPARE_DIR", "/tmp/failreel-compare"))
FIX = WORK / "fixtures"
CACHE = WORK / "baseline-cache"


def ffmpeg(*args):
    cmd = ["ffmpeg", "-hide_banner", "-v", "error", "-y", *args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"fixture command failed: {' '.join(cmd)}\n{r.stderr}")


def x264(*extra):
    return ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra]


def make_fixtures():
    """Every fixture, made once (a fixture already on disk is kept)."""
    FIX.mkdir(parents=True, exist_ok=True)

    def fx(name, fn):
        p = FIX / name
        if not p.exists():
            tmp = FIX / f"tmp.{name}"
            fn(tmp)
            tmp.rename(p)
        return p

    tone = "sine=frequency=440:sample_rate=48000"
    fx("landscape.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=5",
        "-f", "lavfi", "-i", tone, "-t", "5", *x264("-g", "60"),
        "-c:a", "aac", "-shortest", str(p)))
    stored = fx("stored.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=3",
        "-f", "lavfi", "-i", tone, "-t", "3", *x264(), "-c:a", "aac", "-shortest", str(p)))
    fx("rotated.mp4", lambda p: ffmpeg(
        "-i", str(stored), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(p)))
    late_tone = fx("tone1k.wav", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100:d=2", str(p)))
    fx("late.mov", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=5", "-itsoffset", "2.4",
        "-i", str(late_tone), "-map", "0:v", "-map", "1:a", *x264(), "-c:a", "aac", str(p)))
    fx("silent.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=3", *x264(), str(p)))
    fx("vfr.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=3",
        "-vf", "select='lt(n\\,40)+not(mod(n\\,7))+eq(n\\,89)'",
        *x264("-vsync", "vfr"), str(p)))
    sdr = fx("sdr_src.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=2", *x264("-crf", "8"), str(p)))
    fx("hlg.mov", lambda p: ffmpeg(
        "-i", str(sdr), "-vf",
        "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:m=bt2020nc:p=bt2020:r=tv:npl=203,format=yuv420p10le",
        "-c:v", "libx265", "-preset", "ultrafast", "-crf", "8", "-x265-params",
        "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:range=limited",
        "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc",
        "-color_range", "tv", "-tag:v", "hvc1", str(p)))
    fx("sixty.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=60:d=3",
        "-f", "lavfi", "-i", tone, "-t", "3", *x264(), "-c:a", "aac", "-shortest", str(p)))
    fx("narrow.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=600x1920:r=30:d=2",
        "-f", "lavfi", "-i", tone, "-t", "2", *x264(), "-c:a", "aac", "-shortest", str(p)))
    fx("bframes.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=6",
        "-f", "lavfi", "-i", tone, "-t", "6",
        "-c:v", "libx264", "-preset", "medium", "-bf", "3", "-g", "150", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(p)))
    fx("surround.mov", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=3",
        "-f", "lavfi", "-i", "sine=f=440:d=3,pan=5.1|FC=c0|FL=0.3*c0",
        "-map", "0:v", "-map", "1:a", *x264(), "-c:a", "aac", "-t", "3", str(p)))
    fx("quiet.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=3",
        "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100,volume=0.05", "-t", "3",
        *x264(), "-c:a", "aac", "-shortest", str(p)))
    # Phone-like fast sources with non-reference frames (issue 15: the frames a 30 fps reel
    # does not show are not decoded). HEVC the way phones write it: references on the 30 fps
    # grid, the frames between non-reference on their own temporal layer.
    phone = "log-level=error:bframes=3:b-adapt=0:b-pyramid=1:temporal-layers=1:keyint=60:open-gop=0"
    for rate in (60, 120):
        fx(f"phone{rate}_hevc.mp4", lambda p, rate=rate: ffmpeg(
            "-f", "lavfi", "-i", f"testsrc2=s=640x360:r={rate}:d=4", "-f", "lavfi", "-i", tone,
            "-t", "4", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", phone,
            "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", "-shortest", str(p)))
    # H.264 at 60 fps with non-reference B-frames (no pyramid), and at 120 fps with a pyramid.
    fx("h264_60_bframes.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=60:d=4", "-f", "lavfi", "-i", tone,
        "-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-x264-params", "bframes=3:b-pyramid=none:keyint=120", "-c:a", "aac", "-shortest", str(p)))
    fx("h264_120.mp4", lambda p: ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=120:d=4", "-f", "lavfi", "-i", tone,
        "-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-x264-params", "bframes=3:b-pyramid=normal:keyint=240", "-c:a", "aac", "-shortest", str(p)))
    for anim in ["slide", "pop", "fade", "none"]:
        pre = FIX / f"anim_{anim}.toml"
        if not pre.exists():
            pre.write_text(f'[cards]\nanimation = "{anim}"\nanimation_s = 0.4\n')
    fill = FIX / "fill_colour.toml"
    if not fill.exists():
        fill.write_text('[video]\nfill = "#203040"\n')
    sixty = FIX / "sixty.toml"
    if not sixty.exists():
        sixty.write_text('name = "sixty"\n[video]\nfps = 60\n')


FAST = ["--encoder-preset", "ultrafast"]
CARDS = ["--went-wrong", "Forgot the butter was still on high 🔥",
         "--lesson", "Medium heat, and never walk away from the pan"]


def cases():
    """(name, kind, argv after the input, input) — kind is render or preview."""
    f = lambda n: str(FIX / n)
    c = [
        ("landscape", "render", ["--start", "0.5", "--end", "4.2", *CARDS, *FAST], f("landscape.mp4")),
        ("rotated90", "render", [*FAST, "--crf", "18"], f("rotated.mp4")),
        ("late_audio", "render", [*FAST], f("late.mov")),
        ("late_audio_trim", "render", ["--start", "1.0", *FAST], f("late.mov")),
        ("no_audio", "render", [*FAST, *CARDS], f("silent.mp4")),
        ("vfr", "render", [*FAST, "--crf", "10"], f("vfr.mp4")),
        ("hlg_hevc", "render", [*FAST, "--crf", "12"], f("hlg.mov")),
        ("sixty_fps_source", "render", [*FAST], f("sixty.mp4")),
        ("sixty_fps_preset", "render", [*FAST, "--preset", f("sixty.toml"), "--start", "0.3"], f("sixty.mp4")),
        ("narrow_blur", "render", [*FAST, *CARDS], f("narrow.mp4")),
        ("narrow_colour", "render", [*FAST, "--preset", f("fill_colour.toml")], f("narrow.mp4")),
        ("bframes_trim_midgop", "render", ["--start", "1.37", "--duration", "2.2", *FAST], f("bframes.mp4")),
        ("surround_5_1", "render", [*FAST], f("surround.mov")),
        ("surround_no_normalize", "render", [*FAST, "--no-normalize"], f("surround.mov")),
        ("quiet_gain_cap", "render", [*FAST], f("quiet.mp4")),
        ("focus_left", "render", [*FAST, "--focus", "left", "--preset", "shorts"], f("landscape.mp4")),
        ("reels_preset", "render", [*FAST, "--preset", "reels", "--start", "0:01.2"], f("landscape.mp4")),
    ]
    # Fast sources into a 30 fps reel: whole clip (the input ends first), mid-GOP trims, and
    # the same source kept at 60 fps.
    c += [
        ("phone60_hevc", "render", [*FAST], f("phone60_hevc.mp4")),
        ("phone60_hevc_trim", "render", ["--start", "1.27", "--duration", "2.0", *FAST], f("phone60_hevc.mp4")),
        ("phone60_hevc_at_60", "render", [*FAST, "--preset", f("sixty.toml"), "--start", "0.3"], f("phone60_hevc.mp4")),
        ("phone120_hevc", "render", [*FAST], f("phone120_hevc.mp4")),
        ("phone120_hevc_trim", "render", ["--start", "0.91", "--end", "3.13", *FAST], f("phone120_hevc.mp4")),
        ("h264_60_bframes", "render", [*FAST], f("h264_60_bframes.mp4")),
        ("h264_60_bframes_trim", "render", ["--start", "0.71", "--end", "3.4", *FAST], f("h264_60_bframes.mp4")),
        ("h264_120", "render", [*FAST], f("h264_120.mp4")),
        ("h264_120_trim", "render", ["--start", "1.1", "--end", "3.3", *FAST], f("h264_120.mp4")),
    ]
    for anim in ["slide", "pop", "fade", "none"]:
        c.append((f"cards_{anim}", "render",
                  [*FAST, "--preset", f(f"anim_{anim}.toml"), "--went-wrong", "It burnt",
                   "--went-wrong-at", "0.5", "--went-wrong-until", "2.0",
                   "--lesson", "Lower the heat", "--lesson-at", "2.5", "--lesson-until", "3.6"],
                  f("landscape.mp4")))
    # The Makefile's demo, exactly (tiktok, its own x264 speed).
    c.append(("demo_reaction", "render",
              ["--preset", "tiktok", "--start", "0.4", "--end", "5.6", "--focus", "0.62",
               "--went-wrong", "Forgot the butter was still on high 🔥",
               "--lesson", "Medium heat, and never walk away from the pan"],
              str(ROOT / "assets/samples/reaction.mp4")))
    # Preview frames: the same frame choice, filters and compositing as the render.
    c += [
        ("preview_landscape", "preview", ["--at", "1.4", "--start", "0.5", *CARDS], f("landscape.mp4")),
        ("preview_bframes", "preview", ["--at", "0.9", "--start", "1.37"], f("bframes.mp4")),
        ("preview_hlg", "preview", ["--at", "0.5"], f("hlg.mov")),
        ("preview_pop", "preview", ["--at", "0.6", "--preset", f("anim_pop.toml"),
                                    "--went-wrong", "It burnt", "--went-wrong-at", "0.5"], f("landscape.mp4")),
        ("preview_narrow", "preview", ["--at", "1.0"], f("narrow.mp4")),
        ("preview_phone60", "preview", ["--at", "1.3", "--start", "0.4"], f("phone60_hevc.mp4")),
        ("preview_h264_120", "preview", ["--at", "0.77", "--start", "1.1"], f("h264_120.mp4")),
    ]
    return c


def framemd5(path, sel):
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", sel, "-f", "framemd5", "-"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return f"ERROR {r.stderr.strip()}"
    # Drop the header comments (they name nothing that matters but may carry paths).
    return "\n".join(l for l in r.stdout.splitlines() if not l.startswith("#"))


def run_case(binary, name, kind, args, inp, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    if kind == "render":
        out = out_dir / f"{name}.mp4"
        cmd = [binary, "render", inp, "-o", str(out), "-q", "--force", *args]
    else:
        out = out_dir / f"{name}.png"
        cmd = [binary, "preview", inp, "-o", str(out), *args]
    if out.exists():
        out.unlink()
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "FAILREEL_CACHE_DIR": str(out_dir / "cache")})
    if r.returncode != 0 or not out.exists():
        return {"error": f"exit {r.returncode}: {r.stderr.strip()[-400:]}"}
    res = {"video": framemd5(out, "0:v")}
    if kind == "render":
        res["audio"] = framemd5(out, "0:a")
    return res


def main():
    argv = sys.argv[1:]
    only = None
    keep = None
    pos = []
    i = 0
    while i < len(argv):
        if argv[i] == "--only":
            only = set(argv[i + 1].split(","))
            i += 2
        elif argv[i] == "--keep":
            keep = Path(argv[i + 1])
            i += 2
        else:
            pos.append(argv[i])
            i += 1
    base = str(Path(pos[0]).resolve()) if len(pos) > 0 else "/work/baseline/failreel"
    target = str(Path(pos[1]).resolve()) if len(pos) > 1 else str(ROOT / "target/release/failreel")
    for b in (base, target):
        if not os.access(b, os.X_OK):
            sys.exit(f"{b}: not an executable failreel")
    make_fixtures()
    CACHE.mkdir(parents=True, exist_ok=True)
    st = os.stat(base)
    base_id = f"{base}:{st.st_size}:{st.st_mtime_ns}"
    work = keep or Path(tempfile.mkdtemp(prefix="failreel-compare-"))
    different = 0
    n = 0
    for name, kind, args, inp in cases():
        if only and name not in only:
            continue
        n += 1
        key = hashlib.sha256(json.dumps([base_id, kind, args, inp, os.stat(inp).st_mtime_ns]).encode()).hexdigest()[:20]
        cached = CACHE / f"{name}.{key}.json"
        if cached.exists():
            a = json.loads(cached.read_text())
        else:
            a = run_case(base, name, kind, args, inp, work / "baseline")
            if "error" not in a:
                cached.write_text(json.dumps(a))
        b = run_case(target, name, kind, args, inp, work / "target")
        if "error" in a or "error" in b:
            different += 1
            print(f"{name:24} DIFFERENT (failed: baseline {a.get('error', 'ok')} | target {b.get('error', 'ok')})")
            continue
        diffs = [k for k in ("video", "audio") if a.get(k) != b.get(k)]
        if diffs:
            different += 1
            detail = []
            for k in diffs:
                la, lb = a[k].splitlines(), b[k].splitlines()
                first = next((j for j, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
                detail.append(f"{k}: {len(la)} vs {len(lb)} lines, first difference at line {first}")
            print(f"{name:24} DIFFERENT ({'; '.join(detail)})")
        else:
            print(f"{name:24} same")
        sys.stdout.flush()
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{n - different}/{n} same")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Copies a detection corpus built by scripts/make_corpus.py with a room tone under every
clip's sound: a check that `detect` does not lean on digital silence.

A phone never records digital silence: its microphone's own noise and the room (a fridge, the
ventilation, the street) leave a floor some 25-35 dB under speech. The corpus's beds are
mixed from package recordings, and its speech prompts, clinks and quiet rooms have stretches
of exact zeros between them, which no real recording has. This script mixes seeded pink
noise at a fixed level (default -54 dBFS RMS, about 28 dB under the corpus's typical bed) into
each clip's sound, copies the picture untouched, re-encodes the sound as the corpus does (AAC
160 kb/s) and copies the truth file: the onsets do not move.

    python3 scripts/add_room_tone.py [--corpus target/detect-corpus] [--out target/detect-corpus-rt]
                                     [--dbfs -54] [--jobs 2]
    python3 scripts/eval_detect.py --corpus target/detect-corpus-rt --part all --no-time

Needs: ffmpeg/ffprobe. Nothing is tuned on the result: it is run as it comes.
"""

import argparse
import concurrent.futures as cf
import json
import os
import subprocess

# anoisesrc's pink noise at amplitude 1.0 measures -14.5 dBFS RMS (astats, 48 kHz).
PINK_AT_ONE_DBFS = -14.5


def duration(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True, text=True, check=True,
    ).stdout
    return float(out.strip())


def add(src, dst, amplitude, seed):
    tone = (f"anoisesrc=color=pink:amplitude={amplitude:.6f}:sample_rate=48000:seed={seed}"
            f":duration={duration(src):.3f}")
    tmp = dst + ".tmp.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", src, "-f", "lavfi", "-i", tone,
         "-filter_complex", "[0:a][1:a]amix=inputs=2:normalize=0:duration=first[a]",
         "-map", "0:v", "-map", "[a]", "-c:v", "copy", "-c:a", "aac", "-b:a", "160k",
         "-movflags", "+faststart", tmp],
        check=True,
    )
    os.replace(tmp, dst)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(repo, "target", "detect-corpus"))
    ap.add_argument("--out", default=os.path.join(repo, "target", "detect-corpus-rt"))
    ap.add_argument("--dbfs", type=float, default=-54.0, help="the room tone's RMS level")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    truth = json.load(open(os.path.join(a.corpus, "truth.json")))
    os.makedirs(os.path.join(a.out, "clips"), exist_ok=True)
    amplitude = 10 ** ((a.dbfs - PINK_AT_ONE_DBFS) / 20)
    jobs = []
    for i, c in enumerate(truth["clips"]):
        src = os.path.join(a.corpus, "clips", c["clip"])
        dst = os.path.join(a.out, "clips", c["clip"])
        if not os.path.exists(dst):
            jobs.append((src, dst, amplitude, 7 + i))
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for f in [ex.submit(add, *j) for j in jobs]:
            f.result()
    truth["room_tone"] = {"color": "pink", "dbfs_rms": a.dbfs, "from": os.path.abspath(a.corpus)}
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print(f"{len(truth['clips'])} clips ({len(jobs)} written) with a {a.dbfs:g} dBFS pink room tone in {a.out}")


if __name__ == "__main__":
    main()

//! The stories preset: a long clip written as numbered parts of at most 60 s, cut inside the
//! sound's pauses, adding up to the whole. Asserted on decoded output.

use crate::common::*;
use serde_json::Value;

#[test]
fn a_long_clip_becomes_three_stories_cut_in_quiet_gaps() {
    let dir = workdir();
    let d = dir.path();
    // 130 s: speech-like bursts of 3.1 s with 1.2 s pauses. 640x360: a 320x180 source at
    // 270x480 asks libav for a crop it refuses (a known limitation of small reels).
    let clip = Fixture::picture_with_tone("color=c=0x808080", (640, 360), 300, 48000, 130)
        .opts(&[
            "-af",
            "volume=eval=frame:volume='if(lt(mod(t,4.3),3.1),1,0)'",
        ])
        .write(&d.join("long.mp4"));
    let out_dir = d.join("reels");
    // The stories preset (parts of at most 60 s, cut in quiet gaps) at a quarter of its size
    // (270x480, its safe zone and the cards' text scaled alike): the cuts are the point.
    let preset = d.join("qstories.toml");
    std::fs::write(
        &preset,
        "base = \"stories\"\nname = \"qstories\"\n[video]\nwidth = 270\nheight = 480\n\
         [safe_zone]\ntop = 62\nbottom = 85\nleft = 16\nright = 16\n[cards]\ntext_size = \"16px\"\n",
    )
    .unwrap();
    let o = failreel(&[
        "render",
        s(&clip),
        "-p",
        s(&preset),
        "--went-wrong",
        "Burnt",
        "--lesson",
        "Lower heat",
        "--encoder-preset",
        "ultrafast",
        "--out-dir",
        s(&out_dir),
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // One result line per part.
    let results: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["status"] == "ok")
        .collect();
    assert_eq!(results.len(), 3, "{stdout}");
    let mut total = 0usize;
    let mut at = 0.0f64;
    for k in 1..=3 {
        let p = out_dir.join(format!("long.qstories.{k}.mp4"));
        let frames = decoded_frames(&p);
        let secs = frames as f64 / 30.0;
        assert!(secs <= 60.0, "part {k} is {secs} s");
        total += frames;
        let sound = audio_mono(&p);
        assert!(((sound.len() as f64 / 48000.0) - secs).abs() < 0.03);
        at += secs;
        if k < 3 {
            // The cut is inside a pause of the source, and the part ends in silence.
            let phase = at % 4.3;
            assert!(phase > 3.1 && phase < 4.3, "cut at {at} s (phase {phase})");
            assert!(
                rms(&sound, secs - 0.1, secs) < 0.01,
                "part {k} ends mid-sound"
            );
        }
    }
    // The whole clip, frame for frame.
    assert_eq!(total, 3900);
    // A dry run lists the same three parts, each its own plan.
    let o = failreel(&[
        "render",
        s(&clip),
        "-p",
        s(&preset),
        "--out-dir",
        s(&out_dir),
        "--dry-run",
        "--json",
    ]);
    let plans = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.contains("\"plan\""))
        .count();
    assert_eq!(plans, 3);
}

#[test]
fn stories_loudness_is_one_decision_for_the_whole_clip() {
    // Issue 24: each part was normalised on its own, so the same room tone jumped by 17 dB
    // from part 1 to part 2. A loud first half and a quiet second half now get one gain.
    let dir = workdir();
    let d = dir.path();
    let clip = Fixture::picture_with_tone("color=c=0x808080", (320, 180), 300, 48000, 8)
        .opts(&[
            "-af",
            "volume=eval=frame:volume='if(lt(t,3.5),0.8,if(lt(t,4.5),0,0.04))'",
        ])
        .write(&d.join("room.mp4"));
    let st = tiny_preset(d, "st5", "stories", "[length]\nmin_s = 1\nmax_s = 5\n");
    let plans: Vec<Value> = plan_lines(&[
        "render",
        s(&clip),
        "-p",
        s(&st),
        "--out-dir",
        s(&d.join("out")),
        "--dry-run",
        "--json",
    ])
    .into_iter()
    .map(|v| v["plan"]["audio"]["normalisation"].clone())
    .collect();
    assert_eq!(plans.len(), 2, "{plans:?}");
    assert!(plans[0].get("gain").is_some(), "{plans:?}");
    assert_eq!(plans[0], plans[1], "one gain for both parts");
}

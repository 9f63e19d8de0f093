//! `--captions`: subtitles burned in at their times (input clock through the trim), clear of
//! the cards, tags not drawn, malformed files named by line. Asserted on decoded output.

use crate::common::*;
use std::path::Path;

/// The luma of [`grey_clip`]'s picture.
const GREY: u8 = 126;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    s(&p).to_string()
}

#[test]
fn captions_appear_at_their_times_clear_of_cards_and_without_tags() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "pan.mp4", 6.0, 30);
    // Input clock: the first cue is before the trim (dropped), the last runs past its end
    // (clipped).
    let tagged = write(
        dir.path(),
        "t.srt",
        "1\n00:00:00,200 --> 00:00:00,800\nbefore the trim\n\n2\n00:00:02,000 --> 00:00:03,000\nOh no, the lid!\n\n3\n00:00:04,000 --> 00:00:09,000\n<i>Too</i> {\\an8}<font color=\"red\">hot</font>\n",
    );
    let plain = write(
        dir.path(),
        "p.vtt",
        "WEBVTT\n\n00:02.000 --> 00:03.000\nOh no, the lid!\n\n00:04.000 --> 00:09.000 align:start\nToo hot\n",
    );
    // At a quarter of TikTok's size (270x480, text and safe zone scaled alike), encoded fast.
    let preset = quarter_preset(dir.path());
    let common = [
        "--start",
        "1",
        "--end",
        "6",
        "--lesson",
        "Lid on, heat down",
        "--lesson-at",
        "3.5",
        "--no-normalize",
        "-p",
        s(&preset),
        "--encoder-preset",
        "ultrafast",
    ];
    let mut args = vec![s(&clip)];
    args.extend(common);
    args.extend(["--captions", &tagged]);
    let plan = render_dry_plan(&args);
    let caps: Vec<&serde_json::Value> = plan["overlays"]
        .as_array()
        .expect("overlays in the plan")
        .iter()
        .filter(|o| o["role"] == "caption")
        .collect();
    // Cue 2 on the reel at 1-2 s; cue 3 from 3 s, split where the lesson comes in (3.5 s),
    // clipped at the end (5 s).
    let times: Vec<(i64, i64)> = caps
        .iter()
        .map(|c| (c["at"].as_i64().unwrap(), c["until"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        times,
        vec![
            (1_000_000, 2_000_000),
            (3_000_000, 3_500_000),
            (3_500_000, 5_000_000)
        ],
        "{caps:?}"
    );
    assert_eq!(caps[1]["text"], "Too hot");
    let card = rect(&plan["overlays"][0]["rect"]);
    let (low, moved) = (rect(&caps[1]["rect"]), rect(&caps[2]["rect"]));
    // With the lesson card on screen the caption moves above it; it never overlaps.
    assert!(
        moved.3 <= card.1,
        "caption {moved:?} overlaps card {card:?}"
    );
    assert!(
        low.3 > card.1,
        "without the card the caption sits at the bottom"
    );

    let out = dir.path().join("t.mp4");
    args.extend(["-o", s(&out)]);
    let mut a = vec!["render"];
    a.extend(args.iter().copied());
    failreel_ok(&a);
    let (w, _, frames) = luma_frames(&out);
    assert_eq!(frames.len(), 150);
    let first = rect(&caps[0]["rect"]);
    // Text pixels during a cue, none between cues or before the first.
    assert!(
        max_dev(&frames[45], w, first, GREY) > 60,
        "cue 1 drawn at 1.5 s"
    );
    assert!(
        max_dev(&frames[75], w, first, GREY) < 12,
        "nothing between cues"
    );
    assert!(
        max_dev(&frames[75], w, low, GREY) < 12,
        "nothing between cues"
    );
    assert!(
        max_dev(&frames[10], w, first, GREY) < 12,
        "the cue before the trim is dropped"
    );
    assert!(
        max_dev(&frames[99], w, low, GREY) > 60,
        "cue 3 at 3.3 s, at the bottom"
    );
    assert!(
        max_dev(&frames[140], w, moved, GREY) > 60,
        "cue 3 above the card at 4.7 s"
    );
    // The card is drawn where the plan says, and the moved caption's rows are not its rows.
    assert!(max_dev(&frames[140], w, card, GREY) > 60);

    // Tags are not drawn: the same cues without tags give the same pixels.
    let out2 = dir.path().join("p.mp4");
    let mut a2 = vec!["render", s(&clip)];
    a2.extend(common);
    a2.extend(["--captions", &plain, "-o", s(&out2)]);
    failreel_ok(&a2);
    let (_, _, frames2) = luma_frames(&out2);
    for i in [45, 99, 140] {
        let diff = frames[i]
            .iter()
            .zip(&frames2[i])
            .filter(|(a, b)| a.abs_diff(**b) > 3)
            .count();
        assert!(
            diff < 50,
            "frame {i}: {diff} pixels differ from the untagged cue"
        );
    }
}

#[test]
fn malformed_captions_name_the_file_and_line() {
    let dir = workdir();
    let clip = grey_clip(dir.path(), "c.mp4", 2.0, 30);
    let bad = write(
        dir.path(),
        "bad.srt",
        "1\n00:00:00,500 --> 00:00:01,000\nfine\n\n2\n00:00:01,500 --> 00:00:1,000\nbroken\n",
    );
    let out = failreel(&[
        "render",
        s(&clip),
        "--captions",
        &bad,
        "-o",
        s(&dir.path().join("o.mp4")),
    ]);
    // Given as a flag it applies to every clip: a usage error (exit 2) before any clip is
    // read, as a bad `--preset FILE` is (it was one failure per clip, exit 1).
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--captions: ") && err.contains("bad.srt:6:"),
        "{err}"
    );
    assert!(err.contains("is not a time"), "{err}");
    assert!(!dir.path().join("o.mp4").exists());
}

#[test]
fn overlapping_captions_are_joined_angle_text_is_drawn_and_utf16_is_read() {
    // Issue 24: cues that overlap (auto-generated subtitles) were drawn over each other,
    // `I <3 pancakes, 2 < 3` lost its `<3 pancakes, 2 <`, and UTF-16 files were refused.
    let dir = workdir();
    let d = dir.path();
    let clip = small_pattern(4);
    let text = "1\r\n00:00:00,500 --> 00:00:02,500\r\nwe turned the heat up\r\n\r\n2\r\n00:00:01,500 --> 00:00:03,000\r\nI <3 pancakes, 2 < 3\r\n";
    let subs = d.join("auto.srt");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(&subs, utf16).unwrap();
    let plan = plan_lines(&[
        "render",
        s(&clip),
        "--captions",
        s(&subs),
        "-o",
        s(&d.join("r.mp4")),
        "--dry-run",
        "--json",
    ])
    .remove(0);
    let mut caps: Vec<(i64, i64, String)> = plan["plan"]["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["role"] == "caption")
        .map(|c| {
            (
                c["at"].as_i64().unwrap(),
                c["until"].as_i64().unwrap(),
                c["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    caps.sort();
    assert!(!caps.is_empty());
    for w in caps.windows(2) {
        assert!(w[0].1 <= w[1].0, "captions on screen together: {caps:?}");
    }
    let at = |t: i64| {
        caps.iter()
            .find(|c| c.0 <= t && t < c.1)
            .map(|c| c.2.clone())
    };
    assert_eq!(at(1_000_000).as_deref(), Some("we turned the heat up"));
    let both = at(2_000_000).expect("a caption at 2 s");
    assert!(
        both.contains("we turned the heat up") && both.contains("I <3 pancakes, 2 < 3"),
        "{both:?}"
    );
    assert_eq!(at(2_700_000).as_deref(), Some("I <3 pancakes, 2 < 3"));

    // UTF-16 without its byte-order mark is read too (its zero bytes say so).
    let bare = d.join("bare.srt");
    std::fs::write(
        &bare,
        text.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let plan = plan_lines(&[
        "render",
        s(&clip),
        "--captions",
        s(&bare),
        "-o",
        s(&d.join("r.mp4")),
        "--dry-run",
        "--json",
    ])
    .remove(0);
    assert!(plan["plan"]["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["text"] == "I <3 pancakes, 2 < 3"));
    // Neither UTF-8 nor UTF-16: named, with the file.
    let latin1 = d.join("latin1.srt");
    std::fs::write(
        &latin1,
        b"1\n00:00:01,000 --> 00:00:02,000\ncr\xe8me br\xfbl\xe9e\n",
    )
    .unwrap();
    let o = failreel(&["render", s(&clip), "--captions", s(&latin1), "--dry-run"]);
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not UTF-8") && err.contains("latin1.srt"),
        "{err}"
    );
}

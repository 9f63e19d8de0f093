//! `failreel preview`: the PNG is the reel's frame at that moment, cards included.

use crate::common::*;

#[test]
fn preview_matches_the_rendered_frame_cards_included() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("clip.mp4");
    h264_clip(&clip, "testsrc2=s=1280x720:r=30:d=4", None, &["-g", "90"]);
    let card = [
        "--start",
        "0.5",
        "--went-wrong",
        "Burnt 100% %{pts}",
        "--went-wrong-until",
        "3",
        "--lesson",
        "Lower heat",
    ];
    let png = d.join("frame.png");
    let mut args = vec!["preview", s(&clip), "--at", "1.4", "-o", s(&png)];
    args.extend_from_slice(&card);
    failreel_ok(&args);
    let reel = d.join("reel.mp4");
    let mut args = vec![
        "render",
        s(&clip),
        "-o",
        s(&reel),
        "--encoder-preset",
        "ultrafast",
        "--crf",
        "8",
    ];
    args.extend_from_slice(&card);
    failreel_ok(&args);
    let (w, h, mut pictures) = rgb_frames(&png);
    let preview = pictures.remove(0);
    assert_eq!((w, h), (1080, 1920));
    let (_, _, frames) = rgb_frames(&reel);
    let frame = &frames[42]; // 1.4 s at 30 fps
    let diff: f64 = preview
        .iter()
        .zip(frame)
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / preview.len() as f64;
    assert!(
        diff < 2.0,
        "preview differs from the reel's frame by {diff} on average"
    );
    // The card is there (the frame without cards differs in the card's rectangle).
    let other = &frames[100]; // 3.33 s: no went-wrong card
    let card_rows = 300..500;
    let changed = card_rows
        .clone()
        .map(|y| {
            (0..w)
                .filter(|&x| {
                    let i = (y * w + x) * 3;
                    (preview[i] as i32 - other[i] as i32).abs() > 40
                })
                .count()
        })
        .sum::<usize>();
    assert!(changed > 10_000, "card pixels in the preview: {changed}");

    // Bad input: a clear error, no PNG.
    let r = failreel(&[
        "preview",
        s(&d.join("missing.mov")),
        "--at",
        "1",
        "-o",
        s(&d.join("x.png")),
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("missing.mov"));
    assert!(!d.join("x.png").exists());
}

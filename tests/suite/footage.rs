//! Phone footage as phones record it: HDR, long variable-frame-rate clips, 4K60, anamorphic
//! pixels, full range, 10-bit 4:2:2, narrow pictures, messy audio and loudness. Each fixture
//! is made here with libav and each reel is decoded and measured.

use crate::common::*;
use std::path::{Path, PathBuf};

/// (integrated LUFS, true peak dBTP) of a file's audio, measured with ebur128.
fn loudness(path: &Path) -> (f64, f64) {
    let pcm = audio_stereo(path);
    let mut m =
        ebur128::EbuR128::new(2, 48000, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
    m.add_frames_f32(&pcm).unwrap();
    let tp = (0..2)
        .map(|c| m.true_peak(c).unwrap())
        .fold(0.0f64, f64::max);
    (m.loudness_global().unwrap(), 20.0 * tp.log10())
}

fn clip_with_audio(dir: &Path, name: &str, audio_filter: &str) -> PathBuf {
    Fixture::new()
        .lavfi("color=c=gray:s=320x240:r=30:d=8")
        .lavfi(audio_filter)
        .opts(&["-b:a", "192k"])
        .secs(8)
        .write(&dir.join(name))
}

#[test]
fn loudness_is_normalised_to_the_preset_target() {
    let dir = workdir();
    let d = dir.path();
    // Quiet, speech-like: pink noise in syllable-rate bursts, around -30 LUFS.
    let quiet = clip_with_audio(
        d,
        "quiet.mp4",
        "anoisesrc=seed=3:color=pink:amplitude=0.25:d=8,tremolo=f=3:d=0.9",
    );
    // Clipped phone audio: a sine driven far past full scale, flat-topped at 0 dBFS.
    let clipped = clip_with_audio(
        d,
        "clipped.mp4",
        "aevalsrc='max(-0.99\\,min(0.99\\,6*sin(2*PI*220*t)))':s=48000:d=8",
    );
    let (src_quiet, _) = loudness(&quiet);
    let (src_clipped, src_tp) = loudness(&clipped);
    assert!(src_quiet < -28.0, "the quiet fixture is quiet: {src_quiet}");
    assert!(
        src_clipped > -8.0 && src_tp > -3.0,
        "the clipped fixture is loud: {src_clipped} {src_tp}"
    );
    for (clip, name) in [(&quiet, "quiet"), (&clipped, "clipped")] {
        let out = d.join(format!("{name}.reel.mp4"));
        render_reel(clip, &out, &["--preset", "reels"]);
        let (lufs, tp) = loudness(&out);
        assert!(
            (lufs - -14.0).abs() <= 1.0,
            "{name}: {lufs} LUFS, want -14 ± 1"
        );
        assert!(
            tp <= -0.5,
            "{name}: true peak {tp} dBTP over the -1 dBTP ceiling"
        );
    }
    // Switched off: the level is left as it was.
    let out = d.join("off.mp4");
    render_reel(&quiet, &out, &["--no-normalize"]);
    let (lufs, _) = loudness(&out);
    assert!(
        (lufs - src_quiet).abs() < 0.7,
        "{lufs} vs source {src_quiet}"
    );
}

#[test]
fn surround_is_downmixed_and_extra_tracks_are_named() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("surround.mov");
    // A 5.1 track with a tone in the centre channel only, plus a second (silent) stereo track
    // and a data-like subtitle-free layout: the reel takes the main track and says so.
    Fixture::new()
        .lavfi("color=c=gray:s=320x240:r=30:d=2")
        .lavfi("sine=f=440:d=2,pan=5.1|FC=c0")
        .lavfi("anullsrc=r=48000:cl=stereo:d=2")
        .opts(&["-map", "0:v", "-map", "1:a", "-map", "2:a"])
        .secs(2)
        .write(&clip);
    let out = d.join("reel.mp4");
    let err = render_reel(&clip, &out, &["--no-normalize"]);
    assert!(err.contains("2 audio tracks"), "{err}");
    let p = ffprobe(&out, &[]);
    let audio: Vec<_> = p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == "audio")
        .collect();
    assert_eq!(audio.len(), 1);
    assert_eq!(audio[0]["channels"], 2);
    let pcm = audio_stereo(&out);
    let (l, r): (Vec<f32>, Vec<f32>) = pcm.chunks_exact(2).map(|c| (c[0], c[1])).unzip();
    let (rl, rr) = (rms(&l, 0.2, 1.8), rms(&r, 0.2, 1.8));
    assert!(
        rl > 0.02 && (rl - rr).abs() < rl * 0.05,
        "centre tone in both sides: {rl} {rr}"
    );
}

#[test]
fn hdr_hlg_and_pq_look_like_an_sdr_grade() {
    let dir = workdir();
    let d = dir.path();
    let sdr = d.join("sdr.mp4");
    h264_clip(
        &sdr,
        "testsrc2=s=640x360:r=30:d=1",
        None,
        &[
            "-crf",
            "10",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-colorspace",
            "bt709",
        ],
    );
    let sdr_reel = d.join("sdr.reel.mp4");
    // The same centred window for both: this compares the grade, not the framing.
    render_reel(&sdr, &sdr_reel, &["--crf", "12", "--focus", "center"]);
    let (w, h, base) = rgb_frames(&sdr_reel);
    for (transfer, name) in [("arib-std-b67", "hlg"), ("smpte2084", "pq")] {
        // Reference white (SDR 100%) at 203 nits: 75% HLG signal, 58% PQ signal.
        let hdr = d.join(format!("{name}.mov"));
        let vf = format!(
            "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t={transfer}:m=bt2020nc:p=bt2020:r=tv:npl=203,format=yuv420p10le"
        );
        let x265 = format!("log-level=error:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc:range=limited");
        ffmpeg(&[
            "-i",
            s(&sdr),
            "-vf",
            &vf,
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-crf",
            "8",
            "-x265-params",
            &x265,
            "-color_primaries",
            "bt2020",
            "-color_trc",
            transfer,
            "-colorspace",
            "bt2020nc",
            "-color_range",
            "tv",
            "-tag:v",
            "hvc1",
            s(&hdr),
        ]);
        let info = probe_json(&hdr);
        assert_eq!(info["video"]["hdr"], name);
        let reel = d.join(format!("{name}.reel.mp4"));
        render_reel(&hdr, &reel, &["--crf", "12", "--focus", "center"]);
        let v = video_stream(&reel);
        assert_eq!(
            (v["pix_fmt"].as_str(), v["color_transfer"].as_str()),
            (Some("yuv420p"), Some("bt709"))
        );
        let (_, _, got) = rgb_frames(&reel);
        let stats = |frames: &[Vec<u8>]| {
            let (mut luma, mut sat, mut n) = (0.0f64, 0.0f64, 0.0f64);
            for f in frames {
                for px in f.chunks_exact(3).step_by(7) {
                    let (r, g, b) = (px[0] as f64, px[1] as f64, px[2] as f64);
                    luma += 0.2126 * r + 0.7152 * g + 0.0722 * b;
                    let (mx, mn) = (r.max(g).max(b), r.min(g).min(b));
                    sat += if mx > 0.0 { (mx - mn) / mx } else { 0.0 };
                    n += 1.0;
                }
            }
            (luma / n, sat / n)
        };
        let (bl, bs) = stats(&base);
        let (gl, gs) = stats(&got);
        assert!(
            (gl / bl - 1.0).abs() <= 0.15,
            "{name}: mean luma {gl:.1} vs SDR {bl:.1}"
        );
        assert!(
            (gs / bs - 1.0).abs() <= 0.25,
            "{name}: mean saturation {gs:.3} vs SDR {bs:.3}"
        );
        let ssim = ssim(&sdr_reel, &reel);
        assert!(ssim >= 0.85, "{name}: SSIM {ssim}");
        assert_eq!((w, h), (1080, 1920));
    }
}

#[test]
fn long_variable_rate_clip_stays_in_sync_near_its_end() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("ten-minutes.mp4");
    // 10 minutes; in every other 20 s stretch the phone drops to 6 fps (low light). A white
    // flash and a click happen together at 590.0 s.
    Fixture::new()
        .lavfi("color=c=black:s=160x120:r=30:d=600,drawbox=x=0:y=0:w=160:h=120:c=white:t=fill:enable='between(t,590,590.1)',select='not(mod(floor(t/20),2))+not(mod(n,5))'")
        .lavfi("aevalsrc='0.8*between(t,590,590.01)*sin(2*PI*2000*t)':s=48000:d=600")
        .opts(&["-vsync", "vfr"])
        .write(&clip);
    let info = probe_json(&clip);
    assert!(info["duration"].as_i64().unwrap() > 599_000_000);
    let out = d.join("reel.mp4");
    render_reel(
        &clip,
        &out,
        &["--start", "9:48", "--duration", "4", "--no-normalize"],
    );
    let (w, h, frames) = luma_frames(&out);
    assert_eq!(frames.len(), 120);
    let flash = frames
        .iter()
        .position(|f| mean_rect(f, w, 0, 0, w, h) > 128.0)
        .expect("the flash") as f64
        / 30.0;
    let pcm = audio_mono(&out);
    let click = pcm.iter().position(|x| x.abs() > 0.1).expect("the click") as f64 / 48000.0;
    assert!((flash - 2.0).abs() < 1.0 / 30.0 + 1e-9, "flash at {flash}");
    assert!(
        (flash - click).abs() < 1.0 / 30.0,
        "flash {flash} vs click {click}: drift over one frame"
    );
}

#[test]
fn uhd_60fps_becomes_30_unless_the_preset_asks_for_60() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("uhd60.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=3840x2160:r=60:d=0.5",
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-x265-params",
        "log-level=error",
        "-pix_fmt",
        "yuv420p",
        "-tag:v",
        "hvc1",
        s(&clip),
    ]);
    // Half a second of UHD is enough to count the frames.
    let out = d.join("reel30.mp4");
    render_reel(&clip, &out, &[]);
    let v = video_stream(&out);
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1080), Some(1920))
    );
    assert_eq!(v["r_frame_rate"], "30/1");
    assert_eq!(v["nb_frames"], "15");

    let preset = d.join("sixty.toml");
    std::fs::write(&preset, "[video]\nfps = 60\nkeyframe_interval_s = 1.0\n").unwrap();
    let out = d.join("reel60.mp4");
    render_reel(&clip, &out, &["--preset", s(&preset)]);
    let v = video_stream(&out);
    assert_eq!(v["r_frame_rate"], "60/1");
    assert_eq!(v["nb_frames"], "30");
    assert_eq!(v["level"], 42);
}

/// Bounding box (x0, y0, x1, y1) of pixels brighter than 128 in a luma plane.
fn bright_box(f: &[u8], w: usize, h: usize) -> (usize, usize, usize, usize) {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if f[y * w + x] > 128 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    (x0, y0, x1, y1)
}

#[test]
fn anamorphic_pixels_and_odd_sizes_come_out_undistorted() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("anamorphic.mp4");
    // 1440x1080 stored with 4:3 pixels (1920x1080 displayed); a box 150x200 stored pixels is
    // a 200x200 square on screen.
    h264_clip(
        &clip,
        "color=c=black:s=1440x1080:r=30:d=1",
        Some("drawbox=x=645:y=440:w=150:h=200:c=white:t=fill,setsar=4/3"),
        &[],
    );
    let out = d.join("reel.mp4");
    render_reel(&clip, &out, &[]);
    let (w, h, frames) = luma_frames(&out);
    let (x0, y0, x1, y1) = bright_box(&frames[5], w, h);
    let (bw, bh) = ((x1 - x0 + 1) as f64, (y1 - y0 + 1) as f64);
    assert!(
        (bw / bh - 1.0).abs() < 0.03,
        "a square stays square: {bw}x{bh}"
    );
    assert!((bh - 200.0 * 1920.0 / 1080.0).abs() < 8.0, "{bh}");

    // Odd stored size: even output, nothing out of the frame.
    let odd = d.join("odd.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=641x361:r=30:d=1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv444p",
        s(&odd),
    ]);
    let out = d.join("odd.reel.mp4");
    render_reel(&odd, &out, &[]);
    let v = video_stream(&out);
    assert_eq!(
        (
            v["width"].as_u64(),
            v["height"].as_u64(),
            v["pix_fmt"].as_str()
        ),
        (Some(1080), Some(1920), Some("yuv420p"))
    );
}

#[test]
fn full_range_and_ten_bit_422_are_converted_not_retagged() {
    let dir = workdir();
    let d = dir.path();
    // Android-style full range: white is 255 and black 0 in the file.
    let full = d.join("full.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=white:s=320x360:r=30:d=1",
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=320x360:r=30:d=1",
        "-filter_complex",
        "[0][1]hstack,format=yuvj420p",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-color_range",
        "pc",
        s(&full),
    ]);
    let info = probe_json(&full);
    assert_eq!(info["video"]["full_range"], true);
    let out = d.join("full.reel.mp4");
    render_reel(&full, &out, &["--focus", "0.5"]);
    let (w, _, frames) = luma_frames(&out);
    let f = &frames[5];
    // The window straddles the middle: left part white, right part black, in limited range.
    let white = mean_rect(f, w, 100, 900, 400, 1000);
    let black = mean_rect(f, w, 700, 900, 1000, 1000);
    assert!((white - 235.0).abs() < 3.0, "white at {white}, want 235");
    assert!((black - 16.0).abs() < 3.0, "black at {black}, want 16");
    assert_eq!(video_stream(&out)["color_range"], "tv");

    // 10-bit 4:2:2 converts cleanly to 8-bit 4:2:0 with the same picture.
    let ten = d.join("ten.mov");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360:r=30:d=1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-profile:v",
        "high422",
        "-pix_fmt",
        "yuv422p10le",
        s(&ten),
    ]);
    let eight = d.join("eight.mp4");
    h264_clip(&eight, "testsrc2=s=640x360:r=30:d=1", None, &[]);
    let (a, b) = (d.join("ten.reel.mp4"), d.join("eight.reel.mp4"));
    render_reel(&ten, &a, &[]);
    render_reel(&eight, &b, &[]);
    assert_eq!(video_stream(&a)["pix_fmt"], "yuv420p");
    let (w, h, fa) = luma_frames(&a);
    let (_, _, fb) = luma_frames(&b);
    let diff = (mean_rect(&fa[10], w, 0, 0, w, h) - mean_rect(&fb[10], w, 0, 0, w, h)).abs();
    assert!(diff < 2.0, "mean luma differs by {diff}");
}

#[test]
fn a_picture_narrower_than_9_16_is_fitted_with_a_fill_never_stretched() {
    let dir = workdir();
    let d = dir.path();
    let clip = d.join("tall.mp4");
    // 480x1280 (3:8): a white square 200x200 in the middle of a mid-grey picture.
    h264_clip(
        &clip,
        "color=c=0x606060:s=480x1280:r=30:d=1",
        Some("drawbox=x=140:y=540:w=200:h=200:c=white:t=fill"),
        &[],
    );
    let out = d.join("reel.mp4");
    render_reel(&clip, &out, &[]);
    let (w, h, frames) = luma_frames(&out);
    let f = &frames[5];
    let (x0, y0, x1, y1) = bright_box(f, w, h);
    let (bw, bh) = ((x1 - x0 + 1) as f64, (y1 - y0 + 1) as f64);
    assert!((bw / bh - 1.0).abs() < 0.03, "not stretched: {bw}x{bh}");
    assert!(
        (bh - 300.0).abs() < 6.0,
        "scaled to the height (1920/1280): {bh}"
    );
    assert!(((x0 + x1) as f64 / 2.0 - 540.0).abs() < 4.0, "centred");
    // The picture is 720 wide; beside it is the blurred fill, not black bars or stretched
    // picture: darker than the picture but not black.
    let side = mean_rect(f, w, 20, 200, 160, 400);
    let picture = mean_rect(f, w, 400, 200, 680, 400);
    assert!(
        side > 40.0 && side < picture,
        "fill {side} vs picture {picture}"
    );

    // A colour fill from a preset.
    let preset = d.join("black-bars.toml");
    std::fs::write(&preset, "[video]\nfill = \"#000000\"\n").unwrap();
    let out = d.join("bars.mp4");
    render_reel(&clip, &out, &["--preset", s(&preset)]);
    let (w, _, frames) = luma_frames(&out);
    assert!((mean_rect(&frames[5], w, 20, 200, 160, 400) - 16.0).abs() < 3.0);
}

/// The spread (max - min) of the left edge of the first bright run over the picture's rows:
/// 0 for a straight vertical edge, the field offset for a woven (combed) moving edge.
fn edge_spread(f: &[u8], w: usize, h: usize) -> usize {
    let xs: Vec<usize> = (h / 10..h * 9 / 10)
        .step_by(3)
        .filter_map(|r| f[r * w..(r + 1) * w].iter().position(|&v| v > 128))
        .collect();
    assert!(xs.len() > 100, "the bar is in the picture");
    xs.iter().max().unwrap() - xs.iter().min().unwrap()
}

#[test]
fn an_interlaced_moving_edge_comes_out_straight() {
    let dir = workdir();
    let d = dir.path();
    // A white bar moving 150 px/s, at 60 fields per second woven into 30 interlaced frames
    // (top field first): undeinterlaced, its edge alternates by 2.5 px from row to row.
    let clip = d.join("interlaced.mp4");
    Fixture::new()
        .opts(&[
            "-filter_complex",
            "color=c=black:s=640x360:r=60:d=1[bg];color=c=white:s=40x360:r=60:d=1[bar];[bg][bar]overlay=x='230+150*t':y=0,tinterlace=mode=interleave_top,setfield=tff",
            "-flags",
            "+ilme+ildct",
            "-x264-params",
            "tff=1",
            "-crf",
            "4",
        ])
        .write(&clip);
    assert_eq!(probe_json(&clip)["video"]["interlaced"], "tt");

    let plans = plan_lines(&["render", s(&clip), "--dry-run", "--json"]);
    let line = plans.first().expect("a plan line");
    assert_eq!(line["plan"]["video"]["deinterlace"], true);
    assert!(line["plan"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("interlaced")));

    let reel = d.join("reel.mp4");
    let err = render_reel(&clip, &reel, &["--crf", "12"]);
    assert!(err.contains("deinterlaced"), "{err}");
    let (w, h, frames) = luma_frames(&reel);
    assert_eq!(frames.len(), 30, "one frame per frame");
    for k in [0, 3, 10, 20, 29] {
        let spread = edge_spread(&frames[k], w, h);
        assert!(spread <= 3, "frame {k}: a combed edge ({spread} px)");
    }
}

/// A 1.2 s 60 fps clip whose frame n is flat grey at luma 16 + 3n, encoded losslessly with
/// `codec`.
fn counting_clip(dir: &Path, name: &str, codec: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "nullsrc=s=320x240:r=60:d=1.2,format=yuv420p,geq=lum='16+3*N':cb=128:cr=128",
    ];
    args.extend_from_slice(codec);
    args.push(s(&p));
    ffmpeg(&args);
    p
}

/// The source frame each output frame shows (read back from its luma), and the reel's frames.
fn shown_frames(reel: &Path) -> Vec<f64> {
    let (w, h, frames) = luma_frames(reel);
    frames
        .iter()
        .map(|f| (mean_rect(f, w, w / 4, h / 4, 3 * w / 4, 3 * h / 4) - 16.0) / 3.0)
        .collect()
}

#[test]
fn a_60fps_phone_clip_in_a_30fps_reel_shows_every_other_frame_exactly() {
    // Output frame k shows source frame 2k, whichever frames the decoder leaves out: the
    // phone's HEVC (the frames between non-reference on their own temporal layer) and H.264
    // whose shown frames are themselves non-reference B-frames (so a wrongly skipped frame
    // would show up).
    let dir = workdir();
    let d = dir.path();
    let hevc = counting_clip(
        d,
        "phone.mp4",
        &[
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error:lossless=1:bframes=3:b-adapt=0:b-pyramid=1:temporal-layers=1:keyint=60:open-gop=0",
            "-tag:v",
            "hvc1",
        ],
    );
    let h264 = counting_clip(
        d,
        "nonref_b.mp4",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-qp",
            "0",
            "-x264-params",
            "bframes=3:b-adapt=0:b-pyramid=none:keyint=60",
        ],
    );
    for clip in [&hevc, &h264] {
        for (trim, first) in [(&[][..], 0), (&["--start", "0.41"][..], 25)] {
            let trim = [trim, &["--crf", "10"]].concat();
            let out = d.join("reel.mp4");
            render_reel(clip, &out, &[&trim[..], &["--force"]].concat());
            let shown = shown_frames(&out);
            assert!(shown.len() >= 20, "{clip:?}: {} frames", shown.len());
            for (k, v) in shown.iter().enumerate() {
                let want = (first + 2 * k) as f64;
                assert!(
                    (v - want).abs() < 0.4,
                    "{clip:?} {trim:?}: output frame {k} shows source frame {v:.1}, not {want}"
                );
            }
        }
    }
}

/// A preset whose width is not a multiple of 16 (270x480) over a landscape picture that is
/// fitted with the blurred fill: the blur's small copy was scaled to fewer rows than it was
/// cropped to, and libav refused the graph ("Invalid too big or non positive size").
#[test]
fn a_reel_width_that_is_not_a_multiple_of_16_still_gets_its_blurred_fill() {
    let dir = workdir();
    let clip = dir.path().join("wide.mp4");
    h264_clip(&clip, "testsrc2=s=320x180:r=30:d=1", None, &[]);
    let preset = quarter_preset(dir.path());
    let out = dir.path().join("reel.mp4");
    failreel_ok(&[
        "render",
        s(&clip),
        "--preset",
        s(&preset),
        "--focus",
        "auto",
        "-o",
        s(&out),
    ]);
    let (w, h, frames) = grey_frames(&out);
    assert_eq!((w, h), (270, 480));
    assert_eq!(frames.len(), 30);
    // The picture's band in the middle, the blurred copy above it (not black, not empty).
    let f = &frames[15];
    let above = mean_rect(f, w, 0, 20, w, 120);
    assert!(above > 20.0, "the fill above the picture is dark: {above}");
}

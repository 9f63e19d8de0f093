#![allow(missing_docs)] // criterion_group! generates undocumented items
//! Criterion benchmarks of the hot parts: card rasterisation, card conversion to YUV,
//! per-frame compositing at 1080x1920, the preview's YUV to RGB conversion, and a whole render
//! with two animated cards against the same render without cards.
//!
//! The side-by-side comparison with the ffmpeg CLI is `scripts/bench_vs_ffmpeg.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use failreel::__dev::{yuv420_to_rgb709, CardImage, TextEngine, YuvOverlay};
use failreel::{render, NoProgress, Preset, ReelRequest, RenderOptions};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

const BODY: &str = "Oil was smoking before the garlic went in, so it burnt in seconds 🔥";

fn card(engine: &mut TextEngine, p: &Preset) -> CardImage {
    engine
        .render_card(
            &p.cards.went_wrong_heading,
            BODY,
            &p.cards.style,
            p.cards.went_wrong_position,
            (1080, 1920),
            p.safe_zone,
            0.45,
        )
        .expect("a card")
}

fn cards(c: &mut Criterion) {
    let p = Preset::built_in("tiktok").unwrap();
    let mut engine = TextEngine::new();
    c.bench_function("card/rasterise", |b| {
        b.iter(|| black_box(card(&mut engine, &p)))
    });
    let img = card(&mut engine, &p);
    c.bench_function("card/to_yuv", |b| {
        b.iter(|| black_box(YuvOverlay::from_rgba(&img)))
    });
    let overlay = YuvOverlay::from_rgba(&img);
    let (w, h) = (1080usize, 1920usize);
    let mut y = vec![100u8; w * h];
    let mut u = vec![128u8; w * h / 4];
    let mut v = vec![128u8; w * h / 4];
    for opacity in [1.0f32, 0.5] {
        c.bench_with_input(
            BenchmarkId::new("composite/card_per_frame_1080x1920", opacity),
            &opacity,
            |b, &a| {
                b.iter(|| {
                    overlay.blend_plane(0, &mut y, w, 1080, 1920, a, 0);
                    overlay.blend_plane(1, &mut u, w / 2, 1080, 1920, a, 0);
                    overlay.blend_plane(2, &mut v, w / 2, 1080, 1920, a, 0);
                })
            },
        );
    }
    c.bench_function("preview/yuv420_to_rgb_1080x1920", |b| {
        b.iter(|| {
            black_box(yuv420_to_rgb709(
                [(&y, w), (&u, w / 2), (&v, w / 2)],
                1080,
                1920,
            ))
        })
    });
}

/// A 4 s 1080p H.264 clip with sound, made once with the ffmpeg CLI.
fn clip() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-media");
    std::fs::create_dir_all(&dir).ok()?;
    let p = dir.join("h264_1080p30_4s.mp4");
    if !p.exists() {
        let ok = std::process::Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=s=1920x1080:r=30:d=4",
                "-f",
                "lavfi",
                "-i",
                "sine=d=4",
            ])
            .args([
                "-c:v", "libx264", "-preset", "fast", "-g", "60", "-pix_fmt", "yuv420p", "-c:a",
                "aac",
            ])
            .arg(&p)
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
    }
    Some(p)
}

fn whole_render(c: &mut Criterion) {
    let Some(input) = clip() else {
        eprintln!("ffmpeg CLI not found: skipping the whole-render benchmark");
        return;
    };
    let info = failreel::probe(&input).expect("probe");
    let preset = Preset::built_in("tiktok").unwrap();
    let out = std::env::temp_dir().join("failreel-bench.mp4");
    // The presets' own x264 setting (what users render with) and ultrafast, where the
    // encoder is cheapest and the cards' share of the work is largest.
    for speed in [None, Some(failreel::X264Speed::Ultrafast)] {
        let with_cards = ReelRequest {
            went_wrong: Some(BODY.into()),
            lesson: Some("Heat the pan on medium, not high".into()),
            encoder_preset: speed,
            ..Default::default()
        };
        let without = ReelRequest {
            encoder_preset: speed,
            ..Default::default()
        };
        let label = speed.unwrap_or(preset.video.x264_preset).to_string();
        let mut g = c.benchmark_group(format!("render_4s_1080p_{label}"));
        g.sample_size(10);
        for (name, req) in [("two_animated_cards", &with_cards), ("no_cards", &without)] {
            let plan = failreel::plan(
                &info,
                req,
                &preset,
                out.clone(),
                failreel::Extras::default(),
                1,
            )
            .expect("plan");
            g.bench_function(name, |b| {
                b.iter(|| {
                    render(
                        &plan,
                        &RenderOptions::default(),
                        &NoProgress,
                        &AtomicBool::new(false),
                    )
                    .expect("render")
                })
            });
        }
        g.finish();
    }
    let _ = std::fs::remove_file(out);
}

criterion_group!(benches, cards, whole_render);
criterion_main!(benches);

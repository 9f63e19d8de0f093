//! Cards as a viewer sees them: golden images of each look and script, colour emoji, font
//! coverage, right-to-left order, and property tests that any text stays in the safe zone.
//!
//! Golden images live in `tests/golden/`. After a deliberate change to how cards look, run
//! `FAILREEL_BLESS=1 cargo test --release --test suite -- cards::` to rewrite them, look at
//! them, and commit them. A mismatch writes the rendered image and a difference image into the
//! target directory and names them in the failure message.

use failreel::__dev::{CardImage, ShapedGlyph, TextEngine, BUILT_IN, LOOKS};
use failreel::{CardPosition, CardStyle, FontWeight, Preset, SafeZone};
use image::{Rgb, RgbImage};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const FRAME: (u32, u32) = (1080, 1920);
const FRACTION: f32 = 0.45;
/// Background the goldens are composited over.
const GREY: [u8; 3] = [128, 128, 128];
/// Tolerances of the golden comparison.
const MAX_MEAN_DIFF: f64 = 2.0;
const BIG_DIFF: u8 = 40;
const MAX_BIG_DIFF_SHARE: f64 = 0.01;

/// The script samples: (name, heading, body, script font expected for the body's letters).
const SCRIPTS: &[(&str, &str, &str, &str)] = &[
    (
        "arabic",
        "ما الخطأ",
        "الزيت كان ساخنا جدا",
        "Noto Sans Arabic",
    ),
    ("hebrew", "מה השתבש", "השמן היה חם מדי", "Noto Sans Hebrew"),
    (
        "devanagari",
        "क्या गलत हुआ",
        "तेल बहुत गरम था",
        "Noto Sans Devanagari",
    ),
    (
        "bengali",
        "কী ভুল হয়েছে",
        "তেল খুব গরম ছিল",
        "Noto Sans Bengali",
    ),
    (
        "tamil",
        "என்ன தவறு",
        "எண்ணெய் மிகவும் சூடாக இருந்தது",
        "Noto Sans Tamil",
    ),
    ("thai", "เกิดอะไรขึ้น", "น้ำมันร้อนเกินไป", "Noto Sans Thai"),
    ("chinese", "出了什么问题", "油太热了", "Noto Sans CJK SC"),
    ("japanese", "何が起きた", "油が熱すぎた", "Noto Sans CJK JP"),
    (
        "korean",
        "무엇이 잘못됐나",
        "기름이 너무 뜨거웠어요",
        "Noto Sans CJK KR",
    ),
];

fn tiktok() -> Preset {
    Preset::built_in("tiktok").unwrap()
}

fn look(name: &str) -> CardStyle {
    CardStyle::look(name).unwrap_or_else(|| panic!("no look {name}"))
}

fn render(
    engine: &mut TextEngine,
    style: &CardStyle,
    heading: &str,
    body: &str,
    safe: SafeZone,
    pos: CardPosition,
) -> CardImage {
    engine
        .render_card(heading, body, style, pos, FRAME, safe, FRACTION)
        .unwrap()
}

/// The card composited over a plain background, cropped to the card.
fn over(card: &CardImage, background: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(card.width, card.height, |x, y| {
        let i = ((y * card.width + x) * 4) as usize;
        let px = &card.rgba[i..i + 4];
        let a = f32::from(px[3]) / 255.0;
        Rgb(std::array::from_fn(|c| {
            (f32::from(px[c]) * a + f32::from(background[c]) * (1.0 - a)).round() as u8
        }))
    })
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.png"))
}

/// Compares `actual` with the golden image `name`, or writes it when FAILREEL_BLESS=1.
fn check_golden(name: &str, actual: &RgbImage) {
    let path = golden_path(name);
    if std::env::var_os("FAILREEL_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        actual.save(&path).unwrap();
        eprintln!("blessed {}", path.display());
        return;
    }
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden");
    let save_actual = || {
        std::fs::create_dir_all(&out_dir).unwrap();
        let p = out_dir.join(format!("{name}.actual.png"));
        actual.save(&p).unwrap();
        p
    };
    let bless = "if the change is intended, run `FAILREEL_BLESS=1 cargo test --release --test suite -- cards::` and commit tests/golden/";
    let expected = match image::open(&path) {
        Ok(img) => img.to_rgb8(),
        Err(e) => {
            let p = save_actual();
            panic!(
                "{name}: cannot read golden {}: {e}; rendered image: {}; {bless}",
                path.display(),
                p.display()
            );
        }
    };
    if expected.dimensions() != actual.dimensions() {
        let p = save_actual();
        panic!(
            "{name}: card is {:?}, golden {} is {:?}; rendered image: {}; {bless}",
            actual.dimensions(),
            path.display(),
            expected.dimensions(),
            p.display()
        );
    }
    let mut total = 0u64;
    let mut big = 0usize;
    let diff = RgbImage::from_fn(actual.width(), actual.height(), |x, y| {
        let (a, e) = (actual.get_pixel(x, y).0, expected.get_pixel(x, y).0);
        let d: [u8; 3] = std::array::from_fn(|c| a[c].abs_diff(e[c]));
        total += d.iter().map(|&v| u64::from(v)).sum::<u64>();
        let worst = d.into_iter().max().unwrap_or(0);
        if worst > BIG_DIFF {
            big += 1;
        }
        // Differences in red over a dimmed copy of the golden.
        if worst > 0 {
            Rgb([255, 255 - worst, 255 - worst])
        } else {
            Rgb(e.map(|v| v / 3))
        }
    });
    let pixels = (actual.width() * actual.height()).max(1) as f64;
    let mean = total as f64 / (pixels * 3.0);
    let big_share = big as f64 / pixels;
    if mean >= MAX_MEAN_DIFF || big_share >= MAX_BIG_DIFF_SHARE {
        let p = save_actual();
        let d = out_dir.join(format!("{name}.diff.png"));
        diff.save(&d).unwrap();
        panic!(
            "{name}: differs from {}: mean absolute difference {mean:.2} (limit {MAX_MEAN_DIFF}), \
             {:.2}% of pixels off by more than {BIG_DIFF} (limit {:.0}%); rendered image: {}, \
             differences (red): {}; {bless}",
            path.display(),
            big_share * 100.0,
            MAX_BIG_DIFF_SHARE * 100.0,
            p.display(),
            d.display()
        );
    }
}

/// Paints a card onto a frame at its place.
fn composite(frame: &mut RgbImage, card: &CardImage) {
    for y in 0..card.height {
        for x in 0..card.width {
            let i = ((y * card.width + x) * 4) as usize;
            let a = f32::from(card.rgba[i + 3]) / 255.0;
            let dst = frame.get_pixel_mut(card.x + x, card.y + y);
            for c in 0..3 {
                dst.0[c] = (f32::from(card.rgba[i + c]) * a + f32::from(dst.0[c]) * (1.0 - a))
                    .round() as u8;
            }
        }
    }
}

/// Pixels whose channels are far apart: colour, not grey.
fn saturated(img: &RgbImage) -> usize {
    img.pixels()
        .filter(|p| {
            let (max, min) = (p.0.iter().max().unwrap(), p.0.iter().min().unwrap());
            max - min > 100
        })
        .count()
}

fn assert_inside(card: &CardImage, safe: SafeZone, what: &str) {
    assert_eq!(
        card.rgba.len(),
        (card.width as usize) * (card.height as usize) * 4,
        "{what}"
    );
    let (right, bottom) = (FRAME.0 - safe.right, FRAME.1 - safe.bottom);
    assert!(
        card.x >= safe.left && card.y >= safe.top,
        "{what}: at ({}, {})",
        card.x,
        card.y
    );
    assert!(
        card.x + card.width <= right && card.y + card.height <= bottom,
        "{what}: {}x{} at ({}, {}) passes ({right}, {bottom})",
        card.width,
        card.height,
        card.x,
        card.y
    );
    assert!(right <= FRAME.0 && bottom <= FRAME.1, "{what}");
}

#[test]
fn golden_looks() {
    let safe = tiktok().safe_zone;
    let mut engine = TextEngine::new();
    for (name, _) in LOOKS {
        let card = render(
            &mut engine,
            &look(name),
            "WHAT WENT WRONG",
            "Flipped the pancake way too early and it folded onto the burner",
            safe,
            CardPosition::Top,
        );
        check_golden(&format!("look_{name}"), &over(&card, GREY));
    }
}

#[test]
fn golden_scripts() {
    let safe = tiktok().safe_zone;
    let mut engine = TextEngine::new();
    for &(name, heading, body, _) in SCRIPTS {
        if matches!(name, "bengali" | "tamil") {
            continue; // covered by the glyph checks; keeps tests/golden small
        }
        let card = render(
            &mut engine,
            &look("boxed"),
            heading,
            body,
            safe,
            CardPosition::Center,
        );
        check_golden(&format!("script_{name}"), &over(&card, GREY));
    }
}

#[test]
fn golden_emoji() {
    let mut engine = TextEngine::new();
    let card = render(
        &mut engine,
        &look("outline"),
        "",
        "Burnt it again 🔥😅🍳",
        tiktok().safe_zone,
        CardPosition::Bottom,
    );
    check_golden("emoji", &over(&card, GREY));
}

#[test]
fn emoji_are_drawn_in_colour() {
    let safe = tiktok().safe_zone;
    let mut engine = TextEngine::new();
    for (name, _) in LOOKS {
        let style = look(name);
        let fire = over(
            &render(&mut engine, &style, "", "🔥", safe, CardPosition::Top),
            GREY,
        );
        let plain = over(
            &render(&mut engine, &style, "", "Oops", safe, CardPosition::Top),
            GREY,
        );
        let glyph_px = 60 * 60; // the emoji is about the body size square
        assert!(
            saturated(&fire) > glyph_px / 4,
            "{name}: {} coloured pixels",
            saturated(&fire)
        );
        if name != &"banner" {
            // White text, black outline: no colour at all (the banner's box is yellow).
            assert_eq!(saturated(&plain), 0, "{name}");
        }
    }
}

fn shape_both(engine: &mut TextEngine, text: &str) -> Vec<ShapedGlyph> {
    let mut glyphs = engine.shape(text, FontWeight::Bold);
    glyphs.extend(engine.shape(text, FontWeight::Regular));
    glyphs
}

#[test]
fn every_script_sample_has_all_its_glyphs() {
    let mut engine = TextEngine::new();
    let mut samples: Vec<(String, Option<&str>)> = SCRIPTS
        .iter()
        .flat_map(|&(_, h, b, font)| [(h.to_string(), Some(font)), (b.to_string(), Some(font))])
        .collect();
    samples.extend(
        [
            "🔥😅🍳 👩‍🍳 👍🏽 🇯🇵 ❤️",
            "Kerning AV To Wa, ligatures fi fl ffi, café naïve Ελλάδα Москва",
            "100% {} \"quotes\" 'single' \\back\\slash: colons; «guillemets» — … ™ © €",
            "Mixed: oil 🔥 الزيت hot חם गरम ร้อน 热 熱い 뜨거운",
            "全角！？、。「かぎ」（括弧）",
        ]
        .map(|s| (s.to_string(), None)),
    );
    for (text, font) in &samples {
        let glyphs = shape_both(&mut engine, text);
        assert!(!glyphs.is_empty(), "{text}");
        let tofu: Vec<&ShapedGlyph> = glyphs.iter().filter(|g| g.glyph_id == 0).collect();
        assert!(tofu.is_empty(), "{text}: missing glyphs {tofu:#?}");
        if let Some(font) = font {
            // The letters come from the script's font, not from a last-resort fallback.
            for g in &glyphs {
                if g.text.chars().any(char::is_alphabetic) {
                    assert_eq!(&g.family, font, "{text}: {g:?}");
                }
            }
        }
    }
    // Emoji come from the colour emoji font, Latin from Noto Sans.
    for g in engine.shape("a🔥", FontWeight::Bold) {
        let want = if g.text == "a" {
            "Noto Sans"
        } else {
            "Noto Color Emoji"
        };
        assert_eq!(g.family, want, "{g:?}");
    }
}

#[test]
fn arabic_and_hebrew_run_right_to_left() {
    let mut engine = TextEngine::new();
    for text in ["الزيت كان ساخنا جدا", "השמן היה חם מדי"] {
        let glyphs = engine.shape(text, FontWeight::Bold);
        assert!(glyphs.iter().all(|g| g.rtl), "{text}");
        let first = glyphs.iter().find(|g| g.start == 0).unwrap();
        let last = glyphs.iter().max_by_key(|g| g.start).unwrap();
        assert!(
            first.x > last.x,
            "{text}: first character at {}, last at {}",
            first.x,
            last.x
        );
    }
}

#[test]
fn right_to_left_lines_are_centred() {
    let safe = tiktok().safe_zone;
    let mut engine = TextEngine::new();
    let style = look("banner"); // full width: centring is visible inside the card
    for text in ["الزيت كان ساخنا جدا", "השמן היה חם מדי", "Latin for scale"]
    {
        let card = over(
            &render(&mut engine, &style, "", text, safe, CardPosition::Top),
            GREY,
        );
        // Ink: pixels far from the banner's colour.
        let banner = [0xFF, 0xD2, 0x3F];
        let ink_cols: Vec<u32> = (0..card.width())
            .filter(|&x| {
                (0..card.height()).any(|y| {
                    let p = card.get_pixel(x, y).0;
                    (0..3).any(|c| p[c].abs_diff(banner[c]) > 100)
                })
            })
            .collect();
        // Ignore the box's rounded corners at both ends.
        let inner: Vec<u32> = ink_cols
            .into_iter()
            .filter(|&x| x > 20 && x < card.width() - 20)
            .collect();
        let (left, right) = (inner[0], card.width() - 1 - inner[inner.len() - 1]);
        assert!(
            left.abs_diff(right) <= 4,
            "{text}: {left} px left of the text, {right} px right"
        );
    }
}

#[test]
fn japanese_korean_and_chinese_get_their_own_glyph_shapes() {
    let mut engine = TextEngine::new();
    // The same Han character, drawn by the face of the text's language.
    for (text, face) in [
        ("油太热了", "Noto Sans CJK SC"),
        ("油が熱すぎた", "Noto Sans CJK JP"),
        ("油 기름", "Noto Sans CJK KR"),
    ] {
        let glyphs = engine.shape(text, FontWeight::Regular);
        let oil = glyphs.iter().find(|g| g.text == "油").unwrap();
        assert_eq!(oil.family, face, "{text}");
    }
}

#[test]
fn looks_keep_their_promises() {
    let safe = tiktok().safe_zone;
    let safe_w = FRAME.0 - safe.left - safe.right;
    let mut engine = TextEngine::new();
    let mut card = |name: &str| {
        render(
            &mut engine,
            &look(name),
            "WHAT WENT WRONG",
            "Oops",
            safe,
            CardPosition::Bottom,
        )
    };
    // The banner spans the safe zone; the others hug the text.
    assert_eq!(card("banner").width, safe_w);
    assert!(card("boxed").width < safe_w * 3 / 4);
    // Outline: no box, so between the words the footage shows through.
    let outline = card("outline");
    let clear = outline.rgba.chunks_exact(4).filter(|p| p[3] == 0).count();
    assert!(clear > outline.rgba.len() / 4 / 3, "{clear} clear pixels");
    // Its shadow falls below the text: the bottom rows have some soft, partly opaque dark.
    let h = outline.height as usize;
    let w = outline.width as usize;
    let soft = (h * 3 / 4..h)
        .flat_map(|y| (0..w).map(move |x| (y * w + x) * 4))
        .filter(|&i| {
            let a = outline.rgba[i + 3];
            a > 10 && a < 200 && outline.rgba[i] < 40
        })
        .count();
    assert!(soft > 500, "{soft} shadow pixels");
}

/// Text of any kind: random characters, words of every script with emoji and newlines, and
/// very long runs.
fn any_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("oil ".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("🔥".to_string()),
        Just("👩‍🍳".to_string()),
        Just("%{pts}\\n:\"'".to_string()),
        Just("x".repeat(120)),
        prop::sample::select(SCRIPTS.iter().map(|s| s.2.to_string()).collect::<Vec<_>>()),
        any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        ".{0,200}",
        prop::collection::vec(piece, 0..150).prop_map(|v| v.concat()),
        ("[a-zA-Z 🔥\n]{1,40}", 1usize..400).prop_map(|(s, n)| s.repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_text_stays_inside_the_safe_zone(
        preset in prop::sample::select(BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>()),
        look_name in prop::sample::select(LOOKS.iter().map(|(n, _)| *n).collect::<Vec<_>>()),
        pos in prop::sample::select(vec![CardPosition::Top, CardPosition::Center, CardPosition::Bottom]),
        regular in any::<bool>(),
        heading in prop_oneof![Just(String::new()), Just("WHAT WENT WRONG".to_string()), any_text()],
        body in any_text(),
    ) {
        let p = Preset::built_in(preset).unwrap();
        let mut style = look(look_name);
        if regular {
            style.weight = FontWeight::Regular;
        }
        let mut engine = TextEngine::new();
        let card = render(&mut engine, &style, &heading, &body, p.safe_zone, pos);
        assert_inside(&card, p.safe_zone, &format!("{preset}/{look_name}/{pos:?}"));
        let safe_h = FRAME.1 - p.safe_zone.top - p.safe_zone.bottom;
        prop_assert!(card.height as f32 <= FRACTION * safe_h as f32 + 1.0);
    }
}

/// A synthetic footage frame: colour at (x, y).
type Background = fn(u32, u32) -> [u8; 3];

/// Writes every look over bright, dark and busy footage, and every script sample, into the
/// target directory for a person to look at. Run with
/// `cargo test --release --test suite -- cards:: --ignored --nocapture`.
#[test]
#[ignore = "writes contact sheets for a person to look at"]
fn write_contact_sheets() {
    let start = std::time::Instant::now();
    let mut engine = TextEngine::new();
    println!(
        "first TextEngine::new (parses the fonts): {:?}",
        start.elapsed()
    );
    let p = tiktok();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cards");
    std::fs::create_dir_all(&out).unwrap();
    let backgrounds: [(&str, Background); 3] = [
        ("bright", |x, y| {
            let v = 235 + ((x + y) % 20) as u8;
            [v, v, v - 10]
        }),
        ("dark", |x, _| [20, 18 + (x % 7) as u8, 24]),
        ("busy", |x, y| {
            let (cx, cy) = (x / 40, y / 40);
            let v = ((cx * 37 + cy * 91) % 255) as u8;
            if (cx + cy) % 2 == 0 {
                [v, 255 - v, 200]
            } else {
                [250, 240, v]
            }
        }),
    ];
    for (look_name, _) in LOOKS {
        let style = look(look_name);
        for (bg_name, bg) in &backgrounds {
            let mut frame = RgbImage::from_fn(FRAME.0, FRAME.1, |x, y| Rgb(bg(x, y)));
            for (heading, body, pos) in [
                (
                    "WHAT WENT WRONG",
                    "Flipped the pancake way too early and it folded onto the burner 🔥",
                    CardPosition::Top,
                ),
                (
                    "LESSON LEARNED",
                    "Wait for bubbles all over before you flip. Patience = breakfast 🥞",
                    CardPosition::Bottom,
                ),
            ] {
                let start = std::time::Instant::now();
                let card = render(&mut engine, &style, heading, body, p.safe_zone, pos);
                println!("{look_name}/{bg_name}: {:?}", start.elapsed());
                composite(&mut frame, &card);
            }
            if *bg_name == "busy" {
                // The top card at full size.
                let card = render(
                    &mut engine,
                    &style,
                    "WHAT WENT WRONG",
                    "Burnt the toast 🔥 again",
                    p.safe_zone,
                    CardPosition::Top,
                );
                let mut busy = RgbImage::from_fn(FRAME.0, FRAME.1, |x, y| Rgb(bg(x, y)));
                composite(&mut busy, &card);
                image::imageops::crop_imm(&busy, card.x, card.y, card.width, card.height)
                    .to_image()
                    .save(out.join(format!("{look_name}-full.png")))
                    .unwrap();
            }
            let small = image::imageops::resize(
                &frame,
                FRAME.0 / 2,
                FRAME.1 / 2,
                image::imageops::FilterType::Triangle,
            );
            small
                .save(out.join(format!("{look_name}-{bg_name}.png")))
                .unwrap();
        }
    }
    for &(name, heading, body, _) in SCRIPTS {
        let start = std::time::Instant::now();
        let card = render(
            &mut engine,
            &look("boxed"),
            heading,
            body,
            p.safe_zone,
            CardPosition::Center,
        );
        println!("{name}: {:?}", start.elapsed());
        over(&card, GREY)
            .save(out.join(format!("script-{name}.png")))
            .unwrap();
    }
    let start = std::time::Instant::now();
    let n = 20;
    for _ in 0..n {
        std::hint::black_box(TextEngine::new());
    }
    println!("TextEngine::new: {:?} each", start.elapsed() / n);
    println!("wrote {}", out.display());
}

/// The went-wrong and lesson cards of a dry run's plan: (at, until) each, microseconds.
fn card_times_of(plan: &serde_json::Value) -> ((i64, i64), (i64, i64)) {
    let find = |role: &str| {
        let c = plan["overlays"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["role"] == role)
            .unwrap_or_else(|| panic!("a {role} card: {plan}"));
        (c["at"].as_i64().unwrap(), c["until"].as_i64().unwrap())
    };
    (find("went_wrong"), find("lesson"))
}

#[test]
fn start_auto_never_shows_both_cards_at_once_and_a_short_went_wrong_card_is_moved() {
    use crate::common::*;
    // Issue 24: with the moment late in the reel the went-wrong card (from the moment) and the
    // lesson (from two thirds) were on screen together, or the went-wrong card lasted a blink.
    let clip = late_bang_clip();
    let dir = workdir();
    let o = failreel_exit(
        &[
            "render",
            s(&clip),
            "--start",
            "auto",
            "--went-wrong",
            "Too hot",
            "--lesson",
            "Medium heat",
            "-o",
            s(&dir.path().join("r.mp4")),
            "--dry-run",
            "--json",
        ],
        0,
    );
    let v = json_lines(&o.stdout)
        .into_iter()
        .find(|v| v["event"] == "plan")
        .expect("a plan");
    let plan = &v["plan"];
    let moment = plan["auto_start"]["moment_s"]
        .as_f64()
        .expect("the bang is found");
    assert!((5.4..5.8).contains(&moment), "{moment}");
    let ((a1, u1), (a2, u2)) = card_times_of(plan);
    assert!(
        u1 <= a2,
        "went-wrong {a1}..{u1} and lesson {a2}..{u2} overlap"
    );
    assert!(u1 - a1 >= 1_000_000, "went-wrong on screen {} us", u1 - a1);
    assert!(u2 - a2 >= 1_000_000, "lesson on screen {} us", u2 - a2);
}

#[test]
fn went_wrong_at_alone_works_the_end_follows_the_start() {
    use crate::common::*;
    // Issue 24: `--went-wrong-at 2.5` alone on a 4 s reel was refused (its default end, half
    // the reel, came before it).
    let clip = small_pattern(4);
    let dir = workdir();
    let plan = plan_lines(&[
        "render",
        s(&clip),
        "--went-wrong",
        "Too hot",
        "--went-wrong-at",
        "2.5",
        "-o",
        s(&dir.path().join("r.mp4")),
        "--dry-run",
        "--json",
    ])
    .remove(0);
    let c = plan["plan"]["overlays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["role"] == "went_wrong")
        .cloned()
        .expect("the card");
    assert_eq!(c["at"], 2_500_000);
    assert_eq!(c["until"], 4_000_000, "to the reel's end");
}

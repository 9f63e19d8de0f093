//! Property tests: random and mutated manifests (TOML, JSON, CSV), presets, times and card
//! texts fed to the parsers and the planner. Whatever comes in: no panic, and either a clear
//! error (naming the file) or a valid result. (Unit tests: they reach the parsers and the
//! planner below the library's surface.)

use crate::config::manifest::Manifest;
use crate::config::preset::Preset;
use crate::config::request::ReelRequest;
use crate::model::source::MediaInfo;
use crate::model::time::{parse_time, Micros};
use crate::model::{clean_card_text, Focus};
use crate::plan::plan_reel;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::path::Path;

const TOML_WEEK: &str = r#"preset = "reels"
out_dir = "reels"
crf = 23
strict = false

[[clip]]
input = "raw/IMG_0412.MOV"
start = "0:03.2"
end = "0:11"
went_wrong = "Oil was smoking before the garlic went in"
lesson = "Heat the pan on medium, not high"
focus = "left"

[[clip]]
input = "raw/IMG_0415.MOV"
preset = "tiktok"
output = "souffle.mp4"
duration = 4.5
encoder_preset = "veryfast"
normalize = false
"#;

const JSON_WEEK: &str = r#"{"preset": "shorts", "crf": 20, "clip": [
  {"input": "a.mov", "start": 1.5, "focus": 0.25, "went_wrong": "Burnt"},
  {"input": "b.mov", "end": "0:09", "lesson_at": "3", "lesson": "Less salt"}
]}"#;

const CSV_WEEK: &str = "input,start,end,went_wrong,lesson,crf,encoder_preset\nraw/a.mov,0:01,0:05,\"Burnt, badly\",Lower heat,20,fast\nraw/b.mov,,,,,,\n";

const PRESET: &str = "base = \"reels\"\nname = \"mine\"\n[video]\ncrf = 18\nfill = \"#202020\"\nfps = 60\n[cards]\nlook = \"banner\"\nanimation = \"pop\"\n[cards.style]\nbox_color = \"#3FA7FF\"\nshadow_offset = [2.0, 3.0]\n";

/// `text` with some bytes replaced, removed or inserted, then cut, as UTF-8 (lossy).
fn mutate(text: &str) -> impl Strategy<Value = String> {
    let bytes = text.as_bytes().to_vec();
    let n = bytes.len();
    (
        prop::collection::vec((0..n, any::<u8>(), 0u8..3), 0..6),
        0..=n,
    )
        .prop_map(move |(edits, cut)| {
            let mut b = bytes.clone();
            for (at, byte, kind) in edits {
                let at = at.min(b.len().saturating_sub(1));
                match kind {
                    0 if !b.is_empty() => b[at] = byte,
                    1 if !b.is_empty() => {
                        b.remove(at);
                    }
                    _ => b.insert(at.min(b.len()), byte),
                }
            }
            b.truncate(cut.max(b.len().min(cut + 64)));
            String::from_utf8_lossy(&b).into_owned()
        })
}

/// Lines a manifest or preset might have, right or wrong.
fn config_line() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "input",
        "output",
        "preset",
        "out_dir",
        "start",
        "end",
        "duration",
        "went_wrong",
        "lesson",
        "went_wrong_at",
        "went_wrong_until",
        "lesson_at",
        "lesson_until",
        "focus",
        "crf",
        "encoder_preset",
        "normalize",
        "strict",
        "strat",
        "name",
        "base",
        "width",
        "fps",
        "animation",
        "fill",
        "look",
    ]);
    let values = prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        "[a-z0-9:.#\\- ]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("true".to_string()),
        Just("[1, 2]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("1979-05-27".to_string()),
        Just("\"\\u001b[31mred\"".to_string()),
    ];
    let header = prop::sample::select(vec![
        "[[clip]]",
        "[video]",
        "[cards]",
        "[cards.style]",
        "[audio]",
        "[[clips]]",
        "[x]",
    ]);
    prop_oneof![
        4 => (keys, values).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => header.prop_map(str::to_string),
    ]
}

fn check_manifest(text: &str, ext: &str) -> Result<(), TestCaseError> {
    let file = format!("w.{ext}");
    match Manifest::parse(text, ext, &file, Path::new("/m")) {
        Ok(clips) => {
            for c in clips {
                prop_assert!(c.input.starts_with("/m"));
                // What was accepted is consistent or will be reported by validate.
                let _ = c.request.validate(&crate::config::request::key_name);
            }
        }
        Err(e) => {
            prop_assert!(!e.problems.is_empty());
            for p in &e.problems {
                prop_assert!(p.starts_with(&file), "{p}");
                prop_assert!(!p.contains("invalid type:"), "not plain words: {p}");
            }
        }
    }
    Ok(())
}

fn check_preset(text: &str) -> Result<(), TestCaseError> {
    match Preset::from_override_toml(text, "p.toml") {
        Ok(p) => {
            prop_assert!(p.validate().is_ok());
            prop_assert!(crate::model::check_file_name_part(&p.name).is_ok());
            // What a user file yields reads back the same.
            let again = Preset::from_override_toml(&p.to_toml(), "p.toml");
            prop_assert_eq!(again.ok(), Some(p));
        }
        Err(e) => {
            let msg = e.to_string();
            for line in msg.lines() {
                prop_assert!(line.starts_with("p.toml"), "{line}");
                prop_assert!(!line.contains("invalid type:"), "not plain words: {line}");
            }
        }
    }
    Ok(())
}

fn media(w: u32, h: u32, rotation: u32, secs: f64, audio: bool) -> MediaInfo {
    MediaInfo::for_tests(w, h, rotation, secs, audio)
}

fn opt_time() -> impl Strategy<Value = Option<Micros>> {
    prop::option::of((0i64..700_000_000).prop_map(Micros))
}

fn card_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "\\PC{0,40}",
        "[ \t\n]{0,5}",
        "(\u{1b}\\[[0-9;]{0,6}[a-zA-Z]|[a-z ]){0,12}",
    ])
}

fn request() -> impl Strategy<Value = ReelRequest> {
    (
        (opt_time(), opt_time(), opt_time()),
        (card_text(), card_text()),
        (opt_time(), opt_time(), opt_time(), opt_time()),
        prop::option::of(0.0f64..=1.0),
        prop::option::of(1i64..=51),
    )
        .prop_map(
            |((start, end, duration), (ww, lesson), (wa, wu, la, lu), focus, crf)| {
                ReelRequest {
                    start: start.map(crate::model::Start::At),
                    end,
                    duration,
                    went_wrong: ww.map(|t| clean_card_text(&t)),
                    lesson: lesson.map(|t| clean_card_text(&t)),
                    went_wrong_at: wa,
                    went_wrong_until: wu,
                    lesson_at: la,
                    lesson_until: lu,
                    focus: focus.map(|f| Focus::At(f).into()),
                    crf: crf.and_then(|c| crate::model::Crf::new(c).ok()),
                    ..Default::default()
                }
                .without_blank_cards()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn times_never_panic_and_read_back(s in "\\PC{0,16}", us in 0i64..360_000_000_000) {
        let _ = parse_time(&s);
        // Whole milliseconds print and read back exactly.
        let m = Micros(us / 1000 * 1000);
        prop_assert_eq!(parse_time(&m.to_string()), Ok(m));
    }

    #[test]
    fn card_texts_come_out_printable(s in "\\PC{0,30}|(\u{1b}\\[[0-9;]{0,4}m|\u{7}|\u{0}|[a-z\n\t])*") {
        let c = clean_card_text(&s);
        prop_assert!(!c.chars().any(|ch| ch.is_control() && ch != '\n'), "{c:?}");
        prop_assert!(!c.contains('\u{1b}'), "escape left in {:?}", c);
        prop_assert_eq!(clean_card_text(&c), c.clone());
    }

    #[test]
    fn random_manifests_give_a_clear_error_or_clips(
        lines in prop::collection::vec(config_line(), 0..12),
        ext in prop::sample::select(vec!["toml", "json", "csv"]),
    ) {
        check_manifest(&lines.join("\n"), ext)?;
    }

    #[test]
    fn mutated_toml_manifests(text in mutate(TOML_WEEK)) {
        check_manifest(&text, "toml")?;
    }

    #[test]
    fn mutated_json_manifests(text in mutate(JSON_WEEK)) {
        check_manifest(&text, "json")?;
    }

    #[test]
    fn mutated_csv_manifests(text in mutate(CSV_WEEK)) {
        check_manifest(&text, "csv")?;
    }

    #[test]
    fn random_presets_give_a_clear_error_or_a_valid_preset(
        lines in prop::collection::vec(config_line(), 0..10),
    ) {
        check_preset(&lines.join("\n"))?;
    }

    #[test]
    fn mutated_presets(text in mutate(PRESET)) {
        check_preset(&text)?;
    }

    #[test]
    fn the_planner_gives_a_clear_error_or_a_valid_plan(
        req in request(),
        w in 2u32..5000,
        h in 2u32..5000,
        rotation in prop::sample::select(vec![0u32, 90, 180, 270]),
        secs in 0.0f64..900.0,
        audio in any::<bool>(),
        preset in prop::sample::select(vec!["tiktok", "reels", "shorts"]),
    ) {
        let preset = Preset::built_in(preset).unwrap();
        let info = media(w, h, rotation, secs, audio);
        match plan_reel(&info, &req, &preset, "out.mp4".into()) {
            Ok(p) => {
                prop_assert!(p.video.frames >= 1);
                prop_assert!(p.trim().start < p.trim().end);
                prop_assert!(p.trim().end <= info.duration || info.duration.0 == 0);
                let c = p.video.crop();
                prop_assert!(c.x + c.width <= p.video.rotated_size.0);
                prop_assert!(c.y + c.height <= p.video.rotated_size.1);
                let reel = p.frame_time(p.video.frames);
                for card in p.overlays.iter().filter(|o| o.is_card()) {
                    prop_assert!(card.at < card.until && card.until <= reel);
                    prop_assert!(!card.text.trim().is_empty(), "no card over nothing");
                }
                prop_assert!((1..=51).contains(&p.encoder().crf.get()));
            }
            Err(e) => prop_assert!(e.to_string().contains("clip.mov")),
        }
    }
}

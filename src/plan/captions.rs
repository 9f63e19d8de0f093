//! Subtitle files (SubRip `.srt` and WebVTT `.vtt`) read strictly into timed cues on the
//! input's clock, and laid out as caption overlays of a plan ([`plan_captions`]).
//!
//! Formatting is not drawn: the subtitle tags (`<i>`, `<b>`, `<u>`, `<s>`, `<font …>`,
//! WebVTT `<v Name>`, `<c.class>`, `<lang …>`, `<ruby>`, `<rt>`, inline timestamps, `<br>`),
//! ASS overrides (`{\an8}`) and WebVTT cue settings are stripped; entities (`&amp;`,
//! `&lt;`…) become their characters. Any other text between `<` and `>` (`I <3 pancakes,
//! 2 < 3`) is text, and drawn. A malformed file is an error naming `file:line` and what is
//! wrong. The file is read like a video ([`crate::config::files`]): a regular file only,
//! size-capped, UTF-8 or UTF-16 with its byte-order mark.
//!
//! Cues that overlap in time (auto-generated subtitles roll one line into the next) are
//! joined while they overlap: one caption with each cue's lines once, never two drawn over
//! each other.

use crate::config::preset::SafeZone;
use crate::model::time::Micros;
use crate::model::{clean_card_text, CardPosition};
pub use crate::plan::CaptionError;
use crate::plan::{Overlay, PlanError, RenderPlan, Role};
use crate::text::card::{CardError, TextEngine};
use std::path::Path;

/// One subtitle cue: its text (tags stripped) and its time on the input's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// First instant shown.
    pub start: Micros,
    /// Instant it is gone.
    pub end: Micros,
    /// The text to draw, lines joined with `\n`, formatting removed.
    pub text: String,
    /// Line of the cue's timing line in the file (1-based), for messages.
    pub line: usize,
}

/// Reads the cues of an `.srt` or `.vtt` file.
pub fn read_captions(path: &Path) -> Result<Vec<Cue>, CaptionError> {
    let p = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "srt" && ext != "vtt" {
        return Err(CaptionError::Kind { path: p });
    }
    // Read like a video: a regular file only (a FIFO never blocks the run), size-capped,
    // UTF-8 or UTF-16 with its byte-order mark.
    let text = crate::config::files::read_text(path, crate::config::files::SideFile::Captions)?;
    parse_captions(&text, ext == "vtt").map_err(|(line, what)| CaptionError::Malformed {
        path: p,
        line,
        what,
    })
}

/// Parses subtitle text (`vtt`: WebVTT, else SubRip). Errors are `(line, what)`.
pub fn parse_captions(text: &str, vtt: bool) -> Result<Vec<Cue>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect();
    let mut i = 0;
    if vtt {
        let first = lines.first().map_or("", |l| l.1);
        let ok = first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t");
        if !ok {
            return Err((1, "a WebVTT file must start with the line `WEBVTT`".into()));
        }
        // The header runs to the first blank line.
        while i < lines.len() && !lines[i].1.trim().is_empty() {
            i += 1;
        }
    }
    let mut cues = Vec::new();
    loop {
        while i < lines.len() && lines[i].1.trim().is_empty() {
            i += 1;
        }
        if i >= lines.len() {
            break;
        }
        let block_start = i;
        let mut block = Vec::new();
        while i < lines.len() && !lines[i].1.trim().is_empty() {
            block.push(lines[i]);
            i += 1;
        }
        let first = block[0].1;
        if vtt && (first.starts_with("NOTE") || first == "STYLE" || first == "REGION") {
            continue;
        }
        // The timing line: SRT has a number first; WebVTT an optional identifier.
        let timing_at = if block[0].1.contains("-->") {
            0
        } else if !vtt {
            let n = first.trim();
            if n.parse::<u64>().is_err() {
                return Err((
                    lines[block_start].0,
                    format!("expected a cue number, found `{}`", short(n)),
                ));
            }
            1
        } else {
            1
        };
        let Some(&(tline, timing)) = block.get(timing_at) else {
            return Err((
                block[block.len() - 1].0,
                "the cue has no timing line (`00:00:01,000 --> 00:00:02,500`)".into(),
            ));
        };
        let (start, end) = parse_timing(timing, vtt).map_err(|w| (tline, w))?;
        if end <= start {
            return Err((
                tline,
                format!("the cue ends ({end}) before or when it starts ({start})"),
            ));
        }
        let body: Vec<&str> = block[timing_at + 1..].iter().map(|l| l.1).collect();
        if let Some(&(l, t)) = block[timing_at + 1..].iter().find(|l| l.1.contains("-->")) {
            return Err((
                l,
                format!(
                    "a timing line inside a cue's text (`{}`): put a blank line between cues",
                    short(t)
                ),
            ));
        }
        let text = strip_formatting(&body.join("\n"));
        if text.trim().is_empty() {
            continue;
        }
        cues.push(Cue {
            start,
            end,
            text,
            line: tline,
        });
    }
    Ok(cues)
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

fn parse_timing(line: &str, vtt: bool) -> Result<(Micros, Micros), String> {
    let Some((a, b)) = line.split_once("-->") else {
        return Err("expected a timing line such as `00:00:01,000 --> 00:00:02,500`".into());
    };
    // WebVTT cue settings (`align:start line:0`) follow the end time; SRT may carry
    // coordinates (`X1:…`). Neither is drawn.
    let b = b.split_whitespace().next().unwrap_or("");
    Ok((stamp(a.trim(), vtt)?, stamp(b, vtt)?))
}

/// `hh:mm:ss,mmm` (SRT; `.` accepted) or `[hh:]mm:ss.mmm` (WebVTT).
fn stamp(s: &str, vtt: bool) -> Result<Micros, String> {
    let bad = || {
        format!(
            "`{}` is not a time: use {}",
            short(s),
            if vtt {
                "mm:ss.mmm or hh:mm:ss.mmm"
            } else {
                "hh:mm:ss,mmm"
            }
        )
    };
    let (hms, frac) = s.split_once([',', '.']).ok_or_else(bad)?;
    if frac.len() != 3 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let parts: Vec<&str> = hms.split(':').collect();
    // Minutes and seconds have two digits, hours at least two.
    let widths_ok =
        parts.iter().rev().enumerate().all(
            |(i, p)| {
                if i < 2 {
                    p.len() == 2
                } else {
                    p.len() >= 2
                }
            },
        );
    if !widths_ok {
        return Err(bad());
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
                .then(|| p.parse::<i64>().ok())
                .flatten()
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    let (h, m, sec) = match nums.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] if vtt => (0, *m, *s),
        _ => return Err(bad()),
    };
    if m > 59 || sec > 59 {
        return Err(bad());
    }
    let ms: i64 = frac.parse().map_err(|_| bad())?;
    Ok(Micros(((h * 3600 + m * 60 + sec) * 1000 + ms) * 1000))
}

/// Removes formatting: `<…>` tags, `{\…}` overrides, and decodes the common entities;
/// control characters go as on cards.
pub fn strip_formatting(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                // A subtitle tag runs to its `>`; anything else is text.
                let rest: String = chars.clone().take_while(|&c| c != '\n').collect();
                match tag_length(&rest) {
                    Some((n, line_break)) => {
                        for _ in 0..n {
                            chars.next();
                        }
                        if line_break {
                            out.push('\n');
                        }
                    }
                    None => out.push(c),
                }
            }
            '{' if chars.peek() == Some(&'\\') => {
                let rest: String = chars.clone().take_while(|&c| c != '\n').collect();
                if let Some(end) = rest.find('}') {
                    let n = rest[..end].chars().count() + 1;
                    for _ in 0..n {
                        chars.next();
                    }
                } else {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lrm;", "\u{200e}")
        .replace("&rlm;", "\u{200f}")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let lines: Vec<String> = decoded
        .split('\n')
        .map(|l| clean_card_text(l).trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// The subtitle tags SubRip and WebVTT use for formatting (never drawn).
const TAGS: &[&str] = &[
    "i", "b", "u", "s", "font", "v", "c", "lang", "ruby", "rt", "br", "span",
];

/// When `rest` (what follows a `<` on its line) starts a subtitle tag: the characters up to
/// and including its `>`, and whether it is a line break (`<br>`). A tag is a known name
/// (`i`, `/i`, `font color=…`, `c.loud`, `v Sam`…) or an inline timestamp (`00:00.700`);
/// `<3`, `< 3` or `<html>` are not.
fn tag_length(rest: &str) -> Option<(usize, bool)> {
    let end = rest.find('>')?;
    let inner = &rest[..end];
    let n = inner.chars().count() + 1;
    let is_time = !inner.is_empty()
        && inner.contains(':')
        && inner
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
        && inner.as_bytes()[0].is_ascii_digit();
    if is_time {
        return Some((n, false));
    }
    let name_part = inner.strip_prefix('/').unwrap_or(inner);
    let name: String = name_part
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let after = name_part[name.len()..].chars().next();
    let known = TAGS.iter().any(|t| t.eq_ignore_ascii_case(&name));
    let well_formed = match after {
        None => true,
        Some(c) => c.is_whitespace() || c == '.' || c == '/',
    };
    (known && well_formed).then(|| (n, name.eq_ignore_ascii_case("br")))
}

/// The tallest a caption may be, as a fraction of the safe zone's height.
pub const CAPTION_MAX_HEIGHT_FRACTION: f32 = 0.22;

/// Gap kept between a caption and a card, in pixels.
pub const CAPTION_GAP: u32 = 16;

/// The height fraction of `zone` that gives a caption the same largest height as
/// [`CAPTION_MAX_HEIGHT_FRACTION`] of the whole safe zone `safe`.
fn fraction_in(zone: SafeZone, safe: SafeZone, frame: u32) -> f32 {
    let h = |z: SafeZone| frame.saturating_sub(z.top + z.bottom).max(1) as f32;
    (CAPTION_MAX_HEIGHT_FRACTION * h(safe) / h(zone)).min(1.0)
}

/// Places a text overlay of `height` px that prefers the `prefer` edge of the safe zone, in
/// the free vertical bands the `busy` rows leave. Returns the band's zone.
pub fn free_zone(
    safe: SafeZone,
    frame: (u32, u32),
    busy: &[(u32, u32)],
    height: u32,
    prefer: CardPosition,
) -> SafeZone {
    let top = safe.top;
    let bottom = frame.1.saturating_sub(safe.bottom);
    let mut rows: Vec<(u32, u32)> = busy
        .iter()
        .map(|&(a, b)| (a.saturating_sub(CAPTION_GAP), b + CAPTION_GAP))
        .collect();
    rows.sort();
    let mut bands = Vec::new();
    let mut y = top;
    for (a, b) in rows {
        if a > y {
            bands.push((y, a.min(bottom)));
        }
        y = y.max(b);
    }
    if y < bottom {
        bands.push((y, bottom));
    }
    let fits: Vec<&(u32, u32)> = bands.iter().filter(|b| b.1 - b.0 >= height).collect();
    let pick = match prefer {
        CardPosition::Top => fits.first().copied(),
        _ => fits.last().copied(),
    }
    .or_else(|| bands.iter().max_by_key(|b| b.1 - b.0))
    .copied()
    .unwrap_or((top, bottom));
    SafeZone {
        top: pick.0,
        bottom: frame.1 - pick.1,
        left: safe.left,
        right: safe.right,
    }
}

/// Maps `cues` (input clock) through the plan's trim onto the reel and lays each out in the
/// preset's safe zone, at the bottom, clear of the cards on screen: a cue is split where a
/// card comes or goes, and each piece placed in the free band nearest the bottom. Cues
/// outside the trim are dropped, those across its edges clipped.
pub fn plan_captions(plan: &RenderPlan, cues: &[Cue]) -> Result<Vec<Overlay>, CardError> {
    let trim = plan.trim();
    let len = plan.frame_time(plan.video.frames);
    let mut engine = TextEngine::new();
    let mut out = Vec::new();
    let on_reel: Vec<(Micros, Micros, &str)> = cues
        .iter()
        .map(|cue| {
            (
                (cue.start - trim.start).max(Micros::ZERO),
                (cue.end - trim.start).min(len),
                cue.text.as_str(),
            )
        })
        .filter(|(at, until, _)| until > at)
        .collect();
    for (at, until, text) in join_overlapping(&on_reel) {
        out.extend(place_overlay(
            &mut engine,
            plan,
            Role::Caption,
            &text,
            at,
            until,
            CardPosition::Bottom,
        )?);
    }
    Ok(out)
}

/// Cues (reel time, text) as what is on screen: where cues overlap in time, one caption
/// holding each of their lines once, in the order the cues start (the file's order for the
/// same start). The result never overlaps itself; a stretch with the same text is one piece.
pub fn join_overlapping(cues: &[(Micros, Micros, &str)]) -> Vec<(Micros, Micros, String)> {
    let mut order: Vec<usize> = (0..cues.len()).collect();
    order.sort_by_key(|&i| (cues[i].0, i));
    let mut bounds: Vec<Micros> = cues.iter().flat_map(|c| [c.0, c.1]).collect();
    bounds.sort();
    bounds.dedup();
    let mut out: Vec<(Micros, Micros, String)> = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mut lines: Vec<&str> = Vec::new();
        for &i in &order {
            let (s, e, text) = cues[i];
            if s <= a && e >= b {
                for l in text.split('\n') {
                    if !lines.contains(&l) {
                        lines.push(l);
                    }
                }
            }
        }
        if lines.is_empty() {
            continue;
        }
        let text = lines.join("\n");
        match out.last_mut() {
            Some(last) if last.1 == a && last.2 == text => last.1 = b,
            _ => out.push((a, b, text)),
        }
    }
    out
}

/// Lays out a text overlay shown from `at` until `until` (reel time) at the `prefer` edge of
/// the safe zone, clear of the plan's cards: split where a card comes or goes, each piece in
/// the free band nearest that edge.
#[allow(clippy::too_many_arguments)]
pub fn place_overlay(
    engine: &mut TextEngine,
    plan: &RenderPlan,
    role: Role,
    text: &str,
    at: Micros,
    until: Micros,
    prefer: CardPosition,
) -> Result<Vec<Overlay>, CardError> {
    let frame = (plan.video.width, plan.video.height);
    let style = &plan.card_style;
    let mut out: Vec<Overlay> = Vec::new();
    let cards: Vec<&Overlay> = plan.overlays.iter().filter(|o| o.is_card()).collect();
    // Natural height: laid out in the whole safe zone.
    let natural = engine.layout_card(
        "",
        text,
        style,
        prefer,
        frame,
        plan.safe_zone,
        CAPTION_MAX_HEIGHT_FRACTION,
    )?;
    let mut cuts = vec![at, until];
    for c in &cards {
        for t in [c.at, c.until] {
            if t > at && t < until {
                cuts.push(t);
            }
        }
    }
    cuts.sort();
    cuts.dedup();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let busy: Vec<(u32, u32)> = cards
            .iter()
            .filter(|c| c.at < b && c.until > a && c.rect.height > 0)
            .map(|c| c.rows())
            .collect();
        let zone = free_zone(plan.safe_zone, frame, &busy, natural.height, prefer);
        let fraction = fraction_in(zone, plan.safe_zone, frame.1);
        let rect = engine.layout_card("", text, style, prefer, frame, zone, fraction)?;
        // A piece continuing the previous one in the same place is one overlay.
        if let Some(last) = out.last_mut().filter(|l| l.until == a && l.rect == rect) {
            last.until = b;
            continue;
        }
        out.push(Overlay::still(
            role,
            text,
            style,
            prefer,
            zone,
            fraction,
            rect,
            (a, b),
        ));
    }
    Ok(out)
}

/// `plan` with the captions `req` asks for (`--captions`) read and laid out; unchanged
/// without a subtitle file.
pub fn with_captions(
    mut plan: RenderPlan,
    req: &crate::config::request::ReelRequest,
) -> Result<RenderPlan, PlanError> {
    let Some(file) = &req.captions else {
        return Ok(plan);
    };
    let cues = read_captions(file)?;
    let captions = plan_captions(&plan, &cues).map_err(|source| PlanError::Card {
        path: plan.input().display().to_string(),
        card: "caption",
        source,
    })?;
    plan.overlays.extend(captions);
    Ok(plan)
}

/// The corners a part's number tries, in order.
const NUMBER_CORNERS: [crate::plan::Corner; 4] = [
    crate::plan::Corner::TopLeft,
    crate::plan::Corner::TopRight,
    crate::plan::Corner::BottomLeft,
    crate::plan::Corner::BottomRight,
];

/// Adds the part's number (`#k`) to a part plan (the draft), in one place for the whole part:
/// a top corner of the safe zone, clear of every card and caption the part ever shows
/// (moving inward along the side when a corner is taken). The overlays placed after it (the
/// replay's tag, the handle) keep clear of it; once the passes have run, [`settle_number`]
/// moves it off the faces the reframe pass saw.
pub fn number_part(plan: &mut RenderPlan, k: usize) -> Result<(), CardError> {
    let len = plan.frame_time(plan.video.frames);
    let busy: Vec<_> = plan
        .overlays
        .iter()
        .map(crate::plan::overlay::footprint)
        .collect();
    let (badge, _) = crate::plan::overlay::pinned(
        &mut TextEngine::new(),
        Role::Number,
        &format!("#{k}"),
        &plan.card_style,
        (plan.video.width, plan.video.height),
        plan.safe_zone,
        &busy,
        &NUMBER_CORNERS,
        (Micros::ZERO, len),
    )?;
    plan.overlays.push(badge);
    Ok(())
}

/// Places a part's number again once the passes have run (`--focus auto`: the reframe pass
/// saw where the faces are): at the first spot of its corners (top left, top right, bottom
/// left, bottom right, then inward along the sides) clear of every other overlay the part
/// ever shows (cards, captions, the replay's tag, the handle) and of every face on any frame
/// it is shown over (see [`crate::plan::overlay::keep_off_faces`]), in that one place for the
/// whole part. Without faces it keeps its draft place (clear of the overlays); where no spot
/// is clear of them (a close-up), it takes the one covering the least of them.
pub fn settle_number(plan: &mut RenderPlan) -> Result<(), CardError> {
    crate::plan::overlay::keep_off_faces(plan, Role::Number, &NUMBER_CORNERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1920x1080 5 s clip's reel (TikTok, `--focus auto`) as a compilation's part 2, the
    /// reframe pass done with a face at `face` (frame pixels) in every sample.
    fn part_with_face(face: Option<crate::plan::FrameBox>) -> RenderPlan {
        let info = crate::model::source::MediaInfo::for_tests(1920, 1080, 0, 5.0, false);
        let preset = crate::config::preset::Preset::built_in("tiktok").unwrap();
        let req = crate::config::request::ReelRequest::default();
        let mut plan = crate::plan::plan_reel(&info, &req, &preset, "out.mp4".into()).unwrap();
        number_part(&mut plan, 2).unwrap();
        crate::plan::with_face_samples(&mut plan, face);
        plan
    }

    fn number(plan: &RenderPlan) -> &Overlay {
        plan.overlays
            .iter()
            .find(|o| o.role == Role::Number)
            .unwrap()
    }

    #[test]
    fn a_parts_number_moves_off_a_face_once_and_for_the_whole_part() {
        // Nobody seen: the number keeps its draft place.
        let mut plain = part_with_face(None);
        let drafted = number(&plain).clone();
        settle_number(&mut plain).unwrap();
        assert_eq!(number(&plain), &drafted);
        // A face over the draft place: the next corner, clear of the face grown by its
        // margin, shown as long as before.
        let r = drafted.rect;
        let face = crate::plan::FrameBox {
            x0: r.x as i32 - 40,
            y0: r.y as i32 - 20,
            x1: (r.x + r.width) as i32 + 200,
            y1: (r.y + r.height) as i32 + 260,
        };
        let mut part = part_with_face(Some(face));
        settle_number(&mut part).unwrap();
        let n = number(&part);
        assert_eq!(
            (n.at, n.until, n.text.as_str()),
            (drafted.at, drafted.until, "#2")
        );
        let g = face.grown(crate::plan::overlay::FACE_MARGIN);
        let (x0, y0) = (n.rect.x as i32, n.rect.y as i32);
        let (x1, y1) = (x0 + n.rect.width as i32, y0 + n.rect.height as i32);
        assert!(
            x1 <= g.x0 || g.x1 <= x0 || y1 <= g.y0 || g.y1 <= y0,
            "{:?} on the face {g:?}",
            n.rect
        );
        assert!(n.rect.x > r.x, "the top right corner: {:?}", n.rect);
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
        // Faces over all but the bottom: the spot covering the least of them, a bottom
        // corner.
        let most = crate::plan::FrameBox {
            x0: 0,
            y0: 0,
            x1: 1080,
            y1: 1150,
        };
        let mut close = part_with_face(Some(most));
        settle_number(&mut close).unwrap();
        let n = number(&close);
        assert!(n.rect.y > 1150, "{:?}", n.rect);
        // Faces everywhere: it stays where it was.
        let all = crate::plan::FrameBox {
            x0: 0,
            y0: 0,
            x1: 1080,
            y1: 1920,
        };
        let mut crowded = part_with_face(Some(all));
        settle_number(&mut crowded).unwrap();
        assert_eq!(number(&crowded), &drafted);
        assert!(crowded.warnings.is_empty(), "{:?}", crowded.warnings);
    }

    #[test]
    fn srt_parses_and_strips_tags() {
        let srt = "\u{feff}1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Oh no,</i> {\\an8}the <font color=\"red\">lid</font>!\r\n\r\n2\n00:00:03,000 --> 00:00:04,000 X1:10\nA &amp; B\nsecond line\n";
        let c = parse_captions(srt, false).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].text, "Oh no, the lid!");
        assert_eq!(
            (c[0].start, c[0].end),
            (Micros(1_000_000), Micros(2_500_000))
        );
        assert_eq!(c[0].line, 2);
        assert_eq!(c[1].text, "A & B\nsecond line");
    }

    #[test]
    fn vtt_parses_settings_voices_and_notes() {
        let vtt = "WEBVTT - kitchen\n\nNOTE a comment\nspanning\n\nintro\n00:01.000 --> 00:02.000 align:start line:0\n<v Sam>Too <b>hot</b></v>\n\n01:00:00.500 --> 01:00:01.000\n<c.loud>Bang</c> <00:00:00.700>now\n";
        let c = parse_captions(vtt, true).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].text, "Too hot");
        assert_eq!(c[0].start, Micros(1_000_000));
        assert_eq!(c[1].start, Micros(3_600_500_000));
        assert_eq!(c[1].text, "Bang now");
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = parse_captions("1\n00:00:01,000 -> 00:00:02,000\nx\n", false).unwrap_err();
        assert_eq!(e.0, 2, "{e:?}");
        let e = parse_captions(
            "1\n00:00:01,000 --> 00:00:02,000\nx\n\nfoo\n00:00:03,000 --> 00:00:04,000\ny\n",
            false,
        )
        .unwrap_err();
        assert_eq!(e.0, 5);
        assert!(e.1.contains("cue number"), "{e:?}");
        let e = parse_captions("1\n00:00:03,000 --> 00:00:02,000\nx\n", false).unwrap_err();
        assert!(e.0 == 2 && e.1.contains("before"), "{e:?}");
        let e = parse_captions("1\n00:00:61,000 --> 00:01:02,000\nx\n", false).unwrap_err();
        assert!(e.0 == 2 && e.1.contains("not a time"), "{e:?}");
        let e = parse_captions("00:01.000 --> 00:02.000\nx\n", true).unwrap_err();
        assert_eq!(e.0, 1);
        let e = parse_captions(
            "1\n00:00:01,000 --> 00:00:02,000\nx\n00:00:03,000 --> 00:00:04,000\n",
            false,
        )
        .unwrap_err();
        assert_eq!(e.0, 4);
    }

    #[test]
    fn text_between_angle_brackets_that_is_no_tag_is_kept() {
        for (given, drawn) in [
            ("I <3 pancakes, 2 < 3", "I <3 pancakes, 2 < 3"),
            ("a <b>bold</b> <3 and x<y>z", "a bold <3 and x<y>z"),
            (
                "<html> is not a subtitle tag",
                "<html> is not a subtitle tag",
            ),
            ("<i>tilted</i> <I>TILTED</I>", "tilted TILTED"),
            ("<font color=\"red\">red</font> <c.loud>x</c>", "red x"),
            (
                "<v Sam>hi</v> <00:00:01.500>now <lang en>ok</lang>",
                "hi now ok",
            ),
            ("one<br>two<br/>three", "one\ntwo\nthree"),
            ("3 > 2 and 1 <= 2", "3 > 2 and 1 <= 2"),
            ("<", "<"),
        ] {
            assert_eq!(strip_formatting(given), drawn, "{given}");
        }
    }

    #[test]
    fn overlapping_cues_are_joined_never_overlap() {
        let s = |x: f64| Micros::from_secs_f64(x);
        // Rolling auto-subtitles: each cue repeats the line before.
        let cues = [
            (s(0.0), s(2.0), "we turned the heat up"),
            (s(1.0), s(3.0), "we turned the heat up\nand then it caught"),
            (s(2.5), s(4.0), "fire!"),
            (s(5.0), s(6.0), "later"),
        ];
        let joined = join_overlapping(&cues);
        for w in joined.windows(2) {
            assert!(w[0].1 <= w[1].0, "{joined:?}");
        }
        assert_eq!(
            joined,
            vec![
                (s(0.0), s(1.0), "we turned the heat up".to_string()),
                (
                    s(1.0),
                    s(2.5),
                    "we turned the heat up\nand then it caught".to_string()
                ),
                (
                    s(2.5),
                    s(3.0),
                    "we turned the heat up\nand then it caught\nfire!".to_string()
                ),
                (s(3.0), s(4.0), "fire!".to_string()),
                (s(5.0), s(6.0), "later".to_string()),
            ]
        );
    }

    #[test]
    fn free_zone_keeps_clear_of_cards() {
        let safe = SafeZone {
            top: 250,
            bottom: 460,
            left: 60,
            right: 180,
        };
        // No card: the whole safe zone.
        let z = free_zone(safe, (1080, 1920), &[], 100, CardPosition::Bottom);
        assert_eq!((z.top, z.bottom), (250, 460));
        // A card at the bottom: the caption goes above it.
        let z = free_zone(
            safe,
            (1080, 1920),
            &[(1200, 1460)],
            100,
            CardPosition::Bottom,
        );
        assert_eq!((z.top, 1920 - z.bottom), (250, 1200 - CAPTION_GAP));
        // A card at the top: the caption stays at the bottom, below it.
        let z = free_zone(safe, (1080, 1920), &[(250, 600)], 100, CardPosition::Bottom);
        assert_eq!((z.top, z.bottom), (600 + CAPTION_GAP, 460));
    }
}

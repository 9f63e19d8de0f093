//! The reframe pass (`--focus auto`, issues 14 and 22): keeps what matters in each shot in
//! the 9:16 window, people first.
//!
//! 1. [`proxy`]: the trimmed range decoded at 5 pictures a second (frames nothing refers to
//!    and no sample shows are not decoded, deblocking is skipped), each scaled at once to
//!    192 px wide and turned upright; on demand the same picture 384 px wide in grey for the
//!    face detector (and 640 px for a second look where the first finds nobody).
//! 2. [`signals`]: per sample a colour histogram (cuts), the camera's shift and the motion
//!    against it, colour, skin tone, edges and a pull to the centre, as a column profile.
//! 3. [`people`]: faces (rustface, once a second and wherever a cut may start) linked into
//!    tracks per shot; each sample's people are its subject, before the profile; where they
//!    cannot share a window, the one who talks ([`speaker`]: the mouth that moves). In a
//!    shot where no face is found, [`objects`]: people seen whole or from the back, else a
//!    thing (a bicycle, a mug, a dog), from mediapipe's SSD object detector.
//! 4. [`camera`]: shots, and per shot steady / track / fill / centre.
//! 5. Each cut's exact frame is found on tiny thumbnails of the frames between the two
//!    samples around it, so the window jumps on the cut's own frame and never pans across.
//!
//! The plan's crop path gets a key per sample of a tracking shot (linear between keys; see
//! `crate::plan::VideoPlan::window_at`) and two keys at the same time at each cut (a
//! jump). Around a moment `--start auto` detected, motion against the camera weighs up to
//! three times more (the fail is in frame even when the cook stands elsewhere). Results are
//! cached by the source's stamp, the range, the moment and the parameters.

pub mod blazeface;
pub mod camera;
pub mod objects;
pub mod people;
pub mod picture;
pub mod proxy;
pub mod signals;
pub mod speaker;
#[cfg(test)]
mod stretch_tests;
pub mod tflite;

use crate::media::RenderError;
use crate::model::time::Micros;
use crate::plan::{Camera, CropKey, Rect, RenderPlan, ShotPlan};

/// Proxy pictures per second.
pub const RATE: u32 = 5;
/// Proxy width in pixels.
pub const WIDTH: usize = 192;
/// Changes whenever the pass decides differently (part of the cache key).
const VERSION: u32 = 22;
/// The face detector looks at every this many proxy samples (once a second), and at every
/// sample where a cut may start.
pub const DETECT_EVERY: u64 = 5;

/// Everything the decision depends on (the cache key).
#[derive(serde::Serialize)]
struct Key<'a> {
    version: u32,
    input: std::path::PathBuf,
    size: u64,
    modified_ns: u128,
    fingerprint: u64,
    spec: &'a proxy::ProxySpec<'a>,
    frames: u64,
    fps: u32,
    window: (u32, u32),
    moment: Option<Micros>,
    /// The second face detector's weights (path, size, modification time), when installed.
    second_detector: Option<(std::path::PathBuf, u64, u64)>,
    /// The object detector's weights, likewise.
    objects: Option<(std::path::PathBuf, u64, u64)>,
}

/// What the pass decided (cached).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Decided {
    keys: Vec<CropKey>,
    shots: Vec<ShotPlan>,
    /// Sampled at the keyframes (a large picture), not 5 times a second.
    keyframes: bool,
    /// What each sample showed of the subject, on the upright source picture.
    seen: Vec<Seen>,
}

/// What one sample showed of the subject, on the upright source picture (pixels).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Seen {
    /// The sample's reel time.
    t: Micros,
    /// The people's faces `(x0, y0, x1, y1)`, largest first.
    faces: Vec<[f32; 4]>,
    /// The column the camera's subject is centred on (None: nothing stands out).
    focus_x: Option<f32>,
}

/// `seen` on the reel's frame: each sample's boxes through the window the crop path has at
/// its time (a filled shot's whole picture fitted to the frame's width, centred).
fn on_frame(video: &crate::plan::VideoPlan, seen: &[Seen]) -> Vec<crate::plan::SubjectSample> {
    use crate::plan::{FrameBox, SubjectSample};
    let (ow, oh) = (video.width as f64, video.height as f64);
    seen.iter()
        .map(|s| {
            let w = video.window_at(s.t);
            // Source pixels to frame pixels: x' = (x - ox) * kx + px.
            let (kx, ky, ox, oy, px, py) = match video.fill_for(w) {
                Some(fit) => {
                    let k = fit.width as f64 / w.width.max(1) as f64;
                    let top = (oh - fit.height as f64) / 2.0;
                    (
                        k,
                        fit.height as f64 / w.height.max(1) as f64,
                        w.x as f64,
                        w.y as f64,
                        (ow - fit.width as f64) / 2.0,
                        top,
                    )
                }
                None => (
                    ow / w.width.max(1) as f64,
                    oh / w.height.max(1) as f64,
                    w.x as f64,
                    w.y as f64,
                    0.0,
                    0.0,
                ),
            };
            let fx = |x: f64| ((x - ox) * kx + px).round() as i32;
            let fy = |y: f64| ((y - oy) * ky + py).round() as i32;
            let faces: Vec<FrameBox> = s
                .faces
                .iter()
                .map(|b| FrameBox {
                    x0: fx(b[0] as f64),
                    y0: fy(b[1] as f64),
                    x1: fx(b[2] as f64),
                    y1: fy(b[3] as f64),
                })
                .collect();
            let focus = if faces.is_empty() {
                s.focus_x.map(|x| [fx(x as f64), (oh / 2.0).round() as i32])
            } else {
                // The faces' centre, each weighed by its width.
                let m: f64 = faces.iter().map(|f| (f.x1 - f.x0).max(1) as f64).sum();
                let c = |i: usize| {
                    faces
                        .iter()
                        .map(|f| f.centre()[i] * (f.x1 - f.x0).max(1) as f64)
                        .sum::<f64>()
                        / m
                };
                Some([c(0).round() as i32, c(1).round() as i32])
            };
            SubjectSample {
                t: s.t,
                faces,
                focus,
            }
        })
        .filter(|s| !s.faces.is_empty() || s.focus.is_some())
        .collect()
}

/// Runs the pass if `plan` asks for it (reading the cache first) and puts the path into the
/// plan. The proxy is decoded in up to `cores` stretches side by side (the result does not
/// depend on it).
pub fn complete(plan: &mut RenderPlan, cores: usize) -> Result<(), RenderError> {
    if !plan.needs_reframe_pass() {
        return Ok(());
    }
    let v = &plan.video;
    let spec = proxy::ProxySpec {
        input: plan.input(),
        stream: v.stream,
        x264_build: v.x264_build,
        trim_start: plan.trim().start,
        rotation: v.rotation,
        rotated_size: v.rotated_size,
    };
    // The pass decides for the centred window's size (a `--focus` list may start fixed).
    let window = {
        let w = v.crop();
        let room = (v.rotated_size.0 & !1).saturating_sub(w.width);
        Rect {
            x: even((room as f64 * 0.5).round() as f32),
            ..w
        }
    };
    // A detected moment (`--start auto`) inside the range, on the reel's clock.
    let moment = plan
        .auto_start
        .as_ref()
        .and_then(|a| a.moment_s)
        .map(|m| Micros((m * 1e6).round() as i64) - plan.trim().start)
        .filter(|m| m.0 >= 0 && (m.0 as i128) * (v.fps as i128) < (v.frames as i128) * 1_000_000);
    let key = Key {
        version: VERSION,
        input: std::fs::canonicalize(spec.input).unwrap_or_else(|_| spec.input.to_path_buf()),
        size: plan.source().size,
        modified_ns: plan.source().modified_ns,
        fingerprint: plan.source().fingerprint,
        spec: &spec,
        frames: v.frames,
        fps: v.fps,
        window: (window.width, window.height),
        moment,
        second_detector: blazeface::stamp(),
        objects: objects::stamp(),
    };
    let cacheable = plan.source().size > 0;
    let cached = if cacheable {
        crate::analyse::cache::get::<_, Decided>("reframe", &key)
    } else {
        None
    };
    let decided = match cached {
        Some(d) => d,
        None => match decide(&spec, v.frames, v.fps, window, moment, cores) {
            Ok(d) => {
                if cacheable {
                    crate::analyse::cache::put("reframe", &key, &d);
                }
                d
            }
            Err(e) => {
                // A picture the pass cannot read is still rendered (or fails there with
                // the render's own message): the window stays centred.
                let r = plan.video.reframe.as_mut().expect("needs_reframe_pass");
                r.analysed = true;
                r.subjects = Vec::new();
                r.note = Some(format!("the window stays centred: {e}"));
                if !r.fixed.is_empty() {
                    let centred = vec![CropKey {
                        t: Micros::ZERO,
                        rect: window,
                    }];
                    plan.video.crop_path = crate::plan::with_fixed(&centred, &r.fixed);
                }
                return Ok(());
            }
        },
    };
    let r = plan.video.reframe.as_mut().expect("needs_reframe_pass");
    r.analysed = true;
    r.note = match (blazeface::status(), objects::status()) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    r.moment = moment;
    r.keyframes = decided.keyframes;
    r.shots = decided.shots;
    // A `--focus` list's fixed stretches keep their windows.
    plan.video.crop_path = crate::plan::with_fixed(&decided.keys, &r.fixed);
    let subjects = on_frame(&plan.video, &decided.seen);
    if let Some(r) = plan.video.reframe.as_mut() {
        r.subjects = subjects;
    }
    Ok(())
}

fn even(v: f32) -> u32 {
    ((v.max(0.0) / 2.0).floor() as u32) * 2
}

/// Pictures at or above this many pixels are sampled at their keyframes when those come
/// often enough (see [`keyframe_observations`]): decoding them at 5 a second would cost about
/// a third of the render.
const KEYFRAME_PROXY_PIXELS: u64 = 6_000_000;
/// The longest median keyframe interval the keyframe proxy accepts.
const KEYFRAME_PROXY_MAX_GAP: Micros = Micros(2_000_000);

/// Decodes the proxy and decides the path: keys in time order, and the shots.
fn decide(
    spec: &proxy::ProxySpec<'_>,
    frames: u64,
    fps: u32,
    window: Rect,
    moment: Option<Micros>,
    cores: usize,
) -> Result<Decided, RenderError> {
    let frame_time = |i: u64| Micros((i as i128 * 1_000_000 / fps as i128) as i64);
    let reel_end = frame_time(frames);
    let (rw, rh) = spec.rotated_size;
    let keyframes = if rw as u64 * rh as u64 >= KEYFRAME_PROXY_PIXELS {
        let kt = proxy::keyframe_times(spec, reel_end)?;
        let mut gaps: Vec<i64> = kt.windows(2).map(|w| (w[1] - w[0]).0).collect();
        gaps.sort();
        let median = gaps.get(gaps.len() / 2).copied().unwrap_or(i64::MAX);
        (kt.len() >= 3 && median <= KEYFRAME_PROXY_MAX_GAP.0).then_some(kt)
    } else {
        None
    };
    let by_keyframes = keyframes.is_some();
    let Sampled {
        times,
        obs,
        width: pw,
        faces,
        thumbs,
        ..
    } = match keyframes {
        Some(kt) => keyframe_observations(spec, fps, frames, &kt, cores)?,
        None => rate_observations(spec, fps, frames, cores.min(4))?,
    };
    let rate = if by_keyframes && reel_end.0 > 0 {
        (obs.len() as f32 / (reel_end.0 as f32 / 1e6)).max(0.2)
    } else {
        RATE as f32
    };
    let full = Rect {
        x: 0,
        y: 0,
        width: even(rw as f32),
        height: even(rh as f32),
    };
    if obs.is_empty() || pw == 0 {
        return Ok(Decided {
            keys: vec![CropKey {
                t: Micros::ZERO,
                rect: window,
            }],
            shots: Vec::new(),
            keyframes: by_keyframes,
            seen: Vec::new(),
        });
    }
    let scale = rw as f32 / pw as f32;
    let win = window.width as f32 / scale;
    let cut_samples = camera::cuts(&obs, if by_keyframes { 1 } else { 2 });
    let emphasis = camera::emphasis_around(moment.map(|m| m.0 as f32 / 1e6), obs.len(), rate);
    // People first: faces linked into tracks within each shot (gaps up to 2.2 s), held for
    // about half the time between two looks beyond a track's ends.
    let per_sec = |s: f32| ((s * rate).round() as usize).max(1);
    let tracks = people::confirmed(people::link(&faces, &cut_samples, per_sec(2.2)));
    let looks = if by_keyframes {
        1.0
    } else {
        DETECT_EVERY as f32
    };
    let hold = ((looks * 0.6).round() as usize).max(1);
    // Who talks, where two people cannot share the window: a track's mouth motion,
    // averaged over about a second (measured only for such tracks; not at the keyframes: a
    // second apart, a mouth's motion is not seen).
    let talk = |i: usize| {
        if by_keyframes {
            Vec::new()
        } else {
            speaker::talking(&obs, &tracks[i], &cut_samples, hold, per_sec(0.5))
        }
    };
    let mut people = people::subjects(
        &tracks,
        &cut_samples,
        obs.len(),
        pw as f32,
        win,
        hold,
        &talk,
        per_sec(speaker::SWITCH_AFTER_S),
    );
    // Shots where no face is found: people seen whole, from the back or cut by the edge,
    // else a thing (a bicycle, a dog, a mug), from the object detector.
    // The model is loaded at the first look a shot needs.
    objects::fill(
        &mut people,
        &thumbs,
        &cut_samples,
        pw as f32,
        win,
        per_sec(1.0),
        |t| match objects::shared() {
            Ok(det) => det.find(&t.rgb, t.width, t.height),
            Err(_) => Vec::new(),
        },
    );
    let shots = camera::plan_shots(&obs, &cut_samples, pw as f32, win, rate, &emphasis, &people);
    let room = full.width.saturating_sub(window.width);
    let sample_time = |k: usize| times.get(k).copied().unwrap_or(reel_end);
    let rect_at = |s: &camera::ShotPath, j: usize| match s.camera {
        Camera::Fill => full,
        _ => Rect {
            x: even(s.x[j] * scale).min(room),
            ..window
        },
    };
    let mut keys: Vec<CropKey> = Vec::new();
    let mut plans = Vec::new();
    for (n, s) in shots.iter().enumerate() {
        // The exact frame of the cut that starts this shot.
        let start = if n == 0 {
            Micros::ZERO
        } else if s.jump {
            // A jump to a detected moment and back: on the sample's own frame.
            frame_time(frame_slot(sample_time(s.start), fps).min(frames.saturating_sub(1)))
        } else {
            let a = frame_slot(sample_time(s.start - 1), fps);
            let b = frame_slot(sample_time(s.start), fps).min(frames.saturating_sub(1));
            frame_time(exact_cut(spec, fps, a, b)?)
        };
        if let Some(prev) = keys.last().copied() {
            keys.push(CropKey {
                t: start,
                rect: prev.rect,
            });
        }
        keys.push(CropKey {
            t: start,
            rect: rect_at(s, 0),
        });
        for j in 0..s.end - s.start {
            let t = sample_time(s.start + j);
            if t > start && t < reel_end {
                keys.push(CropKey {
                    t,
                    rect: rect_at(s, j),
                });
            }
        }
        if let Some(p) = plans.last_mut() {
            let p: &mut ShotPlan = p;
            p.end = start;
        }
        plans.push(ShotPlan {
            start,
            end: reel_end,
            camera: s.camera,
        });
    }
    // What each sample showed: the people's faces (as the tracks hold them), and the
    // column the shot's camera is centred on.
    let focus_of = |k: usize| {
        shots
            .iter()
            .find(|s| (s.start..s.end).contains(&k))
            .and_then(|s| s.focus.get(k - s.start).copied().flatten())
    };
    let seen = (0..obs.len())
        .map(|k| {
            // A track is held a little beyond its ends, never across a cut.
            let shot_of = |k: usize| cut_samples.partition_point(|&c| c <= k);
            let mut faces: Vec<people::Face> = tracks
                .iter()
                .filter(|t| t.faces.first().is_some_and(|f| shot_of(f.0) == shot_of(k)))
                .filter_map(|t| t.at(k, hold))
                .collect();
            faces.sort_by(|a, b| b.w.total_cmp(&a.w));
            let (fw, fh) = (rw as f32, rh as f32);
            Seen {
                t: sample_time(k),
                faces: faces
                    .iter()
                    .map(|f| {
                        [
                            (f.x - f.w / 2.0) * fw,
                            (f.y - f.h / 2.0) * fh,
                            (f.x + f.w / 2.0) * fw,
                            (f.y + f.h / 2.0) * fh,
                        ]
                    })
                    .collect(),
                focus_x: focus_of(k).map(|c| c * scale),
            }
        })
        .filter(|s| !s.faces.is_empty() || s.focus_x.is_some())
        .collect();
    Ok(Decided {
        keys: thin(keys),
        shots: plans,
        keyframes: by_keyframes,
        seen,
    })
}

/// What the proxy saw: a time and an observation per sample, and the proxy's width.
pub struct Sampled {
    /// Reel time of each sample.
    pub times: Vec<Micros>,
    /// The observation at each sample.
    pub obs: Vec<signals::Observation>,
    /// The proxy pictures' width (0: nothing was decoded).
    pub width: usize,
    /// The samples where a stretch decoded on its own began (besides 0).
    pub splits: Vec<u64>,
    /// The faces found, for each sample the detector looked at (in sample order).
    pub faces: Vec<(usize, Vec<people::Face>)>,
    /// The pictures of the samples the face detector looked at for its own reasons (in
    /// sample order), kept for the object detector when it is installed.
    pub thumbs: Vec<(usize, proxy::Thumb)>,
}

/// Whether the proxy pictures the face detector looks at are kept for the object detector
/// (its weights are installed; they are loaded only if a shot needs a look).
fn keeps_thumbs() -> bool {
    objects::stamp().is_some()
}

/// Whether the face detector looks at sample `k` with observation `o`: once a second, and
/// where a cut may start (the colour or nearly every pixel changes), so that the window can
/// start a new shot on its person.
fn looks_for_faces(k: u64, o: &signals::Observation) -> bool {
    k.is_multiple_of(DETECT_EVERY) || may_cut(o)
}

/// Whether a cut may start at a sample with observation `o` (the colour or nearly every
/// pixel changes).
fn may_cut(o: &signals::Observation) -> bool {
    o.cut_distance > 0.15 || (o.cut_distance > 0.04 && o.change > 0.1)
}

/// Whether a look at sample `k` goes on to the finer looks where the first finds nobody:
/// at a routine look every other second (the finer looks cost 5-15 times the first at
/// 1080p), and always where a cut may start.
fn looks_deeply(k: u64, o: &signals::Observation) -> bool {
    k.is_multiple_of(2 * DETECT_EVERY) || may_cut(o)
}

/// The shortest stretch of the full-rate proxy worth decoding on its own, in samples (2 s).
const MIN_STRETCH: u64 = 2 * RATE as u64;

/// The proxy at [`RATE`] pictures a second, decoded in up to `parts` stretches side by side.
/// A stretch begins only at an exact entry point (an IDR or IRAP picture: decoding from there
/// gives the same pictures as decoding from the start), each stretch's first observation is
/// made again against the previous stretch's last picture, so the result is the same as one
/// decode from the start, whatever `parts` is.
pub fn rate_observations(
    spec: &proxy::ProxySpec<'_>,
    fps: u32,
    frames: u64,
    parts: usize,
) -> Result<Sampled, RenderError> {
    let samples = (frames * RATE as u64).div_ceil(fps as u64).max(1);
    let splits = if parts > 1 && samples >= 2 * MIN_STRETCH {
        let span = Micros((samples as i128 * 1_000_000 / RATE as i128) as i64);
        let entries = crate::media::packets::exact_entry_points(
            spec.input,
            spec.stream,
            spec.trim_start,
            span,
        )?;
        split_at_entries(&entries, samples, parts)
    } else {
        Vec::new()
    };
    // Each stretch: (first sample, entry point, end sample).
    let starts: Vec<(u64, Micros)> = [(0, Micros::ZERO)]
        .into_iter()
        .chain(splits.clone())
        .collect();
    let jobs: Vec<(u64, Micros, u64)> = starts
        .iter()
        .enumerate()
        .map(|(i, &(first, entry))| (first, entry, starts.get(i + 1).map_or(samples, |s| s.0)))
        .collect();
    // One stretch: libav's own decoder threads; several: one thread each, side by side.
    let threads = if jobs.len() > 1 { 1 } else { 0 };
    let stretches: Vec<Stretch> = side_by_side(&jobs, jobs.len(), |&(first, entry, end)| {
        observe_stretch(spec, first..end, entry, threads)
    })
    .into_iter()
    .collect::<Result<_, _>>()?;
    let width = stretches
        .iter()
        .find_map(|s| s.first.as_ref())
        .map_or(0, |t| t.width);
    let mut obs: Vec<signals::Observation> = Vec::with_capacity(samples as usize);
    let mut prev: Option<proxy::Thumb> = None;
    let mut faces: Vec<(usize, Vec<people::Face>)> = Vec::new();
    let mut thumbs: Vec<(usize, proxy::Thumb)> = Vec::new();
    let mut finder: Option<people::FaceFinder> = None;
    for (s, &(first_sample, ..)) in stretches.into_iter().zip(&jobs) {
        // A stretch that ended early (its input did) leaves samples to repeat the last.
        while (obs.len() as u64) < first_sample {
            obs.push(obs.last().cloned().unwrap_or_default());
        }
        let mut part = s.obs;
        if let (Some(before), Some(first), Some(o)) =
            (prev.as_ref(), s.first.as_ref(), part.first_mut())
        {
            // Made again as one decode from the start makes it: against the picture before.
            let mut a = signals::Analyser::new();
            a.push(before);
            *o = a.push(first);
        }
        // The stretch's first sample (and the next, when the first's faces need a second
        // sighting): looked at now that its observation is the one a single decode makes.
        if let (Some(o), Some(g)) = (part.first(), s.first_grey.as_ref()) {
            // A weak face at the previous stretch's last sample (a look made for its own
            // reasons) is followed up here.
            let follow = faces.last().is_some_and(|(k, f)| {
                *k + 1 == first_sample as usize
                    && people::needs_confirming(f)
                    && looks_for_faces(*k as u64, &obs[*k])
            });
            let primary = looks_for_faces(first_sample, o);
            if let (true, Some(t)) = (primary && keeps_thumbs(), s.first.as_ref()) {
                thumbs.push((first_sample as usize, t.clone()));
            }
            if primary || follow {
                let finder = finder.get_or_insert_with(people::FaceFinder::new);
                let f = finder.look_at(
                    g,
                    Some(&o.motion),
                    !primary || looks_deeply(first_sample, o),
                );
                let next = first_sample as usize + 1;
                let looked_next = s.faces.first().is_some_and(|(k, _)| *k == next);
                let confirm = primary && people::needs_confirming(&f) && !looked_next;
                faces.push((first_sample as usize, f));
                if let (true, Some(o2), Some(g2)) = (confirm, part.get(1), s.second_grey.as_ref()) {
                    faces.push((next, finder.look_at(g2, Some(&o2.motion), true)));
                }
            }
        }
        faces.extend(s.faces);
        thumbs.extend(s.thumbs);
        obs.extend(part);
        prev = s.last.or(prev);
    }
    faces.sort_by_key(|f| f.0);
    let times = (0..obs.len())
        .map(|k| Micros((k as i128 * 1_000_000 / RATE as i128) as i64))
        .collect();
    Ok(Sampled {
        times,
        obs,
        width,
        splits: splits.iter().map(|s| s.0).collect(),
        faces,
        thumbs,
    })
}

/// One stretch of the full-rate proxy: its observations, and its first and last pictures
/// (to join it to its neighbours).
struct Stretch {
    obs: Vec<signals::Observation>,
    first: Option<proxy::Thumb>,
    last: Option<proxy::Thumb>,
    /// The first picture for the face detector (whether to look is decided once its
    /// observation is made against the previous stretch).
    first_grey: Option<people::Pictures>,
    /// The second picture's, for a follow-up of the first's look.
    second_grey: Option<people::Pictures>,
    /// Faces at the samples after the first that the detector looked at.
    faces: Vec<(usize, Vec<people::Face>)>,
    /// The pictures of those samples, for the object detector (see [`Sampled::thumbs`]).
    thumbs: Vec<(usize, proxy::Thumb)>,
}

fn observe_stretch(
    spec: &proxy::ProxySpec<'_>,
    samples: std::ops::Range<u64>,
    entry: Micros,
    threads: usize,
) -> Result<Stretch, RenderError> {
    let first_sample = samples.start;
    let mut analyser = signals::Analyser::new();
    let mut out = Stretch {
        obs: Vec::new(),
        first: None,
        last: None,
        first_grey: None,
        second_grey: None,
        faces: Vec::new(),
        thumbs: Vec::new(),
    };
    let keep = keeps_thumbs();
    // The look at the previous sample found only faces that need a second sighting.
    let mut follow = false;
    let mut finder: Option<people::FaceFinder> = None;
    proxy::decode_proxy(spec, RATE, samples, entry, threads, WIDTH, |k, t, g| {
        let o = analyser.push(t);
        // Samples arrive in order; a sample the source has no frame for repeats the last.
        while (out.obs.len() as u64) < k - first_sample {
            let last = out.obs.last().cloned().unwrap_or_default();
            out.obs.push(last);
        }
        if out.first.is_none() {
            out.first = Some(t.clone());
            out.first_grey = Some(g.both(t)?);
        } else {
            if k == first_sample + 1 {
                out.second_grey = Some(g.both(t)?);
            }
            // A look made for its own reasons whose faces all need a second sighting is
            // followed by a look at the next sample (which is not followed up itself).
            let primary = looks_for_faces(k, &o);
            if primary && keep {
                out.thumbs.push((k as usize, t.clone()));
            }
            if primary || follow {
                let f = finder.get_or_insert_with(people::FaceFinder::new).look(
                    g,
                    Some(&o.motion),
                    !primary || looks_deeply(k, &o),
                    Some(t),
                )?;
                follow = primary && people::needs_confirming(&f);
                out.faces.push((k as usize, f));
            } else {
                follow = false;
            }
        }
        out.obs.push(o);
        out.last = Some(t.clone());
        Ok(())
    })?;
    Ok(out)
}

/// Where the full-rate proxy may be split into `parts` stretches: for each even split point,
/// the nearest sample that an entry point (reel time, ascending) precedes, each stretch at
/// least [`MIN_STRETCH`] long; as `(first sample, entry point)`, ascending.
fn split_at_entries(entries: &[Micros], samples: u64, parts: usize) -> Vec<(u64, Micros)> {
    // Each entry point with the first sample at or after it (the latest entry per sample).
    let mut at: Vec<(u64, Micros)> = Vec::new();
    for &e in entries {
        let k = frame_slot(e, RATE);
        match at.last_mut() {
            Some(l) if l.0 == k => l.1 = e,
            _ => at.push((k, e)),
        }
    }
    let mut out: Vec<(u64, Micros)> = Vec::new();
    for i in 1..parts as u64 {
        let target = samples * i / parts as u64;
        let lo = out.last().map_or(0, |l| l.0) + MIN_STRETCH;
        let best = at
            .iter()
            .filter(|(k, _)| *k >= lo && *k + MIN_STRETCH <= samples)
            .min_by_key(|(k, _)| k.abs_diff(target));
        if let Some(&b) = best {
            out.push(b);
        }
    }
    out
}

/// The proxy of a large picture (4K): a sample at each keyframe, which decodes alone, and the
/// picture a tenth of a second after it (a few more frames) for the motion. Cuts and changes
/// are measured from keyframe to keyframe. Phone footage puts a keyframe every second or
/// two, so the window is decided about once a second instead of five times: coarser
/// tracking, for a tenth of the decoding.
fn keyframe_observations(
    spec: &proxy::ProxySpec<'_>,
    fps: u32,
    frames: u64,
    keyframes: &[Micros],
    cores: usize,
) -> Result<Sampled, RenderError> {
    let last = frames.saturating_sub(1);
    let mut starts: Vec<u64> = keyframes
        .iter()
        .map(|&t| frame_slot(t, fps).min(last))
        .collect();
    starts.dedup();
    // Each keyframe decodes alone: the stretches are decoded side by side, each thread's
    // with one decoder (stretch i on thread i mod threads).
    let threads = cores.clamp(1, starts.len().max(1));
    let groups: Vec<Vec<(u64, u64)>> = (0..threads)
        .map(|t| {
            (t..starts.len())
                .step_by(threads)
                .map(|i| (starts[i], (starts[i] + (fps as u64 / 10).max(1)).min(last)))
                .collect()
        })
        .collect();
    // Each keyframe's picture is also looked at for faces, on its thread.
    type Looked = (Vec<(u64, proxy::Thumb)>, Vec<people::Face>);
    let decoded = side_by_side(&groups, threads, |g| {
        let mut finder = people::FaceFinder::new();
        proxy::decode_stretches(spec, fps, g, WIDTH, Some(&mut finder)).map(|all| {
            all.into_iter()
                .map(|(thumbs, faces)| (thumbs, faces.unwrap_or_default()))
                .collect::<Vec<Looked>>()
        })
    });
    let mut stretches: Vec<(u64, Looked)> = Vec::with_capacity(starts.len());
    for (g, d) in groups.iter().zip(decoded) {
        stretches.extend(g.iter().map(|s| s.0).zip(d?));
    }
    stretches.sort_by_key(|s| s.0);
    let mut series = signals::Analyser::new();
    let (mut times, mut obs, mut pw) = (Vec::new(), Vec::new(), 0usize);
    let mut faces = Vec::new();
    let mut kept = Vec::new();
    let keep = keeps_thumbs();
    for (a, (thumbs, found)) in &stretches {
        let (Some((_, first)), Some((_, after))) = (thumbs.first(), thumbs.last()) else {
            continue;
        };
        faces.push((obs.len(), found.clone()));
        if keep {
            kept.push((obs.len(), first.clone()));
        }
        pw = first.width;
        let between = series.push(first);
        let mut pair = signals::Analyser::new();
        pair.push(first);
        let moved = pair.push(after);
        times.push(Micros((*a as i128 * 1_000_000 / fps as i128) as i64));
        obs.push(signals::Observation {
            cut_distance: between.cut_distance,
            change: between.change,
            ..moved
        });
    }
    Ok(Sampled {
        times,
        obs,
        width: pw,
        splits: Vec::new(),
        faces,
        thumbs: kept,
    })
}

/// `f` of each item, on up to `threads` threads of its own (item i on thread i mod threads),
/// in the items' order. Its own threads, not rayon's: a batch runs each reel's render in a
/// pool of one thread per reel, where a parallel iterator would run one item at a time.
fn side_by_side<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    // The pass's progress meter goes with the work.
    let meter = crate::analyse::progress::current();
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let meter = meter.clone();
                s.spawn(move || {
                    crate::analyse::progress::carry(meter, || {
                        (t..items.len())
                            .step_by(threads)
                            .map(|i| (i, f(&items[i])))
                            .collect::<Vec<_>>()
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}

/// The first output frame at or after reel time `t`.
fn frame_slot(t: Micros, fps: u32) -> u64 {
    (t.0 as i128 * fps as i128).div_euclid(1_000_000) as u64
        + u64::from((t.0 as i128 * fps as i128).rem_euclid(1_000_000) != 0)
}

/// The output frame in `a+1..=b` where the picture changes most from the one before (the
/// cut between samples at frames `a` and `b`).
fn exact_cut(spec: &proxy::ProxySpec<'_>, fps: u32, a: u64, b: u64) -> Result<u64, RenderError> {
    if b <= a + 1 {
        return Ok(b.max(a + 1));
    }
    let thumbs = proxy::decode_stretch(spec, fps, a, b, 32)?;
    let hists: Vec<(u64, Vec<f32>)> = thumbs
        .iter()
        .map(|(k, t)| (*k, signals::histogram(t)))
        .collect();
    let best = hists
        .windows(2)
        .map(|w| (w[1].0, signals::hist_distance(&w[0].1, &w[1].1)))
        .max_by(|x, y| x.1.total_cmp(&y.1));
    Ok(best.map_or(b, |(k, _)| k))
}

/// Drops keys in the middle of a run of the same window (the path is unchanged: linear
/// between equal windows is that window).
fn thin(keys: Vec<CropKey>) -> Vec<CropKey> {
    let mut out: Vec<CropKey> = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let prev_same = i > 0 && keys[i - 1].rect == k.rect;
        let next_same = keys.get(i + 1).is_some_and(|n| n.rect == k.rect);
        if prev_same && next_same {
            continue;
        }
        out.push(*k);
    }
    // A run of one window from the start to the end is one key.
    if out.iter().all(|k| k.rect == out[0].rect) {
        out.truncate(1);
    }
    out
}

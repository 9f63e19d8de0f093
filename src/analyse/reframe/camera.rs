//! From observations to a camera: shots (cuts in the histogram distance), the subject's extent
//! per sample, and per shot a camera that looks operated by a person: steady (one window
//! keeping the subject inside with a margin), track (a dead zone, then an eased,
//! speed-capped follow that looks a little ahead, smoothed), fill (what matters is wider
//! than the window) or centre (nothing stands out). All positions are in proxy pixels.

use super::signals::{smooth5, Observation};
use crate::plan::Camera;

/// The decided camera of one shot: its samples `start..end` and the window's left edge at
/// each.
#[derive(Debug, Clone, PartialEq)]
pub struct ShotPath {
    /// First sample.
    pub start: usize,
    /// After the last sample.
    pub end: usize,
    /// The camera.
    pub camera: Camera,
    /// The window's left edge per sample (proxy pixels; empty for fill).
    pub x: Vec<f32>,
    /// The shot starts with a jump of the window inside one camera shot (to a detected
    /// moment the window could not reach in time, and back), at its first sample's time,
    /// rather than at a cut.
    pub jump: bool,
    /// Per sample, the column the shot's subject is centred on (proxy pixels): the people
    /// first, else what moves against the camera, else what stands out; None where nothing
    /// does (and in every sample of a centred or filled shot).
    pub focus: Vec<Option<f32>>,
}

/// Samples where a new shot starts (never 0): a large colour change, or one well above its
/// neighbourhood's where the pixels change more than usual too (an exposure step moves the
/// histogram, not the picture); shots at least `min_len` samples long.
pub fn cuts(obs: &[Observation], min_len: usize) -> Vec<usize> {
    let d: Vec<f32> = obs.iter().map(|o| o.cut_distance).collect();
    let c: Vec<f32> = obs.iter().map(|o| o.change).collect();
    let around = |v: &[f32], i: usize| {
        let lo = i.saturating_sub(7);
        let hi = (i + 8).min(v.len());
        let mut near: Vec<f32> = (lo..hi).filter(|&j| j != i).map(|j| v[j]).collect();
        median(&mut near)
    };
    let mut out: Vec<usize> = Vec::new();
    for i in 1..d.len() {
        let median = around(&d, i);
        // Colour: a large change, or one well above its neighbours'. Structure: nearly
        // every pixel changes at once (well above the shot's own motion) with some colour
        // change too (a cut between two grey scenes).
        let c_around = around(&c, i).max(0.02);
        let cut = d[i] > 0.45
            || (d[i] > 0.15 && d[i] > 4.0 * median.max(0.02) && c[i] > 1.5 * c_around)
            || (d[i] > 0.04 && c[i] > 0.1 && c[i] > 3.0 * c_around);
        if cut && out.last().is_none_or(|&l| i - l >= min_len) && i >= min_len.min(1) {
            out.push(i);
        }
    }
    through_black(out, &obs.iter().map(|o| o.brightness).collect::<Vec<_>>())
}

/// Below this mean luma a picture is black (the middle of a fade).
const BLACK: f32 = 0.06;

/// A fade through black is one cut: every step of a fade changes the histogram, so cuts are
/// found on its way down and up. The cuts inside a fade (the samples darkening to black, the
/// black ones, and those brightening after) become one cut at its first black sample: the
/// fading picture keeps its shot's window, and the new shot starts from black.
fn through_black(cuts: Vec<usize>, brightness: &[f32]) -> Vec<usize> {
    let b = brightness;
    let n = b.len();
    let mut out = cuts;
    let mut i = 0;
    while i < n {
        if b[i] >= BLACK {
            i += 1;
            continue;
        }
        let first = i;
        while i < n && b[i] < BLACK {
            i += 1;
        }
        // Darkening before, brightening after.
        let mut a = first;
        while a > 0 && b[a - 1] > b[a] {
            a -= 1;
        }
        let mut z = i - 1;
        while z + 1 < n && b[z + 1] > b[z] {
            z += 1;
        }
        let inside = |c: &usize| (a + 1..=z).contains(c);
        if out.iter().any(inside) {
            out.retain(|c| !inside(c));
            if first > 0 {
                out.push(first);
            }
            out.sort_unstable();
        }
    }
    out
}

/// What matters in one sample, in proxy columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subject {
    /// Left edge of what stands out (inside `best` when it is wider than the window).
    pub left: f32,
    /// Right edge.
    pub right: f32,
    /// Its centre of mass.
    pub centre: f32,
    /// The window's left edge that holds the most of it.
    pub best: f32,
    /// What stands out is spread wider than the window (two subjects far apart, a title, a
    /// counter filmed side on): no window holds enough of it.
    pub wide: bool,
}

/// The subject in one sample for a window `win` columns wide, or None when nothing stands
/// out.
///
/// Columns well above the picture's average, in runs of at least 3 (a lone spike is noise);
/// runs close together are one object. When they all fit the window with a margin, that is
/// the subject. Three or more separate runs that do not fit (or runs over most of the
/// picture) are clutter: nothing stands out. Otherwise the window that holds the most of
/// them decides: if it holds most
/// (a face within head and shoulders, a pan with a spoon beside it), the subject is what
/// it holds; if not (two people at both ends of the counter, a title), the sample is wide.
pub fn subject(profile: &[f32], win: f32) -> Option<Subject> {
    let n = profile.len();
    let top = peak(profile);
    if top < 0.04 || n == 0 {
        return None;
    }
    let mean = profile.iter().sum::<f32>() / n as f32;
    // Nothing stands out when the peak is not well above the picture's average.
    if top < 1.8 * mean {
        return None;
    }
    let thr = 0.4 * top;
    // Runs above the threshold, merged across small gaps.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut run_start = None;
    for i in 0..=n {
        let on = profile.get(i).is_some_and(|&v| v >= thr);
        match (on, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                if i - s >= 3 {
                    match runs.last_mut() {
                        Some(last) if (s - last.1) as f32 <= 0.12 * win => last.1 = i,
                        _ => runs.push((s, i)),
                    }
                }
                run_start = None;
            }
            _ => {}
        }
    }
    // Minor runs beside a clear subject (a door's edge, a lamp) are not a second subject.
    let mass = |&(a, b): &(usize, usize)| profile[a..b].iter().map(|v| v - 0.5 * thr).sum::<f32>();
    let heaviest = runs.iter().map(mass).fold(0f32, f32::max);
    runs.retain(|r| mass(r) >= 0.3 * heaviest);
    let (&(l0, _), &(_, r0)) = (runs.first()?, runs.last()?);
    let weight = |i: usize| {
        if runs.iter().any(|&(s, e)| (s..e).contains(&i)) {
            profile[i] - thr * 0.5
        } else {
            0.0
        }
    };
    let w: Vec<f32> = (0..n).map(weight).collect();
    let total: f32 = w.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let centre_of = |a: usize, b: usize| {
        let m: f32 = w[a..b].iter().sum();
        let c: f32 = (a..b).map(|i| w[i] * i as f32).sum();
        if m > 0.0 {
            c / m
        } else {
            (a + b) as f32 / 2.0
        }
    };
    let (l, r) = (l0 as f32, r0 as f32);
    let margin = 0.06 * win;
    // Clutter: three or more separate things, or most of the picture, standing out and not
    // fitting one window (a busy shelf, a test pattern) is nothing in particular, not two
    // subjects to show whole.
    let on: usize = runs.iter().map(|(a, b)| b - a).sum();
    if r - l + 2.0 * margin > win && (runs.len() >= 3 || on * 10 > n * 6) {
        return None;
    }
    if r - l + 2.0 * margin <= win {
        let c = centre_of(l0, r0);
        return Some(Subject {
            left: l,
            right: r,
            centre: c,
            best: (c - win / 2.0).clamp(0.0, (n as f32 - win).max(0.0)),
            wide: false,
        });
    }
    // One run that clearly outweighs the others and fits the window is the subject: a
    // single thing that fits is never shown small (a stone or a bright sky beside the bunny
    // is not a second subject). Two of about the same weight stay two (fill, if most of the
    // shot is like that).
    let mut masses: Vec<(f32, (usize, usize))> = runs.iter().map(|r| (mass(r), *r)).collect();
    masses.sort_by(|x, y| y.0.total_cmp(&x.0));
    if let [(m0, (a, b)), rest @ ..] = masses.as_slice() {
        let second = rest.first().map_or(0.0, |r| r.0);
        if (b - a) as f32 + 2.0 * margin <= win && second < 0.6 * m0 {
            let c = centre_of(*a, *b);
            return Some(Subject {
                left: *a as f32,
                right: *b as f32,
                centre: c,
                best: (c - win / 2.0).clamp(0.0, (n as f32 - win).max(0.0)),
                wide: false,
            });
        }
    }
    // The window holding the most (ties: the one nearest the centre of mass).
    let span = (win.round() as usize).clamp(1, n);
    let mut sum: f32 = w[..span].iter().sum();
    let mut best = (sum, 0usize);
    for x in 1..=n - span {
        sum += w[x + span - 1] - w[x - 1];
        if sum > best.0 + 1e-4 {
            best = (sum, x);
        }
    }
    let coverage = best.0 / total;
    let x = best.1;
    // What the best window holds, as the subject's extent.
    let inner: Vec<usize> = (x..x + span).filter(|&i| w[i] > 0.0).collect();
    let (il, ir) = match (inner.first(), inner.last()) {
        (Some(&a), Some(&b)) => (a as f32, b as f32 + 1.0),
        _ => (x as f32, (x + span) as f32),
    };
    let spread = (r - l) > 1.25 * win;
    Some(Subject {
        left: il,
        right: ir,
        centre: centre_of(x, x + span),
        best: x as f32,
        wide: coverage < 0.7 || (spread && coverage < 0.8),
    })
}

/// Decides every shot's camera for a window `win` proxy pixels wide in a picture `width`
/// wide, samples at `rate` per second. `emphasis` weighs each sample (1 is plain; more around
/// a detected moment, see [`emphasis_around`]; missing samples are plain). `people` is each
/// sample's people subject ([`super::people::subjects`]; missing or None: nobody seen), which
/// comes before what the profile says.
pub fn plan_shots(
    obs: &[Observation],
    cuts: &[usize],
    width: f32,
    win: f32,
    rate: f32,
    emphasis: &[f32],
    people: &[Option<Subject>],
) -> Vec<ShotPath> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(obs.len());
    let e: Vec<f32> = (0..obs.len())
        .map(|k| emphasis.get(k).copied().unwrap_or(1.0).max(1.0))
        .collect();
    let who: Vec<Option<Subject>> = (0..obs.len())
        .map(|k| people.get(k).copied().flatten())
        .collect();
    let plan = |a: usize, b: usize| {
        plan_shot(
            &obs[a..a + b],
            &e[a..a + b],
            &who[a..a + b],
            a,
            width,
            win,
            rate,
        )
    };
    let mut shots: Vec<ShotPath> = bounds
        .windows(2)
        .filter(|b| b[1] > b[0])
        .map(|b| plan(b[0], b[1] - b[0]))
        .collect();
    // A detected moment the window does not hold: the window jumps to it 0.6 s before and
    // back 1 s after (a reframe jump, as an editor would), rather than panning there late.
    let Some((km, _)) = e
        .iter()
        .enumerate()
        .filter(|(_, &v)| v > 1.5)
        .max_by(|a, b| a.1.total_cmp(b.1))
    else {
        return shots;
    };
    let Some(i) = shots.iter().position(|s| (s.start..s.end).contains(&km)) else {
        return shots;
    };
    let held = |s: &ShotPath| {
        let Some(subj) = subject(&weighted_profile(&obs[km], e[km]), win) else {
            return true;
        };
        if subj.wide || s.camera == Camera::Fill {
            return true;
        }
        let x = s.x[km - s.start];
        let overlap = (subj.right.min(x + win) - subj.left.max(x)).max(0.0);
        overlap >= 0.9 * (subj.right - subj.left).min(win)
    };
    if held(&shots[i]) {
        return shots;
    }
    let (s0, s1) = (shots[i].start, shots[i].end);
    let a = km
        .saturating_sub((0.6 * rate).round().max(1.0) as usize)
        .max(s0);
    let b = (km + (rate.round().max(1.0) as usize)).min(s1);
    let mut parts = Vec::new();
    if a > s0 {
        parts.push(plan(s0, a - s0));
    }
    let mut mid = plan(a, b - a);
    mid.jump = a > s0;
    parts.push(mid);
    if b < s1 {
        let mut after = plan(b, s1 - b);
        after.jump = true;
        parts.push(after);
    }
    if parts.len() > 1
        && !parts
            .iter()
            .any(|p| p.camera == Camera::Fill && p.x.is_empty())
    {
        // The first part keeps the shot's own start (a cut or the reel's start).
        parts[0].jump = shots[i].jump;
        shots.splice(i..=i, parts);
    }
    shots
}

/// Per-sample weights for `samples` samples at `rate` a second around a detected moment at
/// sample time `moment_s` (seconds from the first sample): 3 at the moment, falling off over
/// about a second, 1 beyond 1.5 s. Without a moment every weight is 1.
pub fn emphasis_around(moment_s: Option<f32>, samples: usize, rate: f32) -> Vec<f32> {
    (0..samples)
        .map(|k| match moment_s {
            Some(m) => {
                let d = k as f32 / rate - m;
                if d.abs() <= 1.5 {
                    1.0 + 2.0 * (-(d / 0.8) * (d / 0.8)).exp()
                } else {
                    1.0
                }
            }
            None => 1.0,
        })
        .collect()
}

/// A sample's profile as the camera weighs it: around a detected moment, what moves against
/// the camera counts more (the fail: the pan that slides, the tray that drops), so the window
/// goes to it even when the cook stands elsewhere.
fn weighted_profile(o: &Observation, emphasis: f32) -> std::borrow::Cow<'_, [f32]> {
    if emphasis <= 1.0 || o.motion.len() != o.profile.len() {
        return std::borrow::Cow::Borrowed(&o.profile);
    }
    o.profile
        .iter()
        .zip(&o.motion)
        .map(|(p, m)| p + 2.0 * (emphasis - 1.0) * m)
        .collect()
}

/// A column where this much of the height moves on average (over the second around a
/// sample) is something moving, not noise.
const MOVING: f32 = 0.04;
/// How much colour and texture count beside motion where something moves.
const TIE: f32 = 0.25;

/// Each sample of a shot: its motion against the camera per column, averaged over the
/// shot's samples within about 0.6 s of it (the shot's first sample is measured against the
/// shot before, so it does not count).
fn moving_columns(obs: &[Observation], rate: f32) -> Vec<Vec<f32>> {
    let n = obs.len();
    let r = ((0.6 * rate).round() as usize).max(1);
    let w = obs.iter().map(|o| o.motion.len()).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            let mut m = vec![0f32; w];
            let mut k = 0f32;
            let (a, b) = (i.saturating_sub(r).max(1).min(n), (i + r + 1).min(n));
            for o in obs[a..b]
                .iter()
                .filter(|o| o.motion.len() == w && o.cut_distance < 0.3)
            {
                m.iter_mut().zip(&o.motion).for_each(|(a, b)| *a += b);
                k += 1.0;
            }
            m.iter_mut().for_each(|v| *v /= k.max(1.0));
            m
        })
        .collect()
}

/// The profile the subject is found in where nobody is seen: where something moves (see
/// [`MOVING`]), the motion around the sample, colour and texture only breaking ties (a tree
/// or a bollard does not outweigh the cyclist who moves beside it); else the whole profile.
/// Where the motion averaged around the sample is weak but the sample's own is not (`own`:
/// not a shot's first sample, whose motion is measured across the cut), the sample's own
/// motion leads: a small thing moving fast (a ball rolling about a board) is in each column
/// it crosses for one sample only, so its mean over a second stays under [`MOVING`] however
/// clearly it moves. The flag says whether motion leads.
fn led_by_motion<'a>(
    o: &'a Observation,
    emphasis: f32,
    moving: &[f32],
    own: bool,
) -> (std::borrow::Cow<'a, [f32]>, bool) {
    let p = weighted_profile(o, emphasis);
    if moving.len() != p.len() || o.motion.len() != p.len() {
        return (p, false);
    }
    let lead = if peak(moving) >= MOVING {
        moving
    } else if own && peak(&o.motion) >= MOVING {
        &o.motion[..]
    } else {
        return (p, false);
    };
    let led = p
        .iter()
        .zip(&o.motion)
        .zip(lead)
        .map(|((p, now), m)| m + TIE * (p - now).max(0.0))
        .collect();
    (std::borrow::Cow::Owned(led), true)
}

/// How strong the motion where the window already is must stay, against the strongest in
/// the sample, for the window to stay on it when another mover outweighs it (see
/// [`subject_near`]).
const HOLDS_ON: f32 = 0.95;

/// The subject that continues `prev` (the previous sample's) in `lead` (a motion-led
/// profile), or None when what moves there has faded. The window does not leave someone who
/// still moves most (a man hopping on a box) for a mover that only weighs more (a nearer
/// passer-by whose motion, averaged over a second, is smeared wide): as long as the motion
/// within a quarter window of `prev` is at least [`HOLDS_ON`] of the sample's strongest, the
/// subject is what a window holding `prev` can hold with it (the passer-by too once they
/// share a window), else `prev`'s own neighbourhood.
fn subject_near(lead: &[f32], win: f32, prev: &Subject) -> Option<Subject> {
    let n = lead.len();
    let peak_all = peak(lead);
    let masked = |a: f32, b: f32| -> Vec<f32> {
        lead.iter()
            .enumerate()
            .map(|(i, &v)| {
                if (i as f32) >= a && (i as f32) < b {
                    v
                } else {
                    0.0
                }
            })
            .collect()
    };
    let pad = 0.25 * win;
    let own = masked(prev.left - pad, prev.right + pad);
    let peak_own = peak(&own);
    if n == 0 || peak_own < HOLDS_ON * peak_all {
        return None;
    }
    let reach = masked(prev.right - win, prev.left + win);
    match subject(&reach, win) {
        Some(s) if !s.wide => Some(s),
        _ => subject(&own, win).filter(|s| !s.wide),
    }
}

/// The largest value of `v` (0 for an empty or all-negative one).
fn peak(v: &[f32]) -> f32 {
    v.iter().copied().fold(0f32, f32::max)
}

fn median(v: &mut [f32]) -> f32 {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn plan_shot(
    obs: &[Observation],
    emphasis: &[f32],
    people: &[Option<Subject>],
    start: usize,
    width: f32,
    win: f32,
    rate: f32,
) -> ShotPath {
    let n = obs.len();
    let room = (width - win).max(0.0);
    let centre = room / 2.0;
    let margin = 0.06 * win;
    // People first; where nobody is seen, what moves against the camera over about a
    // second around the sample, with colour and texture breaking ties; the whole profile
    // only where nothing moves.
    // Only in a shot where something moves most of the time (over the second around a
    // sample, or in the sample itself: a small thing moving fast): a brief movement in a
    // still shot (a hand passing, the tray that drops with no moment detected) is a
    // distraction.
    let mut moving = moving_columns(obs, rate);
    let nothing_moves = moving
        .iter()
        .zip(obs)
        .enumerate()
        .filter(|(k, (m, o))| peak(m) >= MOVING || (*k > 0 && peak(&o.motion) >= MOVING))
        .count()
        * 2
        < n;
    if nothing_moves {
        moving.iter_mut().for_each(|m| m.clear());
    }
    let mut subj: Vec<Option<Subject>> = Vec::with_capacity(n);
    let mut prev: Option<Subject> = None;
    for (k, (((o, &e), p), m)) in obs
        .iter()
        .zip(emphasis)
        .zip(people)
        .zip(&moving)
        .enumerate()
    {
        let s = p.or_else(|| {
            let (lead, led) = led_by_motion(o, e, m, k > 0);
            let by_motion = subject(&lead, win);
            let chosen = match by_motion {
                Some(s) if !s.wide => Some(s),
                _ => subject(&weighted_profile(o, e), win),
            };
            // Where something moves and stands out, a subject away from the one followed
            // so far does not take the window while that one still moves most.
            match (chosen, prev) {
                (Some(c), Some(q))
                    if led
                        && by_motion.is_some()
                        && !c.wide
                        && (c.right < q.left || c.left > q.right) =>
                {
                    subject_near(&lead, win, &q).or(chosen)
                }
                _ => chosen,
            }
        });
        prev = s.filter(|s| !s.wide);
        subj.push(s);
    }
    let seen: Vec<Subject> = subj.iter().flatten().copied().collect();
    let shot = |camera, x: Vec<f32>| ShotPath {
        start,
        end: start + n,
        camera,
        x,
        jump: false,
        focus: if matches!(camera, Camera::Centre | Camera::Fill) {
            vec![None; n]
        } else {
            subj.iter()
                .map(|s| s.filter(|s| !s.wide).map(|s| s.centre))
                .collect()
        },
    };
    // Counts of samples, weighed by their emphasis.
    let count = |keep: &dyn Fn(&Subject) -> bool| -> f32 {
        subj.iter()
            .zip(emphasis)
            .filter(|(s, _)| s.as_ref().is_some_and(keep))
            .map(|(_, &e)| e)
            .sum()
    };
    let all: f32 = emphasis.iter().sum();
    let seen_w = count(&|_| true);
    if seen_w * 10.0 < all * 3.0 {
        return shot(Camera::Centre, vec![centre; n]);
    }
    if count(&|s| s.wide) * 2.0 >= seen_w {
        return shot(Camera::Fill, Vec::new());
    }
    let held: Vec<&Subject> = seen.iter().filter(|s| !s.wide).collect();
    // Steady: one window holding every sample's subject with the margin (one that cannot
    // fit: its core, the middle 70% of a window around its centre).
    let (mut lo, mut hi) = (0f32, room);
    for s in &held {
        if s.right - s.left + 2.0 * margin <= win {
            lo = lo.max(s.right + margin - win);
            hi = hi.min(s.left - margin);
        } else {
            lo = lo.max(s.centre + 0.35 * win - win);
            hi = hi.min(s.centre - 0.35 * win);
        }
    }
    if lo <= hi {
        let mut centres: Vec<f32> = held.iter().map(|s| s.centre - win / 2.0).collect();
        let mut x = median(&mut centres).clamp(lo, hi);
        // A gentle pull to the centre: snap to it when it holds the subject too and is near.
        if (lo..=hi).contains(&centre) && (x - centre).abs() < 0.08 * width {
            x = centre;
        }
        return shot(Camera::Steady, vec![x.clamp(0.0, room); n]);
    }
    // A still picture (the camera holds still, nothing moves against it, nobody is seen):
    // nothing in it goes anywhere, so neither does the window. What stands out there
    // flickers from sample to sample (a pole in one, the person by the hut in the next); the
    // one window that holds the subject in the most samples is kept, rather than a track
    // that crosses the frame after each flicker.
    let camera_still = obs
        .iter()
        .filter(|o| o.shift.0.abs() <= 1 && o.shift.1.abs() <= 1)
        .count()
        * 5
        >= n * 4;
    if nothing_moves && camera_still && people.iter().all(Option::is_none) {
        let mut centres: Vec<f32> = held.iter().map(|s| s.centre - win / 2.0).collect();
        let x = most_held(&subj, emphasis, win, room, median(&mut centres));
        return shot(Camera::Steady, vec![x; n]);
    }
    // Track: the target keeps the subject inside with the margin where it can.
    let mut target = Vec::with_capacity(n);
    let mut last = None;
    for s in &subj {
        let t = match s {
            Some(s) if !s.wide => {
                let x = if s.right - s.left + 2.0 * margin <= win {
                    (s.centre - win / 2.0).clamp(s.right + margin - win, s.left - margin)
                } else {
                    s.best
                };
                Some(x.clamp(0.0, room))
            }
            _ => last,
        };
        last = t.or(last);
        target.push(t);
    }
    // Samples before the subject is first seen take its first position.
    let first = target.iter().flatten().next().copied().unwrap_or(centre);
    let mut target: Vec<f32> = target.into_iter().map(|t| t.unwrap_or(first)).collect();
    // Median of 3 against single-sample outliers.
    if n >= 3 {
        let t0 = target.clone();
        for i in 1..n - 1 {
            target[i] = median(&mut [t0[i - 1], t0[i], t0[i + 1]]);
        }
    }
    let x = settle(&follow(&target, win, rate), win, rate);
    shot(
        Camera::Track,
        x.into_iter().map(|v| v.clamp(0.0, room)).collect(),
    )
}

/// The window's left edge (0..=`room`, whole proxy pixels) that holds the subject with the
/// margin in the most samples of `subj` (each counted by its `emphasis`; one wider than
/// the window counts where the window lies in its middle 70%); ties go to the edge nearest
/// `near`.
fn most_held(subj: &[Option<Subject>], emphasis: &[f32], win: f32, room: f32, near: f32) -> f32 {
    let margin = 0.06 * win;
    let holds = |s: &Subject, x: f32| {
        if s.right - s.left + 2.0 * margin <= win {
            x <= s.left - margin && x + win >= s.right + margin
        } else {
            x >= s.centre + 0.35 * win - win && x <= s.centre - 0.35 * win
        }
    };
    let mut best = (f32::MIN, near.clamp(0.0, room));
    for x in 0..=room.floor() as usize {
        let x = x as f32;
        let votes: f32 = subj
            .iter()
            .zip(emphasis)
            .filter(|(s, _)| s.is_some_and(|s| !s.wide && holds(&s, x)))
            .map(|(_, &e)| e)
            .sum();
        let better = votes > best.0 + 1e-4
            || ((votes - best.0).abs() <= 1e-4 && (x - near).abs() < (best.1 - near).abs());
        if better {
            best = (votes, x);
        }
    }
    best.1
}

/// Holds still where a path only drifts: each stretch of at least 0.8 s that stays within
/// 5% of a window width (a head swaying, a cook shifting weight) becomes one still window at
/// its middle, and the path eases (a short smoothing) in and out of it. A moving window
/// costs the encoder more than a still one (every frame's picture shifts), and a drift of a
/// few pixels frames nothing better; pans where the subject really moves are kept.
pub fn settle(x: &[f32], win: f32, rate: f32) -> Vec<f32> {
    let n = x.len();
    let band = 0.05 * win;
    let min_len = ((0.8 * rate).round() as usize).max(3);
    let mut out = x.to_vec();
    let mut i = 0;
    while i < n {
        // The longest run from i whose spread stays within the band.
        let (mut lo, mut hi) = (x[i], x[i]);
        let mut j = i + 1;
        while j < n {
            let (l, h) = (lo.min(x[j]), hi.max(x[j]));
            if h - l > 2.0 * band {
                break;
            }
            (lo, hi) = (l, h);
            j += 1;
        }
        if j - i >= min_len {
            let mid = (lo + hi) / 2.0;
            out[i..j].iter_mut().for_each(|v| *v = mid);
            i = j;
        } else {
            i += 1;
        }
    }
    // Ease between holds and moves (the steps between them are at most a band).
    let k = [0.054f32, 0.244, 0.403, 0.244, 0.054];
    let eased = smooth5(&out, k);
    // Keep the holds exactly still where they are not next to a change.
    (0..n)
        .map(|i| {
            let still = |j: usize| out.get(j).is_some_and(|&v| v == out[i]);
            if (i.saturating_sub(2)..=(i + 2).min(n - 1)).all(still) {
                out[i]
            } else {
                eased[i]
            }
        })
        .collect()
}

/// A camera operator's follow of `target` (sampled at `rate` per second): look two samples
/// ahead (the whole shot is known), hold inside a dead zone, ease in and out with a capped
/// acceleration and speed, then smooth (a Gaussian forward and back, so no phase lag).
pub fn follow(target: &[f32], win: f32, rate: f32) -> Vec<f32> {
    let n = target.len();
    if n == 0 {
        return Vec::new();
    }
    let ahead = 2usize;
    let dead = 0.08 * win;
    let vmax = 0.9 * win / rate; // per sample: at most 0.9 window widths a second
    let amax = 0.25 * win / rate; // per sample, per sample
    let mut pos = target[ahead.min(n - 1)];
    let mut vel = 0f32;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let goal = target[(i + ahead).min(n - 1)];
        let err = goal - pos;
        let want = if err.abs() <= dead {
            0.0
        } else {
            ((err - dead * err.signum()) * 0.6).clamp(-vmax, vmax)
        };
        vel += (want - vel).clamp(-amax, amax);
        pos += vel;
        out.push(pos);
    }
    // Gaussian, sigma one sample, forward and back.
    let k = [0.054f32, 0.244, 0.403, 0.244, 0.054];
    smooth5(&smooth5(&out, k), k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs_with_peak(w: usize, at: usize, cut: f32) -> Observation {
        let mut profile = vec![0.05f32; w];
        for v in profile.iter_mut().skip(at).take(10) {
            *v = 1.0;
        }
        Observation {
            cut_distance: cut,
            motion: vec![0.0; profile.len()],
            profile,
            shift: (0, 0),
            change: 0.0,
            brightness: 0.5,
            luma: Vec::new(),
        }
    }

    #[test]
    fn a_still_subject_off_centre_gets_a_steady_window_around_it() {
        let obs: Vec<_> = (0..20).map(|_| obs_with_peak(192, 20, 0.01)).collect();
        let shots = plan_shots(&obs, &cuts(&obs, 2), 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots.len(), 1);
        assert_eq!(shots[0].camera, Camera::Steady);
        let x = shots[0].x[0];
        assert!(x <= 20.0 - 3.0 && x + 60.0 >= 30.0 + 3.0, "{x}");
    }

    #[test]
    fn a_cut_splits_shots_and_each_holds_its_subject() {
        let mut obs: Vec<_> = (0..10).map(|_| obs_with_peak(192, 10, 0.01)).collect();
        obs.extend((0..10).map(|i| obs_with_peak(192, 160, if i == 0 { 0.8 } else { 0.01 })));
        let c = cuts(&obs, 2);
        assert_eq!(c, vec![10]);
        let shots = plan_shots(&obs, &c, 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots.len(), 2);
        assert!(shots[0].x[5] < 10.0);
        assert!(shots[1].x[5] + 60.0 > 170.0);
    }

    #[test]
    fn two_subjects_far_apart_are_filled() {
        let mut o = obs_with_peak(192, 5, 0.01);
        for v in o.profile.iter_mut().skip(170).take(10) {
            *v = 1.0;
        }
        let obs = vec![o; 10];
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots[0].camera, Camera::Fill);
    }

    #[test]
    fn the_follow_is_smooth_and_capped() {
        let target: Vec<f32> = (0..50).map(|i| if i < 20 { 0.0 } else { 100.0 }).collect();
        let x = follow(&target, 60.0, 5.0);
        let speeds: Vec<f32> = x.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
        assert!(speeds.iter().all(|&s| s <= 0.9 * 60.0 / 5.0 + 0.01));
        assert!((x[49] - 100.0).abs() < 6.0, "{}", x[49]);
        assert!(x[5].abs() < 1.0);
    }

    #[test]
    fn a_face_inside_wide_shoulders_is_held_not_filled() {
        // Shoulders (moderate) wider than the window, a face (strong) in the middle of them.
        let mut profile = vec![0.02f32; 192];
        for v in profile.iter_mut().skip(60).take(90) {
            *v = 0.25;
        }
        for v in profile.iter_mut().skip(95).take(25) {
            *v = 1.0;
        }
        let s = subject(&profile, 60.0).expect("a subject");
        assert!(!s.wide, "{s:?}");
        assert!(s.best <= 95.0 && s.best + 60.0 >= 120.0, "{s:?}");
        let obs = vec![
            Observation {
                cut_distance: 0.01,
                motion: vec![0.0; profile.len()],
                profile,
                shift: (0, 0),
                change: 0.01,
                brightness: 0.5,
                luma: Vec::new(),
            };
            10
        ];
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots[0].camera, Camera::Steady);
        assert!(shots[0].x[0] <= 95.0 && shots[0].x[0] + 60.0 >= 120.0);
    }

    #[test]
    fn a_minor_run_beside_the_subject_is_not_a_second_subject() {
        let mut o = obs_with_peak(192, 100, 0.01);
        // A door's edge far to the left: a few columns, much less than the subject.
        for v in o.profile.iter_mut().skip(5).take(3) {
            *v = 0.8;
        }
        let s = subject(&o.profile, 60.0).expect("a subject");
        assert!(!s.wide && s.left >= 99.0, "{s:?}");
        let shots = plan_shots(&vec![o; 10], &[], 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots[0].camera, Camera::Steady);
    }

    #[test]
    fn a_fade_through_black_is_one_cut() {
        // Shot A, fading out over 4 samples to black, 2 black, fading in over 4 to shot B:
        // each step of the fade changes the colours enough to look like a cut.
        let levels = [
            0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.35, 0.2, 0.1, 0.05, 0.02, 0.02, 0.06, 0.15, 0.3, 0.45,
            0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
        ];
        let obs: Vec<Observation> = levels
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let step = i > 0 && (l - levels[i - 1]) != 0.0;
                Observation {
                    brightness: l,
                    ..obs_with_peak(192, 20, if step { 0.5 } else { 0.01 })
                }
            })
            .collect();
        assert_eq!(cuts(&obs, 2), vec![9]);
        // A picture that goes black with no cut (a light switched off) gets none.
        let still: Vec<Observation> = obs
            .iter()
            .map(|o| Observation {
                cut_distance: 0.01,
                ..o.clone()
            })
            .collect();
        assert!(cuts(&still, 2).is_empty());
    }

    #[test]
    fn what_moves_outweighs_a_brighter_still_thing() {
        // A tree: strong colour and texture at the left, never moving; at the right a
        // duller thing that moves all along (the bunny, a cyclist).
        let obs: Vec<Observation> = (0..20)
            .map(|_| {
                let mut o = obs_with_peak(192, 15, 0.01);
                o.change = 0.02;
                for c in 150..160 {
                    o.profile[c] = 0.6;
                    o.motion[c] = 0.5;
                }
                o
            })
            .collect();
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &[]);
        assert!(
            shots[0].x.iter().all(|&x| x <= 150.0 && x + 60.0 >= 160.0),
            "{shots:?}"
        );
        // Nothing moving: the tree is what stands out.
        let still: Vec<Observation> = obs
            .iter()
            .map(|o| Observation {
                motion: vec![0.0; 192],
                ..o.clone()
            })
            .collect();
        let shots = plan_shots(&still, &[], 192.0, 60.0, 5.0, &[], &[]);
        assert!(shots[0].x.iter().all(|&x| x <= 15.0), "{shots:?}");
    }

    #[test]
    fn a_small_thing_moving_fast_is_held_not_a_still_arm_beside_it() {
        // A still camera: a still arm at the left (skin, some texture, no motion) and a
        // small ball rolling right, 4 columns a sample. The ball's motion averaged over a
        // second is thin (it is in each column once); the sample's own motion is not.
        let obs: Vec<Observation> = (0..30)
            .map(|k| {
                let mut o = obs_with_peak(192, 0, 0.01);
                o.profile = vec![0.01; 192];
                o.profile[10..26].iter_mut().for_each(|v| *v = 0.08);
                let b = 60 + 4 * k;
                o.profile[b..b + 4].iter_mut().for_each(|v| *v = 0.1);
                if k > 0 {
                    o.motion[b..b + 4].iter_mut().for_each(|v| *v = 0.06);
                }
                o
            })
            .collect();
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots.len(), 1);
        assert_ne!(shots[0].camera, Camera::Fill, "{shots:?}");
        let held = (0..30)
            .filter(|&k| {
                let x = shots[0].x[k];
                x <= (60 + 4 * k) as f32 && x + 60.0 >= (64 + 4 * k) as f32
            })
            .count();
        assert!(held >= 24, "{held}/30 {:?}", shots[0].x);
    }

    #[test]
    fn a_passer_by_does_not_take_the_window_from_who_acts_in_place() {
        // A still camera: someone acting in place (a gymnast on a box, cols 50-59) moves in
        // every sample; from sample 5 a larger passer-by walks in from the right, 3 columns
        // a sample. Averaged over a second the walker's motion is a wide smear that weighs
        // more, but the strongest motion stays where the window already is.
        let obs: Vec<Observation> = (0..30)
            .map(|k| {
                let mut o = obs_with_peak(192, 0, 0.01);
                o.profile = vec![0.01; 192];
                o.profile[50..60].iter_mut().for_each(|v| *v = 0.14);
                if k > 0 {
                    o.motion[50..60].iter_mut().for_each(|v| *v = 0.12);
                }
                if k >= 5 {
                    let a = 170 - 3 * (k - 5);
                    let b = (a + 20).min(192);
                    o.profile[a..b].iter_mut().for_each(|v| *v = 0.13);
                    o.motion[a..b].iter_mut().for_each(|v| *v = 0.1);
                }
                o
            })
            .collect();
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots.len(), 1);
        assert!(
            shots[0].x.iter().all(|&x| x <= 50.0 && x + 60.0 >= 60.0),
            "{shots:?}"
        );
    }

    #[test]
    fn a_still_shot_keeps_one_window_where_its_flickering_subject_is_most_often() {
        // A still picture where what stands out flickers: the person by the hut (right) in
        // most samples where something does, a pole (left) in a few, nothing in the rest.
        let obs: Vec<Observation> = (0..30)
            .map(|k| match k % 5 {
                0 | 2 => obs_with_peak(192, 145, 0.01),
                3 if k < 15 => obs_with_peak(192, 55, 0.01),
                _ => Observation {
                    profile: vec![0.05; 192],
                    ..obs_with_peak(192, 0, 0.01)
                },
            })
            .collect();
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &[]);
        assert_eq!(shots.len(), 1);
        assert_eq!(shots[0].camera, Camera::Steady, "{shots:?}");
        assert!(
            shots[0].x.iter().all(|&x| x <= 145.0 && x + 60.0 >= 155.0),
            "{shots:?}"
        );
    }

    #[test]
    fn a_cut_between_two_grey_scenes_is_found_by_its_change() {
        let mut obs: Vec<_> = (0..20).map(|_| obs_with_peak(192, 20, 0.02)).collect();
        for o in obs.iter_mut() {
            o.change = 0.02;
        }
        // Little colour change, but nearly every pixel differs.
        obs[12].cut_distance = 0.07;
        obs[12].change = 0.2;
        assert_eq!(cuts(&obs, 2), vec![12]);
        // Fast motion inside a shot without a colour change is not a cut.
        obs[12].cut_distance = 0.02;
        assert!(cuts(&obs, 2).is_empty());
    }

    #[test]
    fn an_exposure_step_is_not_a_cut_but_the_same_colour_step_with_new_pixels_is() {
        // The camera's exposure steps (npm opencv4nodejs's horses.mp4 at 3.7 s: the histogram
        // moves 0.25, every pixel's luma by the same few levels): no new picture, no cut.
        let mut obs: Vec<_> = (0..20).map(|_| obs_with_peak(192, 20, 0.015)).collect();
        for o in obs.iter_mut() {
            o.change = 0.04;
        }
        obs[12].cut_distance = 0.25;
        obs[12].change = 0.045;
        assert!(cuts(&obs, 2).is_empty());
        // The same colour step where the pixels change as well is a cut.
        obs[12].change = 0.12;
        assert_eq!(cuts(&obs, 2), vec![12]);
    }

    #[test]
    fn around_a_detected_moment_the_window_goes_to_what_moves() {
        // The cook (a steady warm subject) at the left all along; at samples 18–22 something
        // moves at the right (the tray that drops), a little less salient than the cook.
        let obs: Vec<Observation> = (0..40)
            .map(|k| {
                let mut o = obs_with_peak(192, 20, 0.01);
                if (18..=22).contains(&k) {
                    for c in 150..160 {
                        o.profile[c] = 0.7;
                        o.motion[c] = 0.7;
                    }
                }
                o
            })
            .collect();
        let plain = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &[]);
        // Without a moment the cook is held (the tray is a brief distraction).
        assert!(
            plain.iter().all(|s| s.x.iter().all(|&x| x <= 20.0)),
            "{plain:?}"
        );
        let e = emphasis_around(Some(4.0), 40, 5.0);
        assert!((e[20] - 3.0).abs() < 1e-3 && e[0] == 1.0 && e[39] == 1.0);
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &e, &[]);
        // At the moment the tray is inside the window; well before it, the cook is.
        // The window jumps to the tray 0.6 s before the moment and back 1 s after.
        assert_eq!(shots.len(), 3, "{shots:?}");
        assert_eq!((shots[1].start, shots[1].end), (17, 25));
        assert!(!shots[0].jump && shots[1].jump && shots[2].jump);
        let x = shots[1].x[20 - 17];
        assert!(x <= 150.0 && x + 60.0 >= 160.0, "{x}");
        assert!(shots[0].x.iter().all(|&x| x <= 20.0), "{:?}", shots[0]);
        assert!(shots[2].x.iter().all(|&x| x <= 20.0), "{:?}", shots[2]);
    }

    #[test]
    fn people_come_before_the_profile_and_a_shot_is_filled_or_cropped_whole() {
        // The profile's subject is at the left all along; the people say the person is at
        // the right: the window holds the person.
        let obs: Vec<_> = (0..30).map(|_| obs_with_peak(192, 10, 0.01)).collect();
        let one = Subject {
            left: 150.0,
            right: 175.0,
            centre: 162.0,
            best: 132.0,
            wide: false,
        };
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &[], &vec![Some(one); 30]);
        assert_eq!(shots.len(), 1);
        assert!(
            shots[0].x.iter().all(|&x| x <= 150.0 && x + 60.0 >= 175.0),
            "{shots:?}"
        );
        // Two people far apart for most of the shot, then one: one fill shot, and a detected
        // moment near its end (what moves is elsewhere) does not cut a cropped part into it.
        let two = Subject {
            left: 0.0,
            right: 192.0,
            centre: 100.0,
            best: 70.0,
            wide: true,
        };
        let people: Vec<Option<Subject>> = (0..30)
            .map(|k| Some(if k < 22 { two } else { one }))
            .collect();
        let mut obs = obs;
        for o in obs.iter_mut().skip(24).take(5) {
            for c in 90..100 {
                o.profile[c] = 0.9;
                o.motion[c] = 0.9;
            }
        }
        let e = emphasis_around(Some(5.2), 30, 5.0);
        let shots = plan_shots(&obs, &[], 192.0, 60.0, 5.0, &e, &people);
        assert_eq!(shots.len(), 1, "{shots:?}");
        assert_eq!(shots[0].camera, Camera::Fill);
    }
}

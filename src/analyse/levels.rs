//! The sound's level over a range, in short windows: what `stories` cuts at (the quietest
//! moment near each even division), measured by one audio-only decode.

use crate::media::decode::{Decoded, Flow, RangeDecoder};
use crate::media::resample::AudioTimeline;
use crate::media::RenderError;
use crate::model::source::MediaInfo;
use crate::model::time::Micros;
use crate::plan::stories::WINDOW_S;

/// The sound's level (dBFS RMS, both channels) in [`WINDOW_S`] windows from `start` for
/// `len`; None without audio.
pub fn levels(
    info: &MediaInfo,
    start: Micros,
    len: Micros,
) -> Result<Option<Vec<f32>>, RenderError> {
    let Some(a) = &info.audio else {
        return Ok(None);
    };
    let rate = 48_000u32;
    let samples = (len.as_secs_f64() * rate as f64) as i64;
    let mut dec = RangeDecoder::open(&info.path, info.video.index, info.video.x264_build, start)?;
    if !matches!(dec.with_audio(a.index), Ok(true)) {
        return Ok(None);
    }
    if start > Micros::ZERO {
        let _ = dec.seek(Micros::ZERO);
    }
    let win = (WINDOW_S * rate as f64) as usize;
    let mut timeline = AudioTimeline::new(rate, samples);
    let mut sums: Vec<f64> = Vec::new();
    let mut filled = 0usize;
    let mut feed = |timeline: &mut AudioTimeline, sums: &mut Vec<f64>| {
        let [l, r] = &mut timeline.pending;
        for (x, y) in l.iter().zip(r.iter()) {
            if filled.is_multiple_of(win) {
                sums.push(0.0);
            }
            *sums.last_mut().expect("pushed") += (x * x + y * y) as f64 / 2.0;
            filled += 1;
        }
        l.clear();
        r.clear();
    };
    let path = info.path.clone();
    dec.run(None, |item| {
        if let Decoded::Sound(frame, t) = item {
            timeline.push_decoded(&path, frame, t)?;
            feed(&mut timeline, &mut sums);
            if timeline.full() {
                return Ok(Flow::EndAudio);
            }
        }
        Ok(Flow::Continue)
    })?;
    timeline.close(samples);
    feed(&mut timeline, &mut sums);
    Ok(Some(
        sums.iter()
            .map(|s| (10.0 * (s / win as f64).max(1e-12).log10()) as f32)
            .collect(),
    ))
}

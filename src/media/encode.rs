//! The reel's encoders, set up from the plan's encoder settings: x264 (High profile, closed
//! GOP at the plan's interval, optional VBV cap, BT.709 limited range tags) and AAC-LC stereo.

use super::error::{lav, RenderError};
use crate::plan::EncoderPlan;
use ffmpeg_next as ff;
use std::path::Path;

/// The planar float sample format the AAC encoder takes.
pub fn fltp() -> ff::format::Sample {
    ff::format::Sample::F32(ff::format::sample::Type::Planar)
}

/// What the video encoder makes.
pub struct VideoFormat {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Constant frame rate (the encoder's time base is 1/fps).
    pub fps: u32,
    /// Encoder threads (0 = libav's choice).
    pub threads: usize,
}

/// Opens x264 for `format` with `enc`'s settings; `global_header` when the container asks
/// for it. `path` names the input in errors.
pub fn open_video(
    path: &Path,
    enc: &EncoderPlan,
    format: &VideoFormat,
    global_header: bool,
) -> Result<ff::encoder::Video, RenderError> {
    let fps = format.fps as i32;
    let x264 = ff::encoder::find_by_name(&enc.video_codec)
        .ok_or(ff::Error::EncoderNotFound)
        .map_err(lav(
            path,
            "finding the x264 encoder (is libavcodec built with libx264?)",
        ))?;
    let mut venc = ff::codec::context::Context::new_with_codec(x264)
        .encoder()
        .video()
        .map_err(lav(path, "creating the video encoder"))?;
    venc.set_width(format.width);
    venc.set_height(format.height);
    venc.set_format(ff::format::Pixel::YUV420P);
    venc.set_time_base(ff::Rational(1, fps));
    venc.set_frame_rate(Some(ff::Rational(fps, 1)));
    venc.set_aspect_ratio(ff::Rational(1, 1));
    venc.set_gop(enc.keyframe_interval);
    venc.set_threading(ff::codec::threading::Config {
        kind: ff::codec::threading::Type::Frame,
        count: format.threads,
        ..Default::default()
    });
    venc.set_color_range(ff::color::Range::MPEG);
    venc.set_colorspace(ff::color::Space::BT709);
    venc.set_color_primaries(ff::color::Primaries::BT709);
    venc.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);
    if global_header {
        venc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
    }
    let mut vopts = ff::Dictionary::new();
    vopts.set("preset", enc.preset.as_str());
    vopts.set("crf", &enc.crf.to_string());
    vopts.set("profile", &enc.profile);
    vopts.set("level", &enc.level);
    vopts.set("x264-params", &x264_params(enc));
    venc.open_with(vopts)
        .map_err(lav(path, "opening the x264 encoder"))
}

/// The `x264-params` for `enc`.
pub fn x264_params(enc: &EncoderPlan) -> String {
    let mut params = format!(
        // CABAC and 8x8 transforms stay on whatever the speed preset, so the stream is High
        // profile as the platforms ask (ultrafast would otherwise give Constrained Baseline).
        "keyint={k}:min-keyint={k}:scenecut=0:open-gop=0:cabac=1:8x8dct=1",
        k = enc.keyframe_interval
    );
    if enc.max_bitrate_kbps > 0 {
        params.push_str(&format!(
            ":vbv-maxrate={}:vbv-bufsize={}",
            enc.max_bitrate_kbps,
            enc.max_bitrate_kbps * 2
        ));
    }
    params
}

/// Opens the AAC encoder: stereo planar float at the plan's rate and bitrate.
pub fn open_audio(
    path: &Path,
    enc: &EncoderPlan,
    global_header: bool,
) -> Result<ff::encoder::Audio, RenderError> {
    let aac = ff::encoder::find(ff::codec::Id::AAC)
        .ok_or(ff::Error::EncoderNotFound)
        .map_err(lav(path, "finding the AAC encoder"))?;
    let rate = enc.sample_rate;
    let mut aenc = ff::codec::context::Context::new_with_codec(aac)
        .encoder()
        .audio()
        .map_err(lav(path, "creating the AAC encoder"))?;
    aenc.set_rate(rate as i32);
    aenc.set_channel_layout(ff::ChannelLayout::default(2));
    aenc.set_format(fltp());
    aenc.set_bit_rate(enc.audio_bitrate_kbps as usize * 1000);
    aenc.set_time_base(ff::Rational(1, rate as i32));
    if global_header {
        aenc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
    }
    aenc.open().map_err(lav(path, "opening the AAC encoder"))
}

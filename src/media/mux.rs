//! The reel's container: an MP4 written to a (temporary) path, with fast start (the index
//! before the media) and failreel's comment tag.

use super::error::{lav, RenderError};
use ffmpeg_next as ff;
use std::path::{Path, PathBuf};

/// An MP4 being written. Streams are added before [`Mp4Writer::write_header`]; only then are
/// the streams' time bases final (the muxer may change them).
pub struct Mp4Writer {
    octx: ff::format::context::Output,
    /// The final output (named in errors).
    output: PathBuf,
    /// The input (named in libav errors).
    input: PathBuf,
}

impl Mp4Writer {
    /// Creates the MP4 at `tmp`; `output` is the path named in errors, `input` the clip.
    pub fn create(tmp: &Path, output: &Path, input: &Path) -> Result<Mp4Writer, RenderError> {
        if tmp.to_str().is_none() {
            // ffmpeg-next would panic on it.
            let e = std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the name is not UTF-8: rename the folder, or write elsewhere",
            );
            return Err(RenderError::output(output, e));
        }
        let octx =
            ff::format::output_as(&tmp, "mp4").map_err(|e| RenderError::output(output, e))?;
        Ok(Mp4Writer {
            octx,
            output: output.to_path_buf(),
            input: input.to_path_buf(),
        })
    }

    /// Whether encoders must put their headers in the stream parameters (MP4: yes).
    pub fn global_header(&self) -> bool {
        self.octx
            .format()
            .flags()
            .contains(ff::format::Flags::GLOBAL_HEADER)
    }

    /// Adds a video stream for an opened encoder at constant `fps`; its index.
    pub fn add_video(&mut self, enc: &ff::encoder::Video, fps: u32) -> Result<usize, RenderError> {
        let codec = enc.codec().ok_or(ff::Error::EncoderNotFound);
        let codec = codec.map_err(lav(&self.input, "adding the video stream"))?;
        let mut ost = self
            .octx
            .add_stream(codec)
            .map_err(lav(&self.input, "adding the video stream"))?;
        ost.set_parameters(enc);
        ost.set_time_base(ff::Rational(1, fps as i32));
        ost.set_avg_frame_rate(ff::Rational(fps as i32, 1));
        Ok(ost.index())
    }

    /// Adds an audio stream for an opened encoder at `rate`; its index.
    pub fn add_audio(&mut self, enc: &ff::encoder::Audio, rate: u32) -> Result<usize, RenderError> {
        let codec = enc.codec().ok_or(ff::Error::EncoderNotFound);
        let codec = codec.map_err(lav(&self.input, "adding the audio stream"))?;
        let mut ost = self
            .octx
            .add_stream(codec)
            .map_err(lav(&self.input, "adding the audio stream"))?;
        ost.set_parameters(enc);
        ost.set_time_base(ff::Rational(1, rate as i32));
        Ok(ost.index())
    }

    /// Writes the header with `comment` as the comment tag, fast start on.
    pub fn write_header(&mut self, comment: &str) -> Result<(), RenderError> {
        let mut meta = ff::Dictionary::new();
        meta.set("comment", comment);
        self.octx.set_metadata(meta);
        let mut opts = ff::Dictionary::new();
        opts.set("movflags", "+faststart");
        self.octx
            .write_header_with(opts)
            .map(|_| ())
            .map_err(|e| RenderError::output(&self.output, e))
    }

    /// The time base of stream `index` (final after the header).
    pub fn time_base(&self, index: usize) -> ff::Rational {
        self.octx
            .stream(index)
            .map_or(ff::Rational(1, 1), |s| s.time_base())
    }

    /// Writes a packet (already in its stream's time base), interleaved.
    pub fn write(&mut self, packet: &ff::Packet, what: &'static str) -> Result<(), RenderError> {
        packet
            .write_interleaved(&mut self.octx)
            .map_err(|e| RenderError::output_or_libav(&self.output, &self.input, what, e))
    }

    /// Writes the trailer (with fast start, the index moves to the front here).
    pub fn finish(&mut self) -> Result<(), RenderError> {
        self.octx
            .write_trailer()
            .map_err(|e| RenderError::output(&self.output, e))
    }
}

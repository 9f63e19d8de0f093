//! The only `unsafe` code in failreel: libav calls that ffmpeg-next does not wrap.

use ffmpeg_next as ff;

/// Whether no one else holds a reference to the frame's buffers, so writing to them cannot
/// change a picture another stage (the encoder, a filter's pool) still reads.
pub fn is_writable(frame: &ff::frame::Video) -> bool {
    // SAFETY: `as_ptr` returns the AVFrame that `frame` owns, valid for the borrow;
    // av_frame_is_writable only reads the frame's buffer reference counts. A frame without
    // buffers reports 0 (not writable), which the callers treat as "make a copy".
    unsafe { ff::ffi::av_frame_is_writable(frame.as_ptr() as *mut _) != 0 }
}

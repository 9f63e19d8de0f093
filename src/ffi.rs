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

/// The field order the stream's parameters declare (interlaced or progressive). ffmpeg-next
/// has a setter for it but no getter.
pub fn field_order(dec: &ff::decoder::Video) -> ff::FieldOrder {
    // SAFETY: `as_ptr` returns the AVCodecContext `dec` owns, valid for the borrow; the field
    // is a plain enum copied from the stream's parameters when the context was made, and is
    // only read here.
    unsafe { ff::FieldOrder::from((*dec.as_ptr()).field_order) }
}

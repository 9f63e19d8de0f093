//! The only `unsafe` code in failreel: libav calls that ffmpeg-next does not wrap (a frame's
//! writability, a cropped view of a frame, and capturing libav's log instead of letting it
//! print).
#![allow(unsafe_code)]

use ffmpeg_next as ff;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Whether no one else holds a reference to the frame's buffers, so writing to them cannot
/// change a picture another stage (the encoder, a filter's pool) still reads.
pub fn is_writable(frame: &ff::frame::Video) -> bool {
    // SAFETY: `as_ptr` returns the AVFrame that `frame` owns, valid for the borrow;
    // av_frame_is_writable only reads the frame's buffer reference counts. A frame without
    // buffers reports 0 (not writable), which the callers treat as "make a copy".
    unsafe { ff::ffi::av_frame_is_writable(frame.as_ptr() as *mut _) != 0 }
}

/// A view of the rectangle `(x, y, width, height)` of `frame` (in its own stored pixels) that
/// shares its buffers: no pixel is copied, the data pointers are offset (as libavfilter's
/// `crop` does). The rectangle is clamped inside the frame; even offsets keep 4:2:0 chroma
/// exact. Used for `--focus auto`, whose window moves from frame to frame.
pub fn crop_view(
    frame: &ff::frame::Video,
    (x, y, width, height): (u32, u32, u32, u32),
) -> Result<ff::frame::Video, ff::Error> {
    let (fw, fh) = (frame.width() as usize, frame.height() as usize);
    let x = (x as usize).min(fw.saturating_sub(1));
    let y = (y as usize).min(fh.saturating_sub(1));
    let w = (width as usize).clamp(1, fw - x);
    let h = (height as usize).clamp(1, fh - y);
    let mut out = ff::frame::Video::empty();
    // SAFETY: `out` owns a freshly allocated, empty AVFrame and `frame` a valid decoded one,
    // both valid for this block. av_frame_ref makes `out` a new reference to the same
    // (reference-counted) buffers and copies the properties; on failure `out` stays empty
    // and is freed by its Drop. The crop fields are plain size_t fields of `out` only, set
    // inside the frame's size (checked above), and av_frame_apply_cropping then offsets
    // `out`'s data pointers and sets its width and height; the source frame is not touched.
    unsafe {
        let r = ff::ffi::av_frame_ref(out.as_mut_ptr(), frame.as_ptr());
        if r < 0 {
            return Err(ff::Error::from(r));
        }
        let f = out.as_mut_ptr();
        (*f).crop_left = x;
        (*f).crop_top = y;
        (*f).crop_right = fw - x - w;
        (*f).crop_bottom = fh - y - h;
        let r = ff::ffi::av_frame_apply_cropping(
            f,
            ff::ffi::AV_FRAME_CROP_UNALIGNED as std::ffi::c_int,
        );
        if r < 0 {
            return Err(ff::Error::from(r));
        }
    }
    Ok(out)
}

/// The field order the decoder reports for its stream (set from the container and the
/// bitstream while probing): progressive, top field first, bottom field first…
pub fn field_order(dec: &ff::decoder::Video) -> ff::codec::field_order::FieldOrder {
    // SAFETY: `as_ptr` returns the AVCodecContext the decoder owns, valid for the borrow;
    // reading a plain enum field does not change it. libav only writes it while decoding,
    // which cannot happen during this shared borrow.
    let order = unsafe { (*dec.as_ptr()).field_order };
    ff::codec::field_order::FieldOrder::from(order)
}

/// How many of libav's latest warning and error lines are kept.
const KEPT_LINES: usize = 20;

/// libav's latest warning and error lines, oldest first (shared by every thread: libav logs
/// from its own codec threads too).
static LOG: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

fn keep_line(line: &str) {
    let line = line.trim_end();
    if line.is_empty() {
        return;
    }
    let mut log = LOG.lock().unwrap_or_else(|p| p.into_inner());
    if log.len() == KEPT_LINES {
        log.pop_front();
    }
    log.push_back(line.to_string());
}

/// libav's latest warning and error lines (at most 20), oldest first.
pub fn recent_log() -> Vec<String> {
    LOG.lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .cloned()
        .collect()
}

#[cfg(target_arch = "x86_64")]
unsafe extern "C" fn log_callback(
    avcl: *mut std::ffi::c_void,
    level: std::ffi::c_int,
    fmt: *const std::ffi::c_char,
    vl: *mut ff::ffi::__va_list_tag,
) {
    if level > ff::ffi::AV_LOG_WARNING as std::ffi::c_int || fmt.is_null() {
        return;
    }
    let mut line = [0 as std::ffi::c_char; 1024];
    let mut prefix: std::ffi::c_int = 1;
    // SAFETY: libav calls this with the arguments of one av_log call: `avcl` is null or the
    // logging context, `fmt` a valid format string and `vl` its argument list, consumed once
    // here. av_log_format_line2 writes at most `line.len()` bytes including the terminating
    // NUL into `line`, which lives on this stack frame, and reads/writes `prefix`.
    let written = unsafe {
        ff::ffi::av_log_format_line2(
            avcl,
            level,
            fmt,
            vl,
            line.as_mut_ptr(),
            line.len() as std::ffi::c_int,
            &mut prefix,
        )
    };
    if written < 0 {
        return;
    }
    // SAFETY: av_log_format_line2 always NUL-terminates within the buffer (it truncates).
    let text = unsafe { std::ffi::CStr::from_ptr(line.as_ptr()) };
    keep_line(&text.to_string_lossy());
}

/// Sends libav's log to failreel's ring of recent lines instead of the terminal: nothing is
/// printed, and the last warning and error lines can be put into a failure's message.
pub fn capture_log() {
    ff::log::set_level(ff::log::Level::Warning);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the callback has the exact signature libav expects, never unwinds (it only
    // formats into a stack buffer and locks a poisoning-tolerant mutex) and stays valid for
    // the program's life (a plain function).
    unsafe {
        ff::ffi::av_log_set_callback(Some(log_callback));
    }
    #[cfg(not(target_arch = "x86_64"))]
    ff::log::set_level(ff::log::Level::Quiet);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_latest_lines() {
        for i in 0..30 {
            keep_line(&format!("ring-test line {i}\n"));
        }
        let lines: Vec<String> = recent_log()
            .into_iter()
            .filter(|l| l.starts_with("ring-test"))
            .collect();
        assert!(lines.len() <= KEPT_LINES);
        assert_eq!(lines.last().map(String::as_str), Some("ring-test line 29"));
        assert!(!lines.iter().any(|l| l == "ring-test line 9"));
    }
}

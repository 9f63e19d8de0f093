//! How much media the running analysis pass has got through: a meter per thread (handed to
//! the threads a pass starts) that every [`super::decode::RangeDecoder`] advances as it
//! decodes and checks between packets for a stop. The passes, their names and the watcher
//! that reports the meter are [`crate::analyse::progress`]; the media layer only counts.

use crate::model::time::Micros;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

/// How much media a running pass has got through, of how much it will.
#[derive(Debug)]
pub struct Meter {
    total: AtomicI64,
    covered: AtomicI64,
    /// Set when the pass is to stop.
    stop: AtomicBool,
}

impl Meter {
    /// A meter for a pass that decodes about `total` of media.
    pub fn new(total: Micros) -> Meter {
        Meter {
            total: AtomicI64::new(total.0.max(1)),
            covered: AtomicI64::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// Tells the pass's decoders to stop ([`cancelled`]).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether [`Meter::stop`] was called.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The part done so far, below 1 until the pass is over.
    pub fn fraction(&self) -> f64 {
        let total = self.total.load(Ordering::Relaxed).max(1) as f64;
        (self.covered.load(Ordering::Relaxed) as f64 / total).clamp(0.0, 0.99)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Meter>>> = const { RefCell::new(None) };
}

/// The meter of the pass running on this thread, to hand to the threads it starts.
pub fn current() -> Option<Arc<Meter>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` with `meter` as this thread's (what [`current`] gave on the thread that
/// started this one), restoring what was there after.
pub fn carry<R>(meter: Option<Arc<Meter>>, f: impl FnOnce() -> R) -> R {
    let before = CURRENT.with(|c| c.replace(meter));
    let r = f();
    CURRENT.with(|c| *c.borrow_mut() = before);
    r
}

/// Adds `span` of media got through to the pass running on this thread (none: nothing).
pub fn advance(span: Micros) {
    if span.0 <= 0 {
        return;
    }
    CURRENT.with(|c| {
        if let Some(m) = c.borrow().as_ref() {
            m.covered.fetch_add(span.0, Ordering::Relaxed);
        }
    });
}

/// Whether the pass running on this thread is to stop (what its decoders check between
/// packets). Outside a pass: false.
pub fn cancelled() -> bool {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|m| m.stop.load(Ordering::Relaxed))
    })
}

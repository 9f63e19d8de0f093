//! Progress of the measuring passes ("finding the moment", "following the subject",
//! "measuring loudness"), told to a [`PassProgress`] hook as a fraction of each pass.
//!
//! A pass runs under [`run_pass`], which installs a [`Meter`] for the thread (and for the
//! threads the pass starts through [`carry`]): every [`crate::media::decode::RangeDecoder`]
//! that decodes for the pass adds the stretch of media it has got through
//! ([`crate::media::meter::advance`]), and a small watcher tells the hook how far the pass is, a few times a
//! second. The passes themselves need no change to be followed, and a pass that decodes
//! nothing (its result cached) is told as begun and done.

pub use crate::media::meter::{carry, current, Meter};
use crate::model::time::Micros;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A measuring pass, as people know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pass {
    /// `--start auto`: the detection pass.
    Moment,
    /// `--focus auto`: the reframe pass.
    Subject,
    /// Loudness normalisation: the loudness pass.
    Loudness,
}

impl Pass {
    /// What the pass does, in words ("finding the moment").
    pub fn label(self) -> &'static str {
        match self {
            Pass::Moment => "finding the moment",
            Pass::Subject => "following the subject",
            Pass::Loudness => "measuring loudness",
        }
    }
}

/// Receives the passes' progress: `done` from 0 (begun) to 1 (over). Called from the pass's
/// thread and from its watcher; must be cheap.
pub trait PassProgress: Sync {
    /// Pass `pass` is this far (0–1).
    fn pass(&self, pass: Pass, done: f64);
    /// Whether the pass should stop now (a second Ctrl-C, or SIGTERM): its decoders then end
    /// with [`crate::media::RenderError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// A hook that ignores everything.
pub struct NoPassProgress;
impl PassProgress for NoPassProgress {
    fn pass(&self, _pass: Pass, _done: f64) {}
}

/// How often the watcher looks at the meter.
const EVERY: Duration = Duration::from_millis(150);

/// Runs the pass `f` (which decodes about `total` of media) under a meter, telling `hook`
/// it began (0), how far it is while it runs, and that it is over (1, not told of a
/// cancelled pass). When `hook` says
/// the run is cancelled, the pass's decoders stop ([`crate::media::meter::cancelled`]) within a fraction of a
/// second.
pub fn run_pass<R>(pass: Pass, total: Micros, hook: &dyn PassProgress, f: impl FnOnce() -> R) -> R {
    let meter = Arc::new(Meter::new(total));
    if hook.cancelled() {
        meter.stop();
    }
    let over = AtomicBool::new(false);
    hook.pass(pass, 0.0);
    let r = std::thread::scope(|s| {
        let watcher = std::thread::Builder::new()
            .name("failreel-pass-progress".into())
            .spawn_scoped(s, || {
                let mut told = 0.0;
                while !over.load(Ordering::Acquire) {
                    std::thread::park_timeout(EVERY);
                    if hook.cancelled() {
                        meter.stop();
                    }
                    let f = meter.fraction();
                    if f > told + 0.004 && !over.load(Ordering::Acquire) {
                        told = f;
                        hook.pass(pass, f);
                    }
                }
            })
            .ok();
        let r = carry(Some(meter.clone()), f);
        over.store(true, Ordering::Release);
        if let Some(w) = watcher {
            w.thread().unpark();
        }
        r
    });
    // A cancelled pass is not over: it stopped where it was.
    if !meter.stopped() {
        hook.pass(pass, 1.0);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::meter::{advance, cancelled};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Told(Mutex<Vec<(Pass, f64)>>);
    impl PassProgress for Told {
        fn pass(&self, pass: Pass, done: f64) {
            self.0.lock().unwrap().push((pass, done));
        }
    }

    #[test]
    fn a_pass_is_told_from_begun_through_its_threads_to_over() {
        let told = Told::default();
        let n = run_pass(Pass::Subject, Micros(4_000_000), &told, || {
            // Half on this thread, half on a thread the pass starts.
            advance(Micros(1_000_000));
            let m = current();
            std::thread::scope(|s| {
                s.spawn(move || carry(m, || advance(Micros(1_000_000))));
            });
            std::thread::sleep(Duration::from_millis(400));
            7
        });
        assert_eq!(n, 7);
        let t = told.0.lock().unwrap().clone();
        assert_eq!(t.first(), Some(&(Pass::Subject, 0.0)));
        assert_eq!(t.last(), Some(&(Pass::Subject, 1.0)));
        assert!(
            t.iter().any(|&(_, f)| (f - 0.5).abs() < 1e-9),
            "the halfway point is told: {t:?}"
        );
        assert!(t.windows(2).all(|w| w[0].1 <= w[1].1), "{t:?}");
        // Outside a pass, advancing is nothing (and nothing is cancelled).
        assert!(!cancelled());
        advance(Micros(5));
        assert!(current().is_none());
    }

    struct Cancelling;
    impl PassProgress for Cancelling {
        fn pass(&self, _pass: Pass, _done: f64) {}
        fn cancelled(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_cancelled_run_stops_its_pass_on_every_thread_of_it() {
        let seen = run_pass(Pass::Loudness, Micros(1_000_000), &Cancelling, || {
            let m = current();
            let other =
                std::thread::scope(|s| s.spawn(move || carry(m, cancelled)).join().unwrap());
            (cancelled(), other)
        });
        assert_eq!(seen, (true, true));
        assert!(!cancelled());
    }
}

//! Ctrl-C and SIGTERM. The first Ctrl-C stops starting new reels and lets running ones finish;
//! a second Ctrl-C, or SIGTERM (what Kubernetes and Slurm send), cancels running reels, whose
//! temporary files are then removed by the render itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Shared stop flags, read by the batch loop and by every running render.
#[derive(Debug, Default)]
pub struct Stop {
    /// Do not start another reel.
    pub no_new: AtomicBool,
    /// Cancel running reels now.
    pub cancel: AtomicBool,
}

impl Stop {
    /// Whether new reels may still start.
    pub fn may_start(&self) -> bool {
        !self.no_new.load(Ordering::SeqCst) && !self.cancel.load(Ordering::SeqCst)
    }
}

/// Installs the handlers on a background thread. Each acknowledgement is handed to `notify`
/// (the terminal sink prints it above its progress bars).
pub fn install(stop: Arc<Stop>, notify: impl Fn(&str) + Send + 'static) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("failreel-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if sig == SIGINT && !stop.no_new.swap(true, Ordering::SeqCst) {
                    notify(
                        "failreel: finishing the reels in progress; press Ctrl-C again to cancel them",
                    );
                    continue;
                }
                stop.no_new.store(true, Ordering::SeqCst);
                stop.cancel.store(true, Ordering::SeqCst);
                notify("failreel: cancelling; unfinished reels are removed");
            }
        })?;
    Ok(())
}

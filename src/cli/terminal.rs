//! What a command that renders talks through: standard output, the terminal sink, JSON
//! Lines when asked, and the stop flags Ctrl-C and SIGTERM raise.

use crate::batch::signals::Stop;
use crate::report::human::{Human, HumanOptions};
use crate::report::jsonl::JsonLines;
use crate::report::Out;
use std::io::IsTerminal;
use std::sync::Arc;

/// What a command that renders talks through: standard output, the terminal sink, JSON
/// Lines when asked, and the stop flags Ctrl-C and SIGTERM raise.
pub(super) struct Terminal {
    pub(super) out: Arc<Out>,
    pub(super) human: Arc<Human>,
    pub(super) jsonl: Option<JsonLines>,
    pub(super) stop: Arc<Stop>,
}

impl Terminal {
    pub(super) fn open(json: bool, quiet: bool) -> Terminal {
        let out = Arc::new(Out::default());
        let human = Arc::new(Human::new(
            out.clone(),
            HumanOptions {
                quiet,
                bars: std::io::stderr().is_terminal() && !json && !quiet,
                plans: !json,
            },
        ));
        let jsonl = json.then(|| JsonLines::new(out.clone()));
        let stop = Arc::new(Stop::default());
        let notify = {
            let human = human.clone();
            move |msg: &str| human.say(msg)
        };
        if let Err(e) = crate::batch::signals::install(stop.clone(), notify) {
            human.say(&format!("failreel: warning: cannot handle Ctrl-C ({e}); an interrupted reel may leave a hidden temporary file"));
        }
        Terminal {
            out,
            human,
            jsonl,
            stop,
        }
    }

    /// The sinks every command that renders tells: the terminal, and JSON Lines when asked.
    pub(super) fn sinks(&self) -> Vec<&dyn crate::batch::Sink> {
        let mut sinks: Vec<&dyn crate::batch::Sink> = vec![self.human.as_ref()];
        if let Some(j) = &self.jsonl {
            sinks.push(j);
        }
        sinks
    }
}

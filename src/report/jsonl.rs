//! JSON Lines on standard output: one object per line, for scripts. The schema is in the
//! README ("JSON Lines"); fields are only ever added.

use super::Out;
use crate::batch::{Event, Outcome, Sink, Status, WouldDo};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Progress lines per reel at most this often.
const PROGRESS_EVERY_MS: u128 = 250;

/// The JSON Lines sink.
pub struct JsonLines {
    out: Arc<Out>,
    last_progress: Mutex<HashMap<usize, Instant>>,
    /// Each started reel's output, by index: progress events carry only the input, which
    /// the reels of one clip (several presets) share.
    outputs: Mutex<HashMap<usize, std::path::PathBuf>>,
}

impl JsonLines {
    /// A sink writing to `out`.
    pub fn new(out: Arc<Out>) -> JsonLines {
        JsonLines {
            out,
            last_progress: Mutex::new(HashMap::new()),
            outputs: Mutex::new(HashMap::new()),
        }
    }

    fn emit(&self, v: &Value) {
        self.out
            .write(&format!("{}\n", super::json_safe(&v.to_string())));
    }
}

/// The JSON line of an error that stops a command: `{"event":"error","kind":…,"message":…}`.
pub fn error_line(kind: &str, message: &str) -> String {
    format!(
        "{}\n",
        super::json_safe(&json!({"event": "error", "kind": kind, "message": message}).to_string())
    )
}

/// `value` as a JSON tree whose numbers print as their own types print them: an `f32` keeps
/// its shortest form (`0.68`), where `json!`/`serde_json::to_value` would widen it to `f64`
/// first and print `0.6800000071525574`. Every struct put into a line goes through this.
pub fn exact<T: serde::Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

/// A trim as `[start, end]` in seconds of the input (to the millisecond).
pub(crate) fn trim_s(t: crate::plan::Trim) -> Value {
    let ms = |m: crate::model::time::Micros| (m.as_secs_f64() * 1000.0).round() / 1000.0;
    json!([ms(t.start), ms(t.end)])
}

/// One clip's result line.
pub fn outcome_json(o: &Outcome) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("index".into(), json!(o.index));
    m.insert("input".into(), json!(o.input));
    if !o.parts.is_empty() {
        m.insert("parts".into(), json!(o.parts));
    }
    m.insert("output".into(), json!(o.output));
    m.insert("status".into(), json!(o.status));
    match o.status {
        Status::Ok => {
            m.insert(
                "duration_s".into(),
                json!(o.duration.map(|d| d.as_secs_f64())),
            );
            m.insert("frames".into(), json!(o.frames));
            m.insert("render_seconds".into(), json!(o.render_seconds));
            m.insert("loudness".into(), exact(&o.loudness));
        }
        Status::Skipped => {
            m.insert("reason".into(), json!(o.reason));
        }
        // A reel a second Ctrl-C cancelled: `"reason": "cancelled"`.
        Status::NotStarted if o.reason.is_some() => {
            m.insert("reason".into(), json!(o.reason));
        }
        Status::Failed | Status::NotStarted => {}
    }
    if let Some(e) = o.error_text() {
        m.insert("error".into(), json!(e));
    }
    if let Some(e) = &o.error {
        m.insert("error_kind".into(), json!(e.kind()));
    }
    if let Some(t) = o.trim {
        m.insert("trim_s".into(), trim_s(t));
    }
    // The still written beside the reel (`--cover`), and the reel time of its frame.
    if let Some(c) = &o.cover {
        m.insert("cover".into(), json!(c.path));
        m.insert(
            "cover_at_s".into(),
            json!((c.chosen.as_secs_f64() * 1000.0).round() / 1000.0),
        );
    }
    if !o.warnings.is_empty() {
        m.insert("warnings".into(), json!(o.warnings));
    }
    Value::Object(m)
}

/// The summary line. A dry run's says what a real run would do: `to_render` reels (where a
/// run says `rendered`), `skipped` up to date, `failed` (they would fail: unreadable, refused
/// by `--strict`…), with `"dry_run": true`.
pub fn summary_json(s: &crate::batch::Summary) -> Value {
    let mut v = json!({
        "event": "summary", "skipped": s.skipped, "failed": s.failed,
        "not_started": s.not_started, "warnings": s.warnings, "interrupted": s.interrupted,
        "seconds": (s.seconds * 1000.0).round() / 1000.0, "dry_run": s.dry_run,
    });
    if s.dry_run {
        v["to_render"] = json!(s.rendered);
    } else {
        v["rendered"] = json!(s.rendered);
    }
    v
}

impl Sink for JsonLines {
    fn event(&self, event: &Event) {
        match event {
            Event::Started {
                index,
                input,
                output,
                ..
            } => {
                if let Ok(mut outputs) = self.outputs.lock() {
                    outputs.insert(*index, output.clone());
                }
                self.emit(&json!({
                    "event": "started", "index": index, "input": input, "output": output,
                }))
            }
            Event::Progress {
                index,
                input,
                done,
                total,
                elapsed,
            } => {
                let due = self.last_progress.lock().map(|mut last| {
                    let now = Instant::now();
                    let due = last
                        .get(index)
                        .is_none_or(|t| now.duration_since(*t).as_millis() >= PROGRESS_EVERY_MS);
                    if due {
                        last.insert(*index, now);
                    }
                    due
                });
                if due.unwrap_or(false) && done < total {
                    let fps = if *elapsed > 0.0 {
                        (*done as f64 / elapsed * 10.0).round() / 10.0
                    } else {
                        0.0
                    };
                    let mut v = json!({
                        "event": "progress", "index": index, "input": input, "frames": done,
                        "total": total, "fps": fps,
                    });
                    if let Some(o) = self.outputs.lock().ok().and_then(|o| o.get(index).cloned()) {
                        v["output"] = json!(o);
                    }
                    self.emit(&v);
                }
            }
            Event::Warning {
                input,
                message,
                count,
                clips,
            } => {
                let mut v = json!({"event": "warning", "message": message});
                if let Some(i) = input {
                    v["input"] = json!(i);
                }
                if *count > 1 {
                    v["count"] = json!(count);
                }
                if *clips > 1 {
                    v["clips"] = json!(clips);
                }
                self.emit(&v)
            }
            Event::Plan { index, plan, would } => self.emit(&json!({
                "event": "plan", "index": index, "input": plan.input(), "output": plan.output(),
                "would": would, "up_to_date": *would == WouldDo::SkipUpToDate,
                "trim_s": trim_s(plan.trim()), "plan": exact(plan),
                "shared": exact(&crate::plan::fanout::SharedWork::of(plan)),
            })),
            // Named as a compilation's other lines are: its first clip as `input`, all of
            // them as `parts`.
            Event::CompilePlan { plan, would } => {
                let parts: Vec<&std::path::Path> = plan.parts.iter().map(|p| p.input()).collect();
                self.emit(&json!({
                    "event": "plan", "index": 0, "input": parts.first(), "parts": parts,
                    "output": plan.output, "would": would,
                    "up_to_date": *would == WouldDo::SkipUpToDate, "plan": exact(plan),
                }))
            }
            Event::Finished(o) => self.emit(&outcome_json(o)),
            Event::Summary(s) => self.emit(&summary_json(s)),
            Event::Pass {
                index,
                input,
                output,
                pass,
                done,
            } => self.emit(&json!({
                "event": "pass", "index": index, "input": input, "output": output, "pass": pass,
                "label": pass.label(), "done": (done * 1000.0).round() / 1000.0,
            })),
            Event::Part {
                part, parts, input, ..
            } => self.emit(&json!({
                "event": "part", "part": part, "parts": parts, "input": input,
            })),
            Event::Rendering { .. } | Event::Notice { .. } | Event::Batch { .. } => {}
        }
    }

    fn closed(&self) -> bool {
        self.out.closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::ClipError;
    use crate::model::time::Micros;
    use std::path::PathBuf;

    #[test]
    fn result_lines_keep_todays_fields() {
        let mut ok = Outcome::new(
            2,
            PathBuf::from("a.mp4"),
            PathBuf::from("r/a.mp4"),
            Status::Ok,
        );
        ok.duration = Some(Micros(1_500_000));
        ok.frames = Some(45);
        ok.render_seconds = Some(0.25);
        let v = outcome_json(&ok);
        assert_eq!(v["status"], "ok");
        assert_eq!(v["duration_s"], 1.5);
        assert_eq!(v["frames"], 45);
        assert_eq!(v["render_seconds"], 0.25);
        assert!(v.get("loudness").is_some() && v.get("error").is_none());

        let mut failed = Outcome::new(
            0,
            PathBuf::from("b.mp4"),
            PathBuf::from("r/b.mp4"),
            Status::Failed,
        );
        failed.error = Some(Arc::new(ClipError::Output(
            crate::render::output::OutputError::NotOurs(PathBuf::from("r/b.mp4")),
        )));
        let v = outcome_json(&failed);
        assert_eq!(v["status"], "failed");
        assert_eq!(v["error_kind"], "output");
        // What kind of failure, for a script that retries a full disk but not a bad clip.
        for (e, kind) in [
            (
                ClipError::Probe(Arc::new(crate::media::input::ProbeError::NotFound(
                    PathBuf::from("b.mp4"),
                ))),
                "input",
            ),
            (
                ClipError::Strict {
                    input: PathBuf::from("b.mp4"),
                    warnings: vec!["short".into()],
                },
                "strict",
            ),
        ] {
            failed.error = Some(Arc::new(e));
            assert_eq!(outcome_json(&failed)["error_kind"], kind);
        }
        assert!(v["error"]
            .as_str()
            .unwrap()
            .contains("not written by failreel"));
        let line = error_line("usage", "bad");
        assert_eq!(
            line,
            "{\"event\":\"error\",\"kind\":\"usage\",\"message\":\"bad\"}\n"
        );
    }
}

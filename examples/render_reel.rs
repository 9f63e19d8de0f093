//! A reel with two cards, rendered from Rust through the same chain the command line runs:
//! `cargo run --release --example render_reel [INPUT] [OUTPUT]`.
use failreel::{Extras, Micros, NoProgress, Preset, ReelRequest, RenderOptions, Start};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let input = args.next().unwrap_or("assets/samples/reaction.mp4".into());
    let output = args.next().unwrap_or("reels/example.tiktok.mp4".into());
    let info = failreel::probe(input.as_ref())?;
    let preset = Preset::built_in("tiktok").ok_or("no tiktok preset")?;
    let request = ReelRequest {
        start: Some(Start::At(Micros::from_secs_f64(0.4))),
        duration: Some(Micros::from_secs_f64(5.2)),
        went_wrong: Some("Forgot the butter was still on high".into()),
        lesson: Some("Medium heat, and never walk away from the pan".into()),
        ..Default::default()
    };
    let plan = failreel::plan(
        &info,
        &request,
        &preset,
        output.into(),
        Extras::default(),
        2,
    )?;
    std::fs::create_dir_all(plan.output().parent().unwrap_or(".".as_ref()))?;
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let done = failreel::render(&plan, &RenderOptions::default(), &NoProgress, &cancel)?;
    println!(
        "{}: {} frames, {:.1} s",
        plan.output().display(),
        done.frames,
        done.duration.as_secs_f64()
    );
    Ok(())
}

//! A reel with two cards, rendered from Rust through the chain the command line runs:
//! `cargo run --release --example render_reel` writes `reels/example.tiktok.mp4`.
use failreel::{Extras, Micros, NoProgress, Preset, ReelRequest, RenderOptions, Start};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let info = failreel::probe("assets/samples/reaction.mp4".as_ref())?;
    let preset = Preset::built_in("tiktok").ok_or("no tiktok preset")?;
    let request = ReelRequest {
        start: Some(Start::At(Micros::from_secs_f64(0.4))),
        duration: Some(Micros::from_secs_f64(5.2)),
        went_wrong: Some("Forgot the butter was still on high".into()),
        lesson: Some("Medium heat, and never walk away from the pan".into()),
        ..Default::default()
    };
    let output = "reels/example.tiktok.mp4".into();
    let plan = failreel::plan(&info, &request, &preset, output, Extras::default(), 2)?;
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let done = failreel::render(&plan, &RenderOptions::default(), &NoProgress, &cancel)?;
    let (w, h) = plan.size();
    println!("{w}x{h}, {} frames, {}", done.frames, plan.duration());
    Ok(())
}

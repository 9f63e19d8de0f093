//! Prints what the reframe pass sees in a clip, sample by sample: the cut distance, the
//! camera's shift, the subject it finds and the column profile (a row of digits, 0–9 per
//! 8 columns), then the shots it decides. For tuning the pass on real footage:
//! `cargo run --release --example reframe_profile -- clip.mp4 [seconds]`.

use failreel::__dev::reframe::{camera, proxy, signals, RATE, WIDTH};
use failreel::Micros;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(input) = args.get(1) else {
        eprintln!("usage: reframe_profile CLIP [SECONDS]");
        std::process::exit(2);
    };
    let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20.0);
    ffmpeg_next::init().expect("libav");
    let path = std::path::Path::new(input);
    let ictx = ffmpeg_next::format::input(&path).expect("open");
    let stream = ictx
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .expect("video");
    let index = stream.index();
    let par = stream.parameters();
    let dec = ffmpeg_next::codec::context::Context::from_parameters(par)
        .and_then(|c| c.decoder().video())
        .expect("decoder");
    let size = (dec.width(), dec.height());
    let spec = proxy::ProxySpec {
        input: path,
        stream: index,
        x264_build: None,
        trim_start: Micros::ZERO,
        rotation: 0,
        rotated_size: size,
    };
    let samples = (seconds * RATE as f64) as u64;
    let mut an = signals::Analyser::new();
    let mut obs = Vec::new();
    let mut pw = 0;
    proxy::decode_proxy(
        &spec,
        RATE,
        0..samples,
        Micros::ZERO,
        0,
        WIDTH,
        |_, t, _| {
            pw = t.width;
            obs.push(an.push(t));
            Ok(())
        },
    )
    .expect("proxy");
    let win = size.1 as f32 * 9.0 / 16.0 * pw as f32 / size.0 as f32;
    for (k, o) in obs.iter().enumerate() {
        let peak = o.profile.iter().copied().fold(1e-6f32, f32::max);
        let row: String = o
            .profile
            .chunks(4)
            .map(|c| {
                let v = c.iter().sum::<f32>() / c.len() as f32 / peak;
                char::from(b'0' + (v * 9.0).round().clamp(0.0, 9.0) as u8)
            })
            .collect();
        let s = camera::subject(&o.profile, win);
        println!(
            "{:5.1}s cut {:.2} shift {:?} peak {:.2} subj {:?}\n       {}",
            k as f32 / RATE as f32,
            o.cut_distance,
            o.shift,
            peak,
            s.map(|s| format!(
                "{:.2}-{:.2} c {:.2} best {:.2}{}",
                s.left / pw as f32,
                s.right / pw as f32,
                s.centre / pw as f32,
                s.best / pw as f32,
                if s.wide { " WIDE" } else { "" }
            )),
            row
        );
    }
    let cuts = camera::cuts(&obs, 2);
    for s in camera::plan_shots(&obs, &cuts, pw as f32, win, RATE as f32, &[], &[]) {
        println!(
            "shot {:.1}-{:.1}s {:?} x {:?}",
            s.start as f32 / RATE as f32,
            s.end as f32 / RATE as f32,
            s.camera,
            s.x.first().map(|x| x / pw as f32)
        );
    }
}

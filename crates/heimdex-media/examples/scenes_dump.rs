//! Prints the scene analysis of a video as JSON: `cargo run --example scenes_dump -- FILE [KEYFRAME_DIR]`.
use heimdex_media::scenes::analyze::KeyframeOptions;
use heimdex_media::scenes::{analyze, AnalyzeOptions};
use std::sync::atomic::AtomicBool;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: scenes_dump FILE [KEYFRAME_DIR]")?;
    let opts = AnalyzeOptions {
        keyframes: args.next().map(KeyframeOptions::new),
        ..Default::default()
    };
    let a = analyze(
        path.as_ref(),
        None,
        &opts,
        &AtomicBool::new(false),
        &mut |_, _| {},
    )?;
    println!("{}", serde_json::to_string_pretty(&a)?);
    Ok(())
}

//! Prints PySceneDetect's `content_val` for every frame (as its stats file has it:
//! `frame_number,content_val`, 1-based), to compare our scores with its `-s stats.csv` output.
//! `cargo run --example scene_scores -- FILE`
use heimdex_media::decode::{analysis_size, decode_video, DecodeSpec, Size};
use heimdex_media::scenes::content::{ContentScorer, Weights};
use heimdex_media::scenes::BgrImage;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: scene_scores FILE")?;
    let info = heimdex_media::probe(path.as_ref(), &heimdex_media::ProbeLimits::default())?;
    let source = if info.rotation % 180 == 90 {
        Size::new(info.height, info.width)
    } else {
        Size::new(info.width, info.height)
    };
    let spec = DecodeSpec {
        source,
        analysis: analysis_size(source),
        candidates: None,
        timeout: Duration::from_secs(600),
        input: Default::default(),
    };
    let mut scorer = ContentScorer::new(Weights::default(), None);
    decode_video(
        path.as_ref(),
        &spec,
        &AtomicBool::new(false),
        |f| {
            let (score, _) = scorer.score(BgrImage {
                width: f.size.width,
                height: f.size.height,
                data: f.bgr,
            });
            if f.index > 0 {
                println!("{},{score}", f.index + 1);
            }
        },
        |_| {},
    )?;
    Ok(())
}

//! Embeds a text file (one text per line) with all-MiniLM-L6-v2 (from $HEIMDEX_MODEL_DIR) and
//! writes the vectors as raw little-endian f32, 384 per line, in line order: the real vectors the
//! search benchmark scales up from (see `scripts/bench-search.sh`).
//!
//! Usage: embed_texts TEXTS.txt OUT.f32

use heimdex_embed::testing::test_model_dir;
use heimdex_embed::{MiniLmEmbedder, TextEmbedder};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err("usage: embed_texts TEXTS.txt OUT.f32".into());
    };
    let text = std::fs::read_to_string(&input)?;
    let lines: Vec<&str> = text.lines().collect();
    let model = MiniLmEmbedder::from_model_dir(&test_model_dir())?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&output)?);
    let start = Instant::now();
    for (i, chunk) in lines.chunks(1024).enumerate() {
        for v in model.embed(chunk)? {
            for x in v {
                out.write_all(&x.to_le_bytes())?;
            }
        }
        if i % 10 == 0 {
            eprintln!(
                "{} / {} texts, {:.0} s",
                (i + 1) * 1024,
                lines.len(),
                start.elapsed().as_secs_f64()
            );
        }
    }
    out.flush()?;
    eprintln!(
        "{} texts in {:.1} s",
        lines.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

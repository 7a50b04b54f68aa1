fn main() {
    let read = |p: &str| -> Vec<f32> {
        std::fs::read(p)
            .expect("read")
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    };
    let audio = read("/tmp/ref/jfk.f32");
    let reference = read("/tmp/ref/jfk_mel.f32");
    let mel = heimdex_models::speech::mel::MelExtractor::new(80);
    let t = std::time::Instant::now();
    let ours = mel.window_features(&audio);
    println!("mel in {:?}", t.elapsed());
    let max = ours
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let mean = ours
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .sum::<f32>()
        / ours.len() as f32;
    println!(
        "len {} {} max diff {max} mean {mean}",
        ours.len(),
        reference.len()
    );
}

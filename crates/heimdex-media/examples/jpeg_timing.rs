//! Times keyframe writing (JPEG encode + thumbnail) for one 1280x720 picture.
use heimdex_media::decode::Size;
use heimdex_media::keyframes::{save_picture, Picture};
use std::time::Instant;

fn main() {
    let (w, h) = (1280u32, 720u32);
    let rgb: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7) % 251) as u8).collect();
    let p = Picture::new(rgb.clone(), Size::new(w, h));
    let t = Instant::now();
    for _ in 0..10 {
        let _ = Picture::new(rgb.clone(), Size::new(w, h));
    }
    println!("assess: {:.1} ms", t.elapsed().as_secs_f64() * 100.0);
    let dir = std::env::temp_dir().join("jpeg_timing");
    let t = Instant::now();
    for _ in 0..5 {
        save_picture(&dir, "k.jpg", Some(("t.jpg", 320)), &p).expect("save");
    }
    println!(
        "save keyframe + thumbnail: {:.1} ms",
        t.elapsed().as_secs_f64() * 200.0
    );
}

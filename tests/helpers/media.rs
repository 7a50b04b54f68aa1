//! Test media made on the spot with ffmpeg's `lavfi` sources.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs ffmpeg with `args`, panicking with its error output on failure.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new(heimdex_media::ffmpeg_path())
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs (apt-get install ffmpeg)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test-pattern video of `secs` seconds at `w`x`h`, 25 fps, with a tone when `audio`.
pub fn video(dir: &Path, name: &str, secs: f64, w: u32, h: u32, audio: bool) -> PathBuf {
    let out = dir.join(name);
    let src = format!("testsrc2=size={w}x{h}:rate=25:duration={secs}");
    let mut args: Vec<String> = vec!["-f".into(), "lavfi".into(), "-i".into(), src];
    if audio {
        args.extend(["-f", "lavfi", "-i"].map(String::from));
        args.push(format!(
            "sine=frequency=440:sample_rate=16000:duration={secs}"
        ));
        args.extend(["-c:a", "aac", "-shortest"].map(String::from));
    }
    args.extend(
        [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ]
        .map(String::from),
    );
    // The title makes files of different names differ in content (and so in content hash).
    args.extend(["-metadata".into(), format!("title={name}")]);
    args.push(out.to_string_lossy().into_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ffmpeg(&refs);
    out
}

/// A video made of solid-colour shots (hard cuts between them), `secs` each.
pub fn color_shots(dir: &Path, name: &str, colors: &[&str], secs: f64) -> PathBuf {
    let out = dir.join(name);
    let mut args: Vec<String> = Vec::new();
    for c in colors {
        args.extend(["-f", "lavfi", "-i"].map(String::from));
        args.push(format!("color=c={c}:size=320x240:rate=25:duration={secs}"));
    }
    let inputs: String = (0..colors.len()).map(|i| format!("[{i}:v]")).collect();
    args.push("-filter_complex".into());
    args.push(format!("{inputs}concat=n={}:v=1:a=0[v]", colors.len()));
    args.extend(
        [
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ]
        .map(String::from),
    );
    args.push(out.to_string_lossy().into_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ffmpeg(&refs);
    out
}

/// An empty file.
pub fn empty_file(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, b"").unwrap();
    p
}

/// A text file with a video's name.
pub fn text_file(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, "This is a shopping list, not a video.\nmilk\neggs\n").unwrap();
    p
}

/// The first half of a real mp4 whose index (moov) sits at the end, as an interrupted download.
pub fn truncated_copy(dir: &Path, name: &str) -> PathBuf {
    let src = video(dir, &format!("full-{name}"), 4.0, 320, 240, true);
    let bytes = std::fs::read(&src).unwrap();
    std::fs::remove_file(&src).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    p
}

/// Two shots (test pattern, colour bars; a cut at 6 s) with the speech of `speech` (JFK's "ask
/// not", `../shared/data/speech/jfk.wav`) over them: `dir/speech.mp4`.
pub fn speech_video(dir: &Path, speech: &Path) -> PathBuf {
    let out = dir.join("speech.mp4");
    ffmpeg(&[
        "-i",
        &speech.to_string_lossy(),
        "-filter_complex",
        "testsrc2=s=320x240:r=25:d=6[a];smptebars=s=320x240:r=25:d=6[b];[a][b]concat=n=2:v=1,format=yuv420p[v]",
        "-map",
        "[v]",
        "-map",
        "0:a",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        &out.to_string_lossy(),
    ]);
    out
}

/// The font `sign_video` draws with (Debian's fonts-dejavu-core).
pub const SIGN_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/// Four silent seconds of big black `words` (capitals, no quotes) on white: `dir/sign.mp4`.
pub fn sign_video(dir: &Path, words: &str) -> PathBuf {
    let out = dir.join("sign.mp4");
    let graph = format!(
        "color=c=white:s=640x360:r=25:d=4,drawtext=fontfile={SIGN_FONT}:text='{words}':fontsize=56:fontcolor=black:x=(w-tw)/2:y=(h-th)/2,format=yuv420p"
    );
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &graph,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        &out.to_string_lossy(),
    ]);
    out
}

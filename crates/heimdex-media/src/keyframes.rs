//! Keyframe choice and image files: sharpness by variance of the Laplacian, rejection of black,
//! blank and faded pictures, and JPEG writing (keyframe and thumbnail) with atomic renames.

use crate::decode::Size;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How good a picture is as a scene's keyframe.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quality {
    /// Variance of the 4-neighbour Laplacian of the luma (higher is sharper).
    pub sharpness: f64,
    /// Mean luma, 0..255.
    pub mean: f64,
    /// Standard deviation of the luma.
    pub contrast: f64,
}

/// Mean luma below this is a black (or faded-to-black) picture.
pub const BLACK_MEAN: f64 = 24.0;
/// Luma spread below this is a blank picture (a flat colour, a fade's washed-out end).
pub const BLANK_CONTRAST: f64 = 10.0;

impl Quality {
    /// Black, blank or faded: only used when a scene has nothing better.
    pub fn is_unusable(&self) -> bool {
        self.mean < BLACK_MEAN || self.contrast < BLANK_CONTRAST
    }

    /// True when `self` makes a better keyframe than `other`.
    pub fn better_than(&self, other: &Quality) -> bool {
        match (self.is_unusable(), other.is_unusable()) {
            (false, true) => true,
            (true, false) => false,
            // Both unusable: prefer the one with more in it.
            (true, true) => (self.contrast, self.mean) > (other.contrast, other.mean),
            (false, false) => self.sharpness > other.sharpness,
        }
    }
}

/// Measures a packed RGB picture. Pictures wider than 640 px are measured on every second pixel
/// of every second row (the Laplacian of a half-size picture): 4x less work, same ranking.
pub fn assess_rgb(rgb: &[u8], size: Size) -> Quality {
    let (w, h) = (size.width as usize, size.height as usize);
    if w == 0 || h == 0 || rgb.len() < w * h * 3 {
        return Quality::default();
    }
    let step = if w > 640 { 2 } else { 1 };
    let (sw, sh) = (w.div_ceil(step), h.div_ceil(step));
    let mut luma = Vec::with_capacity(sw * sh);
    for y in (0..h).step_by(step) {
        let row = &rgb[y * w * 3..(y + 1) * w * 3];
        for p in row.chunks_exact(3 * step) {
            luma.push((i32::from(p[0]) * 77 + i32::from(p[1]) * 150 + i32::from(p[2]) * 29) >> 8);
        }
        // A last pixel that `chunks_exact` left out when the width is odd.
        if luma.len() % sw != 0 {
            let p = &row[(w - 1) * 3..];
            luma.push((i32::from(p[0]) * 77 + i32::from(p[1]) * 150 + i32::from(p[2]) * 29) >> 8);
        }
    }
    laplacian_quality(&luma, sw, sh)
}

/// Mean, spread and variance of the 4-neighbour Laplacian of a luma plane.
fn laplacian_quality(luma: &[i32], w: usize, h: usize) -> Quality {
    let n = luma.len().max(1) as f64;
    let (sum, sum2) = luma.iter().fold((0i64, 0i64), |(s, s2), &v| {
        (s + i64::from(v), s2 + i64::from(v * v))
    });
    let mean = sum as f64 / n;
    let contrast = (sum2 as f64 / n - mean * mean).max(0.0).sqrt();
    let mut sharpness = 0.0;
    if w >= 3 && h >= 3 {
        let (mut ls, mut ls2) = (0i64, 0i64);
        for y in 1..h - 1 {
            let row = &luma[y * w..(y + 1) * w];
            let up = &luma[(y - 1) * w..y * w];
            let down = &luma[(y + 1) * w..(y + 2) * w];
            for x in 1..w - 1 {
                let l = i64::from(up[x] + down[x] + row[x - 1] + row[x + 1] - 4 * row[x]);
                ls += l;
                ls2 += l * l;
            }
        }
        let m = ((w - 2) * (h - 2)) as f64;
        let lm = ls as f64 / m;
        sharpness = ls2 as f64 / m - lm * lm;
    }
    Quality {
        sharpness,
        mean,
        contrast,
    }
}

/// A candidate picture, shared cheaply between "best of scene" and "best of segment".
#[derive(Debug, Clone)]
pub struct Picture {
    pub size: Size,
    pub rgb: Arc<Vec<u8>>,
    pub quality: Quality,
}

impl Picture {
    pub fn new(rgb: Vec<u8>, size: Size) -> Self {
        let quality = assess_rgb(&rgb, size);
        Self {
            size,
            rgb: Arc::new(rgb),
            quality,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not encode {path}: {message}")]
    Encode { path: PathBuf, message: String },
}

/// The keyframe's file name for scene `idx`.
pub fn keyframe_name(idx: u32) -> String {
    format!("scene_{idx:05}.jpg")
}

/// The thumbnail's file name for scene `idx`.
pub fn thumbnail_name(idx: u32) -> String {
    format!("scene_{idx:05}_thumb.jpg")
}

/// The file name of sample `k` of a long scene `idx`.
pub fn sample_name(idx: u32, k: usize) -> String {
    format!("scene_{idx:05}_sample_{k:02}.jpg")
}

/// Writes `rgb` as a JPEG at `path`, whole or not at all (`heimdex_core::atomic_file`).
pub fn write_jpeg(path: &Path, rgb: &[u8], size: Size, quality: u8) -> Result<(), ImageError> {
    let io = |source| ImageError::Io {
        path: path.to_owned(),
        source,
    };
    let encode_err = |message: String| ImageError::Encode {
        path: path.to_owned(),
        message,
    };
    let (w, h) = (
        u16::try_from(size.width).map_err(|_| encode_err("picture too wide for JPEG".into()))?,
        u16::try_from(size.height).map_err(|_| encode_err("picture too tall for JPEG".into()))?,
    );
    let mut jpeg = Vec::with_capacity(rgb.len() / 8);
    jpeg_encoder::Encoder::new(&mut jpeg, quality)
        .encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| encode_err(e.to_string()))?;
    heimdex_core::atomic_file::write_cache(path, &jpeg).map_err(io)
}

/// Scales packed RGB down to `width` wide (aspect kept) by averaging the source pixels that fall
/// in each target pixel (a box filter: fast, and sharp enough for thumbnails).
pub fn resize_rgb(rgb: &[u8], size: Size, width: u32) -> (Vec<u8>, Size) {
    let (sw, sh) = (size.width as usize, size.height as usize);
    if size.width <= width || sw == 0 || sh == 0 || rgb.len() < sw * sh * 3 {
        return (rgb.to_vec(), size);
    }
    let height = ((u64::from(size.height) * u64::from(width) + u64::from(size.width) / 2)
        / u64::from(size.width))
    .max(1) as u32;
    let (dw, dh) = (width as usize, height as usize);
    // Source column range of each target column.
    let cols: Vec<(usize, usize)> = (0..dw)
        .map(|x| (x * sw / dw, ((x + 1) * sw / dw).max(x * sw / dw + 1)))
        .collect();
    let mut out = Vec::with_capacity(dw * dh * 3);
    let mut acc = vec![0u32; dw * 3];
    for y in 0..dh {
        let (y0, y1) = (y * sh / dh, ((y + 1) * sh / dh).max(y * sh / dh + 1));
        acc.iter_mut().for_each(|a| *a = 0);
        for sy in y0..y1 {
            let row = &rgb[sy * sw * 3..(sy + 1) * sw * 3];
            for (x, &(x0, x1)) in cols.iter().enumerate() {
                for px in row[x0 * 3..x1 * 3].chunks_exact(3) {
                    acc[x * 3] += u32::from(px[0]);
                    acc[x * 3 + 1] += u32::from(px[1]);
                    acc[x * 3 + 2] += u32::from(px[2]);
                }
            }
        }
        for (x, &(x0, x1)) in cols.iter().enumerate() {
            let n = ((x1 - x0) * (y1 - y0)) as u32;
            for c in 0..3 {
                out.push(((acc[x * 3 + c] + n / 2) / n) as u8);
            }
        }
    }
    (out, Size::new(width, height))
}

/// Files written for one picture.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedPicture {
    pub path: PathBuf,
    pub thumbnail: Option<PathBuf>,
}

/// Saves a keyframe (as decoded, at most the candidate size) and, when `thumb_width` is given, a
/// thumbnail beside it.
pub fn save_picture(
    dir: &Path,
    name: &str,
    thumb: Option<(&str, u32)>,
    picture: &Picture,
) -> Result<SavedPicture, ImageError> {
    std::fs::create_dir_all(dir).map_err(|source| ImageError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let path = dir.join(name);
    write_jpeg(&path, &picture.rgb, picture.size, 90)?;
    let thumbnail = match thumb {
        Some((thumb_name, width)) => {
            let (small, size) = resize_rgb(&picture.rgb, picture.size, width);
            let tpath = dir.join(thumb_name);
            write_jpeg(&tpath, &small, size, 80)?;
            Some(tpath)
        }
        None => None,
    };
    Ok(SavedPicture { path, thumbnail })
}

/// One picture to write.
struct Job {
    dir: PathBuf,
    name: String,
    thumb: Option<(String, u32)>,
    picture: Picture,
}

/// Writes pictures on a background thread so JPEG encoding overlaps decoding. `save` returns the
/// paths at once; [`PictureWriter::finish`] waits and reports the first error.
pub struct PictureWriter {
    tx: Option<std::sync::mpsc::SyncSender<Job>>,
    handle: Option<std::thread::JoinHandle<Result<(), ImageError>>>,
}

impl Default for PictureWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl PictureWriter {
    pub fn new() -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(4);
        let handle = std::thread::spawn(move || {
            let mut first_error = None;
            for job in rx {
                let thumb = job.thumb.as_ref().map(|(n, w)| (n.as_str(), *w));
                if let Err(e) = save_picture(&job.dir, &job.name, thumb, &job.picture) {
                    first_error.get_or_insert(e);
                }
            }
            first_error.map_or(Ok(()), Err)
        });
        Self {
            tx: Some(tx),
            handle: Some(handle),
        }
    }

    /// Queues `picture` for writing as `dir/name` (and a thumbnail); returns the paths it will
    /// have.
    pub fn save(
        &self,
        dir: &Path,
        name: &str,
        thumb: Option<(&str, u32)>,
        picture: &Picture,
    ) -> SavedPicture {
        let saved = SavedPicture {
            path: dir.join(name),
            thumbnail: thumb.map(|(n, _)| dir.join(n)),
        };
        let job = Job {
            dir: dir.to_owned(),
            name: name.to_owned(),
            thumb: thumb.map(|(n, w)| (n.to_owned(), w)),
            picture: picture.clone(),
        };
        if let Some(tx) = &self.tx {
            // A closed channel means the thread died; `finish` reports it.
            let _ = tx.send(job);
        }
        saved
    }

    /// Waits until every queued picture is written.
    pub fn finish(mut self) -> Result<(), ImageError> {
        self.tx = None;
        match self.handle.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ImageError::Encode {
                path: PathBuf::new(),
                message: "picture writer crashed".into(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> Picture {
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let v = f(x, y);
                rgb.extend_from_slice(&[v, v, v]);
            }
        }
        Picture::new(rgb, Size::new(w, h))
    }

    #[test]
    fn sharp_beats_blurred_and_black_loses() {
        let sharp = picture(
            64,
            64,
            |x, y| if (x / 4 + y / 4) % 2 == 0 { 40 } else { 220 },
        );
        let soft = picture(64, 64, |x, _| (60 + x * 2) as u8);
        let black = picture(64, 64, |x, y| if (x + y) % 2 == 0 { 0 } else { 12 });
        let flat = picture(64, 64, |_, _| 128);
        assert!(sharp.quality.sharpness > soft.quality.sharpness);
        assert!(sharp.quality.better_than(&soft.quality));
        // The black picture has the most "detail" but is never chosen over a usable one.
        assert!(black.quality.sharpness > soft.quality.sharpness);
        assert!(soft.quality.better_than(&black.quality));
        assert!(flat.quality.is_unusable());
        assert!(soft.quality.better_than(&flat.quality));
    }

    #[test]
    fn writes_keyframe_and_thumbnail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = picture(640, 360, |x, y| ((x ^ y) & 0xff) as u8);
        let saved = save_picture(
            dir.path(),
            &keyframe_name(3),
            Some((&thumbnail_name(3), 320)),
            &p,
        )
        .expect("save");
        assert!(saved.path.ends_with("scene_00003.jpg"));
        let thumb = image::open(saved.thumbnail.expect("thumbnail")).expect("decode thumb");
        assert_eq!((thumb.width(), thumb.height()), (320, 180));
        let full = image::open(&saved.path).expect("decode keyframe");
        assert_eq!((full.width(), full.height()), (640, 360));
    }
}

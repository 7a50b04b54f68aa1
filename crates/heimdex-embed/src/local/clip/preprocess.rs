//! CLIP's image preprocessing: shortest side to the model size (bicubic), centre crop, scale to
//! 0..1, normalise with CLIP's channel means and deviations; channels first.

use crate::EmbedError;
use image::imageops::FilterType;
use image::RgbImage;
use std::path::Path;

const MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
const STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

/// Reads an image file and returns its `3 * size * size` pixel values (CHW).
pub fn load_image(path: &Path, size: usize) -> Result<Vec<f32>, EmbedError> {
    Ok(preprocess(&crate::local::open_rgb(path)?, size))
}

/// `3 * size * size` pixel values (CHW) of an RGB image.
pub fn preprocess(img: &RgbImage, size: usize) -> Vec<f32> {
    let size32 = u32::try_from(size).unwrap_or(u32::MAX).max(1);
    let (w, h) = img.dimensions();
    let (w, h) = (w.max(1), h.max(1));
    // Shortest side to `size`, keeping the aspect ratio.
    let (nw, nh) = if w <= h {
        (size32, scale(h, size32, w))
    } else {
        (scale(w, size32, h), size32)
    };
    let resized = image::imageops::resize(img, nw, nh, FilterType::CatmullRom);
    let left = (nw - size32) / 2;
    let top = (nh - size32) / 2;
    let cropped = image::imageops::crop_imm(&resized, left, top, size32, size32).to_image();
    let plane = size * size;
    let mut out = vec![0f32; 3 * plane];
    for (i, px) in cropped.pixels().enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (f32::from(px.0[c]) / 255.0 - MEAN[c]) / STD[c];
        }
    }
    out
}

/// `long * target / short`, rounded, at least `target`.
fn scale(long: u32, target: u32, short: u32) -> u32 {
    let v = (u64::from(long) * u64::from(target) + u64::from(short) / 2) / u64::from(short);
    u32::try_from(v).unwrap_or(u32::MAX).max(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_square_chw_and_normalised() {
        let img = RgbImage::from_pixel(64, 32, image::Rgb([255, 255, 255]));
        let v = preprocess(&img, 16);
        assert_eq!(v.len(), 3 * 16 * 16);
        for c in 0..3 {
            let expected = (1.0 - MEAN[c]) / STD[c];
            assert!((v[c * 256] - expected).abs() < 1e-3);
        }
    }

    #[test]
    fn centre_crop_keeps_the_middle() {
        // Left half black, middle white, right half black: the crop of a wide image is white.
        let mut img = RgbImage::from_pixel(90, 30, image::Rgb([0, 0, 0]));
        for x in 30..60 {
            for y in 0..30 {
                img.put_pixel(x, y, image::Rgb([255, 255, 255]));
            }
        }
        let v = preprocess(&img, 30);
        let centre = v[15 * 30 + 15];
        assert!(centre > 1.5, "centre pixel should be white, got {centre}");
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("broken.jpg");
        std::fs::write(&path, b"not an image").expect("write");
        let err = load_image(&path, 8).expect_err("must fail");
        assert!(err.to_string().contains("broken.jpg"), "{err}");
    }
}

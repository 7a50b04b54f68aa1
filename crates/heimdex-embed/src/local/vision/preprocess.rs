//! The classifier's input: the picture's centre square (the crop ImageNet models are evaluated on),
//! scaled to 224 x 224 with area averaging, RGB as `(x - 127) / 128`, channels last.

use crate::EmbedError;
use image::RgbImage;
use std::path::Path;

/// TensorFlow EfficientNet-Lite's input scaling.
const MEAN: f32 = 127.0;
const STD: f32 = 128.0;

/// Reads a picture file (JPEG or PNG) and returns its `size * size * 3` input values.
pub fn load_image(path: &Path, size: usize) -> Result<Vec<f32>, EmbedError> {
    Ok(preprocess(&crate::local::open_rgb(path)?, size))
}

/// `size * size * 3` input values (HWC) of an RGB picture.
pub fn preprocess(img: &RgbImage, size: usize) -> Vec<f32> {
    let size32 = u32::try_from(size).unwrap_or(224).max(1);
    let (w, h) = img.dimensions();
    let side = w.min(h).max(1);
    let (left, top) = ((w - side.min(w)) / 2, (h - side.min(h)) / 2);
    let square = image::imageops::crop_imm(img, left, top, side.min(w), side.min(h));
    let scaled = if side >= size32 {
        // Area averaging: fast and alias-free when shrinking.
        image::imageops::thumbnail(&*square, size32, size32)
    } else {
        image::imageops::resize(
            &*square,
            size32,
            size32,
            image::imageops::FilterType::Triangle,
        )
    };
    scaled
        .as_raw()
        .iter()
        .map(|&v| (f32::from(v) - MEAN) / STD)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_picture_keeps_its_centre() {
        // Black left and right thirds, white middle: the centre square is white.
        let mut img = RgbImage::from_pixel(300, 100, image::Rgb([0, 0, 0]));
        for x in 100..200 {
            for y in 0..100 {
                img.put_pixel(x, y, image::Rgb([255, 255, 255]));
            }
        }
        let v = preprocess(&img, 20);
        assert_eq!(v.len(), 20 * 20 * 3);
        assert!(v.iter().all(|&x| (x - 1.0).abs() < 0.01), "all white");
    }

    #[test]
    fn small_pictures_are_scaled_up() {
        let img = RgbImage::from_pixel(10, 8, image::Rgb([127, 127, 127]));
        let v = preprocess(&img, 16);
        assert_eq!(v.len(), 16 * 16 * 3);
        assert!(v.iter().all(|&x| x.abs() < 1e-6));
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

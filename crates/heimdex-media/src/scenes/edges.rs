//! Edge maps for the optional `delta_edges` component: a Canny-style detector (Sobel gradient,
//! non-maximum suppression, hysteresis with thresholds from the median brightness as
//! PySceneDetect chooses them) followed by a square dilation.
//!
//! This follows the same recipe as PySceneDetect's `cv2.Canny` + `cv2.dilate`, but it is not
//! bit-exact with OpenCV; the default weights do not use edges.

/// PySceneDetect's `_estimated_kernel_size`: `4 + round(sqrt(w * h) / 192)`, made odd.
pub fn estimated_kernel_size(width: u32, height: u32) -> u32 {
    let size = 4 + ((f64::from(width) * f64::from(height)).sqrt() / 192.0).round_ties_even() as u32;
    if size.is_multiple_of(2) {
        size + 1
    } else {
        size
    }
}

/// 255 where `lum` has an edge (dilated by a `kernel` x `kernel` square), else 0.
pub fn detect_edges(lum: &[u8], w: usize, h: usize, kernel: usize) -> Vec<u8> {
    let n = w * h;
    let mut out = vec![0u8; n];
    if w < 3 || h < 3 || lum.len() < n {
        return out;
    }
    let median = median(lum);
    let sigma = 1.0 / 3.0;
    let low = ((1.0 - sigma) * median).max(0.0) as i32;
    let high = ((1.0 + sigma) * median).min(255.0) as i32;
    // Sobel gradients, L1 magnitude (OpenCV's default for Canny).
    let mut mag = vec![0i32; n];
    let mut dir = vec![0u8; n];
    let p = |x: usize, y: usize| i32::from(lum[y * w + x]);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let gx = p(x + 1, y - 1) + 2 * p(x + 1, y) + p(x + 1, y + 1)
                - p(x - 1, y - 1)
                - 2 * p(x - 1, y)
                - p(x - 1, y + 1);
            let gy = p(x - 1, y + 1) + 2 * p(x, y + 1) + p(x + 1, y + 1)
                - p(x - 1, y - 1)
                - 2 * p(x, y - 1)
                - p(x + 1, y - 1);
            mag[y * w + x] = gx.abs() + gy.abs();
            // 0: horizontal edge normal along x, 1: 45deg, 2: vertical, 3: 135deg.
            let (ax, ay) = (gx.abs() as f64, gy.abs() as f64);
            dir[y * w + x] = if ay <= ax * 0.414_213_56 {
                0
            } else if ay >= ax * 2.414_213_56 {
                2
            } else if (gx > 0) == (gy > 0) {
                1
            } else {
                3
            };
        }
    }
    // Non-maximum suppression and classification: 2 strong, 1 weak.
    let mut class = vec![0u8; n];
    let mut stack = Vec::new();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let m = mag[i];
            if m <= low {
                continue;
            }
            let (a, b) = match dir[i] {
                0 => (mag[i - 1], mag[i + 1]),
                2 => (mag[i - w], mag[i + w]),
                1 => (mag[i - w - 1], mag[i + w + 1]),
                _ => (mag[i - w + 1], mag[i + w - 1]),
            };
            if m > a && m >= b {
                if m > high {
                    class[i] = 2;
                    stack.push(i);
                } else {
                    class[i] = 1;
                }
            }
        }
    }
    // Hysteresis: weak pixels connected to strong ones become edges.
    let mut edges = vec![false; n];
    while let Some(i) = stack.pop() {
        if edges[i] {
            continue;
        }
        edges[i] = true;
        let (x, y) = (i % w, i / w);
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if class[j] >= 1 && !edges[j] {
                    stack.push(j);
                }
            }
        }
    }
    // Square dilation, separable: rows then columns.
    let r = kernel / 2;
    let mut rows = vec![false; n];
    for y in 0..h {
        for x in 0..w {
            let lo = x.saturating_sub(r);
            let hi = (x + r).min(w - 1);
            rows[y * w + x] = edges[y * w + lo..=y * w + hi].iter().any(|&e| e);
        }
    }
    for y in 0..h {
        let lo = y.saturating_sub(r);
        let hi = (y + r).min(h - 1);
        for x in 0..w {
            if (lo..=hi).any(|yy| rows[yy * w + x]) {
                out[y * w + x] = 255;
            }
        }
    }
    out
}

/// numpy.median of 8-bit values (mean of the two middle values for even counts), via a histogram.
fn median(values: &[u8]) -> f64 {
    let mut hist = [0usize; 256];
    for &v in values {
        hist[v as usize] += 1;
    }
    let n = values.len();
    let nth = |k: usize| {
        let mut seen = 0;
        for (v, &c) in hist.iter().enumerate() {
            seen += c;
            if seen > k {
                return v as f64;
            }
        }
        255.0
    };
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        nth(n / 2)
    } else {
        (nth(n / 2 - 1) + nth(n / 2)) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_size_matches_pyscenedetect() {
        assert_eq!(estimated_kernel_size(256, 144), 5);
        assert_eq!(estimated_kernel_size(1920, 1080), 13);
    }

    #[test]
    fn finds_a_step_edge() {
        let (w, h) = (16, 16);
        let lum: Vec<u8> = (0..w * h)
            .map(|i| if i % w < 8 { 40 } else { 200 })
            .collect();
        let e = detect_edges(&lum, w, h, 3);
        assert_eq!(e[8 * w + 7], 255);
        assert_eq!(e[8 * w + 1], 0);
        assert_eq!(median(&[1, 3, 2, 4]), 2.5);
    }
}

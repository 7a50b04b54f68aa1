//! BGR -> HSV exactly as OpenCV's `cv2.cvtColor(img, cv2.COLOR_BGR2HSV)` does it for 8-bit
//! pictures (H in 0..180, S and V in 0..256, fixed-point with 12 fractional bits).

const HSV_SHIFT: u32 = 12;

/// OpenCV's division tables: `sdiv[i] = round((255 << 12) / i)`, `hdiv[i] = round((180 << 12) / (6 i))`.
struct Tables {
    sdiv: [i32; 256],
    hdiv: [i32; 256],
}

fn tables() -> &'static Tables {
    static TABLES: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut sdiv = [0i32; 256];
        let mut hdiv = [0i32; 256];
        for i in 1..256 {
            sdiv[i] = (f64::from(255 << HSV_SHIFT) / i as f64).round_ties_even() as i32;
            hdiv[i] = (f64::from(180 << HSV_SHIFT) / (6.0 * i as f64)).round_ties_even() as i32;
        }
        Tables { sdiv, hdiv }
    })
}

/// Three planes of one picture in HSV.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HsvPlanes {
    pub hue: Vec<u8>,
    pub sat: Vec<u8>,
    pub val: Vec<u8>,
}

impl HsvPlanes {
    /// Converts packed BGR into `self`, reusing its buffers.
    pub fn fill_from_bgr(&mut self, bgr: &[u8]) {
        let n = bgr.len() / 3;
        self.hue.resize(n, 0);
        self.sat.resize(n, 0);
        self.val.resize(n, 0);
        let t = tables();
        for (((px, h), s), v) in bgr
            .chunks_exact(3)
            .zip(&mut self.hue)
            .zip(&mut self.sat)
            .zip(&mut self.val)
        {
            (*h, *s, *v) = pixel(t, px[0], px[1], px[2]);
        }
    }

    pub fn from_bgr(bgr: &[u8]) -> Self {
        let mut p = Self::default();
        p.fill_from_bgr(bgr);
        p
    }
}

/// One pixel, following OpenCV's `RGB2HSV_b` line by line.
#[inline]
fn pixel(t: &Tables, b: u8, g: u8, r: u8) -> (u8, u8, u8) {
    let (b, g, r) = (i32::from(b), i32::from(g), i32::from(r));
    let v = b.max(g).max(r);
    let vmin = b.min(g).min(r);
    let diff = v - vmin;
    let vr: i32 = if v == r { -1 } else { 0 };
    let vg: i32 = if v == g { -1 } else { 0 };
    let s = (diff * t.sdiv[usize::from(v as u8)] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
    let mut h = (vr & (g - b)) + (!vr & ((vg & (b - r + 2 * diff)) + (!vg & (r - g + 4 * diff))));
    h = (h * t.hdiv[usize::from(diff as u8)] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
    if h < 0 {
        h += 180;
    }
    (h as u8, s as u8, v as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_colours_match_opencv() {
        // Values printed by cv2.cvtColor(np.uint8([[[b, g, r]]]), cv2.COLOR_BGR2HSV).
        let cases: [([u8; 3], [u8; 3]); 7] = [
            ([0, 0, 255], [0, 255, 255]),
            ([0, 255, 0], [60, 255, 255]),
            ([255, 0, 0], [120, 255, 255]),
            ([0, 0, 0], [0, 0, 0]),
            ([255, 255, 255], [0, 0, 255]),
            ([10, 200, 30], [57, 242, 200]),
            ([200, 30, 10], [117, 242, 200]),
        ];
        for (bgr, want) in cases {
            let p = HsvPlanes::from_bgr(&bgr);
            assert_eq!([p.hue[0], p.sat[0], p.val[0]], want, "bgr {bgr:?}");
        }
    }
}

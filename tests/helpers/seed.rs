//! Repeatable random points for crash tests: a seed from an environment variable (printed, so a
//! failing run can be repeated) or the clock, and xorshift64* numbers from it.

/// xorshift64* numbers from a printed seed.
pub struct Seeded(u64);

impl Seeded {
    /// The seed from `$var` when set, else from the clock; prints `var=seed`.
    pub fn from_env(var: &str) -> Self {
        let seed = std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(7)
            })
            .max(1);
        println!("{var}={seed}");
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        s.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

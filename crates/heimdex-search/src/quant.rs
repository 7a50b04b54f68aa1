//! Approximate cosine search for large indexes: a 1-bit code of every vector is scanned first, and
//! the shortlist it gives is re-ranked with the exact f32 vectors.
//!
//! The code of a row `x` (unit length) is the sign of `x - c` in every dimension, `c` being the mean
//! of the rows (re-estimated whenever the index doubles or shrinks to a quarter). With
//! `o = (x - c) / |x - c|` and `s = sign(o)` (±1), `q · x = q · c + |x - c| · (q · o)` and, as in
//! RaBitQ (Gao & Long, SIGMOD 2024), `q · o ≈ (q · s) / (|o|₁)`; `q · c` is the same for every row,
//! so rows are ranked by `a · (q · s)` with `a = |x - c| / |o|₁` stored per row. The query is
//! quantised to 4 bits per dimension, so `q · s` is 4 AND+POPCNT passes over the 48 bytes of a
//! 384-dim code. The codes take `dim / 8` bytes per row (48 MB at 1M 384-dim rows), the scan reads
//! them and nothing else, and the `rerank` best estimates are scored exactly with the f32 rows
//! (kept in memory: reading them from SQLite per query would cost more than the scan).
//!
//! Below [`QuantIndex::APPROXIMATE_ABOVE`] rows, and for every filtered search, it answers exactly.
//! Nothing is persisted: the index is derived from `scene_vectors` and rebuilt on load.

use crate::dot::{dot, normalized};
use crate::exact::ExactIndex;
use crate::index::{Candidates, IndexError, VectorHit, VectorIndex};
use crate::topk::TopK;
use crate::SceneKey;
use heimdex_core::VideoId;

/// Bits of the query quantisation (planes scanned per code).
const QUERY_BITS: usize = 4;

/// Rows per block of codes.
const LANES: usize = 8;

/// Exact f32 rows plus a 1-bit code per row; see the module docs.
#[derive(Debug, Clone)]
pub struct QuantIndex {
    exact: ExactIndex,
    /// 64-bit words per code.
    words: usize,
    /// Blocks of [`LANES`] rows: word `w` of row `i` is at
    /// `(i / LANES) * LANES * words + w * LANES + i % LANES`, so that the scan works on `LANES` rows
    /// at once (vector POPCNT where the CPU has it). Lanes past the last row are zero.
    codes: Vec<u64>,
    /// Per row: `|x - c| / |o|₁` (the scale of its estimate).
    scale: Vec<f32>,
    /// Per row: number of set bits (positive signs) of its code.
    ones: Vec<f32>,
    /// The centre `c` the codes were made with.
    center: Vec<f32>,
    /// Rows when the centre was last estimated.
    centered_at: usize,
    approximate_above: usize,
    rerank: usize,
}

impl QuantIndex {
    /// Smaller indexes are scanned exactly (the exact scan takes ~1.5 ms at 20k rows).
    pub const APPROXIMATE_ABOVE: usize = 20_000;
    /// Shortlist re-ranked exactly (at least; `4 * k` when larger). Chosen on MiniLM vectors of
    /// real text: recall@10 against the exact scan is above 0.99 at 1M rows (BENCH.md).
    pub const RERANK: usize = 1000;

    pub fn new(model_id: impl Into<String>, dim: usize) -> Self {
        Self {
            exact: ExactIndex::new(model_id, dim),
            words: dim.div_ceil(64),
            codes: Vec::new(),
            scale: Vec::new(),
            ones: Vec::new(),
            center: vec![0.0; dim],
            centered_at: 0,
            approximate_above: Self::APPROXIMATE_ABOVE,
            rerank: Self::RERANK,
        }
    }

    /// Answers approximately from `rows` rows on (default [`Self::APPROXIMATE_ABOVE`]).
    pub fn with_approximate_above(mut self, rows: usize) -> Self {
        self.approximate_above = rows;
        self
    }

    /// Re-ranks at least `n` estimated best rows exactly (default [`Self::RERANK`]).
    pub fn with_rerank(mut self, n: usize) -> Self {
        self.rerank = n.max(1);
        self
    }

    /// Room for `n` more vectors without reallocating.
    pub fn reserve(&mut self, n: usize) {
        self.exact.reserve(n);
        self.codes.reserve(n.div_ceil(LANES) * LANES * self.words);
        self.scale.reserve(n);
        self.ones.reserve(n);
    }

    /// Whether an unfiltered search of `k` is answered from the codes.
    pub fn is_approximate(&self, k: usize) -> bool {
        let len = self.len();
        self.words > 0 && k > 0 && len >= self.approximate_above && self.shortlist(k) < len
    }

    fn shortlist(&self, k: usize) -> usize {
        self.rerank.max(k.saturating_mul(4))
    }

    /// Where word `w` of row `i` lives in `codes`.
    #[inline]
    fn at(&self, i: usize, w: usize) -> usize {
        (i / LANES) * LANES * self.words + w * LANES + i % LANES
    }

    /// Writes the code of row `i` (which must exist in `exact`).
    fn encode(&mut self, i: usize) {
        let words = self.words;
        let needed = (i / LANES + 1) * LANES * words;
        if self.codes.len() < needed {
            self.codes.resize(needed, 0);
        }
        let first = (i / LANES) * LANES * words + i % LANES;
        let row = self.exact.row(i);
        let mut norm2 = 0f32;
        let mut l1 = 0f32;
        let mut ones = 0u32;
        for (w, (xs, cs)) in row.chunks(64).zip(self.center.chunks(64)).enumerate() {
            let mut word = 0u64;
            for (b, (&x, &c)) in xs.iter().zip(cs).enumerate() {
                let o = x - c;
                norm2 += o * o;
                l1 += o.abs();
                word |= u64::from(o > 0.0) << b;
            }
            ones += word.count_ones();
            self.codes[first + w * LANES] = word;
        }
        // |x - c| / |o|₁ with o = (x - c) / |x - c|, i.e. |x - c|² / |x - c|₁.
        let scale = if l1 > 0.0 { norm2 / l1 } else { 0.0 };
        let ones = ones as f32;
        if i == self.scale.len() {
            self.scale.push(scale);
            self.ones.push(ones);
        } else {
            self.scale[i] = scale;
            self.ones[i] = ones;
        }
    }

    /// Estimates the centre from every row and re-encodes them all.
    fn recenter(&mut self) {
        let dim = self.exact.dim();
        let rows = self.len();
        let mut sum = vec![0f64; dim];
        for row in self.exact.data().chunks_exact(dim.max(1)) {
            for (s, &x) in sum.iter_mut().zip(row) {
                *s += f64::from(x);
            }
        }
        let n = rows.max(1) as f64;
        self.center = sum.iter().map(|s| (s / n) as f32).collect();
        self.centered_at = rows;
        self.codes.clear();
        self.scale.clear();
        self.ones.clear();
        for i in 0..rows {
            self.encode(i);
        }
    }

    /// Re-estimates the centre when the index doubled or shrank to a quarter since the last time.
    fn maybe_recenter(&mut self) {
        const FIRST: usize = 256;
        let len = self.len();
        let grew = len >= FIRST && len >= self.centered_at.saturating_mul(2);
        let shrank = len >= FIRST && len.saturating_mul(4) <= self.centered_at;
        if grew || shrank {
            self.recenter();
        }
    }

    /// The query's 4-bit planes and the constants turning their popcounts back into `q · s`.
    fn quantize_query(&self, q: &[f32]) -> QueryCode {
        let lo = q.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = q.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let levels = ((1 << QUERY_BITS) - 1) as f32;
        let delta = if hi > lo { (hi - lo) / levels } else { 1.0 };
        let mut planes = vec![0u64; QUERY_BITS * self.words];
        let mut sum_u = 0u32;
        for (d, &x) in q.iter().enumerate() {
            let u = (((x - lo) / delta).round() as u32).min(levels as u32);
            sum_u += u;
            for (j, plane) in planes.chunks_exact_mut(self.words).enumerate() {
                if u >> j & 1 == 1 {
                    plane[d / 64] |= 1 << (d % 64);
                }
            }
        }
        // q̃ = lo + delta·u; q̃ · s = 2 q̃ · b - Σ q̃ = 2 lo·ones + 2 delta·I - (dim·lo + delta·Σu).
        QueryCode {
            planes,
            two_lo: 2.0 * lo,
            two_delta: 2.0 * delta,
            minus_sum: -(q.len() as f32 * lo + delta * sum_u as f32),
        }
    }

    /// The `n` rows with the best estimates.
    fn shortlist_rows(&self, q: &QueryCode, n: usize) -> Vec<usize> {
        const PARALLEL_ABOVE: usize = 50_000;
        let rows = self.len();
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(8);
        // Threads take chunks from a shared counter, so a thread slowed down by another process
        // (a busy machine) leaves its share to the others instead of holding up the query.
        const CHUNK: usize = 32 * 1024;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let scan = || {
            let mut top = TopK::new(n);
            loop {
                let first = next.fetch_add(CHUNK, std::sync::atomic::Ordering::Relaxed);
                if first >= rows {
                    break top;
                }
                scan_codes(self, q, first, (first + CHUNK).min(rows), &mut top);
            }
        };
        let tops: Vec<TopK> = if threads < 2 || rows < PARALLEL_ABOVE {
            vec![scan()]
        } else {
            std::thread::scope(|s| {
                let helpers: Vec<_> = (1..threads).map(|_| s.spawn(scan)).collect();
                let mut tops = vec![scan()];
                tops.extend(
                    helpers
                        .into_iter()
                        .map(|h| h.join().unwrap_or_else(|_| TopK::new(n))),
                );
                tops
            })
        };
        let mut top = TopK::new(n);
        for part in tops {
            for (row, score) in part.into_sorted() {
                top.push(score, row);
            }
        }
        let mut rows: Vec<usize> = top.into_sorted().into_iter().map(|(r, _)| r).collect();
        rows.sort_unstable();
        rows
    }
}

struct QueryCode {
    planes: Vec<u64>,
    two_lo: f32,
    two_delta: f32,
    minus_sum: f32,
}

/// Estimates of rows `first..last` pushed into `top`; `first` is a multiple of [`LANES`].
fn scan_codes(idx: &QuantIndex, q: &QueryCode, first: usize, last: usize, top: &mut TopK) {
    match idx.words {
        6 => kernels::scan::<6>(idx, q, first, last, top),
        8 => kernels::scan::<8>(idx, q, first, last, top),
        12 => kernels::scan::<12>(idx, q, first, last, top),
        _ => scan_generic(idx, q, first, last, top),
    }
}

/// The scan over whole blocks, written so that the compiler turns the lane loops into vector code.
#[inline(always)]
fn scan_blocks<const W: usize>(
    idx: &QuantIndex,
    q: &QueryCode,
    first: usize,
    last: usize,
    top: &mut TopK,
) {
    let mut planes = [[0u64; W]; QUERY_BITS];
    for (p, src) in planes.iter_mut().zip(q.planes.chunks_exact(W)) {
        p.copy_from_slice(src);
    }
    let blocks = &idx.codes[first * W..last.div_ceil(LANES) * LANES * W];
    let mut threshold = top.threshold().unwrap_or(f32::NEG_INFINITY);
    for (b, block) in blocks.chunks_exact(LANES * W).enumerate() {
        let base = first + b * LANES;
        let mut acc = [0u64; LANES];
        for (w, words) in block.chunks_exact(LANES).enumerate() {
            for (j, plane) in planes.iter().enumerate() {
                let p = plane[w];
                for (a, &x) in acc.iter_mut().zip(words) {
                    *a += u64::from((x & p).count_ones()) << j;
                }
            }
        }
        let n = LANES.min(last - base);
        let scale = &idx.scale[base..base + n];
        let ones = &idx.ones[base..base + n];
        for l in 0..n {
            let est = scale[l] * (q.two_lo * ones[l] + q.two_delta * acc[l] as f32 + q.minus_sum);
            if est > threshold {
                top.push(est, base + l);
                threshold = top.threshold().unwrap_or(f32::NEG_INFINITY);
            }
        }
    }
}

fn scan_generic(idx: &QuantIndex, q: &QueryCode, first: usize, last: usize, top: &mut TopK) {
    let w = idx.words;
    for i in first..last {
        let mut acc = 0u32;
        for (j, plane) in q.planes.chunks_exact(w).enumerate() {
            let c: u32 = plane
                .iter()
                .enumerate()
                .map(|(k, p)| (idx.codes[idx.at(i, k)] & p).count_ones())
                .sum();
            acc += c << j;
        }
        let est = idx.scale[i] * (q.two_lo * idx.ones[i] + q.two_delta * acc as f32 + q.minus_sum);
        top.push(est, i);
    }
}

/// The scan compiled for what the CPU has, chosen at run time: AVX-512 with vector POPCNT (AMD
/// Zen 4, recent Intel server chips), AVX2 (popcount by nibble lookup), else scalar POPCNT. The
/// x86-64 baseline the project is built for has none of them.
mod kernels {
    use super::{scan_blocks, QuantIndex, QueryCode};
    use crate::topk::TopK;

    #[cfg(target_arch = "x86_64")]
    pub(super) fn scan<const W: usize>(
        idx: &QuantIndex,
        q: &QueryCode,
        first: usize,
        last: usize,
        top: &mut TopK,
    ) {
        #[allow(unsafe_code)]
        // SAFETY: each function is only called after the CPU was checked to have every feature it
        // is compiled for.
        unsafe {
            if std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512dq")
                && std::is_x86_feature_detected!("avx512vpopcntdq")
                && std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("fma")
            {
                scan_avx512::<W>(idx, q, first, last, top)
            } else if std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("popcnt")
            {
                scan_avx2::<W>(idx, q, first, last, top)
            } else if std::is_x86_feature_detected!("popcnt") {
                scan_popcnt::<W>(idx, q, first, last, top)
            } else {
                scan_blocks::<W>(idx, q, first, last, top)
            }
        }
    }

    /// The same as [`scan_blocks`] with AVX-512 vector POPCNT written out: one register holds
    /// one word of the block's 8 rows.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512dq,avx512vpopcntdq,avx2,fma")]
    fn scan_avx512<const W: usize>(
        idx: &QuantIndex,
        q: &QueryCode,
        first: usize,
        last: usize,
        top: &mut TopK,
    ) {
        use super::{LANES, QUERY_BITS};
        use std::arch::x86_64::{
            __m512i, _mm256_cmp_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_movemask_ps,
            _mm256_mul_ps, _mm256_set1_ps, _mm256_storeu_ps, _mm512_add_epi64, _mm512_and_si512,
            _mm512_cvtepu64_ps, _mm512_loadu_si512, _mm512_popcnt_epi64, _mm512_set1_epi64,
            _mm512_setzero_si512, _mm512_slli_epi64, _mm512_storeu_si512, _CMP_GT_OQ,
        };
        const { assert!(LANES == 8 && QUERY_BITS == 4) };
        let mut planes = [[_mm512_setzero_si512(); W]; QUERY_BITS];
        for (p, src) in planes.iter_mut().zip(q.planes.chunks_exact(W)) {
            for (v, &word) in p.iter_mut().zip(src) {
                *v = _mm512_set1_epi64(word as i64);
            }
        }
        let blocks = &idx.codes[first * W..last.div_ceil(LANES) * LANES * W];
        let mut threshold = top.threshold().unwrap_or(f32::NEG_INFINITY);
        let mut counts = [0u64; LANES];
        let two_lo = _mm256_set1_ps(q.two_lo);
        let two_delta = _mm256_set1_ps(q.two_delta);
        let minus_sum = _mm256_set1_ps(q.minus_sum);
        for (b, block) in blocks.chunks_exact(LANES * W).enumerate() {
            let base = first + b * LANES;
            let mut acc = [_mm512_setzero_si512(); QUERY_BITS];
            for (w, words) in block.chunks_exact(LANES).enumerate() {
                #[allow(unsafe_code)]
                // SAFETY: `words` is LANES = 8 u64, 64 bytes, the size of the unaligned load.
                let x = unsafe { _mm512_loadu_si512(words.as_ptr().cast::<__m512i>()) };
                for (a, plane) in acc.iter_mut().zip(&planes) {
                    *a = _mm512_add_epi64(*a, _mm512_popcnt_epi64(_mm512_and_si512(x, plane[w])));
                }
            }
            let sum = _mm512_add_epi64(
                _mm512_add_epi64(acc[0], _mm512_slli_epi64::<1>(acc[1])),
                _mm512_add_epi64(
                    _mm512_slli_epi64::<2>(acc[2]),
                    _mm512_slli_epi64::<3>(acc[3]),
                ),
            );
            let n = LANES.min(last - base);
            if n == LANES {
                // est = scale · (2 lo · ones + 2 delta · count - Σ q̃), 8 rows at once.
                #[allow(unsafe_code)]
                // SAFETY: rows base..base + 8 exist, so both slices hold 8 f32 (32 bytes).
                let (scale, ones) = unsafe {
                    (
                        _mm256_loadu_ps(idx.scale[base..base + LANES].as_ptr()),
                        _mm256_loadu_ps(idx.ones[base..base + LANES].as_ptr()),
                    )
                };
                let est = _mm256_mul_ps(
                    scale,
                    _mm256_fmadd_ps(
                        two_lo,
                        ones,
                        _mm256_fmadd_ps(two_delta, _mm512_cvtepu64_ps(sum), minus_sum),
                    ),
                );
                let mut above =
                    _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(est, _mm256_set1_ps(threshold)));
                if above == 0 {
                    continue;
                }
                let mut lanes = [0f32; LANES];
                #[allow(unsafe_code)]
                // SAFETY: `lanes` is 8 f32, 32 bytes, the size of the unaligned store.
                unsafe {
                    _mm256_storeu_ps(lanes.as_mut_ptr(), est)
                };
                while above != 0 {
                    let l = above.trailing_zeros() as usize;
                    above &= above - 1;
                    if lanes[l] > threshold {
                        top.push(lanes[l], base + l);
                        threshold = top.threshold().unwrap_or(f32::NEG_INFINITY);
                    }
                }
                continue;
            }
            #[allow(unsafe_code)]
            // SAFETY: `counts` is 8 u64, 64 bytes, the size of the unaligned store.
            unsafe {
                _mm512_storeu_si512(counts.as_mut_ptr().cast::<__m512i>(), sum)
            };
            for (l, &count) in counts.iter().enumerate().take(n) {
                let est = idx.scale[base + l]
                    * (q.two_lo * idx.ones[base + l] + q.two_delta * count as f32 + q.minus_sum);
                if est > threshold {
                    top.push(est, base + l);
                    threshold = top.threshold().unwrap_or(f32::NEG_INFINITY);
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn scan_avx2<const W: usize>(
        idx: &QuantIndex,
        q: &QueryCode,
        first: usize,
        last: usize,
        top: &mut TopK,
    ) {
        scan_blocks::<W>(idx, q, first, last, top)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn scan_popcnt<const W: usize>(
        idx: &QuantIndex,
        q: &QueryCode,
        first: usize,
        last: usize,
        top: &mut TopK,
    ) {
        scan_blocks::<W>(idx, q, first, last, top)
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub(super) fn scan<const W: usize>(
        idx: &QuantIndex,
        q: &QueryCode,
        first: usize,
        last: usize,
        top: &mut TopK,
    ) {
        scan_blocks::<W>(idx, q, first, last, top)
    }
}

impl VectorIndex for QuantIndex {
    fn model_id(&self) -> &str {
        self.exact.model_id()
    }

    fn dim(&self) -> usize {
        self.exact.dim()
    }

    fn len(&self) -> usize {
        self.exact.len()
    }

    fn upsert(&mut self, key: SceneKey, vector: &[f32]) -> Result<(), IndexError> {
        let i = self.exact.upsert_row(key, vector)?;
        self.encode(i);
        self.maybe_recenter();
        Ok(())
    }

    fn remove(&mut self, key: &SceneKey) -> bool {
        let Some((hole, last)) = self.exact.remove_row(key) else {
            return false;
        };
        if hole != last {
            for w in 0..self.words {
                let (from, to) = (self.at(last, w), self.at(hole, w));
                self.codes[to] = self.codes[from];
            }
            self.scale[hole] = self.scale[last];
            self.ones[hole] = self.ones[last];
        }
        for w in 0..self.words {
            let at = self.at(last, w);
            self.codes[at] = 0;
        }
        self.codes
            .truncate(last.div_ceil(LANES) * LANES * self.words);
        self.scale.truncate(last);
        self.ones.truncate(last);
        self.maybe_recenter();
        true
    }

    fn remove_video(&mut self, video: &VideoId) -> usize {
        let doomed: Vec<SceneKey> = (0..self.len())
            .map(|i| self.exact.key_at(i))
            .filter(|k| &k.video == video)
            .cloned()
            .collect();
        doomed.iter().filter(|k| self.remove(k)).count()
    }

    fn vector(&self, key: &SceneKey) -> Option<&[f32]> {
        self.exact.vector(key)
    }

    fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<&Candidates>,
    ) -> Result<Vec<VectorHit>, IndexError> {
        if filter.is_some() || !self.is_approximate(k) {
            return self.exact.search(query, k, filter);
        }
        self.exact.check_query(query)?;
        let q = normalized(query);
        let code = self.quantize_query(&q);
        let mut top = TopK::new(k);
        for i in self.shortlist_rows(&code, self.shortlist(k)) {
            top.push(dot(&q, self.exact.row(i)), i);
        }
        Ok(top
            .into_sorted()
            .into_iter()
            .map(|(i, score)| VectorHit {
                key: self.exact.key_at(i).clone(),
                score,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(v: &str, s: u32) -> SceneKey {
        SceneKey::new(VideoId(v.into()), s)
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        }
        fn gauss(&mut self) -> f32 {
            (0..4).map(|_| self.next()).sum::<f32>() * 1.7
        }
        fn below(&mut self, n: usize) -> usize {
            ((self.next() + 0.5) * n as f32) as usize % n
        }
    }

    /// Vectors shaped like sentence embeddings: a shared mean direction, a few hundred topics, and
    /// scenes scattered around their topic (what makes 1-bit codes hard: most of every vector is
    /// the common part).
    fn realistic(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut rng = Rng(seed);
        let common: Vec<f32> = (0..dim).map(|_| rng.gauss()).collect();
        let topics: Vec<Vec<f32>> = (0..300)
            .map(|_| (0..dim).map(|_| rng.gauss()).collect())
            .collect();
        (0..n)
            .map(|_| {
                let t = &topics[rng.below(topics.len())];
                let u = &topics[rng.below(topics.len())];
                (0..dim)
                    .map(|d| 0.9 * common[d] + t[d] + 0.3 * u[d] + 0.8 * rng.gauss())
                    .collect()
            })
            .collect()
    }

    fn recall_at(idx: &QuantIndex, exact: &ExactIndex, queries: &[Vec<f32>], k: usize) -> f64 {
        let mut found = 0usize;
        for q in queries {
            let want = exact.search(q, k, None).expect("exact");
            let got = idx.search(q, k, None).expect("approximate");
            found += want
                .iter()
                .filter(|w| got.iter().any(|g| g.key == w.key))
                .count();
        }
        found as f64 / (queries.len() * k) as f64
    }

    #[test]
    fn recall_against_exact_on_clustered_vectors() {
        let dim = 384;
        let mut data = realistic(30_100, dim, 11);
        // Queries near the data (a topic plus noise), not among the rows.
        let queries = data.split_off(30_000);
        let mut idx = QuantIndex::new("m", dim)
            .with_approximate_above(1000)
            .with_rerank(300);
        let mut exact = ExactIndex::new("m", dim);
        for (i, v) in data.iter().enumerate() {
            idx.upsert(key("v", i as u32), v).expect("upsert");
            exact.upsert(key("v", i as u32), v).expect("upsert");
        }
        assert!(idx.is_approximate(10));
        let recall = recall_at(&idx, &exact, &queries, 10);
        assert!(recall >= 0.99, "recall@10 = {recall}");
        // The scores of the hits are the exact ones.
        let q = &queries[0];
        let got = idx.search(q, 5, None).expect("search");
        let want = exact.search(q, 5, None).expect("search");
        assert!((got[0].score - want[0].score).abs() < 1e-6);
    }

    #[test]
    fn small_and_filtered_searches_are_exact() {
        let dim = 64;
        let data = realistic(3000, dim, 5);
        let mut idx = QuantIndex::new("m", dim);
        let mut exact = ExactIndex::new("m", dim);
        for (i, v) in data.iter().enumerate() {
            idx.upsert(key("v", i as u32), v).expect("upsert");
            exact.upsert(key("v", i as u32), v).expect("upsert");
        }
        assert!(!idx.is_approximate(10));
        let q = &data[7];
        assert_eq!(
            idx.search(q, 10, None).expect("search"),
            exact.search(q, 10, None).expect("search")
        );
        let only: Candidates = (0..50).map(|i| key("v", i * 3)).collect();
        let idx = idx.with_approximate_above(100).with_rerank(20);
        assert!(idx.is_approximate(10));
        assert_eq!(
            idx.search(q, 10, Some(&only)).expect("search"),
            exact.search(q, 10, Some(&only)).expect("search")
        );
    }

    #[test]
    fn codes_follow_upserts_and_removals() {
        let dim = 100; // not a multiple of 64: the generic scan
        let mut data = realistic(4050, dim, 9);
        let queries = data.split_off(4000);
        let mut idx = QuantIndex::new("m", dim)
            .with_approximate_above(500)
            .with_rerank(400);
        for (i, v) in data.iter().enumerate() {
            let video = if i % 2 == 0 { "even" } else { "odd" };
            idx.upsert(key(video, i as u32), v).expect("upsert");
        }
        assert_eq!(idx.remove_video(&VideoId("odd".into())), 2000);
        assert!(!idx.remove(&key("odd", 1)));
        // Replace one vector: searching for its new value finds it first.
        let target = key("even", 10);
        idx.upsert(target.clone(), &data[3]).expect("upsert");
        let hits = idx.search(&data[3], 3, None).expect("search");
        assert_eq!(hits[0].key, target);
        assert!((hits[0].score - 1.0).abs() < 1e-5);
        // Every remaining row is still found by its own vector (codes moved with the rows).
        let mut exact = ExactIndex::new("m", dim);
        for i in (0..4000).step_by(2) {
            let k = key("even", i as u32);
            let v = idx.vector(&k).expect("kept").to_vec();
            exact.upsert(k, &v).expect("upsert");
        }
        // Every row's code is still the one its vector gives (codes moved with the rows).
        let mut fresh = idx.clone();
        for i in 0..fresh.len() {
            fresh.encode(i);
        }
        assert_eq!(fresh.codes, idx.codes);
        assert_eq!(fresh.scale, idx.scale);
        let r = recall_at(&idx, &exact, &queries, 10);
        assert!(r >= 0.99, "recall {r}");
        // Shrinking to a quarter re-estimates the centre and keeps codes and rows in step.
        for i in (0..4000).step_by(2).skip(300) {
            idx.remove(&key("even", i as u32));
        }
        assert_eq!(idx.len(), 300);
        assert_eq!(
            idx.codes.len(),
            300usize.div_ceil(LANES) * LANES * idx.words
        );
        assert_eq!(idx.scale.len(), 300);
    }

    #[test]
    fn wrong_input_is_refused() {
        // Zero-length vectors (a damaged row) never reach the code scan.
        let mut empty = QuantIndex::new("m", 0).with_approximate_above(1);
        for i in 0..300 {
            empty.upsert(key("z", i), &[]).expect("upsert");
        }
        assert!(!empty.is_approximate(1));
        assert!(empty.search(&[], 3, None).is_ok());
        let mut idx = QuantIndex::new("m", 8);
        assert!(idx.upsert(key("a", 0), &[1.0; 4]).is_err());
        assert!(idx.upsert(key("a", 0), &[f32::NAN; 8]).is_err());
        assert!(idx.search(&[1.0; 3], 1, None).is_err());
        assert!(idx.is_empty());
        assert!(idx.codes.is_empty());
    }
}

//! Keeping the k best scores seen so far (a min-heap of size k).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy)]
struct Entry {
    score: f32,
    row: usize,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so the heap's top is the worst kept entry; on equal scores the later row is worse.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.row.cmp(&other.row))
    }
}

/// The `k` highest scores among those pushed, with their row numbers.
#[derive(Debug)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Entry>,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// Lowest score still kept once full (anything not above it is dropped).
    #[inline]
    pub fn threshold(&self) -> Option<f32> {
        (self.heap.len() == self.k)
            .then(|| self.heap.peek().map(|e| e.score))
            .flatten()
    }

    #[inline]
    pub fn push(&mut self, score: f32, row: usize) {
        if self.k == 0 || score.is_nan() {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(Entry { score, row });
        } else if self.threshold().is_some_and(|t| score > t) {
            self.heap.pop();
            self.heap.push(Entry { score, row });
        }
    }

    /// (row, score), best first; equal scores by row.
    pub fn into_sorted(self) -> Vec<(usize, f32)> {
        let mut v: Vec<Entry> = self.heap.into_vec();
        v.sort();
        v.into_iter().map(|e| (e.row, e.score)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_best_k_sorted() {
        let mut t = TopK::new(3);
        for (row, s) in [0.1, 0.9, 0.5, 0.7, 0.2, 0.9].into_iter().enumerate() {
            t.push(s, row);
        }
        assert_eq!(t.into_sorted(), vec![(1, 0.9), (5, 0.9), (3, 0.7)]);
    }

    #[test]
    fn zero_k_and_nan_keep_nothing() {
        let mut t = TopK::new(0);
        t.push(1.0, 0);
        assert!(t.into_sorted().is_empty());
        let mut t = TopK::new(2);
        t.push(f32::NAN, 0);
        assert!(t.into_sorted().is_empty());
    }
}

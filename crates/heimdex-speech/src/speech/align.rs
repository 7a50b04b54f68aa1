//! Aligning transcript segments with scenes: which scene(s) each segment was spoken in, and the
//! text of each scene.
//!
//! A segment belongs to every scene it overlaps substantially: at least [`MIN_OVERLAP_SECS`] or
//! [`MIN_OVERLAP_FRACTION`] of the segment. A segment that overlaps scenes only slightly still
//! belongs to the one it overlaps most, so no speech is lost. Segment times are those of Whisper
//! (±0.5 s), hence the tolerance: a sentence that ends just after a cut is not repeated in the next
//! scene.

/// Overlap (seconds) that always counts.
pub const MIN_OVERLAP_SECS: f64 = 1.0;
/// Share of a segment's length that counts as substantial overlap.
pub const MIN_OVERLAP_FRACTION: f64 = 0.3;

/// A half-open time span `[start, end)` in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: f64,
    pub end: f64,
}

impl Span {
    pub fn new(start: f64, end: f64) -> Self {
        Self { start, end }
    }

    fn overlap(&self, other: &Span) -> f64 {
        (self.end.min(other.end) - self.start.max(other.start)).max(0.0)
    }
}

/// Per segment, the indices of the scenes it belongs to (ascending; empty when it overlaps none).
pub fn assign_scenes(segments: &[Span], scenes: &[Span]) -> Vec<Vec<usize>> {
    segments
        .iter()
        .map(|seg| {
            let len = (seg.end - seg.start).max(0.0);
            let overlaps: Vec<(usize, f64)> = scenes
                .iter()
                .enumerate()
                .map(|(i, sc)| (i, seg.overlap(sc)))
                .filter(|(_, o)| *o > 0.0)
                .collect();
            let best = overlaps
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| *i);
            let mut out: Vec<usize> = overlaps
                .iter()
                .filter(|(i, o)| {
                    Some(*i) == best || *o >= MIN_OVERLAP_SECS || *o >= MIN_OVERLAP_FRACTION * len
                })
                .map(|(i, _)| *i)
                .collect();
            if out.is_empty() {
                // A zero-length segment at a point inside a scene.
                if let Some(i) = scenes
                    .iter()
                    .position(|sc| seg.start >= sc.start && seg.start < sc.end)
                {
                    out.push(i);
                }
            }
            out
        })
        .collect()
}

/// The scene each segment overlaps most (stored with the segment), or `None`.
pub fn primary_scene(segment: &Span, scenes: &[Span]) -> Option<usize> {
    scenes
        .iter()
        .enumerate()
        .map(|(i, sc)| (i, segment.overlap(sc)))
        .filter(|(_, o)| *o > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
        .or_else(|| {
            scenes
                .iter()
                .position(|sc| segment.start >= sc.start && segment.start < sc.end)
        })
}

/// What was said during each scene: the texts of its segments, in time order, joined by spaces.
pub fn scene_texts(segments: &[(Span, &str)], scenes: &[Span]) -> Vec<String> {
    let spans: Vec<Span> = segments.iter().map(|(s, _)| *s).collect();
    let assigned = assign_scenes(&spans, scenes);
    let mut texts: Vec<Vec<&str>> = vec![Vec::new(); scenes.len()];
    for ((_, text), scenes_of) in segments.iter().zip(&assigned) {
        for &i in scenes_of {
            let t = text.trim();
            if !t.is_empty() {
                texts[i].push(t);
            }
        }
    }
    texts.into_iter().map(|t| t.join(" ")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(a: f64, b: f64) -> Span {
        Span::new(a, b)
    }

    #[test]
    fn segment_inside_one_scene() {
        let scenes = [sp(0.0, 10.0), sp(10.0, 20.0)];
        assert_eq!(
            assign_scenes(&[sp(2.0, 5.0), sp(12.0, 19.0)], &scenes),
            vec![vec![0], vec![1]]
        );
    }

    #[test]
    fn segment_across_a_cut_belongs_to_both() {
        let scenes = [sp(0.0, 10.0), sp(10.0, 20.0)];
        assert_eq!(assign_scenes(&[sp(7.0, 13.0)], &scenes), vec![vec![0, 1]]);
    }

    #[test]
    fn slight_overlap_from_timestamp_jitter_is_ignored() {
        let scenes = [sp(0.0, 10.0), sp(10.0, 20.0)];
        // 0.3 s into the next scene of a 6 s sentence: 5 % of it, under a second.
        assert_eq!(assign_scenes(&[sp(4.3, 10.3)], &scenes), vec![vec![0]]);
    }

    #[test]
    fn short_scenes_inside_a_long_segment_all_get_it() {
        let scenes = [sp(0.0, 2.0), sp(2.0, 3.5), sp(3.5, 30.0)];
        // 1.5 s of a 4 s segment (37 %) lies in scene 1.
        assert_eq!(assign_scenes(&[sp(1.5, 5.5)], &scenes), vec![vec![1, 2]]);
    }

    #[test]
    fn segments_outside_every_scene_get_none() {
        assert_eq!(
            assign_scenes(&[sp(50.0, 55.0)], &[sp(0.0, 10.0)]),
            vec![Vec::<usize>::new()]
        );
        assert_eq!(primary_scene(&sp(50.0, 55.0), &[sp(0.0, 10.0)]), None);
    }

    #[test]
    fn primary_is_the_largest_overlap() {
        let scenes = [sp(0.0, 10.0), sp(10.0, 20.0)];
        assert_eq!(primary_scene(&sp(8.0, 15.0), &scenes), Some(1));
        assert_eq!(primary_scene(&sp(5.0, 5.0), &scenes), Some(0));
    }

    #[test]
    fn scene_text_is_what_was_said_during_it() {
        let scenes = [sp(0.0, 10.0), sp(10.0, 20.0), sp(20.0, 30.0)];
        let segs = [
            (sp(1.0, 4.0), " Hello there."),
            (sp(5.0, 14.0), "Across the cut."),
            (sp(15.0, 18.0), "Second."),
        ];
        assert_eq!(
            scene_texts(&segs, &scenes),
            vec![
                "Hello there. Across the cut.".to_owned(),
                "Across the cut. Second.".to_owned(),
                String::new()
            ]
        );
    }
}

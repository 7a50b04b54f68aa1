//! PySceneDetect's `FlashFilter`: enforces the minimum scene length on fast cuts.
//!
//! `Merge` (the default) merges cuts closer than the minimum length and reports the last frame
//! above the threshold once the video has stayed below it long enough; `Suppress` drops cuts
//! until the minimum length has passed.

use super::FrameRef;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterMode {
    #[default]
    Merge,
    Suppress,
}

#[derive(Debug, Clone)]
pub struct FlashFilter {
    mode: FilterMode,
    length: i64,
    last_above: Option<FrameRef>,
    merge_enabled: bool,
    merge_triggered: bool,
    merge_start: Option<FrameRef>,
}

impl FlashFilter {
    /// `length` in frames; 0 disables the filter.
    pub fn new(mode: FilterMode, length: i64) -> Self {
        Self {
            mode,
            length,
            last_above: None,
            merge_enabled: false,
            merge_triggered: false,
            merge_start: None,
        }
    }

    /// Frames a cut may trail the current frame.
    pub fn max_behind(&self) -> i64 {
        match self.mode {
            FilterMode::Suppress => 0,
            FilterMode::Merge => self.length,
        }
    }

    /// While flashes are being merged, the frame number the eventual cut cannot precede.
    pub fn pending_since(&self) -> Option<i64> {
        if self.merge_triggered {
            self.merge_start.map(|f| f.number)
        } else {
            None
        }
    }

    fn min_length_met(&self, from: FrameRef, to: FrameRef) -> bool {
        to.number - from.number >= self.length
    }

    pub fn filter(&mut self, frame: FrameRef, above: bool) -> Option<FrameRef> {
        if self.length <= 0 {
            return above.then_some(frame);
        }
        let last_above = *self.last_above.get_or_insert(frame);
        match self.mode {
            FilterMode::Suppress => {
                if !(above && self.min_length_met(last_above, frame)) {
                    return None;
                }
                self.last_above = Some(frame);
                Some(frame)
            }
            FilterMode::Merge => self.filter_merge(frame, above, last_above),
        }
    }

    fn filter_merge(
        &mut self,
        frame: FrameRef,
        above: bool,
        last_above: FrameRef,
    ) -> Option<FrameRef> {
        let min_length_met = self.min_length_met(last_above, frame);
        let mut last_above = last_above;
        if above {
            last_above = frame;
            self.last_above = Some(frame);
        }
        if self.merge_triggered {
            let start = self.merge_start.unwrap_or(frame);
            if min_length_met && !above && self.min_length_met(start, last_above) {
                self.merge_triggered = false;
                return Some(last_above);
            }
            return None;
        }
        if !above {
            return None;
        }
        if min_length_met {
            self.merge_enabled = true;
            return Some(frame);
        }
        if self.merge_enabled {
            self.merge_triggered = true;
            self.merge_start = Some(frame);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mode: FilterMode, len: i64, above: &[u64]) -> Vec<i64> {
        let mut f = FlashFilter::new(mode, len);
        (0..80u64)
            .filter_map(|i| f.filter(FrameRef::at(i, 30.0), above.contains(&i)))
            .map(|c| c.number)
            .collect()
    }

    #[test]
    fn first_cut_needs_min_length_from_start() {
        assert_eq!(run(FilterMode::Merge, 15, &[20]), vec![20]);
        // In merge mode a flash before the first cut moves the reference point (as in
        // PySceneDetect): 20 is then too close to 10.
        assert_eq!(run(FilterMode::Merge, 15, &[10, 20]), Vec::<i64>::new());
        assert_eq!(run(FilterMode::Suppress, 15, &[10, 20]), vec![20]);
    }

    #[test]
    fn merge_reports_last_flash_after_quiet_period() {
        // 20 is a cut; the flashes after it are too close together: merged into one cut at the
        // last of them, reported once the picture has been quiet for 15 frames.
        let flashes = [20, 25, 30, 35, 40, 45];
        assert_eq!(run(FilterMode::Merge, 15, &flashes), vec![20, 45]);
        assert_eq!(run(FilterMode::Suppress, 15, &flashes), vec![20, 35]);
        // A short burst right after a cut is dropped.
        assert_eq!(run(FilterMode::Merge, 15, &[20, 25, 28]), vec![20]);
    }

    #[test]
    fn zero_length_passes_everything() {
        assert_eq!(run(FilterMode::Merge, 0, &[1, 2]), vec![1, 2]);
    }
}

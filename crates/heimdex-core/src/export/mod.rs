//! Result lists written for other tools: CSV for spreadsheets and CMX 3600 EDL for video editors.

pub mod csv;
pub mod edl;

/// One scene in an exported result list.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// The video's file name (shown to editors as the clip name).
    pub file_name: String,
    /// The video file.
    pub path: String,
    pub scene_idx: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    /// The words the scene matched on (may be empty).
    pub snippet: String,
    /// The fused search score, when the list came from a search.
    pub score: Option<f64>,
}

/// `HH:MM:SS.mmm`, for people.
pub fn clock(secs: f64) -> String {
    let ms = (secs.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_rounds_to_milliseconds() {
        assert_eq!(clock(0.0), "00:00:00.000");
        assert_eq!(clock(3725.0006), "01:02:05.001");
        assert_eq!(clock(-1.0), "00:00:00.000");
    }
}

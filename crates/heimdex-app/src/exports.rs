//! Files the window saves: a transcript as SRT or WebVTT, a result list as CSV or CMX 3600 EDL.
//! Written to a temporary file beside the target and renamed, so a failed export never leaves
//! half a file.

use crate::error::{AppError, AppResult};
use crate::views::{ExportClip, ListFormat, TranscriptFormat};
use heimdex_core::export::{csv, edl, Clip};
use heimdex_core::VideoId;
use heimdex_library::{transcripts, videos, Library};
use std::path::Path;

/// Writes `text` to `path` whole or not at all ([`heimdex_core::atomic_file`]); both shells'
/// exports.
pub fn write_atomically(path: &Path, text: &str) -> AppResult<()> {
    heimdex_core::atomic_file::write(path, text.as_bytes()).map_err(|e| AppError::Export {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// The transcript text of a video in `format`.
pub async fn transcript_text(
    lib: &Library,
    video_id: &str,
    format: TranscriptFormat,
) -> AppResult<String> {
    let id = VideoId(video_id.to_owned());
    let stored = transcripts::get(lib.pool(), &id).await?;
    let segments: Vec<heimdex_speech::Segment> = stored
        .map(|t| t.segments.iter().map(|s| s.to_segment()).collect())
        .unwrap_or_default();
    Ok(match format {
        TranscriptFormat::Srt => heimdex_speech::speech::formats::to_srt(&segments),
        TranscriptFormat::Vtt => heimdex_speech::speech::formats::to_vtt(&segments),
    })
}

/// Saves a video's transcript at `path`.
pub async fn save_transcript(
    lib: &Library,
    video_id: &str,
    format: TranscriptFormat,
    path: &Path,
) -> AppResult<()> {
    let text = transcript_text(lib, video_id, format).await?;
    write_atomically(path, &text)
}

/// The list as text. The EDL's frame rate is the first clip's video's (rounded), else 25.
pub async fn list_text(
    lib: &Library,
    title: &str,
    clips: &[ExportClip],
    format: ListFormat,
) -> AppResult<String> {
    let core: Vec<Clip> = clips
        .iter()
        .map(|c| Clip {
            file_name: c.file_name.clone(),
            path: c.path.clone(),
            scene_idx: c.scene_idx,
            start_secs: c.start_secs,
            end_secs: c.end_secs,
            snippet: c.snippet.clone(),
            score: c.score,
        })
        .collect();
    Ok(match format {
        ListFormat::Csv => csv::to_csv(&core),
        ListFormat::Edl => {
            let mut fps = 0.0;
            if let Some(first) = clips.first() {
                if let Ok(Some(v)) = videos::get(lib.pool(), &VideoId(first.video_id.clone())).await
                {
                    fps = v.info.fps;
                }
            }
            edl::to_edl(title, &core, edl::timeline_fps(fps))
        }
    })
}

/// Saves a result list at `path`.
pub async fn save_list(
    lib: &Library,
    title: &str,
    clips: &[ExportClip],
    format: ListFormat,
    path: &Path,
) -> AppResult<()> {
    let text = list_text(lib, title, clips, format).await?;
    write_atomically(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.srt");
        write_atomically(&path, "1\n").expect("writes");
        assert_eq!(std::fs::read_to_string(&path).expect("reads"), "1\n");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
        let e = write_atomically(&dir.path().join("missing/out.srt"), "x").expect_err("fails");
        assert!(e.to_string().contains("missing/out.srt"), "{e}");
    }

    #[tokio::test]
    async fn empty_transcripts_and_lists_still_export() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = Library::open(heimdex_core::DataPaths::under(dir.path()))
            .await
            .expect("opens");
        let vtt = transcript_text(&lib, "0000000000000000", TranscriptFormat::Vtt)
            .await
            .expect("vtt");
        assert_eq!(vtt, "WEBVTT\n\n");
        let clip = ExportClip {
            video_id: "0000000000000000".into(),
            file_name: "a.mp4".into(),
            path: "/v/a.mp4".into(),
            scene_idx: 0,
            start_secs: 1.0,
            end_secs: 2.0,
            snippet: "hi".into(),
            score: Some(0.5),
        };
        let edl = list_text(&lib, "t", std::slice::from_ref(&clip), ListFormat::Edl)
            .await
            .expect("edl");
        assert!(
            edl.contains("00:00:01:00 00:00:02:00 01:00:00:00 01:00:01:00"),
            "{edl}"
        );
        let csv = list_text(&lib, "t", &[clip], ListFormat::Csv)
            .await
            .expect("csv");
        assert!(csv.contains("a.mp4,/v/a.mp4,0,1.000,2.000"), "{csv}");
    }
}

//! Queries on `transcripts` and `transcript_segments` (migration 0003), and the join with scenes by
//! time overlap.

use crate::db::now_ms;
use crate::error::Result;
use heimdex_core::VideoId;
use heimdex_speech::speech::align::{primary_scene, scene_texts as align_scene_texts, Span};
use heimdex_speech::speech::{Segment, Transcript};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};

/// A stored transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTranscript {
    pub video_id: VideoId,
    pub language: Option<String>,
    pub model: String,
    pub audio_secs: f64,
    pub created_at_ms: i64,
    pub segments: Vec<StoredSegment>,
}

/// A stored segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSegment {
    pub idx: i64,
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
    pub language: Option<String>,
    /// The scene the segment overlaps most, when scenes were known at transcription time.
    pub scene_idx: Option<i64>,
}

impl StoredSegment {
    /// As the model's segment type (for subtitle formats).
    pub fn to_segment(&self) -> Segment {
        Segment {
            start_secs: self.start_secs,
            end_secs: self.end_secs,
            text: self.text.clone(),
            language: self.language.clone(),
            avg_logprob: 0.0,
            no_speech_prob: 0.0,
        }
    }
}

/// One scene with what was said during it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneText {
    pub scene_idx: i64,
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
}

/// Whether the scenes table exists (it comes with the scenes stage's migration).
async fn has_scenes_table(pool: &SqlitePool) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'scenes'",
    )
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// The video's scenes as `(idx, span)`, in time order; empty when there are none (yet).
pub async fn scene_spans(pool: &SqlitePool, video: &VideoId) -> Result<Vec<(i64, Span)>> {
    if !has_scenes_table(pool).await? {
        return Ok(Vec::new());
    }
    let rows =
        sqlx::query("SELECT idx, start_secs, end_secs FROM scenes WHERE video_id = ? ORDER BY idx")
            .bind(video.as_str())
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("idx")?,
                Span::new(r.try_get("start_secs")?, r.try_get("end_secs")?),
            ))
        })
        .collect()
}

/// Replaces the video's transcript in one transaction (`None`: the video has no audio, so it has
/// no transcript). Each segment is stored with the scene it overlaps most among `scenes`.
pub async fn replace(
    pool: &SqlitePool,
    video: &VideoId,
    transcript: Option<&Transcript>,
    scenes: &[(i64, Span)],
) -> Result<()> {
    let spans: Vec<Span> = scenes.iter().map(|(_, s)| *s).collect();
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM transcript_segments WHERE video_id = ?")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM transcripts WHERE video_id = ?")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    if let Some(t) = transcript {
        sqlx::query(
            "INSERT INTO transcripts (video_id, language, model, audio_secs, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(video.as_str())
        .bind(t.language.as_deref())
        .bind(&t.model)
        .bind(t.audio_secs)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        for (i, s) in t.segments.iter().enumerate() {
            let scene =
                primary_scene(&Span::new(s.start_secs, s.end_secs), &spans).map(|k| scenes[k].0);
            sqlx::query(
                "INSERT INTO transcript_segments (video_id, idx, start_secs, end_secs, text, language, scene_idx) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(video.as_str())
            .bind(i as i64)
            .bind(s.start_secs)
            .bind(s.end_secs)
            .bind(&s.text)
            .bind(s.language.as_deref())
            .bind(scene)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Sets each stored segment's scene to the one it overlaps most among the video's scenes now.
/// Speech and the scenes pass run at the same time, so the scenes a transcript was stored with may
/// be missing or older ones; the embed stage, which runs after both, calls this first.
pub async fn reassign_scenes(pool: &SqlitePool, video: &VideoId) -> Result<()> {
    let scenes = scene_spans(pool, video).await?;
    let spans: Vec<Span> = scenes.iter().map(|(_, s)| *s).collect();
    let rows = sqlx::query(
        "SELECT idx, start_secs, end_secs, scene_idx FROM transcript_segments WHERE video_id = ?",
    )
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    let mut tx = pool.begin().await?;
    for r in &rows {
        let span = Span::new(r.try_get("start_secs")?, r.try_get("end_secs")?);
        let scene = primary_scene(&span, &spans).map(|k| scenes[k].0);
        let old: Option<i64> = r.try_get("scene_idx")?;
        if scene != old {
            let idx: i64 = r.try_get("idx")?;
            sqlx::query(
                "UPDATE transcript_segments SET scene_idx = ? WHERE video_id = ? AND idx = ?",
            )
            .bind(scene)
            .bind(video.as_str())
            .bind(idx)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The video's transcript, or `None` when it has none (no audio, or not transcribed yet).
pub async fn get(pool: &SqlitePool, video: &VideoId) -> Result<Option<StoredTranscript>> {
    let Some(head) = sqlx::query(
        "SELECT language, model, audio_secs, created_at FROM transcripts WHERE video_id = ?",
    )
    .bind(video.as_str())
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT idx, start_secs, end_secs, text, language, scene_idx FROM transcript_segments \
         WHERE video_id = ? ORDER BY idx",
    )
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    let segments = rows
        .iter()
        .map(|r| {
            Ok(StoredSegment {
                idx: r.try_get("idx")?,
                start_secs: r.try_get("start_secs")?,
                end_secs: r.try_get("end_secs")?,
                text: r.try_get("text")?,
                language: r.try_get("language")?,
                scene_idx: r.try_get("scene_idx")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(StoredTranscript {
        video_id: video.clone(),
        language: head.try_get("language")?,
        model: head.try_get("model")?,
        audio_secs: head.try_get("audio_secs")?,
        created_at_ms: head.try_get("created_at")?,
        segments,
    }))
}

/// Segments overlapping `[start, end)` seconds, in time order (a scene's speech, by time).
pub async fn segments_between(
    pool: &SqlitePool,
    video: &VideoId,
    start: f64,
    end: f64,
) -> Result<Vec<StoredSegment>> {
    let rows = sqlx::query(
        "SELECT idx, start_secs, end_secs, text, language, scene_idx FROM transcript_segments \
         WHERE video_id = ? AND start_secs < ? AND end_secs > ? ORDER BY idx",
    )
    .bind(video.as_str())
    .bind(end)
    .bind(start)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredSegment {
                idx: r.try_get("idx")?,
                start_secs: r.try_get("start_secs")?,
                end_secs: r.try_get("end_secs")?,
                text: r.try_get("text")?,
                language: r.try_get("language")?,
                scene_idx: r.try_get("scene_idx")?,
            })
        })
        .collect()
}

/// What was said during each of the video's scenes (scenes joined with segments by time overlap,
/// assigned as [`heimdex_speech::speech::align`] describes). Empty when the video has no scenes.
pub async fn scene_texts(pool: &SqlitePool, video: &VideoId) -> Result<Vec<SceneText>> {
    let scenes = scene_spans(pool, video).await?;
    if scenes.is_empty() {
        return Ok(Vec::new());
    }
    let segments = match get(pool, video).await? {
        Some(t) => t.segments,
        None => Vec::new(),
    };
    let pairs: Vec<(Span, &str)> = segments
        .iter()
        .map(|s| (Span::new(s.start_secs, s.end_secs), s.text.as_str()))
        .collect();
    let spans: Vec<Span> = scenes.iter().map(|(_, s)| *s).collect();
    let texts = align_scene_texts(&pairs, &spans);
    Ok(scenes
        .iter()
        .zip(texts)
        .map(|((idx, span), text)| SceneText {
            scene_idx: *idx,
            start_secs: span.start,
            end_secs: span.end,
            text,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Library;
    use heimdex_core::DataPaths;

    fn seg(a: f64, b: f64, text: &str) -> Segment {
        Segment {
            start_secs: a,
            end_secs: b,
            text: text.into(),
            language: Some("en".into()),
            avg_logprob: -0.2,
            no_speech_prob: 0.01,
        }
    }

    async fn library_with_video(dir: &std::path::Path) -> (Library, VideoId) {
        let lib = Library::open(DataPaths::under(dir)).await.expect("opens");
        let id = VideoId("0123456789abcdef".into());
        sqlx::query(
            "INSERT INTO videos (id, content_hash, path, file_name, size_bytes, duration_secs, width, height, fps, \
             rotation, video_codec, has_audio, info_json, imported_at, updated_at) \
             VALUES (?, 'h', '/v.mp4', 'v.mp4', 1, 30, 64, 64, 25, 0, 'h264', 1, '{}', 0, 0)",
        )
        .bind(id.as_str())
        .execute(lib.pool())
        .await
        .expect("video row");
        (lib, id)
    }

    #[tokio::test]
    async fn replace_is_idempotent_and_get_reads_back() {
        let tmp = tempfile::tempdir().expect("tmp");
        let (lib, id) = library_with_video(tmp.path()).await;
        let t = Transcript {
            language: Some("en".into()),
            segments: vec![seg(0.0, 4.0, "Hello."), seg(4.0, 9.0, "World.")],
            audio_secs: 30.0,
            model: "whisper-tiny.en".into(),
        };
        let scenes = [(0, Span::new(0.0, 5.0)), (1, Span::new(5.0, 30.0))];
        replace(lib.pool(), &id, Some(&t), &scenes)
            .await
            .expect("stores");
        replace(lib.pool(), &id, Some(&t), &scenes)
            .await
            .expect("stores again");
        let got = get(lib.pool(), &id).await.expect("reads").expect("present");
        assert_eq!(got.language.as_deref(), Some("en"));
        assert_eq!(got.segments.len(), 2);
        assert_eq!(got.segments[0].scene_idx, Some(0));
        assert_eq!(got.segments[1].scene_idx, Some(1));
        let between = segments_between(lib.pool(), &id, 3.0, 5.0)
            .await
            .expect("reads");
        assert_eq!(between.len(), 2);
        // Stored before the scenes were known: the scenes are set afterwards.
        replace(lib.pool(), &id, Some(&t), &[])
            .await
            .expect("stores");
        let got = get(lib.pool(), &id).await.expect("reads").expect("present");
        assert_eq!(got.segments[0].scene_idx, None);
        insert_scenes(&lib, &id, &scenes).await;
        reassign_scenes(lib.pool(), &id).await.expect("reassigns");
        let got = get(lib.pool(), &id).await.expect("reads").expect("present");
        assert_eq!(got.segments[0].scene_idx, Some(0));
        assert_eq!(got.segments[1].scene_idx, Some(1));
        // No audio: the transcript goes away.
        replace(lib.pool(), &id, None, &[]).await.expect("clears");
        assert!(get(lib.pool(), &id).await.expect("reads").is_none());
    }

    async fn insert_scenes(lib: &Library, id: &VideoId, scenes: &[(i64, Span)]) {
        for (idx, span) in scenes {
            sqlx::query(
                "INSERT INTO scenes (video_id, idx, start_frame, end_frame, start_secs, end_secs) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(id.as_str())
            .bind(idx)
            .bind((span.start * 25.0) as i64)
            .bind((span.end * 25.0) as i64)
            .bind(span.start)
            .bind(span.end)
            .execute(lib.pool())
            .await
            .expect("scene row");
        }
    }

    #[tokio::test]
    async fn scene_texts_join_by_time_when_scenes_exist() {
        let tmp = tempfile::tempdir().expect("tmp");
        let (lib, id) = library_with_video(tmp.path()).await;
        let t = Transcript {
            language: Some("en".into()),
            segments: vec![seg(1.0, 3.0, "First."), seg(6.0, 8.0, "Second.")],
            audio_secs: 10.0,
            model: "m".into(),
        };
        replace(lib.pool(), &id, Some(&t), &[])
            .await
            .expect("stores");
        if !has_scenes_table(lib.pool()).await.expect("query") {
            // Before the scenes migration: no scenes, no scene texts.
            assert!(scene_texts(lib.pool(), &id)
                .await
                .expect("reads")
                .is_empty());
            sqlx::query(
                "CREATE TABLE scenes (video_id TEXT NOT NULL, idx INTEGER NOT NULL, start_frame INTEGER NOT NULL, \
                 end_frame INTEGER NOT NULL, start_secs REAL NOT NULL, end_secs REAL NOT NULL, \
                 PRIMARY KEY (video_id, idx))",
            )
            .execute(lib.pool())
            .await
            .expect("scenes table");
        }
        for (idx, a, b) in [(0i64, 0.0f64, 5.0f64), (1, 5.0, 10.0)] {
            sqlx::query(
                "INSERT INTO scenes (video_id, idx, start_frame, end_frame, start_secs, end_secs) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(id.as_str())
            .bind(idx)
            .bind((a * 25.0) as i64)
            .bind((b * 25.0) as i64)
            .bind(a)
            .bind(b)
            .execute(lib.pool())
            .await
            .expect("scene row");
        }
        let texts = scene_texts(lib.pool(), &id).await.expect("reads");
        assert_eq!(texts.len(), 2);
        assert_eq!(texts[0].text, "First.");
        assert_eq!(texts[1].text, "Second.");
    }
}

import { convertFileSrc } from "@tauri-apps/api/core";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { VideoDetail } from "../bindings";
import { ArrowLeftIcon, CopyIcon, DownloadIcon, SearchIcon } from "../components/Icons";
import { SceneStrip } from "../components/SceneStrip";
import { TranscriptPanel } from "../components/TranscriptPanel";
import { api } from "../lib/api";
import { copyText } from "../lib/clipboard";
import { describeUnknown } from "../lib/errors";
import { exportTranscript } from "../lib/exports";
import { formatDuration, formatPosition, formatTimestamp } from "../lib/format";
import { indexAt, nextStart, previousStart } from "../lib/scenes";
import type { SimilarTo } from "./SearchView";

interface Props {
  videoId: string;
  /** Where to start (a hit's scene start); 0 plays from the beginning. */
  startSecs: number;
  backLabel: string;
  onBack: () => void;
  /** "More like this" for the current scene. */
  onSimilar?: (to: SimilarTo) => void;
}

/** Seconds J and L jump. */
export const JUMP_SECS = 10;

/** True when a key press belongs to a text field, not to the player. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

export function PlayerView({ videoId, startSecs, backLabel, onBack, onSimilar }: Props) {
  const [detail, setDetail] = useState<VideoDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [playError, setPlayError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [time, setTime] = useState(startSecs);
  const videoRef = useRef<HTMLVideoElement | null>(null);

  useEffect(() => {
    let live = true;
    api.getVideo(videoId).then(
      (d) => live && setDetail(d),
      (e: unknown) => live && setLoadError(describeUnknown(e)),
    );
    return () => {
      live = false;
    };
  }, [videoId]);

  const seek = useCallback((secs: number) => {
    const v = videoRef.current;
    const t = Math.max(0, secs);
    if (v) v.currentTime = t;
    setTime(t);
  }, []);

  const scenes = useMemo(() => detail?.scenes ?? [], [detail]);
  const segments = useMemo(() => detail?.transcript ?? [], [detail]);
  const sceneIdx = indexAt(scenes, time);
  const segmentIdx = indexAt(segments, time);
  // The picture shown before playback: the keyframe of the scene the player opens at.
  const poster = useMemo(() => {
    const s = scenes[indexAt(scenes, startSecs)];
    const path = s?.keyframePath ?? s?.thumbnailPath ?? detail?.video.posterPath;
    return path ? convertFileSrc(path) : undefined;
  }, [scenes, startSecs, detail]);
  const inSegment = segmentIdx >= 0 && time <= (segments[segmentIdx].endSecs ?? 0) + 0.05 ? segmentIdx : -1;

  // Keyboard: space play/pause, J/L back/forward, K pause, arrows jump scenes, Esc goes back.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const v = videoRef.current;
      const now = v ? v.currentTime : time;
      switch (e.key) {
        case "Escape":
          e.preventDefault();
          onBack();
          return;
        case " ":
          if (!v) return;
          e.preventDefault();
          if (v.paused) void v.play().catch(() => undefined);
          else v.pause();
          return;
        case "k":
        case "K":
          e.preventDefault();
          v?.pause();
          return;
        case "j":
        case "J":
          e.preventDefault();
          seek(now - JUMP_SECS);
          return;
        case "l":
        case "L": {
          e.preventDefault();
          const end = v && Number.isFinite(v.duration) ? v.duration : Infinity;
          seek(Math.min(end, now + JUMP_SECS));
          return;
        }
        case "ArrowLeft":
        case "ArrowUp":
          if (scenes.length === 0) return;
          e.preventDefault();
          seek(previousStart(scenes, now));
          return;
        case "ArrowRight":
        case "ArrowDown": {
          if (scenes.length === 0) return;
          e.preventDefault();
          const next = nextStart(scenes, now);
          if (next != null) seek(next);
          return;
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onBack, scenes, seek, time]);

  const copyTimestamp = async () => {
    if (!detail) return;
    const t = videoRef.current?.currentTime ?? time;
    try {
      await copyText(`${detail.video.fileName} @ ${formatTimestamp(t)}`);
      setNotice(`Copied ${formatTimestamp(t)}`);
    } catch (e) {
      setNotice(describeUnknown(e));
    }
  };

  const saveTranscript = async (format: "srt" | "vtt") => {
    if (!detail) return;
    try {
      const path = await exportTranscript(detail.video.id, detail.video.fileName, format);
      if (path) setNotice(`Saved ${path}`);
    } catch (e) {
      setNotice(describeUnknown(e));
    }
  };

  const v = detail?.video;
  return (
    <section className="view view-player" aria-labelledby="player-title">
      <header className="player-header">
        <button type="button" className="btn btn-ghost btn-small" onClick={onBack} title="Back (Esc)">
          <ArrowLeftIcon /> {backLabel}
        </button>
        <div className="player-title">
          <h1 id="player-title" title={v?.path}>
            {v?.fileName ?? "Loading…"}
          </h1>
          {v && (
            <p className="view-subtitle">
              {[formatDuration(v.durationSecs), v.width > 0 ? `${v.width}×${v.height}` : null, `${scenes.length} ${scenes.length === 1 ? "scene" : "scenes"}`]
                .filter(Boolean)
                .join(" · ")}
            </p>
          )}
        </div>
        <div className="view-actions">
          {onSimilar && (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={!v || sceneIdx < 0}
              onClick={() => v && sceneIdx >= 0 && onSimilar({ videoId: v.id, sceneIdx: scenes[sceneIdx].idx, label: `scene ${scenes[sceneIdx].idx + 1} of ${v.fileName}` })}
            >
              <SearchIcon /> More like this
            </button>
          )}
          <button type="button" className="btn btn-secondary btn-small" onClick={() => void copyTimestamp()} disabled={!detail}>
            <CopyIcon /> Copy timestamp
          </button>
          <button type="button" className="btn btn-secondary btn-small" onClick={() => void saveTranscript("srt")} disabled={segments.length === 0}>
            <DownloadIcon /> SRT
          </button>
          <button type="button" className="btn btn-secondary btn-small" onClick={() => void saveTranscript("vtt")} disabled={segments.length === 0}>
            <DownloadIcon /> VTT
          </button>
        </div>
      </header>

      {loadError && (
        <p className="notice notice-error" role="alert">
          {loadError}
        </p>
      )}
      {notice && (
        <p className="notice notice-info" role="status">
          {notice}
        </p>
      )}

      {detail && (
        <>
          <div className="player-main">
            <div className="player-stage">
              {detail.mediaUrl ? (
                <video
                  ref={videoRef}
                  className="player-video"
                  data-testid="player-video"
                  src={detail.mediaUrl}
                  poster={poster}
                  controls
                  preload="auto"
                  data-start={startSecs}
                  onLoadedMetadata={(e) => {
                    if (startSecs > 0) e.currentTarget.currentTime = startSecs;
                  }}
                  onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
                  onSeeked={(e) => setTime(e.currentTarget.currentTime)}
                  onError={() =>
                    setPlayError(
                      "This video cannot be played here: the system has no decoder for its format. On Linux, install gstreamer1.0-libav and gstreamer1.0-plugins-good.",
                    )
                  }
                />
              ) : (
                <p className="notice notice-error" role="alert">
                  {detail.mediaError ?? "This video cannot be played."}
                </p>
              )}
              {playError && (
                <p className="notice notice-error" role="alert">
                  {playError}
                </p>
              )}
              <p className="player-position" aria-live="off">
                {formatPosition(time)}
                {sceneIdx >= 0 && <span className="muted"> · scene {scenes[sceneIdx].idx + 1}</span>}
              </p>
            </div>
            <aside className="player-side" aria-labelledby="transcript-title">
              <h2 id="transcript-title" className="section-title">
                Transcript
              </h2>
              <TranscriptPanel segments={segments} current={inSegment} hasAudio={detail.video.hasAudio} onSeek={seek} />
            </aside>
          </div>
          <SceneStrip scenes={scenes} current={sceneIdx} onSeek={seek} />
          <p className="player-keys muted">
            <kbd className="kbd">Space</kbd> play/pause · <kbd className="kbd">J</kbd> <kbd className="kbd">L</kbd> −/+{JUMP_SECS} s ·{" "}
            <kbd className="kbd">K</kbd> pause · <kbd className="kbd">←</kbd> <kbd className="kbd">→</kbd> scenes · <kbd className="kbd">Esc</kbd> back
          </p>
        </>
      )}
    </section>
  );
}

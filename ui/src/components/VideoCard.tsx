import { convertFileSrc } from "@tauri-apps/api/core";
import { memo, useState } from "react";
import type { StageView, VideoView } from "../bindings";
import { describeStageError } from "../lib/errors";
import { formatBytes, formatDuration, formatEta, formatPercent } from "../lib/format";
import { STAGE_ACTIVITY, STAGE_LABEL } from "../lib/stages";
import { currentStage, overallFraction, type LiveMap } from "../hooks/library-store";
import { CheckIcon, FilmIcon, PlayIcon, RetryIcon, StopIcon, TrashIcon } from "./Icons";

interface Props {
  video: VideoView;
  live: LiveMap;
  onCancel: (id: string) => void;
  onRetry: (id: string) => void;
  onRemove: (id: string) => void;
  onOpen?: (id: string, startSecs: number) => void;
}

const STATUS_LABEL: Record<VideoView["status"], string> = {
  queued: "Queued",
  indexing: "Indexing",
  ready: "Indexed",
  failed: "Failed",
  cancelled: "Cancelled",
};

function Poster({ video, onOpen }: { video: VideoView; onOpen?: (id: string, startSecs: number) => void }) {
  const [broken, setBroken] = useState(false);
  const src = video.posterPath && !broken ? convertFileSrc(video.posterPath) : null;
  const inner = (
    <>
      {src ? (
        <img src={src} alt="" loading="lazy" decoding="async" draggable={false} onError={() => setBroken(true)} />
      ) : (
        <FilmIcon className="card-poster-placeholder" />
      )}
      <span className="card-duration">{formatDuration(video.durationSecs)}</span>
      {onOpen && (
        <span className="card-play" aria-hidden="true">
          <PlayIcon />
        </span>
      )}
    </>
  );
  if (!onOpen) return <div className="card-poster">{inner}</div>;
  return (
    <button type="button" className="card-poster card-poster-button" onClick={() => onOpen(video.id, 0)} aria-label={`Play ${video.fileName}`}>
      {inner}
    </button>
  );
}

function StageChip({ stage }: { stage: StageView }) {
  const label = STAGE_LABEL[stage.stage];
  const title = stage.state === "failed" && stage.error ? `${label}: ${stage.error}` : `${label}: ${stage.state}`;
  return (
    <li className={`stage-chip stage-${stage.state}`} title={title}>
      {stage.state === "done" ? <CheckIcon /> : <span className="stage-dot" aria-hidden="true" />}
      <span>{label}</span>
      <span className="visually-hidden"> {stage.state}</span>
    </li>
  );
}

function VideoCardImpl({ video, live, onCancel, onRetry, onRemove, onOpen }: Props) {
  const running = currentStage(video, live);
  const busy = video.status === "queued" || video.status === "indexing";
  const canRetry = video.status === "failed" || video.status === "cancelled";
  const fraction = overallFraction(video, live);
  const eta = running ? formatEta(running.progress.etaSecs) : "";
  const resolution = video.width > 0 ? `${video.width}×${video.height}` : null;

  return (
    <article className={`card card-${video.status}`} aria-label={video.fileName} data-video-id={video.id} data-status={video.status}>
      <Poster video={video} onOpen={onOpen} />
      <button
        type="button"
        className="card-remove"
        onClick={() => onRemove(video.id)}
        aria-label={`Remove ${video.fileName} from the library`}
        title="Remove from the library (the file stays on disk)"
      >
        <TrashIcon />
      </button>
      <div className="card-body">
        <div className="card-title-row">
          <h3 className="card-title" title={video.path}>
            {video.fileName}
          </h3>
          <span className={`status-pill status-${video.status}`}>{STATUS_LABEL[video.status]}</span>
        </div>
        <p className="card-meta">
          {[resolution, formatBytes(video.sizeBytes), video.hasAudio ? null : "no audio"].filter(Boolean).join(" · ")}
        </p>

        {busy && (
          <div className="card-progress">
            <progress max={1} value={fraction} aria-label={`Indexing ${video.fileName}`} />
            <p className="card-progress-text">
              {running ? (
                <>
                  <span>{running.progress.message ?? STAGE_ACTIVITY[running.stage]}</span>
                  {running.progress.fraction != null && <span> · {formatPercent(running.progress.fraction)}</span>}
                  {eta && <span className="muted"> · {eta}</span>}
                </>
              ) : (
                <span className="muted">Waiting for a free worker…</span>
              )}
            </p>
          </div>
        )}

        {video.stages.length > 0 && (
          <ul className="stage-chips" aria-label="Stages">
            {video.stages.map((s) => (
              <StageChip key={s.stage} stage={s} />
            ))}
          </ul>
        )}

        {video.status === "failed" && (
          <p className="card-error" role="alert">
            {describeStageError(video.error ?? "A stage failed for an unknown reason")}
          </p>
        )}

        {(busy || canRetry) && (
          <div className="card-actions">
            {busy && (
              <button type="button" className="btn btn-ghost btn-small" onClick={() => onCancel(video.id)} aria-label={`Cancel indexing ${video.fileName}`}>
                <StopIcon /> Cancel
              </button>
            )}
            {canRetry && (
              <button type="button" className="btn btn-ghost btn-small" onClick={() => onRetry(video.id)} aria-label={`Retry ${video.fileName}`}>
                <RetryIcon /> Retry
              </button>
            )}
          </div>
        )}
      </div>
    </article>
  );
}

export const VideoCard = memo(VideoCardImpl);

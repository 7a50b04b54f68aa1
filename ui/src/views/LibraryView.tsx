import { useMemo } from "react";
import { VideoCard } from "../components/VideoCard";
import { DropIcon, FolderIcon, PlusIcon } from "../components/Icons";
import { Notices } from "../components/Notices";
import { useAddVideos } from "../hooks/useAddVideos";
import { useLibrary } from "../hooks/useLibrary";
import { modKey } from "../lib/platform";

function summary(videos: { status: string }[]): string {
  const n = videos.length;
  const busy = videos.filter((v) => v.status === "indexing" || v.status === "queued").length;
  const failed = videos.filter((v) => v.status === "failed").length;
  const parts = [`${n} ${n === 1 ? "video" : "videos"}`];
  if (busy > 0) parts.push(`${busy} indexing`);
  if (failed > 0) parts.push(`${failed} failed`);
  return parts.join(" · ");
}

interface Props {
  /** Opens a video in the player, at the start. */
  onOpen: (videoId: string, startSecs: number) => void;
}

export function LibraryView({ onOpen }: Props) {
  const { videos, live, loadError, cancel, retry, remove } = useLibrary();
  const { addFiles, addFolder } = useAddVideos();
  const sorted = useMemo(() => (videos ? [...videos].sort((a, b) => (b.importedAtMs ?? 0) - (a.importedAtMs ?? 0)) : null), [videos]);

  return (
    <section className="view" aria-labelledby="library-title">
      <header className="view-header">
        <div>
          <h1 id="library-title">Library</h1>
          <p className="view-subtitle">{sorted ? summary(sorted) : "Loading…"}</p>
        </div>
        <div className="view-actions">
          <button type="button" className="btn btn-secondary" onClick={() => void addFolder()}>
            <FolderIcon /> Add folder
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void addFiles()} title={`Add videos (${modKey}+O)`}>
            <PlusIcon /> Add videos
          </button>
        </div>
      </header>

      <Notices />
      {loadError && (
        <p className="notice notice-error" role="alert">
          {loadError}
        </p>
      )}

      {sorted && sorted.length === 0 && !loadError && (
        <div className="empty-state">
          <DropIcon className="empty-icon" />
          <h2>Drop videos anywhere to start</h2>
          <p>
            Heimdex finds the scenes in your videos and makes them searchable, on this computer. Drop files or folders on this window, or
            choose them with <strong>Add videos</strong> ({modKey}+O).
          </p>
          <button type="button" className="btn btn-primary" onClick={() => void addFiles()}>
            <PlusIcon /> Add videos
          </button>
        </div>
      )}

      {sorted && sorted.length > 0 && (
        <div className="grid" role="list" aria-label="Videos">
          {sorted.map((v) => (
            <div role="listitem" key={v.id}>
              <VideoCard video={v} live={live} onCancel={cancel} onRetry={retry} onRemove={remove} onOpen={onOpen} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

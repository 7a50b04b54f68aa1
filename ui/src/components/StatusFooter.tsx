import { useLibrary } from "../hooks/useLibrary";
import { currentStage } from "../hooks/library-store";
import { formatEta } from "../lib/format";

/** One line under the navigation: what the pipeline is doing. */
export function StatusFooter() {
  const { videos, live } = useLibrary();
  if (!videos) return <p className="status-footer muted">Opening the library…</p>;
  const busy = videos.filter((v) => v.status === "indexing" || v.status === "queued");
  if (videos.length === 0) return <p className="status-footer muted">No videos yet</p>;
  if (busy.length === 0) {
    const failed = videos.filter((v) => v.status === "failed").length;
    return (
      <p className="status-footer muted" role="status">
        {failed > 0 ? `${failed} failed · the rest indexed` : "All videos indexed"}
      </p>
    );
  }
  const etas = busy.map((v) => currentStage(v, live)?.progress.etaSecs ?? null).filter((e): e is number => e != null);
  const eta = etas.length > 0 ? formatEta(Math.max(...etas)) : "";
  return (
    <p className="status-footer" role="status">
      <span className="pulse" aria-hidden="true" />
      Indexing {busy.length} {busy.length === 1 ? "video" : "videos"}
      {eta && <span className="muted"> · {eta}</span>}
    </p>
  );
}

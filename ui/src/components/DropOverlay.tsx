import { getCurrentWebview } from "@tauri-apps/api/webview";
import { useEffect, useState } from "react";
import { useLibrary } from "../hooks/useLibrary";
import { isPicturePath } from "../lib/api";
import { DropIcon } from "./Icons";

/** Listens for files dragged onto the window (Tauri's drag-drop event): videos and folders are
 * imported; a picture dropped alone becomes a search for the scenes that look like it. */
export function DropOverlay({ onDropped, onPicture }: { onDropped: () => void; onPicture: (path: string) => void }) {
  const { importPaths } = useLibrary();
  const [over, setOver] = useState<"videos" | "picture" | null>(null);

  useEffect(() => {
    let disposed = false;
    let unlisten: (() => void) | undefined;
    let webview;
    try {
      webview = getCurrentWebview();
    } catch {
      return; // Not inside Tauri (tests without a window).
    }
    webview
      .onDragDropEvent((e) => {
        const p = e.payload;
        if (p.type === "enter") setOver(p.paths.length === 1 && isPicturePath(p.paths[0]) ? "picture" : "videos");
        else if (p.type === "over") setOver((o) => o ?? "videos");
        else if (p.type === "leave") setOver(null);
        else if (p.type === "drop") {
          setOver(null);
          if (p.paths.length === 1 && isPicturePath(p.paths[0])) {
            onPicture(p.paths[0]);
          } else {
            onDropped();
            void importPaths(p.paths);
          }
        }
      })
      .then((u) => {
        if (disposed) u();
        else unlisten = u;
      })
      .catch(() => undefined);
    return () => {
      disposed = true;
      unlisten?.();
    };
  }, [importPaths, onDropped, onPicture]);

  if (!over) return null;
  return (
    <div className="drop-overlay" aria-live="assertive">
      <div className="drop-target">
        <DropIcon className="drop-icon" />
        {over === "picture" ? (
          <>
            <p>Drop to find scenes that look like this picture</p>
            <p className="muted">Matched by what the picture shows</p>
          </>
        ) : (
          <>
            <p>Drop to add to your library</p>
            <p className="muted">Folders are searched for videos; drop a single picture to search by it</p>
          </>
        )}
      </div>
    </div>
  );
}

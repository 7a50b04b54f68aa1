import { getCurrentWebview } from "@tauri-apps/api/webview";
import { useEffect, useState } from "react";
import { useLibrary } from "../hooks/useLibrary";
import { DropIcon } from "./Icons";

/** Listens for files dragged onto the window (Tauri's drag-drop event) and imports them. */
export function DropOverlay({ onDropped }: { onDropped: () => void }) {
  const { importPaths } = useLibrary();
  const [over, setOver] = useState(false);

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
        if (p.type === "enter" || p.type === "over") setOver(true);
        else if (p.type === "leave") setOver(false);
        else if (p.type === "drop") {
          setOver(false);
          onDropped();
          void importPaths(p.paths);
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
  }, [importPaths, onDropped]);

  if (!over) return null;
  return (
    <div className="drop-overlay" aria-live="assertive">
      <div className="drop-target">
        <DropIcon className="drop-icon" />
        <p>Drop to add to your library</p>
        <p className="muted">Folders are searched for videos</p>
      </div>
    </div>
  );
}

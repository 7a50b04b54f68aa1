import { convertFileSrc } from "@tauri-apps/api/core";
import { memo, useEffect, useRef } from "react";
import type { SceneView } from "../bindings";
import { formatPosition } from "../lib/format";

interface Props {
  scenes: SceneView[];
  current: number;
  onSeek: (secs: number) => void;
}

function SceneStripImpl({ scenes, current, onSeek }: Props) {
  const listRef = useRef<HTMLOListElement | null>(null);

  // Keep the current scene in view as the video plays.
  useEffect(() => {
    const el = listRef.current?.querySelector<HTMLElement>("[aria-current=true]");
    if (el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [current]);

  if (scenes.length === 0) {
    return <p className="muted strip-empty">No scenes yet: they appear once the video is indexed.</p>;
  }
  return (
    <ol className="scene-strip" aria-label="Scenes" ref={listRef}>
      {scenes.map((s, i) => (
        <li key={s.idx}>
          <button
            type="button"
            className={i === current ? "scene scene-on" : "scene"}
            aria-current={i === current}
            aria-label={`Scene ${s.idx + 1} at ${formatPosition(s.startSecs)}`}
            data-start={s.startSecs}
            onClick={() => onSeek(s.startSecs ?? 0)}
          >
            {s.thumbnailPath ? (
              <img src={convertFileSrc(s.thumbnailPath)} alt="" loading="lazy" decoding="async" draggable={false} />
            ) : (
              <span className="scene-blank" aria-hidden="true" />
            )}
            <span className="scene-time">{formatPosition(s.startSecs)}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}

export const SceneStrip = memo(SceneStripImpl);

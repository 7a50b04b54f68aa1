import { memo, useEffect, useRef } from "react";
import type { SegmentView } from "../bindings";
import { formatPosition } from "../lib/format";

interface Props {
  segments: SegmentView[];
  current: number;
  hasAudio: boolean;
  onSeek: (secs: number) => void;
}

function TranscriptPanelImpl({ segments, current, hasAudio, onSeek }: Props) {
  const listRef = useRef<HTMLOListElement | null>(null);

  useEffect(() => {
    const el = listRef.current?.querySelector<HTMLElement>("[aria-current=true]");
    if (el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "nearest" });
  }, [current]);

  if (segments.length === 0) {
    return (
      <p className="muted transcript-empty">
        {hasAudio ? "No transcript yet. It appears when speech has been transcribed (the speech model must be installed)." : "This video has no sound."}
      </p>
    );
  }
  return (
    <ol className="transcript" aria-label="Transcript" ref={listRef}>
      {segments.map((s, i) => (
        <li key={`${s.startSecs}-${i}`}>
          <button type="button" className={i === current ? "line line-on" : "line"} aria-current={i === current} onClick={() => onSeek(s.startSecs ?? 0)}>
            <span className="line-time">{formatPosition(s.startSecs)}</span>
            <span className="line-text">{s.text}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}

export const TranscriptPanel = memo(TranscriptPanelImpl);

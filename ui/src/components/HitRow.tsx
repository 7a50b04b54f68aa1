import { convertFileSrc } from "@tauri-apps/api/core";
import { memo } from "react";
import type { SearchHitView } from "../bindings";
import { formatPosition } from "../lib/format";
import { CopyIcon, FilmIcon } from "./Icons";

interface Props {
  hit: SearchHitView;
  id: string;
  active: boolean;
  onOpen: (hit: SearchHitView) => void;
  onHover: () => void;
  onCopy: (hit: SearchHitView) => void;
}

/** Why a hit matched, in words, strongest signal first. */
export function matchReasons(hit: SearchHitView): string[] {
  const out: string[] = [];
  const { bm25, text, image, picture } = hit.scores;
  const named = hit.seen.filter((t) => t.matched).map((t) => t.label);
  if (named.length > 0) out.push(`seen: ${named.join(", ")}`);
  if (bm25 != null) out.push("words match");
  if (text != null) out.push(`similar meaning ${Math.round(Math.max(0, text) * 100)}%`);
  if (image != null) out.push(`looks alike ${Math.round(Math.max(0, image) * 100)}%`);
  if (picture != null) out.push(`looks like it ${Math.round(Math.max(0, picture) * 100)}%`);
  return out;
}

function HitRowImpl({ hit, id, active, onOpen, onHover, onCopy }: Props) {
  const reasons = matchReasons(hit);
  const hasText = hit.snippet.some((p) => p.text.trim().length > 0);
  return (
    <li
      id={id}
      role="option"
      aria-selected={active}
      className={active ? "hit hit-on" : "hit"}
      data-video-id={hit.videoId}
      data-start={hit.startSecs}
      onClick={() => onOpen(hit)}
      onMouseMove={onHover}
    >
      <div className="hit-thumb">
        {hit.thumbnailPath ? <img src={convertFileSrc(hit.thumbnailPath)} alt="" loading="lazy" decoding="async" draggable={false} /> : <FilmIcon className="hit-thumb-placeholder" />}
        <span className="hit-time">{formatPosition(hit.startSecs)}</span>
      </div>
      <div className="hit-body">
        <div className="hit-title-row">
          <span className="hit-name" title={hit.path}>
            {hit.fileName}
          </span>
          <span className="hit-when muted">
            {formatPosition(hit.startSecs)}–{formatPosition(hit.endSecs)} · scene {hit.sceneIdx + 1}
            {hit.videoDate ? ` · ${hit.videoDate}` : ""}
          </span>
        </div>
        <p className="hit-snippet">
          {hasText ? hit.snippet.map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>)) : <span className="muted">No words in this scene</span>}
        </p>
        {hit.caption && <p className="hit-caption muted">Caption: {hit.caption}</p>}
        {hit.seen.length > 0 && (
          <ul className="hit-seen" aria-label="Seen in the scene">
            {hit.seen.map((t) => (
              <li key={t.label} className={t.matched ? "tag tag-on" : "tag"} title={`${t.kind === "class" ? "seen" : "a kind of what is seen"}: ${Math.round((t.score ?? 0) * 100)}%`}>
                {t.label}
              </li>
            ))}
          </ul>
        )}
        {reasons.length > 0 && (
          <ul className="hit-reasons" aria-label="Why it matched">
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
      </div>
      <button
        type="button"
        className="btn btn-ghost btn-small btn-icon-only hit-copy"
        aria-label={`Copy the timestamp of ${hit.fileName} at ${formatPosition(hit.startSecs)}`}
        title="Copy timestamp"
        tabIndex={-1}
        onClick={(e) => {
          e.stopPropagation();
          onCopy(hit);
        }}
      >
        <CopyIcon />
      </button>
    </li>
  );
}

export const HitRow = memo(HitRowImpl);

import { convertFileSrc } from "@tauri-apps/api/core";
import { useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { HitOrigin, SearchHitView, SearchResultsView, TeamResultsView } from "../bindings";
import { HitRow } from "../components/HitRow";
import { DownloadIcon, SearchIcon } from "../components/Icons";
import { useDebounced } from "../hooks/useDebounced";
import { useLibrary } from "../hooks/useLibrary";
import { api } from "../lib/api";
import { copyText } from "../lib/clipboard";
import { describeUnknown } from "../lib/errors";
import { exportList } from "../lib/exports";
import { formatDuration, formatPosition, formatTimestamp } from "../lib/format";
import { modKey } from "../lib/platform";

/** How long typing must pause before a search runs. */
export const DEBOUNCE_MS = 180;

interface Props {
  inputRef: RefObject<HTMLInputElement | null>;
  onShowLibrary: () => void;
  /** Opens a hit (or a video, at 0) in the player. */
  onOpen: (videoId: string, startSecs: number) => void;
  /** The query, kept by the shell so coming back from the player shows the same results. */
  query: string;
  onQueryChange: (q: string) => void;
  /** "More like this": show the scenes nearest to this one (while the box is empty). */
  similar?: SimilarTo | null;
  onClearSimilar?: () => void;
  /** A picture file to search by (dropped on the window), while the box is empty. */
  picture?: string | null;
  onClearPicture?: () => void;
}

/** The scene a "more like this" list is about. */
export interface SimilarTo {
  videoId: string;
  sceneIdx: number;
  /** e.g. "scene 3 of beach.mp4". */
  label: string;
}

type SimilarFound = { key: string; hits: SearchHitView[] } | { key: string; error: string };
const similarKey = (s: SimilarTo) => `${s.videoId}/${s.sceneIdx}`;

type Found = { query: string; results: SearchResultsView } | { query: string; error: string };

type TeamFound = { query: string; results: TeamResultsView } | { query: string; error: string };

/** How a team search hit is marked. */
export const ORIGIN_LABEL: Record<HitOrigin, string> = { local: "Here", team: "Team", both: "Here + team" };

type PictureFound = { path: string; results: SearchResultsView } | { path: string; error: string };

const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;

export function SearchView({ inputRef, onShowLibrary, onOpen, query, onQueryChange, similar = null, onClearSimilar, picture = null, onClearPicture }: Props) {
  const { videos } = useLibrary();
  const settled = useDebounced(query.trim(), DEBOUNCE_MS);
  const [found, setFound] = useState<Found | null>(null);
  const [active, setActive] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const latest = useRef(0);
  const [similarFound, setSimilarFound] = useState<SimilarFound | null>(null);
  const [pictureFound, setPictureFound] = useState<PictureFound | null>(null);
  // Team search runs beside the local one while team sync is set up (asked at each search, so a
  // backend set up in Settings counts at once).
  const [teamOn, setTeamOn] = useState(false);
  const [teamFound, setTeamFound] = useState<TeamFound | null>(null);

  useEffect(() => {
    if (!settled) return;
    let live = true;
    api
      .getTeam()
      .then((t) => {
        if (!live) return;
        setTeamOn(t.backend != null);
        if (t.backend == null) return;
        return api.searchTeam(settled, 20).then((results) => live && setTeamFound({ query: settled, results }));
      })
      .catch((e: unknown) => live && setTeamFound({ query: settled, error: describeUnknown(e) }));
    return () => {
      live = false;
    };
  }, [settled]);

  useEffect(() => {
    if (!picture) return;
    let live = true;
    api.searchImage(picture, 30).then(
      (results) => {
        if (!live) return;
        setPictureFound({ path: picture, results });
        setActive(0);
      },
      (e: unknown) => live && setPictureFound({ path: picture, error: describeUnknown(e) }),
    );
    return () => {
      live = false;
    };
  }, [picture]);

  useEffect(() => {
    if (!similar) return;
    const key = similarKey(similar);
    api.similar(similar.videoId, similar.sceneIdx, 30).then(
      (hits) => {
        setSimilarFound({ key, hits });
        setActive(0);
      },
      (e: unknown) => setSimilarFound({ key, error: describeUnknown(e) }),
    );
  }, [similar]);

  useEffect(() => {
    if (!settled) return;
    const ticket = ++latest.current;
    api.search(settled, 30).then(
      (results) => {
        if (ticket !== latest.current) return;
        setFound({ query: settled, results });
        setActive(0);
      },
      (e: unknown) => {
        if (ticket === latest.current) setFound({ query: settled, error: describeUnknown(e) });
      },
    );
  }, [settled]);

  const q = query.trim();
  const current = found && found.query === settled && settled === q && q ? found : null;
  const teamNow = teamOn && teamFound && teamFound.query === settled && settled === q && q ? teamFound : null;
  const inPicture = picture != null && q === "";
  const inSimilar = !inPicture && similar != null && q === "";
  const similarNow = inSimilar && similarFound && similarFound.key === similarKey(similar) ? similarFound : null;
  const pictureNow = inPicture && pictureFound && pictureFound.path === picture ? pictureFound : null;
  const hits = inPicture
    ? pictureNow && "results" in pictureNow
      ? pictureNow.results.hits
      : []
    : inSimilar
      ? similarNow && "hits" in similarNow
        ? similarNow.hits
        : []
      : current && "results" in current
        ? current.results.hits
        : [];
  const notices = inPicture ? (pictureNow && "results" in pictureNow ? pictureNow.results.notices : []) : current && "results" in current ? current.results.notices : [];
  const searching = q !== "" && (settled !== q || current == null);
  const ql = q.toLowerCase();
  const byName = useMemo(() => (ql && videos ? videos.filter((v) => v.fileName.toLowerCase().includes(ql)) : []), [ql, videos]);
  const indexing = videos?.filter((v) => v.status === "queued" || v.status === "indexing").length ?? 0;

  const open = (hit: SearchHitView) => {
    if (current && "results" in current && current.results.queryId != null) {
      void api.logOpened(current.results.queryId, hit.videoId, hit.sceneIdx).catch(() => undefined);
    }
    onOpen(hit.videoId, hit.startSecs ?? 0);
  };

  const copy = async (hit: SearchHitView) => {
    try {
      const stamp = `${hit.fileName} @ ${formatTimestamp(hit.startSecs ?? 0)}`;
      await copyText(stamp);
      setNotice(`Copied ${stamp}`);
    } catch (e) {
      setNotice(describeUnknown(e));
    }
  };

  const save = async (format: "csv" | "edl") => {
    try {
      const title = inPicture && picture ? `like ${baseName(picture)}` : inSimilar && similar ? `like ${similar.label}` : q;
      const path = await exportList(title, hits, format);
      if (path) setNotice(`Saved ${path}`);
    } catch (e) {
      setNotice(describeUnknown(e));
    }
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Escape") {
      onQueryChange("");
    } else if (e.key === "ArrowDown" && hits.length > 0) {
      e.preventDefault();
      setActive((i) => Math.min(hits.length - 1, i + 1));
    } else if (e.key === "ArrowUp" && hits.length > 0) {
      e.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (e.key === "Enter" && hits.length > 0) {
      e.preventDefault();
      open(hits[Math.min(active, hits.length - 1)]);
    }
  };

  // Keep the active hit in view while stepping with the arrows.
  useEffect(() => {
    const el = document.getElementById(`hit-${active}`);
    if (el && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "nearest" });
  }, [active]);

  const libraryEmpty = videos != null && videos.length === 0;
  return (
    <section className="view view-search" aria-labelledby="search-title">
      <h1 id="search-title" className="visually-hidden">
        Search
      </h1>
      <div className="search-box">
        <SearchIcon />
        <input
          ref={inputRef}
          type="search"
          placeholder="Search what was said or shown… or drop a picture"
          aria-label="Search"
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls="search-hits"
          aria-activedescendant={hits.length > 0 ? `hit-${active}` : undefined}
          value={query}
          onChange={(e) => onQueryChange(e.target.value)}
          onKeyDown={onKeyDown}
          spellCheck={false}
          autoComplete="off"
        />
        {searching ? <span className="spinner" role="status" aria-label="Searching" /> : <kbd className="kbd">{modKey} K</kbd>}
      </div>

      {notice && (
        <p className="notice notice-info search-notice" role="status">
          {notice}
        </p>
      )}

      <div className="search-body">
        {notices.map((n) => (
          <p key={n} className="notice notice-info" role="status" data-kind="model-notice">
            {n}
          </p>
        ))}
        {inPicture && picture && (
          <div className="results-header">
            <div className="picture-query">
              <img src={convertFileSrc(picture)} alt="" />
              <div>
                <h2 className="section-title">Scenes that look like {baseName(picture)}</h2>
                {pictureNow && "results" in pictureNow && pictureNow.results.text && <p className="muted">The picture shows: {pictureNow.results.text}</p>}
              </div>
            </div>
            <button type="button" className="btn btn-ghost btn-small" onClick={onClearPicture}>
              Clear
            </button>
          </div>
        )}
        {inPicture && !pictureNow && (
          <div className="search-note" data-state="searching" role="status">
            <h2>Looking at the picture…</h2>
          </div>
        )}
        {pictureNow && "error" in pictureNow && (
          <p className="notice notice-error" role="alert">
            {pictureNow.error}
          </p>
        )}
        {pictureNow && "results" in pictureNow && hits.length === 0 && (
          <div className="search-note" data-state="empty" role="status">
            <h2>No scene looks like this picture yet</h2>
            <p>Scenes are compared once their pictures are indexed; add more videos to find more.</p>
          </div>
        )}
        {inSimilar && similar && (
          <div className="results-header">
            <h2 className="section-title">Scenes like {similar.label}</h2>
            <button type="button" className="btn btn-ghost btn-small" onClick={onClearSimilar}>
              Clear
            </button>
          </div>
        )}
        {similarNow && "error" in similarNow && (
          <p className="notice notice-error" role="alert">
            {similarNow.error}
          </p>
        )}
        {similarNow && "hits" in similarNow && hits.length === 0 && (
          <div className="search-note" data-state="empty" role="status">
            <h2>No other scene is like this one yet</h2>
            <p>Scenes are compared once they are indexed for search; add more videos to find more.</p>
          </div>
        )}

        {!q && !inSimilar && !inPicture && (
          <div className="search-note" data-state="idle">
            {libraryEmpty ? (
              <>
                <h2>Add videos to search them</h2>
                <p>
                  Your library is empty. Drop videos on this window or use <button type="button" className="link" onClick={onShowLibrary}>Add videos</button>;
                  once indexed, every scene is searchable here.
                </p>
              </>
            ) : (
              <>
                <h2>Find the moment</h2>
                <p>
                  Type words that were said, or describe what is shown: <em>“ask not what your country”</em>, <em>“a dog on the beach”</em>,{" "}
                  <em>“meeting march 2024”</em>. Drop a picture on the window to find scenes that look like it. Use <kbd className="kbd">↑</kbd> <kbd className="kbd">↓</kbd> and <kbd className="kbd">Enter</kbd> to
                  open a scene.
                </p>
              </>
            )}
          </div>
        )}

        {current && "error" in current && (
          <p className="notice notice-error" role="alert">
            {current.error}
          </p>
        )}

        {current && "results" in current && hits.length === 0 && (
          <div className="search-note" data-state="empty" role="status">
            <h2>No scene matches “{q}”</h2>
            <p>
              Try fewer or other words, or describe what is shown instead of what was said.
              {indexing > 0 && ` ${indexing} ${indexing === 1 ? "video is" : "videos are"} still being indexed; their scenes appear as they finish.`}
            </p>
          </div>
        )}

        {hits.length > 0 && (
          <div className="search-results">
            <div className="results-header">
              <h2 className="section-title">
                {hits.length} {hits.length === 1 ? "scene" : "scenes"}
                {!inSimilar && current && "results" in current && current.results.dateWords ? ` · ${current.results.dateWords}` : ""}
              </h2>
              <div className="view-actions">
                <button type="button" className="btn btn-ghost btn-small" onClick={() => void save("csv")}>
                  <DownloadIcon /> CSV
                </button>
                <button type="button" className="btn btn-ghost btn-small" onClick={() => void save("edl")} title="Edit decision list (CMX 3600) for video editors">
                  <DownloadIcon /> EDL
                </button>
              </div>
            </div>
            <ul className="hit-list" id="search-hits" role="listbox" aria-label="Scenes found">
              {hits.map((h, i) => (
                <HitRow key={`${h.videoId}-${h.sceneIdx}`} id={`hit-${i}`} hit={h} active={i === active} onOpen={open} onHover={() => setActive(i)} onCopy={(x) => void copy(x)} />
              ))}
            </ul>
          </div>
        )}

        {teamNow && (
          <div className="search-results" data-kind="team-results">
            <h2 className="section-title">With your team</h2>
            {"error" in teamNow ? (
              <p className="notice notice-error" role="alert">
                {teamNow.error}
              </p>
            ) : (
              <>
                {teamNow.results.notice && (
                  <p className="notice notice-info" role="status">
                    {teamNow.results.notice}
                  </p>
                )}
                <ul className="result-list" aria-label="Scenes found here and on the team">
                  {teamNow.results.hits.map((h) => (
                    <li key={`${h.origin}-${h.fileName}-${h.sceneIndex}`}>
                      <button
                        type="button"
                        className="result result-team"
                        disabled={h.videoId == null}
                        title={h.videoId == null ? "This scene's video is not in this library" : undefined}
                        onClick={() => h.videoId != null && onOpen(h.videoId, h.startSecs ?? 0)}
                      >
                        <span className={`badge badge-${h.origin}`}>{ORIGIN_LABEL[h.origin]}</span>
                        <span className="result-name">{h.fileName}</span>
                        <span className="muted">
                          {formatPosition(h.startSecs)}–{formatPosition(h.endSecs)} · scene {h.sceneIndex + 1}
                        </span>
                        {h.text && <span className="muted result-text">{h.text.slice(0, 140)}</span>}
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}

        {q && byName.length > 0 && (
          <div className="search-results">
            <h2 className="section-title">Videos named like “{q}”</h2>
            <ul className="result-list">
              {byName.map((v) => (
                <li key={v.id}>
                  <button type="button" className="result" onClick={() => onOpen(v.id, 0)}>
                    <span className="result-name">{v.fileName}</span>
                    <span className="muted">{formatDuration(v.durationSecs)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}

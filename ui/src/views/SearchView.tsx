import { useMemo, useState, type RefObject } from "react";
import { SearchIcon } from "../components/Icons";
import { useLibrary } from "../hooks/useLibrary";
import { formatDuration } from "../lib/format";
import { modKey } from "../lib/platform";

interface Props {
  inputRef: RefObject<HTMLInputElement | null>;
  onShowLibrary: () => void;
}

/** The search box. Scene search arrives with the indexing of text; until then the box finds
 *  videos by file name, and says so. */
export function SearchView({ inputRef, onShowLibrary }: Props) {
  const { videos } = useLibrary();
  const [query, setQuery] = useState("");
  const q = query.trim().toLowerCase();
  const byName = useMemo(() => (q && videos ? videos.filter((v) => v.fileName.toLowerCase().includes(q)) : []), [q, videos]);

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
          placeholder="Search what was said or shown…"
          aria-label="Search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setQuery("");
          }}
          spellCheck={false}
          autoComplete="off"
        />
        <kbd className="kbd">{modKey} K</kbd>
      </div>

      <div className="search-body">
        <div className="search-note" role="status">
          <h2>Search arrives with indexing of text</h2>
          <p>
            Once speech and on-screen text are indexed, typing here finds the moment in any video, with the words highlighted. For now,
            the box matches file names.
          </p>
        </div>

        {q && (
          <div className="search-results">
            <h2 className="section-title">Videos named like “{query.trim()}”</h2>
            {byName.length === 0 ? (
              <p className="muted">No video name contains that. Check the spelling, or add the video to the library.</p>
            ) : (
              <ul className="result-list">
                {byName.map((v) => (
                  <li key={v.id}>
                    <button type="button" className="result" onClick={onShowLibrary}>
                      <span className="result-name">{v.fileName}</span>
                      <span className="muted">{formatDuration(v.durationSecs)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
    </section>
  );
}

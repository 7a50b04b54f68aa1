import { useCallback, useEffect, useRef, useState } from "react";
import { AccountButton } from "./components/AccountButton";
import { DropOverlay } from "./components/DropOverlay";
import { LibraryIcon, SearchIcon, SettingsIcon } from "./components/Icons";
import { StatusFooter } from "./components/StatusFooter";
import { useAddVideos } from "./hooks/useAddVideos";
import { LibraryProvider } from "./hooks/useLibrary";
import { useTheme } from "./hooks/useTheme";
import { api } from "./lib/api";
import { hasMod, modKey } from "./lib/platform";
import type { TeamView } from "./bindings";
import { LibraryView } from "./views/LibraryView";
import { PlayerView } from "./views/PlayerView";
import { SearchView, type SimilarTo } from "./views/SearchView";
import { SettingsView } from "./views/SettingsView";

export type ViewName = "library" | "search" | "settings" | "player";

/** What the player shows, and where Esc goes back to. */
interface PlayerTarget {
  videoId: string;
  startSecs: number;
  from: ViewName;
  /** Changes on every open, so opening the same hit again seeks again. */
  key: number;
}

const BACK_LABEL: Record<ViewName, string> = { library: "Library", search: "Results", settings: "Settings", player: "Back" };

const NAV: { view: Exclude<ViewName, "player">; label: string; keys: string; Icon: () => React.JSX.Element }[] = [
  { view: "library", label: "Library", keys: `${modKey} 1`, Icon: LibraryIcon },
  { view: "search", label: "Search", keys: `${modKey} K`, Icon: SearchIcon },
  { view: "settings", label: "Settings", keys: `${modKey} ,`, Icon: SettingsIcon },
];

function Shell() {
  const [view, setView] = useState<ViewName>("library");
  const [player, setPlayer] = useState<PlayerTarget | null>(null);
  const [query, setQuery] = useState("");
  const [similar, setSimilar] = useState<SimilarTo | null>(null);
  const [picture, setPicture] = useState<string | null>(null);
  const [theme, setTheme] = useTheme();
  const [team, setTeam] = useState<TeamView | null>(null);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const { addFiles } = useAddVideos();
  const showLibrary = useCallback(() => setView("library"), []);
  const openVideo = useCallback(
    (videoId: string, startSecs: number) => {
      setPlayer((p) => ({ videoId, startSecs, from: view === "player" ? (p?.from ?? "library") : view, key: (p?.key ?? 0) + 1 }));
      setView("player");
    },
    [view],
  );
  const openTeam = useCallback(() => {
    setView("settings");
    // The Team panel mounts with the settings view; bring it into sight.
    requestAnimationFrame(() => document.getElementById("team")?.scrollIntoView?.({ block: "nearest" }));
  }, []);
  const closePlayer = useCallback(() => setView(player?.from ?? "library"), [player]);
  const showSimilar = useCallback((to: SimilarTo) => {
    setSimilar(to);
    setPicture(null);
    setQuery("");
    setView("search");
  }, []);
  const showPicture = useCallback((path: string) => {
    setPicture(path);
    setSimilar(null);
    setQuery("");
    setView("search");
  }, []);
  const clearPicture = useCallback(() => setPicture(null), []);
  const changeQuery = useCallback((q: string) => {
    setQuery(q);
    if (q.trim()) {
      setSimilar(null);
      setPicture(null);
    }
  }, []);

  // Who is signed in, for the sidebar (the Team panel keeps it current while it is open).
  useEffect(() => {
    let live = true;
    api.getTeam().then(
      (t) => live && t && setTeam(t),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  // Keyboard first: Ctrl/Cmd+K search, +1 library, +, settings, +O add videos.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!hasMod(e) || e.altKey) return;
      const key = e.key.toLowerCase();
      if (key === "k") {
        e.preventDefault();
        setView("search");
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (key === "1") {
        e.preventDefault();
        setView("library");
      } else if (key === ",") {
        e.preventDefault();
        setView("settings");
      } else if (key === "o") {
        e.preventDefault();
        void addFiles();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [addFiles]);

  // Focus the box once the search view is mounted (after Ctrl+K or a click on Search).
  useEffect(() => {
    if (view === "search") {
      searchRef.current?.focus();
    }
  }, [view]);

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="/icon.png" alt="" className="brand-mark" />
          <span>Heimdex</span>
        </div>
        <ul className="nav-list">
          {NAV.map(({ view: v, label, keys, Icon }) => (
            <li key={v}>
              <button
                type="button"
                className={view === v ? "nav-item nav-item-on" : "nav-item"}
                aria-current={view === v ? "page" : undefined}
                onClick={() => setView(v)}
              >
                <Icon />
                <span className="nav-label">{label}</span>
                <kbd className="kbd nav-kbd">{keys}</kbd>
              </button>
            </li>
          ))}
        </ul>
        <AccountButton team={team} onOpen={openTeam} />
        <StatusFooter />
      </nav>
      <main className="content">
        {view === "library" && <LibraryView onOpen={openVideo} />}
        {view === "search" && <SearchView
            inputRef={searchRef}
            onShowLibrary={showLibrary}
            onOpen={openVideo}
            query={query}
            onQueryChange={changeQuery}
            similar={similar}
            onClearSimilar={() => setSimilar(null)}
            picture={picture}
            onClearPicture={clearPicture}
          />}
        {view === "player" && player && (
          <PlayerView
            key={player.key}
            videoId={player.videoId}
            startSecs={player.startSecs}
            backLabel={BACK_LABEL[player.from]}
            onBack={closePlayer}
            onSimilar={showSimilar}
          />
        )}
        {view === "settings" && <SettingsView theme={theme} onThemeChange={setTheme} onTeamChange={setTeam} />}
      </main>
      <DropOverlay onDropped={showLibrary} onPicture={showPicture} />
    </div>
  );
}

export function App() {
  return (
    <LibraryProvider>
      <Shell />
    </LibraryProvider>
  );
}

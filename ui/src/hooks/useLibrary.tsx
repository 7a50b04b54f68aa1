import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { events, type ImportSummary, type VideoView } from "../bindings";
import { api } from "../lib/api";
import { describeUnknown } from "../lib/errors";
import { applyEvent, type LiveMap } from "./library-store";

/** A message shown above the grid until dismissed. */
export interface Notice {
  id: number;
  tone: "error" | "info";
  text: string;
}

export interface LibraryContextValue {
  /** `null` until the first list arrives. */
  videos: VideoView[] | null;
  live: LiveMap;
  /** Why the list could not be loaded. */
  loadError: string | null;
  notices: Notice[];
  dismissNotice: (id: number) => void;
  importPaths: (paths: string[]) => Promise<ImportSummary | null>;
  cancel: (id: string) => Promise<void>;
  retry: (id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  reload: () => void;
}

const LibraryContext = createContext<LibraryContextValue | null>(null);

/** Reloads coalesce: one list call per this many ms at most while events pour in. */
const RELOAD_DELAY_MS = 120;

export function LibraryProvider({ children }: { children: ReactNode }) {
  const [videos, setVideos] = useState<VideoView[] | null>(null);
  const [live, setLive] = useState<LiveMap>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const nextNotice = useRef(1);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const liveRef = useRef<LiveMap>({});

  const notify = useCallback((tone: Notice["tone"], text: string) => {
    const id = nextNotice.current++;
    setNotices((n) => [...n.slice(-4), { id, tone, text }]);
  }, []);

  const load = useCallback(
    () =>
      api.listVideos().then(
        (list) => {
          setVideos(list);
          setLoadError(null);
        },
        (e: unknown) => {
          setLoadError(describeUnknown(e));
          setVideos((v) => v ?? []);
        },
      ),
    [],
  );

  const reload = useCallback(() => {
    if (reloadTimer.current) return;
    reloadTimer.current = setTimeout(() => {
      reloadTimer.current = null;
      void load();
    }, RELOAD_DELAY_MS);
  }, [load]);

  useEffect(() => {
    let disposed = false;
    let unlisten: (() => void) | undefined;
    void load();
    events.libraryEvent
      .listen((e) => {
        const effect = applyEvent(liveRef.current, e.payload);
        liveRef.current = effect.live;
        setLive(effect.live);
        if (effect.reload) reload();
      })
      .then((u) => {
        if (disposed) u();
        else unlisten = u;
      })
      .catch((e: unknown) => setLoadError(describeUnknown(e)));
    return () => {
      disposed = true;
      unlisten?.();
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
      reloadTimer.current = null;
    };
  }, [load, reload]);

  const importPaths = useCallback(
    async (paths: string[]) => {
      if (paths.length === 0) return null;
      try {
        const summary = await api.importPaths(paths);
        for (const f of summary.failed) notify("error", `${f.path}: ${f.error}`);
        for (const d of summary.duplicates) notify("info", `${d.path} is a copy of ${d.of}: not indexed twice.`);
        if (summary.added.length === 0 && summary.known.length > 0 && summary.failed.length === 0 && summary.duplicates.length === 0) {
          notify("info", summary.known.length === 1 ? "That video is already in the library." : "Those videos are already in the library.");
        } else if (summary.added.length === 0 && summary.known.length === 0 && summary.failed.length === 0) {
          notify("info", "No videos were found there.");
        }
        void load();
        return summary;
      } catch (e) {
        notify("error", describeUnknown(e));
        return null;
      }
    },
    [load, notify],
  );

  const act = useCallback(
    async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        notify("error", describeUnknown(e));
      }
      void load();
    },
    [load, notify],
  );

  const value = useMemo<LibraryContextValue>(
    () => ({
      videos,
      live,
      loadError,
      notices,
      dismissNotice: (id) => setNotices((n) => n.filter((x) => x.id !== id)),
      importPaths,
      cancel: (id) => act(() => api.cancelVideo(id)),
      retry: (id) => act(() => api.retryVideo(id)),
      remove: (id) => act(() => api.removeVideo(id)),
      reload,
    }),
    [videos, live, loadError, notices, importPaths, act, reload],
  );

  return <LibraryContext.Provider value={value}>{children}</LibraryContext.Provider>;
}

export function useLibrary(): LibraryContextValue {
  const ctx = useContext(LibraryContext);
  if (!ctx) throw new Error("useLibrary outside LibraryProvider");
  return ctx;
}

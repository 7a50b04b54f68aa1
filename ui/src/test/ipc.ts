import { mockConvertFileSrc, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { ProviderView, SearchHitView, SearchResultsView, Settings, VideoDetail, VideoView } from "../bindings";
import { detail as defaultDetail, settings as defaultSettings } from "./fixtures";

export interface Backend {
  videos: VideoView[];
  settings: Settings;
  detail: VideoDetail;
  provider: ProviderView;
  /** Answers a search: results, or a thrown error value. */
  search: (query: string) => SearchResultsView;
  /** Answers "more like this". */
  similar: (args: { videoId: string; sceneIdx: number }) => SearchHitView[];
  /** What the save dialog returns. */
  savePath: string | null;
  calls: { cmd: string; args: unknown }[];
}

export const noResults = (query: string): SearchResultsView => ({ queryId: 1, text: query, dateWords: null, hits: [], signals: ["bm25"], tookMs: 1 });

/** Mocks the IPC edge: the generated commands reach this fake backend; events are mocked too. */
export function mockBackend(videos: VideoView[], overrides: Partial<Backend> = {}): Backend {
  const backend: Backend = {
    videos,
    settings: defaultSettings,
    detail: defaultDetail,
    provider: { kind: "local", baseUrl: null, hasKey: false, keychainError: null },
    search: noResults,
    similar: () => [],
    savePath: "/home/me/out.file",
    calls: [],
    ...overrides,
  };
  mockWindows("main");
  mockConvertFileSrc("linux");
  mockIPC(
    (cmd, args) => {
      backend.calls.push({ cmd, args });
      switch (cmd) {
        case "list_videos":
          return backend.videos;
        case "get_settings":
          return backend.settings;
        case "set_concurrency": {
          const { concurrency } = args as { concurrency: number };
          backend.settings = { ...backend.settings, concurrency };
          return backend.settings;
        }
        case "import_paths":
          return { added: ["dddddddddddddddd"], known: [], failed: [] };
        case "cancel_video":
        case "retry_video":
        case "remove_video":
          return null;
        case "plugin:dialog|open":
          return ["/videos/new.mp4"];
        case "plugin:dialog|save":
          return backend.savePath;
        case "get_video":
          return backend.detail;
        case "similar":
          return backend.similar(args as { videoId: string; sceneIdx: number });
        case "search":
          return backend.search((args as { query: string }).query);
        case "log_opened":
        case "export_transcript":
        case "export_list":
          return null;
        case "choose_folder": {
          const a = args as { which: "library" | "models"; path: string | null };
          const now = a.which === "library" ? backend.settings.dataDir : backend.settings.modelDir;
          const next = a.path === now ? null : a.path;
          backend.settings = a.which === "library" ? { ...backend.settings, nextDataDir: next } : { ...backend.settings, nextModelDir: next };
          return backend.settings;
        }
        case "get_provider":
          return backend.provider;
        case "set_provider": {
          const a = args as { kind: ProviderView["kind"]; baseUrl: string | null; apiKey: string | null };
          backend.provider = {
            ...backend.provider,
            kind: a.kind,
            baseUrl: a.baseUrl,
            hasKey: a.apiKey == null ? backend.provider.hasKey : a.apiKey !== "",
          };
          return backend.provider;
        }
        default:
          return undefined;
      }
    },
    { shouldMockEvents: true },
  );
  return backend;
}

export const callsOf = (b: Backend, cmd: string) => b.calls.filter((c) => c.cmd === cmd);

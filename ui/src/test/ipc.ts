import { mockConvertFileSrc, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { ProviderView, SearchHitView, SearchResultsView, Settings, TeamResultsView, TeamView, VideoDetail, VideoView } from "../bindings";
import { detail as defaultDetail, settings as defaultSettings } from "./fixtures";

export interface Backend {
  videos: VideoView[];
  settings: Settings;
  detail: VideoDetail;
  provider: ProviderView;
  team: TeamView;
  /** The password the fake sign-in server accepts. */
  password: string;
  /** Answers a search: results, or a thrown error value. */
  search: (query: string) => SearchResultsView;
  /** Answers "more like this". */
  similar: (args: { videoId: string; sceneIdx: number }) => SearchHitView[];
  /** Answers a picture query. */
  searchImage: (path: string) => SearchResultsView;
  /** Answers a team search (local and team hits merged). */
  searchTeam: (query: string) => TeamResultsView;
  /** What the save dialog returns. */
  savePath: string | null;
  calls: { cmd: string; args: unknown }[];
}

export const signedOut: TeamView = {
  serverUrl: null,
  hasAnonKey: false,
  user: null,
  keychainError: null,
  backend: null,
  syncing: false,
  pending: 0,
  failed: 0,
  lastPushMs: null,
  lastError: null,
  signingIn: false,
};

export const noResults = (query: string): SearchResultsView => ({ queryId: 1, text: query, dateWords: null, hits: [], signals: ["bm25"], tookMs: 1, notices: [] });

/** Mocks the IPC edge: the generated commands reach this fake backend; events are mocked too. */
export function mockBackend(videos: VideoView[], overrides: Partial<Backend> = {}): Backend {
  const backend: Backend = {
    videos,
    settings: defaultSettings,
    detail: defaultDetail,
    provider: { kind: "local", baseUrl: null, hasKey: false, keychainError: null, captionModel: null, defaultCaptionModel: "gpt-4o-mini", maxRequests: 0, requestsMade: 0 },
    team: signedOut,
    password: "correct horse",
    search: noResults,
    similar: () => [],
    searchImage: (path) => noResults(path),
    searchTeam: () => ({ hits: [], notice: null }),
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
          return { added: ["dddddddddddddddd"], known: [], duplicates: [], failed: [] };
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
        case "search_image":
          return backend.searchImage((args as { path: string }).path);
        case "search_team":
          return backend.searchTeam((args as { query: string }).query);
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
          const a = args as { kind: ProviderView["kind"]; baseUrl: string | null; apiKey: string | null; captionModel: string | null; maxRequests: number | null };
          backend.provider = {
            ...backend.provider,
            kind: a.kind,
            baseUrl: a.baseUrl,
            hasKey: a.apiKey == null ? backend.provider.hasKey : a.apiKey !== "",
            captionModel: a.captionModel == null ? (backend.provider.captionModel ?? null) : a.captionModel || null,
            maxRequests: a.maxRequests ?? backend.provider.maxRequests,
          };
          return backend.provider;
        }
        case "get_team":
          return backend.team;
        case "set_sign_in_server": {
          const a = args as { url: string; anonKey: string };
          backend.team = { ...backend.team, serverUrl: a.url, hasAnonKey: backend.team.hasAnonKey || a.anonKey !== "" };
          return backend.team;
        }
        case "sign_in_with_password": {
          const a = args as { email: string; password: string };
          if (a.password !== backend.password) throw { type: "SignIn", data: { reason: "sign-in refused: Invalid login credentials" } };
          backend.team = { ...backend.team, user: { id: "6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f", email: a.email }, syncing: backend.team.backend != null };
          return backend.team;
        }
        case "sign_out":
          backend.team = { ...backend.team, user: null, syncing: false };
          return backend.team;
        case "sync_now":
          backend.team = { ...backend.team, pending: 0, lastPushMs: Date.now() };
          return backend.team;
        case "set_team_backend": {
          const a = args as { kind: string; url: string; team: string | null; secret: string | null; prepare: boolean };
          if (a.secret === "wrong") throw { type: "Sync", data: { reason: "Qdrant refused the API key (invalid api key): run `heimdex sync setup --qdrant URL` again with the right key" } };
          backend.team = { ...backend.team, backend: `${a.kind} ${a.url}`, pending: 12, syncing: backend.team.user != null };
          return backend.team;
        }
        case "turn_off_team_sync":
          backend.team = { ...backend.team, backend: null, pending: 0, syncing: false };
          return backend.team;
        default:
          return undefined;
      }
    },
    { shouldMockEvents: true },
  );
  return backend;
}

export const callsOf = (b: Backend, cmd: string) => b.calls.filter((c) => c.cmd === cmd);

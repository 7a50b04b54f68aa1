import type { SearchHitView, SearchResultsView, Settings, StageView, VideoDetail, VideoView } from "../bindings";

const stage = (s: StageView["stage"], state: StageView["state"], extra: Partial<StageView> = {}): StageView => ({
  stage: s,
  state,
  attempts: state === "queued" ? 0 : 1,
  error: null,
  progress: null,
  ...extra,
});

export function video(overrides: Partial<VideoView> = {}): VideoView {
  return {
    id: "aaaaaaaaaaaaaaaa",
    fileName: "beach.mp4",
    path: "/videos/beach.mp4",
    sizeBytes: 12_400_000,
    durationSecs: 24.02,
    width: 1280,
    height: 720,
    hasAudio: true,
    status: "ready",
    error: null,
    stages: [stage("poster", "done"), stage("scenes", "done")],
    posterPath: null,
    importedAtMs: 1_700_000_000_000,
    ...overrides,
  };
}

export const indexing = video({
  id: "bbbbbbbbbbbbbbbb",
  fileName: "interview.mov",
  path: "/videos/interview.mov",
  status: "indexing",
  stages: [stage("poster", "done"), stage("scenes", "running", { progress: 0.25 })],
  importedAtMs: 1_700_000_000_500,
});

export const failed = video({
  id: "cccccccccccccccc",
  fileName: "broken.mkv",
  path: "/videos/broken.mkv",
  status: "failed",
  error: "scenes: the video stream could not be decoded",
  stages: [stage("poster", "done"), stage("scenes", "failed", { error: "the video stream could not be decoded" })],
  importedAtMs: 1_700_000_000_900,
});

export const settings: Settings = {
  dataDir: "/home/me/.local/share/heimdex",
  cacheDir: "/home/me/.cache/heimdex",
  modelDir: "/home/me/.local/share/heimdex/models",
  nextDataDir: null,
  nextModelDir: null,
  dataDirFromEnv: false,
  modelDirFromEnv: false,
  canChooseDirs: true,
  models: [{ name: "whisper-tiny.en", purpose: "Speech to text", installed: false, path: "/m/whisper-tiny.en" }],
  concurrency: 1,
  maxConcurrency: 4,
  version: "0.1.0",
};

export const detail: VideoDetail = {
  video: video(),
  mediaUrl: "http://127.0.0.1:40000/token/video/aaaaaaaaaaaaaaaa",
  mediaError: null,
  fps: 30,
  scenes: [
    { idx: 0, startSecs: 0, endSecs: 1, thumbnailPath: "/cache/t0.jpg", keyframePath: "/cache/k0.jpg" },
    { idx: 1, startSecs: 1, endSecs: 6, thumbnailPath: "/cache/t1.jpg", keyframePath: "/cache/k1.jpg" },
    { idx: 2, startSecs: 6, endSecs: 13.1, thumbnailPath: null, keyframePath: null },
    { idx: 3, startSecs: 13.1, endSecs: 24.02, thumbnailPath: "/cache/t3.jpg", keyframePath: "/cache/k3.jpg" },
  ],
  transcript: [
    { startSecs: 0.5, endSecs: 4, text: "And so, my fellow Americans," },
    { startSecs: 6.2, endSecs: 11, text: "ask not what your country can do for you" },
  ],
  transcriptLanguage: "en",
};

export function hit(overrides: Partial<SearchHitView> = {}): SearchHitView {
  return {
    videoId: "aaaaaaaaaaaaaaaa",
    fileName: "beach.mp4",
    path: "/videos/beach.mp4",
    sceneIdx: 2,
    startSecs: 6,
    endSecs: 13.1,
    thumbnailPath: "/cache/t2.jpg",
    videoDate: "2023-07-14",
    snippet: [
      { text: "ask not what your ", hit: false },
      { text: "country", hit: true },
      { text: " can do for you", hit: false },
    ],
    scores: { fused: 0.0325, bm25: 3.2, text: 0.52, image: null, picture: null },
    seen: [],
    ...overrides,
  } as SearchHitView;
}

export function results(query: string, hits: SearchHitView[]): SearchResultsView {
  return { queryId: 7, text: query, dateWords: null, hits, signals: ["bm25", "text_vector"], tookMs: 3, notices: [] };
}

import type { Settings, StageView, VideoView } from "../bindings";

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
  models: [{ name: "whisper-tiny.en", purpose: "Speech to text", installed: false, path: "/m/whisper-tiny.en" }],
  concurrency: 1,
  maxConcurrency: 4,
  version: "0.1.0",
};

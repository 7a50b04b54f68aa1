// PROVISIONAL (hand-written until the Rust test generates it).
import { invoke as TAURI_INVOKE } from "@tauri-apps/api/core";
import * as __TAURI_EVENT from "@tauri-apps/api/event";

async function typedError<T, E>(result: Promise<T>): Promise<{ status: "ok"; data: T } | { status: "error"; error: E }> {
  try {
    return { status: "ok", data: await result };
  } catch (e) {
    if (e instanceof Error) throw e;
    return { status: "error", error: e as any };
  }
}

export const commands = {
  listVideos: () => typedError<VideoView[], AppError>(TAURI_INVOKE("list_videos")),
  importPaths: (paths: string[]) => typedError<ImportSummary, AppError>(TAURI_INVOKE("import_paths", { paths })),
  cancelVideo: (id: string) => typedError<null, AppError>(TAURI_INVOKE("cancel_video", { id })),
  retryVideo: (id: string) => typedError<null, AppError>(TAURI_INVOKE("retry_video", { id })),
  removeVideo: (id: string) => typedError<null, AppError>(TAURI_INVOKE("remove_video", { id })),
  getSettings: () => typedError<Settings, AppError>(TAURI_INVOKE("get_settings")),
  setConcurrency: (concurrency: number) => typedError<Settings, AppError>(TAURI_INVOKE("set_concurrency", { concurrency })),
};

export const events = {
  libraryEvent: {
    listen: (cb: __TAURI_EVENT.EventCallback<LibraryEvent>) => __TAURI_EVENT.listen("library-event", cb),
  },
};

export type AppError =
  | { type: "Starting" }
  | { type: "LibraryUnavailable"; data: { path: string; reason: string } }
  | { type: "VideoNotFound"; data: { id: string } }
  | { type: "Import"; data: { path: string; reason: string } }
  | { type: "Database"; data: { reason: string } }
  | { type: "InvalidSetting"; data: { name: string; value: string; reason: string } };
export type StageName = "poster" | "scenes" | "speech" | "embed";
export type JobStateName = "queued" | "running" | "done" | "failed" | "cancelled";
export type VideoStatusName = "queued" | "indexing" | "ready" | "failed" | "cancelled";
export type UnitName = "frames" | "seconds" | "bytes" | "items";
export type StageView = { stage: StageName; state: JobStateName; attempts: number; error: string | null; progress: number | null };
export type VideoView = {
  id: string; fileName: string; path: string; sizeBytes: number; durationSecs: number; width: number; height: number; hasAudio: boolean;
  status: VideoStatusName; error: string | null; stages: StageView[]; posterPath: string | null; importedAtMs: number;
};
export type ImportFailure = { path: string; error: string };
export type ImportSummary = { added: string[]; known: string[]; failed: ImportFailure[] };
export type ModelStatus = { name: string; purpose: string; installed: boolean; path: string };
export type Settings = { dataDir: string; cacheDir: string; modelDir: string; models: ModelStatus[]; concurrency: number; maxConcurrency: number; version: string };
export type JobUpdate =
  | { kind: "started"; attempt: number }
  | { kind: "progress"; done: number; total: number | null; unit: UnitName; etaSecs: number | null; message: string | null }
  | { kind: "done"; secs: number }
  | { kind: "failed"; error: string; retryInSecs: number | null }
  | { kind: "cancelled" };
export type LibraryEvent =
  | { type: "videoImported"; video: string; path: string; moved: boolean }
  | { type: "importFailed"; path: string; error: string }
  | { type: "videoRemoved"; video: string }
  | { type: "job"; video: string; name: string; stage: StageName; update: JobUpdate }
  | { type: "idle" }
  | { type: "resync" };

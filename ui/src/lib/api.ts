import { commands, type AppError } from "../bindings";
import { CommandError } from "./errors";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/** Awaits a generated command and returns its data, throwing a `CommandError` on failure. */
export async function call<T>(pending: Promise<Outcome<T>>): Promise<T> {
  const result = await pending;
  if (result.status === "error") {
    // Framework failures (unknown command, denied by the capabilities) arrive as plain strings.
    const e: unknown = result.error;
    if (typeof e === "string" || typeof e !== "object" || e === null || !("type" in e)) throw new Error(String(e));
    throw new CommandError(result.error);
  }
  return result.data;
}

/** The commands, returning data and throwing `CommandError`. */
export const api = {
  listVideos: () => call(commands.listVideos()),
  importPaths: (paths: string[]) => call(commands.importPaths(paths)),
  cancelVideo: (id: string) => call(commands.cancelVideo(id)),
  retryVideo: (id: string) => call(commands.retryVideo(id)),
  removeVideo: (id: string) => call(commands.removeVideo(id)),
  getSettings: () => call(commands.getSettings()),
  setConcurrency: (n: number) => call(commands.setConcurrency(n)),
};

/** Extensions offered by the "Add videos" dialog. */
export const VIDEO_EXTENSIONS = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "mts", "m2ts", "mpg", "mpeg", "wmv", "flv", "3gp", "ts"];

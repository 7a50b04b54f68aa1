import { commands, type AppError, type ExportClip, type FolderKind, type ListFormat, type ProviderKind, type TranscriptFormat } from "../bindings";
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
  getVideo: (id: string) => call(commands.getVideo(id)),
  search: (query: string, limit: number | null = null) => call(commands.search(query, limit)),
  searchImage: (path: string, limit: number | null = null) => call(commands.searchImage(path, limit)),
  searchTeam: (query: string, limit: number | null = null) => call(commands.searchTeam(query, limit)),
  similar: (videoId: string, sceneIdx: number, limit: number | null = null) => call(commands.similar(videoId, sceneIdx, limit)),
  logOpened: (queryId: number, videoId: string, sceneIdx: number) => call(commands.logOpened(queryId, videoId, sceneIdx)),
  exportTranscript: (videoId: string, format: TranscriptFormat, path: string) => call(commands.exportTranscript(videoId, format, path)),
  exportList: (title: string, clips: ExportClip[], format: ListFormat, path: string) => call(commands.exportList(title, clips, format, path)),
  chooseFolder: (which: FolderKind, path: string | null) => call(commands.chooseFolder(which, path)),
  restartApp: () => call(commands.restartApp()),
  getProvider: () => call(commands.getProvider()),
  setProvider: (kind: ProviderKind, baseUrl: string | null, apiKey: string | null, captionModel: string | null, maxRequests: number | null) =>
    call(commands.setProvider(kind, baseUrl, apiKey, captionModel, maxRequests)),
  getTeam: () => call(commands.getTeam()),
  setSignInServer: (url: string, anonKey: string) => call(commands.setSignInServer(url, anonKey)),
  signInWithPassword: (email: string, password: string) => call(commands.signInWithPassword(email, password)),
  signInWithBrowser: (provider: string) => call(commands.signInWithBrowser(provider)),
  cancelSignIn: () => call(commands.cancelSignIn()),
  signOut: () => call(commands.signOut()),
  syncNow: () => call(commands.syncNow()),
  setTeamBackend: (kind: "postgres" | "qdrant", url: string, team: string | null, secret: string | null, prepare: boolean) =>
    call(commands.setTeamBackend(kind, url, team, secret, prepare)),
  turnOffTeamSync: () => call(commands.turnOffTeamSync()),
};

/** Pictures that can be dropped on the window as a query ("scenes that look like this"). */
export const PICTURE_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "bmp", "gif"];

/** Whether a dropped path is a picture (by its extension). */
export function isPicturePath(path: string): boolean {
  const ext = path.split(/[\\/]/).pop()?.split(".").pop()?.toLowerCase() ?? "";
  return PICTURE_EXTENSIONS.includes(ext);
}

/** Extensions offered by the "Add videos" dialog. */
export const VIDEO_EXTENSIONS = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "mts", "m2ts", "mpg", "mpeg", "wmv", "flv", "3gp", "ts"];

import type { AppError } from "../bindings";
import { baseName } from "./format";

/** A command's typed error, thrown by `call` so components can `catch` it. */
export class CommandError extends Error {
  readonly error: AppError;
  constructor(error: AppError) {
    super(describeError(error));
    this.name = "CommandError";
    this.error = error;
  }
}

/** One sentence a user can act on, for each error the app can report. */
export function describeError(error: AppError): string {
  switch (error.type) {
    case "Starting":
      return "The library is still opening. Try again in a moment.";
    case "LibraryUnavailable":
      return `The library in ${error.data.path} could not be opened (${error.data.reason}). Check that the folder exists and is writable.`;
    case "VideoNotFound":
      return "That video is no longer in the library. It may have just been removed.";
    case "Import":
      return `${baseName(error.data.path)} could not be added: ${error.data.reason}.`;
    case "Library":
      return /[.!?]$/.test(error.data.reason) ? error.data.reason : `${error.data.reason}.`;
    case "Database":
      return `The library database failed (${error.data.reason}). Restart Heimdex; if it keeps happening, check the free disk space.`;
    case "InvalidSetting":
      return `${error.data.name} cannot be ${error.data.value}: ${error.data.reason}.`;
    case "Search":
      return `The search failed: ${error.data.reason}.`;
    case "Export":
      return `${baseName(error.data.path)} could not be saved: ${error.data.reason}. Choose another folder.`;
    case "SignIn":
      return `Signing in failed: ${error.data.reason}.`;
    case "Sync":
      return `Team sync failed: ${error.data.reason}. Your scenes stay queued and are pushed later.`;
    case "Keychain":
      return `The system keychain could not be used (${error.data.reason}). Unlock it, or install a Secret Service such as GNOME Keyring.`;
  }
}

/** A sentence for anything thrown: typed errors, plain errors, or IPC rejections (strings). */
export function describeUnknown(e: unknown): string {
  if (e instanceof CommandError) return e.message;
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  return "Something went wrong.";
}

/** A stage failure as stored by the library (`scenes: ffmpeg could not…`), as a sentence. */
export function describeStageError(raw: string): string {
  const text = raw.trim();
  const m = /^(poster|scenes|speech|vision|embed|caption):\s*(.*)$/s.exec(text);
  const sentence = (s: string) => {
    const t = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?]$/.test(t) ? t : `${t}.`;
  };
  if (!m) return sentence(text);
  const stage = { poster: "Making the poster", scenes: "Finding scenes", speech: "Transcribing speech", vision: "Looking at the pictures", embed: "Indexing for search", caption: "Captioning" }[
    m[1] as "poster" | "scenes" | "speech" | "vision" | "embed" | "caption"
  ];
  return `${stage} failed: ${sentence(m[2] || "unknown error")}`;
}

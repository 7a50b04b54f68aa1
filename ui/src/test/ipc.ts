import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { Settings, VideoView } from "../bindings";
import { settings as defaultSettings } from "./fixtures";

export interface Backend {
  videos: VideoView[];
  settings: Settings;
  calls: { cmd: string; args: unknown }[];
}

/** Mocks the IPC edge: the generated commands reach this fake backend; events are mocked too. */
export function mockBackend(videos: VideoView[], overrides: Partial<Backend> = {}): Backend {
  const backend: Backend = { videos, settings: defaultSettings, calls: [], ...overrides };
  mockWindows("main");
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
        default:
          return undefined;
      }
    },
    { shouldMockEvents: true },
  );
  return backend;
}

export const callsOf = (b: Backend, cmd: string) => b.calls.filter((c) => c.cmd === cmd);

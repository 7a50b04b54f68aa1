import { open } from "@tauri-apps/plugin-dialog";
import { useCallback } from "react";
import { VIDEO_EXTENSIONS } from "../lib/api";
import { useLibrary } from "./useLibrary";

/** Opens the native dialog for files (or a folder) and imports what was chosen. */
export function useAddVideos() {
  const { importPaths } = useLibrary();
  const addFiles = useCallback(async () => {
    const chosen = await open({
      title: "Add videos",
      multiple: true,
      directory: false,
      filters: [{ name: "Videos", extensions: VIDEO_EXTENSIONS }],
    });
    if (chosen) await importPaths(Array.isArray(chosen) ? chosen : [chosen]);
  }, [importPaths]);
  const addFolder = useCallback(async () => {
    const chosen = await open({ title: "Add a folder of videos", multiple: false, directory: true });
    if (chosen) await importPaths(Array.isArray(chosen) ? chosen : [chosen]);
  }, [importPaths]);
  return { addFiles, addFolder };
}

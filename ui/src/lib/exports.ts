import { save } from "@tauri-apps/plugin-dialog";
import type { ExportClip, ListFormat, SearchHitView, TranscriptFormat } from "../bindings";
import { api } from "./api";

const LIST_FORMATS: Record<ListFormat, { name: string; ext: string }> = {
  csv: { name: "CSV spreadsheet", ext: "csv" },
  edl: { name: "Edit decision list (CMX 3600)", ext: "edl" },
};

const TRANSCRIPT_FORMATS: Record<TranscriptFormat, { name: string; ext: string }> = {
  srt: { name: "SubRip subtitles", ext: "srt" },
  vtt: { name: "WebVTT subtitles", ext: "vtt" },
};

/** A file name from free text: no separators or control characters, not too long. */
export function safeFileName(text: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, " ").replace(/\s+/g, " ").trim().slice(0, 80);
  return cleaned || fallback;
}

/** The stem of a file name: `clip.mp4` → `clip`. */
function stem(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/** A hit as a row of an exported list. */
export function toExportClip(hit: SearchHitView): ExportClip {
  return {
    videoId: hit.videoId,
    fileName: hit.fileName,
    path: hit.path,
    sceneIdx: hit.sceneIdx,
    startSecs: hit.startSecs,
    endSecs: hit.endSecs,
    snippet: hit.snippet.map((p) => p.text).join(""),
    score: hit.scores.fused,
  };
}

/** Asks where to save, then writes the list there. Returns the path, or null when cancelled. */
export async function exportList(query: string, hits: SearchHitView[], format: ListFormat): Promise<string | null> {
  const f = LIST_FORMATS[format];
  const path = await save({
    title: `Export results as ${f.name}`,
    defaultPath: `${safeFileName(query, "results")}.${f.ext}`,
    filters: [{ name: f.name, extensions: [f.ext] }],
  });
  if (!path) return null;
  await api.exportList(`Heimdex: ${query}`, hits.map(toExportClip), format, path);
  return path;
}

/** Asks where to save, then writes the video's transcript there. */
export async function exportTranscript(videoId: string, fileName: string, format: TranscriptFormat): Promise<string | null> {
  const f = TRANSCRIPT_FORMATS[format];
  const path = await save({
    title: `Export the transcript as ${f.name}`,
    defaultPath: `${safeFileName(stem(fileName), "transcript")}.${f.ext}`,
    filters: [{ name: f.name, extensions: [f.ext] }],
  });
  if (!path) return null;
  await api.exportTranscript(videoId, format, path);
  return path;
}

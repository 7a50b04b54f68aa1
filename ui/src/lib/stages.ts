import type { StageName } from "../bindings";

/** Pipeline order. */
export const STAGES: StageName[] = ["poster", "scenes", "speech", "embed"];

export const STAGE_LABEL: Record<StageName, string> = {
  poster: "Poster",
  scenes: "Scenes",
  speech: "Speech",
  embed: "Search",
};

/** What a running stage is doing, as a verb phrase. */
export const STAGE_ACTIVITY: Record<StageName, string> = {
  poster: "Making poster",
  scenes: "Finding scenes",
  speech: "Transcribing",
  embed: "Indexing text",
};

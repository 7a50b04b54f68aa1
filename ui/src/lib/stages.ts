import type { StageName } from "../bindings";

/** Pipeline order. */
export const STAGES: StageName[] = ["poster", "scenes", "speech", "vision", "embed", "caption"];

export const STAGE_LABEL: Record<StageName, string> = {
  poster: "Poster",
  scenes: "Scenes",
  speech: "Speech",
  vision: "Vision",
  embed: "Search",
  caption: "Captions",
};

/** What a running stage is doing, as a verb phrase. */
export const STAGE_ACTIVITY: Record<StageName, string> = {
  poster: "Making poster",
  scenes: "Finding scenes",
  speech: "Transcribing",
  vision: "Looking at pictures",
  embed: "Indexing text",
  caption: "Captioning",
};

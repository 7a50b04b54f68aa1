import type { Stage } from "../bindings";

/** Pipeline order. */
export const STAGES: Stage[] = ["poster", "scenes", "speech", "vision", "embed", "caption"];

export const STAGE_LABEL: Record<Stage, string> = {
  poster: "Poster",
  scenes: "Scenes",
  speech: "Speech",
  vision: "Vision",
  embed: "Search",
  caption: "Captions",
};

/** What a running stage is doing, as a verb phrase. */
export const STAGE_ACTIVITY: Record<Stage, string> = {
  poster: "Making poster",
  scenes: "Finding scenes",
  speech: "Transcribing",
  vision: "Looking at pictures",
  embed: "Indexing text",
  caption: "Captioning",
};

import type { JobUpdate, LibraryEvent, Stage, VideoView } from "../bindings";

/** Live progress of one running stage, from events (fresher than the last list). */
export interface LiveProgress {
  fraction: number | null;
  etaSecs: number | null;
  message: string | null;
}

/** video id → stage → live progress. */
export type LiveMap = Record<string, Partial<Record<Stage, LiveProgress>>>;

/** What an event means for the list: reload it, or only update live progress. */
export type EventEffect = { reload: boolean; live: LiveMap };

function isTerminal(update: JobUpdate): boolean {
  return update.kind === "done" || update.kind === "failed" || update.kind === "cancelled";
}

/** Applies one library event to the live progress; says whether the list must be reloaded. */
export function applyEvent(live: LiveMap, event: LibraryEvent): EventEffect {
  switch (event.type) {
    case "job": {
      const { video, stage, update } = event;
      if (update.kind === "progress") {
        const fraction = update.total != null && update.total > 0 && update.done != null ? Math.min(1, Math.max(0, update.done / update.total)) : null;
        const next: LiveProgress = { fraction, etaSecs: update.eta_secs ?? null, message: update.message ?? null };
        return { reload: false, live: { ...live, [video]: { ...live[video], [stage]: next } } };
      }
      if (isTerminal(update) || update.kind === "started") {
        const stages = { ...live[video] };
        delete stages[stage];
        return { reload: true, live: { ...live, [video]: stages } };
      }
      return { reload: true, live };
    }
    case "video_removed": {
      const next = { ...live };
      delete next[event.video];
      return { reload: true, live: next };
    }
    case "idle":
      return { reload: true, live: {} };
    case "video_imported":
    case "import_failed":
    case "resync":
      return { reload: true, live };
  }
}

/** The running stage of a video and how far it is, live progress preferred. */
export function currentStage(video: VideoView, live: LiveMap): { stage: Stage; progress: LiveProgress } | null {
  const running = video.stages.find((s) => s.state === "running");
  if (!running) return null;
  const l = live[video.id]?.[running.stage];
  return {
    stage: running.stage,
    progress: l ?? { fraction: running.progress ?? null, etaSecs: null, message: null },
  };
}

/** Overall fraction of a video's pipeline: finished stages plus the running one's share. */
export function overallFraction(video: VideoView, live: LiveMap): number {
  if (video.stages.length === 0) return video.status === "ready" ? 1 : 0;
  let sum = 0;
  for (const s of video.stages) {
    if (s.state === "done") sum += 1;
    else if (s.state === "running") sum += live[video.id]?.[s.stage]?.fraction ?? s.progress ?? 0;
  }
  return sum / video.stages.length;
}

import { describe, expect, it } from "vitest";
import type { LibraryEvent } from "../bindings";
import { indexing } from "../test/fixtures";
import { applyEvent, currentStage, overallFraction } from "./library-store";

const progress = (done: number, etaSecs: number | null = null): LibraryEvent => ({
  type: "job",
  video: indexing.id,
  name: indexing.fileName,
  stage: "scenes",
  update: { kind: "progress", done, total: 200, unit: "frames", eta_secs: etaSecs, message: null },
});

describe("library store", () => {
  it("keeps live progress without reloading", () => {
    const { reload, live } = applyEvent({}, progress(100, 3));
    expect(reload).toBe(false);
    expect(live[indexing.id]?.scenes).toEqual({ fraction: 0.5, etaSecs: 3, message: null });
    expect(currentStage(indexing, live)?.progress.fraction).toBe(0.5);
    expect(overallFraction(indexing, live)).toBeCloseTo(0.75);
  });

  it("reloads and forgets progress when a job ends", () => {
    const { live } = applyEvent({}, progress(100));
    const done: LibraryEvent = { ...progress(0), update: { kind: "done", secs: 1 } } as LibraryEvent;
    const effect = applyEvent(live, done);
    expect(effect.reload).toBe(true);
    expect(effect.live[indexing.id]?.scenes).toBeUndefined();
  });

  it("falls back to the listed progress", () => {
    expect(currentStage(indexing, {})?.progress.fraction).toBe(0.25);
    expect(overallFraction(indexing, {})).toBeCloseTo(0.625);
  });

  it("reloads on imports, removals and resync", () => {
    expect(applyEvent({}, { type: "video_imported", video: "x", path: "/x.mp4", moved: false }).reload).toBe(true);
    expect(applyEvent({}, { type: "resync" }).reload).toBe(true);
    const removed = applyEvent({ x: { scenes: { fraction: 1, etaSecs: null, message: null } } }, { type: "video_removed", video: "x" });
    expect(removed.live.x).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import type { AppError } from "../bindings";
import { CommandError, describeError, describeStageError, describeUnknown } from "./errors";

describe("errors", () => {
  it("turns every typed error into a sentence", () => {
    const all: AppError[] = [
      { type: "Starting" },
      { type: "LibraryUnavailable", data: { path: "/data", reason: "read-only" } },
      { type: "VideoNotFound", data: { id: "abc" } },
      { type: "Import", data: { path: "/v/clip.avi", reason: "not a video" } },
      { type: "Database", data: { reason: "disk full" } },
      { type: "InvalidSetting", data: { name: "concurrency", value: "0", reason: "choose 1 to 4" } },
    ];
    for (const e of all) {
      const text = describeError(e);
      expect(text).toMatch(/^[A-Z/a-z].*\.$/);
    }
    expect(describeError(all[3])).toBe("clip.avi could not be added: not a video.");
  });

  it("describes anything thrown", () => {
    expect(describeUnknown(new CommandError({ type: "Starting" }))).toContain("still opening");
    expect(describeUnknown("Command not found")).toBe("Command not found");
    expect(describeUnknown(42)).toBe("Something went wrong.");
  });

  it("names the stage that failed", () => {
    expect(describeStageError("scenes: the video stream could not be decoded")).toBe(
      "Finding scenes failed: The video stream could not be decoded.",
    );
    expect(describeStageError("disk full")).toBe("Disk full.");
  });
});

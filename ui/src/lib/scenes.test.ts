import { describe, expect, it } from "vitest";
import { indexAt, nextStart, previousStart } from "./scenes";

const scenes = [
  { startSecs: 0, endSecs: 1.25 },
  { startSecs: 1.25, endSecs: 6 },
  { startSecs: 6, endSecs: 13.1 },
  { startSecs: 13.1, endSecs: 24 },
];

describe("scene navigation", () => {
  it("finds the scene at a time", () => {
    expect(indexAt(scenes, 0)).toBe(0);
    expect(indexAt(scenes, 1.25)).toBe(1);
    expect(indexAt(scenes, 12)).toBe(2);
    expect(indexAt(scenes, 30)).toBe(3);
    expect(indexAt([], 3)).toBe(-1);
  });

  it("goes to the next scene, none after the last", () => {
    expect(nextStart(scenes, 0.5)).toBe(1.25);
    expect(nextStart(scenes, 6)).toBe(13.1);
    expect(nextStart(scenes, 20)).toBeNull();
  });

  it("goes back to this scene's start first, then the one before", () => {
    expect(previousStart(scenes, 9)).toBe(6);
    expect(previousStart(scenes, 6.4)).toBe(1.25);
    expect(previousStart(scenes, 0.5)).toBe(0);
    expect(previousStart([], 5)).toBe(0);
  });
});

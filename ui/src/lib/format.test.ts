import { describe, expect, it } from "vitest";
import { baseName, formatBytes, formatDuration, formatEta, formatPercent } from "./format";

describe("format", () => {
  it("formats durations like a player", () => {
    expect(formatDuration(24.02)).toBe("0:24");
    expect(formatDuration(725)).toBe("12:05");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(Number.NaN)).toBe("–");
  });
  it("formats sizes", () => {
    expect(formatBytes(980)).toBe("980 B");
    expect(formatBytes(1_500_000)).toBe("1.5 MB");
    expect(formatBytes(123_000_000_000)).toBe("123 GB");
  });
  it("formats what is left", () => {
    expect(formatEta(null)).toBe("");
    expect(formatEta(0.4)).toBe("almost done");
    expect(formatEta(4.2)).toBe("about 5 s left");
    expect(formatEta(190)).toBe("about 3 min left");
    expect(formatEta(4800)).toBe("about 1 h 20 min left");
  });
  it("formats fractions and names", () => {
    expect(formatPercent(0.456)).toBe("46%");
    expect(formatPercent(3)).toBe("100%");
    expect(baseName("/a/b/c.mp4")).toBe("c.mp4");
    expect(baseName("C:\\v\\d.mov")).toBe("d.mov");
  });
});

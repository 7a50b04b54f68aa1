/** Scene navigation for the player. Pure functions over scenes in time order. */

/** Times as the bindings type them (a JSON number, or null for a non-finite one). */
export interface Span {
  startSecs: number | null;
  endSecs: number | null;
}

const start = (s: Span) => s.startSecs ?? 0;

/** Index of the span that contains `t` (the last one starting at or before it), or -1. */
export function indexAt(spans: Span[], t: number): number {
  let found = -1;
  for (let i = 0; i < spans.length; i++) {
    if (start(spans[i]) <= t + 1e-3) found = i;
    else break;
  }
  return found;
}

/** Where "previous scene" goes: the current scene's start when more than `grace` seconds into
 *  it (as music players do), else the scene before. */
export function previousStart(spans: Span[], t: number, grace = 1): number {
  const i = indexAt(spans, t);
  if (i < 0) return 0;
  if (t - start(spans[i]) > grace || i === 0) return start(spans[i]);
  return start(spans[i - 1]);
}

/** Where "next scene" goes: the next scene's start, or null at the last scene. */
export function nextStart(spans: Span[], t: number): number | null {
  const i = indexAt(spans, t);
  const next = spans[i + 1];
  return next ? start(next) : null;
}

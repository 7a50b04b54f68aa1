/** True on macOS, where shortcuts use Cmd instead of Ctrl. */
export const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** The label of the main modifier key: `⌘` or `Ctrl`. */
export const modKey = isMac ? "⌘" : "Ctrl";

/** True when the event's main modifier (Cmd on macOS, Ctrl elsewhere) is held. */
export function hasMod(e: KeyboardEvent | React.KeyboardEvent): boolean {
  return isMac ? e.metaKey : e.ctrlKey;
}

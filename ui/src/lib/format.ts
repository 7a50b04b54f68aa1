/** Formatting for the grid and the status bar. Pure functions, tested in format.test.ts. */

/** `0:24`, `12:05`, `1:02:03`. */
export function formatDuration(secs: number | null): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return "–";
  const total = Math.round(secs);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** `980 B`, `1.5 MB`, `2.1 GB` (powers of 1000, as file managers show). */
export function formatBytes(bytes: number | null): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return "–";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** `about 5 s left`, `about 3 min left`, `about 1 h 20 min left`; empty when unknown. */
export function formatEta(secs: number | null | undefined): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return "";
  if (secs < 1) return "almost done";
  if (secs < 60) return `about ${Math.ceil(secs)} s left`;
  const mins = Math.round(secs / 60);
  if (mins < 60) return `about ${mins} min left`;
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  return m === 0 ? `about ${h} h left` : `about ${h} h ${m} min left`;
}

/** `42%`. */
export function formatPercent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** The last part of a path, for either separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

/** A position in a video: `0:06`, `12:05`, `1:02:03` (whole seconds, rounded down). */
export function formatPosition(secs: number | null): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return "–";
  return formatDuration(Math.floor(secs));
}

/** `00:01:23.450`: a precise timestamp to paste into notes or an editor. */
export function formatTimestamp(secs: number): string {
  const ms = Math.round(Math.max(0, Number.isFinite(secs) ? secs : 0) * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago" for a time in ms since the epoch. */
export function formatAgo(ms: number, now: number = Date.now()): string {
  const secs = Math.max(0, Math.round((now - ms) / 1000));
  if (secs < 45) return "just now";
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.round(mins / 60);
  if (hours < 36) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

// Times and durations for people.

/** `850ms`, `1.25s`, `3m 20s`, `2h 5m`, `3d 4h` */
export function formatMs(ms) {
  if (ms === undefined || ms === null) return "";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** A local date and time: `2026-11-22 03:00:12`. */
export function formatTime(at) {
  if (at === undefined || at === null) return "";
  const d = new Date(at);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `5s ago`, `in 3m 2s` */
export function relative(at, now = Date.now()) {
  const d = at - now;
  return d >= 0 ? `in ${formatMs(d)}` : `${formatMs(-d)} ago`;
}

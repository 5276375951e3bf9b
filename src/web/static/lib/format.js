/** Numbers, times and durations as people read them. */

/** `0.912` -> `91.2%`; anything but a finite number -> `—`. */
export const percent = (/** @type {unknown} */ p, digits = 1) =>
  typeof p === 'number' && Number.isFinite(p) ? `${(p * 100).toFixed(digits)}%` : '—';

/** @param {string | undefined} iso */
export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const time = d.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  return sameDay
    ? time
    : `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: d.getFullYear() === today.getFullYear() ? undefined : 'numeric' })} ${time}`;
}

/** @param {string | undefined} iso */
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** @param {unknown} ms */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The time from one ISO time to another (or to now). */
export const between = (/** @type {string | undefined} */ from, /** @type {string | undefined} */ to) =>
  from ? duration((to ? Date.parse(to) : Date.now()) - Date.parse(from)) : '—';

export const figure = (/** @type {unknown} */ x, digits = 3) =>
  typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';

/**
 * A Lambda error's cause (`{"errorType","errorMessage","trace"}` as JSON) as its message and its stack trace apart.
 * @param {unknown} cause
 * @returns {{ message: string, trace?: string }}
 */
export function splitCause(cause) {
  if (cause === undefined || cause === null) return { message: '' };
  if (typeof cause !== 'string') return { message: JSON.stringify(cause) };
  try {
    const parsed = JSON.parse(cause);
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') {
      return {
        message: parsed.errorMessage,
        ...(Array.isArray(parsed.trace) && parsed.trace.length > 0 && { trace: parsed.trace.join('\n') }),
      };
    }
  } catch {
    // a plain message
  }
  return { message: cause };
}

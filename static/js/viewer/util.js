// Small pure helpers shared by the viewer's modules (no DOM, no i18n).

export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
// Window bounds go into URLs and cache keys: keep them free of float noise.
export const round3 = (v) => Math.round(v * 1000) / 1000;

/** Format seconds as "12 s" (short records) or "m:ss" / "h:mm:ss". */
export function formatTime(t, durationS, decimals = 0) {
  if (durationS < 60) return `${t.toFixed(decimals)} s`;
  const p = 10 ** decimals;
  const total = Math.round(Math.max(0, t) * p) / p;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total - h * 3600 - m * 60;
  const ss = s.toFixed(decimals).padStart(decimals ? 3 + decimals : 2, '0');
  return durationS >= 3600 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m + 60 * h}:${ss}`;
}

/** Stable hue per author id (FNV-1a + mix), kept out of the reds used by the
 *  paper grid and by critical/urgent findings. */
export function authorHue(id) {
  let h = 2166136261 >>> 0;
  const s = String(id);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  h ^= h >>> 15; h = Math.imul(h, 2246822507) >>> 0; h ^= h >>> 13;
  return 90 + ((h >>> 0) % 240);   // 90..329: green, cyan, blue, violet, magenta
}

/** First index i with arr[i] >= v (arr sorted ascending). */
export function lowerBound(arr, v) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
  return lo;
}

/** [start, end] of a finding/annotation in seconds, ordered; a missing end = a point. */
export function spanOf(x) {
  const a = +x.start_s || 0, b = Number.isFinite(+x.end_s) && x.end_s !== null ? +x.end_s : a;
  return a <= b ? [a, b] : [b, a];
}

export function truncate(s, n) { s = String(s ?? ''); return s.length > n ? s.slice(0, n - 1) + '…' : s; }

/** Lead reference used by findings/annotations -> lead index, null = all, -1 = unknown. */
export function leadIndex(lead, leadNames) {
  if (lead === null || lead === undefined || lead === '' || lead === 'all') return null;
  if (typeof lead === 'number') return lead >= 0 && lead < leadNames.length ? lead : -1;
  let i = leadNames.indexOf(lead);
  if (i < 0) i = leadNames.findIndex((n) => n.toLowerCase() === String(lead).toLowerCase());
  return i;
}

/** The mark drawn for a beat label: N, V, S; anything else (Q = unclassifiable) is "?"
 *  so that it cannot be read as a Q wave. */
export function beatGlyph(label) {
  return label === 'N' || label === 'V' || label === 'S' ? label : '?';
}

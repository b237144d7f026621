// Caliper maths: snapping to R peaks or samples, the measurement, the marched-out
// repeats. Pure functions (no DOM, no i18n).
import { lowerBound } from './util.js';

/** t rounded to the sample grid of fs (6 decimals, free of float noise). */
export const snapToSample = (t, fs) => Number((Math.round(t * fs) / fs).toFixed(6));

/**
 * The beat nearest to t, whatever the distance: {index, t, distanceS} or null when there
 * are no beats. `beatT`: beat times in seconds, ascending.
 */
export function nearestBeat(beatT, t) {
  if (!beatT || !beatT.length) return null;
  const i = lowerBound(beatT, t);
  let best = -1;
  for (const j of [i - 1, i]) {
    if (j >= 0 && j < beatT.length && (best < 0 || Math.abs(beatT[j] - t) < Math.abs(beatT[best] - t))) best = j;
  }
  return { index: best, t: beatT[best], distanceS: beatT[best] - t };
}

/**
 * Where a caliper cursor lands for a click at t: the nearest beat (R peak) when `snap`
 * and there are beats, else the sample grid. Returns {t, beat} (beat: nearestBeat or null).
 */
export function snapCaliper(t, { beatT, fs, snap = true }) {
  const b = snap ? nearestBeat(beatT, t) : null;
  return b ? { t: snapToSample(b.t, fs), beat: b } : { t: snapToSample(t, fs), beat: null };
}

/** The measurement between two cursors (seconds), in the units the bar shows. */
export function measure(a, b, fs) {
  const startS = Math.min(a, b), endS = Math.max(a, b);
  const intervalMs = Number(((endS - startS) * 1000).toFixed(1));
  return {
    startS: Number(startS.toFixed(6)), endS: Number(endS.toFixed(6)), intervalMs,
    intervalSamples: Math.round((endS - startS) * fs),
    rateBpm: intervalMs > 0 ? Number((60000 / intervalMs).toFixed(1)) : null,
  };
}

/** The repeats of interval a..b marched out over [fromS, toS] (not a and b themselves);
 *  none for intervals under 50 ms. */
export function marchTimes(a, b, fromS, toS) {
  const d = Math.abs(b - a), lo = Math.min(a, b), hi = Math.max(a, b), out = [];
  if (!(d >= 0.05)) return out;
  for (let t = hi + d; t <= toS + 1e-9; t += d) out.push(t);
  for (let t = lo - d; t >= fromS - 1e-9; t -= d) out.push(t);
  return out.sort((p, q) => p - q);
}

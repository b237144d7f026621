// Serial comparison maths: median beats, QRS onset, ST levels, and the table of measurement
// differences between the current ECG and a prior one. Pure functions (no DOM, no i18n).

export const MEDIAN_PRE_S = 0.35;    // median beat window before the R peak
export const MEDIAN_POST_S = 0.55;   // ... and after it

/** Differences that matter clinically (absolute change at or above the threshold). */
export const THRESHOLDS = {
  heart_rate_bpm: 10, pr_ms: 20, qrs_ms: 20, qt_ms: 40, qtc_ms: 30, axis_deg: 30, st_mv: 0.1,
};

function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Median beat of one lead: for each sample offset around the R peaks, the median across
 * beats. `samples` start at startS (seconds) at fs Hz; `beatT` beat times (s). Beats whose
 * window leaves the samples are skipped. Returns {values: Float32Array, rIndex, n} (n beats
 * used; values NaN when none).
 */
export function medianBeat(samples, fs, startS, beatT, { preS = MEDIAN_PRE_S, postS = MEDIAN_POST_S } = {}) {
  const pre = Math.round(preS * fs), post = Math.round(postS * fs), len = pre + post + 1;
  const starts = [];
  for (const bt of beatT) {
    const r = Math.round((bt - startS) * fs);
    if (r - pre >= 0 && r + post < samples.length) starts.push(r - pre);
  }
  const values = new Float32Array(len).fill(NaN);
  if (starts.length) {
    const col = new Array(starts.length);
    for (let k = 0; k < len; k++) {
      for (let j = 0; j < starts.length; j++) col[j] = samples[starts[j] + k];
      values[k] = median(col);
    }
  }
  return { values, rIndex: pre, n: starts.length };
}

/**
 * QRS onset of a set of median beats (one per lead, R at rIndex): going back from the R
 * peak, the first sample where the summed absolute slope over all leads falls under
 * `fraction` of its maximum in the 150 ms before R. Returns a sample index.
 */
export function qrsOnsetIndex(medians, fs, rIndex, fraction = 0.15) {
  const from = Math.max(1, rIndex - Math.round(0.15 * fs));
  const slope = new Float64Array(rIndex + 1);
  let peak = 0;
  for (let k = from; k <= rIndex; k++) {
    let s = 0;
    for (const m of medians) {
      const d = m[k] - m[k - 1];
      if (Number.isFinite(d)) s += Math.abs(d);
    }
    slope[k] = s;
    if (s > peak) peak = s;
  }
  if (!(peak > 0)) return Math.max(0, rIndex - Math.round(0.04 * fs));
  // Start at the steepest point before R and walk back while the complex is still moving.
  let k = from;
  for (let j = from; j <= rIndex; j++) if (slope[j] === peak) { k = j; break; }
  while (k > from && slope[k] >= fraction * peak) k--;
  return k;
}

/**
 * ST level (mV) of a median beat: the mean at J + 60 ms (J = onset + QRS duration), minus
 * the PR baseline (the median of the 40 ms before the QRS onset). NaN when out of range.
 */
export function stLevel(values, fs, onsetIndex, qrsMs) {
  const j = onsetIndex + Math.round(((qrsMs || 100) / 1000) * fs);
  const at = j + Math.round(0.06 * fs);
  const b0 = Math.max(0, onsetIndex - Math.round(0.04 * fs));
  const base = median(Array.from(values.subarray(b0, onsetIndex)));
  const w = Math.max(1, Math.round(0.01 * fs));
  if (at + w > values.length) return NaN;
  let s = 0, n = 0;
  for (let k = at - w; k <= at + w; k++) if (Number.isFinite(values[k])) { s += values[k]; n++; }
  return n ? s / n - base : NaN;
}

/**
 * Rows of the difference table. `current`/`prior`: {heart_rate_bpm, pr_ms, qrs_ms, qt_ms,
 * qtc_ms, axis_deg}; `stCurrent`/`stPrior`: {leadName: mV}. Each row: {key, lead?, unit,
 * current, prior, delta, changed} (delta current - prior; axis wrapped to -180..180).
 */
export function measurementDeltas(current, prior, stCurrent = {}, stPrior = {}, thresholds = THRESHOLDS) {
  const rows = [];
  const row = (key, unit, a, b, threshold, extra = {}) => {
    const ok = Number.isFinite(a) && Number.isFinite(b);
    let delta = ok ? a - b : null;
    if (ok && key === 'axis_deg') delta = ((delta + 540) % 360) - 180;
    rows.push(Object.assign({ key, unit, current: Number.isFinite(a) ? a : null, prior: Number.isFinite(b) ? b : null,
      delta, changed: ok && Math.abs(delta) >= threshold - 1e-9 }, extra));
  };
  for (const [key, unit] of [['heart_rate_bpm', 'bpm'], ['pr_ms', 'ms'], ['qrs_ms', 'ms'], ['qt_ms', 'ms'], ['qtc_ms', 'ms'], ['axis_deg', '°']]) {
    row(key, unit, num(current && current[key]), num(prior && prior[key]), thresholds[key]);
  }
  for (const lead of Object.keys(stCurrent)) {
    row('st_mv', 'mV', num(stCurrent[lead]), num(stPrior[lead]), thresholds.st_mv, { lead });
  }
  return rows;
}

const num = (x) => (x === null || x === undefined || x === '' ? NaN : Number(x));

/** Samples of one lead from a signal window answered at full resolution (step = 1/fs). */
export function rawLead(ld) {
  if (!ld) return null;
  const n = Math.min(ld.min.length, ld.max.length), out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = (ld.min[k] + ld.max[k]) / 2;
  return out;
}

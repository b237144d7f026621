// The whole-recording overview under the toolbar: heart-rate trend, findings, annotations,
// the page shown, and colleagues' windows (presence). Click or drag to jump.
import { t } from '../i18n.js';
import { FONT, SEVERITY_RGB } from './constants.js';
import { haloText } from './paint.js';
import { authorHue, clamp, formatTime, spanOf, truncate } from './util.js';

/** Heart-rate trend bins: mean/min/max of instantaneous HR per bin. Bins are at least 4 s
 *  so short records still give a continuous line. */
export function computeHrBins(T, D, widthPx) {
  const binS = Math.max(D / widthPx, 4);
  const n = Math.ceil(D / binS);
  const sum = new Float64Array(n), cnt = new Uint32Array(n);
  const mn = new Float64Array(n).fill(Infinity), mx = new Float64Array(n).fill(-Infinity);
  for (let i = 1; i < T.length; i++) {
    const rr = T[i] - T[i - 1];
    if (rr < 0.2 || rr > 3) continue;     // missed/double detections, pauses drawn as gaps
    const hr = 60 / rr, b = Math.min(n - 1, Math.floor(T[i] / binS));
    sum[b] += hr; cnt[b]++;
    if (hr < mn[b]) mn[b] = hr;
    if (hr > mx[b]) mx[b] = hr;
  }
  return { widthPx, binS, n, sum, cnt, mn, mx };
}

/** Paint the overview canvas of viewer `v`; returns the x mapping {pad, plotW}. */
export function renderOverview(v) {
  const c = v._octx, cv = v._overview;
  const W = cv.width, H = cv.height, dpr = v._layout.dpr, D = v.durationS;
  const pad = 6 * dpr;
  const plotW = W - 2 * pad;
  const X = (s) => pad + (s / D) * plotW;
  const hrTop = 4 * dpr, hrBot = H - 26 * dpr, fTop = hrBot + 3 * dpr, fBot = fTop + 7 * dpr;
  const HR_LO = 30, HR_HI = 180;
  const Y = (hr) => hrBot - ((clamp(hr, HR_LO, HR_HI) - HR_LO) / (HR_HI - HR_LO)) * (hrBot - hrTop);
  c.setTransform(1, 0, 0, 1, 0, 0);
  c.fillStyle = '#f8fafc';
  c.fillRect(0, 0, W, H);
  c.fillStyle = '#fff';
  c.fillRect(pad, hrTop, plotW, hrBot - hrTop);

  // Reference rates 60 and 100 bpm (brady/tachy thresholds).
  c.font = `${9 * dpr}px ${FONT}`;
  c.textBaseline = 'middle';
  c.textAlign = 'left';
  for (const ref of [60, 100]) {
    c.fillStyle = '#e5e7eb';
    c.fillRect(pad, Math.round(Y(ref)), plotW, 1);
    c.fillStyle = '#9ca3af';
    c.fillText(String(ref), pad + 2 * dpr, Y(ref) - 5 * dpr);
  }

  if (v._beatT && v._beatT.length > 1) {
    if (!v._hrBins || v._hrBins.widthPx !== plotW) v._hrBins = computeHrBins(v._beatT, D, plotW);
    const B = v._hrBins;
    c.fillStyle = 'rgba(220, 38, 38, 0.16)';
    for (let b = 0; b < B.n; b++) {
      if (!B.cnt[b]) continue;
      const xa = X(b * B.binS), xb = Math.max(xa + 1, X((b + 1) * B.binS));
      c.fillRect(xa, Y(B.mx[b]), xb - xa, Math.max(1, Y(B.mn[b]) - Y(B.mx[b])));
    }
    c.strokeStyle = '#b91c1c';
    c.lineWidth = 1.25 * dpr;
    c.lineJoin = 'round';
    c.beginPath();
    let pen = false;
    for (let b = 0; b < B.n; b++) {
      if (!B.cnt[b]) { pen = false; continue; }
      const x = X((b + 0.5) * B.binS), y = Y(B.sum[b] / B.cnt[b]);
      if (pen) c.lineTo(x, y); else c.moveTo(x, y);
      pen = true;
    }
    c.stroke();
    c.fillStyle = '#6b7280';
    c.textAlign = 'right';
    c.fillText(t('HR bpm'), W - pad - 2 * dpr, hrTop + 6 * dpr);
  } else {
    c.fillStyle = '#9ca3af';
    c.textAlign = 'center';
    c.fillText(t('no beats detected'), W / 2, (hrTop + hrBot) / 2);
  }

  // Annotations: thin marks along the top of the trend, author colour.
  for (const a of v.annotations) {
    const [s, e] = spanOf(a);
    c.fillStyle = `hsl(${authorHue(a.author ? a.author.id : null)}, 65%, 40%)`;
    c.fillRect(X(s), hrTop, Math.max(2 * dpr, X(e) - X(s)), 3 * dpr);
  }

  // Findings: ticks under the trend, critical drawn last (on top).
  c.fillStyle = '#eef0f3';
  c.fillRect(pad, fTop, plotW, fBot - fTop);
  for (const f of v.findings) {
    const [s, e] = spanOf(f);
    c.fillStyle = `rgb(${SEVERITY_RGB[f.severity] || SEVERITY_RGB.routine})`;
    c.fillRect(X(s), fTop, Math.max(2 * dpr, X(e) - X(s)), fBot - fTop);
  }

  // Time ticks at a "nice" step, at least ~80 CSS px apart.
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  const step = steps.find((s) => (s / D) * plotW >= 80 * dpr) || 43200;
  c.fillStyle = '#6b7280';
  c.textBaseline = 'top';
  c.textAlign = 'center';
  c.font = `${10 * dpr}px ${FONT}`;
  for (let s = 0; s <= D + 1e-6; s += step) {
    const x = Math.round(X(s));
    c.fillRect(x, fBot + 1 * dpr, 1, 4 * dpr);
    const label = formatTime(s, D);
    const tw = c.measureText(label).width;
    c.fillText(label, clamp(x, tw / 2, W - tw / 2), fBot + 6 * dpr);
  }

  // Visible window.
  const view = v.getView();
  const xa = X(view.startS), xb = Math.max(xa + 3 * dpr, X(v.startS + view.windowS));
  c.fillStyle = 'rgba(37, 99, 235, 0.14)';
  c.fillRect(xa, 1 * dpr, xb - xa, fBot);
  c.strokeStyle = 'rgba(37, 99, 235, 0.95)';
  c.lineWidth = 1.5 * dpr;
  c.strokeRect(xa, 1 * dpr, xb - xa, fBot);

  // Colleagues in the case: their window as a bar in their colour, named.
  c.font = `bold ${9.5 * dpr}px ${FONT}`;
  c.textBaseline = 'bottom';
  v.presence.forEach((p, k) => {
    const hue = authorHue(p.userId);
    const pa = X(clamp(+p.startS, 0, D)), pb = Math.max(pa + 4 * dpr, X(clamp(+p.endS, 0, D)));
    const y = hrBot - (k + 1) * 12 * dpr;
    c.fillStyle = `hsla(${hue}, 70%, 45%, 0.10)`;
    c.fillRect(pa, hrTop, pb - pa, hrBot - hrTop);
    c.fillStyle = `hsl(${hue}, 65%, 38%)`;
    c.fillRect(pa, y + 2 * dpr, pb - pa, 4 * dpr);
    const name = truncate(p.username || t('user %(id)s', { id: p.userId }), 20);
    const tw = c.measureText(name).width;
    c.textAlign = 'left';
    haloText(c, name, clamp(pb + 3 * dpr, pad, W - pad - tw), y + 7 * dpr, `hsl(${hue}, 70%, 28%)`, dpr);
  });
  return { pad, plotW };
}

/** Presence entries kept: valid windows of other users than `selfUserId`. */
export function filterPresence(list, selfUserId) {
  return (Array.isArray(list) ? list : []).filter((p) =>
    p && Number.isFinite(+p.startS) && Number.isFinite(+p.endS) &&
    (selfUserId === null || selfUserId === undefined || p.userId !== selfUserId));
}

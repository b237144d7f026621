// Serial comparison on the case page: the prior ECG beside the current one (two columns on
// a wide screen, a toggle on a narrow one) at the same speed, gain and layout, paging
// together; the median beats of each lead overlaid (aligned on QRS onset); the table of
// measurement differences; "compared with the ECG of <date>" offered as a report statement.
import { formatDateTime, t } from '../i18n.js';
import { FONT } from './constants.js';
import {
  MEDIAN_PRE_S, THRESHOLDS, measurementDeltas, medianBeat, qrsOnsetIndex, rawLead, stLevel,
} from './compare.js';
import { normalizeWindow } from './loader.js';

const CURRENT_COLOR = '#111827';
const PRIOR_COLOR = '#2563eb';
const MEDIAN_SPAN_S = 10;          // median beats from the first 10 s of each record

/** Measurements of a case JSON as the difference table reads them. */
function measurementsOf(c) {
  const a = (c && c.analysis) || {};
  return Object.assign({ heart_rate_bpm: a.heart_rate_bpm }, a.measurements || {});
}

/** Median beats of every lead of viewer `v` (raw samples of its first 10 s). */
async function mediansOf(v) {
  const end = Math.min(v.durationS, MEDIAN_SPAN_S);
  const json = await v.opts.loadWindow(0, end, Math.ceil(end * v.fs) + 2, {});
  const w = normalizeWindow(json, v.leadNames);
  const T = v._beatT ? Array.from(v._beatT).filter((x, i) => x <= end && v._beatL[i] === 'N') : [];
  const beatT = T.length >= 3 ? T : (v._beatT ? Array.from(v._beatT).filter((x) => x <= end) : []);
  const byLead = v.leadNames.map((name, i) => {
    const ld = w.byLead[i];
    const x = rawLead(ld);
    return x ? medianBeat(x, v.fs, ld.start_s, beatT) : null;
  });
  const ok = byLead.filter((m) => m && m.n);
  const rIndex = ok.length ? ok[0].rIndex : 0;
  const onset = ok.length ? qrsOnsetIndex(ok.map((m) => m.values), v.fs, rIndex) : 0;
  return { byLead, onset, rIndex, fs: v.fs };
}

/** Lead names of both records matched case-insensitively, in the current record's order. */
function pairs(cur, prior) {
  const lower = prior.leadNames.map((n) => n.toLowerCase());
  return cur.leadNames.map((n, i) => ({ name: cur.leadLabel(i), i, j: lower.indexOf(n.toLowerCase()) })).filter((p) => p.j >= 0);
}

/**
 * Link `current` and `prior` viewers for comparison; `panel` (the compare card) receives
 * the median-beat overlay, the table and the statement button. Returns {state(), ready,
 * destroy()} (ready: a promise settled when medians and table are drawn).
 */
export function linkComparison({ current, prior, currentCase, priorCase, panel, onStatement }) {
  const priorHost = prior.container, home = { parent: priorHost.parentNode, next: priorHost.nextSibling };
  const date = formatDateTime(priorCase && priorCase.created_at, { withZone: false });
  const st = { synced: 0, rows: [], leads: [], shiftMs: 0, statement: '', error: null };

  // Side by side: both viewers in one grid where the current one was.
  const pair = document.createElement('div');
  pair.className = 'ecgv-pair';
  pair.dataset.show = 'current';
  const toggle = document.createElement('div');
  toggle.className = 'ecgv-pair-toggle';
  toggle.setAttribute('role', 'group');
  const tab = (text, which) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'ecgv-btn ecgv-toggle';
    b.textContent = text;
    b.setAttribute('aria-pressed', String(which === 'current'));
    b.addEventListener('click', () => {
      pair.dataset.show = which;
      toggle.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
    });
    toggle.appendChild(b);
  };
  tab(t('Current ECG'), 'current');
  tab(t('Prior ECG of %(date)s', { date }), 'prior');
  current.container.parentNode.insertBefore(toggle, current.container);
  current.container.parentNode.insertBefore(pair, current.container);
  const labelled = (v, text, cls) => {
    const col = document.createElement('div');
    col.className = `ecgv-pair-col ${cls}`;
    const h = document.createElement('div');
    h.className = 'ecgv-pair-title';
    h.textContent = text;
    col.append(h, v.container);
    pair.appendChild(col);
  };
  labelled(current, t('Current ECG'), 'ecgv-pair-current');
  labelled(prior, t('Prior ECG of %(date)s', { date }), 'ecgv-pair-prior');

  // Same speed, gain and layout; paging together.
  let busy = false;
  const follow = (from, to) => (e) => {
    if (busy) return;
    busy = true;
    try {
      if (e.type === 'ecgv:view' && to.startS !== from.startS) { to.goTo(from.startS); st.synced++; }
      if (e.type === 'ecgv:scale') {
        if (to.speed !== from.speed) to.setSpeed(from.speed);
        if (to.gain !== from.gain) to.setGain(from.gain);
      }
      if (e.type === 'ecgv:layout' && to.layoutMode !== from.layoutMode) to.setLayout(from.layoutMode);
    } finally { busy = false; }
  };
  const listeners = [];
  for (const [a, b] of [[current, prior], [prior, current]]) {
    const fn = follow(a, b);
    for (const ev of ['ecgv:view', 'ecgv:scale', 'ecgv:layout']) {
      a.container.addEventListener(ev, fn);
      listeners.push([a.container, ev, fn]);
    }
  }
  busy = true;
  if (prior.layoutMode !== current.layoutMode) prior.setLayout(current.layoutMode);
  if (prior.speed !== current.speed) prior.setSpeed(current.speed);
  if (prior.gain !== current.gain) prior.setGain(current.gain);
  prior.goTo(current.startS);
  busy = false;

  // Median beats, differences, statement.
  const box = document.createElement('div');
  box.className = 'ecgv-compare';
  const mtitle = document.createElement('h3');
  mtitle.textContent = t('Median beats: current (black) and prior (blue), aligned on QRS onset · 50 mm/s, 10 mm/mV');
  const canvas = document.createElement('canvas');
  canvas.className = 'ecgv-medians';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('Median beats of each lead, current and prior overlaid'));
  const table = document.createElement('table');
  table.className = 'ecgv-deltas';
  const statement = document.createElement('button');
  statement.type = 'button';
  statement.className = 'ecgv-btn ecgv-statement';
  statement.hidden = true;
  const status = document.createElement('p');
  status.className = 'ecgv-compare-status';
  status.textContent = t('Computing median beats…');
  box.append(mtitle, status, canvas, table, statement);
  panel.appendChild(box);
  requestAnimationFrame(() => pair.scrollIntoView({ block: 'start' }));

  const ready = Promise.all([mediansOf(current), mediansOf(prior)]).then(([mc, mp]) => {
    const leads = pairs(current, prior);
    const curM = measurementsOf(currentCase), priM = measurementsOf(priorCase);
    const stC = {}, stP = {};
    for (const p of leads) {
      const a = mc.byLead[p.i], b = mp.byLead[p.j];
      if (!a || !a.n || !b || !b.n) continue;
      stC[p.name] = stLevel(a.values, mc.fs, mc.onset, curM.qrs_ms);
      stP[p.name] = stLevel(b.values, mp.fs, mp.onset, priM.qrs_ms);
    }
    st.rows = measurementDeltas(curM, priM, stC, stP);
    st.shiftMs = Math.round(((mc.onset / mc.fs) - (mp.onset / mp.fs)) * 1000);
    st.leads = leads.map((p) => ({ lead: p.name, currentBeats: mc.byLead[p.i] ? mc.byLead[p.i].n : 0,
      priorBeats: mp.byLead[p.j] ? mp.byLead[p.j].n : 0 }));
    drawMedians(canvas, leads, mc, mp);
    fillTable(table, st.rows, date);
    const changed = st.rows.filter((r) => r.changed);
    st.statement = changed.length
      ? t('Compared with the ECG of %(date)s: %(changes)s.', { date, changes: changed.map(describe).join('; ') })
      : t('Compared with the ECG of %(date)s: no significant change.', { date });
    statement.textContent = t('Use in report: “%(text)s”', { text: st.statement });
    statement.hidden = typeof onStatement !== 'function';
    statement.onclick = () => onStatement(st.statement);
    status.textContent = t('%(n)s leads compared; prior shifted by %(ms)s ms to align the QRS onsets.', { n: st.leads.length, ms: st.shiftMs });
    current.container.dispatchEvent(new CustomEvent('ecgv:compared', { bubbles: true,
      detail: { rows: st.rows, leads: st.leads, shiftMs: st.shiftMs, statement: st.statement } }));
  }).catch((err) => {
    st.error = String(err && err.message || err);
    status.textContent = t('The median beats could not be computed: %(error)s', { error: st.error });
  });

  return {
    ready,
    state: () => ({
      side: pair.getBoundingClientRect().width > 0 && getComputedStyle(pair).gridTemplateColumns.split(' ').length > 1,
      synced: st.synced, rows: st.rows, leads: st.leads, shiftMs: st.shiftMs, statement: st.statement, error: st.error,
    }),
    destroy() {
      for (const [el, ev, fn] of listeners) el.removeEventListener(ev, fn);
      const parent = pair.parentNode;
      if (parent) parent.insertBefore(current.container, pair);
      home.parent.insertBefore(priorHost, home.next);
      pair.remove(); toggle.remove(); box.remove();
    },
  };
}

const LABELS = () => ({
  heart_rate_bpm: t('Heart rate'), pr_ms: t('PR'), qrs_ms: t('QRS'), qt_ms: t('QT'), qtc_ms: t('QTc'), axis_deg: t('Axis'),
});

function fmt(v, unit) {
  if (v === null || v === undefined) return '—';
  if (unit === 'mV') return (Math.abs(v) < 0.005 ? 0 : v).toFixed(2);
  return String(Math.round(v) || 0);
}

function describe(r) {
  const name = r.key === 'st_mv' ? t('ST in %(lead)s', { lead: r.lead }) : LABELS()[r.key];
  return t('%(name)s %(prior)s → %(current)s %(unit)s', { name, prior: fmt(r.prior, r.unit), current: fmt(r.current, r.unit), unit: r.unit });
}

function fillTable(table, rows, date) {
  table.textContent = '';
  const cap = document.createElement('caption');
  cap.textContent = t('Measurement differences (highlighted: beyond the threshold)');
  const head = document.createElement('tr');
  for (const h of [t('Measurement'), t('Current'), t('Prior (%(date)s)', { date }), t('Change'), t('Threshold')]) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  const thead = document.createElement('thead');
  thead.appendChild(head);
  const tbody = document.createElement('tbody');
  const labels = LABELS();
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.dataset.key = r.key;
    if (r.lead) tr.dataset.lead = r.lead;
    if (r.changed) tr.className = 'ecgv-changed';
    const sign = r.delta === null ? '' : r.delta > 0 ? '+' : '';
    const cells = [
      r.key === 'st_mv' ? t('ST %(lead)s (J+60 ms)', { lead: r.lead }) : labels[r.key],
      `${fmt(r.current, r.unit)} ${r.unit}`, `${fmt(r.prior, r.unit)} ${r.unit}`,
      r.delta === null ? '—' : `${sign}${fmt(r.delta, r.unit)} ${r.unit}${r.changed ? ` · ${t('changed')}` : ''}`,
      `≥ ${r.key === 'st_mv' ? THRESHOLDS.st_mv.toFixed(1) : THRESHOLDS[r.key]} ${r.unit}`,
    ];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  table.append(cap, thead, tbody);
}

/** Small multiples: one cell per lead, current and prior medians overlaid on ECG paper. */
function drawMedians(canvas, leads, mc, mp) {
  const dpr = window.devicePixelRatio || 1;
  const u = (96 / 25.4) * dpr;                     // device px per mm
  const speed = 50, gain = 10;
  const cellW = Math.round((MEDIAN_PRE_S + 0.55) * speed * u), cellH = Math.round(30 * u);
  const cssW = canvas.parentNode ? canvas.parentNode.clientWidth : 1000;
  const cols = Math.max(1, Math.min(leads.length, Math.floor((cssW * dpr) / cellW), 6));
  const rows = Math.ceil(leads.length / cols);
  canvas.width = cols * cellW;
  canvas.height = rows * cellH;
  canvas.style.width = `${canvas.width / dpr}px`;
  canvas.style.height = `${canvas.height / dpr}px`;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fffafa';
  g.fillRect(0, 0, canvas.width, canvas.height);
  // 5-mm grid.
  g.fillStyle = '#f5c6c6';
  for (let x = 0; x <= canvas.width; x += 5 * u) g.fillRect(Math.round(x), 0, 1, canvas.height);
  for (let y = 0; y <= canvas.height; y += 5 * u) g.fillRect(0, Math.round(y), canvas.width, 1);
  const trace = (m, fs, shift, x0, yb, color) => {
    if (!m || !m.n) return;
    const base = baselineOf(m.values, fs);
    g.strokeStyle = color;
    g.lineWidth = 1.4 * dpr;
    g.beginPath();
    let pen = false;
    for (let k = 0; k < m.values.length; k++) {
      const v = m.values[k];
      if (!Number.isFinite(v)) { pen = false; continue; }
      const x = x0 + ((k + shift) / fs) * speed * u, y = yb - (v - base) * gain * u;
      if (x < x0 || x > x0 + cellW) { pen = false; continue; }
      if (pen) g.lineTo(x, y); else g.moveTo(x, y);
      pen = true;
    }
    g.stroke();
  };
  leads.forEach((p, n) => {
    const x0 = (n % cols) * cellW, y0 = Math.floor(n / cols) * cellH;
    g.strokeStyle = 'rgba(140, 30, 30, 0.55)';
    g.lineWidth = 1;
    g.strokeRect(x0 + 0.5, y0 + 0.5, cellW - 1, cellH - 1);
    const yb = y0 + cellH * 0.6;
    g.save();
    g.beginPath();
    g.rect(x0, y0, cellW, cellH);
    g.clip();   // a tall R wave stays in its own cell
    // Align the prior on the current QRS onset (in the current's samples).
    const shift = (mc.onset / mc.fs - mp.onset / mp.fs) * mp.fs;
    trace(mp.byLead[p.j], mp.fs, shift, x0, yb, PRIOR_COLOR);
    trace(mc.byLead[p.i], mc.fs, 0, x0, yb, CURRENT_COLOR);
    g.fillStyle = 'rgba(37, 99, 235, 0.35)';
    g.fillRect(Math.round(x0 + (mc.onset / mc.fs) * speed * u), y0, 1, cellH);
    g.font = `bold ${11 * dpr}px ${FONT}`;
    g.fillStyle = '#111827';
    g.textBaseline = 'top';
    g.fillText(p.name, x0 + 4 * dpr, y0 + 3 * dpr);
    g.restore();
  });
}

/** Level of the first 60 ms of a median beat (before the P wave: the isoelectric line). */
function baselineOf(values, fs) {
  const n = Math.max(1, Math.round(0.06 * fs));
  let s = 0, c = 0;
  for (let k = 0; k < n && k < values.length; k++) if (Number.isFinite(values[k])) { s += values[k]; c++; }
  return c ? s / c : 0;
}

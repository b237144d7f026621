// The viewer's DOM: toolbar, caliper bar, keyboard-annotation bar, beat legend, overview
// and strips canvases. Built with createElement/textContent; every string through t().
import { t } from '../i18n.js';
import { GAINS, PAGE_LENGTHS, SPEEDS } from './constants.js';
import { beatLegend } from './overlays.js';
import { formatTime } from './util.js';

function button(parent, text, label, cls = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `ecgv-btn ${cls}`.trim();
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.title = label;
  parent.appendChild(b);
  return b;
}

function select(parent, label, options, current) {
  const wrap = document.createElement('label');
  wrap.className = 'ecgv-field';
  wrap.append(`${label} `);
  const s = document.createElement('select');
  s.className = 'ecgv-select';
  s.setAttribute('aria-label', label);
  for (const [value, text] of options) {
    const opt = document.createElement('option');
    opt.value = String(value);
    opt.textContent = text;
    s.appendChild(opt);
  }
  s.value = String(current);
  wrap.appendChild(s);
  parent.appendChild(wrap);
  return s;
}

function checkbox(parent, text) {
  const l = document.createElement('label');
  l.className = 'ecgv-field';
  const i = document.createElement('input');
  i.type = 'checkbox';
  l.append(i, ` ${text}`);
  parent.appendChild(l);
  return i;
}

/** Build the viewer's elements inside v.container; returns the element map. */
export function buildDom(v) {
  const c = v.container, D = v.durationS;
  c.classList.add('ecgv');
  c.tabIndex = 0;
  c.setAttribute('role', 'application');
  c.setAttribute('aria-roledescription', t('ECG viewer'));
  c.setAttribute('aria-label', t(
    'ECG, %(n)s leads (%(names)s), %(length)s long. Left and Right arrows page, Home and End jump to ' +
    'start and end, drag on a lead to select a span, Shift+drag selects on all leads, Escape clears. ' +
    'C toggles calipers (click two beats), M marches the interval out. A starts keyboard annotation: ' +
    'comma and period move to the previous or next beat, [ and ] set start and end, L chooses the lead, ' +
    'digits choose a label, Enter confirms.',
    { n: v.leadNames.length, names: v.leadNames.join(', '), length: formatTime(D, Math.max(60, D)) }));

  const el = {};
  const bar = document.createElement('div');
  bar.className = 'ecgv-toolbar';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', t('ECG viewer controls'));
  el.toolbar = bar;
  el.prev = button(bar, '◀', t('Previous page (Left arrow)'));
  el.next = button(bar, '▶', t('Next page (Right arrow)'));
  el.range = document.createElement('span');
  el.range.className = 'ecgv-range';
  el.range.setAttribute('aria-live', 'polite');
  bar.appendChild(el.range);
  el.speed = select(bar, t('Speed'), SPEEDS.map((s) => [s, t('%(n)s mm/s', { n: s })]), v.speed);
  el.gain = select(bar, t('Gain'), GAINS.map((g) => [g, t('%(n)s mm/mV', { n: g })]), v.gain);
  // Holter and long strips: page length, hour, full disclosure.
  el.pageLen = select(bar, t('Page'), [[0, t('one line')], ...PAGE_LENGTHS.map((s) => [s, t('%(n)s s', { n: s })])], v.pageS);
  el.pageLen.parentElement.hidden = D <= 12;
  el.hour = select(bar, t('Hour'), Array.from({ length: Math.ceil(D / 3600) }, (_, h) =>
    [h, t('hour %(n)s (%(at)s)', { n: h + 1, at: formatTime(h * 3600, D) })]), 0);
  el.hour.parentElement.hidden = D <= 3600;
  el.disclosure = button(bar, t('Full disclosure'), t('Full disclosure: 30 lines of 60 s of one lead; click a line to read it (F)'), 'ecgv-toggle');
  el.disclosure.setAttribute('aria-pressed', 'false');
  el.disclosure.hidden = D <= 60;
  el.all = button(bar, t('All leads'), t('Select spans on all leads (same as Shift+drag)'), 'ecgv-toggle');
  el.all.setAttribute('aria-pressed', 'false');
  el.layout = button(bar, t('12-lead'), t('Standard 12-lead sheet (3 x 4 + lead II rhythm strip) or stacked leads'), 'ecgv-toggle');
  el.layout.hidden = !v._twelveMap;
  el.cal = button(bar, t('Calipers'), t('Calipers: two cursors measuring interval and rate (C)'), 'ecgv-toggle');
  el.cal.setAttribute('aria-pressed', 'false');
  el.status = document.createElement('span');
  el.status.className = 'ecgv-status';
  el.status.setAttribute('role', 'status');
  bar.appendChild(el.status);

  // Beat-label legend (the marks above the strips).
  el.legend = document.createElement('div');
  el.legend.className = 'ecgv-legend';
  el.legend.setAttribute('aria-label', t('Beat labels'));
  const head = document.createElement('span');
  head.textContent = t('Beats:');
  el.legend.appendChild(head);
  for (const item of beatLegend()) {
    const s = document.createElement('span');
    s.className = 'ecgv-legend-item';
    const g = document.createElement('b');
    g.textContent = item.glyph;
    g.style.color = item.color;
    s.append(g, ` ${item.text}`);
    el.legend.appendChild(s);
  }

  // Caliper readout and options (shown while calipers are on).
  const cb = document.createElement('div');
  cb.className = 'ecgv-calbar';
  cb.hidden = true;
  el.calText = document.createElement('span');
  el.calText.className = 'ecgv-calreadout';
  el.calText.setAttribute('aria-live', 'polite');
  cb.appendChild(el.calText);
  el.snapText = document.createElement('span');
  el.snapText.className = 'ecgv-snapinfo';
  cb.appendChild(el.snapText);
  el.snap = checkbox(cb, t('Snap to R'));
  el.snap.checked = true;
  el.march = checkbox(cb, t('March out (M)'));
  el.calSave = button(cb, t('Save'), t('Save this measurement as an annotation'));
  el.calSave.hidden = typeof v.opts.onSaveMeasurement !== 'function';
  el.calClear = button(cb, t('Clear'), t('Remove the caliper cursors'));
  el.calBar = cb;

  // Keyboard annotation (key A): cursor, start/end, lead, label.
  const kb = document.createElement('div');
  kb.className = 'ecgv-keybar';
  kb.hidden = true;
  el.keyText = document.createElement('span');
  el.keyText.className = 'ecgv-keyreadout';
  el.keyText.setAttribute('aria-live', 'polite');
  el.keyLabels = document.createElement('span');
  el.keyLabels.className = 'ecgv-keylabels';
  kb.append(el.keyText, el.keyLabels);
  el.keyBar = kb;

  el.overview = document.createElement('canvas');
  el.overview.className = 'ecgv-overview';
  el.overview.setAttribute('role', 'img');
  el.overview.setAttribute('aria-label', t('Whole-recording overview: heart-rate trend and findings. Click to jump.'));

  el.canvas = document.createElement('canvas');
  el.canvas.className = 'ecgv-strips';
  el.canvas.setAttribute('role', 'img');

  c.append(bar, cb, kb, el.overview, el.legend, el.canvas);
  return el;
}

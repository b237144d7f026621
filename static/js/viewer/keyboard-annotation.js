// Keyboard annotation (key A): a cursor moved beat by beat, start and end set with [ and ],
// the lead with L, a label with 1-9, Enter hands the span to the page. Functions of viewer v.
import { t } from '../i18n.js';
import { snapCaliper } from './calipers.js';
import { clamp, formatTime } from './util.js';

/** Key A: a cursor on the beat nearest the page centre; , and . move it beat by beat
 *  (Shift: 40 ms), [ and ] set start and end, L the lead, 1-9 a label, Enter confirms. */
export function startKeyboardAnnotation(v) {
  const k = v.keyAnnot;
  const mid = v.startS + Math.min(v._layout.windowS, v.durationS - v.startS) / 2;
  const b = snapCaliper(mid, { beatT: v._beatT, fs: v.fs });
  Object.assign(k, { on: true, cursorS: b.t, startS: null, endS: null, leadIndex: null, label: null });
  v._el.keyBar.hidden = false;
  updateKeyBar(v);
  v._invalidate();
}

export function stopKeyboardAnnotation(v) {
  v.keyAnnot.on = false;
  v._el.keyBar.hidden = true;
  if (v.selection && v.selection.live) v.selection = null;
  v._invalidate();
}

/** Move the keyboard cursor to time s (the page follows). */
export function moveKeyCursor(v, s) {
  const k = v.keyAnnot;
  k.cursorS = clamp(Math.round(s * v.fs) / v.fs, 0, v.durationS);
  const view = v.getView();
  if (k.cursorS < view.startS || k.cursorS > view.endS) v.goTo(k.cursorS - view.windowS / 2);
  updateKeyBar(v);
  v._invalidate();
}

export function keySelection(v) {
  const k = v.keyAnnot;
  if (k.startS !== null && k.endS !== null) {
    v.selection = { leadIndex: k.leadIndex, startS: Math.min(k.startS, k.endS), endS: Math.max(k.startS, k.endS), live: true };
  }
  updateKeyBar(v);
  v._invalidate();
}

/** Enter: the span from [ to ] on the chosen lead, with the chosen label, goes to the page
 *  (onSelectSpan, 'ecgv:select'); returns it, or null when start or end is missing. */
export function commitKeyboardAnnotation(v) {
  const k = v.keyAnnot;
  if (k.startS === null || k.endS === null || k.startS === k.endS) { updateKeyBar(v, t('Set the start with [ and the end with ] first.')); return null; }
  const s = Math.min(k.startS, k.endS), e = Math.max(k.startS, k.endS);
  const label = k.label;
  v.keyAnnot.on = false;
  v._el.keyBar.hidden = true;
  v._selectSpan(k.leadIndex, Number(s.toFixed(6)), Number(e.toFixed(6)), label, 'keyboard');
  return v.selection;
}

export function updateKeyBar(v, note = '') {
  const k = v.keyAnnot, D = v.durationS;
  const at = (s) => (s === null ? '—' : formatTime(s, D, 2));
  v._el.keyText.textContent = note || t(
    'Keyboard annotation: cursor %(cursor)s · start %(start)s · end %(end)s · lead %(lead)s · label %(label)s. ' +
    ', . move by beat (Shift: 40 ms), [ ] set start and end, L lead, 1-9 label, Enter confirm, Esc cancel.',
    { cursor: at(k.cursorS), start: at(k.startS), end: at(k.endS),
      lead: k.leadIndex === null ? t('all leads') : v.leadLabel(k.leadIndex), label: k.label || '—' });
  const box = v._el.keyLabels;
  box.textContent = '';
  v.annotationLabels.forEach((label, i) => {
    const s = document.createElement('span');
    s.className = 'ecgv-keylabel';
    if (label === k.label) s.dataset.chosen = 'true';
    s.textContent = `${i + 1} ${label}`;
    box.appendChild(s);
  });
}

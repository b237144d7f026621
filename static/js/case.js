// Case page: ECG viewer, findings, live annotations, claim and report.
import { api, label, onResync, socket, user, vocabulary } from "./app.js";
import { formatDateTime, t } from "./i18n.js";

const page = document.getElementById("case-page");
const caseId = Number(page.dataset.caseId);
const $ = (id) => document.getElementById(id);
let current = null;          // the case JSON
let viewer = null;
let annotations = new Map(); // id -> annotation
let pendingSpan = null;

function showError(message) {
  const el = $("case-error");
  el.textContent = message || ""; el.hidden = !message;
}

function el(tag, { className, text, href } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  if (href) node.href = href;
  return node;
}

// Findings may carry a point in time, a span, or neither.
const spanText = (start, end) => start == null ? "" : end == null || end === start
  ? t("at %(time)s s", { time: Number(start).toFixed(1) })
  : t("%(start)s–%(end)s s", { start: Number(start).toFixed(1), end: Number(end).toFixed(1) });
const leadText = (lead) => lead || t("all leads");
const who = (u) => (u ? u.full_name || u.username : "");

// What the user may do with this case comes from the server's access policy (`case.can`).
const may = (action) => !!(current && current.can && current.can[action]);
const canAnnotate = () => may("annotate");

/** The failure reason in the reader's language: a read error from its msgid and params (as the server's
 * stored_text does), else the stored English msgid. */
function failureText(c) {
  const d = c.failure_detail;
  if (!d || !d.msgid) return c.failure_reason ? t(c.failure_reason) : "";
  const params = { ...d.params };
  for (const k of d.msgid_params || []) params[k] = t(d.params[k], d.params);
  return t(d.msgid, params);
}

function renderHead(c) {
  $("case-status").textContent = label("statuses", c.status);
  const prio = $("case-priority");
  prio.className = `prio ${c.priority || "none"}`;
  prio.textContent = c.priority ? label("priorities", c.priority) : t("analysing");
  $("failure").hidden = !c.failure_reason; $("failure").textContent = failureText(c);
  const actions = $("case-actions");
  actions.replaceChildren();
  if (may("claim")) {
    const b = el("button", { text: t("Claim this case") });
    b.onclick = async () => {
      try { await api("POST", `/api/v1/cases/${caseId}/claim`); await load(); } catch (e) { showError(e.message); await load(); }
    };
    actions.appendChild(b);
  } else if (c.assigned_to) {
    actions.textContent = c.status === "reported"
      ? t("Read by %(name)s", { name: who(c.assigned_to) }) : t("In review by %(name)s", { name: who(c.assigned_to) });
  }
  if (may("request_rerecord")) {
    const ask = el("button", { className: "secondary", text: t("Ask for a new recording") });
    ask.onclick = async () => {
      const reason = window.prompt(t("What should the clinic do differently?"));
      if (!reason) return;
      try { await api("POST", `/api/v1/cases/${caseId}/rerecord`, { reason }); showError(""); await load(); }
      catch (e) { showError(e.message); }
    };
    actions.append(" ", ask);
  }
  renderRerecord(c);
}

function renderRerecord(c) {
  const card = $("rerecord-card");
  card.hidden = c.status !== "rerecord_requested";
  const list = $("rerecord-messages");
  list.replaceChildren();
  if (card.hidden || !c.rerecord) return;
  c.rerecord.messages.forEach((m) => list.appendChild(el("li", { text: m })));
  if (c.rerecord.by === "reader" && c.rerecord.requested_by) {
    list.appendChild(el("li", { className: "muted", text: t("Asked by %(name)s at %(time)s",
      { name: who(c.rerecord.requested_by), time: formatDateTime(c.rerecord.requested_at) }) }));
  }
}

function renderDevice(rec, a) {
  // What the cart measured, beside what ecgsignal measured.
  const box = $("device-summary");
  const device = rec && rec.device;
  if (!device) { box.hidden = true; return; }
  const m = device.measurements || {};
  const part = (hr, qtc) => [hr != null ? t("%(rate)s/min", { rate: Math.round(hr) }) : null,
    qtc != null ? `QTc ${Math.round(qtc)} ms` : null].filter(Boolean).join(", ") || "—";
  const ours = a ? part(a.heart_rate_bpm, (a.measurements || {}).qtc_ms) : "…";
  const name = [device.manufacturer, device.model].filter(Boolean).join(" ") || device.format_name;
  box.textContent = t("device (%(name)s): %(device)s / ecgsignal: %(ours)s",
    { name, device: part(m.heart_rate_bpm, m.qtc_ms), ours });
  if (device.statements && device.statements.length) box.title = device.statements.join("\n");
  box.hidden = false;
}

function renderAnalysis(a) {
  const list = $("findings");
  if (!a) {
    $("analysis-summary").textContent = current.status === "analysis_failed"
      ? t("The automatic analysis failed.") : t("Analysing… this page updates by itself.");
    list.replaceChildren();
    return;
  }
  const m = a.measurements || {};
  const parts = [
    a.heart_rate_bpm != null ? t("Heart rate %(rate)s/min", { rate: Math.round(a.heart_rate_bpm) }) : t("Heart rate not measurable"),
    t("%(count)s beats", { count: a.n_beats }),
    ...["pr_ms", "qrs_ms", "qt_ms", "qtc_ms"].filter((k) => m[k] != null)
      .map((k) => `${k.replace("_ms", "").toUpperCase().replace("QTC", "QTc")} ${Math.round(m[k])} ms`),
    m.axis_deg != null ? t("axis %(deg)s°", { deg: Math.round(m.axis_deg) }) : null,
    t("algorithm %(version)s", { version: a.algorithm_version }),
  ].filter(Boolean);
  $("analysis-summary").textContent = parts.join(" · ");
  renderInterpretation(a.interpretation);
  renderHolter(a.holter);
  list.replaceChildren();
  if (!a.findings.length) list.appendChild(el("li", { className: "muted", text: t("No abnormal finding.") }));
  a.findings.forEach((f) => {
    const entry = (vocabulary.findings || {})[f.code] || { name: f.code, explanation: f.text || "" };
    const li = el("li", { className: `finding ${f.severity}` });
    li.append(el("strong", { text: entry.name }), " ", el("small", { className: "code", text: `(${f.code})` }), " ",
      el("span", { className: "explanation", text: entry.explanation }), " ",
      el("small", { text: `${spanText(f.start_s, f.end_s)} ${leadText(f.lead)}` }));
    if (f.text) li.title = f.text;   // the analyser's own wording, with its measured values
    li.tabIndex = 0;
    li.onclick = () => {
      if (!viewer) return;
      viewer.showFinding(f);
      $("viewer").scrollIntoView({ block: "nearest", behavior: "smooth" });
    };
    li.onkeydown = (e) => { if (e.key === "Enter") li.onclick(); };
    list.appendChild(li);
  });
}

const OVERALL = { normal: t("Normal ECG"), borderline: t("Borderline ECG"), abnormal: t("Abnormal ECG"),
  uninterpretable: t("Uninterpretable ECG") };

function renderInterpretation(interp) {
  // ecgsignal's reading in the words of a 12-lead report, each statement with its evidence and source.
  const box = $("interpretation");
  box.replaceChildren();
  if (!interp || !interp.statements) { box.hidden = true; return; }
  const zh = (globalThis.TELEMED_I18N || {}).locale === "zh_CN";
  box.hidden = false;
  box.appendChild(el("p", { className: `overall ${interp.overall}`, text: OVERALL[interp.overall] || interp.overall }));
  const ul = el("ul", { className: "statements" });
  interp.statements.filter((s) => s.category !== "overall").forEach((s) => {
    const li = el("li", { className: `statement ${s.kind}`, text: zh ? s.label_zh : s.label_en });
    const evidence = (s.evidence || []).map((e) => [e.quantity, e.value != null ? `${Math.round(e.value * 10) / 10} ${e.unit}` : "",
      e.threshold ? `(${e.threshold})` : "", (e.leads || []).join(" ")].filter(Boolean).join(" ")).join("; ");
    li.title = [evidence, s.source].filter(Boolean).join("\n");
    ul.appendChild(li);
  });
  box.appendChild(ul);
}

function clock(startS) {
  // A time into the recording as the wall clock showed it when the recording has a start time.
  const start = current.recording && current.recording.start_time;
  if (start) return formatDateTime(new Date(Date.parse(start) + startS * 1000).toISOString(), { withDate: false });
  const h = Math.floor(startS / 3600); const m = Math.floor((startS % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}`;
}

function renderHolter(h) {
  const card = $("holter-card");
  card.hidden = !h;
  if (!h) return;
  const rate = (v) => (v == null ? "–" : t("%(rate)s/min", { rate: Math.round(v) }));
  const longestPause = h.pauses.length ? h.pauses[0].duration_s + " s" : "–";
  const longestRr = h.longest_rr_s == null ? "–" : h.longest_rr_s;
  const facts = [
    t("Heart rate: minimum %(min)s at %(min_at)s, mean %(mean)s, maximum %(max)s at %(max_at)s", {
      min: rate(h.heart_rate_min_bpm), min_at: clock(h.heart_rate_min_at_s || 0), mean: rate(h.heart_rate_mean_bpm),
      max: rate(h.heart_rate_max_bpm), max_at: clock(h.heart_rate_max_at_s || 0) }),
    t("%(beats)s beats; PVCs %(pvc)s (%(pvc_pct)s %%), PACs %(pac)s (%(pac_pct)s %%)", {
      beats: h.n_beats, pvc: h.pvc_count, pvc_pct: h.pvc_burden_pct, pac: h.pac_count, pac_pct: h.pac_burden_pct }),
    t("Couplets %(couplets)s, ventricular runs %(runs)s, bigeminy %(big)s, trigeminy %(tri)s episodes", {
      couplets: h.couplets, runs: h.runs_total, big: h.bigeminy_total, tri: h.trigeminy_total }),
    t("Longest pause %(pause)s; longest RR %(rr)s s; AF burden %(af)s %%", { pause: longestPause, rr: longestRr, af: h.af_burden_pct }),
  ];
  $("holter-facts").replaceChildren(...facts.map((f) => el("p", { text: f })));
  const episodes = $("holter-episodes");
  episodes.replaceChildren();
  const group = (title, items, describe) => {
    if (!items.length) return;
    const p = el("p");
    p.append(el("strong", { text: `${title}: ` }));
    items.slice(0, 12).forEach((e) => {
      const b = el("button", { className: "link", text: `${clock(e.start_s)} ${describe(e)}` });
      b.onclick = () => { if (viewer) { viewer.goTo(Math.max(0, e.start_s - 2)); $("viewer").scrollIntoView({ block: "nearest" }); } };
      p.append(b, " ");
    });
    episodes.appendChild(p);
  };
  group(t("Pauses"), h.pauses, (e) => `${e.duration_s} s`);
  group(t("Ventricular runs"), h.runs, (e) => t("%(beats)s beats", { beats: e.beats }));
  group(t("Bigeminy"), h.bigeminy, (e) => t("%(cycles)s cycles", { cycles: e.cycles }));
  group(t("Trigeminy"), h.trigeminy, (e) => t("%(cycles)s cycles", { cycles: e.cycles }));
  if (h.af_longest_start_s != null) group(t("Longest AF episode"), [{ start_s: h.af_longest_start_s }], () => `${h.af_longest_s} s`);
  $("holter-hourly").replaceChildren(...h.hourly.map((r) => {
    const tr = el("tr");
    const jump = el("button", { className: "link", text: clock(r.start_s) });
    jump.onclick = () => viewer && viewer.goTo(r.start_s);
    const first = el("td"); first.appendChild(jump);
    const mean = r.hr_mean_bpm == null ? "–" : r.hr_mean_bpm;
    tr.append(first, ...[r.beats, mean, r.pvc, r.pac, r.pauses].map((v) => el("td", { text: String(v) })));
    return tr;
  }));
}

function preselectStatements(a) {
  // The automatic reading is the cardiologist's starting point, once; their own choices are never overwritten.
  const form = $("report-form");
  if (!a || form.dataset.preselected || !(a.suggested_statements || []).length) return;
  form.dataset.preselected = "1";
  a.suggested_statements.forEach((code) => {
    const box = form.querySelector(`input[name="statements"][value="${code}"]`);
    if (box) box.checked = true;
  });
}

function renderAnnotations() {
  const list = $("annotations");
  const items = [...annotations.values()].sort((a, b) => a.start_s - b.start_s);
  $("annotation-hint").textContent = canAnnotate() ? t("drag on a lead to mark a span; shift-drag for all leads") : "";
  list.replaceChildren();
  if (!items.length) list.appendChild(el("li", { className: "muted", text: t("None yet.") }));
  items.forEach((a) => {
    const li = el("li");
    li.dataset.id = a.id;
    li.append(el("strong", { text: a.label }), " ", el("small", {
      text: `${a.start_s.toFixed(2)}–${a.end_s.toFixed(2)} s · ${leadText(a.lead)} · ${who(a.author)} · v${a.version}` }),
    el("div", { text: a.text }));
    if (a.hidden_from_report) li.append(" ", el("small", { className: "hidden-mark", text: t("hidden from the report") }));
    (a.replies || []).forEach((r) => li.appendChild(el("div", { className: "reply",
      text: `↳ ${who(r.author)}: ${r.text}` })));
    li.onclick = (e) => { if (e.target.tagName !== "BUTTON" && viewer) viewer.goTo(Math.max(0, a.start_s - 1)); };
    if (canAnnotate()) {
      // Only the author changes an annotation; colleagues reply to it.
      if (a.author.id === user.id) {
        const edit = el("button", { className: "link", text: t("Edit") });
        edit.onclick = () => editAnnotation(a);
        const del = el("button", { className: "link", text: t("Delete") });
        del.onclick = () => deleteAnnotation(a);
        li.append(edit, del);
      } else {
        const answer = el("button", { className: "link", text: t("Reply") });
        answer.onclick = () => replyTo(a);
        li.append(answer);
      }
      if (may("hide_annotations")) {
        const hide = el("button", { className: "link", text: a.hidden_from_report ? t("Show in the report") : t("Hide from the report") });
        hide.onclick = async () => {
          try {
            const r = await api("POST", `/api/v1/annotations/${a.id}/hidden`, { hidden: !a.hidden_from_report });
            annotations.set(r.annotation.id, r.annotation); renderAnnotations(); showError("");
          } catch (err) { showError(err.message); }
        };
        li.append(hide);
      }
    }
    list.appendChild(li);
  });
  if (viewer) viewer.setAnnotations(items);
}

async function editAnnotation(a) {
  const text = window.prompt(t("Note for “%(label)s”", { label: a.label }), a.text);
  if (text == null) return;
  try {
    const r = await api("PATCH", `/api/v1/annotations/${a.id}`, { version: a.version, text });
    annotations.set(r.annotation.id, r.annotation); renderAnnotations(); showError("");
  } catch (e) {
    if (e.status === 409 && e.data && e.data.current) { annotations.set(e.data.current.id, e.data.current); renderAnnotations(); }
    showError(e.message);
  }
}

async function replyTo(a) {
  const text = window.prompt(t("Your reply to “%(label)s”", { label: a.label }));
  if (!text) return;
  try {
    const r = await api("POST", `/api/v1/annotations/${a.id}/replies`, { text });
    annotations.set(r.annotation.id, r.annotation); renderAnnotations(); showError("");
  } catch (e) { showError(e.message); }
}

async function deleteAnnotation(a) {
  if (!window.confirm(t("Delete “%(label)s”?", { label: a.label }))) return;
  try {
    await api("DELETE", `/api/v1/annotations/${a.id}`, { version: a.version });
    annotations.delete(a.id); renderAnnotations(); showError("");
  } catch (e) {
    if (e.status === 409 && e.data && e.data.current) { annotations.set(e.data.current.id, e.data.current); renderAnnotations(); }
    showError(e.message);
  }
}

const KINDS = { original: t("signed"), addendum: t("addendum"), correction: t("correction") };

/** The report exactly as the township doctor sees it (also the preview before signing). */
function reportView(r) {
  const frag = document.createDocumentFragment();
  if (r.amended) frag.appendChild(el("p", { className: "amended", text: t("Amended (version %(version)s)", { version: r.version }) }));
  const statements = el("ul");
  (r.statements || []).forEach((s) => statements.appendChild(el("li", { text: label("statements", s) })));
  const recommendation = el("p");
  recommendation.append(el("strong", { text: t("Recommendation:") }), " ", label("recommendations", r.recommendation));
  frag.append(el("p", { className: "diagnosis", text: r.diagnosis }), statements, recommendation);
  if (r.signed_by) {
    frag.appendChild(el("p", { className: "muted", text: t("Signed by %(name)s at %(time)s",
      { name: who(r.signed_by), time: formatDateTime(r.signed_at) }) }));
  }
  return frag;
}

async function renderHistory(c) {
  const box = $("report-history");
  box.replaceChildren();
  if (!c.report || !c.report.amended) { box.hidden = true; return; }
  const { versions } = await api("GET", `/api/v1/cases/${caseId}/report`);
  box.hidden = false;
  box.appendChild(el("h3", { text: t("History") }));
  const list = el("ol");
  versions.forEach((v) => list.appendChild(el("li", { text: `${KINDS[v.kind] || v.kind} · ${who(v.signed_by)} · `
    + `${formatDateTime(v.signed_at)}${v.reason ? ` · ${v.reason}` : ""}` })));
  box.appendChild(list);
}

function mayAmend(c) {
  return may("amend") && c.report;
}

function renderReport(c) {
  const box = $("report");
  const form = $("report-form");
  const links = $("report-links");
  links.replaceChildren();
  box.replaceChildren();
  $("amend-button").hidden = true;
  if (c.report) {
    links.append(el("a", { href: `/cases/${caseId}/report`, text: t("printable") }), " · ",
      el("a", { href: `/cases/${caseId}/report.pdf`, text: t("PDF") }));
    box.appendChild(reportView(c.report));
    renderHistory(c).catch((e) => showError(e.message));
    $("amend-button").hidden = !mayAmend(c) || form.dataset.mode === "amend";
    if (form.dataset.mode !== "amend") form.hidden = true;
    return;
  }
  if (c.status !== "reported") box.appendChild(el("p", { className: "muted", text: t("No report yet.") }));
  form.hidden = !may("sign");
  if (!form.hidden) preselectStatements(c.analysis);
}

function formReport(form) {
  return {
    diagnosis: form.diagnosis.value, recommendation: form.recommendation.value,
    statements: [...form.querySelectorAll('input[name="statements"]:checked')].map((i) => i.value),
  };
}

function openAmendment() {
  // The same form, filled with the current version, with the amendment's kind and reason.
  const form = $("report-form");
  const r = current.report;
  form.dataset.mode = "amend";
  form.diagnosis.value = r.diagnosis;
  form.recommendation.value = r.recommendation;
  form.querySelectorAll('input[name="statements"]').forEach((i) => { i.checked = r.statements.includes(i.value); });
  $("amend-fields").hidden = false;
  const signer = current.report && current.report.version === 1 ? current.report.signed_by.id : null;
  form.kind.querySelector('option[value="correction"]').disabled = signer !== null && signer !== user.id;
  form.querySelector('button[type="submit"]').textContent = t("Sign the amendment and send it to the clinic");
  form.hidden = false;
  $("amend-button").hidden = true;
  form.scrollIntoView({ block: "nearest" });
}

function ensureViewer(c) {
  if (viewer || !c.recording) return;
  if (!window.EcgViewer) {  // the viewer is an ES module of its own: wait until it has loaded
    window.addEventListener("ecgviewer:ready", () => { ensureViewer(current); renderAnnotations(); }, { once: true });
    return;
  }
  setTimeout(() => { if (viewer && viewer.getView) { myView = viewer.getView(); announcePresence(); } }, 0);
  const host = $("viewer");
  host.replaceChildren();
  const a = c.analysis;
  viewer = new window.EcgViewer(host, {
    fs: c.recording.fs, durationS: c.recording.duration_s, leadNames: c.recording.leads,
    loadWindow: (s, e, n) => api("GET", `/api/v1/cases/${caseId}/signal?start_s=${s}&end_s=${e}&max_points=${n}`),
    beats: a ? a.beats : { sample: [], label: [] },
    findings: a ? a.findings : [],
    annotations: [...annotations.values()],
    selfUserId: user.id,
    onSelectSpan: (span) => {
      if (!canAnnotate()) return;
      pendingSpan = span;
      $("annotation-span").textContent = t("%(start)s–%(end)s s on %(lead)s",
        { start: span.startS.toFixed(3), end: span.endS.toFixed(3), lead: leadText(span.lead) });
      $("annotation-form").hidden = false;
      if (span.label) $("annotation-form").label.value = span.label;  // chosen with a digit key in the viewer
      $("annotation-form").label.focus();
    },
    onAnnotationClick: (ann) => {
      const li = document.querySelector(`#annotations li[data-id="${ann.id}"]`);
      if (li) li.scrollIntoView({ block: "nearest" });
    },
    onViewChange: (view) => { myView = view; announcePresence(); },
    layout: localStorage.getItem("telemed.ecgLayout") || "auto",
    onLayoutChange: (drawn, requested) => localStorage.setItem("telemed.ecgLayout", requested),
    onSaveMeasurement: async (m) => {  // calipers' "Save"
      if (!canAnnotate()) { showError(t("Claim or open the case for review to save measurements.")); return; }
      try {
        const r = await api("POST", `/api/v1/cases/${caseId}/annotations`, {
          lead: m.lead || null, start_s: m.startS, end_s: m.endS,
          label: t("RR interval %(ms)s ms (%(bpm)s bpm)", { ms: Math.round(m.intervalMs), bpm: Math.round(m.rateBpm) }),
          text: t("caliper measurement") });
        annotations.set(r.annotation.id, r.annotation); renderAnnotations(); showError("");
      } catch (err) { showError(err.message); }
    },
  });
  renderPresence();
}

// --- presence: who else is reading this case, and where -------------------------------------
const present = new Map(); // sid -> {user, start_s, end_s}
let myView = null;
let presenceTimer = null;
function announcePresence() {
  if (!myView || !socket.connected) return;
  clearTimeout(presenceTimer);
  presenceTimer = setTimeout(() => socket.emit("presence",
    { case_id: caseId, start_s: myView.startS, end_s: myView.endS },
    (ack) => { if (ack && ack.error) console.warn("presence:", ack.error); }), 150);
}
function renderPresence() {
  const others = [...present.values()];
  $("presence").replaceChildren(...others.map((p) => {
    const hue = window.EcgViewer && window.EcgViewer.authorHue ? window.EcgViewer.authorHue(p.user.id) : 210;
    const chip = el("span", { className: "who-here", text: `${who(p.user)} · ${p.start_s.toFixed(0)}–${p.end_s.toFixed(0)} s` });
    chip.style.background = `hsl(${hue} 55% 42%)`;
    chip.title = t("viewing %(start)s–%(end)s s", { start: p.start_s.toFixed(1), end: p.end_s.toFixed(1) });
    return chip;
  }));
  if (viewer && viewer.setPresence) {
    viewer.setPresence(others.map((p) => ({ userId: p.user.id, username: p.user.username, name: who(p.user), startS: p.start_s, endS: p.end_s })));
  }
}
socket.on("presence", (p) => { if (p.case_id === caseId && p.user.id !== user.id) { present.set(p.sid, p); renderPresence(); } });
socket.on("presence_left", (p) => { if (p.case_id === caseId) { present.delete(p.sid); renderPresence(); } });
socket.on("presence_request", (p) => { if (p.case_id === caseId) announcePresence(); });

// --- consult thread -----------------------------------------------------------------------
const messageIds = new Set();
function addMessage(m) {
  if (messageIds.has(m.id)) return;
  messageIds.add(m.id);
  const li = el("li");
  li.append(el("span", { className: "from", text: who(m.author) }), " ",
    el("span", { className: "when", text: `${label("roles", m.author.role)} · ${formatDateTime(m.created_at)}` }),
    el("div", { text: m.text }));
  $("messages").appendChild(li);
  $("messages").scrollTop = $("messages").scrollHeight;
}
socket.on("message_created", (m) => { if (m.case_id === caseId) addMessage(m); });
$("message-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("message-text").value;
  try {
    const r = await api("POST", `/api/v1/cases/${caseId}/messages`, { text });
    addMessage(r.message); $("message-text").value = ""; showError("");
  } catch (err) { showError(err.message); }
});

// --- prior ECGs, side by side ---------------------------------------------------------------
let compareViewer = null;
let compareLink = null;
async function loadPriors() {
  const data = await api("GET", `/api/v1/cases/${caseId}/priors`);
  const list = $("priors");
  list.replaceChildren();
  if (!data.cases.length) { list.appendChild(el("li", { className: "muted", text: t("None.") })); return; }
  data.cases.forEach((p) => {
    const li = el("li");
    const hr = p.summary && p.summary.heart_rate_bpm ? ` · ${t("%(rate)s/min", { rate: Math.round(p.summary.heart_rate_bpm) })}` : "";
    const open = el("button", { className: "link", text: t("Open side by side") });
    open.onclick = () => openCompare(p.id);
    li.append(el("a", { href: `/cases/${p.id}`, text: formatDateTime(p.created_at) }), ` ${label("statuses", p.status)}${hr} `, open);
    list.appendChild(li);
  });
}
async function openCompare(priorId) {
  const prior = (await api("GET", `/api/v1/cases/${priorId}`)).case;
  if (compareLink) { compareLink.destroy(); compareLink = null; }
  if (compareViewer && compareViewer.destroy) compareViewer.destroy();
  const host = $("compare-viewer");
  host.replaceChildren();
  $("compare-card").hidden = false;
  $("compare-title").textContent = t("Prior ECG of %(time)s", { time: formatDateTime(prior.created_at) })
    + (prior.report ? ` — ${prior.report.diagnosis}` : "");
  compareViewer = new window.EcgViewer(host, {
    fs: prior.recording.fs, durationS: prior.recording.duration_s, leadNames: prior.recording.leads,
    loadWindow: (s, e, n) => api("GET", `/api/v1/cases/${priorId}/signal?start_s=${s}&end_s=${e}&max_points=${n}`),
    beats: prior.analysis ? prior.analysis.beats : { sample: [], label: [] },
    findings: prior.analysis ? prior.analysis.findings : [], annotations: prior.annotations, selfUserId: user.id,
  });
  $("compare-card").scrollIntoView({ block: "nearest" });
  if (window.EcgViewer.compare && viewer) {
    // Side by side, paging together, overlaid median beats, differences; the statement goes to the report.
    compareLink = window.EcgViewer.compare({
      current: viewer, prior: compareViewer, currentCase: current, priorCase: prior, panel: $("compare-card"),
      onStatement: (s) => { const d = $("report-form").diagnosis; d.value = d.value ? `${d.value} ${s}` : s; },
    });
  }
}
$("compare-close").onclick = () => {
  if (compareLink) { compareLink.destroy(); compareLink = null; }
  if (compareViewer && compareViewer.destroy) compareViewer.destroy();
  compareViewer = null; $("compare-card").hidden = true;
};

// A reload keeps the beats it already has (a 24-hour recording has ~100,000): ?beats=0.
async function load() {
  try {
    const light = !!(current && current.analysis);
    const data = await api("GET", `/api/v1/cases/${caseId}${light ? "?beats=0" : ""}`);
    const hadAnalysis = current && current.analysis;
    if (light && data.case.analysis) {
      data.case.analysis.beats = hadAnalysis.beats;
      data.case.analysis.heart_rate = hadAnalysis.heart_rate;
    }
    current = data.case;
    annotations = new Map(current.annotations.map((a) => [a.id, a]));
    renderHead(current); renderAnalysis(current.analysis); renderReport(current);
    renderDevice(current.recording, current.analysis);
    (current.messages || []).forEach(addMessage);
    if (viewer && !hadAnalysis && current.analysis) { if (viewer.destroy) viewer.destroy(); viewer = null; }
    ensureViewer(current);
    renderAnnotations();
  } catch (e) { showError(e.message); }
}

$("annotation-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  try {
    const r = await api("POST", `/api/v1/cases/${caseId}/annotations`, {
      lead: pendingSpan.lead, start_s: pendingSpan.startS, end_s: pendingSpan.endS,
      label: form.label.value, text: form.text.value });
    annotations.set(r.annotation.id, r.annotation); renderAnnotations();
    form.reset(); form.hidden = true; showError("");
  } catch (err) { showError(err.message); }
});
$("annotation-cancel").onclick = () => {
  $("annotation-form").hidden = true; pendingSpan = null;
  if (viewer && viewer.clearSelection) viewer.clearSelection();
};

const recordingForm = $("recording-form");
if (recordingForm) {
  recordingForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!recordingForm.files.files.length) { showError(t("Please choose the ECG file(s).")); return; }
    const button = recordingForm.querySelector("button");
    button.disabled = true;
    try {
      await api("POST", `/api/v1/cases/${caseId}/recordings`, new FormData(recordingForm));
      recordingForm.reset(); showError("");
      if (viewer && viewer.destroy) viewer.destroy();
      viewer = null; current = null;
      await load();
    } catch (err) { showError(err.message); } finally { button.disabled = false; }
  });
  $("send-anyway-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try { await api("POST", `/api/v1/cases/${caseId}/send`, { reason: e.target.reason.value }); showError(""); await load(); }
    catch (err) { showError(err.message); }
  });
}

$("report-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  try {
    if (form.dataset.mode === "amend") {
      await api("POST", `/api/v1/cases/${caseId}/report/amendments`,
        { ...formReport(form), kind: form.kind.value, reason: form.reason.value });
      delete form.dataset.mode;
      $("amend-fields").hidden = true;
      form.hidden = true;
    } else {
      await api("POST", `/api/v1/cases/${caseId}/report`, formReport(form));
    }
    $("report-preview").hidden = true;
    showError(""); await load();
  } catch (err) { showError(err.message); }
});
$("preview-button").addEventListener("click", () => {
  const preview = $("report-preview");
  preview.replaceChildren(el("h3", { text: t("As the township doctor will see it") }), reportView(formReport($("report-form"))));
  preview.hidden = false;
  preview.scrollIntoView({ block: "nearest" });
});
$("amend-button").addEventListener("click", openAmendment);

const upsert = (a) => { if (a.case_id === caseId) { annotations.set(a.id, a); renderAnnotations(); } };
socket.on("annotation_created", upsert);
socket.on("annotation_updated", upsert);
socket.on("annotation_deleted", (a) => { if (a.case_id === caseId) { annotations.delete(a.id); renderAnnotations(); } });
["case_updated", "case_reported"].forEach((ev) => socket.on(ev, (c) => { if (c.id === caseId) load(); }));
onResync(() => socket.emit("join_case", { case_id: caseId }, (ack) => {
  if (ack && ack.error) showError(ack.error);
  present.clear(); renderPresence(); announcePresence(); load();
}));
if (!socket.connected) load();
loadPriors().catch((e) => showError(e.message));
// Safety net: an event lost while the message queue restarted is corrected within a minute
// (a light reload: the beats are kept).
setInterval(load, 60000);

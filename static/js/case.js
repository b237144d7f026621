// Case page: ECG viewer, findings, live annotations, claim and report.
(function () {
  "use strict";
  const { api, socket, escapeHtml, timeOf, user, onResync } = window.Telemed;
  const page = document.getElementById("case-page");
  const caseId = Number(page.dataset.caseId);
  const $ = (id) => document.getElementById(id);
  const OPEN = ["awaiting_review", "in_review"];
  let current = null;          // the case JSON
  let viewer = null;
  let annotations = new Map(); // id -> annotation
  let pendingSpan = null;

  function showError(message) {
    const el = $("case-error");
    el.textContent = message || ""; el.hidden = !message;
  }

  // Findings may carry a point in time, a span, or neither.
  const spanText = (start, end) => start == null ? "" : end == null || end === start
    ? `at ${Number(start).toFixed(1)} s` : `${Number(start).toFixed(1)}–${Number(end).toFixed(1)} s`;

  const canAnnotate = () => user.role === "cardiologist" && current && OPEN.includes(current.status);

  function renderHead(c) {
    $("case-status").textContent = c.status.replace(/_/g, " ");
    const prio = $("case-priority");
    prio.className = `prio ${c.priority || "none"}`; prio.textContent = c.priority || "analysing";
    $("failure").hidden = !c.failure_reason; $("failure").textContent = c.failure_reason || "";
    const actions = $("case-actions");
    actions.innerHTML = "";
    if (user.role === "cardiologist" && c.status === "awaiting_review") {
      const b = document.createElement("button");
      b.textContent = "Claim this case";
      b.onclick = async () => {
        try { await api("POST", `/api/v1/cases/${caseId}/claim`); await load(); } catch (e) { showError(e.message); await load(); }
      };
      actions.appendChild(b);
    } else if (c.assigned_to) {
      actions.textContent = c.status === "reported" ? `Reported by ${c.assigned_to.username}` : `In review by ${c.assigned_to.username}`;
    }
  }

  function renderAnalysis(a) {
    const list = $("findings");
    if (!a) { $("analysis-summary").textContent = current.status === "analysis_failed" ? "The automatic analysis failed." : "Analysing… this page updates by itself."; list.innerHTML = ""; return; }
    const m = a.measurements || {};
    const parts = [
      a.heart_rate_bpm != null ? `Heart rate ${Math.round(a.heart_rate_bpm)}/min` : "Heart rate not measurable",
      `${a.n_beats} beats`,
      ...["pr_ms", "qrs_ms", "qt_ms", "qtc_ms"].filter((k) => m[k] != null).map((k) => `${k.replace("_ms", "").toUpperCase()} ${Math.round(m[k])} ms`),
      m.axis_deg != null ? `axis ${Math.round(m.axis_deg)}°` : null,
      `algorithm ${a.algorithm_version}`,
    ].filter(Boolean);
    $("analysis-summary").textContent = parts.join(" · ");
    list.innerHTML = a.findings.length ? "" : "<li class=\"muted\">No abnormal finding.</li>";
    a.findings.forEach((f) => {
      const li = document.createElement("li");
      li.className = `finding ${f.severity}`;
      li.innerHTML = `<strong>${escapeHtml(f.code)}</strong> ${escapeHtml(f.text || "")}
        <small>${spanText(f.start_s, f.end_s)} ${escapeHtml(f.lead || "all leads")}</small>`;
      li.tabIndex = 0;
      li.onclick = () => viewer && viewer.showFinding(f);
      li.onkeydown = (e) => { if (e.key === "Enter") li.onclick(); };
      list.appendChild(li);
    });
  }

  function renderAnnotations() {
    const list = $("annotations");
    const items = [...annotations.values()].sort((a, b) => a.start_s - b.start_s);
    $("annotation-hint").textContent = canAnnotate() ? "drag on a lead to mark a span; shift-drag for all leads" : "";
    list.innerHTML = items.length ? "" : '<li class="muted">None yet.</li>';
    items.forEach((a) => {
      const li = document.createElement("li");
      li.dataset.id = a.id;
      li.innerHTML = `<strong>${escapeHtml(a.label)}</strong> <small>${a.start_s.toFixed(2)}–${a.end_s.toFixed(2)} s · ${escapeHtml(a.lead || "all leads")} · ${escapeHtml(a.author.username)} · v${a.version}</small>
        <div>${escapeHtml(a.text)}</div>`;
      li.onclick = (e) => { if (e.target.tagName !== "BUTTON" && viewer) viewer.goTo(Math.max(0, a.start_s - 1)); };
      if (canAnnotate()) {
        const edit = document.createElement("button"); edit.className = "link"; edit.textContent = "Edit";
        edit.onclick = () => editAnnotation(a);
        const del = document.createElement("button"); del.className = "link"; del.textContent = "Delete";
        del.onclick = () => deleteAnnotation(a);
        li.append(edit, del);
      }
      list.appendChild(li);
    });
    if (viewer) viewer.setAnnotations(items);
  }

  async function editAnnotation(a) {
    const text = window.prompt(`Note for “${a.label}”`, a.text);
    if (text == null) return;
    try {
      const r = await api("PATCH", `/api/v1/annotations/${a.id}`, { version: a.version, text });
      annotations.set(r.annotation.id, r.annotation); renderAnnotations(); showError("");
    } catch (e) {
      if (e.status === 409 && e.data && e.data.current) { annotations.set(e.data.current.id, e.data.current); renderAnnotations(); }
      showError(e.message);
    }
  }

  async function deleteAnnotation(a) {
    if (!window.confirm(`Delete “${a.label}”?`)) return;
    try {
      await api("DELETE", `/api/v1/annotations/${a.id}`, { version: a.version });
      annotations.delete(a.id); renderAnnotations(); showError("");
    } catch (e) {
      if (e.status === 409 && e.data && e.data.current) { annotations.set(e.data.current.id, e.data.current); renderAnnotations(); }
      showError(e.message);
    }
  }

  function renderReport(c) {
    const box = $("report");
    const form = $("report-form");
    $("report-links").innerHTML = c.report
      ? `<a href="/cases/${caseId}/report">printable</a> · <a href="/cases/${caseId}/report.pdf">PDF</a>` : "";
    if (c.report) {
      const r = c.report;
      box.innerHTML = `<p class="diagnosis">${escapeHtml(r.diagnosis)}</p>
        <ul>${r.statements.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>
        <p><strong>Recommendation:</strong> ${escapeHtml(r.recommendation)}</p>
        <p class="muted">Signed by ${escapeHtml(r.signed_by.full_name || r.signed_by.username)} at ${escapeHtml(timeOf(r.signed_at))}</p>`;
      form.hidden = true;
      return;
    }
    box.innerHTML = c.status === "reported" ? "" : '<p class="muted">No report yet.</p>';
    form.hidden = !(user.role === "cardiologist" && c.status === "in_review" && c.assigned_to && c.assigned_to.id === user.id);
  }

  function ensureViewer(c) {
    if (viewer || !c.recording) return;
    if (!window.EcgViewer) { window.addEventListener("ecgviewer:ready", () => { ensureViewer(current); renderAnnotations(); }, { once: true }); return; }  // the viewer is an ES module (deferred)
    setTimeout(() => { if (viewer && viewer.getView) { myView = viewer.getView(); announcePresence(); } }, 0);
    const host = $("viewer");
    host.innerHTML = "";
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
        $("annotation-span").textContent = `${span.startS.toFixed(3)}–${span.endS.toFixed(3)} s on ${span.lead || "all leads"}`;
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
        if (!canAnnotate()) { showError("Claim or open the case for review to save measurements."); return; }
        try {
          const r = await api("POST", `/api/v1/cases/${caseId}/annotations`, {
            lead: m.lead || null, start_s: m.startS, end_s: m.endS,
            label: `RR interval ${Math.round(m.intervalMs)} ms (${Math.round(m.rateBpm)} bpm)`, text: "caliper measurement" });
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
    $("presence").innerHTML = others.map((p) => {
      const hue = window.EcgViewer && window.EcgViewer.authorHue ? window.EcgViewer.authorHue(p.user.id) : 210;
      return `<span class="who-here" style="background:hsl(${hue} 55% 42%)" title="viewing ${p.start_s.toFixed(1)}–${p.end_s.toFixed(1)} s">${escapeHtml(p.user.username)} · ${p.start_s.toFixed(0)}–${p.end_s.toFixed(0)} s</span>`;
    }).join("");
    if (viewer && viewer.setPresence) {
      viewer.setPresence(others.map((p) => ({ userId: p.user.id, username: p.user.username, startS: p.start_s, endS: p.end_s })));
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
    const li = document.createElement("li");
    li.innerHTML = `<span class="from">${escapeHtml(m.author.full_name || m.author.username)}</span>
      <span class="when">${escapeHtml(m.author.role.replace(/_/g, " "))} · ${escapeHtml(timeOf(m.created_at))}</span>
      <div>${escapeHtml(m.text)}</div>`;
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
  let compareViewer = null, compareLink = null;
  async function loadPriors() {
    const data = await api("GET", `/api/v1/cases/${caseId}/priors`);
    const list = $("priors");
    if (!data.cases.length) { list.innerHTML = '<li class="muted">None.</li>'; return; }
    list.innerHTML = "";
    data.cases.forEach((p) => {
      const li = document.createElement("li");
      const hr = p.summary && p.summary.heart_rate_bpm ? ` · ${Math.round(p.summary.heart_rate_bpm)}/min` : "";
      li.innerHTML = `<a href="/cases/${p.id}">${escapeHtml(timeOf(p.created_at))}</a> ${escapeHtml(p.status.replace(/_/g, " "))}${escapeHtml(hr)} `;
      const open = document.createElement("button");
      open.className = "link"; open.textContent = "Open side by side";
      open.onclick = () => openCompare(p.id);
      li.appendChild(open);
      list.appendChild(li);
    });
  }
  async function openCompare(priorId) {
    const prior = (await api("GET", `/api/v1/cases/${priorId}`)).case;
    if (compareLink) { compareLink.destroy(); compareLink = null; }
    if (compareViewer && compareViewer.destroy) compareViewer.destroy();
    const host = $("compare-viewer");
    host.innerHTML = "";
    $("compare-card").hidden = false;
    $("compare-title").textContent = `Prior ECG of ${timeOf(prior.created_at)}` + (prior.report ? ` — ${prior.report.diagnosis}` : "");
    compareViewer = new window.EcgViewer(host, {
      fs: prior.recording.fs, durationS: prior.recording.duration_s, leadNames: prior.recording.leads,
      loadWindow: (s, e, n) => api("GET", `/api/v1/cases/${priorId}/signal?start_s=${s}&end_s=${e}&max_points=${n}`),
      beats: prior.analysis ? prior.analysis.beats : { sample: [], label: [] },
      findings: prior.analysis ? prior.analysis.findings : [], annotations: prior.annotations, selfUserId: user.id,
    });
    $("compare-card").scrollIntoView({ block: "nearest" });
    if (window.EcgViewer.compare && viewer) compareLink = window.EcgViewer.compare({ current: viewer, prior: compareViewer, currentCase: current, priorCase: prior, panel: $("compare-card"),
      onStatement: (s) => { const d = $("report-form").diagnosis; d.value = d.value ? `${d.value} ${s}` : s; } });  // side by side, medians, differences
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
      (current.messages || []).forEach(addMessage);
      if (viewer && !hadAnalysis && current.analysis) { viewer.destroy && viewer.destroy(); viewer = null; }
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

  $("report-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const statements = [...form.querySelectorAll('input[name="statements"]:checked')].map((i) => i.value);
    try {
      await api("POST", `/api/v1/cases/${caseId}/report`, {
        diagnosis: form.diagnosis.value, recommendation: form.recommendation.value, statements });
      showError(""); await load();
    } catch (err) { showError(err.message); }
  });

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
})();

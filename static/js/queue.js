// Live case list: the township doctor's cases or the consortium's review queue.
(function () {
  "use strict";
  const { api, socket, escapeHtml, timeOf, onResync } = window.Telemed;
  const tbody = document.querySelector("#cases tbody");
  let status = (document.querySelector('input[name="status"]:checked') || {}).value || "";

  function findingsText(c) {
    if (!c.summary) return c.status === "analysis_failed" ? "analysis failed" : "";
    const codes = c.summary.findings.map((f) => f.code);
    const hr = c.summary.heart_rate_bpm ? `${Math.round(c.summary.heart_rate_bpm)}/min` : "";
    return [hr, ...codes].filter(Boolean).join(" · ");
  }

  function render(cases) {
    if (!cases.length) { tbody.innerHTML = '<tr><td colspan="7">No cases.</td></tr>'; return; }
    tbody.innerHTML = cases.map((c) => `
      <tr data-id="${c.id}" class="${c.status}">
        <td><span class="prio ${c.priority || "none"}">${escapeHtml(c.priority || "…")}</span></td>
        <td><a href="/cases/${c.id}">${escapeHtml(c.patient_ref)}</a></td>
        <td>${escapeHtml(c.clinic.name)}</td>
        <td>${escapeHtml(timeOf(c.created_at))}</td>
        <td>${escapeHtml(c.status.replace(/_/g, " "))}</td>
        <td>${escapeHtml(findingsText(c))}</td>
        <td>${escapeHtml(c.assigned_to ? c.assigned_to.username : "")}</td>
      </tr>`).join("");
  }

  let pending = null;
  function refresh() {
    // Coalesce bursts of events into one fetch.
    if (pending) return;
    pending = setTimeout(async () => {
      pending = null;
      const data = await api("GET", `/api/v1/cases${status ? `?status=${encodeURIComponent(status)}` : ""}`);
      render(data.cases);
    }, 100);
  }

  document.querySelectorAll('input[name="status"]').forEach((el) =>
    el.addEventListener("change", () => { status = el.value; refresh(); }));
  ["case_created", "case_updated", "case_reported"].forEach((ev) => socket.on(ev, refresh));
  onResync(refresh);
  // Safety net: an event lost while the message queue restarted is corrected within a minute.
  setInterval(refresh, 60000);
})();

// Coordinator dashboard, updated live by `dashboard` events.
(function () {
  "use strict";
  const { api, socket, escapeHtml, onResync } = window.Telemed;
  const root = document.getElementById("dashboard");
  const fmt = (p) => (p.p50 == null ? "–" : `${p.p50} / ${p.p90}`);
  const set = (id, v) => { document.getElementById(id).textContent = v; };

  function render(d) {
    set("q-critical", d.queue.critical); set("q-urgent", d.queue.urgent); set("q-routine", d.queue.routine);
    set("q-in-review", d.in_review); set("q-analyzing", d.analyzing);
    set("waiting", fmt(d.waiting_minutes)); set("turnaround", fmt(d.turnaround_minutes));
    set("dash-updated", `updated ${new Date().toLocaleTimeString()}`);
    document.getElementById("per-cardiologist").innerHTML = d.per_cardiologist.map((r) => `
      <tr class="${r.overloaded ? "overloaded" : ""}"><td>${escapeHtml(r.full_name || r.username)}${r.overloaded ? " ⚠ overloaded" : ""}</td>
      <td>${r.in_review}</td><td>${r.oldest_claim_minutes}</td><td>${r.reported_24h}</td></tr>`).join("");
    document.getElementById("per-clinic").innerHTML = d.per_clinic.map((c) => `
      <tr><td>${escapeHtml(c.name)}</td><td>${c.analyzing}</td><td>${c.waiting}</td><td>${c.in_review}</td>
      <td>${c.reported_24h}</td><td>${c.failed}</td></tr>`).join("");
  }

  render(JSON.parse(root.dataset.initial));
  socket.on("dashboard", render);
  onResync(async () => render(await api("GET", "/api/v1/dashboard")));
  // Waiting times grow even when nothing happens.
  setInterval(async () => render(await api("GET", "/api/v1/dashboard")), 60000);
})();

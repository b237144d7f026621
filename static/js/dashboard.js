// Coordinator dashboard, updated live by `dashboard` events.
import { api, onResync, socket } from "./app.js";
import { formatDateTime, t } from "./i18n.js";

const root = document.getElementById("dashboard");
const fmt = (p) => (p.p50 == null ? "–" : `${p.p50} / ${p.p90}`);
const set = (id, v) => { document.getElementById(id).textContent = v; };

function row(values, className) {
  const tr = document.createElement("tr");
  if (className) tr.className = className;
  values.forEach((v) => { const td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
  return tr;
}

function render(d) {
  set("q-critical", d.queue.critical); set("q-urgent", d.queue.urgent); set("q-routine", d.queue.routine);
  set("q-in-review", d.in_review); set("q-analyzing", d.analyzing);
  set("waiting", fmt(d.waiting_minutes)); set("turnaround", fmt(d.turnaround_minutes));
  set("dash-updated", t("updated %(time)s", { time: formatDateTime(new Date().toISOString(), { withDate: false }) }));
  document.getElementById("per-cardiologist").replaceChildren(...d.per_cardiologist.map((r) => row([
    (r.full_name || r.username) + (r.overloaded ? ` ⚠ ${t("overloaded")}` : ""),
    r.in_review, r.oldest_claim_minutes, r.reported_24h], r.overloaded ? "overloaded" : "")));
  document.getElementById("per-clinic").replaceChildren(...d.per_clinic.map((c) => row([
    c.name, c.analyzing, c.waiting, c.in_review, c.reported_24h, c.failed])));
}

render(JSON.parse(root.dataset.initial));
socket.on("dashboard", render);
onResync(async () => render(await api("GET", "/api/v1/dashboard")));
// Waiting times grow even when nothing happens.
setInterval(async () => render(await api("GET", "/api/v1/dashboard")), 60000);

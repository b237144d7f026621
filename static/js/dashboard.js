// Coordinator dashboard, updated live by `dashboard` events; every tile and row opens its cases.
import { api, label, onResync, socket } from "./app.js";
import { formatDateTime, t } from "./i18n.js";

const root = document.getElementById("dashboard");
const fmt = (p) => (p.p50 == null ? "–" : `${p.p50} / ${p.p90}`);
const set = (id, v) => { document.getElementById(id).textContent = v; };

function row(values, { className, href } = {}) {
  const tr = document.createElement("tr");
  if (className) tr.className = className;
  values.forEach((v, i) => {
    const td = document.createElement("td");
    if (i === 0 && href) {
      const a = document.createElement("a");
      a.href = href; a.textContent = v;
      td.appendChild(a);
    } else {
      td.textContent = v;
    }
    tr.appendChild(td);
  });
  return tr;
}

function compliance(d) {
  const cell = (c) => (c.percent == null ? "–" : `${c.percent} % (${c.within_target}/${c.reported})`);
  const rows = [["today", t("Today")], ["last_7_days", t("Last 7 days")]].map(([key, name]) => {
    const w = d.sla[key];
    return row([name, cell(w.critical), cell(w.urgent), cell(w.routine)]);
  });
  document.getElementById("sla-compliance").replaceChildren(...rows);
  const list = document.getElementById("sla-breached");
  list.replaceChildren();
  if (!d.sla_breached.length) {
    const li = document.createElement("li"); li.className = "muted"; li.textContent = t("None.");
    list.appendChild(li);
  }
  d.sla_breached.forEach((c) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `/cases/${c.id}`;
    a.textContent = `${c.patient_ref} · ${label("priorities", c.priority)} · ${c.clinic}`;
    const late = document.createElement("span");
    late.className = "late";
    late.textContent = ` ${t("%(min)s min late", { min: Math.round(-c.sla.remaining_min) })}`
      + (c.assigned_to ? ` · ${c.assigned_to.full_name || c.assigned_to.username}` : "");
    li.append(a, late);
    list.appendChild(li);
  });
}

function render(d) {
  set("q-critical", d.queue.critical); set("q-urgent", d.queue.urgent); set("q-routine", d.queue.routine);
  set("q-in-review", d.in_review); set("q-analyzing", d.analyzing + d.analysis_failed);
  set("q-rerecord", d.rerecord_requested || 0);
  set("waiting", fmt(d.waiting_minutes)); set("turnaround", fmt(d.turnaround_minutes));
  set("dash-updated", t("updated %(time)s", { time: formatDateTime(new Date().toISOString(), { withDate: false }) }));
  document.getElementById("per-cardiologist").replaceChildren(...d.per_cardiologist.map((r) => row([
    (r.full_name || r.username) + (r.overloaded ? ` ⚠ ${t("overloaded")}` : ""),
    r.in_review, r.oldest_claim_minutes, r.reported_24h],
  { className: r.overloaded ? "overloaded" : "", href: `/cases/?status=in_review&assigned_to=${r.id}` })));
  document.getElementById("per-clinic").replaceChildren(...d.per_clinic.map((c) => row([
    c.name, c.analyzing, c.waiting, c.in_review, c.reported_24h, c.failed], { href: `/cases/?clinic_id=${c.id}` })));
  compliance(d);
}

render(JSON.parse(root.dataset.initial));
socket.on("dashboard", render);
onResync(async () => render(await api("GET", "/api/v1/dashboard")));
// Waiting times grow even when nothing happens.
setInterval(async () => render(await api("GET", "/api/v1/dashboard")), 60000);

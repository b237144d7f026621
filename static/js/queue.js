// Live case list: the township doctor's cases or the consortium's review queue.
import { api, label, onResync, socket } from "./app.js";
import { formatDateTime, t } from "./i18n.js";

const table = document.getElementById("cases");
const tbody = table.querySelector("tbody");
// Filters from the address (the dashboard's tiles and rows open the cases behind them).
const extra = ["priority", "clinic_id", "assigned_to"]
  .map((key) => [key, table.dataset[key.replace(/_(\w)/g, (_m, c) => c.toUpperCase())]])
  .filter(([, value]) => value);
const HEADINGS = [...document.querySelectorAll("#cases thead th")].map((th) => th.textContent);
let status = (document.querySelector('input[name="status"]:checked') || {}).value || "";

function findingsText(c) {
  if (!c.summary) return c.status === "analysis_failed" ? t("analysis failed") : "";
  const names = c.summary.findings.map((f) => (label("findings", f.code) || {}).name || f.code);
  const hr = c.summary.heart_rate_bpm ? t("%(rate)s/min", { rate: Math.round(c.summary.heart_rate_bpm) }) : "";
  return [hr, ...names].filter(Boolean).join(" · ");
}

function cell(text, heading, className) {
  const td = document.createElement("td");
  td.dataset.label = heading;   // shown before the value when the table folds into cards on a phone
  if (className) td.className = className;
  if (text instanceof Node) td.appendChild(text); else td.textContent = text;
  return td;
}

function slaCell(c, heading) {
  // Minutes left to the consortium's target for this priority (negative: late).
  const sla = c.sla;
  const td = cell(sla && !["met", "missed"].includes(sla.state)
    ? (sla.remaining_min >= 0 ? t("%(min)s min left", { min: Math.round(sla.remaining_min) })
      : t("%(min)s min late", { min: Math.round(-sla.remaining_min) })) : "", heading, `sla ${sla ? sla.state : ""}`);
  return td;
}

function render(cases) {
  tbody.replaceChildren();
  if (!cases.length) {
    const tr = document.createElement("tr");
    const td = cell(t("No cases."), "");
    td.colSpan = HEADINGS.length;
    tr.appendChild(td);
    tbody.appendChild(tr);
    return;
  }
  cases.forEach((c) => {
    const tr = document.createElement("tr");
    tr.dataset.id = c.id;
    tr.className = c.status;
    const prio = document.createElement("span");
    prio.className = `prio ${c.priority || "none"}`;
    prio.textContent = c.priority ? label("priorities", c.priority) : "…";
    const link = document.createElement("a");
    link.href = `/cases/${c.id}`;
    link.textContent = c.patient_ref;
    tr.append(
      cell(prio, HEADINGS[0], "prio-cell"), cell(link, HEADINGS[1], "patient-cell"), cell(c.clinic.name, HEADINGS[2]),
      cell(formatDateTime(c.created_at, { withZone: false }), HEADINGS[3]), cell(label("statuses", c.status), HEADINGS[4]),
      cell(findingsText(c), HEADINGS[5]), cell(c.assigned_to ? (c.assigned_to.full_name || c.assigned_to.username) : "", HEADINGS[6]),
      slaCell(c, HEADINGS[7]),
    );
    tbody.appendChild(tr);
  });
}

let pending = null;
function refresh() {
  // Coalesce bursts of events into one fetch.
  if (pending) return;
  pending = setTimeout(async () => {
    pending = null;
    const params = new URLSearchParams(extra);
    if (status) params.set("status", status);
    const data = await api("GET", `/api/v1/cases${params.toString() ? `?${params}` : ""}`);
    render(data.cases);
  }, 100);
}

document.querySelectorAll('input[name="status"]').forEach((el) =>
  el.addEventListener("change", () => { status = el.value; refresh(); }));
["case_created", "case_updated", "case_reported"].forEach((ev) => socket.on(ev, refresh));
onResync(refresh);
// Safety net: an event lost while the message queue restarted is corrected within a minute.
setInterval(refresh, 60000);

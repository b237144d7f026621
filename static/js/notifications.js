// The notification centre of the page header: unread count, list, toast, sound and the
// browser's own notifications. Notifications are kept on the server, so the list is re-read
// on every (re)connect and nothing sent while the doctor was offline is missed.
import { formatDateTime, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const TOAST_MS = 8000;

function beep(urgent) {
  // A short tone (two for urgent items) made on the spot: no audio file to fetch.
  const Ctx = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!Ctx) return;
  try {
    const ctx = new Ctx();
    const tones = urgent ? [880, 660] : [660];
    tones.forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.22);
      osc.stop(ctx.currentTime + i * 0.22 + 0.18);
    });
    setTimeout(() => ctx.close(), 1000);
  } catch (_) { /* sound is a courtesy; the toast and the count remain */ }
}

function caseUrl(item) { return item.case_id ? `/cases/${item.case_id}` : null; }

export function startNotificationCentre({ api, socket, onResync }) {
  const bell = $("bell");
  if (!bell) return;
  const panel = $("notification-panel");
  const list = $("notification-list");
  const count = $("unread-count");
  const allow = $("notifications-allow");
  let items = [];

  function setUnread(n) {
    count.textContent = String(n);
    count.hidden = n === 0;
    bell.title = n ? t("%(count)s unread notifications", { count: n }) : t("Notifications");
  }

  function render() {
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted"; li.textContent = t("Nothing new.");
      list.appendChild(li);
      return;
    }
    items.forEach((item) => {
      const li = document.createElement("li");
      li.className = `notification${item.read ? "" : " is-unread"}${item.urgent ? " urgent" : ""}`;
      li.dataset.id = item.id;
      const link = document.createElement(caseUrl(item) ? "a" : "span");
      if (caseUrl(item)) link.href = caseUrl(item);
      link.textContent = item.text;
      link.addEventListener("click", () => markRead([item.id]));
      const when = document.createElement("small");
      when.className = "when";
      when.textContent = formatDateTime(item.created_at);
      li.append(link, when);
      list.appendChild(li);
    });
  }

  async function refresh() {
    try {
      const data = await api("GET", "/api/v1/notifications");
      items = data.notifications;
      setUnread(data.unread);
      render();
    } catch (_) { /* the next reconnect or event tries again */ }
  }

  async function markRead(ids) {
    const body = ids ? { ids } : { all: true };
    try {
      const data = await api("POST", "/api/v1/notifications/read", body);
      items.forEach((item) => { if (!ids || ids.includes(item.id)) item.read = true; });
      setUnread(data.unread);
      render();
    } catch (_) { /* stays unread; harmless */ }
  }

  function toast(item) {
    const host = $("toasts");
    const box = document.createElement("div");
    box.className = `toast${item.urgent ? " urgent" : ""}`;
    box.setAttribute("role", "status");
    const text = document.createElement(caseUrl(item) ? "a" : "span");
    if (caseUrl(item)) text.href = caseUrl(item);
    text.textContent = item.text;
    const close = document.createElement("button");
    close.type = "button"; close.className = "link"; close.textContent = "×";
    close.title = t("Close");
    close.addEventListener("click", () => box.remove());
    box.append(text, close);
    host.appendChild(box);
    setTimeout(() => box.remove(), item.urgent ? TOAST_MS * 3 : TOAST_MS);
  }

  function desktop(item) {
    if (!("Notification" in globalThis) || Notification.permission !== "granted") return;
    if (document.visibilityState === "visible" && !item.urgent) return;
    const n = new Notification(t("telemed ECG"), { body: item.text, tag: `telemed-${item.id}` });
    n.onclick = () => { globalThis.focus(); if (caseUrl(item)) globalThis.location.href = caseUrl(item); };
  }

  socket.on("notification", (item) => {
    items = [item, ...items.filter((x) => x.id !== item.id)].slice(0, 50);
    setUnread(Number(count.textContent || 0) + (item.read ? 0 : 1));
    render();
    toast(item);
    beep(item.urgent);
    desktop(item);
    document.dispatchEvent(new CustomEvent("telemed:notification", { detail: item }));
  });

  bell.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    bell.setAttribute("aria-expanded", String(!panel.hidden));
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") panel.hidden = true; });
  $("notifications-read-all").addEventListener("click", () => markRead(null));
  if ("Notification" in globalThis && Notification.permission === "default") {
    allow.hidden = false;
    allow.addEventListener("click", async () => {
      await Notification.requestPermission();
      allow.hidden = true;
    });
  }
  onResync(refresh);
}

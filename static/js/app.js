// Shared by every logged-in page: JSON API calls, the live socket, the notification centre.
import { t } from "./i18n.js";
import { startNotificationCentre } from "./notifications.js";

export const user = JSON.parse(document.body.dataset.user || "null");
export const vocabulary = (globalThis.TELEMED_I18N && globalThis.TELEMED_I18N.vocabulary) || {};

/** Label of a code from the served vocabulary (statuses, priorities, statements, ...). */
export function label(kind, code) {
  const table = vocabulary[kind] || {};
  return (code in table ? table[code] : code) || "";
}

/** The page's CSRF token (from <meta name="csrf-token">): every POST/PATCH/DELETE sends it. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** A JSON API call (`body` sent as JSON) or, with a FormData body, a multipart upload. */
export async function api(method, url, body) {
  const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRFToken"] = csrfToken();
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const response = await fetch(url, opts);
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (response.status === 401 && user) {
    // The session ended (idle, lifetime, logout elsewhere): stop the live feed and log in again.
    sessionEnded();
  }
  if (!response.ok) {
    const error = new Error((data && data.error) || t("The server answered %(status)s.", { status: response.status }));
    error.status = response.status;
    error.code = data && data.code;
    error.data = data;
    throw error;
  }
  return data;
}

// One socket per page; on every (re)connect the page refetches what it shows, so nothing
// missed while offline is lost (handlers registered with onResync).
const resyncHandlers = [];
export const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
export const onResync = (fn) => resyncHandlers.push(fn);
const badge = document.getElementById("live-status");
socket.on("connect", () => {
  if (badge) { badge.className = "live on"; badge.title = t("Live updates on"); }
  resyncHandlers.forEach((fn) => fn());
});
socket.on("disconnect", () => { if (badge) { badge.className = "live off"; badge.title = t("Reconnecting…"); } });
// Logged out elsewhere, password changed or account deactivated: this page's session is over.
function sessionEnded() {
  socket.disconnect();
  window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
}
socket.on("session_ended", sessionEnded);

startNotificationCentre({ api, socket, onResync });

const duty = document.getElementById("on-duty");
if (duty) {
  duty.addEventListener("change", async () => {
    try { await api("PATCH", "/api/v1/session", { on_duty: duty.checked }); }
    catch (e) { duty.checked = !duty.checked; window.alert(e.message); }
  });
}

// The page's public handle (browser tests, the console): the same objects the modules import.
globalThis.Telemed = { user, api, socket, onResync, vocabulary };

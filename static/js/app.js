// Shared helpers of every logged-in page: JSON API calls, the live socket, escaping.
(function () {
  "use strict";
  const user = JSON.parse(document.body.dataset.user || "null");

  async function api(method, url, body) {
    const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const response = await fetch(url, opts);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      const error = new Error((data && data.error) || `The server answered ${response.status}.`);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  const escapeHtml = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  function timeOf(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  // One socket per page; on every (re)connect the page refetches what it shows, so nothing
  // missed while offline is lost (handlers registered with onResync).
  const resyncHandlers = [];
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
  const badge = document.getElementById("live-status");
  socket.on("connect", () => {
    if (badge) { badge.className = "live on"; badge.title = "Live updates on"; }
    resyncHandlers.forEach((fn) => fn());
  });
  socket.on("disconnect", () => { if (badge) { badge.className = "live off"; badge.title = "Reconnecting…"; } });

  window.Telemed = { user, api, socket, escapeHtml, timeOf, onResync: (fn) => resyncHandlers.push(fn) };
})();

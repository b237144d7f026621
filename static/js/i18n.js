// Translations and local time for every script of the app (ES module, no DOM access).
// The server serves the caller's catalogue as /i18n/catalog.js, a classic script loaded
// before any module, which sets globalThis.TELEMED_I18N = {locale, timezone, messages}.
// Without it (Node unit tests) every string is its English msgid and times are UTC.

const state = () => globalThis.TELEMED_I18N || { locale: "en", timezone: "UTC", messages: {} };

/** Translate `msgid` (English source text); `%(name)s` placeholders are filled from `params`. */
export function t(msgid, params) {
  const translated = state().messages[msgid] || msgid;
  if (!params) return translated;
  return translated.replace(/%\((\w+)\)s/g, (whole, key) => (key in params ? String(params[key]) : whole));
}

export const locale = () => state().locale;
export const timezone = () => state().timezone;

/** An ISO 8601 instant as the reader's consortium clock shows it, with the zone's name. */
export function formatDateTime(iso, { withZone = true, withDate = true } = {}) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const options = { timeZone: timezone(), hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (withDate) Object.assign(options, { year: "numeric", month: "2-digit", day: "2-digit" });
  if (withZone) options.timeZoneName = "short";
  return new Intl.DateTimeFormat(locale().replace("_", "-"), options).format(when);
}

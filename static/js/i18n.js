// Translations and local time for every script of the app (ES module, no DOM access).
// The server serves the caller's catalogue as /i18n/catalog.js, a classic script loaded
// before any module, which sets globalThis.TELEMED_I18N = {locale, timezone, messages}.
// Without it (Node unit tests) every string is its English msgid and times are UTC.

const state = () => globalThis.TELEMED_I18N || { locale: "en", timezone: "UTC", messages: {} };

/** Translate `msgid` (English source text); `%(name)s` placeholders are filled from `params`. */
export function t(msgid, params) {
  const translated = state().messages[msgid] || msgid;
  if (!params) return translated;
  // As Python's "%" operator: %(name)s from params, and %% for a literal percent sign.
  return translated.replace(/%\((\w+)\)s|%%/g, (whole, key) => {
    if (whole === "%%") return "%";
    return key in params ? String(params[key]) : whole;
  });
}

export const locale = () => state().locale;
export const timezone = () => state().timezone;

/**
 * An ISO 8601 instant on the reader's consortium clock, written as the server writes it
 * ("2026-11-30 08:04 +08:00"), so a page never shows one time twice in two forms.
 * `withDate: false` gives "08:04 +08:00"; `withZone: false` drops the offset (lists under a
 * heading that names it).
 */
export function formatDateTime(iso, { withZone = true, withDate = true, zone = timezone() } = {}) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "longOffset",
  }).formatToParts(when).map((p) => [p.type, p.value]));
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : parts.timeZoneName.replace("GMT", "");
  const time = `${parts.hour}:${parts.minute}`;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return [withDate ? date : null, time, withZone ? offset : null].filter(Boolean).join(" ");
}

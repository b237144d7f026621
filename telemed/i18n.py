"""Languages and clocks: who reads in which language and time zone, and the one filter that shows times.

The language comes from the user's saved choice, else the browser's Accept-Language, else the
consortium's default (zh_CN for new consortia). Times are stored in UTC and shown in the reader's
consortium time zone, always with the zone's name, by `local_datetime` (templates, PDF, CSV) and
by static/js/i18n.js (scripts), which gets the same zone from the served catalogue.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime as babel_format_datetime
from babel.support import Translations
from flask import current_app, has_request_context, request
from flask_babel import force_locale, get_locale, get_timezone
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from telemed.extensions import babel

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
# Code -> the language's own name, as the switch shows it. Codes are what users and consortia
# store; Babel spells zh_CN "zh_Hans_CN", which is also the catalogue's folder name.
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
LANGUAGE_COOKIE = "telemed_lang"  # the switch's choice before login


def _reader():
    """The logged-in user, or None; None too when the database cannot be reached (the 503 page
    must still render, in the browser's language)."""
    if not has_request_context():
        return None
    try:
        return current_user if current_user and current_user.is_authenticated else None
    except SQLAlchemyError:
        return None


def _consortium_of_reader():
    reader = _reader()
    try:
        return reader.home_consortium if reader is not None else None
    except SQLAlchemyError:
        return None


def select_locale() -> str:
    """The reader's language: saved choice, else Accept-Language, else the consortium's default."""
    if has_request_context():
        reader = _reader()
        if reader is not None and reader.language in LANGUAGES:
            return reader.language
        if request.cookies.get(LANGUAGE_COOKIE) in LANGUAGES:
            return request.cookies[LANGUAGE_COOKIE]
        # "zh", "zh-CN", "zh-Hans" all mean simplified Chinese here; "en-US" means English.
        for value, _quality in request.accept_languages:
            lang = value.replace("-", "_").lower()
            if lang.startswith("zh"):
                return "zh_CN"
            if lang.startswith("en"):
                return "en"
    consortium = _consortium_of_reader()
    if consortium is not None and consortium.language in LANGUAGES:
        return consortium.language
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")


def select_timezone() -> str:
    consortium = _consortium_of_reader()
    return consortium.timezone if consortium is not None else current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["html_lang"] = lambda: current_language().replace("_", "-")
    app.jinja_env.globals["catalog_version"] = lambda: catalog_version(current_language())
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["current_timezone"] = lambda: str(get_timezone())
    app.jinja_env.globals["stored_text"] = stored_text
    from telemed import vocabulary

    for name in ("status_label", "priority_label", "role_label", "sex_label", "statement_label",
                 "recommendation_label", "finding_name", "finding_explanation"):
        app.jinja_env.globals[name] = getattr(vocabulary, name)
    app.jinja_env.globals["STATEMENT_GROUPS"] = vocabulary.STATEMENT_GROUPS
    from flask_login import current_user as _user

    from telemed.services.access import can

    # The access policy for templates: {% if can('upload') %} instead of a role switch.
    app.jinja_env.globals["can"] = lambda action: can(_user, action)
    app.jinja_env.globals["RECOMMENDATIONS"] = vocabulary.RECOMMENDATIONS


def language_code(locale=None) -> str:
    """Our code ("zh_CN" or "en") of a Babel locale (default: the current request's)."""
    locale = locale if locale is not None else get_locale()
    return "zh_CN" if str(locale or "").startswith("zh") else "en"


def current_language() -> str:
    return language_code()


def local_datetime(value: dt.datetime | None, zone: str | None = None, *, fmt: str = "yyyy-MM-dd HH:mm xxx",
                   locale: str | None = None) -> str:
    """A stored (naive UTC) time on the reader's clock, e.g. "2026-11-30 08:04 +08:00".

    `zone` overrides the reader's zone (a PDF shows the case's consortium zone whoever prints it).
    The zone is always named, so a reader never mistakes UTC for local time.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    tz = ZoneInfo(zone) if zone else get_timezone()
    loc = Locale.parse(locale or str(get_locale()))
    return babel_format_datetime(value, fmt, tzinfo=tz, locale=loc)


@functools.lru_cache(maxsize=8)
def _catalog(locale: str, mtime: float) -> dict:  # noqa: ARG001 - mtime invalidates the cache
    translations = Translations.load(str(TRANSLATIONS_DIR), [_catalog_dir(locale)])
    catalog = getattr(translations, "_catalog", {})
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k and v}


def _catalog_dir(locale: str) -> str:
    return "zh_Hans_CN" if locale.startswith("zh") else locale


def _mo_mtime(locale: str) -> float:
    mo = TRANSLATIONS_DIR / _catalog_dir(locale) / "LC_MESSAGES" / "messages.mo"
    return mo.stat().st_mtime if mo.exists() else 0.0


def client_messages(locale: str) -> dict:
    """Every translation of a language, for the scripts (msgid -> msgstr)."""
    if locale == "en":
        return {}
    return _catalog(locale, _mo_mtime(locale))


def catalog_version(locale: str) -> str:
    return f"{locale}-{int(_mo_mtime(locale))}"


def client_catalog_script(locale: str, timezone: str) -> str:
    """The classic script that hands the scripts their language, clock and translations (every page
    loads it: built once per language, zone and compiled catalogue)."""
    return _catalog_script(locale, timezone, _mo_mtime(locale))


@functools.lru_cache(maxsize=32)
def _catalog_script(locale: str, timezone: str, mtime: float) -> str:  # noqa: ARG001 - mtime invalidates
    from telemed.vocabulary import client_vocabulary

    # The vocabulary's interface words are lazy gettext strings: render them in `locale` itself.
    with force_locale(locale):
        vocabulary = client_vocabulary(locale)
    payload = {"locale": locale, "timezone": timezone, "messages": client_messages(locale), "vocabulary": vocabulary}
    return "globalThis.TELEMED_I18N = " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + ";\n"


def N_(message: str) -> str:
    """Mark a string for translation without translating it now (it is stored, then shown with gettext)."""
    return message


def stored_text(message: str | None, detail: dict | None = None) -> str:
    """A message stored in English (a failure reason) in the reader's language when it is a known msgid;
    with its `record_error_detail`, a read error rendered with its params."""
    from flask_babel import gettext

    if detail and detail.get("msgid"):
        return _render(detail["msgid"], detail.get("params") or {})
    return gettext(message) if message else ""


def record_error_text(exc) -> str:
    """An `ecgsignal.RecordError` in the reader's language: ``gettext(template) % params``."""
    return _render(exc.template, exc.params)


def record_error_detail(exc) -> dict:
    """What to store of an `ecgsignal.RecordError` to show it later in each reader's language (JSON)."""
    import ecgsignal

    params = {k: (v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else str(v))
              for k, v in exc.params.items()}
    return {"msgid": exc.template, "params": params,
            "msgid_params": sorted(ecgsignal.MSGID_PARAMS & set(params))}  # for the scripts' t()


def _render(msgid: str, params: dict) -> str:
    import ecgsignal
    from flask_babel import gettext

    # gettext without variables: ecgsignal substitutes (plain str, never a lazy string).
    return ecgsignal.render_message(msgid, params, lambda text: gettext(text))

"""One place that turns errors into responses: JSON for the API, a page for browsers."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from telemed.extensions import db
from telemed.services.errors import DomainError, StaleVersion

log = logging.getLogger(__name__)

FRIENDLY = {
    400: (_l("The request could not be understood."), "bad_request"),
    401: (_l("Please log in first."), "login_required"),
    403: (_l("You are not allowed to do that."), "forbidden"),
    404: (_l("Not found."), "not_found"),
    405: (_l("That action is not allowed here."), "method_not_allowed"),
    413: (_l("The upload is too large."), "upload_too_large"),
    429: (_l("Too many attempts; please wait a moment and try again."), "rate_limited"),
    503: (_l("The service is briefly unavailable; please try again in a minute."), "service_unavailable"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str, code: str = "error", **extra):
    """`{"error": message in the caller's language, "code": stable machine code}` or an error page."""
    if wants_json():
        return jsonify({"error": str(message), "code": code, **extra}), status
    return render_template("error.html", status=status, message=str(message)), status


def register(app):
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        extra = {"current": exc.current} if isinstance(exc, StaleVersion) and exc.current else {}
        return error_response(exc.status, exc.message, exc.code, **extra)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        # Flask-WTF's reason (missing, expired, wrong) goes to the log, not to the page.
        log.info("CSRF refused on %s %s: %s", request.method, request.path, exc.description)
        return error_response(400, gettext(
            "This request did not come from a telemed page, or the page is too old. Reload the page and "
            "try again."), "csrf")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        limit = app.config["MAX_UPLOAD_MB"]
        return error_response(413, gettext(
            "The upload is larger than the %(limit)s MB allowed. A 24-hour Holter recording is usually "
            "well under 200 MB; check the files chosen.", limit=limit), "upload_too_large")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message, code = FRIENDLY.get(exc.code, (exc.description or "Error", "error"))
        return error_response(exc.code or 500, message, code)

    @app.errorhandler(DBAPIError)
    def database_down(exc: DBAPIError):
        # Connection lost (server restarting, network): say so, and try again later. Any other
        # database error is a bug and goes to the generic handler below.
        if not exc.connection_invalidated and not _is_disconnect(exc):
            return unexpected(exc)
        _safe_rollback()
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        return error_response(503, gettext("The database is briefly unavailable; nothing was saved. "
                                           "Please try again in a minute."), "database_unavailable")

    @app.errorhandler(Exception)
    def unexpected(exc):
        _safe_rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, gettext("Something went wrong on our side; nothing was changed. "
                                           "Please try again."), "internal_error")


def _is_disconnect(exc: DBAPIError) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is discarded anyway
        db.session.remove()

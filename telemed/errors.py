"""One place that turns errors into responses: JSON for the API, a page for browsers."""
import logging

from flask import jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from telemed.extensions import db
from telemed.services.errors import DomainError, StaleVersion

log = logging.getLogger(__name__)

FRIENDLY = {
    400: "The request could not be understood.",
    401: "Please log in first.",
    403: "You are not allowed to do that.",
    404: "Not found.",
    405: "That action is not allowed here.",
    413: "The upload is too large.",
    503: "The service is briefly unavailable; please try again in a minute.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str, **extra):
    if wants_json():
        return jsonify({"error": message, **extra}), status
    return render_template("error.html", status=status, message=message), status


def register(app):
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        extra = {"current": exc.current} if isinstance(exc, StaleVersion) and exc.current else {}
        return error_response(exc.status, exc.message, **extra)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        limit = app.config["MAX_UPLOAD_MB"]
        return error_response(413, f"The upload is larger than the {limit} MB allowed. "
                                   "A 24-hour Holter recording is usually well under 200 MB; check the files chosen.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc.code or 500, FRIENDLY.get(exc.code, exc.description or "Error"))

    @app.errorhandler(DBAPIError)
    def database_down(exc: DBAPIError):
        # Connection lost (server restarting, network): say so, and try again later. Any other
        # database error is a bug and goes to the generic handler below.
        if not exc.connection_invalidated and not _is_disconnect(exc):
            return unexpected(exc)
        _safe_rollback()
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        return error_response(503, "The database is briefly unavailable; nothing was saved. "
                                   "Please try again in a minute.")

    @app.errorhandler(Exception)
    def unexpected(exc):
        _safe_rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side; nothing was changed. Please try again.")


def _is_disconnect(exc: DBAPIError) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is discarded anyway
        db.session.remove()

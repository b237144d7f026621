"""One place that turns errors into responses: JSON for the API, a page for browsers."""
import logging

from flask import jsonify, render_template, request
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

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side; nothing was changed. Please try again.")

"""Domain errors. One place (telemed/errors.py) maps them to HTTP statuses and messages."""
from flask_babel import gettext


class DomainError(Exception):
    """A refusal the caller can act on. `message` is already in the caller's language (services
    build it with gettext inside the request); `code` is stable for programs."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


class NotAuthorized(DomainError):
    """Logged in, but this role may not do that (e.g. a coordinator signing a report)."""

    code = "forbidden"
    status = 403


class CaseNotFound(DomainError):
    """Also raised for a case that exists but that the caller may not see: no existence leak."""

    code = "case_not_found"
    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or gettext("No such case, or it belongs to another clinic or consortium."))


class AnnotationNotFound(DomainError):
    code = "annotation_not_found"
    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or gettext("No such annotation."))


class Conflict(DomainError):
    code = "conflict"
    status = 409


class AlreadyClaimed(Conflict):
    code = "already_claimed"


class StaleVersion(Conflict):
    code = "stale_version"

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current


class InvalidTransition(Conflict):
    code = "invalid_transition"


class NotAssigned(DomainError):
    code = "not_assigned"
    status = 403


class UnsupportedUpload(DomainError):
    code = "unsupported_format"
    status = 415


class UploadTooLarge(DomainError):
    code = "upload_too_large"
    status = 413


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status = 503

"""Domain errors. One place (telemed/errors.py) maps them to HTTP statuses and messages."""


class DomainError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(DomainError):
    status = 400


class NotAuthorized(DomainError):
    """Logged in, but this role may not do that (e.g. a coordinator signing a report)."""

    status = 403


class CaseNotFound(DomainError):
    """Also raised for a case that exists but that the caller may not see: no existence leak."""

    status = 404

    def __init__(self, message: str = "No such case, or it belongs to another clinic or consortium."):
        super().__init__(message)


class AnnotationNotFound(DomainError):
    status = 404

    def __init__(self, message: str = "No such annotation."):
        super().__init__(message)


class Conflict(DomainError):
    status = 409


class AlreadyClaimed(Conflict):
    pass


class StaleVersion(Conflict):
    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current


class InvalidTransition(Conflict):
    pass


class NotAssigned(DomainError):
    status = 403


class UnsupportedUpload(DomainError):
    status = 415


class UploadTooLarge(DomainError):
    status = 413


class ServiceUnavailable(DomainError):
    status = 503

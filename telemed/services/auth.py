"""Checking credentials: the same answer and the same cost whether or not the user exists,
and a lockout with back-off after repeated failures (recorded in the audit trail)."""
from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from telemed.extensions import db
from telemed.models import User
from telemed.models._time import utcnow
from telemed.services import audit
from telemed.services.errors import DomainError


class BadCredentials(DomainError):
    status = 401
    code = "bad_credentials"


class LockedOut(DomainError):
    """Too many failed logins: the same answer as the rate limiter's, for known and unknown names."""

    status = 429
    code = "rate_limited"


@functools.lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-password-of-anyone", method=method)


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def lockout_minutes(failures: int) -> float:
    """0 below the threshold, then 1, 2, 4, ... minutes, at most LOGIN_LOCKOUT_MAX_MINUTES."""
    threshold = current_app.config["LOGIN_LOCKOUT_THRESHOLD"]
    if failures < threshold:
        return 0
    return min(2 ** (failures - threshold), current_app.config["LOGIN_LOCKOUT_MAX_MINUTES"])


def authenticate(username, password) -> User:
    """The active user with these credentials, or BadCredentials (same message either way)."""
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
        raise BadCredentials(_("Please give a username and a password."))
    name = username.strip()[:80]
    user = db.session.scalar(sa.select(User).where(User.username == name))
    if user is None:
        check_password_hash(_dummy_hash(_hash_method()), password)  # the same work as a real check
        audit.record(None, "login_failed", username=name)
        db.session.commit()
        raise BadCredentials(_("Wrong username or password."))
    now = utcnow()
    locked = user.locked_until is not None and user.locked_until > now
    correct = user.check_password(password)  # also when locked: the answer costs the same
    if locked:
        audit.record(user, "login_failed", username=name, locked=True)
        db.session.commit()
        raise LockedOut(_("Too many attempts; please wait a moment and try again."))
    if not correct or not user.active:
        user.failed_logins = (user.failed_logins or 0) + 1
        audit.record(user, "login_failed", username=name)
        minutes = lockout_minutes(user.failed_logins)
        if minutes:
            user.locked_until = now + dt.timedelta(minutes=minutes)
            audit.record(user, "account_locked", failures=user.failed_logins, minutes=minutes)
        db.session.commit()
        raise BadCredentials(_("Wrong username or password."))
    user.failed_logins = 0
    user.locked_until = None
    return user

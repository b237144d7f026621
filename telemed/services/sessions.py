"""Login sessions that end: a token on the user, carried by every session cookie and checked on
every request and socket event, with an idle timeout and an absolute lifetime.

The cookie session (signed by Flask) holds `sid` (the user's session token when it was issued),
`iat` (login time) and `seen` (last request). Replacing the user's token ends every session at
once, on every device and web process; their open sockets are disconnected too.
"""
from __future__ import annotations

import hmac
import secrets
import time

from flask import current_app, has_request_context, request, session
from flask_login import login_user, logout_user

from telemed.extensions import db
from telemed.models import User
from telemed import domain_events
from telemed.services import audit

SEEN_RESOLUTION_S = 60  # `seen` is rewritten at most once a minute (fewer Set-Cookie headers)


def _now() -> float:
    return time.time()


def _new_token() -> str:
    return secrets.token_hex(32)


def start(user: User) -> None:
    """Log `user` in on this browser: a fresh session (no value from before login survives)."""
    if not user.session_token:
        user.session_token = _new_token()
    audit.record(user, "login")
    db.session.commit()
    session.clear()  # a new session at login: nothing an attacker planted before it carries over
    login_user(user)
    session.permanent = True  # the cookie expires with the absolute lifetime
    now = _now()
    session.update(sid=user.session_token, iat=now, seen=now)


def end_all(user: User, *, keep_current: bool = False) -> None:
    """End every session of `user` (logout, password change, deactivation): a new token.

    The caller commits, then calls `disconnect(user)`. With `keep_current`, this browser gets the
    new token and stays logged in.
    """
    user.session_token = _new_token()
    if keep_current and has_request_context():
        session["sid"] = user.session_token


def disconnect(user: User) -> None:
    """After the commit: close the user's open sockets (they carried the old token)."""
    domain_events.sessions_ended.send(user.id)


def logout(user: User) -> None:
    """Log out: every session of this user ends (all devices), and this browser's cookie is cleared."""
    user = getattr(user, "_get_current_object", lambda: user)()  # not the current_user proxy
    end_all(user)
    audit.record(user, "logout")
    db.session.commit()
    logout_user()
    session.clear()
    disconnect(user)


def valid(user: User | None) -> bool:
    """Does the current request's session still belong to `user`? (called by the user loader)"""
    if user is None or not user.active or not user.session_token:
        return False
    sid = session.get("sid")
    if not isinstance(sid, str) or not hmac.compare_digest(sid, user.session_token):
        return False
    config = current_app.config
    now = _now()
    iat, seen = session.get("iat"), session.get("seen")
    if not isinstance(iat, (int, float)) or now - iat > config["SESSION_LIFETIME_HOURS"] * 3600:
        return False
    if _in_socket_event():
        # A socket's session is a copy taken at connect: its `seen` never moves, so only the
        # token and the absolute lifetime apply (an ended session also disconnects its sockets).
        return True
    if not isinstance(seen, (int, float)) or now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if now - seen > SEEN_RESOLUTION_S:
        session["seen"] = now
    return True


def _in_socket_event() -> bool:
    return has_request_context() and getattr(request, "namespace", None) is not None

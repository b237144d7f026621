"""Accounts: a user's own settings and password, and the administrators' management of
consortia, clinics and users. Passwords are never shown or logged; every change is audited."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from telemed.extensions import db
from telemed.i18n import LANGUAGES, valid_timezone
from telemed.models import Clinic, Consortium, Role, User
from telemed.models._time import utcnow
from telemed.services import audit, sessions
from telemed.services.errors import BadRequest, Conflict, DomainError, NotAuthorized

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
# A common word padded with digits or symbols ("Password-123", "woaini1314!") is still common.
COMMON_WORDS = {"password", "passw", "qwerty", "qwertyuiop", "admin", "welcome", "iloveyou", "letmein",
                "woaini", "abc", "abcd", "asdf", "asdfghjkl", "zxcvbnm", "qazwsx", "telemed", "hospital", "doctor",
                "changeme", "monkey", "dragon", "football", "hello", "helloworld", "p", "a", "q", "qq"}
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,80}$")


class UserNotFound(DomainError):
    code = "user_not_found"
    status = 404


class WeakPassword(BadRequest):
    code = "weak_password"


# -- language -------------------------------------------------------------------------------

def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise BadRequest(_("Unknown language %(language)s; choose one of %(known)s.",
                           language=repr(language), known=", ".join(LANGUAGES)), code="unknown_language")
    return language


def set_on_duty(user: User, on_duty) -> User:
    """A cardiologist goes on or off duty (critical-case and SLA alerts go to those on duty)."""
    from telemed.models import Role
    from telemed.services.access import require_role

    require_role(user, Role.CARDIOLOGIST, action=_("go on duty"))
    if not isinstance(on_duty, bool):
        raise BadRequest(_("on_duty must be true or false."), code="invalid_on_duty")
    user.on_duty = on_duty
    db.session.commit()
    return user


def set_language(user: User, language: str) -> User:
    """Keep the user's choice of language; it follows them to every device."""
    user.language = check_language(language)
    db.session.commit()
    return user


# -- password policy ------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password_policy(password, username: str | None = None) -> str:
    """At least 10 characters, not the username, not a common password: or WeakPassword."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_("The password must have at least %(count)s characters.", count=MIN_PASSWORD_LENGTH))
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise WeakPassword(_("The password must not contain the username."))
    letters = re.sub(r"[^a-z]", "", lowered)
    if (lowered in common_passwords() or letters in COMMON_WORDS or len(set(lowered)) <= 2
            or lowered in "01234567890123456789" or lowered in "abcdefghijklmnopqrstuvwxyz"):
        raise WeakPassword(_("This password is too common; choose a longer phrase that others would not guess."))
    return password


def _set_password(user: User, password: str) -> None:
    check_password_policy(password, user.username)
    user.set_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None


def change_password(user: User, current: str, new: str) -> User:
    """A user changes their own password; their other sessions end, this one goes on."""
    if not isinstance(current, str) or not user.check_password(current):
        raise BadRequest(_("The current password is wrong."), code="wrong_password")
    if current == new:
        raise WeakPassword(_("The new password must differ from the current one."))
    _set_password(user, new)
    sessions.end_all(user, keep_current=True)
    audit.record(user, "password_changed")
    db.session.commit()
    sessions.disconnect(user)
    return user


# -- administration -------------------------------------------------------------------------

def require_admin(actor: User | None) -> None:
    """`None` is the command line (run by whoever holds the server)."""
    if actor is not None and actor.role != Role.ADMIN.value:
        raise NotAuthorized(_("Only administrators can manage accounts."))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise UserNotFound(_("No such user."))
    return user


def user_by_name(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(_("No such user."))
    return user


def _membership(role: str, clinic_id, consortium_id) -> tuple[int | None, int | None]:
    """Township doctors belong to a clinic; cardiologists and coordinators to a consortium."""
    if role not in {r.value for r in Role}:
        raise BadRequest(_("Unknown role."), code="unknown_role")
    if role == Role.TOWNSHIP_DOCTOR.value:
        if not clinic_id or db.session.get(Clinic, int(clinic_id)) is None:
            raise BadRequest(_("A township doctor needs a clinic."), code="clinic_required")
        return int(clinic_id), None
    if role in (Role.CARDIOLOGIST.value, Role.COORDINATOR.value):
        if not consortium_id or db.session.get(Consortium, int(consortium_id)) is None:
            raise BadRequest(_("Cardiologists and coordinators need a consortium."), code="consortium_required")
        return None, int(consortium_id)
    return None, None


def create_user(actor: User | None, *, username: str, password: str, role: str, clinic_id=None,
                consortium_id=None, full_name: str = "") -> User:
    require_admin(actor)
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise BadRequest(_("A username has 2 to 80 letters, digits or . _ @ -."), code="invalid_username")
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise Conflict(_("The username %(name)s is taken.", name=username), code="username_taken")
    clinic_id, consortium_id = _membership(role, clinic_id, consortium_id)
    user = User(username=username, role=role, clinic_id=clinic_id, consortium_id=consortium_id,
                full_name=(full_name or "").strip()[:200])
    _set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", consortium_id=user.home_consortium_id, target=user.username, role=role)
    db.session.commit()
    return user


def update_user(actor: User | None, user: User, *, role: str, clinic_id=None, consortium_id=None,
                full_name: str = "") -> User:
    """Change a user's role, membership and name; a changed role or membership ends their sessions."""
    require_admin(actor)
    clinic_id, consortium_id = _membership(role, clinic_id, consortium_id)
    moved = (role, clinic_id, consortium_id) != (user.role, user.clinic_id, user.consortium_id)
    user.role, user.clinic_id, user.consortium_id = role, clinic_id, consortium_id
    user.full_name = (full_name or "").strip()[:200]
    if moved:
        sessions.end_all(user)  # what they may see changed: their pages must be opened anew
    audit.record(actor, "user_updated", consortium_id=user.home_consortium_id, target=user.username, role=role)
    db.session.commit()
    if moved:
        sessions.disconnect(user)
    return user


def set_active(actor: User | None, user: User, active: bool) -> User:
    """Deactivate (every session and socket ends at once) or reactivate a user."""
    require_admin(actor)
    if actor is not None and actor.id == user.id and not active:
        raise BadRequest(_("You cannot deactivate your own account."), code="own_account")
    user.active = active
    if not active:
        sessions.end_all(user)
    audit.record(actor, "user_deactivated" if not active else "user_reactivated",
                 consortium_id=user.home_consortium_id, target=user.username)
    db.session.commit()
    if not active:
        sessions.disconnect(user)
    return user


def reset_password(actor: User | None, user: User, password: str) -> User:
    """Give a user a new password (told to them in person); their sessions end."""
    require_admin(actor)
    _set_password(user, password)
    sessions.end_all(user)
    audit.record(actor, "password_reset", consortium_id=user.home_consortium_id, target=user.username)
    db.session.commit()
    sessions.disconnect(user)
    return user


def _consortium_fields(name: str, timezone: str, language: str, *, current: Consortium | None = None) -> dict:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadRequest(_("Please give a name of at most 200 characters."), code="invalid_name")
    clash = db.session.scalar(sa.select(Consortium).where(Consortium.name == name))
    if clash is not None and clash is not current:
        raise Conflict(_("A consortium named %(name)s exists already.", name=name), code="name_taken")
    if not valid_timezone(timezone or ""):
        raise BadRequest(_("Unknown time zone %(zone)s; use an IANA name such as Asia/Shanghai.", zone=repr(timezone)),
                         code="invalid_timezone")
    return {"name": name, "timezone": timezone, "language": check_language(language)}


def create_consortium(actor: User | None, *, name: str, timezone: str, language: str) -> Consortium:
    require_admin(actor)
    consortium = Consortium(**_consortium_fields(name, timezone, language))
    db.session.add(consortium)
    db.session.flush()
    audit.record(actor, "consortium_created", consortium_id=consortium.id, name=consortium.name)
    db.session.commit()
    return consortium


def update_consortium(actor: User | None, consortium: Consortium, *, name: str, timezone: str,
                      language: str) -> Consortium:
    require_admin(actor)
    for key, value in _consortium_fields(name, timezone, language, current=consortium).items():
        setattr(consortium, key, value)
    audit.record(actor, "consortium_updated", consortium_id=consortium.id, name=consortium.name)
    db.session.commit()
    return consortium


def set_sla_targets(actor: User | None, consortium: Consortium, minutes: dict) -> Consortium:
    """The consortium's SLA targets in minutes per priority (telemed/services/sla.py)."""
    require_admin(actor)
    for priority in ("critical", "urgent", "routine"):
        value = minutes.get(priority)
        if not isinstance(value, int) or not 1 <= value <= 7 * 24 * 60:
            raise BadRequest(_("A target is a whole number of minutes between 1 and 10080."), code="invalid_sla")
        setattr(consortium, f"sla_{priority}_min", value)
    audit.record(actor, "consortium_sla_set", consortium_id=consortium.id, minutes=minutes)
    db.session.commit()
    return consortium


def save_clinic(actor: User | None, clinic: Clinic | None, *, name: str, consortium_id) -> Clinic:
    """Create (`clinic` None) or rename/move a clinic."""
    require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadRequest(_("Please give a name of at most 200 characters."), code="invalid_name")
    if not consortium_id or db.session.get(Consortium, int(consortium_id)) is None:
        raise BadRequest(_("Choose the clinic's consortium."), code="consortium_required")
    clash = db.session.scalar(sa.select(Clinic).where(Clinic.name == name, Clinic.consortium_id == int(consortium_id)))
    if clash is not None and clash is not clinic:
        raise Conflict(_("This consortium has a clinic named %(name)s already.", name=name), code="name_taken")
    created = clinic is None
    clinic = clinic or Clinic()
    clinic.name, clinic.consortium_id = name, int(consortium_id)
    db.session.add(clinic)
    db.session.flush()
    audit.record(actor, "clinic_created" if created else "clinic_updated", consortium_id=clinic.consortium_id,
                 name=clinic.name)
    db.session.commit()
    return clinic

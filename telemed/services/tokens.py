"""Clinic API tokens: made and revoked by administrators, accepted on the upload and case-status
endpoints only (never for pages), each use recorded."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from telemed.extensions import db
from telemed.models import ApiToken, Clinic, Role, User
from telemed.models._time import utcnow
from telemed.services import audit
from telemed.services.access import require_role
from telemed.services.errors import BadRequest, DomainError

PREFIX = "tm_"
# The API endpoints a token may call: upload, a new recording, send anyway, and reading a case's status.
TOKEN_ENDPOINTS = frozenset({"api.create_case", "api.add_recording", "api.send_anyway", "api.case_status"})
LAST_USED_RESOLUTION_S = 60  # "last used" is written at most once a minute per token


class TokenNotFound(DomainError):
    status = 404
    code = "token_not_found"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(clinic_id: int, name: str, by: User | None) -> tuple[ApiToken, str]:
    """A new token for a clinic; returns (row, the token itself, shown this once)."""
    if by is not None:
        require_role(by, Role.ADMIN, action=_("manage API tokens"))
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None:
        raise BadRequest(_("No such clinic."), code="clinic_not_found")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadRequest(_("Give the token a name of at most 100 characters (e.g. the ECG cart's model)."),
                         code="invalid_name")
    secret = secrets.token_urlsafe(20)   # 160 bits
    prefix = secret[:8]
    token = f"{PREFIX}{prefix}_{secret[8:]}"
    device = User(username=f"device-{prefix}".lower(), full_name=name, role=Role.TOWNSHIP_DOCTOR.value,
                  clinic_id=clinic.id, password_hash="!token-only")  # no password can match
    db.session.add(device)
    db.session.flush()
    row = ApiToken(clinic_id=clinic.id, name=name, prefix=prefix, token_hash=_hash(token),
                   device_user_id=device.id, created_by_id=by.id if by else None)
    db.session.add(row)
    db.session.flush()
    audit.record(by, "api_token_created", None, token_id=row.id, clinic_id=clinic.id)
    db.session.commit()
    return row, token


def revoke_token(token_id: int, by: User | None) -> ApiToken:
    if by is not None:
        require_role(by, Role.ADMIN, action=_("manage API tokens"))
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise TokenNotFound(_("No such API token."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.device_user.active = False
        audit.record(by, "api_token_revoked", None, token_id=row.id, clinic_id=row.clinic_id)
        db.session.commit()
    return row


def list_tokens(clinic_id: int | None = None, by: User | None = None) -> list[ApiToken]:
    if by is not None:
        require_role(by, Role.ADMIN, action=_("manage API tokens"))
    stmt = sa.select(ApiToken).order_by(ApiToken.id)
    if clinic_id is not None:
        stmt = stmt.where(ApiToken.clinic_id == clinic_id)
    return list(db.session.scalars(stmt))


def user_for_bearer(header: str | None, endpoint: str | None) -> User | None:
    """The device account behind `Authorization: Bearer <token>`, on the endpoints tokens may use."""
    if not header or endpoint not in TOKEN_ENDPOINTS:
        return None
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash(token.strip())))
    if row is None or row.revoked_at is not None or not row.device_user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S:
        row.last_used_at = now
        db.session.commit()
    return row.device_user


def is_device(user: User) -> bool:
    return user.password_hash == "!token-only"

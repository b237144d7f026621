"""The audit trail: one append-only, hash-chained log of reads of patient data and of account events.

`record` adds an event to the current unit of work (committed with it). The chain is built in
id order: the new row is inserted first (which, on SQLite, takes the database's single write
lock; on PostgreSQL an advisory lock is taken), then its hash covers its content and the
previous row's hash. `verify` walks the chain; `search` and `export_csv` serve the viewer.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import gettext as _

from telemed.extensions import db
from telemed.i18n import local_datetime
from telemed.models import AuditEvent, Case, Clinic, Role, User
from telemed.models._time import utcnow
from telemed.models.audit import GENESIS
from telemed.services.errors import BadRequest, NotAuthorized

CHAIN_LOCK_KEY = 0x7E1E_A0D1  # pg_advisory_xact_lock key of the audit chain

# Actions the viewer offers as a filter (others are recorded too: the filter is free text).
READ_ACTIONS = ("case_viewed", "case_list_viewed", "signal_viewed", "priors_viewed", "messages_viewed",
                "report_viewed", "report_pdf_downloaded", "case_joined")
ACCOUNT_ACTIONS = ("login", "login_failed", "logout", "account_locked", "password_changed", "password_reset",
                   "user_created", "user_updated", "user_deactivated", "user_reactivated")


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def record(user: User | None, action: str, case_id: int | None = None, *, consortium_id: int | None = None,
           **detail) -> AuditEvent:
    """Add an audit event to the current unit of work (committed with it)."""
    if consortium_id is None:
        if case_id is not None:
            consortium_id = db.session.scalar(sa.select(Clinic.consortium_id).join(Case, Case.clinic_id == Clinic.id)
                                              .where(Case.id == case_id))
        elif user is not None:
            consortium_id = user.home_consortium_id
    event = AuditEvent(user_id=user.id if user else None, action=action, case_id=case_id,
                       consortium_id=consortium_id, ip=client_ip(), detail=detail, at=utcnow())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    db.session.add(event)
    db.session.flush()
    previous = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id < event.id)
                                 .order_by(AuditEvent.id.desc()).limit(1))
    event.prev_hash = previous or GENESIS
    event.hash = event.content_hash(event.prev_hash)
    db.session.flush()
    return event


# A page that refreshes itself (live updates, the viewer panning) is one read per window.
READ_WINDOW = dt.timedelta(minutes=10)


def recently(user: User, action: str, case_id: int | None, *, within: dt.timedelta) -> bool:
    """Has this user's `action` on this case (or on no case) been recorded within the last `within`?"""
    case_filter = AuditEvent.case_id.is_(None) if case_id is None else AuditEvent.case_id == case_id
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.action == action, case_filter,
        AuditEvent.at >= utcnow() - within)) > 0


def record_read(user: User, action: str, case_id: int | None = None, *, within: dt.timedelta | None = READ_WINDOW,
                **detail) -> None:
    """A read of patient data, committed at once (reads have no other unit of work); the same read
    by the same user within `within` is one event (`within=None`: every read is an event)."""
    if within is not None and recently(user, action, case_id, within=within):
        return
    record(user, action, case_id, **detail)
    db.session.commit()


def verify() -> tuple[int, list[str]]:
    """Walk the chain: (rows checked, problems). A changed, inserted or deleted row is a problem."""
    problems: list[str] = []
    previous = GENESIS
    count = 0
    for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)):
        count += 1
        if event.hash is None:
            problems.append(f"event {event.id}: no hash")
            previous = GENESIS
            continue
        if event.prev_hash != previous:
            problems.append(f"event {event.id}: the previous event is missing or was changed")
        if event.content_hash(event.prev_hash or GENESIS) != event.hash:
            problems.append(f"event {event.id}: its content was changed")
        previous = event.hash
    return count, problems


# -- the viewer ---------------------------------------------------------------------------

def _scope(viewer: User) -> sa.Select:
    """Administrators read every event; a coordinator the events of their own consortium."""
    stmt = sa.select(AuditEvent)
    if viewer.role == Role.ADMIN.value:
        return stmt
    if viewer.role == Role.COORDINATOR.value:
        return stmt.where(AuditEvent.consortium_id == viewer.consortium_id)
    raise NotAuthorized(_("Only administrators and coordinators can read the audit trail."))


def _parse_date(raw: str | None, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(_("%(field)s must be a date such as 2026-11-30.", field=name), code="invalid_date") from None


def search(viewer: User, args: dict, *, limit: int | None = 500) -> list[AuditEvent]:
    """Events the viewer may read, newest first, filtered by user, case, action and date (UTC days)."""
    stmt = _scope(viewer)
    username = (args.get("user") or "").strip()
    if username:
        stmt = stmt.join(User, AuditEvent.user_id == User.id).where(User.username == username)
    case_raw = (args.get("case") or "").strip()
    if case_raw:
        if not case_raw.isdigit():
            raise BadRequest(_("The case must be a case number."), code="invalid_case")
        stmt = stmt.where(AuditEvent.case_id == int(case_raw))
    action = (args.get("action") or "").strip()
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    since, until = _parse_date(args.get("since"), "since"), _parse_date(args.get("until"), "until")
    if since:
        stmt = stmt.where(AuditEvent.at >= dt.datetime.combine(since, dt.time()))
    if until:
        stmt = stmt.where(AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    stmt = stmt.order_by(AuditEvent.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def usernames(events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.user_id for e in events if e.user_id}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())


def export_csv(viewer: User, args: dict) -> str:
    """The filtered events as CSV, times in the viewer's consortium's zone; the export is audited too."""
    events = search(viewer, args, limit=None)
    names = usernames(events)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "time", "user", "action", "case", "consortium", "ip", "detail"])
    for e in events:
        writer.writerow([e.id, local_datetime(e.at, fmt="yyyy-MM-dd HH:mm:ss xxx"), names.get(e.user_id, ""), e.action, e.case_id or "",
                         e.consortium_id or "", e.ip or "", e.detail or ""])
    record(viewer, "audit_exported", rows=len(events), filters={k: v for k, v in args.items() if v})
    db.session.commit()
    return out.getvalue()

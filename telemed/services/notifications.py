"""Notifications: what a person should know about, kept until read and delivered live.

Rows are added inside the caller's unit of work (so a notification exists exactly when what it
announces was committed) and pushed to each recipient's `user:<id>` room after the commit. The
text is written when read, in the reader's language, from `kind` and `params`.
"""
from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _

from telemed.extensions import db
from telemed.i18n import N_
from telemed.models import Case, Notification, Role, User
from telemed.models._time import utcnow
from telemed.services.errors import BadRequest

TEXTS = {
    "report_signed": N_("Report signed for patient %(patient)s by %(author)s."),
    "report_amended": N_("The report of patient %(patient)s was amended by %(author)s."),
    "message_posted": N_("%(author)s wrote about patient %(patient)s: %(excerpt)s"),
    "rerecord_requested": N_("A new recording is requested for patient %(patient)s: %(reason)s"),
    "case_assigned": N_("The case of patient %(patient)s was assigned to you."),
    "critical_waiting": N_("Critical ECG waiting: patient %(patient)s from %(clinic)s."),
    "case_released": N_("The case of patient %(patient)s was taken back to the queue by %(author)s."),
    "sla_warning": N_("Patient %(patient)s (%(priority)s) has waited %(minutes)s minutes; the target is %(target)s."),
    "sla_breach": N_("Patient %(patient)s (%(priority)s) is past its %(target)s-minute target."),
}
MAX_LISTED = 50
EXCERPT_CHARS = 80


def notify(recipients, kind: str, case: Case | None, *, urgent: bool = False, **params) -> list[Notification]:
    """Add one notification per recipient to the current unit of work (the caller commits)."""
    assert kind in TEXTS, kind
    made = [Notification(recipient_id=user.id, kind=kind, case_id=case.id if case else None, params=params,
                         urgent=urgent) for user in {u.id: u for u in recipients}.values()]
    db.session.add_all(made)
    db.session.flush()
    return made


def language_of(user: User) -> str:
    consortium = user.home_consortium
    return user.language or (consortium.language if consortium else "zh_CN")


def render_text(notification: Notification, locale: str | None = None) -> str:
    """The notification in `locale` (default: the current request's language)."""
    from telemed.vocabulary import priority_label

    params = dict(notification.params or {})
    with force_locale(locale) if locale else contextlib.nullcontext():
        if "priority" in params:
            params["priority"] = priority_label(params["priority"])
        return _(TEXTS[notification.kind], **params)


def as_json(notification: Notification, locale: str | None = None) -> dict:
    return notification.to_dict(render_text(notification, locale))


def clinic_doctors(case: Case) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.clinic_id == case.clinic_id, User.role == Role.TOWNSHIP_DOCTOR.value, User.active.is_(True))))


def consortium_cardiologists(consortium_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.consortium_id == consortium_id, User.role == Role.CARDIOLOGIST.value, User.active.is_(True))))


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def inbox(user: User, *, unread_only: bool = False) -> tuple[list[Notification], int]:
    """The user's latest notifications (newest first) and how many are unread."""
    stmt = sa.select(Notification).where(Notification.recipient_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    items = list(db.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                                    .limit(MAX_LISTED)))
    unread = unread_count(user)
    if items:
        # Notifications name patients: reading them is a read of patient data.
        from telemed.services import audit

        audit.record_read(user, "notifications_viewed", case_ids=sorted({n.case_id for n in items if n.case_id}))
    return items, unread


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)))


def mark_read(user: User, data: dict) -> int:
    """Mark the given ids (or all) of the user's notifications read; returns the unread count left."""
    stmt = sa.update(Notification).where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    if data.get("all") is not True:
        ids = data.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > 1000 or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise BadRequest(_('Send {"ids": [...]} with the notification ids, or {"all": true}.'),
                             code="invalid_notification_ids")
        stmt = stmt.where(Notification.id.in_(ids))
    db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return unread_count(user)

"""Signed reports after signing: amendments as new signed versions, and the version history."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from telemed import domain_events
from telemed.extensions import db
from telemed.models import CaseStatus, Report, Role, User
from telemed.models._time import utcnow
from telemed.models.case import ReportKind
from telemed.services import audit, notifications
from telemed.services.access import get_visible_case, require_role
from telemed.services.errors import BadRequest, InvalidTransition, NotAssigned

MAX_REASON = 2000


def report_history(case_id: int, user: User) -> dict:
    """The current signed version and every version before it (audited as a report view)."""
    case = get_visible_case(case_id, user)
    if case.report is None:
        raise InvalidTransition(_("This case has no signed report yet."), code="not_reported")
    audit.record(user, "report_viewed", case.id)
    db.session.commit()
    return {"report": case.report.to_dict(), "versions": [r.to_dict() for r in case.reports]}


def amend_report(case_id: int, user: User, data: dict) -> Report:
    """A new signed version: a correction (by the cardiologist who signed the report) or an addendum
    (by any cardiologist of the consortium). The previous version stays, superseded; the clinic is told."""
    from telemed.services.intake import checked_reason
    from telemed.services.referrals import checked_report_fields

    require_role(user, Role.CARDIOLOGIST, action=_("amend reports"))
    case = get_visible_case(case_id, user, for_update=True)
    current = case.report
    if case.status != CaseStatus.REPORTED.value or current is None:
        raise InvalidTransition(_("Only a signed report can be amended."), code="not_reported")
    kind = data.get("kind")
    if kind not in (ReportKind.ADDENDUM.value, ReportKind.CORRECTION.value):
        raise BadRequest(_('The amendment kind is "addendum" or "correction".'), code="invalid_kind")
    first_signer = case.reports[0].signed_by_id
    if kind == ReportKind.CORRECTION.value and user.id != first_signer:
        raise NotAssigned(_("Only the cardiologist who signed the report can correct it; add an addendum instead."))
    reason = checked_reason(data, MAX_REASON)
    # An addendum may leave the content as it was; a correction states it again in full.
    merged = {"diagnosis": current.diagnosis, "recommendation": current.recommendation,
              "statements": current.statements}
    if kind == ReportKind.CORRECTION.value:
        merged = {}
    merged.update({k: data[k] for k in ("diagnosis", "recommendation", "statements") if k in data})
    diagnosis, recommendation, statements = checked_report_fields(merged)
    now = utcnow()
    current.superseded_at = now
    db.session.flush()
    version = Report(case_id=case.id, version=current.version + 1, kind=kind, reason=reason,
                     diagnosis=diagnosis, recommendation=recommendation, statements=statements,
                     signed_by_id=user.id, signed_at=now)
    db.session.add(version)
    audit.record(user, "report_amended", case.id, kind=kind, version=version.version, reason=reason)
    sent = notifications.notify(notifications.clinic_doctors(case), "report_amended", case,
                                urgent=case.priority == "critical", patient=case.patient_ref,
                                author=user.full_name or user.username)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # a colleague amended it in the same instant: theirs stands
        db.session.rollback()
        raise InvalidTransition(_("This case changed meanwhile; reload it.")) from None
    db.session.refresh(case)
    domain_events.case_reported.send(case)
    domain_events.notifications_sent.send(sent)
    return version

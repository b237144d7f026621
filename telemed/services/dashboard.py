"""Live load of a consortium: queue depth, waiting and turnaround times, who is overloaded."""
from __future__ import annotations

from flask_babel import gettext as _
import datetime as dt

import numpy as np
import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import Case, CaseStatus, Clinic, Role, User
from telemed.models._time import utcnow
from telemed.services import sla
from telemed.services.access import require_role

OPEN = tuple(s.value for s in CaseStatus if s is not CaseStatus.REPORTED)  # everything not yet answered
WINDOW = dt.timedelta(hours=24)
# Operational rule, not a clinical one: a reader holding this many open reviews, or twice the
# consortium's mean, is flagged so the coordinator can redistribute the queue.
OVERLOAD_OPEN_REVIEWS = 3


def _percentiles(minutes: list[float]) -> dict:
    if not minutes:
        return {"p50": None, "p90": None}
    p50, p90 = np.percentile(np.asarray(minutes), [50, 90])
    return {"p50": round(float(p50), 1), "p90": round(float(p90), 1)}


def get_dashboard(user: User) -> dict:
    """The dashboard of the coordinator's own consortium."""
    require_role(user, Role.COORDINATOR, action=_("see the consortium dashboard"))
    return consortium_dashboard(user.consortium_id)


def consortium_dashboard(consortium_id: int, *, now: dt.datetime | None = None) -> dict:
    now = now or utcnow()
    since = now - WINDOW
    cases = list(db.session.scalars(
        sa.select(Case).join(Clinic, Case.clinic_id == Clinic.id)
        .where(Clinic.consortium_id == consortium_id,
               sa.or_(Case.status.in_(OPEN), Case.reported_at >= since))))
    waiting = [c for c in cases if c.status == CaseStatus.AWAITING_REVIEW.value]
    reported = [c for c in cases if c.status == CaseStatus.REPORTED.value]
    queue = {p: sum(1 for c in waiting if c.priority == p) for p in ("critical", "urgent", "routine")}
    minutes = lambda delta: delta.total_seconds() / 60  # noqa: E731

    readers = list(db.session.scalars(sa.select(User).where(
        User.consortium_id == consortium_id, User.role == Role.CARDIOLOGIST.value).order_by(User.username)))
    open_by_reader = {r.id: [c for c in cases if c.status == CaseStatus.IN_REVIEW.value and c.assigned_to_id == r.id]
                      for r in readers}
    mean_open = (sum(len(v) for v in open_by_reader.values()) / len(readers)) if readers else 0.0
    per_cardiologist = []
    for r in readers:
        held = open_by_reader[r.id]
        per_cardiologist.append({
            "id": r.id, "username": r.username, "full_name": r.full_name,
            "in_review": len(held),
            "reported_24h": sum(1 for c in reported if c.assigned_to_id == r.id),
            "oldest_claim_minutes": round(max((minutes(now - c.claimed_at) for c in held), default=0.0), 1),
            "overloaded": len(held) >= OVERLOAD_OPEN_REVIEWS or (mean_open > 0 and len(held) >= 2 * mean_open and len(held) >= 2),
        })
    clinics = list(db.session.scalars(sa.select(Clinic).where(Clinic.consortium_id == consortium_id).order_by(Clinic.name)))
    per_clinic = [{
        "id": cl.id, "name": cl.name,
        "analyzing": sum(1 for c in cases if c.clinic_id == cl.id and c.status == CaseStatus.ANALYZING.value),
        "waiting": sum(1 for c in waiting if c.clinic_id == cl.id),
        "in_review": sum(1 for c in cases if c.clinic_id == cl.id and c.status == CaseStatus.IN_REVIEW.value),
        "reported_24h": sum(1 for c in reported if c.clinic_id == cl.id),
        "failed": sum(1 for c in cases if c.clinic_id == cl.id and c.status == CaseStatus.ANALYSIS_FAILED.value),
    } for cl in clinics]
    return {
        "consortium_id": consortium_id,
        "generated_at": now.isoformat(timespec="seconds") + "Z",
        "queue": queue,
        "in_review": sum(1 for c in cases if c.status == CaseStatus.IN_REVIEW.value),
        "analyzing": sum(1 for c in cases if c.status == CaseStatus.ANALYZING.value),
        "analysis_failed": sum(1 for c in cases if c.status == CaseStatus.ANALYSIS_FAILED.value),
        "waiting_minutes": _percentiles([minutes(now - c.created_at) for c in waiting]),
        "turnaround_minutes": _percentiles([minutes(c.reported_at - c.created_at) for c in reported]),
        "per_cardiologist": per_cardiologist,
        "per_clinic": per_clinic,
        "rerecord_requested": sum(1 for c in cases if c.status == CaseStatus.RERECORD_REQUESTED.value),
        "sla": sla.compliance(consortium_id, now),
        "sla_breached": [{"id": c.id, "patient_ref": c.patient_ref, "priority": c.priority, "clinic": c.clinic.name,
                          "assigned_to": c.assigned_to.to_brief() if c.assigned_to else None, "sla": clock}
                         for c, clock in ((c, sla.case_sla(c, now)) for c in cases if c.status in sla.WAITING)
                         if clock and clock["state"] == "breached"],
    }

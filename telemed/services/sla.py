"""Service-level clocks: minutes from upload to signed report, per priority and consortium.

Defaults: critical 10 min, urgent 60 min, routine 24 h. The 10 minutes are the time the ACC/AHA
give for an ECG to be obtained and read in suspected acute coronary syndrome (O'Gara PT et al.,
2013 ACCF/AHA STEMI guideline, Circulation 2013;127:e362, doi:10.1161/CIR.0b013e3182742cf6;
Amsterdam EA et al., 2014 AHA/ACC NSTE-ACS guideline, doi:10.1161/CIR.0000000000000134) and the
Chinese chest-pain-centre standard (中国胸痛中心认证标准: 首份心电图10分钟内完成并传输/判读). The
urgent and routine targets are operational choices of the consortium (configurable per consortium).
At 80 % of the target the on-duty cardiologists are warned; at 100 % they and the coordinators are
told of the breach. Each happens once per case. `check(now=...)` takes the clock as a parameter, so
tests (and a replay) control time.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from telemed import domain_events
from telemed.extensions import db
from telemed.models import Case, CaseStatus, Clinic, Consortium, Role, User
from telemed.models._time import iso, utcnow
from telemed.services import notifications

WARN_FRACTION = 0.8
WAITING = (CaseStatus.AWAITING_REVIEW.value, CaseStatus.IN_REVIEW.value)


def target_minutes(case: Case) -> int | None:
    if case.priority is None:
        return None
    return case.clinic.consortium.sla_minutes().get(case.priority)


def case_sla(case: Case, now: dt.datetime | None = None) -> dict | None:
    """The case's clock: target, due time, minutes left (negative when late) and its state."""
    target = target_minutes(case)
    if target is None:
        return None
    now = now or utcnow()
    due = case.created_at + dt.timedelta(minutes=target)
    end = case.reported_at or now
    elapsed_min = (end - case.created_at).total_seconds() / 60
    if case.reported_at is not None:
        state = "met" if elapsed_min <= target else "missed"
    elif elapsed_min >= target:
        state = "breached"
    elif elapsed_min >= WARN_FRACTION * target:
        state = "warning"
    else:
        state = "ok"
    return {"target_min": target, "due_at": iso(due), "remaining_min": round(target - elapsed_min, 1), "state": state}


def on_duty_cardiologists(consortium_id: int) -> list[User]:
    """Those on duty, or every active cardiologist of the consortium when nobody is."""
    readers = notifications.consortium_cardiologists(consortium_id)
    on_duty = [u for u in readers if u.on_duty]
    return on_duty or readers


def coordinators(consortium_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.consortium_id == consortium_id, User.role == Role.COORDINATOR.value, User.active.is_(True))))


def check(now: dt.datetime | None = None) -> dict:
    """Warn and escalate every waiting case that reached 80 % or 100 % of its target (once each)."""
    now = now or utcnow()
    cases = list(db.session.scalars(sa.select(Case).where(
        Case.status.in_(WAITING), Case.priority.is_not(None),
        sa.or_(Case.sla_warned_at.is_(None), Case.sla_breached_at.is_(None)))))
    sent, changed, warned, breached = [], [], 0, 0
    for case in cases:
        clock = case_sla(case, now)
        if clock is None:
            continue
        target, consortium_id = clock["target_min"], case.clinic.consortium_id
        waited = int((now - case.created_at).total_seconds() // 60)
        params = {"patient": case.patient_ref, "priority": case.priority, "minutes": waited, "target": target}
        if clock["state"] == "breached" and case.sla_breached_at is None:
            case.sla_breached_at = now
            case.sla_warned_at = case.sla_warned_at or now
            recipients = on_duty_cardiologists(consortium_id) + coordinators(consortium_id)
            sent += notifications.notify(recipients, "sla_breach", case, urgent=True, **params)
            changed.append(case)
            breached += 1
        elif clock["state"] == "warning" and case.sla_warned_at is None:
            case.sla_warned_at = now
            sent += notifications.notify(on_duty_cardiologists(consortium_id), "sla_warning", case,
                                         urgent=case.priority == "critical", **params)
            changed.append(case)
            warned += 1
    db.session.commit()
    domain_events.notifications_sent.send(sent)
    for case in changed:
        domain_events.case_changed.send(case)
    return {"warned": warned, "breached": breached}


def compliance(consortium_id: int, now: dt.datetime | None = None) -> dict:
    """Share of cases reported within target, per priority, for today (consortium clock) and 7 days."""
    from zoneinfo import ZoneInfo

    now = now or utcnow()
    consortium = db.session.get(Consortium, consortium_id)
    zone = ZoneInfo(consortium.timezone)
    local_midnight = now.replace(tzinfo=dt.timezone.utc).astimezone(zone).replace(hour=0, minute=0, second=0,
                                                                                  microsecond=0)
    windows = {"today": local_midnight.astimezone(dt.timezone.utc).replace(tzinfo=None),
               "last_7_days": now - dt.timedelta(days=7)}
    cases = list(db.session.scalars(
        sa.select(Case).join(Clinic, Case.clinic_id == Clinic.id).where(
            Clinic.consortium_id == consortium_id, Case.priority.is_not(None),
            Case.created_at >= min(windows.values()))))
    out = {}
    for name, since in windows.items():
        per = {}
        for priority in ("critical", "urgent", "routine"):
            chosen = [c for c in cases if c.priority == priority and c.created_at >= since]
            clocks = [case_sla(c, now) for c in chosen]
            done = [k for k in clocks if k and k["state"] in ("met", "missed")]
            met = sum(1 for k in done if k["state"] == "met")
            per[priority] = {"reported": len(done), "within_target": met,
                             "percent": round(100 * met / len(done), 1) if done else None,
                             "open_breached": sum(1 for k in clocks if k and k["state"] == "breached")}
        out[name] = per
    return out

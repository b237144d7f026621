"""The referral workflow: a case is created by a township clinic, claimed and reported by a cardiologist."""
from __future__ import annotations

from flask_babel import gettext as _
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed import domain_events, jobs
from telemed.extensions import db
from telemed.models import Case, CaseStatus, Priority, Recording, Report, Role, User
from telemed.models.case import INITIAL, check_transition, sources_of
from telemed.models._time import utcnow
from telemed.services import audit, intake, notifications
from telemed.services.access import get_visible_case, require_role, visible_cases
from telemed.storage import blob_store
from telemed.services.errors import AlreadyClaimed, BadRequest, InvalidTransition, NotAssigned
from telemed.vocabulary import RECOMMENDATIONS, STATEMENTS, field_label, status_label

MAX_TEXT = 4000
VIEW_AUDIT_WINDOW = audit.READ_WINDOW


def _text(form: dict, key: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
    value = (form.get(key) or "").strip()
    if required and not value:
        raise BadRequest(_("Please fill in %(field)s.", field=field_label(key)), code="missing_field")
    if len(value) > max_len:
        raise BadRequest(_("%(field)s is too long (%(length)s characters, at most %(limit)s).",
                           field=field_label(key), length=len(value), limit=max_len), code="too_long")
    return value


def parse_case_form(form: dict, *, patient_required: bool = True) -> dict:
    """Patient details of a new case, checked with messages a township doctor understands."""
    age_raw = (form.get("age") or "").strip()
    age = None
    if age_raw:
        if not age_raw.isdigit() or not 0 <= int(age_raw) <= 130:
            raise BadRequest(_("Age must be a whole number of years between 0 and 130, not %(value)s.",
                                 value=repr(age_raw)), code="invalid_age")
        age = int(age_raw)
    sex = (form.get("sex") or "").strip().upper()[:1] or None
    if sex not in {None, "M", "F"}:
        raise BadRequest(_("Sex must be M or F (or left empty when unknown)."), code="invalid_sex")
    fs_hz = parse_sampling_rate(form)
    return {
        "patient_ref": _text(form, "patient_ref", required=patient_required, max_len=100),
        "age": age, "sex": sex,
        "symptoms": _text(form, "symptoms"), "question": _text(form, "question"),
        "fs_hz": fs_hz,
    }


def parse_sampling_rate(form: dict) -> float | None:
    """The sampling rate a CSV upload needs (the form's `sampling_rate_hz`), or None."""
    fs_raw = (form.get("sampling_rate_hz") or "").strip()
    if not fs_raw:
        return None
    try:
        fs_hz = float(fs_raw)
    except ValueError:
        fs_hz = -1.0
    if not 50 <= fs_hz <= 20000:
        raise BadRequest(_("The sampling rate must be a number of samples per second between 50 and 20000, "
                           "not %(value)s.", value=repr(fs_raw)), code="invalid_sampling_rate")
    return fs_hz


def create_case(user: User, form: dict, files, *, idempotency_key: str | None = None,
                patient_from_device: bool = False) -> tuple[Case, bool]:
    """Store an uploaded ECG durably and open a case for it. Returns (case, created)."""
    require_role(user, Role.TOWNSHIP_DOCTOR, action=_("send ECGs for review"))
    if idempotency_key:
        if len(idempotency_key) > 100:
            raise BadRequest(_("The Idempotency-Key header is longer than 100 characters."))
        existing = db.session.scalar(sa.select(Case).where(
            Case.uploaded_by_id == user.id, Case.idempotency_key == idempotency_key))
        if existing is not None:
            return existing, False
    fields = parse_case_form(form, patient_required=not patient_from_device)
    store = blob_store()
    with intake.staged_recording(files, fs_hz=fields["fs_hz"]) as (upload, exam):
        if patient_from_device:
            fields = _patient_from_device(fields, exam.device, upload.main_file)
        new_blobs = intake.store_files(store, upload)
        try:
            case = _insert_case(user, fields, upload, exam, idempotency_key)
        except BaseException:
            db.session.rollback()
            intake.discard_unreferenced(store, new_blobs)
            raise
    domain_events.case_created.send(case)
    if exam.fit:
        jobs.enqueue_analysis(case.id)
    db.session.refresh(case)
    return case, True


def _patient_from_device(fields: dict, device: dict | None, main_file: str) -> dict:
    """A cart's upload: the patient fields the form omits come from the file itself (its patient id,
    else the file's name, which carts commonly set to the patient id)."""
    patient = (device or {}).get("patient") or {}
    out = dict(fields)
    out["patient_ref"] = out["patient_ref"] or (patient.get("id") or "")[:100] or Path(main_file).stem[:100]
    if out["age"] is None and patient.get("age_years") is not None:
        out["age"] = int(patient["age_years"])
    out["sex"] = out["sex"] or (patient.get("sex") or None)
    if not out["patient_ref"]:
        raise BadRequest(_("Please fill in %(field)s.", field=field_label("patient_ref")), code="missing_field")
    return out


def _insert_case(user: User, fields: dict, upload, exam: intake.Examination, idempotency_key: str | None) -> Case:
    """A recording the upload check finds unfit goes back to the clinic at once, not to the queue."""
    status = CaseStatus.ANALYZING if exam.fit else CaseStatus.RERECORD_REQUESTED
    assert status in INITIAL
    case = Case(clinic_id=user.clinic_id, uploaded_by_id=user.id, idempotency_key=idempotency_key,
                patient_ref=fields["patient_ref"], age=fields["age"], sex=fields["sex"],
                symptoms=fields["symptoms"], question=fields["question"], status=status.value,
                rerecord=None if exam.fit else intake.rerecord_by_check(exam))
    case.recordings.append(intake.new_recording(upload, exam))
    db.session.add(case)
    db.session.flush()
    audit.record(user, "case_created", case.id, files=[f.name for f in upload.files], fit=exam.fit)
    db.session.commit()
    return case


# What Case.to_dict() reads, in a handful of queries instead of several per case.
CASE_LIST_LOADS = (
    so.selectinload(Case.clinic), so.selectinload(Case.uploaded_by), so.selectinload(Case.assigned_to),
    so.selectinload(Case.recording).selectinload(Recording.files), so.selectinload(Case.analysis),
)


def _int_filter(raw, name: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadRequest(_("%(field)s must be a whole number.", field=name), code="bad_filter") from None


def list_cases(user: User, *, status: str | None = None, priority: str | None = None, clinic_id=None,
               assigned_to=None) -> list[Case]:
    """The caller's cases, most urgent first, then oldest first (filters: status list, priority,
    clinic, reader: what the dashboard's tiles and rows open)."""
    stmt = visible_cases(user)
    if priority:
        if priority not in {p.value for p in Priority}:
            raise BadRequest(_("Unknown priority %(value)s.", value=repr(priority)[:40]), code="unknown_priority")
        stmt = stmt.where(Case.priority == priority)
    if (clinic := _int_filter(clinic_id, "clinic_id")) is not None:
        stmt = stmt.where(Case.clinic_id == clinic)
    if (reader := _int_filter(assigned_to, "assigned_to")) is not None:
        stmt = stmt.where(Case.assigned_to_id == reader)
    if status:
        wanted = [s.strip() for s in status.split(",") if s.strip()]
        unknown = set(wanted) - {s.value for s in CaseStatus}
        if unknown:
            raise BadRequest(_("Unknown status %(unknown)s; use one of %(known)s.", unknown=", ".join(sorted(unknown)),
                               known=", ".join(s.value for s in CaseStatus)), code="unknown_status")
        stmt = stmt.where(Case.status.in_(wanted))
    cases = list(db.session.scalars(stmt.order_by(Case.priority_rank, Case.created_at, Case.id)
                                    .options(*CASE_LIST_LOADS)))
    # Which patients a list showed is part of the record (an open queue refreshing is one read).
    audit.record_read(user, "case_list_viewed", status=status or "", count=len(cases),
                      case_ids=[c.id for c in cases[:500]])
    return cases


def get_case(case_id: int, user: User) -> Case:
    """A case the caller may see (the page shell; the API read that fills it is the audited view)."""
    return get_visible_case(case_id, user)


def view_case(case_id: int, user: User) -> Case:
    """A case the caller may see; the view is audited (an open page refreshing is one view)."""
    case = get_visible_case(case_id, user)
    audit.record_read(user, "case_viewed", case.id, within=VIEW_AUDIT_WINDOW)
    return case


def prior_cases(case_id: int, user: User) -> list[Case]:
    """Earlier ECGs of the same patient: same clinic and patient reference, newest first."""
    case = get_visible_case(case_id, user)
    stmt = visible_cases(user).where(
        Case.clinic_id == case.clinic_id, Case.patient_ref == case.patient_ref, Case.id != case.id,
        Case.created_at <= case.created_at)
    priors = list(db.session.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(20)))
    audit.record_read(user, "priors_viewed", case.id, prior_ids=[c.id for c in priors])
    return priors


def claim_case(case_id: int, user: User) -> Case:
    """Take a waiting case for review. Exactly one of several simultaneous claimers wins."""
    require_role(user, Role.CARDIOLOGIST, action=_("claim cases"))
    case = get_visible_case(case_id, user)
    if case.status == CaseStatus.IN_REVIEW.value and case.assigned_to_id == user.id:
        return case
    now = utcnow()
    # One conditional UPDATE: the database decides the race, on SQLite and PostgreSQL alike.
    won = db.session.execute(
        sa.update(Case)
        .where(Case.id == case.id, Case.status.in_(sources_of(CaseStatus.IN_REVIEW)))
        .values(status=CaseStatus.IN_REVIEW.value, assigned_to_id=user.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        db.session.rollback()
        db.session.refresh(case)
        if case.status == CaseStatus.IN_REVIEW.value:
            holder = (case.assigned_to.full_name or case.assigned_to.username) if case.assigned_to else _("another cardiologist")
            raise AlreadyClaimed(_("%(holder)s is already reviewing this case.", holder=holder))
        raise InvalidTransition(_("This case cannot be claimed while it is %(status)s.", status=status_label(case.status)))
    audit.record(user, "case_claimed", case.id)
    db.session.commit()
    db.session.refresh(case)
    domain_events.case_changed.send(case)
    return case


def checked_report_fields(data: dict) -> tuple[str, str, list[str]]:
    """Diagnosis, recommendation and statements of a report (signed or amended), checked."""
    diagnosis = _text(data, "diagnosis", required=True)
    recommendation, statements = _checked_vocabulary(data)
    return diagnosis, recommendation, statements


def _checked_vocabulary(data: dict) -> tuple[str, list[str]]:
    """The recommendation and statements of a report, as codes of the clinical vocabulary."""
    recommendation = data.get("recommendation")
    if not isinstance(recommendation, str) or not recommendation.strip():
        raise BadRequest(_("Please fill in %(field)s.", field=field_label("recommendation")), code="missing_field")
    if recommendation not in RECOMMENDATIONS:
        raise BadRequest(_("Unknown recommendation %(code)s; choose one from the list.", code=repr(recommendation)[:60]),
                         code="unknown_recommendation")
    statements = data.get("statements") or []
    if not isinstance(statements, list) or len(statements) > len(STATEMENTS) or not all(
            isinstance(s, str) for s in statements):
        raise BadRequest(_("Statements must be a list of statement codes."), code="invalid_statements")
    unknown = [s for s in statements if s not in STATEMENTS]
    if unknown:
        raise BadRequest(_("Unknown statement %(codes)s; choose statements from the list.",
                           codes=", ".join(repr(s)[:60] for s in unknown[:5])), code="unknown_statement")
    return recommendation, list(dict.fromkeys(statements))  # each statement once, in the order chosen


def assign_case(case_id: int, coordinator: User, data: dict) -> Case:
    """A coordinator moves a case to another cardiologist, or back to the queue (`cardiologist_id`
    null). Recorded and notified."""
    require_role(coordinator, Role.COORDINATOR, action=_("assign cases"))
    case = get_visible_case(case_id, coordinator)
    if "cardiologist_id" not in data:
        raise BadRequest(_('Send {"cardiologist_id": id} or {"cardiologist_id": null}.'), code="missing_field")
    cardiologist_id = data["cardiologist_id"]
    previous = case.assigned_to
    told = []  # (user, notification kind)
    if cardiologist_id is None:
        case.transition(CaseStatus.AWAITING_REVIEW)
        case.assigned_to_id, case.claimed_at = None, None
    else:
        reader = db.session.get(User, cardiologist_id) if isinstance(cardiologist_id, int) else None
        if (reader is None or reader.role != Role.CARDIOLOGIST.value or not reader.active
                or reader.consortium_id != case.clinic.consortium_id):
            raise BadRequest(_("Choose an active cardiologist of this consortium."), code="unknown_cardiologist")
        if case.status == CaseStatus.AWAITING_REVIEW.value:
            case.transition(CaseStatus.IN_REVIEW)
        elif case.status != CaseStatus.IN_REVIEW.value:
            check_transition(case.status, CaseStatus.IN_REVIEW)  # refuses with the lifecycle's message
        case.assigned_to_id, case.claimed_at = reader.id, utcnow()
        told.append((reader, "case_assigned"))
    if previous is not None and previous.id != cardiologist_id:
        told.append((previous, "case_released"))
    audit.record(coordinator, "case_assigned", case.id, to=cardiologist_id, previous=previous.id if previous else None)
    sent = []
    for user, kind in told:
        sent += notifications.notify([user], kind, case, patient=case.patient_ref,
                                     author=coordinator.full_name or coordinator.username)
    db.session.commit()
    db.session.refresh(case)
    domain_events.case_changed.send(case)
    domain_events.notifications_sent.send(sent)
    return case


def submit_report(case_id: int, user: User, data: dict) -> Report:
    """Sign the diagnosis of a case under review; it goes to the township clinic at once."""
    require_role(user, Role.CARDIOLOGIST, action=_("sign reports"))
    case = get_visible_case(case_id, user)
    if case.status == CaseStatus.REPORTED.value:
        raise InvalidTransition(_("This case has already been reported."))
    if case.status != CaseStatus.IN_REVIEW.value or case.assigned_to_id != user.id:
        raise NotAssigned(_("Only the cardiologist who claimed this case can sign its report. Claim it first."))
    diagnosis, recommendation, statements = checked_report_fields(data)
    now = utcnow()
    won = db.session.execute(
        sa.update(Case).where(Case.id == case.id, Case.status.in_(sources_of(CaseStatus.REPORTED)),
                              Case.assigned_to_id == user.id)
        .values(status=CaseStatus.REPORTED.value, reported_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        db.session.rollback()
        raise InvalidTransition(_("This case changed meanwhile; reload it."))
    report = Report(case_id=case.id, diagnosis=diagnosis, recommendation=recommendation,
                    statements=statements, signed_by_id=user.id, signed_at=now)
    db.session.add(report)
    audit.record(user, "report_signed", case.id)
    sent = notifications.notify(notifications.clinic_doctors(case), "report_signed", case,
                                urgent=case.priority == "critical", patient=case.patient_ref,
                                author=user.full_name or user.username)
    db.session.commit()
    db.session.refresh(case)
    domain_events.case_reported.send(case)
    domain_events.notifications_sent.send(sent)
    return report

"""Recordings arriving at a case: staged, validated, examined while the patient is still there, stored.

A recording a cardiologist could not read (too short, flat or disconnected leads, clipping, noise,
wrong units, too slow a sampling rate: `ecgsignal.check_fitness`, whose thresholds cite their
sources) does not enter the queue: the case goes back to the clinic as `rerecord_requested` with a
message naming the problem and what to do. The clinic answers with a new recording
(`add_recording`) or sends it anyway with a reason (`send_anyway`); a reader may also ask for a
new recording (`request_rerecord`).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import ecgsignal
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from telemed import jobs
from telemed.extensions import db
from telemed.i18n import record_error_text
from telemed.models import Annotation, Case, CaseStatus, Recording, RecordingFile, Role, User
from telemed.models._time import utcnow
from telemed.models.case import check_transition
from telemed import domain_events
from telemed.services import audit, notifications, uploads
from telemed.services.access import get_visible_case, require_role
from telemed.services.errors import BadRequest, NotAssigned
from telemed.storage import BlobStore, blob_store

MAX_REASON = 1000


@dataclass(frozen=True)
class Examination:
    """What the upload check found: fitness (JSON), the device's own metadata, tolerated quirks."""

    fitness: dict
    device: dict | None
    tolerated: list[str]

    @property
    def fit(self) -> bool:
        return bool(self.fitness.get("fit", True))


def examine(upload: uploads.ValidatedUpload, *, fs_hz: float | None) -> Examination:
    """The quick fitness check on the first minutes of the staged recording (well under a second
    for a 10-s 12-lead), and what the device says about it."""
    main = next(f.path for f in upload.files if f.name == upload.main_file)
    info = upload.info
    stop = min(int(info.n_samples), max(1, int(ecgsignal.fitness.MAX_CHECK_S * info.fs)))
    try:
        record = ecgsignal.read_record(main, fs=fs_hz if upload.format == "csv" else None,
                                       start_sample=0, stop_sample=stop)
    except ecgsignal.RecordError as exc:  # verify_record read it already; kept for safety
        raise BadRequest(record_error_text(exc), code="unreadable_recording") from None
    fitness = ecgsignal.check_fitness(record)
    problems = [{"code": p.code, "blocking": p.blocking, "leads": list(p.leads), "message": p.message,
                 "advice": p.advice, "params": _json_params(p.params), "reference": p.reference}
                for p in fitness.problems]
    device = record.device.to_dict() if getattr(record, "device", None) is not None else None
    return Examination(fitness={"fit": bool(fitness.fit), "problems": problems,
                                "checked_s": round(float(fitness.checked_s), 1)},
                       device=device, tolerated=list(getattr(record, "tolerated", ()) or ()))


def _json_params(params: dict) -> dict:
    return {k: (v if isinstance(v, (str, int)) else round(float(v), 2) if isinstance(v, float) else str(v))
            for k, v in (params or {}).items()}


def fitness_messages(fitness: dict | None, *, blocking: bool = True) -> list[str]:
    """The problems in the reader's language: "Leads V1-V6 are flat: check the chest electrodes and record again." """
    out = []
    for p in (fitness or {}).get("problems", []):
        if p.get("blocking", True) != blocking:
            continue
        params = p.get("params", {})
        problem = _(p["message"]) % params if params else _(p["message"])
        advice = _(p["advice"]) % params if params else _(p["advice"])
        out.append(_("%(problem)s: %(advice)s.", problem=problem, advice=advice))
    return out


@contextlib.contextmanager
def staged_recording(files, *, fs_hz: float | None):
    """Stage, validate and examine an upload; yields (upload, examination) while the staged files exist."""
    store = blob_store()
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    with store.staging_area() as folder:
        staged = uploads.stage_files(files, folder, limit_bytes=limit)
        from_zip = len(staged) == 1 and staged[0].name.lower().endswith(".zip")
        if from_zip:
            staged = uploads.unpack_zip(staged[0], folder, limit_bytes=limit)
        upload = uploads.validate(staged, fs_hz=fs_hz, from_zip=from_zip)
        yield upload, examine(upload, fs_hz=fs_hz)


def store_files(store: BlobStore, upload: uploads.ValidatedUpload) -> list[str]:
    """Commit the staged files to the blob store; returns the blobs that are new (to discard on failure)."""
    return [f.sha256 for f in upload.files if store.commit(f.path, f.sha256)]


def discard_unreferenced(store: BlobStore, shas: list[str]) -> None:
    for sha in shas:
        if not db.session.scalar(sa.select(sa.func.count()).select_from(RecordingFile).where(RecordingFile.sha256 == sha)):
            store.discard(sha)


def new_recording(upload: uploads.ValidatedUpload, exam: Examination) -> Recording:
    info = upload.info
    return Recording(
        format=upload.format, main_file=upload.main_file, fs=float(info.fs), lead_names=list(info.lead_names),
        n_samples=int(info.n_samples), duration_s=float(info.duration_s), start_time=info.start_time,
        device=exam.device, tolerated=exam.tolerated, fitness=exam.fitness,
        files=[RecordingFile(name=f.name, sha256=f.sha256, size_bytes=f.size_bytes) for f in upload.files])


def rerecord_by_check(exam: Examination) -> dict:
    return {"by": "check", "problems": [p for p in exam.fitness["problems"] if p.get("blocking", True)],
            "requested_at": utcnow().isoformat(timespec="seconds") + "Z"}


def _doctor_case(case_id: int, user: User, *, action: str) -> Case:
    require_role(user, Role.TOWNSHIP_DOCTOR, action=action)
    return get_visible_case(case_id, user)


def add_recording(case_id: int, user: User, files, form: dict) -> Case:
    """A new recording for a case sent back to the clinic: checked again, and analysed if fit."""
    case = _doctor_case(case_id, user, action=_("send ECGs for review"))
    check_transition(case.status, CaseStatus.ANALYZING)
    fs_hz = _fs_from(form)
    store = blob_store()
    with staged_recording(files, fs_hz=fs_hz) as (upload, exam):
        new_blobs = store_files(store, upload)
        try:
            _replace_recording(case, user, upload, exam)
        except BaseException:
            db.session.rollback()
            discard_unreferenced(store, new_blobs)
            raise
    db.session.refresh(case)
    domain_events.case_changed.send(case)
    if exam.fit:
        jobs.enqueue_analysis(case.id)
    return case


def _fs_from(form: dict) -> float | None:
    from telemed.services.referrals import parse_sampling_rate

    return parse_sampling_rate(form)


def _replace_recording(case: Case, user: User, upload, exam: Examination) -> None:
    previous = case.recording
    if previous is not None:
        previous.superseded_at = utcnow()
    # What belonged to the previous recording (its analysis, spans drawn on it) goes with it; the
    # original files stay stored and listed under the case, and the audit keeps the annotations.
    if case.analysis is not None:
        db.session.delete(case.analysis)
    old = list(db.session.scalars(sa.select(Annotation).where(Annotation.case_id == case.id)))
    for annotation in old:
        db.session.delete(annotation)
    db.session.flush()
    case.recordings.append(new_recording(upload, exam))
    case.priority, case.priority_rank, case.failure_reason, case.failure_detail = None, 3, None, None
    case.assigned_to_id = None
    if exam.fit:
        case.transition(CaseStatus.ANALYZING)
        case.rerecord = None
    else:
        case.rerecord = rerecord_by_check(exam)  # still back at the clinic, with the new problems
    audit.record(user, "recording_added", case.id, files=[f.name for f in upload.files], fit=exam.fit,
                 replaced_annotations=[a.to_dict() for a in old] or None)
    db.session.commit()


def send_anyway(case_id: int, user: User, data: dict) -> Case:
    """The doctor sends a recording the check found unfit, with the reason (audited)."""
    case = _doctor_case(case_id, user, action=_("send ECGs for review"))
    reason = checked_reason(data)
    case.transition(CaseStatus.ANALYZING)
    audit.record(user, "sent_anyway", case.id, reason=reason, problems=[p["code"] for p in (case.rerecord or {}).get("problems", [])])
    case.rerecord = {**(case.rerecord or {}), "sent_anyway": reason}
    db.session.commit()
    db.session.refresh(case)
    domain_events.case_changed.send(case)
    jobs.enqueue_analysis(case.id)
    return case


def request_rerecord(case_id: int, user: User, data: dict) -> Case:
    """A cardiologist returns a case to the clinic for a new recording; the clinic is notified."""
    require_role(user, Role.CARDIOLOGIST, action=_("ask for a new recording"))
    case = get_visible_case(case_id, user)
    reason = checked_reason(data)
    check_transition(case.status, CaseStatus.RERECORD_REQUESTED)  # the lifecycle's own refusal (409)
    # A waiting case, or the one the reader holds.
    if case.status != CaseStatus.AWAITING_REVIEW.value and case.assigned_to_id != user.id:
        raise NotAssigned(_("Only the cardiologist reading this case can send it back."))
    case.transition(CaseStatus.RERECORD_REQUESTED)
    case.rerecord = {"by": "reader", "reason": reason, "requested_by": user.to_brief(),
                     "requested_at": utcnow().isoformat(timespec="seconds") + "Z"}
    case.assigned_to_id = None
    audit.record(user, "rerecord_requested", case.id, reason=reason)
    sent = notifications.notify(notifications.clinic_doctors(case), "rerecord_requested", case, urgent=True,
                                patient=case.patient_ref, reason=notifications.excerpt(reason))
    db.session.commit()
    db.session.refresh(case)
    domain_events.case_changed.send(case)
    domain_events.notifications_sent.send(sent)
    return case


def checked_reason(data: dict, limit: int = MAX_REASON) -> str:
    """The `reason` a request must give (send anyway, re-record, amend a report), trimmed."""
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise BadRequest(_("Please give the reason."), code="missing_field")
    if len(reason) > limit:
        raise BadRequest(_("%(field)s is too long (%(length)s characters, at most %(limit)s).",
                           field=_("the reason"), length=len(reason), limit=limit), code="too_long")
    return reason.strip()

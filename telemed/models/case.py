import datetime as dt
import enum
import gzip
import json

import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed.extensions import db
from telemed.models._time import iso, utcnow
from telemed.models.user import Clinic, User
from telemed.vocabulary import suggested_statements


class CaseStatus(str, enum.Enum):
    ANALYZING = "analyzing"
    AWAITING_REVIEW = "awaiting_review"
    IN_REVIEW = "in_review"
    REPORTED = "reported"
    ANALYSIS_FAILED = "analysis_failed"
    # Back at the clinic: the recording cannot be read (upload check) or a reader asked for another.
    RERECORD_REQUESTED = "rerecord_requested"


S = CaseStatus
# The case lifecycle: the one table every service goes through (`check_transition`, `sources_of`).
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.ANALYZING: frozenset({S.AWAITING_REVIEW, S.ANALYSIS_FAILED}),
    S.AWAITING_REVIEW: frozenset({S.IN_REVIEW, S.RERECORD_REQUESTED}),
    S.IN_REVIEW: frozenset({S.REPORTED, S.AWAITING_REVIEW, S.RERECORD_REQUESTED}),
    S.RERECORD_REQUESTED: frozenset({S.ANALYZING}),         # a new recording, or sent anyway
    S.ANALYSIS_FAILED: frozenset({S.ANALYZING, S.RERECORD_REQUESTED}),
    S.REPORTED: frozenset(),                                 # a signed report is amended, never reopened
}
# Where a new case starts: analysis, or straight back to the clinic when the upload check fails.
INITIAL = frozenset({S.ANALYZING, S.RERECORD_REQUESTED})
# "Open" means one thing everywhere (queue filter, annotations, scripts): readers can work on it.
OPEN_FOR_REVIEW = frozenset({S.AWAITING_REVIEW, S.IN_REVIEW})
# Still the clinic's to act on.
WITH_CLINIC = frozenset({S.RERECORD_REQUESTED, S.ANALYSIS_FAILED})


def can_transition(from_status: str, to_status: str) -> bool:
    return CaseStatus(to_status) in TRANSITIONS[CaseStatus(from_status)]


def check_transition(from_status: str, to_status: str) -> None:
    """Raise InvalidTransition unless the lifecycle allows `from_status` -> `to_status`."""
    if not can_transition(from_status, to_status):
        from flask_babel import gettext as _

        from telemed.services.errors import InvalidTransition
        from telemed.vocabulary import status_label

        raise InvalidTransition(_("A case cannot go from %(from)s to %(to)s.",
                                  **{"from": status_label(from_status), "to": status_label(to_status)}))


def sources_of(to_status: CaseStatus) -> list[str]:
    """The statuses a case may leave for `to_status` (the WHERE of a race-free conditional UPDATE)."""
    return [s.value for s, targets in TRANSITIONS.items() if to_status in targets]


class Priority(str, enum.Enum):
    CRITICAL = "critical"
    URGENT = "urgent"
    ROUTINE = "routine"


PRIORITY_RANK = {Priority.CRITICAL.value: 0, Priority.URGENT.value: 1, Priority.ROUTINE.value: 2}


class Case(db.Model):
    """A referral: one ECG of one patient sent by a township clinic for a cardiologist's reading."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("ix_cases_queue", "status", "priority_rank", "created_at"),
        sa.UniqueConstraint("uploaded_by_id", "idempotency_key", name="uq_case_idempotency"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id"), index=True)
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    patient_ref: so.Mapped[str] = so.mapped_column(sa.String(100), index=True)
    age: so.Mapped[int | None]
    sex: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    symptoms: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    question: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=CaseStatus.ANALYZING.value)
    priority: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    # Sort key of the queue (critical first); 3 while the priority is unknown.
    priority_rank: so.Mapped[int] = so.mapped_column(default=3)
    assigned_to_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    failure_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # A read error's msgid and params ({"msgid", "params"}), so the reason is shown in the reader's
    # language; failure_reason keeps its English sentence (the API's field).
    failure_detail: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    analyzed_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    claimed_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    reported_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    failed_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    # Why the case is back at the clinic: {"by": "check", "problems": [...]} from the upload check,
    # or {"by": "reader", "reason", "requested_by"}; "sent_anyway" holds the doctor's reason.
    rerecord: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    # When the on-duty readers were warned (80 % of the target) and told of the breach: each once.
    sla_warned_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    sla_breached_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)

    clinic: so.Mapped[Clinic] = so.relationship()
    uploaded_by: so.Mapped[User] = so.relationship(foreign_keys=[uploaded_by_id])
    assigned_to: so.Mapped[User | None] = so.relationship(foreign_keys=[assigned_to_id])
    # Every recording ever sent for the case (originals are never deleted); `recording` is the current one.
    recordings: so.Mapped[list["Recording"]] = so.relationship(back_populates="case", order_by="Recording.id")
    recording: so.Mapped["Recording | None"] = so.relationship(
        primaryjoin="and_(Recording.case_id == Case.id, Recording.superseded_at.is_(None))",
        uselist=False, viewonly=True)
    analysis: so.Mapped["Analysis | None"] = so.relationship(back_populates="case", uselist=False)
    # Every signed version, oldest first; `report` is the current one.
    reports: so.Mapped[list["Report"]] = so.relationship(back_populates="case", order_by="Report.version")
    report: so.Mapped["Report | None"] = so.relationship(
        primaryjoin="and_(Report.case_id == Case.id, Report.superseded_at.is_(None))", uselist=False, viewonly=True)

    @property
    def consortium_id(self) -> int:
        return self.clinic.consortium_id

    def can_transition_to(self, to_status: str) -> bool:
        return can_transition(self.status, to_status)

    def transition(self, to_status: CaseStatus) -> None:
        """Move to `to_status` if the lifecycle allows it (else InvalidTransition)."""
        check_transition(self.status, to_status)
        self.status = CaseStatus(to_status).value

    def set_priority(self, priority: str) -> None:
        self.priority = priority
        self.priority_rank = PRIORITY_RANK[priority]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "patient_ref": self.patient_ref,
            "age": self.age,
            "sex": self.sex,
            "symptoms": self.symptoms,
            "question": self.question,
            "status": self.status,
            "priority": self.priority,
            "clinic": {"id": self.clinic.id, "name": self.clinic.name},
            "consortium_id": self.clinic.consortium_id,
            "uploaded_by": self.uploaded_by.to_brief(),
            "assigned_to": self.assigned_to.to_brief() if self.assigned_to else None,
            "failure_reason": self.failure_reason,
            "failure_detail": self.failure_detail,
            "created_at": iso(self.created_at),
            "analyzed_at": iso(self.analyzed_at),
            "claimed_at": iso(self.claimed_at),
            "reported_at": iso(self.reported_at),
            "failed_at": iso(self.failed_at),
            "recording": self.recording.to_dict() if self.recording else None,
            "summary": self.analysis.summary() if self.analysis else None,
            "rerecord": self._rerecord_json(),
            "sla": self._sla_json(),
        }

    def _sla_json(self) -> dict | None:
        from telemed.services.sla import case_sla

        return case_sla(self)

    def _rerecord_json(self) -> dict | None:
        if not self.rerecord:
            return None
        from telemed.services.intake import fitness_messages

        out = dict(self.rerecord)
        out["messages"] = fitness_messages({"problems": out.get("problems", [])}) or (
            [out["reason"]] if out.get("reason") else [])
        return out


class Recording(db.Model):
    """The uploaded original: its files are kept byte for byte, addressed by SHA-256."""

    __tablename__ = "recordings"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    format: so.Mapped[str] = so.mapped_column(sa.String(10))
    main_file: so.Mapped[str] = so.mapped_column(sa.String(255))
    fs: so.Mapped[float]
    lead_names: so.Mapped[list] = so.mapped_column(sa.JSON)
    n_samples: so.Mapped[int]
    duration_s: so.Mapped[float]
    start_time: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    # What the device said (manufacturer, model, its own measurements and statements), what the
    # reader tolerated in the file, and the upload check's verdict.
    device: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    tolerated: so.Mapped[list | None] = so.mapped_column(sa.JSON)
    fitness: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    superseded_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    case: so.Mapped[Case] = so.relationship(back_populates="recordings")
    files: so.Mapped[list["RecordingFile"]] = so.relationship(
        back_populates="recording", cascade="all, delete-orphan", order_by="RecordingFile.name")

    def to_dict(self) -> dict:
        return {
            "format": self.format, "fs": self.fs, "leads": self.lead_names, "n_samples": self.n_samples,
            "duration_s": round(self.duration_s, 3), "start_time": iso(self.start_time),
            "files": [f.to_dict() for f in self.files], "device": self.device, "tolerated": self.tolerated or [],
            "fitness": self.fitness,
        }


class RecordingFile(db.Model):
    __tablename__ = "recording_files"
    __table_args__ = (sa.UniqueConstraint("recording_id", "name"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recording_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("recordings.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(255))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    size_bytes: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    recording: so.Mapped[Recording] = so.relationship(back_populates="files")

    def to_dict(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "size_bytes": self.size_bytes}


class Analysis(db.Model):
    """The automatic reading of a recording by ecgsignal."""

    __tablename__ = "analyses"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), unique=True)
    algorithm_version: so.Mapped[str] = so.mapped_column(sa.String(40))
    heart_rate_bpm: so.Mapped[float | None]
    rr: so.Mapped[dict] = so.mapped_column(sa.JSON)
    findings: so.Mapped[list] = so.mapped_column(sa.JSON)
    measurements: so.Mapped[dict] = so.mapped_column(sa.JSON)
    quality: so.Mapped[dict] = so.mapped_column(sa.JSON)
    # ecgsignal's interpretive statements and overall class (resting ECGs; None for long records).
    interpretation: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    # Recordings of an hour or more: the Holter summary (ecgsignal.holter_summary).
    holter: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    priority: so.Mapped[str] = so.mapped_column(sa.String(10))
    n_beats: so.Mapped[int]
    processing_ms: so.Mapped[float]
    # Per-beat arrays (beat positions, labels, wave boundaries) can reach megabytes for
    # a 24-hour recording: kept compressed, out of the summary columns.
    detail_gz: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    case: so.Mapped[Case] = so.relationship(back_populates="analysis")

    @staticmethod
    def pack_detail(detail: dict) -> bytes:
        return gzip.compress(json.dumps(detail, separators=(",", ":")).encode(), compresslevel=5)

    def detail(self) -> dict:
        return json.loads(gzip.decompress(self.detail_gz))

    def summary(self) -> dict:
        return {
            "heart_rate_bpm": self.heart_rate_bpm,
            "findings": [{"code": f["code"], "severity": f["severity"]} for f in self.findings],
            "n_beats": self.n_beats,
        }

    def to_dict(self, *, with_beats: bool = True) -> dict:
        out = {
            "algorithm_version": self.algorithm_version,
            "heart_rate_bpm": self.heart_rate_bpm,
            "rr": self.rr,
            "findings": self.findings,
            "measurements": self.measurements,
            "quality": self.quality,
            "interpretation": self.interpretation,
            "holter": self.holter,
            "suggested_statements": suggested_statements(self.interpretation),
            "priority": self.priority,
            "n_beats": self.n_beats,
            "processing_ms": self.processing_ms,
            "created_at": iso(self.created_at),
        }
        if with_beats:
            detail = self.detail()
            out["beats"] = detail.get("beats", {"sample": [], "label": []})
            out["heart_rate"] = detail.get("heart_rate")
            out["lead_measurements"] = detail.get("lead_measurements")
        return out


class ReportKind(str, enum.Enum):
    ORIGINAL = "original"
    ADDENDUM = "addendum"        # adds to the report; any cardiologist of the consortium
    CORRECTION = "correction"    # corrects it; the cardiologist who signed it


class Report(db.Model):
    """One signed version of a case's report. Signed versions are never changed: an amendment is a
    new version (`kind`, `reason`) and the previous one is marked superseded."""

    __tablename__ = "reports"
    __table_args__ = (sa.UniqueConstraint("case_id", "version", name="uq_report_version"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    kind: so.Mapped[str] = so.mapped_column(sa.String(12), default=ReportKind.ORIGINAL.value,
                                            server_default=ReportKind.ORIGINAL.value)
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    superseded_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    diagnosis: so.Mapped[str] = so.mapped_column(sa.Text)
    statements: so.Mapped[list] = so.mapped_column(sa.JSON)
    recommendation: so.Mapped[str] = so.mapped_column(sa.Text)
    signed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    signed_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    case: so.Mapped[Case] = so.relationship(back_populates="reports")
    signed_by: so.Mapped[User] = so.relationship()

    def to_dict(self) -> dict:
        return {
            "id": self.id, "version": self.version, "kind": self.kind, "reason": self.reason,
            "amended": self.version > 1, "diagnosis": self.diagnosis, "statements": self.statements,
            "recommendation": self.recommendation, "signed_by": self.signed_by.to_brief(),
            "signed_at": iso(self.signed_at), "superseded_at": iso(self.superseded_at),
        }

"""The demo consortium that `make run` serves: real ECGs from tests/fixtures, cases in every status."""
import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from telemed.extensions import db
from telemed.models import Case, Clinic, Consortium, Role, User
from telemed.services import annotations, referrals

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
DEMO_PASSWORD = "demo-ecg-2026"
CONSORTIUM = "Riverside City Hospital ECG Consortium"
CLINICS = ["Maple Township Clinic", "Stone Bridge Township Clinic", "Eastfield Township Clinic"]

# (clinic index, patient, age, sex, symptoms, question, files (relative to FIXTURES), status wanted, minutes ago)
CASES = [
    (0, "MT-0001", 69, "M", "Palpitations for two days", "Ectopic beats?", ["mitdb_119_60s.hea", "mitdb_119_60s.dat", "mitdb_119_60s.atr"], "awaiting_review", 95),
    (0, "MT-0002", 56, "F", "Routine check before surgery", "Fit for surgery?", ["ptbxl/00001_hr.hea", "ptbxl/00001_hr.dat"], "reported", 300),
    (0, "MT-0003", 75, "F", "Irregular pulse, breathless on exertion", "Atrial fibrillation?", ["cinc2017/A00004.hea", "cinc2017/A00004.mat"], "awaiting_review", 40),
    (1, "SB-0101", 51, "F", "Dizziness", "Slow heart rate?", ["ludb/1.hea", "ludb/1.dat"], "in_review", 70),
    (1, "SB-0102", 81, "M", "Chest discomfort at rest", "Bundle branch block? Ischaemia?", ["ptbxl/00180_hr.hea", "ptbxl/00180_hr.dat"], "awaiting_review", 25),
    (1, "SB-0103", 64, "M", "Fatigue", "Rhythm check", ["mitdb_106_60s.hea", "mitdb_106_60s.dat", "mitdb_106_60s.atr"], "in_review", 55),
    (1, "SB-0104", 19, "M", "Fainted at school", "Bradycardia?", ["ptbxl/00002_hr.hea", "ptbxl/00002_hr.dat"], "reported", 600),
    (2, "EF-0201", 69, "M", "Follow-up after treatment", "Compare with last ECG", ["mitdb_100_60s.hea", "mitdb_100_60s.dat", "mitdb_100_60s.atr"], "awaiting_review", 15),
    (2, "EF-0202", 45, "F", "Home monitor recording", "Normal?", ["cinc2017/A00001.hea", "cinc2017/A00001.mat"], "reported", 180),
    (2, "EF-0203", 69, "M", "Recorded on the portable EDF device", "Rhythm check", ["mitdb_100_60s.edf"], "in_review", 35),
    (0, "MT-0001", 69, "M", "Palpitations again, second recording", "Any change since this morning?", ["mitdb_119_60s.hea", "mitdb_119_60s.dat"], "awaiting_review", 5),
    (2, "EF-0204", 75, "F", "Just recorded", "Atrial fibrillation?", ["cinc2017/A00004.hea", "cinc2017/A00004.mat"], "analyzing", 1),
]


def _user(username, role, *, clinic=None, consortium=None, full_name=""):
    user = User(username=username, role=role, full_name=full_name,
                clinic_id=clinic.id if clinic else None, consortium_id=consortium.id if consortium else None)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user


def seed(echo=print) -> int:
    """Create the demo once (idempotent); returns the consortium id."""
    existing = db.session.scalar(sa.select(Consortium).where(Consortium.name == CONSORTIUM))
    if existing is not None:
        echo("Demo consortium already present.")
        _print_logins(echo)
        return existing.id
    consortium = Consortium(name=CONSORTIUM)
    db.session.add(consortium)
    db.session.flush()
    clinics = [Clinic(name=n, consortium_id=consortium.id) for n in CLINICS]
    db.session.add_all(clinics)
    db.session.flush()
    doctors = [_user(f"doctor{i + 1}", Role.TOWNSHIP_DOCTOR.value, clinic=c, full_name=f"Dr. {c.name.split()[0]}")
               for i, c in enumerate(clinics)]
    readers = [_user("cardio1", Role.CARDIOLOGIST.value, consortium=consortium, full_name="Dr. Chen (cardiology)"),
               _user("cardio2", Role.CARDIOLOGIST.value, consortium=consortium, full_name="Dr. Wang (cardiology)")]
    _user("coord1", Role.COORDINATOR.value, consortium=consortium, full_name="Coordinator Li")
    _user("admin", Role.ADMIN.value, full_name="System administrator")
    db.session.commit()

    config = current_app.config
    saved_mode = config["ANALYSIS_MODE"]
    try:
        for i, (clinic_ix, patient, age, sex, symptoms, question, files, status, minutes_ago) in enumerate(CASES):
            config["ANALYSIS_MODE"] = "deferred" if status == "analyzing" else "inline"
            streams = [(Path(f).name, open(FIXTURES / f, "rb")) for f in files]
            try:
                case, _ = referrals.create_case(
                    doctors[clinic_ix], {"patient_ref": patient, "age": str(age), "sex": sex,
                                         "symptoms": symptoms, "question": question}, streams)
            finally:
                for _, stream in streams:
                    stream.close()
            reader = readers[i % 2]
            if status in ("in_review", "reported") and case.status == "awaiting_review":
                referrals.claim_case(case.id, reader)
                _demo_annotation(case, reader)
            if status == "reported" and case.status == "in_review":
                referrals.submit_report(case.id, reader, {
                    "diagnosis": "Sinus rhythm. No acute changes." if "A00004" not in files[0] else "Atrial fibrillation.",
                    "recommendation": "No action needed; routine follow-up.",
                    "statements": ["Sinus rhythm", "Normal axis"]})
            _backdate(case.id, minutes_ago)
    finally:
        config["ANALYSIS_MODE"] = saved_mode
    echo(f"Seeded {len(CASES)} demo cases in {CONSORTIUM!r} ({len(CLINICS)} township clinics).")
    _print_logins(echo)
    return consortium.id


def _demo_annotation(case: Case, reader: User) -> None:
    beats = case.analysis.detail().get("beats", {}).get("sample", []) if case.analysis else []
    if len(beats) >= 3:
        fs = case.recording.fs
        annotations.add_annotation(case.id, reader, {
            "lead": None, "start_s": round(beats[1] / fs - 0.1, 3), "end_s": round(beats[2] / fs + 0.1, 3),
            "label": "RR interval", "text": "Check regularity here"})


def _backdate(case_id: int, minutes_ago: int) -> None:
    """Spread the demo over the last hours so waiting and turnaround times mean something."""
    case = db.session.get(Case, case_id)
    shift = dt.timedelta(minutes=minutes_ago)
    now = case.created_at
    case.created_at = now - shift
    if case.analyzed_at:
        case.analyzed_at = now - shift + dt.timedelta(seconds=20)
    if case.claimed_at:
        case.claimed_at = now - shift * 0.5
    if case.reported_at:
        case.reported_at = now - shift * 0.3
        case.report.signed_at = case.reported_at
    db.session.commit()


def _print_logins(echo) -> None:
    echo("")
    echo("Demo logins (password for all: %s)" % DEMO_PASSWORD)
    echo("  township doctors : doctor1 (Maple), doctor2 (Stone Bridge), doctor3 (Eastfield)")
    echo("  cardiologists    : cardio1, cardio2")
    echo("  coordinator      : coord1")
    echo("  administrator    : admin")

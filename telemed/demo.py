"""The demo consortium that `make run` serves, in Chinese: real ECGs from tests/fixtures, cases in
every status, a consult thread and a 24-hour Holter recording."""
import datetime as dt
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from telemed.demo_holter import build_holter
from telemed.extensions import db
from telemed.models import Case, Clinic, Consortium, Role, User
from telemed.services import analysis, annotations, consult, referrals

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
DEMO_PASSWORD = "demo-ecg-2026"
CONSORTIUM = "青溪市人民医院心电会诊医联体"
CLINICS = ["枫林镇卫生院", "石桥镇卫生院", "东田镇卫生院"]
DOCTORS = ["王建国", "李秀英", "赵海燕"]
READERS = [("cardio1", "陈志远"), ("cardio2", "王丽华")]

# (clinic index, patient, age, sex, symptoms, question, files (relative to FIXTURES), status wanted, minutes ago)
CASES = [
    (0, "FL-0001", 69, "M", "心悸两天", "是否有早搏？", ["mitdb_119_60s.hea", "mitdb_119_60s.dat", "mitdb_119_60s.atr"], "awaiting_review", 95),
    (0, "FL-0002", 56, "F", "术前常规检查", "能否耐受手术？", ["ptbxl/00001_hr.hea", "ptbxl/00001_hr.dat"], "reported", 300),
    (0, "FL-0003", 75, "F", "脉搏不齐，活动后气短", "是否房颤？", ["cinc2017/A00004.hea", "cinc2017/A00004.mat"], "awaiting_review", 40),
    (1, "SQ-0101", 51, "F", "头晕", "心率是否过慢？", ["ludb/1.hea", "ludb/1.dat"], "in_review", 70),
    (1, "SQ-0102", 81, "M", "静息时胸闷不适", "是否束支传导阻滞？有无心肌缺血？", ["ptbxl/00180_hr.hea", "ptbxl/00180_hr.dat"], "awaiting_review", 25),
    (1, "SQ-0103", 64, "M", "乏力", "心律检查", ["mitdb_106_60s.hea", "mitdb_106_60s.dat", "mitdb_106_60s.atr"], "in_review", 55),
    (1, "SQ-0104", 19, "M", "在学校晕倒", "是否心动过缓？", ["ptbxl/00002_hr.hea", "ptbxl/00002_hr.dat"], "reported", 600),
    (2, "DT-0201", 69, "M", "治疗后复查", "与上次心电图比较", ["mitdb_100_60s.hea", "mitdb_100_60s.dat", "mitdb_100_60s.atr"], "awaiting_review", 15),
    (2, "DT-0202", 45, "F", "家用监护仪记录", "是否正常？", ["cinc2017/A00001.hea", "cinc2017/A00001.mat"], "reported", 180),
    (2, "DT-0203", 69, "M", "便携式EDF设备记录", "心律检查", ["mitdb_100_60s.edf"], "in_review", 35),
    (0, "FL-0001", 69, "M", "再次心悸，第二次记录", "与今晨相比有无变化？", ["mitdb_119_60s.hea", "mitdb_119_60s.dat"], "awaiting_review", 5),
    (2, "DT-0204", 75, "F", "刚刚记录", "是否房颤？", ["cinc2017/A00004.hea", "cinc2017/A00004.mat"], "analyzing", 1),
]
REPORTS = {
    "FL-0002": ("窦性心律，心电图大致正常。", ["SR", "AXIS_NORMAL", "NORMAL"]),
    "SQ-0104": ("窦性心律，未见急性改变。", ["SR", "AXIS_NORMAL"]),
    "DT-0202": ("窦性心律，单导联记录未见房颤。", ["SR"]),
}
CONSULT = [  # (patient, speaker: "doctor" | "reader", text)
    ("SQ-0101", "doctor", "患者近一周反复头晕，血压 110/70 mmHg，请重点看心率。"),
    ("SQ-0101", "reader", "已收到，正在阅读。请问患者是否在服用β受体阻滞剂？"),
    ("SQ-0101", "doctor", "服用美托洛尔 25 mg，每日两次。"),
]
HOLTER = ("FL-0100", 58, "F", "夜间心悸", "24小时动态心电图：有无长间歇？")
# A 12-lead whose chest electrodes came off: the upload check sends it back to the clinic.
FLAT_CHEST = ("SQ-0105", 66, "F", "活动后胸闷", "是否心肌缺血？")
# A stored original damaged on disk after upload: its analysis fails visibly (checksum).
DAMAGED = ("DT-0205", 58, "M", "头晕", "心律检查")


def _user(username, role, *, clinic=None, consortium=None, full_name=""):
    user = User(username=username, role=role, full_name=full_name,
                clinic_id=clinic.id if clinic else None, consortium_id=consortium.id if consortium else None)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user


def seed(echo=print, *, holter_hours: float = 24.0) -> int:
    """Create the demo once (idempotent); returns the consortium id."""
    existing = db.session.scalar(sa.select(Consortium).where(Consortium.name == CONSORTIUM))
    if existing is not None:
        echo("Demo consortium already present.")
        _print_logins(echo)
        return existing.id
    consortium = Consortium(name=CONSORTIUM, timezone="Asia/Shanghai", language="zh_CN")
    db.session.add(consortium)
    db.session.flush()
    clinics = [Clinic(name=n, consortium_id=consortium.id) for n in CLINICS]
    db.session.add_all(clinics)
    db.session.flush()
    doctors = [_user(f"doctor{i + 1}", Role.TOWNSHIP_DOCTOR.value, clinic=c, full_name=f"{DOCTORS[i]}（{c.name}）")
               for i, c in enumerate(clinics)]
    readers = [_user(u, Role.CARDIOLOGIST.value, consortium=consortium, full_name=f"{n}（心电图室）") for u, n in READERS]
    _user("coord1", Role.COORDINATOR.value, consortium=consortium, full_name="李敏（医联体协调员）")
    _user("admin", Role.ADMIN.value, full_name="系统管理员")
    db.session.commit()

    config = current_app.config
    saved_mode = config["ANALYSIS_MODE"]
    by_patient = {}
    try:
        for i, (clinic_ix, patient, age, sex, symptoms, question, files, status, minutes_ago) in enumerate(CASES):
            config["ANALYSIS_MODE"] = "deferred" if status == "analyzing" else "inline"
            case = _upload(doctors[clinic_ix], patient, age, sex, symptoms, question, [FIXTURES / f for f in files])
            by_patient.setdefault(patient, case)
            reader = readers[i % 2]
            if status in ("in_review", "reported") and case.status == "awaiting_review":
                referrals.claim_case(case.id, reader)
                _demo_annotation(case, reader)
            if status == "reported" and case.status == "in_review":
                diagnosis, statements = REPORTS[patient]
                referrals.submit_report(case.id, reader, {
                    "diagnosis": diagnosis, "recommendation": "ROUTINE", "statements": statements})
            _backdate(case.id, minutes_ago)
        for patient, speaker, text in CONSULT:
            case = by_patient[patient]
            author = case.assigned_to if speaker == "reader" else case.uploaded_by
            consult.post_message(case.id, author, {"text": text})
        with tempfile.TemporaryDirectory() as folder:
            patient, age, sex, symptoms, question = FLAT_CHEST
            _upload(doctors[1], patient, age, sex, symptoms, question, [_flat_chest_csv(Path(folder))],
                    sampling_rate_hz="500")
            config["ANALYSIS_MODE"] = "deferred"
            patient, age, sex, symptoms, question = DAMAGED
            damaged = _upload(doctors[2], patient, age, sex, symptoms, question,
                              [FIXTURES / "mitdb_100_60s.hea", FIXTURES / "mitdb_100_60s.dat"])
            _damage_stored_original(damaged)
            config["ANALYSIS_MODE"] = "inline"
            analysis.analyze_case(damaged.id)
        if holter_hours > 0:
            # Analysed by the server once it runs (about a minute for 24 hours), like a real upload.
            config["ANALYSIS_MODE"] = "deferred"
            with tempfile.TemporaryDirectory() as folder:
                files = build_holter(Path(folder), hours=holter_hours, name="holter24")
                patient, age, sex, symptoms, question = HOLTER
                case = _upload(doctors[0], patient, age, sex, symptoms, question, files)
            _backdate(case.id, 2)
    finally:
        config["ANALYSIS_MODE"] = saved_mode
    echo(f"Seeded {len(CASES) + 2 + (holter_hours > 0)} demo cases in {CONSORTIUM!r} ({len(CLINICS)} township clinics).")
    _print_logins(echo)
    return consortium.id


def _flat_chest_csv(folder: Path) -> Path:
    """PTB-XL record 2 (12-lead, 500 Hz) with V1-V6 flat, as a cart with loose chest electrodes records it."""
    import wfdb

    rec = wfdb.rdrecord(str(FIXTURES / "ptbxl" / "00002_hr"))
    signal = rec.p_signal.copy()
    names = list(rec.sig_name)
    for i, name in enumerate(names):
        if name.upper().startswith("V"):
            signal[:, i] = 0.0
    path = folder / "SQ-0105.csv"
    rows = [",".join(names)] + [",".join(f"{v:.3f}" for v in row) for row in signal]
    path.write_text("\n".join(rows) + "\n")
    return path


def _damage_stored_original(case: Case) -> None:
    """Flip a byte of the stored .dat (the checksum no longer matches, as after a disk fault)."""
    import os

    from telemed.storage import blob_store

    store = blob_store()
    dat = next(f for f in case.recording.files if f.name.endswith(".dat"))
    path = store.blobs / dat.sha256[:2] / dat.sha256
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    os.chmod(path, 0o400)


def _upload(doctor: User, patient, age, sex, symptoms, question, paths, **extra) -> Case:
    streams = [(Path(p).name, open(p, "rb")) for p in paths]
    try:
        case, _ = referrals.create_case(doctor, {"patient_ref": patient, "age": str(age), "sex": sex,
                                                 "symptoms": symptoms, "question": question, **extra}, streams)
    finally:
        for _, stream in streams:
            stream.close()
    return case


def _demo_annotation(case: Case, reader: User) -> None:
    beats = case.analysis.detail().get("beats", {}).get("sample", []) if case.analysis else []
    if len(beats) >= 3:
        fs = case.recording.fs
        annotations.add_annotation(case.id, reader, {
            "lead": None, "start_s": round(beats[1] / fs - 0.1, 3), "end_s": round(beats[2] / fs + 0.1, 3),
            "label": "RR间期", "text": "请注意此处节律是否规整"})


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
    echo("  township doctors : doctor1 (%s), doctor2 (%s), doctor3 (%s)" % tuple(CLINICS))
    echo("  cardiologists    : cardio1, cardio2")
    echo("  coordinator      : coord1")
    echo("  administrator    : admin")

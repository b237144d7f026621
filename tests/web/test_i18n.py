"""Chinese first: languages, local time, the clinical vocabulary, notifications and the PDF."""
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import require_service
from tests.factories import gen_case
from tests.web.helpers import events, login_client, socket_for

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
REPORT = {"diagnosis": "窦性心律，正常心电图", "recommendation": "ROUTINE", "statements": ["SR", "AXIS_NORMAL"]}


@pytest.fixture
def zh_world(app, world):
    """The test world with its first consortium speaking Chinese on Shanghai time (the defaults)."""
    from telemed.extensions import db
    from telemed.models import Consortium

    with app.app_context():
        consortium = db.session.scalar(sa.select(Consortium).where(Consortium.name == "City A"))
        consortium.language, consortium.timezone = "zh_CN", "Asia/Shanghai"
        db.session.commit()
    return world


def test_every_string_has_a_chinese_translation():
    """Does every user-visible string of the Python code, templates, scripts and ecgsignal's messages
    (fitness problems, read errors) have a zh_CN translation?"""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.mofile import read_mo

    # The same sources as `make i18n-extract`: babel.cfg is the one list of them.
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options = parse_mapping_cfg(fh)
    assert ("signal/ecgsignal/io.py", "python") in method_map
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None, "t": None,
                "lazy_gettext": None}
    found = {msg if isinstance(msg, str) else msg[0]
             for _file, _line, msg, _comments, _context in extract_from_dir(
                 str(ROOT), method_map, options_map=options, keywords=keywords)}
    assert len(found) > 200  # the extraction really ran over the sources
    mo = ROOT / "telemed/translations/zh_Hans_CN/LC_MESSAGES/messages.mo"
    with mo.open("rb") as fh:
        catalog = read_mo(fh)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(found - translated)
    assert not missing, f"{len(missing)} strings lack a zh_CN translation (make i18n-update): {missing[:10]}"


def test_clinical_vocabulary_is_bilingual():
    """Does every statement, recommendation and finding have a Chinese and an English label?"""
    from telemed.vocabulary import FINDINGS, RECOMMENDATIONS, STATEMENTS

    terms = list(STATEMENTS.values()) + list(RECOMMENDATIONS.values()) + [t for pair in FINDINGS.values() for t in pair]
    for term in terms:
        assert term.en and CJK.search(term.zh_CN) or term.code in {"STEMI"}, term
    assert STATEMENTS["AF"].zh_CN == "心房颤动" and STATEMENTS["CRBBB"].zh_CN == "完全性右束支传导阻滞"


@pytest.mark.parametrize("header, expected", [("zh-CN,zh;q=0.9", "登录"), ("en-US,en;q=0.8", "Log in"), ("zh", "登录")])
def test_login_page_follows_accept_language(client, header, expected):
    """Does the login page speak the browser's language?"""
    page = client.get("/login", headers={"Accept-Language": header})
    assert page.status_code == 200 and f"<h1>{expected}</h1>" in page.get_data(as_text=True)


def test_default_language_is_chinese(app):
    """With no language from the browser, is the page Chinese (the default of new consortia)?"""
    from telemed.models import Consortium

    app.config["BABEL_DEFAULT_LOCALE"] = "zh_CN"
    page = app.test_client().get("/login")
    assert "<h1>登录</h1>" in page.get_data(as_text=True)
    assert Consortium.__table__.c.language.default.arg == "zh_CN"
    assert Consortium.__table__.c.timezone.default.arg == "Asia/Shanghai"


def test_api_errors_in_the_callers_language(app, zh_world):
    """Does an API error come in Chinese for a Chinese consortium, with a stable code?"""
    doctor = login_client(app, "doctor")
    response = doctor.post("/api/v1/cases", data={"patient_ref": ""}, content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == 400 and body["code"] == "missing_field" and "请填写" in body["error"]
    english = doctor.post("/api/v1/cases", data={"patient_ref": ""}, content_type="multipart/form-data",
                          headers={"Accept-Language": "en"}).get_json()
    assert english["code"] == "missing_field" and english["error"].startswith("Please fill in")


def test_saved_language_beats_the_browser(app, zh_world):
    """Is the switch's choice kept on the user and preferred to Accept-Language?"""
    doctor = login_client(app, "doctor")
    response = doctor.post("/language", data={"language": "en", "next": "/cases/"},
                           headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases/")
    page = doctor.get("/cases/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "My clinic's cases" in page and 'lang="en"' in page
    assert doctor.get("/api/v1/session").get_json()["user"]["language"] == "en"
    doctor.patch("/api/v1/session", json={"language": "zh_CN"})
    assert "本诊所病例" in doctor.get("/cases/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    bad = doctor.patch("/api/v1/session", json={"language": "fr"})
    assert bad.status_code == 400 and bad.get_json()["code"] == "unknown_language"


def test_language_switch_before_login_uses_a_cookie(client):
    """Can a doctor choose the language on the login page?"""
    response = client.post("/language", data={"language": "en", "next": "/login"}, headers={"Accept-Language": "zh"})
    assert response.status_code == 302
    assert "<h1>Log in</h1>" in client.get("/login", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_script_catalogue_carries_language_clock_and_vocabulary(app, zh_world):
    """Do the scripts get their translations, the consortium's time zone and the vocabulary?"""
    doctor = login_client(app, "doctor")
    script = doctor.get("/i18n/catalog.js").get_data(as_text=True)
    assert script.startswith("globalThis.TELEMED_I18N = ")
    assert '"timezone":"Asia/Shanghai"' in script and '"locale":"zh_CN"' in script
    assert "心房颤动" in script and "领取此病例" in script


def test_unknown_report_codes_are_refused(app, world, client):
    """Is a report with a statement or recommendation outside the vocabulary a 400?"""
    case = gen_case(client)
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    bad = cardio.post(f"/api/v1/cases/{case['id']}/report", json={**REPORT, "statements": ["Sinus rhythm"]})
    assert bad.status_code == 400 and bad.get_json()["code"] == "unknown_statement"
    bad = cardio.post(f"/api/v1/cases/{case['id']}/report", json={**REPORT, "recommendation": "whatever"})
    assert bad.status_code == 400 and bad.get_json()["code"] == "unknown_recommendation"
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json=REPORT).status_code == 201


def _sign(app, case_id, report=REPORT):
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case_id}/claim")
    response = cardio.post(f"/api/v1/cases/{case_id}/report", json=report)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["report"]


def test_report_page_shows_local_time_and_chinese_labels(app, zh_world, client):
    """Is the printable report in Chinese, with Shanghai times and the symptoms and question on it?"""
    case = gen_case(client, symptoms="胸闷两天", question="是否心肌缺血？")
    report = _sign(app, case["id"])
    signed_utc = dt.datetime.fromisoformat(report["signed_at"].replace("Z", "+00:00"))
    local = (signed_utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") + " +08:00"
    assert report["signed_at"].endswith("Z")  # the API keeps ISO 8601 with an explicit offset
    page = login_client(app, "doctor").get(f"/cases/{case['id']}/report").get_data(as_text=True)
    assert local in page and "UTC" not in page
    assert "窦性心律" in page and "电轴正常" in page and "无需特殊处理" in page
    assert "胸闷两天" in page and "是否心肌缺血？" in page


def test_times_follow_the_consortium_zone(app, zh_world, client):
    """Does a consortium on another clock see its own local time?"""
    from telemed.extensions import db
    from telemed.models import Consortium

    case = gen_case(client)
    with app.app_context():
        db.session.scalar(sa.select(Consortium).where(Consortium.name == "City A")).timezone = "Asia/Urumqi"
        db.session.commit()
    page = login_client(app, "doctor").get("/cases/").get_data(as_text=True)
    created = dt.datetime.fromisoformat(case["created_at"].replace("Z", "+00:00"))
    assert (created + dt.timedelta(hours=6)).strftime("%Y-%m-%d %H:%M") in page
    assert "Asia/Urumqi" in page


def test_report_notifies_the_clinic_live_and_keeps_it(app, zh_world, client):
    """Does a signed report reach the clinic's doctor as a live notification, kept until read?"""
    case = gen_case(client, patient_ref="ZJ-001")
    doctor = login_client(app, "doctor")
    sio = socket_for(app, doctor)
    sio.get_received()
    _sign(app, case["id"])
    pushed = events(sio, "notification")
    assert len(pushed) == 1
    item = pushed[0]["args"][0]
    assert item["kind"] == "report_signed" and item["case_id"] == case["id"] and "ZJ-001" in item["text"]
    assert CJK.search(item["text"])  # in the recipient's language
    inbox = doctor.get("/api/v1/notifications?unread=1").get_json()
    assert inbox["unread"] == 1 and inbox["notifications"][0]["id"] == item["id"]
    # Another doctor of the clinic was offline: the notification waits for the next login.
    from telemed.extensions import db
    from telemed.models import Notification

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1  # one doctor in the clinic
    assert doctor.post("/api/v1/notifications/read", json={"ids": [item["id"]]}).get_json() == {"unread": 0}
    assert doctor.get("/api/v1/notifications?unread=1").get_json()["notifications"] == []
    assert doctor.post("/api/v1/notifications/read", json={"ids": "all"}).status_code == 400
    # Nobody else reads or marks another person's notifications.
    other = login_client(app, "sibling")
    assert other.get("/api/v1/notifications").get_json() == {"notifications": [], "unread": 0}


def test_consult_messages_notify_the_other_side(app, world, client):
    """Does a doctor's question notify the reader who holds the case, and the answer the clinic?"""
    case = gen_case(client, patient_ref="ZJ-002")
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    doctor = login_client(app, "doctor")
    doctor.post(f"/api/v1/cases/{case['id']}/messages", json={"text": "Is it AF?"})
    cardio_inbox = cardio.get("/api/v1/notifications").get_json()
    assert cardio_inbox["unread"] == 1 and "Is it AF?" in cardio_inbox["notifications"][0]["text"]
    assert login_client(app, "cardio2").get("/api/v1/notifications").get_json()["unread"] == 0
    cardio.post(f"/api/v1/cases/{case['id']}/messages", json={"text": "No, sinus rhythm."})
    assert doctor.get("/api/v1/notifications").get_json()["unread"] == 1
    assert doctor.post("/api/v1/notifications/read", json={"all": True}).get_json() == {"unread": 0}


def test_pdf_embeds_its_fonts_and_shows_local_time(app, zh_world, client, tmp_path):
    """Does the PDF embed every font (pdffonts) and print the signing time on Shanghai's clock?"""
    font = Path(app.config["REPORT_CJK_FONT"])
    require_service("a TrueType CJK font (fonts-wqy-microhei)", font.exists(), "apt-get install fonts-wqy-microhei")
    require_service("pdffonts (poppler-utils)", shutil.which("pdffonts") is not None, "apt-get install poppler-utils")
    case = gen_case(client, patient_ref="李明·复查")
    report = _sign(app, case["id"])
    pdf = login_client(app, "doctor").get(f"/cases/{case['id']}/report.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows), listing  # the "emb" column
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    signed_utc = dt.datetime.fromisoformat(report["signed_at"].replace("Z", "+00:00"))
    assert (signed_utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") + " +08:00" in text
    assert "李明·复查" in text and "窦性心律" in text


def test_reading_notifications_is_audited(app, world, client):
    """Notifications name patients: is reading them recorded in the audit trail?"""
    from telemed.extensions import db
    from telemed.models import AuditEvent

    case = gen_case(client, patient_ref="ZJ-AUD")
    _sign(app, case["id"])
    login_client(app, "doctor").get("/api/v1/notifications")
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "notifications_viewed"))
        assert event is not None and event.detail["case_ids"] == [case["id"]]

"""The Chinese interface in a real browser: a township doctor's upload, a live notification when the
report is signed, local times, phone-width pages and the language switch. Screenshots for the README."""
import re

from tests.browser.conftest import login, save_screenshot, wait_socket
from tests.conftest import FIXTURES

PHONE = {"width": 390, "height": 844}
REPORT = {"diagnosis": "窦性心律，大致正常心电图。", "recommendation": "ROUTINE", "statements": ["SR", "AXIS_NORMAL"]}


def no_horizontal_scroll(page):
    return page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def test_chinese_doctor_gets_the_report_live_on_a_phone(live_server, zh_context):
    """With Accept-Language zh-CN, does a doctor upload from a phone, get a toast and an unread count when the report is signed, and read local times on the report?"""
    doctor = login(zh_context(viewport=PHONE), live_server.url, "doctor2")
    doctor.goto("/cases/")
    assert doctor.locator("h1").first.text_content().strip() == "本诊所病例"
    width, client = no_horizontal_scroll(doctor)
    assert width <= client, f"case list {width} px wide in a {client} px phone"
    save_screenshot(doctor, "zh-phone-cases", full_page=True)

    doctor.goto("/cases/new")
    assert "发送心电图会诊" in doctor.locator("h1").text_content()
    width, client = no_horizontal_scroll(doctor)
    assert width <= client, f"upload form {width} px wide in a {client} px phone"
    form = doctor.locator("#upload-form")
    form.locator('input[name="patient_ref"]').fill("SQ-手机-01")
    form.locator('input[name="age"]').fill("58")
    form.locator('textarea[name="symptoms"]').fill("胸闷，活动后加重")
    form.locator('textarea[name="question"]').fill("有无心肌缺血？")
    form.locator('input[name="files"]').set_input_files(
        [str(FIXTURES / "ptbxl" / "00002_hr.hea"), str(FIXTURES / "ptbxl" / "00002_hr.dat")])
    with doctor.expect_navigation(url=re.compile(r"/cases/\d+$"), timeout=30_000):
        form.locator('button[type="submit"]').click()
    case_id = int(doctor.url.rsplit("/", 1)[1])
    wait_socket(doctor)
    doctor.wait_for_function("() => document.getElementById('case-status').textContent.includes('待阅读')",
                             timeout=60_000)
    width, client = no_horizontal_scroll(doctor)
    assert width <= client, f"case page {width} px wide in a {client} px phone"
    # The demo already left this doctor notifications (its reports and consult replies).
    doctor.wait_for_function("() => document.getElementById('notification-list').children.length > 0")
    before = int(doctor.locator("#unread-count").text_content() or 0)

    api = live_server.session("cardio1")
    assert api.post(f"{live_server.url}/api/v1/cases/{case_id}/claim", timeout=10).ok
    signed = api.post(f"{live_server.url}/api/v1/cases/{case_id}/report", json=REPORT, timeout=10)
    assert signed.status_code == 201, signed.text
    toast = doctor.locator(".toast")
    toast.wait_for()
    assert "SQ-手机-01" in toast.text_content() and "签发" in toast.text_content()
    doctor.wait_for_function("(n) => document.getElementById('unread-count').textContent === String(n)", arg=before + 1)
    assert doctor.locator("#unread-count").is_visible()
    # On the doctor's page the signed report comes first, above the ECG.
    doctor.locator("#report .diagnosis").wait_for()
    report_y = doctor.locator("#report").bounding_box()["y"]
    viewer_y = doctor.locator("#viewer-card").bounding_box()["y"]
    assert report_y < viewer_y
    assert "窦性心律" in doctor.locator("#report").text_content()
    save_screenshot(doctor, "zh-phone-case", full_page=False)

    # The bell lists it; opening the list and marking all read clears the count.
    doctor.locator("#bell").click()
    save_screenshot(doctor, "zh-phone-notifications")
    assert "SQ-手机-01" in doctor.locator("#notification-list").text_content()
    doctor.locator("#notifications-read-all").click()
    doctor.wait_for_function("() => document.getElementById('unread-count').hidden")

    doctor.goto(f"/cases/{case_id}/report")
    signed_local = signed.json()["report"]["signed_at"]
    text = doctor.locator(".facts").text_content()
    assert "+08:00" in text and "UTC" not in text
    shown = doctor.evaluate("(iso) => new Date(iso).toLocaleString('sv-SE', {timeZone: 'Asia/Shanghai'}).slice(0, 16)",
                            signed_local)
    assert shown in text
    width, client = no_horizontal_scroll(doctor)
    assert width <= client, f"report page {width} px wide in a {client} px phone"


def test_reader_queue_on_a_phone_and_desktop_in_chinese(live_server, zh_context):
    """Does the cardiologist's queue read in Chinese, fit a 390-px phone, and look right on a desktop?"""
    reader = login(zh_context(viewport=PHONE), live_server.url, "cardio2")
    reader.goto("/cases/")
    wait_socket(reader)
    reader.locator("#cases tbody tr[data-id]").first.wait_for()
    assert "阅读队列" in reader.locator("h1").text_content()
    width, client = no_horizontal_scroll(reader)
    assert width <= client, f"queue {width} px wide in a {client} px phone"
    desktop = login(zh_context(), live_server.url, "cardio2")
    desktop.goto("/cases/")
    wait_socket(desktop)
    desktop.locator("#cases tbody tr[data-id]").first.wait_for()
    assert desktop.locator("#cases tbody").text_content().count("待阅读") >= 1
    save_screenshot(desktop, "zh-desktop-queue")


def test_language_switch_is_remembered(live_server, zh_context):
    """Does the language switch change the page, and is the choice remembered on the next visit?"""
    page = login(zh_context(), live_server.url, "coord1")
    page.goto("/dashboard/")
    assert "医联体工作量" in page.locator("h1").text_content()
    with page.expect_navigation():
        page.locator("#language-select").select_option("en")
    assert "Consortium load" in page.locator("h1").text_content()
    page.goto("/dashboard/")  # still zh-CN in Accept-Language: the saved choice wins
    assert "Consortium load" in page.locator("h1").text_content()
    with page.expect_navigation():
        page.locator("#language-select").select_option("zh_CN")
    assert "医联体工作量" in page.locator("h1").text_content()

"""The admin area in a real browser (issue 10/11): forms with CSRF tokens under a strict CSP,
a clinic and a user created, and a deactivation that ends the user's open page at once."""
import pytest

from tests.browser.conftest import wait_socket

DEMO_PASSWORD = "demo-ecg-2026"
NEW_PASSWORD = "river-lantern-harbour"


@pytest.fixture
def contexts(browser, base_url):
    made = []

    def make():
        ctx = browser.new_context(base_url=base_url, locale="en-US", viewport={"width": 1200, "height": 900})
        ctx.set_default_timeout(15_000)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def _form_login(page, username, password):
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('main button[type="submit"]')


def test_admin_creates_clinic_and_user_then_deactivates_them(live_server, contexts):
    """Can an administrator create a clinic and a user in the browser, and does deactivating that
    user end their open page's session and socket at once, with no CSP violation on the way?"""
    violations = []
    admin = contexts().new_page()
    admin.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    _form_login(admin, "admin", DEMO_PASSWORD)  # the login form itself carries the CSRF token
    admin.wait_for_url("**/admin/")
    admin.click("text=+ New clinic")
    admin.fill('input[name="name"]', "River Township Clinic")
    admin.click('main button:has-text("Save")')
    admin.wait_for_url("**/admin/")
    admin.locator("td >> text=River Township Clinic").wait_for()

    admin.click("text=+ New user")
    admin.fill('input[name="username"]', "riverdoc")
    admin.fill('input[name="full_name"]', "River Doctor")
    admin.select_option('select[name="role"]', "township_doctor")
    clinic = admin.locator('select[name="clinic_id"] option', has_text="River Township Clinic").get_attribute("value")
    admin.select_option('select[name="clinic_id"]', clinic)
    admin.fill('input[name="password"]', "password")
    admin.fill('input[name="confirm"]', "password")
    admin.click('main button:has-text("Save")')
    admin.locator("p.error", has_text="at least 10 characters").wait_for()  # the policy, shown in the form
    admin.fill('input[name="password"]', NEW_PASSWORD)
    admin.fill('input[name="confirm"]', NEW_PASSWORD)
    admin.click('main button:has-text("Save")')
    admin.wait_for_url("**/admin/")
    assert NEW_PASSWORD not in admin.content()

    doctor = contexts().new_page()
    doctor.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    _form_login(doctor, "riverdoc", NEW_PASSWORD)
    doctor.wait_for_url("**/cases/")
    wait_socket(doctor)

    admin.click("main a:text-is('riverdoc')")
    admin.click('main button:has-text("Deactivate")')
    admin.wait_for_url("**/admin/")
    doctor.wait_for_url("**/login**", timeout=10_000)  # session_ended on the socket: the page leaves
    assert doctor.request.get(live_server.url + "/api/v1/session").status == 401
    assert violations == []

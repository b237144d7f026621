"""The amended report and the Holter summary in a real browser, in Chinese; screenshots for the README."""


from tests.browser.conftest import analysed_holter, login, open_case, save_screenshot


def test_amended_report_shows_its_history(live_server, zh_context):
    """Does the printable report show the current version as amended, with who, when and why?"""
    api = live_server.session("cardio1")
    case = live_server.case_by_ref(api, "DT-0201")
    url = f"{live_server.url}/api/v1/cases/{case['id']}"
    assert api.post(f"{url}/claim", timeout=10).ok
    signed = api.post(f"{url}/report", timeout=10, json={
        "diagnosis": "窦性心律。", "recommendation": "ROUTINE", "statements": ["SR", "AXIS_NORMAL"]})
    assert signed.status_code == 201, signed.text
    amended = api.post(f"{url}/report/amendments", timeout=10, json={
        "kind": "correction", "reason": "复核后发现偶发室性早搏", "diagnosis": "窦性心律，偶发室性早搏。",
        "recommendation": "CARDIOLOGY_DAYS", "statements": ["SR", "PVC", "AXIS_NORMAL"]})
    assert amended.status_code == 201, amended.text
    page = login(zh_context(), live_server.url, "doctor3")
    page.goto(f"/cases/{case['id']}/report")
    facts = page.locator(".facts").text_content()
    assert "已修订" in facts and "复核后发现偶发室性早搏" in facts and "室性早搏" in facts
    save_screenshot(page, "amended-report", full_page=True)


def test_holter_summary_on_the_case_page(live_server, zh_context):
    """Does a 24-hour recording's case page show the Holter summary, and does an episode button move the viewer?"""
    api = live_server.session("cardio1")
    case = analysed_holter(live_server, api, timeout=240)
    assert case["analysis"] and case["analysis"]["holter"], case["status"]
    page = login(zh_context(), live_server.url, "cardio1")
    open_case(page, case["id"], timeout=60_000)
    card = page.locator("#holter-card")
    card.wait_for(state="visible")
    assert "室早" in card.text_content() and "心率" in card.text_content()
    page.locator("#holter-episodes button").first.click()
    page.wait_for_function("() => document.querySelector('.ecgv').ecgViewer.state().startS > 0")
    card.scroll_into_view_if_needed()
    save_screenshot(page, "holter-summary")

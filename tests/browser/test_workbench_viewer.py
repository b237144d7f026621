"""The viewer's own browser tests, through its public interface only (viewer.state(), the
ecgv:* events, clientPointAt, the toolbar): draw time against the previous single-file
viewer, keyboard annotation, findings scrolled into view, snap-to-R at any distance, the beat
legend, phones, and Holter paging (page length, full disclosure, hours)."""
import re
import statistics
import subprocess

import pytest

from tests.browser.conftest import (
    ROOT,
    analysed_holter,
    login,
    open_case,
    report,
    save_screenshot,
    wait_status,
)

VIEWPORT = {"width": 1400, "height": 1000}
V = "document.querySelector('.ecgv').ecgViewer"
LEGACY_COMMIT = "515e27f"   # the last commit with the single-file viewer (1,810 lines)


@pytest.fixture
def new_context(browser, base_url):
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", VIEWPORT)
        ctx = browser.new_context(base_url=base_url, **kwargs)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


def state(page):
    return page.evaluate(f"{V}.state()")


def legacy_viewer():
    try:
        src = subprocess.run(["git", "show", f"{LEGACY_COMMIT}:static/js/ecgviewer.js"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    # The page loads the viewer as a module and case.js waits for this event if it ran first.
    return src + "\nwindow.dispatchEvent(new Event('ecgviewer:ready'));\n"


def test_twelve_lead_draw_time_old_vs_new(live_server, new_context):
    """Does the case page of a 10-s 12-lead draw as fast with the modular viewer as with the single-file one (both measured in this run, interleaved)?"""
    legacy = legacy_viewer()
    if legacy is None:
        pytest.skip(f"git history with {LEGACY_COMMIT} not available")
    api = live_server.session("cardio2")
    case_id = live_server.case_by_ref(api, "SQ-0101")["id"]
    ctx = new_context()
    page = login(ctx, live_server.url, "cardio2")
    open_case(page, case_id, timeout=30_000)     # warm the server and the browser cache once
    times = {"old": [], "new": [], "old_viewer": [], "new_viewer": []}

    def serve_legacy(route):
        route.fulfill(status=200, content_type="text/javascript; charset=utf-8", body=legacy)

    for i in range(9):
        for which in (("old", "new") if i % 2 == 0 else ("new", "old")):
            p = ctx.new_page()
            if which == "old":
                p.route("**/static/js/ecgviewer.js", serve_legacy)
                # The page's module preloads are for the new viewer: refused at once for the old one
                # (a routed page itself would lose its websocket to Chromium's local-network checks).
                p.route(re.compile(r".*/static/js/viewer/.*\.js$"), lambda route: route.abort())
            open_case(p, case_id, timeout=30_000)
            d = p.evaluate("window.__drawn[0]")
            modular = p.evaluate(f"typeof {V}.state === 'function'")
            assert modular == (which == "new")
            times[which].append(d["t"])
            times[f"{which}_viewer"].append(d["sinceCreated"])
            p.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["new"] / med["old"]
    report("twelve_lead_draw_old_vs_new", page_to_drawn_ms={k: round(med[k], 1) for k in ("old", "new")},
           viewer_to_drawn_ms={k: round(med[f"{k}_viewer"], 1) for k in ("old", "new")},
           ratio=round(ratio, 3), runs={k: [round(x) for x in v] for k, v in times.items()})
    # The goal is within 10 % (medians of 9 interleaved pairs measured 0.89-1.21, median 1.03, on
    # a 2-core machine shared with other test runs); the bound leaves room for such noise.
    assert ratio < 1.3, med


def case_detail(live_server, api, ref):
    case = live_server.case_by_ref(api, ref)
    return api.get(f"{live_server.url}/api/v1/cases/{case['id']}", timeout=10).json()["case"]


def test_keyboard_annotation_and_reading_aids(live_server, new_context):
    """Can a cardiologist mark a span and choose its label with the keyboard alone; does a finding click bring the viewer into view with the evidence centred; does snap-to-R reach the nearest beat however far the click, saying which; is there a beat legend without a "Q"?"""
    api = live_server.session("cardio1")
    detail = case_detail(live_server, api, "FL-0001")       # MIT-BIH 119, 60 s, ventricular bigeminy
    fs = detail["recording"]["fs"]
    beats = [s / fs for s in detail["analysis"]["beats"]["sample"]]
    page = login(new_context(viewport={"width": 1400, "height": 520}), live_server.url, "cardio1")
    open_case(page, detail["id"])
    st = state(page)
    assert st["layout"] == "stacked" and st["legend"] == ["N", "V", "S", "?"]
    legend = page.locator(".ecgv-legend").text_content()
    assert "unclassified" in legend and "Q" not in legend

    # A finding clicked from below the viewer: the viewer scrolls into view, the PVC centred.
    pvc = next(f for f in detail["analysis"]["findings"] if f["code"] == "PVC")
    item = page.locator("#findings li", has_text="PVC")
    item.evaluate("el => el.scrollIntoView({block: 'start'})")
    assert page.evaluate("document.querySelector('.ecgv').getBoundingClientRect().top") < -100   # scrolled past
    page.evaluate("""() => { window.__finding = null;
        document.addEventListener('ecgv:finding', (e) => { window.__finding = e.detail; }); }""")
    item.click()
    page.wait_for_function("() => window.__finding")
    page.wait_for_timeout(100)
    top = page.evaluate("document.querySelector('.ecgv').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"] / 2
    st = state(page)
    # Centred on the evidence, unless that would start the page before the recording does.
    width = st["endS"] - st["startS"]
    expected_start = min(max(0.0, pvc["start_s"] - width / 2), st["durationS"] - width)
    assert abs(st["startS"] - expected_start) <= 0.2 + 1e-6, (st["startS"], st["endS"], pvc)
    assert st["startS"] <= pvc["start_s"] <= st["endS"]

    # Snap-to-R, far from the beat (300 ms): the nearest beat, and the bar says so.
    page.locator(".ecgv").focus()
    page.keyboard.press("c")
    on_page = [b for b in beats if st["startS"] + 0.5 < b < st["endS"] - 1.5]
    b0, b1 = on_page[0], on_page[1]
    page.mouse.click(**point(page, b0 + min(0.3, (b1 - b0) * 0.4)))
    page.mouse.click(**point(page, b1 - min(0.3, (b1 - b0) * 0.4)))
    cal = state(page)["calipers"]["measurement"]
    assert abs(cal["startS"] - b0) < 1.5 / fs and abs(cal["endS"] - b1) < 1.5 / fs
    assert [s["label"] for s in cal["snappedTo"]] and all(s and abs(s["distanceMs"]) >= 100 for s in cal["snappedTo"])
    snap_text = page.locator(".ecgv-snapinfo").text_content()
    assert "Snapped to" in snap_text and "ms from the click" in snap_text
    page.keyboard.press("c")

    # Keyboard annotation: A, move beat by beat, [ ], lead, label 1, Enter -> the form, filled.
    page.evaluate("""() => { window.__select = null;
        document.addEventListener('ecgv:select', (e) => { window.__select = e.detail; }); }""")
    page.keyboard.press("a")
    ka = state(page)["keyboardAnnotation"]
    assert ka["on"] and any(abs(ka["cursorS"] - b) < 1.5 / fs for b in beats)
    page.keyboard.press(".")
    page.keyboard.press("[")
    start = state(page)["keyboardAnnotation"]["startS"]
    page.keyboard.press(".")
    page.keyboard.press(".")
    page.keyboard.press("Shift+.")              # 40 ms past the beat
    page.keyboard.press("]")
    page.keyboard.press("l")                    # first lead
    page.keyboard.press("1")                    # "Ventricular ectopic beat"
    ka = state(page)["keyboardAnnotation"]
    i = min(range(len(beats)), key=lambda k: abs(beats[k] - start))
    assert abs(ka["endS"] - (beats[i + 2] + 0.04)) < 1.5 / fs
    assert ka["leadIndex"] == 0 and ka["label"] == "Ventricular ectopic beat"
    page.keyboard.press("Enter")
    sel = page.evaluate("window.__select")
    assert sel["via"] == "keyboard" and sel["lead"] == detail["recording"]["leads"][0]
    form = page.locator("#annotation-form")
    form.wait_for(state="visible")
    assert form.locator('input[name="label"]').input_value() == "Ventricular ectopic beat"
    assert f"on {detail['recording']['leads'][0]}" in page.locator("#annotation-span").text_content()
    page.keyboard.type("Couplet")               # the label field has the focus; the note next
    form.locator('input[name="label"]').fill("Ventricular ectopic beat")
    form.locator('textarea[name="text"]').fill("marked from the keyboard")
    form.get_by_role("button", name="Save annotation").click()
    page.locator("#annotations li", has_text="marked from the keyboard").wait_for()
    page.wait_for_function(f"() => {V}.state().annotations.some(a => a.label === 'Ventricular ectopic beat')")
    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, "viewer-keyboard-annotation")


def point(page, t, lead=None):
    p = page.evaluate(f"([t, lead]) => {V}.clientPointAt(t, lead)", [t, lead])
    assert p, f"{t} s on lead {lead} is not on the page"
    return p


def test_phone_shows_one_column_of_leads(live_server, new_context):
    """On a 375-px phone, is the 12-lead record one column of leads at 25 mm/s, paged sideways, without a horizontal page scroll?"""
    api = live_server.session("cardio2")
    case_id = live_server.case_by_ref(api, "SQ-0101")["id"]
    page = login(new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2, is_mobile=True, has_touch=True),
                 live_server.url, "cardio2")
    open_case(page, case_id)
    st = state(page)
    assert st["layout"] == "column" and st["speed"] == 25
    assert [p["label"] for p in st["panels"]] == ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    assert {p["col"] for p in st["panels"]} == {0} and len({round(p["rect"]["left"]) for p in st["panels"]}) == 1
    assert abs(st["pxPerMm"] - 96 / 25.4) < 1e-9 and 2 <= st["windowS"] < 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    first = st["startS"]
    page.locator(".ecgv-toolbar").get_by_role("button", name="Next page (Right arrow)").click()
    page.wait_for_function(f"(s) => {V}.state().startS > s", arg=first)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # A quick finger swipe to the right pages back (a slow drag would select a span).
    second = state(page)["startS"]
    page.evaluate("""(y) => { const cv = document.querySelector('.ecgv-strips'), r = cv.getBoundingClientRect();
        const ev = (type, x) => cv.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y, pointerId: 7,
            pointerType: 'touch', isPrimary: true, bubbles: true, cancelable: true}));
        ev('pointerdown', r.left + 80); ev('pointermove', r.left + 160); ev('pointerup', r.left + 240); }""",
        st["panels"][1]["baselineY"])
    page.wait_for_function(f"(s) => {V}.state().startS < s", arg=second)
    assert state(page)["selection"] is None
    page.evaluate("document.getElementById('viewer').scrollIntoView()")
    save_screenshot(page, "phone-12lead")
    for width in (360, 414):
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_function(f"(w) => {V}.state().canvas.cssWidth < w - 20", arg=width + 1)
        page.wait_for_timeout(100)
        st = state(page)
        assert st["layout"] == "column" and st["speed"] == 25 and len(st["panels"]) == 12
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width


def test_holter_page_length_full_disclosure_and_hours(live_server, new_context):
    """On a 24-hour Holter, can the reader choose a 10-60 s page, open a full-disclosure page of 30 lines of 60 s, go to any hour, and read a line at 25 mm/s by clicking it?"""
    import time

    api = live_server.session("cardio1")
    case = analysed_holter(live_server, api, timeout=180)
    assert case["status"] == "awaiting_review"
    page = login(new_context(), live_server.url, "cardio1")
    open_case(page, case["id"], timeout=20_000)
    page.evaluate("""() => { window.__drawnAt = [];
        document.querySelector('.ecgv').addEventListener('ecgv:drawn', (e) => window.__drawnAt.push(e.detail)); }""")
    drawn = lambda n: page.wait_for_function("(n) => window.__drawnAt.length >= n", arg=n, timeout=10_000)  # noqa: E731

    # A 60-s page at 25 mm/s wraps over several lines; 10 s is one shorter line.
    toolbar = page.locator(".ecgv-toolbar")
    toolbar.get_by_role("combobox", name="Page").select_option("60")
    drawn(1)
    st = state(page)
    assert st["pageS"] == 60 and st["speed"] == 25 and 55 < st["windowS"] <= 60
    lines = sorted({p["line"] for p in st["panels"]})
    assert len(lines) >= 3 and len(st["panels"]) == 2 * len(lines)
    assert abs(st["panels"][2]["startS"] - (st["startS"] + st["lineS"])) < 1e-6
    page.locator(".ecgv").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"(s) => {V}.state().startS >= s", arg=st["windowS"] - 0.01)
    save_screenshot(page, "holter-60s-page")
    toolbar.get_by_role("combobox", name="Page").select_option("10")
    assert state(page)["windowS"] == 10

    # Hour navigation, then full disclosure: 30 lines of 60 s from that hour.
    toolbar.get_by_role("combobox", name="Hour").select_option("5")
    assert state(page)["startS"] == 5 * 3600
    n = page.evaluate("window.__drawnAt.length")
    page.locator(".ecgv").focus()               # keys go to the viewer, not to the select
    t0 = time.monotonic()
    page.keyboard.press("f")
    drawn(n + 1)
    full_ms = (time.monotonic() - t0) * 1000
    st = state(page)
    assert st["layout"] == "disclosure" and st["windowS"] == 1800 and st["startS"] == 5 * 3600
    assert len(st["panels"]) == 30 and st["panels"][29]["startS"] == 5 * 3600 + 29 * 60
    save_screenshot(page, "holter-full-disclosure")
    page.keyboard.press("l")                    # the next lead
    assert {p["lead"] for p in state(page)["panels"]} == {state(page)["leadNames"][1]}
    page.keyboard.press("ArrowRight")           # the next 30 minutes
    page.wait_for_function(f"() => {V}.state().startS === {5 * 3600 + 1800}")
    toolbar.get_by_role("combobox", name="Hour").select_option("23")
    assert state(page)["startS"] >= 23 * 3600 - 1800

    # A click on line 12 reads it: back to 25 mm/s, centred on the clicked time.
    st = state(page)
    line = st["panels"][12]
    x = line["rect"]["left"] + line["rect"]["width"] / 2
    page.mouse.click(x, line["rect"]["top"] + line["rect"]["height"] / 2)
    st2 = state(page)
    clicked = line["startS"] + 30
    assert st2["layout"] == "stacked" and st2["startS"] <= clicked <= st2["endS"]
    report("holter_full_disclosure", full_disclosure_draw_ms=round(full_ms))


def upload(live_server, username, patient_ref, files, **fields):
    api = live_server.session(username)
    handles = [open(f, "rb") for f in files]
    try:
        r = api.post(live_server.url + "/api/v1/cases", timeout=120,
                     data={"patient_ref": patient_ref, "age": "70", "sex": "M", **fields},
                     files=[("files", (f.name, h)) for f, h in zip(files, handles)])
    finally:
        for h in handles:
            h.close()
    r.raise_for_status()
    return r.json()["case"]


def test_serial_comparison_with_the_prior_ecg(live_server, new_context):
    """Does "Open side by side" show the prior 12-lead beside the current one at the same speed and gain, paging together, with overlaid median beats, a table of measurement differences (changes highlighted) and a report statement; and one at a time with a toggle on a narrow screen?"""
    from tests.conftest import FIXTURES

    ptb = FIXTURES / "ptbxl"
    first = upload(live_server, "doctor1", "CMP-0001", [ptb / "00001_hr.hea", ptb / "00001_hr.dat"],
                   symptoms="Chest pain", question="Ischaemia?")
    second = upload(live_server, "doctor1", "CMP-0001", [ptb / "00002_hr.hea", ptb / "00002_hr.dat"],
                    symptoms="Dizzy spells", question="Compare with the last ECG")
    api = live_server.session("cardio1")
    for c in (first, second):
        assert wait_status(live_server, api, c["id"], {"awaiting_review", "analysis_failed"}, timeout=120)["status"] == "awaiting_review"
    page = login(new_context(), live_server.url, "cardio1")
    open_case(page, second["id"])
    page.get_by_role("button", name="Claim this case").click()
    page.locator("#report-form").wait_for(state="visible")
    page.evaluate("""() => { window.__compared = null;
        document.addEventListener('ecgv:compared', (e) => { window.__compared = e.detail; }); }""")
    page.locator("#priors li").first.get_by_role("button", name="Open side by side").click()
    page.wait_for_function("() => window.__compared", timeout=20_000)
    result = page.evaluate("window.__compared")
    cur, pri = "document.querySelector('#viewer').ecgViewer", "document.querySelector('#compare-viewer').ecgViewer"
    page.wait_for_function(f"() => {pri} && {pri}.state().drawn")
    a, b = page.evaluate(f"{cur}.state()"), page.evaluate(f"{pri}.state()")
    assert a["layout"] == b["layout"] == "12lead" and a["speed"] == b["speed"] and a["gain"] == b["gain"]
    left, right = page.evaluate("""() => ['#viewer', '#compare-viewer'].map((s) => {
        const r = document.querySelector(s).getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top}; })""")
    assert right["left"] >= left["right"] and abs(right["top"] - left["top"]) < 2     # side by side

    # Paging and speed follow from either side.
    page.locator("#viewer").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => {pri}.state().startS === {cur}.state().startS && {cur}.state().startS > 0")
    page.locator("#compare-viewer").focus()
    page.keyboard.press("Home")
    page.wait_for_function(f"() => {cur}.state().startS === 0")
    page.locator("#viewer .ecgv-toolbar").get_by_role("combobox", name="Speed").select_option("50")
    assert page.evaluate(f"{pri}.state().speed") == 50
    page.locator("#viewer .ecgv-toolbar").get_by_role("combobox", name="Speed").select_option("25")

    # Median beats of the 12 leads from both records; the differences; the statement.
    assert len(result["leads"]) == 12 and all(x["currentBeats"] >= 3 and x["priorBeats"] >= 3 for x in result["leads"])
    keys = [r["key"] for r in result["rows"]]
    assert keys[:6] == ["heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "axis_deg"] and keys.count("st_mv") == 12
    hr = result["rows"][0]
    prior_hr = api.get(f"{live_server.url}/api/v1/cases/{first['id']}", timeout=10).json()["case"]["analysis"]["heart_rate_bpm"]
    assert hr["prior"] == pytest.approx(prior_hr) and hr["delta"] == pytest.approx(hr["current"] - hr["prior"])
    changed = [r for r in result["rows"] if r["changed"]]
    assert page.locator(".ecgv-deltas tr.ecgv-changed").count() == len(changed)
    assert page.evaluate("document.querySelector('.ecgv-medians').width") > 0
    page.locator(".ecgv-statement").click()
    diagnosis = page.locator('#report-form textarea[name="diagnosis"]').input_value()
    assert diagnosis.startswith("Compared with the ECG of") and diagnosis == result["statement"]
    report("serial_comparison", changed=[(r["key"], r.get("lead"), r["prior"], r["current"]) for r in changed],
           shift_ms=result["shiftMs"])
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(200)
    save_screenshot(page, "comparison-side-by-side")
    page.locator("#compare-card").screenshot(path=str(ROOT / "docs" / "screenshots" / "comparison-medians.png"))

    # Narrow screen: one at a time, with a toggle.
    page.set_viewport_size({"width": 900, "height": 1000})
    page.wait_for_timeout(200)
    assert page.locator("#compare-viewer").is_hidden() and page.locator("#viewer").is_visible()
    page.locator(".ecgv-pair-toggle").get_by_role("button", name="Prior ECG of").click()
    assert page.locator("#compare-viewer").is_visible() and page.locator("#viewer").is_hidden()

    # Closing puts the page back as it was.
    page.set_viewport_size(VIEWPORT)
    page.locator("#compare-close").click()
    assert page.locator(".ecgv-pair").count() == 0 and page.locator("#viewer").is_visible()

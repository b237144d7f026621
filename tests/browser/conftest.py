"""Browser tests: the real app in a subprocess, Playwright for Python driving Debian's Chromium.

Recipe: /usr/bin/chromium headless (never `playwright install`), pytest-playwright's
`browser_type_launch_args` and `base_url` overridden here. Skipped when Chromium or Playwright
is missing, except with TELEMED_REQUIRE_SERVICES=1 (CI), where that is a failure.
Screenshots go to test-artifacts/ (gitignored) and, for the README, docs/screenshots/.
"""
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "demo-ecg-2026"
HERE = Path(__file__).resolve().parent

AVAILABLE = (CHROMIUM.exists() and importlib.util.find_spec("playwright") is not None
             and importlib.util.find_spec("pytest_playwright") is not None)
WHY = "needs /usr/bin/chromium (apt-get install chromium) and pip install playwright pytest-playwright"


def pytest_collection_modifyitems(config, items):
    if AVAILABLE or os.environ.get("TELEMED_REQUIRE_SERVICES") == "1":
        return
    skip = pytest.mark.skip(reason=f"Chromium/Playwright not available ({WHY})")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _chromium_required():
    require_service("Chromium", AVAILABLE, WHY)


# ------------------------------------------------------------------ the live server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ,
                    "TELEMED_INSTANCE_DIR": str(root / "instance"),
                    "DATABASE_URL": f"sqlite:///{root / 'telemed.sqlite3'}",
                    "TELEMED_DATA_DIR": str(root / "data"),
                    "SECRET_KEY": "browser-tests-not-secret",
                    "TELEMED_ANALYSIS_MODE": "thread",
                    "MAX_UPLOAD_MB": "200",
                    "PYTHONUNBUFFERED": "1"}
        self.env.pop("TELEMED_ENV", None)
        self.env.pop("REDIS_URL", None)
        self.proc = None
        self.log = root / "server.log"

    def flask(self, *args, timeout=180):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=True)

    def start(self):
        (self.root / "instance").mkdir(parents=True, exist_ok=True)
        self.flask("init-db")
        self.flask("seed-demo", "--holter-hours", "0")  # the paging test uploads its own 24-hour record
        self._log = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-reload"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not answer: {self.log.read_text()[-2000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    # A small JSON/multipart client with its own cookie (for setup steps that are not under test).
    def session(self, username):
        import requests

        from tests.factories import CSRFSession

        class Session(CSRFSession, requests.Session):
            pass

        s = Session()
        r = s.post(self.url + "/api/v1/session", json={"username": username, "password": PASSWORD}, timeout=10)
        r.raise_for_status()
        return s

    def case_by_ref(self, api, patient_ref):
        cases = api.get(self.url + "/api/v1/cases", timeout=10).json()["cases"]
        return next(c for c in cases if c["patient_ref"] == patient_ref)


class HolterUpload(threading.Thread):
    """Builds the 24-hour record, then uploads it as doctor1 once `go` is set, so that the server
    analyses it (about 30 s here, one analysis at a time) while the other tests run; set `go` after
    the upload test, whose own analysis must not queue behind it. The paging test joins it."""

    def __init__(self, server: LiveServer, folder: Path):
        super().__init__(daemon=True)
        self.server, self.folder = server, folder
        self.case, self.error, self.upload_s = None, None, None
        self.go = threading.Event()

    def run(self):
        try:
            from tests.browser.holter import build_holter

            files = build_holter(self.folder)
            self.go.wait(timeout=90)
            api = self.server.session("doctor1")
            t0 = time.monotonic()
            handles = [open(f, "rb") for f in files]
            try:
                r = api.post(self.server.url + "/api/v1/cases", timeout=120,
                             data={"patient_ref": "HOLTER-24H", "age": "58", "sex": "F",
                                   "symptoms": "Palpitations at night", "question": "24-hour Holter: pauses?"},
                             files=[("files", (f.name, h)) for f, h in zip(files, handles)])
            finally:
                for h in handles:
                    h.close()
            self.upload_s = time.monotonic() - t0
            r.raise_for_status()
            self.case = r.json()["case"]
        except BaseException as exc:  # reported by the test that joins
            self.error = exc


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if not AVAILABLE:
        require_service("Chromium", False, WHY)
    root = tmp_path_factory.mktemp("telemed-live")
    server = LiveServer(root).start()
    server.holter = HolterUpload(server, root / "holter")
    server.holter.start()
    yield server
    server.holter.go.set()
    server.holter.join(timeout=120)
    server.stop()


# ------------------------------------------------------------------ pytest-playwright overrides

@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # English pages for the assertions on English text; tests/browser/test_i18n.py sets zh-CN itself.
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}, "locale": "en-US"}


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def save_screenshot(page, name, **kwargs):
    """Save one screenshot to test-artifacts/ and docs/screenshots/; returns the docs path."""
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    shutil.copy(path, SCREENSHOTS / f"{name}.png")
    return SCREENSHOTS / f"{name}.png"


def report(name, **values):
    """Print a measurement (pytest -s shows it) and keep it in test-artifacts/timings.jsonl."""
    ARTIFACTS.mkdir(exist_ok=True)
    line = json.dumps({"test": name, **values})
    print(line)
    with open(ARTIFACTS / "timings.jsonl", "a") as f:
        f.write(line + "\n")


# ------------------------------------------------------------------ page helpers

def wait_status(server, api, case_id, statuses, timeout=90, beats=True):
    """The case's JSON once its status is one of `statuses` (without the beat list when `beats` is False)."""
    query = "" if beats else "?beats=0"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        case = api.get(f"{server.url}/api/v1/cases/{case_id}{query}", timeout=30).json()["case"]
        if case["status"] in statuses:
            return case
        time.sleep(0.3)
    raise AssertionError(f"case {case_id} still {case['status']} after {timeout} s")


def analysed_holter(server, api, timeout):
    """Let the session's 24-hour upload start (if it has not) and return its case once analysis has ended."""
    holter = server.holter
    holter.go.set()
    holter.join(timeout=timeout)
    if holter.error:
        raise holter.error
    return wait_status(server, api, holter.case["id"], {"awaiting_review", "analysis_failed"}, timeout=timeout,
                       beats=False)


def login(context, base_url, username):
    """A page of `context` logged in as `username` (through the JSON API: the cookie is shared)."""
    page = context.new_page()
    token = page.request.get(base_url + "/api/v1/csrf").json()["csrf_token"]
    r = page.request.post(base_url + "/api/v1/session", data={"username": username, "password": PASSWORD},
                          headers={"X-CSRFToken": token})
    assert r.ok, r.text()
    return page


def open_case(page, case_id, timeout=15_000):
    """Open a case page and wait for the live socket and the drawn viewer."""
    page.add_init_script("""
      window.__drawn = [];
      document.addEventListener('ecgv:drawn', (e) => window.__drawn.push(e.detail), true);
    """)
    page.goto(f"/cases/{case_id}")
    wait_socket(page, timeout)
    page.wait_for_function("() => window.__drawn && window.__drawn.length > 0", timeout=timeout)


def wait_socket(page, timeout=15_000):
    page.wait_for_function("() => window.Telemed && window.Telemed.socket && window.Telemed.socket.connected",
                           timeout=timeout)


@pytest.fixture
def zh_context(browser, base_url):
    """Browser contexts as a Zhejiang user has them: Chinese, on Shanghai time (desktop unless a viewport is given)."""
    contexts = []

    def make(viewport=None, **kwargs):
        ctx = browser.new_context(base_url=base_url, viewport=viewport or {"width": 1400, "height": 1000},
                                  locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs)
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()

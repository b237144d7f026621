"""Shared fixtures: a fresh app per test (in-memory SQLite, temp data dir, inline analysis)."""
import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def _multipart_in_memory():
    """Werkzeug's test client spools multipart bodies over 500 kB to a TemporaryFile that it never
    closes (werkzeug.test.EnvironBuilder.get_environ); with warnings as errors, the garbage collector
    then fails an unrelated later test. Test uploads are small: build them in memory instead."""
    import werkzeug.test

    original = werkzeug.test.stream_encode_multipart

    def in_memory(data, use_tempfile=True, threshold=1024 * 500, boundary=None):  # noqa: ARG001
        return original(data, use_tempfile=False, threshold=threshold, boundary=boundary)

    werkzeug.test.stream_encode_multipart = in_memory


_multipart_in_memory()


def require_service(what: str, available: bool, why: str = ""):
    """Skip a test needing a real server/browser, unless CI demands services (TELEMED_REQUIRE_SERVICES=1)."""
    if available:
        return
    if os.environ.get("TELEMED_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required in CI but not available{': ' + why if why else ''}")
    pytest.skip(f"{what} not available")


@pytest.fixture
def app(tmp_path):
    from config import TestConfig
    from telemed import create_app
    from telemed.extensions import db

    class Config(TestConfig):
        # A file, like the embedded default: each thread gets its own connection and SQLite's
        # real locking (an in-memory database shares one connection between threads).
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'telemed.sqlite3'}"
        TELEMED_DATA_DIR = str(tmp_path / "data")

    from tests.factories import CSRFClient

    app = create_app(Config)
    app.test_client_class = CSRFClient  # every test browser sends the CSRF token, as the pages do
    with app.app_context():
        db.create_all()
    # No app context stays pushed during the test: like production, every request and socket
    # event gets its own (a shared one would share Flask-Login's cached user between clients).
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


@pytest.fixture
def app_ctx(app):
    """For tests that query the database directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Two consortia, each with two clinics and users of every role."""
    from tests.factories import make_world

    with app.app_context():
        return make_world()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username, password="password-123"):
        response = self.client.post("/api/v1/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return response

    def logout(self):
        return self.client.delete("/api/v1/session")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def fixture_path():
    return FIXTURES


@pytest.fixture
def data_dir(app):
    return Path(app.config["TELEMED_DATA_DIR"])


def stored_files(data_dir: Path) -> list[Path]:
    blobs = data_dir / "blobs"
    return sorted(p for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []


@pytest.fixture
def copy_fixture(tmp_path):
    """Copy fixture files into tmp_path (to corrupt them safely); returns the copies' folder."""
    def _copy(*names):
        target = tmp_path / "upload"
        target.mkdir(exist_ok=True)
        for name in names:
            shutil.copy(FIXTURES / name, target / Path(name).name)
        return target
    return _copy


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server for the session (skips, or fails in CI, without one)."""
    from tests.services import PostgresServer, postgres_available

    require_service("PostgreSQL", postgres_available(), "apt-get install postgresql")
    server = PostgresServer().init()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def redis_server():
    """A private Redis server for the session (skips, or fails in CI, without one)."""
    from tests.services import RedisServer, redis_available

    require_service("Redis", redis_available(), "apt-get install redis-server")
    server = RedisServer().start()
    yield server
    server.destroy()

"""Real processes for integration tests and the load benchmark: gunicorn web servers, Celery
workers, and logged-in HTTP + Socket.IO clients, all on loopback.

A `Cluster` shares one database, one Redis, one data folder and one SECRET_KEY between its
processes (so a cookie from one web process is valid on another), starts every process in its
own session (so `kill()` reaches a Celery worker's pool children too) and kills whatever is
still running in `close()`.
"""
from __future__ import annotations

import itertools
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PASSWORD = "password-123"


def free_port() -> int:
    from tests.services import free_port as _free_port

    return _free_port()


_redis_db = itertools.count(1)


def fresh_redis_url(server) -> str:
    """A Redis database of its own (1-15, emptied), so no test sees another's queued tasks."""
    import redis

    number = 1 + (next(_redis_db) - 1) % 15
    url = f"redis://127.0.0.1:{server.port}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


def create_database(postgres) -> str:
    """A fresh, empty database on the session's PostgreSQL server; returns its SQLAlchemy URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host="127.0.0.1", port=postgres.port, user="telemed", dbname="telemed",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres.url.rsplit("/", 1)[0] + "/" + name


def prepare_database(url: str, data_dir: str | Path, setup=None) -> dict:
    """Run the real migrations on `url` and create the test world (tests/factories.make_world).

    `setup(world)` may add more rows in the same app context. Returns the world's ids by name.
    """
    from config import TestConfig
    from telemed import create_app
    from telemed.extensions import db

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {}
        TELEMED_DATA_DIR = str(data_dir)
        ANALYSIS_MODE = "deferred"

    app = create_app(Config)
    with app.app_context():
        if url.startswith("sqlite"):
            db.create_all()
        else:
            from flask_migrate import upgrade

            upgrade()
        from tests.factories import make_world

        world = make_world()
        if setup:
            setup(world)
        ids = {"consortium": world.consortium.id, "clinic": world.clinic.id}
        db.session.remove()
        db.engine.dispose()
    return ids


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, text: str, timeout_s: float, *, after: int = 0) -> None:
        """Wait until `text` appears in the log (after byte `after`); fail with the log's tail."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if text in self.log_text()[after:]:
                return
            if not self.alive():
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}):\n{self.log_text()[-3000:]}")
            time.sleep(0.05)
        raise TimeoutError(f"{self.name}: {text!r} not logged within {timeout_s} s:\n{self.log_text()[-3000:]}")


@dataclass
class Cluster:
    database_url: str
    redis_url: str | None
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="telemed-cluster-")))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(16))
    procs: list[Proc] = field(default_factory=list)
    extra_env: dict = field(default_factory=dict)

    def __post_init__(self):
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def env(self, **overrides) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMED_", "DATABASE_URL", "REDIS_URL"))}
        env.update({
            "DATABASE_URL": self.database_url,
            "TELEMED_DATA_DIR": str(self.data_dir),
            "TELEMED_INSTANCE_DIR": str(self.root / "instance"),
            "SECRET_KEY": self.secret_key,
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "signal")]),
        })
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def _spawn(self, name: str, cmd: list[str], port: int | None = None, **env) -> Proc:
        log = self.root / f"{name}-{len(self.procs)}.log"
        with open(log, "ab") as fh:
            popen = subprocess.Popen(cmd, cwd=ROOT, env=self.env(**env), stdout=fh, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        proc = Proc(name, popen, log, port)
        self.procs.append(proc)
        return proc

    def start_web(self, port: int | None = None, *, workers: int = 1, threads: int = 64, wait: bool = True,
                  **env) -> Proc:
        """gunicorn with threads (Flask-SocketIO threading mode): one thread per open WebSocket."""
        port = port or free_port()
        cmd = [str(VENV_BIN / "gunicorn"), "-k", "gthread", "--threads", str(threads), "-w", str(workers),
               "-b", f"127.0.0.1:{port}", "--graceful-timeout", "2", "--log-level", "warning", "wsgi:app"]
        proc = self._spawn(f"web{port}", cmd, port, **env)
        if wait:
            self.wait_http(proc)
        return proc

    def start_embedded(self, port: int | None = None, *, wait: bool = True, **env) -> Proc:
        """The embedded default of `make run`: Werkzeug's threaded server, analysis in a thread."""
        port = port or free_port()
        cmd = [str(VENV_BIN / "flask"), "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port),
               "--no-reload", "--no-debugger"]
        proc = self._spawn(f"embedded{port}", cmd, port, **{"TELEMED_ANALYSIS_MODE": "thread", **env})
        if wait:
            self.wait_http(proc)
        return proc

    def start_worker(self, *, concurrency: int = 1, wait: bool = True, **env) -> Proc:
        name = f"w{len(self.procs)}-{uuid.uuid4().hex[:6]}"
        cmd = [str(VENV_BIN / "celery"), "-A", "wsgi:celery_app", "worker", "--concurrency", str(concurrency),
               "--pool", "prefork", "-l", "info", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
               "--without-heartbeat"]
        proc = self._spawn(name, cmd, **env)
        if wait:
            proc.wait_log(" ready.", 60)
        return proc

    def start_all(self, webs: int = 1, workers: int = 1) -> tuple[list[Proc], list[Proc]]:
        """Start web processes and workers at once (their imports overlap), then wait for all."""
        web_procs = [self.start_web(wait=False) for _ in range(webs)]
        worker_procs = [self.start_worker(wait=False) for _ in range(workers)]
        for proc in web_procs:
            self.wait_http(proc)
        for proc in worker_procs:
            proc.wait_log(" ready.", 60)
        return web_procs, worker_procs

    @staticmethod
    def wait_http(proc: Proc, timeout_s: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.log_text()[-3000:]}")
            try:
                requests.get(proc.url + "/api/v1/session", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise TimeoutError(f"{proc.name} did not answer within {timeout_s} s:\n{proc.log_text()[-3000:]}")

    @staticmethod
    def kill(proc: Proc, sig: int = signal.SIGKILL) -> None:
        """Signal the process and everything it started (its session), then reap it."""
        try:
            os.killpg(proc.popen.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.popen.pid, signal.SIGKILL)
            proc.popen.wait(timeout=15)

    def close(self) -> None:
        """Kill every process this cluster started, with whatever it started (its session)."""
        for proc in self.procs:
            self.kill(proc)


class LiveClient:
    """One user: a logged-in requests session and a Socket.IO client sharing its cookie.

    Every received event is recorded; `wait_for` waits for one matching a predicate.
    """

    def __init__(self, base_url: str, username: str, *, password: str = PASSWORD, connect: bool = True):
        import requests
        import socketio

        from tests.factories import CSRFSession

        class Session(CSRFSession, requests.Session):
            pass

        self.base_url = base_url
        self.http = Session()
        response = self.http.post(f"{base_url}/api/v1/session", json={"username": username, "password": password},
                                  timeout=10)
        response.raise_for_status()
        self.received: list[tuple[float, str, object]] = []
        self.connects = 0
        self._cond = threading.Condition()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1,
                                   randomization_factor=0.2)
        self.sio.on("*", self._on_event)
        self.sio.on("connect", self._on_connect)
        if connect:
            self.connect()

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())

    def connect(self) -> None:
        self.sio.connect(self.base_url, headers={"Cookie": self.cookie}, transports=["websocket"], wait_timeout=10)

    def _on_connect(self):
        with self._cond:
            self.connects += 1
            self._cond.notify_all()

    def _on_event(self, event, data=None):
        with self._cond:
            self.received.append((time.monotonic(), event, data))
            self._cond.notify_all()

    def wait_for(self, event: str, predicate=lambda data: True, timeout_s: float = 10.0):
        """The first received `event` whose payload satisfies `predicate`; TimeoutError if none in time."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                for _, name, data in self.received:
                    if name == event and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(n, (d or {}).get("id") if isinstance(d, dict) else d) for _, n, d in self.received]
                    raise TimeoutError(f"no {event} matching within {timeout_s} s; received {seen[-20:]}")
                self._cond.wait(remaining)

    def wait_connects(self, count: int, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self.connects < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"socket connected {self.connects} times, expected {count}")
                self._cond.wait(remaining)

    def emit(self, event: str, data, timeout_s: float = 10.0):
        return self.sio.call(event, data, timeout=timeout_s)

    def upload(self, files: list[Path], *, timeout_s: float = 30.0, headers=None, **fields) -> dict:
        form = {"patient_ref": "P-001", "age": "64", "sex": "M", "symptoms": "palpitations", "question": "rhythm?"}
        form.update(fields)
        handles = [(p.name, open(p, "rb")) for p in files]
        try:
            response = self.http.post(f"{self.base_url}/api/v1/cases", data=form,
                                      files=[("files", (name, fh)) for name, fh in handles],
                                      headers=headers or {}, timeout=timeout_s)
        finally:
            for _, fh in handles:
                fh.close()
        assert response.status_code in (200, 201), response.text
        return response.json()["case"]

    def close(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
        self.http.close()

"""Loopback load benchmark: township uploads at a fixed rate while cardiologists listen live.

    python -m bench.webload [--rate 20] [--duration 20] [--configs embedded,pg-1w,pg-2w]

For each configuration it starts its own servers (private PostgreSQL and Redis from
tests/services.py when needed, gunicorn or the embedded server, Celery workers) on 127.0.0.1,
logs in township doctors and cardiologists, and runs two bounded phases:

- *target*: 10-s 12-lead ECGs (PTB-XL 00001, 500 Hz) uploaded on an open-loop schedule at
  `--rate` for `--duration` s; latency from the start of each POST to the `case_created` event at
  every listening cardiologist (the queue event), and to `case_updated` awaiting_review
  (analysis done), as p50/p95/p99; uploads/s sustained.
- *saturation*: the same at `--saturate-rate` for `--saturate-duration` s, then drained: the
  most uploads/s and analyses/s the configuration sustains with web and workers competing.
- *backlog* (Celery configurations): `--backlog` uploads with the workers paused (SIGSTOP),
  then resumed: analyses/s of the workers alone, the fair 1-versus-2-workers comparison.

Everything stops by itself (every wait has a deadline) and every process is killed at the end.
The markdown table is printed and written to bench/webload/results.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webload.light_client import LightListener  # noqa: E402
from tests.integration.cluster import PASSWORD, Cluster, create_database, prepare_database  # noqa: E402

RECORD = [ROOT / "tests" / "fixtures" / "ptbxl" / "00001_hr.hea", ROOT / "tests" / "fixtures" / "ptbxl" / "00001_hr.dat"]
CONFIGS = {
    "embedded": "embedded default: SQLite, analysis thread, `flask run` (1 process)",
    "embedded-wal": "the same with SQLite in WAL mode (proposed fix: readers stop blocking the writer)",
    "pg-1w": "PostgreSQL + Redis, gunicorn 1 process, 1 Celery worker",
    "pg-2w": "PostgreSQL + Redis, gunicorn 1 process, 2 Celery workers",
    "pg-2w-2web": "PostgreSQL + Redis, gunicorn 2 processes, 2 Celery workers",
}
TARGET_P95_MS = 300.0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class MultipartBody:
    """A prebuilt multipart body whose patient_ref changes per upload (no re-encoding cost)."""

    def __init__(self):
        self.boundary = uuid.uuid4().hex
        b = self.boundary
        head = f'--{b}\r\nContent-Disposition: form-data; name="patient_ref"\r\n\r\n'.encode()
        fields = "".join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                         for k, v in {"age": "58", "sex": "F", "symptoms": "chest pain", "question": "ischaemia?"}.items())
        files = b"".join(
            f'--{b}\r\nContent-Disposition: form-data; name="files"; filename="{p.name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode() + p.read_bytes() + b"\r\n" for p in RECORD)
        self.head, self.tail = head, b"\r\n" + fields.encode() + files + f"--{b}--\r\n".encode()
        self.content_type = f"multipart/form-data; boundary={b}"

    def build(self, patient_ref: str) -> bytes:
        return self.head + patient_ref.encode() + self.tail


@dataclass
class PhaseResult:
    name: str
    rate: float
    duration_s: float
    sent: int = 0
    ok: int = 0
    errors: dict = field(default_factory=dict)
    created_ms: list = field(default_factory=list)
    analysed_ms: list = field(default_factory=list)
    response_ms: list = field(default_factory=list)
    missing_created: int = 0
    missing_analysed: int = 0
    uploads_per_s: float = 0.0
    analyses_per_s: float = 0.0
    lag_ms: float = 0.0  # how late the generator itself started its worst request
    loadavg: float | None = None  # the machine's 1-min load average before the phase (shared machine)


class Load:
    """Doctors' sessions, listening readers, and the open-loop upload schedule."""

    def __init__(self, base_urls: list[str], doctors: list[str], readers: list[str]):
        import requests

        self.base_urls = base_urls
        self.csrf_tokens: dict[str, str] = {}
        self.cookies = [self._login(base_urls[i % len(base_urls)], name) for i, name in enumerate(doctors)]
        self.events: list[list[tuple[float, str, dict]]] = []
        self.listeners = []
        for i, name in enumerate(readers):
            log: list = []
            self.events.append(log)
            url = base_urls[i % len(base_urls)]
            self.listeners.append(LightListener(url, self._login(url, name), lambda t, n, d, log=log: log.append((t, n, d))))
        self.body = MultipartBody()
        self.local = threading.local()
        self.requests = requests

    def _login(self, url: str, username: str) -> str:
        import requests

        with requests.Session() as s:
            token = lambda: s.get(f"{url}/api/v1/csrf", timeout=10).json()["csrf_token"]  # noqa: E731
            response = s.post(f"{url}/api/v1/session", json={"username": username, "password": PASSWORD},
                              headers={"X-CSRFToken": token()}, timeout=10)
            response.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
            self.csrf_tokens[cookie] = token()  # the logged-in session's token, for its uploads
            return cookie

    def _session(self):
        if not hasattr(self.local, "session"):
            self.local.session = self.requests.Session()
        return self.local.session

    def _upload(self, i: int, ref: str, sends: dict, result: PhaseResult, lock: threading.Lock) -> None:
        url = self.base_urls[i % len(self.base_urls)]
        body = self.body.build(ref)
        started = time.monotonic()
        sends[ref] = started
        try:
            response = self._session().post(
                f"{url}/api/v1/cases", data=body, timeout=60,
                headers={"Content-Type": self.body.content_type, "Cookie": self.cookies[i % len(self.cookies)],
                         "X-CSRFToken": self.csrf_tokens[self.cookies[i % len(self.cookies)]]})
            status = response.status_code
        except self.requests.RequestException as exc:
            status = type(exc).__name__
        done = time.monotonic()
        with lock:
            if status == 201:
                result.ok += 1
                result.response_ms.append((done - started) * 1000)
                result.last_done = max(getattr(result, "last_done", 0.0), done)
            else:
                result.errors[status] = result.errors.get(status, 0) + 1

    def run(self, name: str, rate: float, duration_s: float, *, drain_s: float, before_drain=None) -> PhaseResult:
        """Upload at `rate` for `duration_s`, then wait up to `drain_s` for every analysis.

        `before_drain()` runs once every upload has answered (e.g. resumes paused workers); then
        analyses/s is counted from that moment, so it measures the workers alone.
        """
        result = PhaseResult(name, rate, duration_s)
        n = int(rate * duration_s)
        tag = uuid.uuid4().hex[:6]
        refs = [f"{name}-{tag}-{i}" for i in range(n)]
        sends: dict[str, float] = {}
        lock = threading.Lock()
        marks = [len(log) for log in self.events]
        start = time.monotonic() + 0.2
        with ThreadPoolExecutor(max_workers=64) as pool:
            for i, ref in enumerate(refs):
                due = start + i / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    result.lag_ms = max(result.lag_ms, -delay * 1000)
                pool.submit(self._upload, i, ref, sends, result, lock)
        result.sent = n
        analyses_from = start
        if before_drain:
            before_drain()
            analyses_from = time.monotonic()
        wanted = set(refs)
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline:
            analysed = {d.get("patient_ref") for _, ev, d in self.events[0][marks[0]:]
                        if ev == "case_updated" and d.get("status") in ("awaiting_review", "analysis_failed")}
            if wanted <= analysed or not self.listeners:
                break
            time.sleep(0.2)
        last_analysis = start
        for r, log in enumerate(self.events):
            created, analysed = {}, {}
            for t, ev, d in log[marks[r]:]:
                ref = (d or {}).get("patient_ref") if isinstance(d, dict) else None
                if ref not in wanted:
                    continue
                if ev == "case_created":
                    created.setdefault(ref, t)
                elif ev == "case_updated" and d.get("status") in ("awaiting_review", "analysis_failed"):
                    analysed.setdefault(ref, t)
            for ref in refs:
                if ref not in sends:
                    continue
                if ref in created:
                    result.created_ms.append((created[ref] - sends[ref]) * 1000)
                else:
                    result.missing_created += 1
                if ref in analysed:
                    result.analysed_ms.append((analysed[ref] - sends[ref]) * 1000)
                    last_analysis = max(last_analysis, analysed[ref])
                else:
                    result.missing_analysed += 1
            if r == 0 and analysed:
                result.analyses_per_s = len(analysed) / max(1e-3, last_analysis - analyses_from)
        if result.ok:
            result.uploads_per_s = result.ok / (getattr(result, "last_done", start) - start)
        return result

    def close(self) -> None:
        for listener in self.listeners:
            listener.close()


def _users(doctors: int, readers: int):
    def setup(world):
        from telemed.models import Role
        from tests.factories import gen_user

        for i in range(doctors):
            gen_user(f"town{i}", Role.TOWNSHIP_DOCTOR, clinic=world.clinic)
        for i in range(readers):
            gen_user(f"reader{i}", Role.CARDIOLOGIST, consortium=world.consortium)
    return setup


def run_config(key: str, args, log) -> list[PhaseResult]:
    from tests.services import PostgresServer, RedisServer

    root = Path(tempfile.mkdtemp(prefix=f"telemed-webload-{key}-"))
    pg = redis = cluster = load = None
    try:
        if key.startswith("embedded"):
            url = f"sqlite:///{root / 'telemed.sqlite3'}"
            cluster = Cluster(url, None, root=root / "cluster")
            prepare_database(url, cluster.data_dir, _users(args.doctors, args.readers))
            if key == "embedded-wal":
                import sqlite3

                with sqlite3.connect(root / "telemed.sqlite3") as conn:  # persistent in the file
                    conn.execute("PRAGMA journal_mode=WAL")
            urls = [cluster.start_embedded().url]
        else:
            pg, redis = PostgresServer().init(), RedisServer().start()
            url = create_database(pg)
            cluster = Cluster(url, redis.url, root=root / "cluster")
            prepare_database(url, cluster.data_dir, _users(args.doctors, args.readers))
            n_workers = 2 if "2w" in key else 1
            web_procs = 2 if key.endswith("2web") else 1
            web = cluster.start_web(workers=web_procs, threads=args.threads, wait=False)
            workers = [cluster.start_worker(wait=False) for _ in range(n_workers)]
            cluster.wait_http(web)
            for w in workers:
                w.wait_log(" ready.", 60)
            urls = [web.url]
        load = Load(urls, [f"town{i}" for i in range(args.doctors)], [f"reader{i}" for i in range(args.readers)])
        load.run("warmup", 5, 2, drain_s=15)
        loadavg = os.getloadavg()[0]
        log(f"  {key}: target phase, {args.rate}/s for {args.duration} s")
        phases = [load.run("target", args.rate, args.duration, drain_s=args.drain)]
        phases[0].loadavg = loadavg
        if args.saturate_rate:
            log(f"  {key}: saturation phase, {args.saturate_rate}/s for {args.saturate_duration} s")
            phases.append(load.run("saturation", args.saturate_rate, args.saturate_duration, drain_s=args.drain))
        if args.backlog and not key.startswith("embedded"):
            log(f"  {key}: backlog phase, {args.backlog} uploads with the workers paused, then resumed")
            for w in workers:
                os.killpg(w.popen.pid, signal.SIGSTOP)

            def resume():
                for w in workers:
                    os.killpg(w.popen.pid, signal.SIGCONT)

            try:
                phases.append(load.run("backlog", args.saturate_rate or 40, args.backlog / (args.saturate_rate or 40),
                                       drain_s=args.drain, before_drain=resume))
            finally:
                resume()
        return phases
    finally:
        if load:
            load.close()
        if cluster:
            cluster.close()
        if redis:
            redis.destroy()
        if pg:
            pg.destroy()
        shutil.rmtree(root, ignore_errors=True)


def fmt(value, digits=0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def render(results: dict[str, list[PhaseResult]], args) -> str:
    lines = [
        "# Web load benchmark (loopback)",
        "",
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"`python -m bench.webload --rate {args.rate:g} --duration {args.duration:g} --doctors {args.doctors} "
        f"--readers {args.readers} --saturate-rate {args.saturate_rate:g} --backlog {args.backlog}` "
        "(load generator on the same machine; the machine is shared, see the load average).",
        "",
        "Uploads: PTB-XL 00001 (10 s, 12 leads, 500 Hz, 240 KB WFDB) on an open-loop schedule. "
        "*queue event*: from the start of the POST to `case_created` at each listening cardiologist; "
        "*analysed*: to `case_updated` awaiting_review. Latencies in ms over all (upload, listener) pairs.",
        "",
        "| configuration | phase | offered /s | uploads ok | errors | uploads/s | queue event p50 / p95 / p99 | "
        "analysed p50 / p95 / p99 | analyses/s | missed events | load avg before |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, phases in results.items():
        for p in phases:
            c, a = p.created_ms, p.analysed_ms
            errors = ", ".join(f"{n}× {k}" for k, n in p.errors.items()) or "0"
            lines.append(
                f"| {key} | {p.name} | {p.rate:g} | {p.ok}/{p.sent} | {errors} | {p.uploads_per_s:.1f} | "
                f"{fmt(percentile(c, 50))} / {fmt(percentile(c, 95))} / {fmt(percentile(c, 99))} | "
                f"{fmt(percentile(a, 50))} / {fmt(percentile(a, 95))} / {fmt(percentile(a, 99))} | "
                f"{p.analyses_per_s:.1f} | {p.missing_created} created, {p.missing_analysed} analysed | "
                f"{fmt(p.loadavg, 1)} |")
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for key, phases in results.items():
        target = next((p for p in phases if p.name == "target"), None)
        if target:
            p95 = percentile(target.created_ms, 95)
            met = p95 is not None and p95 < TARGET_P95_MS and target.ok == target.sent and not target.missing_created
            lines.append(f"| {key}: queue event p95 < {TARGET_P95_MS:.0f} ms at {target.rate:g} uploads/s, none lost | "
                         f"p95 {fmt(p95)} ms, {target.ok}/{target.sent} ok, {target.missing_created} missed | "
                         f"{'yes' if met else 'NO'} |")
    for phase in ("backlog", "saturation"):
        got = {k: next((p for p in v if p.name == phase), None) for k, v in results.items()}
        if got.get("pg-1w") and got.get("pg-2w"):
            one, two = got["pg-1w"].analyses_per_s, got["pg-2w"].analyses_per_s
            lines.append(f"| 2 Celery workers analyse more per second than 1 ({phase} phase) | "
                         f"{two:.1f} vs {one:.1f} analyses/s | {'yes' if two > one else 'NO'} |")
    lines += ["", "Configurations:", ""] + [f"- `{k}`: {CONFIGS[k]}" for k in results]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webload", description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="embedded,pg-1w,pg-2w", help=f"comma-separated: {', '.join(CONFIGS)}")
    parser.add_argument("--rate", type=float, default=20.0, help="uploads per second in the target phase")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the target phase")
    parser.add_argument("--saturate-rate", type=float, default=40.0, help="uploads/s of the saturation phase (0: skip)")
    parser.add_argument("--saturate-duration", type=float, default=10.0)
    parser.add_argument("--backlog", type=int, default=200,
                        help="uploads queued with the Celery workers paused, then analysed (0: skip)")
    parser.add_argument("--drain", type=float, default=60.0, help="longest wait for analyses after a phase, s")
    parser.add_argument("--doctors", type=int, default=10)
    parser.add_argument("--readers", type=int, default=5, help="cardiologists listening on Socket.IO")
    parser.add_argument("--threads", type=int, default=64, help="gunicorn threads per process")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.configs.split(",") if k.strip()]
    unknown = set(keys) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configuration(s) {', '.join(sorted(unknown))}")
    if any(not k.startswith("embedded") for k in keys):
        from tests.services import postgres_available, redis_available

        if not (postgres_available() and redis_available()):
            print("PostgreSQL or Redis is not installed: running the embedded configuration only.", file=sys.stderr)
            keys = [k for k in keys if k.startswith("embedded")]
    results = {}
    for key in keys:
        print(f"{key}: {CONFIGS[key]}", file=sys.stderr)
        results[key] = run_config(key, args, lambda m: print(m, file=sys.stderr))
    table = render(results, args)
    print(table)
    args.out.write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

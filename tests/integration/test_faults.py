"""Faults survived on real processes: a Celery worker or a web process killed with SIGKILL, Redis restarted."""
import os
import signal
import socket
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from tests.integration.cluster import Cluster, create_database, fresh_redis_url, prepare_database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PTBXL = [FIXTURES / "ptbxl" / "00001_hr.hea", FIXTURES / "ptbxl" / "00001_hr.dat"]


def write_long_record(folder: Path, hours: float) -> list[Path]:
    """mitdb 100 (60 s, 2 leads, 360 Hz) repeated for `hours`, as a format-16 WFDB record."""
    import wfdb

    src = wfdb.rdrecord(str(FIXTURES / "mitdb_100_60s"), physical=False)
    samples = np.tile(src.d_signal.astype("<i2"), (int(hours * 60), 1))
    folder.mkdir(parents=True, exist_ok=True)
    samples.tofile(folder / "long.dat")
    lines = [f"long 2 {src.fs:g} {samples.shape[0]}"]
    for i, name in enumerate(src.sig_name):
        checksum = int(samples[:, i].sum(dtype=np.int64)) & 0xFFFF
        checksum -= 0x10000 if checksum > 0x7FFF else 0
        lines.append(f"long.dat 16 {src.adc_gain[i]:g}({src.baseline[i]})/mV 16 0 {samples[0, i]} {checksum} 0 {name}")
    (folder / "long.hea").write_text("\n".join(lines) + "\n")
    return [folder / "long.hea", folder / "long.dat"]


def db_rows(cluster: Cluster, sql: str) -> list[tuple]:
    import psycopg

    url = cluster.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def blob_files(cluster: Cluster) -> list[Path]:
    blobs = cluster.data_dir / "blobs"
    return sorted(p for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []


def test_worker_killed_mid_analysis_then_analysis_completes_once(cluster, clients, tmp_path):
    """When a Celery worker is killed with SIGKILL mid-analysis, does a new worker finish the case exactly once?"""
    (web,), (worker,) = cluster.start_all(webs=1, workers=1)
    reader = clients(web.url, "cardio")
    doctor = clients(web.url, "doctor")
    case = doctor.upload(write_long_record(tmp_path / "long", hours=6), timeout_s=60)
    worker.wait_log("Task telemed.analyze_case", 15)
    time.sleep(1.5)  # reading, checksum and analysis of 6 hours take about 5 s
    cluster.kill(worker)
    status = doctor.http.get(f"{web.url}/api/v1/cases/{case['id']}", timeout=10).json()["case"]["status"]
    assert status == "analyzing", "the analysis finished before the kill; the test proves nothing"
    assert db_rows(cluster, f"select count(*) from analyses where case_id = {case['id']}") == [(0,)]
    # Staging left by a crash an hour ago goes when a worker starts; a young folder (maybe another
    # process's upload in flight) stays.
    stale, young = cluster.data_dir / "incoming" / "crashed-upload", cluster.data_dir / "incoming" / "in-flight"
    for folder in (stale, young):
        folder.mkdir()
        (folder / "100.dat").write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    cluster.start_worker()
    done = reader.wait_for("case_updated", lambda c: c["id"] == case["id"] and c["status"] == "awaiting_review", 40)
    assert done["priority"]
    assert db_rows(cluster, f"select count(*) from analyses where case_id = {case['id']}") == [(1,)]
    assert not stale.exists() and young.exists()
    assert sum(1 for _, name, c in reader.received
               if name == "case_updated" and c["id"] == case["id"] and c["status"] == "awaiting_review") == 1


def _slow_partial_upload(url: str, cookie: str, files: list[Path], sent_event, *, fraction: float = 0.5):
    """POST a multipart upload over a raw socket, sending only `fraction` of the body, then keep waiting."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in {"patient_ref": "P-KILL", "age": "50", "sex": "F"}.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for path in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + path.read_bytes() + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    host, port = url.removeprefix("http://").split(":")
    head = (f"POST /api/v1/cases HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
            f"Idempotency-Key: kill-test\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(head)
    cut = int(len(body) * fraction)
    for start in range(0, cut, 256 * 1024):
        sock.sendall(body[start:min(cut, start + 256 * 1024)])
        time.sleep(0.02)
    sent_event.set()
    return sock


def test_web_killed_mid_upload_leaves_no_case_and_no_file(cluster, clients, tmp_path):
    """When the web process is killed with SIGKILL during an upload, is nothing half-saved, and do clients reconnect?"""
    import threading

    (web,), _ = cluster.start_all(webs=1, workers=1)
    reader = clients(web.url, "cardio")
    doctor = clients(web.url, "doctor")
    reader.wait_connects(1)
    sent = threading.Event()
    sock = _slow_partial_upload(web.url, doctor.cookie, write_long_record(tmp_path / "long", hours=1), sent)
    try:
        assert sent.wait(10)
        time.sleep(0.3)
        cluster.kill(web)
        assert sock.recv(1024) == b"", "the server answered a half-sent upload"
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sock.close()
    web = cluster.start_web(web.port)  # same port: the reader's socket client reconnects on its own
    assert db_rows(cluster, "select count(*) from cases") == [(0,)]
    assert db_rows(cluster, "select count(*) from recording_files") == [(0,)]
    assert blob_files(cluster) == []
    leftovers = list((cluster.data_dir / "incoming").iterdir()) if (cluster.data_dir / "incoming").exists() else []
    assert leftovers == [], f"staging leftovers after restart: {leftovers}"
    reader.wait_connects(2, timeout_s=20)
    # Retrying the same upload (same Idempotency-Key) now creates the case once, and the reader hears of it.
    case = doctor.upload(PTBXL, headers={"Idempotency-Key": "kill-test"})
    again = doctor.upload(PTBXL, headers={"Idempotency-Key": "kill-test"})
    assert again["id"] == case["id"]
    reader.wait_for("case_created", lambda c: c["id"] == case["id"], 10)
    assert db_rows(cluster, "select count(*) from cases") == [(1,)]


@pytest.fixture
def own_redis(redis_server):
    """A Redis server of this test only, since the test restarts it (`redis_server` decides skip or fail)."""
    from tests.services import RedisServer

    server = RedisServer().start()
    yield server
    server.destroy()


def test_redis_restart_then_events_flow_again(postgres, own_redis, clients, tmp_path):
    """After Redis restarts and loses its queue, do events cross web processes again and is every analysis done?"""
    import redis

    url = create_database(postgres)
    redis_url = fresh_redis_url(own_redis)
    cluster = Cluster(url, redis_url, root=tmp_path / "cluster", extra_env={"TELEMED_SWEEP_S": "1"})
    prepare_database(url, cluster.data_dir)
    try:
        (web_a, web_b), (worker,) = cluster.start_all(webs=2, workers=1)
        reader = clients(web_b.url, "cardio")
        doctor = clients(web_a.url, "doctor")
        first = doctor.upload(PTBXL)
        reader.wait_for("case_updated", lambda c: c["id"] == first["id"] and c["status"] == "awaiting_review", 30)
        probe = redis.Redis(host="127.0.0.1", port=own_redis.port)
        subscribers = probe.pubsub_numsub("flask-socketio")[0][1]
        assert subscribers >= 2  # both web processes listen on the message queue
        # A task still waiting in the queue when Redis loses its data (no persistence here):
        # the worker is paused so that it cannot take it first.
        os.killpg(worker.popen.pid, signal.SIGSTOP)
        queued = doctor.upload(PTBXL, patient_ref="P-QUEUED")
        # Its task now waits in the queue, or in the socket of the paused worker whose blocking
        # pop was already pending: which one is a race, so the test asserts only the outcome.
        own_redis.stop()
        # An upload while Redis is down is still acknowledged (stored, committed); its analysis
        # is queued once the broker is back, and its live event is lost (readers re-fetch).
        started = time.monotonic()
        during = doctor.upload(PTBXL, patient_ref="P-OUTAGE", timeout_s=30)
        outage_upload_s = time.monotonic() - started
        own_redis.start()
        os.killpg(worker.popen.pid, signal.SIGCONT)
        deadline = time.monotonic() + 30
        while probe.pubsub_numsub("flask-socketio")[0][1] < subscribers:
            assert time.monotonic() < deadline, "the web processes did not subscribe again after the restart"
            time.sleep(0.2)
        probe.close()
        second = doctor.upload(PTBXL, patient_ref="P-002")
        reader.wait_for("case_created", lambda c: c["id"] == second["id"], 10)
        reader.wait_for("case_updated", lambda c: c["id"] == second["id"] and c["status"] == "awaiting_review", 30)
        # The cases of the outage are all analysed: a task lost with Redis's data is found by the
        # workers' sweep and queued again. Their live events may have been lost while Redis was
        # away (a publish during the restart is dropped), so the reader re-fetches, as pages do.
        wanted = {first["id"], queued["id"], during["id"], second["id"]}
        deadline = time.monotonic() + 60
        while True:
            listed = reader.http.get(f"{web_b.url}/api/v1/cases?status=awaiting_review", timeout=10).json()["cases"]
            if wanted <= {c["id"] for c in listed}:
                break
            assert time.monotonic() < deadline, f"not analysed after the outage: {wanted - {c['id'] for c in listed}}"
            time.sleep(0.5)
        assert outage_upload_s < 10, f"an upload during the outage took {outage_upload_s:.1f} s"
    finally:
        cluster.close()

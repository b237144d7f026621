"""Hostile-upload fuzzing as a benchmark, against a live server on loopback.

    python -m bench.fuzz [--count 500] [--seed 1] [--time-limit 600] [--memory-mb 1536]

Starts its own embedded server (`flask run`, analysis inline so that every accepted upload is
analysed before it is acknowledged) on 127.0.0.1 with a private instance folder and an address-
space cap (RLIMIT_AS, `--memory-mb`), seeds one clinic and doctor, then sends `--count` seeded
hostile uploads of every format family: random bytes under each extension, bit flips and
truncation of real WFDB/EDF/CSV/MAT files, headers lying about sizes, rates and lead counts, EDF
records of absurd duration, CSV with absurd values, zip bombs, zips with traversal names or
thousands of entries. Bounded in count and in time (`--time-limit`): it stops at whichever comes
first. Reports responses by status, 5xx count, whether the server died, its peak RSS, orphans in
storage (blob files no recording refers to, staging folders left behind), and cases stuck in
`analyzing` or failed after acceptance. Exits 1 on any 5xx, crash or orphan.

Only the HTTP API is driven: this is a black-box benchmark of whatever the upload code does.
"""
from __future__ import annotations

import argparse
import collections
import functools
import io
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "fuzz-password-2026"


# -- hostile inputs -------------------------------------------------------------------------

def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def flip(data: bytes, rng: random.Random, n: int = 8) -> bytes:
    buf = bytearray(data)
    for _ in range(n):
        if buf:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(0, max(1, len(data)))]


def wfdb_header_lies(rng: random.Random) -> list[tuple[str, bytes]]:
    header = _read("mitdb_100_60s.hea").decode()
    first, *rest = header.splitlines()
    parts = first.split()
    choice = rng.randrange(5)
    if choice == 0:
        parts[2] = rng.choice(["0", "-360", "1e12", "nan", "inf", "3600000000"])  # sampling rate
    elif choice == 1 and len(parts) > 3:
        parts[3] = rng.choice(["0", "-5", "999999999999", "1e30"])  # samples
    elif choice == 2:
        parts[1] = rng.choice(["0", "2000", "-1", "99999"])  # signals
    elif choice == 3:
        rest = [line.replace(" 200", " " + rng.choice(["0", "-1", "1e308", "nan"])) for line in rest]  # gain
    else:
        rest = [line.replace("212", rng.choice(["8", "16", "999", "24", "310"])) for line in rest]  # format
    return [("mitdb_100_60s.hea", (" ".join(parts) + "\n" + "\n".join(rest) + "\n").encode()),
            ("mitdb_100_60s.dat", _read("mitdb_100_60s.dat"))]


def edf_lies(rng: random.Random) -> list[tuple[str, bytes]]:
    data = bytearray(_read("mitdb_100_60s.edf"))
    field = rng.randrange(4)
    if field == 0:  # duration of a data record, bytes 244..252
        data[244:252] = rng.choice([b"0.000001", b"0       ", b"-1      ", b"1e308   ", b"nan     "])
    elif field == 1:  # number of data records, 236..244
        data[236:244] = rng.choice([b"-1      ", b"99999999", b"0       "])
    elif field == 2:  # number of signals, 252..256
        data[252:256] = rng.choice([b"0   ", b"9999", b"-1  "])
    else:  # header bytes, 184..192
        data[184:192] = rng.choice([b"0       ", b"99999999", b"-256    "])
    return [("record.edf", bytes(data))]


def csv_hostile(rng: random.Random) -> list[tuple[str, bytes]]:
    kind = rng.randrange(5)
    if kind == 0:
        rows = ["I,II"] + [f"{rng.choice(['nan', 'inf', '-inf', '1e308', 'x'])},{rng.random()}" for _ in range(500)]
    elif kind == 1:
        rows = [",".join(f"L{i}" for i in range(rng.choice([1, 500, 3000])))] + ["0," * 10 for _ in range(50)]
    elif kind == 2:
        rows = ["I"] + [str(rng.random()) for _ in range(rng.choice([0, 1, 3]))]
    elif kind == 3:
        rows = ["I,II"] + ["1,2,3,4,5" for _ in range(100)]
    else:
        rows = ["\ufeffI;II"] + [f"{rng.random()};{rng.random()}" for _ in range(1000)]
    return [("ecg.csv", ("\n".join(rows)).encode())]


def zip_of(entries: list[tuple[str, bytes]], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def _bomb() -> bytes:
    return zip_of([("a.csv", b"0\n" * (100 * 1024 * 1024))])


def zip_hostile(rng: random.Random) -> list[tuple[str, bytes]]:
    kind = rng.randrange(5)
    if kind == 0:  # bomb: 200 MB of zeros in well under 1 MB
        return [("bomb.zip", _bomb())]
    if kind == 1:  # traversal names
        return [("t.zip", zip_of([("../../etc/evil.hea", _read("mitdb_100_60s.hea")),
                                  ("/abs/100.dat", _read("mitdb_100_60s.dat"))]))]
    if kind == 2:  # many entries
        return [("many.zip", zip_of([(f"f{i}.csv", b"1") for i in range(rng.choice([100, 2000]))],
                                    compression=zipfile.ZIP_STORED))]
    if kind == 3:  # a corrupt member
        good = zip_of([("mitdb_100_60s.hea", _read("mitdb_100_60s.hea")), ("mitdb_100_60s.dat", _read("mitdb_100_60s.dat"))])
        return [("corrupt.zip", flip(good, rng, 40))]
    return [("nested.zip", zip_of([("inner.zip", zip_of([("x.edf", _read("mitdb_100_60s.edf"))]))]))]


def random_bytes(rng: random.Random) -> list[tuple[str, bytes]]:
    ext = rng.choice([".edf", ".bdf", ".hea", ".dat", ".csv", ".zip", ".mat", ".xml", ".bin", ""])
    size = rng.choice([0, 1, 17, 256, 4096, 65536])
    return [(f"r{ext}", rng.randbytes(size))]


def mutated_fixture(rng: random.Random) -> list[tuple[str, bytes]]:
    group = rng.choice([["mitdb_100_60s.hea", "mitdb_100_60s.dat"], ["mitdb_100_60s.edf"],
                        ["cinc2017/A00001.hea", "cinc2017/A00001.mat"], ["ptbxl/00001_hr.hea", "ptbxl/00001_hr.dat"]])
    files = [(Path(name).name, _read(name)) for name in group]
    victim = rng.randrange(len(files))
    name, data = files[victim]
    files[victim] = (name, flip(data, rng, rng.choice([1, 8, 64])) if rng.random() < 0.6 else truncate(data, rng))
    return files


FAMILIES = {
    "random_bytes": random_bytes, "mutated_fixture": mutated_fixture, "wfdb_header_lies": wfdb_header_lies,
    "edf_lies": edf_lies, "csv_hostile": csv_hostile, "zip_hostile": zip_hostile,
}


# -- the server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children (MB), from /proc."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().split()
            if int(proc.name) != pid and int(stat[3]) != pid:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024


def start_server(folder: Path, port: int, memory_mb: int) -> tuple[subprocess.Popen, dict]:
    env = {**os.environ, "TELEMED_INSTANCE_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'fuzz.sqlite3'}",
           "TELEMED_DATA_DIR": str(folder / "data"), "SECRET_KEY": "fuzz-" + os.urandom(8).hex(),
           "TELEMED_ANALYSIS_MODE": "inline", "RATELIMIT_UPLOAD": "1000000 per minute", "PYTHONUNBUFFERED": "1"}
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    subprocess.run(flask + ["init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    run = lambda *args, stdin=None: subprocess.run(flask + list(args), cwd=ROOT, env=env, check=True,  # noqa: E731
                                                   capture_output=True, text=True, input=stdin).stdout.split()[-1]
    consortium = run("create-consortium", "Fuzz")
    clinic = run("create-clinic", "Fuzz clinic", "--consortium", consortium)
    run("create-user", "fuzzdoc", "--role", "township_doctor", "--clinic", clinic, "--password-stdin",
        stdin=PASSWORD + "\n")

    def cap():
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.setsid()

    log = open(folder / "server.log", "w")
    proc = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=cap)
    return proc, env


def login(base: str):
    import requests

    http = requests.Session()
    deadline = time.monotonic() + 60
    while True:
        try:
            token = http.get(f"{base}/api/v1/csrf", timeout=5).json()["csrf_token"]
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    response = http.post(f"{base}/api/v1/session", json={"username": "fuzzdoc", "password": PASSWORD},
                         headers={"X-CSRFToken": token}, timeout=10)
    response.raise_for_status()
    http.headers["X-CSRFToken"] = http.get(f"{base}/api/v1/csrf", timeout=5).json()["csrf_token"]
    return http


def orphans(folder: Path) -> tuple[int, int, int, int]:
    """(blob files no recording refers to, staging leftovers, cases stuck analyzing, cases failed)."""
    data = folder / "data"
    with sqlite3.connect(folder / "fuzz.sqlite3") as conn:
        referenced = {row[0] for row in conn.execute("SELECT sha256 FROM recording_files")}
        stuck = conn.execute("SELECT count(*) FROM cases WHERE status = 'analyzing'").fetchone()[0]
        failed = conn.execute("SELECT count(*) FROM cases WHERE status = 'analysis_failed'").fetchone()[0]
    blobs = [p for p in (data / "blobs").glob("??/*") if p.is_file()] if (data / "blobs").exists() else []
    staging = list((data / "incoming").iterdir()) if (data / "incoming").exists() else []
    return sum(p.name not in referenced for p in blobs), len(staging), stuck, failed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=600, help="seconds, for the uploads")
    parser.add_argument("--memory-mb", type=int, default=1536, help="address-space cap of the server")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    args = parser.parse_args(argv)

    import requests

    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="telemed-fuzz-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, _env = start_server(folder, port, args.memory_mb)
    by_status: collections.Counter = collections.Counter()
    by_family: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    peak_rss = 0.0
    crashed = False
    sent = 0
    started = time.monotonic()
    try:
        http = login(base)
        names = list(FAMILIES)
        for i in range(args.count):
            if time.monotonic() - started > args.time_limit:
                break
            family = names[i % len(names)]
            files = FAMILIES[family](rng)
            form = {"patient_ref": f"FUZZ-{i}", "sampling_rate_hz": rng.choice(["", "250", "0", "1e9", "nan"])}
            try:
                response = http.post(f"{base}/api/v1/cases", data=form, timeout=120,
                                     files=[("files", (name, data)) for name, data in files])
                status = response.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            sent += 1
            by_status[status] += 1
            by_family[family][status] += 1
            if i % 10 == 0:
                peak_rss = max(peak_rss, rss_mb(proc.pid))
            if proc.poll() is not None:
                crashed = True
                break
        peak_rss = max(peak_rss, rss_mb(proc.pid))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        else:
            crashed = True
    orphan_blobs, staging, stuck, failed = orphans(folder)
    elapsed = time.monotonic() - started
    five_xx = sum(n for s, n in by_status.items() if isinstance(s, int) and s >= 500)
    errors = sum(n for s, n in by_status.items() if not isinstance(s, int))

    print(f"\n## Fuzz: {sent} uploads, seed {args.seed}, {elapsed:.0f} s, server capped at {args.memory_mb} MB\n")
    print("| family | " + " | ".join(str(s) for s in sorted(by_status, key=str)) + " |")
    print("|---|" + "---|" * len(by_status))
    for family, counts in by_family.items():
        print(f"| {family} | " + " | ".join(str(counts.get(s, 0)) for s in sorted(by_status, key=str)) + " |")
    print(f"\n| measure | value |\n|---|---|\n| 5xx | {five_xx} |\n| connection errors | {errors} |"
          f"\n| server crashed | {'yes' if crashed else 'no'} |\n| peak server RSS | {peak_rss:.0f} MB |"
          f"\n| orphan blob files | {orphan_blobs} |\n| staging leftovers | {staging} |"
          f"\n| cases stuck analyzing | {stuck} |\n| accepted, then analysis failed | {failed} |")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"\ninstance kept in {folder}")
    return 1 if (five_xx or errors or crashed or orphan_blobs or staging or stuck) else 0


if __name__ == "__main__":
    sys.exit(main())

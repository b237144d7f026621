"""telemed-push: send the ECGs a cart writes into a shared folder, unattended.

    telemed-push --server https://ecg.example.org --watch /srv/cart-export   # token in TELEMED_TOKEN

Every recording (the files sharing a name: `123.hea` + `123.dat`, or one `ecg.scp`) is uploaded once
its files have stopped growing, with an Idempotency-Key made from its contents, so a retry after a
dropped connection never makes a second case. Uploaded files move to `sent/` (with the case's JSON
beside them); files the server refuses move to `failed/` with the server's message in a `.error.txt`;
network errors and busy servers (429, 5xx) are retried with back-off. Standard library only, so it
runs on any clinic PC with Python.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

log = logging.getLogger("telemed-push")
SKIP_SUFFIXES = {".tmp", ".part", ".partial", ".crdownload", ".error.txt", ".json"}
RETRY_STATUSES = {429, 500, 502, 503, 504}


def pending_recordings(folder: Path, sizes: dict[Path, int]) -> dict[str, list[Path]]:
    """Recordings whose files all kept their size since the last look (the cart finished writing)."""
    groups: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or any(path.name.endswith(s) for s in SKIP_SUFFIXES):
            continue
        groups.setdefault(path.stem, []).append(path)
    ready = {}
    for stem, paths in groups.items():
        stable = True
        for path in paths:
            size = path.stat().st_size
            stable &= sizes.get(path) == size and size > 0
            sizes[path] = size
        if stable:
            ready[stem] = paths
    return ready


def idempotency_key(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return "push-" + digest.hexdigest()[:40]


def _multipart(fields: dict[str, str], paths: list[Path]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for path in paths:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        parts.append(head + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Refused(Exception):
    """The server looked at the recording and said no (a 4xx other than 429): do not retry."""


def upload(server: str, token: str, paths: list[Path], fields: dict[str, str], *, attempts: int = 6,
           backoff_s: float = 1.0, timeout_s: float = 120.0) -> dict:
    """POST the recording; retries network errors, 429 and 5xx with exponential back-off."""
    body, content_type = _multipart(fields, paths)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type, "Accept": "application/json",
               "Idempotency-Key": idempotency_key(paths), "Accept-Language": "zh-CN,en;q=0.5"}
    delay = backoff_s
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(server.rstrip("/") + "/api/v1/cases", data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                message = json.loads(payload).get("error") or payload.decode(errors="replace")
            except ValueError:
                message = payload.decode(errors="replace")[:500]
            if exc.code not in RETRY_STATUSES:
                raise Refused(f"{exc.code}: {message}") from None
            log.warning("server busy (%s), attempt %d of %d: %s", exc.code, attempt, attempts, message)
        except (urllib.error.URLError, OSError) as exc:
            log.warning("cannot reach %s (attempt %d of %d): %s", server, attempt, attempts, exc)
        if attempt < attempts:
            time.sleep(delay)
            delay = min(delay * 2, 60.0)
    raise ConnectionError(f"gave up after {attempts} attempts")


def _move(paths: list[Path], target: Path) -> None:
    target.mkdir(exist_ok=True)
    for path in paths:
        shutil.move(str(path), target / path.name)


def push_once(folder: Path, server: str, token: str, sizes: dict[Path, int], fields: dict[str, str],
              **retry) -> tuple[int, int]:
    """One look at the folder: returns (sent, refused). Recordings that could not be sent stay."""
    sent = refused = 0
    for stem, paths in pending_recordings(folder, sizes).items():
        try:
            answer = upload(server, token, paths, fields, **retry)
        except Refused as exc:
            refused += 1
            _move(paths, folder / "failed")
            (folder / "failed" / f"{stem}.error.txt").write_text(str(exc) + "\n", encoding="utf-8")
            log.error("%s refused: %s", stem, exc)
        except ConnectionError as exc:
            log.error("%s not sent yet: %s", stem, exc)
        else:
            sent += 1
            _move(paths, folder / "sent")
            (folder / "sent" / f"{stem}.case.json").write_text(json.dumps(answer, ensure_ascii=False, indent=1),
                                                               encoding="utf-8")
            case = answer.get("case", {})
            log.info("%s sent: case %s (%s)", stem, case.get("id"), case.get("status"))
        for path in paths:
            sizes.pop(path, None)
    return sent, refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="telemed-push", description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the telemed address, e.g. https://ecg.example.org")
    parser.add_argument("--watch", required=True, type=Path, help="the folder the ECG cart writes to")
    parser.add_argument("--token", default=os.environ.get("TELEMED_TOKEN"),
                        help="the clinic's API token (default: $TELEMED_TOKEN; prefer the variable)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between looks (default 5)")
    parser.add_argument("--once", action="store_true", help="look twice (files must be stable), send, exit")
    parser.add_argument("--sampling-rate-hz", help="for CSV exports, which do not say their rate")
    parser.add_argument("--attempts", type=int, default=6, help="tries per recording before waiting for the next look")
    parser.add_argument("--backoff", type=float, default=1.0, help="first retry delay in seconds (doubles)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if not args.token:
        parser.error("give the clinic's API token in TELEMED_TOKEN (or --token)")
    if not args.watch.is_dir():
        parser.error(f"{args.watch} is not a folder")
    fields = {"sampling_rate_hz": args.sampling_rate_hz} if args.sampling_rate_hz else {}
    sizes: dict[Path, int] = {}
    retry = {"attempts": args.attempts, "backoff_s": args.backoff}
    if args.once:
        pending_recordings(args.watch, sizes)  # first look: sizes
        time.sleep(min(args.interval, 1.0))
        _sent, refused = push_once(args.watch, args.server, args.token, sizes, fields, **retry)
        unsent = [p for p in args.watch.iterdir() if p.is_file() and not p.name.startswith(".")]
        return 0 if refused == 0 and not unsent else 1
    while True:  # pragma: no cover - the service loop; push_once is what the tests drive
        push_once(args.watch, args.server, args.token, sizes, fields, **retry)
        time.sleep(args.interval)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Durable, checksummed store for uploaded originals.

Files are kept byte for byte under ``<data_dir>/blobs/ab/<sha256>``: identical uploads share
one copy, and the name is the checksum, so every read can be verified. A file is written to
``incoming/`` first, fsynced, then renamed into place (atomic on one filesystem) and its
directory fsynced, so an acknowledged upload survives a power cut.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

CHUNK_BYTES = 1024 * 1024
DIR_MODE = 0o700   # patient data: the service account only
FILE_MODE = 0o600
BLOB_MODE = 0o400  # originals are never rewritten


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only, and tighten it if it exists already."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and owner-only if missing; tighten it if it exists already."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        os.chmod(path, FILE_MODE)
    return path


class CorruptBlob(Exception):
    """A stored original no longer matches its checksum (disk fault or tampering)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class BlobStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.blobs = self.root / "blobs"
        self.incoming = self.root / "incoming"
        self.cache = self.root / "cache"
        for folder in (self.root, self.blobs, self.incoming, self.cache):
            private_dir(folder)

    # -- writing -----------------------------------------------------------------
    @contextlib.contextmanager
    def staging_area(self):
        """A private folder for one upload on the blob filesystem; removed afterwards whatever happens."""
        folder = self.incoming / uuid.uuid4().hex
        folder.mkdir(mode=DIR_MODE)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def write_stream(stream, target: Path, *, limit_bytes: int) -> tuple[str, int]:
        """Copy a stream to `target`, hashing on the way; returns (sha256, size). fsyncs the file."""
        digest = hashlib.sha256()
        size = 0
        with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit_bytes:
                    raise OverflowError(size)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return digest.hexdigest(), size

    def path_for(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256

    def commit(self, staged: Path, sha256: str) -> bool:
        """Move a staged, fsynced file into the store. Returns True when it was new."""
        final = self.path_for(sha256)
        if final.exists():
            return False
        final.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(staged, BLOB_MODE)
        os.replace(staged, final)
        _fsync_dir(final.parent)
        return True

    def discard(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_for(sha256).unlink()

    # -- reading -----------------------------------------------------------------
    def verified_path(self, sha256: str) -> Path:
        path = self.path_for(sha256)
        if not path.exists():
            raise CorruptBlob(f"stored file {sha256[:12]}… is missing")
        if sha256_of(path) != sha256:
            raise CorruptBlob(f"stored file {sha256[:12]}… does not match its checksum")
        return path

    @contextlib.contextmanager
    def materialize(self, files: list[tuple[str, str]]):
        """A temporary folder where each (original name, sha256) appears under its original name.

        WFDB headers name their data files, so readers need the original names side by side.
        Links, not copies: a 24-hour recording is not duplicated. Every file is verified first.
        """
        folder = Path(tempfile.mkdtemp(prefix="rec-", dir=self.incoming))
        try:
            for name, sha256 in files:
                os.symlink(self.verified_path(sha256), folder / name)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -- upkeep ------------------------------------------------------------------
    def remove_stale_staging(self, *, older_than_s: float) -> int:
        """Drop staging folders left by a process killed mid-upload (never acknowledged).

        Only old ones: with several processes sharing the data folder, a young folder may be
        another process's upload in flight.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for child in self.incoming.iterdir():
            try:
                if child.lstat().st_mtime >= cutoff:
                    continue
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink()
                removed += 1
            except FileNotFoundError:
                continue
        return removed

    def collect_garbage(self, referenced: set[str], *, older_than_s: float) -> int:
        """Delete blobs no recording refers to: left by a crash between storing and committing.

        Only old ones, so an upload between those two steps in another process is never touched.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for path in self.blobs.glob("??/*"):
            try:
                if path.name not in referenced and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def blob_store() -> BlobStore:
    """The store of the current app (TELEMED_DATA_DIR)."""
    from flask import current_app

    return BlobStore(current_app.config["TELEMED_DATA_DIR"])


def secure_files(app) -> None:
    """Owner-only files for everything holding patient data: the process umask (0077 by default,
    TELEMED_UMASK), the data folder, and the SQLite database with its WAL and shared-memory files
    (SQLite gives those the database file's mode)."""
    umask = app.config.get("TELEMED_UMASK")
    if umask is not None:
        os.umask(int(str(umask), 8))
    private_dir(Path(app.config["TELEMED_DATA_DIR"]))
    uri = app.config.get("SQLALCHEMY_DATABASE_URI", "")
    if uri.startswith("sqlite:///") and ":memory:" not in uri and "mode=memory" not in uri:
        database = Path(uri[len("sqlite:///"):].split("?", 1)[0])
        # A folder we make is owner-only; an existing one may be shared (e.g. /tmp): never chmod it.
        if not database.parent.exists():
            private_dir(database.parent)
        private_file(database)
        for suffix in ("-wal", "-shm", "-journal"):
            sidecar = database.with_name(database.name + suffix)
            if sidecar.exists() and sidecar.stat().st_mode & 0o077:
                os.chmod(sidecar, FILE_MODE)

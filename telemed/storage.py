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
        for folder in (self.blobs, self.incoming, self.cache):
            folder.mkdir(parents=True, exist_ok=True)

    # -- writing -----------------------------------------------------------------
    @contextlib.contextmanager
    def staging_area(self):
        """A private folder for one upload on the blob filesystem; removed afterwards whatever happens."""
        folder = self.incoming / uuid.uuid4().hex
        folder.mkdir()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def write_stream(stream, target: Path, *, limit_bytes: int) -> tuple[str, int]:
        """Copy a stream to `target`, hashing on the way; returns (sha256, size). fsyncs the file."""
        digest = hashlib.sha256()
        size = 0
        with open(target, "wb") as out:
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
        final.parent.mkdir(exist_ok=True)
        os.chmod(staged, 0o440)
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

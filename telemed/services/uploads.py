"""Receiving an ECG upload: stage, validate, store durably. Nothing is kept unless all of it is good."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import ecgsignal

from telemed.services.errors import BadRequest, UnsupportedUpload, UploadTooLarge
from telemed.storage import BlobStore

SIGNAL_EXTENSIONS = {".hea": "wfdb", ".edf": "edf", ".bdf": "edf", ".csv": "csv"}
# Files that may accompany a WFDB header: signal data and beat annotations.
COMPANION_EXTENSIONS = {".dat", ".mat", ".atr", ".qrs", ".ecg", ".xyz"}
ACCEPTED_TEXT = "a WFDB record (.hea with its .dat files), an EDF file (.edf), a CSV file (.csv) or a .zip holding one of these"
MAX_FILES = 64


@dataclass(frozen=True)
class StagedFile:
    name: str
    path: Path
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class ValidatedUpload:
    files: list[StagedFile]
    main_file: str
    format: str
    info: object  # ecgsignal.RecordInfo


def clean_name(raw: str | None) -> str:
    """The file's own name, without any folder a browser or zip may add; refuses odd names."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    if not name or name in {".", ".."} or "\x00" in name or len(name) > 200:
        raise BadRequest(f"The file name {raw!r} cannot be used; please rename the file and upload it again.")
    return name


def stage_files(uploads, folder: Path, *, limit_bytes: int) -> list[StagedFile]:
    """Write each uploaded (name, stream) into the staging folder, hashing as it goes."""
    staged: dict[str, StagedFile] = {}
    total = 0
    for raw_name, stream in uploads:
        name = clean_name(raw_name)
        if name.lower() in {n.lower() for n in staged}:
            raise BadRequest(f"The file {name} was attached twice; please attach each file once.")
        target = folder / name
        try:
            sha256, size = BlobStore.write_stream(stream, target, limit_bytes=limit_bytes - total)
        except OverflowError:
            raise UploadTooLarge(f"The upload is larger than the {limit_bytes // 2**20} MB allowed.") from None
        total += size
        if size == 0:
            raise BadRequest(f"The file {name} is empty (0 bytes). Please check the file and upload it again.")
        staged[name] = StagedFile(name, target, sha256, size)
    if not staged:
        raise BadRequest(f"No ECG file was attached. Please attach {ACCEPTED_TEXT}.")
    if len(staged) > MAX_FILES:
        raise BadRequest(f"Too many files ({len(staged)}); an ECG record has at most {MAX_FILES}.")
    return list(staged.values())


def unpack_zip(archive: StagedFile, folder: Path, *, limit_bytes: int) -> list[StagedFile]:
    """Extract a zip's files (flattened) into the staging folder, guarding against zip bombs."""
    try:
        zf = zipfile.ZipFile(archive.path)
    except zipfile.BadZipFile:
        raise BadRequest(f"{archive.name} is not a readable zip archive; it may be damaged or incomplete.") from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")
                   and not PurePosixPath(m.filename).name.startswith(".")]
        if sum(m.file_size for m in members) > limit_bytes:
            raise UploadTooLarge(f"{archive.name} unpacks to more than the {limit_bytes // 2**20} MB allowed.")
        try:
            streams = [(member.filename, zf.open(member)) for member in members]
        except (RuntimeError, NotImplementedError):
            raise BadRequest(f"{archive.name} is password-protected or uses a compression we cannot open. "
                             "Please make an ordinary zip (or upload the files themselves).") from None
        archive.path.unlink()
        try:
            return stage_files(streams, folder, limit_bytes=limit_bytes)
        except zipfile.BadZipFile:
            raise BadRequest(f"{archive.name} is damaged: a file inside it cannot be read.") from None
        except (RuntimeError, NotImplementedError):  # zipfile's words for encrypted / exotic compression
            raise BadRequest(f"{archive.name} is password-protected or uses a compression we cannot open. "
                             "Please make an ordinary zip (or upload the files themselves).") from None
        finally:
            for _, stream in streams:
                stream.close()


def _main_candidates(files: list[StagedFile]) -> list[StagedFile]:
    return [f for f in files if Path(f.name).suffix.lower() in SIGNAL_EXTENSIONS]


def validate(files: list[StagedFile], *, fs_hz: float | None, from_zip: bool) -> ValidatedUpload:
    """Find the record among the staged files and check it is a complete, readable ECG."""
    candidates = _main_candidates(files)
    if not candidates:
        names = ", ".join(f.name for f in files)
        raise UnsupportedUpload(f"None of the files ({names}) is an ECG recording we can read. Please upload {ACCEPTED_TEXT}.")
    headers = [f for f in candidates if f.name.lower().endswith(".hea")]
    if len(candidates) > 1 and not (headers and len(headers) == len(candidates)):
        raise BadRequest("Please upload one ECG recording per case: "
                         + ", ".join(f.name for f in candidates) + " look like several.")
    main = _pick_master_header(headers) if headers else candidates[0]
    fmt = SIGNAL_EXTENSIONS[Path(main.name).suffix.lower()]
    if fmt == "csv" and fs_hz is None:
        raise BadRequest("A CSV file does not say how fast it was sampled: please enter the sampling rate in Hz (for example 500).")
    try:
        info = ecgsignal.read_header(main.path, fs=fs_hz if fmt == "csv" else None)
    except ecgsignal.UnsupportedFormat as exc:
        raise UnsupportedUpload(exc.message) from None
    except ecgsignal.RecordError as exc:
        raise BadRequest(exc.message) from None
    belongs = {main.name} | {Path(n).name for n in info.file_names}
    kept = []
    for f in files:
        if f.name in belongs or (fmt == "wfdb" and Path(f.name).suffix.lower() in COMPANION_EXTENSIONS
                                 and Path(f.name).stem == Path(main.name).stem):
            kept.append(f)
        elif not from_zip:
            raise UnsupportedUpload(f"{f.name} is not part of the ECG record {main.name}. Please upload only the ECG files.")
    return ValidatedUpload(files=kept, main_file=main.name, format=fmt, info=info)


def _pick_master_header(headers: list[StagedFile]) -> StagedFile:
    """A multi-segment WFDB record has one master header naming the segment headers."""
    if len(headers) == 1:
        return headers[0]
    referenced = set()
    for h in headers:
        try:
            referenced |= {Path(n).stem for n in ecgsignal.read_header(h.path).file_names}
        except ecgsignal.RecordError:
            continue
    masters = [h for h in headers if Path(h.name).stem not in referenced]
    if len(masters) != 1:
        raise BadRequest("Please upload one ECG recording per case: "
                         + ", ".join(h.name for h in headers) + " look like several.")
    return masters[0]

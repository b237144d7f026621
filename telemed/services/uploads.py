"""Receiving an ECG upload: stage, validate, store durably. Nothing is kept unless all of it is good.

Files are recognised by content (`ecgsignal.sniff_format`), so a cart's export is accepted
whatever its extension: SCP-ECG, HL7 aECG, DICOM ECG, GE MUSE and Philips Sierra XML, MFER,
ISHNE, EDF/BDF, CSV, and WFDB (a .hea header with its signal files). Work per upload is bounded:
zip entries are counted from the central directory before anything is extracted, the
compression ratio and the unpacked size are limited, and the record is decoded once, in
bounded windows, before the upload is acknowledged (`ecgsignal.verify_record`).
"""
from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import ecgsignal

from flask_babel import gettext as _, lazy_gettext as _l

from telemed.i18n import record_error_text
from telemed.services.errors import BadRequest, UnsupportedUpload, UploadTooLarge
from telemed.storage import BlobStore

# Files that may accompany a WFDB header: signal data and beat annotations.
COMPANION_EXTENSIONS = {".dat", ".mat", ".atr", ".qrs", ".ecg", ".xyz"}
ACCEPTED_TEXT = _l("an ECG cart export (SCP-ECG, DICOM ECG, HL7 aECG, GE MUSE or Philips XML, MFER, ISHNE), "
                   "a WFDB record (.hea with its .dat files), an EDF file, a CSV file or a .zip holding one of these")
MAX_FILES = 64
#: Entries a zip may list in its central directory (files, folders, metadata), counted before extraction.
MAX_ZIP_ENTRIES = 256
#: Largest ratio of unpacked to packed size for an entry bigger than `RATIO_FLOOR_BYTES`.
#: ECG data compress 2-10:1 with deflate; zip bombs reach 1000:1 and more.
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR_BYTES = 1 << 20
#: Errors the zip machinery and its decompressors raise on damaged archives.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, struct.error,
               UnicodeDecodeError, ValueError, KeyError, IndexError)
_DAMAGED_ZIP = _l("%(name)s is damaged: a file inside it cannot be read. Please make the zip again (or upload the "
                  "files themselves).")
_EXOTIC_ZIP = _l("%(name)s is password-protected or uses a compression we cannot open. "
                 "Please make an ordinary zip (or upload the files themselves).")


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
        raise BadRequest(_("The file name %(name)s cannot be used; please rename the file and upload it again.",
                           name=repr(raw)), code="bad_file_name")
    return name


def stage_files(uploads, folder: Path, *, limit_bytes: int) -> list[StagedFile]:
    """Write each uploaded (name, stream) into the staging folder, hashing as it goes."""
    try:
        return _stage_files(uploads, folder, limit_bytes=limit_bytes)
    finally:
        # Close what was handed in (spooled request files), whether or not it was read.
        if isinstance(uploads, (list, tuple)):
            for _name, stream in uploads:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()


def _stage_files(uploads, folder: Path, *, limit_bytes: int) -> list[StagedFile]:
    staged: dict[str, StagedFile] = {}
    total = 0
    for raw_name, stream in uploads:
        name = clean_name(raw_name)
        if name.lower() in {n.lower() for n in staged}:
            raise BadRequest(_("The file %(name)s was attached twice; please attach each file once.", name=name))
        target = folder / name
        try:
            sha256, size = BlobStore.write_stream(stream, target, limit_bytes=limit_bytes - total)
        except OverflowError:
            raise UploadTooLarge(_("The upload is larger than the %(limit)s MB allowed.", limit=limit_bytes // 2**20)) from None
        total += size
        if size == 0:
            raise BadRequest(_("The file %(name)s is empty (0 bytes). Please check the file and upload it again.", name=name))
        staged[name] = StagedFile(name, target, sha256, size)
    if not staged:
        raise BadRequest(_("No ECG file was attached. Please attach %(accepted)s.", accepted=ACCEPTED_TEXT),
                         code="no_file")
    if len(staged) > MAX_FILES:
        raise BadRequest(_("Too many files (%(count)s); an ECG record has at most %(limit)s.", count=len(staged),
                           limit=MAX_FILES))
    return list(staged.values())


def _unsafe_member_name(name: str) -> bool:
    """Absolute paths, drive letters and '..' components: an archive trying to write outside its folder."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":") or "\x00" in name


def unpack_zip(archive: StagedFile, folder: Path, *, limit_bytes: int) -> list[StagedFile]:
    """Extract a zip's files (flattened) into the staging folder, guarding against zip bombs.

    Everything is checked from the central directory before the first byte is extracted:
    the number of entries, their names, their declared sizes and compression ratios.
    """
    try:
        zf = zipfile.ZipFile(archive.path)
    except zipfile.BadZipFile:
        raise BadRequest(_("%(name)s is not a readable zip archive; it may be damaged or incomplete.",
                           name=archive.name)) from None
    except _ZIP_ERRORS:
        raise BadRequest(str(_DAMAGED_ZIP) % {"name": archive.name}) from None
    with zf:
        entries = zf.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise BadRequest(_("%(name)s lists %(count)s entries; an ECG record has at most %(limit)s files. "
                               "Please zip only the ECG files.", name=archive.name, count=len(entries),
                               limit=MAX_FILES))
        unsafe = [m.filename for m in entries if _unsafe_member_name(m.filename)]
        if unsafe:
            raise BadRequest(_("%(name)s contains a file with an unsafe path (%(path)s). Please make the zip "
                               "again from the ECG files only.", name=archive.name, path=repr(unsafe[0][:80])))
        members = [m for m in entries if not m.is_dir() and not m.filename.startswith("__MACOSX/")
                   and not PurePosixPath(m.filename).name.startswith(".")]
        if len(members) > MAX_FILES:
            raise BadRequest(_("Too many files (%(count)s); an ECG record has at most %(limit)s.", count=len(members),
                               limit=MAX_FILES))
        if sum(m.file_size for m in members) > limit_bytes:
            raise UploadTooLarge(_("%(name)s unpacks to more than the %(limit)s MB allowed.", name=archive.name,
                                    limit=limit_bytes // 2**20))
        for m in members:
            if m.file_size > RATIO_FLOOR_BYTES and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
                raise BadRequest(_("%(name)s is not an ordinary zip: %(member)s would unpack %(ratio)s times "
                                   "larger than it is stored.", name=archive.name,
                                   member=PurePosixPath(m.filename).name,
                                   ratio=m.file_size // max(m.compress_size, 1)))
        if any(m.flag_bits & 0x1 for m in members):
            raise BadRequest(str(_EXOTIC_ZIP) % {"name": archive.name})

        def streams():
            for member in members:
                with zf.open(member) as stream:
                    yield member.filename, stream

        # The open archive stays readable once unlinked; a member may then reuse its name.
        archive.path.unlink(missing_ok=True)
        try:
            staged = stage_files(streams(), folder, limit_bytes=limit_bytes)
        except (RuntimeError, NotImplementedError):  # zipfile's words for encrypted / exotic compression
            raise BadRequest(str(_EXOTIC_ZIP) % {"name": archive.name}) from None
        except _ZIP_ERRORS:
            raise BadRequest(str(_DAMAGED_ZIP) % {"name": archive.name}) from None
    return staged


def _is_companion(f: StagedFile, header_stems: set[str]) -> bool:
    """A WFDB signal or annotation file that belongs to one of the uploaded headers."""
    return Path(f.name).suffix.lower() in COMPANION_EXTENSIONS and Path(f.name).stem in header_stems


def _sniff(files: list[StagedFile]) -> dict[str, str]:
    """File name -> ECG family, recognised by content, for the files that are recordings."""
    headers = [f for f in files if f.name.lower().endswith(".hea")]
    stems = {Path(h.name).stem for h in headers}
    found = {h.name: "wfdb" for h in headers}
    for f in files:
        if f.name in found or _is_companion(f, stems):
            continue
        family = ecgsignal.sniff_format(f.path)
        if family not in (None, "zip", "wfdb"):
            found[f.name] = family
    return found


def _not_an_ecg_message(files: list[StagedFile]) -> str:
    if len(files) == 1:
        try:
            ecgsignal.read_header(files[0].path)
        except ecgsignal.RecordError as exc:
            return _("This file cannot be read: %(detail)s", detail=record_error_text(exc))
    names = ", ".join(f.name for f in files)
    return _("None of the files (%(names)s) is an ECG recording we can read. Please upload %(accepted)s.",
             names=names, accepted=ACCEPTED_TEXT)


def validate(files: list[StagedFile], *, fs_hz: float | None, from_zip: bool) -> ValidatedUpload:
    """Find the record among the staged files (by content) and check it is a complete, readable ECG."""
    families = _sniff(files)
    candidates = [f for f in files if f.name in families]
    if not candidates:
        raise UnsupportedUpload(_not_an_ecg_message(files))
    headers = [f for f in candidates if families[f.name] == "wfdb"]
    if len(candidates) > 1 and not (headers and len(headers) == len(candidates)):
        raise BadRequest(_("Please upload one ECG recording per case: %(names)s look like several.",
                           names=", ".join(f.name for f in candidates)), code="several_recordings")
    main = _pick_master_header(headers) if headers else candidates[0]
    fmt = families[main.name]
    if fmt == "csv" and fs_hz is None:
        raise BadRequest(_("A CSV file does not say how fast it was sampled: please enter the sampling rate in Hz "
                           "(for example 500)."), code="sampling_rate_required")
    try:
        # Decodes every sample once (in bounded windows), so that what analysis would fail on is refused now.
        info = ecgsignal.verify_record(main.path, fs=fs_hz if fmt == "csv" else None)
    except ecgsignal.UnsupportedFormat as exc:
        raise UnsupportedUpload(_("This file cannot be read: %(detail)s", detail=record_error_text(exc))) from None
    except ecgsignal.RecordError as exc:
        raise BadRequest(_("This file cannot be read: %(detail)s", detail=record_error_text(exc)),
                         code="unreadable_recording") from None
    belongs = {main.name} | {Path(n).name for n in info.file_names}
    stems = {Path(n).stem for n in belongs if n.lower().endswith(".hea")}
    kept = []
    for f in files:
        if f.name in belongs or (fmt == "wfdb" and _is_companion(f, stems)):
            kept.append(f)
        elif not from_zip:
            raise UnsupportedUpload(_("%(name)s is not part of the ECG record %(main)s. Please upload only the ECG "
                                      "files.", name=f.name, main=main.name))
    return ValidatedUpload(files=kept, main_file=main.name, format=fmt, info=info)


def _pick_master_header(headers: list[StagedFile]) -> StagedFile:
    """A multi-segment WFDB record has one master header naming the segment headers."""
    if len(headers) == 1:
        return headers[0]
    referenced = set()
    for h in headers:
        try:
            # file_names lists the header itself first: only the files it refers to count
            referenced |= {Path(n).stem for n in ecgsignal.read_header(h.path).file_names if n != h.name}
        except ecgsignal.RecordError:
            continue
    masters = [h for h in headers if Path(h.name).stem not in referenced]
    if len(masters) != 1:
        raise BadRequest(_("Please upload one ECG recording per case: %(names)s look like several.",
                           names=", ".join(h.name for h in headers)), code="several_recordings")
    return masters[0]

"""Reading ECG files: WFDB (.hea + .dat/.mat, multi-segment), EDF/EDF+/BDF, CSV, and the
formats ECG carts export: SCP-ECG, HL7 aECG, DICOM ECG waveform, GE MUSE XML,
Philips Sierra XML (including XLI compression), MFER and ISHNE Holter.

This is the only module of ecgsignal that touches files. Every reader returns a
`Record` in float32 millivolts; every problem with the input is raised as a
`RecordError` whose ``.message`` is written for the doctor who uploaded the
file (what is wrong, which file, what to do), never a raw library error.

Files are recognised by their content, not their extension (`sniff_format`):
WFDB and CSV, which have no signature, are the exceptions (a ``.hea`` header;
comma/semicolon/tab-separated text). The cart formats are parsed by ecgdatakit
(pydicom for DICOM) and converted by `ecgsignal.formats.to_record`; what the
device said (manufacturer, model, acquisition time, its measurements and
statements) is kept in ``Record.device``, and what a strict reader would have
refused but was read anyway in ``Record.tolerated``.

`read_header` checks a record without loading its samples where the format
allows (WFDB, EDF, CSV); the cart formats are small and are parsed whole. The
web app calls it on every upload before acknowledging it. `read_record` reads the
samples, optionally only a window ``[start_sample, stop_sample)``, in bounded
chunks so that a 24-hour Holter recording needs no large temporary copies.

Bounded work: every reader checks the sampling rate, number of leads, samples
per lead and decoded size against limits (module defaults below, overridable
by keyword) before it allocates the samples.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import re
import struct
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import formats as _formats
from .types import N_, Record, RecordInfo

__all__ = ["RecordError", "UnsupportedFormat", "render_message", "MSGID_PARAMS", "read_record", "read_header", "sniff_format",
           "verify_record", "ACCEPTED_FORMATS", "MIN_FS_HZ", "MAX_FS_HZ", "MAX_LEADS", "MAX_SAMPLES", "MAX_DECODED_BYTES",
           "MAX_FILE_BYTES"]

ACCEPTED_FORMATS = N_(
    "WFDB (a .hea header with its .dat or .mat signal files), "
    "EDF or EDF+ (.edf), BDF (.bdf), "
    "SCP-ECG, HL7 aECG, DICOM ECG, GE MUSE XML, Philips Sierra/PageWriter XML, MFER, ISHNE Holter, "
    "or CSV (.csv: one column per lead, lead names in the first row, values in millivolts)"
)

# ---------------------------------------------------------------------------
# Limits (bounded work for every input; issue 10). Override per call by keyword.
# ---------------------------------------------------------------------------

#: Highest sampling rate accepted (Hz). Diagnostic carts export 250-1000 Hz
#: (the AHA/ACCF/HRS 2007 recommendations ask for >= 500 Hz, Kligfield P et al.,
#: Circulation 2007;115:1306-24, doi:10.1161/CIRCULATIONAHA.106.180200) and
#: high-resolution ECG uses 1-2 kHz; 10 kHz leaves a wide margin while refusing
#: rates (e.g. an EDF declaring 3.6 GHz) whose samples could not fit in memory.
MAX_FS_HZ = 10_000.0
#: Lowest sampling rate read (Hz). Beat detection band-passes the QRS at 5-25 Hz
#: (Pan J, Tompkins WJ. IEEE Trans Biomed Eng. 1985;32(3):230-6,
#: doi:10.1109/TBME.1985.325532), which needs a Nyquist frequency well above 25 Hz;
#: analysis fails at 50 Hz and works from 55 Hz. Between this and
#: `fitness.MIN_FS_HZ` (100 Hz) a record is read but judged unfit.
MIN_FS_HZ = 60.0
#: Most leads kept: 12 standard + 3 extra (15-lead) + posterior/right leads (18)
#: and vectorcardiographic X, Y, Z fit many times over.
MAX_LEADS = 64
#: Most samples per lead: 48 h at 500 Hz (a 48-hour Holter), 86.4 million.
MAX_SAMPLES = 86_400_000
#: Most decoded bytes (float32 samples x leads): 1 GiB, e.g. 24 h x 12 leads at 250 Hz.
MAX_DECODED_BYTES = 1 << 30
#: Largest file a cart format (SCP, XML, DICOM, MFER, ISHNE) may be. These are
#: parsed whole in memory; a 10-s 12-lead is 30 kB-1 MB and a 24-h 3-lead ISHNE
#: Holter at 200 Hz about 100 MB.
MAX_FILE_BYTES = 128 * 2**20


@dataclass(frozen=True)
class _Limits:
    min_fs_hz: float = MIN_FS_HZ
    max_fs_hz: float = MAX_FS_HZ
    max_leads: int = MAX_LEADS
    max_samples: int = MAX_SAMPLES
    max_decoded_bytes: int = MAX_DECODED_BYTES
    max_file_bytes: int = MAX_FILE_BYTES


def _limits(max_fs_hz=None, max_leads=None, max_samples=None, max_decoded_bytes=None,
            max_file_bytes=None) -> _Limits:
    # Read the module attributes at call time, so that a deployment can lower them.
    import sys
    mod = sys.modules[__name__]
    return _Limits(
        min_fs_hz=float(mod.MIN_FS_HZ),
        max_fs_hz=float(mod.MAX_FS_HZ if max_fs_hz is None else max_fs_hz),
        max_leads=int(mod.MAX_LEADS if max_leads is None else max_leads),
        max_samples=int(mod.MAX_SAMPLES if max_samples is None else max_samples),
        max_decoded_bytes=int(mod.MAX_DECODED_BYTES if max_decoded_bytes is None else max_decoded_bytes),
        max_file_bytes=int(mod.MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes))


def _check_fs(fs, name: str, lim: _Limits) -> float:
    try:
        fs = float(fs)
    except (TypeError, ValueError, OverflowError):
        raise RecordError(N_("The sampling rate of %(name)s ('%(value)s') is not a number."),
                          name=name, value=str(fs)) from None
    if not math.isfinite(fs) or fs <= 0:
        raise RecordError(N_("%(name)s gives an impossible sampling rate (%(fs_hz)s Hz); the file may be "
                             "damaged. Please export the recording again."), name=name, fs_hz=str(fs))
    if fs < lim.min_fs_hz:
        raise RecordError(N_("%(name)s is sampled at %(fs_hz)s Hz, too slowly for an ECG (at least "
                             "%(min_fs_hz)s Hz is needed; carts record 250 to 1000 Hz). Please set the "
                             "cart to 500 Hz and record again."),
                          name=name, fs_hz=f"{fs:.6g}", min_fs_hz=f"{lim.min_fs_hz:g}")
    if fs > lim.max_fs_hz:
        raise RecordError(N_("%(name)s declares a sampling rate of %(fs_hz)s Hz, more than the "
                             "%(max_fs_hz)s Hz we accept (ECG carts record 250 to 1000 Hz). The file "
                             "may be damaged; please export the recording again."),
                          name=name, fs_hz=f"{fs:.6g}", max_fs_hz=f"{lim.max_fs_hz:g}")
    return fs


def _check_size(name: str, n_samples: int, n_leads: int, fs: float, lim: _Limits):
    """Refuse a record whose declared size exceeds the limits, before allocating it."""
    if n_leads > lim.max_leads:
        raise RecordError(N_("%(name)s has %(n_leads)s channels; we accept at most %(max_leads)s leads. "
                             "Please export only the ECG leads."),
                          name=name, n_leads=int(n_leads), max_leads=lim.max_leads)
    if n_samples > lim.max_samples:
        raise RecordError(N_("%(name)s declares %(n_samples)s samples per lead (%(hours)s h), more than "
                             "the %(max_samples)s (%(max_hours)s h at 500 Hz) we accept."),
                          name=name, n_samples=int(n_samples), hours=f"{n_samples / fs / 3600:.1f}",
                          max_samples=lim.max_samples, max_hours=f"{lim.max_samples / 500 / 3600:.0f}")
    if n_samples * n_leads * 4 > lim.max_decoded_bytes:
        raise RecordError(N_("%(name)s is too large to analyse: %(n_leads)s leads x %(n_samples)s samples "
                             "need %(gib)s GiB, more than the %(max_gib)s GiB allowed. Please upload a "
                             "shorter recording or fewer leads."),
                          name=name, n_leads=int(n_leads), n_samples=int(n_samples),
                          gib=f"{n_samples * n_leads * 4 / 2**30:.1f}", max_gib=f"{lim.max_decoded_bytes / 2**30:.1f}")


def _check_info(info: RecordInfo, name: str, lim: _Limits) -> RecordInfo:
    _check_fs(info.fs, name, lim)
    _check_size(name, int(info.n_samples), len(info.lead_names), float(info.fs), lim)
    return info


#: CSV lines handed to numpy's parser at a time.
_CSV_BLOCK_ROWS = 65536

#: Samples read per wfdb call, to keep temporaries small for long recordings.
_CHUNK_SAMPLES = 1 << 20

_VOLT_SCALE_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3, "nv": 1e-6}

#: Families whose files ecgdatakit parses.
_DEVICE = frozenset(_formats.DEVICE_FAMILIES.values())


class RecordError(ValueError):
    """The uploaded file(s) cannot be read as an ECG record.

    ``.message`` explains the problem in plain English words for the uploading doctor.
    ``.template`` is the same sentence as a gettext msgid with ``%(name)s`` placeholders
    (marked with `N_` where it is raised, so pybabel extracts it) and ``.params`` their
    values: file names, numbers, lead names, format names. An application translates
    ``gettext(template) % params``; the params named in `MSGID_PARAMS` are themselves
    msgids (a description, the accepted formats, the export advice) to translate first.
    """

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params
        self.message = render_message(template, params)
        super().__init__(self.message)


#: Params of a `RecordError` whose values are msgids, not data: translated before substituting.
MSGID_PARAMS = frozenset({"what", "advice", "accepted", "problem"})


def render_message(template: str, params: dict, translate=None) -> str:
    """A `RecordError` sentence from its msgid and params, through ``translate`` (e.g. gettext).

    Without ``translate`` it is the English ``.message``. The params in `MSGID_PARAMS` are
    translated too and may use the other params (``problem`` names the leads at fault).

    Examples
    --------
    >>> render_message("The file %(name)s is empty (0 bytes). Please upload it again.", {"name": "a.dat"})
    'The file a.dat is empty (0 bytes). Please upload it again.'
    """
    tr = translate or (lambda text: text)
    if not params:
        return str(tr(template))
    values = {k: (str(tr(v)) % params if k in MSGID_PARAMS and isinstance(v, str) else v) for k, v in params.items()}
    return str(tr(template)) % values


class UnsupportedFormat(RecordError):
    """The file is not one of the ECG formats ecgsignal reads."""


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------

def sniff_format(path) -> str | None:
    """The family of an ECG file, recognised by content; None when it is not one we read.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str or None
        ``"wfdb"``, ``"edf"``, ``"csv"``, ``"zip"``, ``"scp"``, ``"aecg"``, ``"dicom"``,
        ``"muse"``, ``"sierra"``, ``"mfer"`` or ``"ishne"`` (keys of
        `ecgsignal.formats.FAMILIES`). WFDB signal files (``.dat``/``.mat``) sniff as
        ``"wfdb"`` only with their ``.hea`` beside them.

    Examples
    --------
    >>> sniff_format("tests/fixtures/mitdb_100_60s.edf")  # doctest: +SKIP
    'edf'
    """
    try:
        return _classify(path)[0]
    except RecordError as exc:
        if isinstance(exc, UnsupportedFormat):
            return None
        p = Path(path)
        return "wfdb" if p.suffix.lower() == ".hea" else None
    except OSError:
        return None


def read_header(path, *, fs=None, max_fs_hz=None, max_leads=None, max_samples=None,
                max_decoded_bytes=None, max_file_bytes=None) -> RecordInfo:
    """Validate a record and describe it without loading all of its samples.

    Parameters
    ----------
    path : str or path-like
        Any file `read_record` reads; recognised by content.
    fs : float, optional
        Sampling rate in Hz. Required for CSV (unless it has a time column);
        for WFDB it is used only when the header gives no rate. Ignored otherwise.
    max_fs_hz, max_leads, max_samples, max_decoded_bytes, max_file_bytes : optional
        Override the module limits `MAX_FS_HZ` (Hz), `MAX_LEADS`, `MAX_SAMPLES`
        (per lead), `MAX_DECODED_BYTES` (float32 samples x leads) and
        `MAX_FILE_BYTES` (cart formats, parsed whole).

    Returns
    -------
    RecordInfo

    Raises
    ------
    UnsupportedFormat
        Not a file type ecgsignal reads; the message says what it looks like
        and what to export instead.
    RecordError
        Missing, empty, truncated, malformed or oversized files; the message says which.

    Examples
    --------
    >>> info = read_header("tests/fixtures/mitdb_100_60s.hea")  # doctest: +SKIP
    >>> info.fs, info.lead_names, info.duration_s                # doctest: +SKIP
    (360.0, ('MLII', 'V5'), 60.0)
    """
    lim = _limits(max_fs_hz, max_leads, max_samples, max_decoded_bytes, max_file_bytes)
    kind, p = _classify(path)
    try:
        if kind == "wfdb":
            return _check_info(_wfdb_info(p, fs)[0], p.name, lim)
        if kind == "edf":
            return _check_info(_edf_info(p, lim)[0], p.name, lim)
        if kind in _DEVICE:
            rec, fmt_name = _device_read(p, kind, lim)
            n = rec.n_samples
            return RecordInfo(fs=rec.fs, lead_names=rec.lead_names, n_samples=n, duration_s=n / rec.fs,
                              start_time=rec.start_time, format_name=fmt_name, file_names=(p.name,))
        return _check_info(_csv_read(p, fs, header_only=True, lim=lim), p.name, lim)
    except RecordError:
        raise
    except MemoryError:
        raise RecordError(N_("The file %(name)s is too large to check."), name=p.name) from None
    except Exception as exc:  # anything a malformed file provokes in a library
        raise RecordError(N_("The file %(name)s could not be read as an ECG recording (%(error)s). "
                             "Please check that it is complete and upload it again."),
                          name=p.name, error=_short(exc)) from exc


def read_record(path, *, fs=None, start_sample=0, stop_sample=None, max_fs_hz=None, max_leads=None,
                max_samples=None, max_decoded_bytes=None, max_file_bytes=None) -> Record:
    """Read an ECG record (or a window of it) in millivolts.

    Parameters
    ----------
    path : str or path-like
        ``.hea`` (WFDB, any format wfdb reads, including multi-segment records
        and ``.mat``+``.hea``), EDF/EDF+/BDF, CSV, SCP-ECG, HL7 aECG, DICOM ECG
        waveform, GE MUSE XML, Philips Sierra XML, MFER or ISHNE; recognised
        by content.
    fs : float, optional
        Sampling rate in Hz; required for CSV without a time column, else
        only used where the file does not state it.
    start_sample : int, optional
        First sample to read (0-based).
    stop_sample : int, optional
        One past the last sample to read; None reads to the end. Values past
        the end are clipped to the end.
    max_fs_hz, max_leads, max_samples, max_decoded_bytes, max_file_bytes : optional
        Override the module limits (see `read_header`).

    Returns
    -------
    Record
        ``signal_mv`` float32 (n_samples, n_leads), NaN where samples are
        missing; `start_time` is the time of `start_sample` when known;
        `device` holds what a cart file says about itself, `tolerated` what was
        read despite a technicality.

    Raises
    ------
    UnsupportedFormat, RecordError
        See `read_header`. A whole-record read also fails when a lead holds no
        valid sample at all.

    Notes
    -----
    The header is validated first (`read_header`), so a header declaring more
    samples than its files hold is reported, never read past or allocated.
    WFDB data are read in chunks of about one million samples per lead.
    Non-voltage channels (e.g. blood pressure in mmHg, EDF annotations) are
    dropped; microvolt and volt channels are converted to millivolts.
    Cart formats are parsed whole by ecgdatakit ([3]_) and then windowed; a
    checksum (CRC) that does not match is an error, since it means the file
    was damaged on its way.

    References
    ----------
    .. [1] Goldberger AL, et al. PhysioBank, PhysioToolkit, and PhysioNet.
       Circulation. 2000;101(23):e215-20. doi:10.1161/01.CIR.101.23.e215
       (WFDB format specification).
    .. [2] Kemp B, Olivan J. European data format 'plus' (EDF+), an EDF alike
       standard format for the exchange of physiological data. Clin
       Neurophysiol. 2003;114(9):1755-61. doi:10.1016/S1388-2457(03)00123-8
    .. [3] ecgdatakit (Apache-2.0), https://pypi.org/project/ecgdatakit/ ;
       SCP-ECG: EN 1064:2005 / ISO 11073-91064; HL7 aECG: ANSI/HL7 V3 ECG
       R1-2004; DICOM PS3.3 C.10.9 (waveform); MFER: ISO 22077-1; ISHNE:
       Badilini F. The ISHNE Holter standard output file format. Ann
       Noninvasive Electrocardiol. 1998;3(3):263-6.

    Examples
    --------
    >>> rec = read_record("tests/fixtures/mitdb_100_60s.hea", stop_sample=3600)  # doctest: +SKIP
    >>> rec.signal_mv.shape                                                    # doctest: +SKIP
    (3600, 2)
    """
    lim = _limits(max_fs_hz, max_leads, max_samples, max_decoded_bytes, max_file_bytes)
    kind, p = _classify(path)
    try:
        start, stop = int(start_sample), (None if stop_sample is None else int(stop_sample))
    except (TypeError, ValueError, OverflowError):
        raise RecordError(N_("The requested window must be given as whole sample numbers.")) from None
    try:
        if kind == "wfdb":
            info, hdr = _wfdb_info(p, fs)
            _check_info(info, p.name, lim)
            start, stop = _window(info, start, stop)
            rec = _wfdb_read(p, info, hdr, start, stop)
        elif kind == "edf":
            info, meta = _edf_info(p, lim)
            _check_info(info, p.name, lim)
            start, stop = _window(info, start, stop)
            rec = _edf_read(p, info, meta, start, stop)
        elif kind in _DEVICE:
            rec, fmt_name = _device_read(p, kind, lim)
            info = RecordInfo(fs=rec.fs, lead_names=rec.lead_names, n_samples=rec.n_samples,
                              duration_s=rec.duration_s, start_time=rec.start_time,
                              format_name=fmt_name, file_names=(p.name,))
            start, stop = _window(info, start, stop)
            if (start, stop) != (0, rec.n_samples):
                t0 = rec.start_time + dt.timedelta(seconds=start / rec.fs) if rec.start_time else None
                rec = replace(rec, signal_mv=np.ascontiguousarray(rec.signal_mv[start:stop]), start_time=t0)
        else:
            rec = _csv_read(p, fs, header_only=False, start=start, stop=stop, lim=lim)
    except RecordError:
        raise
    except MemoryError:
        raise RecordError(N_("The recording %(name)s is too large to load at once; please read it in windows."),
                          name=p.name) from None
    except Exception as exc:
        raise RecordError(N_("The file %(name)s could not be read as an ECG recording (%(error)s). "
                             "Please check that it is complete and upload it again."),
                          name=p.name, error=_short(exc)) from exc
    if int(start_sample) == 0 and stop_sample is None:
        _check_leads_have_data(rec, p.name)
    return rec


def verify_record(path, *, fs=None, window_samples=1 << 20, **limits) -> RecordInfo:
    """Read a whole record once, in bounded windows, to reject what analysis would fail on.

    Parameters
    ----------
    path : str or path-like
        As for `read_record`.
    fs : float, optional
        As for `read_record`.
    window_samples : int, optional
        Samples per window for WFDB and EDF (CSV and cart formats are read whole:
        they are bounded by `MAX_FILE_BYTES` and the upload size).
    **limits
        ``max_fs_hz``, ``max_leads``, ``max_samples``, ``max_decoded_bytes``,
        ``max_file_bytes`` as for `read_header`.

    Returns
    -------
    RecordInfo
        As `read_header` returns it, after every sample was decoded.

    Raises
    ------
    UnsupportedFormat, RecordError
        Everything `read_header` raises, plus damaged sample data anywhere in
        the record and leads without a single valid sample.
    """
    info = read_header(path, fs=fs, **limits)
    kind, p = _classify(path)
    if kind not in ("wfdb", "edf"):
        read_record(path, fs=fs, **limits)
        return info
    n = int(info.n_samples)
    any_valid = np.zeros(len(info.lead_names), dtype=bool)
    names = info.lead_names
    for a in range(0, n, int(window_samples)):
        rec = read_record(path, fs=fs, start_sample=a, stop_sample=min(n, a + int(window_samples)), **limits)
        names = rec.lead_names
        if any_valid.size != rec.signal_mv.shape[1]:
            any_valid = np.zeros(rec.signal_mv.shape[1], dtype=bool)
        if not any_valid.all():
            any_valid |= np.isfinite(rec.signal_mv).any(axis=0)
    if not any_valid.all():
        bad = [names[j] for j in np.flatnonzero(~any_valid)]
        raise _no_valid_samples(p.name, bad)
    return info


# ---------------------------------------------------------------------------
# helpers shared by the readers
# ---------------------------------------------------------------------------

def _short(exc) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


# (".ecg" is not listed: it is also the ISHNE Holter extension; content decides.)
_ANNOTATION_EXTS = (".atr", ".qrs", ".ann", ".i", ".ii", ".q1c", ".pu")


def _classify(path):
    """Return (family, Path) or raise UnsupportedFormat/RecordError. Recognises content."""
    if path is None or str(path) == "":
        raise RecordError(N_("No file was given."))
    p = Path(path)
    ext = p.suffix.lower()
    name = p.name
    if ext in (".dat", ".mat") and p.with_suffix(".hea").exists():
        return "wfdb", p.with_suffix(".hea")
    if ext in _ANNOTATION_EXTS:
        raise UnsupportedFormat(N_("%(name)s looks like an annotation file, not an ECG recording. "
                                   "We accept %(accepted)s."), name=name, accepted=ACCEPTED_FORMATS)
    try:
        if not p.exists():
            raise RecordError(N_("The file %(name)s was not found (it may not have been uploaded)."), name=p.name)
        if p.is_dir():
            raise RecordError(N_("%(name)s is a folder, not a file."), name=p.name)
        if p.stat().st_size == 0:
            raise RecordError(N_("The file %(name)s is empty (0 bytes). Please upload it again."), name=p.name)
        with open(p, "rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise RecordError(N_("The file %(name)s could not be opened (%(error)s)."),
                          name=p.name, error=exc.strerror or type(exc).__name__) from None
    family, what = _formats.sniff(head, name)
    if family is None:
        raise UnsupportedFormat(N_("%(name)s is %(what)s, not an ECG recording we can read. "
                                   "%(advice)s. We accept %(accepted)s."),
                                name=name, what=what, advice=_formats.EXPORT_ADVICE, accepted=ACCEPTED_FORMATS)
    if family == "zip":
        raise UnsupportedFormat(N_("%(name)s is a zip archive: please upload the ECG files it holds "
                                   "(or the zip through the upload form, which unpacks it). "
                                   "We accept %(accepted)s."), name=name, accepted=ACCEPTED_FORMATS)
    if family == "wfdb" and ext in (".dat", ".mat"):
        raise RecordError(N_("The signal file %(name)s needs its header file %(header)s, which was not "
                             "uploaded. Please upload both files together."),
                          name=name, header=p.with_suffix('.hea').name)
    if family in ("xml", "binary") or family in _DEVICE:
        found = _detect_device(p)
        if found is None and family in _DEVICE:
            found = family
        if found is None:
            if family == "xml":
                raise UnsupportedFormat(N_("%(name)s is an XML file, but not one of the ECG XML formats we read "
                                           "(HL7 aECG, GE MUSE, Philips Sierra/PageWriter). "
                                           "%(advice)s. We accept %(accepted)s."),
                                        name=name, advice=_formats.EXPORT_ADVICE, accepted=ACCEPTED_FORMATS)
            if ext:
                raise UnsupportedFormat(N_("%(name)s: its content is not an ECG format we can read ('%(ext)s' "
                                           "files of this kind are not). We accept %(accepted)s."),
                                        name=name, ext=ext, accepted=ACCEPTED_FORMATS)
            raise UnsupportedFormat(N_("%(name)s: its content is not an ECG format we can read (files without "
                                       "an extension of this kind are not). We accept %(accepted)s."),
                                    name=name, accepted=ACCEPTED_FORMATS)
        family = found
    return family, p


def _detect_device(p: Path):
    """The cart family ecgdatakit recognises in `p`, or None (parsers outside our list are refused)."""
    try:
        from ecgdatakit.parsing import FileParser
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = FileParser.detect_format(p)
    except Exception:
        return None
    if not found:
        return None
    return _formats.DEVICE_FAMILIES.get(found.get("parser"))


# ---------------------------------------------------------------------------
# Cart formats (ecgdatakit; pydicom for DICOM)
# ---------------------------------------------------------------------------

def _device_precheck(p: Path, family: str, lim: _Limits, notes: list) -> str:
    """Check what a cart file declares before it is decoded; return the format name.

    Notes on what is tolerated (e.g. a missing optional section) are appended to `notes`."""
    size = p.stat().st_size
    if size > lim.max_file_bytes:
        raise RecordError(N_("%(name)s is %(mb)s MB, more than the %(max_mb)s MB we accept for a %(format)s file."),
                          name=p.name, mb=f"{size / 2**20:.0f}", max_mb=f"{lim.max_file_bytes / 2**20:.0f}",
                          format=_formats.FAMILIES[family])
    name = _formats.FAMILIES[family]
    if family == "dicom":
        return _dicom_precheck(p, lim)
    if family == "ishne":
        with open(p, "rb") as f:
            head = f.read(522)
        if len(head) < 522:
            raise RecordError(N_("%(name)s ends inside its ISHNE header: it was cut off. Please upload it again."),
                              name=p.name)
        ecg_size, = struct.unpack_from("<i", head, 14)
        nleads, = struct.unpack_from("<h", head, 156)
        sr, = struct.unpack_from("<h", head, 272)
        _check_fs(sr, p.name, lim)
        if not 0 < nleads <= 12:
            raise RecordError(N_("The ISHNE header of %(name)s declares %(n_leads)s leads (1 to 12 are possible); "
                                 "the file is damaged."), name=p.name, n_leads=int(nleads))
        _check_size(p.name, max(0, ecg_size), nleads, float(sr), lim)
        ecg_offset, = struct.unpack_from("<i", head, 22)
        need = max(522, ecg_offset) + max(0, ecg_size) * nleads * 2
        if ecg_size <= 0 or size < need:
            held = max(0, size - max(522, ecg_offset)) // (2 * nleads)
            raise RecordError(N_("The file %(name)s is shorter than its ISHNE header says: it holds %(held_s)s s "
                                 "of the %(declared_s)s s declared. It may have been cut off during copying; "
                                 "please upload it again."),
                              name=p.name, held_s=f"{held / sr:.1f}", declared_s=f"{max(0, ecg_size) / sr:.1f}")
    if family == "scp":
        notes.extend(_scp_precheck(p, lim))
    if family == "sierra":
        _sierra_precheck(p, lim)
    return name


_SIERRA_ATTR = re.compile(rb'\b(samplespersecond|durationperchannel|numberofleads)\s*=\s*"([^"]{0,40})"')


def _sierra_precheck(p: Path, lim: _Limits):
    """Check what ``<parsedwaveforms>`` declares before XLI (LZW) decompression, which can expand
    several hundred times."""
    data = p.read_bytes()
    at = data.find(b"<parsedwaveforms")
    if at < 0:
        return
    attrs = {k.decode(): v.decode("ascii", "replace") for k, v in _SIERRA_ATTR.findall(data[at:at + 4096])}
    try:
        fs = float(attrs.get("samplespersecond", "500"))
        dur_ms = float(attrs.get("durationperchannel", "0"))
        leads = int(attrs.get("numberofleads", "12"))
    except ValueError:
        raise RecordError(N_("The Philips XML %(name)s has a damaged waveform description."), name=p.name) from None
    fs = _check_fs(fs, p.name, lim)
    if not math.isfinite(dur_ms) or dur_ms < 0:
        raise RecordError(N_("The Philips XML %(name)s declares an impossible duration (%(duration_ms)s ms)."),
                          name=p.name, duration_ms=str(dur_ms))
    _check_size(p.name, int(dur_ms * fs / 1000), leads, fs, lim)


def _dicom_precheck(p: Path, lim: _Limits) -> str:
    import pydicom
    try:
        ds = pydicom.dcmread(p, defer_size=1024, force=False)
        sop = str(ds.get("SOPClassUID", "") or ds.file_meta.get("MediaStorageSOPClassUID", ""))
        groups = list(ds.get("WaveformSequence", []) or [])
    except Exception as exc:
        raise RecordError(N_("%(name)s is a DICOM file that could not be read (%(error)s). "
                             "It may be damaged; please export it again."), name=p.name, error=_short(exc)) from exc
    if sop not in _formats.DICOM_ECG_SOP_CLASSES:
        if "PixelData" in ds:
            raise UnsupportedFormat(N_("%(name)s is a DICOM file but an image (SOP class %(sop)s). Please export "
                                       "the ECG as a DICOM 12-lead or general ECG waveform. We accept %(accepted)s."),
                                    name=p.name, sop=sop or "?", accepted=ACCEPTED_FORMATS)
        raise UnsupportedFormat(N_("%(name)s is a DICOM file but not an ECG waveform (SOP class %(sop)s). Please "
                                   "export the ECG as a DICOM 12-lead or general ECG waveform. We accept %(accepted)s."),
                                name=p.name, sop=sop or "?", accepted=ACCEPTED_FORMATS)
    if not groups:
        raise RecordError(N_("The DICOM ECG %(name)s holds no waveform."), name=p.name)
    for g in groups:
        try:
            fs = g.get("SamplingFrequency")
            n = int(g.get("NumberOfWaveformSamples") or 0)
            ch = int(g.get("NumberOfWaveformChannels") or 0)
        except (TypeError, ValueError, OverflowError):
            raise RecordError(N_("The DICOM ECG %(name)s has a damaged waveform description."), name=p.name) from None
        _check_fs(fs, p.name, lim)
        _check_size(p.name, n, ch, float(fs), lim)
    return _formats.DICOM_ECG_SOP_CLASSES[sop]


def _scp_precheck(p: Path, lim: _Limits) -> list:
    """Sum the sample ranges Section 3 declares (EN 1064 §5.6) before the Huffman decoder runs;
    return notes on missing sections that are read without."""
    data = p.read_bytes()
    if len(data) < 22:
        raise RecordError(N_("%(name)s is too short to be an SCP-ECG file."), name=p.name)
    sec0_len, = struct.unpack_from("<I", data, 10)
    n_ptr = max(0, (sec0_len - 16) // 10)
    present = {}
    for k in range(min(n_ptr, 64)):
        at = 6 + 16 + 10 * k
        if at + 10 > len(data):
            break
        sid, length, index = struct.unpack_from("<HII", data, at)
        present[sid] = length
    notes = []
    if not present.get(1):
        notes.append("Section 1 of this SCP-ECG file (patient and device data) is missing; the recording "
                     "was read without it, so the device and recording time are unknown.")
    for k in range(min(n_ptr, 64)):
        at = 6 + 16 + 10 * k
        if at + 10 > len(data):
            break
        sid, length, index = struct.unpack_from("<HII", data, at)
        if sid != 3 or length == 0:
            continue
        body = index - 1 + 16
        if body + 2 > len(data):
            break
        n_leads = data[body]
        longest = 0
        for j in range(n_leads):
            o = body + 2 + 9 * j
            if o + 9 > len(data):
                break
            first, last = struct.unpack_from("<II", data, o)
            longest = max(longest, last - first + 1)
        _check_size(p.name, longest, n_leads, 500.0, lim)
        break
    return notes


def _device_read(p: Path, family: str, lim: _Limits):
    """Parse a cart file with ecgdatakit; return (Record, format name)."""
    pre_notes: list = []
    fmt_name = _device_precheck(p, family, lim, pre_notes)
    from ecgdatakit.exceptions import ChecksumWarning
    from ecgdatakit.parsing import FileParser
    def checksum_failed(caught):
        if any(issubclass(w.category, ChecksumWarning) for w in caught):
            raise RecordError(N_("%(name)s (%(format)s) failed its checksum test: the file was damaged on its way. "
                                 "Please export it from the cart again and upload the new file."),
                              name=p.name, format=fmt_name)

    notes = list(pre_notes)
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parsed = FileParser.parse(p, auto_scale=True, units="mV")
    except ImportError as exc:  # pragma: no cover - pydicom is a dependency
        raise RecordError(N_("Reading %(format)s files needs a library that is not installed (%(library)s)."),
                          format=fmt_name, library=str(exc.name)) from exc
    except Exception as exc:
        checksum_failed(caught)
        fixed = _formats.scp_off_by_one(p.read_bytes(), str(exc)) if family == "scp" else None
        if fixed is None:
            raise RecordError(N_("%(name)s looks like %(format)s but could not be decoded (%(error)s). It may be "
                                 "damaged or cut off; please export it from the cart again."),
                              name=p.name, format=fmt_name, error=_short(exc)) from exc
        try:
            parsed, caught = _parse_bytes_as(fixed[0], ".scp", FileParser)
        except Exception:
            raise RecordError(N_("%(name)s looks like %(format)s but could not be decoded (%(error)s). It may be "
                                 "damaged or cut off; please export it from the cart again."),
                              name=p.name, format=fmt_name, error=_short(exc)) from exc
        notes.append(fixed[1])
    checksum_failed(caught)
    for w in caught:
        text = str(w.message).strip()
        if "raw ADC" in text or "not in a voltage unit" in text:
            continue  # handled by to_record
        notes.append(_tolerated_note(text))
    try:
        rec = _formats.to_record(parsed, fmt_name, notes=notes)
    except ValueError as exc:  # to_record gives (msgid, params)
        problem, details = exc.args if len(exc.args) == 2 and isinstance(exc.args[1], dict) else (str(exc), {})
        raise RecordError(N_("%(name)s (%(format)s) cannot be used: %(problem)s."),
                          **details, name=p.name, format=fmt_name, problem=problem) from None
    _check_fs(rec.fs, p.name, lim)
    _check_size(p.name, rec.n_samples, len(rec.lead_names), rec.fs, lim)
    return rec, fmt_name


def _parse_bytes_as(data: bytes, suffix: str, parser):
    """Parse corrected bytes through a private temporary file (ecgdatakit reads paths)."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="ecgsignal-") as d:
        tmp = Path(d) / ("fixed" + suffix)
        tmp.write_bytes(data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parsed = parser.parse(tmp, auto_scale=True, units="mV")
    return parsed, caught


def _tolerated_note(text: str) -> str:
    text = re.sub(r"\s+", " ", text)[:300]
    return text if text.endswith(".") else text + "."


def _window(info: RecordInfo, start, stop):
    n = info.n_samples
    if start < 0:
        raise RecordError(N_("The requested window starts before the beginning of the recording."))
    if stop is None or stop > n:
        stop = n
    if start >= n or stop <= start:
        raise RecordError(N_("The requested window (samples %(start)s to %(stop)s) lies outside the recording, "
                             "which has %(n_samples)s samples (%(duration_s)s s)."),
                          start=int(start), stop=int(stop), n_samples=int(n), duration_s=f"{n / info.fs:.1f}")
    return start, stop


def _check_leads_have_data(rec: Record, name: str):
    x = rec.signal_mv
    if x.shape[0] == 0:
        raise RecordError(N_("The recording %(name)s contains no samples."), name=name)
    # Usually the first seconds hold a valid sample in every lead: look there first
    # (a reduction along axis 0 of the whole record costs ~8 ms per 30 min).
    any_valid = np.isfinite(x[:4096]).any(axis=0)
    if any_valid.all():
        return
    # Chunked so a long recording does not need a full boolean copy.
    for i in range(0, x.shape[0], _CHUNK_SAMPLES):
        any_valid |= np.isfinite(x[i:i + _CHUNK_SAMPLES]).any(axis=0)
        if any_valid.all():
            return
    bad = [rec.lead_names[j] for j in np.flatnonzero(~any_valid)]
    raise _no_valid_samples(name, bad)


def _no_valid_samples(name: str, bad: list) -> RecordError:
    if len(bad) == 1:
        return RecordError(N_("In %(name)s, lead %(leads)s contains no valid samples (the signal is missing "
                              "throughout). The electrode may have been disconnected; please check the recording."),
                           name=name, leads=str(bad[0]))
    return RecordError(N_("In %(name)s, leads %(leads)s contain no valid samples (the signal is missing "
                          "throughout). The electrode may have been disconnected; please check the recording."),
                       name=name, leads=", ".join(str(b) for b in bad))


def _unit_scale(unit: str):
    """Factor to millivolts for a voltage unit, None for non-voltage units."""
    u = (unit or "").strip().lower().replace(" ", "")
    if u in _VOLT_SCALE_TO_MV:
        return _VOLT_SCALE_TO_MV[u]
    if u in ("", "nu", "adu", "?"):
        return 1.0  # unknown / dimensionless: WFDB's default unit is mV
    return None


# ---------------------------------------------------------------------------
# WFDB
# ---------------------------------------------------------------------------

def _wfdb():
    import wfdb  # imported lazily: it pulls in pandas/matplotlib machinery
    return wfdb


def _rdheader(hea: Path):
    text = hea.read_bytes()
    if b"\x00" in text[:4096]:
        raise RecordError(N_("The header file %(name)s is not a text file; it may be damaged or not a WFDB header."),
                          name=hea.name)
    try:
        body = text.decode("ascii")
    except UnicodeDecodeError:
        body = text.decode("latin-1")
    lines = [ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise RecordError(N_("The header file %(name)s has no record line; it may be damaged."), name=hea.name)
    first = lines[0].split()
    if len(first) < 2 or not first[1].split("/")[0].isdigit():
        raise RecordError(N_("The header file %(name)s could not be understood: its first line should start "
                             "with the record name and the number of leads (it reads '%(line)s')."),
                          name=hea.name, line=lines[0][:60])
    wfdb = _wfdb()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return wfdb.rdheader(str(hea.with_suffix("")))
    except Exception as exc:
        raise RecordError(N_("The header file %(name)s could not be understood (%(error)s). "
                             "It may be damaged or not a WFDB header."), name=hea.name, error=_short(exc)) from exc


def _check_file_name(hea: Path, fname: str) -> Path:
    if not fname or "/" in fname or "\\" in fname or fname in (".", ".."):
        raise RecordError(N_("The header file %(name)s refers to '%(file)s', which is not a plain file name in "
                             "the same folder."), name=hea.name, file=str(fname))
    return hea.parent / fname


def _start_time(date, time):
    if date is not None and time is not None:
        return dt.datetime.combine(date, time)
    return None


def _single_segment_check(hea: Path, h, fs_default, declared_len=None):
    """Validate one single-segment header against its files; return (n_samples, files, fmts)."""
    n_sig = int(h.n_sig or 0)
    if n_sig <= 0:
        raise RecordError(N_("The header file %(name)s declares no leads."), name=hea.name)
    fmts = [str(f) for f in h.fmt]
    wfdb_fmts = {"8", "16", "24", "32", "61", "80", "160", "212", "310", "311", "508", "516", "524"}
    for f in fmts:
        if f not in wfdb_fmts:
            raise RecordError(N_("The header file %(name)s uses storage format '%(storage)s', which is not a WFDB "
                                 "signal format."), name=hea.name, storage=f)
    bps = {"8": 1, "16": 2, "24": 3, "32": 4, "61": 2, "80": 1, "160": 2, "212": 1.5,
           "310": 4 / 3, "311": 4 / 3}
    fs = float(h.fs) if h.fs else float(fs_default)
    spf = [int(s or 1) for s in (h.samps_per_frame or [1] * n_sig)]
    files, seen = [], {}
    for j, fname in enumerate(h.file_name):
        seen.setdefault(fname, []).append(j)
    sig_len = h.sig_len if declared_len is None else declared_len
    n_from_files = []
    for fname, idx in seen.items():
        fp = _check_file_name(hea, fname)
        files.append(fname)
        if not fp.exists():
            raise RecordError(N_("The header file %(name)s refers to %(file)s, which was not uploaded. "
                                 "Please upload it together with the header."), name=hea.name, file=str(fname))
        size = fp.stat().st_size
        if size == 0:
            raise RecordError(N_("The file %(name)s is empty (0 bytes). Please upload it again."), name=str(fname))
        fmt = fmts[idx[0]]
        if fmt in ("508", "516", "524"):
            continue  # FLAC-compressed: size cannot be predicted
        offset = int((h.byte_offset or [0] * n_sig)[idx[0]] or 0)
        bytes_per_frame = sum(spf[j] for j in idx) * bps[fmt]
        avail = max(size - offset, 0)
        frames_held = int(avail // bytes_per_frame)
        n_from_files.append(frames_held)
        if sig_len:
            need = math.ceil(int(sig_len) * bytes_per_frame)
            # 212/310/311 pack 2-3 samples together: allow the last group to be incomplete.
            slack = 3 if fmt in ("212", "310", "311") else 0
            if avail + slack < need:
                held_s, decl_s = frames_held / fs, int(sig_len) / fs
                raise RecordError(
                    N_("The file %(name)s is shorter than its header says: it holds %(held_s)s s of the "
                       "%(declared_s)s s declared. It may have been cut off during copying; please upload it again."),
                    name=str(fname), held_s=f"{held_s:.1f}", declared_s=f"{decl_s:.1f}")
    if not sig_len:
        if not n_from_files:
            raise RecordError(N_("The header file %(name)s does not say how long the recording is."), name=hea.name)
        sig_len = min(n_from_files)
    if int(sig_len) <= 0:
        raise RecordError(N_("The recording %(name)s contains no samples."), name=hea.stem)
    return int(sig_len), files, fmts


def _fs_declared(hea: Path) -> bool:
    """Whether the record line of a WFDB header states the sampling frequency."""
    for ln in hea.read_bytes().decode("latin-1").splitlines():
        if ln.strip() and not ln.lstrip().startswith("#"):
            return len(ln.split()) >= 3
    return False


def _wfdb_info(hea: Path, fs_arg):
    h = _rdheader(hea)
    if _fs_declared(hea) or not fs_arg:
        fs = float(h.fs) if h.fs else 250.0  # WFDB's default when the header omits it
    else:
        try:
            fs = float(fs_arg)
        except (TypeError, ValueError):
            raise RecordError(N_("The sampling rate '%(value)s' is not a number."), value=str(fs_arg)) from None
    if not math.isfinite(fs) or fs <= 0 or fs > 100_000:
        raise RecordError(N_("The header file %(name)s gives an impossible sampling rate (%(fs_hz)s Hz)."),
                          name=hea.name, fs_hz=str(h.fs))
    if getattr(h, "seg_name", None):  # multi-segment record
        files = [hea.name]
        total = 0
        lead_names = None
        for sname, slen in zip(h.seg_name, h.seg_len):
            if sname == "~":
                total += int(slen)
                continue
            shea = _check_file_name(hea, sname + ".hea")
            if not shea.exists():
                raise RecordError(N_("The header file %(name)s refers to segment %(file)s, which was not uploaded. "
                                     "Please upload every segment."), name=hea.name, file=f"{sname}.hea")
            files.append(shea.name)
            sh = _rdheader(shea)
            if int(slen) == 0:  # layout segment: defines the leads
                lead_names = tuple(sh.sig_name)
                continue
            n, sfiles, _ = _single_segment_check(shea, sh, fs, declared_len=int(slen))
            files.extend(f for f in sfiles if f not in files)
            total += int(slen)
            if lead_names is None:
                lead_names = tuple(sh.sig_name)
        if total <= 0 or lead_names is None:
            raise RecordError(N_("The multi-segment record %(name)s contains no samples."), name=hea.stem)
        info = RecordInfo(fs=fs, lead_names=tuple(str(x) for x in lead_names), n_samples=total,
                          duration_s=total / fs, start_time=_start_time(h.base_date, h.base_time),
                          format_name="WFDB (multi-segment)", file_names=tuple(files))
        return info, h
    n, files, fmts = _single_segment_check(hea, h, fs)
    names = tuple(str(x) for x in (h.sig_name or [f"lead{j + 1}" for j in range(h.n_sig)]))
    fmt_txt = "/".join(sorted(set(fmts), key=fmts.index))
    info = RecordInfo(fs=fs, lead_names=names, n_samples=n, duration_s=n / fs,
                      start_time=_start_time(h.base_date, h.base_time),
                      format_name=f"WFDB (format {fmt_txt})", file_names=(hea.name, *files))
    return info, h


def _digital_read_ok(h) -> bool:
    """Whether a record can be read as digital samples and converted here (one segment, one sample per frame)."""
    if getattr(h, "seg_name", None):
        return False
    spf = getattr(h, "samps_per_frame", None) or []
    try:
        from wfdb.io._signal import _digi_nan  # noqa: F401  (the invalid-sample codes of each format)
    except ImportError:
        return False
    return all(int(s or 1) == 1 for s in spf)


def _physical_f32(r):
    """Digital samples of a wfdb record to float32 physical units, as wfdb's ``dac(return_res=32)``.

    The same operations (float32 cast, minus baseline, divided by the gain; NaN for
    each format's invalid-sample code) without wfdb's intermediate copies: reading a
    30-min 2-lead record takes ~4 ms less.
    """
    from wfdb.io._signal import _digi_nan
    d = r.d_signal
    out = np.empty(d.shape, np.float32)
    # column by column: numpy is slow on (n, 2) arrays with a per-column operand
    for j, (base, gain, bad) in enumerate(zip(r.baseline, r.adc_gain, _digi_nan(r.fmt))):
        col = out[:, j]
        col[:] = d[:, j]
        np.subtract(col, base, out=col, casting="unsafe")
        np.divide(col, np.float64(gain), out=col, casting="unsafe")
        invalid = d[:, j] == bad
        if invalid.any():
            col[invalid] = np.nan
    return out


def _wfdb_read(hea: Path, info: RecordInfo, h, start, stop) -> Record:
    wfdb = _wfdb()
    base = str(hea.with_suffix(""))
    units = list(getattr(h, "units", None) or [])
    if getattr(h, "seg_name", None):
        units = []  # segment units are applied by wfdb; assume mV unless stated
    out = None
    keep, scale = None, None
    digital = _digital_read_ok(h)
    for a in range(start, stop, _CHUNK_SAMPLES):
        b = min(stop, a + _CHUNK_SAMPLES)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = wfdb.rdrecord(base, sampfrom=a, sampto=b, physical=not digital, return_res=32,
                              smooth_frames=True)
        sig = _physical_f32(r) if digital else r.p_signal
        if out is None:
            names = list(r.sig_name)
            units = list(r.units or units or ["mV"] * len(names))
            scales = [_unit_scale(u) for u in units]
            keep = [j for j, s in enumerate(scales) if s is not None]
            if not keep:
                raise RecordError(N_("The record %(name)s contains no ECG (voltage) channels; its channels are "
                                     "measured in %(units)s."), name=hea.stem, units=", ".join(sorted(set(units))))
            scale = np.asarray([scales[j] for j in keep], dtype=np.float32)
            lead_names = tuple(str(names[j]) for j in keep)
            out = np.empty((stop - start, len(keep)), dtype=np.float32)
        chunk = sig[:, keep] if len(keep) != sig.shape[1] else sig
        if np.any(scale != 1):
            chunk = chunk * scale
        n = min(chunk.shape[0], b - a)
        out[a - start:a - start + n] = chunk[:n]
        if n < b - a:
            out[a - start + n:b - start] = np.nan
    t0 = info.start_time + dt.timedelta(seconds=start / info.fs) if info.start_time else None
    return Record(signal_mv=out, fs=float(info.fs), lead_names=lead_names, start_time=t0)


# ---------------------------------------------------------------------------
# EDF / EDF+ / BDF
# ---------------------------------------------------------------------------

def _edf_info(p: Path, lim: _Limits | None = None):
    lim = lim or _limits()
    size = p.stat().st_size
    with open(p, "rb") as f:
        head = f.read(256)
        if len(head) < 256:
            raise RecordError(N_("The file %(name)s is too short to be an EDF file (%(size)s bytes); it may have "
                                 "been cut off. Please upload it again."), name=p.name, size=int(size))
        version = head[:8]
        bdf = version == b"\xffBIOSEMI"
        if not bdf and version.strip() not in (b"0", b""):
            raise RecordError(N_("The file %(name)s is not a valid EDF file (its first bytes are not an EDF "
                                 "version number)."), name=p.name)

        def field(a, b, what):
            raw = head[a:b].decode("ascii", "replace").strip()
            return raw

        try:
            ns = int(field(252, 256, "number of signals"))
            header_bytes = int(field(184, 192, "header size"))
            n_rec = int(field(236, 244, "number of data records"))
            rec_dur = float(field(244, 252, "data record duration"))
        except ValueError:
            raise RecordError(N_("The EDF header of %(name)s is damaged: the number of signals, data records or "
                                 "their duration cannot be read."), name=p.name) from None
        if not 0 < ns <= 4096:
            raise RecordError(N_("The EDF header of %(name)s declares %(n_signals)s signals, which is impossible."),
                              name=p.name, n_signals=int(ns))
        if header_bytes != 256 * (ns + 1):
            raise RecordError(N_("The EDF header of %(name)s is inconsistent: it declares %(n_signals)s signals but "
                                 "a header of %(header_bytes)s bytes (expected %(expected_bytes)s)."),
                              name=p.name, n_signals=int(ns), header_bytes=int(header_bytes),
                              expected_bytes=256 * (int(ns) + 1))
        sh = f.read(256 * ns)
        if len(sh) < 256 * ns:
            raise RecordError(N_("The file %(name)s ends inside its EDF header; it was cut off. Please upload it "
                                 "again."), name=p.name)
    reserved = head[192:236].decode("ascii", "replace").strip()

    def cols(width, offset):
        return [sh[offset + i * width: offset + (i + 1) * width].decode("latin-1").strip()
                for i in range(ns)]

    o = 0
    labels = cols(16, o); o += 16 * ns
    o += 80 * ns  # transducer
    dims = cols(8, o); o += 8 * ns
    try:
        pmin = np.array([float(v) for v in cols(8, o)]); o += 8 * ns
        pmax = np.array([float(v) for v in cols(8, o)]); o += 8 * ns
        dmin = np.array([float(v) for v in cols(8, o)]); o += 8 * ns
        dmax = np.array([float(v) for v in cols(8, o)]); o += 8 * ns
        o += 80 * ns  # prefiltering
        nspr = np.array([int(v) for v in cols(8, o)])
    except ValueError:
        raise RecordError(N_("The EDF header of %(name)s is damaged: a signal's range or sample count is not a "
                             "number."), name=p.name) from None
    if np.any(nspr < 0):
        raise RecordError(N_("The EDF header of %(name)s declares a negative number of samples."), name=p.name)
    bytes_per = 3 if bdf else 2
    rec_bytes = int(nspr.sum()) * bytes_per
    if rec_bytes <= 0:
        raise RecordError(N_("The EDF file %(name)s declares no samples."), name=p.name)
    avail = size - header_bytes
    if n_rec == -1:
        n_rec = avail // rec_bytes
    if n_rec <= 0:
        raise RecordError(N_("The EDF file %(name)s contains no data records."), name=p.name)
    is_annot = np.array([lab.startswith("EDF Annotations") or lab.startswith("BDF Annotations")
                         for lab in labels])
    scales = [_unit_scale(d) for d in dims]
    cand = [j for j in range(ns) if not is_annot[j] and nspr[j] > 0]
    volt = [j for j in cand if scales[j] is not None and dims[j].strip() != ""]
    cand = volt or [j for j in cand if scales[j] is not None]
    if not cand:
        raise RecordError(N_("The EDF file %(name)s contains no ECG (voltage) signals."), name=p.name)
    top = max(nspr[j] for j in cand)
    keep = [j for j in cand if nspr[j] == top]
    if rec_dur <= 0 or not math.isfinite(rec_dur):
        raise RecordError(N_("The EDF header of %(name)s gives a data-record duration of %(duration_s)s s, which "
                             "is impossible."), name=p.name, duration_s=str(rec_dur))
    fs = _check_fs(float(top) / rec_dur, p.name, lim)
    if n_rec * rec_bytes > avail:
        held = avail // rec_bytes
        raise RecordError(N_("The file %(name)s is shorter than its header says: it holds %(held_s)s s of the "
                             "%(declared_s)s s declared. It may have been cut off during copying; please upload it again."),
                          name=p.name, held_s=f"{held * rec_dur:.1f}", declared_s=f"{n_rec * rec_dur:.1f}")
    _check_size(p.name, int(n_rec) * int(top), len(keep), fs, lim)
    for j in keep:
        if not all(math.isfinite(v) for v in (dmin[j], dmax[j], pmin[j], pmax[j])):
            raise RecordError(N_("The EDF header of %(name)s gives signal '%(lead)s' a value range that is not a "
                                 "finite number; the file is damaged."), name=p.name, lead=labels[j])
        if dmax[j] == dmin[j] or pmax[j] == pmin[j]:
            raise RecordError(N_("The EDF header of %(name)s gives signal '%(lead)s' an empty value range, so its "
                                 "samples cannot be converted to millivolts."), name=p.name, lead=labels[j])
    # Writers pad the last data record with out-of-range values (e.g. -32768):
    # trim that trailing padding so the record ends at its last real sample.
    offsets = np.concatenate([[0], np.cumsum(nspr)])
    with open(p, "rb") as f:
        f.seek(header_bytes + (n_rec - 1) * rec_bytes)
        last = _edf_decode(f.read(rec_bytes), bytes_per, 1)[0]
    valid_tail = 0
    for j in keep:
        d = last[offsets[j]:offsets[j] + top]
        ok = np.flatnonzero((d >= dmin[j]) & (d <= dmax[j]))
        valid_tail = max(valid_tail, int(ok[-1]) + 1 if ok.size else 0)
    n_samples = int((n_rec - 1) * top + valid_tail)
    if n_samples <= 0:
        raise RecordError(N_("The EDF file %(name)s contains no valid samples."), name=p.name)
    start_time = _edf_start(head, reserved)
    fmt_name = "BDF" if bdf else ("EDF+" if reserved.startswith("EDF+") else "EDF")
    info = RecordInfo(fs=fs, lead_names=tuple(labels[j] or f"lead{j + 1}" for j in keep),
                      n_samples=n_samples, duration_s=n_samples / fs, start_time=start_time,
                      format_name=fmt_name, file_names=(p.name,))
    meta = dict(header_bytes=header_bytes, nspr=nspr, keep=keep, bytes_per=bytes_per,
                rec_bytes=rec_bytes, n_rec=n_rec, top=int(top), pmin=pmin, pmax=pmax,
                dmin=dmin, dmax=dmax, scales=scales)
    return info, meta


def _edf_start(head: bytes, reserved: str):
    d = head[168:176].decode("ascii", "replace").strip()
    t = head[176:184].decode("ascii", "replace").strip()
    m1 = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d)", d)
    m2 = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d)", t)
    if not (m1 and m2) or (d, t) == ("01.01.85", "00.00.00"):
        return None  # 01.01.85 00.00.00 is the conventional 'not recorded' value
    dd, mm, yy = (int(x) for x in m1.groups())
    year = 1900 + yy if yy >= 85 else 2000 + yy  # EDF spec: years 85-99 are 19xx
    try:
        return dt.datetime(year, mm, dd, *(int(x) for x in m2.groups()))
    except ValueError:
        return None


def _edf_decode(buf: bytes, bytes_per: int, n_records: int) -> np.ndarray:
    """Little-endian 16-bit (EDF) or 24-bit (BDF) samples as (n_records, samples_per_record)."""
    raw = np.frombuffer(buf, dtype=np.uint8)
    if bytes_per == 2:
        return raw.view("<i2").reshape(n_records, -1)
    r3 = raw.reshape(-1, 3).astype(np.int32)
    v = r3[:, 0] | (r3[:, 1] << 8) | (r3[:, 2] << 16)
    v = np.where(v >= 1 << 23, v - (1 << 24), v)
    return v.reshape(n_records, -1)


def _edf_read(p: Path, info: RecordInfo, m, start, stop) -> Record:
    top, rec_bytes, bpr = m["top"], m["rec_bytes"], m["bytes_per"]
    r0, r1 = start // top, -(-stop // top)
    n_keep = len(m["keep"])
    out = np.empty((stop - start, n_keep), dtype=np.float32)
    offsets = np.concatenate([[0], np.cumsum(m["nspr"])])
    recs_per_chunk = max(1, _CHUNK_SAMPLES // top)
    with open(p, "rb") as f:
        for a in range(r0, r1, recs_per_chunk):
            b = min(r1, a + recs_per_chunk)
            f.seek(m["header_bytes"] + a * rec_bytes)
            data = _edf_decode(f.read((b - a) * rec_bytes), bpr, b - a)
            s_lo = a * top
            for k, j in enumerate(m["keep"]):
                d = data[:, offsets[j]:offsets[j] + top].reshape(-1).astype(np.float32)
                gain = (m["pmax"][j] - m["pmin"][j]) / (m["dmax"][j] - m["dmin"][j])
                phys = (d - np.float32(m["dmin"][j])) * np.float32(gain) + np.float32(m["pmin"][j])
                phys *= np.float32(m["scales"][j])
                # Digital values outside [dmin, dmax] mark missing samples (EDF+ spec).
                phys[(d < m["dmin"][j]) | (d > m["dmax"][j])] = np.nan
                lo, hi = max(start, s_lo), min(stop, s_lo + d.size)
                out[lo - start:hi - start, k] = phys[lo - s_lo:hi - s_lo]
    t0 = info.start_time + dt.timedelta(seconds=start / info.fs) if info.start_time else None
    return Record(signal_mv=out, fs=float(info.fs), lead_names=info.lead_names, start_time=t0)


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

_TIME_NAMES = {"time", "t", "seconds", "second", "sec", "s", "time_s", "time(s)", "time (s)",
               "time[s]", "timestamp_s", "elapsed time", "elapsed_time"}
_UNIT_RE = re.compile(r"\s*[\(\[]\s*(mv|uv|µv|μv|v)\s*[\)\]]\s*$", re.IGNORECASE)


def _num(tok: str):
    t = tok.strip()
    if t == "" or t.lower() in ("nan", "na", "null"):
        return float("nan")
    return float(t)


def _csv_read(p: Path, fs, *, header_only, start=0, stop=None, lim=None):
    """Read a CSV as a stream: the header line first, then numpy's chunked C parser.

    Memory is the float64 result plus the parser's chunk, never the whole text
    (a 32 MB CSV needs about its own size, not ten times it).
    """
    lim = lim or _limits()
    with open(p, "rb") as fb:
        probe = fb.read(4096)
    if b"\x00" in probe:
        raise RecordError(N_("The file %(name)s is not a text CSV file (it contains binary data)."), name=p.name)
    try:
        probe.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the probe is still UTF-8.
        encoding = "utf-8-sig" if exc.start >= len(probe) - 3 else "latin-1"
    with open(p, "r", encoding=encoding, errors="strict" if encoding == "latin-1" else "replace",
              newline="") as f:
        first = 0
        head = ""
        for first, line in enumerate(f):
            if line.strip():
                head = line.rstrip("\r\n")
                break
        else:
            raise RecordError(N_("The file %(name)s contains no data."), name=p.name)
        if not head.strip():
            raise RecordError(N_("The file %(name)s contains no data."), name=p.name)
    delim = max([",", ";", "\t"], key=head.count)
    if head.count(delim) == 0:
        delim = None if len(head.split()) > 1 else ","
    names = [c.strip().strip('"').strip("'") for c in (head.split(delim) if delim else head.split())]
    numeric_head = True
    for c in names:
        try:
            float(c)
        except ValueError:
            numeric_head = False
            break
    if numeric_head:
        raise RecordError(N_("The file %(name)s has no header row: its first line must name the leads, for "
                             "example 'I,II,V1'."), name=p.name)
    if any(c == "" for c in names):
        col = names.index("") + 1
        raise RecordError(N_("The header row of %(name)s has an empty name in column %(column)s; every column "
                             "must be named after its lead."), name=p.name, column=int(col))
    time_col = names[0].strip().lower() in _TIME_NAMES
    lead_cols = names[1:] if time_col else names
    if not lead_cols:
        raise RecordError(N_("The file %(name)s has a time column but no lead columns."), name=p.name)
    if len(lead_cols) > lim.max_leads:
        raise RecordError(N_("%(name)s has %(n_columns)s columns; we accept at most %(max_leads)s leads. "
                             "Please export only the ECG leads."),
                          name=p.name, n_columns=len(lead_cols), max_leads=lim.max_leads)
    scales, leads = [], []
    for c in lead_cols:
        m = _UNIT_RE.search(c)
        unit = m.group(1).lower() if m else "mv"
        scales.append(_VOLT_SCALE_TO_MV.get(unit, 1.0))
        leads.append(_UNIT_RE.sub("", c) if m else c)
    ncol = len(names)
    # Bound the rows parsed by the sample and decoded-size limits.
    max_rows = min(lim.max_samples, lim.max_decoded_bytes // (4 * len(lead_cols)))
    values = None
    with open(p, "r", encoding=encoding, errors="replace", newline="") as f:
        for _ in range(first + 1):
            f.readline()
        if delim is not None:
            # numpy's C parser on blocks of lines: memory is the result plus one block of text
            # (loadtxt's own max_rows would preallocate max_rows rows).
            blocks, total = [], 0
            try:
                while total <= max_rows:
                    lines = list(itertools.islice(f, _CSV_BLOCK_ROWS))
                    if not lines:
                        break
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        block = np.loadtxt(lines, delimiter=delim, dtype=np.float64, ndmin=2,
                                           comments=None, quotechar='"')
                    del lines
                    if block.shape[0] and block.shape[1] != ncol:
                        raise ValueError("ragged")
                    blocks.append(block)
                    total += block.shape[0]
                values = (np.concatenate(blocks, axis=0) if len(blocks) > 1 else
                          blocks[0] if blocks else np.empty((0, ncol)))
                del blocks
            except ValueError:
                values = None
    if values is None:
        with open(p, "r", encoding=encoding, errors="replace", newline="") as f:
            for _ in range(first + 1):
                f.readline()
            values = _csv_scan(p.name, f, delim, names, first + 2, max_rows + 1)
    if values.shape[0] == 0:
        raise RecordError(N_("The file %(name)s has a header row but no data rows."), name=p.name)
    if values.shape[0] > max_rows:
        raise RecordError(N_("%(name)s has more than %(max_rows)s rows, more than we accept (%(max_samples)s "
                             "samples per lead, %(max_gib)s GiB decoded). Please upload a shorter recording."),
                          name=p.name, max_rows=int(max_rows), max_samples=lim.max_samples,
                          max_gib=f"{lim.max_decoded_bytes / 2**30:.1f}")
    fs_val = fs
    if fs_val is None and time_col:
        dtimes = np.diff(values[:, 0])
        dtimes = dtimes[np.isfinite(dtimes)]
        if dtimes.size and np.median(dtimes) > 0:
            med = float(np.median(dtimes))
            if np.all(np.abs(dtimes - med) < 0.01 * med + 1e-9):
                fs_val = round(1.0 / med, 6)
    if fs_val is None:
        raise RecordError(N_("The sampling rate of %(name)s is not known: a CSV file does not state it, so "
                             "please give the sampling rate (samples per second, e.g. 500)."), name=p.name)
    try:
        fs_val = float(fs_val)
    except (TypeError, ValueError, OverflowError):
        raise RecordError(N_("The sampling rate '%(value)s' is not a number."), value=str(fs)) from None
    if not math.isfinite(fs_val) or fs_val <= 0:
        raise RecordError(N_("The sampling rate %(fs_hz)s Hz is impossible; please give the number of samples "
                             "per second (e.g. 250, 360, 500)."), fs_hz=str(fs_val))
    _check_fs(fs_val, p.name, lim)
    n = values.shape[0]
    info = RecordInfo(fs=fs_val, lead_names=tuple(leads), n_samples=n, duration_s=n / fs_val,
                      start_time=None, format_name="CSV", file_names=(p.name,))
    if header_only:
        return info
    start, stop = _window(info, start, stop)
    sig = values[start:stop, 1:] if time_col else values[start:stop]
    sig = np.asarray(sig, dtype=np.float32) * np.asarray(scales, dtype=np.float32)
    return Record(signal_mv=np.ascontiguousarray(sig, dtype=np.float32), fs=fs_val,
                  lead_names=tuple(leads), start_time=None)


def _csv_scan(name, lines, delim, names, first_row_no, max_rows):
    """Parse row by row from a stream; raise a RecordError naming the first bad row and column."""
    ncol = len(names)
    reader = csv.reader(lines, delimiter=delim) if delim else (ln.split() for ln in lines)
    blocks, block, k = [], np.empty((65536, ncol), dtype=np.float64), 0
    total = 0
    for i, row in enumerate(reader):
        row_no = first_row_no + i
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != ncol:
            raise RecordError(N_("Row %(row)s of %(name)s has %(n_values)s values but the header names "
                                 "%(n_columns)s columns; every row must have one value per column."),
                              row=int(row_no), name=name, n_values=len(row), n_columns=int(ncol))
        for j, tok in enumerate(row):
            try:
                block[k, j] = _num(tok)
            except ValueError:
                raise RecordError(N_("Row %(row)s of %(name)s has text where a number was expected: "
                                     "'%(text)s' in column %(column)s."),
                                  row=int(row_no), name=name, text=tok.strip()[:30], column=str(names[j])) from None
        k += 1
        total += 1
        if k == block.shape[0]:
            blocks.append(block)
            block, k = np.empty_like(block), 0
        if total >= max_rows:
            break
    blocks.append(block[:k])
    return np.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]

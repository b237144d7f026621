"""ECG file families: recognising them by content, and turning a device file into a `Record`.

Pure functions only: `sniff` looks at the first bytes of a file that `io.py`
has read, `to_record` converts what the parsing library (ecgdatakit [1]_)
returned. `io.py` is the module that opens files and calls the parsers.

Families read through ecgdatakit (``FileParser``), one parser each:

=========  ============================  ==============================================
family     format                        typical devices
=========  ============================  ==============================================
scp        SCP-ECG (EN 1064, ISO 11073-  Contec, Edan, Schiller, Mortara carts
           91064)
aecg       HL7 aECG (HL7 V3 annotated    Contec ECG-8000G/ECG-1200G, CCDD database,
           ECG, FDA XML)                 Mortara, research exports
dicom      DICOM Waveform (12-lead and   Mortara, GE, Philips, Schiller, hospital PACS
           general ECG SOP classes)
muse       GE MUSE XML (RestingECG)      GE MAC carts via MUSE
sierra     Philips Sierra / PageWriter   Philips PageWriter, TC, HeartStart
           XML (1.03 with XLI, 1.04)
mfer       MFER (ISO 22077)              Nihon Kohden, Fukuda Denshi, Japanese carts
ishne      ISHNE Holter (1.0)            Holter recorders and analysis software
=========  ============================  ==============================================

References
----------
.. [1] Fall A. ECGDataKit: multi-format ECG file parsing. Apache-2.0.
   https://pypi.org/project/ecgdatakit/
"""
from __future__ import annotations

import binascii
import datetime as dt
import re
import struct
from collections import Counter

import numpy as np

from .types import N_, DeviceInfo, DeviceMeasurements, Record

__all__ = ["FAMILIES", "DEVICE_FAMILIES", "sniff", "to_record", "EXPORT_ADVICE", "scp_off_by_one"]

#: Family key -> human-readable format name (the key is what uploads store, at most 10 chars).
FAMILIES = {
    "wfdb": "WFDB", "edf": "EDF/EDF+/BDF", "csv": "CSV", "zip": "zip archive",
    "scp": "SCP-ECG", "aecg": "HL7 aECG", "dicom": "DICOM ECG waveform", "muse": "GE MUSE XML",
    "sierra": "Philips Sierra XML", "mfer": "MFER", "ishne": "ISHNE Holter",
}

#: ecgdatakit parser class -> family. Only these parsers are used (others are refused).
DEVICE_FAMILIES = {
    "SCPECGParser": "scp", "HL7aECGParser": "aecg", "DICOMWaveformParser": "dicom",
    "GEMuseXMLParser": "muse", "SierraXMLParser": "sierra", "MFERParser": "mfer",
    "ISHNEHolterParser": "ishne",
}

#: What to export instead, for the doctor who uploaded something we cannot read.
EXPORT_ADVICE = N_("Please export the recording from the ECG cart as SCP-ECG (.scp), DICOM ECG (.dcm), "
                   "HL7 aECG or GE MUSE / Philips XML, MFER, ISHNE, EDF, WFDB or CSV, "
                   "not as a printout, picture or PDF")

#: DICOM SOP classes of ECG waveforms (DICOM PS3.4 Annex B.5): 12-lead, general, ambulatory.
DICOM_ECG_SOP_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.9.1.1": "DICOM 12-lead ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.2": "DICOM general ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.3": "DICOM ambulatory ECG",
}

_MAGIC_NOT_ECG = (
    (b"%PDF", N_("a PDF document (probably a printout of the ECG)")),
    (b"\x89PNG", N_("a PNG picture")),
    (b"\xff\xd8\xff", N_("a JPEG picture")),
    (b"GIF8", N_("a GIF picture")),
    (b"BM", None),  # BMP: checked with its size field below
    (b"II*\x00", N_("a TIFF picture")),
    (b"MM\x00*", N_("a TIFF picture")),
    (b"\xd0\xcf\x11\xe0", N_("a Microsoft Office document")),
    (b"PK\x03\x04", None),  # zip: its own family
    (b"\x1f\x8b", N_("a gzip-compressed file")),
    (b"7z\xbc\xaf", N_("a 7-Zip archive")),
    (b"Rar!", N_("a RAR archive")),
    (b"ANN  1.0", N_("an ISHNE annotation file (beat labels, not the ECG signal)")),
)


def sniff(head: bytes, name: str = "") -> tuple[str | None, str]:
    """Recognise a file family from its first bytes.

    Parameters
    ----------
    head : bytes
        The first 4096 bytes (or fewer) of the file.
    name : str, optional
        The file name; only ``.hea``/``.dat``/``.mat`` and ``.csv``/``.tsv``/``.txt``
        extensions are used, for the two families without a signature.

    Returns
    -------
    family : str or None
        A key of `FAMILIES`, ``"xml"``/``"binary"`` (needs the parsing library's
        detector), or None when the content is known not to be an ECG recording.
    what : str
        What the content looks like, in words, for error messages.

    Notes
    -----
    Signatures: EDF version field ``"0       "`` or ``"\\xffBIOSEMI"`` (Kemp 2003);
    DICOM ``"DICM"`` at byte 128 (PS3.10 §7.1); ISHNE ``"ISHNE1.0"``; zip local
    header ``"PK\\x03\\x04"`` or empty-archive ``"PK\\x05\\x06"``.
    """
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if head[128:132] == b"DICM":
        return "dicom", N_("a DICOM file")
    if head.startswith(b"ISHNE1.0"):
        return "ishne", N_("an ISHNE Holter file")
    if head[:8] in (b"0       ", b"\xffBIOSEMI"):
        return "edf", N_("an EDF/BDF file")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip", N_("a zip archive")
    for magic, what in _MAGIC_NOT_ECG:
        if head.startswith(magic):
            if magic == b"BM":
                if len(head) >= 6 and head[6:10] == b"\x00\x00\x00\x00":
                    return None, N_("a BMP picture")
                continue
            if what:
                return None, what
    if ext in ("hea",):
        return "wfdb", N_("a WFDB header")
    if ext in ("dat", "mat") and not head.lstrip().startswith(b"<"):
        return "wfdb", N_("a WFDB signal file")
    # Only text may be XML or JSON: a binary file can start with any byte after stripping.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head[:1024]:
        text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff\x00 \t\r\n")
        if text.startswith(b"<"):
            return "xml", N_("an XML file")
        if text.startswith((b"{", b"[")):
            return None, N_("a JSON file")
    if ext in ("csv", "tsv", "txt") or _looks_like_csv(head):
        return "csv", N_("a CSV text file")
    return "binary", N_("a file of an unknown kind")


def _looks_like_csv(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    lines = [ln for ln in text.splitlines()[:5] if ln.strip()]
    if len(lines) < 2:
        return False
    delim = max((",", ";", "\t"), key=lines[0].count)
    return lines[0].count(delim) >= 1 and all(ln.count(delim) == lines[0].count(delim) for ln in lines[1:-1])


# ---------------------------------------------------------------------------
# ecgdatakit ECGRecord -> Record
# ---------------------------------------------------------------------------

_LIMB = ("I", "II", "III", "aVR", "aVL", "aVF")
_ORDER = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


def _num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _text(v) -> str:
    return str(v or "").strip().replace("\x00", "")[:200]


def _statements(interp) -> tuple[str, ...]:
    out = []
    for st in getattr(interp, "statements", None) or []:
        if isinstance(st, (tuple, list)):
            main = _text(st[0]) if st else ""
            reason = _text(st[1]) if len(st) > 1 else ""
            line = f"{main} ({reason})" if main and reason else (main or reason)
        else:
            line = _text(st)
        if line:
            out.append(line[:300])
    return tuple(out[:100])


def device_info(rec, format_name: str) -> DeviceInfo:
    """The device metadata of an ecgdatakit ``ECGRecord``."""
    recording = getattr(rec, "recording", None)
    dev = getattr(recording, "device", None)
    m = getattr(rec, "measurements", None)
    qtc = _num(getattr(m, "qtc_bazett", None))
    if qtc is None:
        qtc = _num(getattr(m, "qtc_fridericia", None))
    meas = DeviceMeasurements(
        heart_rate_bpm=_num(getattr(m, "heart_rate", None)), pr_ms=_num(getattr(m, "pr_interval", None)),
        qrs_ms=_num(getattr(m, "qrs_duration", None)), qt_ms=_num(getattr(m, "qt_interval", None)),
        qtc_ms=qtc, p_axis_deg=_num(getattr(m, "p_axis", None)),
        qrs_axis_deg=_num(getattr(m, "qrs_axis", None)), t_axis_deg=_num(getattr(m, "t_axis", None)))
    when = getattr(recording, "date", None)
    patient = getattr(rec, "patient", None)
    age = _num(getattr(patient, "age", None))
    sex = _text(getattr(patient, "sex", "")).strip().upper()[:1]
    return DeviceInfo(patient_id=_text(getattr(patient, "patient_id", ""))[:100],
                      patient_age_years=int(age) if age is not None and 0 <= age <= 130 else None,
                      patient_sex=sex if sex in ("M", "F") else "",
                      format_name=format_name, manufacturer=_text(getattr(dev, "manufacturer", "")),
                      model=_text(getattr(dev, "model", "")),
                      software_version=_text(getattr(dev, "software_version", "")),
                      serial_number=_text(getattr(dev, "serial_number", "")),
                      acquisition_time=when if isinstance(when, dt.datetime) else None,
                      measurements=meas, statements=_statements(getattr(rec, "interpretation", None)))


def _canonical(label: str) -> str:
    """'Lead I', 'MDC_ECG_LEAD_AVR', 'avr' -> 'aVR'; other names unchanged."""
    s = re.sub(r"^(mdc_ecg_lead_|lead[\s_-]*)", "", label.strip(), flags=re.IGNORECASE)
    for name in _ORDER:
        if s.lower() == name.lower():
            return name
    return label.strip() or "lead"


def to_record(rec, format_name: str, *, notes=()) -> Record:
    """Convert an ecgdatakit ``ECGRecord`` (leads already scaled to mV) into a `Record`.

    Parameters
    ----------
    rec : ecgdatakit.models.ECGRecord
        Parsed with ``auto_scale=True, units="mV"``.
    format_name : str
        Format as recognised (goes into ``Record.device.format_name``).
    notes : sequence of str, optional
        What the reader tolerated (plain English), kept in ``Record.tolerated``.

    Returns
    -------
    Record
        float32 millivolts. Leads at the most common sampling rate are kept
        (others are listed in `tolerated`); shorter leads are padded with NaN.
        When a file stores only I, II and V1-V6 (GE MUSE), III, aVR, aVL and aVF
        are derived by Einthoven's and Goldberger's equations.

    Raises
    ------
    ValueError
        No lead, leads not in a voltage unit, or no valid sampling rate; the
        message is written for the uploading doctor.
    """
    leads = list(getattr(rec, "leads", None) or [])
    if not leads:
        raise ValueError(N_("it contains no ECG leads (only measurements or median beats)"), {})
    notes = list(notes)
    bad_units = [ld.label for ld in leads if getattr(ld, "is_raw", False) or
                 str(getattr(ld, "units", "")).lower() not in ("mv",)]
    if len(bad_units) == len(leads):
        raise ValueError(N_("it does not say how its numbers convert to millivolts (leads %(leads)s)"),
                         {"leads": ", ".join(map(str, bad_units[:12]))})
    leads = [ld for ld in leads if ld.label not in bad_units]
    if bad_units:
        notes.append(f"Channels {', '.join(map(str, bad_units))} were left out: they are not in a voltage unit.")
    rates = Counter(_num(getattr(ld, "sampling_rate", None)) for ld in leads)
    rates.pop(None, None)
    rates = Counter({r: c for r, c in rates.items() if r > 0})
    if not rates:
        raise ValueError(N_("it gives no valid sampling rate"), {})
    fs = max(rates, key=lambda r: (rates[r], r))
    other = [ld.label for ld in leads if _num(ld.sampling_rate) != fs]
    if other:
        notes.append(f"{_leads_phrase(other, verb='was' if len(other) == 1 else 'were')} left out: sampled at a "
                     f"different rate from the other leads ({fs:g} Hz).")
    leads = [ld for ld in leads if _num(ld.sampling_rate) == fs]
    names, seen = [], Counter()
    for ld in leads:
        nm = _canonical(str(ld.label))
        seen[nm] += 1
        names.append(nm if seen[nm] == 1 else f"{nm}#{seen[nm]}")
    n = max(len(ld.samples) for ld in leads)
    short = [names[j] for j, ld in enumerate(leads) if len(ld.samples) < n]
    if short:
        notes.append(f"{_leads_phrase(short)} shorter than the others; the missing end is left blank.")
    cols = {nm: np.asarray(ld.samples, dtype=np.float32) for nm, ld in zip(names, leads)}
    if "I" in cols and "II" in cols and not any(x in cols for x in ("III", "aVR", "aVL", "aVF")):
        i, ii = _padded(cols["I"], n), _padded(cols["II"], n)
        cols.update(III=ii - i, aVR=-(i + ii) / 2, aVL=i - ii / 2, aVF=ii - i / 2)
        notes.append("Leads III, aVR, aVL and aVF were computed from leads I and II "
                     "(the file stores only the independent leads).")
    order = [nm for nm in _ORDER if nm in cols] + [nm for nm in cols if nm not in _ORDER]
    sig = np.full((n, len(order)), np.nan, dtype=np.float32)
    for j, nm in enumerate(order):
        v = cols[nm]
        sig[:v.size, j] = v[:n]
    dev = device_info(rec, format_name)
    return Record(signal_mv=sig, fs=float(fs), lead_names=tuple(order), start_time=dev.acquisition_time,
                  device=dev, tolerated=tuple(dict.fromkeys(notes)))


def _leads_phrase(names, verb=None) -> str:
    names = [str(n) for n in names]
    if verb is None:
        verb = "is" if len(names) == 1 else "are"
    return f"Lead {names[0]} {verb}" if len(names) == 1 else f"Leads {', '.join(names)} {verb}"


def _padded(v, n):
    if v.size >= n:
        return v[:n]
    return np.concatenate([v, np.full(n - v.size, np.nan, dtype=np.float32)])


# ---------------------------------------------------------------------------
# SCP-ECG: a lead sample range one longer than the data (a known writer quirk)
# ---------------------------------------------------------------------------

_SCP_SHORT = re.compile(r"(?:ends after (\d+) of (\d+) samples|holds (\d+) samples, expected (\d+))")


def scp_off_by_one(data: bytes, error_text: str):
    """A corrected copy of an SCP-ECG file whose Section 3 declares one sample more per lead than
    Section 6 holds, or None when the error is anything else.

    Some writers store the last sample number of each lead one past the end (EN 1064
    §5.6.3: start and end are 1-based and inclusive). The file is otherwise intact (its CRCs
    were checked by the parser before it failed), so Section 3 is rewritten with the sample
    count the data hold and the section and file CRCs are recomputed.

    Returns
    -------
    (bytes, str) or None
        The corrected file and a plain-English note for ``Record.tolerated``.
    """
    m = _SCP_SHORT.search(error_text)
    if not m:
        return None
    held, declared = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(3)), int(m.group(4)))
    if declared != held + 1 or len(data) < 22:
        return None
    buf = bytearray(data)
    sec0_len, = struct.unpack_from("<I", buf, 10)
    for k in range(min(max(0, (sec0_len - 16) // 10), 64)):
        at = 22 + 10 * k
        if at + 10 > len(buf):
            return None
        sid, length, index = struct.unpack_from("<HII", buf, at)
        if sid != 3 or length < 18:
            continue
        start_sec = index - 1
        body = start_sec + 16
        if start_sec + length > len(buf):
            return None
        changed = 0
        for j in range(buf[body]):
            o = body + 2 + 9 * j
            if o + 9 > start_sec + length:
                return None
            first, last = struct.unpack_from("<II", buf, o)
            if last - first + 1 == declared:
                struct.pack_into("<I", buf, o + 4, last - 1)
                changed += 1
        if not changed:
            return None
        struct.pack_into("<H", buf, start_sec, binascii.crc_hqx(bytes(buf[start_sec + 2:start_sec + length]), 0xFFFF))
        struct.pack_into("<H", buf, 0, binascii.crc_hqx(bytes(buf[2:]), 0xFFFF))
        note = (f"Section 3 of this SCP-ECG file gives {changed} lead(s) {declared} samples but the data hold "
                f"{held}: the sample range is off by one (a writer's off-by-one); the {held} samples "
                "present were read.")
        return bytes(buf), note
    return None

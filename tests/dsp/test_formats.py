"""Cart formats read by content: SCP-ECG, HL7 aECG, DICOM, GE MUSE, Philips Sierra (XLI), MFER, ISHNE."""
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

import ecgsignal
from ecgsignal import RecordError, UnsupportedFormat, read_header, read_record, sniff_format

DEVICES = Path(__file__).resolve().parents[1] / "fixtures" / "devices"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "devices"
sys.path.insert(0, str(DEVICES))
import make_fixtures as mk  # noqa: E402  (the fixture builders, for malformed variants)

# file, family, leads, fs (Hz), duration (s)
FIXTURE_FILES = [
    ("contec_like.scp", "scp", 12, 500.0, 10.0),
    ("aecg_250hz.xml", "aecg", 12, 250.0, 10.0),
    ("ecg_12lead.dcm", "dicom", 12, 500.0, 10.0),
    ("muse_8lead.xml", "muse", 12, 500.0, 10.0),
    ("sierra_xli.xml", "sierra", 12, 500.0, 10.0),
    ("ecg_12lead.mwf", "mfer", 12, 500.0, 10.0),
    ("holter_3lead.ecg", "ishne", 3, 250.0, 10.0),
]

SHARED_FILES = [
    ("Example.scp", "scp", 12, 500.0, 10.0),
    ("Example_aECG.xml", "aecg", 12, 500.0, 10.0),
    ("muse_example1.xml", "muse", 12, 500.0, 10.0),
    ("sierra_1_03.xml", "sierra", 12, 500.0, 11.0),
    ("sierra_1_04.xml", "sierra", 12, 500.0, 11.0),
    ("waveform_ecg.dcm", "dicom", 12, 1000.0, 10.0),
]


def _ludb():
    return read_record(DEVICES.parent / "ludb" / "1.hea")


@pytest.mark.parametrize("name, family, leads, fs, duration", FIXTURE_FILES)
def test_fixture_read_by_content(tmp_path, name, family, leads, fs, duration):
    """Is each cart format recognised by its content (even renamed) and read in millivolts?"""
    renamed = tmp_path / "upload.bin"
    shutil.copy(DEVICES / name, renamed)
    assert sniff_format(renamed) == family
    rec = read_record(renamed)
    assert rec.signal_mv.dtype == np.float32 and rec.signal_mv.shape[1] == leads
    assert rec.fs == fs and rec.duration_s == pytest.approx(duration)
    info = read_header(renamed)
    assert (info.fs, info.n_samples, len(info.lead_names)) == (fs, rec.n_samples, leads)
    assert rec.device is not None and rec.device.format_name
    assert rec.start_time is not None and rec.start_time.year == 2024
    assert ecgsignal.check_fitness(rec).fit


@pytest.mark.parametrize("name", [f[0] for f in FIXTURE_FILES if f[2] == 12])
def test_fixture_signal_matches_source(name):
    """Does each 12-lead fixture give back the LUDB signal it was written from (5 uV quantisation)?"""
    rec = read_record(DEVICES / name)
    src = _ludb()
    step = int(round(src.fs / rec.fs))
    lower = {n.lower(): j for j, n in enumerate(src.lead_names)}
    derived = ("III", "aVR", "aVL", "aVF") if name.startswith("muse") else ()  # MUSE stores 8 leads
    for j, lead in enumerate(rec.lead_names):
        if lead in derived:
            continue
        ref = src.signal_mv[::step, lower[lead.lower()]][:rec.n_samples]
        np.testing.assert_allclose(rec.signal_mv[:, j], ref, atol=0.006, err_msg=lead)


def test_device_metadata_kept():
    """Are the device's manufacturer, model, time, measurements and statements kept?"""
    rec = read_record(DEVICES / "sierra_xli.xml")
    d = rec.device
    assert d.format_name == "Philips Sierra XML" and d.model == "PageWriter TC30"
    m = d.measurements
    assert (m.heart_rate_bpm, m.pr_ms, m.qrs_ms, m.qt_ms, m.qtc_ms) == (45, 148, 92, 420, 364)
    assert (m.p_axis_deg, m.qrs_axis_deg, m.t_axis_deg) == (45, 60, 40)
    assert d.statements and d.statements[0].startswith("SINUS BRADYCARDIA")
    assert d.to_dict()["acquisition_time"] == "2024-03-09T14:30:05"
    aecg = read_record(DEVICES / "aecg_250hz.xml").device
    assert aecg.manufacturer.startswith("Contec") and aecg.model == "ECG-1200G"
    assert aecg.measurements.heart_rate_bpm == 45 and aecg.statements == ("Sinus bradycardia",)


def test_muse_derived_limb_leads_are_noted():
    """Are III, aVR, aVL, aVF derived from a MUSE file's I and II, and is that said?"""
    rec = read_record(DEVICES / "muse_8lead.xml")
    i, ii, iii = (rec.signal_mv[:, rec.lead_names.index(n)] for n in ("I", "II", "III"))
    np.testing.assert_allclose(iii, ii - i, atol=1e-6)
    assert any("computed from leads I and II" in t for t in rec.tolerated)


def test_dicom_general_ecg_sop_class(tmp_path):
    """Is a DICOM general ECG (not only 12-lead) read?"""
    mk.write_dicom(tmp_path / "g.dcm", mk.ludb_counts(500), 500, sop_class="1.2.840.10008.5.1.4.1.1.9.1.2")
    rec = read_record(tmp_path / "g.dcm")
    assert rec.device.format_name == "DICOM general ECG" and rec.signal_mv.shape == (5000, 12)


def test_pydicom_shipped_waveform():
    """Is the ECG waveform that pydicom ships read (Mortara, 1 kHz)?"""
    from pydicom.data import get_testdata_file

    path = get_testdata_file("waveform_ecg.dcm")
    rec = read_record(path)
    assert rec.fs == 1000.0 and len(rec.lead_names) == 12 and rec.duration_s == pytest.approx(10.0)
    assert rec.device.manufacturer.startswith("Mortara") and rec.device.statements


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared device examples not present")
@pytest.mark.parametrize("name, family, leads, fs, duration", SHARED_FILES)
def test_real_device_files(name, family, leads, fs, duration):
    """Are the real example files of each family read with the right shape, and fit to read?"""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    assert sniff_format(path) == family
    rec = read_record(path)
    assert (len(rec.lead_names), rec.fs) == (leads, fs)
    assert rec.duration_s == pytest.approx(duration)
    assert ecgsignal.check_fitness(rec).fit


# ---------------------------------------------------------------------------
# malformed variants: a clear RecordError, never a library exception
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", [f[0] for f in FIXTURE_FILES])
@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_truncated_files_are_record_errors(tmp_path, name, keep):
    """Is a cart file cut off during copying a RecordError naming the file?"""
    data = (DEVICES / name).read_bytes()
    p = tmp_path / name
    p.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(RecordError) as e:
        read_record(p)
    assert name in e.value.message


@pytest.mark.parametrize("name, offset", [("contec_like.scp", 300), ("holter_3lead.ecg", 200)])
def test_wrong_checksum_is_refused(tmp_path, name, offset):
    """Does a CRC that does not match (SCP, ISHNE header) say the file was damaged?"""
    data = bytearray((DEVICES / name).read_bytes())
    data[offset] ^= 0x5A
    p = tmp_path / name
    p.write_bytes(bytes(data))
    with pytest.raises(RecordError, match="damaged"):
        read_record(p)


def test_muse_crc_mismatch_is_refused(tmp_path):
    """Does a GE MUSE lead whose CRC32 does not match its data fail with 'damaged'?"""
    text = (DEVICES / "muse_8lead.xml").read_text(encoding="iso-8859-1")
    a = text.index("<LeadDataCRC32>") + len("<LeadDataCRC32>")
    b = text.index("<", a)
    bad = text[:a] + str((int(text[a:b]) + 1) % 2**32) + text[b:]
    (tmp_path / "m.xml").write_text(bad, encoding="iso-8859-1")
    with pytest.raises(RecordError, match="checksum"):
        read_record(tmp_path / "m.xml")


def test_ishne_lying_sampling_rate(tmp_path):
    """Is an ISHNE header declaring an absurd sampling rate refused before decoding?"""
    counts = mk.ludb_counts(250)[:, :3]
    (tmp_path / "h.ecg").write_bytes(mk.ishne_bytes(counts, 250, sr_field=32000))
    with pytest.raises(RecordError, match="32000 Hz"):
        read_header(tmp_path / "h.ecg")
    (tmp_path / "z.ecg").write_bytes(mk.ishne_bytes(counts, 250, sr_field=0))
    with pytest.raises(RecordError, match="impossible sampling rate"):
        read_header(tmp_path / "z.ecg")


def test_dicom_lying_sample_count(tmp_path):
    """Is a DICOM waveform declaring more samples than the limit refused before decoding?"""
    import pydicom

    mk.write_dicom(tmp_path / "d.dcm", mk.ludb_counts(500), 500)
    ds = pydicom.dcmread(tmp_path / "d.dcm")
    ds.WaveformSequence[0].NumberOfWaveformSamples = 2_000_000_000
    ds.save_as(tmp_path / "d.dcm")
    with pytest.raises(RecordError, match="samples per lead"):
        read_header(tmp_path / "d.dcm")
    ds.WaveformSequence[0].NumberOfWaveformSamples = 5000
    ds.WaveformSequence[0].SamplingFrequency = "3600000000"
    ds.save_as(tmp_path / "d.dcm")
    with pytest.raises(RecordError, match="sampling rate"):
        read_header(tmp_path / "d.dcm")


def test_dicom_image_is_unsupported(tmp_path):
    """Is a DICOM that is not an ECG waveform (e.g. an image) refused as unsupported, saying what to export?"""
    from pydicom.data import get_testdata_file

    path = get_testdata_file("CT_small.dcm")
    with pytest.raises(UnsupportedFormat, match="DICOM file but an image"):
        read_record(path)


def test_scp_lying_section3_is_refused(tmp_path):
    """Is an SCP file whose lead definitions declare billions of samples refused before decoding?"""
    data = bytearray((DEVICES / "contec_like.scp").read_bytes())
    # find Section 3 through the Section 0 pointer table (id, length, 1-based index)
    for k in range(12):
        sid, length, index = struct.unpack_from("<HII", data, 22 + 10 * k)
        if sid == 3:
            body = index - 1 + 16
            struct.pack_into("<I", data, body + 2 + 4, 3_000_000_000)
    (tmp_path / "x.scp").write_bytes(bytes(data))
    with pytest.raises(RecordError, match="samples per lead|too large"):
        read_header(tmp_path / "x.scp")


def test_xml_of_another_kind_is_unsupported(tmp_path):
    """Is an XML that is no ECG format named as XML, with what to export instead?"""
    (tmp_path / "report.xml").write_text('<?xml version="1.0"?><invoice><total>3</total></invoice>')
    with pytest.raises(UnsupportedFormat, match="XML file, but not one of the ECG XML formats") as e:
        read_record(tmp_path / "report.xml")
    assert "export the recording from the ECG cart" in e.value.message


@pytest.mark.parametrize("content, words", [
    (b"%PDF-1.7\n" + b"x" * 100, "PDF"),
    (b"\x89PNG\r\n\x1a\n" + b"x" * 100, "PNG picture"),
    (b"\xff\xd8\xff\xe0" + b"x" * 100, "JPEG picture"),
])
def test_printouts_and_pictures_say_what_to_export(tmp_path, content, words):
    """Does a PDF or photo of an ECG, whatever its name, get a message naming it and saying what to export?"""
    p = tmp_path / "ecg.scp"
    p.write_bytes(content)
    with pytest.raises(UnsupportedFormat, match=words) as e:
        read_header(p)
    assert "SCP-ECG" in e.value.message and "not as a printout" in e.value.message


def test_window_of_cart_file():
    """Can a window of a cart-format recording be read, with its start time shifted?"""
    whole = read_record(DEVICES / "ecg_12lead.mwf")
    part = read_record(DEVICES / "ecg_12lead.mwf", start_sample=1000, stop_sample=1500)
    np.testing.assert_array_equal(part.signal_mv, whole.signal_mv[1000:1500])
    assert (part.start_time - whole.start_time).total_seconds() == pytest.approx(2.0)


def test_cart_file_size_limit(tmp_path):
    """Is a cart file larger than max_file_bytes refused before parsing?"""
    with pytest.raises(RecordError, match="MB"):
        read_header(DEVICES / "ecg_12lead.dcm", max_file_bytes=1000)


def test_record_device_defaults():
    """Do records from WFDB/EDF/CSV keep working with no device and nothing tolerated?"""
    rec = _ludb()
    assert rec.device is None and rec.tolerated == ()


def test_sierra_lying_duration_is_refused_before_decompression(tmp_path):
    """Is a Sierra XML declaring days of 12-lead data refused before its XLI data are decompressed?"""
    text = (DEVICES / "sierra_xli.xml").read_text()
    (tmp_path / "s.xml").write_text(text.replace('durationperchannel="10000"', 'durationperchannel="999999999"'))
    with pytest.raises(RecordError, match="samples per lead|too large"):
        read_header(tmp_path / "s.xml")


def test_xml_entity_expansion_is_refused(tmp_path):
    """Is an XML 'billion laughs' (entity expansion) refused, not expanded?"""
    lol = ('<?xml version="1.0"?><!DOCTYPE AnnotatedECG [<!ENTITY a "aaaaaaaaaa">'
           + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefg", "bcdefgh"))
           + ']><AnnotatedECG xmlns="urn:hl7-org:v3"><id root="&h;"/></AnnotatedECG>')
    (tmp_path / "lol.xml").write_text(lol)
    with pytest.raises(RecordError):
        read_record(tmp_path / "lol.xml")


def test_scp_lead_range_off_by_one_is_tolerated(tmp_path):
    """Is an SCP file whose Section 3 declares one sample more than Section 6 holds read, and said so?"""
    (tmp_path / "o.scp").write_bytes(mk.scp_bytes(mk.ludb_counts(500), 500, last_sample_off_by=1))
    rec = read_record(tmp_path / "o.scp")
    assert rec.signal_mv.shape == (5000, 12)
    assert any("off by one" in t for t in rec.tolerated)
    # two samples too many is not a technicality
    (tmp_path / "t.scp").write_bytes(mk.scp_bytes(mk.ludb_counts(500), 500, last_sample_off_by=2))
    with pytest.raises(RecordError, match="could not be decoded"):
        read_record(tmp_path / "t.scp")


def test_scp_missing_optional_section_is_tolerated(tmp_path):
    """Is an SCP file without Section 1 (device data) read, saying what was missing?"""
    (tmp_path / "n.scp").write_bytes(mk.scp_bytes(mk.ludb_counts(500), 500, omit=(1,)))
    rec = read_record(tmp_path / "n.scp")
    assert rec.signal_mv.shape == (5000, 12) and rec.device.statements == ("SINUS BRADYCARDIA",)
    assert any("Section 1" in t and "missing" in t for t in rec.tolerated)


def test_binary_starting_like_text_is_not_json(tmp_path):
    """Is a binary whose bytes happen to start with '{' after NULs still sniffed as binary?"""
    (tmp_path / "n.scp").write_bytes(mk.scp_bytes(mk.ludb_counts(500), 500, omit=(1,)))
    assert sniff_format(tmp_path / "n.scp") == "scp"

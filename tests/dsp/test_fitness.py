"""Fit to read? Too short, flat leads, wrong units, clipping, noise and slow sampling are caught at upload."""
import time
from pathlib import Path

import numpy as np
import pytest

from ecgsignal import check_fitness, read_record
from ecgsignal.fitness import MESSAGES, lead_list
from ecgsignal.types import Record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

REAL = ["mitdb_100_60s.hea", "mitdb_106_60s.hea", "mitdb_119_60s.hea", "mitdb_100_60s.edf",
        "cinc2017/A00001.hea", "cinc2017/A00004.hea", "ludb/1.hea", "ptbxl/00001_hr.hea",
        "ptbxl/00002_hr.hea", "ptbxl/00180_hr.hea", "devices/contec_like.scp", "devices/ecg_12lead.dcm",
        "devices/sierra_xli.xml", "devices/muse_8lead.xml", "devices/ecg_12lead.mwf",
        "devices/aecg_250hz.xml", "devices/holter_3lead.ecg"]


@pytest.fixture(scope="module")
def ludb():
    return read_record(FIXTURES / "ludb" / "1.hea")


def _with(rec, x):
    return Record(signal_mv=np.ascontiguousarray(x, dtype=np.float32), fs=rec.fs, lead_names=rec.lead_names)


@pytest.mark.parametrize("name", REAL)
def test_real_records_are_fit(name):
    """Are real recordings (PhysioNet fixtures and cart files) fit to read?"""
    fit = check_fitness(read_record(FIXTURES / name))
    assert fit.fit, [p.text for p in fit.problems]
    assert all(not p.blocking for p in fit.problems)


def test_flat_chest_leads(ludb):
    """Is a 12-lead with V1-V6 flat (chest electrodes off) unfit, naming the leads and the electrodes?"""
    x = ludb.signal_mv.copy()
    x[:, 6:] = 0.002 * np.random.default_rng(0).standard_normal((x.shape[0], 6))
    fit = check_fitness(_with(ludb, x))
    assert not fit.fit and fit.codes == ("flat_leads",)
    p = fit.problems[0]
    assert [n.upper() for n in p.leads] == ["V1", "V2", "V3", "V4", "V5", "V6"]
    assert p.text.lower() == "leads v1-v6 are flat: check the chest electrodes and record again"


def test_all_leads_flat_leads_off(ludb):
    """Is a leads-off recording (all flat) unfit with flat_leads, not implausible amplitude?"""
    fit = check_fitness(np.zeros_like(ludb.signal_mv), ludb.fs, lead_names=ludb.lead_names)
    assert not fit.fit and fit.codes == ("flat_leads",)
    assert "check the electrodes and their cables" in fit.problems[0].advice


def test_one_flat_limb_lead(ludb):
    """Is a single flat limb lead reported in the singular with limb-electrode advice?"""
    x = ludb.signal_mv.copy()
    x[:, 0] = 0.0
    p = check_fitness(_with(ludb, x)).problems[0]
    assert p.code == "flat_leads" and p.message == MESSAGES["flat_lead"][0]
    assert p.text.lower() == "lead i is flat: check the limb electrodes and record again"


def test_three_second_recording(ludb):
    """Is a 3-second recording unfit as too short, saying how long it was?"""
    fit = check_fitness(_with(ludb, ludb.signal_mv[: int(3 * ludb.fs)]))
    assert not fit.fit and fit.codes == ("too_short",)
    p = fit.problems[0]
    assert p.measured["duration_s"] == pytest.approx(3.0) and p.params["duration_s"] == "3"
    assert "lasts only 3 seconds" in p.text and "record again" in p.text


def test_microvolts_declared_as_millivolts(ludb):
    """Is a recording in microvolts labelled millivolts unfit as implausible amplitude?"""
    fit = check_fitness(_with(ludb, ludb.signal_mv * 1000))
    assert not fit.fit and "implausible_amplitude" in fit.codes
    p = fit.problems[fit.codes.index("implausible_amplitude")]
    assert p.measured["ptp_mv"] > 100 and "not in millivolts" in p.text


def test_clipping(ludb):
    """Is a recording saturated at the amplifier rails unfit with clipping?"""
    x = np.clip(ludb.signal_mv * 3, -0.6, 0.6)
    fit = check_fitness(_with(ludb, x))
    assert not fit.fit and "clipping" in fit.codes


def test_noise(ludb):
    """Is a recording drowned in broadband noise unfit as noisy?"""
    rng = np.random.default_rng(1)
    x = ludb.signal_mv + 1.0 * rng.standard_normal(ludb.signal_mv.shape).astype(np.float32)
    fit = check_fitness(_with(ludb, x))
    assert not fit.fit and "noisy" in fit.codes


@pytest.mark.parametrize("fs, blocking", [(50.0, True), (250.0, False)])
def test_sampling_rate(fs, blocking):
    """Is a very slow rate unfit, and a rate below diagnostic bandwidth only advice?"""
    t = np.arange(int(12 * fs)) / fs
    x = (np.sin(2 * np.pi * 1.2 * t) ** 63)[:, None].astype(np.float32)  # spiky, ECG-like
    fit = check_fitness(x, fs, lead_names=["II"])
    p = fit.problems[fit.codes.index("low_sampling_rate")]
    assert p.blocking is blocking and fit.fit is (not blocking)


def test_messages_are_msgids_with_params(ludb):
    """Are messages translatable msgids whose placeholders are all given in params?"""
    fit = check_fitness(_with(ludb, ludb.signal_mv[:1000] * 1000))
    assert fit.problems
    for p in fit.problems:
        assert (p.message, p.advice) in MESSAGES.values() or p.message in dict(MESSAGES.values())
        assert "%(" not in p.text and p.reference
        d = p.to_dict()
        assert d["code"] == p.code and isinstance(d["params"], dict)


def test_array_input_and_validation():
    """Does it take arrays with fs, and refuse a missing or bad fs?"""
    with pytest.raises(ValueError, match="fs"):
        check_fitness(np.zeros(100))
    with pytest.raises(ValueError, match="positive"):
        check_fitness(np.zeros(100), float("nan"))
    with pytest.raises(ValueError, match="lead_names"):
        check_fitness(np.zeros((100, 2)), 100.0, lead_names=["I"])


def test_lead_list():
    """Are runs of standard leads shortened for messages?"""
    assert lead_list(["V1", "V2", "V3", "V4", "V5", "V6"]) == "V1-V6"
    assert lead_list(["I", "II", "V2"]) == "I, II, V2"
    assert lead_list(["I", "II", "III", "aVR", "V5"]) == "I-aVR, V5"


def test_fast_for_a_ten_second_twelve_lead(ludb):
    """Is the check well under a second for a 10-s 12-lead (here: under 0.25 s)?"""
    check_fitness(ludb)
    t0 = time.perf_counter()
    for _ in range(5):
        check_fitness(ludb)
    assert (time.perf_counter() - t0) / 5 < 0.25

"""Global 12-lead intervals: QRS boundaries over the leads (Kligfield 2007) and the rate-corrected QT."""
import numpy as np
import pytest

from ecgsignal import analyze, waves
from ecgsignal.io import read_record
from ecgsignal.types import Measurements

from .conftest import FIXTURES, regular_beats

FS = [250, 360, 500]

#: A terminal deflection as in right bundle branch block: R' in V1-V2, slurred S
#: in I, aVL, V5, V6 (mV), after the main QRS.
_TERMINAL = {"V1": 0.6, "V2": 0.4, "I": -0.25, "aVL": -0.2, "V5": -0.25, "V6": -0.3}
_TERM_DELAY_S, _TERM_SD_S = 0.035, 0.012


def _with_terminal(rec, *, hr_bpm=70.0, seed=0):
    """The synth12 record with the terminal deflection added to every beat (same beat times)."""
    fs = rec.fs
    x = rec.signal_mv.astype(np.float64).copy()
    t = np.arange(x.shape[0]) / fs
    for b in regular_beats(hr_bpm, x.shape[0] / fs, jitter=0.005, seed=seed):
        g = np.exp(-0.5 * ((t - b - _TERM_DELAY_S) / _TERM_SD_S) ** 2)
        for name, amp in _TERMINAL.items():
            x[:, rec.lead_names.index(name)] += amp * g
    return type(rec)(signal_mv=x.astype(np.float32), fs=fs, lead_names=rec.lead_names)


@pytest.mark.parametrize("fs", FS)
def test_terminal_deflection_counts_in_qrs_duration(synth12, fs):
    """Does a slow terminal R' / S in a few leads lengthen the global QRS to where it ends, >= 120 ms?"""
    base = analyze(synth12(fs, axis_deg=50))
    rbbb = analyze(_with_terminal(synth12(fs, axis_deg=50)))
    assert base.measurements.qrs_ms < 110
    # the terminal wave ends ~2.5 SD after its peak: 35 + 30 = 65 ms after the R peak,
    # i.e. 20-35 ms after the base QRS end as measured (80 ms of a nominal 90)
    grown = rbbb.measurements.qrs_ms - base.measurements.qrs_ms
    assert 20 <= grown <= 45, (base.measurements.qrs_ms, rbbb.measurements.qrs_ms)


def test_ptbxl_00195_rbbb_qrs_reaches_end_of_r_prime():
    """Is the QRS of PTB-XL 195 (complete RBBB) measured past the R' peak in V1, >= 120 ms, and read as RBBB?"""
    a = analyze(read_record(FIXTURES / "ptbxl/00195_hr.hea"), age=70, sex="M")
    assert a.measurements.qrs_ms >= 120
    assert "CRBBB" in {s.code for s in a.interpretation.statements}


@pytest.mark.parametrize("name", ["00001_hr", "00002_hr", "00008_hr"])
def test_ptbxl_narrow_qrs_stays_narrow(name):
    """Do the narrow-QRS PTB-XL fixtures keep a QRS under 110 ms?"""
    a = analyze(read_record(FIXTURES / f"ptbxl/{name}.hea"))
    assert 60 <= a.measurements.qrs_ms < 110


@pytest.mark.parametrize(("qt", "rr", "want"), [(400.0, 1.0, 400.0), (400.0, 0.6, 461.6), (400.0, 1.2, 369.2)])
def test_qtc_framingham_known_values(qt, rr, want):
    """Is the Framingham QTc QT + 154 ms x (1 - RR)?"""
    assert waves.qtc_framingham(qt, rr) == pytest.approx(want, abs=0.05)
    assert np.isnan(waves.qtc_framingham(float("nan"), rr))


def _m(qt, rr):
    return Measurements(qt_ms=qt, rr_ms=rr * 1000, qtc_ms=qt / np.sqrt(rr), qrs_ms=90.0, pr_ms=160.0,
                        qtc_framingham_ms=waves.qtc_framingham(qt, rr))


def test_long_qtc_follows_the_linear_correction():
    """At 100/min, is QT 400 ms (Bazett 516) a routine long QTc by Framingham (462) rather than an urgent one?"""
    f = [x for x in waves.interval_findings(_m(400.0, 0.6), sex="M") if x.code == "LONG_QTC"]
    assert len(f) == 1 and f[0].severity == "routine" and f[0].value == pytest.approx(461.6, abs=0.1)
    assert "Bazett 516" in f[0].text and "Sagie" in f[0].reference
    # women's limit is 460 ms (Rautaharju 2009)
    assert [x.code for x in waves.interval_findings(_m(395.0, 0.6), sex="F")] == []


def test_urgent_qtc_above_500_ms():
    """Is a Framingham QTc above 500 ms urgent (Drew 2010), and 440 ms at 60/min not long?"""
    f = [x for x in waves.interval_findings(_m(520.0, 1.0), sex="M") if x.code == "LONG_QTC"]
    assert f and f[0].severity == "urgent" and f[0].threshold == 500.0
    assert not [x for x in waves.interval_findings(_m(440.0, 1.0), sex="M") if x.code == "LONG_QTC"]

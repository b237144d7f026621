"""The AF model's features (`ecgsignal.afmodel`): known answers on synthetic rhythms, and the shipped artefact."""
import numpy as np
import pytest

from ecgsignal import afmodel, analyze, read_record

from .conftest import FIXTURES, regular_beats, synth_record


def _features(fs, beat_times_s, *, p_wave=True, f_wave_mv=0.0, f_wave_hz=6.0, seed=0):
    duration = float(beat_times_s[-1] + 1.0)
    rec = synth_record(fs, beat_times_s, duration_s=duration, n_leads=1, seed=seed, p_wave=p_wave)
    x = rec.signal_mv[:, 0].astype(float)
    if f_wave_mv:
        # fibrillatory waves: a 6 Hz oscillation whose phase drifts slowly (not time-locked to the QRS)
        rng = np.random.default_rng(seed)
        t = np.arange(x.size) / fs
        phase = np.cumsum(rng.normal(0, 0.05, x.size))
        x = x + f_wave_mv * np.sin(2 * np.pi * f_wave_hz * t + phase)
    r = np.round(np.asarray(beat_times_s) * fs).astype(int)
    return afmodel.af_features(x, fs, r)


def _irregular_beats(duration_s, seed=0):
    rng = np.random.default_rng(seed)
    return 0.5 + np.r_[0, np.cumsum(rng.uniform(0.4, 1.1, int(duration_s / 0.75)))]


@pytest.mark.parametrize("fs", [250.0, 300.0, 500.0])
def test_rr_features_tell_regular_from_random_rhythm(fs):
    """Are normalised RMSSD, pNN50 and the RdR-map cells near zero for a steady rhythm and high for random RR?"""
    reg = _features(fs, regular_beats(75, 30, jitter=0.005))
    irr = _features(fs, _irregular_beats(30))
    assert reg["nrmssd"] < 0.02 and reg["pnn50"] == 0.0
    assert irr["nrmssd"] > 0.3 and irr["pnn50"] > 0.7
    assert reg["rdr_cells"] < 0.4 < 0.8 < irr["rdr_cells"]
    assert 0.0 <= reg["shannon_entropy"] <= 1.0 and 0.0 <= irr["shannon_entropy"] <= 1.0


def test_rr_features_known_values():
    """Do nRMSSD and pNN50 equal their definitions on a two-valued RR series (0.8, 1.0, 0.8, ...)?"""
    t = 0.5 + np.r_[0, np.cumsum(np.tile([0.8, 1.0], 15))]
    f = _features(250.0, t)
    # every successive difference is 200 ms: RMSSD 0.2 s over mean RR 0.9 s; all exceed 50 ms
    np.testing.assert_allclose(f["nrmssd"], 0.2 / 0.9, rtol=0.02)
    assert f["pnn50"] == 1.0
    # two RR values on a 25 ms grid, two successive differences: 2 occupied cells in the RdR map
    np.testing.assert_allclose(f["rdr_cells"], 2 / 29, atol=1e-9)


def test_pr_window_finds_repeating_p_waves():
    """Does the PR-window correlation see repeating P waves in sinus rhythm and miss them under f waves?"""
    fs = 300.0
    beats = regular_beats(70, 30, jitter=0.02)
    sinus = _features(fs, beats)
    fib = _features(fs, beats, p_wave=False, f_wave_mv=0.08)
    assert sinus["pr_corr_median"] > 0.9 and sinus["pr_corr_frac"] > 0.9
    assert fib["pr_corr_median"] < 0.5 and fib["pr_corr_frac"] < 0.5


def test_f_wave_band_share_and_frequency():
    """Do 6 Hz f waves raise the 4-9 Hz share of the QRST-cancelled residual and set its dominant frequency?"""
    fs = 300.0
    beats = _irregular_beats(30, seed=2)
    clean = _features(fs, beats, p_wave=False, seed=2)
    fib = _features(fs, beats, p_wave=False, f_wave_mv=0.08, seed=2)
    assert fib["f_band_share"] > 0.6 > clean["f_band_share"]
    assert abs(fib["f_dom_hz"] - 6.0) < 0.7


def test_features_nan_with_too_few_beats():
    """Are the features undefined (NaN) and the probability NaN with three beats?"""
    f = afmodel.af_features(np.zeros(3000), 300.0, [300, 600, 900])
    assert all(np.isnan(v) for v in f.values())
    assert np.isnan(afmodel.af_probability(f))


def test_shipped_model_matches_features_and_reports_cross_validation():
    """Does the shipped v2 artefact list exactly the library's features, with its CV figures below the fitted ones?"""
    m = afmodel.load_model()
    assert afmodel.MODEL_FILE.name == m["version"] + ".json"
    assert tuple(m["features"]) == afmodel.FEATURES
    assert m["n_records"] > 3000 and m["cv"]["folds"] == 10 and len(m["cv"]["f1_repeats"]) >= 3
    assert m["rr_rule"]["f1"] < m["cv"]["f1"] <= m["fitted"]["f1"]
    assert 0.0 < m["threshold"] < 1.0


def test_probability_orders_cinc_fixtures():
    """Is the AF record A00004 far above the threshold and the normal A00001 far below it?"""
    a4 = analyze(read_record(FIXTURES / "cinc2017/A00004.hea"))
    a1 = analyze(read_record(FIXTURES / "cinc2017/A00001.hea"))
    thr = a4.af_model["threshold"]
    assert a4.af_model["probability"] > min(0.8, 2 * thr) and a1.af_model["probability"] < thr / 4
    assert "AF" in {f.code for f in a4.findings} and "AF" not in {f.code for f in a1.findings}

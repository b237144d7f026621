"""A 24-hour 2-lead 360 Hz record made of the MIT-BIH 60-s fixtures, for the paging test."""
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCES = ["mitdb_100_60s", "mitdb_106_60s", "mitdb_119_60s"]


def build_holter(folder: Path, hours: float = 24.0, name: str = "holter24") -> list[Path]:
    """Write <name>.hea/.dat (format 212, MLII and V1) by repeating the fixtures; returns the files."""
    import wfdb

    folder.mkdir(parents=True, exist_ok=True)
    hea, dat = folder / f"{name}.hea", folder / f"{name}.dat"
    if hea.exists() and dat.exists():
        return [hea, dat]
    pieces = []
    for src in SOURCES:
        rec = wfdb.rdrecord(str(FIXTURES / src), physical=False)
        pieces.append(rec.d_signal[:, :2].astype(np.int16))
        fmt, adc_gain, baseline, fs = rec.fmt[:2], rec.adc_gain[:2], rec.baseline[:2], rec.fs
    one_cycle = np.concatenate(pieces)               # 3 minutes, digital units
    n_total = int(round(hours * 3600 * fs))
    reps = -(-n_total // one_cycle.shape[0])
    signal = np.tile(one_cycle, (reps, 1))[:n_total]
    wfdb.wrsamp(name, fs=fs, units=["mV", "mV"], sig_name=["MLII", "V1"], d_signal=signal,
                fmt=["212", "212"], adc_gain=list(adc_gain), baseline=[int(b) for b in baseline],
                write_dir=str(folder))
    return [hea, dat]

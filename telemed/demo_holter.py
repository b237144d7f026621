"""A long 2-lead 360 Hz record made of the MIT-BIH 60-s fixtures: the demo's Holter and the paging test's."""
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SOURCES = ["mitdb_100_60s", "mitdb_106_60s", "mitdb_119_60s"]


def _pack_212(frames: np.ndarray) -> bytes:
    """WFDB format 212: each pair of consecutive 12-bit samples in 3 bytes (two's complement)."""
    flat = frames.astype(np.int32).ravel() & 0xFFF
    if flat.size % 2:
        flat = np.append(flat, 0)
    a, b = flat[0::2], flat[1::2]
    out = np.empty((a.size, 3), dtype=np.uint8)
    out[:, 0] = a & 0xFF
    out[:, 1] = ((a >> 8) & 0x0F) | (((b >> 8) & 0x0F) << 4)
    out[:, 2] = b & 0xFF
    return out.tobytes()


def build_holter(folder: Path, hours: float = 24.0, name: str = "holter24", sources=SOURCES) -> list[Path]:
    """Write <name>.hea/.dat (format 212, MLII and V1) repeating the fixtures; returns the files.

    Written with numpy (wfdb.wrsamp takes ~15 s for 31 million samples); read back by wfdb.
    """
    import wfdb

    folder.mkdir(parents=True, exist_ok=True)
    hea, dat = folder / f"{name}.hea", folder / f"{name}.dat"
    if hea.exists() and dat.exists():
        return [hea, dat]
    pieces = []
    for src in sources:
        rec = wfdb.rdrecord(str(FIXTURES / src), physical=False)
        assert rec.fs == 360 and rec.fmt[:2] == ["212", "212"]
        pieces.append(rec.d_signal[:, :2].astype(np.int16))
        gains, baselines = rec.adc_gain[:2], rec.baseline[:2]
    one_cycle = np.concatenate(pieces)               # a minute per source
    n_total = int(round(hours * 3600 * 360))
    reps = -(-n_total // one_cycle.shape[0])
    signal = np.tile(one_cycle, (reps, 1))[:n_total]
    dat.write_bytes(_pack_212(signal))
    lines = [f"{name} 2 360 {n_total}"]
    for ch, lead in enumerate(["MLII", "V1"]):
        checksum = int(signal[:, ch].astype(np.int64).sum()) % 65536
        checksum = checksum - 65536 if checksum > 32767 else checksum
        lines.append(f"{name}.dat 212 {gains[ch]:g}({baselines[ch]})/mV 12 0 {int(signal[0, ch])} {checksum} 0 {lead}")
    hea.write_text("\n".join(lines) + "\n")
    return [hea, dat]

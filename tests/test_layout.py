"""The layout rules of the design card."""
import signal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_stdlib_signal_is_not_shadowed():
    """Is `import signal` still Python's standard library module?"""
    assert hasattr(signal, "SIGTERM")
    assert not (ROOT / "signal" / "__init__.py").exists()


def test_ecgsignal_is_importable():
    """Is the DSP library importable under its own name, without Flask?"""
    import ecgsignal

    assert callable(ecgsignal.read_record) and callable(ecgsignal.analyze)
    assert not any(m.startswith("flask") for m in ecgsignal.__dict__)

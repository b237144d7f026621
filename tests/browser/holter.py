"""A 24-hour 2-lead 360 Hz record made of the MIT-BIH 60-s fixtures, for the paging test (the demo's builder)."""
from telemed.demo_holter import build_holter

__all__ = ["build_holter"]

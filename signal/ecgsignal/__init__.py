"""ecgsignal: ECG reading, beat detection, rhythm and 12-lead analysis for telemed."""
from .io import RecordError, UnsupportedFormat, read_header, read_record
from .types import Analysis, Beats, Finding, Record, RecordInfo

__all__ = ["read_record", "read_header", "RecordError", "UnsupportedFormat",
           "Record", "RecordInfo", "Beats", "Finding", "Analysis"]

"""ecgsignal: ECG reading, beat detection, rhythm and 12-lead analysis for telemed.

Public API::

    read_header(path, *, fs=None) -> RecordInfo      # validate an upload, no samples loaded
    read_record(path, *, fs=None, start_sample=0, stop_sample=None) -> Record
    analyze(record, *, age=None, sex=None) -> Analysis   # .to_dict() is JSON-ready
        .findings, .priority, .measurements          # as before
        .interpretation.statements, .overall         # resting ECGs: statements with zh/en labels
        .lead_measurements                           # per-lead median-beat table, P/QRS/T axes
    sniff_format(path) -> str | None                  # file family by content ("scp", "dicom", ...)
    verify_record(path, *, fs=None) -> RecordInfo     # decode every sample once, in bounded windows
    check_fitness(record) -> Fitness                  # fit to read? problems with msgids (issue 9)
    RecordError, UnsupportedFormat                    # bad input; .message (English), .template + .params (msgid)
    render_message(template, params, gettext) -> str  # a RecordError in the reader's language
    ALGORITHM_VERSION
"""
from .analysis import ALGORITHM_VERSION, analyze
from .io import (ACCEPTED_FORMATS, MSGID_PARAMS, RecordError, UnsupportedFormat, read_header, read_record,
                 render_message)
from .statements import VOCABULARY, interpret
from .types import Analysis, Beats, Finding, Interpretation, LeadMeasurements, Record, RecordInfo, Statement

# intake (issue 9): formats by content, device metadata, fitness check
from . import holter
from .fitness import check_fitness
from .io import sniff_format, verify_record
from .types import DeviceInfo, DeviceMeasurements, Fitness, FitnessProblem

__all__ = ["read_record", "read_header", "analyze", "RecordError", "UnsupportedFormat", "render_message", "MSGID_PARAMS",
           "ALGORITHM_VERSION", "ACCEPTED_FORMATS", "Record", "RecordInfo", "Beats", "Finding",
           "Analysis", "check_fitness", "sniff_format", "verify_record", "DeviceInfo", "DeviceMeasurements", "Fitness",
           "FitnessProblem", "Interpretation", "Statement", "LeadMeasurements", "interpret", "VOCABULARY", "holter"]

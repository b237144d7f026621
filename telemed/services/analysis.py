"""Automatic analysis of a case's recording by ecgsignal, and the decoded-signal cache the viewer reads."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from telemed.i18n import N_, record_error_detail, record_error_text
import logging
import math
import os
import time
from pathlib import Path

import ecgsignal
import numpy as np
import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import Analysis, Case, CaseStatus, Priority, Recording
from telemed.models._time import utcnow
from telemed.models.case import sources_of
from telemed import domain_events
from telemed.services import audit, notifications
from telemed.services.access import get_visible_case
from telemed.services.errors import BadRequest
from telemed.storage import FILE_MODE, BlobStore, CorruptBlob, blob_store

log = logging.getLogger(__name__)
MAX_POINTS_LIMIT = 20000
# Bounded work per /signal request: at most this many leads (choose with ?leads=II,V1), and
# leads x points at most SIGNAL_MAX_VALUES (max_points shrinks to fit). Config overrides both.
SIGNAL_MAX_LEADS = 16
SIGNAL_MAX_VALUES = 200_000
# Stored in English as the failure reason and translated when shown (the reader's language is
# not known when a worker fails).
DAMAGED_ORIGINAL = N_("The stored recording no longer matches its checksum (it was damaged on disk). Please upload "
                      "the recording again; a cardiologist can still read the case.")
ANALYSIS_BUG = N_("The automatic analysis failed on this recording. A cardiologist can still be asked "
                  "to read it; the technical team has been notified.")


def read_original(store: BlobStore, recording: Recording) -> ecgsignal.Record:
    """Read the stored original after verifying every file's checksum."""
    with store.materialize([(f.name, f.sha256) for f in recording.files]) as folder:
        fs = recording.fs if recording.format == "csv" else None
        return ecgsignal.read_record(folder / recording.main_file, fs=fs)


def _cache_path(store: BlobStore, recording: Recording) -> Path:
    return store.cache / f"recording-{recording.id}.f32.npy"


def _write_cache(store: BlobStore, recording: Recording, record: ecgsignal.Record) -> None:
    """Decoded float32 samples for fast windowed reads; derived data, rebuilt from the original if lost."""
    target = _cache_path(store, recording)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb") as fh:
        np.save(fh, np.ascontiguousarray(record.signal_mv, dtype=np.float32))
    os.replace(tmp, target)


def analyze_case(case_id: int) -> None:
    """Analyse a case waiting in `analyzing`; on success it joins the review queue with its priority."""
    case = db.session.get(Case, case_id)
    if case is None or case.status != CaseStatus.ANALYZING.value:
        return
    store = blob_store()
    recording, age, sex = case.recording, case.age, case.sex
    recording.files  # noqa: B018 - load now; the session is released during the long part
    db.session.expunge(recording)
    db.session.rollback()  # hold no transaction (nor SQLite lock) while reading and analysing
    started = time.perf_counter()
    try:
        record = read_original(store, recording)
        result = ecgsignal.analyze(record, age=age, sex=sex).to_dict()
        result["holter"] = holter_of(result, record.fs, record.duration_s)
        _write_cache(store, recording, record)
    except CorruptBlob:
        _fail(case, DAMAGED_ORIGINAL)
        return
    except ecgsignal.RecordError as exc:
        _fail(case, exc.message, record_error_detail(exc))  # shown later in each reader's language
        return
    except Exception:  # noqa: BLE001 - any analysis bug must leave a visible, retryable case
        log.exception("analysis of case %s failed", case_id)
        _fail(case, ANALYSIS_BUG)
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    case = db.session.get(Case, case_id)
    if case is None or case.status != CaseStatus.ANALYZING.value:
        return  # finished or removed meanwhile by another worker
    _save_result(case, result, elapsed_ms)


def holter_of(result: dict, fs: float, duration_s: float) -> dict | None:
    """The Holter summary of a recording of an hour or more (None for shorter ones)."""
    if duration_s < ecgsignal.holter.MIN_HOLTER_S:
        return None
    beats = result.get("beats") or {}
    af = [(f["start_s"], f["end_s"]) for f in result.get("findings") or []
          if f.get("code") == "AF" and f.get("start_s") is not None and f.get("end_s") is not None]
    return ecgsignal.holter.holter_summary(beats.get("sample", []), beats.get("label", []), fs,
                                           duration_s=duration_s, af_episodes_s=af).to_dict()


def _triage_with_holter(priority: str, holter: dict | None) -> str:
    """A PVC burden >= 10 % makes the case at least urgent (ecgsignal.holter cites the guidelines)."""
    if holter and holter["pvc_burden_pct"] >= ecgsignal.holter.PVC_BURDEN_URGENT_PCT and priority == Priority.ROUTINE.value:
        return Priority.URGENT.value
    return priority


def _save_result(case: Case, result: dict, elapsed_ms: float) -> None:
    """Save the first result only: a redelivered task (worker killed after saving) changes nothing."""
    holter = result.get("holter")
    priority = _triage_with_holter(result.get("priority") or Priority.ROUTINE.value, holter)
    case.analysis = Analysis(
        algorithm_version=str(result.get("algorithm_version", ecgsignal.ALGORITHM_VERSION)),
        heart_rate_bpm=result.get("heart_rate_bpm"),
        rr=result.get("rr") or {}, findings=result.get("findings") or [],
        measurements=result.get("measurements") or {}, quality=result.get("quality") or {},
        interpretation=result.get("interpretation"), holter=holter,
        priority=priority, n_beats=len(result.get("beats", {}).get("sample", [])),
        processing_ms=round(elapsed_ms, 1),
        detail_gz=Analysis.pack_detail({k: result.get(k) for k in ("beats", "waves", "heart_rate", "timing_ms",
                                                                    "lead_measurements")}),
    )
    case.set_priority(priority)
    case.transition(CaseStatus.AWAITING_REVIEW)
    case.analyzed_at = utcnow()
    audit.record(None, "case_analyzed", case.id, priority=priority, processing_ms=round(elapsed_ms, 1))
    sent = []
    if priority == Priority.CRITICAL.value:  # the on-duty readers hear of it at once, wherever they are
        from telemed.services.sla import on_duty_cardiologists

        sent = notifications.notify(on_duty_cardiologists(case.clinic.consortium_id), "critical_waiting", case,
                                    urgent=True, patient=case.patient_ref, clinic=case.clinic.name)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()  # another worker saved this case's analysis first
        log.info("case %s was analysed concurrently; keeping the first result", case.id)
        return
    domain_events.case_changed.send(case)
    domain_events.notifications_sent.send(sent)


def _fail(case: Case, reason: str, detail: dict | None = None) -> None:
    """Mark the case failed with a reason the clinic can act on, unless another worker already finished it.

    `reason` is English (a msgid, or a read error's English sentence with its msgid and params in `detail`)."""
    db.session.rollback()
    changed = db.session.execute(
        sa.update(Case).where(Case.id == case.id, Case.status.in_(sources_of(CaseStatus.ANALYSIS_FAILED)))
        .values(status=CaseStatus.ANALYSIS_FAILED.value, failure_reason=reason, failure_detail=detail,
                failed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        db.session.rollback()
        return
    audit.record(None, "analysis_failed", case.id, reason=reason)
    db.session.commit()
    domain_events.case_changed.send(db.session.get(Case, case.id))


def pending_case_ids() -> list[int]:
    """Cases whose analysis never finished (e.g. the process died): to be queued again."""
    return list(db.session.scalars(sa.select(Case.id).where(Case.status == CaseStatus.ANALYZING.value).order_by(Case.id)))


def _parse_float(raw, name: str, default: float) -> float:
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(_("%(field)s must be a number of seconds.", field=name)) from None
    if not math.isfinite(value):
        raise BadRequest(_("%(field)s must be a finite number.", field=name))
    return value


def signal_window(case_id: int, user, args: dict) -> dict:
    """Samples of [start_s, end_s) for every lead, as min/max per bucket so that R peaks survive decimation."""
    case = get_visible_case(case_id, user)
    audit.record_read(user, "signal_viewed", case.id)
    rec = case.recording
    start_s = max(0.0, _parse_float(args.get("start_s"), "start_s", 0.0))
    end_s = min(rec.duration_s, _parse_float(args.get("end_s"), "end_s", min(rec.duration_s, 10.0)))
    if end_s < start_s:
        raise BadRequest(_("end_s must not be before start_s."))
    try:
        max_points = int(args.get("max_points") or 2000)
    except ValueError:
        raise BadRequest(_("max_points must be a whole number.")) from None
    config = current_app.config
    lead_indices, truncated = _chosen_leads(rec.lead_names, args.get("leads"),
                                            config.get("SIGNAL_MAX_LEADS", SIGNAL_MAX_LEADS))
    max_values = config.get("SIGNAL_MAX_VALUES", SIGNAL_MAX_VALUES)
    max_points = min(max(max_points, 10), MAX_POINTS_LIMIT, max(10, max_values // max(1, len(lead_indices))))
    samples = cached_samples(case)
    first = int(math.floor(start_s * rec.fs))
    last = min(samples.shape[0], max(first, int(math.ceil(end_s * rec.fs))))
    window = samples[first:last][:, lead_indices]
    bucket = max(1, math.ceil(window.shape[0] / max_points))
    mins, maxs = _min_max_buckets(window, bucket)
    body = {"fs": rec.fs, "leads": [
        {"name": rec.lead_names[lead], "start_s": first / rec.fs, "step_s": bucket / rec.fs,
         "min": _json_floats(mins[:, i]), "max": _json_floats(maxs[:, i])}
        for i, lead in enumerate(lead_indices)]}
    if truncated:
        body["leads_truncated"] = True
        body["lead_count"] = len(rec.lead_names)
    return body


def _chosen_leads(names: list[str], wanted: str | None, limit: int) -> tuple[list[int], bool]:
    """Indices of the leads asked for (`?leads=II,V1`), else the first `limit`; (indices, truncated)."""
    if not wanted:
        return list(range(min(len(names), limit))), len(names) > limit
    index = {name.lower(): i for i, name in enumerate(names)}
    chosen = []
    for item in str(wanted).split(","):
        item = item.strip().lower()
        if item not in index:
            raise BadRequest(_("This recording has no lead %(lead)s; its leads are %(leads)s.",
                               lead=item, leads=", ".join(names[:limit])), code="unknown_lead")
        if index[item] not in chosen:
            chosen.append(index[item])
    if len(chosen) > limit:
        raise BadRequest(_("At most %(limit)s leads per request.", limit=limit), code="too_many_leads")
    return chosen, False


def cached_samples(case: Case) -> np.ndarray:
    store = blob_store()
    path = _cache_path(store, case.recording)
    if not path.exists():
        try:
            _write_cache(store, case.recording, read_original(store, case.recording))
        except ecgsignal.RecordError as exc:
            raise BadRequest(_("The stored recording cannot be read: %(detail)s", detail=record_error_text(exc))) from None
        except CorruptBlob:
            raise BadRequest(_(DAMAGED_ORIGINAL)) from None
    return np.load(path, mmap_mode="r")


def _min_max_buckets(window: np.ndarray, bucket: int) -> tuple[np.ndarray, np.ndarray]:
    if bucket == 1:
        return window, window
    n_full = window.shape[0] // bucket
    body = window[: n_full * bucket].reshape(n_full, bucket, window.shape[1])
    # fmin/fmax skip NaN (gaps) without warnings; an all-NaN bucket stays NaN -> null.
    mins, maxs = np.fmin.reduce(body, axis=1), np.fmax.reduce(body, axis=1)
    tail = window[n_full * bucket:]
    if tail.shape[0]:
        mins = np.vstack([mins, np.fmin.reduce(tail, axis=0)])
        maxs = np.vstack([maxs, np.fmax.reduce(tail, axis=0)])
    return mins, maxs


def _json_floats(values: np.ndarray) -> list:
    rounded = np.round(np.asarray(values, dtype=np.float64), 4)
    return [None if v != v else v for v in rounded.tolist()]

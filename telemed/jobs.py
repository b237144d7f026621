"""Analysis queue. Embedded default: one background thread in the web process; with Redis
configured, Celery workers (`celery -A wsgi:celery_app worker`).

The database is the durable state: a case stays `analyzing` until its analysis is saved, so a
process killed mid-analysis loses nothing. In thread mode `resume_pending` queues such cases again
when the server starts; in Celery mode tasks are acknowledged late (a worker killed mid-task means
redelivery) and every worker re-queues unfinished cases when it starts. If Redis is down when a
case is created, the web process keeps trying to queue it in the background; if Redis loses its
queue (restart without persistence), the workers' periodic sweep finds `analyzing` cases whose
"queued" marker vanished with it and queues them again. Analysing a case twice is harmless: only
the first result is saved.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time

from flask import Flask, current_app

log = logging.getLogger(__name__)


class InProcessWorker:
    """A daemon thread that analyses queued case ids one at a time (2 cores: one for the web)."""

    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue[int] = queue.Queue()
        self.idle = threading.Event()
        self.idle.set()
        self._thread = threading.Thread(target=self._run, name="telemed-analysis", daemon=True)
        self._thread.start()

    def submit(self, case_id: int) -> None:
        self.idle.clear()
        self.queue.put(case_id)

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self.idle.wait(timeout)

    def _run(self) -> None:
        from telemed.services.analysis import analyze_case

        while True:
            case_id = self.queue.get()
            try:
                with self.app.app_context():
                    analyze_case(case_id)
            except Exception:  # noqa: BLE001 - the worker must outlive any one bad case
                log.exception("analysis worker failed on case %s", case_id)
            finally:
                self.queue.task_done()
                if self.queue.unfinished_tasks == 0:
                    self.idle.set()


_start_lock = threading.Lock()


def worker(app: Flask) -> InProcessWorker:
    with _start_lock:
        if "telemed_worker" not in app.extensions:
            app.extensions["telemed_worker"] = InProcessWorker(app)
        return app.extensions["telemed_worker"]


def enqueue_analysis(case_id: int) -> None:
    """Queue a case for analysis; in `inline` mode analyse it now (tests, scripts)."""
    app = current_app._get_current_object()
    mode = app.config["ANALYSIS_MODE"]
    if mode == "inline":
        from telemed.services.analysis import analyze_case

        analyze_case(case_id)
    elif mode == "deferred":
        pass  # left `analyzing`; resume_pending picks it up when the server starts (seeding)
    elif mode == "celery":
        _send_or_retry_later(app, case_id)
    else:
        worker(app).submit(case_id)


def _send_or_retry_later(app: Flask, case_id: int) -> None:
    """Queue the Celery task; if the broker is down, keep trying in the background.

    The case is already committed (and acknowledged to the clinic) when this runs, so a broker
    outage must not turn the upload into an error. The case stays `analyzing` meanwhile; should
    this process die before Redis returns, the next worker start re-queues it (`resume_pending`).
    """
    celery = app.extensions["celery"]
    try:
        celery.send_task(ANALYZE_TASK, args=[case_id])
        _mark_queued(app, case_id)
        return
    except Exception as exc:  # noqa: BLE001 - kombu raises several kinds of connection errors
        log.warning("cannot queue the analysis of case %s (%s); retrying in the background", case_id, exc)

    def retry() -> None:
        delay = 1.0
        for _ in range(RETRY_ATTEMPTS):
            time.sleep(delay)
            try:
                celery.send_task(ANALYZE_TASK, args=[case_id])
                _mark_queued(app, case_id)
                log.info("queued the analysis of case %s after a broker outage", case_id)
                return
            except Exception as exc:  # noqa: BLE001
                log.warning("still cannot queue case %s: %s", case_id, exc)
                delay = min(delay * 2, 30.0)
        log.error("gave up queueing case %s; the next worker start re-queues it", case_id)

    threading.Thread(target=retry, name=f"telemed-requeue-{case_id}", daemon=True).start()


RETRY_ATTEMPTS = 40  # about 20 minutes at the 30-s cap
QUEUED_KEY = "telemed:queued:{}"
SWEEP_LOCK_KEY = "telemed:sweep-lock"


def _redis(app: Flask):
    """A plain Redis client for the queued markers (the broker's own connection is kombu's)."""
    client = app.extensions.get("telemed_redis")
    if client is None:
        import redis

        client = app.extensions["telemed_redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=5)
    return client


def _mark_queued(app: Flask, case_id: int) -> None:
    """Remember, in the broker's Redis, that this case's task is in the queue.

    The marker lives and dies with the queue: if Redis loses its data (restart without
    persistence), markers and tasks vanish together and the sweep queues those cases again.
    """
    try:
        _redis(app).set(QUEUED_KEY.format(case_id), 1, ex=app.config["CELERY_VISIBILITY_TIMEOUT_S"])
    except Exception as exc:  # noqa: BLE001 - a missing marker only means one extra, harmless analysis
        log.warning("cannot mark case %s as queued: %s", case_id, exc)


def sweep_lost_tasks(app: Flask, *, grace_s: float) -> int:
    """Queue again `analyzing` cases older than `grace_s` whose task is no longer in Redis.

    One worker per interval does it (a Redis lock). Returns how many cases were queued again.
    """
    import datetime as dt

    import sqlalchemy as sa

    from telemed.extensions import db
    from telemed.models import Case, CaseStatus
    from telemed.models._time import utcnow

    client = _redis(app)
    if not client.set(SWEEP_LOCK_KEY, 1, nx=True, ex=max(1, int(grace_s))):
        return 0
    with app.app_context():
        cutoff = utcnow() - dt.timedelta(seconds=grace_s)
        ids = list(db.session.scalars(sa.select(Case.id).where(
            Case.status == CaseStatus.ANALYZING.value, Case.created_at < cutoff).order_by(Case.id)))
        db.session.remove()
    lost = [case_id for case_id in ids if not client.exists(QUEUED_KEY.format(case_id))]
    for case_id in lost:
        _send_or_retry_later(app, case_id)
    if lost:
        log.warning("re-queued %d analyses whose task was lost from Redis: %s", len(lost), lost[:20])
    return len(lost)


def _sweep_forever(app: Flask, interval_s: float) -> None:
    while True:
        time.sleep(interval_s)
        try:
            sweep_lost_tasks(app, grace_s=max(interval_s, 1.0))
        except Exception as exc:  # noqa: BLE001 - Redis or the database may be briefly away; try next time
            log.warning("sweep for lost analysis tasks failed: %s", exc)


STALE_STORAGE_S = 3600


def tidy_storage(app: Flask, *, older_than_s: float = STALE_STORAGE_S) -> dict:
    """Remove what a crash may leave in the data folder: staging folders and unreferenced blobs."""
    import sqlalchemy as sa

    from telemed.extensions import db
    from telemed.models import RecordingFile
    from telemed.storage import BlobStore

    store = BlobStore(app.config["TELEMED_DATA_DIR"])
    with app.app_context():
        referenced = set(db.session.scalars(sa.select(RecordingFile.sha256).distinct()))
        db.session.remove()
    done = {"staging": store.remove_stale_staging(older_than_s=older_than_s),
            "blobs": store.collect_garbage(referenced, older_than_s=older_than_s)}
    if any(done.values()):
        log.info("storage tidied: %(staging)d stale staging folders, %(blobs)d orphan blobs removed", done)
    return done


def resume_pending(app: Flask) -> int:
    """Queue again every case left `analyzing` by a previous process. Returns how many."""
    from telemed.services.analysis import pending_case_ids

    with app.app_context():
        ids = pending_case_ids()
        for case_id in ids:
            enqueue_analysis(case_id)
    if ids:
        log.info("re-queued %d unfinished analyses", len(ids))
    return len(ids)


ANALYZE_TASK = "telemed.analyze_case"


def make_celery(app: Flask):
    """The Celery app of the workers and of the web processes that queue tasks (Redis broker)."""
    from celery import Celery, Task
    from celery.signals import worker_process_init, worker_ready

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, broker=app.config["REDIS_URL"], task_cls=FlaskTask)
    celery.conf.update(
        task_acks_late=True,                # ack after the analysis is saved ...
        task_reject_on_worker_lost=True,    # ... and requeue if the worker process dies
        worker_prefetch_multiplier=1,       # long tasks: don't hoard messages
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": app.config["CELERY_VISIBILITY_TIMEOUT_S"]},
        worker_hijack_root_logger=False,
    )

    sla_every_s = float(app.config.get("SLA_CHECK_S", 60))
    if sla_every_s > 0:
        # Run by `celery -A wsgi:celery_app beat` (one beat process per deployment).
        celery.conf.beat_schedule = {"sla-check": {"task": SLA_TASK, "schedule": sla_every_s}}

    @celery.task(name=SLA_TASK)
    def sla_check_task() -> dict:
        from telemed.services.sla import check

        return check()

    @celery.task(name=ANALYZE_TASK)
    def analyze_case_task(case_id: int) -> None:
        from telemed.services.analysis import analyze_case

        analyze_case(case_id)

    @worker_ready.connect(weak=False)
    def _resume(sender=None, **_):
        # A worker killed with SIGKILL leaves its task unacknowledged until the visibility
        # timeout; re-queueing unfinished cases at start makes recovery immediate.
        tidy_storage(app)
        resume_pending(app)
        interval = float(os.environ.get("TELEMED_SWEEP_S", "60"))
        if interval > 0:
            threading.Thread(target=_sweep_forever, args=(app, interval), name="telemed-sweep", daemon=True).start()

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_):
        # A pool child forked from the main process must not share its pooled database sockets.
        from telemed.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)
        app.extensions.pop("telemed_redis", None)

    return celery


SLA_TASK = "telemed.sla_check"


def check_sla(app: Flask) -> dict:
    """One pass of the SLA clocks (both deployments call this: a thread, or Celery beat)."""
    from telemed.services.sla import check

    with app.app_context():
        try:
            return check()
        finally:
            from telemed.extensions import db

            db.session.remove()


def _sla_forever(app: Flask, interval_s: float) -> None:
    while True:
        time.sleep(interval_s)
        try:
            check_sla(app)
        except Exception as exc:  # noqa: BLE001 - the database may be briefly away; next minute then
            log.warning("SLA check failed: %s", exc)


def init_app(app: Flask) -> None:
    """Celery mode: create the Celery app. Thread mode: resume unfinished analyses at the first request."""
    if app.config["ANALYSIS_MODE"] == "celery":
        if not app.config.get("REDIS_URL"):
            raise RuntimeError("TELEMED_ANALYSIS_MODE=celery needs REDIS_URL.")
        app.extensions["celery"] = make_celery(app)
        return
    if app.config["ANALYSIS_MODE"] != "thread":
        return
    state = {"done": False}

    @app.before_request
    def _resume_once():
        if not state["done"]:
            with _start_lock:
                if state["done"]:
                    return
                state["done"] = True
            tidy_storage(app)
            resume_pending(app)
            interval = float(app.config.get("SLA_CHECK_S", 60))
            if interval > 0:
                threading.Thread(target=_sla_forever, args=(app, interval), name="telemed-sla",
                                 daemon=True).start()

"""Analysis queue. Embedded default: one background thread in the web process; with Redis
configured, Celery workers (`celery -A wsgi:celery_app worker`).

The database is the durable state: a case stays `analyzing` until its analysis is saved, so a
process killed mid-analysis loses nothing. In thread mode `resume_pending` queues such cases again
when the server starts; in Celery mode tasks are acknowledged late (a worker killed mid-task means
redelivery) and every worker re-queues unfinished cases when it starts. Analysing a case twice is
harmless: only the first result is saved.
"""
from __future__ import annotations

import logging
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
        return
    except Exception as exc:  # noqa: BLE001 - kombu raises several kinds of connection errors
        log.warning("cannot queue the analysis of case %s (%s); retrying in the background", case_id, exc)

    def retry() -> None:
        delay = 1.0
        for _ in range(RETRY_ATTEMPTS):
            time.sleep(delay)
            try:
                celery.send_task(ANALYZE_TASK, args=[case_id])
                log.info("queued the analysis of case %s after a broker outage", case_id)
                return
            except Exception as exc:  # noqa: BLE001
                log.warning("still cannot queue case %s: %s", case_id, exc)
                delay = min(delay * 2, 30.0)
        log.error("gave up queueing case %s; the next worker start re-queues it", case_id)

    threading.Thread(target=retry, name=f"telemed-requeue-{case_id}", daemon=True).start()


RETRY_ATTEMPTS = 40  # about 20 minutes at the 30-s cap


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
    from celery.signals import worker_ready

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

    @celery.task(name=ANALYZE_TASK)
    def analyze_case_task(case_id: int) -> None:
        from telemed.services.analysis import analyze_case

        analyze_case(case_id)

    @worker_ready.connect(weak=False)
    def _resume(sender=None, **_):
        # A worker killed with SIGKILL leaves its task unacknowledged until the visibility
        # timeout; re-queueing unfinished cases at start makes recovery immediate.
        resume_pending(app)

    return celery


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
            resume_pending(app)

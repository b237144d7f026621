import datetime as dt


def utcnow() -> dt.datetime:
    """Naive UTC, the same on SQLite and PostgreSQL `timestamp` columns."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"

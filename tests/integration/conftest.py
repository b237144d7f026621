"""Fixtures for multi-process tests: a fresh PostgreSQL database and Redis database per test."""
import itertools

import pytest

from tests.integration.cluster import Cluster, create_database, prepare_database

_redis_db = itertools.count(1)


def fresh_redis_url(server) -> str:
    """A Redis database of its own (1-15, emptied), so no test sees another's queued tasks."""
    import redis

    number = 1 + (next(_redis_db) - 1) % 15
    url = f"redis://127.0.0.1:{server.port}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def cluster(postgres, redis_server, tmp_path):
    """Web processes and Celery workers on one fresh database, one Redis and one data folder."""
    url = create_database(postgres)
    stack = Cluster(url, fresh_redis_url(redis_server), root=tmp_path)
    prepare_database(url, stack.data_dir)
    try:
        yield stack
    finally:
        stack.close()

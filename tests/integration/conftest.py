"""Fixtures for multi-process tests: a fresh PostgreSQL database and Redis database per test."""
import pytest

from tests.integration.cluster import Cluster, LiveClient, create_database, fresh_redis_url, prepare_database


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


@pytest.fixture
def clients():
    """`clients(base_url, username)` logs a user in over HTTP and Socket.IO; all are closed afterwards."""
    made = []

    def _make(*args, **kwargs):
        client = LiveClient(*args, **kwargs)
        made.append(client)
        return client

    yield _make
    for client in made:
        client.close()

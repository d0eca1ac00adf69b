"""Fixtures: the application over each backend, a test client and a live server.

Every test that uses ``app``, ``client`` or ``live_server`` runs twice: on SQLite and
on PostgreSQL. PostgreSQL tests skip with the reason when no server answers, except
under CI (``CI=true``), where they fail instead.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# sdmx1 2.28 builds its SDMX-ML 3.0 parser table from the 2.1 reader's when the 3.0
# reader is first imported; once 2.1 structure-specific data has been read, that
# table holds a DSD-specific namespace and every later 3.0 read fails. Importing
# the 3.0 reader first keeps the clients' tests independent of their order.
import sdmx.reader.xml.v30  # noqa: F401
from werkzeug.serving import make_server

from server import create_app

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _postgres_database() -> Iterator[str]:
    """Create a throw-away PostgreSQL database and drop it afterwards.

    The administrative connection is held only to create and to drop it: one held
    open per database for the whole session would use up the server's
    connections once a few dozen tests have made theirs.
    """
    import psycopg

    name = f"sdmx_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and did not answer: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url_factory(tmp_path_factory):
    """Make a fresh, empty database of a backend; returns its URL."""
    cleanups = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / "sdmx.db"
            return f"sqlite:///{path}"
        generator = _postgres_database()
        url = next(generator)
        cleanups.append(generator)
        return url

    yield make
    for generator in cleanups:
        next(generator, None)


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, database_url_factory):
    """The application with the bundled structures and DESA data, per backend."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url_factory(request.param),
        }
    )
    yield application
    application.extensions["store"].dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(params=BACKENDS)
def empty_app(request, database_url_factory):
    """An application over an empty database of each backend, for tests that write."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url_factory(request.param),
            "LOAD_BUNDLED": False,
        }
    )
    yield application
    application.extensions["store"].dispose()
    url = application.config["DATABASE_URL"]
    if url.startswith("postgresql"):  # dropped now rather than at the session's end
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            name = url.rsplit("/", 1)[1]
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session application served over HTTP on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


FIXTURES = Path(__file__).parent / "fixtures"

"""Database engines for the two backends: SQLite (WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def normalise_url(url: str) -> str:
    """Map ``postgresql://`` and ``postgres://`` to the psycopg 3 driver."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def create_engine(url: str) -> Engine:
    """An engine for ``url`` set up for several server processes at once."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # Statement parameters stay out of error messages (and so out of logs):
        # they hold submitted data.
        engine = sa.create_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 32 MB of page cache (the default is 2 MB): index pages of large writes stay.
    cursor.execute("PRAGMA cache_size=-32768")
    # LIKE compares case-sensitively, as PostgreSQL does (codes are case-sensitive;
    # c[…] co/sw/ew filters must answer the same on both backends).
    cursor.execute("PRAGMA case_sensitive_like=ON")
    cursor.close()


def version_key(version: str) -> tuple:
    """Sort key of an artefact version: numeric parts compared as numbers."""
    core, _, extension = version.partition("-")
    numbers = tuple(int(p) if p.isdigit() else 0 for p in core.split("."))
    # A version without extension (stable) sorts after its drafts.
    return numbers, extension == "", extension


class json_text(FunctionElement):
    """The text of one member of a JSON object kept in a text column, or NULL.

    ``json_text(column, "OBS_STATUS")`` is ``json_extract`` on SQLite and ``->>``
    on PostgreSQL, where the text is first cast to JSON.
    """

    type = sa.String()
    name = "json_text"
    inherit_cache = True


@compiles(json_text)
def _json_text_sqlite(element: json_text, compiler, **kw) -> str:
    column, member = (compiler.process(c, **kw) for c in element.clauses)
    return f"json_extract({column}, '$.\"' || {member} || '\"')"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler, **kw) -> str:
    column, member = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({column} AS JSON) ->> {member})"

"""Release of submissions awaiting it (a data provider's), by an administrator.

``POST /rest/v2/submissions/{n}/release`` applies submission ``n`` now, or, with
``?at=INSTANT`` in the future, when that instant has come: the first request any
server process answers after it applies it (each process looks at most once a
second). The data are written at release, so that is the time ``updatedAfter``,
``includeHistory`` and ETags see them change. Until then the submission is shown
only to its provider and to admins, at ``GET /rest/v2/submissions/{n}/data``.
A release that the data no longer pass (structures changed meanwhile) fails and
says why; nothing is applied.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import time

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request

from server.auth import User, require_user
from server.errors import Conflict, NotFound, SdmxError
from server.model import ArtefactRef
from server.query import parameters
from server.store import now, schema
from server.store_ext import get_store
from server.submission import DELETE, MERGE, REPLACE, submit

log = logging.getLogger(__name__)

_TRIPLE = re.compile(r"([^:]+):([^(]+)\(([^)]+)\)")
CHECK_EVERY = 1.0  # seconds between looks for due releases, per process


def init_app(app: Flask) -> None:
    app.before_request(_apply_due_releases)


def release(pk: int) -> Response:
    """Answer ``POST /rest/v2/submissions/{pk}/release[?at=INSTANT]``."""
    store = get_store()
    admin = require_user(store, "admin")
    row = _pending(store, pk)
    at = parameters.utc_instant("at", request.args.get("at"))
    if at is not None and at > now():
        with store.engine.begin() as conn:
            conn.execute(
                sa.update(schema.submission)
                .where(schema.submission.c.pk == pk)
                .values(release_at=at, released_by=admin.name)
            )
        return _json({"submission": pk, "state": "pending", "release_at": at}, 202)
    outcome = release_now(store, row, admin.name)
    return _json(outcome, outcome["status"])


def withdraw(pk: int) -> Response:
    """Answer ``DELETE /rest/v2/submissions/{pk}``: its office withdraws, or an
    admin rejects, a submission awaiting release; nothing of it is applied."""
    store = get_store()
    user = require_user(store, "admin", "provider")
    row = _pending(store, pk)
    if not user.is_admin and row.provider != user.provider:
        raise NotFound(f"no submission {pk} of yours")
    state = "rejected" if user.is_admin else "withdrawn"
    s = schema.submission
    with store.engine.begin() as conn:
        done = conn.execute(
            sa.update(s)
            .where(s.c.pk == pk, s.c.state == "pending")
            .values(state=state, body=None, released_by=user.name)
        ).rowcount
    if not done:
        raise Conflict(f"submission {pk} is no longer awaiting release")
    return _json({"submission": pk, "state": state}, 200)


def preview(pk: int) -> Response:
    """Answer ``GET /rest/v2/submissions/{pk}/data``: the message as submitted."""
    store = get_store()
    user = require_user(store, "admin", "provider")
    g.private = True
    s = schema.submission
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(s).where(s.c.pk == pk)).first()
    if row is None or (not user.is_admin and row.provider != user.provider):
        raise NotFound(f"no submission {pk} of yours")
    if row.body is None:
        raise NotFound(
            f"submission {pk} is {row.state}: only one awaiting release keeps its "
            "message; its data are served by the data queries"
        )
    content_type = row.content_type or "application/octet-stream"
    return Response(gzip.decompress(row.body), content_type=content_type)


def _pending(store, pk: int):
    s = schema.submission
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(s).where(s.c.pk == pk)).first()
    if row is None:
        raise NotFound(f"no submission {pk}; list them at /rest/v2/submissions")
    if row.state != "pending":
        raise Conflict(f"submission {pk} is {row.state}, not awaiting release")
    return row


def release_now(store, row, by: str) -> dict:
    """Apply a pending submission; record and return what came of it."""
    s = schema.submission
    with store.engine.begin() as conn:  # one process takes it, once
        taken = conn.execute(
            sa.update(s)
            .where(s.c.pk == row.pk, s.c.state == "pending")
            .values(state="releasing")
        ).rowcount
    if not taken:
        raise Conflict(f"submission {row.pk} is being released already")
    submitter = User(row.user_name, row.user_role or "provider", row.provider)
    addressed = _addressed(row.addressed)
    values: dict = {"released_by": by}
    try:
        result = submit(
            store,
            io.BytesIO(gzip.decompress(row.body)),
            default_provider=row.provider or current_app.config["DEFAULT_PROVIDER"],
            user=submitter,
            addressed=addressed,
        )
    except SdmxError as error:
        values |= {"state": "failed", "status": error.status}
        values["message"] = f"release refused, nothing applied: {error.message}"[:4000]
    else:
        values |= {
            "state": "released",
            "status": 200,
            "released": result.stamp,
            "merged": result.total(MERGE),
            "replaced": result.total(REPLACE),
            "deleted": result.total(DELETE),
            "body": None,
        }
    with store.engine.begin() as conn:
        conn.execute(sa.update(s).where(s.c.pk == row.pk).values(**values))
    log.info("submission %d %s by %s", row.pk, values["state"], by)
    outcome = {k: v for k, v in values.items() if k != "body"}
    return {"submission": row.pk, **outcome}


def _addressed(text: str | None) -> ArtefactRef | None:
    match = _TRIPLE.fullmatch(text or "")
    return ArtefactRef("dataflow", *match.groups()) if match else None


def _apply_due_releases() -> None:
    """Apply releases whose time has come, looking at most once a second."""
    state = current_app.extensions.setdefault("releases", {"checked": 0.0})
    moment = time.monotonic()
    if moment - state["checked"] < CHECK_EVERY:
        return
    state["checked"] = moment
    store = get_store()
    s = schema.submission
    with store.engine.connect() as conn:
        due = conn.execute(
            sa.select(s).where(
                s.c.state == "pending",
                s.c.release_at.is_not(None),
                s.c.release_at <= now(),
            )
        ).all()
    for row in due:
        try:
            release_now(store, row, row.released_by or "schedule")
        except Conflict:
            pass  # another process took it


def _json(body: dict, status: int) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )

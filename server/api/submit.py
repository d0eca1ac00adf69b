"""``POST /rest/v2/data``: data submissions over HTTP (SDMX-REST data-upload draft).

The body is an SDMX-ML 2.1 or SDMX-CSV 1.0/2.0 data message, gzip-compressed when
``Content-Encoding: gzip`` says so. It is read as a stream, hashed (SHA-256) and
counted on the way: above ``MAX_SUBMISSION_BYTES`` (uncompressed) the answer is 413.
Every answer is a ``SubmitDataResponse`` in JSON, as the draft has it (annex III):
per data set the dataflow URN, the action and status messages, then the
submission result with the HTTP status. Every submission, whatever its outcome, is
recorded for audit (``GET /rest/v2/submissions``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from typing import IO, Any

import sqlalchemy as sa
from flask import Response, current_app, g, request

from server.api.rest2_common import sender
from server.auth import Forbidden, User, require_user
from server.errors import InvalidQuery, ResponseTooLarge, SdmxError
from server.model import ArtefactRef
from server.store import now, schema
from server.store_ext import get_store
from server.submission import DELETE, MERGE, REPLACE, Result, submit

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
CONTENT_TYPE = "application/json"
_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow="
_DONE = {MERGE: "merged", REPLACE: "replaced", DELETE: "deleted"}


class _Body:
    """The request body as a binary stream: decompressed, hashed, counted and
    limited on the way (``read(size)`` is all a reader asks of it)."""

    def __init__(
        self, raw: IO[bytes], encoding: str, limit: int, keep: bool = False
    ) -> None:
        self.raw = raw
        # A submission awaiting release is kept, compressed, to be applied later.
        self.kept = (
            zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if keep else None
        )
        self.kept_parts: list[bytes] = []
        self.sha256 = hashlib.sha256()
        self.count = 0  # bytes as sent
        self.size = 0  # bytes once decompressed
        self.limit = limit
        self.pending = b""
        self.inflate: Any = None
        if encoding in ("gzip", "x-gzip"):
            self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.inflate = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise InvalidQuery(
                f"Content-Encoding {encoding!r} is not supported; send gzip, deflate "
                "or no encoding"
            )

    def read(self, size: int = -1) -> bytes:
        want = size if size and size > 0 else 1 << 62
        parts, held = [self.pending], len(self.pending)
        while held < want:
            chunk = self._next()
            if not chunk:
                break
            parts.append(chunk)
            held += len(chunk)
        data = b"".join(parts)
        self.pending = data[want:]
        return data[:want]

    def _next(self) -> bytes:
        """The next piece of the decompressed body; empty at its end."""
        while True:
            try:
                raw = self.raw.read(65536)
            except (OSError, ValueError) as error:
                raise InvalidQuery(
                    f"the request body could not be read ({error}); send it whole, "
                    "with a right Content-Length or chunked encoding"
                ) from None
            if raw:
                self._account(raw)
            data = raw if self.inflate is None else self._inflate(raw)
            self.size += len(data)
            if self.size > self.limit:
                raise ResponseTooLarge(
                    f"the submission is larger than {self.limit:,} bytes, the most "
                    "this service accepts at once; split it into several messages"
                )
            if self.kept is not None and data:
                self.kept_parts.append(self.kept.compress(data))
            if data or not raw:
                return data

    def _inflate(self, raw: bytes) -> bytes:
        """Decompress a piece (the end of the body when empty), refusing a body
        cut short or followed by anything."""
        inflate = self.inflate
        try:
            if not raw:
                data = inflate.flush()
                if not inflate.eof:
                    raise zlib.error("the compressed body is cut short")
                self.inflate = None
                return data
            if inflate.eof:
                raise zlib.error("data follows the end of the compressed body")
            data = inflate.decompress(raw)
            if inflate.unused_data:
                raise zlib.error("data follows the end of the compressed body")
            return data
        except zlib.error as error:
            raise InvalidQuery(
                "the body is not valid compressed data for its Content-Encoding "
                f"({error}); nothing was stored"
            ) from None

    def kept_body(self) -> bytes:
        """The whole message as read (decompressed), gzip-compressed."""
        return b"".join([*self.kept_parts, self.kept.flush()])

    def _account(self, chunk: bytes) -> None:
        self.count += len(chunk)
        self.sha256.update(chunk)

    def drain(self) -> None:
        """Read what is left of the body, for the checksum of the whole."""
        try:
            while chunk := self.raw.read(65536):
                self._account(chunk)
        except OSError:
            pass


def submit_data(segments: list[str]) -> Response:
    """Answer ``POST /rest/v2/data[/{context}/{agency}/{id}/{version}]``.

    An admin's submission is applied at once. A provider's is checked whole (every
    rule, in a transaction then undone) and kept, awaiting an admin's release: the
    answer is then 202, with the counts it will have.
    """
    store = get_store()
    try:  # refusals before reading the body answer in the same JSON form
        user = require_user(store, "admin", "provider")
        addressed = _addressed(segments)
        pending = not user.is_admin and current_app.config["RELEASE_REQUIRED"]
        limit = current_app.config.get("MAX_SUBMISSION_BYTES", DEFAULT_MAX_BYTES)
        declared = request.content_length
        if declared is not None and declared > limit and not request.content_encoding:
            raise ResponseTooLarge(
                f"the submission is larger than {limit:,} bytes, the most this "
                "service accepts at once; split it into several messages"
            )
        encoding = (request.content_encoding or "").lower()
        body = _Body(request.stream, encoding, limit, keep=pending)
    except SdmxError as error:
        response = _response(None, error.status, error.message)
        response.headers.update(getattr(error, "headers", None) or {})
        return response
    result: Result | None = None
    status, message, details = (202 if pending else 200), "", None
    try:
        result = submit(
            store,
            body,
            default_provider=user.provider or current_app.config["DEFAULT_PROVIDER"],
            user=user,
            addressed=addressed,
            dry_run=pending,
        )
    except SdmxError as error:
        status, message = error.status, error.message
        details = getattr(error, "details", None)
        if details is not None:
            details = {"errors": details, "total": error.total}
    finally:
        body.drain()
    kept = body.kept_body() if pending and status == 202 else None
    pk = _record(
        store, user, body, result, status, message, kept=kept, addressed=addressed
    )
    return _response(result, status, message, details, pk)


def _addressed(segments: list[str]) -> ArtefactRef | None:
    """The dataflow a ``/data/dataflow/AGENCY/ID/VERSION`` path names, if any."""
    if not segments:
        return None
    if len(segments) != 4 or segments[0] != "dataflow" or not all(segments):
        raise InvalidQuery(
            "post data to /rest/v2/data or /rest/v2/data/dataflow/{agency}/{id}/"
            "{version}, with one agency, id and version"
        )
    _, agency, ident, version = segments
    return ArtefactRef("dataflow", agency, ident, version)


def _record(
    store,
    user: User,
    body: _Body,
    result,
    status: int,
    message: str,
    *,
    kept: bytes | None = None,
    addressed: ArtefactRef | None = None,
) -> int:
    """Keep the audit record of one submission (its own transaction); its number."""
    applied = result.applied if result else []
    with store.engine.begin() as conn:
        pk = conn.execute(
            sa.insert(schema.submission).values(
                user_name=user.name,
                user_role=user.role,
                provider=user.provider,
                received=now(),
                dataflows=json.dumps(sorted({a.flow.triple for a in applied})),
                body_sha256=body.sha256.hexdigest(),
                body_bytes=body.count,
                status=status,
                merged=result.total(MERGE) if result else 0,
                replaced=result.total(REPLACE) if result else 0,
                deleted=result.total(DELETE) if result else 0,
                message=message[:4000],
                state=(
                    "pending"
                    if kept is not None
                    else "applied"
                    if status == 200
                    else "refused"
                ),
                body=kept,
                content_type=request.content_type,
                addressed=addressed.triple if addressed else None,
            )
        ).inserted_primary_key[0]
    log.info(
        "submission by %s: status %d, %d bytes, sha256 %s",
        user.name,
        status,
        body.count,
        body.sha256.hexdigest()[:16],
    )
    return pk


def _response(
    result: Result | None,
    status: int,
    message: str,
    details: dict | None = None,
    pk: int | None = None,
) -> Response:
    submitted = []
    for applied in result.applied if result else []:
        submitted.append(
            {
                "urn": f"{_URN}{applied.flow.triple}",
                "action": applied.action,
                "provider": applied.provider,
                "count": applied.count,
                "statusMessages": [
                    _status(
                        "Success" if applied.count else "Warning",
                        (
                            f"{applied.count} observations "
                            f"{'to be ' if status == 202 else ''}"
                            f"{_DONE[applied.action]}"
                        )
                        if applied.count
                        else f"no observation {'would be' if status == 202 else 'was'} "
                        f"{_DONE[applied.action]}",
                    )
                ],
            }
        )
    changed = result is not None and any(a.count for a in result.applied)
    if status == 200 and not changed:
        summary = _status(
            "Warning", "Nothing was changed: no observation matched or was given"
        )
    elif status == 200:
        summary = _status(
            "Success", "All changes have been completed in one transaction"
        )
    elif status == 202:
        summary = _status(
            "Success",
            f"Checked whole and kept as submission {pk}: nothing changes until an "
            "administrator releases it; the counts say what it will do",
        )
    else:
        summary = _status("Failure", f"Nothing was changed: {message}")
    body: dict[str, Any] = {
        "meta": {"sender": {"id": sender()}, "prepared": now(), "submission": pk},
        "submittedData": submitted,
        "submissionResult": {"code": status, "statusMessage": summary},
    }
    if details is not None:  # each validation error: where, component, value, rule
        body["submissionResult"].update(details)
    if result is not None:
        body["submissionResult"]["counts"] = {
            "merged": result.total(MERGE),
            "replaced": result.total(REPLACE),
            "deleted": result.total(DELETE),
        }
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def _status(status: str, text: str) -> dict[str, Any]:
    return {"status": status, "texts": {"en": text}}


def list_submissions() -> Response:
    """``GET /rest/v2/submissions``: the audit trail; providers see their own."""
    store = get_store()
    user = require_user(store)
    g.private = True  # per user: never kept by a shared cache
    if user.role == "reader":
        raise Forbidden("readers see no submissions; providers see their own")
    s = schema.submission
    statement = sa.select(s).order_by(s.c.pk.desc()).limit(1000)
    if not user.is_admin:
        statement = statement.where(s.c.provider == user.provider)
    with store.engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(statement)]
    for row in rows:
        row["dataflows"] = json.loads(row["dataflows"])
        row["submission"] = row.pop("pk")
        row.pop("body")
    return Response(
        json.dumps({"submissions": rows}, ensure_ascii=False),
        content_type=CONTENT_TYPE,
    )

"""Rendered answers kept per process, valid while the store does not change.

A structure query is answered many times between two changes of the store, and
rendering it (reading artefacts, negotiating, serialising, compressing) costs far
more than sending it. :class:`ResponseCache` wraps the WSGI application: an
anonymous ``GET`` answered 200 with a body of at most ``RESPONSE_CACHE_ENTRY_BYTES``
is kept, with its headers, under the request's path, query and the headers that
select its form (``Accept``, ``Accept-Language``, ``Accept-Encoding``, ``Host``),
and the store's change counter at the time. A later request is answered from it
only while the counter is the same, so a write through any process (every write
bumps the counter in its own transaction) makes every process render again: the
counter is read from the database for each request, as the ETags already were.

Not kept: requests with credentials (``Authorization``, ``Cookie``), ``HEAD``
requests, answers marked ``Cache-Control: private``, anything but 200, answers
made within a second of the store's last change (they carry no Last-Modified yet),
bodies larger than the entry limit (large data answers stream through untouched),
and requests
whose path, query and headers run over 2,048 characters. Keys and headers count
against the memory limit with the bodies. A kept answer repeats its
message header (id and preparation time) until the store changes, as an HTTP cache
in front of the server would.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flask import Flask
from werkzeug.sansio.http import is_resource_modified

_KEY_VARIABLES = (
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_HOST",
    "wsgi.url_scheme",
)
# Answers that depend on who asks are never kept.
_PERSONAL = ("HTTP_AUTHORIZATION", "HTTP_COOKIE")
_COUNTER_SQL = "SELECT value FROM setting WHERE name = 'change_counter'"
_MAX_KEY = 2048  # characters of path, query and headers; longer ones are not kept


@dataclass(frozen=True)
class _Entry:
    version: str
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    last_modified: str | None


class ResponseCache:
    """WSGI middleware answering repeated anonymous queries from memory."""

    def __init__(
        self,
        app: Flask,
        wsgi_app: Callable,
        max_bytes: int,
        max_entry_bytes: int,
        due_check: Callable[[], bool],
    ) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.due_check = due_check
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._size = 0
        self.hits = 0  # answers given from kept ones
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or any(
            name in environ for name in _PERSONAL
        ):
            return self.wsgi_app(environ, start_response)
        key = tuple(environ.get(name, "") for name in _KEY_VARIABLES)
        if sum(map(len, key)) > _MAX_KEY:  # odd headers: not worth keeping
            return self.wsgi_app(environ, start_response)
        version = self._version()
        entry = None
        # When scheduled releases are due, the application's request hook applies
        # them: the request goes through.
        if not self.due_check():
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry.version == version:
                    self._entries.move_to_end(key)
                else:
                    entry = None
        if entry is not None:
            self.hits += 1
            return self._answer(entry, environ, start_response)
        return self._render(key, version, environ, start_response)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _version(self) -> str:
        store = self.app.extensions["store"]
        with store.engine.connect() as conn:
            return conn.exec_driver_sql(_COUNTER_SQL).scalar() or "0"

    def _answer(
        self, entry: _Entry, environ: dict, start_response: Callable
    ) -> list[bytes]:
        if _not_modified(entry, environ):
            kept = ("etag", "last-modified", "vary", "access-control-allow-origin")
            headers = [
                (name, value)
                for name, value in entry.headers
                if name.lower() in kept or name.lower().startswith("access-control-")
            ]
            start_response("304 NOT MODIFIED", headers)
            return []
        start_response(entry.status, entry.headers)
        return [entry.body]

    def _render(
        self, key: tuple, version: str, environ: dict, start_response: Callable
    ) -> Iterator[bytes]:
        answered: dict = {}

        def capture(status: str, headers: list, exc_info=None):  # noqa: ANN001
            answered["status"] = status
            answered["headers"] = headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        kept: list[bytes] | None = []
        size = 0
        try:
            for chunk in body:
                if kept is not None:
                    size += len(chunk)
                    if size > self.max_entry_bytes or not _keepable(answered):
                        kept = None
                    else:
                        kept.append(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if kept is not None and _keepable(answered):
            self._keep(key, version, answered, b"".join(kept))

    def _keep(self, key: tuple, version: str, answered: dict, body: bytes) -> None:
        headers = [
            (name, value)
            for name, value in answered["headers"]
            if name.lower() != "content-length"
        ]
        headers.append(("Content-Length", str(len(body))))
        names = {name.lower(): value for name, value in headers}
        entry = _Entry(
            version,
            answered["status"],
            headers,
            body,
            names.get("etag"),
            names.get("last-modified"),
        )
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= _footprint(key, previous)
            self._entries[key] = entry
            self._size += _footprint(key, entry)
            while self._size > self.max_bytes and self._entries:
                dropped_key, dropped = self._entries.popitem(last=False)
                self._size -= _footprint(dropped_key, dropped)


def _footprint(key: tuple, entry: _Entry) -> int:
    """What an entry is counted for: its body, key and headers, and some overhead."""
    headers = sum(len(name) + len(value) for name, value in entry.headers)
    return len(entry.body) + sum(map(len, key)) + headers + 512


def _keepable(answered: dict) -> bool:
    """A 200, not private, with its Last-Modified: an answer made within the
    second of a change has none yet (see :mod:`server.api.http`), and kept it
    would go without one until the next change."""
    if not answered.get("status", "").startswith("200"):
        return False
    names = {name.lower(): value for name, value in answered["headers"]}
    private = "private" in names.get("cache-control", "").lower()
    return "last-modified" in names and not private


def _not_modified(entry: _Entry, environ: dict) -> bool:
    """The conditional request rules of :mod:`server.api.http` (If-None-Match
    compared weakly, else If-Modified-Since), on a kept answer."""
    return not is_resource_modified(
        http_range=None,
        http_if_range=None,
        http_if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
        http_if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
        http_if_match=None,
        etag=entry.etag,
        last_modified=entry.last_modified,
    )


def init_app(app: Flask) -> None:
    """Wrap ``app`` with a response cache unless ``RESPONSE_CACHE_BYTES`` is 0."""
    from server.api import release

    limit = int(app.config.setdefault("RESPONSE_CACHE_BYTES", 64 * 2**20))
    entry_limit = int(app.config.setdefault("RESPONSE_CACHE_ENTRY_BYTES", 2**20))
    if limit <= 0:
        return
    state = app.extensions.setdefault("releases", {"checked": 0.0})

    def due_check() -> bool:
        return time.monotonic() - state["checked"] >= release.CHECK_EVERY

    cache = ResponseCache(app, app.wsgi_app, limit, entry_limit, due_check)
    app.extensions["response_cache"] = cache
    app.wsgi_app = cache

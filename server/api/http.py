"""HTTP done properly (SDMX-REST 1.5 section 4.6, 2.x tips): validators, conditional
requests, compression, CORS and URL limits, applied to every response.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, g, request
from werkzeug.http import parse_accept_header

from server.errors import InvalidQuery, SdmxError

# Content-Encoding -> zlib window bits of the stream that encoding names.
ENCODINGS = {"gzip": 31, "deflate": 15}
EXPOSED = "Content-Type, Content-Language, ETag, Last-Modified, Vary"
ALLOWED_HEADERS = (
    "Accept, Accept-Encoding, Accept-Language, If-None-Match, If-Modified-Since, "
    "Authorization, Content-Type, Content-Encoding"
)


class UriTooLong(SdmxError):
    """The request URI is longer than this service accepts."""

    status = 414
    code = 414


def init_app(app: Flask) -> None:
    """Register the checks and header rules on every request and response."""
    app.config.setdefault("MAX_URL_LENGTH", 4096)
    # '//' in a path is an empty segment to refuse, not a redirect (an HTML page).
    app.url_map.merge_slashes = False
    app.before_request(_check_url_length)
    app.before_request(_check_control_characters)
    app.after_request(_finish)


def _check_control_characters() -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in request.path):
        raise InvalidQuery(
            "the path holds a control character (such as an encoded newline, "
            "%0A); remove it"
        )


def _check_url_length() -> None:
    length = len(request.full_path)
    limit = current_app.config["MAX_URL_LENGTH"]
    if length > limit:
        raise UriTooLong(
            f"the request URI has {length} characters, more than the {limit} this "
            "service accepts; split the key into several queries or use wildcards"
        )


def _finish(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    response.headers["Vary"] = "Accept, Accept-Encoding, Accept-Language"
    if request.method == "OPTIONS":  # CORS preflight: no content
        response.status_code = 204
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
        response.headers["Access-Control-Allow-Methods"] = (
            "GET, HEAD, POST, PUT, DELETE, OPTIONS"
        )
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
        return response
    if g.get("private"):  # a restricted dataflow's data: per user, never shared
        response.headers["Cache-Control"] = "private"
        response.vary.add("Authorization")
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    _validators(response)
    if _not_modified(response):
        return _answer_not_modified(response)
    return _compress(response)


def _validators(response: Response) -> None:
    """ETag and Last-Modified from the store's change counter."""
    store = current_app.extensions["store"]
    version, changed = store.change_marker()
    # Everything that changes the body: data, query, format and its parameters,
    # language and compression.
    varies = "|".join(
        [version, request.full_path, response.content_type]
        + [request.headers.get(h, "") for h in ("Accept", "Accept-Language")]
        + [_encoding() or "identity"]
        # What one user may see another may not: private answers differ by user.
        + ([request.headers.get("Authorization", "")] if g.get("private") else [])
    )
    tag = hashlib.sha256(varies.encode()).hexdigest()[:32]
    response.set_etag(tag)
    modified = datetime.fromisoformat(changed)
    # HTTP dates count whole seconds: a change within the current second could be
    # followed by another in the same second, which If-Modified-Since would miss.
    if datetime.now(modified.tzinfo) - modified >= timedelta(seconds=1):
        response.last_modified = modified


def _not_modified(response: Response) -> bool:
    if request.if_none_match:
        # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
        return request.if_none_match.contains_weak(response.get_etag()[0])
    since = request.if_modified_since
    return (
        since is not None
        and response.last_modified is not None
        and (response.last_modified.replace(microsecond=0) <= since)
    )


def _answer_not_modified(response: Response) -> Response:
    answer = Response(status=304)
    for header in (
        "ETag",
        "Last-Modified",
        "Vary",
        "Access-Control-Allow-Origin",
        "Access-Control-Expose-Headers",
    ):
        if header in response.headers:
            answer.headers[header] = response.headers[header]
    response.close()
    return answer


def _encoding() -> str | None:
    """The content coding chosen from Accept-Encoding, None for identity."""
    accepted = parse_accept_header(request.headers.get("Accept-Encoding"))
    return next(
        (
            e
            for e, q in sorted(accepted, key=lambda item: -item[1])
            if e in ENCODINGS and q > 0
        ),
        None,
    )


def _compress(response: Response) -> Response:
    encoding = _encoding()
    if encoding is None or request.method == "HEAD":
        return response
    response.response = _compressed(response.response, ENCODINGS[encoding])
    response.headers["Content-Encoding"] = encoding
    response.headers.pop("Content-Length", None)
    response.direct_passthrough = False
    return response


def _compressed(chunks: Iterable[bytes | str], wbits: int) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    for chunk in chunks:
        data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        compressed = compressor.compress(data)
        if compressed:
            yield compressed
    yield compressor.flush()

"""Request helpers of the SDMX-REST 2.x blueprint: parameters, path segments, 204."""

from __future__ import annotations

import re

from flask import Response, current_app, request

from server.errors import InvalidQuery
from server.model import ArtefactRef
from server.query.queries import ALL

WILDCARD = "*"


def check_parameters(allowed: set[str], filters: bool = False) -> None:
    """Refuse repeated and unknown query parameters (``c[…]`` when ``filters``)."""
    names = [n for n in request.args if not (filters and _is_filter(n))]
    repeated = sorted(n for n in names if len(request.args.getlist(n)) > 1)
    if repeated:
        raise InvalidQuery(
            f"query parameter(s) {', '.join(repeated)} given more than once; give "
            "each parameter once"
        )
    unknown = sorted(set(names) - allowed)
    if unknown:
        accepted = sorted(allowed | ({"c[COMPONENT]"} if filters else set()))
        raise InvalidQuery(
            f"unknown query parameter(s) {', '.join(unknown)}; this query accepts "
            f"{', '.join(accepted)}"
        )


def _is_filter(name: str) -> bool:
    return name == "c" or name.startswith("c[")


def segment(segments: list[str], index: int, default: str = WILDCARD) -> str:
    """The path segment at ``index``, or ``default`` when absent or empty."""
    value = segments[index] if index < len(segments) else ""
    return value or default


def split_values(kind: str, text: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Values joined with ``,``; ``*`` (anywhere) becomes the store's ``all``."""
    values = tuple(text.split(","))
    if WILDCARD in values:
        return (ALL,)
    for value in values:
        if not pattern.fullmatch(value):
            raise InvalidQuery(
                f"{kind} {value!r} is not a valid SDMX identifier (expected "
                f"{pattern.pattern} or '*'); join several with ','"
            )
    return values


def no_content() -> Response:
    """204: the query is valid and matches nothing (status.md)."""
    response = Response(status=204)
    response.headers.pop("Content-Type", None)
    return response


def sender() -> str:
    """The id of this service as the sender of every message."""
    return current_app.config["SENDER_ID"]


def ref(row) -> ArtefactRef:
    """The reference to a stored artefact row."""
    return ArtefactRef(row.type, row.agency, row.id, row.version)

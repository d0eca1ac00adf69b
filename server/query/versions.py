"""Version queries of SDMX-REST 2.x (querying_versions.md) over stored versions.

A version query is one or more patterns joined with ``,`` (OR). A pattern is an exact
version (``1.0``, ``1.2.3``, ``1.2.3-draft``) or a semantic-version pattern with one
wildcard operator: ``+`` (latest stable), ``~`` (latest of any status) or ``*`` (all),
alone or in one part (``1.+.0``, ``1.2+.0``, ``1.~``, ``2*.1``). A number before the
operator is a lower bound; the parts after it continue that bound.

The store holds SDMX 2.1 artefacts with legacy versions such as ``1.0``; ``X`` and
``X.Y`` are matched as ``X.0.0`` and ``X.Y.0``, and a version counts as stable when
its artefact is final and it has no extension (``-draft``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from server.errors import InvalidQuery

OPERATORS = "+~*"
_PART = re.compile(r"(?P<number>0|[1-9][0-9]*)?(?P<operator>[+~*])?")
_EXACT = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,2}(-[0-9A-Za-z.-]+)?")
_STORED = re.compile(r"([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-(.+))?")
HELP = (
    "use an exact version (1.0, 1.2.3), '~' (latest), '+' (latest stable), '*' "
    "(all) or a pattern such as 1.+.0, 1.2+.0, 1.~, 1.*; join several with ','"
)


@dataclass(frozen=True)
class StoredVersion:
    """One stored version of an artefact and whether its artefact is final."""

    version: str
    is_final: bool = True


@dataclass(frozen=True)
class VersionPattern:
    """One pattern of a version query.

    Attributes:
        text: The pattern as given.
        operator: ``+``, ``~``, ``*``, or None for an exact version.
        prefix: Leading parts that a version must have exactly.
        bound: Lower bound of the remaining parts, compared in order.
        extension: The extension of an exact version (``draft`` in 1.0.0-draft).
    """

    text: str
    operator: str | None
    prefix: tuple[int, ...] = ()
    bound: tuple[int, ...] = (0, 0, 0)
    extension: str = ""

    def matches(self, version: StoredVersion) -> bool:
        """Whether ``version`` is within this pattern, before picking the latest."""
        parsed = _parse_stored(version.version)
        if parsed is None:  # not numeric: only the plain wildcards reach it
            return (
                self.operator in ("*", "~") and not self.prefix and not any(self.bound)
            )
        numbers, extension = parsed
        if self.operator is None:
            return numbers == self.prefix and extension == self.extension
        if self.operator == "+" and not (version.is_final and not extension):
            return False
        width = len(self.prefix)
        return numbers[:width] == self.prefix and numbers[width:] >= self.bound


def parse_version_query(text: str) -> tuple[VersionPattern, ...]:
    """Parse a version query of several patterns joined with ``,``.

    Raises:
        InvalidQuery: A pattern breaks the syntax of querying_versions.md.
    """
    return tuple(_parse_pattern(part) for part in text.split(","))


def select_versions(
    patterns: Iterable[VersionPattern], stored: Iterable[StoredVersion]
) -> set[str]:
    """The stored versions of one artefact that a version query selects.

    Args:
        patterns: The parsed query (patterns are ORed).
        stored: Every stored version of one artefact (same type, agency and id).

    Returns:
        The selected version strings: all matches for ``*`` patterns, the latest
        match for ``~`` and ``+`` patterns, the equal ones for exact versions.
    """
    stored = list(stored)
    selected: set[str] = set()
    for pattern in patterns:
        found = [v for v in stored if pattern.matches(v)]
        if pattern.operator in ("+", "~") and found:
            found = [max(found, key=lambda v: sort_key(v.version))]
        selected.update(v.version for v in found)
    return selected


def select_artefacts(patterns: Iterable[VersionPattern], rows: Iterable) -> list:
    """The artefact rows whose version a version query selects, artefact by artefact.

    Args:
        patterns: The parsed query.
        rows: Objects with ``type``, ``agency``, ``id``, ``version`` and
            ``is_final``, such as the store's artefact rows.

    Returns:
        The selected rows, in their given order.
    """
    patterns, rows = tuple(patterns), list(rows)
    by_artefact: dict[tuple[str, str, str], list] = {}
    for row in rows:
        by_artefact.setdefault((row.type, row.agency, row.id), []).append(row)
    selected = {
        ident: select_versions(
            patterns, [StoredVersion(r.version, bool(r.is_final)) for r in group]
        )
        for ident, group in by_artefact.items()
    }
    return [r for r in rows if r.version in selected[(r.type, r.agency, r.id)]]


def sort_key(version: str) -> tuple:
    """Order of versions: by numbers, a release after its extensions (drafts)."""
    parsed = _parse_stored(version)
    if parsed is None:
        return (-1, -1, -1), False, version
    numbers, extension = parsed
    return numbers, extension == "", extension, version


def _parse_stored(version: str) -> tuple[tuple[int, int, int], str] | None:
    match = _STORED.fullmatch(version)
    if match is None:
        return None
    major, minor, patch, extension = match.groups()
    return (int(major), int(minor or 0), int(patch or 0)), extension or ""


def _parse_pattern(text: str) -> VersionPattern:
    if text in ("~", "*"):
        return VersionPattern(text, text)
    if text == "+":
        return VersionPattern(text, "+", bound=(1, 0, 0))
    if _EXACT.fullmatch(text):
        core, _, extension = text.partition("-")
        numbers = tuple(int(p) for p in core.split("."))
        return VersionPattern(text, None, _pad(numbers, 3), (), extension)
    return _wildcard_pattern(text)


def _wildcard_pattern(text: str) -> VersionPattern:
    parts = [_PART.fullmatch(p) for p in text.split(".")]
    if not 2 <= len(parts) <= 3 or None in parts or "" in text.split("."):
        raise _invalid(text, "it is neither a version nor a version pattern")
    operators = [i for i, p in enumerate(parts) if p["operator"]]
    if len(operators) != 1:
        raise _invalid(text, "use exactly one of the operators +, ~ and * in it")
    position = operators[0]
    operator = parts[position]["operator"]
    numbers = [p["number"] for p in parts]
    if None in numbers[:position] or None in numbers[position + 1 :]:
        raise _invalid(text, "every part other than the wildcard needs a number")
    after = [int(n) for n in numbers[position + 1 :]]
    if numbers[position] is None and any(after):
        raise _invalid(text, "a part after a bare wildcard must be 0 (e.g. 1.+.0)")
    _check_stable_pattern(text, operator, parts, numbers)
    # A bare '+' in the major part means 1 or more: stable versions start at 1.0.0.
    bare_major = 1 if operator == "+" and position == 0 else 0
    start = int(numbers[position] or bare_major)
    prefix = tuple(int(n) for n in numbers[:position])
    return VersionPattern(text, operator, prefix, _pad((start, *after), 3 - position))


def _check_stable_pattern(text: str, operator: str, parts: list, numbers: list):
    if operator != "+":
        return
    if len(parts) != 3:
        raise _invalid(text, "'+' patterns have three parts (use 2.3+.0, not 2.3+)")
    if int(numbers[0] or 1) < 1:
        raise _invalid(text, "stable versions start at major version 1")


def _pad(numbers: tuple[int, ...], width: int) -> tuple[int, ...]:
    return (*numbers, *([0] * (width - len(numbers))))


def _invalid(text: str, reason: str) -> InvalidQuery:
    return InvalidQuery(f"version {text!r} is not valid: {reason}; {HELP}")

"""The past of observations as data sets: what ``updatedAfter`` and
``includeHistory`` answer (SDMX-REST 2.x data.md, "Data replication").

Each stored observation version is valid from ``valid_from`` until ``valid_to``
(None while current). :func:`changes_since` turns the versions a query matches into
what changed after an instant: a Replace data set of the current observations
written since, and a Delete data set of those deleted since (gone with no
successor). :func:`history` turns them into every dissemination, oldest first: a
Replace data set per instant at which observations were written (``validFromDate``)
and a Delete data set per instant at which some were deleted (``validToDate``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

REPLACE, DELETE = "Replace", "Delete"


class DeletedRow(NamedTuple):
    """A deleted observation, as data writers read rows."""

    key: str
    series_attributes: str
    provider: str
    period: str
    value: None = None
    attributes: None = None


@dataclass
class DataPart:
    """One data set of a message: its action, validity and rows (ordered by series,
    then period)."""

    action: str | None
    rows: list = field(default_factory=list)
    valid_from: str | None = None
    valid_to: str | None = None


def _observations(versions: Iterable) -> Iterable[list]:
    """The versions of each observation together (they come ordered so), but
    those that ended as they began (written and replaced or deleted within one
    message), which nobody could ever read."""
    by_observation = itertools.groupby(
        versions, key=lambda v: (v.key, v.provider, v.period)
    )
    for _, group in by_observation:
        seen = [v for v in group if v.valid_to != v.valid_from]
        if seen:
            yield seen


def _deleted(versions: Sequence) -> DeletedRow | None:
    """The deletion that ended an observation's last version, if it ended."""
    last = max(versions, key=lambda v: v.valid_from)
    if last.valid_to is None:
        return None
    return DeletedRow(last.key, "{}", last.provider, last.period)


def _gaps(versions: Sequence) -> Iterable[tuple[str, DeletedRow]]:
    """Each instant at which the observation was deleted: a version ended and no
    other began then."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    for version, following in itertools.zip_longest(ordered, ordered[1:]):
        if version.valid_to is None:
            continue
        if following is None or following.valid_from != version.valid_to:
            row = DeletedRow(version.key, "{}", version.provider, version.period)
            yield version.valid_to, row


def _ordered(rows: list) -> list:
    """Rows by series, periods in order within each (a stable sort)."""
    return sorted(rows, key=lambda r: (r.key, r.provider))


def changes_since(versions: Iterable, since: str) -> list[DataPart]:
    """The changes after ``since``: written observations, then deleted ones."""
    written, deleted = [], []
    for group in _observations(versions):
        current = [v for v in group if v.valid_to is None]
        if current and current[0].valid_from > since:
            written.append(current[0])
        elif not current:
            gone = _deleted(group)
            if gone is not None and max(v.valid_to for v in group) > since:
                deleted.append(gone)
    parts = []
    if written:
        parts.append(DataPart(REPLACE, _ordered(written)))
    if deleted:
        parts.append(DataPart(DELETE, _ordered(deleted)))
    return parts


def history(versions: Iterable, since: str | None = None) -> list[DataPart]:
    """Every dissemination of the observations, oldest first (after ``since``)."""
    events: dict[tuple[str, str], list] = {}
    for group in _observations(versions):
        for version in group:
            if since is None or version.valid_from > since:
                events.setdefault((version.valid_from, REPLACE), []).append(version)
        for ended, gone in _gaps(group):
            if since is None or ended > since:
                events.setdefault((ended, DELETE), []).append(gone)
    parts = []
    for (moment, action), rows in sorted(events.items()):
        if action == REPLACE:
            parts.append(DataPart(REPLACE, _ordered(rows), valid_from=moment))
        else:
            parts.append(DataPart(DELETE, _ordered(rows), valid_to=moment))
    return parts

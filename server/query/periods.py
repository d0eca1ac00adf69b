"""SDMX time periods (SDMX 2.1 ObservationalTimePeriodType) and the spans they cover.

Every period is turned into the first and last day it covers, so that periods of
different frequencies compare as spans: ``2020-Q1`` overlaps ``2020-02`` and ``2020``.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, datetime, timedelta

from server.errors import InvalidQuery

_YEAR = r"(?P<year>[0-9]{4})"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^{_YEAR}(-A1)?"), "year"),
    (re.compile(rf"^{_YEAR}-S(?P<n>[12])"), "semester"),
    (re.compile(rf"^{_YEAR}-T(?P<n>[1-3])"), "trimester"),
    (re.compile(rf"^{_YEAR}-Q(?P<n>[1-4])"), "quarter"),
    (re.compile(rf"^{_YEAR}-M?(?P<n>[0-9]{{2}})"), "month"),
    (re.compile(rf"^{_YEAR}-W(?P<n>[0-9]{{2}})"), "week"),
    (re.compile(rf"^{_YEAR}-D(?P<n>[0-9]{{3}})"), "day_of_year"),
    (re.compile(rf"^{_YEAR}-(?P<m>[0-9]{{2}})-(?P<d>[0-9]{{2}})"), "date"),
]
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_DURATION = re.compile(
    r"^P(?:(?P<y>[0-9]+)Y)?(?:(?P<mo>[0-9]+)M)?(?:(?P<w>[0-9]+)W)?(?:(?P<d>[0-9]+)D)?"
    r"(?:T(?:(?P<h>[0-9]+)H)?(?:(?P<mi>[0-9]+)M)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)S)?)?"
)

FORMATS_HELP = (
    "use an SDMX time period: 2020, 2020-A1, 2020-S1, 2020-T1, 2020-Q1, 2020-03, "
    "2020-M03, 2020-W10, 2020-D100, 2020-03-15, 2020-03-15T10:00:00 or a range "
    "such as 2020-01-01/P1Y"
)


def _months(year: int, first: int, count: int) -> tuple[date, date]:
    last = first + count - 1
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar()[1]


def _span(kind: str, match: re.Match[str]) -> tuple[date, date]:
    year = int(match["year"])
    n = int(match["n"]) if "n" in match.re.groupindex and match["n"] else 0
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    if kind in ("semester", "trimester", "quarter"):
        length = {"semester": 6, "trimester": 4, "quarter": 3}[kind]
        return _months(year, (n - 1) * length + 1, length)
    if kind == "month":
        if not 1 <= n <= 12:
            raise ValueError("month")
        return _months(year, n, 1)
    if kind == "week":
        if not 1 <= n <= _weeks_in(year):
            raise ValueError("week")
        first = date.fromisocalendar(year, n, 1)
        return first, first + timedelta(days=6)
    if kind == "day_of_year":
        first = date(year, 1, 1) + timedelta(days=n - 1)
        if not 1 <= n or first.year != year:
            raise ValueError("day")
        return first, first
    day = date(year, int(match["m"]), int(match["d"]))
    return day, day


def _add_duration(start: date, text: str) -> date:
    match = _DURATION.fullmatch(text)
    if not match or text == "P":
        raise ValueError("duration")
    parts = {k: int(float(v)) if v else 0 for k, v in match.groupdict().items()}
    months = start.month - 1 + parts["mo"] + 12 * parts["y"]
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    end = date(year, month, day) + timedelta(weeks=parts["w"], days=parts["d"])
    has_time = parts["h"] or parts["mi"] or parts["s"]
    return end if has_time else end - timedelta(days=1)


@functools.lru_cache(maxsize=65536)  # data repeat the same few periods
def period_span(text: str) -> tuple[date, date]:
    """Return the first and last day covered by an SDMX time period.

    Raises:
        ValueError: ``text`` is not an SDMX time period, or it reaches outside
            the years 1 to 9999.
    """
    try:
        return _period_span(text)
    except OverflowError:
        raise ValueError(f"{text} reaches outside the years 1 to 9999") from None


def _period_span(text: str) -> tuple[date, date]:
    if "/" in text:
        start_text, duration = text.split("/", 1)
        start = _period_span(start_text)[0]
        return start, max(start, _add_duration(start, duration))
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _span(kind, match)
    if _DATETIME.fullmatch(text):
        day = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return day, day
    raise ValueError(text)


def parse_period_parameter(name: str, text: str) -> tuple[date, date]:
    """Parse a ``startPeriod``/``endPeriod`` value, or raise a 400 saying why."""
    try:
        return period_span(text)
    except ValueError:
        raise InvalidQuery(
            f"{name}={text!r} is not a valid SDMX time period: {FORMATS_HELP}"
        ) from None


_SPELLINGS = [
    (re.compile(r"([0-9]{4})-A1"), lambda m: m[1]),
    (re.compile(r"([0-9]{4})-M([0-9]{2})"), lambda m: f"{m[1]}-{m[2]}"),
    (
        re.compile(r"([0-9]{4})-D([0-9]{3})"),
        lambda m: _day_of_year(int(m[1]), int(m[2])),
    ),
]


def _day_of_year(year: int, day: int) -> str:
    found = date(year, 1, 1) + timedelta(days=day - 1)
    if found.year != year or day < 1:
        raise ValueError(day)
    return found.isoformat()


@functools.lru_cache(maxsize=65536)
def canonical_period(text: str) -> str:
    """One spelling per period: ``2020-A1`` is ``2020``, ``2020-M01`` is
    ``2020-01``, ``2020-D032`` is ``2020-02-01``; any other period as it is.

    The store keeps this spelling, so that one observation cannot be stored
    twice under two names.
    """
    for pattern, spelled in _SPELLINGS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return spelled(match)
            except ValueError:
                return text
    return text

"""Parsing of data query parameters (SDMX-REST 1.5 section 4.4, 2.x data.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from server.errors import InvalidQuery

LARGEST = 2**31 - 1  # beyond any result; keeps SQL integers in range


def positive_int(name: str, text: str | None) -> int | None:
    """An integer of at least 1, or None when the parameter is absent."""
    if text is None:
        return None
    return whole_number(name, text, minimum=1)


def whole_number(name: str, text: str, minimum: int = 0) -> int:
    """A whole number from ``minimum`` to :data:`LARGEST`, or a 400 saying so."""
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= LARGEST:
        raise InvalidQuery(
            f"{name}={text!r} must be a whole number from {minimum} to {LARGEST}"
        )
    return int(text)


def boolean(name: str, text: str | None) -> bool:
    """``true``/``false`` (also 1/0), False when absent."""
    if text is None:
        return False
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    raise InvalidQuery(f"{name}={text!r} must be true or false")


def utc_instant(name: str, text: str | None) -> str | None:
    """A dateTime (or date) as the store keeps instants: UTC, ISO 8601, µs.

    A value without a time zone is read as UTC; ``+`` sent unencoded arrives as a
    space and is read back as ``+``.
    """
    if text is None:
        return None
    cleaned = text.strip().replace(" ", "+").replace("Z", "+00:00")
    try:
        instant = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidQuery(
            f"{name}={text!r} is not an ISO 8601 date or dateTime; use e.g. "
            "2020-01-31 or 2020-01-31T12:00:00Z (percent-encode '+' as %2B)"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    try:
        return instant.astimezone(UTC).isoformat(timespec="microseconds")
    except OverflowError:
        raise InvalidQuery(
            f"{name}={text!r} falls outside the years 1 to 9999 once taken to UTC; "
            "give an instant within them"
        ) from None

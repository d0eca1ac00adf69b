"""The service's limit on the size of one data response (REST 1.5 code 510, 413)."""

from __future__ import annotations

from flask import current_app

from server.errors import ResponseTooLarge

DEFAULT_MAX_OBSERVATIONS = 2_000_000


def check_result_size(store, flow_pk: int, query, whole: bool = False) -> None:
    """Refuse a data query whose result exceeds ``MAX_RESULT_OBSERVATIONS``.

    Counting stops one row past the limit, so a small query costs one cheap
    statement and a huge one is refused before anything is streamed; the
    observations of ``whole`` series are counted from their kept counts.
    """
    limit = current_app.config.get("MAX_RESULT_OBSERVATIONS", DEFAULT_MAX_OBSERVATIONS)
    if not limit:
        return
    if whole:  # whole series: their kept counts add up
        count = store.count_series_text(flow_pk, query)
    else:
        count = store.count_rows(flow_pk, query, limit + 1)
    if count > limit:
        raise ResponseTooLarge(
            f"the query matches more than {limit:,} observations, the most this "
            "service returns at once; narrow it with a key (codes per dimension), a "
            "period (startPeriod/endPeriod or c[TIME_PERIOD]) or lastNObservations, "
            "or fetch it in parts (on /rest/v2, with limit and offset)"
        )

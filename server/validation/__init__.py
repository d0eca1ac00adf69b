"""Rules that data must meet before it is stored (SDMX 2.1 section 2, data validation).

Each rule looks at observations one by one; errors are collected, capped, and
raised together at the end, so that one run reports every fault of a message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from server.errors import InvalidData
from server.model import DataStructure, Observation
from server.query.periods import FORMATS_HELP, period_span

MAX_REPORTED = 50


@dataclass
class Report:
    """Errors found so far, the first ``MAX_REPORTED`` kept in full, each as text
    and as where it is (observation number, series, period), the component and
    value at fault, and the rule broken."""

    errors: list[str] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    total: int = 0

    def add(
        self,
        message: str,
        *,
        number: int,
        obs: Observation,
        rule: str,
        component: str | None = None,
        value: object = None,
    ) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(message)
            self.details.append(
                {
                    "observation": number,
                    "series": ".".join(obs.key),
                    "period": obs.period,
                    "component": component,
                    "value": None if value is None else str(value),
                    "rule": rule,
                    "message": message,
                }
            )

    def raise_if_any(self) -> None:
        if not self.total:
            return
        more = self.total - len(self.errors)
        listed = "; ".join(self.errors)
        suffix = f"; and {more} more" if more else ""
        error = InvalidData(
            f"{self.total} error(s) in the data, nothing was stored: {listed}{suffix}"
        )
        error.details = self.details
        error.total = self.total
        raise error


def validated(
    observations: Iterable[Observation],
    dsd: DataStructure,
    codes: dict[str, frozenset[str]],
    stored_series_attributes: Callable[[tuple[str, ...]], dict[str, str]] | None = None,
    allowed: dict[str, set[str]] | None = None,
) -> Iterator[Observation]:
    """Yield the observations, checking them on the way.

    The rules: codes are in their codelists and, where ``allowed`` lists codes for
    a component (the Allowed content constraints of the dataflow), among those;
    mandatory attributes are present; values are finite numbers; time periods are
    SDMX periods that the frequency (a ``FREQ`` dimension) can have.

    Args:
        observations: what a reader or loader produced.
        dsd: the data structure they belong to.
        codes: allowed code ids per coded component id.
        stored_series_attributes: gives the attributes already stored for a series
            key; they count as present for the mandatory-attribute rule.
        allowed: codes the dataflow's constraints allow, per component id.

    Raises:
        InvalidData: after the last observation, listing every error found.
    """
    report = Report()
    allowed = allowed or {}
    frequency = dsd.dimension_ids.index("FREQ") if "FREQ" in dsd.dimension_ids else None
    series_level = [
        a.id for a in dsd.attributes if a.mandatory and a.attachment != "Observation"
    ]
    obs_level = [
        a.id for a in dsd.attributes if a.mandatory and a.attachment == "Observation"
    ]
    stored = stored_series_attributes or (lambda key: {})
    checked: dict[tuple[str, ...], dict[str, str]] = {}  # key -> series attributes
    faulty: set[tuple[str, ...]] = set()
    for number, obs in enumerate(observations, start=1):
        before = report.total
        if obs.value is not None and not math.isfinite(obs.value):
            report.add(
                f"{_where(number, obs)}: value {obs.value} is not a finite number",
                number=number,
                obs=obs,
                rule="finite value",
                component="OBS_VALUE",
                value=obs.value,
            )
        _check_period(obs, frequency, report, number)
        if obs.key in checked:
            _check_same_series_attributes(obs, checked[obs.key], report, number)
        else:
            checked[obs.key] = obs.series_attributes
            _check_key(obs, dsd, codes, report, number)
            _check_allowed(obs, dsd, allowed, report, number)
            present = obs.series_attributes
            if any(a not in present for a in series_level):  # else no look-up
                present = {**stored(obs.key), **present}
            _check_mandatory(obs, series_level, present, report, number)
            for attribute, value in obs.series_attributes.items():
                _check_code(attribute, value, codes, report, number, obs)
            if report.total > before:
                faulty.add(obs.key)
        _check_mandatory(obs, obs_level, obs.obs_attributes, report, number)
        for attribute, value in obs.obs_attributes.items():
            _check_code(attribute, value, codes, report, number, obs)
        if report.total == before and obs.key not in faulty:
            # faulty observations never reach the store
            yield obs
    report.raise_if_any()


def _where(number: int, obs: Observation) -> str:
    key = ".".join(obs.key)[:300]
    return f"observation {number} (series {key}, period {obs.period[:80]})"


def _check_key(obs, dsd, codes, report: Report, number: int) -> None:
    for dimension, code in zip(dsd.dimension_ids, obs.key, strict=False):
        _check_code(dimension, code, codes, report, number, obs)


def _check_code(component, value, codes, report: Report, number: int, obs) -> None:
    allowed = codes.get(component)
    if allowed is not None and value not in allowed:
        report.add(
            f"{_where(number, obs)}: {component} {value!r} is not a code of its "
            "codelist",
            number=number,
            obs=obs,
            rule="code in codelist",
            component=component,
            value=value,
        )


def _check_same_series_attributes(
    obs: Observation, first: dict[str, str], report: Report, number: int
) -> None:
    """A series attribute has one value in a message, whichever row gives it."""
    for attribute, value in obs.series_attributes.items():
        if attribute in first and first[attribute] != value:
            report.add(
                f"{_where(number, obs)}: series attribute {attribute} is "
                f"{value!r} here but {first[attribute]!r} earlier in the series; "
                "give it one value",
                number=number,
                obs=obs,
                rule="one value per series attribute",
                component=attribute,
                value=value,
            )


def _check_allowed(obs, dsd, allowed, report: Report, number: int) -> None:
    values = {**dict(zip(dsd.dimension_ids, obs.key, strict=False))}
    values.update(obs.series_attributes)
    for component, codes in allowed.items():
        value = values.get(component)
        if value is not None and value not in codes:
            report.add(
                f"{_where(number, obs)}: {component} {value!r} is not allowed by the "
                "content constraint of the dataflow",
                number=number,
                obs=obs,
                rule="allowed by the dataflow's constraint",
                component=component,
                value=value,
            )


# Forms of time period each SDMX frequency code (CL_FREQ) can have; a range
# (start/duration) and frequencies not listed are not checked.
_FORMS = {
    "A": re.compile(r"[0-9]{4}(-A1)?"),
    "S": re.compile(r"[0-9]{4}-S[12]"),
    "T": re.compile(r"[0-9]{4}-T[1-3]"),
    "Q": re.compile(r"[0-9]{4}-Q[1-4]"),
    "M": re.compile(r"[0-9]{4}-M?[0-9]{2}"),
    "W": re.compile(r"[0-9]{4}-W[0-9]{2}"),
    "D": re.compile(r"[0-9]{4}-([0-9]{2}-[0-9]{2}|D[0-9]{3})"),
    "B": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
}


MAX_PERIOD = 60  # characters the store keeps of a period


def _check_period(obs, frequency: int | None, report: Report, number: int) -> None:
    try:
        if len(obs.period) > MAX_PERIOD:
            raise ValueError(obs.period)
        period_span(obs.period)
    except ValueError:
        report.add(
            f"{_where(number, obs)}: {obs.period[:80]!r} is not an SDMX time period "
            f"(or names a day, week or month that does not exist); {FORMATS_HELP}",
            number=number,
            obs=obs,
            rule="SDMX time period",
            component="TIME_PERIOD",
            value=obs.period,
        )
        return
    if frequency is None or "/" in obs.period or frequency >= len(obs.key):
        return
    code = obs.key[frequency]
    form = _FORMS.get(code)
    if form is not None and not form.fullmatch(obs.period):
        report.add(
            f"{_where(number, obs)}: period {obs.period!r} does not fit the "
            f"frequency FREQ {code!r}",
            number=number,
            obs=obs,
            rule="period fits the frequency",
            component="TIME_PERIOD",
            value=obs.period,
        )


def _check_mandatory(obs, required, present, report: Report, number: int) -> None:
    for attribute in required:
        if attribute not in present:
            report.add(
                f"{_where(number, obs)}: mandatory attribute {attribute} is missing",
                number=number,
                obs=obs,
                rule="mandatory attribute present",
                component=attribute,
            )

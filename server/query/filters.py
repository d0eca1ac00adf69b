"""Component filters of SDMX-REST 2.x data queries: ``c[COMPONENT]=…`` (data.md).

A filter value is a list of alternatives joined with ``,`` (OR), each a list of
conditions joined with ``+`` (AND); a condition is ``[operator:]value`` with the
operators ``eq`` (the default), ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``co``
(contains), ``nc`` (does not contain), ``sw`` (starts with) and ``ew`` (ends with).
``c[TIME_PERIOD]=ge:2015+le:2020`` keeps the periods from 2015 to 2020.

The ``+`` that means AND is sent either literally or as ``%2B``. Form decoding turns
a literal ``+`` into a space, so the filters are read from the raw query string,
where ``+`` stays ``+`` and only ``%XX`` escapes are decoded.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from urllib.parse import unquote

from server.errors import InvalidQuery
from server.model import DataStructure
from server.query.periods import parse_period_parameter

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "co", "nc", "sw", "ew")
TEXT_OPERATORS = ("co", "nc", "sw", "ew")
FILTER_NAME = re.compile(r"c\[(?P<component>[^\]]*)\]")
COMPONENT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_CONDITION = re.compile(rf"(?P<operator>{'|'.join(OPERATORS)}):(?P<value>.*)", re.S)

# What a filter applies to, once its component is found in the data structure.
DIMENSION, TIME, MEASURE = "dimension", "time", "measure"
SERIES_ATTRIBUTE, OBSERVATION_ATTRIBUTE = "series_attribute", "observation_attribute"


@dataclass(frozen=True)
class Condition:
    """One comparison of a component with a value."""

    operator: str
    value: str


@dataclass(frozen=True)
class ComponentFilter:
    """The filter on one component: alternatives (OR) of conditions (AND).

    Attributes:
        component: The component id, as given in ``c[…]``.
        alternatives: Each a tuple of conditions that must all hold.
        kind: What the component is in the data structure (:data:`DIMENSION`,
            :data:`TIME`, :data:`MEASURE`, :data:`SERIES_ATTRIBUTE` or
            :data:`OBSERVATION_ATTRIBUTE`); empty until resolved.
        position: For a dimension, its position in the series key.
    """

    component: str
    alternatives: tuple[tuple[Condition, ...], ...]
    kind: str = ""
    position: int = -1


def raw_filters(query_string: bytes) -> dict[str, str]:
    """The ``c[…]`` parameters of a raw query string, by component id.

    Only ``%XX`` escapes are decoded, so ``+`` keeps its meaning of AND.

    Raises:
        InvalidQuery: A component is filtered twice, or a name is malformed.
    """
    found: dict[str, str] = {}
    for pair in query_string.decode("utf-8", "replace").split("&"):
        raw_name, _, raw_value = pair.partition("=")
        name = unquote(raw_name.replace("+", " "))
        if not name.startswith("c[") and name != "c":
            continue
        component = _component_of(name)
        if component in found:
            raise InvalidQuery(
                f"c[{component}] is given more than once; join its values with ',' "
                "(OR) or '+' (AND) in one parameter"
            )
        found[component] = unquote(raw_value, encoding="utf-8")
    return found


def _component_of(name: str) -> str:
    match = FILTER_NAME.fullmatch(name)
    if match is None or not COMPONENT_RE.fullmatch(match["component"]):
        raise InvalidQuery(
            f"query parameter {name!r} is not a component filter; write "
            "c[COMPONENT]=value, e.g. c[TIME_PERIOD]=ge:2015+le:2020 or c[SEX]=F,M"
        )
    return match["component"]


def parse_filter(component: str, text: str) -> ComponentFilter:
    """Parse the value of ``c[component]`` into alternatives of conditions.

    Raises:
        InvalidQuery: A condition has no value.
    """
    alternatives = []
    for alternative in text.split(","):
        conditions = tuple(
            _condition(component, part) for part in alternative.split("+")
        )
        alternatives.append(conditions)
    return ComponentFilter(component, tuple(alternatives))


def _condition(component: str, text: str) -> Condition:
    match = _CONDITION.fullmatch(text)
    operator, value = (match["operator"], match["value"]) if match else ("eq", text)
    if any(ord(character) < 32 for character in value):
        raise InvalidQuery(
            f"c[{component}] holds a control character ({text!r}); codes and values "
            "are printable text"
        )
    if value == "":
        raise InvalidQuery(
            f"c[{component}] has a condition without a value ({text!r}); write "
            f"[operator:]value with an operator among {', '.join(OPERATORS)}"
        )
    return Condition(operator, value)


def resolve_filters(
    raw: dict[str, str], dsd: DataStructure
) -> tuple[ComponentFilter, ...]:
    """Parse the ``c[…]`` values of a query and find each component in ``dsd``.

    Raises:
        InvalidQuery: A component is not in ``dsd``, a time period or a number is
            malformed, or a text operator is used on the measure.
    """
    resolved = []
    for component, text in raw.items():
        kind, position = _kind_of(component, dsd)
        parsed = replace(parse_filter(component, text), kind=kind, position=position)
        for alternative in parsed.alternatives:
            for condition in alternative:
                _check_value(parsed, condition)
        resolved.append(parsed)
    return tuple(resolved)


def _kind_of(component: str, dsd: DataStructure) -> tuple[str, int]:
    if component in dsd.dimension_ids:
        return DIMENSION, dsd.dimension_ids.index(component)
    if component == dsd.time_dimension:
        return TIME, -1
    if component == dsd.measure:
        return MEASURE, -1
    for attribute in dsd.attributes:
        if attribute.id == component:
            observation = attribute.attachment == "Observation"
            return (OBSERVATION_ATTRIBUTE if observation else SERIES_ATTRIBUTE), -1
    known = [
        *dsd.dimension_ids,
        dsd.time_dimension,
        dsd.measure,
        *(a.id for a in dsd.attributes),
    ]
    raise InvalidQuery(
        f"c[{component}]: {component} is not a component of data structure "
        f"{dsd.ref.triple}; filter on one of {', '.join(known)}"
    )


def _check_value(component: ComponentFilter, condition: Condition) -> None:
    name = f"c[{component.component}]"
    if component.kind == TIME and condition.operator not in TEXT_OPERATORS:
        parse_period_parameter(name, condition.value)
    if component.kind != MEASURE:
        return
    if condition.operator in TEXT_OPERATORS:
        raise InvalidQuery(
            f"{name}: {condition.operator} compares text; {component.component} is a "
            "number, compare it with eq, ne, lt, le, gt or ge"
        )
    try:
        finite = math.isfinite(float(condition.value))
    except ValueError:
        finite = False
    if not finite:
        raise InvalidQuery(
            f"{name}: {condition.value!r} is not a number; write e.g. {name}=ge:1000"
        )

"""DSD-specific XML schemas for structure-specific data (SDMX-ML 2.1, SDMX 2.1 3B).

A structure-specific data set names its type with ``xsi:type``; that type comes from
a schema derived for one data structure (DSD) from the abstract types of the official
``SDMXDataStructureSpecific.xsd``: DataSetType, SeriesType and ObsType restrict the
base types and declare one XML attribute per dimension, attribute and measure. This
module generates such a schema and a validator that pairs it with the official
``SDMXMessage.xsd``.

Three forms are generated: time series (the time dimension at observation level, the
form :func:`server.formats.data_writers.write_structure_specific` writes by default),
flat (``AllDimensions``) and cross-sectional (below). Dimensions are required XML
attributes and attributes optional ones, as the base types prescribe whatever the
assignment status; an attribute attached to the data set belongs to the DataSet
element. Codes are an
enumeration when ``codes`` lists them, any string otherwise; the primary measure is
``xs:double``, which admits ``NaN`` for a missing value.

What the schema cannot say, because :class:`~server.model.DataStructure` does not
keep it:

- Groups. The model keeps no group definitions (their dimensions), so no Group types
  are generated; attributes attached to a group are declared on the series (on the
  observation in the flat form) instead, which is where the writer puts them.

Cross-sectional data (another dimension at observation level) take the view of
:func:`server.formats.cross_section.cross_section`: its series key ends with the time
period, required on ``Series``, and the dimension at observation level is a required
XML attribute of ``Obs``, beside the attributes the view attaches there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from server.formats.cross_section import CrossSection
from server.formats.data_writers import ALL_DIMENSIONS, dsd_namespace
from server.formats.ns import COM, MES, SPEC
from server.formats.xsd_build import (
    check_codes,
    code_type,
    code_type_name,
    compile_with_messages,
    schema_element,
    sub,
)
from server.model import DataStructure

__all__ = ["ALL_DIMENSIONS", "dsd_schema", "validating_schema"]


# XML attributes of the base types that a generated type drops unless the DSD has a
# component of that id, with the type the base gives them.
_BASE_ONLY = {"REPORTING_YEAR_START_DAY": "xs:gMonthDay", "type": "common:IDType"}

_PERIOD = "common:ObservationalTimePeriodType"

# (name, type, use) of the XML attribute declarations of one generated type.
_Uses = list[tuple[str, str, str]]


@dataclass(frozen=True)
class _Form:
    """The base type each generated type restricts, and what it drops of the base."""

    data_set: str
    series: str | None  # None: observations sit directly in the data set
    observation: str
    dropped_from_observation: tuple[str, ...]


_TIME_SERIES = _Form(
    "dsd:TimeSeriesDataSetType",
    "dsd:TimeSeriesType",
    "dsd:TimeSeriesObsType",
    ("REPORTING_YEAR_START_DAY",),  # the base already drops ``type``
)
_FLAT = _Form(
    "dsd:DataSetType", None, "dsd:ObsType", ("type", "REPORTING_YEAR_START_DAY")
)
_CROSS_SECTION = _Form(
    "dsd:DataSetType",
    "dsd:SeriesType",
    "dsd:ObsType",
    ("type", "REPORTING_YEAR_START_DAY"),
)


def dsd_schema(
    dsd: DataStructure,
    codes: dict[str, list[str]] | None = None,
    dimension_at_observation: str = "TIME_PERIOD",
) -> bytes:
    """The XML schema of structure-specific data of a data structure.

    Args:
        dsd: The data structure (DSD).
        codes: Allowed code ids by dimension or attribute id; a component not listed
            takes any string.
        dimension_at_observation: The DSD's time dimension for time series,
            ``AllDimensions`` for flat observations, or for cross-sectional data the
            dimension at observation level of a :class:`CrossSection` ``dsd``.

    Returns:
        The schema document, UTF-8, whose target namespace is the one the data
        writers put in the message header.

    Raises:
        ValueError: For a dimension at observation that is not one of those; when
            ``codes`` names no component of the DSD or lists no code.
    """
    form = _form(dsd, dimension_at_observation)
    codes = codes or {}
    check_codes(dsd, codes)
    schema = schema_element(_namespace(dsd, dimension_at_observation), SPEC, COM)

    for component_id, ids in codes.items():
        code_type(schema, component_id, ids)
    uses = _uses(dsd, form, codes)
    _data_set_type(schema, form, uses["DataSetType"])
    if form.series is not None:
        _series_type(schema, form.series, uses["SeriesType"])
    _observation_type(schema, form, uses["ObsType"])

    return etree.tostring(
        schema, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def validating_schema(schema_dir: Path, dsd_xsd: bytes) -> etree.XMLSchema:
    """A validator of data messages: the official message schemas and a DSD's schema.

    Args:
        schema_dir: Folder of the official SDMX-ML 2.1 schemas (``SDMXMessage.xsd``).
        dsd_xsd: A schema made by :func:`dsd_schema`.

    Returns:
        A compiled schema for whole messages, StructureSpecificData and
        StructureSpecificTimeSeriesData among them.

    Raises:
        FileNotFoundError: When ``schema_dir`` has no ``SDMXMessage.xsd``.
        ValueError: When ``dsd_xsd`` has no target namespace.
        lxml.etree.XMLSchemaParseError: When the schemas do not compile.
    """
    return compile_with_messages(schema_dir, MES, dsd_xsd, "DSD")


def _form(dsd: DataStructure, dimension_at_observation: str) -> _Form:
    if dimension_at_observation == dsd.time_dimension:
        return _CROSS_SECTION if isinstance(dsd, CrossSection) else _TIME_SERIES
    if dimension_at_observation == ALL_DIMENSIONS:
        return _FLAT
    raise ValueError(
        f"no schema for dimension at observation {dimension_at_observation!r} of "
        f"data structure {dsd.ref.triple}: give {dsd.time_dimension} or "
        f"{ALL_DIMENSIONS}, or the view of cross_section(dsd, dimension) with that "
        "dimension"
    )


def _namespace(dsd: DataStructure, dimension_at_observation: str) -> str:
    """The writers' namespace, with the dimension at observation as its last part."""
    time_series = dsd_namespace(dsd.ref)
    return time_series.removesuffix("TIME_PERIOD") + dimension_at_observation


def _uses(
    dsd: DataStructure, form: _Form, codes: dict[str, list[str]]
) -> dict[str, _Uses]:
    """The XML attributes of each generated type, by the type's name."""

    def use(component_id: str, required: bool = False) -> tuple[str, str, str]:
        kind = _type_of(dsd, component_id, codes)
        return component_id, kind, "required" if required else "optional"

    attached: dict[str, _Uses] = defaultdict(list)
    for attribute in dsd.attributes:
        attached[attribute.attachment].append(use(attribute.id))
    key = [use(d.id, required=True) for d in dsd.dimensions]
    series = [*attached["Series"], *attached["Group"]]
    observation = [use(dsd.measure), *attached["Observation"]]

    if form.series is None:
        time = use(dsd.time_dimension, required=True)
        flat = [*key, time, *series, *observation]
        return {"DataSetType": attached["DataSet"], "ObsType": flat}
    if form is _CROSS_SECTION:  # the period sits on the series, the dimension here
        observation.insert(0, use(dsd.time_dimension, required=True))
        observation.append((dsd.period_dimension, _PERIOD, "prohibited"))
    return {
        "DataSetType": attached["DataSet"],
        "SeriesType": [*key, *series],
        "ObsType": observation,
    }


def _type_of(dsd: DataStructure, component_id: str, codes: dict[str, list[str]]) -> str:
    if component_id == dsd.measure:
        return "xs:double"
    if dsd.is_period(component_id):
        return _PERIOD
    if component_id in _BASE_ONLY:
        return _BASE_ONLY[component_id]
    return code_type_name(component_id) if component_id in codes else "xs:string"


def _data_set_type(schema: etree._Element, form: _Form, uses: _Uses) -> None:
    restriction, sequence = _restriction(schema, "DataSetType", form.data_set)
    provider = "common:DataProviderReferenceType"
    _element(sequence, "DataProvider", provider, minOccurs="0")
    child = "Obs" if form.series is None else "Series"
    choice = sub(sequence, "choice", minOccurs="0")
    _element(choice, child, f"{child}Type", maxOccurs="unbounded")
    _declare(restriction, uses, ("REPORTING_YEAR_START_DAY",))


def _series_type(schema: etree._Element, base: str, uses: _Uses) -> None:
    restriction, sequence = _restriction(schema, "SeriesType", base)
    _element(sequence, "Obs", "ObsType", minOccurs="0", maxOccurs="unbounded")
    _declare(restriction, uses, ("REPORTING_YEAR_START_DAY",))


def _observation_type(schema: etree._Element, form: _Form, uses: _Uses) -> None:
    restriction, _ = _restriction(schema, "ObsType", form.observation)
    _declare(restriction, uses, form.dropped_from_observation)


def _restriction(
    schema: etree._Element, name: str, base: str
) -> tuple[etree._Element, etree._Element]:
    """A complex type restricting ``base``: its restriction and sequence.

    The sequence opens with Annotations, as in every base type; XML attribute
    declarations go into the restriction after it.
    """
    complex_type = sub(schema, "complexType", name=name)
    restriction = sub(sub(complex_type, "complexContent"), "restriction", base=base)
    sequence = sub(restriction, "sequence")
    sub(sequence, "element", ref="common:Annotations", minOccurs="0")
    return restriction, sequence


def _declare(
    restriction: etree._Element, uses: _Uses, dropped: tuple[str, ...]
) -> None:
    """Declare the XML attributes; prohibit base ones the DSD has no component for."""
    for name, kind, use in uses:
        sub(restriction, "attribute", name=name, type=kind, use=use)
    declared = {name for name, _, _ in uses}
    for name in dropped:
        if name not in declared:
            kind = _BASE_ONLY[name]
            sub(restriction, "attribute", name=name, type=kind, use="prohibited")


def _element(parent: etree._Element, name: str, kind: str, **occurs: str) -> None:
    """Declare a child element, unqualified as in the base types."""
    sub(parent, "element", name=name, type=kind, form="unqualified", **occurs)

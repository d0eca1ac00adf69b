"""Dataflow-specific XML schemas for SDMX-ML 3.0 structure-specific data (SDMX 3.0 3A).

In SDMX-ML 3.0 a structure-specific data set names a type of a schema derived for one
dataflow, as the official samples do (``ECB_EXR_Dataflow.xsd``): its target namespace
is the dataflow's URN followed by ``:ObsLevelDim:TIME_PERIOD``, and its DataSetType,
SeriesType and ObsType restrict the abstract types of the official
``SDMXDataStructureSpecific.xsd`` to one XML attribute per dimension, attribute and
measure of the data structure (DSD). The SDMX-ML 2.1 generator
(:mod:`server.formats.dsd_schema`) cannot serve: the 3.0 base types, namespaces and
namespace URN differ.

The schema describes what :func:`server.formats.ml30_data.write_ml30` writes: time
series, dimensions as required XML attributes of ``Series``, series and group
attributes as optional ones, ``TIME_PERIOD`` required and the measure (``xs:double``,
which admits ``NaN``) optional on ``Obs``, attributes attached to the data set on
``DataSet``. Given the view of :func:`server.formats.cross_section.cross_section`, it
describes cross-sectional data instead: ``TIME_PERIOD`` on ``Series``, the dimension
at observation level on ``Obs``. Codes form an enumeration when ``codes`` lists
them, any string otherwise. With ``flat`` it describes the flat form
(``AllDimensions``). No groups are generated, since the writer writes none.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from server.formats.cross_section import CrossSection
from server.formats.data_parts import Presentation
from server.formats.data_writers import ALL_DIMENSIONS
from server.formats.ml30_data import COM, MES, SPEC, dataflow_namespace
from server.formats.xsd_build import (
    XS,
    check_codes,
    code_type,
    code_type_name,
    compile_with_messages,
    schema_element,
    sub,
)
from server.model import ArtefactRef, DataStructure

__all__ = ["XS", "dataflow_schema", "validating_schema"]


_PERIOD = "common:ObservationalTimePeriodType"

# (name, type, use) of the XML attribute declarations of one generated type.
_Uses = list[tuple[str, str, str]]


def dataflow_schema(
    dsd: DataStructure,
    flow: ArtefactRef,
    codes: dict[str, list[str]] | None = None,
    flat: bool = False,
) -> bytes:
    """The XML schema of SDMX-ML 3.0 time-series data of a dataflow.

    Args:
        dsd: The dataflow's data structure (DSD), or its cross-sectional view.
        flow: The dataflow.
        codes: Allowed code ids by dimension or attribute id; a component not listed
            takes any string.
        flat: The schema of flat data (``AllDimensions``) instead: ``Obs`` in the
            data set with every dimension, the period, the measure and every
            attribute not attached to the data set.

    Returns:
        The schema document, UTF-8, whose target namespace is the one the writer
        puts in the message header.

    Raises:
        ValueError: When ``codes`` names no component of the DSD or lists no code.
    """
    codes = codes or {}
    check_codes(dsd, codes)
    at_observation = ALL_DIMENSIONS if flat else dsd.time_dimension
    schema = schema_element(dataflow_namespace(flow, at_observation), SPEC, COM)
    for component_id, ids in codes.items():
        code_type(schema, component_id, ids)

    def use(component_id: str, required: bool = False) -> tuple[str, str, str]:
        kind = code_type_name(component_id) if component_id in codes else "xs:string"
        return component_id, kind, "required" if required else "optional"

    def key(component_id: str) -> tuple[str, str, str]:
        if dsd.is_period(component_id):
            return component_id, _PERIOD, "required"
        return use(component_id, required=True)

    presentation = (Presentation.flat if flat else Presentation.of)(dsd)
    _data_set_type(
        schema, [use(a.id) for a in presentation.data_set], "Obs" if flat else "Series"
    )
    if flat:
        observation = [key(d) for d in [*dsd.dimension_ids, dsd.time_dimension]]
        observation.append((dsd.measure, "xs:double", "optional"))
        _observation_type(
            schema, observation + [use(a.id) for a in presentation.observation]
        )
        return etree.tostring(
            schema, xml_declaration=True, encoding="UTF-8", pretty_print=True
        )
    series = [key(d) for d in dsd.dimension_ids]
    series += [use(a.id) for a in presentation.series]
    observation = [key(dsd.time_dimension), (dsd.measure, "xs:double", "optional")]
    observation += [use(a.id) for a in presentation.observation]
    if isinstance(dsd, CrossSection):  # the period sits on the series
        observation.append((dsd.period_dimension, _PERIOD, "prohibited"))
    else:  # the base type allows the period on a series, which time series forbid
        series.append((dsd.time_dimension, _PERIOD, "prohibited"))
    _series_type(schema, series)
    _observation_type(schema, observation)

    return etree.tostring(
        schema, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def validating_schema(schema_dir: Path, dataflow_xsd: bytes) -> etree.XMLSchema:
    """A validator of SDMX-ML 3.0 messages: the official schemas and a dataflow's.

    Args:
        schema_dir: Folder of the official SDMX-ML 3.0 schemas (``SDMXMessage.xsd``).
        dataflow_xsd: A schema made by :func:`dataflow_schema`.

    Returns:
        A compiled schema for whole messages, StructureSpecificData among them.

    Raises:
        FileNotFoundError: When ``schema_dir`` has no ``SDMXMessage.xsd``.
        ValueError: When ``dataflow_xsd`` has no target namespace.
        lxml.etree.XMLSchemaParseError: When the schemas do not compile.
    """
    return compile_with_messages(schema_dir, MES, dataflow_xsd, "dataflow")


def _data_set_type(schema: etree._Element, uses: _Uses, child: str) -> None:
    restriction, sequence = _restriction(schema, "DataSetType", "dsd:DataSetType")
    _element(sequence, "DataProvider", "common:DataProviderReferenceType", "0", "1")
    choice = sub(sequence, "choice", minOccurs="0", maxOccurs="unbounded")
    _element(choice, child, f"{child}Type", "1", "1")
    _declare(restriction, uses)


def _series_type(schema: etree._Element, uses: _Uses) -> None:
    restriction, sequence = _restriction(schema, "SeriesType", "dsd:SeriesType")
    _element(sequence, "Obs", "ObsType", "0", "unbounded")
    _declare(restriction, uses)


def _observation_type(schema: etree._Element, uses: _Uses) -> None:
    restriction, _ = _restriction(schema, "ObsType", "dsd:ObsType")
    declared = {name for name, _, _ in uses}
    base_only = [] if "type" in declared else [("type", "common:IDType", "prohibited")]
    _declare(restriction, [*uses, *base_only])


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


def _declare(restriction: etree._Element, uses: _Uses) -> None:
    for name, kind, use in uses:
        sub(restriction, "attribute", name=name, type=kind, use=use)


def _element(parent: etree._Element, name: str, kind: str, low: str, high: str) -> None:
    """Declare a child element, unqualified as in the base types."""
    sub(
        parent,
        "element",
        name=name,
        type=kind,
        form="unqualified",
        minOccurs=low,
        maxOccurs=high,
    )

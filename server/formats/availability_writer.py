"""The answer to an availability query: an actual content constraint (SDMX-ML 2.1),
with counts as the ``sdmx_metrics`` annotations of REST 2.0/2.1 availability.md.
"""

from __future__ import annotations

from types import SimpleNamespace

from lxml import etree

from server.formats.ns import COM, MES, STR
from server.formats.xmlutil import attr, escape
from server.model import ArtefactRef
from server.store.availability import Availability

_NS = f'xmlns:str="{STR}" xmlns:com="{COM}" xmlns:mes="{MES}"'


def availability_row(flow: ArtefactRef, found: Availability, time_dimension: str):
    """A store-like row holding the constraint, for the structure writers."""
    ident = f"CC_AVAILABILITY_{flow.id}"
    urn = (
        "urn:sdmx:org.sdmx.infomodel.registry.ContentConstraint="
        f"{flow.agency}:{ident}(1.0)"
    )
    metrics = "".join(
        f'<com:Annotation id="{name}"><com:AnnotationTitle>{count}'
        "</com:AnnotationTitle><com:AnnotationType>sdmx_metrics</com:AnnotationType>"
        "</com:Annotation>"
        for name, count in (
            ("series_count", found.series_count),
            ("obs_count", found.observation_count),
        )
    )
    xml = (
        f"<str:ContentConstraint {_NS} urn={attr(urn)} id={attr(ident)} "
        f'agencyID={attr(flow.agency)} version="1.0" isFinal="false" type="Actual">'
        f"<com:Annotations>{metrics}</com:Annotations>"
        f'<com:Name xml:lang="en">Data available in {escape(flow.triple)}</com:Name>'
        "<str:ConstraintAttachment><str:Dataflow>"
        f"<Ref agencyID={attr(flow.agency)} id={attr(flow.id)} "
        f'version={attr(flow.version)} package="datastructure" class="Dataflow"/>'
        "</str:Dataflow></str:ConstraintAttachment>"
        f'<str:CubeRegion include="true">{_key_values(found, time_dimension)}'
        "</str:CubeRegion></str:ContentConstraint>"
    )
    return SimpleNamespace(
        type="contentconstraint", xml=xml, stub_xml=xml, formats="{}"
    )


def _key_values(found: Availability, time_dimension: str) -> str:
    parts = [
        f"<com:KeyValue id={attr(dimension)}>"
        + "".join(f"<com:Value>{escape(code)}</com:Value>" for code in codes)
        + "</com:KeyValue>"
        for dimension, codes in found.values.items()
        if codes
    ]
    if found.start and found.end:
        parts.append(
            f"<com:KeyValue id={attr(time_dimension)}><com:TimeRange>"
            f'<com:StartPeriod isInclusive="true">{found.start}</com:StartPeriod>'
            f'<com:EndPeriod isInclusive="true">{found.end}</com:EndPeriod>'
            "</com:TimeRange></com:KeyValue>"
        )
    return "".join(parts)


def partial_codelist(row, keep: set[str]):
    """A codelist row cut to the codes in ``keep`` and their ancestors (isPartial)."""
    root = etree.fromstring(row.xml.encode("utf-8"))
    codes = {c.get("id"): c for c in root.iterfind(f"{{{STR}}}Code")}
    wanted = set()
    for code in keep & codes.keys():
        while code and code not in wanted:
            wanted.add(code)
            parent = codes[code].find(f"{{{STR}}}Parent/Ref")
            code = parent.get("id") if parent is not None else None
            code = code if code in codes else None
    for ident, element in codes.items():
        if ident not in wanted:
            root.remove(element)
    root.set("isPartial", "true")
    xml = etree.tostring(root, encoding="unicode")
    return SimpleNamespace(type=row.type, xml=xml, stub_xml=row.stub_xml, formats="{}")

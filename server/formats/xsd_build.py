"""Building blocks of the DSD-specific XML schemas of SDMX-ML 2.1 and 3.0 data."""

from __future__ import annotations

import tempfile
from pathlib import Path

from lxml import etree

from server.model import DataStructure

XS = "http://www.w3.org/2001/XMLSchema"


def check_codes(dsd: DataStructure, codes: dict[str, list[str]]) -> None:
    """Check that ``codes`` lists codes of coded components of ``dsd``.

    Raises:
        ValueError: When ``codes`` names no dimension or attribute of the DSD (nor,
            in a cross-sectional view, the dimension at observation level), or
            lists no code for one.
    """
    coded = {c.id for c in (*dsd.dimensions, *dsd.attributes)}
    if not dsd.is_period(dsd.time_dimension):  # a cross-sectional view
        coded.add(dsd.time_dimension)
    for component_id, ids in codes.items():
        if component_id not in coded:
            raise ValueError(
                f"codes given for {component_id!r}, which is no dimension or "
                f"attribute of data structure {dsd.ref.triple}: {sorted(coded)}"
            )
        if not ids:
            raise ValueError(
                f"an empty code list for {component_id!r} would allow no value; "
                "leave it out of codes to allow any"
            )


def code_type_name(component_id: str) -> str:
    """The name of the simple type listing a component's codes."""
    # The dot keeps these names apart from DataSetType, SeriesType and ObsType.
    return f"{component_id}.Code"


def schema_element(namespace: str, data_ns: str, common_ns: str) -> etree._Element:
    """An ``xs:schema`` for ``namespace`` that imports the data and common schemas."""
    schema = etree.Element(
        xs("schema"),
        nsmap={None: namespace, "xs": XS, "dsd": data_ns, "common": common_ns},
        targetNamespace=namespace,
        elementFormDefault="qualified",
        attributeFormDefault="unqualified",
    )
    # No schemaLocation: whoever compiles this schema supplies the official ones
    # (see validating_schema), wherever they are kept.
    sub(schema, "import", namespace=data_ns)
    sub(schema, "import", namespace=common_ns)
    return schema


def code_type(schema: etree._Element, component_id: str, ids: list[str]) -> None:
    """Declare the enumeration of a component's allowed codes."""
    simple = sub(schema, "simpleType", name=code_type_name(component_id))
    restriction = sub(simple, "restriction", base="xs:string")
    for code in dict.fromkeys(ids):
        sub(restriction, "enumeration", value=code)


def sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """Append an XML Schema element."""
    return etree.SubElement(parent, xs(tag), attributes)


def xs(tag: str) -> str:
    """The qualified name of an XML Schema element."""
    return f"{{{XS}}}{tag}"


def compile_with_messages(
    schema_dir: Path, message_ns: str, specific_xsd: bytes, kind: str
) -> etree.XMLSchema:
    """Compile the official ``SDMXMessage.xsd`` of ``schema_dir`` with one schema
    made for a DSD or dataflow (``kind`` names it in errors).

    Raises:
        FileNotFoundError: When ``schema_dir`` has no ``SDMXMessage.xsd``.
        ValueError: When ``specific_xsd`` has no target namespace.
        lxml.etree.XMLSchemaParseError: When the schemas do not compile.
    """
    message_xsd = (schema_dir / "SDMXMessage.xsd").resolve()
    if not message_xsd.is_file():
        raise FileNotFoundError(f"no SDMXMessage.xsd in {schema_dir}")
    namespace = etree.fromstring(specific_xsd).get("targetNamespace")
    if namespace is None:
        raise ValueError(f"the {kind} schema has no targetNamespace")

    # The compiled schema keeps nothing of its files, so they can go right after.
    with tempfile.TemporaryDirectory(prefix="sdmx-schema-") as folder:
        path = Path(folder) / "specific.xsd"
        path.write_bytes(specific_xsd)
        wrapper = etree.Element(xs("schema"), nsmap={"xs": XS})
        # The message schemas come first: the specific schema imports their
        # namespaces without a location and so reuses them.
        sub(
            wrapper, "import", namespace=message_ns, schemaLocation=message_xsd.as_uri()
        )
        sub(wrapper, "import", namespace=namespace, schemaLocation=path.as_uri())
        return etree.XMLSchema(wrapper)

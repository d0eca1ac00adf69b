"""Partial item schemes (``isPartial="true"``): item queries, referencepartial.

An item scheme is cut in its stored SDMX-ML 2.1 form; the SDMX-ML 3.0 and SDMX-JSON
fragments are then converted from the cut fragment, so that every format carries
the same items. Ancestors of a kept item stay, so that its references resolve: the
``Parent`` of a code or organisation unit, the enclosing item of a nested category.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from types import SimpleNamespace

from lxml import etree

from server.formats.ns import STR
from server.formats.structure_convert import convert_artefact

# Item element of each stored item scheme type (a hierarchical codelist's
# hierarchies are its items, as REST 1.5 4.3 counts them).
ITEM_TAGS = {
    "codelist": "Code",
    "conceptscheme": "Concept",
    "categoryscheme": "Category",
    "agencyscheme": "Agency",
    "dataproviderscheme": "DataProvider",
    "dataconsumerscheme": "DataConsumer",
    "organisationunitscheme": "OrganisationUnit",
    "hierarchicalcodelist": "Hierarchy",
}


def is_item_scheme(artefact_type: str) -> bool:
    """Whether a stored type (REST 1.5 name) has items that can be selected."""
    return artefact_type in ITEM_TAGS


def cut_item_scheme(row, wanted: Iterable[str]):
    """The row's item scheme with only the ``wanted`` items and their ancestors.

    Args:
        row: A store row (``type``, ``xml``, ``stub_xml``) of an item scheme.
        wanted: Item ids; a nested item may be named by its id or by its path
            (``MIGRATION.STOCK``).

    Returns:
        A store-like row marked ``isPartial="true"``, with the SDMX 3.0 fragments
        converted from the cut, or None when no wanted item is in the scheme.
    """
    root = etree.fromstring(row.xml.encode("utf-8"))
    tag = f"{{{STR}}}{ITEM_TAGS[row.type]}"
    if not _keep_nested(root, tag, _with_parents(root, tag, set(wanted)), ""):
        return None
    root.set("isPartial", "true")
    xml = etree.tostring(root, encoding="unicode")
    formats = json.dumps(convert_artefact(xml, row.type))
    return SimpleNamespace(
        type=row.type, xml=xml, stub_xml=row.stub_xml, formats=formats
    )


def _with_parents(root: etree._Element, tag: str, wanted: set[str]) -> set[str]:
    """``wanted`` and the ancestors of its items by ``Parent`` reference."""
    parents = {
        item.get("id"): ref.get("id")
        for item in root.iterfind(tag)
        if (ref := item.find(f"{{{STR}}}Parent/Ref")) is not None
    }
    closed = set()
    for ident in wanted:
        while ident is not None and ident not in closed:
            closed.add(ident)
            ident = parents.get(ident)
    return closed


def _keep_nested(parent: etree._Element, tag: str, wanted: set[str], path: str) -> bool:
    """Remove the items under ``parent`` that neither are wanted nor hold one.

    A nested item (a category) is kept when it holds a kept item, so ancestors
    stay; the items below a wanted one go unless wanted too (structures.md).

    Returns:
        Whether any item under ``parent`` was kept.
    """
    kept = False
    for item in parent.findall(tag):
        ident = item.get("id")
        full = f"{path}.{ident}" if path else ident
        holds = _keep_nested(item, tag, wanted, full)
        if holds or ident in wanted or full in wanted:
            kept = True
        else:
            parent.remove(item)
    return kept

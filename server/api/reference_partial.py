"""``detail=referencepartial``: referenced item schemes cut to the items used.

SDMX-REST 1.5 section 4.3 and 2.x structures.md: a concept scheme keeps the
concepts that the returned artefacts reference (the concept identities of a data
structure, for instance), a category scheme the categories of the returned
categorisations, an agency scheme the agencies maintaining the returned
artefacts; a codelist keeps the codes that the Allowed content constraints of the
returned dataflows allow. A codelist that some returned dataflow uses without
constraining it, or that no returned dataflow uses (a data structure queried on
its own), stays whole, as does every other item scheme.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from server.formats.ns import COM, STR
from server.formats.partial import cut_item_scheme
from server.model import ArtefactRef

# The item scheme holding each class of item that a 2.1 ``Ref`` can point to.
SCHEME_OF_ITEM = {
    "Concept": "conceptscheme",
    "Category": "categoryscheme",
    "Code": "codelist",
    "DataProvider": "dataproviderscheme",
    "DataConsumer": "dataconsumerscheme",
    "OrganisationUnit": "organisationunitscheme",
}
WHOLE = None  # a codelist that must stay whole


def cut_references(store, main: list, referenced: list) -> list:
    """The ``referenced`` rows, item schemes cut to the items ``main`` uses.

    Args:
        store: The store, for the constraints and structures of dataflows.
        main: Rows of the artefacts the query matched.
        referenced: Rows that ``references`` added.

    Returns:
        ``referenced`` in the same order, some rows replaced by partial ones.
    """
    every = [*main, *referenced]
    used = _referenced_items(every)
    used.update(_constrained_codes(store, every))
    agencies = {row.agency for row in every}
    cut = []
    for row in referenced:
        wanted = agencies if row.type == "agencyscheme" else used.get(_ref(row))
        partial = cut_item_scheme(row, wanted) if wanted else None
        cut.append(partial or row)
    return cut


def _ref(row) -> ArtefactRef:
    return ArtefactRef(row.type, row.agency, row.id, row.version)


def _referenced_items(rows: list) -> dict[ArtefactRef, set[str]]:
    """Item ids that the rows reference, by item scheme (``Ref`` elements)."""
    found: dict[ArtefactRef, set[str]] = defaultdict(set)
    for row in rows:
        for ref in etree.fromstring(row.xml.encode("utf-8")).iter("Ref"):
            scheme = SCHEME_OF_ITEM.get(ref.get("class", ""))
            parent = ref.get("maintainableParentID")
            if scheme and parent and ref.get("agencyID"):
                version = ref.get("maintainableParentVersion", "1.0")
                key = ArtefactRef(scheme, ref.get("agencyID"), parent, version)
                found[key].add(ref.get("id"))
    return {key: ids for key, ids in found.items() if key.type != "codelist"}


def _constrained_codes(store, rows: list) -> dict[ArtefactRef, set[str]]:
    """Codes that the Allowed constraints of the returned dataflows allow."""
    codes: dict[ArtefactRef, set[str] | None] = {}
    for flow in (row for row in rows if row.type == "dataflow"):
        allowed = _allowed_values(store, flow)
        dsd = store.structure_of(flow)
        for component in [*dsd.dimensions, *dsd.attributes]:
            if component.codelist is None:
                continue
            values = allowed.get(component.id)
            known = codes.get(component.codelist, set())
            if values is None or known is WHOLE:
                codes[component.codelist] = WHOLE
            else:
                codes[component.codelist] = known | values
    return {ref: values for ref, values in codes.items() if values is not WHOLE}


def _allowed_values(store, flow) -> dict[str, set[str]]:
    """Values by component in the Allowed content constraints on a dataflow."""
    constraints = [
        r for r in store.parents({_ref(flow)}) if r.type == "contentconstraint"
    ]
    values: dict[str, set[str]] = defaultdict(set)
    for row in store.rows_for(sorted(constraints, key=str)):
        root = etree.fromstring(row.xml.encode("utf-8"))
        if root.get("type", "Actual") != "Allowed":
            continue
        for region in root.iterfind(f"{{{STR}}}CubeRegion"):
            if region.get("include", "true") != "true":
                continue
            for key_value in region.iterfind(f"{{{COM}}}KeyValue"):
                texts = key_value.iterfind(f"{{{COM}}}Value")
                values[key_value.get("id")].update(v.text for v in texts)
    return dict(values)

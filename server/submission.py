"""Data submissions: data messages applied to the store, all or nothing.

One message is one transaction: its data sets are applied in order, each by its
action (the SDMX 3.1 actions of the data-upload draft: ``Append`` and
``Information`` are read as Merge), and any fault undoes everything. ``flask load``
and ``POST /rest/v2/data`` both come here; the second also says who submits, and a
data provider submits only under its provision agreements, within their
constraints.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO

import sqlalchemy as sa
from lxml import etree

from server.auth import Forbidden, User
from server.errors import InvalidData, NotFound, NotImplementedFeature
from server.formats.data_readers import read_data
from server.formats.ns import COM
from server.model import ArtefactRef, DataStructure, Observation
from server.query.periods import period_span
from server.store import Store, now
from server.validation import validated

# Data set action -> what is done.
MERGE, REPLACE, DELETE = "Merge", "Replace", "Delete"
ACTIONS = {"Append": MERGE, "Information": MERGE, "Merge": MERGE}
ACTIONS |= {"Replace": REPLACE, "Delete": DELETE}


@dataclass
class Applied:
    """What one data set of a message did."""

    number: int
    flow: ArtefactRef
    provider: str
    action: str  # Merge, Replace or Delete
    count: int  # observations written, or closed by a deletion


@dataclass
class Result:
    """What a whole message did."""

    applied: list[Applied] = field(default_factory=list)
    stamp: str = ""

    def total(self, action: str) -> int:
        return sum(a.count for a in self.applied if a.action == action)


def submit(
    store: Store,
    source: str | IO[bytes],
    *,
    default_provider: str,
    user: User | None = None,
    addressed: ArtefactRef | None = None,
    dry_run: bool = False,
) -> Result:
    """Apply every data set of a data message in one transaction.

    With ``dry_run``, everything is done and checked, counted, then undone: what
    a submission awaiting release is checked with.

    Args:
        store: The store.
        source: A path, or a binary stream of the message.
        default_provider: ``AGENCY:ID`` for data sets whose message names no
            provider (an admin's or a load's).
        user: Who submits; None for ``flask load`` (the operator). A provider
            user submits as its own provider only, under its agreements.
        addressed: The dataflow a request addresses, which every data set must
            be reported against.

    Raises:
        InvalidData: The content breaks a rule (422); nothing is stored.
        NotFound: A referenced structure does not exist (404).
        Forbidden: Outside the user's provision agreements or their constraints.
    """
    result = Result(stamp=now())
    with store.engine.connect() as conn:
        transaction = conn.begin()
        try:
            _submit(store, conn, source, default_provider, user, addressed, result)
        except sa.exc.DataError:
            transaction.rollback()
            raise InvalidData(
                "a value of the message does not fit the store (a code, key or "
                "period too long, or a number out of range); nothing was stored"
            ) from None
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    if not result.applied:
        raise InvalidData("the message holds no data set, so nothing was stored")
    return result


def _submit(
    store: Store,
    conn: sa.Connection,
    source: str | IO[bytes],
    default_provider: str,
    user: User | None,
    addressed: ArtefactRef | None,
    result: Result,
) -> None:
    """The data sets of a message, applied in order within ``conn``'s transaction."""
    store.lock(conn)
    flows = Flows(store, conn, addressed)
    for number, dataset in enumerate(read_data(source, flows.structure), start=1):
        flow = flows.flow(dataset.structure)
        ref = ArtefactRef("dataflow", flow.agency, flow.id, flow.version)
        if addressed is not None and ref != addressed:
            raise InvalidData(
                f"data set {number} is reported against {ref.triple}, but the "
                f"request addresses {addressed.triple}; post it to its own "
                "dataflow, version included"
            )
        provider = _provider(user, dataset.provider, default_provider, number)
        limits = _agreement_limits(store, conn, user, provider, ref, number)
        action = ACTIONS[dataset.action]
        count = _apply(
            store,
            conn,
            flow,
            dataset.dsd,
            provider,
            action,
            _within(dataset.observations, dataset.dsd, limits, provider),
            result.stamp,
        )
        result.applied.append(Applied(number, ref, provider, action, count))


def _apply(
    store: Store,
    conn: sa.Connection,
    flow: sa.Row,
    dsd: DataStructure,
    provider: str,
    action: str,
    observations: Iterable[Observation],
    stamp: str,
) -> int:
    if action == DELETE:
        checked = _checked_deletions(observations, dsd, store.code_sets(dsd, conn))
        return store.delete_observations(flow, provider, checked, conn, stamp)
    checked = validated(
        observations,
        dsd,
        store.code_sets(dsd, conn),
        functools.partial(store.stored_series_attributes, conn, flow.pk, provider),
        allowed_values(store, _ref(flow), conn),
    )
    return store.write_observations(
        flow, dsd, provider, checked, conn, merge=action == MERGE, stamp=stamp
    )


def _checked_deletions(
    observations: Iterable[Observation], dsd: DataStructure, codes: dict
) -> Iterator[Observation]:
    """Deletions whose given codes are in their codelists (empty ones match all).

    Attribute values given without the measure delete only those values, but a
    mandatory attribute cannot lose its value: given for an observation (a period
    named), the observation goes whole, as when the measure is given; given for
    series (no period), the deletion is refused.
    """
    mandatory = {a.id for a in dsd.attributes if a.mandatory}
    for number, obs in enumerate(observations, start=1):
        named = sorted(mandatory & {*obs.obs_attributes, *obs.series_attributes})
        if named and not obs.measure_given and obs.period:
            obs = replace(obs, measure_given=True)
        elif named and not obs.measure_given:
            raise InvalidData(
                f"deletion {number}: gives a value of the mandatory attribute(s) "
                f"{', '.join(named)} and neither a period nor {dsd.measure}, which "
                "deletes those values from whole series, and a mandatory attribute "
                "cannot lose its value; leave the attribute columns empty to delete "
                "whole series"
            )
        if obs.period:
            try:
                period_span(obs.period)
            except ValueError:
                raise InvalidData(
                    f"deletion {number}: {obs.period[:80]!r} is not an SDMX time "
                    "period; leave it empty to delete every period"
                ) from None
        for dimension, code in zip(dsd.dimension_ids, obs.key, strict=False):
            if code and dimension in codes and code not in codes[dimension]:
                raise InvalidData(
                    f"deletion {number}: {dimension} {code!r} is not a code of its "
                    "codelist"
                )
        yield obs


def _provider(user: User | None, named: str | None, default: str, number: int) -> str:
    if user is None or user.is_admin:
        return named or default
    if user.provider is None:
        raise Forbidden(f"user {user.name} is not a data provider and cannot submit")
    if (
        named is not None
        and named.rpartition(":")[2] != user.provider.rpartition(":")[2]
    ):
        raise Forbidden(
            f"data set {number} is sent as provider {named}, but user {user.name} "
            f"reports as {user.provider} only"
        )
    return user.provider


def _agreement_limits(
    store: Store,
    conn: sa.Connection,
    user: User | None,
    provider: str,
    flow: ArtefactRef,
    number: int,
) -> dict[str, set[str]] | None:
    """What the provider's agreement for ``flow`` allows; None for no limit.

    Raises:
        Forbidden: A provider user without an agreement for the dataflow.
    """
    if user is None:  # flask load: the operator loads anything
        return None
    for agreement in store.find_artefacts(
        ["provisionagreement"], versions=["latest"], conn=conn
    ):
        usage, reporter = _agreement_parties(agreement.xml)
        if usage == flow and reporter == provider:
            if user.is_admin:  # an admin writes for the provider, unconstrained
                return None
            return allowed_values(store, _ref(agreement), conn)
    advice = "create one first" if user.is_admin else "ask an administrator for one"
    raise Forbidden(
        f"data set {number}: provider {provider} has no provision agreement for "
        f"dataflow {flow.triple}; {advice} (or name the provider in the message)"
    )


def _within(
    observations: Iterable[Observation],
    dsd: DataStructure,
    limits: dict[str, set[str]] | None,
    provider: str,
) -> Iterator[Observation]:
    """The observations, refusing any outside the provider's agreement."""
    if not limits:
        yield from observations
        return
    positions = {d: i for i, d in enumerate(dsd.dimension_ids)}
    for obs in observations:
        for component, codes in limits.items():
            if component in positions:
                value = obs.key[positions[component]]
            else:
                value = obs.series_attributes.get(component, "")
            if value and value not in codes:
                raise Forbidden(
                    f"series {'.'.join(obs.key)}: {component} {value!r} is outside "
                    f"the provision agreement of {provider}, which allows "
                    f"{', '.join(sorted(codes))}; nothing was stored"
                )
        yield obs


def _ref(row) -> ArtefactRef:
    return ArtefactRef(row.type, row.agency, row.id, row.version)


def _agreement_parties(xml: str) -> tuple[ArtefactRef | None, str | None]:
    """The dataflow and the ``AGENCY:ID`` provider of a provision agreement."""
    root = etree.fromstring(xml.encode("utf-8"))
    usage = root.find("{*}StructureUsage/Ref")
    provider = root.find("{*}DataProvider/Ref")
    flow = (
        ArtefactRef(
            "dataflow",
            usage.get("agencyID"),
            usage.get("id"),
            usage.get("version", "1.0"),
        )
        if usage is not None
        else None
    )
    reporter = (
        f"{provider.get('agencyID')}:{provider.get('id')}"
        if provider is not None
        else None
    )
    return flow, reporter


def allowed_values(
    store: Store, ref: ArtefactRef, conn: sa.Connection | None = None
) -> dict[str, set[str]]:
    """Codes that the Allowed content constraints on an artefact allow, per
    component (the intersection of their included cube regions)."""
    parents = store.parents({ref}, conn)
    constraints = [r for r in parents if r.type == "contentconstraint"]
    allowed: dict[str, set[str]] = {}
    for row in store.rows_for(constraints, conn):
        root = etree.fromstring(row.xml.encode("utf-8"))
        if root.get("type", "Actual") != "Allowed":
            continue
        for region in root.iter("{*}CubeRegion"):
            if region.get("include", "true") != "true":
                continue
            for key_value in region.iterfind(f"{{{COM}}}KeyValue"):
                values = {v.text for v in key_value.iterfind(f"{{{COM}}}Value")}
                current = allowed.get(key_value.get("id"))
                allowed[key_value.get("id")] = (
                    values if current is None else current & values
                )
    return allowed


class Flows:
    """Finds the dataflow of a data set within the transaction of a submission."""

    def __init__(
        self,
        store: Store,
        conn: sa.Connection,
        addressed: ArtefactRef | None = None,
    ) -> None:
        self.store = store
        self.conn = conn
        self.addressed = addressed  # settles data reported against a shared DSD
        self.found: dict[ArtefactRef, sa.Row] = {}

    def structure(
        self, kind: str, agency: str, id_: str, version: str
    ) -> DataStructure:
        """The DSD of the dataflow that data reported against this artefact goes to."""
        flow = self.flow(ArtefactRef(kind, agency, id_, version))
        return self.store.structure_of(flow, self.conn)

    def flow(self, ref: ArtefactRef) -> sa.Row:
        if ref not in self.found:
            self.found[ref] = self._find(ref)
        return self.found[ref]

    def _find(self, ref: ArtefactRef) -> sa.Row:
        if ref.type == "dataflow":
            return self._one("dataflow", ref)
        if ref.type == "datastructure":
            return self._flow_using(self._one("datastructure", ref))
        if ref.type == "provisionagreement":
            usage, _ = _agreement_parties(self._one("provisionagreement", ref).xml)
            if usage is not None:
                return self._one("dataflow", usage)
        raise NotImplementedFeature(
            f"data reported against a {ref.type} ({ref.triple}) cannot be loaded yet; "
            "report it against its dataflow"
        )

    def _one(self, kind: str, ref: ArtefactRef) -> sa.Row:
        rows = self.store.find_artefacts(
            [kind], [ref.agency], [ref.id], [ref.version], self.conn
        )
        if not rows:
            raise NotFound(
                f"the message refers to {kind} {ref.triple}, which is not in the "
                "store; load its structure message first"
            )
        return rows[-1]

    def _flow_using(self, dsd: sa.Row) -> sa.Row:
        """The one dataflow whose structure is ``dsd``."""
        wanted = [dsd.agency, dsd.id, dsd.version]
        flows = [
            row
            for row in self.store.find_artefacts(
                ["dataflow"], versions=["all"], conn=self.conn
            )
            if json.loads(row.model or "{}").get("structure") == wanted
        ]
        triple = f"{dsd.agency}:{dsd.id}({dsd.version})"
        if len(flows) == 1:
            return flows[0]
        chosen = [f for f in flows if _ref(f) == self.addressed]
        if chosen:
            return chosen[0]
        if not flows:
            raise NotFound(
                f"no dataflow uses the data structure {triple} that the message refers "
                "to; load a dataflow for it first"
            )
        names = ", ".join(f"{f.agency}:{f.id}({f.version})" for f in flows)
        raise InvalidData(
            f"the message refers to data structure {triple}, which {len(flows)} "
            f"dataflows use ({names}); name the dataflow in the message instead "
            "(SDMX-ML Header/Structure/StructureUsage, SDMX-CSV 2.0 "
            "STRUCTURE=dataflow) or post it to /rest/v2/data/dataflow/{agency}/{id}/"
            "{version}"
        )

"""The store of record for artefacts and observations, over SQLite or PostgreSQL.

One class serves both backends through SQLAlchemy Core; the differences (pragmas,
locking, driver names) are kept to :func:`create_engine`.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import operator
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Connection, Engine

from server.errors import Conflict, InvalidData, InvalidStructure, NotFound
from server.formats.encoded import Encoder, layout
from server.model import Artefact, ArtefactRef, DataStructure, Observation
from server.query.periods import canonical_period, period_span
from server.store import schema
from server.store.engine import create_engine, version_key

log = logging.getLogger(__name__)

__all__ = ["Store", "create_engine", "version_key"]

_CHUNK = 5000


def batched(items: Iterable, size: int) -> Iterator[tuple]:
    """Successive tuples of ``size`` items (itertools.batched arrived in 3.12)."""
    iterator = iter(items)
    while chunk := tuple(itertools.islice(iterator, size)):
        yield chunk


def now() -> str:
    """The current UTC time as stored: ISO 8601 with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _row_ref(row: sa.Row) -> ArtefactRef:
    return ArtefactRef(row.type, row.agency, row.id, row.version)


class Store:
    """Artefacts and observations kept in one relational database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url)

    def create_schema(self) -> None:
        """Create the tables if they do not exist yet, safely from several processes.

        PostgreSQL creates them under the store lock, in one transaction. SQLite
        runs each DDL statement on its own, so a process that loses the race to
        another one sees "already exists" (or, on a new file, "locked") and
        checks again.
        """
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                self.lock(conn)
                _drop_stale_derived(conn)
                schema.metadata.create_all(conn)
            return
        for attempt in range(10):
            try:
                with self.engine.begin() as conn:
                    _drop_stale_derived(conn)
                schema.metadata.create_all(self.engine)
                return
            except sa.exc.OperationalError as error:
                # A new file's first connections race to make it WAL ("locked").
                passing = "already exists" in str(error) or "locked" in str(error)
                if not passing or attempt == 9:
                    raise
                time.sleep(0.1)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- settings ---------------------------------------------------------------

    def get_setting(self, name: str, conn: Connection | None = None) -> str | None:
        """The value of a setting, or None."""
        if conn is None:
            with self.engine.connect() as conn:
                return self.get_setting(name, conn)
        return conn.scalar(
            sa.select(schema.setting.c.value).where(schema.setting.c.name == name)
        )

    def change_marker(self) -> tuple[str, str]:
        """The store's change counter and the time of its last change.

        Every write bumps both in its own transaction, so a response built from
        the store can be validated (ETag, Last-Modified) without scanning it.
        """
        with self.engine.connect() as conn:
            rows = dict(
                conn.execute(
                    sa.select(schema.setting.c.name, schema.setting.c.value).where(
                        schema.setting.c.name.in_(["change_counter", "change_time"])
                    )
                ).all()
            )
        return rows.get("change_counter", "0"), rows.get(
            "change_time", "1970-01-01T00:00:00+00:00"
        )

    def _record_change(self, conn: Connection) -> None:
        counter = int(self.get_setting("change_counter", conn) or 0) + 1
        self.set_setting(conn, "change_counter", str(counter))
        self.set_setting(conn, "change_time", now())

    def lock(self, conn: Connection) -> None:
        """Take the store-wide write lock until ``conn``'s transaction ends."""
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(734211)"))
        else:  # the first write of a SQLite transaction takes the database lock
            conn.execute(
                sa.delete(schema.setting).where(schema.setting.c.name == "_lock")
            )

    def set_setting(self, conn: Connection, name: str, value: str) -> None:
        conn.execute(sa.delete(schema.setting).where(schema.setting.c.name == name))
        conn.execute(sa.insert(schema.setting).values(name=name, value=value))

    # -- artefacts --------------------------------------------------------------

    def put_artefacts(
        self, artefacts: list[Artefact], conn: Connection | None = None
    ) -> int:
        """Store artefacts, replacing stored ones of the same identity.

        Every reference must resolve, within ``artefacts`` or in the store;
        otherwise nothing is stored and :class:`MissingReferences` (409) lists
        what is missing.
        """
        if conn is None:
            with self.engine.begin() as conn:
                return self.put_artefacts(artefacts, conn)
        for item in artefacts:
            _check_lengths(item)
        incoming = {a.ref for a in artefacts}
        missing = sorted(
            {r for a in artefacts for r in a.references if r not in incoming}
            - self._existing({r for a in artefacts for r in a.references}, conn),
            key=str,
        )
        if missing:
            listed = ", ".join(f"{r.type} {r.triple}" for r in missing[:20])
            raise MissingReferences(
                f"{len(missing)} referenced artefacts are neither in the message nor "
                f"in the store: {listed}; load them first or in the same message"
            )
        for item in artefacts:
            self._put_one(item, conn)
        for item in artefacts:
            if item.ref.type == "contentconstraint":
                self._check_constraint(conn, item)
        self._record_change(conn)
        return len(artefacts)

    def _check_constraint(self, conn: Connection, item: Artefact) -> None:
        """A constraint's cube regions name components of the data structures it
        constrains, and codes of their codelists; otherwise 409 listing what is
        not there (a constraint naming an unknown code would refuse every
        submission)."""
        root = etree.fromstring(item.xml.encode("utf-8"))
        unknown: set[str] = set()
        for dsd in self._constrained_structures(conn, item):
            unknown |= _not_in_structure(root, dsd, self.code_sets(dsd, conn))
        if unknown:
            listed = ", ".join(sorted(unknown)[:20])
            raise MissingReferences(
                f"constraint {item.ref.triple} names what its data structure does "
                f"not have: {listed}; correct the constraint"
            )

    def _constrained_structures(
        self, conn: Connection, item: Artefact
    ) -> list[DataStructure]:
        """The data structures of what a constraint is attached to."""
        structures = []
        for ref in item.references:
            if ref.type == "datastructure":
                structures.append(self.data_structure(ref, conn))
                continue
            if ref.type not in ("dataflow", "provisionagreement"):
                continue
            flows = [ref]
            if ref.type == "provisionagreement":
                named = self._neighbours({ref}, True, conn)
                flows = [r for r in named if r.type == "dataflow"]
            for row in self.rows_for(flows, conn):
                structures.append(self.structure_of(row, conn))
        return structures

    def delete_artefact(self, ref: ArtefactRef, conn: Connection) -> None:
        """Remove an artefact that nothing refers to and that holds no data.

        Raises:
            NotFound: No such artefact.
            Conflict: Other artefacts refer to it, or it is a dataflow with series.
        """
        a, r = schema.artefact, schema.reference
        pk = _pk_of(conn, ref)
        if pk is None:
            raise NotFound(f"no {ref.type} {ref.triple} in this service")
        users = conn.execute(
            sa.select(a.c.type, a.c.agency, a.c.id, a.c.version)
            .join(r, r.c.source_pk == a.c.pk)
            .where(
                r.c.type == ref.type,
                r.c.agency == ref.agency,
                r.c.id == ref.id,
                r.c.version == ref.version,
            )
            .distinct()
        ).all()
        if users:
            listed = ", ".join(
                f"{u.type} {u.agency}:{u.id}({u.version})" for u in users
            )
            raise Conflict(
                f"{ref.type} {ref.triple} cannot be deleted: {len(users)} artefacts "
                f"refer to it ({listed[:1000]}); delete or change them first"
            )
        series = conn.scalar(
            sa.select(sa.func.count())
            .select_from(schema.series)
            .where(schema.series.c.flow_pk == pk)
        )
        if series:
            raise Conflict(
                f"{ref.type} {ref.triple} holds {series} series of data and cannot be "
                "deleted; delete its data first"
            )
        conn.execute(sa.delete(r).where(r.c.source_pk == pk))
        conn.execute(sa.delete(a).where(a.c.pk == pk))
        self._record_change(conn)

    def _existing(self, refs: set[ArtefactRef], conn: Connection) -> set[ArtefactRef]:
        found = set()
        for ref in refs:
            pk = _pk_of(conn, ref)
            if pk is not None:
                found.add(ref)
        return found

    def _put_one(self, item: Artefact, conn: Connection) -> None:
        a = schema.artefact
        ref = item.ref
        if ref.type == "dataflow" and "structure" not in item.model:
            raise InvalidStructure(
                f"dataflow {ref.triple} names no data structure; give its Structure"
            )
        self._check_equivalent_version(conn, ref)
        values = dict(
            is_final=item.is_final,
            names=json.dumps(item.names),
            xml=item.xml,
            stub_xml=item.stub_xml,
            model=json.dumps(item.model),
            formats=json.dumps(item.formats),
            updated=now(),
        )
        pk = _pk_of(conn, ref)
        if pk is None:
            pk = conn.execute(
                sa.insert(a).values(
                    type=ref.type,
                    agency=ref.agency,
                    id=ref.id,
                    version=ref.version,
                    **values,
                )
            ).inserted_primary_key[0]
        else:
            self._check_final(conn, pk, item)
            self._check_structure_in_use(conn, pk, item)
            conn.execute(sa.update(a).where(a.c.pk == pk).values(**values))
            conn.execute(
                sa.delete(schema.reference).where(schema.reference.c.source_pk == pk)
            )
        if item.references:
            conn.execute(
                sa.insert(schema.reference),
                [
                    dict(
                        source_pk=pk,
                        type=r.type,
                        agency=r.agency,
                        id=r.id,
                        version=r.version,
                    )
                    for r in item.references
                ],
            )

    def _check_equivalent_version(self, conn: Connection, ref: ArtefactRef) -> None:
        """Another version spelling the same version (``1.0`` and ``1.0.0``): 409,
        since queries by version could not tell them apart."""
        a = schema.artefact
        same = _version_value(ref.version)
        for version in conn.scalars(
            sa.select(a.c.version).where(
                a.c.type == ref.type, a.c.agency == ref.agency, a.c.id == ref.id
            )
        ):
            if version != ref.version and _version_value(version) == same:
                raise Conflict(
                    f"{ref.type} {ref.agency}:{ref.id} is stored as version "
                    f"{version}, which is version {ref.version} spelled another way; "
                    f"send it as {version}, or as another version"
                )

    def _check_structure_in_use(
        self, conn: Connection, pk: int, item: Artefact
    ) -> None:
        """A data structure whose components change while data use it, or a
        dataflow holding data pointed at another data structure: 409."""
        a, s = schema.artefact, schema.series
        if item.ref.type == "dataflow":
            stored = json.loads(conn.scalar(sa.select(a.c.model).where(a.c.pk == pk)))
            if stored.get("structure") == item.model.get("structure"):
                return
            used = conn.scalar(
                sa.select(sa.func.count()).select_from(s).where(s.c.flow_pk == pk)
            )
            if used:
                raise Conflict(
                    f"dataflow {item.ref.triple} holds data ({used} series) and would "
                    "name another data structure; publish a new version of the "
                    "dataflow for the new structure"
                )
            return
        if item.ref.type != "datastructure":
            return
        stored = json.loads(conn.scalar(sa.select(a.c.model).where(a.c.pk == pk)))
        if stored == item.model:
            return
        wanted = [item.ref.agency, item.ref.id, item.ref.version]
        flows = [
            row.pk
            for row in conn.execute(
                sa.select(a.c.pk, a.c.model).where(a.c.type == "dataflow")
            )
            if json.loads(row.model or "{}").get("structure") == wanted
        ]
        used = flows and conn.scalar(
            sa.select(sa.func.count()).select_from(s).where(s.c.flow_pk.in_(flows))
        )
        if used:
            raise Conflict(
                f"data structure {item.ref.triple} holds data ({used} series) and its "
                "components would change; publish the change as a new version"
            )

    def _check_final(self, conn: Connection, pk: int, item: Artefact) -> None:
        a = schema.artefact
        stored = conn.execute(
            sa.select(a.c.is_final, a.c.xml).where(a.c.pk == pk)
        ).one()
        if stored.is_final and _essence(stored.xml) != _essence(item.xml):
            raise Conflict(
                f"{item.ref.type} {item.ref.triple} is final: only its names, "
                "descriptions and annotations (and those of its items) may change; "
                "publish any other change as a new version"
            )

    def find_artefacts(
        self,
        types: Iterable[str],
        agencies: Iterable[str] = ("all",),
        ids: Iterable[str] = ("all",),
        versions: Iterable[str] = ("latest",),
        conn: Connection | None = None,
    ) -> list[sa.Row]:
        """Artefact rows matching a structure query; ``all`` matches anything.

        ``latest`` keeps the highest version of each artefact.
        """
        if conn is None:
            with self.engine.connect() as conn:
                return self.find_artefacts(types, agencies, ids, versions, conn)
        a = schema.artefact
        query = sa.select(a)
        types, agencies, ids, versions = (
            list(x) for x in (types, agencies, ids, versions)
        )
        if "all" not in types:
            query = query.where(a.c.type.in_(types))
        if "all" not in agencies:
            query = query.where(a.c.agency.in_(agencies))
        if "all" not in ids:
            query = query.where(a.c.id.in_(ids))
        explicit = [v for v in versions if v not in ("all", "latest")]
        if "all" not in versions and "latest" not in versions:
            query = query.where(a.c.version.in_(explicit))
        rows = list(conn.execute(query))
        if "latest" in versions and "all" not in versions:
            rows = _latest(rows, keep=set(explicit))
        return sorted(
            rows, key=lambda r: (r.type, r.agency, r.id, version_key(r.version))
        )

    def rows_for(
        self, refs: Iterable[ArtefactRef], conn: Connection | None = None
    ) -> list[sa.Row]:
        """Artefact rows for exact references (unknown ones are skipped)."""
        if conn is None:
            with self.engine.connect() as conn:
                return self.rows_for(refs, conn)
        a = schema.artefact
        rows = []
        for ref in refs:
            row = conn.execute(
                sa.select(a).where(
                    a.c.type == ref.type,
                    a.c.agency == ref.agency,
                    a.c.id == ref.id,
                    a.c.version == ref.version,
                )
            ).first()
            if row is not None:
                rows.append(row)
        return rows

    def children(self, refs: Iterable[ArtefactRef]) -> set[ArtefactRef]:
        """Artefacts that the given ones reference directly."""
        return self._neighbours(refs, outgoing=True)

    def parents(
        self, refs: Iterable[ArtefactRef], conn: Connection | None = None
    ) -> set[ArtefactRef]:
        """Artefacts that reference the given ones directly."""
        return self._neighbours(refs, outgoing=False, conn=conn)

    def _neighbours(
        self,
        refs: Iterable[ArtefactRef],
        outgoing: bool,
        conn: Connection | None = None,
    ) -> set[ArtefactRef]:
        """One step along the reference rows, from referrer to referenced or back.

        Within a write, pass its ``conn``: a second connection while the write holds
        the store lock could wait on the pool behind the writers waiting for it.
        """
        if conn is None:
            with self.engine.connect() as own:
                return self._neighbours(refs, outgoing, own)
        r, a = schema.reference, schema.artefact
        # Outgoing: match the referrer (artefact) and return what it references.
        matched, returned = (a, r) if outgoing else (r, a)
        found: set[ArtefactRef] = set()
        for ref in refs:
            query = (
                sa.select(
                    returned.c.type,
                    returned.c.agency,
                    returned.c.id,
                    returned.c.version,
                )
                .select_from(r.join(a, a.c.pk == r.c.source_pk))
                .where(
                    matched.c.type == ref.type,
                    matched.c.agency == ref.agency,
                    matched.c.id == ref.id,
                    matched.c.version == ref.version,
                )
            )
            found.update(_row_ref(row) for row in conn.execute(query))
        return found

    def data_structure(
        self, ref: ArtefactRef, conn: Connection | None = None
    ) -> DataStructure:
        """The data structure ``ref`` as the data path needs it."""
        rows = self.rows_for([ref], conn)
        if not rows:
            raise InvalidStructure(f"data structure {ref.triple} is not in the store")
        return DataStructure.from_model(ref, json.loads(rows[0].model))

    def code_sets(
        self, dsd: DataStructure, conn: Connection | None = None
    ) -> dict[str, frozenset[str]]:
        """Allowed code ids of each coded component of ``dsd``, from its codelists."""
        sets = {}
        for component in [*dsd.dimensions, *dsd.attributes]:
            if component.codelist is not None:
                sets[component.id] = self.code_ids(component.codelist, conn)
        return sets

    def code_ids(
        self, ref: ArtefactRef, conn: Connection | None = None
    ) -> frozenset[str]:
        """The code ids of a stored codelist (empty if it is not stored)."""
        rows = self.rows_for([ref], conn)
        if not rows:
            return frozenset()
        return frozenset(json.loads(rows[0].model).get("codes", ()))

    def stored_series_attributes(
        self, conn: Connection, flow_pk: int, provider: str, key: tuple[str, ...]
    ) -> dict[str, str]:
        """The attributes stored for one series, empty if it is not stored."""
        s = schema.series
        text = conn.scalar(
            sa.select(s.c.attributes).where(
                s.c.flow_pk == flow_pk,
                s.c.provider == provider,
                s.c.key == ".".join(key),
            )
        )
        return json.loads(text) if text else {}

    def structure_of(
        self, flow: sa.Row, conn: Connection | None = None
    ) -> DataStructure:
        """The data structure that a dataflow row refers to."""
        model = json.loads(flow.model)
        if "structure" not in model:
            raise InvalidStructure(
                f"dataflow {flow.agency}:{flow.id} names no structure"
            )
        return self.data_structure(
            ArtefactRef("datastructure", *model["structure"]), conn
        )

    # -- observations -------------------------------------------------------------

    def write_observations(
        self,
        flow: sa.Row,
        dsd: DataStructure,
        provider: str,
        observations: Iterable[Observation],
        conn: Connection | None = None,
        *,
        merge: bool = False,
        stamp: str | None = None,
    ) -> int:
        """Write observations into a dataflow in one transaction; return the count.

        A current observation of the same series and period is closed
        (``valid_to`` set) and the new one becomes current: with ``merge``, it keeps
        the observation attributes the new one does not give (SDMX Merge);
        without, it has exactly what it is given (Replace). Series attributes are
        merged either way. Two observations of the same series and period in one
        call are an error, whatever their order.
        """
        if conn is None:
            with self.engine.begin() as conn:
                return self.write_observations(
                    flow, dsd, provider, observations, conn, merge=merge, stamp=stamp
                )
        writer = _ObservationWriter(conn, flow.pk, provider, dsd, stamp or now())
        writer.merge = merge
        for chunk in batched(observations, _CHUNK):
            writer.write(chunk)
        write_series_text(conn, dsd, set(writer.series_pks.values()))
        self._record_change(conn)
        if writer.count >= _ANALYZE_AFTER:
            analyze(conn)
        return writer.count

    def delete_observations(
        self,
        flow: sa.Row,
        provider: str,
        observations: Iterable[Observation],
        conn: Connection,
        stamp: str | None = None,
    ) -> int:
        """Close the current observations that Delete data names; return how many.

        An empty code in a key matches any code, an empty period every period: a
        key alone deletes whole series, no key at all the provider's whole data
        set. Past versions stay, ending at ``stamp``, so that ``updatedAfter`` and
        ``includeHistory`` can tell of the deletion.
        """
        s, o = schema.series, schema.observation
        stamp = stamp or now()
        count = 0
        touched: set[int] = set()
        for obs in observations:
            matching = sa.select(s.c.pk).where(
                s.c.flow_pk == flow.pk,
                s.c.provider == provider,
                *(s.c[f"d{i}"] == code for i, code in enumerate(obs.key) if code),
            )
            if not obs.measure_given and (obs.obs_attributes or obs.series_attributes):
                changed, items = self._delete_values(conn, obs, matching, stamp)
                touched |= changed
                count += items
                continue
            conditions = [o.c.series_pk.in_(matching), o.c.valid_to.is_(None)]
            if obs.period:
                conditions.append(o.c.period == canonical_period(obs.period))
            pks = set(
                conn.scalars(sa.select(o.c.series_pk).where(*conditions).distinct())
            )
            if not pks:
                continue
            touched |= pks
            result = conn.execute(
                sa.update(o).where(*conditions).values(valid_to=stamp)
            )
            count += result.rowcount
        if touched:
            write_series_text(conn, self.structure_of(flow, conn), touched)
            self._record_change(conn)
        return count

    def _delete_values(
        self, conn: Connection, obs: Observation, matching: sa.Select, stamp: str
    ) -> tuple[set[int], int]:
        """Delete the attribute values ``obs`` gives (any value stands for the
        attribute) from the matching series and their current observations; an
        observation so changed gets a new version from ``stamp``. Returns the
        series changed and how many series and observations lost a value."""
        s, o = schema.series, schema.observation
        changed: set[int] = set()
        items = 0
        if obs.series_attributes:
            for row in conn.execute(
                sa.select(s.c.pk, s.c.attributes).where(s.c.pk.in_(matching))
            ).all():
                values = json.loads(row.attributes or "{}")
                kept = {
                    k: v for k, v in values.items() if k not in obs.series_attributes
                }
                if kept != values:
                    conn.execute(
                        sa.update(s)
                        .where(s.c.pk == row.pk)
                        .values(attributes=json.dumps(kept, sort_keys=True))
                    )
                    changed.add(row.pk)
                    items += 1
        if obs.obs_attributes:
            conditions = [
                o.c.series_pk.in_(matching),
                o.c.valid_to.is_(None),
                o.c.attributes.is_not(None),
            ]
            if obs.period:
                conditions.append(o.c.period == canonical_period(obs.period))
            columns = [c for c in o.columns if c.name != "pk"]
            for row in conn.execute(
                sa.select(o.c.pk, *columns).where(*conditions)
            ).all():
                values = json.loads(row.attributes)
                kept = {k: v for k, v in values.items() if k not in obs.obs_attributes}
                if kept == values:
                    continue
                conn.execute(
                    sa.update(o).where(o.c.pk == row.pk).values(valid_to=stamp)
                )
                version = {c.name: row._mapping[c.name] for c in columns}
                version.update(
                    attributes=json.dumps(kept, sort_keys=True) if kept else None,
                    valid_from=stamp,
                    valid_to=None,
                )
                conn.execute(sa.insert(o).values(**version))
                changed.add(row.series_pk)
                items += 1
        return changed, items

    def count_observations(self, flow_pk: int) -> int:
        s, o = schema.series, schema.observation
        with self.engine.connect() as conn:
            return conn.scalar(
                sa.select(sa.func.count())
                .select_from(o.join(s, s.c.pk == o.c.series_pk))
                .where(s.c.flow_pk == flow_pk, o.c.valid_to.is_(None))
            )

    def has_observations(self, flow_pk: int, query) -> bool:
        """Whether a data query matches at least one current observation."""
        from server.store.data_select import exists_statement

        with self.engine.connect() as conn:
            return conn.execute(exists_statement(flow_pk, query)).first() is not None

    def data_providers_of(self, flow_pk: int) -> set[str]:
        """Ids of the data providers with series in a dataflow."""
        s = schema.series
        statement = sa.select(s.c.provider).where(s.c.flow_pk == flow_pk).distinct()
        with self.engine.connect() as conn:
            return {row.provider.rpartition(":")[2] for row in conn.execute(statement)}

    def count_rows(self, flow_pk: int, query, ceiling: int) -> int:
        """How many rows a data query gives, counting no further than ``ceiling``."""
        from server.store.data_select import select_statement

        # The query's own limit (REST 2.x paging) counts when it is the smaller.
        limit = ceiling if query.limit is None else min(query.limit, ceiling)
        limited = select_statement(flow_pk, query).limit(limit).subquery()
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(limited))

    def observation_versions(self, flow_pk: int, query) -> list[sa.Row]:
        """Every version of the observations a query matches (see
        :func:`server.store.data_select.versions_statement`)."""
        from server.store.data_select import versions_statement

        with self.engine.connect() as conn:
            return list(conn.execute(versions_statement(flow_pk, query)))

    def select_series_text(
        self, flow_pk: int, query, encoding: str, dsd: DataStructure
    ) -> Iterator[sa.Row] | None:
        """Whole series of a data query with their kept text in ``encoding`` (see
        :mod:`server.formats.encoded`), or None when a matching series has none
        of the data structure's layout (such series are answered row by row).

        Only the key and provider filters of ``query`` apply: the caller asks only
        for queries that have no others.
        """
        from server.store.data_select import series_text_statements

        statement, missing = series_text_statements(
            flow_pk, query, encoding, layout(dsd)
        )
        with self.engine.connect() as conn:
            if conn.execute(missing).first() is not None:
                return None

        def rows() -> Iterator[sa.Row]:
            with self.engine.connect() as conn:
                result = conn.execution_options(
                    stream_results=True, yield_per=50
                ).execute(statement)
                yield from result

        return rows()

    def fill_series_text(self) -> int:
        """Write the kept text of series that have current observations and none
        (a store from before kept text); return how many series were written."""
        s, t, o = schema.series, schema.series_text, schema.observation
        lacking = (
            sa.select(s.c.pk, s.c.flow_pk)
            .where(
                ~sa.exists().where(t.c.series_pk == s.c.pk),
                sa.exists().where(o.c.series_pk == s.c.pk, o.c.valid_to.is_(None)),
            )
            .order_by(s.c.flow_pk)
        )
        with self.engine.connect() as conn:
            if conn.execute(lacking.limit(1)).first() is None:
                return 0
        written = 0
        with self.engine.begin() as conn:
            self.lock(conn)
            a = schema.artefact
            by_flow: dict[int, set[int]] = {}
            for row in conn.execute(lacking):
                by_flow.setdefault(row.flow_pk, set()).add(row.pk)
            for flow_pk, pks in by_flow.items():
                flow = conn.execute(sa.select(a).where(a.c.pk == flow_pk)).one()
                write_series_text(conn, self.structure_of(flow, conn), pks)
                written += len(pks)
        log.info("kept text written for %d series stored before it", written)
        return written

    def count_series_text(self, flow_pk: int, query) -> int:
        """How many observations the whole series of a data query hold."""
        from server.store.data_select import series_text_count

        with self.engine.connect() as conn:
            return conn.scalar(series_text_count(flow_pk, query)) or 0

    def select_observations(self, flow_pk: int, query) -> Iterator[sa.Row]:
        """Current observations of a data query, ordered by series key and period."""
        from server.store.data_select import select_statement

        statement = select_statement(flow_pk, query)
        with self.engine.connect() as conn:
            result = conn.execution_options(
                stream_results=True, yield_per=2000
            ).execute(statement)
            yield from result


class _ObservationWriter:
    """Writes observations chunk by chunk, with few statements per chunk."""

    def __init__(
        self,
        conn: Connection,
        flow_pk: int,
        provider: str,
        dsd: DataStructure,
        stamp: str,
    ) -> None:
        self.conn, self.flow_pk, self.provider = conn, flow_pk, provider
        self.dsd, self.stamp = dsd, stamp
        self.series_pks: dict[tuple[str, ...], int] = {}
        self.existing: set[int] = set()  # series that had observations before
        self.seen: set[tuple[int, str]] = set()
        self.count = 0
        self.merge = False  # keep stored observation attributes not given anew

    def write(self, chunk: tuple[Observation, ...]) -> None:
        chunk = tuple(map(_canonical, chunk))
        self._resolve_series({obs.key: obs for obs in chunk})
        rows = []
        for obs in chunk:
            pk = self.series_pks[obs.key]
            if (pk, obs.period) in self.seen:
                raise InvalidData(
                    f"series {'.'.join(obs.key)} has two observations for period "
                    f"{obs.period} in one message; send each observation once"
                )
            self.seen.add((pk, obs.period))
            rows.append(_observation_row(pk, obs, self.stamp))
        o = schema.observation
        closing = [
            {"b_series": r["series_pk"], "b_period": r["period"], "b_stamp": self.stamp}
            for r in rows
            if r["series_pk"] in self.existing
        ]
        if closing and self.merge:
            # Merge: what an observation does not give keeps its stored value.
            blank = {
                (self.series_pks[obs.key], obs.period)
                for obs in chunk
                if obs.value is None and not obs.measure_given
            }
            self._merge_attributes(rows, blank)
        if closing:
            self.conn.execute(
                sa.update(o)
                .where(
                    o.c.series_pk == sa.bindparam("b_series"),
                    o.c.period == sa.bindparam("b_period"),
                    o.c.valid_to.is_(None),
                )
                .values(valid_to=sa.bindparam("b_stamp")),
                closing,
            )
        # Straight to the driver: the rows are already in the table's terms.
        self.conn.exec_driver_sql(_insert_observations(self.conn.dialect), rows)
        self.count += len(rows)

    def _merge_attributes(self, rows: list[dict], blank: set[tuple[int, str]]) -> None:
        """Give each row the stored attributes of its observation it does not set,
        and, for those in ``blank`` (sent without a value), the stored value."""
        o = schema.observation
        pairs = {(r["series_pk"], r["period"]) for r in rows}
        stored: dict[tuple[int, str], tuple] = {}
        for part in batched(sorted(pairs), 500):
            result = self.conn.execute(
                sa.select(o.c.series_pk, o.c.period, o.c.value, o.c.attributes).where(
                    o.c.valid_to.is_(None),
                    o.c.series_pk.in_({pk for pk, _ in part}),
                    o.c.period.in_({period for _, period in part}),
                )
            )
            for row in result:
                if (row.series_pk, row.period) in pairs:
                    stored[(row.series_pk, row.period)] = (row.value, row.attributes)
        for row in rows:
            pair = (row["series_pk"], row["period"])
            if pair not in stored:
                continue
            value, text = stored[pair]
            if pair in blank:
                row["value"] = value
            if text:
                new = json.loads(row["attributes"]) if row["attributes"] else {}
                row["attributes"] = json.dumps(
                    {**json.loads(text), **new}, sort_keys=True
                )

    def _resolve_series(self, by_key: dict[tuple[str, ...], Observation]) -> None:
        width = len(self.dsd.dimensions)
        for key in by_key:
            if len(".".join(key)) > MAX_KEY or any(len(c) > MAX_CODE for c in key):
                raise InvalidData(
                    f"series key {'.'.join(key)[:300]}… is longer than the store "
                    f"keeps ({MAX_CODE} characters a code, {MAX_KEY} a key)"
                )
            if len(key) != width:
                raise InvalidData(
                    f"series key {'.'.join(key)} has {len(key)} values; data "
                    f"structure {self.dsd.ref.triple} has {width} dimensions "
                    f"({'.'.join(self.dsd.dimension_ids)})"
                )
        unknown = [k for k in by_key if k not in self.series_pks]
        if not unknown:
            return
        s = schema.series
        stored = self._lookup(unknown)
        found = {key: pk for key, (pk, _) in stored.items()}
        if stored:
            # Attributes a message leaves out keep their stored values (merge).
            self.existing.update(found.values())
            self.conn.execute(
                sa.update(s)
                .where(s.c.pk == sa.bindparam("b_series"))
                .values(attributes=sa.bindparam("b_attributes")),
                [
                    {
                        "b_series": pk,
                        "b_attributes": json.dumps(
                            {**json.loads(old), **by_key[k].series_attributes},
                            sort_keys=True,
                        ),
                    }
                    for k, (pk, old) in stored.items()
                ],
            )
        missing = [k for k in unknown if k not in found]
        if missing:
            self.conn.execute(
                sa.insert(s),
                [
                    dict(
                        flow_pk=self.flow_pk,
                        provider=self.provider,
                        key=".".join(k),
                        attributes=_attributes_json(by_key[k]),
                        **{f"d{i}": code for i, code in enumerate(k)},
                    )
                    for k in missing
                ],
            )
            found.update({k: pk for k, (pk, _) in self._lookup(missing).items()})
        self.series_pks.update(found)

    def _lookup(
        self, keys: list[tuple[str, ...]]
    ) -> dict[tuple[str, ...], tuple[int, str]]:
        """Stored series of these keys: their pk and attributes (JSON)."""
        s = schema.series
        found = {}
        for part in batched(keys, 500):
            result = self.conn.execute(
                sa.select(s.c.pk, s.c.key, s.c.attributes).where(
                    s.c.flow_pk == self.flow_pk,
                    s.c.provider == self.provider,
                    s.c.key.in_([".".join(k) for k in part]),
                )
            )
            found.update(
                {tuple(row.key.split(".")): (row.pk, row.attributes) for row in result}
            )
        return found


MAX_CODE, MAX_KEY = 200, 1000  # what the series table's columns hold


def _drop_stale_derived(conn: Connection) -> None:
    """Drop ``series_text`` if it was made with other columns (by another version
    of this server): it holds nothing that cannot be made again from the
    observations, which the next start does (:meth:`Store.fill_series_text`)."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(schema.series_text.name):
        return
    found = {c["name"] for c in inspector.get_columns(schema.series_text.name)}
    if found != {c.name for c in schema.series_text.columns}:
        log.warning("series_text has other columns than this version's: made anew")
        schema.series_text.drop(conn)


_ANALYZE_AFTER = 20_000  # observations written at once that warrant new statistics


def analyze(conn: Connection) -> None:
    """Bring PostgreSQL's planner statistics of the data tables up to date.

    A large write leaves them behind until autovacuum comes round; meanwhile the
    planner may take a table of thousands of rows for one of a few and join it
    row by row. SQLite plans from its indexes and needs nothing here.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE series, series_text, observation")


def write_series_text(conn: Connection, dsd: DataStructure, pks: set[int]) -> None:
    """Write anew the kept text of these series (see :mod:`server.formats.encoded`)
    from their current observations, in the caller's transaction."""
    s, t = schema.series, schema.series_text
    shape = layout(dsd)
    encoder = Encoder(dsd)
    for part in batched(sorted(pks), 200):
        attributes = {
            row.pk: row.attributes
            for row in conn.execute(
                sa.select(s.c.pk, s.c.attributes).where(s.c.pk.in_(part))
            )
        }
        # Straight from the driver: many rows, read once (pks are integers).
        cursor = conn.connection.cursor()
        try:
            cursor.execute(
                "SELECT series_pk, period, value, attributes FROM observation "
                f"WHERE valid_to IS NULL AND series_pk IN ({','.join(map(str, part))}) "
                "ORDER BY series_pk, period_start, period"
            )
            rows = cursor.fetchall()
        finally:
            cursor.close()
        texts = []
        for pk, group in itertools.groupby(rows, key=operator.itemgetter(0)):
            observations = [row[1:] for row in group]
            text = encoder.encode(attributes.get(pk), observations)
            texts.append(
                {"series_pk": pk, "layout": shape, "observations": len(observations)}
                | text
            )
        conn.execute(sa.delete(t).where(t.c.series_pk.in_(part)))
        if texts:
            conn.execute(sa.insert(t), texts)


def _pk_of(conn: Connection, ref: ArtefactRef) -> int | None:
    """The primary key of a stored artefact, None if it is not stored."""
    a = schema.artefact
    return conn.scalar(
        sa.select(a.c.pk).where(
            a.c.type == ref.type,
            a.c.agency == ref.agency,
            a.c.id == ref.id,
            a.c.version == ref.version,
        )
    )


class MissingReferences(Conflict):
    """Artefacts refer to artefacts that exist neither in the store nor beside them."""


_TEXTS = ("Name", "Description", "Annotations")
# What the artefact table's columns hold.
_LENGTHS = {"agency": 100, "id": 200, "version": 40}


def _not_in_structure(
    constraint: etree._Element, dsd: DataStructure, codes: dict[str, frozenset[str]]
) -> set[str]:
    """Components and codes a constraint's regions name that ``dsd`` lacks."""
    components = {*dsd.dimension_ids, dsd.time_dimension}
    components |= {a.id for a in dsd.attributes}
    unknown = set()
    for key_value in constraint.iter("{*}KeyValue", "{*}Attribute"):
        component = key_value.get("id")
        if component is None:
            continue
        if component not in components:
            unknown.add(f"component {component} (not in {dsd.ref.triple})")
            continue
        allowed = codes.get(component)
        for value in key_value.iterfind("{*}Value"):
            if allowed is not None and value.text not in allowed:
                unknown.add(f"{component} code {value.text}")
    return unknown


def _version_value(version: str) -> tuple:
    """A version's numbers without trailing zeros, and its extension: ``1``,
    ``1.0`` and ``1.0.0`` are one version."""
    core, _, extension = version.partition("-")
    numbers = [int(p) if p.isdigit() else p for p in core.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers), extension


def _check_lengths(item: Artefact) -> None:
    for field_name, most in _LENGTHS.items():
        value = getattr(item.ref, field_name)
        if len(value) > most:
            raise InvalidStructure(
                f"{item.ref.type} {value[:60]}…: its {field_name} has {len(value)} "
                f"characters, more than the {most} this service keeps"
            )
    long_codes = [c for c in item.model.get("codes", []) if len(c) > MAX_CODE]
    if long_codes:
        raise InvalidStructure(
            f"{item.ref.type} {item.ref.triple}: code {long_codes[0][:60]}… is longer "
            f"than the {MAX_CODE} characters data keys hold"
        )


def _essence(xml: str) -> tuple:
    """An artefact without its names, descriptions and annotations, whatever its
    namespace prefixes and layout: what a final artefact may not change."""
    parser = etree.XMLParser(remove_blank_text=True)
    return _shape(etree.fromstring(xml.encode("utf-8"), parser))


def _shape(element: etree._Element) -> tuple:
    children = tuple(
        _shape(child)
        for child in element
        if isinstance(child.tag, str) and etree.QName(child).localname not in _TEXTS
    )
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        children,
    )


def _canonical(obs: Observation) -> Observation:
    """The observation with its period spelled as stored."""
    period = canonical_period(obs.period)
    return obs if period == obs.period else replace(obs, period=period)


@functools.lru_cache(maxsize=4096)
def _values_json(pairs: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(pairs), sort_keys=True)


def _attributes_json(obs: Observation) -> str:
    return json.dumps(obs.series_attributes, sort_keys=True)


@functools.lru_cache(maxsize=8)
def _insert_observations(dialect) -> str:
    """INSERT of observation rows (dicts) in the driver's own parameter style."""
    names = [c.name for c in schema.observation.columns if c.name != "pk"]
    style = ":{}" if dialect.paramstyle in ("qmark", "named") else "%({})s"
    marks = ", ".join(style.format(name) for name in names)
    return f"INSERT INTO observation ({', '.join(names)}) VALUES ({marks})"


@functools.lru_cache(maxsize=4096)
def _span_text(period: str) -> tuple[str, str]:
    start, end = period_span(period)
    return start.isoformat(), end.isoformat()


def _observation_row(series_pk: int, obs: Observation, stamp: str) -> dict:
    try:
        start, end = _span_text(obs.period)
    except ValueError:
        raise InvalidData(f"{obs.period!r} is not an SDMX time period") from None
    return dict(
        series_pk=series_pk,
        period=obs.period,
        period_start=start,
        period_end=end,
        value=obs.value,
        attributes=_values_json(tuple(obs.obs_attributes.items()))
        if obs.obs_attributes
        else None,
        valid_from=stamp,
        valid_to=None,
    )


def _latest(rows: list[sa.Row], keep: set[str]) -> list[sa.Row]:
    best: dict[tuple[str, str, str], sa.Row] = {}
    kept = []
    for row in rows:
        if row.version in keep:
            kept.append(row)
        ident = (row.type, row.agency, row.id)
        if ident not in best or version_key(row.version) > version_key(
            best[ident].version
        ):
            best[ident] = row
    return list({r.pk: r for r in [*best.values(), *kept]}.values())

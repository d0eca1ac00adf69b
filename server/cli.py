"""``flask`` commands: load SDMX structure and data files into the store."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from server.bundle import DESA_PROVIDER
from server.errors import InvalidData, NotFound, NotImplementedFeature, SdmxError
from server.formats.data_readers import DataSetRead, message_format, read_data
from server.formats.structure_reader import read_structure_message
from server.model import ArtefactRef, DataStructure
from server.store import Store
from server.store_ext import get_store
from server.validation import validated

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.cli.add_command(load_command)


@click.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--provider",
    default=None,
    metavar="AGENCY:ID",
    help="Data provider of data files whose message names none "
    f"(default {DESA_PROVIDER}), e.g. UNDESA:NSO_DEU.",
)
@with_appcontext
def load_command(paths: tuple[str, ...], provider: str | None) -> None:
    """Load SDMX-ML structure messages and SDMX-ML or SDMX-CSV data files.

    Files are loaded in the order given, each in one transaction: a file that fails
    leaves nothing behind, and the command stops there. Data goes to the dataflow
    the message names, or to the one dataflow using the data structure it names,
    as provided by the data provider the message header names, else by --provider,
    else UNDESA:DESA_PD. Codes must be in their codelists and mandatory attributes
    present (in the message or already stored), or nothing from the file is stored.
    """
    store = get_store()
    for path in paths:
        name = Path(path).name
        try:
            summary = _load_file(store, path, provider or DESA_PROVIDER)
        except SdmxError as error:
            raise click.ClickException(
                f"{name}: {error.message}. Nothing from this file was stored."
            ) from None
        click.echo(f"{name}: {summary}")


def _load_file(store: Store, path: str, default_provider: str) -> str:
    if message_format(path) == "structure":
        count = store.put_artefacts(read_structure_message(path))
        return f"{count} artefacts loaded"
    return _load_data(store, path, default_provider)


def _load_data(store: Store, path: str, default_provider: str) -> str:
    """Write every data set of a data message in one transaction; summarise."""
    counts: dict[str, int] = {}
    with store.engine.begin() as conn:
        store.lock(conn)
        flows = _Flows(store, conn)
        for number, dataset in enumerate(read_data(path, flows.structure), start=1):
            _check_action(dataset, number)
            flow = flows.flow(dataset.structure)
            provider = dataset.provider or default_provider
            observations = validated(
                dataset.observations,
                dataset.dsd,
                store.code_sets(dataset.dsd, conn),
                functools.partial(
                    store.stored_series_attributes, conn, flow.pk, provider
                ),
            )
            count = store.write_observations(
                flow, dataset.dsd, provider, observations, conn
            )
            target = f"dataflow {flow.agency}:{flow.id}({flow.version}) as {provider}"
            counts[target] = counts.get(target, 0) + count
            log.info("Loaded %d observations from %s into %s", count, path, target)
    if not counts:
        return "no data sets"
    return "; ".join(f"{n} observations loaded into {t}" for t, n in counts.items())


def _check_action(dataset: DataSetRead, number: int) -> None:
    if dataset.action == "Delete":
        raise NotImplementedFeature(
            f"data set {number} has the action Delete, which is not supported by load "
            "yet; only Append, Replace and Information data can be loaded"
        )


class _Flows:
    """Finds the dataflow of a data set within the transaction of a load."""

    def __init__(self, store: Store, conn: sa.Connection) -> None:
        self.store = store
        self.conn = conn
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
        if not flows:
            raise NotFound(
                f"no dataflow uses the data structure {triple} that the message refers "
                "to; load a dataflow for it first"
            )
        names = ", ".join(f"{f.agency}:{f.id}({f.version})" for f in flows)
        raise InvalidData(
            f"the message refers to data structure {triple}, which {len(flows)} "
            f"dataflows use ({names}); name the dataflow in the message instead "
            "(SDMX-ML Header/Structure/StructureUsage, SDMX-CSV 2.0 STRUCTURE=dataflow)"
        )

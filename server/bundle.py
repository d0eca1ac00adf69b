"""Loads the bundled structures (``structures/``) and DESA data (``data/``) once."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlalchemy as sa

from server.formats.structure_reader import read_structure_message
from server.store import Store
from server.validation import validated

log = logging.getLogger(__name__)

BUNDLE_SETTING = "bundle_loaded"
DESA_AGENCY = "UNDESA"
DESA_PROVIDER = "UNDESA:DESA_PD"


def load_bundle(store: Store, structures_dir: str, data_dir: str | None) -> None:
    """Load structures and DESA data (unless ``data_dir`` is None) in one
    transaction unless already done.

    Several processes may start at once: the first takes the lock and loads,
    the others wait for it and then find the bundle loaded.
    """
    if store.get_setting(BUNDLE_SETTING):
        return
    started = time.monotonic()
    with store.engine.begin() as conn:
        store.lock(conn)
        if store.get_setting(BUNDLE_SETTING, conn):
            return
        log.info(
            "First start: loading the bundled structures and data into %s",
            store.engine.url.render_as_string(hide_password=True),
        )
        artefacts = []
        for path in sorted(Path(structures_dir).glob("*.xml")):
            artefacts.extend(read_structure_message(str(path)))
        store.put_artefacts(artefacts, conn)
        log.info("Loaded %d artefacts from %s", len(artefacts), structures_dir)
        if data_dir is not None:
            _load_desa(store, conn, Path(data_dir))
        store.set_setting(conn, BUNDLE_SETTING, time.strftime("%Y-%m-%dT%H:%M:%S"))
    log.info("Bundle loaded in %.1f s", time.monotonic() - started)


def _load_desa(store: Store, conn: sa.Connection, folder: Path) -> None:
    from data import desa

    for flow_id in desa.DATAFLOWS:
        rows = store.find_artefacts(["dataflow"], [DESA_AGENCY], [flow_id], conn=conn)
        if not rows:
            raise RuntimeError(
                f"dataflow {DESA_AGENCY}:{flow_id} is not in structures/"
            )
        flow = rows[0]
        dsd = store.structure_of(flow, conn)
        started = time.monotonic()
        observations = validated(
            desa.load(flow_id, folder), dsd, store.code_sets(dsd, conn)
        )
        count = store.write_observations(flow, dsd, DESA_PROVIDER, observations, conn)
        log.info(
            "Loaded %s: %d observations in %.1f s",
            flow_id,
            count,
            time.monotonic() - started,
        )

"""The store: both backends, first-start loading, concurrency and indexes."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from server import create_app
from server.query import DataQuery
from server.store import Store
from server.store.data_select import select_statement

DESA_OBSERVATIONS = 189_571  # every observation of the seven DESA dataflows


def _observations(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT count(*) FROM observation"))


def test_the_bundle_is_loaded_once_and_reused(app):
    store = app.extensions["store"]
    assert _observations(store) == DESA_OBSERVATIONS
    again = create_app({"DATABASE_URL": app.config["DATABASE_URL"]})
    assert _observations(again.extensions["store"]) == DESA_OBSERVATIONS
    again.extensions["store"].dispose()


def test_processes_starting_together_load_the_bundle_once(database_url_factory):
    url = database_url_factory("sqlite")
    stores, errors = [], []

    def start() -> None:
        try:
            stores.append(create_app({"DATABASE_URL": url}).extensions["store"])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _observations(stores[0]) == DESA_OBSERVATIONS
    for store in stores:
        store.dispose()


# How each backend shows a plan, and what a plan that reads a whole table says.
PLANS = {
    "sqlite": ("EXPLAIN QUERY PLAN", -1, "SCAN observation"),
    "postgresql": ("EXPLAIN", 0, "Seq Scan on observation"),
}


def test_a_small_key_query_reads_through_indexes(app):
    store = app.extensions["store"]
    explain, column, whole_table = PLANS[store.engine.dialect.name]
    flow = store.find_artefacts(["dataflow"], ["UNDESA"], ["DF_IMS2019_ORIGIN"])[0]
    query = DataQuery(
        "UNDESA",
        "DF_IMS2019_ORIGIN",
        "1.0",
        key=((), (), ("840",), (), (), ("484",), ()),
    )
    compiled = select_statement(flow.pk, query).compile(
        store.engine, compile_kwargs={"literal_binds": True}
    )
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
        plan = " ".join(
            str(row[column]) for row in conn.exec_driver_sql(f"{explain} {compiled}")
        )
    assert whole_table not in plan, plan
    assert "ix_series_d" in plan or "uq_series" in plan, plan

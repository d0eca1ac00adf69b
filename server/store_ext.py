"""Binds the store to the application and loads the bundled content on first start."""

from __future__ import annotations

from flask import Flask, current_app

from server.bundle import load_bundle
from server.store import Store


def init_app(app: Flask) -> None:
    """Open the store, create its schema, and load the bundle if not yet loaded."""
    store = Store(app.config["DATABASE_URL"])
    store.create_schema()
    app.extensions["store"] = store
    if app.config["LOAD_BUNDLED"]:
        data_dir = app.config["DATA_DIR"] if app.config["LOAD_BUNDLED_DATA"] else None
        load_bundle(store, app.config["STRUCTURES_DIR"], data_dir)
    store.fill_series_text()


def get_store() -> Store:
    """The store of the current application."""
    return current_app.extensions["store"]

"""The SDMX data exchange server: ``create_app`` builds the Flask application."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application.

    Settings come from ``config``, then from the environment (``DATABASE_URL``, and
    any setting ``NAME`` as ``SDMX_NAME``), then from defaults: an SQLite file in
    the instance folder, with the bundled structures and DESA data loaded on first
    start.
    """
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'sdmx.db'}"
        ),
        SENDER_ID="UNDESA",
        # The data provider of data whose message names none (loads, admins' posts).
        DEFAULT_PROVIDER="UNDESA:DESA_PD",
        # A data provider's submissions wait for an admin's release (False: applied
        # at once, as an admin's are).
        RELEASE_REQUIRED=True,
        LOAD_BUNDLED=True,
        LOAD_BUNDLED_DATA=True,  # False: the bundled structures only
        STRUCTURES_DIR=str(PROJECT_ROOT / "structures"),
        DATA_DIR=str(PROJECT_ROOT / "data" / "desa"),
    )
    # SDMX_MAX_RESULT_OBSERVATIONS=100000 sets MAX_RESULT_OBSERVATIONS, and so on;
    # values are read as JSON where they parse (numbers, true/false).
    app.config.from_prefixed_env("SDMX")
    if config:
        app.config.update(config)
    _configure_logging(app)

    from server import api, cli, store_ext

    store_ext.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )

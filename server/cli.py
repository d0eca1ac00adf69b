"""``flask`` commands: load SDMX structure and data files into the store."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from server.formats.structure_reader import read_structure_message
from server.store_ext import get_store


def init_app(app: Flask) -> None:
    app.cli.add_command(load_command)


@click.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@with_appcontext
def load_command(paths: tuple[str, ...]) -> None:
    """Load SDMX-ML structure messages and SDMX-ML or SDMX-CSV data files."""
    store = get_store()
    for path in paths:
        artefacts = read_structure_message(path)
        count = store.put_artefacts(artefacts)
        click.echo(f"{Path(path).name}: {count} artefacts loaded")

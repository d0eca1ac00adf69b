"""``flask`` commands: load SDMX structure and data files into the store."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from server import auth
from server.bundle import DESA_PROVIDER
from server.errors import SdmxError
from server.formats.data_readers import message_format
from server.formats.structure_reader import read_structure_message
from server.store import Store
from server.store_ext import get_store
from server.submission import submit

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.cli.add_command(load_command)
    app.cli.add_command(users_command)


@click.group("users")
def users_command() -> None:
    """Registered users and their API tokens."""


@users_command.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option(
    "--provider",
    default=None,
    metavar="ID",
    help="For --role provider: the data provider, as ID or AGENCY:ID "
    "(an id of the provider scheme, e.g. NSO_MEX).",
)
@with_appcontext
def add_user_command(name: str, role: str, provider: str | None) -> None:
    """Register a user and print its token, which is shown only this once."""
    store = get_store()
    if provider is not None:
        provider = _known_provider(store, provider)
    with store.engine.begin() as conn:
        try:
            token = auth.add_user(conn, name, role, provider)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(token)
    suffix = f" for {provider}" if provider else ""
    click.echo(f"user {name} added as {role}{suffix}; keep the token above", err=True)


@users_command.command("list")
@with_appcontext
def list_users_command() -> None:
    """List users: name, role, provider, created, revoked (never tokens)."""
    with get_store().engine.connect() as conn:
        for row in auth.list_users(conn):
            state = f"revoked {row.revoked}" if row.revoked else "active"
            click.echo(
                f"{row.name}\t{row.role}\t{row.provider or '-'}\t{row.created}\t{state}"
            )


@users_command.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_user_command(name: str) -> None:
    """Revoke a user's token at once."""
    with get_store().engine.begin() as conn:
        if not auth.revoke_user(conn, name):
            raise click.ClickException(f"no active user {name!r}")
    click.echo(f"user {name} revoked")


def _known_provider(store: Store, provider: str) -> str:
    """``AGENCY:ID`` of a data provider of a stored provider scheme."""
    agency, _, ident = provider.rpartition(":")
    for row in store.find_artefacts(["dataproviderscheme"]):
        if agency and row.agency != agency:
            continue
        if f'id="{ident}"' in row.xml:
            return f"{row.agency}:{ident}"
    raise click.ClickException(
        f"no data provider {provider!r} in the stored provider schemes; list them at "
        "/rest/dataproviderscheme/all/all/latest"
    )


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
    """Apply every data set of a data message in one transaction; summarise."""
    result = submit(store, path, default_provider=default_provider)
    counts: dict[str, int] = {}
    for applied in result.applied:
        flow = applied.flow
        target = f"dataflow {flow.triple} as {applied.provider}"
        done = {"Merge": "loaded into", "Replace": "loaded into"}
        label = f"{done.get(applied.action, 'deleted from')} {target}"
        counts[label] = counts.get(label, 0) + applied.count
        log.info(
            "%s: %d observations from %s into %s",
            applied.action,
            applied.count,
            path,
            target,
        )
    return "; ".join(f"{n} observations {t}" for t, n in counts.items())

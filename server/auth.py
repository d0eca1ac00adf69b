"""Registered users, their roles and API tokens, and who is asking.

Roles: ``admin`` (structures and every provider's data), ``provider`` (bound to one
data provider, ``AGENCY:ID``, of the provider scheme: submits its own data) and
``reader`` (a registered user who may read restricted dataflows). A token is 32
random bytes, shown once when made; the store keeps only its SHA-256, which is
enough for a secret of that strength and lets a request be checked with one indexed
look-up. A request presents it as ``Authorization: Bearer TOKEN``, or as the password
of HTTP Basic (any user name) for tools that only do Basic.

Failed authentications are counted per client address: after
:data:`FREE_FAILURES` within :data:`FAILURE_WINDOW` seconds, that client is answered
429 with ``Retry-After`` until the window has passed, whatever it sends.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, g, request
from lxml import etree

from server.errors import SdmxError
from server.store import now, schema

ROLES = ("admin", "provider", "reader")
# The annotation type that marks a dataflow whose data only registered users read.
RESTRICTED = "RESTRICTED"
FREE_FAILURES = 5
FAILURE_WINDOW = 60.0  # seconds


class Unauthorized(SdmxError):
    status = 401
    code = 110
    headers = {"WWW-Authenticate": 'Bearer realm="sdmx", Basic realm="sdmx"'}


class Forbidden(SdmxError):
    status = 403
    code = 110


class TooManyFailures(SdmxError):
    status = 429
    code = 110


@dataclass(frozen=True)
class User:
    """An authenticated user."""

    name: str
    role: str
    provider: str | None  # AGENCY:ID for a data provider

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(conn: sa.Connection, name: str, role: str, provider: str | None) -> str:
    """Register a user; return the new token (it is not kept).

    Raises:
        ValueError: An unknown role, a provider role without provider (or another
            role with one), or a name already taken.
    """
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if (role == "provider") != (provider is not None):
        raise ValueError("a provider user needs --provider, and only a provider user")
    u = schema.user
    existing = conn.execute(
        sa.select(u.c.pk, u.c.revoked).where(u.c.name == name)
    ).first()
    if existing is not None and existing.revoked is None:
        raise ValueError(
            f"user {name!r} exists already; revoke it first (a new token then "
            "replaces the old one) or pick another name"
        )
    token = secrets.token_urlsafe(32)
    values = dict(
        name=name,
        role=role,
        provider=provider,
        token_hash=token_hash(token),
        created=now(),
        revoked=None,
    )
    if existing is None:
        conn.execute(sa.insert(u).values(**values))
    else:  # a revoked user gets a new token (and role)
        conn.execute(sa.update(u).where(u.c.pk == existing.pk).values(**values))
    return token


def revoke_user(conn: sa.Connection, name: str) -> bool:
    """Revoke a user's token; False when there is no such active user."""
    u = schema.user
    result = conn.execute(
        sa.update(u)
        .where(u.c.name == name, u.c.revoked.is_(None))
        .values(revoked=now(), token_hash=f"revoked:{secrets.token_hex(20)}")
    )
    return result.rowcount == 1


def list_users(conn: sa.Connection) -> list[sa.Row]:
    u = schema.user
    return list(
        conn.execute(
            sa.select(
                u.c.name, u.c.role, u.c.provider, u.c.created, u.c.revoked
            ).order_by(u.c.name)
        )
    )


class _Failures:
    """Recent failed authentications per client address."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, client: str, moment: float) -> deque[float]:
        times = self.times[client]
        while times and times[0] < moment - FAILURE_WINDOW:
            times.popleft()
        return times

    def wait(self, client: str) -> float:
        """Seconds the client must wait before it may try again (0: may try)."""
        moment = time.monotonic()
        with self.lock:
            times = self._recent(client, moment)
            if len(times) < FREE_FAILURES:
                return 0.0
            return max(1.0, times[-FREE_FAILURES] + FAILURE_WINDOW - moment)

    def add(self, client: str) -> None:
        with self.lock:
            self.times[client].append(time.monotonic())


def _failures() -> _Failures:
    """This application's record of failed authentications."""
    return current_app.extensions.setdefault("auth_failures", _Failures())


def _presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return None if not header else ""


def current_user(store) -> User | None:
    """The user the request authenticates as, None when it presents no token.

    Raises:
        Unauthorized: A token is presented but matches no active user.
        TooManyFailures: This client failed too often lately.
    """
    if "user" in g:
        return g.user
    client = request.remote_addr or "?"
    wait = _failures().wait(client)
    if wait:
        error = TooManyFailures(
            f"too many failed authentications from this client; try again in "
            f"{int(wait) + 1} seconds"
        )
        error.headers = {"Retry-After": str(int(wait) + 1)}
        raise error
    token = _presented_token()
    if token is None:
        g.user = None
        return None
    u = schema.user
    row = None
    if token:
        with store.engine.connect() as conn:
            row = conn.execute(
                sa.select(u.c.name, u.c.role, u.c.provider).where(
                    u.c.token_hash == token_hash(token), u.c.revoked.is_(None)
                )
            ).first()
    if row is None:
        _failures().add(client)
        raise Unauthorized(
            "the token is not valid (unknown, revoked or malformed); send "
            "'Authorization: Bearer TOKEN' with a token from "
            "'flask --app wsgi users add'"
        )
    g.user = User(row.name, row.role, row.provider)
    return g.user


def require_user(store, *roles: str) -> User:
    """The authenticated user, who must have one of ``roles`` (any role if none).

    Raises:
        Unauthorized: No token, or a bad one.
        Forbidden: The user's role is not among ``roles``.
    """
    user = current_user(store)
    if user is None:
        raise Unauthorized(
            "this needs a registered user's token: send 'Authorization: Bearer TOKEN'"
        )
    if roles and user.role not in roles:
        raise Forbidden(
            f"user {user.name} has the role {user.role}; this needs "
            f"{' or '.join(roles)}"
        )
    return user


@functools.lru_cache(maxsize=256)
def is_restricted(flow_xml: str) -> bool:
    """Whether a dataflow (its SDMX-ML 2.1 text) carries a RESTRICTED annotation."""
    if RESTRICTED not in flow_xml:
        return False
    root = etree.fromstring(flow_xml.encode("utf-8"))
    types = root.iterfind("{*}Annotations/{*}Annotation/{*}AnnotationType")
    return any((t.text or "").strip() == RESTRICTED for t in types)


def check_data_access(store, flow) -> None:
    """Let the data of a restricted dataflow through to registered users only.

    Answers to such requests are marked private, so that no shared cache keeps them.

    Raises:
        Unauthorized: The dataflow is restricted and no valid token came with the
            request.
    """
    if not is_restricted(flow.xml):
        return
    g.private = True
    if current_user(store) is None:
        raise Unauthorized(
            f"the data of dataflow {flow.agency}:{flow.id}({flow.version}) are for "
            "registered users only; send 'Authorization: Bearer TOKEN' (its "
            "structures stay public)"
        )

"""The database schema shared by the SQLite and PostgreSQL backends.

Artefacts are kept whole as SDMX-ML 2.1 fragments with their references as rows, so
that reference closures are index look-ups. Observations are rows keyed by series;
each row is one version of an observation, valid from ``valid_from`` until
``valid_to`` (NULL while current), so that history is kept from the first write.
"""

from __future__ import annotations

import sqlalchemy as sa

MAX_DIMENSIONS = 20

metadata = sa.MetaData()

artefact = sa.Table(
    "artefact",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("agency", sa.String(100), nullable=False),
    sa.Column("id", sa.String(200), nullable=False),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("is_final", sa.Boolean, nullable=False),
    sa.Column("names", sa.Text, nullable=False),  # JSON {lang: name}
    sa.Column("xml", sa.Text, nullable=False),
    sa.Column("stub_xml", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),  # JSON, see server.model
    # JSON {key: fragment}: the artefact in SDMX-ML 3.0 and SDMX-JSON 2.0, whole and
    # as stubs (see server.formats.structure_convert.convert_artefact)
    sa.Column("formats", sa.Text, nullable=False, server_default="{}"),
    sa.Column("updated", sa.String(32), nullable=False),
    sa.UniqueConstraint("type", "agency", "id", "version", name="uq_artefact"),
)

reference = sa.Table(
    "artefact_reference",
    metadata,
    sa.Column(
        "source_pk", sa.ForeignKey("artefact.pk", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("agency", sa.String(100), nullable=False),
    sa.Column("id", sa.String(200), nullable=False),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Index("ix_reference_target", "type", "agency", "id", "version"),
    sa.Index("ix_reference_source", "source_pk"),
)

series = sa.Table(
    "series",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column(
        "flow_pk", sa.ForeignKey("artefact.pk", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("provider", sa.String(300), nullable=False),
    sa.Column("key", sa.String(1000), nullable=False),
    sa.Column("attributes", sa.Text, nullable=False),  # JSON {attribute: value}
    *[sa.Column(f"d{i}", sa.String(200)) for i in range(MAX_DIMENSIONS)],
    sa.UniqueConstraint("flow_pk", "provider", "key", name="uq_series"),
    *[sa.Index(f"ix_series_d{i}", "flow_pk", f"d{i}") for i in range(8)],
)

observation = sa.Table(
    "observation",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column(
        "series_pk", sa.ForeignKey("series.pk", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("period", sa.String(60), nullable=False),
    sa.Column("period_start", sa.String(10), nullable=False),  # ISO date
    sa.Column("period_end", sa.String(10), nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("attributes", sa.Text),  # JSON or NULL
    sa.Column("valid_from", sa.String(32), nullable=False),
    sa.Column("valid_to", sa.String(32)),
    sa.Index("ix_observation_series", "series_pk", "period_start"),
    sa.Index(
        "uq_observation_current",
        "series_pk",
        "period",
        unique=True,
        sqlite_where=sa.text("valid_to IS NULL"),
        postgresql_where=sa.text("valid_to IS NULL"),
    ),
)

# Each series' current observations kept written out (server.formats.encoded), for
# answers of whole series; rewritten with every write to the series.
series_text = sa.Table(
    "series_text",
    metadata,
    sa.Column(
        "series_pk",
        sa.ForeignKey("series.pk", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("layout", sa.String(32), nullable=False),
    sa.Column("observations", sa.Integer, nullable=False),
    sa.Column("csv", sa.Text),  # NULL where a value holds a line break
    sa.Column("generic", sa.Text, nullable=False),
    sa.Column("specific", sa.Text, nullable=False),
    sa.Column("ml30", sa.Text, nullable=False),
)

setting = sa.Table(
    "setting",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Registered users and their API tokens; only a hash of each token is kept.
user = sa.Table(
    "app_user",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),  # admin, provider, reader
    sa.Column("provider", sa.String(300)),  # AGENCY:ID for a data provider
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("revoked", sa.String(32)),
)

# One row per data submission, whatever its outcome.
submission = sa.Table(
    "submission",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("user_name", sa.String(100), nullable=False),
    sa.Column("provider", sa.String(300)),
    sa.Column("received", sa.String(32), nullable=False),
    sa.Column("dataflows", sa.Text, nullable=False),  # JSON list of AGENCY:ID(VERSION)
    sa.Column("body_sha256", sa.String(64), nullable=False),
    sa.Column("body_bytes", sa.Integer, nullable=False),
    sa.Column("status", sa.Integer, nullable=False),  # the HTTP status answered
    sa.Column("merged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("replaced", sa.Integer, nullable=False, server_default="0"),
    sa.Column("deleted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    # applied (now, an admin's or a refused one), pending (a provider's, awaiting
    # release), released, or failed (refused when its release came)
    sa.Column("state", sa.String(20), nullable=False, server_default="applied"),
    sa.Column("body", sa.LargeBinary),  # gzip of the message, while pending
    sa.Column("content_type", sa.String(200)),
    sa.Column("user_role", sa.String(20)),
    sa.Column("addressed", sa.String(300)),  # AGENCY:ID(VERSION) of the path
    sa.Column("release_at", sa.String(32)),  # a release set for later
    sa.Column("released", sa.String(32)),
    sa.Column("released_by", sa.String(100)),
    sa.Index("ix_submission_provider", "provider", "received"),
    sa.Index("ix_submission_due", "state", "release_at"),
)

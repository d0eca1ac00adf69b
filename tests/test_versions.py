"""Version queries of SDMX-REST 2.x (querying_versions.md) over stored versions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from server.errors import InvalidQuery
from server.query.versions import (
    StoredVersion,
    parse_version_query,
    select_artefacts,
    select_versions,
)

# Legacy versions as SDMX 2.1 artefacts have them, beside semantic ones; the drafts
# (1.3.0-draft, and 1.3.0 and 2.0 not final) are not stable.
STORED = [
    StoredVersion("0.9", True),
    StoredVersion("1.0", True),
    StoredVersion("1.1", True),
    StoredVersion("1.2.0", True),
    StoredVersion("1.3.0-draft", False),
    StoredVersion("1.3.0", False),
    StoredVersion("2.0", False),
]
EVERY = {v.version for v in STORED}


def selected(query: str) -> set[str]:
    return select_versions(parse_version_query(query), STORED)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("~", {"2.0"}, id="latest-of-any-status"),
        pytest.param("+", {"1.2.0"}, id="latest-stable"),
        pytest.param("+.0.0", {"1.2.0"}, id="latest-stable-long-form"),
        pytest.param("1+.0.0", {"1.2.0"}, id="latest-stable-from-1"),
        pytest.param("*", EVERY, id="all"),
        pytest.param("*.0", EVERY, id="all-two-parts"),
        pytest.param("1.0", {"1.0"}, id="exact-legacy"),
        pytest.param("1.0.0", {"1.0"}, id="exact-semantic-matches-legacy"),
        pytest.param("1.2", {"1.2.0"}, id="exact-legacy-matches-semantic"),
        pytest.param("1.3.0-draft", {"1.3.0-draft"}, id="exact-with-extension"),
        pytest.param("9.9", set(), id="exact-unknown"),
        pytest.param("1.+.0", {"1.2.0"}, id="latest-stable-of-major-1"),
        pytest.param("1.1+.0", {"1.2.0"}, id="latest-stable-at-least-1.1"),
        pytest.param("1.3+.0", set(), id="no-stable-at-least-1.3"),
        pytest.param("1.1.+", {"1.1"}, id="latest-stable-patch"),
        pytest.param("1.~", {"1.3.0"}, id="latest-of-major-1-release-after-draft"),
        pytest.param("1.2.~", {"1.2.0"}, id="latest-patch-any-status"),
        pytest.param("1~.2.0", {"2.0"}, id="latest-at-least-1.2.0"),
        pytest.param(
            "1.*",
            {"1.0", "1.1", "1.2.0", "1.3.0-draft", "1.3.0"},
            id="all-of-major-1",
        ),
        pytest.param(
            "1.1*", {"1.1", "1.2.0", "1.3.0-draft", "1.3.0"}, id="all-1.y-from-1.1"
        ),
        pytest.param("1.3.0*", {"1.3.0-draft", "1.3.0"}, id="all-patches-from-1.3.0"),
        pytest.param("2*.0.0", {"2.0"}, id="all-from-2.0.0"),
        pytest.param("0*.0", EVERY, id="all-from-0.0"),
        pytest.param("1.0,1.1", {"1.0", "1.1"}, id="or-of-exact"),
        pytest.param("1~.2.0,1.0", {"2.0", "1.0"}, id="or-of-pattern-and-exact"),
        pytest.param("+,1.3.0*", {"1.2.0", "1.3.0-draft", "1.3.0"}, id="or-docs"),
    ],
)
def test_version_queries_select_the_documented_versions(query, expected):
    assert selected(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "+.2.3",
        "1.+.3",
        "~.2",
        "~.2.3",
        "1.~.3",
        "*.2",
        "*.2.3",
        "1.*.3",
        "+.0",
        "2.3+",
        "~.0.*",
        "3.2*.1+",
        "3.2+.1+",
        "0.+.0",
        "latest",
        "",
        "1..0",
        "01.0",
        "1.2.3.4",
        "1+",
    ],
)
def test_unsupported_version_syntax_is_400(query):
    with pytest.raises(InvalidQuery, match="is not valid"):
        parse_version_query(query)


def test_latest_is_picked_per_artefact():
    rows = [
        SimpleNamespace(type="codelist", agency="A", id=i, version=v, is_final=f)
        for i, v, f in [
            ("CL_X", "1.0", True),
            ("CL_X", "1.1", True),
            ("CL_Y", "1.0", True),
            ("CL_Y", "2.0", False),
        ]
    ]
    assert [
        (r.id, r.version) for r in select_artefacts(parse_version_query("+"), rows)
    ] == [
        ("CL_X", "1.1"),
        ("CL_Y", "1.0"),
    ]
    assert [
        (r.id, r.version) for r in select_artefacts(parse_version_query("~"), rows)
    ] == [
        ("CL_X", "1.1"),
        ("CL_Y", "2.0"),
    ]


def test_a_version_without_numbers_is_reached_by_wildcards_only():
    stored = [StoredVersion("unversioned", True)]
    assert select_versions(parse_version_query("*"), stored) == {"unversioned"}
    assert select_versions(parse_version_query("~"), stored) == {"unversioned"}
    assert select_versions(parse_version_query("+"), stored) == set()

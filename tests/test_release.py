"""An office's submission waits for an administrator's release; released data is
what everyone else sees, from the moment of release."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.test_submission import MEXICO, message, post, server, stored  # noqa: F401


@pytest.fixture
def office(server):  # noqa: F811
    server.config["RELEASE_REQUIRED"] = True  # the default
    return server


def admin(app) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.tokens['admin']}"}


def test_an_office_submission_is_checked_then_waits(office):
    response = post(office, message(*MEXICO), office.tokens["mex"])
    assert response.status_code == 202, response.data
    body = response.json
    assert body["submissionResult"]["counts"]["merged"] == 3
    assert "until an administrator releases it" in str(body)
    assert stored(office) == {}
    number = body["meta"]["submission"]
    # Its office and admins see the message; another office does not.
    client = office.test_client()
    own = client.get(
        f"/rest/v2/submissions/{number}/data",
        headers={"Authorization": f"Bearer {office.tokens['mex']}"},
    )
    assert own.status_code == 200
    assert own.data == message(*MEXICO)
    other = client.get(
        f"/rest/v2/submissions/{number}/data",
        headers={"Authorization": f"Bearer {office.tokens['deu']}"},
    )
    assert other.status_code == 404
    assert (
        client.get(
            f"/rest/v2/submissions/{number}/data", headers=admin(office)
        ).status_code
        == 200
    )


def test_a_faulty_office_submission_is_refused_at_once(office):
    bad = MEXICO[0].replace(",2020,", ",2020-Q1,")
    response = post(office, message(bad), office.tokens["mex"])
    assert response.status_code == 422
    assert response.json["meta"]["submission"] is not None
    submissions = (
        office.test_client()
        .get("/rest/v2/submissions", headers=admin(office))
        .json["submissions"]
    )
    assert [(s["state"], s["status"]) for s in submissions] == [("refused", 422)]


def test_an_admin_releases_it_now_and_updated_after_follows_the_release(office):
    number = post(office, message(*MEXICO), office.tokens["mex"]).json["meta"][
        "submission"
    ]
    time.sleep(0.05)
    before_release = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    client = office.test_client()
    denied = client.post(
        f"/rest/v2/submissions/{number}/release",
        headers={"Authorization": f"Bearer {office.tokens['mex']}"},
    )
    assert denied.status_code == 403
    released = client.post(
        f"/rest/v2/submissions/{number}/release", headers=admin(office)
    )
    assert released.status_code == 200, released.data
    assert released.json["state"] == "released"
    assert released.json["merged"] == 3
    assert len(stored(office)) == 3
    # Written at release: updatedAfter an instant after submission still has them.
    changed = client.get(
        f"/rest/data/UNDESA,DF_MIG_NSO,1.0/all?updatedAfter={before_release}"
        "&format=csvdata",
        headers=admin(office),
    )
    assert changed.status_code == 200
    assert changed.data.count(b"\n") == 1 + 3
    again = client.post(f"/rest/v2/submissions/{number}/release", headers=admin(office))
    assert again.status_code == 409


def test_a_release_set_for_later_happens_then(office):
    number = post(office, message(*MEXICO), office.tokens["mex"]).json["meta"][
        "submission"
    ]
    later = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    client = office.test_client()
    set_ = client.post(
        f"/rest/v2/submissions/{number}/release?at={later}", headers=admin(office)
    )
    assert set_.status_code == 202
    assert set_.json["release_at"].startswith(later[:19])
    assert stored(office) == {}
    time.sleep(3.2)
    assert len(stored(office)) == 3  # the first request after the time applied it
    (row,) = [
        s
        for s in client.get("/rest/v2/submissions", headers=admin(office)).json[
            "submissions"
        ]
        if s["submission"] == number
    ]
    assert row["state"] == "released"
    assert row["released"] >= later.replace("Z", "")


def test_an_office_withdraws_and_an_admin_rejects_waiting_submissions(office):
    first, second = (
        post(office, message(row), office.tokens["mex"]).json["meta"]["submission"]
        for row in MEXICO[:2]
    )
    client = office.test_client()
    mex = {"Authorization": f"Bearer {office.tokens['mex']}"}
    deu = {"Authorization": f"Bearer {office.tokens['deu']}"}
    assert (
        client.delete(f"/rest/v2/submissions/{first}", headers=deu).status_code == 404
    )
    withdrawn = client.delete(f"/rest/v2/submissions/{first}", headers=mex)
    assert withdrawn.json == {"submission": first, "state": "withdrawn"}
    rejected = client.delete(f"/rest/v2/submissions/{second}", headers=admin(office))
    assert rejected.json["state"] == "rejected"
    late = client.post(f"/rest/v2/submissions/{first}/release", headers=admin(office))
    assert late.status_code == 409
    assert stored(office) == {}
    listed = client.get("/rest/v2/submissions", headers=mex)
    assert listed.headers["Cache-Control"] == "private"
    states = {s["submission"]: s["state"] for s in listed.json["submissions"]}
    assert states == {first: "withdrawn", second: "rejected"}

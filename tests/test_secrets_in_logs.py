"""Tokens and submitted bodies never reach the logs."""

from __future__ import annotations

import logging

from tests.test_submission import MEXICO, message, post, server  # noqa: F401


def test_no_token_or_body_is_logged(server, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    token = server.tokens["mex"]
    secret_value = "987654321"
    row = MEXICO[0].replace(",1197624,", f",{secret_value},")
    assert post(server, message(row), token).status_code == 200
    assert (
        post(server, message(row.replace(",484,", ",840,")), token).status_code == 403
    )
    assert post(server, message(row), "not-" + token).status_code == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "submission by mex" in logged  # the submissions are logged…
    assert token not in logged  # …but not the token
    assert secret_value not in logged  # nor the body
    assert "MIG_STOCK" not in logged

"""The HTTP boundary: REST blueprints and the one SDMX error handler."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from server.errors import SdmxError
from server.formats.error_writer import write_error_xml

log = logging.getLogger(__name__)

ERROR_CONTENT_TYPE = "application/xml; charset=utf-8"


def init_app(app: Flask) -> None:
    """Register the REST 2.x and 1.5 blueprints and the error handlers."""
    from server.api import http, openapi, release, response_cache, rest2, rest15

    # REST 2.x first: /rest/v2/… must not reach the catch-all route of REST 1.5.
    app.register_blueprint(rest2.blueprint, url_prefix="/rest/v2")
    app.register_blueprint(rest15.blueprint, url_prefix="/rest")
    app.register_blueprint(openapi.blueprint)
    http.init_app(app)
    release.init_app(app)
    response_cache.init_app(app)
    app.register_error_handler(SdmxError, _sdmx_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def error_response(status: int, code: int, message: str) -> Response:
    """An SDMX-ML 2.1 error message with the given HTTP status."""
    return Response(
        write_error_xml(code, message), status=status, content_type=ERROR_CONTENT_TYPE
    )


def _sdmx_error(error: SdmxError) -> Response:
    response = error_response(error.status, error.code, error.message)
    response.headers.update(getattr(error, "headers", None) or {})
    return response


_HTTP_MESSAGES = {
    404: "no SDMX resource at {path}; REST 1.5 queries start with /rest/, e.g. "
    "/rest/dataflow/all/all/latest",
    405: "{method} is not allowed on {path}; queries answer GET and HEAD, data "
    "submissions POST to /rest/v2/data",
}


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    template = _HTTP_MESSAGES.get(status)
    message = (
        template.format(path=request.path, method=request.method)
        if template
        else f"{error.name}: {error.description}"
    )
    code = {404: 100, 413: 510}.get(status, 140 if status < 500 else 500)
    response = error_response(status, code, message)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _unexpected_error(error: Exception) -> Response:
    log.error("Unhandled error on %s %s", request.method, request.path, exc_info=error)
    return error_response(500, 500, "internal server error; the failure was logged")

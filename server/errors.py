"""The error taxonomy of the SDMX REST API (1.5 section 4.7, 2.x status.md).

Each error carries its HTTP status and SDMX error code; one handler in ``server.api``
renders any of them as an SDMX error message in the negotiated format family.
"""

from __future__ import annotations


class SdmxError(Exception):
    """Base of every error answered as an SDMX error message."""

    status = 500
    code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidQuery(SdmxError):
    """The query is syntactically wrong (SDMX code 140)."""

    status = 400
    code = 140


class NoResults(SdmxError):
    """The query is valid but matches nothing (SDMX code 100)."""

    status = 404
    code = 100


class NotFound(SdmxError):
    """A referenced artefact does not exist (SDMX code 100)."""

    status = 404
    code = 100


class NotAcceptable(SdmxError):
    """No representation the client accepts can be produced (SDMX code 406)."""

    status = 406
    code = 406


class NotImplementedFeature(SdmxError):
    """A standard feature this server does not support yet (SDMX code 501)."""

    status = 501
    code = 501


class ResponseTooLarge(SdmxError):
    """The result exceeds the service limit (SDMX code 510)."""

    status = 413
    code = 510


class InvalidStructure(SdmxError):
    """A structure message cannot be loaded (bad content or dangling references)."""

    status = 422
    code = 150


class InvalidMessage(InvalidStructure):
    """A structure message that is not well-formed, not a structure message, or
    not valid against its official schema (400: the request itself is wrong)."""

    status = 400


class InvalidData(SdmxError):
    """A data message does not fit its structure."""

    status = 422
    code = 150


class Conflict(SdmxError):
    """The change would break a rule of versioning or a reference (409)."""

    status = 409
    code = 150

"""The ceiling: a bare Flask application with one route and a fixed small XML body.

Run it under the same gunicorn command as the server (bench/run.py does):

    BENCH_BODY_FILE=/tmp/bench-data/run/codelist.xml \
        gunicorn --workers 1 --threads 4 --bind 127.0.0.1:5102 --timeout 300 \
        --chdir bench bare_app:app

``BENCH_BODY_FILE`` names the body to serve (the harness passes the server's own
answer to the small codelist query, so both send the same bytes); without it a
built-in codelist of three codes, about the same size, is served. Every path
answers with it, so the same URL path as the server's can be used.
"""

# ruff: noqa: E501  (XML templates: long lines as the XML has them)
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

_DEFAULT = b"""<?xml version="1.0" encoding="UTF-8"?><mes:Structure \
xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" \
xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" \
xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"><mes:Header>\
<mes:ID>IREF000000000001</mes:ID><mes:Test>false</mes:Test>\
<mes:Prepared>2024-01-01T00:00:00Z</mes:Prepared><mes:Sender id="BENCH"/></mes:Header>\
<mes:Structures><str:Codelists>
   <str:Codelist id="CL_FREQ" agencyID="TEST" version="1.0" isFinal="true" \
urn="urn:sdmx:org.sdmx.infomodel.codelist.Codelist=TEST:CL_FREQ(1.0)">
    <com:Name xml:lang="en">Frequency</com:Name>
    <str:Code id="A" urn="urn:sdmx:org.sdmx.infomodel.codelist.Code=TEST:CL_FREQ(1.0).A">\
<com:Name xml:lang="en">Annual</com:Name></str:Code>
    <str:Code id="Q" urn="urn:sdmx:org.sdmx.infomodel.codelist.Code=TEST:CL_FREQ(1.0).Q">\
<com:Name xml:lang="en">Quarterly</com:Name></str:Code>
    <str:Code id="M" urn="urn:sdmx:org.sdmx.infomodel.codelist.Code=TEST:CL_FREQ(1.0).M">\
<com:Name xml:lang="en">Monthly</com:Name></str:Code>
   </str:Codelist>
   </str:Codelists></mes:Structures></mes:Structure>"""

_path = os.environ.get("BENCH_BODY_FILE")
BODY = Path(_path).read_bytes() if _path else _DEFAULT
MEDIA = "application/vnd.sdmx.structure+xml; version=2.1"

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def fixed(path: str) -> Response:
    return Response(BODY, mimetype=MEDIA)

"""Writers by the key that the media-type table names (``MediaType.writer``)."""

from __future__ import annotations

import functools

from server.formats import (
    json10_artefacts,
    structure_json,
    structure_ml30,
    structure_writer,
)
from server.formats.csv20 import write_csv20
from server.formats.data_writers import (
    write_csv10,
    write_generic,
    write_structure_specific,
)
from server.formats.json_data import write_json10, write_json20
from server.formats.ml30_data import write_ml30

DATA_WRITERS = {
    "generic21": write_generic,
    "generic21ts": functools.partial(write_generic, root="GenericTimeSeriesData"),
    "specific21": write_structure_specific,
    "specific21ts": functools.partial(
        write_structure_specific, root="StructureSpecificTimeSeriesData"
    ),
    "csv10": write_csv10,
    "csv20": write_csv20,
    "json10": write_json10,
    "json20": write_json20,
    "ml30": write_ml30,
}

STRUCTURE_WRITERS = {
    "structure21": structure_writer.write_structure,
    "structure30": structure_ml30.write_structure,
    "structurejson20": structure_json.write_structure,
    "structurejson10": json10_artefacts.write_structure,
}

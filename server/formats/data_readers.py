"""Reads data messages: SDMX-ML 2.1 generic and structure-specific; SDMX-CSV 1.0, 2.0.

:func:`read_data` detects the format from the content (the XML root element or the
first CSV header cell) and yields one :class:`DataSetRead` per data set. Everything
streams: XML is walked with ``iterparse`` and finished elements are cleared, CSV is
read row by row, so memory does not grow with the size of the message.

Observations are built in the order of the data structure (DSD) that the message
refers to; a ``resolve(kind, agency, id, version)`` callable supplies it. An attribute
goes to ``obs_attributes`` when the DSD attaches it to the observation and to
``series_attributes`` otherwise (series, group and data set attributes alike), wherever
the message placed it.

Known gaps, each stated where the data would be lost:

- Attribute values for a partial key are not read: outside Delete data sets an
  SDMX-ML series without observations yields nothing, and an SDMX-CSV 2.0 row with
  empty dimensions is refused as lacking a dimension value.
- SDMX-CSV values with a decimal comma are refused as not numbers; multi-valued and
  multilingual attributes (``ATTR[]``, ``ATTR[en;fr]``) are kept as the raw text.
- SDMX-ML groups that refer to an attachment constraint instead of a key are ignored.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, ClassVar

from lxml import etree

from server.errors import InvalidData
from server.formats.ns import GEN, MES, SPEC
from server.model import ArtefactRef, DataStructure, Observation

__all__ = ["ACTIONS", "DataSetRead", "Resolve", "message_format", "read_data"]

Resolve = Callable[[str, str, str, str], DataStructure]
"""``resolve(kind, agency, id, version)``: the DSD of a dataflow or data structure."""

ACTIONS = ("Append", "Replace", "Delete", "Information")

_HEAD = 65536  # bytes looked at to detect the format

# SDMX-ML root element -> format; the time-series forms are subsets of the others.
MES30 = MES.replace("v2_1", "v3_0")
_XML_FORMATS = {
    f"{{{MES}}}GenericData": "genericdata",
    f"{{{MES}}}GenericTimeSeriesData": "genericdata",
    f"{{{MES}}}StructureSpecificData": "structurespecificdata",
    f"{{{MES}}}StructureSpecificTimeSeriesData": "structurespecificdata",
    f"{{{MES}}}Structure": "structure",
    f"{{{MES30}}}StructureSpecificData": "structurespecificdata30",
    f"{{{MES30}}}Structure": "structure",
}
# SDMX-ML 3.0 structure-specific data is read as 2.1 is, once its namespaces are
# renamed: the data sets, series and observations have the same form, and the
# header names the dataflow by URN (StructureUsage text), which the reader takes.
_V30, _V21 = b"/resources/sdmxml/schemas/v3_0/", b"/resources/sdmxml/schemas/v2_1/"
# First SDMX-CSV header cell (without a ``[;]`` sub-separator) -> format.
_CSV_FORMATS = {"DATAFLOW": "sdmx-csv-1.0", "STRUCTURE": "sdmx-csv-2.0"}
# That cell, an optional sub-separator declaration, then the field separator.
_CSV_HEADER = re.compile(r'"?(DATAFLOW|STRUCTURE)(\[[^\]]*\])?"?([^\w]|$)')

# Header/Structure child naming what the data is reported against -> resource.
_USAGES = {
    "Structure": "datastructure",
    "StructureUsage": "dataflow",
    "ProvisionAgrement": "provisionagreement",  # sic: the SDMX-ML 2.1 schema spelling
    "ProvisionAgreement": "provisionagreement",
}
# SDMX-CSV 2.0 STRUCTURE column -> resource.
_CSV_STRUCTURES = {
    "dataflow": "dataflow",
    "datastructure": "datastructure",
    "dataprovision": "provisionagreement",
}
# SDMX-CSV 2.0 ACTION column -> action. SDMX 3.1 reads Append as Merge (upsert of
# the values given), which is what M asks for, so M reads as Append.
_CSV_ACTIONS = {
    "I": "Information",
    "A": "Append",
    "M": "Append",
    "R": "Replace",
    "D": "Delete",
    "": "Information",
}

_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_MISSING = ("", "NaN")
_URN = re.compile(r"=([^:=]+):([^(:]+)\(([^)]+)\)(?:\.(.+))?$")
_CSV_REF = re.compile(r"([^:\s]+):([^(:\s]+)(?:\(([^)]*)\))?")
# Unqualified XML attributes of structure-specific elements that are not components.
_STANDARD_ATTRIBUTES = {
    "type",
    "REPORTING_YEAR_START_DAY",
    "action",
    "structureRef",
    "setID",
    "dataScope",
}


@dataclass(slots=True)
class DataSetRead:
    """One data set of a data message, its observations still to be read.

    Attributes:
        structure: What the data set is reported against: a ``dataflow``,
            ``datastructure`` or ``provisionagreement`` reference.
        action: Append, Replace, Delete or Information.
        provider: ``AGENCY:ID`` of the data provider the message names, or None.
        dsd: The data structure that ``resolve`` returned for ``structure``.
        observations: Read lazily from the message; consume them before asking for
            the next data set, which skips whatever is left.
    """

    structure: ArtefactRef
    action: str
    provider: str | None
    dsd: DataStructure
    observations: Iterator[Observation]


def message_format(path: str | os.PathLike) -> str:
    """The format of the message in a file, from its first bytes.

    Returns:
        ``genericdata``, ``structurespecificdata``, ``sdmx-csv-1.0``,
        ``sdmx-csv-2.0`` or ``structure``.

    Raises:
        InvalidData: The content is neither SDMX-ML 2.1 nor SDMX-CSV.
    """
    with io.BufferedReader(io.FileIO(path), _HEAD) as stream:
        return _detect(stream.peek(_HEAD))


def read_data(
    source: str | os.PathLike | IO[bytes], resolve: Resolve
) -> Iterator[DataSetRead]:
    """Read the data sets of a data message from a path or a binary stream.

    The format is detected from the content when the first data set is asked for.
    A file opened here is closed once everything is read, or when neither the
    iterator nor any observations it gave out are referenced any more.

    Args:
        source: A file path or a binary stream; a stream is read, never closed.
        resolve: Gives the data structure of ``(kind, agency, id, version)``;
            called once per distinct structure reference.

    Raises:
        InvalidData: While iterating, when the content does not fit its format or
            its data structure; the message names the row (CSV) or the series,
            observation and line (XML).
    """
    return _Message(_datasets(source, functools.cache(resolve)))


class _Message(Iterator[DataSetRead]):
    """The data sets of one message, kept open while their observations are read."""

    def __init__(self, datasets: Iterator[DataSetRead]) -> None:
        self._datasets = datasets

    def __next__(self) -> DataSetRead:
        dataset = next(self._datasets)
        dataset.observations = self._observations(dataset.observations)
        return dataset

    def _observations(
        self, observations: Iterator[Observation]
    ) -> Iterator[Observation]:
        yield from observations  # holds self, and so the open stream, until done


def _datasets(
    source: str | os.PathLike | IO[bytes], resolve: Resolve
) -> Iterator[DataSetRead]:
    """Open the source, detect its format and hand it to that format's reader."""
    with _binary(source) as stream:
        found = _detect(stream.peek(_HEAD))
        reader = _READERS.get(found)
        if reader is None:
            raise InvalidData(f"this is an SDMX-ML {found} message, not a data message")
        yield from reader(stream, resolve)


class _Borrowed(io.RawIOBase):
    """A caller's binary stream, read through but never closed."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def _binary(source: str | os.PathLike | IO[bytes]) -> Iterator[io.BufferedReader[Any]]:
    """A binary stream that can be peeked at without consuming it."""
    if isinstance(source, io.TextIOBase):
        raise TypeError("read_data needs a path or a binary stream, not a text stream")
    if isinstance(source, str | os.PathLike):
        with io.BufferedReader(io.FileIO(source), _HEAD) as stream:
            yield stream
    else:
        yield io.BufferedReader(_Borrowed(source), _HEAD)


def _detect(head: bytes) -> str:
    """The format of a message from its first bytes (see :func:`message_format`)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"\x1f\x8b"):
        raise InvalidData(
            "the message is gzip-compressed: send it with the header "
            "'Content-Encoding: gzip', or uncompressed"
        )
    if text.startswith(b"<"):
        return _xml_format(head)
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    match = _CSV_HEADER.match(first)
    if match is None:
        raise InvalidData(
            f"neither SDMX-ML nor SDMX-CSV: the message starts with {first[:60]!r}; "
            "expected an XML root element (GenericData, StructureSpecificData) or an "
            "SDMX-CSV header (DATAFLOW,… or STRUCTURE,STRUCTURE_ID,…)"
        )
    return _CSV_FORMATS[match[1]]


def _xml_format(head: bytes) -> str:
    """The format named by the root element of an XML message."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False)
    try:
        parser.feed(head)
    except etree.XMLSyntaxError as error:
        raise InvalidData(f"not well-formed XML: {error}") from None
    root = next((element for _, element in parser.read_events()), None)
    if root is None:
        raise InvalidData(f"no XML root element in the first {_HEAD} bytes")
    found = _XML_FORMATS.get(root.tag)
    if found is None:
        name = etree.QName(root)
        raise InvalidData(
            f"unknown root element {name.localname} (namespace {name.namespace}); "
            "expected SDMX-ML 2.1 GenericData or StructureSpecificData, or SDMX-ML "
            "3.0 StructureSpecificData"
        )
    return found


# -- observations from component values ------------------------------------------------


def _number(text: str | None, where: str) -> float | None:
    """An observation value: None when missing, else a finite number."""
    text = (text or "").strip()
    if text in _MISSING:
        return None
    if not _NUMBER.fullmatch(text):
        raise InvalidData(
            f"{where}: observation value {text!r} is not a number; write digits with "
            "a '.' decimal point, and NaN or nothing for a missing value"
        )
    return float(text)


class _Builder:
    """Builds the observations of one data structure from component values."""

    def __init__(self, dsd: DataStructure, wildcard: bool) -> None:
        self.dsd = dsd
        self.wildcard = wildcard  # Delete data: an empty dimension means "all"
        self.dimensions = dsd.dimension_ids
        self.time = dsd.time_dimension
        self.measure = dsd.measure or "OBS_VALUE"  # fixed id in SDMX 2.1
        self.obs_attributes = dsd.observation_attributes()
        self.series_attributes = dsd.series_attributes()
        self.components = {
            *self.dimensions,
            self.time,
            self.measure,
            *self.obs_attributes,
            *self.series_attributes,
        }
        self.coded = {
            *self.dimensions,
            self.time,
            *(a.id for a in dsd.attributes if a.codelist),
        }

    def observation(self, values: dict[str, str], where: str) -> Observation:
        """The observation of ``values`` (component id -> value as written)."""
        key = tuple(self._code(values, d, where) for d in self.dimensions)
        period = self._code(values, self.time, where)
        # In Delete data the measure only marks what to delete; it is not read.
        value = None if self.wildcard else _number(values.get(self.measure), where)
        return Observation(
            key,
            period,
            value,
            {a: values[a] for a in self.obs_attributes if values.get(a)},
            {a: values[a] for a in self.series_attributes if values.get(a)},
            bool((values.get(self.measure) or "").strip()),
        )

    def _code(self, values: dict[str, str], dimension: str, where: str) -> str:
        code = values.get(dimension, "")
        if code or self.wildcard:
            return code
        raise InvalidData(
            f"{where}: no value for dimension {dimension}; a key of data structure "
            f"{self.dsd.ref.triple} has {len(self.dimensions)} dimensions "
            f"({'.'.join(self.dimensions)}) and the time dimension {self.time}"
        )

    def check_known(self, ids: Iterable[str], where: str) -> None:
        """Refuse component ids that the data structure does not define."""
        unknown = sorted(set(ids) - self.components)
        if unknown:
            raise InvalidData(
                f"{where}: {', '.join(unknown)} is not a dimension, attribute or "
                f"measure of data structure {self.dsd.ref.triple}"
            )

    def split_key(self, values: dict[str, str]) -> tuple[dict, dict]:
        """Split group values into the group key and the attribute values."""
        key = {k: v for k, v in values.items() if k in self.dimensions}
        return key, {k: v for k, v in values.items() if k not in key}


# -- SDMX-ML 2.1 -----------------------------------------------------------------------


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


_DATASET = _q(MES, "DataSet")


def _events(stream: IO[bytes]) -> Iterator[tuple[str, etree._Element]]:
    """Start and end events of the message; malformed XML is InvalidData."""
    try:
        yield from etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            remove_comments=True,
        )
    except etree.XMLSyntaxError as error:
        raise InvalidData(f"not well-formed XML: {error}") from None


def _release(element: etree._Element) -> None:
    """Free a finished element and the siblings before it."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _urn_ref(urn: str, kind: str) -> ArtefactRef:
    """The artefact a URN such as ``…Dataflow=AGENCY:ID(1.0)`` names."""
    match = _URN.search(urn.strip())
    if match is None:
        raise InvalidData(f"cannot read the {kind} reference {urn!r}")
    return ArtefactRef(kind, match[1], match[2], match[3])


def _reference(element: etree._Element, kind: str) -> ArtefactRef:
    """The artefact that a ``Ref`` or ``URN`` child of ``element`` points to (or,
    in SDMX-ML 3.0, the URN that is its text)."""
    ref = element.find("Ref")
    if ref is not None:
        return ArtefactRef(
            kind, ref.get("agencyID", ""), ref.get("id", ""), ref.get("version", "1.0")
        )
    return _urn_ref(element.findtext("URN") or element.text or "", kind)


def _provider(element: etree._Element) -> str:
    """``AGENCY:ID`` of a DataProvider reference."""
    ref = element.find("Ref")
    if ref is not None:
        return f"{ref.get('agencyID')}:{ref.get('id')}"
    match = _URN.search((element.findtext("URN") or element.text or "").strip())
    if match is None or not match[4]:
        raise InvalidData(f"line {element.sourceline}: cannot read the data provider")
    return f"{match[1]}:{match[4]}"


@dataclass(slots=True)
class _Header:
    """What a data set needs from the message header."""

    structures: dict[str, tuple[ArtefactRef, str | None]]
    provider: str | None = None
    action: str | None = None

    @classmethod
    def read(cls, header: etree._Element) -> _Header:
        """Read the structures, the data provider and the default action."""
        structures = {}
        for element in header.iterfind(_q(MES, "Structure")):
            usage = next((c for c in element if isinstance(c.tag, str)), None)
            name = etree.QName(usage).localname if usage is not None else ""
            kind = _USAGES.get(name)
            if kind is None:
                raise InvalidData(
                    f"line {element.sourceline}: the header's Structure names no data "
                    "structure, dataflow or provision agreement"
                )
            structures[element.get("structureID", "")] = (
                _reference(usage, kind),
                element.get("dimensionAtObservation"),
            )
        provider = header.find(_q(MES, "DataProvider"))
        return cls(
            structures,
            _provider(provider) if provider is not None else None,
            header.findtext(_q(MES, "DataSetAction")),
        )

    def structure(self, structure_id: str | None, where: str) -> tuple:
        """The reference and observation dimension of a data set's structure."""
        if structure_id in self.structures:
            return self.structures[structure_id]
        if structure_id is None and len(self.structures) == 1:
            return next(iter(self.structures.values()))
        declared = ", ".join(self.structures) or "none"
        raise InvalidData(
            f"{where} refers to structure {structure_id!r}, which the message header "
            f"does not declare (declared in Header/Structure: {declared})"
        )


def _action(text: str, where: str) -> str:
    """An SDMX-ML data set action, checked."""
    if text not in ACTIONS:
        raise InvalidData(
            f"{where}: action {text!r} is not one of {', '.join(ACTIONS)}"
        )
    return text


class _XmlDataSet:
    """Walks one DataSet element; subclasses read the generic or specific form."""

    HANDLERS: ClassVar[dict[tuple[str, str], str]] = {}

    def __init__(self, builder: _Builder, number: int, obs_dimension: str) -> None:
        self.builder = builder
        self.number = number
        self.obs_dimension = obs_dimension
        self.dataset_values: dict[str, str] = {}
        self.groups: list[tuple[dict, dict]] = []
        self.series: dict[str, str] | None = None  # values of the open series
        self.series_count = 0
        self.obs_count = 0  # within the series, or the data set when flat

    def start(self, dataset: etree._Element) -> None:
        """Read what the DataSet element itself carries."""

    def observations(self, events: Iterator[tuple]) -> Iterator[Observation]:
        """The observations until the end of the data set."""
        for event, element in events:
            if event == "end" and element.tag == _DATASET:
                _release(element)
                return
            name = self.HANDLERS.get((event, element.tag))
            if name is not None:
                found = getattr(self, name)(element)
                if found is not None:
                    yield found

    def where(self, element: etree._Element) -> str:
        """Where ``element`` is, for error messages: series, observation, line."""
        parts = [f"data set {self.number}"] if self.number > 1 else []
        if self.series is not None:
            parts.append(f"series {self.series_count}")
        if element.tag.endswith("Obs"):
            parts.append(f"observation {self.obs_count}")
        return f"{', '.join(parts) or 'data set'} (line {element.sourceline})"

    def open_series(self, values: dict[str, str], element: etree._Element) -> None:
        """Start a series: its key and attributes, plus group and data set ones."""
        self.series = {}
        self.builder.check_known(values, self.where(element))
        self.series = {**self.dataset_values, **self._group_values(values), **values}

    def _group_values(self, values: dict[str, str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, attributes in self.groups:
            if key and all(values.get(d) == code for d, code in key.items()):
                found.update(attributes)
        return found

    def add_group(self, values: dict[str, str], element: etree._Element) -> None:
        """Keep a group's attributes for the series that match its key."""
        self.builder.check_known(values, f"group (line {element.sourceline})")
        self.groups.append(self.builder.split_key(values))
        _release(element)

    def observation(
        self, values: dict[str, str], element: etree._Element
    ) -> Observation:
        """Build an observation from its own values and those of its series."""
        self.obs_count += 1
        where = self.where(element)
        self.builder.check_known(values, where)
        if self.series is None:  # flat: the observation carries the whole key
            values = {**self.dataset_values, **self._group_values(values), **values}
        else:
            values = {**self.series, **values}
        found = self.builder.observation(values, where)
        _release(element)
        return found

    def close_series(self, element: etree._Element) -> Observation | None:
        """End a series; in Delete data an empty series deletes all its periods."""
        found = None
        if self.builder.wildcard and self.obs_count == 0 and self.series is not None:
            found = self.builder.observation(self.series, self.where(element))
        self.series, self.obs_count = None, 0
        _release(element)
        return found


def _values(element: etree._Element | None) -> dict[str, str]:
    """``{id: value}`` of the generic ``Value`` children of ``element``."""
    if element is None:
        return {}
    found = element.iterfind(_q(GEN, "Value"))
    return {v.get("id", ""): v.get("value", "") for v in found}


class _GenericDataSet(_XmlDataSet):
    """A data set of an SDMX-ML 2.1 GenericData message."""

    HANDLERS = {
        ("start", _q(GEN, "Series")): "start_series",
        ("end", _q(GEN, "SeriesKey")): "end_series_key",
        ("end", _q(GEN, "Attributes")): "end_attributes",
        ("end", _q(GEN, "Obs")): "end_obs",
        ("end", _q(GEN, "Series")): "close_series",
        ("end", _q(GEN, "Group")): "end_group",
    }

    def start_series(self, element: etree._Element) -> None:
        self.series_count += 1
        self.series, self.obs_count = {}, 0

    def end_series_key(self, element: etree._Element) -> None:
        self.open_series(_values(element), element.getparent())

    def end_attributes(self, element: etree._Element) -> None:
        parent = element.getparent()
        values = _values(element)
        if parent.tag == _DATASET:
            self.builder.check_known(values, self.where(parent))
            self.dataset_values.update(values)
        elif parent.tag == _q(GEN, "Series") and self.series is not None:
            self.builder.check_known(values, self.where(parent))
            self.series.update(values)

    def end_group(self, element: etree._Element) -> None:
        values = {
            **_values(element.find(_q(GEN, "GroupKey"))),
            **_values(element.find(_q(GEN, "Attributes"))),
        }
        self.add_group(values, element)

    def end_obs(self, element: etree._Element) -> Observation:
        values = {
            **_values(element.find(_q(GEN, "ObsKey"))),
            **_values(element.find(_q(GEN, "Attributes"))),
        }
        dimension = element.find(_q(GEN, "ObsDimension"))
        if dimension is not None:
            dimension_id = dimension.get("id") or self.obs_dimension
            values[dimension_id] = dimension.get("value", "")
        measure = element.find(_q(GEN, "ObsValue"))
        if measure is not None:
            values[self.builder.measure] = measure.get("value", "")
        return self.observation(values, element)


class _SpecificDataSet(_XmlDataSet):
    """A data set of an SDMX-ML 2.1 StructureSpecificData message."""

    HANDLERS = {
        ("start", "Series"): "start_series",
        ("end", "Obs"): "end_obs",
        ("end", "Series"): "close_series",
        ("end", "Group"): "end_group",
    }

    def _local(self, element: etree._Element) -> dict[str, str]:
        """Unqualified XML attributes that stand for components."""
        return {
            name: value
            for name, value in element.attrib.items()
            if not name.startswith("{")
            and (name not in _STANDARD_ATTRIBUTES or name in self.builder.components)
        }

    def start(self, dataset: etree._Element) -> None:
        attributes = self.builder.series_attributes + self.builder.obs_attributes
        self.dataset_values = {a: dataset.get(a) for a in attributes if dataset.get(a)}

    def start_series(self, element: etree._Element) -> None:
        self.series_count += 1
        self.obs_count = 0
        self.open_series(self._local(element), element)

    def end_group(self, element: etree._Element) -> None:
        self.add_group(self._local(element), element)

    def end_obs(self, element: etree._Element) -> Observation:
        return self.observation(self._local(element), element)


def _dataset_provider(
    events: Iterator[tuple], dataset: etree._Element
) -> tuple[str | None, list[tuple]]:
    """Read the data set's own DataProvider, which precedes its content.

    Returns the provider and the event that ended the look-ahead, to be replayed.
    """
    provider = None
    for event, element in events:
        if element is dataset:
            return provider, [(event, element)]
        if element.getparent() is not dataset:
            continue
        name = etree.QName(element).localname
        if event == "end" and name == "DataProvider":
            provider = _provider(element)
        elif name not in ("DataProvider", "Annotations"):
            return provider, [(event, element)]
    return provider, []


def _xml_reader(walker: type[_XmlDataSet]) -> Callable:
    """A reader of SDMX-ML data messages whose data sets ``walker`` walks."""

    def read(stream: IO[bytes], resolve: Resolve) -> Iterator[DataSetRead]:
        events = _events(stream)
        header = _Header({})
        number = 0
        for event, element in events:
            if event == "end" and element.tag == _q(MES, "Header"):
                header = _Header.read(element)
                _release(element)
            elif event == "start" and element.tag == _DATASET:
                number += 1
                found = _xml_dataset(element, number, header, events, resolve, walker)
                yield found
                for _ in found.observations:  # skip what the consumer left
                    pass

    return read


def _xml_dataset(
    dataset: etree._Element,
    number: int,
    header: _Header,
    events: Iterator[tuple],
    resolve: Resolve,
    walker: type[_XmlDataSet],
) -> DataSetRead:
    """Start reading a data set whose DataSet start tag was just parsed."""
    where = f"data set {number} (line {dataset.sourceline})"
    structure_id = dataset.get("structureRef") or dataset.get(_q(SPEC, "structureRef"))
    structure, obs_dimension = header.structure(structure_id, where)
    action = _action(
        dataset.get("action")
        or dataset.get(_q(SPEC, "action"))
        or header.action
        or "Information",
        where,
    )
    provider, replay = _dataset_provider(events, dataset)

    dsd = resolve(structure.type, structure.agency, structure.id, structure.version)
    builder = _Builder(dsd, wildcard=action == "Delete")
    reader = walker(builder, number, obs_dimension or dsd.time_dimension)
    reader.start(dataset)
    observations = reader.observations(itertools.chain(replay, events))
    provider = provider or header.provider
    return DataSetRead(structure, action, provider, dsd, observations)


# -- SDMX-CSV --------------------------------------------------------------------------


# What the cells naming a row's data set say (structure kind, id, action), by cells.
_DATASET_KEYS: dict[tuple, tuple[str, str, str]] = {}


@dataclass(slots=True)
class _CsvLayout:
    """Where things are in the rows of one SDMX-CSV message."""

    columns: dict[str, int]  # header id (labels and [..] removed) -> first column
    width: int
    labels: bool  # headers read "ID: Name", so coded values may too
    kind: int | None  # STRUCTURE column (2.0); 1.0 always names a dataflow
    ref: int
    action: int | None

    @classmethod
    def read(cls, header: list[str], version: str) -> _CsvLayout:
        columns: dict[str, int] = {}
        repeated = sorted({c for c in header if c.strip() and header.count(c) > 1})
        if repeated:
            raise InvalidData(
                f"row 1: the header names {', '.join(repeated)} more than once; give "
                "each component one column"
            )
        for index, cell in enumerate(header):
            name = re.sub(r"\[.*\]$", "", cell.split(": ", 1)[0].strip())
            columns.setdefault(name, index)
        labels = any(": " in cell for cell in header)
        if version == "1.0":
            return cls(columns, len(header), labels, None, 0, None)
        if columns.get("STRUCTURE_ID") != 1:
            raise InvalidData(
                "row 1: the second SDMX-CSV 2.0 column must be STRUCTURE_ID, found "
                f"{header[1] if len(header) > 1 else 'nothing'!r}"
            )
        return cls(columns, len(header), labels, 0, 1, columns.get("ACTION"))

    def dataset_key(self, numbered: tuple[int, list[str]]) -> tuple[str, str, str]:
        """What identifies the data set of a row: structure kind, id and action."""
        number, row = numbered
        if len(row) != self.width:
            raise InvalidData(
                f"row {number} has {len(row)} fields, the header has {self.width}"
            )
        # Rows repeat the same few cells here: each spelling is read once.
        cells = (
            None if self.kind is None else row[self.kind],
            row[self.ref],
            None if self.action is None else row[self.action],
        )
        known = _DATASET_KEYS.get(cells)
        if known is None:
            known = self._dataset_key(number, row)
            if len(_DATASET_KEYS) < 1000:
                _DATASET_KEYS[cells] = known
        return known

    def _dataset_key(self, number: int, row: list[str]) -> tuple[str, str, str]:
        kind = "dataflow" if self.kind is None else row[self.kind].strip()
        letter = "" if self.action is None else row[self.action].strip()
        reference = row[self.ref].split(": ", 1)[0].strip()
        return kind, reference, _csv_action(letter, number)

    def reader(self, builder: _Builder) -> Callable[[list[str], int], Observation]:
        """The observation of a row, as ``builder.observation(self.values(…))``
        makes it, by column positions: rows whose key and period are complete
        take the short way, the others the long one and its error."""
        columns = self.columns
        positions = [columns.get(d) for d in builder.dimensions]
        time = columns.get(builder.time)
        if self.labels or builder.wildcard or time is None or None in positions:
            return lambda row, number: builder.observation(
                self.values(row, builder), f"row {number}"
            )
        measure = columns.get(builder.measure)
        obs = [(a, columns[a]) for a in builder.obs_attributes if a in columns]
        series = [(a, columns[a]) for a in builder.series_attributes if a in columns]

        def read(row: list[str], number: int) -> Observation:
            key = tuple([row[i] for i in positions])
            period = row[time]
            if not period or "" in key:
                return builder.observation(self.values(row, builder), f"row {number}")
            text = "" if measure is None else row[measure]
            if text in _MISSING:
                value = None
            elif _NUMBER.fullmatch(text):
                value = float(text)
            else:
                value = _number(text, f"row {number}")
            obs_values, series_values = {}, {}
            for a, i in obs:
                if row[i]:
                    obs_values[a] = row[i]
            for a, i in series:
                if row[i]:
                    series_values[a] = row[i]
            given = bool(text.strip())
            return Observation(key, period, value, obs_values, series_values, given)

        return read

    def values(self, row: list[str], builder: _Builder) -> dict[str, str]:
        """Component id -> value of a row; labels are cut from coded values."""
        found = {c: row[i] for c, i in self.columns.items() if c in builder.components}
        if self.labels:
            for component in builder.coded & found.keys():
                found[component] = found[component].split(": ", 1)[0]
        return found


def _csv_structure(kind: str, text: str, number: int) -> ArtefactRef:
    """The structure a row names in STRUCTURE (2.0) and STRUCTURE_ID or DATAFLOW."""
    resource = _CSV_STRUCTURES.get(kind)
    if resource is None:
        raise InvalidData(
            f"row {number}: structure type {kind!r} is not one of "
            f"{', '.join(_CSV_STRUCTURES)}"
        )
    match = _CSV_REF.fullmatch(text)
    if match is None:
        raise InvalidData(
            f"row {number}: {text!r} is not a structure reference AGENCY:ID(VERSION)"
        )
    return ArtefactRef(resource, match[1], match[2], match[3] or "latest")


def _csv_action(letter: str, number: int) -> str:
    """The action of an SDMX-CSV 2.0 ACTION letter."""
    if letter not in _CSV_ACTIONS:
        raise InvalidData(
            f"row {number}: action {letter!r} is not one of I, A, M, R or D"
        )
    return _CSV_ACTIONS[letter]


def _separator(header_line: str) -> str:
    """The field separator: the character after DATAFLOW or STRUCTURE[…]."""
    match = _CSV_HEADER.match(header_line)
    return match[3] if match and match[3] not in ("", "\r", "\n") else ","


def _csv_reader(version: str) -> Callable:
    """A reader of SDMX-CSV ``version`` messages: one data set per run of rows."""

    def read(stream: IO[bytes], resolve: Resolve) -> Iterator[DataSetRead]:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            first = text.readline()
            rows = _checked(
                csv.reader(itertools.chain([first], text), delimiter=_separator(first))
            )
            layout = _CsvLayout.read(next(rows), version)
            numbered = ((n, row) for n, row in enumerate(rows, start=2) if row)
            for key, group in itertools.groupby(numbered, key=layout.dataset_key):
                yield _csv_dataset(key, group, layout, resolve)
        except UnicodeDecodeError as error:
            raise InvalidData(f"SDMX-CSV must be UTF-8: {error}") from None

    return read


def _checked(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    """CSV rows, whose faults (bad UTF-8, malformed quoting, huge cells) are
    InvalidData wherever the reading has got to."""
    try:
        yield from rows
    except UnicodeDecodeError as error:
        raise InvalidData(f"SDMX-CSV must be UTF-8: {error}") from None
    except csv.Error as error:
        raise InvalidData(f"malformed SDMX-CSV: {error}") from None


def _csv_dataset(
    key: tuple[str, str, str],
    rows: Iterator[tuple[int, list[str]]],
    layout: _CsvLayout,
    resolve: Resolve,
) -> DataSetRead:
    """The data set of a run of rows with the same structure and action."""
    first = next(rows)
    structure, action = _csv_structure(key[0], key[1], first[0]), key[2]
    dsd = resolve(structure.type, structure.agency, structure.id, structure.version)
    builder = _Builder(dsd, wildcard=action == "Delete")

    needed = [*builder.dimensions, builder.time]
    missing = [d for d in needed if d not in layout.columns]
    if missing and not builder.wildcard:
        raise InvalidData(
            f"row {first[0]}: the header has no column for dimension "
            f"{', '.join(missing)} of data structure {dsd.ref.triple}; SDMX-CSV needs "
            "one column per dimension"
        )
    read = layout.reader(builder)
    observations = (read(row, number) for number, row in itertools.chain([first], rows))
    return DataSetRead(structure, action, None, dsd, observations)


class _Renamed(io.RawIOBase):
    """A binary stream with the SDMX-ML 3.0 namespaces renamed to 2.1 ones (the
    names have the same length, so nothing moves)."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream
        self._pending = b""  # renamed, ready to read
        self._held = b""  # the end of what was read, which may begin a name
        self._ended = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self._pending and not self._ended:
            chunk = self._stream.read(65536)
            if not chunk:
                self._ended = True
                self._pending, self._held = self._held.replace(_V30, _V21), b""
                return
            text = (self._held + chunk).replace(_V30, _V21)
            keep = len(_V30) - 1
            self._pending, self._held = text[:-keep], text[-keep:]

    def readinto(self, buffer) -> int:  # type: ignore[override]
        self._fill()
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def _read_ml30(stream: IO[bytes], resolve: Resolve) -> Iterator[DataSetRead]:
    renamed = io.BufferedReader(_Renamed(stream), _HEAD)
    return _xml_reader(_SpecificDataSet)(renamed, resolve)


_READERS: dict[str, Callable[[IO[bytes], Resolve], Iterator[DataSetRead]]] = {
    "genericdata": _xml_reader(_GenericDataSet),
    "structurespecificdata": _xml_reader(_SpecificDataSet),
    "structurespecificdata30": _read_ml30,
    "sdmx-csv-1.0": _csv_reader("1.0"),
    "sdmx-csv-2.0": _csv_reader("2.0"),
}

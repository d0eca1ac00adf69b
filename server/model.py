"""The parts of the SDMX Information Model that the server works with in Python.

Structures are kept as SDMX-ML 2.1 fragments in the store; these small classes carry
what the read path needs to know about them without parsing XML per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ArtefactRef:
    """A reference to one version of a maintainable artefact."""

    type: str  # REST resource name: codelist, datastructure, dataflow, …
    agency: str
    id: str
    version: str

    @property
    def triple(self) -> str:
        """``AGENCY:ID(VERSION)``, the form SDMX-CSV and URNs use."""
        return f"{self.agency}:{self.id}({self.version})"


@dataclass(slots=True)
class Artefact:
    """A maintainable artefact as stored: identity, names and its SDMX-ML 2.1 text."""

    ref: ArtefactRef
    is_final: bool
    names: dict[str, str]
    xml: str
    stub_xml: str
    references: set[ArtefactRef] = field(default_factory=set)
    model: dict = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)  # other formats' fragments


@dataclass(frozen=True, slots=True)
class Component:
    """A dimension, attribute or measure of a data structure."""

    id: str
    codelist: ArtefactRef | None = None
    attachment: str = "Series"  # for attributes: DataSet, Series, Observation
    mandatory: bool = False


@dataclass(slots=True)
class DataStructure:
    """What the data path needs of a DSD: components in order."""

    ref: ArtefactRef
    dimensions: list[Component]
    time_dimension: str
    attributes: list[Component]
    measure: str

    @classmethod
    def from_model(cls, ref: ArtefactRef, model: dict) -> DataStructure:
        """Rebuild from the JSON-able ``model`` kept beside the artefact."""

        def component(raw: dict) -> Component:
            codelist = raw.get("codelist")
            return Component(
                raw["id"],
                ArtefactRef(*codelist) if codelist else None,
                raw.get("attachment", "Series"),
                raw.get("mandatory", False),
            )

        return cls(
            ref,
            [component(d) for d in model["dimensions"]],
            model["time_dimension"],
            [component(a) for a in model["attributes"]],
            model["measure"],
        )

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def is_period(self, component_id: str) -> bool:
        """Whether ``component_id`` is the time dimension, whose values are periods."""
        return component_id == self.time_dimension

    def key_position(self, component_id: str) -> int:
        """The position of a dimension in the DSD key, the time dimension last."""
        if component_id in self.dimension_ids:
            return self.dimension_ids.index(component_id)
        return len(self.dimensions)

    def series_attributes(self) -> list[str]:
        return [a.id for a in self.attributes if a.attachment != "Observation"]

    def observation_attributes(self) -> list[str]:
        return [a.id for a in self.attributes if a.attachment == "Observation"]


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation with its series key, as loaders and readers produce it."""

    key: tuple[str, ...]
    period: str
    value: float | None
    obs_attributes: dict[str, str]
    series_attributes: dict[str, str]
    # The measure was given (not left empty or out). Merge keeps the stored value
    # of an observation sent without one; Delete with one deletes observations
    # whole, without one only the attribute values given.
    measure_given: bool = field(default=False, compare=False)

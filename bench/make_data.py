#!/usr/bin/env python3
"""Benchmark data: the BENCH migrant-stock structures and scaled SDMX-CSV files.

Usage: python bench/make_data.py OUTDIR [--sizes 1m,10m] [--ingest N]

Writes into OUTDIR (normally /tmp/bench-data/gen; nothing goes into the repository):

  structures.xml   SDMX-ML 2.1 structure message, agency BENCH: codelists of areas
                   (240 M49-like three-digit codes), sex, age groups, frequency and
                   observation status; a concept scheme; the data structure DSD_MIG
                   (FREQ.REF_AREA.ORIGIN.SEX.AGE, TIME_PERIOD annual) and its
                   dataflows DF_MIG_1M, DF_MIG_10M and DF_MIG_INGEST; a data
                   provider scheme with BENCH_PD and a provision agreement for each
                   dataflow (submissions need one).
  mig_1m.csv       about 1 million observations of DF_MIG_1M (SDMX-CSV 1.0)
  mig_10m_NN.csv   about 10 million observations of DF_MIG_10M, in files of about 1
                   million (each file is loaded in one transaction)
  ingest_N.csv     N observations of DF_MIG_INGEST: the submission timed for ingest
  sample_small.csv, sample_big.csv
                   the peers' sample observations (make_sample_data.py) as SDMX-CSV
                   1.0 for TEST:DF_SMALL and TEST:DF_BIG, when SAMPLE_DIR is given
                   with --sample

Keys are realistic for the International Migrant Stock: a destination (REF_AREA)
holds migrants from some of the other 239 areas (ORIGIN; about 12 a destination at
1M, 117 at 10M), by sex (F, M, _T), in 16 five-year age groups and the total (17
codes), for the 7 DESA years 1990..2020: 357 observations a pair. A data set of about
N observations takes the first N / 357 (destination, origin) pairs of one fixed
pseudo-random order (so the 1M pairs are among the 10M pairs, in another dataflow);
the ingest file takes pairs after those. Deterministic (fixed seed); stdlib only.
"""

# ruff: noqa: E501  (XML templates: long lines as the XML has them)
from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

# Bump when the structures or the observations written change: cached stores go.
DATA_VERSION = 1
AG = "BENCH"
URN = "urn:sdmx:org.sdmx.infomodel"
AREAS = [f"{4 * i:03d}" for i in range(1, 241)]  # 004, 008, ... 960: 240 areas
SEXES = {"F": "Female", "M": "Male", "_T": "Total"}
AGES = {f"Y{a}T{a + 4}": f"{a} to {a + 4} years" for a in range(0, 75, 5)}
AGES["Y_GE75"] = "75 years and over"
AGES["_T"] = "All ages"
YEARS = ["1990", "1995", "2000", "2005", "2010", "2015", "2020"]
FREQ = {"A": "Annual"}
STATUS = {"A": "Normal value", "E": "Estimated value", "I": "Imputed value"}
OBS_PER_PAIR = len(SEXES) * len(AGES) * len(YEARS)  # 357
FLOWS = {
    "DF_MIG_1M": "International migrant stock, about 1 million observations",
    "DF_MIG_10M": "International migrant stock, about 10 million observations",
    "DF_MIG_INGEST": "International migrant stock, submissions timed for ingest",
}
SIZES = {"1m": 1_000_000, "10m": 10_000_000}
CONCEPTS = {
    "FREQ": "Frequency",
    "REF_AREA": "Country or area of destination",
    "ORIGIN": "Country or area of origin",
    "SEX": "Sex",
    "AGE": "Age",
    "TIME_PERIOD": "Time period",
    "OBS_VALUE": "Migrant stock",
    "OBS_STATUS": "Observation status",
}
DIMENSIONS = [
    ("FREQ", "CL_FREQ"),
    ("REF_AREA", "CL_AREA"),
    ("ORIGIN", "CL_AREA"),
    ("SEX", "CL_SEX"),
    ("AGE", "CL_AGE"),
]
HEADER = [
    "DATAFLOW",
    "FREQ",
    "REF_AREA",
    "ORIGIN",
    "SEX",
    "AGE",
    "TIME_PERIOD",
    "OBS_VALUE",
    "OBS_STATUS",
]


def _name(text: str) -> str:
    return f'<com:Name xml:lang="en">{text}</com:Name>'


def _codelist(cl_id: str, name: str, codes: dict[str, str]) -> str:
    items = "\n".join(
        f'    <str:Code id="{c}" urn="{URN}.codelist.Code={AG}:{cl_id}(1.0).{c}">'
        f"{_name(n)}</str:Code>"
        for c, n in codes.items()
    )
    return (
        f'   <str:Codelist id="{cl_id}" agencyID="{AG}" version="1.0" isFinal="true" '
        f'urn="{URN}.codelist.Codelist={AG}:{cl_id}(1.0)">\n    {_name(name)}\n'
        f"{items}\n   </str:Codelist>"
    )


def _concept_ref(cid: str) -> str:
    return (
        f'<str:ConceptIdentity><Ref id="{cid}" maintainableParentID="CS_MIG" '
        f'maintainableParentVersion="1.0" agencyID="{AG}" package="conceptscheme" '
        f'class="Concept"/></str:ConceptIdentity>'
    )


def _enum(cl_id: str) -> str:
    return (
        f'<str:LocalRepresentation><str:Enumeration><Ref id="{cl_id}" version="1.0" '
        f'agencyID="{AG}" package="codelist" class="Codelist"/></str:Enumeration>'
        f"</str:LocalRepresentation>"
    )


def structure_xml() -> str:
    """The BENCH structure message (SDMX-ML 2.1)."""
    dims = "\n".join(
        f'      <str:Dimension id="{d}" position="{i}">{_concept_ref(d)}{_enum(cl)}'
        f"</str:Dimension>"
        for i, (d, cl) in enumerate(DIMENSIONS, 1)
    )
    tpos = len(DIMENSIONS) + 1
    dsd = f"""   <str:DataStructure id="DSD_MIG" agencyID="{AG}" version="1.0" isFinal="true" urn="{URN}.datastructure.DataStructure={AG}:DSD_MIG(1.0)">
    {_name("Migrant stock by destination, origin, sex and age")}
    <str:DataStructureComponents>
     <str:DimensionList id="DimensionDescriptor">
{dims}
      <str:TimeDimension id="TIME_PERIOD" position="{tpos}">{_concept_ref("TIME_PERIOD")}<str:LocalRepresentation><str:TextFormat textType="ObservationalTimePeriod"/></str:LocalRepresentation></str:TimeDimension>
     </str:DimensionList>
     <str:AttributeList id="AttributeDescriptor">
      <str:Attribute id="OBS_STATUS" assignmentStatus="Conditional">{_concept_ref("OBS_STATUS")}{_enum("CL_OBS_STATUS")}<str:AttributeRelationship><str:PrimaryMeasure><Ref id="OBS_VALUE"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute>
     </str:AttributeList>
     <str:MeasureList id="MeasureDescriptor">
      <str:PrimaryMeasure id="OBS_VALUE">{_concept_ref("OBS_VALUE")}</str:PrimaryMeasure>
     </str:MeasureList>
    </str:DataStructureComponents>
   </str:DataStructure>"""
    flows = "\n".join(
        f'   <str:Dataflow id="{f}" agencyID="{AG}" version="1.0" isFinal="true" '
        f'urn="{URN}.datastructure.Dataflow={AG}:{f}(1.0)">\n    {_name(n)}\n'
        f'    <str:Structure><Ref id="DSD_MIG" version="1.0" agencyID="{AG}" '
        f'package="datastructure" class="DataStructure"/></str:Structure>\n'
        f"   </str:Dataflow>"
        for f, n in FLOWS.items()
    )
    agreements = "\n".join(
        f'   <str:ProvisionAgreement id="PA_BENCH_PD_{f[3:]}" agencyID="{AG}" '
        f'version="1.0" isFinal="true" '
        f'urn="{URN}.registry.ProvisionAgreement={AG}:PA_BENCH_PD_{f[3:]}(1.0)">\n'
        f"    {_name('BENCH_PD reports ' + f)}\n"
        f'    <str:StructureUsage><Ref agencyID="{AG}" id="{f}" version="1.0" '
        f'package="datastructure" class="Dataflow"/></str:StructureUsage>\n'
        f'    <str:DataProvider><Ref agencyID="{AG}" '
        f'maintainableParentID="DATA_PROVIDERS" maintainableParentVersion="1.0" '
        f'id="BENCH_PD" package="base" class="DataProvider"/></str:DataProvider>\n'
        f"   </str:ProvisionAgreement>"
        for f in FLOWS
    )
    concepts = "\n".join(
        f'    <str:Concept id="{k}" urn="{URN}.conceptscheme.Concept={AG}:CS_MIG(1.0).{k}">'
        f"{_name(v)}</str:Concept>"
        for k, v in CONCEPTS.items()
    )
    areas = {a: f"Area {a}" for a in AREAS}
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
 <mes:Header>
  <mes:ID>BENCH_STRUCTURES</mes:ID>
  <mes:Test>false</mes:Test>
  <mes:Prepared>2024-01-01T00:00:00</mes:Prepared>
  <mes:Sender id="{AG}"/>
 </mes:Header>
 <mes:Structures>
  <str:OrganisationSchemes>
   <str:DataProviderScheme id="DATA_PROVIDERS" agencyID="{AG}" version="1.0" isFinal="false" urn="{URN}.base.DataProviderScheme={AG}:DATA_PROVIDERS(1.0)">
    {_name("Benchmark data providers")}
    <str:DataProvider id="BENCH_PD" urn="{URN}.base.DataProvider={AG}:DATA_PROVIDERS(1.0).BENCH_PD">{_name("Benchmark provider")}</str:DataProvider>
   </str:DataProviderScheme>
  </str:OrganisationSchemes>
  <str:Dataflows>
{flows}
  </str:Dataflows>
  <str:Codelists>
{_codelist("CL_FREQ", "Frequency", FREQ)}
{_codelist("CL_AREA", "Country or area", areas)}
{_codelist("CL_SEX", "Sex", SEXES)}
{_codelist("CL_AGE", "Age group", AGES)}
{_codelist("CL_OBS_STATUS", "Observation status", STATUS)}
  </str:Codelists>
  <str:Concepts>
   <str:ConceptScheme id="CS_MIG" agencyID="{AG}" version="1.0" isFinal="true" urn="{URN}.conceptscheme.ConceptScheme={AG}:CS_MIG(1.0)">
    {_name("Migration concepts")}
{concepts}
   </str:ConceptScheme>
  </str:Concepts>
  <str:DataStructures>
{dsd}
  </str:DataStructures>
  <str:ProvisionAgreements>
{agreements}
  </str:ProvisionAgreements>
 </mes:Structures>
</mes:Structure>
"""


def pair_order() -> list[tuple[str, str]]:
    """Every (destination, origin) pair, destination != origin, in a fixed shuffle."""
    pairs = [(d, o) for d in AREAS for o in AREAS if d != o]
    random.Random(20240101).shuffle(pairs)
    return pairs


def pairs_for(n_obs: int, skip: int = 0) -> list[tuple[str, str]]:
    """The sorted pairs of a data set of about n_obs observations."""
    n_pairs = max(1, round(n_obs / OBS_PER_PAIR))
    return sorted(pair_order()[skip : skip + n_pairs])


def rows(flow: str, pairs: list[tuple[str, str]]):
    """SDMX-CSV 1.0 rows for these pairs: every sex, age group and year."""
    df = f"{AG}:{flow}(1.0)"
    for d, o in pairs:
        base = (int(d) * 7919 + int(o) * 104729) % 50_000 + 20
        for si, sex in enumerate(SEXES):
            for ai, age in enumerate(AGES):
                for yi, year in enumerate(YEARS):
                    if sex == "_T":
                        scale = 2.0
                    else:
                        scale = 1.0 + 0.1 * si
                    share = 1.0 if age == "_T" else (0.02 + 0.01 * ((ai * 7 + yi) % 9))
                    value = round(base * scale * share * (1 + 0.03 * yi))
                    status = "E" if (yi + ai + si) % 11 == 0 else "A"
                    yield (df, "A", d, o, sex, age, year, value, status)


def write_csv(path: Path, flow: str, pairs: list[tuple[str, str]]) -> int:
    n = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for row in rows(flow, pairs):
            w.writerow(row)
            n += 1
    return n


def write_sample(sample_dir: Path, out: Path) -> dict[str, int]:
    """The peers' sample CSVs as SDMX-CSV 1.0 files our server loads."""
    counts = {}
    for src, flow, dst in (
        ("obs_small.csv", "DF_SMALL", "sample_small.csv"),
        ("obs_big.csv", "DF_BIG", "sample_big.csv"),
    ):
        n = 0
        with (
            open(sample_dir / src, newline="") as f,
            open(out / dst, "w", newline="") as g,
        ):
            r = csv.reader(f)
            w = csv.writer(g, lineterminator="\n")
            w.writerow(["DATAFLOW", *next(r)])
            for row in r:
                w.writerow([f"TEST:{flow}(1.0)", *row])
                n += 1
        counts[dst] = n
    return counts


def generate(out: Path, sizes: list[str], ingest: int, sample: Path | None) -> dict:
    """Write what is missing; return {file name: observations}."""
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, int] = {}
    (out / "structures.xml").write_text(structure_xml(), encoding="utf-8")
    if sample is not None:
        made.update(write_sample(sample, out))
    if "1m" in sizes:
        made["mig_1m.csv"] = write_csv(
            out / "mig_1m.csv", "DF_MIG_1M", pairs_for(SIZES["1m"])
        )
    if "10m" in sizes:
        pairs = pairs_for(SIZES["10m"])
        chunk = len(pairs) // 10 + 1
        for i in range(0, len(pairs), chunk):
            name = f"mig_10m_{i // chunk:02d}.csv"
            made[name] = write_csv(out / name, "DF_MIG_10M", pairs[i : i + chunk])
    if ingest:
        # Pairs after those of the 10M set: keys never stored before.
        n_pairs = round(SIZES["10m"] / OBS_PER_PAIR)
        pairs = pairs_for(ingest + OBS_PER_PAIR, skip=n_pairs)  # cut to ingest
        name = f"ingest_{ingest}.csv"
        n = 0
        with open(out / name, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            for row in rows("DF_MIG_INGEST", pairs):
                if n == ingest:
                    break
                w.writerow(row)
                n += 1
        made[name] = n
    return made


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir", type=Path)
    p.add_argument("--sizes", default="1m", help="comma-separated: 1m, 10m")
    p.add_argument(
        "--ingest", type=int, default=0, help="observations in the ingest file"
    )
    p.add_argument(
        "--sample", type=Path, default=None, help="the peers' sample directory"
    )
    a = p.parse_args()
    sizes = [s for s in a.sizes.split(",") if s]
    for name, n in generate(a.outdir, sizes, a.ingest, a.sample).items():
        print(f"{a.outdir / name}: {n} observations")


if __name__ == "__main__":
    main()

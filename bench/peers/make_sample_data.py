#!/usr/bin/env python3
# Copied unchanged from /work/shared/peers/make_sample_data.py (the peers' scripts given with issue 5), except for this line.
"""Generate a small, self-contained SDMX sample for side-by-side peer measurement.

Writes into OUTDIR (default ./sample):
  structure.xml   SDMX-ML 2.1 Structure message: agency TEST, codelists CL_FREQ,
                  CL_AREA, CL_INDICATOR, CL_OBS_STATUS, concept scheme CS_TEST,
                  DSDs DSD_SMALL / DSD_BIG (identical components) and dataflows
                  DF_SMALL / DF_BIG (each 1.0).
  obs_small.csv   1,200 observations   (FREQ=M, 4 areas x 5 indicators x 60 months 2015-01..2019-12)
  obs_big.csv     100,000 observations (FREQ=M, 20 areas x 25 indicators x 200 months 2003-05..2019-12)
CSV columns: FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,OBS_STATUS
Stdlib only; deterministic.
"""
import csv
import sys
from pathlib import Path

AG = "TEST"
AREAS = [f"AREA{i:02d}" for i in range(1, 21)]
INDICATORS = [f"IND{i:03d}" for i in range(1, 26)]
FREQ = {"A": "Annual", "Q": "Quarterly", "M": "Monthly"}
STATUS = {"A": "Normal value", "E": "Estimated value", "P": "Provisional value", "F": "Forecast value"}
CONCEPTS = {
    "FREQ": "Frequency", "REF_AREA": "Reference area", "INDICATOR": "Indicator",
    "TIME_PERIOD": "Time period", "OBS_VALUE": "Observation value", "OBS_STATUS": "Observation status",
}
URN = "urn:sdmx:org.sdmx.infomodel"


def months(first_year, first_month, n):
    y, m = first_year, first_month
    for _ in range(n):
        yield f"{y:04d}-{m:02d}"
        m += 1
        if m == 13:
            y, m = y + 1, 1


def codelist(cl_id, name, codes):
    out = [f'   <str:Codelist id="{cl_id}" agencyID="{AG}" version="1.0" isFinal="true" '
           f'urn="{URN}.codelist.Codelist={AG}:{cl_id}(1.0)">',
           f'    <com:Name xml:lang="en">{name}</com:Name>']
    for cid, cname in codes.items():
        out.append(f'    <str:Code id="{cid}" urn="{URN}.codelist.Code={AG}:{cl_id}(1.0).{cid}">'
                   f'<com:Name xml:lang="en">{cname}</com:Name></str:Code>')
    out.append("   </str:Codelist>")
    return "\n".join(out)


def cref(cid):
    return (f'<str:ConceptIdentity><Ref id="{cid}" maintainableParentID="CS_TEST" '
            f'maintainableParentVersion="1.0" agencyID="{AG}" package="conceptscheme" class="Concept"/>'
            f'</str:ConceptIdentity>')


def enum(cl_id):
    return (f'<str:LocalRepresentation><str:Enumeration><Ref id="{cl_id}" version="1.0" agencyID="{AG}" '
            f'package="codelist" class="Codelist"/></str:Enumeration></str:LocalRepresentation>')


def dsd(dsd_id, name):
    return f"""   <str:DataStructure id="{dsd_id}" agencyID="{AG}" version="1.0" isFinal="true" urn="{URN}.datastructure.DataStructure={AG}:{dsd_id}(1.0)">
    <com:Name xml:lang="en">{name}</com:Name>
    <str:DataStructureComponents>
     <str:DimensionList id="DimensionDescriptor">
      <str:Dimension id="FREQ" position="1">{cref("FREQ")}{enum("CL_FREQ")}</str:Dimension>
      <str:Dimension id="REF_AREA" position="2">{cref("REF_AREA")}{enum("CL_AREA")}</str:Dimension>
      <str:Dimension id="INDICATOR" position="3">{cref("INDICATOR")}{enum("CL_INDICATOR")}</str:Dimension>
      <str:TimeDimension id="TIME_PERIOD" position="4">{cref("TIME_PERIOD")}<str:LocalRepresentation><str:TextFormat textType="ObservationalTimePeriod"/></str:LocalRepresentation></str:TimeDimension>
     </str:DimensionList>
     <str:AttributeList id="AttributeDescriptor">
      <str:Attribute id="OBS_STATUS" assignmentStatus="Conditional">{cref("OBS_STATUS")}{enum("CL_OBS_STATUS")}<str:AttributeRelationship><str:PrimaryMeasure><Ref id="OBS_VALUE"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute>
     </str:AttributeList>
     <str:MeasureList id="MeasureDescriptor">
      <str:PrimaryMeasure id="OBS_VALUE">{cref("OBS_VALUE")}</str:PrimaryMeasure>
     </str:MeasureList>
    </str:DataStructureComponents>
   </str:DataStructure>"""


def dataflow(df_id, dsd_id, name):
    return f"""   <str:Dataflow id="{df_id}" agencyID="{AG}" version="1.0" isFinal="true" urn="{URN}.datastructure.Dataflow={AG}:{df_id}(1.0)">
    <com:Name xml:lang="en">{name}</com:Name>
    <str:Structure><Ref id="{dsd_id}" version="1.0" agencyID="{AG}" package="datastructure" class="DataStructure"/></str:Structure>
   </str:Dataflow>"""


def structure_xml():
    concepts = "\n".join(
        f'    <str:Concept id="{k}" urn="{URN}.conceptscheme.Concept={AG}:CS_TEST(1.0).{k}">'
        f'<com:Name xml:lang="en">{v}</com:Name></str:Concept>' for k, v in CONCEPTS.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
 <mes:Header>
  <mes:ID>TEST_STRUCTURES</mes:ID>
  <mes:Test>false</mes:Test>
  <mes:Prepared>2024-01-01T00:00:00</mes:Prepared>
  <mes:Sender id="{AG}"/>
 </mes:Header>
 <mes:Structures>
  <str:Dataflows>
{dataflow("DF_SMALL", "DSD_SMALL", "Small test flow (1,200 obs)")}
{dataflow("DF_BIG", "DSD_BIG", "Big test flow (100,000 obs)")}
  </str:Dataflows>
  <str:Codelists>
{codelist("CL_FREQ", "Frequency", FREQ)}
{codelist("CL_AREA", "Reference area", {a: f"Area {a[4:]}" for a in AREAS})}
{codelist("CL_INDICATOR", "Indicator", {i: f"Indicator {i[3:]}" for i in INDICATORS})}
{codelist("CL_OBS_STATUS", "Observation status", STATUS)}
  </str:Codelists>
  <str:Concepts>
   <str:ConceptScheme id="CS_TEST" agencyID="{AG}" version="1.0" isFinal="true" urn="{URN}.conceptscheme.ConceptScheme={AG}:CS_TEST(1.0)">
    <com:Name xml:lang="en">Test concepts</com:Name>
{concepts}
   </str:ConceptScheme>
  </str:Concepts>
  <str:DataStructures>
{dsd("DSD_SMALL", "Small test DSD")}
{dsd("DSD_BIG", "Big test DSD")}
  </str:DataStructures>
 </mes:Structures>
</mes:Structure>
"""


def write_obs(path, areas, inds, periods):
    n = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"])
        for ai, a in enumerate(areas):
            for ii, ind in enumerate(inds):
                for pi, p in enumerate(periods):
                    v = round(100 + ai * 10 + ii + pi * 0.25 + ((ai * 7 + ii * 3 + pi) % 11) * 0.1, 2)
                    w.writerow(["M", a, ind, p, v, "E" if (pi % 12 == 11) else "A"])
                    n += 1
    return n


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "sample")
    out.mkdir(parents=True, exist_ok=True)
    (out / "structure.xml").write_text(structure_xml(), encoding="utf-8")
    ns = write_obs(out / "obs_small.csv", AREAS[:4], INDICATORS[:5], list(months(2015, 1, 60)))
    nb = write_obs(out / "obs_big.csv", AREAS, INDICATORS, list(months(2003, 5, 200)))
    print(f"wrote {out}/structure.xml, obs_small.csv ({ns} obs), obs_big.csv ({nb} obs)")


if __name__ == "__main__":
    main()

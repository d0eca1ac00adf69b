"""Data message readers (SDMX-ML 2.1 data, SDMX-CSV 1.0/2.0) and ``flask load``."""

from __future__ import annotations

import dataclasses
import io
import itertools
import os
from functools import cache
from pathlib import Path

import pytest

from server import create_app
from server.errors import InvalidData
from server.formats.data_readers import DataSetRead, message_format, read_data
from server.formats.structure_reader import read_structure_message
from server.model import ArtefactRef, DataStructure, Observation
from server.store_ext import get_store

FIXTURES = Path(__file__).parent / "fixtures"
BIS = FIXTURES / "bis"
EXR = FIXTURES / "exr_data"
V21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1"
BIS_FLOW = "/rest/data/BIS,WEBSTATS_DER_DATAFLOW,1.0/all"
BIS_KEY = ("A", "U", "A", "B", "5J", "A", "1E", "A", "HKD", "TO1", "A", "A", "3", "C")


@cache
def structures() -> dict[str, DataStructure]:
    """The DSDs of the fixtures by id, read with the project's structure reader."""
    found = {}
    for path in (
        BIS / "bis_der_structure.xml",
        EXR / "ecb_exr_ng_full.xml",
        EXR / "ecb_exr_sg_full.xml",
    ):
        for artefact in read_structure_message(str(path)):
            if artefact.ref.type == "datastructure":
                found[artefact.ref.id] = DataStructure.from_model(
                    artefact.ref, artefact.model
                )
    return found


def resolve(kind: str, agency: str, id_: str, version: str) -> DataStructure:
    """The fixtures hold no dataflows: BIS ones use BIS_DER, others ECB_EXR_NG."""
    known = structures()
    return known.get(id_) or known["BIS_DER" if agency == "BIS" else "ECB_EXR_NG"]


def read_all(source) -> list[tuple[DataSetRead, list[Observation]]]:
    return [(d, list(d.observations)) for d in read_data(source, resolve)]


def observations(source) -> list[Observation]:
    ((_, found),) = read_all(source)
    return found


def without(attributes: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in attributes.items() if k not in names}


# -- the BIS messages: one data set in three formats -----------------------------------

BIS_FORMATS = [
    pytest.param(
        "bis_der_generic_series.xml",
        "genericdata",
        ArtefactRef("datastructure", "BIS", "BIS_DER", "1.0"),
        "Replace",
        id="generic-series",
    ),
    pytest.param(
        "bis_der_structure_specific_series.xml",
        "structurespecificdata",
        ArtefactRef("datastructure", "BIS", "BIS_DER", "1.0"),
        "Replace",
        id="structure-specific-series",
    ),
    pytest.param(
        "bis_der_sdmx_csv_1.0.csv",
        "sdmx-csv-1.0",
        ArtefactRef("dataflow", "BIS", "WEBSTATS_DER_DATAFLOW", "1.0"),
        "Information",
        id="sdmx-csv-1.0",
    ),
]


@pytest.mark.parametrize(("name", "form", "structure", "action"), BIS_FORMATS)
def test_bis_message_reads_with_its_structure_and_action(name, form, structure, action):
    assert message_format(BIS / name) == form
    ((dataset, found),) = read_all(BIS / name)
    assert dataset.structure == structure
    assert dataset.action == action
    assert dataset.provider is None
    assert dataset.dsd.ref.id == "BIS_DER"
    assert len(found) == 1000
    assert len({o.key for o in found}) == 42


@pytest.mark.parametrize(("name", "form", "structure", "action"), BIS_FORMATS)
def test_bis_message_holds_the_published_values(name, form, structure, action):
    found = {(o.key, o.period): o for o in observations(BIS / name)}
    first = found[(BIS_KEY, "2004")]
    assert first.value == 14206.490766
    assert first.obs_attributes == {"OBS_STATUS": "A", "OBS_CONF": "F"}
    assert without(
        first.series_attributes, "DECIMALS", "UNIT_MULT", "UNIT_MEASURE"
    ) == {"AVAILABILITY": "K", "COLLECTION": "S"}
    assert found[(BIS_KEY, "2002")].value is None  # missing: no or empty OBS_VALUE
    assert found[(BIS_KEY, "2019")].value == 90268.313643
    assert found[(BIS_KEY[:9] + ("USD",) + BIS_KEY[10:], "1992")].value == 6672.275


def test_generic_and_structure_specific_bis_messages_agree_entirely():
    generic = observations(BIS / "bis_der_generic_series.xml")
    specific = observations(BIS / "bis_der_structure_specific_series.xml")
    assert generic == specific
    # data set attributes count as series attributes: the DSD attaches them to none
    assert generic[0].series_attributes["UNIT_MULT"] == "6"


def test_sdmx_csv_1_agrees_with_sdmx_ml_except_data_set_attributes():
    xml = observations(BIS / "bis_der_generic_series.xml")
    csv = observations(BIS / "bis_der_sdmx_csv_1.0.csv")
    assert [(o.key, o.period, o.value, o.obs_attributes) for o in csv] == [
        (o.key, o.period, o.value, o.obs_attributes) for o in xml
    ]
    assert [o.series_attributes for o in csv] == [
        without(o.series_attributes, "DECIMALS", "UNIT_MULT", "UNIT_MEASURE")
        for o in xml
    ]


def test_sdmx_csv_2_sample_holds_the_first_twenty_observations():
    ((dataset, found),) = read_all(BIS / "sdmx_csv_2.0_sample.csv")
    assert message_format(BIS / "sdmx_csv_2.0_sample.csv") == "sdmx-csv-2.0"
    assert dataset.structure == ArtefactRef("dataflow", "BIS", "BIS_DER", "1.0")
    assert dataset.action == "Information"  # no ACTION column
    assert found == observations(BIS / "bis_der_sdmx_csv_1.0.csv")[:20]


# -- the ECB samples: every SDMX-ML 2.1 form of the same observations ------------------

EXR_FORMS = [
    pytest.param(name, id=name.removesuffix(".xml").removeprefix("ecb_exr_"))
    for name in (
        "ecb_exr_ng_generic_ts.xml",
        "ecb_exr_ng_generic_flat.xml",
        "ecb_exr_ng_generic_xs.xml",
        "ecb_exr_ng_specific_ts.xml",
        "ecb_exr_ng_specific_flat.xml",
        "ecb_exr_ng_specific_xs.xml",
        "ecb_exr_sg_generic_ts_gf.xml",
        "ecb_exr_sg_specific_ts_gf.xml",
    )
]


# The official generic cross-sectional sample has 1.3809 for CHF in 2010-09 where
# every other encoding has 1.3089: a typo in the specimen, which is read as written.
CHF = ("M", "CHF", "EUR", "SP00", "E")
EXR_SAMPLE_TYPOS = {"ecb_exr_ng_generic_xs.xml": {(CHF, "2010-09"): 1.3809}}


def _frozen(found: list[Observation]) -> set[tuple]:
    return {
        (
            o.key,
            o.period,
            o.value,
            tuple(sorted(o.obs_attributes.items())),
            tuple(sorted(o.series_attributes.items())),
        )
        for o in found
    }


@pytest.mark.parametrize("name", EXR_FORMS)
def test_every_sdmx_ml_form_of_the_ecb_sample_reads_the_same(name):
    expected = observations(EXR / "ecb_exr_ng_specific_ts.xml")
    typos = EXR_SAMPLE_TYPOS.get(name, {})
    expected = [
        dataclasses.replace(o, value=typos.get((o.key, o.period), o.value))
        for o in expected
    ]

    found = observations(EXR / name)

    assert len(found) == 12
    assert _frozen(found) == _frozen(expected)


def test_flat_and_cross_sectional_forms_build_keys_in_dsd_order():
    found = observations(EXR / "ecb_exr_ng_generic_xs.xml")
    chf = next(o for o in found if o.key[1] == "CHF" and o.period == "2010-08")
    assert chf.key == ("M", "CHF", "EUR", "SP00", "E")
    assert chf.value == 1.3413
    # attached to the series by the DSD although the message puts it on the obs
    title = "ECB reference exchange rate, Swiss franc/Euro"
    assert chf.series_attributes["TITLE"] == title
    assert chf.obs_attributes == {"OBS_STATUS": "A", "CONF_STATUS_OBS": "F"}


@pytest.mark.parametrize(
    "name", ["ecb_exr_sg_generic_ts_gf.xml", "ecb_exr_sg_specific_ts_gf.xml"]
)
def test_group_attributes_reach_the_series_of_the_group(name):
    titles = {o.key[1]: o.series_attributes["TITLE"] for o in observations(EXR / name)}
    assert titles["GBP"] == "ECB reference exchange rate, U.K. Pound sterling /Euro"
    assert len(titles) == 4


# -- SDMX-CSV 2.0 features, actions and streams ----------------------------------------


CSV2_HEAD = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,"
    "EXR_VAR,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
)


def csv2(*rows: str, head: str = CSV2_HEAD) -> io.BytesIO:
    return io.BytesIO((head + "\n".join(rows) + "\n").encode())


def test_csv_2_rows_with_changing_actions_make_separate_data_sets():
    source = csv2(
        "dataflow,ECB:EXR(1.0),A,M,CHF,EUR,SP00,E,2010-08,1.3413,A",
        "dataflow,ECB:EXR(1.0),M,M,CHF,EUR,SP00,E,2010-09,1.3089,A",
        "dataflow,ECB:EXR(1.0),R,M,CHF,EUR,SP00,E,2010-10,1.3452,A",
        "dataflow,ECB:EXR(1.0),R,M,GBP,EUR,SP00,E,2010-10,NaN,A",
        "datastructure,ECB:ECB_EXR_NG(1.0),I,M,USD,EUR,SP00,E,2010-10,2,A",
    )
    read = [
        (d.structure.type, d.action, [o.value for o in found])
        for d, found in read_all(source)
    ]
    assert read == [
        ("dataflow", "Append", [1.3413, 1.3089]),
        ("dataflow", "Replace", [1.3452, None]),
        ("datastructure", "Information", [2.0]),
    ]


def test_csv_2_accepts_any_column_order_labels_custom_columns_and_semicolons():
    dimensions = structures()["BIS_DER"].dimension_ids
    head = ";".join(
        [
            "STRUCTURE[|]",
            "STRUCTURE_ID",
            "ACTION",
            "SERIES_KEY",
            "OBS_VALUE: Value",
            "UPDATED",
            "OBS_STATUS: Status",
            "TITLE_TS",
            *(f"{d}: Name of {d}" for d in reversed(dimensions)),
            "TIME_PERIOD: Time",
        ]
    )
    row = ";".join(
        [
            "dataflow",
            "BIS:DER(1.0): Derivatives",
            "I",
            "A.U",
            "1.5",
            "2021",
            "A: Normal value",
            "Note: any text",
            *(f"{code}: Label" for code in reversed(BIS_KEY)),
            "2004",
        ]
    )
    ((dataset, (found,)),) = read_all(csv2(row, head=head + "\n"))
    assert dataset.structure == ArtefactRef("dataflow", "BIS", "DER", "1.0")
    assert found == Observation(
        BIS_KEY, "2004", 1.5, {"OBS_STATUS": "A"}, {"TITLE_TS": "Note: any text"}
    )  # not coded: kept


def test_csv_2_delete_rows_may_leave_dimensions_empty_as_wildcards():
    source = csv2("dataflow,ECB:EXR,D,,CHF,,,,,,")
    ((dataset, (found,)),) = read_all(source)
    assert dataset.action == "Delete"
    assert dataset.structure.version == "latest"  # AGENCY:ID names no version
    assert (found.key, found.period, found.value) == (("", "CHF", "", "", ""), "", None)


def test_a_stream_is_read_and_left_open():
    data = (BIS / "bis_der_sdmx_csv_1.0.csv").read_bytes()
    stream = io.BytesIO(data)
    assert len(observations(stream)) == 1000
    assert not stream.closed


def test_later_data_sets_read_even_when_earlier_ones_are_skipped():
    text = (EXR / "ecb_exr_ng_specific_ts.xml").read_text()
    start = text.index("<message:DataSet")
    end = text.index("</message:DataSet>") + len("</message:DataSet>")
    second = text[start:end].replace("data:dataScope", 'action="Delete" data:dataScope')
    message = text[:end] + second + text[end:]
    datasets = read_data(io.BytesIO(message.encode()), resolve)
    first = next(datasets)
    next(first.observations)  # read one, leave eleven
    last = next(datasets)
    assert (first.action, last.action) == ("Information", "Delete")
    assert len(list(last.observations)) == 12
    assert next(datasets, None) is None


def test_header_and_data_set_data_providers_are_read():
    text = (EXR / "ecb_exr_ng_generic_ts.xml").read_text()
    provider = (
        '<message:DataProvider><Ref agencyID="ECB" id="ECB_STATS" '
        'maintainableParentID="DATA_PROVIDERS"/></message:DataProvider>'
    )
    in_header = text.replace("</message:Structure>", "</message:Structure>" + provider)
    ((dataset, _),) = read_all(io.BytesIO(in_header.encode()))
    assert dataset.provider == "ECB:ECB_STATS"

    own = (
        "<generic:DataProvider><URN>urn:sdmx:org.sdmx.infomodel.base.DataProvider="
        "ECB:DATA_PROVIDERS(1.0).NCB_FR</URN></generic:DataProvider>"
    )
    in_dataset = in_header.replace('structureRef="STR1">', 'structureRef="STR1">' + own)
    ((dataset, found),) = read_all(io.BytesIO(in_dataset.encode()))
    assert dataset.provider == "ECB:NCB_FR"
    assert len(found) == 12


def _resident_bytes() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGESIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_xml_is_read_in_constant_memory(tmp_path):
    path = tmp_path / "large.xml"
    text = (EXR / "ecb_exr_ng_specific_ts.xml").read_text()
    head, tail = text.split("<Series", 1)[0], text.split("</Series>")[-1]
    with path.open("w") as out:
        out.write(head)
        for series in range(200):
            out.write(
                f'<Series FREQ="D" CURRENCY="C{series}" CURRENCY_DENOM="EUR" '
                'EXR_TYPE="SP00" EXR_VAR="E">'
            )
            out.writelines(
                f'<Obs TIME_PERIOD="{day}" OBS_VALUE="{day}.5" OBS_STATUS="A"/>'
                for day in range(1000, 1500)
            )
            out.write("</Series>")
        out.write(tail)

    found = next(read_data(path, resolve)).observations
    count = sum(1 for _ in itertools.islice(found, 10_000))
    before = _resident_bytes()
    count += sum(1 for _ in found)

    assert count == 100_000
    # libxml2 memory is invisible to tracemalloc; kept elements would add ~75 MB
    assert _resident_bytes() - before < 10_000_000


# -- malformed input -------------------------------------------------------------------


def _bis_csv_with(line: int, old: str, new: str) -> bytes:
    lines = (BIS / "bis_der_sdmx_csv_1.0.csv").read_text().splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "".join(lines).encode()


def _bis_xml_with(name: str, old: str, new: str, nth: int = 1) -> bytes:
    """A BIS message with the ``nth`` occurrence of ``old`` replaced."""
    before, *after = (BIS / name).read_text().split(old)
    assert len(after) >= nth
    parts = [before] + [
        (new if i == nth else old) + part for i, part in enumerate(after, start=1)
    ]
    return "".join(parts).encode()


MALFORMED = [
    pytest.param(
        _bis_csv_with(4, ",F,", ","),
        ["row 4 has 20 fields", "the header has 21"],
        id="csv-row-one-field-short",
    ),
    pytest.param(
        _bis_csv_with(4, "14206.490766", "14206,49"),
        ["row 4 has 22 fields"],
        id="csv-decimal-comma",
    ),
    pytest.param(
        _bis_csv_with(4, "14206.490766", "lots"),
        ["row 4: observation value 'lots' is not a number"],
        id="csv-non-numeric-value",
    ),
    pytest.param(
        _bis_csv_with(7, ",HKD,", ",,"),
        [
            "row 7: no value for dimension DER_CURR_LEG1",
            "has 14 dimensions (FREQ.DER_TYPE.",
        ],
        id="csv-empty-dimension",
    ),
    pytest.param(
        _bis_csv_with(1, "DER_BASIS,", "BASIS,"),
        ["row 2: the header has no column for dimension DER_BASIS"],
        id="csv-missing-dimension-column",
    ),
    pytest.param(
        b"STRUCTURE,STRUCTURE_ID,ACTION,FREQ\ndataflow,BIS:X(1.0),U,A\n",
        ["row 2: action 'U' is not one of I, A, M, R or D"],
        id="csv2-unknown-action",
    ),
    pytest.param(
        b"STRUCTURE,STRUCTURE_ID,FREQ\nmetadataflow,BIS:X(1.0),A\n",
        ["row 2: structure type 'metadataflow' is not one of"],
        id="csv2-unknown-structure-type",
    ),
    pytest.param(
        b"STRUCTURE,ID,FREQ\n",
        ["the second SDMX-CSV 2.0 column must be STRUCTURE_ID"],
        id="csv2-no-structure-id",
    ),
    pytest.param(
        _bis_xml_with(
            "bis_der_generic_series.xml",
            '<generic:Value id="DER_BASIS" value="C"/>',
            "",
            nth=2,
        ),
        ["series 2, observation 1 (line", "no value for dimension DER_BASIS"],
        id="generic-key-one-dimension-short",
    ),
    pytest.param(
        _bis_xml_with(
            "bis_der_structure_specific_series.xml",
            'DER_BASIS="C" AVAILABILITY',
            'DER_BASIS="C" DER_EXTRA="1" AVAILABILITY',
        ),
        [
            "series 1 (line",
            "DER_EXTRA is not a dimension, attribute or "
            "measure of data structure BIS:BIS_DER(1.0)",
        ],
        id="specific-key-too-long",
    ),
    pytest.param(
        _bis_xml_with(
            "bis_der_structure_specific_series.xml",
            'OBS_VALUE="14206.490766"',
            'OBS_VALUE="1.4e"',
        ),
        ["series 1, observation 3 (line 29): observation value '1.4e'"],
        id="specific-non-numeric-value",
    ),
    pytest.param(
        _bis_xml_with(
            "bis_der_generic_series.xml", 'action="Replace"', 'action="Update"'
        ),
        ["data set 1 (line 19): action 'Update' is not one of"],
        id="generic-unknown-action",
    ),
    pytest.param(
        _bis_xml_with(
            "bis_der_generic_series.xml", 'structureRef="BIS_BIS', 'structureRef="OTHER'
        ),
        [
            "refers to structure 'OTHER_DER_1_0', which the message header does "
            "not declare (declared in Header/Structure: BIS_BIS_DER_1_0)"
        ],
        id="generic-undeclared-structure",
    ),
    pytest.param(
        _bis_xml_with(
            "bis_der_generic_series.xml", "</generic:Series>", "</generic:Serie>"
        ),
        ["not well-formed XML"],
        id="xml-not-well-formed",
    ),
    pytest.param(
        b'<?xml version="1.0"?><message:CrossSectionalData xmlns:message='
        b'"http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message"/>',
        [
            "unknown root element CrossSectionalData (namespace "
            "http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message)"
        ],
        id="xml-unknown-root",
    ),
    pytest.param(
        (EXR / "ecb_exr_ng_full.xml").read_bytes(),
        ["this is an SDMX-ML structure message, not a data message"],
        id="structure-message",
    ),
    pytest.param(
        b"FREQ,TIME_PERIOD,OBS_VALUE\nA,2020,1\n",
        [
            "neither SDMX-ML nor SDMX-CSV: the message starts with "
            "'FREQ,TIME_PERIOD,OBS_VALUE'"
        ],
        id="plain-csv",
    ),
]


@pytest.mark.parametrize(("content", "phrases"), MALFORMED)
def test_malformed_data_raises_invalid_data_naming_where(content, phrases):
    with pytest.raises(InvalidData) as raised:
        read_all(io.BytesIO(content))
    for phrase in phrases:
        assert phrase in raised.value.message


# -- flask load ------------------------------------------------------------------------


@pytest.fixture()
def bis_app(tmp_path):
    """An empty store with the BIS structures, through ``flask load``."""
    app = empty_app(tmp_path)
    # the descendants bring the codelists; bis_der_structure.xml then replaces their
    # 15-dimension DSD with the 14-dimension one the data was made with
    result = load(
        app, BIS / "bis_der_structure_descendants.xml", BIS / "bis_der_structure.xml"
    )
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["store"].dispose()


def empty_app(tmp_path):
    return create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "LOAD_BUNDLED": False}
    )


def load(app, *paths):
    return app.test_cli_runner().invoke(args=["load", *map(str, paths)])


def stored(app) -> int:
    with app.app_context():
        store = get_store()
        (flow,) = store.find_artefacts(["dataflow"], ["BIS"], ["WEBSTATS_DER_DATAFLOW"])
        return store.count_observations(flow.pk)


# The BIS SDMX-CSV 1.0 sample leaves out the series attributes that the DSD makes
# mandatory; it loads only over series that already carry them.
CSV_WITHOUT_MANDATORY = "bis_der_sdmx_csv_1.0.csv"


def test_load_refuses_data_without_mandatory_attributes(bis_app):
    result = load(bis_app, BIS / CSV_WITHOUT_MANDATORY)

    assert result.exit_code == 1
    assert "mandatory attribute UNIT_MEASURE is missing" in result.output
    assert "nothing was stored" in result.output
    assert stored(bis_app) == 0


def test_load_keeps_stored_attributes_that_a_message_leaves_out(bis_app):
    assert load(bis_app, BIS / "bis_der_generic_series.xml").exit_code == 0
    result = load(bis_app, BIS / CSV_WITHOUT_MANDATORY)

    assert result.exit_code == 0, result.output
    body = bis_app.test_client().get(BIS_FLOW).data.decode()
    assert 'id="UNIT_MEASURE"' in body


@pytest.mark.parametrize(
    "name", [p.values[0] for p in BIS_FORMATS if p.values[0] != CSV_WITHOUT_MANDATORY]
)
def test_load_stores_each_bis_data_format(bis_app, name):
    result = load(bis_app, BIS / name)

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{name}: 1000 observations loaded into dataflow "
        "BIS:WEBSTATS_DER_DATAFLOW(1.0) as UNDESA:DESA_PD\n"
    )
    assert stored(bis_app) == 1000
    response = bis_app.test_client().get(
        BIS_FLOW, headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"}
    )
    assert response.status_code == 200
    rows = response.data.decode().splitlines()
    assert len(rows) == 1001
    assert (
        "BIS:WEBSTATS_DER_DATAFLOW(1.0),A,U,A,B,5J,A,1E,A,HKD,TO1,A,A,3,C,2004,"
        "14206.490766," in response.data.decode()
    )


def test_load_of_every_format_in_one_command_keeps_one_current_value(tmp_path):
    app = empty_app(tmp_path)
    data = [BIS / p.values[0] for p in BIS_FORMATS]
    result = load(
        app,
        BIS / "bis_der_structure_descendants.xml",
        BIS / "bis_der_structure.xml",
        *data,
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("1000 observations loaded") == 3
    assert stored(app) == 1000
    app.extensions["store"].dispose()


def test_load_names_the_data_provider_of_the_header(bis_app, tmp_path):
    path = tmp_path / "provided.xml"
    provider = (
        '<message:DataProvider><Ref agencyID="BIS" id="BIS_STATS" '
        'maintainableParentID="DATA_PROVIDERS"/></message:DataProvider>'
    )
    end = "</message:Structure>"
    path.write_bytes(_bis_xml_with("bis_der_generic_series.xml", end, end + provider))

    result = load(bis_app, path)

    assert "as BIS:BIS_STATS" in result.output, result.output
    client = bis_app.test_client()
    assert client.get(f"{BIS_FLOW}/BIS,BIS_STATS").status_code == 200
    assert client.get(f"{BIS_FLOW}/UNDESA,DESA_PD").status_code == 404


def test_load_is_all_or_nothing_per_file(bis_app, tmp_path):
    path = tmp_path / "last_row_bad.csv"
    path.write_bytes(_bis_csv_with(1001, ",F,", ",F,x"))

    result = load(bis_app, path)

    assert result.exit_code == 1
    assert "row 1001: observation value 'x' is not a number" in result.output
    assert "Nothing from this file was stored." in result.output
    assert stored(bis_app) == 0


def test_load_refuses_data_that_lacks_a_dimension_of_the_dsd(tmp_path):
    app = empty_app(tmp_path)
    result = load(
        app,
        BIS / "bis_der_structure_descendants.xml",
        BIS / "bis_der_generic_series.xml",
    )
    assert result.exit_code == 1
    assert "bis_der_structure_descendants.xml: 26 artefacts loaded" in result.output
    assert "no value for dimension NEW_DIMENSION" in result.output
    assert stored(app) == 0
    app.extensions["store"].dispose()


def test_load_applies_a_delete_data_set(bis_app, tmp_path):
    assert load(bis_app, BIS / "bis_der_structure_specific_series.xml").exit_code == 0
    assert stored(bis_app) == 1000
    path = tmp_path / "delete.xml"
    path.write_bytes(
        _bis_xml_with(
            "bis_der_structure_specific_series.xml",
            'action="Replace"',
            'action="Delete"',
        )
    )
    result = load(bis_app, path)
    assert result.exit_code == 0, result.output
    assert "1000 observations deleted from dataflow" in result.output
    assert stored(bis_app) == 0


def test_load_asks_to_name_the_dataflow_when_several_use_the_dsd(bis_app, tmp_path):
    second = tmp_path / "second_flow.xml"
    second.write_text(
        f'<mes:Structure xmlns:mes="{V21}/message" xmlns:str="{V21}/structure" '
        f'xmlns:com="{V21}/common"><mes:Header><mes:ID>T</mes:ID>'
        "<mes:Test>true</mes:Test><mes:Prepared>2024-01-01T00:00:00</mes:Prepared>"
        '<mes:Sender id="T"/></mes:Header><mes:Structures><str:Dataflows>'
        '<str:Dataflow id="DER_COPY" agencyID="BIS" version="1.0">'
        '<com:Name xml:lang="en">Copy</com:Name><str:Structure><Ref id="BIS_DER" '
        'version="1.0" agencyID="BIS" package="datastructure" class="DataStructure"/>'
        "</str:Structure></str:Dataflow></str:Dataflows></mes:Structures>"
        "</mes:Structure>"
    )
    result = load(bis_app, second, BIS / "bis_der_generic_series.xml")
    assert result.exit_code == 1
    assert (
        "which 2 dataflows use (BIS:DER_COPY(1.0), BIS:WEBSTATS_DER_DATAFLOW(1.0)); "
        "name the dataflow in the message"
    ) in result.output


def test_load_reports_a_dataflow_that_is_not_in_the_store(bis_app):
    result = load(bis_app, BIS / "sdmx_csv_2.0_sample.csv")
    assert result.exit_code == 1
    assert (
        "refers to dataflow BIS:BIS_DER(1.0), which is not in the store"
        in result.output
    )


def test_load_reports_a_dsd_without_dataflow(tmp_path):
    app = empty_app(tmp_path)
    result = load(app, EXR / "ecb_exr_ng_full.xml", EXR / "ecb_exr_ng_specific_ts.xml")
    assert result.exit_code == 1
    assert "no dataflow uses the data structure ECB:ECB_EXR_NG(1.0)" in result.output
    app.extensions["store"].dispose()

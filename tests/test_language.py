"""Names by Accept-Language: one documented default (English), best match otherwise."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.helpers import NS, assert_valid_sdmx_ml

MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
 xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
 xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
<mes:Header><mes:ID>LANG</mes:ID><mes:Test>false</mes:Test>
<mes:Prepared>2026-12-04T00:00:00Z</mes:Prepared><mes:Sender id="TEST"/></mes:Header>
<mes:Structures><str:Codelists>
<str:Codelist id="CL_LANG" agencyID="TEST" version="1.0" isFinal="true">
<com:Name xml:lang="en">Sex</com:Name><com:Name xml:lang="fr">Sexe</com:Name>
<com:Name xml:lang="ar">الجنس</com:Name>
<str:Code id="F"><com:Name xml:lang="en">Female</com:Name>
<com:Name xml:lang="fr">Féminin</com:Name>
<com:Name xml:lang="ar">أنثى</com:Name></str:Code>
<str:Code id="M"><com:Name xml:lang="fr">Masculin</com:Name></str:Code>
</str:Codelist></str:Codelists></mes:Structures></mes:Structure>
"""


@pytest.fixture()
def multilingual(empty_app, tmp_path):
    path = tmp_path / "lang.xml"
    path.write_text(MESSAGE, encoding="utf-8")
    result = empty_app.test_cli_runner().invoke(args=["load", str(path)])
    assert result.exit_code == 0, result.output
    return empty_app.test_client()


def _names(client, language: str | None) -> dict[str, str]:
    headers = {"Accept-Language": language} if language else {}
    response = client.get("/rest/codelist/TEST/CL_LANG", headers=headers)
    root = assert_valid_sdmx_ml(response.data)
    codelist = root.find(".//str:Codelist", NS)
    names = {"": [n.text for n in codelist.iterfind("com:Name", NS)]}
    for code in codelist.iterfind("str:Code", NS):
        names[code.get("id")] = [n.text for n in code.iterfind("com:Name", NS)]
    return names


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (None, {"": ["Sex"], "F": ["Female"], "M": ["Masculin"]}),
        ("fr", {"": ["Sexe"], "F": ["Féminin"], "M": ["Masculin"]}),
        ("fr-CH, en;q=0.5", {"": ["Sexe"], "F": ["Féminin"], "M": ["Masculin"]}),
        ("ar, fr;q=0.8", {"": ["الجنس"], "F": ["أنثى"], "M": ["Masculin"]}),
        ("de", {"": ["Sex"], "F": ["Female"], "M": ["Masculin"]}),
    ],
)
def test_one_name_per_item_in_the_best_language(multilingual, language, expected):
    assert _names(multilingual, language) == expected


def test_sdmx_json_names_the_best_language_and_keeps_all(multilingual):
    response = multilingual.get(
        "/rest/codelist/TEST/CL_LANG",
        headers={
            "Accept": "application/vnd.sdmx.structure+json;version=2.0.0",
            "Accept-Language": "fr",
        },
    )
    (codelist,) = response.json["data"]["codelists"]
    assert codelist["name"] == "Sexe"
    assert codelist["names"] == {"en": "Sex", "fr": "Sexe", "ar": "الجنس"}
    codes = {code["id"]: code["name"] for code in codelist["codes"]}
    assert codes == {"F": "Féminin", "M": "Masculin"}


def test_sdmx_ml_30_keeps_one_name_in_the_best_language(multilingual):
    response = multilingual.get(
        "/rest/codelist/TEST/CL_LANG",
        headers={
            "Accept": "application/vnd.sdmx.structure+xml;version=3.0.0",
            "Accept-Language": "ar",
        },
    )
    root = etree.fromstring(response.data)
    codelist = root.find(".//{*}Codelist")
    assert [n.text for n in codelist.findall("{*}Name")] == ["الجنس"]

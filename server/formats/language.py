"""Names and descriptions by Accept-Language (SDMX-REST 1.5 section 4.6, 2.x tips).

Each structure message names every item in one language: the best match of the
client's Accept-Language among the languages an item has, English when the client
asks for none, and the item's first language when none matches.
"""

from __future__ import annotations

import json
import re

from lxml import etree
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from server.formats.ns import XML_LANG

DEFAULT_LANGUAGE = "en"
_LANGUAGES = re.compile(r'xml:lang="([^"]+)"')
# Name and Description of the common namespace of SDMX-ML 2.1 and of 3.0.
_LOCALISED = ("{*}Name", "{*}Description")


def preferred_languages(header: str | None) -> list[str]:
    """Languages in the client's order of preference, then the default."""
    accepted: LanguageAccept = parse_accept_header(header or "", LanguageAccept)
    ranked = []
    for value, quality in sorted(accepted, key=lambda item: -item[1]):
        if quality > 0 and value != "*":
            # RFC 4647 lookup: fr-CH falls back to fr before the next choice.
            ranked += [value.lower(), value.lower().split("-")[0]]
    return [*dict.fromkeys([*ranked, DEFAULT_LANGUAGE])]


def localise(fragment: str, preferred: list[str]) -> str:
    """Keep one Name and one Description per element of an SDMX-ML fragment."""
    if len(set(_LANGUAGES.findall(fragment))) < 2:
        return fragment  # one language at most: nothing to choose
    root = etree.fromstring(fragment.encode("utf-8"))
    for parent in {e.getparent() for tag in _LOCALISED for e in root.iter(tag)}:
        for tag in _LOCALISED:
            _keep_best(parent, tag, preferred)
    return etree.tostring(root, encoding="unicode")


def _keep_best(parent: etree._Element, tag: str, preferred: list[str]) -> None:
    texts = parent.findall(tag)
    if len(texts) < 2:
        return
    by_language = {t.get(XML_LANG, "").lower(): t for t in texts}
    chosen = next(
        (by_language[lang] for lang in preferred if lang in by_language),
        texts[0],
    )
    for text in texts:
        if text is not chosen:
            parent.remove(text)


def localise_json(fragment: str, preferred: list[str]) -> str:
    """Set every ``name``/``description`` of an SDMX-JSON 2.0 fragment to the best
    match among its ``names``/``descriptions``; all languages stay in those maps."""
    if '"names"' not in fragment:
        return fragment
    value = json.loads(fragment)
    _best_json(value, preferred)
    return json.dumps(value, ensure_ascii=False)


def _best_json(value, preferred: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _best_json(item, preferred)
        return
    if not isinstance(value, dict):
        return
    for single, many in (("name", "names"), ("description", "descriptions")):
        texts = value.get(many)
        if isinstance(texts, dict) and len(texts) > 1:
            lowered = {lang.lower(): text for lang, text in texts.items()}
            value[single] = next(
                (lowered[lang] for lang in preferred if lang in lowered),
                value.get(single),
            )
    for item in value.values():
        _best_json(item, preferred)


def localised_rows(rows: list, preferred: list[str]) -> list:
    """Store rows whose fragments name everything in the best language.

    SDMX-ML fragments keep one Name and Description per item; SDMX-JSON 2.0
    fragments keep every language in ``names`` and put the best in ``name``.
    """
    from types import SimpleNamespace

    def formats(row) -> str:
        stored = json.loads(getattr(row, "formats", None) or "{}")
        return json.dumps(
            {
                key: localise_json(text, preferred)
                if "json" in key
                else localise(text, preferred)
                for key, text in stored.items()
            }
        )

    return [
        SimpleNamespace(
            type=row.type,
            xml=localise(row.xml, preferred),
            stub_xml=localise(row.stub_xml, preferred),
            formats=formats(row),
        )
        if len(set(_LANGUAGES.findall(row.xml))) > 1
        else row  # one language: every format already says it
        for row in rows
    ]

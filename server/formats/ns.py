"""Namespaces of SDMX-ML 2.1 (SDMX 2.1 section 3A)."""

_BASE = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"
MES = _BASE + "message"
COM = _BASE + "common"
STR = _BASE + "structure"
GEN = _BASE + "data/generic"
SPEC = _BASE + "data/structurespecific"
FOOTER = _BASE + "message/footer"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

PREFIXES = {"mes": MES, "com": COM, "str": STR}

"""News-reading rules kept as data: abbreviations, acronyms, wire-service markers, symbols.

Each table is read by ``normalize.py``; add a row here rather than a branch there.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TITLES: dict[str, str] = {
    "Dr": "Doctor",
    "Mr": "Mister",
    "Mrs": "Missus",
    "Ms": "Miz",
    "Prof": "Professor",
    "Gen": "General",
    "Lt": "Lieutenant",
    "Col": "Colonel",
    "Maj": "Major",
    "Capt": "Captain",
    "Sgt": "Sergeant",
    "Cmdr": "Commander",
    "Adm": "Admiral",
    "Gov": "Governor",
    "Sen": "Senator",
    "Rep": "Representative",
    "Rev": "Reverend",
    "Fr": "Father",
    "Pres": "President",
    "Supt": "Superintendent",
    "Insp": "Inspector",
    "Amb": "Ambassador",
}
"""Abbreviated titles, expanded when a capitalized name follows ("Dr. Kim" -> "Doctor Kim")."""

SUFFIXES: dict[str, str] = {"Jr": "Junior", "Sr": "Senior"}
"""Name suffixes, expanded after a capitalized name ("Martin Luther King Jr." -> "... Junior")."""

LATIN: dict[str, str] = {
    "e.g.": "for example",
    "i.e.": "that is",
    "etc.": "et cetera",
    "vs.": "versus",
    "approx.": "approximately",
    "est.": "established",
}
"""Abbreviations that are always expanded, wherever they stand."""

WORD_ABBREVIATIONS: dict[str, str] = {
    "vs": "versus",
    "Vs": "versus",
    "Ltd": "Limited",
    "ltd": "limited",
    "Bros": "Brothers",
    "Dept": "Department",
    "Govt": "Government",
    "Intl": "International",
    "Vol": "Volume",
    "vol": "volume",
}
"""Abbreviations expanded as whole words, with or without their period ("Roe vs. Wade", "Acme Ltd")."""

WIRE_ABBREVIATIONS: dict[str, str] = {
    "Gov't": "Government",
    "Gov’t": "Government",
    "gov't": "government",
    "gov’t": "government",
    "S. Korea": "South Korea",
    "N. Korea": "North Korea",
    "S.Korea": "South Korea",
    "N.Korea": "North Korea",
}
"""Wire-service shorthand in headlines and copy ("Gov't", "S. Korean"); a word may follow directly
("S. Korean" -> "South Korean")."""

NUMBERED_THINGS: frozenset[str] = _words(
    """
    volume vol chapter part book act phase stage level class type article section title war series
    season episode grade category tier round division schedule annex appendix plan model mark
    """
)
"""Words after which a Roman numeral is a cardinal, whatever their case ("volume IV" -> "volume four")."""

ACRONYMS_AS_WORDS: frozenset[str] = _words(
    """
    NATO NASA UNESCO UNICEF OPEC ASEAN FIFA AIDS COVID NAFTA OPCW INTERPOL EXPO SWAT LASER RADAR
    SCUBA GIF JPEG NIMBY FEMA DARPA ICANN MERCOSUR SARS MERS ASAP PIN UEFA CERN NAND RAM ROM
    BRICS APEC IKEA LEGO SEAL NEET OSHA
    """
)
"""All-capital words said as words by default; every other short one is spelled out."""

ACRONYMS_AS_LETTERS: frozenset[str] = (
    _words("US UK UN EU IT AI WHO ID OK TV PC AM PM HR ER IQ AD BC DC LA NY MP PR ICU AIDS")
    - ACRONYMS_AS_WORDS
)
"""All-capital words spelled out although they are also English words ("US", "IT", "WHO")."""

REGNAL_TITLES: frozenset[str] = _words(
    "King Queen Pope Emperor Empress Tsar Czar Tsarina Prince Princess Sultan Duke Kaiser Shah Pharaoh"
)
REGNAL_NAMES: frozenset[str] = _words(
    """
    Charles Elizabeth Henry Louis George Edward William Benedict Paul Leo Pius Gregory Richard James Mary
    Frederick Napoleon Philip Felipe Ferdinand Alexander Nicholas Peter Catherine Ramesses Willem Harald
    Constantine Innocent Clement Urban Boniface Francis Juan Carlos Gustaf Rama Kamehameha Selim Mehmed
    """
)
"""A Roman numeral after one of these names, or after a title and a name, is a regnal ordinal
("Pope Leo XIV" -> "the fourteenth"); any other Roman numeral after a word is a cardinal
("World War II", "Part II" -> "two")."""

WIRE_TAGS: tuple[str, ...] = (
    "LEAD",
    "URGENT",
    "UPDATE",
    "UPDATED",
    "CORRECTED",
    "REFILE",
    "News Focus",
    "News Analysis",
    "Interview",
    "Profile",
    "Photo",
    "Photos",
    "Video",
    "EXCLUSIVE",
    "ANALYSIS",
)
"""Editorial tags in parentheses that are not read: "(LEAD)", "(2nd LD)", "(URGENT)"."""

SYMBOL_WORDS: dict[str, str] = {
    "&": "and",
    "%": "percent",
    "°": "degrees",
    "+": "plus",
    "=": "equals",
    "#": "number",
    "@": "at",
    "€": "euros",
    "£": "pounds",
    "$": "dollars",
    "¥": "yen",
    "₩": "won",
    "§": "section",
    "×": "times",
    "~": "about",
}
"""Symbols still standing after numbers are normalized, and the words said for them."""

AMOUNT_WORDS: dict[str, str] = {
    "bln": "billion",
    "bil": "billion",
    "bn": "billion",
    "mln": "million",
    "mn": "million",
    "tln": "trillion",
    "trn": "trillion",
    "tn": "trillion",
}
"""Wire-service shorthands for amounts ("600 bln won"), expanded after a number."""

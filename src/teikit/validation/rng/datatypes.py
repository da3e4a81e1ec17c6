"""The datatypes RelaxNG schemas use: RelaxNG's built-in ``string``/``token`` and the
XML Schema datatypes (``http://www.w3.org/2001/XMLSchema-datatypes``), with their
facets (``pattern``; ``length``/``minLength``/``maxLength`` in characters, list items or
octets as XSD counts them; the bounds ``minInclusive``… on ordered types, with the bounds
the integer types imply; ``totalDigits``/``fractionDigits``), each explained in words
with an example. A ``QName`` value's prefix must be declared where the value stands.

Why our own checks: the validator asks "does this value fit?" for every attribute of
every element, so a check must cost a regular-expression match; and a message must be
able to say what would have fitted ("an ISO 8601 date such as 1843-07-10"). XSD's
regular expressions are translated to Python's by elementpath (an xmlschema
dependency), which knows XSD's ``\\p{…}`` classes and implicit anchoring; it is imported
only when a schema's facet needs it (its import is ~45 ms of every walking process).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import NamedTuple

from lxml import etree

from teikit.validation.rng.patterns import Datatype

XSD = "http://www.w3.org/2001/XMLSchema-datatypes"

_NAME_START = (
    ":A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_NAME_CHAR = _NAME_START + r"\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
_NCNAME = f"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"
_TZ = r"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?"
_YEAR = r"-?([1-9]\d{3,}|0\d{3})"
_TIME = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?|24:00:00(\.0+)?"


class Context(NamedTuple):
    """What a value is read in: the element, whose in-scope namespaces a QName
    value needs (looked up only then: lxml builds the map on each request)."""

    element: etree._Element | None = None

    @property
    def namespaces(self) -> Mapping[str | None, str]:
        return self.element.nsmap if self.element is not None else {}


class Kind(NamedTuple):
    """How one XSD type is checked and described: its lexical form, whether spaces
    are collapsed before the check, and a description with an example for messages."""

    form: str
    words: str
    collapse: bool = True


_TYPES: dict[str, Kind] = {
    "string": Kind(r"(?s:.*)", "any text", collapse=False),
    "normalizedString": Kind(r"[^\t\n\r]*", "text without tabs or line breaks", False),
    "token": Kind(r"(?s:.*)", "any text"),
    "NMTOKEN": Kind(
        f"[{_NAME_CHAR}]+",
        "a name token (letters, digits, '.', '-', '_', ':', no spaces) such as a-1",
    ),
    "NMTOKENS": Kind(
        f"[{_NAME_CHAR}]+( [{_NAME_CHAR}]+)*", "name tokens separated by spaces, such as a-1 b-2"
    ),
    "Name": Kind(
        f"[{_NAME_START}][{_NAME_CHAR}]*",
        "an XML name (a letter or '_' first, no spaces) such as p1",
    ),
    "NCName": Kind(
        _NCNAME, "an XML name without a colon (a letter or '_' first, no spaces) such as p1"
    ),
    "ID": Kind(_NCNAME, "an identifier (a letter or '_' first, no spaces or colons) such as p1"),
    "IDREF": Kind(_NCNAME, "the identifier of an element (no '#', no spaces) such as p1"),
    "IDREFS": Kind(f"{_NCNAME}( {_NCNAME})*", "identifiers separated by spaces, such as p1 p2"),
    "ENTITY": Kind(_NCNAME, "an entity name such as e1"),
    "ENTITIES": Kind(f"{_NCNAME}( {_NCNAME})*", "entity names separated by spaces, such as e1 e2"),
    "QName": Kind(f"({_NCNAME}:)?{_NCNAME}", "a qualified name such as tei:p"),
    "language": Kind(
        r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*", "a language tag (BCP 47) such as en or de-AT"
    ),
    "hexBinary": Kind(r"([0-9a-fA-F]{2})*", "hexadecimal octets such as 0FB7"),
    "base64Binary": Kind(
        r"(([A-Za-z0-9+/] ?){4})*(([A-Za-z0-9+/] ?){2}[AEIMQUYcgkosw048] ?=|"
        r"[A-Za-z0-9+/] ?[AQgw] ?= ?=)?",
        "Base64 text such as SGVsbG8=",
    ),
    "anyURI": Kind(
        r"[^\s\"<>\\^`{|}]*", "a URI (spaces written %20) such as https://example.org/a#b"
    ),
    "boolean": Kind(r"true|false|1|0", "true or false"),
    "decimal": Kind(r"[+-]?(\d+(\.\d*)?|\.\d+)", "a decimal number such as 3.5"),
    "integer": Kind(r"[+-]?\d+", "a whole number such as 42"),
    "nonNegativeInteger": Kind(r"\+?\d+|-0+", "a whole number 0 or more, such as 3"),
    "positiveInteger": Kind(r"\+?0*[1-9]\d*", "a whole number 1 or more, such as 3"),
    "nonPositiveInteger": Kind(r"-\d+|[+-]?0+", "a whole number 0 or less, such as -3"),
    "negativeInteger": Kind(r"-0*[1-9]\d*", "a whole number below 0, such as -3"),
    "long": Kind(r"[+-]?\d+", "a whole number such as 42"),
    "int": Kind(r"[+-]?\d+", "a whole number such as 42"),
    "short": Kind(r"[+-]?\d+", "a whole number such as 42"),
    "byte": Kind(r"[+-]?\d+", "a whole number such as 42"),
    "unsignedLong": Kind(r"\+?\d+", "a whole number 0 or more, such as 3"),
    "unsignedInt": Kind(r"\+?\d+", "a whole number 0 or more, such as 3"),
    "unsignedShort": Kind(r"\+?\d+", "a whole number 0 or more, such as 3"),
    "unsignedByte": Kind(r"\+?\d+", "a whole number 0 or more, such as 3"),
    "double": Kind(
        r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?INF|NaN", "a number such as 2.5 or 1E3"
    ),
    "float": Kind(
        r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?INF|NaN", "a number such as 2.5 or 1E3"
    ),
    "date": Kind(
        f"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01]){_TZ}",
        "an ISO 8601 date such as 1843-07-10",
    ),
    "dateTime": Kind(
        f"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T({_TIME}){_TZ}",
        "an ISO 8601 date and time such as 1843-07-10T14:30:00",
    ),
    "time": Kind(f"({_TIME}){_TZ}", "a time such as 14:30:00"),
    "gYearMonth": Kind(f"{_YEAR}-(0[1-9]|1[0-2]){_TZ}", "a year and month such as 1843-07"),
    "gYear": Kind(f"{_YEAR}{_TZ}", "a year of four digits such as 1843"),
    "gMonth": Kind(f"--(0[1-9]|1[0-2]){_TZ}", "a month such as --07"),
    "gMonthDay": Kind(
        f"--(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01]){_TZ}", "a month and day such as --07-10"
    ),
    "gDay": Kind(f"---(0[1-9]|[12]\\d|3[01]){_TZ}", "a day of the month such as ---10"),
    "duration": Kind(
        r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?"
        r"(\d+(\.\d+)?S)?)?",
        "an ISO 8601 duration such as P1Y2M or PT30M",
    ),
}

#: The value range each integer type implies (XSD Part 2, 3.3.13–3.3.25).
_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}
_DECIMALS = frozenset(("decimal", "integer", *_BOUNDS))
#: Types whose ``length`` facets count space-separated items, not characters.
_LISTS = frozenset(("NMTOKENS", "IDREFS", "ENTITIES"))
#: Date and time types, read for their order by elementpath (XSD 1.0 forms): the
#: names of its classes.
_TIMES = {
    "date": "Date10",
    "dateTime": "DateTime10",
    "time": "Time",
    "gYear": "GregorianYear10",
    "gYearMonth": "GregorianYearMonth10",
    "gMonth": "GregorianMonth",
    "gMonthDay": "GregorianMonthDay",
    "gDay": "GregorianDay",
}
_ORDER_FACETS = ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive")

_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


@cache
def _compiled(form: str) -> re.Pattern[str]:
    return re.compile(f"(?:{form})")


#: ``[^\p{C}\p{Z}]+`` and the like: checked by Unicode category directly, as
#: translating XSD's category classes to a Python expression takes ~0.3 s each.
_CATEGORIES = re.compile(r"\[\^((?:\\p\{[A-Z][a-z]?\})+)\]\+")


#: An XSD pattern that means the same to Python's ``re`` (with ``fullmatch``, as XSD
#: anchors implicitly): plain characters, groups, alternatives and quantifiers, escapes
#: both read alike (``\d`` is ``\p{Nd}`` in both), and classes without subtraction;
#: no ``.`` (XSD's excludes ``\r``), ``^``/``$`` (literal in XSD) nor ``\s \w \i \c
#: \p``, nor the doubled signs Python may one day read as set operations. Compiled
#: directly, without elementpath's translation and import (~45 ms).
_ESCAPE = r"\\[dDnrt\\|.?*+{}()\[\]^-]"
_PLAIN = re.compile(rf"(?:[^\\.^$\[]|{_ESCAPE}|\[\^?(?:[^\\\[\]]|{_ESCAPE})+\])*")


def _outside(categories: tuple[str, ...], text: str) -> bool:
    return bool(text) and not any(unicodedata.category(c).startswith(categories) for c in text)


@cache
def _facet(pattern: str) -> Callable[[str], bool] | None:
    simple = _CATEGORIES.fullmatch(pattern)
    if simple:
        categories = tuple(re.findall(r"\{([A-Za-z]+)\}", simple.group(1)))
        return lambda text: _outside(categories, text)
    if _PLAIN.fullmatch(pattern) and not any(d in pattern for d in ("--", "&&", "~~", "||")):
        plain = re.compile(pattern)
        return lambda text: plain.fullmatch(text) is not None
    from elementpath.regex import translate_pattern

    try:
        rx = re.compile(translate_pattern(pattern, anchors=False))
        return lambda text: rx.fullmatch(text) is not None
    except Exception:  # noqa: BLE001 - an untranslatable facet must not stop validation
        return None


def _kind(dt: Datatype) -> Kind | None:
    if dt.library in ("", XSD) or not dt.library:
        return _TYPES.get(dt.name)
    return None


def allows(dt: Datatype, value: str, cx: Context) -> bool:
    """Whether ``value`` is in datatype ``dt`` with its facets. Unknown libraries and
    types accept everything (jing refuses such a schema; teikit's libxml2 verdict
    still checks it)."""
    kind = _kind(dt)
    if kind is None:
        return True
    text = " ".join(value.split()) if kind.collapse else value
    if not _compiled(kind.form).fullmatch(text):
        return False
    if dt.name == "date" and not _real_date(text):
        return False
    if dt.name == "QName" and not _declared(text, cx):
        return False
    if dt.name in _BOUNDS and not _in_bounds(dt.name, text):
        return False
    listed = [arg for name, arg in dt.params if name == "enumeration"]
    if listed and not any(equal(dt, arg, text, cx) for arg in listed):
        return False  # libxml2 takes enumeration params (jing refuses them) as a closed list
    return all(_facet_ok(dt.name, name, arg, text) for name, arg in dt.params)


def _declared(text: str, cx: Context) -> bool:
    """Whether a QName's prefix is bound where it stands (``xml`` always is)."""
    prefix, colon, _ = text.partition(":")
    return not colon or prefix == "xml" or prefix in cx.namespaces


def _in_bounds(name: str, text: str) -> bool:
    low, high = _BOUNDS[name]
    n = int(text)
    return (low is None or n >= low) and (high is None or n <= high)


def _real_date(text: str) -> bool:
    """Whether a lexically valid date exists (no 31 June, 29 February in leap years)."""
    body = text[1:] if text.startswith("-") else text
    year_s, month_s, day_s = body[: body.index("-")], *body.split("-")[1:3]
    year, month, day = int(year_s), int(month_s), int(day_s[:2])
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return day <= (29 if leap else 28)
    return day <= _DAYS.get(month, 31)


def _facet_ok(type_name: str, name: str, arg: str, text: str) -> bool:
    """Whether ``text`` (already of type ``type_name``) meets facet ``name``=``arg``.
    A facet whose argument does not read (jing refuses such a schema) accepts."""
    if name == "pattern":
        check = _facet(arg)
        return check is None or bool(check(text))
    if name in ("length", "minLength", "maxLength") and arg.strip().isdigit():
        n, size = int(arg), _length(type_name, text)
        return {"length": size == n, "minLength": size >= n, "maxLength": size <= n}[name]
    if name in _ORDER_FACETS:
        return _ordered(type_name, name, arg, text)
    if name in ("totalDigits", "fractionDigits") and type_name in _DECIMALS:
        total, fraction = _digits(text)
        limit = int(arg) if arg.strip().isdigit() else None
        if limit is None:
            return True
        return (total if name == "totalDigits" else fraction) <= limit
    return True


def _length(type_name: str, text: str) -> int:
    """The length XSD's ``length`` facets measure: list items, octets or characters."""
    if type_name in _LISTS:
        return len(text.split())
    if type_name == "hexBinary":
        return len(text) // 2
    if type_name == "base64Binary":
        try:
            return len(base64.b64decode(text.replace(" ", ""), validate=True))
        except (binascii.Error, ValueError):
            return -1
    return len(text)


def _digits(text: str) -> tuple[int, int]:
    """The digits of a decimal and those after its point, as jing counts them (Java's
    ``BigDecimal`` precision and scale: "1.00" has 3 and 2, "0.001" has 1 and 3)."""
    try:
        shape = Decimal(text).as_tuple()
    except InvalidOperation:
        return 0, 0
    fraction = -shape.exponent if isinstance(shape.exponent, int) else 0
    return len(shape.digits), max(fraction, 0)


def _order_key(type_name: str, text: str) -> object | None:
    """``text`` as a value that compares in ``type_name``'s order; None when the type
    is not ordered here (duration's order is partial) or the text does not read."""
    try:
        if type_name in _DECIMALS:
            return Decimal(text)
        if type_name in ("double", "float"):
            return float(text.replace("INF", "inf"))
        if type_name not in _TIMES:
            return None
        from elementpath import datatypes as xpath_types

        make: Callable[[str], object] = getattr(xpath_types, _TIMES[type_name]).fromstring
        return make(text)
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        return None


def _ordered(type_name: str, name: str, arg: str, text: str) -> bool:
    value, bound = _order_key(type_name, text), _order_key(type_name, arg.strip())
    if value is None or bound is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return False  # NaN stands outside every bound
    try:
        if name == "minInclusive":
            return bool(value >= bound)  # type: ignore[operator]
        if name == "minExclusive":
            return bool(value > bound)  # type: ignore[operator]
        if name == "maxInclusive":
            return bool(value <= bound)  # type: ignore[operator]
        return bool(value < bound)  # type: ignore[operator]
    except TypeError:  # a time with a timezone against one without: no order
        return False


def equal(dt: Datatype, wanted: str, value: str, cx: Context) -> bool:
    """Whether ``value`` equals the schema's ``wanted`` in datatype ``dt`` (``token``
    and most XSD types compare with spaces collapsed, ``string`` exactly)."""
    kind = _kind(dt)
    if dt.name == "string" or (kind is not None and not kind.collapse):
        return wanted == value
    return " ".join(wanted.split()) == " ".join(value.split())


#: TEI's patterns (the teidata.* types of tei_all) in words: a regular expression such as
#: ``[^\p{C}\p{Z}]+`` tells an editor nothing.
_PATTERNS: dict[str, str] = {
    r"[^\p{C}\p{Z}]+": "a single word without spaces, such as main",
    r"(\-?[\d]+/\-?[\d]+)": "a fraction such as 1/2",
    r"(-?[0-9]+(\.[0-9]+)?,-?[0-9]+(\.[0-9]+)?)": "a point as x,y such as 10,20.5",
    r"[\-+]?\d+(\.\d+)?(%|cm|mm|in|pt|pc|px|em|ex|gd|rem|vw|vh|vm)": (
        "a length with its unit such as 12pt, 2.5cm or 50%"
    ),
    r"[\d]+[a-z]*[\d]*(\.[\d]+[a-z]*[\d]*){0,3}": "a version number such as 4.3.0 or 2.1a",
    r"[\d]+(\.[\d]+){0,2}": "a version number such as 4.3.0",
    r"[0-9.,DHMPRSTWYZ/:+\-]+": (
        "an ISO 8601 date, time or duration such as 1843-07-10, 1843/1850 or P2D"
    ),
    r"[a-z][a-z0-9\+\.\-]*": "a lower-case prefix such as bib",
    r".+": "any text, not empty",
}


def describe(dt: Datatype) -> str:
    """``dt`` in words with an example, for messages; facets said plainly."""
    kind = _kind(dt)
    words = kind.words if kind is not None else f"a value of type {dt.name}"
    given = {  # a bound that does not read as the type (jing refuses it) is not said
        name: arg
        for name, arg in dt.params
        if name not in _ORDER_FACETS or _order_key(dt.name, arg.strip()) is not None
    }
    if any(f in given for f in _ORDER_FACETS):
        words = words.split(", such as ")[0].split(" such as ")[0]  # the example may not fit
        words += _range(given)
    unit = "items" if dt.name in _LISTS else "octets" if "Binary" in dt.name else "characters"
    for name, arg in dt.params:
        if name == "pattern" and arg in _PATTERNS:
            words = _PATTERNS[arg]
        elif name == "pattern":
            words += f" matching the pattern {arg}"
        elif name in ("length", "minLength", "maxLength"):
            words += {
                "length": f" of exactly {arg} {unit}",
                "minLength": f" of at least {arg} {unit}",
                "maxLength": f" of at most {arg} {unit}",
            }[name]
        elif name == "totalDigits":
            words += f" of at most {arg} digits"
        elif name == "fractionDigits":
            words += f" with at most {arg} digits after the point"
    listed = [f'"{arg}"' for name, arg in dt.params if name == "enumeration"]
    return f"one of {', '.join(listed)}" if listed else words


def _range(given: dict[str, str]) -> str:
    """The bounds of ``given`` facets in words: " from 1 to 10", " above 0"."""
    low = (
        f"from {given['minInclusive']}"
        if "minInclusive" in given
        else f"above {given['minExclusive']}"
        if "minExclusive" in given
        else ""
    )
    high = (
        f"to {given['maxInclusive']}"
        if "maxInclusive" in given
        else f"below {given['maxExclusive']}"
        if "maxExclusive" in given
        else ""
    )
    if low and high:
        return f" {low} {high}" if high.startswith("to") else f" {low} and {high}"
    return f" {low}" if low else f" up {high}" if high.startswith("to") else f" {high}"


def rank(dt: Datatype) -> int:
    """Where ``dt`` stands in a list of alternatives: the order of :data:`_TYPES`
    (a full date before a year and month before a year alone), unknown types last."""
    names = list(_TYPES)
    return names.index(dt.name) if dt.name in names else len(names)


def is_id_type(dt: Datatype) -> str:
    """``ID``, ``IDREF`` or ``IDREFS`` when ``dt`` has ID semantics, else ''."""
    return dt.name if dt.library == XSD and dt.name in ("ID", "IDREF", "IDREFS") else ""

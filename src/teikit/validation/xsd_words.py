"""xmlschema's validation errors said as teikit says RelaxNG's.

Why: an encoder who validates with the XML Schema flavour of a profile
(``--schema teikit-xsd``) fixes the same files from the same kind of message, and
xmlschema's words are a library's: Clark names (``'{…tei-c.org/ns/1.0}corr'``),
Python's own errors (``invalid literal for int() with base 10``), an attribute "not
allowed for element" without the element, the same alternative listed three times. So
names are written as the document writes them and values in words with an example, by
the rules the RelaxNG messages follow (:mod:`.rng.naming`, :mod:`.rng.datatypes`); a
message of a shape not known here keeps xmlschema's words, its Clark names written out.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from xmlschema.validators.exceptions import (
    XMLSchemaChildrenValidationError,
    XMLSchemaValidationError,
)

from teikit.namespaces import XSD
from teikit.validation.rng.datatypes import XSD as XSD_TYPES
from teikit.validation.rng.datatypes import describe
from teikit.validation.rng.naming import Namer, scope
from teikit.validation.rng.patterns import Datatype, QName

_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")
_XS = "{" + XSD + "}"
_ATTRIBUTE_VALUE = re.compile(r"^attribute (\S+?)='(.*?)': ")


def _qname(text: str) -> QName:
    m = _CLARK.fullmatch(text)
    return QName(m[1], m[2]) if m else QName("", text)


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _type_words(validator: Any) -> str | None:
    """What a value of the type (or facet) ``validator`` checks looks like, in words
    with an example; None when it cannot be said."""
    enumeration = getattr(validator, "enumeration", None)
    if enumeration:
        values = sorted({str(v) for v in enumeration}, key=lambda v: (len(v), v))
        return "one of " + ", ".join(f'"{v}"' for v in values)
    regexps = getattr(validator, "regexps", None)
    if regexps:  # said as the type it restricts (a URI, a token…) matching the pattern
        base = str(getattr(getattr(validator, "base_type", None), "name", None) or "")
        local = _qname(base).local if base.startswith(_XS) else "string"
        return _or([describe(Datatype(XSD_TYPES, local, (("pattern", p),))) for p in regexps])
    members = getattr(validator, "member_types", None)
    if members:
        said = [_type_words(m) for m in members]
        return _or([s for s in said if s]) if all(said) else None
    primitive = getattr(validator, "primitive_type", None) or validator
    named = str(getattr(validator, "name", None) or getattr(primitive, "name", None) or "")
    if not named.startswith(_XS):  # a named type of the schema: said as what it restricts
        parent = getattr(validator, "base_type", None)
        return _type_words(parent) if parent is not None and parent is not validator else None
    return describe(Datatype(XSD_TYPES, _qname(named).local))


def words(exc: XMLSchemaValidationError, el: etree._Element | None) -> str | None:
    """``exc`` in teikit's words about the element ``el`` it concerns; None for a
    shape not known here (the caller keeps xmlschema's words, see :func:`names`)."""
    if el is None:
        return None
    reason = " ".join((exc.reason or "").split())
    n = Namer(el)
    if isinstance(exc, XMLSchemaChildrenValidationError):
        return _children(exc, el, n, reason)
    m = re.match(r"^missing required attribute '(.+)'$", reason)
    if m:
        return f"{n.element(el)} needs the attribute {n.attribute(_qname(m[1]), el)}."
    m = re.match(r"^'(.+)' attribute not allowed for element$", reason)
    if m:
        return f"{n.attribute(_qname(m[1]), el)} is not allowed on {n.element(el)}."
    if reason == "character data between child elements not allowed":
        return f"Text is not allowed directly in {n.element(el)}."
    m = re.match(r"^'(.+)' is not an element of the schema$", reason)
    if m:
        return f"{n.tag(_qname(m[1]), el)} is not an element of this schema."
    if reason == "can't use an abstract element in an instance":
        return (
            f"{n.element(el)} is abstract in this schema: use one of the elements that may "
            "stand for it."
        )
    m = _ATTRIBUTE_VALUE.match(reason)
    if m:
        return _value(exc, el, n, _qname(m[1]), m[2], reason)
    return None


def _children(
    exc: XMLSchemaChildrenValidationError, el: etree._Element, n: Namer, reason: str
) -> str | None:
    expected = [
        _qname(str(name))
        for name in dict.fromkeys(
            getattr(e, "name", None) or "" for e in (getattr(exc, "expected", None) or [])
        )
        if name
    ]
    listing = n.expected(expected, scope(el)) if expected else ""
    child: Any = exc.invalid_child  # an lxml element here (the tree is lxml)
    if isinstance(child, etree._Element):
        said = f"{n.element(child)} is not allowed here in {n.element(el)}"
        return f"{said}: {listing} is expected." if listing else f"{said}."
    if "is not complete" in reason:
        close = f"</{n.element(el)[1:]}"
        if not listing:
            return f"{n.element(el)} is incomplete."
        some = (
            "one of "
            if len(expected) > 1
            else "a "
            if listing[1:2].lower() not in "aeiou"
            else "an "
        )
        return f"{n.element(el)} is incomplete: add {some}{listing} before {close}."
    return None


def _value(
    exc: XMLSchemaValidationError,
    el: etree._Element,
    n: Namer,
    name: QName,
    value: str,
    reason: str,
) -> str:
    written = n.attribute(name, el, value=value, sign="" if name.local == "id" else "@")
    if "duplicated xs:ID value" in reason:
        return f"{written} is used more than once: every ID must be unique; rename one of them."
    said = f"{n.attribute(name, el, value=value)} on {n.element(el)} is " + (
        "not valid" if value.strip() else "empty"
    )
    kind = _type_words(exc.validator)
    return f"{said}: use {kind}." if kind else f"{said}."


def names(message: str) -> str:
    """xmlschema's own words with its Clark names written out: ``{ns}name`` as
    ``name (namespace ns)``."""
    return _CLARK.sub(lambda m: f"{m[2]} (namespace {m[1]})" if m[1] else m[2], message)

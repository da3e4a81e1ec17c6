"""The derivatives of RelaxNG patterns (James Clark, "An algorithm for RELAX NG
validation"), memoised per pattern, with the recovering variants jing uses.

Why derivatives: a pattern's derivative with respect to an event (a start tag, an
attribute, text, an end tag) is the pattern the rest of the document must match. That
answers, at every point, the questions an editor needs: did this event fit, which
names would have fitted, what is still required. libxml2 answers only yes or no.

Every function here is pure over :class:`~.patterns.Pattern` nodes; results are kept in
memo tables keyed by the (hash-consed) pattern, so a schema's common states are
derived once per process however many documents pass through them.
"""

from __future__ import annotations

from collections.abc import Callable

from teikit.validation.rng.builder import Builder
from teikit.validation.rng.datatypes import Context, allows, equal, is_id_type
from teikit.validation.rng.patterns import (
    AFTER,
    ATTRIBUTE,
    CHOICE,
    DATA,
    ELEMENT,
    GROUP,
    INTERLEAVE,
    LIST,
    ONE_OR_MORE,
    TEXT,
    VALUE,
    NameClass,
    Pattern,
    QName,
)

Transform = Callable[[Pattern], Pattern]


class Derivatives:
    """The derivative functions of one schema, sharing that schema's :class:`Builder`
    and memo tables."""

    def __init__(self, builder: Builder) -> None:
        self.b = builder
        #: Memo tables of the common (non-recovering) derivatives, public so that the
        #: walk's inner loop reads them without a method call per element: a start tag
        #: ``(state, name)``, the end of a start tag, an end tag, whether content is
        #: typed, an attribute's name ``(state, name)``, non-blank text among elements,
        #: an attribute's ID kind (after its name) and value ``(state, value)``.
        self.opened: dict[tuple[Pattern, QName], Pattern] = {}
        self.closed: dict[Pattern, Pattern] = {}
        self.ended: dict[Pattern, Pattern] = {}
        self.typed_content: dict[Pattern, bool] = {}
        self.attributes: dict[tuple[Pattern, QName], Pattern] = {}
        self._open_recovering: dict[tuple[Pattern, QName], Pattern] = {}
        self._close_forgiving: dict[Pattern, Pattern] = {}
        self.mixed: dict[Pattern, Pattern] = {}
        self._found: dict[QName, Pattern] = {}
        self._kinds: dict[Pattern, tuple[bool, bool]] = {}
        self.values: dict[tuple[Pattern, str], Pattern] = {}
        self.id_kinds: dict[Pattern, str] = {}
        self._attribute_names: dict[Pattern, frozenset[QName]] = {}

    # -- helpers -------------------------------------------------------------------

    def apply_after(self, f: Transform, p: Pattern) -> Pattern:
        """``p`` (a choice of ``after`` patterns) with ``f`` applied to what follows."""
        if p.kind is AFTER:
            assert p.left is not None and p.right is not None
            return self.b.after(p.left, f(p.right))
        if p.kind is CHOICE:
            return self.b.choice_of([self.apply_after(f, alt) for alt in p.alternatives])
        return self.b.not_allowed

    def _each(self, p: Pattern, f: Transform) -> Pattern:
        """``f`` over the alternatives of choice ``p``, joined again."""
        return self.b.choice_of([f(alt) for alt in p.alternatives])

    # -- start tags ----------------------------------------------------------------

    def start_tag_open(self, p: Pattern, name: QName, recover: bool = False) -> Pattern:
        """The derivative for the start of an element ``name``. With ``recover``, a
        required pattern of a group may be skipped (jing's "not allowed yet")."""
        table = self._open_recovering if recover else self.opened
        key = (p, name)
        found = table.get(key)
        if found is None:
            found = self._start_tag_open(p, name, recover)
            table[key] = found
        return found

    def _start_tag_open(self, p: Pattern, name: QName, recover: bool) -> Pattern:
        b = self.b
        kind = p.kind
        if kind is CHOICE:
            return self._each(p, lambda x: self.start_tag_open(x, name, recover))
        if kind is ELEMENT:
            assert p.names is not None
            if p.names.contains(name):
                return b.after(b.content(p), b.empty)
            return b.not_allowed
        left, right = p.left, p.right
        if kind is GROUP:
            assert left is not None and right is not None
            out = self.apply_after(
                lambda x: b.group(x, right), self.start_tag_open(left, name, recover)
            )
            if left.nullable or recover:
                out = b.choice(out, self.start_tag_open(right, name, recover))
            return out
        if kind is INTERLEAVE:
            assert left is not None and right is not None
            return b.choice(
                self.apply_after(
                    lambda x: b.interleave(x, right), self.start_tag_open(left, name, recover)
                ),
                self.apply_after(
                    lambda x: b.interleave(left, x), self.start_tag_open(right, name, recover)
                ),
            )
        if kind is ONE_OR_MORE:
            assert left is not None
            return self.apply_after(
                lambda x: b.group(x, b.optional(p)), self.start_tag_open(left, name, recover)
            )
        if kind is AFTER:
            assert left is not None and right is not None
            return self.apply_after(
                lambda x: b.after(x, right), self.start_tag_open(left, name, recover)
            )
        return b.not_allowed

    def find_element(self, name: QName) -> Pattern:
        """The content of every element pattern for ``name`` anywhere in the schema:
        where jing goes on when an element is out of its context."""
        found = self._found.get(name)
        if found is None:
            found = self.b.not_allowed
            for el in self.b.element_patterns():
                assert el.names is not None
                if el.names.contains(name):
                    found = self.b.choice(found, self.b.content(el))
            self._found[name] = found
        return found

    # -- attributes ----------------------------------------------------------------

    def attribute(self, p: Pattern, name: QName) -> Pattern:
        """The derivative for an attribute's name, refusing at once a name that no
        attribute pattern of ``p`` names. Why: an unknown attribute (``@rnd``, a
        typo, or 10^4 of them on one element) otherwise walks every attribute pattern
        the element allows (~300 under tei_all) to find what the set of names says."""
        names = self._attribute_names.get(p)
        if names is None:
            names = self._attribute_names[p] = _attribute_names(p)
        if names is not _ANY_NAME and name not in names:
            return self.b.not_allowed
        return self.start_attribute(p, name)

    def start_attribute(self, p: Pattern, name: QName) -> Pattern:
        """The derivative for an attribute's name: ``after(value pattern, rest)``."""
        key = (p, name)
        found = self.attributes.get(key)
        if found is None:
            found = self._start_attribute(p, name)
            self.attributes[key] = found
        return found

    def _start_attribute(self, p: Pattern, name: QName) -> Pattern:
        b = self.b
        kind = p.kind
        if kind is CHOICE:
            return self._each(p, lambda x: self.start_attribute(x, name))
        if kind is ATTRIBUTE:
            assert p.names is not None and p.left is not None
            return b.after(p.left, b.empty) if p.names.contains(name) else b.not_allowed
        left, right = p.left, p.right
        if kind in (GROUP, INTERLEAVE):
            assert left is not None and right is not None
            make = b.group if kind is GROUP else b.interleave
            return b.choice(
                self.apply_after(lambda x: make(x, right), self.start_attribute(left, name)),
                self.apply_after(lambda x: make(left, x), self.start_attribute(right, name)),
            )
        if kind is ONE_OR_MORE:
            assert left is not None
            return self.apply_after(
                lambda x: b.group(x, b.optional(p)), self.start_attribute(left, name)
            )
        if kind is AFTER:
            assert left is not None and right is not None
            return self.apply_after(lambda x: b.after(x, right), self.start_attribute(left, name))
        return b.not_allowed

    def start_tag_close(self, p: Pattern, forgive: bool = False) -> Pattern:
        """The derivative for the end of a start tag: attributes still required are
        missing (``notAllowed``), or with ``forgive`` taken as given (jing's recovery)."""
        table = self._close_forgiving if forgive else self.closed
        found = table.get(p)
        if found is None:
            found = self._start_tag_close(p, forgive)
            table[p] = found
        return found

    def _start_tag_close(self, p: Pattern, forgive: bool) -> Pattern:
        b = self.b
        kind = p.kind
        if kind is CHOICE:
            return self._each(p, lambda x: self.start_tag_close(x, forgive))
        if kind is ATTRIBUTE:
            return b.empty if forgive else b.not_allowed
        left, right = p.left, p.right
        if kind in (GROUP, INTERLEAVE, AFTER):
            assert left is not None and right is not None
            make = {GROUP: b.group, INTERLEAVE: b.interleave, AFTER: b.after}[kind]
            second = right if kind is AFTER else self.start_tag_close(right, forgive)
            return make(self.start_tag_close(left, forgive), second)
        if kind is ONE_OR_MORE:
            assert left is not None
            return b.one_or_more(self.start_tag_close(left, forgive))
        return p

    # -- text and values -----------------------------------------------------------

    def mixed_text(self, p: Pattern) -> Pattern:
        """The derivative for non-blank text among elements: only ``text`` takes it."""
        found = self.mixed.get(p)
        if found is None:
            found = self._text(p, None, None)
            self.mixed[p] = found
        return found

    def text(self, p: Pattern, value: str, cx: Context) -> Pattern:
        """The derivative for a string matched as data (attribute values, elements
        whose content is a datatype)."""
        return self._text(p, value, cx)

    def _text(self, p: Pattern, value: str | None, cx: Context | None) -> Pattern:
        """The text derivative; mixed text (``value`` None) recurses through the memo
        of :meth:`mixed_text`, a value (matched per value) through this function."""
        b = self.b
        kind = p.kind
        if kind is TEXT:
            return p
        sub: Transform = (
            self.mixed_text if value is None or cx is None else lambda x: self._text(x, value, cx)
        )
        if kind is CHOICE:
            return self._each(p, sub)
        left, right = p.left, p.right
        if kind is GROUP:
            assert left is not None and right is not None
            out = b.group(sub(left), right)
            return b.choice(out, sub(right)) if left.nullable else out
        if kind is INTERLEAVE:
            assert left is not None and right is not None
            return b.choice(b.interleave(sub(left), right), b.interleave(left, sub(right)))
        if kind is ONE_OR_MORE:
            assert left is not None
            return b.group(sub(left), b.optional(p))
        if kind is AFTER:
            assert left is not None and right is not None
            return b.after(sub(left), right)
        if value is None or cx is None:
            return b.not_allowed  # data, value and list take no mixed text
        return b.empty if self.data_matches(p, value, cx) else b.not_allowed

    def data_matches(self, p: Pattern, value: str, cx: Context) -> bool:
        """Whether a ``data``, ``value`` or ``list`` pattern accepts ``value``."""
        if p.kind is VALUE:
            assert p.datatype is not None
            return equal(p.datatype, p.value, value, cx)
        if p.kind is DATA:
            assert p.datatype is not None
            if not allows(p.datatype, value, cx):
                return False
            return p.left is None or not self.value_matches(p.left, value, cx)
        if p.kind is LIST:
            assert p.left is not None
            q = p.left
            for token in value.split():
                q = self._text(q, token, cx)
            return q.nullable
        return False

    def value_matches(self, p: Pattern, value: str, cx: Context) -> bool:
        """RelaxNG's ``valueMatch``: an attribute value or typed content fits ``p``."""
        return (p.nullable and not value.strip()) or self._text(p, value, cx).nullable

    def after_value(self, p: Pattern, value: str, cx: Context) -> Pattern:
        """After an attribute's name (``after(value pattern, rest)``), its value: the
        rest when the value fits, else ``notAllowed``. Memoised per value: a corpus
        repeats its attribute values; a value with a colon may be a QName, whose
        meaning depends on the element's namespaces, so it is not memoised."""
        if ":" in value:
            return self._after_value(p, value, cx)
        key = (p, value)
        found = self.values.get(key)
        if found is None:
            found = self._after_value(p, value, cx)
            self.values[key] = found
        return found

    def _after_value(self, p: Pattern, value: str, cx: Context) -> Pattern:
        b = self.b
        if p.kind is CHOICE:
            return self._each(p, lambda x: self._after_value(x, value, cx))
        if p.kind is AFTER:
            assert p.left is not None and p.right is not None
            return p.right if self.value_matches(p.left, value, cx) else b.not_allowed
        return b.not_allowed

    def text_only(self, p: Pattern) -> Pattern:
        """``p`` with elements removed: typed content is checked as data alone."""
        b = self.b
        if p.kind is ELEMENT:
            return b.not_allowed
        if p.kind is CHOICE:
            return self._each(p, self.text_only)
        if p.left is None:
            return p
        left = self.text_only(p.left)
        if p.kind is AFTER:
            assert p.right is not None
            return b.after(left, p.right)
        if p.kind in (GROUP, INTERLEAVE):
            assert p.right is not None
            make = b.group if p.kind is GROUP else b.interleave
            return make(left, self.text_only(p.right))
        if p.kind is ONE_OR_MORE:
            return b.one_or_more(left)
        return p

    # -- end tags ------------------------------------------------------------------

    def end_tag(self, p: Pattern) -> Pattern:
        """The derivative for an end tag: what follows, if the content is complete."""
        found = self.ended.get(p)
        if found is None:
            if p.kind is CHOICE:
                found = self._each(p, self.end_tag)
            elif p.kind is AFTER:
                assert p.left is not None and p.right is not None
                found = p.right if p.left.nullable else self.b.not_allowed
            else:
                found = self.b.not_allowed
            self.ended[p] = found
        return found

    def recover_after(self, p: Pattern) -> Pattern:
        """What follows the current element whatever its content: jing's way on after
        an incomplete element or a bad value."""
        if p.kind is AFTER:
            assert p.right is not None
            return p.right
        if p.kind is CHOICE:
            return self._each(p, self.recover_after)
        return self.b.not_allowed

    def empty_after(self, p: Pattern) -> Pattern:
        """``p`` with what follows the current element made ``empty``: tells an error
        of this element from one only inherited from its parent's state."""
        if p.kind is AFTER:
            assert p.left is not None
            return self.b.after(p.left, self.b.empty)
        if p.kind is CHOICE:
            return self._each(p, self.empty_after)
        return p

    def typed(self, state: Pattern) -> bool:
        """Whether the content now starting is a datatype (no element, no ``text``
        can come first): jing then checks all of its text as one value."""
        found = self.typed_content.get(state)
        if found is None:
            data, other = self._content_kind(state)
            found = self.typed_content[state] = data and not other
        return found

    def id_kind(self, after: Pattern) -> str:
        """``ID``/``IDREF``/``IDREFS`` when the attribute value patterns now expected
        (the left sides of ``after``, the state after an attribute's name) are of that
        type, else ''."""
        found = self.id_kinds.get(after)
        if found is None:
            found = ""
            for alt in after.alternatives if after.kind is CHOICE else (after,):
                p = alt.left if alt.kind is AFTER else None
                if p is not None and p.kind is DATA and p.datatype is not None:
                    found = is_id_type(p.datatype)
                    if found:
                        break
            self.id_kinds[after] = found
        return found

    def _content_kind(self, p: Pattern) -> tuple[bool, bool]:
        """(some data/value/list, some element or text) in what ``p`` expects now."""
        found = self._kinds.get(p)
        if found is not None:
            return found
        if p.kind in (DATA, VALUE, LIST):
            found = (True, False)
        elif p.kind in (ELEMENT, TEXT):
            found = (False, True)
        else:
            parts: tuple[Pattern | None, ...] = (
                p.alternatives
                if p.kind is CHOICE
                else ((p.left,) if p.kind is AFTER or p.right is None else (p.left, p.right))
            )
            kinds = [
                self._content_kind(q) for q in parts if q is not None and p.kind is not ATTRIBUTE
            ]
            found = (any(k[0] for k in kinds), any(k[1] for k in kinds))
        self._kinds[p] = found
        return found

    def size(self) -> int:
        """How many derivatives are memoised: a long-running process starts afresh
        past a bound rather than grow without one."""
        opened = len(self.opened) + len(self._open_recovering)
        closed = len(self.closed) + len(self._close_forgiving)
        return opened + closed + len(self.attributes) + len(self.ended) + len(self.values)


#: :func:`_attribute_names` of a pattern with a wildcard attribute (``anyName``,
#: ``nsName``): any name may match, the set cannot tell.
_ANY_NAME: frozenset[QName] = frozenset({QName("*", "*")})


def _attribute_names(p: Pattern) -> frozenset[QName]:
    """The names of the attribute patterns an attribute of ``p`` could match first
    (not inside elements, which are the content), or :data:`_ANY_NAME`."""
    found: set[QName] = set()
    todo, seen = [p], set()
    while todo:
        q = todo.pop()
        if q in seen:
            continue
        seen.add(q)
        if q.kind is ATTRIBUTE:
            assert q.names is not None
            listed = q.names.names()
            if not _only_names(q.names):
                return _ANY_NAME
            found.update(listed)
        elif q.kind is CHOICE:
            todo.extend(q.alternatives)
        elif q.kind in (GROUP, INTERLEAVE):
            assert q.left is not None and q.right is not None
            todo.extend((q.left, q.right))
        elif q.kind in (ONE_OR_MORE, AFTER):
            assert q.left is not None
            todo.append(q.left)
    return frozenset(found)


def _only_names(nc: NameClass) -> bool:
    """Whether name class ``nc`` is made of exact names only (no ``anyName``/``nsName``)."""
    if nc.kind == "name":
        return True
    if nc.kind == "choice":
        assert nc.left is not None and nc.right is not None
        return _only_names(nc.left) and _only_names(nc.right)
    return False

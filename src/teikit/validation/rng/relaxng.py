"""The RelaxNG engine: libxml2 (lxml) gives the verdict, the derivative walk the errors.

Why both: libxml2 validates a valid document fastest, against a grammar reduced to the
names documents use (:mod:`.grammar`); its error log says little and sometimes wrongly,
so an invalid document is walked (:mod:`.validator`) and its errors worded as jing
finds them (:mod:`.explain`). Which goes first is a bet on the costs measured in the
process (:meth:`RelaxNG._walk_first`, :meth:`RelaxNG._expect_invalid`). libxml2's own
report (:mod:`.libxml`) remains for schemas the walk does not take.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit.diagnostics import Diagnostic, TeikitError
from teikit.namespaces import XML
from teikit.validation.compiled import compiled
from teikit.validation.rng import libxml, usage
from teikit.validation.rng.grammar import Grammar, Indexed
from teikit.validation.rng.grammar import index as grammar_index
from teikit.validation.rng.hazards import refuse_loops
from teikit.validation.rng.usage import Pairs
from teikit.validation.schema_reach import refuse_outside

if TYPE_CHECKING:
    from teikit.document import Document
    from teikit.validation.rng.derivative import Derivatives

#: Attributes documents carry: (element, attribute) Clark names.
#: Compiled reduced grammars kept per schema (one per element set met, most recent last).
MEMO_SIZE = 64
#: Most element names a grammar reduced for several documents at once may keep.
UNION_LIMIT = 250
#: Elements up to which a document is walked before a grammar is compiled for its names
#: once the union of names is full (each such document would compile a grammar of its own).
WALK_FIRST_FULL = 5000
#: What a walk costs per element and a compile costs, in seconds, until measured (the
#: walk ~5–20 µs an element, a reduced grammar 10–300 ms with the size of the union), and
#: the one-off cost of the derivative engine (its import and the schema's patterns).
WALK_PER_ELEMENT = 1e-5
COMPILE_SECONDS = 0.05
WALK_SETUP_SECONDS = 0.15
#: Patterns the derivative walk may accumulate before its memo tables start afresh.
MEMO_PATTERNS = 2_000_000
#: Folders whose last verdict is remembered (all are forgotten at once past this).
NEIGHBOURS = 4096


class RelaxNG:
    """A RelaxNG schema; compile once per process, validate many documents.

    For a schema :mod:`teikit.validation.rng.grammar` can reduce (tei_all and other
    single-file grammars), each document is validated against the grammar reduced to
    the element names it uses, compiled once per element set; when a document is
    invalid, :meth:`_explain` walks it through the schema's derivatives
    (:mod:`.validator`) to find every error as jing does and word it (:mod:`.explain`).
    Other schemas are compiled whole, once.
    """

    def __init__(self, path: Path, data: bytes, sha256: str) -> None:
        self.path = path
        self.sha256 = sha256
        self._data = data
        self._grammar: Indexed = grammar_index(data, sha256, str(path))
        self._full: etree.RelaxNG | None = None
        self._memo: OrderedDict[frozenset[str], etree.RelaxNG] = OrderedDict()
        #: None until first needed, False when the builder does not take the schema.
        self._derivs: Derivatives | None | bool = None
        self._walk_lock = threading.Lock()
        #: declared element names and their namespaces; declared attribute names
        self._elements: tuple[frozenset[str], frozenset[str]] | None = None
        self._attributes: frozenset[str] | None = None
        self._lock = threading.Lock()
        self._met: frozenset[str] = frozenset()
        self._met_pairs: Pairs = frozenset()
        #: (element names, attributes per element, compiled) per reduced grammar, newest last.
        self._reduced: list[tuple[frozenset[str], Pairs, etree.RelaxNG]] = []
        #: documents found valid and invalid so far (one each to start: no evidence is an
        #: even bet), and the measured cost of a walk per element and of a compile
        self._valid, self._invalid = 1, 1
        self._walk_rate = WALK_PER_ELEMENT
        self._compile_cost = COMPILE_SECONDS
        #: the last walk's seconds; the mean seconds of a walk and of a failed check
        self._last_walk = 0.0
        self._walks, self._fails = _Mean(), _Mean()
        #: whether the last document validated from each folder was invalid
        self._neighbours: dict[Path, bool] = {}
        #: large valid files that failed the widest grammar only for lacking names
        self._large_misses = 0

    @classmethod
    def compile(cls, path: str | Path) -> RelaxNG:
        """The schema at ``path``, compiled once per process and schema version in the
        compile cache the engines share (:mod:`teikit.validation.compiled`): an edited
        schema is indexed again, an unchanged one is found by its file status without
        reading and hashing 1 MB again."""
        p = Path(path)
        try:
            return compiled("rng", p, lambda data: cls._build(p, data))
        except OSError as exc:
            raise libxml.invalid(p, f"cannot be read: {exc.strerror}") from None

    @classmethod
    def _build(cls, path: Path, data: bytes) -> RelaxNG:
        """The engine for the schema ``data`` read from ``path``: its grammar indexed,
        and compiled whole by libxml2 when it cannot be reduced per document."""
        try:
            found = cls(path, data, hashlib.sha256(data).hexdigest())
        except etree.XMLSyntaxError as exc:
            raise libxml.invalid(path, f"is not well-formed XML: {exc}") from None
        if not found._grammar.reducible:
            refuse_outside(path, data)
            refuse_loops(path, data)
            found._full = libxml.compile_bytes(data, path)
        return found

    def _reducible(self) -> Grammar:
        """The reducible grammar (callers are on the reduced path: ``_full`` is None)."""
        if not isinstance(self._grammar, Grammar):
            raise TeikitError(f"The RelaxNG schema {self.path} is compiled whole.")
        return self._grammar

    @property
    def reducible(self) -> bool:
        """Whether documents are validated against per-document reduced grammars."""
        return self._grammar.reducible

    def _validator(self, present: frozenset[str]) -> etree.RelaxNG:
        """The grammar reduced to exactly the element set ``present``, compiled."""
        if self._full is not None:
            return self._full
        key = present
        with self._lock:
            found = self._memo.get(key)
            if found is not None:
                self._memo.move_to_end(key)
                return found
        compiled = libxml.compile_tree(self._reducible().reduced_tree(present), self.path)
        with self._lock:
            self._memo[key] = compiled
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return compiled

    def _check(
        self, schema: etree.RelaxNG, target: etree._ElementTree | etree._Element
    ) -> list[etree._LogEntry] | None:
        """None when ``target`` is valid, else libxml2's log entries."""
        with self._lock:  # an lxml validator keeps its error log on the object
            if schema.validate(target):
                return None
            return list(schema.error_log)

    def _widest(self) -> tuple[frozenset[str], Pairs, etree.RelaxNG] | None:
        """The reduced grammar compiled last: each is reduced to the union of all
        element and attribute names met before, so it is the widest one."""
        with self._lock:
            return self._reduced[-1] if self._reduced else None

    def _covering(self, present: frozenset[str], pairs: Pairs) -> etree.RelaxNG:
        """A compiled reduced grammar exact for a document with elements ``present``
        and attributes ``pairs`` (element and attribute name, see :func:`_names`).

        Any grammar reduced to *supersets* of these is exact too (a name a document
        lacks cannot matter), so one already compiled is reused when it covers them;
        otherwise the grammar is reduced to them together with every name this
        process has met so far (up to :data:`UNION_LIMIT` element names). In a corpus
        run the union stops growing after a few files, and from then on each file
        costs one validation and no compile.
        """
        if self._full is not None:
            return self._full
        with self._lock:
            for names, held, compiled in reversed(self._reduced):
                if present <= names and pairs <= held:
                    return compiled
            if len(present | self._met) <= UNION_LIMIT:
                present, pairs = present | self._met, pairs | self._met_pairs
            self._met, self._met_pairs = self._met | present, self._met_pairs | pairs
        began = time.thread_time()
        on: dict[str, set[str]] = {}
        for element, attribute in pairs:
            on.setdefault(element, set()).add(attribute)
        reduced = self._reducible().reduced_tree(
            present, usage.attributes(pairs), {e: frozenset(a) for e, a in on.items()}
        )
        compiled = libxml.compile_tree(reduced, self.path)
        with self._lock:
            self._compile_cost = time.thread_time() - began
            self._reduced.append((present, pairs, compiled))
            del self._reduced[:-MEMO_SIZE]
        return compiled

    def expect(self, docs: list[Document]) -> None:
        """Compile, once, a grammar reduced for all of ``docs`` (and every name met
        before): a batch that announces its documents saves a compile per new name."""
        if self._full is not None or not docs:
            return
        found = [usage.names(d.root) for d in docs]
        self._covering(
            frozenset().union(*(e for e, _ in found)), frozenset().union(*(a for _, a in found))
        )

    def validate(self, doc: Document) -> list[Diagnostic]:
        """Every RelaxNG error in ``doc`` as a located Diagnostic (empty when valid).

        A reduced grammar matches a subset of what the full one matches (only
        patterns were turned into ``notAllowed``), so a document valid against the
        widest grammar compiled so far is valid, full stop: that check needs no walk
        over the document's names. Only a failure needs the exact element and
        attribute names, to tell a real error from a name the grammar was not reduced
        for.
        """
        if self._full is not None:
            entries = self._check(self._full, doc.tree)
            return (
                [] if entries is None else (self._explain(doc) or libxml.diagnostics(entries, doc))
            )
        folder = doc.path.parent if doc.path else None
        if self._expect_invalid(folder):
            found = self._explain(doc)
            if not _decisive(found):
                found = self._judged(doc, found)
            else:
                self._invalid += 1
        else:
            found = self._judged(doc, None)
        if folder is not None:
            with self._lock:
                if len(self._neighbours) >= NEIGHBOURS:
                    self._neighbours.clear()
                self._neighbours[folder] = bool(found)
        return found

    def _judged(self, doc: Document, walked: list[Diagnostic] | None) -> list[Diagnostic]:
        """libxml2's verdict on ``doc`` through the reduced grammars, and when it is
        invalid the walk's errors (``walked``: what the walk found, if it has run).

        libxml2 decides the verdict: a walk that found errors is taken as the verdict
        only when one of them is structural (:func:`_decisive`), where both follow
        RelaxNG to the letter; datatype facets are where implementations differ.
        """
        widest = self._widest()
        checked = widest is not None and walked is None and not self._names_first(doc)
        if checked and widest is not None:
            began = time.thread_time()
            entries = self._check(widest[2], doc.tree)
            if entries is None:
                self._valid += 1
                return []
            self._fails.add(time.thread_time() - began)
            if walked is None and self._cheap_walk(doc):
                # Most documents that fail this check are invalid, and the walk says
                # so before their names are gathered (names only tell a valid
                # document with new names from an invalid one).
                walked = self._explain(doc, measure=True)
                if _decisive(walked):
                    self._invalid += 1
                    return walked
        present, pairs = usage.names(doc.root)
        if widest is None or not (present <= widest[0] and pairs <= widest[1]):
            # No compiled grammar covers this document's names: it is invalid, or
            # valid with new names. When walking it is the better bet (see
            # _walk_first), the walk tells, and a compile follows only if it finds
            # nothing: an invalid document then costs no compile at all.
            first = widest is None
            if walked is None and self._walk_first(doc, present, usage.attributes(pairs), first):
                walked = self._explain(doc, measure=True)
                if _decisive(walked):
                    self._invalid += 1
                    return walked
            entries = self._check(self._covering(present, pairs), doc.tree)
            if entries is None:
                self._valid += 1
                if checked and usage.large(doc):  # it failed the widest for names alone
                    self._large_misses += 1
                return []
        elif not checked:
            # Walked (values at fault) or names gathered first (_names_first): the
            # widest grammar, now that it is known to cover the document.
            entries = self._check(widest[2], doc.tree)
            if entries is None:
                self._valid += 1
                return []
        self._invalid += 1
        found = self._explain(doc) if walked is None else walked
        if found:
            return found
        # libxml2's own report, from the grammar reduced to exactly this document's names:
        # the wider grammars above give the same verdict, but their wording would depend
        # on which documents this process happened to validate before
        own = self._check(self._validator(present), doc.tree)
        return libxml.diagnostics(own or entries or [], doc)

    def _names_first(self, doc: Document) -> bool:
        """Whether to gather ``doc``'s names before libxml2 checks it through the widest
        grammar: for a large file (:data:`.usage.LARGE_BYTES`) that is the first of its
        folder, or once a large valid file of this run failed that grammar only for
        lacking names. Such a grammar fails at every use of a name it lacks (~0.7 ms
        an error: 16,679 errors and 12 s of CPU for the valid 2.5 MB FreeDict oci-cat
        after the smaller dictionaries); the names cost about one check (0.05 s on
        2.5 MB), paid in a corpus of large files sharing a folder by its first only."""
        path = doc.path
        if path is None or not usage.large(doc):
            return False
        with self._lock:
            return self._large_misses > 0 or path.parent not in self._neighbours

    def _expect_invalid(self, folder: Path | None) -> bool:
        """Whether to walk the next document (in ``folder``) before libxml2 checks it:
        the walk finds every error of an invalid document anyway, so the check only
        pays on valid ones.

        The last document validated from the same folder decides when there is one:
        a project's errors are systematic (one template, one header, one habit of
        encoding), so a file's verdict is that of its neighbour far more often than the
        run's odds say (10,000 generated files of three corpora, 13% invalid: the next
        file of a folder had its predecessor's verdict 9,593 times in 9,710). Otherwise
        walk first when P(valid) x walk < P(invalid) x failed check, with the mean
        costs measured in this process (none yet: check first). A run over invalid
        files then skips the check; a valid corpus never walks.

        Why means of CPU time: the costs were once the last document's wall time, and
        one check slowed by a busy machine made the walk look cheap for much of a run
        (600 valid documents of 10,000 walked before their check)."""
        with self._lock:
            last = self._neighbours.get(folder) if folder is not None else None
            if last is not None:
                return last
            walk, fail = self._walks.value, self._fails.value
            return (
                walk is not None and fail is not None and self._valid * walk < self._invalid * fail
            )

    def _cheap_walk(self, doc: Document) -> bool:
        """Whether walking ``doc`` costs less than a compile, as measured: then a
        walk wasted on a valid document with new names costs little beside the
        compile that document needs anyway."""
        if self._derivs is False:
            return False
        with self._lock:
            return usage.size(doc.root) * self._walk_rate < self._compile_cost

    def _walk_first(
        self, doc: Document, present: frozenset[str], attrs: frozenset[str], first: bool
    ) -> bool:
        """Whether to walk ``doc`` before compiling a grammar for its names.

        Yes for a name the schema declares nowhere (almost surely an error), and for a
        fairly small document once the union of names met is full (the compile would
        serve this document alone). Otherwise it is a bet, taken on the costs measured
        in this process: walking first wastes the walk on a valid document, compiling
        first wastes the compile on an invalid one (it is walked anyway). So walk first
        when P(valid) x walk < P(invalid) x compile, with P from the verdicts so far:
        a run over invalid files compiles once or twice, a valid corpus stops walking first
        after its first few files, and the derivative engine's one-off setup counts
        against the first walk (a single valid file never pays it).
        """
        if self._strange_elements(present):
            return True
        if first or self._derivs is False:
            return False
        if self._strange_attributes(attrs):
            return True
        size = usage.size(doc.root)
        with self._lock:
            full = len(present | self._met) > UNION_LIMIT
            walk = size * self._walk_rate + (0.0 if self._derivs else WALK_SETUP_SECONDS)
            bet = self._valid * walk < self._invalid * self._compile_cost
        return bet or (full and size <= WALK_FIRST_FULL)

    def _strange_elements(self, present: frozenset[str]) -> bool:
        """Whether the document uses an element name, in a namespace the schema
        declares elements in, that the schema declares nowhere (wildcards aside)."""
        if self._elements is None:
            elements = self._reducible().element_names()
            self._elements = (elements, frozenset(usage.namespace(e) for e in elements))
        elements, spaces = self._elements
        return any(e not in elements and usage.namespace(e) in spaces for e in present)

    def _strange_attributes(self, attrs: frozenset[str]) -> bool:
        """Whether the document uses an unqualified or ``xml:`` attribute name the
        schema declares nowhere (wildcards aside)."""
        if self._attributes is None:
            self._attributes = self._reducible().attribute_names()
        return any(a not in self._attributes and usage.namespace(a) in ("", XML) for a in attrs)

    # -- explanation ------------------------------------------------------------------

    def _derivatives(self) -> Derivatives | None:
        """The schema as patterns for the derivative walk, built on first need; None
        for a schema the pattern builder does not take (a remote ``include``…), even
        made one grammar (:mod:`.flatten`). Imported here: a run over valid documents
        never needs the walk, nor its import time."""
        from teikit.validation.rng.derivative import Derivatives
        from teikit.validation.rng.flatten import builder
        from teikit.validation.rng.patterns import SchemaError

        with self._lock:
            if self._derivs is None:
                try:
                    self._derivs = Derivatives(builder(self._data, self.path))
                except (SchemaError, etree.XMLSyntaxError):
                    self._derivs = False
            elif isinstance(self._derivs, Derivatives) and (self._derivs.size() > MEMO_PATTERNS):
                self._derivs = Derivatives(builder(self._data, self.path))
            return self._derivs if isinstance(self._derivs, Derivatives) else None

    def _explain(self, doc: Document, measure: bool = False) -> list[Diagnostic]:
        """Every error of an invalid ``doc`` as jing finds them, worded by
        :mod:`.explain`, with line and column of each offending tag; with ``measure``,
        the walk's cost per element is kept for :meth:`_walk_first`."""
        from teikit.validation.rng import positions
        from teikit.validation.rng.explain import Explainer
        from teikit.validation.rng.validator import walk

        d = self._derivatives()
        if d is None:
            return []
        with self._walk_lock:  # the memo tables are shared and not thread-safe
            began = time.thread_time()
            findings = walk(d, doc.root)
            self._last_walk = time.thread_time() - began
            self._walks.add(self._last_walk)
            if measure:
                self._walk_rate = self._last_walk / max(usage.size(doc.root), 1)
            if not findings:
                return []
            where = positions.of_file(doc.path, doc.root)
            return Explainer(d, where, str(doc.path) if doc.path else "").diagnostics(findings)


class _Mean:
    """A running mean of measured seconds (None before the first)."""

    __slots__ = ("_count", "_total")

    def __init__(self) -> None:
        self._total, self._count = 0.0, 0

    def add(self, seconds: float) -> None:
        self._total += seconds
        self._count += 1

    @property
    def value(self) -> float | None:
        return self._total / self._count if self._count else None


#: Rule codes of errors in the document's structure (names, places, required parts):
#: libxml2 and the walk agree on these to the letter, so the walk's word is the verdict.
_STRUCTURAL = frozenset(
    (
        "rng:element-not-allowed",
        "rng:element-missing",
        "rng:attribute-not-allowed",
        "rng:attribute-missing",
        "rng:text-not-allowed",
    )
)


def _decisive(found: list[Diagnostic]) -> bool:
    """Whether the walk's findings make ``doc`` invalid without asking libxml2: one
    of them is structural (a value alone may be judged otherwise by libxml2)."""
    return any(d.rule in _STRUCTURAL for d in found)

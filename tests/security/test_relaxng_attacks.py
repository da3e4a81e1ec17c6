"""A RelaxNG schema reads only its own folder tree: whatever way its ``include`` or
``externalRef`` points elsewhere (an absolute path, ``..``, a ``file:`` URL, an
``xml:base``, a file it includes in turn, the network), the schema is refused with a
located ``schema:unsafe`` error before libxml2 reads anything, whether a document's PI
or ``--schema`` names it. The grammar outside declares the secret as an element name,
so a schema that read it would print the secret in its "expected" messages."""

from __future__ import annotations

import pytest

from tests.security.conftest import Attack, tei

RNG = 'xmlns="http://relaxng.org/ns/structure/1.0"'
#: A whole-compiled schema (externalRef) whose start needs the grammar ``href`` names.
EXTERNAL = (
    '<?xml version="1.0"?>\n<grammar {ns}>\n<start><element><anyName/>\n'
    '<externalRef href="{href}"{extra}/>\n</element></start></grammar>\n'
)
#: A schema with an include, whose own start needs what the included grammar defines.
INCLUDE = (
    '<?xml version="1.0"?>\n<grammar {ns}>\n<include href="{href}"{extra}/>\n'
    '<start><element><anyName/><ref name="stolen"/></element></start></grammar>\n'
)


def _outside_grammar(attack: Attack) -> str:
    """A grammar beside the project (not in it) that names the secret."""
    grammar = attack.folder.parent / "outside" / "stolen.rng"
    grammar.parent.mkdir(exist_ok=True)
    grammar.write_text(
        f'<grammar {RNG}><start><ref name="stolen"/></start>'
        f'<define name="stolen"><element name="{attack.secret}"><text/></element></define>'
        "</grammar>",
        encoding="utf-8",
    )
    return str(grammar)


def _cases(attack: Attack) -> dict[str, tuple[str, str, int]]:
    """name -> (schemas/main.rng's text, file and line of the reference refused)."""
    stolen = _outside_grammar(attack)
    up = "../../outside/stolen.rng"  # from project/schemas/
    return {
        "external-ref-absolute": (EXTERNAL.format(ns=RNG, href=stolen, extra=""), "main.rng", 4),
        "external-ref-dot-dot": (EXTERNAL.format(ns=RNG, href=up, extra=""), "main.rng", 4),
        "include-absolute": (INCLUDE.format(ns=RNG, href=stolen, extra=""), "main.rng", 3),
        "include-file-url": (
            INCLUDE.format(ns=RNG, href="file://" + stolen, extra=""),
            "main.rng",
            3,
        ),
        "include-percent-encoded-dot-dot": (
            INCLUDE.format(ns=RNG, href="%2E%2E/%2E%2E/outside/stolen.rng", extra=""),
            "main.rng",
            3,
        ),
        "include-through-xml-base": (
            INCLUDE.format(ns=RNG, href="stolen.rng", extra=' xml:base="../../outside/"'),
            "main.rng",
            3,
        ),
        "include-of-an-include": (
            INCLUDE.format(ns=RNG, href="inner.rng", extra=""),
            "inner.rng",
            2,
        ),
        "include-from-loopback": (
            INCLUDE.format(ns=RNG, href=f"{attack.loopback.url}/stolen.rng", extra=""),
            "main.rng",
            3,
        ),
    }


NAMES = [
    "external-ref-absolute",
    "external-ref-dot-dot",
    "include-absolute",
    "include-file-url",
    "include-percent-encoded-dot-dot",
    "include-through-xml-base",
    "include-of-an-include",
    "include-from-loopback",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("named_by", ["pi", "option"])
def test_a_schema_reading_outside_its_folder_is_refused(
    attack: Attack, name: str, named_by: str
) -> None:
    text, refused_in, line = _cases(attack)[name]
    attack.write("schemas/main.rng", text)
    # inside the schema's folder, but it includes the grammar outside
    attack.write(
        "schemas/inner.rng",
        f'<grammar {RNG}>\n<include href="../../outside/stolen.rng"/></grammar>',
    )
    pi = (
        '<?xml-model href="../schemas/main.rng" '
        'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    )
    attack.write("tei/doc.xml", tei(before=pi if named_by == "pi" else ""))
    args = ("--schema", "schemas/main.rng") if named_by == "option" else ()
    outcome = attack.run("validate", "-q", "--no-cache", *args, "tei/doc.xml")
    attack.assert_safe(outcome)
    assert (outcome.code, outcome.rules()) == (2, [(refused_in, line, "schema:unsafe")]), (
        outcome.output
    )


def test_a_schema_reading_its_own_folder_is_used(attack: Attack) -> None:
    attack.write("schemas/main.rng", EXTERNAL.format(ns=RNG, href="parts/part.rng", extra=""))
    attack.write("schemas/parts/part.rng", f'<element {RNG} name="nobody"><text/></element>')
    attack.write("tei/doc.xml", tei())
    outcome = attack.run("validate", "-q", "--no-cache", "--schema", "schemas/main.rng", "tei")
    attack.assert_safe(outcome)
    assert outcome.code == 1 and outcome.rules(), outcome.output
    assert all(rule.startswith("rng:") for _, _, rule in outcome.rules()), outcome.output

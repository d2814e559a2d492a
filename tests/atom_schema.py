"""RFC 4287's own schema, to hold the Atom feeds to: Appendix B of the RFC, its RELAX NG Compact
grammar (``tests/fixtures/rfc4287/atom.rnc``, the appendix's text as published), converted to
RELAX NG's XML syntax by rnc2rng at test time and compiled by lxml (libxml2), and the two
Schematron rules the grammar carries as annotations (a feed has an author unless each entry
has one; an entry has an alternate link or content), which RELAX NG alone does not check: each
rule as the RFC writes it (Schematron 1.5) made an ISO Schematron pattern of its own (two rules
share the context ``atom:entry``, and a pattern fires only the first rule a node matches), run
by lxml's ISO Schematron.
"""

from __future__ import annotations

import functools
from pathlib import Path

import rnc2rng
from lxml import etree, isoschematron

RNC = Path(__file__).resolve().parent / "fixtures" / "rfc4287" / "atom.rnc"
SCHEMATRON_NS = "http://www.ascc.net/xml/schematron"
ISO_SCHEMATRON_NS = "http://purl.oclc.org/dsdl/schematron"
ATOM_NS = "http://www.w3.org/2005/Atom"


def rng_text() -> str:
    """The grammar in RELAX NG's XML syntax. rnc2rng declares the RFC's ``namespace local = ""``
    as ``xmlns:local=""``, which XML Namespaces 1.0 forbid (a prefix cannot be bound to no
    namespace) and libxml2 refuses: the declaration goes; the grammar names the empty namespace
    by ``ns=""`` where it uses it, so nothing else changes."""
    rng: str = rnc2rng.dumps(rnc2rng.loads(RNC.read_text(encoding="utf-8")))
    lines = [line for line in rng.splitlines() if line.strip() != 'xmlns:local=""']
    return "\n".join(lines).replace(' xmlns:local=""', "")


def _iso(name: str) -> str:
    return f"{{{ISO_SCHEMATRON_NS}}}{name}"


@functools.cache
def _schemas() -> tuple[etree.RelaxNG, isoschematron.Schematron]:
    grammar = etree.fromstring(rng_text().encode("utf-8"))
    rules = grammar.findall(f".//{{{SCHEMATRON_NS}}}rule")
    assert len(rules) == 3, "the appendix's three Schematron rules"
    schema = etree.Element(_iso("schema"), nsmap={"sch": ISO_SCHEMATRON_NS})
    etree.SubElement(schema, _iso("ns"), prefix="atom", uri=ATOM_NS)
    for rule in rules:
        iso_rule = etree.SubElement(
            etree.SubElement(schema, _iso("pattern")), _iso("rule"), context=rule.get("context")
        )
        for check in rule.iterfind(f"{{{SCHEMATRON_NS}}}assert"):
            etree.SubElement(iso_rule, _iso("assert"), test=check.get("test")).text = check.text
    return etree.RelaxNG(grammar), isoschematron.Schematron(schema, store_report=True)


def problems(document: bytes) -> list[str]:
    """What RFC 4287's schema finds wrong with ``document`` (an Atom feed or entry): [] when valid."""
    tree = etree.fromstring(document)
    relax_ng, schematron = _schemas()
    found: list[str] = []
    if not relax_ng.validate(tree):
        found += [f"RELAX NG, line {e.line}: {e.message}" for e in relax_ng.error_log]
    if not schematron.validate(tree):
        report = schematron.validation_report
        failed = report.iterfind(".//{http://purl.oclc.org/dsdl/svrl}failed-assert")
        found += [f"Schematron: {' '.join(''.join(f.itertext()).split())}" for f in failed]
    return found

"""Parse a page once, into plain lxml elements.

Pure: no Scrapy import. The extractors take a parsel ``Selector``; this one is built as
parsel builds an HTML selector (libxml2's HTML parser, recovering, on the text stripped
of NUL bytes) but on ``lxml.etree`` elements rather than ``lxml.html``'s: lxml.html finds
the Python class of every element proxy by a Python lookup, which cost a third of the
extraction's time (issue 12), and the extractors use nothing of those classes.

>>> parse_html("<p>武汉</p>").xpath("//p/text()").get()
'武汉'
>>> parse_html("").root.tag
'html'
"""

from __future__ import annotations

from lxml import etree
from parsel import Selector

# One parser for the process: Scrapy's callbacks run on one thread.
_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)


def parse_html(text: str, base_url: str | None = None) -> Selector:
    """The page ``text`` as a ``Selector`` over an ``lxml.etree`` tree (see the module docstring)."""
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser=_PARSER, base_url=base_url)  # type: ignore[arg-type]
    if root is None:
        root = etree.fromstring(b"<html/>", parser=_PARSER, base_url=base_url)  # type: ignore[arg-type]
    return Selector(root=root, type="html")

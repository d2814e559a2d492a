"""Turn an HTML element into the paragraphs a reader sees.

Rules (for kinds of markup, not for one page):

* every block element (``<p>``, ``<div>``, headings, list items, table cells, …)
  starts and ends a paragraph; ``<br>`` ends a line; inline markup joins without
  added spaces;
* ``<script>``, ``<style>``, comments, form controls and hidden elements contribute
  nothing;
* a client-side template widget (an element whose text or attributes hold
  template placeholders or framework directives, such as the 一周热门 hot list)
  contributes nothing, and neither does its short heading.

No Scrapy import: works on any lxml element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.etree import _Comment, _Element, _ProcessingInstruction

from govnews.text import collapse_whitespace

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "button",
        "select",
        "option",
        "textarea",
        "input",
        "svg",
        "canvas",
        "audio",
        "video",
        "map",
        "head",
        "title",
        "meta",
        "link",
    ]
)

# Client-side template placeholders in text: {{ … }}, {% … %}, <% … %>, ${ … }.
TEMPLATE_TEXT_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|\$\{.*?\}", re.S)
# Framework directives that mark an element as browser-rendered (Vue, Angular, Alpine, …).
_DIRECTIVE_ATTR_RE = re.compile(r"^(?:v-(?:for|if|else|show|html|text|bind|model)|ng-|x-for|x-text|:[a-z]|@[a-z])")
# A widget heading is a short bare label (一周热门, 热点排行): words only, no punctuation,
# so that a credit line such as 【责任编辑：李四】 before a widget is never taken for one.
_WIDGET_LABEL_RE = re.compile(r"^[\w ]{1,12}$")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _text_without(el: _Element, skip: _Element | None = None) -> str:
    """The text of ``el`` without ``skip``'s subtree (its tail stays: it belongs to the
    parent), without script/style, and with template placeholders removed."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child is not skip and child.tag not in SKIP_TAGS:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return collapse_whitespace(TEMPLATE_TEXT_RE.sub("", "".join(parts)))


def _is_descendant(node: _Element, ancestor: _Element) -> bool:
    parent = node.getparent()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.getparent()
    return False


def text_of(el: _Element) -> str:
    """All the text inside ``el`` (comments excluded), like lxml.html's ``text_content``."""
    return "".join(str(text) for text in el.itertext())


def is_widget_label(text: str) -> bool:
    """A short heading such as 一周热门: a few word characters, no punctuation."""
    return bool(_WIDGET_LABEL_RE.match(text))


def template_widgets(root: _Element) -> list[_Element]:
    """The elements under ``root`` that are client-side template widgets, each widened
    to the wrapper that holds only it and its heading, plus a heading placed as the
    widget's previous sibling."""
    marked: list[_Element] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el is root:
            continue
        if any(el is m or _is_descendant(el, m) for m in marked):
            continue
        if not _directly_templated(el):
            continue
        widget = el
        # Widen to ancestors whose remaining text is no more than a label.
        parent = widget.getparent()
        while parent is not None and parent is not root:
            rest = _text_without(parent, widget)
            if rest and not is_widget_label(rest):
                break
            widget = parent
            parent = widget.getparent()
        marked.append(widget)
        previous = widget.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is not None and previous.tag not in SKIP_TAGS:
            label = collapse_whitespace(text_of(previous))
            if label and is_widget_label(label) and len(list(previous.iter())) <= 3:
                marked.append(previous)
    return marked


def _directly_templated(el: _Element) -> bool:
    """A browser-rendered element: framework directives, or placeholders with no more
    than a label around them. Prose with a placeholder inside stays prose (the template
    residue pipeline strips the placeholder)."""
    if any(_DIRECTIVE_ATTR_RE.match(str(name)) for name in el.attrib):
        return True
    if not (el.text and TEMPLATE_TEXT_RE.search(el.text)):
        return False
    rest = _text_without(el)
    return not rest or is_widget_label(rest)


def is_hidden(el: _Element) -> bool:
    return bool(_HIDDEN_STYLE_RE.search(el.get("style", ""))) or el.get("hidden") is not None


def iter_lines(root: _Element, skip: set[_Element] | frozenset[_Element] = frozenset()) -> Iterator[str]:
    """Raw text lines of ``root`` split at block boundaries and ``<br>``."""
    buffer: list[str] = []

    def flush() -> Iterator[str]:
        if buffer:
            yield "".join(buffer)
            buffer.clear()

    def walk(el: _Element) -> Iterator[str]:
        for child in el:
            if isinstance(child, _Comment | _ProcessingInstruction) or not isinstance(child.tag, str):
                if child.tail:
                    buffer.append(child.tail)
                continue
            tag = child.tag.lower()
            if child in skip or tag in SKIP_TAGS or is_hidden(child):
                pass
            elif tag == "br":
                yield from flush()
            elif tag in BLOCK_TAGS:
                yield from flush()
                if child.text:
                    buffer.append(child.text)
                yield from walk(child)
                yield from flush()
            else:
                if child.text:
                    buffer.append(child.text)
                yield from walk(child)
            if child.tail:
                buffer.append(child.tail)

    if root.text:
        buffer.append(root.text)
    yield from walk(root)
    yield from flush()


def paragraphs_of(root: _Element, skip: set[_Element] | frozenset[_Element] = frozenset()) -> list[str]:
    """The non-empty, whitespace-collapsed lines of ``root``."""
    lines = (collapse_whitespace(line) for line in iter_lines(root, skip))
    return [line for line in lines if line]

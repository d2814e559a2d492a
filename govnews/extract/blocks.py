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

from lxml import etree
from lxml.etree import _Element

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
    if skip is None and not len(el):  # a leaf, as most templated elements are
        return collapse_whitespace(TEMPLATE_TEXT_RE.sub("", el.text or ""))
    parts: list[str] = [el.text] if el.text else []

    def walk(node: _Element) -> None:
        for child in node:
            tag = child.tag
            if child is not skip and isinstance(tag, str) and tag not in SKIP_TAGS:
                if child.text:
                    parts.append(child.text)
                if len(child):
                    walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return collapse_whitespace(TEMPLATE_TEXT_RE.sub("", "".join(parts)))


def is_inside(el: _Element, ancestor: _Element) -> bool:
    """True when ``ancestor`` holds ``el`` (not when they are the same element)."""
    return ancestor in el.iterancestors()  # elements compare by identity


def text_of(el: _Element) -> str:
    """All the text inside ``el`` (comments excluded), as lxml.html's ``text_content``
    reads it: the XPath string-value."""
    # libxml2 joins the text in C (several times faster than joining itertext() in Python),
    # by the function XPath's string() calls too; the text serializer reaches it without
    # the XPath context that string() sets up on every call, which costs more than the
    # joining on most elements. A comment or processing instruction is refused, as string()
    # refused it (the serializer would give its content).
    if not isinstance(el.tag, str):
        raise ValueError(f"Input object is not an XML element: {type(el).__module__}.{type(el).__qualname__}")
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def is_widget_label(text: str) -> bool:
    """A short heading such as 一周热门: a few word characters, no punctuation."""
    return bool(_WIDGET_LABEL_RE.match(text))


def templated_elements(root: _Element) -> list[_Element]:
    """The elements under ``root`` (itself included) rendered in the browser (see
    :func:`template_widgets`), in document order: one search, shared by the widget
    searches of a page and of its body. An element is, when an attribute names a framework
    directive or its text holds placeholders with no more than a label around them: prose
    with a placeholder inside stays prose (the template residue pipeline strips the
    placeholder)."""
    return [
        el
        for el in root.iter(etree.Element)
        # keys(): iterating an element gives its children
        if any(is_directive(name) for name in el.keys()) or templated_by_text(el, el.text)  # type: ignore[arg-type] # noqa: SIM118
    ]


# First characters of the attribute names that :data:`_DIRECTIVE_ATTR_RE` matches: a
# caller testing many names tests this first.
DIRECTIVE_FIRSTS = frozenset("vnx:@")


def is_directive(name: str) -> bool:
    """An attribute name that marks an element as browser-rendered (``v-for``, ``:href``, …)."""
    return name[0] in DIRECTIVE_FIRSTS and _DIRECTIVE_ATTR_RE.match(name) is not None


def templated_by_text(el: _Element, text: str | None) -> bool:
    """``el``'s own text (``text``, read already by a caller walking the tree) holds a
    placeholder and its whole text is no more than a label besides placeholders; most
    texts hold no placeholder's opener and are done with without a regular expression."""
    if not (text and ("{" in text or "<%" in text) and TEMPLATE_TEXT_RE.search(text)):
        return False
    rest = _text_without(el)
    return not rest or is_widget_label(rest)


def template_widgets(root: _Element, templated: list[_Element] | None = None) -> list[_Element]:
    """The elements under ``root`` that are client-side template widgets, each widened
    to the wrapper that holds only it and its heading, plus a heading placed as the
    widget's previous sibling. ``templated``: :func:`templated_elements` of ``root`` or
    of a tree holding it, when already found."""
    if templated is None:
        templated = templated_elements(root)
    marked: list[_Element] = []
    marked_set: set[_Element] = set()
    # The templated elements of a tree's root are all inside it (or the root itself).
    whole_tree = root.getparent() is None
    for el in templated:
        if el is root or not (whole_tree or is_inside(el, root)):
            continue
        # Inside (or one of) the widgets marked: one pass up its ancestors, in C.
        if el in marked_set or not marked_set.isdisjoint(el.iterancestors()):
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
        marked_set.add(widget)
        previous = widget.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is not None and previous.tag not in SKIP_TAGS:
            label = collapse_whitespace(text_of(previous))
            if label and is_widget_label(label) and len(list(previous.iter())) <= 3:
                marked.append(previous)
                marked_set.add(previous)
    return marked


def is_hidden(el: _Element) -> bool:
    return bool(_HIDDEN_STYLE_RE.search(el.get("style", ""))) or el.get("hidden") is not None


def hidden_elements(root: _Element) -> set[_Element]:
    """The elements under ``root`` (itself included) hidden by their own attributes."""
    return {el for el in root.iter(etree.Element) if is_hidden(el)}


# What the walk of :func:`_lines` does with an element, by its tag in lower case: the
# inline tags listed only spare the walk a ``lower()``; any tag not listed is inline.
_INLINE, _BLOCK, _BREAK, _NO_TEXT = 0, 1, 2, 3
_KIND_OF_TAG: dict[object, int] = {
    **dict.fromkeys(("a", "span", "b", "strong", "em", "i", "u", "font", "img", "sub", "sup", "small"), _INLINE),
    **dict.fromkeys(BLOCK_TAGS, _BLOCK),
    **dict.fromkeys(SKIP_TAGS, _NO_TEXT),
    "br": _BREAK,
}


def _lines(root: _Element, excluded: set[_Element] | frozenset[_Element]) -> list[str]:
    """The raw lines of ``root``; ``excluded``: elements whose subtree contributes nothing
    (skipped and hidden ones alike)."""
    if not len(root):  # a leaf (as most headlines are): its text, without setting up a walk
        return [root.text] if root.text else []
    # One recursive walk appending to lists: no generator per level of the tree; the
    # commonest kinds tested first.
    lines: list[str] = []
    buffer: list[str] = []
    append = buffer.append
    kind_of = _KIND_OF_TAG.get

    def walk(el: _Element) -> None:
        for child in el:
            tag = child.tag
            kind = kind_of(tag)
            if kind is None:
                if not isinstance(tag, str):  # a comment or processing instruction: only its tail counts
                    if child.tail:
                        append(child.tail)
                    continue
                kind = kind_of(tag.lower(), _INLINE)
            if kind == _INLINE:
                if child not in excluded:
                    if text := child.text:
                        append(text)
                    if len(child):
                        walk(child)
            elif kind == _BLOCK:
                if child not in excluded:
                    if buffer:
                        lines.append("".join(buffer))
                        buffer.clear()
                    if text := child.text:
                        append(text)
                    if len(child):
                        walk(child)
                    if buffer:
                        lines.append("".join(buffer))
                        buffer.clear()
            elif kind == _BREAK and buffer and child not in excluded:
                lines.append("".join(buffer))
                buffer.clear()
            if tail := child.tail:
                append(tail)

    if root.text:
        append(root.text)
    walk(root)
    if buffer:
        lines.append("".join(buffer))
    return lines


def paragraphs_of(root: _Element, skip: set[_Element] | frozenset[_Element] = frozenset()) -> list[str]:
    """The non-empty, whitespace-collapsed lines of ``root``."""
    return visible_paragraphs(root, skip | hidden_elements(root))


def visible_paragraphs(root: _Element, excluded: set[_Element] | frozenset[_Element]) -> list[str]:
    """:func:`paragraphs_of`, ``excluded`` holding the hidden elements (:func:`hidden_elements`)
    besides the ones to skip: for a caller that found them already."""
    paragraphs: list[str] = []
    for line in _lines(root, excluded):
        # collapse_whitespace, inline: most lines of a page are blank
        if words := (line.replace("\ufeff", " ") if "\ufeff" in line else line).split():
            paragraphs.append(" ".join(words))
    return paragraphs

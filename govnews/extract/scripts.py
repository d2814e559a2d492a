"""Read the literal values an inline script assigns and writes, in the order it does.

List rows that a page writes with JavaScript (docs/site.md, "Script rows": 市政府文件, 规范性文件,
the 2021 武汉要闻 list, 政府规章) are data in statements such as::

    var url = "./202602/t20260214_2730572.shtml";
    var title = "…"; title = "…";
    var FILENUM = "武政规〔2026〕4号";
    document.writeln("<a href="+url+" target=_blank>"+title+"</a>");
    document.writeln("2026-02-14 17:32");

Only *literal* values count. The script is tokenized (strings, comments, regular
expressions, identifiers, punctuation), so ``href="+url+"`` inside a string is part of
that string and never an assignment, and a value built from variables
(``"<a href="+url+">"``) is reported as :data:`None`: something was written, but
nothing known.

No Scrapy import, no JavaScript engine: a reader of statements, not an interpreter.

>>> [(e.kind, e.name, e.value) for e in script_events('var url = "./a.shtml"; document.writeln("<a href="+url+">");')]
[('assign', 'url', './a.shtml'), ('write', None, None)]
>>> [(e.name, e.value) for e in script_events("x = 'a' + \\"b\\"; y = x + 'c'; z = 'd'.trim();")]
[('x', 'ab'), ('y', None), ('z', None)]
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from govnews.text import collapse_whitespace

__all__ = ["ScriptEvent", "script_events", "script_strings", "strip_tags"]

_IDENT_RE = re.compile(r"[A-Za-z_$\u00c0-\uffff][\w$\u00c0-\uffff]*")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?|\.\d+")
# Longest operators first, so that `==` is never read as an assignment.
_PUNCTUATORS: tuple[str, ...] = (">>>=", "===", "!==", "**=", "<<=", ">>=", ">>>", "...", "=>", "==", "!=", "<=")
_PUNCTUATORS += (">=", "&&", "||", "??", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>")
_PUNCTUATORS += ("**", "?.")
# The punctuator at a position, in one match: the longest first as listed, else the character.
_PUNCTUATOR_RE = re.compile("|".join(map(re.escape, _PUNCTUATORS)) + "|.", re.S)
# A string literal's body after its opening quote, up to (not with) its closing quote.
_STRING_BODY_RE = {
    '"': re.compile(r'(?:[^"\\\n]|\\[\s\S])*'),
    "'": re.compile(r"(?:[^'\\\n]|\\[\s\S])*"),
    "`": re.compile(r"(?:[^`\\]|\\[\s\S])*"),
}
# A run of whitespace: ``\s`` of a str pattern is what ``str.isspace`` says.
_SPACE_RE = re.compile(r"\s+")
# After these a `/` starts a regular expression, not a division.
_REGEX_AFTER_PUNCT = frozenset(
    {"(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "+", "-", "*", "%", "<", ">", "~", "^"}
    | {"==", "===", "!=", "!==", "&&", "||", "??", "=>", "+=", "-="}
)
_REGEX_AFTER_WORD = frozenset({"return", "typeof", "case", "in", "of", "new", "delete", "void", "throw", "else"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_TAG_RE = re.compile(r"<[^<>]*>")
# What may follow a complete value: the end of a statement, of an argument list or of
# an object literal (or, without a semicolon, the next statement's first word).
_EXPRESSION_ENDS = frozenset({";", ",", ")", "}", "]"})


class _Token(NamedTuple):
    """A token (a tuple: made and compared faster than a frozen dataclass, a script of a list
    page having thousands)."""

    kind: Literal["str", "tpl", "ident", "punct", "num"]
    value: str


@dataclass(frozen=True)
class ScriptEvent:
    """One statement of interest, in script order.

    ``assign``: ``name = <value>`` (also ``var``/``let``/``const`` and ``name: <value>`` in
    an object literal); ``value`` is the literal string, or None when the right side is
    not made of string literals alone. ``write``: ``document.write(…)`` or ``writeln``;
    ``value`` is the literal text written, or None when it is built from variables.
    """

    kind: Literal["assign", "write"]
    name: str | None
    value: str | None


_PLUS = _Token("punct", "+")
_DOCUMENT = _Token("ident", "document")
_WRITE_CALLS = ([".", "write", "("], [".", "writeln", "("])


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u" and body[i + 2 : i + 3] == "{":
            end = body.find("}", i + 3)
            code = body[i + 3 : end] if end > 0 else ""
            if code and all(c in "0123456789abcdefABCDEF" for c in code) and int(code, 16) < 0x110000:
                out.append(chr(int(code, 16)))
                i = end + 1
                continue
        width = {"u": 4, "x": 2}.get(nxt)
        if width:
            code = body[i + 2 : i + 2 + width]
            if len(code) == width and all(c in "0123456789abcdefABCDEF" for c in code):
                out.append(chr(int(code, 16)))
                i += 2 + width
                continue
        if nxt == "\n":
            i += 2  # a line continuation
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def _regex_allowed(previous: _Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind == "punct":
        return previous.value in _REGEX_AFTER_PUNCT
    return previous.kind == "ident" and previous.value in _REGEX_AFTER_WORD


def _tokens(source: str) -> Iterator[_Token]:
    i, n = 0, len(source)
    previous: _Token | None = None
    while i < n:
        char = source[i]
        if char.isspace():
            i = _SPACE_RE.match(source, i).end()  # type: ignore[union-attr] # a space is there
            continue
        if source.startswith("//", i) or source.startswith("<!--", i) or source.startswith("-->", i):
            # `<!--` and `-->` hide old scripts from old browsers: JavaScript reads them as line comments.
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        token: _Token
        if char in "\"'`":
            # To the closing quote, an escape taking the character after it; an unterminated
            # string ends at the line's end (a template literal, at the script's).
            j = _STRING_BODY_RE[char].match(source, i + 1).end()  # type: ignore[union-attr] # always matches, maybe empty
            if j < n and source[j] == "\\":  # a backslash that ends the script: part of the string
                j = n + 1
            body = source[i + 1 : j]
            i = j + 1
            if char == "`":
                token = _Token("tpl" if "${" in body else "str", body if "${" in body else _unescape(body))
            else:
                token = _Token("str", _unescape(body))
        elif char == "/" and _regex_allowed(previous):
            j, in_class = i + 1, False
            while j < n and source[j] != "\n":
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                elif source[j] == "/" and not in_class:
                    break
                j += 1
            j += 1
            while j < n and (source[j].isalnum() or source[j] == "_"):
                j += 1  # flags
            i = j
            token = _Token("punct", "/regex/")
        elif match := _IDENT_RE.match(source, i):
            token = _Token("ident", match.group())
            i = match.end()
        elif match := _NUMBER_RE.match(source, i):
            token = _Token("num", match.group())
            i = match.end()
        else:
            op = _PUNCTUATOR_RE.match(source, i).group()  # type: ignore[union-attr] # `.` matches any
            token = _Token("punct", op)
            i += len(op)
        previous = token
        yield token


def _literal(tokens: list[_Token], start: int) -> tuple[str | None, int]:
    """The value of ``"a" + "b" …`` at ``start`` (None when anything but string literals
    takes part) and the index where the expression stops."""
    parts: list[str] = []
    i = start
    while True:
        if i >= len(tokens) or tokens[i].kind != "str":
            return None, i
        parts.append(tokens[i].value)
        i += 1
        if i < len(tokens) and tokens[i] == _PLUS:
            i += 1
            continue
        break
    # `"a".trim()`, `"a"[0]`, `"a" + x`: a literal that only starts an expression.
    if i < len(tokens) and tokens[i].kind == "punct" and tokens[i].value not in _EXPRESSION_ENDS:
        return None, i
    return "".join(parts), i


def _closing(tokens: list[_Token], start: int) -> int:
    """Index of the ``)`` matching the ``(`` at ``start - 1``."""
    depth, i = 1, start
    while i < len(tokens):
        value = tokens[i].value if tokens[i].kind == "punct" else ""
        if value in ("(", "[", "{"):
            depth += 1
        elif value in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return i


def script_events(source: str) -> list[ScriptEvent]:
    """The assignments of string values and the ``document.write`` calls of ``source``, in order."""
    tokens = list(_tokens(source))
    events: list[ScriptEvent] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        before = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if token == _DOCUMENT and [t.value for t in tokens[i + 1 : i + 4]] in _WRITE_CALLS:
            end = _closing(tokens, i + 4)
            value, stop = _literal(tokens, i + 4)
            events.append(ScriptEvent("write", None, value if stop == end else None))
            i = end + 1
            continue
        is_member = before is not None and before.kind == "punct" and before.value in (".", "?.")
        if token.kind == "ident" and not is_member and nxt == _Token("punct", "="):
            value, i = _literal(tokens, i + 2)
            events.append(ScriptEvent("assign", token.value, value))
            continue
        in_object = before is not None and before.kind == "punct" and before.value in ("{", ",")
        if token.kind in ("ident", "str") and in_object and nxt == _Token("punct", ":"):
            value, i = _literal(tokens, i + 2)
            events.append(ScriptEvent("assign", token.value, value))
            continue
        i += 1
    return events


def script_strings(source: str) -> list[str]:
    """Every string literal of ``source``, in order, whatever uses it (an argument of
    ``$("#pane").load("./kwh/index.shtml .list")``, an array item); comments and regular
    expressions are not strings.

    >>> script_strings("/* '/not/this/' */ $('#p').load('/sy/kwh/index.shtml .list'); var re = /'x'/;")
    ['#p', '/sy/kwh/index.shtml .list']
    """
    return [token.value for token in _tokens(source) if token.kind == "str"]


def strip_tags(text: str) -> str:
    """Markup out, entities decoded, whitespace collapsed: the text a written string shows.

    >>> strip_tags("<font color=red>关于&quot;某事&quot;的通知</font>")
    '关于"某事"的通知'
    """
    return collapse_whitespace(html.unescape(_TAG_RE.sub(" ", text)))

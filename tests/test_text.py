"""govnews.text: tables for each template dialect and each kind of equality, the
seed page, and properties of the cleaning."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govnews.text import (
    INVISIBLE_CHARACTERS,
    article_content_hash,
    clean_template_paragraphs,
    collapse_whitespace,
    dedupe_article,
    is_residue_only,
    normalize_for_comparison,
    strip_control_characters,
    strip_template_residue,
    without_control_characters,
)

SEED = Path(__file__).parent / "fixtures" / "seed-example.txt"


# The functions production calls, in the shapes these tests read best.
def dedupe_paragraphs(paragraphs: list[str], also_seen: tuple[str, ...] | list[str] = ()) -> tuple[list[str], int]:
    """What DedupeParagraphsPipeline keeps (``text.dedupe_article``), ``also_seen`` the title."""
    kept, dropped, _ = dedupe_article(paragraphs, also_seen[0] if also_seen else "")
    return kept, dropped


def content_hash(paragraphs: list[str]) -> str:
    """The article's content hash of these paragraphs and no title (``text.article_content_hash``)."""
    return article_content_hash("", paragraphs)


def clean_paragraphs(paragraphs: list[str], title: str = "") -> tuple[list[str], dict[str, int]]:
    """What the cleaning pipelines do to a body: template residue out, then duplicates out."""
    stripped, placeholders = clean_template_paragraphs(paragraphs)
    kept, duplicates, _ = dedupe_article(stripped, title)
    return kept, {"duplicate_paragraphs": duplicates, "template_placeholders": placeholders}


# What the property tests demand never survives cleaning.
FORBIDDEN_TOKENS = ("{{", "}}", "<%", "%>", "${", "{%", "%}")

# --- template residue -------------------------------------------------------------

DIALECTS = [
    # mustache / handlebars / Vue / Angular
    ("{{item.title}}", "", 1),
    ("{{ index + 1 }}", "", 1),
    ("{{index+1}}", "", 1),
    ("{{#each list}}", "", 1),
    ("{{/if}}", "", 1),
    ("{{^empty}}", "", 1),
    ("{{! a comment }}", "", 1),
    ("{{ d.count }}", "", 1),
    ("{{{ item.html }}}", "", 1),
    ("{{\n  item.title\n}}", "", 1),
    ("{{ item.title | truncate(20) }}", "", 1),
    # layui laytpl, common on Chinese government sites: JavaScript inside {{# … }}
    ("{{# layui.each(d.list, function(index, item){ }}", "", 1),
    ("{{# }); }}", "", 1),
    ("{{= d.title }}", "", 1),
    # jinja / liquid / twig
    ("{% for item in list %}", "", 1),
    ("{% endfor %}", "", 1),
    ("{%- if x -%}\n{%- endif -%}", "", 2),
    ("{# a comment #}", "", 1),
    # ejs / erb / jsp
    ("<% if (list.length) { %>", "", 1),
    ("<%= item.time %>", "", 1),
    ("<%- item.html %>", "", 1),
    ("<%# comment %>", "", 1),
    # es6 template literal / freemarker
    ("${ item.date }", "", 1),
    ("${item.date}", "", 1),
    ("${fn({a: 1})}", "", 1),
    # placeholders amid text
    ("发布时间：{{ item.time }}", "发布时间：", 1),
    ("阅读{{ d.count }}次", "阅读次", 1),
    ("- {{index+1}}{{item.title}}", "-", 2),
    ("{{#each list}}\n  <li>{{this}}</li>\n{{/each}}", "<li></li>", 3),
    ("来源：<%= source %> 作者：${author}", "来源： 作者：", 2),
    ("武汉{{ a }}{% b %}<% c %>${ d }要闻", "武汉要闻", 4),
    # unterminated: the bare token goes, the text stays
    ("标题{{", "标题", 1),
    ("}}结尾", "结尾", 1),
    ("${ 未闭合", "未闭合", 1),
    ("a <% b", "a b", 1),
    ("a %> b", "a b", 1),
    ("{% x", "x", 1),
    ("x %}", "x", 1),
    # a stray opener does not swallow the text up to a later placeholder
    ("{{ 正文很长 {{x}}", "正文很长", 2),
    # removing one token brings two halves together: they go too
    ("{${{", "", 2),
]


@pytest.mark.parametrize(("text", "expected", "count"), DIALECTS)
def test_strip_template_residue_dialects(text: str, expected: str, count: int) -> None:
    assert strip_template_residue(text) == (expected, count)


SURVIVORS = [
    "集合{1,2,3}",
    "【责任编辑】",
    "（一）",
    "(一)",
    "a{b}c",
    "{1}",
    "{",
    "}",
    "{ {",
    "} }",
    "$5",
    "$ {x}",
    "100%",
    "<5%",
    "50% > 30%",
    "增长5%，达到{x}",
    "#{ruby}",
    "{x}{y}",
    "《武汉市政府公报》[2024]第1号",
    "f(x) = {x | x > 0}",
    "——",
    "……",
    "&nbsp;",
]


@pytest.mark.parametrize("text", SURVIVORS)
def test_ordinary_braces_and_signs_survive(text: str) -> None:
    assert strip_template_residue(text) == (text, 0)
    assert clean_template_paragraphs([text]) == ([text], 0)


def test_strip_collapses_whitespace() -> None:
    assert strip_template_residue("\u3000\u3000武汉 {{x}}  要闻\n") == ("武汉 要闻", 1)
    assert strip_template_residue("\u3000\u3000武汉  要闻") == ("武汉 要闻", 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- {{index+1}}{{item.title}}", True),
        ("{{ d.count }}", True),
        ("1. {{item.title}}", True),
        ("【{{item.tag}}】", True),
        ("浏览次数：{{ d.count }}", False),
        ("——", False),
        ("", False),
        ("正文", False),
    ],
)
def test_is_residue_only(text: str, expected: bool) -> None:
    assert is_residue_only(text) is expected


HOT_LIST = "- {{index+1}}{{item.title}}"


@pytest.mark.parametrize(
    ("paragraphs", "expected", "count"),
    [
        # the widget label goes with its residue, also as the last line before it
        (["正文。", "一周热门", HOT_LIST, HOT_LIST], ["正文。"], 4),
        (["正文。", "一周热门", HOT_LIST, "后文。"], ["正文。", "后文。"], 2),
        (["相关阅读：", "{{# each }}", "{{ item.title }}"], [], 2),
        # blank lines between label and residue do not save the label
        (["一周热门", "", "\u3000", "{{x}}"], [], 1),
        # only the line directly above goes: no cascade up the page
        (["（一）", "一周热门", "{{x}}", "{{y}}"], ["（一）"], 2),
        # not a label: prose (sentence punctuation), a long line, or no residue after it
        (["好的。", "{{x}}"], ["好的。"], 1),
        (["这是一个很长的正文段落不是标签也没有标点", "{{x}}"], ["这是一个很长的正文段落不是标签也没有标点"], 1),
        (["一周热门", "正文"], ["一周热门", "正文"], 0),
        # residue above a short line does not make it a label
        (["{{x}}", "一周热门"], ["一周热门"], 1),
        # a line with words left keeps them
        (["阅读{{n}}次"], ["阅读次"], 1),
        # blank paragraphs go; bare punctuation without residue stays
        (["  ", "\u3000", ""], [], 0),
        (["——", "正文"], ["——", "正文"], 0),
    ],
)
def test_clean_template_paragraphs(paragraphs: list[str], expected: list[str], count: int) -> None:
    assert clean_template_paragraphs(paragraphs) == (expected, count)


# --- equality -----------------------------------------------------------------------

EQUAL = [
    # NFKC: full- and half-width alike
    ("会议，召开", "会议,召开"),
    ("（一）", "(一)"),
    ("ＡＢＣ１２３", "ABC123"),
    ("问题？！", "问题?!"),
    ("：；", ":;"),
    # whitespace of every kind
    ("武汉 要闻", "武汉要闻"),
    ("\u3000\u3000武汉要闻", "武汉要闻"),
    ("武汉\xa0要闻", "武汉要闻"),
    ("武汉\t\r\n要闻", "武汉要闻"),
    ("武汉\u2003\u2009要闻", "武汉要闻"),
    ("武汉\u202f\u205f要闻", "武汉要闻"),
    ("武汉\u2028要闻", "武汉要闻"),
    # zero-width characters
    ("武\u200b汉", "武汉"),
    ("武\u200c\u200d汉", "武汉"),
    ("武\u2060汉", "武汉"),
    ("\ufeff武汉", "武汉"),
    ("武\u00ad汉", "武汉"),
    # HTML entities
    ("武汉&nbsp;要闻", "武汉要闻"),
    ("A&amp;B", "A&B"),
    ("&lt;通知&gt;", "<通知>"),
    ("会议&#65292;召开", "会议,召开"),
    ("&quot;两会&quot;", '"两会"'),
]


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_after_normalisation(a: str, b: str) -> None:
    assert normalize_for_comparison(a) == normalize_for_comparison(b)
    assert dedupe_paragraphs([a, b]) == ([a], 1)
    assert content_hash([a]) == content_hash([b])


DIFFERENT = [
    ("武汉", "武昌"),
    ("ABC", "abc"),
    ("第一条", "第二条"),
    ("1,2", "12"),
    ("A&B", "A&amp;B&amp;"),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_after_normalisation(a: str, b: str) -> None:
    assert dedupe_paragraphs([a, b]) == ([a, b], 0)
    assert content_hash([a]) != content_hash([b])


def test_dedupe_drops_repeated_blocks_and_keeps_order() -> None:
    block = ["甲，段。", "乙（段）。", "丙 段。"]
    half_width = str.maketrans({"，": ",", "（": "(", "）": ")", " ": ""})
    repeated = ["导语。", *block, "丁段。", *[p.translate(half_width) for p in block]]
    assert dedupe_paragraphs(repeated) == (["导语。", *block, "丁段。"], 3)


def test_dedupe_also_seen() -> None:
    assert dedupe_paragraphs(["会议召开", "正文"], also_seen=["会议 召开"]) == (["正文"], 1)
    # an empty title never matches an empty-looking paragraph
    assert dedupe_paragraphs(["\u200b", "正文"], also_seen=[""]) == (["\u200b", "正文"], 0)


def test_content_hash_separates_paragraphs() -> None:
    assert content_hash(["甲乙", "丙"]) != content_hash(["甲", "乙丙"])
    assert re.fullmatch("[0-9a-f]{64}", content_hash(["甲"]))


# --- the seed page ------------------------------------------------------------------


def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def test_seed_gives_its_six_body_paragraphs() -> None:
    lines = seed_lines()
    title, body = lines[0], lines[1:7]
    assert len(set(body)) == 6

    paragraphs, cleaning = clean_paragraphs(lines, title=title)

    assert paragraphs == body
    assert cleaning == {"duplicate_paragraphs": 6, "template_placeholders": 2}
    assert not any("一周热门" in p or "{" in p or "}" in p for p in paragraphs)


def test_seed_with_full_width_first_copy() -> None:
    # What the page had: full-width punctuation, then the scraped copy with half-width.
    lines = seed_lines()
    widen = str.maketrans({",": "，", "(": "（", ")": "）"})
    full_width = [line.translate(widen) for line in lines[1:7]]
    assert full_width != lines[1:7]
    lines[1:7] = full_width

    paragraphs, cleaning = clean_paragraphs(lines, title=lines[0])

    assert paragraphs == full_width
    assert cleaning == {"duplicate_paragraphs": 6, "template_placeholders": 2}


# --- properties ---------------------------------------------------------------------

_INK_RE = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")


def ink(text: str) -> str:
    """The text without whitespace: what cleaning may remove from but never add to."""
    return _INK_RE.sub("", text)


def is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(char in it for char in small)


FRAGMENTS = [
    "{{",
    "}}",
    "{%",
    "%}",
    "<%",
    "%>",
    "${",
    "{#",
    "#}",
    "{{item.title}}",
    "{{ index + 1 }}",
    "<%= x %>",
    "${ d }",
    "{",
    "}",
    "$",
    "%",
    "<",
    ">",
    "#",
    "-",
    "&nbsp;",
    "&amp;",
    "，",
    ",",
    "。",
    "一周热门",
    "武汉",
    "要闻",
    "会议",
    "1",
    " ",
    "\u3000",
    "\n",
    "\u200b",
]
template_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=12).map("".join)
template_paragraphs = st.lists(
    template_text | st.sampled_from(["一周热门", "- {{index+1}}{{item.title}}"]), max_size=10
)

# No template syntax possible: cleaning is whitespace and dedup only.
PLAIN_CHARS = "武汉要闻会议一二,，.。（）() \u3000\xa0\t\u200b&;ab"
plain_paragraphs = st.lists(st.text(alphabet=PLAIN_CHARS, max_size=6), max_size=12)


@given(template_text)
def test_strip_leaves_no_template_tokens(text: str) -> None:
    cleaned, _ = strip_template_residue(text)
    assert not any(token in cleaned for token in FORBIDDEN_TOKENS)


@given(template_text | st.text())
def test_strip_is_idempotent_and_never_adds_text(text: str) -> None:
    cleaned, count = strip_template_residue(text)
    assert strip_template_residue(cleaned) == (cleaned, 0)
    assert is_subsequence(ink(cleaned), ink(text))
    if count == 0:
        assert cleaned == collapse_whitespace(text)


@given(template_paragraphs, template_text)
def test_cleaning_is_idempotent(paragraphs: list[str], title: str) -> None:
    once, _ = clean_paragraphs(paragraphs, title=title)
    twice, cleaning = clean_paragraphs(once, title=title)
    assert twice == once
    assert cleaning == {"duplicate_paragraphs": 0, "template_placeholders": 0}


@given(template_paragraphs, template_text)
def test_cleaning_keeps_order_and_never_adds_text(paragraphs: list[str], title: str) -> None:
    cleaned, _ = clean_paragraphs(paragraphs, title=title)
    # Each paragraph out is one paragraph in, stripped, and they come in input order.
    sources = iter(paragraphs)
    for out in cleaned:
        source = next((p for p in sources if strip_template_residue(p)[0] == out), None)
        assert source is not None, f"{out!r} is not from the input, in order"
        assert is_subsequence(ink(out), ink(source))


@given(template_paragraphs, template_text)
def test_cleaning_leaves_no_template_tokens(paragraphs: list[str], title: str) -> None:
    cleaned, _ = clean_paragraphs(paragraphs, title=title)
    assert all(out and not any(token in out for token in FORBIDDEN_TOKENS) for out in cleaned)


@given(plain_paragraphs)
def test_cleaning_keeps_each_first_occurrence(paragraphs: list[str]) -> None:
    cleaned, cleaning = clean_paragraphs(paragraphs)
    # A naive reference: the first paragraph of each comparison form, blanks aside.
    expected: list[str] = []
    seen: set[str] = set()
    for paragraph in map(collapse_whitespace, paragraphs):
        key = normalize_for_comparison(paragraph)
        if paragraph and key not in seen:
            seen.add(key)
            expected.append(paragraph)
    assert cleaned == expected
    assert cleaning["template_placeholders"] == 0


@given(st.lists(st.text(), max_size=12), st.lists(st.text(), max_size=12))
def test_dedupe_is_deterministic_and_stateless(first: list[str], second: list[str]) -> None:
    before = dedupe_paragraphs(first)
    dedupe_paragraphs(second)
    assert dedupe_paragraphs(first) == before
    kept, dropped = before
    assert dropped == len(first) - len(kept)
    keys = [normalize_for_comparison(p) for p in kept]
    assert len(keys) == len(set(keys))
    # every paragraph kept is the first of its form
    assert all(
        first.index(p) == min(i for i, q in enumerate(first) if normalize_for_comparison(q) == k)
        for p, k in zip(kept, keys, strict=True)
    )


@given(st.lists(st.text(), max_size=12), st.text(max_size=5))
def test_dedupe_and_hash_agree_with_content_hash(paragraphs: list[str], title: str) -> None:
    kept, _dropped, digest = dedupe_article(paragraphs, title)
    assert digest == article_content_hash(title, kept)


@given(st.lists(st.text(alphabet="武汉要闻会议,，（）ab1１", min_size=1, max_size=8), max_size=6), st.data())
def test_content_hash_ignores_width_and_spacing(paragraphs: list[str], data: st.DataObject) -> None:
    spaces = st.sampled_from([" ", "\u3000", "\xa0", "\u200b", "&nbsp;", "\n"])
    widen = str.maketrans({",": "，", "(": "（", ")": "）", "1": "１", "a": "ａ"})
    variants = [p.translate(widen) if data.draw(st.booleans()) else p for p in paragraphs]
    variants = ["".join(c + data.draw(st.just("") | spaces) for c in p) for p in variants]
    assert content_hash(variants) == content_hash(paragraphs)


# The definitions, written plainly: the fast implementations must agree with them.
_REFERENCE_WHITESPACE_RE = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_REFERENCE_IGNORABLE_RE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff\u00ad]+")


@given(st.text() | template_text)
def test_collapse_whitespace_matches_its_definition(text: str) -> None:
    assert collapse_whitespace(text) == _REFERENCE_WHITESPACE_RE.sub(" ", text).strip()


@given(
    st.text() | st.lists(st.sampled_from([*FRAGMENTS, "（", "）", "：", "ａ", "１", "&#65292;", "\ufeff"])).map("".join)
)
def test_normalize_for_comparison_matches_its_definition(text: str) -> None:
    expected = _REFERENCE_IGNORABLE_RE.sub("", unicodedata.normalize("NFKC", html.unescape(text)))
    assert normalize_for_comparison(text) == expected


# --- control and zero-width characters ------------------------------------------------

# Every character the hygiene removes, written out from its definition (not from the code).
C0 = [chr(c) for c in range(0x00, 0x20)]
C1 = [chr(c) for c in range(0x80, 0xA0)]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
REMOVED = frozenset([*C0, "\x7f", *C1, *ZERO_WIDTH])
# The ones that separate words, each becoming a space.
SEPARATORS = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85")


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("正文中\x07有\x1b控制\u200b字符", "正文中有控制字符", 3),
        ("\ufeff标题", "标题", 1),
        ("零宽\u200c连接\u200d符\u2060", "零宽连接符", 3),
        ("C1\x85控制\x9b符", "C1 控制符", 2),
        ("删除符\x7f", "删除符", 1),
        ("空字符\x00在此", "空字符在此", 1),
        ("two\twords", "two words", 1),
        ("line one\r\nline two", "line one  line two", 2),
        ("没有控制字符，原样保留。\u3000全角空格也留下", "没有控制字符，原样保留。\u3000全角空格也留下", 0),
        ("", "", 0),
    ],
)
def test_strip_control_characters(text: str, expected: str, count: int) -> None:
    assert strip_control_characters(text) == (expected, count)


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("正文中\x07有\x1b控制\u200b字符", "正文中有控制字符", 3),
        ("第一行\n第二行", "第一行 第二行", 1),  # a newline inside a paragraph separates, never glues
        ("word\t\tword ", "word word", 2),
        ("\u200b", "", 1),
        ("clean  text ", "clean  text ", 0),  # nothing removed: left exactly as it was
    ],
)
def test_without_control_characters_for_one_line_fields(text: str, expected: str, count: int) -> None:
    assert without_control_characters(text) == (expected, count)


def test_the_removed_set_is_exactly_c0_c1_del_and_zero_width() -> None:
    assert INVISIBLE_CHARACTERS == REMOVED


text_with_controls = st.text(alphabet=st.sampled_from(sorted(REMOVED)) | st.characters(), max_size=40)


@given(text_with_controls)
def test_stripped_text_holds_no_control_or_zero_width_character(text: str) -> None:
    stripped, count = strip_control_characters(text)
    assert not REMOVED & set(stripped)
    assert count == sum(1 for c in text if c in REMOVED)


@given(text_with_controls)
def test_strip_control_characters_is_idempotent(text: str) -> None:
    once, _ = strip_control_characters(text)
    assert strip_control_characters(once) == (once, 0)


@given(text_with_controls)
def test_other_characters_are_kept_in_order(text: str) -> None:
    stripped, _ = strip_control_characters(text)
    expected = "".join(" " if c in SEPARATORS else c for c in text if c not in REMOVED or c in SEPARATORS)
    assert stripped == expected


@given(text_with_controls)
def test_one_line_fields_are_clean_and_stable(text: str) -> None:
    cleaned, count = without_control_characters(text)
    assert not REMOVED & set(cleaned)
    assert without_control_characters(cleaned) == (cleaned, 0)
    if not count:
        assert cleaned == text

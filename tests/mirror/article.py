"""Article pages: which SITE.md forms an article carries, its page HTML, and its truth.

An article is a pure function of (site seed, article index, column, docid, timestamp,
revision). ``traits_for`` spreads the forms over article indexes by small cycles, so any 40
consecutive articles hold each of them; ``build_article`` turns the traits into a model of
blocks; ``render_article_page`` writes the model as HTML; ``truth`` reads the same model
into the item the crawler must export.
"""

from __future__ import annotations

import html
import itertools
import random
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypedDict
from urllib.parse import urljoin, urlsplit

from . import layout, phrases
from .columns import (
    ANCHOR_LIST_FORMS,
    ARTICLE_BARE_EDITOR_VIEW,
    ARTICLE_EDITOR_VIEW,
    ARTICLE_TRS_EDITOR,
    ARTICLE_UEDITOR,
    ColumnSpec,
)
from .layout import attr, esc

# Whitespace of every kind a page writes: ASCII, NBSP, U+3000, the other Unicode spaces, BOM.
_WS_RE = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")

CANONICAL_ORIGIN = "https://www.wuhan.gov.cn"
BLANK_TITLE_META = "\u3000 "
BLANK_HEADLINE_HTML = "&nbsp;\u3000"
PLACEHOLDER_SITE_NAME = "网站名称"

GOV_META_NAMES: tuple[str, ...] = (
    "SiteName",
    "SiteDomain",
    "SiteIDCode",
    "ColumnName",
    "ColumnType",
    "ArticleTitle",
    "PubDate",
    "ContentSource",
    "Keywords",
    "Author",
    "Description",
    "Url",
)
POLICY_LABELS: tuple[str, ...] = ("索引号", "发文机构", "发文字号", "主题分类", "成文日期", "发布日期", "有效性")
# The header forms of the older policy pages (``sub`` is the 2026 editor_view template's own).
POLICY_HEADER_FORMS: tuple[str, ...] = ("table", "ul", "lines", "meta")
# 有效性 as sites write it, and whether each says the document is in force (True), is not
# (False), or says neither (None: partly repealed, amended, not yet in force).
VALIDITIES: tuple[tuple[str, bool | None], ...] = (
    ("有效", True),
    ("有效", True),
    ("现行有效", True),
    ("失效", False),
    ("废止", False),
    ("已废止", False),
    ("部分失效", None),
    ("已修改", None),
    ("尚未生效", None),
)

# SITE.md "Government metadata tags": every one optional, names case-insensitive, tag case and
# attribute order vary.
META_FORMS: tuple[str, ...] = (
    "full",  # all twelve, <meta name="…" content="…">
    "upper",  # all twelve, <META content="…" name="…">
    "no_pubdate",
    "lowercase_names",  # pubdate / keywords / description spelled in lower case
    "no_source",
    "minimal",  # SiteName, SiteDomain, ColumnName, ArticleTitle, Url only
)
_MINIMAL_META = frozenset({"SiteName", "SiteDomain", "ColumnName", "ArticleTitle", "Url"})
_LOWERCASED_META = frozenset({"PubDate", "Keywords", "Description"})

# Author / editor markup (SITE.md: "[unknown]" on www, so several shapes).
BYLINES: tuple[str, ...] = (
    "none",
    "author+bracket",  # 作者：… in the info bar, 【责任编辑：…】 as the body's last <p>
    "editor_div",  # <div class="editor">责任编辑：…</div> after the body
    "none",
    "author+editor_div",
    "bracket",
    "author",
)

# Template residue of other dialects than the hot list's Vue, as the page's source holds it
# (the browser's template engine never ran): each a <p> of its own, none with any text.
RESIDUE_AFTER_LEAD: tuple[str, ...] = ("{% if article.views %}", "<%= article.views %>", "{% endif %}")
RESIDUE_AFTER_BODY: tuple[str, ...] = ("${pageViews}", "{{#each tags}}{{this}}{{/each}}", "{{ \n item.summary \n }}")
# A placeholder inside prose: (text before, placeholder, text after).
INLINE_RESIDUE: tuple[str, str, str] = ("市民可通过", "{{ item.channel }}", "平台查询办理进度。")

# What an article's body holds (Traits.body_kind).
BODY_NORMAL = "normal"
BODY_ATTACHMENT_ONLY = "attachment_only"
BODY_IMAGE_ONLY = "image_only"
ATTACHMENT_ONLY_TEXT = "详见附件。"

ATTACHMENT_EXTENSIONS: tuple[str, ...] = (
    "docx",
    "xls",
    "pdf",
    "zip",
    "ofd",
    "doc",
    "xlsx",
    "wps",
    "rar",
    "ceb",
)


def collapse(text: str) -> str:
    """Trim whitespace of every kind and collapse inner runs to one ASCII space."""
    return _WS_RE.sub(" ", text).strip()


def mix(*parts: int) -> int:
    """A stable 64-bit hash of integers (splitmix64 rounds), independent of PYTHONHASHSEED."""
    mask = 0xFFFFFFFFFFFFFFFF
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = (h ^ (part & mask)) & mask
        h = (h * 0xBF58476D1CE4E5B9) & mask
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & mask
        h ^= h >> 29
    return h


@dataclass(frozen=True)
class Traits:
    """The SITE.md forms one article page carries."""

    seed: bool
    multipage: bool
    encoding: str  # "utf-8" | "gbk"
    charset_label: str  # what the GBK page's <meta http-equiv> declares
    container: str  # the article form: ARTICLE_UEDITOR | ARTICLE_TRS_EDITOR | ARTICLE_EDITOR_VIEW | …
    meta_form: str
    meta_placeholder: bool
    pubdate_seconds: bool
    info_date: str  # "time" | "date" | "none" | "seconds" (发布日期 with seconds, bare_editor_view)
    info_source: bool
    info_style: int  # 0..3: separators and markup of the info bar
    byline: str
    dup: str  # "none" | "hidden" | "mobile" | "inline"
    hot_in_body: bool
    policy_header: str  # "none" | "sub" | "table" | "ul" | "lines" | "meta"
    headline: int
    div_paragraphs: bool
    br_lines: bool
    inline_markup: bool
    inner_whitespace: bool
    h3: bool
    table: bool
    script_comment: bool
    images: int
    image_root_relative: bool
    body_attachment: bool
    body_link: bool
    fj: str  # "none" | "files" | "empty"
    fj_files: int
    fj_in_body: bool
    spacer: bool
    braces: bool
    bracket_text: bool
    row_title_attr: bool
    row_span_time: bool
    row_href: str  # "relative" | "root" | "absolute"
    row_time: bool = False
    """The list row shows the time after the date (``2026-02-14 17:32``), in any list form."""
    row_style: int = 0
    """0..3: how the row is written (attribute order and quotes, tag case, whitespace, where
    the date sits; in script rows, how often ``title`` is assigned)."""
    markup: int = 0
    """0..3: how the body container's tag is written (quotes, tag case, spacing)."""
    # Noise in the body (on in the normal site, at a few indexes; see traits_for).
    residue: bool = False
    """Template residue of other dialects: residue-only <p>s and one placeholder inside prose."""
    residue_bare: bool = False
    """The in-prose placeholder sits directly in the <p>'s text (else after a <span> run)."""
    dup_variant: bool = False
    """The body printed again, the copy differing only in what comparison ignores."""
    title_first: bool = False
    """The title printed again as the body's first paragraph."""
    invisible: bool = False
    """The last body paragraph carries a BOM, U+200B, U+2060 and a control character (BEL)."""
    # Overrides for the fault pages and the health-check variants of MirrorSite.
    container_class: str = ""
    """Body container class instead of the TRS ones (no view/TRS token)."""
    no_dates: bool = False
    """No PubDate meta, no 发布时间 text, list rows without a date."""
    pubdate_text: str = ""
    """PubDate content as written, when it is no credible date (malformed, future)."""
    info_date_text: str = ""
    """发布时间 value as written, when it is no credible date."""
    blank_title: bool = False
    """No title anywhere: whitespace ArticleTitle, ``<title> - …</title>``, ``<h1>&nbsp;　</h1>``."""
    body_kind: str = BODY_NORMAL
    """``normal``; ``attachment_only`` (the whole body is 详见附件。, the files in #articleFJ);
    ``image_only`` (the body is one ``<img>``, no text)."""

    @property
    def has_author(self) -> bool:
        return "author" in self.byline

    @property
    def editor_form(self) -> str:
        """ "bracket", "div" or "none"."""
        if "bracket" in self.byline:
            return "bracket"
        if "editor_div" in self.byline:
            return "div"
        return "none"

    @property
    def meta_names(self) -> tuple[str, ...]:
        """Canonical names of the gov meta tags the page carries."""
        if self.meta_form == "minimal":
            names = tuple(n for n in GOV_META_NAMES if n in _MINIMAL_META)
        else:
            drop = {"no_pubdate": "PubDate", "no_source": "ContentSource"}.get(self.meta_form)
            names = tuple(n for n in GOV_META_NAMES if n != drop)
        if self.no_dates or self.container == ARTICLE_BARE_EDITOR_VIEW:
            names = tuple(n for n in names if n != "PubDate")
        return names


# The traits that shape what an article says (its body blocks and files), as opposed to how
# its page is laid out: a repost takes these from its original.
CONTENT_TRAITS: tuple[str, ...] = (
    "body_kind",
    "title_first",
    "script_comment",
    "residue",
    "residue_bare",
    "invisible",
    "images",
    "image_root_relative",
    "inline_markup",
    "div_paragraphs",
    "h3",
    "br_lines",
    "table",
    "braces",
    "spacer",
    "inner_whitespace",
    "bracket_text",
    "body_link",
    "body_attachment",
    "fj",
    "fj_files",
    "fj_in_body",
)


def with_content_of(traits: Traits, source: Traits) -> Traits:
    """``traits`` with the content traits (``CONTENT_TRAITS``) of ``source``."""
    return replace(traits, **{name: getattr(source, name) for name in CONTENT_TRAITS})


# An article with none of the forms that change its text: the base of the seed and fault pages.
PLAIN_TRAITS = Traits(
    seed=False,
    multipage=False,
    encoding="utf-8",
    charset_label="utf-8",
    container=ARTICLE_UEDITOR,
    meta_form="full",
    meta_placeholder=False,
    pubdate_seconds=False,
    info_date="time",
    info_source=True,
    info_style=0,
    byline="none",
    dup="none",
    hot_in_body=False,
    policy_header="none",
    headline=0,
    div_paragraphs=False,
    br_lines=False,
    inline_markup=False,
    inner_whitespace=False,
    h3=False,
    table=False,
    script_comment=False,
    images=0,
    image_root_relative=False,
    body_attachment=False,
    body_link=False,
    fj="none",
    fj_files=0,
    fj_in_body=False,
    spacer=False,
    braces=False,
    bracket_text=False,
    row_title_attr=True,
    row_span_time=True,
    row_href="relative",
)


def traits_for(
    i: int, column: ColumnSpec, *, seed: bool, multipage: bool, old: bool = False, bare_residue: bool = True
) -> Traits:
    """Spread the forms over article indexes by cycles of small, mostly coprime lengths.

    The page template (``container``) is the column's current article form, or its older
    one for an ``old`` article (SITE.md: "Old pages keep old forms"). ``bare_residue``
    writes the in-prose template placeholder of the ``residue`` articles straight into the
    ``<p>``'s text rather than after a ``<span>`` run.
    """
    if seed:
        # The seed page (seed-example.txt): body, most of it again, then the hot list.
        return replace(PLAIN_TRAITS, seed=True, dup="inline", hot_in_body=True, inner_whitespace=True)
    gbk = i % 8 == 5
    container = column.article_forms[1 if old else 0]
    if container == ARTICLE_EDITOR_VIEW:
        policy_header = "sub"  # 2026: the div.sub header of <li>label：value</li>
    elif not column.policy or (column.filenum_rows and column.key != "zfgz" and i % 3 == 1):
        # Some documents show no header: their 发文字号 is then the list row's FILENUM only.
        policy_header = "none"
    else:
        # Older templates: a table of label and value cells, a list of <li><span>label：</span>,
        # plain lines split by <br>, or no visible header at all but <meta> tags named after
        # the labels (forms of other TRS sites: docs/site.md "Policy documents").
        policy_header = POLICY_HEADER_FORMS[(3 * i // 2) % len(POLICY_HEADER_FORMS)]
    # The sub-site template shows 发布日期：2025-09-30 08:56:00, and no PubDate tag.
    info_date = "seconds" if container == ARTICLE_BARE_EDITOR_VIEW else ("time", "time", "date", "none", "time")[i % 5]
    if column.key == "zfgz":
        row_time = False  # dRN holds a date, never a time
    elif column.filenum_rows:
        row_time = i % 4 != 3  # 2026: "the date with its time", sometimes without
    else:
        row_time = i % 5 == 4
    traits = Traits(
        seed=False,
        multipage=False,
        encoding="gbk" if gbk else "utf-8",
        charset_label=("GBK" if i % 16 == 13 else "gb2312") if gbk else "utf-8",
        container=container,
        meta_form=META_FORMS[i % 6],
        meta_placeholder=i % 13 == 7,
        pubdate_seconds=i % 3 == 0,
        info_date=info_date,
        # 来源 is confirmed on www's headline news (SITE.md): 武汉要闻 always carries it.
        info_source=i % 3 != 2 or column.path == "/sy/whyw/",
        info_style=(i // 2) % 4,
        byline=BYLINES[i % 7],
        dup={1: "hidden", 4: "mobile", 7: "inline"}.get(i % 9, "none"),
        hot_in_body=i % 10 == 6,
        policy_header=policy_header,
        headline=i % 2,
        div_paragraphs=i % 8 in (1, 6),
        br_lines=i % 4 == 2,
        inline_markup=i % 3 == 1,
        inner_whitespace=i % 8 == 3,
        h3=i % 5 == 1,
        table=i % 6 == 3,
        script_comment=i % 4 == 3,
        images=(2 if i % 6 == 0 else 1) if i % 3 == 0 else 0,
        image_root_relative=i % 12 == 0,
        body_attachment=i % 5 == 4,
        body_link=i % 5 == 2,
        fj="files" if i % 4 == 0 else ("empty" if i % 8 == 2 else "none"),
        fj_files=2 if i % 8 == 0 else 1,
        fj_in_body=i % 20 == 4,
        spacer=i % 2 == 0,
        braces=i % 7 == 3,
        bracket_text=i % 7 == 5,
        row_title_attr=i % 3 != 1,
        row_span_time=i % 2 == 0,
        row_href={2: "root", 6: "absolute"}.get(i % 7, "relative"),
        row_time=row_time,
        row_style=(i // 2) % 4,
        markup=(i // 3) % 4,
        residue=i % 13 == 10,
        residue_bare=bare_residue,
        dup_variant=i % 17 == 9 and i % 9 not in (1, 4, 7),  # not with another copy of the body
        title_first=i % 11 == 2,
        invisible=i % 11 == 7,
    )
    if multipage:
        # Keep the multi-page article to its own form: one UTF-8 body split over 3 pages.
        traits = replace(traits, multipage=True, encoding="utf-8", charset_label="utf-8")
        traits = replace(traits, dup="none", hot_in_body=False)
        traits = replace(traits, residue=False, dup_variant=False, title_first=False, invisible=False)
    return traits


@dataclass(frozen=True)
class Block:
    """One piece of the body container, in document order."""

    kind: str
    text: str = ""
    parts: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    href: str = ""
    alt: str | None = None
    style: str = ""


@dataclass(frozen=True)
class BodyMove:
    """An edit of the body the site's editors made (``MirrorSite.edit_wording`` …), applied
    to the body's blocks in order, before any copy of the body is printed."""

    kind: str
    """``wording`` (the block's text becomes ``text``), ``insert`` (a ``<p>`` of ``text``
    goes in at ``block``) or ``delete`` (the block goes)."""
    block: int
    """Index into the body's blocks (``ArticleModel.body``) as they are when the move applies."""
    text: str = ""


def apply_body_moves(blocks: list[Block], moves: tuple[BodyMove, ...]) -> list[Block]:
    """``blocks`` with ``moves`` applied in order."""
    out = list(blocks)
    for move in moves:
        if move.kind == "wording":
            out[move.block] = replace(out[move.block], text=move.text)
        elif move.kind == "insert":
            out.insert(move.block, Block("p", move.text, style="ideo"))
        elif move.kind == "delete":
            del out[move.block]
        else:
            raise ValueError(f"unknown body move {move.kind!r}")
    return out


@dataclass(frozen=True)
class Head:
    """What a list row needs of an article: cheap, no body."""

    index: int
    column: ColumnSpec
    path: str
    docid: int
    ts: datetime
    title: str
    topic: str
    filenum: str


@dataclass(frozen=True)
class ArticleModel:
    """One article, ready to be rendered or read as truth."""

    head: Head
    traits: Traits
    source: str
    author: str | None
    editor: str | None
    keywords: str
    description: str
    policy: tuple[tuple[str, str], ...]
    pages: tuple[tuple[Block, ...], ...]
    fj: tuple[tuple[str, str], ...]  # (href, link text as written, with its whitespace)
    written: datetime | None = None
    """成文日期 of a policy document (its header writes it ``YYYY年MM月DD日``)."""
    in_force: bool | None = None
    """What the header's 有效性 says: in force, not, or neither (``VALIDITIES``)."""
    body: tuple[Block, ...] = ()
    """The body's blocks after the editors' moves, before any copy is printed: what a
    ``BodyMove`` indexes."""
    chrome: int = 0
    """0, or the page's chrome generation (``MirrorSite.chrome_change``): a visit counter in
    the info bar and an update date in the footer, neither of them content."""

    @property
    def path(self) -> str:
        return self.head.path

    @property
    def page_paths(self) -> list[str]:
        """The article's own page, then ``t…_1.shtml`` … for a multi-page article."""
        stem = self.head.path.removesuffix(".shtml")
        return [self.head.path] + [f"{stem}_{k}.shtml" for k in range(1, len(self.pages))]


def article_path(column: ColumnSpec, ts: datetime, docid: int) -> str:
    """``/<section>/YYYYMM/tYYYYMMDD_<docid>.shtml``."""
    return f"{column.path}{ts:%Y%m}/t{ts:%Y%m%d}_{docid}.shtml"


def make_head(index: int, column: ColumnSpec, docid: int, ts: datetime, seed: int, *, is_seed: bool) -> Head:
    """Title, topic and file number of an article, from its own random stream."""
    rng = random.Random(mix(seed, index, 1))
    topic = rng.choice(phrases.TOPICS)
    title = phrases.SEED_TITLE if is_seed else phrases.title(column.key, rng, topic, ts.year)
    filenum = {
        "szfwj": f"武政〔{ts.year}〕{docid % 40 + 1}号",
        "gfxwj": f"武政规〔{ts.year}〕{docid % 12 + 1}号",
        "zfgz": f"武汉市人民政府令第{docid % 300 + 1}号",
    }.get(column.key, "")
    if column.key in ("szfwj", "gfxwj") and index % 5 == 4:
        filenum = ""  # a document without a number: FILENUM "无" in its row
    return Head(index, column, article_path(column, ts, docid), docid, ts, title, topic, filenum)


def build_article(
    head: Head,
    traits: Traits,
    seed: int,
    revision: int,
    *,
    content_from: tuple[Head, Traits] | None = None,
    body_moves: tuple[BodyMove, ...] = (),
    validity: str | None = None,
    chrome: int = 0,
) -> ArticleModel:
    """The article's model: byline, metadata, policy header, blocks of each page.

    ``content_from`` (a repost): the body, its files and images are those of that other
    article (its head and traits), as if copied into this one's column; the rest (byline,
    metadata, dates, page template) is this article's own. ``body_moves``: the editors'
    edits of the body (``BodyMove``); ``validity``: the header's 有效性 as the site now
    writes it (its ``in_force`` from ``VALIDITIES``); ``chrome``: the page chrome's generation.
    """
    src_head, src_traits = content_from or (head, traits)
    meta_rng = random.Random(mix(seed, head.index, 4))
    file_rng = random.Random(mix(seed, src_head.index, 3))
    text_rng = random.Random(mix(seed, src_head.index, 2, revision))
    ts = head.ts
    topic = head.topic
    column = head.column

    source = phrases.SEED_SOURCE if traits.seed else meta_rng.choice(phrases.SOURCES[column.key])
    author = meta_rng.choice(phrases.PEOPLE) if traits.has_author else None
    editor = meta_rng.choice(phrases.PEOPLE) if traits.editor_form != "none" else None
    keywords = "" if head.index % 5 == 0 else f"{column.name},{topic}"

    if traits.seed:
        blocks = [
            Block("p", text, style="ideo" if k != 2 else "nbsp") for k, text in enumerate(phrases.SEED_PARAGRAPHS)
        ]
        lead = phrases.SEED_PARAGRAPHS[0]
    else:
        lead, blocks = _content_blocks(src_head, src_traits, text_rng, file_rng)
    description = lead.split("。", 1)[0] + "。" if lead else ""

    if revision:
        note_day = ts + timedelta(days=revision)
        note = phrases.revision_note(revision, f"{note_day.year}年{note_day.month}月{note_day.day}日")
        blocks.append(Block("p", note, style="ideo"))

    blocks = apply_body_moves(blocks, body_moves)
    body = tuple(blocks)

    if traits.dup_variant:
        # A second printing of the body in the same container, written differently.
        blocks = blocks + _variant_copies(blocks)

    if traits.dup == "inline":
        # seed-example.txt: the body, then paragraphs 2..n again in the same container.
        first_text = next(k for k, b in enumerate(blocks) if _paragraphs_of(b))
        second = next((k for k, b in enumerate(blocks) if k > first_text and _paragraphs_of(b)), len(blocks))
        blocks = blocks + blocks[second:]

    fj = _fj_links(src_head, src_traits, file_rng)
    if src_traits.fj_in_body and fj:
        # The same file linked from #articleFJ and from the body, under another text.
        href = fj[0][0]
        blocks.append(Block("attach", "附件下载：", parts=("点击下载附件",), href=href))

    tail: list[Block] = []
    if traits.editor_form == "bracket" and editor:
        tail.append(Block("editor", editor))
    if traits.hot_in_body:
        tail.append(Block("hot"))

    pages = _split_pages(head, blocks, tail, file_rng) if traits.multipage else (tuple(blocks + tail),)

    policy: tuple[tuple[str, str], ...] = ()
    written: datetime | None = None
    written_validity, in_force = VALIDITIES[mix(seed, head.index, 11) % len(VALIDITIES)]
    if validity is not None:
        written_validity, in_force = validity, in_force_of(validity)
    if column.policy:
        issuer = meta_rng.choice(phrases.ISSUERS[column.key])
        written = ts - timedelta(days=3 + head.index % 9)
        policy = (
            ("索引号", f"MB1957806/{ts.year}-{head.docid % 100000:05d}"),
            ("发文机构", issuer),
            ("发文字号", head.filenum),
            ("主题分类", meta_rng.choice(phrases.THEMES)),
            ("成文日期", f"{written:%Y年%m月%d日}"),
            ("发布日期", f"{ts:%Y年%m月%d日}"),
            ("有效性", written_validity),
        )
    return ArticleModel(
        head=head,
        traits=traits,
        source=source,
        author=author,
        editor=editor,
        keywords=keywords,
        description=description,
        policy=policy,
        pages=pages,
        fj=fj,
        written=written,
        in_force=in_force if policy else None,
        body=body,
        chrome=chrome,
    )


def in_force_of(validity: str) -> bool | None:
    """What a 有效性 says (``VALIDITIES``): in force, not, or neither (a value not in the table)."""
    return next((in_force for written, in_force in VALIDITIES if written == validity), None)


def _stamp(ts: datetime, rng: random.Random, prefix: str) -> str:
    """TRS file names: images ``W0<YYYYMMDD><9 digits>``, attachments ``P0<YYYYMMDD><6 digits>``."""
    digits = 9 if prefix == "W" else 6
    return f"{prefix}0{ts:%Y%m%d}{rng.randrange(10 ** (digits - 1), 10**digits)}"


def _image_src(head: Head, rng: random.Random, ext: str, root: bool) -> str:
    name = f"{_stamp(head.ts, rng, 'W')}.{ext}"
    if root:
        return f"{head.column.path}{head.ts:%Y%m}/{name}"
    return f"./{name}"


def _content_blocks(
    head: Head, traits: Traits, text_rng: random.Random, file_rng: random.Random
) -> tuple[str, list[Block]]:
    """The lead paragraph ("" when none) and the body blocks of a generated article."""
    if traits.body_kind == BODY_ATTACHMENT_ONLY:
        return ATTACHMENT_ONLY_TEXT, [Block("p", ATTACHMENT_ONLY_TEXT, style="ideo")]
    if traits.body_kind == BODY_IMAGE_ONLY:
        return "", [Block("img", href=_image_src(head, file_rng, "jpg", False), alt=None)]
    day_before = head.ts - timedelta(days=1)
    lead = phrases.lead_paragraph(text_rng, head.topic, f"{day_before.month}月{day_before.day}日")
    return lead, _body_blocks(head, traits, lead, text_rng, file_rng)


def _body_blocks(
    head: Head, traits: Traits, lead: str, text_rng: random.Random, file_rng: random.Random
) -> list[Block]:
    """The body of a generated article, in the order a TRS editor would lay it out."""
    i = head.index
    topic = head.topic
    styles = ("nbsp", "ideo", "css")
    # Successive <p> paragraphs rotate their indentation: &nbsp;&nbsp;, U+3000 U+3000, CSS.
    rotation = itertools.islice(itertools.cycle(styles), i % 3 + 1, None)

    def para(text: str) -> Block:
        if traits.div_paragraphs:
            return Block("div", text)
        return Block("p", text, style=next(rotation))

    blocks: list[Block] = []
    if traits.title_first:
        # The title printed again above the body (seed-example.txt's first line, half-width comma).
        blocks.append(Block("title", head.title.replace("，", ",")))
    if traits.script_comment:
        blocks.append(Block("comment"))
    blocks.append(para(lead))
    if traits.residue:
        blocks += [Block("residue", text) for text in RESIDUE_AFTER_LEAD]
    if traits.images >= 1:
        src = _image_src(head, file_rng, "jpg", traits.image_root_relative)
        blocks.append(Block("img", href=src, alt=f"{topic}现场"))
        blocks.append(Block("p", phrases.caption(text_rng, topic), style="center"))
    second = phrases.body_paragraph(text_rng, topic)
    if traits.inline_markup:
        blocks.append(Block("inline", parts=phrases.split_for_inline(second, text_rng)))
    else:
        blocks.append(para(second))
    if traits.h3:
        blocks.append(Block("h3", phrases.heading(0, text_rng)))
        blocks.append(para(phrases.body_paragraph(text_rng, topic)))
        blocks.append(para(phrases.numbered_paragraph(1, text_rng, topic)))
    if traits.br_lines:
        blocks.append(Block("br", parts=phrases.br_lines(text_rng, topic)))
    if traits.table:
        blocks.append(para("主要指标完成情况如下表："))
        blocks.append(Block("table", rows=phrases.table_rows(text_rng)))
    if traits.braces:
        blocks.append(para(phrases.braces_paragraph(text_rng)))
    if traits.spacer:
        blocks.append(Block("spacer", style=str(i % 4)))
    if traits.script_comment:
        blocks.append(Block("script", head.title))
    if traits.inner_whitespace:
        a = phrases.body_paragraph(text_rng, topic)
        b = phrases.body_paragraph(text_rng, topic)
        blocks.append(Block("p", f"{a} {b}", style=styles[i % 3]))
    if traits.bracket_text:
        blocks.append(para(phrases.bracket_paragraph(text_rng)))
    for _ in range(6 if traits.multipage else 1 + i % 3):
        blocks.append(para(phrases.body_paragraph(text_rng, topic)))
    if traits.invisible:
        # Pasted from a word processor: a BOM, a zero-width space, a word joiner and a control
        # character inside the paragraph's text, none of them text (SITE.md, issue 10).
        blocks[-1] = replace(blocks[-1], style="invisible")
    if traits.residue:
        blocks.append(Block("residue_inline", parts=INLINE_RESIDUE, style="bare" if traits.residue_bare else "span"))
        blocks += [Block("residue", text) for text in RESIDUE_AFTER_BODY]
    if traits.body_link:
        blocks.append(
            Block(
                "link",
                "详情请登录",
                parts=("湖北政务服务网", "查询。"),
                href="http://zwfw.hubei.gov.cn/",
            )
        )
    if traits.body_attachment:
        ext = ATTACHMENT_EXTENSIONS[(i // 5) % len(ATTACHMENT_EXTENSIONS)]
        name = phrases.attachment_name(file_rng, topic, ext)
        href = f"./{_stamp(head.ts, file_rng, 'P')}.{ext}"
        blocks.append(Block("attach", "附件1：", parts=(name,), href=href))
    if traits.images >= 2:
        src = _image_src(head, file_rng, "png", False)
        blocks.append(Block("img", href=src, alt=None))
    return blocks


_HALF_WIDTH = str.maketrans({"，": ",", "（": "(", "）": ")", "：": ":"})
_HALF_WIDTH_COLON = str.maketrans({"：": ":"})
_HALF_WIDTH_PARENS = str.maketrans({"（": "(", "）": ")"})


def variant_html(text: str, k: int) -> str:
    """``text`` as the HTML of a second printing that differs only in what comparison ignores.

    Four forms by ``k % 4``: half-width ``,()：`` without indentation; the comma as the
    entity ``&#65292;`` with ``&nbsp;`` indentation and after each sentence; a zero-width
    space inside, U+3000 indentation and a half-width colon; U+3000 after each sentence and
    half-width parentheses. A copy that would read the same is given a leading U+200B.
    """
    form = k % 4
    if form == 0:
        out = esc(text).translate(_HALF_WIDTH)
    elif form == 1:
        out = "&nbsp;&nbsp;" + esc(text).replace("，", "&#65292;").replace("。", "。&nbsp;")
    elif form == 2:
        mid = len(text) // 2
        out = "\u3000\u3000" + esc(text[:mid]).translate(_HALF_WIDTH_COLON) + "\u200b"
        out += esc(text[mid:]).translate(_HALF_WIDTH_COLON)
    else:
        out = esc(text).replace("。", "。\u3000").translate(_HALF_WIDTH_PARENS)
    if collapse(html.unescape(out)) == collapse(text):
        out = "\u200b" + out
    return out


def _variant_copies(blocks: list[Block]) -> list[Block]:
    copies: list[Block] = []
    for block in blocks:
        if block.kind in ("p", "div", "h3"):
            copies.append(Block("copy", variant_html(block.text, len(copies))))
    return copies


def _fj_links(head: Head, traits: Traits, rng: random.Random) -> tuple[tuple[str, str], ...]:
    if traits.fj != "files":
        return ()
    links = []
    for k in range(traits.fj_files):
        # A notice that is only its files (详见附件。) links PDFs: ./P0<YYYYMMDD><digits>.pdf.
        ext = "pdf" if traits.body_kind == BODY_ATTACHMENT_ONLY else ("pdf", "docx", "xlsx")[(head.index + k) % 3]
        name = phrases.attachment_name(rng, head.topic, ext)
        links.append((f"./{_stamp(head.ts, rng, 'P')}.{ext}", f"\n        {name}\n      "))
    return tuple(links)


def _split_pages(
    head: Head, blocks: list[Block], tail: list[Block], rng: random.Random
) -> tuple[tuple[Block, ...], ...]:
    """SITE.md "Multi-page articles": createPageHTML(3, k, "t…", "shtml") in the body."""
    stem = head.path.rsplit("/", 1)[1].removesuffix(".shtml")
    third = max(1, len(blocks) // 3)
    chunks = [blocks[:third], blocks[third : 2 * third], blocks[2 * third :]]
    extra_img = Block("img", href=_image_src(head, rng, "jpg", False), alt="续页配图")
    chunks[1] = [chunks[1][0], extra_img, *chunks[1][1:]] if chunks[1] else [extra_img]
    chunks[2] = chunks[2] + tail
    return tuple(tuple([*chunk, Block("pager", stem, style=str(k))]) for k, chunk in enumerate(chunks))


# ---------------------------------------------------------------------------------------
# Truth


def _paragraphs_of(block: Block) -> list[str]:
    """Visible paragraph strings of one block, before collapsing."""
    kind = block.kind
    if kind in ("p", "div", "h3"):
        return [block.text]
    if kind == "br":
        return list(block.parts)
    if kind == "inline":
        return ["".join(block.parts)]
    if kind == "residue_inline":
        # What is left once the placeholder is stripped (govnews.text.strip_template_residue).
        return [block.parts[0] + block.parts[2]]
    if kind == "table":
        return [cell for row in block.rows for cell in row]
    if kind == "attach":
        return [block.text + block.parts[0]]
    if kind == "link":
        return [block.text + "".join(block.parts)]
    return []


def paragraphs_of(block: Block) -> list[str]:
    """The visible paragraphs of one block, before collapsing (what truth reads of it)."""
    return _paragraphs_of(block)


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _resolve(href: str, page_path: str) -> str:
    """The path ``href`` leads to from ``page_path``; the whole URL when it leads to another host."""
    url = urljoin("http://mirror" + page_path, href)
    parts = urlsplit(url)
    return parts.path if parts.netloc == "mirror" else url


def _iso(ts: datetime, seconds: bool) -> str:
    fmt = "%Y-%m-%dT%H:%M:%S+08:00" if seconds else "%Y-%m-%dT%H:%M:00+08:00"
    return ts.strftime(fmt)


def pubdate_value(model: ArticleModel) -> str:
    """The PubDate meta content: ``yyyy-MM-dd HH:mm`` or with ``:ss``."""
    fmt = "%Y-%m-%d %H:%M:%S" if model.traits.pubdate_seconds else "%Y-%m-%d %H:%M"
    return model.head.ts.strftime(fmt)


def meta_values(model: ArticleModel) -> list[tuple[str, str]]:
    """(canonical name, content) of each gov meta tag on the page, in page order."""
    head = model.head
    traits = model.traits
    values = {
        "SiteName": PLACEHOLDER_SITE_NAME if traits.meta_placeholder else phrases.SITE_NAME,
        "SiteDomain": phrases.SITE_DOMAIN,
        "SiteIDCode": phrases.SITE_ID_CODE,
        "ColumnName": head.column.name,
        "ColumnType": head.column.name,
        "ArticleTitle": BLANK_TITLE_META if traits.blank_title else head.title,
        "PubDate": traits.pubdate_text or pubdate_value(model),
        "ContentSource": model.source,
        "Keywords": model.keywords,
        "Author": model.author or "",
        "Description": model.description,
        "Url": CANONICAL_ORIGIN + head.path,
    }
    return [(name, values[name]) for name in traits.meta_names]


class ImageTruth(TypedDict):
    path: str
    alt: str | None


class AttachmentTruth(TypedDict):
    path: str
    """The file's path on the site; its whole URL when it is on another host."""
    name: str


class DocumentTruth(TypedDict):
    """A policy document's header, as the crawler must export it: the header's values, its
    dates as ISO dates, what its 有效性 says (``VALIDITIES``)."""

    index_no: str | None
    issuer: str | None
    doc_number: str | None
    topic: str | None
    written_at: str | None
    published_at: str | None
    validity: str | None
    in_force: bool | None


def document_truth(model: ArticleModel) -> DocumentTruth | None:
    """The ``document`` of an article: what its policy header shows (in any form, the
    ``<meta>`` tags included), its 发文字号 from the list row's FILENUM / dFN when the page
    shows none; None for an article with neither (a news article)."""
    head = model.head
    shown = dict(model.policy) if model.traits.policy_header != "none" else {}
    number = shown.get("发文字号") or (head.filenum if head.column.filenum_rows else "")
    if not shown and not number:
        return None
    return {
        "index_no": shown.get("索引号") or None,
        "issuer": shown.get("发文机构") or None,
        "doc_number": number or None,
        "topic": shown.get("主题分类") or None,
        "written_at": model.written.date().isoformat() if shown and model.written else None,
        "published_at": head.ts.date().isoformat() if shown else None,
        "validity": shown.get("有效性") or None,
        "in_force": model.in_force if shown else None,
    }


class ArticleTruth(TypedDict):
    """The item the crawler must export for one article (paths, not URLs: host-free)."""

    path: str
    section: str
    section_path: str
    title: str
    published_at: str
    source: str | None
    author: str | None
    editor: str | None
    paragraphs: list[str]
    images: list[ImageTruth]
    attachments: list[AttachmentTruth]
    meta: dict[str, str]
    document: DocumentTruth | None
    """The policy header as the item's ``document`` object, or None for a news article."""
    duplicate_pair: str | None
    """Path of the other copy when this article and another (a repost in a second column)
    say the same (title, paragraphs, attachments, images); None otherwise. Not an item
    field: the item's ``duplicate_of`` follows from it, "the later-exported copy names the
    earlier one" — of the two, exactly one item carries ``duplicate_of`` = the other's
    canonical URL, the crawler's export order deciding which."""


def published_value(model: ArticleModel) -> str:
    """``published_at``: the publish time as precisely as the site shows it for the article.

    Every stamp the mirror shows of an article is its one publish time, cut to a precision:
    a credible ``PubDate`` (minutes, or seconds), 发布时间 with a time (minutes), 发布日期 with
    seconds (the sub-site template), the list row's time (``2026-02-14 17:32``, in whichever
    list form the row is written), or a date alone (发布时间 / 发布日期 / the policy header /
    the list row / the URL). The finest of them is the value: ``YYYY-MM-DDTHH:MM:SS+08:00``,
    or ``YYYY-MM-DD`` when nothing shows a time. A malformed or future ``PubDate`` / 发布时间
    is no stamp of the article.
    """
    traits = model.traits
    ts = model.head.ts
    precision = 0  # 0 date, 1 minutes, 2 seconds
    if "PubDate" in traits.meta_names and not traits.pubdate_text:
        precision = 2 if traits.pubdate_seconds else 1
    if traits.info_date == "seconds":
        precision = 2
    elif traits.info_date == "time":
        precision = max(precision, 1)
    if traits.row_time and not traits.no_dates:
        precision = max(precision, 1)
    if precision == 0:
        return ts.strftime("%Y-%m-%d")
    return _iso(ts, precision == 2)


def truth(model: ArticleModel, duplicate_pair: str | None = None) -> ArticleTruth:
    """The item the crawler must export for this article (see the mirror's README in site.py)."""
    head = model.head
    traits = model.traits
    metas = dict(meta_values(model))

    published_at = published_value(model)

    if "ContentSource" in metas or traits.info_source:
        source: str | None = model.source
    else:
        source = None

    paragraphs: list[str] = []
    images: list[ImageTruth] = []
    seen_images: set[str] = set()
    body_files: list[tuple[str, str]] = []
    for page_path, blocks in zip(model.page_paths, model.pages, strict=True):
        for block in blocks:
            paragraphs += [collapse(p) for p in _paragraphs_of(block)]
            if block.kind == "img":
                path = _resolve(block.href, page_path)
                if path not in seen_images:
                    seen_images.add(path)
                    images.append({"path": path, "alt": block.alt})
            elif block.kind == "attach":
                body_files.append((_resolve(block.href, page_path), collapse(block.parts[0])))

    attachments: list[AttachmentTruth] = []
    seen_files: set[str] = set()
    fj_files = [(_resolve(href, head.path), collapse(text)) for href, text in model.fj]
    for path, name in fj_files + body_files:
        if path not in seen_files:
            seen_files.add(path)
            attachments.append({"path": path, "name": name})

    meta = {k: v for k, v in metas.items() if v and v != PLACEHOLDER_SITE_NAME}
    if traits.policy_header != "none":
        meta.update({label: value for label, value in model.policy if value})
    if head.column.filenum_rows and head.filenum:
        # The row's FILENUM / dFN is the same 发文字号 (SITE.md): known with or without a header.
        meta["发文字号"] = head.filenum
    return {
        "path": head.path,
        "section": head.column.name,
        "section_path": head.column.path,
        "title": head.title,
        "published_at": published_at,
        "source": source,
        "author": model.author,
        "editor": model.editor,
        "paragraphs": _dedupe(paragraphs),
        "images": images,
        "attachments": attachments,
        "meta": meta,
        "document": document_truth(model),
        "duplicate_pair": duplicate_pair,
    }


# ---------------------------------------------------------------------------------------
# HTML

_INLINE_WRAPS: tuple[tuple[str, str], ...] = (
    ("<strong>", "</strong>"),
    ('<span style="font-family: 仿宋_GB2312; color: #333333;">', "</span>"),
    ('<font face="宋体">', "</font>"),
    ("<b>", "</b>"),
)
# What a single inner space of a paragraph's text is written as, per paragraph style.
_INNER_SPACE = {"nbsp": "&nbsp;", "ideo": "\u3000", "css": "\n", "center": " ", "plain": " "}
_SPACERS = ("<p>&nbsp;</p>", "<p>\u3000</p>", "<p><br/></p>", "<p><span>&nbsp;</span>&nbsp;</p>")
_TRS_EDITOR_STYLE = (
    '<style type="text/css">\n'
    ".TRS_Editor P{margin-top:5px;margin-bottom:5px;line-height:1.8;font-family:宋体;font-size:12pt;}"
    ".TRS_Editor DIV{margin-top:5px;margin-bottom:5px;line-height:1.8;font-family:宋体;font-size:12pt;}"
    ".TRS_Editor TD{font-family:宋体;font-size:12pt;}.TRS_Editor TH{font-size:12pt;}\n"
    "</style>"
)


def _text_html(text: str, style: str) -> str:
    if style == "invisible":
        third = max(1, len(text) // 3)
        return (
            "\ufeff"
            + esc(text[:third])
            + "\u200b"
            + esc(text[third : 2 * third])
            + "\x07\u2060"
            + esc(text[2 * third :])
        )
    return esc(text).replace(" ", _INNER_SPACE.get(style, " "))


def block_html(block: Block) -> str:
    """One block as it stands in the body container (SITE.md "Body", "Attachments", "Sidebars").

    p: ``<p>`` indented with ``&nbsp;&nbsp;``, U+3000 U+3000 or CSS; div: ``<div>`` paragraph;
    br: ``<br>``-separated lines; inline: ``<strong>``/``<span style>``/``<font>`` inside a
    paragraph; h3: sub-heading; table: one paragraph per cell; img: ``./W0….jpg`` with or
    without alt; attach: body link to an office/pdf/archive file; link: any other body link;
    comment, script, spacer: no text; editor: ``【责任编辑：…】``; hot: the 一周热门 template
    inside the body; pager: ``createPageHTML(3, k, "t…", "shtml")`` of a multi-page article;
    residue: a ``<p>`` of template residue only; residue_inline: a placeholder inside prose;
    title: the title again; copy: a paragraph of the second printing (``variant_html``).
    """
    kind = block.kind
    if kind == "p":
        body = _text_html(block.text, block.style)
        if block.style == "nbsp":
            return f"<p>&nbsp;&nbsp;{body}&nbsp;</p>"
        if block.style == "ideo":
            return f"<p>\u3000\u3000{body}</p>"
        if block.style == "css":
            return f'<p style="text-indent: 2em;">\n{body}\n</p>'
        if block.style == "center":
            return f'<p style="text-align: center;">{body}</p>'
        if block.style == "invisible":
            return f"<p>\u3000\u3000{body}</p>"
        return f"<p>{body}</p>"
    if kind == "div":
        return f"<div>\u3000\u3000{_text_html(block.text, block.style)}</div>"
    if kind == "br":
        a, b, c = (esc(p) for p in block.parts)
        return f"<p>\u3000\u3000{a}<br>\u3000\u3000{b}<br />\n{c}<br></p>"
    if kind == "inline":
        pieces = []
        for k, part in enumerate(block.parts):
            if k % 2:
                open_tag, close_tag = _INLINE_WRAPS[(k // 2) % len(_INLINE_WRAPS)]
                pieces.append(f"{open_tag}{esc(part)}{close_tag}")
            else:
                pieces.append(esc(part))
        return "<p>\u3000\u3000" + "".join(pieces) + "</p>"
    if kind == "h3":
        return f'<h3 style="text-align: left;">{esc(block.text)}</h3>'
    if kind == "table":
        out = ['<table border="1" cellspacing="0" cellpadding="0" width="100%"><tbody>']
        for row_no, row in enumerate(block.rows):
            cells = []
            for col_no, cell in enumerate(row):
                if row_no == 0:
                    cells.append(f'<td style="text-align:center"><strong>{esc(cell)}</strong></td>')
                elif col_no % 2:
                    cells.append(f'<td><p style="text-align:center">{esc(cell)}</p></td>')
                else:
                    cells.append(f"<td>\n{esc(cell)}\n</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        return "\n".join(out)
    if kind == "img":
        name = block.href.rsplit("/", 1)[1]
        alt = f' alt="{attr(block.alt)}"' if block.alt is not None else ""
        return (
            f'<p style="text-align: center;"><img src="{attr(block.href)}"{alt} '
            f'OLDSRC="{name}" style="max-width: 100%;" /></p>'
        )
    if kind == "attach":
        return (
            f'<p>\u3000\u3000{esc(block.text)}<a href="{attr(block.href)}" target="_blank">'
            f"{esc(block.parts[0])}</a></p>"
        )
    if kind == "link":
        return (
            f'<p>\u3000\u3000{esc(block.text)}<a href="{attr(block.href)}" target="_blank">'
            f"{esc(block.parts[0])}</a>{esc(block.parts[1])}</p>"
        )
    if kind == "comment":
        return "<!--<p>\u3000\u3000（此段为编辑部内部备注，不予发布）</p>-->"
    if kind == "script":
        return (
            '<script type="text/javascript">\n'
            f'var shareTitle = "{block.text}";\n'
            'document.write("<span class=\\"share\\">分享到：</span>");\n'
            "</script>"
        )
    if kind == "spacer":
        return _SPACERS[int(block.style)]
    if kind == "residue":
        # Raw, as the source holds it: ``<%= … %>`` is text to an HTML parser.
        return f"<p>{block.text}</p>"
    if kind == "residue_inline":
        before, placeholder, after = block.parts
        if block.style == "bare":
            return f"<p>\u3000\u3000{esc(before)}{placeholder}{esc(after)}</p>"
        run = f'<span style="font-family: 仿宋_GB2312;">{esc(before)}</span>'
        return f"<p>\u3000\u3000{run}{placeholder}{esc(after)}</p>"
    if kind == "title":
        return f'<p style="text-align: center;"><strong>{esc(block.text)}</strong></p>'
    if kind == "copy":
        return f"<p>{block.text}</p>"
    if kind == "editor":
        return f'<p style="text-align: right;">【责任编辑：{esc(block.text)}】</p>'
    if kind == "hot":
        return layout.hot_widget()
    if kind == "pager":
        return (
            '<div class="page-article" style="text-align: center;">'
            f'<script type="text/javascript">createPageHTML(3, {block.style}, "{block.text}", "shtml");'
            "</script></div>"
        )
    raise ValueError(f"unknown block kind {kind!r}")


_CONTAINER_CLASSES = {
    ARTICLE_UEDITOR: "view TRS_UEDITOR trs_paper_default trs_web",
    ARTICLE_EDITOR_VIEW: "trs_editor_view TRS_UEDITOR trs_paper_default trs_web",
    ARTICLE_BARE_EDITOR_VIEW: "trs_editor_view",
    ARTICLE_TRS_EDITOR: "TRS_Editor",
}


def _div(cls: str, markup: int, extra: str = "") -> tuple[str, str]:
    """Open and close tags of a ``div`` of class ``cls``, written one of four ways."""
    if markup == 1:
        return f"<div class='{cls}'{extra}>", "</div>"
    if markup == 2:
        return f'<DIV class="{cls}"{extra}>', "</DIV>"
    if markup == 3:
        return f'<div{extra}\n     class="{cls}" >', "</div>"
    return f'<div class="{cls}"{extra}>', "</div>"


def _container(model: ArticleModel, blocks: tuple[Block, ...], hidden: bool) -> str:
    """SITE.md "Body": the container of the article's form (``_CONTAINER_CLASSES``), its tag
    written as ``traits.markup`` says; TRS_Editor (older) comes with its ``<style>``."""
    traits = model.traits
    inner = "\n".join(block_html(b) for b in blocks)
    style = ' style="display:none"' if hidden else ""
    cls = traits.container_class or _CONTAINER_CLASSES[traits.container]
    open_tag, close_tag = _div(cls, traits.markup, style)
    if traits.container == ARTICLE_TRS_EDITOR:
        return f'{open_tag}{_TRS_EDITOR_STYLE}\n<div class="Custom_UnionStyle">\n{inner}\n</div>{close_tag}'
    return f"{open_tag}\n{inner}\n{close_tag}"


def _meta_tags(model: ArticleModel) -> str:
    traits = model.traits
    out = []
    for name, value in meta_values(model):
        shown = name.lower() if traits.meta_form == "lowercase_names" and name in _LOWERCASED_META else name
        if traits.meta_form == "upper":
            out.append(f'<META content="{attr(value)}" name="{shown}">')
        else:
            out.append(f'<meta name="{shown}" content="{attr(value)}" />')
    if traits.policy_header == "meta":
        # The header as tags named after its labels, an empty 发文字号 as an empty content.
        out += [f'<meta name="{label}" content="{attr(value)}">' for label, value in model.policy]
    return "\n".join(out)


def _info_bar(model: ArticleModel) -> str:
    """发布时间 / 来源 / 作者 text with varied separators (SITE.md forms of the byline)."""
    traits = model.traits
    ts = model.head.ts
    pairs: list[tuple[str, str, str]] = []
    if traits.info_date == "time":
        pairs.append(("time", "发布时间", f"{ts:%Y-%m-%d %H:%M}"))
    elif traits.info_date == "date":
        pairs.append(("time", "发布时间", f"{ts:%Y-%m-%d}"))
    if traits.info_date_text:
        pairs.append(("time", "发布时间", traits.info_date_text))
    if traits.info_source:
        pairs.append(("source", "来源", model.source))
    if model.author:
        pairs.append(("author", "作者", model.author))
    style = traits.info_style
    if style == 0:
        text = "\n".join(f'<span class="{c}">{label}：{esc(v)}</span>' for c, label, v in pairs)
    elif style == 1:
        text = (
            '<span class="info-text">'
            + "&nbsp;&nbsp;&nbsp;".join(f"{label}: {esc(v)}" for _, label, v in pairs)
            + "</span>"
        )
    elif style == 2:
        text = "\u3000\u3000".join(f"{label}：{esc(v)}" for _, label, v in pairs)
    else:
        text = " ".join(f"<span>{label} ：</span><span>{esc(v)}</span>" for _, label, v in pairs)
    if model.chrome:
        text += f"\n{_visit_counter(model)}"
    tools = (
        '<span class="font-size">【字号：<a href="javascript:void(0)">大</a> '
        '<a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>】</span>'
        ' <a href="javascript:window.print()">【打印】</a>'
    )
    return f'<div class="article-info">\n{text}\n{tools}\n</div>\n'


def _visit_counter(model: ArticleModel) -> str:
    """Chrome: the page's visit counter, another number at each chrome generation."""
    hits = 100 + 37 * model.chrome + model.head.docid % 50
    return f'<span class="views">浏览次数：<span id="hits">{hits}</span></span>'


def _footer_date(model: ArticleModel) -> str:
    """Chrome: the date the footer says the site was updated, later at each generation."""
    return f"{model.head.ts + timedelta(days=model.chrome):%Y年%m月%d日}" if model.chrome else ""


def _policy_header(model: ArticleModel) -> str:
    """SITE.md "Policy documents": label/value pairs, as the 2026 ``div.sub`` list of
    ``<li>label：value</li>``, an older table, or a list of ``<li><span>label：</span>value</li>``."""
    if model.traits.policy_header == "sub":
        gap = " " if model.traits.markup % 2 == 0 else ""
        items = "\n".join(f"<li>{label}：{gap if value else ''}{esc(value)}</li>" for label, value in model.policy)
        return f'<div class="sub">\n<ul>\n{items}\n</ul>\n</div>\n'
    if model.traits.policy_header == "table":
        pairs = list(model.policy)
        rows = []
        for k in range(0, len(pairs), 2):
            cells = "".join(f"<th>{label}：</th><td>{esc(value)}</td>" for label, value in pairs[k : k + 2])
            rows.append(f"<tr>{cells}</tr>")
        return '<table class="xxgk-table"><tbody>\n' + "\n".join(rows) + "\n</tbody></table>\n"
    if model.traits.policy_header == "lines":
        # One element, a pair a line: 索引号：…<br>发文机构：…<br>…
        lines = "<br>\n".join(f"{label}：{esc(value)}" for label, value in model.policy)
        return f'<div class="xxgk-attr">\n{lines}<br>\n</div>\n'
    if model.traits.policy_header == "meta":
        return ""  # in <head> only (_meta_tags)
    items = "\n".join(f"<li><span>{label}：</span>{esc(value)}</li>" for label, value in model.policy)
    return f'<ul class="xxgk-info">\n{items}\n</ul>\n'


def _fj_block(model: ArticleModel) -> str:
    if model.traits.fj == "empty":
        return '<div id="articleFJ" class="article-fj"></div>\n'
    if not model.fj:
        return ""
    items = "\n".join(f'<li><a href="{attr(href)}" target="_blank">{esc(text)}</a></li>' for href, text in model.fj)
    return f'<div id="articleFJ" class="article-fj">\n<p class="fj-title">附件：</p>\n<ul>\n{items}\n</ul>\n</div>\n'


def render_article_page(model: ArticleModel, page_no: int) -> tuple[bytes, str]:
    """The HTML of page ``page_no`` of the article, encoded, and its Content-Type header."""
    page = render_article_html(model, page_no)
    if model.traits.encoding == "gbk":
        return page.encode("gbk", errors="xmlcharrefreplace"), "text/html"
    return page.encode("utf-8"), "text/html; charset=utf-8"


def render_article_html(model: ArticleModel, page_no: int, charset: str | None = None) -> str:
    """The HTML of page ``page_no`` of the article, as text; ``charset`` replaces the
    page's own charset declaration (a ``<meta>`` tag)."""
    traits = model.traits
    head = model.head
    column = head.column
    blocks = model.pages[page_no]
    if charset is None:
        if traits.encoding == "gbk":
            # SITE.md-style GBK page: declared only in <meta http-equiv>, not in the HTTP header.
            charset = f'<meta http-equiv="Content-Type" content="text/html; charset={traits.charset_label}">'
        elif head.index % 2:
            charset = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        else:
            charset = '<meta charset="utf-8">'
    trs_extras = ""
    if traits.container == ARTICLE_TRS_EDITOR:
        trs_extras = f'\n<meta name="contentid" content="{head.docid}">\n<meta name="filetype" content="0">'
    title_html = BLANK_HEADLINE_HTML if traits.blank_title else esc(head.title)
    if traits.headline == 0 or traits.blank_title:
        headline = f'<h1 class="article-title">{title_html}</h1>\n'
    else:
        headline = f'<div class="detail-title"><h2>{title_html}</h2></div>\n'

    body = _container(model, blocks, hidden=False)
    if traits.dup == "hidden":
        # A print copy of the body, hidden by CSS: same class, same paragraphs.
        body += "\n" + _container(model, blocks, hidden=True)
    editor_div = ""
    if traits.editor_form == "div" and model.editor:
        editor_div = f'<div class="editor">责任编辑：{esc(model.editor)}</div>\n'
    mobile = ""
    if traits.dup == "mobile":
        inner = "\n".join(block_html(b) for b in blocks)
        mobile = f'<div class="mobile-content">\n{inner}\n</div>\n'

    page = (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n'
        f"{charset}\n"
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{'' if traits.blank_title else esc(head.title)} - {phrases.SITE_NAME}</title>\n"
        f"{_meta_tags(model)}{trs_extras}\n"
        '<link rel="stylesheet" href="/images/wh_common.css">\n'
        '<script src="/images/jquery.min.js"></script>\n'
        '<script src="/images/vue.min.js"></script>\n'
        '<script src="/images/createPageHTML.js"></script>\n'
        "</head>\n<body>\n"
        + layout.header_nav()
        + '<div class="container">\n'
        + layout.location(column.path, column.name, "正文")
        + (
            _sub_site_main(model, body)
            if traits.container == ARTICLE_BARE_EDITOR_VIEW
            else (
                '<div class="main-left">\n<div class="article">\n'
                + (_policy_header(model) if traits.policy_header != "none" else "")
                + headline
                + _info_bar(model)
                + (
                    f'<div class="article-content" id="zoom">\n{body}\n</div>\n'
                    if traits.markup % 2 == 0
                    else f"<div id='zoom' class='article-content'>\n{body}\n</div>\n"
                )
            )
        )
        + _fj_block(model)
        + editor_div
        + mobile
        + '<div class="article-tools"><a href="javascript:window.print()">打印本页</a> '
        '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        "</div>\n</div>\n" + layout.sidebar() + "</div>\n" + layout.footer(_footer_date(model)) + "</body>\n</html>\n"
    )
    return page


def _sub_site_main(model: ArticleModel, body: str) -> str:
    """The sub-site template (tjj): ``div#content``, then ``#inside-content`` holding the title,
    ``发布日期：YYYY-MM-DD HH:MM:SS`` (with 来源 and 作者 when known) and the bare body; the
    caller closes ``#content`` and the column around it."""
    head = model.head
    ts = head.ts
    info = [f"<span>发布日期：{ts:%Y-%m-%d %H:%M:%S}</span>"]
    if model.traits.info_source:
        info.append(f"<span>来源：{esc(model.source)}</span>")
    if model.author:
        info.append(f"<span>作者：{esc(model.author)}</span>")
    if model.chrome:
        info.append(_visit_counter(model))
    gap = "&nbsp;&nbsp;" if model.traits.markup % 2 else "\n"
    return (
        '<div class="main-left">\n<div id="content">\n<div id="inside-content">\n'
        f'<h2 class="inside-title">{esc(head.title)}</h2>\n'
        f'<div class="inside-info">{gap.join(info)}</div>\n'
        f"{body}\n</div>\n"
    )


def form_names(traits: Traits, column: ColumnSpec) -> list[str]:
    """Names of the SITE.md forms an article carries (what ``MirrorSite.forms`` reports)."""
    names = [
        f"encoding:{traits.encoding}",
        f"container:{traits.container}",
        f"meta:{traits.meta_form}",
        f"info:date_{traits.info_date}",
        f"info:style_{traits.info_style}",
    ]
    if traits.encoding == "gbk":
        names.append(f"encoding:gbk_declared_{traits.charset_label}")
    if traits.meta_placeholder:
        names.append("meta:placeholder_sitename")
    has_pubdate = "PubDate" in traits.meta_names
    if has_pubdate and traits.pubdate_seconds:
        names.append("meta:pubdate_with_seconds")
    # Where the finest stamp of the article (published_value) is shown.
    if has_pubdate and not traits.pubdate_text:
        names.append("published_at:pubdate_meta")
    elif traits.info_date == "seconds":
        names.append("published_at:info_text_seconds")
    elif traits.info_date == "time":
        names.append("published_at:info_text_time")
    elif traits.row_time and not traits.no_dates:
        names.append("published_at:list_row_time")
    elif traits.info_date == "date":
        names.append("published_at:info_text_date")
    elif traits.policy_header not in ("none", "meta"):
        names.append("published_at:policy_header_date")
    elif not traits.no_dates:
        names.append("published_at:list_row_date")
    else:
        names.append("published_at:url_date")
    if "ContentSource" in traits.meta_names:
        names.append("source:meta")
    elif traits.info_source:
        names.append("source:info_text_only")
    else:
        names.append("source:none")
    if traits.info_source:
        names.append("info:source")
    if traits.has_author:
        names.append("byline:author")
    if traits.editor_form != "none":
        names.append(f"byline:editor_{traits.editor_form}")
    if not traits.has_author and traits.editor_form == "none":
        names.append("byline:none")
    if traits.dup != "none":
        names.append(f"dup:{traits.dup}")
    if traits.policy_header != "none":
        names.append(f"policy:{traits.policy_header}")
    flags = {
        "seed": traits.seed,
        "multipage": traits.multipage,
        "hotlist:in_body": traits.hot_in_body,
        "body:div_paragraphs": traits.div_paragraphs,
        "body:br_lines": traits.br_lines,
        "body:inline_markup": traits.inline_markup,
        "body:inner_whitespace": traits.inner_whitespace,
        "body:h3_subheading": traits.h3,
        "body:table": traits.table,
        "body:script_and_comment": traits.script_comment,
        "body:image_with_alt": traits.images >= 1,
        "body:image_without_alt": traits.images >= 2,
        "body:image_root_relative": traits.image_root_relative and traits.images >= 1,
        "body:attachment_link": traits.body_attachment,
        "body:non_attachment_link": traits.body_link,
        "body:spacer_paragraph": traits.spacer,
        "body:braces_text": traits.braces,
        "body:bracket_text": traits.bracket_text,
        "fj:files": traits.fj == "files",
        "fj:empty": traits.fj == "empty",
        "fj:same_file_in_body": traits.fj_in_body and traits.fj == "files",
        "noise:template_residue": traits.residue,
        "noise:residue_in_prose": traits.residue,
        "noise:body_copy_differs_in_normalisation": traits.dup_variant,
        "noise:title_as_first_paragraph": traits.title_first,
        "noise:invisible_characters": traits.invisible,
        "body:attachment_only": traits.body_kind == BODY_ATTACHMENT_ONLY,
        "body:image_only": traits.body_kind == BODY_IMAGE_ONLY,
    }
    names += [name for name, on in flags.items() if on]
    if set(column.list_forms) & ANCHOR_LIST_FORMS:
        names.append("row:title_attr" if traits.row_title_attr else "row:no_title_attr")
        if traits.no_dates:
            names.append("row:no_date")
        else:
            names.append("row:date_span_time" if traits.row_span_time else "row:date_bare_span")
        names.append(f"row:href_{traits.row_href}")
    if traits.row_time and not traits.no_dates:
        names.append("row:date_with_time")
    names.append(f"row:style_{traits.row_style}")
    names.append(f"markup:style_{traits.markup}")
    return names

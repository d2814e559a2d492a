"""Tests of the mirror itself: the server, the pages, and that its truth is on its pages."""

from __future__ import annotations

import ast
import http.client
import re
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree
from parsel import Selector

from govnews.text import clean_template_paragraphs, dedupe_article, normalize_for_comparison, strip_template_residue
from tests.conftest import run_command
from tests.mirror import phrases
from tests.mirror.article import GOV_META_NAMES, POLICY_LABELS
from tests.mirror.server import MirrorServer
from tests.mirror.site import (
    FAULT_NAMES,
    OVERSIZE_BYTES,
    SEED_ARTICLE_PATH,
    VARIANTS,
    MirrorResponse,
    MirrorSite,
)

TRUTH_KEYS = [
    "path",
    "section",
    "section_path",
    "title",
    "published_at",
    "source",
    "author",
    "editor",
    "paragraphs",
    "images",
    "attachments",
    "meta",
    "document",
    "duplicate_pair",
]
# Every form SITE.md lists must be carried by at least one article of the 40-article site.
REQUIRED_FORMS = {
    "seed",
    "multipage",
    "encoding:gbk",
    "container:ueditor",
    "container:trs_editor",
    "container:editor_view",
    "container:bare_editor_view",
    "meta:full",
    "meta:upper",
    "meta:no_pubdate",
    "meta:no_source",
    "meta:lowercase_names",
    "meta:minimal",
    "meta:placeholder_sitename",
    "meta:pubdate_with_seconds",
    "published_at:pubdate_meta",
    "published_at:info_text_time",
    "published_at:info_text_date",
    "published_at:list_row_date",
    "published_at:list_row_time",
    "published_at:info_text_seconds",
    "published_at:policy_header_date",
    "source:meta",
    "source:info_text_only",
    "source:none",
    "byline:author",
    "byline:editor_bracket",
    "byline:editor_div",
    "byline:none",
    "dup:hidden",
    "dup:mobile",
    "dup:inline",
    "hotlist:in_body",
    "policy:table",
    "policy:ul",
    "policy:sub",
    "policy:lines",
    "policy:meta",
    "body:div_paragraphs",
    "body:br_lines",
    "body:inline_markup",
    "body:inner_whitespace",
    "body:h3_subheading",
    "body:table",
    "body:script_and_comment",
    "body:image_with_alt",
    "body:image_without_alt",
    "body:image_root_relative",
    "body:attachment_link",
    "body:non_attachment_link",
    "body:spacer_paragraph",
    "body:braces_text",
    "body:bracket_text",
    "fj:files",
    "fj:empty",
    "fj:same_file_in_body",
    "row:title_attr",
    "row:no_title_attr",
    "row:truncated_title",
    "row:date_span_time",
    "row:date_bare_span",
    "row:href_relative",
    "row:href_root",
    "row:href_absolute",
    "row:date_with_time",
    "row:style_0",
    "row:style_1",
    "row:style_2",
    "row:style_3",
    "markup:style_0",
    "markup:style_1",
    "markup:style_2",
    "markup:style_3",
    "body:attachment_only",
    "body:image_only",
    "repost:original",
    "repost:copy",
    "noise:template_residue",
    "noise:residue_in_prose",
    "noise:body_copy_differs_in_normalisation",
    "noise:title_as_first_paragraph",
    "noise:invisible_characters",
}


def cleaned(paragraphs: list[str], title: str) -> list[str]:
    """What the cleaning pipelines leave of a body: template residue out, then duplicates
    (of each other and of the title) out (``text.clean_template_paragraphs``, ``text.dedupe_article``)."""
    stripped, _ = clean_template_paragraphs(paragraphs)
    return dedupe_article(stripped, title)[0]


@pytest.fixture(scope="module")
def site() -> MirrorSite:
    return MirrorSite(n_articles=40, per_page=5, seed=0)


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def _decode(response: MirrorResponse) -> str:
    """Charset from the HTTP header, else from <meta http-equiv> (the GBK pages)."""
    match = re.search(r"charset=([\w-]+)", response.headers["Content-Type"])
    if match is None:
        match_bytes = re.search(rb"charset=([\w-]+)", response.body[:1024])
        assert match_bytes is not None
        label = match_bytes.group(1).decode().lower()
        return response.body.decode("gbk" if label in ("gb2312", "gbk") else label)
    return response.body.decode(match.group(1))


# --------------------------------------------------------------------------- server


def test_server_serves_pages_robots_and_404_and_logs_requests(site: MirrorSite) -> None:
    with MirrorServer(site) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        status, headers, body = _get(server.base_url + "/sy/whyw/")
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert 'class="articleList"' in body.decode()
        status, _, body = _get(server.base_url + "/robots.txt")
        assert status == 200
        assert body.decode() == "User-agent: *\nDisallow: /private/\n"
        status, _, body = _get(server.base_url + "/no/such/page.shtml")
        assert status == 404
        assert len(body) < 1000
        _get(server.base_url + "/sy/whyw/index_1.shtml?x=1")
        assert server.requests == [
            "/sy/whyw/",
            "/robots.txt",
            "/no/such/page.shtml",
            "/sy/whyw/index_1.shtml?x=1",
        ]
        server.clear_requests()
        assert server.requests == []


def test_absolute_same_host_rows_point_at_the_serving_host(site: MirrorSite) -> None:
    with MirrorServer(site) as server:
        pages = b"".join(_get(server.base_url + p)[2] for c in site.columns for p in c.list_pages)
        assert re.search(rf"""href=["']{re.escape(server.base_url)}/""".encode(), pages, re.I)
        rows = [r for c in site.columns for p in c.list_pages for r in site.list_rows(p, host=server.base_url[7:])]
        assert [r for r in rows if r["href"].startswith(server.base_url + "/")]


# --------------------------------------------------------------------------- pages


def test_unknown_and_dead_paths_are_404(site: MirrorSite) -> None:
    assert site.render("/nope").status == 404
    assert site.dead_article_paths
    for path in site.dead_article_paths:
        assert site.render(path).status == 404
    assert site.render("/sy/whyw").status == 301
    for path in site.robots_disallowed_paths | site.unwanted_paths:
        assert site.render(path).status == 200


def test_gbk_pages_declare_their_charset_only_in_the_html(site: MirrorSite) -> None:
    gbk = site.forms()["encoding:gbk"]
    assert gbk
    for index in gbk:
        response = site.render(site.article_path(index))
        assert response.headers["Content-Type"] == "text/html"
        assert re.search(rb'<meta http-equiv="Content-Type" content="text/html; charset=(gb2312|GBK)">', response.body)
        text = response.body.decode("gbk")
        assert site.expected_article(site.article_path(index))["title"] in text
        with pytest.raises(UnicodeDecodeError):
            response.body.decode("utf-8")


def test_every_expected_article_page_is_200(site: MirrorSite) -> None:
    expected = site.expected_articles()
    assert len(expected) == 40
    for path in expected:
        assert site.render(path).status == 200, path
    for subpages in site.multipage_paths.values():
        assert len(subpages) == 2
        for path in subpages:
            assert site.render(path).status == 200


def _pager(text: str) -> tuple[int, int] | None:
    """(count, current) from pager form 1 or 2, None when the page has no pager."""
    match = re.search(r'createPageHTML\((\d+), (\d+), "index", "shtml"\);', text)
    if match:
        return int(match.group(1)), int(match.group(2))
    current = re.search(r"var currentPage = (\d+);//所在页从0开始", text)
    count = re.search(r"var countPage = (\d+)//共多少页", text)
    if current and count:
        return int(count.group(1)), int(current.group(1))
    return None


def test_pager_numbers_agree_with_list_page_paths(site: MirrorSite) -> None:
    for column in site.columns:
        pages = site.list_page_paths(column.path)
        assert pages[0] == column.path + "index.shtml"
        assert site.render(column.path).body == site.render(pages[0]).body
        for k, path in enumerate(pages):
            response = site.render(path)
            assert response.status == 200
            pager = _pager(response.body.decode())
            if column.pager in ("createPageHTML", "countPage"):
                assert pager == (len(pages), k), path
            else:
                assert pager is None, path
        after = f"{column.path}index_{len(pages)}.shtml"
        if column.pager == "none:empty-page":
            assert site.terminal_paths(column.path) == {after}
            response = site.render(after)
            assert response.status == 200
            assert Selector(text=response.body.decode()).css("div.articleList li").getall() == []
        elif column.pager in ("none:404", "single"):
            assert site.terminal_paths(column.path) == {after}
            assert site.render(after).status == 404
        else:
            assert site.terminal_paths(column.path) == set()
            assert site.render(after).status == 404


# A reference reader of list pages, written from SITE.md alone: if it reads the rows' truth
# back, the rows' truth is on the page.
_ROW_XPATH = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' articleList ')]/ul/li"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' articleList ')]/dl"
    " | //table[contains(@class, 'list_table')]//tr"
)
# A statement assigning a string: ``url = "…"``, ``var title = "…"``, ``var dUrl = '…'``; the
# ``href="+url+"`` inside a written string is no statement.
_JS_ASSIGN = re.compile(r"""(?:^|;|\n)\s*(?:var\s+)?(\w+)\s*=\s*(["'])(.*?)\2""")
_JS_WRITTEN = re.compile(r"""document\.writeln?\(\s*(["'])(.*?)\1\s*\)""")
_ROW_DATE = re.compile(r"(\d{4})[-年](\d{2})[-月](\d{2})日?(?:\s+(\d{2}:\d{2}))?")
_RN_DATE = re.compile(r"（(\d{4})年(\d{1,2})月(\d{1,2})日")


def _date_of(text: str) -> tuple[str | None, str | None]:
    match = _ROW_DATE.search(text)
    if match is None:
        return None, None
    return "-".join(match.group(1, 2, 3)), match.group(4)


def _read_rows(site: MirrorSite, page_path: str) -> list[dict[str, str | None]]:
    """href, title, date, time and document number of each row of a list page."""
    response = site.render(page_path)
    if response.status != 200:
        return []
    rows: list[dict[str, str | None]] = []
    for row in Selector(text=response.body.decode()).xpath(_ROW_XPATH):
        values: dict[str, str] = {}
        titles: list[str] = []
        for script in row.css("script::text").getall():
            for name, _, value in _JS_ASSIGN.findall(script):
                if name in ("title", "dTitle"):
                    titles.append(value)
                else:
                    values[name] = value
            dates = [written for _, written in _JS_WRITTEN.findall(script) if _ROW_DATE.search(written)]
            if dates:
                values["written_date"] = dates[0]
        text = " ".join(row.xpath(".//text()[not(ancestor::script)]").getall())
        link = row.xpath(".//a[@href]")
        if link:
            href = link[0].attrib["href"]
            title = link[0].attrib.get("title") or _collapse(link[0].xpath("string()").get(""))
            cell = row.xpath(".//td[.//a]/following-sibling::td[1]")
            date, time_ = _date_of(cell.xpath("string()").get("") if cell else text)
        else:
            href = values.get("url") or values.get("dUrl") or ""
            title = next((t for t in reversed(titles) if t), "")
            date, time_ = _date_of(values.get("written_date") or text)
            rn = _RN_DATE.search(values.get("dRN", ""))
            if rn:
                date = f"{rn.group(1)}-{int(rn.group(2)):02d}-{int(rn.group(3)):02d}"
        number = values.get("FILENUM") or values.get("fileNum") or values.get("dFN") or ""
        rows.append({"href": href, "title": title, "date": date, "time": time_, "filenum": number.strip() or None})
        if rows[-1]["filenum"] == "无":
            rows[-1]["filenum"] = None
    return rows


def _row_links(site: MirrorSite, page_path: str) -> list[str]:
    """Every URL a list page's rows name, resolved."""
    return [urljoin("http://www.wuhan.gov.cn" + page_path, str(r["href"])) for r in _read_rows(site, page_path)]


def test_list_rows_link_every_article_and_the_traps(site: MirrorSite) -> None:
    linked: set[str] = set()
    offsite: set[str] = set()
    for column in site.columns:
        pages = site.list_page_paths(column.path)
        per_page = [_row_links(site, p) for p in pages]
        for links in per_page:
            for url in links:
                parts = urlsplit(url)
                if parts.scheme in ("javascript", "mailto"):
                    continue
                if parts.netloc == "www.wuhan.gov.cn":
                    linked.add(parts.path)
                else:
                    offsite.add(url)
        if len(pages) > 1:
            # One row sits on two consecutive pages: last of page 1, first of page 2.
            assert per_page[1][0] in per_page[0]
        schemes = {urlsplit(u).scheme for links in per_page for u in links}
        assert {"javascript", "mailto"} <= schemes, column.path
    expected = set(site.expected_articles())
    traps = site.dead_article_paths | site.robots_disallowed_paths | site.unwanted_paths
    assert linked == expected | traps
    assert len(site.robots_disallowed_paths) == 1
    assert len(site.dead_article_paths) == len(site.unwanted_paths) == len(site.columns)
    assert offsite and offsite <= site.offsite_urls


def test_render_is_deterministic_for_a_seed(site: MirrorSite) -> None:
    again = MirrorSite(n_articles=40, per_page=5, seed=0)
    other = MirrorSite(n_articles=40, per_page=5, seed=1)
    paths = [*site.list_page_paths("/sy/whyw/"), *site.expected_articles()]
    assert all(site.render(p).body == again.render(p).body for p in paths)
    assert site.expected_articles() == again.expected_articles()
    assert any(site.render(p).body != other.render(p).body for p in paths[:10])
    assert other.render(SEED_ARTICLE_PATH).status == 200


def test_large_site_is_built_lazily_and_fast() -> None:
    start = time.perf_counter()
    big = MirrorSite(n_articles=50_000, per_page=20)
    assert time.perf_counter() - start < 2.5
    last = big.list_page_paths("/sy/whyw/")[-1]
    assert big.render(last).status == 200
    assert big.render(big.article_path(0)).status == 200
    assert big.render(SEED_ARTICLE_PATH).status == 200


# --------------------------------------------------------------------------- truth


def test_every_site_md_form_is_carried_at_40_articles(site: MirrorSite) -> None:
    forms = site.forms()
    assert REQUIRED_FORMS - set(forms) == set()
    assert forms["seed"] == [site.article_index(SEED_ARTICLE_PATH)]


def test_truth_has_the_documented_shape(site: MirrorSite) -> None:
    for path, truth in site.expected_articles().items():
        assert list(truth) == TRUTH_KEYS
        assert truth["path"] == path
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\+08:00)?", truth["published_at"])
        paragraphs = truth["paragraphs"]
        assert paragraphs or path in site.special_paths()["image_only"]
        assert len(paragraphs) == len(set(paragraphs))
        for p in paragraphs:
            assert p == p.strip()
            assert "\n" not in p
            assert "  " not in p
            assert "{{" not in p
            assert p != "一周热门"
            assert not re.fullmatch(r"【责任编辑：.*】", p)
    seed = site.expected_article(SEED_ARTICLE_PATH)
    assert seed["paragraphs"] == list(phrases.SEED_PARAGRAPHS)
    assert seed["published_at"] == "2022-05-27T08:05:00+08:00"
    assert seed["source"] == "长江日报"
    assert seed["section"] == "武汉要闻"


def test_prose_keeps_braces_and_brackets(site: MirrorSite) -> None:
    text = "\n".join(p for t in site.expected_articles().values() for p in t["paragraphs"])
    assert "集合{1,2,3}" in text
    assert "【责任编辑】" in text
    assert "（一）" in text


def test_seed_page_prints_the_body_twice_then_the_hot_list(site: MirrorSite) -> None:
    html = site.render(SEED_ARTICLE_PATH).body.decode()
    container = Selector(text=html).css("div.view.TRS_UEDITOR")[0]
    paragraphs = [re.sub(r"\s+", " ", "".join(p.css("::text").getall())).strip() for p in container.css("p")]
    assert paragraphs[:6] == list(phrases.SEED_PARAGRAPHS)
    assert paragraphs[6:11] == list(phrases.SEED_PARAGRAPHS[1:])
    assert container.css("li[v-for]")
    assert "{{index+1}}" in container.get()


# A reference reader of the pages, written from SITE.md alone: if it reads the truth back,
# the truth is on the page.
_GOV_META = {n.lower(): n for n in GOV_META_NAMES}
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "li", "table", "tbody", "tr", "ul"}
_FILE_EXT = re.compile(r"\.(pdf|doc|docx|xls|xlsx|wps|ofd|ceb|zip|rar)$")


def _collapse(text: str) -> str:
    """Whitespace collapsed; control and zero-width characters (never text) out."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]", "", text)
    return re.sub(r"[\s\u3000\xa0]+", " ", text).strip()


_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|\$\{[^{}]*\}", re.S)
_LETTER = re.compile(r"[^\W\d_]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _same_text_key(text: str) -> str:
    """What a second printing may change (width, whitespace, invisible characters) taken out."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_INVISIBLE).split())


def _clean(paragraphs: list[str], title: str) -> list[str]:
    """Template residue out (a paragraph left without a letter goes), then repeats of an
    earlier paragraph or of the title."""
    seen = {_same_text_key(title)}
    out = []
    for paragraph in paragraphs:
        text = _collapse(_TEMPLATE.sub("", paragraph))
        if text != paragraph and not _LETTER.search(text):
            continue
        key = _same_text_key(text)
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def _text(el: Any) -> str:
    """Text of an element without script/style/comments; <br> as \x00."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            if child.tag == "br":
                parts.append("\x00")
            elif child.tag not in ("script", "style"):
                parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _body_paragraphs(el: Any, out: list[str]) -> None:
    for child in el:
        if not isinstance(child.tag, str) or child.tag in ("script", "style"):
            continue
        cls = child.get("class") or ""
        if "hot-list" in cls or "page-article" in cls:
            continue
        if any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in child):
            _body_paragraphs(child, out)
        elif child.tag in _BLOCKS:
            out.extend(_text(child).split("\x00"))


_STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


def _stamp(text: str) -> tuple[int, str] | None:
    """(precision, ISO value) of a credible date written ``2022-05-27[ 08:05[:09]]``."""
    match = _STAMP.fullmatch(text.strip())
    if match is None:
        return None
    y, mo, d, h, mi, sec = match.groups()
    try:
        moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0))
    except ValueError:
        return None
    if moment.year > 2090:
        return None
    if h is None:
        return 0, moment.strftime("%Y-%m-%d")
    return (2 if sec else 1), moment.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def _row_for(site: MirrorSite, column_path: str, path: str) -> dict[str, str | None] | None:
    """The first list row of the column that links to ``path``."""
    for page in site.column(column_path).list_pages:
        for row in _read_rows(site, page):
            if urlsplit(urljoin("http://www.wuhan.gov.cn" + page, str(row["href"]))).path == path:
                return row
    return None


def _read_article(site: MirrorSite, path: str) -> dict[str, Any]:
    pages = [path, *site.multipage_paths.get(path, [])]
    sels = [Selector(text=_decode(site.render(p))) for p in pages]
    first = sels[0]
    meta: dict[str, str] = {}
    for m in first.xpath("//meta[@name]"):
        name = _GOV_META.get(m.attrib["name"].lower())
        value = m.attrib.get("content", "").strip()
        if name and value and value != "网站名称":
            meta[name] = value
    for label_sel in first.css("table.xxgk-table th, ul.xxgk-info li > span"):
        label = label_sel.xpath("string()").get("").strip().rstrip("：")
        value = (
            label_sel.xpath("following-sibling::td[1]").xpath("string()").get("")
            if label_sel.root.tag == "th"
            else "".join(label_sel.xpath("../text()").getall())
        )
        if value and value.strip():
            meta[label] = value.strip()
    for item in first.css("div.sub li"):
        label, _, value = item.xpath("string()").get("").partition("：")
        if value.strip():
            meta[label.strip()] = value.strip()
    for line in first.css("div.xxgk-attr").xpath("string()").get("").splitlines():
        label, _, value = line.partition("：")
        if value.strip():
            meta[label.strip()] = value.strip()
    for m in first.xpath("//meta[@name]"):
        if m.attrib["name"] in POLICY_LABELS and m.attrib.get("content", "").strip():
            meta[m.attrib["name"]] = m.attrib["content"].strip()
    header = {label: meta[label] for label in POLICY_LABELS if label in meta}
    info = _collapse(first.css("div.article-info, #inside-content .inside-info").xpath("string()").get(""))
    raw: list[str] = []
    images: list[dict[str, str | None]] = []
    body_files: list[tuple[str, str]] = []
    editor = None
    for page_path, sel in zip(pages, sels, strict=True):
        container = sel.css(_BODY)[0]
        out: list[str] = []
        _body_paragraphs(container.root, out)
        for p in map(_collapse, out):
            bracket = re.fullmatch(r"【责任编辑：(.+)】", p)
            if bracket:
                editor = bracket.group(1)
            elif p:
                raw.append(p)
        for img in container.css("img"):
            image_path = urlsplit(urljoin(page_path, img.attrib["src"])).path
            if image_path not in [i["path"] for i in images]:
                images.append({"path": image_path, "alt": img.attrib.get("alt")})
        for a in container.css("a[href]"):
            if _FILE_EXT.search(a.attrib["href"]):
                body_files.append((urljoin(page_path, a.attrib["href"]), _collapse(a.xpath("string()").get(""))))
    fj = [(urljoin(path, a.attrib["href"]), _collapse(a.xpath("string()").get(""))) for a in first.css("#articleFJ a")]
    attachments: list[dict[str, str]] = []
    for file_path, name in fj + body_files:
        if file_path not in [a["path"] for a in attachments]:
            attachments.append({"path": file_path, "name": name})
    div_editor = first.css("div.editor::text").re_first(r"责任编辑：(\S+)")
    section_path = first.css("div.location a::attr(href)").getall()[-1]
    row = _row_for(site, section_path, path)
    if row is not None and row["filenum"] and "发文字号" not in meta:
        meta["发文字号"] = str(row["filenum"])  # the row's FILENUM is the document's 发文字号
    document = _document(header, meta.get("发文字号"), bool(first.css("div.sub, table.xxgk-table, ul.xxgk-info")))
    # Every stamp the article shows; the finest is its publish time.
    stamps = [_stamp(meta.get("PubDate", ""))]
    stamps += [_stamp(m.group(1)) for m in re.finditer(r"发布(?:时间|日期) ?[：:] ?([\d:\- ]+\d)", info)]
    if row is not None and row["date"]:
        stamps.append(_stamp(f"{row['date']} {row['time'] or ''}"))
    url_date = re.search(r"/t(\d{4})(\d{2})(\d{2})_", path)
    assert url_date is not None
    stamps.append((-1, "-".join(url_date.groups())))
    published = max((s for s in stamps if s is not None), key=lambda s: s[0])[1]
    source_text = re.search(r"来源 ?[：:] ?(\S+)", info)
    author_text = re.search(r"作者 ?[：:] ?(\S+)", info)
    title = first.css("title::text").get("").removesuffix(" - 武汉市人民政府门户网站")
    return {
        "path": path,
        "section": meta.get("ColumnName") or first.css("div.location a::text").getall()[-1],
        "section_path": section_path,
        "title": title,
        "published_at": published,
        "source": meta.get("ContentSource") or (source_text.group(1) if source_text else None),
        "author": meta.get("Author") or (author_text.group(1) if author_text else None),
        "editor": editor or div_editor,
        "paragraphs": _clean(raw, title),
        "images": images,
        "attachments": attachments,
        "meta": meta,
        "document": document,
        "duplicate_pair": _other_copy(site, path),
    }


_IN_FORCE = {"有效": True, "现行有效": True, "失效": False, "废止": False, "已废止": False}


def _document(header: dict[str, str], number: str | None, shown: bool) -> dict[str, Any] | None:
    """The document object from what the page shows (``header``: its pairs; ``shown``: a
    visible header, which may hold only empty values) and the 发文字号 known for it."""
    if not header and not shown and not number:
        return None

    def iso(text: str | None) -> str | None:
        found = re.fullmatch(r"(\d{4})年(\d{2})月(\d{2})日", text or "")
        return "-".join(found.groups()) if found else None

    return {
        "index_no": header.get("索引号"),
        "issuer": header.get("发文机构"),
        "doc_number": number,
        "topic": header.get("主题分类"),
        "written_at": iso(header.get("成文日期")),
        "published_at": iso(header.get("发布日期")),
        "validity": header.get("有效性"),
        "in_force": _IN_FORCE.get(header.get("有效性") or ""),
    }


def _other_copy(site: MirrorSite, path: str) -> str | None:
    """The other copy of a repost pair: not on the page, but on the other page (checked apart)."""
    return next((b if a == path else a for a, b in site.repost_pairs() if path in (a, b)), None)


def test_truth_is_readable_from_the_pages(site: MirrorSite) -> None:
    for path, truth in site.expected_articles().items():
        assert _read_article(site, path) == truth, path


def test_publish_adds_newer_rows_on_top_and_edit_changes_truth() -> None:
    site = MirrorSite(n_articles=40, per_page=5)
    before = site.expected_articles()
    newest = max(before.values(), key=lambda t: t["published_at"][:16])
    docids = [int(p.rsplit("_", 1)[1].removesuffix(".shtml")) for p in before]
    added = site.publish(2, "/sy/whyw/")
    assert len(added) == 2
    rows = _row_links(site, "/sy/whyw/index.shtml")
    assert [urlsplit(u).path for u in rows[:2]] == added
    for path in added:
        truth = site.expected_article(path)
        assert truth["published_at"][:10] >= newest["published_at"][:10]
        assert int(path.rsplit("_", 1)[1].removesuffix(".shtml")) > max(docids)
        assert site.render(path).status == 200
        assert _read_article(site, path) == truth

    target = SEED_ARTICLE_PATH
    old_page = site.render(target).body
    old = site.expected_article(target)["paragraphs"]
    site.edit(target)
    new = site.expected_article(target)["paragraphs"]
    assert new != old
    assert site.render(target).body != old_page
    assert _read_article(site, target) == site.expected_article(target)


@pytest.mark.parametrize("per_page", [5, 3])
def test_every_page_is_well_formed_html(per_page: int) -> None:
    """Balanced tags, unique ids: a page's tree is what its markup says, in any parser."""
    site = MirrorSite(n_articles=40 if per_page == 5 else 60, per_page=per_page, seed=0)
    paths = [p for c in site.columns for p in (*c.list_pages, *c.terminal_paths)]
    paths += [*site.expected_articles(), *(p for v in site.multipage_paths.values() for p in v)]
    for path in paths:
        response = site.render(path)
        if response.status == 200:
            etree.fromstring(response.body, etree.HTMLParser(recover=False))


# --------------------------------------------------------------------------- noise (on by default)

_BODY = "[class*=TRS_UEDITOR], .TRS_Editor, .trs_editor_view"
_VISIBLE_TEXT = ".//text()[not(ancestor::script) and not(ancestor::style)]"
_RESIDUE_PARAGRAPHS = (
    "<p>{% if article.views %}</p>",
    "<p><%= article.views %></p>",
    "<p>${pageViews}</p>",
    "<p>{{#each tags}}{{this}}{{/each}}</p>",
    "<p>{{ \n item.summary \n }}</p>",
)
_TEMPLATE_TOKENS = ("{{", "}}", "{%", "%}", "<%", "%>", "${")


def _page_paragraphs(site: MirrorSite, path: str) -> list[str]:
    """Every visible paragraph of the article's body container, whitespace collapsed but
    every other character as the page has it."""
    container = Selector(text=_decode(site.render(path))).css(_BODY)[0]
    out: list[str] = []
    _body_paragraphs(container.root, out)
    collapsed = (re.sub(r"[\s\u3000\xa0]+", " ", p).strip() for p in out)
    return [p for p in collapsed if p and not re.fullmatch(r"【责任编辑：.+】", p)]


def test_template_residue_is_on_the_page_and_not_in_the_truth(site: MirrorSite) -> None:
    indexes = site.forms()["noise:template_residue"]
    assert len(indexes) >= 2
    for index in indexes:
        path = site.article_path(index)
        html = _decode(site.render(path))
        for residue in _RESIDUE_PARAGRAPHS:
            assert residue in html, (path, residue)
        truth = site.expected_article(path)
        in_prose = [p for p in _page_paragraphs(site, path) if "{{ item.channel }}" in p]
        assert in_prose == ["市民可通过{{ item.channel }}平台查询办理进度。"]
        # The truth is what the crawler's cleaning makes of the page's text.
        assert strip_template_residue(in_prose[0]) == ("市民可通过平台查询办理进度。", 1)
        assert "市民可通过平台查询办理进度。" in truth["paragraphs"]
        assert not [p for p in truth["paragraphs"] if any(t in p for t in _TEMPLATE_TOKENS)]
        assert cleaned(_page_paragraphs(site, path), truth["title"]) == truth["paragraphs"]


def test_bare_residue_writes_the_placeholder_into_the_paragraph_text(site: MirrorSite) -> None:
    spanned = MirrorSite(n_articles=40, per_page=5, seed=0, bare_residue=False)
    path = site.article_path(site.forms()["noise:template_residue"][0])
    assert "<span" in spanned.render(path).body.decode().split("{{ item.channel }}")[0][-80:]
    assert "\u3000\u3000市民可通过{{ item.channel }}平台" in site.render(path).body.decode()
    assert spanned.expected_articles() == site.expected_articles()


def test_second_printing_differs_only_in_what_comparison_ignores(site: MirrorSite) -> None:
    indexes = site.forms()["noise:body_copy_differs_in_normalisation"]
    assert len(indexes) >= 2
    raw_html = ""
    for index in indexes:
        path = site.article_path(index)
        truth = site.expected_article(path)
        raw_html += site.render(path).body.decode()
        page = _page_paragraphs(site, path)
        copies = page[len(truth["paragraphs"]) :]
        assert len(copies) >= 3
        first = {normalize_for_comparison(p): p for p in truth["paragraphs"]}
        for copy in copies:
            assert normalize_for_comparison(copy) in first  # the same text, compared
            assert copy not in truth["paragraphs"]  # ... but not the same string
        assert page[: len(truth["paragraphs"])] == truth["paragraphs"]
        assert cleaned(page, truth["title"]) == truth["paragraphs"]
    for spelling in ("&#65292;", "\u200b", "&nbsp;", ",", "(", ":"):
        assert spelling in raw_html, spelling


def test_title_printed_again_above_the_body(site: MirrorSite) -> None:
    indexes = site.forms()["noise:title_as_first_paragraph"]
    assert len(indexes) >= 2
    for index in indexes:
        path = site.article_path(index)
        truth = site.expected_article(path)
        page = _page_paragraphs(site, path)
        assert normalize_for_comparison(page[0]) == normalize_for_comparison(truth["title"])
        assert page[1:] == truth["paragraphs"][: len(page) - 1]
        assert cleaned(page, truth["title"]) == truth["paragraphs"]


def test_invisible_characters_are_on_the_page_and_not_in_the_truth(site: MirrorSite) -> None:
    indexes = site.forms()["noise:invisible_characters"]
    assert len(indexes) >= 2
    for index in indexes:
        path = site.article_path(index)
        page = _page_paragraphs(site, path)
        marked = {p for p in page if "\u200b" in p}  # one paragraph (maybe printed twice)
        assert len(marked) == 1, path
        (text,) = marked
        assert "\x07\u2060" in text and text.startswith("\ufeff"), path
        truth = site.expected_article(path)["paragraphs"]
        clean = text.translate(dict.fromkeys(map(ord, "\ufeff\u200b\u2060\x07")))
        assert clean in truth
        assert not [p for p in truth if re.search(r"[\x00-\x1f\u200b-\u200d\u2060\ufeff]", p)]


# --------------------------------------------------------------------------- faults=True


@pytest.fixture
def faulty() -> MirrorSite:
    return MirrorSite(n_articles=40, per_page=5, seed=0, faults=True)


def _case_path(site: MirrorSite, name: str) -> str:
    return site.fault_cases[name].path


def test_fault_catalogue_rows_are_mixed_into_page_one(faulty: MirrorSite, site: MirrorSite) -> None:
    assert set(faulty.fault_cases) == set(FAULT_NAMES)
    assert len(FAULT_NAMES) == 19
    assert site.fault_cases == {} and site.huge_pager_column is None
    yielding = {n for n, c in faulty.fault_cases.items() if c.yields_item}
    assert yielding == {
        "burst_503_recovers",
        "no_body_container",
        "gbk_declared_utf8",
        "utf8_declared_gbk",
        "malformed_date",
        "future_date",
        "missing_dates",
    }
    expected = faulty.expected_articles()
    for name, case in faulty.fault_cases.items():
        assert case.name == name and case.description
        assert (case.path in expected) == case.yields_item
        assert site.render(case.path).status == 404  # the normal site has no such page
    for column in ("/sy/whyw/", "/zwgk/tzgg/"):
        rows = [urlsplit(u).path for u in _row_links(faulty, f"{column}index.shtml")]
        faults = [c.path for c in faulty.fault_cases.values() if c.path.startswith(column)]
        assert len(faults) >= 9 and set(faults) <= set(rows)
        flags = [p in faults for p in rows]
        assert not flags[0] and True in flags[: len(flags) // 2]  # mixed in, not a block at the end
        for k, page in enumerate(faulty.list_page_paths(column)[1:]):
            assert not set(faults) & {urlsplit(u).path for u in _row_links(faulty, page)}, k
    # Real articles are those of the normal site; only the faults and 武汉旅游 are added.
    normal = site.expected_articles()
    assert {p: t for p, t in expected.items() if p in normal} == normal
    added = set(expected) - set(normal)
    assert added == {faulty.fault_cases[n].path for n in yielding} | {
        p for p in expected if p.startswith("/zjwh/whly/")
    }


def test_fault_pages_answer_with_their_status(faulty: MirrorSite) -> None:
    for name, status in (("http_404", 404), ("http_410", 410), ("burst_502_persists", 502), ("challenge_412", 412)):
        for _ in range(3):  # every time
            assert faulty.render(_case_path(faulty, name)).status == status, name
    challenge = faulty.render(_case_path(faulty, "challenge_412"))
    assert challenge.headers["Content-Type"].startswith("text/html")
    assert re.search(rb'<script>document\.cookie="__jsl_clearance=[^"]+";location\.href=', challenge.body)
    assert len(challenge.body) < 1000
    assert faulty.fault_requests("challenge_412") == 4


def test_503_burst_recovers_and_reset_starts_it_again(faulty: MirrorSite) -> None:
    path = _case_path(faulty, "burst_503_recovers")
    with MirrorServer(faulty) as server:
        statuses = [_get(server.url(path))[0] for _ in range(4)]
        assert statuses == [503, 503, 200, 200]
        assert faulty.fault_requests("burst_503_recovers") == 4
        faulty.reset_faults()
        assert faulty.fault_requests("burst_503_recovers") == 0
        assert _get(server.url(path))[0] == 503
    faulty.reset_faults()
    faulty.render(path)
    faulty.render(path)
    assert _read_article(faulty, path) == faulty.expected_article(path)


def test_slow_fault_waits_without_holding_up_other_requests(faulty: MirrorSite) -> None:
    faulty.slow_seconds = 0.6
    with MirrorServer(faulty) as server:
        took: list[float] = []

        def slow() -> None:
            start = time.perf_counter()
            assert _get(server.url(_case_path(faulty, "slow")))[0] == 200
            took.append(time.perf_counter() - start)

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.1)
        start = time.perf_counter()
        assert _get(server.url("/robots.txt"))[0] == 200
        assert time.perf_counter() - start < 0.3
        thread.join()
    assert took and took[0] >= 0.6
    assert MirrorSite(faults=True).slow_seconds == 3.0


def test_reset_mid_body_sends_half_the_page_then_closes(faulty: MirrorSite) -> None:
    path = _case_path(faulty, "reset_mid_body")
    full = faulty.render(path).body
    with MirrorServer(faulty) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Length") == str(len(full))
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        assert cut.value.partial == full[: len(full) // 2]
        conn.close()
        assert _get(server.url("/robots.txt"))[0] == 200  # the server goes on


def test_redirect_faults(faulty: MirrorSite) -> None:
    loop = _case_path(faulty, "redirect_loop")
    first = faulty.render(loop, host="127.0.0.1:8000")
    assert first.status == 302
    assert first.headers["Location"] == f"http://127.0.0.1:8000{loop}?loop=1"
    second = faulty.render(loop + "?loop=1", host="127.0.0.1:8000")
    assert second.status == 302
    assert second.headers["Location"] == f"http://127.0.0.1:8000{loop}"
    offsite = faulty.render(_case_path(faulty, "redirect_offsite"))
    assert offsite.status == 302
    assert offsite.headers["Location"] == "http://evil.example.net" + _case_path(faulty, "redirect_offsite")
    assert offsite.headers["Location"].startswith("http://evil.example.net/sy/whyw/")


def test_body_faults(faulty: MirrorSite) -> None:
    empty = faulty.render(_case_path(faulty, "empty_200"))
    assert (empty.status, empty.headers["Content-Type"], empty.body) == (200, "text/html", b"")
    garbage = faulty.render(_case_path(faulty, "garbage_bytes"))
    assert (garbage.status, garbage.headers["Content-Type"], len(garbage.body)) == (200, "text/html", 4096)
    with pytest.raises(UnicodeDecodeError):
        garbage.body.decode("utf-8")
    assert MirrorSite(faults=True).render(_case_path(faulty, "garbage_bytes")).body == garbage.body
    path = _case_path(faulty, "oversize")
    oversize = faulty.render(path)
    assert oversize.status == 200
    assert len(oversize.body) == OVERSIZE_BYTES == 3 * 1024 * 1024
    assert b'src="data:image/png;base64,' in oversize.body
    assert faulty.render(path).body is oversize.body  # built once
    with MirrorServer(faulty) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("HEAD", path)
        assert conn.getresponse().getheader("Content-Length") == str(OVERSIZE_BYTES)
        conn.close()


def test_misdeclared_charsets(faulty: MirrorSite) -> None:
    path = _case_path(faulty, "gbk_declared_utf8")
    response = faulty.render(path)
    title = faulty.expected_article(path)["title"]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<meta charset="utf-8">' in response.body
    with pytest.raises(UnicodeDecodeError):
        response.body.decode("utf-8")
    assert title in response.body.decode("gbk")

    path = _case_path(faulty, "utf8_declared_gbk")
    response = faulty.render(path)
    assert response.headers["Content-Type"] == "text/html; charset=gb2312"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in response.body
    assert faulty.expected_article(path)["title"] in response.body.decode("utf-8")
    assert faulty.expected_article(path)["title"] not in response.body.decode("gbk", errors="replace")


def _row_of(site: MirrorSite, path: str) -> Selector:
    column = next(c for c in ("/sy/whyw/", "/zwgk/tzgg/") if path.startswith(c))
    page = Selector(text=site.render(f"{column}index.shtml").body.decode())
    name = path.rsplit("/", 1)[1]
    rows = [li for li in page.css("div.articleList li") if li.css("a::attr(href)").get("").endswith(name)]
    assert len(rows) == 1
    return rows[0]


def test_date_faults(faulty: MirrorSite) -> None:
    for name, pubdate in (("malformed_date", "2022-13-45 25:61"), ("future_date", "2099-01-01 08:00")):
        path = _case_path(faulty, name)
        page = Selector(text=faulty.render(path).body.decode())
        assert page.css('meta[name="PubDate"]::attr(content)').getall() == [pubdate]
        info = page.css("div.article-info").xpath("string()").get("")
        assert ("发布时间" in info) == (name == "future_date")
        if name == "future_date":
            assert "发布时间：2099-01-01 08:00" in info
        row_date = _row_of(faulty, path).css("span::text").get()
        assert row_date == faulty.expected_article(path)["published_at"]
        assert re.search(rf"/t{row_date.replace('-', '')}_", path)

    path = _case_path(faulty, "missing_dates")
    html = faulty.render(path).body.decode()
    assert not re.search(r'name="pubdate"', html, re.I) and "发布时间" not in html
    row = _row_of(faulty, path)
    assert row.css("span").getall() == [] and not re.search(r"\d{4}-\d{2}-\d{2}", row.get())
    stamp = re.search(r"/t(\d{4})(\d{2})(\d{2})_", path)
    assert stamp is not None
    assert faulty.expected_article(path)["published_at"] == "-".join(stamp.groups())
    assert _read_article(faulty, path) == faulty.expected_article(path)


def test_whitespace_title_fault_has_no_title_anywhere(faulty: MirrorSite) -> None:
    path = _case_path(faulty, "whitespace_title")
    html = faulty.render(path).body.decode()
    page = Selector(text=html)
    assert page.css('meta[name="ArticleTitle"]::attr(content)').get() == "\u3000 "
    assert "<title> - 武汉市人民政府门户网站</title>" in html
    assert '<h1 class="article-title">&nbsp;\u3000</h1>' in html
    row = _row_of(faulty, path)
    assert row.css("a::attr(title)").get() is None
    assert row.css("a::text").get("").strip() == ""
    assert path not in faulty.expected_articles()
    with pytest.raises(KeyError):
        faulty.expected_article(path)


def test_no_body_container_fault_keeps_other_text_small(faulty: MirrorSite) -> None:
    path = _case_path(faulty, "no_body_container")
    page = Selector(text=faulty.render(path).body.decode())
    assert page.css(_BODY + ", [class~=view]") == []
    body = page.css("div.content-text")
    assert len(body) == 1
    out: list[str] = []
    _body_paragraphs(body[0].root, out)
    truth = faulty.expected_article(path)
    assert [p for p in map(_collapse, out) if p] == truth["paragraphs"]
    # Outside the body, every other block of text is short, mostly links, or a bare template.
    for block in page.xpath("//body//*[self::p or self::li or self::span or self::h1]"):
        if block.xpath("ancestor-or-self::div[contains(@class, 'content-text')]") or "{{" in block.get():
            continue
        text = _collapse(block.xpath("string()").get(""))
        links = sum(len(_collapse(a)) for a in block.xpath(".//a").xpath("string()").getall())
        assert len(text) < 40 or links >= len(text) / 2, text


def test_huge_pager_column(faulty: MirrorSite, site: MirrorSite) -> None:
    column = faulty.huge_pager_column
    assert column == "/zjwh/whly/"
    info = faulty.column(column)
    assert info.name == "武汉旅游" and info in faulty.columns
    assert info.list_pages == (f"{column}index.shtml", f"{column}index_1.shtml")
    assert faulty.render(column).body == faulty.render(info.list_pages[0]).body
    truth = {p: t for p, t in faulty.expected_articles().items() if p.startswith(column)}
    assert len(truth) == 6
    assert {t["section"] for t in truth.values()} == {"武汉旅游"}
    assert {t["section_path"] for t in truth.values()} == {column}
    linked: list[str] = []
    for k, page_path in enumerate(info.list_pages):
        text = faulty.render(page_path).body.decode()
        assert _pager(text) == (99999, k)
        rows = [urlsplit(u).path for u in _row_links(faulty, page_path)]
        assert len(rows) == 3
        linked += rows
    assert linked == list(truth)  # newest first
    for path in linked:
        assert _read_article(faulty, path) == truth[path]
    assert info.terminal_paths == {f"{column}index_2.shtml"}
    for k in (2, 3, 500, 99998):
        assert faulty.render(f"{column}index_{k}.shtml").status == 404
    # Rows into a column nobody asked for point elsewhere when 武汉旅游 is served.
    assert all(p.startswith("/zjwh/whly/") for p in site.unwanted_paths)
    assert faulty.unwanted_paths and not [p for p in faulty.unwanted_paths if p.startswith(column)]
    for path in faulty.unwanted_paths:
        assert faulty.render(path).status == 200


def test_fault_and_huge_pager_pages_are_well_formed(faulty: MirrorSite) -> None:
    paths = [c.path for c in faulty.fault_cases.values() if c.name not in ("garbage_bytes", "oversize")]
    paths += [*faulty.column("/zjwh/whly/").list_pages, *faulty.expected_articles()]
    # Well-formed but for their charset declaration: parsed as what they really are.
    real = {_case_path(faulty, "gbk_declared_utf8"): "gbk", _case_path(faulty, "utf8_declared_gbk"): "utf-8"}
    for path in paths:
        response = faulty.render(path)
        if response.status == 200 and response.body:
            body = response.body
            if path in real:
                text = re.sub(r"<meta[^>]*charset[^>]*>", '<meta charset="utf-8">', body.decode(real[path]))
                body = text.encode("utf-8")
            etree.fromstring(body, etree.HTMLParser(recover=False))


# --------------------------------------------------------------------------- variants


def test_unknown_variant_is_refused() -> None:
    assert VARIANTS == ("renamed_body", "empty_list", "no_dates")
    with pytest.raises(ValueError, match="variant"):
        MirrorSite(variant="nope")
    assert MirrorSite().variant is None


def test_variant_renamed_body(site: MirrorSite) -> None:
    renamed = MirrorSite(n_articles=40, per_page=5, seed=0, variant="renamed_body")
    assert renamed.variant == "renamed_body"
    assert renamed.expected_articles() == site.expected_articles()
    pages = [*renamed.expected_articles(), *(p for v in renamed.multipage_paths.values() for p in v)]
    for path in pages:
        page = Selector(text=_decode(renamed.render(path)))
        assert page.css(_BODY + ", [class~=view]") == [], path
        assert page.css("div.article-body"), path


def test_variant_empty_list(site: MirrorSite) -> None:
    empty = MirrorSite(n_articles=40, per_page=5, seed=0, variant="empty_list")
    response = empty.render("/sy/kwh/")
    assert response.status == 200
    page = Selector(text=response.body.decode())
    assert page.css("div.articleList") and page.css("div.articleList li") == []
    assert page.css("div.nav a")  # a normal page otherwise
    expected = empty.expected_articles()
    assert not [t for t in expected.values() if t["section_path"] == "/sy/kwh/"]
    normal = site.expected_articles()
    assert expected == {p: t for p, t in normal.items() if t["section_path"] != "/sy/kwh/"}
    assert empty.render("/sy/whyw/").body == site.render("/sy/whyw/").body


def test_variant_no_dates(site: MirrorSite) -> None:
    undated = MirrorSite(n_articles=40, per_page=5, seed=0, variant="no_dates")
    column = "/zwgk/tzgg/"
    for page_path in undated.list_page_paths(column):
        rows = _read_rows(undated, page_path)
        assert rows and not [r for r in rows if r["date"]], page_path
        assert not [r for r in undated.list_rows(page_path) if r["date"]]
        text = undated.render(page_path).body.decode()
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), page_path
    normal = site.expected_articles()
    for path, truth in undated.expected_articles().items():
        if truth["section_path"] != column:
            assert truth == normal[path]
            continue
        html = _decode(undated.render(path))
        assert not re.search(r'name="pubdate"', html, re.I) and "发布时间" not in html, path
        stamp = re.search(r"/t(\d{4})(\d{2})(\d{2})_", path)
        assert stamp is not None
        assert truth["published_at"] == "-".join(stamp.groups())
        assert _read_article(undated, path) == truth


# --------------------------------------------------------------------------- issue 9: failures, notices, reposts


def test_fail_makes_one_exact_path_answer_an_error_until_cleared_or_counted_out() -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=0)
    page_2 = site.list_page_paths("/zwgk/tzgg/")[1]
    normal = site.render(page_2).body
    site.fail(page_2)
    assert [site.render(page_2).status for _ in range(3)] == [500, 500, 500]
    assert site.render(page_2 + "?x=1").status == 500  # the query is ignored
    assert site.render("/zwgk/tzgg/index.shtml").status == 200  # that path only
    site.clear_failures()
    assert site.render(page_2).body == normal
    site.fail(page_2, status=503, times=2)
    assert [site.render(page_2).status for _ in range(3)] == [503, 503, 200]
    site.fail("/sy/whyw/", status=404, times=1)
    assert site.render("/sy/whyw/").status == 404
    assert site.render("/sy/whyw/index.shtml").status == 200
    assert site.render("/sy/whyw/").status == 200
    with pytest.raises(ValueError, match="status"):
        site.fail(page_2, status=302)
    with pytest.raises(ValueError, match="times"):
        site.fail(page_2, times=0)
    with MirrorServer(site) as server:
        site.fail(page_2, status=502)
        assert _get(server.url(page_2))[0] == 502
        assert server.responses[-1] == (page_2, 502)


def test_notices_of_files_only_and_of_one_image(site: MirrorSite) -> None:
    specials = site.special_paths()
    notices = specials["attachment_only"]
    assert len(notices) == 2 and all(p.startswith("/zwgk/tzgg/") for p in notices)
    truths = [site.expected_article(p) for p in notices]
    assert [t["paragraphs"] for t in truths] == [["详见附件。"], ["详见附件。"]]
    assert truths[0]["title"] != truths[1]["title"]
    files = [[a["path"] for a in t["attachments"]] for t in truths]
    assert [len(f) for f in files] == [1, 2] and not set(files[0]) & set(files[1])
    for path, truth in zip(notices, truths, strict=True):
        page = Selector(text=_decode(site.render(path)))
        body = page.css(_BODY)[0]
        assert _collapse(" ".join(body.xpath(_VISIBLE_TEXT).getall())) == "详见附件。"
        hrefs = page.css("#articleFJ a::attr(href)").getall()
        assert all(re.fullmatch(r"\./P0\d{8}\d+\.pdf", h) for h in hrefs)
        assert [urlsplit(urljoin(path, h)).path for h in hrefs] == [a["path"] for a in truth["attachments"]]
    (image_only,) = specials["image_only"]
    truth = site.expected_article(image_only)
    assert truth["paragraphs"] == [] and len(truth["images"]) == 1
    body = Selector(text=_decode(site.render(image_only))).css(_BODY)[0]
    assert _collapse(" ".join(body.xpath(_VISIBLE_TEXT).getall())) == ""
    assert len(body.css("img")) == 1
    expected = site.expected_articles()
    assert set(notices) | {image_only} <= set(expected)


def test_repost_pair_says_the_same_at_another_url_in_another_column(site: MirrorSite) -> None:
    (pair,) = site.repost_pairs()
    first, repost = pair
    assert site.special_paths()["repost_original"] == [first]
    assert first.startswith("/zwgk/tzgg/") and repost.startswith("/sy/whyw/")
    a, b = site.expected_article(first), site.expected_article(repost)
    assert a["duplicate_pair"] == repost and b["duplicate_pair"] == first
    assert a["title"] == b["title"] and a["paragraphs"] == b["paragraphs"] and a["paragraphs"]
    assert a["attachments"] and [x["name"] for x in a["attachments"]] == [x["name"] for x in b["attachments"]]
    files = [[x["path"].rsplit("/", 1)[1] for x in t["attachments"]] for t in (a, b)]
    files += [[x["path"].rsplit("/", 1)[1] for x in t["images"]] for t in (a, b)]
    assert files[0] == files[1] and files[2] == files[3]
    assert a["published_at"] < b["published_at"]
    for path in (first, repost):
        assert site.render(path).status == 200
        for file in site.expected_article(path)["attachments"]:
            assert site.render(file["path"]).status == 200
    others = [t for p, t in site.expected_articles().items() if p not in pair]
    assert all(t["duplicate_pair"] is None for t in others)
    edited = MirrorSite(n_articles=40, per_page=5, seed=0)
    edited.edit(repost)
    assert edited.repost_pairs() == []
    assert edited.expected_article(first)["duplicate_pair"] is None


def test_publish_and_edit_work_in_every_column() -> None:
    site = MirrorSite(n_articles=40, per_page=5, seed=0)
    for column in site.columns:
        before = site.list_page_paths(column.path)
        top = site.article_paths(column.path)[0]
        (new,) = site.publish(1, column.path)
        assert site.article_paths(column.path)[:2] == [new, top]
        assert site.expected_article(new)["section_path"] == column.path
        assert new in [urlsplit(u).path for u in _row_links(site, column.path + "index.shtml")]
        assert len(site.list_page_paths(column.path)) >= len(before)
        old = site.expected_article(top)["paragraphs"]
        site.edit(top)
        assert site.expected_article(top)["paragraphs"] != old


# --------------------------------------------------------------------------- list and article forms


@pytest.fixture(scope="module")
def paged() -> MirrorSite:
    """Small pages: every column has two list pages or more (the end-to-end forms crawl's site)."""
    return MirrorSite(n_articles=60, per_page=3, seed=0)


def _all_list_pages(site: MirrorSite) -> list[str]:
    return [p for c in site.columns for p in (*c.list_pages, *c.terminal_paths)]


@pytest.mark.parametrize(("n", "per_page", "faults"), [(40, 5, False), (60, 3, False), (40, 5, True), (40, 2, False)])
def test_list_rows_truth_is_what_the_pages_show(n: int, per_page: int, faults: bool) -> None:
    site = MirrorSite(n_articles=n, per_page=per_page, seed=0, faults=faults)
    for page in _all_list_pages(site):
        truth = [
            {"href": r["href"], "title": r["title"], "date": r["date"], "time": r["time"], "filenum": r["filenum"]}
            for r in site.list_rows(page)
        ]
        assert _read_rows(site, page) == truth, page
    for column in site.columns:
        linked = {r["path"] for p in column.list_pages for r in site.list_rows(p) if r["path"]}
        expected = {p for p, t in site.expected_articles().items() if t["section_path"] == column.path}
        assert linked == expected, column.path


def test_every_column_renders_two_list_forms_and_two_article_forms(paged: MirrorSite, site: MirrorSite) -> None:
    for column in paged.columns:
        assert len(set(column.list_forms)) == len(set(column.article_forms)) == 2, column.path
        shown = set().union(*(paged.list_page_forms(p) for p in column.list_pages))
        assert shown == set(column.list_forms), column.path
        written = {paged.article_form(p) for p in paged.article_paths(column.path)}
        assert written == set(column.article_forms), column.path
        # Older list pages keep the older form: page 1 the current one, page 2 the older.
        if column.pager != "single":
            assert [paged.list_page_forms(p) for p in column.list_pages[:2]] == [
                {column.list_forms[0]},
                {column.list_forms[1]},
            ], column.path
        # Older articles keep the older form: the newest the current, the oldest the older.
        articles = paged.article_paths(column.path)
        assert (paged.article_form(articles[0]), paged.article_form(articles[-1])) == column.article_forms
    for column in site.columns:  # 40 articles, 5 a page: both article forms everywhere
        assert {site.article_form(p) for p in site.article_paths(column.path)} == set(column.article_forms)


def test_new_articles_push_older_forms_down() -> None:
    site = MirrorSite(n_articles=60, per_page=3, seed=0)
    column = "/zwgk/tzgg/"
    assert site.list_page_forms(f"{column}index_1.shtml") == {"table"}
    site.publish(3, column)
    # Page 2 now holds the rows page 1 held: it is written as page 1 was.
    assert site.list_page_forms(f"{column}index_1.shtml") == {"li"}
    assert site.list_page_forms(f"{column}index_2.shtml") == {"table"}
    assert all(site.article_form(p) == "ueditor" for p in site.article_paths(column)[:3])


def test_script_rows_of_2026_are_written_as_site_md_quotes_them(paged: MirrorSite) -> None:
    pages = [p for c in ("/zwgk/xxgk/zfwj/szfwj/", "/zwgk/xxgk/zfwj/gfxwj/") for p in paged.column(c).list_pages]
    rows = [(page, r) for page in pages for r in paged.list_rows(page) if r["form"] == "script_2026" and r["path"]]
    assert rows
    html = "".join(paged.render(p).body.decode() for p in pages)
    row_re = re.compile(
        r'<li>\n<script>\nvar url = "(\./\d{6}/t\d{8}_\d+\.shtml)";?\n'
        r'((?:var title = "[^"]*";\n)+)'
        r'var FILENUM = "([^"]+)";?\n'
        r"document\.writeln\(\"<a href=\"\+url\+\" [^\n]*\"</a>\"\);\n"
        r'document\.writeln\("(\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?)"\);\n</script>\n</li>'
    )
    found = {m.group(1): m for m in row_re.finditer(html)}
    twice = with_time = no_number = 0
    for page, row in rows:
        match = found[row["href"]]
        titles = re.findall(r'var title = "([^"]*)";', match.group(2))
        assert next(t for t in reversed(titles) if t) == row["title"]
        twice += len(titles) > 1
        assert match.group(3) == (row["filenum"] or "无")
        no_number += match.group(3) == "无"
        assert match.group(4) == " ".join(str(v) for v in (row["date"], row["time"]) if v)
        with_time += row["time"] is not None
        assert re.search(r"/t\d{8}_", urljoin(page, row["href"]))
    assert twice and with_time and with_time < len(rows) and no_number
    assert 'var title = "";\nvar title = "' in html and '";\nvar title = "";\n' in html


def test_other_row_forms_keep_their_date_where_site_md_says(paged: MirrorSite) -> None:
    page = paged.column("/zwgk/xxgk/zcjd/").list_pages[0]
    text = paged.render(page).body.decode()
    assert re.search(r'<span class="time"><script>var fileNum = ""; [^<]*</script>\d{4}年\d{2}月\d{2}日</span>', text)
    table = paged.column("/zwgk/tzgg/").list_pages[1]
    sel = Selector(text=paged.render(table).body.decode())
    assert not sel.css("div.articleList")
    for tr in sel.css("table.list_table tr"):
        date = tr.xpath(".//td[.//a]/following-sibling::td[1]").xpath("string()").get("")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?", date.strip())
    dl = paged.column("/sy/kwh/").list_pages[1]
    dl_sel = Selector(text=paged.render(dl).body.decode())
    assert dl_sel.css("div.articleList dl dt a") and dl_sel.css("div.articleList dl dd")
    old_news = paged.render(paged.column("/sy/whyw/").list_pages[1]).body.decode()
    assert re.search(r'\nurl = "\./\d{6}/t\d{8}_\d+\.shtml";\ntitle = "', old_news)
    assert "document.write('<a href=\"' + url + '\"" in old_news
    assert not Selector(text=old_news).css("div.articleList a")
    # Noise: rows with the date first, single quotes, upper-case tags.
    every = "".join(paged.render(p).body.decode() for p in _all_list_pages(paged) if paged.render(p).status == 200)
    for spelling in ("<LI><A HREF=", "<TR><TD", "<li>\n  <span", "href='./", 'var dTitle="'):
        assert spelling in every, spelling


def test_article_forms_are_written_as_site_md_quotes_them(paged: MirrorSite) -> None:
    bodies = {
        "ueditor": 'class="view TRS_UEDITOR trs_paper_default trs_web"',
        "editor_view": "trs_editor_view TRS_UEDITOR trs_paper_default trs_web",
        "trs_editor": "TRS_Editor",
    }
    seen: set[str] = set()
    for path in paged.expected_articles():
        form = paged.article_form(path)
        seen.add(form)
        html = _decode(paged.render(path))
        page = Selector(text=html)
        truth = paged.expected_article(path)
        if form == "bare_editor_view":
            body = page.css("div#content div.trs_editor_view")  # a hidden print copy may follow
            assert body and body[0].attrib["class"] == "trs_editor_view"
            info = page.css("#inside-content").xpath("string()").get("")
            assert re.search(r"发布日期：\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", info)
            assert not re.search(r'name="pubdate"', html, re.I)
            assert truth["published_at"][11:19] == re.findall(r"\d{2}:\d{2}:\d{2}", info)[0]
        else:
            assert bodies[form].split('"')[-2 if form == "ueditor" else 0] in html, (path, form)
        if form == "editor_view":
            items = [_collapse(li.xpath("string()").get("")) for li in page.css("div.sub li")]
            labels = [item.split("：", 1)[0] for item in items]
            assert labels == ["索引号", "发文机构", "发文字号", "主题分类", "成文日期", "发布日期", "有效性"]
            assert re.fullmatch(r"发布日期： ?\d{4}年\d{2}月\d{2}日", items[5])
    assert seen == {"ueditor", "editor_view", "trs_editor", "bare_editor_view"}


def test_truth_of_row_numbers_and_times(paged: MirrorSite) -> None:
    """发文字号 comes from the header, else from the row's FILENUM; a row's time is a stamp."""
    expected = paged.expected_articles()
    headerless = 0
    for column in ("/zwgk/xxgk/zfwj/szfwj/", "/zwgk/xxgk/zfwj/gfxwj/"):
        for page in paged.column(column).list_pages:
            for row in paged.list_rows(page):
                if not row["path"]:
                    continue
                truth = expected[row["path"]]
                assert truth["meta"].get("发文字号") == row["filenum"]
                html = _decode(paged.render(row["path"]))
                headerless += "发文字号" not in html and row["filenum"] is not None
                if row["time"] and "PubDate" not in truth["meta"]:
                    assert truth["published_at"][11:16] == row["time"]
    assert headerless


def test_truth_is_readable_from_the_pages_of_the_small_page_site(paged: MirrorSite) -> None:
    for path, truth in paged.expected_articles().items():
        assert _read_article(paged, path) == truth, path


# --------------------------------------------------------------------------- independence


_MIRROR_DIR = Path(__file__).parent / "mirror"


def test_the_mirror_imports_nothing_from_govnews() -> None:
    """The mirror is written from SITE.md, not from the extractor: no import of govnews at all."""
    files = sorted(_MIRROR_DIR.glob("*.py"))
    assert len(files) >= 8
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "import_module",
                "__import__",
            ):
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            assert not [n for n in names if n.split(".")[0] == "govnews"], (file.name, names)


_RENDER_EVERYTHING = """
import sys
sys.modules["govnews"] = None  # any import of govnews now fails
from tests.mirror.site import MirrorSite
from tests.mirror.server import MirrorServer
for faults in (False, True):
    site = MirrorSite(n_articles=60, per_page=3, seed=0, faults=faults)
    paths = [p for c in site.columns for p in (*c.list_pages, *c.terminal_paths)]
    paths += [*site.expected_articles(), *(p for v in site.multipage_paths.values() for p in v)]
    for path in paths:
        assert site.render(path).status >= 200, path
        site.list_rows(path)
    site.forms()
assert not [m for m in sys.modules if m.startswith("govnews.")]
print("rendered", len(paths))
"""


def test_the_mirror_runs_with_govnews_unimportable() -> None:
    proc = run_command([sys.executable, "-c", _RENDER_EVERYTHING], timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("rendered ")

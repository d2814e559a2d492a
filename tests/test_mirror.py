"""Tests of the mirror itself: the server, the pages, and that its truth is on its pages."""

from __future__ import annotations

import http.client
import re
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree
from parsel import Selector

from govnews.text import clean_paragraphs, normalize_for_comparison, strip_template_residue
from tests.mirror import phrases
from tests.mirror.article import GOV_META_NAMES
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
    "duplicate_pair",
]
# Every form SITE.md lists must be carried by at least one article of the 40-article site.
REQUIRED_FORMS = {
    "seed",
    "multipage",
    "encoding:gbk",
    "container:ueditor",
    "container:trs_editor",
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
    "published_at:url_date",
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
    "noise:template_residue",
    "noise:residue_in_prose",
    "noise:body_copy_differs_in_normalisation",
    "noise:title_as_first_paragraph",
}


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
        pages = b"".join(_get(server.base_url + p)[2] for p in site.list_page_paths("/sy/whyw/"))
        assert f'href="{server.base_url}/sy/whyw/'.encode() in pages


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


def _row_links(site: MirrorSite, page_path: str) -> list[str]:
    """Every URL a list page's rows name: <a href>, script ``url = "…"`` and ``var dUrl = '…'``."""
    text = site.render(page_path).body.decode()
    rows = Selector(text=text).css("div.articleList")
    hrefs = rows.css("a::attr(href)").getall()
    scripts = " ".join(rows.css("script::text").getall())
    hrefs += re.findall(r'(?m)^url = "([^"]*)";', scripts)
    hrefs += re.findall(r"var dUrl = '([^']*)';", scripts)
    return [urljoin("http://www.wuhan.gov.cn" + page_path, h) for h in hrefs]


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
    assert len(site.dead_article_paths) == len(site.unwanted_paths) == 6
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
    info = _collapse(first.css("div.article-info").xpath("string()").get(""))
    raw: list[str] = []
    images: list[dict[str, str | None]] = []
    body_files: list[tuple[str, str]] = []
    editor = None
    for page_path, sel in zip(pages, sels, strict=True):
        container = sel.css("[class*=TRS_UEDITOR], .TRS_Editor")[0]
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
    date_text = re.search(r"发布时间 ?[：:] ?(\d{4}-\d{2}-\d{2})( \d{2}:\d{2})?", info)
    if "PubDate" in meta:
        stamp = meta["PubDate"]
        published = stamp.replace(" ", "T") + (":00" if len(stamp) == 16 else "") + "+08:00"
    elif date_text and date_text.group(2):
        published = f"{date_text.group(1)}T{date_text.group(2).strip()}:00+08:00"
    elif date_text:
        published = date_text.group(1)
    else:
        url_date = re.search(r"/t(\d{4})(\d{2})(\d{2})_", path)
        assert url_date is not None
        published = "-".join(url_date.groups())
    source_text = re.search(r"来源 ?[：:] ?(\S+)", info)
    author_text = re.search(r"作者 ?[：:] ?(\S+)", info)
    title = first.css("title::text").get("").removesuffix(" - 武汉市人民政府门户网站")
    return {
        "path": path,
        "section": meta.get("ColumnName") or first.css("div.location a::text").getall()[-1],
        "section_path": first.css("div.location a::attr(href)").getall()[-1],
        "title": title,
        "published_at": published,
        "source": meta.get("ContentSource") or (source_text.group(1) if source_text else None),
        "author": meta.get("Author") or (author_text.group(1) if author_text else None),
        "editor": editor or div_editor,
        "paragraphs": _clean(raw, title),
        "images": images,
        "attachments": attachments,
        "meta": meta,
        "duplicate_pair": _other_copy(site, path),
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


def test_every_page_is_well_formed_html(site: MirrorSite) -> None:
    """Balanced tags, unique ids: a page's tree is what its markup says, in any parser."""
    paths = [p for c in site.columns for p in (*c.list_pages, *c.terminal_paths)]
    paths += [*site.expected_articles(), *(p for v in site.multipage_paths.values() for p in v)]
    for path in paths:
        response = site.render(path)
        if response.status == 200:
            etree.fromstring(response.body, etree.HTMLParser(recover=False))


# --------------------------------------------------------------------------- noise (on by default)

_BODY = "[class*=TRS_UEDITOR], .TRS_Editor"
_RESIDUE_PARAGRAPHS = (
    "<p>{% if article.views %}</p>",
    "<p><%= article.views %></p>",
    "<p>${pageViews}</p>",
    "<p>{{#each tags}}{{this}}{{/each}}</p>",
    "<p>{{ \n item.summary \n }}</p>",
)
_TEMPLATE_TOKENS = ("{{", "}}", "{%", "%}", "<%", "%>", "${")


def _page_paragraphs(site: MirrorSite, path: str) -> list[str]:
    """Every visible paragraph of the article's body container, as a reader sees it."""
    container = Selector(text=_decode(site.render(path))).css(_BODY)[0]
    out: list[str] = []
    _body_paragraphs(container.root, out)
    return [p for p in map(_collapse, out) if p and not re.fullmatch(r"【责任编辑：.+】", p)]


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
        assert clean_paragraphs(_page_paragraphs(site, path), truth["title"])[0] == truth["paragraphs"]


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
        assert clean_paragraphs(page, truth["title"])[0] == truth["paragraphs"]
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
        assert clean_paragraphs(page, truth["title"])[0] == truth["paragraphs"]


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
        text = undated.render(page_path).body.decode()
        rows = Selector(text=text).css("div.articleList li")
        assert rows and not [r for r in rows if re.search(r"\d{4}-\d{2}-\d{2}", r.get())], page_path
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
        assert _collapse(body.xpath("string()").get("")) == "详见附件。"
        hrefs = page.css("#articleFJ a::attr(href)").getall()
        assert all(re.fullmatch(r"\./P0\d{8}\d+\.pdf", h) for h in hrefs)
        assert [urlsplit(urljoin(path, h)).path for h in hrefs] == [a["path"] for a in truth["attachments"]]
    (image_only,) = specials["image_only"]
    truth = site.expected_article(image_only)
    assert truth["paragraphs"] == [] and len(truth["images"]) == 1
    body = Selector(text=_decode(site.render(image_only))).css(_BODY)[0]
    assert _collapse(body.xpath("string()").get("")) == ""
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

"""Tests of the mirror itself: the server, the pages, and that its truth is on its pages."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree
from parsel import Selector

from tests.mirror import phrases
from tests.mirror.article import GOV_META_NAMES
from tests.mirror.server import MirrorServer
from tests.mirror.site import SEED_ARTICLE_PATH, MirrorResponse, MirrorSite

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
        assert paragraphs
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
        "paragraphs": list(dict.fromkeys(raw)),
        "images": images,
        "attachments": attachments,
        "meta": meta,
    }


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

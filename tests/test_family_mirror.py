"""The family mirror (``tests/mirror/family.py``): every site on its own real HTTP server, in
the forms SITE.md gives for the family, with truth; a reference reader here reads pages
back with parsel (no govnews)."""

from __future__ import annotations

import itertools
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree
from parsel import Selector

from tests.conftest import run_command
from tests.mirror.family import SITES, FamilyMirror, FamilyModel

_ROW_HREF = re.compile(r"^\./(\d{6})/t(\d{8})_(\d+)\.shtml$")


@pytest.fixture(scope="module")
def family() -> Iterator[FamilyMirror]:
    with FamilyMirror(seed=0) as mirror:
        yield mirror


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def every_path(model: FamilyModel, key: str) -> list[str]:
    spec = model.spec(key)
    paths = ["/", "/robots.txt"]
    for column in spec.columns:
        paths += [column.path, *model.list_page_paths(key, column.path)]
    return paths + [a.path for a in model.articles(key)]


def test_at_least_five_sites_each_on_its_own_port(family: FamilyMirror) -> None:
    assert len(family.servers) == len(SITES) >= 5
    ports = [server.port for server in family.servers.values()]
    assert len(set(ports)) == len(ports)
    assert {urlsplit(u).hostname for u in family.base_urls.values()} == {"127.0.0.1"}
    hosts = {s.spec.host for s in family.servers.values()}
    assert {"www.jianghan.gov.cn", "www.wuchang.gov.cn", "tjj.wuhan.gov.cn"} <= hosts
    # A site answers only its own paths.
    jianghan = family.model.articles("jianghan")[0].path
    assert get(family.base_url("jianghan") + jianghan)[0] == 200
    assert get(family.base_url("hongshan") + jianghan)[0] == 404


def test_every_page_is_well_formed_html() -> None:
    model = FamilyModel(seed=3, per_page=7)
    for spec in SITES:
        for path in every_path(model, spec.key):
            response = model.render(spec.key, path)
            assert response.status == 200, (spec.key, path)
            if path != "/robots.txt":
                etree.fromstring(response.body, etree.HTMLParser(recover=False))
        etree.fromstring(model.render(spec.key, "/nope/").body, etree.HTMLParser(recover=False))


def test_columns_hold_16_to_44_documents_and_list_pages_follow_the_pager(family: FamilyMirror) -> None:
    model = family.model
    for spec in SITES:
        for column in spec.columns:
            count = len(model.rows[(spec.key, column.path)])
            assert 16 <= count <= 44, (spec.key, column.path, count)
            pages = model.list_page_paths(spec.key, column.path)
            assert len(pages) == -(-count // model.per_page)
            html = model.render(spec.key, pages[0]).body.decode()
            if spec.pager == "createPageHTML":
                assert f'createPageHTML({len(pages)}, 0, "index", "shtml")' in html
            else:
                assert (
                    "var currentPage = 0;//所在页从0开始" in html and f"var countPage = {len(pages)}//共多少页" in html
                )
            assert model.render(spec.key, f"{column.path}index_{len(pages)}.shtml").status == 404
            assert model.render(spec.key, column.path).body == model.render(spec.key, pages[0]).body


def test_tjj_serves_index_shtml_and_answers_404_for_index_html(family: FamilyMirror) -> None:
    base = family.base_url("tjj")
    assert get(base + "/xwzx/sjyw/index.shtml")[0] == 200
    assert get(base + "/xwzx/sjyw/index.html")[0] == 404
    assert get(base + "/xwzx/sjyw/")[0] == 200


def read_rows(html: str, page_url: str) -> list[tuple[str, str, str]]:
    """(absolute URL, title, date) of each list row, as a plain reader would."""
    rows = []
    for li in Selector(text=html).css("div.articleList li"):
        href = li.css("a::attr(href)").get() or ""
        assert _ROW_HREF.match(href), href  # plain server-rendered relative links
        title = li.css("a::attr(title)").get() or li.css("a::text").get() or ""
        rows.append((urljoin(page_url, href), title, li.css("span::text").get() or ""))
    return rows


def read_article(html: str) -> dict[str, object]:
    """title, published_at, source, paragraphs of an article page, by the family's forms."""
    page = Selector(text=html)
    body = page.css(".trs_editor_view, .TRS_UEDITOR")
    assert len(body) == 1
    stamp = page.css('meta[name="PubDate"]::attr(content)').get()
    if stamp is None:  # the bureau form: 发布日期 in #inside-content
        info = " ".join(page.css("#inside-content .info span::text").getall())
        match = re.search(r"发布日期：(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", info)
        assert match is not None
        stamp = match.group(1)
    source = re.search(r"来源：(\S+)", " ".join(page.css(".info span::text").getall()))
    # The headline is the article block's first element, whatever holds it (TITLE_FORMS).
    headline = page.css(".article > :first-child, #inside-content > :first-child")
    assert len(headline) == 1
    return {
        "title": "".join(headline.css("::text").getall()),
        "published_at": stamp.replace(" ", "T") + "+08:00",
        "source": source.group(1) if source else None,
        "paragraphs": [p.strip("\u3000 ") for p in body.css("p::text").getall()],
    }


def test_truth_is_what_the_pages_say(family: FamilyMirror) -> None:
    model = family.model
    for spec in SITES:
        base = family.base_url(spec.key)
        truth = model.expected_articles(spec.key)
        listed: list[str] = []
        for column in spec.columns:
            for path in model.list_page_paths(spec.key, column.path):
                status, body = get(base + path)
                assert status == 200
                for url, title, day in read_rows(body.decode(), base + path):
                    key = (spec.key, urlsplit(url).path)
                    assert key in truth, url
                    assert truth[key]["title"] == title and str(truth[key]["published_at"]).startswith(day)
                    assert truth[key]["section_path"] == column.path
                    listed.append(url)
        assert len(listed) == len(set(listed)) == len(truth)  # every article listed once
        for (_, path), expected in truth.items():
            status, body = get(base + path)
            assert status == 200
            read = read_article(body.decode())
            assert read == {k: expected[k] for k in ("title", "published_at", "source", "paragraphs")}, path
            assert expected["host"] == spec.host and f"_{expected['docid']}.shtml" in path


def test_the_bureau_form_has_a_bare_body_and_no_pubdate(family: FamilyMirror) -> None:
    article = family.model.articles("tjj")[0]
    page = Selector(text=get(family.base_url("tjj") + article.path)[1].decode())
    assert page.css("div#content > div.trs_editor_view") and not page.css(".TRS_UEDITOR")
    assert page.css('meta[name="PubDate"]') == []
    assert "发布日期：" in "".join(page.css("#inside-content ::text").getall())
    for key in ("jianghan", "wuchang"):
        other = Selector(text=family.model.render(key, family.model.articles(key)[0].path).body.decode())
        assert other.css('meta[name="PubDate"]') and other.css("div.TRS_UEDITOR")


def test_one_docid_sequence_grows_with_time_across_every_site() -> None:
    model = FamilyModel(seed=1)
    articles = sorted(model.articles(), key=lambda a: (a.ts, a.docid))
    docids = [a.docid for a in articles]
    assert len(set(docids)) == len(docids)
    assert docids == sorted(docids)  # chronological order is docid order, family-wide
    assert len({a.spec.key for a in articles[:40]}) >= 3  # sites interleave in the sequence
    newest = max(docids)
    fresh = model.publish("hongshan", "/tzgg/", 2) + model.publish("tjj", "/xwzx/sjyw/")
    assert [a.docid for a in fresh] == sorted(a.docid for a in fresh) and fresh[0].docid > newest
    assert model.rows[("hongshan", "/tzgg/")][:2] == fresh[1::-1]  # newest on top
    assert model.render("tjj", fresh[2].path).status == 200


def test_fail_answers_an_error_then_recovers() -> None:
    model = FamilyModel(seed=0)
    path = model.list_page_paths("wuchang", "/zwgk_37/zc/gsgg/")[1]
    model.fail("wuchang", path, 503, times=2)
    assert [model.render("wuchang", path).status for _ in range(3)] == [503, 503, 200]
    assert model.render("jianghan", "/xwzx/tzgg/").status == 200
    model.fail("wuchang", path)
    assert model.render("wuchang", path).status == 500
    model.clear_failures()
    assert model.render("wuchang", path).status == 200
    with pytest.raises(ValueError, match="not an error"):
        model.fail("wuchang", path, 200)


def test_the_access_log_records_each_request_with_a_monotonic_time(family: FamilyMirror) -> None:
    server = family.servers["jiangan"]
    server.clear_access_log()
    pause = 0.15
    paths = ["/robots.txt", *family.model.list_page_paths("jiangan", "/jaxxw/zfxxgk/zc_41333/qtzdgkwj/gsgg/")]
    for path in paths:
        get(server.base_url + path)
        time.sleep(pause)
    log = server.access_log
    assert [p for _, p in log] == paths
    assert all(b[0] >= a[0] for a, b in itertools.pairwise(log))
    gaps = server.spacing()
    assert len(gaps) == len(paths) - 2 and min(gaps) >= pause  # robots.txt is left out
    # Requests at once show as a small spacing: the log can tell a burst from a polite crawl.
    server.clear_access_log()
    burst = [threading.Thread(target=get, args=(server.base_url + "/",)) for _ in range(4)]
    for thread in burst:
        thread.start()
    for thread in burst:
        thread.join()
    assert len(server.access_log) == 4 and min(server.spacing()) < pause
    assert family.servers["tjj"].access_log == [] or all(p for _, p in family.servers["tjj"].access_log)


_RENDER_WITHOUT_GOVNEWS = """
import sys
sys.modules["govnews"] = None  # any import of govnews now fails
from tests.mirror.family import SITES, FamilyMirror
with FamilyMirror() as family:
    n = sum(family.model.render(s.key, a.path).status == 200 for s in SITES for a in family.model.articles(s.key))
assert not [m for m in sys.modules if m.startswith("govnews")  and sys.modules[m] is not None]
print("rendered", n)
"""


def test_the_family_mirror_runs_with_govnews_unimportable() -> None:
    proc = run_command([sys.executable, "-c", _RENDER_WITHOUT_GOVNEWS], timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("rendered ")

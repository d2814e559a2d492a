"""The spider's decisions on single responses (no server needed)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from govnews.crawl.spiders.wuhan import ListPageRef, WuhanSpider
from govnews.extract.listing import ListRow
from govnews.items import Article

BASE = "https://www.wuhan.gov.cn"


def spider(**kwargs: str) -> WuhanSpider:
    return WuhanSpider.from_crawler(get_crawler(WuhanSpider), incremental="0", **kwargs)


def failure_of(request: Request, status: int) -> Failure:
    response = HtmlResponse(request.url, status=status, body=b"", request=request)
    failure = Failure(HttpError(response, "not ok"))
    failure.request = request  # type: ignore[attr-defined]
    return failure


def test_page_one_falls_back_to_the_column_root_once() -> None:
    crawl = spider()
    crawl.incremental_run.begin("/sy/kwh/", limit=10)
    first = crawl._list_request(ListPageRef("/sy/kwh/"))
    assert first.url == f"{BASE}/sy/kwh/index.shtml"
    (retry,) = crawl.list_failed(failure_of(first, 404))
    assert retry.url == f"{BASE}/sy/kwh/"
    assert list(crawl.list_failed(failure_of(retry, 404))) == []
    assert crawl.crawler.stats is not None
    assert crawl.crawler.stats.get_value("govnews/list/failed/http_404") == 1


def test_a_404_after_the_last_page_ends_a_pagerless_column_once_asked_again() -> None:
    crawl = spider()
    walk = crawl.incremental_run.begin("/zwgk/tzgg/", limit=10)
    walk.page_read(0, ["a", "b"], page_count=None, covered=())
    walk.page_read(1, ["c"], page_count=None, covered=())  # short: a list's last page
    later = crawl._list_request(ListPageRef("/zwgk/tzgg/", page_index=2))
    (again,) = crawl.list_failed(failure_of(later, 404))
    # The same page, asked again after a pause (the duplicate filter lets it through).
    assert again.url == later.url and again.dont_filter and again.meta["govnews_pause"] > 0
    assert list(crawl.list_failed(failure_of(again, 404))) == []
    assert crawl.crawler.stats is not None
    assert crawl.crawler.stats.get_value("govnews/list/end_404") == 1
    assert walk.end == "end_404" and walk.complete


def test_a_first_end_after_a_full_page_is_doubted_until_a_second_walk_agrees() -> None:
    """No pager, no walk to the end before: pages as full as page 1, then a 404 twice. A page
    down for the whole walk would look the same, so the end waits for a second walk."""
    crawl = spider()
    walk = crawl.incremental_run.begin("/zwgk/tzgg/", limit=10)
    for index, rows in enumerate((["a", "b"], ["c", "d"])):
        walk.page_read(index, rows, page_count=None, covered=())
    assert walk.end_confirmed(2, "end_404").end == "end_404"
    assert walk.doubted_end and not walk.complete and walk.new_gaps()[-1].lower is None


def test_a_404_inside_the_pagers_range_is_a_failed_page_and_the_walk_goes_on() -> None:
    crawl = spider()
    walk = crawl.incremental_run.begin("/sy/whyw/", limit=10)
    walk.page_read(0, ["a"], page_count=3, covered=())
    second = crawl._list_request(ListPageRef("/sy/whyw/", page_index=1))
    (third,) = crawl.list_failed(failure_of(second, 404))
    assert third.url == f"{BASE}/sy/whyw/index_2.shtml"
    assert crawl.crawler.stats is not None
    assert crawl.crawler.stats.get_value("govnews/list/end_404") is None
    assert not walk.complete


def test_a_row_on_another_host_or_column_is_not_followed() -> None:
    crawl = spider(sections="sy/whyw")
    page = HtmlResponse(
        f"{BASE}/sy/whyw/index.shtml",
        body="""<div class="articleList"><ul>
        <li><a href="./202205/t20220527_1.shtml">本栏</a><span>2022-05-27</span></li>
        <li><a href="http://3g.wuhan.gov.cn/sy/whyw/202205/t20220526_2.shtml">手机版</a></li>
        <li><a href="/sy/kwh/202205/t20220525_3.shtml">他栏</a></li>
        <li><a href="http://www.hubei.gov.cn/sy/whyw/202205/t20220524_4.shtml">外站</a></li>
        </ul></div>""".encode(),
        encoding="utf-8",
    )
    requests = list(crawl.parse_list(page, ListPageRef("/sy/whyw/")))
    assert [r.url for r in requests] == [
        f"{BASE}/sy/whyw/202205/t20220527_1.shtml",
        f"{BASE}/sy/whyw/202205/t20220526_2.shtml",  # the mobile mirror, fetched from www
        f"{BASE}/sy/whyw/index_1.shtml",
    ]


def article_response(url: str, outside: str = "") -> HtmlResponse:
    body = f"""<html><head><title>关于印发某办法的通知</title></head><body>{outside}
    <div class="trs_editor_view TRS_UEDITOR"><p>各区人民政府，市人民政府各部门：</p></div></body></html>"""
    return HtmlResponse(url, body=body.encode(), encoding="utf-8")


def test_a_list_rows_filenum_fills_a_missing_filenum_in_meta() -> None:
    crawl = spider(sections="zwgk/xxgk/zfwj/gfxwj")
    url = f"{BASE}/zwgk/xxgk/zfwj/gfxwj/202602/t20260214_2730572.shtml"
    row = ListRow(url, "关于印发某办法的通知", "2026-02-14", "武政规〔2026〕4号", "2026-02-14T17:32:00+08:00", "script")

    (item,) = crawl.parse_article(article_response(url), row)
    assert isinstance(item, Article)
    assert item.meta["发文字号"] == "武政规〔2026〕4号"
    assert item.published_at == "2026-02-14T17:32:00+08:00"  # the row's time: the page shows no date
    assert crawl.crawler.stats is not None
    assert crawl.crawler.stats.get_value("govnews/extract/filenum_from_list_row") == 1

    # The page's own 发文字号 stays.
    header = '<div class="sub"><ul><li>索引号：K1/2026-1</li><li>发文字号：武政规〔2026〕5号</li></ul></div>'
    (item,) = crawl.parse_article(article_response(url, header), row)
    assert isinstance(item, Article)
    assert item.meta["发文字号"] == "武政规〔2026〕5号"
    assert crawl.crawler.stats.get_value("govnews/extract/filenum_from_list_row") == 1

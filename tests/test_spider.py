"""The spider's decisions on single responses (no server needed)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from govnews.spiders.wuhan import ColumnWalk, WuhanSpider

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
    first = crawl._list_request(ColumnWalk("/sy/kwh/"))
    assert first.url == f"{BASE}/sy/kwh/index.shtml"
    (retry,) = crawl.list_failed(failure_of(first, 404))
    assert retry.url == f"{BASE}/sy/kwh/"
    assert crawl.list_failed(failure_of(retry, 404)) == []
    assert crawl.crawler.stats is not None
    assert crawl.crawler.stats.get_value("govnews/list/failed/http_404") == 1


def test_a_404_after_the_last_page_ends_the_column() -> None:
    crawl = spider()
    later = crawl._list_request(ColumnWalk("/zwgk/tzgg/", page_index=2))
    assert crawl.list_failed(failure_of(later, 404)) == []
    assert crawl.crawler.stats is not None
    assert crawl.crawler.stats.get_value("govnews/list/end_404") == 1


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
    requests = list(crawl.parse_list(page, ColumnWalk("/sy/whyw/")))
    assert [r.url for r in requests] == [
        f"{BASE}/sy/whyw/202205/t20220527_1.shtml",
        f"{BASE}/sy/whyw/202205/t20220526_2.shtml",  # the mobile mirror, fetched from www
        f"{BASE}/sy/whyw/index_1.shtml",
    ]

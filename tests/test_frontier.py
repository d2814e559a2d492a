"""The shared frontier on a real redis-server: scrapy-redis with Scrapy 2.19, warnings as errors.

A minimal spider of its own (list pages, then articles of one family site) is run by
``scrapy runspider`` processes that share one Redis frontier; the project's spiders are
wired to it elsewhere. This proves the integration, not the project's crawl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import redis

from tests.mirror.family import FamilyMirror
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent

SPIDER = """
import scrapy


class FamilySpider(scrapy.Spider):
    name = "frontier-probe"

    async def start(self):
        for column in self.columns.split(","):
            yield scrapy.Request(self.base_url + column + "index.shtml", callback=self.parse_list)

    def parse_list(self, response):
        for href in response.css("div.articleList li a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
        for index in range(1, int(self.pages)):
            # Every list page asks for all the others: the shared dupefilter drops repeats.
            yield scrapy.Request(response.urljoin(f"index_{index}.shtml"), callback=self.parse_list)

    def parse_article(self, response):
        yield {"url": response.url, "worker": self.worker}
"""


def runspider(spider: Path, output: Path, redis_url: str, worker: str, **args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-W", "error", "-m", "scrapy", "runspider", str(spider), "-O", str(output)]
    for key, value in {**args, "worker": worker}.items():
        cmd += ["-a", f"{key}={value}"]
    settings = {
        "SCHEDULER": "govnews.frontier.RedisScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": "True",
        "REDIS_URL": redis_url,
        "ROBOTSTXT_OBEY": "False",
        "DOWNLOAD_DELAY": "0.02",
        "TELNETCONSOLE_ENABLED": "False",
        "LOG_LEVEL": "INFO",
    }
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONWARNINGS": "error", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(cmd, cwd=spider.parent, env=env, stderr=subprocess.PIPE, text=True)


def test_two_workers_share_one_frontier_and_fetch_each_article_once(redis_server: RedisServer, tmp_path: Path) -> None:
    client = redis_server.client(db=7)
    client.flushdb()
    redis_url = redis_server.db_url(7)
    spider = tmp_path / "probe_spider.py"
    spider.write_text(SPIDER)
    with FamilyMirror(per_page=10) as family:
        key = "wuchang"
        model = family.model
        columns = [c.path for c in model.spec(key).columns]
        pages = max(model.page_count(key, c) for c in columns)
        args = {"base_url": family.base_url(key), "columns": ",".join(columns), "pages": str(pages)}
        feeds = [tmp_path / f"worker-{n}.jsonl" for n in (1, 2)]
        workers = [runspider(spider, feed, redis_url, f"w{n}", **args) for n, feed in enumerate(feeds, 1)]
        logs = [w.communicate(timeout=180)[1] for w in workers]
        for worker, log in zip(workers, logs, strict=True):
            assert worker.returncode == 0, log[-3000:]
            assert "Traceback" not in log and "Warning" not in log, log[-3000:]
        items = [json.loads(line) for feed in feeds for line in feed.read_text().splitlines()]
        fetched = [urlsplit(item["url"]).path for item in items]
        expected = {path for (_, path) in model.expected_articles(key)}
        assert sorted(fetched) == sorted(expected)  # every article, none twice across workers
        print("articles per worker:", {w: sum(i["worker"] == w for i in items) for w in ("w1", "w2")})
        article_requests = [
            path for _, path in family.servers[key].access_log if path.endswith(".shtml") and "/index" not in path
        ]
        assert sorted(article_requests) == sorted(expected)  # and fetched once, cluster-wide
    # The frontier lives in Redis: the fingerprints stay (SCHEDULER_PERSIST), the queue is drained.
    assert client.scard("frontier-probe:dupefilter") >= len(expected)
    assert client.zcard("frontier-probe:requests") == 0
    client.flushdb()
    client.close()
    assert isinstance(client, redis.Redis)
